//! Every figure of a mutasig output folder, drawn from the folder's files with [`crate::report::plot`].

use crate::numeric::cosine;
use crate::read::written::{parse_matrix, parse_num, parse_table};
use crate::report::plot::{self, ExposureScale, Format, RankPoint, saturate, saturating_sum};
use crate::report::{Folder, ReportError};
use std::collections::{HashMap, HashSet};
use std::path::Path;

/// How many worst-fitting samples get a reconstruction plot.
const N_RECONSTRUCTIONS: usize = 3;
/// How many samples (most mutations first) get a bootstrap-interval plot.
const N_INTERVALS: usize = 3;
/// Above this many samples the HTML report inlines the exposure plot as PNG.
const PNG_EXPOSURES_ABOVE: usize = 300;
/// Longest stem of a figure file name.
const MAX_STEM: usize = 80;

/// What a figure shows (lets the report place it).
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum FigKind {
    /// Spectrum of the named signature.
    Spectrum(String),
    /// All signatures stacked.
    Panel,
    /// Exposures; the string describes the sample order.
    Exposures(String),
    /// Rank selection.
    Rank,
    /// De novo × de novo cosine heatmap.
    Heatmap,
    /// Observed vs reconstructed spectrum of a badly fitted sample.
    Reconstruction,
    /// Bootstrap intervals of one sample.
    Interval,
    /// `--groups`: one signature's exposure by group.
    GroupBox(String),
    /// `--groups`: relative exposures with a group annotation bar.
    GroupHeatmap,
}

/// One drawn figure.
#[derive(Clone, Debug)]
pub(crate) struct Fig {
    /// File name under `plots/` (sanitized, unique).
    pub file: String,
    /// What it shows.
    pub kind: FigKind,
    /// Caption.
    pub title: String,
    /// Image bytes.
    pub bytes: Vec<u8>,
    /// Format of `bytes`.
    pub format: Format,
}

/// Every figure of the output folder `dir` as (file name relative to `plots/`, bytes): one
/// spectrum per signature, the signature panel, exposures, rank selection and the de novo cosine
/// heatmap (extract), reconstructions of the worst-fitting samples and bootstrap intervals (when
/// `exposures_ci.tsv` exists). Figures whose input files are absent are skipped.
pub fn figures(dir: &Path, format: Format) -> Result<Vec<(String, Vec<u8>)>, ReportError> {
    let folder = Folder::load(dir)?;
    Ok(make(&folder, format, false)?
        .into_iter()
        .map(|f| (f.file, f.bytes))
        .collect())
}

/// A file-name-safe version of `name`: ASCII alphanumerics, `-`, `_` and `.` kept (no leading
/// dot), everything else `_`, at most [`MAX_STEM`] characters.
pub(crate) fn sanitize(name: &str) -> String {
    let mut s: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '_'
            }
        })
        .take(MAX_STEM)
        .collect();
    while s.starts_with('.') {
        s.replace_range(0..1, "_");
    }
    if s.is_empty() {
        s.push('_');
    }
    s
}

/// Hands out unique file names (a collision after sanitizing gets `_2`, `_3`, ...).
struct Names {
    used: HashSet<String>,
    ext: &'static str,
}

impl Names {
    fn get(&mut self, stem: &str) -> String {
        let ext = self.ext;
        self.get_ext(stem, ext)
    }
    fn get_ext(&mut self, stem: &str, ext: &str) -> String {
        let mut name = format!("{stem}.{ext}");
        let mut i = 2;
        while !self.used.insert(name.to_ascii_lowercase()) {
            name = format!("{stem}_{i}.{ext}");
            i += 1;
        }
        name
    }
}

fn ext(f: Format) -> &'static str {
    match f {
        Format::Svg => "svg",
        Format::Png => "png",
    }
}

