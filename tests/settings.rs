//! Settings out of range are usage errors (exit 2, one line naming the flag and the
//! value) found before any input is read and before any output is created.

use crate::util::*;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// One refused command line. `{IN}` is the catalogue, `{SIGS}` a signature file,
/// `{OUT}` the output folder.
struct Case {
    args: &'static [&'static str],
    flag: &'static str,
    value: &'static str,
    /// The check needs nothing read, so a missing input gives the same usage error.
    before_input: bool,
}

const fn case(args: &'static [&'static str], flag: &'static str, value: &'static str) -> Case {
    Case {
        args,
        flag,
        value,
        before_input: true,
    }
}

/// The check needs what the input holds (the signatures a simulation draws from).
const fn after_input(
    args: &'static [&'static str],
    flag: &'static str,
    value: &'static str,
) -> Case {
    Case {
        args,
        flag,
        value,
        before_input: false,
    }
}

// Extraction runs are kept tiny so that, without the checks, the run ends quickly.
const EXTRACT: &[Case] = &[
    case(&["--tolerance=-1"], "--tolerance", "-1"),
    case(&["--tolerance", "NaN"], "--tolerance", "NaN"),
    case(&["--tolerance", "inf"], "--tolerance", "inf"),
    case(&["--tolerance", "1"], "--tolerance", "1"),
    case(&["--max-iter", "0"], "--max-iter", "0"),
    case(&["--max-iter", "1000000000"], "--max-iter", "1000000000"),
    case(&["--alpha", "NaN"], "--alpha", "NaN"),
    case(&["--alpha", "5"], "--alpha", "5"),
    case(&["--alpha", "0"], "--alpha", "0"),
    case(&["--stability=-1"], "--stability", "-1"),
    case(&["--stability", "NaN"], "--stability", "NaN"),
    case(&["--min-stability", "NaN"], "--min-stability", "NaN"),
    case(&["--min-stability", "1.5"], "--min-stability", "1.5"),
    case(&["--mu-warmup", "100000000"], "--mu-warmup", "100000000"),
    // the default objective is kl
    case(&["--solver", "hals"], "--solver", "hals"),
    case(
        &["--objective", "kl", "--solver", "hals"],
        "--solver",
        "hals",
    ),
    case(
        &["--objective", "frobenius", "--solver", "cd"],
        "--solver",
        "cd",
    ),
    // minimum-volume NMF is defined under kl only, with a weight in (0, 10)
    case(
        &["--objective", "frobenius", "--solver", "mvnmf"],
        "--solver",
        "mvnmf",
    ),
    case(
        &["--solver", "mvnmf", "--volume-lambda", "0"],
        "--volume-lambda",
        "0",
    ),
    case(&["--volume-lambda", "NaN"], "--volume-lambda", "NaN"),
    case(&["--volume-lambda", "10"], "--volume-lambda", "10"),
];

/// Extraction settings that set the ranks or replicates themselves.
const EXTRACT_RANKS: &[Case] = &[
    case(&["--min-rank", "5", "--max-rank", "2"], "--min-rank", "5"),
    case(&["--replicates", "1"], "--replicates", "1"),
    case(&["--replicates", "50000"], "--replicates", "50000"),
];

const ASSIGN: &[Case] = &[
    case(&["--add-threshold", "NaN"], "--add-threshold", "NaN"),
    case(&["--add-threshold=-1"], "--add-threshold", "-1"),
    case(&["--add-threshold", "inf"], "--add-threshold", "inf"),
    case(
        &["--criterion", "l2", "--add-threshold", "2"],
        "--add-threshold",
        "2",
    ),
    case(&["--remove-threshold", "NaN"], "--remove-threshold", "NaN"),
    case(&["--remove-threshold=-1"], "--remove-threshold", "-1"),
    case(&["--remove-threshold", "inf"], "--remove-threshold", "inf"),
    case(
        &["--add-threshold", "3", "--remove-threshold", "5"],
        "--remove-threshold",
        "5",
    ),
    // the default remove threshold (7) is above this add threshold
    case(&["--add-threshold", "5"], "--add-threshold", "5"),
    case(&["--min-l2-gain", "NaN"], "--min-l2-gain", "NaN"),
    case(&["--min-l2-gain", "1"], "--min-l2-gain", "1"),
    case(&["--min-l2-gain=-0.1"], "--min-l2-gain", "-0.1"),
    case(
        &["--criterion", "l2", "--min-l2-gain", "0.1"],
        "--min-l2-gain",
        "0.1",
    ),
    case(&["--bootstrap", "20000"], "--bootstrap", "20000"),
    case(&["--background", "SBS999"], "--background", "SBS999"),
    case(&["--background", "SBS1,DBS2"], "--background", "DBS2"),
    case(&["--include", "SBS1x"], "--include", "SBS1x"),
    case(&["--exclude", "NoSuchGroup"], "--exclude", "NoSuchGroup"),
    case(
        &["--include", "SBS1", "--exclude", "SBS1"],
        "--exclude",
        "SBS1",
    ),
    // a --signatures file is read before the catalogue: still no catalogue read
    case(
        &["--signatures", "{SIGS}", "--background", "SBS3"],
        "--background",
        "SBS3",
    ),
    case(&["--decompose", "{SIGS}"], "--decompose", "sigs.tsv"),
    case(&["--cohort-effect", "NaN"], "--cohort-effect", "NaN"),
    case(&["--cohort-effect", "1.5"], "--cohort-effect", "1.5"),
    case(
        &["--criterion", "l2", "--cohort-effect", "0.1"],
        "--cohort-effect",
        "0.1",
    ),
];

