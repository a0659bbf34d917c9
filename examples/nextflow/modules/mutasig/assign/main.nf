process MUTASIG_ASSIGN {
    tag "$meta.id"
    label 'process_medium'

    conda "bioconda::mutasig=0.1.0"
    container "mutasig:0.1.0"

    input:
    tuple val(meta), path(catalogue)

    output:
    tuple val(meta), path("${prefix}")                      , emit: results
    tuple val(meta), path("${prefix}/exposures.tsv")        , emit: exposures
    tuple val(meta), path("${prefix}/fit_quality.tsv")      , emit: fit_quality
    tuple val(meta), path("${prefix}/summary.json")         , emit: summary
    tuple val(meta), path("${prefix}/*_mqc.tsv")            , emit: multiqc
    tuple val(meta), path("${prefix}.log")                  , emit: log
    path "versions.yml"                                     , emit: versions

    when:
    task.ext.when == null || task.ext.when

    script:
    def args = task.ext.args ?: ''
    prefix = task.ext.prefix ?: "${meta.id}"
    """
    mutasig assign \\
        ${catalogue} \\
        -o ${prefix} \\
        --threads ${task.cpus} \\
        --log ${prefix}.log \\
        ${args}

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
    touch ${prefix}/exposures.tsv ${prefix}/fit_quality.tsv ${prefix}/summary.json
    touch ${prefix}/mutasig_assign_exposures_mqc.tsv

    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
        mutasig: \$(mutasig --version | sed 's/^mutasig //')
    END_VERSIONS
    """
}
