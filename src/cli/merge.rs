//! `mutasig merge`: join the partial files of `extract --partial-out` into the folder a
//! single `extract` with the same settings and seed writes (docs/pipelines.md).

use super::folder::Folder;
use super::outputs::OutputArgs;
use super::reference::ReferenceArgs;
use clap::Args;
use mutasig::extract::{self, partial};
use mutasig::output::TableFormat;
use std::path::PathBuf;

#[derive(Args, Debug)]
pub struct MergeArgs {
    #[command(flatten)]
    outputs: OutputArgs,
    /// The catalogue the parts were computed from, named as it was to `extract` (its
    /// SHA-256 is checked against the parts'; its name is recorded in summary.json).
    #[arg(long, value_name = "CATALOGUE")]
    input: String,
    /// The partial files, in any order; together they must hold every (rank,
    /// replicate) of one run exactly once.
    #[arg(required = true, value_name = "PARTS")]
    parts: Vec<String>,
    /// Output folder (must not exist or be empty, unless --force).
    #[arg(short, long)]
    output: PathBuf,
    /// Replace an existing output folder.
    #[arg(long)]
    force: bool,
    /// Also write the exposures as a Parquet long table (exposures.parquet).
    #[arg(long, value_enum, default_value = "tsv")]
    format: TableFormat,
    #[command(flatten)]
    reference: ReferenceArgs,
}

pub fn run(a: MergeArgs) -> anyhow::Result<()> {
    let start = std::time::Instant::now();
    let text = mutasig::read::table::read_text(&a.input)?;
    let cat = mutasig::Catalogue::parse(&a.input, &text.bytes)?;
    let mut parts = Vec::with_capacity(a.parts.len());
    for file in &a.parts {
        let bytes = mutasig::read::table::read_source(file)?;
        parts.push((file.clone(), partial::decode(file, &bytes)?));
    }
    let gathered = partial::gather(parts, &cat, &a.input, &text.sha256)?;
    let groups = a.outputs.groups(&cat)?;
    let args = (a.input.as_str(), &a.outputs, &a.reference);
    let folder = Folder::open(args, &cat, &a.output, a.force, a.format)?;
    let cfg = gathered.settings;
    mutasig::log::info(&format!(
        "merging {} parts: ranks {:?}, {} replicates each",
        a.parts.len(),
        gathered.prepared.ranks,
        cfg.replicates
    ));
    let ex = extract::finish(
        gathered.prepared,
        &cfg,
        gathered.replicates,
        gathered.nmf_seconds,
        &|p| {
            if let extract::Progress::Detail(d) = p {
                mutasig::log::debug(&d);
            }
        },
    )?;
    folder.write(ex, (&cat, &text.sha256, &cfg), groups.as_ref(), start)
}
