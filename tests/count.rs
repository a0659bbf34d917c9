//! `mutasig count`: hand-made calls on a tiny reference (tests/data/count/, every
//! expected channel worked out in the comments of the fixture script below), the
//! outputs read back by `inspect`, and each bad input refused on one line.
//!
//! tests/data/count/ref.fa: chr1 (80 bp, 20 per line) and chr2 (ACGT x 5); t1.vcf holds
//! one call of each kind (see its records: SBS on either strand, adjacent SNVs, an MNV
//! record, indels in a homopolymer, a tandem repeat and with microhomology, a
//! multi-allelic record, FILTER, symbolic, duplicate, REF mismatch, N context, a run of
//! three SNVs, and contig `2` for `chr2`); multi.vcf three samples by genotype.

use crate::contract::valid_summary;
use crate::util::{data_error, mutasig, run_ok};
use mutasig::output::summary::Details;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn data(name: &str) -> String {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/count");
    p.join(name).to_str().unwrap().to_string()
}

/// The non-zero cells of a catalogue: (channel, sample) → count.
fn cells(path: &Path) -> BTreeMap<(String, String), u64> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines().filter(|l| !l.starts_with('#'));
    let header: Vec<&str> = lines.next().unwrap().split('\t').collect();
    let mut out = BTreeMap::new();
    for line in lines {
        let f: Vec<&str> = line.split('\t').collect();
        for (j, v) in f[1..].iter().enumerate() {
            let v: u64 = v.parse().unwrap();
            if v > 0 {
                out.insert((f[0].to_string(), header[j + 1].to_string()), v);
            }
        }
    }
    out
}

fn expect(pairs: &[(&str, &str, u64)]) -> BTreeMap<(String, String), u64> {
    pairs
        .iter()
        .map(|(c, s, n)| ((c.to_string(), s.to_string()), *n))
        .collect()
}

/// Writes `bytes` gzip-compressed (plain gzip, not bgzip) to `path`.
fn gzip(path: &Path, bytes: &[u8]) {
    use std::io::Write;
    let mut g = flate2::write::GzEncoder::new(
        std::fs::File::create(path).unwrap(),
        flate2::Compression::default(),
    );
    g.write_all(bytes).unwrap();
    g.finish().unwrap();
}

/// `count INPUT --fasta FASTA [EXTRA…] -o OUT` must be a data error (exit 1, one line)
/// that writes nothing; its message.
fn count_refused(input: &str, fasta: &str, extra: &[&str], out: &Path) -> String {
    let mut args = vec!["count", input, "--fasta", fasta];
    args.extend_from_slice(extra);
    args.extend(["-o", out.to_str().unwrap()]);
    let err = data_error(&args, None);
    assert!(!out.exists(), "{args:?} wrote {}", out.display());
    err
}

fn count_into(dir: &Path, extra: &[&str]) -> std::process::Output {
    let (t1, multi, fa) = (data("t1.vcf"), data("multi.vcf"), data("ref.fa"));
    let mut args = vec!["count", &t1, &multi, "--fasta", &fa, "-o"];
    let d = dir.to_str().unwrap();
    args.push(d);
    args.extend_from_slice(extra);
    run_ok(&args)
}

