//! `--groups SHEET.tsv` of `assign` and `extract`: the sample sheet is checked before
//! anything is written, the comparison lands in group_differences.tsv, summary.json and
//! the report.

use crate::util::*;
use std::path::{Path, PathBuf};

fn read_tsv(p: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let text = std::fs::read_to_string(p).unwrap();
    let mut lines = text
        .lines()
        .map(|l| l.split('\t').map(String::from).collect());
    let header = lines.next().unwrap();
    (header, lines.collect())
}

fn sheet_of_example() -> PathBuf {
    example().with_file_name("breast21_samples.tsv")
}

/// The row of `sig` in group_differences.tsv, by column name.
fn row_of(path: &Path, sig: &str) -> std::collections::HashMap<String, String> {
    let (h, rows) = read_tsv(path);
    let r = rows.iter().find(|r| r[0] == sig).expect("signature row");
    h.into_iter().zip(r.iter().cloned()).collect()
}

fn num(row: &std::collections::HashMap<String, String>, col: &str) -> f64 {
    row[col]
        .parse()
        .unwrap_or_else(|_| panic!("{col}: {}", row[col]))
}

#[test]
fn assign_groups_on_breast21_writes_the_table_summary_and_report_section() {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("b21");
    let sheet = sheet_of_example();
    let e = example();
    run_ok(&[
        "assign",
        e.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--groups",
        sheet.to_str().unwrap(),
    ]);
    let table = out.join("group_differences.tsv");
    let (h, rows) = read_tsv(&table);
    assert_eq!(h[0], "Signature");
    for c in [
        "n_BRCA1",
        "abs_median_BRCA2",
        "rel_median_ER+HER2-",
        "abs_q",
        "rel_q",
    ] {
        assert!(h.contains(&c.to_string()), "{c} missing from {h:?}");
    }
    let (eh, _) = read_tsv(&out.join("exposures.tsv"));
    assert_eq!(rows.len(), eh.len() - 1, "one row per signature");
    // sorted by abs_p
    let p = h.iter().position(|c| c == "abs_p").unwrap();
    let ps: Vec<f64> = rows.iter().map(|r| r[p].parse().unwrap()).collect();
    assert!(ps.windows(2).all(|w| w[0] <= w[1]), "{ps:?}");
    // six groups: Kruskal–Wallis; SBS3 (HR deficiency) is highest in the BRCA1/2
    // carriers (p 0.0073 with the cohort-aware refit; 0.096 with per-sample fits)
    let sbs3 = row_of(&table, "SBS3");
    assert_eq!(sbs3["abs_test"], "kruskal_wallis");
    assert_eq!(sbs3["n_BRCA1"], "5");
    assert_eq!(sbs3["n_BRCA2"], "4");
    assert!(["BRCA1", "BRCA2"].contains(&sbs3["abs_top_group"].as_str()));
    assert!(num(&sbs3, "abs_p") < 0.05);
    assert!(num(&sbs3, "abs_median_BRCA2") > num(&sbs3, "abs_median_ER+HER2-"));
    assert!(num(&sbs3, "abs_q") >= num(&sbs3, "abs_p"));
    let (_, members) = read_tsv(&out.join("sample_groups.tsv"));
    assert_eq!(members.len(), 21);

    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    let g = &v["groups"];
    assert_eq!(g["sheet"], sheet.to_str().unwrap());
    assert_eq!(g["sheet_sha256"].as_str().unwrap().len(), 64);
    assert_eq!(g["column"], "group");
    assert_eq!(g["test"], "kruskal_wallis");
    assert_eq!(g["samples_compared"], 21);
    let sizes: Vec<(String, u64)> = g["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| {
            (
                x["name"].as_str().unwrap().into(),
                x["samples"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        sizes,
        [
            ("ER+HER2-".into(), 5),
            ("BRCA1".into(), 5),
            ("BRCA2".into(), 4),
            ("triple-negative".into(), 3),
            ("ER-HER2+".into(), 2),
            ("ER+HER2+".into(), 2)
        ]
    );
    let outputs = v["outputs"].as_array().unwrap();
    assert!(outputs.contains(&"group_differences.tsv".into()));
    assert!(outputs.contains(&"sample_groups.tsv".into()));
    let manifest = std::fs::read_to_string(out.join(".mutasig-manifest")).unwrap();
    assert!(manifest.contains("group_differences.tsv"));
    crate::contract::valid_summary(&out);

    assert!(out.join("plots/groups_heatmap.svg").is_file());
    assert!(out.join("plots/groups_SBS3.svg").is_file());
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains("<section id=\"groups\">"));
    assert!(html.contains("id=\"group-table\""));
    assert!(html.contains("href=\"#groups\""));
    assert!(html.contains("were compared between the groups ER+HER2- (n = 5), BRCA1 (n = 5)"));
    assert!(html.contains("by Kruskal–Wallis tests with tie correction"));
    assert!(html.contains("Benjamini, Y. &amp; Hochberg, Y."));
    let opt = roxmltree::ParsingOptions {
        allow_dtd: true,
        ..Default::default()
    };
    let doc = roxmltree::Document::parse_with_options(&html, opt).expect("well-formed report");
    let section = doc
        .descendants()
        .find(|n| n.attribute("id") == Some("groups"))
        .unwrap();
    let highlighted = section
        .descendants()
        .filter(|n| n.has_tag_name("tr") && n.attribute("class") == Some("selected"))
        .count();
    // with the cohort-aware refit SBS3 passes by fraction (rel_q 0.049), nothing else
    assert_eq!(highlighted, 1, "only SBS3 at q < 0.05 by clinical group");
    // `mutasig report` rebuilds the same section from the folder's files
    std::fs::remove_file(out.join("report.html")).unwrap();
    run_ok(&["report", out.to_str().unwrap(), "--in-place"]);
    assert_eq!(
        std::fs::read_to_string(out.join("report.html")).unwrap(),
        html
    );
}

#[test]
fn brca_carriers_against_sporadic_tumours_two_groups() {
    // the sheet's germline column as the group: carrier (BRCA1/2) or sporadic
    let d = tempfile::tempdir().unwrap();
    let (h, rows) = read_tsv(&sheet_of_example());
    let g = h.iter().position(|c| c == "germline").unwrap();
    let mut text = String::from("Sample\tgroup\n");
    for r in &rows {
        let grp = if r[g] == "none" { "sporadic" } else { "BRCA" };
        text.push_str(&format!("{}\t{grp}\n", r[0]));
    }
    let sheet = d.path().join("brca.tsv");
    std::fs::write(&sheet, text).unwrap();
    let out = d.path().join("o");
    let e = example();
    run_ok(&[
        "assign",
        e.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--groups",
        sheet.to_str().unwrap(),
    ]);
    // SBS3 is higher in the 9 carriers (median 5178 against 492 mutations, 63% against
    // 19%), p 0.00033 and 0.00019 (ties: normal approximation), and passes the
    // Benjamini–Hochberg correction over all fitted signatures (q 0.0023 and 0.0013)
    let sbs3 = row_of(&out.join("group_differences.tsv"), "SBS3");
    assert_eq!(sbs3["abs_test"], "mann_whitney_normal", "{sbs3:?}");
    assert_eq!(
        (sbs3["n_BRCA"].as_str(), sbs3["n_sporadic"].as_str()),
        ("9", "12")
    );
    assert_eq!(sbs3["abs_top_group"], "BRCA");
    assert_eq!(sbs3["rel_top_group"], "BRCA");
    assert!(num(&sbs3, "abs_effect") < -0.5, "{sbs3:?}");
    assert!(num(&sbs3, "abs_q") < 0.01, "{sbs3:?}");
    assert!(num(&sbs3, "rel_q") < 0.01, "{sbs3:?}");
    // in mutations, only SBS3 passes the correction
    let table = out.join("group_differences.tsv");
    let (h, rows) = read_tsv(&table);
    let q = h.iter().position(|c| c == "abs_q").unwrap();
    let significant: Vec<&str> = rows
        .iter()
        .filter(|r| r[q].parse::<f64>().unwrap() < 0.05)
        .map(|r| r[0].as_str())
        .collect();
    assert_eq!(significant, ["SBS3"]);
    // the report names and highlights the rows at q < 0.05 on either measure: also SBS1
    // and SBS5, smaller fractions of the carriers' mutations (rel_q 0.0055 and 0.022)
    let sbs1 = row_of(&table, "SBS1");
    assert!(
        num(&sbs1, "rel_q") < 0.05 && num(&sbs1, "abs_q") > 0.05,
        "{sbs1:?}"
    );
    assert_eq!(sbs1["rel_top_group"], "sporadic");
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains("q &lt; 0.05, highlighted): <strong>SBS3, SBS1, SBS5</strong>"));
    let section = &html[html.find("<section id=\"groups\">").unwrap()..];
    let section = &section[..section.find("</section>").unwrap()];
    assert_eq!(section.matches("<tr class=\"selected\">").count(), 3);
}

