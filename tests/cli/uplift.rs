//! `clvr uplift` and `clvr simulate --experiment` end to end.

use std::path::{Path, PathBuf};

use crate::support::{Csv, clvr, scratch};

fn s(p: &Path) -> String {
    p.display().to_string()
}

/// Simulates an experiment; returns (transactions, assignments, the simulate report).
pub(crate) fn simulate(
    dir: &Path,
    seed: u64,
    customers: usize,
    extra: &[&str],
) -> (PathBuf, PathBuf, serde_json::Value) {
    let tx = dir.join("tx.csv");
    let asg = dir.join("assignments.csv");
    let seed = seed.to_string();
    let customers = customers.to_string();
    let mut args = vec![
        "simulate",
        "--model",
        "paretonbd",
        "--params",
        "r=2,alpha=10,s=4,beta=20",
        "--cohort-length",
        "4",
        "--observation-length",
        "40",
        "--assign-at",
        "6",
        "--seed",
        &seed,
        "--customers",
        &customers,
        "--json",
        "-q",
    ];
    args.extend_from_slice(extra);
    let (t, a) = (s(&tx), s(&asg));
    args.extend_from_slice(&["-o", &t, "--experiment", &a]);
    let run = clvr(&args).expect_code(0);
    (tx, asg, run.json())
}

#[test]
fn known_effect_is_recovered_with_cuped_and_segments() {
    let dir = scratch("uplift-effect");
    let (tx, asg, sim) = simulate(&dir, 2, 20_000, &["--treatment-effect", "0.25"]);
    let truth = sim["experiment"]["true_uplift"].as_f64().unwrap();
    assert!(truth > 0.05, "{sim}");
    let out = dir.join("report.json");
    let run = clvr(&[
        "uplift",
        "--assignments",
        &s(&asg),
        "--transactions",
        &s(&tx),
        "--control",
        "control",
        "--window",
        "90d",
        "--covariate",
        "pre_purchases",
        "--segment-by",
        "segment",
        "--json",
        "--output",
        &s(&out),
        "--plot",
        &s(&out.with_file_name("forest")),
    ])
    .expect_code(0);
    let j = run.json();
    // The forest plot: one row per variant and per segment, as PNG and SVG.
    let png = std::fs::read(out.with_file_name("forest.png")).unwrap();
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"));
    let svg = std::fs::read_to_string(out.with_file_name("forest.svg")).unwrap();
    for label in [
        "treatment (all)",
        "treatment: one_time",
        "treatment: repeat",
    ] {
        assert!(svg.contains(label), "{label}");
    }
    let from_file: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(from_file["comparisons"], j["comparisons"]);
    assert_eq!(j["srm"]["mismatch"], false);
    let u = &j["comparisons"][0]["retention_uplift"];
    let (est, lo, hi) = (
        u["estimate"].as_f64().unwrap(),
        u["lo"].as_f64().unwrap(),
        u["hi"].as_f64().unwrap(),
    );
    assert!(
        lo <= truth && truth <= hi,
        "truth {truth} outside [{lo}, {hi}]"
    );
    assert!(est > 0.0 && lo > 0.0, "sign: {u}");
    assert!(j["comparisons"][0]["p_value"].as_f64().unwrap() < 1e-6);
    // CUPED with the pre-period purchases reduces the variance.
    assert!(
        j["cuped"]["variance_reduction"].as_f64().unwrap() > 0.0,
        "{}",
        j["cuped"]
    );
    let cu = &j["comparisons"][0]["cuped"]["retention_uplift"];
    assert!(cu["hi"].as_f64().unwrap() - cu["lo"].as_f64().unwrap() < hi - lo);
    // Both segments, with BH-adjusted p-values.
    let segs = j["segments"].as_array().unwrap();
    assert_eq!(segs.len(), 2, "{segs:?}");
    assert!(
        segs.iter()
            .all(|g| g["p_value_bh"].as_f64().unwrap() >= g["p_value"].as_f64().unwrap())
    );
    assert!(
        j["comparisons"][0]["incremental_value"]["estimate"]
            .as_f64()
            .unwrap()
            > 0.0
    );
    assert_eq!(j["input"]["excluded_incomplete_window"], 0);
    // The text report.
    assert!(run.stderr.contains("srm        ok"), "{}", run.stderr);
    assert!(run.stderr.contains("treatment"), "{}", run.stderr);
}

