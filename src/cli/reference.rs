//! `mutasig reference list|export`.

use super::common::{stdout_write, usage};
use anyhow::{Context as _, Result};
use clap::{Args, Subcommand};
use mutasig::output::{FileTarget, Tsv, matrix_tsv};
use mutasig::read::context::Context;
use mutasig::read::reference::{CosmicVersion, Genome, ReferenceChoice};
use std::path::PathBuf;

#[derive(Subcommand, Debug)]
pub enum ReferenceCmd {
    /// List the bundled reference sets with their signature counts.
    #[command(after_help = "Example:\n  mutasig reference list")]
    List,
    /// Write a bundled reference matrix as TSV.
    #[command(
        after_help = "Example:\n  mutasig reference export --cosmic v3.6 --genome GRCh38 --only SBS1,SBS5 -o sbs1_5.tsv"
    )]
    Export {
        #[command(flatten)]
        cosmic: CosmicArgs,
        /// Context of the set.
        #[arg(long, default_value = "SBS96", value_parser = parse_context)]
        context: Context,
        /// Only these signatures or groups (comma-separated, e.g. SBS1,SBS5 or APOBEC).
        #[arg(long, value_delimiter = ',')]
        only: Vec<String>,
        /// Output file (default or `-`: standard output).
        #[arg(short, long)]
        output: Option<PathBuf>,
        /// Replace an existing output file.
        #[arg(long)]
        force: bool,
    },
}

pub fn run(cmd: ReferenceCmd) -> Result<()> {
    match cmd {
        ReferenceCmd::List => {
            let mut t = Tsv::new(&[
                "file",
                "version",
                "genome",
                "exome",
                "context",
                "signatures",
            ]);
            for b in mutasig::read::reference::BUNDLED {
                let set = b.load().with_context(|| format!("bundled {}", b.file))?;
                t.row_str(&[
                    b.file.to_string(),
                    b.version.name().to_string(),
                    b.genome.name().to_string(),
                    b.exome.to_string(),
                    b.context.name().to_string(),
                    set.len().to_string(),
                ]);
            }
            stdout_write(&t.finish())
        }
        ReferenceCmd::Export {
            cosmic,
            context,
            only,
            output,
            force,
        } => {
            // the names are checked (a usage error) before the output is looked at
            let all = cosmic.choice(None).load(context)?;
            mutasig::assign::cohort::check_signature_names(
                &[("--only", &only)],
                std::slice::from_ref(&all),
            )
            .map_err(usage)?;
            let target = FileTarget::parse(output.as_deref().unwrap_or("-".as_ref()));
            target.check(force, &[])?;
            let set = all.select(&only, &[])?;
            let labels = context.labels();
            let text = matrix_tsv(
                "MutationType",
                labels,
                &set.names,
                set.matrix.as_ref(),
                8,
                false,
            );
            Ok(target.write(text.as_bytes())?)
        }
    }
}

pub fn parse_context(s: &str) -> Result<Context, String> {
    Context::from_name(s).ok_or_else(|| format!("unknown context '{s}'; use SBS96, DBS78 or ID83"))
}

/// Which bundled COSMIC set.
#[derive(Args, Debug, Clone)]
pub struct CosmicArgs {
    /// COSMIC version.
    #[arg(long = "cosmic", value_enum, default_value = "v3.6")]
    pub version: CosmicVersion,
    /// Genome build.
    #[arg(long, value_enum, default_value = "GRCh37")]
    pub genome: Genome,
    /// Exome-scaled signatures (SBS96 only).
    #[arg(long)]
    pub exome: bool,
}

impl CosmicArgs {
    /// The choice of this bundled set, or of `file` instead.
    pub fn choice(&self, file: Option<String>) -> ReferenceChoice {
        ReferenceChoice {
            version: self.version,
            genome: self.genome,
            exome: self.exome,
            file,
        }
    }
}

/// Reference signatures for matching or fitting.
#[derive(Args, Debug, Clone)]
pub struct ReferenceArgs {
    #[command(flatten)]
    pub cosmic: CosmicArgs,
    /// A signature file (same layout as COSMIC's) instead of COSMIC.
    #[arg(long = "signatures", value_name = "FILE")]
    pub file: Option<String>,
}

impl ReferenceArgs {
    pub fn choice(&self) -> ReferenceChoice {
        self.cosmic.choice(self.file.clone())
    }
}
