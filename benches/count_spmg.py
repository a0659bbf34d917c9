#!/usr/bin/env python3
"""`mutasig count` against SigProfilerMatrixGenerator on a synthetic genome.

Builds a small genome (3 contigs with homopolymers, tandem repeats and microhomology
sites), simulates left-aligned SNVs, adjacent SNV pairs and indels for a few samples
(one VCF per sample), installs the genome into SigProfilerMatrixGenerator as a custom
genome, runs both tools and compares SBS96, DBS78 and ID83 cell by cell, and SBS288 and
SBS384 (transcriptional strand) with random transcripts on both strands, some
overlapping, given to SigProfilerMatrixGenerator as its transcript table and to mutasig
as BED6 (`--transcripts`).

    python3 -m venv /tmp/spmg-venv && /tmp/spmg-venv/bin/pip install SigProfilerMatrixGenerator
    /tmp/spmg-venv/bin/python benches/count_spmg.py target/release/mutasig [WORKDIR]

Prints the totals and differing cells per context; exit 0 when DBS78 and ID83 are
identical and SBS96, SBS1536, SBS288 and SBS384 are identical once the bases of adjacent
SNV pairs are also counted as SBS (as SigProfilerMatrixGenerator does; mutasig counts
such a pair as one DBS only).
benches/count_spmg_speed.py reuses these functions to time both tools side by side.
"""
import os, random, shutil, subprocess, sys

WORK = "/tmp/count-spmg"  # set by main(); benches/count_spmg_speed.py sets its own
GENOME = os.environ.get("SPMG_GENOME", "mutasigtest")  # another name for concurrent runs
CONTIGS = {"1": 400_000, "2": 300_000, "3": 300_000}
SAMPLES = 4
TRANSCRIPTS = 25  # per contig, 2-40 kb, either strand: overlaps make bidirectional bases


def make_contig(n):
    out = []
    total = 0
    while total < n:
        r = random.random()
        if r < 0.70:
            out.append("".join(random.choice("ACGT") for _ in range(random.randint(20, 80))))
        elif r < 0.85:  # homopolymer
            out.append(random.choice("ACGT") * random.randint(2, 10))
        elif r < 0.95:  # tandem repeat
            unit = "".join(random.choice("ACGT") for _ in range(random.randint(2, 5)))
            out.append(unit * random.randint(2, 7))
        else:  # microhomology site: X Y X with Y 3-10 bp
            x = "".join(random.choice("ACGT") for _ in range(random.randint(1, 4)))
            y = "".join(random.choice("ACGT") for _ in range(random.randint(3, 10)))
            out.append(x + y + x)
        total += len(out[-1])
    return "".join(out)[:n]


def left_align_del(seq, p, length):
    # deletion of seq[p:p+length] (0-based); shift left while the base before equals the last deleted
    while p > 1 and seq[p - 1] == seq[p + length - 1]:
        p -= 1
    return p


def left_align_ins(seq, p, ins):
    # insertion of ins before seq[p]; shift left while the base before equals ins's last base
    while p > 1 and seq[p - 1] == ins[-1]:
        ins = ins[-1] + ins[:-1]
        p -= 1
    return p, ins


def simulate(seqs, n_samples=SAMPLES, records=lambda s: 3000 + 500 * s):
    """Calls of `n_samples` samples; sample s (from 0) gets about `records(s)` of them."""
    samples = {}
    for s in range(n_samples):
        recs = []
        used = set()
        for _ in range(records(s)):
            c = random.choice(list(seqs))
            seq = seqs[c]
            p = random.randrange(10, len(seq) - 20)
            if any((c, q) in used for q in range(p - 12, p + 12)):
                continue
            r = random.random()
            if r < 0.70:  # SNV
                ref = seq[p]
                alt = random.choice([b for b in "ACGT" if b != ref])
                recs.append((c, p + 1, ref, alt))
            elif r < 0.78:  # two adjacent SNVs, two records (marked 1 and 2)
                for k, q in enumerate((p, p + 1)):
                    recs.append((c, q + 1, seq[q], random.choice([b for b in "ACGT" if b != seq[q]]), k + 1))
            elif r < 0.90:  # deletion of 1-8 bp, left-aligned
                length = random.choice([1, 1, 1, 2, 2, 3, 4, 5, 6, 8])
                p = left_align_del(seq, p, length)
                recs.append((c, p, seq[p - 1 : p + length], seq[p - 1]))
            else:  # insertion: a copy of the next bases (a repeat) or random bases
                length = random.choice([1, 1, 2, 3, 4, 6])
                ins = seq[p : p + length] if random.random() < 0.6 else "".join(
                    random.choice("ACGT") for _ in range(length))
                p, ins = left_align_ins(seq, p, ins)
                recs.append((c, p, seq[p - 1], seq[p - 1] + ins))
            for q in range(p - 12, p + 12):
                used.add((c, q))
        recs = [r if len(r) == 5 else (*r, 0) for r in recs]
        recs.sort(key=lambda r: (int(r[0]), r[1]))
        samples[f"S{s + 1}"] = recs
    return samples


