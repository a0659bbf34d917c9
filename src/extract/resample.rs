//! Bootstrap resampling of catalogues and normalization of hypermutated samples.
//!
//! The bootstrap is the multinomial resample SigProfilerExtractor calls "Poisson noise":
//! each sample keeps its total number of mutations and only the split over channels
//! varies. Normalization caps (or log-compresses) the totals of hypermutated samples so
//! that a few huge catalogues cannot dominate the factorization; the per-sample scale
//! factors are returned so exposures can be mapped back to mutation counts.

use faer::{Mat, MatRef};

use crate::numeric::{NonNegative, multinomial_resample};
use crate::rng::ChaCha8Rng;

/// Errors of resampling and normalization.
#[derive(Debug, thiserror::Error)]
pub enum ResampleError {
    /// An entry of the catalogue is negative, NaN or infinite.
    #[error("catalogue entry ({row}, {col}) is {value}; entries must be finite and >= 0")]
    InvalidEntry {
        /// Channel index.
        row: usize,
        /// Sample index.
        col: usize,
        /// The offending value.
        value: f64,
    },
    /// A manual cap must be finite and positive.
    #[error("normalization cap must be finite and > 0, got {0}")]
    InvalidCap(f64),
    /// A column total is too large to be drawn as an integer count.
    #[error("sample {0} has a total too large to resample")]
    TotalTooLarge(usize),
}

fn validate(v: MatRef<'_, f64>) -> Result<(), ResampleError> {
    NonNegative::check(v, "catalogue").map_err(|e| ResampleError::InvalidEntry {
        row: e.row,
        col: e.col,
        value: e.value,
    })
}

fn column_total(v: MatRef<'_, f64>, j: usize) -> f64 {
    (0..v.nrows()).map(|i| v[(i, j)]).sum()
}

/// Multinomial bootstrap of every sample (column) of `v`, keeping its total.
///
/// Column j is redrawn as `Multinomial(N_j, p_j)` with `N_j = round(Σ_c v[c,j])` and
/// `p_j = v[:,j] / Σ_c v[c,j]`, by [`multinomial_resample`] (sequential conditional
/// binomials over exact suffix sums), columns in order. All-zero columns stay zero. The
/// result depends only on `v` and the state of `rng`.
pub fn bootstrap(v: MatRef<'_, f64>, rng: &mut ChaCha8Rng) -> Result<Mat<f64>, ResampleError> {
    validate(v)?;
    let (m, n) = v.shape();
    let mut out = Mat::<f64>::zeros(m, n);
    let mut col = vec![0.0f64; m];
    for j in 0..n {
        for (i, x) in col.iter_mut().enumerate() {
            *x = v[(i, j)];
        }
        multinomial_resample(&col, rng, out.col_as_slice_mut(j))
            .map_err(|_| ResampleError::TotalTooLarge(j))?;
    }
    Ok(out)
}

/// How hypermutated samples are tamed before factorization.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(into = "String", try_from = "String")]
pub enum Normalization {
    /// Cap totals at a cutoff found by a Gaussian mixture on the sample totals
    /// ([`normalization_cutoff_gmm`], floor = 100 × channels).
    Gmm,
    /// Cap every sample total at this value (columns above are rescaled to sum to it).
    Cap(f64),
    /// Rescale every column to sum to `log2(1 + total)`.
    Log2,
    /// Leave the matrix unchanged.
    None,
}

impl std::str::FromStr for Normalization {
    type Err = String;
    /// `gmm`, `cap:N` (N > 0), `log2` or `none`, as the command line spells them.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let l = s.trim().to_ascii_lowercase();
        match l.as_str() {
            "gmm" => Ok(Normalization::Gmm),
            "log2" => Ok(Normalization::Log2),
            "none" => Ok(Normalization::None),
            _ => match l.strip_prefix("cap:") {
                Some(n) => n
                    .parse::<f64>()
                    .ok()
                    .filter(|v| *v > 0.0 && v.is_finite())
                    .map(Normalization::Cap)
                    .ok_or_else(|| format!("'{n}' is not a positive number in '{s}'")),
                None => Err(format!(
                    "unknown normalization '{s}'; use gmm, cap:N, log2 or none"
                )),
            },
        }
    }
}

