//! Time one evaluation of an experiment's objective (every episode run plus the observation
//! equations), for profiling: `perf record` this, or read the printed means.
//!
//! Usage: `cargo run --release -p pressure-calibrate --example eval_profile -- EXPERIMENT.toml
//!         [--evals 50] [--spread 0.05] [--line J --step H] [--at x1,x2,..] [--fingerprint SEED]`
//! Evaluates the negative log-likelihood at the start values, then at `--evals` points drawn
//! uniformly within ±`spread` × (upper − lower) of the start (a fixed sequence, so runs are
//! comparable), and prints the mean CPU time per evaluation of both, one thread.

use pressure_calibrate::experiment::Experiment;
use std::time::Instant;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let get = |flag: &str| {
        args.iter()
            .position(|a| a == flag)
            .map(|i| args[i + 1].clone())
    };
    let path = args
        .first()
        .expect("usage: eval_profile EXPERIMENT.toml [--evals N]");
    let evals: usize = get("--evals").map_or(50, |v| v.parse().expect("a count"));
    let spread: f64 = get("--spread").map_or(0.05, |v| v.parse().expect("a number"));
    let t = Instant::now();
    let exp = Experiment::load(std::path::Path::new(path)).unwrap_or_else(|e| panic!("{e}"));
    println!("load: {:.3} s", t.elapsed().as_secs_f64());
    if let Some(seed) = get("--fingerprint") {
        println!(
            "checkpoint fingerprint (seed {seed}): {}",
            exp.fingerprint(seed.parse().expect("a seed"))
        );
    }
    let mut cal = exp.calibration().unwrap_or_else(|e| panic!("{e}"));
    // The objective at a given point, to full precision (to compare with a stored value).
    if let Some(at) = get("--at") {
        let x: Vec<f64> = at
            .split(',')
            .map(|v| v.trim().parse().expect("a number"))
            .collect();
        println!("nll at --at: {:?}", cal.neg_log_lik(&x));
    }
    let set = cal.params().clone();
    let start = set.start_external();
    let (lo, hi): (Vec<f64>, Vec<f64>) = set.specs().iter().map(|s| (s.lower, s.upper)).unzip();
    let t = Instant::now();
    let first = cal.neg_log_lik(&start);
    println!(
        "first evaluation (compiles, default steady state): {:.3} s, nll {:?}",
        t.elapsed().as_secs_f64(),
        first
    );
    let t = Instant::now();
    for _ in 0..evals {
        let _ = cal.neg_log_lik(&start);
    }
    println!(
        "at the start values: {:.2} ms per evaluation ({evals})",
        1e3 * t.elapsed().as_secs_f64() / evals as f64
    );
    // A fixed pseudo-random sequence (no rng dependency needed: a Weyl sequence).
    let mut u = 0.5f64;
    let points: Vec<Vec<f64>> = (0..evals)
        .map(|_| {
            start
                .iter()
                .enumerate()
                .map(|(j, s)| {
                    u = (u + 0.618_033_988_749_895).fract();
                    let w = if lo[j].is_finite() && hi[j].is_finite() {
                        hi[j] - lo[j]
                    } else {
                        s.abs().max(1.0)
                    };
                    (s + (2.0 * u - 1.0) * spread * w).clamp(lo[j], hi[j])
                })
                .collect()
        })
        .collect();
    let t = Instant::now();
    let mut failed = 0;
    for x in &points {
        if cal.neg_log_lik(x).is_err() {
            failed += 1;
        }
    }
    println!(
        "at {evals} points around the start: {:.2} ms per evaluation ({failed} failed)",
        1e3 * t.elapsed().as_secs_f64() / evals as f64
    );
    // Smoothness: the objective along one coordinate in small steps (a smooth objective moves
    // by a smooth, nearly linear amount; jumps come from the model runs, e.g. the steady-state
    // solve landing on a different point within its tolerance).
    if let Some(j) = get("--line").map(|v| v.parse::<usize>().expect("a parameter index")) {
        let step: f64 = get("--step").map_or(1e-6, |v| v.parse().expect("a number"));
        println!("nll along {} (step {step:e}):", set.specs()[j].name);
        for k in -10i32..=10 {
            let mut x = start.clone();
            x[j] += k as f64 * step;
            println!("  {:+.3e}  {:?}", k as f64 * step, cal.neg_log_lik(&x));
        }
    }
}
