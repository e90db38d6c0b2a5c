//! Purchase and retention models: pure math over slices, no files, no frames.
//!
//! Continuous-time, non-contractual ("buy till you die") models take [`RfmPatterns`]:
//! - [`bgnbd`]: BG/NBD (Fader, Hardie & Lee 2005);
//! - [`mbgnbd`]: MBG/NBD (Batislam, Denizel & Filiztekin 2007);
//! - [`paretonbd`]: Pareto/NBD (Schmittlein, Morrison & Colombo 1987).
//!
//! Discrete-time models: [`bgbb`] (BG/BB, Fader, Hardie & Shang 2010) for repeat
//! opportunities, and [`sbg`] (shifted beta-geometric, Fader & Hardie 2007) for contractual
//! cohort retention.
//!
//! Every model implements [`optimize::Likelihood`] for estimation; the continuous ones also
//! implement [`PurchaseModel`] for prediction, so scoring code is written once.

pub mod bgbb;
pub mod bgnbd;
pub mod forest;
pub mod gamma_gamma;
pub mod logistic;
pub mod mbgnbd;
pub mod optimize;
pub mod paretonbd;
pub mod patterns;
mod quadrature;
pub mod sbg;
pub mod simulate;
pub mod special;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

pub use optimize::{Estimate, FitOptions, FitResult, Likelihood};
pub use patterns::{DataCheckError, RfmPatterns};

/// Why a model cannot be fitted to these data (a fit that runs but does not converge is not
/// an error: it comes back with `converged: false` and the reason).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FitError {
    /// Invalid input rows.
    #[error(transparent)]
    Data(#[from] DataCheckError),
    /// Too few customers to estimate the parameters.
    #[error("{n} customer(s): at least {needed} are needed to fit {model}")]
    TooFewCustomers {
        /// Model name.
        model: &'static str,
        /// Customers given.
        n: f64,
        /// Minimum.
        needed: f64,
    },
    /// Nobody bought twice, so the repeat-purchase and dropout processes are not identified.
    #[error(
        "no customer has a repeat transaction: {model} cannot separate purchase rate from \
         dropout\n  fix: use a longer observation period or a later calibration end"
    )]
    NoRepeatBuyers {
        /// Model name.
        model: &'static str,
    },
    /// The likelihood could not be evaluated at any starting point.
    #[error("{model}: the likelihood is not finite at any starting point ({detail})")]
    NotEvaluable {
        /// Model name.
        model: &'static str,
        /// What was tried.
        detail: String,
    },
}

/// The model families `clvr fit` knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ModelKind {
    /// BG/NBD.
    Bgnbd,
    /// MBG/NBD.
    Mbgnbd,
    /// Pareto/NBD.
    Paretonbd,
    /// BG/BB (discrete opportunities).
    Bgbb,
    /// Shifted beta-geometric (contractual cohorts).
    Sbg,
}

impl ModelKind {
    /// The name used on the command line and in files: `bgnbd`, `mbgnbd`, …
    pub fn name(self) -> &'static str {
        match self {
            ModelKind::Bgnbd => "bgnbd",
            ModelKind::Mbgnbd => "mbgnbd",
            ModelKind::Paretonbd => "paretonbd",
            ModelKind::Bgbb => "bgbb",
            ModelKind::Sbg => "sbg",
        }
    }

    /// Parses a model name (case-insensitive; `bg/nbd`, `pareto/nbd` … accepted).
    pub fn parse(s: &str) -> Result<Self, String> {
        match s.to_ascii_lowercase().replace(['/', '-', '_'], "").as_str() {
            "bgnbd" => Ok(ModelKind::Bgnbd),
            "mbgnbd" => Ok(ModelKind::Mbgnbd),
            "paretonbd" | "pnbd" => Ok(ModelKind::Paretonbd),
            "bgbb" => Ok(ModelKind::Bgbb),
            "sbg" => Ok(ModelKind::Sbg),
            _ => Err(format!(
                "unknown model '{s}': use bgnbd, mbgnbd, paretonbd, bgbb or sbg"
            )),
        }
    }
}

