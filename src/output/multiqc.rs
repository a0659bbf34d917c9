//! MultiQC custom content: two `*_mqc.tsv` files per run, so that `multiqc` over a
//! pipeline's results folder shows a mutasig section (exposures as a stacked bar graph,
//! fit quality as a table) without a MultiQC plugin. Built from the folder's own
//! `exposures.tsv` and `fit_quality.tsv`, so `extract` and `assign` share it.

use super::{OutputDir, OutputError, Tsv};
use crate::read::written::{ParseError, parse_table};

/// Names of the files [`add_to`] writes, for one command (`extract` or `assign`).
pub fn file_names(command: &str) -> [String; 2] {
    [
        format!("mutasig_{command}_exposures_mqc.tsv"),
        format!("mutasig_{command}_fit_mqc.tsv"),
    ]
}

/// Writes the MultiQC files of a staged folder whose `exposures.tsv` and
/// `fit_quality.tsv` are written. `command` names the section (`extract`, `assign`): runs
/// of the same command in one results folder share a section, one row per sample.
pub fn add_to(out: &OutputDir, command: &str) -> Result<(), OutputError> {
    let read = |name: &str| -> Result<crate::read::written::Table, OutputError> {
        let text = std::fs::read_to_string(out.staging().join(name)).map_err(|source| {
            OutputError::Io {
                path: out.target().join(name).display().to_string(),
                source,
            }
        })?;
        parse_table(name, &text).map_err(|e: ParseError| OutputError::Invalid(e.to_string()))
    };
    let [exposures_name, fit_name] = file_names(command);
    out.write(
        &exposures_name,
        exposures(command, &read("exposures.tsv")?).as_bytes(),
    )?;
    out.write(
        &fit_name,
        fit(command, &read("fit_quality.tsv")?).as_bytes(),
    )?;
    Ok(())
}

/// The header MultiQC reads (YAML in `#` comments) followed by the table.
fn with_header(config: &[(&str, String)], table: String) -> String {
    let mut s = String::new();
    for (key, value) in config {
        if value.starts_with('\n') {
            s.push_str(&format!("# {key}:"));
            for line in value.lines().skip(1) {
                s.push_str(&format!("\n#     {line}"));
            }
            s.push('\n');
        } else {
            s.push_str(&format!("# {key}: '{}'\n", value.replace('\'', "''")));
        }
    }
    s + &table
}

fn exposures(command: &str, t: &crate::read::written::Table) -> String {
    let what = match command {
        "extract" => "de novo signatures found by mutasig extract",
        _ => "reference signatures fitted by mutasig assign",
    };
    let id = format!("mutasig_{command}_exposures");
    let config = [
        ("id", id.clone()),
        (
            "section_name",
            format!("mutasig {command}: signature exposures"),
        ),
        (
            "description",
            format!("Mutations attributed to each of the {what} (exposures.tsv)."),
        ),
        ("plot_type", "bargraph".to_string()),
        (
            "pconfig",
            format!(
                "\nid: '{id}_plot'\ntitle: 'mutasig {command}: signature exposures'\nylab: 'Mutations'"
            ),
        ),
    ];
    with_header(
        &config,
        copy(t, &t.header.iter().map(|h| h.as_str()).collect::<Vec<_>>()),
    )
}

fn fit(command: &str, t: &crate::read::written::Table) -> String {
    let id = format!("mutasig_{command}_fit");
    let config = [
        ("id", id.clone()),
        ("section_name", format!("mutasig {command}: fit quality")),
        (
            "description",
            "Per sample: mutations, signatures used, and how well they reconstruct the \
             spectrum (cosine similarity; relative L2 error), from fit_quality.tsv."
                .to_string(),
        ),
        ("plot_type", "table".to_string()),
        (
            "pconfig",
            format!("\nid: '{id}_table'\ntitle: 'mutasig {command}: fit quality'"),
        ),
    ];
    let cols = [
        "Sample",
        "total_mutations",
        "n_signatures",
        "cosine",
        "rel_l2",
    ];
    with_header(&config, copy(t, &cols))
}

/// The named columns of a table, in that order (the first is the sample).
fn copy(t: &crate::read::written::Table, cols: &[&str]) -> String {
    let idx: Vec<usize> = cols.iter().filter_map(|c| t.col(c)).collect();
    let header: Vec<&str> = idx.iter().map(|&i| t.header[i].as_str()).collect();
    let mut out = Tsv::new(&header);
    for r in &t.rows {
        out.row_str(&idx.iter().map(|&i| r[i].clone()).collect::<Vec<_>>());
    }
    out.finish()
}
