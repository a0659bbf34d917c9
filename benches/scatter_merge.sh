#!/bin/bash
# Scatter/gather overhead (docs/pipelines.md): one `extract` against the same run split in
# 6 `extract --partial-out` jobs (3 rank groups x 2 uneven replicate chunks) plus `merge`,
# on the breast21 example, ranks 1-6 x 20 replicates, one thread each; checks that both
# folders have the same files (manifest, summary.json aside).
# Usage: B=$CARGO_TARGET_DIR/debug/mutasig benches/scatter_merge.sh
set -e
B=$(realpath "${B:-${CARGO_TARGET_DIR:-target}/debug/mutasig}")
IN=$(realpath "$(dirname "$0")/../examples/breast21_wgs_sbs96.tsv")
cd "$(mktemp -d)"
S="--threads 1 -q extract $IN --min-rank 1 --max-rank 6 --replicates 20 --seed 42"
t() { local s=$(date +%s.%N); "$@"; echo "$(date +%s.%N) - $s" | bc; }
rm -rf single merged parts; mkdir parts
echo "single: $(t $B $S -o single)"
tot=0
for ranks in 1,2 3,4 5,6; do for chunk in 0..8 8..20; do
  x=$(t $B $S --partial-out parts/r${ranks/,/-}_${chunk/../-}.part --ranks $ranks --replicate-range $chunk)
  echo "part $ranks $chunk: $x"; tot=$(echo "$tot + $x" | bc)
done; done
m=$(t $B --threads 1 -q merge --input $IN parts/*.part -o merged)
echo "parts total: $tot  merge: $m  split+merge: $(echo "$tot + $m" | bc)"
du -cb parts/*.part | tail -1
diff <(grep -v summary.json single/.mutasig-manifest) <(grep -v summary.json merged/.mutasig-manifest) && echo "manifests equal (except summary.json)"
