//! `mutasig assign` and `mutasig compare`: the command-level side of refitting —
//! choosing the reference, configuring the selection, writing the tables.

use crate::assign::{
    AssignConfig, AssignError, Criterion, Dispersion, Refitter, SampleBootstrap, SampleFit,
};
use crate::numeric::round_conserving_sums;
use crate::read::catalogue::Catalogue;
use crate::read::reference::SignatureSet;
use crate::settings::{SettingsError, check_count, show};
use faer::Mat;
use rayon::prelude::*;
use serde::Serialize;

/// Settings of an assignment.
#[derive(Debug, Clone, Serialize, serde::Deserialize, schemars::JsonSchema)]
pub struct AssignSettings {
    /// Selection criterion.
    pub criterion: Criterion,
    /// Threshold to add a signature (default depends on the criterion).
    pub add_threshold: f64,
    /// Threshold below which a signature is removed.
    pub remove_threshold: f64,
    /// Background signature names (kept in every fit).
    pub background: Vec<String>,
    /// Connected groups used.
    pub groups: Vec<Vec<String>>,
    /// Bootstrap replicates (0 = none).
    pub bootstrap: usize,
    /// Seed of the bootstrap streams.
    pub seed: u64,
    /// Likelihood thresholds scaled by the sample's overdispersion.
    pub overdispersion: bool,
    /// Minimum relative-L2 decrease for a signature to enter (likelihood criterion).
    pub min_l2_gain: f64,
    /// Where each sample's overdispersion is estimated.
    #[serde(default)]
    pub dispersion: Dispersion,
    /// `2·ΔlogL` per mutation a signature needs in one sample to enter the cohort's set;
    /// 0 = independent per-sample fits (`--per-sample`).
    #[serde(default)]
    pub cohort_effect: f64,
}

impl AssignSettings {
    /// The settings as applied: `cfg` with its indices named from `reference`.
    pub fn new(cfg: &AssignConfig, reference: &SignatureSet, bootstrap: usize, seed: u64) -> Self {
        let name = |j: &usize| reference.names[*j].clone();
        AssignSettings {
            criterion: cfg.criterion,
            add_threshold: cfg.add_threshold,
            remove_threshold: cfg.remove_threshold,
            background: cfg.background.iter().map(name).collect(),
            groups: cfg
                .groups
                .iter()
                .map(|g| g.iter().map(name).collect())
                .collect(),
            bootstrap,
            seed,
            overdispersion: cfg.overdispersion,
            min_l2_gain: cfg.min_l2_gain,
            dispersion: cfg.dispersion,
            cohort_effect: cfg.cohort_effect,
        }
    }
}

/// Largest `--bootstrap`: every replicate refits every sample with selection, so 10,000
/// replicates already cost 10,000 assignments (100–1,000 give stable 95% intervals).
pub const MAX_BOOTSTRAP: usize = 10_000;

/// What is asked of `mutasig assign` (or `assign --decompose`), as given on the command
/// line and before anything is read. [`AssignOptions::check`] validates the numbers,
/// [`AssignOptions::check_names`] the signature names against the reference.
#[derive(Debug, Clone, PartialEq)]
pub struct AssignOptions {
    /// The catalogue to fit (`None` with `decompose`).
    pub input: Option<String>,
    /// Signatures to decompose into the reference instead of fitting samples.
    pub decompose: Option<String>,
    /// Selection criterion.
    pub criterion: Criterion,
    /// `--add-threshold` (`None`: the criterion's default).
    pub add_threshold: Option<f64>,
    /// `--remove-threshold` (`None`: the criterion's default).
    pub remove_threshold: Option<f64>,
    /// `--min-l2-gain` (`None`: [`crate::assign::DEFAULT_MIN_L2_GAIN`]).
    pub min_l2_gain: Option<f64>,
    /// Scale likelihood thresholds by the sample's overdispersion.
    pub overdispersion: bool,
    /// `--dispersion`.
    pub dispersion: Dispersion,
    /// `--per-sample`: no cohort stage.
    pub per_sample: bool,
    /// `--cohort-effect` (`None`: [`crate::assign::DEFAULT_COHORT_EFFECT`] for the
    /// likelihood criterion).
    pub cohort_effect: Option<f64>,
    /// Bootstrap replicates (0 = none).
    pub bootstrap: usize,
    /// Background signatures or groups (`None`: the default, `Some(empty)`: none).
    pub background: Option<Vec<String>>,
    /// Only these signatures or groups (empty: all).
    pub include: Vec<String>,
    /// Leave out these signatures or groups.
    pub exclude: Vec<String>,
}

