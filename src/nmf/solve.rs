//! The update rules and the iteration loop, working in a preallocated workspace.

use std::{array, iter};

use faer::linalg::matmul::matmul;
use faer::{Accum, Mat, MatMut, MatRef};

use super::simd::{self, LANES, V8};
use super::{INNER_PAR, Method, NmfConfig, Objective, TINY, normalize_columns};

/// Model values below this are treated as this in ratios `v / x` (as scikit-learn does), so
/// a zero model value where v > 0 gives a large but finite ratio instead of inf/NaN.
const EPS_X: f64 = f64::EPSILON;

/// Newton steps per variable and sweep in KL coordinate descent (one, as in Hsieh & Dhillon's
/// CCD). Measured: 2 or 3 steps per visit reach no lower objective per sweep, at 2–3× the cost.
const CD_NEWTON_STEPS: usize = 1;

/// `dst = w·h` with faer's matmul, sequential ([`INNER_PAR`]): every product in `nmf`
/// goes through here.
pub(super) fn product(dst: MatMut<'_, f64>, w: MatRef<'_, f64>, h: MatRef<'_, f64>) {
    matmul(dst, Accum::Replace, w, h, 1.0, INNER_PAR);
}

/// Divergence between V and a model X (same shape), column by column in a fixed order
/// (eight lanes per column, see [`simd`]).
pub(super) fn divergence(v: MatRef<'_, f64>, x: MatRef<'_, f64>, obj: Objective) -> f64 {
    divergence_isa(v, x, None, obj, simd::Isa::Best)
}

/// [`divergence`] on a chosen instruction set (tests compare them), optionally with
/// [`ln_floor`] of v precomputed (same bits, half the work).
pub(super) fn divergence_isa(
    v: MatRef<'_, f64>,
    x: MatRef<'_, f64>,
    lnv: Option<MatRef<'_, f64>>,
    obj: Objective,
    isa: simd::Isa,
) -> f64 {
    let (vc, xc, lc);
    let v = if v.row_stride() == 1 {
        v
    } else {
        vc = v.to_owned();
        vc.as_ref()
    };
    let x = if x.row_stride() == 1 {
        x
    } else {
        xc = x.to_owned();
        xc.as_ref()
    };
    let lnv = match lnv {
        Some(l) if l.row_stride() != 1 => {
            lc = l.to_owned();
            Some(lc.as_ref())
        }
        l => l,
    };
    simd::dispatch(Divergence { v, x, lnv, obj }, isa)
}

/// `ln(max(v, smallest normal))` element-wise, as the KL divergence uses it (precomputed
/// once per fit: it halves the cost of each objective evaluation).
/// `v` must be column-major with contiguous columns (as the engine's copy of V is).
pub(super) fn ln_floor(v: MatRef<'_, f64>, isa: simd::Isa) -> Mat<f64> {
    let mut out = Mat::<f64>::zeros(v.nrows(), v.ncols());
    simd::dispatch(LnFloor { v, out: &mut out }, isa);
    out
}

struct LnFloor<'a> {
    v: MatRef<'a, f64>,
    out: &'a mut Mat<f64>,
}

impl simd::Kernel for LnFloor<'_> {
    type Out = ();

    #[inline(always)]
    fn run<S: V8>(self) {
        // No closure here: it would not inherit the target feature of the SIMD path, and
        // the intrinsics in `simd::ln` could then not be inlined into it.
        let tiny = S::splat(f64::MIN_POSITIVE);
        for j in 0..self.v.ncols() {
            let (vc, vtail) = col(self.v, j).as_chunks::<LANES>();
            let (oc, otail) = self.out.col_as_slice_mut(j).as_chunks_mut::<LANES>();
            for (vi, oi) in vc.iter().zip(oc) {
                *oi = simd::ln(S::load(vi).max(tiny)).to_array();
            }
            if !vtail.is_empty() {
                // Tail padded with 1 (any positive value would do: its lanes are dropped).
                let y = simd::ln(S::load_padded(vtail, 1.0).max(tiny)).to_array();
                otail.copy_from_slice(&y[..otail.len()]);
            }
        }
    }
}

/// A column of a matrix whose rows are contiguous (checked by the caller).
#[inline(always)]
fn col(a: MatRef<'_, f64>, j: usize) -> &[f64] {
    a.col(j)
        .try_as_col_major()
        .expect("column-major matrix")
        .as_slice()
}

