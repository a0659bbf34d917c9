//! Refitting known signatures to samples: sparse forward/backward selection of the
//! active signatures per sample, exposures, bootstrap intervals and decomposition of a
//! de novo signature into reference signatures.
//!
//! Selection starts from the background signatures (never removed), adds the candidate
//! (a single signature or a connected group, which enters as a unit) that improves the
//! fit most while the improvement exceeds `add_threshold`, and after every addition
//! removes signatures whose removal costs less than `remove_threshold`.
//!
//! Two criteria:
//! * [`Criterion::LikelihoodRatio`] (default): improvement = `2·Δ log L` of the Poisson /
//!   multinomial maximum-likelihood fit (MuSiCal and Medo et al. 2024 found likelihood
//!   decides presence better than cosine/L2). Candidates are ranked by the efficient
//!   score `g² / (I_cc − I_cA I_AA⁻¹ I_Ac)` at exposure 0 (Rao's score test in which the
//!   exposures already in the fit adjust; to second order the `2·Δ log L` of the full
//!   refit), and only the best [`SCREEN_TOP`] are refitted. Exposures are the
//!   maximum-likelihood estimates.
//! * [`Criterion::RelativeL2`]: SigProfilerAssignment's rule on NNLS fits: add if the
//!   relative L2 error `‖v − Wh‖/‖v‖` falls by more than 0.05, remove if it rises by less
//!   than 0.01. Exposures are NNLS, rescaled.
//!
//! Exposures are reported as unrounded f64 counts rescaled so that they sum exactly (up
//! to floating point) to the sample's total.

pub mod cohort;
pub mod nnls;
pub mod poisson;

use crate::assign::nnls::{NnlsError, NnlsWorkspace, gram, gram_sq_residual, nnls_gram};
use crate::numeric::{NonNegative, fit_quality, multinomial_resample, quantile};
use crate::settings::{Interval, SettingsError, show};
use clap::ValueEnum;
use faer::{Mat, MatRef};
use poisson::{Dense, EfficientScore, PoissonWorkspace};
use rayon::prelude::*;
use schemars::JsonSchema;
use serde::Deserialize;
use serde::Serialize;

pub use poisson::multinomial_loglik;

/// Number of candidate units (by efficient score) refitted in full per forward step of
/// the likelihood criterion. On the 21 breast genomes 6 or all candidates give 8.6
/// signatures per sample and 32 distinct instead of 8.7 and 34, the same SBS3 calls, at
/// 1.3× and 3.7× the selection time (issue #12, `benches/breast21_refit.py`).
pub const SCREEN_TOP: usize = 3;

/// Default `2·ΔlogL` needed to add a signature (likelihood-ratio criterion).
///
/// Under the null (signature absent) the statistic of one boundary parameter is about
/// ½χ²₁; with 50–100 candidates per forward step a Bonferroni bound at 5% needs ≈ 10.8.
/// Simulation (the helper crate's `examples/simulate.rs`: 50 random COSMIC v3.6 SBS signatures as the
/// reference, 4 active per sample with Dirichlet(1) weights, multinomial counts, 200
/// samples per depth, Medo et al. scoring with estimates < 10 counts set to 0), mean
/// per-sample F1 for add/remove thresholds:
///
/// | add/remove | N = 100 | N = 3,000 | N = 50,000 |
/// |---|---|---|---|
/// | 4/2   | 0.69 | 0.91 | 0.93 |
/// | 6/4   | 0.69 | 0.95 | 0.97 |
/// | 8/5   | 0.67 | 0.96 | 0.98 |
/// | **10/7** | **0.64** | **0.96** (P 0.99, R 0.94, fitting error 0.022) | **0.99** (P 0.99, R 0.99, 0.005) |
/// | 15/10 | 0.59 | 0.95 | 0.99 |
/// | 30/20 | 0.45 | 0.93 | 0.99 |
/// | L2 0.05/0.01 (SigProfilerAssignment) | 0.58 | 0.82 | 0.87 |
///
/// (rows measured with 6 refitted candidates per step; with [`SCREEN_TOP`] = 3 the 6/4,
/// 10/7 and 15/10 rows change by ≤ 0.005 while selection runs twice as fast.)
/// 10 is the best compromise for a few thousand mutations and above and keeps a margin
/// for model misspecification (real spectra deviate from reference signatures, which
/// inflates the statistic at high counts); at ~100 mutations 4–6 recovers more.
pub const DEFAULT_LR_ADD: f64 = 10.0;
/// Default `2·ΔlogL` below which a selected signature is removed (likelihood ratio);
/// below [`DEFAULT_LR_ADD`] so that selection cannot cycle (simulated with the pairs above).
pub const DEFAULT_LR_REMOVE: f64 = 7.0;
/// Default minimum decrease of the relative L2 error for a signature to enter under the
/// likelihood criterion: off. Measured (`benches/compare_assign.py`, 200 simulated WGS
/// samples): 0.01 cut the signatures called on the 21 breast genomes from 46 to 31 but
/// dropped F1 from 0.88 to 0.79 and raised the fitting error from 0.045 to 0.121 on
/// simulated data, because the test is applied to the likelihood-best candidate only.
pub const DEFAULT_MIN_L2_GAIN: f64 = 0.0;

/// Default `--cohort-effect`: `2·ΔlogL` per mutation a signature must reach in at least
/// one sample to enter the cohort's set (chosen on the 21 breast genomes and the
/// simulated cohorts of `benches/compare_assign.py`; docs/methods.md).
pub const DEFAULT_COHORT_EFFECT: f64 = 0.08;
/// Allowed `--cohort-effect` (0 = every reference signature may enter every sample).
pub const COHORT_EFFECT: Interval = Interval::closed(0.0, 1.0);

