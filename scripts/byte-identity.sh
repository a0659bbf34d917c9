#!/usr/bin/env bash
# Writes every kind of mutasig output for a fixed set of runs into OUT, with the run-
# dependent parts (summary.json's `run`, and the manifest line of summary.json) removed,
# so that two builds can be compared with `diff -r`:
#   scripts/byte-identity.sh OLD_BINARY /tmp/before
#   scripts/byte-identity.sh target/debug/mutasig /tmp/after
#   diff -r /tmp/before /tmp/after
set -euo pipefail
bin=$(realpath "$1")
out=$2
here=$(cd "$(dirname "$0")/.." && pwd)
ex="$here/examples/breast21_wgs_sbs96.tsv"
rm -rf "$out"
mkdir -p "$out"
cd "$out"
q=(--quiet --threads 2)
"$bin" "${q[@]}" inspect "$ex" > inspect.txt
"$bin" "${q[@]}" inspect "$ex" --json > inspect.json
"$bin" "${q[@]}" reference list > reference_list.tsv
"$bin" "${q[@]}" reference export --only SBS1,SBS5,APOBEC -o ref.tsv
"$bin" "${q[@]}" extract "$ex" -o breast_extract --min-rank 2 --max-rank 5 --replicates 10
"$bin" "${q[@]}" assign "$ex" -o breast_assign --bootstrap 20
"$bin" "${q[@]}" assign "$ex" -o breast_assign_l2 --criterion l2 --exclude Artifact
"$bin" "${q[@]}" assign --decompose breast_extract/signatures.tsv -o breast_decompose
"$bin" "${q[@]}" compare breast_extract/signatures.tsv breast_extract/cosmic_signatures.tsv --matrix cos.tsv > compare.tsv
"$bin" "${q[@]}" simulate --signatures SBS1,SBS5,SBS2,SBS13,SBS3 --samples 60 --noise negbin:50 -o sim_sbs
"$bin" "${q[@]}" --seed 7 simulate --context ID83 --signatures ID1,ID2,ID8 --samples 40 -o sim_id
"$bin" "${q[@]}" --seed 9 simulate --context DBS78 --signatures DBS2,DBS4 --samples 30 --noise none -o sim_dbs
"$bin" "${q[@]}" extract sim_sbs/catalogue.tsv -o sim_sbs_extract --min-rank 3 --max-rank 6 --replicates 8 --normalize none
"$bin" "${q[@]}" extract sim_id/catalogue.tsv -o sim_id_extract --rank 3 --replicates 6 --objective frobenius
"$bin" "${q[@]}" assign sim_dbs/catalogue.tsv -o sim_dbs_assign --bootstrap 10
"$bin" "${q[@]}" plot sim_sbs_extract/exposures.tsv -o plot_exposures
"$bin" "${q[@]}" plot "$ex" -o plot_panel --kind panel --format png
# run-dependent parts: timings, thread counts and the command line
for s in $(find . -name summary.json); do
  python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); d.pop("run",None); json.dump(d,open(sys.argv[1],"w"),indent=1,sort_keys=True)' "$s"
done
for m in $(find . -name .mutasig-manifest); do
  grep -v 'summary.json$' "$m" | grep -v 'report.html$' > "$m.tmp" || true
  mv "$m.tmp" "$m"
done
