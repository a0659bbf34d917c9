use super::solve::Engine;
use super::*;
use crate::numeric::cosine_cols as cosine;
use crate::rng::{Purpose, stream};
use rand::RngExt;
use rand_distr::{Distribution, Poisson};

/// `fit_best_of` on 1 and on 4 threads: the same bits (objective, W, H); the fit.
pub(super) fn best_of_is_thread_independent(
    v: MatRef<'_, f64>,
    cfg: &NmfConfig,
    starts: usize,
    seed: u64,
) -> NmfFit {
    let run = |t: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(t)
            .build()
            .unwrap();
        pool.install(|| fit_best_of(v, cfg, starts, seed).unwrap())
    };
    let (a, b) = (run(1), run(4));
    assert_eq!(a.objective.to_bits(), b.objective.to_bits(), "{cfg:?}");
    for (x, y) in [(&a.w, &b.w), (&a.h, &b.h)] {
        for j in 0..x.ncols() {
            let same = x
                .col_as_slice(j)
                .iter()
                .zip(y.col_as_slice(j))
                .all(|(p, q)| p.to_bits() == q.to_bits());
            assert!(same, "{cfg:?}");
        }
    }
    a
}

fn rng(b: u32) -> ChaCha8Rng {
    stream(42, Purpose::Other, 0, b)
}

/// Sparse-ish non-negative matrix: U(0,1)^3 with a fraction `zeros` of exact zeros.
fn sparse_factor(r: usize, c: usize, zeros: f64, g: &mut ChaCha8Rng) -> Mat<f64> {
    Mat::from_fn(r, c, |_, _| {
        if g.random::<f64>() < zeros {
            0.0
        } else {
            g.random::<f64>().powi(3) + 0.01
        }
    })
}

/// Planted m × k signatures (a fraction `zeros` of exact zeros) drawn first from the stream
/// `seed`, and that stream for whatever is drawn next.
fn planted_signatures(m: usize, k: usize, zeros: f64, seed: u32) -> (Mat<f64>, ChaCha8Rng) {
    let mut g = rng(seed);
    let w = sparse_factor(m, k, zeros, &mut g);
    (w, g)
}

fn poisson_of(x: MatRef<'_, f64>, g: &mut ChaCha8Rng) -> Mat<f64> {
    Mat::from_fn(x.nrows(), x.ncols(), |i, j| {
        let l = x[(i, j)];
        if l > 0.0 {
            Poisson::new(l).unwrap().sample(g)
        } else {
            0.0
        }
    })
}

/// Counts from a planted factorization: V ~ Poisson(W·H·scale).
fn counts(m: usize, n: usize, k: usize, scale: f64, seed: u32) -> Mat<f64> {
    let mut g = rng(seed);
    let w = sparse_factor(m, k, 0.3, &mut g);
    let h = sparse_factor(k, n, 0.2, &mut g);
    let x = &w * &h * scale;
    poisson_of(x.as_ref(), &mut g)
}

fn uniform(m: usize, n: usize, seed: u32) -> Mat<f64> {
    let mut g = rng(seed);
    Mat::from_fn(m, n, |_, _| g.random::<f64>())
}

fn start(v: MatRef<'_, f64>, k: usize, seed: u32) -> (Mat<f64>, Mat<f64>) {
    initialize(v, k, Init::Random, &mut rng(seed)).unwrap()
}

fn cfg(k: usize, objective: Objective, solver: Solver) -> NmfConfig {
    NmfConfig {
        objective,
        solver,
        ..NmfConfig::new(k)
    }
}

fn all_finite_nonneg(a: MatRef<'_, f64>) -> bool {
    (0..a.ncols()).all(|j| (0..a.nrows()).all(|i| a[(i, j)].is_finite() && a[(i, j)] >= 0.0))
}

fn permutations(k: usize) -> Vec<Vec<usize>> {
    if k == 0 {
        return vec![vec![]];
    }
    let mut out = Vec::new();
    for p in permutations(k - 1) {
        for pos in 0..=p.len() {
            let mut q = p.clone();
            q.insert(pos, k - 1);
            out.push(q);
        }
    }
    out
}

/// For the best permutation, the smallest cosine between true and found signatures.
fn worst_matched_cosine(truth: MatRef<'_, f64>, found: MatRef<'_, f64>) -> f64 {
    let k = truth.ncols();
    permutations(k)
        .into_iter()
        .map(|p| {
            (0..k)
                .map(|r| cosine(truth.col(r), found.col(p[r])))
                .fold(f64::INFINITY, f64::min)
        })
        .fold(f64::NEG_INFINITY, f64::max)
}