/// Where a sample's overdispersion φ is estimated (likelihood criterion).
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ValueEnum, JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Dispersion {
    /// From the least-squares fit on the whole reference: the
    /// many signatures of that fit absorb the sample's mismatch with the reference, so φ
    /// stays low on real tumours.
    Reference,
    /// Also from the residuals of the selected model: when that φ is larger, the sample
    /// is selected again with it (one round).
    #[default]
    Selected,
}
/// SigProfilerAssignment's addition threshold on relative L2 (`nnls_add_penalty`).
pub const DEFAULT_L2_ADD: f64 = 0.05;
/// SigProfilerAssignment's removal threshold on relative L2 (`nnls_remove_penalty`).
pub const DEFAULT_L2_REMOVE: f64 = 0.01;

/// Default background signatures (kept in every fit) when present in the reference.
pub const DEFAULT_BACKGROUND: [&str; 2] = ["SBS1", "SBS5"];
/// Default connected groups (SigProfilerAssignment's `connected_sigs`).
pub const DEFAULT_GROUPS: [&[&str]; 4] = [
    &["SBS2", "SBS13"],
    &["SBS7a", "SBS7b", "SBS7c", "SBS7d"],
    &["SBS10a", "SBS10b"],
    &["SBS17a", "SBS17b"],
];

/// Errors of refitting.
#[derive(Debug, thiserror::Error)]
pub enum AssignError {
    /// Shapes disagree (channels of samples vs signatures, vector lengths).
    #[error("dimension mismatch: {0}")]
    Dimension(String),
    /// A count or signature entry is negative, NaN or infinite.
    #[error("invalid value: {0}")]
    InvalidValue(String),
    /// The configuration is inconsistent.
    #[error("invalid configuration: {0}")]
    Config(String),
    /// The NNLS solver rejected its input.
    #[error(transparent)]
    Nnls(#[from] NnlsError),
    /// A threshold out of range ([`AssignConfig::check`]).
    #[error(transparent)]
    Settings(#[from] SettingsError),
    /// Settings that do not fit this catalogue or reference (the message says which).
    #[error("{0}")]
    Invalid(String),
    /// A signature name or group not in the reference.
    #[error(transparent)]
    Reference(#[from] crate::read::reference::ReferenceError),
}

/// How the improvement of a fit is measured during selection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ValueEnum, JsonSchema)]
pub enum Criterion {
    /// `2·Δ log L` of the Poisson/multinomial maximum-likelihood fit.
    #[serde(rename = "likelihood")]
    #[value(name = "likelihood")]
    LikelihoodRatio,
    /// Change of the relative L2 error of the NNLS fit (SigProfilerAssignment).
    #[serde(rename = "l2")]
    #[value(name = "l2")]
    RelativeL2,
}

/// Selection settings; indices refer to columns of the reference.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct AssignConfig {
    /// Improvement measure.
    pub criterion: Criterion,
    /// Minimum improvement to add a candidate.
    pub add_threshold: f64,
    /// A selected signature whose removal costs less than this is removed.
    pub remove_threshold: f64,
    /// Signatures in every fit, never removed (may get exposure 0).
    pub background: Vec<usize>,
    /// Connected groups: a group enters as a unit in a forward step.
    pub groups: Vec<Vec<usize>>,
    /// Cap on the size of the selected set (background included).
    pub max_signatures: Option<usize>,
    /// Scale the likelihood-ratio thresholds by the sample's estimated overdispersion
    /// (quasi-likelihood): real catalogues are noisier than Poisson and deviate from the
    /// reference profiles, and at tens of thousands of mutations a plain Poisson test
    /// then admits dozens of signatures. φ = Pearson χ² / (channels − active) of the
    /// NNLS fit on the whole reference, floored at 1, so Poisson data keep the thresholds.
    #[serde(default = "default_true")]
    pub overdispersion: bool,
    /// Likelihood criterion only: a signature must also lower the relative L2 error of
    /// the fit by at least this much to enter (and leaves when it is worth less than half
    /// of it). Significance alone is not enough on real catalogues, whose deviations from
    /// the reference profiles are "significant" at thousands of mutations and get
    /// explained by many small spurious signatures. Off by default (see
    /// [`DEFAULT_MIN_L2_GAIN`]).
    #[serde(default = "default_min_l2_gain")]
    pub min_l2_gain: f64,
    /// Where φ comes from (with `overdispersion`).
    #[serde(default)]
    pub dispersion: Dispersion,
    /// Cohort-aware refitting ([`crate::assign::cohort::assign`]): a signature enters the
    /// cohort's set only when, in at least one sample, its `2·ΔlogL` reaches this many
    /// per mutation (on top of the thresholds); every sample is then selected within that
    /// set with the usual thresholds. 0 = independent per-sample fits (`--per-sample`).
    #[serde(default)]
    pub cohort_effect: f64,
}

fn default_min_l2_gain() -> f64 {
    DEFAULT_MIN_L2_GAIN
}

fn default_true() -> bool {
    true
}

impl Default for AssignConfig {
    /// Likelihood-ratio criterion, no background, no groups.
    fn default() -> Self {
        Self {
            criterion: Criterion::LikelihoodRatio,
            add_threshold: DEFAULT_LR_ADD,
            remove_threshold: DEFAULT_LR_REMOVE,
            background: Vec::new(),
            groups: Vec::new(),
            max_signatures: None,
            overdispersion: true,
            min_l2_gain: DEFAULT_MIN_L2_GAIN,
            dispersion: Dispersion::default(),
            cohort_effect: 0.0,
        }
    }
}

impl AssignConfig {
    /// The defaults for a reference with these signature names: background
    /// [`DEFAULT_BACKGROUND`] and groups [`DEFAULT_GROUPS`], restricted to names present
    /// (a group needs at least two present members).
    pub fn for_reference<S: AsRef<str>>(names: &[S], criterion: Criterion) -> Self {
        let find = |n: &str| names.iter().position(|x| x.as_ref() == n);
        let background = DEFAULT_BACKGROUND.iter().filter_map(|n| find(n)).collect();
        let groups = DEFAULT_GROUPS
            .iter()
            .map(|g| g.iter().filter_map(|n| find(n)).collect::<Vec<_>>())
            .filter(|g| g.len() >= 2)
            .collect();
        let (add_threshold, remove_threshold) = criterion.default_thresholds();
        Self {
            criterion,
            add_threshold,
            remove_threshold,
            background,
            groups,
            max_signatures: None,
            overdispersion: true,
            min_l2_gain: DEFAULT_MIN_L2_GAIN,
            dispersion: Dispersion::default(),
            cohort_effect: 0.0,
        }
    }
}

impl Criterion {
    /// Allowed `--add-threshold` and `--remove-threshold`: any finite `2·ΔlogL ≥ 0` for
    /// the likelihood ratio; a change of the relative L2 error, which lies in [0, 1], for
    /// relative L2 (a threshold of 1 or more could never be met).
    pub fn threshold_range(self) -> Interval {
        match self {
            Criterion::LikelihoodRatio => Interval::at_least(0.0),
            Criterion::RelativeL2 => Interval::closed_open(0.0, 1.0),
        }
    }

    /// The default (add, remove) thresholds.
    pub fn default_thresholds(self) -> (f64, f64) {
        match self {
            Criterion::LikelihoodRatio => (DEFAULT_LR_ADD, DEFAULT_LR_REMOVE),
            Criterion::RelativeL2 => (DEFAULT_L2_ADD, DEFAULT_L2_REMOVE),
        }
    }

    /// The `--criterion` value.
    pub fn flag_value(self) -> &'static str {
        match self {
            Criterion::LikelihoodRatio => "likelihood",
            Criterion::RelativeL2 => "l2",
        }
    }
}

/// Allowed `--min-l2-gain`: a decrease of the relative L2 error, which lies in [0, 1].
pub const MIN_L2_GAIN: Interval = Interval::closed_open(0.0, 1.0);

impl AssignConfig {
    /// Checks the thresholds for the criterion (indices are checked against the reference
    /// by [`Refitter::new`], which also runs this).
    ///
    /// # Errors
    ///
    /// The first threshold out of range, named by its command-line flag.
    pub fn check(&self) -> Result<(), SettingsError> {
        let range = self.criterion.threshold_range();
        range.check("--add-threshold", self.add_threshold)?;
        range.check("--remove-threshold", self.remove_threshold)?;
        if self.remove_threshold > self.add_threshold {
            return Err(SettingsError::new(
                "--remove-threshold",
                show(self.remove_threshold),
                format!(
                    "must not be above the add threshold {} (--add-threshold): removal must be \
                     easier than addition or selection can cycle",
                    show(self.add_threshold)
                ),
            ));
        }
        MIN_L2_GAIN.check("--min-l2-gain", self.min_l2_gain)?;
        COHORT_EFFECT.check("--cohort-effect", self.cohort_effect)?;
        if self.cohort_effect > 0.0 && self.criterion != Criterion::LikelihoodRatio {
            return Err(SettingsError::new(
                "--cohort-effect",
                show(self.cohort_effect),
                "applies to --criterion likelihood only (it is a likelihood gain per mutation); \
                 use --per-sample with --criterion l2",
            ));
        }
        if self.min_l2_gain > 0.0 && self.criterion != Criterion::LikelihoodRatio {
            return Err(SettingsError::new(
                "--min-l2-gain",
                show(self.min_l2_gain),
                "applies to --criterion likelihood only (the l2 criterion's own thresholds are \
                 --add-threshold and --remove-threshold)",
            ));
        }
        Ok(())
    }
}

/// The refit of one sample.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SampleFit {
    /// Mutations attributed to each signature (length K), summing to the sample total;
    /// exactly 0 outside `active`.
    pub exposures: Vec<f64>,
    /// The selected set, ascending (background included even if its exposure is 0).
    pub active: Vec<usize>,
    /// Cosine similarity of the reconstruction.
    pub cosine: f64,
    /// Relative L1 error of the reconstruction.
    pub rel_l1: f64,
    /// Relative L2 error of the reconstruction.
    pub rel_l2: f64,
    /// KL divergence of the normalised profiles.
    pub kl: f64,
    /// Multinomial log-likelihood of the counts under the reconstruction.
    pub loglik: f64,
}

