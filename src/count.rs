//! `count`: variant calls (VCF, MAF, plain text) and a reference genome into SBS96,
//! SBS1536, DBS78 and ID83 catalogues, and with a gene annotation SBS288 and SBS384
//! (transcriptional strand, [`crate::read::transcripts`]).
//!
//! The pipeline: every input is read (in parallel, [`crate::read::vcf`]), its contig names
//! matched to the FASTA's ([`resolve_contig`]), then one contig of the reference at a time
//! is loaded ([`crate::read::fasta`]) and the calls on it are checked against it (REF must
//! match), deduplicated and classified per sample ([`sbs`], [`dbs`], [`indel`]). Counts
//! are integers summed per sample, so the result does not depend on the thread count.

pub mod dbs;
pub mod indel;
pub mod sbs;

pub use crate::read::calls::{CountError, SampleFrom, SampleStats, resolve_contig};
use crate::read::fasta::Fasta;
use crate::read::transcripts::{Segment, StrandIndex, coverage_at};
use crate::read::vcf::{self, Call, ReadOptions};
use crate::settings::SettingsError;
use rayon::prelude::*;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::path::PathBuf;

/// What `count` reads and how it filters.
#[derive(Debug, Clone)]
pub struct CountSettings {
    /// VCF files (plain or gzip/bgzip), `-` for standard input.
    pub inputs: Vec<String>,
    /// Reference FASTA with its `.fai` (and `.gzi` when bgzip-compressed).
    pub fasta: PathBuf,
    /// Sample names from the VCF columns or the file names.
    pub sample_from: SampleFrom,
    /// Count calls whatever their FILTER (default: `PASS` or `.` only).
    pub all_filters: bool,
    /// Drop calls whose variant allele fraction (FORMAT AF, else AD) is below this.
    pub min_vaf: Option<f64>,
    /// Count only calls whose first REF base lies in these regions.
    pub bed: Option<PathBuf>,
    /// Genome build, recorded in the outputs (`GRCh38`).
    pub genome_build: Option<String>,
    /// Gene annotation (BED6 or GTF) for the transcriptional strand: SBS288 and SBS384
    /// are counted only with it.
    pub transcripts: Option<PathBuf>,
}

impl CountSettings {
    /// Checks the settings before any file is read.
    pub fn check(&self) -> Result<(), SettingsError> {
        if let Some(v) = self.min_vaf
            && !(0.0..=1.0).contains(&v)
        {
            return Err(SettingsError::new(
                "--min-vaf",
                crate::settings::show(v),
                "expected a fraction in [0, 1]",
            ));
        }
        if self.inputs.iter().filter(|i| *i == "-").count() > 1 {
            return Err(SettingsError::new(
                "INPUT",
                "- -",
                "standard input can be read once; give '-' at most once",
            ));
        }
        if let Some(b) = &self.genome_build
            && (b.trim().is_empty() || b.contains(['\t', '\n', '\r']))
        {
            return Err(SettingsError::new(
                "--genome-build",
                format!("'{b}'"),
                "expected a name such as GRCh38",
            ));
        }
        Ok(())
    }
}

/// A contig name of the calls that was matched to another name in the FASTA.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
pub struct ContigRename {
    /// As written in the calls (`1`, `MT`).
    pub from: String,
    /// As in the FASTA (`chr1`, `chrM`).
    pub to: String,
}

/// The counted catalogues and what was left out.
#[derive(Debug, Clone)]
pub struct Counted {
    /// Catalogue columns, in order of first appearance in the inputs.
    pub samples: Vec<String>,
    /// SBS96 counts, one vector of 96 per sample.
    pub sbs96: Vec<Vec<u64>>,
    /// SBS1536 counts (two bases either side), one vector of 1536 per sample; an SBS
    /// within two bases of a contig end or of an `N` is in SBS96 only.
    pub sbs1536: Vec<Vec<u64>>,
    /// SBS384 counts (`--transcripts`), one vector of 384 per sample in the order of
    /// [`sbs::sbs384_labels`]; summed over the four strand classes they are `sbs96`.
    pub sbs384: Option<Vec<Vec<u64>>>,
    /// The annotation read for SBS384 (`--transcripts`).
    pub strand_index: Option<crate::read::transcripts::StrandIndex>,
    /// DBS78 counts, one vector of 78 per sample.
    pub dbs78: Vec<Vec<u64>>,
    /// ID83 counts, one vector of 83 per sample.
    pub id83: Vec<Vec<u64>>,
    /// Per-sample statistics, in column order.
    pub stats: Vec<SampleStats>,
    /// Contig names matched under another spelling.
    pub renamed: Vec<ContigRename>,
    /// `--bed`: bases covered by its regions (overlaps merged).
    pub bed_bases: Option<u64>,
    /// Notes for the user (samples with nothing counted, renamed contigs).
    pub warnings: Vec<String>,
}

