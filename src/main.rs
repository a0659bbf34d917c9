//! The `mutasig` command line: arguments and one file per subcommand live in `cli/`,
//! the work in the library. Exit codes: 0 success, 1 data error, 2 usage error.

#![forbid(unsafe_code)]

mod cli;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args = cli::Cli::parse();
    mutasig::log::set_level(args.global.log_level());
    if let Err(e) = cli::start_log(args.global.log.as_deref()) {
        return cli::report(&e);
    }
    cli::remove_unfinished_on_signal();
    if let Some(n) = args.global.threads
        && args.command.uses_threads()
    {
        // the global pool is built once, before any parallel work
        let _ = rayon::ThreadPoolBuilder::new()
            .num_threads(n as usize)
            .build_global();
    }
    match cli::run(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => cli::report(&e),
    }
}
