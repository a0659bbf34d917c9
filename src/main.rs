//! The `mutasig` command line: parses arguments and calls the library.

use anyhow::{Context as _, Result};
use clap::{Args, Parser, Subcommand};
use mutasig::read::context::Context;
use mutasig::output::{self, matrix_tsv};
use mutasig::read::reference::{self, CosmicVersion, Genome, ReferenceChoice};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

/// Upper bound of `--threads` (a pool of 100,000 threads took minutes to build).
const MAX_THREADS: u32 = 1024;

#[derive(Parser, Debug)]
#[command(
    name = "mutasig",
    version,
    about = "Fast, reproducible mutational-signature analysis",
    long_about = "mutasig reads mutational catalogues (SBS96, DBS78, ID83), extracts signatures de novo, \
assigns COSMIC signatures to samples, and writes byte-stable tables, plots and reports.",
    after_help = "Example:\n  mutasig inspect examples/breast21_wgs_sbs96.tsv"
)]
struct Cli {
    #[command(flatten)]
    global: Global,
    #[command(subcommand)]
    command: Command,
}

#[derive(Args, Debug, Clone)]
struct Global {
    /// Worker threads, 1 to 1024 (default: all cores). Results do not depend on it.
    #[arg(long, global = true, value_parser = clap::value_parser!(u32).range(1..=MAX_THREADS as i64))]
    threads: Option<u32>,
    /// Seed of every random stream; same seed, same input, same version: same bytes out.
    #[arg(long, global = true, default_value_t = 42)]
    seed: u64,
    /// Only warnings and errors on stderr.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    quiet: bool,
    /// More detail on stderr.
    #[arg(short, long, global = true)]
    verbose: bool,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Describe a catalogue: context, samples, burden, problems.
    #[command(after_help = "Example:\n  mutasig inspect examples/breast21_wgs_sbs96.tsv --json")]
    Inspect {
        /// Catalogue file (TSV/CSV, optionally .gz; `-` for standard input).
        file: String,
        /// Print one JSON object instead of text.
        #[arg(long)]
        json: bool,
    },
    /// List or export the bundled COSMIC reference signatures.
    #[command(subcommand)]
    Reference(ReferenceCmd),
    /// De novo extraction: how many processes, and what they look like.
    #[command(
        after_help = "Example:\n  mutasig extract examples/breast21_wgs_sbs96.tsv -o breast21/ --max-rank 8 --replicates 50"
    )]
    Extract(ExtractArgs),
    /// Refit known signatures (COSMIC or your own) to every sample, sparsely.
    #[command(
        after_help = "Examples:\n  mutasig assign examples/breast21_wgs_sbs96.tsv -o assigned/ --bootstrap 100\n  mutasig assign --decompose breast21/signatures.tsv -o decomposed/"
    )]
    Assign(AssignArgs),
    /// Match two signature sets one-to-one by cosine similarity.
    #[command(
        after_help = "Example:\n  mutasig compare sim/truth_signatures.tsv extracted/signatures.tsv --matrix cos.tsv"
    )]
    Compare {
        /// First signature file.
        a: String,
        /// Second signature file.
        b: String,
        /// Also write the full cosine matrix to this file (`-`: standard output).
        #[arg(long)]
        matrix: Option<PathBuf>,
        /// Replace an existing --matrix file.
        #[arg(long)]
        force: bool,
    },
    /// Rebuild report.html and plots/ of an extract or assign output folder.
    #[command(after_help = "Example:\n  mutasig report breast21/ --format png")]
    Report {
        /// The output folder.
        dir: PathBuf,
        /// Format of the figures in plots/.
        #[arg(long, value_enum, default_value = "svg")]
        format: FormatArg,
    },
    /// Draw a catalogue, signature, exposure or rank-selection table.
    #[command(
        after_help = "Examples:\n  mutasig plot examples/breast21_wgs_sbs96.tsv -o spectra/\n  mutasig plot breast21/exposures.tsv -o figs/ --format png"
    )]
    Plot {
        /// A mutasig or SigProfiler-layout table.
        file: String,
        /// Output folder for the figures (must not exist or be empty, unless --force).
        #[arg(short, long, default_value = "plots")]
        output: PathBuf,
        /// Replace an existing output folder of an earlier mutasig run.
        #[arg(long)]
        force: bool,
        /// Figure format.
        #[arg(long, value_enum, default_value = "svg")]
        format: FormatArg,
        /// What to draw.
        #[arg(long, value_enum, default_value = "auto")]
        kind: PlotKind,
    },
    /// Draw a synthetic cohort with known signatures and exposures.
    #[command(
        after_help = "Example:\n  mutasig simulate --signatures SBS1,SBS5,SBS2,SBS13 --samples 100 --noise negbin:50 -o sim/"
    )]
    Simulate(SimulateArgs),
}

