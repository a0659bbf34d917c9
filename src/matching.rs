//! Matching two signature sets by cosine similarity, and the accuracy scores used by the
//! de novo (Islam et al. 2022) and refitting (Medo et al. 2024) benchmarks.

use crate::numeric::cosine_cols;
use faer::{Mat, MatRef};

/// Errors of the matching functions.
#[derive(Debug, thiserror::Error)]
pub enum MatchError {
    /// The two sets have different numbers of channels, or vectors differ in length.
    #[error("dimension mismatch: {0}")]
    Dimension(String),
    /// A similarity was NaN or infinite, or the assignment solver failed.
    #[error("assignment failed: {0}")]
    Assignment(String),
}

/// Cosine similarity of the columns of `a` (rows of the result) with the columns of `b`
/// (columns of the result); 0 when either column is all zero.
pub fn cosine_matrix(a: MatRef<'_, f64>, b: MatRef<'_, f64>) -> Result<Mat<f64>, MatchError> {
    if a.nrows() != b.nrows() {
        return Err(MatchError::Dimension(format!(
            "{} vs {} channels",
            a.nrows(),
            b.nrows()
        )));
    }
    Ok(Mat::from_fn(a.ncols(), b.ncols(), |i, j| {
        cosine_cols(a.col(i), b.col(j))
    }))
}

/// A one-to-one matching between two sets.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Matching {
    /// `(index in a, index in b, cosine)`, ordered by the index in a.
    pub pairs: Vec<(usize, usize, f64)>,
    /// Columns of a left without a partner (when a is larger).
    pub unmatched_a: Vec<usize>,
    /// Columns of b left without a partner (when b is larger).
    pub unmatched_b: Vec<usize>,
    /// Sum of the matched cosines (the maximised objective).
    pub total: f64,
}

/// Hungarian (Jonker–Volgenant) matching of a similarity matrix maximising the total
/// similarity; rectangular matrices leave the surplus rows or columns unmatched.
pub fn match_similarity(sim: MatRef<'_, f64>) -> Result<Matching, MatchError> {
    let (nr, nc) = sim.shape();
    let mut costs = Vec::with_capacity(nr * nc);
    for i in 0..nr {
        for j in 0..nc {
            let s = sim[(i, j)];
            if !s.is_finite() {
                return Err(MatchError::Assignment(format!(
                    "similarity ({i}, {j}) = {s}"
                )));
            }
            costs.push(s);
        }
    }
    let (rows, cols) =
        lsap::solve(nr, nc, &costs, true).map_err(|e| MatchError::Assignment(format!("{e:?}")))?;
    let mut pairs: Vec<(usize, usize, f64)> = rows
        .iter()
        .zip(&cols)
        .map(|(&i, &j)| (i, j, sim[(i, j)]))
        .collect();
    pairs.sort_by_key(|p| p.0);
    let mut used_a = vec![false; nr];
    let mut used_b = vec![false; nc];
    for &(i, j, _) in &pairs {
        used_a[i] = true;
        used_b[j] = true;
    }
    let total = pairs.iter().map(|p| p.2).sum();
    Ok(Matching {
        pairs,
        unmatched_a: (0..nr).filter(|&i| !used_a[i]).collect(),
        unmatched_b: (0..nc).filter(|&j| !used_b[j]).collect(),
        total,
    })
}

/// Match the columns of two signature sets one-to-one, maximising total cosine.
pub fn match_signatures(a: MatRef<'_, f64>, b: MatRef<'_, f64>) -> Result<Matching, MatchError> {
    let sim = cosine_matrix(a, b)?;
    match_similarity(sim.as_ref())
}

/// Counts and rates of a detection problem.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Score {
    /// True positives.
    pub tp: usize,
    /// False positives.
    pub fp: usize,
    /// False negatives.
    pub fn_: usize,
    /// `tp/(tp+fp)`; 1 when nothing was to be found and nothing was found, else 0 on 0/0.
    pub precision: f64,
    /// `tp/(tp+fn)`; same convention on 0/0.
    pub recall: f64,
    /// Harmonic mean of precision and recall (0 when both are 0).
    pub f1: f64,
}

impl Score {
    /// Rates from counts.
    pub fn from_counts(tp: usize, fp: usize, fn_: usize) -> Self {
        let all_empty = tp + fp + fn_ == 0;
        let ratio = |num: usize, den: usize| {
            if den > 0 {
                num as f64 / den as f64
            } else if all_empty {
                1.0
            } else {
                0.0
            }
        };
        let precision = ratio(tp, tp + fp);
        let recall = ratio(tp, tp + fn_);
        let f1 = if precision + recall > 0.0 {
            2.0 * precision * recall / (precision + recall)
        } else {
            0.0
        };
        Self {
            tp,
            fp,
            fn_,
            precision,
            recall,
            f1,
        }
    }
}