def write_inputs(seqs, samples):
    if os.path.exists(WORK):
        shutil.rmtree(WORK)
    fasta_dir = os.path.join(WORK, "fasta")
    os.makedirs(fasta_dir)
    with open(os.path.join(WORK, "genome.fa"), "w") as fa, open(os.path.join(WORK, "genome.fa.fai"), "w") as fai:
        for c, seq in seqs.items():
            fa.write(f">{c}\n")
            off = fa.tell()
            for i in range(0, len(seq), 60):
                fa.write(seq[i : i + 60] + "\n")
            fai.write(f"{c}\t{len(seq)}\t{off}\t60\t61\n")
            # SigProfilerMatrixGenerator's custom install: one plain FASTA per contig named NAME.CONTIG.gz
            with open(os.path.join(fasta_dir, f"{GENOME}.{c}.gz"), "w") as f:
                f.write(f">{c}\n{seq}\n")
    tdir = os.path.join(WORK, "transcripts")
    os.makedirs(tdir)
    # the same transcripts as SigProfilerMatrixGenerator's table (1-based inclusive,
    # strand 1/-1) and as BED6 for mutasig (0-based half-open, +/-)
    rng = random.Random(11)
    with open(os.path.join(tdir, f"{GENOME}_transcripts.txt"), "w") as f, \
            open(os.path.join(WORK, "transcripts.bed"), "w") as bed:
        f.write("Gene stable ID\tTranscript stable ID\tChromosome/scaffold name\tStrand\tTranscript start (bp)\tTranscript end (bp)\n")
        for c, seq in seqs.items():
            for k in range(TRANSCRIPTS):
                length = rng.randint(2_000, 40_000)
                start = rng.randint(1, len(seq) - length)
                end = start + length - 1
                strand = rng.choice(["1", "-1"])
                f.write(f"G{c}_{k}\tT{c}_{k}\t{c}\t{strand}\t{start}\t{end}\n")
                bed.write(f"{c}\t{start - 1}\t{end}\tT{c}_{k}\t0\t{'+' if strand == '1' else '-'}\n")
    edir = os.path.join(WORK, "exome")
    os.makedirs(edir)
    with open(os.path.join(edir, f"{GENOME}_exome.interval_list"), "w") as f:
        for c, seq in seqs.items():
            f.write(f"{c}\t1000\t{len(seq) - 1000}\n")
    vdir = os.path.join(WORK, "vcf")
    os.makedirs(vdir)
    # the same calls with the two bases of each adjacent pair in files of their own, so
    # that mutasig counts them as SBS (the `SBS96 with DBS bases` check below)
    sdir = os.path.join(WORK, "vcf_split")
    os.makedirs(sdir)
    head = "##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n"
    for s, recs in samples.items():
        line = lambda c, p, r, a: f"{c}\t{p}\t.\t{r}\t{a}\t.\tPASS\t.\n"
        with open(os.path.join(vdir, f"{s}.vcf"), "w") as f:
            f.write(head)
            for c, p, r, a, _ in recs:
                f.write(line(c, p, r, a))
        for part in (0, 1, 2):
            name = s if part == 0 else f"{s}_dbs{part}"
            with open(os.path.join(sdir, f"{name}.vcf"), "w") as f:
                f.write(head)
                for c, p, r, a, k in recs:
                    if k == part:
                        f.write(line(c, p, r, a))
    return (fasta_dir, os.path.join(tdir, f"{GENOME}_transcripts.txt"),
            os.path.join(edir, f"{GENOME}_exome.interval_list"), vdir, sdir)


