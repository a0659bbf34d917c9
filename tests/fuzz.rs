//! A mutation fuzzer for the `mutasig` binary (stable Rust, no cargo-fuzz).
//!
//! It mutates the bundled example and small catalogues, signature, exposure and rank tables made
//! with `simulate`, `reference export` and `extract` (bytes, lines, columns, hostile cells, gzip,
//! CRLF, BOM, ...) together with the command-line flags, runs one command per input in a fresh
//! temporary folder and checks the outcome:
//!
//! * the run ends within 10 s, by exit code 0, 1 or 2 (not by a signal), without "panicked";
//! * no written .tsv/.json file (nor TSV/JSON on stdout) holds NaN or ±inf as a value;
//! * no hidden `.NAME.partial*` staging folder is left, and a failed run leaves nothing behind.
//!
//! Each failure is saved with its input and arguments under `target/fuzz-failures/` (replay it
//! with `cd FOLDER && mutasig $(cat args.txt)`, or exactly from args.json).
//!
//! ```text
//! MUTASIG_FUZZ_SECONDS=300 MUTASIG_FUZZ_SEED=7 cargo test --test tests fuzz_commands -- --ignored --nocapture
//! ```
//! Defaults: 60 seconds, seed 20240607. `fuzz_smoke` (not ignored) runs a fixed number of runs
//! ([`SMOKE_RUNS`]) from a fixed seed, so that it covers the same inputs however loaded the
//! machine is.

use std::collections::{BTreeMap, HashSet};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_mutasig");
/// Wall-clock limit of one run.
const LIMIT: Duration = Duration::from_secs(10);
const DEFAULT_SEED: u64 = 20240607;
/// Reproducers saved per distinct failure (command + kind), to keep the folder small.
const SAVED_PER_KIND: usize = 3;

// ---------------------------------------------------------------------------------------------
// PRNG: SplitMix64, deterministic across platforms and versions.

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in `0..n` (`n > 0`).
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    /// True with probability `p`.
    fn chance(&mut self, p: f64) -> bool {
        ((self.next() >> 11) as f64 / (1u64 << 53) as f64) < p
    }
    fn pick<'a, T>(&mut self, v: &'a [T]) -> &'a T {
        &v[self.below(v.len())]
    }
}

// ---------------------------------------------------------------------------------------------
// Seed corpus.

/// What a corpus file holds (decides which commands take it).
#[derive(Clone, Copy, Debug, PartialEq)]
enum Kind {
    Catalogue,
    Signatures,
    Exposures,
    Rank,
}

struct Seed {
    name: String,
    kind: Kind,
    bytes: Vec<u8>,
}

/// Runs the binary for the corpus set-up; panics on failure (this is not under test).
fn setup_run(dir: &Path, args: &[&str]) {
    let out = Command::new(BIN)
        .args(args)
        .arg("-q")
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "corpus set-up {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The example catalogue plus small SBS96/DBS78/ID83 catalogues, signature files, an exposure
/// table and a rank-selection table.
fn corpus(dir: &Path) -> Vec<Seed> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut seeds = Vec::new();
    let mut add = |name: &str, kind, path: &Path| {
        seeds.push(Seed {
            name: name.to_string(),
            kind,
            bytes: std::fs::read(path).unwrap(),
        })
    };
    for e in std::fs::read_dir(root.join("examples")).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "tsv") {
            add("example.tsv", Kind::Catalogue, &p);
        }
    }
    for (ctx, sigs) in [
        ("SBS96", "SBS1,SBS5,SBS13"),
        ("DBS78", "DBS2,DBS4"),
        ("ID83", "ID1,ID2"),
    ] {
        let sim = format!("sim_{ctx}");
        let file = format!("{ctx}_sigs.tsv");
        setup_run(
            dir,
            &[
                "simulate",
                "--context",
                ctx,
                "--signatures",
                sigs,
                "--samples",
                "6",
                "--burden-median",
                "400",
                "-o",
                &sim,
            ],
        );
        setup_run(
            dir,
            &[
                "reference",
                "export",
                "--context",
                ctx,
                "--only",
                sigs,
                "-o",
                &file,
            ],
        );
        let sim = dir.join(sim);
        add("catalogue.tsv", Kind::Catalogue, &sim.join("catalogue.tsv"));
        add(
            "signatures.tsv",
            Kind::Signatures,
            &sim.join("truth_signatures.tsv"),
        );
        add("signatures.tsv", Kind::Signatures, &dir.join(&file));
    }
    let cat = dir.join("sim_SBS96/catalogue.tsv");
    setup_run(
        dir,
        &[
            "extract",
            cat.to_str().unwrap(),
            "--max-rank",
            "3",
            "--replicates",
            "3",
            "--max-iter",
            "200",
            "--no-plots",
            "-o",
            "ext",
        ],
    );
    add(
        "exposures.tsv",
        Kind::Exposures,
        &dir.join("ext/exposures.tsv"),
    );
    add(
        "signatures.tsv",
        Kind::Signatures,
        &dir.join("ext/signatures.tsv"),
    );
    add(
        "rank_selection.tsv",
        Kind::Rank,
        &dir.join("ext/rank_selection.tsv"),
    );
    seeds
}

