//! SigProfiler-compatible copies of a finished `extract` or `assign` folder: the file
//! tree, names, headers and number formats that SigProfilerExtractor 1.4 and
//! SigProfilerAssignment 1.1 write, so that scripts written for those tools read
//! mutasig's results (`--layout sigprofiler`, `mutasig export`). docs/migration.md lists
//! every file, where it comes from and how its meaning differs.
//!
//! Everything is computed from the folder's written tables and its typed `summary.json`
//! (read back through [`crate::read::written`]), never from a run's memory, so the copy
//! made at run time and the one `mutasig export` makes later are the same bytes.

use super::summary::{AssignSummary, Details, ExtractSummary, Summary};
use super::{OutputDir, OutputError, Tsv, fmt_float, matrix_tsv};
use crate::Catalogue;
use crate::assign::cohort::{self, AssignOptions};
use crate::numeric::{Quality, fit_quality, median, reconstruct, round_conserving_sums};
use crate::read::reference::SignatureSet;
use crate::read::written::{Matrix, ParseError, Table, parse_matrix, parse_table};
use faer::Mat;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// The layout of the tables of an output folder.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Layout {
    /// mutasig's own tables only.
    #[default]
    Mutasig,
    /// mutasig's tables plus, under `sigprofiler/`, SigProfilerExtractor's and
    /// SigProfilerAssignment's file tree.
    Sigprofiler,
}

/// Sub-folder of a results folder that holds the SigProfiler tree (`--layout sigprofiler`).
pub const FOLDER: &str = "sigprofiler";

