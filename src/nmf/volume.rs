//! Minimum-volume KL NMF ([`super::Solver::Mvnmf`]): Leplat, Gillis & Ang (2020), "Blind
//! audio source separation with minimum-volume beta-divergence NMF" (IEEE TSP 68), as used
//! by MuSiCal (Jin et al. 2024) for flat signatures.
//!
//! Objective, W's columns on the unit simplex and H ≥ 0:
//!
//! `F(W, H) = D_KL(V‖WH) + Λ·ln det(WᵀW + δI)`, δ = [`DELTA`] = 1.
//!
//! Λ is set once per fit from the starting point, as MuSiCal does:
//! `Λ = λ̃ · D_KL(V‖W₀H₀) / ln det(W₀ᵀW₀ + δI)` with λ̃ = [`super::NmfConfig::volume`]
//! (`--volume-lambda`), so that λ̃ is the weight of the volume term relative to the
//! divergence at the start (the base of the logarithm cancels; with δ = 1 the log-det is
//! always > 0).
//!
//! One iteration: a Lee–Seung KL update of H; then W ← W ⊙ Ŵ, the majorization-minimization
//! step of Leplat et al. (their eq. 3.8), with `Y = (WᵀW + δI)⁻¹`, `Y⁺ = max(Y, 0)`,
//! `Y⁻ = max(−Y, 0)`, `C = 1Hᵀ − 4Λ·WY⁻`, `S = 8Λ·W(Y⁺ + Y⁻) ⊙ (V⊘WH)Hᵀ` and
//! `Ŵ = (sqrt(C² + S) − C) / (4Λ·W(Y⁺ + Y⁻))` (written as `2R/(sqrt(C² + S) + C)` where
//! C > 0, which is exact and reduces to the KL multiplicative update as Λ → 0). As in
//! MuSiCal's Python solver, the new W is renormalized onto the simplex (H rescaled, so WH
//! is unchanged) and taken along a backtracking line search `W + γ(W_new − W)` (γ
//! shrunk by 0.8 per try, doubled after each accepted step, at most 1), so the penalized
//! objective never rises; where no γ ≥ [`GAMMA_MIN`] lowers it the W step is skipped (MuSiCal
//! would keep shrinking to 1e-16). Entries of W are floored at [`W_FLOOR`] before the
//! renormalization so that no entry is stuck at zero by the multiplicative form.
//!
//! Everything runs sequentially in a fixed order: the result does not depend on the thread
//! count.

use faer::{Mat, MatRef};

use super::solve::{divergence_isa, ln_floor, product, stops};
use super::{NmfConfig, Objective, TINY, normalize_columns, simd};

/// δ of `ln det(WᵀW + δI)` (MuSiCal's default).
pub const DELTA: f64 = 1.0;
/// Smallest W entry kept (before renormalization onto the simplex).
const W_FLOOR: f64 = 1e-12;
/// Model values below this are treated as this in ratios `v / x` (as the other solvers do).
const EPS_X: f64 = f64::EPSILON;
/// Line-search shrink factor of γ (MuSiCal's).
const SHRINK: f64 = 0.8;
/// Smallest line-search step tried before the W step of an iteration is skipped.
const GAMMA_MIN: f64 = 1e-3;

/// Result of [`run`]: factors (W on the simplex), penalized objective, iterations and
/// convergence.
pub(super) struct VolumeRun {
    pub(super) w: Mat<f64>,
    pub(super) h: Mat<f64>,
    pub(super) objective: f64,
    pub(super) iterations: usize,
    pub(super) converged: bool,
}

/// `ln det(G)` and `G⁻¹` of a symmetric positive-definite k × k matrix, by Cholesky
/// (sequential, fixed order). `None` if G is not numerically positive definite.
fn chol_logdet_inverse(g: &Mat<f64>) -> Option<(f64, Mat<f64>)> {
    let k = g.nrows();
    let mut l = Mat::<f64>::zeros(k, k);
    let mut logdet = 0.0;
    for j in 0..k {
        let mut d = g[(j, j)];
        for p in 0..j {
            d -= l[(j, p)] * l[(j, p)];
        }
        if !(d > 0.0 && d.is_finite()) {
            return None;
        }
        let ljj = d.sqrt();
        l[(j, j)] = ljj;
        logdet += 2.0 * ljj.ln();
        for i in j + 1..k {
            let mut s = g[(i, j)];
            for p in 0..j {
                s -= l[(i, p)] * l[(j, p)];
            }
            l[(i, j)] = s / ljj;
        }
    }
    // Columns of G⁻¹: solve L Lᵀ x = e_c.
    let mut inv = Mat::<f64>::zeros(k, k);
    let mut y = vec![0.0; k];
    for c in 0..k {
        for i in 0..k {
            let mut s = if i == c { 1.0 } else { 0.0 };
            for p in 0..i {
                s -= l[(i, p)] * y[p];
            }
            y[i] = s / l[(i, i)];
        }
        for i in (0..k).rev() {
            let mut s = y[i];
            for p in i + 1..k {
                s -= l[(p, i)] * inv[(p, c)];
            }
            inv[(i, c)] = s / l[(i, i)];
        }
    }
    Some((logdet, inv))
}

