//! Shared helpers for the integration tests.
#![allow(dead_code)]

use assert_cmd::Command;
use std::path::{Path, PathBuf};

/// The binary under test.
pub fn mutasig() -> Command {
    assert_cmd::cargo::cargo_bin_cmd!("mutasig")
}

/// The bundled example catalogue.
pub fn example() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/breast21_wgs_sbs96.tsv")
}

/// The example's lines: header, then (label, counts) rows.
pub fn example_rows() -> (Vec<String>, Vec<(String, Vec<String>)>) {
    let text = std::fs::read_to_string(example()).unwrap();
    let mut lines = text.lines();
    let header = lines
        .next()
        .unwrap()
        .split('\t')
        .map(String::from)
        .collect();
    let rows = lines
        .map(|l| {
            let mut f = l.split('\t').map(String::from);
            let label = f.next().unwrap();
            (label, f.collect())
        })
        .collect();
    (header, rows)
}

/// Write a table from a header and rows with a separator.
pub fn table(header: &[String], rows: &[(String, Vec<String>)], sep: &str, eol: &str) -> String {
    let mut s = header.join(sep);
    s.push_str(eol);
    for (label, vals) in rows {
        s.push_str(label);
        for v in vals {
            s.push_str(sep);
            s.push_str(v);
        }
        s.push_str(eol);
    }
    s
}

/// Run `inspect --json` on a file and parse the JSON.
pub fn inspect_json(path: &Path) -> serde_json::Value {
    let out = mutasig()
        .args(["inspect", "--json"])
        .arg(path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "inspect failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Run a command that must fail with a data error: exit 1, one stderr line, no panic.
pub fn data_error(args: &[&str], stdin: Option<&[u8]>) -> String {
    let mut cmd = mutasig();
    cmd.args(args).env("RUST_BACKTRACE", "1");
    if let Some(s) = stdin {
        cmd.write_stdin(s.to_vec());
    }
    let out = cmd.output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    assert_eq!(
        out.status.code(),
        Some(1),
        "expected exit 1 for {args:?}, stderr: {err}"
    );
    assert!(!err.contains("panicked"), "panic for {args:?}: {err}");
    assert_eq!(
        err.trim_end().lines().count(),
        1,
        "one line expected: {err}"
    );
    assert!(out.stdout.is_empty(), "nothing on stdout on error");
    err
}

/// Run a command that must succeed; its output.
pub fn run_ok(args: &[&str]) -> std::process::Output {
    let out = mutasig().args(args).output().unwrap();
    assert!(
        out.status.success(),
        "{args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// The paths of the entries of a directory.
pub fn files_in(dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect()
}

/// Every file under `root`: its path relative to `root` and its bytes.
pub fn all_files(root: &Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    let mut out = std::collections::BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p.strip_prefix(root).unwrap().to_string_lossy().into_owned();
                out.insert(rel, std::fs::read(&p).unwrap());
            }
        }
    }
    out
}

/// Two output folders hold the same files with the same bytes, but for `summary.json`'s
/// `run` (times, threads) and the manifest's line for it.
pub fn assert_same_but_run(single: &Path, merged: &Path) {
    let (a, b) = (all_files(single), all_files(merged));
    assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
    for (name, bytes) in &a {
        if name == "summary.json" {
            let mut x: serde_json::Value = serde_json::from_slice(bytes).unwrap();
            let mut y: serde_json::Value = serde_json::from_slice(&b[name]).unwrap();
            x.as_object_mut().unwrap().remove("run");
            y.as_object_mut().unwrap().remove("run");
            assert_eq!(x, y);
        } else if name == ".mutasig-manifest" {
            let lines = |b: &[u8]| -> Vec<String> {
                String::from_utf8_lossy(b)
                    .lines()
                    .filter(|l| !l.ends_with("  summary.json"))
                    .map(String::from)
                    .collect()
            };
            assert_eq!(lines(bytes), lines(&b[name]));
        } else {
            assert!(
                bytes == &b[name],
                "{name} differs between {} and {}",
                single.display(),
                merged.display()
            );
        }
    }
}