// ---------------------------------------------------------------------------------------------
// Mutations.

/// Cell values that have broken readers before.
const HOSTILE: &[&str] = &[
    "1e308",
    "1.7e308",
    "-1.7e308",
    "1e309",
    "9007199254740992",
    "9007199254740993",
    "18446744073709551616",
    "4294967296",
    "-0",
    "-1",
    "0",
    "0.5",
    "1e-320",
    "NaN",
    "nan",
    "inf",
    "-inf",
    "Infinity",
    "1e",
    "",
    " ",
    "\"",
    "\"\"",
    "\"7\"",
    "'3'",
    "1,000",
    "0x10",
    "+5",
    " 7 ",
    "NA",
    "\t",
    "\u{1}",
    "\u{0}",
    "é",
    "A[C>A]A",
    "Mutation Types",
];

fn hostile(rng: &mut Rng) -> Vec<u8> {
    match rng.below(12) {
        0 => "x".repeat(1 + rng.below(100_000)).into_bytes(),
        1 => vec![0xff, 0xfe, b'1'],
        2 => rng.next().to_string().into_bytes(),
        3 => format!("{:e}", f64::from_bits(rng.next())).into_bytes(),
        _ => rng.pick(HOSTILE).as_bytes().to_vec(),
    }
}

fn lines(b: &[u8]) -> Vec<Vec<u8>> {
    b.split(|&c| c == b'\n').map(|l| l.to_vec()).collect()
}

fn join(ls: &[Vec<u8>], sep: &[u8]) -> Vec<u8> {
    ls.join(sep)
}

/// Applies one random mutation; returns its name (for the counts and the reproducer).
fn mutate(rng: &mut Rng, b: &mut Vec<u8>) -> &'static str {
    let n = b.len().max(1);
    match rng.below(17) {
        0 => {
            if !b.is_empty() {
                let i = rng.below(b.len());
                b[i] ^= 1 << rng.below(8);
            }
            "byte-flip"
        }
        1 => {
            let i = rng.below(n);
            const INSERTS: [&[u8]; 8] = [b"\t", b"\n", b"\r", b"\"", b",", b"\0", b"\xff", b"9"];
            let ins = INSERTS[rng.below(INSERTS.len())];
            b.splice(i.min(b.len())..i.min(b.len()), ins.iter().copied());
            "insert-bytes"
        }
        2 => {
            let i = rng.below(n).min(b.len());
            let j = (i + 1 + rng.below(64)).min(b.len());
            b.drain(i..j);
            "delete-bytes"
        }
        3 | 4 => {
            let mut ls = lines(b);
            let (i, j) = (rng.below(ls.len()), rng.below(ls.len()));
            ls.swap(i, j);
            *b = join(&ls, b"\n");
            "swap-lines"
        }
        5 => {
            let mut ls = lines(b);
            let i = rng.below(ls.len());
            let l = ls[i].clone();
            ls.insert(i, l);
            *b = join(&ls, b"\n");
            "duplicate-line"
        }
        6 => {
            let mut ls = lines(b);
            ls.remove(rng.below(ls.len()));
            *b = join(&ls, b"\n");
            "delete-line"
        }
        7 => {
            let (i, j) = (rng.below(8), rng.below(8));
            let ls: Vec<Vec<u8>> = lines(b)
                .into_iter()
                .map(|l| {
                    let mut f: Vec<&[u8]> = l.split(|&c| c == b'\t').collect();
                    if i < f.len() && j < f.len() {
                        f.swap(i, j);
                    }
                    f.join(&b'\t')
                })
                .collect();
            *b = join(&ls, b"\n");
            "swap-columns"
        }
        8..=10 => {
            // one cell, or a whole column or row, replaced by a hostile value
            let mut ls = lines(b);
            let v = hostile(rng);
            let (row, col) = (rng.below(ls.len()), rng.below(8));
            let scope = rng.below(4);
            for (r, l) in ls.iter_mut().enumerate() {
                if scope != 1 && r != row || scope == 1 && r == 0 {
                    continue;
                }
                let mut f: Vec<Vec<u8>> = l.split(|&c| c == b'\t').map(|x| x.to_vec()).collect();
                for (c, cell) in f.iter_mut().enumerate() {
                    // scope 0: one cell; 1: a column (below the header); 2, 3: a row
                    if (scope <= 1 && c == col || scope >= 2 && c > 0) && c < 10_000 {
                        *cell = v.clone();
                    }
                }
                *l = f.join(&b'\t');
            }
            *b = join(&ls, b"\n");
            "hostile-cell"
        }
        11 => {
            b.truncate(rng.below(n));
            "truncate"
        }
        12 => {
            let s: Vec<u8> = b
                .iter()
                .flat_map(|&c| {
                    if c == b'\n' {
                        vec![b'\r', b'\n']
                    } else {
                        vec![c]
                    }
                })
                .collect();
            *b = s;
            "crlf"
        }
        13 => {
            b.splice(0..0, [0xEF, 0xBB, 0xBF]);
            "bom"
        }
        14 => {
            let ls: Vec<Vec<u8>> = lines(b)
                .into_iter()
                .map(|mut l| {
                    l.extend_from_slice(b"\t");
                    l
                })
                .collect();
            *b = join(&ls, b"\n");
            "trailing-tab"
        }
        15 => {
            // every number of the table scaled to a huge magnitude
            let big = rng.pick(&["e300", "e308", "e15"]);
            let ls: Vec<Vec<u8>> = lines(b)
                .into_iter()
                .enumerate()
                .map(|(r, l)| {
                    let f: Vec<Vec<u8>> = l
                        .split(|&c| c == b'\t')
                        .enumerate()
                        .map(|(c, x)| {
                            let s = String::from_utf8_lossy(x);
                            if r > 0 && c > 0 && s.trim().parse::<f64>().is_ok_and(|v| v > 0.0) {
                                format!("{}{big}", s.trim()).into_bytes()
                            } else {
                                x.to_vec()
                            }
                        })
                        .collect();
                    f.join(&b'\t')
                })
                .collect();
            *b = join(&ls, b"\n");
            "huge-values"
        }
        _ => {
            // all values of one column set to zero
            let col = 1 + rng.below(6);
            let ls: Vec<Vec<u8>> = lines(b)
                .into_iter()
                .enumerate()
                .map(|(r, l)| {
                    let mut f: Vec<Vec<u8>> =
                        l.split(|&c| c == b'\t').map(|x| x.to_vec()).collect();
                    if r > 0 && col < f.len() {
                        f[col] = b"0".to_vec();
                    }
                    f.join(&b'\t')
                })
                .collect();
            *b = join(&ls, b"\n");
            "zero-column"
        }
    }
}

