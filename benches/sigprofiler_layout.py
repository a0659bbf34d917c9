#!/usr/bin/env python3
"""Does `mutasig assign --layout sigprofiler` write what SigProfilerAssignment writes?

Runs SigProfilerAssignment 1.1.5 `Analyzer.cosmic_fit` (matrix input, COSMIC v3.6 GRCh37,
no plots) and `mutasig assign --layout sigprofiler` (same reference, and
`--include-artefacts` so that both fit the same signature set) on
examples/breast21_wgs_sbs96.tsv, then compares, for every file mutasig exports:

  * that SigProfilerAssignment wrote a file of that path;
  * the header (first line) byte for byte, and the separator;
  * the index column (row labels, in order);
  * for numeric cells, how they are written (decimals, "%" suffix), over all rows: the
    formats seen in each column (SigProfilerAssignment writes Python's shortest form of a
    rounded value, so one column shows several).

Then it extracts de novo signatures from the same file with `mutasig extract --layout
sigprofiler`, runs SigProfilerAssignment `decompose_fit` on them, and prints both
`De_Novo_map_to_COSMIC_SBS96.csv` files and whether the decomposed sets (the activity
columns) agree.

It prints one report line per file and writes the full comparison as JSON
(--outdir/comparison.json). Values are not compared: the two tools fit differently
(docs/benchmarks-assign.md); this checks that a script reading SigProfilerAssignment's
files by path, header and index finds mutasig's.

Usage:
  python3 benches/sigprofiler_layout.py --mutasig target/release/mutasig [--venv DIR]

Without SigProfilerAssignment importable, it creates the venv DIR (default
benches/.venv-spa) and installs SigProfilerAssignment==1.1.5 into it with pip, then runs
SigProfilerAssignment with that venv's python.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXAMPLE = os.path.join(ROOT, "examples", "breast21_wgs_sbs96.tsv")

SPA_DECOMPOSE = r"""
import sys
from SigProfilerAssignment import Analyzer
Analyzer.decompose_fit(
    samples=sys.argv[1], output=sys.argv[2], signatures=sys.argv[3], input_type="matrix",
    genome_build="GRCh37", cosmic_version=3.6, make_plots=False, verbose=False,
)
"""

SPA_DRIVER = r"""
import sys
from SigProfilerAssignment import Analyzer
Analyzer.cosmic_fit(
    samples=sys.argv[1], output=sys.argv[2], input_type="matrix", context_type="96",
    genome_build="GRCh37", cosmic_version=3.6, exome=False, make_plots=False,
    sample_reconstruction_plots=False, verbose=False,
)
"""


def spa_python(venv):
    """A python that imports SigProfilerAssignment (installing it into venv if needed)."""
    try:
        import SigProfilerAssignment  # noqa: F401
        return sys.executable
    except ImportError:
        pass
    py = os.path.join(venv, "bin", "python")
    if not os.path.exists(py):
        subprocess.run([sys.executable, "-m", "venv", venv], check=True)
    probe = subprocess.run([py, "-c", "import SigProfilerAssignment"], capture_output=True)
    if probe.returncode != 0:
        subprocess.run([py, "-m", "pip", "install", "-q", "SigProfilerAssignment==1.1.5"], check=True)
    return py


def lines(path):
    with open(path, encoding="utf-8") as f:
        return f.read().splitlines()


def cell_format(cell):
    """How a cell is written: 'text', 'int', 'float:N' (N decimals), with '%' if suffixed."""
    pct = cell.endswith("%")
    body = cell[:-1] if pct else cell
    try:
        float(body)
    except ValueError:
        return "text"
    kind = f"float:{len(body.split('.')[1])}" if "." in body else "int"
    return kind + ("%" if pct else "")


def compare(spa_file, ours_file, name):
    sep = "," if ours_file.endswith(".csv") else "\t"
    ours = lines(ours_file)
    out = {"file": name, "exists_in_spa": os.path.exists(spa_file)}
    if not out["exists_in_spa"]:
        return out
    spa = lines(spa_file)
    out["header_equal"] = spa[0] == ours[0]
    if not out["header_equal"]:
        out["spa_header"], out["mutasig_header"] = spa[0][:300], ours[0][:300]
    index = lambda ls: [l.split(sep)[0] for l in ls[1:]]
    out["index_equal"] = index(spa) == index(ours)
    def formats(ls):
        cols = {}
        for l in ls[1:]:
            for j, c in enumerate(l.split(sep)[1:]):
                cols.setdefault(j, set()).add(cell_format(c))
        return cols

    spa_fmt, our_fmt = formats(spa), formats(ours)
    header = spa[0].split(sep)[1:]
    out["format_differences"] = {
        h: {"spa": sorted(spa_fmt.get(j, ())), "mutasig": sorted(our_fmt.get(j, ()))}
        for j, h in enumerate(header)
        if spa_fmt.get(j) != our_fmt.get(j)
    }
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mutasig", required=True)
    ap.add_argument("--venv", default=os.path.join(ROOT, "benches", ".venv-spa"))
    ap.add_argument("--outdir", default=None)
    a = ap.parse_args()
    outdir = a.outdir or tempfile.mkdtemp(prefix="sigprofiler-layout-")
    spa_out, ours = os.path.join(outdir, "spa"), os.path.join(outdir, "mutasig")
    subprocess.run([spa_python(a.venv), "-c", SPA_DRIVER, EXAMPLE, spa_out], check=True)
    subprocess.run(
        [a.mutasig, "-q", "assign", EXAMPLE, "-o", ours, "--force", "--no-plots",
         "--layout", "sigprofiler", "--cosmic", "v3.6", "--genome", "GRCh37",
         "--include-artefacts"],
        check=True,
    )
    root = os.path.join(ours, "sigprofiler")
    results = []
    for d, _, files in sorted(os.walk(root)):
        for f in sorted(files):
            p = os.path.join(d, f)
            name = os.path.relpath(p, root)
            results.append(compare(os.path.join(spa_out, name), p, name))
    spa_files = sorted(
        os.path.relpath(os.path.join(d, f), spa_out)
        for d, _, fs in os.walk(spa_out) for f in fs
    )
    for r in results:
        print(json.dumps(r))
    print("SigProfilerAssignment wrote:", ", ".join(spa_files))
    with open(os.path.join(outdir, "comparison.json"), "w") as f:
        json.dump({"files": results, "spa_files": spa_files}, f, indent=1)
    print("comparison in", os.path.join(outdir, "comparison.json"))
    # the extractor's decomposition: SPA's decompose_fit of mutasig's de novo signatures
    ex = os.path.join(outdir, "extract")
    subprocess.run(
        [a.mutasig, "-q", "extract", EXAMPLE, "-o", ex, "--force", "--no-plots",
         "--layout", "sigprofiler", "--max-rank", "8", "--replicates", "20"],
        check=True,
    )
    dec = os.path.join(outdir, "spa-decompose")
    subprocess.run(
        [spa_python(a.venv), "-c", SPA_DECOMPOSE, EXAMPLE, dec, os.path.join(ex, "signatures.tsv")],
        check=True,
    )
    ours = os.path.join(ex, "sigprofiler", "SBS96", "Suggested_Solution", "COSMIC_SBS96_Decomposed_Solution")
    spa = os.path.join(dec, "Decompose_Solution")
    name = "De_Novo_map_to_COSMIC_SBS96.csv"
    print("SPA decompose_fit map:")
    print("\n".join(lines(os.path.join(spa, name))))
    print("mutasig map:")
    print("\n".join(lines(os.path.join(ours, name))))
    spa_acts = lines(os.path.join(spa, "Activities", "Decompose_Solution_Activities.txt"))[0]
    our_acts = lines(os.path.join(ours, "Activities", "COSMIC_SBS96_Activities.txt"))[0]
    print(json.dumps({
        "map_header_equal": lines(os.path.join(spa, name))[0] == lines(os.path.join(ours, name))[0],
        "decomposed_set_equal": spa_acts == our_acts,
        "spa_activities_header": spa_acts,
        "mutasig_activities_header": our_acts,
    }))


if __name__ == "__main__":
    main()