impl Command {
    /// Whether the command does parallel work (the others never build a thread pool).
    fn uses_threads(&self) -> bool {
        matches!(
            self,
            Command::Extract(_)
                | Command::Assign(_)
                | Command::Simulate(_)
                | Command::Plot { .. }
                | Command::Report { .. }
        )
    }
}

#[derive(Args, Debug)]
struct ExtractArgs {
    /// Skip the figures and report.html.
    #[arg(long)]
    no_plots: bool,
    /// Format of the figures in plots/ (the report always inlines its own).
    #[arg(long, value_enum, default_value = "svg")]
    plot_format: FormatArg,
    /// Catalogue file (TSV/CSV, optionally .gz; `-` for standard input).
    input: String,
    /// Output folder (must not exist or be empty, unless --force).
    #[arg(short, long)]
    output: PathBuf,
    /// Replace an existing output folder.
    #[arg(long)]
    force: bool,
    /// Smallest rank tried (not above --max-rank).
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..))]
    min_rank: u32,
    /// Largest rank tried (capped at samples − 1).
    #[arg(long, default_value_t = 15, value_parser = clap::value_parser!(u32).range(1..))]
    max_rank: u32,
    /// Only this rank (forces the selection).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..), conflicts_with_all = ["min_rank", "max_rank"])]
    rank: Option<u32>,
    /// Factorizations per rank, 1 to 20000 (and rank × replicates ≤ 20000). At least 2
    /// when several ranks are tried: the rank is chosen by the replicates' stability,
    /// which one replicate cannot measure. With --rank K (or --min-rank = --max-rank) a
    /// single replicate is allowed: one factorization, stability reported as 0.
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u32).range(1..))]
    replicates: u32,
    /// Factorize the catalogue itself (new starts only) instead of bootstrap resamples.
    #[arg(long)]
    no_resample: bool,
    /// Cap hypermutated samples before factorizing: gmm, cap:N, log2 or none.
    #[arg(long, default_value = "gmm", value_parser = parse_normalization)]
    normalize: mutasig::extract::resample::Normalization,
    /// NMF objective.
    #[arg(long, value_enum, default_value = "kl")]
    objective: ObjectiveArg,
    /// NMF solver: auto (coordinate descent for kl, HALS for frobenius), mu, hals, cd.
    #[arg(long, value_enum, default_value = "auto")]
    solver: SolverArg,
    /// NMF starting values.
    #[arg(long, value_enum, default_value = "random")]
    init: InitArg,
    /// Multiplicative-update iterations before the solver, 0 (none) to 10000.
    #[arg(long, default_value_t = 50)]
    mu_warmup: usize,
    /// Plain coordinate-descent/HALS iterations, without extrapolation (slower; for
    /// comparisons).
    #[arg(long)]
    no_extrapolation: bool,
    /// Relative tolerance of the NMF stopping rule, in (0, 1).
    #[arg(long, default_value_t = 1e-6)]
    tolerance: f64,
    /// Iteration cap per factorization, 1 to 1000000.
    #[arg(long, default_value_t = 20_000)]
    max_iter: usize,
    /// Minimum mean stability of a candidate rank, in [0, 1].
    #[arg(long, default_value_t = 0.8)]
    stability: f64,
    /// Minimum per-signature stability of a candidate rank, in [0, 1].
    #[arg(long, default_value_t = 0.2)]
    min_stability: f64,
    /// Significance level of the rank-sum test when stepping down, in (0, 1).
    #[arg(long, default_value_t = 0.05)]
    alpha: f64,
    #[command(flatten)]
    reference: ReferenceArgs,
}