#[test]
fn objective_values_by_hand() {
    let v = faer::mat![[1.0, 0.0], [2.0, 3.0]];
    let w = faer::mat![[1.0], [1.0]];
    let h = faer::mat![[1.0, 2.0]];
    // X = [[1, 2], [1, 2]]: KL = 0 + (0 - 0 + 2) + (2 ln 2 - 2 + 1) + (3 ln 1.5 - 3 + 2)
    let kl = 2.0 + 2.0 * 2f64.ln() - 1.0 + 3.0 * 1.5f64.ln() - 1.0;
    approx::assert_relative_eq!(
        objective(
            v.as_ref(),
            w.as_ref(),
            h.as_ref(),
            Objective::KullbackLeibler
        ),
        kl,
        epsilon = 1e-14
    );
    // ½‖V − X‖² = ½(0 + 4 + 1 + 1)
    approx::assert_relative_eq!(
        objective(v.as_ref(), w.as_ref(), h.as_ref(), Objective::Frobenius),
        3.0,
        epsilon = 1e-14
    );
    // A zero model where v > 0 stays finite.
    let z = Mat::<f64>::zeros(1, 2);
    assert!(
        objective(
            v.as_ref(),
            w.as_ref(),
            z.as_ref(),
            Objective::KullbackLeibler
        )
        .is_finite()
    );
}

#[test]
fn invalid_input_gives_typed_errors() {
    let v = uniform(5, 4, 1);
    let mut g = rng(0);
    assert_eq!(
        fit(v.as_ref(), &NmfConfig::new(0), &mut g).unwrap_err(),
        NmfError::RankZero
    );
    let e = fit(v.as_ref(), &NmfConfig::new(5), &mut g).unwrap_err();
    assert_eq!(
        e,
        NmfError::RankTooLarge {
            rank: 5,
            m: 5,
            n: 4
        }
    );
    assert!(e.to_string().contains("exceeds min"));
    let mut bad = v.clone();
    bad[(2, 1)] = -1.0;
    assert!(matches!(
        fit(bad.as_ref(), &NmfConfig::new(2), &mut g),
        Err(NmfError::InvalidValue { row: 2, col: 1, .. })
    ));
    bad[(2, 1)] = f64::NAN;
    assert!(matches!(
        fit(bad.as_ref(), &NmfConfig::new(2), &mut g),
        Err(NmfError::InvalidValue { .. })
    ));
    let (w0, h0) = start(v.as_ref(), 2, 0);
    assert!(matches!(
        fit_from(
            v.as_ref(),
            w0,
            h0.transpose().to_owned(),
            &NmfConfig::new(2)
        ),
        Err(NmfError::ShapeMismatch { .. })
    ));
    let c = cfg(2, Objective::KullbackLeibler, Solver::Hals);
    assert!(matches!(
        fit(v.as_ref(), &c, &mut g),
        Err(NmfError::InvalidConfig(_))
    ));
    let c = NmfConfig {
        sparsity: 0.1,
        ..NmfConfig::new(2)
    };
    assert!(matches!(
        fit(v.as_ref(), &c, &mut g),
        Err(NmfError::InvalidConfig(_))
    ));
    let c = NmfConfig {
        orthogonal: true,
        ..NmfConfig::new(2)
    };
    assert!(matches!(
        fit(v.as_ref(), &c, &mut g),
        Err(NmfError::InvalidConfig(_))
    ));
    assert!(matches!(
        fit_best_of(v.as_ref(), &NmfConfig::new(2), 0, 1),
        Err(NmfError::InvalidConfig(_))
    ));
}

#[test]
fn multiplicative_updates_never_increase_the_objective() {
    for (name, v) in [
        ("uniform", uniform(30, 25, 3)),
        ("poisson", counts(30, 25, 3, 20.0, 4)),
    ] {
        for (method, lam) in [
            (Method::MuKl, 0.0),
            (Method::MuFro, 0.0),
            (Method::MuFro, 2.0),
            (Method::MuFro, 10.0),
        ] {
            let (w0, h0) = start(v.as_ref(), 4, 5);
            let mut e = Engine::new(v.as_ref(), w0, h0, method, lam);
            let mut prev = e.value();
            for t in 0..300 {
                e.step();
                let cur = e.value();
                assert!(
                    cur <= prev + 1e-12 * prev.abs(),
                    "{name} {method:?} λ={lam} step {t}: {prev} -> {cur}"
                );
                prev = cur;
            }
        }
    }
}

