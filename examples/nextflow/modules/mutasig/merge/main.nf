process MUTASIG_MERGE {
    tag "$meta.id"
    label 'process_medium'

    conda "bioconda::mutasig=0.1.0"
    container "mutasig:0.1.0"

    input:
    tuple val(meta), path(catalogue), path(parts, stageAs: 'parts/*')

    output:
    tuple val(meta), path("${prefix}")                      , emit: results
    tuple val(meta), path("${prefix}/signatures.tsv")       , emit: signatures
    tuple val(meta), path("${prefix}/exposures.tsv")        , emit: exposures
    tuple val(meta), path("${prefix}/summary.json")         , emit: summary
    tuple val(meta), path("${prefix}/*_mqc.tsv")            , emit: multiqc
    tuple val(meta), env(SELECTED_RANK)                     , emit: rank
    tuple val(meta), path("${prefix}.log")                  , emit: log
    path "versions.yml"                                     , emit: versions

    when:
    task.ext.when == null || task.ext.when

    script:
    def args = task.ext.args ?: ''
    prefix = task.ext.prefix ?: "${meta.id}"
    """
    mutasig merge \\
        --input ${catalogue} \\
        ${parts} \\
        -o ${prefix} \\
        --threads ${task.cpus} \\
        --log ${prefix}.log \\
        ${args}

    SELECTED_RANK=\$(sed -n 's/^  "selected_rank": \\([0-9]*\\),\$/\\1/p' ${prefix}/summary.json)

    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
        mutasig: \$(mutasig --version | sed 's/^mutasig //')
    END_VERSIONS
    """

    stub:
    prefix = task.ext.prefix ?: "${meta.id}"
    """
    mkdir -p ${prefix}
    touch ${prefix}.log
    touch ${prefix}/signatures.tsv ${prefix}/exposures.tsv ${prefix}/summary.json
    touch ${prefix}/mutasig_extract_exposures_mqc.tsv
    SELECTED_RANK=1

    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
        mutasig: \$(mutasig --version | sed 's/^mutasig //')
    END_VERSIONS
    """
}
