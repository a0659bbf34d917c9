//! Rank selection: three criteria ("votes") and a combined rule (docs/methods.md).
//!
//! * **Stability** (SigProfilerExtractor §4.2, without the wrap-around and "rank 1
//!   never selectable" bugs). Candidates are the ranks whose mean stability and minimum
//!   stability pass the thresholds; both are estimates over replicates, so a rank
//!   passes when each is within two standard errors of its threshold. The
//!   walk starts at the largest candidate (the reference) and steps down through the
//!   lower candidates while their per-sample errors are not significantly larger than
//!   the reference's (one-sided Wilcoxon rank-sum test). Every lower rank is compared
//!   with the same reference, so a chain of small losses cannot accumulate into a large
//!   one. The walk can end at the lowest candidate.
//! * **Cophenetic** (Brunet et al. 2004): the rank before the largest drop of the
//!   cophenetic correlation between consecutive ranks (ranks ≥ 2).
//! * **Likelihood**: each sample's counts are split by binomial thinning into two
//!   independent halves; exposures of a rank's consensus signatures fitted on one half
//!   predict the other (multinomial log-likelihood, both ways round). The vote is the
//!   smallest rank whose total held-out log-likelihood is within one standard error of
//!   the best rank's (the standard error of the paired per-sample differences): a rank
//!   that only splits a signature in two predicts no better and is not chosen.
//!
//! The **combined** rule (default) takes the stable candidates, finds the best of them
//! by held-out likelihood and keeps those within one standard error of it as
//! *plausible*, and selects the largest plausible rank: the largest stable rank, as
//! SigProfilerExtractor does without its walk-down, but never one that predicts
//! held-out counts worse than a smaller stable rank beyond the error. When no rank is
//! stable, every rank is a candidate and the cophenetic vote decides among the
//! plausible ranks (else the smallest plausible rank). A rank above the largest stable
//! one that fails only the minimum stability but predicts held-out counts better than
//! every stable rank by more than three standard errors is *admitted*; when any is,
//! the smallest admitted rank within one standard error of the best admitted one is
//! selected. Two or more plausible ranks are reported as ambiguous. docs/benchmarks-extract.md has the evidence for this order.

use crate::numeric::median;
use crate::settings::{Interval, SettingsError};
use statrs::distribution::{ContinuousCDF, Normal};

/// Errors of rank selection.
#[derive(Debug, thiserror::Error)]
pub enum RankError {
    /// No rank was given.
    #[error("no ranks to select from")]
    Empty,
    /// A rank appears twice.
    #[error("rank {0} given twice")]
    DuplicateRank(usize),
    /// A rank has no errors, or a non-finite stability or error.
    #[error("rank {0} has no per-sample errors or a non-finite value")]
    InvalidInput(usize),
    /// Thresholds out of range ([`RankOptions::check`]).
    #[error(transparent)]
    Settings(#[from] SettingsError),
}

/// What is known about one rank.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct RankInput {
    /// Number of signatures.
    pub k: usize,
    /// Mean signature stability (mean silhouette).
    pub stability_mean: f64,
    /// Minimum signature stability.
    pub stability_min: f64,
    /// Standard error of `stability_mean` over replicates (0 when unknown).
    pub stability_se: f64,
    /// Standard error of `stability_min` over replicates (0 when unknown).
    pub stability_min_se: f64,
    /// Per-sample reconstruction errors (e.g. relative L2), lower is better.
    pub errors: Vec<f64>,
    /// Cophenetic correlation of the sample co-clustering (NaN when unknown).
    pub cophenetic: f64,
    /// Per-sample held-out log-likelihood, higher is better; the same samples in the
    /// same order for every rank, or empty for every rank (criterion not computed).
    pub heldout: Vec<f64>,
}

/// How the rank is chosen (`--select`).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Default,
    serde::Serialize,
    serde::Deserialize,
    schemars::JsonSchema,
    clap::ValueEnum,
)]
#[serde(rename_all = "lowercase")]
pub enum SelectRule {
    /// The largest stable rank within one standard error of the best held-out
    /// likelihood (cophenetic vote when no rank is stable).
    #[default]
    Combined,
    /// The stability filter and the downward rank-sum walk only.
    Stability,
    /// The rank before the largest cophenetic drop only.
    Cophenetic,
    /// The smallest rank within one standard error of the best held-out likelihood.
    Likelihood,
}

impl SelectRule {
    /// The rule's name as `--select` spells it.
    pub fn name(self) -> &'static str {
        match self {
            Self::Combined => "combined",
            Self::Stability => "stability",
            Self::Cophenetic => "cophenetic",
            Self::Likelihood => "likelihood",
        }
    }
}

/// Thresholds of the selection (defaults are the reference tool's).
#[derive(
    Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize, schemars::JsonSchema,
)]
pub struct RankOptions {
    /// Minimum mean stability of a candidate.
    pub min_stability_mean: f64,
    /// Minimum of the per-signature stabilities of a candidate.
    pub min_stability_min: f64,
    /// Significance level of the one-sided rank-sum test.
    pub alpha: f64,
    /// The rule that decides (`combined` when absent, as in folders written before it).
    #[serde(default)]
    pub select: SelectRule,
}

