//! Variant calls for `count`: VCF, plain, gzip or bgzip, and BCF (noodles), from a file or
//! standard input (MAF and the plain text layout are recognised here and read by
//! [`super::maf`]). Multi-allelic records are split, genotypes decide which sample
//! carries which allele, and FILTER, symbolic alleles and `--min-vaf` are applied here;
//! the reference checks and the classification happen in `count`.

use super::calls::{CountError, SampleFrom, SampleStats};
use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read};

/// How calls are read.
#[derive(Debug, Clone, Copy)]
pub struct ReadOptions {
    /// Where the sample names come from.
    pub sample_from: SampleFrom,
    /// Keep calls whatever their FILTER.
    pub all_filters: bool,
    /// Minimum variant allele fraction.
    pub min_vaf: Option<f64>,
}

/// The bases of an allele: up to 22 held inline (no allocation for almost every call),
/// longer ones on the heap. Compares and sorts as a value; derefs to the bytes.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Bases {
    /// Length and bases.
    Inline(u8, [u8; 22]),
    /// More than 22 bases.
    Heap(Box<[u8]>),
}

impl Bases {
    /// The bases, upper-cased.
    pub fn new(bases: &[u8]) -> Bases {
        if bases.len() <= 22 {
            let mut b = [0u8; 22];
            b[..bases.len()].copy_from_slice(bases);
            b[..bases.len()].make_ascii_uppercase();
            Bases::Inline(bases.len() as u8, b)
        } else {
            Bases::Heap(bases.to_ascii_uppercase().into_boxed_slice())
        }
    }
}

impl std::ops::Deref for Bases {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            Bases::Inline(n, b) => &b[..*n as usize],
            Bases::Heap(b) => b,
        }
    }
}

/// One alternative allele of one record, carried by one sample. Fields in sort order:
/// `count` sorts all calls by contig, sample, position and alleles.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Call {
    /// Index into [`Calls::contigs`] (in `count`: the FASTA contig).
    pub contig: u32,
    /// Index into [`Calls::samples`] (in `count`: the catalogue column).
    pub sample: u32,
    /// 1-based position of REF's first base.
    pub pos: u64,
    /// REF, upper case.
    pub reference: Bases,
    /// This ALT, upper case.
    pub alt: Bases,
    /// Which input (set by `count`).
    pub file: u32,
    /// 1-based record number in the file.
    pub record: u64,
}

/// What one input holds.
#[derive(Debug)]
pub struct Calls {
    /// The input as given.
    pub file: String,
    /// Its samples (catalogue columns).
    pub samples: Vec<String>,
    /// Contig names as written, indexed by [`Call::contig`].
    pub contigs: Vec<String>,
    /// The calls kept.
    pub calls: Vec<Call>,
    /// Per sample: records read and calls left out here.
    pub stats: Vec<SampleStats>,
    /// Read from a MAF or text table, which has no FILTER, allele fractions or sample
    /// columns: `--all-filters`, `--min-vaf` and `--sample-from` did not apply.
    pub table: bool,
}

/// A sample name from a file name: the last path component without `.vcf`, `.vcf.gz`,
/// `.vcf.bgz`, `.gz` (`-`: `stdin`).
pub fn sample_from_filename(input: &str) -> String {
    if input == "-" {
        return "stdin".into();
    }
    let base = std::path::Path::new(input)
        .file_name()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| input.to_string());
    let mut name = base.as_str();
    for suffix in [".gz", ".bgz", ".vcf", ".txt"] {
        name = name.strip_suffix(suffix).unwrap_or(name);
    }
    name.to_string()
}

