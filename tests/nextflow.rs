//! The nf-core-style Nextflow modules in `examples/nextflow/modules/mutasig/`: Nextflow
//! itself cannot be installed on our machines (its launcher downloads at first run), so
//! this harness does what Nextflow does with a task's `script:` and `stub:` blocks —
//! evaluates the `task.ext` defaults, interpolates the Groovy string, strips the common
//! indentation — and runs the result with bash in a task folder holding the staged
//! inputs. It then checks every declared `path(...)` output, the `env(...)` value and
//! `versions.yml`. Not tested: channel wiring, `conda`/`container`, `when:`.

use crate::util::example;
use std::collections::BTreeMap;
use std::path::Path;

fn module(name: &str) -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(root.join(format!("examples/nextflow/modules/mutasig/{name}/main.nf")))
        .unwrap()
}

/// The body of the first `"""` string after `label:` (a `script:` or `stub:` block) and
/// the variables its Groovy lines define (`def args = task.ext.args ?: ''`).
fn block(
    nf: &str,
    label: &str,
    vars: &mut BTreeMap<String, String>,
    ext: &BTreeMap<&str, &str>,
) -> String {
    let start = nf
        .find(&format!("\n    {label}:\n"))
        .unwrap_or_else(|| panic!("no {label}: block"));
    let rest = &nf[start + label.len() + 7..];
    let open = rest.find("\"\"\"").unwrap();
    for line in rest[..open]
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with("//"))
    {
        let line = line.strip_prefix("def ").unwrap_or(line);
        let (name, expr) = line
            .split_once(" = ")
            .unwrap_or_else(|| panic!("unexpected Groovy line: {line}"));
        let (lhs, default) = expr.split_once(" ?: ").unwrap();
        let key = lhs.strip_prefix("task.ext.").unwrap();
        let value = match ext.get(key) {
            Some(v) => v.to_string(),
            None => interpolate(default.trim_matches(|c| c == '"' || c == '\''), vars),
        };
        vars.insert(name.to_string(), value);
    }
    let body = &rest[open + 3..];
    let body = &body[..body.find("\"\"\"").unwrap()];
    strip_indent(&interpolate(body, vars))
}

/// Groovy GString interpolation: `${name}`, `$name`, `\$` and `\\`.
fn interpolate(s: &str, vars: &BTreeMap<String, String>) -> String {
    let mut out = String::new();
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push(chars.next().unwrap()),
            '$' if chars.peek() == Some(&'{') => {
                chars.next();
                let name: String = chars.by_ref().take_while(|&c| c != '}').collect();
                out.push_str(
                    vars.get(&name)
                        .unwrap_or_else(|| panic!("unknown ${{{name}}}")),
                );
            }
            '$' => {
                let mut name = String::new();
                while let Some(&c) = chars.peek() {
                    if c.is_alphanumeric() || c == '_' || (c == '.' && !name.is_empty()) {
                        name.push(c);
                        chars.next();
                    } else {
                        break;
                    }
                }
                out.push_str(vars.get(&name).unwrap_or_else(|| panic!("unknown ${name}")));
            }
            c => out.push(c),
        }
    }
    out
}

