process MUTASIG_REPORT {
    tag "$meta.id"
    label 'process_single'

    conda "bioconda::mutasig=0.1.0"
    container "mutasig:0.1.0"

    input:
    // a staged extract or assign folder: only read (report never writes into it)
    tuple val(meta), path(results, stageAs: 'results/*')

    output:
    tuple val(meta), path("${prefix}/report.html")          , emit: html
    tuple val(meta), path("${prefix}/plots")                , emit: plots
    path "versions.yml"                                     , emit: versions

    when:
    task.ext.when == null || task.ext.when

    script:
    def args = task.ext.args ?: ''
    prefix = task.ext.prefix ?: "${meta.id}_report"
    """
    mutasig report \\
        ${results} \\
        -o ${prefix} \\
        ${args}

    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
        mutasig: \$(mutasig --version | sed 's/^mutasig //')
    END_VERSIONS
    """

    stub:
    prefix = task.ext.prefix ?: "${meta.id}_report"
    """
    mkdir -p ${prefix}/plots
    touch ${prefix}/report.html

    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
        mutasig: \$(mutasig --version | sed 's/^mutasig //')
    END_VERSIONS
    """
}