/// Opens a file or standard input, decompressing gzip (bgzip with noodles' reader).
pub(crate) fn open(input: &str) -> Result<(Box<dyn BufRead + Send>, bool), CountError> {
    let io_err = |e| CountError::Io {
        path: input.to_string(),
        source: e,
    };
    let raw: Box<dyn Read + Send> = if input == "-" {
        Box::new(std::io::stdin())
    } else {
        Box::new(std::fs::File::open(input).map_err(io_err)?)
    };
    let mut buf = BufReader::with_capacity(1 << 16, raw);
    let head = buf.fill_buf().map_err(io_err)?;
    if head.starts_with(&[0x1f, 0x8b]) {
        // BGZF: FEXTRA set and a `BC` subfield first
        let bgzf = head.len() >= 14 && head[3] & 4 != 0 && head[12] == b'B' && head[13] == b'C';
        let inner: Box<dyn Read + Send> = if bgzf {
            Box::new(noodles::bgzf::io::Reader::new(buf))
        } else {
            Box::new(flate2::bufread::MultiGzDecoder::new(buf))
        };
        Ok((Box::new(BufReader::with_capacity(1 << 16, inner)), true))
    } else {
        Ok((Box::new(buf), false))
    }
}

/// A BCF stream read as VCF text: noodles decodes each record and writes it as a VCF
/// line, so BCF goes through the same checks as VCF.
struct BcfAsVcf<R> {
    reader: noodles::bcf::io::Reader<R>,
    header: noodles::vcf::Header,
    record: noodles::bcf::Record,
    buf: Vec<u8>,
    at: usize,
    done: bool,
}

impl<R: Read> BcfAsVcf<R> {
    fn new(inner: R) -> std::io::Result<Self> {
        let mut reader = noodles::bcf::io::Reader::from(inner);
        let header = reader.read_header()?;
        let mut buf = Vec::new();
        noodles::vcf::io::Writer::new(&mut buf).write_header(&header)?;
        Ok(BcfAsVcf {
            reader,
            header,
            record: noodles::bcf::Record::default(),
            buf,
            at: 0,
            done: false,
        })
    }
}

impl<R: Read> Read for BcfAsVcf<R> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        let avail = self.fill_buf()?;
        let n = avail.len().min(out.len());
        out[..n].copy_from_slice(&avail[..n]);
        self.consume(n);
        Ok(n)
    }
}

impl<R: Read> BufRead for BcfAsVcf<R> {
    fn fill_buf(&mut self) -> std::io::Result<&[u8]> {
        use noodles::vcf::variant::io::Write as _;
        while self.at >= self.buf.len() && !self.done {
            self.buf.clear();
            self.at = 0;
            let mut writer = noodles::vcf::io::Writer::new(&mut self.buf);
            for _ in 0..256 {
                if self.reader.read_record(&mut self.record)? == 0 {
                    self.done = true;
                    break;
                }
                writer.write_variant_record(&self.header, &self.record)?;
            }
        }
        Ok(&self.buf[self.at..])
    }

    fn consume(&mut self, n: usize) {
        self.at += n;
    }
}

