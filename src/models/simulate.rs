//! Simulation from the continuous-time purchase models, with optional Gamma-Gamma spend:
//! the ground truth for parameter-recovery and coverage tests and the data of benchmarks.
//!
//! Time is continuous and measured in the models' time unit from the start of the cohort
//! window. Each customer's first purchase is uniform in `[0, cohort_length)`; they are
//! observed until `observation_end`. Seeded: the same spec gives the same customers.

use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use rand_distr::{Beta, Distribution, Exp, Gamma};
use serde::{Deserialize, Serialize};

use super::bgnbd::BgNbd;
use super::mbgnbd::MbgNbd;
use super::paretonbd::ParetoNbd;

/// Gamma-Gamma spend (Fader, Hardie & Lee 2005, JMR; Fader & Hardie 2013): each
/// transaction's value z ~ Gamma(p, rate ν), with ν ~ Gamma(q, rate γ) per customer.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SpendParams {
    /// Shape of a transaction's value.
    pub p: f64,
    /// Shape of the customer's rate ν.
    pub q: f64,
    /// Rate of the customer's rate ν (currency units).
    pub gamma: f64,
}

/// The purchase process to simulate.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum SimModel {
    /// BG/NBD.
    BgNbd(BgNbd),
    /// MBG/NBD.
    MbgNbd(MbgNbd),
    /// Pareto/NBD.
    ParetoNbd(ParetoNbd),
}

/// What to simulate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SimSpec {
    /// The purchase process and its parameters (in the time unit used below).
    pub model: SimModel,
    /// Spend per transaction; `None`: no amounts.
    pub spend: Option<SpendParams>,
    /// Number of customers.
    pub customers: usize,
    /// Length of the acquisition window (first purchases uniform in it), time units.
    pub cohort_length: f64,
    /// End of observation, time units from the start of the cohort window.
    pub observation_end: f64,
    /// Random seed.
    pub seed: u64,
}

/// The simulated customers: latent truth, exact sufficient statistics, and transactions.
#[derive(Debug, Clone, Default)]
pub struct Simulated {
    /// First purchase time per customer.
    pub first_purchase: Vec<f64>,
    /// Purchase rate λ per customer (per time unit).
    pub lambda: Vec<f64>,
    /// Dropout: p (BG/NBD, MBG/NBD) or μ (Pareto/NBD) per customer.
    pub dropout: Vec<f64>,
    /// Time of death (time units from the cohort start), `+inf` if alive at the end.
    pub death: Vec<f64>,
    /// Spend rate ν per customer (NaN-free: 0 when spend is not simulated).
    pub nu: Vec<f64>,
    /// Exact repeat transactions in the observation period.
    pub x: Vec<f64>,
    /// Exact recency (time of last minus first purchase).
    pub t_x: Vec<f64>,
    /// Exact age at the observation end.
    pub t: Vec<f64>,
    /// Transactions: customer index, time from the cohort start, amount (0 without spend).
    pub tx_customer: Vec<u32>,
    /// See `tx_customer`.
    pub tx_time: Vec<f64>,
    /// See `tx_customer`.
    pub tx_amount: Vec<f64>,
}

/// Why a simulation spec is invalid.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("invalid simulation: {0}")]
pub struct SimError(pub String);

fn gamma_rate(shape: f64, rate: f64) -> Result<Gamma<f64>, SimError> {
    Gamma::new(shape, 1.0 / rate)
        .map_err(|e| SimError(format!("Gamma(shape {shape}, rate {rate}): {e}")))
}

