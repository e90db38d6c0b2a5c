//! Scoring: applies a model file's purchase and spend models to a customer table.
//!
//! Predictive CLV over a horizon H split into K steps of length s (default 12 monthly steps):
//!
//! `CLV = Σ_{k=1..K} (E[Y(k s)] − E[Y((k−1) s)]) × E[spend] × margin / (1 + d)^k`
//!
//! with E[Y(t)] the purchase model's conditional expected purchases in (T, T + t], `E[spend]`
//! the spend model's conditional expected average spend, d the discount rate per step. With
//! weeks, monthly steps of 4.345 weeks, 12 steps, d = 1% and margin 1 this is exactly the
//! CLV of the `lifetimes` package (`customer_lifetime_value`).
//!
//! Every prediction is computed once per distinct (x, t_x, T) pattern, in parallel.

mod predict;
pub mod segments;

use std::hash::BuildHasher;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::dense::dense_index;
use crate::features::TimeUnit;
use crate::models::PurchaseModel;
use crate::models::patterns::FastHash;

pub use predict::{
    ChurnStats, ScoreStats, Scores, TopCustomer, clv_of_rfm, expected_spend, predict,
};

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
    /// The continuous discount rate per time unit equivalent to `discount_rate` per step,
    /// ln(1 + d) / step; `None` without discounting.
    pub fn continuous_rate(&self) -> Option<f64> {
        (self.discount_rate > 0.0).then(|| self.discount_rate.ln_1p() / self.step)
    }

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
    /// The closed-form DERT over an unbounded horizon with continuous discounting at
    /// δ = ln(1 + d) / s per time unit (the same rate as the stepwise CLV), for models that
    /// have one (Pareto/NBD); `None` otherwise.
    pub dert: Option<f64>,
}

/// What an alive customer with a given (x, T) is expected to do over the horizon.
#[derive(Debug, Clone, Copy)]
struct AliveCurve {
    expected_purchases: f64,
    p_no_purchase: f64,
    discounted_purchases: f64,
    dert: Option<f64>,
}

/// Every customer's [`PatternScore`], stored once per distinct (x, t_x, T) pattern with the
/// pattern of each customer: at 10M customers the per-customer copy would be ~0.5 GB that
/// is only ever read column by column. Index it like a slice of per-customer scores.
#[derive(Debug, Clone, Default)]
pub struct PatternScores {
    patterns: Vec<PatternScore>,
    of: Vec<u32>,
}

impl PatternScores {
    /// Customers scored.
    pub fn len(&self) -> usize {
        self.of.len()
    }

    /// Whether no customer was scored.
    pub fn is_empty(&self) -> bool {
        self.of.is_empty()
    }

    /// The scores customer by customer.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = &PatternScore> + '_ {
        self.of.iter().map(|&p| &self.patterns[p as usize])
    }

    /// One field for every customer, gathered in parallel (`|s| s.p_alive`).
    pub fn column(&self, field: impl Fn(&PatternScore) -> f64 + Sync) -> Vec<f64> {
        self.of
            .par_iter()
            .map(|&p| field(&self.patterns[p as usize]))
            .collect()
    }
}

impl std::ops::Index<usize> for PatternScores {
    type Output = PatternScore;

    fn index(&self, customer: usize) -> &PatternScore {
        &self.patterns[self.of[customer] as usize]
    }
}

