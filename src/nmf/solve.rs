//! The update rules and the iteration loop, working in a preallocated workspace.

use faer::linalg::matmul::matmul;
use faer::{Accum, Mat, MatMut, MatRef, Par};

use super::{Method, NmfConfig, Objective, TINY, normalize_columns};

/// Model values below this are treated as this in ratios `v / x` (as scikit-learn does), so
/// a zero model value where v > 0 gives a large but finite ratio instead of inf/NaN.
const EPS_X: f64 = f64::EPSILON;

/// Newton steps per variable and sweep in KL coordinate descent (one, as in Hsieh & Dhillon's
/// CCD; more steps per visit were not measured).
const CD_NEWTON_STEPS: usize = 1;

/// `dst = w·h` with sequential faer matmul (parallelism is across fits, never inside one).
pub(super) fn product(dst: MatMut<'_, f64>, w: MatRef<'_, f64>, h: MatRef<'_, f64>) {
    matmul(dst, Accum::Replace, w, h, 1.0, Par::Seq);
}

/// Divergence between V and a model X (same shape), summed column by column in a fixed order.
pub(super) fn divergence(v: MatRef<'_, f64>, x: MatRef<'_, f64>, obj: Objective) -> f64 {
    let mut total = 0.0;
    for j in 0..v.ncols() {
        let mut s = 0.0;
        for i in 0..v.nrows() {
            let (a, b) = (v[(i, j)], x[(i, j)]);
            s += match obj {
                Objective::KullbackLeibler => {
                    if a > 0.0 {
                        a * (a / b.max(f64::MIN_POSITIVE)).ln() - a + b
                    } else {
                        b
                    }
                }
                Objective::Frobenius => 0.5 * (a - b) * (a - b),
            };
        }
        total += s;
    }
    total
}

/// One factorization in progress: data, factors and every buffer the updates need.
pub(super) struct Engine<'a> {
    v: MatRef<'a, f64>,
    w: Mat<f64>,
    h: Mat<f64>,
    method: Method,
    lam: f64,
    pub(super) newton_steps: usize,
    /// m × n: W·H, or V ⊘ (W·H) in place.
    x: Mat<f64>,
    /// m × k numerator (MU) / VHᵀ (HALS).
    num_w: Mat<f64>,
    /// m × k denominator W·(HHᵀ) (Frobenius MU).
    den_w: Mat<f64>,
    /// k × n numerator (MU).
    num_h: Mat<f64>,
    /// k × n denominator (Frobenius MU, orthogonal).
    den_h: Mat<f64>,
    /// k × k Gram matrices.
    gram: Mat<f64>,
    /// n × k: Hᵀ (HALS, CD).
    ht: Mat<f64>,
    /// k × m: Wᵀ (CD).
    wt: Mat<f64>,
    /// n × k: VᵀW (HALS).
    ct: Mat<f64>,
    /// Contiguous copy of V, and of Vᵀ (CD only, otherwise empty).
    vc: Mat<f64>,
    vt: Mat<f64>,
    /// n × m: (W·H)ᵀ (CD only).
    xt: Mat<f64>,
    /// Length-k sums, length-m and length-n scratch vectors.
    ksum: Vec<f64>,
    mvec: Vec<f64>,
    nvec: Vec<f64>,
}

