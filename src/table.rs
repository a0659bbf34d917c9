//! Reading labelled matrices (catalogues and signature sets) from text tables.
//!
//! Accepted: the SigProfiler matrix layout (first column the channel label, one column
//! per sample or signature), COSMIC's download layout (`Type` = `C>A`, `Subtype` = `ACA`),
//! tab- or comma-separated, gzip-compressed, `-` for standard input, Windows line endings,
//! rows in any order. Every problem is reported as one line naming the file and, where it
//! applies, the line, the channel, the column and the offending value.

use crate::context::{Context, sbs96_from_parts};
use faer::Mat;
use polars::prelude::*;
use std::collections::HashMap;
use std::io::{Cursor, Read};
use std::path::Path;

/// What the values of a table are, which decides how they are validated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueKind {
    /// Mutation counts: whole numbers ≥ 0 (`12` or `12.0`).
    Counts,
    /// Signature probabilities: numbers ≥ 0, each column summing to 1 within 1e-3.
    Probabilities,
}

/// A table problem, each rendered as one line naming the source.
#[derive(Debug, thiserror::Error)]
pub enum TableError {
    /// The file could not be opened or read.
    #[error("{path}: cannot read: {source}")]
    Io {
        /// File name as given.
        path: String,
        /// Underlying error.
        source: std::io::Error,
    },
    /// Binary or otherwise non-text content.
    #[error("{path}: not a readable text table ({reason}); give a tab- or comma-separated file")]
    Unreadable {
        /// File name as given.
        path: String,
        /// What was wrong.
        reason: String,
    },
    /// Nothing in the file.
    #[error(
        "{path}: the file is empty; expected a header line (label column, then one column per sample) and one row per channel"
    )]
    Empty {
        /// File name as given.
        path: String,
    },
    /// A header and no rows.
    #[error("{path}: only a header line and no channel rows")]
    HeaderOnly {
        /// File name as given.
        path: String,
    },
    /// No value columns.
    #[error(
        "{path}: no sample columns: the header has only the label column(s) {header}; add one column per sample"
    )]
    NoColumns {
        /// File name as given.
        path: String,
        /// The header as read.
        header: String,
    },
    /// A row with the wrong number of fields.
    #[error(
        "{path}: line {line}: {found} fields where the header has {expected}; every row needs its label(s) and one value per column"
    )]
    Ragged {
        /// File name as given.
        path: String,
        /// 1-based line number.
        line: usize,
        /// Fields on that line.
        found: usize,
        /// Fields in the header.
        expected: usize,
    },
    /// A column name used twice.
    #[error(
        "{path}: column name '{name}' appears twice in the header (columns {first} and {second}); names must be unique"
    )]
    DuplicateColumn {
        /// File name as given.
        path: String,
        /// The repeated name.
        name: String,
        /// 1-based column of its first use.
        first: usize,
        /// 1-based column of its second use.
        second: usize,
    },
    /// An empty column name.
    #[error("{path}: column {column} of the header has no name; name every sample column")]
    EmptyColumnName {
        /// File name as given.
        path: String,
        /// 1-based column.
        column: usize,
    },
    /// No label matched any known context.
    #[error(
        "{path}: line {line}: unknown channel label '{label}'; expected SBS96 labels like A[C>A]A, DBS78 like AC>CA or ID83 like 1:Del:C:0"
    )]
    UnknownContext {
        /// File name as given.
        path: String,
        /// 1-based line.
        line: usize,
        /// The label.
        label: String,
    },
    /// A label that does not belong to the detected context.
    #[error(
        "{path}: line {line}: unknown channel label '{label}' in a {context} table (expected labels like {example})"
    )]
    UnknownLabel {
        /// File name as given.
        path: String,
        /// 1-based line.
        line: usize,
        /// The label.
        label: String,
        /// The context the other rows belong to.
        context: Context,
        /// An example of a valid label.
        example: &'static str,
    },
    /// The same channel twice.
    #[error(
        "{path}: line {line}: channel '{label}' appears twice (first on line {first}); merge the two rows"
    )]
    DuplicateChannel {
        /// File name as given.
        path: String,
        /// 1-based line of the second occurrence.
        line: usize,
        /// 1-based line of the first.
        first: usize,
        /// The channel.
        label: String,
    },
    /// Channels of the context absent from the table.
    #[error(
        "{path}: missing {count} of the {total} {context} channels: {listed}; every channel needs a row (write 0 where there are no mutations)"
    )]
    MissingChannels {
        /// File name as given.
        path: String,
        /// The context.
        context: Context,
        /// Number missing.
        count: usize,
        /// Channels in the context.
        total: usize,
        /// The first few missing labels.
        listed: String,
    },
    /// A bad cell.
    #[error("{path}: line {line}, channel '{label}', column '{column}': {problem}")]
    BadValue {
        /// File name as given.
        path: String,
        /// 1-based line.
        line: usize,
        /// The row's channel label.
        label: String,
        /// The column (sample or signature) name.
        column: String,
        /// What is wrong, quoting the value.
        problem: String,
    },
    /// A probability column that does not sum to 1.
    #[error(
        "{path}: column '{column}' sums to {sum:.6}, not 1 (±0.001); signature columns must be probability distributions"
    )]
    NotDistribution {
        /// File name as given.
        path: String,
        /// The column.
        column: String,
        /// Its sum.
        sum: f64,
    },
    /// Polars failed on the cleaned text (should not happen after the structural checks).
    #[error("{path}: cannot parse the table: {message}")]
    Parse {
        /// File name as given.
        path: String,
        /// Parser message.
        message: String,
    },
}

