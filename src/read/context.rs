//! Mutation contexts (SBS96, DBS78, ID83): their channel labels and canonical orders.
//!
//! The context of a table is recognised from its labels, never from its row count.

use serde::Serialize;
use std::collections::HashMap;
use std::fmt;
use std::sync::OnceLock;

/// A mutational context: the set of channels a catalogue or signature is defined on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, PartialOrd, Ord)]
pub enum Context {
    /// Single-base substitutions in trinucleotide context, `A[C>A]A`.
    #[serde(rename = "SBS96")]
    Sbs96,
    /// Doublet-base substitutions, `AC>CA`.
    #[serde(rename = "DBS78")]
    Dbs78,
    /// Small insertions and deletions, `1:Del:C:0`.
    #[serde(rename = "ID83")]
    Id83,
}

/// The six pyrimidine-reference substitution classes, in the field's order.
pub const SBS_CLASSES: [&str; 6] = ["C>A", "C>G", "C>T", "T>A", "T>C", "T>G"];
const BASES: [char; 4] = ['A', 'C', 'G', 'T'];

impl Context {
    /// All contexts mutasig knows.
    pub const ALL: [Context; 3] = [Context::Sbs96, Context::Dbs78, Context::Id83];

    /// The conventional name (`SBS96`, `DBS78`, `ID83`).
    pub fn name(self) -> &'static str {
        match self {
            Context::Sbs96 => "SBS96",
            Context::Dbs78 => "DBS78",
            Context::Id83 => "ID83",
        }
    }

    /// Short signature-name prefix used in COSMIC (`SBS`, `DBS`, `ID`).
    pub fn family(self) -> &'static str {
        match self {
            Context::Sbs96 => "SBS",
            Context::Dbs78 => "DBS",
            Context::Id83 => "ID",
        }
    }

    /// An example label, for error messages.
    pub fn example(self) -> &'static str {
        match self {
            Context::Sbs96 => "A[C>A]A",
            Context::Dbs78 => "AC>CA",
            Context::Id83 => "1:Del:C:0",
        }
    }

    /// Number of channels.
    pub fn len(self) -> usize {
        self.labels().len()
    }

    /// Always false: every context has channels (present for API symmetry with `len`).
    pub fn is_empty(self) -> bool {
        false
    }

    /// Parse a context name such as `SBS96` (case-insensitive).
    pub fn from_name(s: &str) -> Option<Context> {
        match s.to_ascii_uppercase().as_str() {
            "SBS96" | "SBS" | "96" => Some(Context::Sbs96),
            "DBS78" | "DBS" | "78" => Some(Context::Dbs78),
            "ID83" | "ID" | "83" => Some(Context::Id83),
            _ => None,
        }
    }

    /// The canonical channel labels, in canonical order (COSMIC's file order):
    /// SBS96 and DBS78 alphabetical, ID83 in COSMIC's fixed order.
    pub fn labels(self) -> &'static [String] {
        static SBS: OnceLock<Vec<String>> = OnceLock::new();
        static DBS: OnceLock<Vec<String>> = OnceLock::new();
        static ID: OnceLock<Vec<String>> = OnceLock::new();
        match self {
            Context::Sbs96 => SBS.get_or_init(sbs96_labels),
            Context::Dbs78 => DBS.get_or_init(dbs78_labels),
            Context::Id83 => ID.get_or_init(id83_labels),
        }
    }

    /// Position of a canonical label in this context's order.
    pub fn index_of(self, canonical: &str) -> Option<usize> {
        type Index = HashMap<&'static str, usize>;
        static IDX: OnceLock<[Index; 3]> = OnceLock::new();
        let maps = IDX.get_or_init(|| {
            Context::ALL.map(|c| {
                c.labels()
                    .iter()
                    .enumerate()
                    .map(|(i, l)| (l.as_str(), i))
                    .collect()
            })
        });
        let m = match self {
            Context::Sbs96 => &maps[0],
            Context::Dbs78 => &maps[1],
            Context::Id83 => &maps[2],
        };
        m.get(canonical).copied()
    }

    /// Normalise a label as written in a file to its canonical spelling in this context:
    /// surrounding whitespace and quotes removed, case made canonical.
    pub fn canonical_label(self, raw: &str) -> Option<&'static str> {
        let t = raw.trim().trim_matches('"').trim();
        let key = match self {
            Context::Sbs96 | Context::Dbs78 => t.to_ascii_uppercase(),
            Context::Id83 => canonical_id_spelling(t)?,
        };
        self.index_of(&key).map(|i| self.labels()[i].as_str())
    }

    /// The context whose labels include `raw`, if any.
    ///
    /// ```
    /// use mutasig::Context;
    /// assert_eq!(Context::detect("A[C>A]A"), Some(Context::Sbs96));
    /// assert_eq!(Context::detect("ac>ca"), Some(Context::Dbs78));
    /// assert_eq!(Context::detect("1:Del:C:0"), Some(Context::Id83));
    /// assert_eq!(Context::detect("A[G>A]A"), None); // purine reference: not a COSMIC label
    /// ```
    pub fn detect(raw: &str) -> Option<Context> {
        Context::ALL
            .into_iter()
            .find(|c| c.canonical_label(raw).is_some())
    }
}

