//! Outputs are written to a temporary file and renamed into place: a failed, refused or
//! killed run never leaves a partial file and never clobbers the last good one.

use std::fs;
use std::process::Command;
use std::time::Duration;

use crate::support::*;

#[test]
fn a_failed_run_leaves_the_previous_output_intact() {
    let dir = scratch("keep-prev");
    let out = dir.join("summary.csv");
    let good = clvr(&[
        "summarize",
        "--transactions",
        "tests/fixtures/negative_amount.csv",
        "--negative-amounts",
        "net",
        "--output",
        out.to_str().unwrap(),
    ]);
    assert_eq!(good.code, 0, "{}", good.stderr);
    let before = fs::read(&out).unwrap();
    clvr(&[
        "summarize",
        "--transactions",
        "tests/fixtures/mixed_bad.csv",
        "--output",
        out.to_str().unwrap(),
    ])
    .expect_code(2);
    assert_eq!(fs::read(&out).unwrap(), before);
    fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_write_that_fails_at_the_rename_leaves_no_temporary_file() {
    let dir = scratch("rename-fails");
    // The target is a non-empty directory: the temporary file is written in full, then the
    // rename over the directory fails.
    let target = dir.join("summary.csv");
    fs::create_dir(&target).unwrap();
    fs::write(target.join("keep.txt"), "precious").unwrap();
    let run = clvr(&[
        "summarize",
        "--transactions",
        "datasets/cdnow/CDNOW_master.txt",
        "--output",
        target.to_str().unwrap(),
    ]);
    assert_eq!(
        run.code, 1,
        "a write failure is a runtime failure: {}",
        run.stderr
    );
    assert!(run.stderr.contains("summary.csv"), "{}", run.stderr);
    assert_eq!(
        fs::read_to_string(target.join("keep.txt")).unwrap(),
        "precious"
    );
    let names: Vec<String> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["summary.csv"], "temporary file left behind");
    fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_killed_run_never_leaves_a_partial_output() {
    let dir = scratch("killed");
    // A log big enough that writing the summary takes a while: 200k customers.
    let input = dir.join("tx.csv");
    let mut text = String::from("customer_id,date,amount\n");
    for c in 0..200_000u32 {
        for k in 0..3u32 {
            let day = 1 + (c * 7 + k * 11) % 28;
            text += &format!(
                "cust{c:07},2020-{:02}-{day:02},{}.{:02}\n",
                1 + k * 4,
                10 + c % 90,
                k * 7
            );
        }
    }
    fs::write(&input, text).unwrap();
    let out = dir.join("summary.csv");
    let args = [
        "summarize",
        "--transactions",
        input.to_str().unwrap(),
        "--quiet",
        "--output",
        out.to_str().unwrap(),
    ];
    clvr(&args).expect_code(0);
    let reference = fs::read(&out).unwrap();
    assert!(reference.len() > 1_000_000);

    for delay_ms in [0u64, 30, 60, 90, 120, 160, 200, 260, 330, 420] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_clvr"))
            .args(args)
            .current_dir(repo())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(delay_ms));
        let _ = child.kill(); // SIGKILL: no cleanup code runs
        let _ = child.wait();
        assert_eq!(
            fs::read(&out).unwrap(),
            reference,
            "output changed after a kill at {delay_ms} ms"
        );
    }
    fs::remove_dir_all(dir).unwrap();
}
