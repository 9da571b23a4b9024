//! Benchmark of the posterior samplers on test posteriors with known answers
//! (`pressure_calibrate::uncertainty::sampler::targets`): efficiency (bulk ESS per density
//! evaluation) and correctness (means, standard deviations and quantiles against the known
//! answer, in Monte Carlo standard errors). The table in `crates/calibrate/SAMPLERS.md` comes
//! from
//!
//! ```sh
//! cargo run --release -p pressure-calibrate --example sampler_benchmark -- [--seeds 3] [--scale 1] [--only NAME]
//! ```
//!
//! Every run of a target gets the same number of density evaluations; `--scale` multiplies
//! them. Each row is the mean over seeds; `min ESS/eval` is the smallest bulk ESS over the
//! coordinates divided by all evaluations (warm-up included).

use pressure_calibrate::uncertainty::diagnostics::ess_basic;
use pressure_calibrate::uncertainty::sampler::targets::{
    Banana, CorrelatedGaussian, Hierarchical, Known,
};
use pressure_calibrate::uncertainty::sampler::{
    sample, Algorithm, Initial, LogDensity, SamplerOptions, SamplerResult,
};
use std::time::Instant;

struct Config {
    label: String,
    algorithm: Algorithm,
    chains: usize,
    /// Start adaptive Metropolis from the true covariance (its best case) instead of the
    /// diagonal one every sampler gets.
    true_cov: bool,
}

/// One run's numbers.
struct Row {
    evaluations: f64,
    min_ess: f64,
    median_ess: f64,
    max_rhat: f64,
    check: Check,
    wall: f64,
}

/// Correctness of one run against the known answer.
struct Check {
    /// Largest |mean error| / MCSE over coordinates (MCSE = sd/√ESS_bulk).
    mean_z: f64,
    /// Largest |sd/sd_true − 1|.
    sd_rel: f64,
    /// Largest |empirical CDF at the known 2.5/50/97.5 % quantiles − p| / MCSE of that
    /// indicator's mean.
    quantile_z: f64,
}

