//! Steady-state uniqueness at posterior draws: the experiment's negative log-likelihood at
//! each draw with the episodes' steady states solved from different starts
//! (`pressure_sim::SteadyStarts`), to see whether the model has several steady states there
//! and how much the choice moves the objective (`experiments/calibrate/README.md`,
//! "Steady-state uniqueness").
//!
//! Usage: `cargo run --release -p pressure-calibrate --example steady_uniqueness --
//!         EXPERIMENT.toml DRAWS.csv [--draws 200] [--out uniqueness.csv]
//!         [--policies cascade,continuation] [--segments K --points M]`
//! `--policies` restricts the starts (default: every `SteadyStarts` policy, continuation
//! included). `--segments K` also evaluates the objective along the straight lines between K
//! pairs of consecutive picked draws, at M + 1 evenly spaced points each (default 20), with
//! every policy, and writes `<out>_segments.csv` (`segment,row_a,row_b,t,policy,nll`) and, per
//! policy, the number of steps between neighbouring points where −log L moves by more than
//! 1 (a jump: the objective is smooth on the scale of a twentieth of a draw-to-draw distance
//! everywhere else) and the number of points where the objective fails.
//! DRAWS.csv is a `draws.csv` of `pressure calibrate` (columns `chain,draw,<parameter>...`);
//! the study takes `--draws` rows evenly spaced through the file. Writes one row per draw and
//! start: `row,policy,nll` (`nll` empty when that start found no steady state), and to
//! `<out>_episodes.csv` one row per draw and episode: the starts that found a steady state,
//! how many distinct states they found (two differ when some solved stock differs by more than 1e-6
//! of max(|a|, |b|, 1)), the largest relative difference and its stock. One thread per start;
//! each start's values are computed in row order by its own predictor.

use pressure_calibrate::experiment::{Experiment, SimPredictor};
use pressure_sim::SteadyStarts;
use std::path::Path;