fn gzip(b: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(b).unwrap();
    e.finish().unwrap()
}

/// A mutated copy of a seed file (sometimes untouched, sometimes gzipped); the mutation names.
fn mutated(rng: &mut Rng, seed: &Seed) -> (Vec<u8>, Vec<&'static str>, bool) {
    let mut b = seed.bytes.clone();
    let mut what = Vec::new();
    if !rng.chance(0.1) {
        for _ in 0..1 + rng.below(3) {
            what.push(mutate(rng, &mut b));
        }
    }
    let mut gz = false;
    if rng.chance(0.1) {
        b = gzip(&b);
        gz = true;
        what.push("gzip");
        if rng.chance(0.3) {
            b.truncate(rng.below(b.len()));
            what.push("truncated-gzip");
        }
    }
    (b, what, gz)
}

// ---------------------------------------------------------------------------------------------
// Command lines.

/// A random value for a numeric flag: mostly sensible and fast, sometimes hostile.
fn num(rng: &mut Rng, sensible: &[&str]) -> String {
    if rng.chance(0.7) {
        rng.pick(sensible).to_string()
    } else {
        rng.pick(&[
            "0",
            "-1",
            "-0",
            "1e308",
            "NaN",
            "inf",
            "-inf",
            "",
            "abc",
            "1.5",
            "1e-320",
            "18446744073709551616",
            "4294967296",
            "0x10",
            " 3",
        ])
        .to_string()
    }
}

/// With probability `p`, pushes `flag value`.
fn opt(rng: &mut Rng, args: &mut Vec<String>, p: f64, flag: &str, sensible: &[&str]) {
    if rng.chance(p) {
        args.push(flag.into());
        args.push(num(rng, sensible));
    }
}

/// One planned run: the arguments and the files to create in the run folder.
struct Plan {
    command: &'static str,
    args: Vec<String>,
    files: Vec<(String, Vec<u8>)>,
    mutations: Vec<&'static str>,
    /// Whether stdout is a TSV/JSON table to check.
    table_stdout: bool,
}

/// A mutated input file of one of `kinds`, written as `stem` (+ `.gz` when gzipped).
fn input(rng: &mut Rng, seeds: &[Seed], kinds: &[Kind], plan: &mut Plan) -> String {
    let pool: Vec<&Seed> = seeds.iter().filter(|s| kinds.contains(&s.kind)).collect();
    let seed = *rng.pick(&pool);
    let (bytes, what, gz) = mutated(rng, seed);
    let mut name = format!("in{}_{}", plan.files.len(), seed.name);
    if gz {
        name.push_str(".gz");
    }
    plan.mutations.extend(what);
    plan.files.push((name.clone(), bytes));
    name
}

