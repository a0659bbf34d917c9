//! Parquet: `--format parquet` outputs read back with polars, and Parquet catalogues read
//! like the TSV they came from (same checks, same messages).

use crate::util::{data_error, example, example_rows, inspect_json, run_ok};
use polars::prelude::*;
use std::path::{Path, PathBuf};

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/parquet")
        .join(name)
}

fn read_parquet(p: &Path) -> DataFrame {
    let f = std::fs::File::open(p).unwrap();
    ParquetReader::new(f).finish().unwrap()
}

fn strs(df: &DataFrame, c: &str) -> Vec<String> {
    let col = df.column(c).unwrap().str().unwrap().clone();
    assert_eq!(col.null_count(), 0);
    col.iter().flatten().map(String::from).collect()
}

fn f64s(df: &DataFrame, c: &str) -> Vec<f64> {
    let col = df.column(c).unwrap().f64().unwrap().clone();
    col.into_no_null_iter().collect()
}

fn names(df: &DataFrame) -> Vec<String> {
    df.get_column_names()
        .iter()
        .map(|s| s.to_string())
        .collect()
}

/// A TSV's header and rows of fields.
fn tsv(p: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let text = std::fs::read_to_string(p).unwrap();
    let mut lines = text
        .lines()
        .map(|l| l.split('\t').map(String::from).collect());
    (lines.next().unwrap(), lines.collect())
}

fn summary(dir: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(dir.join("summary.json")).unwrap()).unwrap()
}

/// The example catalogue (or its first `n` samples) as a polars frame: labels first,
/// one i64 column per sample; `edit` may change one cell (channel row, sample column).
fn example_frame(n: usize, edit: Option<(usize, usize, Column)>) -> DataFrame {
    let (header, rows) = example_rows();
    let labels: Vec<String> = rows.iter().map(|r| r.0.clone()).collect();
    let mut cols = vec![Column::new("MutationType".into(), labels)];
    for j in 0..n.min(header.len() - 1) {
        let v: Vec<i64> = rows.iter().map(|r| r.1[j].parse().unwrap()).collect();
        cols.push(Column::new(header[j + 1].as_str().into(), v));
    }
    if let Some((_, j, c)) = edit {
        cols[j + 1] = c;
    }
    DataFrame::new(rows.len(), cols).unwrap()
}

fn write_frame(df: &mut DataFrame, p: &Path) {
    let f = std::fs::File::create(p).unwrap();
    ParquetWriter::new(f).finish(df).unwrap();
}

