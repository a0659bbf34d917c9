//! `--layout sigprofiler` and `mutasig export`: a SigProfiler user's downstream script
//! reads mutasig's files by SigProfiler's paths, headers and index names.

use crate::util::*;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// A table as a SigProfiler user reads it with pandas (`index_col=0`): header, and
/// rows keyed by their first cell.
struct Frame {
    header: Vec<String>,
    rows: BTreeMap<String, Vec<String>>,
    order: Vec<String>,
}

impl Frame {
    fn read(p: &Path, sep: char) -> Frame {
        let text = std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
        let mut lines = text.lines();
        let header: Vec<String> = lines.next().unwrap().split(sep).map(String::from).collect();
        let (mut rows, mut order) = (BTreeMap::new(), Vec::new());
        for l in lines {
            let cells: Vec<String> = l.split(sep).map(String::from).collect();
            assert_eq!(cells.len(), header.len(), "{}: {l}", p.display());
            order.push(cells[0].clone());
            rows.insert(cells[0].clone(), cells);
        }
        Frame {
            header,
            rows,
            order,
        }
    }

    /// `df.loc[row, column]`.
    fn at(&self, row: &str, column: &str) -> &str {
        let c = self
            .header
            .iter()
            .position(|h| h == column)
            .unwrap_or_else(|| panic!("KeyError: {column} not in {:?}", self.header));
        &self
            .rows
            .get(row)
            .unwrap_or_else(|| panic!("KeyError: {row}"))[c]
    }

    fn num(&self, row: &str, column: &str) -> f64 {
        self.at(row, column).parse().unwrap()
    }
}

/// Every file under `root` (relative path → bytes), the manifest left out.
fn tree(root: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = all_files(root);
    out.remove(".mutasig-manifest");
    out
}

/// A small simulated cohort without SBS3 (so SBS3's activity is zero everywhere).
fn cohort(dir: &Path) -> PathBuf {
    let sim = dir.join("sim");
    run_ok(&[
        "simulate",
        "--signatures",
        "SBS1,SBS5,SBS2,SBS13",
        "--samples",
        "16",
        "--burden-median",
        "1500",
        "--seed",
        "5",
        "-o",
        sim.to_str().unwrap(),
    ]);
    sim.join("catalogue.tsv")
}

