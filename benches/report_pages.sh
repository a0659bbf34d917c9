#!/usr/bin/env bash
# Size and load time of report.html (with its per-sample pages) for a large cohort, in
# headless Chromium. Simulates SAMPLES samples, runs `assign --bootstrap` and `extract` at a
# fixed rank, then opens each report RUNS times and prints the medians.
#
#   cargo build --release
#   benches/report_pages.sh                      # 2,000 samples, 5 runs
#   MUTASIG=target/debug/mutasig SAMPLES=500 RUNS=3 benches/report_pages.sh
#
# Timings per run (probe script appended to a copy of the report, read back with --dump-dom):
#   dcl    DOMContentLoaded (HTML parsed, scripts run, first sample drawn)
#   load   load event start
#   select re-selecting another sample (hashchange → draw its 3 charts and tables), synchronous
#   filter typing a name into the filter box (2,000 rows shown/hidden)
#   wall   the whole `chromium --headless --screenshot` process: browser start, load, layout,
#          paint and PNG encoding (an empty page's wall time is printed for comparison)
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
MUTASIG=${MUTASIG:-$TARGET/release/mutasig}
CHROMIUM=${CHROMIUM:-$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)}
SAMPLES=${SAMPLES:-2000}
RUNS=${RUNS:-5}
BOOTSTRAP=${BOOTSTRAP:-20}
RANK=${RANK:-6}
WORK=${WORK:-$(mktemp -d)}

[ -x "$MUTASIG" ] || { echo "no mutasig binary at $MUTASIG (cargo build --release, or set MUTASIG)" >&2; exit 2; }
[ -n "$CHROMIUM" ] || { echo "no chromium found (set CHROMIUM=path)" >&2; exit 2; }
echo "mutasig: $MUTASIG"
echo "chromium: $CHROMIUM ($("$CHROMIUM" --version 2>/dev/null || echo '?'))"
echo "work: $WORK"

sim=$WORK/sim
if [ ! -f "$sim/catalogue.tsv" ]; then
  "$MUTASIG" -q --seed 1 simulate --signatures SBS1,SBS5,SBS2,SBS13,SBS3,SBS8,SBS18,SBS17b \
    --samples "$SAMPLES" --noise negbin:50 -o "$sim" --force
fi
t0=$(date +%s.%N)
"$MUTASIG" -q assign "$sim/catalogue.tsv" -o "$WORK/assign" --bootstrap "$BOOTSTRAP" --force
t1=$(date +%s.%N)
"$MUTASIG" -q extract "$sim/catalogue.tsv" -o "$WORK/extract" --rank "$RANK" --replicates 4 --force
t2=$(date +%s.%N)
echo "assign --bootstrap $BOOTSTRAP: $(echo "$t1 - $t0" | bc) s; extract --rank $RANK: $(echo "$t2 - $t1" | bc) s"

probe='<script>window.addEventListener("load", function () {
  var n = performance.getEntriesByType("navigation")[0], out = {};
  out.dcl = n.domContentLoadedEventEnd; out.load = n.loadEventStart;
  var rows = document.querySelectorAll("#sample-index tbody tr");
  var last = rows.length - 1, t = performance.now();
  history.replaceState(null, "", "#sample-" + Math.floor(last / 2));
  window.dispatchEvent(new HashChangeEvent("hashchange"));
  out.select = performance.now() - t;
  var f = document.getElementById("sample-filter"), name = rows[last].cells[1].textContent;
  t = performance.now(); f.value = name; f.dispatchEvent(new Event("input"));
  out.filter = performance.now() - t;
  out.shown = document.getElementById("sample-shown").textContent;
  out.drawn = document.getElementById("sample-view").getAttribute("data-sample");
  var p = document.createElement("pre"); p.id = "probe"; p.textContent = JSON.stringify(out);
  document.body.appendChild(p);
});</script>'

chrome() {
  "$CHROMIUM" --headless --no-sandbox --disable-gpu --no-first-run --disable-background-networking \
    --disable-component-update --disable-sync --user-data-dir="$WORK/profile" "$@" 2>/dev/null
}
median() { sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

echo '<!DOCTYPE html><html><body>empty</body></html>' > "$WORK/empty.html"
for i in $(seq "$RUNS"); do
  s=$(date +%s.%N); chrome --screenshot="$WORK/empty.png" "file://$WORK/empty.html"; e=$(date +%s.%N)
  echo "$e - $s" | bc
done | median | xargs printf 'empty page: wall %.2f s (browser start-up)\n'

for kind in assign extract; do
  html=$WORK/$kind/report.html
  bytes=$(stat -c %s "$html")
  sed 's|</body>|'"$(echo "$probe" | tr '\n' ' ' | sed 's/[&|]/\\&/g')"'</body>|' "$html" > "$WORK/$kind-probe.html"
  : > "$WORK/$kind.times"; : > "$WORK/$kind.wall"
  for i in $(seq "$RUNS"); do
    chrome --dump-dom "file://$WORK/$kind-probe.html#sample-$((SAMPLES - 1))" \
      | grep -o '<pre id="probe">[^<]*' | sed 's/<pre id="probe">//; s/&quot;/"/g' >> "$WORK/$kind.times"
    s=$(date +%s.%N); chrome --window-size=1280,2000 --screenshot="$WORK/$kind.png" "file://$html#sample-0"; e=$(date +%s.%N)
    echo "$e - $s" | bc >> "$WORK/$kind.wall"
  done
  echo "$kind: report.html $bytes bytes ($(echo "scale=1; $bytes / 1048576" | bc) MiB), $(grep -c . "$WORK/$kind.times") runs"
  for k in dcl load select filter; do
    v=$(sed 's/.*"'$k'":\([0-9.]*\).*/\1/' "$WORK/$kind.times" | median)
    printf '  %-6s median %8.1f ms   (runs: %s)\n' "$k" "$v" "$(sed 's/.*"'$k'":\([0-9.]*\).*/\1/' "$WORK/$kind.times" | xargs printf '%.0f ' )"
  done
  printf '  wall   median %8.2f s    (runs: %s)\n' "$(median < "$WORK/$kind.wall")" "$(xargs printf '%.2f ' < "$WORK/$kind.wall")"
  echo "  last probe: $(tail -1 "$WORK/$kind.times")"
done
