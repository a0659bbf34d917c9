//! One of each numeric helper: cosine similarity, median and quantiles, the
//! reconstruction `W·H`, fit quality, multinomial resampling with exact suffix sums,
//! rounding that keeps column sums, and the [`NonNegative`] matrix checked once.
//!
//! Nothing here touches files, the terminal or the clock.

use faer::{ColRef, Mat, MatRef};
use rand_distr::{Binomial, Distribution};

use crate::rng::ChaCha8Rng;

/// The first entry of a matrix that is negative, NaN or infinite.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{what} entry ({row}, {col}) is {value}; entries must be finite and >= 0")]
pub struct InvalidEntry {
    /// What the matrix is (for the message).
    pub what: String,
    /// Row of the entry.
    pub row: usize,
    /// Column of the entry.
    pub col: usize,
    /// The offending value.
    pub value: f64,
}

/// Errors of the numeric helpers.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum NumericError {
    /// An entry is negative, NaN or infinite.
    #[error(transparent)]
    Invalid(#[from] InvalidEntry),
    /// A total is too large to be drawn as an integer count.
    #[error("a total of {0} is too large to resample")]
    TotalTooLarge(f64),
}

/// A matrix whose entries are all finite and ≥ 0, checked once when it is built.
#[derive(Debug, Clone, PartialEq)]
pub struct NonNegative(Mat<f64>);

impl NonNegative {
    /// Checks `m` (every entry finite and ≥ 0); `what` names it in the error.
    pub fn new(m: Mat<f64>, what: &str) -> Result<Self, NumericError> {
        Self::check(m.as_ref(), what)?;
        Ok(NonNegative(m))
    }

    /// The check [`NonNegative::new`] makes, for a borrowed matrix: the first entry (in
    /// column-major order) that is negative, NaN or infinite is the error.
    pub fn check(m: MatRef<'_, f64>, what: &str) -> Result<(), InvalidEntry> {
        for j in 0..m.ncols() {
            for i in 0..m.nrows() {
                let value = m[(i, j)];
                if !(value.is_finite() && value >= 0.0) {
                    return Err(InvalidEntry {
                        what: what.to_string(),
                        row: i,
                        col: j,
                        value,
                    });
                }
            }
        }
        Ok(())
    }

    /// [`NonNegative::check`] of a vector (one column).
    pub fn check_slice(v: &[f64], what: &str) -> Result<(), InvalidEntry> {
        Self::check(MatRef::from_column_major_slice(v, v.len(), 1), what)
    }

    /// A view of the matrix.
    pub fn as_ref(&self) -> MatRef<'_, f64> {
        self.0.as_ref()
    }

    /// The matrix.
    pub fn into_inner(self) -> Mat<f64> {
        self.0
    }
}

/// Cosine similarity of `a` and `b` (over their common length), clamped to [-1, 1];
/// 0 when either vector is all zero or has a non-finite entry.
///
/// The plain `a·b / (‖a‖ ‖b‖)` with sums in index order; when its sums overflow or
/// underflow (entries near `f64::MAX` or the smallest normals), each vector is first
/// divided by its largest |value|.
pub fn cosine(a: &[f64], b: &[f64]) -> f64 {
    let (mut ab, mut aa, mut bb) = (0.0f64, 0.0f64, 0.0f64);
    for (&x, &y) in a.iter().zip(b) {
        ab += x * y;
        aa += x * x;
        bb += y * y;
    }
    let den = aa.sqrt() * bb.sqrt();
    if ab.is_finite() && aa.is_normal() && bb.is_normal() && den.is_normal() {
        return (ab / den).clamp(-1.0, 1.0);
    }
    let n = a.len().min(b.len());
    let (a, b) = (&a[..n], &b[..n]);
    if a.iter().chain(b).any(|x| !x.is_finite()) {
        return 0.0;
    }
    let max_abs = |v: &[f64]| v.iter().fold(0.0f64, |m, x| m.max(x.abs()));
    let (ma, mb) = (max_abs(a), max_abs(b));
    if !(ma > 0.0 && mb > 0.0) {
        return 0.0;
    }
    let dot: f64 = a.iter().zip(b).map(|(x, y)| (x / ma) * (y / mb)).sum();
    let na: f64 = a.iter().map(|x| (x / ma).powi(2)).sum::<f64>().sqrt();
    let nb: f64 = b.iter().map(|x| (x / mb).powi(2)).sum::<f64>().sqrt();
    (dot / (na * nb)).clamp(-1.0, 1.0)
}

