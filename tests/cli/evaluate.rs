//! `clvr evaluate`: holdout evaluation on CDNOW, against the published BG/NBD forecast and
//! against counts taken straight from the log.

use std::collections::HashSet;

use serde_json::Value;

use crate::support::*;

/// The 1/10 CDNOW sample of the papers (2,357 customers). The published holdout figures
/// (1,653 predicted against 1,882 actual) are for this sample, not for the full
/// `CDNOW_master.txt` cohort (23,570 customers, 19,684 actual holdout transactions).
const SAMPLE: [&str; 8] = [
    "--transactions",
    "datasets/cdnow/CDNOW_sample.txt",
    "--no-header",
    "--customer-col",
    "2",
    "--date-col",
    "3",
    "--amount-col",
];

fn args(extra: &[&str]) -> Vec<String> {
    let mut a: Vec<String> = vec!["evaluate".into()];
    a.extend(SAMPLE.iter().map(|s| s.to_string()));
    a.push("5".into());
    a.extend(extra.iter().map(|s| s.to_string()));
    a
}

fn evaluate(extra: &[&str]) -> Run {
    clvr(&args(extra))
}

const SPLIT: [&str; 4] = [
    "--calibration-end",
    "1997-09-30",
    "--observation-end",
    "1998-06-30",
];

fn f(v: &Value) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("{v} is not a number"))
}

fn model<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["models"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["model"] == name)
        .unwrap_or_else(|| panic!("no model {name}"))
}

/// Repeat transactions counted from the raw text, with no clvr code: a transaction is a
/// distinct (customer, day); every customer's first one is not a repeat.
fn repeat_transactions_in_the_raw_file() -> usize {
    let text = std::fs::read_to_string(repo_file("datasets/cdnow/CDNOW_sample.txt")).unwrap();
    let mut days = HashSet::new();
    let mut customers = HashSet::new();
    for line in text.lines() {
        let cols: Vec<&str> = line.split_whitespace().collect();
        if cols.len() < 5 {
            continue;
        }
        days.insert((cols[1].to_string(), cols[2].to_string()));
        customers.insert(cols[1].to_string());
    }
    days.len() - customers.len()
}