impl<'a> Engine<'a> {
    /// Allocates everything once; shapes of `w` and `h` must already be checked.
    pub(super) fn new(
        v: MatRef<'a, f64>,
        w: Mat<f64>,
        h: Mat<f64>,
        method: Method,
        lam: f64,
    ) -> Self {
        let (m, n) = v.shape();
        let k = w.ncols();
        let z = |r: usize, c: usize| Mat::<f64>::zeros(r, c);
        let cd = method == Method::CdKl;
        let hals = method == Method::Hals;
        let fro_mu = matches!(method, Method::MuFro | Method::Orthogonal);
        Engine {
            v,
            method,
            lam,
            newton_steps: CD_NEWTON_STEPS,
            x: z(m, n),
            num_w: z(m, k),
            den_w: if fro_mu { z(m, k) } else { z(0, 0) },
            num_h: if cd || hals { z(0, 0) } else { z(k, n) },
            den_h: if fro_mu { z(k, n) } else { z(0, 0) },
            gram: z(k, k),
            ht: if cd || hals { z(n, k) } else { z(0, 0) },
            wt: if cd { z(k, m) } else { z(0, 0) },
            ct: if hals { z(n, k) } else { z(0, 0) },
            vc: v.to_owned(),
            vt: if cd {
                v.transpose().to_owned()
            } else {
                z(0, 0)
            },
            xt: if cd { z(n, m) } else { z(0, 0) },
            ksum: vec![0.0; k],
            mvec: vec![0.0; m],
            nvec: vec![0.0; n],
            w,
            h,
        }
    }

    /// The factors (not normalized).
    pub(super) fn into_factors(self) -> (Mat<f64>, Mat<f64>) {
        (self.w, self.h)
    }

    fn objective_kind(&self) -> Objective {
        match self.method {
            Method::MuKl | Method::CdKl => Objective::KullbackLeibler,
            _ => Objective::Frobenius,
        }
    }

    /// The minimized objective: divergence plus `λ Σ_r ‖w_r‖₁‖h_r‖₁`.
    pub(super) fn value(&mut self) -> f64 {
        product(self.x.as_mut(), self.w.as_ref(), self.h.as_ref());
        let mut d = divergence(self.v, self.x.as_ref(), self.objective_kind());
        if self.lam > 0.0 {
            row_sums(self.h.as_ref(), &mut self.ksum);
            for r in 0..self.w.ncols() {
                let c: f64 = self.w.col_as_slice(r).iter().sum();
                d += self.lam * c * self.ksum[r];
            }
        }
        d
    }

    /// Iterates until the stopping rule; returns (iterations, converged, final objective).
    pub(super) fn run(&mut self, cfg: &NmfConfig) -> (usize, bool, f64) {
        let mut prev = self.value();
        let mut last = (0, prev);
        let mut it = 0;
        while it < cfg.max_iter {
            self.step();
            it += 1;
            if it % cfg.check_every == 0 {
                let cur = self.value();
                last = (it, cur);
                let rel = (prev - cur) / prev.abs().max(TINY);
                let reached = cfg.target.is_some_and(|t| cur <= t);
                if reached || (it >= cfg.min_iter && rel < cfg.tol) {
                    return (it, true, cur);
                }
                prev = cur;
            }
        }
        let obj = if last.0 == it { last.1 } else { self.value() };
        (it, false, obj)
    }

    /// One iteration: update W, then H (with W's columns renormalized in between when the
    /// L1 penalty is on; this leaves W·H and the penalized objective unchanged).
    pub(super) fn step(&mut self) {
        match self.method {
            Method::MuKl => self.mu_kl_w(),
            Method::MuFro | Method::Orthogonal => self.mu_fro_w(),
            Method::Hals => self.hals_w(),
            Method::CdKl => self.cd_kl_w(),
        }
        if self.lam > 0.0 {
            normalize_columns(&mut self.w, &mut self.h);
        }
        match self.method {
            Method::MuKl => self.mu_kl_h(),
            Method::MuFro => self.mu_fro_h(),
            Method::Orthogonal => self.orthogonal_h(),
            Method::Hals => self.hals_h(),
            Method::CdKl => self.cd_kl_h(),
        }
    }

    /// `x ← V ⊘ (W·H)` in place.
    fn ratio(&mut self) {
        product(self.x.as_mut(), self.w.as_ref(), self.h.as_ref());
        for j in 0..self.vc.ncols() {
            let vj = self.vc.col_as_slice(j);
            for (xi, vi) in self.x.col_as_slice_mut(j).iter_mut().zip(vj) {
                *xi = vi / xi.max(EPS_X);
            }
        }
    }