/// A validated table: values in canonical channel order.
#[derive(Debug, Clone)]
pub struct LabelledMatrix {
    /// The context recognised from the labels.
    pub context: Context,
    /// Column names (samples or signatures), in file order.
    pub columns: Vec<String>,
    /// channels × columns values, rows in the context's canonical order.
    pub values: Mat<f64>,
}

/// Read all bytes of `path` (`-` = standard input), gunzipping when the content is gzip.
pub fn read_source(path: &str) -> Result<Vec<u8>, TableError> {
    let io = |source| TableError::Io {
        path: path.to_string(),
        source,
    };
    let mut raw = Vec::new();
    if path == "-" {
        std::io::stdin().lock().read_to_end(&mut raw).map_err(io)?;
    } else {
        std::fs::File::open(Path::new(path))
            .and_then(|mut f| f.read_to_end(&mut raw))
            .map_err(io)?;
    }
    if raw.starts_with(&[0x1f, 0x8b]) {
        let mut out = Vec::new();
        flate2::read::MultiGzDecoder::new(&raw[..])
            .read_to_end(&mut out)
            .map_err(|e| TableError::Unreadable {
                path: path.to_string(),
                reason: format!("broken gzip data: {e}"),
            })?;
        raw = out;
    }
    Ok(raw)
}

/// Read and validate a table from a file (`-` = standard input).
pub fn read(path: &str, kind: ValueKind) -> Result<LabelledMatrix, TableError> {
    let bytes = read_source(path)?;
    parse(path, &bytes, kind)
}

struct Lines<'a> {
    /// (1-based line number, text without line ending)
    rows: Vec<(usize, &'a str)>,
}

fn split_lines<'a>(path: &str, text: &'a str) -> Result<Lines<'a>, TableError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut rows = Vec::new();
    for (i, line) in text.split('\n').enumerate() {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        rows.push((i + 1, line));
    }
    if rows.is_empty() {
        return Err(TableError::Empty {
            path: path.to_string(),
        });
    }
    Ok(Lines { rows })
}

fn sniff_separator(path: &str, header: &str) -> u8 {
    let lower = path.to_ascii_lowercase();
    let stem = lower.strip_suffix(".gz").unwrap_or(&lower);
    if stem.ends_with(".csv") {
        b','
    } else if stem.ends_with(".tsv") || stem.ends_with(".txt") || header.contains('\t') {
        b'\t'
    } else if header.contains(',') {
        b','
    } else {
        b'\t'
    }
}

