//! `mutasig plot` and figures for the example and for a 2,000-sample cohort.

use crate::util::*;

/// Coloured bars of an SVG: rects filled with one of the six SBS96 class colours.
fn sbs_bars(svg: &str) -> usize {
    let doc = roxmltree::Document::parse(svg).expect("SVG parses as XML");
    let colours = [
        "#03BCEE", "#010101", "#E32926", "#CAC9C9", "#A1CE63", "#EBC6C4",
    ];
    doc.descendants()
        .filter(|n| n.has_tag_name("rect"))
        .filter(|n| {
            n.attribute("fill")
                .is_some_and(|f| colours.iter().any(|c| c.eq_ignore_ascii_case(f)))
        })
        .count()
}

#[test]
fn example_spectra_as_svg_and_png() {
    let dir = tempfile::tempdir().unwrap();
    let svg = dir.path().join("svg");
    run_ok(&[
        "plot",
        example().to_str().unwrap(),
        "-o",
        svg.to_str().unwrap(),
    ]);
    let files = files_in(&svg);
    // 21 figures and the manifest of what mutasig wrote
    assert_eq!(files.len(), 22);
    assert!(svg.join(".mutasig-manifest").is_file());
    let (header, rows) = example_rows();
    for (j, sample) in header[1..].iter().enumerate() {
        let text = std::fs::read_to_string(svg.join(format!("{sample}.svg"))).unwrap();
        // one bar per channel with mutations, plus one strip per class
        let nonzero = rows.iter().filter(|(_, v)| v[j] != "0").count();
        assert_eq!(sbs_bars(&text), nonzero + 6, "{sample}");
    }
    let png = dir.path().join("png");
    run_ok(&[
        "plot",
        example().to_str().unwrap(),
        "-o",
        png.to_str().unwrap(),
        "--format",
        "png",
        "--kind",
        "panel",
    ]);
    let files: Vec<_> = files_in(&png)
        .into_iter()
        .filter(|p| !p.ends_with(".mutasig-manifest"))
        .collect();
    assert_eq!(files.len(), 1);
    let img = image::open(&files[0]).expect("PNG decodes");
    assert!(
        img.width() >= 800 && img.height() > img.width(),
        "{}x{}",
        img.width(),
        img.height()
    );
}

#[test]
fn figures_for_two_thousand_samples() {
    let dir = tempfile::tempdir().unwrap();
    let sim = dir.path().join("sim");
    run_ok(&[
        "simulate",
        "--signatures",
        "SBS1,SBS5,SBS2,SBS13,SBS3,SBS18",
        "--samples",
        "2000",
        "--burden-median",
        "500",
        "-o",
        sim.to_str().unwrap(),
    ]);
    let asg = dir.path().join("asg");
    run_ok(&[
        "assign",
        sim.join("catalogue.tsv").to_str().unwrap(),
        "-o",
        asg.to_str().unwrap(),
        "--signatures",
        sim.join("truth_signatures.tsv").to_str().unwrap(),
        "--no-plots",
        "-q",
    ]);
    assert!(!asg.join("report.html").exists());
    run_ok(&[
        "report",
        asg.to_str().unwrap(),
        "--in-place",
        "--format",
        "png",
    ]);
    let html = std::fs::read_to_string(asg.join("report.html")).unwrap();
    assert!(html.contains("2000"));
    let plots = files_in(&asg.join("plots"));
    assert!(plots.len() >= 8, "{} figures", plots.len());
    for p in &plots {
        let img = image::open(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
        assert!(img.width() >= 100 && img.height() >= 100);
    }
    // the exposure table as SVG: one stacked bar per sample and signature with exposure
    let figs = dir.path().join("figs");
    run_ok(&[
        "plot",
        asg.join("exposures.tsv").to_str().unwrap(),
        "-o",
        figs.to_str().unwrap(),
    ]);
    let svg = std::fs::read_to_string(figs.join("exposures.svg")).unwrap();
    let doc = roxmltree::Document::parse(&svg).unwrap();
    let rects = doc.descendants().filter(|n| n.has_tag_name("rect")).count();
    let text = std::fs::read_to_string(asg.join("exposures.tsv")).unwrap();
    let nonzero = text
        .lines()
        .skip(1)
        .flat_map(|l| l.split('\t').skip(1).map(|x| x.parse::<f64>().unwrap()))
        .filter(|&x| x > 0.0)
        .count();
    // absolute and relative panels each draw every non-zero segment
    assert!(rects >= 2 * nonzero, "{rects} rects for {nonzero} segments");
}

// ---------------------------------------------------------------------------------------------
// Huge, zero and single-sample values: every figure must finish (plotters' tick computation used
// to loop forever on the infinite axis range of e.g. 1.1 × 1.7e308) and draw finite coordinates.

use std::path::Path;
use std::time::Duration;

const TWO_53: &str = "9007199254740992";

/// Runs mutasig with a 10 s guard against hangs (a killed run has no exit code).
fn guarded(args: &[&str]) -> std::process::Output {
    let out = mutasig()
        .args(args)
        .timeout(Duration::from_secs(10))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.code().is_some(),
        "{args:?} hangs (killed after 10 s)"
    );
    assert!(!err.contains("panicked"), "{args:?} panicked: {err}");
    out
}