/// Scores every customer. P(alive) is computed once per distinct (x, t_x, T); the horizon
/// curve, which for every model depends on the history only through (x, T) (see
/// [`PurchaseModel`]), once per distinct (x, T) — in a cohort there are far fewer of those.
pub fn score_patterns(
    model: &(dyn PurchaseModel + Sync),
    x: &[f64],
    t_x: &[f64],
    t: &[f64],
    clv: &ClvSettings,
) -> PatternScores {
    // Distinct patterns and (x, T) pairs in order of first appearance (deterministic).
    let state = FastHash;
    let key = |i: usize| (x[i].to_bits(), t_x[i].to_bits(), t[i].to_bits());
    let hashes: Vec<u64> = (0..x.len())
        .into_par_iter()
        .map(|i| state.hash_one(key(i)))
        .collect();
    let by_pattern = dense_index(&hashes, |a, b| key(a as usize) == key(b as usize));
    drop(hashes);
    let pair_key = |k: u32| (x[k as usize].to_bits(), t[k as usize].to_bits());
    let pair_hashes: Vec<u64> = by_pattern
        .firsts
        .par_iter()
        .map(|&k| state.hash_one(pair_key(k)))
        .collect();
    let by_pair = dense_index(&pair_hashes, |a, b| {
        pair_key(by_pattern.firsts[a as usize]) == pair_key(by_pattern.firsts[b as usize])
    });
    drop(pair_hashes);
    let pairs: Vec<(f64, f64)> = by_pair
        .firsts
        .iter()
        .map(|&p| {
            let k = by_pattern.firsts[p as usize] as usize;
            (x[k], t[k])
        })
        .collect();
    let patterns: Vec<(f64, f64, f64, usize)> = by_pattern
        .firsts
        .iter()
        .zip(&by_pair.of_item)
        .map(|(&k, &pair)| {
            let k = k as usize;
            (x[k], t_x[k], t[k], pair as usize)
        })
        .collect();
    let of = by_pattern.of_item;
    let k = clv.steps();
    // The horizon is usually a whole number of steps: then the last cumulative value is the
    // horizon's expectation.
    let whole = (k as f64 * clv.step - clv.horizon).abs() <= 1e-9 * clv.horizon;
    let delta = clv.continuous_rate();
    let curves: Vec<AliveCurve> = pairs
        .par_iter()
        .map(|&(x, t)| {
            let mut prev = 0.0;
            let mut disc = 0.0;
            for step in 1..=k {
                let cum = model.expected_purchases_if_alive(step as f64 * clv.step, x, t);
                disc += (cum - prev).max(0.0) / (1.0 + clv.discount_rate).powi(step as i32);
                prev = cum;
            }
            AliveCurve {
                expected_purchases: if whole {
                    prev
                } else {
                    model.expected_purchases_if_alive(clv.horizon, x, t)
                },
                p_no_purchase: model.p_no_purchase_if_alive(clv.horizon, x, t),
                discounted_purchases: disc,
                dert: delta.and_then(|d| model.dert_if_alive(d, x, t)),
            }
        })
        .collect();
    let patterns: Vec<PatternScore> = patterns
        .par_iter()
        .map(|&(x, tx, t, pair)| {
            let pa = model.p_alive(x, tx, t);
            let c = &curves[pair];
            PatternScore {
                p_alive: pa,
                expected_purchases: pa * c.expected_purchases,
                p_no_purchase: (1.0 - pa + pa * c.p_no_purchase).clamp(0.0, 1.0),
                discounted_purchases: pa * c.discounted_purchases,
                dert: c.dert.map(|d| pa * d),
            }
        })
        .collect();
    PatternScores { patterns, of }
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
        for p in sc.iter() {
            assert!((p.discounted_purchases - p.expected_purchases).abs() < 1e-12);
        }
        let d = ClvSettings {
            discount_rate: 0.01,
            ..s
        };
        let sd = score_patterns(&m, &[2.0], &[30.43], &[38.86], &d);
        assert!(sd[0].discounted_purchases < sc[0].discounted_purchases);
    }

    /// The grouping by (x, T) must give, customer by customer, what the per-customer
    /// formulas give (the formulas themselves are checked against published values in the
    /// model files and against `lifetimes` in tests/models/clv_parity.rs).
    #[test]
    fn grouped_scores_equal_per_customer_predictions() {
        use crate::models::mbgnbd::MbgNbd;
        use crate::models::paretonbd::ParetoNbd;
        let bg = BgNbd {
            r: 0.2426,
            alpha: 4.414,
            a: 0.7929,
            b: 2.426,
        };
        let mbg = MbgNbd::from_slice(&[0.525, 6.183, 0.891, 1.614]);
        let pnbd = ParetoNbd::from_slice(&[0.5533, 10.5764, 0.6061, 11.6691]);
        // Shared (x, T) pairs with different t_x, repeated patterns, x = 0.
        let x = [0.0, 2.0, 2.0, 2.0, 5.0, 0.0, 5.0, 2.0];
        let tx = [0.0, 30.43, 10.0, 30.43, 20.0, 0.0, 37.0, 1.0];
        let t = [38.86, 38.86, 38.86, 38.86, 38.86, 20.0, 38.86, 12.0];
        for settings in [
            ClvSettings {
                horizon: 52.14,
                step: 4.345,
                discount_rate: 0.01,
                margin: 1.0,
            },
            ClvSettings {
                horizon: 50.0,
                step: 4.345,
                discount_rate: 0.02,
                margin: 1.0,
            },
        ] {
            // (model, whether it has a closed-form DERT)
            let models: [(&(dyn PurchaseModel + Sync), bool); 3] =
                [(&bg, false), (&mbg, false), (&pnbd, true)];
            for (m, has_dert) in models {
                let got = score_patterns(m, &x, &tx, &t, &settings);
                for i in 0..x.len() {
                    let (xi, txi, ti) = (x[i], tx[i], t[i]);
                    let mut prev = 0.0;
                    let mut disc = 0.0;
                    for step in 1..=settings.steps() {
                        let cum = m.conditional_expected_purchases(
                            step as f64 * settings.step,
                            xi,
                            txi,
                            ti,
                        );
                        disc += (cum - prev) / (1.0 + settings.discount_rate).powi(step as i32);
                        prev = cum;
                    }
                    let want = [
                        m.p_alive(xi, txi, ti),
                        m.conditional_expected_purchases(settings.horizon, xi, txi, ti),
                        m.p_no_purchase(settings.horizon, xi, txi, ti),
                        disc,
                    ];
                    let g = got[i];
                    let have = [
                        g.p_alive,
                        g.expected_purchases,
                        g.p_no_purchase,
                        g.discounted_purchases,
                    ];
                    // DERT: only Pareto/NBD has the closed form; it must be
                    // ParetoNbd::dert (checked against mpmath) at δ = ln(1+d)/step.
                    assert_eq!(g.dert.is_some(), has_dert, "row {i}");
                    if let Some(d) = g.dert {
                        let delta = settings.continuous_rate().unwrap();
                        let w = pnbd.dert(delta, xi, txi, ti);
                        assert!((d - w).abs() <= 1e-12 * w, "row {i}: DERT {d} vs {w}");
                    }
                    for (h, w) in have.iter().zip(want) {
                        assert!(
                            (h - w).abs() <= 1e-12 * w.abs().max(1e-3),
                            "row {i}: {h} vs {w}"
                        );
                    }
                }
            }
        }
    }
}
