//! Scatter/gather of `extract`: `--partial-out` parts merged by `mutasig merge` give the
//! single run's folder byte for byte; parts that do not fit together are refused.

use crate::util::{
    all_files, assert_same_but_run, data_error, example, example_rows, mutasig, run_ok, table,
};
use std::collections::BTreeMap;
use std::path::Path;

// replicates by need (2, 4, then 5): the merge must keep what the single run used
const SETTINGS: [&str; 8] = [
    "--max-rank",
    "3",
    "--replicates",
    "5",
    "--min-replicates",
    "2",
    "--seed",
    "7",
];

/// Writes one part of the example's run with `SETTINGS` (plus `extra`) to `dir/name`.
fn part(dir: &Path, name: &str, extra: &[&str]) -> String {
    let path = dir.join(name).to_str().unwrap().to_string();
    let ex = example();
    let mut args = vec![
        "-q",
        "extract",
        ex.to_str().unwrap(),
        "--partial-out",
        &path,
    ];
    // flags of `extra` that SETTINGS has replace its values, the others are added
    let mut settings = SETTINGS.to_vec();
    for pair in extra.chunks(2) {
        match settings.iter().position(|s| *s == pair[0]) {
            Some(i) => settings[i + 1] = pair[1],
            None => settings.extend_from_slice(pair),
        }
    }
    args.extend_from_slice(&settings);
    run_ok(&args);
    path
}

fn merge_args<'a>(input: &'a str, parts: &'a [String], out: &'a str) -> Vec<&'a str> {
    let mut args = vec!["-q", "merge", "--input", input];
    args.extend(parts.iter().map(String::as_str));
    args.extend(["-o", out]);
    args
}

/// The example's single run with `SETTINGS`, in `d/single`.
fn single_run(d: &Path, ex: &str) -> std::path::PathBuf {
    let single = d.join("single");
    let mut args = vec!["-q", "extract", ex, "-o", single.to_str().unwrap()];
    args.extend_from_slice(&SETTINGS);
    run_ok(&args);
    single
}

#[test]
fn parts_of_ranks_and_uneven_replicate_chunks_merge_into_the_single_run() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let ex = example();
    let ex = ex.to_str().unwrap();
    let single = single_run(d, ex);
    // three rank groups, each in uneven replicate chunks; one part with two ranks
    let mut parts = vec![
        part(
            d,
            "r3b.part",
            &["--ranks", "3", "--replicate-range", "2..5"],
        ),
        part(
            d,
            "r1a.part",
            &["--ranks", "1", "--replicate-range", "0..2"],
        ),
        part(d, "r2.part", &["--ranks", "2"]),
        part(
            d,
            "r3a.part",
            &["--ranks", "3", "--replicate-range", "0..2"],
        ),
        part(
            d,
            "r1b.part",
            &["--ranks", "1", "--replicate-range", "2..3"],
        ),
        part(
            d,
            "r1c.part",
            &["--ranks", "1", "--replicate-range", "3..5"],
        ),
    ];
    let merged = d.join("merged");
    run_ok(&merge_args(ex, &parts, merged.to_str().unwrap()));
    let files = all_files(&single);
    assert!(files.contains_key("report.html") && files.contains_key("signatures.tsv"));
    // the single run stopped adding replicates early; the merge, given all 5, agrees
    let summary: serde_json::Value = serde_json::from_slice(&files["summary.json"]).unwrap();
    let used: Vec<u64> = summary["ranks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["replicates"].as_u64().unwrap())
        .collect();
    assert!(used.iter().any(|&n| n < 5), "{used:?}");
    let report = String::from_utf8_lossy(&files["report.html"]);
    assert!(
        report.contains("added 2 at a time up to 5"),
        "methods paragraph"
    );
    assert_same_but_run(&single, &merged);
    // a part with a rank the others lack, given twice, or missing: refused, nothing written
    parts.swap_remove(0);
    let out = d.join("gap");
    let err = data_error(&merge_args(ex, &parts, out.to_str().unwrap()), None);
    assert!(
        err.contains("no part holds rank 3 replicates 2..5"),
        "{err}"
    );
    assert!(err.contains("--ranks 3 --replicate-range 2..5"), "{err}");
    assert!(!out.exists());
}

