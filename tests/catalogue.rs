//! Reading every accepted layout, and the exact error for every bad input.

use crate::util::*;
use std::io::Write;

fn write(dir: &tempfile::TempDir, name: &str, bytes: &[u8]) -> std::path::PathBuf {
    let p = dir.path().join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

#[test]
fn example_is_read() {
    let j = inspect_json(&example());
    assert_eq!(j["context"], "SBS96");
    assert_eq!(j["channels"], 96);
    assert_eq!(j["samples"], 21);
    assert_eq!(j["sample_names"][0], "PD4199a");
    assert_eq!(j["zero_samples"].as_array().unwrap().len(), 0);
    assert!(j["total_mutations"].as_f64().unwrap() > 100_000.0);
    assert_eq!(j["burden"]["min"], 1484.0);
    assert_eq!(j["burden"]["max"], 70690.0);
}

#[test]
fn every_accepted_layout_gives_the_same_totals() {
    let dir = tempfile::tempdir().unwrap();
    let reference = inspect_json(&example());
    let total = reference["total_mutations"].as_f64().unwrap();
    let (header, rows) = example_rows();

    // COSMIC download layout: Type + Subtype, in COSMIC's web order (class-major).
    let mut cosmic_rows: Vec<(String, Vec<String>)> = rows
        .iter()
        .map(|(l, v)| {
            let c: Vec<char> = l.chars().collect();
            let class = format!("{}>{}", c[2], c[4]);
            let tri = format!("{}{}{}", c[0], c[2], c[6]);
            (format!("{class}\t{tri}"), v.clone())
        })
        .collect();
    cosmic_rows.sort();
    let mut cosmic_header = vec!["Type".to_string(), "Subtype".to_string()];
    cosmic_header.extend(header[1..].iter().cloned());
    let cosmic = write(
        &dir,
        "cosmic.tsv",
        table(&cosmic_header, &cosmic_rows, "\t", "\n").as_bytes(),
    );

    // CSV by extension, CSV sniffed without extension, CRLF, shuffled rows, 12.0 floats.
    let csv = write(&dir, "cat.csv", table(&header, &rows, ",", "\n").as_bytes());
    let sniffed = write(
        &dir,
        "catalogue",
        table(&header, &rows, ",", "\n").as_bytes(),
    );
    let crlf = write(
        &dir,
        "crlf.tsv",
        table(&header, &rows, "\t", "\r\n").as_bytes(),
    );
    let mut shuffled = rows.clone();
    shuffled.reverse();
    shuffled.swap(3, 50);
    let mut h2 = header.clone();
    h2[0] = "MutationType".into();
    let shuf = write(
        &dir,
        "shuf.tsv",
        table(&h2, &shuffled, "\t", "\n").as_bytes(),
    );
    let floats: Vec<(String, Vec<String>)> = rows
        .iter()
        .map(|(l, v)| (l.clone(), v.iter().map(|x| format!("{x}.0")).collect()))
        .collect();
    let fl = write(
        &dir,
        "floats.tsv",
        table(&header, &floats, "\t", "\n").as_bytes(),
    );
    // gzip
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(table(&header, &rows, "\t", "\n").as_bytes())
        .unwrap();
    let gzp = write(&dir, "cat.tsv.gz", &gz.finish().unwrap());

    for p in [&cosmic, &csv, &sniffed, &crlf, &shuf, &fl, &gzp] {
        let j = inspect_json(p);
        assert_eq!(j["context"], "SBS96", "{}", p.display());
        assert_eq!(j["samples"], 21, "{}", p.display());
        assert_eq!(
            j["total_mutations"].as_f64().unwrap(),
            total,
            "{}",
            p.display()
        );
        assert_eq!(j["sample_names"], reference["sample_names"]);
    }

    // standard input
    let out = mutasig()
        .args(["inspect", "--json", "-"])
        .write_stdin(std::fs::read(example()).unwrap())
        .output()
        .unwrap();
    assert!(out.status.success());
    let j: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(j["total_mutations"].as_f64().unwrap(), total);
}

#[test]
fn dbs78_and_id83_are_recognised_from_labels() {
    let dir = tempfile::tempdir().unwrap();
    for (ctx, n) in [(mutasig::Context::Dbs78, 78), (mutasig::Context::Id83, 83)] {
        let mut labels: Vec<String> = ctx.labels().to_vec();
        labels.reverse();
        let rows: Vec<(String, Vec<String>)> = labels
            .iter()
            .enumerate()
            .map(|(i, l)| (l.clone(), vec![i.to_string(), "1".into()]))
            .collect();
        let header = vec!["Type".to_string(), "s1".into(), "s2".into()];
        let p = write(
            &dir,
            &format!("{}.tsv", ctx.name()),
            table(&header, &rows, "\t", "\n").as_bytes(),
        );
        let j = inspect_json(&p);
        assert_eq!(j["context"], ctx.name());
        assert_eq!(j["channels"], n);
        assert_eq!(
            j["total_mutations"].as_f64().unwrap(),
            (n * (n - 1) / 2 + n) as f64
        );
    }
}

/// Write `text` to a file named `name`, run inspect on it, return the error line.
fn bad(name: &str, bytes: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let p = write(&dir, name, bytes);
    let err = data_error(&["inspect", p.to_str().unwrap()], None);
    assert!(err.contains(name), "error must name the file: {err}");
    err
}

fn example_with(f: impl Fn(&mut Vec<String>, &mut Vec<(String, Vec<String>)>)) -> Vec<u8> {
    let (mut header, mut rows) = example_rows();
    f(&mut header, &mut rows);
    table(&header, &rows, "\t", "\n").into_bytes()
}

#[test]
fn bad_inputs_get_one_clear_line() {
    let e = bad("empty.tsv", b"");
    assert!(e.contains("empty"), "{e}");
    let e = bad("blank.tsv", b"\n\n  \n");
    assert!(e.contains("empty"), "{e}");
    let e = bad("header.tsv", b"MutationType\tS1\tS2\n");
    assert!(e.contains("only a header"), "{e}");
    let e = bad(
        "nosamples.tsv",
        &example_with(|h, r| {
            h.truncate(1);
            r.iter_mut().for_each(|(_, v)| v.clear());
        }),
    );
    assert!(e.contains("no sample columns"), "{e}");
    let e = bad(
        "missing.tsv",
        &example_with(|_, r| {
            r.retain(|(l, _)| l != "T[C>G]A");
        }),
    );
    assert!(
        e.contains("missing 1 of the 96 SBS96 channels: T[C>G]A"),
        "{e}"
    );
    let e = bad(
        "dup.tsv",
        &example_with(|_, r| {
            let x = r[5].clone();
            r.push(x);
        }),
    );
    assert!(e.contains("channel 'A[C>G]C' appears twice"), "{e}");
    assert!(e.contains("line 98") && e.contains("line 7"), "{e}");
    let e = bad(
        "unknown.tsv",
        &example_with(|_, r| r[10].0 = "A[G>T]A".into()),
    );
    assert!(
        e.contains("unknown channel label 'A[G>T]A'") && e.contains("SBS96"),
        "{e}"
    );
    assert!(e.contains("line 12"), "{e}");
    let e = bad("nothing.tsv", b"Type\tS1\nfoo\t1\nbar\t2\n");
    assert!(
        e.contains("unknown channel label 'foo'") && e.contains("A[C>A]A"),
        "{e}"
    );
    for (val, what) in [
        ("-3", "negative"),
        ("NaN", "NaN"),
        ("inf", "infinite"),
        ("abc", "not a number"),
        ("2.5", "not a whole number"),
        ("", "empty cell"),
    ] {
        let e = bad("cell.tsv", &example_with(|_, r| r[20].1[3] = val.into()));
        assert!(e.contains(what), "{val}: {e}");
        assert!(
            e.contains("line 22, channel 'A[T>G]A', column 'PD4116a'"),
            "{e}"
        );
        if !val.is_empty() {
            assert!(e.contains(&format!("'{val}'")), "{e}");
        }
    }
    let e = bad(
        "ragged.tsv",
        &example_with(|_, r| {
            r[30].1.pop();
        }),
    );
    assert!(
        e.contains("line 32") && e.contains("21 fields where the header has 22"),
        "{e}"
    );
    let e = bad("dupsample.tsv", &example_with(|h, _| h[5] = h[2].clone()));
    assert!(e.contains("'PD4005a' appears twice"), "{e}");
    let mut bin = b"MutationType\tS1\n".to_vec();
    bin.extend([0u8, 159, 146, 150, 1, 2, 3]);
    let e = bad("binary.tsv", &bin);
    assert!(e.contains("binary"), "{e}");
    let e = bad("latin1.tsv", b"MutationType\tS\xe9\nA[C>A]A\t1\n");
    assert!(e.contains("not UTF-8"), "{e}");
    let e = bad("broken.tsv.gz", &[0x1f, 0x8b, 8, 0, 1, 2, 3]);
    assert!(e.contains("gzip"), "{e}");
}

#[test]
fn a_missing_file_is_a_data_error() {
    let e = data_error(&["inspect", "/nonexistent/cat.tsv"], None);
    assert!(
        e.contains("/nonexistent/cat.tsv") && e.contains("cannot read"),
        "{e}"
    );
}

#[test]
fn zero_samples_are_reported() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(
        &dir,
        "z.tsv",
        &example_with(|h, r| {
            h.push("EMPTY".into());
            r.iter_mut().for_each(|(_, v)| v.push("0".into()));
        }),
    );
    let j = inspect_json(&p);
    assert_eq!(j["zero_samples"][0], "EMPTY");
    assert!(j["warnings"][0].as_str().unwrap().contains("EMPTY"));
}

