//! `mutasig extract --partial-out`: compute some (rank, replicate) jobs of an extraction
//! and write their raw results to one file, for `mutasig merge` (docs/pipelines.md).

use super::common::{progress_bar, usage};
use anyhow::Result;
use clap::Args;
use mutasig::extract::{self, ExtractConfig, partial};
use mutasig::output::FileTarget;
use mutasig::settings::SettingsError;
use std::path::{Path, PathBuf};

/// The scatter flags of `extract`.
#[derive(Args, Debug)]
pub struct ScatterArgs {
    /// Compute only some jobs (see --ranks, --replicate-range) and write their raw
    /// results to FILE instead of an output folder; `mutasig merge` joins the parts.
    #[arg(long, value_name = "FILE", conflicts_with = "output")]
    pub partial_out: Option<PathBuf>,
    /// With --partial-out: only these ranks, comma-separated (default: every rank of
    /// --min-rank..--max-rank).
    #[arg(long, value_name = "K[,K2…]", value_delimiter = ',', 
          value_parser = clap::value_parser!(u32).range(1..))]
    ranks: Vec<u32>,
    /// With --partial-out: only replicates A..B of each rank (0-based, B excluded, B at
    /// most --replicates; default: all).
    #[arg(long, value_name = "A..B", value_parser = parse_range)]
    replicate_range: Option<(usize, usize)>,
}

fn parse_range(s: &str) -> Result<(usize, usize), String> {
    let bad = || format!("expected A..B with whole numbers A < B, got '{s}'");
    let (a, b) = s.split_once("..").ok_or_else(bad)?;
    let (a, b) = (
        a.trim().parse().map_err(|_| bad())?,
        b.trim().parse().map_err(|_| bad())?,
    );
    if a < b { Ok((a, b)) } else { Err(bad()) }
}

impl ScatterArgs {
    /// A usage error when --ranks or --replicate-range come without --partial-out.
    pub fn check(&self) -> Result<()> {
        let flag = match (
            &self.partial_out,
            self.ranks.is_empty(),
            self.replicate_range,
        ) {
            (None, false, _) => "--ranks",
            (None, _, Some(_)) => "--replicate-range",
            _ => return Ok(()),
        };
        let why = format!("{flag} only works with --partial-out (a folder needs every job)");
        Err(super::common::usage_line(why))
    }

    /// Checks the flags against `cfg`, computes the jobs and writes the partial file.
    pub fn run(
        &self,
        part: &Path,
        input: &str,
        force: bool,
        cfg: &ExtractConfig,
        g: &super::Global,
    ) -> Result<()> {
        let (a, b) = self.replicate_range.unwrap_or((0, cfg.replicates));
        if b > cfg.replicates {
            let why = format!("must end at most at --replicates {}", cfg.replicates);
            return Err(usage(SettingsError::new(
                "--replicate-range",
                format!("{a}..{b}"),
                why,
            )));
        }
        let mut ranks: Vec<usize> = self.ranks.iter().map(|&k| k as usize).collect();
        ranks.sort_unstable();
        ranks.dedup();
        let (lo, hi) = (cfg.min_rank, cfg.max_rank);
        let outside = |ranks: &[usize], lo: usize, hi: usize, note: &str| match ranks
            .iter()
            .find(|k| !(lo..=hi).contains(*k))
        {
            Some(k) => {
                let why = format!("rank {k} is outside the ranks tried, {lo}..{hi}{note}");
                Err(usage(SettingsError::new("--ranks", k.to_string(), why)))
            }
            None => Ok(()),
        };
        outside(&ranks, lo, hi, "")?;
        let target = FileTarget::parse(part);
        target.check(force, &[input])?;
        let text = mutasig::read::table::read_text(input)?;
        let cat = mutasig::Catalogue::parse(input, &text.bytes)?;
        let (n, m) = (cat.n_samples().max(1), cat.counts.nrows());
        let (lo, hi, _) = extract::rank_range(cfg.min_rank, cfg.max_rank, n, m);
        cfg.check_ranks(hi).map_err(usage)?;
        outside(&ranks, lo, hi, " (capped by the number of samples)")?;
        let prepared = extract::prepare(&cat, cfg)?;
        if ranks.is_empty() {
            ranks.clone_from(&prepared.ranks);
        }
        let bar = progress_bar((ranks.len() * (b - a)) as u64, g.quiet);
        let bytes = partial::compute(&prepared, cfg, &text.sha256, &ranks, a..b, &|p| {
            if p == extract::Progress::Factorized {
                bar.inc(1);
            }
        })?;
        bar.finish_and_clear();
        target.write(&bytes)?;
        let shown = part.display();
        mutasig::log::info(&format!(
            "ranks {ranks:?} x replicates {a}..{b} written to {shown}"
        ));
        Ok(())
    }
}
