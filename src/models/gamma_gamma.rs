//! Gamma-Gamma: the spend model that turns purchase-count forecasts into monetary value.
//!
//! Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005), "RFM and CLV: using iso-value curves
//! for customer base analysis", *Journal of Marketing Research* 42(4), 415–430 (FHL 2005
//! below); and the note Fader, P. S. & Hardie, B. G. S. (2013), "The Gamma-Gamma model of
//! monetary value", <http://www.brucehardie.com/notes/025/> (FH 2013 below). "The spend
//! density" below is the marginal density of a customer's mean transaction value given x
//! that both maximise; the conditional expectation is FH 2013, eq. 5.
//!
//! The story (FH 2013; FHL 2005):
//! - the value z of each of a customer's transactions is Gamma(p, ν) (shape p, rate ν), so
//!   the customer's mean transaction value is E[Z | ν] = p / ν;
//! - ν ~ Gamma(q, γ) (shape q, rate γ) across customers;
//! - spend is independent of the purchase process (check it with
//!   [`frequency_spend_correlation`]).
//!
//! A customer is summarised by x, their number of repeat transactions, and m, the mean value
//! of those x transactions (the `monetary_value` of the usual RFM summary). Given ν, x·m is
//! Gamma(p x, ν), so the model is fitted on customers with x > 0 (and m > 0) only.
//!
//! p and q are dimensionless; γ is in the currency unit of m (ν is a rate per currency
//! unit), so rescaling every m by c rescales γ by c and nothing else.

use rayon::prelude::*;

use serde::{Deserialize, Serialize};

use super::optimize::{FitOptions, FitResult, Likelihood, flag_boundary, maximize, summarize_fit};
use super::special::{digamma, ln_gamma};
use super::{FitError, par_sum};

/// Model name used in errors and reports.
const MODEL: &str = "Gamma-Gamma";

/// Parameter names in [`GammaGamma::to_vec`] order.
pub const PARAM_NAMES: [&str; 3] = ["p", "q", "gamma"];

/// Why Gamma-Gamma inputs (data rows, a prediction's arguments or the parameters) cannot be
/// used.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SpendError {
    /// Columns of different lengths.
    #[error("x, m and count have different lengths ({x}, {m}, {count})")]
    Lengths {
        /// Length of `x`.
        x: usize,
        /// Length of `m`.
        m: usize,
        /// Length of `count` (equal to `x`'s where there is no count column).
        count: usize,
    },
    /// A data row outside the model's domain.
    #[error("row {index}: {what} (x = {x}, m = {m})")]
    InvalidRow {
        /// 0-based row.
        index: usize,
        /// What is wrong.
        what: &'static str,
        /// Repeat transactions.
        x: f64,
        /// Mean repeat-transaction value.
        m: f64,
    },
    /// A pattern's customer count that is not finite and positive.
    #[error("row {index}: count = {count} must be finite and positive")]
    InvalidCount {
        /// 0-based row.
        index: usize,
        /// The count.
        count: f64,
    },
    /// A customer summary given to a prediction or to the likelihood is outside its domain.
    #[error("customer (x = {x}, m = {m}): {what}")]
    InvalidCustomer {
        /// What is wrong.
        what: &'static str,
        /// Repeat transactions.
        x: f64,
        /// Mean repeat-transaction value.
        m: f64,
    },
    /// Parameters that are not all finite and positive.
    #[error(
        "Gamma-Gamma parameters must be finite and positive (p = {p}, q = {q}, gamma = {gamma})"
    )]
    InvalidParameters {
        /// p.
        p: f64,
        /// q.
        q: f64,
        /// γ.
        gamma: f64,
    },
    /// The expected spend is infinite: the posterior of ν has shape p x + q <= 1, so
    /// E[1/ν] diverges (for x = 0 this is q <= 1, an infinite population mean).
    #[error(
        "the expected spend is infinite for x = {x}: p x + q = {shape} <= 1 (heavy-tailed \
         spend, q = {q})"
    )]
    InfiniteExpectation {
        /// Repeat transactions.
        x: f64,
        /// p x + q.
        shape: f64,
        /// q.
        q: f64,
    },
}

/// Which customers [`SpendData::from_customers`] used and why the others were left out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpendSelection {
    /// Customers given.
    pub n_input: usize,
    /// Customers used: x > 0 and m > 0.
    pub n_used: usize,
    /// Left out because x = 0 (no repeat transaction, so no observed repeat spend).
    pub n_no_repeat: usize,
    /// Left out because x > 0 but m = 0 (e.g. all repeat purchases had zero value), which
    /// has zero density under the model.
    pub n_zero_spend: usize,
    /// Distinct (x, m) patterns among the customers used.
    pub n_patterns: usize,
}

/// Gamma-Gamma input data: one row per distinct (x, m) with the number of customers sharing
/// it, repeat customers only (x > 0, m > 0). Build it with [`SpendData::from_customers`]
/// (per-customer columns) or [`SpendData::new`] (already compressed); both validate every
/// row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SpendData {
    /// Repeat transactions x (whole, > 0).
    pub x: Vec<f64>,
    /// Mean value of those transactions m (finite, > 0), in currency units.
    pub m: Vec<f64>,
    /// Customers with the pattern (a positive weight; need not be whole).
    pub count: Vec<f64>,
}

/// Checks one data row's x and m (`None` when valid).
fn check_row(x: f64, m: f64) -> Option<&'static str> {
    if !x.is_finite() || !m.is_finite() {
        Some("x and m must be finite")
    } else if x < 0.0 || x.fract() != 0.0 {
        Some("x must be a non-negative whole number")
    } else if m < 0.0 {
        Some("m (mean transaction value) must not be negative")
    } else {
        None
    }
}

