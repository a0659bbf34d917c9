//! Parquet copies of result tables, for Python (pandas, pyarrow, polars) and R (arrow).
//!
//! [`long_table_parquet`] writes a "long" table (one row per sample × signature) as the
//! bytes of one Parquet file. Same input, same bytes: polars writes no timestamp, no
//! random id and no version string (`created_by` is the constant `Polars`); the only
//! key-value metadata is the Arrow schema. Columns are compressed with [`CODEC`].
//! The TSV files stay the contract of an output folder; these are extra copies.

use polars::prelude::*;

/// Compression of every Parquet file mutasig writes: Snappy, implemented in pure Rust,
/// pandas'/pyarrow's default, and read by every Parquet reader (pyarrow, R arrow, DuckDB,
/// Spark, polars).
pub const CODEC: ParquetCompression = ParquetCompression::Snappy;

/// The format of the extra result tables of `extract` and `assign` (`--format`).
#[derive(
    Debug,
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    serde::Serialize,
    serde::Deserialize,
    clap::ValueEnum,
    schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum TableFormat {
    /// The TSV tables only.
    #[default]
    Tsv,
    /// The TSV tables, and the long tables (`exposures.parquet`, `exposures_ci.parquet`)
    /// as Parquet too.
    Parquet,
}

/// Problems building a Parquet table (a bug in the caller, or a polars failure).
#[derive(Debug, thiserror::Error)]
pub enum ParquetError {
    /// A table was given no columns.
    #[error("cannot write a Parquet table with no columns")]
    NoColumns,
    /// Two columns have the same name.
    #[error("column name '{column}' appears twice in a Parquet table; names must be unique")]
    DuplicateColumn {
        /// The repeated name.
        column: String,
    },
    /// Columns of different lengths.
    #[error(
        "column '{column}' has {len} rows but column '{first}' has {expected}; the columns of a table must have the same number of rows"
    )]
    LengthMismatch {
        /// The column that differs.
        column: String,
        /// Its length.
        len: usize,
        /// The first column's name.
        first: String,
        /// The first column's length.
        expected: usize,
    },
    /// polars failed to build or write the table.
    #[error("cannot write a Parquet table: {0}")]
    Write(#[from] PolarsError),
}

/// One column of a long table, borrowed.
#[derive(Debug, Clone, Copy)]
pub enum LongColumn<'a> {
    /// Text (Parquet `BYTE_ARRAY`, UTF-8; pandas `object`/`str`).
    Str(&'a [String]),
    /// Floating point (Parquet `DOUBLE`; pandas `float64`).
    F64(&'a [f64]),
}

impl LongColumn<'_> {
    fn len(&self) -> usize {
        match self {
            LongColumn::Str(v) => v.len(),
            LongColumn::F64(v) => v.len(),
        }
    }

    fn to_column(self, name: &str) -> Column {
        match self {
            LongColumn::Str(v) => Column::new(name.into(), v),
            LongColumn::F64(v) => Column::new(name.into(), v),
        }
    }
}

