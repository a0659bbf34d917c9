#!/usr/bin/env python3
"""Side-by-side benchmark: `mutasig extract` versus SigProfilerExtractor (Python).

For each cohort this script
  1. simulates a catalogue with known signatures (`mutasig simulate --seed S`);
  2. runs `mutasig extract` and then SigProfilerExtractor on it, one after the
     other (never concurrently), each under `/usr/bin/time -v`, while a poller
     samples the summed RSS of the child's whole process tree with psutil;
  3. reads each tool's selected solution and scores it against the truth with
     the Islam et al. 2022 rule (SigProfilerExtractor `subroutines.py::evaluation`):
     Hungarian matching on cosine distance, TP = matched pairs with cosine >= 0.90,
     FP = max(0, n_est - n_true) + matched pairs below 0.90,
     FN = max(0, n_true - n_est) + matched pairs below 0.90;
  4. prints a markdown table (and writes it, plus results.json, to the work dir).

Run it with the Python of a virtual environment that has SigProfilerExtractor
1.4.1, numpy, scipy and psutil installed, e.g.

    /work/venvs/sp/bin/python benches/compare_extract.py --mutasig target/release/mutasig \
        --workdir /tmp/cmp --cohorts A,B

`--quick` runs a tiny cohort (30 samples, ranks 2..3, 3 replicates) end to end.
Finished runs are cached in the work dir (results of a run are reused unless
`--rerun`), so an interrupted benchmark can be resumed; `--table-only` re-renders
the table from what is there.
"""

import argparse
import csv
import json
import os
import platform
import re
import shutil
import signal
import subprocess
import sys
import threading
import time

import numpy as np
from scipy.optimize import linear_sum_assignment

try:
    import psutil
except ImportError:  # the table then has only /usr/bin/time's single-process peak
    psutil = None

COSINE_CUTOFF = 0.90

# name: (samples, signatures, noise, burden median)
COHORTS = {
    "A": dict(samples=100, signatures="SBS1,SBS2,SBS3,SBS5,SBS13,SBS18", noise="poisson", burden=3000),
    "B": dict(
        samples=100,
        signatures="SBS1,SBS2,SBS5,SBS7a,SBS7b,SBS13,SBS17b,SBS40a",
        noise="negbin:20",
        burden=3000,
    ),
    "C": dict(
        samples=500,
        signatures="SBS1,SBS2,SBS3,SBS5,SBS8,SBS13,SBS17b,SBS18",
        noise="poisson",
        burden=3000,
    ),
    # benches/rank_grid.py's cohorts (a) and (b) (same simulate flags; pass --seed S)
    "a": dict(samples=400, signatures="SBS1,SBS2,SBS3,SBS5,SBS13,SBS18", noise="poisson", burden=110),
    "b": dict(
        samples=300,
        signatures="SBS1,SBS2,SBS3,SBS5,SBS7a,SBS8,SBS13,SBS17b,SBS18,SBS40a,SBS4,SBS6,SBS9",
        noise="negbin:30",
        burden=3000,
    ),
    "quick": dict(samples=30, signatures="SBS1,SBS2,SBS13", noise="poisson", burden=3000),
}

SP_DRIVER = r"""
import sys
from SigProfilerExtractor import sigpro as sig
if __name__ == "__main__":
    out, cat, kmin, kmax, reps, cpu = sys.argv[1:7]
    sig.sigProfilerExtractor(
        "matrix", out, cat,
        minimum_signatures=int(kmin), maximum_signatures=int(kmax),
        nmf_replicates=int(reps), cpu=int(cpu),
        make_decomposition_plots=False,
    )
"""


# ---------------------------------------------------------------- measurement


