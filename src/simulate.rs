//! Synthetic cohorts with known answers: for testing methods, ours and others'.
//!
//! Each sample draws how many signatures are active, which ones, a mutation burden
//! (log-normal around the median) and Dirichlet(1) proportions; its expected spectrum
//! is W·e, and the observed counts add Poisson or overdispersed (gamma-Poisson,
//! negative binomial) noise. Every sample has its own random stream, so the cohort is
//! the same with any number of threads.

use crate::numeric::reconstruct;
use crate::read::catalogue::Catalogue;
use crate::read::reference::SignatureSet;
use crate::rng::{ChaCha8Rng, Purpose, stream};
use crate::settings::{Interval, SettingsError, check_count, show};
use faer::{Mat, MatRef};
use rand::RngExt;
use rand_distr::{Distribution, Gamma, Poisson};
use rayon::prelude::*;
use serde::Serialize;

/// Observation noise around the expected counts.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, serde::Deserialize)]
#[serde(into = "String", try_from = "String")]
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
            // the range (NEGBIN_SIZE) is checked by SimConfig::check, with the flag named
            return Ok(Noise::NegBin(v));
        }
        Err(format!(
            "unknown noise '{s}'; use poisson, none or negbin:SIZE (e.g. negbin:50)"
        ))
    }
}

impl schemars::JsonSchema for Noise {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Noise".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "description": "`poisson`, `none` or `negbin:SIZE`, as the command line spells it",
            "pattern": "^(poisson|none|negbin:[0-9.eE+-]+)$"
        })
    }
}

impl From<Noise> for String {
    fn from(n: Noise) -> String {
        n.to_string()
    }
}

impl TryFrom<String> for Noise {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        s.parse()
    }
}

impl std::fmt::Display for Noise {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Noise::None => f.write_str("none"),
            Noise::Poisson => f.write_str("poisson"),
            Noise::NegBin(size) => write!(f, "negbin:{}", show(*size)),
        }
    }
}

/// Largest `--samples`: a cohort is held in memory as channels × samples counts.
pub const MAX_SAMPLES: usize = 100_000;
/// Allowed `--burden-median` (mutations per sample; 1e7 is about three per kilobase of a
/// human genome, far above any tumour).
pub const BURDEN_MEDIAN: Interval = Interval::closed(1.0, 1e7);
/// Allowed `--burden-log-sd` (3 spreads burdens by a factor of 20 per standard deviation).
pub const BURDEN_LOG_SD: Interval = Interval::closed(0.0, 3.0);
/// Allowed SIZE of `--noise negbin:SIZE`: below 0.01 nearly every count is 0, and above
/// 1e6 the noise is Poisson.
pub const NEGBIN_SIZE: Interval = Interval::closed(0.01, 1e6);
/// Active signatures per sample when `--active` is not given, capped at the number of
/// signatures by [`default_active`].
pub const DEFAULT_ACTIVE: (usize, usize) = (2, 4);

/// [`DEFAULT_ACTIVE`] for a set of `k` signatures.
pub fn default_active(k: usize) -> (usize, usize) {
    (DEFAULT_ACTIVE.0.min(k), DEFAULT_ACTIVE.1.min(k))
}

/// How to draw a cohort.
#[derive(Debug, Clone, Serialize, serde::Deserialize, schemars::JsonSchema)]
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
    /// Departures from the reference profiles (none by default).
    #[serde(default)]
    pub realism: Realism,
}

/// How far a cohort departs from the reference profiles it is drawn from. Real tumours
/// do: their spectra deviate from COSMIC's, vary between samples and hold processes no
/// reference has; a refitting method tuned only on exact mixtures over-calls on them.
/// Every part is off by default, and a cohort drawn with all of them off is the same,
/// byte for byte, as one drawn before they existed.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Serialize, serde::Deserialize, schemars::JsonSchema,
)]
pub struct Realism {
    /// Each signature's cohort profile has a cosine to its reference profile drawn
    /// uniformly from this range (multiplicative log-normal change of every channel).
    pub perturb: Option<(f64, f64)>,
    /// Standard deviation of a further per-sample, per-channel log-normal change of each
    /// active profile (0 = every sample uses the cohort profile).
    pub sample_sd: f64,
    /// Mean share of each sample's mutations from a process absent from the reference
    /// (each sample draws uniformly between 0.5× and 1.5× of it).
    pub unknown: f64,
}