/// [`cosine`] of two matrix columns.
pub fn cosine_cols(a: ColRef<'_, f64>, b: ColRef<'_, f64>) -> f64 {
    match (a.try_as_col_major(), b.try_as_col_major()) {
        (Some(a), Some(b)) => cosine(a.as_slice(), b.as_slice()),
        _ => {
            let a: Vec<f64> = a.iter().copied().collect();
            let b: Vec<f64> = b.iter().copied().collect();
            cosine(&a, &b)
        }
    }
}

/// Median of a slice (any order; 0 for an empty one): the middle value, or the mean of
/// the two middle values `(a + b) / 2`.
///
/// The same rule as `quantile(sorted, 0.5)`; the arithmetic differs
/// (`a + 0.5·(b − a)` there), so each keeps its callers' last bits.
pub fn median(xs: &[f64]) -> f64 {
    if xs.is_empty() {
        return 0.0;
    }
    let mut v = xs.to_vec();
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// Quantile `p` of sorted data with linear interpolation (R type 7, NumPy's default);
/// 0 for an empty slice.
pub fn quantile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let h = (sorted.len() - 1) as f64 * p;
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(sorted.len() - 1);
    sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
}

/// The reconstruction `W·H` (m × k times k × n).
///
/// Every entry is `Σ_s w[i, s]·h[s, j]` summed in order s = 0, 1, …, so the result does
/// not depend on the matrix-multiplication kernel (SIMD width, FMA) of the machine.
pub fn reconstruct(w: MatRef<'_, f64>, h: MatRef<'_, f64>) -> Mat<f64> {
    assert_eq!(
        w.ncols(),
        h.nrows(),
        "reconstruct: W is m × k, H must be k × n"
    );
    let k = w.ncols();
    Mat::from_fn(w.nrows(), h.ncols(), |i, j| {
        (0..k).map(|s| w[(i, s)] * h[(s, j)]).sum()
    })
}

/// Goodness of fit of a reconstruction.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Quality {
    /// Cosine similarity (0 when either vector is 0).
    pub cosine: f64,
    /// `‖o − r‖₁ / ‖o‖₁`.
    pub rel_l1: f64,
    /// `‖o − r‖₂ / ‖o‖₂`.
    pub rel_l2: f64,
    /// KL divergence of the normalised profiles `Σ p ln(p/q)` (as `scipy.stats.entropy`),
    /// with q floored at 1e-15.
    pub kl: f64,
}

/// Cosine, relative L1/L2 errors and KL divergence of `reconstructed` against `observed`.
pub fn fit_quality(observed: &[f64], reconstructed: &[f64]) -> Quality {
    let (mut oo, mut l1, mut l2, mut so, mut sr, mut o1) = (0.0, 0.0, 0.0, 0.0, 0.0, 0.0);
    for (&o, &r) in observed.iter().zip(reconstructed) {
        oo += o * o;
        l1 += (o - r).abs();
        l2 += (o - r) * (o - r);
        so += o;
        sr += r;
        o1 += o.abs();
    }
    let rel = |num: f64, den: f64| if den > 0.0 { num / den } else { 0.0 };
    let mut kl = 0.0;
    if so > 0.0 && sr > 0.0 {
        for (&o, &r) in observed.iter().zip(reconstructed) {
            let p = o / so;
            if p > 0.0 {
                let q = (r / sr).max(1e-15);
                kl += p * (p / q).ln();
            }
        }
    }
    Quality {
        cosine: cosine(observed, reconstructed),
        rel_l1: rel(l1, o1),
        rel_l2: rel(l2.sqrt(), oo.sqrt()),
        kl: kl.max(0.0),
    }
}