/// Reads the calls of one input.
pub fn read_calls(input: &str, options: &ReadOptions) -> Result<Calls, CountError> {
    let (mut reader, compressed) = open(input)?;
    // a read error of compressed input is a damaged or truncated file
    let compressed_err = |e: std::io::Error| match e.kind() {
        std::io::ErrorKind::NotFound | std::io::ErrorKind::PermissionDenied => CountError::Io {
            path: input.to_string(),
            source: e,
        },
        _ if !compressed => CountError::Io {
            path: input.to_string(),
            source: e,
        },
        _ => CountError::Truncated {
            path: input.to_string(),
            detail: e.to_string(),
        },
    };
    let head = reader.fill_buf().map_err(compressed_err)?;
    if head.starts_with(b"BCF") {
        reader = Box::new(BcfAsVcf::new(reader).map_err(|e| CountError::BadHeader {
            path: input.to_string(),
            detail: format!("BCF: {e}"),
        })?);
    }
    let head = reader.fill_buf().map_err(compressed_err)?;
    if !head.starts_with(b"##fileformat=VCF") {
        if super::maf::looks_like_maf(head) {
            return super::maf::read_maf(input, reader);
        }
        let five_fields = head
            .split(|&b| b == b'\n')
            .find(|l| !l.starts_with(b"#") && !l.is_empty())
            .is_some_and(|l| l.split(|&b| b == b'\t').count() == 5);
        if five_fields {
            return super::maf::read_text(input, reader);
        }
        return Err(CountError::NoHeader {
            path: input.to_string(),
        });
    }
    let mut vcf = noodles::vcf::io::Reader::new(reader);
    let header = vcf.read_header().map_err(|e| CountError::BadHeader {
        path: input.to_string(),
        detail: e.to_string(),
    })?;
    let columns: Vec<String> = header.sample_names().iter().cloned().collect();
    let by_file = options.sample_from == SampleFrom::Filename || columns.is_empty();
    let samples = if by_file {
        vec![sample_from_filename(input)]
    } else {
        columns.clone()
    };
    let mut out = Calls {
        file: input.to_string(),
        stats: samples
            .iter()
            .map(|s| SampleStats {
                sample: s.clone(),
                ..SampleStats::default()
            })
            .collect(),
        samples,
        contigs: Vec::new(),
        calls: Vec::new(),
        table: false,
    };
    let mut contig_ids: HashMap<String, u32> = HashMap::new();
    let mut record = noodles::vcf::Record::default();
    let mut n: u64 = 0;
    let mut carriers: Vec<(usize, Vec<u32>)> = Vec::new();
    loop {
        match vcf.read_record(&mut record) {
            Ok(0) => break,
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::InvalidData && !compressed => {
                return Err(CountError::BadRecord {
                    path: input.to_string(),
                    record: n + 1,
                    detail: format!("{e}; fix or remove the record"),
                });
            }
            Err(e) => return Err(compressed_err(e)),
        }
        n += 1;
        let bad = |detail: String| CountError::BadRecord {
            path: input.to_string(),
            record: n,
            detail,
        };
        let chrom = record.reference_sequence_name();
        let pos = match record.variant_start() {
            Some(Ok(p)) => usize::from(p) as u64,
            Some(Err(e)) => return Err(bad(format!("invalid POS: {e}; fix the record"))),
            None => return Err(bad("POS is missing or 0; fix the record".into())),
        };
        let reference = record.reference_bases();
        if reference.is_empty() || reference == "." {
            return Err(bad("REF is empty; fix the record".into()));
        }
        let alt_field = record.alternate_bases();
        let alts: Vec<&str> = alt_field.as_ref().split(',').collect();
        let filter_field = record.filters();
        let filter = filter_field.as_ref();
        let passes = options.all_filters || filter == "PASS" || filter == "." || filter.is_empty();
        // which samples carry which alternative (1-based allele numbers)
        carriers.clear();
        // FORMAT and the sample columns, as written
        let sample_field = record.samples();
        let mut columns = sample_field.as_ref().split('\t').filter(|c| !c.is_empty());
        let keys: Vec<&str> = columns
            .next()
            .map(|k| k.split(':').collect())
            .unwrap_or_default();
        let gt = keys.iter().position(|k| *k == "GT");
        let fields: Vec<Vec<&str>> = columns.map(|c| c.split(':').collect()).collect();
        if !by_file && fields.len() != out.samples.len() {
            return Err(bad(format!(
                "{} sample columns where the header names {}; fix the record",
                fields.len(),
                out.samples.len()
            )));
        }
        // without GT a call cannot be given to one of several columns (Strelka2's
        // NORMAL/TUMOR): refuse rather than copy it into every column
        if !by_file && gt.is_none() && fields.len() > 1 {
            return Err(bad(format!(
                "no GT among the FORMAT keys, so which of the {} sample columns carries the call is unknown; give --sample-from filename (one column per file, as for tumour-normal VCFs without genotypes)",
                fields.len()
            )));
        }
        let all: Vec<u32> = (1..=alts.len() as u32).collect();
        if by_file {
            let any = gt.is_none_or(|g| {
                fields.is_empty()
                    || fields
                        .iter()
                        .any(|f| alleles(f.get(g).copied()).iter().any(|&a| a > 0))
            });
            if any {
                carriers.push((0, all.clone()));
            }
        } else {
            for (i, f) in fields.iter().enumerate() {
                let has: Vec<u32> = match gt {
                    None => all.clone(),
                    Some(g) => alleles(f.get(g).copied()),
                };
                let has: Vec<u32> = all.iter().copied().filter(|a| has.contains(a)).collect();
                if !has.is_empty() {
                    carriers.push((i, has));
                }
            }
        }
        if carriers.is_empty() {
            continue;
        }
        let contig = match contig_ids.get(chrom) {
            Some(&c) => c,
            None => {
                let c = out.contigs.len() as u32;
                out.contigs.push(chrom.to_string());
                contig_ids.insert(chrom.to_string(), c);
                c
            }
        };
        let reference = Bases::new(reference.as_bytes());
        for (s, has) in &carriers {
            let st = &mut out.stats[*s];
            st.records_read += 1;
            if !passes {
                st.filtered += has.len() as u64;
                continue;
            }
            for &a in has {
                let alt = alts[a as usize - 1];
                if alt == "*" || alt == "." || alt.contains(['<', '[', ']']) {
                    st.symbolic += 1;
                    continue;
                }
                if let Some(min) = options.min_vaf {
                    let vaf = if by_file {
                        fields
                            .iter()
                            .filter_map(|f| vaf(&keys, f, a as usize))
                            .reduce(f64::max)
                    } else {
                        vaf(&keys, &fields[*s], a as usize)
                    };
                    if vaf.is_some_and(|v| v < min) {
                        st.low_vaf += 1;
                        continue;
                    }
                }
                out.calls.push(Call {
                    sample: *s as u32,
                    contig,
                    pos,
                    reference: reference.clone(),
                    alt: Bases::new(alt.as_bytes()),
                    file: 0,
                    record: n,
                });
            }
        }
    }
    Ok(out)
}

