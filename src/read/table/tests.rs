//! Regression tests and properties of the table reader.

use super::*;
use proptest::prelude::*;
use std::io::Write;

/// A catalogue text: header, then one row per label with `cells(row)` as values.
fn catalogue_text(ctx: Context, samples: &[&str], cell: impl Fn(usize, usize) -> String) -> String {
    let mut s = String::from("MutationType");
    for n in samples {
        s.push('\t');
        s.push_str(n);
    }
    s.push('\n');
    for (i, l) in ctx.labels().iter().enumerate() {
        s.push_str(l);
        for j in 0..samples.len() {
            s.push('\t');
            s.push_str(&cell(i, j));
        }
        s.push('\n');
    }
    s
}

/// An SBS96 catalogue of ones with `value` in row 20 (line 22, `A[T>G]A`), column S2.
fn with_value(value: &str) -> String {
    catalogue_text(Context::Sbs96, &["S1", "S2"], |i, j| {
        if i == 20 && j == 1 {
            value.to_string()
        } else {
            "1".to_string()
        }
    })
}

fn counts_err(text: &str) -> String {
    parse("cat.tsv", text.as_bytes(), ValueKind::Counts)
        .expect_err("must be refused")
        .to_string()
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(bytes).unwrap();
    gz.finish().unwrap()
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

// ---------------------------------------------------------------------------------------
// 1. Counts a float cannot hold exactly
// ---------------------------------------------------------------------------------------

#[test]
fn counts_above_2_pow_53_are_refused_naming_line_channel_sample_and_value() {
    for v in [
        "9007199254740993",    // 2^53 + 1
        "9223372036854775808", // 2^63
        "1e20",
        "1e308",
        "9007199254740993.0",
        "90071992547409930e-1",
        "18446744073709551616", // 2^64
    ] {
        let e = counts_err(&with_value(v));
        assert!(
            e.starts_with("cat.tsv: line 22, channel 'A[T>G]A', column 'S2': "),
            "{v}: {e}"
        );
        assert!(e.contains(&format!("value '{v}'")), "{v}: {e}");
        assert!(e.contains("9007199254740992 (2^53)"), "{v}: {e}");
        assert!(!e.contains('\n'), "{e}");
    }
}

#[test]
fn counts_up_to_2_pow_53_are_read_exactly() {
    for (text, value) in [
        ("9007199254740992", 9007199254740992.0),
        ("9007199254740991", 9007199254740991.0),
        ("9007199254740992.000", 9007199254740992.0),
        ("12.0", 12.0),
        ("1e3", 1000.0),
        ("1.5e1", 15.0),
        ("0.0", 0.0),
        ("-0", 0.0),
        ("+7", 7.0),
        ("0e999999999999999999999", 0.0),
    ] {
        let t = parse("cat.tsv", with_value(text).as_bytes(), ValueKind::Counts)
            .unwrap_or_else(|e| panic!("{text}: {e}"));
        let row = Context::Sbs96.index_of("A[T>G]A").unwrap();
        assert_eq!(t.values[(row, 1)], value, "{text}");
        assert!(t.values[(row, 1)].is_sign_positive(), "{text}");
    }
}

#[test]
fn fraction_that_rounds_to_an_integer_in_f64_is_not_a_whole_number() {
    // Each of these parses to a whole f64: only the text shows the fraction.
    for v in [
        "4503599627370496.5",
        "4503599627370496.5e0",
        "1.0000000000000000001",
        "45035996273704965e-1",
        "2.5",
        ".5",
    ] {
        let e = counts_err(&with_value(v));
        assert!(e.contains("not a whole number"), "{v}: {e}");
        assert!(e.contains(&format!("'{v}'")), "{v}: {e}");
        assert!(e.contains("line 22, channel 'A[T>G]A', column 'S2'"), "{e}");
    }
}

#[test]
fn count_text_is_decided_from_the_digits() {
    assert_eq!(count_text("0"), CountText::Whole(0));
    assert_eq!(count_text("000120"), CountText::Whole(120));
    assert_eq!(count_text("1.20e2"), CountText::Whole(120));
    assert_eq!(count_text("12e-1"), CountText::Fraction);
    assert_eq!(count_text("120e-1"), CountText::Whole(12));
    assert_eq!(count_text("9007199254740992"), CountText::Whole(MAX_COUNT));
    assert_eq!(count_text("9007199254740993"), CountText::TooLarge);
    assert_eq!(count_text("1e16"), CountText::TooLarge);
    assert_eq!(count_text("1e15"), CountText::Whole(1_000_000_000_000_000));
    assert_eq!(count_text("inf"), CountText::Other);
    assert_eq!(count_text("1e"), CountText::Other);
    assert_eq!(count_text("."), CountText::Other);
}

#[test]
fn probabilities_above_one_are_refused() {
    // One-hot columns except for one cell of 1.5 (the column sum is checked later).
    let text = catalogue_text(Context::Sbs96, &["SBSx"], |i, _| {
        if i == 0 { "1.5" } else { "0" }.to_string()
    });
    let e = parse("sig.tsv", text.as_bytes(), ValueKind::Probabilities)
        .unwrap_err()
        .to_string();
    assert!(
        e.starts_with("sig.tsv: line 2, channel 'A[C>A]A', column 'SBSx': value '1.5' is above 1"),
        "{e}"
    );
    let ok = catalogue_text(Context::Sbs96, &["SBSx"], |i, _| {
        if i == 0 { "1" } else { "0" }.to_string()
    });
    parse("sig.tsv", ok.as_bytes(), ValueKind::Probabilities).unwrap();
}

// ---------------------------------------------------------------------------------------
// 2. Bounded input memory
// ---------------------------------------------------------------------------------------

#[test]
fn input_past_the_size_limit_is_refused_with_one_clear_line() {
    assert_eq!(MAX_INPUT_BYTES, 1 << 30);
    let e = TableError::TooLarge {
        path: "big.tsv.gz".into(),
        limit: MAX_INPUT_BYTES,
    }
    .to_string();
    assert!(
        e.starts_with(
            "big.tsv.gz: more than 1 GiB after decompression; mutasig reads catalogues up to 1 GiB"
        ),
        "{e}"
    );
    let dir = tempfile::tempdir().unwrap();
    let text = with_value("1");
    let plain = dir.path().join("cat.tsv");
    std::fs::write(&plain, &text).unwrap();
    let gz = dir.path().join("cat.tsv.gz");
    std::fs::write(&gz, gzip(text.as_bytes())).unwrap();
    for p in [&plain, &gz] {
        let p = p.to_str().unwrap();
        let limit = text.len() as u64 - 1;
        for e in [
            read_source_limited(p, limit).unwrap_err(),
            read_text_limited(p, limit).unwrap_err(),
        ] {
            assert!(matches!(e, TableError::TooLarge { .. }), "{e}");
            assert!(e.to_string().contains("after decompression"), "{e}");
        }
        // exactly at the limit is fine
        assert_eq!(
            read_source_limited(p, text.len() as u64).unwrap(),
            text.as_bytes()
        );
        assert_eq!(
            read_text_limited(p, text.len() as u64).unwrap().bytes,
            text.as_bytes()
        );
    }
}

#[test]
fn comment_lines_are_dropped_while_streaming_and_line_numbers_stay_right() {
    // A gzip of a long comment line (4 MB) before a table with a bad cell on line 24.
    let mut text = String::from("# made by a spreadsheet\n#");
    text.push_str(&"x".repeat(4 << 20));
    text.push('\n');
    text.push_str(&with_value("2.5"));
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("commented.tsv.gz");
    std::fs::write(&p, gzip(text.as_bytes())).unwrap();
    let p = p.to_str().unwrap();
    let streamed = read_text(p).unwrap();
    assert!(
        streamed.bytes.len() < 4000,
        "comments kept: {} bytes",
        streamed.bytes.len()
    );
    assert_eq!(streamed.sha256, sha256_hex(text.as_bytes()));
    assert_eq!(read_source(p).unwrap(), text.as_bytes());
    let e = parse(p, &streamed.bytes, ValueKind::Counts)
        .unwrap_err()
        .to_string();
    assert!(e.contains("line 24, channel 'A[T>G]A', column 'S2'"), "{e}");
    // The same through `read`.
    let e = read(p, ValueKind::Counts).unwrap_err().to_string();
    assert!(e.contains("line 24,"), "{e}");
}

/// The stripper must give the same bytes and errors whatever the chunking.
fn strip_in_chunks(bytes: &[u8], size: usize) -> Result<Vec<u8>, String> {
    let mut s = CommentStripper::default();
    for (k, c) in bytes.chunks(size.max(1)).enumerate() {
        s.feed(c, (k * size.max(1)) as u64)?;
    }
    s.finish()
}

#[test]
fn comment_stripping_is_independent_of_chunk_boundaries() {
    let text = "\u{feff}# commentaire é\nMutationType\tÉchantillon\n#\u{1F600}\nA[C>A]A\t1 # not a comment\n\n  # indented: kept\n#last";
    let want =
        "\u{feff}\nMutationType\tÉchantillon\n\nA[C>A]A\t1 # not a comment\n\n  # indented: kept\n";
    for size in 1..=9 {
        assert_eq!(
            strip_in_chunks(text.as_bytes(), size).unwrap(),
            want.as_bytes(),
            "chunk size {size}"
        );
    }
    // Errors name the offset in the input, comments included, whatever the chunking.
    let mut bad = b"# comment\nMutationType\tS".to_vec();
    bad.push(0xe9);
    bad.extend(b"\n");
    let mut nul = b"# c\nA\t".to_vec();
    nul.push(0);
    let cut = b"#\xc3\xa9\nS\xc3".to_vec(); // a sequence cut by the end of input
    for size in 1..=5 {
        assert_eq!(
            strip_in_chunks(&bad, size).unwrap_err(),
            "not UTF-8 text (invalid byte at offset 24)"
        );
        assert_eq!(
            strip_in_chunks(&nul, size).unwrap_err(),
            "binary data (a NUL byte at offset 6)"
        );
        assert_eq!(
            strip_in_chunks(&cut, size).unwrap_err(),
            "not UTF-8 text (invalid byte at offset 5)"
        );
    }
    // The same messages as `parse` gives on the whole text.
    assert!(
        parse("x.tsv", &bad, ValueKind::Counts)
            .unwrap_err()
            .to_string()
            .contains("not UTF-8 text (invalid byte at offset 24)")
    );
}

// ---------------------------------------------------------------------------------------
// 3. Quoted fields
// ---------------------------------------------------------------------------------------

#[test]
fn doubled_quotes_inside_quotes_are_unescaped() {
    assert_eq!(
        split_fields("\"x\"\" y\"\tb", b'\t').unwrap(),
        vec!["x\" y".to_string(), "b".to_string()]
    );
    assert_eq!(
        split_fields("\"a,b\",\"\"\"\",c\"d,", b',').unwrap(),
        vec!["a,b", "\"", "c\"d", ""]
    );
    let text = catalogue_text(Context::Sbs96, &["\"x\"\" y\"", "\"a\tb\""], |_, _| {
        "1".into()
    });
    let t = parse("q.tsv", text.as_bytes(), ValueKind::Counts).unwrap();
    assert_eq!(t.columns, vec!["x\" y".to_string(), "a\tb".to_string()]);
    // Quoted cells and labels are read with the same meaning as plain ones.
    let text = catalogue_text(Context::Sbs96, &["S1"], |i, _| {
        if i == 3 { "\"7\"".into() } else { "1".into() }
    })
    .replace("A[C>A]A\t", "\"A[C>A]A\"\t");
    let t = parse("q.tsv", text.as_bytes(), ValueKind::Counts).unwrap();
    assert_eq!(t.values[(3, 0)], 7.0);
}

#[test]
fn unterminated_quote_names_its_line_header_included() {
    let mut text = String::from("# one\n# two\n");
    text.push_str(&with_value("1").replacen("S1", "\"S1", 1));
    let e = counts_err(&text);
    assert_eq!(
        e,
        "cat.tsv: line 3: a field opened with '\"' is not closed on that line; close the quote (write \"\" for a quote inside a quoted field) or remove it"
    );
    let e = counts_err(&with_value("\"12"));
    assert!(
        e.starts_with("cat.tsv: line 22: a field opened with '\"'"),
        "{e}"
    );
}

// ---------------------------------------------------------------------------------------
// 4. An empty last column
// ---------------------------------------------------------------------------------------

#[test]
fn empty_last_column_on_every_line_is_ignored_with_a_warning() {
    let base = with_value("5");
    for (text, n) in [
        (base.replace('\n', "\t\n"), 1),
        (base.replace('\n', "\t\r\n"), 1),
        (base.replace('\n', "\t \t\n"), 2),
    ] {
        let t = parse("export.tsv", text.as_bytes(), ValueKind::Counts)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(t.columns, vec!["S1".to_string(), "S2".to_string()]);
        assert_eq!(
            t.values[(Context::Sbs96.index_of("A[T>G]A").unwrap(), 1)],
            5.0
        );
        assert_eq!(t.warnings.len(), 1, "{:?}", t.warnings);
        assert!(
            t.warnings[0].starts_with("export.tsv: ignored"),
            "{:?}",
            t.warnings
        );
        assert!(
            t.warnings[0].contains("empty last column"),
            "{:?}",
            t.warnings
        );
        if n == 2 {
            assert!(
                t.warnings[0].contains("2 empty last columns"),
                "{:?}",
                t.warnings
            );
        }
    }
    let csv = base.replace('\t', ",").replace('\n', ",\n");
    let t = parse("export.csv", csv.as_bytes(), ValueKind::Counts).unwrap();
    assert_eq!(t.columns.len(), 2);
    assert_eq!(t.warnings.len(), 1);
    // A plain file has no warning.
    assert!(
        parse("x.tsv", base.as_bytes(), ValueKind::Counts)
            .unwrap()
            .warnings
            .is_empty()
    );
}

#[test]
fn unnamed_last_column_holding_a_value_is_refused() {
    let text =
        with_value("5")
            .replace('\n', "\t\n")
            .replacen("A[T>G]A\t1\t5\t", "A[T>G]A\t1\t5\t3", 1);
    let e = counts_err(&text);
    assert_eq!(
        e,
        "cat.tsv: line 22: column 4 has no name in the header but holds '3' on this line; name the column or empty it (an empty last column on every line is ignored)"
    );
    // Rows ending with a separator under a header that does not: ragged, as before.
    let body = with_value("5");
    let (header, rows) = body.split_once('\n').unwrap();
    let e = counts_err(&format!("{header}\n{}", rows.replace('\n', "\t\n")));
    assert!(e.contains("line 2: 4 fields where the header has 3"), "{e}");
}

// ---------------------------------------------------------------------------------------
// 5. Message text
// ---------------------------------------------------------------------------------------

#[test]
fn counts_in_messages_are_grammatical() {
    assert_eq!(plural(1, "sample", "samples"), "1 sample");
    assert_eq!(plural(0, "sample", "samples"), "0 samples");
    assert_eq!(plural(2, "sample", "samples"), "2 samples");
    let text = with_value("5").replacen("A[T>G]A\t1\t5", "A[T>G]A", 1);
    let e = counts_err(&text);
    assert!(e.contains("line 22: 1 field where the header has 3"), "{e}");
}

#[test]
fn control_characters_in_messages_are_escaped() {
    let evil = "\u{1b}[2J\u{1b}[31m";
    let cases = [
        // a column name
        with_value("1")
            .replacen("S2", &format!("S1{evil}"), 1)
            .replacen("S1\t", &format!("S1{evil}\t"), 1),
        // a label
        with_value("1").replacen("A[T>G]A", &format!("A[T>G]A{evil}"), 1),
        // a value
        with_value(&format!("1{evil}")),
        // the first label (unknown context)
        with_value("1")
            .replacen("A[C>A]A", evil, 1)
            .replace("A[", "Z["),
    ];
    for text in cases {
        let e = counts_err(&text);
        assert!(!e.contains('\u{1b}'), "raw escape in: {e:?}");
        assert!(e.contains("\\u{1b}[2J"), "{e:?}");
    }
    assert_eq!(escape("a\u{7}b\r\n\u{202e}"), "a\\u{7}b\\r\\n\\u{202e}");
    assert!(matches!(escape("plain é"), Cow::Borrowed(_)));
    let e = TableError::HeaderOnly {
        path: "x\u{1b}.tsv".into(),
    };
    assert_eq!(
        e.to_string(),
        "x\\u{1b}.tsv: only a header line and no channel rows"
    );
}

// ---------------------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------------------

/// How a valid table is written.
#[derive(Debug, Clone)]
struct Style {
    comma: bool,
    crlf: bool,
    bom: bool,
    gzip: bool,
    cosmic: bool,
    /// (row index before which, text) comment or blank lines
    extra: Vec<(usize, bool)>,
}

fn style() -> impl Strategy<Value = Style> {
    (
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
        prop::collection::vec((0usize..100, any::<bool>()), 0..4),
    )
        .prop_map(|(comma, crlf, bom, gzip, cosmic, extra)| Style {
            comma,
            crlf,
            bom,
            gzip,
            cosmic,
            extra,
        })
}

fn write_table(ctx: Context, counts: &[Vec<u64>], order: &[usize], st: &Style) -> Vec<u8> {
    let sep = if st.comma { "," } else { "\t" };
    let eol = if st.crlf { "\r\n" } else { "\n" };
    let cosmic = st.cosmic && ctx == Context::Sbs96;
    let mut lines = Vec::new();
    let mut header: Vec<String> = if cosmic {
        vec!["Type".into(), "Subtype".into()]
    } else {
        vec!["MutationType".into()]
    };
    header.extend((0..counts[0].len()).map(|j| format!("S{j}")));
    lines.push(header.join(sep));
    for &i in order {
        let l = &ctx.labels()[i];
        let mut row = if cosmic {
            let c: Vec<char> = l.chars().collect();
            format!("{}>{}{sep}{}{}{}", c[2], c[4], c[0], c[2], c[6])
        } else {
            l.clone()
        };
        for v in &counts[i] {
            row.push_str(sep);
            row.push_str(&v.to_string());
        }
        lines.push(row);
    }
    for &(at, comment) in st.extra.iter().rev() {
        let at = at % (lines.len() + 1);
        lines.insert(
            at,
            if comment {
                "# note, with\tseparators".into()
            } else {
                "  ".into()
            },
        );
    }
    let mut text = String::new();
    if st.bom {
        text.push('\u{feff}');
    }
    for l in lines {
        text.push_str(&l);
        text.push_str(eol);
    }
    text.into_bytes()
}

fn a_table() -> impl Strategy<Value = (Context, Vec<Vec<u64>>, Vec<usize>)> {
    (0usize..3, 1usize..4).prop_flat_map(|(c, n)| {
        let ctx = Context::ALL[c];
        let m = ctx.len();
        (
            Just(ctx),
            prop::collection::vec(prop::collection::vec(0u64..=MAX_COUNT, n), m),
            Just((0..m).collect::<Vec<usize>>()).prop_shuffle(),
        )
    })
}

fn cases(n: u32) -> ProptestConfig {
    ProptestConfig {
        cases: n,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

// ---------------------------------------------------------------------------------------
// Wide tables (many samples) and the streamed summary used by `inspect`
// ---------------------------------------------------------------------------------------

/// A catalogue of `n` samples with rows in a shuffled order; cell (channel, sample) is
/// `value(i, j)`.
fn wide_text(n: usize, samples: &[usize], value: impl Fn(usize, usize) -> String) -> String {
    let labels = Context::Sbs96.labels();
    let mut s = String::from("MutationType");
    for &j in samples {
        s.push_str(&format!("\tsample_{j}"));
    }
    s.push('\n');
    for k in 0..labels.len() {
        let i = (k * 37 + 11) % labels.len(); // a permutation of the rows
        s.push_str(&labels[i]);
        for &j in samples {
            s.push('\t');
            s.push_str(&value(i, j));
        }
        s.push('\n');
    }
    assert!(samples.iter().all(|&j| j < n));
    s
}

fn wide_value(i: usize, j: usize) -> u64 {
    ((i * 7919 + j * 104_729) % 1009) as u64 * if (i + j).is_multiple_of(5) { 0 } else { 1 }
}

#[test]
fn wide_table_reads_like_its_narrow_slices_and_names_bad_cells_the_same() {
    let n = 3000;
    let all: Vec<usize> = (0..n).collect();
    let wide = wide_text(n, &all, |i, j| wide_value(i, j).to_string());
    let t = parse("w.tsv", wide.as_bytes(), ValueKind::Counts).unwrap();
    assert_eq!(t.columns.len(), n);
    for j in 0..n {
        for i in 0..96 {
            assert_eq!(t.values[(i, j)], wide_value(i, j) as f64, "({i}, {j})");
        }
    }
    // Each narrow slice (a few columns) reads to the same values.
    for cols in [vec![0], vec![1, 2999], vec![1500, 7, 42]] {
        let narrow = wide_text(n, &cols, |i, j| wide_value(i, j).to_string());
        let s = parse("w.tsv", narrow.as_bytes(), ValueKind::Counts).unwrap();
        for (k, &j) in cols.iter().enumerate() {
            assert_eq!(s.columns[k], t.columns[j]);
            for i in 0..96 {
                assert_eq!(s.values[(i, k)], t.values[(i, j)]);
            }
        }
    }
    // A bad cell gets the same message in the wide table as in a narrow one.
    let bad = |i: usize, j: usize| {
        if (i, j) == (40, 1700) {
            "4503599627370496.5".to_string()
        } else {
            wide_value(i, j).to_string()
        }
    };
    let wide_err = counts_err(&wide_text(n, &all, bad));
    let narrow_err = counts_err(&wide_text(n, &[1700], bad));
    assert_eq!(wide_err, narrow_err);
    assert!(
        wide_err.contains("column 'sample_1700': value '4503599627370496.5'"),
        "{wide_err}"
    );
    // Of several bad cells, the first of the first column holding one is named, wherever
    // its row stands in the file.
    let two_bad = |i: usize, j: usize| match (i, j) {
        (0, 2500) => "x".to_string(),
        (95, 2100) => "-1".to_string(),
        (3, 2100) => "1.5".to_string(),
        _ => wide_value(i, j).to_string(),
    };
    let e = counts_err(&wide_text(n, &all, two_bad));
    assert!(e.contains("column 'sample_2100'"), "{e}");
    let narrow = counts_err(&wide_text(n, &[2100], two_bad));
    assert_eq!(e, narrow);
}

#[test]
fn the_streamed_summary_matches_the_matrix_on_a_wide_table() {
    let n = 2000;
    let all: Vec<usize> = (0..n).collect();
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("w.tsv");
    let mut text = String::from("# a comment\n");
    text.push_str(&wide_text(n, &all, |i, j| {
        if j == 3 {
            "0".to_string()
        } else {
            wide_value(i, j).to_string()
        }
    }));
    std::fs::write(&p, &text).unwrap();
    let p = p.to_str().unwrap();
    let s = summarize_counts(p).unwrap().unwrap();
    let t = read(p, ValueKind::Counts).unwrap();
    assert_eq!(s.sha256, sha256_hex(text.as_bytes()));
    assert_eq!(s.samples, t.columns);
    assert_eq!(s.context, t.context);
    for j in 0..n {
        let sum: f64 = t.values.col(j).iter().sum();
        assert_eq!(s.totals[j], sum);
    }
    assert_eq!(s.totals[3], 0.0);
    assert_eq!(s.empty_channels, 0);
}

#[test]
fn totals_above_2_pow_53_out_of_channel_order_fall_back_to_the_matrix() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("big.tsv");
    let labels = Context::Sbs96.labels();
    let mut text = String::from("MutationType\tS1\n");
    for i in (0..96).rev() {
        text.push_str(&format!(
            "{}\t{}\n",
            labels[i],
            if i < 3 { MAX_COUNT } else { 1 }
        ));
    }
    std::fs::write(&p, &text).unwrap();
    assert!(summarize_counts(p.to_str().unwrap()).unwrap().is_none());
}

// ---------------------------------------------------------------------------------------
// Memory follows the text: row count and allocation guards
// ---------------------------------------------------------------------------------------

fn wide_header(columns: usize) -> String {
    let mut h = String::from("MutationType");
    for j in 0..columns {
        h.push_str(&format!("\tS{j}"));
    }
    h
}

#[test]
fn max_channels_is_the_largest_context() {
    assert_eq!(max_channels(), Context::Sbs96.len());
    assert!(Context::ALL.iter().all(|c| c.len() <= max_channels()));
}

#[test]
fn more_rows_than_any_context_has_channels_are_refused_naming_the_count() {
    // a million rows of one (repeated) channel: every row as wide as the header
    let mut text = String::from("MutationType\tS1\n");
    for _ in 0..1_000_000 {
        text.push_str("A[C>A]A\t1\n");
    }
    let expected = "many.tsv: 1000000 data rows where a table has at most 96 (one per channel); line 3: channel 'A[C>A]A' appears twice (first on line 2); merge the two rows";
    let e = parse("many.tsv", text.as_bytes(), ValueKind::Counts).unwrap_err();
    assert!(
        matches!(
            e,
            TableError::TooManyRows {
                rows: 1_000_000,
                max: 96,
                ..
            }
        ),
        "{e}"
    );
    assert_eq!(e.to_string(), expected);
    // the streamed summary (inspect) keeps the same rows, with the same message
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("many.tsv");
    std::fs::write(&p, gzip(text.as_bytes())).unwrap();
    let e = summarize_counts(p.to_str().unwrap())
        .unwrap_err()
        .to_string();
    assert!(e.ends_with(&expected["many.tsv".len()..]), "{e}");
    // a transposed table: samples as rows
    let mut text = String::from("Sample\tA[C>A]A\n");
    for i in 0..500 {
        text.push_str(&format!("S{i}\t1\n"));
    }
    let e = counts_err(&text);
    assert!(
        e.starts_with("cat.tsv: 500 data rows where a table has at most 96 (one per channel); line 2: unknown channel label 'S0'"),
        "{e}"
    );
    // one row too many: the duplicate is named, with the count
    let mut text = catalogue_text(Context::Sbs96, &["S1"], |_, _| "1".into());
    text.push_str("A[C>A]A\t1\n");
    assert_eq!(
        counts_err(&text),
        "cat.tsv: 97 data rows where a table has at most 96 (one per channel); line 98: channel 'A[C>A]A' appears twice (first on line 2); merge the two rows"
    );
}

#[test]
fn a_wide_header_over_a_million_short_rows_is_refused_without_allocating_for_it() {
    // 10^5 columns by 10^6 rows would be 800 GB of values: the first (short) row is
    // refused before anything is sized from the header
    let mut text = wide_header(100_000);
    text.push('\n');
    for _ in 0..1_000_000 {
        text.push_str("A[C>A]A\t1\n");
    }
    let e = counts_err(&text);
    assert_eq!(
        e,
        "cat.tsv: line 2: 2 fields where the header has 100001; every row needs its label(s) and one value per column"
    );
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("cat.tsv.gz");
    std::fs::write(&p, gzip(text.as_bytes())).unwrap();
    let p = p.to_str().unwrap();
    assert!(
        summarize_counts(p)
            .unwrap_err()
            .to_string()
            .contains("line 2: 2 fields")
    );
}

#[test]
fn values_are_stored_only_after_the_first_row_passes_its_width_check() {
    let header = wide_header(1000);
    let sinks = [
        Values::Matrix {
            rows: 96,
            max_cells: usize::MAX,
            values: None,
        },
        Values::Totals {
            sums: Vec::new(),
            exact: Vec::new(),
            nonzero: Vec::new(),
        },
    ];
    for sink in sinks {
        let mut scan = Scan::new("w.tsv", ValueKind::Counts, sink);
        scan.line(1, &header);
        scan.line(2, "A[C>A]A\t1\t2");
        assert!(matches!(
            scan.failed,
            Some(TableError::Ragged { line: 2, .. })
        ));
        match &scan.sink {
            Values::Matrix { values, .. } => assert!(values.is_none()),
            Values::Totals { sums, exact, .. } => assert!(sums.is_empty() && exact.is_empty()),
        }
    }
}

#[test]
fn a_matrix_larger_than_half_the_text_is_never_allocated() {
    // one full row, then short ones: 96 x 1000 cells, more than such a text can hold
    let mut text = wide_header(1000);
    text.push_str("\nA[C>A]A");
    text.push_str(&"\t1".repeat(1000));
    text.push('\n');
    for l in &Context::Sbs96.labels()[1..] {
        text.push_str(l);
        text.push_str("\t1\n");
    }
    assert!(96 * 1000 > text.len() / 2);
    let mut scan = Scan::new(
        "w.tsv",
        ValueKind::Counts,
        Values::Matrix {
            rows: 96,
            max_cells: text.len() / 2,
            values: None,
        },
    );
    for (i, line) in text.lines().take(2).enumerate() {
        scan.line(i + 1, line);
    }
    assert!(scan.failed.is_none());
    assert!(matches!(&scan.sink, Values::Matrix { values: None, .. }));
    assert!(counts_err(&text).starts_with("cat.tsv: line 3: 2 fields where the header has 1001"));
}

proptest! {
    #![proptest_config(cases(48))]

    /// (a) Any valid catalogue, in any row order, separator, line ending, with or without
    /// BOM, comments, blank lines and gzip, reads to the same matrix.
    #[test]
    fn any_valid_catalogue_reads_to_the_same_matrix((ctx, counts, order) in a_table(), st in style()) {
        let bytes = write_table(ctx, &counts, &order, &st);
        let name = if st.comma { "cat.csv" } else { "cat.tsv" };
        let t = if st.gzip {
            let dir = tempfile::tempdir().unwrap();
            let p = dir.path().join(format!("{name}.gz"));
            std::fs::write(&p, gzip(&bytes)).unwrap();
            read(p.to_str().unwrap(), ValueKind::Counts)
        } else {
            parse(name, &bytes, ValueKind::Counts)
        };
        let t = t.map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(t.context, ctx);
        prop_assert_eq!(t.columns.len(), counts[0].len());
        prop_assert!(t.warnings.is_empty());
        for (i, row) in counts.iter().enumerate() {
            for (j, &v) in row.iter().enumerate() {
                prop_assert_eq!(t.values[(i, j)], v as f64);
                prop_assert_eq!(t.values[(i, j)] as u64, v);
            }
        }
    }

    /// (b) Arbitrary bytes never panic: Ok, or one line of error.
    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        for kind in [ValueKind::Counts, ValueKind::Probabilities] {
            if let Err(e) = parse("x.tsv", &bytes, kind) {
                let e = e.to_string();
                prop_assert!(!e.contains('\n') && !e.contains('\u{1b}'), "{:?}", e);
            }
        }
        let mut s = CommentStripper::default();
        let _ = s.feed(&bytes, 0);
    }

    /// (b) Valid tables with random edits (separators, quotes, line breaks, digits...)
    /// never panic, and every error is one line without raw control characters.
    #[test]
    fn mutated_tables_never_panic(
        (ctx, counts, order) in a_table(),
        st in style(),
        edits in prop::collection::vec((any::<prop::sample::Index>(), 0u8..3, prop::sample::select(
            vec!["\t", ",", "\"", "\"\"", "\n", "\r", "#", "\u{feff}", "", " ", "-", ".", "e", "9", "1e400", "\u{1b}", "A[C>A]A", "é"]
        )), 1..6),
    ) {
        let mut text = String::from_utf8(write_table(ctx, &counts, &order, &st)).unwrap();
        for (at, op, s) in edits {
            let mut i = at.index(text.len() + 1);
            while !text.is_char_boundary(i) { i -= 1; }
            match op {
                0 => text.insert_str(i, s),
                1 => { let j = (i + 1..=text.len()).find(|&j| text.is_char_boundary(j)).unwrap_or(i); text.replace_range(i..j, s) }
                _ => { let j = (i + 1..=text.len()).find(|&j| text.is_char_boundary(j)).unwrap_or(i); text.replace_range(i..j, "") }
            }
        }
        for kind in [ValueKind::Counts, ValueKind::Probabilities] {
            match parse("m.tsv", text.as_bytes(), kind) {
                Ok(t) => {
                    prop_assert!(t.values.nrows() == t.context.len());
                    for j in 0..t.values.ncols() {
                        for i in 0..t.values.nrows() {
                            let v = t.values[(i, j)];
                            prop_assert!(v.is_finite() && v >= 0.0);
                        }
                    }
                }
                Err(e) => {
                    let e = e.to_string();
                    prop_assert!(e.starts_with("m.tsv: "), "{:?}", e);
                    prop_assert!(!e.contains('\n') && !e.contains('\r') && !e.contains('\u{1b}'), "{:?}", e);
                }
            }
        }
    }

    /// (b) The streamed summary (`inspect`) and the full read agree on every mutated
    /// table: the same error, or the same names, totals and warnings.
    #[test]
    fn streamed_summary_agrees_with_the_full_read(
        (ctx, counts, order) in a_table(),
        st in style(),
        edits in prop::collection::vec((any::<prop::sample::Index>(), prop::sample::select(
            vec!["\t", ",", "\"", "\n", "\r", "#", "", " ", "-", ".5", "x", "\u{1b}", "A[C>A]A", "\t\n"]
        )), 0..4),
    ) {
        let mut text = String::from_utf8(write_table(ctx, &counts, &order, &st)).unwrap();
        for (at, s) in edits {
            let mut i = at.index(text.len() + 1);
            while !text.is_char_boundary(i) { i -= 1; }
            text.insert_str(i, s);
        }
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join(if st.comma { "m.csv" } else { "m.tsv" });
        std::fs::write(&p, &text).unwrap();
        let p = p.to_str().unwrap();
        match (read(p, ValueKind::Counts), summarize_counts(p)) {
            (Ok(t), Ok(Some(s))) => {
                prop_assert_eq!(&s.samples, &t.columns);
                prop_assert_eq!(&s.warnings, &t.warnings);
                for j in 0..t.values.ncols() {
                    let sum: f64 = t.values.col(j).iter().sum();
                    prop_assert_eq!(s.totals[j], sum);
                }
                let empty = (0..t.values.nrows())
                    .filter(|&i| (0..t.values.ncols()).all(|j| t.values[(i, j)] == 0.0))
                    .count();
                prop_assert_eq!(s.empty_channels, empty);
            }
            (Ok(t), Ok(None)) => {
                let big = (0..t.values.ncols())
                    .any(|j| t.values.col(j).iter().sum::<f64>() > MAX_COUNT as f64);
                prop_assert!(big, "no total above 2^53, yet no summary");
            }
            (Err(a), Err(b)) => prop_assert_eq!(a.to_string(), b.to_string()),
            (a, b) => prop_assert!(false, "read {:?} but summary {:?}", a.map(|_| ()), b.map(|_| ())),
        }
    }

    /// (c) Any count up to 2^53, in any spelling, reads exactly; any integer above is
    /// refused.
    #[test]
    fn counts_round_trip_exactly_up_to_2_pow_53(
        v in prop_oneof![0u64..1000, (MAX_COUNT - 1000)..=MAX_COUNT, 0u64..=MAX_COUNT],
        big in prop_oneof![(MAX_COUNT + 1)..(MAX_COUNT + 1000), (MAX_COUNT + 1)..=u64::MAX],
        spelling in 0u8..4,
    ) {
        let tz = v.to_string().len() - v.to_string().trim_end_matches('0').len();
        let text = match spelling {
            0 => v.to_string(),
            1 => format!("{v}.0"),
            2 => format!("{v}e0"),
            _ if v > 0 && tz > 0 => format!("{}e{tz}", v / 10u64.pow(tz as u32)),
            _ => format!("{v}.000"),
        };
        let t = parse("c.tsv", with_value(&text).as_bytes(), ValueKind::Counts)
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        let row = Context::Sbs96.index_of("A[T>G]A").unwrap();
        prop_assert_eq!(t.values[(row, 1)] as u64, v);
        prop_assert_eq!(t.values[(row, 1)], v as f64);
        let e = counts_err(&with_value(&big.to_string()));
        prop_assert!(e.contains("(2^53)"), "{}", e);
        let e = counts_err(&with_value(&format!("{big}.0")));
        prop_assert!(e.contains("(2^53)"), "{}", e);
    }

    /// (d) Sample names with quotes and separators, written quoted with doubled quotes,
    /// read back as written.
    #[test]
    fn quoted_names_with_doubled_quotes_round_trip(
        names in prop::collection::vec("[a-zA-Z0-9 \",\t'é#]{0,8}", 1..4),
        comma in any::<bool>(),
    ) {
        let sep = if comma { ',' } else { '\t' };
        // Unique, non-empty names without surrounding blanks (the reader trims those).
        let names: Vec<String> = names
            .iter()
            .enumerate()
            .map(|(k, n)| format!("{k}{}{k}", n.trim()))
            .collect();
        let quoted: Vec<String> = names.iter().map(|n| format!("\"{}\"", n.replace('"', "\"\""))).collect();
        let mut text = String::from("MutationType");
        for q in &quoted {
            text.push(sep);
            text.push_str(q);
        }
        text.push('\n');
        for l in Context::Dbs78.labels() {
            text.push_str(l);
            for _ in &names {
                text.push(sep);
                text.push('2');
            }
            text.push('\n');
        }
        let t = parse(if comma { "q.csv" } else { "q.tsv" }, text.as_bytes(), ValueKind::Counts)
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(&t.columns, &names);
        let line = quoted.join(&sep.to_string());
        prop_assert_eq!(split_fields(&line, sep as u8).unwrap(), names);
    }
}
