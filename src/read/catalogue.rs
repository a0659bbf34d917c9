//! Mutation catalogues: channels × samples matrices of counts.

use crate::read::context::Context;
use crate::read::table::{self, LabelledMatrix, TableError, ValueKind};
use faer::Mat;

/// A mutational catalogue: counts of each channel (row) in each sample (column).
#[derive(Debug, Clone)]
pub struct Catalogue {
    /// The context, recognised from the labels.
    pub context: Context,
    /// Sample names, in input order.
    pub samples: Vec<String>,
    /// channels × samples counts, rows in the context's canonical order.
    pub counts: Mat<f64>,
    /// Things accepted while reading but worth telling the user (e.g. an ignored empty
    /// last column); callers log them and record them in their summary.
    pub warnings: Vec<String>,
}

impl Catalogue {
    /// Read a catalogue from a file (`-` = standard input); see [`crate::read::table`] for the
    /// accepted layouts. Comment lines are dropped while reading, so memory follows the
    /// table; input past [`crate::read::table::MAX_INPUT_BYTES`] is refused.
    pub fn read(path: &str) -> Result<Catalogue, TableError> {
        Ok(Self::from_table(table::read(path, ValueKind::Counts)?))
    }

    /// Parse a catalogue from bytes; `name` is used in error messages.
    ///
    /// ```
    /// let mut text = String::from("MutationType\tS1\n");
    /// for label in mutasig::Context::Sbs96.labels() {
    ///     text.push_str(&format!("{label}\t1\n"));
    /// }
    /// let cat = mutasig::Catalogue::parse("inline.tsv", text.as_bytes()).unwrap();
    /// assert_eq!(cat.totals(), vec![96.0]);
    ///
    /// let err = mutasig::Catalogue::parse("bad.tsv", b"MutationType\tS1\nA[C>A]A\t-1\n");
    /// assert!(err.unwrap_err().to_string().starts_with("bad.tsv: missing 95 of the 96 SBS96 channels"));
    /// ```
    pub fn parse(name: &str, bytes: &[u8]) -> Result<Catalogue, TableError> {
        Ok(Self::from_table(table::parse(
            name,
            bytes,
            ValueKind::Counts,
        )?))
    }

    fn from_table(t: LabelledMatrix) -> Catalogue {
        Catalogue {
            context: t.context,
            samples: t.columns,
            counts: t.values,
            warnings: t.warnings,
        }
    }

    /// Build a catalogue from parts (rows must be in canonical order).
    pub fn new(context: Context, samples: Vec<String>, counts: Mat<f64>) -> Catalogue {
        assert_eq!(counts.nrows(), context.len(), "rows must match the context");
        assert_eq!(counts.ncols(), samples.len(), "one column per sample");
        Catalogue {
            context,
            samples,
            counts,
            warnings: Vec::new(),
        }
    }

    /// Channel labels in canonical order.
    pub fn channels(&self) -> &'static [String] {
        self.context.labels()
    }

    /// Number of samples.
    pub fn n_samples(&self) -> usize {
        self.samples.len()
    }

    /// Total mutations of each sample.
    pub fn totals(&self) -> Vec<f64> {
        (0..self.n_samples())
            .map(|j| self.counts.col(j).iter().sum())
            .collect()
    }

    /// Names of samples without any mutation.
    pub fn zero_samples(&self) -> Vec<String> {
        self.totals()
            .iter()
            .zip(&self.samples)
            .filter(|(t, _)| **t == 0.0)
            .map(|(_, s)| s.clone())
            .collect()
    }

    /// A copy without the samples that have no mutation, and the names dropped.
    /// Callers must report the dropped names (stderr and summary).
    pub fn without_zero_samples(&self) -> (Catalogue, Vec<String>) {
        let totals = self.totals();
        let keep: Vec<usize> = (0..self.n_samples()).filter(|&j| totals[j] > 0.0).collect();
        let dropped = self.zero_samples();
        let counts = Mat::from_fn(self.counts.nrows(), keep.len(), |i, j| {
            self.counts[(i, keep[j])]
        });
        (
            Catalogue {
                context: self.context,
                samples: keep.iter().map(|&j| self.samples[j].clone()).collect(),
                counts,
                warnings: self.warnings.clone(),
            },
            dropped,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_samples_are_found_and_dropped() {
        let mut counts = Mat::<f64>::zeros(96, 3);
        counts[(0, 0)] = 5.0;
        counts[(95, 2)] = 1.0;
        let c = Catalogue::new(
            Context::Sbs96,
            vec!["a".into(), "b".into(), "c".into()],
            counts,
        );
        assert_eq!(c.zero_samples(), vec!["b".to_string()]);
        let (kept, dropped) = c.without_zero_samples();
        assert_eq!(dropped, vec!["b".to_string()]);
        assert_eq!(kept.samples, vec!["a".to_string(), "c".to_string()]);
        assert_eq!(kept.totals(), vec![5.0, 1.0]);
    }
}