impl RankOptions {
    /// Allowed `--stability` and `--min-stability`: stabilities are silhouettes, and a
    /// threshold outside [0, 1] either passes every rank or none.
    pub const STABILITY: Interval = Interval::closed(0.0, 1.0);
    /// Allowed `--alpha`: a significance level; 0 never stops the walk and 1 always does.
    pub const ALPHA: Interval = Interval::open(0.0, 1.0);

    /// Checks the thresholds (NaN would silently pass or fail every comparison).
    pub fn check(&self) -> Result<(), SettingsError> {
        Self::STABILITY.check("--stability", self.min_stability_mean)?;
        Self::STABILITY.check("--min-stability", self.min_stability_min)?;
        Self::ALPHA.check("--alpha", self.alpha)?;
        Ok(())
    }
}

impl Default for RankOptions {
    fn default() -> Self {
        Self {
            min_stability_mean: 0.8,
            min_stability_min: 0.2,
            alpha: 0.05,
            select: SelectRule::Combined,
        }
    }
}

/// One step of the downward walk.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize, schemars::JsonSchema)]
pub struct RankComparison {
    /// The lower rank tested.
    pub k: usize,
    /// The reference rank it is compared with (largest candidate).
    pub reference_k: usize,
    /// Mann–Whitney U of the lower rank's errors.
    pub u: f64,
    /// One-sided p-value of "the lower rank's errors are larger".
    pub p_value: f64,
    /// Median error of the lower rank.
    pub median_error: f64,
    /// Median error of the reference rank.
    pub reference_median_error: f64,
    /// Whether the lower rank is significantly worse (p < alpha), which ends the walk.
    pub significantly_worse: bool,
}

/// What each criterion would select on its own.
#[derive(
    Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize, schemars::JsonSchema,
)]
pub struct Votes {
    /// The stability filter and downward walk (the most stable rank when none passes).
    pub stability: usize,
    /// The rank before the largest cophenetic drop; absent with fewer than two ranks ≥ 2
    /// or when the cophenetic correlation never drops.
    pub cophenetic: Option<usize>,
    /// The smallest rank within one standard error of the best held-out likelihood;
    /// absent when it was not computed.
    pub likelihood: Option<usize>,
}

/// One rank's held-out likelihood, compared with the best stable rank's.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize, schemars::JsonSchema)]
pub struct LikelihoodRow {
    /// The rank.
    pub k: usize,
    /// Total held-out log-likelihood over samples (both halves; without the multinomial
    /// coefficients, which are the same for every rank).
    pub loglik: f64,
    /// `loglik` minus the reference rank's (≤ 0 for the reference's competitors).
    pub difference: f64,
    /// Standard error of `difference` (paired over samples).
    pub se: f64,
}

/// The selected rank and how it was reached, for summary.json.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize, schemars::JsonSchema)]
pub struct RankSelection {
    /// The selected number of signatures.
    pub selected: usize,
    /// The rule that decided (`--select`).
    #[serde(default)]
    pub rule: SelectRule,
    /// Every criterion's choice.
    #[serde(default)]
    pub votes: Votes,
    /// Stable ranks whose held-out likelihood is within one standard error of the best
    /// stable rank's, ascending (empty when the likelihood was not computed).
    #[serde(default)]
    pub plausible: Vec<usize>,
    /// True when two or more ranks are plausible: the data do not single out one rank.
    #[serde(default)]
    pub ambiguous: bool,
    /// The held-out likelihood of every rank, ascending (empty when not computed); the
    /// differences are against the best stable rank (the best rank when none is stable).
    #[serde(default)]
    pub likelihood: Vec<LikelihoodRow>,
    /// Ranks above the largest stable rank that pass the mean stability but not the
    /// minimum, and predict held-out counts better than the best stable rank by more
    /// than three standard errors: one of their signatures is hard to reproduce, but
    /// the data need it. The combined rule chooses among them when there are any.
    #[serde(default)]
    pub admitted: Vec<usize>,
    /// Ranks that passed the stability filter, ascending.
    pub candidates: Vec<usize>,
    /// The tests of the walk, in the order they were made (descending rank).
    pub comparisons: Vec<RankComparison>,
    /// True when no rank passed the stability filter (the stability vote is then the
    /// most stable rank, and the combined rule uses every rank as a candidate).
    pub fallback: bool,
    /// Human-readable explanation.
    pub reason: String,
}

/// Two standard errors: how far below its threshold a mean or minimum stability may lie
/// and still pass.
const STABILITY_Z: f64 = 2.0;

/// How many standard errors better than the best stable rank a rank that fails only
/// the minimum stability must predict held-out counts to be admitted.
const ADMIT_Z: f64 = 3.0;

