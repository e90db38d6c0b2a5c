//! BG/BB: beta-geometric / beta-Bernoulli model of repeat transactions at discrete
//! opportunities.
//!
//! Fader, P. S., Hardie, B. G. S. & Shang, J. (2010), "Customer-base analysis in a
//! discrete-time noncontractual setting", *Marketing Science* 29(6), 1086–1108 (FHS 2010
//! below; equation numbers are the paper's).
//!
//! Time is counted in transaction *opportunities* (e.g. yearly fund-raising drives): after
//! the first transaction at opportunity 0, a customer has opportunities 1, 2, …, n. The story
//! (FHS 2010, model assumptions):
//! - while alive, a customer transacts at each opportunity with probability p
//!   (Bernoulli), and p ~ Beta(α, β) across customers;
//! - an alive customer becomes inactive at the *beginning* of each opportunity with
//!   probability θ (geometric lifetime), and θ ~ Beta(γ, δ) across customers; so the
//!   probability of being alive at opportunity t is (1 − θ)^t.
//!
//! A customer's history is summarised by (x, t_x, n): x repeat transactions in the n
//! opportunities, the last of them at opportunity t_x (t_x = 0 when x = 0). All four
//! parameters are pure shapes (no time unit).
//!
//! Likelihoods and probabilities are built from log-Beta functions, and their sums of terms
//! of very different sizes are taken with log-sum-exp (never exponentiated, then added).

use std::collections::BTreeMap;

use rand::{Rng, RngExt};
use rand_distr::{Beta, Distribution};
use serde::{Deserialize, Serialize};

use super::optimize::{FitOptions, FitResult, Likelihood, flag_boundary, maximize, summarize_fit};
use super::special::{ln_gamma, ln_hyp2f1};
use super::{FitError, par_sum};

/// Model name used in errors and reports.
const MODEL: &str = "BG/BB";

/// Largest number of opportunities accepted, for n and for a prediction horizon n*: the
/// likelihood's work per customer and its lookup tables grow linearly with n.
pub const MAX_OPPORTUNITIES: f64 = 100_000.0;

/// Parameter names in [`BgBb::to_vec`] order.
pub const PARAM_NAMES: [&str; 4] = ["alpha", "beta", "gamma", "delta"];

/// Why BG/BB inputs (data rows, a customer history, a prediction argument or the
/// parameters) cannot be used.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum BgBbError {
    /// Columns of different lengths.
    #[error("x, t_x, n and count have different lengths ({x}, {t_x}, {n}, {count})")]
    Lengths {
        /// Length of `x`.
        x: usize,
        /// Length of `t_x`.
        t_x: usize,
        /// Length of `n`.
        n: usize,
        /// Length of `count`.
        count: usize,
    },
    /// A data row outside the model's domain.
    #[error(
        "row {index}: {what} (x = {x}, t_x = {t_x}, n = {n}, count = {count}); need whole \
         numbers 0 <= x <= t_x <= n, t_x = 0 exactly when x = 0, 1 <= n <= 100,000, \
         count > 0, all finite"
    )]
    InvalidRow {
        /// 0-based row.
        index: usize,
        /// What is wrong.
        what: &'static str,
        /// Repeat transactions.
        x: f64,
        /// Opportunity of the last transaction.
        t_x: f64,
        /// Opportunities observed.
        n: f64,
        /// Customers with this pattern.
        count: f64,
    },
    /// A customer history given to a prediction is outside the model's domain.
    #[error(
        "history (x = {x}, t_x = {t_x}, n = {n}): {what}; need whole numbers \
         0 <= x <= t_x <= n <= 100,000, t_x = 0 exactly when x = 0"
    )]
    InvalidHistory {
        /// What is wrong.
        what: &'static str,
        /// Repeat transactions.
        x: f64,
        /// Opportunity of the last transaction.
        t_x: f64,
        /// Opportunities observed.
        n: f64,
    },
    /// A prediction argument (horizon, count, discount rate) outside its domain.
    #[error("{name} = {value}: {what}")]
    InvalidArgument {
        /// Argument name.
        name: &'static str,
        /// Its value.
        value: f64,
        /// The requirement it breaks.
        what: &'static str,
    },
    /// Parameters that are not all finite and positive.
    #[error(
        "BG/BB parameters must be finite and positive (alpha = {alpha}, beta = {beta}, \
         gamma = {gamma}, delta = {delta})"
    )]
    InvalidParameters {
        /// α.
        alpha: f64,
        /// β.
        beta: f64,
        /// γ.
        gamma: f64,
        /// δ.
        delta: f64,
    },
    /// A prediction could not be represented as a finite number (extreme parameters).
    #[error("BG/BB {what} is not finite for these parameters and inputs")]
    NotFinite {
        /// The quantity.
        what: &'static str,
    },
}

/// Checks one history; the reason on failure. `n_min` is 1 for data rows, 0 for a
/// prediction's history (a customer just acquired has n = 0).
fn check_history(x: f64, t_x: f64, n: f64, n_min: f64) -> Result<(), &'static str> {
    if !(x.is_finite() && t_x.is_finite() && n.is_finite()) {
        return Err("not finite");
    }
    if x < 0.0 || x.fract() != 0.0 || t_x.fract() != 0.0 || n.fract() != 0.0 {
        return Err("x, t_x and n must be non-negative whole numbers");
    }
    if n < n_min || n > MAX_OPPORTUNITIES {
        return Err("n is outside the accepted range");
    }
    if t_x < x || t_x > n {
        return Err("need x <= t_x <= n");
    }
    if (x == 0.0) != (t_x == 0.0) {
        return Err("t_x must be 0 exactly when x = 0");
    }
    Ok(())
}

/// BG/BB input data: one row per distinct pattern (x, t_x, n) with the number of customers
/// sharing it. Build it with [`BgBbData::new`], which validates every row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BgBbData {
    /// Repeat transactions x (whole, 0 <= x <= t_x).
    pub x: Vec<f64>,
    /// Opportunity of the last transaction t_x (whole, x <= t_x <= n; 0 when x = 0).
    pub t_x: Vec<f64>,
    /// Opportunities observed n (whole, 1 <= n <= [`MAX_OPPORTUNITIES`]).
    pub n: Vec<f64>,
    /// Customers with the pattern (a positive weight; need not be whole).
    pub count: Vec<f64>,
}

impl BgBbData {
    /// Validates and wraps the columns: equal lengths; x, t_x, n whole and finite with
    /// 0 <= x <= t_x <= n, t_x = 0 exactly when x = 0, 1 <= n <= [`MAX_OPPORTUNITIES`];
    /// count finite and > 0. Rows need not be distinct.
    pub fn new(
        x: Vec<f64>,
        t_x: Vec<f64>,
        n: Vec<f64>,
        count: Vec<f64>,
    ) -> Result<Self, BgBbError> {
        let data = BgBbData { x, t_x, n, count };
        data.validate()?;
        Ok(data)
    }