impl std::fmt::Display for Normalization {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Normalization::Gmm => f.write_str("gmm"),
            Normalization::Cap(c) => write!(f, "cap:{c}"),
            Normalization::Log2 => f.write_str("log2"),
            Normalization::None => f.write_str("none"),
        }
    }
}

impl schemars::JsonSchema for Normalization {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Normalization".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "description": "`gmm`, `cap:N`, `log2` or `none`, as the command line spells it",
            "pattern": "^(gmm|log2|none|cap:[0-9.eE+-]+)$"
        })
    }
}

impl From<Normalization> for String {
    fn from(n: Normalization) -> String {
        n.to_string()
    }
}

impl TryFrom<String> for Normalization {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        s.parse()
    }
}

impl Normalization {
    /// Resolves [`Normalization::Gmm`] into the [`Normalization::Cap`] it amounts to for
    /// the catalogue `v`, so the cutoff can be computed once on the original catalogue
    /// (as the reference tool does) and reused for every bootstrap replicate.
    pub fn resolve(self, v: MatRef<'_, f64>) -> Result<Normalization, ResampleError> {
        match self {
            Normalization::Gmm => {
                validate(v)?;
                let totals: Vec<f64> = (0..v.ncols()).map(|j| column_total(v, j)).collect();
                let floor = 100.0 * v.nrows() as f64;
                Ok(Normalization::Cap(normalization_cutoff_gmm(&totals, floor)))
            }
            other => Ok(other),
        }
    }
}

/// Applies `norm` to `v`; returns the normalized matrix and, per sample, the factor
/// `scale[j]` with `normalized[:, j] = scale[j] · v[:, j]`.
///
/// Divide exposures fitted on the normalized matrix by `scale[j]` to get counts back.
/// `Gmm` computes its cutoff from `v` itself; call [`Normalization::resolve`] on the
/// original catalogue first to fix it once. `Log2` uses `log2(1 + total)` instead of the
/// reference's `log2(total)` so that totals ≤ 1 cannot give a zero or negative column
/// (identical to 3 decimals for totals above ~500). Zero columns keep scale 1.
pub fn apply(
    v: MatRef<'_, f64>,
    norm: Normalization,
) -> Result<(Mat<f64>, Vec<f64>), ResampleError> {
    let norm = norm.resolve(v)?;
    validate(v)?;
    let (m, n) = v.shape();
    let mut scale = vec![1.0f64; n];
    for (j, s) in scale.iter_mut().enumerate() {
        let t = column_total(v, j);
        if t <= 0.0 {
            continue;
        }
        *s = match norm {
            Normalization::Cap(c) => {
                if !c.is_finite() || c <= 0.0 {
                    return Err(ResampleError::InvalidCap(c));
                }
                if t > c { c / t } else { 1.0 }
            }
            Normalization::Log2 => (1.0 + t).log2() / t,
            Normalization::None | Normalization::Gmm => 1.0,
        };
    }
    let out = Mat::from_fn(m, n, |i, j| v[(i, j)] * scale[j]);
    Ok((out, scale))
}

/// Mean and population standard deviation.
fn mean_std(x: &[f64]) -> (f64, f64) {
    let n = x.len().max(1) as f64;
    let mean = x.iter().sum::<f64>() / n;
    let var = x.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / n;
    (mean, var.max(0.0).sqrt())
}

