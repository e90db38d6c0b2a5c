//! `clvr uplift` with extra inputs: a model file (--model: model-based CUPED covariates,
//! predicted CLV after the window), a scores table (--scores) and an events log (--events).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::support::{Csv, clvr, scratch};

fn s(p: &Path) -> String {
    p.display().to_string()
}

/// A simulated experiment with a slow dropout (so the pre-assignment data identify a
/// Pareto/NBD) and a treatment that quarters the dropout rate; returns (transactions,
/// assignments, assignment date, the simulate report).
fn simulate(dir: &Path, seed: u64) -> (PathBuf, PathBuf, String, serde_json::Value) {
    let tx = dir.join("tx.csv");
    let asg = dir.join("assignments.csv");
    let seed = seed.to_string();
    let run = clvr(&[
        "simulate",
        "--model",
        "paretonbd",
        "--params",
        "r=2,alpha=10,s=2,beta=30",
        "--cohort-length",
        "4",
        "--observation-length",
        "40",
        "--assign-at",
        "12",
        "--seed",
        &seed,
        "--customers",
        "20000",
        "--treatment-effect",
        "0.25",
        "--json",
        "-q",
        "-o",
        &s(&tx),
        "--experiment",
        &s(&asg),
    ])
    .expect_code(0);
    let sim = run.json();
    let at = sim["experiment"]["assigned_at"]
        .as_str()
        .unwrap()
        .to_string();
    (tx, asg, at, sim)
}

/// Trains a Pareto/NBD + Gamma-Gamma model on the transactions up to `as_of` (later rows
/// skipped) into `registry` as `name`.
fn train(tx: &Path, registry: &Path, name: &str, as_of: &str) {
    clvr(&[
        "train",
        "--name",
        name,
        "--purchase-model",
        "paretonbd",
        "--registry",
        &s(registry),
        "--transactions",
        &s(tx),
        "--as-of",
        as_of,
        "--on-bad-rows",
        "skip",
        "-q",
    ])
    .expect_code(0);
}

