//! Comparing signature exposures between groups of samples (`--groups`): per signature,
//! on absolute exposure (mutations) and relative exposure (fraction of the sample's
//! mutations), a rank test between the groups and Benjamini–Hochberg q-values across
//! signatures, one family per measure.
//!
//! - Two groups: two-sided Wilcoxon rank-sum (Mann–Whitney U) test. The exact null
//!   distribution of U is used when the smaller group has at most 8 samples and there
//!   are no ties (SciPy's `method="auto"` rule); otherwise the normal approximation with
//!   the tie-corrected variance and a continuity correction. The statistic is U of the
//!   first group; the effect is the rank-biserial correlation `2U/(n₁n₂) − 1` (positive
//!   when the first group tends to be higher).
//! - More groups: Kruskal–Wallis H with the tie correction, p from the chi-square
//!   distribution with groups − 1 degrees of freedom; the effect is ε² = H / (n − 1).
//! - When every value is equal (a signature absent from all compared samples) there is
//!   no evidence either way: statistic 0 (U = n₁n₂/2 for two groups), p = 1.
//!
//! Numbers only: no files, no terminal (the sheet is read in `read::groups`, the table
//! written in `output::groups`).

use statrs::distribution::{ChiSquared, ContinuousCDF, Normal};

/// Groups of at most this many samples (the smaller of two) get the exact U distribution
/// when there are no ties.
pub const EXACT_MAX: usize = 8;

/// Which test produced a p-value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Test {
    /// Mann–Whitney U, exact null distribution.
    MannWhitneyExact,
    /// Mann–Whitney U, normal approximation (tie and continuity corrected).
    MannWhitneyNormal,
    /// Kruskal–Wallis H, chi-square approximation (tie corrected).
    KruskalWallis,
}

impl Test {
    /// The name written in `group_differences.tsv`.
    pub fn name(self) -> &'static str {
        match self {
            Test::MannWhitneyExact => "mann_whitney_exact",
            Test::MannWhitneyNormal => "mann_whitney_normal",
            Test::KruskalWallis => "kruskal_wallis",
        }
    }
}

/// One test of one signature and measure.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TestResult {
    /// The test used.
    pub test: Test,
    /// U of the first group, or H.
    pub statistic: f64,
    /// Two-sided p-value.
    pub p: f64,
    /// Rank-biserial correlation (two groups) or ε² (more).
    pub effect: f64,
    /// The group with the highest mean rank (`None` when all mean ranks are equal).
    pub top: Option<usize>,
}

/// Average ranks (1-based) of `values`, and the tie term Σ(t³ − t) over tied runs.
fn ranks(values: &[f64]) -> (Vec<f64>, f64) {
    let mut idx: Vec<usize> = (0..values.len()).collect();
    idx.sort_by(|&a, &b| values[a].total_cmp(&values[b]));
    let mut r = vec![0.0; values.len()];
    let mut ties = 0.0;
    let mut i = 0;
    while i < idx.len() {
        let mut j = i + 1;
        while j < idx.len() && values[idx[j]] == values[idx[i]] {
            j += 1;
        }
        let avg = (i + 1 + j) as f64 / 2.0;
        idx[i..j].iter().for_each(|&k| r[k] = avg);
        let t = (j - i) as f64;
        ties += t * t * t - t;
        i = j;
    }
    (r, ties)
}

/// Rank sums per group and the tie term of the pooled `groups`.
fn rank_sums(groups: &[&[f64]]) -> (Vec<f64>, f64) {
    let pooled: Vec<f64> = groups.iter().flat_map(|g| g.iter().copied()).collect();
    let (r, ties) = ranks(&pooled);
    let mut sums = Vec::with_capacity(groups.len());
    let mut at = 0;
    for g in groups {
        sums.push(r[at..at + g.len()].iter().sum());
        at += g.len();
    }
    (sums, ties)
}

/// The group with the highest mean rank, unless the highest is shared.
fn top_group(sums: &[f64], sizes: &[usize]) -> Option<usize> {
    let means: Vec<f64> = sums.iter().zip(sizes).map(|(s, &n)| s / n as f64).collect();
    let best = means.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let at: Vec<usize> = (0..means.len())
        .filter(|&i| (means[i] - best).abs() <= 1e-9 * best.abs().max(1.0))
        .collect();
    (at.len() == 1).then(|| at[0])
}

