//! Output folders and files that never cost the user a file mutasig did not write.
//!
//! The rules (docs/reliability.md states them for users):
//! - A run writes into a hidden staging folder `.NAME.partialPID` beside its target and
//!   moves it into place at the end, so a folder under the final name is always complete.
//! - Every finished folder holds `.mutasig-manifest`: the SHA-256 and path of each file
//!   mutasig wrote (the `sha256sum` layout). `--force` replaces only an empty folder or
//!   one whose every file is on its manifest, unchanged.
//! - The target may not be the working directory, the folder of the executable, an
//!   input, or any folder that contains one of them.
//! - Replacement renames the old folder aside, renames the new one in, and deletes the old
//!   one last; a failed rename puts the old folder back.
//! - A lock file `.NAME.mutasig-lock` beside the target, held with an advisory file lock
//!   (released by the system when a process dies, however it dies), keeps two runs apart.
//!   The holder of the lock removes what dead runs into the same target left behind.
//! - A symbolic link as target is written through: the folder it points to is replaced.
//! - Staging folders and temporary files are registered, so that a signal handler can
//!   remove them ([`remove_unfinished`]) before the process exits.

use super::OutputError;
use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::{Component, Path, PathBuf};
use std::sync::Mutex;

/// File in every finished output folder listing what mutasig wrote there.
pub const MANIFEST: &str = ".mutasig-manifest";
/// Marker inside a staging folder, so that leftovers are recognised as ours.
const STAGING_MARKER: &str = ".mutasig-staging";
const MANIFEST_HEADER: &str = "# files written by mutasig (sha256sum layout); `--force` replaces this folder only while it holds nothing else";
/// Files that file managers add on their own; never a reason to refuse a folder.
const SYSTEM_FILES: [&str; 4] = [
    ".DS_Store",
    "Thumbs.db",
    "desktop.ini",
    // Snakemake's mark in a finished directory() output
    ".snakemake_timestamp",
];

/// Paths of unfinished work (staging folders, temporary files, locks) of this process.
static UNFINISHED: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

fn register(p: &Path) {
    lock_registry().push(p.to_path_buf());
}

fn unregister(p: &Path) {
    lock_registry().retain(|q| q != p);
}

fn lock_registry() -> std::sync::MutexGuard<'static, Vec<PathBuf>> {
    UNFINISHED.lock().unwrap_or_else(|e| e.into_inner())
}

/// Remove every staging folder, temporary file and lock this process still holds (for a
/// signal handler, before it exits). Blocks while a folder is being moved into place, so
/// a commit is never cut in half.
pub fn remove_unfinished() {
    let mut reg = lock_registry();
    for p in reg.drain(..).rev() {
        if p.is_dir() {
            let _ = std::fs::remove_dir_all(&p);
        } else {
            let _ = std::fs::remove_file(&p);
        }
    }
    // keep the registry locked: the process is about to exit, and no commit may start
    std::mem::forget(reg);
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> OutputError + '_ {
    move |source| OutputError::Io {
        path: path.display().to_string(),
        source,
    }
}

/// `path` made absolute with symbolic links and `..` resolved as far as it exists; the
/// missing rest is appended lexically (it holds no link, since it does not exist).
pub(crate) fn resolve(path: &Path) -> std::io::Result<PathBuf> {
    let abs = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir()?.join(path)
    };
    let mut real = PathBuf::from("/");
    let mut exists = true;
    for c in abs.components() {
        match c {
            Component::Prefix(p) => real = PathBuf::from(p.as_os_str()),
            Component::RootDir => real.push(c.as_os_str()),
            Component::CurDir => {}
            Component::ParentDir => {
                real.pop();
                exists = real.exists();
            }
            Component::Normal(n) => {
                real.push(n);
                if exists {
                    match std::fs::canonicalize(&real) {
                        Ok(r) => real = r,
                        Err(_) => exists = false,
                    }
                }
            }
        }
    }
    Ok(real)
}

/// Why a target must not be replaced as a whole, if it must not.
fn protected_reason(real: &Path, inputs: &[&str]) -> Option<String> {
    let contains = |p: &Path| p.starts_with(real);
    if real.parent().is_none() {
        return Some("is the root folder".into());
    }
    if let Ok(cwd) = std::env::current_dir().and_then(std::fs::canonicalize)
        && contains(&cwd)
    {
        return Some(if cwd == real {
            "is the working directory".into()
        } else {
            "contains the working directory".into()
        });
    }
    if let Some(input) = input_inside(real, inputs) {
        return Some(input);
    }
    if let Some(dir) = std::env::current_exe()
        .ok()
        .and_then(|e| std::fs::canonicalize(e).ok())
        .and_then(|e| e.parent().map(Path::to_path_buf))
        && contains(&dir)
    {
        return Some("contains the mutasig executable".into());
    }
    None
}

