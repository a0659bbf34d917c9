//! `count --transcripts`: a gene annotation (BED6 with the strand in column 6, or a GTF)
//! read once into the strands transcribed at each base of each FASTA contig, for the
//! SBS288 and SBS384 catalogues.
//!
//! As SigProfilerMatrixGenerator's `save_tsb_192.py`, every base is classed by the
//! intervals covering it: on `+`-strand intervals only, on `-`-strand ones only, on both,
//! or on none. The intervals are kept as sorted, disjoint segments per contig (one entry
//! per change of class), so memory follows the annotation, and a base's class is a binary
//! search.

use super::calls::{CountError, resolve_contig};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::io::BufRead;

/// Which strands of a base are transcribed, by the annotation's intervals covering it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Coverage {
    /// No interval.
    None,
    /// Intervals on the `+` strand only.
    Plus,
    /// Intervals on the `-` strand only.
    Minus,
    /// Intervals on both strands.
    Both,
}

/// How the annotation file was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum AnnotationFormat {
    /// BED: chrom, 0-based start, end, name, score, strand (`+` or `-`).
    Bed,
    /// GTF (or GFF: the same nine columns): `gene` lines, else `transcript` lines.
    Gtf,
}

/// One run of bases of the same [`Coverage`] (not `None`), 0-based half-open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Segment {
    start: u64,
    end: u64,
    coverage: Coverage,
}

/// The annotation, per FASTA contig.
#[derive(Debug, Clone)]
pub struct StrandIndex {
    contigs: Vec<Vec<Segment>>,
    /// The format the file was read as.
    pub format: AnnotationFormat,
    /// The lines used: `region` (BED), `gene` or `transcript` (GTF).
    pub feature: String,
    /// Intervals used (on contigs the FASTA has).
    pub intervals: u64,
    /// Intervals on contigs the FASTA lacks (left out).
    pub ignored: u64,
    /// Bases on `+`-strand intervals only.
    pub bases_plus: u64,
    /// Bases on `-`-strand intervals only.
    pub bases_minus: u64,
    /// Bases on intervals of both strands.
    pub bases_both: u64,
}

/// The format of an annotation: by its name (`.gtf`, `.gff`, `.gff3` → GTF; `.bed` →
/// BED; a `.gz`/`.bgz` suffix is looked through), else by its first data line (nine or
/// more tab-separated columns with whole numbers in the fourth and fifth and a strand in
/// the seventh → GTF; anything else → BED).
pub fn detect_format(path: &str, first_line: Option<&str>) -> AnnotationFormat {
    let lower = path.to_ascii_lowercase();
    let name = lower
        .strip_suffix(".gz")
        .or_else(|| lower.strip_suffix(".bgz"))
        .unwrap_or(&lower);
    if [".gtf", ".gff", ".gff3"].iter().any(|e| name.ends_with(e)) {
        return AnnotationFormat::Gtf;
    }
    if name.ends_with(".bed") {
        return AnnotationFormat::Bed;
    }
    let gtf = first_line.is_some_and(|l| {
        let f: Vec<&str> = l.split('\t').collect();
        f.len() >= 9
            && f[3].trim().parse::<u64>().is_ok()
            && f[4].trim().parse::<u64>().is_ok()
            && matches!(f[6].trim(), "+" | "-" | ".")
    });
    if gtf {
        AnnotationFormat::Gtf
    } else {
        AnnotationFormat::Bed
    }
}

fn is_header(line: &str) -> bool {
    line.trim().is_empty()
        || line.starts_with('#')
        || line.starts_with("track")
        || line.starts_with("browser")
}

/// An interval of the file: contig as written, 0-based half-open.
struct Raw {
    contig: String,
    start: u64,
    end: u64,
    /// On the `+` strand.
    plus: bool,
    /// 1-based line of the file.
    line: usize,
    /// `region`, `gene` or `transcript`.
    feature: &'static str,
}