/// Why a folder could not be exported.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// A file the export needs is missing.
    #[error(
        "{0}: no such file; export reads a complete mutasig extract or assign folder (rerun the command if it was removed)"
    )]
    Missing(String),
    /// A file could not be read.
    #[error("{path}: cannot read: {source}")]
    Io {
        /// The file.
        path: String,
        /// Underlying error.
        source: std::io::Error,
    },
    /// A table is malformed.
    #[error(transparent)]
    Parse(#[from] ParseError),
    /// `summary.json` is not a mutasig summary of this version.
    #[error(
        "{path}: not a mutasig summary of schema {} ({message}); rerun the command with mutasig {} to write one",
        super::summary::SCHEMA_VERSION,
        crate::VERSION
    )]
    Summary {
        /// The file.
        path: String,
        /// The parser's message.
        message: String,
    },
    /// The folder holds the results of a command SigProfiler has no counterpart for.
    #[error(
        "{dir}: holds the results of `{command}`; only extract and assign folders can be exported"
    )]
    Unsupported {
        /// The folder.
        dir: String,
        /// Its command.
        command: String,
    },
    /// Two files of the folder disagree (edited by hand, or from different runs).
    #[error("{path}: {message}; the folder is not one complete mutasig run: rerun the command")]
    Inconsistent {
        /// The file.
        path: String,
        /// What disagrees.
        message: String,
    },
    /// The output folder lies inside the folder being exported.
    #[error(
        "{out}: is inside the folder being exported ({dir}); export never writes into its input: choose an output folder outside it"
    )]
    Inside {
        /// The output folder as given.
        out: String,
        /// The folder being exported.
        dir: String,
    },
    /// The reference signatures of the run could not be loaded.
    #[error(transparent)]
    Reference(#[from] crate::read::reference::ReferenceError),
    /// The catalogue of the folder could not be read.
    #[error(transparent)]
    Table(#[from] crate::read::table::TableError),
    /// The refit of the decomposed solution failed.
    #[error(transparent)]
    Assign(#[from] crate::assign::AssignError),
    /// Writing the copy failed.
    #[error(transparent)]
    Output(#[from] OutputError),
}

/// A finished folder being read.
struct Source<'a> {
    dir: &'a Path,
}

impl Source<'_> {
    fn path(&self, name: &str) -> String {
        self.dir.join(name).display().to_string()
    }

    fn text(&self, name: &str) -> Result<String, ExportError> {
        let path = self.dir.join(name);
        std::fs::read_to_string(&path).map_err(|source| {
            if source.kind() == std::io::ErrorKind::NotFound {
                ExportError::Missing(path.display().to_string())
            } else {
                ExportError::Io {
                    path: path.display().to_string(),
                    source,
                }
            }
        })
    }

    fn matrix(&self, name: &str) -> Result<Matrix, ExportError> {
        Ok(parse_matrix(&self.path(name), &self.text(name)?)?)
    }

    fn table(&self, name: &str) -> Result<Table, ExportError> {
        Ok(parse_table(&self.path(name), &self.text(name)?)?)
    }

    fn inconsistent(&self, name: &str, message: String) -> ExportError {
        ExportError::Inconsistent {
            path: self.path(name),
            message,
        }
    }
}

/// The SigProfiler files of a finished extract or assign folder: (path relative to the
/// SigProfiler output root, content). Extract folders give `<ctx>/...` (as
/// SigProfilerExtractor's output folder), assign folders `Assignment_Solution/...`.
///
/// # Errors
///
/// A missing or malformed file, a folder of another command, or a reference that cannot
/// be loaded again (a `--signatures` file that moved).
pub fn files(dir: &Path) -> Result<Vec<(String, String)>, ExportError> {
    let src = Source { dir };
    let text = src.text("summary.json")?;
    let summary: Summary = serde_json::from_str(&text).map_err(|e| ExportError::Summary {
        path: src.path("summary.json"),
        message: e.to_string(),
    })?;
    match &summary.details {
        Details::Extract(e) => extract_files(&src, e),
        Details::Assign(a) => assign_files(&src, a),
        Details::Decompose(_) | Details::Simulate(_) | Details::Count(_) => {
            Err(ExportError::Unsupported {
                dir: dir.display().to_string(),
                command: match summary.details {
                    Details::Decompose(_) => "assign --decompose",
                    Details::Count(_) => "count",
                    _ => "simulate",
                }
                .into(),
            })
        }
    }
}

/// Adds the SigProfiler tree under [`FOLDER`] to a staged folder whose tables and
/// `summary.json` are written (`--layout sigprofiler`).
///
/// # Errors
///
/// As [`files`], or a failed write.
pub fn add_to(out: &OutputDir) -> Result<(), ExportError> {
    for (name, text) in files(out.staging())? {
        out.write(&format!("{FOLDER}/{name}"), text.as_bytes())?;
    }
    Ok(())
}

/// Writes the SigProfiler tree of the finished folder `dir` as the new folder `out`
/// (atomically, with a manifest; `force` as everywhere). `out` may not be `dir`, inside
/// it, or contain it. Returns the folder written.
///
/// # Errors
///
/// [`ExportError::Inside`] before anything is read, then as [`files`] and
/// [`OutputDir::create`].
pub fn export(dir: &Path, out: &Path, force: bool) -> Result<PathBuf, ExportError> {
    let real_dir = std::fs::canonicalize(dir).map_err(|source| ExportError::Io {
        path: dir.display().to_string(),
        source,
    })?;
    let real_out = super::folder::resolve(out).map_err(|source| ExportError::Io {
        path: out.display().to_string(),
        source,
    })?;
    if real_out.starts_with(&real_dir) {
        return Err(ExportError::Inside {
            out: out.display().to_string(),
            dir: dir.display().to_string(),
        });
    }
    let files = files(dir)?;
    let input = dir.display().to_string();
    let target = OutputDir::create(out, force, &[input.as_str()])?;
    for (name, text) in &files {
        target.write(name, text.as_bytes())?;
    }
    Ok(target.commit()?)
}

/// One row of a SigProfiler `Samples_stats` file.
struct SampleStat<'a> {
    name: &'a str,
    observed: Vec<f64>,
    quality: Quality,
    correlation: f64,
}

