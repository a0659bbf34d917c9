//! Output folders and files that never cost the user a file mutasig did not write.
//!
//! The rules (docs/reliability.md states them for users):
//! - A run writes into a hidden staging folder `.NAME.partialPID` beside its target and
//!   moves it into place at the end, so a folder under the final name is always complete.
//! - Every finished folder holds `.mutasig-manifest`, the list of the files mutasig wrote.
//!   `--force` replaces only an empty folder or one whose every file is on its manifest.
//! - The target may not be the working directory, the folder of the executable, an
//!   input, or any folder that contains one of them.
//! - Replacement renames the old folder aside, renames the new one in, and deletes the old
//!   one last; a failed rename puts the old folder back.
//! - A lock file `.NAME.mutasig-lock` beside the target keeps two runs apart; locks and
//!   staging folders of dead processes are removed by the next run.
//! - A symbolic link as target is written through: the folder it points to is replaced.
//! - Staging folders and temporary files are registered, so that a signal handler can
//!   remove them ([`remove_unfinished`]) before the process exits.

use super::OutputError;
use std::collections::BTreeSet;
use std::io::Write as _;
use std::path::{Component, Path, PathBuf};
use std::sync::Mutex;

/// File in every finished output folder listing what mutasig wrote there.
pub const MANIFEST: &str = ".mutasig-manifest";
/// Marker inside a staging folder, so that stale ones are recognised as ours.
const STAGING_MARKER: &str = ".mutasig-staging";
const MANIFEST_HEADER: &str =
    "# files written by mutasig; `--force` replaces this folder only while it holds nothing else";

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

/// Whether process `pid` is alive and could be a mutasig run (Linux: `/proc`; elsewhere
/// every process counts as alive, so nothing is ever removed by mistake).
fn process_alive(pid: u32) -> bool {
    if pid == std::process::id() {
        return true;
    }
    let proc = Path::new("/proc");
    if !proc.join("self").exists() {
        return true;
    }
    match std::fs::read_to_string(proc.join(pid.to_string()).join("comm")) {
        // a reused PID belongs to another program: the run that wrote the file is gone
        Ok(comm) => comm.contains("mutasig"),
        Err(_) => false,
    }
}

/// `path` made absolute with symbolic links and `..` resolved as far as it exists; the
/// missing rest is appended lexically (it holds no link, since it does not exist).
fn resolve(path: &Path) -> std::io::Result<PathBuf> {
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
    for input in inputs.iter().filter(|i| **i != "-") {
        if let Ok(p) = std::fs::canonicalize(input)
            && contains(&p)
        {
            return Some(if p == real {
                format!("is the input {input}")
            } else {
                format!("contains the input {input}")
            });
        }
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

/// Files (and links, and empty folders) under `dir`, relative, `/`-separated.
fn entries(dir: &Path) -> std::io::Result<Vec<String>> {
    let mut out = Vec::new();
    let mut stack = vec![(dir.to_path_buf(), String::new())];
    while let Some((d, prefix)) = stack.pop() {
        let mut any = false;
        for e in std::fs::read_dir(&d)? {
            let e = e?;
            any = true;
            let name = format!("{prefix}{}", e.file_name().to_string_lossy());
            if e.file_type()?.is_dir() {
                stack.push((e.path(), format!("{name}/")));
            } else {
                out.push(name);
            }
        }
        if !any && !prefix.is_empty() {
            out.push(prefix);
        }
    }
    out.sort();
    Ok(out)
}

fn read_manifest(dir: &Path) -> Option<BTreeSet<String>> {
    let text = std::fs::read_to_string(dir.join(MANIFEST)).ok()?;
    if !text.starts_with(MANIFEST_HEADER) {
        return None;
    }
    Some(
        text.lines()
            .skip(1)
            .filter(|l| !l.is_empty())
            .map(String::from)
            .collect(),
    )
}

fn manifest_text(files: &[String]) -> String {
    let mut s = format!("{MANIFEST_HEADER}\n");
    for f in files.iter().filter(|f| *f != MANIFEST) {
        s.push_str(f);
        s.push('\n');
    }
    s
}

/// Files under an existing folder that its manifest does not list (all of them when it
/// has no manifest). Empty: the folder may be replaced.
fn foreign_files(dir: &Path) -> std::io::Result<Vec<String>> {
    let all = entries(dir)?;
    let known = read_manifest(dir).unwrap_or_default();
    Ok(all
        .into_iter()
        .filter(|f| f != MANIFEST && !known.contains(f.trim_end_matches('/')))
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
    let all = entries(real).map_err(io_err(shown))?;
    if all.is_empty() {
        return Ok(());
    }
    if !force {
        return Err(OutputError::NotEmpty {
            path: shown.display().to_string(),
        });
    }
    let foreign = foreign_files(real).map_err(io_err(shown))?;
    if foreign.is_empty() {
        Ok(())
    } else {
        Err(OutputError::NotOurs {
            path: shown.display().to_string(),
            count: foreign.len(),
            files: listed(&foreign),
        })
    }
}

/// Lock file held for the whole run; removed on drop.
#[derive(Debug)]
struct RunLock {
    path: PathBuf,
}

impl RunLock {
    fn take(path: PathBuf, shown: &Path) -> Result<RunLock, OutputError> {
        for _ in 0..2 {
            match std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&path)
            {
                Ok(mut f) => {
                    register(&path);
                    let _ = writeln!(f, "{}", std::process::id());
                    return Ok(RunLock { path });
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    let pid = std::fs::read_to_string(&path)
                        .ok()
                        .and_then(|s| s.trim().parse::<u32>().ok());
                    match pid {
                        Some(pid) if process_alive(pid) => {
                            return Err(OutputError::Busy {
                                path: shown.display().to_string(),
                                pid,
                                lock: path.display().to_string(),
                            });
                        }
                        // a lock being written right now has no PID yet: treat as busy
                        None if modified_recently(&path) => {
                            return Err(OutputError::Busy {
                                path: shown.display().to_string(),
                                pid: 0,
                                lock: path.display().to_string(),
                            });
                        }
                        _ => {
                            let _ = std::fs::remove_file(&path);
                        }
                    }
                }
                Err(e) => return Err(io_err(&path)(e)),
            }
        }
        Err(OutputError::Busy {
            path: shown.display().to_string(),
            pid: 0,
            lock: path.display().to_string(),
        })
    }
}

fn modified_recently(p: &Path) -> bool {
    std::fs::metadata(p)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| t.elapsed().ok())
        .is_some_and(|d| d.as_secs() < 5)
}

impl Drop for RunLock {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
        unregister(&self.path);
    }
}