impl SpendData {
    /// Selects and compresses per-customer summaries: `x[i]` repeat transactions with mean
    /// value `m[i]`. Customers with x > 0 and m > 0 are kept, identical (x, m) pairs are
    /// merged (rows sorted by x, then m), and the others are counted in the returned
    /// [`SpendSelection`] (x = 0; or x > 0 with m = 0).
    ///
    /// Errors: columns of different lengths ([`SpendError::Lengths`]); a row with a
    /// non-finite value, a negative or fractional x or a negative m
    /// ([`SpendError::InvalidRow`], naming the first such row).
    pub fn from_customers(x: &[f64], m: &[f64]) -> Result<(SpendData, SpendSelection), SpendError> {
        if x.len() != m.len() {
            return Err(SpendError::Lengths {
                x: x.len(),
                m: m.len(),
                count: x.len(),
            });
        }
        let mut sel = SpendSelection {
            n_input: x.len(),
            n_used: 0,
            n_no_repeat: 0,
            n_zero_spend: 0,
            n_patterns: 0,
        };
        // Keyed by bit patterns: for positive finite f64 their order is the numeric order.
        let mut keys: Vec<(u64, u64)> = Vec::new();
        for (index, (&xi, &mi)) in x.iter().zip(m).enumerate() {
            if let Some(what) = check_row(xi, mi) {
                return Err(SpendError::InvalidRow {
                    index,
                    what,
                    x: xi,
                    m: mi,
                });
            }
            if xi == 0.0 {
                sel.n_no_repeat += 1;
            } else if mi == 0.0 {
                sel.n_zero_spend += 1;
            } else {
                keys.push((xi.to_bits(), mi.to_bits()));
            }
        }
        sel.n_used = keys.len();
        // Sorted, then counted run by run: the order (and so every later sum) is the key order.
        keys.par_sort_unstable();
        let mut data = SpendData {
            x: Vec::new(),
            m: Vec::new(),
            count: Vec::new(),
        };
        for run in keys.chunk_by(|a, b| a == b) {
            data.x.push(f64::from_bits(run[0].0));
            data.m.push(f64::from_bits(run[0].1));
            data.count.push(run.len() as f64);
        }
        sel.n_patterns = data.x.len();
        Ok((data, sel))
    }

    /// Validates and wraps already-compressed columns: equal lengths; x whole, finite and
    /// > 0; m finite and > 0; count finite and > 0. Rows need not be distinct.
    pub fn new(x: Vec<f64>, m: Vec<f64>, count: Vec<f64>) -> Result<Self, SpendError> {
        let data = SpendData { x, m, count };
        data.validate()?;
        Ok(data)
    }

