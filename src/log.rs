//! Messages on standard error, filtered by `-q` / `-v`.

use std::sync::atomic::{AtomicU8, Ordering};

static LEVEL: AtomicU8 = AtomicU8::new(1);

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
        eprintln!("mutasig: {msg}");
    }
}

/// A detail message (shown with `-v`).
pub fn debug(msg: &str) {
    if level() >= 2 {
        eprintln!("mutasig: {msg}");
    }
}

/// A warning: always shown, also recorded by callers in their summary.
pub fn warn(msg: &str) {
    eprintln!("mutasig: warning: {msg}");
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
