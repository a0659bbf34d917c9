//! Rank selection from signature stability and per-sample reconstruction errors
//! (SigProfilerExtractor §4.2, without the wrap-around and "rank 1 never selectable"
//! bugs).
//!
//! Candidates are the ranks whose mean stability and minimum stability pass the
//! thresholds. The walk starts at the largest candidate (the reference) and steps down
//! through the lower candidates while their per-sample errors are not significantly
//! larger than the reference's (one-sided Wilcoxon rank-sum test). Every lower rank is
//! compared with the same reference, as the reference tool does, so a chain of small
//! losses cannot accumulate into a large one. The walk can end at the lowest candidate.

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
    /// Per-sample reconstruction errors (e.g. relative L2), lower is better.
    pub errors: Vec<f64>,
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

/// The selected rank and how it was reached, for summary.json.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize, schemars::JsonSchema)]
pub struct RankSelection {
    /// The selected number of signatures.
    pub selected: usize,
    /// Ranks that passed the stability filter, ascending.
    pub candidates: Vec<usize>,
    /// The tests of the walk, in the order they were made (descending rank).
    pub comparisons: Vec<RankComparison>,
    /// True when no rank passed the filter and the most stable rank was taken.
    pub fallback: bool,
    /// Human-readable explanation.
    pub reason: String,
}

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

/// Selects the number of signatures (see the module docs).
///
/// Fallback when no rank passes the stability thresholds: the rank with the highest
/// mean stability (ties → lower rank), with `fallback = true`.
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
    for r in &sorted {
        if r.errors.is_empty()
            || !r.stability_mean.is_finite()
            || !r.stability_min.is_finite()
            || r.errors.iter().any(|e| !e.is_finite())
        {
            return Err(RankError::InvalidInput(r.k));
        }
    }
    let cands: Vec<&RankInput> = sorted
        .iter()
        .copied()
        .filter(|r| {
            r.stability_mean >= opts.min_stability_mean && r.stability_min >= opts.min_stability_min
        })
        .collect();
    let candidates: Vec<usize> = cands.iter().map(|r| r.k).collect();
    if cands.is_empty() {
        let mut best = sorted[0];
        for r in &sorted[1..] {
            if r.stability_mean > best.stability_mean {
                best = r;
            }
        }
        return Ok(RankSelection {
            selected: best.k,
            candidates,
            comparisons: Vec::new(),
            fallback: true,
            reason: format!(
                "no rank has mean stability >= {} and minimum stability >= {}; \
                 selected the most stable rank {} (mean stability {:.3})",
                opts.min_stability_mean, opts.min_stability_min, best.k, best.stability_mean
            ),
        });
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
            "rank {} is the only rank passing the stability thresholds (mean >= {}, min >= {})",
            reference.k, opts.min_stability_mean, opts.min_stability_min
        )
    } else {
        match stop {
            Some(k) => format!(
                "largest stable rank is {}; lower ranks down to {} have errors not significantly \
                 larger (one-sided rank-sum p >= {}), rank {} is significantly worse; selected {}",
                reference.k, selected, opts.alpha, k, selected
            ),
            None => format!(
                "largest stable rank is {}; no lower stable rank has significantly larger errors \
                 (one-sided rank-sum, alpha {}); selected the lowest stable rank {}",
                reference.k, opts.alpha, selected
            ),
        }
    };
    Ok(RankSelection {
        selected,
        candidates,
        comparisons,
        fallback: false,
        reason,
    })
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
            errors,
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
}
