//! # mutasig
//!
//! Mutational-signature analysis of cancer genomes: read catalogues (SBS96, DBS78,
//! ID83), compare them with the COSMIC reference signatures, factorize them with
//! non-negative matrix factorization, and write byte-stable tables for pipelines.
//!
//! The numeric core never touches files or the terminal; reading happens in
//! [`table`] / [`catalogue`] / [`reference`], writing in [`output`].

#![warn(missing_docs)]
#![deny(unsafe_code)]

pub mod assign;
pub mod assignment;
pub mod catalogue;
pub mod consensus;
pub mod context;
pub mod cophenetic;
pub mod error;
pub mod extract;
pub mod figures;
pub mod inspect;
pub mod log;
pub mod matching;
pub mod nmf;
pub mod nnls;
pub mod output;
pub mod plot;
pub mod rank;
pub mod reference;
pub mod report;
pub mod resample;
pub mod rng;
pub mod settings;
pub mod simulate;
pub mod table;

pub use catalogue::Catalogue;
pub use context::Context;
pub use error::Error;
pub use reference::SignatureSet;

/// The version of this build (for summaries and `--version`).
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