#[test]
fn assign_writes_parquet_long_tables_equal_to_the_tsv() {
    let dir = tempfile::tempdir().unwrap();
    let o = dir.path().join("o");
    let (ex, os) = (example(), o.to_str().unwrap().to_string());
    run_ok(&[
        "assign",
        ex.to_str().unwrap(),
        "-o",
        &os,
        "--format",
        "parquet",
        "--bootstrap",
        "5",
        "--no-plots",
    ]);
    // exposures: one row per sample × signature of exposures.tsv, samples outer
    let (header, rows) = tsv(&o.join("exposures.tsv"));
    let df = read_parquet(&o.join("exposures.parquet"));
    assert_eq!(names(&df), ["sample", "signature", "mutations"]);
    let (mut sample, mut signature, mut mutations) = (vec![], vec![], vec![]);
    for r in &rows {
        for (k, sig) in header.iter().enumerate().skip(1) {
            sample.push(r[0].clone());
            signature.push(sig.clone());
            mutations.push(r[k].parse::<f64>().unwrap());
        }
    }
    assert_eq!(strs(&df, "sample"), sample);
    assert_eq!(strs(&df, "signature"), signature);
    assert_eq!(f64s(&df, "mutations"), mutations);
    // intervals: the columns of exposures_ci.tsv, unrounded
    let (h, rows) = tsv(&o.join("exposures_ci.tsv"));
    let ci = read_parquet(&o.join("exposures_ci.parquet"));
    let want = [
        "sample",
        "signature",
        "estimate",
        "lower",
        "upper",
        "selected_fraction",
    ];
    assert_eq!(names(&ci), want);
    assert_eq!(h.len(), want.len());
    assert_eq!(ci.height(), rows.len());
    let col = |k: usize| rows.iter().map(|r| r[k].clone()).collect::<Vec<_>>();
    assert_eq!(strs(&ci, "sample"), col(0));
    assert_eq!(strs(&ci, "signature"), col(1));
    for (k, (name, decimals)) in [
        ("estimate", 2),
        ("lower", 2),
        ("upper", 2),
        ("selected_fraction", 3),
    ]
    .into_iter()
    .enumerate()
    {
        let shown: Vec<String> = f64s(&ci, name)
            .iter()
            .map(|v| mutasig::output::fmt_float(*v, decimals))
            .collect();
        assert_eq!(shown, col(k + 2), "{name}");
    }
    // listed in the summary, the manifest; the setting in the parameters
    let s = summary(&o);
    let outputs: Vec<&str> = s["outputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert!(outputs.contains(&"exposures.parquet"), "{outputs:?}");
    assert!(outputs.contains(&"exposures_ci.parquet"), "{outputs:?}");
    assert_eq!(s["parameters"]["format"], "parquet");
    let manifest = std::fs::read_to_string(o.join(mutasig::output::MANIFEST)).unwrap();
    assert!(manifest.contains("exposures.parquet"), "{manifest}");
    assert!(manifest.contains("exposures_ci.parquet"), "{manifest}");
    // the default writes no Parquet and says tsv
    let t = dir.path().join("t");
    run_ok(&[
        "assign",
        ex.to_str().unwrap(),
        "-o",
        t.to_str().unwrap(),
        "--no-plots",
    ]);
    assert!(!t.join("exposures.parquet").exists());
    assert_eq!(summary(&t)["parameters"]["format"], "tsv");
    assert_eq!(
        std::fs::read(t.join("exposures.tsv")).unwrap(),
        std::fs::read(o.join("exposures.tsv")).unwrap()
    );
}

#[test]
fn a_parquet_catalogue_reads_like_its_tsv() {
    let dir = tempfile::tempdir().unwrap();
    let pq = dir.path().join("cat.parquet");
    write_frame(&mut example_frame(usize::MAX, None), &pq);
    let tsv_path = example();
    // inspect: the same report but for the name and checksum (of the parquet bytes)
    let (mut a, mut b) = (inspect_json(&pq), inspect_json(&tsv_path));
    let sha = mutasig::output::sha256_hex(&std::fs::read(&pq).unwrap());
    assert_eq!(a["sha256"], sha.as_str());
    for j in [&mut a, &mut b] {
        let o = j.as_object_mut().unwrap();
        o.remove("file");
        o.remove("sha256");
    }
    assert_eq!(a, b);
    // extract and assign: the same exposures.tsv
    let run = |cmd: &[&str], input: &Path, out: &str| {
        let o = dir.path().join(out);
        let mut args = vec![cmd[0], input.to_str().unwrap(), "-o", o.to_str().unwrap()];
        args.extend(&cmd[1..]);
        args.push("--no-plots");
        run_ok(&args);
        o
    };
    let extract = ["extract", "--rank", "3", "--replicates", "3"];
    let (x1, x2) = (run(&extract, &pq, "x1"), run(&extract, &tsv_path, "x2"));
    let (a1, a2) = (
        run(&["assign"], &pq, "a1"),
        run(&["assign"], &tsv_path, "a2"),
    );
    for (p, t) in [(&x1, &x2), (&a1, &a2)] {
        assert_eq!(
            std::fs::read(p.join("exposures.tsv")).unwrap(),
            std::fs::read(t.join("exposures.tsv")).unwrap()
        );
        assert_eq!(summary(p)["input_sha256"], sha.as_str());
    }
    // extract --format parquet: exposures.parquet beside exposures.tsv
    let x3 = run(
        &[
            "extract",
            "--rank",
            "3",
            "--replicates",
            "3",
            "--format",
            "parquet",
        ],
        &pq,
        "x3",
    );
    let df = read_parquet(&x3.join("exposures.parquet"));
    let (h, rows) = tsv(&x3.join("exposures.tsv"));
    assert_eq!(df.height(), rows.len() * (h.len() - 1));
    assert_eq!(summary(&x3)["parameters"]["format"], "parquet");
}

#[test]
fn bad_parquet_cells_are_named_like_tsv_cells() {
    let dir = tempfile::tempdir().unwrap();
    let (header, rows) = example_rows();
    // row 20 is line 22 of the same table as TSV
    let (r, label, sample) = (20, rows[20].0.clone(), header[2].clone());
    let s1 = |v: Vec<f64>| Column::new(sample.as_str().into(), v);
    let counts: Vec<f64> = rows.iter().map(|x| x.1[1].parse().unwrap()).collect();
    let with = |v: f64| {
        let mut c = counts.clone();
        c[r] = v;
        s1(c)
    };
    let mut text: Vec<String> = counts.iter().map(|v| v.to_string()).collect();
    text[r] = "many".into();
    let mut negative: Vec<i64> = counts.iter().map(|&v| v as i64).collect();
    negative[r] = -3;
    let cases = [
        (
            Column::new(sample.as_str().into(), negative),
            "value '-3' is negative; values must be ≥ 0",
        ),
        (with(f64::NAN), "value 'NaN' is not a number (NaN)"),
        (
            Column::new(sample.as_str().into(), text),
            "value 'many' is not a number",
        ),
        (
            with(2.5),
            "value '2.5' is not a whole number; a catalogue holds mutation counts",
        ),
        (with(f64::INFINITY), "value 'inf' is infinite"),
        (with(2f64.powi(60)), "is above 9007199254740992 (2^53)"),
    ];
    for (k, (col, problem)) in cases.into_iter().enumerate() {
        let p = dir.path().join(format!("bad{k}.parquet"));
        write_frame(&mut example_frame(3, Some((r, 1, col))), &p);
        let e = data_error(&["inspect", p.to_str().unwrap()], None);
        let at = format!("line 22, channel '{label}', column '{sample}': ");
        assert!(e.contains(&at), "{e}");
        assert!(e.contains(problem), "{e}");
    }
    // an integer above 2^53 is refused exactly (as a float it would round to 2^53)
    let mut big: Vec<i64> = counts.iter().map(|&v| v as i64).collect();
    big[r] = (1 << 53) + 1;
    let p = dir.path().join("big.parquet");
    let col = Column::new(sample.as_str().into(), big);
    write_frame(&mut example_frame(3, Some((r, 1, col))), &p);
    let e = data_error(&["inspect", p.to_str().unwrap()], None);
    assert!(e.contains("value '9007199254740993' is above"), "{e}");
    // a null cell is an empty cell
    let mut nulls: Vec<Option<f64>> = counts.iter().map(|&v| Some(v)).collect();
    nulls[r] = None;
    let p = dir.path().join("null.parquet");
    let col = Column::new(sample.as_str().into(), nulls);
    write_frame(&mut example_frame(3, Some((r, 1, col))), &p);
    let e = data_error(&["inspect", p.to_str().unwrap()], None);
    assert!(e.contains("empty cell; write 0 for no mutations"), "{e}");
}

#[test]
fn parquet_problems_of_the_file_itself() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.parquet");
    write_frame(&mut example_frame(2, None), &good);
    let bytes = std::fs::read(&good).unwrap();
    // Parquet on standard input, or under another name: say how to read it
    let e = data_error(&["inspect", "-"], Some(&bytes));
    assert!(e.contains("standard input holds Parquet data"), "{e}");
    let renamed = dir.path().join("good.tsv");
    std::fs::write(&renamed, &bytes).unwrap();
    let e = data_error(&["inspect", renamed.to_str().unwrap()], None);
    assert!(e.contains("its name does not end in .parquet"), "{e}");
    // a text file named .parquet
    let fake = dir.path().join("fake.parquet");
    std::fs::copy(example(), &fake).unwrap();
    let e = data_error(&["inspect", fake.to_str().unwrap()], None);
    assert!(e.contains("not a readable Parquet file"), "{e}");
    // truncated
    let cut = dir.path().join("cut.parquet");
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
    let e = data_error(&["inspect", cut.to_str().unwrap()], None);
    assert!(e.contains("not a readable Parquet file"), "{e}");
    // no text column of labels
    let cols = vec![
        Column::new("S1".into(), [1i64, 2]),
        Column::new("S2".into(), [3i64, 4]),
    ];
    let mut df = DataFrame::new(2, cols).unwrap();
    let nolabels = dir.path().join("nolabels.parquet");
    write_frame(&mut df, &nolabels);
    let e = data_error(&["inspect", nolabels.to_str().unwrap()], None);
    assert!(e.contains("no column of channel labels"), "{e}");
    // a wrong label: the label check of text tables
    let (_, rows) = example_rows();
    let mut labels: Vec<String> = rows.iter().map(|r| r.0.clone()).collect();
    labels[5] = "X[C>A]A".into();
    let mut cols = example_frame(2, None).into_columns();
    cols[0] = Column::new("MutationType".into(), labels);
    let mut df = DataFrame::new(rows.len(), cols).unwrap();
    let bad = dir.path().join("badlabel.parquet");
    write_frame(&mut df, &bad);
    let e = data_error(&["inspect", bad.to_str().unwrap()], None);
    assert!(e.contains("line 7: unknown channel label 'X[C>A]A'"), "{e}");
}