/// "is the input X" / "contains the input X" when `real` is or holds one of `inputs`.
fn input_inside(real: &Path, inputs: &[&str]) -> Option<String> {
    inputs.iter().filter(|i| **i != "-").find_map(|input| {
        let p = std::fs::canonicalize(input).ok()?;
        if p == real {
            Some(format!("is the input {input}"))
        } else if p.starts_with(real) {
            Some(format!("contains the input {input}"))
        } else {
            None
        }
    })
}

/// Files and links under `dir`, relative, `/`-separated (empty folders hold no data and
/// are not listed).
fn entries(dir: &Path) -> std::io::Result<Vec<String>> {
    let mut out = Vec::new();
    let mut stack = vec![(dir.to_path_buf(), String::new())];
    while let Some((d, prefix)) = stack.pop() {
        for e in std::fs::read_dir(&d)? {
            let e = e?;
            let name = format!("{prefix}{}", e.file_name().to_string_lossy());
            if e.file_type()?.is_dir() {
                stack.push((e.path(), format!("{name}/")));
            } else {
                out.push(name);
            }
        }
    }
    out.sort();
    Ok(out)
}

/// SHA-256 of a file's bytes as hex; `None` for anything that is not a plain file.
fn file_sha256(p: &Path) -> Option<String> {
    let meta = std::fs::symlink_metadata(p).ok()?;
    if !meta.is_file() {
        return None;
    }
    std::fs::read(p).ok().map(|b| super::sha256_hex(&b))
}

/// path → SHA-256 of the files a folder's manifest lists (`None`: no manifest).
fn read_manifest(dir: &Path) -> Option<BTreeMap<String, String>> {
    let text = std::fs::read_to_string(dir.join(MANIFEST)).ok()?;
    if !text.starts_with(MANIFEST_HEADER) {
        return None;
    }
    Some(
        text.lines()
            .skip(1)
            .filter_map(|l| l.split_once("  "))
            .map(|(h, p)| (p.to_string(), h.to_string()))
            .collect(),
    )
}

fn manifest_text(files: &BTreeMap<String, String>) -> String {
    let mut s = format!("{MANIFEST_HEADER}\n");
    for (path, hash) in files {
        s.push_str(&format!("{hash}  {path}\n"));
    }
    s
}

/// Files under an existing folder that mutasig did not write there: not on its manifest,
/// or changed since (all of them when it has no manifest). Empty: it may be replaced.
fn foreign_files(dir: &Path) -> std::io::Result<Vec<String>> {
    let known = read_manifest(dir).unwrap_or_default();
    Ok(entries(dir)?
        .into_iter()
        .filter(|f| {
            let base = f.rsplit('/').next().unwrap_or(f);
            f != MANIFEST && f != STAGING_MARKER && !SYSTEM_FILES.contains(&base)
        })
        .filter(|f| known.get(f) != file_sha256(&dir.join(f)).as_ref())
        .collect())
}

fn listed(files: &[String]) -> String {
    let mut s = files
        .iter()
        .take(5)
        .map(|f| f.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    if files.len() > 5 {
        s.push_str(&format!(" and {} more", files.len() - 5));
    }
    s
}

/// Check that an existing target may be replaced; `shown` is the path as the user gave it.
fn check_replaceable(real: &Path, shown: &Path, force: bool) -> Result<(), OutputError> {
    let meta = match std::fs::symlink_metadata(real) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(io_err(shown)(e)),
    };
    if !meta.is_dir() {
        return Err(OutputError::NotAFolder {
            path: shown.display().to_string(),
        });
    }
    let empty = std::fs::read_dir(real)
        .map_err(io_err(shown))?
        .next()
        .is_none();
    if empty {
        return Ok(());
    }
    // a folder holding only an earlier run's unchanged files is replaced without --force,
    // so that workflow managers can rerun a job into the same folder; files mutasig did
    // not write are never replaced, with or without it
    let foreign = foreign_files(real).map_err(io_err(shown))?;
    if !foreign.is_empty() {
        return Err(OutputError::NotOurs {
            path: shown.display().to_string(),
            count: foreign.len(),
            files: listed(&foreign),
        });
    }
    if force || real.join(MANIFEST).is_file() {
        Ok(())
    } else {
        // only system files (.DS_Store …) and no manifest: not recognisably a run
        Err(OutputError::NotEmpty {
            path: shown.display().to_string(),
        })
    }
}

/// The lock file of a target, held (advisory lock) for the whole run; removed on drop.
#[derive(Debug)]
struct RunLock {
    path: PathBuf,
    _file: std::fs::File,
}

