//! The main job: train → versioned model file → predict, and the model-file contract.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::*;

const SAMPLE: [&str; 10] = [
    "--transactions",
    "datasets/cdnow/CDNOW_sample.txt",
    "--no-header",
    "--customer-col",
    "2",
    "--date-col",
    "3",
    "--amount-col",
    "5",
    "--quiet",
];

fn train(registry: &Path, name: &str, extra: &[&str]) -> Run {
    let mut a: Vec<String> = vec![
        "train".into(),
        "--name".into(),
        name.into(),
        "--registry".into(),
        registry.to_str().unwrap().into(),
    ];
    a.extend(SAMPLE.iter().map(|s| s.to_string()));
    a.extend(extra.iter().map(|s| s.to_string()));
    clvr(&a)
}

fn calibration() -> [&'static str; 4] {
    [
        "--calibration-end",
        "1997-09-30",
        "--observation-end",
        "1998-06-30",
    ]
}

fn predict(model: &str, registry: &Path, out: &Path, extra: &[&str]) -> Run {
    let mut a: Vec<String> = vec![
        "predict".into(),
        "--model".into(),
        model.into(),
        "--registry".into(),
        registry.to_str().unwrap().into(),
        "--transactions".into(),
        "datasets/cdnow/CDNOW_sample.txt".into(),
        "--no-header".into(),
        "--output".into(),
        out.to_str().unwrap().into(),
        "--json".into(),
        "-q".into(),
    ];
    a.extend(extra.iter().map(|s| s.to_string()));
    clvr(&a)
}

#[test]
fn train_then_predict_the_cdnow_holdout() {
    let dir = scratch("holdout");
    let reg = dir.join("models");
    train(&reg, "cdnow", &calibration()).expect_code(0);
    assert!(reg.join("cdnow/v0001.json").exists());
    let out = dir.join("scores.parquet");
    let j = predict(
        "cdnow",
        &reg,
        &out,
        &["--as-of", "1997-09-30", "--horizon", "39"],
    )
    .expect_code(0)
    .json();
    assert_eq!(j["scores"]["customers"], 2357);
    assert_eq!(j["rows_after_as_of"], 1959);
    // Wall seconds per stage (keyed by name), adding up to at most the whole run.
    let stages = j["stage_seconds"].as_object().unwrap();
    let names: Vec<&str> = stages.keys().map(String::as_str).collect();
    assert_eq!(names, ["load", "score", "segments", "summary", "write"]);
    let sum: f64 = stages.values().map(|v| v.as_f64().unwrap()).sum();
    assert!(sum <= j["elapsed_seconds"].as_f64().unwrap(), "{stages:?}");
    // Expected repeat transactions in weeks 40-78: the published BG/NBD total is 1653
    // (against 1,882 actual).
    let csv_out = dir.join("scores.csv");
    predict(
        "cdnow",
        &reg,
        &csv_out,
        &["--as-of", "1997-09-30", "--horizon", "39"],
    )
    .expect_code(0);
    let total: f64 = Csv::read(&csv_out).f64s("expected_purchases").iter().sum();
    assert!((total - 1653.0).abs() <= 1.0, "total {total}");
    let s = Csv::read(&csv_out);
    for c in [
        "customer_id",
        "frequency",
        "recency",
        "T",
        "monetary_value",
        "p_alive",
        "expected_purchases",
        "p_no_purchase",
        "expected_avg_spend",
        "spend_source",
        "clv",
        "model",
        "as_of",
    ] {
        s.col(c);
    }
    assert!(s.column("model").iter().all(|m| *m == "cdnow@1"));
    // The first customers' expected average spend (FHL 2005, JMR; the Gamma-Gamma note):
    // 24.66, 18.91, 35.17 (the third has no repeat purchase: the population mean).
    let spend = s.f64s("expected_avg_spend");
    for (got, want) in spend.iter().zip([24.66, 18.91, 35.17]) {
        assert!((got - want).abs() < 0.01, "{got} vs {want}");
    }
    assert_eq!(s.column("spend_source")[2], "population_mean");
    fs::remove_dir_all(dir).unwrap();
}

#[test]
fn predictions_are_deterministic_and_written_atomically() {
    let dir = scratch("predict-det");
    let reg = dir.join("models");
    train(&reg, "m", &calibration()).expect_code(0);
    let (a, b) = (dir.join("a.csv"), dir.join("b.csv"));
    predict("m", &reg, &a, &[]).expect_code(0);
    predict("m@1", &reg, &b, &[]).expect_code(0);
    assert_eq!(fs::read(&a).unwrap(), fs::read(&b).unwrap());
    // A failing run (unknown model version) leaves the last good output alone.
    predict("m@7", &reg, &a, &[]).expect_code(2);
    assert_eq!(fs::read(&a).unwrap(), fs::read(&b).unwrap());
    fs::remove_dir_all(dir).unwrap();
}