#[test]
fn counts_a_float_cannot_hold_are_refused_naming_the_cell() {
    for v in ["9007199254740993", "9223372036854775808", "1e20", "1e308"] {
        let e = bad("huge.tsv", &example_with(|_, r| r[20].1[3] = v.into()));
        assert!(
            e.contains("line 22, channel 'A[T>G]A', column 'PD4116a'")
                && e.contains(&format!("'{v}'"))
                && e.contains("2^53"),
            "{v}: {e}"
        );
    }
    let e = bad(
        "half.tsv",
        &example_with(|_, r| r[20].1[3] = "4503599627370496.5".into()),
    );
    assert!(e.contains("not a whole number"), "{e}");
    // 2^53 itself is a count.
    let dir = tempfile::tempdir().unwrap();
    let p = write(
        &dir,
        "max.tsv",
        &example_with(|_, r| r[20].1[3] = "9007199254740992".into()),
    );
    assert!(inspect_json(&p)["burden"]["max"].as_f64().unwrap() >= 9007199254740992.0);
}

#[test]
fn a_quote_problem_in_the_header_names_the_header_line() {
    let mut text = b"# exported\n".to_vec();
    text.extend(example_with(|h, _| h[3] = format!("\"{}", h[3])));
    let e = bad("quote.tsv", &text);
    assert!(
        e.contains("quote.tsv: line 2: a field opened with '\"'"),
        "{e}"
    );
}