    /// Re-checks every row (the fields are public, so data may have been changed after
    /// construction).
    pub fn validate(&self) -> Result<(), SpendError> {
        let len = self.x.len();
        if self.m.len() != len || self.count.len() != len {
            return Err(SpendError::Lengths {
                x: len,
                m: self.m.len(),
                count: self.count.len(),
            });
        }
        for index in 0..len {
            let (x, m, count) = (self.x[index], self.m[index], self.count[index]);
            let what = check_row(x, m).or(if x == 0.0 {
                Some("x must be > 0: the model is fitted on repeat customers")
            } else if m == 0.0 {
                Some("m must be > 0")
            } else {
                None
            });
            if let Some(what) = what {
                return Err(SpendError::InvalidRow { index, what, x, m });
            }
            if !(count.is_finite() && count > 0.0) {
                return Err(SpendError::InvalidCount { index, count });
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

    /// Customer-weighted mean of m, in currency units (0 when there are no customers).
    pub fn mean_spend(&self) -> f64 {
        let n = self.n_customers();
        if n > 0.0 {
            self.m
                .iter()
                .zip(&self.count)
                .map(|(m, c)| m * c)
                .sum::<f64>()
                / n
        } else {
            0.0
        }
    }

    /// The same customers with every m divided by `c`.
    fn rescaled(&self, c: f64) -> SpendData {
        SpendData {
            x: self.x.clone(),
            m: self.m.iter().map(|m| m / c).collect(),
            count: self.count.clone(),
        }
    }
}

/// Gamma-Gamma parameters (FH 2013): transaction values are Gamma(`p`, ν) and
/// ν ~ Gamma(`q`, `gamma`) (shapes p, q; rate γ, in the currency unit of the spend data).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct GammaGamma {
    /// p, shape of the distribution of a customer's transaction values.
    pub p: f64,
    /// q, shape of the distribution of ν across customers.
    pub q: f64,
    /// γ, rate of the distribution of ν across customers (currency units).
    pub gamma: f64,
}

impl GammaGamma {
    /// From `[p, q, gamma]`. Panics if `v` has fewer than 3 elements.
    pub fn from_slice(v: &[f64]) -> Self {
        GammaGamma {
            p: v[0],
            q: v[1],
            gamma: v[2],
        }
    }

    /// `[p, q, gamma]`.
    pub fn to_vec(&self) -> Vec<f64> {
        vec![self.p, self.q, self.gamma]
    }

    fn check(&self) -> Result<(), SpendError> {
        let ok = |v: f64| v.is_finite() && v > 0.0;
        if ok(self.p) && ok(self.q) && ok(self.gamma) {
            Ok(())
        } else {
            Err(SpendError::InvalidParameters {
                p: self.p,
                q: self.q,
                gamma: self.gamma,
            })
        }
    }

    /// Maximum-likelihood fit of the spend density (FH 2013; FHL 2005) summed over
    /// patterns (weighted by count), with L-BFGS on log-parameters from several starts, then
    /// standard errors, 95% intervals and convergence checks (see [`summarize_fit`]). The
    /// spend is rescaled internally to mean 1 and γ reported in the data's own currency
    /// unit; an L2 penalty in `opts` applies to the natural-scale (p, q, γ), as in
    /// `lifetimes`' `GammaGammaFitter(penalizer_coef)`.
    ///
    /// Errors: data that fail [`SpendData::validate`] or a likelihood that cannot be
    /// evaluated at any start ([`FitError::NotEvaluable`]); fewer than 2 repeat customers
    /// ([`FitError::TooFewCustomers`]). A fit that runs but does not converge is returned with
    /// `converged: false`, and so is one whose estimates run off to the edge of the parameter
    /// space (e.g. every customer with the same spend).
    pub fn fit(data: &SpendData, opts: &FitOptions) -> Result<(Self, FitResult), FitError> {
        data.validate().map_err(|e| FitError::NotEvaluable {
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
        let c = data.mean_spend();
        let scaled = data.rescaled(c);
        let lik = GammaGammaLikelihood::new(&scaled);
        let (p_scaled, iterations, reason) =
            maximize(&lik, opts, &[1.0, 1.0, c]).ok_or_else(|| FitError::NotEvaluable {
                model: MODEL,
                detail: format!("{} starting points", lik.starts().len()),
            })?;
        let params = [p_scaled[0], p_scaled[1], p_scaled[2] * c];
        let mut fit = summarize_fit(
            &GammaGammaLikelihood::new(data),
            &params,
            iterations,
            &reason,
            opts,
        );
        flag_boundary(&mut fit, &[1.0, 1.0, c]);
        Ok((Self::from_slice(&fit.params()), fit))
    }

    /// ln f(m | p, q, γ, x) of one customer (the spend density of FH 2013 and FHL 2005): the
    /// log-density of their mean transaction value m (currency units) given x > 0
    /// transactions,
    /// `ln[Γ(px+q) / (Γ(px) Γ(q)) γ^q m^(px−1) x^(px) / (γ + x m)^(px+q)]`.
    ///
    /// Errors: invalid parameters; x or m not finite and > 0.
    pub fn log_likelihood_one(&self, x: f64, m: f64) -> Result<f64, SpendError> {
        self.check()?;
        if !(x.is_finite() && m.is_finite() && x > 0.0 && m > 0.0) {
            return Err(SpendError::InvalidCustomer {
                what: "the likelihood needs finite x > 0 and m > 0",
                x,
                m,
            });
        }
        let v = ln_density(self.p, self.q, self.gamma, x, m);
        if v.is_finite() {
            Ok(v)
        } else {
            Err(SpendError::InvalidCustomer {
                what: "the log-likelihood is not finite for these parameters",
                x,
                m,
            })
        }
    }

    /// E[Z | p, q, γ, x, m]: the expected value of this customer's future transactions
    /// (currency units) given x repeat transactions of mean value m (FH 2013, eq. 5; FHL 2005):
    /// `(γ + x m) p / (p x + q − 1)`, the posterior mean of p/ν under
    /// ν | x, m ~ Gamma(px + q, γ + x m). It is the weighted average
    /// `(q−1)/(px+q−1) · pγ/(q−1) + px/(px+q−1) · m` of the population mean and m.
    ///
    /// For x = 0 there is no spend information and the value is the population mean
    /// p γ / (q − 1) ([`GammaGamma::population_mean_spend`]) whatever m is. (`lifetimes`'
    /// `conditional_expected_average_profit` gives the same, since its weight on m is 0.)
    ///
    /// The expectation is finite when p x + q > 1: for every x ≥ 1 when q > 1, and for x = 0
    /// only when q > 1.
    ///
    /// Errors: invalid parameters; x or m not finite or negative
    /// ([`SpendError::InvalidCustomer`]); p x + q <= 1 ([`SpendError::InfiniteExpectation`]).
    pub fn conditional_expected_average_spend(&self, x: f64, m: f64) -> Result<f64, SpendError> {
        self.check()?;
        if !(x.is_finite() && m.is_finite() && x >= 0.0 && m >= 0.0) {
            return Err(SpendError::InvalidCustomer {
                what: "need finite x >= 0 and m >= 0",
                x,
                m,
            });
        }
        let (p, q, gamma) = (self.p, self.q, self.gamma);
        let shape = p * x + q;
        if shape <= 1.0 {
            return Err(SpendError::InfiniteExpectation { x, shape, q });
        }
        // At x = 0 this is exactly γ p / (q − 1): m drops out.
        let v = (gamma + x * m) * p / (shape - 1.0);
        if v.is_finite() {
            Ok(v)
        } else {
            Err(SpendError::InvalidCustomer {
                what: "the expected spend overflows for these parameters",
                x,
                m,
            })
        }
    }

    /// `E[Z] = p γ / (q − 1)`: the population mean transaction value (currency units), the
    /// mean of p/ν under ν ~ Gamma(q, γ) (FH 2013; the prior mean in eq. 5).
    /// `None` when q <= 1, where the mean is infinite (heavy-tailed spend), or when the
    /// parameters are invalid.
    pub fn population_mean_spend(&self) -> Option<f64> {
        self.check().ok()?;
        if self.q <= 1.0 {
            return None;
        }
        let v = self.p * self.gamma / (self.q - 1.0);
        v.is_finite().then_some(v)
    }
}

/// ln f(m | p, q, γ, x) (the spend density of FH 2013), rearranged so no two large
/// logarithms cancel:
/// `lnΓ(px+q) − lnΓ(px) − lnΓ(q) − ln m − px ln(1 + γ/(xm)) − q ln(1 + xm/γ)`.
fn ln_density(p: f64, q: f64, gamma: f64, x: f64, m: f64) -> f64 {
    let px = p * x;
    let xm = x * m;
    ln_gamma(px + q)
        - ln_gamma(px)
        - ln_gamma(q)
        - m.ln()
        - px * (gamma / xm).ln_1p()
        - q * (xm / gamma).ln_1p()
}

/// Pearson correlation between frequency x and mean spend m among repeat customers (x > 0),
/// the check of the model's assumption that spend is independent of the purchase process
/// (FH 2013; FHL 2005). Values near 0 support the assumption.
///
/// `None` when the columns differ in length, a repeater's x or m is not finite, there are
/// fewer than 3 repeaters, or x or m has no variance among them. Computed with centred
/// sums in a fixed order (deterministic).
pub fn frequency_spend_correlation(x: &[f64], m: &[f64]) -> Option<f64> {
    if x.len() != m.len() {
        return None;
    }
    let pairs: Vec<(f64, f64)> = x
        .iter()
        .zip(m)
        .filter(|(xi, _)| **xi > 0.0)
        .map(|(xi, mi)| (*xi, *mi))
        .collect();
    if pairs.len() < 3
        || pairs
            .iter()
            .any(|(xi, mi)| !xi.is_finite() || !mi.is_finite())
    {
        return None;
    }
    let n = pairs.len() as f64;
    let mean_x = pairs.iter().map(|p| p.0).sum::<f64>() / n;
    let mean_m = pairs.iter().map(|p| p.1).sum::<f64>() / n;
    let (mut sxx, mut smm, mut sxm) = (0.0, 0.0, 0.0);
    for (xi, mi) in &pairs {
        let (dx, dm) = (xi - mean_x, mi - mean_m);
        sxx += dx * dx;
        smm += dm * dm;
        sxm += dx * dm;
    }
    if !(sxx > 0.0 && smm > 0.0) {
        return None;
    }
    let r = sxm / (sxx.sqrt() * smm.sqrt());
    r.is_finite().then(|| r.clamp(-1.0, 1.0))
}

/// The Gamma-Gamma log-likelihood (the spend density of FH 2013) over compressed patterns,
/// with its analytic gradient in (p, q, γ):
/// - ∂/∂p = x [ψ(px+q) − ψ(px) − ln(1 + γ/(xm))],
/// - ∂/∂q = ψ(px+q) − ψ(q) − ln(1 + xm/γ),
/// - ∂/∂γ = q/γ − (px+q)/(γ + xm).
pub struct GammaGammaLikelihood<'a> {
    data: &'a SpendData,
    /// Distinct x values, and each pattern's index into them: the Γ and ψ terms depend on
    /// x only, so they are computed once per distinct x per evaluation.
    xs: Vec<f64>,
    x_idx: Vec<u32>,
    /// Σ count · ln m, which does not depend on the parameters.
    sum_w_ln_m: f64,
    /// ln(x m) per pattern: with it one `ln_1p` per pattern gives both ln(1 + γ/xm) and
    /// ln(1 + xm/γ).
    ln_xm: Vec<f64>,
}

impl<'a> GammaGammaLikelihood<'a> {
    /// The likelihood of `data` (which should have passed [`SpendData::validate`]; rows
    /// outside the domain make the value non-finite).
    pub fn new(data: &'a SpendData) -> Self {
        let mut xs: Vec<f64> = data.x.clone();
        xs.par_sort_unstable_by(f64::total_cmp);
        xs.dedup();
        let x_idx = data
            .x
            .iter()
            .map(|x| xs.partition_point(|u| u < x) as u32)
            .collect();
        let sum_w_ln_m = data
            .m
            .iter()
            .zip(&data.count)
            .map(|(m, w)| w * m.ln())
            .sum();
        let ln_xm = data
            .x
            .iter()
            .zip(&data.m)
            .map(|(x, m)| (x * m).ln())
            .collect();
        GammaGammaLikelihood {
            data,
            xs,
            x_idx,
            sum_w_ln_m,
            ln_xm,
        }
    }
}

impl Likelihood for GammaGammaLikelihood<'_> {
    fn param_names(&self) -> &'static [&'static str] {
        &PARAM_NAMES
    }

    fn n_obs(&self) -> f64 {
        self.data.n_customers()
    }

    fn value_and_gradient(&self, params: &[f64], grad: &mut [f64]) -> f64 {
        grad.iter_mut().for_each(|g| *g = 0.0);
        if params.len() != 3 || grad.len() != 3 {
            return f64::NAN;
        }
        let model = GammaGamma::from_slice(params);
        if model.check().is_err() {
            return f64::NAN;
        }
        let GammaGamma { p, q, gamma } = model;
        let d = self.data;
        if d.m.len() != d.len() || d.count.len() != d.len() {
            return f64::NAN;
        }
        let (lg_q, psi_q) = (ln_gamma(q), digamma(q));
        // Per distinct x: lnΓ(px+q) − lnΓ(px) − lnΓ(q), and the ψ terms of the gradient.
        let per_x: Vec<(f64, f64, f64)> = self
            .xs
            .iter()
            .map(|&x| {
                let (px, a) = (p * x, p * x + q);
                let psi_a = digamma(a);
                (
                    ln_gamma(a) - ln_gamma(px) - lg_q,
                    x * (psi_a - digamma(px)),
                    psi_a - psi_q,
                )
            })
            .collect();
        let ln_gamma_ = gamma.ln();
        let sums = par_sum(d.len(), 4, |i, acc| {
            let (x, m, w) = (d.x[i], d.m[i], d.count[i]);
            let (lg, dp, dq) = per_x[self.x_idx[i] as usize];
            let px = p * x;
            let xm = x * m;
            let a = px + q;
            // l1 = ln(1 + γ/xm) and l2 = ln(1 + xm/γ) differ by u = ln(xm/γ); the smaller
            // is computed with ln_1p and the larger from it, so neither loses precision.
            let u = self.ln_xm[i] - ln_gamma_;
            let (l1, l2) = if u >= 0.0 {
                let l1 = (gamma / xm).ln_1p();
                (l1, l1 + u)
            } else {
                let l2 = (xm / gamma).ln_1p();
                (l2 - u, l2)
            };
            acc[0] += w * (lg - px * l1 - q * l2);
            acc[1] += w * (dp - x * l1);
            acc[2] += w * (dq - l2);
            acc[3] += w * (q / gamma - a / (gamma + xm));
        });
        let sums = [sums[0] - self.sum_w_ln_m, sums[1], sums[2], sums[3]];
        grad.copy_from_slice(&sums[1..4]);
        sums[0]
    }

    fn starts(&self) -> Vec<Vec<f64>> {
        // Each start puts the population mean p γ / (q − 1) at the data's mean spend.
        let mean = self.data.mean_spend();
        let mean = if mean.is_finite() && mean > 0.0 {
            mean
        } else {
            1.0
        };
        [(1.0, 2.0), (5.0, 3.0), (0.5, 1.5), (20.0, 10.0), (2.0, 1.2)]
            .iter()
            .map(|&(p, q)| vec![p, q, mean * (q - 1.0) / p])
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::StdRng;
    use rand::{RngExt, SeedableRng};
    use rand_distr::{Distribution, Gamma};

    /// FHL 2005 / FH 2013 estimates for the CDNOW repeat customers.
    fn published() -> GammaGamma {
        GammaGamma {
            p: 6.249,
            q: 3.745,
            gamma: 15.45,
        }
    }

    /// Columns of `cdnow_customers_summary_with_transactions.csv`: (ID, x, t_x, T, zbar).
    fn cdnow() -> Vec<[f64; 5]> {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/datasets/cdnow/cdnow_customers_summary_with_transactions.csv"
        );
        let text = std::fs::read_to_string(path).expect("cdnow summary");
        let mut lines = text.lines();
        assert_eq!(lines.next().map(str::trim), Some("ID,x,t_x,T,zbar"));
        lines
            .filter(|l| !l.trim().is_empty())
            .map(|l| {
                let v: Vec<f64> = l
                    .split(',')
                    .map(|s| s.trim().parse().expect("number"))
                    .collect();
                [v[0], v[1], v[2], v[3], v[4]]
            })
            .collect()
    }

    fn cdnow_spend() -> (SpendData, SpendSelection) {
        let rows = cdnow();
        let x: Vec<f64> = rows.iter().map(|r| r[1]).collect();
        let m: Vec<f64> = rows.iter().map(|r| r[4]).collect();
        SpendData::from_customers(&x, &m).unwrap()
    }

    /// The brief's f(m | p, q, γ, x) written out literally with Γ and powers (no logs), for
    /// moderate arguments.
    fn density_literal(g: &GammaGamma, x: f64, m: f64) -> f64 {
        use statrs::function::gamma::gamma as gamma_fn;
        let (p, q, ga) = (g.p, g.q, g.gamma);
        gamma_fn(p * x + q) / (gamma_fn(p * x) * gamma_fn(q))
            * ga.powf(q)
            * m.powf(p * x - 1.0)
            * x.powf(p * x)
            / (ga + x * m).powf(p * x + q)
    }

    /// ∫ g(e^t) e^t dt over t ∈ [-60, 60] by the trapezoid rule (step 0.005): spectrally
    /// accurate for the smooth, exponentially decaying integrands below.
    fn integrate_positive(g: impl Fn(f64) -> f64) -> f64 {
        let h = 0.005;
        let n = (120.0 / h) as i64;
        (0..=n)
            .map(|k| {
                let t = -60.0 + k as f64 * h;
                let w = if k == 0 || k == n { 0.5 } else { 1.0 };
                w * g(t.exp()) * t.exp()
            })
            .sum::<f64>()
            * h
    }

    #[test]
    fn likelihood_matches_the_formula_and_is_a_density_with_the_right_mean() {
        let g = GammaGamma {
            p: 2.5,
            q: 3.5,
            gamma: 10.0,
        };
        for (x, m) in [(1.0, 3.0), (2.0, 0.7), (3.0, 12.0), (7.0, 40.0)] {
            let ll = g.log_likelihood_one(x, m).unwrap();
            let lit = density_literal(&g, x, m);
            assert!(
                (ll.exp() - lit).abs() < 1e-12 * lit,
                "({x}, {m}): {ll} vs {lit}"
            );
        }
        // f(· | x) is the density of the mean of x Gamma(p, ν) values with ν ~ Gamma(q, γ):
        // it integrates to 1 and its mean is E[Z] = p γ / (q − 1) (FH 2013).
        let mean = g.population_mean_spend().unwrap();
        for x in [1.0, 2.0, 5.0, 20.0] {
            let f = |m: f64| {
                if m > 0.0 {
                    g.log_likelihood_one(x, m).map_or(0.0, f64::exp)
                } else {
                    0.0
                }
            };
            let total = integrate_positive(f);
            assert!((total - 1.0).abs() < 1e-10, "x = {x}: {total}");
            let first = integrate_positive(|m| m * f(m));
            assert!(
                (first - mean).abs() < 1e-9 * mean,
                "x = {x}: {first} vs {mean}"
            );
        }
    }

    /// Five-point central difference of `f` in coordinate `k` (step 1e-4 relative).
    fn five_point(f: impl Fn([f64; 3]) -> f64, p: [f64; 3], k: usize) -> f64 {
        let h = 1e-4 * p[k];
        let at = |s: f64| {
            let mut v = p;
            v[k] += s * h;
            f(v)
        };
        (8.0 * (at(1.0) - at(-1.0)) - (at(2.0) - at(-2.0))) / (12.0 * h)
    }

    #[test]
    fn gradient_matches_finite_differences() {
        let data = SpendData::new(
            vec![1.0, 1.0, 2.0, 5.0, 12.0, 3.0],
            vec![20.0, 3.5, 41.0, 17.25, 30.0, 0.9],
            vec![4.0, 1.0, 2.5, 7.0, 1.0, 3.0],
        )
        .unwrap();
        let lik = GammaGammaLikelihood::new(&data);
        for p in [[6.25, 3.74, 15.45], [0.4, 1.3, 2.0], [40.0, 12.0, 90.0]] {
            let mut g = [0.0; 3];
            let ll = lik.value_and_gradient(&p, &mut g);
            let m = GammaGamma::from_slice(&p);
            let direct: f64 = (0..data.len())
                .map(|i| data.count[i] * m.log_likelihood_one(data.x[i], data.m[i]).unwrap())
                .sum();
            assert!((ll - direct).abs() < 1e-12 * ll.abs(), "{ll} vs {direct}");
            for (k, gk) in g.iter().enumerate() {
                let fd = five_point(|v| lik.value_and_gradient(&v, &mut [0.0; 3]), p, k);
                assert!(
                    (gk - fd).abs() < 1e-6 * fd.abs().max(1.0),
                    "{p:?} param {k}: {gk} vs {fd}"
                );
            }
        }
        // Invalid parameters: a non-finite value, not a panic.
        assert!(
            lik.value_and_gradient(&[-1.0, 1.0, 1.0], &mut [0.0; 3])
                .is_nan()
        );
    }

    #[test]
    fn fit_reproduces_the_published_cdnow_estimates() {
        let (data, sel) = cdnow_spend();
        assert_eq!(
            (sel.n_input, sel.n_used, sel.n_no_repeat, sel.n_zero_spend),
            (2357, 946, 1411, 0)
        );
        assert_eq!(data.n_customers(), 946.0);
        let (m, fit) = GammaGamma::fit(&data, &FitOptions::default()).unwrap();
        assert!(fit.converged, "{}", fit.message);
        // FHL 2005 / FH 2013: p = 6.249, q = 3.745, γ = 15.45 (4 significant digits).
        for (got, want) in m.to_vec().iter().zip(published().to_vec()) {
            assert!(((got - want) / want).abs() < 5e-4, "{got} vs {want}");
        }
        // LL = −4,055.92.
        assert!(
            (fit.log_likelihood + 4055.92).abs() < 0.01,
            "{}",
            fit.log_likelihood
        );
        assert_eq!(fit.n_obs, 946.0);
        for e in &fit.estimates {
            let (lo, hi) = (e.ci_low.unwrap(), e.ci_high.unwrap());
            assert!(lo < e.value && e.value < hi && e.std_error.unwrap() > 0.0);
        }
    }

    #[test]
    fn conditional_spend_reproduces_the_published_cdnow_values() {
        // FH 2013 / FHL 2005: the first three customers of the CDNOW summary
        // ((x, zbar) = (2, 22.35), (1, 11.77), (0, 0)) have expected average spend
        // 24.66, 18.91, 35.17 with the fitted parameters; the third (x = 0) is the
        // population mean.
        let (data, _) = cdnow_spend();
        let (m, _) = GammaGamma::fit(&data, &FitOptions::default()).unwrap();
        let rows = cdnow();
        for (row, want) in rows.iter().zip([24.66, 18.91, 35.17]) {
            let got = m
                .conditional_expected_average_spend(row[1], row[4])
                .unwrap();
            assert!(
                ((got - want) / want).abs() < 5e-4,
                "{row:?}: {got} vs {want}"
            );
        }
        let pop = m.population_mean_spend().unwrap();
        assert!(((pop - 35.17) / 35.17).abs() < 5e-4, "{pop}");
        assert_eq!(m.conditional_expected_average_spend(0.0, 0.0).unwrap(), pop);
    }

    /// `tests/data/lifetimes_clv_reference.csv` (lifetimes 0.11.3) column `name`, by row.
    fn lifetimes_column(name: &str) -> Vec<f64> {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/data/lifetimes_clv_reference.csv"
        );
        let text = std::fs::read_to_string(path).expect("lifetimes reference");
        let mut lines = text.lines();
        let header: Vec<&str> = lines.next().expect("header").split(',').collect();
        let col = header.iter().position(|h| *h == name).expect("column");
        lines
            .filter(|l| !l.trim().is_empty())
            .map(|l| {
                l.split(',')
                    .nth(col)
                    .expect("cell")
                    .parse()
                    .expect("number")
            })
            .collect()
    }

