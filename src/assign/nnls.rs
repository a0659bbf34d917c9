//! Non-negative least squares (Lawson–Hanson active set) on a precomputed Gram matrix.
//!
//! Refitting solves thousands of small problems `min ‖b − A x‖₂, x ≥ 0` against the same
//! reference `A` (channels × K). Everything here works on `G = AᵀA` (K × K) and `Aᵀb`, so
//! one Gram matrix serves every sample and every subset of columns, and a solve costs
//! O(K·p + p³) for a support of size p instead of touching the channels again.
//! The passive-set systems are solved with a small Cholesky factor that is extended by
//! one row when a column enters and refactored from the removed position when one leaves.
//! A column that is (numerically) a linear combination of the passive ones is refused
//! instead of producing a singular system, so duplicated signatures cannot panic or NaN.

use faer::{Accum, Mat, MatRef, Par, linalg::matmul::matmul};

/// Errors of the NNLS solvers.
#[derive(Debug, thiserror::Error)]
pub enum NnlsError {
    /// Shapes of the Gram matrix, right-hand side, workspace or output disagree.
    #[error("dimension mismatch: {0}")]
    Dimension(String),
    /// An input contained NaN or an infinity.
    #[error("non-finite value in NNLS input")]
    NonFinite,
    /// A column index outside `0..K` was given.
    #[error("column index {index} out of range for {k} columns")]
    Index {
        /// The offending index.
        index: usize,
        /// Number of columns.
        k: usize,
    },
}

/// Relative pivot below which a passive column is treated as linearly dependent.
const PIVOT_REL: f64 = 1e-11;

/// Reusable buffers for [`nnls_gram`]; build once per thread for a given K.
#[derive(Debug, Clone)]
pub struct NnlsWorkspace {
    k: usize,
    allowed: Vec<bool>,
    in_p: Vec<bool>,
    blocked: Vec<bool>,
    p: Vec<usize>,
    /// Row-major lower Cholesky factor of G restricted to `p` (stride k).
    l: Vec<f64>,
    y: Vec<f64>,
    s: Vec<f64>,
}

impl NnlsWorkspace {
    /// Buffers for problems with `k` columns.
    pub fn new(k: usize) -> Self {
        Self {
            k,
            allowed: vec![false; k],
            in_p: vec![false; k],
            blocked: vec![false; k],
            p: Vec::with_capacity(k),
            l: vec![0.0; k * k],
            y: vec![0.0; k],
            s: vec![0.0; k],
        }
    }

    /// Factor rows `from..p.len()` of the Cholesky factor of `G[p, p]`.
    /// Returns the position of the first dependent column, if any.
    fn factor_from(&mut self, g: MatRef<'_, f64>, from: usize) -> Option<usize> {
        let k = self.k;
        for i in from..self.p.len() {
            let pi = self.p[i];
            for j in 0..=i {
                let pj = self.p[j];
                let mut sum = g[(pi, pj)];
                for t in 0..j {
                    sum -= self.l[i * k + t] * self.l[j * k + t];
                }
                if i == j {
                    let gii = g[(pi, pi)].abs();
                    if sum.is_nan() || sum <= PIVOT_REL * gii || sum <= f64::MIN_POSITIVE {
                        return Some(i);
                    }
                    self.l[i * k + i] = sum.sqrt();
                } else {
                    self.l[i * k + j] = sum / self.l[j * k + j];
                }
            }
        }
        None
    }

    /// Solve `G[p,p] s_p = atb[p]` with the current factor; the result goes to `self.s[pos]`.
    fn solve(&mut self, atb: &[f64]) {
        let k = self.k;
        let n = self.p.len();
        for i in 0..n {
            let mut sum = atb[self.p[i]];
            for t in 0..i {
                sum -= self.l[i * k + t] * self.y[t];
            }
            self.y[i] = sum / self.l[i * k + i];
        }
        for i in (0..n).rev() {
            let mut sum = self.y[i];
            for t in i + 1..n {
                sum -= self.l[t * k + i] * self.s[t];
            }
            self.s[i] = sum / self.l[i * k + i];
        }
    }

