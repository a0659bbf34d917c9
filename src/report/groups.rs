//! The Groups section of the report and its figures (`--groups`), from the folder's
//! `group_differences.tsv`, `sample_groups.tsv`, `exposures.tsv` and the `groups` part of
//! summary.json.

use super::figures::{Fig, FigKind, sanitize};
use super::plot::{self, Format};
use super::{Folder, HtmlFigure, HtmlRow, HtmlTable, ReportError, Table, html_figure};
use serde::Serialize;
use std::collections::HashMap;

/// Significance level of the highlighted rows.
const Q_HIGHLIGHT: f64 = 0.05;
/// The report inlines the box plots of this many signatures (smallest p first); plots/
/// has all of them.
const INLINED_BOXES: usize = 12;
/// Above this many compared samples the report inlines the group figures as PNG (plots/
/// keeps the requested format), as it does for the exposure plot.
const PNG_ABOVE: usize = 300;

/// What the template shows in the Groups section.
#[derive(Serialize, Debug)]
pub(crate) struct GroupsSection {
    /// The sheet, the groups with sizes, the test.
    facts: Vec<(String, String)>,
    /// `group_differences.tsv`, rows with q < 0.05 highlighted.
    table: HtmlTable,
    /// Signatures with q < 0.05 on either measure.
    significant: Vec<String>,
    heatmap: Option<HtmlFigure>,
    boxes: Vec<HtmlFigure>,
    /// How many box plots plots/ holds (one per signature of the table).
    boxes_total: usize,
}

/// The compared samples' groups, in group order: (group names, sample → group index).
fn membership(f: &Folder, t: &Table) -> (Vec<String>, HashMap<String, usize>) {
    let mut names: Vec<String> = f
        .summary
        .groups
        .as_ref()
        .map(|g| g.groups.iter().map(|x| x.name.clone()).collect())
        .unwrap_or_default();
    let mut member = HashMap::new();
    for r in &t.rows {
        let g = r.get(1).cloned().unwrap_or_default();
        let i = match names.iter().position(|n| *n == g) {
            Some(i) => i,
            None => {
                names.push(g);
                names.len() - 1
            }
        };
        member.insert(r[0].clone(), i);
    }
    (names, member)
}

/// A q-value for a title: three significant digits, scientific below 0.001.
fn q_text(q: f64) -> String {
    if !q.is_finite() {
        "NA".into()
    } else if q >= 1e-3 {
        format!("{q:.3}")
    } else {
        format!("{q:.2e}")
    }
}

/// The figures of a comparison: one box/strip plot per signature (in the order of
/// group_differences.tsv) and the heatmap. None without `--groups` outputs.
pub(crate) fn figures(
    f: &Folder,
    format: Format,
    html: bool,
    name: &mut dyn FnMut(&str, &str) -> String,
) -> Result<Vec<Fig>, ReportError> {
    let (Some(diff), Some(sheet), Some(e)) = (&f.group_differences, &f.sample_groups, &f.exposures)
    else {
        return Ok(Vec::new());
    };
    let (groups, member) = membership(f, sheet);
    let ext = |f: Format| match f {
        Format::Svg => "svg",
        Format::Png => "png",
    };
    // compared samples in group order, file order within a group
    let mut samples: Vec<usize> = (0..e.rows.len())
        .filter(|&j| member.contains_key(&e.rows[j]))
        .collect();
    samples.sort_by_key(|&j| member[&e.rows[j]]);
    if samples.is_empty() || groups.is_empty() {
        return Ok(Vec::new());
    }
    let totals: Vec<f64> = e.values.iter().map(|r| r.iter().sum()).collect();
    let rel = |j: usize, s: usize| match totals[j] > 0.0 {
        true => e.values[j][s] / totals[j],
        false => 0.0,
    };
    let fmt = if html && samples.len() > PNG_ABOVE {
        Format::Png
    } else {
        format
    };
    let mut out = Vec::new();
    let plot_err = |file: &str| {
        let figure = file.to_string();
        move |source| ReportError::Plot { figure, source }
    };
    let mut heat_sigs = Vec::new();
    let mut heat_vals = Vec::new();
    for r in 0..diff.rows.len() {
        let sig = &diff.rows[r][0];
        let Some(s) = e.cols.iter().position(|c| c == sig) else {
            continue;
        };
        heat_sigs.push(sig.clone());
        heat_vals.push(samples.iter().map(|&j| rel(j, s)).collect::<Vec<f64>>());
        if html && out.len() >= INLINED_BOXES {
            continue; // the report shows the first few; plots/ gets them all
        }
        let mut absolute = vec![Vec::new(); groups.len()];
        let mut relative = vec![Vec::new(); groups.len()];
        for &j in &samples {
            let g = member[&e.rows[j]];
            absolute[g].push(e.values[j][s]);
            relative[g].push(rel(j, s));
        }
        let title = format!(
            "{sig} by group: q = {} (mutations), {} (fraction of mutations)",
            q_text(diff.num(r, "abs_q")),
            q_text(diff.num(r, "rel_q")),
        );
        // groups without samples cannot be drawn (a hand-edited folder)
        let keep: Vec<usize> = (0..groups.len())
            .filter(|&g| !absolute[g].is_empty())
            .collect();
        let pick = |v: &[Vec<f64>]| keep.iter().map(|&g| v[g].clone()).collect::<Vec<_>>();
        let names: Vec<String> = keep.iter().map(|&g| groups[g].clone()).collect();
        let file = name(&format!("groups_{}", sanitize(sig)), ext(fmt));
        let bytes =
            plot::groups::group_boxes(&names, &pick(&absolute), &pick(&relative), &title, fmt)
                .map_err(plot_err(&file))?;
        out.push(Fig {
            file,
            kind: FigKind::GroupBox(sig.clone()),
            title,
            bytes,
            format: fmt,
        });
    }
    if !heat_sigs.is_empty() {
        let names: Vec<String> = samples.iter().map(|&j| e.rows[j].clone()).collect();
        let m: Vec<usize> = samples.iter().map(|&j| member[&e.rows[j]]).collect();
        let title = format!(
            "Fraction of each sample's mutations per signature, {} samples by group",
            names.len()
        );
        let file = name("groups_heatmap", ext(fmt));
        let bytes =
            plot::groups::group_heatmap(&names, &heat_sigs, &heat_vals, &m, &groups, &title, fmt)
                .map_err(plot_err(&file))?;
        out.push(Fig {
            file,
            kind: FigKind::GroupHeatmap,
            title,
            bytes,
            format: fmt,
        });
    }
    Ok(out)
}

