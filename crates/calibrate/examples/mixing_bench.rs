//! A short, fixed-seed sampler run on an experiment's posterior, to measure how well a sampler
//! setting mixes there: ESS per CPU-second, acceptance per chain, and what the failing proposals
//! (log density −∞: some episode's steady-state solve fails) cost and why they fail.
//!
//! Usage: `cargo run --release -p pressure-calibrate --example mixing_bench --
//!         EXPERIMENT.toml START.csv [--iterations 1000] [--warmup 100] [--chains 4]
//!         [--seed 14] [--unit-jump P] [--snooker P] [--pairs K] [--analyse N] [--out FILE.csv]`
//!
//! `START.csv` (columns `chain,draw,<parameter>...`, e.g. a run's `draws.csv`, or
//! `scripts/joint_h_mixing.py --export` of a checkpoint) holds states of earlier chains: chain
//! `c` starts at the last row of chain `c`, and the DREAM(ZS) archive is seeded with
//! `10 d` rows evenly spaced through the file, so the run starts in the posterior's region and
//! its (short) warm-up only adapts the crossover. The sampler is DREAM(ZS) with its defaults,
//! except where a flag says otherwise. Prints per parameter R̂ and bulk ESS of the kept draws,
//! the process's CPU time, min and median bulk ESS per CPU-second, and per kind of evaluation
//! (finite, failing) the count and the thread CPU time. `--analyse N` re-solves the steady
//! states of up to N failing proposals: which episode fails, with the cascade's error, and
//! whether any single start (`pressure_sim::SteadyStarts`) or continuation finds a steady state
//! there (a steady state the cascade missed) or none does. `--out` writes every failing
//! proposal (its fitted values). Threads: rayon's (`RAYON_NUM_THREADS`).

use pressure_calibrate::experiment::density::PosteriorDensity;
use pressure_calibrate::experiment::{Experiment, SimPredictor};
use pressure_calibrate::uncertainty::sampler::{
    sample, Algorithm, Initial, LogDensity, SamplerOptions,
};
use pressure_sim::SteadyStarts;
use std::path::Path;
use std::sync::Mutex;

fn cpu(path: &str) -> f64 {
    std::fs::read_to_string(path)
        .ok()
        .and_then(|s| {
            let rest = s.rsplit_once(')')?.1;
            let f: Vec<&str> = rest.split_whitespace().collect();
            Some((f.get(11)?.parse::<f64>().ok()? + f.get(12)?.parse::<f64>().ok()?) / 100.0)
        })
        .unwrap_or(f64::NAN)
}

/// Evaluations of one kind: count and thread CPU seconds.
type Tally = (usize, f64);

/// Counts evaluations and their thread CPU time, keeps the failing points.
struct Counting<'a> {
    inner: PosteriorDensity<'a>,
    /// Finite evaluations, failing ones, and the failing points (fitted values).
    stats: Mutex<(Tally, Tally, Vec<Vec<f64>>)>,
}