/// Nextflow's `stripIndent()`: the common leading whitespace of the non-blank lines.
fn strip_indent(s: &str) -> String {
    let indent = s
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.len() - l.trim_start().len())
        .min()
        .unwrap_or(0);
    s.lines()
        .map(|l| {
            if l.len() >= indent {
                &l[indent..]
            } else {
                l.trim_start()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The `path("...")` and `env(NAME)` outputs of a module.
fn outputs(nf: &str) -> (Vec<String>, Vec<String>) {
    let section = &nf[nf.find("\n    output:\n").unwrap()..nf.find("\n    when:\n").unwrap()];
    let mut paths = Vec::new();
    let mut envs = Vec::new();
    for line in section.lines() {
        for (marker, is_env) in [("path(\"", false), ("path \"", false), ("env(", true)] {
            if let Some(i) = line.find(marker) {
                let rest = &line[i + marker.len()..];
                let end = rest.find(['"', ')']).unwrap();
                let list = if is_env { &mut envs } else { &mut paths };
                list.push(rest[..end].to_string());
            }
        }
    }
    (paths, envs)
}

/// Runs one block in a fresh task folder; returns the folder and the `env` values.
/// `staged`: (variable, files, folder they are staged in: `""` or as `stageAs: 'dir/*'`).
fn run_task(
    name: &str,
    label: &str,
    staged: &[(&str, &[&Path], &str)],
    vals: &[(&str, &str)],
    ext: &BTreeMap<&str, &str>,
) -> (
    tempfile::TempDir,
    BTreeMap<String, String>,
    BTreeMap<String, String>,
) {
    let nf = module(name);
    let process = format!("MUTASIG_{}", name.to_uppercase());
    let mut vars: BTreeMap<String, String> = [
        ("meta.id", "cohort1"),
        ("task.cpus", "2"),
        ("task.process", process.as_str()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    vars.extend(vals.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    let task = tempfile::tempdir().unwrap();
    for (var, sources, dir) in staged {
        std::fs::create_dir_all(task.path().join(dir)).unwrap();
        let names: Vec<String> = sources
            .iter()
            .map(|source| {
                let rel = Path::new(dir).join(source.file_name().unwrap());
                std::os::unix::fs::symlink(source, task.path().join(&rel)).unwrap();
                rel.to_string_lossy().into_owned()
            })
            .collect();
        vars.insert(var.to_string(), names.join(" "));
    }
    let script = block(&nf, label, &mut vars, ext);
    let (paths, envs) = outputs(&nf);
    assert!(
        paths.len() >= 2 && paths.contains(&"versions.yml".to_string()),
        "{paths:?}"
    );
    let emits_rank = name == "extract" || name == "merge";
    assert_eq!(envs.is_empty(), !emits_rank, "{envs:?}");
    let mut full = format!("set -euo pipefail\n{script}\n");
    for e in &envs {
        full.push_str(&format!("echo \"{e}=${e}\" > .command.env.{e}\n"));
    }
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_mutasig")).parent().unwrap();
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = std::process::Command::new("bash")
        .arg("-c")
        .arg(&full)
        .current_dir(task.path())
        .env("PATH", path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{process} {label}: {}\n--- script ---\n{full}",
        String::from_utf8_lossy(&out.stderr)
    );
    for p in &paths {
        let p = interpolate(p, &vars);
        let found = glob_exists(task.path(), &p);
        assert!(found, "{process} {label}: declared output {p} missing");
    }
    let mut env = BTreeMap::new();
    for e in &envs {
        let line = std::fs::read_to_string(task.path().join(format!(".command.env.{e}"))).unwrap();
        env.insert(
            e.clone(),
            line.trim().split_once('=').unwrap().1.to_string(),
        );
    }
    let versions = std::fs::read_to_string(task.path().join("versions.yml")).unwrap();
    let expected = format!(
        "\"{process}\":\n    mutasig: {}\n",
        env!("CARGO_PKG_VERSION")
    );
    assert_eq!(versions, expected, "{process} {label}: versions.yml");
    (task, env, vars)
}

/// Whether `pattern` (a path with at most one `*` in its last part) matches a file.
fn glob_exists(dir: &Path, pattern: &str) -> bool {
    match pattern.rsplit_once('/') {
        Some((parent, last)) if last.contains('*') => {
            let (pre, post) = last.split_once('*').unwrap();
            std::fs::read_dir(dir.join(parent)).is_ok_and(|rd| {
                rd.flatten().any(|e| {
                    let n = e.file_name().to_string_lossy().to_string();
                    n.starts_with(pre) && n.ends_with(post)
                })
            })
        }
        _ => dir.join(pattern).exists(),
    }
}

#[test]
fn nextflow_modules_run_their_script_blocks() {
    let ex = example();
    let cat: &[(&str, &[&Path], &str)] = &[("catalogue", &[ex.as_path()], "")];
    let settings = "--max-rank 3 --replicates 4 --no-plots";
    let ext: BTreeMap<&str, &str> = [("args", settings)].into();
    let (extract, env, _) = run_task("extract", "script", cat, &[], &ext);
    let summary: serde_json::Value = serde_json::from_slice(
        &std::fs::read(extract.path().join("cohort1/summary.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(
        env["SELECTED_RANK"],
        summary["selected_rank"].to_string(),
        "the rank is emitted as a value"
    );
    let log = std::fs::read_to_string(extract.path().join("cohort1.log")).unwrap();
    assert!(log.contains("selected rank"), "{log}");

    let ext: BTreeMap<&str, &str> = [("args", "--bootstrap 5"), ("prefix", "assigned")].into();
    let (assign, _, _) = run_task("assign", "script", cat, &[], &ext);
    let ci = assign.path().join("assigned/exposures_ci.tsv");
    assert!(ci.exists(), "task.ext.args reach the command");

    // report reads the staged extract folder and writes a new one
    let staged = extract.path().join("cohort1");
    let before = std::fs::read_dir(&staged).unwrap().count();
    let results: &[(&str, &[&Path], &str)] = &[("results", &[staged.as_path()], "results")];
    let (report, _, _) = run_task("report", "script", results, &[], &BTreeMap::new());
    assert!(report.path().join("cohort1_report/report.html").exists());
    let after = std::fs::read_dir(&staged).unwrap().count();
    assert_eq!(after, before, "report wrote into its input");

    // scatter (ranks 1-3 in two uneven replicate chunks) and gather: the same tables as
    // the single extract above, which ran with the same settings
    let mut parts = Vec::new();
    for (chunk, prefix) in [("0..1", "p1"), ("1..4", "p2")] {
        let ext: BTreeMap<&str, &str> = [("args", settings), ("prefix", prefix)].into();
        let vals = [("ranks", "1,2,3"), ("replicates", chunk)];
        let (task, _, _) = run_task("extractpart", "script", cat, &vals, &ext);
        parts.push(task.path().join(format!("{prefix}.part")));
        std::mem::forget(task); // keep the part until the merge has read it
    }
    let part_refs: Vec<&Path> = parts.iter().map(|p| p.as_path()).collect();
    let staged: &[(&str, &[&Path], &str)] = &[
        ("catalogue", &[ex.as_path()], ""),
        ("parts", &part_refs, "parts"),
    ];
    let ext: BTreeMap<&str, &str> = [("args", "--no-plots")].into();
    let (merged, env, _) = run_task("merge", "script", staged, &[], &ext);
    assert_eq!(env["SELECTED_RANK"], summary["selected_rank"].to_string());
    for f in [
        "signatures.tsv",
        "exposures.tsv",
        "fit_quality.tsv",
        "rank_selection.tsv",
    ] {
        let a = std::fs::read(merged.path().join("cohort1").join(f)).unwrap();
        let b = std::fs::read(extract.path().join("cohort1").join(f)).unwrap();
        assert_eq!(a, b, "{f}: merged parts differ from the single extract");
    }
    for p in parts {
        let _ = std::fs::remove_dir_all(p.parent().unwrap());
    }
}

/// The bundled VCF example: (VCFs, genome.fa, genome.fa.fai, the catalogue they hold).
fn vcf_example() -> (Vec<std::path::PathBuf>, [std::path::PathBuf; 3]) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/vcf");
    let mut vcfs: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "vcf"))
        .collect();
    vcfs.sort();
    let files = ["genome.fa", "genome.fa.fai", "catalogue.tsv"].map(|f| dir.join(f));
    (vcfs, files)
}

/// A catalogue's cells without its `#` comment lines.
fn cells(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .filter(|l| !l.starts_with('#'))
        .map(str::to_string)
        .collect()
}

#[test]
fn nextflow_count_module_counts_the_bundled_vcfs() {
    let (vcfs, [fasta, fai, truth]) = vcf_example();
    let vcf_refs: Vec<&Path> = vcfs.iter().map(|p| p.as_path()).collect();
    let staged: &[(&str, &[&Path], &str)] = &[
        ("calls", &vcf_refs, ""),
        ("fasta", &[fasta.as_path()], ""),
        ("fai", &[fai.as_path()], ""),
    ];
    let ext: BTreeMap<&str, &str> = [("args", "--genome-build synthetic")].into();
    let (task, _, _) = run_task("count", "script", staged, &[], &ext);
    let sbs96 = task.path().join("cohort1/SBS96.tsv");
    assert_eq!(cells(&sbs96), cells(&truth), "counted SBS96 differs");
    let head = std::fs::read_to_string(&sbs96).unwrap();
    assert!(head.lines().next().unwrap().contains("synthetic"), "{head}");
    run_task("count", "stub", staged, &[], &BTreeMap::new());
}

#[test]
fn nextflow_modules_run_their_stub_blocks() {
    let ex = example();
    let one: &[&Path] = &[ex.as_path()];
    for name in ["extract", "assign", "report", "merge"] {
        let input = if name == "report" {
            "results"
        } else {
            "catalogue"
        };
        let mut staged = vec![(input, one, "")];
        if name == "merge" {
            staged.push(("parts", one, "parts"));
        }
        run_task(name, "stub", &staged, &[], &BTreeMap::new());
    }
    let ext: BTreeMap<&str, &str> = [("prefix", "p1")].into();
    let vals = [("ranks", "2"), ("replicates", "0..4")];
    run_task(
        "extractpart",
        "stub",
        &[("catalogue", one, "")],
        &vals,
        &ext,
    );
}
