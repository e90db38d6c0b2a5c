//! sBG: the shifted-beta-geometric model of contract duration for one cohort.
//!
//! Fader, P. S. & Hardie, B. G. S. (2007), "How to project customer retention", *Journal of
//! Interactive Marketing* 21(1), 76–90 (FH 2007 below), for the model, its likelihood and
//! the survival and retention curves; and Fader, P. S. & Hardie, B. G. S. (2010),
//! "Customer-base valuation in a contractual setting: the perils of ignoring
//! heterogeneity", *Marketing Science* 29(1), 85–93 (FH 2010 below), for discounted
//! expected (residual) lifetimes.
//!
//! Time is counted in contract periods (e.g. years). The story (FH 2007, model
//! development):
//! - at the end of each period an active customer renews with probability 1 − θ, so the
//!   period T in which they churn is (shifted) geometric: P(T = t | θ) = θ (1 − θ)^(t−1),
//!   t = 1, 2, …, and S(t | θ) = P(T > t | θ) = (1 − θ)^t;
//! - θ ~ Beta(α, β) across the cohort.
//!
//! Data are the survivors of one cohort: `survivors[t]` customers are still active after t
//! renewal opportunities, `survivors[0]` being the cohort size. (The equations are written
//! here in full; FH 2007's and FH 2010's own equation numbers are not used.)

use rand::{Rng, RngExt};
use rand_distr::{Beta, Distribution};
use serde::{Deserialize, Serialize};

use super::FitError;
use super::optimize::{FitOptions, FitResult, Likelihood, flag_boundary, maximize, summarize_fit};
use super::special::{ln_beta, ln_hyp2f1};

/// Model name used in errors and reports.
const MODEL: &str = "sBG";

/// Periods up to which survival is computed by the exact product of retention rates (beyond,
/// from log-Beta values).
pub const RECURSION_LIMIT: u32 = 100_000;

/// Parameter names in [`Sbg::to_vec`] order.
pub const PARAM_NAMES: [&str; 2] = ["alpha", "beta"];

/// Why sBG inputs (survivor counts, a prediction argument or the parameters) cannot be used,
/// or why a fit could not be run.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SbgError {
    /// Fewer than two observed periods after period 0.
    #[error(
        "{len} survivor value(s): need the cohort size and at least 2 periods after it, so \
         that both α and β are identified"
    )]
    TooFewPeriods {
        /// Values given.
        len: usize,
    },
    /// A value that is NaN or infinite.
    #[error("survivors[{index}] = {value} is not finite")]
    NotFinite {
        /// 0-based period.
        index: usize,
        /// The value.
        value: f64,
    },
    /// A negative number of survivors.
    #[error("survivors[{index}] = {value} is negative")]
    Negative {
        /// 0-based period.
        index: usize,
        /// The value.
        value: f64,
    },
    /// A cohort of size 0.
    #[error("the cohort size survivors[0] = {value} must be positive")]
    EmptyCohort {
        /// The value.
        value: f64,
    },
    /// More survivors than in the period before: survivors must be non-increasing.
    #[error(
        "survivors[{index}] = {value} exceeds the value before it ({previous}): survivors \
         must not increase"
    )]
    Increasing {
        /// 0-based period.
        index: usize,
        /// Survivors in the period before.
        previous: f64,
        /// The value.
        value: f64,
    },
    /// Nobody churned, so the likelihood has no interior maximum (θ → 0).
    #[error(
        "nobody in the cohort of {cohort} churned: the sBG model cannot be estimated\n  fix: \
         observe the cohort for longer"
    )]
    NoChurn {
        /// Cohort size.
        cohort: f64,
    },
    /// Parameters that are not both finite and positive.
    #[error("sBG parameters must be finite and positive (alpha = {alpha}, beta = {beta})")]
    InvalidParameters {
        /// α.
        alpha: f64,
        /// β.
        beta: f64,
    },
    /// A prediction argument outside its domain.
    #[error("{name} = {value}: {what}")]
    InvalidArgument {
        /// Argument name.
        name: &'static str,
        /// Its value.
        value: f64,
        /// The requirement it breaks.
        what: &'static str,
    },
    /// A prediction could not be represented as a finite number (extreme parameters).
    #[error("sBG {what} is not finite for these parameters and inputs")]
    NotFiniteResult {
        /// The quantity.
        what: &'static str,
    },
    /// The fit could not be run.
    #[error(transparent)]
    Fit(#[from] FitError),
}