#[test]
fn worked_examples_are_counted_into_every_catalogue() {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("cat");
    let run = count_into(&out, &["--genome-build", "TEST"]);
    let err = String::from_utf8_lossy(&run.stderr);
    assert!(err.contains("2→chr2"), "{err}");
    assert!(err.contains("sample N2: no countable mutation"), "{err}");
    assert_eq!(
        cells(&out.join("SBS96.tsv")),
        expect(&[
            ("A[C>T]A", "T1", 1), // chr1:4 C>T in ACA
            ("A[C>T]T", "T1", 1), // chr1:6 G>A in AGT, other strand
            ("T[T>G]T", "T1", 1), // chr1:58 A>C in AAA (multi-allelic)
            ("T[T>A]T", "T1", 1), // chr1:58 A>T
            ("A[C>A]G", "T1", 1), // 2:2 C>A in ACG, contig 2 = chr2
            ("A[C>T]A", "T2", 1), // multi.vcf: only T2 carries chr1:4
            ("C[T>A]T", "T3", 1), // phased 0|1 at chr1:13
        ])
    );
    assert_eq!(
        cells(&out.join("DBS78.tsv")),
        expect(&[("TT>AA", "T1", 1), ("CC>AA", "T1", 1)])
    );
    assert_eq!(
        cells(&out.join("ID83.tsv")),
        expect(&[
            ("1:Del:T:3", "T1", 1), // one T of TTTT
            ("2:Del:R:2", "T1", 1), // AC of ACACAC
            ("4:Del:M:2", "T1", 1), // ACGT before AC
            ("1:Ins:T:0", "T1", 1), // A between C and G
        ])
    );
    let summary = std::fs::read_to_string(out.join("count_summary.tsv")).unwrap();
    let rows: Vec<&str> = summary.lines().collect();
    assert_eq!(
        rows[0],
        "Sample\trecords_read\tsbs\tdbs\tid\tref_mismatch\tfiltered\tlow_vaf\toutside_bed\tsymbolic\tduplicate\tmnv\tcomplex\tambiguous"
    );
    assert_eq!(rows[1], "T1\t19\t5\t2\t4\t1\t1\t0\t0\t1\t1\t3\t0\t1");
    assert_eq!(rows[2], "N2\t0\t0\t0\t0\t0\t0\t0\t0\t0\t0\t0\t0\t0");
    let s = valid_summary(&out);
    let Details::Count(c) = &s.details else {
        panic!("count summary")
    };
    assert_eq!(c.genome_build.as_deref(), Some("TEST"));
    assert_eq!(c.samples, 4);
    assert_eq!(c.contig_renames.len(), 1);
    assert_eq!(c.per_sample[0].sbs, 5);
    // the catalogues are what inspect, extract and assign read
    for (name, context) in [("SBS96", "SBS96"), ("DBS78", "DBS78"), ("ID83", "ID83")] {
        let v = crate::util::inspect_json(&out.join(format!("{name}.tsv")));
        assert_eq!(v["context"], context, "{v}");
    }
}

#[test]
fn output_does_not_depend_on_threads_and_a_tsv_target_is_the_sbs96_alone() {
    let d = tempfile::tempdir().unwrap();
    let (a, b) = (d.path().join("a"), d.path().join("b"));
    count_into(&a, &["--threads", "1"]);
    count_into(&b, &["--threads", "3"]);
    for f in ["SBS96.tsv", "DBS78.tsv", "ID83.tsv", "count_summary.tsv"] {
        assert_eq!(
            std::fs::read(a.join(f)).unwrap(),
            std::fs::read(b.join(f)).unwrap(),
            "{f}"
        );
    }
    let single = d.path().join("sbs.tsv");
    count_into(&single, &[]);
    assert_eq!(
        std::fs::read(&single).unwrap(),
        std::fs::read(a.join("SBS96.tsv")).unwrap()
    );
}

#[test]
fn compressed_and_standard_input_read_the_same_calls() {
    use std::io::Write;
    let d = tempfile::tempdir().unwrap();
    let text = std::fs::read(data("t1.vcf")).unwrap();
    let bgz = d.path().join("t1.vcf.gz");
    let mut w = noodles::bgzf::io::Writer::new(std::fs::File::create(&bgz).unwrap());
    w.write_all(&text).unwrap();
    w.finish().unwrap();
    let gz = d.path().join("t1.gzip.vcf.gz");
    gzip(&gz, &text);
    let fa = data("ref.fa");
    let plain = run_ok(&["count", &data("t1.vcf"), "--fasta", &fa, "-o", "-"]).stdout;
    for input in [&bgz, &gz] {
        let out = run_ok(&["count", input.to_str().unwrap(), "--fasta", &fa, "-o", "-"]);
        assert_eq!(out.stdout, plain, "{}", input.display());
    }
    let out = mutasig()
        .args(["count", "-", "--fasta", &fa, "-o", "-"])
        .write_stdin(text.clone())
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(out.stdout, plain);
    // a truncated bgzip block
    let bytes = std::fs::read(&bgz).unwrap();
    let cut = d.path().join("cut.vcf.gz");
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
    let err = count_refused(cut.to_str().unwrap(), &fa, &[], &d.path().join("o"));
    assert!(
        err.contains("cut.vcf.gz") && err.contains("truncated"),
        "{err}"
    );
}

