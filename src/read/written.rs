//! mutasig's own output tables read back (`report`, `plot`): tab-separated, a header row,
//! no quoting — the inverse of `output::Tsv`, which replaces tabs and line breaks
//! in cells with spaces. Catalogues and signature files from anywhere go through
//! [`crate::read::table`] instead.

/// A table that is not one mutasig writes.
#[derive(Debug, thiserror::Error)]
#[error("{file}: {message}")]
pub struct ParseError {
    /// File name inside the folder.
    pub file: String,
    /// What is wrong (with the line number where known).
    pub message: String,
}

/// A tab-separated table kept as text (header plus rows of equal width).
#[derive(Debug, Clone)]
pub struct Table {
    /// Column names.
    pub header: Vec<String>,
    /// Rows, each as long as the header.
    pub rows: Vec<Vec<String>>,
}

impl Table {
    /// Index of a column by case-insensitive name.
    pub fn col(&self, name: &str) -> Option<usize> {
        self.header
            .iter()
            .position(|h| h.eq_ignore_ascii_case(name))
    }
    /// Cell of row `r` in column `name`.
    pub fn get(&self, r: usize, name: &str) -> Option<&str> {
        self.col(name).map(|c| self.rows[r][c].as_str())
    }
    /// Numeric cell (`NA`, empty or unparsable = NaN).
    pub fn num(&self, r: usize, name: &str) -> f64 {
        self.get(r, name).map(parse_num).unwrap_or(f64::NAN)
    }
    /// Row whose first column equals `label`.
    pub fn row_of(&self, label: &str) -> Option<usize> {
        self.rows.iter().position(|r| r[0] == label)
    }
}

/// A numeric table: row labels (first column), column labels (header), `values[row][col]`.
#[derive(Debug, Clone)]
pub struct Matrix {
    /// First-column labels.
    pub rows: Vec<String>,
    /// Header labels after the first.
    pub cols: Vec<String>,
    /// Values, row-major.
    pub values: Vec<Vec<f64>>,
}

impl Matrix {
    /// Column `j` as a vector.
    pub fn column(&self, j: usize) -> Vec<f64> {
        self.values.iter().map(|r| r[j]).collect()
    }
}

/// Parses a number; `NA`, empty and garbage become NaN (optional statistics may be missing).
pub fn parse_num(s: &str) -> f64 {
    s.trim().parse::<f64>().unwrap_or(f64::NAN)
}

/// Parses tab-separated text with a header row; every row must be as wide as the header.
pub fn parse_table(file: &str, text: &str) -> Result<Table, ParseError> {
    let err = |message: String| ParseError {
        file: file.to_string(),
        message,
    };
    let mut lines = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty());
    let (_, head) = lines.next().ok_or_else(|| err("empty file".into()))?;
    let header: Vec<String> = head
        .trim_start_matches('\u{feff}')
        .split('\t')
        .map(str::to_string)
        .collect();
    let mut rows = Vec::new();
    for (i, l) in lines {
        let r: Vec<String> = l.split('\t').map(str::to_string).collect();
        if r.len() != header.len() {
            return Err(err(format!(
                "line {}: {} fields, header has {}",
                i + 1,
                r.len(),
                header.len()
            )));
        }
        rows.push(r);
    }
    Ok(Table { header, rows })
}

/// Parses a numeric table; every value must be a finite number.
pub fn parse_matrix(file: &str, text: &str) -> Result<Matrix, ParseError> {
    let t = parse_table(file, text)?;
    if t.header.len() < 2 {
        return Err(ParseError {
            file: file.into(),
            message: "no value columns".into(),
        });
    }
    let mut values = Vec::with_capacity(t.rows.len());
    for r in t.rows.iter() {
        let mut v = Vec::with_capacity(r.len() - 1);
        for (j, cell) in r[1..].iter().enumerate() {
            let x = parse_num(cell);
            if !x.is_finite() {
                return Err(ParseError {
                    file: file.into(),
                    message: format!(
                        "row '{}' column '{}': '{}' is not a finite number",
                        r[0],
                        t.header[j + 1],
                        cell
                    ),
                });
            }
            v.push(x);
        }
        values.push(v);
    }
    Ok(Matrix {
        rows: t.rows.into_iter().map(|mut r| r.swap_remove(0)).collect(),
        cols: t.header[1..].to_vec(),
        values,
    })
}
