//! Eight-lane f64 kernels with runtime dispatch (AVX-512F, AVX2, or portable code).
//!
//! LLVM does not vectorize floating-point reductions (that would reorder the additions), so
//! the hot sums of the KL solvers are written over an explicit vector of eight lanes. Every
//! path performs the same IEEE operations in the same order on each lane (Rust never
//! contracts `a·b + c` into a fused multiply-add), so the results are bit-identical on every
//! CPU: reproducibility does not depend on the machine's instruction set.
//!
//! This is the only module of the crate with `unsafe` code: the intrinsics, and the calls
//! into the `#[target_feature]` functions. Loads and stores take whole `[f64; LANES]` arrays
//! (the callers split columns with [`slice::as_chunks`]), so they cannot go out of bounds,
//! and an instruction set is used only through a token that exists after runtime detection.

/// Lanes per vector; element `i` of a slice always lands in lane `i % LANES`.
pub(super) const LANES: usize = 8;

/// The operations the kernels need, on eight f64 lanes.
///
/// The x86 implementations are private to this module and instantiated only by the
/// `run` methods of `Avx2Token` / `Avx512Token`, that is after the CPU was found to
/// support their instruction set: that is what makes their safe methods sound.
pub(super) trait V8: Copy {
    fn splat(x: f64) -> Self;
    /// Lane `l` is `a[l]`.
    fn load(a: &[f64; LANES]) -> Self;
    /// The first `tail.len()` (≤ `LANES`) lanes from `tail`, the others `pad`.
    #[inline(always)]
    fn load_padded(tail: &[f64], pad: f64) -> Self {
        let mut buf = [pad; LANES];
        buf[..tail.len()].copy_from_slice(tail);
        Self::load(&buf)
    }
    fn add(self, o: Self) -> Self;
    fn sub(self, o: Self) -> Self;
    fn mul(self, o: Self) -> Self;
    fn div(self, o: Self) -> Self;
    fn max(self, o: Self) -> Self;
    /// `(mantissa in [1, 2), unbiased exponent)` of positive normal numbers.
    fn frexp(self) -> (Self, Self);
    /// Lane-wise `if self > t { a } else { b }`.
    fn select_gt(self, t: Self, a: Self, b: Self) -> Self;
    fn to_array(self) -> [f64; LANES];
}

/// `B` columns cut to the same number of whole vectors, for a loop over `0..len()` that
/// reads vector `i` of every column: with one length for all of them the compiler can
/// unroll the loop over the columns and keep the vectors in registers (indexing `B`
/// separate slices kept it from doing so, with a bounds check on every load).
#[derive(Clone, Copy)]
pub(super) struct Columns<'a, const B: usize> {
    cols: [&'a [[f64; LANES]]; B],
    len: usize,
}

impl<'a, const B: usize> Columns<'a, B> {
    /// The first `len` whole vectors of each column; panics if a column is shorter.
    #[inline(always)]
    pub(super) fn new(cols: [&'a [f64]; B], len: usize) -> Self {
        let cols = cols.map(|c| &c.as_chunks::<LANES>().0[..len]);
        Columns { cols, len }
    }

    /// Vectors per column.
    #[inline(always)]
    pub(super) fn len(&self) -> usize {
        self.len
    }

    /// Vector `i` of column `b`.
    #[inline(always)]
    pub(super) fn load<S: V8>(&self, b: usize, i: usize) -> S {
        S::load(&self.cols[b][i])
    }
}

/// Sums eight lanes in a fixed tree order.
#[inline(always)]
pub(super) fn reduce(s: [f64; LANES]) -> f64 {
    ((s[0] + s[4]) + (s[1] + s[5])) + ((s[2] + s[6]) + (s[3] + s[7]))
}

/// Portable implementation (also the reference the SIMD paths must match bit for bit).
#[derive(Clone, Copy)]
pub(super) struct Portable([f64; LANES]);

impl Portable {
    #[inline(always)]
    fn map2(self, o: Self, f: impl Fn(f64, f64) -> f64) -> Self {
        Portable(std::array::from_fn(|l| f(self.0[l], o.0[l])))
    }
}

const MANTISSA: u64 = 0x000f_ffff_ffff_ffff;
/// 2⁵² + 1023: `bits(2⁵² + e) − this` is the unbiased exponent e − 1023, exactly.
#[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
const TWO52_PLUS_BIAS: f64 = (1u64 << 52) as f64 + 1023.0;
const ONE_BITS: u64 = 0x3ff0_0000_0000_0000;

impl V8 for Portable {
    #[inline(always)]
    fn splat(x: f64) -> Self {
        Portable([x; LANES])
    }
    #[inline(always)]
    fn load(a: &[f64; LANES]) -> Self {
        Portable(*a)
    }
    #[inline(always)]
    fn add(self, o: Self) -> Self {
        self.map2(o, |a, b| a + b)
    }
    #[inline(always)]
    fn sub(self, o: Self) -> Self {
        self.map2(o, |a, b| a - b)
    }
    #[inline(always)]
    fn mul(self, o: Self) -> Self {
        self.map2(o, |a, b| a * b)
    }
    #[inline(always)]
    fn div(self, o: Self) -> Self {
        self.map2(o, |a, b| a / b)
    }
    #[inline(always)]
    fn max(self, o: Self) -> Self {
        self.map2(o, f64::max)
    }
    #[inline(always)]
    fn frexp(self) -> (Self, Self) {
        let m = self
            .0
            .map(|x| f64::from_bits((x.to_bits() & MANTISSA) | ONE_BITS));
        let e = self
            .0
            .map(|x| ((x.to_bits() >> 52) & 0x7ff) as f64 - 1023.0);
        (Portable(m), Portable(e))
    }
    #[inline(always)]
    fn select_gt(self, t: Self, a: Self, b: Self) -> Self {
        Portable(std::array::from_fn(|l| {
            if self.0[l] > t.0[l] { a.0[l] } else { b.0[l] }
        }))
    }
    #[inline(always)]
    fn to_array(self) -> [f64; LANES] {
        self.0
    }
}

#[cfg(target_arch = "x86_64")]
mod x86 {
    use super::{LANES, MANTISSA, ONE_BITS, TWO52_PLUS_BIAS, V8};
    use std::arch::x86_64::*;

