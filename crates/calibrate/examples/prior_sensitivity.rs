//! `prior_sensitivity.csv` of a finished run, from its `draws.csv` without running the model:
//! the posterior reweighted to a flat prior and to the panel priors at half their mapping scale
//! by Pareto-smoothed importance sampling
//! (`pressure_calibrate::experiment::prior_sensitivity`). A calibration with MCMC writes the
//! same file itself; this recomputes it for runs made before it did.
//!
//! Usage: `cargo run --release -p pressure-calibrate --example prior_sensitivity --
//!         EXPERIMENT.toml RUN/draws.csv [LEVEL] > prior_sensitivity.csv`

use pressure_calibrate::experiment::prior_sensitivity::prior_sensitivity;
use pressure_calibrate::experiment::Experiment;

fn fail(msg: String) -> ! {
    eprintln!("{msg}");
    std::process::exit(1)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(exp_path), Some(draws_path)) = (args.first(), args.get(1)) else {
        eprintln!("usage: prior_sensitivity EXPERIMENT.toml DRAWS.csv [LEVEL]");
        std::process::exit(2);
    };
    let level: f64 = args.get(2).map_or(0.9, |v| {
        v.parse().unwrap_or_else(|e| fail(format!("{v}: {e}")))
    });
    let exp =
        Experiment::load(std::path::Path::new(exp_path)).unwrap_or_else(|e| fail(e.to_string()));
    let mut reader =
        csv::Reader::from_path(draws_path).unwrap_or_else(|e| fail(format!("{draws_path}: {e}")));
    let header = reader
        .headers()
        .unwrap_or_else(|e| fail(format!("{draws_path}: {e}")))
        .clone();
    let columns: Vec<usize> = exp
        .parameter_names()
        .iter()
        .map(|n| {
            header
                .iter()
                .position(|h| h == n)
                .unwrap_or_else(|| fail(format!("{draws_path}: no column `{n}`")))
        })
        .collect();
    let mut draws = Vec::new();
    for (i, rec) in reader.records().enumerate() {
        let rec = rec.unwrap_or_else(|e| fail(format!("{draws_path}: row {}: {e}", i + 2)));
        draws.push(
            columns
                .iter()
                .map(|&c| {
                    rec[c].parse::<f64>().unwrap_or_else(|e| {
                        fail(format!(
                            "{draws_path}: row {}, column {}: {e}",
                            i + 2,
                            c + 1
                        ))
                    })
                })
                .collect::<Vec<f64>>(),
        );
    }
    let r = prior_sensitivity(&exp, &draws, level).unwrap_or_else(|e| fail(e.to_string()));
    print!("{}", r.csv());
}
