//! The reference genome of `count`: a FASTA with its `.fai` index (bgzip-compressed with
//! its `.gzi` too), read with noodles one whole contig at a time.

use super::calls::CountError;
use noodles::core::Region;
use noodles::fasta;
use std::path::{Path, PathBuf};

/// An indexed FASTA: its contigs and a reader that loads one of them.
pub struct Fasta {
    shown: String,
    reader: fasta::io::IndexedReader<fasta::io::BufReader<std::fs::File>>,
    contigs: Vec<(String, u64)>,
}

impl std::fmt::Debug for Fasta {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Fasta").field("path", &self.shown).finish()
    }
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

impl Fasta {
    /// Opens `path` and reads its index (`PATH.fai`; `PATH.gzi` too when it ends in `.gz`).
    pub fn open(path: &Path) -> Result<Fasta, CountError> {
        let shown = path.display().to_string();
        if let Err(e) = std::fs::metadata(path) {
            return Err(CountError::Io {
                path: shown,
                source: e,
            });
        }
        let mut needed = vec![with_suffix(path, ".fai")];
        if path.extension().is_some_and(|e| e == "gz" || e == "bgz") {
            needed.push(with_suffix(path, ".gzi"));
        }
        for index in needed {
            if !index.is_file() {
                return Err(CountError::NoIndex {
                    fasta: shown,
                    index: index.display().to_string(),
                });
            }
        }
        let reader = fasta::io::indexed_reader::Builder::default()
            .build_from_path(path)
            .map_err(|e| CountError::Fasta {
                fasta: shown.clone(),
                detail: e.to_string(),
            })?;
        let contigs = reader
            .index()
            .as_ref()
            .iter()
            .map(|r| (String::from_utf8_lossy(r.name()).into_owned(), r.length()))
            .collect();
        Ok(Fasta {
            shown,
            reader,
            contigs,
        })
    }

    /// The FASTA as given (for messages).
    pub fn shown(&self) -> &str {
        &self.shown
    }

    /// Contig names and lengths, in index order.
    pub fn contigs(&self) -> &[(String, u64)] {
        &self.contigs
    }

    /// The sequence of contig `i`, upper case.
    pub fn load(&mut self, i: usize) -> Result<Vec<u8>, CountError> {
        let (name, len) = &self.contigs[i];
        let region = Region::new(name.as_str(), ..);
        let record = self.reader.query(&region).map_err(|e| CountError::Fasta {
            fasta: self.shown.clone(),
            detail: format!("contig {name}: {e}"),
        })?;
        let mut seq = record.sequence().as_ref().to_vec();
        if seq.len() as u64 != *len {
            return Err(CountError::Fasta {
                fasta: self.shown.clone(),
                detail: format!(
                    "contig {name} has {} bases where the index says {len}",
                    seq.len()
                ),
            });
        }
        seq.make_ascii_uppercase();
        Ok(seq)
    }
}

/// Reads a BED file into merged half-open 0-based intervals per FASTA contig (contig
/// names reconciled as for the calls; regions on contigs the FASTA lacks are ignored).
pub fn read_bed(
    path: &Path,
    contigs: &std::collections::HashMap<String, usize>,
) -> Result<Vec<Vec<(u64, u64)>>, CountError> {
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| CountError::Io {
        path: shown.clone(),
        source: e,
    })?;
    let mut out: Vec<Vec<(u64, u64)>> = vec![Vec::new(); contigs.len()];
    for (n, line) in text.lines().enumerate() {
        let t = line.trim_end_matches('\r');
        if t.trim().is_empty()
            || t.starts_with('#')
            || t.starts_with("track")
            || t.starts_with("browser")
        {
            continue;
        }
        let bad = |detail: String| CountError::Bed {
            path: shown.clone(),
            line: n + 1,
            detail,
        };
        let f: Vec<&str> = t.split('\t').collect();
        if f.len() < 3 {
            return Err(bad(
                "expected tab-separated chrom, start, end; fix the line".into(),
            ));
        }
        let num = |s: &str, what: &str| {
            s.trim()
                .parse::<u64>()
                .map_err(|_| bad(format!("{what} '{s}' is not a whole number; fix the line")))
        };
        let (start, end) = (num(f[1], "start")?, num(f[2], "end")?);
        if end < start {
            return Err(bad(format!("end {end} before start {start}; fix the line")));
        }
        if let Some(ci) = super::calls::resolve_contig(f[0], contigs) {
            out[ci].push((start, end));
        }
    }
    for v in &mut out {
        v.sort_unstable();
        let mut merged: Vec<(u64, u64)> = Vec::with_capacity(v.len());
        for &(s, e) in v.iter() {
            match merged.last_mut() {
                Some(last) if s <= last.1 => last.1 = last.1.max(e),
                _ => merged.push((s, e)),
            }
        }
        merged.retain(|(s, e)| e > s);
        *v = merged;
    }
    Ok(out)
}
