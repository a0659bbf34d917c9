//! Reference values from SciPy 1.17.1 (`scipy.stats`), computed in a throwaway venv
//! (`python3 -m venv /tmp/venv-groups && /tmp/venv-groups/bin/pip install scipy`); the
//! call that produced each number is in the comment above it.

use super::*;

fn close(got: f64, want: f64, tol: f64) {
    assert!(
        (got - want).abs() <= tol * want.abs().max(1e-300),
        "got {got:e}, want {want:e}"
    );
}

#[test]
fn mann_whitney_exact_matches_scipy() {
    // mannwhitneyu([1.1,2.3,3.7,4.2], [5.5,6.1,0.4,7.8,8.9]) → U=4.0, p=0.19047619047619047
    let r = mann_whitney(&[1.1, 2.3, 3.7, 4.2], &[5.5, 6.1, 0.4, 7.8, 8.9]);
    assert_eq!(r.test, Test::MannWhitneyExact);
    assert_eq!(r.statistic, 4.0);
    close(r.p, 0.19047619047619047, 1e-12);
    assert_eq!(r.top, Some(1));
    close(r.effect, 2.0 * 4.0 / 20.0 - 1.0, 1e-12);
    // mannwhitneyu([3,1,2], [10,...,21]) → U=0.0, p=0.004395604395604396 (exact: the
    // smaller group has 3 samples, the larger 12)
    let y: Vec<f64> = (10..22).map(f64::from).collect();
    let r = mann_whitney(&[3.0, 1.0, 2.0], &y);
    assert_eq!(r.test, Test::MannWhitneyExact);
    assert_eq!(r.statistic, 0.0);
    close(r.p, 0.004395604395604396, 1e-12);
    assert_eq!(r.effect, -1.0);
}

#[test]
fn mann_whitney_normal_matches_scipy() {
    // mannwhitneyu([0,0,3,5,7,7,10,12,0,2], [4,8,8,9,11,15,20,0,13,14,16])
    //   → U=20.5, p=0.016234932847751717 (ties: asymptotic)
    let x = [0., 0., 3., 5., 7., 7., 10., 12., 0., 2.];
    let y = [4., 8., 8., 9., 11., 15., 20., 0., 13., 14., 16.];
    let r = mann_whitney(&x, &y);
    assert_eq!(r.test, Test::MannWhitneyNormal);
    assert_eq!(r.statistic, 20.5);
    close(r.p, 0.016234932847751717, 1e-9);
    // x3 = [0.5i + 0.01i² for i in range(12)], y3 = [0.3i + 2.05 for i in range(10)];
    // mannwhitneyu(x3, y3) → U=55.0, p=0.7666793603687381 (both > 8: asymptotic)
    let x3: Vec<f64> = (0..12)
        .map(|i| 0.5 * i as f64 + 0.01 * (i * i) as f64)
        .collect();
    let y3: Vec<f64> = (0..10).map(|i| 0.3 * i as f64 + 2.05).collect();
    let r = mann_whitney(&x3, &y3);
    assert_eq!(r.test, Test::MannWhitneyNormal);
    assert_eq!(r.statistic, 55.0);
    close(r.p, 0.7666793603687381, 1e-9);
    // mannwhitneyu([5,5,5],[5,5,5,5]) → U=6.0, p=1.0
    let r = mann_whitney(&[5.0; 3], &[5.0; 4]);
    assert_eq!((r.statistic, r.p, r.effect, r.top), (6.0, 1.0, 0.0, None));
}

#[test]
fn kruskal_wallis_matches_scipy() {
    // kruskal([0,0,1,5,3,2], [4,6,6,9,7], [0,1,1,2,8,12,3])
    //   → H=5.790883785664578, p=0.05527459425017458
    let r = kruskal_wallis(&[
        &[0., 0., 1., 5., 3., 2.],
        &[4., 6., 6., 9., 7.],
        &[0., 1., 1., 2., 8., 12., 3.],
    ]);
    assert_eq!(r.test, Test::KruskalWallis);
    close(r.statistic, 5.790883785664578, 1e-12);
    close(r.p, 0.05527459425017458, 1e-9);
    close(r.effect, 5.790883785664578 / 17.0, 1e-12);
    assert_eq!(r.top, Some(1));
    // kruskal([2.9,3.0,2.5,2.6,3.2], [3.8,2.7,4.0,2.4], [2.8,3.4,3.7,2.2,2.0])
    //   → H=0.7714285714285722, p=0.6799647735788936
    let r = kruskal_wallis(&[
        &[2.9, 3.0, 2.5, 2.6, 3.2],
        &[3.8, 2.7, 4.0, 2.4],
        &[2.8, 3.4, 3.7, 2.2, 2.0],
    ]);
    close(r.statistic, 0.7714285714285722, 1e-12);
    close(r.p, 0.6799647735788936, 1e-9);
    // kruskal([1,2],[3,4]) → H=2.3999999999999986, p=0.12133525035848367
    let r = kruskal_wallis(&[&[1., 2.], &[3., 4.]]);
    close(r.statistic, 2.4, 1e-12);
    close(r.p, 0.12133525035848367, 1e-9);
    let r = kruskal_wallis(&[&[0.0; 3], &[0.0; 2], &[0.0; 4]]);
    assert_eq!((r.statistic, r.p, r.top), (0.0, 1.0, None));
}

