//! `summary.json`: one type for every command, written by `output` and read back by
//! `report`, `plot` and the tests. The JSON Schema generated from these types is
//! `docs/summary.schema.json`; a test validates every produced summary against it.
//!
//! One vocabulary: the same key means the same thing in every command (`input`,
//! `input_sha256`, `context`, `reference`, `samples`, `samples_used`, `dropped_samples`,
//! `parameters`, `warnings`, `outputs`, `run`), and enum values are spelled as on the
//! command line (`kl`, `gmm`, `likelihood`, `negbin:50`).

use crate::assign::DecomposeConfig;
use crate::assign::cohort::AssignSettings;
use crate::extract::ExtractConfig;
use crate::extract::rank::RankSelection;
use crate::extract::resample::Normalization;
use crate::output::TableFormat;
use crate::read::reference::ReferenceChoice;
use crate::simulate::SimConfig;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Version of this layout; raised when a key is renamed or removed.
pub const SCHEMA_VERSION: u32 = 1;

/// The whole `summary.json` of an output folder.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct Summary {
    /// [`SCHEMA_VERSION`] of the writer.
    pub schema_version: u32,
    /// Always `mutasig`.
    pub tool: String,
    /// Version of mutasig that wrote the folder.
    pub version: String,
    /// What the command did, keyed by `command`.
    #[serde(flatten)]
    pub details: Details,
    /// Notes and warnings, also printed on stderr.
    pub warnings: Vec<String>,
    /// Files of the folder, as names or patterns (`ranks/k{K}/`).
    pub outputs: Vec<String>,
    /// `--groups`: the sample sheet and the groups compared (absent without it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub groups: Option<GroupsSummary>,
    /// The part that may differ between runs with the same seed.
    pub run: RunInfo,
}

impl Summary {
    /// A summary of this build.
    pub fn new(details: Details, warnings: Vec<String>, outputs: &[&str], run: RunInfo) -> Self {
        Summary {
            schema_version: SCHEMA_VERSION,
            tool: "mutasig".into(),
            version: crate::VERSION.into(),
            details,
            warnings,
            outputs: outputs.iter().map(|s| s.to_string()).collect(),
            groups: None,
            run,
        }
    }
}

/// The command and what is particular to it.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "command")]
pub enum Details {
    /// `mutasig extract`.
    #[serde(rename = "extract")]
    Extract(Box<ExtractSummary>),
    /// `mutasig assign CATALOGUE`.
    #[serde(rename = "assign")]
    Assign(AssignSummary),
    /// `mutasig assign --decompose SIGNATURES`.
    #[serde(rename = "assign --decompose")]
    Decompose(DecomposeSummary),
    /// `mutasig simulate`.
    #[serde(rename = "simulate")]
    Simulate(SimulateSummary),
    /// `mutasig count`.
    #[serde(rename = "count")]
    Count(CountSummary),
}

/// The input file and what was used of it.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct Input {
    /// The input as given (`-` for standard input).
    pub input: String,
    /// SHA-256 of its bytes (after decompression).
    pub input_sha256: String,
    /// `SBS96`, `DBS78` or `ID83`.
    pub context: String,
    /// Samples (or signatures, for `--decompose`) in the input.
    pub samples: usize,
    /// Those that were used (samples without mutations are dropped).
    pub samples_used: usize,
    /// The dropped ones, by name.
    pub dropped_samples: Vec<String>,
    /// The reference set used: a bundled set's description or a file name.
    pub reference: String,
}

/// `extract`: settings, the rank chosen and how.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct ExtractSummary {
    /// Input, samples and reference.
    #[serde(flatten)]
    pub input: Input,
    /// The settings (seed included).
    pub parameters: ExtractParameters,
    /// The normalization as applied (`gmm` resolved to its `cap:N`).
    pub normalization_applied: Normalization,
    /// Settings of the decomposition into the reference.
    pub decomposition: DecomposeConfig,
    /// The chosen number of signatures.
    pub selected_rank: usize,
    /// How it was chosen.
    pub selection: RankSelection,
    /// Statistics of every rank tried, ascending.
    pub ranks: Vec<RankSummary>,
}