    /// Re-checks every row (the fields are public, so data may have been changed after
    /// [`BgBbData::new`]).
    pub fn validate(&self) -> Result<(), BgBbError> {
        let len = self.x.len();
        if self.t_x.len() != len || self.n.len() != len || self.count.len() != len {
            return Err(BgBbError::Lengths {
                x: len,
                t_x: self.t_x.len(),
                n: self.n.len(),
                count: self.count.len(),
            });
        }
        for i in 0..len {
            let (x, t_x, n, count) = (self.x[i], self.t_x[i], self.n[i], self.count[i]);
            let what = match check_history(x, t_x, n, 1.0) {
                Err(what) => Some(what),
                Ok(()) if !(count.is_finite() && count > 0.0) => {
                    Some("count must be finite and positive")
                }
                Ok(()) => None,
            };
            if let Some(what) = what {
                return Err(BgBbError::InvalidRow {
                    index: i,
                    what,
                    x,
                    t_x,
                    n,
                    count,
                });
            }
        }
        Ok(())
    }

    /// Number of rows (patterns).
    pub fn len(&self) -> usize {
        self.x.len()
    }

    /// Whether there are no rows.
    pub fn is_empty(&self) -> bool {
        self.x.is_empty()
    }

    /// Number of customers (sum of counts).
    pub fn n_customers(&self) -> f64 {
        self.count.iter().sum()
    }

    /// Number of customers with at least one repeat transaction (x > 0).
    pub fn n_repeaters(&self) -> f64 {
        self.x
            .iter()
            .zip(&self.count)
            .filter(|(x, _)| **x > 0.0)
            .map(|(_, c)| c)
            .sum()
    }
}

/// BG/BB parameters (FHS 2010, model assumptions): p ~ Beta(`alpha`, `beta`) is the per-opportunity
/// transaction probability of an alive customer, θ ~ Beta(`gamma`, `delta`) the
/// per-opportunity dropout probability. All are dimensionless shapes.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct BgBb {
    /// α, first shape of the transaction-probability distribution.
    pub alpha: f64,
    /// β, second shape of the transaction-probability distribution.
    pub beta: f64,
    /// γ, first shape of the dropout-probability distribution.
    pub gamma: f64,
    /// δ, second shape of the dropout-probability distribution.
    pub delta: f64,
}

/// Log-ratios of Gamma functions at whole-number shifts, for offsets 0..len, by exact
/// recurrences: `a[k]` = ln Γ(α+k) − ln Γ(α) = Σ_{j<k} ln(α+j), and likewise `b` (β),
/// `ab` (α+β), `d` (δ) and `gd` (γ+δ). Built with `f` = 1/z instead of ln z, the same
/// columns hold the digamma differences ψ(z+k) − ψ(z) = Σ_{j<k} 1/(z+j). Every Beta ratio of
/// the BG/BB formulas is a sum of these, so no two large log-Gamma values are subtracted,
/// however large the parameters.
struct Shifts {
    a: Vec<f64>,
    b: Vec<f64>,
    ab: Vec<f64>,
    d: Vec<f64>,
    gd: Vec<f64>,
}

impl Shifts {
    fn new(p: &BgBb, len: usize, f: impl Fn(f64) -> f64) -> Self {
        let col = |z: f64| {
            let mut v = Vec::with_capacity(len);
            let mut acc = 0.0;
            for j in 0..len {
                v.push(acc);
                acc += f(z + j as f64);
            }
            v
        };
        Shifts {
            a: col(p.alpha),
            b: col(p.beta),
            ab: col(p.alpha + p.beta),
            d: col(p.delta),
            gd: col(p.gamma + p.delta),
        }
    }
}

/// The log-Gamma shifts for histories with up to `max_n` opportunities (offsets up to
/// `max_n + 1`) and, for gradients, the digamma shifts; plus ln γ and 1/γ.
struct Tables {
    lg: Shifts,
    dg: Option<Shifts>,
    ln_g: f64,
    inv_g: f64,
}

impl Tables {
    fn new(p: &BgBb, max_n: usize, with_gradient: bool) -> Self {
        Tables {
            lg: Shifts::new(p, max_n + 2, f64::ln),
            dg: with_gradient.then(|| Shifts::new(p, max_n + 2, f64::recip)),
            ln_g: p.gamma.ln(),
            inv_g: p.gamma.recip(),
        }
    }

    /// ln[B(α+x, β+m)/B(α, β)] = E[p^x (1−p)^m] on the log scale (whole x, m).
    fn ln_p(&self, x: usize, m: usize) -> f64 {
        self.lg.a[x] + self.lg.b[m] - self.lg.ab[x + m]
    }

    /// ln[B(γ, δ+k)/B(γ, δ)] = ln E[(1−θ)^k]: alive at opportunity k.
    fn ln_alive(&self, k: usize) -> f64 {
        self.lg.d[k] - self.lg.gd[k]
    }

    /// ln[B(γ+1, δ+k)/B(γ, δ)] = ln E[θ (1−θ)^k]: alive at k, gone at the start of k + 1.
    fn ln_drop(&self, k: usize) -> f64 {
        self.ln_g + self.lg.d[k] - self.lg.gd[k + 1]
    }

    /// ln L(α, β, γ, δ | x, t_x, n) of one customer (FHS 2010, eq. 5):
    ///
    /// L = B(α+x, β+n−x)/B(α,β) · B(γ, δ+n)/B(γ,δ)
    ///   + Σ_{i=0}^{n−t_x−1} B(α+x, β+t_x−x+i)/B(α,β) · B(γ+1, δ+t_x+i)/B(γ,δ),
    ///
    /// the first term for "alive at n", term i for "alive at t_x + i, gone at the start of
    /// opportunity t_x+i+1". The sum is a log-sum-exp over all n − t_x + 1 terms. With
    /// `grad`, adds the gradient with respect to (α, β, γ, δ) to it: each term's gradient is
    /// a sum of digamma differences (d/dα ln B(α+x, β+m) − ln B(α, β) = [ψ(α+x) − ψ(α)] −
    /// [ψ(α+β+x+m) − ψ(α+β)], …), and the total is their average weighted by the terms.
    /// Preconditions (checked by callers): x <= t_x <= n <= max_n, x = 0 iff t_x = 0.
    fn ln_lik(&self, x: usize, tx: usize, n: usize, grad: Option<&mut [f64]>) -> f64 {
        // Terms k = t_x, …, n−1: alive through opportunity k, gone at the start of k + 1;
        // and the alive-at-n term.
        let alive = self.ln_p(x, n - x) + self.ln_alive(n);
        let drop = |k: usize| self.ln_p(x, k - x) + self.ln_drop(k);
        let m = (tx..n).map(drop).fold(alive, f64::max);
        let w_alive = (alive - m).exp();
        let mut s = w_alive;
        match (grad, &self.dg) {
            (Some(g), Some(d)) => {
                let mut acc = [
                    w_alive * (d.a[x] - d.ab[n]),
                    w_alive * (d.b[n - x] - d.ab[n]),
                    w_alive * -d.gd[n],
                    w_alive * (d.d[n] - d.gd[n]),
                ];
                for k in tx..n {
                    let w = (drop(k) - m).exp();
                    s += w;
                    acc[0] += w * (d.a[x] - d.ab[k]);
                    acc[1] += w * (d.b[k - x] - d.ab[k]);
                    acc[2] += w * (self.inv_g - d.gd[k + 1]);
                    acc[3] += w * (d.d[k] - d.gd[k + 1]);
                }
                for (gi, ai) in g.iter_mut().zip(acc) {
                    *gi += ai / s;
                }
            }
            _ => {
                for k in tx..n {
                    s += (drop(k) - m).exp();
                }
            }
        }
        m + s.ln()
    }
}