struct Divergence<'a> {
    v: MatRef<'a, f64>,
    x: MatRef<'a, f64>,
    /// [`ln_floor`] of v, when precomputed (KL only); identical bits to computing it here.
    lnv: Option<MatRef<'a, f64>>,
    obj: Objective,
}

/// KL: `v·(ln v − ln x) − v + x` with both logarithms' arguments floored at the smallest
/// normal double (a zero v gives `0·finite = 0`: `0·ln 0 = 0` needs no branch); `lv` is
/// `ln max(v, tiny)`, or `None` to compute it here. Frobenius: `½(v − x)²`.
#[inline(always)]
fn divergence_term<S: V8>(obj: Objective, v: S, x: S, lv: Option<S>) -> S {
    match obj {
        Objective::KullbackLeibler => {
            let tiny = S::splat(f64::MIN_POSITIVE);
            let lx = simd::ln(x.max(tiny));
            // (`match`, not a closure, which would not inherit the SIMD target feature.)
            let lv = match lv {
                Some(lv) => lv,
                None => simd::ln(v.max(tiny)),
            };
            v.mul(lv.sub(lx)).sub(v).add(x)
        }
        Objective::Frobenius => {
            let d = v.sub(x);
            S::splat(0.5).mul(d).mul(d)
        }
    }
}

impl simd::Kernel for Divergence<'_> {
    type Out = f64;

    #[inline(always)]
    fn run<S: V8>(self) -> f64 {
        let mut total = 0.0;
        let has_lnv = self.lnv.is_some();
        for j in 0..self.v.ncols() {
            let (vc, vtail) = col(self.v, j).as_chunks::<LANES>();
            let (xc, xtail) = col(self.x, j).as_chunks::<LANES>();
            // Without ln v precomputed, x stands in for it and is never read as such.
            let (lc, ltail) = col(self.lnv.unwrap_or(self.x), j).as_chunks::<LANES>();
            debug_assert!(vc.len() == xc.len() && vc.len() == lc.len());
            let mut acc = S::splat(0.0);
            for ((a, b), l) in vc.iter().zip(xc).zip(lc) {
                let lv = if has_lnv { Some(S::load(l)) } else { None };
                acc = acc.add(divergence_term(self.obj, S::load(a), S::load(b), lv));
            }
            if !vtail.is_empty() {
                // Tail padded with v = x = 0 (and ln v = 0), whose term is exactly 0.
                let (a, b) = (S::load_padded(vtail, 0.0), S::load_padded(xtail, 0.0));
                let lv = if has_lnv {
                    Some(S::load_padded(ltail, 0.0))
                } else {
                    None
                };
                acc = acc.add(divergence_term(self.obj, a, b, lv));
            }
            total += simd::reduce(acc.to_array());
        }
        total
    }
}