/// Settings of `extract`: the extraction and the reference choice.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct ExtractParameters {
    /// Extraction settings.
    #[serde(flatten)]
    pub extract: ExtractConfig,
    /// `--cosmic`, `--genome`, `--exome`, `--signatures`.
    #[serde(flatten)]
    pub reference: ReferenceChoice,
    /// `--format`: `tsv`, or `parquet` for Parquet copies of the long tables (`tsv` when
    /// absent, as in folders written before the option).
    #[serde(default)]
    pub format: TableFormat,
}

/// One rank's statistics (`rank_selection.tsv` has them too).
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct RankSummary {
    /// The rank.
    pub rank: usize,
    /// Mean silhouette of the signatures.
    pub stability_mean: f64,
    /// Smallest per-signature silhouette.
    pub stability_min: f64,
    /// Standard error of `stability_mean` over replicates (0 in folders written before
    /// it was computed).
    #[serde(default)]
    pub stability_se: f64,
    /// Standard error of `stability_min` over replicates (0 in folders written before it
    /// was computed).
    #[serde(default)]
    pub stability_min_se: f64,
    /// Cophenetic correlation of the sample co-clustering.
    pub cophenetic: f64,
    /// Dispersion of the consensus matrix.
    pub dispersion: f64,
    /// Proportion of ambiguous clustering.
    pub pac: f64,
    /// Present when `cophenetic` and `pac` are means over random sample subsets (cohorts
    /// above 5,000 samples, see docs/scaling.md) rather than exact: subset size, count and
    /// spread.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cophenetic_estimate: Option<crate::extract::cophenetic::CopheneticEstimate>,
    /// Relative reconstruction error of the refit.
    pub reconstruction_error: f64,
    /// Mean per-sample cosine of the refit.
    pub mean_cosine: f64,
    /// Replicates used: fewer than `replicates` when the count adapts to need
    /// (`min_replicates`; 0 in folders written before it was recorded).
    #[serde(default)]
    pub replicates: usize,
    /// Median NMF iterations of the replicates.
    pub median_nmf_iterations: usize,
    /// Fraction of replicates that met the tolerance.
    pub converged_fraction: f64,
}

/// `assign CATALOGUE`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct AssignSummary {
    /// Input, samples and reference.
    #[serde(flatten)]
    pub input: Input,
    /// The settings (seed included).
    pub parameters: AssignParameters,
    /// The signatures the cohort supports (cohort-aware refitting; absent with
    /// `--per-sample` or `--criterion l2`): the only ones any sample was selected from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cohort_signatures: Option<Vec<String>>,
}

/// Settings of `assign`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct AssignParameters {
    /// Selection settings as applied (defaults resolved, groups expanded).
    #[serde(flatten)]
    pub selection: AssignSettings,
    /// `--include`.
    pub include: Vec<String>,
    /// `--exclude`.
    pub exclude: Vec<String>,
    /// COSMIC's possible sequencing artefacts left out of the reference (the default;
    /// empty with `--include-artefacts` or when none was in the reference).
    #[serde(default)]
    pub excluded_artefacts: Vec<String>,
    /// `--cosmic`, `--genome`, `--exome`, `--signatures`.
    #[serde(flatten)]
    pub reference: ReferenceChoice,
    /// `--format`, as for extract.
    #[serde(default)]
    pub format: TableFormat,
}

/// `assign --decompose SIGNATURES`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct DecomposeSummary {
    /// The signature file (its signatures count as `samples`) and the reference.
    #[serde(flatten)]
    pub input: Input,
    /// `--include`, `--exclude` and the reference choice.
    pub parameters: DecomposeParameters,
    /// Settings of the decomposition (fixed).
    pub decomposition: DecomposeConfig,
}

/// Settings of `assign --decompose`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct DecomposeParameters {
    /// `--include`.
    pub include: Vec<String>,
    /// `--exclude`.
    pub exclude: Vec<String>,
    /// `--cosmic`, `--genome`, `--exome`, `--signatures`.
    #[serde(flatten)]
    pub reference: ReferenceChoice,
}

/// `simulate`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct SimulateSummary {
    /// `SBS96`, `DBS78` or `ID83`.
    pub context: String,
    /// Where the signatures came from.
    pub reference: String,
    /// The signatures drawn from, in column order of `truth_signatures.tsv`.
    pub signatures: Vec<String>,
    /// Samples drawn.
    pub samples: usize,
    /// The settings (seed included).
    pub parameters: SimConfig,
}