fn plan(rng: &mut Rng, seeds: &[Seed]) -> Plan {
    use Kind::*;
    let commands = [
        "inspect",
        "inspect",
        "assign",
        "assign",
        "extract",
        "compare",
        "plot",
        "plot",
        "simulate",
        "reference",
        "report",
    ];
    let command = *rng.pick(&commands);
    let mut p = Plan {
        command,
        args: vec![command.to_string()],
        files: Vec::new(),
        mutations: Vec::new(),
        table_stdout: false,
    };
    let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    match command {
        "inspect" => {
            let f = input(rng, seeds, &[Catalogue, Signatures], &mut p);
            p.args.push(f);
            if rng.chance(0.5) {
                p.args.push("--json".into());
                p.table_stdout = true;
            }
        }
        "assign" => {
            let f = input(rng, seeds, &[Catalogue], &mut p);
            p.args.extend([f, "-o".into(), "out".into()]);
            if rng.chance(0.5) {
                let g = input(rng, seeds, &[Signatures], &mut p);
                p.args.extend(["--signatures".into(), g]);
            }
            if rng.chance(0.8) {
                p.args.push("--no-plots".into());
            } else if rng.chance(0.3) {
                p.args.extend(s(&["--plot-format", "png"]));
            }
            opt(rng, &mut p.args, 0.3, "--bootstrap", &["0", "1", "2", "3"]);
            if rng.chance(0.2) {
                p.args.extend(s(&["--criterion", "l2"]));
            }
            opt(rng, &mut p.args, 0.1, "--add-threshold", &["0", "1", "10"]);
            opt(
                rng,
                &mut p.args,
                0.1,
                "--remove-threshold",
                &["0", "1", "7"],
            );
            opt(rng, &mut p.args, 0.1, "--min-l2-gain", &["0", "0.01"]);
        }
        "extract" => {
            let f = input(rng, seeds, &[Catalogue], &mut p);
            p.args.extend([f, "-o".into(), "out".into()]);
            p.args.push("--max-iter".into());
            p.args.push(num(rng, &["50", "200"]));
            if rng.chance(0.7) {
                p.args.push("--no-plots".into());
            }
            if rng.chance(0.15) {
                opt(rng, &mut p.args, 1.0, "--rank", &["1", "2", "3"]);
            } else {
                p.args.push("--max-rank".into());
                p.args.push(num(rng, &["1", "2", "3"]));
                opt(rng, &mut p.args, 0.2, "--min-rank", &["1", "2"]);
            }
            p.args.push("--replicates".into());
            p.args.push(num(rng, &["2", "3"]));
            opt(
                rng,
                &mut p.args,
                0.2,
                "--tolerance",
                &["1e-6", "1e-3", "0.1"],
            );
            opt(rng, &mut p.args, 0.15, "--alpha", &["0.05", "0.5", "1"]);
            opt(rng, &mut p.args, 0.15, "--stability", &["0.8", "0", "1"]);
            opt(
                rng,
                &mut p.args,
                0.15,
                "--min-stability",
                &["0.2", "0", "1"],
            );
            opt(rng, &mut p.args, 0.15, "--mu-warmup", &["0", "10"]);
            if rng.chance(0.2) {
                let n = rng.pick(&[
                    "gmm",
                    "none",
                    "log2",
                    "cap:100",
                    "cap:0",
                    "cap:NaN",
                    "cap:1e308",
                    "bogus",
                ]);
                p.args.extend(["--normalize".into(), n.to_string()]);
            }
            if rng.chance(0.2) {
                p.args.extend(s(&["--objective", "frobenius"]));
            }
            if rng.chance(0.15) {
                let v = rng.pick(&["mu", "hals", "cd", "auto"]);
                p.args.extend(["--solver".into(), v.to_string()]);
            }
            if rng.chance(0.15) {
                let v = rng.pick(&["nndsvd", "nndsvda", "nndsvdar", "random"]);
                p.args.extend(["--init".into(), v.to_string()]);
            }
            if rng.chance(0.1) {
                p.args.push("--no-resample".into());
            }
        }
        "compare" => {
            let a = input(rng, seeds, &[Signatures], &mut p);
            let b = input(rng, seeds, &[Signatures], &mut p);
            p.args.extend([a, b]);
            if rng.chance(0.5) {
                p.args.extend(s(&["--matrix", "out.tsv"]));
            }
            p.table_stdout = true;
        }
        "plot" => {
            let f = input(
                rng,
                seeds,
                &[Catalogue, Signatures, Exposures, Rank],
                &mut p,
            );
            p.args.extend([f, "-o".into(), "out".into()]);
            if rng.chance(0.2) {
                p.args.extend(s(&["--format", "png"]));
            }
            if rng.chance(0.3) {
                let k = rng.pick(&["auto", "spectrum", "panel", "exposures", "rank"]);
                p.args.extend(["--kind".into(), k.to_string()]);
            }
        }
        "simulate" => {
            let (ctx, sigs) = *rng.pick(&[
                ("SBS96", "SBS1,SBS5,SBS13"),
                ("DBS78", "DBS2,DBS4"),
                ("ID83", "ID1,ID2"),
            ]);
            p.args.extend(s(&["--context", ctx, "-o", "out"]));
            p.args.push("--signatures".into());
            if rng.chance(0.3) {
                let f = input(rng, seeds, &[Signatures], &mut p);
                p.args.push(f);
            } else {
                p.args.push(sigs.into());
            }
            p.args.push("--samples".into());
            p.args.push(num(rng, &["1", "3", "10"]));
            opt(
                rng,
                &mut p.args,
                0.3,
                "--burden-median",
                &["100", "3000", "1"],
            );
            opt(rng, &mut p.args, 0.2, "--burden-log-sd", &["0", "0.5", "2"]);
            if rng.chance(0.3) {
                let a = format!(
                    "{}..{}",
                    num(rng, &["0", "1", "2"]),
                    num(rng, &["1", "2", "5"])
                );
                let a = if rng.chance(0.2) {
                    num(rng, &["1", "2"])
                } else {
                    a
                };
                p.args.extend(["--active".into(), a]);
            }
            if rng.chance(0.3) {
                let n = format!("negbin:{}", num(rng, &["1", "10", "0.5"]));
                let n = if rng.chance(0.2) {
                    rng.pick(&["none", "poisson", "negbin", "bogus"])
                        .to_string()
                } else {
                    n
                };
                p.args.extend(["--noise".into(), n]);
            }
        }
        "reference" => {
            let ctx = rng.pick(&["SBS96", "DBS78", "ID83", "sbs96", "XYZ"]);
            let only = rng.pick(&[
                "SBS1,SBS5",
                "DBS2",
                "ID1,ID2",
                "APOBEC",
                "",
                "SBS999",
                "SBS1,SBS1",
            ]);
            p.args.extend(s(&["export", "--context", ctx]));
            if rng.chance(0.8) {
                p.args.extend(["--only".into(), only.to_string()]);
            }
            if rng.chance(0.5) {
                p.args.extend(s(&["-o", "out.tsv"]));
            } else {
                p.table_stdout = true;
            }
        }
        _ => {
            // report: an assign folder made here, then one of its files replaced by a mutated table
            // (prepare_report builds the folder from the first input file)
            input(rng, seeds, &[Catalogue], &mut p);
            p.args.push("out".into());
            if rng.chance(0.5) {
                p.args.push("--in-place".into());
            } else {
                p.args.extend(s(&["-o", "report-out"]));
            }
            if rng.chance(0.3) {
                p.args.extend(s(&["--format", "png"]));
            }
        }
    }
    // global flags
    opt(rng, &mut p.args, 0.1, "--threads", &["1", "2"]);
    opt(
        rng,
        &mut p.args,
        0.2,
        "--seed",
        &["1", "42", "18446744073709551615"],
    );
    if rng.chance(0.7) {
        p.args.push("-q".into());
    }
    p
}