fn all_configs(k: usize) -> Vec<NmfConfig> {
    let kl = Objective::KullbackLeibler;
    let fro = Objective::Frobenius;
    vec![
        cfg(k, kl, Solver::MultiplicativeUpdate),
        cfg(k, kl, Solver::CoordinateDescent),
        cfg(k, fro, Solver::MultiplicativeUpdate),
        cfg(k, fro, Solver::Hals),
        NmfConfig {
            orthogonal: true,
            ..cfg(k, fro, Solver::Auto)
        },
        NmfConfig {
            sparsity: 2.0,
            ..cfg(k, fro, Solver::MultiplicativeUpdate)
        },
        NmfConfig {
            sparsity: 2.0,
            ..cfg(k, fro, Solver::Hals)
        },
        NmfConfig {
            extrapolate: false,
            ..cfg(k, kl, Solver::CoordinateDescent)
        },
        NmfConfig {
            extrapolate: false,
            ..cfg(k, fro, Solver::Hals)
        },
    ]
}

#[test]
fn factors_stay_nonnegative_and_finite_with_zero_rows_and_columns() {
    let mut v = counts(20, 15, 3, 10.0, 6);
    for j in 0..15 {
        v[(3, j)] = 0.0;
    }
    for i in 0..20 {
        v[(i, 5)] = 0.0;
    }
    for c in all_configs(3) {
        for init in [Init::Random, Init::Nndsvd, Init::Nndsvda, Init::Nndsvdar] {
            let c = NmfConfig {
                init,
                max_iter: 300,
                ..c.clone()
            };
            let f = fit(v.as_ref(), &c, &mut rng(7)).unwrap();
            assert!(
                all_finite_nonneg(f.w.as_ref()) && all_finite_nonneg(f.h.as_ref()),
                "{c:?}"
            );
            assert!(f.objective.is_finite(), "{c:?}");
            if c.objective == Objective::KullbackLeibler {
                // KL optimum: an empty channel has zero weight and an empty sample zero exposure.
                let hmax = f.h.norm_max();
                assert!((0..3).all(|r| f.w[(3, r)] <= 1e-12), "{c:?}");
                assert!((0..3).all(|r| f.h[(r, 5)] <= 1e-12 * hmax), "{c:?}");
            }
        }
    }
    // An all-zero matrix is a valid (if dull) input.
    let z = Mat::<f64>::zeros(6, 5);
    for c in all_configs(2) {
        let f = fit(z.as_ref(), &c, &mut rng(1)).unwrap();
        assert!(
            all_finite_nonneg(f.w.as_ref()) && all_finite_nonneg(f.h.as_ref()),
            "{c:?}"
        );
    }
}

#[test]
fn planted_factorization_is_recovered_by_every_solver() {
    let (m, n, k) = (96, 60, 4);
    let (w, mut g) = planted_signatures(m, k, 0.5, 8);
    let h = sparse_factor(k, n, 0.4, &mut g);
    let v = &w * &h;
    for c in all_configs(k).into_iter().take(4) {
        let c = NmfConfig {
            tol: 1e-10,
            max_iter: 20_000,
            ..c
        };
        let f = fit_best_of(v.as_ref(), &c, 3, 11).unwrap();
        let cos = worst_matched_cosine(w.as_ref(), f.w.as_ref());
        assert!(
            cos >= 0.999,
            "{:?} {:?}: worst cosine {cos}, objective {}",
            c.objective,
            c.solver,
            f.objective
        );
    }
}