/// The Groups section, when the folder has `group_differences.tsv`; `figs` are the
/// report's group figures (heatmap and box plots, in table order).
pub(crate) fn section(f: &Folder, figs: Vec<Fig>) -> Option<GroupsSection> {
    let t = f.group_differences.as_ref()?;
    let mut facts = Vec::new();
    if let Some(g) = &f.summary.groups {
        facts.push(("Sample sheet".to_string(), g.sheet.clone()));
        facts.push(("Sheet SHA-256".into(), g.sheet_sha256.clone()));
        let sizes: Vec<String> = g
            .groups
            .iter()
            .map(|x| format!("{} ({})", x.name, x.samples))
            .collect();
        facts.push((format!("Groups (column '{}')", g.column), sizes.join(", ")));
        facts.push(("Samples compared".into(), g.samples_compared.to_string()));
        if !g.samples_left_out.is_empty() {
            let n = g.samples_left_out.len();
            facts.push(("Samples left out".into(), n.to_string()));
        }
        let test = match g.test.as_str() {
            "mann_whitney" => {
                "two-sided Wilcoxon rank-sum (Mann–Whitney U); exact when the smaller group has at most 8 samples and there are no ties, else normal approximation with tie and continuity corrections; effect: rank-biserial correlation (positive when the first group is higher)"
            }
            _ => {
                "Kruskal–Wallis H with tie correction, chi-square p-value; effect: ε² = H / (n − 1)"
            }
        };
        facts.push(("Test".into(), test.into()));
        facts.push((
            "Multiple testing".into(),
            "Benjamini–Hochberg q-values across signatures, separately for mutations (abs_) and fractions of the sample's mutations (rel_)".into(),
        ));
    }
    let q = |r: usize, c: &str| t.num(r, c);
    let mut significant = Vec::new();
    let rows = (0..t.rows.len())
        .map(|r| {
            let hit = q(r, "abs_q") < Q_HIGHLIGHT || q(r, "rel_q") < Q_HIGHLIGHT;
            if hit {
                significant.push(t.rows[r][0].clone());
            }
            HtmlRow {
                cells: t.rows[r].clone(),
                highlight: hit,
            }
        })
        .collect();
    let table = HtmlTable::new("group-table", t.header.clone(), rows, true);
    let mut heatmap = None;
    let mut boxes = Vec::new();
    for fig in figs {
        match fig.kind {
            FigKind::GroupHeatmap => heatmap = Some(html_figure(fig)),
            _ => boxes.push(html_figure(fig)),
        }
    }
    let boxes_total = t.rows.len();
    boxes.truncate(INLINED_BOXES);
    Some(GroupsSection {
        facts,
        table,
        significant,
        heatmap,
        boxes,
        boxes_total,
    })
}

/// The methods sentence of a group comparison, from summary.json.
pub(crate) fn methods(f: &Folder) -> Option<String> {
    let g = f.summary.groups.as_ref()?;
    let sizes: Vec<String> = g
        .groups
        .iter()
        .map(|x| format!("{} (n = {})", x.name, x.samples))
        .collect();
    let test = match g.test.as_str() {
        "mann_whitney" => {
            "two-sided Wilcoxon rank-sum (Mann–Whitney U) tests (exact when the smaller group had at most 8 samples and there were no ties, otherwise the normal approximation with tie and continuity corrections; Mann & Whitney, 1947)"
        }
        _ => "Kruskal–Wallis tests with tie correction (Kruskal & Wallis, 1952)",
    };
    Some(format!(
        "Exposures, as mutations attributed and as fractions of each sample's mutations, were compared between the groups {} by {test}; p-values were adjusted across signatures by the Benjamini–Hochberg procedure (Benjamini & Hochberg, 1995), separately for each measure.",
        sizes.join(", ")
    ))
}