/// Counts the catalogues of `settings` (the settings are checked first).
pub fn count(settings: &CountSettings) -> Result<Counted, CountError> {
    settings.check()?;
    let mut fasta = Fasta::open(&settings.fasta)?;
    let options = ReadOptions {
        sample_from: settings.sample_from,
        all_filters: settings.all_filters,
        min_vaf: settings.min_vaf,
    };
    let read: Vec<Result<vcf::Calls, CountError>> = settings
        .inputs
        .par_iter()
        .map(|input| vcf::read_calls(input, &options))
        .collect();
    let read = read.into_iter().collect::<Result<Vec<_>, _>>()?;
    let tables: Vec<String> = read
        .iter()
        .filter(|c| c.table)
        .map(|c| c.file.clone())
        .collect();

    // samples in order of first appearance; the same name in several files is one column
    let mut samples: Vec<String> = Vec::new();
    let mut sample_index: HashMap<String, u32> = HashMap::new();
    let mut stats: Vec<SampleStats> = Vec::new();
    let contig_index: HashMap<String, usize> = fasta
        .contigs()
        .iter()
        .enumerate()
        .map(|(i, (n, _))| (n.clone(), i))
        .collect();
    let mut renamed = std::collections::BTreeSet::new();
    // every call of every input in one vector, renumbered to FASTA contigs and catalogue
    // columns in place (the memory of `count` is this vector)
    let mut all: Vec<Call> = Vec::new();
    for (f, mut calls) in read.into_iter().enumerate() {
        let local: Vec<u32> = calls
            .samples
            .iter()
            .map(|s| {
                *sample_index.entry(s.clone()).or_insert_with(|| {
                    samples.push(s.clone());
                    stats.push(SampleStats {
                        sample: s.clone(),
                        ..SampleStats::default()
                    });
                    (samples.len() - 1) as u32
                })
            })
            .collect();
        for (l, st) in calls.stats.iter().enumerate() {
            stats[local[l] as usize].add(st);
        }
        let mut contig_of = Vec::with_capacity(calls.contigs.len());
        for c in &calls.contigs {
            contig_of.push(resolve_contig(c, &contig_index));
        }
        let mut used = vec![false; calls.contigs.len()];
        for call in calls.calls.iter_mut() {
            let written = call.contig as usize;
            let Some(ci) = contig_of[written] else {
                let contig = calls.contigs[written].clone();
                return Err(missing_contig(&calls.file, call.record, contig, &fasta));
            };
            used[written] = true;
            call.contig = ci as u32;
            call.sample = local[call.sample as usize];
            call.file = f as u32;
        }
        for (w, ci) in contig_of.iter().enumerate() {
            if let Some(ci) = ci
                && used[w]
                && fasta.contigs()[*ci].0 != calls.contigs[w]
            {
                renamed.insert(ContigRename {
                    from: calls.contigs[w].clone(),
                    to: fasta.contigs()[*ci].0.clone(),
                });
            }
        }
        if all.is_empty() {
            all = std::mem::take(&mut calls.calls);
        } else {
            all.append(&mut calls.calls);
        }
    }

    let regions = match &settings.bed {
        Some(bed) => Some(crate::read::fasta::read_bed(bed, &contig_index)?),
        None => None,
    };
    let bed_bases = regions.as_ref().map(|r| {
        r.iter()
            .flat_map(|v| v.iter().map(|(s, e)| e - s))
            .sum::<u64>()
    });

    let strand_index = match &settings.transcripts {
        Some(t) => {
            let lengths: Vec<u64> = fasta.contigs().iter().map(|(_, l)| *l).collect();
            let path = t.display().to_string();
            Some(StrandIndex::read(&path, &contig_index, &lengths)?)
        }
        None => None,
    };

    let n = samples.len();
    let mut sbs384 = vec![vec![0u64; 384]; n];
    let mut sbs96 = vec![vec![0u64; 96]; n];
    let mut sbs1536 = vec![vec![0u64; 1536]; n];
    let mut dbs78 = vec![vec![0u64; 78]; n];
    let mut id83 = vec![vec![0u64; 83]; n];
    let files: Vec<&str> = settings.inputs.iter().map(|s| s.as_str()).collect();
    if let Some(regions) = &regions {
        all.retain(|c| {
            let keep = in_regions(&regions[c.contig as usize], c.pos - 1);
            if !keep {
                stats[c.sample as usize].outside_bed += 1;
            }
            keep
        });
    }
    all.par_sort_unstable();
    for bucket in all.chunk_by(|a, b| a.contig == b.contig) {
        let ci = bucket[0].contig as usize;
        let seq = fasta.load(ci)?;
        let name = fasta.contigs()[ci].0.clone();
        let ctx = ContigCtx {
            seq: &seq,
            name: &name,
            fasta: fasta.shown(),
            files: &files,
            strand: strand_index.as_ref().map_or(&[], |x| x.contig(ci)),
        };
        let per_sample: Vec<&[Call]> = bucket.chunk_by(|a, b| a.sample == b.sample).collect();
        let partial: Vec<Result<Tally, CountError>> = per_sample
            .par_iter()
            .map(|calls| ctx.tally(calls))
            .collect();
        for (calls, t) in per_sample.iter().zip(partial) {
            let t = t?;
            let s = calls[0].sample as usize;
            add_into(&mut sbs96[s], &t.sbs96);
            add_into(&mut sbs1536[s], &t.sbs1536);
            add_into(&mut sbs384[s], &t.sbs384);
            add_into(&mut dbs78[s], &t.dbs78);
            add_into(&mut id83[s], &t.id83);
            stats[s].add(&t.stats);
        }
    }
    let renamed: Vec<ContigRename> = renamed.into_iter().collect();
    let mut warnings = Vec::new();
    let vcf_only = [
        (settings.all_filters, "--all-filters"),
        (settings.min_vaf.is_some(), "--min-vaf"),
        (
            settings.sample_from == SampleFrom::Filename,
            "--sample-from filename",
        ),
    ];
    let flags: Vec<&str> = vcf_only.iter().filter(|f| f.0).map(|f| f.1).collect();
    if !flags.is_empty() {
        for file in &tables {
            warnings.push(format!(
                "{file}: counted without {}, which apply to VCF/BCF input only (a MAF or text table has no FILTER, allele fractions or sample columns)",
                flags.join(", ")
            ));
        }
    }
    if !renamed.is_empty() {
        let list: Vec<String> = renamed
            .iter()
            .map(|r| format!("{}→{}", r.from, r.to))
            .collect();
        warnings.push(format!(
            "contig names of the calls matched to the reference's under another spelling: {}",
            list.join(", ")
        ));
    }
    if let Some(x) = &strand_index
        && x.intervals == 0
    {
        warnings.push(format!(
            "--transcripts: no {} interval on a contig of the reference ({} on other contigs); every SBS is N (non-transcribed) in SBS288 and SBS384",
            x.feature, x.ignored
        ));
    }
    for st in &stats {
        if st.counted() == 0 {
            warnings.push(format!(
                "sample {}: no countable mutation ({} records read); its column is all zeros",
                st.sample, st.records_read
            ));
        }
    }
    Ok(Counted {
        samples,
        sbs96,
        sbs1536,
        sbs384: strand_index.as_ref().map(|_| sbs384),
        strand_index,
        dbs78,
        id83,
        stats,
        renamed,
        bed_bases,
        warnings,
    })
}

