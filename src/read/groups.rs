//! Sample sheets (`--groups SHEET.tsv`): which group each sample belongs to.
//!
//! A sheet is tab-separated with a header: the first column is the sample name, one
//! column is named `group` (any case), further columns are allowed and ignored. Blank
//! lines and `#` comment lines are skipped; gzip and Windows line endings are read as
//! for catalogues. Every problem is one line naming the file, the line, the sample and
//! the value.

use crate::read::table::{TableError, escape, plural, read_text};

/// At most this many sample names are listed in a warning (then a count).
const LISTED: usize = 5;

/// The column that holds each sample's group unless `--group-column` names another.
pub const GROUP_COLUMN: &str = "group";

/// A sample sheet that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum SheetError {
    /// The file could not be read (missing, not text, too large).
    #[error(transparent)]
    Read(#[from] TableError),
    /// No header line or no sample rows.
    #[error(
        "{path}: sample sheet without {what}; expected a tab-separated header (sample column first, a column named 'group') and one row per sample"
    )]
    Empty {
        /// The sheet as given.
        path: String,
        /// `a header line` or `sample rows`.
        what: &'static str,
    },
    /// The header has no `group` column (or two).
    #[error(
        "{path}: line {line}: {problem} in the header ({header}); the sample sheet must be tab-separated with one column named '{column}' (or choose the column with --group-column)"
    )]
    GroupColumn {
        /// The group column looked for.
        column: String,
        /// The sheet as given.
        path: String,
        /// 1-based line of the header.
        line: usize,
        /// `no column named 'group'` or `two columns named 'group'`.
        problem: String,
        /// The header's column names, escaped.
        header: String,
    },
    /// A row with more fields than the header or too few to reach the group column.
    #[error(
        "{path}: line {line}: {} where the header has {expected}; every row needs the sample name and its group",
        plural(*.found, "field", "fields")
    )]
    Ragged {
        /// The sheet as given.
        path: String,
        /// 1-based line.
        line: usize,
        /// Fields on that line.
        found: usize,
        /// Fields in the header.
        expected: usize,
    },
    /// An empty sample name, or an empty or `NA` group.
    #[error("{path}: line {line}: {problem}")]
    EmptyValue {
        /// The sheet as given.
        path: String,
        /// 1-based line.
        line: usize,
        /// What is empty and what to do.
        problem: String,
    },
    /// A sample listed twice.
    #[error(
        "{path}: line {line}: sample '{sample}' appears twice (first on line {first}); give each sample one row"
    )]
    Duplicate {
        /// The sheet as given.
        path: String,
        /// 1-based line of the second row.
        line: usize,
        /// 1-based line of the first.
        first: usize,
        /// The sample, escaped.
        sample: String,
    },
    /// Fewer than two groups with two or more samples of the cohort.
    #[error(
        "{path}: fewer than 2 groups with at least 2 samples of the catalogue ({found}); a group comparison needs two groups of two or more samples: check that the sheet's sample names match the catalogue's"
    )]
    TooFewGroups {
        /// The sheet as given.
        path: String,
        /// The groups found with their sizes (`BRCA1: 5, BRCA2: 1`), or `no sample matched`.
        found: String,
    },
}

/// A read and checked sample sheet.
#[derive(Debug, Clone, PartialEq)]
pub struct SampleSheet {
    /// The sheet as given on the command line.
    pub path: String,
    /// SHA-256 of its bytes (after decompression).
    pub sha256: String,
    /// The column the groups were read from, as named in the header.
    pub column: String,
    /// Sample names, in sheet order.
    pub samples: Vec<String>,
    /// The group of each sample (same order).
    pub groups: Vec<String>,
}

/// A sheet matched to a cohort: the groups compared and each sample's place in them.
#[derive(Debug, Clone, PartialEq)]
pub struct Grouping {
    /// Groups with at least 2 samples of the cohort, in order of first appearance in the
    /// sheet.
    pub names: Vec<String>,
    /// Per cohort sample: index into `names`, or `None` when the sample is left out (not
    /// in the sheet, or in a group of one).
    pub member: Vec<Option<usize>>,
    /// Samples per group (same order as `names`).
    pub sizes: Vec<usize>,
    /// What was left out, one line each (also for summary.json).
    pub warnings: Vec<String>,
}