/// Predictions every continuous-time purchase model makes. Times are in the unit the model
/// was fitted in; `x`, `t_x`, `t` are a customer's frequency, recency and age.
///
/// In every buy-till-you-die model the future of a customer who is alive at `t` depends on
/// the history only through `x` and `t` (the posterior of the purchase rate and of the
/// dropout process given survival), not on `t_x`: `t_x` enters only through P(alive). So a
/// model supplies P(alive) and the two "if alive" predictions, and the conditional
/// predictions follow:
///
/// `E[Y(h) | x, t_x, t] = P(alive) × E[Y(h) | alive, x, t]` and
/// `P(no purchase in h | x, t_x, t) = 1 − P(alive) + P(alive) × P(no purchase in h | alive, x, t)`.
///
/// Scoring uses this to compute the horizon curve once per distinct `(x, t)` rather than once
/// per distinct `(x, t_x, t)`.
pub trait PurchaseModel {
    /// Expected number of purchases in (0, t] for a customer just acquired: E[X(t)].
    fn expected_purchases_new(&self, t: f64) -> f64;
    /// Probability that a customer just acquired makes exactly `n` purchases in (0, t].
    fn p_purchases_new(&self, n: u32, t: f64) -> f64;
    /// Probability that the customer is still alive at `t` (their age), given the history.
    fn p_alive(&self, x: f64, t_x: f64, t: f64) -> f64;
    /// Expected purchases in (t, t + horizon] of a customer known to be alive at `t` after
    /// `x` repeat purchases.
    fn expected_purchases_if_alive(&self, horizon: f64, x: f64, t: f64) -> f64;
    /// Probability of no purchase in (t, t + horizon] for a customer known to be alive at `t`
    /// after `x` repeat purchases (they may still drop out, silently, during the horizon).
    fn p_no_purchase_if_alive(&self, horizon: f64, x: f64, t: f64) -> f64;
    /// Discounted expected residual transactions of a customer known to be alive at `t`
    /// after `x` repeat purchases, with continuous discounting at rate `delta` > 0 per time
    /// unit: ∫_0^∞ e^(−δτ) E[purchase rate at t + τ | alive at t] dτ. `None` for models
    /// without a closed form (Pareto/NBD has one; times P(alive) it is the customer's DERT).
    fn dert_if_alive(&self, _delta: f64, _x: f64, _t: f64) -> Option<f64> {
        None
    }
    /// Expected purchases in (t, t + horizon] given the history: E[Y(horizon) | x, t_x, t].
    fn conditional_expected_purchases(&self, horizon: f64, x: f64, t_x: f64, t: f64) -> f64 {
        self.p_alive(x, t_x, t) * self.expected_purchases_if_alive(horizon, x, t)
    }
    /// Probability of no purchase in (t, t + horizon] given the history.
    fn p_no_purchase(&self, horizon: f64, x: f64, t_x: f64, t: f64) -> f64 {
        if horizon <= 0.0 {
            return 1.0;
        }
        let pa = self.p_alive(x, t_x, t);
        (1.0 - pa + pa * self.p_no_purchase_if_alive(horizon, x, t)).clamp(0.0, 1.0)
    }
}

/// Builds a model's likelihood over some patterns (the original or the rescaled ones).
pub(crate) trait LikelihoodFactory {
    /// The likelihood type, borrowing the data.
    type Lik<'a>: Likelihood;
    /// The likelihood of `data`.
    fn build<'a>(&self, data: &'a RfmPatterns) -> Self::Lik<'a>;
}

/// Fits a continuous-time model with times rescaled so `mean T = 1` (rate parameters O(1)
/// whatever the unit), then reports everything on the data's own scale. `time_power[i]` is
/// the power of the time unit parameter `i` carries (1 for a scale such as α, 0 for shapes).
pub(crate) fn fit_rescaled(
    model: &'static str,
    data: &RfmPatterns,
    time_power: &[i32],
    factory: impl LikelihoodFactory,
    opts: &FitOptions,
) -> Result<FitResult, FitError> {
    let n = data.n_customers();
    if n < 2.0 {
        return Err(FitError::TooFewCustomers {
            model,
            n,
            needed: 2.0,
        });
    }
    if data.n_repeaters() == 0.0 {
        return Err(FitError::NoRepeatBuyers { model });
    }
    let c = data.mean_t();
    let scaled = data.rescaled(c);
    let to_natural: Vec<f64> = time_power.iter().map(|&p| c.powi(p)).collect();
    let lik = factory.build(&scaled);
    let (p_scaled, iterations, reason) =
        optimize::maximize(&lik, opts, &to_natural).ok_or_else(|| FitError::NotEvaluable {
            model,
            detail: format!("{} starting points", lik.starts().len()),
        })?;
    let params: Vec<f64> = p_scaled
        .iter()
        .zip(&to_natural)
        .map(|(p, s)| p * s)
        .collect();
    Ok(optimize::summarize_fit(
        &factory.build(data),
        &params,
        iterations,
        &reason,
        opts,
    ))
}

/// Patterns per parallel work item. Fixed, so the partial sums, and their order, do not
/// depend on the number of threads: results are identical bit for bit on any machine.
const CHUNK: usize = 2048;

/// Sums `f(i)` (a vector of `k` values per pattern) over `0..n` in parallel, deterministically.
pub(crate) fn par_sum(n: usize, k: usize, f: impl Fn(usize, &mut [f64]) + Sync) -> Vec<f64> {
    let partials: Vec<Vec<f64>> = (0..n.div_ceil(CHUNK))
        .into_par_iter()
        .map(|c| {
            let mut acc = vec![0.0; k];
            for i in c * CHUNK..((c + 1) * CHUNK).min(n) {
                f(i, &mut acc);
            }
            acc
        })
        .collect();
    let mut total = vec![0.0; k];
    for p in partials {
        for (t, v) in total.iter_mut().zip(p) {
            *t += v;
        }
    }
    total
}
