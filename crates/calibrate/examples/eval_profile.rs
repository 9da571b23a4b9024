//! Time one evaluation of an experiment's objective (every episode run plus the observation
//! equations), for profiling: `perf record` this, or read the printed means.
//!
//! Usage: `cargo run --release -p pressure-calibrate --example eval_profile -- EXPERIMENT.toml
//!         [--evals 50] [--spread 0.05] [--line J --step H] [--at x1,x2,..] [--fingerprint SEED]
//!         [--starts cascade|continuation|...] [--draws RUN/draws.csv [--proposals]] [--no-start]`
//! Evaluates the negative log-likelihood at the start values, then at `--evals` points drawn
//! uniformly within ±`spread` × (upper − lower) of the start (a fixed sequence, so runs are
//! comparable) or, with `--draws`, at `--evals` rows evenly spaced through a run's
//! `draws.csv` (posterior draws) — with `--proposals`, at differential-evolution proposals
//! built from them, `x_a + 2.38/√(2d) (x_b − x_c)` for rows a, b, c of a fixed sequence (where
//! DREAM(ZS) evaluates: most proposals are rejected) — and prints the mean CPU time per
//! evaluation of both, one thread; then the same points' steady-state solves alone (every
//! episode's, no run), so that the difference is the five transient runs and the observation
//! equations, with each episode's mean Newton iterations, residual evaluations and starts
//! per solve, and which backend (interpreter or native code) each episode's run used.
//! `--starts` chooses the steady-state selection (`pressure_sim::SteadyStarts`; default: the
//! experiment file's).

use pressure_calibrate::experiment::{Experiment, SimPredictor};
use std::time::Instant as Wall;

/// Wall and CPU time of this thread since `now()` (CPU from `/proc/thread-self/stat`, utime +
/// stime in clock ticks of 1/100 s: the machine is shared, so wall time alone misleads).
struct Instant(Wall, f64);

fn thread_cpu() -> f64 {
    std::fs::read_to_string("/proc/thread-self/stat")
        .ok()
        .and_then(|s| {
            let rest = s.rsplit_once(')')?.1;
            let f: Vec<&str> = rest.split_whitespace().collect();
            Some((f.get(11)?.parse::<f64>().ok()? + f.get(12)?.parse::<f64>().ok()?) / 100.0)
        })
        .unwrap_or(f64::NAN)
}