/// Allowed cosines of `--perturb`.
pub const PERTURB_COSINE: Interval = Interval::closed(0.5, 1.0);
/// Allowed `--sample-sd`.
pub const SAMPLE_SD: Interval = Interval::closed(0.0, 1.0);
/// Allowed `--unknown` (1.5× of it stays below 1).
pub const UNKNOWN_SHARE: Interval = Interval::closed(0.0, 0.6);
/// Name of the absent process in the truth files.
pub const UNKNOWN_NAME: &str = "Unknown_process";

/// A simulated cohort and its truth.
#[derive(Debug, Clone)]
pub struct Simulation {
    /// The observed counts.
    pub catalogue: Catalogue,
    /// The true profiles (all of them, active somewhere or not): the reference
    /// profiles, perturbed when [`Realism::perturb`] is set, plus [`UNKNOWN_NAME`] when
    /// [`Realism::unknown`] is above 0.
    pub signatures: SignatureSet,
    /// True exposures, signatures × samples (mutations each signature contributed in
    /// expectation; columns sum to the sample's drawn burden).
    pub exposures: Mat<f64>,
}

fn show_active((lo, hi): (usize, usize)) -> String {
    if lo == hi {
        lo.to_string()
    } else {
        format!("{lo}..{hi}")
    }
}

impl SimConfig {
    /// Checks every setting that does not depend on the signatures; run before anything
    /// is read. [`simulate`] runs it too.
    ///
    /// # Errors
    ///
    /// The first setting out of range, named by its command-line flag.
    pub fn check(&self) -> Result<(), SettingsError> {
        check_count("--samples", self.samples, 1, MAX_SAMPLES)?;
        let (lo, hi) = self.active;
        if lo == 0 {
            return Err(SettingsError::new(
                "--active",
                show_active(self.active),
                "expected N or LOW..HIGH with 1 <= LOW <= HIGH",
            ));
        }
        if lo > hi {
            return Err(SettingsError::new(
                "--active",
                show_active(self.active),
                "LOW is above HIGH; expected N or LOW..HIGH with 1 <= LOW <= HIGH",
            ));
        }
        BURDEN_MEDIAN.check("--burden-median", self.burden_median)?;
        if let Some((lo, hi)) = self.realism.perturb {
            let shown = format!("{}..{}", show(lo), show(hi));
            if !(PERTURB_COSINE.contains(lo) && PERTURB_COSINE.contains(hi)) || lo > hi {
                return Err(SettingsError::new(
                    "--perturb",
                    shown,
                    format!(
                        "expected LOW..HIGH cosines with LOW <= HIGH, both in {PERTURB_COSINE}"
                    ),
                ));
            }
        }
        SAMPLE_SD.check("--sample-sd", self.realism.sample_sd)?;
        UNKNOWN_SHARE.check("--unknown", self.realism.unknown)?;
        BURDEN_LOG_SD.check("--burden-log-sd", self.burden_log_sd)?;
        if let Noise::NegBin(size) = self.noise
            && !NEGBIN_SIZE.contains(size)
        {
            return Err(SettingsError::new(
                "--noise",
                self.noise.to_string(),
                format!("expected negbin:SIZE with SIZE {NEGBIN_SIZE}"),
            ));
        }
        Ok(())
    }

    /// Checks `--active` against the number `k` of signatures drawn from.
    pub fn check_signatures(&self, k: usize) -> Result<(), SettingsError> {
        if self.active.1 > k {
            return Err(SettingsError::new(
                "--active",
                show_active(self.active),
                format!(
                    "at most {k} signature(s) can be active: that is how many were given to --signatures"
                ),
            ));
        }
        Ok(())
    }
}