/// Simulates `spec.customers` customers.
pub fn simulate(spec: &SimSpec) -> Result<Simulated, SimError> {
    if !(spec.cohort_length >= 0.0 && spec.observation_end > spec.cohort_length) {
        return Err(SimError(format!(
            "the observation end ({}) must be after the cohort window ({})",
            spec.observation_end, spec.cohort_length
        )));
    }
    let mut rng = StdRng::seed_from_u64(spec.seed);
    let spend = spec
        .spend
        .map(|s| Ok::<_, SimError>((gamma_rate(s.q, s.gamma)?, s.p)))
        .transpose()?;
    let mut out = Simulated::default();
    let n = spec.customers;
    for v in [
        &mut out.first_purchase,
        &mut out.lambda,
        &mut out.dropout,
        &mut out.death,
        &mut out.nu,
        &mut out.x,
        &mut out.t_x,
        &mut out.t,
    ] {
        v.reserve(n);
    }
    let (rate_dist, drop_beta, drop_gamma, modified) = match spec.model {
        SimModel::BgNbd(m) => (
            gamma_rate(m.r, m.alpha)?,
            Some(beta(m.a, m.b)?),
            None,
            false,
        ),
        SimModel::MbgNbd(m) => (gamma_rate(m.r, m.alpha)?, Some(beta(m.a, m.b)?), None, true),
        SimModel::ParetoNbd(m) => (
            gamma_rate(m.r, m.alpha)?,
            None,
            Some(gamma_rate(m.s, m.beta)?),
            false,
        ),
    };
    for c in 0..n {
        let first = if spec.cohort_length > 0.0 {
            rng.random::<f64>() * spec.cohort_length
        } else {
            0.0
        };
        let end = spec.observation_end;
        let lambda = rate_dist.sample(&mut rng).max(1e-300);
        let gap = Exp::new(lambda).map_err(|e| SimError(e.to_string()))?;
        let (nu, value) = match &spend {
            Some((nu_dist, p)) => {
                let nu = nu_dist.sample(&mut rng).max(1e-300);
                (nu, Some(gamma_rate(*p, nu)?))
            }
            None => (0.0, None),
        };
        let mut push = |t: f64, rng: &mut StdRng| {
            out.tx_customer.push(c as u32);
            out.tx_time.push(t);
            out.tx_amount.push(
                value
                    .as_ref()
                    .map_or(0.0, |v| (v.sample(rng) * 100.0).round() / 100.0),
            );
        };
        push(first, &mut rng);
        let (mut x, mut last, mut death) = (0.0, first, f64::INFINITY);
        let dropout;
        if let Some(bd) = &drop_beta {
            // BG/NBD: after each repeat purchase, drop out with probability p.
            // MBG/NBD: also right after the first purchase.
            let p = bd.sample(&mut rng);
            dropout = p;
            let mut t = first;
            let mut alive = !(modified && rng.random::<f64>() < p);
            if !alive {
                death = first;
            }
            while alive {
                t += gap.sample(&mut rng);
                if t > end {
                    break;
                }
                push(t, &mut rng);
                x += 1.0;
                last = t;
                if rng.random::<f64>() < p {
                    alive = false;
                    death = t;
                }
            }
        } else if let Some(gd) = &drop_gamma {
            // Pareto/NBD: exponential lifetime with rate μ; Poisson purchases while alive.
            let mu = gd.sample(&mut rng).max(1e-300);
            dropout = mu;
            let life = Exp::new(mu)
                .map_err(|e| SimError(e.to_string()))?
                .sample(&mut rng);
            death = if first + life <= end {
                first + life
            } else {
                f64::INFINITY
            };
            let stop = (first + life).min(end);
            let mut t = first + gap.sample(&mut rng);
            while t <= stop {
                push(t, &mut rng);
                x += 1.0;
                last = t;
                t += gap.sample(&mut rng);
            }
        } else {
            unreachable!("every model has a dropout process");
        }
        out.first_purchase.push(first);
        out.lambda.push(lambda);
        out.dropout.push(dropout);
        out.death.push(death);
        out.nu.push(nu);
        out.x.push(x);
        out.t_x.push(last - first);
        out.t.push(end - first);
    }
    Ok(out)
}

fn beta(a: f64, b: f64) -> Result<Beta<f64>, SimError> {
    Beta::new(a, b).map_err(|e| SimError(format!("Beta({a}, {b}): {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::PurchaseModel;

    fn spec(model: SimModel, n: usize) -> SimSpec {
        SimSpec {
            model,
            spend: None,
            customers: n,
            cohort_length: 0.0,
            observation_end: 39.0,
            seed: 7,
        }
    }

    #[test]
    fn mean_repeat_purchases_match_the_closed_form() {
        // Everyone acquired at 0 and observed for 39 units: mean x estimates E[X(39)].
        let bg = BgNbd {
            r: 0.2426,
            alpha: 4.414,
            a: 0.7929,
            b: 2.426,
        };
        let mbg = MbgNbd {
            r: 0.5248,
            alpha: 6.183,
            a: 0.8914,
            b: 1.614,
        };
        let pn = ParetoNbd {
            r: 0.5533,
            alpha: 10.58,
            s: 0.6062,
            beta: 11.67,
        };
        let n = 200_000;
        for (model, want) in [
            (SimModel::BgNbd(bg), bg.expected_purchases_new(39.0)),
            (SimModel::MbgNbd(mbg), mbg.expected_purchases_new(39.0)),
            (SimModel::ParetoNbd(pn), pn.expected_purchases_new(39.0)),
        ] {
            let s = simulate(&spec(model, n)).unwrap();
            let mean = s.x.iter().sum::<f64>() / n as f64;
            let var = s.x.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n as f64;
            let se = (var / n as f64).sqrt();
            assert!(
                (mean - want).abs() < 4.0 * se,
                "{model:?}: mean {mean} vs {want} (se {se})"
            );
        }
    }

    #[test]
    fn seeded_and_consistent() {
        let bg = BgNbd {
            r: 0.5,
            alpha: 2.0,
            a: 0.8,
            b: 2.4,
        };
        let mut sp = spec(SimModel::BgNbd(bg), 1000);
        sp.cohort_length = 10.0;
        sp.spend = Some(SpendParams {
            p: 6.25,
            q: 3.74,
            gamma: 15.44,
        });
        let a = simulate(&sp).unwrap();
        let b = simulate(&sp).unwrap();
        assert_eq!(a.tx_time, b.tx_time);
        assert_eq!(a.tx_amount, b.tx_amount);
        assert_eq!(a.tx_time.len() as f64, a.x.iter().sum::<f64>() + 1000.0);
        for i in 0..1000 {
            assert!(a.t_x[i] <= a.t[i] && (a.x[i] > 0.0 || a.t_x[i] == 0.0));
        }
        assert!(a.tx_amount.iter().all(|v| *v >= 0.0));
    }
}