impl LogDensity for Counting<'_> {
    fn dim(&self) -> usize {
        self.inner.dim()
    }
    fn log_density(&self, z: &[f64]) -> f64 {
        let t = cpu("/proc/thread-self/stat");
        let lp = self.inner.log_density(z);
        let dt = cpu("/proc/thread-self/stat") - t;
        let mut s = self.stats.lock().unwrap();
        if lp.is_finite() {
            s.0 .0 += 1;
            s.0 .1 += dt;
        } else {
            s.1 .0 += 1;
            s.1 .1 += dt;
            s.2.push(self.inner.report(z));
        }
        lp
    }
    fn names(&self) -> Vec<String> {
        self.inner.names()
    }
    fn report(&self, z: &[f64]) -> Vec<f64> {
        self.inner.report(z)
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let get = |flag: &str| {
        args.iter()
            .position(|a| a == flag)
            .map(|i| args[i + 1].clone())
    };
    let num = |flag: &str, d: f64| get(flag).map_or(d, |v| v.parse().expect("a number"));
    let (exp_path, start_path) = match (args.first(), args.get(1)) {
        (Some(e), Some(s)) => (e.clone(), s.clone()),
        _ => {
            eprintln!("usage: mixing_bench EXPERIMENT.toml START.csv [--iterations N] ...");
            std::process::exit(2);
        }
    };
    let exp = Experiment::load(Path::new(&exp_path)).unwrap_or_else(|e| panic!("{e}"));
    let names = exp.parameter_names();
    let chains = num("--chains", 4.0) as usize;
    let rows = read_rows(&start_path, &names);
    let density = Counting {
        inner: PosteriorDensity::new(&exp).unwrap_or_else(|e| panic!("{e}")),
        stats: Mutex::new(((0, 0.0), (0, 0.0), Vec::new())),
    };
    let d = names.len();
    // Chain c starts at the last row of chain c (chains beyond the file's: rows spaced
    // through it); the archive gets 10 d rows spaced through the file.
    let mut points: Vec<Vec<f64>> = (0..chains)
        .map(|c| {
            rows.iter()
                .rev()
                .find(|(ch, _)| *ch == c + 1)
                .map(|(_, x)| x.clone())
                .unwrap_or_else(|| rows[(c * rows.len()) / chains].1.clone())
        })
        .collect();
    let k = 10 * d;
    points.extend((0..k).map(|i| rows[(i * rows.len()) / k].1.clone()));
    let initial = Initial::Points(
        points
            .iter()
            .map(|x| density.inner.coordinates(x))
            .collect(),
    );
    let mut opts = SamplerOptions {
        algorithm: Algorithm::DreamZs,
        chains,
        iterations: num("--iterations", 1000.0) as usize,
        warmup: Some(num("--warmup", 100.0) as usize),
        seed: num("--seed", 14.0) as u64,
        ..SamplerOptions::default()
    };
    opts.dream.unit_jump = num("--unit-jump", opts.dream.unit_jump);
    opts.dream.snooker = num("--snooker", opts.dream.snooker);
    opts.dream.pairs = num("--pairs", opts.dream.pairs as f64) as usize;
    println!(
        "DREAM(ZS) {} chains x {} iterations (warm-up {}), seed {}, unit_jump {}, snooker {}, pairs {}",
        opts.chains,
        opts.iterations,
        opts.warmup(),
        opts.seed,
        opts.dream.unit_jump,
        opts.dream.snooker,
        opts.dream.pairs
    );
    let (w0, c0) = (std::time::Instant::now(), cpu("/proc/self/stat"));
    let r = sample(&density, &initial, &opts, None, None).unwrap_or_else(|e| panic!("{e}"));
    let (wall, cpu_s) = (w0.elapsed().as_secs_f64(), cpu("/proc/self/stat") - c0);
    let acc: Vec<String> = r
        .acceptance
        .iter()
        .map(|a| format!("{:.1} %", 100.0 * a))
        .collect();
    println!("acceptance per chain: {}", acc.join(" / "));
    println!("| parameter | R̂ | bulk ESS |");
    println!("|---|---|---|");
    let mut ess: Vec<f64> = Vec::new();
    for s in &r.summary {
        println!("| {} | {:.3} | {:.0} |", s.parameter, s.rhat, s.ess_bulk);
        ess.push(s.ess_bulk);
    }
    ess.sort_by(f64::total_cmp);
    let (min, med) = (ess[0], ess[ess.len() / 2]);
    let st = density.stats.lock().unwrap();
    println!(
        "evaluations {}: finite {} ({:.1} ms CPU each), failing {} ({:.1} ms CPU each, {:.0} % of the evaluations' CPU)",
        r.evaluations,
        st.0 .0,
        1e3 * st.0 .1 / st.0 .0.max(1) as f64,
        st.1 .0,
        1e3 * st.1 .1 / st.1 .0.max(1) as f64,
        100.0 * st.1 .1 / (st.0 .1 + st.1 .1)
    );
    println!(
        "wall {wall:.1} s, process CPU {cpu_s:.1} s; min bulk ESS {min:.0}, median {med:.0}; per CPU-second: min {:.3}, median {:.3}; max R-hat {:.3}",
        min / cpu_s,
        med / cpu_s,
        r.max_rhat
    );
    let failing = st.2.clone();
    drop(st);
    if let Some(out) = get("--out") {
        let mut s = format!("{}\n", names.join(","));
        for x in &failing {
            let v: Vec<String> = x.iter().map(|v| format!("{v:e}")).collect();
            s.push_str(&v.join(","));
            s.push('\n');
        }
        std::fs::write(&out, s).unwrap_or_else(|e| panic!("{out}: {e}"));
    }
    let n_an = num("--analyse", 0.0) as usize;
    if n_an > 0 && !failing.is_empty() {
        analyse(&exp_path, &failing, n_an);
    }
}

