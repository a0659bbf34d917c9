//! `mutasig count`: variant calls and a reference genome into catalogues.

use super::common::{run_info, usage, usage_line};
use clap::{Args, ValueEnum};
use mutasig::count::{self, CountSettings, SampleFrom};
use mutasig::output::{FileTarget, OutputDir};
use std::path::PathBuf;

#[derive(Clone, Copy, Debug, ValueEnum)]
enum SampleSource {
    /// The VCF's sample columns (a column per sample with a non-reference genotype).
    Vcf,
    /// The file name: one column per file, every call counted.
    Filename,
}

#[derive(Args, Debug)]
pub struct CountArgs {
    /// VCF or BCF files (plain, gzip or bgzip), MAF files, or text files of `sample, chrom,
    /// pos, ref, alt`; `-` reads standard input. Samples of the same name in several
    /// files are one column.
    #[arg(required = true, value_name = "INPUT")]
    inputs: Vec<String>,
    /// Reference FASTA the calls were made against, with its .fai (`samtools faidx`);
    /// bgzip-compressed with its .gzi too.
    #[arg(long, value_name = "REF.fa")]
    fasta: PathBuf,
    /// Output: a folder (SBS96.tsv, SBS1536.tsv, DBS78.tsv, ID83.tsv, with --transcripts
    /// SBS288.tsv and SBS384.tsv, count_summary.tsv, summary.json), or a FILE.tsv (or `-`)
    /// for the SBS96 catalogue alone.
    #[arg(short, long)]
    output: PathBuf,
    /// Replace an existing output.
    #[arg(long)]
    force: bool,
    /// Where the catalogue column names come from.
    #[arg(long, value_enum, default_value = "vcf")]
    sample_from: SampleSource,
    /// Count calls whatever their FILTER (default: PASS or `.` only).
    #[arg(long)]
    all_filters: bool,
    /// Leave out calls whose allele fraction (FORMAT AF, else AD) is below this, in [0, 1].
    #[arg(long, value_name = "FRACTION")]
    min_vaf: Option<f64>,
    /// Count only calls in these regions (BED; the bases covered are recorded).
    #[arg(long, value_name = "REGIONS.bed")]
    bed: Option<PathBuf>,
    /// Genome build of the reference (for example GRCh38), recorded in the outputs.
    #[arg(long, value_name = "NAME")]
    genome_build: Option<String>,
    /// Gene annotation (BED6 with the strand in column 6, or GTF: gene lines, else
    /// transcript lines) for the transcriptional-strand catalogues SBS288 and SBS384.
    #[arg(long, value_name = "GENES.bed|GTF")]
    transcripts: Option<PathBuf>,
}

/// Whether `-o` names a single table rather than a folder.
fn single_file(p: &std::path::Path) -> bool {
    p == std::path::Path::new("-") || p.extension().is_some_and(|e| e == "tsv")
}

pub fn run(a: CountArgs) -> anyhow::Result<()> {
    let start = std::time::Instant::now();
    let settings = CountSettings {
        inputs: a.inputs,
        fasta: a.fasta,
        sample_from: match a.sample_from {
            SampleSource::Vcf => SampleFrom::Vcf,
            SampleSource::Filename => SampleFrom::Filename,
        },
        all_filters: a.all_filters,
        min_vaf: a.min_vaf,
        bed: a.bed,
        genome_build: a.genome_build,
        transcripts: a.transcripts,
    };
    settings.check().map_err(usage)?;
    if settings.transcripts.is_some() && single_file(&a.output) {
        return Err(usage_line(
            "--transcripts: SBS288 and SBS384 are written into an output folder; give -o DIR (-o FILE.tsv writes SBS96 alone)".into(),
        ));
    }
    let fasta = settings.fasta.display().to_string();
    let mut inputs: Vec<&str> = settings.inputs.iter().map(|s| s.as_str()).collect();
    inputs.push(&fasta);
    let transcripts = settings
        .transcripts
        .as_ref()
        .map(|t| t.display().to_string());
    inputs.extend(transcripts.as_deref());
    let bed = settings.bed.as_ref().map(|b| b.display().to_string());
    inputs.extend(bed.as_deref());
    if single_file(&a.output) {
        let target = FileTarget::parse(&a.output);
        target.check(a.force, &inputs)?;
        let counted = count::count(&settings)?;
        warn(&counted.warnings);
        mutasig::output::count::write_sbs96(&target, &counted, &settings)?;
        return Ok(());
    }
    let out = OutputDir::create(&a.output, a.force, &inputs)?;
    let counted = count::count(&settings)?;
    warn(&counted.warnings);
    mutasig::output::count::write_count(&out, &counted, &settings, run_info(start))?;
    let path = out.commit()?;
    let total: u64 = counted.stats.iter().map(|s| s.counted()).sum();
    mutasig::log::info(&format!(
        "{total} mutations of {} samples counted into {}",
        counted.samples.len(),
        path.display()
    ));
    Ok(())
}

fn warn(warnings: &[String]) {
    for w in warnings {
        mutasig::log::warn(w);
    }
}