/// Invalid simulation settings, or a cohort with nothing in it.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    /// A setting out of range ([`SimConfig::check`]).
    #[error(transparent)]
    Settings(#[from] SettingsError),
    /// Every simulated count is zero.
    #[error(
        "the simulated catalogue has no mutation at all ({samples} sample(s), every count 0); raise --burden-median or the SIZE of --noise negbin:SIZE"
    )]
    AllZero {
        /// Samples drawn.
        samples: usize,
    },
}

/// Draw a cohort from `signatures`.
pub fn simulate(signatures: &SignatureSet, cfg: &SimConfig) -> Result<Simulation, SimError> {
    cfg.check()?;
    let k = signatures.len();
    cfg.check_signatures(k)?;
    let (lo, hi) = cfg.active;
    let m = signatures.matrix.nrows();
    let truth = true_profiles(signatures, cfg);
    let cols: Vec<(Vec<f64>, Vec<f64>)> = (0..cfg.samples)
        .into_par_iter()
        .map(|j| {
            let mut rng = stream(cfg.seed, Purpose::Simulate, 0, j as u32);
            sample_one(&truth, k, cfg, lo, hi, &mut rng)
        })
        .collect();
    if cols.iter().all(|c| c.0.iter().all(|&x| x == 0.0)) {
        return Err(SimError::AllZero {
            samples: cfg.samples,
        });
    }
    let counts = Mat::from_fn(m, cfg.samples, |i, j| cols[j].0[i]);
    let exposures = Mat::from_fn(truth.len(), cfg.samples, |s, j| cols[j].1[s]);
    let width = cfg.samples.to_string().len().max(3);
    let names = (1..=cfg.samples)
        .map(|j| format!("sample{j:0width$}"))
        .collect();
    Ok(Simulation {
        catalogue: Catalogue::new(signatures.context, names, counts),
        signatures: truth,
        exposures,
    })
}

/// The cohort's true profiles: `sigs` perturbed to the cosines of
/// [`Realism::perturb`] (signature s from stream `(seed, Simulate, 1, s)`), plus the
/// absent process when [`Realism::unknown`] is set (stream `(seed, Simulate, 2, 0)`).
fn true_profiles(sigs: &SignatureSet, cfg: &SimConfig) -> SignatureSet {
    let r = cfg.realism;
    let (m, k) = (sigs.matrix.nrows(), sigs.len());
    let mut cols: Vec<Vec<f64>> = (0..k)
        .map(|s| {
            let p: Vec<f64> = sigs.matrix.col(s).iter().copied().collect();
            match r.perturb {
                Some((lo, hi)) => {
                    let mut rng = stream(cfg.seed, Purpose::Simulate, 1, s as u32);
                    let target = lo + (hi - lo) * rng.random::<f64>();
                    let z: Vec<f64> = (0..m).map(|_| standard_normal(&mut rng)).collect();
                    perturb_to_cosine(&p, &z, target)
                }
                None => p,
            }
        })
        .collect();
    let mut names = sigs.names.clone();
    if r.unknown > 0.0 {
        let mut rng = stream(cfg.seed, Purpose::Simulate, 2, 0);
        let z: Vec<f64> = (0..m).map(|_| standard_normal(&mut rng)).collect();
        cols.push(normalized(z.iter().map(|x| (1.5 * x).exp()).collect()));
        names.push(UNKNOWN_NAME.to_string());
    }
    if r.perturb.is_none() && r.unknown <= 0.0 {
        return sigs.clone();
    }
    let mut out = sigs.clone();
    out.matrix = Mat::from_fn(m, cols.len(), |i, s| cols[s][i]);
    out.names = names;
    out
}

fn normalized(mut p: Vec<f64>) -> Vec<f64> {
    let t: f64 = p.iter().sum();
    if t > 0.0 {
        p.iter_mut().for_each(|x| *x /= t);
    }
    p
}

