//! The files `count` writes: the catalogues in the layout `inspect`, `extract` and
//! `assign` read (a `#` comment line first naming the reference and genome build),
//! `count_summary.tsv` and `summary.json`.

use super::summary::{
    BedSummary, CountParameters, CountSummary, Details, RunInfo, Summary, TranscriptsSummary,
};
use super::{FileTarget, OutputDir, OutputError, Tsv, json, matrix_tsv};
use crate::count::{CountSettings, Counted};
use crate::read::context::Context;

/// The catalogue files of a `count` folder, in order.
pub const CATALOGUES: [(&str, Context); 3] = [
    ("SBS96.tsv", Context::Sbs96),
    ("DBS78.tsv", Context::Dbs78),
    ("ID83.tsv", Context::Id83),
];
/// Per-sample counts of what was read, counted and left out.
pub const COUNT_SUMMARY: &str = "count_summary.tsv";

/// SBS1536 (not a context `inspect`, `extract` or `assign` read: no COSMIC set has it).
pub const SBS1536: &str = "SBS1536.tsv";

/// SBS288 and SBS384, written with `--transcripts` only (transcriptional strand;
/// `inspect`, `extract` and `assign` do not read them).
pub const SBS288: &str = "SBS288.tsv";
/// See [`SBS288`].
pub const SBS384: &str = "SBS384.tsv";

/// One catalogue as TSV: a comment line naming the reference, then the counts.
pub fn catalogue_tsv(c: &Counted, context: Context, settings: &CountSettings) -> String {
    let counts = match context {
        Context::Sbs96 => &c.sbs96,
        Context::Dbs78 => &c.dbs78,
        Context::Id83 => &c.id83,
    };
    counts_tsv(c, context.name(), context.labels(), counts, settings)
}

fn counts_tsv(
    c: &Counted,
    context: &str,
    labels: &[String],
    counts: &[Vec<u64>],
    settings: &CountSettings,
) -> String {
    let m = faer::Mat::from_fn(labels.len(), c.samples.len(), |i, j| counts[j][i] as f64);
    let build = settings.genome_build.as_deref().unwrap_or("not given");
    let fasta = settings
        .fasta
        .display()
        .to_string()
        .replace(['\n', '\r'], " ");
    let mut text = format!(
        "# mutasig count {}: {context} catalogue; reference {fasta}; genome build {build}\n",
        crate::VERSION
    );
    text.push_str(&matrix_tsv(
        "MutationType",
        labels,
        &c.samples,
        m.as_ref(),
        0,
        false,
    ));
    text
}

/// `count_summary.tsv`: one row per sample.
pub fn count_summary_tsv(c: &Counted) -> String {
    let header = [
        "Sample",
        "records_read",
        "sbs",
        "dbs",
        "id",
        "ref_mismatch",
        "filtered",
        "low_vaf",
        "outside_bed",
        "symbolic",
        "duplicate",
        "mnv",
        "complex",
        "ambiguous",
    ];
    let mut t = Tsv::new(&header);
    for s in &c.stats {
        let v = [
            s.records_read,
            s.sbs,
            s.dbs,
            s.id,
            s.ref_mismatch,
            s.filtered,
            s.low_vaf,
            s.outside_bed,
            s.symbolic,
            s.duplicate,
            s.mnv,
            s.complex,
            s.ambiguous,
        ];
        let mut cells = vec![s.sample.clone()];
        cells.extend(v.iter().map(|x| x.to_string()));
        t.row_str(&cells);
    }
    t.finish()
}

/// Writes every catalogue, `count_summary.tsv` and `summary.json` into `out`.
pub fn write_count(
    out: &OutputDir,
    c: &Counted,
    settings: &CountSettings,
    run: RunInfo,
) -> Result<(), OutputError> {
    let mut outputs = Vec::new();
    for (name, context) in CATALOGUES {
        out.write(name, catalogue_tsv(c, context, settings).as_bytes())?;
        outputs.push(name);
    }
    let sbs1536 = crate::count::sbs::sbs1536_labels();
    out.write(
        SBS1536,
        counts_tsv(c, "SBS1536", sbs1536, &c.sbs1536, settings).as_bytes(),
    )?;
    outputs.push(SBS1536);
    let mut contexts = vec!["SBS96", "SBS1536", "DBS78", "ID83"];
    if let Some(c384) = &c.sbs384 {
        use crate::count::sbs::{sbs288_from_sbs384, sbs288_labels, sbs384_labels};
        let c288: Vec<Vec<u64>> = c384.iter().map(|v| sbs288_from_sbs384(v)).collect();
        out.write(
            SBS288,
            counts_tsv(c, "SBS288", sbs288_labels(), &c288, settings).as_bytes(),
        )?;
        out.write(
            SBS384,
            counts_tsv(c, "SBS384", sbs384_labels(), c384, settings).as_bytes(),
        )?;
        outputs.extend([SBS288, SBS384]);
        contexts.extend(["SBS288", "SBS384"]);
    }
    out.write(COUNT_SUMMARY, count_summary_tsv(c).as_bytes())?;
    outputs.push(COUNT_SUMMARY);
    outputs.push("summary.json");
    let details = CountSummary {
        inputs: settings.inputs.clone(),
        fasta: settings.fasta.display().to_string(),
        genome_build: settings.genome_build.clone(),
        contexts: contexts.into_iter().map(String::from).collect(),
        samples: c.samples.len(),
        contig_renames: c.renamed.clone(),
        bed: settings.bed.as_ref().map(|b| BedSummary {
            bed: b.display().to_string(),
            bases: c.bed_bases.unwrap_or(0),
        }),
        transcripts: settings
            .transcripts
            .as_ref()
            .zip(c.strand_index.as_ref())
            .map(|(t, x)| TranscriptsSummary {
                transcripts: t.display().to_string(),
                format: x.format,
                feature: x.feature.clone(),
                intervals: x.intervals,
                ignored_intervals: x.ignored,
                bases_plus: x.bases_plus,
                bases_minus: x.bases_minus,
                bases_both: x.bases_both,
            }),
        parameters: CountParameters {
            sample_from: settings.sample_from,
            all_filters: settings.all_filters,
            min_vaf: settings.min_vaf,
        },
        per_sample: c.stats.clone(),
    };
    let summary = Summary::new(Details::Count(details), c.warnings.clone(), &outputs, run);
    out.write("summary.json", json(&summary).as_bytes())
}

/// `-o FILE.tsv` (or `-`): only the SBS96 catalogue.
pub fn write_sbs96(
    target: &FileTarget,
    c: &Counted,
    settings: &CountSettings,
) -> Result<(), OutputError> {
    target.write(catalogue_tsv(c, Context::Sbs96, settings).as_bytes())
}