/// `mutasig export` of `run` equals `run/sigprofiler/` byte for byte.
fn export_equals_layout(tmp: &Path, run: &Path) {
    let out = tmp.join(format!(
        "{}-export",
        run.file_name().unwrap().to_string_lossy()
    ));
    run_ok(&[
        "export",
        "--layout",
        "sigprofiler",
        run.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    let (exported, at_run) = (tree(&out), tree(&run.join("sigprofiler")));
    assert!(at_run.len() >= 3, "{:?}", at_run.keys());
    assert_eq!(
        exported.keys().collect::<Vec<_>>(),
        at_run.keys().collect::<Vec<_>>()
    );
    for (name, bytes) in &at_run {
        assert!(bytes == &exported[name], "{name} differs");
    }
}

#[test]
fn downstream_script_reads_an_assign_export() {
    let tmp = tempfile::tempdir().unwrap();
    let cat = cohort(tmp.path());
    let run = tmp.path().join("spa");
    run_ok(&[
        "assign",
        cat.to_str().unwrap(),
        "-o",
        run.to_str().unwrap(),
        "--layout",
        "sigprofiler",
        "--no-plots",
    ]);
    let sol = run.join("sigprofiler/Assignment_Solution");
    // read 1: df = pd.read_csv(".../Assignment_Solution_Activities.txt", sep="\t", index_col=0)
    let acts_path = sol.join("Activities/Assignment_Solution_Activities.txt");
    let acts = Frame::read(&acts_path, '\t');
    assert_eq!(acts.header[0], "Samples");
    let mine = Frame::read(&run.join("exposures.tsv"), '\t');
    assert!(!mine.header.contains(&"SBS3".to_string()), "SBS3 fitted?");
    let catalogue = Frame::read(&run.join("catalogue.tsv"), '\t');
    let samples = &catalogue.header[1..];
    assert_eq!(acts.order, samples);
    for s in samples {
        assert_eq!(acts.num(s, "SBS3"), 0.0, "df.loc['{s}', 'SBS3']");
        // every fitted signature is a column; mutasig's own columns hold the same counts
        let row_sum: f64 = acts.rows[s][1..]
            .iter()
            .map(|x| x.parse::<f64>().unwrap())
            .sum();
        let total: f64 = mine.rows[s][1..]
            .iter()
            .map(|x| x.parse::<f64>().unwrap())
            .sum();
        assert_eq!(row_sum, total);
        for sig in &mine.header[1..] {
            assert_eq!(acts.num(s, sig), mine.num(s, sig));
        }
    }
    // the columns are the signatures fitted: COSMIC v3.6 SBS without the artefacts
    let sigs = Frame::read(
        &sol.join("Signatures/Assignment_Solution_Signatures.txt"),
        '\t',
    );
    assert_eq!(sigs.header[0], "MutationType");
    assert_eq!(sigs.header[1..], acts.header[1..]);
    assert!(!acts.header.contains(&"SBS27".to_string()));
    assert!(acts.header.len() > 60, "{}", acts.header.len());
    // read 2: stats["L2_Norm_%"] is a percent string, 100 × mutasig's rel_l2
    let stats = Frame::read(
        &sol.join("Solution_Stats/Assignment_Solution_Samples_Stats.txt"),
        '\t',
    );
    assert_eq!(stats.header[0], "Sample Names");
    let fit = Frame::read(&run.join("fit_quality.tsv"), '\t');
    for s in samples {
        let l2 = stats.at(s, "L2_Norm_%");
        let pct: f64 = l2.strip_suffix('%').expect("ends with %").parse().unwrap();
        let want = 100.0 * fit.num(s, "rel_l2");
        assert!((pct - want).abs() <= 0.0005 + 1e-9, "{s}: {l2} vs {want}");
        assert_eq!(stats.at(s, "Total Mutations"), fit.at(s, "total_mutations"));
    }
    // read 6: `mutasig plot` draws the activities file as exposures, without --kind
    let figs = tmp.path().join("figs");
    run_ok(&[
        "plot",
        acts_path.to_str().unwrap(),
        "-o",
        figs.to_str().unwrap(),
    ]);
    let drawn: Vec<String> = files_in(&figs)
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .filter(|n| !n.starts_with('.'))
        .collect();
    assert_eq!(drawn, ["Assignment_Solution_Activities.svg"]);
    // a catalogue whose label column is called `Samples` is still drawn as spectra
    let text = std::fs::read_to_string(run.join("catalogue.tsv")).unwrap();
    let renamed = tmp.path().join("renamed.tsv");
    std::fs::write(&renamed, text.replacen("MutationType", "Samples", 1)).unwrap();
    let spectra = tmp.path().join("spectra");
    run_ok(&[
        "plot",
        renamed.to_str().unwrap(),
        "-o",
        spectra.to_str().unwrap(),
    ]);
    let n = files_in(&spectra)
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "svg"))
        .count();
    assert_eq!(n, samples.len());
    export_equals_layout(tmp.path(), &run);
    // --decompose has no SigProfiler counterpart: a usage error before anything is written
    let sig = run.join("signatures.tsv");
    let o = mutasig()
        .args(["assign", "--decompose", sig.to_str().unwrap(), "-o"])
        .arg(tmp.path().join("dec"))
        .args(["--layout", "sigprofiler"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--layout"));
    assert!(!tmp.path().join("dec").exists());
}

#[test]
fn downstream_script_reads_an_extract_export() {
    let tmp = tempfile::tempdir().unwrap();
    let cat = cohort(tmp.path());
    let run = tmp.path().join("spe");
    run_ok(&[
        "extract",
        cat.to_str().unwrap(),
        "-o",
        run.to_str().unwrap(),
        "--max-rank",
        "4",
        "--replicates",
        "4",
        "--layout",
        "sigprofiler",
        "--no-plots",
    ]);
    let root = run.join("sigprofiler/SBS96");
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(run.join("summary.json")).unwrap()).unwrap();
    let k = summary["selected_rank"].as_u64().unwrap();
    // read 3: the rank marked `*` in All_solutions_stat.csv
    let all = Frame::read(&root.join("All_solutions_stat.csv"), ',');
    assert_eq!(all.header[0], "Signatures");
    assert_eq!(all.header.len(), 16);
    let starred: Vec<&String> = all.order.iter().filter(|r| r.ends_with('*')).collect();
    assert_eq!(starred, [&format!("{k}*")]);
    assert_eq!(all.order.len(), 4);
    for r in &all.order {
        let kk = r.trim_end_matches('*');
        let base = root.join(format!("All_Solutions/SBS96_{kk}_Signatures"));
        let stats = Frame::read(
            &base.join(format!("Solution_Stats/SBS96_S{kk}_Samples_stats.txt")),
            '\t',
        );
        assert_eq!(stats.header[0], "Sample Names");
        assert!(all.at(r, "Mean Sample L2%").ends_with('%'));
    }
    // read 4: COSMIC-decomposed activities sum to each sample's mutations
    let dec = root.join("Suggested_Solution/COSMIC_SBS96_Decomposed_Solution");
    let acts = Frame::read(&dec.join("Activities/COSMIC_SBS96_Activities.txt"), '\t');
    assert_eq!(acts.header[0], "Samples");
    let catalogue = Frame::read(&run.join("catalogue.tsv"), '\t');
    let samples = &catalogue.header[1..];
    assert_eq!(acts.order, samples);
    for (j, s) in samples.iter().enumerate() {
        let total: f64 = catalogue
            .rows
            .values()
            .map(|r| r[j + 1].parse::<f64>().unwrap())
            .sum();
        let row: f64 = acts.rows[s][1..]
            .iter()
            .map(|x| x.parse::<f64>().unwrap())
            .sum();
        assert_eq!(row, total, "{s}");
    }
    // SBS1 and SBS5 are always in SigProfiler's decomposed set
    assert!(acts.header.contains(&"SBS1".into()) && acts.header.contains(&"SBS5".into()));
    let cosmic = Frame::read(&dec.join("Signatures/COSMIC_SBS96_Signatures.txt"), '\t');
    assert_eq!(cosmic.header[1..], acts.header[1..]);
    let map = Frame::read(&dec.join("De_Novo_map_to_COSMIC_SBS96.csv"), ',');
    // SigProfiler separates this file's fields with ", " (pandas reads " Global NMF Signatures")
    assert_eq!(map.header[1], " Global NMF Signatures");
    assert!(
        map.order
            .iter()
            .all(|r| r.starts_with("Signature 96-SBS96"))
    );
    assert_eq!(map.order.len() as u64, k);
    // read 5: the de novo signatures, columns as in signatures.tsv, summing to 1
    let dn = root.join("Suggested_Solution/SBS96_De-Novo_Solution");
    let sigs = Frame::read(&dn.join("Signatures/SBS96_De-Novo_Signatures.txt"), '\t');
    let mine = Frame::read(&run.join("signatures.tsv"), '\t');
    assert_eq!(sigs.header[0], "MutationType");
    assert_eq!(sigs.header, mine.header);
    assert_eq!(sigs.header.len() as u64, k + 1);
    assert_eq!(sigs.rows.len(), 96);
    for c in &sigs.header[1..] {
        let sum: f64 = sigs.order.iter().map(|r| sigs.num(r, c)).sum();
        assert!((sum - 1.0).abs() < 1e-6, "{c}: {sum}");
    }
    let refit = Frame::read(
        &dn.join("Activities/SBS96_De-Novo_Activities_refit.txt"),
        '\t',
    );
    assert_eq!(refit.header[0], "Samples");
    assert!(
        dn.join("Solution_Stats/SBS96_De-Novo_Samples_Stats_refit.txt")
            .is_file()
    );
    export_equals_layout(tmp.path(), &run);
    // export never writes into its input, and asks for a layout other than mutasig's
    let before = tree(&run);
    for inside in [run.clone(), run.join("sp"), root.clone()] {
        let e = data_error(
            &[
                "export",
                "--layout",
                "sigprofiler",
                run.to_str().unwrap(),
                "-o",
                inside.to_str().unwrap(),
                "--force",
            ],
            None,
        );
        assert!(e.contains("inside") && e.contains("never writes"), "{e}");
    }
    assert_eq!(tree(&run), before);
    assert!(!run.join("sp").exists());
    let o = mutasig()
        .args(["export", "--layout", "mutasig", run.to_str().unwrap(), "-o"])
        .arg(tmp.path().join("x"))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    // a folder that is not a mutasig run
    let sim = cat.parent().unwrap();
    let e = data_error(
        &[
            "export",
            "--layout",
            "sigprofiler",
            sim.to_str().unwrap(),
            "-o",
            tmp.path().join("y").to_str().unwrap(),
        ],
        None,
    );
    assert!(e.contains("simulate"), "{e}");
}
