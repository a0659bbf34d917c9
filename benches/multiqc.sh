#!/usr/bin/env bash
# MultiQC picks up mutasig's custom-content files: an assign and an extract run on the
# bundled example inside one "results" folder, then MultiQC (pinned, in a venv) over it;
# fails unless both commands' sections appear with all 21 samples.
#   benches/multiqc.sh [MUTASIG_BINARY]     (default: target/debug/mutasig via cargo build)
# VENV (default ~/.cache/mutasig-multiqc-venv) is reused between runs. Exit 3 means
# MultiQC could not be installed.
set -euo pipefail
cd "$(dirname "$0")/.."
MULTIQC_VERSION=1.35
bin=${1:-}
if [ -z "$bin" ]; then
  cargo build --quiet
  bin="${CARGO_TARGET_DIR:-target}/debug/mutasig"
fi
venv=${VENV:-$HOME/.cache/mutasig-multiqc-venv}
if [ ! -x "$venv/bin/multiqc" ] || ! "$venv/bin/multiqc" --version | grep -q "$MULTIQC_VERSION"; then
  # exit 3: MultiQC could not be installed (no python3-venv, no PyPI): a skip, not a failure
  python3 -m venv "$venv" || exit 3
  "$venv/bin/pip" install --quiet "multiqc==$MULTIQC_VERSION" || exit 3
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$bin" -q assign examples/breast21_wgs_sbs96.tsv -o "$work/results/assign" --no-plots
"$bin" -q extract examples/breast21_wgs_sbs96.tsv -o "$work/results/extract" \
  --max-rank 4 --replicates 5 --no-plots
"$venv/bin/multiqc" "$work/results" -o "$work/multiqc" --no-ansi --quiet
data="$work/multiqc/multiqc_data"
status=0
for section in assign_exposures_plot assign_fit_table extract_exposures_plot extract_fit_table; do
  file="$data/multiqc_mutasig_${section}.txt"
  if [ ! -f "$file" ]; then
    echo "FAIL: MultiQC made no mutasig_${section} (files: $(ls "$data" | tr '\n' ' '))" >&2
    status=1
    continue
  fi
  samples=$(($(grep -c . "$file") - 1))
  in_report=$(grep -c "mutasig_${section}" "$work/multiqc/multiqc_report.html" || true)
  printf '%-28s %3d samples, %4d mentions in multiqc_report.html\n' "mutasig_${section}" "$samples" "$in_report"
  if [ "$samples" -ne 21 ] || [ "$in_report" -eq 0 ]; then
    echo "FAIL: mutasig_${section}: expected 21 samples in the data and the section in the report" >&2
    status=1
  fi
done
[ $status -eq 0 ] && echo "MultiQC $MULTIQC_VERSION shows mutasig's assign and extract sections"
exit $status