impl Default for AssignOptions {
    /// `mutasig assign`'s defaults: the likelihood criterion with its thresholds scaled by
    /// each sample's overdispersion, the default background, no bootstrap, every signature.
    fn default() -> Self {
        AssignOptions {
            input: None,
            decompose: None,
            criterion: Criterion::LikelihoodRatio,
            add_threshold: None,
            remove_threshold: None,
            min_l2_gain: None,
            overdispersion: true,
            dispersion: Dispersion::default(),
            per_sample: false,
            cohort_effect: None,
            bootstrap: 0,
            background: None,
            include: Vec::new(),
            exclude: Vec::new(),
        }
    }
}

impl AssignOptions {
    /// The selection settings these options give (indices come from the reference).
    fn thresholds(&self) -> AssignConfig {
        let (add, remove) = self.criterion.default_thresholds();
        AssignConfig {
            criterion: self.criterion,
            add_threshold: self.add_threshold.unwrap_or(add),
            remove_threshold: self.remove_threshold.unwrap_or(remove),
            overdispersion: self.overdispersion,
            min_l2_gain: self
                .min_l2_gain
                .unwrap_or(crate::assign::DEFAULT_MIN_L2_GAIN),
            dispersion: self.dispersion,
            cohort_effect: match (self.per_sample, self.cohort_effect, self.criterion) {
                (true, _, _) => 0.0,
                (false, Some(e), _) => e,
                (false, None, Criterion::LikelihoodRatio) => crate::assign::DEFAULT_COHORT_EFFECT,
                (false, None, Criterion::RelativeL2) => 0.0,
            },
            ..AssignConfig::default()
        }
    }