/// One-sided Wilcoxon rank-sum (Mann–Whitney U) test of H1: `x` tends to be larger
/// than `y`. Returns `(U_x, p)`.
///
/// Normal approximation with average ranks for ties, the tie-corrected variance and a
/// continuity correction; this is SciPy's
/// `mannwhitneyu(x, y, alternative="greater", method="asymptotic")`. O(n log n). When
/// all values are equal there is no evidence either way and p = 1. Empty input gives
/// `(0, 1)`.
pub fn rank_sum_greater(x: &[f64], y: &[f64]) -> (f64, f64) {
    let (n1, n2) = (x.len(), y.len());
    if n1 == 0 || n2 == 0 {
        return (0.0, 1.0);
    }
    let mut pooled: Vec<(f64, bool)> = x
        .iter()
        .map(|&v| (v, true))
        .chain(y.iter().map(|&v| (v, false)))
        .collect();
    pooled.sort_by(|a, b| a.0.total_cmp(&b.0));
    let n = pooled.len();
    let mut r1 = 0.0;
    let mut tie_term = 0.0;
    let mut i = 0;
    while i < n {
        let mut j = i + 1;
        while j < n && pooled[j].0 == pooled[i].0 {
            j += 1;
        }
        // ranks i+1 ..= j share their average
        let avg = (i + 1 + j) as f64 / 2.0;
        let t = (j - i) as f64;
        tie_term += t * t * t - t;
        r1 += avg * pooled[i..j].iter().filter(|p| p.1).count() as f64;
        i = j;
    }
    let (a, b, nn) = (n1 as f64, n2 as f64, n as f64);
    let u = r1 - a * (a + 1.0) / 2.0;
    let mu = a * b / 2.0;
    let var = a * b / 12.0 * ((nn + 1.0) - tie_term / (nn * (nn - 1.0)).max(1.0));
    if var <= 0.0 {
        return (u, 1.0);
    }
    let z = (u - mu - 0.5) / var.sqrt();
    let p = Normal::standard().sf(z);
    (u, p.clamp(0.0, 1.0))
}

/// The stability vote: the filter and the downward walk.
struct Walk {
    selected: usize,
    candidates: Vec<usize>,
    comparisons: Vec<RankComparison>,
    fallback: bool,
    reason: String,
}

fn passes(r: &RankInput, opts: &RankOptions) -> bool {
    r.stability_mean + STABILITY_Z * r.stability_se >= opts.min_stability_mean
        && r.stability_min + STABILITY_Z * r.stability_min_se >= opts.min_stability_min
}

/// Whether more replicates can no longer change whether a rank passes the stability
/// thresholds, given its mean and minimum stability as (estimate, standard error): it
/// fails one by more than two standard errors, or passes both by more than two. A
/// shrinking standard error can only flip a decision taken within that margin, so
/// adding replicates to a settled rank is wasted work.
pub fn stability_settled(mean: (f64, f64), min: (f64, f64), opts: &RankOptions) -> bool {
    let side = |est: f64, se: f64, thr: f64| {
        if est - STABILITY_Z * se >= thr {
            Some(true)
        } else if est + STABILITY_Z * se < thr {
            Some(false)
        } else {
            None
        }
    };
    let mean = side(mean.0, mean.1, opts.min_stability_mean);
    let min = side(min.0, min.1, opts.min_stability_min);
    matches!(
        (mean, min),
        (Some(false), _) | (_, Some(false)) | (Some(true), Some(true))
    )
}

fn stability_walk(sorted: &[&RankInput], opts: &RankOptions) -> Walk {
    let cands: Vec<&RankInput> = sorted.iter().copied().filter(|r| passes(r, opts)).collect();
    let candidates: Vec<usize> = cands.iter().map(|r| r.k).collect();
    if cands.is_empty() {
        let mut best = sorted[0];
        for r in &sorted[1..] {
            if r.stability_mean > best.stability_mean {
                best = r;
            }
        }
        return Walk {
            selected: best.k,
            candidates,
            comparisons: Vec::new(),
            fallback: true,
            reason: format!(
                "no rank has mean stability >= {} (within two standard errors) and minimum \
                 stability >= {}; the most stable rank is {} (mean stability {:.3})",
                opts.min_stability_mean, opts.min_stability_min, best.k, best.stability_mean
            ),
        };
    }
    let reference = cands[cands.len() - 1];
    let ref_median = median(&reference.errors);
    let mut selected = reference.k;
    let mut comparisons = Vec::new();
    let mut stop: Option<usize> = None;
    for c in cands[..cands.len() - 1].iter().rev() {
        let (u, p) = rank_sum_greater(&c.errors, &reference.errors);
        let worse = p < opts.alpha;
        comparisons.push(RankComparison {
            k: c.k,
            reference_k: reference.k,
            u,
            p_value: p,
            median_error: median(&c.errors),
            reference_median_error: ref_median,
            significantly_worse: worse,
        });
        if worse {
            stop = Some(c.k);
            break;
        }
        selected = c.k;
    }
    let reason = if cands.len() == 1 {
        format!(
            "rank {} is the only rank passing the stability thresholds (mean >= {} within two \
             standard errors, min >= {})",
            reference.k, opts.min_stability_mean, opts.min_stability_min
        )
    } else {
        match stop {
            Some(k) => format!(
                "largest stable rank is {}; lower ranks down to {} have errors not significantly \
                 larger (one-sided rank-sum p >= {}), rank {} is significantly worse; walk ends at {}",
                reference.k, selected, opts.alpha, k, selected
            ),
            None => format!(
                "largest stable rank is {}; no lower stable rank has significantly larger errors \
                 (one-sided rank-sum, alpha {}); walk ends at the lowest stable rank {}",
                reference.k, opts.alpha, selected
            ),
        }
    };
    Walk {
        selected,
        candidates,
        comparisons,
        fallback: false,
        reason,
    }
}