/// Largest KKT violation, scale-free: with G the gradient and S the sum of the absolute
/// values of its two parts, `min(G/S, 0)` and `|G/S|·f/max(f)` (per column of the factor).
fn kkt_violation(
    v: MatRef<'_, f64>,
    w: MatRef<'_, f64>,
    h: MatRef<'_, f64>,
    obj: Objective,
) -> f64 {
    let x = w * h;
    let (m, n) = v.shape();
    // d(loss)/dX split into positive part p and negative part q: G = (p − q)·factor
    let (p, q) = match obj {
        Objective::KullbackLeibler => (
            Mat::from_fn(m, n, |_, _| 1.0),
            Mat::from_fn(m, n, |i, j| v[(i, j)] / x[(i, j)].max(1e-300)),
        ),
        Objective::Frobenius => (x.clone(), v.to_owned()),
    };
    let (gw_p, gw_q) = (&p * h.transpose(), &q * h.transpose());
    let (gh_p, gh_q) = (w.transpose() * &p, w.transpose() * &q);
    let mut worst = 0.0f64;
    let mut check = |f: MatRef<'_, f64>, gp: &Mat<f64>, gq: &Mat<f64>, by_col: bool| {
        for i in 0..f.nrows() {
            for j in 0..f.ncols() {
                let fmax = if by_col {
                    f.col(j).norm_max()
                } else {
                    f.row(i).norm_max()
                };
                let s = (gp[(i, j)] + gq[(i, j)]).max(1e-300);
                let gr = (gp[(i, j)] - gq[(i, j)]) / s;
                worst = worst.max(-gr).max(gr.abs() * f[(i, j)] / fmax.max(1e-300));
            }
        }
    };
    check(w, &gw_p, &gw_q, true);
    check(h, &gh_p, &gh_q, false);
    worst
}

#[test]
fn kkt_conditions_hold_at_convergence() {
    let v = counts(40, 30, 3, 20.0, 9);
    for c in all_configs(3).into_iter().take(4) {
        let c = NmfConfig {
            tol: 1e-13,
            max_iter: 200_000,
            min_iter: 100,
            ..c
        };
        let f = fit(v.as_ref(), &c, &mut rng(10)).unwrap();
        let viol = kkt_violation(v.as_ref(), f.w.as_ref(), f.h.as_ref(), c.objective);
        // Measured: KL MU 2e-10, CD 2e-9, HALS below 1e-5, but Frobenius MU 7e-3: an
        // exposure at 3e-25 with a negative gradient. MU can only grow an entry by a factor
        // close to 1 per iteration ("zero locking"), so it stalls there; hence its looser bound.
        let tol = if c.solver == Solver::MultiplicativeUpdate {
            1e-2
        } else {
            1e-5
        };
        assert!(
            viol <= tol,
            "{:?} {:?}: KKT violation {viol}",
            c.objective,
            c.solver
        );
    }
}

#[test]
fn fast_solvers_reach_at_least_mu_objective_from_same_start() {
    let v = counts(60, 40, 4, 20.0, 12);
    for (obj, fast) in [
        (Objective::KullbackLeibler, Solver::CoordinateDescent),
        (Objective::Frobenius, Solver::Hals),
    ] {
        for seed in 0..2 {
            let (w0, h0) = start(v.as_ref(), 4, seed);
            let mu = NmfConfig {
                tol: 1e-12,
                max_iter: 100_000,
                ..cfg(4, obj, Solver::MultiplicativeUpdate)
            };
            let fmu = fit_from(v.as_ref(), w0.clone(), h0.clone(), &mu).unwrap();
            let ffast = fit_from(v.as_ref(), w0, h0, &cfg(4, obj, fast)).unwrap();
            assert!(
                ffast.objective <= fmu.objective * (1.0 + 1e-6),
                "{obj:?} seed {seed}: {fast:?} {} vs MU {} ({} its)",
                ffast.objective,
                fmu.objective,
                fmu.iterations
            );
        }
    }
}

#[test]
fn default_stopping_matches_full_convergence() {
    let v = counts(96, 50, 4, 20.0, 13);
    for obj in [Objective::KullbackLeibler, Objective::Frobenius] {
        let (w0, h0) = start(v.as_ref(), 4, 14);
        let d = fit_from(
            v.as_ref(),
            w0.clone(),
            h0.clone(),
            &cfg(4, obj, Solver::Auto),
        )
        .unwrap();
        let tight = NmfConfig {
            tol: 1e-12,
            max_iter: 100_000,
            ..cfg(4, obj, Solver::Auto)
        };
        let t = fit_from(v.as_ref(), w0, h0, &tight).unwrap();
        assert!(d.converged);
        let rel = (d.objective - t.objective) / t.objective;
        assert!(
            rel <= 1e-4,
            "{obj:?}: default {} ({} its) vs tight {} ({} its)",
            d.objective,
            d.iterations,
            t.objective,
            t.iterations
        );
    }
}

