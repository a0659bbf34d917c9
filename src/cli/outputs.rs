//! Flags shared by the commands that write a results folder (`extract`, `assign`): what
//! is added to the folder after its tables, before it is committed: MultiQC custom
//! content always, the SigProfiler tree with `--layout sigprofiler`, figures and the
//! report unless `--no-plots`.

use anyhow::Result;
use clap::Args;
use mutasig::output::OutputDir;
use mutasig::output::sigprofiler::{self, Layout};
use mutasig::report::plot::Format;

#[derive(Args, Debug)]
pub struct OutputArgs {
    /// Skip the figures and report.html.
    #[arg(long)]
    no_plots: bool,
    /// Format of the figures in plots/ (the report always inlines its own).
    #[arg(long, value_enum, default_value = "svg")]
    plot_format: Format,
    /// Also write SigProfilerExtractor's / SigProfilerAssignment's file tree under
    /// sigprofiler/ (names, headers and formats those tools' users read; docs/migration.md).
    #[arg(long, value_enum, default_value = "mutasig")]
    layout: Layout,
}

impl OutputArgs {
    /// The layout asked for (`assign --decompose` refuses `sigprofiler`).
    pub fn layout(&self) -> Layout {
        self.layout
    }

    /// Adds the MultiQC files, the SigProfiler tree, the figures and the report to a
    /// staged folder whose tables and summary are written; `command` names the MultiQC
    /// section.
    pub fn finish(&self, out: &OutputDir, command: &str) -> Result<()> {
        mutasig::output::multiqc::add_to(out, command)?;
        if self.layout == Layout::Sigprofiler {
            sigprofiler::add_to(out)?;
        }
        if !self.no_plots {
            mutasig::report::add_to(out, self.plot_format)?;
        }
        Ok(())
    }
}