#[derive(Args, Debug)]
struct AssignArgs {
    /// Skip the figures and report.html.
    #[arg(long)]
    no_plots: bool,
    /// Format of the figures in plots/ (the report always inlines its own).
    #[arg(long, value_enum, default_value = "svg")]
    plot_format: FormatArg,
    /// Catalogue file (not with --decompose).
    #[arg(required_unless_present = "decompose")]
    input: Option<String>,
    /// Output folder.
    #[arg(short, long)]
    output: PathBuf,
    /// Replace an existing output folder.
    #[arg(long)]
    force: bool,
    #[command(flatten)]
    reference: ReferenceArgs,
    /// Only these signatures or groups (comma-separated; each must match a signature).
    #[arg(long, value_delimiter = ',')]
    include: Vec<String>,
    /// Leave out these signatures or groups (e.g. APOBEC,Artifact; each must match a
    /// signature).
    #[arg(long, value_delimiter = ',')]
    exclude: Vec<String>,
    /// Background signatures kept in every fit (default SBS1,SBS5 for SBS96; each must be
    /// in the reference).
    #[arg(long, value_delimiter = ',', conflicts_with = "no_background")]
    background: Option<Vec<String>>,
    /// No background signatures.
    #[arg(long)]
    no_background: bool,
    /// Selection criterion: likelihood ratio (default) or the relative L2 rule of SigProfilerAssignment.
    #[arg(long, value_enum, default_value = "likelihood")]
    criterion: CriterionArg,
    /// Improvement needed to add a signature (default: 10 for likelihood, 0.05 for l2; likelihood thresholds are multiplied by the sample's overdispersion). Likelihood: finite ≥ 0; l2: in [0, 1).
    #[arg(long)]
    add_threshold: Option<f64>,
    /// Loss below which a signature is removed (default: 7 for likelihood, 0.01 for l2); same range as --add-threshold, and not above it.
    #[arg(long)]
    remove_threshold: Option<f64>,
    /// Likelihood criterion: minimum decrease of the relative L2 error for a signature to
    /// enter (effect size next to significance; 0 = significance alone), in [0, 1).
    #[arg(long)]
    min_l2_gain: Option<f64>,
    /// Likelihood criterion: do not scale the thresholds by the sample's overdispersion.
    #[arg(long)]
    no_overdispersion: bool,
    /// Bootstrap replicates for 95% intervals, 0 (none) to 10000.
    #[arg(long, default_value_t = 0)]
    bootstrap: usize,
    /// Decompose these (de novo) signatures into the reference instead of fitting samples
    /// (fixed settings: no CATALOGUE, thresholds, --background or --bootstrap).
    #[arg(long, value_name = "SIGNATURES")]
    decompose: Option<String>,
}

#[derive(Copy, Clone, Debug, clap::ValueEnum)]
enum CriterionArg {
    /// Likelihood-ratio test of the Poisson fit.
    Likelihood,
    /// Relative L2 error change of the NNLS fit.
    L2,
}

#[derive(Copy, Clone, Debug, clap::ValueEnum)]
enum FormatArg {
    /// Scalable vector graphics.
    Svg,
    /// Bitmap.
    Png,
}

impl FormatArg {
    fn get(self) -> mutasig::report::plot::Format {
        match self {
            FormatArg::Svg => mutasig::report::plot::Format::Svg,
            FormatArg::Png => mutasig::report::plot::Format::Png,
        }
    }
}

#[derive(Copy, Clone, Debug, clap::ValueEnum)]
enum PlotKind {
    /// Decide from the table's header.
    Auto,
    /// One spectrum file per column.
    Spectrum,
    /// All columns stacked in one figure.
    Panel,
    /// Stacked exposure bars (a `Sample` table).
    Exposures,
    /// Rank selection (rank_selection.tsv).
    Rank,
}

#[derive(Copy, Clone, Debug, clap::ValueEnum)]
enum SolverArg {
    /// The fastest measured solver for the objective.
    Auto,
    /// Lee–Seung multiplicative updates.
    Mu,
    /// Hierarchical alternating least squares (frobenius).
    Hals,
    /// Coordinate descent with Newton steps (kl).
    Cd,
}

#[derive(Copy, Clone, Debug, clap::ValueEnum)]
enum InitArg {
    /// Random, scaled to the data.
    Random,
    /// NNDSVD.
    Nndsvd,
    /// NNDSVD, zeros filled with the mean.
    Nndsvda,
    /// NNDSVD, zeros filled with small random values.
    Nndsvdar,
}

#[derive(Copy, Clone, Debug, clap::ValueEnum)]
enum ObjectiveArg {
    /// Generalized Kullback–Leibler (Poisson likelihood; for counts).
    Kl,
    /// Squared Frobenius norm (Gaussian).
    Frobenius,
}

/// Reference signatures for matching or fitting.
#[derive(Args, Debug, Clone)]
struct ReferenceArgs {
    #[command(flatten)]
    cosmic: CosmicArgs,
    /// A signature file (same layout as COSMIC's) instead of COSMIC.
    #[arg(long = "signatures", value_name = "FILE")]
    file: Option<String>,
}

impl ReferenceArgs {
    fn choice(&self) -> ReferenceChoice {
        ReferenceChoice {
            version: self.cosmic.version,
            genome: self.cosmic.genome,
            exome: self.cosmic.exome,
            file: self.file.clone(),
        }
    }
}