const SIMULATE: &[Case] = &[
    case(&["--active", "5..2"], "--active", "5..2"),
    case(&["--active", "0"], "--active", "0"),
    after_input(&["--active", "3"], "--active", "3"),
    after_input(&["--active", "1..4"], "--active", "1..4"),
    case(&["--burden-median", "0"], "--burden-median", "0"),
    case(&["--burden-median=-5"], "--burden-median", "-5"),
    case(&["--burden-median", "NaN"], "--burden-median", "NaN"),
    case(&["--burden-median", "1e300"], "--burden-median", "1e300"),
    case(&["--burden-log-sd=-1"], "--burden-log-sd", "-1"),
    case(&["--burden-log-sd", "NaN"], "--burden-log-sd", "NaN"),
    case(&["--burden-log-sd", "100"], "--burden-log-sd", "100"),
    case(&["--noise", "negbin:1e-300"], "--noise", "negbin:1e-300"),
    case(&["--noise", "negbin:1e300"], "--noise", "negbin:1e300"),
];

/// Run a command that must be refused as a usage error: exit 2, one stderr line that
/// names the flag and the value, nothing on stdout.
fn usage_error(args: &[String], flag: &str, value: &str) -> String {
    let out = mutasig()
        .args(args)
        .env("RUST_BACKTRACE", "1")
        // without the checks some of these would run for hours
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
    assert!(!err.contains("panicked"), "{args:?}: {err}");
    assert_eq!(err.trim_end().lines().count(), 1, "{args:?}: {err}");
    assert!(
        err.contains(flag) && err.contains(value),
        "{args:?} should name {flag} {value}: {err}"
    );
    assert!(out.stdout.is_empty(), "{args:?}");
    err
}

/// The output folder does not exist, and no staging folder was left next to it.
fn nothing_created(dir: &Path, out: &Path) {
    assert!(!out.exists(), "{} was created", out.display());
    for p in files_in(dir) {
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        assert!(
            !(name.starts_with('.') && name.contains(".partial")),
            "stray staging folder {name}"
        );
    }
}

fn expand(template: &[&str], input: &str, sigs: &Path, out: &Path) -> Vec<String> {
    template
        .iter()
        .map(|a| {
            a.replace("{IN}", input)
                .replace("{SIGS}", sigs.to_str().unwrap())
                .replace("{OUT}", out.to_str().unwrap())
        })
        .collect()
}

/// A two-signature reference file (SBS1, SBS5) in `dir`.
fn signature_file(dir: &Path) -> PathBuf {
    let p = dir.join("sigs.tsv");
    run_ok(&[
        "reference",
        "export",
        "--only",
        "SBS1,SBS5",
        "-o",
        p.to_str().unwrap(),
    ]);
    p
}

/// Every case of a command, with the real input and (when the check needs nothing read)
/// with an input that does not exist: the usage error must come first either way.
fn check_cases(prefix: &[&str], cases: &[Case], input: &str) {
    for c in cases {
        let dir = tempfile::tempdir().unwrap();
        let sigs = signature_file(dir.path());
        let out = dir.path().join("out");
        let mut template = prefix.to_vec();
        template.extend_from_slice(c.args);
        template.extend_from_slice(&["-o", "{OUT}"]);
        let missing = dir.path().join("missing.tsv");
        let mut inputs = vec![input.to_string()];
        if c.before_input {
            inputs.push(missing.to_str().unwrap().to_string());
        }
        for inp in &inputs {
            let args = expand(&template, inp, &sigs, &out);
            let err = usage_error(&args, c.flag, c.value);
            assert!(
                !err.contains("missing.tsv") || c.flag == "--decompose",
                "{args:?}: the input was read first: {err}"
            );
            nothing_created(dir.path(), &out);
        }
    }
}

