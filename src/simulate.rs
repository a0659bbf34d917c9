//! Synthetic cohorts with known answers: for testing methods, ours and others'.
//!
//! Each sample draws how many signatures are active, which ones, a mutation burden
//! (log-normal around the median) and Dirichlet(1) proportions; its expected spectrum
//! is W·e, and the observed counts add Poisson or overdispersed (gamma-Poisson,
//! negative binomial) noise. Every sample has its own random stream, so the cohort is
//! the same with any number of threads.

use crate::catalogue::Catalogue;
use crate::reference::SignatureSet;
use crate::rng::{ChaCha8Rng, Purpose, stream};
use faer::Mat;
use rand::RngExt;
use rand_distr::{Distribution, Gamma, Poisson};
use rayon::prelude::*;
use serde::Serialize;

/// Observation noise around the expected counts.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub enum Noise {
    /// Counts are the rounded expectation (no sampling noise).
    None,
    /// Poisson counts.
    Poisson,
    /// Negative binomial counts with this size (dispersion) parameter: variance
    /// μ + μ²/size; smaller is noisier.
    NegBin(f64),
}

impl std::str::FromStr for Noise {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let lower = s.trim().to_ascii_lowercase();
        if lower == "poisson" {
            return Ok(Noise::Poisson);
        }
        if lower == "none" {
            return Ok(Noise::None);
        }
        if let Some(size) = lower.strip_prefix("negbin:") {
            let v: f64 = size
                .parse()
                .map_err(|_| format!("'{size}' is not a number in '{s}'"))?;
            if !(v > 0.0 && v.is_finite()) {
                return Err(format!("negbin size must be > 0, got {v}"));
            }
            return Ok(Noise::NegBin(v));
        }
        Err(format!(
            "unknown noise '{s}'; use poisson, none or negbin:SIZE (e.g. negbin:50)"
        ))
    }
}

/// How to draw a cohort.
#[derive(Debug, Clone, Serialize)]
pub struct SimConfig {
    /// Number of samples.
    pub samples: usize,
    /// Smallest and largest number of active signatures per sample.
    pub active: (usize, usize),
    /// Median mutations per sample.
    pub burden_median: f64,
    /// Standard deviation of the log burden (0 = every sample has the median).
    pub burden_log_sd: f64,
    /// Noise model.
    pub noise: Noise,
    /// Seed of the random streams.
    pub seed: u64,
}

/// A simulated cohort and its truth.
#[derive(Debug, Clone)]
pub struct Simulation {
    /// The observed counts.
    pub catalogue: Catalogue,
    /// The signatures used (all of them, active somewhere or not).
    pub signatures: SignatureSet,
    /// True exposures, signatures × samples (mutations each signature contributed in
    /// expectation; columns sum to the sample's drawn burden).
    pub exposures: Mat<f64>,
}

/// Invalid simulation settings.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    /// Something is out of range.
    #[error("{0}")]
    Invalid(String),
}

/// Draw a cohort from `signatures`.
pub fn simulate(signatures: &SignatureSet, cfg: &SimConfig) -> Result<Simulation, SimError> {
    let k = signatures.len();
    let (lo, hi) = cfg.active;
    if cfg.samples == 0 {
        return Err(SimError::Invalid("--samples must be at least 1".into()));
    }
    if lo == 0 || lo > hi {
        return Err(SimError::Invalid(format!(
            "--active {lo}..{hi}: need 1 ≤ low ≤ high"
        )));
    }
    if lo > k {
        return Err(SimError::Invalid(format!(
            "--active asks for at least {lo} active signatures but only {k} were given"
        )));
    }
    if !(cfg.burden_median >= 1.0 && cfg.burden_median.is_finite()) {
        return Err(SimError::Invalid(format!(
            "--burden-median must be ≥ 1, got {}",
            cfg.burden_median
        )));
    }
    let hi = hi.min(k);
    let m = signatures.matrix.nrows();
    let cols: Vec<(Vec<f64>, Vec<f64>)> = (0..cfg.samples)
        .into_par_iter()
        .map(|j| {
            let mut rng = stream(cfg.seed, Purpose::Simulate, 0, j as u32);
            sample_one(signatures, cfg, lo, hi, &mut rng)
        })
        .collect();
    let counts = Mat::from_fn(m, cfg.samples, |i, j| cols[j].0[i]);
    let exposures = Mat::from_fn(k, cfg.samples, |s, j| cols[j].1[s]);
    let width = cfg.samples.to_string().len().max(3);
    let names = (1..=cfg.samples)
        .map(|j| format!("sample{j:0width$}"))
        .collect();
    Ok(Simulation {
        catalogue: Catalogue::new(signatures.context, names, counts),
        signatures: signatures.clone(),
        exposures,
    })
}