    /// Remove the passive column at position `pos` and refactor the tail.
    fn remove_at(&mut self, g: MatRef<'_, f64>, pos: usize) {
        let j = self.p.remove(pos);
        self.in_p[j] = false;
        // A subset of a non-singular set is non-singular, so this cannot fail.
        let _ = self.factor_from(g, pos);
    }

    /// Append column `j`; returns false (and leaves the set unchanged) if it is dependent.
    fn push(&mut self, g: MatRef<'_, f64>, j: usize) -> bool {
        self.p.push(j);
        if self.factor_from(g, self.p.len() - 1).is_some() {
            self.p.pop();
            return false;
        }
        self.in_p[j] = true;
        true
    }
}

/// Outcome of one NNLS solve.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NnlsInfo {
    /// Outer iterations (columns brought into the passive set).
    pub iterations: usize,
    /// Whether the KKT conditions were met before the iteration cap.
    pub converged: bool,
}

/// Solve `min ‖b − A x‖₂` subject to `x ≥ 0` and `x_j = 0` for `j ∉ allowed`, given
/// `g = AᵀA` (K × K) and `atb = Aᵀb`.
///
/// `warm` is a guess of the support (e.g. the previous solution's support); it only
/// changes the path, not the answer. `x` (length K) receives the solution, exactly 0
/// outside the support. Duplicated or dependent columns are handled by refusing the
/// dependent one.
pub fn nnls_gram(
    g: MatRef<'_, f64>,
    atb: &[f64],
    allowed: &[usize],
    warm: &[usize],
    ws: &mut NnlsWorkspace,
    x: &mut [f64],
) -> Result<NnlsInfo, NnlsError> {
    let k = g.nrows();
    if g.ncols() != k || atb.len() != k || x.len() != k || ws.k != k {
        return Err(NnlsError::Dimension(format!(
            "gram {}x{}, atb {}, x {}, workspace {}",
            g.nrows(),
            g.ncols(),
            atb.len(),
            x.len(),
            ws.k
        )));
    }
    if atb.iter().any(|a| !a.is_finite()) {
        return Err(NnlsError::NonFinite);
    }
    ws.allowed.fill(false);
    ws.in_p.fill(false);
    ws.blocked.fill(false);
    ws.p.clear();
    x.fill(0.0);
    let mut scale = 0.0f64;
    for &j in allowed {
        if j >= k {
            return Err(NnlsError::Index { index: j, k });
        }
        if !g[(j, j)].is_finite() {
            return Err(NnlsError::NonFinite);
        }
        ws.allowed[j] = true;
        scale = scale.max(atb[j].abs()).max(g[(j, j)].abs());
    }
    if scale == 0.0 {
        return Ok(NnlsInfo {
            iterations: 0,
            converged: true,
        });
    }
    let tol = 1e-10 * scale;

    // Warm start: solve on the guessed support, dropping non-positive entries until the
    // unconstrained solution is positive; that point is feasible and starts the outer loop.
    for &j in warm {
        if j < k && ws.allowed[j] && !ws.in_p[j] && !ws.push(g, j) {
            ws.blocked[j] = true;
        }
    }
    while !ws.p.is_empty() {
        ws.solve(atb);
        let n = ws.p.len();
        let mut worst = None;
        let mut worst_val = 0.0;
        for i in 0..n {
            if ws.s[i] <= worst_val {
                worst_val = ws.s[i];
                worst = Some(i);
            }
        }
        match worst {
            None => {
                for i in 0..n {
                    x[ws.p[i]] = ws.s[i];
                }
                break;
            }
            Some(i) => ws.remove_at(g, i),
        }
    }

    let max_outer = 3 * k + 10;
    let mut iterations = 0;
    let mut converged = false;
    while iterations < max_outer {
        // Gradient of ½‖b − Ax‖² is G x − atb; w = −gradient.
        let mut best = None;
        let mut best_w = tol;
        for j in 0..k {
            if !ws.allowed[j] || ws.in_p[j] || ws.blocked[j] {
                continue;
            }
            let mut wj = atb[j];
            for &pj in &ws.p {
                wj -= g[(j, pj)] * x[pj];
            }
            if wj > best_w {
                best_w = wj;
                best = Some(j);
            }
        }
        let Some(j) = best else {
            converged = true;
            break;
        };
        iterations += 1;
        if !ws.push(g, j) {
            ws.blocked[j] = true;
            continue;
        }
        // Inner loop: move towards the unconstrained solution on P, dropping columns
        // that would turn negative.
        let mut others_removed = false;
        loop {
            ws.solve(atb);
            let n = ws.p.len();
            let mut alpha = f64::INFINITY;
            let mut blocking = usize::MAX;
            for i in 0..n {
                if ws.s[i] <= 0.0 {
                    let xi = x[ws.p[i]];
                    let a = xi / (xi - ws.s[i]).max(f64::MIN_POSITIVE);
                    if a < alpha {
                        alpha = a;
                        blocking = ws.p[i];
                    }
                }
            }
            if blocking == usize::MAX {
                for i in 0..n {
                    x[ws.p[i]] = ws.s[i];
                }
                break;
            }
            let mut xmax = 0.0f64;
            for i in 0..n {
                let pi = ws.p[i];
                x[pi] += alpha * (ws.s[i] - x[pi]);
                xmax = xmax.max(x[pi].abs());
            }
            x[blocking] = 0.0;
            // Drop the blocking column and any other that reached zero.
            let mut i = 0;
            while i < ws.p.len() {
                let pi = ws.p[i];
                if x[pi] <= 1e-14 * xmax {
                    x[pi] = 0.0;
                    ws.remove_at(g, i);
                    if pi != j {
                        others_removed = true;
                    }
                } else {
                    i += 1;
                }
            }
            if ws.p.is_empty() {
                break;
            }
        }
        if !ws.in_p[j] {
            // Entered with a positive multiplier but left at once: numerical noise.
            ws.blocked[j] = true;
        } else if others_removed {
            // A dependent column may have become independent again.
            for (b, &inp) in ws.blocked.iter_mut().zip(&ws.in_p) {
                if !inp && *b {
                    *b = false;
                }
            }
        }
    }
    Ok(NnlsInfo {
        iterations,
        converged,
    })
}

