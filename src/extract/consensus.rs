//! Consensus signatures: matched clustering of the NMF replicates' signatures and their
//! silhouette stability (SigProfilerExtractor §3, without its quirks).
//!
//! Each replicate contributes exactly one signature to each of the k clusters: a pass
//! assigns every replicate's k columns to the k centroids by a Hungarian assignment
//! (minimum total cosine distance), then recomputes the centroids as the mean of their
//! members renormalized to sum 1. Passes repeat until the assignment no longer changes.
//! Several restarts run in parallel and the one with the best mean silhouette wins
//! (ties → lowest restart index). The pairwise distances between the kR signatures do
//! not depend on the clustering, so they are computed once and shared by all restarts.
//!
//! Stability is the silhouette (cosine distance) of each signature with the clusters
//! as labels. For k = 1 there is no other cluster, so the silhouette is undefined (the
//! reference tool reports 1.0, which makes rank 1 look perfectly stable whatever the
//! data); here a point's stability at k = 1 is its cohesion `1 − a`, where `a` is its
//! mean cosine distance to the other replicates' signatures. That is exactly the
//! silhouette it would have against a cluster at the largest possible cosine distance
//! between non-negative vectors (b = 1), so it is on the same scale as k > 1 and is only
//! near 1 when the replicates really agree. A cluster with a single member (R = 1) has
//! silhouette 0, as in scikit-learn: one replicate gives no evidence of stability.

use faer::{Accum, Mat, MatRef, Par, linalg::matmul::matmul};
use rand::RngExt;
use rayon::prelude::*;

use crate::numeric::NonNegative;
use crate::rng::{Purpose, stream};

/// Above this many points (k × R) the distance matrix is stored in f32 to halve memory.
pub const F64_DISTANCE_LIMIT: usize = 4096;
/// Largest number of points (k × R) accepted: the f32 distance matrix is then 1.6 GB.
pub const MAX_POINTS: usize = 20_000;

/// Errors of the consensus clustering.
#[derive(Debug, thiserror::Error)]
pub enum ConsensusError {
    /// No replicate was given.
    #[error("no replicates to cluster")]
    NoReplicates,
    /// Replicates must all be m × k with m, k ≥ 1.
    #[error("replicate {replicate} is {rows}x{cols}, expected {m}x{k} (m, k >= 1)")]
    Shape {
        /// Replicate index.
        replicate: usize,
        /// Its rows.
        rows: usize,
        /// Its columns.
        cols: usize,
        /// Expected rows.
        m: usize,
        /// Expected columns.
        k: usize,
    },
    /// A signature entry is negative or not finite.
    #[error("replicate {0} has a negative or non-finite entry")]
    InvalidEntry(usize),
    /// Too many points for the pairwise distance matrix.
    #[error("{0} signatures to cluster exceed the limit of {MAX_POINTS}")]
    TooLarge(usize),
    /// The assignment solver failed (should not happen with finite costs).
    #[error("assignment solver failed: {0}")]
    Assignment(String),
}

/// Tuning of the consensus clustering.
#[derive(
    Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize, schemars::JsonSchema,
)]
pub struct ConsensusOptions {
    /// Number of independent restarts (≥ 1; the reference tool uses 50).
    pub restarts: usize,
    /// Maximum assignment passes per restart (≥ 1).
    pub max_passes: usize,
}

impl Default for ConsensusOptions {
    fn default() -> Self {
        Self {
            restarts: 20,
            max_passes: 50,
        }
    }
}

/// Result of the consensus clustering of one rank.
#[derive(Debug, Clone, PartialEq)]
pub struct Consensus {
    /// Consensus signatures, m × k, columns sum to 1; cluster c is column c.
    pub centroids: Mat<f64>,
    /// `labels[r][j]`: the cluster of replicate r's column j (a permutation of 0..k).
    pub labels: Vec<Vec<usize>>,
    /// Silhouette of every signature, indexed `r * k + j`.
    pub silhouettes: Vec<f64>,
    /// Mean silhouette of each cluster's members (the per-signature "stability").
    pub cluster_stability: Vec<f64>,
    /// Mean of `cluster_stability` (= mean silhouette, clusters have equal sizes).
    pub stability_mean: f64,
    /// Minimum of `cluster_stability`.
    pub stability_min: f64,
    /// Number of restarts run.
    pub restarts_used: usize,
    /// Index of the restart that was kept.
    pub best_restart: usize,
    /// Assignment passes of the kept restart.
    pub passes: usize,
    /// Whether the kept restart reached a fixed point within `max_passes`.
    pub converged: bool,
}