/// Parses data line `line`; `Ok(None)` for a GTF line of another feature.
fn parse_line(
    format: AnnotationFormat,
    t: &str,
    line: usize,
    bad: &dyn Fn(String) -> CountError,
) -> Result<Option<Raw>, CountError> {
    let f: Vec<&str> = t.split('\t').collect();
    let num = |s: &str, what: &str| {
        s.trim()
            .parse::<u64>()
            .map_err(|_| bad(format!("{what} '{s}' is not a whole number; fix the line")))
    };
    let strand = |s: &str, col: usize| match s.trim() {
        "+" => Ok(true),
        "-" => Ok(false),
        other => Err(bad(format!(
            "strand '{other}' in column {col}: --transcripts needs '+' or '-' (a transcript's strand); fix the line or leave it out"
        ))),
    };
    match format {
        AnnotationFormat::Bed => {
            if f.len() < 6 {
                return Err(bad(format!(
                    "{} column(s); --transcripts needs BED6 (tab-separated chrom, start, end, name, score, strand) or a GTF; fix the line",
                    f.len()
                )));
            }
            let (start, end) = (num(f[1], "start")?, num(f[2], "end")?);
            if end < start {
                return Err(bad(format!("end {end} before start {start}; fix the line")));
            }
            Ok(Some(Raw {
                contig: f[0].to_string(),
                start,
                end,
                plus: strand(f[5], 6)?,
                line,
                feature: "region",
            }))
        }
        AnnotationFormat::Gtf => {
            if f.len() < 9 {
                return Err(bad(format!(
                    "{} column(s); a GTF line has nine tab-separated columns; fix the line",
                    f.len()
                )));
            }
            let feature = match f[2] {
                "gene" => "gene",
                "transcript" => "transcript",
                _ => return Ok(None),
            };
            let (start, end) = (num(f[3], "start")?, num(f[4], "end")?);
            if start == 0 || end < start {
                return Err(bad(format!(
                    "interval {start}-{end} is not 1-based with start <= end; fix the line"
                )));
            }
            Ok(Some(Raw {
                contig: f[0].to_string(),
                start: start - 1,
                end,
                plus: strand(f[6], 7)?,
                line,
                feature,
            }))
        }
    }
}

