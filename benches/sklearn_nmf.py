#!/usr/bin/env python3
"""Compare mutasig's NMF solvers with scikit-learn on one thread, from the same start.

For each case (m = 96 channels, n samples, k signatures) it plants W, H, draws V ~ Poisson(WH),
draws one random start (W0, H0), runs scikit-learn (KL: solver='mu'; Frobenius: solver='cd'),
computes sklearn's final objective itself (generalized KL, or 0.5*||V - WH||^2), then runs the
`nmf_bench` example for our solvers with `--target <that objective>` and prints a table.

Times are CPU seconds of the computing thread (time.thread_time / Linux schedstat), so a
busy machine distorts them less than wall time.

Usage: python3 benches/sklearn_nmf.py [path/to/nmf_bench] [--tol 1e-6] [--max-iter 20000]
       [--repeat R] [--objectives kl,frobenius]
--repeat R times every run R times and keeps the fastest (a shared machine only slows runs down).
Build first: cargo build --release --example nmf_bench
"""
import os

for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[var] = "1"

import json
import subprocess
import sys
import tempfile
import time
import warnings

import numpy as np
from sklearn.decomposition import NMF
from sklearn.exceptions import ConvergenceWarning


def kl(v, x):
    x = np.maximum(x, np.finfo(float).tiny)
    pos = v > 0
    return float(np.sum(v[pos] * np.log(v[pos] / x[pos])) - v.sum() + x.sum())


def frob(v, x):
    return float(0.5 * np.sum((v - x) ** 2))


def make_case(m, n, k, seed):
    rng = np.random.default_rng(seed)
    w = rng.gamma(0.3, 1.0, size=(m, k)) + 1e-3
    w /= w.sum(axis=0)
    h = rng.gamma(0.5, 1.0, size=(k, n)) * rng.uniform(200, 3000, size=n)
    v = rng.poisson(w @ h).astype(float)
    scale = np.sqrt(v.mean() / k)
    w0 = scale * rng.uniform(0, 2, size=(m, k))
    h0 = scale * rng.uniform(0, 2, size=(k, n))
    return v, w0, h0


def run_ours(binary, solver, objective, files, target, max_iter):
    cmd = [binary, solver, objective, *files, "--target", repr(target), "--max-iter", str(max_iter), "--tol", "0",
           "--check-every", "10" if solver == "mu" else "1"]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def main():
    args = sys.argv[1:]
    binary = "target/release/examples/nmf_bench"
    tol, max_iter, repeat, objectives = 1e-6, 20000, 1, ("kl", "frobenius")
    i = 0
    while i < len(args):
        if args[i] == "--tol":
            tol = float(args[i + 1]); i += 2
        elif args[i] == "--repeat":
            repeat = int(args[i + 1]); i += 2
        elif args[i] == "--objectives":
            objectives = tuple(args[i + 1].split(",")); i += 2
        elif args[i] == "--max-iter":
            max_iter = int(args[i + 1]); i += 2
        else:
            binary = args[i]; i += 1
    warnings.simplefilter("ignore", ConvergenceWarning)
    peak = json.loads(subprocess.run([binary, "peak"], check=True, capture_output=True, text=True).stdout)["peak_gmacs"]
    print(f"one-core peak (2000^3 faer product): {peak:.1f} G multiply-adds/s")
    rows = []
    tmp = tempfile.mkdtemp(prefix="nmfbench")
    for objective, sk_solver, our_solvers in (("kl", "mu", ("cd", "cd-plain", "mu")),
                                              ("frobenius", "cd", ("hals", "hals-plain", "mu"))):
        if objective not in objectives:
            continue
        for n in (100, 1000):
            for k in (5, 15):
                v, w0, h0 = make_case(96, n, k, seed=1000 * n + k)
                files = []
                for name, a in (("V", v), ("W0", w0), ("H0", h0)):
                    path = os.path.join(tmp, f"{name}_{n}_{k}.tsv")
                    np.savetxt(path, a, delimiter="\t", fmt="%.17g")
                    files.append(path)
                model = NMF(n_components=k, init="custom", solver=sk_solver, tol=tol, max_iter=max_iter,
                            beta_loss="kullback-leibler" if objective == "kl" else "frobenius")
                sk_time = float("inf")
                for _ in range(repeat):
                    t0 = time.thread_time()
                    w = model.fit_transform(v, W=w0.copy(), H=h0.copy())
                    sk_time = min(sk_time, time.thread_time() - t0)
                h = model.components_
                sk_obj = (kl if objective == "kl" else frob)(v, w @ h)
                for s in our_solvers:
                    ours = min((run_ours(binary, s, objective, files, sk_obj, 10 * max_iter) for _ in range(repeat)),
                               key=lambda o: o["cpu_seconds"])
                    rows.append((f"{objective} n={n} k={k}", f"{sk_solver}({model.n_iter_} it)", sk_time, sk_obj,
                                 f"{s}({ours['iterations']} it)", ours["cpu_seconds"], ours["objective"],
                                 sk_time / max(ours["cpu_seconds"], 1e-9), ours["gmacs"], 100 * ours["gmacs"] / peak))
    head = ("case", "sklearn", "sk CPU s", "sk objective", "ours", "our CPU s", "our objective", "ratio",
            "our G/s (4mnk/it)", "% of peak")
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for r in rows:
        print(f"| {r[0]} | {r[1]} | {r[2]:.4f} | {r[3]:.8g} | {r[4]} | {r[5]:.4f} | {r[6]:.8g} | {r[7]:.1f}x "
              f"| {r[8]:.2f} | {r[9]:.0f}% |")


if __name__ == "__main__":
    main()
