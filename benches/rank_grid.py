#!/usr/bin/env python3
"""Rank-selection grid (issue #13): how often `mutasig extract` picks the true rank.

For each cohort and seed S this script
  1. simulates a catalogue with `mutasig simulate --seed S` (cohort specs below);
  2. runs `mutasig extract --seed S --min-rank L --max-rank K --replicates R --threads T
     --no-plots` with every binary given (e.g. main's build as "before" and this
     branch's as "after"), timing each run; `--replicates default` leaves the flag out
     (the binary's default: 100, added by need from 20 since replicates by need);
  3. scores the selected solution, and every rank's solution (`ranks/k{K}/`), against
     the truth with `mutasig compare` (Hungarian matching on cosine): TP = matched
     pairs with cosine >= 0.90, FP = n_est - TP, FN = n_true - TP, F1 = 2TP/(2TP+FP+FN)
     (Islam et al. 2022, as benches/compare_extract.py);
  4. prints a markdown table per cohort and writes results.json to the work dir.

Cohort d is four tumour types simulated separately (each its own signature group and
seed) and joined sample-wise; its truth is the union of the groups' signatures.

Only the Python standard library is needed. Example:

    python3 benches/rank_grid.py --bin before=/tmp/main/mutasig \
        --bin after=target/release/mutasig --workdir /tmp/rank_grid \
        --cohorts a,c --seeds 1-10

Finished runs are cached in the work dir (delete it, or one run's folder, to redo).
"""

import argparse
import json
import os
import subprocess
import sys
import time

COHORTS = {
    # name: (samples, burden median, signatures, noise, min rank, max rank)
    "a": (400, 110, "SBS1,SBS2,SBS3,SBS5,SBS13,SBS18", "poisson", 1, 8),
    "c": (100, 3000, "SBS1,SBS2,SBS3,SBS5,SBS13,SBS18", "poisson", 1, 8),
    "b": (
        300,
        3000,
        "SBS1,SBS2,SBS3,SBS5,SBS7a,SBS8,SBS13,SBS17b,SBS18,SBS40a,SBS4,SBS6,SBS9",
        "negbin:30",
        1,
        16,
    ),
    # 2,000 samples in four tumour types of 500 (groups below), 15 signatures in all
    "d": (500, 5000, None, "poisson", 10, 18),
}
GROUPS_D = [
    ("breast", "SBS1,SBS2,SBS3,SBS5,SBS8,SBS13,SBS18"),
    ("lung", "SBS1,SBS2,SBS4,SBS5,SBS13,SBS40a"),
    ("skin", "SBS1,SBS5,SBS7a,SBS7b,SBS7d,SBS40a"),
    ("colorectal", "SBS1,SBS5,SBS10a,SBS17a,SBS17b,SBS18,SBS40a"),
]
COSINE = 0.90


def sh(cmd):
    return subprocess.run(cmd, check=True, capture_output=True, text=True).stdout


def f1(mutasig, truth, est):
    rows = sh([mutasig, "compare", "-q", truth, est]).strip().split("\n")[1:]
    with open(est) as f:
        n_est = len(f.readline().rstrip("\n").split("\t")) - 1
    with open(truth) as f:
        n_true = len(f.readline().rstrip("\n").split("\t")) - 1
    tp = 0
    for r in rows:
        a, b, c = r.split("\t")
        if a != "NA" and b != "NA" and c != "NA" and float(c) >= COSINE:
            tp += 1
    fp, fn = n_est - tp, n_true - tp
    return 2 * tp / (2 * tp + fp + fn)


def read_tsv(path):
    with open(path) as f:
        rows = [line.rstrip("\n").split("\t") for line in f]
    return rows[0], rows[1:]


def simulate(sim_bin, sim, c, s):
    """Simulates cohort `c` with seed `s` into folder `sim` (catalogue.tsv and
    truth_signatures.tsv); returns the number of true signatures."""
    n, burden, sigs, noise, _, _ = COHORTS[c]
    def one(out, sigs, seed):
        if not os.path.exists(os.path.join(out, "summary.json")):
            sh([sim_bin, "simulate", "-q", "--signatures", sigs, "--samples", str(n),
                "--burden-median", str(burden), "--noise", noise, "--seed", str(seed),
                "-o", out, "--force"])
    if sigs is not None:
        one(sim, sigs, s)
        return len(sigs.split(","))
    cat = os.path.join(sim, "catalogue.tsv")
    names = sorted({x for _, g in GROUPS_D for x in g.split(",")})
    if not os.path.exists(cat):
        cols, truth = {}, {}
        channels = None
        for g, (tissue, gsigs) in enumerate(GROUPS_D):
            part = f"{sim}_{tissue}"
            one(part, gsigs, s * 10 + g)
            head, rows = read_tsv(os.path.join(part, "catalogue.tsv"))
            channels = [r[0] for r in rows] if channels is None else channels
            assert channels == [r[0] for r in rows]
            for j, name in enumerate(head[1:], 1):
                cols[f"{tissue}_{name}"] = [r[j] for r in rows]
            th, trows = read_tsv(os.path.join(part, "truth_signatures.tsv"))
            for j, name in enumerate(th[1:], 1):
                truth[name] = [r[j] for r in trows]
        os.makedirs(sim, exist_ok=True)
        for path, table in [(cat, cols), (os.path.join(sim, "truth_signatures.tsv"),
                                          {k: truth[k] for k in names})]:
            with open(path + ".tmp", "w") as f:
                f.write("\t".join(["MutationType", *table]) + "\n")
                for i, ch in enumerate(channels):
                    f.write("\t".join([ch, *(v[i] for v in table.values())]) + "\n")
            os.replace(path + ".tmp", path)
    return len(names)


