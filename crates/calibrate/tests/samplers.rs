//! The posterior samplers (`uncertainty::sampler`) against answers known in closed form: each
//! assertion uses Monte Carlo standard errors from the run's own effective sample size, so a
//! sampler that is wrong (biased, too narrow, stuck) fails while a correct one passes.

use pressure_calibrate::checkpoint::Checkpoint;
use pressure_calibrate::uncertainty::diagnostics::ess_basic;
use pressure_calibrate::uncertainty::sampler::targets::CorrelatedGaussian;
use pressure_calibrate::uncertainty::sampler::{
    checkpoint_progress, sample, summarise, Algorithm, Initial, LogDensity, SamplerOptions,
    SamplerResult,
};
use pressure_calibrate::CalibrateError;
use statrs::distribution::{ContinuousCDF, Normal};

const ALL: [Algorithm; 3] = [
    Algorithm::DreamZs,
    Algorithm::Ensemble,
    Algorithm::AdaptiveMetropolis,
];

/// Chains each algorithm is tested with in dimension `d`.
fn chains_for(a: Algorithm, d: usize) -> usize {
    match a {
        Algorithm::Ensemble => (2 * d).max(4),
        _ => 4,
    }
}

fn opts(a: Algorithm, d: usize, evaluations: usize, seed: u64) -> SamplerOptions {
    let chains = chains_for(a, d);
    SamplerOptions {
        algorithm: a,
        chains,
        iterations: evaluations / chains,
        block: 250,
        seed,
        ..Default::default()
    }
}

fn diag_initial(mean: &[f64], var: &[f64], scale: f64) -> Initial {
    let d = mean.len();
    let mut cov = vec![0.0; d * d];
    for i in 0..d {
        cov[i * d + i] = var[i];
    }
    Initial::Gaussian {
        mean: mean.to_vec(),
        cov,
        scale,
    }
}

/// Sample mean of draws of coordinates `i` and `j`, and their covariance.
fn pooled_cov(r: &SamplerResult, i: usize, j: usize) -> f64 {
    let all: Vec<&Vec<f64>> = r.draws.iter().flatten().collect();
    let n = all.len() as f64;
    let mi = all.iter().map(|d| d[i]).sum::<f64>() / n;
    let mj = all.iter().map(|d| d[j]).sum::<f64>() / n;
    all.iter().map(|d| (d[i] - mi) * (d[j] - mj)).sum::<f64>() / (n - 1.0)
}

#[test]
fn correlated_gaussian_means_sds_and_correlations_within_monte_carlo_error() {
    // d = 10: a rotated block of 4 with condition number 1e4 and three ρ = 0.99 pairs.
    let g = CorrelatedGaussian::new(10, 3);
    let known = g.known();
    let cov = g.covariance().to_vec();
    for a in ALL {
        let r = sample(&g, &known.initial(), &opts(a, 10, 160_000, 11), None, None).unwrap();
        assert!(r.max_rhat < 1.05, "{a}: R-hat {}", r.max_rhat);
        assert!(r.min_ess_bulk > 200.0, "{a}: bulk ESS {}", r.min_ess_bulk);
        for (j, s) in r.summary.iter().enumerate() {
            // Mean: MCSE = sd / √ESS. Sd: relative MCSE ≈ 1/√(2 ESS) for a normal.
            let mcse = known.sd[j] / s.ess_bulk.sqrt();
            assert!(
                (s.mean - known.mean[j]).abs() < 4.5 * mcse,
                "{a} x{j}: mean {} vs {} (MCSE {mcse})",
                s.mean,
                known.mean[j]
            );
            let rel = 1.0 / (2.0 * s.ess_bulk).sqrt();
            assert!(
                (s.sd / known.sd[j] - 1.0).abs() < 4.5 * rel + 0.01,
                "{a} x{j}: sd {} vs {}",
                s.sd,
                known.sd[j]
            );
        }
        // The ρ = 0.99 pairs (coordinates 4–5, 6–7, 8–9) and the rotated block's covariances:
        // a correlation's standard error is (1 − ρ²)/√n.
        for (i, j) in [(4, 5), (6, 7), (8, 9), (0, 1), (1, 3), (2, 3)] {
            let c = pooled_cov(&r, i, j);
            let rho_true = cov[i * 10 + j] / (known.sd[i] * known.sd[j]);
            let rho = c / (r.summary[i].sd * r.summary[j].sd);
            let ess = r.summary[i].ess_bulk.min(r.summary[j].ess_bulk);
            let se = (1.0 - rho_true * rho_true).max(0.01) / ess.sqrt();
            assert!(
                (rho - rho_true).abs() < 5.0 * se + 0.002,
                "{a}: correlation ({i},{j}) {rho} vs {rho_true} (se {se})"
            );
        }
    }
}