impl fmt::Display for Context {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

fn canonical_id_spelling(t: &str) -> Option<String> {
    let parts: Vec<&str> = t.split(':').collect();
    if parts.len() != 4 {
        return None;
    }
    let kind = match parts[1].to_ascii_lowercase().as_str() {
        "del" => "Del",
        "ins" => "Ins",
        _ => return None,
    };
    Some(format!(
        "{}:{}:{}:{}",
        parts[0],
        kind,
        parts[2].to_ascii_uppercase(),
        parts[3]
    ))
}

fn sbs96_labels() -> Vec<String> {
    let mut v = Vec::with_capacity(96);
    for five in BASES {
        for class in SBS_CLASSES {
            for three in BASES {
                v.push(format!("{five}[{class}]{three}"));
            }
        }
    }
    v.sort();
    v
}

fn dbs78_labels() -> Vec<String> {
    // COSMIC's 78 doublet channels: one of each reverse-complement pair of reference
    // dinucleotides, and for palindromic references (AT, CG, GC, TA) one spelling of each
    // alternative. Listed rather than derived: the choice of spelling is COSMIC's.
    const DBS78: &str = "AC>CA AC>CG AC>CT AC>GA AC>GG AC>GT AC>TA AC>TG AC>TT AT>CA AT>CC AT>CG AT>GA AT>GC AT>TA CC>AA CC>AG CC>AT CC>GA CC>GG CC>GT CC>TA CC>TG CC>TT CG>AT CG>GC CG>GT CG>TA CG>TC CG>TT CT>AA CT>AC CT>AG CT>GA CT>GC CT>GG CT>TA CT>TC CT>TG GC>AA GC>AG GC>AT GC>CA GC>CG GC>TA TA>AT TA>CG TA>CT TA>GC TA>GG TA>GT TC>AA TC>AG TC>AT TC>CA TC>CG TC>CT TC>GA TC>GG TC>GT TG>AA TG>AC TG>AT TG>CA TG>CC TG>CT TG>GA TG>GC TG>GT TT>AA TT>AC TT>AG TT>CA TT>CC TT>CG TT>GA TT>GC TT>GG";
    DBS78.split(' ').map(String::from).collect()
}

fn id83_labels() -> Vec<String> {
    let mut v = Vec::with_capacity(83);
    for kind in ["Del", "Ins"] {
        for base in ["C", "T"] {
            for n in 0..6 {
                v.push(format!("1:{kind}:{base}:{n}"));
            }
        }
    }
    for kind in ["Del", "Ins"] {
        for size in 2..=5 {
            for n in 0..6 {
                v.push(format!("{size}:{kind}:R:{n}"));
            }
        }
    }
    for size in 2..=5 {
        for mh in 1..size.min(5) + if size == 5 { 1 } else { 0 } {
            v.push(format!("{size}:Del:M:{mh}"));
        }
    }
    v
}

/// Build the SBS96 label from a substitution class (`C>A`) and a trinucleotide (`ACA`),
/// as in COSMIC's download layout. Returns `None` when they do not fit together.
pub fn sbs96_from_parts(class: &str, tri: &str) -> Option<String> {
    let class = class.trim().trim_matches('"').to_ascii_uppercase();
    let tri = tri.trim().trim_matches('"').to_ascii_uppercase();
    let t: Vec<char> = tri.chars().collect();
    if t.len() != 3 || !SBS_CLASSES.contains(&class.as_str()) {
        return None;
    }
    if !class.starts_with(t[1]) {
        return None;
    }
    let label = format!("{}[{}]{}", t[0], class, t[2]);
    Context::Sbs96.index_of(&label).map(|_| label)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file_labels(text: &str) -> Vec<String> {
        text.lines()
            .skip(1)
            .map(|l| l.split('\t').next().unwrap().to_string())
            .collect()
    }

    #[test]
    fn label_counts() {
        assert_eq!(Context::Sbs96.len(), 96);
        assert_eq!(Context::Dbs78.len(), 78);
        assert_eq!(Context::Id83.len(), 83);
    }

    #[test]
    fn canonical_orders_match_cosmic_files() {
        let sbs = include_str!("../../reference/COSMIC_v3.6_SBS_GRCh37.txt");
        let dbs = include_str!("../../reference/COSMIC_v3.6_DBS_GRCh37.txt");
        let id = include_str!("../../reference/COSMIC_v3.6_ID_GRCh37.txt");
        assert_eq!(file_labels(sbs), Context::Sbs96.labels());
        assert_eq!(file_labels(dbs), Context::Dbs78.labels());
        assert_eq!(file_labels(id), Context::Id83.labels());
    }

    #[test]
    fn every_label_round_trips() {
        for c in Context::ALL {
            for (i, l) in c.labels().iter().enumerate() {
                assert_eq!(c.canonical_label(l), Some(l.as_str()));
                assert_eq!(c.canonical_label(&l.to_ascii_lowercase()), Some(l.as_str()));
                assert_eq!(c.canonical_label(&format!(" \"{l}\" ")), Some(l.as_str()));
                assert_eq!(c.index_of(l), Some(i));
                assert_eq!(Context::detect(l), Some(c));
            }
        }
    }

    #[test]
    fn labels_are_unique_and_sbs_alphabetical() {
        for c in Context::ALL {
            let mut s = c.labels().to_vec();
            s.sort();
            s.dedup();
            assert_eq!(s.len(), c.len());
        }
        let mut s = Context::Sbs96.labels().to_vec();
        s.sort();
        assert_eq!(s, Context::Sbs96.labels());
    }

    #[test]
    fn foreign_labels_are_rejected() {
        for bad in [
            "A[G>A]A",
            "A[C>C]A",
            "AC>AA",
            "1:Del:C:6",
            "X",
            "",
            "6:Del:R:0",
        ] {
            assert_eq!(Context::detect(bad), None, "{bad}");
        }
    }

    #[test]
    fn cosmic_parts_build_labels() {
        assert_eq!(sbs96_from_parts("C>A", "ACA").as_deref(), Some("A[C>A]A"));
        assert_eq!(sbs96_from_parts("T>G", "ttt").as_deref(), Some("T[T>G]T"));
        assert_eq!(sbs96_from_parts("C>A", "ATA"), None);
        assert_eq!(sbs96_from_parts("G>A", "AGA"), None);
    }

    mod properties {
        use super::super::*;
        use proptest::prelude::*;

        fn toggled(label: &str, flips: &[bool]) -> String {
            label
                .chars()
                .zip(flips.iter().cycle())
                .map(|(c, &f)| match (f, c.is_ascii_uppercase()) {
                    (false, _) => c,
                    (true, true) => c.to_ascii_lowercase(),
                    (true, false) => c.to_ascii_uppercase(),
                })
                .collect()
        }

        proptest! {
            #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

            /// Every label of every context, in any letter case, padded and quoted, is
            /// recognised as itself and as its context only.
            #[test]
            fn any_spelling_of_a_label_is_its_canonical_label(
                c in 0usize..3,
                i in any::<prop::sample::Index>(),
                flips in prop::collection::vec(any::<bool>(), 1..12),
                left in "[ \t]{0,2}",
                right in "[ \t]{0,2}",
                quote in any::<bool>(),
            ) {
                let ctx = Context::ALL[c];
                let label = &ctx.labels()[i.index(ctx.len())];
                let mut s = toggled(label, &flips);
                if quote {
                    s = format!("\"{s}\"");
                }
                let s = format!("{left}{s}{right}");
                prop_assert_eq!(ctx.canonical_label(&s), Some(label.as_str()));
                prop_assert_eq!(Context::detect(&s), Some(ctx));
                for other in Context::ALL.into_iter().filter(|&o| o != ctx) {
                    prop_assert_eq!(other.canonical_label(&s), None);
                }
            }

            /// COSMIC's two-column spelling of any SBS96 channel, in any case, builds it.
            #[test]
            fn cosmic_parts_of_any_sbs96_channel_build_it(
                i in 0usize..96,
                flips in prop::collection::vec(any::<bool>(), 1..8),
            ) {
                let label = &Context::Sbs96.labels()[i];
                let c: Vec<char> = label.chars().collect();
                let class = toggled(&format!("{}>{}", c[2], c[4]), &flips);
                let tri = toggled(&format!("{}{}{}", c[0], c[2], c[6]), &flips);
                let built = sbs96_from_parts(&class, &tri);
                prop_assert_eq!(built.as_deref(), Some(label.as_str()));
            }

            /// Arbitrary text never panics, and whatever is recognised is a real label.
            #[test]
            fn arbitrary_text_is_never_a_false_label(s in "\\PC{0,12}|[ACGTacgt\\[\\]>:0-9DelInsRM ]{0,12}") {
                for c in Context::ALL {
                    if let Some(l) = c.canonical_label(&s) {
                        prop_assert!(c.labels().iter().any(|x| x == l));
                        prop_assert_eq!(l, c.canonical_label(l).unwrap());
                    }
                }
                if let Some(l) = sbs96_from_parts(&s, &s) {
                    prop_assert!(Context::Sbs96.index_of(&l).is_some());
                }
            }
        }
    }
}
