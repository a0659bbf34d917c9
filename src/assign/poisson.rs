//! Poisson / multinomial maximum-likelihood exposures for a fixed signature matrix.
//!
//! Counts `v` (channels) are modelled as `v_i ~ Poisson(μ_i)`, `μ = W h`, `h ≥ 0`. The
//! kernel maximised is `ℓ(h) = Σ_i v_i ln μ_i − Σ_j h_j s_j` (`s_j` = column sum of W).
//! At the maximum `Σ_j h_j s_j = Σ_i v_i`, so Poisson and multinomial log-likelihood
//! *differences* between nested supports coincide; that is what the selection uses.
//!
//! The optimiser is a projected Newton method restricted to a support (a handful of
//! signatures), with an Armijo line search on the projected path and an EM
//! (multiplicative) step as a monotone fallback. Each iteration costs O(m·p²) for m
//! channels and p signatures in the support, so hundreds of candidate fits per sample
//! stay cheap.

use statrs::function::gamma::ln_gamma;

/// Expected counts below this are floored so that a channel with counts but no mass in
/// the support gives a large finite penalty instead of `−∞`.
pub(crate) const MU_FLOOR: f64 = 1e-10;

/// Column-major dense signatures with column sums (shared, read-only).
#[derive(Debug, Clone)]
pub(crate) struct Dense {
    pub m: usize,
    pub k: usize,
    pub w: Vec<f64>,
    pub colsum: Vec<f64>,
}

impl Dense {
    /// Column `j`.
    #[inline]
    pub fn col(&self, j: usize) -> &[f64] {
        &self.w[j * self.m..(j + 1) * self.m]
    }
}

/// Reusable buffers for [`fit`] (allocation-free iterations).
#[derive(Debug, Clone)]
pub(crate) struct PoissonWorkspace {
    pub mu: Vec<f64>,
    q: Vec<f64>,
    grad: Vec<f64>,
    free: Vec<usize>,
    hess: Vec<f64>,
    dir: Vec<f64>,
    trial: Vec<f64>,
    mu_trial: Vec<f64>,
}

impl PoissonWorkspace {
    pub fn new(m: usize, k: usize) -> Self {
        Self {
            mu: vec![0.0; m],
            q: vec![0.0; m],
            grad: vec![0.0; k],
            free: Vec::with_capacity(k),
            hess: vec![0.0; k * k],
            dir: vec![0.0; k],
            trial: vec![0.0; k],
            mu_trial: vec![0.0; m],
        }
    }
}

/// Result of one likelihood fit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct FitInfo {
    /// Poisson kernel `Σ v ln μ − Σ h s` at the solution.
    pub kernel: f64,
    /// Newton/EM iterations used.
    pub iterations: usize,
    /// Whether the KKT conditions held to tolerance.
    pub converged: bool,
}

/// `μ = Σ_{j ∈ set} h_j W_j`, floored.
/// Backtracking line search: from `alpha`, up to `tries` halvings; `step` writes the
/// trial point into `ws.trial` (which starts as a copy of `h`) and returns the predicted
/// gain; the first trial whose finite log-likelihood passes `ok(trial, predicted,
/// current)` replaces `h` (and `ws.mu`, `ll`). Returns whether one did.
fn backtrack(
    (d, v, set): (&Dense, &[f64], &[usize]),
    h: &mut [f64],
    ws: &mut PoissonWorkspace,
    ll: &mut f64,
    (mut alpha, tries): (f64, usize),
    step: impl Fn(&mut PoissonWorkspace, &[f64], f64) -> f64,
    ok: impl Fn(f64, f64, f64) -> bool,
) -> bool {
    for _ in 0..tries {
        ws.trial[..].copy_from_slice(&h[..]);
        let pred = step(ws, h, alpha);
        expected(d, set, &ws.trial, &mut ws.mu_trial);
        let lt = kernel(d, v, set, &ws.trial, &ws.mu_trial);
        if lt.is_finite() && ok(lt, pred, *ll) {
            h.copy_from_slice(&ws.trial);
            std::mem::swap(&mut ws.mu, &mut ws.mu_trial);
            *ll = lt;
            return true;
        }
        alpha *= 0.5;
    }
    false
}

