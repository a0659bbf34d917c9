//! Flags shared by the commands that write a results folder (`extract`, `assign`): what
//! is added to the folder after its tables, before it is committed: MultiQC custom
//! content always, figures and the report unless `--no-plots`.

use anyhow::Result;
use clap::Args;
use mutasig::output::OutputDir;
use mutasig::report::plot::Format;

#[derive(Args, Debug)]
pub struct OutputArgs {
    /// Skip the figures and report.html.
    #[arg(long)]
    no_plots: bool,
    /// Format of the figures in plots/ (the report always inlines its own).
    #[arg(long, value_enum, default_value = "svg")]
    plot_format: Format,
}

impl OutputArgs {
    /// Adds the MultiQC files, the figures and the report to a staged folder whose tables
    /// are written; `command` names the MultiQC section.
    pub fn finish(&self, out: &OutputDir, command: &str) -> Result<()> {
        mutasig::output::multiqc::add_to(out, command)?;
        if !self.no_plots {
            mutasig::report::add_to(out, self.plot_format)?;
        }
        Ok(())
    }
}