    #[test]
    fn agrees_with_lifetimes_reference_values() {
        // lifetimes 0.11.3 GammaGammaFitter on the same 946 repeaters (tests/data/README.md).
        let lt = GammaGamma {
            p: 6.24880249607099,
            q: 3.7445884609237634,
            gamma: 15.447748064943575,
        };
        // Its mean negative log-likelihood at those parameters, times 946.
        let (data, _) = cdnow_spend();
        let ll = GammaGammaLikelihood::new(&data).value_and_gradient(&lt.to_vec(), &mut [0.0; 3]);
        let want = -946.0 * 4.2874452891150785;
        assert!((ll - want).abs() < 1e-10 * want.abs(), "{ll} vs {want}");
        // Conditional expected average profit for every customer (x = 0 included).
        let x = lifetimes_column("x");
        let zbar = lifetimes_column("zbar");
        let spend = lifetimes_column("expected_avg_spend");
        assert_eq!(x.len(), 2357);
        for i in 0..x.len() {
            let got = lt
                .conditional_expected_average_spend(x[i], zbar[i])
                .unwrap();
            assert!(
                (got - spend[i]).abs() < 1e-13 * spend[i],
                "row {i}: {got} vs {}",
                spend[i]
            );
        }
        // Our MLE and lifetimes' (scipy BFGS, tol 1e-7) agree to 1e-4 relative.
        let (m, _) = GammaGamma::fit(&data, &FitOptions::default()).unwrap();
        for (got, want) in m.to_vec().iter().zip(lt.to_vec()) {
            assert!(((got - want) / want).abs() < 1e-4, "{got} vs {want}");
        }
    }

