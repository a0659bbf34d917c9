//! `mutasig export`: a finished folder in another tool's layout.

use super::common::usage;
use clap::Args;
use mutasig::output::sigprofiler::{self, Layout};
use mutasig::settings::SettingsError;
use std::path::PathBuf;

#[derive(Args, Debug)]
pub struct ExportArgs {
    /// The layout to write (sigprofiler: SigProfilerExtractor's / SigProfilerAssignment's
    /// file tree, docs/migration.md).
    #[arg(long, value_enum)]
    layout: Layout,
    /// A finished `mutasig extract` or `mutasig assign` folder (never written to).
    dir: PathBuf,
    /// New output folder (must not exist or be empty, unless --force; not inside DIR).
    #[arg(short, long)]
    output: PathBuf,
    /// Replace an existing output folder of an earlier mutasig run.
    #[arg(long)]
    force: bool,
}

pub fn run(a: ExportArgs) -> anyhow::Result<()> {
    if a.layout == Layout::Mutasig {
        let why = "sigprofiler (DIR is already in mutasig's layout)";
        return Err(usage(SettingsError::new("--layout", "mutasig", why)));
    }
    let path = sigprofiler::export(&a.dir, &a.output, a.force)?;
    mutasig::log::info(&format!(
        "{} exported in SigProfiler's layout to {}",
        a.dir.display(),
        path.display()
    ));
    Ok(())
}
