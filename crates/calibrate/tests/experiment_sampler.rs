//! `[uncertainty.mcmc] sampler = ...` in experiment files: every sampler runs a calibration,
//! they agree on the posterior, and the outputs keep their shape and report convergence.

use pressure_calibrate::experiment::{CalibrationReport, Experiment, RunOptions};
use pressure_calibrate::uncertainty::sampler::Algorithm;
use std::path::PathBuf;

fn example() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../experiments/calibrate/logistic_synthetic.toml")
}

fn run(sampler: Algorithm, chains: usize, iterations: usize) -> CalibrationReport {
    let mut exp = Experiment::load(&example()).unwrap();
    exp.spec.estimation.multistart = 0;
    exp.spec.uncertainty.profile = false;
    exp.spec.uncertainty.bootstrap = 0;
    let m = exp.spec.uncertainty.mcmc.as_mut().unwrap();
    m.sampler = sampler;
    m.chains = chains;
    m.iterations = iterations;
    exp.run(&RunOptions {
        seed: 2,
        checkpoint_dir: None,
        resume: false,
        progress: None,
    })
    .unwrap()
}

#[test]
fn every_sampler_finds_the_same_posterior_and_reports_convergence() {
    let am = run(Algorithm::AdaptiveMetropolis, 4, 6000);
    let dream = run(Algorithm::DreamZs, 4, 6000);
    let ensemble = run(Algorithm::Ensemble, 8, 3000);
    let reference = am.mcmc.as_ref().unwrap();
    for report in [&dream, &ensemble] {
        let m = report.mcmc.as_ref().unwrap();
        for (a, b) in m.summary.iter().zip(&reference.summary) {
            // Two independent estimates of the same posterior mean: their difference has
            // standard error √(sd²/ESS₁ + sd²/ESS₂).
            let se = (a.sd * a.sd / a.ess_bulk + b.sd * b.sd / b.ess_bulk).sqrt();
            assert!(
                (a.mean - b.mean).abs() < 4.5 * se,
                "{} {}: mean {} vs adaptive Metropolis {} (se {se})",
                m.algorithm,
                a.parameter,
                a.mean,
                b.mean
            );
            assert!(
                (a.sd / b.sd - 1.0).abs() < 0.2,
                "{} {}: sd {} vs {}",
                m.algorithm,
                a.parameter,
                a.sd,
                b.sd
            );
        }
        // The files keep their shape; stats.json says which sampler ran and whether it
        // converged, naming the parameters that did not.
        assert_eq!(report.params_csv().lines().count(), 4);
        let per_chain = m.draws[0].len();
        assert_eq!(
            report.draws_csv().unwrap().lines().count(),
            1 + m.draws.len() * per_chain
        );
        let stats = report.stats_json();
        assert_eq!(stats["mcmc"]["sampler"], m.algorithm.name());
        assert_eq!(stats["mcmc"]["evaluations"], m.evaluations);
        let verdict = m.converged(1.01, 400.0);
        assert_eq!(stats["mcmc"]["converged"], verdict.ok());
        assert_eq!(
            stats["mcmc"]["not_converged"].as_array().unwrap().len(),
            verdict.misses.len()
        );
    }
    assert_eq!(
        reference.algorithm,
        Algorithm::AdaptiveMetropolis,
        "the experiment default stays adaptive Metropolis"
    );
}

#[test]
fn a_short_run_is_reported_as_not_converged() {
    let report = run(Algorithm::DreamZs, 4, 200);
    let stats = report.stats_json();
    assert_eq!(stats["mcmc"]["converged"], false);
    let missing = stats["mcmc"]["not_converged"].as_array().unwrap();
    assert!(!missing.is_empty());
    let text = stats["mcmc"]["convergence"].as_str().unwrap();
    assert!(text.starts_with("NOT converged"), "{text}");
    for name in missing {
        assert!(text.contains(name.as_str().unwrap()), "{text}");
    }
}

#[test]
fn the_sampler_is_read_from_the_file_and_a_bad_one_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(example()).unwrap();
    let base = example().parent().unwrap().to_path_buf();
    let write = |mcmc: &str| {
        let t = text
            .replace(
                "mcmc = { chains = 4, iterations = 3000 }",
                &format!("mcmc = {mcmc}"),
            )
            .replace(
                "model = \"logistic_model.toml\"",
                &format!("model = {:?}", base.join("logistic_model.toml")),
            )
            .replace(
                "table = \"logistic_synthetic.csv\"",
                &format!("table = {:?}", base.join("logistic_synthetic.csv")),
            );
        let p = dir.path().join("e.toml");
        std::fs::write(&p, t).unwrap();
        p
    };
    let exp = Experiment::load(&write(
        r#"{ sampler = "dream_zs", chains = 5, iterations = 100 }"#,
    ))
    .unwrap();
    let m = exp.spec.uncertainty.mcmc.as_ref().unwrap();
    assert_eq!((m.sampler, m.chains), (Algorithm::DreamZs, 5));
    let e = Experiment::load(&write(r#"{ sampler = "nuts" }"#))
        .err()
        .unwrap()
        .to_string();
    assert!(
        e.contains("nuts") && e.contains("dream_zs") && e.contains("ensemble"),
        "{e}"
    );
    // Too few walkers for the ensemble: the run stops with a clear message.
    let mut exp = Experiment::load(&write(
        r#"{ sampler = "ensemble", chains = 4, iterations = 100 }"#,
    ))
    .unwrap();
    exp.spec.estimation.multistart = 0;
    exp.spec.uncertainty.profile = false;
    exp.spec.uncertainty.bootstrap = 0;
    let e = exp
        .run(&RunOptions {
            seed: 1,
            checkpoint_dir: None,
            resume: false,
            progress: None,
        })
        .err()
        .unwrap()
        .to_string();
    assert!(e.contains("4 walkers") && e.contains("2 x d = 6"), "{e}");
}

#[test]
fn a_calibration_posterior_does_not_depend_on_the_thread_count() {
    // Each thread evaluates its own clone of the calibration (simulators included): the
    // draws must not depend on which clone, or how many, there are.
    let draws = |threads: usize| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| run(Algorithm::DreamZs, 4, 600))
            .mcmc
            .unwrap()
    };
    let one = draws(1);
    assert!(one == draws(2), "1 and 2 threads differ");
}
