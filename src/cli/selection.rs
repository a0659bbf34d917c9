//! The selection flags of `mutasig assign`.

use clap::Args;
use mutasig::assign::cohort::AssignOptions;
use mutasig::assign::{Criterion, Dispersion};

#[derive(Args, Debug)]
pub struct SelectionArgs {
    /// Background signatures kept in every fit (default SBS1,SBS5 for SBS96; each must be
    /// in the reference).
    #[arg(long, value_delimiter = ',', conflicts_with = "no_background")]
    background: Option<Vec<String>>,
    /// No background signatures.
    #[arg(long)]
    no_background: bool,
    /// Selection criterion: likelihood ratio (default) or the relative L2 rule of SigProfilerAssignment.
    #[arg(long, value_enum, default_value = "likelihood")]
    criterion: Criterion,
    /// Improvement needed to add a signature (default: 10 for likelihood, 0.05 for l2; likelihood thresholds are multiplied by the sample's overdispersion). Likelihood: finite ≥ 0; l2: in [0, 1).
    #[arg(long)]
    add_threshold: Option<f64>,
    /// Loss below which a signature is removed (default: 7 for likelihood, 0.01 for l2); same range as --add-threshold, and not above it.
    #[arg(long)]
    remove_threshold: Option<f64>,
    /// Likelihood criterion: minimum decrease of the relative L2 error for a signature to
    /// enter (effect size next to significance; 0 = significance alone), in [0, 1).
    #[arg(long)]
    min_l2_gain: Option<f64>,
    /// Likelihood criterion: do not scale the thresholds by the sample's overdispersion.
    #[arg(long)]
    no_overdispersion: bool,
    /// Likelihood criterion: estimate overdispersion from the whole-reference fit only
    /// (reference) or also from the selected model's residuals (selected, the default).
    #[arg(long, value_enum, default_value = "selected")]
    dispersion: Dispersion,
    /// Fit every sample independently from the whole reference (no cohort stage).
    #[arg(long, conflicts_with = "cohort_effect")]
    per_sample: bool,
    /// Likelihood criterion: 2·ΔlogL per mutation a signature needs in at least one
    /// sample to enter the cohort's set, in [0, 1] (default 0.08; 0 = --per-sample).
    #[arg(long)]
    cohort_effect: Option<f64>,
}

impl SelectionArgs {
    /// These flags as assignment options (input, bootstrap and names left empty).
    pub fn options(&self) -> AssignOptions {
        AssignOptions {
            input: None,
            decompose: None,
            criterion: self.criterion,
            add_threshold: self.add_threshold,
            remove_threshold: self.remove_threshold,
            min_l2_gain: self.min_l2_gain,
            overdispersion: !self.no_overdispersion,
            dispersion: self.dispersion,
            per_sample: self.per_sample,
            cohort_effect: self.cohort_effect,
            bootstrap: 0,
            background: match self.no_background {
                true => Some(Vec::new()),
                false => self.background.clone(),
            },
            include: Vec::new(),
            exclude: Vec::new(),
        }
    }
}
