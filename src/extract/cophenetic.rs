//! Sample co-clustering consensus and the classic rank-survey statistics computed on it:
//! cophenetic correlation (Brunet et al. 2004, R `NMF::cophcor`), dispersion (Kim &
//! Park 2007) and PAC (Şenbabaoğlu et al. 2014).
//!
//! These are reported because users expect them; they measure how reproducible a hard
//! clustering of samples (argmax of H) is, not how stable the signatures are, so rank
//! selection uses the signature stability instead (see `rank`).

use faer::{Mat, MatRef};
use kodama::{Method, linkage};
use rayon::prelude::*;

/// Errors of the co-clustering statistics.
#[derive(Debug, thiserror::Error)]
pub enum CopheneticError {
    /// No exposure matrix was given.
    #[error("no replicates")]
    NoReplicates,
    /// All exposure matrices must have the same number of samples and ≥ 1 row.
    #[error("replicate {0} has {1} samples or no rows, expected {2} samples")]
    Shape(usize, usize, usize),
    /// The consensus matrix must be square with entries in [0, 1].
    #[error("consensus matrix must be square with finite entries in [0, 1]")]
    InvalidConsensus,
}

/// Co-clustering statistics of one rank, for summary.json.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct CoclusteringStats {
    /// Cophenetic correlation coefficient (1 = perfectly hierarchical consensus).
    pub cophenetic: f64,
    /// Dispersion coefficient (1 = every entry is 0 or 1).
    pub dispersion: f64,
    /// Proportion of ambiguous sample pairs, consensus in (0.1, 0.9) (0 = crisp).
    pub pac: f64,
}