def seeds(spec):
    out = []
    for part in spec.split(","):
        lo, _, hi = part.partition("-")
        out += list(range(int(lo), int(hi or lo) + 1))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", action="append", required=True, help="LABEL=PATH")
    ap.add_argument("--workdir", required=True)
    ap.add_argument("--cohorts", default="a,c")
    ap.add_argument("--seeds", default="1-10")
    ap.add_argument("--replicates", default="10", help="N, or 'default'")
    ap.add_argument("--extra", default="", help="more extract flags, space-separated")
    ap.add_argument("--tag", default="", help="suffix of the result keys (another setting)")
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    bins = [b.split("=", 1) for b in args.bin]
    os.makedirs(args.workdir, exist_ok=True)
    path = os.path.join(args.workdir, "results.json")
    results = json.load(open(path)) if os.path.exists(path) else {}
    sim_bin = bins[-1][1]
    reps = [] if args.replicates == "default" else ["--replicates", args.replicates]
    for c in args.cohorts.split(","):
        kmin, kmax = COHORTS[c][4:]
        for s in seeds(args.seeds):
            sim = os.path.join(args.workdir, f"sim_{c}{s}")
            n_true = simulate(sim_bin, sim, c, s)
            truth = os.path.join(sim, "truth_signatures.tsv")
            for label, binary in bins:
                key = f"{c}/{s}/{label}{args.tag}"
                if key in results:
                    continue
                out = os.path.join(args.workdir, f"ex_{c}{s}_{label}{args.tag}")
                t0 = time.time()
                sh([binary, "extract", "-q", os.path.join(sim, "catalogue.tsv"), "-o", out,
                    "--force", "--min-rank", str(kmin), "--max-rank", str(kmax), *reps,
                    *args.extra.split(), "--threads", str(args.threads), "--no-plots",
                    "--seed", str(s)])
                secs = time.time() - t0
                summ = json.load(open(os.path.join(out, "summary.json")))
                d = summ.get("details", summ)
                sel = d["selection"]
                per_rank = {}
                for k in range(kmin, kmax + 1):
                    est = os.path.join(out, "ranks", f"k{k}", "signatures.tsv")
                    if os.path.exists(est):
                        per_rank[k] = f1(binary, truth, est)
                results[key] = {
                    "true": n_true,
                    "selected": sel["selected"],
                    "votes": sel.get("votes"),
                    "plausible": sel.get("plausible"),
                    "likelihood": sel.get("likelihood"),
                    "candidates": sel.get("candidates"),
                    "ranks": d["ranks"],
                    "f1": per_rank[sel["selected"]],
                    "f1_by_rank": per_rank,
                    "seconds": secs,
                }
                json.dump(results, open(path, "w"), indent=1)
                print(key, sel["selected"], f"F1 {per_rank[sel['selected']]:.2f}",
                      f"{secs:.1f}s", sel.get("votes"), sel.get("plausible"),
                      file=sys.stderr, flush=True)
    for c in args.cohorts.split(","):
        print(f"\n### cohort {c}\n")
        print("| binary | runs | true-rank hits | ranks chosen | mean F1 | mean seconds |")
        print("|---|---:|---:|---|---:|---:|")
        for label, _ in bins:
            rs = [v for k, v in results.items() if k.startswith(f"{c}/")
                  and k.endswith(f"/{label}{args.tag}")
                  and int(k.split("/")[1]) in seeds(args.seeds)]
            if not rs:
                continue
            hits = sum(r["selected"] == r["true"] for r in rs)
            chosen = sorted(r["selected"] for r in rs)
            used = [sum(r.get("replicates", 0) for r in x["ranks"]) for x in rs]
            if any(used):
                print(f"<!-- {label}{args.tag}: mean factorizations per run "
                      f"{sum(used) / len(used):.0f} -->")
            print(f"| {label}{args.tag} | {len(rs)} | {hits} | {' '.join(map(str, chosen))} | "
                  f"{sum(r['f1'] for r in rs) / len(rs):.2f} | "
                  f"{sum(r['seconds'] for r in rs) / len(rs):.1f} |")


if __name__ == "__main__":
    main()