#[derive(Args, Debug)]
struct SimulateArgs {
    /// Signatures to draw from: COSMIC names or groups (comma-separated), or a signature file.
    #[arg(long, required = true, value_delimiter = ',')]
    signatures: Vec<String>,
    #[command(flatten)]
    cosmic: CosmicArgs,
    /// Context of the COSMIC set the names refer to.
    #[arg(long, default_value = "SBS96", value_parser = parse_context)]
    context: Context,
    /// Number of samples, 1 to 100000.
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u32).range(1..))]
    samples: u32,
    /// Active signatures per sample: N or LOW..HIGH, 1 ≤ LOW ≤ HIGH ≤ the number of
    /// signatures [default: 2..4, capped at the number of signatures].
    #[arg(long, value_parser = parse_range)]
    active: Option<(usize, usize)>,
    /// Median mutations per sample, in [1, 1e7].
    #[arg(long, default_value_t = 3000.0)]
    burden_median: f64,
    /// Standard deviation of the log burden, in [0, 3].
    #[arg(long, default_value_t = 0.5)]
    burden_log_sd: f64,
    /// Noise: poisson, none or negbin:SIZE (overdispersed; smaller SIZE is noisier; SIZE
    /// in [0.01, 1e6]).
    #[arg(long, default_value = "poisson")]
    noise: mutasig::simulate::Noise,
    /// Output folder.
    #[arg(short, long)]
    output: PathBuf,
    /// Replace an existing output folder.
    #[arg(long)]
    force: bool,
}

fn parse_range(s: &str) -> Result<(usize, usize), String> {
    let parse = |x: &str| {
        x.trim()
            .parse::<usize>()
            .map_err(|_| format!("'{x}' is not a whole number in '{s}'"))
    };
    match s.split_once("..") {
        Some((a, b)) => Ok((parse(a)?, parse(b.trim_start_matches('='))?)),
        None => {
            let v = parse(s)?;
            Ok((v, v))
        }
    }
}

fn parse_normalization(s: &str) -> Result<mutasig::extract::resample::Normalization, String> {
    use mutasig::extract::resample::Normalization;
    let l = s.trim().to_ascii_lowercase();
    match l.as_str() {
        "gmm" => Ok(Normalization::Gmm),
        "log2" => Ok(Normalization::Log2),
        "none" => Ok(Normalization::None),
        _ => match l.strip_prefix("cap:") {
            Some(n) => n
                .parse::<f64>()
                .ok()
                .filter(|v| *v > 0.0 && v.is_finite())
                .map(Normalization::Cap)
                .ok_or_else(|| format!("'{n}' is not a positive number in '{s}'")),
            None => Err(format!(
                "unknown normalization '{s}'; use gmm, cap:N, log2 or none"
            )),
        },
    }
}

#[derive(Subcommand, Debug)]
enum ReferenceCmd {
    /// List the bundled reference sets with their signature counts.
    #[command(after_help = "Example:\n  mutasig reference list")]
    List,
    /// Write a bundled reference matrix as TSV.
    #[command(
        after_help = "Example:\n  mutasig reference export --cosmic v3.6 --genome GRCh38 --only SBS1,SBS5 -o sbs1_5.tsv"
    )]
    Export {
        #[command(flatten)]
        cosmic: CosmicArgs,
        /// Context of the set.
        #[arg(long, default_value = "SBS96", value_parser = parse_context)]
        context: Context,
        /// Only these signatures or groups (comma-separated, e.g. SBS1,SBS5 or APOBEC).
        #[arg(long, value_delimiter = ',')]
        only: Vec<String>,
        /// Output file (default or `-`: standard output).
        #[arg(short, long)]
        output: Option<PathBuf>,
        /// Replace an existing output file.
        #[arg(long)]
        force: bool,
    },
}

/// Which bundled COSMIC set.
#[derive(Args, Debug, Clone)]
struct CosmicArgs {
    /// COSMIC version.
    #[arg(long = "cosmic", value_enum, default_value = "v3.6")]
    version: CosmicVersion,
    /// Genome build.
    #[arg(long, value_enum, default_value = "GRCh37")]
    genome: Genome,
    /// Exome-scaled signatures (SBS96 only).
    #[arg(long)]
    exome: bool,
}

/// A usage error found after parsing (exit code 2, like clap's own).
#[derive(Debug)]
struct UsageError(String);

impl std::fmt::Display for UsageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UsageError {}

/// A setting out of range, reported as a usage error (exit 2).
fn usage(e: mutasig::settings::SettingsError) -> anyhow::Error {
    UsageError(e.to_string()).into()
}

fn parse_context(s: &str) -> Result<Context, String> {
    Context::from_name(s).ok_or_else(|| format!("unknown context '{s}'; use SBS96, DBS78 or ID83"))
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    mutasig::log::set_level(if cli.global.quiet {
        0
    } else if cli.global.verbose {
        2
    } else {
        1
    });
    remove_unfinished_on_signal();
    if let Some(n) = cli.global.threads
        && cli.command.uses_threads()
    {
        // the global pool is built once, before any parallel work
        let _ = rayon::ThreadPoolBuilder::new()
            .num_threads(n as usize)
            .build_global();
    }
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            if e.chain().any(|c| {
                c.downcast_ref::<std::io::Error>()
                    .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            }) {
                return ExitCode::SUCCESS;
            }
            eprintln!("mutasig: error: {}", error_line(&e));
            if e.downcast_ref::<UsageError>().is_some() {
                ExitCode::from(2)
            } else {
                ExitCode::from(1)
            }
        }
    }
}