/// Consensus matrix `C` (n × n): `C[i][j]` = fraction of replicates in which samples i
/// and j have their largest exposure in the same signature.
///
/// `hs` are the replicates' exposure matrices (k × n; k may differ between them). Ties
/// in a column go to the first signature, as R's `which.max`, so an all-zero sample is
/// put with signature 0.
pub fn consensus_matrix(hs: &[MatRef<'_, f64>]) -> Result<Mat<f64>, CopheneticError> {
    if hs.is_empty() {
        return Err(CopheneticError::NoReplicates);
    }
    let n = hs[0].ncols();
    for (r, h) in hs.iter().enumerate() {
        if h.ncols() != n || h.nrows() == 0 {
            return Err(CopheneticError::Shape(r, h.ncols(), n));
        }
    }
    let labels: Vec<Vec<usize>> = hs.iter().map(|h| dominant_signature(*h)).collect();
    consensus_from_labels(&labels)
}

/// For each sample (column of H), the signature with the largest exposure; ties and
/// all-zero samples go to the first signature, as R's `which.max`.
pub fn dominant_signature(h: MatRef<'_, f64>) -> Vec<usize> {
    (0..h.ncols())
        .map(|j| {
            let mut best = 0;
            for i in 1..h.nrows() {
                // NaN never wins
                if h[(i, j)] > h[(best, j)] || h[(best, j)].is_nan() {
                    best = i;
                }
            }
            best
        })
        .collect()
}

/// Consensus matrix from each replicate's sample labels (see [`dominant_signature`]);
/// keeping labels instead of exposure matrices is what lets a large cohort fit in memory.
pub fn consensus_from_labels(labels: &[Vec<usize>]) -> Result<Mat<f64>, CopheneticError> {
    let n = sample_count(labels)?;
    let counts: Vec<Vec<u32>> = (0..n)
        .into_par_iter()
        .map(|i| {
            let mut row = vec![0u32; n];
            for l in labels {
                let li = l[i];
                for (j, x) in row.iter_mut().enumerate() {
                    *x += u32::from(l[j] == li);
                }
            }
            row
        })
        .collect();
    let r = labels.len() as f64;
    Ok(Mat::from_fn(n, n, |i, j| counts[i][j] as f64 / r))
}

fn validate(c: MatRef<'_, f64>) -> Result<usize, CopheneticError> {
    let n = c.nrows();
    if c.ncols() != n {
        return Err(CopheneticError::InvalidConsensus);
    }
    for j in 0..n {
        for i in 0..n {
            let x = c[(i, j)];
            if !x.is_finite() || !(0.0..=1.0).contains(&x) {
                return Err(CopheneticError::InvalidConsensus);
            }
        }
    }
    Ok(n)
}

/// Cophenetic correlation of a consensus matrix: Pearson correlation between the
/// distances `D = 1 − C` (pairs i < j; the upper triangle is used) and the cophenetic
/// distances of the average-linkage (UPGMA) tree built on `D`.
///
/// Degenerate case: when `D` is constant (fewer than 3 samples, or e.g. all samples
/// always together) the correlation is undefined (0/0), but the tree then reproduces
/// `D` exactly (average linkage of a constant matrix merges everything at that
/// constant), so 1.0 is returned, matching "1 = perfectly represented".
pub fn cophenetic_correlation(c: MatRef<'_, f64>) -> Result<f64, CopheneticError> {
    let n = validate(c)?;
    if n < 2 {
        return Ok(1.0);
    }
    let mut d = Vec::with_capacity(n * (n - 1) / 2);
    for i in 0..n {
        for j in (i + 1)..n {
            d.push(1.0 - c[(i, j)]);
        }
    }
    let dist = d.clone();
    let dend = linkage(&mut d, n, Method::Average);
    // cophenetic distance: height of the merge where i and j first join
    let mut members: Vec<Vec<usize>> = (0..n).map(|i| vec![i]).collect();
    members.reserve(n - 1);
    let idx = |i: usize, j: usize| {
        let (a, b) = if i < j { (i, j) } else { (j, i) };
        (2 * n - a - 3) * a / 2 + b - 1
    };
    let mut coph = vec![0.0f64; dist.len()];
    for step in dend.steps() {
        let a = std::mem::take(&mut members[step.cluster1]);
        let b = std::mem::take(&mut members[step.cluster2]);
        for &x in &a {
            for &y in &b {
                coph[idx(x, y)] = step.dissimilarity;
            }
        }
        let mut merged = a;
        merged.extend(b);
        members.push(merged);
    }
    Ok(pearson_or_one(&dist, &coph))
}

/// Pearson correlation; 1.0 when `x` is constant (see [`cophenetic_correlation`]).
fn pearson_or_one(x: &[f64], y: &[f64]) -> f64 {
    let n = x.len() as f64;
    if x.is_empty() {
        return 1.0;
    }
    let mx = x.iter().sum::<f64>() / n;
    let my = y.iter().sum::<f64>() / n;
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (a, b) in x.iter().zip(y) {
        sxy += (a - mx) * (b - my);
        sxx += (a - mx) * (a - mx);
        syy += (b - my) * (b - my);
    }
    // consensus values are multiples of 1/R; a spread below 1e-12 is rounding noise
    let tiny = 1e-24 * n;
    if sxx <= tiny {
        return 1.0;
    }
    if syy <= tiny {
        // unreachable for UPGMA on a non-constant D; no linear relation to report
        return 0.0;
    }
    (sxy / (sxx * syy).sqrt()).clamp(-1.0, 1.0)
}

/// Dispersion coefficient (Kim & Park 2007): `Σ_ij 4 (C_ij − ½)² / n²` over the full
/// matrix; 1 for a crisp (0/1) consensus, 0 when every entry is ½.
pub fn dispersion(c: MatRef<'_, f64>) -> Result<f64, CopheneticError> {
    let n = validate(c)?;
    if n == 0 {
        return Ok(1.0);
    }
    let mut s = 0.0;
    for j in 0..n {
        for i in 0..n {
            let x = c[(i, j)] - 0.5;
            s += 4.0 * x * x;
        }
    }
    Ok(s / (n * n) as f64)
}

/// PAC: proportion of sample pairs (i < j) whose consensus lies strictly inside
/// `(lo, hi)`; 0 for fewer than 2 samples.
pub fn pac(c: MatRef<'_, f64>, lo: f64, hi: f64) -> Result<f64, CopheneticError> {
    let n = validate(c)?;
    if n < 2 {
        return Ok(0.0);
    }
    let mut inside = 0usize;
    for i in 0..n {
        for j in (i + 1)..n {
            let x = c[(i, j)];
            if x > lo && x < hi {
                inside += 1;
            }
        }
    }
    Ok(inside as f64 / (n * (n - 1) / 2) as f64)
}

/// The number of samples all replicates label (an error when there are no replicates or
/// their lengths differ).
fn sample_count<L: AsRef<[usize]>>(labels: &[L]) -> Result<usize, CopheneticError> {
    let n = labels
        .first()
        .ok_or(CopheneticError::NoReplicates)?
        .as_ref()
        .len();
    for (r, l) in labels.iter().map(AsRef::as_ref).enumerate() {
        if l.len() != n {
            return Err(CopheneticError::Shape(r, l.len(), n));
        }
    }
    Ok(n)
}

/// All three statistics straight from each replicate's sample labels (see
/// [`dominant_signature`]), without forming the n × n consensus matrix: only the
/// condensed distances (n(n−1)/2 values) and one working copy for the linkage are held,
/// and the cophenetic distances are streamed from the dendrogram. For 10,000 samples this
/// needs about 0.8 GB instead of the 2 GB of the matrix route. Same values as
/// [`coclustering_stats`] of [`consensus_from_labels`].
pub fn coclustering_from_labels<L: AsRef<[usize]> + Sync>(
    labels: &[L],
) -> Result<CoclusteringStats, CopheneticError> {
    let n = sample_count(labels)?;
    if n < 2 {
        return Ok(CoclusteringStats {
            cophenetic: 1.0,
            dispersion: 1.0,
            pac: 0.0,
        });
    }
    let r = labels.len() as f64;
    // condensed D = 1 − C, rows in parallel (fixed split, so the same bits with any threads)
    let rows: Vec<Vec<f64>> = (0..n - 1)
        .into_par_iter()
        .map(|i| {
            let mut row = vec![0u32; n - i - 1];
            for l in labels.iter().map(AsRef::as_ref) {
                let li = l[i];
                for (x, &lj) in row.iter_mut().zip(&l[i + 1..]) {
                    *x += u32::from(lj == li);
                }
            }
            row.into_iter().map(|c| 1.0 - c as f64 / r).collect()
        })
        .collect();
    let mut dist = Vec::with_capacity(n * (n - 1) / 2);
    for row in rows {
        dist.extend(row);
    }
    let pairs = dist.len() as f64;
    // dispersion over the full matrix: the diagonal (C = 1) adds n, each pair twice
    let mut disp = n as f64;
    let mut inside = 0usize;
    for &d in &dist {
        let c = 1.0 - d;
        disp += 2.0 * 4.0 * (c - 0.5) * (c - 0.5);
        if c > 0.1 && c < 0.9 {
            inside += 1;
        }
    }
    let mut work = dist.clone();
    let dend = linkage(&mut work, n, Method::Average);
    drop(work);
    let idx = |i: usize, j: usize| {
        let (a, b) = if i < j { (i, j) } else { (j, i) };
        (2 * n - a - 3) * a / 2 + b - 1
    };
    let mean_d = dist.iter().sum::<f64>() / pairs;
    // first pass: mean cophenetic distance, from cluster sizes alone
    let mut size: Vec<usize> = vec![1; n];
    size.reserve(n - 1);
    let mut sum_c = 0.0;
    for step in dend.steps() {
        let (sa, sb) = (size[step.cluster1], size[step.cluster2]);
        sum_c += step.dissimilarity * (sa * sb) as f64;
        size.push(sa + sb);
    }
    let mean_c = sum_c / pairs;
    // second pass: centred sums, merging member lists as the tree is built
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    let mut members: Vec<Vec<usize>> = (0..n).map(|i| vec![i]).collect();
    members.reserve(n - 1);
    for step in dend.steps() {
        let a = std::mem::take(&mut members[step.cluster1]);
        let b = std::mem::take(&mut members[step.cluster2]);
        let yc = step.dissimilarity - mean_c;
        for &x in &a {
            for &y in &b {
                let xd = dist[idx(x, y)] - mean_d;
                sxy += xd * yc;
                sxx += xd * xd;
                syy += yc * yc;
            }
        }
        let mut merged = a;
        merged.extend(b);
        members.push(merged);
    }
    let tiny = 1e-24 * pairs;
    let cophenetic = if sxx <= tiny {
        1.0
    } else if syy <= tiny {
        0.0
    } else {
        (sxy / (sxx * syy).sqrt()).clamp(-1.0, 1.0)
    };
    Ok(CoclusteringStats {
        cophenetic,
        dispersion: disp / (n * n) as f64,
        pac: inside as f64 / pairs,
    })
}

/// All three statistics of a consensus matrix (PAC with the usual (0.1, 0.9) window).
pub fn coclustering_stats(c: MatRef<'_, f64>) -> Result<CoclusteringStats, CopheneticError> {
    Ok(CoclusteringStats {
        cophenetic: cophenetic_correlation(c)?,
        dispersion: dispersion(c)?,
        pac: pac(c, 0.1, 0.9)?,
    })
}

/// When and how the cophenetic correlation is estimated instead of computed exactly.
///
/// The exact statistic needs the n(n−1)/2 condensed distances twice (about 8n² bytes:
/// 0.8 GB at 10,000 samples, 80 GB at 100,000) and an O(n²) average-linkage tree. Above
/// `exact_max` samples it is computed on `subsets` independent random subsets of
/// `subset_size` samples each (drawn without replacement from
/// `rng::stream(seed, Purpose::Coclustering, k, subset)`), and their mean is reported with
/// the spread, so time and memory are O(subsets × subset_size²) whatever n is.
/// PAC (a proportion of pairs) is the mean over the same subsets; dispersion stays exact.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CopheneticSampling {
    /// Largest cohort whose cophenetic correlation is computed exactly.
    pub exact_max: usize,
    /// Samples per subset (the whole cohort when it is not larger).
    pub subset_size: usize,
    /// Number of subsets (≥ 1; 1 when the subset is the whole cohort).
    pub subsets: usize,
}

