//! Reference signature sets: the bundled COSMIC catalogues and user files.
//!
//! The COSMIC files in `reference/` are compiled into the binary, so mutasig works from
//! any folder without a download. They go through the same reader and validation as
//! user files.

use crate::read::context::Context;
use crate::read::table::{self, TableError, ValueKind};
use clap::ValueEnum;
use faer::Mat;
use schemars::JsonSchema;
use serde::Deserialize;
use serde::Serialize;

/// A set of signatures: each column a probability distribution over the channels.
#[derive(Debug, Clone)]
pub struct SignatureSet {
    /// The context of the channels.
    pub context: Context,
    /// Signature names, in order.
    pub names: Vec<String>,
    /// channels × signatures probabilities, rows in canonical order.
    pub matrix: Mat<f64>,
    /// Where the set came from (a bundled set's description or a file name).
    pub source: String,
}

/// COSMIC catalogue version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ValueEnum, Deserialize, JsonSchema)]
pub enum CosmicVersion {
    /// COSMIC v3.4 (2023).
    #[value(name = "v3.4", alias = "3.4")]
    #[serde(rename = "v3.4")]
    V3_4,
    /// COSMIC v3.6 (the default).
    #[value(name = "v3.6", alias = "3.6")]
    #[serde(rename = "v3.6")]
    V3_6,
}

/// Reference genome build.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ValueEnum, Deserialize, JsonSchema)]
pub enum Genome {
    /// GRCh37 / hg19 (the default).
    #[value(name = "GRCh37", alias = "grch37", alias = "hg19")]
    GRCh37,
    /// GRCh38 / hg38.
    #[value(name = "GRCh38", alias = "grch38", alias = "hg38")]
    GRCh38,
}

impl CosmicVersion {
    /// `v3.4` or `v3.6`.
    pub fn name(self) -> &'static str {
        match self {
            CosmicVersion::V3_4 => "v3.4",
            CosmicVersion::V3_6 => "v3.6",
        }
    }
}

impl Genome {
    /// `GRCh37` or `GRCh38`.
    pub fn name(self) -> &'static str {
        match self {
            Genome::GRCh37 => "GRCh37",
            Genome::GRCh38 => "GRCh38",
        }
    }
}

/// One bundled reference file.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Bundled {
    /// File name under `reference/`.
    pub file: &'static str,
    /// COSMIC version.
    pub version: CosmicVersion,
    /// Genome build the signatures are scaled to.
    pub genome: Genome,
    /// Scaled to exome trinucleotide frequencies.
    pub exome: bool,
    /// Context.
    pub context: Context,
    #[serde(skip)]
    text: &'static str,
}

macro_rules! bundled {
    ($file:literal, $v:ident, $g:ident, $exome:literal, $ctx:ident) => {
        Bundled {
            file: $file,
            version: CosmicVersion::$v,
            genome: Genome::$g,
            exome: $exome,
            context: Context::$ctx,
            text: include_str!(concat!("../../reference/", $file)),
        }
    };
}

/// Every bundled COSMIC file.
pub const BUNDLED: &[Bundled] = &[
    bundled!("COSMIC_v3.4_SBS_GRCh37.txt", V3_4, GRCh37, false, Sbs96),
    bundled!("COSMIC_v3.4_SBS_GRCh38.txt", V3_4, GRCh38, false, Sbs96),
    bundled!(
        "COSMIC_v3.4_SBS_GRCh37_exome.txt",
        V3_4,
        GRCh37,
        true,
        Sbs96
    ),
    bundled!(
        "COSMIC_v3.4_SBS_GRCh38_exome.txt",
        V3_4,
        GRCh38,
        true,
        Sbs96
    ),
    bundled!("COSMIC_v3.4_DBS_GRCh37.txt", V3_4, GRCh37, false, Dbs78),
    bundled!("COSMIC_v3.4_DBS_GRCh38.txt", V3_4, GRCh38, false, Dbs78),
    bundled!("COSMIC_v3.4_ID_GRCh37.txt", V3_4, GRCh37, false, Id83),
    bundled!("COSMIC_v3.6_SBS_GRCh37.txt", V3_6, GRCh37, false, Sbs96),
    bundled!("COSMIC_v3.6_SBS_GRCh38.txt", V3_6, GRCh38, false, Sbs96),
    bundled!(
        "COSMIC_v3.6_SBS_GRCh37_exome.txt",
        V3_6,
        GRCh37,
        true,
        Sbs96
    ),
    bundled!(
        "COSMIC_v3.6_SBS_GRCh38_exome.txt",
        V3_6,
        GRCh38,
        true,
        Sbs96
    ),
    bundled!("COSMIC_v3.6_DBS_GRCh37.txt", V3_6, GRCh37, false, Dbs78),
    bundled!("COSMIC_v3.6_DBS_GRCh38.txt", V3_6, GRCh38, false, Dbs78),
    bundled!("COSMIC_v3.6_ID_GRCh37.txt", V3_6, GRCh37, false, Id83),
];