/// Counts of each value of U (0 ..= m·n) under the null for group sizes `m`, `n`: the
/// coefficients of the Gaussian binomial ∏ᵢ₌₁..ₘ (1 − q^(n+i)) / (1 − q^i).
fn u_counts(m: usize, n: usize) -> Vec<i128> {
    let (m, n) = (m.min(n), m.max(n));
    let mut c = vec![0i128; m * n + 1];
    c[0] = 1;
    for i in 1..=m {
        // multiply by (1 − q^(n+i)), then divide by (1 − q^i); after both the
        // coefficients are again the (positive) counts for i × n
        for k in (n + i..c.len()).rev() {
            c[k] -= c[k - n - i];
        }
        for k in i..c.len() {
            c[k] += c[k - i];
        }
    }
    c
}

/// Two-sided Wilcoxon rank-sum / Mann–Whitney U test of `x` against `y` (see the module
/// docs for the rule between exact and normal). Both must be non-empty.
pub fn mann_whitney(x: &[f64], y: &[f64]) -> TestResult {
    let (n1, n2) = (x.len(), y.len());
    assert!(n1 > 0 && n2 > 0, "mann_whitney needs two non-empty samples");
    let (sums, ties) = rank_sums(&[x, y]);
    let (a, b) = (n1 as f64, n2 as f64);
    let u1 = sums[0] - a * (a + 1.0) / 2.0;
    let u = u1.max(a * b - u1);
    let top = top_group(&sums, &[n1, n2]);
    let effect = 2.0 * u1 / (a * b) - 1.0;
    if n1.min(n2) <= EXACT_MAX && ties == 0.0 {
        let c = u_counts(n1, n2);
        let total: i128 = c.iter().sum();
        let tail: i128 = c[u.round() as usize..].iter().sum();
        let p = (2.0 * tail as f64 / total as f64).min(1.0);
        let test = Test::MannWhitneyExact;
        return TestResult {
            test,
            statistic: u1,
            p,
            effect,
            top,
        };
    }
    let nn = a + b;
    let var = a * b / 12.0 * ((nn + 1.0) - ties / (nn * (nn - 1.0)));
    let p = if var <= 0.0 {
        1.0
    } else {
        let z = (u - a * b / 2.0 - 0.5) / var.sqrt();
        (2.0 * Normal::standard().sf(z)).clamp(0.0, 1.0)
    };
    TestResult {
        test: Test::MannWhitneyNormal,
        statistic: u1,
        p,
        effect,
        top,
    }
}

/// Kruskal–Wallis H test of two or more non-empty groups, tie corrected, p from the
/// chi-square distribution with groups − 1 degrees of freedom.
pub fn kruskal_wallis(groups: &[&[f64]]) -> TestResult {
    assert!(
        groups.len() >= 2 && groups.iter().all(|g| !g.is_empty()),
        "kruskal_wallis needs two or more non-empty groups"
    );
    let (sums, ties) = rank_sums(groups);
    let sizes: Vec<usize> = groups.iter().map(|g| g.len()).collect();
    let n = sizes.iter().sum::<usize>() as f64;
    let top = top_group(&sums, &sizes);
    let correction = 1.0 - ties / (n * n * n - n);
    let raw: f64 = sums
        .iter()
        .zip(&sizes)
        .map(|(r, &k)| r * r / k as f64)
        .sum::<f64>()
        * 12.0
        / (n * (n + 1.0))
        - 3.0 * (n + 1.0);
    let (h, p) = if correction <= 0.0 {
        (0.0, 1.0)
    } else {
        let h = (raw / correction).max(0.0);
        let df = (groups.len() - 1) as f64;
        let chi = ChiSquared::new(df).expect("df >= 1");
        (h, chi.sf(h).clamp(0.0, 1.0))
    };
    TestResult {
        test: Test::KruskalWallis,
        statistic: h,
        p,
        effect: h / (n - 1.0),
        top,
    }
}