#[test]
fn filters_regions_allele_fractions_and_file_names() {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("f");
    count_into(
        &out,
        &[
            "--all-filters",
            "--min-vaf",
            "0.1",
            "--bed",
            &data("regions.bed"),
        ],
    );
    let summary = std::fs::read_to_string(out.join("count_summary.tsv")).unwrap();
    // LowQual kept (but outside the regions), the 5% allele of chr1:58 dropped; the
    // regions (chr1:1-20, 2:1-5) keep chr1:4, 6, 8 (mismatch), 13+14, 17 and 2:2
    let t1 = summary.lines().nth(1).unwrap();
    assert_eq!(t1, "T1\t19\t3\t2\t0\t1\t0\t1\t10\t1\t1\t0\t0\t0");
    let s = valid_summary(&out);
    let Details::Count(c) = &s.details else {
        panic!("count summary")
    };
    assert_eq!(c.bed.as_ref().unwrap().bases, 25);
    let by_name = d.path().join("n");
    count_into(&by_name, &["--sample-from", "filename"]);
    let text = std::fs::read_to_string(by_name.join("SBS96.tsv")).unwrap();
    let header = text.lines().find(|l| !l.starts_with('#')).unwrap();
    assert_eq!(header, "MutationType\tt1\tmulti");
    // multi.vcf by file name: chr1:4 and chr1:13 both counted
    assert_eq!(
        cells(&by_name.join("SBS96.tsv"))
            .iter()
            .filter(|((_, s), _)| s == "multi")
            .count(),
        2
    );
}