/// Problems choosing or reading a reference.
#[derive(Debug, thiserror::Error)]
pub enum ReferenceError {
    /// No bundled file fits the request.
    #[error("no bundled COSMIC {version} {context} reference for {genome}{exome}; {hint}")]
    Unavailable {
        /// Requested version.
        version: &'static str,
        /// Requested context.
        context: Context,
        /// Requested genome.
        genome: &'static str,
        /// " exome" or "".
        exome: &'static str,
        /// What to do instead.
        hint: String,
    },
    /// The file could not be read or validated.
    #[error(transparent)]
    Table(#[from] TableError),
    /// A user file of another context than the data.
    #[error(
        "{path}: a {found} signature file, but the catalogue is {expected}; give signatures of the same context"
    )]
    ContextMismatch {
        /// File name.
        path: String,
        /// Context of the file.
        found: Context,
        /// Context of the data.
        expected: Context,
    },
    /// Unknown signature names in a selection.
    #[error("unknown signature '{name}' in {set}{suggestion}")]
    UnknownSignature {
        /// The name.
        name: String,
        /// The set searched.
        set: String,
        /// Close matches, as ": did you mean ...?" or "".
        suggestion: String,
    },
    /// Unknown group name.
    #[error("unknown signature group '{name}'; known groups: {known}")]
    UnknownGroup {
        /// The name.
        name: String,
        /// Known group names.
        known: String,
    },
    /// A selection that leaves nothing.
    #[error("the selection leaves no signature in {set}; include at least one")]
    EmptySelection {
        /// The set.
        set: String,
    },
}

/// How to choose a reference set.
#[derive(Debug, Clone, Serialize, serde::Deserialize, schemars::JsonSchema)]
pub struct ReferenceChoice {
    /// COSMIC version.
    #[serde(rename = "cosmic")]
    pub version: CosmicVersion,
    /// Genome build.
    pub genome: Genome,
    /// Exome-scaled signatures.
    pub exome: bool,
    /// A user file that replaces COSMIC.
    #[serde(rename = "signatures")]
    pub file: Option<String>,
}

impl Default for ReferenceChoice {
    fn default() -> Self {
        ReferenceChoice {
            version: CosmicVersion::V3_6,
            genome: Genome::GRCh37,
            exome: false,
            file: None,
        }
    }
}

impl ReferenceChoice {
    /// Load the chosen set for `context`: the user file when given (which must be of that
    /// context), else the bundled COSMIC set.
    pub fn load(&self, context: Context) -> Result<SignatureSet, ReferenceError> {
        if let Some(path) = &self.file {
            let set = SignatureSet::read(path)?;
            if set.context != context {
                return Err(ReferenceError::ContextMismatch {
                    path: path.clone(),
                    found: set.context,
                    expected: context,
                });
            }
            return Ok(set);
        }
        load_bundled(self.version, self.genome, self.exome, context)
    }

    /// A short description for summaries (`COSMIC v3.6 SBS96 GRCh37` or the file).
    pub fn describe(&self, context: Context) -> String {
        match &self.file {
            Some(f) => f.clone(),
            None => format!(
                "COSMIC {} {} {}{}",
                self.version.name(),
                context,
                self.genome.name(),
                if self.exome { " exome" } else { "" }
            ),
        }
    }
}

