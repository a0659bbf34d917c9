//! # mutasig
//!
//! Mutational-signature analysis of cancer genomes: read catalogues (SBS96, DBS78,
//! ID83), compare them with the COSMIC reference signatures, factorize them with
//! non-negative matrix factorization, and write byte-stable tables for pipelines.
//!
//! The numeric core never touches files or the terminal; reading happens in
//! [`read`], writing in [`output`]. `docs/architecture.md` maps the folders.

#![warn(missing_docs)]
#![deny(unsafe_code)]

pub mod assign;
pub mod count;
pub mod error;
pub mod extract;
pub mod groups;
pub mod log;
pub mod matching;
pub mod nmf;
pub mod numeric;
pub mod output;
pub mod read;
pub mod report;
pub mod rng;
pub mod settings;
pub mod simulate;

pub use error::Error;
pub use read::catalogue::Catalogue;
pub use read::context::Context;
pub use read::reference::SignatureSet;

/// The version of this build (for summaries and `--version`).
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