#[test]
fn cdnow_holdout_reproduces_the_published_bgnbd_forecast() {
    let dir = scratch("evaluate-cdnow");
    let out = dir.join("report.json");
    let j = evaluate(
        &[
            &SPLIT[..],
            &[
                "--purchase-model",
                "bgnbd,paretonbd,mbgnbd",
                "--time-unit",
                "week",
                "--json",
                "-q",
                "--output",
                out.to_str().unwrap(),
            ],
        ]
        .concat(),
    )
    .expect_code(0)
    .json();
    assert_eq!(j["command"], "evaluate");
    assert_eq!(j["mode"], "fit");
    assert_eq!(j["customers"], 2357);
    assert_eq!(f(&j["holdout_duration"]), 39.0);
    // The --output file holds the same report (written atomically, no temp file left).
    let written: Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(written["models"], j["models"]);
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1);

    // FHL 2005: BG/NBD predicts 1,653 repeat transactions in weeks 40-78 against 1,882.
    let bg = model(&j, "bgnbd");
    let p = &bg["purchases"];
    assert!(
        (f(&p["predicted_total"]) - 1653.0).abs() <= 1.0,
        "BG/NBD holdout total {}",
        p["predicted_total"]
    );
    assert_eq!(f(&p["actual_total"]), 1882.0);
    assert_eq!(f(&j["holdout_repeat_transactions"]), 1882.0);

    let names: Vec<&str> = j["models"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["model"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["bgnbd", "paretonbd", "mbgnbd"]);
    let log_end_repeats = repeat_transactions_in_the_raw_file();
    assert_eq!(log_end_repeats, 6696 - 2357);
    for m in j["models"].as_array().unwrap() {
        let p = &m["purchases"];
        let (pred, act) = (f(&p["predicted_total"]), f(&p["actual_total"]));
        assert!(f(&p["rmse"]) >= f(&p["mae"]) && f(&p["mae"]) > 0.0);
        // The by-frequency table partitions the customers and sums to the totals.
        let bins = p["by_frequency"].as_array().unwrap();
        assert_eq!(bins.len(), 8);
        assert_eq!(bins[7]["label"], "7+");
        let n: u64 = bins.iter().map(|b| b["customers"].as_u64().unwrap()).sum();
        assert_eq!(n, 2357);
        let bp: f64 = bins.iter().map(|b| f(&b["predicted_total"])).sum();
        let ba: f64 = bins.iter().map(|b| f(&b["actual_total"])).sum();
        assert!((bp - pred).abs() < 1e-9 * pred, "{bp} vs {pred}");
        assert_eq!(ba, act);
        // Means times customers give the same totals.
        let from_means: f64 = bins
            .iter()
            .map(|b| f(&b["actual_mean"]) * b["customers"].as_u64().unwrap() as f64)
            .sum();
        assert!((from_means - act).abs() < 1e-9 * act);

        // Tracking: 78 weeks, the last cumulative actual is every repeat transaction in the
        // log, and at the calibration end it is the calibration total.
        let tr = m["tracking"].as_array().unwrap();
        assert_eq!(tr.len(), 78);
        assert_eq!(tr[38]["end"], "1997-09-30");
        assert_eq!(tr[38]["holdout"], false);
        assert_eq!(tr[39]["holdout"], true);
        assert_eq!(f(&tr[38]["actual_cumulative"]), 2457.0);
        assert_eq!(f(&tr[77]["actual_cumulative"]), log_end_repeats as f64);
        let weekly: f64 = tr.iter().map(|w| f(&w["actual"])).sum();
        assert_eq!(weekly, log_end_repeats as f64);
        let inc: f64 = tr.iter().map(|w| f(&w["expected"])).sum();
        assert!((inc - f(&tr[77]["expected_cumulative"])).abs() < 1e-6);

        // Value: undiscounted, ranks and captures in range, deciles partition the customers.
        let v = &m["value"];
        assert!(v["definition"].as_str().unwrap().contains("no discounting"));
        let rho = f(&v["spearman"]);
        assert!(rho > 0.2 && rho < 1.0, "Spearman {rho}");
        let (c10, c20) = (f(&v["capture"][0]["share"]), f(&v["capture"][1]["share"]));
        assert!(c10 > 0.1 && c10 <= c20 && c20 <= f(&v["capture"][1]["perfect_share"]));
        let deciles = v["deciles"].as_array().unwrap();
        assert_eq!(deciles.len(), 10);
        let dn: u64 = deciles
            .iter()
            .map(|d| d["customers"].as_u64().unwrap())
            .sum();
        assert_eq!(dn, 2357);
        let share: f64 = deciles.iter().map(|d| f(&d["actual_share"])).sum();
        assert!((share - 1.0).abs() < 1e-9);
        // The calibration fit's expected customers sum to the customers.
        let cal: f64 = m["calibration_fit"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| f(&b["expected"]))
            .sum();
        assert!((cal - 2357.0).abs() < 1e-6);
    }
    // Actual holdout spend: the sample's total in the holdout.
    assert!(f(&j["holdout_spend"]) > 0.0);
    let rec = &j["recommendation"];
    assert!(["bgnbd", "paretonbd", "mbgnbd"].contains(&rec["by_holdout"].as_str().unwrap()));
    assert!(rec["rule"].as_str().unwrap().contains("RMSE"));
    assert!(!rec["reason"].as_str().unwrap().is_empty());
    std::fs::remove_dir_all(dir).unwrap();
}