pub(crate) fn expected(d: &Dense, set: &[usize], h: &[f64], mu: &mut [f64]) {
    mu.fill(0.0);
    for &j in set {
        let hj = h[j];
        if hj != 0.0 {
            for (m, w) in mu.iter_mut().zip(d.col(j)) {
                *m += hj * w;
            }
        }
    }
    for m in mu.iter_mut() {
        if *m < MU_FLOOR {
            *m = MU_FLOOR;
        }
    }
}

/// Poisson kernel `Σ v_i ln μ_i − Σ_j h_j s_j` for given `μ`.
pub(crate) fn kernel(d: &Dense, v: &[f64], set: &[usize], h: &[f64], mu: &[f64]) -> f64 {
    let mut ll = 0.0;
    for (vi, mi) in v.iter().zip(mu) {
        if *vi > 0.0 {
            ll += vi * mi.ln();
        }
    }
    for &j in set {
        ll -= h[j] * d.colsum[j];
    }
    ll
}

/// Full multinomial log-likelihood `ln N! − Σ ln v_i! + Σ v_i ln(μ_i/Σμ)` of counts `v`
/// under expected counts `mu` (non-integer counts through `ln Γ(x+1)`).
pub fn multinomial_loglik(v: &[f64], mu: &[f64]) -> f64 {
    let n: f64 = v.iter().sum();
    let total: f64 = mu.iter().sum::<f64>().max(f64::MIN_POSITIVE);
    let mut ll = ln_gamma(n + 1.0);
    for (vi, mi) in v.iter().zip(mu) {
        if *vi > 0.0 {
            ll -= ln_gamma(vi + 1.0);
            ll += vi * (mi.max(MU_FLOOR) / total).ln();
        }
    }
    ll
}