fn sample_one(
    sigs: &SignatureSet,
    cfg: &SimConfig,
    lo: usize,
    hi: usize,
    rng: &mut ChaCha8Rng,
) -> (Vec<f64>, Vec<f64>) {
    let k = sigs.len();
    let m = sigs.matrix.nrows();
    let n_active = rng.random_range(lo..=hi);
    // partial Fisher–Yates: the first n_active of a shuffled index list
    let mut idx: Vec<usize> = (0..k).collect();
    for i in 0..n_active {
        let j = rng.random_range(i..k);
        idx.swap(i, j);
    }
    let active = &idx[..n_active];
    let z: f64 = standard_normal(rng);
    let burden = (cfg.burden_median * (cfg.burden_log_sd * z).exp())
        .round()
        .max(1.0);
    let gamma = Gamma::new(1.0, 1.0).expect("valid gamma");
    let w: Vec<f64> = active.iter().map(|_| gamma.sample(rng)).collect();
    let total: f64 = w.iter().sum::<f64>().max(f64::MIN_POSITIVE);
    let mut e = vec![0.0; k];
    for (a, &s) in active.iter().enumerate() {
        e[s] = burden * w[a] / total;
    }
    let mut counts = vec![0.0; m];
    for (i, c) in counts.iter_mut().enumerate() {
        let mu: f64 = (0..k).map(|s| sigs.matrix[(i, s)] * e[s]).sum();
        *c = draw(mu, cfg.noise, rng);
    }
    (counts, e)
}

fn standard_normal(rng: &mut ChaCha8Rng) -> f64 {
    // Box–Muller: portable and independent of rand_distr's sampler versions
    let u1: f64 = rng.random::<f64>().max(f64::MIN_POSITIVE);
    let u2: f64 = rng.random::<f64>();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

fn draw(mu: f64, noise: Noise, rng: &mut ChaCha8Rng) -> f64 {
    if mu <= 0.0 {
        return 0.0;
    }
    match noise {
        Noise::None => mu.round(),
        Noise::Poisson => Poisson::new(mu)
            .map(|p| p.sample(rng))
            .unwrap_or(mu.round()),
        Noise::NegBin(size) => {
            let g = Gamma::new(size, mu / size)
                .map(|g| g.sample(rng))
                .unwrap_or(mu);
            if g <= 0.0 {
                0.0
            } else {
                Poisson::new(g).map(|p| p.sample(rng)).unwrap_or(g.round())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::Context;
    use crate::reference::{CosmicVersion, Genome, load_bundled};

    fn sigs() -> SignatureSet {
        let s = load_bundled(CosmicVersion::V3_6, Genome::GRCh37, false, Context::Sbs96).unwrap();
        let idx: Vec<usize> = ["SBS1", "SBS5", "SBS2", "SBS13"]
            .iter()
            .map(|n| s.index(n).unwrap())
            .collect();
        s.subset(&idx)
    }

    fn cfg(noise: Noise) -> SimConfig {
        SimConfig {
            samples: 200,
            active: (2, 3),
            burden_median: 3000.0,
            burden_log_sd: 0.5,
            noise,
            seed: 1,
        }
    }

    #[test]
    fn truth_is_consistent_and_counts_follow_it() {
        let s = sigs();
        let sim = simulate(&s, &cfg(Noise::Poisson)).unwrap();
        let totals = sim.catalogue.totals();
        let mut ratio = 0.0;
        for (j, total) in totals.iter().enumerate() {
            let active = (0..4).filter(|&k| sim.exposures[(k, j)] > 0.0).count();
            assert!((2..=3).contains(&active));
            let e: f64 = (0..4).map(|k| sim.exposures[(k, j)]).sum();
            ratio += total / e;
            assert!(
                sim.catalogue
                    .counts
                    .col(j)
                    .iter()
                    .all(|&c| c >= 0.0 && c.fract() == 0.0)
            );
        }
        ratio /= 200.0;
        assert!(
            (ratio - 1.0).abs() < 0.01,
            "observed/expected burden {ratio}"
        );
        let mut sorted = totals.clone();
        sorted.sort_by(f64::total_cmp);
        let med = sorted[100];
        assert!(med > 2400.0 && med < 3600.0, "median burden {med}");
    }

    #[test]
    fn overdispersion_increases_variance() {
        let s = sigs();
        let mut c = cfg(Noise::Poisson);
        c.burden_log_sd = 0.0;
        c.active = (4, 4);
        let p = simulate(&s, &c).unwrap();
        c.noise = Noise::NegBin(5.0);
        let nb = simulate(&s, &c).unwrap();
        // variance of counts around the expectation, pooled over channels and samples
        let resid = |sim: &Simulation| {
            let mut acc = 0.0;
            for j in 0..200 {
                for i in 0..96 {
                    let mu: f64 = (0..4)
                        .map(|k| s.matrix[(i, k)] * sim.exposures[(k, j)])
                        .sum();
                    if mu > 20.0 {
                        acc += (sim.catalogue.counts[(i, j)] - mu).powi(2) / mu;
                    }
                }
            }
            acc
        };
        assert!(resid(&nb) > 2.0 * resid(&p));
    }

    #[test]
    fn same_seed_same_cohort_any_threads() {
        let s = sigs();
        let run = |t| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(t)
                .build()
                .unwrap()
                .install(|| simulate(&s, &cfg(Noise::NegBin(20.0))).unwrap())
        };
        let a = run(1);
        let b = run(3);
        assert_eq!(a.catalogue.counts, b.catalogue.counts);
        assert_eq!(a.exposures, b.exposures);
    }

    #[test]
    fn bad_settings_are_refused() {
        let s = sigs();
        let mut c = cfg(Noise::Poisson);
        c.active = (5, 6);
        assert!(simulate(&s, &c).is_err());
        assert!("negbin:-1".parse::<Noise>().is_err());
        assert_eq!("NEGBIN:20".parse::<Noise>().unwrap(), Noise::NegBin(20.0));
    }
}