/// A validated history as table indices.
#[derive(Debug, Clone, Copy)]
struct History {
    x: usize,
    tx: usize,
    n: usize,
}

impl BgBb {
    /// From `[alpha, beta, gamma, delta]`. Panics if `p` has fewer than 4 elements.
    pub fn from_slice(p: &[f64]) -> Self {
        BgBb {
            alpha: p[0],
            beta: p[1],
            gamma: p[2],
            delta: p[3],
        }
    }

    /// `[alpha, beta, gamma, delta]`.
    pub fn to_vec(&self) -> Vec<f64> {
        vec![self.alpha, self.beta, self.gamma, self.delta]
    }

    /// Maximum-likelihood fit of FHS 2010, eq. 5 summed over patterns (weighted by count),
    /// with L-BFGS on log-parameters from several starts, then standard errors, intervals
    /// and convergence checks (see [`summarize_fit`]).
    ///
    /// Errors: fewer than 2 customers ([`FitError::TooFewCustomers`]); nobody with a repeat
    /// transaction ([`FitError::NoRepeatBuyers`]: α, β are then not identified); data that
    /// fail [`BgBbData::validate`] or a likelihood that cannot be evaluated at any start
    /// ([`FitError::NotEvaluable`]). A fit that runs but does not converge is returned with
    /// `converged: false`, and so is one whose estimates run off to the edge of the parameter
    /// space (outside [1e-6, 1e6]: the likelihood has no interior maximum, e.g. no
    /// heterogeneity in p or θ, so only a mean is identified).
    pub fn fit(data: &BgBbData, opts: &FitOptions) -> Result<(Self, FitResult), FitError> {
        let lik = BgBbLikelihood::new(data).map_err(|e| FitError::NotEvaluable {
            model: MODEL,
            detail: e.to_string(),
        })?;
        let n = data.n_customers();
        if n.is_nan() || n < 2.0 {
            return Err(FitError::TooFewCustomers {
                model: MODEL,
                n,
                needed: 2.0,
            });
        }
        if data.n_repeaters() == 0.0 {
            return Err(FitError::NoRepeatBuyers { model: MODEL });
        }
        let (params, iterations, reason) =
            maximize(&lik, opts, &[1.0; 4]).ok_or_else(|| FitError::NotEvaluable {
                model: MODEL,
                detail: format!("{} starting points", lik.starts().len()),
            })?;
        let mut fit = summarize_fit(&lik, &params, iterations, &reason, opts);
        flag_boundary(&mut fit, &[1.0; 4]);
        Ok((Self::from_slice(&fit.params()), fit))
    }

    fn check(&self) -> Result<(), BgBbError> {
        let ok = |v: f64| v.is_finite() && v > 0.0;
        if ok(self.alpha) && ok(self.beta) && ok(self.gamma) && ok(self.delta) {
            Ok(())
        } else {
            Err(BgBbError::InvalidParameters {
                alpha: self.alpha,
                beta: self.beta,
                gamma: self.gamma,
                delta: self.delta,
            })
        }
    }

    fn history(x: f64, t_x: f64, n: f64) -> Result<History, BgBbError> {
        check_history(x, t_x, n, 0.0).map_err(|what| BgBbError::InvalidHistory {
            what,
            x,
            t_x,
            n,
        })?;
        // Whole, non-negative and at most 100,000 (checked): the casts are exact.
        Ok(History {
            x: x as usize,
            tx: t_x as usize,
            n: n as usize,
        })
    }

    /// A whole number of opportunities in [0, [`MAX_OPPORTUNITIES`]].
    fn count_arg(name: &'static str, value: f64) -> Result<usize, BgBbError> {
        if value.is_finite() && value >= 0.0 && value.fract() == 0.0 && value <= MAX_OPPORTUNITIES {
            Ok(value as usize)
        } else {
            Err(BgBbError::InvalidArgument {
                name,
                value,
                what: "must be a whole number in [0, 100,000]",
            })
        }
    }

    fn finite(what: &'static str, v: f64) -> Result<f64, BgBbError> {
        if v.is_finite() {
            Ok(v)
        } else {
            Err(BgBbError::NotFinite { what })
        }
    }

    /// ln L(α, β, γ, δ | x, t_x, n) of one customer (FHS 2010, eq. 5): the probability of the
    /// observed history (x, t_x, n), as a natural log.
    pub fn log_likelihood_one(&self, x: f64, t_x: f64, n: f64) -> Result<f64, BgBbError> {
        self.check()?;
        let h = Self::history(x, t_x, n)?;
        let v = Tables::new(self, h.n, false).ln_lik(h.x, h.tx, h.n, None);
        Self::finite("log-likelihood", v)
    }

    /// ln Σ_{t=lo+1}^{hi} B(γ, δ+t)/B(γ, δ): the expected number of opportunities
    /// lo+1, …, hi at which a customer alive at 0 is still alive (E[(1−θ)^t] summed).
    /// `tab` must cover offsets up to lo + 1.
    ///
    /// Closed form (the bracket of FHS 2010, eqs. 7 and 13, which telescopes because
    /// B(γ,δ+t)/B(γ,δ) = (δ/(γ−1)) (Γ(γ+δ)/Γ(1+δ)) [R(t−1) − R(t)] with
    /// R(t) = Γ(1+δ+t)/Γ(γ+δ+t)), so the sum is
    /// δ (Γ(γ+δ)/Γ(1+δ)) R(lo) (1 − R(hi)/R(lo)) / (γ − 1); `-inf` when hi <= lo. When
    /// ln(R(hi)/R(lo)) is too small to be computed accurately from log-Gamma values (γ near 1,
    /// where the closed form tends to 0/0, or δ very large), the terms are summed directly
    /// with the ratio B(γ,δ+t)/B(γ,δ+t−1) = (δ+t−1)/(γ+δ+t−1).
    fn ln_alive_sum(&self, tab: &Tables, lo: usize, hi: usize) -> f64 {
        if hi <= lo {
            return f64::NEG_INFINITY;
        }
        let (g, d) = (self.gamma, self.delta);
        let (lof, hif) = (lo as f64, hi as f64);
        let parts = [
            ln_gamma(1.0 + d + hif),
            ln_gamma(1.0 + d + lof),
            ln_gamma(g + d + hif),
            ln_gamma(g + d + lof),
        ];
        // D = ln R(hi) − ln R(lo); its absolute rounding error is about ε Σ|parts|, so it is
        // used only when that is below 1e-10 of |D|.
        let big_d = (parts[0] - parts[1]) - (parts[2] - parts[3]);
        let scale: f64 = parts.iter().map(|v| v.abs()).sum::<f64>().max(1.0);
        if big_d.abs() > 1e10 * f64::EPSILON * scale {
            // (R(lo) − R(hi)) / (γ − 1) = R(lo) (−expm1(D)) / (γ − 1) > 0 for every γ ≠ 1.
            let ratio = -big_d.exp_m1() / (g - 1.0);
            if ratio.is_finite() && ratio > 0.0 {
                // ln[δ Γ(γ+δ) R(lo) / Γ(1+δ)] = Σ_{j=0}^{lo} ln(δ+j) − Σ_{j<lo} ln(γ+δ+j).
                return tab.lg.d[lo + 1] - tab.lg.gd[lo] + ratio.ln();
            }
        }
        // Direct sum of B(γ,δ+t)/B(γ,δ+lo+1) for t = lo+1..hi, scaled back.
        let (mut term, mut sum) = (1.0f64, 0.0f64);
        for t in lo + 1..=hi {
            if t > lo + 1 {
                let tf = t as f64;
                term *= (d + tf - 1.0) / (g + d + tf - 1.0);
            }
            sum += term;
        }
        tab.ln_alive(lo + 1) + sum.ln()
    }