/// Prior θ ~ N(1, 2²), twelve observations y ~ N(θ, 1.5²): the posterior is normal with
/// precision 1/4 + 12/2.25 and mean (1/4 + Σy/2.25)/precision.
struct NormalNormal {
    y: Vec<f64>,
}

impl LogDensity for NormalNormal {
    fn dim(&self) -> usize {
        1
    }
    fn log_density(&self, x: &[f64]) -> f64 {
        let prior = -0.5 * ((x[0] - 1.0) / 2.0).powi(2);
        let lik: f64 = self
            .y
            .iter()
            .map(|y| -0.5 * ((y - x[0]) / 1.5).powi(2))
            .sum();
        prior + lik
    }
}

#[test]
fn conjugate_normal_posterior_quantiles_within_monte_carlo_error() {
    let y: Vec<f64> = (0..12)
        .map(|i| 2.5 + 1.5 * ((i as f64 * 2.399).sin()))
        .collect();
    let precision = 0.25 + 12.0 / 2.25;
    let mean = (0.25 + y.iter().sum::<f64>() / 2.25) / precision;
    let sd = precision.powf(-0.5);
    let target = NormalNormal { y };
    let normal = Normal::new(mean, sd).unwrap();
    for a in ALL {
        let init = diag_initial(&[1.0], &[4.0], 1.0);
        let r = sample(&target, &init, &opts(a, 1, 40_000, 5), None, None).unwrap();
        let s = &r.summary[0];
        assert!(r.max_rhat < 1.02, "{a}: R-hat {}", r.max_rhat);
        for (p, q) in [(0.025, s.q025), (0.5, s.median), (0.975, s.q975)] {
            // Quantile MCSE: √(p(1−p)/ESS) / density at the quantile (tail ESS in the tails).
            let ess = if p == 0.5 { s.ess_bulk } else { s.ess_tail };
            let exact = normal.inverse_cdf(p);
            let dens = (-0.5 * ((exact - mean) / sd).powi(2)).exp()
                / (sd * (2.0 * std::f64::consts::PI).sqrt());
            let mcse = (p * (1.0 - p) / ess).sqrt() / dens;
            assert!(
                (q - exact).abs() < 4.5 * mcse,
                "{a}: quantile {p}: {q} vs {exact} (MCSE {mcse})"
            );
        }
    }
}

/// A bimodal mixture in one dimension: 0.3 N(−4, 1) + 0.7 N(3, 0.5²).
struct Bimodal;

impl LogDensity for Bimodal {
    fn dim(&self) -> usize {
        1
    }
    fn log_density(&self, x: &[f64]) -> f64 {
        let a = 0.3 * (-0.5 * (x[0] + 4.0).powi(2)).exp();
        let b = 0.7 / 0.5 * (-0.5 * ((x[0] - 3.0) / 0.5).powi(2)).exp();
        (a + b).ln()
    }
}

fn mixture_cdf(x: f64) -> f64 {
    let n = Normal::standard();
    0.3 * n.cdf(x + 4.0) + 0.7 * n.cdf((x - 3.0) / 0.5)
}

#[test]
fn bimodal_target_mode_weights_and_histogram_match_the_mixture() {
    // Detailed balance in practice: the long-run frequency of every bin equals its
    // probability, including the split between the two modes that only mode-hopping moves
    // (DREAM's unit jumps and snooker, the ensemble's stretch between walkers) can set.
    let edges = [-6.0, -4.5, -4.0, -3.5, 0.0, 2.5, 3.0, 3.5];
    for a in [Algorithm::DreamZs, Algorithm::Ensemble] {
        let init = diag_initial(&[0.0], &[16.0], 1.0);
        let chains = if a == Algorithm::Ensemble { 16 } else { 4 };
        let o = SamplerOptions {
            chains,
            iterations: 160_000 / chains,
            ..opts(a, 1, 160_000, 9)
        };
        let r = sample(&Bimodal, &init, &o, None, None).unwrap();
        let chains_x = r.chains_of(0);
        for w in edges
            .windows(2)
            .chain([[f64::NEG_INFINITY, 0.0].as_slice()])
        {
            let (lo, hi) = (w[0], w[1]);
            let ind: Vec<Vec<f64>> = chains_x
                .iter()
                .map(|c| {
                    c.iter()
                        .map(|x| f64::from(u8::from(*x > lo && *x <= hi)))
                        .collect()
                })
                .collect();
            let n: usize = ind.iter().map(|c| c.len()).sum();
            let freq = ind.iter().flatten().sum::<f64>() / n as f64;
            let p = mixture_cdf(hi) - if lo.is_finite() { mixture_cdf(lo) } else { 0.0 };
            let se = (p * (1.0 - p) / ess_basic(&ind)).sqrt();
            assert!(
                (freq - p).abs() < 4.5 * se,
                "{a}: bin ({lo}, {hi}]: frequency {freq} vs probability {p} (se {se})"
            );
        }
    }
}