// ---------------------------------------------------------------------------------------------
// Running and checking.

/// Result of one run.
struct Outcome {
    code: Option<i32>,
    timed_out: bool,
    stdout: Vec<u8>,
    stderr: Vec<u8>,
}

/// Runs the binary in `dir` with a wall-clock limit (spawn, poll, kill on timeout).
fn execute(dir: &Path, args: &[String]) -> Outcome {
    let out_path = dir.join(".stdout");
    let err_path = dir.join(".stderr");
    let mut child = Command::new(BIN)
        .args(args)
        .current_dir(dir)
        .env("RUST_BACKTRACE", "1")
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&out_path).unwrap())
        .stderr(std::fs::File::create(&err_path).unwrap())
        .spawn()
        .unwrap();
    let start = Instant::now();
    let (code, timed_out) = loop {
        if let Some(st) = child.try_wait().unwrap() {
            break (st.code(), false);
        }
        if start.elapsed() > LIMIT {
            let _ = child.kill();
            let _ = child.wait();
            break (None, true);
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let stdout = std::fs::read(&out_path).unwrap_or_default();
    let stderr = std::fs::read(&err_path).unwrap_or_default();
    let _ = std::fs::remove_file(out_path);
    let _ = std::fs::remove_file(err_path);
    Outcome {
        code,
        timed_out,
        stdout,
        stderr,
    }
}

fn is_nonfinite_token(s: &str) -> bool {
    matches!(
        s.trim().to_ascii_lowercase().as_str(),
        "nan" | "-nan" | "inf" | "-inf" | "+inf" | "infinity" | "-infinity" | "+infinity"
    )
}

/// Cells of the inputs (a NaN-looking cell copied from an input label is not a finding).
fn input_tokens(files: &[(String, Vec<u8>)], args: &[String]) -> HashSet<String> {
    let mut t: HashSet<String> = args.iter().map(|a| a.trim().to_ascii_lowercase()).collect();
    for (_, b) in files {
        // names inside gzip inputs are echoed too (a sample called "Infinity")
        let mut text = b.clone();
        if b.starts_with(&[0x1f, 0x8b]) {
            let mut out = Vec::new();
            let _ = std::io::Read::read_to_end(
                &mut flate2::read::MultiGzDecoder::new(&b[..]),
                &mut out,
            );
            text.extend_from_slice(b"\n");
            text.extend_from_slice(&out);
        }
        for cell in String::from_utf8_lossy(&text).split(['\t', '\n', '\r', ',']) {
            t.insert(cell.trim().trim_matches('"').to_ascii_lowercase());
        }
    }
    t
}

/// A NaN/±inf value in TSV or JSON text, if any (`json`: parse as JSON; invalid JSON is reported).
fn nonfinite_value(text: &[u8], json: bool, known: &HashSet<String>) -> Option<String> {
    let text = String::from_utf8_lossy(text);
    let bad = |s: &str| is_nonfinite_token(s) && !known.contains(&s.trim().to_ascii_lowercase());
    if json {
        fn walk(v: &serde_json::Value, bad: &dyn Fn(&str) -> bool) -> Option<String> {
            match v {
                serde_json::Value::String(s) if bad(s) => Some(s.clone()),
                serde_json::Value::Array(a) => a.iter().find_map(|x| walk(x, bad)),
                serde_json::Value::Object(o) => o.values().find_map(|x| walk(x, bad)),
                _ => None,
            }
        }
        return match serde_json::from_str::<serde_json::Value>(&text) {
            Ok(v) => walk(&v, &bad).map(|s| format!("JSON value {s:?}")),
            Err(e) => Some(format!("invalid JSON ({e})")),
        };
    }
    for (i, line) in text.lines().enumerate() {
        if let Some(c) = line.split('\t').find(|c| bad(c)) {
            return Some(format!("line {} has value {c:?}", i + 1));
        }
    }
    None
}

/// Every file under `dir`, recursively (relative paths).
fn walk(dir: &Path, base: &Path, out: &mut Vec<PathBuf>) {
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            let p = e.path();
            out.push(p.strip_prefix(base).unwrap().to_path_buf());
            if p.is_dir() {
                walk(&p, base, out);
            }
        }
    }
}