/// Re-solves the steady states of up to `n` failing points (evenly spaced through them) with
/// the cascade and with every single start and continuation.
fn analyse(exp_path: &str, failing: &[Vec<f64>], n: usize) {
    let k = n.min(failing.len());
    let pts: Vec<&Vec<f64>> = (0..k).map(|i| &failing[i * failing.len() / k]).collect();
    let policies = [
        SteadyStarts::Cascade,
        SteadyStarts::DefaultState,
        SteadyStarts::DefaultStateNewton,
        SteadyStarts::InitialValues,
        SteadyStarts::March,
        SteadyStarts::Continuation,
    ];
    let exps: Vec<Experiment> = policies
        .iter()
        .map(|p| {
            let mut e = Experiment::load(Path::new(exp_path)).unwrap_or_else(|e| panic!("{e}"));
            e.steady_starts = *p;
            e
        })
        .collect();
    let mut preds: Vec<SimPredictor> = exps
        .iter()
        .map(|e| SimPredictor::new(e).unwrap_or_else(|e| panic!("{e}")))
        .collect();
    println!("\n{k} failing proposals re-solved (steady states only):");
    let mut found_elsewhere = 0;
    for (i, x) in pts.iter().enumerate() {
        let t = cpu("/proc/thread-self/stat");
        let cascade = preds[0].steady_states(x);
        let dt = cpu("/proc/thread-self/stat") - t;
        for (ei, (id, st)) in cascade.iter().enumerate() {
            if let Err(e) = st {
                let mut others = Vec::new();
                for (p, pred) in policies.iter().zip(preds.iter_mut()).skip(1) {
                    let ok = pred.steady_states(x)[ei].1.is_ok();
                    if ok {
                        others.push(p.name());
                    }
                }
                if !others.is_empty() {
                    found_elsewhere += 1;
                }
                let msg = e.to_string();
                let msg: String = msg.chars().take(300).collect();
                println!(
                    "  #{i} {id} (cascade {:.0} ms CPU for all episodes): other starts that solve: {:?}; {msg}",
                    1e3 * dt,
                    others
                );
            }
        }
    }
    println!("episode failures another start solves: {found_elsewhere}");
}

/// The rows of a `chain,draw,<parameter>...` file, in the experiment's parameter order.
fn read_rows(path: &str, names: &[String]) -> Vec<(usize, Vec<f64>)> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().expect("a header").split(',').collect();
    let col = |n: &str| {
        header
            .iter()
            .position(|h| *h == n)
            .unwrap_or_else(|| panic!("{path}: no column `{n}`"))
    };
    let c_chain = col("chain");
    let cols: Vec<usize> = names.iter().map(|n| col(n)).collect();
    lines
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let v: Vec<&str> = l.split(',').collect();
            (
                v[c_chain].parse().expect("a chain number"),
                cols.iter()
                    .map(|&c| v[c].parse().expect("a number"))
                    .collect(),
            )
        })
        .collect()
}
