//! Per-sample pages of the report: a searchable index of the samples and, for the selected
//! sample, its observed spectrum, the reconstruction with the residual (observed −
//! reconstructed per channel), the exposures (with the bootstrap 95% intervals of
//! `exposures_ci.tsv` when present), its row of `fit_quality.tsv` and the flags that concern it.
//!
//! Nothing is pre-rendered per sample: the numbers of every sample are inlined once as compact
//! JSON (`<script type="application/json" id="sample-data">`) and the small inline script of
//! `samples.js` draws the selected sample on `<canvas>`. For 2,000 SBS96 samples that is a few
//! MB and loads in about a second (docs/report.md); 2,000 inlined SVG
//! figures would be ~100 MB.

use crate::report::Folder;
use crate::report::figures::reconstructions;
use serde::Serialize;
use std::collections::HashMap;

/// The viewer script (plain JS, no external resource).
const SCRIPT: &str = include_str!("samples.js");
/// A sample whose `fit_quality.tsv` cosine is below this is flagged as poorly reconstructed.
pub(crate) const LOW_COSINE: f64 = 0.90;
/// An assigned signature chosen in fewer than this fraction of the bootstrap replicates is
/// flagged as unstable.
pub(crate) const UNSTABLE_FRACTION: f64 = 0.5;
/// Decimals of the inlined residuals and interval bounds.
const DECIMALS: usize = 2;

/// What the template needs for the "Samples" section.
#[derive(Serialize, Debug)]
pub(crate) struct Pages {
    /// Samples listed.
    pub count: usize,
    /// One row of the index per sample, in file order.
    pub index: Vec<IndexRow>,
    /// The JSON data of every sample, safe to inline in a `<script>` element (`<`, `>` and `&`
    /// written as `\u003c`, `\u003e`, `\u0026`).
    pub data: String,
    /// The viewer script.
    pub script: &'static str,
    /// What this folder lacks, one sentence each (shown above the index).
    pub notes: Vec<String>,
    /// Samples dropped before the analysis (no mutations), not listed.
    pub dropped: usize,
    /// The folder has `exposures_ci.tsv`.
    pub bootstrap: bool,
    /// [`LOW_COSINE`] as text.
    pub low_cosine: String,
    /// [`UNSTABLE_FRACTION`] as a percentage.
    pub unstable: String,
}

/// One line of the sample index.
#[derive(Serialize, Debug)]
pub(crate) struct IndexRow {
    /// Position in the data (`#sample-{i}`).
    pub i: usize,
    pub name: String,
    /// Total mutations, or empty.
    pub total: String,
    /// Cosine of the fit, or empty.
    pub cosine: String,
    /// Number of flags.
    pub flags: usize,
}

/// A number for the inlined data: `dec` decimals, trailing zeros trimmed, `null` if not finite.
fn num(x: f64, dec: usize) -> String {
    if !x.is_finite() {
        return "null".into();
    }
    let mut s = format!("{x:.dec$}");
    if s.contains('.') {
        while s.ends_with('0') {
            s.pop();
        }
        if s.ends_with('.') {
            s.pop();
        }
    }
    if s == "-0" {
        s = "0".into();
    }
    s
}

/// A JSON string literal that is safe inside a `<script>` element and XML.
fn jstr(s: &str) -> String {
    serde_json::to_string(s)
        .expect("a string always serializes")
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
}

fn jarr<T>(v: impl IntoIterator<Item = T>, f: impl Fn(T) -> String) -> String {
    let items: Vec<String> = v.into_iter().map(f).collect();
    format!("[{}]", items.join(","))
}

/// True when `text` names `name` as a whole word (not as part of a longer sample name).
fn mentions(text: &str, name: &str) -> bool {
    if name.is_empty() {
        return false;
    }
    let word = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '-');
    text.match_indices(name).any(|(p, _)| {
        !word(text[..p].chars().next_back()) && !word(text[p + name.len()..].chars().next())
    })
}

