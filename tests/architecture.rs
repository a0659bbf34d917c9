//! The rules of docs/architecture.md that a compiler does not check: no import cycle
//! between the library's top-level modules, `unsafe` only in `nmf::simd`, a thin binary.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Library source without its test modules (tests may use any module).
fn library_files() -> Vec<(String, String)> {
    let root = src();
    let mut files = Vec::new();
    rust_files(&root, &mut files);
    files.sort();
    files
        .into_iter()
        .filter_map(|p| {
            let rel = p
                .strip_prefix(&root)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            let binary = rel == "main.rs" || rel.starts_with("cli/");
            if binary || rel == "lib.rs" || rel.ends_with("tests.rs") {
                return None;
            }
            let text = std::fs::read_to_string(&p).unwrap();
            let code = match text.find("#[cfg(test)]\nmod tests") {
                Some(i) => &text[..i],
                None => &text,
            };
            // comments (doc links included) import nothing
            let code: String = code
                .lines()
                .filter(|l| !l.trim_start().starts_with("//"))
                .map(|l| format!("{l}\n"))
                .collect();
            Some((rel, code))
        })
        .collect()
}

/// Top-level module of a file: `extract/rank.rs` → `extract`.
fn top(rel: &str) -> String {
    rel.split('/')
        .next()
        .unwrap()
        .trim_end_matches(".rs")
        .to_string()
}

/// `crate::x` paths named in `code` (root re-exports resolved to their module).
fn imports(code: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for (i, _) in code.match_indices("crate::") {
        let rest = &code[i + 7..];
        let name: String = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        let module = match name.as_str() {
            "Catalogue" | "Context" | "SignatureSet" => "read".to_string(),
            "Error" => "error".to_string(),
            "VERSION" | "" => continue,
            _ => name,
        };
        out.insert(module);
    }
    out
}

fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let mut g: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (rel, code) in library_files() {
        let t = top(&rel);
        let deps = imports(&code);
        let entry = g.entry(t.clone()).or_default();
        entry.extend(deps.into_iter().filter(|d| *d != t));
    }
    g
}

/// A cycle through `start`, as a path, if there is one.
fn cycle_from(g: &BTreeMap<String, BTreeSet<String>>, start: &str) -> Option<Vec<String>> {
    let mut stack = vec![(start.to_string(), vec![start.to_string()])];
    let mut seen = BTreeSet::new();
    while let Some((node, path)) = stack.pop() {
        for next in g.get(&node).into_iter().flatten() {
            if next == start {
                let mut p = path.clone();
                p.push(next.clone());
                return Some(p);
            }
            if seen.insert(next.clone()) {
                let mut p = path.clone();
                p.push(next.clone());
                stack.push((next.clone(), p));
            }
        }
    }
    None
}

#[test]
fn no_import_cycle_between_top_level_modules() {
    let g = graph();
    assert!(g.len() >= 10, "module graph looks wrong: {g:?}");
    for m in g.keys() {
        if let Some(c) = cycle_from(&g, m) {
            panic!("import cycle: {}", c.join(" → "));
        }
    }
}

#[test]
fn the_cycle_check_finds_a_planted_cycle() {
    let mut g = graph();
    g.entry("read".into()).or_default().insert("report".into());
    assert!(g.keys().any(|m| cycle_from(&g, m).is_some()));
}

#[test]
fn the_numeric_core_never_reads_files_or_the_terminal() {
    for (rel, code) in library_files() {
        let core = ["numeric", "nmf", "extract", "assign", "matching", "groups"];
        if !core.contains(&top(&rel).as_str()) {
            continue;
        }
        for banned in [
            "std::fs",
            "println!",
            "eprintln!",
            "std::io::stdin",
            "crate::output",
            "crate::log",
        ] {
            assert!(!code.contains(banned), "{rel} uses {banned}");
        }
    }
}

#[test]
fn unsafe_code_lives_in_nmf_simd_only() {
    let mut files = Vec::new();
    rust_files(&src(), &mut files);
    for p in files {
        let rel = p
            .strip_prefix(src())
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        let text = std::fs::read_to_string(&p).unwrap();
        let uses = text.contains("unsafe {") || text.contains("unsafe fn");
        assert!(!uses || rel == "nmf/simd.rs", "{rel} has unsafe code");
    }
    let lib = std::fs::read_to_string(src().join("lib.rs")).unwrap();
    assert!(lib.contains("#![deny(unsafe_code)]"));
}

#[test]
fn the_binary_is_thin() {
    let lines = |p: &Path| std::fs::read_to_string(p).unwrap().lines().count();
    assert!(lines(&src().join("main.rs")) < 60, "src/main.rs has grown");
    let mut cli = Vec::new();
    rust_files(&src().join("cli"), &mut cli);
    for p in cli {
        assert!(lines(&p) <= 150, "{} is over 150 lines", p.display());
    }
}