#[test]
fn the_model_time_unit_is_honoured() {
    let dir = scratch("units");
    let reg = dir.join("models");
    train(
        &reg,
        "daily",
        &["--calibration-end", "1997-09-30", "--time-unit", "day"],
    )
    .expect_code(0);
    let out = dir.join("s.csv");
    predict("daily", &reg, &out, &["--as-of", "1997-09-30"]).expect_code(0);
    let s = Csv::read(&out);
    // Customer 0001: first purchase 1997-01-01, T = 272 days.
    assert_eq!(s.column("customer_id")[0], "0001");
    assert_eq!(s.f64s("T")[0], 272.0);
    fs::remove_dir_all(dir).unwrap();
}

#[test]
fn model_files_are_small_plain_json_and_reproducible() {
    let (d1, d2) = (scratch("repro1"), scratch("repro2"));
    train(&d1, "cdnow", &calibration()).expect_code(0);
    train(&d2, "cdnow", &calibration()).expect_code(0);
    let (a, b) = (
        fs::read_to_string(d1.join("cdnow/v0001.json")).unwrap(),
        fs::read_to_string(d2.join("cdnow/v0001.json")).unwrap(),
    );
    assert!(a.len() < 16_000, "model file is {} bytes", a.len());
    let j: serde_json::Value = serde_json::from_str(&a).unwrap();
    assert_eq!(j["format"], "clvr-model");
    assert_eq!(j["format_version"], 1);
    assert!(j["checksum"].as_str().unwrap().starts_with("sha256:"));
    let differing: Vec<(&str, &str)> = a.lines().zip(b.lines()).filter(|(x, y)| x != y).collect();
    assert!(
        differing.iter().all(|(x, _)| x.contains("\"created_at\"")),
        "{differing:?}"
    );
    fs::remove_dir_all(d1).unwrap();
    fs::remove_dir_all(d2).unwrap();
}

fn refused(file: &Path, needle: &str) {
    let dir = scratch("refused");
    let run = predict(file.to_str().unwrap(), &dir, &dir.join("o.csv"), &[]).expect_code(2);
    assert!(run.stderr.contains(needle), "{}", run.stderr);
    assert!(!dir.join("o.csv").exists());
    fs::remove_dir_all(dir).unwrap();
}

#[test]
fn tampered_truncated_future_and_incomplete_files_are_refused() {
    let dir = scratch("tamper");
    let good = repo_file("tests/fixtures/models/cdnow-format-v1.json");
    let text = fs::read_to_string(&good).unwrap();
    let write = |name: &str, body: &str| -> PathBuf {
        let p = dir.join(name);
        fs::write(&p, body).unwrap();
        p
    };
    let j: serde_json::Value = serde_json::from_str(&text).unwrap();
    let r = j["purchase_model"]["params"]["r"].as_f64().unwrap();
    let tampered = text.replacen(&format!("\"r\": {r}"), "\"r\": 0.5", 1);
    assert_ne!(tampered, text);
    refused(&write("tampered.json", &tampered), "modified or corrupt");
    refused(
        &write("truncated.json", &text[..text.len() / 2]),
        "not a valid clvr model file",
    );
    let future = text.replacen("\"format_version\": 1", "\"format_version\": 99", 1);
    refused(&write("future.json", &future), "upgrade clvr");
    let mut missing = j.clone();
    missing.as_object_mut().unwrap().remove("purchase_model");
    refused(
        &write("missing_unsealed.json", &missing.to_string()),
        "modified or corrupt",
    );
    // Re-sealed, so the checksum passes and the missing field itself is reported.
    let sum = clvr::artifact::content_checksum(&missing);
    missing["checksum"] = serde_json::Value::String(sum);
    refused(
        &write("missing.json", &missing.to_string()),
        "missing field `purchase_model`",
    );
    refused(
        &write("other.json", "{\"format\": \"something-else\"}"),
        "not a valid clvr model file",
    );
    fs::remove_dir_all(dir).unwrap();
}

