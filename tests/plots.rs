//! `mutasig plot` and figures for the example and for a 2,000-sample cohort.

mod common;
use common::*;

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
    assert_eq!(files.len(), 21);
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
    let files = files_in(&png);
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
    run_ok(&["report", asg.to_str().unwrap(), "--format", "png"]);
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
