//! Starting factors: random (scaled to the data) and NNDSVD variants.

use faer::diag::Diag;
use faer::dyn_stack::{MemBuffer, MemStack};
use faer::linalg::svd::{ComputeSvdVectors, svd, svd_scratch};
use faer::{Mat, MatRef};
use rand::RngExt;

use super::{INNER_PAR, Init, NmfError, validate};
use crate::rng::ChaCha8Rng;

fn mean(v: MatRef<'_, f64>) -> f64 {
    let mut s = 0.0;
    for j in 0..v.ncols() {
        for i in 0..v.nrows() {
            s += v[(i, j)];
        }
    }
    s / (v.nrows() * v.ncols()).max(1) as f64
}

/// Starting factors (W: m × k, H: k × n) for V.
///
/// `Random` draws W (column by column) and then H from `rng`; `Nndsvdar` draws only the
/// fill-in of zeros (W's first, then H's); `Nndsvd` and `Nndsvda` draw nothing. The SVD runs
/// without parallelism ([`INNER_PAR`]), so the start is the same whatever the thread count.
pub fn initialize(
    v: MatRef<'_, f64>,
    k: usize,
    init: Init,
    rng: &mut ChaCha8Rng,
) -> Result<(Mat<f64>, Mat<f64>), NmfError> {
    validate(v, k)?;
    let (m, n) = v.shape();
    let avg = mean(v);
    match init {
        Init::Random => {
            // E[(WH)_ij] = k·E[w]E[h] = k·(s/2)² = mean(V) with s = 2·sqrt(mean/k).
            let base = if avg > 0.0 { avg } else { 1.0 };
            let s = 2.0 * (base / k as f64).sqrt();
            let mut w = Mat::<f64>::zeros(m, k);
            let mut h = Mat::<f64>::zeros(k, n);
            for r in 0..k {
                for i in 0..m {
                    w[(i, r)] = s * rng.random::<f64>();
                }
            }
            for j in 0..n {
                for r in 0..k {
                    h[(r, j)] = s * rng.random::<f64>();
                }
            }
            Ok((w, h))
        }
        Init::Nndsvd | Init::Nndsvda | Init::Nndsvdar => {
            let (mut w, mut h) = nndsvd(v, k)?;
            match init {
                Init::Nndsvda => {
                    let fill = if avg > 0.0 { avg } else { 1.0 };
                    fill_zeros(&mut w, || fill);
                    fill_zeros(&mut h, || fill);
                }
                Init::Nndsvdar => {
                    let hi = if avg > 0.0 { avg / 100.0 } else { 0.01 };
                    fill_zeros(&mut w, || hi * rng.random::<f64>());
                    fill_zeros(&mut h, || hi * rng.random::<f64>());
                }
                _ => {}
            }
            Ok((w, h))
        }
    }
}

fn fill_zeros(a: &mut Mat<f64>, mut f: impl FnMut() -> f64) {
    for j in 0..a.ncols() {
        for x in a.col_as_slice_mut(j) {
            if *x == 0.0 {
                *x = f();
            }
        }
    }
}

fn norm(x: impl Iterator<Item = f64>) -> f64 {
    x.map(|a| a * a).sum::<f64>().sqrt()
}

/// Plain NNDSVD (Boutsidis & Gallopoulos 2008), zeros kept.
fn nndsvd(v: MatRef<'_, f64>, k: usize) -> Result<(Mat<f64>, Mat<f64>), NmfError> {
    let (m, n) = v.shape();
    let p = m.min(n);
    let mut s = Diag::<f64>::zeros(p);
    let mut u = Mat::<f64>::zeros(m, p);
    let mut vv = Mat::<f64>::zeros(n, p);
    let mut mem = MemBuffer::new(svd_scratch::<f64>(
        m,
        n,
        ComputeSvdVectors::Thin,
        ComputeSvdVectors::Thin,
        INNER_PAR,
        Default::default(),
    ));
    svd(
        v,
        s.as_mut(),
        Some(u.as_mut()),
        Some(vv.as_mut()),
        INNER_PAR,
        MemStack::new(&mut mem),
        Default::default(),
    )
    .map_err(|_| NmfError::Svd)?;
    let s = s.column_vector();
    let mut w = Mat::<f64>::zeros(m, k);
    let mut h = Mat::<f64>::zeros(k, n);
    // Leading pair: the Perron vectors of a non-negative matrix have one sign.
    let s0 = s[0].max(0.0).sqrt();
    for i in 0..m {
        w[(i, 0)] = s0 * u[(i, 0)].abs();
    }
    for jj in 0..n {
        h[(0, jj)] = s0 * vv[(jj, 0)].abs();
    }
    for r in 1..k {
        let x = u.col(r);
        let y = vv.col(r);
        let xp = norm(x.iter().map(|a| a.max(0.0)));
        let xn = norm(x.iter().map(|a| (-a).max(0.0)));
        let yp = norm(y.iter().map(|a| a.max(0.0)));
        let yn = norm(y.iter().map(|a| (-a).max(0.0)));
        let (mp, mn) = (xp * yp, xn * yn);
        let (sign, sigma, nx, ny) = if mp >= mn {
            (1.0, mp, xp, yp)
        } else {
            (-1.0, mn, xn, yn)
        };
        if sigma <= 0.0 || nx <= 0.0 || ny <= 0.0 {
            continue;
        }
        let lbd = (s[r].max(0.0) * sigma).sqrt();
        for i in 0..m {
            w[(i, r)] = lbd * (sign * x[i]).max(0.0) / nx;
        }
        for jj in 0..n {
            h[(r, jj)] = lbd * (sign * y[jj]).max(0.0) / ny;
        }
    }
    // Round-off noise below machine epsilon becomes an exact zero (as in scikit-learn).
    for a in [&mut w, &mut h] {
        for j in 0..a.ncols() {
            for x in a.col_as_slice_mut(j) {
                if *x < f64::EPSILON {
                    *x = 0.0;
                }
            }
        }
    }
    Ok((w, h))
}