/// Remove `.NAME.partialPID` / `.NAME.oldPID` folders of dead processes that mutasig made.
fn remove_stale(parent: &Path, name: &str) {
    let Ok(rd) = std::fs::read_dir(parent) else {
        return;
    };
    for e in rd.flatten() {
        let file = e.file_name().to_string_lossy().into_owned();
        let Some(rest) = file.strip_prefix(&format!(".{name}.")) else {
            continue;
        };
        let (marker, pid) = if let Some(p) = rest.strip_prefix("partial") {
            (STAGING_MARKER, p)
        } else if let Some(p) = rest.strip_prefix("old") {
            (MANIFEST, p)
        } else {
            continue;
        };
        let Ok(pid) = pid.parse::<u32>() else {
            continue;
        };
        let path = e.path();
        let ours = std::fs::symlink_metadata(&path).is_ok_and(|m| m.is_dir())
            && path.join(marker).is_file()
            && (marker == STAGING_MARKER || foreign_files(&path).is_ok_and(|f| f.is_empty()));
        if ours && !process_alive(pid) {
            let _ = std::fs::remove_dir_all(&path);
        }
    }
}

/// An output folder written as a whole: files go to a staging folder beside the final
/// one, which replaces it on [`OutputDir::commit`]. Dropped without commit, the staging
/// folder is removed, so an interrupted run leaves nothing that looks complete.
#[derive(Debug)]
pub struct OutputDir {
    /// The path as the user gave it (for messages).
    target: PathBuf,
    /// Where the folder really goes (symbolic links resolved).
    real: PathBuf,
    staging: PathBuf,
    force: bool,
    committed: bool,
    _lock: RunLock,
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
        check_replaceable(&real, target, force)?;
        std::fs::create_dir_all(parent).map_err(io_err(parent))?;
        let lock = RunLock::take(parent.join(format!(".{name}.mutasig-lock")), target)?;
        remove_stale(parent, &name);
        let staging = parent.join(format!(".{name}.partial{}", std::process::id()));
        if staging.join(STAGING_MARKER).is_file() {
            std::fs::remove_dir_all(&staging).map_err(io_err(&staging))?;
        }
        std::fs::create_dir(&staging).map_err(io_err(target))?;
        register(&staging);
        std::fs::write(staging.join(STAGING_MARKER), b"").map_err(io_err(target))?;
        Ok(OutputDir {
            target: target.to_path_buf(),
            real,
            staging,
            force,
            committed: false,
            _lock: lock,
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
        let path = self.staging.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(io_err(&shown))?;
        }
        write_atomic(&path, bytes).map_err(|e| match e {
            OutputError::Io { source, .. } => io_err(&shown)(source),
            other => other,
        })
    }

