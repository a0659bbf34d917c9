//! Times one NMF solver from a given start, for comparisons with other implementations.
//!
//! Usage: `nmf_bench SOLVER OBJECTIVE V.tsv W0.tsv H0.tsv [--target X] [--tol X] [--max-iter N] [--check-every N]`
//! SOLVER: mu | hals | cd | auto, or hals-plain | cd-plain (without extrapolation); OBJECTIVE: kl | frobenius. Files are tab-separated numbers
//! without header (V: m × n, W0: m × k, H0: k × n). Prints one JSON line
//! `{"solver", "seconds", "cpu_seconds", "iterations", "objective", "converged"}`; `objective` is the
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

fn main() -> Result<(), String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
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
    let cpu0 = thread_cpu_seconds();
    let start = Instant::now();
    let fit = fit_from(v.as_ref(), w0, h0, &cfg).map_err(|e| e.to_string())?;
    let seconds = start.elapsed().as_secs_f64();
    let cpu_seconds = match (cpu0, thread_cpu_seconds()) {
        (Some(a), Some(b)) => b - a,
        _ => seconds,
    };
    println!(
        "{{\"solver\": \"{}\", \"seconds\": {seconds:.6}, \"cpu_seconds\": {cpu_seconds:.6}, \"iterations\": {}, \"objective\": {:.10e}, \"converged\": {}}}",
        args[0], fit.iterations, fit.objective, fit.converged
    );
    Ok(())
}
