#!/usr/bin/env python3
"""`mutasig count` speed against SigProfilerMatrixGenerator, side by side, on the same VCFs.

Builds a synthetic genome and calls with the generator of benches/count_spmg.py (samples
x records per sample, one plain VCF per sample), installs the genome into
SigProfilerMatrixGenerator as the custom genome `mutasigspeed` (not timed), then runs
`mutasig count --threads 2` and SigProfilerMatrixGenerator's
`SigProfilerMatrixGeneratorFunc(project, genome, vcf_dir, plot=False, exome=False)` (the
call of count_spmg.py, in a fresh Python process) alternately, ROUNDS times each, each
under GNU time (wall seconds, peak resident memory). `mutasig count --threads 1` is run
once per round too, for reference (SigProfilerMatrixGenerator uses one core). Prints
per-run seconds, records per second and the ratio within each round, then checks that the
matrices agree as count_spmg.py does (exit 1 when they do not).

    /tmp/spmg-venv/bin/python benches/count_spmg_speed.py target/release/mutasig 20 50000 \\
        [--rounds 3] [--genome-mb 10] [--work /tmp/count-spmg-speed]

The SigProfilerMatrixGenerator time includes starting Python and importing the package
(measured apart and printed: `python -c 'import ...'`); the mutasig time includes
starting the binary. On a shared machine compare the ratios, not the absolute times.
"""
import argparse, filecmp, json, os, random, shutil, subprocess, sys, tempfile, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import count_spmg as cs  # noqa: E402

SPMG_RUN = """
import json, sys
from SigProfilerMatrixGenerator.scripts import reference_genome_manager as rgm
from SigProfilerMatrixGenerator.scripts import SigProfilerMatrixGeneratorFunc as matGen
genome, checksums, vdir = sys.argv[1], json.load(open(sys.argv[2])), sys.argv[3]
rgm.CHECKSUMS[genome] = checksums
matGen.SigProfilerMatrixGeneratorFunc("cmp", genome, vdir + "/", plot=False, exome=False)
"""
SPMG_IMPORT = """
from SigProfilerMatrixGenerator.scripts import reference_genome_manager
from SigProfilerMatrixGenerator.scripts import SigProfilerMatrixGeneratorFunc
"""


def timed(cmd, log):
    """Run `cmd` under GNU time; (wall seconds, peak RSS in MB). Output goes to `log`."""
    with tempfile.NamedTemporaryFile("r", suffix=".time") as t, open(log, "w") as out:
        subprocess.run(["/usr/bin/time", "-f", "%e %M", "-o", t.name, *cmd],
                       stdout=out, stderr=subprocess.STDOUT, check=True)
        s, kb = t.read().split()[-2:]
    return float(s), int(kb) / 1024