impl RunLock {
    fn take(path: PathBuf, shown: &Path) -> Result<RunLock, OutputError> {
        use std::os::unix::fs::MetadataExt as _;
        let busy = |path: &Path| OutputError::Busy {
            path: shown.display().to_string(),
            pid: std::fs::read_to_string(path)
                .ok()
                .and_then(|s| s.trim().parse().ok())
                .unwrap_or(0),
            lock: path.display().to_string(),
        };
        // a run that finishes deletes its lock file: retry when the file we locked is
        // no longer the one at the path
        for _ in 0..8 {
            let mut file = std::fs::OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(false)
                .open(&path)
                .map_err(io_err(&path))?;
            match file.try_lock() {
                Ok(()) => {}
                Err(std::fs::TryLockError::WouldBlock) => return Err(busy(&path)),
                Err(std::fs::TryLockError::Error(e)) => return Err(io_err(&path)(e)),
            }
            let same = match (file.metadata(), std::fs::metadata(&path)) {
                (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
                _ => false,
            };
            if !same {
                continue;
            }
            register(&path);
            let _ = file.set_len(0);
            let _ = writeln!(file, "{}", std::process::id());
            return Ok(RunLock { path, _file: file });
        }
        Err(busy(&path))
    }
}

impl Drop for RunLock {
    fn drop(&mut self) {
        // removed while still locked, so no other run can lock a file about to vanish
        let _ = std::fs::remove_file(&self.path);
        unregister(&self.path);
    }
}

/// With the target's lock held, no other run writes it: staging folders beside it are
/// leftovers of dead runs, and an old folder set aside by a run that died mid-swap goes
/// back into place if the new one never arrived.
fn clean_leftovers(parent: &Path, name: &str, real: &Path) {
    let Ok(rd) = std::fs::read_dir(parent) else {
        return;
    };
    for e in rd.flatten() {
        let file = e.file_name().to_string_lossy().into_owned();
        let Some(rest) = file.strip_prefix(&format!(".{name}.")) else {
            continue;
        };
        let path = e.path();
        let is_dir = std::fs::symlink_metadata(&path).is_ok_and(|m| m.is_dir());
        let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        if rest.strip_prefix("partial").is_some_and(digits)
            && is_dir
            && path.join(STAGING_MARKER).is_file()
        {
            let _ = std::fs::remove_dir_all(&path);
        } else if rest.strip_prefix("old").is_some_and(digits)
            && is_dir
            && path.join(MANIFEST).is_file()
            && foreign_files(&path).is_ok_and(|f| f.is_empty())
        {
            if std::fs::symlink_metadata(real).is_err() {
                let _ = std::fs::rename(&path, real);
            } else {
                let _ = std::fs::remove_dir_all(&path);
            }
        }
    }
}

/// An output folder written as a whole: files go to a staging folder beside the final
/// one, which replaces it on [`OutputDir::commit`]. Dropped without commit, the staging
/// folder (and any parent folders it created) is removed, so an interrupted run leaves
/// nothing that looks complete.
#[derive(Debug)]
pub struct OutputDir {
    /// The path as the user gave it (for messages).
    target: PathBuf,
    /// Where the folder really goes (symbolic links resolved).
    real: PathBuf,
    staging: PathBuf,
    force: bool,
    committed: bool,
    /// Relative path → SHA-256 of every file written, for the manifest.
    written: Mutex<BTreeMap<String, String>>,
    /// Parent folders this run created, deepest last (removed again if it fails).
    created: Vec<PathBuf>,
    /// Held until the folder is committed or dropped.
    lock: Option<RunLock>,
}

impl OutputDir {
    /// Prepare to write `target`. An existing non-empty folder is refused unless `force`,
    /// and even then unless mutasig wrote everything in it. `inputs` are the files the
    /// run reads: the target may not be or contain one of them.
    pub fn create(target: &Path, force: bool, inputs: &[&str]) -> Result<OutputDir, OutputError> {
        let shown = || target.display().to_string();
        if target.as_os_str().is_empty() {
            return Err(OutputError::Protected {
                path: shown(),
                reason: "is empty".into(),
            });
        }
        if let Ok(m) = std::fs::symlink_metadata(target)
            && m.file_type().is_symlink()
            && !target.exists()
        {
            let to = std::fs::read_link(target).unwrap_or_default();
            return Err(OutputError::DanglingLink {
                path: shown(),
                to: to.display().to_string(),
            });
        }
        let real = resolve(target).map_err(io_err(target))?;
        if let Some(reason) = protected_reason(&real, inputs) {
            return Err(OutputError::Protected {
                path: shown(),
                reason,
            });
        }
        let (Some(parent), Some(name)) = (real.parent(), real.file_name()) else {
            return Err(OutputError::Protected {
                path: shown(),
                reason: "is the root folder".into(),
            });
        };
        let name = name.to_string_lossy().into_owned();
        let created: Vec<PathBuf> = parent
            .ancestors()
            .take_while(|a| !a.exists())
            .map(Path::to_path_buf)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        std::fs::create_dir_all(parent).map_err(io_err(parent))?;
        let remove_created = |created: &[PathBuf]| {
            for d in created.iter().rev() {
                let _ = std::fs::remove_dir(d);
            }
        };
        let lock = match RunLock::take(parent.join(format!(".{name}.mutasig-lock")), target) {
            Ok(l) => l,
            Err(e) => {
                remove_created(&created);
                return Err(e);
            }
        };
        clean_leftovers(parent, &name, &real);
        let staging = parent.join(format!(".{name}.partial{}", std::process::id()));
        let made = check_replaceable(&real, target, force).and_then(|()| {
            register(&staging);
            std::fs::create_dir(&staging).map_err(io_err(target))?;
            std::fs::write(staging.join(STAGING_MARKER), b"").map_err(io_err(target))
        });
        if let Err(e) = made {
            let _ = std::fs::remove_dir_all(&staging);
            unregister(&staging);
            drop(lock);
            remove_created(&created);
            return Err(e);
        }
        Ok(OutputDir {
            target: target.to_path_buf(),
            real,
            staging,
            force,
            committed: false,
            written: Mutex::new(BTreeMap::new()),
            created,
            lock: Some(lock),
        })
    }