/// Bootstrap summary of one sample, per signature (length K each).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SampleBootstrap {
    /// Median exposure over replicates.
    pub median: Vec<f64>,
    /// 2.5% quantile (linear interpolation between order statistics).
    pub lower: Vec<f64>,
    /// 97.5% quantile.
    pub upper: Vec<f64>,
    /// Fraction of replicates in which the signature got a positive exposure.
    pub selected_fraction: Vec<f64>,
}

/// Settings of [`Refitter::decompose`].
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize, schemars::JsonSchema)]
pub struct DecomposeConfig {
    /// Selection criterion; default relative L2 (a signature has no sampling noise, so a
    /// likelihood test on a pseudo-sample would keep adding tiny components).
    pub criterion: Criterion,
    /// Addition threshold (default 0.05, SigProfilerAssignment's hard-coded value).
    pub add_threshold: f64,
    /// Removal threshold (default 0.01).
    pub remove_threshold: f64,
    /// Mutations in the pseudo-sample the signature is scaled to (matters for the
    /// likelihood criterion only; default 5000 as SigProfilerAssignment).
    pub pseudo_count: f64,
    /// Best single cosine at or above which the signature counts as a known one.
    pub matched_threshold: f64,
    /// Reconstruction cosine at or above which it counts as decomposed.
    pub decomposed_threshold: f64,
}

impl Default for DecomposeConfig {
    fn default() -> Self {
        Self {
            criterion: Criterion::RelativeL2,
            add_threshold: DEFAULT_L2_ADD,
            remove_threshold: DEFAULT_L2_REMOVE,
            pseudo_count: 5000.0,
            matched_threshold: 0.95,
            decomposed_threshold: 0.90,
        }
    }
}

/// What a de novo signature turned out to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum DecompositionStatus {
    /// One reference signature alone has cosine ≥ `matched_threshold`.
    Matched,
    /// The sparse mixture reaches cosine ≥ `decomposed_threshold`.
    Decomposed,
    /// Neither: keep it as a new signature.
    Novel,
}