#[test]
fn a_planted_difference_is_found_and_a_random_split_finds_nothing() {
    let d = tempfile::tempdir().unwrap();
    let sim = d.path().join("sim");
    run_ok(&[
        "simulate",
        "--signatures",
        "SBS1,SBS3,SBS13",
        "--samples",
        "40",
        "--seed",
        "11",
        "-o",
        sim.to_str().unwrap(),
    ]);
    // planted: the group is whether the sample's true SBS3 exposure is above the median
    let (th, trows) = read_tsv(&sim.join("truth_exposures.tsv"));
    let c = th.iter().position(|x| x == "SBS3").unwrap();
    let mut x: Vec<f64> = trows.iter().map(|r| r[c].parse().unwrap()).collect();
    x.sort_by(f64::total_cmp);
    let median = (x[19] + x[20]) / 2.0;
    let mut planted = String::from("Sample\tgroup\n");
    let mut null = String::from("Sample\tgroup\tnote\n");
    for (j, r) in trows.iter().enumerate() {
        let v: f64 = r[c].parse().unwrap();
        let hi = if v > median { "high" } else { "low" };
        planted.push_str(&format!("{}\t{hi}\n", r[0]));
        // a split that ignores the data: every third sample
        null.push_str(&format!("{}\t{}\tx\n", r[0], ["a", "b", "c"][j % 3]));
    }
    let cat = sim.join("catalogue.tsv");
    for (name, text) in [("planted", planted), ("null", null)] {
        let sheet = d.path().join(format!("{name}.tsv"));
        std::fs::write(&sheet, text).unwrap();
        let out = d.path().join(name);
        run_ok(&[
            "assign",
            cat.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
            "--no-plots",
            "--groups",
            sheet.to_str().unwrap(),
        ]);
        let table = out.join("group_differences.tsv");
        let (h, rows) = read_tsv(&table);
        let q = h.iter().position(|x| x == "abs_q").unwrap();
        let significant: Vec<&str> = rows
            .iter()
            .filter(|r| r[q].parse::<f64>().unwrap() < 0.05)
            .map(|r| r[0].as_str())
            .collect();
        if name == "planted" {
            assert!(significant.contains(&"SBS3"), "{significant:?}");
            assert_eq!(row_of(&table, "SBS3")["abs_top_group"], "high");
        } else {
            assert!(significant.is_empty(), "{significant:?}");
            assert_eq!(row_of(&table, "SBS3")["abs_test"], "kruskal_wallis");
        }
    }
}

