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

/// The 14 pre-periods of `panel` are more predictors than its 12 donors (refused); every
/// other pre-period gives 7.
fn every_other_pre_period() -> SynthOptions {
    SynthOptions {
        outcome_predictor_periods: Some((0..14).step_by(2).collect()),
        ..Default::default()
    }
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
    let r = synthetic_control(&data, &every_other_pre_period()).unwrap();
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
    let r = synthetic_control(&data, &every_other_pre_period()).unwrap();
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

#[test]
fn a_donor_pool_smaller_than_the_predictors_is_refused() {
    let (units, times, outcomes) = panel(1.0);
    let data = SynthData {
        units: &units,
        times: &times,
        outcomes: &outcomes,
        treated: 0,
        treatment_time: 2014.0,
        covariates: None,
    };
    let e = synthetic_control(&data, &SynthOptions::default())
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("the donor pool has 12 units, fewer than the 14 predictors"),
        "{e}"
    );
}

/// A factor-model panel: `J` donors and one treated unit over `T` periods, outcomes
/// `λ_u · f_t + ε` with two common factors; the treated unit's loadings are a convex
/// combination of three donors' (so a synthetic control exists), plus `effect` from period
/// `t0` on. Returns (units, times, outcomes) and the SD of the treated unit's pre-period outcome.
fn factor_panel(
    seed: u64,
    j: usize,
    t_len: usize,
    t0: usize,
    effect_in_sds: f64,
) -> (Vec<String>, Vec<f64>, Vec<Vec<f64>>, f64) {
    use rand_distr::{Distribution, Normal};
    let mut rng = Pcg64Mcg::seed_from_u64(seed);
    let noise = Normal::<f64>::new(0.0, 0.3).unwrap();
    let f: Vec<[f64; 2]> = (0..t_len)
        .map(|t| {
            let t = t as f64;
            [1.0 + 0.05 * t, (0.5 * t).sin() + 0.1 * t]
        })
        .collect();
    let loadings: Vec<[f64; 2]> = (0..j)
        .map(|_| [5.0 + 5.0 * rng.random::<f64>(), 4.0 * rng.random::<f64>()])
        .collect();
    let lam = [
        0.5 * loadings[0][0] + 0.3 * loadings[1][0] + 0.2 * loadings[2][0],
        0.5 * loadings[0][1] + 0.3 * loadings[1][1] + 0.2 * loadings[2][1],
    ];
    let mut units = vec!["treated".to_string()];
    let mut outcomes = vec![(0..t_len)
        .map(|t| lam[0] * f[t][0] + lam[1] * f[t][1] + noise.sample(&mut rng))
        .collect::<Vec<f64>>()];
    for (d, l) in loadings.iter().enumerate() {
        units.push(format!("donor{d}"));
        outcomes.push(
            (0..t_len)
                .map(|t| l[0] * f[t][0] + l[1] * f[t][1] + noise.sample(&mut rng))
                .collect(),
        );
    }
    let pre = &outcomes[0][..t0];
    let m = pre.iter().sum::<f64>() / t0 as f64;
    let sd = (pre.iter().map(|v| (v - m).powi(2)).sum::<f64>() / (t0 - 1) as f64).sqrt();
    for t in t0..t_len {
        outcomes[0][t] += effect_in_sds * sd;
    }
    let times = (0..t_len).map(|t| 1990.0 + t as f64).collect();
    (units, times, outcomes, sd)
}

#[test]
fn recovers_a_planted_effect_of_three_pre_period_sds() {
    // 20 simulated panels, 30 donors, 30 periods, treatment at period 20, effect = 3 SDs of
    // the treated unit's pre-period outcome. Required (issue 13): mean bias under 10 % of the
    // effect, and a placebo p-value below 0.05 (the smallest attainable is 1/31).
    let (j, t_len, t0) = (30, 30, 20);
    let mut bias = 0.0;
    let mut p_below = 0;
    let reps = 20;
    for rep in 0..reps {
        let (units, times, outcomes, sd) = factor_panel(100 + rep, j, t_len, t0, 3.0);
        let data = SynthData {
            units: &units,
            times: &times,
            outcomes: &outcomes,
            treated: 0,
            treatment_time: times[t0],
            covariates: None,
        };
        let opts = SynthOptions {
            outcome_predictor_periods: Some((0..t0).step_by(2).collect()),
            ..Default::default()
        };
        let r = synthetic_control(&data, &opts).unwrap();
        let effect = 3.0 * sd;
        bias += (r.average_effect - effect) / effect;
        if r.p_value.unwrap() < 0.05 {
            p_below += 1;
        }
    }
    let bias = bias / reps as f64;
    eprintln!(
        "planted effect of 3 SDs: mean relative bias {bias:.4}, p < 0.05 in {p_below} of {reps}"
    );
    assert!(bias.abs() < 0.10, "mean relative bias {bias}");
    assert_eq!(p_below, reps, "p < 0.05 in {p_below} of {reps}");
}