    /// The binary lane-wise operations of [`V8`]: one intrinsic per register, written out
    /// (a closure here would not be inlined into the target-feature function).
    macro_rules! lanewise {
        (Avx512: $($name:ident $f:ident),+) => {$(
            #[inline(always)]
            fn $name(self, o: Self) -> Self {
                Avx512(unsafe { $f(self.0, o.0) })
            }
        )+};
        (Avx2: $($name:ident $f:ident),+) => {$(
            #[inline(always)]
            fn $name(self, o: Self) -> Self {
                unsafe { Avx2($f(self.0, o.0), $f(self.1, o.1)) }
            }
        )+};
    }

    /// AVX-512F: one 512-bit register.
    #[derive(Clone, Copy)]
    pub(super) struct Avx512(__m512d);

    // SAFETY (all blocks below): these types are private to `simd`, which instantiates
    // `Kernel::run` with them only inside functions compiled with the matching target
    // feature, called with a token proving runtime detection (see `Avx512Token::run`,
    // `Avx2Token::run`). Pointers come from references to whole `[f64; LANES]` arrays.
    impl V8 for Avx512 {
        #[inline(always)]
        fn splat(x: f64) -> Self {
            Avx512(unsafe { _mm512_set1_pd(x) })
        }
        #[inline(always)]
        fn load(a: &[f64; LANES]) -> Self {
            Avx512(unsafe { _mm512_loadu_pd(a.as_ptr()) })
        }
        // vmaxpd returns the second operand when either is NaN, f64::max the non-NaN one;
        // inputs here are never NaN.
        lanewise! { Avx512: add _mm512_add_pd, sub _mm512_sub_pd, mul _mm512_mul_pd,
        div _mm512_div_pd, max _mm512_max_pd }
        #[inline(always)]
        fn frexp(self) -> (Self, Self) {
            unsafe {
                let bits = _mm512_castpd_si512(self.0);
                let m = _mm512_or_si512(
                    _mm512_and_si512(bits, _mm512_set1_epi64(MANTISSA as i64)),
                    _mm512_set1_epi64(ONE_BITS as i64),
                );
                (Avx512(_mm512_castsi512_pd(m)), Avx512(exponent512(bits)))
            }
        }
        #[inline(always)]
        fn select_gt(self, t: Self, a: Self, b: Self) -> Self {
            unsafe {
                let k = _mm512_cmp_pd_mask::<_CMP_GT_OQ>(self.0, t.0);
                Avx512(_mm512_mask_blend_pd(k, b.0, a.0))
            }
        }
        #[inline(always)]
        fn to_array(self) -> [f64; LANES] {
            let mut out = [0.0; LANES];
            unsafe { _mm512_storeu_pd(out.as_mut_ptr(), self.0) };
            out
        }
    }

    /// Unbiased exponent as f64: `((bits >> 52) & 0x7ff) − 1023`, converted exactly with
    /// the 2⁵² trick (no AVX-512DQ needed).
    #[inline(always)]
    unsafe fn exponent512(bits: __m512i) -> __m512d {
        unsafe {
            let e = _mm512_and_si512(_mm512_srli_epi64::<52>(bits), _mm512_set1_epi64(0x7ff));
            let magic =
                _mm512_castsi512_pd(_mm512_or_si512(e, _mm512_set1_epi64(0x4330_0000_0000_0000)));
            _mm512_sub_pd(magic, _mm512_set1_pd(TWO52_PLUS_BIAS))
        }
    }

