//! `mutasig simulate`.

use super::common::{run_info, usage};
use super::reference::{CosmicArgs, parse_context};
use clap::Args;
use mutasig::output::OutputDir;
use mutasig::read::context::Context;
use mutasig::simulate::{self, Noise, SimConfig};
use std::path::PathBuf;

#[derive(Args, Debug)]
pub struct SimulateArgs {
    /// Signatures to draw from: COSMIC names or groups (comma-separated), or a signature file.
    #[arg(long, required = true, value_delimiter = ',')]
    signatures: Vec<String>,
    #[command(flatten)]
    cosmic: CosmicArgs,
    /// Context of the COSMIC set the names refer to.
    #[arg(long, default_value = "SBS96", value_parser = parse_context)]
    context: Context,
    /// Number of samples, 1 to 100000.
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u32).range(1..))]
    samples: u32,
    /// Active signatures per sample: N or LOW..HIGH, 1 ≤ LOW ≤ HIGH ≤ the number of
    /// signatures [default: 2..4, capped at the number of signatures].
    #[arg(long, value_parser = parse_range)]
    active: Option<(usize, usize)>,
    /// Median mutations per sample, in [1, 1e7].
    #[arg(long, default_value_t = 3000.0)]
    burden_median: f64,
    /// Standard deviation of the log burden, in [0, 3].
    #[arg(long, default_value_t = 0.5)]
    burden_log_sd: f64,
    /// Noise: poisson, none or negbin:SIZE (overdispersed; smaller SIZE is noisier; SIZE
    /// in [0.01, 1e6]).
    #[arg(long, default_value = "poisson")]
    noise: Noise,
    /// Perturb each signature's profile to a cosine drawn from LOW..HIGH to its
    /// reference (e.g. 0.93..0.99), as real tumours deviate from COSMIC.
    #[arg(long, value_parser = parse_cosines)]
    perturb: Option<(f64, f64)>,
    /// Per-sample variation of each active profile: log-normal SD per channel, in [0, 1].
    #[arg(long, default_value_t = 0.0)]
    sample_sd: f64,
    /// Mean share of each sample's mutations from a process absent from the reference,
    /// in [0, 0.6] (truth row `Unknown_process`).
    #[arg(long, default_value_t = 0.0)]
    unknown: f64,
    /// Output folder.
    #[arg(short, long)]
    output: PathBuf,
    /// Replace an existing output folder.
    #[arg(long)]
    force: bool,
}

fn parse_range(s: &str) -> Result<(usize, usize), String> {
    let parse = |x: &str| {
        x.trim()
            .parse::<usize>()
            .map_err(|_| format!("'{x}' is not a whole number in '{s}'"))
    };
    match s.split_once("..") {
        Some((a, b)) => Ok((parse(a)?, parse(b.trim_start_matches('='))?)),
        None => parse(s).map(|v| (v, v)),
    }
}

fn parse_cosines(s: &str) -> Result<(f64, f64), String> {
    let parse = |x: &str| {
        x.trim()
            .parse::<f64>()
            .map_err(|_| format!("'{x}' is not a number in '{s}'; expected LOW..HIGH"))
    };
    match s.split_once("..") {
        Some((a, b)) => Ok((parse(a)?, parse(b)?)),
        None => parse(s).map(|v| (v, v)),
    }
}

pub fn run(a: SimulateArgs, g: &super::Global) -> anyhow::Result<()> {
    let start = std::time::Instant::now();
    let mut cfg = SimConfig {
        samples: a.samples as usize,
        active: a.active.unwrap_or(simulate::DEFAULT_ACTIVE),
        burden_median: a.burden_median,
        burden_log_sd: a.burden_log_sd,
        noise: a.noise,
        seed: g.seed,
        realism: simulate::Realism {
            perturb: a.perturb,
            sample_sd: a.sample_sd,
            unknown: a.unknown,
        },
    };
    cfg.check().map_err(usage)?;
    let set = if a.signatures.len() == 1 && std::path::Path::new(&a.signatures[0]).is_file() {
        mutasig::SignatureSet::read(&a.signatures[0])?
    } else {
        let all = a.cosmic.choice(None).load(a.context)?;
        let names = [("--signatures", a.signatures.as_slice())];
        mutasig::assign::cohort::check_signature_names(&names, std::slice::from_ref(&all))
            .map_err(usage)?;
        all.select(&a.signatures, &[])?
    };
    if a.active.is_none() {
        cfg.active = simulate::default_active(set.len());
    }
    cfg.check_signatures(set.len()).map_err(usage)?;
    // the output folder is claimed (or refused) before the cohort is drawn
    let inputs: Vec<&str> = a.signatures.iter().map(|s| s.as_str()).collect();
    let out = OutputDir::create(&a.output, a.force, &inputs)?;
    let sim = simulate::simulate(&set, &cfg)?;
    mutasig::output::simulate::write_simulation(&out, &sim, &set, &cfg, run_info(start))?;
    let path = out.commit()?;
    let shown = path.display();
    mutasig::log::info(&format!("{} samples written to {shown}", cfg.samples));
    Ok(())
}
