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
    /// The partial files, in any order, or finished `extract --keep-parts` folders (their
    /// parts/*.part); together they must hold every (rank, replicate) of one run exactly
    /// once.
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
    for file in part_files(&a.parts)? {
        let bytes = mutasig::read::table::read_source(&file)?;
        let part = partial::decode(&file, &bytes)?;
        parts.push((file, part));
    }
    let n_parts = parts.len();
    let gathered = partial::gather(parts, &cat, &a.input, &text.sha256)?;
    let groups = a.outputs.groups(&cat)?;
    let args = (a.input.as_str(), &a.outputs, &a.reference);
    let folder = Folder::open(args, &cat, &a.output, a.force, a.format)?;
    let cfg = gathered.settings;
    mutasig::log::info(&format!(
        "merging {} parts: ranks {:?}, {} replicates each",
        n_parts, gathered.prepared.ranks, cfg.replicates
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

/// The part files named, a folder standing for its `parts/*.part` (sorted by name).
fn part_files(args: &[String]) -> anyhow::Result<Vec<String>> {
    let mut files = Vec::new();
    for a in args {
        let dir = std::path::Path::new(a);
        if !dir.is_dir() {
            files.push(a.clone());
            continue;
        }
        let parts = dir.join("parts");
        let mut found: Vec<String> = std::fs::read_dir(&parts)
            .map_err(|e| anyhow::anyhow!("{a} is a folder without parts/ ({e}); merge takes part files or folders of `extract --keep-parts`"))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "part"))
            .map(|p| p.display().to_string())
            .collect();
        if found.is_empty() {
            anyhow::bail!(
                "{} holds no .part file; run extract with --keep-parts",
                parts.display()
            );
        }
        found.sort();
        files.extend(found);
    }
    Ok(files)
}
