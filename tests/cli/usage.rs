//! The command line itself: help, version, usage errors, progress output in pipes.

use crate::support::*;

#[test]
fn version_and_help() {
    let v = clvr(&["--version"]).expect_code(0);
    assert!(v.stdout.starts_with("clvr "), "{}", v.stdout);
    let h = clvr(&["summarize", "--help"]).expect_code(0);
    for flag in [
        "--transactions",
        "--format",
        "--separator",
        "--no-header",
        "--customer-col",
        "--date-col",
        "--amount-col",
        "--date-format",
        "--on-bad-rows",
        "--quarantine",
        "--negative-amounts",
        "--time-unit",
        "--merge-period",
        "--calibration-end",
        "--observation-end",
        "--output",
        "--quiet",
        "--json",
    ] {
        assert!(h.stdout.contains(flag), "help lacks {flag}");
    }
    // Long help says what each flag does and its default.
    assert!(h.stdout.contains("[default: week]"), "{}", h.stdout);
}

#[test]
fn usage_errors_exit_2() {
    clvr(&["summarize"]).expect_code(2);
    clvr(&[
        "summarize",
        "--transactions",
        "x.csv",
        "--output",
        "o.csv",
        "--time-unit",
        "fortnight",
    ])
    .expect_code(2);
    clvr(&["no-such-command"]).expect_code(2);
}

#[test]
fn no_progress_bar_in_pipes() {
    let dir = scratch("pipes");
    let run = clvr(&[
        "summarize",
        "--transactions",
        "datasets/cdnow/CDNOW_master.txt",
        "--output",
        dir.join("s.csv").to_str().unwrap(),
    ])
    .expect_code(0);
    assert!(
        !run.stderr.contains('\r'),
        "spinner drawn into a pipe: {:?}",
        run.stderr
    );
    assert!(run.stderr.contains("69,659 read"), "{}", run.stderr);
    std::fs::remove_dir_all(dir).unwrap();
}
