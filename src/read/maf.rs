//! Calls for `count` from tables: a MAF (GDC columns, streamed row by row, only the five
//! needed columns parsed), or the plain text layout `sample, chrom, pos, ref, alt`
//! (tab-separated, header optional).
//!
//! In both, `-` stands for no bases (MAF style); MAF insertions sit after
//! `Start_Position`, as the GDC writes them. A MAF call's record number in messages is
//! its first data row (header and comments not counted).

use super::calls::{CountError, SampleStats};
use super::vcf::{Bases, Call, Calls};
use std::collections::HashMap;
use std::io::BufRead;

/// The GDC MAF columns `count` reads.
pub const MAF_COLUMNS: [&str; 5] = [
    "Tumor_Sample_Barcode",
    "Chromosome",
    "Start_Position",
    "Reference_Allele",
    "Tumor_Seq_Allele2",
];

/// Collects calls with their samples and contigs numbered in order of first use.
struct Builder {
    calls: Calls,
    samples: HashMap<String, u32>,
    contigs: HashMap<String, u32>,
}

impl Builder {
    fn new(file: &str) -> Builder {
        Builder {
            calls: Calls {
                file: file.to_string(),
                samples: Vec::new(),
                contigs: Vec::new(),
                calls: Vec::new(),
                stats: Vec::new(),
                table: true,
            },
            samples: HashMap::new(),
            contigs: HashMap::new(),
        }
    }

    fn sample(&mut self, name: &str) -> u32 {
        if let Some(&i) = self.samples.get(name) {
            return i;
        }
        let i = self.calls.samples.len() as u32;
        self.calls.samples.push(name.to_string());
        self.calls.stats.push(SampleStats {
            sample: name.to_string(),
            ..SampleStats::default()
        });
        self.samples.insert(name.to_string(), i);
        i
    }

    fn contig(&mut self, name: &str) -> u32 {
        if let Some(&i) = self.contigs.get(name) {
            return i;
        }
        let i = self.calls.contigs.len() as u32;
        self.calls.contigs.push(name.to_string());
        self.contigs.insert(name.to_string(), i);
        i
    }

    /// Adds one call (duplicates are found once the calls are sorted, in `count`).
    fn add(
        &mut self,
        sample: &str,
        chrom: &str,
        pos: u64,
        reference: &str,
        alt: &str,
        record: u64,
    ) {
        let s = self.sample(sample);
        let st = &mut self.calls.stats[s as usize];
        st.records_read += 1;
        if alt == "*" || alt.contains(['<', '[', ']']) {
            st.symbolic += 1;
            return;
        }
        let bases = |x: &str| Bases::new(if x == "-" { b"" } else { x.as_bytes() });
        let contig = self.contig(chrom);
        self.calls.calls.push(Call {
            sample: s,
            contig,
            pos,
            reference: bases(reference),
            alt: bases(alt),
            file: 0,
            record,
        });
    }
}

/// Whether the first line that is not a `#` comment is a MAF header.
pub fn looks_like_maf(head: &[u8]) -> bool {
    head.split(|&b| b == b'\n')
        .find(|l| !l.starts_with(b"#") && !l.is_empty())
        .is_some_and(|l| l.windows(20).any(|w| w == b"Tumor_Sample_Barcode"))
}

/// The lines of a table that hold data (not blank, not `#` comments), without a trailing
/// `\r`, with their 1-based line numbers; a read error is a damaged or truncated file.
fn data_lines(
    input: &str,
    reader: Box<dyn BufRead + Send>,
) -> impl Iterator<Item = Result<(u64, String), CountError>> + '_ {
    reader
        .lines()
        .enumerate()
        .filter_map(move |(n, line)| match line {
            Err(e) => Some(Err(CountError::Truncated {
                path: input.to_string(),
                detail: e.to_string(),
            })),
            Ok(mut l) => {
                if l.ends_with('\r') {
                    l.pop();
                }
                let skip = l.trim().is_empty() || l.starts_with('#');
                (!skip).then_some(Ok((n as u64 + 1, l)))
            }
        })
}

