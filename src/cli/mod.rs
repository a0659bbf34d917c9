//! The command layer: clap arguments, and for each subcommand its settings type, its
//! `check()` (a usage error, exit 2, before any file is touched), one library call and
//! the writing of its outputs.

mod assign;
mod common;
mod compare;
mod completions;
mod count;
mod decompose;
mod export;
mod extract;
mod folder;
mod global;
mod inspect;
mod merge;
mod nmf;
mod outputs;
mod rank;
mod reference;
mod report;
mod resume;
mod scatter;
mod selection;
mod simulate;

use clap::{Parser, Subcommand};
pub use common::{remove_unfinished_on_signal, report, start_log};
pub use global::Global;

#[derive(Parser, Debug)]
#[command(
    name = "mutasig",
    version,
    about = "Fast, reproducible mutational-signature analysis",
    long_about = "mutasig reads mutational catalogues (SBS96, DBS78, ID83), extracts signatures de novo, \
assigns COSMIC signatures to samples, and writes byte-stable tables, plots and reports.",
    after_help = "Example:\n  mutasig inspect examples/breast21_wgs_sbs96.tsv"
)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Count SBS96, DBS78 and ID83 catalogues from VCFs and a reference FASTA.
    #[command(
        after_help = "Example:\n  mutasig count tumour1.vcf.gz tumour2.vcf.gz --fasta GRCh38.fa --genome-build GRCh38 -o cat/\n  mutasig extract cat/SBS96.tsv -o sigs/"
    )]
    Count(Box<count::CountArgs>),
    /// Describe a catalogue: context, samples, burden, problems.
    #[command(after_help = "Example:\n  mutasig inspect examples/breast21_wgs_sbs96.tsv --json")]
    Inspect(inspect::InspectArgs),
    /// List or export the bundled COSMIC reference signatures.
    #[command(subcommand)]
    Reference(reference::ReferenceCmd),
    /// De novo extraction: how many processes, and what they look like.
    #[command(
        after_help = "Example:\n  mutasig extract examples/breast21_wgs_sbs96.tsv -o breast21/ --max-rank 8 --replicates 50"
    )]
    Extract(Box<extract::ExtractArgs>),
    /// Merge the partial files of `extract --partial-out` into one extraction's folder.
    #[command(
        after_help = "Example:\n  mutasig merge --input examples/breast21_wgs_sbs96.tsv parts/*.part -o breast21/"
    )]
    Merge(Box<merge::MergeArgs>),
    /// Refit known signatures (COSMIC or your own) to every sample, sparsely.
    #[command(
        after_help = "Examples:\n  mutasig assign examples/breast21_wgs_sbs96.tsv -o assigned/ --bootstrap 100\n  mutasig assign --decompose breast21/signatures.tsv -o decomposed/"
    )]
    Assign(Box<assign::AssignArgs>),
    /// Match two signature sets one-to-one by cosine similarity.
    #[command(
        after_help = "Example:\n  mutasig compare sim/truth_signatures.tsv extracted/signatures.tsv --matrix cos.tsv"
    )]
    Compare(compare::CompareArgs),
    /// Build report.html and plots/ of an extract or assign folder, into a new folder.
    #[command(
        after_help = "Examples:\n  mutasig report breast21/ -o breast21-report/ --format png\n  mutasig report breast21/ --in-place"
    )]
    Report(report::ReportArgs),
    /// Draw a catalogue, signature, exposure or rank-selection table.
    #[command(
        after_help = "Examples:\n  mutasig plot examples/breast21_wgs_sbs96.tsv -o spectra/\n  mutasig plot breast21/exposures.tsv -o figs/ --format png"
    )]
    Plot(report::PlotArgs),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell) to stdout.
    #[command(
        after_help = "Example:\n  mutasig completions bash > ~/.local/share/bash-completion/completions/mutasig"
    )]
    Completions(completions::CompletionsArgs),
    /// Print a man page (roff) to stdout: the main page, or one subcommand's.
    #[command(
        after_help = "Examples:\n  mutasig man > mutasig.1\n  mutasig man extract > mutasig-extract.1"
    )]
    Man(completions::ManArgs),
    /// Write a finished extract or assign folder in SigProfiler's file layout.
    #[command(
        after_help = "Example:\n  mutasig export --layout sigprofiler breast21/ -o breast21-sigprofiler/"
    )]
    Export(export::ExportArgs),
    /// Draw a synthetic cohort with known signatures and exposures.
    #[command(
        after_help = "Example:\n  mutasig simulate --signatures SBS1,SBS5,SBS2,SBS13 --samples 100 --noise negbin:50 -o sim/"
    )]
    Simulate(simulate::SimulateArgs),
}

impl Command {
    /// Whether the command does parallel work (the others never build a thread pool).
    pub fn uses_threads(&self) -> bool {
        !matches!(
            self,
            Command::Inspect(_)
                | Command::Reference(_)
                | Command::Compare(_)
                | Command::Completions(_)
                | Command::Man(_)
        )
    }
}

/// Runs one subcommand.
pub fn run(cli: Cli) -> anyhow::Result<()> {
    let g = &cli.global;
    match cli.command {
        Command::Count(a) => count::run(*a),
        Command::Inspect(a) => inspect::run(a),
        Command::Reference(a) => reference::run(a),
        Command::Extract(a) => extract::run(*a, g),
        Command::Merge(a) => merge::run(*a),
        Command::Assign(a) => assign::run(*a, g),
        Command::Compare(a) => compare::run(a),
        Command::Report(a) => report::run_report(a),
        Command::Plot(a) => report::run_plot(a),
        Command::Simulate(a) => simulate::run(a, g),
        Command::Completions(a) => completions::run_completions(a),
        Command::Man(a) => completions::run_man(a),
        Command::Export(a) => export::run(a),
    }
}