/// SIGINT and SIGTERM (what workflow managers and `timeout` send) remove this run's
/// staging folders, temporary files and locks, then exit with 128 + the signal number.
fn remove_unfinished_on_signal() {
    use signal_hook::consts::{SIGINT, SIGTERM};
    let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGINT, SIGTERM]) else {
        return;
    };
    std::thread::spawn(move || {
        if let Some(sig) = signals.forever().next() {
            output::remove_unfinished();
            std::process::exit(128 + sig);
        }
    });
}

/// One line: the error and its causes, each cause once (a message that already ends
/// with its cause's text does not repeat it), control and invisible format characters
/// escaped ([`mutasig::read::table::escape`]).
fn error_line(e: &anyhow::Error) -> String {
    let mut line = String::new();
    for cause in e.chain() {
        let text = cause.to_string();
        if line.ends_with(&text) {
            continue;
        }
        if !line.is_empty() {
            line.push_str(": ");
        }
        line.push_str(&text);
    }
    mutasig::read::table::escape(&line).into_owned()
}

fn stdout_write(text: &str) -> Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()?;
    Ok(())
}

fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Inspect { file, json } => {
            let info = mutasig::read::inspect::inspect(&file)?;
            if json {
                stdout_write(&output::json(&info))
            } else {
                stdout_write(&info.to_text())
            }
        }
        Command::Reference(ReferenceCmd::List) => {
            let mut t = output::Tsv::new(&[
                "file",
                "version",
                "genome",
                "exome",
                "context",
                "signatures",
            ]);
            for b in reference::BUNDLED {
                let set = b.load().with_context(|| format!("bundled {}", b.file))?;
                t.row_str(&[
                    b.file.to_string(),
                    b.version.name().to_string(),
                    b.genome.name().to_string(),
                    b.exome.to_string(),
                    b.context.name().to_string(),
                    set.len().to_string(),
                ]);
            }
            stdout_write(&t.finish())
        }
        Command::Reference(ReferenceCmd::Export {
            cosmic,
            context,
            only,
            output: out,
            force,
        }) => {
            let choice = ReferenceChoice {
                version: cosmic.version,
                genome: cosmic.genome,
                exome: cosmic.exome,
                file: None,
            };
            // the names are checked (a usage error) before the output is looked at
            let all = choice.load(context)?;
            mutasig::assign::cohort::check_signature_names(
                &[("--only", &only)],
                std::slice::from_ref(&all),
            )
            .map_err(usage)?;
            let target = output::FileTarget::parse(out.as_deref().unwrap_or("-".as_ref()));
            target.check(force, &[])?;
            let set = all.select(&only, &[])?;
            let text = matrix_tsv(
                "MutationType",
                context.labels(),
                &set.names,
                set.matrix.as_ref(),
                8,
                false,
            );
            Ok(target.write(text.as_bytes())?)
        }
        Command::Extract(a) => run_extract(a, &cli.global),
        Command::Simulate(a) => run_simulate(a, &cli.global),
        Command::Assign(a) => run_assign(a, &cli.global),
        Command::Report { dir, format } => {
            let n = mutasig::report::rebuild(&dir, format.get())?;
            mutasig::log::info(&format!(
                "report.html and {n} figures written to {}",
                dir.display()
            ));
            Ok(())
        }
        Command::Plot {
            file,
            output: out,
            format,
            kind,
            force,
        } => {
            let kind = match kind {
                PlotKind::Auto => mutasig::report::figures::PlotRequest::Auto,
                PlotKind::Spectrum => mutasig::report::figures::PlotRequest::Spectrum,
                PlotKind::Panel => mutasig::report::figures::PlotRequest::Panel,
                PlotKind::Exposures => mutasig::report::figures::PlotRequest::Exposures,
                PlotKind::Rank => mutasig::report::figures::PlotRequest::Rank,
            };
            let dir = output::OutputDir::create(&out, force, &[&file])?;
            let figs = mutasig::report::figures::plot_file(&file, kind, format.get())?;
            for (name, bytes) in &figs {
                dir.write(name, bytes)?;
            }
            dir.commit()?;
            mutasig::log::info(&format!(
                "{} written to {}",
                mutasig::read::table::plural(figs.len(), "figure", "figures"),
                out.display()
            ));
            Ok(())
        }
        Command::Compare {
            a,
            b,
            matrix,
            force,
        } => {
            let target = matrix.as_deref().map(output::FileTarget::parse);
            if let Some(t) = &target {
                t.check(force, &[&a, &b])?;
            }
            let sa = mutasig::SignatureSet::read(&a)?;
            let sb = mutasig::SignatureSet::read(&b)?;
            let (pairs, full) = mutasig::assign::cohort::compare(&sa, &sb)?;
            if let Some(t) = &target {
                t.write(full.as_bytes())?;
            }
            if target != Some(output::FileTarget::Stdout) {
                stdout_write(&pairs)?;
            }
            Ok(())
        }
    }
}