#[test]
fn the_checked_in_format_v1_file_keeps_loading_and_scoring() {
    let dir = scratch("v1");
    let show = clvr(&[
        "models",
        "show",
        "tests/fixtures/models/cdnow-format-v1.json",
    ])
    .expect_code(0);
    assert!(
        show.stdout.contains("cdnow-v1-fixture@1"),
        "{}",
        show.stdout
    );
    let j = predict(
        "tests/fixtures/models/cdnow-format-v1.json",
        &dir,
        &dir.join("s.csv"),
        &["--as-of", "1997-09-30"],
    )
    .expect_code(0)
    .json();
    assert_eq!(j["scores"]["customers"], 2357);
    fs::remove_dir_all(dir).unwrap();
}

#[test]
fn concurrent_trains_never_share_a_version() {
    let dir = scratch("concurrent");
    let reg = dir.join("models");
    let mut children = Vec::new();
    for _ in 0..4 {
        let mut a: Vec<String> = vec![
            "train".into(),
            "--name".into(),
            "race".into(),
            "--registry".into(),
            reg.to_str().unwrap().into(),
        ];
        a.extend(SAMPLE.iter().map(|s| s.to_string()));
        children.push(
            Command::new(env!("CARGO_BIN_EXE_clvr"))
                .args(&a)
                .current_dir(repo())
                .spawn()
                .unwrap(),
        );
    }
    for c in children.iter_mut() {
        assert!(c.wait().unwrap().success());
    }
    let mut names: Vec<String> = fs::read_dir(reg.join("race"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        ["v0001.json", "v0002.json", "v0003.json", "v0004.json"]
    );
    for v in 1..=4 {
        let j: serde_json::Value = serde_json::from_str(
            &fs::read_to_string(reg.join(format!("race/v{v:04}.json"))).unwrap(),
        )
        .unwrap();
        assert_eq!(j["version"], v);
    }
    let list = clvr(&["models", "--registry", reg.to_str().unwrap(), "list"]).expect_code(0);
    assert!(
        list.stdout.contains("race") && list.stdout.contains("v4 (4 versions)"),
        "{}",
        list.stdout
    );
    fs::remove_dir_all(dir).unwrap();
}

#[test]
fn new_and_missing_customers_are_counted() {
    let dir = scratch("new-missing");
    let reg = dir.join("models");
    // Customers acquired over 52 weeks from 1997-01-01, observed for 104; train on the first
    // 40 weeks (to 1997-10-08), score on everything: those acquired later are new.
    let log = dir.join("sim.csv");
    clvr(&[
        "simulate",
        "--customers",
        "5000",
        "--seed",
        "5",
        "--cohort-length",
        "52",
        "--observation-length",
        "104",
        "--output",
        log.to_str().unwrap(),
        "-q",
    ])
    .expect_code(0);
    clvr(&[
        "train",
        "--transactions",
        log.to_str().unwrap(),
        "--name",
        "sim",
        "--registry",
        reg.to_str().unwrap(),
        "--calibration-end",
        "1997-10-08",
        "-q",
    ])
    .expect_code(0);
    let out = dir.join("s.csv");
    let j = clvr(&[
        "predict",
        "--model",
        "sim",
        "--registry",
        reg.to_str().unwrap(),
        "--transactions",
        log.to_str().unwrap(),
        "--output",
        out.to_str().unwrap(),
        "--json",
        "-q",
    ])
    .expect_code(0)
    .json();
    let new = j["scores"]["new_since_training"].as_u64().unwrap();
    assert!(new > 500, "{j}");
    let flagged = Csv::read(&out)
        .column("new_since_training")
        .iter()
        .filter(|v| **v == "true")
        .count() as u64;
    assert_eq!(flagged, new);
    // Scoring only part of the log: training customers absent from it are counted.
    let text = fs::read_to_string(&log).unwrap();
    let part: String = text.lines().take(2000).map(|l| format!("{l}\n")).collect();
    let part_file = dir.join("part.csv");
    fs::write(&part_file, part).unwrap();
    let j = clvr(&[
        "predict",
        "--model",
        "sim",
        "--registry",
        reg.to_str().unwrap(),
        "--transactions",
        part_file.to_str().unwrap(),
        "--output",
        out.to_str().unwrap(),
        "--json",
        "-q",
    ])
    .expect_code(0)
    .json();
    assert!(
        j["scores"]["training_customers_not_scored"]
            .as_u64()
            .unwrap()
            > 0,
        "{j}"
    );
    fs::remove_dir_all(dir).unwrap();
}

/// Every train flag can come from a TOML file: the same settings by file or by flags give
/// the same model file, typed flags override the file, and a bad key is refused with its
/// line.
#[test]
fn a_config_file_sets_the_same_flags() {
    let dir = scratch("config");
    let (by_flags, by_file) = (dir.join("flags"), dir.join("file"));
    train(
        &by_flags,
        "cdnow",
        &[
            "--calibration-end",
            "1997-09-30",
            "--observation-end",
            "1998-06-30",
            "--purchase-model",
            "paretonbd",
            "--discount-rate",
            "0.02",
        ],
    )
    .expect_code(0);
    let config = dir.join("train.toml");
    fs::write(
        &config,
        format!(
            "# every key is a flag of `clvr {{command}}`\n\
             registry = \"{}\"\nquiet = true\n\n[train]\nname = \"cdnow\"\n\
             transactions = \"datasets/cdnow/CDNOW_sample.txt\"\nno_header = true\n\
             customer-col = \"2\"\ndate-col = 3\namount-col = 5\n\
             calibration-end = 1997-09-30\nobservation-end = \"1998-06-30\"\n\
             purchase-model = \"paretonbd\"\ndiscount-rate = 0.5\n\n[predict]\ntop = 3\n",
            by_file.display()
        ),
    )
    .unwrap();
    clvr(&[
        "train",
        "--config",
        config.to_str().unwrap(),
        "--discount-rate",
        "0.02",
    ])
    .expect_code(0);
    let read = |d: &Path| -> Vec<String> {
        fs::read_to_string(d.join("cdnow/v0001.json"))
            .unwrap()
            .lines()
            .filter(|l| !l.contains("\"created_at\""))
            .map(String::from)
            .collect()
    };
    assert_eq!(read(&by_flags), read(&by_file));

    fs::write(&config, "name = \"x\"\n\ndiscount = 0.1\n").unwrap();
    let run = clvr(&["train", "--config", config.to_str().unwrap()]).expect_code(2);
    assert!(
        run.stderr.contains("line 3") && run.stderr.contains("discount-rate"),
        "{}",
        run.stderr
    );
    fs::write(&config, "name = \"x\"\nmargin = \"lots\"\n").unwrap();
    let run = clvr(&["train", "--config", config.to_str().unwrap()]).expect_code(2);
    assert!(
        run.stderr.contains("--margin") && run.stderr.contains("config file set"),
        "{}",
        run.stderr
    );
    fs::remove_dir_all(dir).unwrap();
}

/// Acquisition cost as a constant or as a column of a customers table: CLV/CAC per
/// customer, unknown costs left empty and counted, and bad tables refused with the row.
#[test]
fn clv_to_cac_from_a_constant_or_a_customers_column() {
    let dir = scratch("cac");
    let reg = dir.join("models");
    train(&reg, "m", &calibration()).expect_code(0);
    let out = dir.join("s.csv");
    predict("m", &reg, &out, &["--acquisition-cost", "20"]).expect_code(0);
    let s = Csv::read(&out);
    for (clv, ratio) in s.f64s("clv").iter().zip(s.f64s("clv_to_cac")) {
        assert!((clv / 20.0 - ratio).abs() <= 1e-12 * clv.abs().max(1.0));
    }
    // Costs for the first two customers, blank for the third, nothing for the rest.
    let ids = s.column("customer_id");
    let table = dir.join("customers.csv");
    fs::write(
        &table,
        format!(
            "customer_id,channel,cac\n{},web,10\n{},shop,40.5\n{},web,\n",
            ids[0], ids[1], ids[2]
        ),
    )
    .unwrap();
    let t = table.to_str().unwrap();
    let j = predict(
        "m",
        &reg,
        &out,
        &["--acquisition-cost", "cac", "--customers", t],
    )
    .expect_code(0)
    .json();
    let n = ids.len() as u64;
    assert_eq!(j["scores"]["acquisition_cost_missing"], n - 2);
    let s2 = Csv::read(&out);
    let clv = s2.f64s("clv");
    let ratio = s2.column("clv_to_cac");
    assert!((ratio[0].parse::<f64>().unwrap() - clv[0] / 10.0).abs() < 1e-12 * clv[0].max(1.0));
    assert!((ratio[1].parse::<f64>().unwrap() - clv[1] / 40.5).abs() < 1e-12 * clv[1].max(1.0));
    assert_eq!(ratio[2], "");
    // A column name without a table, a text column, a non-positive constant: usage errors
    // that leave the last output alone.
    let before = fs::read(&out).unwrap();
    let run = predict("m", &reg, &out, &["--acquisition-cost", "cac"]).expect_code(2);
    assert!(run.stderr.contains("--customers"), "{}", run.stderr);
    let run = predict(
        "m",
        &reg,
        &out,
        &["--acquisition-cost", "channel", "--customers", t],
    )
    .expect_code(2);
    assert!(
        run.stderr.contains("row 1 (line 2)") && run.stderr.contains("'web'"),
        "{}",
        run.stderr
    );
    predict("m", &reg, &out, &["--acquisition-cost", "-5"]).expect_code(2);
    assert_eq!(fs::read(&out).unwrap(), before);
    fs::remove_dir_all(dir).unwrap();
}

/// Segments and lifecycle stages in `predict`: RFM scores 1–5, named segments from the
/// default table or a rules file, lifecycle stages from thresholds stored at train time and
/// overridable at predict time; the thresholds used are in the run report.
#[test]
fn predict_writes_segments_and_lifecycle_stages() {
    let dir = scratch("segments");
    let reg = dir.join("models");
    train(
        &reg,
        "seg",
        &["--new-days", "45", "--churned-p-alive", "0.2"],
    )
    .expect_code(0);
    let file: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(reg.join("seg/v0001.json")).unwrap()).unwrap();
    assert_eq!(file["scoring"]["lifecycle"]["new_days"], 45.0);
    assert_eq!(file["scoring"]["lifecycle"]["churned_p_alive"], 0.2);

    let out = dir.join("scores.csv");
    let j = predict("seg", &reg, &out, &[]).expect_code(0).json();
    let seg = &j["scores"]["segments"];
    assert_eq!(seg["thresholds"]["new_days"], 45.0);
    assert_eq!(seg["rules_source"], "default rules");
    let csv = Csv::read(&out);
    let n = csv.rows.len();
    for c in ["r_score", "f_score", "m_score"] {
        assert!(
            csv.column(c)
                .iter()
                .all(|s| matches!(*s, "1" | "2" | "3" | "4" | "5"))
        );
    }
    // Stage counts in the report match the file, and every customer has a stage.
    let stages = csv.column("lifecycle_stage");
    for g in seg["stages"].as_array().unwrap() {
        let name = g["name"].as_str().unwrap();
        let count = stages.iter().filter(|s| **s == name).count();
        assert_eq!(g["customers"].as_u64().unwrap() as usize, count, "{name}");
    }
    assert!(
        stages
            .iter()
            .all(|s| ["new", "active", "at_risk", "churned"].contains(s))
    );
    // Churned exactly when P(alive) < 0.2 (the stored threshold), whatever else holds.
    let p_alive = csv.f64s("p_alive");
    for (p, s) in p_alive.iter().zip(&stages) {
        assert_eq!(*p < 0.2, *s == "churned", "p_alive {p} stage {s}");
    }
    let segments = csv.column("segment");
    let total: u64 = seg["segments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["customers"].as_u64().unwrap())
        .sum();
    assert_eq!(total as usize, n);
    assert!(segments.contains(&"champions"));

    // A rules file: two segments, everyone else "other"; a predict-time threshold override.
    let rules = dir.join("rules.toml");
    fs::write(
        &rules,
        "[[segment]]\nname = \"best\"\nr = [4, 5]\nf = [4, 5]\n\n[[segment]]\nname = \"asleep\"\nr = 1\n",
    )
    .unwrap();
    let j = predict(
        "seg",
        &reg,
        &out,
        &[
            "--segment-rules",
            rules.to_str().unwrap(),
            "--churned-p-alive",
            "0.05",
        ],
    )
    .expect_code(0)
    .json();
    assert_eq!(
        j["scores"]["segments"]["thresholds"]["churned_p_alive"],
        0.05
    );
    let csv = Csv::read(&out);
    let (r, f) = (csv.column("r_score"), csv.column("f_score"));
    for ((s, r), f) in csv.column("segment").iter().zip(&r).zip(&f) {
        let (r, f): (u8, u8) = (r.parse().unwrap(), f.parse().unwrap());
        let want = if r >= 4 && f >= 4 {
            "best"
        } else if r == 1 {
            "asleep"
        } else {
            "other"
        };
        assert_eq!(*s, want);
    }

    // A bad rules file names the line; bad thresholds are usage errors.
    fs::write(&rules, "[[segment]]\nname = \"x\"\nr = [4, 9]\n").unwrap();
    let run = predict(
        "seg",
        &reg,
        &out,
        &["--segment-rules", rules.to_str().unwrap()],
    )
    .expect_code(2);
    assert!(run.stderr.contains("line 3"), "{}", run.stderr);
    predict("seg", &reg, &out, &["--churned-p-alive", "0.9"]).expect_code(2);
    fs::remove_dir_all(dir).unwrap();
}