    /// The final folder, as given.
    pub fn target(&self) -> &Path {
        &self.target
    }

    /// The staging folder, where the files are until [`OutputDir::commit`] (for code that
    /// reads back what was written, like the report).
    pub fn staging(&self) -> &Path {
        &self.staging
    }

    /// Write a file (relative path, sub-folders created) into the staging folder. Errors
    /// name the file under the final folder, not the hidden staging path.
    pub fn write(&self, rel: &str, bytes: &[u8]) -> Result<(), OutputError> {
        let shown = self.target.join(rel);
        if rel.ends_with(".tsv") {
            check_finite(&shown, bytes)?;
        }
        if !self.staging.is_dir() {
            // removed under us (an interrupt): never recreate it
            return Err(io_err(&shown)(std::io::ErrorKind::NotFound.into()));
        }
        let path = self.staging.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(io_err(&shown))?;
        }
        write_atomic(&path, bytes).map_err(|e| match e {
            OutputError::Io { source, .. } => io_err(&shown)(source),
            other => other,
        })?;
        self.written
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(rel.to_string(), super::sha256_hex(bytes));
        Ok(())
    }

    /// Move the finished folder into place: the old folder (which `create` allowed to be
    /// replaced, and which is checked again now) is renamed aside, the new one renamed in,
    /// and the old one deleted last; if the second rename fails the old one is restored.
    pub fn commit(mut self) -> Result<PathBuf, OutputError> {
        let shown = self.target.clone();
        let written = std::mem::take(&mut *self.written.lock().unwrap_or_else(|e| e.into_inner()));
        write_atomic(
            &self.staging.join(MANIFEST),
            manifest_text(&written).as_bytes(),
        )
        .map_err(|e| match e {
            OutputError::Io { source, .. } => io_err(&shown.join(MANIFEST))(source),
            other => other,
        })?;
        // hold the registry so that a signal cannot cut the swap in half
        let reg = lock_registry();
        let result = self.swap(&shown);
        drop(reg);
        result?;
        // the marker stayed until the swap was done, so a run killed in between leaves a
        // recognisable staging folder
        let _ = std::fs::remove_file(self.real.join(STAGING_MARKER));
        unregister(&self.staging);
        self.committed = true;
        Ok(self.target.clone())
    }

    fn swap(&self, shown: &Path) -> Result<(), OutputError> {
        check_replaceable(&self.real, shown, self.force)?;
        let aside = self.real.with_file_name(format!(
            ".{}.old{}",
            self.real.file_name().unwrap_or_default().to_string_lossy(),
            std::process::id()
        ));
        let had_old = std::fs::symlink_metadata(&self.real).is_ok();
        if had_old {
            std::fs::rename(&self.real, &aside).map_err(|source| OutputError::Replace {
                path: shown.display().to_string(),
                source,
            })?;
        }
        if let Err(source) = std::fs::rename(&self.staging, &self.real) {
            if had_old && std::fs::rename(&aside, &self.real).is_err() {
                return Err(OutputError::ReplaceLost {
                    path: shown.display().to_string(),
                    aside: aside.display().to_string(),
                    source,
                });
            }
            return Err(OutputError::Replace {
                path: shown.display().to_string(),
                source,
            });
        }
        if had_old {
            // only mutasig's files (or nothing) were in it: checked just above
            let _ = std::fs::remove_dir_all(&aside);
        }
        Ok(())
    }
}

impl Drop for OutputDir {
    fn drop(&mut self) {
        if !self.committed {
            let _ = std::fs::remove_dir_all(&self.staging);
            unregister(&self.staging);
            // the lock file goes first: the parents it sits in are removed if empty
            self.lock.take();
            for d in self.created.iter().rev() {
                let _ = std::fs::remove_dir(d);
            }
        }
    }
}

/// Refuse a table with a NaN or infinite cell: a numeric failure must never reach a user's
/// pipeline as a file that looks complete.
fn check_finite(shown: &Path, bytes: &[u8]) -> Result<(), OutputError> {
    let text = String::from_utf8_lossy(bytes);
    for (i, line) in text.lines().enumerate().skip(1) {
        for (j, cell) in line.split('\t').enumerate().skip(1) {
            if matches!(cell, "NaN" | "inf" | "-inf") {
                let column = text
                    .lines()
                    .next()
                    .and_then(|h| h.split('\t').nth(j))
                    .unwrap_or("?");
                return Err(OutputError::NonFinite {
                    path: shown.display().to_string(),
                    line: i + 1,
                    column: column.to_string(),
                    value: cell.to_string(),
                });
            }
        }
    }
    Ok(())
}

