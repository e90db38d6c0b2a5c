//! Coverage of `clvr uplift` on experiments simulated by `clvr simulate --experiment`: the
//! real binaries end to end, 200 seeds, a fixed known effect. Checked: the 95% interval of the
//! retention uplift covers the truth in 92–98% of runs; the CUPED-adjusted estimate
//! (`--covariate pre_purchases`) is unbiased and varies less across runs than the
//! unadjusted one; and a 52/48 split is flagged as a sample ratio mismatch.

use std::path::Path;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use crate::support::{clvr, scratch};

/// Simulated experiments.
const RUNS: u64 = 200;
/// Customers per experiment: 4,000 keeps the 200 simulate + uplift pairs (about 0.1 s a
/// pair) well under a minute on a busy 2-core machine, and the standard error of the
/// uplift (about 0.011) well below the effect (about 0.025).
const CUSTOMERS: &str = "4000";
/// Worker threads running the pairs (each pair is two processes, one after the other).
const THREADS: usize = 4;

fn s(p: &Path) -> String {
    p.display().to_string()
}

/// The fixed experiment: Pareto/NBD customers at the CDNOW estimates (weeks) acquired over
/// 12 weeks and observed for 78; assignment days spread over weeks 39 to 69 (the 90-day
/// windows of the customers assigned after day 455 end after the data end, day 545, and are
/// left out by both the truth and the analysis); treatment multiplies the dropout rate by
/// 0.6 and the purchase rate by 1.3.
fn simulate(dir: &Path, seed: u64, extra: &[&str]) -> (String, String, serde_json::Value) {
    let (tx, asg) = (s(&dir.join("tx.csv")), s(&dir.join("assignments.csv")));
    let seed = seed.to_string();
    let mut args = vec![
        "simulate",
        "--model",
        "paretonbd",
        "--cohort-length",
        "12",
        "--observation-length",
        "78",
        "--assign-at",
        "39",
        "--assign-span",
        "30",
        "--treatment-effect",
        "0.6",
        "--purchase-effect",
        "1.3",
        "--seed",
        &seed,
        "--json",
        "-q",
        "-o",
        &tx,
        "--experiment",
        &asg,
    ];
    args.extend_from_slice(extra);
    let report = clvr(&args).expect_code(0).json();
    (tx, asg, report)
}

/// One run's numbers.
struct Outcome {
    truth: f64,
    estimate: f64,
    lo: f64,
    hi: f64,
    cuped: f64,
    purchase_truth: f64,
    purchase_lo: f64,
    purchase_hi: f64,
}

fn one_run(seed: u64) -> Outcome {
    let dir = scratch(&format!("coverage-{seed}"));
    let (tx, asg, sim) = simulate(&dir, seed, &["--customers", CUSTOMERS]);
    let e = &sim["experiment"];
    let data_end = e["data_end"].as_str().unwrap().to_string();
    let j = clvr(&[
        "uplift",
        "--assignments",
        &asg,
        "--transactions",
        &tx,
        "--control",
        "control",
        "--window",
        "90d",
        "--data-end",
        &data_end,
        "--covariate",
        "pre_purchases",
        "--json",
        "-q",
    ])
    .expect_code(0)
    .json();
    // The analysis and the truth are over the same customers: those with a complete window.
    assert_eq!(j["input"]["analysed"], e["complete_window"], "seed {seed}");
    assert_eq!(
        j["input"]["excluded_incomplete_window"], e["excluded_incomplete_window"],
        "seed {seed}"
    );
    let _ = std::fs::remove_dir_all(&dir);
    let c = &j["comparisons"][0];
    let f = |v: &serde_json::Value| v.as_f64().unwrap_or_else(|| panic!("seed {seed}: {v}"));
    Outcome {
        // Which truth the interval should cover: the truth of this sample, the mean over
        // the analysed customers of p_treated − p_control (each customer's P(≥ 1 purchase
        // in the window) with and without treatment given their latent rates and their
        // state at assignment), which is what the simulator's report gives. Randomisation
        // is independent of the latent rates, so given the sample the estimate is centred
        // on exactly this number; the Newcombe interval's Bernoulli variances are exact
        // for it up to a term Var(p_treated − p_control) / n that is orders of magnitude
        // smaller here. The population uplift (the same mean under the Gamma mixing
        // distributions) would need a numerical integration the simulator does not do, and
        // it differs from the sample's by that small term; it would not include the
        // exclusion of incomplete windows, which `clvr uplift` applies to this sample.
        truth: f(&e["true_uplift"]),
        estimate: f(&c["retention_uplift"]["estimate"]),
        lo: f(&c["retention_uplift"]["lo"]),
        hi: f(&c["retention_uplift"]["hi"]),
        cuped: f(&c["cuped"]["retention_uplift"]["diff"]),
        purchase_truth: f(&e["true_purchase_uplift"]),
        purchase_lo: f(&c["purchases"]["lo"]),
        purchase_hi: f(&c["purchases"]["hi"]),
    }
}