    /// AVX2: two 256-bit registers (lanes 0–3 and 4–7).
    #[derive(Clone, Copy)]
    pub(super) struct Avx2(__m256d, __m256d);

    #[inline(always)]
    unsafe fn frexp256(x: __m256d) -> (__m256d, __m256d) {
        unsafe {
            let bits = _mm256_castpd_si256(x);
            let m = _mm256_or_si256(
                _mm256_and_si256(bits, _mm256_set1_epi64x(MANTISSA as i64)),
                _mm256_set1_epi64x(ONE_BITS as i64),
            );
            let e = _mm256_and_si256(_mm256_srli_epi64::<52>(bits), _mm256_set1_epi64x(0x7ff));
            let magic = _mm256_castsi256_pd(_mm256_or_si256(
                e,
                _mm256_set1_epi64x(0x4330_0000_0000_0000),
            ));
            let e = _mm256_sub_pd(magic, _mm256_set1_pd(TWO52_PLUS_BIAS));
            (_mm256_castsi256_pd(m), e)
        }
    }

    impl V8 for Avx2 {
        #[inline(always)]
        fn splat(x: f64) -> Self {
            let r = unsafe { _mm256_set1_pd(x) };
            Avx2(r, r)
        }
        #[inline(always)]
        fn load(a: &[f64; LANES]) -> Self {
            let (lo, hi) = a.split_at(4);
            unsafe { Avx2(_mm256_loadu_pd(lo.as_ptr()), _mm256_loadu_pd(hi.as_ptr())) }
        }
        lanewise! { Avx2: add _mm256_add_pd, sub _mm256_sub_pd, mul _mm256_mul_pd,
        div _mm256_div_pd, max _mm256_max_pd }
        #[inline(always)]
        fn frexp(self) -> (Self, Self) {
            unsafe {
                let (m0, e0) = frexp256(self.0);
                let (m1, e1) = frexp256(self.1);
                (Avx2(m0, m1), Avx2(e0, e1))
            }
        }
        #[inline(always)]
        fn select_gt(self, t: Self, a: Self, b: Self) -> Self {
            unsafe {
                let k0 = _mm256_cmp_pd::<_CMP_GT_OQ>(self.0, t.0);
                let k1 = _mm256_cmp_pd::<_CMP_GT_OQ>(self.1, t.1);
                Avx2(
                    _mm256_blendv_pd(b.0, a.0, k0),
                    _mm256_blendv_pd(b.1, a.1, k1),
                )
            }
        }
        #[inline(always)]
        fn to_array(self) -> [f64; LANES] {
            let mut out = [0.0; LANES];
            let (lo, hi) = out.split_at_mut(4);
            unsafe {
                _mm256_storeu_pd(lo.as_mut_ptr(), self.0);
                _mm256_storeu_pd(hi.as_mut_ptr(), self.1);
            }
            out
        }
    }
}

/// A kernel generic over the lane implementation; [`dispatch`] picks the widest one.
pub(super) trait Kernel {
    type Out;
    fn run<S: V8>(self) -> Self::Out;
}

/// Which implementation [`dispatch`] uses (tests force the portable one to compare).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Isa {
    Best,
    #[cfg_attr(not(test), allow(dead_code))]
    Portable,
    /// AVX2 even where AVX-512 exists (falls back to portable code without AVX2).
    #[cfg_attr(not(test), allow(dead_code))]
    Avx2,
}

/// Runs `k` with the widest instruction set this CPU supports (or the one `isa` forces).
#[inline]
pub(super) fn dispatch<K: Kernel>(k: K, isa: Isa) -> K::Out {
    #[cfg(target_arch = "x86_64")]
    {
        if isa == Isa::Best
            && let Some(avx512) = Avx512Token::detect()
        {
            return avx512.run(k);
        }
        if isa != Isa::Portable
            && let Some(avx2) = Avx2Token::detect()
        {
            return avx2.run(k);
        }
    }
    let _ = isa;
    k.run::<Portable>()
}