/// `merge` also takes finished folders: one `extract --keep-parts` run per rank, merged,
/// gives the single run's folder (but for `run`), and a folder without parts is refused.
#[test]
fn per_rank_folders_with_kept_parts_merge_into_the_single_run() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let ex = example();
    let ex = ex.to_str().unwrap();
    let single = single_run(d, ex);
    let mut folders = Vec::new();
    for k in ["1", "2", "3"] {
        let out = d.join(format!("k{k}")).to_str().unwrap().to_string();
        let args = [
            "-q",
            "extract",
            ex,
            "-o",
            &out,
            "--min-rank",
            k,
            "--max-rank",
            k,
            "--replicates",
            "5",
            "--min-replicates",
            "2",
            "--seed",
            "7",
            "--keep-parts",
            "--no-plots",
        ];
        run_ok(&args);
        assert!(
            Path::new(&out)
                .join(format!("parts/rank{k}.part"))
                .is_file()
        );
        folders.push(out);
    }
    let merged = d.join("merged");
    run_ok(&merge_args(ex, &folders, merged.to_str().unwrap()));
    assert_same_but_run(&single, &merged);
    // a finished folder without kept parts
    let out = d.join("none");
    let err = data_error(
        &merge_args(
            ex,
            &[single.to_str().unwrap().to_string()],
            out.to_str().unwrap(),
        ),
        None,
    );
    assert!(err.contains("--keep-parts"), "{err}");
    assert!(!out.exists());
}

#[test]
fn merge_refuses_overlaps_other_seeds_and_other_inputs() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let ex = example();
    let ex = ex.to_str().unwrap();
    let all = part(d, "all.part", &[]);
    let chunk = part(
        d,
        "chunk.part",
        &["--ranks", "2", "--replicate-range", "1..3"],
    );
    let out = d.join("out");
    let o = out.to_str().unwrap();
    let err = data_error(&merge_args(ex, &[all.clone(), chunk], o), None);
    assert!(
        err.contains("all.part and") && err.contains("chunk.part both hold rank 2 replicate 1")
    );
    let seed = part(d, "seed.part", &["--ranks", "1", "--seed", "8"]);
    let err = data_error(&merge_args(ex, &[all.clone(), seed], o), None);
    assert!(err.contains("differ in setting seed (7 vs 8)"), "{err}");
    let reps = part(d, "reps.part", &["--ranks", "1", "--replicates", "6"]);
    let err = data_error(&merge_args(ex, &[all.clone(), reps], o), None);
    assert!(
        err.contains("differ in setting replicates (5 vs 6)"),
        "{err}"
    );
    // the catalogue given to merge must be the one the parts were computed from
    let (header, mut rows) = example_rows();
    rows[0].1[0] = "1234".into();
    let other = d.join("other.tsv");
    std::fs::write(&other, table(&header, &rows, "\t", "\n")).unwrap();
    let err = data_error(
        &merge_args(other.to_str().unwrap(), std::slice::from_ref(&all), o),
        None,
    );
    assert!(
        err.contains("was computed from an input with SHA-256"),
        "{err}"
    );
    assert!(err.contains("other.tsv has SHA-256"), "{err}");
    // a damaged part
    let mut bytes = std::fs::read(&all).unwrap();
    let last = bytes.len() - 10;
    bytes[last] ^= 0xff;
    let bad = d.join("bad.part");
    std::fs::write(&bad, bytes).unwrap();
    let bad = bad.to_str().unwrap().to_string();
    let err = data_error(&merge_args(ex, &[bad], o), None);
    assert!(
        err.contains("damaged partial file") && err.contains("SHA-256"),
        "{err}"
    );
    let err = data_error(&merge_args(ex, &[ex.to_string()], o), None);
    assert!(err.contains("not a mutasig partial file"), "{err}");
    assert!(!out.exists(), "a refused merge wrote its folder");
    // the complete part alone merges
    run_ok(&merge_args(ex, &[all], o));
    assert!(out.join("summary.json").is_file());
}