/// Maximise the Poisson kernel over `h ≥ 0` with support in `set`, starting from `h`
/// (entries outside `set` are zeroed; an all-zero start becomes uniform).
pub(crate) fn fit(
    d: &Dense,
    v: &[f64],
    set: &[usize],
    h: &mut [f64],
    ws: &mut PoissonWorkspace,
    max_iter: usize,
) -> FitInfo {
    let n: f64 = v.iter().sum();
    for x in h.iter_mut() {
        if *x < 0.0 || !x.is_finite() {
            *x = 0.0;
        }
    }
    zero_outside(h, set);
    if set.is_empty() || n <= 0.0 {
        for &j in set {
            h[j] = 0.0;
        }
        expected(d, set, h, &mut ws.mu);
        return FitInfo {
            kernel: kernel(d, v, set, h, &ws.mu),
            iterations: 0,
            converged: true,
        };
    }
    let start_mass: f64 = set.iter().map(|&j| h[j]).sum();
    if start_mass <= 0.0 {
        for &j in set {
            h[j] = n / (set.len() as f64 * d.colsum[j].max(1e-12));
        }
    }
    expected(d, set, h, &mut ws.mu);
    let mut ll = kernel(d, v, set, h, &ws.mu);
    let gtol = 1e-7;
    let eps_h = 1e-9 * n.max(1.0);
    let mut converged = false;
    let mut max_pg: f64;
    let mut it = 0;
    while it < max_iter {
        it += 1;
        // gradient: W^T(v/μ) − s ; q_i = v_i/μ_i
        for ((q, vi), mi) in ws.q.iter_mut().zip(v).zip(&ws.mu) {
            *q = if *vi > 0.0 { vi / mi } else { 0.0 };
        }
        let mut kkt = true;
        max_pg = 0.0;
        ws.free.clear();
        for &j in set {
            let g = dot(d.col(j), &ws.q) - d.colsum[j];
            ws.grad[j] = g;
            if h[j] > 0.0 && h[j] <= eps_h && g <= 0.0 {
                h[j] = 0.0; // ε-active: pin at the bound
            }
            if h[j] > 0.0 || g > 0.0 {
                max_pg = max_pg.max(g.abs());
            }
            if h[j] > 0.0 {
                if g.abs() > gtol {
                    kkt = false;
                }
                ws.free.push(j);
            } else if g > 0.0 {
                if g > gtol {
                    kkt = false;
                }
                ws.free.push(j);
            }
        }
        if kkt {
            converged = true;
            expected(d, set, h, &mut ws.mu);
            ll = kernel(d, v, set, h, &ws.mu);
            break;
        }
        // Negative Hessian on the free set: Σ_i v_i W_ia W_ib / μ_i²; q_i ← v_i/μ_i².
        for (q, mi) in ws.q.iter_mut().zip(&ws.mu) {
            *q /= mi;
        }
        let p = ws.free.len();
        let maxdiag = information(d, &ws.q, &ws.free, &mut ws.hess[..p * p]);
        let ridge = 1e-10 * maxdiag + 1e-300;
        for a in 0..p {
            ws.hess[a * p + a] += ridge;
            ws.dir[a] = ws.grad[ws.free[a]];
        }
        let newton_ok = chol_solve_inplace(&mut ws.hess[..p * p], p, &mut ws.dir[..p]);
        let mut accepted = false;
        let old = ll;
        if newton_ok {
            let newton = |ws: &mut PoissonWorkspace, h: &[f64], alpha: f64| {
                let mut pred = 0.0;
                for a in 0..p {
                    let j = ws.free[a];
                    let t = (h[j] + alpha * ws.dir[a]).max(0.0);
                    pred += ws.grad[j] * (t - h[j]);
                    ws.trial[j] = t;
                }
                pred
            };
            // Armijo: the gain must reach a fraction of the predicted one
            let armijo = |lt: f64, pred: f64, ll: f64| lt >= ll + 1e-4 * pred.max(0.0) && lt > ll;
            accepted = backtrack((d, v, set), h, ws, &mut ll, (1.0, 40), newton, armijo);
        }
        if !accepted {
            // Projected gradient ascent on the free set: unlike EM it can move a zero
            // exposure whose gradient is positive, so the fit cannot stall at a
            // non-KKT point after a failed projected-Newton step.
            let gmax = ws
                .free
                .iter()
                .map(|&j| ws.grad[j].abs())
                .fold(0.0, f64::max);
            if gmax > 0.0 {
                let hmax = set
                    .iter()
                    .map(|&j| h[j])
                    .fold(0.0, f64::max)
                    .max(n / set.len() as f64);
                let gradient = |ws: &mut PoissonWorkspace, h: &[f64], alpha: f64| {
                    for k in 0..ws.free.len() {
                        let j = ws.free[k];
                        ws.trial[j] = (h[j] + alpha * ws.grad[j]).max(0.0);
                    }
                    0.0
                };
                let ascent = |lt: f64, _: f64, ll: f64| lt > ll;
                let start = (hmax / gmax, 60);
                accepted = backtrack((d, v, set), h, ws, &mut ll, start, gradient, ascent);
            }
        }
        if !accepted {
            // EM step: monotone for the Poisson kernel.
            ws.trial[..].copy_from_slice(&h[..]);
            for &j in set {
                let s = d.colsum[j].max(1e-300);
                ws.trial[j] = h[j] * (ws.grad[j] + s) / s;
            }
            expected(d, set, &ws.trial, &mut ws.mu_trial);
            let lt = kernel(d, v, set, &ws.trial, &ws.mu_trial);
            if lt.is_finite() && lt > ll {
                h.copy_from_slice(&ws.trial);
                std::mem::swap(&mut ws.mu, &mut ws.mu_trial);
                ll = lt;
            } else {
                // no ascent possible at this precision
                converged = max_pg <= 1e-5;
                break;
            }
        }
        if (ll - old).abs() <= 1e-13 * (1.0 + ll.abs()) && it > 1 {
            // stalled at machine precision
            converged = max_pg <= 1e-5;
            break;
        }
    }
    FitInfo {
        kernel: ll,
        iterations: it,
        converged,
    }
}