/// Islam et al. 2022 (SigProfilerExtractor `evaluation`): Hungarian matching on cosine
/// distance; TP = matched pairs with cosine ≥ `cutoff` (0.9 in the paper); FP =
/// max(0, n_est − n_true) + matched pairs below the cutoff; FN = max(0, n_true − n_est) +
/// matched pairs below the cutoff. Rates are not rounded.
pub fn match_f1(
    truth: MatRef<'_, f64>,
    estimate: MatRef<'_, f64>,
    cutoff: f64,
) -> Result<Score, MatchError> {
    let m = match_signatures(truth, estimate)?;
    let (nt, ne) = (truth.ncols(), estimate.ncols());
    let tp = m.pairs.iter().filter(|p| p.2 >= cutoff).count();
    let below = m.pairs.len() - tp;
    Ok(Score::from_counts(
        tp,
        ne.saturating_sub(nt) + below,
        nt.saturating_sub(ne) + below,
    ))
}

/// Medo et al. 2024 per-sample detection score of active signatures: estimates below
/// `min_count` (10 mutations in the paper) count as 0; TP = true > 0 and estimate > 0,
/// FP = true = 0 and estimate > 0, FN = true > 0 and estimate = 0.
pub fn active_set_score(
    truth: &[f64],
    estimate: &[f64],
    min_count: f64,
) -> Result<Score, MatchError> {
    if truth.len() != estimate.len() {
        return Err(MatchError::Dimension(format!(
            "{} vs {}",
            truth.len(),
            estimate.len()
        )));
    }
    let (mut tp, mut fp, mut fn_) = (0, 0, 0);
    for (&t, &e) in truth.iter().zip(estimate) {
        let e_on = e >= min_count && e > 0.0;
        match (t > 0.0, e_on) {
            (true, true) => tp += 1,
            (false, true) => fp += 1,
            (true, false) => fn_ += 1,
            (false, false) => {}
        }
    }
    Ok(Score::from_counts(tp, fp, fn_))
}

