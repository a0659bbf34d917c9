//! `mutasig assign` and `mutasig compare`: the command-level side of refitting —
//! choosing the reference, configuring the selection, writing the tables.

use crate::assign::{
    AssignConfig, Criterion, DecomposeConfig, Refitter, SampleBootstrap, SampleFit,
};
use crate::catalogue::Catalogue;
use crate::extract::round_conserving_sums;
use crate::matching;
use crate::output::{OutputDir, Tsv, fmt_float, matrix_tsv};
use crate::reference::SignatureSet;
use faer::Mat;
use serde::Serialize;

/// Settings of an assignment.
#[derive(Debug, Clone, Serialize)]
pub struct AssignSettings {
    /// Selection criterion.
    pub criterion: Criterion,
    /// Threshold to add a signature (default depends on the criterion).
    pub add_threshold: f64,
    /// Threshold below which a signature is removed.
    pub remove_threshold: f64,
    /// Background signature names (kept in every fit).
    pub background: Vec<String>,
    /// Connected groups used.
    pub groups: Vec<Vec<String>>,
    /// Bootstrap replicates (0 = none).
    pub bootstrap: usize,
    /// Seed of the bootstrap streams.
    pub seed: u64,
    /// Likelihood thresholds scaled by the sample's overdispersion.
    pub overdispersion: bool,
    /// Minimum relative-L2 decrease for a signature to enter (likelihood criterion).
    pub min_l2_gain: f64,
}

/// Build the selection config for `reference`: background by name (missing names are
/// reported, not fatal), connected groups whose members are all present.
pub fn selection_config(
    reference: &SignatureSet,
    criterion: Criterion,
    background: Option<&[String]>,
    add: Option<f64>,
    remove: Option<f64>,
) -> Result<(AssignConfig, Vec<String>), crate::Error> {
    let mut cfg = AssignConfig::for_reference(&reference.names, criterion);
    let mut warnings = Vec::new();
    if let Some(bg) = background {
        cfg.background = reference.resolve(bg)?;
    } else if reference.context == crate::Context::Sbs96 {
        for name in crate::assign::DEFAULT_BACKGROUND {
            if reference.index(name).is_none() {
                warnings.push(format!(
                    "background signature {name} is not in the reference; fitting without it"
                ));
            }
        }
    } else {
        cfg.background.clear();
    }
    if reference.context != crate::Context::Sbs96 {
        cfg.groups.clear();
    }
    if let Some(a) = add {
        cfg.add_threshold = a;
    }
    if let Some(r) = remove {
        cfg.remove_threshold = r;
    }
    if cfg.remove_threshold > cfg.add_threshold {
        return Err(crate::Error::Invalid(format!(
            "--remove-threshold {} is above --add-threshold {}; removal must be easier than addition or selection can cycle",
            cfg.remove_threshold, cfg.add_threshold
        )));
    }
    Ok((cfg, warnings))
}

/// The result of assigning a cohort.
#[derive(Debug, Clone)]
pub struct Assignment {
    /// Samples fitted (zero samples removed).
    pub catalogue: Catalogue,
    /// The reference used.
    pub reference: SignatureSet,
    /// One fit per sample.
    pub fits: Vec<SampleFit>,
    /// Bootstrap summaries, when asked.
    pub bootstrap: Option<Vec<SampleBootstrap>>,
    /// Samples dropped for having no mutations.
    pub dropped: Vec<String>,
}

/// Fit every sample of `cat` against `reference`.
pub fn assign(
    cat: &Catalogue,
    reference: &SignatureSet,
    cfg: AssignConfig,
    bootstrap: usize,
    seed: u64,
) -> Result<Assignment, crate::Error> {
    let (kept, dropped) = cat.without_zero_samples();
    if kept.n_samples() == 0 {
        return Err(crate::Error::Invalid(
            "no sample has any mutation; nothing to assign".into(),
        ));
    }
    let refitter = Refitter::new(reference.matrix.as_ref(), cfg)?;
    let fits = refitter.fit_all(kept.counts.as_ref())?;
    let boot = if bootstrap > 0 {
        Some(refitter.bootstrap(kept.counts.as_ref(), bootstrap, seed)?)
    } else {
        None
    };
    Ok(Assignment {
        catalogue: kept,
        reference: reference.clone(),
        fits,
        bootstrap: boot,
        dropped,
    })
}

impl Assignment {
    /// Indices of signatures with any exposure in any sample, in reference order.
    pub fn used_signatures(&self) -> Vec<usize> {
        (0..self.reference.len())
            .filter(|&s| self.fits.iter().any(|f| f.exposures[s] > 0.0))
            .collect()
    }

    /// Exposures of the used signatures, signatures × samples, rounded to whole
    /// mutations that sum to each sample's total.
    pub fn exposure_counts(&self) -> (Vec<String>, Mat<f64>) {
        let used = self.used_signatures();
        let names = used
            .iter()
            .map(|&s| self.reference.names[s].clone())
            .collect();
        let raw = Mat::from_fn(used.len(), self.fits.len(), |i, j| {
            self.fits[j].exposures[used[i]]
        });
        (names, round_conserving_sums(&raw))
    }

