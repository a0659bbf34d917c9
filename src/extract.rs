//! `mutasig extract`: bootstrapped de novo extraction with stability-based rank selection.
//!
//! For every rank k, R replicates each factorize a multinomial bootstrap of the catalogue
//! (optionally with hypermutators capped); the replicates' signatures are clustered into
//! k consensus signatures (one per replicate in each cluster), whose silhouettes are the
//! stability; the sample co-clustering gives the cophenetic correlation. The consensus
//! signatures are refined by one factorization of the catalogue itself, and exposures are
//! refitted on the original catalogue. The rank is chosen from stability, per-sample
//! reconstruction error, the cophenetic correlation and the held-out likelihood of
//! binomially thinned halves (see [`crate::extract::rank`] and [`heldout`]).
//!
//! Every replicate's random streams derive from (seed, rank, replicate), and all
//! parallel results are collected in order, so outputs do not depend on `--threads`.

pub mod consensus;
pub mod cophenetic;
pub mod heldout;
pub mod partial;
pub mod rank;
pub mod resample;

use crate::assign::{AssignConfig, Criterion, DecomposeConfig, Decomposition, Refitter};
use crate::nmf::{self, NmfConfig, NmfSettings};
use crate::numeric::reconstruct;
use crate::read::catalogue::Catalogue;
use crate::read::reference::SignatureSet;
use crate::rng::{Purpose, stream};
use crate::settings::{SettingsError, check_count, show};
use consensus::ConsensusOptions;
use faer::{Mat, MatRef};
use rank::{RankInput, RankOptions, RankSelection};
use rayon::prelude::*;
use resample::Normalization;
use serde::Serialize;
use std::time::Instant;

/// Settings of an extraction.
#[derive(Debug, Clone, Serialize, serde::Deserialize, schemars::JsonSchema)]
pub struct ExtractConfig {
    /// Smallest rank tried.
    pub min_rank: usize,
    /// Largest rank tried (capped at samples − 1).
    pub max_rank: usize,
    /// Replicates per rank: the most a rank gets (see `min_replicates`).
    pub replicates: usize,
    /// Replicates by need: when several ranks are tried, each rank starts with this
    /// many replicates and gets this many more at a time, up to `replicates`, until more
    /// could no longer change whether it passes the stability thresholds
    /// ([`rank::stability_settled`]). 0 (as in folders and parts written before the
    /// option) or at least `replicates`: always `replicates`.
    #[serde(default)]
    pub min_replicates: usize,
    /// Bootstrap each replicate (false: factorize the catalogue itself from new starts).
    pub resample: bool,
    /// How each rank's consensus signatures are refined on the catalogue itself. Absent
    /// (folders and parts written before the option): off.
    #[serde(default)]
    pub refine: Refine,
    /// Capping of hypermutated samples before factorizing.
    pub normalization: Normalization,
    /// The NMF settings of every factorization (the rank varies).
    #[serde(flatten)]
    pub nmf: NmfSettings,
    /// Stability thresholds and test level of the rank selection.
    pub selection: RankOptions,
    /// Consensus clustering restarts.
    pub consensus: ConsensusOptions,
    /// Seed of every random stream.
    pub seed: u64,
}

/// How the consensus signatures of each rank become the reported ones: one more
/// factorization of the catalogue itself (normalized as the replicates were), started
/// from the centroids and their Poisson exposures.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Default,
    Serialize,
    serde::Deserialize,
    schemars::JsonSchema,
    clap::ValueEnum,
)]
#[serde(rename_all = "lowercase")]
pub enum Refine {
    /// None: the consensus centroids (what SigProfilerExtractor reports)
    #[default]
    Off,
    /// One more factorization with the replicates' NMF settings
    Nmf,
    /// Minimum-volume NMF (weight --volume-lambda), at most 500 iterations; with
    /// --objective frobenius, as nmf. Keeps a signature whole where plain NMF lends part of
    /// it to a neighbour (SBS7a's TCW channels to SBS2)
    Mvnmf,
}

/// Iteration cap of `--refine mvnmf` (its help says 500). From a consensus start 500
/// iterations recovered what 2,000 and 20,000 did on the simulated cohorts
/// (docs/benchmarks-extract.md, "Refined signatures"), at a fortieth of the time of 20,000.
pub const REFINE_MVNMF_ITERATIONS: usize = 500;

/// Largest `--replicates`: each rank clusters k × replicates signatures, and the
/// consensus accepts at most [`consensus::MAX_POINTS`] of them.
pub const MAX_REPLICATES: usize = consensus::MAX_POINTS;

impl ExtractConfig {
    /// Checks every setting that does not depend on the data; run before anything is
    /// read. [`extract`] runs it too.
    ///
    /// # Errors
    ///
    /// The first setting out of range, named by its command-line flag.
    pub fn check(&self) -> Result<(), SettingsError> {
        check_count("--min-rank", self.min_rank, 1, usize::MAX)?;
        check_count("--max-rank", self.max_rank, 1, usize::MAX)?;
        if self.min_rank > self.max_rank {
            return Err(SettingsError::new(
                "--min-rank",
                self.min_rank.to_string(),
                format!("must not be above --max-rank {}", self.max_rank),
            ));
        }
        check_count("--replicates", self.replicates, 1, MAX_REPLICATES)?;
        if self.min_replicates != 0 {
            check_count("--min-replicates", self.min_replicates, 2, MAX_REPLICATES)?;
        }
        if self.replicates < 2 && self.min_rank < self.max_rank {
            return Err(SettingsError::new(
                "--replicates",
                self.replicates.to_string(),
                "at least 2 are needed when several ranks are tried: the rank is chosen by \
                 the stability of the replicates, which one replicate cannot measure \
                 (use --rank K for a single factorization)",
            ));
        }
        if let Normalization::Cap(cap) = self.normalization
            && !(cap.is_finite() && cap > 0.0)
        {
            return Err(SettingsError::new(
                "--normalize",
                format!("cap:{}", show(cap)),
                "expected cap:N with N a finite number > 0",
            ));
        }
        self.nmf.check()?;
        self.selection.check()?;
        Ok(())
    }