/// The cophenetic vote (Brunet et al. 2004): over the ranks ≥ 2 with a finite
/// cophenetic correlation, ascending, the rank before the largest drop to the next one
/// (ties → lower rank). `None` with fewer than two such ranks or no drop at all.
pub fn cophenetic_vote(ranks: &[(usize, f64)]) -> Option<usize> {
    let mut pts: Vec<(usize, f64)> = ranks
        .iter()
        .copied()
        .filter(|&(k, c)| k >= 2 && c.is_finite())
        .collect();
    pts.sort_by_key(|p| p.0);
    let mut best: Option<(usize, f64)> = None;
    for w in pts.windows(2) {
        let drop = w[0].1 - w[1].1;
        if drop > 0.0 && best.is_none_or(|b| drop > b.1) {
            best = Some((w[0].0, drop));
        }
    }
    best.map(|b| b.0)
}

/// Held-out likelihood of every rank against the best of `pool` (indices into
/// `sorted`): one row per rank, ascending.
fn likelihood_rows(sorted: &[&RankInput], pool: &[usize]) -> (usize, Vec<LikelihoodRow>) {
    let total = |r: &RankInput| r.heldout.iter().sum::<f64>();
    let mut best = pool[0];
    for &i in &pool[1..] {
        if total(sorted[i]) > total(sorted[best]) {
            best = i;
        }
    }
    let b = sorted[best];
    let rows = sorted
        .iter()
        .map(|r| {
            let n = r.heldout.len() as f64;
            let d: Vec<f64> = r
                .heldout
                .iter()
                .zip(&b.heldout)
                .map(|(x, y)| x - y)
                .collect();
            let mean = d.iter().sum::<f64>() / n;
            let var = if n > 1.0 {
                d.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / (n - 1.0)
            } else {
                0.0
            };
            LikelihoodRow {
                k: r.k,
                loglik: total(r),
                difference: d.iter().sum(),
                se: (n * var).sqrt(),
            }
        })
        .collect();
    (best, rows)
}

/// Whether a rank's held-out likelihood is within one standard error of the best's.
fn tied(row: &LikelihoodRow) -> bool {
    row.difference >= -row.se
}

/// Selects the number of signatures (see the module docs).
///
/// When no rank passes the stability thresholds (`fallback = true`), the stability
/// vote is the rank with the highest mean stability (ties → lower rank) and the
/// combined rule treats every rank as a candidate.
pub fn select_rank(inputs: &[RankInput], opts: &RankOptions) -> Result<RankSelection, RankError> {
    opts.check()?;
    if inputs.is_empty() {
        return Err(RankError::Empty);
    }
    let mut sorted: Vec<&RankInput> = inputs.iter().collect();
    sorted.sort_by_key(|r| r.k);
    for w in sorted.windows(2) {
        if w[0].k == w[1].k {
            return Err(RankError::DuplicateRank(w[0].k));
        }
    }
    let n_heldout = sorted[0].heldout.len();
    for r in &sorted {
        if r.errors.is_empty()
            || !r.stability_mean.is_finite()
            || !r.stability_min.is_finite()
            || !is_error(r.stability_se)
            || !is_error(r.stability_min_se)
            || r.errors.iter().any(|e| !e.is_finite())
            || r.heldout.len() != n_heldout
            || r.heldout.iter().any(|e| !e.is_finite())
        {
            return Err(RankError::InvalidInput(r.k));
        }
    }
    let walk = stability_walk(&sorted, opts);
    let coph: Vec<(usize, f64)> = sorted.iter().map(|r| (r.k, r.cophenetic)).collect();
    let cophenetic = cophenetic_vote(&coph);
    let all: Vec<usize> = (0..sorted.len()).collect();
    let stable: Vec<usize> = if walk.fallback {
        all.clone()
    } else {
        all.iter()
            .copied()
            .filter(|&i| passes(sorted[i], opts))
            .collect()
    };
    let (likelihood_vote, mut likelihood, mut plausible) = if n_heldout == 0 {
        (None, Vec::new(), Vec::new())
    } else {
        let (_, rows_all) = likelihood_rows(&sorted, &all);
        let vote = rows_all.iter().find(|r| tied(r)).map(|r| r.k);
        let (_, rows) = likelihood_rows(&sorted, &stable);
        let plausible: Vec<usize> = stable
            .iter()
            .filter(|&&i| tied(&rows[i]))
            .map(|&i| sorted[i].k)
            .collect();
        (vote, rows, plausible)
    };
    let admitted: Vec<usize> = match stable.last() {
        Some(&top) if !likelihood.is_empty() && !walk.fallback => (top + 1..sorted.len())
            .filter(|&i| {
                let (r, row) = (sorted[i], &likelihood[i]);
                r.stability_mean + STABILITY_Z * r.stability_se >= opts.min_stability_mean
                    && row.difference > ADMIT_Z * row.se
            })
            .collect(),
        _ => Vec::new(),
    };
    let use_admitted = opts.select == SelectRule::Combined && !admitted.is_empty();
    if use_admitted {
        let (_, rows) = likelihood_rows(&sorted, &admitted);
        plausible = admitted
            .iter()
            .filter(|&&i| tied(&rows[i]))
            .map(|&i| sorted[i].k)
            .collect();
        likelihood = rows;
    }
    let admitted: Vec<usize> = admitted.iter().map(|&i| sorted[i].k).collect();
    let votes = Votes {
        stability: walk.selected,
        cophenetic,
        likelihood: likelihood_vote,
    };
    let ambiguous = plausible.len() > 1;
    let (selected, why) = match opts.select {
        SelectRule::Stability => (walk.selected, format!("stability rule: {}", walk.reason)),
        SelectRule::Cophenetic => match cophenetic {
            Some(k) => (
                k,
                format!(
                    "cophenetic rule: rank {k} is the rank before the largest drop of the cophenetic correlation"
                ),
            ),
            None => (
                walk.selected,
                format!(
                    "cophenetic rule: the cophenetic correlation never drops between ranks >= 2; \
                     fell back to the stability rule: {}",
                    walk.reason
                ),
            ),
        },
        SelectRule::Likelihood => match likelihood_vote {
            Some(k) => (
                k,
                format!(
                    "likelihood rule: rank {k} is the smallest rank whose held-out log-likelihood \
                     is within one standard error of the best rank's"
                ),
            ),
            None => (
                walk.selected,
                format!(
                    "likelihood rule: no held-out likelihood was computed; fell back to the \
                     stability rule: {}",
                    walk.reason
                ),
            ),
        },
        SelectRule::Combined if use_admitted => admitted_choice(&walk, &admitted, &plausible),
        SelectRule::Combined => combined(&walk, cophenetic, &plausible),
    };
    let mut reason = why;
    if ambiguous {
        reason.push_str(&format!(
            "; ambiguous: ranks {} are all plausible (held-out likelihood within one standard \
             error of the best candidate rank's)",
            join(&plausible)
        ));
    }
    Ok(RankSelection {
        selected,
        rule: opts.select,
        votes,
        plausible,
        ambiguous,
        likelihood,
        admitted,
        candidates: walk.candidates,
        comparisons: walk.comparisons,
        fallback: walk.fallback,
        reason,
    })
}

