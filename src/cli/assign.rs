//! `mutasig assign` and `mutasig assign --decompose`.

use super::common::{run_info, usage};
use super::outputs::OutputArgs;
use super::reference::ReferenceArgs;
use super::selection::SelectionArgs;
use anyhow::Result;
use clap::Args;
use mutasig::assign::cohort::{self, AssignOptions};
use mutasig::output::assign::{self as write, Request};
use mutasig::output::sigprofiler::Layout;
use mutasig::output::{OutputDir, TableFormat, json};
use mutasig::settings::SettingsError;
use std::path::PathBuf;

#[derive(Args, Debug)]
pub struct AssignArgs {
    #[command(flatten)]
    outputs: OutputArgs,
    /// Catalogue file (not with --decompose).
    #[arg(required_unless_present = "decompose")]
    input: Option<String>,
    /// Output folder.
    #[arg(short, long)]
    output: PathBuf,
    /// Replace an existing output folder.
    #[arg(long)]
    force: bool,
    #[command(flatten)]
    reference: ReferenceArgs,
    /// Only these signatures or groups (comma-separated; each must match a signature).
    #[arg(long, value_delimiter = ',')]
    include: Vec<String>,
    /// Leave out these signatures or groups (e.g. APOBEC,Tobacco; each must match a signature).
    #[arg(long, value_delimiter = ',')]
    exclude: Vec<String>,
    /// Also fit COSMIC's possible sequencing artefacts (SBS27, SBS43, SBS45-60, SBS95), left out by default.
    #[arg(long)]
    include_artefacts: bool,
    #[command(flatten)]
    selection: SelectionArgs,
    /// Also write exposures (and --bootstrap intervals) as Parquet long tables.
    #[arg(long, value_enum, default_value = "tsv", conflicts_with = "decompose")]
    format: TableFormat,
    /// Bootstrap replicates for 95% intervals, 0 (none) to 10000.
    #[arg(long, default_value_t = 0)]
    bootstrap: usize,
    /// Decompose these (de novo) signatures into the reference instead of fitting samples
    /// (fixed settings: no CATALOGUE, thresholds, --background or --bootstrap).
    #[arg(long, value_name = "SIGNATURES")]
    decompose: Option<String>,
}

impl AssignArgs {
    fn settings(&self) -> AssignOptions {
        AssignOptions {
            input: self.input.clone(),
            decompose: self.decompose.clone(),
            bootstrap: self.bootstrap,
            include: self.include.clone(),
            exclude: self.exclude.clone(),
            ..self.selection.options()
        }
    }
}

pub fn run(a: AssignArgs, g: &super::Global) -> Result<()> {
    let start = std::time::Instant::now();
    let opts = a.settings();
    // settings first; then the names against the reference (the bundled sets are compiled
    // in; a --signatures file is the one file read before the catalogue)
    opts.check().map_err(usage)?;
    if a.decompose.is_some() && a.outputs.layout() == Layout::Sigprofiler {
        let why = "with --decompose only mutasig (SigProfiler has no counterpart)";
        return Err(usage(SettingsError::new("--layout", "sigprofiler", why)));
    }
    if a.decompose.is_some() {
        a.outputs.refuse_groups_with("--decompose")?;
    }
    let choice = a.reference.choice();
    let candidates = cohort::candidate_references(&choice)?;
    opts.check_names(&candidates).map_err(usage)?;
    let inputs: Vec<&str> = [&a.input, &a.decompose, &a.reference.file]
        .into_iter()
        .flatten()
        .map(|s| s.as_str())
        .collect();
    let path = a
        .input
        .as_ref()
        .or(a.decompose.as_ref())
        .expect("clap requires one");
    let text = mutasig::read::table::read_text(path)?;
    let req = Request {
        input: path,
        input_sha256: &text.sha256,
        choice: &choice,
        include: &a.include,
        exclude: &a.exclude,
        format: a.format,
    };
    if a.decompose.is_some() {
        let target = (a.output.as_path(), a.force, inputs.as_slice());
        return super::decompose::run(target, &req, &candidates, &text.bytes, start);
    }
    let cat = mutasig::Catalogue::parse(path, &text.bytes)?;
    let groups = a.outputs.groups(&cat)?;
    let lists = (
        a.include.as_slice(),
        a.exclude.as_slice(),
        a.include_artefacts,
    );
    let (reference, excl) = cohort::fit_reference(&choice, &candidates, cat.context, lists)?;
    let (cfg, mut warnings) = cohort::selection_config(&reference, &opts)?;
    warnings.splice(0..0, cat.warnings.iter().cloned());
    let out = OutputDir::create(&a.output, a.force, &inputs)?;
    let settings = cohort::AssignSettings::new(&cfg, &reference, a.bootstrap, g.seed);
    let result = cohort::assign(&cat, &reference, cfg, a.bootstrap, g.seed)?;
    warnings.extend(result.dropped_note());
    warnings.iter().for_each(|w| mutasig::log::warn(w));
    write::write_assignment(&result, &out, a.format)?;
    let run = run_info(start);
    let summary = write::assign_summary(&req, &result, settings, excl, warnings, run);
    out.write("summary.json", json(&summary).as_bytes())?;
    a.outputs.finish(&out, "assign", groups.as_ref())?;
    let path = out.commit()?;
    let (n, shown) = (result.catalogue.n_samples(), path.display());
    mutasig::log::info(&format!("assigned {n} samples; results in {shown}"));
    Ok(())
}