#[test]
fn model_covariates_reduce_variance_and_the_clv_outcome_values_the_treatment() {
    let dir = scratch("uplift-model");
    let (tx, asg, at, sim) = simulate(&dir, 2);
    let truth = sim["experiment"]["true_uplift"].as_f64().unwrap();
    assert!(truth > 0.02, "{sim}");
    let reg = dir.join("registry");
    train(&tx, &reg, "pre", &at);
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
        "--model",
        "pre",
        "--registry",
        &s(&reg),
        "--covariate",
        "p_alive",
        "--covariate",
        "predicted_purchases",
        "--covariate",
        "pre_purchases",
        "--json",
    ])
    .expect_code(0);
    let j = run.json();
    // Every covariate: positive variance reduction, and the adjusted interval covers the
    // true uplift of the simulation.
    let by = j["cuped_by_covariate"].as_array().unwrap();
    let names: Vec<&str> = by
        .iter()
        .map(|c| c["covariate"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["p_alive", "predicted_purchases", "pre_purchases"]);
    let raw = &j["comparisons"][0]["retention_uplift"];
    let raw_width = raw["hi"].as_f64().unwrap() - raw["lo"].as_f64().unwrap();
    for c in by {
        let vr = c["variance_reduction"].as_f64().unwrap();
        assert!(vr > 0.0, "{c}");
        let w = &c["comparisons"][0];
        assert_eq!(w["variant"], "treatment");
        let (lo, hi) = (
            w["retention_uplift"]["lo"].as_f64().unwrap(),
            w["retention_uplift"]["hi"].as_f64().unwrap(),
        );
        assert!(
            lo <= truth && truth <= hi,
            "truth {truth} outside [{lo}, {hi}]: {c}"
        );
        assert!(hi - lo < raw_width, "{c}");
    }
    // The headline (first) covariate is the backward-compatible `cuped`.
    assert_eq!(j["cuped"]["covariate"], "p_alive");
    assert_eq!(j["cuped"]["theta"], by[0]["theta"]);
    assert_eq!(
        j["comparisons"][0]["cuped"]["retention_uplift"],
        by[0]["comparisons"][0]["retention_uplift"]
    );
    // A treatment that lowers dropout is worth more future value.
    let clv = &j["comparisons"][0]["predicted_clv"];
    assert!(clv["diff"].as_f64().unwrap() > 0.0, "{clv}");
    assert!(clv["lo"].as_f64().unwrap() > 0.0, "{clv}");
    let m = &j["input"]["model"];
    assert_eq!(m["model"], "pre@1");
    assert_eq!(m["no_purchase_before_assignment"], 0, "{m}");
    // The value per retained customer is the mean predicted CLV of retained control
    // customers.
    assert!(
        j["value_source"]
            .as_str()
            .unwrap()
            .contains("predicted CLV"),
        "{}",
        j["value_source"]
    );
    // The CLV outcome is what `clvr predict --as-of` (assignment + 90 days) gives: every
    // customer was assigned on the same day, so the control arm's mean predicted CLV is
    // the mean of predict's clv column over the control customers.
    let end =
        chrono::NaiveDate::parse_from_str(&at, "%Y-%m-%d").unwrap() + chrono::Duration::days(90);
    let scores = dir.join("scores.csv");
    clvr(&[
        "predict",
        "--model",
        "pre",
        "--registry",
        &s(&reg),
        "--transactions",
        &s(&tx),
        "--as-of",
        &end.to_string(),
        "-o",
        &s(&scores),
        "-q",
    ])
    .expect_code(0);
    let sc = Csv::read(&scores);
    let clv_of: HashMap<&str, f64> = sc
        .column("customer_id")
        .into_iter()
        .zip(sc.f64s("clv"))
        .collect();
    let a = Csv::read(&asg);
    let (mut sums, mut counts) = ([0.0; 2], [0usize; 2]);
    for (id, v) in a.column("customer_id").iter().zip(a.column("variant")) {
        let k = usize::from(v == "treatment");
        sums[k] += clv_of.get(id).copied().unwrap_or(0.0);
        counts[k] += 1;
    }
    for (k, arm) in j["arms"].as_array().unwrap().iter().enumerate() {
        let want = sums[k] / counts[k] as f64;
        let have = arm["predicted_clv_per_customer"].as_f64().unwrap();
        assert!((have - want).abs() <= 1e-9 * want, "{arm}: want {want}");
    }
    // The text report shows the new outcomes.
    for needle in [
        "cuped      covariate p_alive from pre@1",
        "cuped      covariate predicted_purchases",
        "predicted CLV/customer +",
        "model      pre@1",
    ] {
        assert!(
            run.stderr.contains(needle),
            "no '{needle}' in\n{}",
            run.stderr
        );
    }
}

#[test]
fn model_inputs_are_checked() {
    let dir = scratch("uplift-model-bad");
    let tx = dir.join("tx.csv");
    let asg = dir.join("a.csv");
    std::fs::write(&tx, "customer_id,date\na,2024-01-01\nb,2024-05-01\n").unwrap();
    std::fs::write(
        &asg,
        "customer_id,variant,assigned_at\na,control,2024-01-02\nb,t,2024-01-02\n",
    )
    .unwrap();
    let base = [
        "uplift",
        "--assignments",
        &s(&asg),
        "--transactions",
        &s(&tx),
        "--control",
        "control",
        "--window",
        "30d",
    ];
    let with = |extra: &[&str]| {
        let mut v: Vec<String> = base.iter().map(|a| a.to_string()).collect();
        v.extend(extra.iter().map(|a| a.to_string()));
        clvr(&v)
    };
    let run = with(&["--covariate", "p_alive"]).expect_code(2);
    assert!(run.stderr.contains("pass --model"), "{}", run.stderr);
    let run = with(&["--covariate", "pre_spend", "--covariate", "pre_spend"]).expect_code(2);
    assert!(run.stderr.contains("given twice"), "{}", run.stderr);
    let run = with(&["--model", "nope", "--registry", &s(&dir)]).expect_code(2);
    assert!(run.stderr.contains("no model 'nope'"), "{}", run.stderr);
}

