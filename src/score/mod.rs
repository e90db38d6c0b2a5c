//! Scoring: applies a model file's purchase and spend models to a customer table.
//!
//! Predictive CLV over a horizon H split into K steps of length s (default 12 monthly steps):
//!
//! `CLV = Σ_{k=1..K} (E[Y(k s)] − E[Y((k−1) s)]) × E[spend] × margin / (1 + d)^k`
//!
//! with E[Y(t)] the purchase model's conditional expected purchases in (T, T + t], E[spend]
//! the spend model's conditional expected average spend, d the discount rate per step. With
//! weeks, monthly steps of 4.345 weeks, 12 steps, d = 1% and margin 1 this is exactly the
//! CLV of the `lifetimes` package (`customer_lifetime_value`).
//!
//! Every prediction is computed once per distinct (x, t_x, T) pattern, in parallel.

mod predict;

use std::collections::HashMap;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::features::TimeUnit;
use crate::models::PurchaseModel;

pub use predict::{ScoreStats, Scores, TopCustomer, predict};

/// Months in weeks as the `lifetimes` package counts them (its `freq="W"` factor).
pub const WEEKS_PER_MONTH: f64 = 4.345;

/// A length of time: a number of model time units, or a number of calendar units.
///
/// Parses `12months`, `12 month`, `52weeks`, `365days`, `month`, `week`, `day`, or a bare
/// number (model time units).
pub fn parse_duration(s: &str, unit: TimeUnit) -> Result<f64, String> {
    let t = s.trim().to_ascii_lowercase();
    let split = t.find(|c: char| c.is_ascii_alphabetic()).unwrap_or(t.len());
    let (num, word) = t.split_at(split);
    let n: f64 = if num.trim().is_empty() {
        1.0
    } else {
        num.trim().parse().map_err(|_| {
            format!("'{s}' is not a duration: write e.g. 12months, 52weeks, 365days or a number")
        })?
    };
    let per = match word.trim().trim_end_matches('s') {
        "" => 1.0,
        "month" | "m" | "mo" => match unit {
            TimeUnit::Week => WEEKS_PER_MONTH,
            TimeUnit::Day => 365.25 / 12.0,
            TimeUnit::Month => 1.0,
        },
        "week" | "w" | "wk" => match unit {
            TimeUnit::Week => 1.0,
            TimeUnit::Day => 7.0,
            TimeUnit::Month => 7.0 / (365.25 / 12.0),
        },
        "day" | "d" => match unit {
            TimeUnit::Week => 1.0 / 7.0,
            TimeUnit::Day => 1.0,
            TimeUnit::Month => 1.0 / (365.25 / 12.0),
        },
        "year" | "y" | "yr" => match unit {
            TimeUnit::Week => 12.0 * WEEKS_PER_MONTH,
            TimeUnit::Day => 365.25,
            TimeUnit::Month => 12.0,
        },
        other => {
            return Err(format!(
                "unknown unit '{other}' in '{s}': use days, weeks, months or years"
            ));
        }
    };
    let v = n * per;
    if !(v.is_finite() && v > 0.0) {
        return Err(format!("'{s}' must be a positive duration"));
    }
    Ok(v)
}

/// CLV settings in model time units.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ClvSettings {
    /// Total horizon.
    pub horizon: f64,
    /// Step length; the horizon is split into `round(horizon / step)` steps.
    pub step: f64,
    /// Discount rate per step.
    pub discount_rate: f64,
    /// Margin applied to revenue.
    pub margin: f64,
}

impl ClvSettings {
    /// Number of steps (at least 1).
    pub fn steps(&self) -> usize {
        ((self.horizon / self.step).round() as usize).max(1)
    }
}

/// Per-pattern predictions.
#[derive(Debug, Clone, Copy, Default)]
pub struct PatternScore {
    /// P(alive) now.
    pub p_alive: f64,
    /// Expected purchases over the horizon.
    pub expected_purchases: f64,
    /// P(no purchase over the horizon).
    pub p_no_purchase: f64,
    /// Σ_k (E[Y(k s)] − E[Y((k−1) s)]) / (1+d)^k: discounted expected purchases, which
    /// times spend × margin is the CLV.
    pub discounted_purchases: f64,
}