/// Two far-apart modes, 0.5 N(−30, 0.5²) + 0.5 N(30, 0.5²).
struct FarModes;

impl LogDensity for FarModes {
    fn dim(&self) -> usize {
        1
    }
    fn log_density(&self, x: &[f64]) -> f64 {
        let a = -0.5 * ((x[0] + 30.0) / 0.5).powi(2);
        let b = -0.5 * ((x[0] - 30.0) / 0.5).powi(2);
        a.max(b) + (1.0 + (-(a - b).abs()).exp()).ln()
    }
}

#[test]
fn stuck_or_short_runs_are_flagged_as_not_converged() {
    // Adaptive Metropolis adapting at once to its own chain cannot cross 120 standard
    // deviations between the modes: chains started in different modes stay there, and R-hat
    // says so.
    let init = Initial::Points(vec![vec![-30.0], vec![30.0], vec![-30.0], vec![30.0]]);
    let o = SamplerOptions {
        algorithm: Algorithm::AdaptiveMetropolis,
        chains: 4,
        iterations: 2000,
        seed: 1,
        metropolis: pressure_calibrate::uncertainty::sampler::MetropolisOptions { adapt_start: 2 },
        ..Default::default()
    };
    let r = sample(&FarModes, &init, &o, None, None).unwrap();
    let c = r.converged(1.01, 400.0);
    assert!(!c.ok());
    assert!(r.max_rhat > 1.5, "R-hat {}", r.max_rhat);
    assert_eq!(c.misses[0].parameter, "x1");
    let text = c.to_string();
    assert!(
        text.contains("NOT converged") && text.contains("x1"),
        "{text}"
    );

    // A run far too short for 400 effective draws misses on ESS.
    let g = CorrelatedGaussian::new(8, 1);
    let r = sample(
        &g,
        &g.known().initial(),
        &opts(Algorithm::DreamZs, 8, 2000, 2),
        None,
        None,
    )
    .unwrap();
    let c = r.converged(1.01, 400.0);
    assert!(!c.ok());
    assert!(c.misses.len() >= 4, "{c}");
    assert!(c
        .misses
        .iter()
        .all(|m| m.ess_bulk <= 400.0 || m.rhat >= 1.01));

    // A long run of an easy target passes, and says so.
    let easy = NormalNormal { y: vec![1.0; 5] };
    let r = sample(
        &easy,
        &diag_initial(&[1.0], &[1.0], 1.0),
        &opts(Algorithm::DreamZs, 1, 40_000, 3),
        None,
        None,
    )
    .unwrap();
    let c = r.converged(1.01, 400.0);
    assert!(c.ok(), "{c}");
    assert!(c.to_string().starts_with("converged"), "{c}");
}

#[test]
fn draws_do_not_depend_on_the_thread_count() {
    let g = CorrelatedGaussian::new(8, 2);
    for a in ALL {
        let o = opts(a, 8, 8_000, 4);
        let run = |threads: usize| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap()
                .install(|| sample(&g, &g.known().initial(), &o, None, None).unwrap())
        };
        let one = run(1);
        let two = run(2);
        let three = run(3);
        assert!(one == two, "{a}: 1 vs 2 threads differ");
        assert!(one == three, "{a}: 1 vs 3 threads differ");
    }
}

/// The error of a run that must fail (without printing a whole result when it does not).
fn must_fail(r: Result<SamplerResult, CalibrateError>, what: &str) -> CalibrateError {
    match r {
        Ok(_) => panic!("{what}: the run finished but should have stopped"),
        Err(e) => e,
    }
}

