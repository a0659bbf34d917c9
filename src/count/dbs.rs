//! Doublet-base substitutions: the DBS78 channel of two adjacent substituted bases,
//! written as COSMIC writes it (a reference dinucleotide and its reverse complement are
//! one channel).

use super::sbs::{complement, is_base};
use crate::read::context::Context;

/// The DBS78 channel index of the reference dinucleotide `reference` changed to `alt`
/// (both bases changed, all upper-case A, C, G, T); `None` otherwise.
pub fn dbs78_channel(reference: [u8; 2], alt: [u8; 2]) -> Option<usize> {
    let all_bases = reference.iter().chain(alt.iter()).all(|&b| is_base(b));
    if !all_bases || reference[0] == alt[0] || reference[1] == alt[1] {
        return None;
    }
    let spell = |r: [u8; 2], a: [u8; 2]| {
        format!(
            "{}{}>{}{}",
            r[0] as char, r[1] as char, a[0] as char, a[1] as char
        )
    };
    let rc = |d: [u8; 2]| [complement(d[1]), complement(d[0])];
    Context::Dbs78
        .index_of(&spell(reference, alt))
        .or_else(|| Context::Dbs78.index_of(&spell(rc(reference), rc(alt))))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn label(r: &[u8; 2], a: &[u8; 2]) -> &'static str {
        Context::Dbs78.labels()[dbs78_channel(*r, *a).unwrap()].as_str()
    }

    #[test]
    fn cosmic_spelling_is_used_directly() {
        assert_eq!(label(b"CC", b"TT"), "CC>TT");
        assert_eq!(label(b"AC", b"CA"), "AC>CA");
    }

    #[test]
    fn other_strand_is_folded() {
        // GG>AA is CC>TT on the other strand; GT>TG is AC>CA
        assert_eq!(label(b"GG", b"AA"), "CC>TT");
        assert_eq!(label(b"GT", b"TG"), "AC>CA");
        // palindromic reference: AT>TG is AT>CA read on the other strand
        assert_eq!(label(b"AT", b"TG"), "AT>CA");
    }

    #[test]
    fn every_doublet_of_changed_bases_has_a_channel() {
        let bases = *b"ACGT";
        let mut hit = [false; 78];
        for r0 in bases {
            for r1 in bases {
                for a0 in bases.iter().filter(|&&b| b != r0) {
                    for a1 in bases.iter().filter(|&&b| b != r1) {
                        hit[dbs78_channel([r0, r1], [*a0, *a1]).unwrap()] = true;
                    }
                }
            }
        }
        assert!(hit.iter().all(|&h| h));
        assert_eq!(dbs78_channel(*b"AC", *b"AA"), None);
        assert_eq!(dbs78_channel(*b"NC", *b"AA"), None);
    }
}