/// Checks a survivor series: at least 3 values (cohort size and 2 periods), all finite and
/// non-negative, the first positive, non-increasing. Values need not be whole (survivors
/// per 1,000, weights).
pub fn validate_survivors(survivors: &[f64]) -> Result<(), SbgError> {
    if survivors.len() < 3 {
        return Err(SbgError::TooFewPeriods {
            len: survivors.len(),
        });
    }
    for (index, &value) in survivors.iter().enumerate() {
        if !value.is_finite() {
            return Err(SbgError::NotFinite { index, value });
        }
        if value < 0.0 {
            return Err(SbgError::Negative { index, value });
        }
        if index == 0 && value <= 0.0 {
            return Err(SbgError::EmptyCohort { value });
        }
        if index > 0 && value > survivors[index - 1] {
            return Err(SbgError::Increasing {
                index,
                previous: survivors[index - 1],
                value,
            });
        }
    }
    Ok(())
}

/// sBG parameters (FH 2007): the churn probability θ ~ Beta(`alpha`, `beta`) across the
/// cohort. Dimensionless shapes; the mean churn probability is α/(α+β).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Sbg {
    /// α, first shape of the churn-probability distribution.
    pub alpha: f64,
    /// β, second shape of the churn-probability distribution.
    pub beta: f64,
}

impl Sbg {
    /// From `[alpha, beta]`. Panics if `p` has fewer than 2 elements.
    pub fn from_slice(p: &[f64]) -> Self {
        Sbg {
            alpha: p[0],
            beta: p[1],
        }
    }

    /// `[alpha, beta]`.
    pub fn to_vec(&self) -> Vec<f64> {
        vec![self.alpha, self.beta]
    }

    /// Maximum-likelihood fit to one cohort's survivors (FH 2007):
    ///
    /// LL(α, β) = Σ_{t=1}^{T} (s_{t−1} − s_t) ln P(T = t | α, β) + s_T ln S(T | α, β),
    ///
    /// with s_t = `survivors[t]` and T = `survivors.len() − 1`, by L-BFGS on
    /// log-parameters from several starts, then standard errors, intervals and convergence
    /// checks (see [`summarize_fit`]; the number of observations is the cohort size).
    ///
    /// Errors: invalid survivors (see [`validate_survivors`]); nobody churned
    /// ([`SbgError::NoChurn`]); no start could be evaluated ([`SbgError::Fit`]). A fit that
    /// runs but does not converge is returned with `converged: false`, and so is one whose
    /// estimates run off to the edge of the parameter space (outside [1e-6, 1e6]): e.g. a
    /// cohort whose retention does not rise over time has its likelihood's supremum at the
    /// homogeneous limit α, β → ∞ with α/(α+β) fixed, where only the mean churn probability
    /// is identified.
    pub fn fit(survivors: &[f64], opts: &FitOptions) -> Result<(Self, FitResult), SbgError> {
        let lik = SbgLikelihood::new(survivors)?;
        let cohort = survivors[0];
        if survivors[survivors.len() - 1] == cohort {
            return Err(SbgError::NoChurn { cohort });
        }
        let (params, iterations, reason) =
            maximize(&lik, opts, &[1.0; 2]).ok_or_else(|| FitError::NotEvaluable {
                model: MODEL,
                detail: format!("{} starting points", lik.starts().len()),
            })?;
        let mut fit = summarize_fit(&lik, &params, iterations, &reason, opts);
        flag_boundary(&mut fit, &[1.0; 2]);
        Ok((Self::from_slice(&fit.params()), fit))
    }