/// `Sample Names, Total Mutations, Cosine Similarity, L1 Norm, L1_Norm_%, L2 Norm,
/// L2_Norm_%, KL Divergence, Correlation`.
fn samples_stats(rows: &[SampleStat<'_>]) -> String {
    let mut t = Tsv::new(&[
        "Sample Names",
        "Total Mutations",
        "Cosine Similarity",
        "L1 Norm",
        "L1_Norm_%",
        "L2 Norm",
        "L2_Norm_%",
        "KL Divergence",
        "Correlation",
    ]);
    for r in rows {
        let total: f64 = r.observed.iter().sum();
        let l1: f64 = r.observed.iter().map(|x| x.abs()).sum();
        let l2: f64 = r.observed.iter().map(|x| x * x).sum::<f64>().sqrt();
        let q = r.quality;
        t.row_str(&[
            r.name.to_string(),
            fmt_float(total, 0),
            fmt_float(q.cosine, 3),
            fmt_float(q.rel_l1 * l1, 3),
            format!("{}%", fmt_float(100.0 * q.rel_l1, 3)),
            fmt_float(q.rel_l2 * l2, 3),
            format!("{}%", fmt_float(100.0 * q.rel_l2, 3)),
            fmt_float(q.kl, 5),
            fmt_float(r.correlation, 3),
        ]);
    }
    t.finish()
}

/// Pearson correlation (NaN when either vector is constant, as numpy's).
fn pearson(a: &[f64], b: &[f64]) -> f64 {
    let n = a.len() as f64;
    let (ma, mb) = (a.iter().sum::<f64>() / n, b.iter().sum::<f64>() / n);
    let (mut ab, mut aa, mut bb) = (0.0, 0.0, 0.0);
    for (x, y) in a.iter().zip(b) {
        ab += (x - ma) * (y - mb);
        aa += (x - ma) * (x - ma);
        bb += (y - mb) * (y - mb);
    }
    ab / (aa * bb).sqrt()
}

/// A number as Python's `"%.2e"` writes it (`1.23e-05`).
fn python_exp(x: f64) -> String {
    let s = format!("{x:.2e}");
    match s.split_once('e') {
        Some((m, e)) => {
            let e: i32 = e.parse().unwrap_or(0);
            format!("{m}e{}{:02}", if e < 0 { '-' } else { '+' }, e.abs())
        }
        None => s,
    }
}

/// `exposures.tsv` with SigProfiler's `Samples` index header.
fn activities(src: &Source<'_>, name: &str) -> Result<String, ExportError> {
    let text = src.text(name)?;
    match text.strip_prefix("Sample\t") {
        Some(rest) => Ok(format!("Samples\t{rest}")),
        None => Err(src.inconsistent(name, "the first column is not `Sample`".into())),
    }
}

/// channels × samples reconstruction from a `MutationType` signature table and a
/// `Sample` exposure table, after checking both against the catalogue.
fn reconstruction(
    src: &Source<'_>,
    cat: &Catalogue,
    (sig_name, w): (&str, &Matrix),
    (exp_name, h): (&str, &Matrix),
) -> Result<Mat<f64>, ExportError> {
    if w.rows.as_slice() != cat.context.labels() {
        return Err(src.inconsistent(
            sig_name,
            format!(
                "its rows are not the {} channels of catalogue.tsv",
                cat.context
            ),
        ));
    }
    if h.rows != cat.samples || h.cols != w.cols {
        return Err(src.inconsistent(
            exp_name,
            format!("its samples or signatures differ from catalogue.tsv and {sig_name}"),
        ));
    }
    let wm = Mat::from_fn(w.rows.len(), w.cols.len(), |i, s| w.values[i][s]);
    let hm = Mat::from_fn(h.cols.len(), h.rows.len(), |s, j| h.values[j][s]);
    Ok(reconstruct(wm.as_ref(), hm.as_ref()))
}

fn observed(cat: &Catalogue, j: usize) -> Vec<f64> {
    cat.counts.col(j).iter().copied().collect()
}

fn reconstructed(rec: &Mat<f64>, j: usize) -> Vec<f64> {
    rec.col(j).iter().copied().collect()
}

/// Per-sample statistics of a rank's reconstruction by its written (whole-mutation)
/// exposures, as SigProfilerExtractor computes them for `All_Solutions`.
fn rank_stats<'a>(cat: &'a Catalogue, rec: &Mat<f64>) -> Vec<SampleStat<'a>> {
    (0..cat.n_samples())
        .map(|j| {
            let (o, r) = (observed(cat, j), reconstructed(rec, j));
            SampleStat {
                name: &cat.samples[j],
                quality: fit_quality(&o, &r),
                correlation: pearson(&o, &r),
                observed: o,
            }
        })
        .collect()
}