/// Allele numbers of a GT value (`0/1`, `1|2`, `./.` → none).
fn alleles(gt: Option<&str>) -> Vec<u32> {
    gt.map(|g| {
        g.split(['/', '|'])
            .filter_map(|a| a.parse::<u32>().ok())
            .collect()
    })
    .unwrap_or_default()
}

/// The variant allele fraction of allele `a` (1-based): FORMAT AF, else AD.
fn vaf(keys: &[&str], fields: &[&str], a: usize) -> Option<f64> {
    let get = |key: &str| {
        keys.iter()
            .position(|k| *k == key)
            .and_then(|i| fields.get(i).copied())
    };
    if let Some(af) = get("AF")
        && let Some(v) = af.split(',').nth(a - 1).and_then(|v| v.parse::<f64>().ok())
    {
        return Some(v);
    }
    let ad: Vec<f64> = get("AD")?
        .split(',')
        .map(|v| v.parse::<f64>().ok())
        .collect::<Option<_>>()?;
    let total: f64 = ad.iter().sum();
    (total > 0.0 && a < ad.len()).then(|| ad[a] / total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn genotypes_and_allele_fractions() {
        assert_eq!(alleles(Some("0/1")), vec![0, 1]);
        assert_eq!(alleles(Some("1|2")), vec![1, 2]);
        assert!(alleles(Some("./.")).is_empty());
        let keys = ["GT", "AD", "AF"];
        assert_eq!(vaf(&keys, &["0/1", "30,10", "0.2"], 1), Some(0.2));
        assert_eq!(vaf(&keys[..2], &["0/1", "30,10"], 1), Some(0.25));
        assert_eq!(vaf(&keys[..1], &["0/1"], 1), None);
    }

    #[test]
    fn sample_names_from_file_names() {
        assert_eq!(sample_from_filename("dir/T1.vcf.gz"), "T1");
        assert_eq!(sample_from_filename("T2.vcf"), "T2");
        assert_eq!(sample_from_filename("-"), "stdin");
    }
}
