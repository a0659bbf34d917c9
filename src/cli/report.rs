//! `mutasig report` and `mutasig plot`.

use clap::Args;
use mutasig::output::OutputDir;
use mutasig::report::figures::PlotRequest;
use mutasig::report::plot::Format;
use std::path::PathBuf;

#[derive(Args, Debug)]
pub struct ReportArgs {
    /// An extract or assign output folder; only read, unless --in-place.
    dir: PathBuf,
    /// New folder for report.html and plots/ (not inside DIR).
    #[arg(
        short,
        long,
        required_unless_present = "in_place",
        conflicts_with = "in_place"
    )]
    output: Option<PathBuf>,
    /// Replace OUTPUT if it exists and is not an earlier mutasig run's folder.
    #[arg(long, requires = "output")]
    force: bool,
    /// Rebuild report.html and plots/ inside DIR itself.
    #[arg(long)]
    in_place: bool,
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
    let Some(output) = &a.output else {
        let n = mutasig::report::rebuild(&a.dir, a.format)?;
        let shown = a.dir.display();
        mutasig::log::info(&format!("report.html and {n} figures rebuilt in {shown}"));
        return Ok(());
    };
    if let Ok(dir) = std::fs::canonicalize(&a.dir)
        && nearest_existing(output).starts_with(&dir)
    {
        let (o, d) = (output.display(), a.dir.display());
        let msg = format!(
            "--output {o} is inside {d}, which report only reads; choose a folder outside it (or --in-place)"
        );
        return Err(super::common::usage_line(msg));
    }
    let dir = a.dir.to_string_lossy();
    let out = OutputDir::create(output, a.force, &[dir.as_ref()])?;
    let n = mutasig::report::write_into(&a.dir, &out, a.format)?;
    out.commit()?;
    let shown = output.display();
    mutasig::log::info(&format!("report.html and {n} figures written to {shown}"));
    Ok(())
}

/// The path with its longest existing prefix resolved (symbolic links followed).
fn nearest_existing(path: &std::path::Path) -> PathBuf {
    let abs = std::env::current_dir().unwrap_or_default().join(path);
    let mut rest = Vec::new();
    let mut p = abs.as_path();
    loop {
        if let Ok(real) = std::fs::canonicalize(p) {
            return rest.iter().rev().fold(real, |acc, c| acc.join(c));
        }
        match (p.parent(), p.file_name()) {
            (Some(parent), Some(name)) => {
                rest.push(name.to_os_string());
                p = parent;
            }
            _ => return abs,
        }
    }
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
