//! The work area of `extract --resume`: a hidden folder beside the output folder,
//! `.NAME.mutasig-parts/`, holding one partial file per finished rank
//! (`rank{K}.part`, written atomically), removed once the folder is committed.

use super::{OutputError, write_atomic};
use std::path::{Path, PathBuf};

/// The work area of the output folder `output`.
#[derive(Debug, Clone)]
pub struct WorkArea {
    dir: PathBuf,
}

impl WorkArea {
    /// The work area of `output` (nothing is created yet).
    pub fn of(output: &Path) -> WorkArea {
        let name = output.file_name().map_or_else(
            || "output".to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
        let parent = output.parent().unwrap_or(Path::new(""));
        WorkArea {
            dir: parent.join(format!(".{name}.mutasig-parts")),
        }
    }

    /// The folder.
    pub fn path(&self) -> &Path {
        &self.dir
    }

    /// The file of rank `k`.
    pub fn part(&self, k: usize) -> PathBuf {
        self.dir.join(format!("rank{k}.part"))
    }

    /// The bytes of rank `k`'s part, if a complete one is there.
    pub fn read(&self, k: usize) -> Option<Vec<u8>> {
        std::fs::read(self.part(k)).ok()
    }

    /// Writes rank `k`'s part atomically, creating the folder.
    pub fn write(&self, k: usize, bytes: &[u8]) -> Result<(), OutputError> {
        std::fs::create_dir_all(&self.dir).map_err(|source| OutputError::Io {
            path: self.dir.display().to_string(),
            source,
        })?;
        write_atomic(&self.part(k), bytes)
    }

    /// Removes the work area and everything in it.
    pub fn remove(&self) -> Result<(), OutputError> {
        match std::fs::remove_dir_all(&self.dir) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(OutputError::Io {
                path: self.dir.display().to_string(),
                source: e,
            }),
            _ => Ok(()),
        }
    }
}
