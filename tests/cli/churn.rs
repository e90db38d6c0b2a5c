//! Churn classifiers from the command line.

use crate::support::*;

/// scikit-learn 1.9.1 LogisticRegression(C=1.0, lbfgs, max_iter=10000, tol=1e-10) on
/// datasets/churn/wa_churn.csv with the same preprocessing (median imputation plus a missing
/// flag, one-hot levels, standardisation learned on training rows) and the fixed split
/// "row i is validation when i % 5 == 4": test ROC AUC 0.8374762418451739. Computed once with
/// `python3 tests/data/sklearn_churn_reference.py datasets/churn/wa_churn.csv` (pandas
/// 3.1.1, numpy 2.4.6, Python 3.11.7); its printed output is tests/data/sklearn_churn_reference.out.
const SKLEARN_TEST_AUC: f64 = 0.837_476_241_845_173_9;

#[test]
fn bring_your_own_table_matches_scikit_learn() {
    let j = clvr(&[
        "churn",
        "train",
        "--table",
        "datasets/churn/wa_churn.csv",
        "--label",
        "churn",
        "--json",
        "-q",
    ])
    .expect_code(0)
    .json();
    let t = &j["model"]["training"];
    assert_eq!(t["train_rows"], 5635);
    assert_eq!(t["validation_rows"], 1408);
    let auc = t["validation_metrics"]["roc_auc"].as_f64().unwrap();
    assert!(
        (auc - SKLEARN_TEST_AUC).abs() < 0.01,
        "validation AUC {auc} vs scikit-learn {SKLEARN_TEST_AUC}"
    );
    // The same data through the random forest: a valid, different model.
    let f = clvr(&[
        "churn",
        "train",
        "--table",
        "datasets/churn/wa_churn.csv",
        "--label",
        "churn",
        "--classifier",
        "forest",
        "--trees",
        "30",
        "--json",
        "-q",
    ])
    .expect_code(0)
    .json();
    let fa = f["model"]["training"]["validation_metrics"]["roc_auc"]
        .as_f64()
        .unwrap();
    assert!(fa > 0.75 && fa < 1.0, "forest AUC {fa}");
}

#[test]
fn labels_must_have_two_values() {
    let dir = scratch("churn-label");
    let t = dir.join("t.csv");
    std::fs::write(&t, "x,label\n1,a\n2,b\n3,c\n4,a\n").unwrap();
    let run = clvr(&[
        "churn",
        "train",
        "--table",
        t.to_str().unwrap(),
        "--label",
        "label",
    ])
    .expect_code(2);
    assert!(run.stderr.contains("3 distinct value"), "{}", run.stderr);
    let run = clvr(&[
        "churn",
        "train",
        "--table",
        t.to_str().unwrap(),
        "--label",
        "nope",
    ])
    .expect_code(2);
    assert!(
        run.stderr.contains("no label column 'nope'"),
        "{}",
        run.stderr
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn log_snapshots_count_odd_events_and_refuse_censored_labels() {
    let dir = scratch("churn-log");
    let ev = dir.join("events.csv");
    std::fs::write(
        &ev,
        "customer_id,timestamp,event_type\n00001,1997-02-01,complaint\n\
         00002,1997-03-01T10:00:00,email_sent\n00002,1997-03-02,email_open\n\
         99999,1997-03-01,login\n00003,1997-04-01,fax\n",
    )
    .unwrap();
    let base = [
        "churn",
        "train",
        "--transactions",
        "datasets/cdnow/CDNOW_master.txt",
        "--events",
        ev.to_str().unwrap(),
    ];
    let with = |extra: &[&str]| -> Vec<String> {
        base.iter().chain(extra).map(|s| s.to_string()).collect()
    };
    let j = clvr(&with(&[
        "--cutoffs",
        "1997-09-30,1997-12-31",
        "--json",
        "-q",
    ]))
    .expect_code(0)
    .json();
    assert_eq!(j["events"]["unknown_customer_events"], 1);
    assert_eq!(j["events"]["unmapped_types"][0][0], "fax");
    assert_eq!(j["model"]["training"]["validation_cutoff"], "1997-12-31");
    // A label window past the data end (1998-06-30) would be censored.
    let run = clvr(&with(&["--cutoffs", "1998-05-31"])).expect_code(2);
    assert!(run.stderr.contains("censored"), "{}", run.stderr);
    // A cutoff before any data.
    let run = clvr(&with(&["--cutoffs", "1996-01-01,1997-06-30"])).expect_code(2);
    assert!(
        run.stderr.contains("before the first day"),
        "{}",
        run.stderr
    );
    std::fs::remove_dir_all(dir).unwrap();
}

/// Purchase-model features end to end: `train --churn --purchase-features bgnbd` stores the
/// fit at the last cutoff, and `predict` scores churn with it; a model that is not a
/// transaction-level purchase model is refused as a usage error.
#[test]
fn purchase_model_features_train_and_score() {
    let dir = scratch("churn-purchase-features");
    let reg = dir.join("models");
    let base = [
        "--transactions",
        "datasets/cdnow/CDNOW_master.txt",
        "--registry",
        reg.to_str().unwrap(),
        "--name",
        "pf",
        "--time-unit",
        "week",
        "--churn",
        "--cutoffs",
        "1997-09-30,1997-12-31",
        "-q",
    ];
    let args = |extra: &[&str]| -> Vec<String> {
        ["train"]
            .iter()
            .chain(base.iter())
            .chain(extra)
            .map(|s| s.to_string())
            .collect()
    };
    clvr(&args(&["--purchase-features", "bgnbd"])).expect_code(0);
    let file: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(reg.join("pf/v0001.json")).unwrap()).unwrap();
    let source = &file["churn_model"]["source"];
    assert_eq!(source["source"], "log");
    assert_eq!(source["spec"]["purchase_model"], "bgnbd");
    assert_eq!(source["purchase_params"].as_array().unwrap().len(), 4);
    let names = file["churn_model"]["encoder"].to_string();
    assert!(names.contains("p_alive") && names.contains("expected_purchases_horizon"));

    let out = dir.join("scores.csv");
    clvr(&[
        "predict",
        "--model",
        "pf",
        "--registry",
        reg.to_str().unwrap(),
        "--transactions",
        "datasets/cdnow/CDNOW_master.txt",
        "--output",
        out.to_str().unwrap(),
        "-q",
    ])
    .expect_code(0);
    let scores = std::fs::read_to_string(&out).unwrap();
    let header: Vec<&str> = scores.lines().next().unwrap().split(',').collect();
    let col = header
        .iter()
        .position(|h| *h == "churn_probability")
        .unwrap();
    let probs: Vec<f64> = scores
        .lines()
        .skip(1)
        .filter_map(|l| l.split(',').nth(col)?.parse().ok())
        .collect();
    assert_eq!(probs.len(), 23_570);
    assert!(probs.iter().all(|p| (0.0..=1.0).contains(p)));

    let run = clvr(&args(&["--purchase-features", "sbg"])).expect_code(2);
    assert!(
        run.stderr.contains("bgnbd, mbgnbd or paretonbd"),
        "{}",
        run.stderr
    );
    std::fs::remove_dir_all(dir).unwrap();
}