/// A de novo signature expressed in reference signatures.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Decomposition {
    /// Reference signature with the highest cosine to the input.
    pub best: usize,
    /// That cosine.
    pub best_cosine: f64,
    /// Mixture weights (length K) as fractions summing to 1 (all 0 for a zero input).
    pub weights: Vec<f64>,
    /// Signatures in the mixture, ascending.
    pub active: Vec<usize>,
    /// Cosine of the mixture with the input.
    pub cosine: f64,
    /// Classification.
    pub status: DecompositionStatus,
}

/// Per-thread buffers for one selection.
#[derive(Debug, Clone)]
struct Work {
    nn: NnlsWorkspace,
    po: PoissonWorkspace,
    atb: Vec<f64>,
    h: Vec<f64>,
    h_try: Vec<f64>,
    h_best: Vec<f64>,
    set: Vec<usize>,
    try_set: Vec<usize>,
    best_set: Vec<usize>,
    in_set: Vec<bool>,
    screen: Vec<(f64, usize)>,
    /// Efficient-score screen of the current selection (likelihood criterion).
    es: EfficientScore,
    /// Selections after each forward/backward round (cycle guard).
    visited: Vec<Vec<usize>>,
    /// Expected counts of the current selection (likelihood screening).
    mu: Vec<f64>,
    /// `v/μ` and `v/μ²` of the current selection.
    r: Vec<f64>,
    q: Vec<f64>,
    recon: Vec<f64>,
}

impl Work {
    fn new(m: usize, k: usize) -> Self {
        Self {
            nn: NnlsWorkspace::new(k),
            po: PoissonWorkspace::new(m, k),
            atb: vec![0.0; k],
            h: vec![0.0; k],
            h_try: vec![0.0; k],
            h_best: vec![0.0; k],
            set: Vec::with_capacity(k),
            try_set: Vec::with_capacity(k),
            best_set: Vec::with_capacity(k),
            in_set: vec![false; k],
            screen: Vec::with_capacity(k),
            es: EfficientScore::new(k),
            visited: Vec::new(),
            mu: vec![0.0; m],
            r: vec![0.0; m],
            q: vec![0.0; m],
            recon: vec![0.0; m],
        }
    }
}

/// Selection recorded for tests.
#[derive(Debug, Default)]
pub(crate) struct Trace {
    /// `(true, set)` after an addition, `(false, set)` after every backward (removal)
    /// round, whether or not it removed something.
    pub steps: Vec<(bool, Vec<usize>)>,
    /// Per forward step: the selected set before it and the signatures of the candidate
    /// units that were refitted in full.
    pub refitted: Vec<(Vec<usize>, Vec<usize>)>,
}

/// Per-sample constants shared by the fits of one selection.
struct Sample<'a> {
    v: &'a [f64],
    n: f64,
    btb: f64,
}

/// A selected signature that another explains almost as well
/// ([`Refitter::near_equivalents`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NearEquivalent {
    /// The selected signature.
    pub signature: usize,
    /// The best replacement.
    pub alternative: usize,
    /// `2·ΔlogL` lost by the swap (0 when the replacement fits better).
    pub cost: f64,
}

/// Selection parameters of one run (from [`AssignConfig`] or [`DecomposeConfig`]).
#[derive(Clone, Copy)]
struct Rule {
    criterion: Criterion,
    add: f64,
    remove: f64,
    /// Likelihood criterion: `2·ΔlogL` per mutation a signature must also reach (the
    /// cohort-support pass; 0 otherwise).
    effect: f64,
}

/// A reference signature matrix prepared for refitting (Gram matrix computed once).
#[derive(Debug, Clone)]
pub struct Refitter {
    cfg: AssignConfig,
    d: Dense,
    gram: Mat<f64>,
    /// Candidate units: connected groups first, then single signatures in no group.
    units: Vec<Vec<usize>>,
    is_background: Vec<bool>,
    /// Every column index, for fits on the whole reference.
    all: Vec<usize>,
    /// `2·ΔlogL` per mutation needed to enter (0 = none; see [`Refitter::with_effect`]).
    effect: f64,
}

impl Refitter {
    /// Prepare reference `w` (channels × K, non-negative, columns ideally summing to 1).
    pub fn new(w: MatRef<'_, f64>, cfg: AssignConfig) -> Result<Self, AssignError> {
        let (m, k) = w.shape();
        if m == 0 || k == 0 {
            return Err(AssignError::Dimension(format!("reference is {m}x{k}")));
        }
        NonNegative::check(w, "signature").map_err(|e| {
            AssignError::InvalidValue(format!(
                "signature entry ({}, {}) = {}",
                e.row, e.col, e.value
            ))
        })?;
        let mut buf = Vec::with_capacity(m * k);
        let mut colsum = vec![0.0; k];
        for (j, cs) in colsum.iter_mut().enumerate() {
            for i in 0..m {
                let x = w[(i, j)];
                buf.push(x);
                *cs += x;
            }
        }
        let check = |j: usize| {
            if j >= k {
                Err(AssignError::Config(format!("signature index {j} >= {k}")))
            } else {
                Ok(())
            }
        };
        for &j in &cfg.background {
            check(j)?;
        }
        for g in &cfg.groups {
            for &j in g {
                check(j)?;
            }
        }
        cfg.check()?;
        let mut is_background = vec![false; k];
        for &j in &cfg.background {
            is_background[j] = true;
        }
        let mut in_group = vec![false; k];
        let mut units: Vec<Vec<usize>> = Vec::new();
        for g in &cfg.groups {
            let mut u: Vec<usize> = g.iter().copied().filter(|&j| !in_group[j]).collect();
            u.sort_unstable();
            u.dedup();
            for &j in &u {
                in_group[j] = true;
            }
            if !u.is_empty() {
                units.push(u);
            }
        }
        for j in 0..k {
            if !in_group[j] && !is_background[j] {
                units.push(vec![j]);
            }
        }
        let d = Dense {
            m,
            k,
            w: buf,
            colsum,
        };
        let gram = gram(MatRef::from_column_major_slice(&d.w, m, k));
        Ok(Self {
            cfg,
            d,
            gram,
            units,
            is_background,
            all: (0..k).collect(),
            effect: 0.0,
        })
    }

