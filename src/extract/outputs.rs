//! The files `extract` writes: the contract other commands and users depend on.

use super::{Extraction, RankResult};
use crate::assign::{Decomposition, DecompositionStatus};
use crate::numeric::{fit_quality, median, reconstruct, round_conserving_sums};
use crate::output::{OutputDir, OutputError, Tsv, fmt_float, matrix_tsv};
use crate::read::reference::SignatureSet;

/// Decomposition written as `SBS1:0.4200;SBS5:0.5800` (weights descending).
pub fn decomposition_string(d: &Decomposition, reference: &SignatureSet) -> String {
    let mut parts: Vec<(usize, f64)> = d.active.iter().map(|&j| (j, d.weights[j])).collect();
    parts.retain(|p| p.1 > 0.0);
    parts.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    parts
        .iter()
        .map(|(j, w)| format!("{}:{}", reference.names[*j], fmt_float(*w, 4)))
        .collect::<Vec<_>>()
        .join(";")
}

fn status_name(s: DecompositionStatus) -> &'static str {
    match s {
        DecompositionStatus::Matched => "matched",
        DecompositionStatus::Decomposed => "decomposed",
        DecompositionStatus::Novel => "novel",
    }
}

/// Write the three per-rank tables under `prefix` (`""` or `ranks/k5/`).
pub fn write_rank(
    out: &OutputDir,
    prefix: &str,
    ex: &Extraction,
    r: &RankResult,
    decomp: Option<(&[Decomposition], &SignatureSet)>,
) -> Result<(), OutputError> {
    let channels = ex.catalogue.context.labels();
    out.write(
        &format!("{prefix}signatures.tsv"),
        matrix_tsv(
            "MutationType",
            channels,
            &r.names,
            r.signatures.as_ref(),
            8,
            false,
        )
        .as_bytes(),
    )?;
    let counts = round_conserving_sums(&r.exposures);
    // exposures: samples as rows, signatures as columns
    out.write(
        &format!("{prefix}exposures.tsv"),
        matrix_tsv(
            "Sample",
            &r.names,
            &ex.catalogue.samples,
            counts.as_ref(),
            0,
            true,
        )
        .as_bytes(),
    )?;
    let mut t = Tsv::new(&[
        "Signature",
        "stability",
        "total_mutations",
        "best_cosmic",
        "cosine",
        "decomposition",
        "decomposition_cosine",
        "status",
    ]);
    for (s, name) in r.names.iter().enumerate() {
        let total: f64 = (0..counts.ncols()).map(|j| counts[(s, j)]).sum();
        let mut row = vec![
            name.clone(),
            fmt_float(r.stability[s], 4),
            fmt_float(total, 0),
        ];
        match decomp {
            Some((d, reference)) => {
                let d = &d[s];
                row.push(reference.names[d.best].clone());
                row.push(fmt_float(d.best_cosine, 4));
                row.push(decomposition_string(d, reference));
                row.push(fmt_float(d.cosine, 4));
                row.push(status_name(d.status).into());
            }
            None => row.extend(["NA", "NA", "NA", "NA", "NA"].map(String::from)),
        }
        t.row_str(&row);
    }
    out.write(
        &format!("{prefix}signature_stats.tsv"),
        t.finish().as_bytes(),
    )
}

/// `rank_selection.tsv`: one row per rank.
pub fn rank_table(ex: &Extraction) -> String {
    let mut t = Tsv::new(&[
        "rank",
        "stability_mean",
        "stability_min",
        "cophenetic",
        "dispersion",
        "pac",
        "reconstruction_error",
        "median_sample_error",
        "mean_cosine",
        "p_value",
        "candidate",
        "selected",
    ]);
    for r in &ex.ranks {
        let p = ex
            .selection
            .comparisons
            .iter()
            .find(|c| c.k == r.k)
            .map(|c| format!("{:.3e}", c.p_value))
            .unwrap_or_else(|| "NA".into());
        t.row_str(&[
            r.k.to_string(),
            fmt_float(r.stability_mean, 4),
            fmt_float(r.stability_min, 4),
            fmt_float(r.coclustering.cophenetic, 4),
            fmt_float(r.coclustering.dispersion, 4),
            fmt_float(r.coclustering.pac, 4),
            fmt_float(r.reconstruction_error, 6),
            fmt_float(median(&r.sample_errors), 6),
            fmt_float(r.mean_cosine, 6),
            p,
            ex.selection.candidates.contains(&r.k).to_string(),
            (r.k == ex.selection.selected).to_string(),
        ]);
    }
    t.finish()
}

/// `fit_quality.tsv` for a rank: per sample, how well the refit reconstructs it.
pub fn fit_quality_table(ex: &Extraction, r: &RankResult) -> String {
    let totals = ex.catalogue.totals();
    let counts = round_conserving_sums(&r.exposures);
    let recon = reconstruct(r.signatures.as_ref(), r.exposures.as_ref());
    let rows: Vec<crate::output::FitRow<'_>> = ex
        .catalogue
        .samples
        .iter()
        .enumerate()
        .map(|(j, name)| {
            let obs: Vec<f64> = ex.catalogue.counts.col(j).iter().copied().collect();
            let rec = recon.col_as_slice(j);
            crate::output::FitRow {
                sample: name,
                total: totals[j],
                quality: fit_quality(&obs, rec),
                signatures: (0..r.k)
                    .filter(|&s| counts[(s, j)] > 0.0)
                    .map(|s| r.names[s].as_str())
                    .collect(),
            }
        })
        .collect();
    crate::output::fit_quality_tsv(&rows)
}

/// `cosmic_decomposition.tsv` for the selected solution.
pub fn decomposition_table(
    names: &[String],
    d: &[Decomposition],
    reference: &SignatureSet,
) -> String {
    let mut t = Tsv::new(&[
        "signature",
        "best_match",
        "best_cosine",
        "decomposition",
        "reconstruction_cosine",
        "status",
    ]);
    for (name, d) in names.iter().zip(d) {
        t.row_str(&[
            name.clone(),
            reference.names[d.best].clone(),
            fmt_float(d.best_cosine, 4),
            decomposition_string(d, reference),
            fmt_float(d.cosine, 4),
            status_name(d.status).to_string(),
        ]);
    }
    t.finish()
}