/// Round each column to whole numbers that keep the column's (rounded) sum: largest
/// remainders get the extra units, ties to the earlier row.
pub fn round_conserving_sums(x: &Mat<f64>) -> Mat<f64> {
    let (k, n) = x.shape();
    let mut out = Mat::<f64>::zeros(k, n);
    for j in 0..n {
        let target: f64 = (0..k).map(|s| x[(s, j)]).sum::<f64>().round();
        let floors: Vec<f64> = (0..k).map(|s| x[(s, j)].max(0.0).floor()).collect();
        let mut missing = (target - floors.iter().sum::<f64>()).max(0.0) as usize;
        let mut rem: Vec<(usize, f64)> = (0..k).map(|s| (s, x[(s, j)] - floors[s])).collect();
        rem.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        for s in 0..k {
            out[(s, j)] = floors[s];
        }
        for &(s, _) in rem.iter() {
            if missing == 0 {
                break;
            }
            out[(s, j)] += 1.0;
            missing -= 1;
        }
    }
    out
}

/// Largest total [`multinomial_resample`] draws (beyond it f64 counts are not exact).
const MAX_RESAMPLE_TOTAL: f64 = 9.0e15;

/// Multinomial resample of the counts `v` (finite, ≥ 0) into `out` (same length),
/// keeping the rounded total: `Multinomial(N, v / Σv)` with `N = round(Σv)`.
///
/// Drawn by sequential conditional binomials (rand_distr has no multinomial): channel c
/// gets `Binomial(N_left, v[c] / Σ_{c' ≥ c} v[c'])`, the denominator being the exact
/// suffix sum of the remaining counts (no running subtraction that could drift), and
/// the last channel with positive mass gets whatever is left. Channels with no mass
/// draw nothing and consume no random numbers; an all-zero `v` gives zeros. The result
/// depends only on `v` and the state of `rng`.
pub fn multinomial_resample(
    v: &[f64],
    rng: &mut ChaCha8Rng,
    out: &mut [f64],
) -> Result<(), NumericError> {
    let m = v.len();
    out.fill(0.0);
    // suffix[c] = Σ_{c' >= c} v[c'], each a sum computed afresh from the end
    let mut suffix = vec![0.0f64; m + 1];
    for c in (0..m).rev() {
        suffix[c] = suffix[c + 1] + v[c];
    }
    let total = suffix[0];
    let rounded = total.round();
    if rounded <= 0.0 {
        return Ok(());
    }
    if rounded > MAX_RESAMPLE_TOTAL {
        return Err(NumericError::TotalTooLarge(total));
    }
    let mut left = rounded as u64;
    // last channel with positive mass receives whatever is left
    let last = (0..m).rev().find(|&c| v[c] > 0.0).unwrap_or(0);
    for c in 0..m {
        if left == 0 {
            break;
        }
        let pc = v[c];
        if pc <= 0.0 {
            continue;
        }
        if c == last {
            out[c] = left as f64;
            break;
        }
        let q = (pc / suffix[c]).clamp(0.0, 1.0);
        let x = match Binomial::new(left, q) {
            Ok(b) => b.sample(rng),
            // unreachable for q in [0, 1]; keep the expectation rather than panic
            Err(_) => ((left as f64) * q).round() as u64,
        };
        let x = x.min(left);
        out[c] = x as f64;
        left -= x;
    }
    Ok(())
}