#[test]
fn pandas_written_parquet_catalogues() {
    // full SBS96 catalogues in the layouts pandas writes
    let reference = inspect_json(&data("sbs96.tsv"));
    for f in [
        "sbs96_column.parquet",
        "sbs96_named_index.parquet",
        "sbs96_unnamed_index_float.parquet",
    ] {
        let mut j = inspect_json(&data(f));
        j["file"] = reference["file"].clone();
        j["sha256"] = reference["sha256"].clone();
        assert_eq!(j, reference, "{f}");
    }
    // the three-channel files of the polars evaluation: labels and samples found, then
    // refused for their missing channels like a TSV would be
    for f in [
        "pandas_column.parquet",
        "pandas_named_index.parquet",
        "pandas_unnamed_index.parquet",
    ] {
        let e = data_error(&["inspect", data(f).to_str().unwrap()], None);
        assert!(
            e.contains("missing 93 of the 96 SBS96 channels"),
            "{f}: {e}"
        );
    }
    let e = data_error(
        &[
            "inspect",
            data("pandas_multi_index.parquet").to_str().unwrap(),
        ],
        None,
    );
    assert!(e.contains("the table has a 2-level pandas index"), "{e}");
    // a catalogue read as Parquet by the library
    let cat =
        mutasig::Catalogue::read(data("sbs96_named_index.parquet").to_str().unwrap()).unwrap();
    let tsv = mutasig::Catalogue::read(data("sbs96.tsv").to_str().unwrap()).unwrap();
    assert_eq!(cat.samples, tsv.samples);
    assert_eq!(cat.counts, tsv.counts);
}