/// One sample's numbers as read from the folder.
#[derive(Default)]
struct Sample {
    name: String,
    /// Column of catalogue.tsv.
    cat: Option<usize>,
    /// Row of exposures.tsv.
    exp: Option<usize>,
    /// Row of fit_quality.tsv.
    fit: Option<usize>,
    /// Rows of exposures_ci.tsv.
    ci: Vec<usize>,
    /// Residual, catalogue channel order.
    res: Option<Vec<f64>>,
}

/// The per-sample pages of `f`, or `None` when the folder has no per-sample table.
pub(crate) fn pages(f: &Folder) -> Option<Pages> {
    let mut samples: Vec<Sample> = Vec::new();
    let mut pos: HashMap<String, usize> = HashMap::new();
    let mut at = |name: &str| -> usize {
        *pos.entry(name.to_string()).or_insert_with(|| {
            samples.push(Sample {
                name: name.to_string(),
                ..Default::default()
            });
            samples.len() - 1
        })
    };
    let mut slots: Vec<(usize, u8, usize)> = Vec::new();
    if let Some(e) = &f.exposures {
        slots.extend(e.rows.iter().enumerate().map(|(r, s)| (at(s), 0, r)));
    }
    if let Some(c) = &f.catalogue {
        slots.extend(c.cols.iter().enumerate().map(|(j, s)| (at(s), 1, j)));
    }
    if let Some(t) = &f.fit {
        slots.extend(
            t.rows
                .iter()
                .enumerate()
                .map(|(r, row)| (at(&row[0]), 2, r)),
        );
    }
    if let Some(t) = &f.ci {
        slots.extend(
            t.rows
                .iter()
                .enumerate()
                .map(|(r, row)| (at(&row[0]), 3, r)),
        );
    }
    if samples.is_empty() {
        return None;
    }
    for (s, what, r) in slots {
        let x = &mut samples[s];
        match what {
            0 => x.exp = x.exp.or(Some(r)),
            1 => x.cat = x.cat.or(Some(r)),
            2 => x.fit = x.fit.or(Some(r)),
            _ => x.ci.push(r),
        }
    }
    let recs = reconstructions(f);
    if let (Some((_, pairs, recs)), Some(cat)) = (&recs, &f.catalogue) {
        for (&(j, cj), rec) in pairs.iter().zip(recs) {
            let s = pos[&f.exposures.as_ref().expect("paired").rows[j]];
            samples[s].res = Some(cat.values.iter().zip(rec).map(|(r, x)| r[cj] - x).collect());
        }
    }

    // Signatures: the columns of exposures.tsv, then any further one of exposures_ci.tsv.
    let mut sigs: Vec<String> = f
        .exposures
        .as_ref()
        .map(|e| e.cols.clone())
        .unwrap_or_default();
    let mut sig_pos: HashMap<String, usize> = sigs
        .iter()
        .enumerate()
        .map(|(i, s)| (s.clone(), i))
        .collect();
    let ci_sig = f.ci.as_ref().and_then(|t| t.col("signature"));
    if let (Some(t), Some(c)) = (&f.ci, ci_sig) {
        for row in &t.rows {
            if !sig_pos.contains_key(&row[c]) {
                sig_pos.insert(row[c].clone(), sigs.len());
                sigs.push(row[c].clone());
            }
        }
    }

    let mut notes = Vec::new();
    if f.catalogue.is_none() {
        notes.push("catalogue.tsv is absent: no observed spectra.".to_string());
    }
    if f.exposures.is_none() {
        notes.push("exposures.tsv is absent: no exposures.".into());
    }
    if f.catalogue.is_some() && f.exposures.is_some() && recs.is_none() {
        notes.push(
            "signatures.tsv is absent or does not cover every channel and exposed signature: \
             no reconstructions."
                .into(),
        );
    }
    if f.fit.is_none() {
        notes.push("fit_quality.tsv is absent: no fit statistics.".into());
    }
    if f.ci.is_none() {
        notes.push(
            "No exposures_ci.tsv: no bootstrap intervals (assign --bootstrap N writes them)."
                .into(),
        );
    }

    let fit_cols: Vec<String> = f
        .fit
        .as_ref()
        .map(|t| t.header[1..].to_vec())
        .unwrap_or_default();
    let totals = f.totals();
    let mut index = Vec::with_capacity(samples.len());
    let mut items = Vec::with_capacity(samples.len());
    for (i, s) in samples.iter().enumerate() {
        let flags = flags(f, s);
        let cosine = match (&f.fit, s.fit) {
            (Some(t), Some(r)) => t.get(r, "cosine").unwrap_or_default().to_string(),
            _ => String::new(),
        };
        index.push(IndexRow {
            i,
            name: s.name.clone(),
            total: totals.get(&s.name).map(|t| num(*t, 0)).unwrap_or_default(),
            cosine,
            flags: flags.len(),
        });
        let mut o = vec![format!("\"name\":{}", jstr(&s.name))];
        if let (Some(c), Some(j)) = (&f.catalogue, s.cat) {
            o.push(format!(
                "\"obs\":{}",
                jarr(&c.values, |r| num(r[j], DECIMALS))
            ));
        }
        if let Some(r) = &s.res {
            o.push(format!("\"res\":{}", jarr(r, |x| num(*x, DECIMALS))));
        }
        if let (Some(e), Some(r)) = (&f.exposures, s.exp) {
            o.push(format!(
                "\"exp\":{}",
                jarr(&e.values[r], |x| num(*x, DECIMALS))
            ));
        }
        if let (Some(t), Some(c)) = (&f.ci, ci_sig)
            && !s.ci.is_empty()
        {
            let row = |r: &usize| {
                let n = |k: &str| num(t.num(*r, k), 3);
                format!(
                    "[{},{},{},{},{}]",
                    sig_pos[&t.rows[*r][c]],
                    n("estimate"),
                    n("lower"),
                    n("upper"),
                    n("selected_fraction")
                )
            };
            o.push(format!("\"ci\":{}", jarr(&s.ci, row)));
        }
        if let (Some(t), Some(r)) = (&f.fit, s.fit) {
            o.push(format!("\"fit\":{}", jarr(&t.rows[r][1..], |c| jstr(c))));
        }
        o.push(format!("\"flags\":{}", jarr(&flags, |w| jstr(w))));
        items.push(format!("{{{}}}", o.join(",")));
    }
    let channels = f
        .catalogue
        .as_ref()
        .map(|c| c.rows.clone())
        .unwrap_or_default();
    let context = f.input().map(|i| i.context.clone()).unwrap_or_default();
    let data = format!(
        "{{\"context\":{},\"channels\":{},\"signatures\":{},\"fit_columns\":{},\"bootstrap\":{},\"samples\":[\n{}]}}",
        jstr(&context),
        jarr(&channels, |c| jstr(c)),
        jarr(&sigs, |c| jstr(c)),
        jarr(&fit_cols, |c| jstr(c)),
        f.ci.is_some(),
        items.join(",\n")
    );
    Some(Pages {
        count: samples.len(),
        index,
        data,
        script: SCRIPT,
        notes,
        dropped: f.input().map_or(0, |i| i.dropped_samples.len()),
        bootstrap: f.ci.is_some(),
        low_cosine: format!("{LOW_COSINE:.2}"),
        unstable: format!("{:.0}%", UNSTABLE_FRACTION * 100.0),
    })
}