/// Equal-length named columns as the bytes of one Parquet file.
///
/// The bytes depend only on the input (and the polars version). Compression is
/// [`CODEC`]; a table of any length, zero rows included.
///
/// # Errors
/// [`ParquetError::NoColumns`], [`ParquetError::DuplicateColumn`],
/// [`ParquetError::LengthMismatch`], or [`ParquetError::Write`] if polars fails.
pub fn long_table_parquet(columns: &[(&str, LongColumn<'_>)]) -> Result<Vec<u8>, ParquetError> {
    let Some((first, first_col)) = columns.first() else {
        return Err(ParquetError::NoColumns);
    };
    let height = first_col.len();
    for (i, (name, col)) in columns.iter().enumerate() {
        if columns[..i].iter().any(|(n, _)| n == name) {
            return Err(ParquetError::DuplicateColumn {
                column: name.to_string(),
            });
        }
        if col.len() != height {
            return Err(ParquetError::LengthMismatch {
                column: name.to_string(),
                len: col.len(),
                first: first.to_string(),
                expected: height,
            });
        }
    }
    let cols = columns.iter().map(|(n, c)| c.to_column(n)).collect();
    let mut df = DataFrame::new(height, cols)?;
    let mut out = Vec::new();
    ParquetWriter::new(&mut out)
        .with_compression(CODEC)
        // serial: the same bytes as parallel, without a thread pool for small tables
        .set_parallel(false)
        .finish(&mut df)?;
    Ok(out)
}

/// `exposures.parquet`: one row per sample × signature of an exposures table whose rows
/// are samples and columns signatures (`counts[(s, j)]` = signature `s` in sample `j`),
/// samples outer; columns `sample`, `signature`, `mutations` (f64).
pub fn exposures_parquet(
    samples: &[String],
    signatures: &[String],
    counts: faer::MatRef<'_, f64>,
) -> Result<Vec<u8>, ParquetError> {
    let n = samples.len() * signatures.len();
    let (mut sample, mut signature, mut mutations) = (
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
    );
    for (j, name) in samples.iter().enumerate() {
        for (s, sig) in signatures.iter().enumerate() {
            sample.push(name.clone());
            signature.push(sig.clone());
            // the numbers of exposures.tsv (whole, never -0)
            mutations.push(counts[(s, j)] + 0.0);
        }
    }
    long_table_parquet(&[
        ("sample", LongColumn::Str(&sample)),
        ("signature", LongColumn::Str(&signature)),
        ("mutations", LongColumn::F64(&mutations)),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    fn long_bytes() -> Vec<u8> {
        let sample = strings(&["S1", "S1", "S2"]);
        let sig = strings(&["SBS1", "SBS5", "SBS1"]);
        let exposure = [12.5, 0.0, 1e-300];
        long_table_parquet(&[
            ("sample", LongColumn::Str(&sample)),
            ("signature", LongColumn::Str(&sig)),
            ("exposure", LongColumn::F64(&exposure)),
        ])
        .unwrap()
    }

    fn read(bytes: &[u8]) -> DataFrame {
        ParquetReader::new(Cursor::new(bytes)).finish().unwrap()
    }

    fn f64s(df: &DataFrame, name: &str) -> Vec<f64> {
        let c = df.column(name).unwrap();
        c.f64().unwrap().into_no_null_iter().collect()
    }

    fn strs(df: &DataFrame, name: &str) -> Vec<String> {
        let c = df.column(name).unwrap();
        c.str()
            .unwrap()
            .iter()
            .flatten()
            .map(str::to_string)
            .collect()
    }

    #[test]
    fn long_table_round_trip() {
        let df = read(&long_bytes());
        assert_eq!(df.shape(), (3, 3));
        let names: Vec<&str> = df.get_column_names().iter().map(|s| s.as_str()).collect();
        assert_eq!(names, ["sample", "signature", "exposure"]);
        assert_eq!(strs(&df, "signature"), ["SBS1", "SBS5", "SBS1"]);
        assert_eq!(f64s(&df, "exposure"), [12.5, 0.0, 1e-300]);
        let m = read(&bytes_of_exposures());
        assert_eq!(f64s(&m, "mutations"), [3.0, 0.0, 1.0, 7.0]);
        assert_eq!(strs(&m, "sample"), ["A", "A", "B", "B"]);
    }

    fn bytes_of_exposures() -> Vec<u8> {
        // 2 signatures × 2 samples; -0.0 is written as 0
        let counts = faer::mat![[3.0, 1.0], [-0.0, 7.0]];
        exposures_parquet(
            &strings(&["A", "B"]),
            &strings(&["SBS1", "SBS5"]),
            counts.as_ref(),
        )
        .unwrap()
    }

    #[test]
    fn long_table_is_deterministic() {
        let (a, b) = (long_bytes(), long_bytes());
        assert_eq!(a, b);
        assert_eq!(&a[..4], b"PAR1");
        assert_eq!(bytes_of_exposures(), bytes_of_exposures());
        let c = f64s(&read(&bytes_of_exposures()), "mutations");
        assert!(c[1].is_sign_positive());
    }

    #[test]
    fn long_table_errors() {
        let (a, b) = ([1.0, 2.0], [1.0]);
        let e = long_table_parquet(&[("x", LongColumn::F64(&a)), ("y", LongColumn::F64(&b))])
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "column 'y' has 1 rows but column 'x' has 2; the columns of a table must have the same number of rows"
        );
        let e = long_table_parquet(&[("x", LongColumn::F64(&a)), ("x", LongColumn::F64(&a))])
            .unwrap_err();
        assert!(e.to_string().contains("'x' appears twice"), "{e}");
        assert!(matches!(
            long_table_parquet(&[]),
            Err(ParquetError::NoColumns)
        ));
        let none: [f64; 0] = [];
        let bytes = long_table_parquet(&[("x", LongColumn::F64(&none))]).unwrap();
        assert_eq!(read(&bytes).shape(), (0, 1));
    }
}