#[test]
fn a_resumed_run_equals_an_uninterrupted_one_bit_for_bit() {
    let g = CorrelatedGaussian::new(8, 2);
    for a in ALL {
        let o = SamplerOptions {
            iterations: 1000,
            block: 100,
            ..opts(a, 8, 8_000, 6)
        };
        let full = sample(&g, &g.known().initial(), &o, None, None).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let cp = Checkpoint::new(dir.path().join("sampler.json"), "fp");
        let killed = SamplerOptions {
            max_blocks: Some(3),
            ..o.clone()
        };
        let e = must_fail(
            sample(&g, &g.known().initial(), &killed, Some(&cp), None),
            "first kill",
        );
        assert!(
            matches!(e, CalibrateError::Interrupted(_)) && e.to_string().contains("300 of 1000"),
            "{e}"
        );
        // Killed again partway, then resumed to the end.
        let e = must_fail(
            sample(&g, &g.known().initial(), &killed, Some(&cp), None),
            "second kill",
        );
        assert!(e.to_string().contains("600 of 1000"), "{e}");
        let resumed = sample(&g, &g.known().initial(), &o, Some(&cp), None).unwrap();
        assert!(resumed == full, "{a}: the resumed run differs");
    }
}

/// The progress read from a killed run's checkpoint is that of the uninterrupted run at the
/// same iteration: its kept draws are the full run's first ones, so its summaries are theirs.
#[test]
fn checkpoint_progress_summarises_the_draws_kept_so_far() {
    let g = CorrelatedGaussian::new(8, 3);
    let o = SamplerOptions {
        iterations: 1000,
        warmup: Some(200),
        block: 100,
        ..opts(Algorithm::DreamZs, 8, 4_000, 11)
    };
    let full = sample(&g, &g.known().initial(), &o, None, None).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let cp = Checkpoint::new(dir.path().join("sampler.json"), "fp");
    let names = g.names();
    assert!(checkpoint_progress(&cp, &names, 0).unwrap().is_none());
    let killed = SamplerOptions {
        max_blocks: Some(6),
        ..o.clone()
    };
    must_fail(
        sample(&g, &g.known().initial(), &killed, Some(&cp), None),
        "kill",
    );
    let p = checkpoint_progress(&cp, &names, 50).unwrap().unwrap();
    assert_eq!((p.iteration, p.kept, p.skipped), (600, 400, 50));
    let same: Vec<Vec<Vec<f64>>> = full.draws.iter().map(|c| c[50..400].to_vec()).collect();
    assert_eq!(p.summary, summarise(&names, &same));
    assert_eq!(p.acceptance.len(), 4);
    assert!(p.acceptance.iter().all(|a| *a > 0.0 && *a < 1.0));
    assert!(p.evaluations >= 4 * 600);
    // Fewer than 4 draws after the skipped ones: no summaries.
    let p = checkpoint_progress(&cp, &names, 398).unwrap().unwrap();
    assert!(p.summary.is_empty());
    // Another run's checkpoint (another fingerprint) is refused.
    let other = Checkpoint::new(dir.path().join("sampler.json"), "other");
    assert!(checkpoint_progress(&other, &names, 0).is_err());
}

#[test]
fn a_checkpoint_of_another_sampler_is_refused() {
    let g = CorrelatedGaussian::new(8, 2);
    let dir = tempfile::tempdir().unwrap();
    let cp = Checkpoint::new(dir.path().join("sampler.json"), "fp");
    let o = SamplerOptions {
        max_blocks: Some(1),
        ..opts(Algorithm::DreamZs, 8, 4_000, 1)
    };
    must_fail(
        sample(&g, &g.known().initial(), &o, Some(&cp), None),
        "block limit",
    );
    let other = SamplerOptions {
        algorithm: Algorithm::AdaptiveMetropolis,
        ..o
    };
    let e = must_fail(
        sample(&g, &g.known().initial(), &other, Some(&cp), None),
        "other sampler",
    );
    assert!(e.to_string().contains("dream_zs"), "{e}");
}