    /// This refitter with an effect-size requirement: a signature enters only when its
    /// `2·ΔlogL` is also at least `effect` × the sample's mutations (and leaves below 0.7×
    /// that), on top of the significance thresholds.
    pub fn with_effect(mut self, effect: f64) -> Self {
        self.effect = effect.max(0.0);
        self
    }

    /// This refitter with candidates restricted to `allowed` (indexed by signature): a
    /// connected group keeps its allowed members (still entering together), and units
    /// with none are dropped. Background signatures stay.
    pub fn restricted(&self, allowed: &[bool]) -> Self {
        let mut r = self.clone();
        for u in &mut r.units {
            u.retain(|&j| allowed.get(j) == Some(&true));
        }
        r.units.retain(|u| !u.is_empty());
        r
    }

    /// The configuration in use.
    pub fn config(&self) -> &AssignConfig {
        &self.cfg
    }

    /// Number of reference signatures K.
    pub fn n_signatures(&self) -> usize {
        self.d.k
    }

    fn rule(&self) -> Rule {
        Rule {
            criterion: self.cfg.criterion,
            add: self.cfg.add_threshold,
            remove: self.cfg.remove_threshold,
            effect: self.effect,
        }
    }

    fn check_sample(&self, v: &[f64]) -> Result<(), AssignError> {
        if v.len() != self.d.m {
            return Err(AssignError::Dimension(format!(
                "sample has {} channels, reference {}",
                v.len(),
                self.d.m
            )));
        }
        NonNegative::check_slice(v, "count")
            .map_err(|e| AssignError::InvalidValue(format!("count {}", e.value)))
    }

    /// Selected signatures of `fit` (the fit of `v`) that another signature explains
    /// almost as well: for each selected, non-background signature, the best replacement
    /// among `candidates` (not already selected), kept when swapping costs less than the
    /// add threshold (`2·ΔlogL`, scaled by the fit's overdispersion like the selection).
    /// Likelihood criterion only; empty otherwise.
    pub fn near_equivalents(
        &self,
        v: &[f64],
        fit: &SampleFit,
        candidates: &[usize],
    ) -> Result<Vec<NearEquivalent>, AssignError> {
        self.check_sample(v)?;
        if self.cfg.criterion != Criterion::LikelihoodRatio {
            return Ok(Vec::new());
        }
        let n: f64 = v.iter().sum();
        if n <= 0.0 {
            return Ok(Vec::new());
        }
        let phi = if self.cfg.overdispersion {
            let mut chi2 = 0.0;
            for (i, &vi) in v.iter().enumerate() {
                let mu: f64 = fit
                    .active
                    .iter()
                    .map(|&j| {
                        fit.exposures[j] * self.d.col(j)[i]
                            / self.d.colsum[j].max(f64::MIN_POSITIVE)
                    })
                    .sum();
                if mu > 0.0 {
                    chi2 += (vi - mu) * (vi - mu) / mu;
                }
            }
            let used = fit
                .active
                .iter()
                .filter(|&&j| fit.exposures[j] > 0.0)
                .count();
            (chi2 / self.d.m.saturating_sub(used).max(1) as f64).max(1.0)
        } else {
            1.0
        };
        let limit = self.cfg.add_threshold * phi;
        let mut out = Vec::new();
        for &j in &fit.active {
            if self.is_background[j] || fit.exposures[j] <= 0.0 {
                continue;
            }
            let mut best: Option<(usize, f64)> = None;
            for &c in candidates {
                if c >= self.d.k || fit.active.contains(&c) {
                    continue;
                }
                let mut set: Vec<usize> = fit.active.iter().copied().filter(|&x| x != j).collect();
                set.push(c);
                set.sort_unstable();
                let alt = self.fit_fixed(v, &set)?;
                let cost = 2.0 * (fit.loglik - alt.loglik);
                if best.is_none_or(|(_, b)| cost < b) {
                    best = Some((c, cost));
                }
            }
            if let Some((c, cost)) = best
                && cost < limit
            {
                out.push(NearEquivalent {
                    signature: j,
                    alternative: c,
                    cost: cost.max(0.0),
                });
            }
        }
        Ok(out)
    }

    /// Select the active signatures of sample `v` and estimate their exposures.
    pub fn fit_sample(&self, v: &[f64]) -> Result<SampleFit, AssignError> {
        self.check_sample(v)?;
        let mut w = Work::new(self.d.m, self.d.k);
        Ok(self.fit_with(v, self.rule(), &mut w, None))
    }

    /// Fit every column of `v` (channels × samples), in parallel over samples; results
    /// are in sample order and independent of the thread count.
    pub fn fit_all(&self, v: MatRef<'_, f64>) -> Result<Vec<SampleFit>, AssignError> {
        let cols = self.columns(v)?;
        let (m, k) = (self.d.m, self.d.k);
        let rule = self.rule();
        Ok(cols
            .par_iter()
            .map_init(
                || Work::new(m, k),
                |w, col| self.fit_with(col, rule, w, None),
            )
            .collect())
    }

    /// Exposures of `v` on a fixed set of signatures (no selection): maximum likelihood
    /// for the likelihood criterion, NNLS for relative L2.
    pub fn fit_fixed(&self, v: &[f64], set: &[usize]) -> Result<SampleFit, AssignError> {
        self.check_sample(v)?;
        if let Some(&j) = set.iter().find(|&&j| j >= self.d.k) {
            return Err(AssignError::Config(format!(
                "signature index {j} out of range"
            )));
        }
        let mut w = Work::new(self.d.m, self.d.k);
        let s = self.prepare(v, &mut w);
        w.set.clear();
        w.set.extend_from_slice(set);
        w.set.sort_unstable();
        w.set.dedup();
        w.h.fill(0.0);
        let set = std::mem::take(&mut w.set);
        let mut h = std::mem::take(&mut w.h);
        self.evaluate(&s, self.rule(), &set, &mut h, &mut w);
        w.set = set;
        w.h = h;
        Ok(self.finish(&s, &mut w))
    }