def read_matrix(path):
    cells = {}
    with open(path) as f:
        lines = [l for l in f if not l.startswith("#")]
    header = lines[0].rstrip("\n").split("\t")
    for line in lines[1:]:
        fields = line.rstrip("\n").split("\t")
        for name, v in zip(header[1:], fields[1:]):
            v = int(float(v))
            if v:
                cells[(fields[0], name)] = v
    return cells


def install_spmg(fasta_dir, tdir, edir):
    """Install the genome into SigProfilerMatrixGenerator as the custom genome GENOME; the
    md5 checksums of its reference files, to be put in `reference_genome_manager.CHECKSUMS`
    in the process that runs it (see `register_checksums`)."""
    from SigProfilerMatrixGenerator import install as genInstall
    from SigProfilerMatrixGenerator.scripts import ref_install
    # a rerun: the installer asks before replacing these, so remove them first
    ref = str(ref_install.reference_dir().path)
    for sub in ["transcripts", "exome", "chrom_string", "fasta", "tsb", "tsb_BED"]:
        shutil.rmtree(os.path.join(ref, "references", "chromosomes", sub, GENOME), ignore_errors=True)
    genInstall.install(GENOME, custom=True, fastaPath=fasta_dir, transcriptPath=tdir, exomePath=edir)
    import hashlib
    from SigProfilerMatrixGenerator.scripts import reference_genome_manager as rgm
    tsb = rgm.ReferenceGenomeManager(None).reference_dir.get_tsb_dir() / GENOME
    return {
        f.stem: hashlib.md5(f.read_bytes()).hexdigest()
        for f in tsb.iterdir() if f.suffix == ".txt" and "proportions" not in f.name
    }


def row_labels(path):
    with open(path) as f:
        return [l.split("\t", 1)[0] for l in f if not l.startswith("#")][1:]


def register_checksums(genome, checksums):
    """Register the custom genome with the checksums of its files just made."""
    from SigProfilerMatrixGenerator.scripts import reference_genome_manager as rgm
    rgm.CHECKSUMS[genome] = checksums


def compare(spmg_out, out, split, project="cmp"):
    """Print the totals and differing cells of SigProfilerMatrixGenerator's matrices (its
    `output` folder `spmg_out`) against mutasig's (`out`, and `split`: mutasig on the same
    calls with adjacent SNV pairs in files of their own); True when they agree."""
    same = True
    # mutasig counts two adjacent SNVs as one DBS only; SigProfilerMatrixGenerator also
    # counts both bases in SBS96. With the pairs' bases in files of their own (summed per
    # sample), mutasig's SBS96 must equal SigProfilerMatrixGenerator's exactly.
    # (SBS384 when mutasig was given --transcripts; SBS288 is not summed so: halving the B
    # counts of each part is not halving the sum; compare_strand compares it)
    contexts = ["SBS96", "SBS1536"] + (["SBS384"] if os.path.exists(os.path.join(split, "SBS384.tsv")) else [])
    for ctx in contexts:
        theirs = read_matrix(os.path.join(spmg_out, "SBS", f"{project}.{ctx}.all"))
        summed = {}
        for (label, name), v in read_matrix(os.path.join(split, f"{ctx}.tsv")).items():
            key = (label, name.split("_dbs")[0])
            summed[key] = summed.get(key, 0) + v
        diff = [k for k in set(theirs) | set(summed) if theirs.get(k, 0) != summed.get(k, 0)]
        print(f"{ctx} with the DBS bases counted as SBS too: mutasig {sum(summed.values())}, "
              f"SigProfilerMatrixGenerator {sum(theirs.values())}, differing cells {len(diff)}")
        if ctx == "SBS384":
            per_strand = {}
            for (label, _), v in summed.items():
                per_strand[label[0]] = per_strand.get(label[0], 0) + v
            print("  SBS384 per strand class (mutasig): " +
                  ", ".join(f"{k} {per_strand.get(k, 0)}" for k in "TUBN"))
        for k in sorted(diff)[:20]:
            print(f"  {k[0]}\t{k[1]}\tSPMG {theirs.get(k, 0)}\tmutasig {summed.get(k, 0)}")
        same &= not diff
    for ctx, sub, ours in [("SBS96", "SBS", "SBS96.tsv"), ("DBS78", "DBS", "DBS78.tsv"), ("ID83", "ID", "ID83.tsv")]:
        theirs = read_matrix(os.path.join(spmg_out, sub, f"{project}.{ctx}.all"))
        mine = read_matrix(os.path.join(out, ours))
        keys = sorted(set(theirs) | set(mine))
        diff = [(k, theirs.get(k, 0), mine.get(k, 0)) for k in keys if theirs.get(k, 0) != mine.get(k, 0)]
        total = sum(mine.values()), sum(theirs.values())
        print(f"{ctx}: mutasig {total[0]}, SigProfilerMatrixGenerator {total[1]}, differing cells {len(diff)}")
        if ctx == "SBS96":
            continue  # checked above
        for (label, sample), t, m in diff[:40]:
            print(f"  {label}\t{sample}\tSPMG {t}\tmutasig {m}")
        same &= not diff
    return same