    /// E[X(n*)], the expected number of transactions in the first n* opportunities of a
    /// customer just acquired (FHS 2010, eq. 7):
    ///
    /// E[X(n*)] = (α/(α+β)) (δ/(γ−1)) [1 − (Γ(γ+δ)/Γ(1+δ)) (Γ(1+δ+n*)/Γ(γ+δ+n*))],
    ///
    /// taken to its limit (a direct sum) near γ = 1. Unit: transactions. `n_star` is a whole
    /// number of opportunities in [0, [`MAX_OPPORTUNITIES`]].
    pub fn expected_transactions_new(&self, n_star: f64) -> Result<f64, BgBbError> {
        self.check()?;
        let ns = Self::count_arg("n_star", n_star)?;
        let tab = Tables::new(self, 0, false);
        let v = self.alpha / (self.alpha + self.beta) * self.ln_alive_sum(&tab, 0, ns).exp();
        Self::finite("E[X(n*)]", v)
    }

    /// P(X(n*) = k), the probability that a customer just acquired makes exactly k
    /// transactions in the first n* opportunities (FHS 2010, eq. 8):
    ///
    /// P(X(n*) = k) = C(n*, k) B(α+k, β+n*−k)/B(α,β) · B(γ, δ+n*)/B(γ,δ)
    ///              + Σ_{i=k}^{n*−1} C(i, k) B(α+k, β+i−k)/B(α,β) · B(γ+1, δ+i)/B(γ,δ),
    ///
    /// summed with log-sum-exp. 0 when k > n*. `k` and `n_star` are whole numbers in
    /// [0, [`MAX_OPPORTUNITIES`]].
    pub fn p_transactions_new(&self, k: f64, n_star: f64) -> Result<f64, BgBbError> {
        self.check()?;
        let ns = Self::count_arg("n_star", n_star)?;
        let kk = Self::count_arg("k", k)?;
        if kk > ns {
            return Ok(0.0);
        }
        let tab = Tables::new(self, ns, false);
        let ln_choose = |m: usize| {
            let m = m as f64;
            ln_gamma(m + 1.0) - ln_gamma(k + 1.0) - ln_gamma(m - k + 1.0)
        };
        let alive = ln_choose(ns) + tab.ln_p(kk, ns - kk) + tab.ln_alive(ns);
        let drop = |i: usize| ln_choose(i) + tab.ln_p(kk, i - kk) + tab.ln_drop(i);
        let m = (kk..ns).map(drop).fold(alive, f64::max);
        let s = (kk..ns).map(|i| (drop(i) - m).exp()).sum::<f64>() + (alive - m).exp();
        Self::finite("P(X(n*) = k)", (m + s.ln()).exp().clamp(0.0, 1.0))
    }

    /// P(alive at opportunity n+1 | x, t_x, n): the probability that a customer with history
    /// (x, t_x, n) is still alive at the next opportunity (FHS 2010, eq. 11):
    ///
    /// B(α+x, β+n−x)/B(α,β) · B(γ, δ+n+1)/B(γ,δ) / L(α, β, γ, δ | x, t_x, n).
    ///
    /// For the donations data (n = 6) this is "P(alive in 2002)". Dimensionless, in [0, 1].
    pub fn p_alive(&self, x: f64, t_x: f64, n: f64) -> Result<f64, BgBbError> {
        self.check()?;
        let h = Self::history(x, t_x, n)?;
        let tab = Tables::new(self, h.n, false);
        let ln_l = tab.ln_lik(h.x, h.tx, h.n, None);
        let ln_num = tab.ln_p(h.x, h.n - h.x) + tab.ln_alive(h.n + 1);
        Self::finite("P(alive)", (ln_num - ln_l).exp().clamp(0.0, 1.0))
    }

    /// E[X(n, n+n*) | x, t_x, n]: expected transactions in the next n* opportunities
    /// (n+1, …, n+n*) of a customer with history (x, t_x, n) (FHS 2010, eq. 13):
    ///
    /// (1/L) · B(α+x+1, β+n−x)/B(α,β) · (δ/(γ−1)) (Γ(γ+δ)/Γ(1+δ))
    ///       · [Γ(1+δ+n)/Γ(γ+δ+n) − Γ(1+δ+n+n*)/Γ(γ+δ+n+n*)],
    ///
    /// with L = L(α, β, γ, δ | x, t_x, n) of eq. 5, taken to its limit near γ = 1. Unit:
    /// transactions. `n_star` is a whole number in [0, [`MAX_OPPORTUNITIES`]].
    pub fn conditional_expected_transactions(
        &self,
        n_star: f64,
        x: f64,
        t_x: f64,
        n: f64,
    ) -> Result<f64, BgBbError> {
        self.check()?;
        let h = Self::history(x, t_x, n)?;
        let ns = Self::count_arg("n_star", n_star)?;
        let tab = Tables::new(self, h.n, false);
        let ln_l = tab.ln_lik(h.x, h.tx, h.n, None);
        let ln_p = tab.ln_p(h.x + 1, h.n - h.x);
        let v = (ln_p + self.ln_alive_sum(&tab, h.n, h.n + ns) - ln_l).exp();
        Self::finite("conditional expected transactions", v)
    }

    /// DERT(d | x, t_x, n): discounted expected residual transactions of a customer with
    /// history (x, t_x, n), with per-opportunity discount rate `d` > 0 (FHS 2010, eq. 14):
    ///
    /// DERT = B(α+x+1, β+n−x)/B(α,β) · B(γ, δ+n+1)/(B(γ,δ) (1+d))
    ///        · ₂F₁(1, δ+n+1; γ+δ+n+1; 1/(1+d)) / L(α, β, γ, δ | x, t_x, n),
    ///
    /// i.e. Σ_{t>n} E[transaction at t | history] / (1+d)^{t−n}: the transaction at
    /// opportunity n+1 is discounted by one period. Unit: transactions (multiply by the
    /// margin per transaction for a value). `d` is the rate per opportunity (e.g. 0.1 for
    /// 10% per year with yearly opportunities).
    pub fn dert(&self, d: f64, x: f64, t_x: f64, n: f64) -> Result<f64, BgBbError> {
        self.check()?;
        if !(d.is_finite() && d > 0.0) {
            return Err(BgBbError::InvalidArgument {
                name: "d",
                value: d,
                what: "the discount rate must be finite and positive",
            });
        }
        let h = Self::history(x, t_x, n)?;
        let tab = Tables::new(self, h.n, false);
        let ln_l = tab.ln_lik(h.x, h.tx, h.n, None);
        let nf = h.n as f64;
        let (gamma, delta) = (self.gamma, self.delta);
        let ln_num = tab.ln_p(h.x + 1, h.n - h.x) + tab.ln_alive(h.n + 1) - d.ln_1p()
            + ln_hyp2f1(
                1.0,
                delta + nf + 1.0,
                gamma + delta + nf + 1.0,
                1.0 / (1.0 + d),
            );
        Self::finite("DERT", (ln_num - ln_l).exp())
    }
}