fn progress_bar(total: u64, quiet: bool) -> indicatif::ProgressBar {
    use std::io::IsTerminal;
    if quiet || !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(total);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {bar:40} {pos}/{len} factorizations (eta {eta})",
        )
        .expect("valid template"),
    );
    bar
}

fn command_line() -> Vec<String> {
    std::env::args().collect()
}

fn run_extract(a: ExtractArgs, g: &Global) -> Result<()> {
    use mutasig::extract::{self, ExtractConfig, RunInfo};
    let start = std::time::Instant::now();
    let (min_rank, max_rank) = match a.rank {
        Some(k) => (k as usize, k as usize),
        None => (a.min_rank as usize, a.max_rank as usize),
    };
    let cfg = ExtractConfig {
        min_rank,
        max_rank,
        replicates: a.replicates as usize,
        resample: !a.no_resample,
        normalization: a.normalize,
        objective: match a.objective {
            ObjectiveArg::Kl => mutasig::nmf::Objective::KullbackLeibler,
            ObjectiveArg::Frobenius => mutasig::nmf::Objective::Frobenius,
        },
        solver: match a.solver {
            SolverArg::Auto => mutasig::nmf::Solver::Auto,
            SolverArg::Mu => mutasig::nmf::Solver::MultiplicativeUpdate,
            SolverArg::Hals => mutasig::nmf::Solver::Hals,
            SolverArg::Cd => mutasig::nmf::Solver::CoordinateDescent,
        },
        init: match a.init {
            InitArg::Random => mutasig::nmf::Init::Random,
            InitArg::Nndsvd => mutasig::nmf::Init::Nndsvd,
            InitArg::Nndsvda => mutasig::nmf::Init::Nndsvda,
            InitArg::Nndsvdar => mutasig::nmf::Init::Nndsvdar,
        },
        mu_warmup: a.mu_warmup,
        extrapolate: !a.no_extrapolation,
        tolerance: a.tolerance,
        max_iter: a.max_iter,
        selection: mutasig::extract::rank::RankOptions {
            min_stability_mean: a.stability,
            min_stability_min: a.min_stability,
            alpha: a.alpha,
        },
        consensus: mutasig::extract::consensus::ConsensusOptions::default(),
        seed: g.seed,
    };
    // every setting is checked before the input is read or the output created
    cfg.check().map_err(usage)?;
    let text = mutasig::read::table::read_text(&a.input)?;
    let cat = mutasig::Catalogue::parse(&a.input, &text.bytes)?;
    let sha = text.sha256;
    let reference = a.reference.choice().load(cat.context)?;
    let (lo, hi, _) = extract::rank_range(
        min_rank,
        max_rank,
        cat.n_samples().max(1),
        cat.counts.nrows(),
    );
    cfg.check_ranks(hi).map_err(usage)?;
    let out = output::OutputDir::create(
        &a.output,
        a.force,
        &[&a.input, a.reference.file.as_deref().unwrap_or("-")],
    )?;
    let bar = progress_bar(((hi - lo + 1) * cfg.replicates) as u64, g.quiet);
    mutasig::log::info(&format!(
        "extracting from {} samples, ranks {lo}..{hi}, {} replicates each",
        cat.n_samples(),
        cfg.replicates
    ));
    let mut ex = extract::extract(&cat, &cfg, &|| bar.inc(1))?;
    bar.finish_and_clear();
    ex.warnings.splice(0..0, cat.warnings.iter().cloned());
    for w in &ex.warnings {
        mutasig::log::warn(w);
    }
    let run = RunInfo {
        command_line: command_line(),
        threads: rayon::current_num_threads(),
        seconds: start.elapsed().as_secs_f64(),
        rank_seconds: ex.ranks.iter().map(|r| (r.k, r.seconds)).collect(),
        nmf_seconds: ex.nmf_seconds,
    };
    let dcfg = mutasig::assign::DecomposeConfig::default();
    extract::write_outputs(&out, &ex, (&a.input, &sha), &reference, &dcfg, &cfg, &run)?;
    if !a.no_plots {
        mutasig::report::add_to(&out, a.plot_format.get())?;
    }
    let path = out.commit()?;
    mutasig::log::info(&format!(
        "selected rank {} ({}); results in {}",
        ex.selection.selected,
        ex.selection.reason,
        path.display()
    ));
    Ok(())
}