    #[test]
    fn conditional_spend_is_the_posterior_mean_by_quadrature() {
        // E[p/ν | x, m] with ν | x, m ∝ ν^(q−1) e^(−γν) · ν^(px) e^(−ν x m) (prior times the
        // likelihood of x·m ~ Gamma(px, ν)), integrated numerically.
        let g = GammaGamma {
            p: 2.5,
            q: 3.5,
            gamma: 10.0,
        };
        for (x, m) in [(0.0, 0.0), (1.0, 3.0), (4.0, 25.0), (30.0, 1.5)] {
            let shape = g.p * x + g.q;
            let rate = g.gamma + x * m;
            // Unnormalised posterior, scaled at its mode to avoid overflow.
            let mode = (shape - 1.0) / rate;
            let post = |nu: f64| ((shape - 1.0) * (nu / mode).ln() - rate * (nu - mode)).exp();
            let z = integrate_positive(post);
            let e = integrate_positive(|nu| g.p / nu * post(nu)) / z;
            let got = g.conditional_expected_average_spend(x, m).unwrap();
            assert!((got - e).abs() < 1e-9 * e, "({x}, {m}): {got} vs {e}");
        }
    }

    #[test]
    fn simulated_data_recover_the_parameters() {
        // 20,000 customers with x uniform on 1..=10 from known parameters; ν ~ Gamma(q, rate
        // γ), each transaction ~ Gamma(p, rate ν). Every 95% interval must cover the truth
        // (fixed seed: deterministic).
        let truth = GammaGamma {
            p: 6.0,
            q: 4.0,
            gamma: 15.0,
        };
        let mut rng = StdRng::seed_from_u64(20_050_042);
        let nu_dist = Gamma::new(truth.q, 1.0 / truth.gamma).unwrap();
        let (mut xs, mut ms) = (vec![], vec![]);
        for _ in 0..20_000 {
            let nu: f64 = nu_dist.sample(&mut rng);
            let z_dist = Gamma::new(truth.p, 1.0 / nu).unwrap();
            let x: u32 = rng.random_range(1..=10);
            let total: f64 = (0..x).map(|_| z_dist.sample(&mut rng)).sum();
            xs.push(f64::from(x));
            ms.push(total / f64::from(x));
        }
        let (data, sel) = SpendData::from_customers(&xs, &ms).unwrap();
        assert_eq!(sel.n_used, 20_000);
        let (m, fit) = GammaGamma::fit(&data, &FitOptions::default()).unwrap();
        assert!(fit.converged, "{}", fit.message);
        for (e, t) in fit.estimates.iter().zip(truth.to_vec()) {
            let (lo, hi) = (e.ci_low.unwrap(), e.ci_high.unwrap());
            eprintln!("{} {:.4} [{:.4}, {:.4}] truth {t}", e.name, e.value, lo, hi);
            assert!(
                lo <= t && t <= hi,
                "{}: {t} not in [{lo}, {hi}] (estimate {})",
                e.name,
                e.value
            );
        }
        eprintln!("recovered {m:?}");
        // Spend is independent of frequency by construction.
        let r = frequency_spend_correlation(&xs, &ms).unwrap();
        assert!(r.abs() < 0.03, "{r}");
    }