/// The BG/BB log-likelihood (FHS 2010, eq. 5) over the patterns of a [`BgBbData`], weighted
/// by count, with its analytic gradient (digamma differences).
pub struct BgBbLikelihood<'a> {
    data: &'a BgBbData,
    /// (x, t_x, n) of each pattern as table indices.
    rows: Vec<History>,
    /// Largest n.
    max_n: usize,
}

impl<'a> BgBbLikelihood<'a> {
    /// Wraps validated data ([`BgBbData::validate`] is run again here).
    pub fn new(data: &'a BgBbData) -> Result<Self, BgBbError> {
        data.validate()?;
        let mut rows = Vec::with_capacity(data.len());
        for i in 0..data.len() {
            rows.push(BgBb::history(data.x[i], data.t_x[i], data.n[i])?);
        }
        let max_n = rows.iter().map(|r| r.n).max().unwrap_or(0);
        Ok(BgBbLikelihood { data, rows, max_n })
    }
}

impl Likelihood for BgBbLikelihood<'_> {
    fn param_names(&self) -> &'static [&'static str] {
        &PARAM_NAMES
    }

    fn n_obs(&self) -> f64 {
        self.data.n_customers()
    }

    fn value_and_gradient(&self, params: &[f64], grad: &mut [f64]) -> f64 {
        grad.iter_mut().for_each(|g| *g = 0.0);
        if params.len() != 4 || grad.len() != 4 {
            return f64::NAN;
        }
        let p = BgBb::from_slice(params);
        if p.check().is_err() {
            return f64::NAN;
        }
        let tables = Tables::new(&p, self.max_n, true);
        let sums = par_sum(self.rows.len(), 5, |i, acc| {
            let r = self.rows[i];
            let w = self.data.count[i];
            let mut g = [0.0; 4];
            let ll = tables.ln_lik(r.x, r.tx, r.n, Some(&mut g));
            acc[0] += w * ll;
            for k in 0..4 {
                acc[k + 1] += w * g[k];
            }
        });
        grad.copy_from_slice(&sums[1..5]);
        sums[0]
    }

    fn starts(&self) -> Vec<Vec<f64>> {
        // Mean transaction rate x/n as a guide to α/(α+β).
        let (mut sx, mut sn) = (0.0, 0.0);
        for i in 0..self.data.len() {
            sx += self.data.count[i] * self.data.x[i];
            sn += self.data.count[i] * self.data.n[i];
        }
        let rate = if sn > 0.0 {
            (sx / sn).clamp(0.05, 0.95)
        } else {
            0.5
        };
        vec![
            vec![1.0, 1.0, 1.0, 1.0],
            vec![rate * 2.0, (1.0 - rate) * 2.0, 0.5, 2.0],
            vec![0.5, 0.5, 2.0, 5.0],
        ]
    }
}

/// Simulates `n_customers` customers from the BG/BB story (FHS 2010, model assumptions) over
/// `n_opportunities` opportunities each and returns their compressed patterns: for each
/// customer p ~ Beta(α, β) and θ ~ Beta(γ, δ); at each opportunity t = 1, …, n the customer
/// first drops out with probability θ (and then stays inactive), otherwise transacts with
/// probability p. Patterns come sorted by (x, t_x).
///
/// Errors: invalid parameters, `n_opportunities` of 0 or above [`MAX_OPPORTUNITIES`].
pub fn simulate<R: Rng + ?Sized>(
    params: &BgBb,
    n_customers: usize,
    n_opportunities: u32,
    rng: &mut R,
) -> Result<BgBbData, BgBbError> {
    params.check()?;
    let n = n_opportunities as usize;
    if n == 0 || f64::from(n_opportunities) > MAX_OPPORTUNITIES {
        return Err(BgBbError::InvalidArgument {
            name: "n_opportunities",
            value: f64::from(n_opportunities),
            what: "must be in [1, 100,000]",
        });
    }
    let invalid = || BgBbError::InvalidParameters {
        alpha: params.alpha,
        beta: params.beta,
        gamma: params.gamma,
        delta: params.delta,
    };
    let p_dist = Beta::new(params.alpha, params.beta).map_err(|_| invalid())?;
    let theta_dist = Beta::new(params.gamma, params.delta).map_err(|_| invalid())?;
    // Customers per (x, t_x); the map keeps patterns sorted.
    let mut counts: BTreeMap<(usize, usize), u64> = BTreeMap::new();
    for _ in 0..n_customers {
        let p: f64 = p_dist.sample(rng);
        let theta: f64 = theta_dist.sample(rng);
        let (mut x, mut tx) = (0usize, 0usize);
        for t in 1..=n {
            if rng.random::<f64>() < theta {
                break;
            }
            if rng.random::<f64>() < p {
                x += 1;
                tx = t;
            }
        }
        *counts.entry((x, tx)).or_insert(0) += 1;
    }
    let (mut xs, mut txs, mut ns, mut cs) = (vec![], vec![], vec![], vec![]);
    for ((x, tx), c) in counts {
        xs.push(x as f64);
        txs.push(tx as f64);
        ns.push(n as f64);
        cs.push(c as f64);
    }
    BgBbData::new(xs, txs, ns, cs)
}

#[cfg(test)]
mod tests {
    use super::super::special::ln_beta;
    use super::*;
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    /// FHS 2010 estimates for the donations data (1995 cohort, n = 6).
    fn published() -> BgBb {
        BgBb {
            alpha: 1.2035,
            beta: 0.7497,
            gamma: 0.6567,
            delta: 2.7834,
        }
    }

