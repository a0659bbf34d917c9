//! Reading: files and bundled data into typed values. `context` holds the only channel
//! label tables, `table` the one table reader (streaming, bounded, exact), `catalogue`
//! and `reference` the two kinds of matrices, `inspect` the description of a catalogue,
//! `groups` the sample sheets of `--groups`.

pub mod calls;
pub mod catalogue;
pub mod context;
pub mod fasta;
pub mod groups;
pub mod inspect;
pub mod maf;
pub mod reference;
pub mod table;
pub mod transcripts;
pub mod vcf;
pub mod written;