    /// KL MU for W: `W ← W ⊙ [(V⊘WH)Hᵀ] / [(1+λ)·rowsum(H)]`.
    fn mu_kl_w(&mut self) {
        self.ratio();
        matmul(
            self.num_w.as_mut(),
            Accum::Replace,
            self.x.as_ref(),
            self.h.transpose(),
            1.0,
            Par::Seq,
        );
        row_sums(self.h.as_ref(), &mut self.ksum);
        for r in 0..self.w.ncols() {
            let den = ((1.0 + self.lam) * self.ksum[r]).max(TINY);
            let num = self.num_w.col_as_slice(r);
            for (wi, ni) in self.w.col_as_slice_mut(r).iter_mut().zip(num) {
                *wi *= ni / den;
            }
        }
    }

    /// KL MU for H: `H ← H ⊙ [Wᵀ(V⊘WH)] / [(1+λ)·colsum(W)]`.
    fn mu_kl_h(&mut self) {
        self.ratio();
        matmul(
            self.num_h.as_mut(),
            Accum::Replace,
            self.w.transpose(),
            self.x.as_ref(),
            1.0,
            Par::Seq,
        );
        col_sums(self.w.as_ref(), &mut self.ksum);
        for d in self.ksum.iter_mut() {
            *d = ((1.0 + self.lam) * *d).max(TINY);
        }
        for j in 0..self.h.ncols() {
            let num = self.num_h.col_as_slice(j);
            for ((hr, nr), d) in self
                .h
                .col_as_slice_mut(j)
                .iter_mut()
                .zip(num)
                .zip(&self.ksum)
            {
                *hr *= nr / d;
            }
        }
    }

    /// Frobenius MU for W: `W ← W ⊙ VHᵀ / [W(HHᵀ) + λ·rowsum(H)]`.
    fn mu_fro_w(&mut self) {
        let h = self.h.as_ref();
        matmul(
            self.num_w.as_mut(),
            Accum::Replace,
            self.v,
            h.transpose(),
            1.0,
            Par::Seq,
        );
        matmul(
            self.gram.as_mut(),
            Accum::Replace,
            h,
            h.transpose(),
            1.0,
            Par::Seq,
        );
        matmul(
            self.den_w.as_mut(),
            Accum::Replace,
            self.w.as_ref(),
            self.gram.as_ref(),
            1.0,
            Par::Seq,
        );
        row_sums(h, &mut self.ksum);
        for r in 0..self.w.ncols() {
            let pen = self.lam * self.ksum[r];
            let num = self.num_w.col_as_slice(r);
            let den = self.den_w.col_as_slice(r);
            for ((wi, ni), di) in self.w.col_as_slice_mut(r).iter_mut().zip(num).zip(den) {
                *wi *= ni / (di + pen).max(TINY);
            }
        }
    }

    /// Frobenius MU for H: `H ← H ⊙ WᵀV / [(WᵀW)H + λ·colsum(W)]`.
    fn mu_fro_h(&mut self) {
        let w = self.w.as_ref();
        matmul(
            self.num_h.as_mut(),
            Accum::Replace,
            w.transpose(),
            self.v,
            1.0,
            Par::Seq,
        );
        matmul(
            self.gram.as_mut(),
            Accum::Replace,
            w.transpose(),
            w,
            1.0,
            Par::Seq,
        );
        matmul(
            self.den_h.as_mut(),
            Accum::Replace,
            self.gram.as_ref(),
            self.h.as_ref(),
            1.0,
            Par::Seq,
        );
        col_sums(w, &mut self.ksum);
        for j in 0..self.h.ncols() {
            let num = self.num_h.col_as_slice(j);
            let den = self.den_h.col_as_slice(j);
            for (((hr, nr), dr), c) in self
                .h
                .col_as_slice_mut(j)
                .iter_mut()
                .zip(num)
                .zip(den)
                .zip(&self.ksum)
            {
                *hr *= nr / (dr + self.lam * c).max(TINY);
            }
        }
    }