/// `WᵀW + δI`.
fn gram_delta(w: MatRef<'_, f64>) -> Mat<f64> {
    let k = w.ncols();
    let mut g = Mat::<f64>::zeros(k, k);
    product(g.as_mut(), w.transpose(), w);
    for r in 0..k {
        g[(r, r)] += DELTA;
    }
    g
}

/// `ln det(WᵀW + δI)` (≥ 0 since δ = 1).
pub(super) fn log_volume(w: MatRef<'_, f64>) -> f64 {
    chol_logdet_inverse(&gram_delta(w)).map_or(f64::INFINITY, |(ld, _)| ld)
}

/// Working state of one fit.
struct State<'a> {
    v: MatRef<'a, f64>,
    lnv: Mat<f64>,
    /// m × n: W·H or V ⊘ (W·H).
    x: Mat<f64>,
}

impl State<'_> {
    /// `D_KL(V‖WH)`, leaving W·H in `x`.
    fn divergence(&mut self, w: MatRef<'_, f64>, h: MatRef<'_, f64>) -> f64 {
        product(self.x.as_mut(), w, h);
        divergence_isa(
            self.v,
            self.x.as_ref(),
            Some(self.lnv.as_ref()),
            Objective::KullbackLeibler,
            simd::Isa::Best,
        )
    }

    /// `x ← V ⊘ x` in place (x holding W·H).
    fn ratio_in_place(&mut self) {
        for j in 0..self.v.ncols() {
            let vj = self.v.col(j);
            for (i, xi) in self.x.col_as_slice_mut(j).iter_mut().enumerate() {
                *xi = vj[i] / xi.max(EPS_X);
            }
        }
    }
}