/// The values a solve determines (held, anchor and excluded values are set, not solved).
fn solved(st: &pressure_sim::SteadyState) -> impl Iterator<Item = &pressure_sim::SteadyValue> {
    st.values
        .iter()
        .filter(|v| v.role == pressure_sim::SteadyRole::Solved)
}

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
            eprintln!("usage: steady_uniqueness EXPERIMENT.toml DRAWS.csv [--draws N] [--out F]");
            std::process::exit(2);
        }
    };
    let n_draws: usize = get("--draws").map_or(200, |v| v.parse().expect("a count"));
    let out = get("--out").unwrap_or_else(|| "uniqueness.csv".into());
    let policies: Vec<(&str, SteadyStarts)> = match get("--policies") {
        None => SteadyStarts::ALL.to_vec(),
        Some(list) => list
            .split(',')
            .map(|n| {
                let p = SteadyStarts::from_name(n.trim())
                    .unwrap_or_else(|| panic!("--policies: unknown policy `{n}`"));
                (p.name(), p)
            })
            .collect(),
    };
    let policies = &policies[..];
    let segments: usize = get("--segments").map_or(0, |v| v.parse().expect("a count"));
    let points: usize = get("--points").map_or(20, |v| v.parse().expect("a count"));
    let text = std::fs::read_to_string(&draws_path).unwrap_or_else(|e| panic!("{draws_path}: {e}"));
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().expect("a header").split(',').collect();
    let rows: Vec<Vec<f64>> = lines
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            l.split(',')
                .map(|v| v.parse().unwrap_or(f64::NAN))
                .collect()
        })
        .collect();
    let probe = Experiment::load(Path::new(&exp_path)).unwrap_or_else(|e| panic!("{e}"));
    let names = probe.parameter_names();
    let cols: Vec<usize> = names
        .iter()
        .map(|n| {
            header
                .iter()
                .position(|h| h == n)
                .unwrap_or_else(|| panic!("{draws_path}: no column `{n}`"))
        })
        .collect();
    let step = (rows.len() / n_draws.max(1)).max(1);
    let picked: Vec<(usize, Vec<f64>)> = (0..n_draws.min(rows.len()))
        .map(|k| {
            let r = k * step + step / 2;
            (r, cols.iter().map(|&c| rows[r][c]).collect())
        })
        .collect();
    drop(probe);
    type Solved = Vec<(String, Option<Vec<f64>>, Vec<String>)>;
    let results: Vec<Vec<(Option<f64>, Solved)>> = std::thread::scope(|scope| {
        let handles: Vec<_> = policies
            .iter()
            .map(|&(_, policy)| {
                let picked = &picked;
                let exp_path = &exp_path;
                scope.spawn(move || {
                    let mut exp =
                        Experiment::load(Path::new(exp_path)).unwrap_or_else(|e| panic!("{e}"));
                    exp.steady_starts = policy;
                    let mut cal = exp.calibration().unwrap_or_else(|e| panic!("{e}"));
                    let mut pred = SimPredictor::new(&exp).unwrap_or_else(|e| panic!("{e}"));
                    picked
                        .iter()
                        .map(|(_, x)| {
                            let nll = cal.neg_log_lik(x).ok();
                            let states = pred
                                .steady_states(x)
                                .into_iter()
                                .map(|(id, st)| match st {
                                    Ok(st) => (
                                        id,
                                        Some(solved(&st).map(|v| v.value).collect()),
                                        solved(&st).map(|v| v.name.clone()).collect(),
                                    ),
                                    Err(_) => (id, None, Vec::new()),
                                })
                                .collect::<Solved>();
                            (nll, states)
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let mut csv = String::from("row,policy,nll\n");
    let mut eps =
        String::from("row,episode,solved_by,distinct_states,largest_relative_difference,stock\n");
    for (k, (r, _)) in picked.iter().enumerate() {
        for (p, (name, _)) in policies.iter().enumerate() {
            let v = results[p][k]
                .0
                .map_or(String::new(), |v| format!("{v:.10}"));
            csv.push_str(&format!("{r},{name},{v}\n"));
        }
        // Per episode: how many distinct steady states the starts found (relative difference
        // above 1e-6 of max(|a|, |b|, 1) in some stock), and the largest difference.
        let n_ep = results[0][k].1.len();
        for e in 0..n_ep {
            let found: Vec<(usize, &Vec<f64>)> = (0..policies.len())
                .filter_map(|p| results[p][k].1[e].1.as_ref().map(|z| (p, z)))
                .collect();
            let names = &results[0][k].1[e].2;
            let mut reps: Vec<&Vec<f64>> = Vec::new();
            let (mut worst, mut worst_name) = (0.0f64, String::new());
            for (_, z) in &found {
                let mut new = true;
                for rep in &reps {
                    let mut d = 0.0f64;
                    let mut at = 0;
                    for (i, (a, b)) in z.iter().zip(rep.iter()).enumerate() {
                        let rel = (a - b).abs() / a.abs().max(b.abs()).max(1.0);
                        if rel > d {
                            d = rel;
                            at = i;
                        }
                    }
                    if d > worst {
                        worst = d;
                        worst_name = names.get(at).cloned().unwrap_or_default();
                    }
                    if d <= 1e-6 {
                        new = false;
                    }
                }
                if new {
                    reps.push(z);
                }
            }
            let solved_by: Vec<&str> = found.iter().map(|(p, _)| policies[*p].0).collect();
            eps.push_str(&format!(
                "{r},{},{},{},{worst:.3e},{}\n",
                results[0][k].1[e].0,
                solved_by.join("|"),
                reps.len(),
                worst_name.replace(',', ";")
            ));
        }
    }
    std::fs::write(&out, csv).unwrap_or_else(|e| panic!("{out}: {e}"));
    if segments > 0 {
        segment_study(&exp_path, &picked, policies, segments, points, &out);
    }
    let eps_out = out.replace(".csv", "_episodes.csv");
    std::fs::write(&eps_out, eps).unwrap_or_else(|e| panic!("{eps_out}: {e}"));
    println!(
        "{} draws x {} starts -> {out}, {eps_out}",
        picked.len(),
        policies.len()
    );
}

/// The objective along the straight lines between consecutive picked draws, per policy (one
/// thread each): `<out>_segments.csv` and a count of jumps (|Δ(−log L)| > 1 between
/// neighbouring points) and failures per policy.
fn segment_study(
    exp_path: &str,
    picked: &[(usize, Vec<f64>)],
    policies: &[(&str, SteadyStarts)],
    segments: usize,
    points: usize,
    out: &str,
) {
    let pairs: Vec<(usize, usize)> = (0..segments.min(picked.len().saturating_sub(1)))
        .map(|k| (k, k + 1))
        .collect();
    let results: Vec<(Vec<Vec<Option<f64>>>, f64)> = std::thread::scope(|scope| {
        let handles: Vec<_> = policies
            .iter()
            .map(|&(_, policy)| {
                let pairs = &pairs;
                scope.spawn(move || {
                    let mut exp =
                        Experiment::load(Path::new(exp_path)).unwrap_or_else(|e| panic!("{e}"));
                    exp.steady_starts = policy;
                    let mut cal = exp.calibration().unwrap_or_else(|e| panic!("{e}"));
                    let t = std::time::Instant::now();
                    let v = pairs
                        .iter()
                        .map(|&(a, b)| {
                            (0..=points)
                                .map(|i| {
                                    let t = i as f64 / points as f64;
                                    let x: Vec<f64> = picked[a]
                                        .1
                                        .iter()
                                        .zip(&picked[b].1)
                                        .map(|(u, v)| u + t * (v - u))
                                        .collect();
                                    cal.neg_log_lik(&x).ok()
                                })
                                .collect()
                        })
                        .collect();
                    (v, t.elapsed().as_secs_f64())
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let mut csv = String::from("segment,row_a,row_b,t,policy,nll\n");
    for (s, &(a, b)) in pairs.iter().enumerate() {
        for (p, (name, _)) in policies.iter().enumerate() {
            for (i, v) in results[p].0[s].iter().enumerate() {
                let v = v.map_or(String::new(), |v| format!("{v:.10}"));
                csv.push_str(&format!(
                    "{s},{},{},{:.4},{name},{v}\n",
                    picked[a].0,
                    picked[b].0,
                    i as f64 / points as f64
                ));
            }
        }
    }
    let seg_out = out.replace(".csv", "_segments.csv");
    std::fs::write(&seg_out, csv).unwrap_or_else(|e| panic!("{seg_out}: {e}"));
    println!(
        "{} segments x {} points -> {seg_out}",
        pairs.len(),
        points + 1
    );
    for (p, (name, _)) in policies.iter().enumerate() {
        let (mut jumps, mut failed, mut segs_with_jump) = (0, 0, 0);
        let mut largest = 0.0f64;
        for seg in &results[p].0 {
            failed += seg.iter().filter(|v| v.is_none()).count();
            let mut any = false;
            for w in seg.windows(2) {
                if let (Some(u), Some(v)) = (w[0], w[1]) {
                    let d = (v - u).abs();
                    largest = largest.max(d);
                    if d > 1.0 {
                        jumps += 1;
                        any = true;
                    }
                }
            }
            segs_with_jump += usize::from(any);
        }
        println!(
            "{name}: {jumps} jumps > 1 (in {segs_with_jump} of {} segments), largest step {largest:.3}, {failed} failed points, {:.1} s wall on its thread",
            results[p].0.len(),
            results[p].1
        );
    }
}
