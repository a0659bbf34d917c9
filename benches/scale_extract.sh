#!/usr/bin/env bash
# Peak memory and wall time of `extract` at a fixed rank on large simulated cohorts
# (the table of docs/scaling.md).
#   benches/scale_extract.sh [MUTASIG_BINARY] [SAMPLES...]
# Default binary: $CARGO_TARGET_DIR/debug/mutasig (run `cargo test --no-run` first; the
# test profile is optimised); default sizes: 10000 30000 100000. RANK (default 6),
# REPLICATES (default 4), THREADS (default: all cores), WORK (default: a temporary
# folder, removed at the end) and LIMIT_KB (default 20000000: a run whose resident
# memory passes it is stopped and reported) can be set in the environment.
# Needs GNU time (/usr/bin/time; `apt-get install time`).
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-${CARGO_TARGET_DIR:-target}/debug/mutasig}
shift || true
sizes=("${@:-10000 30000 100000}")
# shellcheck disable=SC2206
sizes=(${sizes[*]})
rank=${RANK:-6}
reps=${REPLICATES:-4}
limit_kb=${LIMIT_KB:-20000000}
threads=()
[ -n "${THREADS:-}" ] && threads=(--threads "$THREADS")
if [ -n "${WORK:-}" ]; then
  work=$WORK
  mkdir -p "$work"
else
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
fi
[ -x /usr/bin/time ] || { echo "needs GNU time: apt-get install time" >&2; exit 3; }

# stop the run (by its process id) if its resident memory passes the limit
watch_rss() {
  local pid=$1
  while kill -0 "$pid" 2>/dev/null; do
    for p in $(pgrep -P "$pid") "$pid"; do
      rss=$(awk '/VmRSS/ {print $2}' "/proc/$p/status" 2>/dev/null || echo 0)
      if [ "${rss:-0}" -gt "$limit_kb" ]; then
        echo "resident memory above $limit_kb KB: stopped" >&2
        kill "$p"
        return
      fi
    done
    sleep 1
  done
}

printf 'samples\trank\treplicates\tsimulate_s\textract_wall_s\tnmf_s\tpeak_rss_gb\n'
for n in "${sizes[@]}"; do
  sim="$work/sim$n"
  s0=$(date +%s.%N)
  "$bin" -q simulate --signatures SBS1,SBS2,SBS3,SBS5,SBS13,SBS18 --samples "$n" \
    --seed 1 -o "$sim" --force
  s1=$(date +%s.%N)
  /usr/bin/time -f '%e %M' -o "$work/time$n" "$bin" -v extract "$sim/catalogue.tsv" \
    --rank "$rank" --replicates "$reps" -o "$work/ex$n" --force "${threads[@]}" \
    2>"$work/log$n" &
  pid=$!
  watch_rss "$pid" &
  watcher=$!
  wait "$pid" || { echo "extract failed or was stopped at $n samples, see $work/log$n" >&2; exit 1; }
  kill "$watcher" 2>/dev/null || true
  read -r wall kb <"$work/time$n"
  nmf=$(sed -n 's/.* factorizations in \([0-9.]*\) s.*/\1/p' "$work/log$n")
  printf '%s\t%s\t%s\t%.1f\t%s\t%s\t%.2f\n' "$n" "$rank" "$reps" \
    "$(echo "$s1 - $s0" | bc)" "$wall" "$nmf" "$(echo "$kb / 1048576" | bc -l)"
done
