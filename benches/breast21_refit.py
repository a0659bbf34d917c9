#!/usr/bin/env python3
"""Plausibility of an `mutasig assign` run on the 21 breast genomes (issue #12).

Usage:
    python3 benches/breast21_refit.py SAMPLE_SHEET LABEL=ASSIGN_FOLDER [LABEL=FOLDER ...]

e.g.
    mutasig assign examples/breast21_wgs_sbs96.tsv -o /tmp/b21 --no-plots
    mutasig assign examples/breast21_wgs_sbs96.tsv -o /tmp/b21-l2 --no-plots --criterion l2
    python3 benches/breast21_refit.py examples/breast21_samples.tsv \
        likelihood=/tmp/b21 l2=/tmp/b21-l2

A folder may also be a SigProfilerAssignment output folder (cosmic_fit), e.g.
    python -c "from SigProfilerAssignment import Analyzer as A; A.cosmic_fit(
        'examples/breast21_wgs_sbs96.tsv', '/tmp/b21-spa', input_type='matrix',
        context_type='96', genome_build='GRCh37', cosmic_version=3.6, make_plots=False)"

Per folder (one row each): signatures per sample (a signature counts when it carries
>= 1% and >= 10 of the sample's mutations, from exposures.tsv; mean and range),
distinct signatures in the cohort (same rule), the share of all mutations on
signatures implausible in breast WGS (tobacco SBS4/SBS100, UV SBS7a-d, POLE SBS10a-d,
aristolochic acid SBS22*, and COSMIC's possible sequencing artefacts SBS27, SBS43,
SBS45-SBS60, SBS95), germline BRCA1/2 carriers with SBS3 > 10% of their mutations,
and the mean reconstruction cosine (fit_quality.tsv). Python 3 standard library only.
"""

import csv
import os
import re
import sys

MIN_FRACTION = 0.01
MIN_COUNT = 10.0
SBS3_FRACTION = 0.10

ARTEFACTS = {"SBS27", "SBS43", "SBS95"} | {f"SBS{i}" for i in range(45, 61)}
IMPLAUSIBLE_EXACT = {"SBS4", "SBS100"} | ARTEFACTS
IMPLAUSIBLE_PREFIX = re.compile(r"^(SBS7|SBS10|SBS22)[a-z]*$")


def implausible(name):
    return name in IMPLAUSIBLE_EXACT or bool(IMPLAUSIBLE_PREFIX.match(name))


def read_tsv(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f, delimiter="\t"))


def carriers(sheet):
    return {
        r["Sample"]
        for r in read_tsv(sheet)
        if r.get("germline", "none") in ("BRCA1", "BRCA2")
    }


SPA_ACTIVITIES = "Assignment_Solution/Activities/Assignment_Solution_Activities.txt"
SPA_STATS = "Assignment_Solution/Solution_Stats/Assignment_Solution_Samples_Stats.txt"


def exposures_and_cosines(folder):
    """mutasig's exposures.tsv/fit_quality.tsv, or a SigProfilerAssignment output folder."""
    if os.path.exists(os.path.join(folder, SPA_ACTIVITIES)):
        rows = [
            {("Sample" if k == "Samples" else k): v for k, v in r.items()}
            for r in read_tsv(os.path.join(folder, SPA_ACTIVITIES))
        ]
        cos = [float(r["Cosine Similarity"]) for r in read_tsv(os.path.join(folder, SPA_STATS))]
        return rows, cos
    rows = read_tsv(os.path.join(folder, "exposures.tsv"))
    cos = [float(r["cosine"]) for r in read_tsv(os.path.join(folder, "fit_quality.tsv"))]
    return rows, cos


def measure(folder, brca):
    rows, cos = exposures_and_cosines(folder)
    per_sample = []
    distinct = set()
    total = 0.0
    bad = 0.0
    sbs3_hits = 0
    brca_seen = 0
    for r in rows:
        sample = r["Sample"]
        exp = {k: float(v) for k, v in r.items() if k != "Sample"}
        n = sum(exp.values())
        total += n
        called = [
            k for k, e in exp.items() if n > 0 and e >= MIN_FRACTION * n and e >= MIN_COUNT
        ]
        per_sample.append(len(called))
        distinct.update(called)
        bad += sum(e for k, e in exp.items() if implausible(k))
        if sample in brca:
            brca_seen += 1
            if n > 0 and exp.get("SBS3", 0.0) > SBS3_FRACTION * n:
                sbs3_hits += 1
    return {
        "per_sample_mean": sum(per_sample) / len(per_sample),
        "per_sample_min": min(per_sample),
        "per_sample_max": max(per_sample),
        "distinct": len(distinct),
        "implausible_pct": 100.0 * bad / total if total > 0 else 0.0,
        "sbs3_carriers": sbs3_hits,
        "carriers": brca_seen,
        "cosine": sum(cos) / len(cos),
        "implausible_called": sorted(k for k in distinct if implausible(k)),
    }


def main(argv):
    if len(argv) < 3:
        sys.exit(__doc__)
    brca = carriers(argv[1])
    print(
        "| method | signatures/sample (range) | distinct | implausible % | "
        "BRCA carriers SBS3 > 10% | mean cosine | implausible signatures called |"
    )
    print("|---|---|---|---|---|---|---|")
    for arg in argv[2:]:
        label, _, folder = arg.partition("=")
        if not folder:
            label, folder = os.path.basename(arg.rstrip("/")), arg
        m = measure(folder, brca)
        print(
            f"| {label} | {m['per_sample_mean']:.1f} ({m['per_sample_min']}-"
            f"{m['per_sample_max']}) | {m['distinct']} | {m['implausible_pct']:.1f} | "
            f"{m['sbs3_carriers']}/{m['carriers']} | {m['cosine']:.4f} | "
            f"{','.join(m['implausible_called']) or '-'} |"
        )


if __name__ == "__main__":
    main(sys.argv)