def clean_spmg(vdir):
    """Remove what SigProfilerMatrixGenerator wrote next to the VCFs, so that each run
    starts from the same folder."""
    for name in os.listdir(vdir):
        path = os.path.join(vdir, name)
        if os.path.isdir(path):
            shutil.rmtree(path)
        elif not name.endswith(".vcf"):
            os.remove(path)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("binary")
    ap.add_argument("samples", type=int)
    ap.add_argument("records_per_sample", type=int)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--genome-mb", type=float, default=10)
    ap.add_argument("--work", default="/tmp/count-spmg-speed")
    a = ap.parse_args()
    if not os.access("/usr/bin/time", os.X_OK):
        sys.exit("needs GNU time at /usr/bin/time (apt-get install time)")
    binary = os.path.abspath(a.binary)
    cs.WORK = os.path.abspath(a.work)
    cs.GENOME = "mutasigspeed"
    random.seed(7)
    total = int(a.genome_mb * 1_000_000)
    contigs = {"1": total * 4 // 10, "2": total * 3 // 10, "3": total - total * 7 // 10}
    t0 = time.time()
    seqs = {c: cs.make_contig(n) for c, n in contigs.items()}
    samples = cs.simulate(seqs, a.samples, lambda s: a.records_per_sample)
    fasta_dir, tdir, edir, vdir, sdir = cs.write_inputs(seqs, samples)
    vcfs = cs.vcfs_in(vdir)
    records = sum(len(r) for r in samples.values())
    size = sum(os.path.getsize(v) for v in vcfs)
    print(f"input: {len(vcfs)} VCFs, {records} records, {size / 1e6:.1f} MB; genome "
          f"{total / 1e6:g} Mb; written in {time.time() - t0:.0f} s", flush=True)
    t0 = time.time()
    checksums = os.path.join(cs.WORK, "checksums.json")
    with open(checksums, "w") as f:
        json.dump(cs.install_spmg(fasta_dir, tdir, edir), f)
    print(f"SigProfilerMatrixGenerator genome install (not timed below): {time.time() - t0:.0f} s",
          flush=True)
    fasta = os.path.join(cs.WORK, "genome.fa")
    logs = os.path.join(cs.WORK, "logs")
    os.makedirs(logs, exist_ok=True)
    py = sys.executable
    imp, _ = timed([py, "-c", SPMG_IMPORT], os.path.join(logs, "import.log"))
    print(f"python + SigProfilerMatrixGenerator import alone: {imp:.2f} s", flush=True)

    def mutasig(threads, out, log):
        return timed([binary, "--quiet", "--threads", str(threads), "count", *vcfs, "--fasta", fasta,
                      "--sample-from", "filename", "-o", out, "--force"], log)

    rows = []
    for r in range(1, a.rounds + 1):
        m2 = mutasig(2, os.path.join(cs.WORK, f"mutasig{r}"), os.path.join(logs, f"mutasig{r}.log"))
        print(f"round {r}: mutasig --threads 2 {m2[0]:.2f} s, {m2[1]:.0f} MB", flush=True)
        clean_spmg(vdir)
        sp = timed([py, "-c", SPMG_RUN, cs.GENOME, checksums, vdir], os.path.join(logs, f"spmg{r}.log"))
        print(f"round {r}: SigProfilerMatrixGenerator {sp[0]:.2f} s, {sp[1]:.0f} MB", flush=True)
        m1 = mutasig(1, os.path.join(cs.WORK, f"mutasig{r}_t1"), os.path.join(logs, f"mutasig{r}_t1.log"))
        print(f"round {r}: mutasig --threads 1 {m1[0]:.2f} s, {m1[1]:.0f} MB", flush=True)
        rows.append((r, m2, m1, sp))

    print(f"\n{records} records, {len(vcfs)} samples (records/s in parentheses)")
    print("| round | mutasig -t2 s | mutasig -t1 s | SPMG s | SPMG / mutasig -t2 | SPMG / mutasig -t1 "
          "| peak RSS mutasig -t2 | peak RSS SPMG |")
    print("|---|---|---|---|---|---|---|---|")
    for r, m2, m1, sp in rows:
        print(f"| {r} | {m2[0]:.2f} ({records / m2[0]:,.0f}) | {m1[0]:.2f} ({records / m1[0]:,.0f}) "
              f"| {sp[0]:.2f} ({records / sp[0]:,.0f}) | {sp[0] / m2[0]:.1f}x | {sp[0] / m1[0]:.1f}x "
              f"| {m2[1]:.0f} MB | {sp[1]:.0f} MB |")
    best = lambda i: min(row[i][0] for row in rows)
    print(f"fastest of each: SPMG / mutasig -t2 = {best(3) / best(1):.1f}x, "
          f"SPMG / mutasig -t1 = {best(3) / best(2):.1f}x\n")

    # the same bytes from every mutasig run, whatever --threads
    first = os.path.join(cs.WORK, "mutasig1")
    same = True
    for r, *_ in rows:
        for d in (f"mutasig{r}", f"mutasig{r}_t1"):
            for f in ("SBS96.tsv", "SBS1536.tsv", "DBS78.tsv", "ID83.tsv"):
                if not filecmp.cmp(os.path.join(first, f), os.path.join(cs.WORK, d, f), shallow=False):
                    print(f"{d}/{f} differs from mutasig1/{f}")
                    same = False
    split = os.path.join(cs.WORK, "mutasig_split")
    subprocess.run([binary, "--quiet", "count", *cs.vcfs_in(sdir), "--fasta", fasta,
                    "--sample-from", "filename", "-o", split, "--force"], check=True)
    same &= cs.compare(os.path.join(vdir, "output"), first, split)
    sys.exit(0 if same else 1)


if __name__ == "__main__":
    main()