/// The tracking counts agree with `clvr summarize` on the same log.
#[test]
fn tracking_total_matches_summarize() {
    let dir = scratch("evaluate-summarize");
    let mut a: Vec<String> = vec!["summarize".into()];
    a.extend(SAMPLE.iter().map(|s| s.to_string()));
    a.extend(
        ["5", "--json", "-q", "--output"]
            .iter()
            .map(|s| s.to_string()),
    );
    a.push(dir.join("s.csv").to_str().unwrap().into());
    a.extend(SPLIT.iter().map(|s| s.to_string()));
    let s = clvr(&a).expect_code(0).json();
    let total = s["summary"]["repeat_transactions"].as_u64().unwrap()
        + s["summary"]["holdout"]["repeat_transactions"]
            .as_u64()
            .unwrap();
    let j = evaluate(&[&SPLIT[..], &["--json", "-q"]].concat())
        .expect_code(0)
        .json();
    let tr = model(&j, "bgnbd")["tracking"].as_array().unwrap().clone();
    assert_eq!(f(&tr.last().unwrap()["actual_cumulative"]), total as f64);
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_model_file_trained_to_the_calibration_end_gives_the_same_holdout() {
    let dir = scratch("evaluate-model");
    let reg = dir.join("models");
    let mut t: Vec<String> = vec![
        "train".into(),
        "--name".into(),
        "cdnow".into(),
        "--registry".into(),
        reg.to_str().unwrap().into(),
        "-q".into(),
    ];
    t.extend(SAMPLE.iter().map(|s| s.to_string()));
    t.push("5".into());
    t.extend(SPLIT.iter().map(|s| s.to_string()));
    clvr(&t).expect_code(0);

    let fitted = evaluate(&[&SPLIT[..], &["--json", "-q"]].concat())
        .expect_code(0)
        .json();
    let from_file = evaluate(&[
        "--model",
        "cdnow",
        "--registry",
        reg.to_str().unwrap(),
        "--observation-end",
        "1998-06-30",
        "--json",
        "-q",
    ])
    .expect_code(0)
    .json();
    assert_eq!(from_file["mode"], "model_file");
    assert_eq!(from_file["model_file"], "cdnow@1");
    assert_eq!(from_file["calibration_end"], "1997-09-30");
    let (a, b) = (
        &model(&fitted, "bgnbd")["purchases"],
        &model(&from_file, "bgnbd")["purchases"],
    );
    let (pa, pb) = (f(&a["predicted_total"]), f(&b["predicted_total"]));
    assert!((pa - pb).abs() <= 1e-9 * pa, "{pa} vs {pb}");
    assert!((pb - 1653.0).abs() <= 1.0);
    assert_eq!(a["actual_total"], b["actual_total"]);
    assert_eq!(a["by_frequency"], b["by_frequency"]);
    // The spend model comes from the file too.
    let (va, vb) = (
        f(&model(&fitted, "bgnbd")["value"]["predicted_total"]),
        f(&model(&from_file, "bgnbd")["value"]["predicted_total"]),
    );
    assert!((va - vb).abs() <= 1e-9 * va);

    // A model trained on all the data has no holdout in the same log.
    t[2] = "full".into();
    t.truncate(t.len() - SPLIT.len());
    clvr(&t).expect_code(0);
    let r = evaluate(&[
        "--model",
        "full",
        "--registry",
        reg.to_str().unwrap(),
        "--json",
    ])
    .expect_code(2);
    assert!(r.stderr.contains("no holdout"), "{}", r.stderr);
    assert!(r.stderr.contains("full@1"), "{}", r.stderr);
    assert_eq!(r.json()["exit_code"], 2);
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn clear_errors_without_a_holdout() {
    // Calibration end on or after the last transaction.
    for end in ["1998-06-30", "1998-12-31"] {
        let r = evaluate(&["--calibration-end", end]).expect_code(2);
        assert!(r.stderr.contains("no holdout"), "{}", r.stderr);
        assert!(
            r.stderr.contains("earlier --calibration-end"),
            "{}",
            r.stderr
        );
    }
    // Before the first transaction.
    let r = evaluate(&["--calibration-end", "1996-12-31"]).expect_code(2);
    assert!(
        r.stderr.contains("no customer was acquired"),
        "{}",
        r.stderr
    );
    // Neither a calibration end nor a model.
    let r = evaluate(&["--json"]).expect_code(2);
    assert!(r.stderr.contains("--calibration-end"), "{}", r.stderr);
    assert_eq!(r.json()["status"], "error");
    // A model file cannot be combined with fitting flags.
    let r = evaluate(&["--model", "x", "--calibration-end", "1997-09-30"]).expect_code(2);
    assert!(r.stderr.contains("cannot be used with"), "{}", r.stderr);
    // Not a transaction-level purchase model.
    let r = evaluate(&[&SPLIT[..], &["--purchase-model", "bgbb"]].concat()).expect_code(2);
    assert!(r.stderr.contains("bgbb"), "{}", r.stderr);
}

#[test]
fn readable_table_on_stdout() {
    let r = evaluate(&[&SPLIT[..], &["-q", "--purchase-model", "bgnbd,paretonbd"]].concat())
        .expect_code(0);
    for want in [
        "holdout transactions (1,882)",
        "1653.4",
        "7+",
        "(calibration end)",
        "top 20% capture",
        "recommend",
    ] {
        assert!(r.stdout.contains(want), "no '{want}' in\n{}", r.stdout);
    }
    assert!(r.stderr.is_empty(), "{}", r.stderr);
}

#[test]
fn churn_classifier_on_the_holdout() {
    let j = evaluate(&[&SPLIT[..], &["--churn", "--json", "-q"]].concat())
        .expect_code(0)
        .json();
    let c = &j["churn"];
    assert_eq!(c["cutoff"], "1997-09-30");
    assert_eq!(c["label_window_end"], "1997-12-29");
    // Default training cutoffs: three, 90 days apart, the last label window ending on the
    // calibration end.
    assert_eq!(
        c["training_cutoffs"],
        serde_json::json!(["1997-01-03", "1997-04-03", "1997-07-02"])
    );
    let m = &c["metrics"];
    assert_eq!(m["n"], 2357);
    let auc = f(&m["roc_auc"]);
    assert!(auc > 0.6 && auc < 1.0, "holdout ROC AUC {auc}");
    // A cutoff whose label window reaches into the holdout is refused.
    let r =
        evaluate(&[&SPLIT[..], &["--churn", "--cutoffs", "1997-08-01"]].concat()).expect_code(2);
    assert!(
        r.stderr.contains("would come from the holdout"),
        "{}",
        r.stderr
    );
}
