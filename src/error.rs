//! The crate-level error of whole commands (each stage keeps its own typed error).

use crate::output::OutputError;
use crate::read::reference::ReferenceError;
use crate::read::table::TableError;

/// Any failure of a mutasig command; every variant renders as one line.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Reading or validating an input table.
    #[error(transparent)]
    Table(#[from] TableError),
    /// Choosing or reading reference signatures.
    #[error(transparent)]
    Reference(#[from] ReferenceError),
    /// Writing outputs.
    #[error(transparent)]
    Output(#[from] OutputError),
    /// De novo extraction.
    #[error(transparent)]
    Extract(#[from] crate::extract::ExtractError),
    /// Assignment or decomposition.
    #[error(transparent)]
    Assign(#[from] crate::assign::AssignError),
    /// Simulation settings.
    #[error(transparent)]
    Simulate(#[from] crate::simulate::SimError),
    /// Building the report or figures.
    #[error(transparent)]
    Report(#[from] crate::report::ReportError),
    /// Drawing a plot.
    #[error(transparent)]
    Plot(#[from] crate::report::plot::PlotError),
    /// Exporting a folder in SigProfiler's layout.
    #[error(transparent)]
    Export(#[from] crate::output::sigprofiler::ExportError),
    /// Reading a sample sheet (`--groups`).
    #[error(transparent)]
    Sheet(#[from] crate::read::groups::SheetError),
    /// Comparing groups of samples (`--groups`).
    #[error(transparent)]
    Groups(#[from] crate::output::groups::GroupsError),
    /// Counting catalogues from variant calls.
    #[error(transparent)]
    Count(#[from] crate::count::CountError),
    /// Invalid settings for this data.
    #[error("{0}")]
    Invalid(String),
}
