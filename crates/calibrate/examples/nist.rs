//! Runs Levenberg–Marquardt (default settings) on the NIST StRD nonlinear problems from both
//! certified start points and prints one CSV row per run: the minimum LRE over parameters, the
//! per-parameter LREs, evaluations, termination and the time per fit.
//!
//! Usage: `cargo run --release -p pressure-calibrate --example nist -- [NIST_NONLINEAR_DIR] [--fd]`
//! (`--fd` hides the analytic Jacobians: finite differences everywhere). The directory defaults
//! to `$PRESSURE_SHARED/reference/nist-strd/nonlinear` or `../shared/...` from the repository.

use pressure_calibrate::lm::{levenberg_marquardt, LmOptions};
use pressure_calibrate::nist::{lre, NistModel, NistProblem};
use pressure_calibrate::problem::LeastSquaresProblem;
use std::path::PathBuf;
use std::time::Instant;

fn default_dir() -> PathBuf {
    let shared = std::env::var_os("PRESSURE_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared"));
    shared.join("reference/nist-strd/nonlinear")
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let fd = args.iter().any(|a| a == "--fd");
    let dir = args
        .iter()
        .find(|a| !a.starts_with("--"))
        .map(PathBuf::from)
        .unwrap_or_else(default_dir);
    let opts = LmOptions::default();
    println!("problem,start,jacobian,lre_min,lre_params,rss_lre,evals,jacobians,refine_steps,termination,time_us");
    for model in NistModel::ALL {
        let path = dir.join(format!("{}.dat", model.name()));
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) => {
                eprintln!("cannot read {}: {e}", path.display());
                std::process::exit(2);
            }
        };
        let prob = NistProblem::parse(model, &text).unwrap_or_else(|e| {
            eprintln!("{}: {e}", path.display());
            std::process::exit(2)
        });
        for s in 0..2 {
            let start = prob.starts[s].clone();
            let run = || {
                if fd {
                    let mut p = prob.without_jacobian();
                    levenberg_marquardt(&mut p as &mut dyn LeastSquaresProblem, &start, &opts)
                } else {
                    let mut p = prob.clone();
                    levenberg_marquardt(&mut p, &start, &opts)
                }
            };
            let fit = match run() {
                Ok(f) => f,
                Err(e) => {
                    println!(
                        "{},{},{},0,,,,,,error: {e},",
                        model.name(),
                        s + 1,
                        if fd { "fd" } else { "analytic" }
                    );
                    continue;
                }
            };
            // Time: repeat for at least 50 ms, report the mean per fit.
            let t0 = Instant::now();
            let mut reps = 0u32;
            while t0.elapsed().as_millis() < 50 || reps < 3 {
                let _ = run();
                reps += 1;
            }
            let us = t0.elapsed().as_secs_f64() * 1e6 / f64::from(reps);
            let lres: Vec<String> = fit
                .x
                .iter()
                .zip(&prob.certified)
                .map(|(q, c)| format!("{:.2}", lre(*q, *c, 11)))
                .collect();
            println!(
                "{},{},{},{:.2},{},{:.2},{},{},{},{},{:.1}",
                model.name(),
                s + 1,
                if fd { "fd" } else { "analytic" },
                prob.min_lre(&fit.x),
                lres.join(" "),
                lre(fit.rss, prob.certified_rss, 11),
                fit.evaluations,
                fit.jacobian_evaluations,
                fit.refinement_steps,
                fit.termination.code(),
                us
            );
        }
    }
}