/// Sample order for the exposure plot: by dominant signature (in signature order), then by total
/// mutations descending; samples with no exposure last. Ties keep the file order.
pub(crate) fn exposure_order(values: &[Vec<f64>]) -> Vec<usize> {
    let key = |v: &Vec<f64>| {
        let total: f64 = v.iter().sum();
        let dom = v
            .iter()
            .enumerate()
            .filter(|(_, x)| **x > 0.0)
            .fold(None, |b: Option<(usize, f64)>, (i, x)| match b {
                Some((_, bx)) if bx >= *x => b,
                _ => Some((i, *x)),
            })
            .map(|(i, _)| i)
            .unwrap_or(usize::MAX);
        (dom, total)
    };
    let keys: Vec<(usize, f64)> = values.iter().map(key).collect();
    let mut idx: Vec<usize> = (0..values.len()).collect();
    idx.sort_by(|&a, &b| {
        keys[a]
            .0
            .cmp(&keys[b].0)
            .then(keys[b].1.total_cmp(&keys[a].1))
    });
    idx
}

/// Channel labels (catalogue order), (exposure row, catalogue column) pairs, reconstructions.
pub(crate) type Recons = (Vec<String>, Vec<(usize, usize)>, Vec<Vec<f64>>);

/// Reconstruction of every sample: for sample `j` of the exposure table, the catalogue column and
/// `W h_j` in catalogue channel order. `None` when the tables cannot be aligned (a catalogue channel
/// absent from signatures.tsv, or exposure to a signature absent from it).
pub(crate) fn reconstructions(f: &Folder) -> Option<Recons> {
    let (cat, sig, exp) = (
        f.catalogue.as_ref()?,
        f.signatures.as_ref()?,
        f.exposures.as_ref()?,
    );
    let sig_row: HashMap<&str, usize> = sig
        .rows
        .iter()
        .enumerate()
        .map(|(i, s)| (s.as_str(), i))
        .collect();
    let rows: Vec<usize> = cat
        .rows
        .iter()
        .map(|c| sig_row.get(c.as_str()).copied())
        .collect::<Option<_>>()?;
    let sig_col: HashMap<&str, usize> = sig
        .cols
        .iter()
        .enumerate()
        .map(|(i, s)| (s.as_str(), i))
        .collect();
    let map: Vec<Option<usize>> = exp
        .cols
        .iter()
        .map(|c| sig_col.get(c.as_str()).copied())
        .collect();
    let cat_col: HashMap<&str, usize> = cat
        .cols
        .iter()
        .enumerate()
        .map(|(i, s)| (s.as_str(), i))
        .collect();
    let mut pairs = Vec::new();
    let mut recs = Vec::new();
    for (j, s) in exp.rows.iter().enumerate() {
        let Some(&cj) = cat_col.get(s.as_str()) else {
            continue;
        };
        let h = &exp.values[j];
        if h.iter().zip(&map).any(|(x, m)| *x > 0.0 && m.is_none()) {
            return None;
        }
        // saturating: products and sums of huge values from edited files must stay finite
        let rec: Vec<f64> = rows
            .iter()
            .map(|&r| {
                saturating_sum(
                    h.iter()
                        .zip(&map)
                        .filter_map(|(x, m)| m.map(|c| x * sig.values[r][c])),
                )
            })
            .collect();
        pairs.push((j, cj));
        recs.push(rec);
    }
    Some((cat.rows.clone(), pairs, recs))
}

/// A mutation count for a title: whole number, scientific from 1e15 on, never inf or NaN.
fn count_text(x: f64) -> String {
    let x = saturate(x);
    if x.abs() < 1e15 {
        format!("{x:.0}")
    } else {
        format!("{x:.3e}")
    }
}