/// Benjamini–Hochberg q-values (adjusted p-values) of `p`, in the same order:
/// `q₍ᵢ₎ = min over j ≥ i of p₍ⱼ₎·m/j`, capped at 1.
pub fn benjamini_hochberg(p: &[f64]) -> Vec<f64> {
    let m = p.len();
    let mut order: Vec<usize> = (0..m).collect();
    order.sort_by(|&a, &b| p[a].total_cmp(&p[b]));
    let mut q = vec![0.0; m];
    let mut running = 1.0f64;
    for (rank, &i) in order.iter().enumerate().rev() {
        running = running.min(p[i] * m as f64 / (rank + 1) as f64);
        q[i] = running.min(1.0);
    }
    q
}

/// The comparison of one measure (absolute or relative) of one signature.
#[derive(Debug, Clone, PartialEq)]
pub struct Measure {
    /// Median per group.
    pub medians: Vec<f64>,
    /// The test.
    pub result: TestResult,
    /// Benjamini–Hochberg q-value across signatures.
    pub q: f64,
}

/// One signature's comparison.
#[derive(Debug, Clone, PartialEq)]
pub struct SignatureDifference {
    /// Column of the signature in the exposure matrix.
    pub signature: usize,
    /// On mutations attributed.
    pub absolute: Measure,
    /// On the fraction of the sample's mutations.
    pub relative: Measure,
}

/// Inputs that cannot be compared.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CompareError {
    /// Fewer than two groups of two or more samples.
    #[error("a group comparison needs at least 2 groups of 2 or more samples (sizes: {0:?})")]
    TooFewGroups(Vec<usize>),
    /// A membership vector of another length than the exposure rows, or a group index
    /// out of range.
    #[error("group membership does not match the exposures: {0}")]
    Shape(String),
}

fn test(groups: &[Vec<f64>]) -> TestResult {
    match groups {
        [x, y] => mann_whitney(x, y),
        _ => kruskal_wallis(&groups.iter().map(Vec::as_slice).collect::<Vec<_>>()),
    }
}

/// Compares every signature between groups. `exposures[sample][signature]` in
/// mutations; `member[sample]` the group index (`None`: left out); `n_groups` groups, each
/// needing two or more samples. Relative exposure divides by the sample's row sum
/// (0 for a sample without mutations). Rows come back in signature order.
pub fn compare(
    exposures: &[Vec<f64>],
    member: &[Option<usize>],
    n_groups: usize,
) -> Result<Vec<SignatureDifference>, CompareError> {
    if member.len() != exposures.len() {
        let what = format!("{} memberships, {} samples", member.len(), exposures.len());
        return Err(CompareError::Shape(what));
    }
    if let Some(g) = member.iter().flatten().find(|&&g| g >= n_groups) {
        return Err(CompareError::Shape(format!("group {g} of {n_groups}")));
    }
    let mut sizes = vec![0usize; n_groups];
    member.iter().flatten().for_each(|&g| sizes[g] += 1);
    if n_groups < 2 || sizes.iter().any(|&n| n < 2) {
        return Err(CompareError::TooFewGroups(sizes));
    }
    let k = exposures.first().map_or(0, Vec::len);
    let totals: Vec<f64> = exposures.iter().map(|r| r.iter().sum()).collect();
    let split = |s: usize, relative: bool| -> Vec<Vec<f64>> {
        let mut g = vec![Vec::new(); n_groups];
        for (j, m) in member.iter().enumerate() {
            if let Some(m) = m {
                let x = exposures[j][s];
                let t = totals[j];
                g[*m].push(match relative {
                    false => x,
                    true if t > 0.0 => x / t,
                    true => 0.0,
                });
            }
        }
        g
    };
    let measure = |g: Vec<Vec<f64>>| Measure {
        medians: g.iter().map(|v| crate::numeric::median(v)).collect(),
        result: test(&g),
        q: 1.0,
    };
    let mut rows: Vec<SignatureDifference> = (0..k)
        .map(|s| SignatureDifference {
            signature: s,
            absolute: measure(split(s, false)),
            relative: measure(split(s, true)),
        })
        .collect();
    let qa = benjamini_hochberg(&rows.iter().map(|r| r.absolute.result.p).collect::<Vec<_>>());
    let qr = benjamini_hochberg(&rows.iter().map(|r| r.relative.result.p).collect::<Vec<_>>());
    for (r, (a, b)) in rows.iter_mut().zip(qa.into_iter().zip(qr)) {
        r.absolute.q = a;
        r.relative.q = b;
    }
    Ok(rows)
}

#[cfg(test)]
mod tests;