/// Scores every customer, computing each distinct (x, t_x, T) once.
pub fn score_patterns(
    model: &(dyn PurchaseModel + Sync),
    x: &[f64],
    t_x: &[f64],
    t: &[f64],
    clv: &ClvSettings,
) -> Vec<PatternScore> {
    // Distinct patterns in order of first appearance (deterministic).
    let mut index: HashMap<(u64, u64, u64), usize> = HashMap::new();
    let mut uniq: Vec<(f64, f64, f64)> = Vec::new();
    let of: Vec<usize> = (0..x.len())
        .map(|i| {
            let key = (x[i].to_bits(), t_x[i].to_bits(), t[i].to_bits());
            *index.entry(key).or_insert_with(|| {
                uniq.push((x[i], t_x[i], t[i]));
                uniq.len() - 1
            })
        })
        .collect();
    let k = clv.steps();
    let scores: Vec<PatternScore> = uniq
        .par_iter()
        .map(|&(x, tx, t)| {
            let mut prev = 0.0;
            let mut disc = 0.0;
            for step in 1..=k {
                let cum = model.conditional_expected_purchases(step as f64 * clv.step, x, tx, t);
                disc += (cum - prev).max(0.0) / (1.0 + clv.discount_rate).powi(step as i32);
                prev = cum;
            }
            // The horizon is usually a whole number of steps: reuse the last cumulative value.
            let whole = (k as f64 * clv.step - clv.horizon).abs() <= 1e-9 * clv.horizon;
            PatternScore {
                p_alive: model.p_alive(x, tx, t),
                expected_purchases: if whole {
                    prev
                } else {
                    model.conditional_expected_purchases(clv.horizon, x, tx, t)
                },
                p_no_purchase: model.p_no_purchase(clv.horizon, x, tx, t),
                discounted_purchases: disc,
            }
        })
        .collect();
    of.iter().map(|&i| scores[i]).collect()
}

/// Share of the total held by the largest `share` of values (e.g. 0.2 → top 20%).
pub fn top_share(values: &[f64], share: f64) -> f64 {
    let total: f64 = values.iter().sum();
    if total <= 0.0 || values.is_empty() {
        return 0.0;
    }
    let mut v = values.to_vec();
    v.sort_unstable_by(|a, b| b.total_cmp(a));
    let n = ((values.len() as f64) * share).ceil() as usize;
    v[..n.min(v.len())].iter().sum::<f64>() / total
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::bgnbd::BgNbd;

    #[test]
    fn durations() {
        assert_eq!(
            parse_duration("12months", TimeUnit::Week).unwrap(),
            12.0 * 4.345
        );
        assert_eq!(parse_duration("month", TimeUnit::Day).unwrap(), 30.4375);
        assert_eq!(parse_duration("52 weeks", TimeUnit::Day).unwrap(), 364.0);
        assert_eq!(parse_duration("39", TimeUnit::Week).unwrap(), 39.0);
        assert!(parse_duration("-3", TimeUnit::Week).is_err());
        assert!(parse_duration("3 fortnights", TimeUnit::Week).is_err());
    }

    #[test]
    fn undiscounted_clv_purchases_telescope_to_the_horizon_expectation() {
        let m = BgNbd {
            r: 0.2426,
            alpha: 4.414,
            a: 0.7929,
            b: 2.426,
        };
        let s = ClvSettings {
            horizon: 52.14,
            step: 4.345,
            discount_rate: 0.0,
            margin: 1.0,
        };
        let sc = score_patterns(&m, &[2.0, 0.0], &[30.43, 0.0], &[38.86, 38.86], &s);
        for p in &sc {
            assert!((p.discounted_purchases - p.expected_purchases).abs() < 1e-12);
        }
        let d = ClvSettings {
            discount_rate: 0.01,
            ..s
        };
        let sd = score_patterns(&m, &[2.0], &[30.43], &[38.86], &d);
        assert!(sd[0].discounted_purchases < sc[0].discounted_purchases);
    }

    #[test]
    fn top_share_of_values() {
        assert_eq!(top_share(&[1.0, 1.0, 1.0, 1.0, 6.0], 0.2), 0.6);
        assert_eq!(top_share(&[], 0.2), 0.0);
    }
}
