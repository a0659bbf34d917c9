//! What workflow managers (Snakemake, Nextflow) need from a step: reruns into the same
//! folder, inputs that are only read, and a log file outside the output folder.

use crate::util::{data_error, example, files_in, mutasig, run_ok};
use std::os::unix::fs::PermissionsExt;

#[test]
fn report_reads_a_read_only_folder_and_writes_a_new_one() {
    let tmp = tempfile::tempdir().unwrap();
    let run = tmp.path().join("run");
    let ex = example();
    run_ok(&[
        "assign",
        ex.to_str().unwrap(),
        "--no-plots",
        "-q",
        "-o",
        run.to_str().unwrap(),
    ]);
    let before = files_in(&run);
    // a staged input in Nextflow may be read-only
    for f in before.iter().chain(std::iter::once(&run)) {
        std::fs::set_permissions(f, std::fs::Permissions::from_mode(0o555)).unwrap();
    }
    let out = tmp.path().join("report");
    run_ok(&[
        "report",
        run.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "-q",
    ]);
    assert!(out.join("report.html").is_file());
    assert!(files_in(&out.join("plots")).len() >= 4);
    assert_eq!(files_in(&run), before, "the input folder changed");
    std::fs::set_permissions(&run, std::fs::Permissions::from_mode(0o755)).unwrap();
    // never into the folder it reads, and never without saying where
    let inside = run.join("sub");
    let o = mutasig()
        .args([
            "report",
            run.to_str().unwrap(),
            "-o",
            inside.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("inside") && err.contains("--in-place"),
        "{err}"
    );
    assert!(!inside.exists());
    let o = mutasig()
        .args(["report", run.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2), "report without -o or --in-place");
}

#[test]
fn log_file_receives_the_messages_and_the_error_and_keeps_what_was_there() {
    let tmp = tempfile::tempdir().unwrap();
    let log = tmp.path().join("logs/assign.log");
    std::fs::create_dir(tmp.path().join("logs")).unwrap();
    std::fs::write(&log, "earlier line\n").unwrap();
    let out = tmp.path().join("out");
    let ex = example();
    let args = [
        "assign",
        ex.to_str().unwrap(),
        "--no-plots",
        "-o",
        out.to_str().unwrap(),
        "--log",
        log.to_str().unwrap(),
    ];
    let o = mutasig().args(args).output().unwrap();
    assert!(o.status.success());
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(text.starts_with("earlier line\nmutasig "), "{text}");
    assert!(
        text.contains(" assign "),
        "the command line is the run's first line"
    );
    let stderr = String::from_utf8_lossy(&o.stderr);
    let last = stderr.lines().last().unwrap();
    assert!(last.contains("results in") && text.contains(last), "{text}");
    // errors reach the log too, once
    let e = data_error(
        &["inspect", "missing.tsv", "--log", log.to_str().unwrap()],
        None,
    );
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(text.trim_end().ends_with(e.trim_end()), "{text}\n---\n{e}");
    assert_eq!(e.matches("os error 2").count(), 1, "{e}");
    // an unwritable log is refused before any work
    let o = mutasig()
        .args([
            "inspect",
            ex.to_str().unwrap(),
            "--log",
            tmp.path().join("no/such/dir/x.log").to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--log"));
    assert!(o.stdout.is_empty());
}