    /// Ding et al. (2006) orthogonal rule: `H ← H ⊙ sqrt( WᵀV / (WᵀV Hᵀ H) )`.
    fn orthogonal_h(&mut self) {
        let w = self.w.as_ref();
        matmul(
            self.num_h.as_mut(),
            Accum::Replace,
            w.transpose(),
            self.v,
            1.0,
            Par::Seq,
        );
        matmul(
            self.gram.as_mut(),
            Accum::Replace,
            self.num_h.as_ref(),
            self.h.transpose(),
            1.0,
            Par::Seq,
        );
        matmul(
            self.den_h.as_mut(),
            Accum::Replace,
            self.gram.as_ref(),
            self.h.as_ref(),
            1.0,
            Par::Seq,
        );
        for j in 0..self.h.ncols() {
            let num = self.num_h.col_as_slice(j);
            let den = self.den_h.col_as_slice(j);
            for ((hr, nr), dr) in self.h.col_as_slice_mut(j).iter_mut().zip(num).zip(den) {
                *hr *= (nr / dr.max(TINY)).sqrt();
            }
        }
    }

    /// HALS for W: for each r, `w_r ← max(0, w_r + (A_r − W B_r − λ‖h_r‖₁)/B_rr)` with
    /// A = VHᵀ, B = HHᵀ (Cichocki & Phan 2009), columns updated in turn (Gauss–Seidel).
    fn hals_w(&mut self) {
        let h = self.h.as_ref();
        matmul(
            self.num_w.as_mut(),
            Accum::Replace,
            self.v,
            h.transpose(),
            1.0,
            Par::Seq,
        );
        matmul(
            self.gram.as_mut(),
            Accum::Replace,
            h,
            h.transpose(),
            1.0,
            Par::Seq,
        );
        row_sums(h, &mut self.ksum);
        hals_sweep(
            &mut self.w,
            self.num_w.as_ref(),
            self.gram.as_ref(),
            &self.ksum,
            self.lam,
            &mut self.mvec,
        );
    }

    /// HALS for H, done on Hᵀ so every update runs over a contiguous column.
    fn hals_h(&mut self) {
        let w = self.w.as_ref();
        matmul(
            self.ct.as_mut(),
            Accum::Replace,
            self.v.transpose(),
            w,
            1.0,
            Par::Seq,
        );
        matmul(
            self.gram.as_mut(),
            Accum::Replace,
            w.transpose(),
            w,
            1.0,
            Par::Seq,
        );
        col_sums(w, &mut self.ksum);
        transpose_into(self.h.as_ref(), &mut self.ht);
        hals_sweep(
            &mut self.ht,
            self.ct.as_ref(),
            self.gram.as_ref(),
            &self.ksum,
            self.lam,
            &mut self.nvec,
        );
        transpose_into(self.ht.as_ref(), &mut self.h);
    }

    /// KL coordinate descent for W, one channel (row of V) at a time, on Vᵀ, (WH)ᵀ and Wᵀ
    /// so that every inner loop runs over contiguous memory.
    fn cd_kl_w(&mut self) {
        transpose_into(self.h.as_ref(), &mut self.ht);
        transpose_into(self.w.as_ref(), &mut self.wt);
        matmul(
            self.xt.as_mut(),
            Accum::Replace,
            self.ht.as_ref(),
            self.wt.as_ref(),
            1.0,
            Par::Seq,
        );
        row_sums(self.h.as_ref(), &mut self.ksum);
        self.ksum.iter_mut().for_each(|s| *s *= 1.0 + self.lam);
        cd_sweep(
            &self.vt,
            &mut self.xt,
            &self.ht,
            &self.ksum,
            &mut self.wt,
            self.newton_steps,
        );
        transpose_into(self.wt.as_ref(), &mut self.w);
    }