#[test]
fn bad_inputs_are_refused_on_one_line_and_nothing_is_written() {
    let d = tempfile::tempdir().unwrap();
    let o = d.path().join("o");
    let o = o.to_str().unwrap();
    let fa = data("ref.fa");
    let cases: Vec<(String, String, Vec<&str>)> = vec![
        (
            data("noheader.vcf"),
            fa.clone(),
            vec!["noheader.vcf", "no VCF header"],
        ),
        (
            data("badcontig.vcf"),
            fa.clone(),
            vec!["badcontig.vcf", "record 2", "chrUn_x", "chr1, chr2"],
        ),
        (
            data("t1.vcf"),
            data("noindex.fa"),
            vec!["noindex.fa", "samtools faidx"],
        ),
        (
            data("pastend.vcf"),
            fa.clone(),
            vec!["pastend.vcf", "record 1", "past the end of chr2"],
        ),
        (
            data("missing.vcf"),
            fa.clone(),
            vec!["missing.vcf", "cannot read"],
        ),
    ];
    for (input, fasta, needles) in cases {
        let err = count_refused(&input, &fasta, &[], Path::new(o));
        for n in needles {
            assert!(err.contains(n), "{n} not in: {err}");
        }
    }
    // settings are usage errors (exit 2) naming the flag
    let bad = mutasig()
        .args(["count", &data("t1.vcf"), "--fasta", &fa, "-o", o])
        .args(["--min-vaf", "1.5"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--min-vaf"));
}

#[test]
fn maf_and_plain_text_layouts_give_the_same_catalogues() {
    let d = tempfile::tempdir().unwrap();
    let fa = data("ref.fa");
    let (maf, txt) = (d.path().join("maf"), d.path().join("txt"));
    for (input, out) in [(data("calls.maf"), &maf), (data("calls.txt"), &txt)] {
        run_ok(&["count", &input, "--fasta", &fa, "-o", out.to_str().unwrap()]);
    }
    for f in [
        "SBS96.tsv",
        "SBS1536.tsv",
        "DBS78.tsv",
        "ID83.tsv",
        "count_summary.tsv",
    ] {
        assert_eq!(
            std::fs::read_to_string(maf.join(f)).unwrap(),
            std::fs::read_to_string(txt.join(f)).unwrap(),
            "{f}"
        );
    }
    assert_eq!(
        cells(&maf.join("ID83.tsv")),
        expect(&[("1:Del:T:3", "T1", 1), ("1:Ins:T:0", "T1", 1)])
    );
    assert_eq!(cells(&maf.join("DBS78.tsv")), expect(&[("TT>AA", "T2", 1)]));
    assert_eq!(
        cells(&maf.join("SBS96.tsv")),
        expect(&[("A[C>T]A", "T1", 1), ("A[C>A]G", "T2", 1)])
    );
    let summary = std::fs::read_to_string(maf.join("count_summary.tsv")).unwrap();
    assert_eq!(
        summary.lines().nth(1).unwrap(),
        "T1\t4\t1\t0\t2\t0\t0\t0\t0\t0\t1\t0\t0\t0"
    );
    // a gzipped MAF, from a file and on standard input, reads like the plain one
    let gz = d.path().join("calls.maf.gz");
    gzip(&gz, &std::fs::read(data("calls.maf")).unwrap());
    let plain = run_ok(&["count", &data("calls.maf"), "--fasta", &fa, "-o", "-"]).stdout;
    let from_file = run_ok(&["count", gz.to_str().unwrap(), "--fasta", &fa, "-o", "-"]);
    assert_eq!(from_file.stdout, plain);
    let piped = mutasig()
        .args(["count", "-", "--fasta", &fa, "-o", "-"])
        .write_stdin(std::fs::read(&gz).unwrap())
        .output()
        .unwrap();
    assert!(piped.status.success());
    assert_eq!(piped.stdout, plain);
    let err = count_refused(&data("nocols.maf"), &fa, &[], &d.path().join("o"));
    assert!(
        err.contains("nocols.maf") && err.contains("Tumor_Seq_Allele2"),
        "{err}"
    );
}

#[test]
fn sbs1536_holds_two_bases_either_side() {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("cat");
    count_into(&out, &[]);
    assert_eq!(
        cells(&out.join("SBS1536.tsv")),
        expect(&[
            ("AA[C>T]AG", "T1", 1), // chr1:4
            ("TA[C>T]TG", "T1", 1), // chr1:6, CAGTA read on the other strand
            ("TT[T>G]TT", "T1", 1), // chr1:58
            ("TT[T>A]TT", "T1", 1),
            ("AA[C>T]AG", "T2", 1),
            ("CC[T>A]TG", "T3", 1),
            // 2:2 is the second base of chr2: in SBS96 only
        ])
    );
}

#[test]
fn bcf_gives_what_the_same_vcf_gives() {
    use noodles::vcf::variant::io::Write as _;
    let d = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(data("t1.vcf")).unwrap();
    // BCF needs every contig in the header
    let text = text.replacen(
        "##FORMAT",
        "##contig=<ID=chr1,length=80>\n##contig=<ID=2,length=20>\n##FORMAT",
        1,
    );
    let mut reader = noodles::vcf::io::Reader::new(text.as_bytes());
    let header = reader.read_header().unwrap();
    let bcf = d.path().join("t1.bcf");
    let mut writer = noodles::bcf::io::Writer::new(std::fs::File::create(&bcf).unwrap());
    writer.write_header(&header).unwrap();
    for r in reader.record_bufs(&header) {
        writer.write_variant_record(&header, &r.unwrap()).unwrap();
    }
    writer.try_finish().unwrap();
    drop(writer);
    let fa = data("ref.fa");
    let (a, b) = (d.path().join("vcf"), d.path().join("bcf"));
    run_ok(&[
        "count",
        &data("t1.vcf"),
        "--fasta",
        &fa,
        "-o",
        a.to_str().unwrap(),
    ]);
    run_ok(&[
        "count",
        bcf.to_str().unwrap(),
        "--fasta",
        &fa,
        "-o",
        b.to_str().unwrap(),
    ]);
    for f in ["SBS96.tsv", "DBS78.tsv", "ID83.tsv", "count_summary.tsv"] {
        assert_eq!(
            std::fs::read(a.join(f)).unwrap(),
            std::fs::read(b.join(f)).unwrap(),
            "{f}"
        );
    }
}

/// The README example: the 12 bundled VCFs count back to the catalogue they were made
/// from, and `assign` on the counted catalogue finds the five signatures they were drawn
/// from (SBS1, SBS2, SBS3, SBS5, SBS13) and no other.
#[test]
fn bundled_vcfs_count_to_their_catalogue_and_assign_finds_their_signatures() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("examples/vcf");
    let mut vcfs: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "vcf"))
        .map(|p| p.to_str().unwrap().to_string())
        .collect();
    vcfs.sort();
    assert_eq!(vcfs.len(), 12);
    let d = tempfile::tempdir().unwrap();
    let (cat, assigned) = (d.path().join("cat"), d.path().join("assigned"));
    let fasta = dir.join("genome.fa");
    let mut args = vec!["count"];
    args.extend(vcfs.iter().map(String::as_str));
    args.extend([
        "--fasta",
        fasta.to_str().unwrap(),
        "-o",
        cat.to_str().unwrap(),
    ]);
    run_ok(&args);
    assert_eq!(
        cells(&cat.join("SBS96.tsv")),
        cells(&dir.join("catalogue.tsv"))
    );
    let sbs96 = cat.join("SBS96.tsv");
    run_ok(&[
        "assign",
        sbs96.to_str().unwrap(),
        "-o",
        assigned.to_str().unwrap(),
        "--no-plots",
    ]);
    let exposures = std::fs::read_to_string(assigned.join("exposures.tsv")).unwrap();
    let header: Vec<&str> = exposures.lines().next().unwrap().split('\t').collect();
    assert_eq!(
        header[1..],
        ["SBS1", "SBS2", "SBS3", "SBS5", "SBS13"],
        "{exposures}"
    );
}

