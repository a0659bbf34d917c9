//! The rank-selection flags of `mutasig extract`.

use clap::Args;
use mutasig::extract::rank::{RankOptions, SelectRule};

#[derive(Args, Debug)]
pub struct RankArgs {
    /// How the rank is chosen: combined (the largest stable rank whose held-out
    /// likelihood is within one standard error of the best; the cophenetic vote when no
    /// rank is stable), stability (SigProfilerExtractor's
    /// stability filter and rank-sum walk), cophenetic (rank before the largest drop) or
    /// likelihood (smallest rank within one standard error of the best held-out
    /// likelihood). Every criterion's vote is in summary.json.
    #[arg(long, value_enum, default_value = "combined")]
    select: SelectRule,
    /// Minimum mean stability of a candidate rank, in [0, 1] (a rank passes when its
    /// mean is within two standard errors of it).
    #[arg(long, default_value_t = 0.8)]
    stability: f64,
    /// Minimum per-signature stability of a candidate rank, in [0, 1].
    #[arg(long, default_value_t = 0.2)]
    min_stability: f64,
    /// Significance level of the rank-sum test when stepping down, in (0, 1).
    #[arg(long, default_value_t = 0.05)]
    alpha: f64,
}

impl RankArgs {
    pub fn options(&self) -> RankOptions {
        RankOptions {
            min_stability_mean: self.stability,
            min_stability_min: self.min_stability,
            alpha: self.alpha,
            select: self.select,
        }
    }
}