/// Whether `rel` may be written into the finished folder `dir` (by `report`): absent, or
/// a file mutasig wrote there and nobody changed since (on the manifest, same SHA-256),
/// with no symbolic link on the way.
pub fn may_overwrite(dir: &Path, rel: &str) -> bool {
    let mut p = dir.to_path_buf();
    for part in rel.split('/') {
        p.push(part);
        match std::fs::symlink_metadata(&p) {
            Ok(m) if m.file_type().is_symlink() => return false,
            Ok(_) => {}
            Err(_) => return true,
        }
    }
    read_manifest(dir).is_some_and(|m| m.get(rel) == file_sha256(&p).as_ref())
}

/// Record files added to a finished folder (relative path, bytes written) in its manifest
/// (no-op for a folder without one).
pub fn add_to_manifest(dir: &Path, files: &[(String, &[u8])]) -> Result<(), OutputError> {
    let Some(mut m) = read_manifest(dir) else {
        return Ok(());
    };
    for (rel, bytes) in files {
        m.insert(rel.clone(), super::sha256_hex(bytes));
    }
    write_atomic(&dir.join(MANIFEST), manifest_text(&m).as_bytes())
}

/// Write a file atomically: a fresh temporary name in the same folder, then rename. A
/// symbolic link at `path` is written through (its target is replaced, the link kept).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), OutputError> {
    let path = match std::fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_symlink() => resolve(path).map_err(io_err(path))?,
        _ => path.to_path_buf(),
    };
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "out".into());
    // create_new: never open (and truncate) a file or link that is already there
    let mut opened = None;
    for n in 0..100 {
        let tmp = dir.join(format!(".{name}.tmp{}.{n}", std::process::id()));
        register(&tmp);
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)
        {
            Ok(f) => {
                opened = Some((tmp, f));
                break;
            }
            Err(e) => {
                unregister(&tmp);
                if e.kind() != std::io::ErrorKind::AlreadyExists {
                    return Err(io_err(&path)(e));
                }
            }
        }
    }
    let Some((tmp, mut f)) = opened else {
        return Err(io_err(&path)(std::io::ErrorKind::AlreadyExists.into()));
    };
    let result = f
        .write_all(bytes)
        .and_then(|()| f.sync_all())
        .and_then(|()| std::fs::rename(&tmp, &path));
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    unregister(&tmp);
    result.map_err(io_err(&path))
}

/// Where a single-file output goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileTarget {
    /// `-`: standard output.
    Stdout,
    /// A file.
    File(PathBuf),
}

impl FileTarget {
    /// `-` is standard output; anything else a file path.
    pub fn parse(s: &Path) -> FileTarget {
        if s == Path::new("-") {
            FileTarget::Stdout
        } else {
            FileTarget::File(s.to_path_buf())
        }
    }

    /// Check, before any work, that the file may be written: an existing file only with
    /// `force`, never a folder, a link to nothing, or one of the inputs.
    pub fn check(&self, force: bool, inputs: &[&str]) -> Result<(), OutputError> {
        let FileTarget::File(p) = self else {
            return Ok(());
        };
        let shown = || p.display().to_string();
        if p.is_dir() {
            return Err(OutputError::IsAFolder { path: shown() });
        }
        if let Ok(m) = std::fs::symlink_metadata(p)
            && m.file_type().is_symlink()
            && !p.exists()
        {
            let to = std::fs::read_link(p).unwrap_or_default();
            return Err(OutputError::DanglingLink {
                path: shown(),
                to: to.display().to_string(),
            });
        }
        if let Ok(real) = std::fs::canonicalize(p) {
            if let Some(reason) = input_inside(&real, inputs) {
                return Err(OutputError::Protected {
                    path: shown(),
                    reason,
                });
            }
            if !force {
                return Err(OutputError::FileExists { path: shown() });
            }
        }
        Ok(())
    }