    /// Checks the settings against the largest rank `hi` actually tried (known once the
    /// catalogue is read, see [`rank_range`]): the consensus clusters `hi × replicates`
    /// signatures, at most [`consensus::MAX_POINTS`].
    pub fn check_ranks(&self, hi: usize) -> Result<(), SettingsError> {
        if hi.saturating_mul(self.replicates) > consensus::MAX_POINTS {
            return Err(SettingsError::new(
                "--replicates",
                self.replicates.to_string(),
                format!(
                    "at most {} at rank {hi} (rank x replicates must not exceed {} signatures \
                     to cluster); lower --replicates or --max-rank",
                    consensus::MAX_POINTS / hi.max(1),
                    consensus::MAX_POINTS
                ),
            ));
        }
        Ok(())
    }

    /// The replicate counts at which a rank's stability is checked when `n_ranks` ranks
    /// are tried, ascending and ending at `replicates`; just `[replicates]` when the count
    /// does not adapt (one rank, or `min_replicates` 0 or at least `replicates`).
    pub fn checkpoints(&self, n_ranks: usize) -> Vec<usize> {
        let step = self.min_replicates;
        if n_ranks < 2 || step == 0 || step >= self.replicates {
            return vec![self.replicates];
        }
        let mut points: Vec<usize> = (1..)
            .map(|i| i * step)
            .take_while(|&n| n < self.replicates)
            .collect();
        points.push(self.replicates);
        points
    }
}

/// Everything computed for one rank.
#[derive(Debug, Clone)]
pub struct RankResult {
    /// The rank.
    pub k: usize,
    /// Consensus signatures, channels × k, columns sum to 1, ordered by total exposure.
    pub signatures: Mat<f64>,
    /// Signature names (`SBS96A`, ...).
    pub names: Vec<String>,
    /// Refitted exposures, k × samples, each column summing to the sample total.
    pub exposures: Mat<f64>,
    /// Stability (mean silhouette) of each signature.
    pub stability: Vec<f64>,
    /// Mean of `stability`.
    pub stability_mean: f64,
    /// Minimum of `stability`.
    pub stability_min: f64,
    /// Standard error of `stability_mean`: the standard deviation over replicates of
    /// each replicate's mean silhouette, divided by √replicates.
    pub stability_se: f64,
    /// Standard error of `stability_min`: the spread over replicates of the silhouette
    /// of each replicate's member of the least stable cluster, divided by √replicates.
    pub stability_min_se: f64,
    /// Replicates used (fewer than `--replicates` when the count adapts to need).
    pub replicates: usize,
    /// Per-sample held-out log-likelihood ([`heldout::loglik`]); empty when a single
    /// rank is tried (nothing to choose).
    pub heldout: Vec<f64>,
    /// Cophenetic correlation, dispersion and PAC of the sample co-clustering.
    pub coclustering: cophenetic::CoclusteringStats,
    /// How the cophenetic correlation was estimated on sample subsets; `None` when it
    /// is exact (cohorts up to [`cophenetic::EXACT_COPHENETIC_MAX`] samples).
    pub cophenetic_estimate: Option<cophenetic::CopheneticEstimate>,
    /// ‖V − WH‖_F / ‖V‖_F of the refit.
    pub reconstruction_error: f64,
    /// Per-sample relative L2 error of the refit.
    pub sample_errors: Vec<f64>,
    /// Per-sample cosine of the refit.
    pub sample_cosines: Vec<f64>,
    /// Mean of `sample_cosines`.
    pub mean_cosine: f64,
    /// Median NMF iterations over replicates.
    pub median_iterations: usize,
    /// Fraction of replicates whose factorization met the tolerance.
    pub converged_fraction: f64,
    /// Wall time spent on this rank's consensus, refinement and refit, seconds (the
    /// replicates' factorizations run interleaved across ranks, and consensus and
    /// refinement run alongside other ranks'; their time is in the summary's total).
    pub seconds: f64,
}

/// The result of an extraction.
#[derive(Debug, Clone)]
pub struct Extraction {
    /// Every rank tried, ascending.
    pub ranks: Vec<RankResult>,
    /// How the rank was chosen.
    pub selection: RankSelection,
    /// Samples dropped for having no mutations.
    pub dropped: Vec<String>,
    /// The catalogue actually factorized (zero samples removed).
    pub catalogue: Catalogue,
    /// The normalization as applied (a GMM resolved to its cap).
    pub normalization: Normalization,
    /// Notes and warnings for the user and the summary.
    pub warnings: Vec<String>,
    /// Total seconds of the factorizations.
    pub nmf_seconds: f64,
}

impl Extraction {
    /// The selected rank's result.
    pub fn selected(&self) -> &RankResult {
        self.ranks
            .iter()
            .find(|r| r.k == self.selection.selected)
            .expect("selected rank was computed")
    }
}