/// `names` listed: the first few, then how many more.
fn listed(names: &[&str]) -> String {
    let mut s: Vec<String> = names
        .iter()
        .take(LISTED)
        .map(|n| format!("'{}'", escape(n)))
        .collect();
    if names.len() > LISTED {
        s.push(format!("and {} more", names.len() - LISTED));
    }
    s.join(", ")
}

impl SampleSheet {
    /// Reads and checks the sheet at `path` (`-` for standard input), the groups from the
    /// column named `column` (any case; [`GROUP_COLUMN`] by default).
    pub fn read(path: &str, column: &str) -> Result<SampleSheet, SheetError> {
        let text = read_text(path)?;
        let mut sheet = SampleSheet::parse(path, &text.bytes, column)?;
        sheet.sha256 = text.sha256;
        Ok(sheet)
    }

    /// Parses a sheet's text (`name` for messages), the groups from the column named
    /// `column`; `sha256` is that of `bytes`.
    pub fn parse(name: &str, bytes: &[u8], column: &str) -> Result<SampleSheet, SheetError> {
        let path = escape(name).into_owned();
        let text = String::from_utf8_lossy(bytes);
        let mut lines = text
            .lines()
            .enumerate()
            .map(|(i, l)| (i + 1, l.trim_end_matches('\r')))
            .filter(|(_, l)| !l.trim().is_empty() && !l.trim_start().starts_with('#'));
        let Some((head_line, head)) = lines.next() else {
            let what = "a header line";
            return Err(SheetError::Empty { path, what });
        };
        let header: Vec<&str> = head
            .trim_start_matches('\u{feff}')
            .split('\t')
            .map(str::trim)
            .collect();
        let is_group = |h: &&str| h.eq_ignore_ascii_case(column);
        let at: Vec<usize> = (1..header.len())
            .filter(|&c| is_group(&header[c]))
            .collect();
        if at.len() != 1 {
            let shown = escape(column);
            let problem = match at.len() {
                0 => format!("no column named '{shown}'"),
                n => format!("{n} columns named '{shown}'"),
            };
            return Err(SheetError::GroupColumn {
                column: shown.into_owned(),
                path,
                line: head_line,
                problem,
                header: escape(&header.join(", ")).into_owned(),
            });
        }
        let col = at[0];
        let mut sheet = SampleSheet {
            path: name.to_string(),
            column: header[col].to_string(),
            sha256: crate::read::table::hex(&<sha2::Sha256 as sha2::Digest>::digest(bytes)),
            samples: Vec::new(),
            groups: Vec::new(),
        };
        let mut seen = std::collections::HashMap::new();
        for (line, l) in lines {
            let cells: Vec<&str> = l.split('\t').map(str::trim).collect();
            if cells.len() <= col || cells.len() > header.len() {
                let (found, expected) = (cells.len(), header.len());
                return Err(SheetError::Ragged {
                    path,
                    line,
                    found,
                    expected,
                });
            }
            let (sample, group) = (cells[0], cells[col]);
            if sample.is_empty() {
                let problem = format!(
                    "the sample name is empty (group '{}'); name the sample or remove the row",
                    escape(group)
                );
                return Err(SheetError::EmptyValue {
                    path,
                    line,
                    problem,
                });
            }
            if group.is_empty() || group == "NA" {
                let problem = format!(
                    "sample '{}': the group is {}; give every sample a group, or remove the row to leave the sample out of the comparison",
                    escape(sample),
                    if group.is_empty() { "empty" } else { "NA" }
                );
                return Err(SheetError::EmptyValue {
                    path,
                    line,
                    problem,
                });
            }
            if let Some(&first) = seen.get(sample) {
                let sample = escape(sample).into_owned();
                return Err(SheetError::Duplicate {
                    path,
                    line,
                    first,
                    sample,
                });
            }
            seen.insert(sample.to_string(), line);
            sheet.samples.push(sample.to_string());
            sheet.groups.push(group.to_string());
        }
        if sheet.samples.is_empty() {
            let what = "sample rows";
            return Err(SheetError::Empty { path, what });
        }
        Ok(sheet)
    }

