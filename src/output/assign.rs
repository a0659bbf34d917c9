//! The files `assign`, `assign --decompose` and `compare` write.

use super::parquet::{self, LongColumn};
use super::summary::{
    AssignParameters, AssignSummary, DecomposeParameters, DecomposeSummary, Details, Input,
    RunInfo, Summary,
};
use super::{OutputDir, OutputError, TableFormat, Tsv, fmt_float, matrix_tsv};
use crate::assign::DecomposeConfig;
use crate::assign::cohort::{AssignSettings, Assignment};
use crate::matching;
use crate::read::reference::{ReferenceChoice, SignatureSet};

/// Write `signatures.tsv`, `catalogue.tsv`, `exposures.tsv`, `fit_quality.tsv` and
/// (bootstrapped) `exposures_ci.tsv` of an assignment; with [`TableFormat::Parquet`] also
/// `exposures.parquet` and (bootstrapped) `exposures_ci.parquet`.
pub fn write_assignment(
    this: &Assignment,
    out: &OutputDir,
    format: TableFormat,
) -> Result<(), OutputError> {
    let (names, counts) = this.exposure_counts();
    let used = this.used_signatures();
    let labels = this.catalogue.context.labels();
    out.write(
        "signatures.tsv",
        matrix_tsv(
            "MutationType",
            labels,
            &names,
            this.reference.subset(&used).matrix.as_ref(),
            8,
            false,
        )
        .as_bytes(),
    )?;
    out.write(
        "catalogue.tsv",
        matrix_tsv(
            "MutationType",
            labels,
            &this.catalogue.samples,
            this.catalogue.counts.as_ref(),
            0,
            false,
        )
        .as_bytes(),
    )?;
    out.write(
        "exposures.tsv",
        matrix_tsv(
            "Sample",
            &names,
            &this.catalogue.samples,
            counts.as_ref(),
            0,
            true,
        )
        .as_bytes(),
    )?;
    if format == TableFormat::Parquet {
        let bytes = parquet::exposures_parquet(&this.catalogue.samples, &names, counts.as_ref());
        write_parquet(out, "exposures.parquet", bytes)?;
    }
    let totals = this.catalogue.totals();
    let rows: Vec<super::FitRow<'_>> = this
        .fits
        .iter()
        .enumerate()
        .map(|(j, f)| super::FitRow {
            sample: &this.catalogue.samples[j],
            total: totals[j],
            quality: crate::numeric::Quality {
                cosine: f.cosine,
                rel_l1: f.rel_l1,
                rel_l2: f.rel_l2,
                kl: f.kl,
            },
            signatures: f
                .active
                .iter()
                .filter(|&&s| f.exposures[s] > 0.0)
                .map(|&s| this.reference.names[s].as_str())
                .collect(),
            near_equivalent: this.near_equivalents[j]
                .iter()
                .map(|e| {
                    let name = |s: usize| this.reference.names[s].as_str();
                    format!("{}~{}", name(e.signature), name(e.alternative))
                })
                .collect(),
        })
        .collect();
    out.write("fit_quality.tsv", super::fit_quality_tsv(&rows).as_bytes())?;
    if let Some(boot) = &this.bootstrap {
        let mut t = Tsv::new(&[
            "Sample",
            "Signature",
            "estimate",
            "lower",
            "upper",
            "selected_fraction",
        ]);
        let mut ci = CiColumns::default();
        for (j, b) in boot.iter().enumerate() {
            for s in 0..this.reference.len() {
                if this.fits[j].exposures[s] > 0.0 || b.selected_fraction[s] > 0.0 {
                    ci.push(
                        &this.catalogue.samples[j],
                        &this.reference.names[s],
                        [
                            this.fits[j].exposures[s],
                            b.lower[s],
                            b.upper[s],
                            b.selected_fraction[s],
                        ],
                    );
                    t.row_str(&[
                        this.catalogue.samples[j].clone(),
                        this.reference.names[s].clone(),
                        fmt_float(this.fits[j].exposures[s], 2),
                        fmt_float(b.lower[s], 2),
                        fmt_float(b.upper[s], 2),
                        fmt_float(b.selected_fraction[s], 3),
                    ]);
                }
            }
        }
        out.write("exposures_ci.tsv", t.finish().as_bytes())?;
        if format == TableFormat::Parquet {
            write_parquet(out, "exposures_ci.parquet", ci.parquet())?;
        }
    }
    Ok(())
}

/// Write Parquet bytes into the folder, or say which file could not be built.
pub(crate) fn write_parquet(
    out: &OutputDir,
    name: &str,
    bytes: Result<Vec<u8>, parquet::ParquetError>,
) -> Result<(), OutputError> {
    let bytes = bytes.map_err(|source| OutputError::Parquet {
        path: name.to_string(),
        source,
    })?;
    out.write(name, &bytes)
}

/// The columns of `exposures_ci.parquet`: those of `exposures_ci.tsv`, numbers unrounded.
#[derive(Default)]
struct CiColumns {
    sample: Vec<String>,
    signature: Vec<String>,
    /// estimate, lower, upper, selected_fraction
    numbers: [Vec<f64>; 4],
}

impl CiColumns {
    fn push(&mut self, sample: &str, signature: &str, numbers: [f64; 4]) {
        self.sample.push(sample.to_string());
        self.signature.push(signature.to_string());
        for (column, v) in self.numbers.iter_mut().zip(numbers) {
            column.push(v);
        }
    }

