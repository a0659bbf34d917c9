//! The files `extract` writes: the contract other commands and users depend on.

use super::summary::{
    Details, ExtractParameters, ExtractSummary, Input, RankSummary, RunInfo, Summary,
};
use super::{OutputDir, OutputError, TableFormat, Tsv, columns, fmt_float, matrix_tsv};
use crate::assign::{DecomposeConfig, Decomposition, DecompositionStatus};
use crate::extract::{ExtractConfig, Extraction, RankResult, decompose_all};
use crate::numeric::{fit_quality, median, reconstruct, round_conserving_sums};
use crate::read::reference::{ReferenceChoice, SignatureSet};

/// The files of an extract folder, as listed in its summary.
const OUTPUTS: [&str; 9] = [
    "catalogue.tsv",
    "fit_quality.tsv",
    "signatures.tsv",
    "exposures.tsv",
    "rank_selection.tsv",
    "signature_stats.tsv",
    "cosmic_decomposition.tsv",
    "cosmic_signatures.tsv",
    "ranks/k{K}/",
];

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
        columns::SIGNATURE,
        "stability",
        "total_mutations",
        columns::BEST_COSMIC,
        columns::BEST_COSINE,
        columns::DECOMPOSITION,
        columns::DECOMPOSITION_COSINE,
        columns::STATUS,
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
        "stability_se",
        "stability_min_se",
        "replicates",
        "cophenetic",
        "dispersion",
        "pac",
        "reconstruction_error",
        "median_sample_error",
        "mean_cosine",
        "heldout_loglik",
        "heldout_difference",
        "heldout_se",
        "p_value",
        "candidate",
        "plausible",
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
        let lik = ex.selection.likelihood.iter().find(|l| l.k == r.k);
        let num = |f: fn(&crate::extract::rank::LikelihoodRow) -> f64, d: usize| {
            lik.map_or_else(|| "NA".to_string(), |l| fmt_float(f(l), d))
        };
        t.row_str(&[
            r.k.to_string(),
            fmt_float(r.stability_mean, 4),
            fmt_float(r.stability_min, 4),
            fmt_float(r.stability_se, 4),
            fmt_float(r.stability_min_se, 4),
            r.replicates.to_string(),
            fmt_float(r.coclustering.cophenetic, 4),
            fmt_float(r.coclustering.dispersion, 4),
            fmt_float(r.coclustering.pac, 4),
            fmt_float(r.reconstruction_error, 6),
            fmt_float(median(&r.sample_errors), 6),
            fmt_float(r.mean_cosine, 6),
            num(|l| l.loglik, 2),
            num(|l| l.difference, 2),
            num(|l| l.se, 2),
            p,
            ex.selection.candidates.contains(&r.k).to_string(),
            ex.selection.plausible.contains(&r.k).to_string(),
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
                near_equivalent: Vec::new(),
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
        columns::SIGNATURE,
        columns::BEST_COSMIC,
        columns::BEST_COSINE,
        columns::DECOMPOSITION,
        columns::DECOMPOSITION_COSINE,
        columns::STATUS,
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

/// Write every output of an extraction into `out` (not yet committed).
pub fn write_outputs(
    out: &crate::output::OutputDir,
    ex: &Extraction,
    input: (&str, &str),
    reference: (&SignatureSet, &ReferenceChoice),
    dcfg: &DecomposeConfig,
    settings: (&ExtractConfig, TableFormat),
    run: RunInfo,
) -> Result<(), OutputError> {
    let (reference, choice) = reference;
    let (cfg, format) = settings;
    let sel = ex.selected();
    for r in &ex.ranks {
        let d = decompose_all(r.signatures.as_ref(), reference, dcfg)?;
        write_rank(
            out,
            &format!("ranks/k{}/", r.k),
            ex,
            r,
            Some((&d, reference)),
        )?;
        if r.k == sel.k {
            write_rank(out, "", ex, r, Some((&d, reference)))?;
            if format == TableFormat::Parquet {
                let counts = round_conserving_sums(&r.exposures);
                let bytes = super::parquet::exposures_parquet(
                    &ex.catalogue.samples,
                    &r.names,
                    counts.as_ref(),
                );
                super::assign::write_parquet(out, "exposures.parquet", bytes)?;
            }
            // the COSMIC signatures that match or explain the solution, for plots and users
            let mut used: Vec<usize> = d
                .iter()
                .flat_map(|x| std::iter::once(x.best).chain(x.active.iter().copied()))
                .collect();
            used.sort_unstable();
            used.dedup();
            let subset = reference.subset(&used);
            out.write(
                "cosmic_signatures.tsv",
                crate::output::matrix_tsv(
                    "MutationType",
                    ex.catalogue.context.labels(),
                    &subset.names,
                    subset.matrix.as_ref(),
                    8,
                    false,
                )
                .as_bytes(),
            )?;
            out.write(
                "cosmic_decomposition.tsv",
                decomposition_table(&r.names, &d, reference).as_bytes(),
            )?;
        }
    }
    out.write("rank_selection.tsv", rank_table(ex).as_bytes())?;
    out.write(
        "catalogue.tsv",
        crate::output::matrix_tsv(
            "MutationType",
            ex.catalogue.context.labels(),
            &ex.catalogue.samples,
            ex.catalogue.counts.as_ref(),
            0,
            false,
        )
        .as_bytes(),
    )?;
    out.write("fit_quality.tsv", fit_quality_table(ex, sel).as_bytes())?;
    let details = ExtractSummary {
        input: Input {
            input: input.0.to_string(),
            input_sha256: input.1.to_string(),
            context: ex.catalogue.context.name().to_string(),
            samples: ex.catalogue.n_samples() + ex.dropped.len(),
            samples_used: ex.catalogue.n_samples(),
            dropped_samples: ex.dropped.clone(),
            reference: reference.source.clone(),
        },
        parameters: ExtractParameters {
            extract: cfg.clone(),
            reference: choice.clone(),
            format,
        },
        normalization_applied: ex.normalization,
        decomposition: dcfg.clone(),
        selected_rank: sel.k,
        selection: ex.selection.clone(),
        ranks: ex
            .ranks
            .iter()
            .map(|r| RankSummary {
                rank: r.k,
                stability_mean: r.stability_mean,
                stability_min: r.stability_min,
                stability_se: r.stability_se,
                stability_min_se: r.stability_min_se,
                cophenetic: r.coclustering.cophenetic,
                dispersion: r.coclustering.dispersion,
                pac: r.coclustering.pac,
                cophenetic_estimate: r.cophenetic_estimate,
                reconstruction_error: r.reconstruction_error,
                mean_cosine: r.mean_cosine,
                replicates: r.replicates,
                median_nmf_iterations: r.median_iterations,
                converged_fraction: r.converged_fraction,
            })
            .collect(),
    };
    let mut outputs = OUTPUTS.to_vec();
    if format == TableFormat::Parquet {
        outputs.insert(4, "exposures.parquet");
    }
    let summary = Summary::new(
        Details::Extract(Box::new(details)),
        ex.warnings.clone(),
        &outputs,
        run,
    );
    // summary.json last: its presence marks a complete folder
    out.write("summary.json", super::json(&summary).as_bytes())?;
    Ok(())
}
