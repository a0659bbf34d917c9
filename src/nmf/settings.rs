//! The NMF settings a user chooses for a whole extraction (`--objective`, `--solver`,
//! `--init`, `--mu-warmup`, `--no-extrapolation`, `--tolerance`, `--max-iter`,
//! `--volume-lambda`, `--starts`), checked
//! once; [`NmfSettings::apply`] turns them into each factorization's [`NmfConfig`].

use super::{Init, NmfConfig, Objective, Solver, solver_mismatch};
use crate::settings::{Interval, SettingsError, check_count};

/// Largest `--max-iter` (the default, 20,000, is met by every measured cohort).
pub const MAX_ITERATIONS: usize = 1_000_000;
/// Largest `--mu-warmup` (the default is 50; the warm-up is multiplicative updates,
/// which only polish the start for the chosen solver).
pub const MAX_MU_WARMUP: usize = 10_000;
/// Allowed `--tolerance`: a relative decrease of the objective.
pub const TOLERANCE: Interval = Interval::open(0.0, 1.0);

/// Allowed `--volume-lambda` (λ̃ of `--solver mvnmf`, relative to the divergence at the
/// start of each fit).
pub const VOLUME_LAMBDA: Interval = Interval::open(0.0, 10.0);
/// Default `--volume-lambda` (see docs/benchmarks-extract.md, "Minimum-volume NMF").
pub const DEFAULT_VOLUME_LAMBDA: f64 = 1.0;

fn default_volume_lambda() -> f64 {
    DEFAULT_VOLUME_LAMBDA
}

/// Largest `--starts`.
pub const MAX_STARTS: usize = 100;
/// Default `--starts` (see docs/benchmarks-extract.md, "Best of several starts").
pub const DEFAULT_STARTS: usize = 5;

// folders and parts written before `--starts` ran one start per replicate
fn one_start() -> usize {
    1
}

/// NMF settings shared by every factorization of a run.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize, schemars::JsonSchema)]
pub struct NmfSettings {
    /// NMF objective.
    pub objective: Objective,
    /// NMF solver.
    pub solver: Solver,
    /// NMF starting values.
    pub init: Init,
    /// Multiplicative updates run before the chosen solver (0 = none). Coordinate
    /// descent from a random start falls into poor local minima more often than MU: on a
    /// simulated 5-signature cohort the stability of one planted signature was 0.34 with
    /// CD alone, 0.92 with MU alone and 0.94–0.98 with 50 MU iterations first.
    pub mu_warmup: usize,
    /// Extrapolated coordinate-descent/HALS iterations ([`NmfConfig::extrapolate`]).
    pub extrapolate: bool,
    /// Relative tolerance of the stopping rule.
    pub tolerance: f64,
    /// Iteration cap per factorization.
    pub max_iter: usize,
    /// λ̃ of minimum-volume NMF (`--solver mvnmf` only): the weight of the volume term
    /// relative to the divergence at the start of each fit.
    #[serde(default = "default_volume_lambda")]
    pub volume_lambda: f64,
    /// Factorizations from different random starts per replicate, of the same
    /// (resampled) catalogue; the one with the lowest objective is kept. Random starts of
    /// coordinate descent end in clearly worse local minima often enough (in 9 of 20 at
    /// rank 13 of the overdispersed simulated cohort) to make a true signature look
    /// unstable.
    #[serde(default = "one_start")]
    pub starts: usize,
}

impl Default for NmfSettings {
    fn default() -> Self {
        NmfSettings {
            objective: Objective::KullbackLeibler,
            solver: Solver::Auto,
            init: Init::Random,
            mu_warmup: 50,
            extrapolate: true,
            tolerance: 1e-6,
            max_iter: 20_000,
            volume_lambda: DEFAULT_VOLUME_LAMBDA,
            starts: DEFAULT_STARTS,
        }
    }
}

impl NmfSettings {
    /// Checks every value and the objective/solver pair, naming the flag.
    pub fn check(&self) -> Result<(), SettingsError> {
        TOLERANCE.check("--tolerance", self.tolerance)?;
        check_count("--max-iter", self.max_iter, 1, MAX_ITERATIONS)?;
        check_count("--mu-warmup", self.mu_warmup, 0, MAX_MU_WARMUP)?;
        VOLUME_LAMBDA.check("--volume-lambda", self.volume_lambda)?;
        check_count("--starts", self.starts, 1, MAX_STARTS)?;
        if self.solver == Solver::Mvnmf && self.objective != Objective::KullbackLeibler {
            return Err(SettingsError::new(
                "--solver",
                "mvnmf",
                "works only with --objective kl (minimum-volume KL NMF); use --objective kl \
                 or another --solver",
            ));
        }
        if solver_mismatch(self.objective, self.solver).is_some() {
            let (solver, objective, fits) = match self.objective {
                Objective::KullbackLeibler => ("hals", "kl", "cd"),
                Objective::Frobenius => ("cd", "frobenius", "hals"),
            };
            return Err(SettingsError::new(
                "--solver",
                solver,
                format!(
                    "does not minimize --objective {objective} (HALS is the frobenius solver, \
                     cd the kl one); use --solver {fits}, mu or auto, or the other --objective"
                ),
            ));
        }
        Ok(())
    }

    /// Sets these choices on one factorization's configuration.
    pub fn apply(&self, cfg: &mut NmfConfig) {
        cfg.objective = self.objective;
        cfg.solver = self.solver;
        cfg.init = self.init;
        cfg.tol = self.tolerance;
        cfg.max_iter = self.max_iter;
        cfg.mu_warmup = self.mu_warmup;
        cfg.extrapolate = self.extrapolate;
        cfg.volume = self.volume_lambda;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn volume_lambda_and_the_mvnmf_objective_are_checked_naming_the_flag() {
        let ok = NmfSettings {
            solver: Solver::Mvnmf,
            ..NmfSettings::default()
        };
        assert!(ok.check().is_ok());
        for bad in [0.0, -1.0, 10.0, f64::NAN, f64::INFINITY] {
            let s = NmfSettings {
                volume_lambda: bad,
                ..ok.clone()
            };
            assert_eq!(s.check().unwrap_err().flag, "--volume-lambda", "{bad}");
        }
        let fro = NmfSettings {
            objective: Objective::Frobenius,
            ..ok.clone()
        };
        let e = fro.check().unwrap_err();
        assert_eq!((e.flag, e.value.as_str()), ("--solver", "mvnmf"));
        let mut cfg = NmfConfig::new(3);
        NmfSettings {
            volume_lambda: 0.25,
            ..ok
        }
        .apply(&mut cfg);
        assert_eq!((cfg.solver, cfg.volume), (Solver::Mvnmf, 0.25));
    }

    #[test]
    fn settings_without_volume_lambda_read_as_the_default() {
        let mut v = serde_json::to_value(NmfSettings::default()).unwrap();
        v.as_object_mut().unwrap().remove("volume_lambda");
        let s: NmfSettings = serde_json::from_value(v).unwrap();
        assert_eq!(s.volume_lambda, DEFAULT_VOLUME_LAMBDA);
    }
}