fn mean_sd(v: &[f64]) -> (f64, f64) {
    let n = v.len() as f64;
    let m = v.iter().sum::<f64>() / n;
    let var = v.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / (n - 1.0);
    (m, var.sqrt())
}

#[test]
fn retention_intervals_cover_the_truth_and_cuped_is_unbiased_and_tighter() {
    let started = Instant::now();
    let next = AtomicU64::new(0);
    let results = Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..THREADS {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= RUNS {
                        break;
                    }
                    let o = one_run(1000 + i);
                    results.lock().unwrap().push(o);
                }
            });
        }
    });
    let runs = results.into_inner().unwrap();
    assert_eq!(runs.len() as u64, RUNS);
    let n = runs.len() as f64;
    let covered = runs
        .iter()
        .filter(|o| o.lo <= o.truth && o.truth <= o.hi)
        .count();
    let purchases_covered = runs
        .iter()
        .filter(|o| o.purchase_lo <= o.purchase_truth && o.purchase_truth <= o.purchase_hi)
        .count();
    let plain: Vec<f64> = runs.iter().map(|o| o.estimate - o.truth).collect();
    let adjusted: Vec<f64> = runs.iter().map(|o| o.cuped - o.truth).collect();
    let (plain_mean, plain_sd) = mean_sd(&plain);
    let (cuped_mean, cuped_sd) = mean_sd(&adjusted);
    let truths: Vec<f64> = runs.iter().map(|o| o.truth).collect();
    let (truth_mean, truth_sd) = mean_sd(&truths);
    // The standard error the intervals imply (half-width / 1.96), against the errors' sd.
    let implied_se = runs
        .iter()
        .map(|o| (o.hi - o.lo) / (2.0 * 1.96))
        .sum::<f64>()
        / n;
    eprintln!(
        "uplift coverage: {covered}/{RUNS} retention intervals cover the truth ({:.1}%), \
         {purchases_covered}/{RUNS} purchase intervals; truth {truth_mean:.4} (sd across runs \
         {truth_sd:.4}); error mean {plain_mean:+.5} sd {plain_sd:.5} unadjusted, \
         {cuped_mean:+.5} sd {cuped_sd:.5} CUPED (interval-implied se {implied_se:.5}); \
         {:.1} s",
        100.0 * covered as f64 / n,
        started.elapsed().as_secs_f64()
    );
    // Coverage of the 95% Newcombe interval: 92–98% (about ±2 binomial sd at 200 runs).
    assert!(
        (184..=196).contains(&covered),
        "{covered}/{RUNS} intervals cover the truth"
    );
    // The Welch interval of purchases per customer against the true purchase effect.
    assert!(
        (180..=198).contains(&purchases_covered),
        "{purchases_covered}/{RUNS} purchase intervals cover the truth"
    );
    // Both estimates are unbiased: mean error within 3 standard errors of 0.
    for (name, m, sd) in [
        ("unadjusted", plain_mean, plain_sd),
        ("CUPED", cuped_mean, cuped_sd),
    ] {
        let se = sd / n.sqrt();
        assert!(
            m.abs() < 3.0 * se,
            "{name}: mean error {m} (se {se}) across {RUNS} runs"
        );
    }
    // CUPED's estimate varies less across runs than the unadjusted one.
    assert!(
        cuped_sd < plain_sd,
        "CUPED sd {cuped_sd} vs unadjusted {plain_sd}"
    );
}

/// 40,000 customers (about 35,000 with a complete window): the z statistic of a 52/48
/// split against 50/50 is about 7.4 in expectation, so the p < 0.001 cut (|z| > 3.29) is
/// missed with a chance of about 1e-5, whatever the random stream of the seed (with 20,000,
/// one seed in 40 missed it).
#[test]
fn a_52_48_split_of_40k_customers_fails_the_srm_check() {
    let dir = scratch("coverage-srm");
    let (tx, asg, sim) = simulate(&dir, 7, &["--customers", "40000", "--split", "52,48"]);
    let sizes = &sim["experiment"]["customers_per_variant"];
    let j = clvr(&[
        "uplift",
        "--assignments",
        &asg,
        "--transactions",
        &tx,
        "--control",
        "control",
        "--window",
        "90d",
        "--data-end",
        sim["experiment"]["data_end"].as_str().unwrap(),
        "--json",
        "-q",
    ])
    .expect_code(0)
    .json();
    // The planned split is the default, equal shares.
    assert_eq!(j["srm"]["mismatch"], true, "{} {sizes}", j["srm"]);
    assert!(
        j["srm"]["p_value"].as_f64().unwrap() < 0.001,
        "{}",
        j["srm"]
    );
}