/// Zero the entries of `h` not listed in `set` (set is small: O(k·|set|) worst case is fine).
fn zero_outside(h: &mut [f64], set: &[usize]) {
    for (j, x) in h.iter_mut().enumerate() {
        if *x != 0.0 && !set.contains(&j) {
            *x = 0.0;
        }
    }
}

#[inline]
pub(crate) fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// Information matrix `I_ab = Σ_i q_i W_ia W_ib` of the columns `cols` (row-major
/// p×p into `out`), with `q = v/μ²` the observed information of the Poisson kernel (its
/// negative Hessian); returns the largest diagonal entry.
pub(crate) fn information(d: &Dense, q: &[f64], cols: &[usize], out: &mut [f64]) -> f64 {
    let p = cols.len();
    let mut maxdiag = 0.0f64;
    for a in 0..p {
        let ca = d.col(cols[a]);
        for b in 0..=a {
            let s = weighted_dot(q, ca, d.col(cols[b]));
            out[a * p + b] = s;
            out[b * p + a] = s;
        }
        maxdiag = maxdiag.max(out[a * p + a]);
    }
    maxdiag
}

/// `Σ_i q_i a_i b_i`.
#[inline]
fn weighted_dot(q: &[f64], a: &[f64], b: &[f64]) -> f64 {
    q.iter().zip(a).zip(b).map(|((q, a), b)| q * a * b).sum()
}

/// In-place Cholesky solve of a small dense SPD system (row-major `a`, p×p); false if
/// the matrix is not numerically positive definite.
pub(crate) fn chol_solve_inplace(a: &mut [f64], p: usize, b: &mut [f64]) -> bool {
    if !chol_factor(a, p) {
        return false;
    }
    chol_forward(a, p, b);
    for i in (0..p).rev() {
        let mut s = b[i];
        for t in i + 1..p {
            s -= a[t * p + i] * b[t];
        }
        b[i] = s / a[i * p + i];
    }
    true
}

/// In-place lower Cholesky factor `L` of a small dense SPD matrix (row-major `a`, p×p;
/// the strict upper triangle is left as is); false if not numerically positive definite.
fn chol_factor(a: &mut [f64], p: usize) -> bool {
    for i in 0..p {
        for j in 0..=i {
            let mut s = a[i * p + j];
            for t in 0..j {
                s -= a[i * p + t] * a[j * p + t];
            }
            if i == j {
                if !(s.is_finite() && s > 0.0) {
                    return false;
                }
                a[i * p + i] = s.sqrt();
            } else {
                a[i * p + j] = s / a[j * p + j];
            }
        }
    }
    true
}

/// Forward substitution `b ← L⁻¹ b` with the factor of [`chol_factor`].
fn chol_forward(l: &[f64], p: usize, b: &mut [f64]) {
    for i in 0..p {
        let mut s = b[i];
        for t in 0..i {
            s -= l[i * p + t] * b[t];
        }
        b[i] = s / l[i * p + i];
    }
}

/// A candidate whose residual information `I_cc − I_cA I_AA⁻¹ I_Ac` is at most this
/// fraction of `I_cc` lies (numerically) in the span of the fit: it is not screened.
pub(crate) const COLLINEAR_REL: f64 = 1e-9;

/// Efficient score test of adding a column to a fit whose exposures may all adjust
/// (Rao's score test with nuisance parameters). [`EfficientScore::prepare`] factors the
/// observed information of the free exposures (those > 0) of the current fit once;
/// [`EfficientScore::stat`] then costs O(m·p + p²) per candidate.
#[derive(Debug, Clone)]
pub(crate) struct EfficientScore {
    free: Vec<usize>,
    /// Lower Cholesky factor of `I_AA` (row-major, p×p).
    l: Vec<f64>,
    z: Vec<f64>,
    ok: bool,
}

impl EfficientScore {
    pub fn new(k: usize) -> Self {
        Self {
            free: Vec::with_capacity(k),
            l: vec![0.0; k * k],
            z: vec![0.0; k],
            ok: false,
        }
    }

