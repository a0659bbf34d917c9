//! `--groups SHEET.tsv` of `extract` and `assign`: the exposures of a staged folder
//! compared between the sheet's groups ([`crate::groups`]), written as
//! `group_differences.tsv` and `sample_groups.tsv`, and recorded in summary.json
//! (`groups`, the sheet's warnings, `outputs`).

use super::summary::{GroupSize, GroupsSummary, Summary};
use super::{OutputDir, OutputError, Tsv, fmt_float, json};
use crate::groups::{CompareError, Measure, SignatureDifference, compare};
use crate::read::groups::{GROUP_COLUMN, Grouping, SampleSheet, SheetError};

/// The table of differences.
pub const GROUP_DIFFERENCES: &str = "group_differences.tsv";
/// The samples compared and their groups.
pub const SAMPLE_GROUPS: &str = "sample_groups.tsv";

/// What can go wrong adding the comparison to a folder.
#[derive(Debug, thiserror::Error)]
pub enum GroupsError {
    /// Writing a file.
    #[error(transparent)]
    Output(#[from] OutputError),
    /// The sheet does not fit the exposures (too few groups of two).
    #[error(transparent)]
    Sheet(#[from] SheetError),
    /// The comparison itself.
    #[error(transparent)]
    Compare(#[from] CompareError),
    /// The staged folder's exposures.tsv or summary.json cannot be read back.
    #[error("{0}")]
    Folder(String),
}

/// Matches the sheet to the staged folder's `exposures.tsv`, compares the groups and
/// writes `group_differences.tsv`, `sample_groups.tsv` and the updated `summary.json`.
/// Returns the sheet's warnings (also added to the summary).
pub fn add_to(out: &OutputDir, sheet: &SampleSheet) -> Result<Vec<String>, GroupsError> {
    let read = |name: &str| {
        std::fs::read_to_string(out.staging().join(name))
            .map_err(|e| GroupsError::Folder(format!("{name}: cannot read back: {e}")))
    };
    let exposures = crate::read::written::parse_matrix("exposures.tsv", &read("exposures.tsv")?)
        .map_err(|e| GroupsError::Folder(e.to_string()))?;
    let grouping = sheet.match_cohort(&exposures.rows)?;
    let diffs = compare(&exposures.values, &grouping.member, grouping.names.len())?;
    out.write(
        GROUP_DIFFERENCES,
        differences_tsv(&exposures.cols, &grouping, &diffs).as_bytes(),
    )?;
    let mut t = Tsv::new(&["Sample", GROUP_COLUMN]);
    let mut left_out = Vec::new();
    for (s, m) in exposures.rows.iter().zip(&grouping.member) {
        match m {
            Some(g) => t.row_str(&[s.as_str(), grouping.names[*g].as_str()]),
            None => left_out.push(s.clone()),
        }
    }
    out.write(SAMPLE_GROUPS, t.finish().as_bytes())?;
    let mut summary: Summary = serde_json::from_str(&read("summary.json")?)
        .map_err(|e| GroupsError::Folder(format!("summary.json: {e}")))?;
    summary.warnings.extend(grouping.warnings.iter().cloned());
    summary.outputs.push(GROUP_DIFFERENCES.into());
    summary.outputs.push(SAMPLE_GROUPS.into());
    summary.groups = Some(GroupsSummary {
        sheet: sheet.path.clone(),
        sheet_sha256: sheet.sha256.clone(),
        column: sheet.column.clone(),
        groups: grouping
            .names
            .iter()
            .zip(&grouping.sizes)
            .map(|(name, &samples)| GroupSize {
                name: name.clone(),
                samples,
            })
            .collect(),
        test: match grouping.names.len() {
            2 => "mann_whitney",
            _ => "kruskal_wallis",
        }
        .into(),
        samples_compared: grouping.sizes.iter().sum(),
        samples_left_out: left_out,
    });
    out.write("summary.json", json(&summary).as_bytes())?;
    Ok(grouping.warnings)
}

/// p- and q-values: four significant decimals in scientific notation (they span many
/// orders of magnitude).
fn fmt_p(p: f64) -> String {
    format!("{p:.4e}")
}

/// `group_differences.tsv`: one row per signature, sorted by the absolute measure's p,
/// then the relative one's, ties in the exposures' column order.
pub fn differences_tsv(
    signatures: &[String],
    grouping: &Grouping,
    diffs: &[SignatureDifference],
) -> String {
    let names = &grouping.names;
    let mut header = vec!["Signature".to_string()];
    header.extend(names.iter().map(|g| format!("n_{g}")));
    header.extend(names.iter().map(|g| format!("abs_median_{g}")));
    header.extend(names.iter().map(|g| format!("rel_median_{g}")));
    for m in ["abs", "rel"] {
        for c in ["test", "top_group", "effect", "statistic", "p", "q"] {
            header.push(format!("{m}_{c}"));
        }
    }
    let mut t = Tsv::new(&header);
    let mut order: Vec<&SignatureDifference> = diffs.iter().collect();
    order.sort_by(|a, b| {
        let p = |d: &SignatureDifference| (d.absolute.result.p, d.relative.result.p);
        let (x, y) = (p(a), p(b));
        x.0.total_cmp(&y.0).then(x.1.total_cmp(&y.1))
    });
    for d in order {
        let mut row = vec![signatures[d.signature].clone()];
        row.extend(grouping.sizes.iter().map(|n| n.to_string()));
        row.extend(d.absolute.medians.iter().map(|x| fmt_float(*x, 1)));
        row.extend(d.relative.medians.iter().map(|x| fmt_float(*x, 4)));
        for m in [&d.absolute, &d.relative] {
            row.extend(measure_cells(m, names));
        }
        t.row_str(&row);
    }
    t.finish()
}

fn measure_cells(m: &Measure, names: &[String]) -> [String; 6] {
    let r = &m.result;
    [
        r.test.name().to_string(),
        r.top.map_or_else(|| "NA".to_string(), |g| names[g].clone()),
        fmt_float(r.effect, 4),
        fmt_float(r.statistic, 4),
        fmt_p(r.p),
        fmt_p(m.q),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_sorted_by_p_with_fixed_formatting() {
        let sheet = SampleSheet::parse(
            "s.tsv",
            b"Sample\tgroup\nA\tlo\nB\tlo\nC\tlo\nD\thi\nE\thi\nF\thi\n",
            GROUP_COLUMN,
        )
        .unwrap();
        let samples: Vec<String> = "ABCDEF".chars().map(String::from).collect();
        let g = sheet.match_cohort(&samples).unwrap();
        let e = vec![
            vec![5.0, 1.0],
            vec![6.0, 2.0],
            vec![5.0, 3.0],
            vec![5.0, 30.0],
            vec![6.0, 20.0],
            vec![5.0, 25.0],
        ];
        let d = compare(&e, &g.member, 2).unwrap();
        let text = differences_tsv(&["SBS1".into(), "SBS3".into()], &g, &d);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[0],
            "Signature\tn_lo\tn_hi\tabs_median_lo\tabs_median_hi\trel_median_lo\trel_median_hi\t\
             abs_test\tabs_top_group\tabs_effect\tabs_statistic\tabs_p\tabs_q\t\
             rel_test\trel_top_group\trel_effect\trel_statistic\trel_p\trel_q"
        );
        // SBS3 (perfect separation, exact p = 2/20) comes first
        assert!(
            lines[1].starts_with("SBS3\t3\t3\t2.0\t25.0\t"),
            "{}",
            lines[1]
        );
        assert!(
            lines[1].contains("\tmann_whitney_exact\thi\t-1.0000\t0.0000\t1.0000e-1\t"),
            "{}",
            lines[1]
        );
        // SBS1 has ties: normal approximation, p = 1 (equal distributions)
        assert!(
            lines[2].starts_with("SBS1\t3\t3\t5.0\t5.0\t"),
            "{}",
            lines[2]
        );
        assert!(lines[2].contains("mann_whitney_normal\tNA\t0.0000\t4.5000\t1.0000e0"));
    }
}