    fn columns(&self, v: MatRef<'_, f64>) -> Result<Vec<Vec<f64>>, AssignError> {
        if v.nrows() != self.d.m {
            return Err(AssignError::Dimension(format!(
                "samples have {} channels, reference {}",
                v.nrows(),
                self.d.m
            )));
        }
        let cols: Vec<Vec<f64>> = (0..v.ncols())
            .map(|j| (0..v.nrows()).map(|i| v[(i, j)]).collect())
            .collect();
        for c in &cols {
            self.check_sample(c)?;
        }
        Ok(cols)
    }

    /// Per-sample constants and `Wᵀv`.
    fn prepare<'a>(&self, v: &'a [f64], w: &mut Work) -> Sample<'a> {
        let n: f64 = v.iter().sum();
        let btb: f64 = v.iter().map(|x| x * x).sum();
        for (j, a) in w.atb.iter_mut().enumerate() {
            *a = poisson::dot(self.d.col(j), v);
        }
        Sample { v, n, btb }
    }

    /// Score of the best fit on `set` (higher is better), warm-started from `h`, which
    /// receives the fit: `2·kernel` (likelihood) or `−relative L2` (NNLS).
    fn evaluate(&self, s: &Sample, rule: Rule, set: &[usize], h: &mut [f64], w: &mut Work) -> f64 {
        match rule.criterion {
            Criterion::LikelihoodRatio => {
                2.0 * poisson::fit(&self.d, s.v, set, h, &mut w.po, 5000).kernel
            }
            Criterion::RelativeL2 => {
                if s.btb <= 0.0 {
                    h.fill(0.0);
                    return 0.0;
                }
                // Inputs were validated, so the solver cannot fail; fall back to 0 anyway.
                if nnls_gram(self.gram.as_ref(), &w.atb, set, set, &mut w.nn, h).is_err() {
                    h.fill(0.0);
                }
                let r2 = gram_sq_residual(self.gram.as_ref(), &w.atb, s.btb, h, set);
                -(r2.sqrt() / s.btb.sqrt())
            }
        }
    }

    /// Forward/backward selection; leaves the selected set in `w.set` and its fit in
    /// `w.h`. `trace` (tests) receives `(added?, set)` after every addition and removal.
    fn select(&self, s: &Sample, rule: Rule, w: &mut Work, mut trace: Option<&mut Trace>) {
        let k = self.d.k;
        let mut set = std::mem::take(&mut w.set);
        let mut h = std::mem::take(&mut w.h);
        let mut h_try = std::mem::take(&mut w.h_try);
        let mut h_best = std::mem::take(&mut w.h_best);
        let mut try_set = std::mem::take(&mut w.try_set);
        let mut best_set = std::mem::take(&mut w.best_set);
        set.clear();
        set.extend_from_slice(&self.cfg.background);
        set.sort_unstable();
        set.dedup();
        w.in_set.fill(false);
        for &j in &set {
            w.in_set[j] = true;
        }
        h.fill(0.0);
        w.visited.clear();
        let mut score = self.evaluate(s, rule, &set, &mut h, w);
        let cap = self.cfg.max_signatures.unwrap_or(usize::MAX);
        let mut rounds = 0;
        while rounds < 4 * k + 4 {
            rounds += 1;
            // ---- forward: screen units, refit the most promising, take the best
            let mut best_score = f64::NEG_INFINITY;
            w.screen.clear();
            let lr = rule.criterion == Criterion::LikelihoodRatio;
            if lr {
                poisson::expected(&self.d, &set, &h, &mut w.mu);
                for ((r, q), (vi, mi)) in
                    w.r.iter_mut()
                        .zip(w.q.iter_mut())
                        .zip(s.v.iter().zip(&w.mu))
                {
                    *r = vi / mi;
                    *q = *r / mi;
                }
                w.es.prepare(&self.d, &w.q, &set, &h);
            }
            for (u, unit) in self.units.iter().enumerate() {
                let missing = unit.iter().filter(|&&j| !w.in_set[j]).count();
                if missing == 0 || set.len() + missing > cap {
                    continue;
                }
                if lr {
                    // Efficient score at exposure 0 (≈ 2·gain of the full refit); a unit
                    // none of whose missing members has a positive gradient, or which is
                    // collinear with the fit, is not a candidate.
                    let mut best = 0.0f64;
                    for &j in unit.iter().filter(|&&j| !w.in_set[j]) {
                        best = best.max(w.es.stat(&self.d, &w.r, &w.q, j));
                    }
                    if best > 0.0 {
                        w.screen.push((best, u));
                    }
                } else {
                    w.screen.push((0.0, u));
                }
            }
            if lr {
                // refit the best SCREEN_TOP by efficient score in full
                w.screen
                    .sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
                w.screen.truncate(SCREEN_TOP);
            }
            if let Some(t) = trace.as_deref_mut() {
                let refitted = w.screen.iter().flat_map(|e| self.units[e.1].clone());
                t.refitted.push((set.clone(), refitted.collect()));
            }
            let mut best_unit = usize::MAX;
            for t in 0..w.screen.len() {
                let u = w.screen[t].1;
                try_set.clear();
                try_set.extend_from_slice(&set);
                h_try.copy_from_slice(&h);
                for &j in &self.units[u] {
                    if !w.in_set[j] {
                        try_set.push(j);
                        if lr {
                            h_try[j] = if self.units[u].len() == 1 {
                                poisson::gain_1d(&self.d, s.v, &w.mu, j).1
                            } else {
                                poisson::score_stat(&self.d, &w.r, &w.q, j).1
                            };
                        }
                    }
                }
                try_set.sort_unstable();
                let sc = self.evaluate(s, rule, &try_set, &mut h_try, w);
                if sc > best_score {
                    best_score = sc;
                    best_unit = u;
                    best_set.clear();
                    best_set.extend_from_slice(&try_set);
                    h_best.copy_from_slice(&h_try);
                }
            }
            let gain = best_score - score;
            if best_unit == usize::MAX || gain.is_nan() || gain <= rule.add {
                break;
            }
            if lr && self.cfg.min_l2_gain > 0.0 {
                let before = self.rel_l2(s, &set, &h, w);
                let after = self.rel_l2(s, &best_set, &h_best, w);
                if before - after < self.cfg.min_l2_gain {
                    break;
                }
            }
            std::mem::swap(&mut set, &mut best_set);
            std::mem::swap(&mut h, &mut h_best);
            score = best_score;
            for &j in &set {
                w.in_set[j] = true;
            }
            if let Some(t) = trace.as_deref_mut() {
                t.steps.push((true, set.clone()));
            }
            // ---- backward: drop the cheapest removable signature while cheap enough
            loop {
                if set.len() <= 1 {
                    break;
                }
                let mut best_loss = f64::INFINITY;
                let mut best_j = usize::MAX;
                for &j in &set {
                    if self.is_background[j] {
                        continue;
                    }
                    try_set.clear();
                    try_set.extend(set.iter().copied().filter(|&x| x != j));
                    h_try.copy_from_slice(&h);
                    h_try[j] = 0.0;
                    let sc = self.evaluate(s, rule, &try_set, &mut h_try, w);
                    let loss = score - sc;
                    if loss < best_loss {
                        best_loss = loss;
                        best_j = j;
                        best_set.clear();
                        best_set.extend_from_slice(&try_set);
                        h_best.copy_from_slice(&h_try);
                    }
                }
                let cheap_in_l2 = lr
                    && self.cfg.min_l2_gain > 0.0
                    && best_j != usize::MAX
                    && self.rel_l2(s, &best_set, &h_best, w) - self.rel_l2(s, &set, &h, w)
                        < 0.5 * self.cfg.min_l2_gain;
                if best_j == usize::MAX
                    || best_loss.is_nan()
                    || (best_loss >= rule.remove && !cheap_in_l2)
                {
                    if let Some(t) = trace.as_deref_mut() {
                        t.steps.push((false, set.clone()));
                    }
                    break;
                }
                std::mem::swap(&mut set, &mut best_set);
                std::mem::swap(&mut h, &mut h_best);
                score -= best_loss;
                w.in_set[best_j] = false;
                if let Some(t) = trace.as_deref_mut() {
                    t.steps.push((false, set.clone()));
                }
            }
            // A connected group enters as a unit but leaves one member at a time, so a
            // group worth more than the add threshold whose members are each worth less
            // than the remove threshold would enter and leave forever: stop at the first
            // selection seen before.
            if w.visited.contains(&set) {
                break;
            }
            w.visited.push(set.clone());
        }

        w.set = set;
        w.h = h;
        w.h_try = h_try;
        w.h_best = h_best;
        w.try_set = try_set;
        w.best_set = best_set;
    }

    /// Exposures rescaled to the sample total and quality of the fit in `w.set`/`w.h`.
    fn finish(&self, s: &Sample, w: &mut Work) -> SampleFit {
        let k = self.d.k;
        let mut exposures = vec![0.0; k];
        let mut mass = 0.0;
        for &j in &w.set {
            let e = (w.h[j] * self.d.colsum[j]).max(0.0);
            exposures[j] = e;
            mass += e;
        }
        if mass > 0.0 {
            let f = s.n / mass;
            for e in exposures.iter_mut() {
                *e *= f;
            }
        } else {
            exposures.fill(0.0);
        }
        // reconstruction in counts: Σ_j e_j · W_j / s_j
        w.recon.fill(0.0);
        for &j in &w.set {
            let e = exposures[j];
            if e > 0.0 {
                let f = e / self.d.colsum[j].max(f64::MIN_POSITIVE);
                for (r, x) in w.recon.iter_mut().zip(self.d.col(j)) {
                    *r += f * x;
                }
            }
        }
        let q = fit_quality(s.v, &w.recon);
        let loglik = if s.n > 0.0 {
            multinomial_loglik(s.v, &w.recon)
        } else {
            0.0
        };
        SampleFit {
            exposures,
            active: w.set.clone(),
            cosine: q.cosine,
            rel_l1: q.rel_l1,
            rel_l2: q.rel_l2,
            kl: q.kl,
            loglik,
        }
    }

    fn fit_with(
        &self,
        v: &[f64],
        rule: Rule,
        w: &mut Work,
        trace: Option<&mut Trace>,
    ) -> SampleFit {
        let s = self.prepare(v, w);
        let scaled = |phi: f64| Rule {
            add: (rule.add * phi).max(rule.effect * s.n),
            remove: (rule.remove * phi).max(0.7 * rule.effect * s.n),
            ..rule
        };
        if rule.criterion != Criterion::LikelihoodRatio || !self.cfg.overdispersion {
            self.select(&s, rule, w, trace);
            return self.finish(&s, w);
        }
        let mut phi = self.dispersion(&s, w);
        let mut trace = trace;
        self.select(&s, scaled(phi), w, trace.as_deref_mut());
        if self.cfg.dispersion == Dispersion::Selected {
            // the selected model leaves the sample's mismatch with the reference in its
            // residuals, which the whole-reference fit absorbed
            let next = self.selected_dispersion(&s, w);
            if next > phi * 1.01 {
                phi = next;
                self.select(&s, scaled(phi), w, trace);
            }
        }
        self.finish(&s, w)
    }

    /// Relative L2 error `‖v − Wh‖ / ‖v‖` of the fit `h` on `set`.
    fn rel_l2(&self, s: &Sample, set: &[usize], h: &[f64], w: &mut Work) -> f64 {
        if s.btb <= 0.0 {
            return 0.0;
        }
        poisson::expected(&self.d, set, h, &mut w.mu);
        let r2: f64 = s.v.iter().zip(&w.mu).map(|(v, m)| (v - m) * (v - m)).sum();
        (r2 / s.btb).sqrt()
    }

    /// Overdispersion of the selected fit in `w.set`/`w.h`: Pearson χ² over channels −
    /// signatures with positive exposure, floored at 1.
    fn selected_dispersion(&self, s: &Sample, w: &mut Work) -> f64 {
        if s.n <= 0.0 {
            return 1.0;
        }
        poisson::expected(&self.d, &w.set, &w.h, &mut w.mu);
        let chi2: f64 =
            s.v.iter()
                .zip(&w.mu)
                .filter(|(_, m)| **m > 0.0)
                .map(|(v, m)| (v - m) * (v - m) / m)
                .sum();
        let active = w.set.iter().filter(|&&j| w.h[j] > 0.0).count();
        let df = self.d.m.saturating_sub(active).max(1) as f64;
        (chi2 / df).max(1.0)
    }

    /// Overdispersion of a sample: Pearson χ² of the least-squares fit on the whole
    /// reference over its residual degrees of freedom (channels − active signatures, at
    /// least 1), floored at 1.
    fn dispersion(&self, s: &Sample, w: &mut Work) -> f64 {
        if s.n <= 0.0 {
            return 1.0;
        }
        // NNLS on the Gram matrix: a good enough fit of the whole reference for a variance
        // ratio, about 10× cheaper than the likelihood fit on ~100 signatures
        let all = &self.all;
        let mut h = std::mem::take(&mut w.h_try);
        h.fill(0.0);
        if nnls_gram(self.gram.as_ref(), &w.atb, all, &[], &mut w.nn, &mut h).is_err() {
            w.h_try = h;
            return 1.0;
        }
        poisson::expected(&self.d, all, &h, &mut w.mu);
        let chi2: f64 =
            s.v.iter()
                .zip(&w.mu)
                .filter(|(_, m)| **m > 0.0)
                .map(|(v, m)| (v - m) * (v - m) / m)
                .sum();
        let active = h.iter().filter(|&&x| x > 1e-9 * s.n).count();
        let df = self.d.m.saturating_sub(active).max(1) as f64;
        w.h_try = h;
        (chi2 / df).max(1.0)
    }

    /// Bootstrap: `replicates` multinomial resamples of each sample (its total kept,
    /// non-integer totals rounded), each refitted with selection. Stream
    /// `rng::stream(seed, AssignBootstrap, sample, replicate)`, so results do not depend
    /// on the thread count.
    pub fn bootstrap(
        &self,
        v: MatRef<'_, f64>,
        replicates: usize,
        seed: u64,
    ) -> Result<Vec<SampleBootstrap>, AssignError> {
        if replicates == 0 {
            return Err(AssignError::Config(
                "bootstrap needs at least one replicate".into(),
            ));
        }
        let cols = self.columns(v)?;
        let (m, k) = (self.d.m, self.d.k);
        let rule = self.rule();
        cols.par_iter()
            .enumerate()
            .map(|(si, col)| {
                let reps: Vec<Vec<f64>> = (0..replicates)
                    .into_par_iter()
                    .map_init(
                        || (Work::new(m, k), vec![0.0; m]),
                        |(w, buf), r| {
                            let mut rng = crate::rng::stream(
                                seed,
                                crate::rng::Purpose::AssignBootstrap,
                                si as u32,
                                r as u32,
                            );
                            multinomial_resample(col, &mut rng, buf)
                                .map_err(|e| AssignError::InvalidValue(e.to_string()))?;
                            Ok(self.fit_with(buf, rule, w, None).exposures)
                        },
                    )
                    .collect::<Result<_, AssignError>>()?;
                Ok(summarize(&reps, k))
            })
            .collect()
    }

    /// Express a (de novo) signature as a sparse mixture of the reference.
    pub fn decompose(
        &self,
        signature: &[f64],
        cfg: &DecomposeConfig,
    ) -> Result<Decomposition, AssignError> {
        self.check_sample(signature)?;
        if !(cfg.pseudo_count.is_finite() && cfg.pseudo_count > 0.0)
            || cfg.remove_threshold > cfg.add_threshold
            || cfg.remove_threshold < 0.0
        {
            return Err(AssignError::Config(format!("{cfg:?}")));
        }
        let total: f64 = signature.iter().sum();
        let scaled: Vec<f64> = if total > 0.0 {
            signature
                .iter()
                .map(|x| x / total * cfg.pseudo_count)
                .collect()
        } else {
            signature.to_vec()
        };
        let (mut best, mut best_cosine) = (0, f64::NEG_INFINITY);
        for j in 0..self.d.k {
            let c = fit_quality(&scaled, self.d.col(j)).cosine;
            if c > best_cosine {
                best_cosine = c;
                best = j;
            }
        }
        let mut w = Work::new(self.d.m, self.d.k);
        let rule = Rule {
            criterion: cfg.criterion,
            add: cfg.add_threshold,
            remove: cfg.remove_threshold,
            effect: 0.0,
        };
        let fit = self.fit_with(&scaled, rule, &mut w, None);
        let sum: f64 = fit.exposures.iter().sum();
        let weights = fit
            .exposures
            .iter()
            .map(|e| if sum > 0.0 { e / sum } else { 0.0 })
            .collect();
        let status = if best_cosine >= cfg.matched_threshold {
            DecompositionStatus::Matched
        } else if fit.cosine >= cfg.decomposed_threshold {
            DecompositionStatus::Decomposed
        } else {
            DecompositionStatus::Novel
        };
        Ok(Decomposition {
            best,
            best_cosine: best_cosine.max(0.0),
            weights,
            active: fit
                .active
                .into_iter()
                .filter(|&j| fit.exposures[j] > 0.0)
                .collect(),
            cosine: fit.cosine,
            status,
        })
    }
}

/// Median, 2.5%/97.5% quantiles and positive fraction per signature.
fn summarize(reps: &[Vec<f64>], k: usize) -> SampleBootstrap {
    let r = reps.len();
    let mut col = vec![0.0; r];
    let mut out = SampleBootstrap {
        median: vec![0.0; k],
        lower: vec![0.0; k],
        upper: vec![0.0; k],
        selected_fraction: vec![0.0; k],
    };
    for j in 0..k {
        for (c, rep) in col.iter_mut().zip(reps) {
            *c = rep[j];
        }
        col.sort_by(f64::total_cmp);
        out.median[j] = quantile(&col, 0.5);
        out.lower[j] = quantile(&col, 0.025);
        out.upper[j] = quantile(&col, 0.975);
        out.selected_fraction[j] = col.iter().filter(|&&x| x > 0.0).count() as f64 / r as f64;
    }
    out
}

#[cfg(test)]
#[allow(clippy::needless_range_loop)]
mod tests;
