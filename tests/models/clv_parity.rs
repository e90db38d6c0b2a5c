//! Per-customer parity with the `lifetimes` package (0.11.3): the same parameters must give
//! the same P(alive), E[Y(39)], expected spend and 12-month CLV. The reference numbers and
//! how they were made are in `tests/data/README.md`.

use clvr::models::PurchaseModel;
use clvr::models::bgnbd::BgNbd;
use clvr::models::gamma_gamma::GammaGamma;
use clvr::score::{ClvSettings, WEEKS_PER_MONTH, score_patterns};

use crate::support::read_csv;

#[test]
fn clv_matches_lifetimes_for_every_cdnow_customer() {
    // lifetimes' fitted parameters, full precision (tests/data/README.md).
    let bg = BgNbd {
        r: 0.24259292827982148,
        alpha: 4.413532265271809,
        a: 0.7928859664406578,
        b: 2.4257523826257374,
    };
    let gg = GammaGamma::from_slice(&[6.24880249607099, 3.7445884609237634, 15.447748064943575]);
    let (h, c) = read_csv("tests/data/lifetimes_clv_reference.csv");
    let col = |name: &str| &c[h.iter().position(|x| x == name).unwrap()];
    let (x, tx, t, zbar) = (col("x"), col("t_x"), col("T"), col("zbar"));
    assert_eq!(x.len(), 2357);
    // Configured as lifetimes: weeks, monthly steps of 4.345 weeks, 12 steps, 1% a month, margin 1.
    let settings = ClvSettings {
        horizon: 12.0 * WEEKS_PER_MONTH,
        step: WEEKS_PER_MONTH,
        discount_rate: 0.01,
        margin: 1.0,
    };
    let scores = score_patterns(&bg, x, tx, t, &settings);
    let rel = |a: f64, b: f64| (a - b).abs() / b.abs().max(1e-300);
    let mut worst = [0.0f64; 4];
    for i in 0..x.len() {
        let spend = gg
            .conditional_expected_average_spend(x[i], zbar[i])
            .unwrap();
        let clv = scores[i].discounted_purchases * spend * settings.margin;
        let checks = [
            rel(spend, col("expected_avg_spend")[i]),
            rel(clv, col("clv_12m")[i]),
            rel(
                bg.conditional_expected_purchases(39.0, x[i], tx[i], t[i]),
                col("expected_purchases_39")[i],
            ),
            rel(bg.p_alive(x[i], tx[i], t[i]), col("p_alive")[i]),
        ];
        for (w, v) in worst.iter_mut().zip(checks) {
            *w = w.max(v);
        }
        assert!(
            checks[1] < 1e-6,
            "customer {}: CLV {clv} vs lifetimes {}",
            i + 1,
            col("clv_12m")[i]
        );
    }
    eprintln!(
        "max relative differences: spend {:.1e}, CLV {:.1e}, E[Y(39)] {:.1e}, P(alive) {:.1e}",
        worst[0], worst[1], worst[2], worst[3]
    );
    assert!(worst.iter().all(|w| *w < 1e-6), "{worst:?}");
}
