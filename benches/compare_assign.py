#!/usr/bin/env python3
"""Side-by-side refitting benchmark: `mutasig assign` vs SigProfilerAssignment `cosmic_fit`.

Simulates cohorts with `mutasig simulate` (COSMIC v3.6 SBS96 GRCh37, a pool of signatures
common in real tumours, 2..5 active per sample), fits each cohort with

  * mutasig assign CAT -o OUT --threads T --no-plots          (likelihood criterion, default)
  * SigProfilerAssignment Analyzer.cosmic_fit(...)            (matrix input, otherwise defaults)
  * mutasig assign ... --criterion l2                         (SPA's relative-L2 rule, reference)

one after the other (never concurrently), times the wall clock of each process, and scores
every exposure table against truth_exposures.tsv with the metrics of Medo, Ng & Medova 2024
(Nat Commun 15:9467, SigFitTest `MS_run_and_evaluate.py`):

  * estimates under 10 mutations are set to 0;
  * fitting error per sample = 1/2 * sum_s |w_hat_s / N - w_s / W|, where N is the sample's
    observed mutation count (what the tools fit), W = sum_s w_s the truth's expected total;
    this is SigFitTest's sum|w_hat - w| / (2N) in fractions (there N is both, because the
    simulated total is fixed); dropped (<10) mass still counts as error;
  * per sample, TP: true > 0 and est > 0, FP: true = 0 and est > 0, FN: true > 0 and est = 0;
    precision, recall and F1 per sample (0 when undefined, as in SigFitTest), averaged.
  * extra column: F1 scored without SBS1 and SBS5. Both tools keep SBS1/SBS5 as background in
    every fit, while the simulator draws them like any other pool member, so most of the
    false positives sit there.

Usage (run with the SigProfilerAssignment venv's python):
  python benches/compare_assign.py --mutasig path/to/mutasig [--quick] [--outdir DIR]

SPA runs in a child process of the same python (`sys.executable`, or --spa-python), so its
wall time includes interpreter start and imports, like mutasig's includes process start;
the time spent inside cosmic_fit alone is reported too. SPA gets make_plots=False and
matrix input, so it needs no reference-genome install and downloads nothing.
"""
import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import time

import numpy as np
import pandas as pd

POOL = [
    "SBS1", "SBS5", "SBS2", "SBS13", "SBS3", "SBS8", "SBS18", "SBS17a", "SBS17b",
    "SBS4", "SBS7a", "SBS40a", "SBS6", "SBS26",
]
BACKGROUND = ("SBS1", "SBS5")
UNKNOWN = "Unknown_process"  # mutasig simulate --unknown
MIN_MUTATIONS = 10  # Medo et al.: estimates under 10 mutations count as 0

# name, simulate options, seed offset
COHORTS = [
    ("WGS-like (Poisson)", ["--burden-median", "3000", "--noise", "poisson"], 0),
    ("exome-like (Poisson)", ["--burden-median", "100", "--noise", "poisson"], 1),
    ("WGS-like (negbin:20)", ["--burden-median", "3000", "--noise", "negbin:20"], 2),
    # real tumours are not COSMIC mixtures: profiles perturbed from COSMIC (cosine
    # 0.93-0.99), varying per sample, 10% of mutations from a process absent from the
    # reference, overdispersed counts
    ("perturbed WGS-like", ["--burden-median", "3000", "--noise", "negbin:30", "--perturb", "0.93..0.99",
                            "--sample-sd", "0.1", "--unknown", "0.1"], 3),
    ("perturbed deep WGS", ["--burden-median", "20000", "--noise", "negbin:30", "--perturb", "0.93..0.99",
                            "--sample-sd", "0.1", "--unknown", "0.1"], 4),
    ("perturbed exome-like", ["--burden-median", "150", "--noise", "negbin:30", "--perturb", "0.93..0.99",
                              "--sample-sd", "0.1", "--unknown", "0.1"], 5),
]

