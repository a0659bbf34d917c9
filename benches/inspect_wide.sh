#!/usr/bin/env bash
# `inspect` on a 100,000-sample × 96-channel catalogue made with `simulate`: wall time and
# peak memory (GNU time's maximum resident set size) of each binary given, side by side.
#   benches/inspect_wide.sh target/release/mutasig [OTHER_BINARY ...]
set -euo pipefail
[ $# -ge 1 ] || { echo "usage: $0 MUTASIG_BINARY [MORE ...]" >&2; exit 2; }
command -v /usr/bin/time >/dev/null || { echo "needs GNU time (apt-get install time)" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$1" --quiet simulate --signatures SBS1,SBS5,SBS2,SBS13 --samples 100000 \
  --burden-median 2000 -o "$work/sim"
file="$work/sim/catalogue.tsv"
printf 'file: %s bytes\n' "$(stat -c %s "$file")"
printf '%-40s %10s %14s\n' binary seconds peak_MB
for bin in "$@"; do
  best=""
  for _ in 1 2 3; do
    /usr/bin/time -f '%e %M' -o "$work/t" "$bin" inspect "$file" > /dev/null
    read -r s kb < "$work/t"
    if [ -z "$best" ] || awk "BEGIN{exit !($s < ${best%% *})}"; then best="$s $kb"; fi
  done
  read -r s kb <<< "$best"
  printf '%-40s %10s %14.1f\n' "$bin" "$s" "$(awk "BEGIN{print $kb/1024}")"
done
