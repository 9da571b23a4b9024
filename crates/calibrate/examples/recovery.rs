//! Parameter-recovery study on an experiment: simulate its observations at known values plus
//! noise, calibrate from perturbed starts, and report how often the 95% intervals cover the
//! truth.
//!
//! Usage: `cargo run --release -p pressure-calibrate --example recovery -- EXPERIMENT.toml
//!         --truth 0.45,800,40 (--sigma 0.05,5 | --sigma-from-fit) [--reps 200] [--seed 1]
//!         [--no-profile] [--large-sample]`
//! (`--sigma`: one scale per data series of the calibration, on its error model's residual
//! scale; `--sigma-from-fit`: calibrate the experiment to its data first and use the fitted
//! residual scales, the realistic noise). Prints coverage, bias and the power to tell each
//! parameter from zero (share of intervals excluding 0).

use pressure_calibrate::experiment::recovery::{recovery_study, RecoveryOptions};
use pressure_calibrate::experiment::Experiment;
use pressure_calibrate::uncertainty::covariance::IntervalCalibration;
use std::time::Instant;

fn list(s: &str) -> Vec<f64> {
    s.split(',')
        .map(|v| v.trim().parse().expect("a number"))
        .collect()
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let get = |flag: &str| {
        args.iter()
            .position(|a| a == flag)
            .map(|i| args[i + 1].clone())
    };
    let path = args
        .first()
        .expect("usage: recovery EXPERIMENT.toml --truth a,b,c --sigma s1,s2");
    let exp = Experiment::load(std::path::Path::new(path)).unwrap_or_else(|e| panic!("{e}"));
    let truth = list(&get("--truth").expect("--truth"));
    let sigma = if args.iter().any(|a| a == "--sigma-from-fit") {
        let mut fit =
            Experiment::load(std::path::Path::new(path)).unwrap_or_else(|e| panic!("{e}"));
        fit.spec.uncertainty.profile = false;
        fit.spec.uncertainty.bootstrap = 0;
        fit.spec.uncertainty.mcmc = None;
        let report = fit
            .run(&pressure_calibrate::experiment::RunOptions {
                seed: 1,
                checkpoint_dir: None,
                resume: false,
                progress: None,
            })
            .unwrap_or_else(|e| panic!("{e}"));
        let s = pressure_calibrate::experiment::recovery::fitted_sigmas(&report);
        for f in &report.fit {
            println!(
                "fitted sigma {}/{}: {} ({})",
                f.episode, f.series, f.sigma, f.unit
            );
        }
        s
    } else {
        list(&get("--sigma").expect("--sigma or --sigma-from-fit"))
    };
    let opts = RecoveryOptions {
        replications: get("--reps").map_or(200, |v| v.parse().unwrap()),
        seed: get("--seed").map_or(1, |v| v.parse().unwrap()),
        profile: !args.iter().any(|a| a == "--no-profile"),
        // Default: the experiment file's `[uncertainty] intervals` (small-sample t / F).
        intervals: args
            .iter()
            .any(|a| a == "--large-sample")
            .then_some(IntervalCalibration::LargeSample),
        ..Default::default()
    };
    let t = Instant::now();
    let r = recovery_study(&exp, &truth, &sigma, &opts).unwrap_or_else(|e| panic!("{e}"));
    let secs = t.elapsed().as_secs_f64();
    let reps = opts.replications as f64;
    let se = (0.95 * 0.05 / reps).sqrt();
    println!(
        "{} replications ({} succeeded) in {secs:.1} s; nominal 95%, binomial SE {:.1} points",
        opts.replications,
        r.successes,
        100.0 * se
    );
    println!(
        "{:<24} {:>10} {:>14} {:>17} {:>14} {:>11} {:>14}",
        "parameter",
        "truth",
        "Wald coverage",
        "profile coverage",
        "relative bias",
        "Wald power",
        "profile power"
    );
    for j in 0..truth.len() {
        println!(
            "{:<24} {:>10} {:>13.1}% {:>16.1}% {:>13.2}% {:>10.1}% {:>13.1}%",
            r.parameters[j],
            r.truth[j],
            100.0 * r.wald_coverage[j],
            100.0 * r.profile_coverage[j],
            100.0 * r.relative_bias[j],
            100.0 * r.wald_power[j],
            100.0 * r.profile_power[j]
        );
    }
    // The spread of the estimates: a mean far from the truth may be a few replications on a
    // bound or a skewed sampling distribution.
    let bounds = exp
        .calibration()
        .unwrap_or_else(|e| panic!("{e}"))
        .params()
        .specs()
        .to_vec();
    println!(
        "{:<24} {:>10} {:>10} {:>10} {:>10} {:>12}",
        "parameter", "q05", "median", "q95", "RMSE", "on a bound"
    );
    for j in 0..truth.len() {
        let mut est: Vec<f64> = r
            .replications
            .iter()
            .filter(|x| x.error.is_none())
            .map(|x| x.estimate[j])
            .collect();
        est.sort_by(f64::total_cmp);
        let q = |p: f64| pressure_stats::quantile_sorted(&est, p).unwrap_or(f64::NAN);
        let rmse =
            (est.iter().map(|e| (e - truth[j]).powi(2)).sum::<f64>() / est.len() as f64).sqrt();
        let spec = &bounds[j];
        let on_bound = est
            .iter()
            .filter(|e| {
                let tol = 1e-6 * (spec.upper - spec.lower).abs();
                (**e - spec.lower).abs() < tol || (**e - spec.upper).abs() < tol
            })
            .count();
        println!(
            "{:<24} {:>10.4} {:>10.4} {:>10.4} {:>10.4} {:>9} of {}",
            r.parameters[j],
            q(0.05),
            q(0.5),
            q(0.95),
            rmse,
            on_bound,
            est.len()
        );
    }
}
