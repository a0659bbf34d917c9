//! Time for each NMF solver to reach a fixed relative tolerance (tol 1e-6, checked every 10
//! iterations) from the same random start, on Poisson counts from a planted factorization.
//! m = 96 channels, n ∈ {100, 1000, 10000} samples, k ∈ {5, 15}. One thread per fit.
//! Run with `cargo bench --bench nmf` (slow for n = 10000; CI only compiles it). Before the
//! timings, each case prints its iteration count and final objective on stderr.

use divan::Bencher;
use faer::Mat;
use mutasig::nmf::{Init, NmfConfig, Objective, Solver, fit_from, initialize};
use mutasig::rng::{Purpose, stream};
use rand::RngExt;
use rand_distr::{Distribution, Poisson};

fn main() {
    divan::main();
}

/// MU needs thousands of iterations to tol 1e-6 (Frobenius 10⁴–10⁵, see
/// docs/benchmarks-nmf.md): Frobenius MU runs on n ≤ 1000 only, KL MU up to n = 10000 with
/// k = 5 (at k = 15 one fit would take several minutes).
const SMALL: &[(usize, usize)] = &[(100, 5), (100, 15), (1000, 5), (1000, 15)];
const MU_KL: &[(usize, usize)] = &[(100, 5), (100, 15), (1000, 5), (1000, 15), (10000, 5)];

const SIZES: &[(usize, usize)] = &[
    (100, 5),
    (100, 15),
    (1000, 5),
    (1000, 15),
    (10000, 5),
    (10000, 15),
];

fn data(n: usize, k: usize) -> (Mat<f64>, Mat<f64>, Mat<f64>) {
    let m = 96;
    let mut g = stream(7, Purpose::Other, k as u32, n as u32);
    let w = Mat::from_fn(m, k, |_, _| g.random::<f64>().powi(3));
    let h = Mat::from_fn(k, n, |_, _| 50.0 * g.random::<f64>().powi(2));
    let x = &w * &h;
    let v = Mat::from_fn(m, n, |i, j| {
        let l = x[(i, j)];
        if l > 0.0 {
            Poisson::new(l).unwrap().sample(&mut g)
        } else {
            0.0
        }
    });
    let (w0, h0) = initialize(
        v.as_ref(),
        k,
        Init::Random,
        &mut stream(7, Purpose::Init, k as u32, 0),
    )
    .unwrap();
    (v, w0, h0)
}

fn run(bencher: Bencher, (n, k): (usize, usize), objective: Objective, solver: Solver) {
    run_with(bencher, (n, k), objective, solver, true)
}

fn run_with(
    bencher: Bencher,
    (n, k): (usize, usize),
    objective: Objective,
    solver: Solver,
    extrapolate: bool,
) {
    let (v, w0, h0) = data(n, k);
    let cfg = NmfConfig {
        objective,
        solver,
        tol: 1e-6,
        max_iter: 100_000,
        extrapolate,
        ..NmfConfig::new(k)
    };
    let once = fit_from(v.as_ref(), w0.clone(), h0.clone(), &cfg).unwrap();
    eprintln!(
        "{objective:?} {solver:?}{} n={n} k={k}: {} iterations, objective {:.6e}",
        if extrapolate {
            ""
        } else {
            " (no extrapolation)"
        },
        once.iterations,
        once.objective
    );
    bencher
        .with_inputs(|| (w0.clone(), h0.clone()))
        .bench_values(|(w, h)| fit_from(v.as_ref(), w, h, &cfg).unwrap().objective);
}

#[divan::bench(args = MU_KL, sample_count = 3, sample_size = 1)]
fn kl_mu(bencher: Bencher, size: (usize, usize)) {
    run(
        bencher,
        size,
        Objective::KullbackLeibler,
        Solver::MultiplicativeUpdate,
    );
}

#[divan::bench(args = SIZES, sample_count = 3, sample_size = 1)]
fn kl_cd(bencher: Bencher, size: (usize, usize)) {
    run(
        bencher,
        size,
        Objective::KullbackLeibler,
        Solver::CoordinateDescent,
    );
}

#[divan::bench(args = SIZES, sample_count = 3, sample_size = 1)]
fn kl_cd_plain(bencher: Bencher, size: (usize, usize)) {
    run_with(
        bencher,
        size,
        Objective::KullbackLeibler,
        Solver::CoordinateDescent,
        false,
    );
}

#[divan::bench(args = SMALL, sample_count = 3, sample_size = 1)]
fn frobenius_mu(bencher: Bencher, size: (usize, usize)) {
    run(
        bencher,
        size,
        Objective::Frobenius,
        Solver::MultiplicativeUpdate,
    );
}

#[divan::bench(args = SIZES, sample_count = 3, sample_size = 1)]
fn frobenius_hals(bencher: Bencher, size: (usize, usize)) {
    run(bencher, size, Objective::Frobenius, Solver::Hals);
}

#[divan::bench(args = SIZES, sample_count = 3, sample_size = 1)]
fn frobenius_hals_plain(bencher: Bencher, size: (usize, usize)) {
    run_with(bencher, size, Objective::Frobenius, Solver::Hals, false);
}
