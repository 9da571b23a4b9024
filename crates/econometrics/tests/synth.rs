//! Synthetic control: exact recovery of a known convex combination and effect, KKT optimality
//! of the simplex-constrained weights, placebo-in-space p-values, and the nested V choice.

#![allow(clippy::needless_range_loop)]

use faer::Mat;
use pressure_econometrics::synth::{
    simplex_least_squares, synthetic_control, PredictorWeights, SynthData, SynthOptions,
};
use rand::{Rng, SeedableRng};
use rand_pcg::Pcg64Mcg;

/// 12 donors with distinct smooth paths over 20 periods; the treated unit is 0.3·donor 2 +
/// 0.7·donor 5 before period 14 and that plus `effect` after.
fn panel(effect: f64) -> (Vec<String>, Vec<f64>, Vec<Vec<f64>>) {
    let times: Vec<f64> = (0..20).map(|t| 2000.0 + t as f64).collect();
    let mut units = vec!["treated".to_string()];
    let mut outcomes = vec![vec![]];
    for d in 0..12 {
        units.push(format!("donor{d}"));
        outcomes.push(
            (0..20)
                .map(|t| {
                    let t = t as f64;
                    10.0 + d as f64
                        + (0.3 + 0.05 * d as f64) * t
                        + (t * (0.4 + 0.1 * d as f64)).sin()
                })
                .collect(),
        );
    }
    outcomes[0] = (0..20)
        .map(|t| 0.3 * outcomes[3][t] + 0.7 * outcomes[6][t] + if t >= 14 { effect } else { 0.0 })
        .collect();
    (units, times, outcomes)
}

#[test]
fn recovers_weights_effect_and_smallest_p_value() {
    let (units, times, outcomes) = panel(5.0);
    let data = SynthData {
        units: &units,
        times: &times,
        outcomes: &outcomes,
        treated: 0,
        treatment_time: 2014.0,
        covariates: None,
    };
    let r = synthetic_control(&data, &SynthOptions::default()).unwrap();
    for (name, w) in &r.weights {
        let expect = match name.as_str() {
            "donor2" => 0.3,
            "donor5" => 0.7,
            _ => 0.0,
        };
        assert!((w - expect).abs() < 1e-9, "{name}: {w}");
    }
    assert!(r.pre_rmspe < 1e-9);
    for t in 14..20 {
        assert!((r.gap[t] - 5.0).abs() < 1e-8);
    }
    assert!((r.average_effect - 5.0).abs() < 1e-8);
    // The treated unit's RMSPE ratio is the largest of 13: p = 1/13.
    assert_eq!(r.placebos.len(), 13);
    assert!((r.p_value.unwrap() - 1.0 / 13.0).abs() < 1e-15);
}

#[test]
fn no_effect_gives_no_signal() {
    let (units, times, outcomes) = panel(0.0);
    let data = SynthData {
        units: &units,
        times: &times,
        outcomes: &outcomes,
        treated: 0,
        treatment_time: 2014.0,
        covariates: None,
    };
    let r = synthetic_control(&data, &SynthOptions::default()).unwrap();
    assert!(r.average_effect.abs() < 1e-8);
    assert!(r.post_rmspe < 1e-8);
}

#[test]
fn simplex_weights_satisfy_the_kkt_conditions() {
    // Random problems with more donors than predictors (the usual case) and fewer.
    let mut rng = Pcg64Mcg::seed_from_u64(5);
    for (m, j) in [(6, 15), (15, 6), (10, 10)] {
        for _ in 0..20 {
            let a = Mat::from_fn(m, j, |_, _| rng.random::<f64>());
            let b: Vec<f64> = (0..m).map(|_| rng.random::<f64>() * 1.2).collect();
            let w = simplex_least_squares(&a, &b).unwrap();
            assert!(w.iter().all(|&x| x >= 0.0));
            assert!((w.iter().sum::<f64>() - 1.0).abs() < 1e-12);
            let res: Vec<f64> = (0..m)
                .map(|r| b[r] - (0..j).map(|c| a[(r, c)] * w[c]).sum::<f64>())
                .collect();
            let g: Vec<f64> = (0..j)
                .map(|c| -(0..m).map(|r| a[(r, c)] * res[r]).sum::<f64>())
                .collect();
            let support: Vec<usize> = (0..j).filter(|&c| w[c] > 0.0).collect();
            let mu = support.iter().map(|&c| g[c]).sum::<f64>() / support.len() as f64;
            for c in 0..j {
                if w[c] > 0.0 {
                    assert!((g[c] - mu).abs() < 1e-9, "stationarity on the support");
                } else {
                    assert!(g[c] - mu > -1e-9, "dual feasibility off the support");
                }
            }
        }
    }
}

#[test]
fn optimized_predictor_weights_do_not_fit_worse_than_equal_weights() {
    // A covariate that is misleading (unrelated to the outcome) distorts equal-V weights; the
    // nested choice of V must give a pre-period MSPE no larger than equal weights.
    let (units, times, outcomes) = panel(2.0);
    let cov: Vec<Vec<f64>> = (0..units.len())
        .map(|u| vec![((u * 7) % 5) as f64])
        .collect();
    let cov_names = vec!["misleading".to_string()];
    let periods: Vec<usize> = vec![0, 4, 8, 12];
    let run = |weights| {
        let data = SynthData {
            units: &units,
            times: &times,
            outcomes: &outcomes,
            treated: 0,
            treatment_time: 2014.0,
            covariates: Some((&cov_names, &cov)),
        };
        let opts = SynthOptions {
            weights,
            outcome_predictor_periods: Some(periods.clone()),
            placebo: false,
        };
        synthetic_control(&data, &opts).unwrap()
    };
    let equal = run(PredictorWeights::Equal);
    let opt = run(PredictorWeights::Optimized);
    assert!(opt.pre_rmspe <= equal.pre_rmspe + 1e-12);
    assert!(
        equal.pre_rmspe > 1e-3,
        "the covariate should distort equal weights"
    );
    let v_cov = opt.predictor_weights.last().unwrap().1;
    assert!(v_cov < 0.05, "misleading covariate weight {v_cov}");
}
