//! Small insertions and deletions: the ID83 channel (COSMIC/PCAWG definitions).
//!
//! - 1-bp deletions and insertions: the base in pyrimidine orientation (`C` or `T`) and
//!   the number of further copies of it next to the event in the reference (the
//!   homopolymer length minus one for deletions), capped at 5 (`5` = 5 or more).
//! - Longer events (size 2, 3, 4 or `5` = 5 or more): the number of further copies of the
//!   inserted or deleted sequence next to the event (`R:n`, capped at 5).
//! - Longer deletions with no further copy but with microhomology (the deleted sequence
//!   begins like the bases after it, or ends like the bases before it): `M:m`, `m` the
//!   longer of the two matching lengths (capped at 5).
//!
//! Copies are counted on both sides of the event, so the channel does not depend on
//! where in a repeat the caller placed it (left- or right-aligned).

use super::sbs::{complement, is_base};
use crate::read::context::Context;

/// Whether bases were removed from or added to the reference.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IndelKind {
    /// `seq` was removed; it starts at the given 0-based position of the reference.
    Deletion,
    /// `seq` was added before the base at the given 0-based position.
    Insertion,
}

/// Copies of `unit` ending exactly at `end` and going left, and starting exactly at
/// `start` going right.
fn copies(reference: &[u8], unit: &[u8], end: usize, start: usize) -> usize {
    let l = unit.len();
    let mut n = 0;
    let mut e = end;
    while e >= l && &reference[e - l..e] == unit {
        n += 1;
        e -= l;
    }
    let mut s = start;
    while s + l <= reference.len() && &reference[s..s + l] == unit {
        n += 1;
        s += l;
    }
    n
}

/// The longer of: how many leading bases of `deleted` equal the bases after it, and how
/// many trailing bases equal the bases before it.
fn microhomology(reference: &[u8], deleted: &[u8], at: usize) -> usize {
    let after = &reference[(at + deleted.len()).min(reference.len())..];
    let right = deleted
        .iter()
        .zip(after)
        .take_while(|(a, b)| a == b)
        .count();
    let before = &reference[..at];
    let left = deleted
        .iter()
        .rev()
        .zip(before.iter().rev())
        .take_while(|(a, b)| a == b)
        .count();
    right.max(left)
}

/// The ID83 channel index of an event of `kind` of the bases `seq` (upper case) at the
/// 0-based position `at` of `reference` (upper case, the whole contig); `None` when a
/// base is not A, C, G or T, or a deletion does not match the reference.
pub fn id83_channel(reference: &[u8], kind: IndelKind, at: usize, seq: &[u8]) -> Option<usize> {
    if seq.is_empty() || !seq.iter().all(|&b| is_base(b)) || at > reference.len() {
        return None;
    }
    let l = seq.len();
    let (kind_name, end, start) = match kind {
        IndelKind::Deletion => {
            if reference.get(at..at + l) != Some(seq) {
                return None;
            }
            ("Del", at, at + l)
        }
        IndelKind::Insertion => ("Ins", at, at),
    };
    let n = copies(reference, seq, end, start).min(5);
    let label = if l == 1 {
        let base = if matches!(seq[0], b'C' | b'T') {
            seq[0]
        } else {
            complement(seq[0])
        };
        format!("1:{kind_name}:{}:{n}", base as char)
    } else {
        let size = l.min(5);
        let mh = match kind {
            IndelKind::Deletion if n == 0 => microhomology(reference, seq, at).min(5),
            _ => 0,
        };
        if mh > 0 {
            format!("{size}:Del:M:{mh}")
        } else {
            format!("{size}:{kind_name}:R:{n}")
        }
    };
    Context::Id83.index_of(&label)
}

#[cfg(test)]
mod tests {
    use super::IndelKind::{Deletion, Insertion};
    use super::*;

    /// The channel label of a worked example.
    fn label(reference: &str, kind: IndelKind, at: usize, seq: &str) -> &'static str {
        let i = id83_channel(reference.as_bytes(), kind, at, seq.as_bytes()).unwrap();
        Context::Id83.labels()[i].as_str()
    }

    #[test]
    fn one_base_deletions_by_homopolymer_length() {
        // ATCGA, the C deleted: homopolymer of 1 -> 0
        assert_eq!(label("ATCGA", Deletion, 2, "C"), "1:Del:C:0");
        // GTTTTA, one T of four deleted (at the first, or in the middle: same channel)
        assert_eq!(label("GTTTTA", Deletion, 1, "T"), "1:Del:T:3");
        assert_eq!(label("GTTTTA", Deletion, 3, "T"), "1:Del:T:3");
        // CAAAAAAAG: seven A (T on the other strand), capped at 5 (6 or more)
        assert_eq!(label("CAAAAAAAG", Deletion, 1, "A"), "1:Del:T:5");
        // a G in GGG: C channel, 2 further copies
        assert_eq!(label("AGGGA", Deletion, 1, "G"), "1:Del:C:2");
    }

    #[test]
    fn one_base_insertions_by_existing_copies() {
        // ACGGT, G inserted before the first G: 2 copies already there
        assert_eq!(label("ACGGT", Insertion, 2, "G"), "1:Ins:C:2");
        // CCGG, A inserted between C and G: none
        assert_eq!(label("CCGG", Insertion, 2, "A"), "1:Ins:T:0");
        // TTTTTTTT: 8 copies, capped
        assert_eq!(label("ATTTTTTTTG", Insertion, 1, "T"), "1:Ins:T:5");
    }

    #[test]
    fn longer_events_at_repeats() {
        // GACACACT, the first AC deleted: two more AC follow
        assert_eq!(label("GACACACT", Deletion, 1, "AC"), "2:Del:R:2");
        // CTATAG, TA inserted before TATA
        assert_eq!(label("CTATAG", Insertion, 1, "TA"), "2:Ins:R:2");
        // a 3-bp insertion with no copy
        assert_eq!(label("AAAAGGG", Insertion, 4, "CTC"), "3:Ins:R:0");
        // 6 bp deleted: size class 5 (5 or more), no copy, no microhomology
        assert_eq!(label("AAACGTACGGTT", Deletion, 3, "CGTACG"), "5:Del:R:0");
    }

    #[test]
    fn deletions_with_microhomology() {
        // TT ACGT ACCC: the deleted ACGT begins like the following AC -> 2
        assert_eq!(label("TTACGTACCC", Deletion, 2, "ACGT"), "4:Del:M:2");
        // GGT CAGT AA: the deleted CAGT ends like the preceding GT -> 2
        assert_eq!(label("GGTCAGTAA", Deletion, 3, "CAGT"), "4:Del:M:2");
        // 2 bp: only M:1 exists; AT CG CA, CG deleted begins like C of CA
        assert_eq!(label("ATCGCA", Deletion, 2, "CG"), "2:Del:M:1");
        // a repeat wins over microhomology: ACAC deleted before AC AC... is R
        assert_eq!(label("GACACACACT", Deletion, 1, "ACAC"), "4:Del:R:1");
        // 7 bp deleted, followed by 6 of its first bases: capped at 5
        assert_eq!(
            label("TTACGTACGACGTACTGG", Deletion, 2, "ACGTACG"),
            "5:Del:M:5"
        );
    }

    #[test]
    fn mismatching_or_ambiguous_events_have_no_channel() {
        assert_eq!(id83_channel(b"ACGT", Deletion, 1, b"G"), None);
        assert_eq!(id83_channel(b"ACGT", Insertion, 1, b"N"), None);
        assert_eq!(id83_channel(b"ACGT", Deletion, 3, b"TA"), None);
    }
}