/// A standard error: finite and not negative.
fn is_error(x: f64) -> bool {
    x.is_finite() && x >= 0.0
}

fn join(ks: &[usize]) -> String {
    ks.iter()
        .map(|k| k.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The combined rule when ranks are admitted: the smallest admitted rank within one
/// standard error of the best admitted rank's held-out likelihood (`plausible`). The
/// smallest, not the largest as among stable ranks: stability no longer guards against
/// a rank that only splits a signature, so parsimony must.
fn admitted_choice(walk: &Walk, admitted: &[usize], plausible: &[usize]) -> (usize, String) {
    let k = plausible.first().copied().unwrap_or(admitted[0]);
    (
        k,
        format!(
            "combined rule: stable ranks {}; ranks {} fail only the minimum stability but \
             predict held-out counts better than every stable rank by more than {ADMIT_Z} \
             standard errors; of these, ranks {} are within one standard error of the best; \
             selected the smallest, {k}",
            join(&walk.candidates),
            join(admitted),
            join(plausible)
        ),
    )
}

fn combined(walk: &Walk, cophenetic: Option<usize>, plausible: &[usize]) -> (usize, String) {
    let (Some(&smallest), Some(&largest)) = (plausible.first(), plausible.last()) else {
        return (
            walk.selected,
            format!(
                "combined rule without held-out likelihood (not computed): {}",
                walk.reason
            ),
        );
    };
    let coph = cophenetic.map_or("none".to_string(), |c| c.to_string());
    if walk.fallback {
        let (k, how) = match cophenetic {
            Some(c) if plausible.contains(&c) => (c, "the cophenetic vote".to_string()),
            _ => (
                smallest,
                format!("the smallest (cophenetic vote {coph} is not plausible)"),
            ),
        };
        return (
            k,
            format!(
                "combined rule: no rank passes the stability thresholds; by held-out likelihood \
                 ranks {} are plausible (within one standard error of the best); selected {k}, \
                 {how}",
                join(plausible)
            ),
        );
    }
    (
        largest,
        format!(
            "combined rule: stable ranks {}; of these, ranks {} predict held-out counts within \
             one standard error of the best; selected the largest, {largest} (cophenetic vote \
             {coph})",
            join(&walk.candidates),
            join(plausible)
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use statrs::stats_tests::Alternative;
    use statrs::stats_tests::mannwhitneyu::{MannWhitneyUMethod, mannwhitneyu};

    #[test]
    fn rank_sum_matches_hand_computation() {
        // x = 3..7, y = 1..4; pooled ranks 1,2,3.5,3.5,5.5,5.5,7,8,9
        // R_x = 3.5+5.5+7+8+9 = 33, U = 33-15 = 18, mu = 10
        // var = 20/12 * (10 - 12/72) = 16.38888..., z = 7.5/sqrt(var) = 1.8526207
        // p = 1 - Phi(z) = erfc(z/sqrt 2)/2 = 0.03196837 (SciPy's
        // mannwhitneyu(x, y, alternative='greater', method='asymptotic') formula)
        let x = [3.0, 4.0, 5.0, 6.0, 7.0];
        let y = [1.0, 2.0, 3.0, 4.0];
        let (u, p) = rank_sum_greater(&x, &y);
        assert_eq!(u, 18.0);
        let z = 7.5 / (20.0f64 / 12.0 * (10.0 - 12.0 / 72.0)).sqrt();
        assert!((z - 1.852_620_7).abs() < 1e-7);
        assert!((p - 0.031_968_373).abs() < 1e-8, "{p}");
        // symmetric: the other direction is the complement of the other tail
        let (u2, p2) = rank_sum_greater(&y, &x);
        assert_eq!(u2, 2.0);
        assert!(p2 > 0.95);
        // agrees with statrs' asymptotic implementation
        let (su, sp) = mannwhitneyu(
            &x,
            &y,
            MannWhitneyUMethod::AsymptoticInclContinuityCorrection,
            Alternative::Greater,
        )
        .unwrap();
        assert_eq!(su, u);
        assert!((sp - p).abs() < 1e-12);
        // all equal: no evidence
        assert_eq!(rank_sum_greater(&[1.0; 4], &[1.0; 3]).1, 1.0);
    }

    fn input(k: usize, mean: f64, min: f64, level: f64) -> RankInput {
        // 40 samples with a spread around `level`
        let errors = (0..40)
            .map(|i| level + 0.01 * ((i * 7) % 40) as f64)
            .collect();
        RankInput {
            k,
            stability_mean: mean,
            stability_min: min,
            stability_se: 0.0,
            stability_min_se: 0.0,
            errors,
            cophenetic: f64::NAN,
            heldout: Vec::new(),
        }
    }

    #[test]
    fn picks_the_knee() {
        // stable up to 5, then unstable; errors drop until 5, then flat
        let levels = [0.9, 0.7, 0.5, 0.3, 0.1, 0.1, 0.1, 0.1];
        let ranks: Vec<RankInput> = (1..=8)
            .map(|k| {
                let (mean, min) = if k <= 5 { (0.95, 0.7) } else { (0.6, 0.1) };
                input(k, mean, min, levels[k - 1])
            })
            .collect();
        let s = select_rank(&ranks, &RankOptions::default()).unwrap();
        assert_eq!(s.selected, 5, "{}", s.reason);
        assert_eq!(s.candidates, vec![1, 2, 3, 4, 5]);
        assert_eq!(s.comparisons.len(), 1);
        assert_eq!(s.comparisons[0].k, 4);
        assert!(s.comparisons[0].significantly_worse);
        assert!(!s.fallback);
        // stable also at 6..8 with flat errors: walk down from 8 to 5
        let ranks: Vec<RankInput> = (1..=8)
            .map(|k| input(k, 0.95, 0.7, levels[k - 1]))
            .collect();
        let s = select_rank(&ranks, &RankOptions::default()).unwrap();
        assert_eq!(s.selected, 5, "{}", s.reason);
        assert_eq!(
            s.comparisons.iter().map(|c| c.k).collect::<Vec<_>>(),
            vec![7, 6, 5, 4]
        );
    }

    #[test]
    fn lowest_rank_is_selectable() {
        // flat errors everywhere: the walk goes to the bottom (rank 1)
        let ranks: Vec<RankInput> = (1..=4).map(|k| input(k, 0.9, 0.5, 0.2)).collect();
        let s = select_rank(&ranks, &RankOptions::default()).unwrap();
        assert_eq!(s.selected, 1, "{}", s.reason);
        // lowest rank of the sweep is not 1 and the lowest rank fails the filter:
        // the walk stops at the lowest candidate (no wrap-around)
        let mut ranks: Vec<RankInput> = (2..=5).map(|k| input(k, 0.9, 0.5, 0.2)).collect();
        ranks[0].stability_mean = 0.1;
        let s = select_rank(&ranks, &RankOptions::default()).unwrap();
        assert_eq!(s.selected, 3);
        assert_eq!(s.candidates, vec![3, 4, 5]);
        // input order does not matter
        ranks.reverse();
        assert_eq!(
            select_rank(&ranks, &RankOptions::default())
                .unwrap()
                .selected,
            3
        );
    }

    #[test]
    fn fallback_and_errors() {
        let ranks = vec![
            input(1, 0.5, 0.5, 0.2),
            input(2, 0.7, 0.1, 0.2),
            input(3, 0.7, 0.6, 0.2),
        ];
        let s = select_rank(&ranks, &RankOptions::default()).unwrap();
        assert!(s.fallback);
        assert_eq!(s.selected, 2, "ties go to the lower rank");
        assert!(s.candidates.is_empty());
        // thresholds are configurable
        let lax = RankOptions {
            min_stability_mean: 0.4,
            ..RankOptions::default()
        };
        let s = select_rank(&ranks, &lax).unwrap();
        assert!(!s.fallback);
        assert_eq!(s.candidates, vec![1, 3]);
        assert!(select_rank(&[], &RankOptions::default()).is_err());
        let dup = vec![input(2, 0.9, 0.9, 0.1), input(2, 0.9, 0.9, 0.1)];
        assert!(select_rank(&dup, &RankOptions::default()).is_err());
        let mut nan = input(1, 0.9, 0.9, 0.1);
        nan.errors[3] = f64::NAN;
        assert!(select_rank(&[nan], &RankOptions::default()).is_err());
    }

    #[test]
    fn options_are_checked() {
        assert!(RankOptions::default().check().is_ok());
        let ranks = vec![input(1, 0.9, 0.9, 0.2), input(2, 0.9, 0.9, 0.2)];
        for (opts, flag) in [
            (
                RankOptions {
                    alpha: f64::NAN,
                    ..RankOptions::default()
                },
                "--alpha",
            ),
            (
                RankOptions {
                    alpha: 5.0,
                    ..RankOptions::default()
                },
                "--alpha",
            ),
            (
                RankOptions {
                    min_stability_mean: -1.0,
                    ..RankOptions::default()
                },
                "--stability",
            ),
            (
                RankOptions {
                    min_stability_min: f64::NAN,
                    ..RankOptions::default()
                },
                "--min-stability",
            ),
        ] {
            assert_eq!(opts.check().unwrap_err().flag, flag);
            // the selection itself refuses them instead of silently changing the rank
            assert!(matches!(
                select_rank(&ranks, &opts),
                Err(RankError::Settings(_))
            ));
        }
    }

    /// A rank with per-sample held-out log-likelihoods `heldout` and cophenetic `coph`.
    fn lik(k: usize, stable: bool, heldout: Vec<f64>, coph: f64) -> RankInput {
        let (mean, min) = if stable { (0.95, 0.7) } else { (0.6, 0.05) };
        RankInput {
            cophenetic: coph,
            heldout,
            ..input(k, mean, min, 0.2)
        }
    }

    /// 60 samples: a level per sample plus zero-mean jitter of size `noise`.
    fn samples(level: f64, noise: f64, phase: usize) -> Vec<f64> {
        (0..60)
            .map(|i| level - (i % 5) as f64 + noise * (((i * 37 + phase) % 11) as f64 - 5.0))
            .collect()
    }

    #[test]
    fn stability_is_settled_when_two_standard_errors_cannot_flip_the_decision() {
        let opts = RankOptions::default(); // mean >= 0.8, min >= 0.2
        let r = |mean: f64, se: f64, min: f64, min_se: f64| {
            stability_settled((mean, se), (min, min_se), &opts)
        };
        // passes both by more than 2 SE
        assert!(r(0.95, 0.01, 0.90, 0.02));
        // mean within 2 SE of 0.8 (0.82 - 0.02 < 0.8): more replicates may flip it
        assert!(!r(0.82, 0.02, 0.90, 0.02));
        // ... unless the minimum fails beyond its error: a failure either way
        assert!(r(0.82, 0.02, -0.30, 0.10));
        // mean fails by more than 2 SE, whatever the minimum
        assert!(r(0.60, 0.05, 0.25, 0.10));
        // minimum undecided (0.25 - 0.2 < 0.1 SE)
        assert!(!r(0.95, 0.01, 0.25, 0.05));
        // zero spread: the estimate is the decision
        assert!(r(0.80, 0.0, 0.20, 0.0));
    }

    #[test]
    fn cophenetic_vote_is_the_rank_before_the_largest_drop() {
        let c = [(1, 1.0), (2, 0.99), (3, 0.98), (4, 0.80), (5, 0.79)];
        assert_eq!(cophenetic_vote(&c), Some(3));
        // rank 1 and NaN are ignored; ties go to the lower rank
        let c = [
            (1, 0.2),
            (2, 1.0),
            (3, 0.75),
            (4, f64::NAN),
            (5, 0.5),
            (6, 0.25),
        ];
        assert_eq!(cophenetic_vote(&c), Some(2));
        // no drop, or a single rank >= 2: no vote
        assert_eq!(cophenetic_vote(&[(2, 0.8), (3, 0.9)]), None);
        assert_eq!(cophenetic_vote(&[(1, 1.0), (2, 0.5)]), None);
    }

    #[test]
    fn a_rank_that_halves_the_deviance_is_chosen() {
        // rank 2 predicts the held-out half far better than rank 1; rank 3 adds nothing
        let ranks = vec![
            lik(1, true, samples(-200.0, 1.0, 0), 1.0),
            lik(2, true, samples(-100.0, 1.0, 3), 0.99),
            lik(3, true, samples(-140.0, 1.0, 5), 0.98),
        ];
        for rule in [SelectRule::Combined, SelectRule::Likelihood] {
            let opts = RankOptions {
                select: rule,
                ..RankOptions::default()
            };
            let s = select_rank(&ranks, &opts).unwrap();
            assert_eq!(s.selected, 2, "{rule:?}: {}", s.reason);
            assert_eq!(s.plausible, vec![2]);
            assert!(!s.ambiguous);
            assert_eq!(s.rule, rule);
        }
        let s = select_rank(&ranks, &RankOptions::default()).unwrap();
        assert_eq!(s.votes.likelihood, Some(2));
        assert_eq!(s.likelihood.len(), 3);
        assert_eq!(s.likelihood[1].difference, 0.0);
        assert!(s.likelihood[0].difference < -5000.0);
        assert!(s.likelihood[0].se > 0.0);
        // the walk alone cannot see it: every rank has the same relative errors
        assert_eq!(s.votes.stability, 1);
        let stab = RankOptions {
            select: SelectRule::Stability,
            ..RankOptions::default()
        };
        assert_eq!(select_rank(&ranks, &stab).unwrap().selected, 1);
    }

    #[test]
    fn a_rank_with_one_hard_signature_is_admitted_when_held_out_data_need_it() {
        // rank 4 fails only the minimum stability (one signature reproduced badly, as
        // SBS7a beside SBS7b) but predicts far better than the stable ranks; rank 5
        // splits a signature: no better than 4, and 6 is worse
        let hard = |k: usize, level: f64, phase: usize| RankInput {
            stability_min: -0.2,
            ..lik(k, true, samples(level, 1.0, phase), 0.9)
        };
        let ranks = vec![
            lik(2, true, samples(-300.0, 1.0, 0), 1.0),
            lik(3, true, samples(-200.0, 1.0, 1), 0.99),
            hard(4, -100.0, 2),
            hard(5, -100.2, 3),
            hard(6, -140.0, 4),
        ];
        let s = select_rank(&ranks, &RankOptions::default()).unwrap();
        assert_eq!(s.candidates, vec![2, 3]);
        assert_eq!(s.admitted, vec![4, 5, 6]);
        assert_eq!(s.plausible, vec![4, 5]);
        assert_eq!(s.selected, 4, "{}", s.reason);
        assert!(s.ambiguous && s.reason.contains("fail only the minimum stability"));
        // the stability rule alone keeps to the stable ranks (equal errors: down to 2)
        let stab = RankOptions {
            select: SelectRule::Stability,
            ..RankOptions::default()
        };
        assert_eq!(select_rank(&ranks, &stab).unwrap().selected, 2);
        // within three standard errors of the best stable rank: not admitted
        let close = vec![
            lik(2, true, samples(-300.0, 1.0, 0), 1.0),
            lik(3, true, samples(-200.0, 1.0, 1), 0.99),
            hard(4, -199.9, 2),
        ];
        let s = select_rank(&close, &RankOptions::default()).unwrap();
        assert!(s.admitted.is_empty());
        assert_eq!(s.selected, 3, "{}", s.reason);
        // a rank failing the mean stability is never admitted
        let weak = vec![
            lik(2, true, samples(-300.0, 1.0, 0), 1.0),
            lik(3, false, samples(-100.0, 1.0, 1), 0.99),
        ];
        let s = select_rank(&weak, &RankOptions::default()).unwrap();
        assert!(s.admitted.is_empty());
        assert_eq!(s.selected, 2, "{}", s.reason);
    }

    #[test]
    fn a_rank_that_adds_a_split_duplicate_is_not_chosen() {
        // rank 3 splits one of rank 2's signatures: it predicts no better (zero-mean
        // differences) and its halves are unstable
        let ranks = vec![
            lik(1, true, samples(-200.0, 1.0, 0), 1.0),
            lik(2, true, samples(-100.0, 1.0, 3), 0.99),
            lik(3, false, samples(-100.0, 1.0, 7), 0.90),
        ];
        let s = select_rank(&ranks, &RankOptions::default()).unwrap();
        assert_eq!(s.selected, 2, "{}", s.reason);
        assert_eq!(s.votes.likelihood, Some(2));
        assert_eq!(s.plausible, vec![2]);
        // the likelihood alone does not take it either, even if it looked stable
        let mut stable = ranks.clone();
        stable[2] = lik(3, true, samples(-100.0, 1.0, 7), 0.90);
        let opts = RankOptions {
            select: SelectRule::Likelihood,
            ..RankOptions::default()
        };
        let s = select_rank(&stable, &opts).unwrap();
        assert_eq!(s.selected, 2, "{}", s.reason);
        // combined takes the largest stable, plausible rank but says it is ambiguous
        let s = select_rank(&stable, &RankOptions::default()).unwrap();
        assert_eq!(s.selected, 3);
        assert!(s.ambiguous);
        assert_eq!(s.plausible, vec![2, 3]);
        assert!(s.reason.contains("ambiguous"), "{}", s.reason);
    }

    #[test]
    fn cophenetic_decides_when_no_rank_is_stable() {
        let ranks = vec![
            lik(1, false, samples(-200.0, 1.0, 0), 1.0),
            lik(2, false, samples(-100.0, 1.0, 3), 0.99),
            lik(3, false, samples(-100.0, 1.0, 7), 0.98),
            lik(4, false, samples(-100.0, 1.0, 9), 0.70),
        ];
        let s = select_rank(&ranks, &RankOptions::default()).unwrap();
        assert!(s.fallback);
        assert_eq!(s.votes.cophenetic, Some(3));
        assert_eq!(s.plausible, vec![2, 3, 4]);
        assert_eq!(s.selected, 3, "{}", s.reason);
        let opts = RankOptions {
            select: SelectRule::Cophenetic,
            ..RankOptions::default()
        };
        assert_eq!(select_rank(&ranks, &opts).unwrap().selected, 3);
        // without a cophenetic vote: the smallest plausible rank
        let flat: Vec<RankInput> = ranks
            .iter()
            .map(|r| RankInput {
                cophenetic: f64::NAN,
                ..r.clone()
            })
            .collect();
        let s = select_rank(&flat, &RankOptions::default()).unwrap();
        assert_eq!(s.selected, 2, "{}", s.reason);
        // and the cophenetic rule falls back to the stability rule
        assert_eq!(
            select_rank(&flat, &opts).unwrap().selected,
            s.votes.stability
        );
    }

    #[test]
    fn stability_is_compared_within_its_error() {
        let mut r = input(2, 0.75, 0.15, 0.2);
        let opts = RankOptions::default();
        assert!(!passes(&r, &opts));
        r.stability_se = 0.03;
        assert!(!passes(&r, &opts), "the minimum still fails");
        r.stability_min_se = 0.03;
        assert!(passes(&r, &opts));
        r.stability_se = 0.02;
        assert!(!passes(&r, &opts));
        // held-out likelihoods of different lengths, or a bad error, are refused
        let a = lik(1, true, samples(-1.0, 0.0, 0), 1.0);
        let mut b = lik(2, true, samples(-1.0, 0.0, 0), 1.0);
        b.heldout.pop();
        assert!(matches!(
            select_rank(&[a.clone(), b], &opts),
            Err(RankError::InvalidInput(2))
        ));
        let mut c = lik(2, true, samples(-1.0, 0.0, 0), 1.0);
        c.stability_se = f64::NAN;
        assert!(matches!(
            select_rank(&[a, c], &opts),
            Err(RankError::InvalidInput(2))
        ));
    }
}