/// Extraction failures.
#[derive(Debug, thiserror::Error)]
pub enum ExtractError {
    /// Settings that cannot work with this catalogue.
    #[error("{0}")]
    Invalid(String),
    /// A setting out of range ([`ExtractConfig::check`]).
    #[error(transparent)]
    Settings(#[from] SettingsError),
    /// A numeric stage failed.
    #[error("{stage} failed at rank {k}: {message}")]
    Stage {
        /// The stage.
        stage: &'static str,
        /// The rank.
        k: usize,
        /// What happened.
        message: String,
    },
}

fn stage<E: std::fmt::Display>(stage: &'static str, k: usize) -> impl Fn(E) -> ExtractError {
    move |e| ExtractError::Stage {
        stage,
        k,
        message: e.to_string(),
    }
}

/// Letter names as the reference tool makes them: A..Z, AA, AB, ...
pub fn signature_names(prefix: &str, k: usize) -> Vec<String> {
    (0..k)
        .map(|mut i| {
            let mut s = Vec::new();
            loop {
                s.push((b'A' + (i % 26) as u8) as char);
                if i < 26 {
                    break;
                }
                i = i / 26 - 1;
            }
            let letters: String = s.into_iter().rev().collect();
            format!("{prefix}{letters}")
        })
        .collect()
}

/// The ranks that will be tried for `n` samples, with a note when capped.
pub fn rank_range(min: usize, max: usize, n: usize, m: usize) -> (usize, usize, Option<String>) {
    // k ≤ n − 1 (k = n reproduces every sample by itself); at least rank 1.
    let cap = n.saturating_sub(1).max(1).min(m);
    let hi = max.min(cap);
    let lo = min.min(hi).max(1);
    let note = (hi < max).then(|| {
        format!("ranks capped at {hi} (the catalogue has {n} samples; a rank needs fewer signatures than samples)")
    });
    (lo, hi, note)
}

/// One factorization's raw result: everything [`finish`] needs from a (rank, replicate)
/// job. Stored in partial files by [`partial`].
#[derive(Debug, Clone)]
pub struct Replicate {
    w: Mat<f64>,
    /// Each sample's dominant signature (for the co-clustering consensus).
    labels: Vec<usize>,
    iterations: usize,
    converged: bool,
}

/// What [`extract`] reports while it works (the caller decides what to show).
#[derive(Debug, Clone, PartialEq)]
pub enum Progress {
    /// One factorization finished.
    Factorized,
    /// This many factorizations of a rank were not needed (replicates by need).
    Skipped(usize),
    /// A step finished, for verbose logs.
    Detail(String),
}

/// The catalogue as it is factorized and what follows from it, before any factorization:
/// shared by a whole run, a partial run (`--partial-out`) and a merge of partial runs.
#[derive(Debug, Clone)]
pub struct Prepared {
    /// The catalogue actually factorized (zero samples removed).
    pub catalogue: Catalogue,
    /// Samples dropped for having no mutations.
    pub dropped: Vec<String>,
    /// Notes and warnings so far.
    pub warnings: Vec<String>,
    /// The normalization as applied (a GMM resolved to its cap).
    pub normalization: Normalization,
    /// The ranks tried, ascending (the --min-rank..--max-rank range, capped).
    pub ranks: Vec<usize>,
}

/// Checks the settings, drops empty samples, caps the rank range and resolves the
/// normalization: everything [`factorize_jobs`] and [`finish`] need.
///
/// # Errors
///
/// A setting out of range, a catalogue without mutations, a failed normalization.
pub fn prepare(input: &Catalogue, cfg: &ExtractConfig) -> Result<Prepared, ExtractError> {
    cfg.check()?;
    let mut warnings = Vec::new();
    let (cat, dropped) = input.without_zero_samples();
    if !dropped.is_empty() {
        warnings.push(format!(
            "dropped {} with no mutations: {}",
            crate::read::table::plural(dropped.len(), "sample", "samples"),
            dropped.join(", ")
        ));
    }
    let n = cat.n_samples();
    if n == 0 {
        return Err(ExtractError::Invalid(
            "no sample has any mutation; nothing to extract".into(),
        ));
    }
    let m = cat.counts.nrows();
    let (lo, hi, note) = rank_range(cfg.min_rank, cfg.max_rank, n, m);
    cfg.check_ranks(hi)?;
    if let Some(note) = note {
        warnings.push(note);
    }
    let normalization = cfg
        .normalization
        .resolve(cat.counts.as_ref())
        .map_err(stage("normalization", 0))?;
    Ok(Prepared {
        catalogue: cat,
        dropped,
        warnings,
        normalization,
        ranks: (lo..=hi).collect(),
    })
}

/// Runs the factorizations of the (rank, replicate) `jobs` in one parallel loop; the
/// results come back in the order of `jobs`, whatever the number of threads.
/// `progress` is called once per finished factorization.
///
/// # Errors
///
/// The first failed bootstrap, normalization or factorization.
pub fn factorize_jobs(
    p: &Prepared,
    cfg: &ExtractConfig,
    jobs: &[(usize, usize)],
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<Vec<Replicate>, ExtractError> {
    let v = p.catalogue.counts.as_ref();
    // One flat parallel loop over (rank, replicate) keeps every core busy across ranks.
    jobs.par_iter()
        .map(|&(k, r)| {
            let out = replicate(v, k, r, p.normalization, cfg);
            progress(Progress::Factorized);
            out
        })
        .collect()
}

/// Run the extraction. `progress` is called once per finished factorization and after
/// each step (for verbose logs).
pub fn extract(
    input: &Catalogue,
    cfg: &ExtractConfig,
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<Extraction, ExtractError> {
    let p = prepare(input, cfg)?;
    let mut per_rank: Vec<Vec<Replicate>> = vec![Vec::new(); p.ranks.len()];
    let mut active: Vec<usize> = (0..p.ranks.len()).collect();
    let mut nmf_seconds = 0.0;
    let mut n_fits = 0;
    let points = cfg.checkpoints(p.ranks.len());
    for &n in &points {
        let jobs: Vec<(usize, usize)> = active
            .iter()
            .flat_map(|&i| {
                let k = p.ranks[i];
                (per_rank[i].len()..n).map(move |r| (k, r))
            })
            .collect();
        let t0 = Instant::now();
        let fits = factorize_jobs(&p, cfg, &jobs, progress)?;
        nmf_seconds += t0.elapsed().as_secs_f64();
        n_fits += jobs.len();
        let mut fits = fits.into_iter();
        for &i in &active {
            let have = per_rank[i].len();
            per_rank[i].extend((&mut fits).take(n - have));
        }
        if n == cfg.replicates {
            break;
        }
        let done: Vec<bool> = active
            .par_iter()
            .map(|&i| settled(p.ranks[i], &per_rank[i], cfg))
            .collect::<Result<_, _>>()?;
        for (&i, _) in active.iter().zip(&done).filter(|x| *x.1) {
            progress(Progress::Skipped(cfg.replicates - n));
            progress(Progress::Detail(format!(
                "rank {}: stability settled after {n} replicates",
                p.ranks[i]
            )));
        }
        let mut d = done.iter();
        active.retain(|_| !d.next().copied().unwrap_or(false));
        if active.is_empty() {
            break;
        }
    }
    progress(Progress::Detail(format!(
        "{n_fits} factorizations in {nmf_seconds:.1} s"
    )));
    summarize(p, cfg, per_rank, nmf_seconds, progress)
}

/// Whether rank `k`'s stability, estimated from `reps`, is settled
/// ([`rank::stability_settled`]).
fn settled(k: usize, reps: &[Replicate], cfg: &ExtractConfig) -> Result<bool, ExtractError> {
    let ws: Vec<MatRef<'_, f64>> = reps.iter().map(|r| r.w.as_ref()).collect();
    let cons =
        consensus::consensus(&ws, cfg.seed, &cfg.consensus).map_err(stage("consensus", k))?;
    let est = StabilityEstimate::of(&cons, k, reps.len());
    let mean = (cons.stability_mean, est.se);
    let min = (cons.stability_min, est.min_se);
    Ok(rank::stability_settled(mean, min, &cfg.selection))
}

/// How many of `reps` (all `--replicates` of rank `k`) a run that adds replicates by
/// need would have used: the first checkpoint at which the stability is settled.
fn replicates_needed(
    k: usize,
    reps: &[Replicate],
    cfg: &ExtractConfig,
    points: &[usize],
) -> Result<usize, ExtractError> {
    for &n in points {
        if n >= reps.len() || settled(k, &reps[..n], cfg)? {
            return Ok(n.min(reps.len()));
        }
    }
    Ok(reps.len())
}

/// The remainder of an extraction once every factorization is done: the consensus and
/// refit of each rank, then the rank selection. `replicates` holds, for each rank of
/// `p.ranks` in order, all its `--replicates` replicates in order; `nmf_seconds` is
/// reported as is. When replicates are added by need, each rank keeps the replicates a
/// single run would have computed (the same rule on the same prefixes), so a merge of
/// parts writes the same bytes as [`extract`].
///
/// # Errors
///
/// A rank whose replicates are not all there, or a failed consensus, refit or selection.
pub fn finish(
    p: Prepared,
    cfg: &ExtractConfig,
    mut replicates: Vec<Vec<Replicate>>,
    nmf_seconds: f64,
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<Extraction, ExtractError> {
    if replicates.len() != p.ranks.len() || replicates.iter().any(|r| r.len() != cfg.replicates) {
        return Err(ExtractError::Invalid(format!(
            "expected {} replicates for each of the ranks {:?}",
            cfg.replicates, p.ranks
        )));
    }
    let points = cfg.checkpoints(p.ranks.len());
    let needed: Vec<usize> = p
        .ranks
        .par_iter()
        .zip(&replicates)
        .map(|(&k, reps)| replicates_needed(k, reps, cfg, &points))
        .collect::<Result<_, _>>()?;
    for (reps, n) in replicates.iter_mut().zip(needed) {
        reps.truncate(n);
    }
    summarize(p, cfg, replicates, nmf_seconds, progress)
}

/// [`finish`] with each rank's replicates already the ones to use.
fn summarize(
    p: Prepared,
    cfg: &ExtractConfig,
    replicates: Vec<Vec<Replicate>>,
    nmf_seconds: f64,
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<Extraction, ExtractError> {
    let halves = if p.ranks.len() > 1 {
        heldout::thin(p.catalogue.counts.as_ref(), cfg.seed)
    } else {
        Vec::new()
    };
    // Consensus and refinement of all ranks in parallel (a minimum-volume refinement is
    // one long single-threaded fit); the rest rank by rank, which bounds the memory of
    // the samples × samples co-clustering matrices.
    // the catalogue the refinements factorize, normalized as the replicates were
    let normed = match cfg.refine {
        Refine::Off => None,
        _ => Some(
            resample::apply(p.catalogue.counts.as_ref(), p.normalization)
                .map_err(stage("normalization", 0))?
                .0,
        ),
    };
    let signatures: Vec<RankSignatures> = p
        .ranks
        .par_iter()
        .zip(&replicates)
        .map(|(&k, reps)| signatures_of(normed.as_ref(), k, reps, cfg))
        .collect::<Result<_, _>>()?;
    let mut results = Vec::with_capacity(p.ranks.len());
    for ((&k, reps), sigs) in p.ranks.iter().zip(replicates).zip(signatures) {
        let r = summarize_rank(&p.catalogue, k, reps, sigs, &halves, cfg.seed)?;
        results.push(r);
        progress(Progress::Detail(format!("rank {k} summarized")));
    }

    let mut warnings = p.warnings;
    if let Some(e) = results.iter().find_map(|r| r.cophenetic_estimate) {
        warnings.push(format!(
            "cophenetic correlation and PAC estimated: means over {} random subsets of {} samples \
             (the cohort has more than {} samples; see cophenetic_estimate in summary.json)",
            e.subsets,
            e.subset_size,
            cophenetic::EXACT_COPHENETIC_MAX
        ));
    }
    let inputs: Vec<RankInput> = results
        .iter()
        .map(|r| RankInput {
            k: r.k,
            stability_mean: r.stability_mean,
            stability_min: r.stability_min,
            stability_se: r.stability_se,
            stability_min_se: r.stability_min_se,
            errors: r.sample_errors.clone(),
            cophenetic: r.coclustering.cophenetic,
            heldout: r.heldout.clone(),
        })
        .collect();
    let selection =
        rank::select_rank(&inputs, &cfg.selection).map_err(stage("rank selection", 0))?;
    if selection.ambiguous {
        warnings.push(format!(
            "rank selection is ambiguous: ranks {:?} fit held-out data equally well within \
             one standard error; selected {} (votes and likelihoods under selection in \
             summary.json)",
            selection.plausible, selection.selected
        ));
    }
    Ok(Extraction {
        ranks: results,
        selection,
        dropped: p.dropped,
        catalogue: p.catalogue,
        normalization: p.normalization,
        warnings,
        nmf_seconds,
    })
}

fn replicate(
    v: MatRef<'_, f64>,
    k: usize,
    r: usize,
    normalization: Normalization,
    cfg: &ExtractConfig,
) -> Result<Replicate, ExtractError> {
    let sampled = if cfg.resample {
        let mut rng = stream(cfg.seed, Purpose::Resample, k as u32, r as u32);
        resample::bootstrap(v, &mut rng).map_err(stage("bootstrap", k))?
    } else {
        v.to_owned()
    };
    let (normed, _scale) =
        resample::apply(sampled.as_ref(), normalization).map_err(stage("normalization", k))?;
    let mut ncfg = NmfConfig::new(k);
    cfg.nmf.apply(&mut ncfg);
    let mut first = stream(cfg.seed, Purpose::Init, k as u32, r as u32);
    let mut more = stream(cfg.seed, Purpose::Restart, k as u32, r as u32);
    let mut fit = nmf::fit_starts(
        normed.as_ref(),
        &ncfg,
        cfg.nmf.starts,
        &mut first,
        &mut more,
    )
    .map_err(stage("factorization", k))?;
    nmf::normalize_columns(&mut fit.w, &mut fit.h);
    Ok(Replicate {
        labels: cophenetic::dominant_signature(fit.h.as_ref()),
        w: fit.w,
        iterations: fit.iterations,
        converged: fit.converged,
    })
}

/// A rank's consensus of its replicates and, unless `--refine off`, its refined
/// signatures, with the seconds they took.
struct RankSignatures {
    cons: consensus::Consensus,
    refined: Option<Mat<f64>>,
    seconds: f64,
}

fn signatures_of(
    normed: Option<&Mat<f64>>,
    k: usize,
    reps: &[Replicate],
    cfg: &ExtractConfig,
) -> Result<RankSignatures, ExtractError> {
    let t0 = Instant::now();
    let ws: Vec<MatRef<'_, f64>> = reps.iter().map(|r| r.w.as_ref()).collect();
    let cons =
        consensus::consensus(&ws, cfg.seed, &cfg.consensus).map_err(stage("consensus", k))?;
    let refined = match normed {
        Some(v) => Some(refine(v, cons.centroids.as_ref(), cfg)?),
        None => None,
    };
    Ok(RankSignatures {
        cons,
        refined,
        seconds: t0.elapsed().as_secs_f64(),
    })
}

fn summarize_rank(
    cat: &Catalogue,
    k: usize,
    reps: Vec<Replicate>,
    sigs: RankSignatures,
    halves: &[(Vec<f64>, Vec<f64>)],
    seed: u64,
) -> Result<RankResult, ExtractError> {
    let t0 = Instant::now();
    let RankSignatures {
        cons,
        refined,
        seconds,
    } = sigs;
    // The held-out likelihood scores the consensus itself: refined signatures have been
    // fitted to both thinned halves, and scoring them chose too few signatures at exome
    // depth (docs/benchmarks-extract.md, "Refined signatures").
    let consensus_w = &cons.centroids;
    let centroids = refined.as_ref().unwrap_or(consensus_w);
    let labels: Vec<&[usize]> = reps.iter().map(|r| r.labels.as_slice()).collect();
    let (coclustering, cophenetic_estimate) = cophenetic::coclustering_sampled(
        &labels,
        k,
        seed,
        &cophenetic::CopheneticSampling::default(),
    )
    .map_err(stage("cophenetic", k))?;

    // Refit the original catalogue on the reported signatures (Poisson likelihood,
    // all signatures, no selection): exposures sum to each sample's total.
    let fits = refit_all(centroids.as_ref(), &cat.counts).map_err(stage("refit", k))?;
    let n = cat.n_samples();

    // Order signatures by total exposure, largest first (ties: cluster order).
    let mut load: Vec<(usize, f64)> = (0..k)
        .map(|s| (s, fits.iter().map(|f| f.exposures[s]).sum()))
        .collect();
    load.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    let order: Vec<usize> = load.iter().map(|x| x.0).collect();
    let m = cat.counts.nrows();
    let signatures = Mat::from_fn(m, k, |i, s| centroids[(i, order[s])]);
    let exposures = Mat::from_fn(k, n, |s, j| fits[j].exposures[order[s]]);
    let stability: Vec<f64> = order.iter().map(|&s| cons.cluster_stability[s]).collect();

    let recon = reconstruct(signatures.as_ref(), exposures.as_ref());
    let mut resid = 0.0;
    let mut norm = 0.0;
    for j in 0..n {
        for i in 0..m {
            let d = cat.counts[(i, j)] - recon[(i, j)];
            resid += d * d;
            norm += cat.counts[(i, j)] * cat.counts[(i, j)];
        }
    }
    let sample_errors: Vec<f64> = fits.iter().map(|f| f.rel_l2).collect();
    let sample_cosines: Vec<f64> = fits.iter().map(|f| f.cosine).collect();
    let heldout = if halves.is_empty() {
        Vec::new()
    } else {
        heldout::loglik(consensus_w.as_ref(), halves).map_err(stage("held-out likelihood", k))?
    };
    let est = StabilityEstimate::of(&cons, k, reps.len());
    let mut iters: Vec<usize> = reps.iter().map(|r| r.iterations).collect();
    iters.sort_unstable();
    Ok(RankResult {
        k,
        names: signature_names(cat.context.name(), k),
        signatures,
        exposures,
        stability_mean: cons.stability_mean,
        stability_min: cons.stability_min,
        stability_se: est.se,
        stability_min_se: est.min_se,
        replicates: reps.len(),
        heldout,
        stability,
        coclustering,
        cophenetic_estimate,
        reconstruction_error: (resid / norm.max(f64::MIN_POSITIVE)).sqrt(),
        mean_cosine: sample_cosines.iter().sum::<f64>() / n as f64,
        sample_errors,
        sample_cosines,
        median_iterations: iters[iters.len() / 2],
        converged_fraction: reps.iter().filter(|r| r.converged).count() as f64 / reps.len() as f64,
        seconds: seconds + t0.elapsed().as_secs_f64(),
    })
}

/// Every sample of `v` fitted on all of `w`'s signatures (Poisson likelihood): exposures
/// sum to each sample's total.
fn refit_all(
    w: MatRef<'_, f64>,
    v: &Mat<f64>,
) -> Result<Vec<crate::assign::SampleFit>, crate::assign::AssignError> {
    let refitter = Refitter::new(w, AssignConfig::default())?;
    let all: Vec<usize> = (0..w.ncols()).collect();
    (0..v.ncols())
        .into_par_iter()
        .map(|j| refitter.fit_fixed(v.col_as_slice(j), &all))
        .collect()
}

/// Refines consensus signatures on the (normalized) catalogue itself (see [`Refine`]).
/// Started from the consensus and its Poisson exposures, the KL solvers (which accept no
/// step that raises the divergence) end no higher than the consensus's divergence. The
/// centroid averages fits to noisy bootstrap copies; this is the nearby optimum of the
/// catalogue's own likelihood.
fn refine(
    normed: &Mat<f64>,
    w0: MatRef<'_, f64>,
    cfg: &ExtractConfig,
) -> Result<Mat<f64>, ExtractError> {
    let k = w0.ncols();
    let fits = refit_all(w0, normed).map_err(stage("refinement", k))?;
    let h0 = Mat::from_fn(k, normed.ncols(), |s, j| fits[j].exposures[s]);
    let mut ncfg = NmfConfig::new(k);
    cfg.nmf.apply(&mut ncfg);
    if cfg.refine == Refine::Mvnmf && cfg.nmf.objective == nmf::Objective::KullbackLeibler {
        ncfg.solver = nmf::Solver::Mvnmf;
        ncfg.max_iter = ncfg.max_iter.min(REFINE_MVNMF_ITERATIONS);
    }
    let mut fit =
        nmf::fit_from(normed.as_ref(), w0.to_owned(), h0, &ncfg).map_err(stage("refinement", k))?;
    nmf::normalize_columns(&mut fit.w, &mut fit.h);
    Ok(fit.w)
}

/// The standard errors of a consensus's mean and minimum stability.
struct StabilityEstimate {
    se: f64,
    min_se: f64,
}

impl StabilityEstimate {
    fn of(cons: &consensus::Consensus, k: usize, replicates: usize) -> Self {
        let weakest = (0..k)
            .min_by(|&a, &b| cons.cluster_stability[a].total_cmp(&cons.cluster_stability[b]))
            .unwrap_or(0);
        let members: Vec<f64> = cons
            .labels
            .iter()
            .enumerate()
            .filter_map(|(r, l)| {
                let j = l.iter().position(|&c| c == weakest)?;
                cons.silhouettes.get(r * k + j).copied()
            })
            .collect();
        Self {
            se: replicate_spread(&cons.silhouettes, k, replicates),
            min_se: replicate_spread(&members, 1, members.len()),
        }
    }
}

/// Standard error of the mean silhouette over replicates: `silhouettes[r * k + j]` is
/// replicate r's signature j; each replicate's mean silhouette is one observation.
fn replicate_spread(silhouettes: &[f64], k: usize, replicates: usize) -> f64 {
    if replicates < 2 || k == 0 || silhouettes.len() != k * replicates {
        return 0.0;
    }
    let means: Vec<f64> = silhouettes
        .chunks(k)
        .map(|c| c.iter().sum::<f64>() / k as f64)
        .collect();
    let r = replicates as f64;
    let mean = means.iter().sum::<f64>() / r;
    let var = means.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / (r - 1.0);
    (var / r).sqrt()
}

/// Each signature of a solution explained by the reference: best single match and a
/// sparse decomposition.
pub fn decompose_all(
    signatures: MatRef<'_, f64>,
    reference: &SignatureSet,
    cfg: &DecomposeConfig,
) -> Result<Vec<Decomposition>, ExtractError> {
    let mut acfg = AssignConfig::for_reference(&reference.names, Criterion::RelativeL2);
    acfg.criterion = cfg.criterion;
    let refitter =
        Refitter::new(reference.matrix.as_ref(), acfg).map_err(stage("decomposition", 0))?;
    (0..signatures.ncols())
        .map(|s| {
            let col: Vec<f64> = signatures.col(s).iter().copied().collect();
            refitter
                .decompose(&col, cfg)
                .map_err(stage("decomposition", signatures.ncols()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn letter_names() {
        let n = signature_names("SBS96", 28);
        assert_eq!(n[0], "SBS96A");
        assert_eq!(n[25], "SBS96Z");
        assert_eq!(n[26], "SBS96AA");
        assert_eq!(n[27], "SBS96AB");
    }

    #[test]
    fn rank_range_caps_at_samples_minus_one() {
        assert_eq!(rank_range(1, 15, 100, 96), (1, 15, None));
        let (lo, hi, note) = rank_range(1, 15, 5, 96);
        assert_eq!((lo, hi), (1, 4));
        assert!(note.unwrap().contains("capped at 4"));
        assert_eq!(
            rank_range(1, 15, 1, 96).0..=rank_range(1, 15, 1, 96).1,
            1..=1
        );
        assert_eq!(rank_range(3, 15, 2, 96).0, 1);
    }

    fn config() -> ExtractConfig {
        ExtractConfig {
            min_rank: 1,
            max_rank: 15,
            replicates: 100,
            min_replicates: 20,
            resample: true,
            refine: Refine::Nmf,
            normalization: Normalization::Gmm,
            // one start keeps these tests fast; the starts have their own test
            nmf: NmfSettings {
                starts: 1,
                ..NmfSettings::default()
            },
            selection: RankOptions::default(),
            consensus: ConsensusOptions::default(),
            seed: 42,
        }
    }

    #[test]
    fn checkpoints_step_by_min_replicates_up_to_replicates() {
        let mut c = config();
        assert_eq!(c.checkpoints(15), [20, 40, 60, 80, 100]);
        assert_eq!(c.checkpoints(1), [100], "one rank: nothing to select");
        c.min_replicates = 30;
        assert_eq!(c.checkpoints(2), [30, 60, 90, 100]);
        for fixed in [0, 100, 150] {
            c.min_replicates = fixed;
            assert_eq!(c.checkpoints(15), [100]);
        }
    }

    /// A 4-signature Poisson cohort of 40 samples, ranks 1–6, replicates by need.
    fn adaptive_run() -> (Catalogue, ExtractConfig) {
        let (_, cat) = planted(40, 500.0, 0.5, 3);
        let mut cfg = config();
        cfg.max_rank = 6;
        cfg.replicates = 12;
        cfg.min_replicates = 3;
        cfg.nmf.max_iter = 2000;
        (cat, cfg)
    }

    /// SBS1, SBS3, SBS5 and SBS13, one to three active per sample, Poisson counts: the
    /// planted signatures and the catalogue.
    fn planted(
        samples: usize,
        burden_median: f64,
        burden_log_sd: f64,
        seed: u64,
    ) -> (crate::read::reference::SignatureSet, Catalogue) {
        let sim_cfg = crate::simulate::SimConfig {
            samples,
            active: (1, 3),
            burden_median,
            burden_log_sd,
            noise: crate::simulate::Noise::Poisson,
            seed,
            realism: Default::default(),
        };
        planted_from(&["SBS1", "SBS3", "SBS5", "SBS13"], &sim_cfg)
    }

    /// The named COSMIC signatures and a cohort simulated from them.
    fn planted_from(
        names: &[&str],
        sim_cfg: &crate::simulate::SimConfig,
    ) -> (crate::read::reference::SignatureSet, Catalogue) {
        use crate::read::context::Context;
        use crate::read::reference::{CosmicVersion, Genome, load_bundled};
        let all = load_bundled(CosmicVersion::V3_6, Genome::GRCh37, false, Context::Sbs96).unwrap();
        let idx: Vec<usize> = names.iter().map(|n| all.index(n).unwrap()).collect();
        let truth = all.subset(&idx);
        let cat = crate::simulate::simulate(&truth, sim_cfg)
            .unwrap()
            .catalogue;
        (truth, cat)
    }

    /// The KL divergence of a rank's refit from the catalogue.
    fn kl_of(cat: &Catalogue, r: &RankResult) -> f64 {
        nmf::objective(
            cat.counts.as_ref(),
            r.signatures.as_ref(),
            r.exposures.as_ref(),
            nmf::Objective::KullbackLeibler,
        )
    }

    /// Eight signatures, overdispersed counts, 60 samples: at the true rank, single
    /// random starts of coordinate descent often stop in a worse local minimum (one
    /// signature split, another missing), which leaves one cluster unstable; the best of
    /// three starts per replicate keeps every cluster stable.
    #[test]
    fn best_of_three_starts_keeps_every_planted_signature_stable() {
        let sim_cfg = crate::simulate::SimConfig {
            samples: 60,
            active: (2, 4),
            burden_median: 2000.0,
            burden_log_sd: 0.5,
            noise: crate::simulate::Noise::NegBin(30.0),
            seed: 2,
            realism: Default::default(),
        };
        let names = [
            "SBS1", "SBS2", "SBS3", "SBS5", "SBS13", "SBS18", "SBS40a", "SBS8",
        ];
        let (_, cat) = planted_from(&names, &sim_cfg);
        let mut cfg = config();
        (cfg.min_rank, cfg.max_rank, cfg.replicates, cfg.seed) = (8, 8, 10, 2);
        cfg.refine = Refine::Off;
        let run = |starts: usize, threads: usize| {
            let mut c = cfg.clone();
            c.nmf.starts = starts;
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            pool.install(|| extract(&cat, &c, &|_| {}).unwrap().ranks.remove(0))
        };
        let (one, three) = (run(1, 2), run(3, 2));
        let bits = |r: &RankResult| crate::numeric::mat_bits(r.signatures.as_ref());
        assert_eq!(bits(&three), bits(&run(3, 1)), "threads changed the result");
        assert!(one.stability_min < 0.5, "{:?}", one.stability);
        assert!(three.stability_min > 0.85, "{:?}", three.stability);
        // and the consensus of the better fits describes the catalogue better
        let kl = |r: &RankResult| kl_of(&cat, r);
        assert!(kl(&three) < kl(&one), "{} vs {}", kl(&three), kl(&one));
    }

    #[test]
    fn replicates_by_need_are_thread_independent_and_what_a_merge_keeps() {
        let (cat, mut cfg) = adaptive_run();
        // a threshold at rank 4's estimate from the first 3 replicates: undecided there
        let mut first = cfg.clone();
        first.replicates = 3;
        let r4 = extract(&cat, &first, &|_| {}).unwrap().ranks[3].clone();
        assert!(r4.stability_se > 0.0 && r4.stability_mean < 0.99);
        cfg.selection.min_stability_mean = r4.stability_mean;
        let run = |t: usize| {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(t)
                .build()
                .unwrap();
            pool.install(|| extract(&cat, &cfg, &|_| {}).unwrap())
        };
        let (a, b) = (run(1), run(4));
        let used: Vec<usize> = a.ranks.iter().map(|r| r.replicates).collect();
        // settled ranks stop early, and at least one rank needed more than the first step
        assert!(used.iter().any(|&n| n < 12), "{used:?}");
        assert!(used.iter().any(|&n| n > 3), "{used:?}");
        assert!(
            used.iter().all(|n| cfg.checkpoints(6).contains(n)),
            "{used:?}"
        );
        // all 12 replicates of every rank, as parts give them to `merge`
        let p = prepare(&cat, &cfg).unwrap();
        let jobs: Vec<(usize, usize)> = p
            .ranks
            .iter()
            .flat_map(|&k| (0..12).map(move |r| (k, r)))
            .collect();
        let mut fits = factorize_jobs(&p, &cfg, &jobs, &|_| {})
            .unwrap()
            .into_iter();
        let per_rank = p
            .ranks
            .iter()
            .map(|_| (&mut fits).take(12).collect())
            .collect();
        let merged = finish(p, &cfg, per_rank, 0.0, &|_| {}).unwrap();
        for other in [&b, &merged] {
            assert_eq!(a.selection.selected, other.selection.selected);
            for (x, y) in a.ranks.iter().zip(&other.ranks) {
                assert_eq!(x.replicates, y.replicates, "rank {}", x.k);
                let bits = |m: &Mat<f64>| crate::numeric::mat_bits(m.as_ref());
                assert_eq!(bits(&x.signatures), bits(&y.signatures), "rank {}", x.k);
                assert_eq!(x.stability_se.to_bits(), y.stability_se.to_bits());
            }
        }
        // a settled rank's decision is the one the rank rule takes from its estimates
        for r in &a.ranks {
            if r.replicates < 12 {
                let mean = (r.stability_mean, r.stability_se);
                let min = (r.stability_min, r.stability_min_se);
                let settled = rank::stability_settled(mean, min, &cfg.selection);
                assert!(settled, "rank {}", r.k);
            }
        }
    }

    /// Refinement at exome depth, plain and minimum-volume: closer to the planted
    /// signatures than the bootstrap consensus; plain, no higher a divergence either.
    #[test]
    fn refined_signatures_recover_a_low_count_cohort_better_than_the_consensus() {
        let (truth, cat) = planted(200, 100.0, 0.3, 7);
        let mut cfg = config();
        (cfg.min_rank, cfg.max_rank, cfg.replicates) = (4, 4, 8);
        cfg.normalization = Normalization::None;
        let run = |refine: Refine| {
            let c = ExtractConfig {
                refine,
                ..cfg.clone()
            };
            extract(&cat, &c, &|_| {}).unwrap().ranks.remove(0)
        };
        let (refined, consensus) = (run(Refine::Nmf), run(Refine::Off));
        // each planted signature's best cosine among the four extracted
        let best = |r: &RankResult| -> Vec<f64> {
            (0..4)
                .map(|t| {
                    (0..4)
                        .map(|s| {
                            crate::numeric::cosine_cols(truth.matrix.col(t), r.signatures.col(s))
                        })
                        .fold(0.0, f64::max)
                })
                .collect()
        };
        let (b_ref, b_con) = (best(&refined), best(&consensus));
        let b_vol = best(&run(Refine::Mvnmf));
        // the flat SBS3 is the hard one at 100 mutations per sample
        let worst = |v: &[f64]| v.iter().copied().fold(1.0, f64::min);
        assert!(
            worst(&b_ref) > worst(&b_con) + 0.01,
            "{b_ref:?} vs {b_con:?}"
        );
        assert!(
            worst(&b_vol) > worst(&b_con) + 0.01,
            "{b_vol:?} vs {b_con:?}"
        );
        assert!(b_ref.iter().all(|&c| c > 0.93), "{b_ref:?}");
        // the stability is the clusters', whichever signatures are reported
        assert_eq!(
            refined.stability_mean.to_bits(),
            consensus.stability_mean.to_bits()
        );
        let kl = |r: &RankResult| kl_of(&cat, r);
        assert!(
            kl(&refined) <= kl(&consensus),
            "{} vs {}",
            kl(&refined),
            kl(&consensus)
        );
    }

    #[test]
    fn settings_are_checked_with_the_flag_named() {
        assert_eq!(config().check(), Ok(()));
        type Edit = fn(&mut ExtractConfig);
        let cases: &[(Edit, &str)] = &[
            (|c| c.nmf.tolerance = -1.0, "--tolerance"),
            (|c| c.nmf.tolerance = f64::NAN, "--tolerance"),
            (|c| c.nmf.tolerance = f64::INFINITY, "--tolerance"),
            (|c| c.nmf.tolerance = 0.0, "--tolerance"),
            (|c| c.nmf.tolerance = 1.0, "--tolerance"),
            (|c| c.nmf.max_iter = 0, "--max-iter"),
            (
                |c| c.nmf.max_iter = nmf::settings::MAX_ITERATIONS + 1,
                "--max-iter",
            ),
            (
                |c| c.nmf.mu_warmup = nmf::settings::MAX_MU_WARMUP + 1,
                "--mu-warmup",
            ),
            (|c| c.selection.alpha = f64::NAN, "--alpha"),
            (|c| c.selection.alpha = 5.0, "--alpha"),
            (|c| c.selection.min_stability_mean = -1.0, "--stability"),
            (
                |c| c.selection.min_stability_min = f64::NAN,
                "--min-stability",
            ),
            (|c| c.min_rank = 0, "--min-rank"),
            (
                |c| {
                    c.min_rank = 5;
                    c.max_rank = 2
                },
                "--min-rank",
            ),
            (|c| c.replicates = 0, "--replicates"),
            (|c| c.replicates = 1, "--replicates"),
            (|c| c.replicates = MAX_REPLICATES + 1, "--replicates"),
            (|c| c.min_replicates = 1, "--min-replicates"),
            (
                |c| c.normalization = Normalization::Cap(f64::NAN),
                "--normalize",
            ),
            (|c| c.normalization = Normalization::Cap(0.0), "--normalize"),
        ];
        for (edit, flag) in cases {
            let mut c = config();
            edit(&mut c);
            let e = c.check().unwrap_err();
            assert_eq!(e.flag, *flag, "{e}");
            assert_eq!(e.to_string().lines().count(), 1);
            // the library refuses them too, before any work
            let cat = Catalogue::new(
                crate::Context::Sbs96,
                vec!["a".into(), "b".into()],
                Mat::from_fn(96, 2, |i, j| (i + j) as f64),
            );
            assert!(matches!(
                extract(&cat, &c, &|_| {}),
                Err(ExtractError::Settings(_))
            ));
        }
        // one replicate is enough for a single rank
        let mut c = config();
        c.replicates = 1;
        c.min_rank = 3;
        c.max_rank = 3;
        assert_eq!(c.check(), Ok(()));
        assert!(config().check_ranks(15).is_ok());
        assert_eq!(config().check_ranks(201).unwrap_err().flag, "--replicates");
    }
}