/// Which factor an update changes.
#[derive(Clone, Copy)]
enum Side {
    W,
    H,
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
    /// [`ln_floor`] of V (KL objectives only, otherwise empty).
    lnv: Mat<f64>,
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
        let vc = v.to_owned();
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
            lnv: if matches!(method, Method::CdKl | Method::MuKl) {
                ln_floor(vc.as_ref(), simd::Isa::Best)
            } else {
                z(0, 0)
            },
            vc,
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
        let obj = self.objective_kind();
        let lnv = (obj == Objective::KullbackLeibler).then(|| self.lnv.as_ref());
        let mut d = divergence_isa(self.vc.as_ref(), self.x.as_ref(), lnv, obj, simd::Isa::Best);
        if self.lam > 0.0 {
            row_sums(self.h.as_ref(), &mut self.ksum);
            for r in 0..self.w.ncols() {
                let c: f64 = self.w.col_as_slice(r).iter().sum();
                d += self.lam * c * self.ksum[r];
            }
        }
        d
    }

    /// Iterates with extrapolation (Ang & Gillis, Neural Computation 2019). Once an
    /// iteration lowers the objective by less than [`EXTRAP_START`], each accepted step is
    /// continued `β` further (clipped at 0). The extrapolated point is kept only if its
    /// objective is no higher than the accepted one (else it is dropped and β shrinks:
    /// β/1.5, cap β̄ ← β); after a kept one β ← min(1.05β, β̄), β̄ ← min(1.01β̄, 1), with
    /// β₀ = 0.5 (the paper's values). A step that raises the objective is undone. Accepted
    /// iterates therefore decrease monotonically; the last one is returned. Costs up to two
    /// objective evaluations per iteration (cheap next to a sweep for k ≥ 10, see `simd`).
    pub(super) fn run_extrapolated(&mut self, cfg: &NmfConfig) -> (usize, bool, f64) {
        let mut w_acc = self.w.clone();
        let mut h_acc = self.h.clone();
        let mut f_acc = self.value();
        let mut prev = f_acc;
        let (mut beta, mut beta_bar) = (0.5f64, 1.0f64);
        let mut it = 0;
        let mut converged = false;
        let mut started = false;
        while it < cfg.max_iter {
            self.step();
            it += 1;
            let f = self.value();
            // Accept a step that did not raise the objective (coordinate descent's Newton
            // steps are not guaranteed monotone), then extrapolate from it along
            // (new − accepted) and keep the extrapolated point only if it is no worse, so no
            // sweep is spent on a bad one.
            let kept = if f <= f_acc {
                if !started && f_acc - f < EXTRAP_START * f_acc {
                    started = true;
                }
                f_acc = f;
                let b = if started { beta } else { 0.0 };
                extrapolate(&mut self.w, &mut w_acc, b);
                extrapolate(&mut self.h, &mut h_acc, b);
                !started || self.value() <= f_acc
            } else {
                false
            };
            if !kept {
                self.w.as_mut().copy_from(w_acc.as_ref());
                self.h.as_mut().copy_from(h_acc.as_ref());
                beta_bar = beta;
                beta /= 1.5;
            } else if started {
                beta = (1.05 * beta).min(beta_bar);
                beta_bar = (1.01 * beta_bar).min(1.0);
            }
            if it % cfg.check_every == 0 {
                if stops(cfg, it, prev, f_acc) {
                    converged = true;
                    break;
                }
                prev = f_acc;
            }
        }
        self.w = w_acc;
        self.h = h_acc;
        (it, converged, f_acc)
    }

    /// Iterates until the stopping rule; returns (iterations, converged, final objective).
    pub(super) fn run(&mut self, cfg: &NmfConfig) -> (usize, bool, f64) {
        if cfg.extrapolate && matches!(self.method, Method::CdKl | Method::Hals) {
            return self.run_extrapolated(cfg);
        }
        let mut prev = self.value();
        let mut last = (0, prev);
        let mut it = 0;
        while it < cfg.max_iter {
            self.step();
            it += 1;
            if it % cfg.check_every == 0 {
                let cur = self.value();
                last = (it, cur);
                if stops(cfg, it, prev, cur) {
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
        self.update(Side::W);
        if self.lam > 0.0 {
            normalize_columns(&mut self.w, &mut self.h);
        }
        self.update(Side::H);
    }

    /// Updates one factor by the method's rule.
    fn update(&mut self, side: Side) {
        match (self.method, side) {
            (Method::Orthogonal, Side::H) => self.orthogonal_h(),
            (Method::MuKl, _) => self.mu_kl(side),
            (Method::MuFro | Method::Orthogonal, _) => self.mu_fro(side),
            (Method::Hals, _) => self.hals(side),
            (Method::CdKl, _) => self.cd_kl(side),
            (Method::MinVolumeKl, _) => {
                unreachable!("minimum-volume fits run in nmf::volume, not in the engine")
            }
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

    /// `ksum ← scale ·` the length-k sums of the factor held fixed while `side` is updated
    /// (the row sums of H for W, the column sums of W for H).
    fn fixed_sums(&mut self, side: Side, scale: f64) {
        match side {
            Side::W => row_sums(self.h.as_ref(), &mut self.ksum),
            Side::H => col_sums(self.w.as_ref(), &mut self.ksum),
        }
        self.ksum.iter_mut().for_each(|s| *s *= scale);
    }

    /// `gram ←` the Gram matrix of the factor held fixed while `side` is updated (HHᵀ for
    /// W, WᵀW for H).
    fn fixed_gram(&mut self, side: Side) {
        let (w, h) = (self.w.as_ref(), self.h.as_ref());
        match side {
            Side::W => product(self.gram.as_mut(), h, h.transpose()),
            Side::H => product(self.gram.as_mut(), w.transpose(), w),
        }
    }

    /// KL MU: `W ← W ⊙ [(V⊘WH)Hᵀ] / [(1+λ)·rowsum(H)]`,
    /// `H ← H ⊙ [Wᵀ(V⊘WH)] / [(1+λ)·colsum(W)]`.
    fn mu_kl(&mut self, side: Side) {
        self.ratio();
        let x = self.x.as_ref();
        match side {
            Side::W => product(self.num_w.as_mut(), x, self.h.transpose()),
            Side::H => product(self.num_h.as_mut(), self.w.transpose(), x),
        }
        self.fixed_sums(side, 1.0 + self.lam);
        self.mu_apply(side, false);
    }

    /// Frobenius MU: `W ← W ⊙ VHᵀ / [W(HHᵀ) + λ·rowsum(H)]`,
    /// `H ← H ⊙ WᵀV / [(WᵀW)H + λ·colsum(W)]`.
    fn mu_fro(&mut self, side: Side) {
        self.fixed_gram(side);
        let (w, h, gram) = (self.w.as_ref(), self.h.as_ref(), self.gram.as_ref());
        match side {
            Side::W => {
                product(self.num_w.as_mut(), self.v, h.transpose());
                product(self.den_w.as_mut(), w, gram);
            }
            Side::H => {
                product(self.num_h.as_mut(), w.transpose(), self.v);
                product(self.den_h.as_mut(), gram, h);
            }
        }
        self.fixed_sums(side, self.lam);
        self.mu_apply(side, true);
    }

    /// The multiplicative update of `side` from its numerator and (when `with_den`)
    /// denominator buffers and the penalties `ksum`:
    /// `F ← F ⊙ num ⊘ max(den + ksum_r, TINY)`, r the rank index (W's column, H's row).
    fn mu_apply(&mut self, side: Side, with_den: bool) {
        let (f, num, den) = match side {
            Side::W => (&mut self.w, &self.num_w, &self.den_w),
            Side::H => (&mut self.h, &self.num_h, &self.den_h),
        };
        let pen = &self.ksum;
        for j in 0..f.ncols() {
            let (fj, nj) = (f.col_as_slice_mut(j), num.col_as_slice(j));
            let dj = if with_den { den.col_as_slice(j) } else { &[] };
            match side {
                Side::W => mu_scale(fj, nj, dj, iter::repeat(pen[j])),
                Side::H => mu_scale(fj, nj, dj, pen.iter().copied()),
            }
        }
    }

    /// Ding et al. (2006) orthogonal rule: `H ← H ⊙ sqrt( WᵀV / (WᵀV Hᵀ H) )`.
    fn orthogonal_h(&mut self) {
        let w = self.w.as_ref();
        product(self.num_h.as_mut(), w.transpose(), self.v);
        product(self.gram.as_mut(), self.num_h.as_ref(), self.h.transpose());
        product(self.den_h.as_mut(), self.gram.as_ref(), self.h.as_ref());
        for j in 0..self.h.ncols() {
            let num = self.num_h.col_as_slice(j);
            let den = self.den_h.col_as_slice(j);
            for ((hr, nr), dr) in self.h.col_as_slice_mut(j).iter_mut().zip(num).zip(den) {
                *hr *= (nr / dr.max(TINY)).sqrt();
            }
        }
    }

    /// HALS (Cichocki & Phan 2009): for each r in turn (Gauss–Seidel),
    /// `w_r ← max(0, w_r + (A_r − W B_r − λ‖h_r‖₁)/B_rr)` with A = VHᵀ, B = HHᵀ; H is
    /// updated likewise on Hᵀ (A = VᵀW, B = WᵀW), so every update runs over a contiguous
    /// column.
    fn hals(&mut self, side: Side) {
        self.fixed_gram(side);
        let (w, h) = (self.w.as_ref(), self.h.as_ref());
        match side {
            Side::W => product(self.num_w.as_mut(), self.v, h.transpose()),
            Side::H => {
                product(self.ct.as_mut(), self.v.transpose(), w);
                transpose_into(h, &mut self.ht);
            }
        }
        self.fixed_sums(side, 1.0);
        let (f, a, scratch) = match side {
            Side::W => (&mut self.w, self.num_w.as_ref(), &mut self.mvec),
            Side::H => (&mut self.ht, self.ct.as_ref(), &mut self.nvec),
        };
        hals_sweep(f, a, self.gram.as_ref(), &self.ksum, self.lam, scratch);
        if let Side::H = side {
            transpose_into(self.ht.as_ref(), &mut self.h);
        }
    }

    /// KL coordinate descent: for W one channel (row of V) at a time, on Vᵀ, (WH)ᵀ and Wᵀ
    /// so that every inner loop runs over contiguous memory; for H one sample (column of
    /// V) at a time.
    fn cd_kl(&mut self, side: Side) {
        match side {
            Side::W => {
                transpose_into(self.h.as_ref(), &mut self.ht);
                transpose_into(self.w.as_ref(), &mut self.wt);
                product(self.xt.as_mut(), self.ht.as_ref(), self.wt.as_ref());
            }
            Side::H => product(self.x.as_mut(), self.w.as_ref(), self.h.as_ref()),
        }
        self.fixed_sums(side, 1.0 + self.lam);
        let (v, x, a, vals) = match side {
            Side::W => (&self.vt, &mut self.xt, &self.ht, &mut self.wt),
            Side::H => (&self.vc, &mut self.x, &self.w, &mut self.h),
        };
        let (lin, steps) = (&self.ksum, self.newton_steps);
        CdSweep {
            v,
            x,
            a,
            lin,
            vals,
            steps,
        }
        .sweep(simd::Isa::Best);
        if let Side::W = side {
            transpose_into(self.wt.as_ref(), &mut self.w);
        }
    }
}

/// One coordinate-descent sweep: for each column c of `v`, the k variables `vals[:, c]` are
/// updated in turn, variable r having the column `a[:, r]` and linear term `lin[r]`, while
/// `x[:, c]` tracks the model column.
pub(super) struct CdSweep<'a> {
    pub(super) v: &'a Mat<f64>,
    pub(super) x: &'a mut Mat<f64>,
    pub(super) a: &'a Mat<f64>,
    pub(super) lin: &'a [f64],
    pub(super) vals: &'a mut Mat<f64>,
    pub(super) steps: usize,
}

impl CdSweep<'_> {
    /// Runs the sweep on `isa` (`Best`, the widest SIMD the CPU has, but in tests, which
    /// compare them): identical bits on every path (see [`simd`]).
    pub(super) fn sweep(self, isa: simd::Isa) {
        simd::dispatch(self, isa)
    }
}

impl simd::Kernel for CdSweep<'_> {
    type Out = ();

    /// Columns are independent subproblems: they are swept four at a time with their
    /// arithmetic interleaved, which hides the latency of each coordinate's chain
    /// (sums → Newton step → model update → next sums). Every column gets exactly the
    /// operations it would get alone.
    #[inline(always)]
    fn run<S: V8>(self) {
        const B: usize = 4;
        let v: Vec<&[f64]> = (0..self.v.ncols())
            .map(|j| self.v.col_as_slice(j))
            .collect();
        let mut x = columns_mut(self.x);
        let mut h = columns_mut(self.vals);
        let (v4, v1) = v.as_chunks::<B>();
        let (x4, x1) = x.as_chunks_mut::<B>();
        let (h4, h1) = h.as_chunks_mut::<B>();
        for ((v, x), h) in v4.iter().zip(x4).zip(h4) {
            cd_block::<S, B>(v, x, h, self.a, self.lin, self.steps);
        }
        for ((v, x), h) in v1.iter().zip(x1).zip(h1) {
            let (v, x, h) = (array::from_ref(v), array::from_mut(x), array::from_mut(h));
            cd_block::<S, 1>(v, x, h, self.a, self.lin, self.steps);
        }
    }
}

/// The columns of `a` as disjoint mutable slices, borrowed from `a`.
fn columns_mut(a: &mut Mat<f64>) -> Vec<&mut [f64]> {
    a.col_iter_mut()
        .map(|c| {
            c.try_as_col_major_mut()
                .expect("column-major")
                .as_slice_mut()
        })
        .collect()
}

/// Coordinate descent on one block of `B` columns (see [`CdSweep`]).
#[inline(always)]
fn cd_block<S: V8, const B: usize>(
    vs: &[&[f64]; B],
    xs: &mut [&mut [f64]; B],
    hs: &mut [&mut [f64]; B],
    a: &Mat<f64>,
    lin: &[f64],
    steps: usize,
) {
    let chunks = a.nrows() / LANES;
    let vc = simd::Columns::new(*vs, chunks);
    for r in 0..a.ncols() {
        let ar = a.col_as_slice(r);
        let (ac, atail) = (simd::Columns::new([ar], chunks), &ar[chunks * LANES..]);
        for _ in 0..steps {
            let mut s1 = [S::splat(0.0); B];
            let mut s2 = [S::splat(0.0); B];
            let xc = simd::Columns::<B>::new(array::from_fn(|b| &*xs[b]), chunks);
            for i in 0..vc.len() {
                let av = ac.load::<S>(0, i);
                for b in 0..B {
                    let (vv, xv) = (vc.load::<S>(b, i), xc.load::<S>(b, i));
                    (s1[b], s2[b]) = grad_hess_step(s1[b], s2[b], vv, xv, av);
                }
            }
            if !atail.is_empty() {
                // Tail padded with v = a = 0, x = 1: those lanes add exactly +0.
                let split = chunks * LANES;
                let av = S::load_padded(atail, 0.0);
                for b in 0..B {
                    let vv = S::load_padded(&vs[b][split..], 0.0);
                    let xv = S::load_padded(&xs[b][split..], 1.0);
                    (s1[b], s2[b]) = grad_hess_step(s1[b], s2[b], vv, xv, av);
                }
            }
            for b in 0..B {
                let (g1, g2) = (
                    simd::reduce(s1[b].to_array()),
                    simd::reduce(s2[b].to_array()),
                );
                newton_apply(vs[b], xs[b], ar, lin[r], &mut hs[b][r], g1, g2);
            }
        }
    }
}

/// The stopping rule, checked every `check_every` iterations: the objective `cur` reached
/// the target, or (from `min_iter` on) fell by less than `tol` relative to `prev`.
pub(super) fn stops(cfg: &NmfConfig, it: usize, prev: f64, cur: f64) -> bool {
    let rel = (prev - cur) / prev.abs().max(TINY);
    let reached = cfg.target.is_some_and(|t| cur <= t);
    reached || (it >= cfg.min_iter && rel < cfg.tol)
}

/// `f ← f ⊙ num ⊘ max(den + pen, TINY)` element-wise, an empty `den` meaning zeros.
#[inline(always)]
fn mu_scale(f: &mut [f64], num: &[f64], den: &[f64], pen: impl Iterator<Item = f64>) {
    let fnp = f.iter_mut().zip(num).zip(pen);
    if den.is_empty() {
        fnp.for_each(|((fi, ni), p)| *fi *= ni / p.max(TINY));
    } else {
        for (((fi, ni), p), d) in fnp.zip(den) {
            *fi *= ni / (d + p).max(TINY);
        }
    }
}

/// Extrapolation starts once one iteration lowers the objective by less than this fraction:
/// earlier, far from a minimum, extrapolated steps were mostly rejected (measured on the
/// `sklearn_nmf.py` cases: starting at 1e-2 or 3e-2 reached each objective in the fewest
/// sweeps; from the first iteration it was slower than no extrapolation at all).
const EXTRAP_START: f64 = 1e-2;

/// `cur ← max(0, cur + β (cur − acc))` and `acc ← cur` (the pre-extrapolation value).
fn extrapolate(cur: &mut Mat<f64>, acc: &mut Mat<f64>, beta: f64) {
    for j in 0..cur.ncols() {
        let a = acc.col_as_slice_mut(j);
        for (c, p) in cur.col_as_slice_mut(j).iter_mut().zip(a.iter_mut()) {
            let new = *c;
            *c = (new + beta * (new - *p)).max(0.0);
            *p = new;
        }
    }
}

/// `dst ← srcᵀ` (shapes already match).
fn transpose_into(src: MatRef<'_, f64>, dst: &mut Mat<f64>) {
    dst.as_mut().copy_from(src.transpose());
}

fn row_sums(a: MatRef<'_, f64>, out: &mut [f64]) {
    out.iter_mut().for_each(|x| *x = 0.0);
    for j in 0..a.ncols() {
        for (o, r) in out.iter_mut().zip(col(a, j)) {
            *o += r;
        }
    }
}

fn col_sums(a: MatRef<'_, f64>, out: &mut [f64]) {
    for (j, o) in out.iter_mut().enumerate() {
        *o = col(a, j).iter().sum();
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

/// Adds `a·v/x` to `s1` and `a²·v/x²` to `s2`, x floored at [`EPS_X`].
#[inline(always)]
fn grad_hess_step<S: V8>(s1: S, s2: S, v: S, x: S, a: S) -> (S, S) {
    let inv = S::splat(1.0).div(x.max(S::splat(EPS_X)));
    let aq = a.mul(v).mul(inv);
    (s1.add(aq), s2.add(aq.mul(a).mul(inv)))
}

/// One projected Newton step on one variable `val` of a KL subproblem
/// `min_{val ≥ 0} Σ_j −v_j ln x_j + lin·val` where `x = x_rest + val·a` is kept up to date
/// in `x` (Hsieh & Dhillon 2011). A step that would zero a variable which is the only
/// support of some `v_j > 0` (making the objective infinite) is halved instead.
#[inline(always)]
fn newton_apply(v: &[f64], x: &mut [f64], a: &[f64], lin: f64, val: &mut f64, s1: f64, s2: f64) {
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