class TreeRssPoller(threading.Thread):
    """Samples the memory of a process and all its descendants.

    The summed RSS (every `interval` s) counts pages shared between forked
    workers once per process, so it is an upper bound; the summed PSS (every
    `pss_every` polls, since reading smaps costs ~50 ms per process) divides
    shared pages among their users and is closer to the real footprint."""

    def __init__(self, pid, interval=0.5, pss_every=20):
        super().__init__(daemon=True)
        self.pid = pid
        self.interval = interval
        self.pss_every = pss_every
        self.peak = 0
        self.peak_procs = 0
        self.peak_pss = 0
        self._halt = threading.Event()

    def run(self):
        try:
            root = psutil.Process(self.pid)
        except psutil.Error:
            return
        tick = 0
        while not self._halt.is_set():
            try:
                procs = [root] + root.children(recursive=True)
            except psutil.Error:
                break
            total, n, pss = 0, 0, 0
            want_pss = tick % self.pss_every == self.pss_every - 1
            for p in procs:
                try:
                    total += p.memory_info().rss
                    n += 1
                    if want_pss:
                        pss += p.memory_full_info().pss
                except psutil.Error:
                    pass
            if total > self.peak:
                self.peak, self.peak_procs = total, n
            self.peak_pss = max(self.peak_pss, pss)
            tick += 1
            self._halt.wait(self.interval)

    def stop(self):
        self._halt.set()


def parse_time_v(path):
    out = {}
    try:
        text = open(path).read()
    except OSError:
        return out
    m = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (\S+)", text)
    if m:
        parts = [float(x) for x in m.group(1).split(":")]
        secs = 0.0
        for p in parts:
            secs = secs * 60 + p
        out["time_wall_s"] = secs
    m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", text)
    if m:
        out["time_maxrss_mb"] = int(m.group(1)) / 1024
    for key, label in (("user_s", "User time (seconds)"), ("sys_s", "System time (seconds)")):
        m = re.search(re.escape(label) + r": (\S+)", text)
        if m:
            out[key] = float(m.group(1))
    m = re.search(r"Exit status: (\d+)", text)
    if m:
        out["exit_status"] = int(m.group(1))
    return out


def run_measured(cmd, log_path, timeout_s, env=None):
    """Runs cmd under /usr/bin/time -v (if present); returns a dict of measurements."""
    time_path = log_path + ".time"
    timebin = "/usr/bin/time" if os.path.exists("/usr/bin/time") else None
    full = ([timebin, "-v", "-o", time_path] if timebin else []) + cmd
    with open(log_path, "w") as log:
        log.write("$ " + " ".join(cmd) + "\n")
        log.flush()
        t0 = time.monotonic()
        proc = subprocess.Popen(full, stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True)
        poller = None
        if psutil is not None:
            poller = TreeRssPoller(proc.pid)
            poller.start()
        timed_out = False
        try:
            rc = proc.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            timed_out = True
            os.killpg(proc.pid, signal.SIGTERM)  # the session this script started for the child
            try:
                rc = proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                rc = proc.wait()
        wall = time.monotonic() - t0
        if poller is not None:
            poller.stop()
            poller.join()
    res = {"cmd": cmd, "rc": rc, "timed_out": timed_out, "wall_s": wall}
    if poller is not None:
        res["tree_peak_rss_mb"] = poller.peak / 2**20
        res["tree_peak_procs"] = poller.peak_procs
        res["tree_peak_pss_mb"] = poller.peak_pss / 2**20 if poller.peak_pss else None
    res.update(parse_time_v(time_path))
    # a run shorter than one poll interval is seen by /usr/bin/time only
    res["peak_rss_mb"] = max(res.get("tree_peak_rss_mb") or 0, res.get("time_maxrss_mb") or 0) or None
    if "time_wall_s" in res and not timed_out:
        res["wall_s"] = res["time_wall_s"]
    return res


# ---------------------------------------------------------------- scoring


def read_sig_table(path):
    with open(path) as f:
        rows = [r for r in csv.reader(f, delimiter="\t") if r]
    header = rows[0][1:]
    labels = [r[0] for r in rows[1:]]
    mat = np.array([[float(x) for x in r[1:]] for r in rows[1:]])
    return labels, header, mat


def aligned(truth_path, est_path):
    tl, tn, T = read_sig_table(truth_path)
    el, en, E = read_sig_table(est_path)
    pos = {lab: i for i, lab in enumerate(el)}
    missing = [lab for lab in tl if lab not in pos]
    if missing:
        raise ValueError(f"{est_path}: {len(missing)} channels of the truth missing, e.g. {missing[:3]}")
    E = E[[pos[lab] for lab in tl], :]
    return tn, T, en, E