    /// KL coordinate descent for H, one sample (column of V) at a time.
    fn cd_kl_h(&mut self) {
        product(self.x.as_mut(), self.w.as_ref(), self.h.as_ref());
        col_sums(self.w.as_ref(), &mut self.ksum);
        self.ksum.iter_mut().for_each(|s| *s *= 1.0 + self.lam);
        cd_sweep(
            &self.vc,
            &mut self.x,
            &self.w,
            &self.ksum,
            &mut self.h,
            self.newton_steps,
        );
    }
}

/// One coordinate-descent sweep: for each column c of `v`, the k variables `vals[:, c]` are
/// updated in turn, variable r having the column `a[:, r]` and linear term `lin[r]`, while
/// `x[:, c]` tracks the model column. Runs the widest SIMD the CPU has; the arithmetic
/// order is fixed by `grad_hess`, so every path gives identical bits.
fn cd_sweep(
    v: &Mat<f64>,
    x: &mut Mat<f64>,
    a: &Mat<f64>,
    lin: &[f64],
    vals: &mut Mat<f64>,
    steps: usize,
) {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx512f") {
            // SAFETY: the CPU supports AVX-512F (checked just above).
            return unsafe { cd_sweep_avx512(v, x, a, lin, vals, steps) };
        }
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU supports AVX2 (checked just above).
            return unsafe { cd_sweep_avx2(v, x, a, lin, vals, steps) };
        }
    }
    cd_sweep_body(v, x, a, lin, vals, steps)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