/// Find the bundled file for a request. ID83 signatures exist for GRCh37 only in COSMIC
/// and do not depend on the build (indel channels carry no trinucleotide frequencies),
/// so GRCh38 requests use them too.
pub fn find_bundled(
    version: CosmicVersion,
    genome: Genome,
    exome: bool,
    context: Context,
) -> Result<&'static Bundled, ReferenceError> {
    let genome = if context == Context::Id83 {
        Genome::GRCh37
    } else {
        genome
    };
    BUNDLED
        .iter()
        .find(|b| {
            b.version == version && b.genome == genome && b.exome == exome && b.context == context
        })
        .ok_or_else(|| ReferenceError::Unavailable {
            version: version.name(),
            context,
            genome: genome.name(),
            exome: if exome { " exome" } else { "" },
            hint: if exome {
                "COSMIC publishes exome-scaled signatures for SBS96 only: drop --exome or give --signatures FILE".into()
            } else {
                "give --signatures FILE".into()
            },
        })
}

/// Load a bundled COSMIC set.
pub fn load_bundled(
    version: CosmicVersion,
    genome: Genome,
    exome: bool,
    context: Context,
) -> Result<SignatureSet, ReferenceError> {
    let b = find_bundled(version, genome, exome, context)?;
    b.load()
}

impl Bundled {
    /// Parse this bundled file.
    pub fn load(&self) -> Result<SignatureSet, ReferenceError> {
        let t = table::parse(self.file, self.text.as_bytes(), ValueKind::Probabilities)?;
        Ok(SignatureSet {
            context: t.context,
            names: t.columns,
            matrix: t.values,
            source: format!(
                "COSMIC {} {} {}{}",
                self.version.name(),
                self.context,
                self.genome.name(),
                if self.exome { " exome" } else { "" }
            ),
        })
    }
}

/// Named groups of COSMIC SBS signatures (the groups SigProfilerAssignment offers for
/// exclusion). A member `SBS22` also covers lettered variants (`SBS22a`, `SBS22b`, ...),
/// so later COSMIC releases that split a signature are still covered.
pub const SBS_GROUPS: &[(&str, &[&str])] = &[
    (
        "MMR_deficiency",
        &["SBS6", "SBS14", "SBS15", "SBS20", "SBS21", "SBS26", "SBS44"],
    ),
    (
        "POL_deficiency",
        &["SBS10a", "SBS10b", "SBS10c", "SBS10d", "SBS28"],
    ),
    ("HR_deficiency", &["SBS3"]),
    ("BER_deficiency", &["SBS30", "SBS36"]),
    (
        "Chemotherapy",
        &[
            "SBS11", "SBS25", "SBS31", "SBS35", "SBS86", "SBS87", "SBS90", "SBS99",
        ],
    ),
    ("Immunosuppressants", &["SBS32"]),
    (
        "Treatment",
        &[
            "SBS11", "SBS25", "SBS31", "SBS32", "SBS35", "SBS86", "SBS87", "SBS90", "SBS99",
        ],
    ),
    ("APOBEC", &["SBS2", "SBS13"]),
    ("Tobacco", &["SBS4", "SBS29", "SBS92", "SBS100"]),
    ("UV", &["SBS7", "SBS38"]),
    ("AA", &["SBS22"]),
    ("Colibactin", &["SBS88"]),
    (
        "Artifact",
        &[
            "SBS27", "SBS43", "SBS45", "SBS46", "SBS47", "SBS48", "SBS49", "SBS50", "SBS51",
            "SBS52", "SBS53", "SBS54", "SBS55", "SBS56", "SBS57", "SBS58", "SBS59", "SBS60",
            "SBS95",
        ],
    ),
    ("Lymphoid", &["SBS9", "SBS84", "SBS85"]),
];

/// Signatures that enter a fit together (one process seen as several COSMIC signatures).
pub const CONNECTED: &[&[&str]] = &[
    &["SBS2", "SBS13"],
    &["SBS7a", "SBS7b", "SBS7c", "SBS7d"],
    &["SBS10a", "SBS10b"],
    &["SBS17a", "SBS17b"],
];

