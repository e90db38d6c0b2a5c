//! Every class of bad input: exit code 2, a message that names the row, the column, the
//! value and the fix; and the skip / quarantine policies.

use crate::support::*;

/// Runs summarize on a fixture and returns the failed run.
fn fails_on(fixture: &str, extra: &[&str]) -> Run {
    let dir = scratch("bad");
    let out = dir.join("out.csv");
    let mut args = vec![
        "summarize".to_string(),
        "--transactions".into(),
        format!("tests/fixtures/{fixture}"),
        "--output".into(),
        out.to_str().unwrap().into(),
    ];
    args.extend(extra.iter().map(|s| s.to_string()));
    let run = clvr(&args).expect_code(2);
    assert!(!out.exists(), "a failed run must not write output");
    run
}

fn assert_names(run: &Run, needles: &[&str]) {
    for n in needles {
        assert!(
            run.stderr.contains(n),
            "stderr lacks {n:?}:\n{}",
            run.stderr
        );
    }
    assert!(
        run.stderr.contains("fix:"),
        "no fix suggested:\n{}",
        run.stderr
    );
}

#[test]
fn missing_customer_id() {
    let run = fails_on("missing_customer.csv", &[]);
    assert_names(
        &run,
        &[
            "missing_customer",
            "row 3 (line 4)",
            "column 'customer_id'",
            "(empty)",
        ],
    );
}

#[test]
fn unparseable_date() {
    let run = fails_on("bad_date.csv", &[]);
    assert_names(
        &run,
        &[
            "unparseable_date",
            "row 2 (line 3)",
            "column 'date'",
            "'2020-13-05'",
        ],
    );
}

#[test]
fn non_numeric_amount() {
    let run = fails_on("non_numeric_amount.csv", &[]);
    assert_names(
        &run,
        &[
            "non_numeric_amount",
            "row 2 (line 3)",
            "column 'amount'",
            "'twelve'",
        ],
    );
}

#[test]
fn nan_amount() {
    let run = fails_on("nan_amount.csv", &[]);
    assert_names(
        &run,
        &[
            "non_finite_amount",
            "row 2 (line 3)",
            "column 'amount'",
            "'NaN'",
        ],
    );
}

#[test]
fn infinite_amount() {
    let run = fails_on("infinite_amount.csv", &[]);
    assert_names(
        &run,
        &[
            "non_finite_amount",
            "row 2 (line 3)",
            "column 'amount'",
            "'inf'",
        ],
    );
}

#[test]
fn negative_amount_is_rejected_by_default_and_netted_on_request() {
    let run = fails_on("negative_amount.csv", &[]);
    assert_names(
        &run,
        &[
            "negative_amount",
            "row 2 (line 3)",
            "column 'amount'",
            "'-12.5'",
            "--negative-amounts net",
        ],
    );

    let dir = scratch("net");
    let out = dir.join("out.csv");
    let ok = clvr(&[
        "summarize",
        "--transactions",
        "tests/fixtures/negative_amount.csv",
        "--negative-amounts",
        "net",
        "--json",
        "--output",
        out.to_str().unwrap(),
    ])
    .expect_code(0);
    assert_eq!(ok.json()["input"]["negative_rows_netted"], 1);
}

#[test]
fn date_after_the_observation_end() {
    let run = fails_on(
        "after_observation_end.csv",
        &["--observation-end", "2020-02-29"],
    );
    assert_names(
        &run,
        &[
            "after_observation_end",
            "row 3 (line 4)",
            "column 'date'",
            "'2020-03-07'",
            "2020-02-29",
        ],
    );
}

#[test]
fn fail_prints_counts_per_problem_and_at_most_ten_rows() {
    let run = fails_on("mixed_bad.csv", &[]);
    assert_names(&run, &["5 of 7 rows are invalid"]);
    for (code, count) in [
        ("missing_customer", 1),
        ("unparseable_date", 1),
        ("non_numeric_amount", 1),
        ("negative_amount", 1),
        ("non_finite_amount", 1),
    ] {
        let line = run
            .stderr
            .lines()
            .find(|l| l.trim_start().starts_with(code))
            .unwrap_or_else(|| panic!("no count line for {code}:\n{}", run.stderr));
        assert!(line.trim_end().ends_with(&count.to_string()), "{line}");
    }
    assert!(
        run.stderr
            .lines()
            .filter(|l| l.trim_start().starts_with("row "))
            .count()
            <= 10
    );
}

#[test]
fn json_failure_report_is_machine_readable() {
    let run = fails_on("mixed_bad.csv", &["--json"]);
    let j = run.json();
    assert_eq!(j["status"], "error");
    assert_eq!(j["exit_code"], 2);
    assert_eq!(j["bad_rows"]["rows_rejected"], 5);
    assert_eq!(j["bad_rows"]["examples"][0]["row"], 2);
    assert_eq!(j["bad_rows"]["examples"][0]["column"], "customer_id");
}