def cosine_matrix(A, B):
    An = A / np.maximum(np.linalg.norm(A, axis=0, keepdims=True), 1e-300)
    Bn = B / np.maximum(np.linalg.norm(B, axis=0, keepdims=True), 1e-300)
    return An.T @ Bn


def evaluate(truth_path, est_path, cutoff=COSINE_CUTOFF):
    tn, T, en, E = aligned(truth_path, est_path)
    C = cosine_matrix(T, E)  # n_true x n_est
    rows, cols = linear_sum_assignment(1.0 - C)
    matched = [(tn[i], en[j], float(C[i, j])) for i, j in zip(rows, cols)]
    below = sum(1 for _, _, c in matched if c < cutoff)
    n_true, n_est = len(tn), len(en)
    tp = len(matched) - below
    fp = max(0, n_est - n_true) + below
    fn = max(0, n_true - n_est) + below
    prec = tp / (tp + fp) if tp + fp else 0.0
    rec = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
    # best cosine of every true signature to any estimate (not one-to-one)
    best_any = {tn[i]: float(C[i].max()) for i in range(n_true)} if n_est else {}
    return {
        "n_true": n_true,
        "n_est": n_est,
        "tp": tp,
        "fp": fp,
        "fn": fn,
        "precision": prec,
        "recall": rec,
        "f1": f1,
        "mean_matched_cosine": float(np.mean([c for _, _, c in matched])) if matched else float("nan"),
        "matches": sorted(matched, key=lambda m: m[0]),
        "best_cosine_any": best_any,
    }


# ---------------------------------------------------------------- tool outputs


def mutasig_outputs(out):
    sel = None
    with open(os.path.join(out, "rank_selection.tsv")) as f:
        for r in csv.DictReader(f, delimiter="\t"):
            if r["selected"] == "true":
                sel = int(r["rank"])
    return sel, os.path.join(out, "signatures.tsv"), lambda k: os.path.join(out, "ranks", f"k{k}", "signatures.tsv")


def sp_outputs(out):
    base = os.path.join(out, "SBS96")
    sel = None
    with open(os.path.join(base, "All_solutions_stat.csv")) as f:
        for r in csv.reader(f):
            if r and r[0].endswith("*"):
                sel = int(r[0].rstrip("*"))
    sug = os.path.join(base, "Suggested_Solution", "SBS96_De-Novo_Solution", "Signatures", "SBS96_De-Novo_Signatures.txt")
    if not os.path.exists(sug) and sel is not None:
        sug = os.path.join(base, "All_Solutions", f"SBS96_{sel}_Signatures", "Signatures", f"SBS96_S{sel}_Signatures.txt")

    def per_rank(k):
        return os.path.join(base, "All_Solutions", f"SBS96_{k}_Signatures", "Signatures", f"SBS96_S{k}_Signatures.txt")

    return sel, sug, per_rank


# ---------------------------------------------------------------- driver


def sh(cmd):
    return subprocess.run(cmd, check=True, capture_output=True, text=True).stdout.strip()


def simulate(args, name, spec, workdir):
    sim = os.path.join(workdir, f"sim_{name}")
    if os.path.exists(os.path.join(sim, "catalogue.tsv")) and not args.rerun:
        return sim
    cmd = [
        args.mutasig, "simulate", "--signatures", spec["signatures"], "--samples", str(spec["samples"]),
        "--burden-median", str(spec["burden"]), "--noise", spec["noise"], "--seed", str(args.seed),
        "-o", sim, "--force", "-q",
    ]
    subprocess.run(cmd, check=True)
    return sim


