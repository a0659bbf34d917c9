//! `mutasig extract`.

use super::common::{progress_bar, usage};
use super::folder::Folder;
use super::nmf::NmfArgs;
use super::outputs::OutputArgs;
use super::rank::RankArgs;
use super::reference::ReferenceArgs;
use super::scatter::ScatterArgs;
use clap::Args;
use mutasig::extract::resample::Normalization;
use mutasig::extract::{self, ExtractConfig, Refine};
use mutasig::log;
use mutasig::output::TableFormat;
use mutasig::output::work::WorkArea;
use std::path::PathBuf;

#[derive(Args, Debug)]
pub struct ExtractArgs {
    #[command(flatten)]
    outputs: OutputArgs,
    #[command(flatten)]
    scatter: ScatterArgs,
    /// Catalogue file (TSV/CSV, optionally .gz; `-` for standard input; or .parquet).
    input: String,
    /// Output folder (must not exist or be empty, unless --force).
    #[arg(short, long, required_unless_present = "partial_out")]
    output: Option<PathBuf>,
    /// Replace an existing output folder (or --partial-out file).
    #[arg(long)]
    force: bool,
    /// Keep finished ranks in .NAME.mutasig-parts/ beside the folder and reuse what an
    /// interrupted run with the same input and settings left there (removed at the end).
    #[arg(long, conflicts_with = "partial_out")]
    resume: bool,
    /// Keep every rank's raw factorizations (parts/rank{K}.part) for `mutasig merge`.
    #[arg(long, conflicts_with = "partial_out")]
    keep_parts: bool,
    /// Also write the exposures as a Parquet long table (exposures.parquet).
    #[arg(long, value_enum, default_value = "tsv")]
    format: TableFormat,
    /// Smallest rank tried (not above --max-rank).
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..))]
    min_rank: u32,
    /// Largest rank tried (capped at samples − 1).
    #[arg(long, default_value_t = 15, value_parser = clap::value_parser!(u32).range(1..))]
    max_rank: u32,
    /// Only this rank (forces the selection).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..), conflicts_with_all = ["min_rank", "max_rank"])]
    rank: Option<u32>,
    /// Factorizations per rank, 1 to 20000 (rank × replicates ≤ 20000); at least 2 when
    /// several ranks are tried (stability needs two; with --rank K one is allowed).
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u32).range(1..))]
    replicates: u32,
    /// Replicates by need (several ranks): start each rank with N, add N at a time up to
    /// --replicates until more could not change its stability verdict (N ≥ --replicates: off).
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u32).range(2..))]
    min_replicates: u32,
    /// Factorize the catalogue itself (new starts only) instead of bootstrap resamples.
    #[arg(long)]
    no_resample: bool,
    /// How each rank's consensus signatures are refined on the catalogue itself.
    #[arg(long, value_enum, default_value = "mvnmf")]
    refine: Refine,
    /// Cap hypermutated samples before factorizing: gmm, cap:N, log2 or none.
    #[arg(long, default_value = "gmm")]
    normalize: Normalization,
    #[command(flatten)]
    nmf: NmfArgs,
    #[command(flatten)]
    rank_select: RankArgs,
    #[command(flatten)]
    reference: ReferenceArgs,
}

impl ExtractArgs {
    fn settings(&self, seed: u64) -> ExtractConfig {
        let (min_rank, max_rank) = match self.rank {
            Some(k) => (k, k),
            None => (self.min_rank, self.max_rank),
        };
        ExtractConfig {
            min_rank: min_rank as usize,
            max_rank: max_rank as usize,
            replicates: self.replicates as usize,
            min_replicates: self.min_replicates as usize,
            resample: !self.no_resample,
            refine: self.refine,
            normalization: self.normalize,
            nmf: self.nmf.settings(),
            selection: self.rank_select.options(),
            consensus: Default::default(),
            seed,
        }
    }
}

pub fn run(a: ExtractArgs, g: &super::Global) -> anyhow::Result<()> {
    let start = std::time::Instant::now();
    let cfg = a.settings(g.seed);
    // every setting is checked before the input is read or the output created
    cfg.check().map_err(usage)?;
    a.scatter.check()?;
    if let Some(part) = &a.scatter.partial_out {
        return a.scatter.run(part, &a.input, a.force, &cfg, g);
    }
    let text = mutasig::read::table::read_text(&a.input)?;
    let cat = mutasig::Catalogue::parse(&a.input, &text.bytes)?;
    let groups = a.outputs.groups(&cat)?;
    let (n, m) = (cat.n_samples().max(1), cat.counts.nrows());
    let (lo, hi, _) = extract::rank_range(cfg.min_rank, cfg.max_rank, n, m);
    cfg.check_ranks(hi).map_err(usage)?;
    let path = a
        .output
        .as_deref()
        .expect("clap requires -o without --partial-out");
    let args = (a.input.as_str(), &a.outputs, &a.reference);
    let folder = Folder::open(args, &cat, path, a.force, a.format)?;
    let bar = progress_bar(((hi - lo + 1) * cfg.replicates) as u64, g.quiet);
    mutasig::log::info(&format!(
        "extracting from {} samples, ranks {lo}..{hi}, {} replicates each",
        cat.n_samples(),
        cfg.replicates
    ));
    let work = WorkArea::of(path);
    let ex = if a.resume || a.keep_parts {
        let input = (a.input.as_str(), text.sha256.as_str());
        super::resume::extraction(&cat, input, &cfg, &work, &bar)?
    } else {
        extract::extract(&cat, &cfg, &|p| match p {
            extract::Progress::Factorized => bar.inc(1),
            extract::Progress::Skipped(n) => bar.inc(n as u64),
            extract::Progress::Detail(d) => {
                log::debug(&format!("{d}; memory {:.0} MB", log::rss_mb()))
            }
        })?
    };
    bar.finish_and_clear();
    if a.keep_parts {
        for r in &ex.ranks {
            let bytes = std::fs::read(work.part(r.k))?;
            folder.add(&format!("parts/rank{}.part", r.k), &bytes)?;
        }
    }
    folder.write(ex, (&cat, &text.sha256, &cfg), groups.as_ref(), start)?;
    if a.resume || a.keep_parts {
        work.remove()?;
    }
    Ok(())
}