/// `‖b − A x‖₂²` from the Gram quantities (`btb = bᵀb`), clamped at 0; only the support
/// of `x` (listed in `support`) is read.
pub fn gram_sq_residual(
    g: MatRef<'_, f64>,
    atb: &[f64],
    btb: f64,
    x: &[f64],
    support: &[usize],
) -> f64 {
    let mut quad = 0.0;
    let mut lin = 0.0;
    for &i in support {
        let xi = x[i];
        if xi == 0.0 {
            continue;
        }
        lin += xi * atb[i];
        let mut row = 0.0;
        for &j in support {
            row += g[(i, j)] * x[j];
        }
        quad += xi * row;
    }
    (btb - 2.0 * lin + quad).max(0.0)
}

/// The Gram matrix `AᵀA` of a channels × K matrix (sequential product).
pub fn gram(a: MatRef<'_, f64>) -> Mat<f64> {
    let mut g = Mat::<f64>::zeros(a.ncols(), a.ncols());
    matmul(g.as_mut(), Accum::Replace, a.transpose(), a, 1.0, Par::Seq);
    g
}

/// Plain NNLS `min ‖b − A x‖₂, x ≥ 0` for one right-hand side (builds the Gram matrix;
/// use [`nnls_gram`] to reuse it).
pub fn nnls(a: MatRef<'_, f64>, b: &[f64]) -> Result<Vec<f64>, NnlsError> {
    let (m, k) = a.shape();
    if b.len() != m {
        return Err(NnlsError::Dimension(format!(
            "A is {m}x{k}, b has {}",
            b.len()
        )));
    }
    if b.iter().any(|v| !v.is_finite()) {
        return Err(NnlsError::NonFinite);
    }
    let g = gram(a);
    let mut atb = vec![0.0; k];
    for (j, out) in atb.iter_mut().enumerate() {
        let mut s = 0.0;
        for i in 0..m {
            s += a[(i, j)] * b[i];
        }
        *out = s;
    }
    let all: Vec<usize> = (0..k).collect();
    let mut ws = NnlsWorkspace::new(k);
    let mut x = vec![0.0; k];
    nnls_gram(g.as_ref(), &atb, &all, &[], &mut ws, &mut x)?;
    Ok(x)
}