#[test]
fn bad_options_are_rejected_with_clear_errors() {
    let g = CorrelatedGaussian::new(8, 2);
    let init = g.known().initial();
    let err = |o: SamplerOptions, init: &Initial| {
        must_fail(sample(&g, init, &o, None, None), "bad options").to_string()
    };
    let base = opts(Algorithm::DreamZs, 8, 4_000, 1);

    let e = err(
        SamplerOptions {
            chains: 0,
            ..base.clone()
        },
        &init,
    );
    assert!(e.contains("0 chains"), "{e}");
    let e = err(
        SamplerOptions {
            chains: 2,
            ..base.clone()
        },
        &init,
    );
    assert!(e.contains("2 chains") && e.contains("at least 3"), "{e}");
    let e = err(
        SamplerOptions {
            algorithm: Algorithm::Ensemble,
            chains: 10,
            ..base.clone()
        },
        &init,
    );
    assert!(e.contains("10 walkers") && e.contains("16"), "{e}");
    let e = err(
        SamplerOptions {
            algorithm: Algorithm::AdaptiveMetropolis,
            chains: 1,
            ..base.clone()
        },
        &init,
    );
    assert!(e.contains("1 chain"), "{e}");
    let e = err(
        SamplerOptions {
            iterations: 100,
            warmup: Some(100),
            ..base.clone()
        },
        &init,
    );
    assert!(e.contains("fewer than 4 kept draws"), "{e}");
    let e = err(
        SamplerOptions {
            thin: 0,
            ..base.clone()
        },
        &init,
    );
    assert!(e.contains("thin"), "{e}");

    // Initial points: wrong dimension, outside the support (named), too few for the archive.
    let e = err(base.clone(), &Initial::Points(vec![vec![0.0; 7]; 4]));
    assert!(e.contains("7 coordinates"), "{e}");
    let e = err(base.clone(), &Initial::Points(vec![vec![f64::NAN; 8]; 4]));
    assert!(e.contains("not finite"), "{e}");
    let e = err(base.clone(), &Initial::Points(vec![vec![1.0; 8]; 4]));
    assert!(e.contains("archive") && e.contains("at least 9"), "{e}");

    /// Zero density left of 0.
    struct HalfLine;
    impl LogDensity for HalfLine {
        fn dim(&self) -> usize {
            2
        }
        fn log_density(&self, x: &[f64]) -> f64 {
            if x[0] < 0.0 {
                f64::NEG_INFINITY
            } else {
                -x[0] - 0.5 * x[1] * x[1]
            }
        }
    }
    let points = vec![
        vec![1.0, 0.0],
        vec![2.0, 1.0],
        vec![-0.5, 0.25],
        vec![1.0, 1.0],
    ];
    let o = SamplerOptions {
        algorithm: Algorithm::AdaptiveMetropolis,
        ..base.clone()
    };
    let e = must_fail(
        sample(&HalfLine, &Initial::Points(points), &o, None, None),
        "outside",
    )
    .to_string();
    assert!(
        e.contains("initial point 2") && e.contains("[-0.5, 0.25]") && e.contains("-inf"),
        "{e}"
    );
    // A Gaussian initial distribution entirely outside the support.
    let far = diag_initial(&[-10.0, 0.0], &[0.01, 0.01], 1.0);
    let e = must_fail(sample(&HalfLine, &far, &o, None, None), "far").to_string();
    assert!(e.contains("[-10, 0]") && e.contains("zero density"), "{e}");
}

#[test]
fn evaluations_are_counted_and_draws_have_the_promised_shape() {
    let g = CorrelatedGaussian::new(8, 2);
    for a in ALL {
        let o = SamplerOptions {
            warmup: Some(200),
            thin: 3,
            ..opts(a, 8, 8_000, 1)
        };
        let r = sample(&g, &g.known().initial(), &o, None, None).unwrap();
        let per_chain = (o.iterations - 200) / 3;
        assert_eq!(r.draws.len(), o.chains);
        assert!(r
            .draws
            .iter()
            .all(|c| c.len() == per_chain && c[0].len() == 8));
        assert!(r.log_target.iter().all(|c| c.len() == per_chain));
        // One evaluation per chain and iteration (a snooker jump from an archive point
        // itself is skipped unevaluated), plus the starting points.
        let most = (o.chains * o.iterations) as u64 + o.chains as u64 * 30;
        let least = (o.chains * o.iterations) as u64 * 99 / 100;
        assert!(
            (least..=most).contains(&r.evaluations),
            "{a}: {} evaluations",
            r.evaluations
        );
        // Each kept draw's log density is the target's at that draw.
        for (c, draws) in r.draws.iter().enumerate() {
            for (k, d) in draws.iter().enumerate().step_by(97) {
                assert_eq!(r.log_target[c][k], g.log_density(d));
            }
        }
        assert!(r.acceptance.iter().all(|p| *p > 0.0 && *p < 1.0));
    }
}
