//! Steady-state uniqueness at posterior draws: the experiment's negative log-likelihood at
//! each draw with the episodes' steady states solved from different starts
//! (`pressure_sim::SteadyStarts`), to see whether the model has several steady states there
//! and how much the choice moves the objective (`experiments/calibrate/README.md`,
//! "Steady-state uniqueness").
//!
//! Usage: `cargo run --release -p pressure-calibrate --example steady_uniqueness --
//!         EXPERIMENT.toml DRAWS.csv [--draws 200] [--out uniqueness.csv]`
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

const POLICIES: [(&str, SteadyStarts); 5] = [
    ("cascade", SteadyStarts::Cascade),
    ("default_state", SteadyStarts::DefaultState),
    ("default_state_newton", SteadyStarts::DefaultStateNewton),
    ("initial_values", SteadyStarts::InitialValues),
    ("march", SteadyStarts::March),
];

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
        let handles: Vec<_> = POLICIES
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
        for (p, (name, _)) in POLICIES.iter().enumerate() {
            let v = results[p][k]
                .0
                .map_or(String::new(), |v| format!("{v:.10}"));
            csv.push_str(&format!("{r},{name},{v}\n"));
        }
        // Per episode: how many distinct steady states the starts found (relative difference
        // above 1e-6 of max(|a|, |b|, 1) in some stock), and the largest difference.
        let n_ep = results[0][k].1.len();
        for e in 0..n_ep {
            let found: Vec<(usize, &Vec<f64>)> = (0..POLICIES.len())
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
            let solved_by: Vec<&str> = found.iter().map(|(p, _)| POLICIES[*p].0).collect();
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
    let eps_out = out.replace(".csv", "_episodes.csv");
    std::fs::write(&eps_out, eps).unwrap_or_else(|e| panic!("{eps_out}: {e}"));
    println!(
        "{} draws x {} starts -> {out}, {eps_out}",
        picked.len(),
        POLICIES.len()
    );
}