/// Medo et al. 2024 fitting error `Σ_j |ŵ_j − w_j| / (2N)` with N = Σ w (true counts):
/// the fraction of mutations attributed to the wrong signature, in [0, 1] when the
/// estimate has the same total. 0 when N = 0.
pub fn fitting_error(truth: &[f64], estimate: &[f64]) -> Result<f64, MatchError> {
    if truth.len() != estimate.len() {
        return Err(MatchError::Dimension(format!(
            "{} vs {}",
            truth.len(),
            estimate.len()
        )));
    }
    let n: f64 = truth.iter().sum();
    if n <= 0.0 {
        return Ok(0.0);
    }
    let l1: f64 = truth.iter().zip(estimate).map(|(t, e)| (t - e).abs()).sum();
    Ok(l1 / (2.0 * n))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::{Purpose, stream};
    use rand::RngExt;

    fn random_set(seed: u32, m: usize, k: usize) -> Mat<f64> {
        let mut r = stream(3, Purpose::Other, seed, 0);
        Mat::from_fn(m, k, |_, _| r.random::<f64>().powi(4))
    }

    fn shuffle(r: &mut crate::rng::ChaCha8Rng, n: usize) -> Vec<usize> {
        let mut p: Vec<usize> = (0..n).collect();
        for i in (1..n).rev() {
            let j = r.random_range(0..=i);
            p.swap(i, j);
        }
        p
    }

    #[test]
    fn shuffled_copy_matches_every_column_at_cosine_one() {
        let a = random_set(1, 96, 30);
        let mut r = stream(3, Purpose::Other, 77, 0);
        let perm = shuffle(&mut r, 30);
        // b column j = a column perm[j], scaled (cosine is scale-free)
        let b = Mat::from_fn(96, 30, |i, j| 3.0 * a[(i, perm[j])]);
        let m = match_signatures(a.as_ref(), b.as_ref()).unwrap();
        assert_eq!(m.pairs.len(), 30);
        assert!(m.unmatched_a.is_empty() && m.unmatched_b.is_empty());
        for &(i, j, c) in &m.pairs {
            assert_eq!(perm[j], i);
            assert!((c - 1.0).abs() < 1e-12);
        }
        let s = match_f1(a.as_ref(), b.as_ref(), 0.9).unwrap();
        assert_eq!((s.tp, s.fp, s.fn_), (30, 0, 0));
        assert_eq!(s.f1, 1.0);
    }

    #[test]
    fn rectangular_sets_leave_surplus_unmatched() {
        let a = random_set(2, 96, 6);
        // b = columns 4, 1, 2 of a
        let pick = [4usize, 1, 2];
        let b = Mat::from_fn(96, 3, |i, j| a[(i, pick[j])]);
        let m = match_signatures(a.as_ref(), b.as_ref()).unwrap();
        assert_eq!(m.pairs.len(), 3);
        for &(i, j, _) in &m.pairs {
            assert_eq!(pick[j], i);
        }
        assert_eq!(m.unmatched_a, vec![0, 3, 5]);
        assert!(m.unmatched_b.is_empty());
        let m2 = match_signatures(b.as_ref(), a.as_ref()).unwrap();
        assert_eq!(m2.unmatched_b, vec![0, 3, 5]);
        for &(j, i, _) in &m2.pairs {
            assert_eq!(pick[j], i);
        }
        // Islam counts: 6 true, 3 estimated, all matched ≥ 0.9
        let s = match_f1(a.as_ref(), b.as_ref(), 0.9).unwrap();
        assert_eq!((s.tp, s.fp, s.fn_), (3, 0, 3));
        assert!((s.recall - 0.5).abs() < 1e-12 && s.precision == 1.0);
        let s = match_f1(b.as_ref(), a.as_ref(), 0.9).unwrap();
        assert_eq!((s.tp, s.fp, s.fn_), (3, 3, 0));
    }

    #[test]
    fn below_cutoff_pairs_count_as_both_fp_and_fn() {
        // two orthogonal-ish truths; estimate = one exact, one unrelated
        let t = Mat::from_fn(4, 2, |i, j| if i == j { 1.0 } else { 0.0 });
        let e = Mat::from_fn(4, 2, |i, j| match (i, j) {
            (0, 0) => 1.0,
            (3, 1) => 1.0,
            _ => 0.0,
        });
        let s = match_f1(t.as_ref(), e.as_ref(), 0.9).unwrap();
        assert_eq!((s.tp, s.fp, s.fn_), (1, 1, 1));
        assert!((s.f1 - 0.5).abs() < 1e-12);
    }

    #[test]
    fn hungarian_equals_brute_force() {
        fn best(sim: &Mat<f64>, i: usize, used: &mut Vec<bool>, skips_left: usize) -> f64 {
            if i == sim.nrows() {
                return 0.0;
            }
            let mut b = f64::NEG_INFINITY;
            if skips_left > 0 {
                b = best(sim, i + 1, used, skips_left - 1);
            }
            for j in 0..sim.ncols() {
                if !used[j] {
                    used[j] = true;
                    b = b.max(sim[(i, j)] + best(sim, i + 1, used, skips_left));
                    used[j] = false;
                }
            }
            b
        }
        let mut r = stream(3, Purpose::Other, 5, 0);
        for _ in 0..200 {
            let nr = r.random_range(1..=6);
            let nc = r.random_range(1..=6);
            let sim = Mat::from_fn(nr, nc, |_, _| r.random::<f64>());
            let m = match_similarity(sim.as_ref()).unwrap();
            let skips = nr.saturating_sub(nc);
            let bf = best(&sim, 0, &mut vec![false; nc], skips);
            assert_eq!(m.pairs.len(), nr.min(nc));
            assert!((m.total - bf).abs() < 1e-12, "{} vs {bf}", m.total);
        }
    }

    #[test]
    fn medo_scores() {
        let truth = [100.0, 0.0, 50.0, 30.0, 0.0];
        let est = [90.0, 20.0, 5.0, 35.0, 0.0];
        // est[2] = 5 < 10 counts as absent
        let s = active_set_score(&truth, &est, 10.0).unwrap();
        assert_eq!((s.tp, s.fp, s.fn_), (2, 1, 1));
        assert!((s.precision - 2.0 / 3.0).abs() < 1e-12);
        let fe = fitting_error(&truth, &est).unwrap();
        assert!((fe - (10.0 + 20.0 + 45.0 + 5.0) / 360.0).abs() < 1e-12);
        assert_eq!(fitting_error(&[0.0; 3], &[1.0; 3]).unwrap(), 0.0);
        let empty = active_set_score(&[0.0; 3], &[0.0; 3], 10.0).unwrap();
        assert_eq!((empty.precision, empty.recall), (1.0, 1.0));
    }

    #[test]
    fn cosine_matrix_handles_zero_columns() {
        let a = Mat::from_fn(3, 2, |i, j| if j == 0 { 0.0 } else { i as f64 + 1.0 });
        let c = cosine_matrix(a.as_ref(), a.as_ref()).unwrap();
        assert_eq!(c[(0, 0)], 0.0);
        assert!((c[(1, 1)] - 1.0).abs() < 1e-12);
        assert!(cosine_matrix(a.as_ref(), Mat::<f64>::zeros(4, 1).as_ref()).is_err());
    }
}
