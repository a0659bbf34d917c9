//! Writing results: byte-stable TSV tables, JSON summaries, atomic files and output folders.
//!
//! A file appears under its final name only once it is complete (temporary name, then
//! rename), and an output folder appears only once every file of a run is in it (the run
//! writes into a hidden staging folder beside it, renamed at the end).

use faer::MatRef;

pub mod assign;
pub mod count;
pub mod extract;
mod folder;
pub mod groups;
pub mod multiqc;
pub mod parquet;
pub mod sigprofiler;
pub mod simulate;
pub mod summary;
pub mod work;
pub use folder::{
    FileTarget, MANIFEST, OutputDir, add_to_manifest, may_overwrite, remove_unfinished,
    write_atomic,
};
pub use parquet::TableFormat;

/// Column names that mean the same thing in every table that has them
/// (`signature_stats.tsv`, `cosmic_decomposition.tsv`); writers and readers use these.
pub mod columns {
    /// Label column of per-signature tables.
    pub const SIGNATURE: &str = "Signature";
    /// The reference signature with the highest cosine.
    pub const BEST_COSMIC: &str = "best_cosmic";
    /// Its cosine.
    pub const BEST_COSINE: &str = "best_cosine";
    /// Sparse decomposition into the reference, `SBS1:0.4200;SBS5:0.5800`.
    pub const DECOMPOSITION: &str = "decomposition";
    /// Cosine of the decomposition's reconstruction.
    pub const DECOMPOSITION_COSINE: &str = "decomposition_cosine";
    /// `matched`, `decomposed` or `novel`.
    pub const STATUS: &str = "status";
}

/// Problems writing outputs.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    /// Decomposing signatures for the tables failed.
    #[error(transparent)]
    Extract(#[from] crate::extract::ExtractError),
    /// Two inputs that must agree do not (the message names both).
    #[error("{0}")]
    Invalid(String),
    /// The output folder exists and holds only system files (`.DS_Store` …), no manifest.
    #[error(
        "{path}: the output folder exists and is not an earlier mutasig run; choose another folder or add --force to replace it"
    )]
    NotEmpty {
        /// The folder.
        path: String,
    },
    /// The output path exists and is not a folder.
    #[error("{path}: exists and is not a folder; choose another output folder")]
    NotAFolder {
        /// The path.
        path: String,
    },
    /// The output folder holds files mutasig did not write (or that were edited since).
    #[error(
        "{path}: holds {} that mutasig did not write ({files}); mutasig replaces only a folder of an earlier mutasig run: move those files or choose another folder",
        crate::read::table::plural(*count, "file", "files")
    )]
    NotOurs {
        /// The folder.
        path: String,
        /// How many files.
        count: usize,
        /// The first few of them.
        files: String,
    },
    /// A target that must never be replaced as a whole.
    #[error(
        "{path}: {reason}; mutasig replaces its output folder as a whole, so give it a folder of its own (for example {path}/mutasig-out)"
    )]
    Protected {
        /// The path as given.
        path: String,
        /// What it is.
        reason: String,
    },
    /// A symbolic link whose target does not exist.
    #[error(
        "{path}: is a symbolic link to {to}, which does not exist; create {to} or choose another output folder"
    )]
    DanglingLink {
        /// The link.
        path: String,
        /// Where it points.
        to: String,
    },
    /// Another run holds the target.
    #[error(
        "{path}: another mutasig run (process {pid}) is writing this folder; wait for it, choose another folder, or delete {lock} if no such run exists"
    )]
    Busy {
        /// The folder.
        path: String,
        /// Process holding the lock (0: unknown).
        pid: u32,
        /// The lock file.
        lock: String,
    },
    /// The finished folder could not be moved into place; the old one is kept.
    #[error(
        "{path}: cannot move the finished results into place ({source}); the previous contents are unchanged. If it is a mount point, write into a folder inside it"
    )]
    Replace {
        /// The folder.
        path: String,
        /// Underlying error.
        #[source]
        source: std::io::Error,
    },
    /// The finished folder could not be moved into place, nor the old one put back.
    #[error(
        "{path}: cannot move the finished results into place ({source}), nor put the previous contents back: they are in {aside}"
    )]
    ReplaceLost {
        /// The folder.
        path: String,
        /// Where the previous contents are.
        aside: String,
        /// Underlying error.
        #[source]
        source: std::io::Error,
    },
    /// `report` would replace a file mutasig did not write.
    #[error(
        "{path}: exists and is not a file mutasig wrote there (or it changed since, or is reached through a symbolic link); move it away and run again"
    )]
    WouldReplace {
        /// The file.
        path: String,
    },
    /// A single-file output that already exists.
    #[error("{path}: the file exists; choose another name or add --force to replace it")]
    FileExists {
        /// The file.
        path: String,
    },
    /// A single-file output naming a folder.
    #[error("{path}: is a folder; give a file name (or - for standard output)")]
    IsAFolder {
        /// The path.
        path: String,
    },
    /// A computed table holding NaN or an infinite value (a numeric failure).
    #[error(
        "{path}: line {line}, column '{column}': the result is {value}; nothing was written. This is a numeric failure in mutasig: please report it with the input"
    )]
    NonFinite {
        /// The file.
        path: String,
        /// 1-based line.
        line: usize,
        /// Column name.
        column: String,
        /// The value.
        value: String,
    },
    /// A Parquet table could not be built.
    #[error("{path}: {source}")]
    Parquet {
        /// The file.
        path: String,
        /// What went wrong.
        #[source]
        source: parquet::ParquetError,
    },
    /// An I/O failure.
    #[error("{path}: cannot write: {source}")]
    Io {
        /// The file or folder.
        path: String,
        /// Underlying error.
        source: std::io::Error,
    },
}