/// Checks one run; the reasons it failed (empty = passed).
fn check(dir: &Path, plan: &Plan, pre: &HashSet<PathBuf>, o: &Outcome) -> Vec<String> {
    let mut why = Vec::new();
    if o.timed_out {
        why.push(format!("hang: no exit within {} s", LIMIT.as_secs()));
        return why; // killed: leftovers are expected
    }
    match o.code {
        None => why.push("killed by a signal".into()),
        Some(c) if !(0..=2).contains(&c) => why.push(format!("exit code {c}")),
        _ => {}
    }
    let err = String::from_utf8_lossy(&o.stderr);
    if err.contains("panicked") {
        why.push("panic".into());
    }
    let known = input_tokens(&plan.files, &plan.args);
    if plan.table_stdout && o.code == Some(0) {
        let json = plan.args.iter().any(|a| a == "--json");
        if let Some(v) = nonfinite_value(&o.stdout, json, &known) {
            why.push(format!("stdout: {v}"));
        }
    }
    let mut files = Vec::new();
    walk(dir, dir, &mut files);
    let new: Vec<&PathBuf> = files.iter().filter(|p| !pre.contains(*p)).collect();
    for p in &new {
        let name = p.file_name().unwrap_or_default().to_string_lossy();
        if name.starts_with('.')
            && (name.contains(".partial")
                || name.contains(".tmp")
                || name.ends_with(".mutasig-lock"))
        {
            why.push(format!("work file left behind: {}", p.display()));
        }
        let ext = p.extension().map(|e| e.to_string_lossy().to_string());
        if matches!(ext.as_deref(), Some("tsv") | Some("json")) {
            let text = std::fs::read(dir.join(p)).unwrap_or_default();
            if let Some(v) = nonfinite_value(&text, ext.as_deref() == Some("json"), &known) {
                why.push(format!("{}: {v}", p.display()));
            }
        }
    }
    if o.code != Some(0) && plan.command != "report" && !new.is_empty() {
        let top: Vec<String> = new
            .iter()
            .filter(|p| p.components().count() == 1)
            .map(|p| p.display().to_string())
            .collect();
        why.push(format!("failed run left output behind: {top:?}"));
    }
    why
}

