#!/usr/bin/env python3
"""Writes the bundled VCF example: a synthetic genome and one VCF per sample whose SBS96
counts are exactly those of a given catalogue.

    python3 examples/vcf/make_example.py CATALOGUE.tsv OUTDIR [SEED]

OUTDIR receives genome.fa (+ genome.fa.fai): four contigs of 50 kb of uniformly random
bases (seeded), and SAMPLE.vcf for every catalogue column: for each SBS96 channel
(e.g. A[C>T]G), as many single-base substitutions as the catalogue counts, at random
positions of the genome whose trinucleotide is the channel's context on either strand
(a purine reference base is written as the reverse complement of the channel, as any
caller reports it). Positions are distinct and never adjacent within a sample, so no
doublet (DBS) forms; every record is FILTER=PASS with a 0/1 genotype. Standard library
only, deterministic for a given catalogue and seed.

The bundled example (examples/vcf/) was made with
    mutasig simulate --signatures SBS1,SBS2,SBS3,SBS5,SBS13 --samples 12 \
        --burden-median 400 --seed 5 -o sim
    python3 examples/vcf/make_example.py sim/catalogue.tsv examples/vcf
and examples/vcf/catalogue.tsv is sim/catalogue.tsv: `mutasig count` on the VCFs must
give it back exactly.
"""
import csv
import os
import random
import sys

CONTIGS = [("chr1", 50_000), ("chr2", 50_000), ("chr3", 50_000), ("chr4", 50_000)]
COMP = str.maketrans("ACGT", "TGCA")


def revcomp(s):
    return s.translate(COMP)[::-1]


def main(argv):
    if len(argv) not in (3, 4):
        sys.exit(__doc__)
    cat_path, out = argv[1], argv[2]
    rng = random.Random(int(argv[3]) if len(argv) == 4 else 1)
    os.makedirs(out, exist_ok=True)
    genome = {name: "".join(rng.choice("ACGT") for _ in range(n)) for name, n in CONTIGS}
    with open(os.path.join(out, "genome.fa"), "w", newline="\n") as fa, \
            open(os.path.join(out, "genome.fa.fai"), "w", newline="\n") as fai:
        offset = 0
        for name, n in CONTIGS:
            header = f">{name}\n"
            fa.write(header)
            offset += len(header)
            fai.write(f"{name}\t{n}\t{offset}\t60\t61\n")
            seq = genome[name]
            for i in range(0, n, 60):
                line = seq[i:i + 60] + "\n"
                fa.write(line)
                offset += len(line)
    # positions (contig, 0-based) by pyrimidine-oriented trinucleotide, with the strand
    sites = {}
    for name, _ in CONTIGS:
        seq = genome[name]
        for i in range(1, len(seq) - 1):
            tri = seq[i - 1:i + 2]
            if tri[1] in "CT":
                sites.setdefault(tri, []).append((name, i, False))
            else:
                sites.setdefault(revcomp(tri), []).append((name, i, True))
    with open(cat_path, newline="") as f:
        rows = list(csv.reader(f, delimiter="\t"))
    samples = rows[0][1:]
    for j, sample in enumerate(samples):
        used = set()
        records = []
        for row in rows[1:]:
            channel, count = row[0], int(float(row[j + 1]))
            # A[C>T]G -> context ACG, alt T
            tri = channel[0] + channel[2] + channel[6]
            alt = channel[4]
            pool = sites[tri]
            placed = 0
            while placed < count:
                contig, i, minus = pool[rng.randrange(len(pool))]
                if any((contig, i + d) in used for d in (-1, 0, 1)):
                    continue
                used.add((contig, i))
                ref = genome[contig][i]
                records.append((contig, i + 1, ref, revcomp(alt) if minus else alt))
                placed += 1
        records.sort(key=lambda r: ([c for c, _ in CONTIGS].index(r[0]), r[1]))
        with open(os.path.join(out, f"{sample}.vcf"), "w", newline="\n") as v:
            v.write("##fileformat=VCFv4.2\n")
            v.write("##source=mutasig examples/vcf/make_example.py\n")
            v.write("##reference=genome.fa\n")
            for name, n in CONTIGS:
                v.write(f"##contig=<ID={name},length={n}>\n")
            v.write('##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">\n')
            v.write(f"#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\t{sample}\n")
            for contig, pos, ref, alt in records:
                v.write(f"{contig}\t{pos}\t.\t{ref}\t{alt}\t.\tPASS\t.\tGT\t0/1\n")


if __name__ == "__main__":
    main(sys.argv)