/// `count`: what was read, how, and what each sample got.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct CountSummary {
    /// The call files as given (`-` for standard input).
    pub inputs: Vec<String>,
    /// The reference FASTA as given.
    pub fasta: String,
    /// `--genome-build`, as given (absent without it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub genome_build: Option<String>,
    /// The catalogues written (`SBS96`, `DBS78`, `ID83`).
    pub contexts: Vec<String>,
    /// Catalogue columns.
    pub samples: usize,
    /// Contig names of the calls matched to the FASTA's under another spelling.
    pub contig_renames: Vec<crate::count::ContigRename>,
    /// `--bed`: the file and the bases its regions cover (absent without it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bed: Option<BedSummary>,
    /// `--transcripts`: the annotation behind SBS288 and SBS384 (absent without it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transcripts: Option<TranscriptsSummary>,
    /// The settings.
    pub parameters: CountParameters,
    /// Per sample, in column order: what was read, counted and left out.
    pub per_sample: Vec<crate::count::SampleStats>,
}

/// `count --bed`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct BedSummary {
    /// The BED file as given.
    pub bed: String,
    /// Bases covered (overlapping regions merged, contigs absent from the FASTA ignored).
    pub bases: u64,
}

/// `count --transcripts`: the annotation read for the transcriptional strand.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct TranscriptsSummary {
    /// The file as given.
    pub transcripts: String,
    /// How it was read: `bed` or `gtf`.
    pub format: crate::read::transcripts::AnnotationFormat,
    /// The lines used: `region` (BED), `gene` or `transcript` (GTF without gene lines).
    pub feature: String,
    /// Intervals used.
    pub intervals: u64,
    /// Intervals on contigs the FASTA lacks (left out).
    pub ignored_intervals: u64,
    /// Bases on `+`-strand intervals only.
    pub bases_plus: u64,
    /// Bases on `-`-strand intervals only.
    pub bases_minus: u64,
    /// Bases on intervals of both strands (`B`).
    pub bases_both: u64,
}

/// `count`'s settings.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct CountParameters {
    /// `vcf` or `filename`.
    pub sample_from: crate::count::SampleFrom,
    /// `--all-filters`.
    pub all_filters: bool,
    /// `--min-vaf` (absent without it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_vaf: Option<f64>,
}

/// `--groups SHEET.tsv` of `extract` and `assign`: what was compared
/// (`group_differences.tsv` holds the results).
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct GroupsSummary {
    /// The sample sheet as given.
    pub sheet: String,
    /// SHA-256 of its bytes (after decompression).
    pub sheet_sha256: String,
    /// The sheet's column holding the groups (`group`).
    pub column: String,
    /// The groups compared (two or more samples each), in order of first appearance in
    /// the sheet.
    pub groups: Vec<GroupSize>,
    /// `mann_whitney` (two groups) or `kruskal_wallis` (more).
    pub test: String,
    /// Samples compared (in one of `groups`).
    pub samples_compared: usize,
    /// Samples of the exposures left out: not in the sheet, or alone in their group.
    pub samples_left_out: Vec<String>,
}

/// One group of a comparison.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct GroupSize {
    /// The group's name as in the sheet.
    pub name: String,
    /// Its samples in the comparison.
    pub samples: usize,
}

/// Where and how a command ran: the one part of a folder that may differ between runs
/// with the same input, version and seed.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct RunInfo {
    /// The full command line.
    pub command_line: Vec<String>,
    /// Worker threads available.
    pub threads: usize,
    /// Wall time of the whole command, seconds.
    pub seconds: f64,
    /// `extract`: per-rank seconds of consensus and refit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rank_seconds: Option<Vec<(usize, f64)>>,
    /// `extract`: seconds of all factorizations together.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nmf_seconds: Option<f64>,
}

/// The JSON Schema of [`Summary`] (what `docs/summary.schema.json` holds).
pub fn schema() -> String {
    let schema = schemars::schema_for!(Summary);
    let mut text = serde_json::to_string_pretty(&schema).unwrap_or_default();
    text.push('\n');
    text
}