def run_cohort(args, name, workdir, results):
    spec = COHORTS[name]
    kmin, kmax, reps = (2, 3, 3) if name == "quick" else (args.min_rank, args.max_rank, args.replicates)
    sim = simulate(args, name, spec, workdir)
    cat = os.path.join(sim, "catalogue.tsv")
    truth = os.path.join(sim, "truth_signatures.tsv")
    n_true = len(read_sig_table(truth)[1])
    for tool in args.tools:
        key = f"{name}/{tool}"
        if key in results and not args.rerun and results[key].get("rc") == 0:
            print(f"[{key}] cached, skipping", file=sys.stderr)
            continue
        out = os.path.join(workdir, f"{tool}_{name}")
        if os.path.exists(out):
            shutil.rmtree(out)
        log = os.path.join(workdir, f"{tool}_{name}.log")
        if tool == "mutasig":
            cmd = [
                args.mutasig, "extract", cat, "-o", out, "--min-rank", str(kmin), "--max-rank", str(kmax),
                "--replicates", str(reps), "--threads", str(args.threads), "--no-plots", "--seed", str(args.seed),
            ]
        else:
            driver = os.path.join(workdir, "sp_driver.py")
            with open(driver, "w") as f:
                f.write(SP_DRIVER)
            cmd = [args.sp_python, driver, out, cat, str(kmin), str(kmax), str(reps), str(args.threads)]
        print(f"[{key}] {time.strftime('%H:%M:%S')} start: {' '.join(cmd)}", file=sys.stderr)
        res = run_measured(cmd, log, args.timeout)
        res.update(cohort=name, tool=tool, spec=spec, n_true=n_true, kmin=kmin, kmax=kmax, replicates=reps)
        print(f"[{key}] {time.strftime('%H:%M:%S')} done rc={res['rc']} wall={res['wall_s']:.1f}s", file=sys.stderr)
        if res["rc"] == 0:
            sel, sig_path, per_rank = (mutasig_outputs if tool == "mutasig" else sp_outputs)(out)
            res["chosen_rank"] = sel
            res["signatures_file"] = sig_path
            res["eval"] = evaluate(truth, sig_path)
            tk = per_rank(n_true)
            if os.path.exists(tk):
                res["eval_at_true_k"] = evaluate(truth, tk)
        results[key] = res
        save(workdir, results)


def save(workdir, results):
    with open(os.path.join(workdir, "results.json"), "w") as f:
        json.dump(results, f, indent=1, default=str)


def fmt(x, spec=".2f"):
    return "n/a" if x is None or (isinstance(x, float) and np.isnan(x)) else format(x, spec)


def cpu_s(r):
    if "user_s" in r and "sys_s" in r:
        return r["user_s"] + r["sys_s"]
    return None