#[test]
fn extract_takes_groups_too() {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("ex");
    let sheet = sheet_of_example();
    let e = example();
    run_ok(&[
        "extract",
        e.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--rank",
        "3",
        "--replicates",
        "2",
        "--groups",
        sheet.to_str().unwrap(),
    ]);
    let (h, rows) = read_tsv(&out.join("group_differences.tsv"));
    assert_eq!(rows.len(), 3);
    assert!(rows.iter().all(|r| r[0].starts_with("SBS96")));
    assert!(h.contains(&"n_triple-negative".to_string()));
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains("<section id=\"groups\">"));
}

/// A sheet problem: exit 1, one line naming the sheet, no output folder.
fn sheet_error(dir: &Path, sheet_text: Option<&str>, wants: &[&str]) {
    let sheet = dir.join("sheet.tsv");
    match sheet_text {
        Some(t) => std::fs::write(&sheet, t).unwrap(),
        None => {
            let _ = std::fs::remove_file(&sheet);
        }
    }
    let out = dir.join("never");
    let e = example();
    let err = data_error(
        &[
            "assign",
            e.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
            "--groups",
            sheet.to_str().unwrap(),
        ],
        None,
    );
    assert!(err.contains(sheet.to_str().unwrap()), "{err}");
    for w in wants {
        assert!(err.contains(w), "{w} not in {err}");
    }
    assert!(!out.exists(), "output folder created for {err}");
    assert_eq!(
        std::fs::read_dir(dir)
            .unwrap()
            .filter(|e| e.as_ref().unwrap().file_name() != "sheet.tsv")
            .count(),
        0,
        "a staging folder was left behind"
    );
}