def vcfs_in(folder):
    return sorted(os.path.join(folder, f) for f in os.listdir(folder) if f.endswith(".vcf"))


def compare_strand(binary, samples, sdir):
    """Transcriptional strand without the adjacent pairs (so no DBS and no summing): both
    tools on the same single SNVs, SBS96, SBS288 and SBS384 compared directly, rows in
    the same order; True when they agree."""
    from SigProfilerMatrixGenerator.scripts import SigProfilerMatrixGeneratorFunc as matGen
    same = True
    ndir = os.path.join(WORK, "vcf_nodbs")
    os.makedirs(ndir)
    for s in samples:
        shutil.copy(os.path.join(sdir, f"{s}.vcf"), ndir)
    matGen.SigProfilerMatrixGeneratorFunc("nodbs", GENOME, ndir + "/", plot=False, exome=False)
    nodbs = os.path.join(WORK, "mutasig_nodbs")
    subprocess.run([binary, "count", *vcfs_in(ndir), "--fasta", os.path.join(WORK, "genome.fa"),
                    "--transcripts", os.path.join(WORK, "transcripts.bed"),
                    "--sample-from", "filename", "-o", nodbs, "--force"], check=True)
    for ctx in ["SBS96", "SBS288", "SBS384"]:
        theirs = read_matrix(os.path.join(ndir, "output", "SBS", f"nodbs.{ctx}.all"))
        mine = read_matrix(os.path.join(nodbs, f"{ctx}.tsv"))
        diff = [k for k in set(theirs) | set(mine) if theirs.get(k, 0) != mine.get(k, 0)]
        print(f"{ctx} of the single SNVs only: mutasig {sum(mine.values())}, "
              f"SigProfilerMatrixGenerator {sum(theirs.values())}, differing cells {len(diff)}")
        for k in sorted(diff)[:20]:
            print(f"  {k[0]}\t{k[1]}\tSPMG {theirs.get(k, 0)}\tmutasig {mine.get(k, 0)}")
        order = row_labels(os.path.join(ndir, "output", "SBS", f"nodbs.{ctx}.all")) == \
            row_labels(os.path.join(nodbs, f"{ctx}.tsv"))
        print(f"  {ctx} rows in the same order: {order}")
        same &= not diff and order
    return same


def main():
    global WORK
    binary = sys.argv[1]
    WORK = os.path.abspath(sys.argv[2] if len(sys.argv) > 2 else "/tmp/count-spmg")
    random.seed(7)
    seqs = {c: make_contig(n) for c, n in CONTIGS.items()}
    samples = simulate(seqs)
    fasta_dir, tdir, edir, vdir, sdir = write_inputs(seqs, samples)
    register_checksums(GENOME, install_spmg(fasta_dir, tdir, edir))
    from SigProfilerMatrixGenerator.scripts import SigProfilerMatrixGeneratorFunc as matGen
    matGen.SigProfilerMatrixGeneratorFunc("cmp", GENOME, vdir + "/", plot=False, exome=False)
    out = os.path.join(WORK, "mutasig")
    subprocess.run([binary, "count", *vcfs_in(vdir), "--fasta", os.path.join(WORK, "genome.fa"),
                    "--sample-from", "filename", "-o", out, "--force"], check=True)
    split = os.path.join(WORK, "mutasig_split")
    subprocess.run([binary, "count", *vcfs_in(sdir), "--fasta", os.path.join(WORK, "genome.fa"),
                    "--transcripts", os.path.join(WORK, "transcripts.bed"),
                    "--sample-from", "filename", "-o", split, "--force"], check=True)
    same = compare(os.path.join(vdir, "output"), out, split)
    same &= compare_strand(binary, samples, sdir)
    sys.exit(0 if same else 1)

if __name__ == "__main__":
    main()
