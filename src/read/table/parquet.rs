//! Parquet tables: the columns of a Parquet file turned into the header and rows that
//! [`Scan`] reads, so that labels, channels, layouts and values are checked by the same
//! code, with the same messages, as a text table.

use super::{Cell, Esc, LabelledMatrix, MAX_COUNT, Scan, TableError, ValueKind, Values};
use super::{assemble, max_channels, plain_count};
use polars::prelude::*;
use std::borrow::Cow;
use std::io::Cursor;

/// The error for Parquet bytes where a text table was expected: on standard input, or in
/// a file whose name does not end in `.parquet`.
pub(super) fn misnamed(path: &str) -> TableError {
    let reason = if path == "-" {
        "standard input holds Parquet data, which mutasig reads only from a file: save it as a file whose name ends in .parquet and give that name"
    } else {
        "holds Parquet data but its name does not end in .parquet: rename it (mutasig reads a file as Parquet by its name)"
    };
    TableError::Parquet {
        path: path.to_string(),
        reason: reason.to_string(),
    }
}

fn problem(path: &str, reason: String) -> TableError {
    TableError::Parquet {
        path: path.to_string(),
        reason,
    }
}

/// pandas writes its index as columns named in the `pandas` key-value metadata
/// (`index_columns`); a RangeIndex is stored as a description, not a column.
fn pandas_index_columns(meta: &FileMetadataRef) -> Vec<String> {
    let Some(kv) = meta.key_value_metadata().as_ref() else {
        return Vec::new();
    };
    let Some(json) = kv
        .iter()
        .find(|kv| kv.key == "pandas")
        .and_then(|kv| kv.value.as_deref())
    else {
        return Vec::new();
    };
    let Ok(v) = serde_json::from_str::<serde_json::Value>(json) else {
        return Vec::new();
    };
    v.get("index_columns")
        .and_then(|c| c.as_array())
        .map(|a| {
            a.iter()
                .filter_map(|c| c.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// One column, in the type its cells are read as.
enum Col {
    Int(Int64Chunked),
    UInt(UInt64Chunked),
    Float(Float64Chunked),
    Text(StringChunked),
}

impl Col {
    /// Integers as 64-bit integers (exact), floats as 64-bit floats, text as text, and any
    /// other type as its text (a boolean is `true`, which is not a number).
    fn of(path: &str, column: &Column) -> Result<Col, TableError> {
        let dtype = column.dtype();
        let (target, make): (DataType, fn(&Series) -> PolarsResult<Col>) =
            if dtype.is_signed_integer() {
                (DataType::Int64, |s| Ok(Col::Int(s.i64()?.clone())))
            } else if dtype.is_unsigned_integer() {
                (DataType::UInt64, |s| Ok(Col::UInt(s.u64()?.clone())))
            } else if dtype.is_float() {
                (DataType::Float64, |s| Ok(Col::Float(s.f64()?.clone())))
            } else {
                (DataType::String, |s| Ok(Col::Text(s.str()?.clone())))
            };
        let series = column.as_materialized_series();
        series
            .cast(&target)
            .map(|s| s.rechunk())
            .and_then(|s| make(&s))
            .map_err(|e| {
                problem(
                    path,
                    format!(
                        "column '{}' holds {dtype}, which is neither numbers nor text ({e}); write one column of numbers per sample",
                        Esc(column.name().as_str())
                    ),
                )
            })
    }

    fn cell(&self, i: usize) -> ParquetCell<'_> {
        let cell = match self {
            Col::Int(c) => c.get(i).map(ParquetCell::Int),
            Col::UInt(c) => c.get(i).map(ParquetCell::UInt),
            Col::Float(c) => c.get(i).map(ParquetCell::Float),
            Col::Text(c) => c.get(i).map(ParquetCell::Text),
        };
        cell.unwrap_or(ParquetCell::Null)
    }
}

/// One value of a Parquet table, as a [`Cell`].
#[derive(Debug, Clone, Copy)]
enum ParquetCell<'a> {
    Null,
    Int(i64),
    UInt(u64),
    Float(f64),
    Text(&'a str),
}

impl<'a> Cell<'a> for ParquetCell<'a> {
    /// Numbers as their shortest decimal text, which reads back as the same number.
    fn value(&self) -> Cow<'a, str> {
        match *self {
            ParquetCell::Null => Cow::Borrowed(""),
            ParquetCell::Int(n) => Cow::Owned(n.to_string()),
            ParquetCell::UInt(n) => Cow::Owned(n.to_string()),
            ParquetCell::Float(v) => Cow::Owned(v.to_string()),
            ParquetCell::Text(s) => Cow::Borrowed(s),
        }
    }

    fn is_blank(&self) -> bool {
        match self {
            ParquetCell::Null => true,
            ParquetCell::Text(s) => s.trim().is_empty(),
            _ => false,
        }
    }

    fn quick(&self, kind: ValueKind) -> Option<f64> {
        let zero = |v: f64| if v == 0.0 { 0.0 } else { v };
        match (kind, *self) {
            (ValueKind::Counts, ParquetCell::Int(n)) => u64::try_from(n)
                .ok()
                .filter(|&n| n <= MAX_COUNT)
                .map(|n| n as f64),
            (ValueKind::Counts, ParquetCell::UInt(n)) => (n <= MAX_COUNT).then_some(n as f64),
            (ValueKind::Counts, ParquetCell::Float(v)) => {
                (v >= 0.0 && v.fract() == 0.0 && v <= MAX_COUNT as f64).then(|| zero(v))
            }
            (ValueKind::Counts, ParquetCell::Text(s)) => plain_count(s).map(|n| n as f64),
            (ValueKind::Probabilities, ParquetCell::Float(v)) => {
                (0.0..=1.0).contains(&v).then(|| zero(v))
            }
            _ => None,
        }
    }
}

/// Read and validate a Parquet table from its bytes; `path` names it in messages.
pub(super) fn parse(
    path: &str,
    bytes: &[u8],
    kind: ValueKind,
) -> Result<LabelledMatrix, TableError> {
    let unreadable = |e: PolarsError| {
        problem(
            path,
            format!(
                "not a readable Parquet file ({e}); check the file is Parquet (not TSV/CSV) and was written completely"
            ),
        )
    };
    let mut reader = ParquetReader::new(Cursor::new(bytes));
    let meta = reader.get_metadata().map_err(unreadable)?.clone();
    let df = reader.finish().map_err(unreadable)?;

    let index = pandas_index_columns(&meta);
    if index.len() > 1 {
        return Err(problem(
            path,
            format!(
                "the table has a {}-level pandas index ({}); use one index (or a column) of channel labels such as MutationType, e.g. df.reset_index() before to_parquet()",
                index.len(),
                index
                    .iter()
                    .map(|n| Esc(n).to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ));
    }
    let columns = df.columns();
    if columns.is_empty() {
        return Err(TableError::Empty {
            path: path.to_string(),
        });
    }
    let label = columns
        .iter()
        .position(|c| index.first().is_some_and(|i| c.name().as_str() == i))
        .or_else(|| columns.iter().position(|c| c.name().as_str() == "__index_level_0__"))
        .or_else(|| columns.iter().position(|c| c.dtype() == &DataType::String))
        .ok_or_else(|| {
            problem(
                path,
                "no column of channel labels: the first text column (or the pandas index) must hold labels such as A[C>A]A".into(),
            )
        })?;
    // the label column first, the others in file order
    let order: Vec<&Column> = std::iter::once(&columns[label])
        .chain(
            columns
                .iter()
                .enumerate()
                .filter(|&(k, _)| k != label)
                .map(|(_, c)| c),
        )
        .collect();
    let header: Vec<String> = order.iter().map(|c| c.name().to_string()).collect();
    let cols = order
        .iter()
        .map(|c| Col::of(path, c))
        .collect::<Result<Vec<_>, _>>()?;
    drop(df);

    let height = cols.first().map_or(0, |c| match c {
        Col::Int(c) => c.len(),
        Col::UInt(c) => c.len(),
        Col::Float(c) => c.len(),
        Col::Text(c) => c.len(),
    });
    // rows past max_channels() + 1 are only counted (the table is refused); every row has
    // the header's width, so the matrix is allocated once, for the table as read
    let sink = Values::Matrix {
        rows: height.min(max_channels() + 1),
        max_cells: usize::MAX,
        values: None,
    };
    let mut scan = Scan::new(path, kind, sink);
    scan.set_header(header);
    for i in 0..height {
        // line 1 is the header, as in the same table written as text
        scan.cells(i + 2, cols.iter().map(|c| Ok(c.cell(i))));
    }
    assemble(scan)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::read::context::Context;

    fn bytes_of(cols: Vec<Column>) -> Vec<u8> {
        let mut df = DataFrame::new(cols[0].len(), cols).unwrap();
        let mut out = Vec::new();
        ParquetWriter::new(&mut out).finish(&mut df).unwrap();
        out
    }

    fn labels() -> Vec<String> {
        Context::Sbs96.labels().to_vec()
    }

    #[test]
    fn signatures_and_rows_in_any_order() {
        // probabilities, rows reversed: put back in canonical order
        let mut l = labels();
        l.reverse();
        let p: Vec<f64> = (0..96).map(|i| if i == 0 { 1.0 } else { 0.0 }).collect();
        let b = bytes_of(vec![
            Column::new("Type".into(), l),
            Column::new("SBSx".into(), p),
        ]);
        let t = parse("s.parquet", &b, ValueKind::Probabilities).unwrap();
        assert_eq!(t.columns, ["SBSx"]);
        assert_eq!(t.values[(95, 0)], 1.0);
        assert_eq!(t.values.col(0).iter().sum::<f64>(), 1.0);
        // a column that is not a distribution: the text tables' message
        let b = bytes_of(vec![
            Column::new("Type".into(), labels()),
            Column::new("SBSx".into(), vec![0.5f64; 96]),
        ]);
        let e = parse("s.parquet", &b, ValueKind::Probabilities).unwrap_err();
        assert!(
            e.to_string()
                .contains("column 'SBSx' sums to 48.000000, not 1"),
            "{e}"
        );
    }

    #[test]
    fn cosmic_layout_of_two_label_columns() {
        let (class, tri): (Vec<String>, Vec<String>) = labels()
            .iter()
            .map(|l| {
                let c: Vec<char> = l.chars().collect();
                (l[2..5].to_string(), format!("{}{}{}", c[0], c[2], c[6]))
            })
            .unzip();
        let counts: Vec<u32> = (0..96).collect();
        let b = bytes_of(vec![
            Column::new("Type".into(), class),
            Column::new("Subtype".into(), tri),
            Column::new("S1".into(), counts),
        ]);
        let t = parse("c.parquet", &b, ValueKind::Counts).unwrap();
        assert_eq!(t.columns, ["S1"]);
        assert_eq!(t.values[(5, 0)], 5.0);
    }

    #[test]
    fn misnamed_parquet_says_how_to_read_it() {
        let b = bytes_of(vec![Column::new("Type".into(), labels())]);
        let e = super::super::parse("x.tsv", &b, ValueKind::Counts).unwrap_err();
        assert!(
            e.to_string().starts_with("x.tsv: holds Parquet data"),
            "{e}"
        );
        let e = parse("x.parquet", &b, ValueKind::Counts).unwrap_err();
        assert!(
            e.to_string().starts_with("x.parquet: no sample columns"),
            "{e}"
        );
    }
}
