//! What packagers and pipelines take from the binary besides results: shell completions and
//! man pages generated from the clap definitions, and the MultiQC custom-content files.

use crate::util::{example, mutasig};

fn stdout_of(args: &[&str]) -> String {
    let out = mutasig().args(args).output().unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn completions_are_generated_for_every_shell_and_know_the_subcommands() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let script = stdout_of(&["completions", shell]);
        for word in ["extract", "assign", "replicates", "include-artefacts"] {
            assert!(script.contains(word), "{shell} completion lacks {word}");
        }
    }
    // the bash script must at least parse
    let script = stdout_of(&["completions", "bash"]);
    if std::process::Command::new("bash")
        .arg("--version")
        .output()
        .is_ok()
    {
        let mut child = std::process::Command::new("bash")
            .arg("-n")
            .stdin(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        use std::io::Write;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(script.as_bytes())
            .unwrap();
        assert!(
            child.wait().unwrap().success(),
            "bash -n rejects the completion script"
        );
    }
    let bad = mutasig().args(["completions", "tcsh"]).output().unwrap();
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn man_pages_are_generated_for_the_tool_and_each_subcommand() {
    let main = stdout_of(&["man"]);
    assert!(
        main.starts_with(".ie") || main.contains(".TH mutasig 1"),
        "{main:.200}"
    );
    assert!(main.contains(".TH mutasig 1"));
    for sub in ["extract", "assign", "inspect", "simulate", "report"] {
        assert!(main.contains(sub), "main page lacks {sub}");
        let page = stdout_of(&["man", sub]);
        assert!(
            page.contains(&format!(".TH mutasig\\-{sub} 1"))
                || page.contains(&format!(".TH mutasig-{sub} 1")),
            "{page:.300}"
        );
        // global flags reach the subcommand pages
        assert!(page.contains("seed"), "{sub} page lacks --seed");
    }
    let page = stdout_of(&["man", "extract"]);
    assert!(page.contains("replicates") && page.contains("Factorizations per rank"));
    let bad = mutasig().args(["man", "nope"]).output().unwrap();
    assert_eq!(bad.status.code(), Some(2));
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(err.contains("'nope'") && err.contains("extract"), "{err}");
}

/// The MultiQC header keys, and the table below them equal to the run's own tables.
#[test]
fn multiqc_files_carry_a_section_header_and_the_runs_exposures_and_fit() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("a");
    let status = mutasig()
        .args(["-q", "assign", "--no-plots", "-o"])
        .arg(&out)
        .arg(example())
        .output()
        .unwrap()
        .status;
    assert!(status.success());
    let mqc = std::fs::read_to_string(out.join("mutasig_assign_exposures_mqc.tsv")).unwrap();
    let (head, table): (Vec<&str>, Vec<&str>) = mqc.lines().partition(|l| l.starts_with('#'));
    for key in [
        "# id: 'mutasig_assign_exposures'",
        "# plot_type: 'bargraph'",
        "# section_name:",
    ] {
        assert!(head.iter().any(|l| l.starts_with(key)), "missing {key}");
    }
    let exposures = std::fs::read_to_string(out.join("exposures.tsv")).unwrap();
    assert_eq!(table.join("\n"), exposures.trim_end());
    let fit = std::fs::read_to_string(out.join("mutasig_assign_fit_mqc.tsv")).unwrap();
    assert!(fit.contains("# plot_type: 'table'"));
    let rows: Vec<&str> = fit.lines().filter(|l| !l.starts_with('#')).collect();
    assert_eq!(
        rows[0],
        "Sample\ttotal_mutations\tn_signatures\tcosine\trel_l2"
    );
    assert_eq!(rows.len(), 22, "header and 21 samples");
    // the same sample and numbers as fit_quality.tsv
    let quality = std::fs::read_to_string(out.join("fit_quality.tsv")).unwrap();
    let q1: Vec<&str> = quality.lines().nth(1).unwrap().split('\t').collect();
    let m1: Vec<&str> = rows[1].split('\t').collect();
    assert_eq!((m1[0], m1[1], m1[3], m1[4]), (q1[0], q1[1], q1[2], q1[4]));
}

/// The Dockerfile and the Bioconda build script install one man page per subcommand:
/// their lists must name exactly the binary's subcommands.
#[test]
fn packaging_scripts_name_every_subcommand() {
    let out = mutasig().args(["man", "no-such-page"]).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    let listed = err.rsplit("one of: ").next().unwrap().trim();
    let mut expected: Vec<&str> = listed.split(", ").collect();
    expected.sort_unstable();
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    for file in ["Dockerfile", "packaging/bioconda/build.sh"] {
        let text = std::fs::read_to_string(root.join(file)).unwrap();
        let line = text
            .lines()
            .find(|l| l.contains("for c in "))
            .unwrap_or_else(|| panic!("{file}: no `for c in` loop over subcommands"));
        let list = line
            .split("for c in ")
            .nth(1)
            .unwrap()
            .split(';')
            .next()
            .unwrap();
        let mut names: Vec<&str> = list.split_whitespace().collect();
        names.sort_unstable();
        assert_eq!(
            names, expected,
            "{file} installs man pages for other subcommands"
        );
    }
}