#[test]
fn same_seed_gives_identical_factors_with_1_and_4_threads() {
    let v = counts(30, 40, 3, 10.0, 15);
    let configs = [
        NmfConfig {
            max_iter: 200,
            ..NmfConfig::new(3)
        },
        NmfConfig {
            max_iter: 200,
            init: Init::Nndsvdar,
            ..NmfConfig::new(3)
        },
        NmfConfig {
            max_iter: 200,
            ..cfg(3, Objective::Frobenius, Solver::Hals)
        },
    ];
    for c in configs {
        let a = best_of_is_thread_independent(v.as_ref(), &c, 6, 99);
        // The best start is the lowest objective over the starts.
        for s in 0..6 {
            let f = fit(v.as_ref(), &c, &mut stream(99, Purpose::Init, 3, s)).unwrap();
            assert!(a.objective <= f.objective);
        }
    }
}

#[test]
fn l1_penalty_gives_more_exact_zeros_as_it_grows() {
    let v = counts(40, 30, 4, 10.0, 16);
    let zeros = |f: &NmfFit| {
        (0..f.h.ncols())
            .map(|j| f.h.col_as_slice(j).iter().filter(|x| **x == 0.0).count())
            .sum::<usize>()
    };
    // HALS soft-thresholds, so zeros are exact (KL rejects the penalty, see `resolve`).
    let (w0, h0) = start(v.as_ref(), 4, 17);
    let counts: Vec<usize> = [0.0, 0.5, 1.0, 2.0]
        .iter()
        .map(|&sparsity| {
            let c = NmfConfig {
                sparsity,
                tol: 1e-10,
                ..cfg(4, Objective::Frobenius, Solver::Hals)
            };
            zeros(&fit_from(v.as_ref(), w0.clone(), h0.clone(), &c).unwrap())
        })
        .collect();
    assert!(
        counts.windows(2).all(|p| p[0] <= p[1]) && counts[3] > counts[0],
        "zeros {counts:?}"
    );
}

#[test]
fn orthogonal_nmf_separates_sample_clusters() {
    let (m, n, k) = (30, 45, 3);
    let (w, _) = planted_signatures(m, k, 0.3, 18);
    let v = Mat::from_fn(m, n, |i, j| {
        w[(i, j % k)] * (5.0 + 10.0 * ((j * 7) % 11) as f64) + 0.05 * ((i * 13 + j) % 7) as f64
    });
    let c = NmfConfig {
        orthogonal: true,
        tol: 1e-10,
        ..cfg(k, Objective::Frobenius, Solver::Auto)
    };
    let f = fit_best_of(v.as_ref(), &c, 3, 5).unwrap();
    let mut hn = f.h.clone();
    for r in 0..k {
        let norm = f.h.row(r).norm_l2().max(TINY);
        for j in 0..n {
            hn[(r, j)] /= norm;
        }
    }
    let gram = &hn * hn.transpose();
    for a in 0..k {
        approx::assert_relative_eq!(gram[(a, a)], 1.0, epsilon = 1e-12);
        for b in 0..k {
            if a != b {
                assert!(
                    gram[(a, b)] < 0.05,
                    "off-diagonal {a},{b}: {}",
                    gram[(a, b)]
                );
            }
        }
    }
    // Hard clustering: samples of one planted cluster all load mostly on the same row.
    let label = |j: usize| {
        (0..k)
            .max_by(|&a, &b| f.h[(a, j)].total_cmp(&f.h[(b, j)]))
            .unwrap()
    };
    for j in 0..n {
        assert_eq!(label(j), label(j % k));
    }
    assert_ne!(label(0), label(1));
    assert_ne!(label(1), label(2));
    assert_ne!(label(0), label(2));
}