#[test]
fn extract_settings_are_refused_before_reading() {
    let ex = example();
    check_cases(
        &["extract", "{IN}", "--max-rank", "3", "--replicates", "2"],
        EXTRACT,
        ex.to_str().unwrap(),
    );
    check_cases(&["extract", "{IN}"], EXTRACT_RANKS, ex.to_str().unwrap());
}

#[test]
fn assign_settings_are_refused_before_reading() {
    let ex = example();
    check_cases(&["assign", "{IN}"], ASSIGN, ex.to_str().unwrap());
}

#[test]
fn simulate_settings_are_refused_before_drawing() {
    // the input of simulate is the signature list; a path that does not exist would be
    // looked up as signature names
    check_cases(
        &["simulate", "--signatures", "{IN}", "--samples", "5"],
        SIMULATE,
        "SBS1,SBS5",
    );
    check_cases(
        &["simulate", "--signatures", "{IN}"],
        &[case(&["--samples", "100001"], "--samples", "100001")],
        "SBS1,SBS5",
    );
}

#[test]
fn messages_say_what_is_allowed() {
    let ex = example();
    let ex = ex.to_str().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let o = out.to_str().unwrap();
    let e = usage_error(
        &expand(
            &["extract", ex, "--tolerance", "NaN", "-o", o],
            "",
            dir.path(),
            &out,
        ),
        "--tolerance",
        "NaN",
    );
    assert!(e.contains("(0, 1)"), "{e}");
    let e = usage_error(
        &expand(
            &["extract", ex, "--replicates", "1", "-o", o],
            "",
            dir.path(),
            &out,
        ),
        "--replicates",
        "1",
    );
    assert!(e.contains("stability") && e.contains("--rank"), "{e}");
    let e = usage_error(
        &expand(
            &["assign", ex, "--include", "SBS1x", "-o", o],
            "",
            dir.path(),
            &out,
        ),
        "--include",
        "SBS1x",
    );
    assert!(e.contains("did you mean SBS1"), "{e}");
    let e = usage_error(
        &expand(
            &[
                "simulate",
                "--signatures",
                "SBS1,SBS5",
                "--active",
                "3",
                "-o",
                o,
            ],
            "",
            dir.path(),
            &out,
        ),
        "--active",
        "3",
    );
    assert!(e.contains("at most 2"), "{e}");
    nothing_created(dir.path(), &out);
}