/// Whether a signature name is covered by a group member (`SBS7` covers `SBS7a`).
fn covered(name: &str, member: &str) -> bool {
    match name.strip_prefix(member) {
        Some("") => true,
        Some(rest) => rest.chars().all(|c| c.is_ascii_lowercase()),
        None => false,
    }
}

/// Resolve a group name (case-insensitive, `_signatures` suffix allowed) to its members
/// present in `names`.
pub fn group_members(group: &str, names: &[String]) -> Option<Vec<String>> {
    let g = group.trim().to_ascii_lowercase();
    let g = g.strip_suffix("_signatures").unwrap_or(&g);
    let (_, members) = SBS_GROUPS
        .iter()
        .find(|(n, _)| n.to_ascii_lowercase() == g)?;
    Some(
        names
            .iter()
            .filter(|n| members.iter().any(|m| covered(n, m)))
            .cloned()
            .collect(),
    )
}

/// Names in `names` closest to `query` (case-insensitive edit distance), for suggestions.
pub fn close_matches(query: &str, names: &[String]) -> Vec<String> {
    let q = query.to_ascii_lowercase();
    let mut scored: Vec<(usize, &String)> = names
        .iter()
        .map(|n| (edit_distance(&q, &n.to_ascii_lowercase()), n))
        .collect();
    scored.sort();
    let best = scored.first().map(|s| s.0).unwrap_or(0);
    scored
        .into_iter()
        .filter(|(d, _)| *d <= best.max(1) && *d <= 3)
        .take(4)
        .map(|(_, n)| n.clone())
        .collect()
}

fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for i in 1..=a.len() {
        let mut cur = vec![i; b.len() + 1];
        for j in 1..=b.len() {
            let sub = prev[j - 1] + usize::from(a[i - 1] != b[j - 1]);
            cur[j] = sub.min(prev[j] + 1).min(cur[j - 1] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

impl SignatureSet {
    /// Read a signature file (same layouts as catalogues; columns must sum to 1).
    pub fn read(path: &str) -> Result<SignatureSet, TableError> {
        let t = table::read(path, ValueKind::Probabilities)?;
        Ok(SignatureSet {
            context: t.context,
            names: t.columns,
            matrix: t.values,
            source: path.to_string(),
        })
    }

    /// Parse the bytes of a signature file read by [`table::read_text`] from `path`.
    pub fn parse(path: &str, bytes: &[u8]) -> Result<SignatureSet, TableError> {
        let t = table::parse(path, bytes, ValueKind::Probabilities)?;
        Ok(SignatureSet {
            context: t.context,
            names: t.columns,
            matrix: t.values,
            source: path.to_string(),
        })
    }

    /// Number of signatures.
    pub fn len(&self) -> usize {
        self.names.len()
    }

    /// True when the set has no signature.
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// Index of a signature by exact name.
    pub fn index(&self, name: &str) -> Option<usize> {
        self.names.iter().position(|n| n == name)
    }

    /// The subset with the given column indices, in that order.
    pub fn subset(&self, idx: &[usize]) -> SignatureSet {
        SignatureSet {
            context: self.context,
            names: idx.iter().map(|&j| self.names[j].clone()).collect(),
            matrix: Mat::from_fn(self.matrix.nrows(), idx.len(), |i, j| {
                self.matrix[(i, idx[j])]
            }),
            source: self.source.clone(),
        }
    }

    /// Resolve names or group names to column indices, or say which one is unknown and
    /// what was probably meant.
    pub fn resolve(&self, items: &[String]) -> Result<Vec<usize>, ReferenceError> {
        let mut out = Vec::new();
        for item in items {
            let item = item.trim();
            if item.is_empty() {
                continue;
            }
            if let Some(j) = self.index(item) {
                out.push(j);
                continue;
            }
            if let Some(j) = self.names.iter().position(|n| n.eq_ignore_ascii_case(item)) {
                out.push(j);
                continue;
            }
            if let Some(members) = group_members(item, &self.names) {
                out.extend(members.iter().filter_map(|m| self.index(m)));
                continue;
            }
            let close = close_matches(item, &self.names);
            return Err(ReferenceError::UnknownSignature {
                name: item.to_string(),
                set: self.source.clone(),
                suggestion: if close.is_empty() {
                    String::new()
                } else {
                    format!("; did you mean {}?", close.join(", "))
                },
            });
        }
        out.sort_unstable();
        out.dedup();
        Ok(out)
    }

    /// Keep `include` (all when empty) minus `exclude`; both take names and group names.
    pub fn select(
        &self,
        include: &[String],
        exclude: &[String],
    ) -> Result<SignatureSet, ReferenceError> {
        let inc = if include.is_empty() {
            (0..self.len()).collect()
        } else {
            self.resolve(include)?
        };
        let exc = self.resolve(exclude)?;
        let keep: Vec<usize> = inc.into_iter().filter(|j| !exc.contains(j)).collect();
        if keep.is_empty() {
            return Err(ReferenceError::EmptySelection {
                set: self.source.clone(),
            });
        }
        Ok(self.subset(&keep))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_bundled_set_loads_and_sums_to_one() {
        for b in BUNDLED {
            let s = b.load().unwrap_or_else(|e| panic!("{}: {e}", b.file));
            assert_eq!(s.context, b.context);
            assert!(s.len() >= 20, "{}", b.file);
            for j in 0..s.len() {
                let sum: f64 = s.matrix.col(j).iter().sum();
                assert!((sum - 1.0).abs() < 1e-3, "{} {}", b.file, s.names[j]);
                assert!(s.matrix.col(j).iter().all(|&x| x >= 0.0));
            }
        }
    }

    #[test]
    fn choice_selects_by_version_genome_exome_context() {
        let s = load_bundled(CosmicVersion::V3_6, Genome::GRCh37, false, Context::Sbs96).unwrap();
        assert_eq!(s.len(), 101);
        let s = load_bundled(CosmicVersion::V3_4, Genome::GRCh38, true, Context::Sbs96).unwrap();
        assert_eq!(s.len(), 86);
        assert!(s.source.contains("exome"));
        // ID83 has one build-independent set
        let s = load_bundled(CosmicVersion::V3_6, Genome::GRCh38, false, Context::Id83).unwrap();
        assert_eq!(s.len(), 25);
        assert!(load_bundled(CosmicVersion::V3_6, Genome::GRCh37, true, Context::Dbs78).is_err());
        // exome and genome sets differ
        let g = load_bundled(CosmicVersion::V3_6, Genome::GRCh37, false, Context::Sbs96).unwrap();
        let e = load_bundled(CosmicVersion::V3_6, Genome::GRCh37, true, Context::Sbs96).unwrap();
        assert!((g.matrix[(0, 0)] - e.matrix[(0, 0)]).abs() > 0.0);
    }

    #[test]
    fn groups_and_selection() {
        let s = load_bundled(CosmicVersion::V3_6, Genome::GRCh37, false, Context::Sbs96).unwrap();
        let apobec = group_members("APOBEC", &s.names).unwrap();
        assert_eq!(apobec, vec!["SBS2".to_string(), "SBS13".to_string()]);
        let aa = group_members("AA_signatures", &s.names).unwrap();
        assert!(aa.contains(&"SBS22a".to_string()) && aa.contains(&"SBS22c".to_string()));
        assert!(!aa.contains(&"SBS2".to_string()));
        let sel = s.select(&[], &["APOBEC".into()]).unwrap();
        assert_eq!(sel.len(), 99);
        assert!(sel.index("SBS2").is_none() && sel.index("SBS13").is_none());
        let only = s.select(&["SBS1".into(), "sbs5".into()], &[]).unwrap();
        assert_eq!(only.names, vec!["SBS1", "SBS5"]);
        match s.select(&["SBS1x".into()], &[]) {
            Err(ReferenceError::UnknownSignature { suggestion, .. }) => {
                assert!(suggestion.contains("SBS1"), "{suggestion}")
            }
            other => panic!("{other:?}"),
        }
        assert!(s.select(&["SBS1".into()], &["SBS1".into()]).is_err());
    }
}