    /// Write the bytes (atomically for a file).
    pub fn write(&self, bytes: &[u8]) -> Result<(), OutputError> {
        match self {
            FileTarget::Stdout => {
                let mut out = std::io::stdout().lock();
                out.write_all(bytes)
                    .and_then(|_| out.flush())
                    .map_err(io_err(Path::new("standard output")))
            }
            FileTarget::File(p) => {
                if p.extension().is_some_and(|e| e == "tsv") {
                    check_finite(p, bytes)?;
                }
                write_atomic(p, bytes)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::BTreeMap;

    fn run(target: &Path, force: bool, inputs: &[&str]) -> Result<PathBuf, OutputError> {
        let d = OutputDir::create(target, force, inputs)?;
        d.write("a.tsv", b"new")?;
        d.write("plots/b.svg", b"<svg/>")?;
        d.commit()
    }

    fn hidden(dir: &Path) -> Vec<String> {
        std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with('.'))
            .collect()
    }

    #[test]
    fn working_directory_and_its_ancestors_are_refused() {
        let cwd = std::env::current_dir().unwrap();
        for t in [
            cwd.clone(),
            cwd.join("sub/.."),
            cwd.parent().unwrap().to_path_buf(),
        ] {
            let e = OutputDir::create(&t, true, &[]).unwrap_err();
            assert!(matches!(e, OutputError::Protected { .. }), "{t:?}: {e}");
        }
        assert!(matches!(
            OutputDir::create(Path::new("/"), true, &[]),
            Err(OutputError::Protected { .. })
        ));
    }

    #[test]
    fn force_never_deletes_the_input_or_foreign_files() {
        let tmp = tempfile::tempdir().unwrap();
        let in1 = tmp.path().join("in1");
        std::fs::create_dir(&in1).unwrap();
        std::fs::write(in1.join("cat.tsv"), b"input").unwrap();
        std::fs::write(in1.join("notes.txt"), b"mine").unwrap();
        let input = in1.join("cat.tsv");
        let e = run(&in1, true, &[input.to_str().unwrap()]).unwrap_err();
        assert!(matches!(e, OutputError::Protected { .. }), "{e}");
        let e = run(&in1, true, &[]).unwrap_err();
        assert!(matches!(e, OutputError::NotOurs { count: 2, .. }), "{e}");
        assert_eq!(std::fs::read(in1.join("notes.txt")).unwrap(), b"mine");
        assert_eq!(std::fs::read(&input).unwrap(), b"input");
        assert!(hidden(tmp.path()).is_empty(), "{:?}", hidden(tmp.path()));
    }

    #[test]
    fn force_replaces_a_previous_run_but_not_one_with_added_files() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("out");
        run(&out, false, &[]).unwrap();
        let manifest = std::fs::read_to_string(out.join(MANIFEST)).unwrap();
        let new = crate::output::sha256_hex(b"new");
        assert!(
            manifest.ends_with(&format!(
                "\n{new}  a.tsv\n{}  plots/b.svg\n",
                crate::output::sha256_hex(b"<svg/>")
            )),
            "{manifest}"
        );
        // a rerun needs no --force; a file of the user's is refused with or without it
        run(&out, false, &[]).unwrap();
        run(&out, true, &[]).unwrap();
        std::fs::write(out.join("plots/mine.svg"), b"x").unwrap();
        for force in [false, true] {
            let e = run(&out, force, &[]).unwrap_err();
            assert!(e.to_string().contains("plots/mine.svg"), "{e}");
        }
        assert_eq!(std::fs::read(out.join("plots/mine.svg")).unwrap(), b"x");
        // a file mutasig wrote and the user edited since is theirs now
        std::fs::remove_file(out.join("plots/mine.svg")).unwrap();
        std::fs::write(out.join("a.tsv"), b"edited").unwrap();
        let e = run(&out, true, &[]).unwrap_err();
        assert!(e.to_string().contains("a.tsv"), "{e}");
        assert_eq!(std::fs::read(out.join("a.tsv")).unwrap(), b"edited");
        // what file managers add does not count
        std::fs::write(out.join("a.tsv"), b"new").unwrap();
        std::fs::write(out.join(".DS_Store"), b"").unwrap();
        run(&out, true, &[]).unwrap();
        assert_eq!(hidden(tmp.path()), Vec::<String>::new());
    }

    #[test]
    fn a_second_concurrent_run_is_refused_and_the_first_completes() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("out");
        let first = OutputDir::create(&out, false, &[]).unwrap();
        let e = OutputDir::create(&out, true, &[]).unwrap_err();
        assert!(matches!(e, OutputError::Busy { .. }), "{e}");
        first.write("a.tsv", b"1").unwrap();
        first.commit().unwrap();
        assert_eq!(std::fs::read(out.join("a.tsv")).unwrap(), b"1");
        assert_eq!(hidden(tmp.path()), Vec::<String>::new());
    }