    fn donations() -> BgBbData {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/datasets/donations/donations.csv"
        );
        let text = std::fs::read_to_string(path).expect("donations.csv");
        let (mut x, mut tx, mut n, mut c) = (vec![], vec![], vec![], vec![]);
        for line in text.lines().skip(1).filter(|l| !l.trim().is_empty()) {
            let v: Vec<f64> = line
                .split(',')
                .map(|s| s.trim().parse().expect("number"))
                .collect();
            x.push(v[0]);
            tx.push(v[1]);
            n.push(v[2]);
            c.push(v[3]);
        }
        BgBbData::new(x, tx, n, c).expect("valid donations data")
    }

    /// eq. 5 written out independently, term by term with `ln_beta`, for the checks below.
    fn lik_direct(m: &BgBb, x: f64, tx: f64, n: f64) -> f64 {
        let pa = |a: f64, b: f64| (ln_beta(a, b) - ln_beta(m.alpha, m.beta)).exp();
        let pd = |a: f64, b: f64| (ln_beta(a, b) - ln_beta(m.gamma, m.delta)).exp();
        let mut l = pa(m.alpha + x, m.beta + n - x) * pd(m.gamma, m.delta + n);
        let mut i = 0.0;
        while i < n - tx {
            l += pa(m.alpha + x, m.beta + tx - x + i) * pd(m.gamma + 1.0, m.delta + tx + i);
            i += 1.0;
        }
        l
    }

    #[test]
    fn fit_reproduces_the_published_donations_estimates() {
        let data = donations();
        assert_eq!(data.len(), 22);
        assert_eq!(data.n_customers(), 11_104.0);
        let (m, fit) = BgBb::fit(&data, &FitOptions::default()).unwrap();
        assert!(fit.converged, "{}", fit.message);
        // FHS 2010: α = 1.2035, β = 0.7497, γ = 0.6567, δ = 2.7834; agreement to 4
        // significant digits (relative 5e-4).
        for (got, want) in m.to_vec().iter().zip(published().to_vec()) {
            assert!(((got - want) / want).abs() < 5e-4, "{got} vs {want}");
        }
        // LL = −33,225.58 (to the published 2 decimals).
        assert!(
            (fit.log_likelihood + 33_225.58).abs() < 0.01,
            "{}",
            fit.log_likelihood
        );
    }

    #[test]
    fn p_alive_reproduces_the_published_values() {
        // FHS 2010: P(alive in 2002), i.e. at opportunity n + 1 = 7, for (x, t_x) = (0, 0),
        // (2, 4), (6, 6): 0.108, 0.590, 0.930 (3 decimals: tolerance 5e-4).
        let m = published();
        for (x, tx, want) in [(0.0, 0.0, 0.108), (2.0, 4.0, 0.590), (6.0, 6.0, 0.930)] {
            let got = m.p_alive(x, tx, 6.0).unwrap();
            assert!((got - want).abs() < 5e-4, "({x}, {tx}): {got} vs {want}");
        }
    }

    #[test]
    fn likelihood_matches_eq5_written_out_and_sums_to_one_over_histories() {
        // Eq. 5 is the probability of one 0/1 sequence with summary (x, t_x, n); there are
        // C(t_x − 1, x − 1) such sequences (1 when x = 0), and over all (x, t_x) they
        // exhaust the outcomes of n opportunities, so Σ C(t_x − 1, x − 1) L must be 1 — a
        // check of eq. 5 that does not use the model code.
        let m = BgBb {
            alpha: 0.7,
            beta: 2.3,
            gamma: 1.6,
            delta: 0.9,
        };
        for n in [1.0, 6.0, 11.0] {
            let mut total = 0.0;
            let mut x = 0.0;
            while x <= n {
                let mut tx = if x == 0.0 { 0.0 } else { x };
                while tx <= n {
                    let ll = m.log_likelihood_one(x, tx, n).unwrap();
                    let direct = lik_direct(&m, x, tx, n);
                    assert!(
                        (ll.exp() - direct).abs() < 1e-12 * direct.max(1e-300),
                        "{x} {tx} {n}"
                    );
                    let ways = if x == 0.0 {
                        1.0
                    } else {
                        (ln_gamma(tx) - ln_gamma(x) - ln_gamma(tx - x + 1.0)).exp()
                    };
                    total += ways * ll.exp();
                    if x == 0.0 {
                        break;
                    }
                    tx += 1.0;
                }
                x += 1.0;
            }
            assert!((total - 1.0).abs() < 1e-12, "n = {n}: {total}");
        }
    }

    /// Five-point central difference of `f` in coordinate `k` (step 1e-4 relative): error
    /// O(h⁴) plus rounding, well below the 1e-6 tolerance for these log-likelihoods.
    fn five_point(f: impl Fn([f64; 4]) -> f64, p: [f64; 4], k: usize) -> f64 {
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
        let data = BgBbData::new(
            vec![0.0, 1.0, 2.0, 5.0, 3.0, 9.0],
            vec![0.0, 3.0, 2.0, 6.0, 10.0, 12.0],
            vec![6.0, 6.0, 8.0, 6.0, 12.0, 12.0],
            vec![10.0, 3.0, 1.0, 7.0, 2.5, 4.0],
        )
        .unwrap();
        let lik = BgBbLikelihood::new(&data).unwrap();
        for p in [
            [1.2, 0.75, 0.66, 2.8],
            [0.3, 4.0, 3.0, 0.4],
            [5.0, 0.2, 0.9, 12.0],
        ] {
            let mut g = [0.0; 4];
            lik.value_and_gradient(&p, &mut g);
            for (k, gk) in g.iter().enumerate() {
                let fd = five_point(|v| lik.value_and_gradient(&v, &mut [0.0; 4]), p, k);
                assert!(
                    (gk - fd).abs() < 1e-6 * fd.abs().max(1.0),
                    "{p:?} param {k}: {} vs {fd}",
                    gk
                );
            }
        }
    }

    #[test]
    fn count_distribution_sums_to_one_and_its_mean_is_eq7() {
        // eq. 8 and eq. 7 are separate formulas; their agreement checks both. γ on both sides
        // of 1 and at 1 (the limit of eq. 7).
        for gamma in [0.6567, 1.0, 1.0 + 1e-9, 2.5] {
            let m = BgBb {
                gamma,
                ..published()
            };
            for ns in [0.0, 1.0, 6.0, 25.0] {
                let mut total = 0.0;
                let mut mean = 0.0;
                let mut k = 0.0;
                while k <= ns {
                    let p = m.p_transactions_new(k, ns).unwrap();
                    total += p;
                    mean += k * p;
                    k += 1.0;
                }
                assert!((total - 1.0).abs() < 1e-12, "γ {gamma} n* {ns}: {total}");
                let e = m.expected_transactions_new(ns).unwrap();
                assert!(
                    (mean - e).abs() < 1e-11 * e.max(1.0),
                    "γ {gamma} n* {ns}: {mean} vs {e}"
                );
            }
            assert_eq!(m.p_transactions_new(7.0, 6.0).unwrap(), 0.0);
        }
    }

    /// Simulated customers: histories over n opportunities, whether alive at n + 1, and
    /// transactions in n+1..=n+n_star — a ground truth written independently of the model code.
    fn simulate_future(
        m: &BgBb,
        customers: usize,
        n: usize,
        n_star: usize,
        seed: u64,
    ) -> Vec<(usize, usize, bool, usize)> {
        let mut rng = StdRng::seed_from_u64(seed);
        let pd = Beta::new(m.alpha, m.beta).unwrap();
        let td = Beta::new(m.gamma, m.delta).unwrap();
        (0..customers)
            .map(|_| {
                let p: f64 = pd.sample(&mut rng);
                let th: f64 = td.sample(&mut rng);
                let (mut x, mut tx, mut future, mut alive) = (0, 0, 0, true);
                let mut alive_next = false;
                for t in 1..=n + n_star {
                    if alive && rng.random::<f64>() < th {
                        alive = false;
                    }
                    if t == n + 1 {
                        alive_next = alive;
                    }
                    if alive && rng.random::<f64>() < p {
                        if t <= n {
                            x += 1;
                            tx = t;
                        } else {
                            future += 1;
                        }
                    }
                }
                (x, tx, alive_next, future)
            })
            .collect()
    }

    #[test]
    fn conditional_predictions_match_simulated_ground_truth() {
        let m = published();
        let (n, n_star) = (6, 5);
        let sims = simulate_future(&m, 400_000, n, n_star, 7);
        for (x, tx) in [(0, 0), (1, 1), (2, 4), (3, 6), (6, 6)] {
            let group: Vec<_> = sims.iter().filter(|s| s.0 == x && s.1 == tx).collect();
            let k = group.len() as f64;
            assert!(k > 2000.0, "({x}, {tx}): {k}");
            let alive = group.iter().filter(|s| s.2).count() as f64 / k;
            let fut: Vec<f64> = group.iter().map(|s| s.3 as f64).collect();
            let mean = fut.iter().sum::<f64>() / k;
            let sd = (fut.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (k - 1.0)).sqrt();
            let (xf, tf, nf) = (x as f64, tx as f64, n as f64);
            let pa = m.p_alive(xf, tf, nf).unwrap();
            let ce = m
                .conditional_expected_transactions(n_star as f64, xf, tf, nf)
                .unwrap();
            // 4 standard errors of the simulated means.
            let se_pa = (pa * (1.0 - pa) / k).sqrt();
            assert!(
                (alive - pa).abs() < 4.0 * se_pa,
                "({x}, {tx}) P(alive) {pa} vs sim {alive}"
            );
            assert!(
                (mean - ce).abs() < 4.0 * sd / k.sqrt(),
                "({x}, {tx}) E {ce} vs sim {mean}"
            );
        }
        // Marginal count distribution over n opportunities (eq. 8) against the simulation.
        let total = sims.len() as f64;
        for k in 0..=n {
            let freq = sims.iter().filter(|s| s.0 == k).count() as f64 / total;
            let p = m.p_transactions_new(k as f64, n as f64).unwrap();
            assert!(
                (freq - p).abs() < 4.0 * (p * (1.0 - p) / total).sqrt(),
                "P(X = {k}) {p} vs {freq}"
            );
        }
    }

    #[test]
    fn predictions_agree_with_lifetimes_reference_values() {
        // Independent reference values, computed once with Python 3.11.7 and `lifetimes`
        // 0.11.3 (numpy 2.4.6, pandas 3.1.1, scipy 1.17.1):
        //   f = BetaGeoBetaBinomFitter()
        //   f.params_ = pd.Series(dict(alpha=1.2035, beta=0.7497, gamma=0.6567, delta=2.7834))
        //   f.conditional_expected_number_of_purchases_up_to_time(5, [x], [t_x], [6])
        //   f.conditional_probability_alive(1, [x], [t_x], [6])
        //   f.expected_number_of_transactions_in_first_n_periods(6) / 11104
        // (the last after f.fit(...) on donations.csv to attach the data, then resetting
        // params_ as above).
        let m = published();
        for &(x, tx, ce, pa) in REFERENCE_CONDITIONAL {
            let got = m
                .conditional_expected_transactions(5.0, x, tx, 6.0)
                .unwrap();
            assert!(
                (got - ce).abs() < 1e-9 * ce.max(1.0),
                "E ({x}, {tx}): {got} vs {ce}"
            );
            let got = m.p_alive(x, tx, 6.0).unwrap();
            assert!(
                (got - pa).abs() < 1e-9,
                "P(alive) ({x}, {tx}): {got} vs {pa}"
            );
        }
        for (k, want) in REFERENCE_COUNTS.iter().enumerate() {
            let got = m.p_transactions_new(k as f64, 6.0).unwrap();
            assert!((got - want).abs() < 1e-9, "P(X(6) = {k}): {got} vs {want}");
        }
    }

    /// (x, t_x, E[X(6, 11) | x, t_x, 6], P(alive at 7)) from `lifetimes`; see above.
    const REFERENCE_CONDITIONAL: &[(f64, f64, f64, f64)] = &[
        (0.0, 0.0, 0.07286508836680126, 0.10813707640133405),
        (1.0, 1.0, 0.0856975278559469, 0.06946346793741653),
        (1.0, 6.0, 1.1478837257938022, 0.9304350589504993),
        (2.0, 4.0, 1.0576152500563292, 0.5896634357053356),
        (3.0, 5.0, 1.8047166401769357, 0.7668301737231304),
        (6.0, 6.0, 3.752566561723107, 0.9304350589506365),
    ];

    /// P(X(6) = k), k = 0..=6, from `lifetimes`
    /// (`expected_number_of_transactions_in_first_n_periods(6)` divided by the 11,104
    /// donors); see above.
    const REFERENCE_COUNTS: [f64; 7] = [
        0.31113669724569193,
        0.17008661132258096,
        0.1214765602581879,
        0.10026798996414982,
        0.09167178081732041,
        0.09250485089119728,
        0.11285550950087118,
    ];

    #[test]
    fn residual_predictions_match_direct_sums() {
        // The expected transaction at a future opportunity t > n, given the history, is
        // E[p^{x+1}(1−p)^{n−x}] E[(1−θ)^t] / L (eq. 5's "alive" term with one more
        // transaction). Summed term by term with ln_beta (L from eq. 5 written out): over
        // t = n+1..n+n* it is eq. 13; discounted by (1+d)^{t−n} over all t > n, until the
        // terms are negligible, it is DERT (eq. 14). γ = 1 and γ ≈ 1 exercise the limits.
        for m in [
            published(),
            BgBb {
                gamma: 1.0,
                ..published()
            },
            BgBb {
                gamma: 1.0 + 1e-7,
                ..published()
            },
            BgBb {
                alpha: 0.4,
                beta: 3.0,
                gamma: 2.2,
                delta: 0.7,
            },
        ] {
            for (x, tx, n) in [
                (0.0, 0.0, 0.0),
                (0.0, 0.0, 6.0),
                (2.0, 4.0, 6.0),
                (6.0, 6.0, 6.0),
                (3.0, 9.0, 20.0),
            ] {
                let l = lik_direct(&m, x, tx, n);
                let ln_p = ln_beta(m.alpha + x + 1.0, m.beta + n - x) - ln_beta(m.alpha, m.beta);
                let at = |t: f64| {
                    (ln_p + ln_beta(m.gamma, m.delta + t) - ln_beta(m.gamma, m.delta)).exp() / l
                };
                for n_star in [1.0, 5.0, 40.0] {
                    let want: f64 = (1..=n_star as usize).map(|k| at(n + k as f64)).sum();
                    let got = m
                        .conditional_expected_transactions(n_star, x, tx, n)
                        .unwrap();
                    assert!(
                        (got - want).abs() < 1e-10 * want,
                        "{m:?} ({x}, {tx}, {n}) n* {n_star}: {got} vs {want}"
                    );
                }
                for d in [0.1f64, 0.02, 1.5] {
                    let mut sum = 0.0;
                    let mut t = n + 1.0;
                    loop {
                        let term = at(t) / (1.0 + d).powf(t - n);
                        sum += term;
                        t += 1.0;
                        if term < 1e-17 * sum {
                            break;
                        }
                    }
                    let got = m.dert(d, x, tx, n).unwrap();
                    assert!(
                        (got - sum).abs() < 1e-10 * sum,
                        "{m:?} ({x}, {tx}, {n}) d {d}: {got} vs {sum}"
                    );
                }
            }
        }
    }

    #[test]
    fn huge_parameters_reach_the_homogeneous_limits() {
        // δ → ∞: nobody drops out, L → B(α+x, β+n−x)/B(α, β); and with α, β → ∞ too,
        // p = α/(α+β) for everyone, L → p^x (1−p)^(n−x). Subtracting log-Gamma values of
        // 1e12-sized arguments would lose every digit here.
        let (x, tx, n) = (3.0, 7.0, 10.0);
        let no_drop = BgBb {
            alpha: 2.0,
            beta: 3.0,
            gamma: 1.0,
            delta: 1e12,
        };
        let want = ln_beta(2.0 + x, 3.0 + n - x) - ln_beta(2.0, 3.0);
        let got = no_drop.log_likelihood_one(x, tx, n).unwrap();
        assert!((got - want).abs() < 1e-9, "{got} vs {want}");
        let homogeneous = BgBb {
            alpha: 0.4e12,
            beta: 0.6e12,
            ..no_drop
        };
        let want = x * 0.4f64.ln() + (n - x) * 0.6f64.ln();
        let got = homogeneous.log_likelihood_one(x, tx, n).unwrap();
        assert!((got - want).abs() < 1e-9, "{got} vs {want}");
        assert!(homogeneous.p_alive(x, tx, n).unwrap() > 1.0 - 1e-9);
        let e = homogeneous
            .conditional_expected_transactions(5.0, x, tx, n)
            .unwrap();
        assert!((e - 2.0).abs() < 1e-8, "{e}");
        let e = homogeneous.expected_transactions_new(5.0).unwrap();
        assert!((e - 2.0).abs() < 1e-8, "{e}");
    }

    #[test]
    fn long_histories_and_extreme_parameters_stay_finite() {
        // n = 100,000 (the cap) and parameters far from the data's: every prediction is a
        // finite number in its range, or a typed error — never NaN.
        for m in [
            published(),
            BgBb {
                alpha: 1e-3,
                beta: 500.0,
                gamma: 1e-3,
                delta: 800.0,
            },
            BgBb {
                alpha: 300.0,
                beta: 1e-2,
                gamma: 50.0,
                delta: 1e-2,
            },
        ] {
            for (x, tx, n) in [(0.0, 0.0, 1e5), (10.0, 50.0, 1e5), (9e4, 1e5, 1e5)] {
                let ll = m.log_likelihood_one(x, tx, n).unwrap();
                assert!(ll.is_finite() && ll <= 0.0, "{m:?}: {ll}");
                let pa = m.p_alive(x, tx, n).unwrap();
                assert!((0.0..=1.0).contains(&pa), "{m:?}: {pa}");
                let ce = m
                    .conditional_expected_transactions(100.0, x, tx, n)
                    .unwrap();
                assert!((0.0..=100.0).contains(&ce), "{m:?}: {ce}");
                // At most one transaction per opportunity: DERT <= Σ_{k>=1} 1.1^{−k} = 10.
                let dert = m.dert(0.1, x, tx, n).unwrap();
                assert!((0.0..=10.0 + 1e-9).contains(&dert), "{m:?}: {dert}");
            }
            let e = m.expected_transactions_new(1e5).unwrap();
            assert!((0.0..=1e5).contains(&e));
        }
        let m = published();
        assert!(m.p_alive(0.0, 0.0, 1e5 + 1.0).is_err());
        assert!(
            m.conditional_expected_transactions(1e5 + 1.0, 0.0, 0.0, 6.0)
                .is_err()
        );
    }

    #[test]
    fn simulated_data_recover_the_parameters() {
        // 50,000 customers, n = 6, from the published estimates; every 95% interval must
        // cover the truth (fixed seed: deterministic).
        let truth = published();
        let mut rng = StdRng::seed_from_u64(20_100_601);
        let data = simulate(&truth, 50_000, 6, &mut rng).unwrap();
        assert_eq!(data.n_customers(), 50_000.0);
        let (m, fit) = BgBb::fit(&data, &FitOptions::default()).unwrap();
        assert!(fit.converged, "{}", fit.message);
        for (e, t) in fit.estimates.iter().zip(truth.to_vec()) {
            let (lo, hi) = (e.ci_low.unwrap(), e.ci_high.unwrap());
            assert!(
                lo <= t && t <= hi,
                "{}: {t} not in [{lo}, {hi}] (estimate {})",
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
    fn fit_is_bit_for_bit_deterministic() {
        let data = donations();
        let (a, fa) = BgBb::fit(&data, &FitOptions::default()).unwrap();
        let (b, fb) = BgBb::fit(&data, &FitOptions::default()).unwrap();
        assert_eq!(a, b);
        assert_eq!(fa, fb);
    }

    #[test]
    fn invalid_inputs_are_typed_errors() {
        let bad = |x: f64, tx: f64, n: f64, c: f64| {
            BgBbData::new(vec![x], vec![tx], vec![n], vec![c]).unwrap_err()
        };
        assert!(matches!(
            bad(1.5, 2.0, 3.0, 1.0),
            BgBbError::InvalidRow { .. }
        ));
        assert!(matches!(
            bad(3.0, 2.0, 3.0, 1.0),
            BgBbError::InvalidRow { .. }
        ));
        assert!(matches!(
            bad(1.0, 4.0, 3.0, 1.0),
            BgBbError::InvalidRow { .. }
        ));
        assert!(matches!(
            bad(0.0, 1.0, 3.0, 1.0),
            BgBbError::InvalidRow { .. }
        ));
        assert!(matches!(
            bad(1.0, 0.0, 3.0, 1.0),
            BgBbError::InvalidRow { .. }
        ));
        assert!(matches!(
            bad(0.0, 0.0, 0.0, 1.0),
            BgBbError::InvalidRow { .. }
        ));
        assert!(matches!(
            bad(0.0, 0.0, 3.0, 0.0),
            BgBbError::InvalidRow { .. }
        ));
        assert!(matches!(
            bad(f64::NAN, 0.0, 3.0, 1.0),
            BgBbError::InvalidRow { .. }
        ));
        assert!(matches!(
            bad(0.0, 0.0, f64::INFINITY, 1.0),
            BgBbError::InvalidRow { .. }
        ));
        assert!(matches!(
            BgBbData::new(vec![0.0], vec![0.0, 1.0], vec![3.0], vec![1.0]),
            Err(BgBbError::Lengths { .. })
        ));
        let m = published();
        assert!(matches!(
            m.p_alive(2.0, 1.0, 6.0),
            Err(BgBbError::InvalidHistory { .. })
        ));
        assert!(matches!(
            m.dert(0.0, 2.0, 4.0, 6.0),
            Err(BgBbError::InvalidArgument { .. })
        ));
        assert!(matches!(
            m.expected_transactions_new(-1.0),
            Err(BgBbError::InvalidArgument { .. })
        ));
        assert!(matches!(
            m.p_transactions_new(0.5, 3.0),
            Err(BgBbError::InvalidArgument { .. })
        ));
        let neg = BgBb { delta: -1.0, ..m };
        assert!(matches!(
            neg.p_alive(0.0, 0.0, 6.0),
            Err(BgBbError::InvalidParameters { .. })
        ));
        assert!(simulate(&neg, 10, 6, &mut StdRng::seed_from_u64(1)).is_err());
        // A new customer (n = 0) is a valid history: alive at opportunity 1 w.p. δ/(γ+δ).
        let p = m.p_alive(0.0, 0.0, 0.0).unwrap();
        assert!((p - m.delta / (m.gamma + m.delta)).abs() < 1e-14);
    }

    #[test]
    fn fit_errors_are_results() {
        let none = BgBbData::new(
            vec![0.0, 0.0],
            vec![0.0, 0.0],
            vec![6.0, 4.0],
            vec![10.0, 3.0],
        )
        .unwrap();
        assert!(matches!(
            BgBb::fit(&none, &FitOptions::default()),
            Err(FitError::NoRepeatBuyers { .. })
        ));
        let one = BgBbData::new(vec![2.0], vec![3.0], vec![6.0], vec![1.0]).unwrap();
        assert!(matches!(
            BgBb::fit(&one, &FitOptions::default()),
            Err(FitError::TooFewCustomers { .. })
        ));
        let mut broken = one.clone();
        broken.t_x[0] = 9.0;
        assert!(matches!(
            BgBb::fit(&broken, &FitOptions::default()),
            Err(FitError::NotEvaluable { .. })
        ));
    }
}