SPA_DRIVER = r"""
import json, sys, time
t0 = time.time()
from SigProfilerAssignment import Analyzer
t1 = time.time()
samples, output, cpu = sys.argv[1], sys.argv[2], int(sys.argv[3])
Analyzer.cosmic_fit(
    samples=samples, output=output, input_type="matrix", context_type="96",
    genome_build="GRCh37", cosmic_version=3.6, exome=False, make_plots=False,
    sample_reconstruction_plots=False, verbose=False, cpu=cpu,
)
t2 = time.time()
print("SPA_TIMES " + json.dumps({"import_s": t1 - t0, "fit_s": t2 - t1}))
"""

SPA_ACTIVITIES = os.path.join("Assignment_Solution", "Activities", "Assignment_Solution_Activities.txt")


def loadavg():
    try:
        return os.getloadavg()[0]
    except OSError:
        return float("nan")


def run_timed(cmd, log_path, env=None):
    """Run cmd, stdout+stderr to log_path; return (wall seconds, stdout text, load before)."""
    load = loadavg()
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    wall = time.perf_counter() - t0
    with open(log_path, "w") as fh:
        fh.write(" ".join(cmd) + "\n\n" + proc.stdout)
    if proc.returncode != 0:
        sys.exit(f"command failed ({proc.returncode}): {' '.join(cmd)}\nsee {log_path}\n{proc.stdout[-3000:]}")
    return wall, proc.stdout, load


def read_table(path, index_col):
    df = pd.read_csv(path, sep="\t", index_col=index_col)
    df.index = df.index.astype(str)
    return df.astype(float)