impl Instant {
    fn now() -> Self {
        Instant(Wall::now(), thread_cpu())
    }
    /// CPU seconds (the measure printed); the wall time goes to stderr.
    fn elapsed(&self) -> std::time::Duration {
        let cpu = thread_cpu() - self.1;
        eprintln!(
            "  (wall {:.3} s, CPU {cpu:.2} s)",
            self.0.elapsed().as_secs_f64()
        );
        std::time::Duration::from_secs_f64(cpu.max(0.0))
    }
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
        .expect("usage: eval_profile EXPERIMENT.toml [--evals N]");
    let evals: usize = get("--evals").map_or(50, |v| v.parse().expect("a count"));
    let spread: f64 = get("--spread").map_or(0.05, |v| v.parse().expect("a number"));
    let t = Instant::now();
    let mut exp = Experiment::load(std::path::Path::new(path)).unwrap_or_else(|e| panic!("{e}"));
    if let Some(name) = get("--starts") {
        exp.steady_starts = pressure_sim::SteadyStarts::from_name(&name)
            .unwrap_or_else(|| panic!("--starts: unknown policy `{name}`"));
    }
    println!("steady-state starts: {}", exp.steady_starts.name());
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
    if !args.iter().any(|a| a == "--no-start") {
        let t = Instant::now();
        for _ in 0..evals {
            let _ = cal.neg_log_lik(&start);
        }
        println!(
            "at the start values: {:.2} ms per evaluation ({evals})",
            1e3 * t.elapsed().as_secs_f64() / evals as f64
        );
    }
    // A fixed pseudo-random sequence (no rng dependency needed: a Weyl sequence).
    let mut u = 0.5f64;
    let proposals = args.iter().any(|a| a == "--proposals");
    let from_draws = get("--draws").map(|f| {
        if proposals {
            // Rows a, b, c from a fixed sequence over 4 × evals evenly spaced draws.
            let rows = draw_rows(&f, &exp.parameter_names(), 4 * evals);
            let gamma = 2.38 / (2.0 * start.len() as f64).sqrt();
            (0..evals)
                .map(|i| {
                    let (a, b, c) = (i, (7 * i + 3) % rows.len(), (13 * i + 5) % rows.len());
                    (0..start.len())
                        .map(|j| {
                            (rows[a][j] + gamma * (rows[b][j] - rows[c][j])).clamp(lo[j], hi[j])
                        })
                        .collect()
                })
                .collect()
        } else {
            draw_rows(&f, &exp.parameter_names(), evals)
        }
    });
    let where_ = match (&from_draws, proposals) {
        (Some(_), true) => "DE proposals from posterior draws",
        (Some(_), false) => "posterior draws",
        (None, _) => "points around the start",
    };
    let points: Vec<Vec<f64>> = from_draws.unwrap_or_else(|| {
        (0..evals)
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
            .collect()
    });
    let evals = points.len();
    let t = Instant::now();
    let mut failed = 0;
    for x in &points {
        if cal.neg_log_lik(x).is_err() {
            failed += 1;
        }
    }
    println!(
        "at {evals} {where_}: {:.2} ms per evaluation ({failed} failed)",
        1e3 * t.elapsed().as_secs_f64() / evals as f64
    );
    // The same points' steady-state solves alone (the start values first, so the default
    // state is cached as in the evaluations above).
    let mut pred = SimPredictor::new(&exp).unwrap_or_else(|e| panic!("{e}"));
    let _ = pred.steady_states(&start);
    let t = Instant::now();
    let mut steady_failed = 0;
    // Per episode: solves, and the sums of iterations, evaluations and starts of those solved.
    let mut work: Vec<(String, usize, usize, usize, usize)> = Vec::new();
    for x in &points {
        for (k, (id, st)) in pred.steady_states(x).into_iter().enumerate() {
            if work.len() <= k {
                work.push((id, 0, 0, 0, 0));
            }
            match st {
                Ok(st) => {
                    let w = &mut work[k];
                    w.1 += 1;
                    w.2 += st.iterations;
                    w.3 += st.evaluations;
                    w.4 += st.starts;
                }
                Err(_) => steady_failed += 1,
            }
        }
    }
    println!(
        "  of which the steady-state solves: {:.2} ms per evaluation ({steady_failed} episode solves failed)",
        1e3 * t.elapsed().as_secs_f64() / evals as f64
    );
    for (id, n, it, ev, st) in &work {
        let n = (*n).max(1) as f64;
        println!(
            "    {id}: per solve {:.1} iterations, {:.1} residual evaluations, {:.2} starts",
            *it as f64 / n,
            *ev as f64 / n,
            *st as f64 / n
        );
    }
    let mut runs = SimPredictor::new(&exp).unwrap_or_else(|e| panic!("{e}"));
    let mut out = vec![0.0; cal.n_obs()];
    let _ = pressure_calibrate::objective::Predictor::predict(&mut runs, &start, &mut out);
    println!(
        "native code per episode's run (else the interpreter): {:?}",
        runs.uses_native_code()
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

/// `n` rows evenly spaced through a `draws.csv` (columns `chain,draw,<parameter>...`), in the
/// experiment's parameter order.
fn draw_rows(path: &str, names: &[String], n: usize) -> Vec<Vec<f64>> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().expect("a header").split(',').collect();
    let cols: Vec<usize> = names
        .iter()
        .map(|n| {
            header
                .iter()
                .position(|h| h == n)
                .unwrap_or_else(|| panic!("{path}: no column `{n}`"))
        })
        .collect();
    let rows: Vec<Vec<f64>> = lines
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let v: Vec<&str> = l.split(',').collect();
            cols.iter()
                .map(|&c| v[c].parse().expect("a number"))
                .collect()
        })
        .collect();
    let k = n.max(1).min(rows.len());
    (0..k).map(|i| rows[i * rows.len() / k].clone()).collect()
}