fn cosine(a: &[f64], b: &[f64]) -> f64 {
    let dot: f64 = a.iter().zip(b).map(|(x, y)| x * y).sum();
    let na: f64 = a.iter().map(|x| x * x).sum::<f64>().sqrt();
    let nb: f64 = b.iter().map(|x| x * x).sum::<f64>().sqrt();
    if na > 0.0 && nb > 0.0 {
        dot / (na * nb)
    } else {
        0.0
    }
}

/// `p · exp(t·z)`, normalized, with the scale t found by bisection so that its cosine to
/// `p` is `target` (within 1e-4), or as close as t ≤ 64 allows.
fn perturb_to_cosine(p: &[f64], z: &[f64], target: f64) -> Vec<f64> {
    let at = |t: f64| normalized(p.iter().zip(z).map(|(x, zi)| x * (t * zi).exp()).collect());
    if target >= 1.0 {
        return normalized(p.to_vec());
    }
    let (mut lo, mut hi) = (0.0f64, 0.25f64);
    while cosine(p, &at(hi)) > target && hi < 64.0 {
        lo = hi;
        hi *= 2.0;
    }
    for _ in 0..60 {
        let mid = 0.5 * (lo + hi);
        if cosine(p, &at(mid)) > target {
            lo = mid;
        } else {
            hi = mid;
        }
        if hi - lo < 1e-9 {
            break;
        }
    }
    at(0.5 * (lo + hi))
}