impl StrandIndex {
    /// Reads `path` (plain, gzip or bgzip) against the FASTA's contigs (`index`: name →
    /// position, `lengths` in the same order). Contig names are matched as the calls'
    /// ([`resolve_contig`]); intervals on other contigs are left out (counted in
    /// [`StrandIndex::ignored`]); an interval past the end of its contig is an error.
    pub fn read(
        path: &str,
        index: &HashMap<String, usize>,
        lengths: &[u64],
    ) -> Result<StrandIndex, CountError> {
        let (mut reader, _) = super::vcf::open(path)?;
        let io_err = |e| CountError::Io {
            path: path.to_string(),
            source: e,
        };
        let mut format = None;
        let mut genes: Vec<Raw> = Vec::new();
        let mut transcripts: Vec<Raw> = Vec::new();
        let mut line = String::new();
        let mut n = 0usize;
        loop {
            line.clear();
            if reader.read_line(&mut line).map_err(io_err)? == 0 {
                break;
            }
            n += 1;
            let t = line.trim_end_matches(['\n', '\r']);
            if is_header(t) {
                continue;
            }
            let fmt = *format.get_or_insert_with(|| detect_format(path, Some(t)));
            let bad = |detail: String| CountError::Annotation {
                path: path.to_string(),
                line: n,
                detail,
            };
            let Some(raw) = parse_line(fmt, t, n, &bad)? else {
                continue;
            };
            if raw.feature == "transcript" {
                transcripts.push(raw);
            } else {
                genes.push(raw);
            }
        }
        let format = format.unwrap_or_else(|| detect_format(path, None));
        let (feature, raws) = match format {
            AnnotationFormat::Bed => ("region", genes),
            AnnotationFormat::Gtf if !genes.is_empty() => ("gene", genes),
            AnnotationFormat::Gtf => ("transcript", transcripts),
        };
        let mut idx = StrandIndex {
            contigs: vec![Vec::new(); lengths.len()],
            format,
            feature: feature.to_string(),
            intervals: 0,
            ignored: 0,
            bases_plus: 0,
            bases_minus: 0,
            bases_both: 0,
        };
        // per contig: (position, +1/-1 on the + strand, +1/-1 on the - strand)
        let mut events: Vec<Vec<(u64, i64, i64)>> = vec![Vec::new(); lengths.len()];
        let mut resolved: HashMap<String, Option<usize>> = HashMap::new();
        for Raw {
            contig,
            start,
            end,
            plus,
            line,
            ..
        } in raws
        {
            let ci = *resolved
                .entry(contig.clone())
                .or_insert_with(|| resolve_contig(&contig, index));
            let Some(ci) = ci else {
                idx.ignored += 1;
                continue;
            };
            if end > lengths[ci] {
                return Err(CountError::Annotation {
                    path: path.to_string(),
                    line,
                    detail: format!(
                        "interval ends at {end}, past the end of contig {contig} ({} bp in the reference); give the annotation of the reference's genome build",
                        lengths[ci]
                    ),
                });
            }
            idx.intervals += 1;
            if end > start {
                let (p, m) = if plus { (1, 0) } else { (0, 1) };
                events[ci].push((start, p, m));
                events[ci].push((end, -p, -m));
            }
        }
        for (ci, mut ev) in events.into_iter().enumerate() {
            ev.sort_unstable();
            let (mut plus, mut minus, mut at) = (0i64, 0i64, 0u64);
            let segments = &mut idx.contigs[ci];
            for (pos, dp, dm) in ev {
                if pos > at {
                    let coverage = match (plus > 0, minus > 0) {
                        (true, true) => Coverage::Both,
                        (true, false) => Coverage::Plus,
                        (false, true) => Coverage::Minus,
                        (false, false) => Coverage::None,
                    };
                    if coverage != Coverage::None {
                        match segments.last_mut() {
                            Some(s) if s.end == at && s.coverage == coverage => s.end = pos,
                            _ => segments.push(Segment {
                                start: at,
                                end: pos,
                                coverage,
                            }),
                        }
                    }
                    at = pos;
                }
                plus += dp;
                minus += dm;
            }
            for s in segments.iter() {
                let len = s.end - s.start;
                match s.coverage {
                    Coverage::Plus => idx.bases_plus += len,
                    Coverage::Minus => idx.bases_minus += len,
                    Coverage::Both => idx.bases_both += len,
                    Coverage::None => {}
                }
            }
        }
        Ok(idx)
    }

    /// The coverage of the base at 0-based `pos0` of FASTA contig `contig`.
    pub fn at(&self, contig: usize, pos0: u64) -> Coverage {
        coverage_at(&self.contigs[contig], pos0)
    }

    /// The segments of one contig, for [`coverage_at`].
    pub(crate) fn contig(&self, contig: usize) -> &[Segment] {
        &self.contigs[contig]
    }
}

