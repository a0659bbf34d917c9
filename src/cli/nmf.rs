//! The NMF flags of `mutasig extract`.

use clap::Args;
use mutasig::nmf::{Init, NmfSettings, Objective, Solver};

#[derive(Args, Debug)]
pub struct NmfArgs {
    /// NMF objective.
    #[arg(long, value_enum, default_value = "kl")]
    objective: Objective,
    /// NMF solver: auto (coordinate descent for kl, HALS for frobenius), mu, hals, cd,
    /// mvnmf (minimum-volume NMF, kl only; for flat signatures).
    #[arg(long, value_enum, default_value = "auto")]
    solver: Solver,
    /// NMF starting values.
    #[arg(long, value_enum, default_value = "random")]
    init: Init,
    /// Multiplicative-update iterations before the solver, 0 (none) to 10000.
    #[arg(long, default_value_t = 50)]
    mu_warmup: usize,
    /// Plain coordinate-descent/HALS iterations, without extrapolation (slower; for
    /// comparisons).
    #[arg(long)]
    no_extrapolation: bool,
    /// Relative tolerance of the NMF stopping rule, in (0, 1).
    #[arg(long, default_value_t = 1e-6)]
    tolerance: f64,
    /// Iteration cap per factorization, 1 to 1000000.
    #[arg(long, default_value_t = 20_000)]
    max_iter: usize,
    /// Weight of the volume penalty of --solver mvnmf relative to the divergence at the
    /// start of each fit, in (0, 10).
    #[arg(long, default_value_t = mutasig::nmf::settings::DEFAULT_VOLUME_LAMBDA)]
    volume_lambda: f64,
    /// Factorizations per replicate from different random starts, 1 to 100; the one with
    /// the lowest objective is kept.
    #[arg(long, default_value_t = mutasig::nmf::settings::DEFAULT_STARTS)]
    starts: usize,
}

impl NmfArgs {
    pub fn settings(&self) -> NmfSettings {
        NmfSettings {
            objective: self.objective,
            solver: self.solver,
            init: self.init,
            mu_warmup: self.mu_warmup,
            extrapolate: !self.no_extrapolation,
            tolerance: self.tolerance,
            max_iter: self.max_iter,
            volume_lambda: self.volume_lambda,
            starts: self.starts,
        }
    }
}