/// Fixed-point formatting with `decimals` digits; never prints `-0`, NaN as `NaN`.
///
/// ```
/// use mutasig::output::fmt_float;
/// assert_eq!(fmt_float(2.0 / 3.0, 4), "0.6667");
/// assert_eq!(fmt_float(-0.0001, 2), "0.00");
/// ```
pub fn fmt_float(x: f64, decimals: usize) -> String {
    if x.is_nan() {
        return "NaN".into();
    }
    let s = format!("{x:.decimals$}");
    if s.starts_with('-') && s[1..].chars().all(|c| c == '0' || c == '.') {
        s[1..].to_string()
    } else {
        s
    }
}

/// A tab-separated table under construction: header first, the label column first.
#[derive(Debug, Clone)]
pub struct Tsv {
    buf: String,
    width: usize,
}

impl Tsv {
    /// Start a table with its header.
    pub fn new<S: AsRef<str>>(header: &[S]) -> Tsv {
        let mut t = Tsv {
            buf: String::new(),
            width: header.len(),
        };
        t.row_str(header);
        t
    }

    /// Append a row of text cells.
    pub fn row_str<S: AsRef<str>>(&mut self, cells: &[S]) {
        debug_assert_eq!(cells.len(), self.width);
        for (i, c) in cells.iter().enumerate() {
            if i > 0 {
                self.buf.push('\t');
            }
            // tabs or newlines inside a name would break the table
            self.buf
                .push_str(&c.as_ref().replace(['\t', '\n', '\r'], " "));
        }
        self.buf.push('\n');
    }

    /// Append a row: a label then numbers with fixed decimals.
    pub fn row(&mut self, label: &str, values: impl IntoIterator<Item = f64>, decimals: usize) {
        let mut cells = vec![label.to_string()];
        cells.extend(values.into_iter().map(|v| fmt_float(v, decimals)));
        self.row_str(&cells);
    }

    /// The table's text.
    pub fn finish(self) -> String {
        self.buf
    }
}

/// A channels × columns matrix as TSV (`MutationType` first), or its transpose
/// (`Sample` first) when `transpose` is set.
pub fn matrix_tsv(
    label_header: &str,
    row_labels: &[String],
    col_names: &[String],
    m: MatRef<'_, f64>,
    decimals: usize,
    transpose: bool,
) -> String {
    let mut header = vec![label_header.to_string()];
    if transpose {
        header.extend(row_labels.iter().cloned());
        let mut t = Tsv::new(&header);
        for (j, name) in col_names.iter().enumerate() {
            t.row(name, (0..m.nrows()).map(|i| m[(i, j)]), decimals);
        }
        t.finish()
    } else {
        header.extend(col_names.iter().cloned());
        let mut t = Tsv::new(&header);
        for (i, label) in row_labels.iter().enumerate() {
            t.row(label, (0..m.ncols()).map(|j| m[(i, j)]), decimals);
        }
        t.finish()
    }
}

