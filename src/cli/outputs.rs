//! Flags shared by the commands that write a results folder (`extract`, `assign`): what
//! is added to the folder after its tables, before it is committed: MultiQC custom
//! content always, the group comparison with `--groups`, the SigProfiler tree with
//! `--layout sigprofiler`, figures and the report unless `--no-plots`.

use anyhow::Result;
use clap::Args;
use mutasig::Catalogue;
use mutasig::output::OutputDir;
use mutasig::output::sigprofiler::{self, Layout};
use mutasig::read::groups::SampleSheet;
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
    /// Compare exposures between sample groups: a tab-separated sample sheet, first
    /// column the sample, a column named 'group' (others ignored); writes
    /// group_differences.tsv and a Groups section in the report.
    #[arg(long, value_name = "SHEET.tsv")]
    groups: Option<String>,
    /// The sheet's column that holds the groups (any case), e.g. germline.
    #[arg(
        long,
        value_name = "NAME",
        default_value = "group",
        requires = "groups"
    )]
    group_column: String,
}

impl OutputArgs {
    /// The layout asked for (`assign --decompose` refuses `sigprofiler`).
    pub fn layout(&self) -> Layout {
        self.layout
    }

    /// A usage error when `--groups` is given to a run without exposures (`flag`).
    pub fn refuse_groups_with(&self, flag: &str) -> Result<()> {
        if let Some(path) = &self.groups {
            let why = format!("not with {flag}, which writes no sample exposures to compare");
            let e = mutasig::settings::SettingsError::new("--groups", path.as_str(), why);
            return Err(super::common::usage(e));
        }
        Ok(())
    }

    /// Reads the `--groups` sheet and checks it against the catalogue's samples with
    /// mutations (the ones in exposures.tsv), before the output folder is created;
    /// prints its warnings.
    pub fn groups(&self, cat: &Catalogue) -> Result<Option<SampleSheet>> {
        let Some(path) = &self.groups else {
            return Ok(None);
        };
        let sheet = SampleSheet::read(path, &self.group_column)?;
        let totals = cat.totals();
        let used: Vec<String> = (cat.samples.iter().zip(&totals))
            .filter(|(_, t)| **t > 0.0)
            .map(|(s, _)| s.clone())
            .collect();
        let grouping = sheet.match_cohort(&used)?;
        grouping.warnings.iter().for_each(|w| mutasig::log::warn(w));
        Ok(Some(sheet))
    }

    /// Adds the MultiQC files, the group comparison, the SigProfiler tree, the figures and
    /// the report to a staged folder whose tables and summary are written; `command` names
    /// the MultiQC section.
    pub fn finish(
        &self,
        out: &OutputDir,
        command: &str,
        groups: Option<&SampleSheet>,
    ) -> Result<()> {
        if command == "extract" {
            // SigProfilerExtractor's COSMIC activities, beside the de novo exposures
            let text = sigprofiler::cosmic_exposures(out.staging())?;
            out.write("cosmic_exposures.tsv", text.as_bytes())?;
        }
        mutasig::output::multiqc::add_to(out, command)?;
        if let Some(sheet) = groups {
            mutasig::output::groups::add_to(out, sheet)?;
        }
        if self.layout == Layout::Sigprofiler {
            sigprofiler::add_to(out)?;
        }
        if !self.no_plots {
            mutasig::report::add_to(out, self.plot_format)?;
        }
        Ok(())
    }
}