/// `strand.vcf` against `genes.bed` (chr1 1-20 on +, 21-40 on -, 41-50 on + and 45-50 on
/// - too, written `1`; a gene on a contig the FASTA lacks) and the same genes as GTF.
fn count_strand(dir: &Path, annotation: &str, extra: &[&str]) -> std::process::Output {
    let (vcf, fa, ann) = (data("strand.vcf"), data("ref.fa"), data(annotation));
    let mut args = vec!["count", &vcf, "--fasta", &fa, "--transcripts", &ann];
    args.extend(["--sample-from", "filename", "-o", dir.to_str().unwrap()]);
    args.extend_from_slice(extra);
    run_ok(&args)
}

/// Per-label sums of a catalogue's cells after `key` maps each label.
fn folded(path: &Path, key: impl Fn(&str) -> String) -> BTreeMap<(String, String), u64> {
    let mut out = BTreeMap::new();
    for ((label, sample), v) in cells(path) {
        *out.entry((key(&label), sample)).or_insert(0) += v;
    }
    out
}

#[test]
fn transcriptional_strand_worked_examples() {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("bed");
    count_strand(&out, "genes.bed", &[]);
    let s = "strand";
    assert_eq!(
        cells(&out.join("SBS384.tsv")),
        expect(&[
            ("U:A[C>T]A", s, 1), // chr1:4 C>T in ACA, + gene: the C is on the coding strand
            ("T:A[C>T]T", s, 1), // chr1:6 G>A in AGT, + gene: the C (other strand) is transcribed
            ("T:G[C>A]A", s, 1), // chr1:28 C>A in GCA, - gene
            ("U:T[C>A]A", s, 1), // chr1:32 G>T in TGA, - gene: read on -, the coding strand
            ("T:G[T>C]A", s, 1), // chr1:43 A>G in TAC, + gene only
            ("B:G[T>C]A", s, 1), // chr1:46 T>C in GTA, + and - genes
            ("B:A[C>G]C", s, 1), // chr1:48 C>G in ACC, + and - genes
            ("N:A[C>T]G", s, 2), // chr1:62 C>T in ACG, no gene; chr2:6 the same, no gene on chr2
        ])
    );
    // SBS288: B halved between T and U, the odd one to T (SigProfilerMatrixGenerator)
    assert_eq!(
        cells(&out.join("SBS288.tsv")),
        expect(&[
            ("U:A[C>T]A", s, 1),
            ("T:A[C>T]T", s, 1),
            ("T:G[C>A]A", s, 1),
            ("U:T[C>A]A", s, 1),
            ("T:G[T>C]A", s, 2),
            ("T:A[C>G]C", s, 1),
            ("N:A[C>T]G", s, 2),
        ])
    );
    let text = std::fs::read_to_string(out.join("SBS384.tsv")).unwrap();
    let rows: Vec<&str> = text.lines().collect();
    assert!(rows[0].starts_with("# mutasig count ") && rows[0].contains("SBS384 catalogue"));
    assert_eq!(rows[1], "MutationType\tstrand");
    assert_eq!(rows.len(), 2 + 384);
    assert!(rows[2].starts_with("T:A[C>A]A\t") && rows[2 + 96].starts_with("U:A[C>A]A\t"));
    assert!(rows[2 + 192].starts_with("B:") && rows[2 + 288].starts_with("N:"));
    let s288 = std::fs::read_to_string(out.join("SBS288.tsv")).unwrap();
    assert_eq!(s288.lines().count(), 2 + 288);
    let summary = valid_summary(&out);
    let Details::Count(c) = &summary.details else {
        panic!("count summary")
    };
    assert!(c.contexts.iter().any(|x| x == "SBS384"));
    let t = c.transcripts.as_ref().unwrap();
    assert_eq!(
        (t.feature.as_str(), t.intervals, t.ignored_intervals),
        ("region", 4, 1)
    );
    assert_eq!((t.bases_plus, t.bases_minus, t.bases_both), (24, 20, 6));
    // the same genes as GTF: gene lines (its transcript on - at 60-65 is not used)
    let gtf = d.path().join("gtf");
    count_strand(&gtf, "genes.gtf", &[]);
    for f in ["SBS288.tsv", "SBS384.tsv", "SBS96.tsv"] {
        assert_eq!(cells(&out.join(f)), cells(&gtf.join(f)), "{f}");
    }
    let summary = valid_summary(&gtf);
    let Details::Count(c) = &summary.details else {
        panic!("count summary")
    };
    assert_eq!(c.transcripts.as_ref().unwrap().feature, "gene");
    // gzip-compressed, recognised through the .gz suffix
    use std::io::Write;
    let gz = d.path().join("genes.gtf.gz");
    let mut g = flate2::write::GzEncoder::new(
        std::fs::File::create(&gz).unwrap(),
        flate2::Compression::default(),
    );
    g.write_all(&std::fs::read(data("genes.gtf")).unwrap())
        .unwrap();
    g.finish().unwrap();
    let zipped = d.path().join("gz");
    count_strand(&zipped, gz.to_str().unwrap(), &[]);
    assert_eq!(
        cells(&out.join("SBS384.tsv")),
        cells(&zipped.join("SBS384.tsv"))
    );
}