#[test]
fn nndsvd_variants() {
    // NNDSVD of an exactly rank-1 non-negative matrix is exact.
    let a = faer::col![1.0, 2.0, 0.0, 3.0];
    let b = faer::col![0.5, 1.0, 4.0];
    let v = &a * b.transpose();
    let (w, h) = initialize(v.as_ref(), 1, Init::Nndsvd, &mut rng(0)).unwrap();
    approx::assert_relative_eq!((&w * &h - &v).norm_max(), 0.0, epsilon = 1e-12);
    let v = counts(20, 15, 3, 5.0, 19);
    let mean = v.sum() / 300.0;
    let (w, h) = initialize(v.as_ref(), 3, Init::Nndsvd, &mut rng(0)).unwrap();
    assert!(all_finite_nonneg(w.as_ref()) && all_finite_nonneg(h.as_ref()));
    let has_zero = |a: &Mat<f64>| (0..a.ncols()).any(|j| a.col_as_slice(j).contains(&0.0));
    assert!(
        has_zero(&w) || has_zero(&h),
        "NNDSVD of a rank-3 matrix has zeros from the sign split"
    );
    let (wa, ha) = initialize(v.as_ref(), 3, Init::Nndsvda, &mut rng(0)).unwrap();
    let (wr, hr) = initialize(v.as_ref(), 3, Init::Nndsvdar, &mut rng(0)).unwrap();
    for (base, a, r) in [(&w, &wa, &wr), (&h, &ha, &hr)] {
        for j in 0..base.ncols() {
            for i in 0..base.nrows() {
                if base[(i, j)] == 0.0 {
                    assert_eq!(a[(i, j)], mean);
                    assert!(r[(i, j)] > 0.0 && r[(i, j)] < mean / 100.0);
                } else {
                    assert_eq!((a[(i, j)], r[(i, j)]), (base[(i, j)], base[(i, j)]));
                }
            }
        }
    }
    // The random start has the data's magnitude: mean of W·H ≈ mean of V.
    let (w, h) = initialize(v.as_ref(), 3, Init::Random, &mut rng(1)).unwrap();
    let ratio = (&w * &h).sum() / v.sum();
    assert!((0.5..2.0).contains(&ratio), "{ratio}");
}

#[test]
fn normalize_columns_keeps_the_product() {
    let mut g = rng(20);
    let mut w = sparse_factor(7, 3, 0.2, &mut g);
    let mut h = sparse_factor(3, 5, 0.2, &mut g);
    for i in 0..7 {
        w[(i, 2)] = 0.0;
    }
    let before = &w * &h;
    normalize_columns(&mut w, &mut h);
    approx::assert_relative_eq!((&w * &h - &before).norm_max(), 0.0, epsilon = 1e-12);
    for r in 0..2 {
        approx::assert_relative_eq!(w.col(r).sum(), 1.0, epsilon = 1e-14);
    }
    assert_eq!(w.col(2).sum(), 0.0);
}

#[test]
fn fit_reports_normalized_signatures_and_consistent_objective() {
    let v = counts(30, 20, 3, 10.0, 21);
    let f = fit(v.as_ref(), &NmfConfig::new(3), &mut rng(2)).unwrap();
    for r in 0..3 {
        approx::assert_relative_eq!(f.w.col(r).sum(), 1.0, epsilon = 1e-12);
    }
    let d = objective(
        v.as_ref(),
        f.w.as_ref(),
        f.h.as_ref(),
        Objective::KullbackLeibler,
    );
    approx::assert_relative_eq!(d, f.objective, max_relative = 1e-10);
    assert!(f.converged && f.iterations < NmfConfig::new(3).max_iter);
}

#[test]
fn mu_warmup_is_mu_then_the_solver_and_never_worse() {
    let v = counts(96, 40, 4, 300.0, 77);
    let mut g = stream(5, Purpose::Other, 0, 0);
    let (w0, h0) = initialize(v.as_ref(), 4, Init::Random, &mut g).unwrap();
    let mut c = cfg(4, Objective::KullbackLeibler, Solver::CoordinateDescent);
    c.mu_warmup = 30;
    let warmed = fit_from(v.as_ref(), w0.clone(), h0.clone(), &c).unwrap();
    // by hand: 30 MU iterations, then coordinate descent from there
    let mu = NmfConfig {
        solver: Solver::MultiplicativeUpdate,
        max_iter: 30,
        min_iter: 30,
        ..cfg(4, Objective::KullbackLeibler, Solver::MultiplicativeUpdate)
    };
    let start = fit_from(v.as_ref(), w0, h0, &mu).unwrap();
    assert_eq!(start.iterations, 30);
    let manual = fit_from(
        v.as_ref(),
        start.w.clone(),
        start.h.clone(),
        &cfg(4, Objective::KullbackLeibler, Solver::CoordinateDescent),
    )
    .unwrap();
    assert_eq!(warmed.w, manual.w);
    assert_eq!(warmed.h, manual.h);
    assert!(warmed.objective <= start.objective);
}