    /// Move the finished folder into place: the old folder (which `create` allowed to be
    /// replaced, and which is checked again now) is renamed aside, the new one renamed in,
    /// and the old one deleted last; if the second rename fails the old one is restored.
    pub fn commit(mut self) -> Result<PathBuf, OutputError> {
        let shown = self.target.clone();
        let files = entries(&self.staging).map_err(io_err(&shown))?;
        let files: Vec<String> = files.into_iter().filter(|f| f != STAGING_MARKER).collect();
        write_atomic(
            &self.staging.join(MANIFEST),
            manifest_text(&files).as_bytes(),
        )
        .map_err(|_| io_err(&shown)(std::io::Error::other("cannot write the manifest")))?;
        std::fs::remove_file(self.staging.join(STAGING_MARKER)).map_err(io_err(&shown))?;
        // hold the registry so that a signal cannot cut the swap in half
        let mut reg = lock_registry();
        let result = (|| {
            check_replaceable(&self.real, &shown, self.force)?;
            let aside = self.real.with_file_name(format!(
                ".{}.old{}",
                self.real.file_name().unwrap_or_default().to_string_lossy(),
                std::process::id()
            ));
            let had_old = self.real.exists();
            if had_old {
                std::fs::rename(&self.real, &aside).map_err(|e| OutputError::Replace {
                    path: shown.display().to_string(),
                    source: e,
                })?;
            }
            if let Err(e) = std::fs::rename(&self.staging, &self.real) {
                if had_old {
                    let _ = std::fs::rename(&aside, &self.real);
                }
                return Err(OutputError::Replace {
                    path: shown.display().to_string(),
                    source: e,
                });
            }
            if had_old {
                // only mutasig's files (or nothing) were in it: checked just above
                let _ = std::fs::remove_dir_all(&aside);
            }
            Ok(())
        })();
        reg.retain(|q| q != &self.staging);
        drop(reg);
        if result.is_err() {
            // restore the marker so the drop (or a later run) recognises the staging folder
            let _ = std::fs::write(self.staging.join(STAGING_MARKER), b"");
        }
        result?;
        self.committed = true;
        Ok(self.target.clone())
    }
}

impl Drop for OutputDir {
    fn drop(&mut self) {
        if !self.committed {
            let _ = std::fs::remove_dir_all(&self.staging);
            unregister(&self.staging);
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

/// Add files just written into a finished output folder (by `report`) to its manifest,
/// if it has one; returns whether each of `rel` may be written: absent, or written by
/// mutasig (on the manifest). Folders without a manifest are left as they are.
pub fn may_overwrite(dir: &Path, rel: &str) -> bool {
    let p = dir.join(rel);
    if std::fs::symlink_metadata(&p).is_err() {
        return true;
    }
    match read_manifest(dir) {
        Some(m) => m.contains(rel),
        // folders of earlier versions have no manifest: their report and plots are ours
        None => rel == "report.html" || rel.starts_with("plots/"),
    }
}

/// Record files added to a finished folder in its manifest (no-op without a manifest).
pub fn add_to_manifest(dir: &Path, rels: &[String]) -> Result<(), OutputError> {
    let Some(mut m) = read_manifest(dir) else {
        return Ok(());
    };
    m.extend(rels.iter().cloned());
    let files: Vec<String> = m.into_iter().collect();
    write_atomic(&dir.join(MANIFEST), manifest_text(&files).as_bytes())
}

/// Write a file atomically: a temporary name in the same folder, then rename. A symbolic
/// link at `path` is written through (its target is replaced, the link kept).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), OutputError> {
    let path = match std::fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_symlink() => resolve(path).map_err(io_err(path))?,
        _ => path.to_path_buf(),
    };
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty());
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "out".into());
    let tmp_name = format!(".{name}.tmp{}", std::process::id());
    let tmp = match dir {
        Some(d) => d.join(tmp_name),
        None => PathBuf::from(tmp_name),
    };
    register(&tmp);
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, &path)
    })();
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
    /// `force`, never a folder, never one of the inputs.
    pub fn check(&self, force: bool, inputs: &[&str]) -> Result<(), OutputError> {
        let FileTarget::File(p) = self else {
            return Ok(());
        };
        let shown = || p.display().to_string();
        if p.is_dir() {
            return Err(OutputError::IsAFolder { path: shown() });
        }
        if let Ok(real) = std::fs::canonicalize(p) {
            for input in inputs.iter().filter(|i| **i != "-") {
                if std::fs::canonicalize(input).is_ok_and(|i| i == real) {
                    return Err(OutputError::Protected {
                        path: shown(),
                        reason: format!("is the input {input}"),
                    });
                }
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
            FileTarget::File(p) => write_atomic(p, bytes),
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
        assert!(manifest.ends_with("\na.tsv\nplots/b.svg\n"), "{manifest}");
        assert!(matches!(
            run(&out, false, &[]),
            Err(OutputError::NotEmpty { .. })
        ));
        run(&out, true, &[]).unwrap();
        std::fs::write(out.join("plots/mine.svg"), b"x").unwrap();
        let e = run(&out, true, &[]).unwrap_err();
        assert!(e.to_string().contains("plots/mine.svg"), "{e}");
        assert_eq!(std::fs::read(out.join("plots/mine.svg")).unwrap(), b"x");
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
