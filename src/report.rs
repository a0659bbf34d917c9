//! Self-contained HTML report of a mutasig output folder (`extract` or `assign`).
//!
//! The report is rebuilt from the folder's files only (so `mutasig report OUTDIR` works on any
//! finished run): every table is read back, the figures are drawn with [`crate::report::plot`] and inlined
//! (SVG markup, or a PNG `data:` URI for the exposure plot of large cohorts), and one HTML file is
//! rendered with minijinja, HTML auto-escaping forced on. The page loads nothing from the network:
//! no external script, style, font or image. This module reads the folder but writes nothing; the
//! caller writes the HTML and the figure files.

pub mod figures;
mod groups;
pub mod plot;
pub(crate) mod samples;

use crate::assign::Criterion;
use crate::assign::cohort::AssignSettings;
use crate::nmf::Objective;
use crate::output::columns;
use crate::output::summary::{Details, ExtractSummary, Input, SCHEMA_VERSION, Summary};
use crate::read::reference::ReferenceChoice;
pub(crate) use crate::read::written::{Matrix, Table, parse_matrix, parse_table};
use crate::report::plot::Format;
use figures::FigKind;
use serde::{Deserialize as _, Serialize};
use serde_json::Value as Json;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// The report template (one file, auto-escaped; only our own figures are marked `|safe`).
const TEMPLATE: &str = include_str!("report/report.html.j2");
/// Above this many rows a per-sample table starts collapsed (`<details>` without `open`).
const COLLAPSE_ROWS_ABOVE: usize = 200;
/// At most this many dropped sample names are listed in the warnings.
const MAX_LISTED_DROPPED: usize = 50;