/// Minimizes `D_KL(V‖WH) + Λ ln det(WᵀW + δI)` from (W, H) with `cfg.volume` = λ̃, the
/// stopping rule of `cfg` (tolerance, check interval, minimum and maximum iterations) and,
/// when `trace` is given, the penalized objective after every iteration pushed onto it.
/// `v` must be column-major with contiguous columns.
pub(super) fn run(
    v: MatRef<'_, f64>,
    mut w: Mat<f64>,
    mut h: Mat<f64>,
    cfg: &NmfConfig,
    mut trace: Option<&mut Vec<f64>>,
) -> VolumeRun {
    let (m, n) = v.shape();
    let k = w.ncols();
    for j in 0..k {
        w.col_as_slice_mut(j)
            .iter_mut()
            .for_each(|x| *x = x.max(W_FLOOR));
    }
    normalize_columns(&mut w, &mut h);
    let mut st = State {
        v,
        lnv: ln_floor(v, simd::Isa::Best),
        x: Mat::zeros(m, n),
    };
    let d0 = st.divergence(w.as_ref(), h.as_ref());
    let ld0 = log_volume(w.as_ref());
    let lambda = if ld0.is_finite() && ld0 > TINY {
        cfg.volume * d0 / ld0
    } else {
        0.0
    };
    let mut f_prev = d0 + lambda * ld0;
    let mut prev_check = f_prev;
    let (mut num_h, mut ksum) = (Mat::<f64>::zeros(k, n), vec![0.0; k]);
    let mut r = Mat::<f64>::zeros(m, k);
    let (mut wy_all, mut wy_neg) = (Mat::<f64>::zeros(m, k), Mat::<f64>::zeros(m, k));
    let mut wup = Mat::<f64>::zeros(m, k);
    let mut gamma = 1.0f64;
    let mut it = 0;
    let mut converged = false;
    while it < cfg.max_iter {
        it += 1;
        // H: Lee–Seung KL update, H ← H ⊙ Wᵀ(V⊘WH) / colsum(W).
        product(st.x.as_mut(), w.as_ref(), h.as_ref());
        st.ratio_in_place();
        product(num_h.as_mut(), w.transpose(), st.x.as_ref());
        for (r_, s) in ksum.iter_mut().enumerate() {
            *s = w.col_as_slice(r_).iter().sum::<f64>().max(TINY);
        }
        for j in 0..n {
            let nj = num_h.col_as_slice(j);
            for ((hr, nr), s) in h.col_as_slice_mut(j).iter_mut().zip(nj).zip(&ksum) {
                *hr *= nr / s;
            }
        }
        // Objective after the H step, and the pieces of the W step.
        let Some((ld, y)) = chol_logdet_inverse(&gram_delta(w.as_ref())) else {
            break;
        };
        let f_h = st.divergence(w.as_ref(), h.as_ref()) + lambda * ld;
        st.ratio_in_place();
        product(r.as_mut(), st.x.as_ref(), h.transpose());
        for (r_, s) in ksum.iter_mut().enumerate() {
            *s = h.row(r_).iter().sum();
        }
        let y_all = Mat::<f64>::from_fn(k, k, |a, b| y[(a, b)].abs());
        let y_neg = Mat::<f64>::from_fn(k, k, |a, b| (-y[(a, b)]).max(0.0));
        product(wy_all.as_mut(), w.as_ref(), y_all.as_ref());
        product(wy_neg.as_mut(), w.as_ref(), y_neg.as_ref());
        for (c, &hsum) in ksum.iter().enumerate() {
            let (wc, rc) = (w.col_as_slice(c), r.col_as_slice(c));
            let (pa, pn) = (wy_all.col_as_slice(c), wy_neg.col_as_slice(c));
            for (i, out) in wup.col_as_slice_mut(c).iter_mut().enumerate() {
                let a = lambda * pa[i];
                let cc = hsum - 4.0 * lambda * pn[i];
                let q = (cc * cc + 8.0 * a * rc[i]).sqrt();
                let ratio = if cc > 0.0 {
                    2.0 * rc[i] / (q + cc)
                } else if a > 0.0 {
                    (q - cc) / (4.0 * a)
                } else {
                    1.0
                };
                *out = wc[i] * ratio;
            }
        }
        // Backtracking line search on the penalized objective.
        let mut f_cur = f_h;
        loop {
            let mut wc = Mat::<f64>::from_fn(m, k, |i, c| {
                ((1.0 - gamma) * w[(i, c)] + gamma * wup[(i, c)]).max(W_FLOOR)
            });
            let mut hc = h.clone();
            normalize_columns(&mut wc, &mut hc);
            let f = st.divergence(wc.as_ref(), hc.as_ref()) + lambda * log_volume(wc.as_ref());
            if f <= f_h {
                (w, h, f_cur) = (wc, hc, f);
                gamma = (2.0 * gamma).min(1.0);
                break;
            }
            gamma *= SHRINK;
            if gamma < GAMMA_MIN {
                gamma = GAMMA_MIN;
                break;
            }
        }
        if let Some(t) = trace.as_deref_mut() {
            t.push(f_cur);
        }
        f_prev = f_cur;
        if it % cfg.check_every == 0 {
            if stops(cfg, it, prev_check, f_prev) {
                converged = true;
                break;
            }
            prev_check = f_prev;
        }
    }
    VolumeRun {
        w,
        h,
        objective: f_prev,
        iterations: it,
        converged,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nmf::{Init, NmfConfig, Solver, fit, initialize};
    use crate::numeric::cosine_cols as cosine;
    use crate::rng::{ChaCha8Rng, Purpose, stream};
    use rand::RngExt;
    use rand_distr::{Distribution, Poisson};

    fn rng(b: u32) -> ChaCha8Rng {
        stream(7, Purpose::Other, 0, b)
    }

    fn mv(k: usize, volume: f64) -> NmfConfig {
        NmfConfig {
            solver: Solver::Mvnmf,
            volume,
            ..NmfConfig::new(k)
        }
    }

    /// Two flat, nearly collinear profiles (cosine ≈ 0.9) and one peaked one on 96 channels;
    /// every sample a mixture of two of the three (weights U(0.2, 1.2)), so the samples lie
    /// on the faces of the true cone but none is a pure signature (the data are
    /// "sufficiently scattered", not separable: the true cone is the smallest one holding
    /// them, while larger ones fit as well); Poisson counts.
    fn flat_cohort(seed: u32) -> (Mat<f64>, Mat<f64>) {
        let m = 96;
        let mut g = rng(seed);
        let w = Mat::<f64>::from_fn(m, 3, |i, c| {
            let wave = ((i as f64) * 0.37).sin();
            match c {
                0 => 1.0 + 0.45 * wave,
                1 => 1.0 - 0.45 * wave,
                _ => {
                    if i % 16 < 2 {
                        20.0
                    } else {
                        0.3
                    }
                }
            }
        });
        let mut w = w;
        let mut one = Mat::<f64>::zeros(3, 1);
        crate::nmf::normalize_columns(&mut w, &mut one);
        let n = 150;
        let mut h = Mat::<f64>::zeros(3, n);
        for j in 0..n {
            let off = j % 3;
            for r in 0..3 {
                if r != off {
                    h[(r, j)] = 0.2 + g.random::<f64>();
                }
            }
        }
        let x = &w * &h * 2000.0;
        let v = Mat::from_fn(m, n, |i, j| Poisson::new(x[(i, j)]).unwrap().sample(&mut g));
        (w, v)
    }

    fn best_cosines(truth: MatRef<'_, f64>, found: MatRef<'_, f64>) -> Vec<f64> {
        (0..truth.ncols())
            .map(|r| {
                (0..found.ncols())
                    .map(|c| cosine(truth.col(r), found.col(c)))
                    .fold(f64::NEG_INFINITY, f64::max)
            })
            .collect()
    }

    #[test]
    fn cholesky_inverse_and_logdet_by_hand() {
        let g = Mat::<f64>::from_fn(2, 2, |i, j| [[4.0, 2.0], [2.0, 3.0]][i][j]);
        let (ld, inv) = chol_logdet_inverse(&g).unwrap();
        assert!((ld - 8f64.ln()).abs() < 1e-14);
        let want = [[3.0 / 8.0, -2.0 / 8.0], [-2.0 / 8.0, 4.0 / 8.0]];
        for i in 0..2 {
            for j in 0..2 {
                assert!((inv[(i, j)] - want[i][j]).abs() < 1e-14);
            }
        }
        let bad = Mat::<f64>::from_fn(2, 2, |i, j| if i == j { 1.0 } else { 2.0 });
        assert!(chol_logdet_inverse(&bad).is_none());
    }

    #[test]
    fn penalized_objective_never_rises_and_factors_stay_on_the_simplex() {
        let (_, v) = flat_cohort(1);
        for volume in [1e-4, 1e-2, 0.5] {
            let (w0, h0) = initialize(v.as_ref(), 3, Init::Random, &mut rng(2)).unwrap();
            let cfg = NmfConfig {
                max_iter: 300,
                tol: 0.0,
                ..mv(3, volume)
            };
            let mut trace = Vec::new();
            let r = run(v.as_ref(), w0, h0, &cfg, Some(&mut trace));
            assert_eq!(trace.len(), 300);
            for t in 1..trace.len() {
                assert!(
                    trace[t] <= trace[t - 1] + 1e-12 * trace[t - 1].abs(),
                    "λ̃={volume} iteration {t}: {} -> {}",
                    trace[t - 1],
                    trace[t]
                );
            }
            assert!(trace[299] < trace[0]);
            assert_eq!(r.objective, trace[299]);
            for c in 0..3 {
                let col = r.w.col_as_slice(c);
                assert!(col.iter().all(|x| x.is_finite() && *x > 0.0));
                let s: f64 = col.iter().sum();
                assert!((s - 1.0).abs() < 1e-12, "column {c} sums to {s}");
            }
            for j in 0..r.h.ncols() {
                assert!(
                    r.h.col_as_slice(j)
                        .iter()
                        .all(|x| x.is_finite() && *x >= 0.0)
                );
            }
        }
    }

    #[test]
    fn separates_nearly_collinear_flat_profiles_that_plain_kl_mixes() {
        let (mut kl_sum, mut mv_sum) = (0.0, 0.0);
        for seed in 0..3 {
            let (w, v) = flat_cohort(10 + seed);
            let plain = NmfConfig {
                mu_warmup: 50,
                ..NmfConfig::new(3)
            };
            let a = fit(v.as_ref(), &plain, &mut rng(100 + seed)).unwrap();
            let ca = best_cosines(w.as_ref(), a.w.as_ref());
            let vol = NmfConfig {
                mu_warmup: 50,
                ..mv(3, 1.0)
            };
            let b = fit(v.as_ref(), &vol, &mut rng(100 + seed)).unwrap();
            let cb = best_cosines(w.as_ref(), b.w.as_ref());
            // Measured: the worse of the two flat profiles at cosine 0.965/0.954/0.953 with
            // plain KL and 0.963/0.978/0.965 with λ̃ = 1 (sums 2.872 and 2.906).
            kl_sum += ca[0].min(ca[1]);
            mv_sum += cb[0].min(cb[1]);
        }
        assert!(mv_sum > kl_sum + 0.02, "plain KL {kl_sum}, mvnmf {mv_sum}");
    }

    #[test]
    fn same_result_with_1_and_4_threads() {
        let (_, v) = flat_cohort(3);
        let cfg = NmfConfig {
            max_iter: 200,
            mu_warmup: 20,
            ..mv(3, 1e-2)
        };
        crate::nmf::tests::best_of_is_thread_independent(v.as_ref(), &cfg, 4, 5);
    }
}
