//! Single-base substitutions: the SBS96 channel of a substitution in its
//! trinucleotide context, in pyrimidine orientation (a purine reference base is read on
//! the other strand, so `A>G` in `CAT` is `A[T>C]G`).

use crate::read::context::Context;
use crate::read::transcripts::Coverage;

/// The complement of an upper-case base (`N` for anything but A, C, G, T).
pub(crate) fn complement(b: u8) -> u8 {
    match b {
        b'A' => b'T',
        b'C' => b'G',
        b'G' => b'C',
        b'T' => b'A',
        _ => b'N',
    }
}

/// Whether a byte is one of the four upper-case bases.
pub(crate) fn is_base(b: u8) -> bool {
    matches!(b, b'A' | b'C' | b'G' | b'T')
}

/// The SBS96 channel index of `ref_base > alt_base` between the bases `left` and `right`
/// of the reference (upper case); `None` when a base is not A, C, G or T or the
/// alternative equals the reference.
pub fn sbs96_channel(left: u8, ref_base: u8, alt_base: u8, right: u8) -> Option<usize> {
    if ![left, ref_base, alt_base, right].into_iter().all(is_base) || ref_base == alt_base {
        return None;
    }
    let (l, r, a, rt) = if matches!(ref_base, b'C' | b'T') {
        (left, ref_base, alt_base, right)
    } else {
        (
            complement(right),
            complement(ref_base),
            complement(alt_base),
            complement(left),
        )
    };
    let label = format!("{}[{}>{}]{}", l as char, r as char, a as char, rt as char);
    Context::Sbs96.index_of(&label)
}

/// The 1536 SBS1536 labels (`AA[C>A]AA`: two bases either side), sorted as SBS96's.
pub fn sbs1536_labels() -> &'static [String] {
    static LABELS: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    LABELS.get_or_init(|| {
        let mut v = Vec::with_capacity(1536);
        for l in Context::Sbs96.labels() {
            for a in ["A", "C", "G", "T"] {
                for b in ["A", "C", "G", "T"] {
                    v.push(format!("{a}{l}{b}"));
                }
            }
        }
        v.sort();
        v
    })
}

/// The SBS1536 channel index of the middle base of `five` (reference bases, upper case)
/// changed to `alt`, in pyrimidine orientation; `None` as for [`sbs96_channel`].
pub fn sbs1536_channel(five: [u8; 5], alt: u8) -> Option<usize> {
    if !five.iter().chain([&alt]).all(|&b| is_base(b)) || five[2] == alt {
        return None;
    }
    let (f, a) = if matches!(five[2], b'C' | b'T') {
        (five, alt)
    } else {
        let mut r = five.map(complement);
        r.reverse();
        (r, complement(alt))
    };
    let label = format!(
        "{}{}[{}>{}]{}{}",
        f[0] as char, f[1] as char, f[2] as char, a as char, f[3] as char, f[4] as char
    );
    sbs1536_labels().binary_search(&label).ok()
}

/// The transcriptional strand classes of SBS384, in the order of its rows (as
/// SigProfilerMatrixGenerator's `SBS384` files): transcribed, untranscribed,
/// bidirectional, non-transcribed.
pub const STRANDS_384: [&str; 4] = ["T", "U", "B", "N"];
/// The classes of SBS288 (`B` shared out between `T` and `U`, see [`sbs288_from_sbs384`]).
pub const STRANDS_288: [&str; 3] = ["T", "U", "N"];

/// The strand class (index into [`STRANDS_384`]) of a substitution of `ref_base` (on the
/// `+` strand of the reference) at a base of the given coverage. The pyrimidine of the
/// pair is on the coding (untranscribed) strand of a gene when the gene's strand is the
/// strand the pyrimidine is read on: a `C` or `T` reference in a `+` gene, or a `G` or
/// `A` reference (read as its complement on `-`) in a `-` gene, is `U`; the other two
/// cases are `T` (the pyrimidine on the template strand). As SigProfilerMatrixGenerator:
/// its `save_tsb_192.py` marks a base of `+` genes only `U`, of `-` genes only `T`, and
/// `MutationMatrixGenerator.py` swaps `T` and `U` (`revbias`) for a purine reference.
pub fn strand_class(coverage: Coverage, ref_base: u8) -> usize {
    let pyrimidine = matches!(ref_base, b'C' | b'T');
    match (coverage, pyrimidine) {
        (Coverage::Plus, true) | (Coverage::Minus, false) => 1,
        (Coverage::Plus, false) | (Coverage::Minus, true) => 0,
        (Coverage::Both, _) => 2,
        (Coverage::None, _) => 3,
    }
}

fn strand_labels(strands: &[&str]) -> Vec<String> {
    strands
        .iter()
        .flat_map(|s| {
            Context::Sbs96
                .labels()
                .iter()
                .map(move |l| format!("{s}:{l}"))
        })
        .collect()
}

