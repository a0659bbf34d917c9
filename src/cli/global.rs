//! The flags every subcommand takes: threads, seed, verbosity, log file.

use clap::Args;

/// Upper bound of `--threads` (a pool of 100,000 threads took minutes to build).
const MAX_THREADS: u32 = 1024;

#[derive(Args, Debug, Clone)]
pub struct Global {
    /// Worker threads, 1 to 1024 (default: all cores). Results do not depend on it.
    #[arg(long, global = true, value_parser = clap::value_parser!(u32).range(1..=MAX_THREADS as i64))]
    pub threads: Option<u32>,
    /// Seed of every random stream; same seed, same input, same version: same bytes out.
    #[arg(long, global = true, default_value_t = 42)]
    pub seed: u64,
    /// Only warnings and errors on stderr.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
    /// More detail on stderr.
    #[arg(short, long, global = true)]
    pub verbose: bool,
    /// Also append the messages to this file (keep it outside the output folder, which is
    /// replaced as a whole).
    #[arg(long, global = true, value_name = "FILE")]
    pub log: Option<std::path::PathBuf>,
}

impl Global {
    /// 0 quiet, 1 normal, 2 verbose.
    pub fn log_level(&self) -> u8 {
        if self.quiet {
            0
        } else if self.verbose {
            2
        } else {
            1
        }
    }
}
