//! `clvr fit` and `clvr simulate` as a user runs them.

use std::fs;

use crate::support::*;

fn param(j: &serde_json::Value, name: &str) -> f64 {
    j["fit"]["estimates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["name"] == name)
        .unwrap_or_else(|| panic!("no {name} in {j}"))["value"]
        .as_f64()
        .unwrap()
}

fn close(got: f64, want: f64, rel: f64) -> bool {
    ((got - want) / want).abs() < rel
}

#[test]
fn fit_reads_the_bundled_summaries_as_they_are() {
    let j = clvr(&[
        "fit",
        "--model",
        "bgnbd",
        "--summary",
        "datasets/cdnow/cdnow_customers_summary.csv",
        "--json",
    ])
    .expect_code(0)
    .json();
    assert!(close(param(&j, "r"), 0.2426, 2e-4) && close(param(&j, "alpha"), 4.414, 2e-4));
    assert_eq!(j["fit"]["converged"], true);
    assert!((j["fit"]["log_likelihood"].as_f64().unwrap() - -9582.43).abs() < 0.005);

    let j = clvr(&[
        "fit",
        "--model",
        "bgbb",
        "--summary",
        "datasets/donations/donations.csv",
        "--json",
        "-q",
    ])
    .expect_code(0)
    .json();
    assert_eq!(j["customers"], 11104.0);
    assert!(close(param(&j, "delta"), 2.7834, 2e-4), "{j}");

    let run = clvr(&[
        "fit",
        "--model",
        "sbg",
        "--survivors",
        "1000,869,743,653,593,551,517,491",
    ])
    .expect_code(0);
    assert!(
        run.stderr.contains("0.668") && run.stderr.contains("3.806"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("95% CI") && run.stderr.contains("AIC"),
        "{}",
        run.stderr
    );

    // The cohort's value table (FH 2010): DEL = 1 + DERL(0 renewals)/(1 + d), DERL grows
    // with tenure, and a bad rate is refused.
    let j = clvr(&[
        "fit",
        "--model",
        "sbg",
        "--survivors",
        "1000,869,743,653,593,551,517,491",
        "--discount-rate",
        "0.1",
        "--json",
        "-q",
    ])
    .expect_code(0)
    .json();
    let l = &j["lifetime"];
    let derl: Vec<f64> = l["derl"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["derl"].as_f64().unwrap())
        .collect();
    assert_eq!(derl.len(), 8);
    let del = l["del"].as_f64().unwrap();
    assert!((del - (1.0 + derl[0] / 1.1)).abs() < 1e-12, "{l}");
    assert!(derl.windows(2).all(|w| w[1] > w[0]), "{l}");
    clvr(&[
        "fit",
        "--model",
        "sbg",
        "--survivors",
        "1000,800,700",
        "--discount-rate",
        "0",
    ])
    .expect_code(2);
}

#[test]
fn fit_straight_from_transactions_matches_fit_from_the_summary() {
    let j = clvr(&[
        "fit",
        "--model",
        "paretonbd",
        "--transactions",
        "datasets/cdnow/CDNOW_sample.txt",
        "--no-header",
        "--customer-col",
        "2",
        "--date-col",
        "3",
        "--amount-col",
        "5",
        "--calibration-end",
        "1997-09-30",
        "--observation-end",
        "1998-06-30",
        "--json",
        "-q",
    ])
    .expect_code(0)
    .json();
    // The published summary is the same data rounded to 2 dp, so estimates agree closely.
    assert!(
        close(param(&j, "r"), 0.5533, 2e-3) && close(param(&j, "beta"), 11.67, 1e-2),
        "{j}"
    );
}

#[test]
fn fit_refuses_data_that_cannot_identify_the_model() {
    let dir = scratch("one-timers");
    let f = dir.join("s.csv");
    fs::write(&f, "frequency,recency,T\n0,0,10\n0,0,12\n0,0,7\n").unwrap();
    let run = clvr(&["fit", "--model", "bgnbd", "--summary", f.to_str().unwrap()]).expect_code(2);
    assert!(
        run.stderr.contains("no customer has a repeat transaction"),
        "{}",
        run.stderr
    );

    fs::write(&f, "frequency,recency,T\n1,2,10\n2,x,12\n").unwrap();
    let run = clvr(&["fit", "--model", "bgnbd", "--summary", f.to_str().unwrap()]).expect_code(2);
    assert!(
        run.stderr.contains("row 2 (line 3), column 'recency': 'x'"),
        "{}",
        run.stderr
    );

    fs::write(&f, "frequency,recency\n1,2\n").unwrap();
    let run = clvr(&["fit", "--model", "bgnbd", "--summary", f.to_str().unwrap()]).expect_code(2);
    assert!(
        run.stderr.contains("columns present: frequency, recency"),
        "{}",
        run.stderr
    );
    fs::remove_dir_all(dir).unwrap();
}

#[test]
fn simulate_is_seeded_and_round_trips_through_summarize_and_fit() {
    let dir = scratch("simulate");
    let (a, b, truth) = (dir.join("a.csv"), dir.join("b.csv"), dir.join("truth.csv"));
    let args = |out: &std::path::Path| {
        vec![
            "simulate".to_string(),
            "--model".into(),
            "bgnbd".into(),
            "--customers".into(),
            "20000".into(),
            "--seed".into(),
            "11".into(),
            "--output".into(),
            out.to_str().unwrap().into(),
            "--truth".into(),
            truth.to_str().unwrap().into(),
            "-q".into(),
        ]
    };
    clvr(&args(&a)).expect_code(0);
    clvr(&args(&b)).expect_code(0);
    assert_eq!(
        fs::read(&a).unwrap(),
        fs::read(&b).unwrap(),
        "same seed, different file"
    );
    let t = Csv::read(&truth);
    assert_eq!(t.rows.len(), 20000);
    for c in [
        "customer_id",
        "lambda",
        "p",
        "alive_at_end",
        "death_time",
        "x",
        "t_x",
        "T",
        "nu",
    ] {
        t.col(c);
    }
    let tx = Csv::read(&a);
    assert_eq!(tx.header, ["customer_id", "date", "amount"]);
    let sum_x: f64 = t.f64s("x").iter().sum();
    assert_eq!(tx.rows.len() as f64, sum_x + 20000.0);

    // Fit the simulated log: the truth lies in the 95% intervals (weeks; same-day purchases
    // merge, a small effect at these rates).
    let j = clvr(&[
        "fit",
        "--model",
        "bgnbd",
        "--transactions",
        a.to_str().unwrap(),
        "--json",
        "-q",
    ])
    .expect_code(0)
    .json();
    for (name, truth) in [("r", 0.2426), ("alpha", 4.414), ("a", 0.7929), ("b", 2.426)] {
        let e = j["fit"]["estimates"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["name"] == name)
            .unwrap();
        let (lo, hi) = (
            e["ci_low"].as_f64().unwrap(),
            e["ci_high"].as_f64().unwrap(),
        );
        assert!(
            lo < truth && truth < hi,
            "{name}: {truth} not in [{lo}, {hi}]"
        );
    }
    fs::remove_dir_all(dir).unwrap();
}

#[test]
fn simulate_writes_an_events_log_with_known_effects() {
    let dir = scratch("simulate-events");
    let (tx, ev, ev2, truth) = (
        dir.join("tx.csv"),
        dir.join("ev.csv"),
        dir.join("ev2.csv"),
        dir.join("truth.csv"),
    );
    let args = |events: &std::path::Path| {
        vec![
            "simulate".to_string(),
            "--model".into(),
            "paretonbd".into(),
            "--customers".into(),
            "300".into(),
            "--seed".into(),
            "5".into(),
            "--output".into(),
            tx.to_str().unwrap().into(),
            "--truth".into(),
            truth.to_str().unwrap().into(),
            "--events".into(),
            events.to_str().unwrap().into(),
            "--open-effect".into(),
            "-1.2".into(),
            "--cancellations".into(),
            "--json".into(),
            "-q".into(),
        ]
    };
    let j = clvr(&args(&ev)).expect_code(0).json();
    clvr(&args(&ev2)).expect_code(0);
    assert_eq!(fs::read(&ev).unwrap(), fs::read(&ev2).unwrap());
    assert_eq!(j["events"]["spec"]["open_effect"], -1.2);
    assert_eq!(j["events"]["spec"]["complaint_effect"], 0.5);
    let e = Csv::read(&ev);
    assert_eq!(e.header, ["customer_id", "date", "event_type"]);
    assert_eq!(e.rows.len() as f64, j["events"]["rows"].as_f64().unwrap());
    let t = Csv::read(&truth);
    for c in ["complaint_rate", "open_prob", "mu0", "mu"] {
        t.col(c);
    }
    let died = t.f64s("alive_at_end").iter().filter(|a| **a == 0.0).count();
    let cancels = e
        .column("event_type")
        .iter()
        .filter(|k| **k == "cancellation")
        .count();
    assert_eq!(cancels, died);
    // Weekly sends: every send date of a customer is 7 days after the previous one.
    let (ids, dates) = (e.column("customer_id"), e.column("date"));
    let kinds = e.column("event_type");
    let mut last: Option<(&str, chrono::NaiveDate)> = None;
    for i in 0..e.rows.len() {
        if kinds[i] != "email_sent" {
            continue;
        }
        let d = chrono::NaiveDate::parse_from_str(dates[i], "%Y-%m-%d").unwrap();
        if let Some((id, prev)) = last
            && id == ids[i]
        {
            assert_eq!((d - prev).num_days(), 7, "{id}");
        }
        last = Some((ids[i], d));
    }
    // Events shift an exponential hazard: BG/NBD is refused as a usage error.
    let run = clvr(&[
        "simulate",
        "--customers",
        "10",
        "--output",
        tx.to_str().unwrap(),
        "--events",
        ev.to_str().unwrap(),
    ])
    .expect_code(2);
    assert!(run.stderr.contains("paretonbd"), "{}", run.stderr);
    fs::remove_dir_all(dir).unwrap();
}