    #[test]
    fn fit_is_bit_for_bit_deterministic_and_scale_equivariant() {
        let (data, _) = cdnow_spend();
        let (a, fa) = GammaGamma::fit(&data, &FitOptions::default()).unwrap();
        let (b, fb) = GammaGamma::fit(&data, &FitOptions::default()).unwrap();
        assert_eq!(a, b);
        assert_eq!(fa, fb);
        // Spend in cents: p and q unchanged, γ × 100, LL shifted by −n ln 100 (Jacobian).
        let cents = SpendData::new(
            data.x.clone(),
            data.m.iter().map(|m| m * 100.0).collect(),
            data.count.clone(),
        )
        .unwrap();
        let (c, fc) = GammaGamma::fit(&cents, &FitOptions::default()).unwrap();
        assert!(((c.p - a.p) / a.p).abs() < 1e-6 && ((c.q - a.q) / a.q).abs() < 1e-6);
        assert!(((c.gamma - 100.0 * a.gamma) / (100.0 * a.gamma)).abs() < 1e-6);
        let shift = fa.log_likelihood - 946.0 * 100f64.ln();
        assert!(
            (fc.log_likelihood - shift).abs() < 1e-6,
            "{}",
            fc.log_likelihood
        );
    }

    #[test]
    fn correlation_matches_numpy_and_simple_cases() {
        // numpy.corrcoef(x, zbar) over the 946 CDNOW repeaters (numpy 2.4.6).
        let rows = cdnow();
        let x: Vec<f64> = rows.iter().map(|r| r[1]).collect();
        let m: Vec<f64> = rows.iter().map(|r| r[4]).collect();
        let r = frequency_spend_correlation(&x, &m).unwrap();
        assert!((r - 0.11388391048600445).abs() < 1e-12, "{r}");
        // Non-repeaters are ignored; exact linear relations give ±1.
        let r = frequency_spend_correlation(&[0.0, 1.0, 2.0, 3.0], &[99.0, 2.0, 4.0, 6.0]);
        assert!((r.unwrap() - 1.0).abs() < 1e-15);
        let r = frequency_spend_correlation(&[1.0, 2.0, 3.0], &[6.0, 4.0, 2.0]);
        assert!((r.unwrap() + 1.0).abs() < 1e-15);
        assert_eq!(
            frequency_spend_correlation(&[1.0, 2.0, 0.0], &[1.0, 2.0, 3.0]),
            None
        );
        assert_eq!(
            frequency_spend_correlation(&[2.0, 2.0, 2.0], &[1.0, 2.0, 3.0]),
            None
        );
        assert_eq!(
            frequency_spend_correlation(&[1.0, 2.0, 3.0], &[5.0, 5.0, 5.0]),
            None
        );
        assert_eq!(
            frequency_spend_correlation(&[1.0, 2.0, 3.0], &[1.0, f64::NAN, 3.0]),
            None
        );
        assert_eq!(
            frequency_spend_correlation(&[1.0, 2.0], &[1.0, 2.0, 3.0]),
            None
        );
    }

