//! `mutasig extract --resume`: the factorizations rank by rank, each finished rank's raw
//! results kept as a partial file in the output's work area (`.NAME.mutasig-parts/`
//! beside the output folder), so that a killed run continues where it stopped and
//! writes the same bytes as an uninterrupted one (docs/pipelines.md).

use anyhow::{Result, anyhow};
use mutasig::Catalogue;
use mutasig::extract::{self, ExtractConfig, Extraction, Progress, partial};
use mutasig::output::work::WorkArea;

/// The extraction of `cat` (file `input`, SHA-256 `sha256`) with every rank's replicates
/// taken from `work` when a matching part is there, computed and stored there otherwise;
/// `bar` counts the factorizations, reused ones included.
pub fn extraction(
    cat: &Catalogue,
    (input, sha256): (&str, &str),
    cfg: &ExtractConfig,
    work: &WorkArea,
    bar: &indicatif::ProgressBar,
) -> Result<Extraction> {
    let p = extract::prepare(cat, cfg)?;
    let all = 0..cfg.replicates;
    let stored = |k: usize| {
        let bytes = work.read(k)?;
        let part = partial::decode("", &bytes).ok()?;
        part.is_part_of(cfg, sha256, &[k], all.clone())
            .then_some(())
    };
    let todo: Vec<usize> = p
        .ranks
        .iter()
        .copied()
        .filter(|&k| stored(k).is_none())
        .collect();
    let shown = work.path().display();
    if todo.len() < p.ranks.len() {
        let n = p.ranks.len() - todo.len();
        mutasig::log::info(&format!(
            "resuming: {n} of {} ranks taken from {shown}",
            p.ranks.len()
        ));
    }
    bar.inc(((p.ranks.len() - todo.len()) * cfg.replicates) as u64);
    for &k in &todo {
        let bytes = partial::compute(&p, cfg, sha256, &[k], all.clone(), &|e| {
            if e == Progress::Factorized {
                bar.inc(1);
            }
        })?;
        work.write(k, &bytes)?;
    }
    let mut parts = Vec::with_capacity(p.ranks.len());
    for &k in &p.ranks {
        let name = work.part(k).display().to_string();
        let bytes = work
            .read(k)
            .ok_or_else(|| anyhow!("{name} disappeared during the run"))?;
        parts.push((name.clone(), partial::decode(&name, &bytes)?));
    }
    let g = partial::gather(parts, cat, input, sha256)?;
    Ok(extract::finish(
        g.prepared,
        &g.settings,
        g.replicates,
        g.nmf_seconds,
        &|_| {},
    )?)
}
