//! How far a `pressure calibrate` MCMC run has got, from its checkpoint
//! (`OUT/.checkpoint/mcmc.json`), without stopping or running anything: iterations and
//! evaluations done, acceptance per chain, and R̂ / bulk ESS / mean / sd of every parameter
//! over the kept draws so far (`uncertainty::sampler::checkpoint_progress`).
//!
//! Usage: `cargo run --release -p pressure-calibrate --example mcmc_progress --
//!         EXPERIMENT.toml OUT [--seed S] [--skip K]`
//! `--seed` is the run's seed (part of the checkpoint's fingerprint; default the
//! experiment's), `--skip K` leaves out each chain's first K kept draws. The experiment file
//! and every input must be the ones the run read (the fingerprint is checked).

use pressure_calibrate::checkpoint::Checkpoint;
use pressure_calibrate::experiment::Experiment;
use pressure_calibrate::uncertainty::sampler::checkpoint_progress;
use std::path::Path;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let get = |flag: &str| {
        args.iter()
            .position(|a| a == flag)
            .map(|i| args[i + 1].clone())
    };
    let (exp_path, out) = match (args.first(), args.get(1)) {
        (Some(e), Some(o)) => (e.clone(), o.clone()),
        _ => {
            eprintln!("usage: mcmc_progress EXPERIMENT.toml OUT [--seed S] [--skip K]");
            std::process::exit(2);
        }
    };
    let exp = Experiment::load(Path::new(&exp_path)).unwrap_or_else(|e| panic!("{e}"));
    let seed: u64 = get("--seed")
        .map(|v| v.parse().expect("a seed"))
        .or(exp.spec.experiment.seed)
        .unwrap_or(0);
    let skip: usize = get("--skip").map_or(0, |v| v.parse().expect("a count"));
    let cp = Checkpoint::new(
        Path::new(&out).join(".checkpoint").join("mcmc.json"),
        exp.fingerprint(seed),
    );
    let names = exp.parameter_names();
    let p = match checkpoint_progress(&cp, &names, skip) {
        Ok(Some(p)) => p,
        Ok(None) => {
            println!("no MCMC checkpoint yet at {}", cp.path().display());
            return;
        }
        Err(e) => panic!("{e}"),
    };
    println!(
        "{}: {} iterations per chain done, {} evaluations; {} kept draws per chain, first {} skipped",
        p.algorithm, p.iteration, p.evaluations, p.kept, p.skipped
    );
    let acc: Vec<String> = p
        .acceptance
        .iter()
        .map(|a| format!("{:.1} %", 100.0 * a))
        .collect();
    println!("acceptance per chain: {}", acc.join(" / "));
    if p.summary.is_empty() {
        println!("fewer than 4 draws per chain to summarise");
        return;
    }
    let lt: Vec<String> = p
        .log_target_mean
        .iter()
        .map(|v| format!("{v:.2}"))
        .collect();
    println!("mean log density per chain: {}", lt.join(" / "));
    println!("| parameter | R̂ | bulk ESS | tail ESS | mean | sd | 2.5 % | 97.5 % |");
    println!("|---|---|---|---|---|---|---|---|");
    for s in &p.summary {
        println!(
            "| {} | {:.3} | {:.0} | {:.0} | {:.5} | {:.5} | {:.5} | {:.5} |",
            s.parameter, s.rhat, s.ess_bulk, s.ess_tail, s.mean, s.sd, s.q025, s.q975
        );
    }
    let max_rhat = p
        .summary
        .iter()
        .map(|s| s.rhat)
        .fold(f64::NEG_INFINITY, f64::max);
    let min_ess = p
        .summary
        .iter()
        .map(|s| s.ess_bulk)
        .fold(f64::INFINITY, f64::min);
    println!("max R̂ {max_rhat:.3}, min bulk ESS {min_ess:.0}");
}