/// The SIMD kernels (AVX-512 / AVX2 where the CPU has them) give the same bits as the
/// portable code, for lengths that are and are not multiples of the vector width and
/// column counts that are and are not multiples of the interleaving block.
#[test]
fn simd_and_portable_kernels_agree_bit_for_bit() {
    use super::simd::Isa;
    for (m, n, k) in [(96, 37, 5), (13, 8, 3), (7, 5, 2), (96, 3, 2)] {
        let v = counts(m, n, k, 30.0, 90 + m as u32);
        let (w, h) = start(v.as_ref(), k, 7);
        let lin: Vec<f64> = (0..k).map(|r| w.col_as_slice(r).iter().sum()).collect();
        let mut out = Vec::new();
        for isa in [Isa::Best, Isa::Portable, Isa::Avx2] {
            let mut x = &w * &h;
            let mut hh = h.clone();
            for _ in 0..3 {
                let (v, x, a, lin, vals) = (&v, &mut x, &w, &lin[..], &mut hh);
                let steps = 1;
                solve::CdSweep {
                    v,
                    x,
                    a,
                    lin,
                    vals,
                    steps,
                }
                .sweep(isa);
            }
            let kl = solve::divergence_isa(
                v.as_ref(),
                x.as_ref(),
                None,
                Objective::KullbackLeibler,
                isa,
            );
            // The engine's objective uses ln v precomputed once: the same bits.
            let (w2, h2) = (w.clone(), hh.clone());
            let mut e = Engine::new(v.as_ref(), w2, h2, Method::CdKl, 0.0);
            assert_eq!(
                e.value().to_bits(),
                solve::divergence(v.as_ref(), (&w * &hh).as_ref(), Objective::KullbackLeibler)
                    .to_bits()
            );
            let fro =
                solve::divergence_isa(v.as_ref(), x.as_ref(), None, Objective::Frobenius, isa);
            out.push((hh, x, kl, fro));
        }
        let bits = |a: &Mat<f64>| crate::numeric::mat_bits(a.as_ref());
        assert_eq!(bits(&out[0].0), bits(&out[1].0), "H differs for {m}x{n}");
        assert_eq!(bits(&out[0].1), bits(&out[1].1), "WH differs for {m}x{n}");
        assert_eq!(
            out[0].2.to_bits(),
            out[1].2.to_bits(),
            "KL differs for {m}x{n}"
        );
        assert_eq!(
            out[0].3.to_bits(),
            out[1].3.to_bits(),
            "Frobenius differs for {m}x{n}"
        );
        // And the divergence agrees with a direct computation using std's logarithm.
        let x = &out[0].1;
        let mut direct = 0.0;
        for j in 0..n {
            for i in 0..m {
                let (a, b) = (v[(i, j)], x[(i, j)]);
                direct += if a > 0.0 { a * (a / b).ln() - a + b } else { b };
            }
        }
        approx::assert_relative_eq!(out[0].2, direct, max_relative = 1e-12);
    }
}

/// Extrapolation only ever keeps steps that lower the objective: the objective after t
/// iterations (the last accepted iterate) never rises with t. And it pays: it reaches the
/// objective plain iterations reach after 80 sweeps in at most 72.
#[test]
fn extrapolation_is_monotone_and_needs_fewer_sweeps() {
    let v = counts(96, 300, 10, 30.0, 31);
    let (w0, h0) = start(v.as_ref(), 10, 8);
    for (objective, solver) in [
        (Objective::KullbackLeibler, Solver::CoordinateDescent),
        (Objective::Frobenius, Solver::Hals),
    ] {
        let run = |iters: usize, extrapolate: bool, target: Option<f64>| {
            let c = NmfConfig {
                max_iter: iters,
                min_iter: iters,
                check_every: 1,
                tol: 0.0,
                target,
                extrapolate,
                ..cfg(10, objective, solver)
            };
            fit_from(v.as_ref(), w0.clone(), h0.clone(), &c).unwrap()
        };
        let mut prev = f64::INFINITY;
        for t in 1..=60 {
            let f = run(t, true, None).objective;
            assert!(
                f <= prev,
                "{solver:?}: objective rose from {prev} to {f} at {t}"
            );
            prev = f;
        }
        let plain = run(80, false, None);
        let fast = run(80, true, Some(plain.objective));
        assert!(
            fast.objective <= plain.objective,
            "{solver:?}: {} after {} extrapolated sweeps vs {} after 80 plain",
            fast.objective,
            fast.iterations,
            plain.objective
        );
        assert!(
            fast.iterations * 10 <= plain.iterations * 9,
            "{solver:?}: {} extrapolated sweeps vs 80 plain",
            fast.iterations
        );
    }
}