    /// Checks everything that needs no file: the input mode, the thresholds for the
    /// criterion, and the bootstrap count.
    ///
    /// # Errors
    ///
    /// The first setting out of range, named by its command-line flag.
    pub fn check(&self) -> Result<(), SettingsError> {
        if let Some(sigs) = &self.decompose {
            if let Some(input) = &self.input {
                return Err(SettingsError::new(
                    "--decompose",
                    sigs.clone(),
                    format!(
                        "takes no CATALOGUE argument (got '{input}'): use either \
                         `assign CATALOGUE` or `assign --decompose SIGNATURES`"
                    ),
                ));
            }
            // decomposition has fixed settings (DecomposeConfig): refuse flags it would ignore;
            // an empty background list is what --no-background gives
            let background = match self.background.as_deref() {
                Some([]) => ("--no-background", Some("(set)".to_string())),
                b => ("--background", b.map(|b| b.join(","))),
            };
            let ignored: [(&'static str, Option<String>); 5] = [
                ("--add-threshold", self.add_threshold.map(show)),
                ("--remove-threshold", self.remove_threshold.map(show)),
                ("--min-l2-gain", self.min_l2_gain.map(show)),
                (
                    "--bootstrap",
                    (self.bootstrap > 0).then(|| self.bootstrap.to_string()),
                ),
                background,
            ];
            if let Some((flag, Some(value))) = ignored.into_iter().find(|x| x.1.is_some()) {
                return Err(SettingsError::new(
                    flag,
                    value,
                    "not used by --decompose, which has fixed settings; drop it",
                ));
            }
        } else if self.input.is_none() {
            return Err(SettingsError::new(
                "CATALOGUE",
                "(none)",
                "give a catalogue to fit, or --decompose SIGNATURES",
            ));
        }
        let cfg = self.thresholds();
        let range = self.criterion.threshold_range();
        let criterion = self.criterion.flag_value();
        range.check("--add-threshold", cfg.add_threshold)?;
        range.check("--remove-threshold", cfg.remove_threshold)?;
        // before cfg.check(): this message says which of the two was a default
        if cfg.remove_threshold > cfg.add_threshold {
            let why = "removal must be easier than addition or selection can cycle";
            let (add, remove) = (show(cfg.add_threshold), show(cfg.remove_threshold));
            return Err(match (self.add_threshold, self.remove_threshold) {
                (Some(_), None) => SettingsError::new(
                    "--add-threshold",
                    add,
                    format!(
                        "must not be below the --criterion {criterion} default --remove-threshold {remove}: {why}"
                    ),
                ),
                (None, _) => SettingsError::new(
                    "--remove-threshold",
                    remove,
                    format!(
                        "must not be above the --criterion {criterion} default --add-threshold {add}: {why}"
                    ),
                ),
                (Some(_), Some(_)) => SettingsError::new(
                    "--remove-threshold",
                    remove,
                    format!("must not be above --add-threshold {add}: {why}"),
                ),
            });
        }
        cfg.check()?;
        check_count("--bootstrap", self.bootstrap, 0, MAX_BOOTSTRAP)?;
        Ok(())
    }

    /// Checks that every `--background`, `--include` and `--exclude` name or group matches
    /// at least one signature of one of `references` (the sets the data may be fitted
    /// with: a `--signatures` file, or the bundled COSMIC sets of every context, see
    /// [`candidate_references`]), that all of them fit the same set, and that the
    /// selection leaves a signature.
    pub fn check_names(&self, references: &[SignatureSet]) -> Result<(), SettingsError> {
        let lists: [(&'static str, &[String]); 3] = [
            ("--background", self.background.as_deref().unwrap_or(&[])),
            ("--include", &self.include),
            ("--exclude", &self.exclude),
        ];
        let Some(set) = check_signature_names(&lists, references)? else {
            return Ok(());
        };
        if set.select(&self.include, &self.exclude).is_err() {
            return Err(SettingsError::new(
                "--exclude",
                self.exclude.join(","),
                format!(
                    "leaves no signature of {} to fit{}",
                    set.source,
                    if self.include.is_empty() {
                        String::new()
                    } else {
                        format!(" with --include {}", self.include.join(","))
                    }
                ),
            ));
        }
        Ok(())
    }
}

/// Checks that every name or group of `lists` (each a flag and the names given with it)
/// matches at least one signature of one of `references`, and that all of them fit the
/// same set; returns that set (`None` when no name is given or there is no reference).
/// The check of `assign --background/--include/--exclude`, `simulate --signatures` and
/// `reference export --only`, run before anything is read or created.
///
/// # Errors
///
/// The first unknown name, named by its flag, with close names as a hint.
pub fn check_signature_names<'r>(
    lists: &[(&'static str, &[String])],
    references: &'r [SignatureSet],
) -> Result<Option<&'r SignatureSet>, SettingsError> {
    let items: Vec<(&'static str, &str)> = lists
        .iter()
        .flat_map(|(flag, list)| {
            list.iter()
                .map(|x| x.trim())
                .filter(|x| !x.is_empty())
                .map(move |x| (*flag, x))
        })
        .collect();
    if items.is_empty() || references.is_empty() {
        return Ok(None);
    }
    // the set that knows the most of the names (first on ties: SBS96 before DBS78, ID83)
    let unknown = |set: &SignatureSet| -> Vec<(&'static str, &str)> {
        items
            .iter()
            .copied()
            .filter(|(_, item)| !matches_any(set, item))
            .collect()
    };
    let (set, missing) = references
        .iter()
        .map(|r| (r, unknown(r)))
        .min_by_key(|(_, m)| m.len())
        .expect("references is not empty");
    if let Some(&(flag, item)) = missing.first() {
        if let Some(other) = references.iter().find(|r| matches_any(r, item)) {
            return Err(SettingsError::new(
                flag,
                item.to_string(),
                format!(
                    "is in {}, but the other names are in {}; give names of one context",
                    other.source, set.source
                ),
            ));
        }
        let close = crate::read::reference::close_matches(item, &set.names);
        let hint = if close.is_empty() {
            String::new()
        } else {
            format!("; did you mean {}?", close.join(", "))
        };
        return Err(SettingsError::new(
            flag,
            item.to_string(),
            format!("matches no signature or group of {}{hint}", set.source),
        ));
    }
    Ok(Some(set))
}

/// Whether a name or group matches at least one signature of `set`.
fn matches_any(set: &SignatureSet, item: &str) -> bool {
    set.names.iter().any(|n| n.eq_ignore_ascii_case(item))
        || crate::read::reference::group_members(item, &set.names).is_some_and(|m| !m.is_empty())
}

/// The reference sets a catalogue may be fitted with under `choice`, without reading the
/// catalogue: the `--signatures` file (read here), or the bundled COSMIC set of every
/// context available for the version, genome and exome choice (compiled in, no file read).
pub fn candidate_references(
    choice: &crate::read::reference::ReferenceChoice,
) -> Result<Vec<SignatureSet>, crate::read::reference::ReferenceError> {
    if let Some(path) = &choice.file {
        return Ok(vec![SignatureSet::read(path)?]);
    }
    crate::Context::ALL
        .iter()
        .filter_map(|&c| {
            crate::read::reference::find_bundled(choice.version, choice.genome, choice.exome, c)
                .ok()
        })
        .map(|b| b.load())
        .collect()
}

/// The reference of `context` from the sets of [`candidate_references`] (so a
/// `--signatures` file is read once): the file's set, which must be of that context, or
/// the bundled set of that context.
pub fn reference_for(
    choice: &crate::read::reference::ReferenceChoice,
    candidates: &[SignatureSet],
    context: crate::Context,
) -> Result<SignatureSet, crate::read::reference::ReferenceError> {
    match (&choice.file, candidates.first()) {
        (Some(path), Some(set)) => {
            if set.context != context {
                return Err(crate::read::reference::ReferenceError::ContextMismatch {
                    path: path.clone(),
                    found: set.context,
                    expected: context,
                });
            }
            Ok(set.clone())
        }
        _ => choice.load(context),
    }
}

/// The group of COSMIC's possible sequencing artefacts (SBS27, SBS43, SBS45–SBS60, SBS95),
/// left out of `assign` unless `--include-artefacts` is given.
pub const ARTEFACT_GROUP: &str = "Artifact";

/// The reference `assign` fits: the set of `context` ([`reference_for`]) restricted to
/// `include` minus `exclude`, and, unless `include_artefacts` (`--include-artefacts`), minus COSMIC's possible
/// sequencing artefacts ([`ARTEFACT_GROUP`]) not named in `include`. Returns the set and
/// the names of the artefact signatures it left out (for `summary.json`).
pub fn fit_reference(
    choice: &crate::read::reference::ReferenceChoice,
    candidates: &[SignatureSet],
    context: crate::Context,
    (include, exclude, include_artefacts): (&[String], &[String], bool),
) -> Result<(SignatureSet, Vec<String>), crate::read::reference::ReferenceError> {
    let set = reference_for(choice, candidates, context)?.select(include, exclude)?;
    if include_artefacts {
        return Ok((set, Vec::new()));
    }
    let asked = set.resolve(include)?;
    let artefacts: Vec<String> = crate::read::reference::group_members(ARTEFACT_GROUP, &set.names)
        .unwrap_or_default()
        .into_iter()
        .filter(|n| {
            set.index(n)
                .is_some_and(|j| include.is_empty() || !asked.contains(&j))
        })
        .collect();
    if artefacts.is_empty() || artefacts.len() == set.len() {
        return Ok((set, Vec::new()));
    }
    Ok((set.select(&[], &artefacts)?, artefacts))
}

/// Build the selection config for `reference` from checked options: background by name
/// (a missing default background signature is reported, not fatal), connected groups
/// whose members are all present, thresholds.
pub fn selection_config(
    reference: &SignatureSet,
    opts: &AssignOptions,
) -> Result<(AssignConfig, Vec<String>), AssignError> {
    opts.check()
        .map_err(|e| AssignError::Invalid(e.to_string()))?;
    let given = opts.thresholds();
    let mut cfg = AssignConfig::for_reference(&reference.names, opts.criterion);
    let mut warnings = Vec::new();
    if let Some(bg) = &opts.background {
        cfg.background = reference.resolve(bg)?;
    } else if reference.context == crate::Context::Sbs96 {
        for name in crate::assign::DEFAULT_BACKGROUND {
            if reference.index(name).is_none() {
                warnings.push(format!(
                    "background signature {name} is not in the reference; fitting without it"
                ));
            }
        }
    } else {
        cfg.background.clear();
    }
    if reference.context != crate::Context::Sbs96 {
        cfg.groups.clear();
    }
    cfg.add_threshold = given.add_threshold;
    cfg.remove_threshold = given.remove_threshold;
    cfg.min_l2_gain = given.min_l2_gain;
    cfg.overdispersion = given.overdispersion;
    cfg.dispersion = given.dispersion;
    cfg.cohort_effect = given.cohort_effect;
    cfg.check()
        .map_err(|e| AssignError::Invalid(e.to_string()))?;
    Ok((cfg, warnings))
}

/// The result of assigning a cohort.
#[derive(Debug, Clone)]
pub struct Assignment {
    /// Samples fitted (zero samples removed).
    pub catalogue: Catalogue,
    /// The reference used.
    pub reference: SignatureSet,
    /// One fit per sample.
    pub fits: Vec<SampleFit>,
    /// Bootstrap summaries, when asked.
    pub bootstrap: Option<Vec<SampleBootstrap>>,
    /// Samples dropped for having no mutations.
    pub dropped: Vec<String>,
    /// The signatures the cohort supports (cohort-aware refitting, reference order);
    /// `None` for independent per-sample fits.
    pub cohort_set: Option<Vec<usize>>,
    /// Per sample, the selected signatures another explains almost as well
    /// ([`Refitter::near_equivalents`] among the cohort's set, or among the signatures
    /// used anywhere in the cohort for per-sample fits).
    pub near_equivalents: Vec<Vec<crate::assign::NearEquivalent>>,
}

/// Fit every sample of `cat` against `reference`.
pub fn assign(
    cat: &Catalogue,
    reference: &SignatureSet,
    cfg: AssignConfig,
    bootstrap: usize,
    seed: u64,
) -> Result<Assignment, AssignError> {
    check_count("--bootstrap", bootstrap, 0, MAX_BOOTSTRAP)
        .map_err(|e| AssignError::Invalid(e.to_string()))?;
    let (kept, dropped) = cat.without_zero_samples();
    if kept.n_samples() == 0 {
        return Err(AssignError::Invalid(
            "no sample has any mutation; nothing to assign".into(),
        ));
    }
    let effect = cfg.cohort_effect;
    let refitter = Refitter::new(reference.matrix.as_ref(), cfg)?;
    // Cohort-aware: real spectra deviate from the reference profiles, and at thousands
    // of mutations a per-sample test explains the deviations with small spurious
    // signatures. A signature enters the cohort's set only with a large effect in at
    // least one sample; every sample (and every bootstrap replicate) then selects within
    // that set with the usual thresholds, so a signature of a single sample still enters.
    let (refitter, cohort_set) = if effect > 0.0 {
        let strong = refitter
            .clone()
            .with_effect(effect)
            .fit_all(kept.counts.as_ref())?;
        let mut allowed = vec![false; reference.len()];
        for f in &strong {
            for &j in &f.active {
                allowed[j] |= f.exposures[j] > 0.0;
            }
        }
        for &j in &refitter.config().background {
            allowed[j] = true;
        }
        prune_substitutes(&refitter, &kept, &strong, &mut allowed)?;
        let set: Vec<usize> = (0..reference.len()).filter(|&j| allowed[j]).collect();
        (refitter.restricted(&allowed), Some(set))
    } else {
        (refitter, None)
    };
    let fits = refitter.fit_all(kept.counts.as_ref())?;
    let boot = if bootstrap > 0 {
        Some(refitter.bootstrap(kept.counts.as_ref(), bootstrap, seed)?)
    } else {
        None
    };
    let candidates: Vec<usize> = match &cohort_set {
        Some(set) => set.clone(),
        None => (0..reference.len())
            .filter(|&j| fits.iter().any(|f| f.exposures[j] > 0.0))
            .collect(),
    };
    let near_equivalents = fits
        .par_iter()
        .enumerate()
        .map(|(s, f)| {
            let v: Vec<f64> = kept.counts.col(s).iter().copied().collect();
            refitter.near_equivalents(&v, f, &candidates)
        })
        .collect::<Result<Vec<_>, AssignError>>()?;
    Ok(Assignment {
        catalogue: kept,
        reference: reference.clone(),
        fits,
        bootstrap: boot,
        dropped,
        cohort_set,
        near_equivalents,
    })
}

/// Largest share of the samples in which a signature of the cohort's set may be selected
/// and still be checked by [`prune_substitutes`]; more widely selected ones stay.
const PRUNE_MAX_SHARE: f64 = 0.1;

/// Drops from the cohort's set a rarely selected signature when, in every sample that
/// selected it, another signature of the set explains the sample almost as well (SBS36
/// standing in for SBS18 at a few hundred mutations): the cohort's widely supported
/// signature is preferred to a near-equivalent one. Rarest first, the set updated as it
/// goes, so of two mutual substitutes one stays.
fn prune_substitutes(
    refitter: &Refitter,
    cat: &Catalogue,
    strong: &[SampleFit],
    allowed: &mut [bool],
) -> Result<(), AssignError> {
    let bg = &refitter.config().background;
    let support = |j: usize| strong.iter().filter(|f| f.exposures[j] > 0.0).count();
    let mut order: Vec<(usize, usize)> = (0..allowed.len())
        .filter(|&j| allowed[j] && !bg.contains(&j))
        .map(|j| (support(j), j))
        .filter(|&(n, _)| n as f64 <= PRUNE_MAX_SHARE * strong.len() as f64)
        .collect();
    order.sort_unstable();
    for (_, j) in order {
        let others: Vec<usize> = (0..allowed.len())
            .filter(|&c| allowed[c] && c != j)
            .collect();
        let replaceable = strong
            .par_iter()
            .enumerate()
            .filter(|(_, f)| f.exposures[j] > 0.0)
            .map(|(s, f)| {
                let v: Vec<f64> = cat.counts.col(s).iter().copied().collect();
                let near = refitter.near_equivalents(&v, f, &others)?;
                Ok(near.iter().any(|e| e.signature == j))
            })
            .collect::<Result<Vec<bool>, AssignError>>()?;
        if replaceable.iter().all(|&r| r) {
            allowed[j] = false;
        }
    }
    Ok(())
}

impl Assignment {
    /// A note naming the samples dropped for having no mutations, if any.
    pub fn dropped_note(&self) -> Option<String> {
        (!self.dropped.is_empty()).then(|| {
            format!(
                "dropped {} with no mutations: {}",
                crate::read::table::plural(self.dropped.len(), "sample", "samples"),
                self.dropped.join(", ")
            )
        })
    }

    /// Indices of signatures with any exposure in any sample, in reference order.
    pub fn used_signatures(&self) -> Vec<usize> {
        (0..self.reference.len())
            .filter(|&s| self.fits.iter().any(|f| f.exposures[s] > 0.0))
            .collect()
    }

    /// Exposures of the used signatures, signatures × samples, rounded to whole
    /// mutations that sum to each sample's total.
    pub fn exposure_counts(&self) -> (Vec<String>, Mat<f64>) {
        let used = self.used_signatures();
        let names = used
            .iter()
            .map(|&s| self.reference.names[s].clone())
            .collect();
        let raw = Mat::from_fn(used.len(), self.fits.len(), |i, j| {
            self.fits[j].exposures[used[i]]
        });
        (names, round_conserving_sums(&raw))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::read::reference::{CosmicVersion, Genome, ReferenceChoice};

    fn options() -> AssignOptions {
        AssignOptions {
            input: Some("cat.tsv".into()),
            ..AssignOptions::default()
        }
    }

    #[test]
    fn settings_are_checked_with_the_flag_named() {
        assert_eq!(options().check(), Ok(()));
        type Edit = fn(&mut AssignOptions);
        let cases: &[(Edit, &str)] = &[
            (|o| o.add_threshold = Some(f64::NAN), "--add-threshold"),
            (|o| o.add_threshold = Some(-1.0), "--add-threshold"),
            (|o| o.add_threshold = Some(f64::INFINITY), "--add-threshold"),
            (
                |o| o.remove_threshold = Some(f64::NAN),
                "--remove-threshold",
            ),
            (|o| o.remove_threshold = Some(-1.0), "--remove-threshold"),
            (
                |o| o.remove_threshold = Some(f64::INFINITY),
                "--remove-threshold",
            ),
            (|o| o.remove_threshold = Some(12.0), "--remove-threshold"),
            (|o| o.add_threshold = Some(5.0), "--add-threshold"),
            (
                |o| {
                    o.criterion = Criterion::RelativeL2;
                    o.add_threshold = Some(1.0)
                },
                "--add-threshold",
            ),
            (|o| o.min_l2_gain = Some(f64::NAN), "--min-l2-gain"),
            (|o| o.min_l2_gain = Some(1.0), "--min-l2-gain"),
            (|o| o.min_l2_gain = Some(-0.1), "--min-l2-gain"),
            (
                |o| {
                    o.criterion = Criterion::RelativeL2;
                    o.min_l2_gain = Some(0.1)
                },
                "--min-l2-gain",
            ),
            (|o| o.bootstrap = MAX_BOOTSTRAP + 1, "--bootstrap"),
            (|o| o.decompose = Some("sigs.tsv".into()), "--decompose"),
            (
                |o| {
                    o.input = None;
                    o.decompose = Some("sigs.tsv".into());
                    o.bootstrap = 10
                },
                "--bootstrap",
            ),
            (|o| o.input = None, "CATALOGUE"),
        ];
        for (edit, flag) in cases {
            let mut o = options();
            edit(&mut o);
            let e = o.check().unwrap_err();
            assert_eq!(e.flag, *flag, "{e}");
            assert_eq!(e.to_string().lines().count(), 1);
        }
        // the defaults are named when they are what conflicts
        let mut o = options();
        o.add_threshold = Some(5.0);
        let e = o.check().unwrap_err().to_string();
        assert!(e.contains("default --remove-threshold 7"), "{e}");
        // decomposition without selection flags is fine
        let mut o = options();
        o.input = None;
        o.decompose = Some("sigs.tsv".into());
        assert_eq!(o.check(), Ok(()));
    }

    #[test]
    fn refitter_uses_the_same_threshold_check() {
        let w = faer::Mat::from_fn(4, 2, |i, j| if i % 2 == j { 0.5 } else { 0.0 });
        for cfg in [
            AssignConfig {
                min_l2_gain: f64::NAN,
                ..AssignConfig::default()
            },
            AssignConfig {
                add_threshold: f64::NAN,
                ..AssignConfig::default()
            },
            AssignConfig {
                criterion: Criterion::RelativeL2,
                add_threshold: 2.0,
                remove_threshold: 0.01,
                ..AssignConfig::default()
            },
        ] {
            assert!(cfg.check().is_err());
            assert!(matches!(
                Refitter::new(w.as_ref(), cfg),
                Err(crate::assign::AssignError::Settings(_))
            ));
        }
        assert!(Refitter::new(w.as_ref(), AssignConfig::default()).is_ok());
    }

    #[test]
    fn names_are_checked_against_every_bundled_context() {
        let refs = candidate_references(&ReferenceChoice::default()).unwrap();
        assert_eq!(refs.len(), 3);
        let check = |bg: Option<&[&str]>, inc: &[&str], exc: &[&str]| {
            let mut o = options();
            let v = |x: &[&str]| x.iter().map(|s| s.to_string()).collect::<Vec<_>>();
            o.background = bg.map(v);
            o.include = v(inc);
            o.exclude = v(exc);
            o.check_names(&refs)
        };
        assert_eq!(check(Some(&["SBS1", "SBS5"]), &[], &["APOBEC"]), Ok(()));
        assert_eq!(check(Some(&["DBS2"]), &[], &[]), Ok(()));
        assert_eq!(check(None, &["ID1", "ID2"], &[]), Ok(()));
        assert_eq!(check(Some(&[]), &[], &[]), Ok(()));
        let e = check(Some(&["SBS999"]), &[], &[]).unwrap_err();
        assert_eq!((e.flag, e.value.as_str()), ("--background", "SBS999"));
        let e = check(None, &["SBS1x"], &[]).unwrap_err();
        assert!(e.expected.contains("did you mean SBS1"), "{e}");
        // each name exists somewhere, but not in one set together
        let e = check(Some(&["SBS1"]), &[], &["DBS2"]).unwrap_err();
        assert_eq!((e.flag, e.value.as_str()), ("--exclude", "DBS2"));
        // nothing left to fit
        let e = check(None, &["SBS1"], &["SBS1"]).unwrap_err();
        assert_eq!(e.flag, "--exclude");
        // exome: SBS96 only
        let exome = ReferenceChoice {
            version: CosmicVersion::V3_4,
            genome: Genome::GRCh38,
            exome: true,
            file: None,
        };
        assert_eq!(candidate_references(&exome).unwrap().len(), 1);
    }
}