#[test]
fn bad_sheets_are_refused_before_anything_is_written() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path();
    sheet_error(p, None, &["cannot read"]);
    sheet_error(
        p,
        Some("Sample\tgermline\nPD3851a\tnone\n"),
        &["line 1", "no column named 'group'"],
    );
    sheet_error(
        p,
        Some("Sample\tgroup\nPD3851a\tA\nPD3890a\tB\nPD3851a\tB\n"),
        &["line 4", "'PD3851a' appears twice (first on line 2)"],
    );
    sheet_error(
        p,
        Some("Sample\tgroup\nPD3851a\tA\nPD3890a\t\n"),
        &["line 3", "sample 'PD3890a': the group is empty"],
    );
    sheet_error(
        p,
        Some("Sample\tgroup\nPD3851a\tA\nPD3890a\tA\nPD3904a\tB\n"),
        &["fewer than 2 groups", "A: 2, B: 1"],
    );
    sheet_error(
        p,
        Some("Sample\tgroup\nX1\tA\nX2\tA\nX3\tB\nX4\tB\n"),
        &["no sample of the sheet is in the catalogue"],
    );
}

#[test]
fn partial_sheets_warn_and_groups_with_decompose_is_a_usage_error() {
    let d = tempfile::tempdir().unwrap();
    let sheet = d.path().join("part.tsv");
    std::fs::write(
        &sheet,
        "Sample\tgroup\nPD3851a\tA\nPD3890a\tA\nPD3904a\tB\nPD3905a\tB\nGHOST\tB\n",
    )
    .unwrap();
    let out = d.path().join("o");
    let e = example();
    let o = run_ok(&[
        "assign",
        e.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--no-plots",
        "--groups",
        sheet.to_str().unwrap(),
    ]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("17 samples of the catalogue not in the sample sheet"),
        "{err}"
    );
    assert!(err.contains("and 12 more"), "{err}");
    assert!(
        err.contains("1 sample of the sample sheet") && err.contains("'GHOST'"),
        "{err}"
    );
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(v["groups"]["samples_compared"], 4);
    assert_eq!(
        v["groups"]["samples_left_out"].as_array().unwrap().len(),
        17
    );
    assert!(
        v["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|w| w.as_str().unwrap().contains("GHOST"))
    );
    // the other outputs keep every sample
    let (_, rows) = read_tsv(&out.join("exposures.tsv"));
    assert_eq!(rows.len(), 21);

    let o = mutasig()
        .args(["assign", "--decompose", "x.tsv", "-o"])
        .arg(d.path().join("de"))
        .arg("--groups")
        .arg(&sheet)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("invalid --groups") && err.contains("--decompose"),
        "{err}"
    );
}

#[test]
fn group_column_chooses_another_column_of_the_sheet() {
    // the example sheet's germline column: BRCA1 (5), BRCA2 (4), none (12)
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("o");
    let (e, sheet) = (example(), sheet_of_example());
    let args = [
        "assign",
        e.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--no-plots",
        "--groups",
        sheet.to_str().unwrap(),
        "--group-column",
        "Germline",
    ];
    run_ok(&args);
    let sbs3 = row_of(&out.join("group_differences.tsv"), "SBS3");
    assert_eq!(sbs3["abs_test"], "kruskal_wallis", "{sbs3:?}");
    let sizes = (&sbs3["n_BRCA1"], &sbs3["n_BRCA2"], &sbs3["n_none"]);
    assert_eq!(
        sizes,
        (&"5".to_string(), &"4".to_string(), &"12".to_string())
    );
    let s: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(s["groups"]["column"], "germline");
    // a column the sheet lacks is named in the one-line error; nothing is written
    let missing = d.path().join("m");
    let e = crate::util::data_error(
        &[
            "assign",
            example().to_str().unwrap(),
            "-o",
            missing.to_str().unwrap(),
            "--groups",
            sheet.to_str().unwrap(),
            "--group-column",
            "status",
        ],
        None,
    );
    assert!(e.contains("no column named 'status'"), "{e}");
    assert!(!missing.exists());
    // --group-column needs --groups
    let o = crate::util::mutasig()
        .args([
            "assign",
            example().to_str().unwrap(),
            "-o",
            "x",
            "--group-column",
            "g",
        ])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
}