/// Deterministic 2-component 1-D Gaussian mixture; returns the hard label (0/1) of
/// every point of `x` (which must be sorted ascending), or `None` when the fit is
/// impossible (fewer than 2 points or all points equal).
///
/// Initialization: the exact optimal 2-means split of the sorted data (prefix sums,
/// O(n)), so there is no randomness. EM as in sklearn's defaults: `reg_covar = 1e-6`
/// added to each variance, tolerance 1e-3 on the mean log-likelihood, 100 iterations.
fn gmm2_labels(x: &[f64]) -> Option<Vec<usize>> {
    let n = x.len();
    if n < 2 || x[0] == x[n - 1] {
        return None;
    }
    // optimal 2-means split of sorted data: minimize within-cluster sum of squares
    let mut pre = vec![0.0f64; n + 1];
    let mut pre2 = vec![0.0f64; n + 1];
    for i in 0..n {
        pre[i + 1] = pre[i] + x[i];
        pre2[i + 1] = pre2[i] + x[i] * x[i];
    }
    let sse = |a: usize, b: usize| {
        let cnt = (b - a) as f64;
        let s = pre[b] - pre[a];
        (pre2[b] - pre2[a]) - s * s / cnt
    };
    let mut best = (f64::INFINITY, 1usize);
    for split in 1..n {
        let cost = sse(0, split) + sse(split, n);
        if cost < best.0 {
            best = (cost, split);
        }
    }
    let split = best.1;
    let reg = 1e-6;
    let init = |a: usize, b: usize| {
        let (mu, sd) = mean_std(&x[a..b]);
        (mu, sd * sd + reg, (b - a) as f64 / n as f64)
    };
    let mut comp = [init(0, split), init(split, n)];
    let mut resp = vec![[0.0f64; 2]; n];
    let mut prev_ll = f64::NEG_INFINITY;
    let ln2pi = (2.0 * std::f64::consts::PI).ln();
    for _ in 0..100 {
        // E step (log-sum-exp)
        let mut ll = 0.0;
        for (i, &xi) in x.iter().enumerate() {
            let mut lp = [0.0f64; 2];
            for (k, &(mu, var, w)) in comp.iter().enumerate() {
                lp[k] = w.max(1e-300).ln() - 0.5 * (ln2pi + var.ln() + (xi - mu) * (xi - mu) / var);
            }
            let mx = lp[0].max(lp[1]);
            let lse = mx + ((lp[0] - mx).exp() + (lp[1] - mx).exp()).ln();
            ll += lse;
            resp[i] = [(lp[0] - lse).exp(), (lp[1] - lse).exp()];
        }
        ll /= n as f64;
        // M step
        for (k, c) in comp.iter_mut().enumerate() {
            let nk: f64 = resp.iter().map(|r| r[k]).sum::<f64>() + 10.0 * f64::EPSILON;
            let mu = resp.iter().zip(x).map(|(r, &xi)| r[k] * xi).sum::<f64>() / nk;
            let var = resp
                .iter()
                .zip(x)
                .map(|(r, &xi)| r[k] * (xi - mu) * (xi - mu))
                .sum::<f64>()
                / nk
                + reg;
            *c = (mu, var, nk / n as f64);
        }
        if (ll - prev_ll).abs() < 1e-3 {
            break;
        }
        prev_ll = ll;
    }
    // final hard labels from the fitted parameters
    Some(
        x.iter()
            .map(|&xi| {
                let lp: Vec<f64> = comp
                    .iter()
                    .map(|&(mu, var, w)| {
                        w.max(1e-300).ln() - 0.5 * (var.ln() + (xi - mu) * (xi - mu) / var)
                    })
                    .collect();
                usize::from(lp[1] > lp[0])
            })
            .collect(),
    )
}

