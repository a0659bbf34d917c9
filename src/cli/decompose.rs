//! `mutasig assign --decompose SIGNATURES`: de novo signatures explained by the reference.

use super::common::run_info;
use mutasig::SignatureSet;
use mutasig::assign::{DecomposeConfig, cohort};
use mutasig::output::assign::{self as write, Request};
use mutasig::output::{OutputDir, json};
use std::path::Path;

/// Decomposes the signature file read as `bytes`; `req` names it and the reference.
/// `target`: the output folder, `--force` and the inputs it must not replace.
pub fn run(
    (output, force, inputs): (&Path, bool, &[&str]),
    req: &Request<'_>,
    candidates: &[SignatureSet],
    bytes: &[u8],
    start: std::time::Instant,
) -> anyhow::Result<()> {
    let set = SignatureSet::parse(req.input, bytes)?;
    let reference = cohort::reference_for(req.choice, candidates, set.context)?
        .select(req.include, req.exclude)?;
    let dcfg = DecomposeConfig::default();
    let table = write::decompose_table(&set, &reference, &dcfg)?;
    let out = OutputDir::create(output, force, inputs)?;
    out.write("cosmic_decomposition.tsv", table.as_bytes())?;
    let summary = write::decompose_summary(req, &set, &reference, &dcfg, run_info(start));
    out.write("summary.json", json(&summary).as_bytes())?;
    out.commit()?;
    Ok(())
}