    fn check(&self) -> Result<(), SbgError> {
        let ok = |v: f64| v.is_finite() && v > 0.0;
        if ok(self.alpha) && ok(self.beta) {
            Ok(())
        } else {
            Err(SbgError::InvalidParameters {
                alpha: self.alpha,
                beta: self.beta,
            })
        }
    }

    fn finite(what: &'static str, v: f64) -> Result<f64, SbgError> {
        if v.is_finite() {
            Ok(v)
        } else {
            Err(SbgError::NotFiniteResult { what })
        }
    }

    fn period(name: &'static str, t: u32) -> Result<f64, SbgError> {
        if t == 0 {
            Err(SbgError::InvalidArgument {
                name,
                value: 0.0,
                what: "periods are counted from 1",
            })
        } else {
            Ok(f64::from(t))
        }
    }

    fn discount(d: f64) -> Result<f64, SbgError> {
        if d.is_finite() && d > 0.0 {
            Ok(d)
        } else {
            Err(SbgError::InvalidArgument {
                name: "d",
                value: d,
                what: "the discount rate must be finite and positive",
            })
        }
    }

    /// The log-likelihood LL(α, β) of a survivor series (see [`Sbg::fit`] for the formula).
    pub fn log_likelihood(&self, survivors: &[f64]) -> Result<f64, SbgError> {
        self.check()?;
        let lik = SbgLikelihood::new(survivors)?;
        let mut g = [0.0; 2];
        Self::finite(
            "log-likelihood",
            lik.value_and_gradient(&self.to_vec(), &mut g),
        )
    }

    /// ln S(t | α, β) = ln B(α, β+t) − ln B(α, β), summed as Σ_{j<t} ln((β+j)/(α+β+j))
    /// (the recursion S(t) = r(t) S(t−1) of FH 2007) for t up to [`RECURSION_LIMIT`], which
    /// stays accurate however large α and β are; from log-Beta values beyond.
    fn ln_survival(&self, t: u32) -> f64 {
        let (a, b) = (self.alpha, self.beta);
        if t <= RECURSION_LIMIT {
            (0..t)
                .map(|j| {
                    let bj = b + f64::from(j);
                    (bj / (a + bj)).ln()
                })
                .sum()
        } else {
            ln_beta(a, b + f64::from(t)) - ln_beta(a, b)
        }
    }

    /// S(t | α, β) = B(α, β+t)/B(α, β): the probability that a customer is still active
    /// after t renewal opportunities, i.e. the expected fraction of the cohort surviving to
    /// period t (FH 2007). S(0) = 1. Dimensionless.
    pub fn survival(&self, t: u32) -> Result<f64, SbgError> {
        self.check()?;
        Self::finite("S(t)", self.ln_survival(t).exp().clamp(0.0, 1.0))
    }

    /// P(T = t | α, β) = B(α+1, β+t−1)/B(α, β), t >= 1: the probability that a new customer
    /// churns at the t-th renewal opportunity, i.e. is active for exactly t periods (FH 2007),
    /// computed as S(t−1) α/(α+β+t−1). Dimensionless.
    pub fn p_churn_in_period(&self, t: u32) -> Result<f64, SbgError> {
        self.check()?;
        let tf = Self::period("t", t)?;
        let ln_v =
            (self.alpha / (self.alpha + self.beta + tf - 1.0)).ln() + self.ln_survival(t - 1);
        Self::finite("P(T = t)", ln_v.exp().clamp(0.0, 1.0))
    }