#[test]
fn scores_give_segments_and_unscored_customers_are_counted() {
    let dir = scratch("uplift-scores");
    let (tx, asg, at, _) = simulate(&dir, 3);
    let reg = dir.join("registry");
    train(&tx, &reg, "pre", &at);
    // Scores as of the assignment, without the first 100 customers of the log.
    let full = dir.join("scores-full.csv");
    clvr(&[
        "predict",
        "--model",
        "pre",
        "--registry",
        &s(&reg),
        "--transactions",
        &s(&tx),
        "--as-of",
        &at,
        "-o",
        &s(&full),
        "-q",
    ])
    .expect_code(0);
    let text = std::fs::read_to_string(&full).unwrap();
    let mut lines: Vec<&str> = text.lines().collect();
    let dropped: Vec<String> = lines[1..101]
        .iter()
        .map(|l| l.split(',').next().unwrap().to_string())
        .collect();
    lines.drain(1..101);
    let scores = dir.join("scores.csv");
    std::fs::write(&scores, lines.join("\n") + "\n").unwrap();
    let uplift = |scores: &Path, segment_by: &str| {
        clvr(&[
            "uplift",
            "--assignments",
            &s(&asg),
            "--transactions",
            &s(&tx),
            "--control",
            "control",
            "--scores",
            &s(scores),
            "--segment-by",
            segment_by,
            "--json",
        ])
    };
    let run = uplift(&scores, "lifecycle_stage").expect_code(0);
    let j = run.json();
    assert_eq!(
        j["input"]["scores"]["assigned_not_scored"], 100,
        "{}",
        j["input"]
    );
    assert_eq!(j["input"]["scores"]["segment_column"], "lifecycle_stage");
    assert_eq!(j["input"]["scores"]["as_of"], at.as_str());
    assert!(j["input"]["warnings"].as_array().unwrap().is_empty());
    // Every treated customer is in exactly one segment: the segments' sizes add up to the
    // arm, the unscored ones in "(not scored)".
    let stages = ["new", "active", "at_risk", "churned", "(not scored)"];
    let segs = j["segments"].as_array().unwrap();
    let mut n_t = 0;
    for g in segs {
        assert!(stages.contains(&g["segment"].as_str().unwrap()), "{g}");
        n_t += g["n_treatment"].as_u64().unwrap();
    }
    let skipped = j["segments_skipped"].as_array().unwrap();
    assert!(skipped.is_empty(), "{skipped:?}");
    assert_eq!(n_t, j["arms"][1]["n"].as_u64().unwrap());
    // The 100 dropped customers, counted by arm from the assignments.
    let a = Csv::read(&asg);
    let variant_of: HashMap<&str, &str> = a
        .column("customer_id")
        .into_iter()
        .zip(a.column("variant"))
        .collect();
    let dropped_t = dropped
        .iter()
        .filter(|id| variant_of[id.as_str()] == "treatment")
        .count() as u64;
    let ns = segs
        .iter()
        .find(|g| g["segment"] == "(not scored)")
        .unwrap();
    assert_eq!(ns["n_treatment"].as_u64().unwrap(), dropped_t);
    assert_eq!(ns["n_control"].as_u64().unwrap(), 100 - dropped_t);
    assert!(
        run.stderr.contains("100 assigned customers not in it"),
        "{}",
        run.stderr
    );

    // The assignments' own `segment` column wins; scores:segment takes the scores' RFM
    // segment instead.
    let own = uplift(&scores, "segment").expect_code(0).json();
    let names = |j: &serde_json::Value| -> Vec<String> {
        j["segments"]
            .as_array()
            .unwrap()
            .iter()
            .map(|g| g["segment"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(names(&own), ["one_time", "repeat"]);
    let rfm = uplift(&scores, "scores:segment").expect_code(0).json();
    assert!(names(&rfm).len() > 2, "{:?}", names(&rfm));
    assert!(!names(&rfm).contains(&"repeat".to_string()));

    // Scores as of the data end (after the assignment) are warned about.
    let late = dir.join("late.csv");
    clvr(&[
        "predict",
        "--model",
        "pre",
        "--registry",
        &s(&reg),
        "--transactions",
        &s(&tx),
        "-o",
        &s(&late),
        "-q",
    ])
    .expect_code(0);
    let run = uplift(&late, "lifecycle_stage").expect_code(0);
    assert!(
        run.stderr.contains("WARNING: the scores")
            && run.stderr.contains("after the earliest assignment"),
        "{}",
        run.stderr
    );
    assert_eq!(run.json()["input"]["warnings"].as_array().unwrap().len(), 1);
    // No churn probability in these scores: churn_decile is an error naming the column.
    let run = uplift(&scores, "churn_decile").expect_code(2);
    assert!(
        run.stderr.contains("churn_probability") && run.stderr.contains("scores.csv"),
        "{}",
        run.stderr
    );
}

#[test]
fn churn_deciles_rank_the_assigned_customers_by_risk() {
    let dir = scratch("uplift-deciles");
    let tx = dir.join("tx.csv");
    let asg = dir.join("a.csv");
    let scores = dir.join("scores.csv");
    // 41 customers, alternating arms; c0..c39 scored with churn probability (i + 1) / 50
    // listed in reverse, c40 not scored. Deciles of 40 distinct values: 4 customers each,
    // c0..c3 in 01 (lowest risk), c36..c39 in 10.
    let (mut t, mut a, mut sc) = (
        String::from("customer_id,date,amount\n"),
        String::from("customer_id,variant,assigned_at\n"),
        String::from("customer_id,churn_probability,as_of\n"),
    );
    for i in 0..41 {
        t += &format!("c{i},2024-01-01,{}\n", i + 1);
        if i % 3 == 0 {
            t += &format!("c{i},2024-02-01,{}\n", 2 * i + 1);
        }
        a += &format!("c{i},{},2024-01-10\n", if i % 2 == 0 { "A" } else { "B" });
    }
    for i in (0..40).rev() {
        sc += &format!("c{i},{},2024-01-10\n", f64::from(i + 1) / 50.0);
    }
    t += "c0,2024-06-30,5\n";
    std::fs::write(&tx, t).unwrap();
    std::fs::write(&asg, a).unwrap();
    std::fs::write(&scores, sc).unwrap();
    let j = clvr(&[
        "uplift",
        "--assignments",
        &s(&asg),
        "--transactions",
        &s(&tx),
        "--control",
        "A",
        "--window",
        "60d",
        "--scores",
        &s(&scores),
        "--segment-by",
        "churn_decile",
        "--json",
    ])
    .expect_code(0)
    .json();
    assert_eq!(j["input"]["scores"]["assigned_not_scored"], 1);
    assert_eq!(j["input"]["scores"]["segment_column"], "churn_decile");
    let segs = j["segments"].as_array().unwrap();
    let names: Vec<&str> = segs
        .iter()
        .map(|g| g["segment"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["01", "02", "03", "04", "05", "06", "07", "08", "09", "10"]
    );
    for g in segs {
        // Each decile: 4 customers, 2 per arm.
        assert_eq!(
            (g["n_treatment"].as_u64(), g["n_control"].as_u64()),
            (Some(2), Some(2))
        );
    }
    // Decile 01 is c0..c3: c0 and c3 repurchased on 2024-02-01 (c3: B, c0: A), so one
    // retained customer of 2 in each arm.
    assert_eq!(segs[0]["retention_treatment"], 0.5);
    assert_eq!(segs[0]["retention_control"], 0.5);
    // c40 alone in "(not scored)": too small to analyse.
    assert_eq!(j["segments_skipped"], serde_json::json!(["(not scored)"]));
}

/// The events fixture: (transactions, assignments, events). Assigned 2024-03-01, a 30-day
/// window (2024-03-01, 2024-03-31], data to 2024-06-30.
fn contract_fixture(dir: &Path) -> (PathBuf, PathBuf, PathBuf) {
    let tx = dir.join("tx.csv");
    let asg = dir.join("a.csv");
    let ev = dir.join("events.csv");
    std::fs::write(
        &tx,
        "customer_id,date,amount\n\
         a1,2024-01-05,10\na1,2024-03-10,12\n\
         a2,2024-01-06,11\na2,2024-03-10,13\n\
         a3,2024-01-07,14\n\
         a4,2024-01-08,15\na4,2024-03-15,16\n\
         a5,2024-01-09,17\na5,2024-03-12,18\n\
         a6,2024-02-01,19\n\
         b1,2024-01-05,20\nb1,2024-03-02,21\n\
         b2,2024-01-06,22\nb2,2024-03-31,23\n\
         b3,2024-01-07,24\nb3,2024-03-20,25\n\
         b4,2024-04-01,26\n\
         b5,2024-01-09,27\nb5,2024-03-05,28\n\
         z,2024-06-30,1\n",
    )
    .unwrap();
    let mut a = String::from("customer_id,variant,assigned_at\n");
    for c in ["a1", "a2", "a3", "a4", "a5", "a6"] {
        a += &format!("{c},A,2024-03-01\n");
    }
    for c in ["b1", "b2", "b3", "b4", "b5"] {
        a += &format!("{c},B,2024-03-01\n");
    }
    std::fs::write(&asg, a).unwrap();
    std::fs::write(
        &ev,
        "customer_id,timestamp,event_type\n\
         a2,2024-03-20T10:00:00,cancel\n\
         a3,2024-03-05T09:00:00,cancel\n\
         a4,2024-02-20T09:00:00,cancel\n\
         a5,2024-04-05T09:00:00,cancel\n\
         b1,2024-03-03T08:00:00,email_open\n\
         b2,2024-03-31T23:00:00,cancel\n\
         b3,2024-03-01T12:00:00,cancel\n\
         b5,2024-03-06T12:00:00,cancellation\n\
         z,2024-03-10T12:00:00,cancel\n",
    )
    .unwrap();
    (tx, asg, ev)
}

#[test]
fn contractual_retention_needs_a_purchase_and_no_cancellation_in_the_window() {
    let dir = scratch("uplift-events");
    let (tx, asg, ev) = contract_fixture(&dir);
    let run = |extra: &[&str]| {
        let mut v: Vec<String> = [
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
        ]
        .iter()
        .map(|a| a.to_string())
        .collect();
        v.extend(extra.iter().map(|a| a.to_string()));
        clvr(&v)
    };
    let counts = |j: &serde_json::Value| -> Vec<(u64, u64)> {
        j["arms"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| (a["n"].as_u64().unwrap(), a["retained"].as_u64().unwrap()))
            .collect()
    };
    // Without events: a purchase in the window. A: a1, a2, a4, a5 (a3 and a6 did not buy
    // in it); B: b1, b2 (on the window's last day), b3, b5 (b4 bought the day after).
    let plain = run(&[]).expect_code(0).json();
    assert_eq!(counts(&plain), [(6, 4), (5, 4)]);
    assert_eq!(plain["arms"][0]["cancelled"], serde_json::Value::Null);
    // With events (cancel): a2 (bought, then cancelled on 03-20) and a3 (03-05) cancel in
    // the window; a4 cancelled before the assignment and a5 after the window, both retained.
    // B: b2 cancels on the window's last day; b3's cancellation is on the assignment day
    // itself (outside (assigned_at, …]); b1's email_open and b5's `cancellation` are not
    // `cancel` events. Retained: A a1, a4, a5 = 3; B b1, b3, b5 = 3.
    let out = run(&["--events", &s(&ev)]).expect_code(0);
    let j = out.json();
    assert_eq!(counts(&j), [(6, 3), (5, 3)]);
    assert_eq!(j["arms"][0]["cancelled"], 2);
    assert_eq!(j["arms"][1]["cancelled"], 1);
    let e = &j["input"]["events"];
    assert_eq!(e["rows"], 9);
    assert_eq!(e["cancel_events"], 7, "{e}"); // z's counts in the log, not in an arm
    assert_eq!(e["cancelled_in_window"], 3);
    assert_eq!(e["cancelled_after_purchasing"], 2); // a2 and b2
    assert!(
        j["input"]["retention_definition"]
            .as_str()
            .unwrap()
            .contains("no cancellation"),
        "{}",
        j["input"]
    );
    assert!(
        out.stderr
            .contains("cancelled in the window: A 2 (33.3%), B 1 (20.0%)"),
        "{}",
        out.stderr
    );
    // Both types end a contract: b5 is not retained either.
    let j = run(&["--events", &s(&ev), "--cancel-event", "cancel,cancellation"])
        .expect_code(0)
        .json();
    assert_eq!(counts(&j), [(6, 3), (5, 2)]);
    assert_eq!(j["arms"][1]["cancelled"], 2);
    // A type that does not occur: a warning listing the types present.
    let out = run(&["--events", &s(&ev), "--cancel-event", "churned"]).expect_code(0);
    assert!(
        out.stderr.contains("no event of type churned") && out.stderr.contains("cancel (7)"),
        "{}",
        out.stderr
    );
    assert_eq!(counts(&out.json()), [(6, 4), (5, 4)]);

    // Bad events: no event type column; an undated row (exit 2 naming the row and column).
    let bad = dir.join("bad.csv");
    std::fs::write(&bad, "customer_id,timestamp\na1,2024-03-02\n").unwrap();
    let out = run(&["--events", &s(&bad)]).expect_code(2);
    assert!(
        out.stderr.contains("bad.csv") && out.stderr.contains("--event-type-col"),
        "{}",
        out.stderr
    );
    // Named with --event-type-col, a column of another name works.
    let renamed = dir.join("renamed.csv");
    std::fs::write(
        &renamed,
        std::fs::read_to_string(&ev)
            .unwrap()
            .replace("event_type", "what"),
    )
    .unwrap();
    let j = run(&["--events", &s(&renamed), "--event-type-col", "what"])
        .expect_code(0)
        .json();
    assert_eq!(counts(&j), [(6, 3), (5, 3)]);
    std::fs::write(
        &bad,
        "customer_id,timestamp,event_type\na1,2024-03-02,cancel\na2,not-a-date,cancel\n",
    )
    .unwrap();
    let out = run(&["--events", &s(&bad)]).expect_code(2);
    assert!(
        out.stderr.contains("not-a-date") && out.stderr.contains("timestamp"),
        "{}",
        out.stderr
    );
}

/// A customer whose first purchase is after the assignment has no model state: covariates
/// 0 and counted; with no purchase by the window end, CLV 0. The CLV of everyone else is
/// `clvr predict --as-of` at the window end (the checked-in CDNOW model file, by path).
#[test]
fn customers_without_history_have_no_model_state() {
    let dir = scratch("uplift-no-state");
    let (tx, asg, _) = contract_fixture(&dir);
    let model = crate::support::repo_file("tests/fixtures/models/cdnow-format-v1.json");
    // The model was trained on a headerless file: name this log's columns.
    let cols = [
        "--customer-col",
        "customer_id",
        "--date-col",
        "date",
        "--amount-col",
        "amount",
    ];
    let mut args = vec![
        "uplift".to_string(),
        "--assignments".into(),
        s(&asg),
        "--transactions".into(),
        s(&tx),
        "--control".into(),
        "A".into(),
        "--window".into(),
        "30d".into(),
        "--model".into(),
        s(&model),
        "--covariate".into(),
        "p_alive".into(),
        "--json".into(),
    ];
    args.extend(cols.iter().map(|c| c.to_string()));
    let j = clvr(&args).expect_code(0).json();
    let m = &j["input"]["model"];
    assert_eq!(m["model"], "cdnow-v1-fixture@1", "{m}");
    // b4 first bought on 2024-04-01: after the assignment and after the window end.
    assert_eq!(m["no_purchase_before_assignment"], 1, "{m}");
    assert_eq!(m["no_purchase_by_window_end"], 1, "{m}");
    assert!(j["input"]["warnings"].as_array().unwrap().is_empty());
    let scores = dir.join("scores.csv");
    let mut args: Vec<String> = [
        "predict",
        "--model",
        &s(&model),
        "--transactions",
        &s(&tx),
        "--as-of",
        "2024-03-31",
        "-o",
        &s(&scores),
        "-q",
    ]
    .iter()
    .map(|a| a.to_string())
    .collect();
    args.extend(cols.iter().map(|c| c.to_string()));
    clvr(&args).expect_code(0);
    let sc = Csv::read(&scores);
    let clv: HashMap<&str, f64> = sc
        .column("customer_id")
        .into_iter()
        .zip(sc.f64s("clv"))
        .collect();
    assert!(!clv.contains_key("b4"));
    let mean = |ids: &[&str]| ids.iter().map(|i| clv[i]).sum::<f64>() / ids.len() as f64;
    let want = [
        mean(&["a1", "a2", "a3", "a4", "a5", "a6"]),
        (mean(&["b1", "b2", "b3", "b5"]) * 4.0) / 5.0, // b4: 0
    ];
    for (arm, w) in j["arms"].as_array().unwrap().iter().zip(want) {
        let have = arm["predicted_clv_per_customer"].as_f64().unwrap();
        assert!((have - w).abs() <= 1e-9 * w, "{arm}: want {w}");
    }
}
