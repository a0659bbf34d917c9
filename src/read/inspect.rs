//! `mutasig inspect`: what a catalogue holds, and what may be wrong with it.

use crate::numeric::median;
use crate::read::catalogue::Catalogue;
use crate::read::context::Context;
use crate::read::table::{TableError, plural, read_text, summarize_counts};
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

/// Read and describe a catalogue. A file is read one line at a time, keeping only the
/// sample names and totals ([`summarize_counts`]), so memory follows the number of
/// samples, not the table; standard input is read whole, comment lines dropped as they
/// come (the hash still covers them).
pub fn inspect(path: &str) -> Result<Inspection, TableError> {
    if path != "-"
        && let Some(s) = summarize_counts(path)?
    {
        return Ok(describe_parts(
            path,
            &s.sha256,
            s.context,
            s.samples,
            s.totals,
            s.empty_channels,
            s.warnings,
        ));
    }
    let text = read_text(path)?;
    let cat = Catalogue::parse(path, &text.bytes)?;
    drop(text.bytes);
    Ok(describe(path, &text.sha256, &cat))
}

/// "1 sample has" / "2 samples have".
fn samples_have(n: usize) -> String {
    format!(
        "{} {}",
        plural(n, "sample", "samples"),
        if n == 1 { "has" } else { "have" }
    )
}

/// Describe an already-read catalogue.
pub fn describe(path: &str, sha256: &str, cat: &Catalogue) -> Inspection {
    let empty_channels = (0..cat.counts.nrows())
        .filter(|&i| (0..cat.n_samples()).all(|j| cat.counts[(i, j)] == 0.0))
        .count();
    describe_parts(
        path,
        sha256,
        cat.context,
        cat.samples.clone(),
        cat.totals(),
        empty_channels,
        cat.warnings.clone(),
    )
}

/// Describe a catalogue from what `inspect` needs of it: sample names and totals, the
/// number of channels without mutations, and the reader's warnings.
fn describe_parts(
    path: &str,
    sha256: &str,
    context: Context,
    samples: Vec<String>,
    totals: Vec<f64>,
    empty_channels: usize,
    reader_warnings: Vec<String>,
) -> Inspection {
    let zero: Vec<String> = totals
        .iter()
        .zip(&samples)
        .filter(|(t, _)| **t == 0.0)
        .map(|(_, s)| s.clone())
        .collect();
    let nonzero: Vec<f64> = totals.iter().copied().filter(|&t| t > 0.0).collect();
    let med = median(&totals);
    // What the reader noticed (e.g. an ignored empty last column) comes first.
    let mut warnings = reader_warnings;
    if !zero.is_empty() {
        warnings.push(format!(
            "{} no mutations and will be dropped by extract and assign: {}",
            samples_have(zero.len()),
            zero.iter()
                .map(|s| crate::read::table::escape(s))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    let low: Vec<&String> = totals
        .iter()
        .zip(&samples)
        .filter(|(t, _)| **t > 0.0 && **t < 100.0)
        .map(|(_, s)| s)
        .collect();
    if !low.is_empty() {
        warnings.push(format!(
            "{} fewer than 100 mutations; their exposures will be uncertain",
            samples_have(low.len())
        ));
    }
    let nz_med = median(&nonzero);
    let hyper = totals
        .iter()
        .filter(|&&t| nz_med > 0.0 && t > 10.0 * nz_med)
        .count();
    if hyper > 0 {
        warnings.push(format!(
            "{} more than 10x the median burden (hypermutators); extract caps them by default (--normalize)",
            if hyper == 1 {
                "1 sample carries".to_string()
            } else {
                format!("{hyper} samples carry")
            }
        ));
    }
    if empty_channels > 0 {
        warnings.push(format!(
            "{} no mutations in any sample",
            if empty_channels == 1 {
                "1 channel has".to_string()
            } else {
                format!("{empty_channels} channels have")
            }
        ));
    }
    if samples.len() < 3 {
        warnings.push(
            "fewer than 3 samples: de novo extraction needs a cohort; use assign for single samples"
                .into(),
        );
    }
    Inspection {
        file: path.to_string(),
        sha256: sha256.to_string(),
        context: context.name().to_string(),
        channels: context.len(),
        samples: samples.len(),
        total_mutations: totals.iter().sum(),
        burden: Burden {
            min: totals.iter().copied().fold(f64::INFINITY, f64::min),
            median: med,
            max: totals.iter().copied().fold(0.0, f64::max),
        },
        sample_names: samples,
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::read::context::Context;
    use faer::Mat;

    fn catalogue(totals: &[f64]) -> Catalogue {
        let counts = Mat::from_fn(
            96,
            totals.len(),
            |i, j| if i == 0 { totals[j] } else { 0.0 },
        );
        Catalogue::new(
            Context::Sbs96,
            (0..totals.len()).map(|j| format!("s{j}")).collect(),
            counts,
        )
    }

    #[test]
    fn warnings_say_1_sample_and_2_samples() {
        let one = describe(
            "x.tsv",
            "",
            &catalogue(&[0.0, 50.0, 1000.0, 1000.0, 20000.0]),
        );
        let text = one.warnings.join("\n");
        assert!(text.contains("1 sample has no mutations"), "{text}");
        assert!(
            text.contains("1 sample has fewer than 100 mutations"),
            "{text}"
        );
        assert!(text.contains("1 sample carries more than 10x"), "{text}");
        assert!(text.contains("95 channels have no mutations"), "{text}");
        assert!(!text.contains("(s)"), "{text}");
        let two = describe("x.tsv", "", &catalogue(&[0.0, 0.0, 5.0, 7.0]));
        let text = two.warnings.join("\n");
        assert!(text.contains("2 samples have no mutations"), "{text}");
        assert!(text.contains("2 samples have fewer than 100"), "{text}");
    }

    #[test]
    fn reading_warnings_are_shown_first() {
        let mut cat = catalogue(&[500.0, 600.0, 700.0]);
        cat.warnings
            .push("x.tsv: ignored an empty last column at the end of every line".into());
        let i = describe("x.tsv", "", &cat);
        assert!(
            i.warnings[0].contains("empty last column"),
            "{:?}",
            i.warnings
        );
        assert!(
            i.to_text()
                .contains("warning          x.tsv: ignored an empty last column")
        );
    }

    #[test]
    fn inspect_hashes_the_whole_input_and_skips_comments() {
        let mut text = String::from("# a comment\n");
        text.push_str("MutationType\tS1\n");
        for l in Context::Sbs96.labels() {
            text.push_str(&format!("{l}\t2\n"));
        }
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("c.tsv");
        std::fs::write(&p, &text).unwrap();
        let i = inspect(p.to_str().unwrap()).unwrap();
        assert_eq!(i.sha256, crate::output::sha256_hex(text.as_bytes()));
        assert_eq!(i.total_mutations, 192.0);
    }
}
