//! What every subcommand shares: usage errors, the one-line error report, standard
//! output, the progress bar, the `run` record and the reference flags.

use anyhow::Result;
use mutasig::output::summary::RunInfo;
use std::io::Write;
use std::process::ExitCode;

/// A usage error found after parsing (exit code 2, like clap's own).
#[derive(Debug)]
pub struct UsageError(String);

impl std::fmt::Display for UsageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UsageError {}

/// A setting out of range, reported as a usage error (exit 2).
pub fn usage(e: mutasig::settings::SettingsError) -> anyhow::Error {
    UsageError(e.to_string()).into()
}

/// A usage problem found by the command layer itself (exit 2).
pub fn usage_line(message: String) -> anyhow::Error {
    UsageError(message).into()
}

/// Prints the error on one line and gives the exit code: 2 for usage errors, 1 for
/// data errors, 0 when the reader of standard output went away (`| head`).
pub fn report(e: &anyhow::Error) -> ExitCode {
    let broken_pipe = e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    });
    if broken_pipe {
        return ExitCode::SUCCESS;
    }
    mutasig::log::error(&error_line(e));
    ExitCode::from(if e.downcast_ref::<UsageError>().is_some() {
        2
    } else {
        1
    })
}

/// One line: the error and its causes, each cause once (a message that already ends
/// with its cause's text does not repeat it), control and invisible format characters
/// escaped ([`mutasig::read::table::escape`]).
fn error_line(e: &anyhow::Error) -> String {
    let mut line = String::new();
    for cause in e.chain() {
        let text = cause.to_string();
        if line.ends_with(&text) {
            continue;
        }
        if !line.is_empty() {
            line.push_str(": ");
        }
        line.push_str(&text);
    }
    mutasig::read::table::escape(&line).into_owned()
}

/// Starts appending the messages to the `--log` file, if one is given; its first line is
/// the version and the command line.
pub fn start_log(path: Option<&std::path::Path>) -> Result<()> {
    let Some(path) = path else { return Ok(()) };
    let args: Vec<String> = std::env::args().collect();
    let header = format!("mutasig {}: {}", env!("CARGO_PKG_VERSION"), args.join(" "));
    mutasig::log::tee_to(path, &header).map_err(|e| {
        anyhow::anyhow!(
            "--log {}: cannot write: {e}; choose a writable file",
            path.display()
        )
    })
}

/// SIGINT and SIGTERM (what workflow managers and `timeout` send) remove this run's
/// staging folders, temporary files and locks, then exit with 128 + the signal number.
pub fn remove_unfinished_on_signal() {
    use signal_hook::consts::{SIGINT, SIGTERM};
    let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGINT, SIGTERM]) else {
        return;
    };
    std::thread::spawn(move || {
        if let Some(sig) = signals.forever().next() {
            mutasig::output::remove_unfinished();
            std::process::exit(128 + sig);
        }
    });
}

/// Writes text to standard output and flushes it (a closed pipe is reported, not a panic).
pub fn stdout_write(text: &str) -> Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()?;
    Ok(())
}

/// A progress bar on a terminal only.
pub fn progress_bar(total: u64, quiet: bool) -> indicatif::ProgressBar {
    use std::io::IsTerminal;
    if quiet || !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(total);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {bar:40} {pos}/{len} factorizations (eta {eta})",
        )
        .expect("valid template"),
    );
    bar
}

/// The `run` record of summary.json: command line, threads, seconds since `start`.
pub fn run_info(start: std::time::Instant) -> RunInfo {
    RunInfo {
        command_line: std::env::args().collect(),
        threads: rayon::current_num_threads(),
        seconds: start.elapsed().as_secs_f64(),
        rank_seconds: None,
        nmf_seconds: None,
    }
}
