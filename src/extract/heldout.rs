//! Held-out likelihood of a rank by binomial thinning.
//!
//! Each sample's counts x are split into two independent halves, A ~ Binomial(x, 1/2)
//! per channel and B = x − A (for Poisson counts A and B are independent Poisson with
//! half the mean). The exposures of a rank's consensus signatures are fitted on one
//! half (Poisson likelihood, every signature) and the other half is scored by its
//! multinomial log-likelihood under the fitted profile, both ways round. Extra
//! signatures that only fit noise, or split a real signature, cannot predict the
//! other half better; missing signatures predict it worse. The split depends only on
//! the seed and the sample, so every rank is scored on the same halves (paired).

use crate::assign::{AssignConfig, Refitter};
use crate::rng::{Purpose, stream};
use faer::MatRef;
use rand_distr::{Binomial, Distribution};
use rayon::prelude::*;

/// Weight of the uniform profile mixed into each predicted profile, so that a count in
/// a channel a signature set gives (almost) no probability costs ln(1e-4 / channels)
/// instead of minus infinity.
pub const SMOOTHING: f64 = 1e-4;

/// The two halves of every sample, `halves[j] = (a, b)`; counts are rounded to whole
/// numbers before they are split. Draws come from
/// `rng::stream(seed, Purpose::Thinning, 0, j)`.
pub fn thin(v: MatRef<'_, f64>, seed: u64) -> Vec<(Vec<f64>, Vec<f64>)> {
    (0..v.ncols())
        .map(|j| {
            let mut rng = stream(seed, Purpose::Thinning, 0, j as u32);
            let (mut a, mut b) = (Vec::with_capacity(v.nrows()), Vec::with_capacity(v.nrows()));
            for i in 0..v.nrows() {
                let x = v[(i, j)].round().max(0.0);
                let n = if x.is_finite() && x < u64::MAX as f64 {
                    x as u64
                } else {
                    0
                };
                let half = if n == 0 {
                    0
                } else {
                    Binomial::new(n, 0.5)
                        .expect("p = 0.5 is a valid probability")
                        .sample(&mut rng)
                };
                a.push(half as f64);
                b.push((n - half) as f64);
            }
            (a, b)
        })
        .collect()
}

/// Per-sample held-out log-likelihood of the signatures `w` (channels × k, columns
/// summing to 1): for each half with mutations on both sides, the exposures fitted on
/// it score the other half. Samples in order; the sum does not depend on the threads.
///
/// # Errors
///
/// A refit that fails (the message of [`crate::assign::AssignError`]).
pub fn loglik(
    w: MatRef<'_, f64>,
    halves: &[(Vec<f64>, Vec<f64>)],
) -> Result<Vec<f64>, crate::assign::AssignError> {
    let (m, k) = (w.nrows(), w.ncols());
    let refitter = Refitter::new(w, AssignConfig::default())?;
    let all: Vec<usize> = (0..k).collect();
    halves
        .par_iter()
        .map(|(a, b)| {
            let mut total = 0.0;
            for (train, test) in [(a, b), (b, a)] {
                let (nt, ns) = (train.iter().sum::<f64>(), test.iter().sum::<f64>());
                if nt <= 0.0 || ns <= 0.0 {
                    continue;
                }
                let fit = refitter.fit_fixed(train, &all)?;
                let h = &fit.exposures;
                let mut pred = vec![0.0; m];
                for (s, &e) in h.iter().enumerate() {
                    if e > 0.0 {
                        for (i, p) in pred.iter_mut().enumerate() {
                            *p += w[(i, s)] * e;
                        }
                    }
                }
                let sum: f64 = pred.iter().sum();
                for (i, &x) in test.iter().enumerate() {
                    if x > 0.0 {
                        let p = if sum > 0.0 { pred[i] / sum } else { 0.0 };
                        total += x * ((1.0 - SMOOTHING) * p + SMOOTHING / m as f64).ln();
                    }
                }
            }
            Ok(total)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use faer::Mat;

    #[test]
    fn halves_add_up_and_are_reproducible() {
        let v = Mat::from_fn(6, 3, |i, j| (i * 3 + j) as f64 + 0.4);
        let h = thin(v.as_ref(), 5);
        assert_eq!(h, thin(v.as_ref(), 5));
        assert_ne!(h, thin(v.as_ref(), 6));
        for (j, (a, b)) in h.iter().enumerate() {
            for i in 0..6 {
                assert_eq!(a[i] + b[i], v[(i, j)].round());
            }
        }
    }

    #[test]
    fn the_true_signatures_predict_better_than_a_merged_one() {
        // two disjoint signatures; samples use one or the other
        let w2 = Mat::from_fn(4, 2, |i, s| if i / 2 == s { 0.5 } else { 0.0 });
        let w1 = Mat::from_fn(4, 1, |_, _| 0.25);
        let v = Mat::from_fn(4, 20, |i, j| if i / 2 == j % 2 { 30.0 } else { 0.0 });
        let h = thin(v.as_ref(), 1);
        let l2: f64 = loglik(w2.as_ref(), &h).unwrap().iter().sum();
        let l1: f64 = loglik(w1.as_ref(), &h).unwrap().iter().sum();
        assert!(l2 > l1 + 100.0, "{l2} vs {l1}");
    }

    #[test]
    fn scores_do_not_depend_on_the_threads() {
        let w = Mat::from_fn(6, 2, |i, s| ((i + 2 * s) % 4 + 1) as f64 / 15.0);
        let v = Mat::from_fn(6, 40, |i, j| ((i * 7 + j * 3) % 9) as f64);
        let h = thin(v.as_ref(), 3);
        let run = |t: usize| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(t)
                .build()
                .unwrap()
                .install(|| loglik(w.as_ref(), &h).unwrap())
        };
        let one = run(1);
        assert_eq!(one.len(), 40);
        assert!(one.iter().all(|x| x.is_finite() && *x <= 0.0));
        assert_eq!(
            one.iter().map(|x| x.to_bits()).collect::<Vec<_>>(),
            run(3).iter().map(|x| x.to_bits()).collect::<Vec<_>>()
        );
    }
}