#[test]
fn an_empty_last_column_is_ignored_and_inspect_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let reference = inspect_json(&example());
    let text = String::from_utf8(example_with(|_, _| {})).unwrap();
    let p = write(&dir, "export.tsv", text.replace('\n', "\t\n").as_bytes());
    let j = inspect_json(&p);
    assert_eq!(j["samples"], 21);
    assert_eq!(j["total_mutations"], reference["total_mutations"]);
    assert!(
        j["warnings"][0]
            .as_str()
            .unwrap()
            .contains("empty last column"),
        "{}",
        j["warnings"]
    );
    let out = mutasig().arg("inspect").arg(&p).output().unwrap();
    assert!(out.status.success());
    let shown = String::from_utf8(out.stdout).unwrap();
    assert!(
        shown.contains("warning") && shown.contains("empty last column"),
        "{shown}"
    );
    // A value in the unnamed column is still refused.
    let tabbed = text.replace('\n', "\t\n");
    let (header, rows) = tabbed.split_once('\n').unwrap();
    let stray = format!("{header}\n{}", rows.replacen("\t\n", "\t9\n", 1));
    let e = bad("stray.tsv", stray.as_bytes());
    assert!(
        e.contains("line 2: column 23 has no name in the header but holds '9'"),
        "{e}"
    );
}

#[test]
fn doubled_quotes_in_a_sample_name_are_one_quote() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(
        &dir,
        "quoted.tsv",
        &example_with(|h, _| h[1] = "\"x\"\" y\"".into()),
    );
    assert_eq!(inspect_json(&p)["sample_names"][0], "x\" y");
}

#[test]
fn a_comment_heavy_gzip_is_read_with_the_hash_of_the_whole_input() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = b"#".to_vec();
    text.extend(std::iter::repeat_n(b'x', 8 << 20));
    text.push(b'\n');
    text.extend(std::fs::read(example()).unwrap());
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(&text).unwrap();
    let p = write(&dir, "commented.tsv.gz", &gz.finish().unwrap());
    let j = inspect_json(&p);
    assert_eq!(j["samples"], 21);
    use sha2::Digest;
    let want: String = sha2::Sha256::digest(&text)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(j["sha256"], want);
}
