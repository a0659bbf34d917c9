//! Times one NMF solver from a given start, for comparisons with other implementations.
//!
//! Usage: `nmf_bench SOLVER OBJECTIVE V.tsv W0.tsv H0.tsv [--target X] [--tol X] [--max-iter N] [--check-every N]`,
//! or `nmf_bench peak` for one core's f64 multiply-add rate (a 2000³ faer product).
//! SOLVER: mu | hals | cd | auto, or hals-plain | cd-plain (without extrapolation); OBJECTIVE: kl | frobenius. Files are tab-separated numbers
//! without header (V: m × n, W0: m × k, H0: k × n). Prints one JSON line
//! `{"solver", "seconds", "cpu_seconds", "iterations", "objective", "converged", "gmacs"}` (gmacs: 4·m·n·k multiply-adds per iteration, per CPU second); `objective` is the
//! divergence (generalized KL, or ½‖V − WH‖² for Frobenius).

use std::time::Instant;

use faer::Mat;
use mutasig::nmf::{NmfConfig, Objective, Solver, fit_from};

fn read_tsv(path: &str) -> Result<Mat<f64>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?;
    let rows: Vec<Vec<f64>> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            l.split('\t')
                .map(|x| {
                    x.trim()
                        .parse::<f64>()
                        .map_err(|e| format!("{path}: {x:?}: {e}"))
                })
                .collect()
        })
        .collect::<Result<_, _>>()?;
    let m = rows.len();
    let n = rows.first().map_or(0, |r| r.len());
    if rows.iter().any(|r| r.len() != n) {
        return Err(format!("{path}: ragged rows"));
    }
    Ok(Mat::from_fn(m, n, |i, j| rows[i][j]))
}

/// CPU time of this thread in seconds (Linux schedstat; wall time is distorted on a busy
/// machine), or `None` where unavailable.
fn thread_cpu_seconds() -> Option<f64> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    text.split_whitespace()
        .next()?
        .parse::<f64>()
        .ok()
        .map(|ns| ns * 1e-9)
}

/// Multiply-adds per second of one sequential faer product of two n × n matrices (the
/// machine's practical f64 peak on one core), best of three.
fn peak(n: usize) -> f64 {
    let a = Mat::<f64>::from_fn(n, n, |i, j| ((i * 7 + j * 3) % 11) as f64 * 0.1);
    let b = Mat::<f64>::from_fn(n, n, |i, j| ((i * 5 + j) % 13) as f64 * 0.1);
    let mut c = Mat::<f64>::zeros(n, n);
    let mut best = 0.0f64;
    for _ in 0..3 {
        let t = Instant::now();
        faer::linalg::matmul::matmul(
            c.as_mut(),
            faer::Accum::Replace,
            a.as_ref(),
            b.as_ref(),
            1.0,
            faer::Par::Seq,
        );
        best = best.max((n * n * n) as f64 / t.elapsed().as_secs_f64());
    }
    std::hint::black_box(&c);
    best
}

fn main() -> Result<(), String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("peak") {
        println!("{{\"peak_gmacs\": {:.2}}}", peak(2000) * 1e-9);
        return Ok(());
    }
    if args.len() < 5 {
        return Err("usage: nmf_bench SOLVER OBJECTIVE V.tsv W0.tsv H0.tsv [--target X] [--tol X] [--max-iter N] [--check-every N]".into());
    }
    let solver = match args[0].as_str() {
        "mu" => Solver::MultiplicativeUpdate,
        "hals" | "hals-plain" => Solver::Hals,
        "cd" | "cd-plain" => Solver::CoordinateDescent,
        "auto" => Solver::Auto,
        s => return Err(format!("unknown solver {s}")),
    };
    let objective = match args[1].as_str() {
        "kl" => Objective::KullbackLeibler,
        "frobenius" => Objective::Frobenius,
        s => return Err(format!("unknown objective {s}")),
    };
    let v = read_tsv(&args[2])?;
    let w0 = read_tsv(&args[3])?;
    let h0 = read_tsv(&args[4])?;
    let mut cfg = NmfConfig::new(w0.ncols());
    cfg.objective = objective;
    cfg.solver = solver;
    cfg.extrapolate = !args[0].ends_with("-plain");
    let mut rest = args[5..].iter();
    while let Some(flag) = rest.next() {
        let val = rest.next().ok_or_else(|| format!("{flag} needs a value"))?;
        let num = val
            .parse::<f64>()
            .map_err(|e| format!("{flag} {val}: {e}"))?;
        match flag.as_str() {
            "--target" => cfg.target = Some(num),
            "--tol" => cfg.tol = num,
            "--max-iter" => cfg.max_iter = num as usize,
            "--check-every" => cfg.check_every = num as usize,
            f => return Err(format!("unknown flag {f}")),
        }
    }
    cfg.min_iter = 0;
    // Short fits are repeated (from the same start, so identically) until 0.2 s of CPU time
    // have passed: the thread clock can be as coarse as a few milliseconds.
    let cpu0 = thread_cpu_seconds();
    let start = Instant::now();
    let mut reps = 0u32;
    let (fit, seconds, cpu_seconds) = loop {
        let fit = fit_from(v.as_ref(), w0.clone(), h0.clone(), &cfg).map_err(|e| e.to_string())?;
        reps += 1;
        let seconds = start.elapsed().as_secs_f64();
        let cpu = match (cpu0, thread_cpu_seconds()) {
            (Some(a), Some(b)) => b - a,
            _ => seconds,
        };
        if cpu >= 0.2 || seconds >= 0.2 {
            break (fit, seconds / reps as f64, cpu / reps as f64);
        }
    };
    // Work per iteration counted as 4·m·n·k multiply-adds (the cost of one KL MU
    // iteration: two products for W·H, one each for the numerators).
    let (m, n) = v.shape();
    let gmacs = 4.0 * (m * n * cfg.rank) as f64 * fit.iterations as f64 / cpu_seconds * 1e-9;
    println!(
        "{{\"solver\": \"{}\", \"seconds\": {seconds:.6}, \"cpu_seconds\": {cpu_seconds:.6}, \"iterations\": {}, \"objective\": {:.10e}, \"converged\": {}, \"gmacs\": {gmacs:.3}}}",
        args[0], fit.iterations, fit.objective, fit.converged
    );
    Ok(())
}