    #[test]
    fn symbolic_links_are_written_through_and_dangling_ones_refused() {
        let tmp = tempfile::tempdir().unwrap();
        let real = tmp.path().join("real");
        let link = tmp.path().join("link");
        std::os::unix::fs::symlink(&real, &link).unwrap();
        let e = run(&link, false, &[]).unwrap_err();
        assert!(matches!(e, OutputError::DanglingLink { .. }), "{e}");
        std::fs::create_dir(&real).unwrap();
        run(&link, false, &[]).unwrap();
        assert!(
            std::fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(std::fs::read(real.join("a.tsv")).unwrap(), b"new");
        run(&link, true, &[]).unwrap();
        assert_eq!(std::fs::read(link.join("a.tsv")).unwrap(), b"new");
    }

    #[test]
    fn stale_staging_folders_of_dead_processes_are_removed() {
        let tmp = tempfile::tempdir().unwrap();
        // PIDs above the kernel's limit (4194304) are never alive
        let stale = tmp.path().join(".out.partial4999999");
        std::fs::create_dir(&stale).unwrap();
        std::fs::write(stale.join(STAGING_MARKER), b"").unwrap();
        std::fs::write(stale.join("exposures.tsv"), b"half").unwrap();
        let lookalike = tmp.path().join(".out.partial4999998");
        std::fs::create_dir(&lookalike).unwrap();
        std::fs::write(lookalike.join("mine.txt"), b"x").unwrap();
        std::fs::write(tmp.path().join(".out.mutasig-lock"), b"4999999\n").unwrap();
        run(&tmp.path().join("out"), false, &[]).unwrap();
        assert!(!stale.exists());
        assert!(lookalike.join("mine.txt").exists(), "not ours: kept");
    }

    #[test]
    fn a_run_that_died_mid_swap_gets_its_old_folder_back() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("out");
        run(&out, false, &[]).unwrap();
        // killed between the two renames: old results aside, new ones still staged
        std::fs::rename(&out, tmp.path().join(".out.old4999999")).unwrap();
        let staged = tmp.path().join(".out.partial4999999");
        std::fs::create_dir(&staged).unwrap();
        std::fs::write(staged.join(STAGING_MARKER), b"").unwrap();
        // the old folder is back before the new run may replace it
        let d = OutputDir::create(&out, false, &[]).unwrap();
        assert_eq!(std::fs::read(out.join("a.tsv")).unwrap(), b"new");
        drop(d);
        assert!(hidden(tmp.path()).is_empty(), "{:?}", hidden(tmp.path()));
    }