/// The coverage of `pos0` among sorted disjoint segments (binary search).
pub(crate) fn coverage_at(segments: &[Segment], pos0: u64) -> Coverage {
    let i = segments.partition_point(|s| s.end <= pos0);
    match segments.get(i) {
        Some(s) if s.start <= pos0 => s.coverage,
        _ => Coverage::None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn index_of(text: &str, name: &str) -> Result<StrandIndex, CountError> {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join(name);
        std::fs::write(&p, text).unwrap();
        let contigs: HashMap<String, usize> = [("chr1".to_string(), 0), ("chrM".to_string(), 1)]
            .into_iter()
            .collect();
        StrandIndex::read(p.to_str().unwrap(), &contigs, &[100, 50])
    }

    #[test]
    fn overlapping_intervals_make_both_and_adjacent_ones_merge() {
        // + on [10, 30) and [30, 40), - on [20, 50); MT = chrM
        let bed = "track name=x\n1\t10\t30\tg\t0\t+\n1\t30\t40\th\t0\t+\nchr1\t20\t50\tk\t0\t-\nMT\t0\t5\tm\t0\t-\nchrUn\t0\t5\tu\t0\t+\n";
        let idx = index_of(bed, "a.txt").unwrap();
        assert_eq!(idx.format, AnnotationFormat::Bed);
        assert_eq!((idx.intervals, idx.ignored), (4, 1));
        let seg = |s, e, coverage| Segment {
            start: s,
            end: e,
            coverage,
        };
        assert_eq!(
            idx.contig(0),
            &[
                seg(10, 20, Coverage::Plus),
                seg(20, 40, Coverage::Both),
                seg(40, 50, Coverage::Minus)
            ]
        );
        assert_eq!(idx.at(0, 9), Coverage::None);
        assert_eq!(idx.at(0, 10), Coverage::Plus);
        assert_eq!(idx.at(0, 39), Coverage::Both);
        assert_eq!(idx.at(0, 49), Coverage::Minus);
        assert_eq!(idx.at(0, 50), Coverage::None);
        assert_eq!(idx.at(1, 4), Coverage::Minus);
        assert_eq!(
            (idx.bases_plus, idx.bases_minus, idx.bases_both),
            (10, 15, 20)
        );
    }

    #[test]
    fn gtf_uses_gene_lines_else_transcript_lines() {
        let line = |feature: &str, s: u64, e: u64, strand: &str| {
            format!("chr1\tsrc\t{feature}\t{s}\t{e}\t.\t{strand}\t.\tgene_id \"g\";\n")
        };
        let both = [
            line("gene", 11, 20, "+"),
            line("transcript", 31, 40, "-"),
            line("exon", 41, 45, "-"),
        ]
        .concat();
        let idx = index_of(&both, "a.gtf").unwrap();
        assert_eq!(
            (idx.format, idx.feature.as_str()),
            (AnnotationFormat::Gtf, "gene")
        );
        assert_eq!(idx.at(0, 10), Coverage::Plus); // 1-based 11
        assert_eq!(idx.at(0, 19), Coverage::Plus);
        assert_eq!(idx.at(0, 20), Coverage::None);
        assert_eq!(idx.at(0, 35), Coverage::None);
        let only = [line("transcript", 31, 40, "-"), line("exon", 41, 45, "+")].concat();
        // recognised from the content without the extension
        let idx = index_of(&only, "annotation").unwrap();
        assert_eq!(
            (idx.format, idx.feature.as_str()),
            (AnnotationFormat::Gtf, "transcript")
        );
        assert_eq!(idx.at(0, 30), Coverage::Minus);
        assert_eq!(idx.at(0, 41), Coverage::None);
    }

    #[test]
    fn bad_lines_name_the_line() {
        let e = index_of("chr1\t1\t5\tg\t0\t+\nchr1\t1\t5\n", "a.bed").unwrap_err();
        assert!(e.to_string().contains("a.bed: line 2: 3 column(s)"), "{e}");
        let e = index_of("chr1\t1\t5\tg\t0\t.\n", "a.bed").unwrap_err();
        assert!(e.to_string().contains("line 1: strand '.'"), "{e}");
        let e = index_of("chr1\t1\t500\tg\t0\t+\n", "a.bed").unwrap_err();
        assert!(e.to_string().contains("past the end of contig chr1"), "{e}");
        let e = index_of("chr1\tx\tgene\t0\t5\t.\t+\t.\t.\n", "a.gtf").unwrap_err();
        assert!(e.to_string().contains("line 1: interval 0-5"), "{e}");
    }
}