/// Default [`CopheneticSampling::exact_max`]: 5,000 samples (0.2 GB of distances).
pub const EXACT_COPHENETIC_MAX: usize = 5_000;
/// Default [`CopheneticSampling::subset_size`].
pub const COPHENETIC_SUBSET_SIZE: usize = 2_000;
/// Default [`CopheneticSampling::subsets`].
pub const COPHENETIC_SUBSETS: usize = 10;

impl Default for CopheneticSampling {
    fn default() -> Self {
        Self {
            exact_max: EXACT_COPHENETIC_MAX,
            subset_size: COPHENETIC_SUBSET_SIZE,
            subsets: COPHENETIC_SUBSETS,
        }
    }
}

/// How an estimated cophenetic correlation was obtained (summary.json: absent when the
/// value is exact).
#[derive(
    Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize, schemars::JsonSchema,
)]
pub struct CopheneticEstimate {
    /// Samples in each random subset.
    pub subset_size: usize,
    /// Number of independent subsets; the reported cophenetic is their mean.
    pub subsets: usize,
    /// Standard deviation of the subsets' cophenetic values (0 for a single subset).
    pub sd: f64,
    /// Standard deviation of the subsets' PAC values (PAC is their mean, too).
    pub pac_sd: f64,
    /// Smallest subset cophenetic value.
    pub min: f64,
    /// Largest subset cophenetic value.
    pub max: f64,
}

