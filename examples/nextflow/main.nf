#!/usr/bin/env nextflow
// A minimal pipeline around the mutasig modules: extract and assign per cohort, then a
// report of each extraction. Run: nextflow run examples/nextflow/main.nf --catalogues 'cohorts/*.tsv'
// (untested here: Nextflow cannot be installed on our machines; the modules' script and
// stub blocks are run by tests/nextflow.rs).
nextflow.enable.dsl = 2

include { MUTASIG_EXTRACT } from './modules/mutasig/extract/main'
include { MUTASIG_ASSIGN  } from './modules/mutasig/assign/main'
include { MUTASIG_REPORT  } from './modules/mutasig/report/main'

params.catalogues = "${projectDir}/../breast21_wgs_sbs96.tsv"

workflow {
    cohorts = Channel
        .fromPath(params.catalogues, checkIfExists: true)
        .map { file -> [ [ id: file.baseName ], file ] }

    MUTASIG_EXTRACT(cohorts)
    MUTASIG_ASSIGN(cohorts)
    MUTASIG_REPORT(MUTASIG_EXTRACT.out.results)

    MUTASIG_EXTRACT.out.rank.view { meta, rank -> "${meta.id}: selected rank ${rank}" }
}
