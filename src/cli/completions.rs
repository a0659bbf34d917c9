//! `mutasig completions SHELL` and `mutasig man [SUBCOMMAND]`: generated from the same
//! clap definitions as the parser, so they never drift from the real flags.

use super::Cli;
use anyhow::Result;
use clap::{Args, CommandFactory};
use clap_complete::Shell;

#[derive(Args, Debug)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum)]
    shell: Shell,
}

#[derive(Args, Debug)]
pub struct ManArgs {
    /// A subcommand's page (mutasig-SUBCOMMAND.1) instead of the main page (mutasig.1).
    subcommand: Option<String>,
}

/// Writes the completion script for one shell to standard output.
pub fn run_completions(a: CompletionsArgs) -> Result<()> {
    let mut cmd = Cli::command();
    let mut out = Vec::new();
    clap_complete::generate(a.shell, &mut cmd, "mutasig", &mut out);
    super::common::stdout_write(&String::from_utf8(out)?)
}

/// Writes one man page (roff) to standard output.
pub fn run_man(a: ManArgs) -> Result<()> {
    let mut cmd = Cli::command();
    // propagates global flags (--threads, --seed, …) into the subcommands' pages
    cmd.build();
    let page = match a.subcommand.as_deref() {
        None => cmd,
        Some(name) => {
            let Some(sub) = cmd.find_subcommand(name) else {
                let names: Vec<&str> = cmd
                    .get_subcommands()
                    .map(|s| s.get_name())
                    .filter(|n| *n != "help")
                    .collect();
                let msg = format!("no subcommand '{name}'; use one of: {}", names.join(", "));
                return Err(super::common::usage_line(msg));
            };
            let full = format!("mutasig-{name}");
            sub.clone()
                .display_name(full.clone())
                .bin_name(full)
                .version(env!("CARGO_PKG_VERSION"))
        }
    };
    let mut out = Vec::new();
    clap_mangen::Man::new(page).render(&mut out)?;
    super::common::stdout_write(&String::from_utf8(out)?)
}
