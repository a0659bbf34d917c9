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

#[cfg(test)]
mod tests {
    use super::*;

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
