//! What the readers of variant calls share with `count`: the error type, where sample
//! names come from, the per-sample statistics and the matching of contig names.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// Problems reading the calls or the reference; each renders as one line naming the file
/// and record, and what to do.
#[derive(Debug, thiserror::Error)]
pub enum CountError {
    /// A file could not be opened or read.
    #[error("{path}: cannot read: {source}; check the path and permissions")]
    Io {
        /// The file.
        path: String,
        /// Underlying error.
        #[source]
        source: std::io::Error,
    },
    /// Compressed input that ends early or is damaged.
    #[error(
        "{path}: truncated or damaged compressed data ({detail}); the file is incomplete: copy or compress it again (bgzip)"
    )]
    Truncated {
        /// The file.
        path: String,
        /// What the decompressor said.
        detail: String,
    },
    /// A VCF without its header.
    #[error(
        "{path}: no VCF header (the first line must be ##fileformat=VCFv4.x, then the #CHROM line); give the caller's complete VCF"
    )]
    NoHeader {
        /// The file.
        path: String,
    },
    /// The header could not be parsed.
    #[error(
        "{path}: invalid VCF header: {detail}; fix the header lines (bcftools view -h shows them)"
    )]
    BadHeader {
        /// The file.
        path: String,
        /// What is wrong.
        detail: String,
    },
    /// A record that cannot be read.
    #[error("{path}: record {record}: {detail}")]
    BadRecord {
        /// The file.
        path: String,
        /// 1-based record number (header lines not counted).
        record: u64,
        /// What is wrong, and what to do.
        detail: String,
    },
    /// An input format mutasig does not read.
    #[error("{path}: {detail}")]
    Unsupported {
        /// The file.
        path: String,
        /// What it is and what to do.
        detail: String,
    },
    /// A contig of the calls that the reference does not have.
    #[error(
        "{path}: record {record} is on contig '{contig}', which {fasta} does not have (its contigs: {known}); give the reference the calls were made against"
    )]
    MissingContig {
        /// The calls.
        path: String,
        /// First record on the contig.
        record: u64,
        /// The contig as written in the calls.
        contig: String,
        /// The FASTA.
        fasta: String,
        /// The first few contigs of the FASTA.
        known: String,
    },
    /// A FASTA without its `.fai` index.
    #[error("{fasta}: no index {index}; create it with `samtools faidx {fasta}`")]
    NoIndex {
        /// The FASTA.
        fasta: String,
        /// The index file looked for.
        index: String,
    },
    /// The FASTA or its index could not be read.
    #[error(
        "{fasta}: cannot read the reference: {detail}; check the FASTA and re-create its index with `samtools faidx`"
    )]
    Fasta {
        /// The FASTA.
        fasta: String,
        /// What went wrong.
        detail: String,
    },
    /// REF reaches beyond the end of its contig.
    #[error(
        "{path}: record {record}: REF at {contig}:{pos} ({len} bp) goes past the end of {contig} ({contig_len} bp in {fasta}); give the reference the calls were made against"
    )]
    RefPastEnd {
        /// The calls.
        path: String,
        /// Record number.
        record: u64,
        /// Contig (FASTA name).
        contig: String,
        /// 1-based position.
        pos: u64,
        /// REF length.
        len: usize,
        /// Contig length.
        contig_len: u64,
        /// The FASTA.
        fasta: String,
    },
    /// A setting out of range.
    #[error(transparent)]
    Settings(#[from] crate::settings::SettingsError),
    /// A BED line that cannot be read.
    #[error("{path}: line {line}: {detail}")]
    Bed {
        /// The BED file.
        path: String,
        /// 1-based line.
        line: usize,
        /// What is wrong and what to do.
        detail: String,
    },
    /// A `--transcripts` line that cannot be read.
    #[error("{path}: line {line}: {detail}")]
    Annotation {
        /// The annotation file.
        path: String,
        /// 1-based line.
        line: usize,
        /// What is wrong and what to do.
        detail: String,
    },
}

/// Where the sample (column) names of the catalogues come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum SampleFrom {
    /// The VCF's sample columns: one catalogue column per sample with a non-reference
    /// genotype (a VCF without sample columns is named after its file).
    Vcf,
    /// The file name (without `.vcf`, `.vcf.gz`): one column per file, every call counted
    /// (for tumour-only VCFs whose sample column is named `TUMOR` or similar).
    Filename,
}

/// Per-sample counts of what was read, counted and left out (`count_summary.tsv`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct SampleStats {
    /// The catalogue column.
    pub sample: String,
    /// VCF records carrying the sample (any FILTER).
    pub records_read: u64,
    /// Single-base substitutions counted (SBS96).
    pub sbs: u64,
    /// Doublet substitutions counted (DBS78): adjacent SNVs or two-base MNV records.
    pub dbs: u64,
    /// Insertions and deletions counted (ID83).
    pub id: u64,
    /// Calls whose REF differs from the reference FASTA (left out).
    pub ref_mismatch: u64,
    /// Calls whose FILTER is not PASS (left out unless `--all-filters`).
    pub filtered: u64,
    /// Calls below `--min-vaf`.
    pub low_vaf: u64,
    /// Calls outside the `--bed` regions.
    pub outside_bed: u64,
    /// Symbolic alleles and structural variants (`<DEL>`, breakends, `*`).
    pub symbolic: u64,
    /// Repeated calls (same sample, position, REF and ALT), counted once.
    pub duplicate: u64,
    /// Runs of three or more adjacent substitutions, and longer MNV records.
    pub mnv: u64,
    /// Complex events (REF and ALT differ in length and content).
    pub complex: u64,
    /// Calls with a base other than A, C, G, T in the call or its context, or at a contig end.
    pub ambiguous: u64,
}

impl SampleStats {
    /// Adds another part's counts.
    pub fn add(&mut self, o: &SampleStats) {
        self.records_read += o.records_read;
        self.sbs += o.sbs;
        self.dbs += o.dbs;
        self.id += o.id;
        self.ref_mismatch += o.ref_mismatch;
        self.filtered += o.filtered;
        self.low_vaf += o.low_vaf;
        self.outside_bed += o.outside_bed;
        self.symbolic += o.symbolic;
        self.duplicate += o.duplicate;
        self.mnv += o.mnv;
        self.complex += o.complex;
        self.ambiguous += o.ambiguous;
    }

    /// Mutations counted into any catalogue.
    pub fn counted(&self) -> u64 {
        self.sbs + self.dbs + self.id
    }
}

/// The FASTA contig a contig name of the calls refers to: the same name, else the name
/// with or without `chr`, with `M`, `MT`, `chrM` and `chrMT` taken as one.
pub fn resolve_contig(name: &str, index: &HashMap<String, usize>) -> Option<usize> {
    if let Some(&i) = index.get(name) {
        return Some(i);
    }
    let bare = name.strip_prefix("chr").unwrap_or(name);
    let mut candidates = vec![bare.to_string(), format!("chr{bare}")];
    if matches!(bare, "M" | "MT") {
        candidates.extend(["M", "MT", "chrM", "chrMT"].map(String::from));
    }
    candidates.iter().find_map(|c| index.get(c).copied())
}