/// The 384 SBS384 labels (`T:A[C>A]A`): the SBS96 labels under each of [`STRANDS_384`].
pub fn sbs384_labels() -> &'static [String] {
    static LABELS: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    LABELS.get_or_init(|| strand_labels(&STRANDS_384))
}

/// The 288 SBS288 labels: the SBS96 labels under each of [`STRANDS_288`].
pub fn sbs288_labels() -> &'static [String] {
    static LABELS: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    LABELS.get_or_init(|| strand_labels(&STRANDS_288))
}

/// SBS288 from SBS384 counts, as SigProfilerMatrixGenerator derives it (the
/// "384 to 288" step of `MutationMatrixGenerator.py`): per channel, the `B` count is
/// halved between `T` and `U`, an odd one going to `T`; `N` is kept. The total is kept.
pub fn sbs288_from_sbs384(c384: &[u64]) -> Vec<u64> {
    let mut out = vec![0u64; 288];
    for i in 0..96 {
        let (t, u, b, n) = (c384[i], c384[96 + i], c384[192 + i], c384[288 + i]);
        out[i] = t + b / 2 + b % 2;
        out[96 + i] = u + b / 2;
        out[192 + i] = n;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pentanucleotide_channels() {
        assert_eq!(sbs1536_labels().len(), 1536);
        let l =
            |five: &[u8; 5], alt| sbs1536_labels()[sbs1536_channel(*five, alt).unwrap()].as_str();
        assert_eq!(l(b"GACAT", b'T'), "GA[C>T]AT");
        // purine: read on the other strand, GTGAC G>A -> GT[C>T]AC
        assert_eq!(l(b"GTGAC", b'A'), "GT[C>T]AC");
        assert_eq!(sbs1536_channel(*b"NACAT", b'T'), None);
    }

    fn label(l: u8, r: u8, a: u8, rt: u8) -> &'static str {
        Context::Sbs96.labels()[sbs96_channel(l, r, a, rt).unwrap()].as_str()
    }

    #[test]
    fn pyrimidine_references_are_kept() {
        assert_eq!(label(b'A', b'C', b'A', b'A'), "A[C>A]A");
        assert_eq!(label(b'T', b'T', b'G', b'G'), "T[T>G]G");
    }

    #[test]
    fn purine_references_are_read_on_the_other_strand() {
        // CAT, A>G: other strand ATG, T>C -> A[T>C]G
        assert_eq!(label(b'C', b'A', b'G', b'T'), "A[T>C]G");
        // TGA, G>A: other strand TCA, C>T -> T[C>T]A
        assert_eq!(label(b'T', b'G', b'A', b'A'), "T[C>T]A");
    }

    #[test]
    fn strand_classes_follow_the_pyrimidine() {
        // C>T in a + gene: the C is on the coding strand -> U; G>A (C>T on -) -> T
        assert_eq!(STRANDS_384[strand_class(Coverage::Plus, b'C')], "U");
        assert_eq!(STRANDS_384[strand_class(Coverage::Plus, b'G')], "T");
        assert_eq!(STRANDS_384[strand_class(Coverage::Minus, b'T')], "T");
        assert_eq!(STRANDS_384[strand_class(Coverage::Minus, b'A')], "U");
        assert_eq!(STRANDS_384[strand_class(Coverage::Both, b'A')], "B");
        assert_eq!(STRANDS_384[strand_class(Coverage::None, b'C')], "N");
        assert_eq!(sbs384_labels()[0], "T:A[C>A]A");
        assert_eq!(sbs384_labels()[96 * 2 + 95], "B:T[T>G]T");
        assert_eq!(sbs288_labels()[96 * 2], "N:A[C>A]A");
    }

    #[test]
    fn sbs288_shares_bidirectional_counts_between_t_and_u() {
        let mut c = vec![0u64; 384];
        c[5] = 1; // T
        c[96 + 5] = 2; // U
        c[192 + 5] = 3; // B: 2 to T (1 + the odd one), 1 to U
        c[288 + 5] = 4; // N
        c[192 + 7] = 1; // a single B goes to T
        let f = sbs288_from_sbs384(&c);
        assert_eq!((f[5], f[96 + 5], f[192 + 5]), (3, 3, 4));
        assert_eq!((f[7], f[96 + 7]), (1, 0));
        assert_eq!(f.iter().sum::<u64>(), c.iter().sum::<u64>());
    }

    #[test]
    fn ambiguous_bases_and_non_changes_have_no_channel() {
        assert_eq!(sbs96_channel(b'N', b'C', b'A', b'A'), None);
        assert_eq!(sbs96_channel(b'A', b'C', b'C', b'A'), None);
        assert_eq!(sbs96_channel(b'A', b'C', b'-', b'A'), None);
    }
}
