#!/usr/bin/env python3
"""Flat signatures: plain KL NMF versus minimum-volume NMF (`--solver mvnmf`).

For each cohort (`mutasig simulate` with three flat signatures, SBS3, SBS5 and SBS40a,
among seven) this script runs `mutasig extract --rank 7` with the default solver and with
`--solver mvnmf` at each `--volume-lambda`, matches the extracted signatures to the truth
with `mutasig compare` (one-to-one best matches), and prints a markdown table: cosine of
SBS3, SBS5 and SBS40a to their match, the mean cosine of the other four, F1 at cosine
>= 0.90 (TP = matches >= 0.90, FP = extracted - TP, FN = true - TP) and wall time.

    python3 benches/mvnmf_flat.py --mutasig target/release/mutasig --workdir /tmp/mvb

Only the standard library is needed. Runs are sequential; `--threads` is passed on.
"""

import argparse
import subprocess
import time
from pathlib import Path

SIGS = "SBS1,SBS2,SBS3,SBS5,SBS13,SBS40a,SBS8"
FLAT = ["SBS3", "SBS5", "SBS40a"]
COHORTS = [
    ("s1", ["--seed", "1"]),
    ("s2", ["--seed", "2"]),
    ("s3", ["--seed", "3"]),
    ("s1-negbin30", ["--seed", "1", "--noise", "negbin:30"]),
]


def run(cmd):
    subprocess.run(cmd, check=True)


def compare(mutasig, truth, found):
    out = subprocess.run(
        [mutasig, "compare", str(truth), str(found)], check=True, capture_output=True, text=True
    ).stdout
    rows = [line.split("\t") for line in out.strip().splitlines()[1:]]
    return {a: float(c) for a, _b, c in rows}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mutasig", default="target/release/mutasig")
    ap.add_argument("--workdir", default="/tmp/mvnmf_flat")
    ap.add_argument("--replicates", default="10")
    ap.add_argument("--threads", default="2")
    ap.add_argument("--lambdas", default="0.1,1")
    ap.add_argument("--cohorts", default=",".join(c for c, _ in COHORTS))
    a = ap.parse_args()
    work = Path(a.workdir)
    work.mkdir(parents=True, exist_ok=True)
    methods = [("kl", [])] + [
        (f"mvnmf λ̃={l}", ["--solver", "mvnmf", "--volume-lambda", l]) for l in a.lambdas.split(",")
    ]
    wanted = a.cohorts.split(",")
    print("| cohort | method | SBS3 | SBS5 | SBS40a | other 4 (mean) | F1 ≥ 0.90 | wall s |")
    print("|---|---|---|---|---|---|---|---|")
    for name, extra in COHORTS:
        if name not in wanted:
            continue
        sim = work / f"sim-{name}"
        if not (sim / "catalogue.tsv").exists():
            run([a.mutasig, "simulate", "-q", "--signatures", SIGS, "--samples", "200",
                 "--burden-median", "3000", "--output", str(sim), "--force"] + extra)
        truth = sim / "truth_signatures.tsv"
        for label, flags in methods:
            out = work / f"out-{name}-{label.replace(' ', '_')}"
            t0 = time.time()
            run([a.mutasig, "extract", "-q", str(sim / "catalogue.tsv"), "--rank", "7",
                 "--replicates", a.replicates, "--threads", a.threads, "--output", str(out),
                 "--force"] + flags)
            wall = time.time() - t0
            cos = compare(a.mutasig, truth, out / "signatures.tsv")
            tp = sum(c >= 0.90 for c in cos.values())
            f1 = 2 * tp / (2 * tp + (7 - tp) + (7 - tp))
            others = [c for s, c in cos.items() if s not in FLAT]
            print(f"| {name} | {label} | " + " | ".join(f"{cos[s]:.3f}" for s in FLAT)
                  + f" | {sum(others) / len(others):.3f} | {f1:.2f} | {wall:.1f} |", flush=True)


if __name__ == "__main__":
    main()