/// Statistics whose cosine, L1, L2 and KL come from `fit_quality.tsv` (mutasig's fit) and
/// whose correlation comes from the written exposures.
fn fit_stats<'a>(
    src: &Source<'_>,
    cat: &'a Catalogue,
    rec: &Mat<f64>,
) -> Result<Vec<SampleStat<'a>>, ExportError> {
    let fit = src.table("fit_quality.tsv")?;
    if !fit.rows.iter().map(|r| &r[0]).eq(cat.samples.iter()) {
        return Err(src.inconsistent(
            "fit_quality.tsv",
            "its samples differ from catalogue.tsv".into(),
        ));
    }
    let mut rows = rank_stats(cat, rec);
    for (i, row) in rows.iter_mut().enumerate() {
        row.quality = Quality {
            cosine: fit.num(i, "cosine"),
            rel_l1: fit.num(i, "rel_l1"),
            rel_l2: fit.num(i, "rel_l2"),
            kl: fit.num(i, "kl"),
        };
    }
    Ok(rows)
}

fn read_catalogue(src: &Source<'_>, context: &str) -> Result<Catalogue, ExportError> {
    let name = "catalogue.tsv";
    let cat = Catalogue::parse(&src.path(name), src.text(name)?.as_bytes())?;
    if cat.context.name() != context {
        return Err(src.inconsistent(
            name,
            format!("it is {} but summary.json says {context}", cat.context),
        ));
    }
    Ok(cat)
}