fn run_assign(a: AssignArgs, g: &Global) -> Result<()> {
    use mutasig::assign::{Criterion, DecomposeConfig};
    use mutasig::assign::cohort;
    let start = std::time::Instant::now();
    let criterion = match a.criterion {
        CriterionArg::Likelihood => Criterion::LikelihoodRatio,
        CriterionArg::L2 => Criterion::RelativeL2,
    };
    let opts = cohort::AssignOptions {
        input: a.input.clone(),
        decompose: a.decompose.clone(),
        criterion,
        add_threshold: a.add_threshold,
        remove_threshold: a.remove_threshold,
        min_l2_gain: a.min_l2_gain,
        overdispersion: !a.no_overdispersion,
        bootstrap: a.bootstrap,
        background: if a.no_background {
            Some(Vec::new())
        } else {
            a.background.clone()
        },
        include: a.include.clone(),
        exclude: a.exclude.clone(),
    };
    // settings first; then the names against the reference (the bundled sets are compiled
    // in; a --signatures file is the one file read before the catalogue)
    opts.check().map_err(usage)?;
    let choice = a.reference.choice();
    let candidates = cohort::candidate_references(&choice)?;
    opts.check_names(&candidates).map_err(usage)?;
    let inputs: Vec<&str> = [&a.input, &a.decompose, &a.reference.file]
        .into_iter()
        .flatten()
        .map(|s| s.as_str())
        .collect();
    #[derive(serde::Serialize)]
    struct Summary<'a> {
        tool: &'static str,
        version: &'static str,
        command: &'static str,
        input: &'a str,
        input_sha256: &'a str,
        reference: &'a str,
        cosmic_version: &'static str,
        genome: &'static str,
        exome: bool,
        include: &'a [String],
        exclude: &'a [String],
        settings: Option<&'a cohort::AssignSettings>,
        decomposition: Option<&'a DecomposeConfig>,
        samples: usize,
        dropped_samples: &'a [String],
        warnings: &'a [String],
        run: serde_json::Value,
    }
    if let Some(path) = &a.decompose {
        let text = mutasig::read::table::read_text(path)?;
        let sha = text.sha256;
        let sigs =
            mutasig::read::table::parse(path, &text.bytes, mutasig::read::table::ValueKind::Probabilities)?;
        let set = mutasig::SignatureSet {
            context: sigs.context,
            names: sigs.columns,
            matrix: sigs.values,
            source: path.clone(),
        };
        let reference = cohort::reference_for(&choice, &candidates, set.context)?
            .select(&a.include, &a.exclude)?;
        let dcfg = DecomposeConfig::default();
        let table = cohort::decompose_table(&set, &reference, &dcfg)?;
        let out = output::OutputDir::create(&a.output, a.force, &inputs)?;
        out.write("cosmic_decomposition.tsv", table.as_bytes())?;
        let summary = Summary {
            tool: "mutasig",
            version: mutasig::VERSION,
            command: "assign --decompose",
            input: path,
            input_sha256: &sha,
            reference: &reference.source,
            cosmic_version: a.reference.cosmic.version.name(),
            genome: a.reference.cosmic.genome.name(),
            exome: a.reference.cosmic.exome,
            include: &a.include,
            exclude: &a.exclude,
            settings: None,
            decomposition: Some(&dcfg),
            samples: 0,
            dropped_samples: &[],
            warnings: &[],
            run: serde_json::json!({"command_line": command_line(), "seconds": start.elapsed().as_secs_f64()}),
        };
        out.write("summary.json", output::json(&summary).as_bytes())?;
        out.commit()?;
        return Ok(());
    }
    let input = a
        .input
        .clone()
        .expect("clap requires the input without --decompose");
    let text = mutasig::read::table::read_text(&input)?;
    let sha = text.sha256;
    let cat = mutasig::Catalogue::parse(&input, &text.bytes)?;
    let reference = cohort::reference_for(&choice, &candidates, cat.context)?
        .select(&a.include, &a.exclude)?;
    let (cfg, mut warnings) = cohort::selection_config(&reference, &opts)?;
    warnings.splice(0..0, cat.warnings.iter().cloned());
    let out = output::OutputDir::create(&a.output, a.force, &inputs)?;
    let settings = cohort::AssignSettings {
        criterion,
        add_threshold: cfg.add_threshold,
        remove_threshold: cfg.remove_threshold,
        background: cfg
            .background
            .iter()
            .map(|&j| reference.names[j].clone())
            .collect(),
        groups: cfg
            .groups
            .iter()
            .map(|g| g.iter().map(|&j| reference.names[j].clone()).collect())
            .collect(),
        bootstrap: a.bootstrap,
        seed: g.seed,
        overdispersion: cfg.overdispersion,
        min_l2_gain: cfg.min_l2_gain,
    };
    let result = cohort::assign(&cat, &reference, cfg, a.bootstrap, g.seed)?;
    if !result.dropped.is_empty() {
        warnings.push(format!(
            "dropped {} with no mutations: {}",
            mutasig::read::table::plural(result.dropped.len(), "sample", "samples"),
            result.dropped.join(", ")
        ));
    }
    for w in &warnings {
        mutasig::log::warn(w);
    }
    result.write(&out)?;
    let summary = Summary {
        tool: "mutasig",
        version: mutasig::VERSION,
        command: "assign",
        input: &input,
        input_sha256: &sha,
        reference: &reference.source,
        cosmic_version: a.reference.cosmic.version.name(),
        genome: a.reference.cosmic.genome.name(),
        exome: a.reference.cosmic.exome,
        include: &a.include,
        exclude: &a.exclude,
        settings: Some(&settings),
        decomposition: None,
        samples: result.catalogue.n_samples(),
        dropped_samples: &result.dropped,
        warnings: &warnings,
        run: serde_json::json!({
            "command_line": command_line(),
            "threads": rayon::current_num_threads(),
            "seconds": start.elapsed().as_secs_f64(),
        }),
    };
    out.write("summary.json", output::json(&summary).as_bytes())?;
    if !a.no_plots {
        mutasig::report::add_to(&out, a.plot_format.get())?;
    }
    let path = out.commit()?;
    mutasig::log::info(&format!(
        "assigned {} samples; results in {}",
        result.catalogue.n_samples(),
        path.display()
    ));
    Ok(())
}

