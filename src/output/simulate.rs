//! The files `simulate` writes.

use super::summary::{Details, RunInfo, SimulateSummary, Summary};
use super::{OutputDir, OutputError, json, matrix_tsv};
use crate::read::reference::SignatureSet;
use crate::simulate::{SimConfig, Simulation};

const OUTPUTS: [&str; 3] = [
    "catalogue.tsv",
    "truth_signatures.tsv",
    "truth_exposures.tsv",
];

/// Write the simulated catalogue, its truth and `summary.json` into `out`.
pub fn write_simulation(
    out: &OutputDir,
    sim: &Simulation,
    set: &SignatureSet,
    cfg: &SimConfig,
    run: RunInfo,
) -> Result<(), OutputError> {
    let labels = set.context.labels();
    let cat = &sim.catalogue;
    let counts = matrix_tsv(
        "MutationType",
        labels,
        &cat.samples,
        cat.counts.as_ref(),
        0,
        false,
    );
    out.write(OUTPUTS[0], counts.as_bytes())?;
    let truth = &sim.signatures;
    let sigs = matrix_tsv(
        "MutationType",
        labels,
        &truth.names,
        truth.matrix.as_ref(),
        8,
        false,
    );
    out.write(OUTPUTS[1], sigs.as_bytes())?;
    let exposures = matrix_tsv(
        "Sample",
        &truth.names,
        &cat.samples,
        sim.exposures.as_ref(),
        2,
        true,
    );
    out.write(OUTPUTS[2], exposures.as_bytes())?;
    let details = SimulateSummary {
        context: set.context.name().to_string(),
        reference: set.source.clone(),
        signatures: set.names.clone(),
        samples: cat.n_samples(),
        parameters: cfg.clone(),
    };
    let summary = Summary::new(Details::Simulate(details), Vec::new(), &OUTPUTS, run);
    out.write("summary.json", json(&summary).as_bytes())
}
