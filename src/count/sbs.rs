//! Single-base substitutions: the SBS96 channel of a substitution in its
//! trinucleotide context, in pyrimidine orientation (a purine reference base is read on
//! the other strand, so `A>G` in `CAT` is `A[T>C]G`).

use crate::read::context::Context;

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
    fn ambiguous_bases_and_non_changes_have_no_channel() {
        assert_eq!(sbs96_channel(b'N', b'C', b'A', b'A'), None);
        assert_eq!(sbs96_channel(b'A', b'C', b'C', b'A'), None);
        assert_eq!(sbs96_channel(b'A', b'C', b'-', b'A'), None);
    }
}