/// Split one line on the separator, honouring double quotes (for counting and the header).
fn split_fields(line: &str, sep: u8) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    for ch in line.chars() {
        if ch == '"' {
            quoted = !quoted;
        } else if ch as u32 == sep as u32 && !quoted {
            out.push(std::mem::take(&mut cur));
        } else {
            cur.push(ch);
        }
    }
    out.push(cur);
    out
}

/// Parse and validate table text. `path` is only used in messages.
pub fn parse(path: &str, bytes: &[u8], kind: ValueKind) -> Result<LabelledMatrix, TableError> {
    let p = || path.to_string();
    if let Some(pos) = bytes.iter().position(|&b| b == 0) {
        return Err(TableError::Unreadable {
            path: p(),
            reason: format!("binary data (a NUL byte at offset {pos})"),
        });
    }
    let text = std::str::from_utf8(bytes).map_err(|e| TableError::Unreadable {
        path: p(),
        reason: format!(
            "not UTF-8 text (invalid byte at offset {})",
            e.valid_up_to()
        ),
    })?;
    let lines = split_lines(path, text)?;
    let (header_line_no, header_line) = lines.rows[0];
    let _ = header_line_no;
    let sep = sniff_separator(path, header_line);
    let header: Vec<String> = split_fields(header_line, sep)
        .into_iter()
        .map(|s| s.trim().to_string())
        .collect();
    if lines.rows.len() == 1 {
        return Err(TableError::HeaderOnly { path: p() });
    }
    let width = header.len();
    for &(line, row) in &lines.rows[1..] {
        let found = split_fields(row, sep).len();
        if found != width {
            return Err(TableError::Ragged {
                path: p(),
                line,
                found,
                expected: width,
            });
        }
    }

    // The grid itself is parsed by polars, every column as text, so that each cell can
    // be validated here with a message naming its line, channel and column.
    let mut clean = String::with_capacity(text.len());
    for &(_, row) in &lines.rows[1..] {
        clean.push_str(row);
        clean.push('\n');
    }
    let df = CsvReadOptions::default()
        .with_has_header(false)
        .with_infer_schema_length(Some(0))
        .map_parse_options(|o| o.with_separator(sep).with_quote_char(Some(b'"')))
        .into_reader_with_file_handle(Cursor::new(clean.into_bytes()))
        .finish()
        .map_err(|e| TableError::Parse {
            path: p(),
            message: e.to_string().lines().next().unwrap_or("").to_string(),
        })?;
    let columns: Vec<Vec<String>> = df
        .columns()
        .iter()
        .map(|c| {
            let s = c.str().expect("all columns are read as text");
            s.iter().map(|v| v.unwrap_or("").to_string()).collect()
        })
        .collect();
    if columns.len() != width || columns.first().map(|c| c.len()) != Some(lines.rows.len() - 1) {
        return Err(TableError::Parse {
            path: p(),
            message: "unexpected shape after parsing (check quoting)".into(),
        });
    }

    // Layout: COSMIC download (Type + Subtype) or one label column.
    let cosmic_layout = width >= 2 && {
        let a = header[0].to_ascii_lowercase();
        let b = header[1].to_ascii_lowercase();
        (a == "type" && b == "subtype")
            || (a.starts_with("mutation") && b == "trinucleotide")
            || sbs96_from_parts(&columns[0][0], &columns[1][0]).is_some()
    };
    let label_cols = if cosmic_layout { 2 } else { 1 };
    if width <= label_cols {
        return Err(TableError::NoColumns {
            path: p(),
            header: header[..width].join(", "),
        });
    }
    let line_of = |r: usize| lines.rows[r + 1].0;
    let raw_labels: Vec<String> = (0..columns[0].len())
        .map(|r| {
            if cosmic_layout {
                sbs96_from_parts(&columns[0][r], &columns[1][r])
                    .unwrap_or_else(|| format!("{} {}", columns[0][r], columns[1][r]))
            } else {
                columns[0][r].clone()
            }
        })
        .collect();

    // Column names.
    let names: Vec<String> = header[label_cols..].to_vec();
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for (j, n) in names.iter().enumerate() {
        if n.is_empty() {
            return Err(TableError::EmptyColumnName {
                path: p(),
                column: j + label_cols + 1,
            });
        }
        if let Some(&first) = seen.get(n.as_str()) {
            return Err(TableError::DuplicateColumn {
                path: p(),
                name: n.clone(),
                first: first + label_cols + 1,
                second: j + label_cols + 1,
            });
        }
        seen.insert(n, j);
    }

    // Context from the labels, never from the row count.
    let context = raw_labels
        .iter()
        .find_map(|l| Context::detect(l))
        .ok_or_else(|| TableError::UnknownContext {
            path: p(),
            line: line_of(0),
            label: raw_labels[0].clone(),
        })?;
    let mut row_of_channel: Vec<Option<usize>> = vec![None; context.len()];
    let mut order = Vec::with_capacity(raw_labels.len());
    for (r, l) in raw_labels.iter().enumerate() {
        let canon = context
            .canonical_label(l)
            .ok_or_else(|| TableError::UnknownLabel {
                path: p(),
                line: line_of(r),
                label: l.trim().to_string(),
                context,
                example: context.example(),
            })?;
        let idx = context
            .index_of(canon)
            .expect("canonical label has an index");
        if let Some(first) = row_of_channel[idx] {
            return Err(TableError::DuplicateChannel {
                path: p(),
                line: line_of(r),
                first: line_of(first),
                label: canon.to_string(),
            });
        }
        row_of_channel[idx] = Some(r);
        order.push(idx);
    }
    let missing: Vec<&str> = row_of_channel
        .iter()
        .enumerate()
        .filter(|(_, r)| r.is_none())
        .map(|(i, _)| context.labels()[i].as_str())
        .collect();
    if !missing.is_empty() {
        let mut listed = missing
            .iter()
            .take(6)
            .copied()
            .collect::<Vec<_>>()
            .join(", ");
        if missing.len() > 6 {
            listed.push_str(", ...");
        }
        return Err(TableError::MissingChannels {
            path: p(),
            context,
            count: missing.len(),
            total: context.len(),
            listed,
        });
    }

    let mut values = Mat::<f64>::zeros(context.len(), names.len());
    for (j, name) in names.iter().enumerate() {
        let col = &columns[j + label_cols];
        for (r, cell) in col.iter().enumerate() {
            let bad = |problem: String| TableError::BadValue {
                path: p(),
                line: line_of(r),
                label: context.labels()[order[r]].clone(),
                column: name.clone(),
                problem,
            };
            let v = parse_cell(cell, kind).map_err(bad)?;
            values[(order[r], j)] = v;
        }
    }
    if kind == ValueKind::Probabilities {
        for (j, name) in names.iter().enumerate() {
            let sum: f64 = values.col(j).iter().sum();
            if (sum - 1.0).abs() > 1e-3 {
                return Err(TableError::NotDistribution {
                    path: p(),
                    column: name.clone(),
                    sum,
                });
            }
        }
    }
    Ok(LabelledMatrix {
        context,
        columns: names,
        values,
    })
}

fn parse_cell(cell: &str, kind: ValueKind) -> Result<f64, String> {
    let t = cell.trim().trim_matches('"').trim();
    if t.is_empty() {
        return Err("empty cell; write 0 for no mutations".into());
    }
    let v: f64 = t
        .parse()
        .map_err(|_| format!("value '{t}' is not a number"))?;
    if v.is_nan() {
        return Err(format!("value '{t}' is not a number (NaN)"));
    }
    if v.is_infinite() {
        return Err(format!("value '{t}' is infinite"));
    }
    if v < 0.0 {
        return Err(format!("value '{t}' is negative; values must be ≥ 0"));
    }
    if kind == ValueKind::Counts && v.fract() != 0.0 {
        return Err(format!(
            "value '{t}' is not a whole number; a catalogue holds mutation counts (signature matrices go to --signatures)"
        ));
    }
    Ok(if v == 0.0 { 0.0 } else { v })
}