#[test]
fn extract_rank_times_replicates_is_checked_before_any_factorization() {
    // 21 samples: ranks up to 15 are tried, and 15 × 2000 signatures exceed the
    // consensus limit of 20,000; refused once the catalogue is read, before the output
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let args: Vec<String> = [
        "extract",
        example().to_str().unwrap(),
        "--replicates",
        "2000",
        "-o",
        out.to_str().unwrap(),
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let e = usage_error(&args, "--replicates", "2000");
    assert!(e.contains("rank 15"), "{e}");
    nothing_created(dir.path(), &out);
}

#[test]
fn a_single_replicate_is_allowed_for_one_rank() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    run_ok(&[
        "extract",
        example().to_str().unwrap(),
        "--rank",
        "2",
        "--replicates",
        "1",
        "--no-plots",
        "-q",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(out.join("summary.json").is_file());
}

/// `simulate` with settings that draw no mutation at all (one sample, burden 1, the
/// noisiest negative binomial), into `out`; the error text.
fn all_zero_simulation(out: &Path) -> String {
    data_error(
        &[
            "simulate",
            "--signatures",
            "SBS1",
            "--samples",
            "1",
            "--burden-median",
            "1",
            "--burden-log-sd",
            "0",
            "--noise",
            "negbin:0.01",
            "--seed",
            "1",
            "-o",
            out.to_str().unwrap(),
        ],
        None,
    )
}

#[test]
fn an_all_zero_simulated_catalogue_is_a_data_error() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let e = all_zero_simulation(&out);
    assert!(e.contains("no mutation"), "{e}");
    nothing_created(dir.path(), &out);
}

#[test]
fn simulate_default_active_is_capped_at_the_signatures_given() {
    // the default 2..4 with one signature: one active signature, not an error
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    run_ok(&[
        "simulate",
        "--signatures",
        "SBS5",
        "--samples",
        "3",
        "-o",
        out.to_str().unwrap(),
    ]);
    let s: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(s["parameters"]["active"], serde_json::json!([1, 1]));
}

#[test]
fn extract_solver_that_does_not_fit_the_objective_is_a_usage_error() {
    let ex = example();
    for (objective, solver) in [("kl", "hals"), ("frobenius", "cd")] {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        let args = [
            "extract",
            ex.to_str().unwrap(),
            "--objective",
            objective,
            "--solver",
            solver,
            "--rank",
            "2",
            "--replicates",
            "1",
            "-o",
            out.to_str().unwrap(),
        ]
        .map(String::from);
        let e = usage_error(&args, "--solver", solver);
        assert!(e.contains(&format!("--objective {objective}")), "{e}");
        nothing_created(dir.path(), &out);
    }
    // the pairs that fit still run
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    run_ok(&[
        "extract",
        ex.to_str().unwrap(),
        "--objective",
        "frobenius",
        "--solver",
        "hals",
        "--rank",
        "2",
        "--replicates",
        "1",
        "--no-plots",
        "-o",
        out.to_str().unwrap(),
    ]);
}

#[test]
fn unknown_signature_names_are_usage_errors_in_simulate_and_reference_export() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let o = out.to_str().unwrap();
    for (names, bad) in [("SBS999", "SBS999"), ("SBS1,SBS5x", "SBS5x")] {
        let e = usage_error(
            &["simulate", "--signatures", names, "--samples", "3", "-o", o].map(String::from),
            "--signatures",
            bad,
        );
        assert!(e.contains("matches no signature"), "{e}");
        nothing_created(dir.path(), &out);
    }
    // a DBS name with the default SBS96 context
    usage_error(
        &["simulate", "--signatures", "DBS2", "-o", o].map(String::from),
        "--signatures",
        "DBS2",
    );
    nothing_created(dir.path(), &out);
    let file = dir.path().join("sigs.tsv");
    let f = file.to_str().unwrap();
    for stdout in [false, true] {
        let mut args = vec!["reference", "export", "--only", "SBS1,SBS999"];
        if !stdout {
            args.extend(["-o", f]);
        }
        let args: Vec<String> = args.into_iter().map(String::from).collect();
        let e = usage_error(&args, "--only", "SBS999");
        assert!(e.contains("matches no signature"), "{e}");
        assert!(!file.exists());
    }
    // an existing file is not looked at first: the name is the error, with or without --force
    std::fs::write(&file, "mine").unwrap();
    usage_error(
        &["reference", "export", "--only", "SBS999", "-o", f].map(String::from),
        "--only",
        "SBS999",
    );
    assert_eq!(std::fs::read(&file).unwrap(), b"mine");
}

#[test]
fn decompose_with_no_background_names_no_background() {
    let dir = tempfile::tempdir().unwrap();
    let sigs = signature_file(dir.path());
    let out = dir.path().join("out");
    let args = [
        "assign",
        "--decompose",
        sigs.to_str().unwrap(),
        "--no-background",
        "-o",
        out.to_str().unwrap(),
    ]
    .map(String::from);
    let e = usage_error(&args, "--no-background", "");
    assert!(!e.contains("--background "), "{e}");
    assert!(e.contains("not used by --decompose"), "{e}");
    nothing_created(dir.path(), &out);
}

#[test]
fn simulate_refuses_an_occupied_output_folder_before_drawing() {
    // this cohort draws no mutation (a data error found by drawing): the folder's refusal
    // must come first
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    std::fs::create_dir(&out).unwrap();
    std::fs::write(out.join("mine.txt"), "x").unwrap();
    let e = all_zero_simulation(&out);
    assert!(
        !e.contains("no mutation"),
        "the cohort was drawn first: {e}"
    );
    assert!(e.contains("out"), "{e}");
    assert_eq!(files_in(&out).len(), 1);
    assert_eq!(std::fs::read(out.join("mine.txt")).unwrap(), b"x");
}

#[test]
fn error_lines_escape_bidi_and_zero_width_characters() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let ex = example();
    for (name, escaped) in [
        ("SBS\u{202e}1", "SBS\\u{202e}1"),
        ("SBS\u{200b}1", "SBS\\u{200b}1"),
    ] {
        let args = [
            "assign",
            ex.to_str().unwrap(),
            "--include",
            name,
            "-o",
            out.to_str().unwrap(),
        ]
        .map(String::from);
        let e = usage_error(&args, "--include", escaped);
        assert!(!e.contains(name), "raw invisible character printed: {e:?}");
    }
}