    fn parquet(&self) -> Result<Vec<u8>, parquet::ParquetError> {
        let [estimate, lower, upper, fraction] = &self.numbers;
        parquet::long_table_parquet(&[
            ("sample", LongColumn::Str(&self.sample)),
            ("signature", LongColumn::Str(&self.signature)),
            ("estimate", LongColumn::F64(estimate)),
            ("lower", LongColumn::F64(lower)),
            ("upper", LongColumn::F64(upper)),
            ("selected_fraction", LongColumn::F64(fraction)),
        ])
    }
}

/// Decompose every column of `signatures` into `reference`, as `cosmic_decomposition.tsv`.
pub fn decompose_table(
    signatures: &SignatureSet,
    reference: &SignatureSet,
    cfg: &DecomposeConfig,
) -> Result<String, OutputError> {
    let d = crate::extract::decompose_all(signatures.matrix.as_ref(), reference, cfg)?;
    Ok(super::extract::decomposition_table(
        &signatures.names,
        &d,
        reference,
    ))
}

/// The one-to-one matching of two signature sets as TSV (`a`, `b`, `cosine`; unmatched
/// columns get `NA`), and the full cosine matrix as TSV (rows = a, columns = b).
pub fn compare(a: &SignatureSet, b: &SignatureSet) -> Result<(String, String), OutputError> {
    if a.context != b.context {
        return Err(OutputError::Invalid(format!(
            "{} is {} but {} is {}; compare sets of the same context",
            a.source, a.context, b.source, b.context
        )));
    }
    let sim = matching::cosine_matrix(a.matrix.as_ref(), b.matrix.as_ref())
        .map_err(|e| OutputError::Invalid(e.to_string()))?;
    let m = matching::match_similarity(sim.as_ref())
        .map_err(|e| OutputError::Invalid(e.to_string()))?;
    let mut t = Tsv::new(&["a", "b", "cosine"]);
    for &(i, j, c) in &m.pairs {
        t.row_str(&[a.names[i].clone(), b.names[j].clone(), fmt_float(c, 6)]);
    }
    for &i in &m.unmatched_a {
        t.row_str(&[a.names[i].clone(), "NA".into(), "NA".into()]);
    }
    for &j in &m.unmatched_b {
        t.row_str(&["NA".into(), b.names[j].clone(), "NA".into()]);
    }
    let full = matrix_tsv("Signature", &a.names, &b.names, sim.as_ref(), 6, false);
    Ok((t.finish(), full))
}

/// What an assignment was asked: the input (path, SHA-256), the reference choice and
/// `--include`/`--exclude`.
pub struct Request<'a> {
    /// The catalogue or signature file as given.
    pub input: &'a str,
    /// SHA-256 of its bytes.
    pub input_sha256: &'a str,
    /// `--cosmic`, `--genome`, `--exome`, `--signatures`.
    pub choice: &'a ReferenceChoice,
    /// `--include`.
    pub include: &'a [String],
    /// `--exclude`.
    pub exclude: &'a [String],
    /// `--format` (assign only).
    pub format: TableFormat,
}

/// `summary.json` of `assign CATALOGUE`.
pub fn assign_summary(
    req: &Request<'_>,
    a: &Assignment,
    selection: AssignSettings,
    excluded_artefacts: Vec<String>,
    warnings: Vec<String>,
    run: RunInfo,
) -> Summary {
    let mut outputs = vec![
        "exposures.tsv",
        "signatures.tsv",
        "catalogue.tsv",
        "fit_quality.tsv",
    ];
    if a.bootstrap.is_some() {
        outputs.push("exposures_ci.tsv");
    }
    if req.format == TableFormat::Parquet {
        outputs.push("exposures.parquet");
        if a.bootstrap.is_some() {
            outputs.push("exposures_ci.parquet");
        }
    }
    let details = AssignSummary {
        input: Input {
            input: req.input.to_string(),
            input_sha256: req.input_sha256.to_string(),
            context: a.catalogue.context.name().to_string(),
            samples: a.catalogue.n_samples() + a.dropped.len(),
            samples_used: a.catalogue.n_samples(),
            dropped_samples: a.dropped.clone(),
            reference: a.reference.source.clone(),
        },
        parameters: AssignParameters {
            selection,
            include: req.include.to_vec(),
            exclude: req.exclude.to_vec(),
            excluded_artefacts,
            reference: req.choice.clone(),
            format: req.format,
        },
        cohort_signatures: a
            .cohort_set
            .as_ref()
            .map(|set| set.iter().map(|&j| a.reference.names[j].clone()).collect()),
    };
    Summary::new(Details::Assign(details), warnings, &outputs, run)
}

/// `summary.json` of `assign --decompose SIGNATURES`.
pub fn decompose_summary(
    req: &Request<'_>,
    signatures: &SignatureSet,
    reference: &SignatureSet,
    cfg: &DecomposeConfig,
    run: RunInfo,
) -> Summary {
    let details = DecomposeSummary {
        input: Input {
            input: req.input.to_string(),
            input_sha256: req.input_sha256.to_string(),
            context: signatures.context.name().to_string(),
            samples: signatures.len(),
            samples_used: signatures.len(),
            dropped_samples: Vec::new(),
            reference: reference.source.clone(),
        },
        parameters: DecomposeParameters {
            include: req.include.to_vec(),
            exclude: req.exclude.to_vec(),
            reference: req.choice.clone(),
        },
        decomposition: cfg.clone(),
    };
    Summary::new(
        Details::Decompose(details),
        Vec::new(),
        &["cosmic_decomposition.tsv"],
        run,
    )
}