/// Saves a failing run (its input files, args, stderr, reasons); returns the folder.
fn save(plan: &Plan, o: &Outcome, why: &[String], seed: u64, iter: usize) -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("target/fuzz-failures")
        .join(format!("{seed}-{iter:05}-{}", plan.command));
    std::fs::create_dir_all(&dir).unwrap();
    for (name, bytes) in &plan.files {
        std::fs::write(dir.join(name), bytes).unwrap();
    }
    let quoted: Vec<String> = plan
        .args
        .iter()
        .map(|a| {
            if !a.is_empty()
                && a.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_.:,/=".contains(c))
            {
                a.clone()
            } else {
                format!("'{}'", a.replace('\'', r"'\''"))
            }
        })
        .collect();
    std::fs::write(dir.join("args.txt"), quoted.join(" ") + "\n").unwrap();
    std::fs::write(
        dir.join("args.json"),
        serde_json::to_string(&plan.args).unwrap(),
    )
    .unwrap();
    std::fs::write(dir.join("stderr.txt"), &o.stderr).unwrap();
    let info = format!(
        "reasons: {why:?}\nexit: {:?} timed_out: {}\nmutations: {:?}\n",
        o.code, o.timed_out, plan.mutations
    );
    std::fs::write(dir.join("reason.txt"), info).unwrap();
    dir
}

/// Prepares the run folder of `report`: an assign output (no plots) whose catalogue, exposures or
/// signatures file is replaced by the mutated table (`None` when the catalogue was refused).
fn prepare_report(rng: &mut Rng, dir: &Path, plan: &mut Plan) -> Option<()> {
    let clean = Command::new(BIN)
        .args(["assign", "--no-plots", "-q", "-o", "out"])
        .arg(&plan.files[0].0)
        .current_dir(dir)
        .output()
        .ok()?;
    if !clean.status.success() {
        return None; // the mutated catalogue was refused; nothing to report on
    }
    let target = *rng.pick(&[
        "catalogue.tsv",
        "exposures.tsv",
        "signatures.tsv",
        "fit_quality.tsv",
    ]);
    let path = dir.join("out").join(target);
    let mut b = std::fs::read(&path).ok()?;
    for _ in 0..1 + rng.below(3) {
        plan.mutations.push(mutate(rng, &mut b));
    }
    std::fs::write(&path, &b).ok()?;
    plan.files.push((format!("out/{target}"), b));
    Some(())
}

/// Counts over a fuzzing session.
#[derive(Default)]
struct Stats {
    runs: usize,
    per_command: BTreeMap<String, usize>,
    per_exit: BTreeMap<String, usize>,
    failures: usize,
    per_failure_kind: BTreeMap<String, usize>,
    saved: Vec<PathBuf>,
}

/// How long a session lasts.
#[derive(Debug, Clone, Copy)]
enum Budget {
    /// Wall-clock seconds (the long session: coverage follows the machine's speed).
    Seconds(f64),
    /// A fixed number of runs (the smoke session: the same runs on any machine).
    Runs(usize),
}

impl Budget {
    fn spent(self, start: Instant, runs: usize) -> bool {
        match self {
            Budget::Seconds(s) => start.elapsed().as_secs_f64() >= s,
            Budget::Runs(n) => runs >= n,
        }
    }
}

/// Runs of the smoke session.
const SMOKE_RUNS: usize = 40;

/// Fuzzes within `budget` from `seed`; returns the counts.
fn fuzz(budget: Budget, seed: u64) -> Stats {
    println!("mutasig fuzz: seed {seed}, {budget:?} (MUTASIG_FUZZ_SEED / MUTASIG_FUZZ_SECONDS)");
    let work = tempfile::tempdir().unwrap();
    let seeds = corpus(work.path());
    let mut rng = Rng(seed);
    let mut st = Stats::default();
    let start = Instant::now();
    let mut iter = 0;
    while !budget.spent(start, st.runs) {
        iter += 1;
        let mut plan = plan(&mut rng, &seeds);
        let run = tempfile::tempdir_in(work.path()).unwrap();
        let dir = run.path();
        for (name, bytes) in &plan.files {
            std::fs::write(dir.join(name), bytes).unwrap();
        }
        if plan.command == "report" && prepare_report(&mut rng, dir, &mut plan).is_none() {
            continue;
        }
        let mut pre = Vec::new();
        walk(dir, dir, &mut pre);
        let pre: HashSet<PathBuf> = pre.into_iter().collect();
        let o = execute(dir, &plan.args);
        st.runs += 1;
        *st.per_command.entry(plan.command.into()).or_default() += 1;
        let code = match (o.timed_out, o.code) {
            (true, _) => "timeout".to_string(),
            (false, Some(c)) => c.to_string(),
            (false, None) => "signal".to_string(),
        };
        *st.per_exit.entry(code).or_default() += 1;
        let why = check(dir, &plan, &pre, &o);
        if !why.is_empty() {
            st.failures += 1;
            // kind: command + first reason without its details
            let head = why[0]
                .split([':', '('])
                .next()
                .unwrap_or("")
                .trim()
                .to_string();
            let kind = format!("{} / {head}", plan.command);
            let n = st.per_failure_kind.entry(kind.clone()).or_default();
            *n += 1;
            if *n <= SAVED_PER_KIND {
                let path = save(&plan, &o, &why, seed, iter);
                println!("FAILURE [{kind}] {why:?}\n  saved to {}", path.display());
                st.saved.push(path);
            }
        }
    }
    println!(
        "runs: {}  failures: {}  elapsed: {:.1} s",
        st.runs,
        st.failures,
        start.elapsed().as_secs_f64()
    );
    println!("per command: {:?}", st.per_command);
    println!("per exit code: {:?}", st.per_exit);
    println!("per failure kind: {:?}", st.per_failure_kind);
    st
}

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(default)
}

