//! `clvr report`: one self-contained HTML file that renders in a real browser.

use std::path::Path;
use std::process::Command;

use crate::support::*;

/// Opens the report in headless Chromium and returns what its load-time check printed,
/// "images loaded: OK/TOTAL"; `None` when no Chromium is installed.
pub(crate) fn images_loaded_in_chromium(html: &Path) -> Option<(usize, usize)> {
    let browser = ["chromium", "chromium-browser", "google-chrome"]
        .into_iter()
        .find(|b| {
            Command::new(b)
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success())
        })?;
    let out = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--dump-dom",
            "--virtual-time-budget=10000",
        ])
        .arg(format!("file://{}", html.canonicalize().unwrap().display()))
        .output()
        .expect("run chromium");
    let dom = String::from_utf8_lossy(&out.stdout);
    const MARK: &str = "id=\"image-check\">images loaded: ";
    let at = dom
        .find(MARK)
        .unwrap_or_else(|| panic!("no image check in the DOM chromium rendered:\n{dom}"));
    let rest = &dom[at + MARK.len()..];
    let end = rest.find('<').unwrap();
    let (ok, total) = rest[..end].split_once('/').unwrap();
    Some((ok.trim().parse().unwrap(), total.trim().parse().unwrap()))
}

#[test]
fn report_is_self_contained_and_every_image_loads_in_a_browser() {
    let dir = scratch("report");
    let reg = dir.join("models");
    let reg_s = reg.to_str().unwrap();
    clvr(&[
        "train",
        "--transactions",
        "datasets/cdnow/CDNOW_master.txt",
        "--name",
        "cdnow",
        "--registry",
        reg_s,
        "--time-unit",
        "week",
        "--churn",
        "-q",
    ])
    .expect_code(0);
    let scores = dir.join("scores.parquet");
    clvr(&[
        "predict",
        "--model",
        "cdnow",
        "--registry",
        reg_s,
        "--transactions",
        "datasets/cdnow/CDNOW_master.txt",
        "--output",
        scores.to_str().unwrap(),
        "-q",
    ])
    .expect_code(0);
    let evaluation = dir.join("evaluation.json");
    clvr(&[
        "evaluate",
        "--transactions",
        "datasets/cdnow/CDNOW_sample.txt",
        "--no-header",
        "--customer-col",
        "2",
        "--date-col",
        "3",
        "--amount-col",
        "5",
        "--time-unit",
        "week",
        "--calibration-end",
        "1997-09-30",
        "--observation-end",
        "1998-06-30",
        "--purchase-model",
        "bgnbd,paretonbd",
        "--output",
        evaluation.to_str().unwrap(),
        "-q",
    ])
    .expect_code(0);
    let html = dir.join("report.html");
    let plots = dir.join("plots");
    let j = clvr(&[
        "report",
        "--model",
        "cdnow",
        "--registry",
        reg_s,
        "--scores",
        scores.to_str().unwrap(),
        "--evaluation",
        evaluation.to_str().unwrap(),
        "--output",
        html.to_str().unwrap(),
        "--plots-dir",
        plots.to_str().unwrap(),
        "--json",
        "-q",
    ])
    .expect_code(0)
    .json();
    let text = std::fs::read_to_string(&html).unwrap();
    // Self-contained: nothing fetched from anywhere.
    for needle in ["http://", "https://", "src=\"/", "src=\"file:"] {
        assert!(!text.contains(needle), "{needle} in the report");
    }
    let n_img = text.matches("<img ").count();
    assert_eq!(n_img, j["plots"].as_u64().unwrap() as usize);
    // 2 model grids, CLV histogram, Lorenz, segments, 4 churn, 3 holdout.
    assert_eq!(n_img, 12);
    for section in [
        "Purchase model",
        "Spend model",
        "Predicted value",
        "Segments and lifecycle",
        "Top customers",
        "Churn model",
        "Holdout evaluation",
    ] {
        assert!(text.contains(&format!("<h2>{section}</h2>")), "{section}");
    }
    assert!(text.contains("Top 20 by churn risk"));
    // Every plot also as PNG and SVG files.
    let files = j["plot_files"].as_array().unwrap();
    assert_eq!(files.len(), 2 * n_img);
    for f in files {
        let p = Path::new(f.as_str().unwrap());
        let bytes = std::fs::read(p).unwrap();
        match p.extension().unwrap().to_str().unwrap() {
            "png" => assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"), "{}", p.display()),
            "svg" => assert!(String::from_utf8_lossy(&bytes).contains("<svg")),
            other => panic!("unexpected {other}"),
        }
    }

    // A real browser: every image decodes. CI installs Debian's chromium and sets
    // CLVR_REQUIRE_CHROMIUM=1, so there the browser check cannot be skipped.
    match images_loaded_in_chromium(&html) {
        Some((ok, total)) => {
            assert_eq!(total, n_img);
            assert_eq!(ok, total, "only {ok} of {total} images loaded in chromium");
        }
        None => {
            assert!(
                std::env::var_os("CLVR_REQUIRE_CHROMIUM").is_none(),
                "CLVR_REQUIRE_CHROMIUM is set but no chromium was found"
            );
            eprintln!(
                "SKIPPED the browser check: no chromium installed (apt-get install chromium)"
            );
        }
    }
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn report_refuses_a_scores_file_that_is_not_from_predict() {
    let dir = scratch("report-bad");
    let bad = dir.join("scores.csv");
    std::fs::write(&bad, "customer_id,x\na,1\n").unwrap();
    let run = clvr(&[
        "report",
        "--model",
        "tests/fixtures/models/cdnow-format-v1.json",
        "--scores",
        bad.to_str().unwrap(),
        "--output",
        dir.join("r.html").to_str().unwrap(),
    ])
    .expect_code(2);
    assert!(run.stderr.contains("p_alive"), "{}", run.stderr);
    assert!(!dir.join("r.html").exists());
    std::fs::remove_dir_all(dir).unwrap();
}
