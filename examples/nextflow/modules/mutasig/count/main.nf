process MUTASIG_COUNT {
    tag "$meta.id"
    label 'process_medium'

    conda "bioconda::mutasig=0.1.0"
    container "mutasig:0.1.0"

    input:
    tuple val(meta), path(calls)
    tuple val(meta2), path(fasta), path(fai)

    output:
    tuple val(meta), path("${prefix}")                      , emit: results
    tuple val(meta), path("${prefix}/SBS96.tsv")            , emit: sbs96
    tuple val(meta), path("${prefix}/SBS1536.tsv")          , emit: sbs1536
    tuple val(meta), path("${prefix}/DBS78.tsv")            , emit: dbs78
    tuple val(meta), path("${prefix}/ID83.tsv")             , emit: id83
    tuple val(meta), path("${prefix}/count_summary.tsv")    , emit: stats
    tuple val(meta), path("${prefix}/summary.json")         , emit: summary
    tuple val(meta), path("${prefix}.log")                  , emit: log
    path "versions.yml"                                     , emit: versions

    when:
    task.ext.when == null || task.ext.when

    script:
    def args = task.ext.args ?: ''
    prefix = task.ext.prefix ?: "${meta.id}"
    """
    mutasig count \\
        ${calls} \\
        --fasta ${fasta} \\
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
    touch ${prefix}/SBS96.tsv ${prefix}/SBS1536.tsv ${prefix}/DBS78.tsv ${prefix}/ID83.tsv
    touch ${prefix}/count_summary.tsv ${prefix}/summary.json

    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
        mutasig: \$(mutasig --version | sed 's/^mutasig //')
    END_VERSIONS
    """
}
