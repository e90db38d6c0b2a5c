//! Stress inputs never give NaN, infinity or a panic; failures come back as typed errors.

use clvr::models::bgnbd::BgNbd;
use clvr::models::mbgnbd::MbgNbd;
use clvr::models::paretonbd::ParetoNbd;
use clvr::models::{FitError, FitOptions, PurchaseModel, RfmPatterns};
use proptest::prelude::*;

fn models() -> Vec<(&'static str, Box<dyn PurchaseModel>)> {
    vec![
        (
            "BG/NBD",
            Box::new(BgNbd {
                r: 0.2426,
                alpha: 4.414,
                a: 0.7929,
                b: 2.426,
            }),
        ),
        (
            "MBG/NBD",
            Box::new(MbgNbd {
                r: 0.5248,
                alpha: 6.183,
                a: 0.8914,
                b: 1.614,
            }),
        ),
        (
            "Pareto/NBD",
            Box::new(ParetoNbd {
                r: 0.5533,
                alpha: 10.58,
                s: 0.6062,
                beta: 11.67,
            }),
        ),
        // a > 1 and a + b < 1 corners of the BG family
        (
            "BG/NBD a>1",
            Box::new(BgNbd {
                r: 1.5,
                alpha: 0.3,
                a: 1.7,
                b: 0.4,
            }),
        ),
        (
            "BG/NBD a+b<1",
            Box::new(BgNbd {
                r: 0.3,
                alpha: 2.0,
                a: 0.4,
                b: 0.3,
            }),
        ),
    ]
}

/// (x, t_x, T): heavy buyers, t_x = T, tiny and huge ages, one-time buyers.
const STRESS: [(f64, f64, f64); 10] = [
    (0.0, 0.0, 0.0),
    (10_000.0, 70.0, 78.0),
    (10_000.0, 1e4, 1e4),
    (3.0, 38.86, 38.86),
    (0.0, 0.0, 1e-6),
    (1.0, 1e-6, 1e-6),
    (0.0, 0.0, 1e4),
    (50.0, 9_000.0, 1e4),
    (1.0, 1.0, 1e4),
    (0.0, 0.0, 38.86),
];
const HORIZONS: [f64; 6] = [1e-6, 1.0, 39.0, 520.0, 1e3, 1e4];

#[test]
fn predictions_stay_finite_and_in_range_on_stress_inputs() {
    for (name, m) in models() {
        for (x, tx, t) in STRESS {
            let pa = m.p_alive(x, tx, t);
            assert!(
                (0.0..=1.0).contains(&pa),
                "{name} P(alive) {pa} at {x},{tx},{t}"
            );
            let mut prev = 0.0;
            for h in HORIZONS {
                let e = m.conditional_expected_purchases(h, x, tx, t);
                assert!(
                    e.is_finite() && e >= 0.0,
                    "{name} E[Y({h})] = {e} at {x},{tx},{t}"
                );
                assert!(
                    e >= prev * (1.0 - 1e-12),
                    "{name} E[Y] decreases at h = {h}: {prev} -> {e}"
                );
                prev = e;
                let q = m.p_no_purchase(h, x, tx, t);
                assert!(
                    (0.0..=1.0).contains(&q),
                    "{name} P(no purchase in {h}) = {q}"
                );
            }
        }
        for h in HORIZONS {
            let e = m.expected_purchases_new(h);
            assert!(e.is_finite() && e >= 0.0, "{name} E[X({h})] = {e}");
            for n in [0, 1, 5, 100] {
                let p = m.p_purchases_new(n, h);
                assert!((0.0..=1.0).contains(&p), "{name} P(X({h}) = {n}) = {p}");
            }
        }
    }
}

#[test]
fn likelihoods_stay_finite_on_stress_inputs() {
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
    for (x, tx, t) in STRESS {
        for (name, ll) in [
            ("BG/NBD", bg.log_likelihood_one(x, tx, t)),
            ("MBG/NBD", mbg.log_likelihood_one(x, tx, t)),
            ("Pareto/NBD", pn.log_likelihood_one(x, tx, t)),
        ] {
            // A density, so it may be positive; it must be finite.
            assert!(ll.is_finite(), "{name} LL {ll} at {x},{tx},{t}");
        }
    }
}

#[test]
fn impossible_fits_are_typed_errors() {
    let o = FitOptions::default();
    let one_timers =
        RfmPatterns::from_customers(&[0.0; 50], &[0.0; 50], &[10.0; 50], None).unwrap();
    assert!(matches!(
        BgNbd::fit(&one_timers, &o),
        Err(FitError::NoRepeatBuyers { .. })
    ));
    assert!(matches!(
        ParetoNbd::fit(&one_timers, &o),
        Err(FitError::NoRepeatBuyers { .. })
    ));
    let single = RfmPatterns::from_customers(&[2.0], &[5.0], &[10.0], None).unwrap();
    assert!(matches!(
        MbgNbd::fit(&single, &o),
        Err(FitError::TooFewCustomers { .. })
    ));
}

#[test]
fn identical_customers_fit_without_panicking_and_say_whether_they_converged() {
    // 500 copies of one customer: the parameters are not identified. The fit must come back
    // (no panic, no NaN estimates) and report convergence honestly.
    let d = RfmPatterns::from_customers(&[3.0; 500], &[20.0; 500], &[30.0; 500], None).unwrap();
    for fit in [
        BgNbd::fit(&d, &FitOptions::default()).map(|f| f.1),
        ParetoNbd::fit(&d, &FitOptions::default()).map(|f| f.1),
    ] {
        let fit = fit.unwrap();
        assert!(
            fit.estimates
                .iter()
                .all(|e| e.value.is_finite() && e.value > 0.0)
        );
        assert!(fit.log_likelihood.is_finite());
        if !fit.converged {
            assert!(!fit.message.is_empty());
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn p_alive_is_a_probability_and_expectations_grow_with_the_horizon(
        r in 0.05f64..5.0, alpha in 0.1f64..50.0, a in 0.1f64..5.0, b in 0.1f64..10.0,
        s in 0.1f64..5.0, beta in 0.1f64..50.0,
        x in 0u32..200, frac in 0.0f64..=1.0, t in 0.01f64..500.0,
        h1 in 0.0f64..300.0, dh in 0.0f64..300.0,
    ) {
        let xf = f64::from(x);
        let tx = if x == 0 { 0.0 } else { frac * t };
        let ms: [Box<dyn PurchaseModel>; 3] = [
            Box::new(BgNbd { r, alpha, a, b }),
            Box::new(MbgNbd { r, alpha, a, b }),
            Box::new(ParetoNbd { r, alpha, s, beta }),
        ];
        for m in ms.iter() {
            let pa = m.p_alive(xf, tx, t);
            prop_assert!((0.0..=1.0).contains(&pa), "P(alive) {}", pa);
            let e1 = m.conditional_expected_purchases(h1, xf, tx, t);
            let e2 = m.conditional_expected_purchases(h1 + dh, xf, tx, t);
            prop_assert!(e1.is_finite() && e1 >= 0.0, "E[Y] {}", e1);
            prop_assert!(e2 >= e1 * (1.0 - 1e-9) - 1e-12, "E[Y] not non-decreasing: {} -> {}", e1, e2);
        }
    }
}