/// Draws every figure. `html`: the report's variant (SVG everywhere except a PNG exposure plot
/// for large cohorts; no signature panel, the report shows each spectrum next to its facts).
pub(crate) fn make(f: &Folder, format: Format, html: bool) -> Result<Vec<Fig>, ReportError> {
    let mut names = Names {
        used: HashSet::new(),
        ext: ext(format),
    };
    let mut out = Vec::new();
    let push = |out: &mut Vec<Fig>,
                file: String,
                kind: FigKind,
                title: String,
                fmt: Format,
                r: Result<Vec<u8>, plot::PlotError>|
     -> Result<(), ReportError> {
        let bytes = r.map_err(|source| ReportError::Plot {
            figure: file.clone(),
            source,
        })?;
        out.push(Fig {
            file,
            kind,
            title,
            bytes,
            format: fmt,
        });
        Ok(())
    };

    if let Some(sig) = &f.signatures {
        let mut panel = Vec::new();
        for (j, name) in sig.cols.iter().enumerate() {
            let title = f.signature_info(name).title(name);
            let col = sig.column(j);
            let file = names.get(&format!("signature_{}", sanitize(name)));
            let r = plot::spectrum(&sig.rows, &col, &title, true, format);
            push(
                &mut out,
                file,
                FigKind::Spectrum(name.clone()),
                format!("Spectrum of {name} (percent of its mutations per channel)"),
                format,
                r,
            )?;
            panel.push((title, col));
        }
        if !html && !panel.is_empty() {
            let file = names.get("signature_panel");
            let r = plot::signature_panel(&sig.rows, &panel, format);
            push(
                &mut out,
                file,
                FigKind::Panel,
                "All signatures".into(),
                format,
                r,
            )?;
        }
        let cols: Vec<Vec<f64>> = (0..sig.cols.len()).map(|j| sig.column(j)).collect();
        if let Some(reference) = f
            .reference
            .as_ref()
            .filter(|r| r.rows == sig.rows && !r.cols.is_empty())
        {
            // de novo signatures against the COSMIC signatures that match or explain them
            let refs: Vec<Vec<f64>> = (0..reference.cols.len())
                .map(|j| reference.column(j))
                .collect();
            let m: Vec<Vec<f64>> = cols
                .iter()
                .map(|a| refs.iter().map(|b| cosine(a, b)).collect())
                .collect();
            let title = "Cosine similarity: de novo signatures and their closest COSMIC signatures"
                .to_string();
            let file = names.get("signature_cosine");
            let r = plot::cosine_heatmap(&sig.cols, &reference.cols, &m, &title, format);
            push(&mut out, file, FigKind::Heatmap, title, format, r)?;
        } else if f.command == "extract" && sig.cols.len() >= 2 {
            let m: Vec<Vec<f64>> = cols
                .iter()
                .map(|a| cols.iter().map(|b| cosine(a, b)).collect())
                .collect();
            let title = "Cosine similarity between the de novo signatures".to_string();
            let file = names.get("signature_cosine");
            let r = plot::cosine_heatmap(&sig.cols, &sig.cols, &m, &title, format);
            push(&mut out, file, FigKind::Heatmap, title, format, r)?;
        }
    }

    if let Some(e) = &f.exposures
        && !e.rows.is_empty()
        && !e.cols.is_empty()
    {
        let idx = exposure_order(&e.values);
        let samples: Vec<String> = idx.iter().map(|&i| e.rows[i].clone()).collect();
        let values: Vec<Vec<f64>> = idx.iter().map(|&i| e.values[i].clone()).collect();
        let fmt = if html && e.rows.len() > PNG_EXPOSURES_ABOVE {
            Format::Png
        } else {
            format
        };
        let order = "samples grouped by dominant signature, then by total mutations (descending)";
        let title = format!("Signature exposures of {} samples", e.rows.len());
        let file = names.get_ext("exposures", ext(fmt));
        let r = plot::exposures(&samples, &e.cols, &values, ExposureScale::Both, &title, fmt);
        push(
            &mut out,
            file,
            FigKind::Exposures(order.into()),
            title,
            fmt,
            r,
        )?;
    }

    if f.command == "extract"
        && let Some(t) = &f.ranks
        && let Some(k) = f.selected_rank()
    {
        let rows: Vec<RankPoint> = (0..t.rows.len())
            .filter_map(|r| {
                Some(RankPoint {
                    rank: t.rows[r][0].trim().parse().ok()?,
                    stability_mean: t.num(r, "stability_mean"),
                    stability_min: t.num(r, "stability_min"),
                    reconstruction_error: t.num(r, "reconstruction_error"),
                    cophenetic: t.num(r, "cophenetic"),
                })
            })
            .collect();
        if !rows.is_empty() {
            let file = names.get("rank_selection");
            let r = plot::rank_selection(&rows, k, format);
            push(
                &mut out,
                file,
                FigKind::Rank,
                format!("Rank selection (selected rank {k})"),
                format,
                r,
            )?;
        }
    }

    if let Some((labels, pairs, recs)) = reconstructions(f) {
        let cat = f.catalogue.as_ref().expect("checked by reconstructions");
        let exp = f.exposures.as_ref().expect("checked by reconstructions");
        // Worst fits: lowest cosine in fit_quality.tsv, else the cosine computed here.
        let fit_cos: HashMap<&str, f64> = f
            .fit
            .as_ref()
            .map(|t| {
                (0..t.rows.len())
                    .map(|r| (t.rows[r][0].as_str(), t.num(r, "cosine")))
                    .collect()
            })
            .unwrap_or_default();
        let mut scored: Vec<(f64, usize)> = pairs
            .iter()
            .enumerate()
            .map(|(p, &(j, cj))| {
                let obs = cat.column(cj);
                let c = fit_cos
                    .get(exp.rows[j].as_str())
                    .copied()
                    .filter(|c| c.is_finite())
                    .unwrap_or_else(|| cosine(&obs, &recs[p]));
                (c, p)
            })
            .collect();
        scored.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        for &(_, p) in scored.iter().take(N_RECONSTRUCTIONS) {
            let (j, cj) = pairs[p];
            let name = &exp.rows[j];
            let obs = cat.column(cj);
            let title = name.clone();
            let file = names.get(&format!("reconstruction_{}", sanitize(name)));
            let r = plot::reconstruction(&labels, &obs, &recs[p], &title, format);
            push(
                &mut out,
                file,
                FigKind::Reconstruction,
                format!("{name}: observed, reconstructed and residual spectrum"),
                format,
                r,
            )?;
        }
    }

    if let Some(ci) = &f.ci {
        let totals = f.totals();
        let mut by_sample: Vec<(String, Vec<usize>)> = Vec::new();
        let mut pos: HashMap<&str, usize> = HashMap::new();
        for r in 0..ci.rows.len() {
            let s = ci.rows[r][0].as_str();
            let i = *pos.entry(s).or_insert_with(|| {
                by_sample.push((s.to_string(), Vec::new()));
                by_sample.len() - 1
            });
            by_sample[i].1.push(r);
        }
        let tot = |s: &str| totals.get(s).copied().unwrap_or(0.0);
        let mut order: Vec<usize> = (0..by_sample.len()).collect();
        order.sort_by(|&a, &b| tot(&by_sample[b].0).total_cmp(&tot(&by_sample[a].0)));
        for &i in order.iter().take(N_INTERVALS) {
            let (sample, rows) = &by_sample[i];
            let mut sigs = Vec::new();
            let (mut est, mut lo, mut hi) = (Vec::new(), Vec::new(), Vec::new());
            for &r in rows {
                let e = ci.num(r, "estimate");
                let l = ci.num(r, "lower");
                let u = ci.num(r, "upper");
                let sig = ci.get(r, "signature").unwrap_or_default();
                if !(e.is_finite() && l.is_finite() && u.is_finite()) || (u <= 0.0 && e <= 0.0) {
                    continue;
                }
                // Rounding in the file may put the estimate a hair outside its interval.
                sigs.push(sig.to_string());
                est.push(e);
                lo.push(l.min(e));
                hi.push(u.max(e));
            }
            if sigs.is_empty() {
                continue;
            }
            let title = format!("{sample} ({} mutations)", count_text(tot(sample)));
            let file = names.get(&format!("intervals_{}", sanitize(sample)));
            let r = plot::intervals(&sigs, &est, &lo, &hi, &title, format);
            push(
                &mut out,
                file,
                FigKind::Interval,
                format!("{title}: bootstrap 95% intervals"),
                format,
                r,
            )?;
        }
    }

    // --groups: box/strip plots per signature and the heatmap with a group bar
    out.extend(crate::report::groups::figures(
        f,
        format,
        html,
        &mut |stem, e| names.get_ext(stem, e),
    )?);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::tests::{Fixture, write_fixture};

    #[test]
    fn sanitize_keeps_names_safe() {
        assert_eq!(sanitize("SBS96A"), "SBS96A");
        assert_eq!(sanitize("../etc/passwd"), "_._etc_passwd");
        assert_eq!(sanitize("<script>"), "_script_");
        assert_eq!(sanitize(""), "_");
        assert_eq!(sanitize(&"x".repeat(500)).len(), MAX_STEM);
        let mut n = Names {
            used: HashSet::new(),
            ext: "svg",
        };
        assert_eq!(n.get("a_b"), "a_b.svg");
        assert_eq!(n.get("a_b"), "a_b_2.svg");
        assert_eq!(n.get("A_B"), "A_B_3.svg");
    }

    #[test]
    fn exposure_order_groups_by_dominant_then_total() {
        let v = vec![
            vec![1.0, 5.0], // dom 1, total 6
            vec![9.0, 1.0], // dom 0, total 10
            vec![0.0, 0.0], // none
            vec![3.0, 0.0], // dom 0, total 3
            vec![2.0, 9.0], // dom 1, total 11
        ];
        assert_eq!(exposure_order(&v), vec![1, 3, 4, 0, 2]);
    }

    #[test]
    fn figure_set_of_an_extract_folder() {
        let d = tempfile::tempdir().unwrap();
        write_fixture(
            d.path(),
            &Fixture {
                command: "extract",
                samples: 10,
                k: 3,
                hostile: true,
                ci: false,
            },
        );
        let figs = figures(d.path(), Format::Svg).unwrap();
        let names: Vec<&str> = figs.iter().map(|(n, _)| n.as_str()).collect();
        for want in [
            "signature_SBS96A.svg",
            "signature_SBS96B.svg",
            "signature_SBS96C.svg",
            "signature_panel.svg",
            "signature_cosine.svg",
            "exposures.svg",
            "rank_selection.svg",
        ] {
            assert!(names.contains(&want), "missing {want} in {names:?}");
        }
        assert_eq!(
            names
                .iter()
                .filter(|n| n.starts_with("reconstruction_"))
                .count(),
            3
        );
        for (n, b) in &figs {
            assert!(
                n.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c)),
                "{n}"
            );
            let s = std::str::from_utf8(b).unwrap();
            roxmltree::Document::parse(s).unwrap_or_else(|e| panic!("{n}: {e}"));
        }
        let png = figures(d.path(), Format::Png).unwrap();
        assert_eq!(png.len(), figs.len());
        assert!(
            png.iter()
                .all(|(n, b)| n.ends_with(".png") && b.starts_with(b"\x89PNG"))
        );
    }

    #[test]
    fn worst_fits_are_the_lowest_cosines_of_fit_quality() {
        let d = tempfile::tempdir().unwrap();
        write_fixture(
            d.path(),
            &Fixture {
                command: "extract",
                samples: 10,
                k: 3,
                hostile: false,
                ci: false,
            },
        );
        let f = Folder::load(d.path()).unwrap();
        let t = f.fit.as_ref().unwrap();
        let mut c: Vec<(f64, String)> = (0..t.rows.len())
            .map(|r| (t.num(r, "cosine"), t.rows[r][0].clone()))
            .collect();
        c.sort_by(|a, b| a.0.total_cmp(&b.0));
        let want: Vec<String> = c[..3]
            .iter()
            .map(|(_, s)| format!("reconstruction_{s}.svg"))
            .collect();
        let got: Vec<String> = make(&f, Format::Svg, false)
            .unwrap()
            .into_iter()
            .filter(|x| x.kind == FigKind::Reconstruction)
            .map(|x| x.file)
            .collect();
        assert_eq!(got, want);
    }

    #[test]
    fn reconstruction_is_signatures_times_exposures() {
        let d = tempfile::tempdir().unwrap();
        write_fixture(
            d.path(),
            &Fixture {
                command: "assign",
                samples: 4,
                k: 2,
                hostile: false,
                ci: false,
            },
        );
        let f = Folder::load(d.path()).unwrap();
        let (labels, pairs, recs) = reconstructions(&f).unwrap();
        let (w, e) = (
            f.signatures.as_ref().unwrap(),
            f.exposures.as_ref().unwrap(),
        );
        assert_eq!(labels, f.catalogue.as_ref().unwrap().rows);
        let (j, _) = pairs[2];
        for (c, lab) in labels.iter().enumerate() {
            let r = w.rows.iter().position(|x| x == lab).unwrap();
            let want = w.values[r][0] * e.values[j][0] + w.values[r][1] * e.values[j][1];
            assert!((recs[2][c] - want).abs() < 1e-9);
        }
        // Reconstructed totals equal the exposure totals (signature columns sum to 1).
        let tot: f64 = recs[2].iter().sum();
        let want: f64 = e.values[j].iter().sum();
        assert!((tot - want).abs() < 1e-3 * want.max(1.0), "{tot} vs {want}");
    }

    #[test]
    fn intervals_for_the_samples_with_most_mutations() {
        let d = tempfile::tempdir().unwrap();
        write_fixture(
            d.path(),
            &Fixture {
                command: "assign",
                samples: 6,
                k: 3,
                hostile: false,
                ci: true,
            },
        );
        let f = Folder::load(d.path()).unwrap();
        let tot = f.totals();
        let mut s: Vec<(&String, &f64)> = tot.iter().collect();
        s.sort_by(|a, b| b.1.total_cmp(a.1));
        let want: Vec<String> = s[..3]
            .iter()
            .map(|(n, _)| format!("intervals_{n}.svg"))
            .collect();
        let got: Vec<String> = make(&f, Format::Svg, false)
            .unwrap()
            .into_iter()
            .filter(|x| x.kind == FigKind::Interval)
            .map(|x| x.file)
            .collect();
        assert_eq!(got, want);
    }
}