    #[test]
    fn parents_created_for_a_failed_run_are_removed() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("a/b/out");
        drop(OutputDir::create(&out, false, &[]).unwrap());
        assert!(!tmp.path().join("a").exists());
        std::fs::create_dir(tmp.path().join("a")).unwrap();
        drop(OutputDir::create(&out, false, &[]).unwrap());
        assert!(tmp.path().join("a").is_dir(), "not ours: kept");
    }

    #[test]
    fn temporary_names_never_reuse_an_existing_file() {
        let tmp = tempfile::tempdir().unwrap();
        let precious = tmp.path().join("precious");
        std::fs::write(&precious, b"keep").unwrap();
        let squat = tmp
            .path()
            .join(format!(".m.tsv.tmp{}.0", std::process::id()));
        std::os::unix::fs::symlink(&precious, &squat).unwrap();
        write_atomic(&tmp.path().join("m.tsv"), b"x").unwrap();
        assert_eq!(std::fs::read(&precious).unwrap(), b"keep");
        assert_eq!(std::fs::read(tmp.path().join("m.tsv")).unwrap(), b"x");
    }

    #[test]
    fn report_may_not_write_through_links_or_over_changed_files() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("out");
        run(&out, false, &[]).unwrap();
        assert!(may_overwrite(&out, "a.tsv"));
        assert!(may_overwrite(&out, "report.html"), "absent");
        std::fs::write(out.join("a.tsv"), b"edited").unwrap();
        assert!(!may_overwrite(&out, "a.tsv"));
        let figs = tmp.path().join("paper-figures");
        std::fs::create_dir(&figs).unwrap();
        std::fs::write(figs.join("b.svg"), b"<svg/>").unwrap();
        std::fs::remove_dir_all(out.join("plots")).unwrap();
        std::os::unix::fs::symlink(&figs, out.join("plots")).unwrap();
        assert!(!may_overwrite(&out, "plots/b.svg"));
        assert!(!may_overwrite(&out, "plots/new.svg"));
        std::fs::remove_file(out.join(MANIFEST)).unwrap();
        std::fs::write(out.join("a.tsv"), b"new").unwrap();
        assert!(!may_overwrite(&out, "a.tsv"), "no manifest: not ours");
    }

    #[test]
    fn errors_name_the_final_path_not_the_staging_folder() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("out");
        let d = OutputDir::create(&out, false, &[]).unwrap();
        std::fs::write(d.staging().join("sub"), b"a file where a folder goes").unwrap();
        let e = d.write("sub/x.tsv", b"x").unwrap_err().to_string();
        assert!(
            e.contains(&out.join("sub/x.tsv").display().to_string()),
            "{e}"
        );
        assert!(!e.contains("partial"), "{e}");
    }

    #[test]
    fn tables_with_non_finite_cells_are_refused() {
        let tmp = tempfile::tempdir().unwrap();
        let d = OutputDir::create(&tmp.path().join("out"), false, &[]).unwrap();
        d.write("ok.tsv", b"Sample\tSBS1\nNaNa\t1.0\n").unwrap();
        let e = d.write("bad.tsv", b"Sample\tSBS1\ns1\tNaN\n").unwrap_err();
        assert!(matches!(e, OutputError::NonFinite { line: 2, .. }), "{e}");
        assert!(e.to_string().contains("SBS1"), "{e}");
        assert!(d.write("bad.tsv", b"Sample\tx\ns1\t-inf\n").is_err());
    }

    #[test]
    fn single_files_need_force_and_dash_is_stdout() {
        let tmp = tempfile::tempdir().unwrap();
        let f = tmp.path().join("m.tsv");
        assert_eq!(FileTarget::parse(Path::new("-")), FileTarget::Stdout);
        let t = FileTarget::parse(&f);
        t.check(false, &[]).unwrap();
        t.write(b"1").unwrap();
        assert!(matches!(
            t.check(false, &[]),
            Err(OutputError::FileExists { .. })
        ));
        t.check(true, &[]).unwrap();
        assert!(matches!(
            t.check(true, &[f.to_str().unwrap()]),
            Err(OutputError::Protected { .. })
        ));
        assert!(matches!(
            FileTarget::parse(tmp.path()).check(true, &[]),
            Err(OutputError::IsAFolder { .. })
        ));
    }

    /// A random tree of user files, folders, links and earlier mutasig runs.
    #[derive(Debug, Clone)]
    enum Node {
        File(String),
        Dir(String),
        LinkTo(String, usize),
        Run(String),
    }

    fn name() -> impl Strategy<Value = String> {
        prop_oneof![
            Just("a"),
            Just("b"),
            Just("a/c"),
            Just("b/d"),
            Just("a/c/e")
        ]
        .prop_map(String::from)
    }

    fn node() -> impl Strategy<Value = Node> {
        prop_oneof![
            name().prop_map(Node::File),
            name().prop_map(Node::Dir),
            (name(), 0usize..8).prop_map(|(n, i)| Node::LinkTo(n, i)),
            name().prop_map(Node::Run),
        ]
    }

    fn snapshot(root: &Path, out: &mut BTreeMap<PathBuf, Vec<u8>>) {
        for e in std::fs::read_dir(root).unwrap().flatten() {
            let t = e.file_type().unwrap();
            if t.is_dir() {
                if !e.path().join(MANIFEST).exists() {
                    snapshot(&e.path(), out);
                }
            } else if t.is_file() {
                out.insert(e.path(), std::fs::read(e.path()).unwrap());
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]
        /// Whatever the tree and the target, no file outside earlier mutasig runs is lost
        /// or changed, and no hidden work file is left behind.
        #[test]
        fn force_never_deletes_a_file_mutasig_did_not_write(
            nodes in proptest::collection::vec(node(), 1..10),
            target in 0usize..12,
            force in any::<bool>(),
            commit in any::<bool>(),
            input in 0usize..8,
        ) {
            let tmp = tempfile::tempdir().unwrap();
            let root = tmp.path().join("t");
            let outside = tmp.path().join("outside");
            std::fs::create_dir_all(&root).unwrap();
            std::fs::create_dir_all(&outside).unwrap();
            std::fs::write(outside.join("keep.txt"), b"outside").unwrap();
            let mut made: Vec<PathBuf> = vec![root.clone(), outside.clone()];
            for n in &nodes {
                match n {
                    Node::File(p) => {
                        let p = root.join(p);
                        if std::fs::create_dir_all(p.parent().unwrap()).is_ok() && !p.exists() {
                            let _ = std::fs::write(&p, p.display().to_string());
                            made.push(p);
                        }
                    }
                    Node::Dir(p) => {
                        if std::fs::create_dir_all(root.join(p)).is_ok() {
                            made.push(root.join(p));
                        }
                    }
                    Node::LinkTo(p, i) => {
                        let to = made[i % made.len()].clone();
                        let p = root.join(p);
                        if std::fs::create_dir_all(p.parent().unwrap()).is_ok()
                            && std::fs::symlink_metadata(&p).is_err()
                            && std::os::unix::fs::symlink(&to, &p).is_ok()
                        {
                            made.push(p);
                        }
                    }
                    Node::Run(p) => {
                        if run(&root.join(p), true, &[]).is_ok() {
                            made.push(root.join(p));
                        }
                    }
                }
            }
            let mut before = BTreeMap::new();
            snapshot(tmp.path(), &mut before);
            let candidates: Vec<PathBuf> = made
                .iter()
                .cloned()
                .chain([root.join("new"), root.join("a/new/.."), root.join("a/..")])
                .collect();
            let t = &candidates[target % candidates.len()];
            let inputs: Vec<String> = made
                .get(input)
                .map(|p| p.display().to_string())
                .into_iter()
                .collect();
            let inputs: Vec<&str> = inputs.iter().map(|s| s.as_str()).collect();
            if let Ok(d) = OutputDir::create(t, force, &inputs) {
                d.write("a.tsv", b"new").unwrap();
                if commit {
                    let _ = d.commit();
                }
            }
            for (p, bytes) in &before {
                let now = std::fs::read(p).ok();
                prop_assert_eq!(now.as_ref(), Some(bytes), "{:?} lost or changed (target {:?})", p, t);
            }
            let mut left = Vec::new();
            for e in made.iter().chain([&root]) {
                if let Some(dir) = e.parent().filter(|d| d.is_dir()) {
                    left.extend(hidden(dir).into_iter().filter(|n| !n.starts_with(".mutasig")));
                }
            }
            prop_assert!(left.is_empty(), "left behind: {:?}", left);
        }
    }
}