#[test]
fn staggered_assignment_uses_each_customers_own_day() {
    let dir = scratch("uplift-staggered");
    // Assignment days from week 6 (1997-02-12) over 4 weeks; the purchase effect alone.
    let (tx, asg, sim) = simulate(
        &dir,
        4,
        3000,
        &["--assign-span", "4", "--purchase-effect", "1.5"],
    );
    let e = &sim["experiment"];
    assert_eq!(e["assigned_at"], "1997-02-12", "{e}");
    assert_eq!(e["assigned_until"], "1997-03-12", "{e}");
    assert_eq!(e["assign_span_days"], 28);
    assert_eq!(e["treatment_effect_on_purchases"], 1.5);
    // Every window ends by the data end (1997-10-07): the truth is over everyone, and the
    // purchase rate alone changes purchases more than retention.
    assert_eq!(e["complete_window"], 3000);
    assert_eq!(e["excluded_incomplete_window"], 0);
    assert!(
        e["truth_over"].as_str().unwrap().starts_with("all 3000"),
        "{e}"
    );
    let (du, dp) = (
        e["true_uplift"].as_f64().unwrap(),
        e["true_purchase_uplift"].as_f64().unwrap(),
    );
    assert!(du > 0.0 && dp > du, "{e}");
    let a = Csv::read(&asg);
    let mut days: Vec<&str> = a.column("assigned_at");
    days.sort_unstable();
    days.dedup();
    assert_eq!(days.len(), 29, "{days:?}");
    assert_eq!((days[0], days[28]), ("1997-02-12", "1997-03-12"));
    // segment: 2+ purchases up to the customer's own assignment day (ISO dates compare as
    // text).
    let t = Csv::read(&tx);
    let own: std::collections::HashMap<&str, &str> = a
        .column("customer_id")
        .into_iter()
        .zip(a.column("assigned_at"))
        .collect();
    let mut before: std::collections::HashMap<&str, usize> = Default::default();
    for (c, d) in t.column("customer_id").into_iter().zip(t.column("date")) {
        if d <= own[c] {
            *before.entry(c).or_default() += 1;
        }
    }
    for (c, seg) in a.column("customer_id").into_iter().zip(a.column("segment")) {
        let want = if before.get(c).copied().unwrap_or(0) >= 2 {
            "repeat"
        } else {
            "one_time"
        };
        assert_eq!(seg, want, "{c}");
    }
    // Assignment past the observation end, or no complete window at all: exit 2 with the fix.
    for (extra, needle) in [
        (
            &["--assign-at", "6", "--assign-span", "40"][..],
            "the assignment times [6, 46] must be within",
        ),
        (
            &["--assign-at", "38"][..],
            "no customer's 90-day outcome window ends by the data end 1997-10-07",
        ),
    ] {
        let (t, a) = (s(&dir.join("bad-tx.csv")), s(&dir.join("bad-a.csv")));
        let mut args = vec![
            "simulate",
            "--model",
            "paretonbd",
            "--cohort-length",
            "4",
            "--observation-length",
            "40",
            "--customers",
            "100",
            "-o",
            &t,
            "--experiment",
            &a,
        ];
        args.extend_from_slice(extra);
        let run = clvr(&args).expect_code(2);
        assert!(run.stderr.contains(needle), "{}", run.stderr);
        assert!(!dir.join("bad-tx.csv").exists());
    }
}