    /// Factor the information of the exposures of `set` that are positive in `h`, with
    /// `q = v/μ²` of that fit (a ridge of 1e-10 of the largest diagonal, as in [`fit`]).
    pub fn prepare(&mut self, d: &Dense, q: &[f64], set: &[usize], h: &[f64]) {
        self.free.clear();
        self.free
            .extend(set.iter().copied().filter(|&j| h[j] > 0.0));
        let p = self.free.len();
        let maxdiag = information(d, q, &self.free, &mut self.l[..p * p]);
        let ridge = 1e-10 * maxdiag + 1e-300;
        for a in 0..p {
            self.l[a * p + a] += ridge;
        }
        self.ok = chol_factor(&mut self.l[..p * p], p);
    }

    /// `g² / (I_cc − I_cA I_AA⁻¹ I_Ac)` for column `c` at exposure 0, given `r = v/μ`
    /// and `q = v/μ²` of the prepared fit: to second order, twice the gain in the
    /// kernel of refitting every free exposure together with `c`. 0 when `g ≤ 0` (the
    /// column cannot enter) or the residual information is at most [`COLLINEAR_REL`] of
    /// `I_cc` (collinear with the fit); falls back to the plain score statistic `g²/I_cc`
    /// when the information of the fit could not be factored.
    pub fn stat(&mut self, d: &Dense, r: &[f64], q: &[f64], c: usize) -> f64 {
        let w = d.col(c);
        let g = dot(w, r) - d.colsum[c];
        let icc = weighted_dot(q, w, w);
        if !(g > 0.0 && icc > 0.0) {
            return 0.0;
        }
        let p = if self.ok { self.free.len() } else { 0 };
        for a in 0..p {
            self.z[a] = weighted_dot(q, d.col(self.free[a]), w);
        }
        chol_forward(&self.l[..p * p], p, &mut self.z[..p]);
        let resid = icc - dot(&self.z[..p], &self.z[..p]);
        if resid.is_nan() || resid <= COLLINEAR_REL * icc {
            return 0.0;
        }
        g * g / resid
    }
}

/// Score statistic of adding column `c` at exposure 0, given `r = v/μ` and `q = v/μ²`
/// of the current fit: `(g²/I, g/I)` with `g = Σ W_ic r_i − s_c`, `I = Σ W_ic² q_i`
/// (`(0, 0)` when `g ≤ 0`). `g²/I` approximates twice the likelihood gain; `g/I` is the
/// Newton step from 0.
pub(crate) fn score_stat(d: &Dense, r: &[f64], q: &[f64], c: usize) -> (f64, f64) {
    let w = d.col(c);
    let mut g = -d.colsum[c];
    let mut info = 0.0;
    for i in 0..d.m {
        g += w[i] * r[i];
        info += w[i] * w[i] * q[i];
    }
    if g <= 0.0 || info <= 0.0 {
        return (0.0, 0.0);
    }
    (g * g / info, g / info)
}

/// Best gain in the kernel from adding column `c` alone on top of expected counts `mu`
/// (other exposures held fixed): maximise `Σ v_i ln(1 + t W_ic/μ_i) − t s_c` over t ≥ 0.
/// It is a lower bound on the gain of a full refit, used to screen candidates cheaply.
pub(crate) fn gain_1d(d: &Dense, v: &[f64], mu: &[f64], c: usize) -> (f64, f64) {
    let w = d.col(c);
    let s = d.colsum[c];
    let n: f64 = v.iter().sum();
    let deriv = |t: f64| -> (f64, f64) {
        let mut f1 = -s;
        let mut f2 = 0.0;
        for i in 0..d.m {
            if v[i] > 0.0 {
                let den = mu[i] + t * w[i];
                let r = w[i] / den;
                f1 += v[i] * r;
                f2 -= v[i] * r * r;
            }
        }
        (f1, f2)
    };
    let (g0, _) = deriv(0.0);
    if g0 <= 0.0 || s <= 0.0 {
        return (0.0, 0.0);
    }
    let (mut lo, mut hi) = (0.0, n / s + 1.0);
    let mut t = 0.0;
    for _ in 0..60 {
        let (f1, f2) = deriv(t);
        if f1 > 0.0 {
            lo = t;
        } else {
            hi = t;
        }
        let mut next = if f2 < 0.0 { t - f1 / f2 } else { hi };
        if !(next > lo && next < hi) {
            next = 0.5 * (lo + hi);
        }
        if (next - t).abs() <= 1e-9 * (1.0 + t) {
            t = next;
            break;
        }
        t = next;
    }
    let mut gain = -t * s;
    for i in 0..d.m {
        if v[i] > 0.0 {
            gain += v[i] * (t * w[i] / mu[i]).ln_1p();
        }
    }
    (gain.max(0.0), t)
}

