//! Rank selection on a planted low-count cohort (issue #13): ~100 mutations per sample,
//! where per-sample relative L2 errors carry almost no information.

use crate::util::*;

#[test]
fn low_count_cohort_gets_its_true_rank_with_two_seeds() {
    let dir = tempfile::tempdir().unwrap();
    for seed in ["1", "2"] {
        let sim = dir.path().join(format!("sim{seed}"));
        let out = dir.path().join(format!("ex{seed}"));
        // SBS3 and SBS5 are flat and similar (cosine 0.79): the hard pair of exomes
        run_ok(&[
            "simulate",
            "--signatures",
            "SBS2,SBS3,SBS5,SBS18",
            "--samples",
            "150",
            "--burden-median",
            "100",
            "--seed",
            seed,
            "-o",
            sim.to_str().unwrap(),
        ]);
        run_ok(&[
            "extract",
            sim.join("catalogue.tsv").to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
            "--max-rank",
            "6",
            "--replicates",
            "10",
            "--seed",
            seed,
            "--no-plots",
            "-q",
        ]);
        let s: serde_json::Value =
            serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap();
        let sel = &s["selection"];
        assert_eq!(s["selected_rank"], 4, "seed {seed}: {}", sel["reason"]);
        assert_eq!(sel["rule"], "combined");
        assert!(sel["plausible"].as_array().unwrap().contains(&4.into()));
        assert!(sel["votes"]["likelihood"].is_u64(), "{}", sel["votes"]);
        assert_eq!(sel["likelihood"].as_array().unwrap().len(), 6);
        // the table says the same: one selected row, and it is plausible
        let table = std::fs::read_to_string(out.join("rank_selection.tsv")).unwrap();
        let header: Vec<&str> = table.lines().next().unwrap().split('\t').collect();
        let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
        let chosen: Vec<Vec<&str>> = table
            .lines()
            .skip(1)
            .map(|l| l.split('\t').collect::<Vec<_>>())
            .filter(|r| r[col("selected")] == "true")
            .collect();
        assert_eq!(chosen.len(), 1);
        assert_eq!(chosen[0][0], "4");
        assert_eq!(chosen[0][col("plausible")], "true");
    }
}

#[test]
fn select_flag_picks_the_rule_and_rejects_unknown_ones() {
    let dir = tempfile::tempdir().unwrap();
    let sim = dir.path().join("sim");
    run_ok(&[
        "simulate",
        "--signatures",
        "SBS1,SBS5",
        "--samples",
        "20",
        "--burden-median",
        "300",
        "-o",
        sim.to_str().unwrap(),
    ]);
    let cat = sim.join("catalogue.tsv");
    let out = dir.path().join("ex");
    run_ok(&[
        "extract",
        cat.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--max-rank",
        "3",
        "--replicates",
        "4",
        "--select",
        "cophenetic",
        "--no-plots",
        "-q",
    ]);
    let s: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(s["selection"]["rule"], "cophenetic");
    assert_eq!(s["parameters"]["selection"]["select"], "cophenetic");
    let o = mutasig()
        .args(["extract", cat.to_str().unwrap(), "-o"])
        .arg(dir.path().join("bad"))
        .args(["--select", "best"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--select"));
    assert!(!dir.path().join("bad").exists());
}