def table(results, cohorts, tools):
    lines = [
        "| cohort | tool | wall s | CPU s (user+sys) | peak RSS MB (tree sum) | peak PSS MB (tree, sampled) | chosen rank (truth k) "
        "| TP/FP/FN | precision | recall | F1 | mean matched cosine | F1 at true k | speed ratio (SP wall / mutasig wall) |",
        "|---|---|---:|---:|---:|---:|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for c in cohorts:
        mu = results.get(f"{c}/mutasig")
        for t in tools:
            r = results.get(f"{c}/{t}")
            if r is None:
                continue
            spec = r["spec"]
            label = f"{c} ({spec['samples']} samples, {r['n_true']} sigs, {spec['noise']})"
            name = "mutasig" if t == "mutasig" else "SigProfilerExtractor"
            if r["rc"] != 0:
                status = "TIMED OUT" if r["timed_out"] else f"FAILED rc={r['rc']}"
                lines.append(
                    f"| {label} | {name} | >{r['wall_s']:.0f} ({status}) | {fmt(cpu_s(r), '.0f')} | {fmt(r.get('peak_rss_mb'), '.0f')} "
                    f"| {fmt(r.get('tree_peak_pss_mb'), '.0f')} | n/a | n/a | n/a | n/a | n/a | n/a | n/a | n/a |"
                )
                continue
            e = r["eval"]
            et = r.get("eval_at_true_k")
            ratio = ""
            if t != "mutasig" and mu and mu.get("rc") == 0:
                ratio = f"{r['wall_s'] / mu['wall_s']:.1f}x"
                if cpu_s(r) and cpu_s(mu):
                    ratio += f" (CPU {cpu_s(r) / cpu_s(mu):.1f}x)"
            lines.append(
                f"| {label} | {name} | {r['wall_s']:.1f} | {fmt(cpu_s(r), '.0f')} | {fmt(r.get('peak_rss_mb'), '.0f')} "
                f"| {fmt(r.get('tree_peak_pss_mb'), '.0f')} | {r['chosen_rank']} ({r['n_true']}) "
                f"| {e['tp']}/{e['fp']}/{e['fn']} | {e['precision']:.2f} | {e['recall']:.2f} | {e['f1']:.2f} "
                f"| {fmt(e['mean_matched_cosine'], '.3f')} | {fmt(et['f1'] if et else None)} | {ratio} |"
            )
    return "\n".join(lines)


def details(results, cohorts, tools):
    out = []
    for c in cohorts:
        for t in tools:
            r = results.get(f"{c}/{t}")
            if not r or r["rc"] != 0:
                continue
            e = r["eval"]
            pairs = ", ".join(f"{a}->{b} {cos:.3f}" for a, b, cos in e["matches"])
            unmatched = [a for a, cos in e["best_cosine_any"].items() if a not in {m[0] for m in e["matches"]}]
            out.append(f"- {c} / {t}: rank {r['chosen_rank']}; matches: {pairs}"
                       + (f"; unmatched truth: {', '.join(unmatched)}" if unmatched else "")
                       + f"; largest single process {fmt(r.get('time_maxrss_mb'), '.0f')} MB"
                       + f" ({r.get('tree_peak_procs', '?')} processes at the RSS peak)")
    return "\n".join(out)


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mutasig", default=os.path.join(here, "..", "target", "release", "mutasig"))
    ap.add_argument("--sp-python", default=sys.executable, help="Python with SigProfilerExtractor (default: this one)")
    ap.add_argument("--workdir", default="/tmp/compare_extract")
    ap.add_argument("--cohorts", default="A,B", help="comma-separated, from: " + ",".join(COHORTS))
    ap.add_argument("--tools", default="mutasig,sigprofiler")
    ap.add_argument("--seed", type=int, default=42, help="simulation and mutasig seed (SigProfiler keeps seeds='random')")
    ap.add_argument("--min-rank", type=int, default=1)
    ap.add_argument("--max-rank", type=int, default=10)
    ap.add_argument("--replicates", type=int, default=20)
    ap.add_argument("--threads", type=int, default=2, help="mutasig --threads and SigProfiler cpu=")
    ap.add_argument("--timeout", type=float, default=2400, help="seconds per tool run before it is killed")
    ap.add_argument("--quick", action="store_true", help="tiny cohort, ranks 2..3, 3 replicates")
    ap.add_argument("--rerun", action="store_true", help="ignore cached results in the work dir")
    ap.add_argument("--table-only", action="store_true", help="only print the table from results.json")
    args = ap.parse_args()
    args.mutasig = os.path.abspath(args.mutasig)
    args.tools = args.tools.split(",")
    cohorts = ["quick"] if args.quick else args.cohorts.split(",")
    os.makedirs(args.workdir, exist_ok=True)
    rpath = os.path.join(args.workdir, "results.json")
    results = json.load(open(rpath)) if os.path.exists(rpath) else {}

    if not args.table_only:
        versions = {
            "mutasig": sh([args.mutasig, "--version"]),
            "sigprofiler": sh([args.sp_python, "-c",
                               "import importlib.metadata as m; print(' '.join(p + ' ' + m.version(p) for p in "
                               "['SigProfilerExtractor','SigProfilerAssignment','sigProfilerPlotting','numpy','torch']))"]),
            "python": sh([args.sp_python, "--version"]),
            "cpu": platform.processor() or platform.machine(),
            "nproc": os.cpu_count(),
        }
        results["_versions"] = versions
        for c in cohorts:
            run_cohort(args, c, args.workdir, results)
        save(args.workdir, results)
    tab = table(results, cohorts, args.tools)
    det = details(results, cohorts, args.tools)
    text = tab + "\n\n" + det + "\n"
    with open(os.path.join(args.workdir, "table.md"), "w") as f:
        f.write(text)
    print(text)


if __name__ == "__main__":
    main()