fn run_simulate(a: SimulateArgs, g: &Global) -> Result<()> {
    use mutasig::simulate::{self, SimConfig, simulate};
    let mut cfg = SimConfig {
        samples: a.samples as usize,
        active: a.active.unwrap_or(simulate::DEFAULT_ACTIVE),
        burden_median: a.burden_median,
        burden_log_sd: a.burden_log_sd,
        noise: a.noise,
        seed: g.seed,
    };
    cfg.check().map_err(usage)?;
    let set = if a.signatures.len() == 1 && std::path::Path::new(&a.signatures[0]).is_file() {
        mutasig::SignatureSet::read(&a.signatures[0])?
    } else {
        let choice = ReferenceChoice {
            version: a.cosmic.version,
            genome: a.cosmic.genome,
            exome: a.cosmic.exome,
            file: None,
        };
        let all = choice.load(a.context)?;
        mutasig::assign::cohort::check_signature_names(
            &[("--signatures", &a.signatures)],
            std::slice::from_ref(&all),
        )
        .map_err(usage)?;
        all.select(&a.signatures, &[])?
    };
    if a.active.is_none() {
        cfg.active = simulate::default_active(set.len());
    }
    cfg.check_signatures(set.len()).map_err(usage)?;
    // the output folder is claimed (or refused) before the cohort is drawn
    let inputs: Vec<&str> = a.signatures.iter().map(|s| s.as_str()).collect();
    let out = output::OutputDir::create(&a.output, a.force, &inputs)?;
    let sim = simulate(&set, &cfg)?;
    let labels = set.context.labels();
    out.write(
        "catalogue.tsv",
        matrix_tsv(
            "MutationType",
            labels,
            &sim.catalogue.samples,
            sim.catalogue.counts.as_ref(),
            0,
            false,
        )
        .as_bytes(),
    )?;
    out.write(
        "truth_signatures.tsv",
        matrix_tsv(
            "MutationType",
            labels,
            &set.names,
            set.matrix.as_ref(),
            8,
            false,
        )
        .as_bytes(),
    )?;
    out.write(
        "truth_exposures.tsv",
        matrix_tsv(
            "Sample",
            &set.names,
            &sim.catalogue.samples,
            sim.exposures.as_ref(),
            2,
            true,
        )
        .as_bytes(),
    )?;
    #[derive(serde::Serialize)]
    struct Summary<'a> {
        tool: &'static str,
        version: &'static str,
        command: &'static str,
        signatures: &'a [String],
        source: &'a str,
        parameters: &'a SimConfig,
        outputs: [&'static str; 3],
    }
    out.write(
        "summary.json",
        output::json(&Summary {
            tool: "mutasig",
            version: mutasig::VERSION,
            command: "simulate",
            signatures: &set.names,
            source: &set.source,
            parameters: &cfg,
            outputs: [
                "catalogue.tsv",
                "truth_signatures.tsv",
                "truth_exposures.tsv",
            ],
        })
        .as_bytes(),
    )?;
    let path = out.commit()?;
    mutasig::log::info(&format!(
        "{} samples written to {}",
        cfg.samples,
        path.display()
    ));
    Ok(())
}
