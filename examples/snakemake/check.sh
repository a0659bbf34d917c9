#!/usr/bin/env bash
# Runs the Snakemake workflow for real (Snakemake pinned, in a venv) on two bundled
# cohorts: the breast21 catalogue, and 12 VCFs (examples/vcf) counted by `mutasig count`;
# each with ranks 1-4 x 10 replicates scattered over 12 jobs (chunks of 4), merged,
# assigned and reported with -j 2. Then checks that the counted catalogue equals the one
# the VCFs were made from, that each merged folder equals a single `mutasig extract` with
# the same settings (every file; summary.json and the manifest without the run's
# timings), and that a rerun of the whole workflow succeeds.
#   examples/snakemake/check.sh MUTASIG_BINARY
# VENV (default ~/.cache/mutasig-snakemake-venv) is reused. Exit 3: Snakemake could not
# be installed (a skip, not a failure).
set -euo pipefail
SNAKEMAKE_VERSION=9.27.1
[ $# -eq 1 ] || { echo "usage: $0 MUTASIG_BINARY" >&2; exit 2; }
bin=$(readlink -f "$1")
here=$(cd "$(dirname "$0")" && pwd)
example=$(readlink -f "$here/../breast21_wgs_sbs96.tsv")
vcf=$(readlink -f "$here/../vcf")
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
vcf_cohorts:
  vcf12:
    fasta: $vcf/genome.fa
    vcfs: $vcf/sample*.vcf
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
for cohort in breast21 vcf12; do
  parts=$(find "$work/results/$cohort/parts" -name '*.part' | wc -l)
  [ "$parts" -eq 12 ] || { echo "FAIL: $cohort: expected 12 scatter parts, found $parts" >&2; exit 1; }
done
# the counted catalogue holds exactly the counts the VCFs were made from
python3 - "$work/results/vcf12/count/SBS96.tsv" "$vcf/catalogue.tsv" <<'PY'
import sys
def cells(path):
    rows = [l.rstrip("\n").split("\t") for l in open(path) if not l.startswith("#")]
    head = rows[0]
    return {(r[0], head[i]): int(r[i]) for r in rows[1:] for i in range(1, len(head))}
counted, truth = cells(sys.argv[1]), cells(sys.argv[2])
if counted != truth:
    sys.exit(f"FAIL: count differs from {sys.argv[2]} in {sum(counted.get(k) != v for k, v in truth.items())} cells")
print(f"count: {len(truth)} cells equal to the catalogue the VCFs were made from")
PY
"$bin" -q extract "$example" --min-rank 1 --max-rank 4 --replicates 10 --seed 42 \
  -o "$work/single/breast21"
# from the working directory, with the path the workflow gave (summary.json records it)
(cd "$work" && "$bin" -q extract results/vcf12/count/SBS96.tsv --min-rank 1 --max-rank 4 \
  --replicates 10 --seed 42 -o single/vcf12)
for cohort in breast21 vcf12; do
python3 - "$work/results/$cohort/extract" "$work/single/$cohort" <<'PY'
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
print(f"{os.path.basename(os.path.dirname(merged))}: merged folder equals the single-process run ({len(a)} files)")
PY
done
for cohort in breast21 vcf12; do
  [ -f "$work/results/$cohort/report/report.html" ] || { echo "FAIL: $cohort: no report.html" >&2; exit 1; }
  [ -f "$work/results/$cohort/assign/exposures.tsv" ] || { echo "FAIL: $cohort: no assign exposures" >&2; exit 1; }
  grep -q "selected rank" "$work/logs/$cohort/merge.log" || { echo "FAIL: $cohort: merge log" >&2; exit 1; }
done
# a rerun of every job (what a user does after changing a rule) into the same folders
smk --forceall
echo "Snakemake $SNAKEMAKE_VERSION workflow: count from VCFs, 2 x 12 scatter jobs, merge, assign, report; rerun OK"