/// What `mutasig plot` should draw from a table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum PlotRequest {
    /// Decide from the header: `rank` → rank selection, `Sample` (mutasig) or `Samples`
    /// (SigProfiler's activities) → exposures, channel
    /// labels → one spectrum per column.
    Auto,
    /// One spectrum per column of a catalogue or signature matrix.
    Spectrum,
    /// All columns of a catalogue or signature matrix stacked in one figure.
    Panel,
    /// Stacked exposure bars of a `Sample` × signature table.
    Exposures,
    /// The rank-selection plot of a `rank_selection.tsv`.
    Rank,
}

/// Draw a table file (`-` = standard input) as figures: (file name, bytes).
pub fn plot_file(
    path: &str,
    request: PlotRequest,
    format: Format,
) -> Result<Vec<(String, Vec<u8>)>, ReportError> {
    use crate::read::table::{ValueKind, parse, read_text};
    // streamed, checked as UTF-8 text, comment lines emptied (so never taken for the header)
    let text = String::from_utf8(read_text(path)?.bytes).expect("read_text checks UTF-8");
    let bytes = text.as_bytes();
    let mut labels = text
        .trim_start_matches('\u{feff}')
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.split('\t').next().unwrap_or("").trim().to_string());
    let first = labels.next().unwrap_or_default();
    // `Samples`: SigProfilerExtractor's and SigProfilerAssignment's activities (a
    // catalogue whose label column is called `Samples` has channels as rows)
    let activities = first == "Samples"
        && labels
            .next()
            .is_some_and(|l| crate::Context::detect(&l).is_none());
    let request = match request {
        PlotRequest::Auto if first == "rank" => PlotRequest::Rank,
        PlotRequest::Auto if first == "Sample" || activities => PlotRequest::Exposures,
        PlotRequest::Auto => PlotRequest::Spectrum,
        r => r,
    };
    let e = ext(format);
    let stem = sanitize(
        &std::path::Path::new(path)
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "table".into()),
    );
    match request {
        PlotRequest::Rank => {
            let t = parse_table(path, &text)?;
            let col = |name: &str| t.header.iter().position(|h| h == name);
            let get = |r: &Vec<String>, name: &str| {
                col(name).map(|c| parse_num(&r[c])).unwrap_or(f64::NAN)
            };
            let mut selected = None;
            let rows: Vec<plot::RankPoint> = t
                .rows
                .iter()
                .map(|r| {
                    let k = get(r, "rank") as usize;
                    if col("selected").is_some_and(|c| r[c] == "true") {
                        selected = Some(k);
                    }
                    plot::RankPoint {
                        rank: k,
                        stability_mean: get(r, "stability_mean"),
                        stability_min: get(r, "stability_min"),
                        reconstruction_error: get(r, "reconstruction_error"),
                        cophenetic: get(r, "cophenetic"),
                    }
                })
                .collect();
            let sel = selected
                .or_else(|| rows.first().map(|r| r.rank))
                .ok_or_else(|| ReportError::Invalid(format!("{path}: no rank rows")))?;
            Ok(vec![(
                format!("{stem}.{e}"),
                plot::rank_selection(&rows, sel, format)?,
            )])
        }
        PlotRequest::Exposures => {
            let m = parse_matrix(path, &text)?;
            let title = format!("Exposures ({} samples)", m.rows.len());
            let bytes = plot::exposures(
                &m.rows,
                &m.cols,
                &m.values,
                plot::ExposureScale::Both,
                &title,
                format,
            )?;
            Ok(vec![(format!("{stem}.{e}"), bytes)])
        }
        PlotRequest::Spectrum | PlotRequest::Panel | PlotRequest::Auto => {
            // a signature matrix (columns sum to 1) is drawn in percent, a catalogue in counts
            let (t, percent) = match parse(path, bytes, ValueKind::Probabilities) {
                Ok(t) => (t, true),
                Err(_) => (parse(path, bytes, ValueKind::Counts)?, false),
            };
            let labels = t.context.labels();
            let column = |j: usize| -> Vec<f64> { t.values.col(j).iter().copied().collect() };
            if request == PlotRequest::Panel {
                let sigs: Vec<(String, Vec<f64>)> = t
                    .columns
                    .iter()
                    .enumerate()
                    .map(|(j, n)| (n.clone(), column(j)))
                    .collect();
                return Ok(vec![(
                    format!("{stem}_panel.{e}"),
                    plot::signature_panel(labels, &sigs, format)?,
                )]);
            }
            let mut names = Names {
                used: HashSet::new(),
                ext: e,
            };
            t.columns
                .iter()
                .enumerate()
                .map(|(j, n)| {
                    let file = names.get(&sanitize(n));
                    Ok((
                        file,
                        plot::spectrum(labels, &column(j), n, percent, format)?,
                    ))
                })
                .collect()
        }
    }
}