/// Co-clustering statistics of a cohort of any size: [`coclustering_from_labels`] up to
/// `sampling.exact_max` samples (the same bits), above it the cophenetic correlation is
/// estimated on random subsets (see [`CopheneticSampling`]), PAC is the mean over the same
/// subsets (an unbiased estimate: a subset's pairs are a uniform sample of all pairs) and
/// dispersion is computed exactly from contingency tables of the replicates' labels, in
/// O(nR) memory. `k` and `seed`
/// select the random streams. The result does not depend on the number of threads.
pub fn coclustering_sampled<L: AsRef<[usize]> + Sync>(
    labels: &[L],
    k: usize,
    seed: u64,
    sampling: &CopheneticSampling,
) -> Result<(CoclusteringStats, Option<CopheneticEstimate>), CopheneticError> {
    let n = sample_count(labels)?;
    if n <= sampling.exact_max {
        return Ok((coclustering_from_labels(labels)?, None));
    }
    let dispersion = dispersion_by_contingency(labels, n);
    let s = sampling.subset_size.clamp(2, n);
    let count = if s == n { 1 } else { sampling.subsets.max(1) };
    let values: Vec<CoclusteringStats> = (0..count)
        .into_par_iter()
        .map(|t| {
            let idx = random_subset(n, s, seed, k, t);
            let sub: Vec<Vec<usize>> = labels
                .iter()
                .map(|l| {
                    let l = l.as_ref();
                    idx.iter().map(|&i| l[i as usize]).collect()
                })
                .collect();
            coclustering_from_labels(&sub)
        })
        .collect::<Result<_, _>>()?;
    let pacs: Vec<f64> = values.iter().map(|c| c.pac).collect();
    let values: Vec<f64> = values.iter().map(|c| c.cophenetic).collect();
    let mean = values.iter().sum::<f64>() / count as f64;
    let pac = pacs.iter().sum::<f64>() / count as f64;
    let sd = sample_sd(&values, mean);
    let estimate = CopheneticEstimate {
        subset_size: s,
        subsets: count,
        sd,
        pac_sd: sample_sd(&pacs, pac),
        min: values.iter().copied().fold(f64::INFINITY, f64::min),
        max: values.iter().copied().fold(f64::NEG_INFINITY, f64::max),
    };
    Ok((
        CoclusteringStats {
            cophenetic: mean,
            dispersion,
            pac,
        },
        Some(estimate),
    ))
}