    #[test]
    fn selection_compresses_and_counts() {
        let x = [0.0, 2.0, 2.0, 1.0, 3.0, 2.0, 0.0];
        let m = [0.0, 10.0, 10.0, 5.5, 0.0, 7.0, 4.0];
        let (d, sel) = SpendData::from_customers(&x, &m).unwrap();
        assert_eq!(
            sel,
            SpendSelection {
                n_input: 7,
                n_used: 4,
                n_no_repeat: 2,
                n_zero_spend: 1,
                n_patterns: 3,
            }
        );
        assert_eq!(d.x, vec![1.0, 2.0, 2.0]);
        assert_eq!(d.m, vec![5.5, 7.0, 10.0]);
        assert_eq!(d.count, vec![1.0, 1.0, 2.0]);
        assert!((d.mean_spend() - (5.5 + 7.0 + 20.0) / 4.0).abs() < 1e-15);
    }

    #[test]
    fn invalid_inputs_are_typed_errors() {
        let bad = |x: f64, m: f64| SpendData::from_customers(&[1.0, x], &[2.0, m]).unwrap_err();
        for (x, m) in [
            (f64::NAN, 1.0),
            (1.0, f64::INFINITY),
            (-1.0, 1.0),
            (1.5, 1.0),
            (2.0, -0.01),
        ] {
            assert!(
                matches!(bad(x, m), SpendError::InvalidRow { index: 1, .. }),
                "({x}, {m})"
            );
        }
        assert!(matches!(
            SpendData::from_customers(&[1.0], &[]),
            Err(SpendError::Lengths { .. })
        ));
        assert!(matches!(
            SpendData::new(vec![0.0], vec![1.0], vec![1.0]),
            Err(SpendError::InvalidRow { index: 0, .. })
        ));
        assert!(matches!(
            SpendData::new(vec![1.0], vec![0.0], vec![1.0]),
            Err(SpendError::InvalidRow { index: 0, .. })
        ));
        assert!(matches!(
            SpendData::new(vec![1.0, 2.0], vec![1.0, 3.0], vec![1.0, 0.0]),
            Err(SpendError::InvalidCount { index: 1, .. })
        ));
        let g = published();
        assert!(matches!(
            g.log_likelihood_one(0.0, 1.0),
            Err(SpendError::InvalidCustomer { .. })
        ));
        assert!(matches!(
            g.conditional_expected_average_spend(-1.0, 1.0),
            Err(SpendError::InvalidCustomer { .. })
        ));
        assert!(matches!(
            g.conditional_expected_average_spend(1.0, f64::NAN),
            Err(SpendError::InvalidCustomer { .. })
        ));
        let bad_params = GammaGamma { p: 0.0, ..g };
        assert!(matches!(
            bad_params.conditional_expected_average_spend(1.0, 1.0),
            Err(SpendError::InvalidParameters { .. })
        ));
        assert_eq!(bad_params.population_mean_spend(), None);
        // q <= 1: infinite population mean, so x = 0 has no finite expectation, while a
        // repeater's posterior (shape px + q > 1) still has one.
        let heavy = GammaGamma { q: 0.8, ..g };
        assert_eq!(heavy.population_mean_spend(), None);
        assert!(matches!(
            heavy.conditional_expected_average_spend(0.0, 0.0),
            Err(SpendError::InfiniteExpectation { .. })
        ));
        let v = heavy.conditional_expected_average_spend(1.0, 20.0).unwrap();
        let want = (g.gamma + 20.0) * g.p / (g.p + 0.8 - 1.0);
        assert!((v - want).abs() < 1e-12 * want);
    }

    #[test]
    fn fit_errors_are_results() {
        let one = SpendData::new(vec![2.0], vec![10.0], vec![1.0]).unwrap();
        assert!(matches!(
            GammaGamma::fit(&one, &FitOptions::default()),
            Err(FitError::TooFewCustomers { .. })
        ));
        let (none, _) = SpendData::from_customers(&[0.0, 0.0], &[0.0, 0.0]).unwrap();
        assert!(none.is_empty());
        assert!(matches!(
            GammaGamma::fit(&none, &FitOptions::default()),
            Err(FitError::TooFewCustomers { .. })
        ));
        let mut broken = SpendData::new(vec![1.0, 2.0], vec![3.0, 4.0], vec![1.0, 1.0]).unwrap();
        broken.m[1] = -4.0;
        assert!(matches!(
            GammaGamma::fit(&broken, &FitOptions::default()),
            Err(FitError::NotEvaluable { .. })
        ));
    }
}