#[cfg(test)]
#[allow(clippy::needless_range_loop)]
mod tests {
    use super::*;
    use crate::rng::{Purpose, stream};
    use rand::RngExt;

    fn dense(m: usize, k: usize, seed: u32) -> Dense {
        let mut r = stream(5, Purpose::Other, seed, 0);
        let mut w = vec![0.0; m * k];
        let mut colsum = vec![0.0; k];
        for j in 0..k {
            for i in 0..m {
                w[j * m + i] = r.random::<f64>().powi(3);
            }
            let s: f64 = w[j * m..(j + 1) * m].iter().sum();
            for i in 0..m {
                w[j * m + i] /= s;
            }
            colsum[j] = 1.0;
        }
        Dense { m, k, w, colsum }
    }

    fn em_reference(d: &Dense, v: &[f64], set: &[usize], iters: usize) -> (Vec<f64>, Vec<f64>) {
        let n: f64 = v.iter().sum();
        let mut h = vec![0.0; d.k];
        for &j in set {
            h[j] = n / set.len() as f64;
        }
        let mut mu = vec![0.0; d.m];
        let mut lls = Vec::new();
        for _ in 0..iters {
            expected(d, set, &h, &mut mu);
            lls.push(kernel(d, v, set, &h, &mu));
            let mut next = h.clone();
            for &j in set {
                let g: f64 = (0..d.m).map(|i| d.col(j)[i] * v[i] / mu[i]).sum();
                next[j] = h[j] * g / d.colsum[j];
            }
            h = next;
        }
        (h, lls)
    }

    #[test]
    fn em_is_monotone_and_newton_matches_it_and_kkt() {
        let d = dense(24, 5, 1);
        let mut r = stream(5, Purpose::Other, 99, 0);
        for rep in 0..20 {
            let truth = [30.0, 0.0, 50.0 * r.random::<f64>(), 10.0, 0.0];
            let v: Vec<f64> = (0..d.m)
                .map(|i| {
                    let mu: f64 = (0..d.k).map(|j| truth[j] * d.col(j)[i]).sum();
                    (mu + (r.random::<f64>() - 0.5) * 2.0 * mu.sqrt())
                        .round()
                        .max(0.0)
                })
                .collect();
            let set = [0usize, 1, 2, 3, 4];
            let (he, lls) = em_reference(&d, &v, &set, 20000);
            for w in lls.windows(2) {
                assert!(w[1] >= w[0] - 1e-9 * w[0].abs(), "EM decreased: {w:?}");
            }
            let mut h = vec![0.0; d.k];
            let mut ws = PoissonWorkspace::new(d.m, d.k);
            let info = fit(&d, &v, &set, &mut h, &mut ws, 200);
            let le = *lls.last().unwrap();
            assert!(
                info.converged,
                "rep {rep}: {info:?} h {h:?} he {he:?} grad {:?}",
                ws.grad
            );
            assert!(
                info.kernel >= le - 1e-6,
                "rep {rep}: newton {} em {le}",
                info.kernel
            );
            assert!(info.kernel - le < 1e-3, "rep {rep}: EM far from optimum?");
            // KKT at the Newton solution
            let mut mu = vec![0.0; d.m];
            expected(&d, &set, &h, &mut mu);
            for j in 0..d.k {
                let g: f64 = (0..d.m).map(|i| d.col(j)[i] * v[i] / mu[i]).sum::<f64>() - 1.0;
                assert!(h[j] >= 0.0);
                if h[j] > 0.0 {
                    assert!(g.abs() < 1e-6, "grad {g}");
                } else {
                    assert!(g < 1e-6, "grad {g} at bound");
                }
            }
            let n: f64 = v.iter().sum();
            let sh: f64 = h.iter().sum();
            assert!((sh - n).abs() < 1e-6 * n, "Σh {sh} vs N {n}");
            for j in 0..d.k {
                assert!((h[j] - he[j]).abs() < 0.05 * n.max(1.0) / 10.0);
            }
        }
    }