#[test]
fn sbs384_sums_to_sbs96_and_does_not_depend_on_threads() {
    let d = tempfile::tempdir().unwrap();
    let (a, b) = (d.path().join("a"), d.path().join("b"));
    let ann = data("genes.bed");
    count_into(&a, &["--transcripts", &ann, "--threads", "1"]);
    count_into(&b, &["--transcripts", &ann, "--threads", "3"]);
    for f in ["SBS96.tsv", "SBS288.tsv", "SBS384.tsv"] {
        assert_eq!(
            std::fs::read(a.join(f)).unwrap(),
            std::fs::read(b.join(f)).unwrap(),
            "{f}"
        );
    }
    let strip = |l: &str| l[2..].to_string();
    let sbs96 = cells(&a.join("SBS96.tsv"));
    assert!(!sbs96.is_empty());
    assert_eq!(folded(&a.join("SBS384.tsv"), strip), sbs96);
    assert_eq!(folded(&a.join("SBS288.tsv"), strip), sbs96);
    // without --transcripts neither is written
    let c = d.path().join("c");
    count_into(&c, &[]);
    assert!(!c.join("SBS384.tsv").exists() && !c.join("SBS288.tsv").exists());
    assert!(c.join("SBS96.tsv").exists());
}

#[test]
fn a_bad_annotation_line_is_refused_and_nothing_is_written() {
    let d = tempfile::tempdir().unwrap();
    let o = d.path().join("o");
    let o = o.to_str().unwrap();
    let (vcf, fa, bad) = (data("strand.vcf"), data("ref.fa"), data("badgenes.bed"));
    let err = count_refused(&vcf, &fa, &["--transcripts", &bad], Path::new(o));
    for n in ["badgenes.bed", "line 2", "BED6"] {
        assert!(err.contains(n), "{n} not in: {err}");
    }
    // --transcripts with a single-table output is a usage error naming the flag
    let single = d.path().join("x.tsv");
    let out = mutasig()
        .args(["count", &vcf, "--fasta", &fa, "--transcripts", &bad, "-o"])
        .arg(&single)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--transcripts"));
    assert!(!single.exists());
}