#[test]
fn partial_flags_are_checked_before_any_file_is_touched() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("x.part");
    let p = p.to_str().unwrap();
    let ex = example();
    let ex = ex.to_str().unwrap();
    let cases: &[(&[&str], &str)] = &[
        (
            &["--partial-out", p, "--replicate-range", "3..7"],
            "--replicate-range",
        ),
        (
            &["--partial-out", p, "--replicate-range", "3..3"],
            "--replicate-range",
        ),
        (
            &["--partial-out", p, "--replicate-range", "x"],
            "--replicate-range",
        ),
        (&["--partial-out", p, "--ranks", "4"], "--ranks"),
        (&["--partial-out", p, "--ranks", "0"], "--ranks"),
        (&["--partial-out", p, "-o", "folder"], "--partial-out"),
        (&["--ranks", "2", "-o", "folder"], "--ranks"),
        (
            &["--replicate-range", "0..2", "-o", "folder"],
            "--replicate-range",
        ),
    ];
    for (extra, flag) in cases {
        let mut args = vec!["extract", ex];
        args.extend_from_slice(&SETTINGS);
        args.extend_from_slice(extra);
        let o = mutasig()
            .current_dir(dir.path())
            .args(&args)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{extra:?}: {err}");
        assert!(err.contains(flag), "{extra:?}: {err}");
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            0,
            "{extra:?}"
        );
    }
    // an existing part is replaced only with --force
    part(dir.path(), "x.part", &["--ranks", "1"]);
    let mut args = vec!["extract", ex, "--partial-out", p, "--ranks", "1"];
    args.extend_from_slice(&SETTINGS);
    let err = data_error(&args, None);
    assert!(err.contains("--force"), "{err}");
    args.push("--force");
    run_ok(&args);
}

#[test]
fn resume_continues_from_the_parts_a_killed_run_left() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let ex = example();
    let ex = ex.to_str().unwrap();
    let single = d.join("single");
    let mut args = vec![
        "-q",
        "extract",
        ex,
        "--no-plots",
        "-o",
        single.to_str().unwrap(),
    ];
    args.extend_from_slice(&SETTINGS);
    run_ok(&args);
    // what an interrupted `extract --resume -o out` leaves: finished ranks' parts (here
    // rank 1), a stale part of another run (rank 3, other seed) and a damaged one (rank 2)
    let work = d.join(".out.mutasig-parts");
    std::fs::create_dir(&work).unwrap();
    part(&work, "rank1.part", &["--ranks", "1"]);
    part(&work, "rank3.part", &["--ranks", "3", "--seed", "9"]);
    std::fs::write(work.join("rank2.part"), b"mutasig-partial 1\n{").unwrap();
    let out = d.join("out");
    let mut args = vec![
        "extract",
        ex,
        "--no-plots",
        "--resume",
        "-o",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(&SETTINGS);
    let o = run_ok(&args);
    let log = String::from_utf8_lossy(&o.stderr);
    assert!(log.contains("resuming: 1 of 3 ranks taken from"), "{log}");
    assert!(
        !work.exists(),
        "the work area is removed once the folder is written"
    );
    let (a, b) = (all_files(&single), all_files(&out));
    assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
    for (name, bytes) in &a {
        if name != "summary.json" && name != ".mutasig-manifest" {
            assert!(bytes == &b[name], "{name} differs after resuming");
        }
    }
    let summary = |m: &BTreeMap<String, Vec<u8>>| {
        let mut v: serde_json::Value = serde_json::from_slice(&m["summary.json"]).unwrap();
        v.as_object_mut().unwrap().remove("run");
        v
    };
    assert_eq!(summary(&a), summary(&b));
    // --resume writes a folder, never a part
    let mut args = vec!["extract", ex, "--resume", "--partial-out", "x.part"];
    args.extend_from_slice(&SETTINGS);
    let o = mutasig().current_dir(d).args(&args).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(!d.join("x.part").exists());
}