/// Defines `$token`, a proof that this CPU supports `$feature` (only its `detect` makes
/// one), whose `run` runs a kernel on the vectors `$lanes` in a function compiled for it.
#[cfg(target_arch = "x86_64")]
macro_rules! feature_token {
    ($token:ident, $feature:tt, $entry:ident, $lanes:ty) => {
        #[doc = concat!("Proof that this CPU supports ", $feature, ": only `detect` makes one.")]
        #[derive(Clone, Copy)]
        struct $token(());

        impl $token {
            fn detect() -> Option<Self> {
                std::arch::is_x86_feature_detected!($feature).then_some($token(()))
            }

            #[inline]
            fn run<K: Kernel>(self, k: K) -> K::Out {
                // SAFETY: `self` exists, so `detect` found the feature on this CPU.
                unsafe { $entry(self, k) }
            }
        }

        #[target_feature(enable = $feature)]
        fn $entry<K: Kernel>(_proof: $token, k: K) -> K::Out {
            k.run::<$lanes>()
        }
    };
}

#[cfg(target_arch = "x86_64")]
feature_token!(Avx512Token, "avx512f", run_avx512, x86::Avx512);
#[cfg(target_arch = "x86_64")]
feature_token!(Avx2Token, "avx2", run_avx2, x86::Avx2);

// fdlibm's e_log.c coefficients (|error of the polynomial| < 2^-58.45).
const LG1: f64 = 6.666_666_666_666_735e-1;
const LG2: f64 = 3.999_999_999_940_942e-1;
const LG3: f64 = 2.857_142_874_366_239e-1;
const LG4: f64 = 2.222_219_843_214_978_4e-1;
const LG5: f64 = 1.818_357_216_161_805e-1;
const LG6: f64 = 1.531_383_769_920_937_3e-1;
const LG7: f64 = 1.479_819_860_511_658_6e-1;
const LN2_HI: f64 = 6.931_471_803_691_238e-1;
const LN2_LO: f64 = 1.908_214_929_270_587_7e-10;

/// Natural logarithm of positive, normal, finite lanes (fdlibm's algorithm, < 1 ulp).
#[inline(always)]
pub(super) fn ln<S: V8>(x: S) -> S {
    let (m, e) = x.frexp();
    // Bring the mantissa into [√2/2, √2) so that |s| ≤ 0.1716 below.
    let sqrt2 = S::splat(std::f64::consts::SQRT_2);
    let half = S::splat(0.5);
    let m2 = m.select_gt(sqrt2, m.mul(half), m);
    let k = m.select_gt(sqrt2, e.add(S::splat(1.0)), e);
    let f = m2.sub(S::splat(1.0));
    let s = f.div(S::splat(2.0).add(f));
    let z = s.mul(s);
    let w = z.mul(z);
    let t1 = w.mul(S::splat(LG2).add(w.mul(S::splat(LG4).add(w.mul(S::splat(LG6))))));
    let t2 = z.mul(
        S::splat(LG1).add(w.mul(S::splat(LG3).add(w.mul(S::splat(LG5).add(w.mul(S::splat(LG7))))))),
    );
    let r = t2.add(t1);
    let hfsq = half.mul(f).mul(f);
    let lo = s.mul(hfsq.add(r)).add(k.mul(S::splat(LN2_LO)));
    k.mul(S::splat(LN2_HI)).sub(hfsq.sub(lo).sub(f))
}

#[cfg(test)]
mod tests {
    use super::*;

    struct LnAll<'a>(&'a [f64]);

    impl Kernel for LnAll<'_> {
        type Out = Vec<f64>;
        #[inline(always)]
        fn run<S: V8>(self) -> Vec<f64> {
            let mut out = Vec::with_capacity(self.0.len());
            for c in self.0.chunks(LANES) {
                let y = ln(S::load_padded(c, 1.0)).to_array();
                out.extend_from_slice(&y[..c.len()]);
            }
            out
        }
    }

    #[test]
    fn ln_is_within_an_ulp_of_std_and_identical_on_every_path() {
        let mut xs = vec![
            1.0,
            2.0,
            0.5,
            std::f64::consts::E,
            f64::MIN_POSITIVE,
            f64::MAX,
        ];
        let mut u = 0x9e37_79b9_7f4a_7c15u64;
        for _ in 0..20_000 {
            u ^= u << 13;
            u ^= u >> 7;
            u ^= u << 17;
            let t = (u >> 11) as f64 / (1u64 << 53) as f64;
            xs.push(10f64.powf(-300.0 + 600.0 * t));
            xs.push(1.0 + (t - 0.5) * 1e-3);
            xs.push(t * 4.0 + 1e-9);
        }
        let best = dispatch(LnAll(&xs), Isa::Best);
        let portable = dispatch(LnAll(&xs), Isa::Portable);
        for ((x, a), b) in xs.iter().zip(&best).zip(&portable) {
            assert_eq!(
                a.to_bits(),
                b.to_bits(),
                "ln({x}): SIMD and portable paths differ"
            );
            let want = x.ln();
            let tol = 2.0 * f64::EPSILON * want.abs().max(f64::MIN_POSITIVE);
            assert!((a - want).abs() <= tol, "ln({x}) = {a}, std gives {want}");
        }
    }
}