/// Found in review: an SNV written two ways (`C>T`, and `CA>TA` as a split multi-allelic
/// record writes it) is one mutation; a position no contig reaches is an error, not a
/// panic; VCF-only flags on a table are said to be unused; a `--bed` file is an input.
#[test]
fn same_snv_written_two_ways_huge_positions_and_table_flags() {
    let d = tempfile::tempdir().unwrap();
    let fa = data("ref.fa");
    let two = d.path().join("two.txt");
    std::fs::write(
        &two,
        "T1\tchr1\t4\tC\tT\nT1\tchr1\t4\tCA\tTA\nT1\tchr1\t9\tA\tG\n",
    )
    .unwrap();
    let out = d.path().join("two");
    run_ok(&[
        "count",
        two.to_str().unwrap(),
        "--fasta",
        &fa,
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(
        cells(&out.join("SBS96.tsv")),
        expect(&[("A[C>T]A", "T1", 1), ("T[T>C]T", "T1", 1)])
    );
    let summary = std::fs::read_to_string(out.join("count_summary.tsv")).unwrap();
    let header: Vec<&str> = summary.lines().next().unwrap().split('\t').collect();
    let row: Vec<&str> = summary.lines().nth(1).unwrap().split('\t').collect();
    let dup = header.iter().position(|h| *h == "duplicate").unwrap();
    assert_eq!(row[dup], "1", "{summary}");

    let big = d.path().join("big.txt");
    std::fs::write(&big, "T1\tchr1\t18446744073709551615\tCA\tTA\n").unwrap();
    let err = count_refused(big.to_str().unwrap(), &fa, &[], &d.path().join("o"));
    assert!(err.contains("goes past the end of chr1"), "{err}");

    let warned = mutasig()
        .args(["count", two.to_str().unwrap(), "--fasta", &fa, "-o", "-"])
        .args(["--min-vaf", "0.1"])
        .output()
        .unwrap();
    assert!(warned.status.success());
    let stderr = String::from_utf8_lossy(&warned.stderr);
    assert!(stderr.contains("counted without --min-vaf"), "{stderr}");

    // the BED named as the output is refused and left as it was
    let bed = d.path().join("regions.tsv");
    std::fs::copy(data("regions.bed"), &bed).unwrap();
    let before = std::fs::read(&bed).unwrap();
    let refused = mutasig()
        .args(["count", two.to_str().unwrap(), "--fasta", &fa])
        .args(["--bed", bed.to_str().unwrap(), "-o", bed.to_str().unwrap()])
        .arg("--force")
        .output()
        .unwrap();
    assert!(!refused.status.success());
    assert_eq!(std::fs::read(&bed).unwrap(), before);
}

/// A multi-sample VCF without GT cannot say which column carries a call: refused with the
/// flag that counts it per file, which then works.
#[test]
fn multi_sample_vcf_without_genotypes_needs_sample_from_filename() {
    let d = tempfile::tempdir().unwrap();
    let fa = data("ref.fa");
    let vcf = d.path().join("strelka.vcf");
    std::fs::write(
        &vcf,
        "##fileformat=VCFv4.2\n##contig=<ID=chr1,length=80>\n\
         ##FORMAT=<ID=DP,Number=1,Type=Integer,Description=\"Depth\">\n\
         #CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tNORMAL\tTUMOR\n\
         chr1\t4\t.\tC\tT\t.\tPASS\t.\tDP\t30\t40\n",
    )
    .unwrap();
    let o = d.path().join("o");
    let err = count_refused(vcf.to_str().unwrap(), &fa, &[], &o);
    assert!(
        err.contains("no GT") && err.contains("--sample-from filename"),
        "{err}"
    );
    let ok = run_ok(&[
        "count",
        vcf.to_str().unwrap(),
        "--fasta",
        &fa,
        "--sample-from",
        "filename",
        "-o",
        o.to_str().unwrap(),
    ]);
    assert!(ok.status.success());
    assert_eq!(
        cells(&o.join("SBS96.tsv")),
        expect(&[("A[C>T]A", "strelka", 1)])
    );
}