/// `All_solutions_stat.csv` columns after the first five, from per-sample statistics.
fn solution_columns(cat: &Catalogue, rec: &Mat<f64>, stats: &[SampleStat<'_>]) -> Vec<String> {
    let (mut num, mut den) = (0.0, 0.0);
    for j in 0..cat.n_samples() {
        for i in 0..cat.counts.nrows() {
            let o = cat.counts[(i, j)];
            num += (o - rec[(i, j)]) * (o - rec[(i, j)]);
            den += o * o;
        }
    }
    let col = |f: &dyn Fn(&SampleStat<'_>) -> f64| stats.iter().map(f).collect::<Vec<f64>>();
    let l1 = col(&|s| 100.0 * s.quality.rel_l1);
    let l2 = col(&|s| 100.0 * s.quality.rel_l2);
    let kl = col(&|s| s.quality.kl);
    let dist = col(&|s| 1.0 - s.quality.cosine);
    let corr = col(&|s| s.correlation);
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    let max = |v: &[f64]| v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let min = |v: &[f64]| v.iter().copied().fold(f64::INFINITY, f64::min);
    let pct = |x: f64| format!("{}%", fmt_float(x, 2));
    vec![
        pct(100.0 * (num / den).sqrt()),
        pct(median(&l1)),
        pct(max(&l1)),
        pct(median(&l2)),
        fmt_float(max(&l2), 2),
        fmt_float(mean(&kl), 4),
        fmt_float(max(&kl), 4),
        fmt_float(mean(&dist), 3),
        fmt_float(max(&dist), 3),
        fmt_float(mean(&corr), 3),
        fmt_float(min(&corr), 3),
    ]
}

fn extract_files(
    src: &Source<'_>,
    e: &ExtractSummary,
) -> Result<Vec<(String, String)>, ExportError> {
    let cat = read_catalogue(src, &e.input.context)?;
    let ctx = cat.context.name();
    let mut out = Vec::new();
    let mut csv = vec![
        [
            "Signatures",
            "Stability (Avg Silhouette)",
            "Minimum Stability",
            "Considerable Solution",
            "P-value",
            "Matrix Frobenius%",
            "Mean Sample L1%",
            "Maximum Sample L1%",
            "Mean Sample L2%",
            "Maximum Sample L2%",
            "Mean Sample KL",
            "Maximum Sample KL",
            "Mean Cosine Distance",
            "Max Cosine Distance",
            "Mean Correlation",
            "Minimum Correlation",
        ]
        .join(","),
    ];
    let ranks = src.table("rank_selection.tsv")?;
    for r in 0..ranks.rows.len() {
        let k = ranks.rows[r][0].clone();
        let selected = ranks.get(r, "selected") == Some("true");
        if selected && k != e.selected_rank.to_string() {
            return Err(src.inconsistent(
                "rank_selection.tsv",
                format!(
                    "rank {k} is selected, summary.json says {}",
                    e.selected_rank
                ),
            ));
        }
        let (sig, exp) = (
            format!("ranks/k{k}/signatures.tsv"),
            format!("ranks/k{k}/exposures.tsv"),
        );
        let (w, h) = (src.matrix(&sig)?, src.matrix(&exp)?);
        let rec = reconstruction(src, &cat, (&sig, &w), (&exp, &h))?;
        let stats = rank_stats(&cat, &rec);
        let base = format!("{ctx}/All_Solutions/{ctx}_{k}_Signatures");
        out.push((
            format!("{base}/Signatures/{ctx}_S{k}_Signatures.txt"),
            src.text(&sig)?,
        ));
        out.push((
            format!("{base}/Activities/{ctx}_S{k}_NMF_Activities.txt"),
            activities(src, &exp)?,
        ));
        out.push((
            format!("{base}/Solution_Stats/{ctx}_S{k}_Samples_stats.txt"),
            samples_stats(&stats),
        ));
        let p = ranks.get(r, "p_value").unwrap_or("NA");
        let p = match p.parse::<f64>() {
            Ok(x) => python_exp(x),
            Err(_) => "N/A".into(),
        };
        let mut row = vec![
            format!("{k}{}", if selected { "*" } else { "" }),
            fmt_float(ranks.num(r, "stability_mean"), 2),
            fmt_float(ranks.num(r, "stability_min"), 2),
            if ranks.get(r, "candidate") == Some("true") {
                "YES"
            } else {
                "NO"
            }
            .into(),
            p,
        ];
        row.extend(solution_columns(&cat, &rec, &stats));
        csv.push(row.join(","));
    }
    out.push((
        format!("{ctx}/All_solutions_stat.csv"),
        csv.join("\n") + "\n",
    ));
    // the suggested (selected) solution: mutasig's refit of the de novo signatures
    let w = src.matrix("signatures.tsv")?;
    let h = src.matrix("exposures.tsv")?;
    let rec = reconstruction(src, &cat, ("signatures.tsv", &w), ("exposures.tsv", &h))?;
    let base = format!("{ctx}/Suggested_Solution/{ctx}_De-Novo_Solution");
    let prefix = format!("{ctx}_De-Novo");
    out.push((
        format!("{base}/Signatures/{prefix}_Signatures.txt"),
        src.text("signatures.tsv")?,
    ));
    out.push((
        format!("{base}/Activities/{prefix}_Activities_refit.txt"),
        activities(src, "exposures.tsv")?,
    ));
    out.push((
        format!("{base}/Solution_Stats/{prefix}_Samples_Stats_refit.txt"),
        samples_stats(&fit_stats(src, &cat, &rec)?),
    ));
    out.extend(decomposed_files(src, e, &cat, &w)?);
    Ok(out)
}

/// The reference signatures (names and weights) a de novo signature decomposes into, or
/// `None` for a novel one.
fn components(
    src: &Source<'_>,
    t: &Table,
    r: usize,
) -> Result<Option<Vec<(String, f64)>>, ExportError> {
    if t.get(r, "status") == Some("novel") {
        return Ok(None);
    }
    let text = t.get(r, "decomposition").unwrap_or("");
    let mut parts = Vec::new();
    for item in text.split(';').filter(|s| !s.is_empty()) {
        let parsed = item
            .split_once(':')
            .and_then(|(n, w)| w.parse::<f64>().ok().map(|w| (n.to_string(), w)));
        match parsed {
            Some(p) => parts.push(p),
            None => {
                return Err(src.inconsistent(
                    "cosmic_decomposition.tsv",
                    format!("'{item}' is not NAME:WEIGHT"),
                ));
            }
        }
    }
    if parts.is_empty() {
        let best = t.get(r, "best_cosmic").unwrap_or("").to_string();
        parts.push((best, 1.0));
    }
    Ok(Some(parts))
}

/// `Suggested_Solution/COSMIC_<ctx>_Decomposed_Solution/`: the COSMIC signatures the
/// decomposition found (plus SBS1 and SBS5 for SBS96, plus the novel de novo signatures),
/// refitted to every sample with mutasig's default assignment settings.
/// The decomposition's COSMIC signatures (plus SBS1 and SBS5 for SBS96, plus the novel
/// de novo signatures) refitted to every sample, and SigProfiler's map of the
/// decomposition.
struct Decomposed {
    map: Vec<String>,
    set: SignatureSet,
    counts: Mat<f64>,
    fits: Vec<crate::assign::SampleFit>,
}

fn decomposed_refit(
    src: &Source<'_>,
    e: &ExtractSummary,
    cat: &Catalogue,
    w: &Matrix,
) -> Result<Decomposed, ExportError> {
    let choice = &e.parameters.reference;
    let candidates = cohort::candidate_references(choice)?;
    let reference = cohort::reference_for(choice, &candidates, cat.context)?;
    let t = src.table("cosmic_decomposition.tsv")?;
    if !t.rows.iter().map(|r| &r[0]).eq(w.cols.iter()) {
        return Err(src.inconsistent(
            "cosmic_decomposition.tsv",
            "its signatures differ from signatures.tsv".into(),
        ));
    }
    let mut chosen = BTreeSet::new();
    let mut novel = Vec::new();
    // SigProfilerAssignment writes this file with ", " between fields (and two spaces
    // before the L2 error), components in reference order
    let mut map = vec![
        "De novo extracted, Global NMF Signatures, L1 Error %, L2 Error %, KL Divergence, Cosine Similarity, Correlation"
            .to_string(),
    ];
    let labels_n = cat.context.len();
    for (s, name) in w.cols.iter().enumerate() {
        let sig: Vec<f64> = w.values.iter().map(|row| row[s]).collect();
        let label = format!("Signature {labels_n}-{name}");
        let Some(parts) = components(src, &t, s)? else {
            novel.push(s);
            map.push(format!("{label}, {label}, 0, 0, 0, 1, 1"));
            continue;
        };
        let mut rec = vec![0.0; sig.len()];
        let mut text = Vec::new();
        let mut parts = parts
            .into_iter()
            .map(|(n, w)| match reference.index(&n) {
                Some(j) => Ok((j, n, w)),
                None => Err(n),
            })
            .collect::<Result<Vec<_>, String>>()
            .map_err(|n| {
                src.inconsistent(
                    "cosmic_decomposition.tsv",
                    format!("{n} is not in the reference {}", reference.source),
                )
            })?;
        parts.sort_by_key(|p| p.0);
        for (j, n, weight) in &parts {
            let (j, weight) = (*j, *weight);
            chosen.insert(j);
            for (i, x) in rec.iter_mut().enumerate() {
                *x += weight * reference.matrix[(i, j)];
            }
            text.push(format!("Signature {n} ({}%)", fmt_float(100.0 * weight, 2)));
        }
        let q = fit_quality(&sig, &rec);
        map.push(format!(
            "{label}, {}, {},  {}, {}, {}, {}",
            text.join(" & "),
            fmt_float(100.0 * q.rel_l1, 2),
            fmt_float(100.0 * q.rel_l2, 2),
            fmt_float(q.kl, 3),
            fmt_float(q.cosine, 2),
            fmt_float(pearson(&sig, &rec), 2)
        ));
    }
    if cat.context == crate::Context::Sbs96 {
        chosen.extend(
            crate::assign::DEFAULT_BACKGROUND
                .iter()
                .filter_map(|n| reference.index(n)),
        );
    }
    let cosmic = reference.subset(&chosen.into_iter().collect::<Vec<_>>());
    let m = cosmic.matrix.nrows();
    let k = cosmic.len() + novel.len();
    let set = SignatureSet {
        context: cat.context,
        names: cosmic
            .names
            .iter()
            .cloned()
            .chain(novel.iter().map(|&s| w.cols[s].clone()))
            .collect(),
        matrix: Mat::from_fn(m, k, |i, s| match s.checked_sub(cosmic.len()) {
            None => cosmic.matrix[(i, s)],
            Some(n) => w.values[i][novel[n]],
        }),
        source: format!("{} (decomposition of signatures.tsv)", reference.source),
    };
    // the set is already the cohort's (the decomposition), so no second cohort stage
    let opts = AssignOptions {
        input: Some(src.path("catalogue.tsv")),
        per_sample: true,
        ..AssignOptions::default()
    };
    let (cfg, _) = cohort::selection_config(&set, &opts)?;
    let fitted = cohort::assign(cat, &set, cfg, 0, 0)?;
    let raw = Mat::from_fn(set.len(), fitted.fits.len(), |s, j| {
        fitted.fits[j].exposures[s]
    });
    let counts = round_conserving_sums(&raw);
    Ok(Decomposed {
        map,
        set,
        counts,
        fits: fitted.fits,
    })
}

/// `cosmic_exposures.tsv` of a staged or finished extract folder: every sample assigned
/// using only the COSMIC signatures its de novo decomposition found (plus SBS1 and SBS5
/// for SBS96, plus novel de novo signatures, named as in `signatures.tsv`), as
/// SigProfilerExtractor's COSMIC activities; in the layout of `exposures.tsv`.
///
/// # Errors
///
/// As [`files`].
pub fn cosmic_exposures(dir: &Path) -> Result<String, ExportError> {
    let src = Source { dir };
    let text = src.text("summary.json")?;
    let summary: Summary = serde_json::from_str(&text).map_err(|e| ExportError::Summary {
        path: src.path("summary.json"),
        message: e.to_string(),
    })?;
    let Details::Extract(e) = &summary.details else {
        return Err(ExportError::Unsupported {
            dir: dir.display().to_string(),
            command: "a command other than extract".into(),
        });
    };
    let cat = read_catalogue(&src, &e.input.context)?;
    let w = src.matrix("signatures.tsv")?;
    let d = decomposed_refit(&src, e, &cat, &w)?;
    Ok(matrix_tsv(
        "Sample",
        &d.set.names,
        &cat.samples,
        d.counts.as_ref(),
        0,
        true,
    ))
}

fn decomposed_files(
    src: &Source<'_>,
    e: &ExtractSummary,
    cat: &Catalogue,
    w: &Matrix,
) -> Result<Vec<(String, String)>, ExportError> {
    let ctx = cat.context.name();
    let Decomposed {
        map,
        set,
        counts,
        fits,
    } = decomposed_refit(src, e, cat, w)?;
    let rec = reconstruct(set.matrix.as_ref(), counts.as_ref());
    let mut stats = rank_stats(cat, &rec);
    for (row, f) in stats.iter_mut().zip(&fits) {
        row.quality = Quality {
            cosine: f.cosine,
            rel_l1: f.rel_l1,
            rel_l2: f.rel_l2,
            kl: f.kl,
        };
    }
    let base = format!("{ctx}/Suggested_Solution/COSMIC_{ctx}_Decomposed_Solution");
    let prefix = format!("COSMIC_{ctx}");
    let labels = cat.context.labels();
    Ok(vec![
        (
            format!("{base}/De_Novo_map_to_COSMIC_{ctx}.csv"),
            map.join("\n") + "\n",
        ),
        (
            format!("{base}/Signatures/{prefix}_Signatures.txt"),
            matrix_tsv(
                "MutationType",
                labels,
                &set.names,
                set.matrix.as_ref(),
                8,
                false,
            ),
        ),
        (
            format!("{base}/Activities/{prefix}_Activities.txt"),
            matrix_tsv(
                "Samples",
                &set.names,
                &cat.samples,
                counts.as_ref(),
                0,
                true,
            ),
        ),
        (
            format!("{base}/Solution_Stats/{prefix}_Samples_Stats.txt"),
            samples_stats(&stats),
        ),
    ])
}

/// `Assignment_Solution/`: every reference signature the assignment fitted as a column
/// (zeros kept), their profiles, and per-sample statistics.
fn assign_files(src: &Source<'_>, a: &AssignSummary) -> Result<Vec<(String, String)>, ExportError> {
    let cat = read_catalogue(src, &a.input.context)?;
    let p = &a.parameters;
    let candidates = cohort::candidate_references(&p.reference)?;
    let mut fitted = cohort::reference_for(&p.reference, &candidates, cat.context)?
        .select(&p.include, &p.exclude)?;
    if !p.excluded_artefacts.is_empty() {
        fitted = fitted.select(&[], &p.excluded_artefacts)?;
    }
    let h = src.matrix("exposures.tsv")?;
    if h.rows != cat.samples {
        return Err(src.inconsistent(
            "exposures.tsv",
            "its samples differ from catalogue.tsv".into(),
        ));
    }
    let mut cols = Vec::with_capacity(h.cols.len());
    for name in &h.cols {
        cols.push(fitted.index(name).ok_or_else(|| {
            src.inconsistent(
                "exposures.tsv",
                format!(
                    "{name} is not one of the signatures the run fitted ({})",
                    fitted.source
                ),
            )
        })?);
    }
    let mut counts = Mat::zeros(fitted.len(), cat.n_samples());
    for (j, row) in h.values.iter().enumerate() {
        for (c, &s) in cols.iter().enumerate() {
            counts[(s, j)] = row[c];
        }
    }
    let rec = reconstruct(fitted.matrix.as_ref(), counts.as_ref());
    let labels = cat.context.labels();
    let base = "Assignment_Solution";
    Ok(vec![
        (
            format!("{base}/Activities/{base}_Activities.txt"),
            matrix_tsv(
                "Samples",
                &fitted.names,
                &cat.samples,
                counts.as_ref(),
                0,
                true,
            ),
        ),
        (
            format!("{base}/Signatures/{base}_Signatures.txt"),
            matrix_tsv(
                "MutationType",
                labels,
                &fitted.names,
                fitted.matrix.as_ref(),
                8,
                false,
            ),
        ),
        (
            format!("{base}/Solution_Stats/{base}_Samples_Stats.txt"),
            samples_stats(&fit_stats(src, &cat, &rec)?),
        ),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_exponents_have_two_digits_and_a_sign() {
        assert_eq!(python_exp(1.234e-5), "1.23e-05");
        assert_eq!(python_exp(0.5), "5.00e-01");
        assert_eq!(python_exp(123.0), "1.23e+02");
    }

    #[test]
    fn stats_rows_are_percent_strings() {
        let rows = [SampleStat {
            name: "s1",
            observed: vec![3.0, 4.0],
            quality: Quality {
                cosine: 0.99,
                rel_l1: 0.1,
                rel_l2: 0.09732,
                kl: 0.01,
            },
            correlation: 1.0,
        }];
        let text = samples_stats(&rows);
        let line = text.lines().nth(1).unwrap();
        assert_eq!(
            line,
            "s1\t7\t0.990\t0.700\t10.000%\t0.487\t9.732%\t0.01000\t1.000"
        );
        assert!(text.starts_with("Sample Names\tTotal Mutations\t"));
    }

    #[test]
    fn correlation_of_a_scaled_copy_is_one() {
        assert!((pearson(&[1.0, 2.0, 4.0], &[2.0, 4.0, 8.0]) - 1.0).abs() < 1e-12);
        assert!(pearson(&[1.0, 1.0], &[1.0, 2.0]).is_nan());
    }
}