    /// r(t) = S(t)/S(t−1) = (β+t−1)/(α+β+t−1), t >= 1: the expected fraction of the
    /// customers active in period t − 1 who renew at opportunity t (FH 2007's retention
    /// rate; it rises with t as the cohort's high-churn members leave). Dimensionless.
    pub fn retention_rate(&self, t: u32) -> Result<f64, SbgError> {
        self.check()?;
        let tf = Self::period("t", t)?;
        Self::finite(
            "r(t)",
            (self.beta + tf - 1.0) / (self.alpha + self.beta + tf - 1.0),
        )
    }

    /// DERL(d | α, β, n−1 renewals): discounted expected residual lifetime, in periods, of a
    /// customer who has made n − 1 renewals (n >= 1) and is at the end of period n, just
    /// before the n-th renewal decision (FH 2010):
    ///
    /// DERL = Σ_{t=n}^{∞} S(t | T > n−1) / (1+d)^{t−n}
    ///      = ((β+n−1)/(α+β+n−1)) · ₂F₁(1, β+n; α+β+n; 1/(1+d)),
    ///
    /// so the payment made on renewing now (t = n) is not discounted, and the payment of
    /// the period just ending is not counted. `d` > 0 is the discount rate per period.
    /// Multiply by the net cash flow per period for the customer's residual value.
    pub fn derl(&self, d: f64, n: u32) -> Result<f64, SbgError> {
        self.check()?;
        let d = Self::discount(d)?;
        let nf = Self::period("n", n)?;
        let (a, b) = (self.alpha, self.beta);
        let ln_v = ((b + nf - 1.0) / (a + b + nf - 1.0)).ln()
            + ln_hyp2f1(1.0, b + nf, a + b + nf, 1.0 / (1.0 + d));
        Self::finite("DERL", ln_v.exp())
    }

    /// DEL(d | α, β): discounted expected lifetime, in periods, of a customer just acquired
    /// (about to make the first payment) (FH 2010):
    ///
    /// DEL = Σ_{t=0}^{∞} S(t) / (1+d)^t = ₂F₁(1, β; α+β; 1/(1+d)),
    ///
    /// the first payment (t = 0) undiscounted. `d` > 0 is the discount rate per period.
    /// Multiply by the net cash flow per period for the expected lifetime value of a new
    /// customer. Equals 1 + DERL(d, 1)/(1+d).
    pub fn del(&self, d: f64) -> Result<f64, SbgError> {
        self.check()?;
        let d = Self::discount(d)?;
        let ln_v = ln_hyp2f1(1.0, self.beta, self.alpha + self.beta, 1.0 / (1.0 + d));
        Self::finite("DEL", ln_v.exp())
    }
}

/// The sBG log-likelihood (see [`Sbg::fit`]) of one cohort's survivors, with its analytic
/// gradient (digamma differences).
pub struct SbgLikelihood {
    survivors: Vec<f64>,
}

impl SbgLikelihood {
    /// Wraps a survivor series after [`validate_survivors`].
    pub fn new(survivors: &[f64]) -> Result<Self, SbgError> {
        validate_survivors(survivors)?;
        Ok(SbgLikelihood {
            survivors: survivors.to_vec(),
        })
    }
}