#[test]
fn quarantine_writes_rejected_rows_with_reasons_and_continues() {
    let dir = scratch("quarantine");
    let out = dir.join("out.csv");
    let q = dir.join("rejected.csv");
    let run = clvr(&[
        "summarize",
        "--transactions",
        "tests/fixtures/mixed_bad.csv",
        "--on-bad-rows",
        "quarantine",
        "--quarantine",
        q.to_str().unwrap(),
        "--time-unit",
        "day",
        "--json",
        "--output",
        out.to_str().unwrap(),
    ])
    .expect_code(0);
    let j = run.json();
    assert_eq!(j["input"]["rows_read"], 7);
    assert_eq!(j["input"]["rows_accepted"], 2);
    assert_eq!(j["input"]["rows_rejected"], 5);
    assert_eq!(j["input"]["rejected_by_reason"]["negative_amount"], 1);
    assert_eq!(j["summary"]["customers"], 2);

    let rejected = Csv::read(&q);
    assert_eq!(
        rejected.header,
        ["row", "customer_id", "date", "amount", "reason"]
    );
    assert_eq!(rejected.column("row"), ["2", "3", "4", "5", "7"]);
    assert_eq!(
        rejected.column("reason"),
        [
            "missing_customer",
            "unparseable_date",
            "non_numeric_amount",
            "negative_amount",
            "non_finite_amount"
        ]
    );
    assert_eq!(rejected.column("date")[1], "2020-02-30");
    assert_eq!(rejected.column("amount")[2], "abc");
    assert!(run.stderr.contains("rejected.csv"), "{}", run.stderr);
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn skip_drops_and_counts() {
    let dir = scratch("skip");
    let out = dir.join("out.csv");
    let run = clvr(&[
        "summarize",
        "--transactions",
        "tests/fixtures/mixed_bad.csv",
        "--on-bad-rows",
        "skip",
        "--json",
        "--output",
        out.to_str().unwrap(),
    ])
    .expect_code(0);
    let j = run.json();
    assert_eq!(j["input"]["rows_rejected"], 5);
    assert_eq!(j["input"]["rows_accepted"], 2);
    assert!(run.stderr.contains("5 rejected"), "{}", run.stderr);
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn quarantine_without_a_file_is_a_usage_error() {
    let run = fails_on("mixed_bad.csv", &["--on-bad-rows", "quarantine"]);
    assert!(run.stderr.contains("--quarantine FILE"), "{}", run.stderr);
}

#[test]
fn wrong_column_name_lists_the_columns_present() {
    let run = fails_on("bad_date.csv", &["--customer-col", "client"]);
    assert_names(
        &run,
        &[
            "no column 'client'",
            "--customer-col",
            "customer_id, date, amount",
        ],
    );
}

#[test]
fn column_position_out_of_range() {
    let run = fails_on("bad_date.csv", &["--customer-col", "9"]);
    assert_names(&run, &["--customer-col 9 is out of range", "3 column(s)"]);
}

#[test]
fn headerless_file_without_positions_asks_for_them() {
    let dir = scratch("nohdr");
    let run = clvr(&[
        "summarize",
        "--transactions",
        "datasets/cdnow/CDNOW_sample.txt",
        "--no-header",
        "--output",
        dir.join("o.csv").to_str().unwrap(),
    ])
    .expect_code(2);
    assert!(run.stderr.contains("1-based positions"), "{}", run.stderr);
}

#[test]
fn missing_file_names_the_file() {
    let run = fails_on("does_not_exist.csv", &[]);
    assert!(run.stderr.contains("does_not_exist.csv"), "{}", run.stderr);
}

#[test]
fn calibration_end_after_observation_end() {
    let run = fails_on(
        "negative_amount.csv",
        &[
            "--negative-amounts",
            "net",
            "--calibration-end",
            "2020-03-01",
            "--observation-end",
            "2020-02-01",
        ],
    );
    assert!(
        run.stderr.contains("must be before the observation end"),
        "{}",
        run.stderr
    );
}

#[test]
fn undetectable_dates_ask_for_a_format() {
    let dir = scratch("datefmt");
    let f = dir.join("t.csv");
    std::fs::write(&f, "customer_id,date\na,first of may\nb,second of may\n").unwrap();
    let run = clvr(&[
        "summarize",
        "--transactions",
        f.to_str().unwrap(),
        "--output",
        dir.join("o.csv").to_str().unwrap(),
    ])
    .expect_code(2);
    assert!(run.stderr.contains("--date-format"), "{}", run.stderr);
    assert!(run.stderr.contains("'first of may'"), "{}", run.stderr);
}