#[test]
fn a_52_48_split_is_flagged_as_sample_ratio_mismatch() {
    let dir = scratch("uplift-srm");
    let (tx, asg, _) = simulate(&dir, 5, 20_000, &["--split", "52,48"]);
    let run = clvr(&[
        "uplift",
        "--assignments",
        &s(&asg),
        "--transactions",
        &s(&tx),
        "--control",
        "control",
        "--expected-split",
        "50,50",
        "--json",
    ])
    .expect_code(0);
    let j = run.json();
    assert_eq!(j["srm"]["mismatch"], true, "{}", j["srm"]);
    assert!(j["srm"]["p_value"].as_f64().unwrap() < 0.001);
    assert!(
        run.stderr.starts_with("WARNING: SAMPLE RATIO MISMATCH"),
        "{}",
        run.stderr
    );
    // The same data against the planned 52/48 is fine.
    let run = clvr(&[
        "uplift",
        "--assignments",
        &s(&asg),
        "--transactions",
        &s(&tx),
        "--control",
        "control",
        "--expected-split",
        "control=52,treatment=48",
        "--json",
    ])
    .expect_code(0);
    assert_eq!(run.json()["srm"]["mismatch"], false);
}

#[test]
fn incomplete_windows_are_excluded_and_counted() {
    let dir = scratch("uplift-windows");
    let tx = dir.join("tx.csv");
    let asg = dir.join("a.csv");
    // Data end 2024-06-30. c5 and c6 are assigned too late for a 30-day window; c4 has
    // no transactions (not retained).
    std::fs::write(
        &tx,
        "customer_id,date,amount\nc1,2024-01-01,10\nc1,2024-01-10,20\nc2,2024-01-05,5\n\
         c3,2024-01-01,7\nc3,2024-01-20,8\nc3,2024-03-01,9\nc5,2024-06-20,1\nc6,2024-06-30,3\n",
    )
    .unwrap();
    std::fs::write(
        &asg,
        "customer_id,variant,assigned_at\nc1,B,2024-01-02\nc2,A,2024-01-02\nc3,B,2024-01-02\n\
         c4,A,2024-01-02\nc5,A,2024-06-10\nc6,B,2024-06-01\n",
    )
    .unwrap();
    let run = clvr(&[
        "uplift",
        "--assignments",
        &s(&asg),
        "--transactions",
        &s(&tx),
        "--control",
        "A",
        "--window",
        "30d",
        "--json",
    ])
    .expect_code(0);
    let j = run.json();
    assert_eq!(
        j["input"]["excluded_incomplete_window"], 2,
        "{}",
        j["input"]
    );
    assert_eq!(j["input"]["analysed"], 4);
    assert_eq!(j["input"]["without_transactions"], 1);
    let arms = j["arms"].as_array().unwrap();
    assert_eq!(arms[0]["variant"], "A");
    assert_eq!(arms[0]["retained"], 1); // c2 bought in the window, c4 never
    assert_eq!(arms[1]["retained"], 2); // c1 and c3 bought in the window
    assert_eq!(arms[1]["revenue_per_customer"], 14.0); // (20 + 8) / 2
    assert!(
        run.stderr.contains("2 excluded (window incomplete)"),
        "{}",
        run.stderr
    );
}

#[test]
fn bad_assignments_are_exit_2_errors_naming_the_problem() {
    let dir = scratch("uplift-bad");
    let tx = dir.join("tx.csv");
    std::fs::write(&tx, "customer_id,date\na,2024-01-01\nb,2024-05-01\n").unwrap();
    let cases: [(&str, &str, &[&str]); 3] = [
        (
            "customer_id,variant,assigned_at\na,ctl,2024-01-02\nb,t,2024-01-02\n",
            "control",
            &[
                "no customer is in the control variant 'control'",
                "variants present: ctl, t",
            ],
        ),
        (
            "customer_id,variant,assigned_at\na,control,2024-01-02\nb,t,2024-01-02\na,t,2024-01-03\n",
            "control",
            &["row 3 (line 4)", "customer 'a' is listed twice"],
        ),
        (
            "customer_id,variant,assigned_at\na,control,2024-01-02\nb,t,2024-02-31\n",
            "control",
            &[
                "row 2 (line 3)",
                "column 'assigned_at'",
                "'2024-02-31' is not a date",
            ],
        ),
    ];
    for (i, (table, control, needles)) in cases.iter().enumerate() {
        let asg = dir.join(format!("a{i}.csv"));
        std::fs::write(&asg, table).unwrap();
        let run = clvr(&[
            "uplift",
            "--assignments",
            &s(&asg),
            "--transactions",
            &s(&tx),
            "--control",
            control,
            "--window",
            "30d",
        ])
        .expect_code(2);
        for n in *needles {
            assert!(
                run.stderr.contains(n),
                "case {i}: no '{n}' in\n{}",
                run.stderr
            );
        }
    }
}