/// The long fuzzing session: `cargo test --test tests fuzz_commands -- --ignored --nocapture`.
#[test]
#[ignore]
fn fuzz_commands() {
    let seconds = env_or("MUTASIG_FUZZ_SECONDS", 60.0);
    let seed = env_or("MUTASIG_FUZZ_SEED", DEFAULT_SEED);
    fuzz_clean(Budget::Seconds(seconds), seed);
}

/// A fixed number of runs from a fixed seed, so that CI exercises the harness and its checks
/// on the same inputs however loaded the machine is.
#[test]
fn fuzz_smoke() {
    let st = fuzz_clean(Budget::Runs(SMOKE_RUNS), 1);
    assert_eq!(st.runs, SMOKE_RUNS);
}

/// The session's stopping rule: a number of runs whatever the time, or a time.
#[test]
fn fuzz_budget_counts_runs_or_seconds() {
    let start = Instant::now();
    assert!(!Budget::Runs(3).spent(start, 2));
    assert!(Budget::Runs(3).spent(start, 3));
    std::thread::sleep(Duration::from_millis(20));
    assert!(
        !Budget::Runs(3).spent(start, 0),
        "a run count ignores the time"
    );
    assert!(Budget::Seconds(0.01).spent(start, 0));
    assert!(!Budget::Seconds(1e6).spent(start, 1_000_000));
}

/// A session that must run and find nothing.
fn fuzz_clean(budget: Budget, seed: u64) -> Stats {
    let st = fuzz(budget, seed);
    assert!(st.runs > 0);
    assert_eq!(
        st.failures, 0,
        "{} failing runs, reproducers under target/fuzz-failures/",
        st.failures
    );
    st
}

/// The checks themselves: NaN values, staging folders, leftovers after a failure.
#[test]
fn fuzz_checks_detect_problems() {
    let known = HashSet::new();
    assert!(nonfinite_value(b"a\tb\nx\tNaN\n", false, &known).is_some());
    assert!(nonfinite_value(b"a\tb\nx\t-inf\n", false, &known).is_some());
    assert!(nonfinite_value(b"a\tb\nx\t1e308\n", false, &known).is_none());
    assert!(nonfinite_value(br#"{"a": NaN}"#, true, &known).is_some());
    assert!(nonfinite_value(br#"{"a": ["inf"]}"#, true, &known).is_some());
    assert!(nonfinite_value(br#"{"a": [1.5, null]}"#, true, &known).is_none());
    let echoed: HashSet<String> = ["nan".to_string()].into();
    assert!(nonfinite_value(b"Sample\nNaN\n", false, &echoed).is_none());
    let gz = {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        e.write_all(b"MutationType\tInfinity\n").unwrap();
        e.finish().unwrap()
    };
    let known = input_tokens(&[("in.tsv.gz".into(), gz)], &[]);
    assert!(
        known.contains("infinity"),
        "names inside gzip inputs are known"
    );

    let d = tempfile::tempdir().unwrap();
    let plan = Plan {
        command: "assign",
        args: vec![],
        files: vec![],
        mutations: vec![],
        table_stdout: false,
    };
    let ok = |code| Outcome {
        code: Some(code),
        timed_out: false,
        stdout: vec![],
        stderr: vec![],
    };
    let pre = HashSet::new();
    assert!(check(d.path(), &plan, &pre, &ok(0)).is_empty());
    assert!(
        !check(d.path(), &plan, &pre, &ok(101)).is_empty(),
        "exit 101"
    );
    std::fs::create_dir(d.path().join(".out.partial123")).unwrap();
    assert!(!check(d.path(), &plan, &pre, &ok(0)).is_empty(), "staging");
    std::fs::remove_dir(d.path().join(".out.partial123")).unwrap();
    std::fs::create_dir(d.path().join("out")).unwrap();
    assert!(check(d.path(), &plan, &pre, &ok(0)).is_empty());
    assert!(!check(d.path(), &plan, &pre, &ok(1)).is_empty(), "leftover");
    std::fs::write(d.path().join("out/x.tsv"), "a\tb\nc\tinf\n").unwrap();
    assert!(
        !check(d.path(), &plan, &pre, &ok(0)).is_empty(),
        "inf value"
    );
    let mut o = ok(0);
    o.stderr = b"thread 'main' panicked at".to_vec();
    std::fs::remove_file(d.path().join("out/x.tsv")).unwrap();
    assert!(!check(d.path(), &plan, &pre, &o).is_empty(), "panic");
}
