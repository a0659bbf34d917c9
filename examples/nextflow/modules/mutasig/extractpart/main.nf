process MUTASIG_EXTRACTPART {
    tag "$meta.id k${ranks} r${replicates}"
    label 'process_single'

    conda "bioconda::mutasig=0.1.0"
    container "mutasig:0.1.0"

    input:
    // ranks: "2" or "2,3"; replicates: a half-open range "0..10"
    tuple val(meta), path(catalogue), val(ranks), val(replicates)

    output:
    tuple val(meta), path("${prefix}.part")                 , emit: part
    path "versions.yml"                                     , emit: versions

    when:
    task.ext.when == null || task.ext.when

    script:
    // the same ext.args for every part of one run: mutasig merge refuses parts that differ
    def args = task.ext.args ?: ''
    prefix = task.ext.prefix ?: "${meta.id}_k${ranks.replace(',', '-')}_r${replicates.replace('..', '-')}"
    """
    mutasig extract \\
        ${catalogue} \\
        --ranks ${ranks} \\
        --replicate-range ${replicates} \\
        --partial-out ${prefix}.part \\
        --threads ${task.cpus} \\
        ${args}

    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
        mutasig: \$(mutasig --version | sed 's/^mutasig //')
    END_VERSIONS
    """

    stub:
    prefix = task.ext.prefix ?: "${meta.id}_k${ranks.replace(',', '-')}_r${replicates.replace('..', '-')}"
    """
    touch ${prefix}.part

    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
        mutasig: \$(mutasig --version | sed 's/^mutasig //')
    END_VERSIONS
    """
}
