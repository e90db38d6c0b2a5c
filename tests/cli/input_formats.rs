//! The same data through every door: Parquet with typed columns, tabs, several date
//! formats, timestamps with default column names, and logs without amounts.

use std::fs;

use polars::prelude::*;

use crate::support::*;

/// The CDNOW sample as (sample id, day number, dollars), parsed here independently.
fn cdnow_sample_rows() -> Vec<(i64, i32, f64)> {
    let text = fs::read_to_string(repo_file("datasets/cdnow/CDNOW_sample.txt")).unwrap();
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            let d = chrono::NaiveDate::parse_from_str(f[2], "%Y%m%d").unwrap();
            let epoch = chrono::NaiveDate::from_ymd_opt(1970, 1, 1).unwrap();
            (
                f[1].parse().unwrap(),
                (d - epoch).num_days() as i32,
                f[4].parse().unwrap(),
            )
        })
        .collect()
}

fn summary_by_id(path: &std::path::Path) -> Vec<(u32, String, String, String)> {
    let csv = Csv::read(path);
    let mut v: Vec<(u32, String, String, String)> = csv
        .rows
        .iter()
        .map(|r| {
            (
                r[csv.col("customer_id")].parse().unwrap(),
                r[csv.col("frequency")].clone(),
                r[csv.col("recency")].clone(),
                r[csv.col("monetary_value")].clone(),
            )
        })
        .collect();
    v.sort_by_key(|r| r.0);
    v
}

fn summarize(args: &[&str], out: &std::path::Path) -> Run {
    let mut a: Vec<String> = vec!["summarize".into()];
    a.extend(args.iter().map(|s| s.to_string()));
    a.extend([
        "--output".to_string(),
        out.to_str().unwrap().to_string(),
        "--json".into(),
    ]);
    clvr(&a).expect_code(0)
}

#[test]
fn typed_parquet_input_gives_the_same_summary_as_text() {
    let dir = scratch("parquet-in");
    let rows = cdnow_sample_rows();
    let mut df = DataFrame::new(
        rows.len(),
        vec![
            Column::new(
                "sample_id".into(),
                rows.iter().map(|r| r.0).collect::<Vec<_>>(),
            ),
            Int32Chunked::from_vec("purchase_day".into(), rows.iter().map(|r| r.1).collect())
                .into_date()
                .into_column(),
            Column::new(
                "dollars".into(),
                rows.iter().map(|r| r.2).collect::<Vec<_>>(),
            ),
        ],
    )
    .unwrap();
    let pq = dir.join("cdnow.parquet");
    ParquetWriter::new(fs::File::create(&pq).unwrap())
        .finish(&mut df)
        .unwrap();

    let from_pq = dir.join("from_parquet.csv");
    summarize(
        &[
            "--transactions",
            pq.to_str().unwrap(),
            "--customer-col",
            "sample_id",
            "--date-col",
            "purchase_day",
            "--amount-col",
            "dollars",
            "--calibration-end",
            "1997-09-30",
        ],
        &from_pq,
    );
    let from_txt = dir.join("from_text.csv");
    summarize(
        &[
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
        ],
        &from_txt,
    );
    let (a, b) = (summary_by_id(&from_pq), summary_by_id(&from_txt));
    assert_eq!(a.len(), 2357);
    assert_eq!(a, b);
    fs::remove_dir_all(dir).unwrap();
}

#[test]
fn parquet_output_reads_back_with_the_same_rows() {
    let dir = scratch("parquet-out");
    let out = dir.join("summary.parquet");
    summarize(
        &[
            "--transactions",
            "datasets/cdnow/CDNOW_sample.txt",
            "--no-header",
            "--customer-col",
            "2",
            "--date-col",
            "3",
            "--amount-col",
            "5",
        ],
        &out,
    );
    let df = ParquetReader::new(fs::File::open(&out).unwrap())
        .finish()
        .unwrap();
    assert_eq!(df.height(), 2357);
    assert_eq!(df.column("frequency").unwrap().dtype(), &DataType::Int64);
    assert_eq!(
        df.column("first_purchase").unwrap().dtype(),
        &DataType::Date
    );
    fs::remove_dir_all(dir).unwrap();
}

/// Writes the CDNOW sample in another layout and checks the summary is unchanged.
fn same_summary_in_layout(
    name: &str,
    header: &str,
    fmt_row: impl Fn(&(i64, i32, f64)) -> String,
    extra: &[&str],
) {
    let dir = scratch(name);
    let mut text = String::from(header);
    for r in cdnow_sample_rows() {
        text += &fmt_row(&r);
        text.push('\n');
    }
    let input = dir.join(format!("{name}.txt"));
    fs::write(&input, text).unwrap();
    let out = dir.join("s.csv");
    let mut args = vec!["--transactions", input.to_str().unwrap()];
    args.extend_from_slice(extra);
    summarize(&args, &out);
    let reference = dir.join("ref.csv");
    summarize(
        &[
            "--transactions",
            "datasets/cdnow/CDNOW_sample.txt",
            "--no-header",
            "--customer-col",
            "2",
            "--date-col",
            "3",
            "--amount-col",
            "5",
        ],
        &reference,
    );
    assert_eq!(
        summary_by_id(&out),
        summary_by_id(&reference),
        "layout {name}"
    );
    fs::remove_dir_all(dir).unwrap();
}

fn ymd(day: i32) -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(1970, 1, 1).unwrap() + chrono::Duration::days(day.into())
}

#[test]
fn tab_separated_with_epoch_seconds() {
    same_summary_in_layout(
        "tab-epoch",
        "customer_id\tamount\tcreated\n",
        |r| format!("{}\t{}\t{}", r.0, r.2, i64::from(r.1) * 86_400 + 3_600 * 13),
        &["--date-col", "created"],
    );
}

#[test]
fn iso_timestamps_with_offsets() {
    same_summary_in_layout(
        "iso-ts",
        "id,timestamp,revenue\n",
        |r| format!("{},{}T21:15:00+05:30,{}", r.0, ymd(r.1), r.2),
        &[],
    );
}

#[test]
fn custom_date_pattern_and_semicolons() {
    same_summary_in_layout(
        "custom",
        "client_id;order_date;value\n",
        |r| format!("{};{};{}", r.0, ymd(r.1).format("%d/%m/%Y"), r.2),
        &["--date-format", "%d/%m/%Y"],
    );
}

#[test]
fn timestamps_and_default_names_without_amounts() {
    let dir = scratch("synthetic");
    let out = dir.join("s.csv");
    let run = summarize(
        &[
            "--transactions",
            "datasets/lifetimes_synthetic/example_transactions.csv",
            "--time-unit",
            "day",
        ],
        &out,
    );
    let j = run.json();
    assert_eq!(j["input"]["columns"]["customer"], "id");
    assert_eq!(j["input"]["columns"]["amount"], serde_json::Value::Null);
    assert_eq!(j["input"]["rows_read"], 15273);
    assert_eq!(j["summary"]["customers"], 5000);
    assert_eq!(j["summary"]["has_monetary"], false);
    assert!(run.stderr.contains("counts only"), "{}", run.stderr);
    let csv = Csv::read(&out);
    assert!(!csv.header.iter().any(|h| h == "monetary_value"));
    fs::remove_dir_all(dir).unwrap();
}