#[test]
fn plan_gives_sample_size_and_mde() {
    let j = clvr(&[
        "uplift",
        "plan",
        "--baseline-rate",
        "0.1",
        "--mde",
        "0.02",
        "--json",
        "-q",
    ])
    .expect_code(0)
    .json();
    let n = j["n_per_arm"].as_u64().unwrap();
    assert!((3830..=3850).contains(&n), "{j}");
    // statsmodels 0.15.0: samplesize_proportions_2indep_onetail(diff=0.02, prop2=0.10,
    // power=0.8, ratio=1, alpha=0.05, alternative="two-sided") = 3840.847…, rounded up.
    assert_eq!(n, 3841, "{j}");
    let j = clvr(&[
        "uplift",
        "plan",
        "--baseline-rate",
        "0.1",
        "--n-per-arm",
        &n.to_string(),
        "--json",
        "-q",
    ])
    .expect_code(0)
    .json();
    assert!((j["mde"].as_f64().unwrap() - 0.02).abs() < 1e-3, "{j}");
    clvr(&["uplift", "plan", "--baseline-rate", "1.5", "--mde", "0.02"]).expect_code(2);
}

/// A log without amounts is analysed: retention and purchases are compared, revenue is not
/// (null, said on stderr), and there is no revenue-based value per retained customer
/// unless one is given.
#[test]
fn a_log_without_amounts_compares_retention_and_purchases_only() {
    let dir = scratch("uplift-no-amounts");
    let (tx, asg, _) = simulate(&dir, 3, 4_000, &["--treatment-effect", "0.5"]);
    let text = std::fs::read_to_string(&tx).unwrap();
    let plain: String = text
        .lines()
        .map(|l| {
            let mut f = l.split(',');
            format!("{},{}\n", f.next().unwrap(), f.next().unwrap())
        })
        .collect();
    assert!(plain.starts_with("customer_id,date\n"), "{}", &plain[..40]);
    let plain_tx = dir.join("tx_no_amounts.csv");
    std::fs::write(&plain_tx, plain).unwrap();
    let args = |extra: &[&str]| -> Vec<String> {
        let mut v: Vec<String> = [
            "uplift",
            "--assignments",
            &s(&asg),
            "--transactions",
            &s(&plain_tx),
            "--control",
            "control",
            "--json",
        ]
        .iter()
        .map(|a| a.to_string())
        .collect();
        v.extend(extra.iter().map(|a| a.to_string()));
        v
    };
    let a = args(&[]);
    let run = clvr(&a.iter().map(String::as_str).collect::<Vec<_>>()).expect_code(0);
    let j = run.json();
    let c = &j["comparisons"][0];
    assert!(c["revenue"].is_null(), "{c}");
    assert!(c["purchases"]["diff"].as_f64().unwrap() > 0.0, "{c}");
    assert!(c["incremental_value"].is_null(), "{c}");
    assert!(j["value_per_retained"].is_null());
    assert!(j["value_source"].as_str().unwrap().contains("no amounts"));
    assert_eq!(j["has_revenue"], false);
    assert!(
        run.stderr.contains("the log has no amounts"),
        "{}",
        run.stderr
    );
    // With a value per retained customer, the incremental value is back.
    let a = args(&["--value-per-retained", "80"]);
    let j = clvr(&a.iter().map(String::as_str).collect::<Vec<_>>())
        .expect_code(0)
        .json();
    let v = &j["comparisons"][0]["incremental_value"];
    let uplift = j["comparisons"][0]["retention_uplift"]["estimate"]
        .as_f64()
        .unwrap();
    let treated = j["arms"][1]["n"].as_f64().unwrap();
    assert!((v["estimate"].as_f64().unwrap() - uplift * treated * 80.0).abs() < 1e-6);
}