/// Errors while reading an output folder or rendering its report.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// Writing the report or figures into the folder.
    #[error(transparent)]
    Output(#[from] crate::output::OutputError),
    /// Reading a table to plot.
    #[error(transparent)]
    Table(#[from] crate::read::table::TableError),
    /// Drawing a figure of `mutasig plot`.
    #[error(transparent)]
    Draw(#[from] crate::report::plot::PlotError),
    /// A table that cannot be drawn (the message names the file).
    #[error("{0}")]
    Invalid(String),
    /// A file could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A file is required but absent.
    #[error("{0} not found: is this a mutasig extract/assign output folder?")]
    Missing(PathBuf),
    /// A file's content is malformed.
    #[error("{file}: {message}")]
    Parse {
        /// File name inside the folder.
        file: String,
        /// What is wrong (with the line number where known).
        message: String,
    },
    /// A figure could not be drawn.
    #[error("figure {figure}: {source}")]
    Plot {
        /// Figure file name.
        figure: String,
        /// The plotting error.
        source: crate::report::plot::PlotError,
    },
    /// The template failed to render (a bug, not an input problem).
    #[error("report template: {0}")]
    Template(#[from] minijinja::Error),
}

impl From<crate::read::written::ParseError> for ReportError {
    fn from(e: crate::read::written::ParseError) -> Self {
        ReportError::Parse {
            file: e.file,
            message: e.message,
        }
    }
}

/// Everything read from an output folder (absent optional files are `None`).
#[derive(Debug, Clone)]
pub(crate) struct Folder {
    /// `summary.json`, typed: what the report says about the run comes from here.
    pub summary: Summary,
    /// `summary.json` as written, for the table that lists every parameter.
    pub summary_json: Json,
    /// `extract` or `assign` (or whatever the summary says).
    pub command: String,
    /// Channels × samples counts.
    pub catalogue: Option<Matrix>,
    /// Channels × signatures probabilities.
    pub signatures: Option<Matrix>,
    /// Samples × signatures mutation counts.
    pub exposures: Option<Matrix>,
    /// `fit_quality.tsv`.
    pub fit: Option<Table>,
    /// `rank_selection.tsv` (extract).
    pub ranks: Option<Table>,
    /// `signature_stats.tsv` (extract).
    pub stats: Option<Table>,
    /// `cosmic_decomposition.tsv`.
    pub cosmic: Option<Table>,
    /// `exposures_ci.tsv` (assign with bootstrap).
    pub ci: Option<Table>,
    /// `cosmic_signatures.tsv` (extract): the COSMIC signatures that match or explain the
    /// de novo ones.
    pub reference: Option<Matrix>,
    /// `group_differences.tsv` (`--groups`).
    pub group_differences: Option<Table>,
    /// `sample_groups.tsv` (`--groups`): the compared samples and their groups.
    pub sample_groups: Option<Table>,
}

/// A file of the folder, if present, read up to the input limit (a link to an endless
/// file must not exhaust memory).
fn read_opt(dir: &Path, name: &str) -> Result<Option<String>, ReportError> {
    use std::io::Read as _;
    let path = dir.join(name);
    let file = match std::fs::File::open(&path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => return Err(ReportError::Io { path, source }),
    };
    let mut text = String::new();
    let limit = crate::read::table::MAX_INPUT_BYTES;
    file.take(limit + 1)
        .read_to_string(&mut text)
        .map_err(|source| ReportError::Io {
            path: path.clone(),
            source,
        })?;
    if text.len() as u64 > limit {
        return Err(ReportError::Io {
            path,
            source: std::io::Error::other("larger than 1 GiB; not a mutasig output"),
        });
    }
    Ok(Some(text))
}

impl Folder {
    /// Reads every known file of `dir`; only `summary.json` (with a `command`) is required.
    pub fn load(dir: &Path) -> Result<Folder, ReportError> {
        let text = read_opt(dir, "summary.json")?
            .ok_or_else(|| ReportError::Missing(dir.join("summary.json")))?;
        let parse_error = |e: serde_json::Error| ReportError::Parse {
            file: "summary.json".into(),
            message: format!(
                "not a mutasig summary of schema {SCHEMA_VERSION} ({e}); rerun the command \
                 with mutasig {} to write one",
                crate::VERSION
            ),
        };
        let summary_json: Json = serde_json::from_str(&text).map_err(parse_error)?;
        let summary = Summary::deserialize(&summary_json).map_err(parse_error)?;
        let command = match &summary.details {
            Details::Extract(_) => "extract",
            Details::Assign(_) => "assign",
            Details::Decompose(_) => "assign --decompose",
            Details::Simulate(_) => "simulate",
            Details::Count(_) => "count",
        }
        .to_string();
        let matrix = |name: &str| -> Result<Option<Matrix>, ReportError> {
            read_opt(dir, name)?
                .map(|t| parse_matrix(name, &t))
                .transpose()
                .map_err(ReportError::from)
        };
        let table = |name: &str| -> Result<Option<Table>, ReportError> {
            read_opt(dir, name)?
                .map(|t| parse_table(name, &t))
                .transpose()
                .map_err(ReportError::from)
        };
        Ok(Folder {
            summary,
            summary_json,
            command,
            catalogue: matrix("catalogue.tsv")?,
            signatures: matrix("signatures.tsv")?,
            exposures: matrix("exposures.tsv")?,
            fit: table("fit_quality.tsv")?,
            ranks: table("rank_selection.tsv")?,
            stats: table("signature_stats.tsv")?,
            cosmic: table("cosmic_decomposition.tsv")?,
            ci: table("exposures_ci.tsv")?,
            reference: matrix("cosmic_signatures.tsv")?,
            group_differences: table(crate::output::groups::GROUP_DIFFERENCES)?,
            sample_groups: table(crate::output::groups::SAMPLE_GROUPS)?,
        })
    }

    /// The selected rank: the `selected == true` row of rank_selection.tsv, else `selected_rank`.
    pub fn selected_rank(&self) -> Option<usize> {
        if let Some(t) = &self.ranks {
            for r in 0..t.rows.len() {
                if t.get(r, "selected")
                    .is_some_and(|s| s.trim().eq_ignore_ascii_case("true"))
                {
                    return t.rows[r][0].trim().parse().ok();
                }
            }
        }
        self.extraction().map(|e| e.selected_rank)
    }

    /// The input, samples and reference (every command but `simulate`).
    pub fn input(&self) -> Option<&Input> {
        match &self.summary.details {
            Details::Extract(e) => Some(&e.input),
            Details::Assign(a) => Some(&a.input),
            Details::Decompose(d) => Some(&d.input),
            Details::Simulate(_) | Details::Count(_) => None,
        }
    }

    /// What `extract` wrote about its run.
    pub fn extraction(&self) -> Option<&ExtractSummary> {
        match &self.summary.details {
            Details::Extract(e) => Some(e),
            _ => None,
        }
    }

    /// The selection settings of `assign`.
    pub fn assignment(&self) -> Option<&AssignSettings> {
        match &self.summary.details {
            Details::Assign(a) => Some(&a.parameters.selection),
            _ => None,
        }
    }

    /// `--cosmic`, `--genome`, `--exome` of `assign` (with or without `--decompose`).
    pub fn reference_choice(&self) -> Option<&ReferenceChoice> {
        match &self.summary.details {
            Details::Assign(a) => Some(&a.parameters.reference),
            Details::Decompose(d) => Some(&d.parameters.reference),
            _ => None,
        }
    }

    /// The seed of the run's random streams.
    pub fn seed(&self) -> Option<u64> {
        match &self.summary.details {
            Details::Extract(e) => Some(e.parameters.extract.seed),
            Details::Assign(a) => Some(a.parameters.selection.seed),
            Details::Simulate(s) => Some(s.parameters.seed),
            Details::Decompose(_) | Details::Count(_) => None,
        }
    }

    /// Total mutations per sample (fit_quality, else exposures, else catalogue), keyed by name.
    pub fn totals(&self) -> HashMap<String, f64> {
        let mut m = HashMap::new();
        if let Some(e) = &self.exposures {
            for (i, s) in e.rows.iter().enumerate() {
                m.insert(s.clone(), e.values[i].iter().sum());
            }
        } else if let Some(c) = &self.catalogue {
            for (j, s) in c.cols.iter().enumerate() {
                m.insert(s.clone(), c.values.iter().map(|r| r[j]).sum());
            }
        }
        if let Some(f) = &self.fit {
            for r in 0..f.rows.len() {
                let t = f.num(r, "total_mutations");
                if t.is_finite() {
                    m.insert(f.rows[r][0].clone(), t);
                }
            }
        }
        m
    }

    /// Best COSMIC match, its cosine and the stability of signature `name`, where known.
    pub fn signature_info(&self, name: &str) -> SigInfo {
        let mut info = SigInfo::default();
        if let Some(t) = &self.stats
            && let Some(r) = t.row_of(name)
        {
            info.stability = Some(t.num(r, "stability")).filter(|x| x.is_finite());
            info.total = Some(t.num(r, "total_mutations")).filter(|x| x.is_finite());
            info.best = t.get(r, columns::BEST_COSMIC).map(str::to_string);
            info.cosine = Some(t.num(r, columns::BEST_COSINE)).filter(|x| x.is_finite());
            info.decomposition = t.get(r, columns::DECOMPOSITION).map(str::to_string);
            info.decomposition_cosine =
                Some(t.num(r, columns::DECOMPOSITION_COSINE)).filter(|x| x.is_finite());
            info.status = t.get(r, columns::STATUS).map(str::to_string);
        }
        if let Some(t) = &self.cosmic
            && let Some(r) = t.row_of(name)
        {
            let fill = |slot: &mut Option<String>, v: Option<&str>| {
                if slot.as_deref().is_none_or(|s| s.is_empty() || s == "NA") {
                    *slot = v.map(str::to_string);
                }
            };
            fill(&mut info.best, t.get(r, columns::BEST_COSMIC));
            fill(&mut info.decomposition, t.get(r, columns::DECOMPOSITION));
            fill(&mut info.status, t.get(r, columns::STATUS));
            if info.cosine.is_none() {
                info.cosine = Some(t.num(r, columns::BEST_COSINE)).filter(|x| x.is_finite());
            }
            if info.decomposition_cosine.is_none() {
                info.decomposition_cosine =
                    Some(t.num(r, columns::DECOMPOSITION_COSINE)).filter(|x| x.is_finite());
            }
        }
        let clean = |s: &mut Option<String>| {
            if s.as_deref().is_some_and(|x| x.is_empty() || x == "NA") {
                *s = None;
            }
        };
        clean(&mut info.best);
        clean(&mut info.decomposition);
        clean(&mut info.status);
        if info.total.is_none()
            && let Some(e) = &self.exposures
            && let Some(j) = e.cols.iter().position(|c| c == name)
        {
            info.total = Some(e.values.iter().map(|r| r[j]).sum());
        }
        info
    }
}

/// What is known about one signature.
#[derive(Debug, Clone, Default)]
pub(crate) struct SigInfo {
    pub stability: Option<f64>,
    pub total: Option<f64>,
    pub best: Option<String>,
    pub cosine: Option<f64>,
    pub decomposition: Option<String>,
    pub decomposition_cosine: Option<f64>,
    pub status: Option<String>,
}

impl SigInfo {
    /// Figure title: "SBS96A — best COSMIC match SBS1 (cosine 0.970), stability 0.93".
    pub fn title(&self, name: &str) -> String {
        let mut t = name.to_string();
        let mut parts = Vec::new();
        if let Some(b) = &self.best {
            match self.cosine {
                Some(c) => parts.push(format!("best COSMIC match {b} (cosine {c:.3})")),
                None => parts.push(format!("best COSMIC match {b}")),
            }
        }
        if let Some(s) = self.stability {
            parts.push(format!("stability {s:.2}"));
        }
        if !parts.is_empty() {
            t.push_str(" — ");
            t.push_str(&parts.join(", "));
        }
        t
    }
}

/// The HTML report and the figure files of an output folder.
#[derive(Debug, Clone)]
pub struct Report {
    /// The self-contained HTML page.
    pub html: String,
    /// Figures as (file name relative to `plots/`, bytes), in the requested format.
    pub figures: Vec<(String, Vec<u8>)>,
}

/// Builds the HTML report and the figure files of `dir` (figures in `format`; the HTML always
/// inlines its own SVG/PNG copies). Nothing is written: the caller saves `report.html` and
/// `plots/<name>`.
pub fn build(dir: &Path, format: Format) -> Result<Report, ReportError> {
    let folder = Folder::load(dir)?;
    let html = render_folder(&folder)?;
    let figures = figures::make(&folder, format, false)?
        .into_iter()
        .map(|f| (f.file, f.bytes))
        .collect();
    Ok(Report { html, figures })
}

/// Build the report and figures of an output folder being written and add them to it
/// (`report.html`, `plots/*`).
pub fn add_to(out: &crate::output::OutputDir, format: Format) -> Result<(), ReportError> {
    write_into(out.staging(), out, format).map(|_| ())
}

/// Build the report and figures of the finished folder `dir` into another folder being
/// written (`report.html`, `plots/*`); `dir` is only read. Returns the number of figures.
pub fn write_into(
    dir: &Path,
    out: &crate::output::OutputDir,
    format: Format,
) -> Result<usize, ReportError> {
    let r = build(dir, format)?;
    for (name, bytes) in &r.figures {
        out.write(&format!("plots/{name}"), bytes)?;
    }
    out.write("report.html", r.html.as_bytes())?;
    Ok(r.figures.len())
}

/// Rebuild `report.html` and `plots/` of an existing output folder in place (each file
/// replaced atomically).
pub fn rebuild(dir: &Path, format: Format) -> Result<usize, ReportError> {
    use crate::output::{OutputError, add_to_manifest, may_overwrite, write_atomic};
    let r = build(dir, format)?;
    let mut files: Vec<(String, &[u8])> = r
        .figures
        .iter()
        .map(|(n, b)| (format!("plots/{n}"), b.as_slice()))
        .collect();
    files.push(("report.html".into(), r.html.as_bytes()));
    // never replace a file of the user's that happens to share a name with a figure
    if let Some((rel, _)) = files.iter().find(|(rel, _)| !may_overwrite(dir, rel)) {
        return Err(OutputError::WouldReplace {
            path: dir.join(rel).display().to_string(),
        }
        .into());
    }
    let plots = dir.join("plots");
    std::fs::create_dir_all(&plots).map_err(|source| OutputError::Io {
        path: plots.display().to_string(),
        source,
    })?;
    for (rel, bytes) in &files {
        write_atomic(&dir.join(rel), bytes)?;
    }
    add_to_manifest(dir, &files)?;
    Ok(r.figures.len())
}

/// Renders the self-contained HTML report of the output folder `dir`.
pub fn render(dir: &Path) -> Result<String, ReportError> {
    render_folder(&Folder::load(dir)?)
}

// ----------------------------------------------------------------------------------------------
// Template context
// ----------------------------------------------------------------------------------------------

/// A table of text cells for the template.
#[derive(Serialize, Debug)]
struct HtmlTable {
    id: String,
    headers: Vec<String>,
    /// Per column: every non-empty cell is a number (right-aligned).
    numeric: Vec<bool>,
    rows: Vec<HtmlRow>,
    sortable: bool,
    collapsed: bool,
}

#[derive(Serialize, Debug)]
struct HtmlRow {
    cells: Vec<String>,
    highlight: bool,
}

/// A figure ready for inlining: `svg` markup (ours, marked safe) or a PNG data URI.
#[derive(Serialize, Debug)]
struct HtmlFigure {
    title: String,
    file: String,
    svg: Option<String>,
    uri: Option<String>,
}

#[derive(Serialize, Debug)]
struct HtmlSignature {
    name: String,
    anchor: String,
    facts: Vec<(String, String)>,
    figure: Option<HtmlFigure>,
}

#[derive(Serialize, Debug)]
struct Ctx {
    title: String,
    command: String,
    overview: Vec<(String, String)>,
    warnings: Vec<String>,
    is_extract: bool,
    rank_figure: Option<HtmlFigure>,
    rank_table: Option<HtmlTable>,
    selected_rank: Option<String>,
    reason: Option<String>,
    votes: Option<String>,
    candidates: Option<String>,
    comparisons: Option<HtmlTable>,
    signatures: Vec<HtmlSignature>,
    heatmap: Option<HtmlFigure>,
    cosmic_table: Option<HtmlTable>,
    exposure_figure: Option<HtmlFigure>,
    exposure_table: Option<HtmlTable>,
    exposure_order: String,
    fit_table: Option<HtmlTable>,
    reconstructions: Vec<HtmlFigure>,
    intervals: Vec<HtmlFigure>,
    /// `--groups`: the comparison of exposures between sample groups.
    groups: Option<groups::GroupsSection>,
    methods: String,
    parameters: Vec<(String, String)>,
    /// The per-sample pages ([`samples`]).
    samples: Option<samples::Pages>,
}

/// Standard base64 (RFC 4648, padded), for PNG `data:` URIs.
pub(crate) fn base64(bytes: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut s = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for c in bytes.chunks(3) {
        let b = [c[0], *c.get(1).unwrap_or(&0), *c.get(2).unwrap_or(&0)];
        let n = (b[0] as u32) << 16 | (b[1] as u32) << 8 | b[2] as u32;
        for i in 0..4 {
            if i <= c.len() {
                s.push(A[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                s.push('=');
            }
        }
    }
    s
}

/// Anchor id from a name: ASCII alphanumerics, `-` and `_` kept, everything else `_`.
fn anchor(prefix: &str, name: &str) -> String {
    let s: String = name
        .chars()
        .take(60)
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("{prefix}-{s}")
}

fn html_figure(f: figures::Fig) -> HtmlFigure {
    let (svg, uri) = match f.format {
        Format::Svg => (Some(String::from_utf8_lossy(&f.bytes).into_owned()), None),
        Format::Png => (
            None,
            Some(format!("data:image/png;base64,{}", base64(&f.bytes))),
        ),
    };
    HtmlFigure {
        title: f.title,
        file: f.file,
        svg,
        uri,
    }
}

/// A JSON value as display text (strings raw, arrays comma-joined, objects as compact JSON).
fn json_text(v: &Json) -> String {
    match v {
        Json::Null => "—".into(),
        Json::String(s) => s.clone(),
        Json::Bool(b) => b.to_string(),
        Json::Number(n) => n.to_string(),
        Json::Array(a) => a.iter().map(json_text).collect::<Vec<_>>().join(", "),
        Json::Object(_) => v.to_string(),
    }
}

/// Flattens a JSON object into (dotted key, text) pairs.
fn flatten(prefix: &str, v: &Json, out: &mut Vec<(String, String)>) {
    match v {
        Json::Object(m) => {
            for (k, x) in m {
                let key = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                flatten(&key, x, out);
            }
        }
        _ => out.push((prefix.to_string(), json_text(v))),
    }
}

/// A JSON array of objects as a table (columns = keys in order of first appearance).
fn json_table(id: &str, v: &Json) -> Option<HtmlTable> {
    let a = v.as_array()?;
    if a.is_empty() {
        return None;
    }
    let mut headers: Vec<String> = Vec::new();
    for x in a {
        if let Json::Object(m) = x {
            for k in m.keys() {
                if !headers.contains(k) {
                    headers.push(k.clone());
                }
            }
        }
    }
    if headers.is_empty() {
        return None;
    }
    let rows = a
        .iter()
        .map(|x| HtmlRow {
            cells: headers
                .iter()
                .map(|h| x.get(h).map(json_text).unwrap_or_default())
                .collect(),
            highlight: false,
        })
        .collect();
    Some(HtmlTable::new(id, headers, rows, false))
}

impl HtmlTable {
    /// A table; long ones start collapsed, numeric columns are detected for alignment.
    fn new(id: &str, headers: Vec<String>, rows: Vec<HtmlRow>, sortable: bool) -> HtmlTable {
        HtmlTable {
            id: id.into(),
            numeric: numeric_columns(headers.len(), &rows),
            collapsed: rows.len() > COLLAPSE_ROWS_ABOVE,
            headers,
            rows,
            sortable,
        }
    }
}

/// Per column: true when every cell is a number, `NA`, `—` or empty (and at least one is a number).
fn numeric_columns(n: usize, rows: &[HtmlRow]) -> Vec<bool> {
    (0..n)
        .map(|c| {
            let mut any = false;
            for r in rows {
                let v = r.cells.get(c).map(|s| s.trim()).unwrap_or("");
                if v.parse::<f64>().is_ok() {
                    any = true;
                } else if !(v.is_empty() || v == "NA" || v == "—") {
                    return false;
                }
            }
            any
        })
        .collect()
}

fn text_table(id: &str, t: &Table, sortable: bool) -> HtmlTable {
    let sel = t.col("selected");
    let rows = t
        .rows
        .iter()
        .map(|r| HtmlRow {
            cells: r.clone(),
            highlight: sel.is_some_and(|c| r[c].trim().eq_ignore_ascii_case("true")),
        })
        .collect();
    HtmlTable::new(id, t.header.clone(), rows, sortable)
}

fn fmt_opt(x: Option<f64>, decimals: usize) -> String {
    x.map(|v| format!("{v:.decimals$}"))
        .unwrap_or_else(|| "—".into())
}

/// Every criterion's vote and the ambiguity of the rank selection, in one line.
fn votes_text(s: &crate::extract::rank::RankSelection) -> String {
    let show = |v: Option<usize>| v.map_or("none".to_string(), |k| k.to_string());
    let mut t = format!(
        "rule {}; votes: stability {}, cophenetic {}, held-out likelihood {}",
        s.rule.name(),
        s.votes.stability,
        show(s.votes.cophenetic),
        show(s.votes.likelihood)
    );
    if !s.admitted.is_empty() {
        let ks: Vec<String> = s.admitted.iter().map(|k| k.to_string()).collect();
        t.push_str(&format!(
            "; admitted despite one unstable signature (held-out likelihood > 3 SE better): {}",
            ks.join(", ")
        ));
    }
    if s.ambiguous {
        let ks: Vec<String> = s.plausible.iter().map(|k| k.to_string()).collect();
        t.push_str(&format!(
            "; ambiguous: ranks {} are equally plausible by held-out likelihood",
            ks.join(", ")
        ));
    }
    t
}

/// Ranks tried: from rank_selection.tsv, else the `min_rank`/`max_rank` parameters.
fn ranks_tried(f: &Folder) -> Option<(usize, usize, usize)> {
    if let Some(t) = &f.ranks {
        let ks: Vec<usize> = t
            .rows
            .iter()
            .filter_map(|r| r[0].trim().parse().ok())
            .collect();
        if let (Some(a), Some(b)) = (ks.iter().min(), ks.iter().max()) {
            return Some((*a, *b, ks.len()));
        }
    }
    let p = &f.extraction()?.parameters.extract;
    let (a, b) = (p.min_rank, p.max_rank);
    Some((a, b, b.saturating_sub(a) + 1))
}

/// A number as summary.json writes it.
fn number_text(x: f64) -> String {
    json_text(&Json::from(x))
}

/// The ready-to-paste methods paragraph, built from what summary.json and the tables contain.
fn methods(f: &Folder) -> String {
    use crate::read::table::plural;
    let (version, tool) = (&f.summary.version, &f.summary.tool);
    let samples = f
        .input()
        .map(|i| i.samples)
        .or_else(|| f.exposures.as_ref().map(|e| e.rows.len()));
    let context = f.input().map(|i| i.context.clone());
    let cohort = match (samples, &context) {
        (Some(n), Some(c)) => format!(
            "{} ({c} mutation catalogue)",
            plural(n, "sample", "samples")
        ),
        (Some(n), None) => plural(n, "sample", "samples"),
        (None, Some(c)) => format!("the {c} mutation catalogue"),
        (None, None) => "the input catalogue".into(),
    };
    let mut p = Vec::new();
    if let Some(e) = f.extraction() {
        let settings = &e.parameters.extract;
        let objective = Some(match settings.nmf.objective {
            Objective::KullbackLeibler => "generalized Kullback–Leibler (Poisson) objective",
            Objective::Frobenius => "squared Frobenius-norm objective",
        });
        // minimum-volume NMF changes what the signatures are, so the paragraph names it
        let volume = (settings.nmf.solver == crate::nmf::Solver::Mvnmf).then(|| {
            format!(
                " and a minimum-volume penalty on the signatures (weight {} of the divergence at the start of each fit; Leplat, Gillis & Ang, 2019)",
                settings.nmf.volume_lambda
            )
        });
        p.push(format!(
            "Mutational signatures were extracted de novo from {cohort} with {tool} (version {version}) by non-negative matrix factorization (NMF; Lee & Seung, 1999){}{}.",
            objective.map(|o| format!(" with the {o}")).unwrap_or_default(),
            volume.unwrap_or_default()
        ));
        let mut s = String::new();
        if let Some((a, b, n)) = ranks_tried(f) {
            s.push_str(&format!(
                "Ranks {a} to {b} ({n} rank{}) were tried",
                if n == 1 { "" } else { "s" }
            ));
            let r = settings.replicates;
            let used: Vec<usize> = e.ranks.iter().map(|x| x.replicates).collect();
            let (lo, hi) = (used.iter().min(), used.iter().max());
            match (settings.checkpoints(n).len() > 1, lo, hi) {
                (true, Some(&lo), Some(&hi)) if lo > 0 => s.push_str(&format!(
                    " with {} NMF replicates per rank, added {} at a time up to {r} until more could not change whether the rank passed the stability thresholds",
                    if lo == hi { lo.to_string() } else { format!("{lo}–{hi}") },
                    settings.min_replicates
                )),
                _ => s.push_str(&format!(" with {r} NMF replicates per rank")),
            }
            s.push_str(match settings.resample {
                true => " on bootstrap-resampled catalogues",
                false => " from independent random initializations",
            });
            if settings.nmf.starts > 1 {
                s.push_str(&format!(
                    ", each replicate the best (lowest objective) of {} factorizations from different random starts",
                    settings.nmf.starts
                ));
            }
            s.push_str("; the replicate solutions of each rank were clustered into consensus signatures whose stability was measured by silhouette width (Alexandrov et al., 2013; Islam et al., 2022), alongside the cophenetic correlation of the consensus matrix (Brunet et al., 2004).");
            let how = match settings.refine {
                crate::extract::Refine::Off => None,
                crate::extract::Refine::Nmf => Some("factorization"),
                crate::extract::Refine::Mvnmf => {
                    Some("minimum-volume factorization (Leplat, Gillis & Ang, 2019)")
                }
            };
            if let Some(how) = how {
                s.push_str(&format!(" The reported signatures are the consensus signatures refined by one further {how} of the catalogue itself, started from them; their stability is that of their clusters."));
            }
            p.push(s);
        }
        if let Some(k) = f.selected_rank() {
            let reason = Some(e.selection.reason.as_str());
            p.push(match reason {
                Some(r) => format!(
                    "{k} signatures were selected ({}).",
                    r.trim_end_matches('.')
                ),
                None => format!("{k} signatures were selected."),
            });
        }
        if f.cosmic.is_some() || f.stats.is_some() {
            let reference = Some(&e.input.reference);
            p.push(format!(
                "The de novo signatures were compared with the COSMIC reference signatures{} (Alexandrov et al., 2020) by cosine similarity and decomposed into reference signatures where no single one matched.",
                reference.map(|r| format!(" ({r})")).unwrap_or_default()
            ));
        }
    } else {
        let mut reference = f.input().map(|i| i.reference.clone()).unwrap_or_default();
        let choice = f.reference_choice();
        let extra: Vec<String> = [
            choice.map(|c| format!("COSMIC {}", c.version.name())),
            choice.map(|c| c.genome.name().to_string()),
            choice.filter(|c| c.exome).map(|_| "exome".to_string()),
        ]
        .into_iter()
        .flatten()
        .collect();
        if !extra.is_empty() {
            if reference.is_empty() {
                reference = extra.join(", ");
            } else {
                reference = format!("{reference}; {}", extra.join(", "));
            }
        }
        let how = match f.assignment().map(|a| a.criterion) {
            Some(Criterion::LikelihoodRatio) => {
                "by likelihood-based refitting with forward and backward selection of signatures (likelihood-ratio test of the Poisson fit; Jin et al., 2024)".to_string()
            }
            Some(Criterion::RelativeL2) => "by non-negative least squares with forward and backward selection of signatures (relative L2 error criterion)".to_string(),
            None => "by refitting".to_string(),
        };
        p.push(format!(
            "Exposures of {cohort} to the reference signatures{} (Alexandrov et al., 2020) were estimated with {tool} (version {version}) {how}.",
            if reference.is_empty() {
                String::new()
            } else {
                format!(" ({reference})")
            }
        ));
        let th: Vec<String> = f
            .assignment()
            .map(|a| [("add", a.add_threshold), ("remove", a.remove_threshold)])
            .into_iter()
            .flatten()
            .map(|(l, v)| format!("{l} threshold {}", number_text(v)))
            .collect();
        if !th.is_empty() {
            p.push(format!("Selection thresholds: {}.", th.join(", ")));
        }
        if let Some(b) = f.assignment().map(|a| a.bootstrap).filter(|b| *b > 0) {
            p.push(format!(
                "95% percentile intervals of the exposures were obtained from {b} bootstrap resamples of each catalogue."
            ));
        }
    }
    p.extend(groups::methods(f));
    if let Some(seed) = f.seed() {
        p.push(format!("The random seed was {seed}."));
    }
    p.join(" ")
}

fn overview(f: &Folder) -> Vec<(String, String)> {
    let s = &f.summary;
    let mut o = vec![
        ("Command".to_string(), f.command.clone()),
        ("Tool".into(), s.tool.clone()),
        ("Version".into(), s.version.clone()),
    ];
    if let Some(i) = f.input() {
        o.push(("Input".into(), i.input.clone()));
        o.push(("Input SHA-256".into(), i.input_sha256.clone()));
        o.push(("Context".into(), i.context.clone()));
        o.push(("Samples".into(), i.samples.to_string()));
        o.push(("Reference".into(), i.reference.clone()));
    }
    if let Some(c) = f.reference_choice() {
        o.push(("COSMIC version".into(), c.version.name().into()));
        o.push(("Genome".into(), c.genome.name().into()));
        o.push(("Exome".into(), c.exome.to_string()));
    }
    if let Some(e) = f.extraction() {
        o.push(("Selected rank".into(), e.selected_rank.to_string()));
    }
    if let Some(i) = f.input() {
        o.push((
            "Dropped samples".into(),
            i.dropped_samples.len().to_string(),
        ));
    }
    if let Some(s) = &f.signatures {
        o.push(("Signatures".into(), s.cols.len().to_string()));
    }
    o
}

fn warnings(f: &Folder) -> Vec<String> {
    let mut w: Vec<String> = f.summary.warnings.clone();
    if let Some(d) = f.input().map(|i| &i.dropped_samples)
        && !d.is_empty()
    {
        let names: Vec<String> = d.iter().take(MAX_LISTED_DROPPED).cloned().collect();
        let more = d.len().saturating_sub(MAX_LISTED_DROPPED);
        let msg = format!(
            "{} sample(s) dropped (no mutations): {}{}",
            d.len(),
            names.join(", "),
            if more > 0 {
                format!(" and {more} more")
            } else {
                String::new()
            }
        );
        if !w.iter().any(|x| x.starts_with("dropped")) {
            w.push(msg);
        }
    }
    if let (Some(req), Some((_, tried, _))) = (
        f.extraction().map(|e| e.parameters.extract.max_rank),
        f.ranks.as_ref().and_then(|_| ranks_tried(f)),
    ) && tried < req
    {
        w.push(format!(
            "ranks capped: --max-rank {req} was requested, ranks up to {tried} were tried"
        ));
    }
    w
}

fn render_folder(f: &Folder) -> Result<String, ReportError> {
    let figs = figures::make(f, Format::Svg, true)?;
    let mut group_figs = Vec::new();
    let mut spectra: HashMap<String, HtmlFigure> = HashMap::new();
    let mut ctx = Ctx {
        title: format!("mutasig {} report", f.command),
        command: f.command.clone(),
        overview: overview(f),
        warnings: warnings(f),
        is_extract: f.command == "extract",
        rank_figure: None,
        rank_table: f.ranks.as_ref().map(|t| text_table("rank-table", t, false)),
        selected_rank: f.selected_rank().map(|k| k.to_string()),
        reason: f.extraction().map(|e| e.selection.reason.clone()),
        // folders written before the votes have stability 0 (no rank is 0)
        votes: f
            .extraction()
            .filter(|e| e.selection.votes.stability > 0)
            .map(|e| votes_text(&e.selection)),
        candidates: f
            .extraction()
            .map(|e| json_text(&serde_json::json!(e.selection.candidates))),
        comparisons: f
            .extraction()
            .and_then(|e| json_table("comparisons", &serde_json::json!(e.selection.comparisons))),
        signatures: Vec::new(),
        heatmap: None,
        cosmic_table: f
            .cosmic
            .as_ref()
            .map(|t| text_table("cosmic-table", t, true)),
        exposure_figure: None,
        exposure_table: None,
        exposure_order: String::new(),
        fit_table: f.fit.as_ref().map(|t| text_table("fit-table", t, true)),
        reconstructions: Vec::new(),
        intervals: Vec::new(),
        groups: None,
        methods: methods(f),
        parameters: Vec::new(),
        samples: samples::pages(f),
    };
    for fig in figs {
        match fig.kind.clone() {
            FigKind::Spectrum(name) => {
                spectra.insert(name, html_figure(fig));
            }
            FigKind::Panel => {}
            FigKind::Exposures(order) => {
                ctx.exposure_order = order;
                ctx.exposure_figure = Some(html_figure(fig));
            }
            FigKind::Rank => ctx.rank_figure = Some(html_figure(fig)),
            FigKind::Heatmap => ctx.heatmap = Some(html_figure(fig)),
            FigKind::Reconstruction => ctx.reconstructions.push(html_figure(fig)),
            FigKind::Interval => ctx.intervals.push(html_figure(fig)),
            FigKind::GroupBox(_) | FigKind::GroupHeatmap => group_figs.push(fig),
        }
    }
    ctx.groups = groups::section(f, group_figs);
    if let Some(s) = &f.signatures {
        for name in &s.cols {
            let i = f.signature_info(name);
            let mut facts = Vec::new();
            if let Some(x) = i.stability {
                facts.push(("Stability".into(), format!("{x:.3}")));
            }
            if let Some(x) = i.total {
                facts.push(("Mutations attributed".into(), format!("{x:.0}")));
            }
            if let Some(e) = &f.exposures
                && let Some(j) = e.cols.iter().position(|c| c == name)
            {
                let n = e.values.iter().filter(|r| r[j] > 0.0).count();
                facts.push((
                    "Samples with exposure".into(),
                    format!("{n} of {}", e.rows.len()),
                ));
            }
            if let Some(b) = &i.best {
                facts.push((
                    "Best COSMIC match".into(),
                    format!("{b} (cosine {})", fmt_opt(i.cosine, 3)),
                ));
            }
            if let Some(d) = &i.decomposition {
                facts.push((
                    "COSMIC decomposition".into(),
                    format!(
                        "{} (cosine {})",
                        d.replace(';', ", ").replace(':', " "),
                        fmt_opt(i.decomposition_cosine, 3)
                    ),
                ));
            }
            if let Some(st) = &i.status {
                facts.push(("Status".into(), st.clone()));
            }
            ctx.signatures.push(HtmlSignature {
                name: name.clone(),
                anchor: anchor("sig", name),
                facts,
                figure: spectra.remove(name),
            });
        }
    }
    if let Some(e) = &f.exposures {
        let mut headers = vec!["Sample".to_string(), "Total".to_string()];
        headers.extend(e.cols.iter().cloned());
        let rows = e
            .rows
            .iter()
            .zip(&e.values)
            .map(|(s, v)| {
                let mut cells = vec![s.clone(), format!("{:.0}", v.iter().sum::<f64>())];
                cells.extend(v.iter().map(|x| format!("{x:.0}")));
                HtmlRow {
                    cells,
                    highlight: false,
                }
            })
            .collect();
        ctx.exposure_table = Some(HtmlTable::new("exposure-table", headers, rows, true));
    }
    // every parameter as written, including ones this version does not know
    if let Some(p) = f.summary_json.get("parameters") {
        flatten("", p, &mut ctx.parameters);
    }
    for k in ["decomposition"] {
        if let Some(v) = f
            .summary_json
            .get(k)
            .filter(|v| !v.is_null() && !v.as_array().is_some_and(|a| a.is_empty()))
        {
            flatten(k, v, &mut ctx.parameters);
        }
    }
    // `run` (command line, threads, timings) stays out of the report: it is the one part
    // of summary.json that differs between runs with the same seed, and the report must
    // be as reproducible as the tables.
    let mut env = minijinja::Environment::new();
    env.set_auto_escape_callback(|_| minijinja::AutoEscape::Html);
    env.add_template("report.html", TEMPLATE)?;
    let tpl = env.get_template("report.html")?;
    Ok(tpl.render(minijinja::Value::from(minijinja::value::Serde(&ctx)))?)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Deterministic pseudo-random numbers for fixtures.
    pub struct Lcg(pub u64);
    impl Lcg {
        pub fn next(&mut self) -> f64 {
            self.0 = self
                .0
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (self.0 >> 11) as f64 / (1u64 << 53) as f64
        }
    }

    /// Options of the fake output folder.
    pub struct Fixture {
        pub command: &'static str,
        pub samples: usize,
        pub k: usize,
        pub hostile: bool,
        pub ci: bool,
    }

    fn join(cells: impl IntoIterator<Item = String>) -> String {
        cells.into_iter().collect::<Vec<_>>().join("\t")
    }

    /// Writes a fake but consistent mutasig output folder (SBS96) into `dir`.
    pub fn write_fixture(dir: &Path, o: &Fixture) {
        let mut rng = Lcg(42);
        let mut channels = crate::report::plot::sbs96_order();
        channels.sort();
        let sig_names: Vec<String> = (0..o.k)
            .map(|i| {
                if o.command == "extract" {
                    format!("SBS96{}", (b'A' + i as u8) as char)
                } else {
                    format!("SBS{}", i + 1)
                }
            })
            .collect();
        let mut samples: Vec<String> = (0..o.samples).map(|i| format!("S{i:04}")).collect();
        if o.hostile {
            samples[0] = "<script>alert(1)</script>".into();
            samples[1] = "a&b \"quoted\" 'x'".into();
        }
        // W: channels × k (columns sum to 1), H: samples × k whole counts.
        let mut w = vec![vec![0.0; o.k]; 96];
        for s in 0..o.k {
            let col: Vec<f64> = (0..96).map(|_| rng.next().powi(4) + 1e-4).collect();
            let t: f64 = col.iter().sum();
            for (row, x) in w.iter_mut().zip(&col) {
                row[s] = x / t;
            }
        }
        let h: Vec<Vec<f64>> = (0..o.samples)
            .map(|_| {
                (0..o.k)
                    .map(|_| {
                        if rng.next() < 0.3 {
                            0.0
                        } else {
                            (rng.next() * 400.0).round()
                        }
                    })
                    .collect()
            })
            .collect();
        let mut cat = vec![vec![0.0; o.samples]; 96];
        for (j, hj) in h.iter().enumerate() {
            for c in 0..96 {
                let mean: f64 = (0..o.k).map(|s| w[c][s] * hj[s]).sum();
                cat[c][j] = (mean * (0.7 + 0.6 * rng.next())).round();
            }
        }
        let wr = |name: &str, text: String| std::fs::write(dir.join(name), text).unwrap();
        let mut t = join(std::iter::once("MutationType".into()).chain(samples.iter().cloned()));
        for c in 0..96 {
            t.push('\n');
            t.push_str(&join(
                std::iter::once(channels[c].clone())
                    .chain(cat[c].iter().map(|x| format!("{x:.0}"))),
            ));
        }
        wr("catalogue.tsv", t + "\n");
        let mut t = join(std::iter::once("MutationType".into()).chain(sig_names.iter().cloned()));
        for c in 0..96 {
            t.push('\n');
            t.push_str(&join(
                std::iter::once(channels[c].clone()).chain(w[c].iter().map(|x| format!("{x:.8}"))),
            ));
        }
        wr("signatures.tsv", t + "\n");
        let mut t = join(std::iter::once("Sample".into()).chain(sig_names.iter().cloned()));
        for (j, s) in samples.iter().enumerate() {
            t.push('\n');
            t.push_str(&join(
                std::iter::once(s.clone()).chain(h[j].iter().map(|x| format!("{x:.0}"))),
            ));
        }
        wr("exposures.tsv", t + "\n");
        let mut t = "Sample\ttotal_mutations\tcosine\trel_l1\trel_l2\tkl\tn_signatures\tsignatures"
            .to_string();
        for (j, s) in samples.iter().enumerate() {
            let cos = 0.80 + 0.19 * rng.next();
            let used: Vec<&str> = (0..o.k)
                .filter(|&i| h[j][i] > 0.0)
                .map(|i| sig_names[i].as_str())
                .collect();
            let total: f64 = (0..96).map(|c| cat[c][j]).sum();
            t.push_str(&format!(
                "\n{s}\t{total:.0}\t{cos:.4}\t0.1000\t0.1000\t12.0000\t{}\t{}",
                used.len(),
                used.join(";")
            ));
        }
        wr("fit_quality.tsv", t + "\n");
        let cosmic_rows: Vec<String> = sig_names
            .iter()
            .enumerate()
            .map(|(i, n)| {
                if i == 1 {
                    format!("{n}\tSBS5\t0.7800\tSBS1:0.4200;SBS5:0.5800\t0.9300\tdecomposed")
                } else {
                    format!("{n}\tSBS{}\t0.9{i}00\t\t0.9{i}00\tmatched", i + 1)
                }
            })
            .collect();
        wr(
            "cosmic_decomposition.tsv",
            format!(
                "Signature\tbest_cosmic\tbest_cosine\tdecomposition\tdecomposition_cosine\tstatus\n{}\n",
                cosmic_rows.join("\n")
            ),
        );
        if o.command == "extract" {
            let mut t = "rank\tstability_mean\tstability_min\tcophenetic\tdispersion\tpac\treconstruction_error\tmedian_sample_error\tmean_cosine\tp_value\tcandidate\tselected".to_string();
            for r in 1..=o.k + 2 {
                t.push_str(&format!(
                    "\n{r}\t{:.4}\t{:.4}\t{:.4}\t0.9\t0.05\t{:.4}\t0.2\t0.95\t{}\t{}\t{}",
                    1.0 - 0.02 * r as f64,
                    0.95 - 0.04 * r as f64,
                    0.99 - 0.01 * r as f64,
                    0.5 / (r as f64).sqrt(),
                    if r == 1 {
                        "NA".into()
                    } else {
                        format!("{:.4}", 0.5 / r as f64)
                    },
                    r <= o.k,
                    r == o.k
                ));
            }
            wr("rank_selection.tsv", t + "\n");
            let mut t = "Signature\tstability\ttotal_mutations\tbest_cosmic\tbest_cosine\tdecomposition\tdecomposition_cosine\tstatus".to_string();
            for (i, n) in sig_names.iter().enumerate() {
                let tot: f64 = h.iter().map(|r| r[i]).sum();
                t.push_str(&format!(
                    "\n{n}\t0.9{i}\t{tot:.0}\tSBS{}\t0.9{i}00\t\t\tmatched",
                    i + 1
                ));
            }
            wr("signature_stats.tsv", t + "\n");
        }
        if o.ci {
            let mut t = "Sample\tSignature\testimate\tlower\tupper\tselected_fraction".to_string();
            for (j, s) in samples.iter().enumerate() {
                for (i, n) in sig_names.iter().enumerate() {
                    let e = h[j][i];
                    t.push_str(&format!(
                        "\n{s}\t{n}\t{e:.1}\t{:.1}\t{:.1}\t0.9",
                        (e * 0.8).floor(),
                        (e * 1.2).ceil()
                    ));
                }
            }
            wr("exposures_ci.tsv", t + "\n");
        }
        let summary = if o.command == "extract" {
            serde_json::json!({
                "schema_version": 1, "tool": "mutasig", "version": "0.1.0", "command": "extract",
                "input": "cohort.tsv", "input_sha256": "ab12", "context": "SBS96",
                "samples": o.samples + 2, "samples_used": o.samples,
                "dropped_samples": ["empty_1", "<b>bold</b>"],
                "reference": "COSMIC v3.4 SBS96 GRCh37",
                "warnings": ["dropped 2 sample(s) with no mutations: empty_1, <b>bold</b>"],
                "parameters": {"min_rank": 1, "max_rank": o.k + 5, "replicates": 100,
                    "resample": true, "normalization": "gmm", "objective": "kl",
                    "solver": "auto", "init": "random", "mu_warmup": 50, "extrapolate": true,
                    "tolerance": 1e-6, "max_iter": 20000,
                    "selection": {"min_stability_mean": 0.8, "min_stability_min": 0.2, "alpha": 0.05},
                    "consensus": {"restarts": 20, "max_passes": 50}, "seed": 7,
                    "cosmic": "v3.4", "genome": "GRCh37", "exome": false, "signatures": null},
                "normalization_applied": "cap:9600",
                "decomposition": {"criterion": "l2", "add_threshold": 0.05,
                    "remove_threshold": 0.01, "pseudo_count": 5000.0,
                    "matched_threshold": 0.95, "decomposed_threshold": 0.9},
                "selected_rank": o.k,
                "selection": {"selected": o.k, "fallback": false,
                    "reason": "largest rank with stability_min >= 0.2 not worse than k-1 <p>",
                    "candidates": [o.k - 1, o.k],
                    "comparisons": [{"k": o.k - 1, "reference_k": o.k, "u": 12.0,
                        "p_value": 0.01, "median_error": 0.2, "reference_median_error": 0.1,
                        "significantly_worse": true}]},
                "ranks": [],
                "outputs": ["signatures.tsv"],
                "run": {"command_line": ["mutasig", "extract", "cohort.tsv", "-o", "out"],
                    "threads": 2, "seconds": 12.5}
            })
        } else {
            serde_json::json!({
                "schema_version": 1, "tool": "mutasig", "version": "0.1.0", "command": "assign",
                "input": "cohort.tsv", "input_sha256": "ab12", "context": "SBS96",
                "reference": "COSMIC_v3.4_SBS_GRCh37.txt",
                "parameters": {"criterion": "likelihood", "add_threshold": 0.05,
                    "remove_threshold": 0.01, "background": ["SBS1", "SBS5"],
                    "groups": [], "bootstrap": if o.ci { 100 } else { 0 }, "seed": 3,
                    "overdispersion": true, "min_l2_gain": 0.0,
                    "include": [], "exclude": ["SBS25"],
                    "cosmic": "v3.4", "genome": "GRCh37", "exome": false, "signatures": null},
                "samples": o.samples, "samples_used": o.samples, "dropped_samples": [],
                "warnings": [], "outputs": ["exposures.tsv"],
                "run": {"command_line": ["mutasig", "assign"], "threads": 2, "seconds": 1.0}
            })
        };
        wr(
            "summary.json",
            serde_json::to_string_pretty(&summary).unwrap(),
        );
    }

    fn fixture(o: &Fixture) -> tempfile::TempDir {
        let d = tempfile::tempdir().unwrap();
        write_fixture(d.path(), o);
        d
    }

    fn extract_fixture() -> tempfile::TempDir {
        fixture(&Fixture {
            command: "extract",
            samples: 12,
            k: 3,
            hostile: true,
            ci: false,
        })
    }

    #[test]
    fn base64_matches_rfc4648_vectors() {
        for (i, o) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(i.as_bytes()), o);
        }
    }

    #[test]
    fn table_rows_must_match_header() {
        assert!(parse_table("x.tsv", "a\tb\n1\t2\n").is_ok());
        let e = parse_table("x.tsv", "a\tb\n1\t2\t3\n").unwrap_err();
        assert!(e.to_string().contains("line 2"), "{e}");
        let e = parse_matrix("x.tsv", "a\tb\nr\tNA\n").unwrap_err();
        assert!(e.to_string().contains("not a finite number"), "{e}");
    }

    #[test]
    fn missing_summary_is_a_typed_error() {
        let d = tempfile::tempdir().unwrap();
        assert!(matches!(render(d.path()), Err(ReportError::Missing(_))));
        std::fs::write(d.path().join("summary.json"), "{\"tool\":\"x\"}").unwrap();
        assert!(matches!(render(d.path()), Err(ReportError::Parse { .. })));
    }

    /// Checks that `html` is well-formed XML (we emit XHTML-compatible markup).
    fn parses(html: &str) -> roxmltree::Document<'_> {
        let opt = roxmltree::ParsingOptions {
            allow_dtd: true,
            ..Default::default()
        };
        roxmltree::Document::parse_with_options(html, opt)
            .unwrap_or_else(|e| panic!("report is not well-formed: {e}"))
    }

    #[test]
    fn votes_line_names_every_criterion_and_the_ambiguity() {
        use crate::extract::rank::{RankSelection, SelectRule, Votes};
        let mut s = RankSelection {
            selected: 6,
            rule: SelectRule::Combined,
            votes: Votes {
                stability: 5,
                cophenetic: None,
                likelihood: Some(6),
            },
            plausible: vec![6],
            ambiguous: false,
            likelihood: Vec::new(),
            admitted: Vec::new(),
            candidates: vec![5, 6],
            comparisons: Vec::new(),
            fallback: false,
            reason: String::new(),
        };
        assert_eq!(
            votes_text(&s),
            "rule combined; votes: stability 5, cophenetic none, held-out likelihood 6"
        );
        s.plausible = vec![5, 6];
        s.ambiguous = true;
        assert!(
            votes_text(&s)
                .ends_with("; ambiguous: ranks 5, 6 are equally plausible by held-out likelihood"),
            "{}",
            votes_text(&s)
        );
        s.admitted = vec![7];
        assert!(
            votes_text(&s)
                .contains("one unstable signature (held-out likelihood > 3 SE better): 7")
        );
    }

    #[test]
    fn extract_report_has_every_section_and_parses() {
        let d = extract_fixture();
        let html = render(d.path()).unwrap();
        let doc = parses(&html);
        let ids: Vec<&str> = doc
            .descendants()
            .filter_map(|n| n.attribute("id"))
            .collect();
        for id in [
            "summary",
            "warnings",
            "rank-selection",
            "signatures",
            "exposures",
            "exposure-table",
            "fit-quality",
            "fit-table",
            "methods",
            "parameters",
            "citations",
            "sig-SBS96A",
            "sig-SBS96C",
            "cosmic-table",
        ] {
            assert!(ids.contains(&id), "missing id {id}");
        }
        // One inline SVG per signature, the rank plot, the heatmap, the exposures and 3 worst fits.
        let svgs = doc
            .descendants()
            .filter(|n| n.tag_name().name() == "svg")
            .count();
        assert_eq!(svgs, 3 + 1 + 1 + 1 + 3);
        assert!(html.contains("Lee &amp; Seung") || html.contains("Lee & Seung"));
        assert!(html.contains("578, 94–101 (2020)"));
        // The reason of the selected rank, escaped.
        assert!(html.contains("k-1 &lt;p&gt;"));
        // The highlighted (selected) row of the rank table is rank 3.
        let sel = doc
            .descendants()
            .find(|n| n.attribute("class") == Some("selected"))
            .unwrap();
        assert_eq!(sel.first_element_child().and_then(|c| c.text()), Some("3"));
        // The methods paragraph reports ranks tried, replicates, objective and seed.
        let m = doc
            .descendants()
            .find(|n| n.attribute("id") == Some("methods-text"))
            .unwrap();
        let txt: String = m.descendants().filter_map(|n| n.text()).collect();
        for want in [
            "Ranks 1 to 5",
            "100 NMF replicates",
            "Kullback",
            "seed was 7",
            "0.1.0",
        ] {
            assert!(txt.contains(want), "methods lacks {want}: {txt}");
        }
        // Capped ranks produce a warning (max_rank 8 requested, 5 tried).
        assert!(html.contains("ranks capped"));
    }

    #[test]
    fn hostile_names_are_escaped() {
        let d = extract_fixture();
        let html = render(d.path()).unwrap();
        assert!(html.contains("&lt;script&gt;alert(1)&lt;"));
        assert!(!html.contains("<script>alert"));
        assert!(!html.contains("<b>bold"));
        assert!(html.contains("a&amp;b"));
        // The only script elements are ours: table sorting, the sample data and its viewer.
        assert_eq!(html.matches("<script").count(), 3);
        assert_eq!(html.matches("</script").count(), 3);
        let doc = parses(&html);
        let cells: Vec<&str> = doc
            .descendants()
            .filter(|n| n.tag_name().name() == "td")
            .filter_map(|n| n.text())
            .collect();
        assert!(cells.contains(&"<script>alert(1)</script>"));
    }

    #[test]
    fn no_network_references() {
        let d = extract_fixture();
        let html = render(d.path()).unwrap();
        let doc = parses(&html);
        for n in doc.descendants() {
            for a in n.attributes() {
                if matches!(a.name(), "src" | "href") {
                    let v = a.value().to_ascii_lowercase();
                    assert!(
                        v.starts_with('#') || v.starts_with("data:"),
                        "external reference {}={}",
                        a.name(),
                        a.value()
                    );
                }
            }
        }
        assert!(!html.contains("@import") && !html.contains("url(http"));
    }

    #[test]
    fn assign_report_with_intervals() {
        let d = fixture(&Fixture {
            command: "assign",
            samples: 8,
            k: 4,
            hostile: false,
            ci: true,
        });
        let html = render(d.path()).unwrap();
        let doc = parses(&html);
        let ids: Vec<&str> = doc
            .descendants()
            .filter_map(|n| n.attribute("id"))
            .collect();
        for id in [
            "summary",
            "signatures",
            "exposures",
            "fit-quality",
            "intervals",
            "methods",
        ] {
            assert!(ids.contains(&id), "missing id {id}");
        }
        assert!(!ids.contains(&"rank-selection"));
        assert!(html.contains("likelihood-based refitting"));
        assert!(html.contains("100 bootstrap"));
        assert!(html.contains("Exposures of 8 samples"));
    }

    #[test]
    fn summary_only_folder_renders() {
        let d = tempfile::tempdir().unwrap();
        std::fs::write(
            d.path().join("summary.json"),
            r#"{"schema_version":1,"tool":"mutasig","version":"0.1.0","command":"assign",
                "input":"x.tsv","input_sha256":"00","context":"SBS96","reference":"r",
                "samples":0,"samples_used":0,"dropped_samples":[],"warnings":[],"outputs":[],
                "run":{"command_line":[],"threads":1,"seconds":0.0},
                "parameters":{"criterion":"l2","add_threshold":0.05,"remove_threshold":0.01,
                "background":[],"groups":[],"bootstrap":0,"seed":1,"overdispersion":false,
                "min_l2_gain":0.0,"include":[],"exclude":[],"cosmic":"v3.6","genome":"GRCh37",
                "exome":false,"signatures":null,"zeta":{"x":1},"alpha":"<i>"}}"#,
        )
        .unwrap();
        let html = render(d.path()).unwrap();
        parses(&html);
        assert!(html.contains("zeta.x"));
        assert!(html.contains("&lt;i&gt;"));
    }

    #[test]
    fn large_cohort_inlines_png_exposures() {
        let d = fixture(&Fixture {
            command: "extract",
            samples: 400,
            k: 4,
            hostile: false,
            ci: false,
        });
        let html = render(d.path()).unwrap();
        assert!(html.contains("data:image/png;base64,iVBORw0KGgo"));
        assert!(html.len() < 3_000_000, "{}", html.len());
        parses(&html);
    }

    /// Timing of `build` (report + every figure) for 2,000 samples × 10 signatures.
    /// Run: `cargo test --release --lib -- --ignored --nocapture report_timing`.
    #[test]
    #[ignore = "timing; run in release with --nocapture"]
    fn report_timing_2000_samples() {
        let d = fixture(&Fixture {
            command: "extract",
            samples: 2000,
            k: 10,
            hostile: false,
            ci: false,
        });
        let t = std::time::Instant::now();
        let html = render(d.path()).unwrap();
        let t_html = t.elapsed();
        let t = std::time::Instant::now();
        let svg = crate::report::figures::figures(d.path(), Format::Svg).unwrap();
        let t_svg = t.elapsed();
        let t = std::time::Instant::now();
        let png = crate::report::figures::figures(d.path(), Format::Png).unwrap();
        let t_png = t.elapsed();
        let bytes = |v: &[(String, Vec<u8>)]| v.iter().map(|(_, b)| b.len()).sum::<usize>();
        eprintln!(
            "2000x10: render {:.3}s ({} KB html), figures svg {:.3}s ({} files, {} KB), png {:.3}s ({} KB)",
            t_html.as_secs_f64(),
            html.len() / 1024,
            t_svg.as_secs_f64(),
            svg.len(),
            bytes(&svg) / 1024,
            t_png.as_secs_f64(),
            bytes(&png) / 1024
        );
        if let Ok(p) = std::env::var("REPORT_OUT") {
            std::fs::write(p, &html).unwrap();
        }
        parses(&html);
        // ~2.5 MB of tables and figures plus ~1.7 MB of per-sample data (docs/report.md)
        assert!(html.len() < 6_000_000, "html too large: {}", html.len());
    }
}