fn missing_contig(file: &str, record: u64, contig: String, fasta: &Fasta) -> CountError {
    let names: Vec<&str> = fasta.contigs().iter().map(|(n, _)| n.as_str()).collect();
    let mut known = names.iter().take(5).copied().collect::<Vec<_>>().join(", ");
    if names.len() > 5 {
        known.push_str(&format!(" … {} in all", names.len()));
    }
    CountError::MissingContig {
        path: file.to_string(),
        record,
        contig,
        fasta: fasta.shown().to_string(),
        known,
    }
}

fn in_regions(regions: &[(u64, u64)], pos0: u64) -> bool {
    let i = regions.partition_point(|&(_, e)| e <= pos0);
    regions.get(i).is_some_and(|&(s, _)| s <= pos0)
}

fn add_into(total: &mut [u64], part: &[u64]) {
    for (t, p) in total.iter_mut().zip(part) {
        *t += p;
    }
}

/// Counts of one sample on one contig.
struct Tally {
    sbs96: Vec<u64>,
    sbs1536: Vec<u64>,
    sbs384: Vec<u64>,
    dbs78: Vec<u64>,
    id83: Vec<u64>,
    stats: SampleStats,
}

struct ContigCtx<'a> {
    seq: &'a [u8],
    name: &'a str,
    fasta: &'a str,
    files: &'a [&'a str],
    /// The annotation's segments on this contig (empty without `--transcripts`).
    strand: &'a [Segment],
}

