//! `mutasig inspect`: what a catalogue holds, and what may be wrong with it.

use crate::catalogue::Catalogue;
use crate::output::sha256_hex;
use crate::table::{TableError, read_source};
use serde::Serialize;

/// Per-sample mutation burden.
#[derive(Debug, Clone, Serialize)]
pub struct Burden {
    /// Smallest sample total.
    pub min: f64,
    /// Median sample total.
    pub median: f64,
    /// Largest sample total.
    pub max: f64,
}

/// The result of inspecting a catalogue (`--json` prints it as is).
#[derive(Debug, Clone, Serialize)]
pub struct Inspection {
    /// The file as given.
    pub file: String,
    /// SHA-256 of the (decompressed) input.
    pub sha256: String,
    /// Context name, e.g. `SBS96`.
    pub context: String,
    /// Number of channels.
    pub channels: usize,
    /// Number of samples.
    pub samples: usize,
    /// Sum of all counts.
    pub total_mutations: f64,
    /// Minimum, median and maximum sample totals.
    pub burden: Burden,
    /// Sample names in input order.
    pub sample_names: Vec<String>,
    /// Samples without mutations.
    pub zero_samples: Vec<String>,
    /// Things a user should know before analysing the data.
    pub warnings: Vec<String>,
}

/// Median of a slice (0 for an empty one).
pub fn median(xs: &[f64]) -> f64 {
    if xs.is_empty() {
        return 0.0;
    }
    let mut v = xs.to_vec();
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// Read and describe a catalogue.
pub fn inspect(path: &str) -> Result<Inspection, TableError> {
    let bytes = read_source(path)?;
    let cat = Catalogue::parse(path, &bytes)?;
    Ok(describe(path, &sha256_hex(&bytes), &cat))
}

/// Describe an already-read catalogue.
pub fn describe(path: &str, sha256: &str, cat: &Catalogue) -> Inspection {
    let totals = cat.totals();
    let zero = cat.zero_samples();
    let nonzero: Vec<f64> = totals.iter().copied().filter(|&t| t > 0.0).collect();
    let med = median(&totals);
    let mut warnings = Vec::new();
    if !zero.is_empty() {
        warnings.push(format!(
            "{} sample(s) have no mutations and will be dropped by extract and assign: {}",
            zero.len(),
            zero.join(", ")
        ));
    }
    let low: Vec<&String> = totals
        .iter()
        .zip(&cat.samples)
        .filter(|(t, _)| **t > 0.0 && **t < 100.0)
        .map(|(_, s)| s)
        .collect();
    if !low.is_empty() {
        warnings.push(format!(
            "{} sample(s) have fewer than 100 mutations; their exposures will be uncertain",
            low.len()
        ));
    }
    let nz_med = median(&nonzero);
    let hyper = totals
        .iter()
        .filter(|&&t| nz_med > 0.0 && t > 10.0 * nz_med)
        .count();
    if hyper > 0 {
        warnings.push(format!(
            "{hyper} sample(s) carry more than 10x the median burden (hypermutators); extract caps them by default (--normalize)"
        ));
    }
    let empty_channels = (0..cat.counts.nrows())
        .filter(|&i| (0..cat.n_samples()).all(|j| cat.counts[(i, j)] == 0.0))
        .count();
    if empty_channels > 0 {
        warnings.push(format!(
            "{empty_channels} channel(s) have no mutations in any sample"
        ));
    }
    if cat.n_samples() < 3 {
        warnings.push(
            "fewer than 3 samples: de novo extraction needs a cohort; use assign for single samples"
                .into(),
        );
    }
    Inspection {
        file: path.to_string(),
        sha256: sha256.to_string(),
        context: cat.context.name().to_string(),
        channels: cat.counts.nrows(),
        samples: cat.n_samples(),
        total_mutations: totals.iter().sum(),
        burden: Burden {
            min: totals.iter().copied().fold(f64::INFINITY, f64::min),
            median: med,
            max: totals.iter().copied().fold(0.0, f64::max),
        },
        sample_names: cat.samples.clone(),
        zero_samples: zero,
        warnings,
    }
}

impl Inspection {
    /// Human-readable text.
    pub fn to_text(&self) -> String {
        let mut s = String::new();
        s.push_str(&format!("file             {}\n", self.file));
        s.push_str(&format!("context          {}\n", self.context));
        s.push_str(&format!("channels         {}\n", self.channels));
        s.push_str(&format!("samples          {}\n", self.samples));
        s.push_str(&format!("total mutations  {}\n", self.total_mutations));
        s.push_str(&format!(
            "burden           min {}  median {}  max {}\n",
            self.burden.min, self.burden.median, self.burden.max
        ));
        s.push_str(&format!("zero samples     {}\n", self.zero_samples.len()));
        for w in &self.warnings {
            s.push_str(&format!("warning          {w}\n"));
        }
        s
    }
}