/// The bit patterns of a matrix, column by column: tests compare results exactly.
#[cfg(test)]
pub(crate) fn mat_bits(m: MatRef<'_, f64>) -> Vec<u64> {
    (0..m.ncols())
        .flat_map(|j| m.col(j).iter().map(|x| x.to_bits()).collect::<Vec<_>>())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::{Purpose, stream};

    #[test]
    fn cosine_matches_an_independent_computation() {
        let a = [1.0, 2.0, 0.0, 4.5, 3.0];
        let b = [0.5, 1.0, 2.0, 0.0, 7.0];
        // the angle from the law of cosines: ‖a − b‖² = ‖a‖² + ‖b‖² − 2‖a‖‖b‖ cos θ
        let sq = |v: &[f64]| v.iter().map(|x| x * x).sum::<f64>();
        let d: Vec<f64> = a.iter().zip(&b).map(|(x, y)| x - y).collect();
        let expect = (sq(&a) + sq(&b) - sq(&d)) / (2.0 * sq(&a).sqrt() * sq(&b).sqrt());
        assert!((cosine(&a, &b) - expect).abs() < 1e-12);
        assert_eq!(cosine(&a, &a), 1.0);
        assert!((cosine(&a, &a.map(|x| -x)) + 1.0).abs() < 1e-15);
        // guarded: zero vectors, non-finite entries, overflow and underflow
        assert_eq!(cosine(&[0.0, 0.0], &[1.0, 1.0]), 0.0);
        assert_eq!(cosine(&[f64::NAN, 1.0], &[1.0, 1.0]), 0.0);
        assert_eq!(cosine(&[f64::INFINITY, 1.0], &[1.0, 1.0]), 0.0);
        assert!((cosine(&[1e300, 2e300], &[2e300, 4e300]) - 1.0).abs() < 1e-12);
        assert!((cosine(&[1e-300, 2e-300], &[2e-300, 4e-300]) - 1.0).abs() < 1e-12);
        assert_eq!(cosine(&[f64::MAX, 0.0], &[0.0, f64::MAX]), 0.0);
        let m = Mat::from_fn(5, 2, |i, j| if j == 0 { a[i] } else { b[i] });
        assert_eq!(cosine_cols(m.col(0), m.col(1)), cosine(&a, &b));
        let t = m.transpose().to_owned();
        assert_eq!(
            cosine_cols(t.row(0).transpose(), t.row(1).transpose()),
            cosine(&a, &b)
        );
    }

    #[test]
    fn median_and_quantile_edge_cases() {
        assert_eq!(median(&[]), 0.0);
        assert_eq!(median(&[3.5]), 3.5);
        assert_eq!(median(&[4.0, 1.0, 3.0, 2.0]), 2.5);
        assert_eq!(median(&[5.0, 1.0, 3.0]), 3.0);
        assert_eq!(quantile(&[], 0.5), 0.0);
        assert_eq!(quantile(&[7.0], 0.025), 7.0);
        assert_eq!(quantile(&[7.0], 0.975), 7.0);
        let s = [1.0, 2.0, 3.0, 4.0];
        assert_eq!(quantile(&s, 0.5), 2.5);
        assert_eq!(quantile(&s, 0.0), 1.0);
        assert_eq!(quantile(&s, 1.0), 4.0);
        // R: quantile(1:4, 0.25, type = 7) = 1.75
        assert!((quantile(&s, 0.25) - 1.75).abs() < 1e-15);
    }

    #[test]
    fn reconstruction_is_w_times_h() {
        let w = Mat::from_fn(3, 2, |i, j| (i + 2 * j) as f64);
        let h = Mat::from_fn(2, 4, |i, j| (1 + i * j) as f64);
        let r = reconstruct(w.as_ref(), h.as_ref());
        assert_eq!(r.shape(), (3, 4));
        let faer = &w * &h;
        for j in 0..4 {
            for i in 0..3 {
                assert_eq!(r[(i, j)], faer[(i, j)]);
            }
        }
    }

    #[test]
    fn multinomial_keeps_the_total_and_is_reproducible() {
        let v = [10.0, 0.0, 30.0, 60.0, 0.0, 0.4];
        let draw = |seed: u64| {
            let mut r = stream(seed, Purpose::Other, 0, 0);
            let mut out = [0.0; 6];
            let reps: Vec<[f64; 6]> = (0..50)
                .map(|_| {
                    multinomial_resample(&v, &mut r, &mut out).unwrap();
                    assert_eq!(out.iter().sum::<f64>(), 100.0);
                    assert_eq!((out[1], out[4]), (0.0, 0.0));
                    out
                })
                .collect();
            reps
        };
        assert_eq!(draw(3), draw(3));
        assert_ne!(draw(3), draw(4));
        let mut out = [1.0; 3];
        let mut r = stream(1, Purpose::Other, 0, 0);
        multinomial_resample(&[0.0, 0.2, 0.0], &mut r, &mut out).unwrap();
        assert_eq!(out, [0.0; 3]);
        assert!(multinomial_resample(&[1e16, 1.0, 0.0], &mut r, &mut out).is_err());
    }

    #[test]
    fn resampling_keeps_the_total_and_the_profile() {
        let mut r = stream(9, Purpose::Other, 0, 0);
        let v = [10.0, 0.0, 30.0, 60.0];
        let mut out = [0.0; 4];
        let mut acc = [0.0; 4];
        for _ in 0..2000 {
            multinomial_resample(&v, &mut r, &mut out).unwrap();
            assert_eq!(out.iter().sum::<f64>(), 100.0);
            assert_eq!(out[1], 0.0);
            for (a, o) in acc.iter_mut().zip(&out) {
                *a += o / 2000.0;
            }
        }
        for (a, x) in acc.iter().zip(&v) {
            assert!((a - x).abs() < 1.0, "mean {a} vs {x}");
        }
    }

    #[test]
    fn non_negative_refuses_nan_and_negative() {
        let ok = Mat::from_fn(2, 2, |i, j| (i + j) as f64);
        assert!(NonNegative::new(ok.clone(), "W").is_ok());
        for bad in [f64::NAN, -1e-300, f64::INFINITY] {
            let mut m = ok.clone();
            m[(1, 0)] = bad;
            let e = NonNegative::new(m, "W").unwrap_err();
            assert!(
                matches!(
                    &e,
                    NumericError::Invalid(InvalidEntry { row: 1, col: 0, .. })
                ),
                "{e}"
            );
            assert!(e.to_string().starts_with("W entry (1, 0)"), "{e}");
        }
        assert!(NonNegative::check_slice(&[1.0, -2.0], "counts").is_err());
        assert!(NonNegative::check_slice(&[1.0, 0.0], "counts").is_ok());
    }

    #[test]
    fn fit_quality_values() {
        let q = fit_quality(&[1.0, 0.0, 1.0], &[1.0, 0.0, 1.0]);
        assert!((q.cosine - 1.0).abs() < 1e-12 && q.rel_l1 == 0.0 && q.kl.abs() < 1e-12);
        let q = fit_quality(&[3.0, 4.0], &[0.0, 0.0]);
        assert_eq!(q.cosine, 0.0);
        assert_eq!(q.rel_l2, 1.0);
        assert!((q.rel_l1 - 1.0).abs() < 1e-12);
        let q = fit_quality(&[1.0, 1.0], &[1.0, 3.0]);
        // p = (½, ½), q = (¼, ¾)
        let kl = 0.5 * (2.0f64).ln() + 0.5 * (0.5f64 / 0.75).ln();
        assert!((q.kl - kl).abs() < 1e-12);
        assert!((q.cosine - 4.0 / (2.0f64.sqrt() * 10.0f64.sqrt())).abs() < 1e-12);
    }

    #[test]
    fn rounding_keeps_sums() {
        let x = Mat::from_fn(3, 2, |i, j| [[0.4, 1.4], [0.4, 1.3], [0.2, 2.3]][i][j]);
        let r = round_conserving_sums(&x);
        assert_eq!((0..3).map(|i| r[(i, 0)]).sum::<f64>(), 1.0);
        assert_eq!((0..3).map(|i| r[(i, 1)]).sum::<f64>(), 5.0);
        assert_eq!(r[(0, 0)], 1.0); // ties go to the earlier row
        assert_eq!(r[(2, 1)], 2.0);
    }
}