/// What a call is once the bases REF and ALT share are removed.
enum Event {
    Snv(u64, u8),
    Doublet(u64, [u8; 2]),
    Indel(indel::IndelKind, u64, Vec<u8>),
    Mnv,
    Complex,
}

/// Classifies a call (0-based position of REF's first base) by trimming the shared
/// leading, then trailing, bases.
fn event(pos0: u64, reference: &[u8], alt: &[u8]) -> Event {
    let pre = reference
        .iter()
        .zip(alt)
        .take_while(|(a, b)| a == b)
        .count();
    let (r, a) = (&reference[pre..], &alt[pre..]);
    let suf = r
        .iter()
        .rev()
        .zip(a.iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    let (r, a) = (&r[..r.len() - suf], &a[..a.len() - suf]);
    let at = pos0 + pre as u64;
    match (r.len(), a.len()) {
        (1, 1) => Event::Snv(at, a[0]),
        (2, 2) if r[0] != a[0] && r[1] != a[1] => Event::Doublet(at, [a[0], a[1]]),
        (0, 0) => Event::Complex,
        (x, y) if x == y => Event::Mnv,
        (0, _) => Event::Indel(indel::IndelKind::Insertion, at, a.to_vec()),
        (_, 0) => Event::Indel(indel::IndelKind::Deletion, at, r.to_vec()),
        _ => Event::Complex,
    }
}

impl ContigCtx<'_> {
    /// Counts one sample's calls on this contig (sorted by position, duplicates adjacent).
    fn tally(&self, calls: &[Call]) -> Result<Tally, CountError> {
        let mut t = Tally {
            sbs96: vec![0; 96],
            sbs1536: vec![0; 1536],
            sbs384: vec![0; 384],
            dbs78: vec![0; 78],
            id83: vec![0; 83],
            stats: SampleStats::default(),
        };
        let seq = self.seq;
        let mut snvs: Vec<(u64, u8)> = Vec::new();
        let mut previous: Option<&Call> = None;
        for c in calls {
            if previous
                .is_some_and(|p| p.pos == c.pos && p.reference == c.reference && p.alt == c.alt)
            {
                t.stats.duplicate += 1;
                continue;
            }
            previous = Some(c);
            let pos0 = c.pos - 1;
            // a position from a text or MAF file can be any u64: no overflow, no panic
            let end = usize::try_from(pos0)
                .ok()
                .and_then(|p| p.checked_add(c.reference.len()))
                .filter(|&e| e <= seq.len());
            let Some(end) = end else {
                return Err(CountError::RefPastEnd {
                    path: self.files[c.file as usize].to_string(),
                    record: c.record,
                    contig: self.name.to_string(),
                    pos: c.pos,
                    len: c.reference.len(),
                    contig_len: seq.len() as u64,
                    fasta: self.fasta.to_string(),
                });
            };
            if seq[pos0 as usize..end] != *c.reference {
                t.stats.ref_mismatch += 1;
                continue;
            }
            match event(pos0, &c.reference, &c.alt) {
                Event::Snv(p, a) => snvs.push((p, a)),
                Event::Doublet(p, a) => {
                    let p = p as usize;
                    match dbs::dbs78_channel([seq[p], seq[p + 1]], a) {
                        Some(i) => {
                            t.dbs78[i] += 1;
                            t.stats.dbs += 1;
                        }
                        None => t.stats.ambiguous += 1,
                    }
                }
                Event::Indel(kind, p, bases) => {
                    match indel::id83_channel(seq, kind, p as usize, &bases) {
                        Some(i) => {
                            t.id83[i] += 1;
                            t.stats.id += 1;
                        }
                        None => t.stats.ambiguous += 1,
                    }
                }
                Event::Mnv => t.stats.mnv += 1,
                Event::Complex => t.stats.complex += 1,
            }
        }
        snvs.sort_unstable();
        // the same SNV written two ways (`C>T`, and `CA>TA` of a split multi-allelic
        // record or a second caller) is one mutation once trimmed
        let before = snvs.len();
        snvs.dedup();
        t.stats.duplicate += (before - snvs.len()) as u64;
        self.substitutions(&snvs, &mut t);
        Ok(t)
    }

    /// SNVs in runs of adjacent positions: alone → SBS96, two → DBS78, more → MNV.
    /// Two different alleles at one position are each an SBS, never part of a doublet.
    fn substitutions(&self, snvs: &[(u64, u8)], t: &mut Tally) {
        let seq = self.seq;
        let mut i = 0;
        while i < snvs.len() {
            let mut j = i + 1;
            let single_at = |k: usize| {
                (k == 0 || snvs[k - 1].0 != snvs[k].0)
                    && (k + 1 == snvs.len() || snvs[k + 1].0 != snvs[k].0)
            };
            if single_at(i) {
                while j < snvs.len() && snvs[j].0 == snvs[j - 1].0 + 1 && single_at(j) {
                    j += 1;
                }
            }
            match j - i {
                1 => {
                    let p = snvs[i].0 as usize;
                    let ch = (p > 0 && p + 1 < seq.len())
                        .then(|| sbs::sbs96_channel(seq[p - 1], seq[p], snvs[i].1, seq[p + 1]))
                        .flatten();
                    match ch {
                        Some(c) => {
                            t.sbs96[c] += 1;
                            t.stats.sbs += 1;
                            let coverage = coverage_at(self.strand, p as u64);
                            t.sbs384[96 * sbs::strand_class(coverage, seq[p]) + c] += 1;
                            if p >= 2 && p + 2 < seq.len() {
                                let five = [seq[p - 2], seq[p - 1], seq[p], seq[p + 1], seq[p + 2]];
                                if let Some(c) = sbs::sbs1536_channel(five, snvs[i].1) {
                                    t.sbs1536[c] += 1;
                                }
                            }
                        }
                        None => t.stats.ambiguous += 1,
                    }
                }
                2 => {
                    let p = snvs[i].0 as usize;
                    match dbs::dbs78_channel([seq[p], seq[p + 1]], [snvs[i].1, snvs[j - 1].1]) {
                        Some(c) => {
                            t.dbs78[c] += 1;
                            t.stats.dbs += 1;
                        }
                        None => t.stats.ambiguous += 2,
                    }
                }
                k => t.stats.mnv += k as u64,
            }
            i = j;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trimming_finds_the_event() {
        assert!(matches!(event(9, b"A", b"G"), Event::Snv(9, b'G')));
        assert!(matches!(event(9, b"AC", b"AT"), Event::Snv(10, b'T')));
        assert!(matches!(
            event(9, b"AC", b"GT"),
            Event::Doublet(9, [b'G', b'T'])
        ));
        assert!(matches!(event(9, b"ACG", b"TCA"), Event::Mnv));
        match event(9, b"AGT", b"A") {
            Event::Indel(indel::IndelKind::Deletion, 10, d) => assert_eq!(d, b"GT"),
            _ => panic!("deletion expected"),
        }
        match event(9, b"A", b"ATT") {
            Event::Indel(indel::IndelKind::Insertion, 10, d) => assert_eq!(d, b"TT"),
            _ => panic!("insertion expected"),
        }
        assert!(matches!(event(9, b"AGT", b"C"), Event::Complex));
    }

    #[test]
    fn contig_names_are_reconciled() {
        let index: HashMap<String, usize> = [("chr1", 0), ("chrM", 1), ("2", 2)]
            .into_iter()
            .map(|(n, i)| (n.to_string(), i))
            .collect();
        assert_eq!(resolve_contig("chr1", &index), Some(0));
        assert_eq!(resolve_contig("1", &index), Some(0));
        assert_eq!(resolve_contig("MT", &index), Some(1));
        assert_eq!(resolve_contig("chr2", &index), Some(2));
        assert_eq!(resolve_contig("3", &index), None);
    }

    #[test]
    fn regions_are_half_open() {
        let r = [(10, 20), (30, 31)];
        assert!(!in_regions(&r, 9));
        assert!(in_regions(&r, 10));
        assert!(in_regions(&r, 19));
        assert!(!in_regions(&r, 20));
        assert!(in_regions(&r, 30));
        assert!(!in_regions(&r, 31));
    }
}