/// Sample standard deviation around `mean`; 0 for fewer than 2 values.
fn sample_sd(x: &[f64], mean: f64) -> f64 {
    if x.len() < 2 {
        return 0.0;
    }
    (x.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / (x.len() - 1) as f64).sqrt()
}

/// `s` distinct sample indices out of `n`, ascending: a partial Fisher–Yates shuffle of
/// `stream(seed, Purpose::Coclustering, k, subset)`.
fn random_subset(n: usize, s: usize, seed: u64, k: usize, subset: usize) -> Vec<u32> {
    use rand::RngExt;
    let mut rng = crate::rng::stream(
        seed,
        crate::rng::Purpose::Coclustering,
        k as u32,
        subset as u32,
    );
    let mut perm: Vec<u32> = (0..n as u32).collect();
    for i in 0..s {
        let j = rng.random_range(i..n);
        perm.swap(i, j);
    }
    perm.truncate(s);
    perm.sort_unstable();
    perm
}

/// Exact dispersion without the pairwise matrix. With `m_ij` the number of replicates
/// in which samples i and j share a label, `Σ_ij 4 (C_ij − ½)² = Σ_ij (2 m_ij − R)² / R²`
/// over all ordered pairs (diagonal included), and both `Σ_ij m_ij = Σ_q Σ_a N_q(a)²` and
/// `Σ_ij m_ij² = Σ_{q,q'} Σ_{a,b} N_{qq'}(a, b)²` come from label counts `N_q` and
/// contingency tables `N_{qq'}` of pairs of replicates: O(R² n) time, O(k²) memory per
/// pair of replicates. Integer sums, so the same bits with any number of threads.
fn dispersion_by_contingency<L: AsRef<[usize]> + Sync>(labels: &[L], n: usize) -> f64 {
    let r = labels.len();
    let width: Vec<usize> = labels
        .iter()
        .map(|l| l.as_ref().iter().copied().max().unwrap_or(0) + 1)
        .collect();
    // Σ_{q'} Σ_{a,b} N_{qq'}(a,b)² for each q (q' = q gives Σ_a N_q(a)²)
    let per_q: Vec<(u128, u128)> = (0..r)
        .into_par_iter()
        .map(|q| {
            let lq = labels[q].as_ref();
            let mut sq = 0u128;
            let mut own = 0u128;
            for q2 in 0..r {
                let l2 = labels[q2].as_ref();
                let w2 = width[q2];
                let mut table = vec![0u64; width[q] * w2];
                for (&a, &b) in lq.iter().zip(l2) {
                    table[a * w2 + b] += 1;
                }
                let s: u128 = table.iter().map(|&c| u128::from(c) * u128::from(c)).sum();
                sq += s;
                if q2 == q {
                    own = s;
                }
            }
            (own, sq)
        })
        .collect();
    let sum_m: u128 = per_q.iter().map(|x| x.0).sum();
    let sum_m2: u128 = per_q.iter().map(|x| x.1).sum();
    let (rr, nn) = (r as u128, n as u128);
    // Σ (2m − R)² = 4 Σm² − 4R Σm + R² n² ≥ 0
    let total = 4 * sum_m2 + rr * rr * nn * nn - 4 * rr * sum_m;
    total as f64 / (rr * rr * nn * nn) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sym(n: usize, upper: &[f64]) -> Mat<f64> {
        let mut c = Mat::<f64>::identity(n, n);
        let mut t = 0;
        for i in 0..n {
            for j in (i + 1)..n {
                c[(i, j)] = upper[t];
                c[(j, i)] = upper[t];
                t += 1;
            }
        }
        c
    }

    #[test]
    fn block_structure_is_perfect() {
        // blocks {0,1,2}, {3,4}, {5}
        let block = [0, 0, 0, 1, 1, 2];
        let c = Mat::from_fn(6, 6, |i, j| f64::from(u8::from(block[i] == block[j])));
        let s = coclustering_stats(c.as_ref()).unwrap();
        assert!((s.cophenetic - 1.0).abs() < 1e-12, "{}", s.cophenetic);
        assert_eq!(s.dispersion, 1.0);
        assert_eq!(s.pac, 0.0);
    }

    #[test]
    fn hand_computed_four_samples() {
        // D = 1 - C: d01=.2 d02=.8 d03=.9 d12=.7 d13=.8 d23=.4
        // UPGMA: {0,1} at .2; {2,3} at .4; {01}-{23} = (.8+.9+.7+.8)/4 = .8
        // cophenetic = (.2,.8,.8,.8,.8,.4); in units of 1/30 the deviations are
        // D: (-13,5,8,2,5,-7), coph: (-13,5,5,5,5,-7) -> r = 318/sqrt(336*318)
        let c = sym(4, &[0.8, 0.2, 0.1, 0.3, 0.2, 0.6]);
        let r = cophenetic_correlation(c.as_ref()).unwrap();
        assert!((r - (318.0f64 / 336.0).sqrt()).abs() < 1e-12, "{r}");
        // dispersion: diagonal 4*1 + 2*(.36+.36+.64+.16+.36+.04) = 7.84; /16
        assert!((dispersion(c.as_ref()).unwrap() - 0.49).abs() < 1e-12);
        // PAC: .1 is not strictly inside (0.1, 0.9)
        assert!((pac(c.as_ref(), 0.1, 0.9).unwrap() - 5.0 / 6.0).abs() < 1e-15);
    }

    #[test]
    fn consensus_from_exposures() {
        // replicate 1: samples 0,1 -> sig 0; 2,3 -> sig 1
        // replicate 2: samples 0 -> sig 1; 1,2,3 -> sig 0 (k differs: 3 rows)
        let h1 = Mat::from_fn(2, 4, |i, j| if (j < 2) == (i == 0) { 5.0 } else { 1.0 });
        let h2 = Mat::from_fn(3, 4, |i, j| match (i, j) {
            (1, 0) => 3.0,
            (0, 1..=3) => 2.0,
            _ => 0.5,
        });
        let c = consensus_matrix(&[h1.as_ref(), h2.as_ref()]).unwrap();
        let expect = sym(4, &[0.5, 0.0, 0.0, 0.5, 0.5, 1.0]);
        assert_eq!(c, expect);
        assert!(consensus_matrix(&[]).is_err());
        let bad = Mat::<f64>::zeros(2, 3);
        assert!(consensus_matrix(&[h1.as_ref(), bad.as_ref()]).is_err());
    }

    #[test]
    fn streaming_route_equals_matrix_route() {
        // 30 samples in 3 noisy groups, 12 replicates with k between 2 and 4
        let labels: Vec<Vec<usize>> = (0..12)
            .map(|r| {
                (0..30)
                    .map(|i| {
                        let g = i / 10;
                        if (i * 7 + r * 3) % 11 == 0 {
                            (g + 1) % 3
                        } else {
                            g
                        }
                    })
                    .collect()
            })
            .collect();
        let c = consensus_from_labels(&labels).unwrap();
        let a = coclustering_stats(c.as_ref()).unwrap();
        let b = coclustering_from_labels(&labels).unwrap();
        assert!((a.cophenetic - b.cophenetic).abs() < 1e-12, "{a:?} {b:?}");
        assert!((a.dispersion - b.dispersion).abs() < 1e-12);
        assert!((a.pac - b.pac).abs() < 1e-15);
        assert!(a.cophenetic < 1.0 && a.cophenetic > 0.5);
    }

    #[test]
    fn degenerate_cases() {
        let ones = Mat::<f64>::full(5, 5, 1.0);
        assert_eq!(cophenetic_correlation(ones.as_ref()).unwrap(), 1.0);
        assert_eq!(
            cophenetic_correlation(Mat::<f64>::identity(1, 1).as_ref()).unwrap(),
            1.0
        );
        assert_eq!(
            pac(Mat::<f64>::identity(1, 1).as_ref(), 0.1, 0.9).unwrap(),
            0.0
        );
        let half = sym(3, &[0.5, 0.5, 0.5]);
        // off-diagonal entries all 1/2: dispersion only from the diagonal, 3/9
        assert!((dispersion(half.as_ref()).unwrap() - 1.0 / 3.0).abs() < 1e-15);
        let mut bad = Mat::<f64>::identity(3, 3);
        bad[(0, 1)] = 1.5;
        assert!(cophenetic_correlation(bad.as_ref()).is_err());
        assert!(dispersion(Mat::<f64>::zeros(2, 3).as_ref()).is_err());
    }

    #[test]
    fn noisy_consensus_scores_below_one() {
        // a non-ultrametric consensus cannot be represented exactly by a tree
        let c = sym(5, &[0.9, 0.5, 0.1, 0.3, 0.4, 0.2, 0.6, 0.7, 0.1, 0.5]);
        let r = cophenetic_correlation(c.as_ref()).unwrap();
        assert!(r < 0.999 && r > 0.0, "{r}");
    }
    /// `r` replicates labelling `n` samples in `g` planted groups, each label flipped to
    /// the next group with probability `noise` (a seeded stream).
    fn planted_labels(n: usize, r: usize, g: usize, noise: f64) -> Vec<Vec<usize>> {
        use rand::RngExt;
        (0..r)
            .map(|q| {
                let mut rng = crate::rng::stream(11, crate::rng::Purpose::Other, 0, q as u32);
                (0..n)
                    .map(|i| {
                        let base = i % g;
                        if rng.random::<f64>() < noise {
                            (base + 1 + rng.random_range(0..g - 1)) % g
                        } else {
                            base
                        }
                    })
                    .collect()
            })
            .collect()
    }

    #[test]
    fn sampled_route_is_exact_below_the_threshold_and_for_the_whole_cohort() {
        let labels = planted_labels(300, 8, 4, 0.3);
        let exact = coclustering_from_labels(&labels).unwrap();
        let (below, est) =
            coclustering_sampled(&labels, 4, 1, &CopheneticSampling::default()).unwrap();
        assert_eq!(below, exact);
        assert!(est.is_none());
        // estimated path forced (threshold 0) with a subset as large as the cohort
        let whole = CopheneticSampling {
            exact_max: 0,
            subset_size: 10_000,
            subsets: 5,
        };
        let (s, est) = coclustering_sampled(&labels, 4, 1, &whole).unwrap();
        let est = est.unwrap();
        assert_eq!(s.cophenetic, exact.cophenetic);
        assert_eq!((est.subset_size, est.subsets, est.sd), (300, 1, 0.0));
        assert_eq!((est.min, est.max), (exact.cophenetic, exact.cophenetic));
        assert_eq!(s.pac, exact.pac);
        assert_eq!(est.pac_sd, 0.0);
        // dispersion from contingency tables: the pairwise route's value
        assert!(
            (s.dispersion - exact.dispersion).abs() < 1e-12,
            "{s:?} {exact:?}"
        );
    }

    #[test]
    fn contingency_tables_give_the_pairwise_dispersion() {
        for (n, r, g, noise) in [(200, 3, 2, 0.2), (150, 7, 5, 0.5), (60, 1, 3, 0.0)] {
            let labels = planted_labels(n, r, g, noise);
            let exact = coclustering_from_labels(&labels).unwrap();
            let d = dispersion_by_contingency(&labels, n);
            assert!((d - exact.dispersion).abs() < 1e-12, "{d} {exact:?}");
        }
    }

    #[test]
    fn subset_estimate_lies_within_its_spread_of_the_exact_value() {
        let labels = planted_labels(1_500, 10, 5, 0.35);
        let exact = coclustering_from_labels(&labels).unwrap().cophenetic;
        let rule = CopheneticSampling {
            exact_max: 1_000,
            subset_size: 300,
            subsets: 8,
        };
        let (s, est) = coclustering_sampled(&labels, 5, 42, &rule).unwrap();
        let est = est.unwrap();
        assert_eq!((est.subset_size, est.subsets), (300, 8));
        assert!(est.sd > 0.0 && est.min < est.max, "{est:?}");
        assert!(est.min <= s.cophenetic && s.cophenetic <= est.max);
        // the mean of 8 subsets is within 2 standard deviations (of one subset)
        assert!(
            (s.cophenetic - exact).abs() <= 2.0 * est.sd,
            "estimate {} ± {} vs exact {exact}",
            s.cophenetic,
            est.sd
        );
        assert!(
            exact < 0.99,
            "the planted noise must make the test informative: {exact}"
        );
        // another seed draws other subsets
        let (other, _) = coclustering_sampled(&labels, 5, 43, &rule).unwrap();
        assert_ne!(other.cophenetic, s.cophenetic);
        assert_eq!(other.dispersion, s.dispersion);
        // PAC: the subsets' mean, within its spread of the exact proportion
        let exact_pac = coclustering_from_labels(&labels).unwrap().pac;
        assert!(est.pac_sd > 0.0);
        assert!(
            (s.pac - exact_pac).abs() <= 2.0 * est.pac_sd,
            "{s:?} {est:?} {exact_pac}"
        );
    }

    #[test]
    fn sampled_route_is_the_same_with_any_threads() {
        let labels = planted_labels(900, 6, 4, 0.4);
        let rule = CopheneticSampling {
            exact_max: 100,
            subset_size: 200,
            subsets: 6,
        };
        let run = |threads: usize| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap()
                .install(|| coclustering_sampled(&labels, 4, 7, &rule).unwrap())
        };
        let one = run(1);
        assert_eq!(one, run(3));
        assert_eq!(one, run(8));
        let (a, b) = (one.1.unwrap(), run(2).1.unwrap());
        assert_eq!(a.sd.to_bits(), b.sd.to_bits());
    }
}