    /// Write `exposures.tsv`, `fit_quality.tsv` and (bootstrapped) `exposures_ci.tsv`.
    pub fn write(&self, out: &OutputDir) -> Result<(), crate::Error> {
        let (names, counts) = self.exposure_counts();
        let used = self.used_signatures();
        let labels = self.catalogue.context.labels();
        out.write(
            "signatures.tsv",
            matrix_tsv(
                "MutationType",
                labels,
                &names,
                self.reference.subset(&used).matrix.as_ref(),
                8,
                false,
            )
            .as_bytes(),
        )?;
        out.write(
            "catalogue.tsv",
            matrix_tsv(
                "MutationType",
                labels,
                &self.catalogue.samples,
                self.catalogue.counts.as_ref(),
                0,
                false,
            )
            .as_bytes(),
        )?;
        out.write(
            "exposures.tsv",
            matrix_tsv(
                "Sample",
                &names,
                &self.catalogue.samples,
                counts.as_ref(),
                0,
                true,
            )
            .as_bytes(),
        )?;
        let totals = self.catalogue.totals();
        let rows: Vec<crate::output::FitRow<'_>> = self
            .fits
            .iter()
            .enumerate()
            .map(|(j, f)| crate::output::FitRow {
                sample: &self.catalogue.samples[j],
                total: totals[j],
                quality: crate::assign::Quality {
                    cosine: f.cosine,
                    rel_l1: f.rel_l1,
                    rel_l2: f.rel_l2,
                    kl: f.kl,
                },
                signatures: f
                    .active
                    .iter()
                    .filter(|&&s| f.exposures[s] > 0.0)
                    .map(|&s| self.reference.names[s].as_str())
                    .collect(),
            })
            .collect();
        out.write(
            "fit_quality.tsv",
            crate::output::fit_quality_tsv(&rows).as_bytes(),
        )?;
        if let Some(boot) = &self.bootstrap {
            let mut t = Tsv::new(&[
                "Sample",
                "Signature",
                "estimate",
                "lower",
                "upper",
                "selected_fraction",
            ]);
            for (j, b) in boot.iter().enumerate() {
                for s in 0..self.reference.len() {
                    if self.fits[j].exposures[s] > 0.0 || b.selected_fraction[s] > 0.0 {
                        t.row_str(&[
                            self.catalogue.samples[j].clone(),
                            self.reference.names[s].clone(),
                            fmt_float(self.fits[j].exposures[s], 2),
                            fmt_float(b.lower[s], 2),
                            fmt_float(b.upper[s], 2),
                            fmt_float(b.selected_fraction[s], 3),
                        ]);
                    }
                }
            }
            out.write("exposures_ci.tsv", t.finish().as_bytes())?;
        }
        Ok(())
    }
}

/// Decompose every column of `signatures` into `reference`, as `cosmic_decomposition.tsv`.
pub fn decompose_table(
    signatures: &SignatureSet,
    reference: &SignatureSet,
    cfg: &DecomposeConfig,
) -> Result<String, crate::Error> {
    let d = crate::extract::decompose_all(signatures.matrix.as_ref(), reference, cfg)?;
    Ok(crate::extract::decomposition_table(
        &signatures.names,
        &d,
        reference,
    ))
}

/// The one-to-one matching of two signature sets as TSV (`a`, `b`, `cosine`; unmatched
/// columns get `NA`), and the full cosine matrix as TSV (rows = a, columns = b).
pub fn compare(a: &SignatureSet, b: &SignatureSet) -> Result<(String, String), crate::Error> {
    if a.context != b.context {
        return Err(crate::Error::Invalid(format!(
            "{} is {} but {} is {}; compare sets of the same context",
            a.source, a.context, b.source, b.context
        )));
    }
    let sim = matching::cosine_matrix(a.matrix.as_ref(), b.matrix.as_ref())
        .map_err(|e| crate::Error::Invalid(e.to_string()))?;
    let m = matching::match_similarity(sim.as_ref())
        .map_err(|e| crate::Error::Invalid(e.to_string()))?;
    let mut t = Tsv::new(&["a", "b", "cosine"]);
    for &(i, j, c) in &m.pairs {
        t.row_str(&[a.names[i].clone(), b.names[j].clone(), fmt_float(c, 6)]);
    }
    for &i in &m.unmatched_a {
        t.row_str(&[a.names[i].clone(), "NA".into(), "NA".into()]);
    }
    for &j in &m.unmatched_b {
        t.row_str(&["NA".into(), b.names[j].clone(), "NA".into()]);
    }
    let full = matrix_tsv("Signature", &a.names, &b.names, sim.as_ref(), 6, false);
    Ok((t.finish(), full))
}