fn check(r: &SamplerResult, known: &Known) -> Check {
    let mut mean_z: f64 = 0.0;
    let mut sd_rel: f64 = 0.0;
    let mut quantile_z: f64 = 0.0;
    for (j, s) in r.summary.iter().enumerate() {
        let mcse = known.sd[j] / s.ess_bulk.sqrt();
        mean_z = mean_z.max((s.mean - known.mean[j]).abs() / mcse);
        sd_rel = sd_rel.max((s.sd / known.sd[j] - 1.0).abs());
        let chains = r.chains_of(j);
        for (k, p) in [0.025, 0.5, 0.975].iter().enumerate() {
            let q = known.quantiles[j][k];
            let ind: Vec<Vec<f64>> = chains
                .iter()
                .map(|c| c.iter().map(|x| f64::from(u8::from(*x <= q))).collect())
                .collect();
            let n: usize = ind.iter().map(|c| c.len()).sum();
            let frac = ind.iter().flatten().sum::<f64>() / n as f64;
            let ess = ess_basic(&ind);
            let se = (p * (1.0 - p) / ess).sqrt();
            if se.is_finite() {
                quantile_z = quantile_z.max((frac - p).abs() / se);
            } else {
                quantile_z = f64::INFINITY;
            }
        }
    }
    Check {
        mean_z,
        sd_rel,
        quantile_z,
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let arg = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let seeds: u64 = arg("--seeds").map_or(3, |s| s.parse().expect("--seeds N"));
    let scale: f64 = arg("--scale").map_or(1.0, |s| s.parse().expect("--scale X"));
    let only = arg("--only");
    let which = arg("--samplers");
    let warmup_frac: f64 = arg("--warmup").map_or(0.5, |s| s.parse().expect("--warmup FRACTION"));
    let mut dream = pressure_calibrate::uncertainty::sampler::DreamOptions::default();
    if let Some(v) = arg("--dream-pairs") {
        dream.pairs = v.parse().expect("--dream-pairs N");
    }
    if let Some(v) = arg("--dream-crossover") {
        dream.crossover_values = v.parse().expect("--dream-crossover N");
    }
    if let Some(v) = arg("--dream-prune") {
        dream.prune_archive = v.parse().expect("--dream-prune true|false");
    }
    if let Some(v) = arg("--dream-snooker") {
        dream.snooker = v.parse().expect("--dream-snooker P");
    }
    let dream_chains: usize =
        arg("--dream-chains").map_or(4, |s| s.parse().expect("--dream-chains N"));

    type Target = (String, Box<dyn LogDensity>, Known, usize, Option<Vec<f64>>);
    let mut targets: Vec<Target> = Vec::new();
    let want = |name: &str| only.as_deref().is_none_or(|o| name.contains(o));
    for d in [20, 40] {
        let name = format!("gaussian{d}");
        if want(&name) {
            let g = CorrelatedGaussian::new(d, 1);
            let k = g.known();
            let cov = g.covariance().to_vec();
            targets.push((name, Box::new(g), k, 20_000 * d, Some(cov)));
        }
    }
    for centred in [false, true] {
        let name = if centred {
            "schools5_centred"
        } else {
            "schools5_noncentred"
        };
        if want(name) {
            let h = Hierarchical::new(centred);
            let k = h.known();
            targets.push((name.into(), Box::new(h), k, 200_000, None));
        }
    }
    if want("banana10") {
        let b = Banana::new(10, 0.1);
        let k = b.known();
        targets.push(("banana10".into(), Box::new(b), k, 400_000, None));
    }

    println!(
        "| target | d | sampler | chains | evaluations | min bulk ESS | min ESS/eval | median ESS/eval | max R-hat | max mean z | max sd rel. err. | max quantile z | wall s |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|---|");
    for (name, target, known, budget, true_cov) in &targets {
        let d = target.dim();
        let mut configs = vec![
            Config {
                label: "dream_zs".into(),
                algorithm: Algorithm::DreamZs,
                chains: dream_chains,
                true_cov: false,
            },
            Config {
                label: "ensemble".into(),
                algorithm: Algorithm::Ensemble,
                chains: 2 * d,
                true_cov: false,
            },
            Config {
                label: "ensemble".into(),
                algorithm: Algorithm::Ensemble,
                chains: 4 * d,
                true_cov: false,
            },
            Config {
                label: "adaptive_metropolis".into(),
                algorithm: Algorithm::AdaptiveMetropolis,
                chains: 4,
                true_cov: false,
            },
        ];
        if true_cov.is_some() {
            configs.push(Config {
                label: "adaptive_metropolis, true covariance".into(),
                algorithm: Algorithm::AdaptiveMetropolis,
                chains: 4,
                true_cov: true,
            });
        }
        for cfg in configs
            .iter()
            .filter(|c| which.as_deref().is_none_or(|w| c.label.contains(w)))
        {
            let initial = match (cfg.true_cov, true_cov) {
                (true, Some(cov)) => Initial::Gaussian {
                    mean: known.mean.clone(),
                    cov: cov.clone(),
                    scale: 2.0,
                },
                _ => known.initial(),
            };
            let budget = (*budget as f64 * scale) as usize;
            let iterations = budget / cfg.chains;
            let mut rows = Vec::new();
            for seed in 0..seeds {
                let opts = SamplerOptions {
                    algorithm: cfg.algorithm,
                    chains: cfg.chains,
                    iterations,
                    warmup: Some((iterations as f64 * warmup_frac) as usize),
                    block: iterations,
                    seed,
                    dream: dream.clone(),
                    ..Default::default()
                };
                let t = Instant::now();
                let r =
                    sample(target.as_ref(), &initial, &opts, None, None).expect("benchmark run");
                let wall = t.elapsed().as_secs_f64();
                let mut ess: Vec<f64> = r.summary.iter().map(|s| s.ess_bulk).collect();
                ess.sort_by(f64::total_cmp);
                let c = check(&r, known);
                rows.push(Row {
                    evaluations: r.evaluations as f64,
                    min_ess: r.min_ess_bulk,
                    median_ess: ess[ess.len() / 2],
                    max_rhat: r.max_rhat,
                    check: c,
                    wall,
                });
            }
            let n = rows.len() as f64;
            let avg = |f: &dyn Fn(&Row) -> f64| rows.iter().map(f).sum::<f64>() / n;
            let max =
                |f: &dyn Fn(&Row) -> f64| rows.iter().map(f).fold(f64::NEG_INFINITY, f64::max);
            let evals = avg(&|r| r.evaluations);
            println!(
                "| {name} | {d} | {} | {} | {:.0} | {:.0} | {:.2e} | {:.2e} | {:.3} | {:.1} | {:.3} | {:.1} | {:.1} |",
                cfg.label,
                cfg.chains,
                evals,
                avg(&|r| r.min_ess),
                avg(&|r| r.min_ess / r.evaluations),
                avg(&|r| r.median_ess / r.evaluations),
                max(&|r| r.max_rhat),
                max(&|r| r.check.mean_z),
                max(&|r| r.check.sd_rel),
                max(&|r| r.check.quantile_z),
                avg(&|r| r.wall),
            );
        }
    }
}