#[cfg(test)]
#[allow(clippy::needless_range_loop, clippy::collapsible_if)]
mod tests {
    use super::*;
    use crate::rng::{Purpose, stream};
    use rand::RngExt;

    fn random_problem(seed: u32, m: usize, k: usize) -> (Mat<f64>, Vec<f64>) {
        let mut r = stream(11, Purpose::Other, seed, 0);
        let a = Mat::from_fn(m, k, |_, _| r.random::<f64>() - 0.3);
        let b: Vec<f64> = (0..m).map(|_| r.random::<f64>() * 2.0 - 0.8).collect();
        (a, b)
    }

    fn objective(a: MatRef<'_, f64>, b: &[f64], x: &[f64]) -> f64 {
        let mut s = 0.0;
        for i in 0..a.nrows() {
            let mut r = b[i];
            for j in 0..a.ncols() {
                r -= a[(i, j)] * x[j];
            }
            s += r * r;
        }
        s
    }

    /// Unconstrained least squares on a support via normal equations (faer Cholesky).
    fn ls_on(a: MatRef<'_, f64>, b: &[f64], sup: &[usize]) -> Option<Vec<f64>> {
        use faer::prelude::*;
        let p = sup.len();
        let g = Mat::from_fn(p, p, |i, j| {
            (0..a.nrows())
                .map(|r| a[(r, sup[i])] * a[(r, sup[j])])
                .sum::<f64>()
        });
        let rhs = Mat::from_fn(p, 1, |i, _| {
            (0..a.nrows()).map(|r| a[(r, sup[i])] * b[r]).sum::<f64>()
        });
        let llt = g.llt(faer::Side::Lower).ok()?;
        let s = llt.solve(&rhs);
        Some((0..p).map(|i| s[(i, 0)]).collect())
    }

    fn kkt(a: MatRef<'_, f64>, b: &[f64], x: &[f64], tol: f64) {
        for j in 0..a.ncols() {
            assert!(x[j] >= 0.0);
            let mut grad = 0.0;
            for i in 0..a.nrows() {
                let mut r = -b[i];
                for t in 0..a.ncols() {
                    r += a[(i, t)] * x[t];
                }
                grad += a[(i, j)] * r;
            }
            if x[j] > 0.0 {
                assert!(grad.abs() <= tol, "grad {grad} at positive x[{j}]");
            } else {
                assert!(grad >= -tol, "grad {grad} at zero x[{j}]");
            }
        }
    }

    #[test]
    fn kkt_and_brute_force_agree() {
        let (m, k) = (20, 6);
        for seed in 0..200 {
            let (a, b) = random_problem(seed, m, k);
            let x = nnls(a.as_ref(), &b).unwrap();
            kkt(a.as_ref(), &b, &x, 1e-8);
            // Brute force: best feasible unconstrained LS over all 2^k supports.
            let mut best = objective(a.as_ref(), &b, &vec![0.0; k]);
            for mask in 1u32..(1 << k) {
                let sup: Vec<usize> = (0..k).filter(|j| mask >> j & 1 == 1).collect();
                if let Some(s) = ls_on(a.as_ref(), &b, &sup) {
                    if s.iter().all(|&v| v >= 0.0) {
                        let mut full = vec![0.0; k];
                        for (i, &j) in sup.iter().enumerate() {
                            full[j] = s[i];
                        }
                        best = best.min(objective(a.as_ref(), &b, &full));
                    }
                }
            }
            let got = objective(a.as_ref(), &b, &x);
            assert!(
                (got - best).abs() <= 1e-9 * (1.0 + best),
                "seed {seed}: nnls {got} vs brute force {best}"
            );
        }
    }