    /// Matches the sheet to the cohort's `samples`: samples absent from the sheet and
    /// groups with a single sample are left out (with a warning), sheet samples absent
    /// from the cohort are noted. Fewer than two groups of two or more samples is an error.
    pub fn match_cohort(&self, samples: &[String]) -> Result<Grouping, SheetError> {
        let group_of: std::collections::HashMap<&str, &str> = self
            .samples
            .iter()
            .zip(&self.groups)
            .map(|(s, g)| (s.as_str(), g.as_str()))
            .collect();
        let in_cohort: std::collections::HashSet<&str> =
            samples.iter().map(String::as_str).collect();
        // every group of the sheet in order of first appearance, with its cohort size
        let mut all: Vec<(&str, usize)> = Vec::new();
        for g in &self.groups {
            if !all.iter().any(|(n, _)| n == g) {
                all.push((g, 0));
            }
        }
        for s in samples {
            if let Some(g) = group_of.get(s.as_str()) {
                all.iter_mut().find(|(n, _)| n == g).expect("listed").1 += 1;
            }
        }
        let kept: Vec<(&str, usize)> = all.iter().copied().filter(|(_, n)| *n >= 2).collect();
        if kept.len() < 2 {
            let found: Vec<String> = all
                .iter()
                .filter(|(_, n)| *n > 0)
                .map(|(g, n)| format!("{}: {n}", escape(g)))
                .collect();
            let found = if found.is_empty() {
                "no sample of the sheet is in the catalogue".to_string()
            } else {
                found.join(", ")
            };
            let path = escape(&self.path).into_owned();
            return Err(SheetError::TooFewGroups { path, found });
        }
        let names: Vec<String> = kept.iter().map(|(g, _)| g.to_string()).collect();
        let member = samples
            .iter()
            .map(|s| {
                let g = group_of.get(s.as_str())?;
                names.iter().position(|n| n == g)
            })
            .collect();
        let mut warnings = Vec::new();
        let sheet = escape(&self.path);
        let absent: Vec<&str> = samples
            .iter()
            .map(String::as_str)
            .filter(|s| !group_of.contains_key(s))
            .collect();
        if !absent.is_empty() {
            warnings.push(format!(
                "{} of the catalogue not in the sample sheet {sheet}, left out of the group comparison: {}",
                plural(absent.len(), "sample", "samples"),
                listed(&absent)
            ));
        }
        let extra: Vec<&str> = self
            .samples
            .iter()
            .map(String::as_str)
            .filter(|s| !in_cohort.contains(s))
            .collect();
        if !extra.is_empty() {
            warnings.push(format!(
                "{} of the sample sheet {sheet} not in the catalogue (or without mutations): {}",
                plural(extra.len(), "sample", "samples"),
                listed(&extra)
            ));
        }
        for (g, n) in all.iter().filter(|(_, n)| *n == 1) {
            warnings.push(format!(
                "group '{}' of the sample sheet has {} in the catalogue and is left out of the group comparison",
                escape(g),
                plural(*n, "sample", "samples")
            ));
        }
        Ok(Grouping {
            names,
            member,
            sizes: kept.iter().map(|(_, n)| *n).collect(),
            warnings,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<SampleSheet, SheetError> {
        SampleSheet::parse("sheet.tsv", text.as_bytes(), GROUP_COLUMN)
    }

    fn err(text: &str) -> String {
        let e = parse(text).unwrap_err().to_string();
        assert_eq!(e.lines().count(), 1, "{e}");
        e
    }

    #[test]
    fn reads_a_sheet_with_extra_columns_comments_and_crlf() {
        let s =
            parse("\u{feff}Sample\tgroup\tgermline\r\n# note\r\nA\tx\tBRCA1\r\n\r\nB\ty\tnone\r\n")
                .unwrap();
        assert_eq!(s.samples, ["A", "B"]);
        assert_eq!(s.groups, ["x", "y"]);
        assert_eq!(s.sha256.len(), 64);
        // the group column may be anywhere after the first and in any case
        let s = parse("id\tage\tGroup\nA\t3\tx\n").unwrap();
        assert_eq!(s.groups, ["x"]);
        assert_eq!(s.column, "Group");
        // or another column, chosen by name (--group-column)
        let text = "Sample\tgroup\tgermline\nA\tx\tBRCA1\nB\ty\tnone\n";
        let s = SampleSheet::parse("sheet.tsv", text.as_bytes(), "Germline").unwrap();
        assert_eq!(
            (s.column.as_str(), s.groups.clone()),
            ("germline", vec!["BRCA1".to_string(), "none".into()])
        );
        let e = SampleSheet::parse("sheet.tsv", text.as_bytes(), "status").unwrap_err();
        let e = e.to_string();
        assert!(
            e.contains("no column named 'status'") && e.contains("--group-column"),
            "{e}"
        );
    }

    #[test]
    fn each_problem_is_one_line_naming_file_line_and_value() {
        let e = err("Sample\tgerm\nA\tx\n");
        assert!(
            e.starts_with(
                "sheet.tsv: line 1: no column named 'group' in the header (Sample, germ)"
            ),
            "{e}"
        );
        let e = err("Sample\tgroup\tGROUP\nA\tx\ty\n");
        assert!(e.contains("2 columns named 'group'"), "{e}");
        let e = err("Sample\tgroup\nA\tx\nB\t\n");
        assert!(
            e.starts_with("sheet.tsv: line 3: sample 'B': the group is empty"),
            "{e}"
        );
        let e = err("Sample\tgroup\nA\tNA\n");
        assert!(e.contains("line 2: sample 'A': the group is NA"), "{e}");
        let e = err("Sample\tgroup\nA\tx\nB\ty\nA\tz\n");
        assert!(
            e.starts_with("sheet.tsv: line 4: sample 'A' appears twice (first on line 2)"),
            "{e}"
        );
        let e = err("Sample\tgroup\nA\n");
        assert!(
            e.starts_with("sheet.tsv: line 2: 1 field where the header has 2"),
            "{e}"
        );
        let e = err("Sample\tgroup\nA\tx\ty\n");
        assert!(e.contains("line 2: 3 fields"), "{e}");
        let e = err("Sample\tgroup\n\tx\n");
        assert!(
            e.contains("line 2: the sample name is empty (group 'x')"),
            "{e}"
        );
        assert!(err("").contains("without a header line"));
        assert!(err("Sample\tgroup\n# only a comment\n").contains("without sample rows"));
        // a comma-separated sheet has no tab-separated 'group' column
        assert!(err("Sample,group\nA,x\n").contains("no column named 'group'"));
    }

    #[test]
    fn missing_file_is_a_read_error_naming_it() {
        let e = SampleSheet::read("/no/such/sheet.tsv", GROUP_COLUMN)
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("/no/such/sheet.tsv: cannot read"), "{e}");
    }

    fn names(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn matching_leaves_out_unknown_samples_and_singleton_groups_with_warnings() {
        let s = parse("S\tgroup\nA\tx\nB\ty\nC\tx\nD\ty\nE\tz\nF\tq\nG\tq\n").unwrap();
        let cohort = names(&["D", "A", "B", "C", "E", "F", "U1", "U2"]);
        let g = s.match_cohort(&cohort).unwrap();
        assert_eq!(g.names, ["x", "y"]);
        assert_eq!(g.sizes, [2, 2]);
        assert_eq!(
            g.member,
            [Some(1), Some(0), Some(1), Some(0), None, None, None, None]
        );
        assert_eq!(g.warnings.len(), 4, "{:?}", g.warnings);
        assert!(g.warnings[0].starts_with("2 samples of the catalogue not in the sample sheet"));
        assert!(g.warnings[0].ends_with("'U1', 'U2'"));
        assert!(
            g.warnings[1].contains("1 sample of the sample sheet sheet.tsv not in the catalogue")
        );
        assert!(g.warnings[1].ends_with("'G'"));
        assert!(g.warnings[2].starts_with("group 'z' of the sample sheet has 1 sample"));
        assert!(g.warnings[3].starts_with("group 'q'"));
    }

    #[test]
    fn long_lists_are_cut_with_a_count() {
        let v: Vec<&str> = vec!["a", "b", "c", "d", "e", "f", "g"];
        assert_eq!(listed(&v), "'a', 'b', 'c', 'd', 'e', and 2 more");
    }

    #[test]
    fn fewer_than_two_groups_of_two_is_an_error() {
        let s = parse("S\tgroup\nA\tx\nB\tx\nC\ty\n").unwrap();
        let e = s
            .match_cohort(&names(&["A", "B", "C"]))
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("sheet.tsv: fewer than 2 groups"), "{e}");
        assert!(e.contains("(x: 2, y: 1)"), "{e}");
        let e = s.match_cohort(&names(&["P", "Q"])).unwrap_err().to_string();
        assert!(
            e.contains("no sample of the sheet is in the catalogue"),
            "{e}"
        );
    }
}