/// The flags of one sample: run warnings that name it, a poor fit, no exposure, unstable
/// bootstrap selections.
fn flags(f: &Folder, s: &Sample) -> Vec<String> {
    let mut out: Vec<String> = f
        .summary
        .warnings
        .iter()
        .filter(|w| mentions(w, &s.name))
        .map(|w| format!("run warning: {w}"))
        .collect();
    if let (Some(t), Some(r)) = (&f.fit, s.fit) {
        let c = t.num(r, "cosine");
        if c < LOW_COSINE {
            out.push(format!(
                "poor fit: cosine {c:.3} between observed and reconstructed spectrum (below {LOW_COSINE:.2})"
            ));
        }
        if let Some(pairs) = t.get(r, "near_equivalent").filter(|p| !p.is_empty()) {
            out.push(format!(
                "near-equivalent: {} (the second signature explains the sample almost as well as the first)",
                pairs.replace(',', ", ")
            ));
        }
    }
    if let (Some(e), Some(r)) = (&f.exposures, s.exp)
        && e.values[r].iter().all(|x| *x <= 0.0)
    {
        out.push("no mutation attributed to any signature".into());
    }
    if let Some(t) = &f.ci {
        for &r in &s.ci {
            let (est, frac) = (t.num(r, "estimate"), t.num(r, "selected_fraction"));
            if est > 0.0 && frac < UNSTABLE_FRACTION {
                out.push(format!(
                    "unstable: {} is assigned but selected in only {:.0}% of bootstrap replicates",
                    t.get(r, "signature").unwrap_or_default(),
                    frac * 100.0
                ));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::tests::{Fixture, write_fixture};
    use crate::report::{parse_matrix, parse_table, render};
    use serde_json::Value;
    use std::path::Path;

    #[test]
    fn numbers_are_compact_and_finite() {
        assert_eq!(num(12.0, 2), "12");
        assert_eq!(num(-0.001, 2), "0");
        assert_eq!(num(1.50, 2), "1.5");
        assert_eq!(num(-3.256, 2), "-3.26");
        assert_eq!(num(f64::NAN, 2), "null");
    }

    #[test]
    fn strings_cannot_close_the_script() {
        let s = jstr("</script><!--&");
        assert!(
            !s.contains('<') && !s.contains('>') && !s.contains('&'),
            "{s}"
        );
        let back: String = serde_json::from_str(&s).unwrap();
        assert_eq!(back, "</script><!--&");
    }

    #[test]
    fn mentions_whole_names_only() {
        assert!(mentions("dropped 2 sample(s): S1, S3", "S1"));
        assert!(!mentions("dropped: S10", "S1"));
        assert!(!mentions("dropped: XS1", "S1"));
        assert!(mentions("sample <b>x</b> is odd", "<b>x</b>"));
    }

    fn folder(command: &'static str, samples: usize, ci: bool, hostile: bool) -> tempfile::TempDir {
        let d = tempfile::tempdir().unwrap();
        write_fixture(
            d.path(),
            &Fixture {
                command,
                samples,
                k: 4,
                hostile,
                ci,
            },
        );
        d
    }

    /// The report (parsed as XML: the markup stays well-formed), the names in the sample
    /// index and the inlined per-sample data.
    fn report(dir: &Path) -> (String, Vec<String>, Value) {
        let html = render(dir).unwrap();
        let opt = roxmltree::ParsingOptions {
            allow_dtd: true,
            ..Default::default()
        };
        let doc = roxmltree::Document::parse_with_options(&html, opt).unwrap();
        let by_id = |id: &str| doc.descendants().find(|n| n.attribute("id") == Some(id));
        assert!(by_id("samples").is_some() && by_id("sample-filter").is_some());
        assert!(by_id("sample-view").is_some());
        let index: Vec<String> = by_id("sample-index")
            .expect("sample index")
            .descendants()
            .filter(|n| n.tag_name().name() == "a")
            .map(|n| n.text().unwrap_or_default().to_string())
            .collect();
        let data = by_id("sample-data").expect("sample data").text().unwrap();
        let data: Value = serde_json::from_str(data).unwrap();
        (html, index, data)
    }

    fn read(dir: &Path, name: &str) -> String {
        std::fs::read_to_string(dir.join(name)).unwrap()
    }

    #[test]
    fn index_and_data_have_one_entry_per_sample() {
        for command in ["extract", "assign"] {
            let d = folder(command, 9, false, command == "extract");
            let (html, index, data) = report(d.path());
            let exp = parse_matrix("exposures.tsv", &read(d.path(), "exposures.tsv")).unwrap();
            assert_eq!(
                index, exp.rows,
                "{command}: one index entry per sample, in file order"
            );
            let samples = data["samples"].as_array().unwrap();
            assert_eq!(samples.len(), 9);
            assert_eq!(data["channels"].as_array().unwrap().len(), 96);
            let fit = parse_table("fit_quality.tsv", &read(d.path(), "fit_quality.tsv")).unwrap();
            for (j, s) in samples.iter().enumerate() {
                assert_eq!(s["name"], exp.rows[j].as_str());
                assert_eq!(s["obs"].as_array().unwrap().len(), 96);
                assert_eq!(s["res"].as_array().unwrap().len(), 96);
                let e: Vec<f64> = s["exp"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|x| x.as_f64().unwrap())
                    .collect();
                assert_eq!(e, exp.values[j], "{command}: exposures of sample {j}");
                let row: Vec<&str> = s["fit"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|x| x.as_str().unwrap())
                    .collect();
                assert_eq!(
                    row,
                    fit.rows[j][1..]
                        .iter()
                        .map(String::as_str)
                        .collect::<Vec<_>>()
                );
                assert!(s.get("ci").is_none());
                // the flag count of the index is the number of flags drawn, and a poor fit is one
                let flags = s["flags"].as_array().unwrap();
                let poor = flags
                    .iter()
                    .any(|f| f.as_str().unwrap().starts_with("poor fit: cosine"));
                assert_eq!(
                    poor,
                    fit.num(j, "cosine") < LOW_COSINE,
                    "{command}: sample {j}"
                );
            }
            assert_eq!(data["bootstrap"], false);
            assert!(html.contains("No exposures_ci.tsv: no bootstrap intervals"));
        }
    }

    /// Residual = observed − W·h, recomputed here from the three tables.
    #[test]
    fn residual_is_observed_minus_reconstructed() {
        let d = folder("assign", 6, false, false);
        let (_, _, data) = report(d.path());
        let cat = parse_matrix("catalogue.tsv", &read(d.path(), "catalogue.tsv")).unwrap();
        let sig = parse_matrix("signatures.tsv", &read(d.path(), "signatures.tsv")).unwrap();
        let exp = parse_matrix("exposures.tsv", &read(d.path(), "exposures.tsv")).unwrap();
        let mut nonzero = 0;
        for (j, s) in data["samples"].as_array().unwrap().iter().enumerate() {
            let res = s["res"].as_array().unwrap();
            let obs = s["obs"].as_array().unwrap();
            for c in 0..96 {
                let rec: f64 = (0..sig.cols.len())
                    .map(|k| sig.values[c][k] * exp.values[j][k])
                    .sum();
                let want = cat.values[c][j] - rec;
                let got = res[c].as_f64().unwrap();
                assert!(
                    (got - want).abs() <= 0.005 + 1e-9,
                    "sample {j} channel {c}: {got} vs {want}"
                );
                assert_eq!(obs[c].as_f64().unwrap(), cat.values[c][j]);
                nonzero += usize::from(want.abs() > 0.5);
            }
        }
        assert!(
            nonzero > 100,
            "the fixture's residuals are not trivially zero"
        );
    }

    #[test]
    fn bootstrap_intervals_appear_when_present() {
        let d = folder("assign", 5, true, false);
        // one assigned signature chosen in few replicates: an "unstable" flag
        let ci_text = read(d.path(), "exposures_ci.tsv");
        let mut lines: Vec<String> = ci_text.lines().map(String::from).collect();
        let first = lines
            .iter()
            .position(|l| {
                l.split('\t')
                    .nth(2)
                    .is_some_and(|e| e.parse::<f64>().is_ok_and(|e| e > 0.0))
            })
            .unwrap();
        lines[first] = lines[first].replace("\t0.9", "\t0.3");
        std::fs::write(d.path().join("exposures_ci.tsv"), lines.join("\n") + "\n").unwrap();
        let ci = parse_table("exposures_ci.tsv", &read(d.path(), "exposures_ci.tsv")).unwrap();
        let (html, _, data) = report(d.path());
        assert_eq!(data["bootstrap"], true);
        assert!(html.contains("with their bootstrap 95% intervals"));
        let sigs: Vec<&str> = data["signatures"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_str().unwrap())
            .collect();
        let mut seen = 0;
        for s in data["samples"].as_array().unwrap() {
            let name = s["name"].as_str().unwrap();
            for e in s["ci"].as_array().unwrap() {
                let e = e.as_array().unwrap();
                let sig = sigs[e[0].as_u64().unwrap() as usize];
                let r = (0..ci.rows.len())
                    .find(|&r| ci.rows[r][0] == name && ci.rows[r][1] == sig)
                    .unwrap();
                for (k, col) in ["estimate", "lower", "upper", "selected_fraction"]
                    .iter()
                    .enumerate()
                {
                    assert_eq!(
                        e[k + 1].as_f64().unwrap(),
                        ci.num(r, col),
                        "{name} {sig} {col}"
                    );
                }
                seen += 1;
            }
        }
        assert_eq!(seen, ci.rows.len());
        let unstable: Vec<&Value> = data["samples"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|s| s["flags"].as_array().unwrap())
            .filter(|f| f.as_str().unwrap().starts_with("unstable: "))
            .collect();
        assert_eq!(unstable.len(), 1, "{unstable:?}");
        assert!(
            unstable[0]
                .as_str()
                .unwrap()
                .contains("only 30% of bootstrap")
        );
    }

    #[test]
    fn absent_tables_are_said_and_skipped() {
        let d = folder("extract", 4, false, false);
        std::fs::remove_file(d.path().join("catalogue.tsv")).unwrap();
        std::fs::remove_file(d.path().join("fit_quality.tsv")).unwrap();
        let (html, index, data) = report(d.path());
        assert_eq!(index.len(), 4);
        assert!(html.contains("catalogue.tsv is absent: no observed spectra."));
        assert!(html.contains("fit_quality.tsv is absent: no fit statistics."));
        for s in data["samples"].as_array().unwrap() {
            assert!(s.get("obs").is_none() && s.get("res").is_none() && s.get("fit").is_none());
            assert_eq!(s["exp"].as_array().unwrap().len(), 4);
        }
        // a summary-only folder has no sample section at all
        let e = tempfile::tempdir().unwrap();
        std::fs::copy(d.path().join("summary.json"), e.path().join("summary.json")).unwrap();
        let html = render(e.path()).unwrap();
        assert!(!html.contains("id=\"samples\""));
    }

    #[test]
    fn run_warnings_naming_a_sample_flag_it() {
        let d = folder("extract", 4, false, false);
        let p = d.path().join("summary.json");
        let text = read(d.path(), "summary.json").replace(
            "\"warnings\": [",
            "\"warnings\": [\"sample S0002 has few mutations\", ",
        );
        std::fs::write(&p, text).unwrap();
        let (_, _, data) = report(d.path());
        let s = &data["samples"].as_array().unwrap();
        let named = |j: usize| {
            s[j]["flags"]
                .as_array()
                .unwrap()
                .iter()
                .any(|f| f.as_str().unwrap() == "run warning: sample S0002 has few mutations")
        };
        assert!(named(2) && !named(0) && !named(1) && !named(3));
    }
}