/// Reads a MAF (plain, gzip or bgzip, a path or standard input) row by row: only the
/// five columns `count` needs are looked at, so memory grows with the calls, not the file.
/// Rows without REF or ALT allele are skipped; identical rows count once (the rest as
/// duplicates), as in a VCF.
pub fn read_maf(input: &str, reader: Box<dyn BufRead + Send>) -> Result<Calls, CountError> {
    let mut b = Builder::new(input);
    let mut index: Option<[usize; 5]> = None;
    let mut row = 0u64;
    for line in data_lines(input, reader) {
        let (_, line) = line?;
        let fields: Vec<&str> = line.split('\t').collect();
        let Some(idx) = index else {
            index = Some(header_index(input, &fields)?);
            continue;
        };
        row += 1;
        let get = |i: usize| fields.get(idx[i]).map(|f| f.trim()).unwrap_or("");
        let (s, c, p, r, a) = (get(0), get(1), get(2), get(3), get(4));
        if r.is_empty() || a.is_empty() {
            continue;
        }
        let bad = |detail: String| CountError::BadRecord {
            path: input.to_string(),
            record: row,
            detail,
        };
        let p: u64 = p.parse().map_err(|_| {
            bad(format!(
                "Start_Position '{p}' of sample {s} is not a whole number; fix the MAF"
            ))
        })?;
        // an insertion lies between Start_Position and the next base
        let pos = if r == "-" { p.saturating_add(1) } else { p };
        if pos == 0 {
            return Err(bad(format!(
                "Start_Position 0 of sample {s}; positions are 1-based"
            )));
        }
        b.add(s, c, pos, r, a, row);
    }
    if index.is_none() {
        return Err(CountError::Unsupported {
            path: input.to_string(),
            detail: "MAF without a header line; a GDC MAF has one".into(),
        });
    }
    Ok(b.calls)
}

/// Positions of [`MAF_COLUMNS`] in the header, or which are missing.
fn header_index(input: &str, names: &[&str]) -> Result<[usize; 5], CountError> {
    let found = MAF_COLUMNS.map(|c| names.iter().position(|n| n.trim() == c));
    let missing: Vec<&str> = MAF_COLUMNS
        .iter()
        .zip(found)
        .filter(|(_, f)| f.is_none())
        .map(|(c, _)| *c)
        .collect();
    if !missing.is_empty() {
        return Err(CountError::Unsupported {
            path: input.to_string(),
            detail: format!(
                "MAF without the column(s) {}; a GDC MAF has {}",
                missing.join(", "),
                MAF_COLUMNS.join(", ")
            ),
        });
    }
    Ok(found.map(|f| f.unwrap_or(0)))
}

/// Reads the plain text layout: `sample, chrom, pos, ref, alt` per line, tab-separated,
/// POS/REF/ALT as in a VCF (`-` for no bases), an optional header line, `#` comments.
pub fn read_text(input: &str, reader: Box<dyn BufRead + Send>) -> Result<Calls, CountError> {
    let mut b = Builder::new(input);
    let mut first = true;
    for line in data_lines(input, reader) {
        let (line_no, line) = line?;
        let f: Vec<&str> = line.split('\t').collect();
        let bad = |detail: String| CountError::BadRecord {
            path: input.to_string(),
            record: line_no,
            detail,
        };
        if f.len() != 5 {
            return Err(bad(format!(
                "{} fields; the text layout is sample, chrom, pos, ref, alt (tab-separated), and a VCF needs its header (##fileformat=VCF…)",
                f.len()
            )));
        }
        let is_first = std::mem::replace(&mut first, false);
        let Ok(pos) = f[2].trim().parse::<u64>() else {
            if is_first {
                continue; // the header line
            }
            return Err(bad(format!(
                "pos '{}' is not a whole number; fix the line",
                f[2]
            )));
        };
        if pos == 0 {
            return Err(bad("pos 0: positions are 1-based; fix the line".into()));
        }
        b.add(f[0], f[1], pos, f[3], f[4], line_no);
    }
    Ok(b.calls)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maf_headers_are_recognised_after_comments() {
        assert!(looks_like_maf(
            b"#version 2.4\nHugo_Symbol\tTumor_Sample_Barcode\n"
        ));
        assert!(!looks_like_maf(b"S1\tchr1\t4\tC\tT\n"));
    }

    #[test]
    fn text_layout_with_a_header_and_dashes() {
        let text = "sample\tchrom\tpos\tref\talt\nS1\tchr1\t4\tC\tT\nS2\tchr1\t9\tA\t-\n";
        let calls = read_text("x.txt", Box::new(text.as_bytes())).unwrap();
        assert_eq!(calls.samples, ["S1", "S2"]);
        assert_eq!(calls.calls.len(), 2);
        assert!(calls.calls[1].alt.is_empty());
        let bad = read_text(
            "x.txt",
            Box::new(&b"S1\tchr1\tx4\tC\tT\nS1\tchr1\tfour\tC\tT\n"[..]),
        );
        assert!(bad.is_err());
    }
}