/// Every SVG under `dir` parses and holds no NaN or inf; returns how many there are.
fn clean_svgs(dir: &Path) -> usize {
    let mut n = 0;
    for p in files_in(dir) {
        if p.is_dir() {
            n += clean_svgs(&p);
        } else if p.extension().is_some_and(|e| e == "svg") {
            let s = std::fs::read_to_string(&p).unwrap();
            roxmltree::Document::parse(&s).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
            assert!(
                !s.contains("NaN") && !s.contains("inf"),
                "{}: NaN or inf in the SVG",
                p.display()
            );
            n += 1;
        }
    }
    n
}

/// The example catalogue with `edit(row, column, value) -> new value` applied to every count.
fn example_with(edit: impl Fn(usize, usize, &str) -> String) -> String {
    let (header, rows) = example_rows();
    let rows: Vec<(String, Vec<String>)> = rows
        .into_iter()
        .enumerate()
        .map(|(r, (l, v))| {
            let v = v.iter().enumerate().map(|(c, x)| edit(r, c, x)).collect();
            (l, v)
        })
        .collect();
    table(&header, &rows, "\t", "\n")
}

#[test]
fn plot_huge_exposure_and_rank_tables() {
    let dir = tempfile::tempdir().unwrap();
    let tables = [
        (
            "exposures.tsv",
            format!(
                "Sample\tSBS1\tSBS5\tSBS13\ns1\t1.7e308\t1.7e308\t0\ns2\t0\t0\t0\ns3\t{TWO_53}\t1e308\t1\n"
            ),
        ),
        ("single.tsv", "Sample\tSBS1\tSBS5\nx\t1e308\t1e308\n".into()),
        ("zeros.tsv", "Sample\tSBS1\tSBS5\na\t0\t0\nb\t0\t0\n".into()),
        (
            "rank_selection.tsv",
            "rank\tstability_mean\tstability_min\tcophenetic\treconstruction_error\tselected\n\
             1\t1.7e308\t-1.7e308\t-1e308\t1.7e308\tfalse\n\
             2\t0\t0\t0\t9007199254740992\ttrue\n"
                .into(),
        ),
        (
            "rank_one.tsv",
            "rank\tstability_mean\tstability_min\tcophenetic\treconstruction_error\tselected\n\
             3\t0\t0\t0\t0\ttrue\n"
                .into(),
        ),
    ];
    for (name, text) in tables {
        let f = dir.path().join(name);
        std::fs::write(&f, text).unwrap();
        let out = dir.path().join(format!("figs_{name}"));
        let o = guarded(&["plot", f.to_str().unwrap(), "-o", out.to_str().unwrap()]);
        assert!(
            o.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        assert_eq!(clean_svgs(&out), 1, "{name}");
    }
}

#[test]
fn plot_huge_zero_and_single_sample_catalogues() {
    let dir = tempfile::tempdir().unwrap();
    let single = {
        let (header, rows) = example_rows();
        let rows: Vec<(String, Vec<String>)> = rows
            .into_iter()
            .enumerate()
            .map(|(r, (l, _))| (l, vec![if r == 3 { "1e308" } else { "0" }.to_string()]))
            .collect();
        table(&header[..2], &rows, "\t", "\n")
    };
    let cases = [
        (
            "huge.tsv",
            example_with(|r, c, x| {
                if (r, c) == (0, 0) {
                    "1.7e308".into()
                } else {
                    x.into()
                }
            }),
        ),
        ("all_huge.tsv", example_with(|_, _, _| "1.7e308".into())),
        (
            "two53.tsv",
            example_with(|_, c, x| match c {
                0 => TWO_53.into(),
                1 => "0".into(),
                _ => x.into(),
            }),
        ),
        ("zeros.tsv", example_with(|_, _, _| "0".into())),
        ("single.tsv", single),
    ];
    for (name, text) in cases {
        let f = dir.path().join(name);
        std::fs::write(&f, text).unwrap();
        for kind in ["spectrum", "panel"] {
            let out = dir.path().join(format!("{kind}_{name}"));
            let o = guarded(&[
                "plot",
                f.to_str().unwrap(),
                "-o",
                out.to_str().unwrap(),
                "--kind",
                kind,
            ]);
            // the catalogue reader may refuse counts above 2^53 (exit 1); drawn figures are clean
            match o.status.code() {
                Some(0) => assert!(clean_svgs(&out) >= 1, "{name}"),
                Some(1) => assert!(!out.exists(), "{name}: refused but wrote figures"),
                c => panic!("{name}: exit {c:?}: {}", String::from_utf8_lossy(&o.stderr)),
            }
        }
    }
}

#[test]
fn assign_with_a_huge_count_draws_its_figures() {
    let dir = tempfile::tempdir().unwrap();
    let cat = dir.path().join("cat.tsv");
    std::fs::write(
        &cat,
        example_with(|r, c, x| {
            if (r, c) == (0, 0) {
                "1e308".into()
            } else {
                x.into()
            }
        }),
    )
    .unwrap();
    let out = dir.path().join("out");
    let o = guarded(&[
        "assign",
        cat.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "-q",
    ]);
    match o.status.code() {
        Some(0) => assert!(clean_svgs(&out.join("plots")) >= 3),
        Some(1) => {} // refused by the reader (counts above 2^53)
        c => panic!("exit {c:?}: {}", String::from_utf8_lossy(&o.stderr)),
    }
}

#[test]
fn report_rebuilt_from_files_edited_to_huge_values() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    run_ok(&[
        "assign",
        example().to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--no-plots",
        "-q",
    ]);
    // exposures of the first sample near f64::MAX (their sum overflows), one catalogue cell 1e308,
    // an all-zero sample
    let edit = |file: &str, f: &dyn Fn(usize, usize, &str) -> String| {
        let p = out.join(file);
        let text = std::fs::read_to_string(&p).unwrap();
        let lines: Vec<String> = text
            .lines()
            .enumerate()
            .map(|(r, l)| {
                if r == 0 {
                    return l.to_string();
                }
                let cells: Vec<String> = l
                    .split('\t')
                    .enumerate()
                    .map(|(c, x)| if c == 0 { x.to_string() } else { f(r, c, x) })
                    .collect();
                cells.join("\t")
            })
            .collect();
        std::fs::write(&p, lines.join("\n") + "\n").unwrap();
    };
    edit("exposures.tsv", &|r, _, x| match r {
        1 => "1.7e308".into(),
        2 => "0".into(),
        3 => TWO_53.into(),
        _ => x.into(),
    });
    edit("catalogue.tsv", &|r, c, x| {
        if (r, c) == (1, 1) {
            "1e308".into()
        } else {
            x.into()
        }
    });
    for format in ["png", "svg"] {
        let o = guarded(&[
            "report",
            out.to_str().unwrap(),
            "--in-place",
            "--format",
            format,
            "-q",
        ]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    assert!(clean_svgs(&out.join("plots")) >= 4);
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains("<svg"));
}