    #[test]
    fn subsets_and_warm_starts_match_cold_solves() {
        let (m, k) = (30, 10);
        for seed in 0..50 {
            let (a, b) = random_problem(1000 + seed, m, k);
            let g = gram(a.as_ref());
            let atb: Vec<f64> = (0..k)
                .map(|j| (0..m).map(|i| a[(i, j)] * b[i]).sum())
                .collect();
            let btb: f64 = b.iter().map(|v| v * v).sum();
            let subset: Vec<usize> = (0..k)
                .filter(|j| !(j + seed as usize).is_multiple_of(3))
                .collect();
            let mut ws = NnlsWorkspace::new(k);
            let mut cold = vec![0.0; k];
            nnls_gram(g.as_ref(), &atb, &subset, &[], &mut ws, &mut cold).unwrap();
            let mut warm = vec![0.0; k];
            nnls_gram(g.as_ref(), &atb, &subset, &subset, &mut ws, &mut warm).unwrap();
            // Reference: plain nnls on the column subset.
            let sub = Mat::from_fn(m, subset.len(), |i, j| a[(i, subset[j])]);
            let xr = nnls(sub.as_ref(), &b).unwrap();
            for (t, &j) in subset.iter().enumerate() {
                assert!((cold[j] - xr[t]).abs() < 1e-8, "{} vs {}", cold[j], xr[t]);
                assert!((warm[j] - xr[t]).abs() < 1e-8);
            }
            for j in 0..k {
                if !subset.contains(&j) {
                    assert_eq!(cold[j], 0.0);
                }
            }
            let r2 = gram_sq_residual(g.as_ref(), &atb, btb, &cold, &subset);
            let direct = objective(a.as_ref(), &b, &cold);
            assert!((r2 - direct).abs() < 1e-9 * (1.0 + direct));
        }
    }

    #[test]
    fn collinear_columns_do_not_panic() {
        let (m, k) = (20, 5);
        let (mut a, _) = random_problem(7, m, k);
        for i in 0..m {
            a[(i, 0)] = a[(i, 0)].abs();
            a[(i, 3)] = a[(i, 0)]; // duplicate column
            a[(i, 4)] = 2.0 * a[(i, 0)]; // scaled duplicate
        }
        // b exactly in the span of column 0 with a positive weight
        let b: Vec<f64> = (0..m)
            .map(|i| 3.0 * a[(i, 0)] + 0.1 * a[(i, 1)].abs())
            .collect();
        let x = nnls(a.as_ref(), &b).unwrap();
        assert!(x.iter().all(|v| v.is_finite() && *v >= 0.0));
        kkt(a.as_ref(), &b, &x, 1e-7);
        // warm start containing all duplicates
        let g = gram(a.as_ref());
        let atb: Vec<f64> = (0..k)
            .map(|j| (0..m).map(|i| a[(i, j)] * b[i]).sum())
            .collect();
        let mut ws = NnlsWorkspace::new(k);
        let mut x2 = vec![0.0; k];
        let all: Vec<usize> = (0..k).collect();
        nnls_gram(g.as_ref(), &atb, &all, &all, &mut ws, &mut x2).unwrap();
        let o1 = objective(a.as_ref(), &b, &x);
        let o2 = objective(a.as_ref(), &b, &x2);
        assert!((o1 - o2).abs() < 1e-8 * (1.0 + o1));
        // zero columns and a zero right-hand side
        let z = Mat::<f64>::zeros(m, 3);
        assert_eq!(nnls(z.as_ref(), &b).unwrap(), vec![0.0; 3]);
        assert_eq!(nnls(a.as_ref(), &vec![0.0; m]).unwrap(), vec![0.0; k]);
    }

    #[test]
    fn bad_input_is_an_error() {
        let (a, mut b) = random_problem(3, 10, 3);
        assert!(nnls(a.as_ref(), &b[..5]).is_err());
        b[2] = f64::NAN;
        assert!(matches!(nnls(a.as_ref(), &b), Err(NnlsError::NonFinite)));
    }
}