fn cd_sweep_avx512(
    v: &Mat<f64>,
    x: &mut Mat<f64>,
    a: &Mat<f64>,
    lin: &[f64],
    vals: &mut Mat<f64>,
    steps: usize,
) {
    cd_sweep_body(v, x, a, lin, vals, steps)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn cd_sweep_avx2(
    v: &Mat<f64>,
    x: &mut Mat<f64>,
    a: &Mat<f64>,
    lin: &[f64],
    vals: &mut Mat<f64>,
    steps: usize,
) {
    cd_sweep_body(v, x, a, lin, vals, steps)
}

#[inline(always)]
fn cd_sweep_body(
    v: &Mat<f64>,
    x: &mut Mat<f64>,
    a: &Mat<f64>,
    lin: &[f64],
    vals: &mut Mat<f64>,
    steps: usize,
) {
    for c in 0..v.ncols() {
        let vc = v.col_as_slice(c);
        let xc = x.col_as_slice_mut(c);
        let hc = vals.col_as_slice_mut(c);
        for (r, val) in hc.iter_mut().enumerate() {
            let ar = a.col_as_slice(r);
            for _ in 0..steps {
                newton_coordinate(vc, xc, ar, lin[r], val);
            }
        }
    }
}

/// `dst ← srcᵀ` (shapes already match).
fn transpose_into(src: MatRef<'_, f64>, dst: &mut Mat<f64>) {
    for j in 0..src.ncols() {
        for i in 0..src.nrows() {
            dst[(j, i)] = src[(i, j)];
        }
    }
}

fn row_sums(a: MatRef<'_, f64>, out: &mut [f64]) {
    out.iter_mut().for_each(|x| *x = 0.0);
    for j in 0..a.ncols() {
        for (o, r) in out.iter_mut().zip(0..a.nrows()) {
            *o += a[(r, j)];
        }
    }
}

fn col_sums(a: MatRef<'_, f64>, out: &mut [f64]) {
    for (j, o) in out.iter_mut().enumerate() {
        *o = a.col(j).iter().sum();
    }
}

/// One HALS pass over the columns of `f` (m × k, or Hᵀ: n × k):
/// `f_r ← max(0, f_r + (A_r − F G_r − λ·s_r)/G_rr)`.
fn hals_sweep(
    f: &mut Mat<f64>,
    a: MatRef<'_, f64>,
    g: MatRef<'_, f64>,
    s: &[f64],
    lam: f64,
    t: &mut [f64],
) {
    let k = f.ncols();
    for r in 0..k {
        let grr = g[(r, r)];
        if grr <= TINY {
            continue;
        }
        t.iter_mut().for_each(|x| *x = 0.0);
        for q in 0..k {
            let gq = g[(q, r)];
            if gq != 0.0 {
                for (ti, fi) in t.iter_mut().zip(f.col_as_slice(q)) {
                    *ti += fi * gq;
                }
            }
        }
        let pen = lam * s[r];
        let inv = 1.0 / grr;
        let ar = a.col(r);
        for (i, fi) in f.col_as_slice_mut(r).iter_mut().enumerate() {
            *fi = (*fi + (ar[i] - t[i] - pen) * inv).max(0.0);
        }
    }
}

/// `(Σ a v/x, Σ a² v/x²)` over one column, with 8 independent accumulators so the loop
/// vectorizes and the summation order is fixed (identical on every CPU).
#[inline(always)]
fn grad_hess(v: &[f64], x: &[f64], a: &[f64]) -> (f64, f64) {
    const L: usize = 8;
    let mut s1 = [0.0f64; L];
    let mut s2 = [0.0f64; L];
    let n = v.len();
    let split = n - n % L;
    for ((vc, xc), ac) in v[..split]
        .chunks_exact(L)
        .zip(x[..split].chunks_exact(L))
        .zip(a[..split].chunks_exact(L))
    {
        for l in 0..L {
            let inv = 1.0 / xc[l].max(EPS_X);
            let aq = ac[l] * vc[l] * inv;
            s1[l] += aq;
            s2[l] += aq * ac[l] * inv;
        }
    }
    for l in 0..n - split {
        let (vi, xi, ai) = (v[split + l], x[split + l], a[split + l]);
        let inv = 1.0 / xi.max(EPS_X);
        let aq = ai * vi * inv;
        s1[l] += aq;
        s2[l] += aq * ai * inv;
    }
    let sum = |s: [f64; L]| ((s[0] + s[4]) + (s[1] + s[5])) + ((s[2] + s[6]) + (s[3] + s[7]));
    (sum(s1), sum(s2))
}

/// One projected Newton step on one variable `val` of a KL subproblem
/// `min_{val ≥ 0} Σ_j −v_j ln x_j + lin·val` where `x = x_rest + val·a` is kept up to date
/// in `x` (Hsieh & Dhillon 2011). A step that would zero a variable which is the only
/// support of some `v_j > 0` (making the objective infinite) is halved instead.
#[inline(always)]
fn newton_coordinate(v: &[f64], x: &mut [f64], a: &[f64], lin: f64, val: &mut f64) {
    let (s1, s2) = grad_hess(v, x, a);
    let g = lin - s1;
    let old = *val;
    let mut new = if s2 > 0.0 {
        (old - g / s2).max(0.0)
    } else if g > 0.0 {
        0.0
    } else {
        old
    };
    if !new.is_finite() {
        new = if g > 0.0 { 0.0 } else { old };
    }
    if new == 0.0 && old > 0.0 {
        // Would some v_j > 0 lose (almost) all of its model mass?
        let starved = v
            .iter()
            .zip(x.iter())
            .zip(a)
            .any(|((&vj, &xj), &aj)| vj > 0.0 && aj > 0.0 && xj - old * aj <= 1e-3 * xj);
        if starved {
            new = 0.5 * old;
        }
    }
    let s = new - old;
    if s != 0.0 {
        for (xj, aj) in x.iter_mut().zip(a) {
            *xj = (*xj + s * aj).max(0.0);
        }
        *val = new;
    }
}
