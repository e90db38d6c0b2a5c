//! Ground truth by simulation: fitted parameters recover the truth, and the 95% intervals
//! cover it about 95% of the time.

use clvr::models::bgnbd::BgNbd;
use clvr::models::mbgnbd::MbgNbd;
use clvr::models::paretonbd::ParetoNbd;
use clvr::models::simulate::{SimModel, SimSpec, simulate};
use clvr::models::{FitOptions, FitResult, RfmPatterns};

/// CDNOW-like truth (the published estimates, weeks).
fn truths() -> Vec<(&'static str, SimModel, Vec<f64>)> {
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
    vec![
        ("BG/NBD", SimModel::BgNbd(bg), bg.to_vec()),
        ("MBG/NBD", SimModel::MbgNbd(mbg), mbg.to_vec()),
        ("Pareto/NBD", SimModel::ParetoNbd(pn), pn.to_vec()),
    ]
}

fn fit(model: &SimModel, d: &RfmPatterns) -> FitResult {
    let o = FitOptions::default();
    match model {
        SimModel::BgNbd(_) => BgNbd::fit(d, &o).unwrap().1,
        SimModel::MbgNbd(_) => MbgNbd::fit(d, &o).unwrap().1,
        SimModel::ParetoNbd(_) => ParetoNbd::fit(d, &o).unwrap().1,
    }
}

fn sample(model: SimModel, customers: usize, seed: u64) -> RfmPatterns {
    // A 12-week acquisition window observed to week 78, as CDNOW.
    let s = simulate(&SimSpec {
        model,
        spend: None,
        customers,
        cohort_length: 12.0,
        observation_end: 78.0,
        seed,
        events: None,
    })
    .unwrap();
    RfmPatterns::from_customers(&s.x, &s.t_x, &s.t, None).unwrap()
}

#[test]
fn parameter_recovery_at_100k_customers() {
    // One fixed seed per model (not searched for). With 12 intervals a 95% criterion fails
    // for some seed now and then by design; the coverage test below is the calibrated check.
    for (name, model, truth) in truths() {
        let f = fit(&model, &sample(model, 100_000, 20261123));
        assert!(f.converged, "{name}: {}", f.message);
        for (e, t) in f.estimates.iter().zip(&truth) {
            let (lo, hi) = (e.ci_low.unwrap(), e.ci_high.unwrap());
            assert!(
                lo <= *t && *t <= hi,
                "{name} {}: truth {t} outside [{lo}, {hi}] (estimate {})",
                e.name,
                e.value
            );
        }
    }
}

#[test]
fn ci_coverage_over_200_replications_of_2000_customers() {
    for (name, model, truth) in truths() {
        let mut covered = vec![0usize; truth.len()];
        let reps = 200;
        for rep in 0..reps {
            let f = fit(&model, &sample(model, 2_000, 1000 + rep));
            for (k, (e, t)) in f.estimates.iter().zip(&truth).enumerate() {
                if let (Some(lo), Some(hi)) = (e.ci_low, e.ci_high)
                    && lo <= *t
                    && *t <= hi
                {
                    covered[k] += 1;
                }
            }
        }
        for (k, c) in covered.iter().enumerate() {
            let rate = *c as f64 / reps as f64;
            eprintln!(
                "{name} parameter {k}: 95% CI covered the truth in {:.1}% of {reps}",
                100.0 * rate
            );
            assert!(
                (0.90..=0.99).contains(&rate),
                "{name} parameter {k}: coverage {rate}"
            );
        }
    }
}
