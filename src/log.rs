//! Messages on standard error, filtered by `-q` / `-v`, and appended to the `--log` file
//! when one is given.

use std::io::Write;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU8, Ordering};

static LEVEL: AtomicU8 = AtomicU8::new(1);
static FILE: Mutex<Option<std::fs::File>> = Mutex::new(None);

/// Also append every message shown from now on to `path` (created if missing; existing
/// content is kept), after a first line `header`.
pub fn tee_to(path: &std::path::Path, header: &str) -> std::io::Result<()> {
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)?;
    writeln!(file, "{header}")?;
    *FILE.lock().unwrap_or_else(|e| e.into_inner()) = Some(file);
    Ok(())
}

fn emit(line: &str) {
    eprintln!("{line}");
    if let Some(f) = FILE.lock().unwrap_or_else(|e| e.into_inner()).as_mut() {
        // a log file that fails mid-run must not stop the analysis; stderr has the line
        let _ = writeln!(f, "{line}");
    }
}

/// Set verbosity: 0 = warnings only (`-q`), 1 = normal, 2 = verbose (`-v`).
pub fn set_level(level: u8) {
    LEVEL.store(level, Ordering::Relaxed);
}

/// Current verbosity.
pub fn level() -> u8 {
    LEVEL.load(Ordering::Relaxed)
}

/// A progress message (hidden by `-q`).
pub fn info(msg: &str) {
    if level() >= 1 {
        emit(&format!("mutasig: {msg}"));
    }
}

/// A detail message (shown with `-v`).
pub fn debug(msg: &str) {
    if level() >= 2 {
        emit(&format!("mutasig: {msg}"));
    }
}

/// A warning: always shown, also recorded by callers in their summary.
pub fn warn(msg: &str) {
    emit(&format!("mutasig: warning: {msg}"));
}

/// The error that ends a run: always shown.
pub fn error(msg: &str) {
    emit(&format!("mutasig: error: {msg}"));
}

/// Resident memory of this process in MB (Linux; 0 elsewhere), for `-v` progress lines.
pub fn rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|s| {
            s.split_whitespace()
                .nth(1)
                .and_then(|x| x.parse::<f64>().ok())
        })
        .map(|pages| pages * 4096.0 / 1e6)
        .unwrap_or(0.0)
}