    #[test]
    fn newton_agrees_with_grid_search_on_two_signatures() {
        let d = dense(8, 2, 3);
        let v = [3.0, 0.0, 7.0, 1.0, 0.0, 12.0, 2.0, 5.0];
        let n: f64 = v.iter().sum();
        let mut h = vec![0.0; 2];
        let mut ws = PoissonWorkspace::new(d.m, d.k);
        let info = fit(&d, &v, &[0, 1], &mut h, &mut ws, 200);
        // At the optimum Σh = N, so search the 1-D segment h = (a, N − a).
        let mut best = f64::NEG_INFINITY;
        let mut best_a = 0.0;
        let mut mu = vec![0.0; d.m];
        for step in 0..=200_000 {
            let a = n * step as f64 / 200_000.0;
            let hh = [a, n - a];
            expected(&d, &[0, 1], &hh, &mut mu);
            let l = kernel(&d, &v, &[0, 1], &hh, &mu);
            if l > best {
                best = l;
                best_a = a;
            }
        }
        assert!(info.kernel >= best - 1e-9);
        assert!((h[0] - best_a).abs() < 1e-3 * n, "{} vs {}", h[0], best_a);
    }

    #[test]
    fn one_dimensional_gain_is_a_lower_bound_of_the_refit_gain() {
        let d = dense(30, 6, 4);
        let v: Vec<f64> = (0..d.m)
            .map(|i| (40.0 * d.col(0)[i] + 25.0 * d.col(3)[i]) * 10.0)
            .map(f64::round)
            .collect();
        let mut ws = PoissonWorkspace::new(d.m, d.k);
        let mut h = vec![0.0; d.k];
        let base = fit(&d, &v, &[0], &mut h, &mut ws, 200).kernel;
        let mu = ws.mu.clone();
        for c in 1..d.k {
            let (g1, _) = gain_1d(&d, &v, &mu, c);
            let mut h2 = h.clone();
            let full = fit(&d, &v, &[0, c], &mut h2, &mut ws, 200).kernel - base;
            assert!(g1 <= full + 1e-6, "c {c}: 1-D {g1} > full {full}");
            assert!(g1 >= 0.0);
        }
        // the truly missing signature has by far the largest gain
        let gains: Vec<f64> = (1..d.k).map(|c| gain_1d(&d, &v, &mu, c).0).collect();
        let best = gains
            .iter()
            .enumerate()
            .max_by(|a, b| a.1.total_cmp(b.1))
            .unwrap()
            .0;
        assert_eq!(best + 1, 3);
    }