#[test]
fn benjamini_hochberg_matches_scipy() {
    // false_discovery_control([0.01,0.04,0.03,0.2,0.5,0.001,0.04])
    //   → [0.035, 0.056, 0.056, 0.23333333333333336, 0.5, 0.007, 0.056]
    let q = benjamini_hochberg(&[0.01, 0.04, 0.03, 0.2, 0.5, 0.001, 0.04]);
    let want = [0.035, 0.056, 0.056, 0.23333333333333336, 0.5, 0.007, 0.056];
    for (g, w) in q.iter().zip(want) {
        close(*g, w, 1e-12);
    }
    assert_eq!(benjamini_hochberg(&[1.0, 0.9]), [1.0, 1.0]);
    assert!(benjamini_hochberg(&[]).is_empty());
}

#[test]
fn exact_counts_are_the_binomial_total_and_symmetric() {
    let c = u_counts(4, 7);
    assert_eq!(c.iter().sum::<i128>(), 330); // C(11, 4)
    assert!(c.iter().all(|&x| x > 0));
    let r: Vec<i128> = c.iter().rev().copied().collect();
    assert_eq!(c, r);
    assert_eq!(u_counts(8, 10_000).iter().sum::<i128>(), {
        // C(10008, 8)
        (0..8).fold(1i128, |acc, i| acc * (10_008 - i) / (i + 1))
    });
}

/// A cohort of `n` samples × 4 signatures with Poisson-like noise; signature 2 is
/// multiplied by `fold` in the samples of group 1.
fn cohort(n: usize, fold: f64, seed: u64) -> (Vec<Vec<f64>>, Vec<Option<usize>>) {
    use rand::RngExt;
    let mut rng = crate::rng::stream(seed, crate::rng::Purpose::Other, 0, 0);
    let base = [400.0, 900.0, 150.0, 60.0];
    let mut rows = Vec::new();
    let mut member = Vec::new();
    for j in 0..n {
        let g = j % 2;
        let row: Vec<f64> = base
            .iter()
            .enumerate()
            .map(|(s, &b)| {
                let mean = if s == 2 && g == 1 { b * fold } else { b };
                // log-normal spread between samples, whole mutations
                let spread: f64 = rng.random_range(-0.8..0.8);
                (mean * spread.exp()).round()
            })
            .collect();
        rows.push(row);
        member.push(Some(g));
    }
    (rows, member)
}

#[test]
fn a_planted_enrichment_is_found_and_nothing_else() {
    let (e, member) = cohort(30, 6.0, 7);
    let d = compare(&e, &member, 2).unwrap();
    assert_eq!(d.len(), 4);
    assert!(d[2].absolute.q < 0.05, "{:?}", d[2].absolute);
    assert!(d[2].relative.q < 0.05, "{:?}", d[2].relative);
    assert_eq!(d[2].absolute.result.top, Some(1));
    assert!(d[2].absolute.medians[1] > 3.0 * d[2].absolute.medians[0]);
    for s in [0, 1, 3] {
        assert!(
            d[s].absolute.q >= 0.05,
            "signature {s}: {:?}",
            d[s].absolute
        );
    }
}

#[test]
fn a_null_cohort_has_no_significant_signature() {
    // groups at random (three of them), nothing planted; several seeds
    use rand::RngExt;
    for seed in 0..5 {
        let (e, _) = cohort(40, 1.0, 100 + seed);
        let mut rng = crate::rng::stream(seed, crate::rng::Purpose::Other, 1, 0);
        let member: Vec<Option<usize>> = (0..40).map(|_| Some(rng.random_range(0..3))).collect();
        let d = compare(&e, &member, 3).unwrap();
        for r in &d {
            assert_eq!(r.absolute.result.test, Test::KruskalWallis);
            assert!(r.absolute.q >= 0.05, "seed {seed}: {r:?}");
            assert!(r.relative.q >= 0.05, "seed {seed}: {r:?}");
        }
    }
}

#[test]
fn compare_checks_its_inputs() {
    let e = vec![vec![1.0, 2.0]; 4];
    assert!(matches!(
        compare(&e, &[Some(0), Some(0), Some(1), None], 2),
        Err(CompareError::TooFewGroups(_))
    ));
    assert!(matches!(
        compare(&e, &[Some(0); 3], 2),
        Err(CompareError::Shape(_))
    ));
    assert!(matches!(
        compare(&e, &[Some(0), Some(0), Some(2), Some(2)], 2),
        Err(CompareError::Shape(_))
    ));
    // left-out samples are ignored; relative exposure divides by the row sum
    let e = vec![
        vec![1.0, 3.0],
        vec![2.0, 2.0],
        vec![9.0, 1.0],
        vec![8.0, 2.0],
        vec![100.0, 0.0],
    ];
    let d = compare(&e, &[Some(0), Some(0), Some(1), Some(1), None], 2).unwrap();
    assert_eq!(d[0].absolute.medians, [1.5, 8.5]);
    close(d[0].relative.medians[0], 0.375, 1e-12);
    close(d[0].relative.medians[1], 0.85, 1e-12);
}
