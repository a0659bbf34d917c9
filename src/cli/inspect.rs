//! `mutasig inspect`.

use super::common::stdout_write;
use clap::Args;

#[derive(Args, Debug)]
pub struct InspectArgs {
    /// Catalogue file (TSV/CSV, optionally .gz; `-` for standard input).
    file: String,
    /// Print one JSON object instead of text.
    #[arg(long)]
    json: bool,
}

pub fn run(a: InspectArgs) -> anyhow::Result<()> {
    let info = mutasig::read::inspect::inspect(&a.file)?;
    if a.json {
        stdout_write(&mutasig::output::json(&info))
    } else {
        stdout_write(&info.to_text())
    }
}