/// FNV-1a over the bits of W, H, the objective and the iteration count of each fit.
fn fit_fingerprint(f: &NmfFit) -> u64 {
    let mut hash = 0xcbf2_9ce4_8422_2325u64;
    let mut eat = |x: u64| {
        for byte in x.to_le_bytes() {
            hash = (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
        }
    };
    for a in [&f.w, &f.h] {
        for j in 0..a.ncols() {
            a.col_as_slice(j).iter().for_each(|x| eat(x.to_bits()));
        }
    }
    eat(f.objective.to_bits());
    eat(f.iterations as u64);
    hash
}

/// Every solver × objective × extrapolation (and the penalized, orthogonal and warm-started
/// variants) on a fixed 96 × 30 Poisson matrix gives exactly the factors recorded before the
/// solver code was restructured (the hashes are of the bits of W, H, objective, iterations).
/// A change to the numeric code that is meant to be a pure refactoring must keep them.
#[test]
fn solver_outputs_bit_identical_to_recorded() {
    let v = counts(96, 30, 5, 20.0, 123);
    let (w0, h0) = start(v.as_ref(), 5, 3);
    let kl = Objective::KullbackLeibler;
    let fro = Objective::Frobenius;
    let base = |objective, solver| NmfConfig {
        max_iter: 60,
        check_every: 5,
        ..cfg(5, objective, solver)
    };
    let mut configs = Vec::new();
    for extrapolate in [true, false] {
        for (objective, solver) in [
            (kl, Solver::MultiplicativeUpdate),
            (kl, Solver::CoordinateDescent),
            (fro, Solver::MultiplicativeUpdate),
            (fro, Solver::Hals),
        ] {
            configs.push(NmfConfig {
                extrapolate,
                ..base(objective, solver)
            });
        }
    }
    configs.push(NmfConfig {
        orthogonal: true,
        ..base(fro, Solver::Auto)
    });
    for solver in [Solver::MultiplicativeUpdate, Solver::Hals] {
        configs.push(NmfConfig {
            sparsity: 1.5,
            ..base(fro, solver)
        });
    }
    configs.push(NmfConfig {
        mu_warmup: 7,
        ..base(kl, Solver::CoordinateDescent)
    });
    let got: Vec<u64> = configs
        .iter()
        .map(|c| fit_fingerprint(&fit_from(v.as_ref(), w0.clone(), h0.clone(), c).unwrap()))
        .collect();
    // Recorded on commit 304bf68, before the solver code was restructured.
    let recorded: [u64; 12] = [
        0x7086f91671099f66,
        0x315a2b803266f672,
        0xa72a268de591ca2e,
        0x5e15702a8849eb2a,
        0x7086f91671099f66,
        0x8fa9d25046dd446e,
        0xa72a268de591ca2e,
        0x3be2d9993ce2bb49,
        0x8d59c6942215f598,
        0x778538437dda8660,
        0x54e9cd023a677bc8,
        0x3e550db21d8f7df8,
    ];
    // faer's matrix products pick their kernel (and so their rounding) by instruction set;
    // the values were recorded on an AVX-512 machine.
    #[cfg(target_arch = "x86_64")]
    let comparable = std::arch::is_x86_feature_detected!("avx512f");
    #[cfg(not(target_arch = "x86_64"))]
    let comparable = false;
    if comparable {
        assert_eq!(got, recorded, "{got:#018x?}");
    } else {
        eprintln!("not an AVX-512 CPU: fingerprints {got:#018x?} not compared");
    }
}

#[test]
fn fit_starts_keeps_the_lowest_of_the_fits_its_streams_give() {
    let v = counts(24, 30, 4, 40.0, 8);
    let mut c = cfg(4, Objective::KullbackLeibler, Solver::Auto);
    c.mu_warmup = 10;
    let (mut first, mut more) = (rng(1), rng(2));
    let best = fit_starts(v.as_ref(), &c, 4, &mut first, &mut more).unwrap();
    // the same four fits, drawn one by one from the same streams
    let (mut first, mut more) = (rng(1), rng(2));
    let mut fits = vec![fit(v.as_ref(), &c, &mut first).unwrap()];
    for _ in 1..4 {
        fits.push(fit(v.as_ref(), &c, &mut more).unwrap());
    }
    let lowest = fits
        .iter()
        .map(|f| f.objective)
        .fold(f64::INFINITY, f64::min);
    assert_eq!(best.objective.to_bits(), lowest.to_bits());
    let one = fit_starts(v.as_ref(), &c, 1, &mut rng(1), &mut rng(2)).unwrap();
    assert_eq!(one.objective.to_bits(), fits[0].objective.to_bits());
    // the starts really differ (else "lowest" tests nothing)
    assert!(fits.iter().any(|f| f.objective != fits[0].objective));
}