    /// `(efficient score, plain score g²/I_cc, full-refit 2·ΔlogL, efficient score by a
    /// hand-inverted 2×2 information)` of adding column 5 (cosine 0.985 with column 0)
    /// to the fit on {0, 3} of expected counts with `eps` mutations of column 5 planted.
    fn efficient_vs_refit(d: &Dense, eps: f64) -> (f64, f64, f64, f64) {
        let v: Vec<f64> = (0..d.m)
            .map(|i| 6000.0 * d.col(0)[i] + 4000.0 * d.col(3)[i] + eps * d.col(5)[i])
            .collect();
        let mut ws = PoissonWorkspace::new(d.m, d.k);
        let mut h = vec![0.0; d.k];
        let base = fit(d, &v, &[0, 3], &mut h, &mut ws, 500).kernel;
        let r: Vec<f64> = v.iter().zip(&ws.mu).map(|(v, m)| v / m).collect();
        let q: Vec<f64> = r.iter().zip(&ws.mu).map(|(r, m)| r / m).collect();
        let mut es = EfficientScore::new(d.k);
        es.prepare(d, &q, &[0, 3], &h);
        let stat = es.stat(d, &r, &q, 5);
        let plain = score_stat(d, &r, &q, 5).0;
        let mut h2 = h.clone();
        let full = 2.0 * (fit(d, &v, &[0, 3, 5], &mut h2, &mut ws, 500).kernel - base);
        // by hand: I over (0, 3, 5), Schur complement of the 2×2 block of (0, 3)
        let info = |a: usize, b: usize| -> f64 {
            (0..d.m).map(|i| q[i] * d.col(a)[i] * d.col(b)[i]).sum()
        };
        let (a, b, c) = (info(0, 0), info(0, 3), info(3, 3));
        let det = a * c - b * b;
        let (u, w) = (info(0, 5), info(3, 5));
        let quad = (c * u * u - 2.0 * b * u * w + a * w * w) / det;
        let g: f64 = (0..d.m).map(|i| d.col(5)[i] * r[i]).sum::<f64>() - d.colsum[5];
        (stat, plain, full, g * g / (info(5, 5) - quad))
    }

    #[test]
    fn efficient_score_is_the_refit_gain_to_second_order() {
        let mut d = dense(40, 6, 7);
        // no near-empty channel (the expansion is local in μ), and column 5 mostly
        // column 0 (like SBS3 with SBS5)
        let m = d.m as f64;
        for x in d.w.iter_mut() {
            *x = 0.7 * *x + 0.3 / m;
        }
        for i in 0..d.m {
            d.w[5 * d.m + i] = 0.8 * d.w[i] + 0.2 * d.w[4 * d.m + i];
        }
        let mut errors = Vec::new();
        for eps in [2000.0, 1000.0, 500.0] {
            let (stat, plain, full, by_hand) = efficient_vs_refit(&d, eps);
            assert!(full > 0.0, "eps {eps}: refit gain {full}");
            assert!(
                (stat - by_hand).abs() <= 1e-6 * by_hand,
                "eps {eps}: {stat} vs {by_hand}"
            );
            let err = (stat - full).abs() / full;
            assert!(err < 0.1, "eps {eps}: efficient {stat} vs refit {full}");
            // the plain score, which freezes the other exposures, misses most of it
            assert!(
                plain < 0.5 * full,
                "eps {eps}: plain {plain} vs refit {full}"
            );
            errors.push(err);
        }
        // second order: the relative error shrinks in proportion to the planted effect
        assert!(
            errors[1] < 0.6 * errors[0] && errors[2] < 0.6 * errors[1],
            "{errors:?}"
        );
    }

    #[test]
    fn collinear_candidates_are_not_screened() {
        let mut d = dense(20, 4, 8);
        for i in 0..d.m {
            d.w[3 * d.m + i] = d.w[i]; // column 3 = column 0
        }
        let v: Vec<f64> = (0..d.m).map(|i| 500.0 * d.col(0)[i] + 30.0).collect();
        let mut ws = PoissonWorkspace::new(d.m, d.k);
        let mut h = vec![0.0; d.k];
        fit(&d, &v, &[0], &mut h, &mut ws, 500);
        let r: Vec<f64> = v.iter().zip(&ws.mu).map(|(v, m)| v / m).collect();
        let q: Vec<f64> = r.iter().zip(&ws.mu).map(|(r, m)| r / m).collect();
        let mut es = EfficientScore::new(d.k);
        es.prepare(&d, &q, &[0], &h);
        assert_eq!(es.stat(&d, &r, &q, 3), 0.0);
        assert!(es.stat(&d, &r, &q, 1).is_finite());
    }

    #[test]
    fn multinomial_loglik_matches_direct_formula() {
        let v = [2.0, 0.0, 1.0];
        let mu = [1.0, 1.0, 2.0];
        // 3!/(2!·0!·1!) · (1/4)²·(2/4)
        let direct = (3.0f64 * 0.0625 * 0.5).ln();
        assert!((multinomial_loglik(&v, &mu) - direct).abs() < 1e-12);
    }
}