impl Likelihood for SbgLikelihood {
    fn param_names(&self) -> &'static [&'static str] {
        &PARAM_NAMES
    }

    /// The cohort size.
    fn n_obs(&self) -> f64 {
        self.survivors[0]
    }

    /// Computed with FH 2007's recursions, P(T = t) = S(t−1) α/(α+β+t−1) and
    /// S(t) = S(t−1) (β+t−1)/(α+β+t−1), in logs: each step adds the log of a ratio in (0, 1),
    /// so no large log-Gamma values are subtracted, however large α and β. The gradient
    /// follows the same steps: d ln S(t)/dα = −Σ_{j<t} 1/(α+β+j) = −[ψ(α+β+t) − ψ(α+β)],
    /// d ln S(t)/dβ = Σ_{j<t} α/((β+j)(α+β+j)) = [ψ(β+t) − ψ(β)] − [ψ(α+β+t) − ψ(α+β)].
    fn value_and_gradient(&self, params: &[f64], grad: &mut [f64]) -> f64 {
        grad.iter_mut().for_each(|g| *g = 0.0);
        if params.len() != 2 || grad.len() != 2 {
            return f64::NAN;
        }
        let (a, b) = (params[0], params[1]);
        if !(a.is_finite() && a > 0.0 && b.is_finite() && b > 0.0) {
            return f64::NAN;
        }
        let s = &self.survivors;
        let last = s.len() - 1;
        let (mut ll, mut ga, mut gb) = (0.0, 0.0, 0.0);
        // ln S(t−1) and its derivatives, starting from S(0) = 1.
        let (mut ls, mut ls_a, mut ls_b) = (0.0, 0.0, 0.0);
        for t in 1..=last {
            let bt = b + (t - 1) as f64; // β + t − 1
            let c = a + bt; // α + β + t − 1
            let churned = s[t - 1] - s[t];
            if churned > 0.0 {
                // ln P(T = t) = ln(α/c) + ln S(t−1); d/dα ln(α/c) = 1/α − 1/c = bt/(α c).
                ll += churned * ((a / c).ln() + ls);
                ga += churned * (bt / (a * c) + ls_a);
                gb += churned * (-1.0 / c + ls_b);
            }
            // ln S(t) = ln S(t−1) + ln(bt/c); d/dβ ln(bt/c) = 1/bt − 1/c = α/(bt c).
            ls += (bt / c).ln();
            ls_a -= 1.0 / c;
            ls_b += a / (bt * c);
        }
        // Still active after the last opportunity: ln S(T).
        if s[last] > 0.0 {
            ll += s[last] * ls;
            ga += s[last] * ls_a;
            gb += s[last] * ls_b;
        }
        grad[0] = ga;
        grad[1] = gb;
        ll
    }

    fn starts(&self) -> Vec<Vec<f64>> {
        // The first retention rate is β/(α+β): keep it for several overall scales.
        let r1 = (self.survivors[1] / self.survivors[0]).clamp(0.02, 0.98);
        let odds = r1 / (1.0 - r1);
        vec![
            vec![1.0, 1.0],
            vec![1.0, odds],
            vec![0.3, 0.3 * odds],
            vec![3.0, 3.0 * odds],
        ]
    }
}