def score(truth, est, observed):
    """Medo et al. 2024 metrics. truth/est: Sample x signature (counts); observed: Sample -> N."""
    sigs = sorted(set(truth.columns) | set(est.columns))
    truth = truth.reindex(index=truth.index, columns=sigs, fill_value=0.0)
    # samples a tool dropped (no mutations) count as all-zero estimates
    est = est.reindex(index=truth.index, columns=sigs, fill_value=0.0).fillna(0.0)
    est = est.where(est >= MIN_MUTATIONS, 0.0)
    t = truth.to_numpy()
    e = est.to_numpy()
    n_obs = observed.reindex(truth.index).to_numpy(dtype=float)
    w_tot = t.sum(axis=1)
    err = 0.5 * np.abs(e / n_obs[:, None] - t / w_tot[:, None]).sum(axis=1)

    def prf(mask):
        tp = ((t > 0) & (e > 0) & mask).sum(axis=1)
        fp = ((t == 0) & (e > 0) & mask).sum(axis=1)
        fn = ((t > 0) & (e == 0) & mask).sum(axis=1)
        with np.errstate(divide="ignore", invalid="ignore"):
            p = np.where(tp + fp > 0, tp / (tp + fp), 0.0)
            r = np.where(tp + fn > 0, tp / (tp + fn), 0.0)
            f = np.where(p + r > 0, 2 * p * r / (p + r), 0.0)
        # SigFitTest sets P = R = 0 when nothing is estimated; a sample with no true
        # signature in the scored set and nothing estimated there is a perfect call
        empty = (tp + fp + fn) == 0
        p, r, f = (np.where(empty, 1.0, x) for x in (p, r, f))
        return p.mean(), r.mean(), f.mean(), fp.mean(), fn.mean()

    # a process absent from the reference (perturbed cohorts) cannot be called: it counts
    # in the fitting error (its mutations are misattributed) but not in precision/recall
    known = np.array([s != UNKNOWN for s in sigs])
    all_mask = known[None, :]
    no_bg = np.array([s not in BACKGROUND and s != UNKNOWN for s in sigs])[None, :]
    p, r, f, fp, fn = prf(all_mask)
    _, _, f_nobg, _, _ = prf(no_bg)
    fp_weight = (np.where(t == 0, e, 0).sum(axis=1) / n_obs).mean()
    return {
        "fit_error": float(err.mean()),
        "fit_error_sd": float(err.std()),
        "precision": float(p),
        "recall": float(r),
        "f1": float(f),
        "f1_no_sbs1_sbs5": float(f_nobg),
        "fp_per_sample": float(fp),
        "fn_per_sample": float(fn),
        "fp_weight": float(fp_weight),
        "est_sigs_per_sample": float((e > 0).sum(axis=1).mean()),
        "true_sigs_per_sample": float((t > 0).sum(axis=1).mean()),
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--mutasig", default=os.environ.get("MUTASIG", shutil.which("mutasig") or "target/release/mutasig"))
    ap.add_argument("--spa-python", default=sys.executable, help="python with SigProfilerAssignment 1.1.5")
    ap.add_argument("--outdir", default="compare_assign_out")
    ap.add_argument("--samples", type=int, default=200)
    ap.add_argument("--quick", action="store_true", help="20 samples per cohort")
    ap.add_argument("--threads", type=int, default=2, help="mutasig --threads and SPA cpu=")
    ap.add_argument("--seed", type=int, default=2024, help="cohort i is simulated with seed + i")
    ap.add_argument("--cohorts", default="0,1,2", help="indices into the cohort list")
    ap.add_argument("--no-l2", action="store_true", help="skip the mutasig --criterion l2 run")
    ap.add_argument("--variant", action="append", default=[],
                    help="extra mutasig assign run: 'LABEL=ARG ARG ...' (e.g. 'per-sample=--per-sample')")
    ap.add_argument("--no-spa", action="store_true", help="skip SigProfilerAssignment (tuning runs)")
    args = ap.parse_args()
    n_samples = 20 if args.quick else args.samples
    outdir = os.path.abspath(args.outdir)
    os.makedirs(outdir, exist_ok=True)
    mutasig = os.path.abspath(args.mutasig) if os.path.sep in args.mutasig else args.mutasig

    versions = {
        "mutasig": subprocess.run([mutasig, "--version"], capture_output=True, text=True).stdout.strip(),
        "SigProfilerAssignment": subprocess.run(
            [args.spa_python, "-c", "import SigProfilerAssignment.version as v; print(v.short_version)"],
            capture_output=True, text=True).stdout.strip(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "pandas": pd.__version__,
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
    }
    print("versions:", json.dumps(versions), file=sys.stderr)

    spa_env = dict(os.environ)  # unchanged: SPA's own parallelism (cpu=, loky) decides

    rows = []
    for ci in [int(x) for x in args.cohorts.split(",")]:
        name, sim_opts, seed_off = COHORTS[ci]
        cdir = os.path.join(outdir, f"cohort{ci}")
        if os.path.isdir(cdir):
            shutil.rmtree(cdir)
        os.makedirs(cdir)
        sim = os.path.join(cdir, "sim")
        cmd = [mutasig, "simulate", "--signatures", ",".join(POOL), "--samples", str(n_samples),
               "--active", "2..5", "--seed", str(args.seed + seed_off), "-o", sim, "--threads", str(args.threads)] + sim_opts
        run_timed(cmd, os.path.join(cdir, "simulate.log"))
        cat = os.path.join(sim, "catalogue.tsv")
        truth = read_table(os.path.join(sim, "truth_exposures.tsv"), 0)
        observed = read_table(cat, 0).sum(axis=0)
        burdens = observed.to_numpy()
        print(f"\n== {name}: {n_samples} samples, median burden {np.median(burdens):.0f} "
              f"(min {burdens.min():.0f}, max {burdens.max():.0f})", file=sys.stderr)

        # ceiling: the truth itself, rescaled to the observed total and put through the same
        # <10-mutation rule (active signatures with under 10 expected mutations are lost)
        oracle = score(truth, truth.mul(observed.reindex(truth.index) / truth.sum(axis=1), axis=0), observed)
        rows.append({"cohort": name, "samples": n_samples, "tool": "truth (ceiling)", "wall_s": None,
                     "load_before": None, **oracle})

        runs = [("mutasig", [])]
        if not args.no_spa:
            runs.append(("SigProfilerAssignment", None))
        if not args.no_l2:
            runs.append(("mutasig --criterion l2", ["--criterion", "l2"]))
        for v in args.variant:
            label, _, rest = v.partition("=")
            runs.append((f"mutasig {label}", rest.split()))
        walls = {}
        for tool, extra in runs:
            tag = "spa" if extra is None else ("mutasig_" + "".join(c if c.isalnum() else "_" for c in tool[8:]) if extra else "mutasig")
            out = os.path.join(cdir, tag)
            info = {}
            if extra is None:
                wall, stdout, load = run_timed(
                    [args.spa_python, "-c", SPA_DRIVER, cat, out, str(args.threads)],
                    os.path.join(cdir, "spa.log"), env=spa_env)
                for line in stdout.splitlines():
                    if line.startswith("SPA_TIMES "):
                        info = json.loads(line[len("SPA_TIMES "):])
                est = read_table(os.path.join(out, SPA_ACTIVITIES), 0)
            else:
                env = dict(os.environ)
                env.update(x.split("=", 1) for x in extra if x.startswith("MUTASIG_"))
                flags = [x for x in extra if not x.startswith("MUTASIG_")]
                wall, _, load = run_timed(
                    [mutasig, "assign", cat, "-o", out, "--threads", str(args.threads), "--no-plots"] + flags,
                    os.path.join(cdir, f"{tag}.log"), env=env)
                est = read_table(os.path.join(out, "exposures.tsv"), 0)
            walls[tool] = wall
            m = score(truth, est, observed)
            row = {"cohort": name, "samples": n_samples, "tool": tool, "wall_s": wall, "load_before": load, **info, **m}
            rows.append(row)
            extra_t = f" (cosmic_fit itself {info['fit_s']:.1f} s)" if info else ""
            print(f"   {tool:24s} {wall:8.2f} s{extra_t}  load {load:.2f}  err {m['fit_error']:.4f}  "
                  f"P {m['precision']:.3f}  R {m['recall']:.3f}  F1 {m['f1']:.3f}", file=sys.stderr)
        for row in rows:
            if row["cohort"] == name and row["wall_s"] is not None:
                if "SigProfilerAssignment" in walls:
                    row["spa_over_this"] = walls["SigProfilerAssignment"] / row["wall_s"]

    with open(os.path.join(outdir, "results.json"), "w") as fh:
        json.dump({"versions": versions, "command": sys.argv, "seed": args.seed, "rows": rows}, fh, indent=2)

    lines = [
        "| cohort | tool | wall s | mean fitting error | precision | recall | F1 | F1 w/o SBS1/5 | FP/sample | FN/sample | speed ratio (SPA wall / this wall) |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        if r["wall_s"] is None:
            ratio, wall = "", "–"
        else:
            ratio = "1 (reference)" if r["tool"] == "SigProfilerAssignment" else (
                f"{r['spa_over_this']:.0f}×" if "spa_over_this" in r else "")
            wall = f"{r['wall_s']:.2f}"
        lines.append(
            f"| {r['cohort']} | {r['tool']} | {wall} | {r['fit_error']:.4f} | {r['precision']:.3f} | "
            f"{r['recall']:.3f} | {r['f1']:.3f} | {r['f1_no_sbs1_sbs5']:.3f} | {r['fp_per_sample']:.2f} | "
            f"{r['fn_per_sample']:.2f} | {ratio} |")
    table = "\n".join(lines)
    with open(os.path.join(outdir, "table.md"), "w") as fh:
        fh.write(table + "\n")
    print(table)


if __name__ == "__main__":
    main()