/// Cutoff above which sample totals are treated as hypermutated (SigProfilerExtractor's
/// `get_normalization_cutoff`, made deterministic).
///
/// Repeatedly fits a 2-component Gaussian mixture to the totals and keeps the cluster
/// with more members while its mean is at least 4 (population) standard deviations of
/// that cluster away from the other cluster's mean; stops when the mixture finds one
/// cluster, both clusters have the same size, or the groups are not separated. The
/// cutoff is `mean + 2·std` of the final set, and at least `floor` (100 × channels in
/// the reference tool). Non-finite totals are ignored; with no usable total the
/// result is `floor`.
pub fn normalization_cutoff_gmm(totals: &[f64], floor: f64) -> f64 {
    let mut s: Vec<f64> = totals.iter().copied().filter(|t| t.is_finite()).collect();
    s.sort_by(|a, b| a.total_cmp(b));
    let floor = if floor.is_finite() { floor } else { 0.0 };
    if s.is_empty() {
        return floor;
    }
    // each round strictly shrinks `s`, so this terminates; the bound is a safety net
    for _ in 0..totals.len() {
        let Some(labels) = gmm2_labels(&s) else { break };
        let count1 = labels.iter().filter(|&&l| l == 1).count();
        let count0 = s.len() - count1;
        if count0 == 0 || count1 == 0 || count0 == count1 {
            break;
        }
        let big = usize::from(count1 > count0);
        let big_vals: Vec<f64> = s
            .iter()
            .zip(&labels)
            .filter(|(_, l)| **l == big)
            .map(|(v, _)| *v)
            .collect();
        let small_vals: Vec<f64> = s
            .iter()
            .zip(&labels)
            .filter(|(_, l)| **l != big)
            .map(|(v, _)| *v)
            .collect();
        let (mb, sb) = mean_std(&big_vals);
        let (ms, _) = mean_std(&small_vals);
        if (mb - ms).abs() < 4.0 * sb {
            break;
        }
        s = big_vals; // still sorted
    }
    let (mean, std) = mean_std(&s);
    (mean + 2.0 * std).max(floor)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::{Purpose, stream};

    fn catalogue() -> Mat<f64> {
        // 6 channels x 4 samples, one all-zero sample, one with a fractional total
        Mat::from_fn(6, 4, |i, j| match j {
            0 => (i as f64 + 1.0) * 10.0,
            1 => 0.0,
            2 => {
                if i == 3 {
                    500.0
                } else {
                    1.0
                }
            }
            _ => 0.25 * (i as f64 + 1.0),
        })
    }

    #[test]
    fn bootstrap_preserves_totals_and_is_reproducible() {
        let v = catalogue();
        let a = bootstrap(v.as_ref(), &mut stream(11, Purpose::Resample, 0, 3)).unwrap();
        let b = bootstrap(v.as_ref(), &mut stream(11, Purpose::Resample, 0, 3)).unwrap();
        let c = bootstrap(v.as_ref(), &mut stream(11, Purpose::Resample, 0, 4)).unwrap();
        assert_eq!(a, b);
        assert_ne!(a, c, "different streams should give different draws");
        for j in 0..4 {
            let t: f64 = (0..6).map(|i| v[(i, j)]).sum();
            let ta: f64 = (0..6).map(|i| a[(i, j)]).sum();
            assert_eq!(ta, t.round(), "column {j}");
            for i in 0..6 {
                assert_eq!(a[(i, j)], a[(i, j)].round());
                assert!(a[(i, j)] >= 0.0);
                if v[(i, j)] == 0.0 {
                    assert_eq!(a[(i, j)], 0.0);
                }
            }
        }
        assert!((0..6).all(|i| a[(i, 1)] == 0.0));
    }

    #[test]
    fn bootstrap_has_multinomial_mean_and_variance() {
        // p = (0.1, 0.2, 0.3, 0.4), N = 1000; E = Np, Var = Np(1-p)
        let v = Mat::from_fn(4, 1, |i, _| 100.0 * (i as f64 + 1.0));
        let reps = 4000;
        let mut sum = [0.0f64; 4];
        let mut sum2 = [0.0f64; 4];
        let mut rng = stream(5, Purpose::Other, 0, 0);
        for _ in 0..reps {
            let b = bootstrap(v.as_ref(), &mut rng).unwrap();
            for i in 0..4 {
                sum[i] += b[(i, 0)];
                sum2[i] += b[(i, 0)] * b[(i, 0)];
            }
        }
        for i in 0..4 {
            let p = 0.1 * (i as f64 + 1.0);
            let mean = sum[i] / reps as f64;
            let var = sum2[i] / reps as f64 - mean * mean;
            let ev = 1000.0 * p * (1.0 - p);
            // SE of the mean = sqrt(ev / reps) <= 0.25; allow 5 SE
            assert!(
                (mean - 1000.0 * p).abs() < 5.0 * (ev / reps as f64).sqrt(),
                "mean {i}: {mean}"
            );
            assert!((var / ev - 1.0).abs() < 0.12, "var {i}: {var} vs {ev}");
        }
    }

    #[test]
    fn bootstrap_rejects_bad_entries() {
        let mut v = catalogue();
        v[(2, 2)] = -1.0;
        assert!(bootstrap(v.as_ref(), &mut stream(1, Purpose::Resample, 0, 0)).is_err());
        v[(2, 2)] = f64::NAN;
        assert!(apply(v.as_ref(), Normalization::Log2).is_err());
    }

    #[test]
    fn gmm_cutoff_separates_hypermutators() {
        // 40 ordinary samples around 2000 (+-300), 4 hypermutators around 60000
        let mut totals: Vec<f64> = (0..40).map(|i| 1700.0 + 15.0 * i as f64).collect();
        totals.extend([55_000.0, 60_000.0, 62_000.0, 65_000.0]);
        let cut = normalization_cutoff_gmm(&totals, 0.0);
        let (m, s) = mean_std(&totals[..40]);
        assert!(cut > 2285.0 && cut < 55_000.0, "cutoff {cut}");
        assert!(
            (cut - (m + 2.0 * s)).abs() < 1e-6,
            "cutoff {cut} != mean+2sd {}",
            m + 2.0 * s
        );
        // floor honoured
        assert_eq!(normalization_cutoff_gmm(&totals, 9600.0), 9600.0);
        // no separation: one homogeneous group -> mean + 2 sd of everything
        let homog: Vec<f64> = (0..50).map(|i| 1000.0 + i as f64).collect();
        let (m, s) = mean_std(&homog);
        assert!((normalization_cutoff_gmm(&homog, 0.0) - (m + 2.0 * s)).abs() < 1e-9);
        // degenerate inputs
        assert_eq!(normalization_cutoff_gmm(&[], 96.0), 96.0);
        assert_eq!(normalization_cutoff_gmm(&[5.0; 7], 1.0), 5.0);
        // order does not matter (deterministic)
        let mut rev = totals.clone();
        rev.reverse();
        assert_eq!(normalization_cutoff_gmm(&rev, 0.0), cut);
    }

    #[test]
    fn apply_caps_and_log2_with_scale_factors() {
        let v = Mat::from_fn(3, 3, |i, j| {
            [[1.0, 2.0, 7.0], [100.0, 300.0, 600.0], [0.0; 3]][j][i]
        });
        let (c, s) = apply(v.as_ref(), Normalization::Cap(500.0)).unwrap();
        assert_eq!(s[0], 1.0);
        assert!((s[1] - 0.5).abs() < 1e-15);
        assert_eq!(s[2], 1.0);
        let t1: f64 = (0..3).map(|i| c[(i, 1)]).sum();
        assert!((t1 - 500.0).abs() < 1e-9);
        for i in 0..3 {
            for j in 0..3 {
                assert!((c[(i, j)] - s[j] * v[(i, j)]).abs() < 1e-12);
            }
        }
        let (l, s) = apply(v.as_ref(), Normalization::Log2).unwrap();
        let t0: f64 = (0..3).map(|i| l[(i, 0)]).sum();
        assert!((t0 - 11.0f64.log2()).abs() < 1e-12);
        assert!((s[1] - 1001.0f64.log2() / 1000.0).abs() < 1e-15);
        assert!((0..3).all(|i| l[(i, 2)] == 0.0) && s[2] == 1.0);
        let (u, s) = apply(v.as_ref(), Normalization::None).unwrap();
        assert_eq!(u, v);
        assert_eq!(s, vec![1.0; 3]);
        assert!(apply(v.as_ref(), Normalization::Cap(0.0)).is_err());
        // Gmm with 3 channels: floor = 300; totals 10, 1000, 0 -> cutoff >= 300
        match Normalization::Gmm.resolve(v.as_ref()).unwrap() {
            Normalization::Cap(c) => assert!(c >= 300.0),
            other => panic!("{other:?}"),
        }
    }
}