/// Row-major symmetric distance storage, f64 or f32 (see [`F64_DISTANCE_LIMIT`]).
trait DistElem: Copy + Send + Sync + Default {
    fn from_f64(x: f64) -> Self;
    fn to_f64(self) -> f64;
}
impl DistElem for f64 {
    fn from_f64(x: f64) -> Self {
        x
    }
    fn to_f64(self) -> f64 {
        self
    }
}
impl DistElem for f32 {
    fn from_f64(x: f64) -> Self {
        x as f32
    }
    fn to_f64(self) -> f64 {
        self as f64
    }
}

/// Clusters the replicates' signatures `ws` (each m × k) into k consensus signatures.
///
/// Columns are normalized to sum 1 first (cosine distance ignores scale anyway). The
/// initial centroids of restart 0 are replicate 0's signatures; odd restarts use the
/// signatures of a random replicate and even restarts ≥ 2 random distributions
/// (uniform entries, renormalized), both drawn from
/// `rng::stream(seed, Purpose::Cluster, k, restart)`. The result does not depend on the
/// number of rayon threads. Cluster ids are canonical: replicate 0's column j lies in
/// cluster j, so identical partitions give identical outputs.
pub fn consensus(
    ws: &[MatRef<'_, f64>],
    seed: u64,
    opts: &ConsensusOptions,
) -> Result<Consensus, ConsensusError> {
    let r_count = ws.len();
    if r_count == 0 {
        return Err(ConsensusError::NoReplicates);
    }
    let (m, k) = ws[0].shape();
    for (r, w) in ws.iter().enumerate() {
        if w.nrows() != m || w.ncols() != k || m == 0 || k == 0 {
            return Err(ConsensusError::Shape {
                replicate: r,
                rows: w.nrows(),
                cols: w.ncols(),
                m,
                k,
            });
        }
        NonNegative::check(*w, "signature").map_err(|_| ConsensusError::InvalidEntry(r))?;
    }
    let p = r_count * k;
    if p > MAX_POINTS {
        return Err(ConsensusError::TooLarge(p));
    }
    // points: sum-1 columns, point index r*k + j
    let mut pts = Mat::<f64>::zeros(m, p);
    for (r, w) in ws.iter().enumerate() {
        for j in 0..k {
            let s: f64 = (0..m).map(|i| w[(i, j)]).sum();
            let col = pts.col_as_slice_mut(r * k + j);
            if s > 0.0 {
                for (i, x) in col.iter_mut().enumerate() {
                    *x = w[(i, j)] / s;
                }
            }
        }
    }
    if p <= F64_DISTANCE_LIMIT {
        run::<f64>(&pts, r_count, k, seed, opts)
    } else {
        run::<f32>(&pts, r_count, k, seed, opts)
    }
}

/// Unit-L2 copies of the columns (zero columns stay zero).
fn unit_columns(x: MatRef<'_, f64>) -> Mat<f64> {
    let mut u = x.to_owned();
    for j in 0..u.ncols() {
        let col = u.col_as_slice_mut(j);
        let nrm = col.iter().map(|v| v * v).sum::<f64>().sqrt();
        if nrm > 0.0 {
            col.iter_mut().for_each(|v| *v /= nrm);
        }
    }
    u
}

/// Pairwise cosine distances (1 − cos, clipped to [0, 2], zero vectors at distance 1
/// from everything) as a row-major p × p buffer. Blocks of a fixed size are computed in
/// parallel, so the values do not depend on the number of threads.
fn distance_matrix<T: DistElem>(pts: MatRef<'_, f64>) -> Vec<T> {
    const BLOCK: usize = 128;
    let p = pts.ncols();
    let u = unit_columns(pts);
    let zero: Vec<bool> = (0..p)
        .map(|j| u.col_as_slice(j).iter().all(|&v| v == 0.0))
        .collect();
    let mut d = vec![T::default(); p * p];
    d.par_chunks_mut(BLOCK * p)
        .enumerate()
        .for_each(|(b, chunk)| {
            let r0 = b * BLOCK;
            let rows = chunk.len() / p;
            let mut g = Mat::<f64>::zeros(rows, p);
            matmul(
                g.as_mut(),
                Accum::Replace,
                u.as_ref().subcols(r0, rows).transpose(),
                u.as_ref(),
                1.0,
                Par::Seq,
            );
            for i in 0..rows {
                for j in 0..p {
                    let dist = if zero[r0 + i] || zero[j] {
                        1.0
                    } else {
                        (1.0 - g[(i, j)]).clamp(0.0, 2.0)
                    };
                    chunk[i * p + j] = T::from_f64(dist);
                }
                chunk[i * p + r0 + i] = T::from_f64(0.0);
            }
        });
    // exact symmetry (blocks may differ in the last bit)
    for i in 0..p {
        for j in (i + 1)..p {
            d[j * p + i] = d[i * p + j];
        }
    }
    d
}

/// Cosine distance between two sum-1 vectors with precomputed L2 norms.
fn cos_dist(a: &[f64], na: f64, b: &[f64], nb: f64) -> f64 {
    if na <= 0.0 || nb <= 0.0 {
        return 1.0;
    }
    let dot: f64 = a.iter().zip(b).map(|(x, y)| x * y).sum();
    (1.0 - dot / (na * nb)).clamp(0.0, 2.0)
}

fn l2(a: &[f64]) -> f64 {
    a.iter().map(|v| v * v).sum::<f64>().sqrt()
}

struct RestartResult {
    labels: Vec<usize>, // point -> cluster, canonical
    centroids: Mat<f64>,
    passes: usize,
    converged: bool,
}

/// One restart of the matched k-means.
fn one_restart(
    pts: &Mat<f64>,
    r_count: usize,
    k: usize,
    seed: u64,
    restart: usize,
    max_passes: usize,
) -> Result<RestartResult, ConsensusError> {
    let m = pts.nrows();
    let p = pts.ncols();
    let mut cent = Mat::<f64>::zeros(m, k);
    if restart == 0 {
        for c in 0..k {
            cent.col_as_slice_mut(c)
                .copy_from_slice(pts.col_as_slice(c));
        }
    } else {
        let mut rng = stream(seed, Purpose::Cluster, k as u32, restart as u32);
        if restart % 2 == 1 {
            let r = rng.random_range(0..r_count);
            for c in 0..k {
                cent.col_as_slice_mut(c)
                    .copy_from_slice(pts.col_as_slice(r * k + c));
            }
        } else {
            for c in 0..k {
                let col = cent.col_as_slice_mut(c);
                for x in col.iter_mut() {
                    *x = rng.random::<f64>();
                }
                let s: f64 = col.iter().sum::<f64>().max(f64::MIN_POSITIVE);
                col.iter_mut().for_each(|x| *x /= s);
            }
        }
    }
    let pnorm: Vec<f64> = (0..p).map(|q| l2(pts.col_as_slice(q))).collect();
    let mut labels = vec![usize::MAX; p];
    let mut new_labels = vec![0usize; p];
    let mut cost = vec![0.0f64; k * k];
    let mut cnorm = vec![0.0f64; k];
    let mut passes = 0;
    let mut converged = false;
    while passes < max_passes {
        passes += 1;
        for (c, cn) in cnorm.iter_mut().enumerate() {
            *cn = l2(cent.col_as_slice(c));
        }
        for r in 0..r_count {
            for c in 0..k {
                for j in 0..k {
                    let q = r * k + j;
                    cost[c * k + j] = cos_dist(
                        cent.col_as_slice(c),
                        cnorm[c],
                        pts.col_as_slice(q),
                        pnorm[q],
                    );
                }
            }
            let (rows, cols) = lsap::solve(k, k, &cost, false)
                .map_err(|e| ConsensusError::Assignment(format!("{e:?}")))?;
            for (&c, &j) in rows.iter().zip(&cols) {
                new_labels[r * k + j] = c;
            }
        }
        // centroids = mean of members, renormalized to sum 1
        cent.fill(0.0);
        for (q, &c) in new_labels.iter().enumerate() {
            let src = pts.col_as_slice(q);
            let dst = cent.col_as_slice_mut(c);
            for (d, s) in dst.iter_mut().zip(src) {
                *d += s;
            }
        }
        for c in 0..k {
            let col = cent.col_as_slice_mut(c);
            let s: f64 = col.iter().sum();
            if s > 0.0 {
                col.iter_mut().for_each(|x| *x /= s);
            } else {
                col.iter_mut().for_each(|x| *x = 1.0 / m as f64);
            }
        }
        if new_labels == labels {
            converged = true;
            break;
        }
        labels.copy_from_slice(&new_labels);
    }
    // canonical cluster ids: replicate 0's column j is in cluster j
    let mut perm = vec![0usize; k]; // old id -> new id
    for j in 0..k {
        perm[new_labels[j]] = j;
    }
    let labels: Vec<usize> = new_labels.iter().map(|&c| perm[c]).collect();
    let mut centroids = Mat::<f64>::zeros(m, k);
    for (c, &pc) in perm.iter().enumerate() {
        centroids
            .col_as_slice_mut(pc)
            .copy_from_slice(cent.col_as_slice(c));
    }
    Ok(RestartResult {
        labels,
        centroids,
        passes,
        converged,
    })
}

/// Silhouette of every point given the precomputed distances (see the module docs for
/// k = 1 and single-member clusters).
fn silhouettes<T: DistElem>(d: &[T], labels: &[usize], k: usize) -> Vec<f64> {
    let p = labels.len();
    let mut size = vec![0usize; k];
    for &c in labels {
        size[c] += 1;
    }
    (0..p)
        .into_par_iter()
        .map(|i| {
            let mut sums = vec![0.0f64; k];
            let row = &d[i * p..(i + 1) * p];
            for (j, (&dij, &c)) in row.iter().zip(labels).enumerate() {
                if j != i {
                    sums[c] += dij.to_f64();
                }
            }
            let own = labels[i];
            if size[own] <= 1 {
                return 0.0;
            }
            let a = sums[own] / (size[own] - 1) as f64;
            let b = if k == 1 {
                1.0
            } else {
                (0..k)
                    .filter(|&c| c != own && size[c] > 0)
                    .map(|c| sums[c] / size[c] as f64)
                    .fold(f64::INFINITY, f64::min)
            };
            if !b.is_finite() {
                return 0.0;
            }
            let den = a.max(b);
            if den <= 0.0 {
                0.0
            } else {
                ((b - a) / den).clamp(-1.0, 1.0)
            }
        })
        .collect()
}

fn run<T: DistElem>(
    pts: &Mat<f64>,
    r_count: usize,
    k: usize,
    seed: u64,
    opts: &ConsensusOptions,
) -> Result<Consensus, ConsensusError> {
    let restarts = opts.restarts.max(1);
    let max_passes = opts.max_passes.max(1);
    let d = distance_matrix::<T>(pts.as_ref());
    let results = (0..restarts)
        .into_par_iter()
        .map(|s| one_restart(pts, r_count, k, seed, s, max_passes))
        .collect::<Result<Vec<_>, _>>()?;
    // silhouettes only for distinct partitions (restarts often agree)
    let mut first_with: Vec<usize> = Vec::with_capacity(restarts);
    for (s, res) in results.iter().enumerate() {
        let same = (0..s).find(|&t| first_with[t] == t && results[t].labels == res.labels);
        first_with.push(same.unwrap_or(s));
    }
    let unique: Vec<usize> = (0..restarts).filter(|&s| first_with[s] == s).collect();
    let sils: Vec<Vec<f64>> = unique
        .iter()
        .map(|&s| silhouettes(&d, &results[s].labels, k))
        .collect();
    let mean_of = |v: &[f64]| v.iter().sum::<f64>() / v.len().max(1) as f64;
    let mut best = 0usize; // index into `unique`
    for u in 1..unique.len() {
        if mean_of(&sils[u]) > mean_of(&sils[best]) {
            best = u;
        }
    }
    let best_restart = unique[best];
    let res = &results[best_restart];
    let sil = sils[best].clone();
    let mut cluster_stability = vec![0.0f64; k];
    for (q, &c) in res.labels.iter().enumerate() {
        cluster_stability[c] += sil[q];
    }
    cluster_stability
        .iter_mut()
        .for_each(|s| *s /= r_count as f64);
    let stability_mean = mean_of(&cluster_stability);
    let stability_min = cluster_stability
        .iter()
        .copied()
        .fold(f64::INFINITY, f64::min);
    let labels = (0..r_count)
        .map(|r| res.labels[r * k..(r + 1) * k].to_vec())
        .collect();
    Ok(Consensus {
        centroids: res.centroids.clone(),
        labels,
        silhouettes: sil,
        cluster_stability,
        stability_mean,
        stability_min,
        restarts_used: restarts,
        best_restart,
        passes: res.passes,
        converged: res.converged,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::numeric::cosine;
    use crate::rng::{ChaCha8Rng, Purpose, stream};

    fn random_simplex(m: usize, rng: &mut ChaCha8Rng) -> Vec<f64> {
        let mut v: Vec<f64> = (0..m).map(|_| rng.random::<f64>().powi(3)).collect();
        let s: f64 = v.iter().sum();
        v.iter_mut().for_each(|x| *x /= s);
        v
    }

    /// R replicates = the k true signatures with multiplicative noise, columns permuted.
    fn planted(
        m: usize,
        k: usize,
        r: usize,
        noise: f64,
        seed: u64,
    ) -> (Vec<Vec<f64>>, Vec<Mat<f64>>) {
        let mut rng = stream(seed, Purpose::Other, 0, 0);
        let truth: Vec<Vec<f64>> = (0..k).map(|_| random_simplex(m, &mut rng)).collect();
        let reps = (0..r)
            .map(|_| {
                let mut perm: Vec<usize> = (0..k).collect();
                for i in (1..k).rev() {
                    let j = rng.random_range(0..=i);
                    perm.swap(i, j);
                }
                let mut w = Mat::<f64>::zeros(m, k);
                for j in 0..k {
                    let t = &truth[perm[j]];
                    let mut s = 0.0;
                    for i in 0..m {
                        w[(i, j)] = t[i] * (1.0 + noise * (2.0 * rng.random::<f64>() - 1.0));
                        s += w[(i, j)];
                    }
                    for i in 0..m {
                        w[(i, j)] /= s;
                    }
                }
                w
            })
            .collect();
        (truth, reps)
    }

    fn refs(ws: &[Mat<f64>]) -> Vec<MatRef<'_, f64>> {
        ws.iter().map(|w| w.as_ref()).collect()
    }

    #[test]
    fn planted_signatures_are_recovered() {
        let (truth, reps) = planted(96, 5, 30, 0.2, 1);
        let c = consensus(&refs(&reps), 42, &ConsensusOptions::default()).unwrap();
        // one signature of every replicate per cluster
        for l in &c.labels {
            let mut s = l.clone();
            s.sort_unstable();
            assert_eq!(s, (0..5).collect::<Vec<_>>());
        }
        for t in &truth {
            let best = (0..5)
                .map(|j| cosine(t, c.centroids.col_as_slice(j)))
                .fold(f64::MIN, f64::max);
            assert!(best > 0.99, "truth recovered with cosine {best}");
        }
        for j in 0..5 {
            let s: f64 = c.centroids.col_as_slice(j).iter().sum();
            assert!((s - 1.0).abs() < 1e-12);
        }
        assert!(c.stability_mean > 0.9, "{}", c.stability_mean);
        assert!(c.stability_min > 0.85, "{}", c.stability_min);
        assert!(c.converged);
        // every member is labelled with the truth it came from: all members of a
        // cluster are closest to the same true signature
        for cl in 0..5 {
            let owners: Vec<usize> = (0..30)
                .map(|r| {
                    let j = c.labels[r].iter().position(|&x| x == cl).unwrap();
                    let col = reps[r].col_as_slice(j);
                    (0..5)
                        .max_by(|&a, &b| cosine(&truth[a], col).total_cmp(&cosine(&truth[b], col)))
                        .unwrap()
                })
                .collect();
            assert!(owners.iter().all(|&o| o == owners[0]));
        }
    }

    #[test]
    fn assignment_is_one_per_replicate_even_for_noise() {
        // pure noise: no structure, but the matching constraint must hold
        let mut rng = stream(3, Purpose::Other, 0, 0);
        let reps: Vec<Mat<f64>> = (0..12)
            .map(|_| {
                let cols: Vec<Vec<f64>> = (0..4).map(|_| random_simplex(10, &mut rng)).collect();
                Mat::from_fn(10, 4, |i, j| cols[j][i])
            })
            .collect();
        let c = consensus(&refs(&reps), 7, &ConsensusOptions::default()).unwrap();
        assert_eq!(c.labels.len(), 12);
        for l in &c.labels {
            let mut s = l.clone();
            s.sort_unstable();
            assert_eq!(s, vec![0, 1, 2, 3]);
        }
        assert_eq!(c.labels[0], vec![0, 1, 2, 3], "canonical ids");
        assert!(
            c.stability_mean < 0.5,
            "noise should not look stable: {}",
            c.stability_mean
        );
    }

    /// Independent O(n^2) silhouette straight from the vectors.
    fn direct_silhouette(v: &[Vec<f64>], lab: &[usize], k: usize) -> Vec<f64> {
        let n = v.len();
        let dist = |a: &Vec<f64>, b: &Vec<f64>| 1.0 - cosine(a, b);
        (0..n)
            .map(|i| {
                let mean_to = |c: usize| {
                    let others: Vec<usize> = (0..n).filter(|&j| j != i && lab[j] == c).collect();
                    others.iter().map(|&j| dist(&v[i], &v[j])).sum::<f64>() / others.len() as f64
                };
                let a = mean_to(lab[i]);
                let b = (0..k)
                    .filter(|&c| c != lab[i])
                    .map(mean_to)
                    .fold(f64::INFINITY, f64::min);
                (b - a) / a.max(b)
            })
            .collect()
    }

    #[test]
    fn silhouettes_match_direct_computation() {
        let (_, reps) = planted(12, 3, 6, 0.8, 9);
        let c = consensus(
            &refs(&reps),
            1,
            &ConsensusOptions {
                restarts: 5,
                max_passes: 30,
            },
        )
        .unwrap();
        let mut vecs = Vec::new();
        let mut lab = Vec::new();
        for (r, w) in reps.iter().enumerate() {
            for j in 0..3 {
                vecs.push(w.col_as_slice(j).to_vec());
                lab.push(c.labels[r][j]);
            }
        }
        let direct = direct_silhouette(&vecs, &lab, 3);
        for (q, (a, b)) in c.silhouettes.iter().zip(&direct).enumerate() {
            assert!((a - b).abs() < 1e-12, "point {q}: {a} vs {b}");
        }
        for cl in 0..3 {
            let mean: f64 = (0..18)
                .filter(|&q| lab[q] == cl)
                .map(|q| direct[q])
                .sum::<f64>()
                / 6.0;
            assert!((c.cluster_stability[cl] - mean).abs() < 1e-12);
        }
        let mn = c
            .cluster_stability
            .iter()
            .copied()
            .fold(f64::INFINITY, f64::min);
        assert_eq!(c.stability_min, mn);
        // the kept restart has the best mean silhouette among all restarts: rerunning
        // with a single restart can never do better
        let one = consensus(
            &refs(&reps),
            1,
            &ConsensusOptions {
                restarts: 1,
                max_passes: 30,
            },
        )
        .unwrap();
        assert!(one.stability_mean <= c.stability_mean + 1e-15);
    }

    #[test]
    fn f32_storage_agrees_with_f64() {
        let (_, reps) = planted(12, 3, 6, 0.8, 9);
        let mut pts = Mat::<f64>::zeros(12, 18);
        for (r, w) in reps.iter().enumerate() {
            for j in 0..3 {
                pts.col_as_slice_mut(r * 3 + j)
                    .copy_from_slice(w.col_as_slice(j));
            }
        }
        let a = run::<f64>(&pts, 6, 3, 4, &ConsensusOptions::default()).unwrap();
        let b = run::<f32>(&pts, 6, 3, 4, &ConsensusOptions::default()).unwrap();
        assert_eq!(a.labels, b.labels);
        for (x, y) in a.silhouettes.iter().zip(&b.silhouettes) {
            assert!((x - y).abs() < 1e-5);
        }
    }

    #[test]
    fn rank_one_cohesion() {
        // tight replicates -> near 1; scattered replicates -> clearly lower
        let (_, tight) = planted(30, 1, 10, 0.05, 2);
        let ct = consensus(&refs(&tight), 0, &ConsensusOptions::default()).unwrap();
        let mut rng = stream(8, Purpose::Other, 0, 0);
        let loose: Vec<Mat<f64>> = (0..10)
            .map(|_| {
                let v = random_simplex(30, &mut rng);
                Mat::from_fn(30, 1, |i, _| v[i])
            })
            .collect();
        let cl = consensus(&refs(&loose), 0, &ConsensusOptions::default()).unwrap();
        assert!(ct.stability_mean > 0.99, "{}", ct.stability_mean);
        assert!(cl.stability_mean < 0.8, "{}", cl.stability_mean);
        // by definition s = 1 - mean distance to the others
        let v: Vec<Vec<f64>> = loose.iter().map(|w| w.col_as_slice(0).to_vec()).collect();
        let a0: f64 = (1..10).map(|j| 1.0 - cosine(&v[0], &v[j])).sum::<f64>() / 9.0;
        assert!((cl.silhouettes[0] - (1.0 - a0)).abs() < 1e-12);
        assert_eq!(cl.stability_mean, cl.stability_min);
    }

    #[test]
    fn single_replicate_and_zero_columns() {
        let w = Mat::from_fn(4, 2, |i, j| if j == 1 { 0.0 } else { i as f64 + 1.0 });
        let c = consensus(&[w.as_ref()], 0, &ConsensusOptions::default()).unwrap();
        assert_eq!(c.silhouettes, vec![0.0, 0.0]);
        assert!(c.centroids.col_as_slice(1).iter().all(|x| x.is_finite()));
        assert!(consensus(&[], 0, &ConsensusOptions::default()).is_err());
        let bad = Mat::from_fn(4, 2, |_, _| -1.0);
        assert!(consensus(&[bad.as_ref()], 0, &ConsensusOptions::default()).is_err());
        let other = Mat::<f64>::zeros(4, 3);
        assert!(
            consensus(
                &[w.as_ref(), other.as_ref()],
                0,
                &ConsensusOptions::default()
            )
            .is_err()
        );
    }

    #[test]
    fn identical_with_one_and_four_threads() {
        let (_, reps) = planted(96, 6, 20, 0.5, 4);
        let go = |t: usize| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(t)
                .build()
                .unwrap()
                .install(|| consensus(&refs(&reps), 99, &ConsensusOptions::default()).unwrap())
        };
        let a = go(1);
        let b = go(4);
        assert_eq!(a.labels, b.labels);
        assert_eq!(a.best_restart, b.best_restart);
        let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&a.silhouettes), bits(&b.silhouettes));
        for j in 0..6 {
            assert_eq!(
                bits(a.centroids.col_as_slice(j)),
                bits(b.centroids.col_as_slice(j))
            );
        }
    }

    /// Realistic size (k = 25, R = 100 and R = 200, m = 96): timing check, run with
    /// `cargo test --lib -- --ignored consensus_large`.
    #[test]
    #[ignore]
    fn consensus_large() {
        for r in [100, 200] {
            let (truth, reps) = planted(96, 25, r, 0.3, 5);
            let t = std::time::Instant::now();
            let c = consensus(&refs(&reps), 1, &ConsensusOptions::default()).unwrap();
            let secs = t.elapsed().as_secs_f64();
            for tr in &truth {
                let best = (0..25)
                    .map(|j| cosine(tr, c.centroids.col_as_slice(j)))
                    .fold(f64::MIN, f64::max);
                assert!(best > 0.99, "R={r}: cosine {best}");
            }
            assert!(c.stability_min > 0.5, "R={r}: {}", c.stability_min);
            assert!(secs < 120.0, "R={r}: {secs} s");
        }
    }
}