/// Simulates one cohort of `cohort_size` customers from the sBG story (FH 2007) over
/// `n_periods` renewal opportunities and returns its survivors (`n_periods + 1` values,
/// the first the cohort size): each customer draws θ ~ Beta(α, β), then at each
/// opportunity t = 1, 2, … churns with probability θ.
///
/// Errors: invalid parameters, `n_periods` of 0.
pub fn simulate<R: Rng + ?Sized>(
    params: &Sbg,
    cohort_size: usize,
    n_periods: u32,
    rng: &mut R,
) -> Result<Vec<f64>, SbgError> {
    params.check()?;
    if n_periods == 0 {
        return Err(SbgError::InvalidArgument {
            name: "n_periods",
            value: 0.0,
            what: "must be at least 1",
        });
    }
    let theta_dist =
        Beta::new(params.alpha, params.beta).map_err(|_| SbgError::InvalidParameters {
            alpha: params.alpha,
            beta: params.beta,
        })?;
    let periods = n_periods as usize;
    // lasted[k]: customers active for exactly k periods (k = periods: still active).
    let mut lasted = vec![0u64; periods + 1];
    for _ in 0..cohort_size {
        let theta: f64 = theta_dist.sample(rng);
        let mut k = 0;
        while k < periods && rng.random::<f64>() >= theta {
            k += 1;
        }
        lasted[k] += 1;
    }
    // survivors[t] = #{customers active for at least t periods}.
    let mut survivors = vec![0.0; periods + 1];
    let mut acc = 0u64;
    for t in (0..=periods).rev() {
        acc += lasted[t];
        survivors[t] = acc as f64;
    }
    Ok(survivors)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    /// FH 2007: survivors per 1,000 customers over years 0–7 for the two segments.
    const REGULAR: [f64; 8] = [1000.0, 631.0, 468.0, 382.0, 326.0, 289.0, 262.0, 241.0];
    const HIGH_END: [f64; 8] = [1000.0, 869.0, 743.0, 653.0, 593.0, 551.0, 517.0, 491.0];

    #[test]
    fn fit_reproduces_the_published_estimates() {
        // FH 2007: Regular α = 0.704, β = 1.182, LL = −1680.27; High End α = 0.668,
        // β = 3.806, LL = −1611.16. Parameters to the published 3 decimals (0.001), LL to
        // 0.01.
        for (data, alpha, beta, ll) in [
            (REGULAR, 0.704, 1.182, -1680.27),
            (HIGH_END, 0.668, 3.806, -1611.16),
        ] {
            let (m, fit) = Sbg::fit(&data, &FitOptions::default()).unwrap();
            assert!(fit.converged, "{}", fit.message);
            assert!((m.alpha - alpha).abs() < 1e-3, "α {} vs {alpha}", m.alpha);
            assert!((m.beta - beta).abs() < 1e-3, "β {} vs {beta}", m.beta);
            assert!(
                (fit.log_likelihood - ll).abs() < 0.01,
                "LL {} vs {ll}",
                fit.log_likelihood
            );
            assert_eq!(fit.n_obs, 1000.0);
        }
    }

    /// Five-point central difference of `f` in coordinate `k` (step 1e-4 relative): error
    /// O(h⁴) plus rounding, well below the 1e-6 tolerance for these log-likelihoods.
    fn five_point(f: impl Fn([f64; 2]) -> f64, p: [f64; 2], k: usize) -> f64 {
        let h = 1e-4 * p[k];
        let at = |m: f64| {
            let mut q = p;
            q[k] += m * h;
            f(q)
        };
        (8.0 * (at(1.0) - at(-1.0)) - (at(2.0) - at(-2.0))) / (12.0 * h)
    }

    #[test]
    fn gradient_matches_finite_differences() {
        let lik = SbgLikelihood::new(&[500.0, 400.0, 400.0, 310.5, 200.0, 0.0]).unwrap();
        let lik2 = SbgLikelihood::new(&REGULAR).unwrap();
        for l in [&lik, &lik2] {
            for p in [[0.704, 1.182], [3.0, 0.2], [0.1, 8.0]] {
                let mut g = [0.0; 2];
                l.value_and_gradient(&p, &mut g);
                for (k, gk) in g.iter().enumerate() {
                    let fd = five_point(|v| l.value_and_gradient(&v, &mut [0.0; 2]), p, k);
                    assert!(
                        (gk - fd).abs() < 1e-6 * fd.abs().max(1.0),
                        "{p:?} {k}: {} vs {fd}",
                        gk
                    );
                }
            }
        }
    }

    #[test]
    fn curves_are_consistent_probabilities() {
        // S(t−1) − S(t) = P(T = t), S(t)/S(t−1) = r(t), Σ P(T = t) + S(T) = 1: each pair
        // uses different formulas.
        let m = Sbg {
            alpha: 0.668,
            beta: 3.806,
        };
        assert_eq!(m.survival(0).unwrap(), 1.0);
        let mut total = 0.0;
        for t in 1..=40u32 {
            let (s0, s1) = (m.survival(t - 1).unwrap(), m.survival(t).unwrap());
            let p = m.p_churn_in_period(t).unwrap();
            assert!((s0 - s1 - p).abs() < 1e-12, "t {t}: {}", s0 - s1 - p);
            assert!(
                (s1 / s0 - m.retention_rate(t).unwrap()).abs() < 1e-12,
                "t {t}"
            );
            total += p;
        }
        assert!((total + m.survival(40).unwrap() - 1.0).abs() < 1e-12);
        // Retention rises with tenure (heterogeneity sorting), towards 1.
        assert!(m.retention_rate(2).unwrap() > m.retention_rate(1).unwrap());
    }

    /// Σ_{t=from}^{∞} S(t)/(1+d)^{t−from} by direct summation with ln_beta, until the terms
    /// are negligible (S(t) ~ t^(−α) and the discount makes the tail geometric).
    fn discounted_survival_sum(m: &Sbg, d: f64, from: f64) -> f64 {
        let (mut sum, mut t) = (0.0, from);
        loop {
            let term =
                (ln_beta(m.alpha, m.beta + t) - ln_beta(m.alpha, m.beta) - (t - from) * d.ln_1p())
                    .exp();
            sum += term;
            t += 1.0;
            if term < 1e-17 * sum {
                return sum;
            }
        }
    }

    #[test]
    fn derl_and_del_match_direct_discounted_sums() {
        for m in [
            Sbg {
                alpha: 0.704,
                beta: 1.182,
            },
            Sbg {
                alpha: 0.668,
                beta: 3.806,
            },
            Sbg {
                alpha: 4.0,
                beta: 0.5,
            },
        ] {
            for d in [0.1f64, 0.02, 0.5] {
                let del = m.del(d).unwrap();
                let want = discounted_survival_sum(&m, d, 0.0);
                assert!(
                    (del - want).abs() < 1e-10 * want,
                    "{m:?} d {d}: DEL {del} vs {want}"
                );
                for n in [1u32, 2, 5, 12] {
                    // Customer with n − 1 renewals: Σ_{t>=n} S(t)/S(n−1)/(1+d)^{t−n}.
                    let nf = f64::from(n);
                    let s_prev =
                        (ln_beta(m.alpha, m.beta + nf - 1.0) - ln_beta(m.alpha, m.beta)).exp();
                    let want = discounted_survival_sum(&m, d, nf) / s_prev;
                    let got = m.derl(d, n).unwrap();
                    assert!(
                        (got - want).abs() < 1e-10 * want,
                        "{m:?} d {d} n {n}: {got} vs {want}"
                    );
                }
                let one = 1.0 + m.derl(d, 1).unwrap() / (1.0 + d);
                assert!((del - one).abs() < 1e-12 * del);
            }
        }
    }

    #[test]
    fn simulated_cohorts_follow_the_survival_curve_and_recover_the_parameters() {
        let truth = Sbg {
            alpha: 0.704,
            beta: 1.182,
        };
        let mut rng = StdRng::seed_from_u64(2007);
        let cohort = 20_000usize;
        let survivors = simulate(&truth, cohort, 7, &mut rng).unwrap();
        assert_eq!(survivors.len(), 8);
        assert_eq!(survivors[0], cohort as f64);
        // Ground truth: the surviving fraction at each t is S(t), within 4 binomial SEs.
        for (t, s) in survivors.iter().enumerate() {
            let p = truth.survival(t as u32).unwrap();
            let se = (p * (1.0 - p) / cohort as f64).sqrt();
            assert!(
                (s / cohort as f64 - p).abs() <= 4.0 * se + 1e-15,
                "t {t}: {s} vs {p}"
            );
        }
        let (m, fit) = Sbg::fit(&survivors, &FitOptions::default()).unwrap();
        assert!(fit.converged, "{}", fit.message);
        for (e, t) in fit.estimates.iter().zip(truth.to_vec()) {
            let (lo, hi) = (e.ci_low.unwrap(), e.ci_high.unwrap());
            assert!(
                lo <= t && t <= hi,
                "{}: {t} not in [{lo}, {hi}] ({})",
                e.name,
                e.value
            );
        }
        eprintln!("recovered {m:?}");
        for e in &fit.estimates {
            eprintln!(
                "{} {:.4} [{:.4}, {:.4}]",
                e.name,
                e.value,
                e.ci_low.unwrap(),
                e.ci_high.unwrap()
            );
        }
    }

    #[test]
    fn degenerate_cohorts_fit_without_nan_and_are_flagged() {
        // No interior maximum: everyone gone at once; a constant churn rate (the supremum is
        // the homogeneous geometric limit, here θ = 2/3 with LL = 500 ln(2/3) + 500 ln(2/9));
        // a single churner. The log-likelihood must stay a valid log-probability (<= 0).
        for (s, sup) in [
            (vec![1000.0, 0.0, 0.0], Some(0.0)),
            (
                vec![1000.0, 500.0, 0.0],
                Some(500.0 * (2.0f64 / 3.0).ln() + 500.0 * (2.0f64 / 9.0).ln()),
            ),
            (vec![1000.0, 1000.0, 999.0], None),
        ] {
            let (_, fit) = Sbg::fit(&s, &FitOptions::default()).unwrap();
            assert!(!fit.converged, "{s:?}: {}", fit.message);
            assert!(fit.log_likelihood.is_finite() && fit.log_likelihood <= 0.0);
            // The supremum is approached as the parameters grow; the optimiser stops at
            // its bound (optimize::PARAM_MAX = 1e5), within 1e-2 of it.
            if let Some(sup) = sup {
                assert!(
                    (fit.log_likelihood - sup).abs() < 1e-2,
                    "{s:?}: {} vs {sup}",
                    fit.log_likelihood
                );
            }
        }
    }

    #[test]
    fn fit_is_bit_for_bit_deterministic() {
        let a = Sbg::fit(&HIGH_END, &FitOptions::default()).unwrap();
        let b = Sbg::fit(&HIGH_END, &FitOptions::default()).unwrap();
        assert_eq!(a, b);
    }

    #[test]
    fn invalid_inputs_are_typed_errors() {
        let fit = |s: &[f64]| Sbg::fit(s, &FitOptions::default()).unwrap_err();
        assert!(matches!(
            fit(&[1000.0, 600.0]),
            SbgError::TooFewPeriods { len: 2 }
        ));
        assert!(matches!(fit(&[]), SbgError::TooFewPeriods { len: 0 }));
        assert!(matches!(
            fit(&[0.0, 0.0, 0.0]),
            SbgError::EmptyCohort { .. }
        ));
        assert!(matches!(
            fit(&[1000.0, 600.0, 700.0]),
            SbgError::Increasing { index: 2, .. }
        ));
        assert!(matches!(
            fit(&[1000.0, -1.0, -2.0]),
            SbgError::Negative { index: 1, .. }
        ));
        assert!(matches!(
            fit(&[1000.0, f64::NAN, 3.0]),
            SbgError::NotFinite { index: 1, .. }
        ));
        assert!(matches!(
            fit(&[1000.0, 1000.0, 1000.0]),
            SbgError::NoChurn { .. }
        ));
        let m = Sbg {
            alpha: 0.704,
            beta: 1.182,
        };
        assert!(matches!(
            m.retention_rate(0),
            Err(SbgError::InvalidArgument { .. })
        ));
        assert!(matches!(
            m.p_churn_in_period(0),
            Err(SbgError::InvalidArgument { .. })
        ));
        assert!(matches!(
            m.derl(0.1, 0),
            Err(SbgError::InvalidArgument { .. })
        ));
        assert!(matches!(m.del(0.0), Err(SbgError::InvalidArgument { .. })));
        assert!(matches!(
            m.del(f64::NAN),
            Err(SbgError::InvalidArgument { .. })
        ));
        let bad = Sbg {
            alpha: 0.0,
            beta: 1.0,
        };
        assert!(matches!(
            bad.survival(1),
            Err(SbgError::InvalidParameters { .. })
        ));
        assert!(simulate(&bad, 10, 3, &mut StdRng::seed_from_u64(1)).is_err());
        assert!(simulate(&m, 10, 0, &mut StdRng::seed_from_u64(1)).is_err());
    }
}
