//! `mutasig report` and `mutasig plot`.

use clap::Args;
use mutasig::output::OutputDir;
use mutasig::report::figures::PlotRequest;
use mutasig::report::plot::Format;
use std::path::PathBuf;

#[derive(Args, Debug)]
pub struct ReportArgs {
    /// The output folder.
    dir: PathBuf,
    /// Format of the figures in plots/.
    #[arg(long, value_enum, default_value = "svg")]
    format: Format,
}

#[derive(Args, Debug)]
pub struct PlotArgs {
    /// A mutasig or SigProfiler-layout table.
    file: String,
    /// Output folder for the figures (must not exist or be empty, unless --force).
    #[arg(short, long, default_value = "plots")]
    output: PathBuf,
    /// Replace an existing output folder of an earlier mutasig run.
    #[arg(long)]
    force: bool,
    /// Figure format.
    #[arg(long, value_enum, default_value = "svg")]
    format: Format,
    /// What to draw.
    #[arg(long, value_enum, default_value = "auto")]
    kind: PlotRequest,
}

pub fn run_report(a: ReportArgs) -> anyhow::Result<()> {
    let n = mutasig::report::rebuild(&a.dir, a.format)?;
    mutasig::log::info(&format!(
        "report.html and {n} figures written to {}",
        a.dir.display()
    ));
    Ok(())
}

pub fn run_plot(a: PlotArgs) -> anyhow::Result<()> {
    let dir = OutputDir::create(&a.output, a.force, &[&a.file])?;
    let figs = mutasig::report::figures::plot_file(&a.file, a.kind, a.format)?;
    for (name, bytes) in &figs {
        dir.write(name, bytes)?;
    }
    dir.commit()?;
    mutasig::log::info(&format!(
        "{} written to {}",
        mutasig::read::table::plural(figs.len(), "figure", "figures"),
        a.output.display()
    ));
    Ok(())
}
