//! Per-episode log-likelihoods of a run's posterior draws and the leave-one-episode-out PSIS
//! table (`pressure_calibrate::experiment::loo`): reruns the model once per draw.
//!
//! Usage: `cargo run --release -p pressure-calibrate --example loo_episodes --
//!         EXPERIMENT.toml RUN/draws.csv [--every K] [--out DIR]`
//! Takes every K-th row of `draws.csv` (default 1: all; the draws of `pressure calibrate`,
//! columns `chain,draw,<parameter>...,log_target`), writes `DIR/loglik_by_episode.csv`
//! (`chain,draw,<episode>...`) and `DIR/loo_episodes.csv` (episode, observations, lpd,
//! elpd_loo, p_loo, k̂, its threshold, reliable), and prints the table. Threads: rayon's
//! (`RAYON_NUM_THREADS`).

use pressure_calibrate::experiment::loo::loo_csv;
use pressure_calibrate::experiment::Experiment;
use std::path::Path;
use std::time::Instant;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let get = |flag: &str| {
        args.iter()
            .position(|a| a == flag)
            .map(|i| args[i + 1].clone())
    };
    let (exp_path, draws_path) = match (args.first(), args.get(1)) {
        (Some(e), Some(d)) => (e.clone(), d.clone()),
        _ => {
            eprintln!("usage: loo_episodes EXPERIMENT.toml DRAWS.csv [--every K] [--out DIR]");
            std::process::exit(2);
        }
    };
    let every: usize = get("--every").map_or(1, |v| v.parse().expect("a count"));
    let out = get("--out").unwrap_or_else(|| ".".into());
    let exp = Experiment::load(Path::new(&exp_path)).unwrap_or_else(|e| panic!("{e}"));
    let names = exp.parameter_names();
    let mut rdr =
        csv::Reader::from_path(&draws_path).unwrap_or_else(|e| panic!("{draws_path}: {e}"));
    let header: Vec<String> = rdr
        .headers()
        .unwrap_or_else(|e| panic!("{draws_path}: {e}"))
        .iter()
        .map(str::to_string)
        .collect();
    let col = |n: &str| {
        header
            .iter()
            .position(|h| h == n)
            .unwrap_or_else(|| panic!("{draws_path}: no column `{n}`"))
    };
    let (c_chain, c_draw) = (col("chain"), col("draw"));
    let cols: Vec<usize> = names.iter().map(|n| col(n)).collect();
    let draws: Vec<(usize, usize, Vec<f64>)> = rdr
        .records()
        .enumerate()
        .filter(|(i, _)| i % every.max(1) == 0)
        .map(|(i, r)| {
            let r = r.unwrap_or_else(|e| panic!("{draws_path}, row {}: {e}", i + 2));
            let num = |c: usize| -> f64 {
                r[c].parse()
                    .unwrap_or_else(|_| panic!("{draws_path}, row {}: `{}`", i + 2, &r[c]))
            };
            (
                num(c_chain) as usize,
                num(c_draw) as usize,
                cols.iter().map(|&c| num(c)).collect(),
            )
        })
        .collect();
    let t = Instant::now();
    let ll = exp
        .episode_log_liks(&draws)
        .unwrap_or_else(|e| panic!("{e}"));
    println!(
        "{} draws, {} episodes: {:.1} s wall",
        draws.len(),
        ll.episodes.len(),
        t.elapsed().as_secs_f64()
    );
    let loo = ll.loo(&exp.episode_observations());
    std::fs::create_dir_all(&out).unwrap_or_else(|e| panic!("{out}: {e}"));
    let dir = Path::new(&out);
    pressure_output::write_atomic(&dir.join("loglik_by_episode.csv"), ll.csv().as_bytes())
        .unwrap_or_else(|e| panic!("{e}"));
    let table = loo_csv(&ll.episodes, &loo);
    pressure_output::write_atomic(&dir.join("loo_episodes.csv"), table.as_bytes())
        .unwrap_or_else(|e| panic!("{e}"));
    print!("{table}");
    let total: f64 = loo.iter().flatten().map(|l| l.elpd_loo).sum();
    println!("elpd_loo summed over the episodes with an estimate: {total:.2}");
}