/// One sample from the true profiles `truth`, whose first `k` columns are the signatures
/// drawn from (the rest: the absent process).
fn sample_one(
    truth: &SignatureSet,
    k: usize,
    cfg: &SimConfig,
    lo: usize,
    hi: usize,
    rng: &mut ChaCha8Rng,
) -> (Vec<f64>, Vec<f64>) {
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
    let r = cfg.realism;
    // drawn only when asked, so a cohort without realism keeps its old bytes
    let unknown_share = if r.unknown > 0.0 {
        r.unknown * (0.5 + rng.random::<f64>())
    } else {
        0.0
    };
    let known = burden * (1.0 - unknown_share);
    let mut e = vec![0.0; truth.len()];
    for (a, &s) in active.iter().enumerate() {
        e[s] = known * w[a] / total;
    }
    if truth.len() > k {
        e[k] = burden * unknown_share;
    }
    let mu: Vec<f64> = if r.sample_sd > 0.0 {
        let m = truth.matrix.nrows();
        let mut mu = vec![0.0; m];
        for (s, &es) in e.iter().enumerate() {
            if es <= 0.0 {
                continue;
            }
            let p: Vec<f64> = (0..m)
                .map(|i| truth.matrix[(i, s)] * (r.sample_sd * standard_normal(rng)).exp())
                .collect();
            for (x, q) in mu.iter_mut().zip(normalized(p)) {
                *x += es * q;
            }
        }
        mu
    } else {
        let recon = reconstruct(
            truth.matrix.as_ref(),
            MatRef::from_column_major_slice(&e, truth.len(), 1),
        );
        recon.col_as_slice(0).to_vec()
    };
    let counts = mu.iter().map(|&x| draw(x, cfg.noise, rng)).collect();
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
    use crate::read::context::Context;
    use crate::read::reference::{CosmicVersion, Genome, load_bundled};

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
            realism: Realism::default(),
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
    fn realism_perturbs_profiles_to_the_asked_cosines_and_adds_an_absent_process() {
        let s = sigs();
        let plain = simulate(&s, &cfg(Noise::Poisson)).unwrap();
        assert_eq!(
            plain.signatures.matrix, s.matrix,
            "no realism: reference profiles"
        );
        let mut c = cfg(Noise::Poisson);
        c.realism = Realism {
            perturb: Some((0.93, 0.99)),
            sample_sd: 0.1,
            unknown: 0.1,
        };
        let sim = simulate(&s, &c).unwrap();
        assert_eq!(sim.signatures.len(), 5);
        assert_eq!(sim.signatures.names[4], UNKNOWN_NAME);
        let col = |m: &Mat<f64>, j: usize| m.col(j).iter().copied().collect::<Vec<f64>>();
        for j in 0..4 {
            let c = cosine(&col(&s.matrix, j), &col(&sim.signatures.matrix, j));
            assert!((0.9299..=0.9901).contains(&c), "signature {j}: cosine {c}");
            let sum: f64 = col(&sim.signatures.matrix, j).iter().sum();
            assert!((sum - 1.0).abs() < 1e-12);
        }
        let mut share = 0.0;
        for j in 0..200 {
            let e = col(&sim.exposures, j);
            let t: f64 = e.iter().sum();
            let u = e[4] / t;
            assert!((0.05 - 1e-12..=0.15 + 1e-12).contains(&u), "share {u}");
            share += u / 200.0;
        }
        assert!((share - 0.1).abs() < 0.01, "mean unknown share {share}");
        // the observed spectra follow the perturbed profiles, not the reference ones
        let fit = |m: &Mat<f64>| {
            let mut err = 0.0;
            for j in 0..200 {
                let mu = reconstruct(m.as_ref(), sim.exposures.col(j).as_mat());
                for i in 0..96 {
                    err +=
                        (sim.catalogue.counts[(i, j)] - mu[(i, 0)]).powi(2) / mu[(i, 0)].max(1.0);
                }
            }
            err
        };
        let mut reference = sim.signatures.matrix.clone();
        for j in 0..4 {
            for i in 0..96 {
                reference[(i, j)] = s.matrix[(i, j)];
            }
        }
        assert!(fit(&sim.signatures.matrix) < 0.7 * fit(&reference));
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

    #[test]
    fn settings_are_checked_with_the_flag_named() {
        assert!(cfg(Noise::Poisson).check().is_ok());
        type Edit = fn(&mut SimConfig);
        let cases: &[(Edit, &str)] = &[
            (|c| c.active = (5, 2), "--active"),
            (|c| c.active = (0, 0), "--active"),
            (|c| c.samples = 0, "--samples"),
            (|c| c.samples = MAX_SAMPLES + 1, "--samples"),
            (|c| c.burden_median = 0.0, "--burden-median"),
            (|c| c.burden_median = -5.0, "--burden-median"),
            (|c| c.burden_median = f64::NAN, "--burden-median"),
            (|c| c.burden_median = 1e300, "--burden-median"),
            (|c| c.burden_log_sd = -1.0, "--burden-log-sd"),
            (|c| c.burden_log_sd = f64::NAN, "--burden-log-sd"),
            (|c| c.burden_log_sd = 100.0, "--burden-log-sd"),
            (|c| c.noise = Noise::NegBin(1e-300), "--noise"),
            (|c| c.noise = Noise::NegBin(1e300), "--noise"),
        ];
        let s = sigs();
        for (edit, flag) in cases {
            let mut c = cfg(Noise::Poisson);
            edit(&mut c);
            assert_eq!(c.check().unwrap_err().flag, *flag);
            assert!(matches!(simulate(&s, &c), Err(SimError::Settings(_))));
        }
        // more active signatures than given: refused, not silently capped
        let mut c = cfg(Noise::Poisson);
        c.active = (1, 5);
        assert!(c.check().is_ok());
        assert_eq!(c.check_signatures(4).unwrap_err().flag, "--active");
        assert!(matches!(simulate(&s, &c), Err(SimError::Settings(_))));
        assert_eq!(default_active(1), (1, 1));
        assert_eq!(default_active(3), (2, 3));
        assert_eq!(default_active(10), DEFAULT_ACTIVE);
        let e = cfg(Noise::NegBin(1e-300)).check().unwrap_err();
        assert_eq!(e.value, "negbin:1e-300");
    }

    #[test]
    fn an_all_zero_cohort_is_refused() {
        let mut c = cfg(Noise::NegBin(0.01));
        c.samples = 1;
        c.burden_median = 1.0;
        c.burden_log_sd = 0.0;
        c.active = (1, 1);
        let zero = (0..20).find_map(|seed| {
            c.seed = seed;
            simulate(&sigs(), &c).err()
        });
        assert!(
            matches!(zero, Some(SimError::AllZero { samples: 1 })),
            "{zero:?}"
        );
    }
}
