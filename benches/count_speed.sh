#!/usr/bin/env bash
# `count` speed: records per minute and peak memory (GNU time's maximum resident set
# size) on 2 threads, from a bgzipped single-sample VCF against a chromosome-scale
# synthetic FASTA (one contig, random bases; SNVs, 1-bp and 2-bp indels, REF always
# matching). Needs python3 only (BGZF is written by the script itself).
#   benches/count_speed.sh target/release/mutasig [RECORDS=2000000] [CONTIG_MB=100]
# LAYOUT=maf writes the same calls as a plain GDC MAF (calls.maf) instead of the VCF.
set -euo pipefail
[ $# -ge 1 ] || { echo "usage: $0 MUTASIG_BINARY [RECORDS] [CONTIG_MB]" >&2; exit 2; }
command -v /usr/bin/time >/dev/null || { echo "needs GNU time (apt-get install time)" >&2; exit 2; }
bin=$1
records=${2:-2000000}
mb=${3:-100}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
layout=${LAYOUT:-vcf}
case $layout in vcf) input=calls.vcf.gz ;; maf) input=calls.maf ;; *) echo "LAYOUT is vcf or maf" >&2; exit 2 ;; esac
python3 - "$work" "$records" "$mb" "$layout" <<'PY'
import os, random, struct, sys, zlib
work, n, mb, layout = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
random.seed(1)
length = mb * 1_000_000
seq = os.urandom(length).translate(bytes(b"ACGT"[i % 4] for i in range(256)))
with open(f"{work}/ref.fa", "wb") as f:
    f.write(b">chr1\n")
    for i in range(0, length, 60):
        f.write(seq[i:i + 60] + b"\n")
with open(f"{work}/ref.fa.fai", "w") as f:
    f.write(f"chr1\t{length}\t6\t60\t61\n")

def bgzf_blocks(data):
    for i in range(0, len(data), 65280):
        chunk = data[i:i + 65280]
        c = zlib.compressobj(6, zlib.DEFLATED, -15)
        body = c.compress(chunk) + c.flush()
        size = len(body) + 25
        yield (b"\x1f\x8b\x08\x04\x00\x00\x00\x00\x00\xff\x06\x00BC\x02\x00"
               + struct.pack("<H", size + 0) + body
               + struct.pack("<II", zlib.crc32(chunk), len(chunk)))
    yield bytes.fromhex("1f8b08040000000000ff0600424302001b0003000000000000000000")

positions = sorted(random.sample(range(10, length - 10), n))
out = [b"##fileformat=VCFv4.2\n##FORMAT=<ID=GT,Number=1,Type=String,Description=\"Genotype\">\n"
       b"#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tS1\n"]
other = {65: b"CGT", 67: b"AGT", 71: b"ACT", 84: b"ACG"}
for p in positions:
    r = random.random()
    base = seq[p]
    if r < 0.85:
        ref, alt = seq[p:p + 1], other[base][random.randrange(3):][:1]
    elif r < 0.95:
        ref, alt = seq[p:p + 2], seq[p:p + 1]
    else:
        ref, alt = seq[p:p + 1], seq[p:p + 1] + seq[p + 5:p + 7]
    out.append(b"chr1\t%d\t.\t%s\t%s\t.\tPASS\t.\tGT\t0/1\n" % (p + 1, ref, alt))
if layout == "maf":
    # the same calls as GDC MAF rows: no anchor base, `-` for no bases; a deletion starts
    # at its first deleted base, an insertion at the base before it
    maf = [b"#version 2.4\nHugo_Symbol\tChromosome\tStart_Position\tEnd_Position\t"
           b"Variant_Type\tReference_Allele\tTumor_Seq_Allele1\tTumor_Seq_Allele2\t"
           b"Tumor_Sample_Barcode\n"]
    for line in out[1:]:
        _, pos, _, ref, alt = line.split(b"\t")[:5]
        pos = int(pos)
        if len(ref) == len(alt):
            row = (pos, pos, b"SNP", ref, alt)
        elif len(ref) > len(alt):
            row = (pos + 1, pos + len(ref) - 1, b"DEL", ref[1:], b"-")
        else:
            row = (pos, pos + 1, b"INS", b"-", alt[1:])
        s, e, t, r, a = row
        maf.append(b"G\tchr1\t%d\t%d\t%s\t%s\t%s\t%s\tS1\n" % (s, e, t, r, r, a))
    with open(f"{work}/calls.maf", "wb") as f:
        f.write(b"".join(maf))
    sys.exit(0)
data = b"".join(out)
with open(f"{work}/calls.vcf.gz", "wb") as f:
    for block in bgzf_blocks(data):
        f.write(block)
PY
printf 'records: %s, contig: %s Mb, %s: %s bytes\n' "$records" "$mb" "$input" "$(stat -c %s "$work/$input")"
/usr/bin/time -f '%e %M' -o "$work/t" "$bin" --quiet --threads 2 count "$work/$input" \
  --fasta "$work/ref.fa" -o "$work/out"
read -r s kb < "$work/t"
awk -v n="$records" -v s="$s" -v kb="$kb" 'BEGIN {
  printf "seconds %.2f  records/min %.0f  peak_MB %.1f\n", s, n / s * 60, kb / 1024 }'
cut -f1-5 "$work/out/count_summary.tsv"