/// One row of `fit_quality.tsv`.
#[derive(Debug, Clone)]
pub struct FitRow<'a> {
    /// Sample name.
    pub sample: &'a str,
    /// Its mutations.
    pub total: f64,
    /// Cosine, relative L1 and L2 errors and KL divergence of the reconstruction.
    pub quality: crate::numeric::Quality,
    /// Signatures with exposure in the written (rounded) table.
    pub signatures: Vec<&'a str>,
    /// Selected signatures another explains almost as well, `SELECTED~ALTERNATIVE`
    /// (assign; empty for extract).
    pub near_equivalent: Vec<String>,
}

/// A sample whose reconstruction cosine is below this is flagged `poor_fit`.
pub const POOR_FIT_COSINE: f64 = 0.90;
/// A sample with fewer mutations than this is flagged `low_burden`: below it even one
/// signature's exposure is uncertain by more than ±20% (Poisson, 95%), and refitting
/// accuracy falls steeply (Medo et al. 2024).
pub const LOW_BURDEN: f64 = 100.0;

impl FitRow<'_> {
    /// `poor_fit`, `low_burden`, both or neither, comma-separated.
    pub fn flags(&self) -> String {
        let mut f = Vec::new();
        if self.quality.cosine < POOR_FIT_COSINE {
            f.push("poor_fit");
        }
        if self.total < LOW_BURDEN {
            f.push("low_burden");
        }
        f.join(",")
    }
}

/// `fit_quality.tsv` (extract and assign write the same columns).
pub fn fit_quality_tsv(rows: &[FitRow<'_>]) -> String {
    let mut t = Tsv::new(&[
        "Sample",
        "total_mutations",
        "cosine",
        "rel_l1",
        "rel_l2",
        "kl",
        "n_signatures",
        "signatures",
        "flags",
        "near_equivalent",
    ]);
    for r in rows {
        t.row_str(&[
            r.sample.to_string(),
            fmt_float(r.total, 0),
            fmt_float(r.quality.cosine, 6),
            fmt_float(r.quality.rel_l1, 6),
            fmt_float(r.quality.rel_l2, 6),
            fmt_float(r.quality.kl, 6),
            r.signatures.len().to_string(),
            r.signatures.join(","),
            r.flags(),
            r.near_equivalent.join(","),
        ]);
    }
    t.finish()
}

/// JSON text of a serializable value, pretty-printed, ending with a newline.
pub fn json<T: serde::Serialize>(value: &T) -> String {
    let mut s = serde_json::to_string_pretty(value).expect("summaries serialize");
    s.push('\n');
    s
}

/// SHA-256 of some bytes, as lowercase hex (input checksums in summaries).
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    crate::read::table::hex(&sha2::Sha256::digest(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_are_fixed_and_never_negative_zero() {
        assert_eq!(fmt_float(1.0, 3), "1.000");
        assert_eq!(fmt_float(-0.0, 2), "0.00");
        assert_eq!(fmt_float(-0.0001, 2), "0.00");
        assert_eq!(fmt_float(-1.5, 1), "-1.5");
        assert_eq!(fmt_float(2.0 / 3.0, 4), "0.6667");
    }

    #[test]
    fn tsv_has_header_and_sanitises_names() {
        let mut t = Tsv::new(&["Sample", "SBS1"]);
        t.row("a\tb", [1.25], 2);
        assert_eq!(t.finish(), "Sample\tSBS1\na b\t1.25\n");
    }

    #[test]
    fn output_dir_is_all_or_nothing() {
        let tmp = tempfile::tempdir().unwrap();
        let target = tmp.path().join("out");
        {
            let d = OutputDir::create(&target, false, &[]).unwrap();
            d.write("a.tsv", b"x").unwrap();
            // dropped without commit
        }
        assert!(!target.exists());
        assert_eq!(std::fs::read_dir(tmp.path()).unwrap().count(), 0);
        let d = OutputDir::create(&target, false, &[]).unwrap();
        d.write("sub/a.tsv", b"x").unwrap();
        d.commit().unwrap();
        assert_eq!(std::fs::read(target.join("sub/a.tsv")).unwrap(), b"x");
        // an earlier run's folder is replaced without --force (workflow reruns)
        let d = OutputDir::create(&target, false, &[]).unwrap();
        d.write("b.tsv", b"y").unwrap();
        d.commit().unwrap();
        assert!(!target.join("sub").exists());
        assert!(target.join("b.tsv").exists());
    }

    #[test]
    fn checksum_is_sha256() {
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
