#!/usr/bin/env bash
# Runs the Snakemake workflow for real (Snakemake pinned, in a venv) on the bundled
# example: ranks 1-4 x 10 replicates scattered over 12 jobs (chunks of 4), merged,
# assigned and reported with -j 2; then checks that the merged folder equals a single
# `mutasig extract` with the same settings (every file; summary.json and the manifest
# without the run's timings), and that a rerun of the whole workflow succeeds.
#   examples/snakemake/check.sh MUTASIG_BINARY
# VENV (default ~/.cache/mutasig-snakemake-venv) is reused. Exit 3: Snakemake could not
# be installed (a skip, not a failure).
set -euo pipefail
SNAKEMAKE_VERSION=9.27.1
[ $# -eq 1 ] || { echo "usage: $0 MUTASIG_BINARY" >&2; exit 2; }
bin=$(readlink -f "$1")
here=$(cd "$(dirname "$0")" && pwd)
example=$(readlink -f "$here/../breast21_wgs_sbs96.tsv")
venv=${VENV:-$HOME/.cache/mutasig-snakemake-venv}
if [ ! -x "$venv/bin/snakemake" ] || [ "$("$venv/bin/snakemake" --version)" != "$SNAKEMAKE_VERSION" ]; then
  python3 -m venv "$venv" || exit 3
  "$venv/bin/pip" install --quiet "snakemake==$SNAKEMAKE_VERSION" || exit 3
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cat > "$work/config.yaml" <<YAML
cohorts:
  breast21: $example
min_rank: 1
max_rank: 4
replicates: 10
chunk: 4
seed: 42
mutasig: $bin
extract_args: ""
assign_args: "--no-plots"
YAML
smk() {
  "$venv/bin/snakemake" --snakefile "$here/Snakefile" --directory "$work" \
    --configfile "$work/config.yaml" -j 2 --quiet all "$@"
}
smk
parts=$(find "$work/results/breast21/parts" -name '*.part' | wc -l)
[ "$parts" -eq 12 ] || { echo "FAIL: expected 12 scatter parts, found $parts" >&2; exit 1; }
"$bin" -q extract "$example" --min-rank 1 --max-rank 4 --replicates 10 --seed 42 \
  -o "$work/single"
python3 - "$work/results/breast21/extract" "$work/single" <<'PY'
import json, os, sys
merged, single = sys.argv[1], sys.argv[2]
def files(root):
    # Snakemake marks a finished directory() output with .snakemake_timestamp
    return sorted(os.path.relpath(os.path.join(d, f), root)
                  for d, _, fs in os.walk(root) for f in fs if f != ".snakemake_timestamp")
a, b = files(merged), files(single)
if a != b:
    sys.exit(f"FAIL: file lists differ: {sorted(set(a) ^ set(b))}")
def without_run(path):
    s = json.load(open(path)); s.pop("run", None); return s
for f in a:
    p, q = os.path.join(merged, f), os.path.join(single, f)
    if f == "summary.json":
        same = without_run(p) == without_run(q)
    elif f == ".mutasig-manifest":
        keep = lambda t: [l for l in open(t) if not l.rstrip().endswith("  summary.json")]
        same = keep(p) == keep(q)
    else:
        same = open(p, "rb").read() == open(q, "rb").read()
    if not same:
        sys.exit(f"FAIL: {f} differs between the merged and the single-process run")
print(f"merged folder equals the single-process run ({len(a)} files)")
PY
[ -f "$work/results/breast21/report/report.html" ] || { echo "FAIL: no report.html" >&2; exit 1; }
[ -f "$work/results/breast21/assign/exposures.tsv" ] || { echo "FAIL: no assign exposures" >&2; exit 1; }
grep -q "selected rank" "$work/logs/breast21/merge.log" || { echo "FAIL: merge log" >&2; exit 1; }
# a rerun of every job (what a user does after changing a rule) into the same folders
smk --forceall
echo "Snakemake $SNAKEMAKE_VERSION workflow: 12 scatter jobs, merge, assign, report; rerun OK"
