#!/usr/bin/env nextflow
// A pipeline around the mutasig modules: per cohort (catalogues, or VCFs counted by
// MUTASIG_COUNT), the extraction scattered over ranks × replicate chunks
// (MUTASIG_EXTRACTPART, one task each), gathered by MUTASIG_MERGE, reported; and an
// assignment. Run:
//   nextflow run examples/nextflow/main.nf --catalogues 'cohorts/*.tsv' -profile docker
//   nextflow run examples/nextflow/main.nf --vcfs 'calls/*.vcf.gz' --fasta GRCh38.fa --cohort tcga
// Untested here: Nextflow cannot be installed on our machines; tests/nextflow.rs runs the
// modules' script and stub blocks (docs/pipelines.md says exactly what was run).
nextflow.enable.dsl = 2

include { MUTASIG_COUNT       } from './modules/mutasig/count/main'
include { MUTASIG_EXTRACTPART } from './modules/mutasig/extractpart/main'
include { MUTASIG_MERGE       } from './modules/mutasig/merge/main'
include { MUTASIG_ASSIGN      } from './modules/mutasig/assign/main'
include { MUTASIG_REPORT      } from './modules/mutasig/report/main'

params.catalogues = "${projectDir}/../breast21_wgs_sbs96.tsv"
// VCFs of one cohort (a glob) and their reference FASTA (with its .fai; a bgzipped
// FASTA's .gzi is staged too): counted first
params.vcfs       = null
params.fasta      = null
params.cohort     = 'cohort'
// must match --min-rank/--max-rank/--replicates in nextflow.config's MUTASIG_EXTRACTPART ext.args
params.min_rank   = 1
params.max_rank   = 8
params.replicates = 100
params.chunk      = 25

workflow {
    if (params.vcfs) {
        calls = Channel
            .fromPath(params.vcfs, checkIfExists: true)
            .collect()
            .map { files -> [ [ id: params.cohort ], files ] }
        index = [ file("${params.fasta}.fai", checkIfExists: true) ]
        if (params.fasta.endsWith('.gz')) {
            index << file("${params.fasta}.gzi", checkIfExists: true)
        }
        reference = Channel.value([
            [ id: 'reference' ],
            file(params.fasta, checkIfExists: true),
            index,
        ])
        MUTASIG_COUNT(calls, reference)
        cohorts = MUTASIG_COUNT.out.sbs96
    } else {
        cohorts = Channel
            .fromPath(params.catalogues, checkIfExists: true)
            .map { file -> [ [ id: file.baseName ], file ] }
    }

    ranks  = Channel.of(params.min_rank..params.max_rank).map { k -> k.toString() }
    chunks = Channel.fromList(
        (0..<params.replicates).step(params.chunk).collect { a ->
            "${a}..${Math.min(a + params.chunk, params.replicates)}".toString()
        }
    )
    MUTASIG_EXTRACTPART(cohorts.combine(ranks).combine(chunks))

    parts = MUTASIG_EXTRACTPART.out.part.groupTuple()
    MUTASIG_MERGE(cohorts.join(parts))
    MUTASIG_REPORT(MUTASIG_MERGE.out.results)
    MUTASIG_ASSIGN(cohorts)

    MUTASIG_MERGE.out.rank.view { meta, rank -> "${meta.id}: selected rank ${rank}" }
}