#[test]
fn a_null_effect_is_not_significant_in_most_panels() {
    // Size check of the placebo test: with no effect, p < 0.05 should be rare.
    let (j, t_len, t0) = (30, 30, 20);
    let mut rejections = 0;
    for rep in 0..20 {
        let (units, times, outcomes, _) = factor_panel(500 + rep, j, t_len, t0, 0.0);
        let data = SynthData {
            units: &units,
            times: &times,
            outcomes: &outcomes,
            treated: 0,
            treatment_time: times[t0],
            covariates: None,
        };
        let opts = SynthOptions {
            outcome_predictor_periods: Some((0..t0).step_by(2).collect()),
            ..Default::default()
        };
        if synthetic_control(&data, &opts).unwrap().p_value.unwrap() < 0.05 {
            rejections += 1;
        }
    }
    eprintln!("null effect: {rejections} of 20 panels with p < 0.05");
    assert!(
        rejections <= 3,
        "{rejections} of 20 null panels rejected at 5 %"
    );
}

#[test]
fn synth_matches_pysyncon() {
    // Weights of pysyncon 1.7.0 (its SLSQP inner solver at ftol 1e-15, checked against the
    // exact KKT solution to 2e-7; benches/peers/synth_compare.py) for Turkey's GDP per capita,
    // predictors the outcomes of 2000, 2003, 2006 and 2009, 24 donors, equal predictor
    // weights, against the spec runner on the same data (data/panel).
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let reference =
        std::fs::read_to_string(root.join("tests/data/synth_pysyncon_turkey.csv")).unwrap();
    let expected: Vec<(String, f64)> = reference
        .lines()
        .skip(1)
        .map(|l| {
            let (u, w) = l.split_once(',').unwrap();
            (u.to_string(), w.parse().unwrap())
        })
        .collect();
    let donors: Vec<String> = expected.iter().map(|(u, _)| format!("\"{u}\"")).collect();
    let panel = root.join("../../data/panel");
    let spec = format!(
        "data = {:?}\npanel = {{ unit = \"iso3\", time = \"year\" }}\n\
         filter = \"year >= 2000 && year <= 2012\"\n\n[[model]]\nname = \"Turkey\"\n\
         estimator = \"synth\"\nformula = \"gdppc_const2015usd ~ 1\"\ntreated = \"TUR\"\n\
         treatment_time = 2012\ndonors = [{}]\nplacebo = false\n\
         predictor_years = [2000, 2003, 2006, 2009]\n",
        panel.display().to_string(),
        donors.join(", "),
    );
    let dir = std::env::temp_dir().join(format!("pressure-synth-peer-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("spec.toml");
    std::fs::write(&path, spec).unwrap();
    let report = pressure_econometrics::spec::run_spec_file(&path, &Default::default()).unwrap();
    std::fs::remove_dir_all(&dir).ok();
    let weights = report.models[0]
        .extra
        .iter()
        .find(|t| t.name == "synth_weights")
        .unwrap();
    assert_eq!(weights.rows.len(), expected.len());
    let mut support = 0;
    for (row, (unit, w)) in weights.rows.iter().zip(&expected) {
        assert_eq!(&row[0], unit);
        let mine: f64 = row[1].parse().unwrap();
        assert!((mine - w).abs() < 1e-6, "{unit}: {mine} vs pysyncon {w}");
        support += usize::from(*w > 1e-6);
    }
    assert!(
        support >= 3,
        "a non-trivial reference: {support} donors with weight"
    );
}
