//! The in-window validation table (`validation.csv`'s columns, holdout columns empty) of a
//! finished run, recomputed from its `fit.csv` without running the model: RMSE ratios to the
//! random walk, the AR(1) and the ARX, modified Diebold–Mariano tests and Theil's U₁
//! (`pressure_calibrate::experiment::validation::window_validation`).
//!
//! Usage: `cargo run --release -p pressure-calibrate --example revalidate -- EXPERIMENT.toml
//!         RUN/fit.csv > validation_window.csv`
//!
//! The experiment must be the one the run used (same episodes, mappings and data): a fit with
//! other series or observation counts is an error.

use pressure_calibrate::experiment::paths::DrawSource;
use pressure_calibrate::experiment::validation::{window_validation, ValidationReport, WindowFit};
use pressure_calibrate::experiment::Experiment;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(exp_path), Some(fit_path)) = (args.first(), args.get(1)) else {
        eprintln!("usage: revalidate EXPERIMENT.toml FIT.csv");
        std::process::exit(2);
    };
    let exp = Experiment::load(std::path::Path::new(exp_path)).unwrap_or_else(|e| {
        eprintln!("{e}");
        std::process::exit(1)
    });
    let mut reader = csv::ReaderBuilder::new()
        .comment(Some(b'#'))
        .from_path(fit_path)
        .unwrap_or_else(|e| {
            eprintln!("{fit_path}: {e}");
            std::process::exit(1)
        });
    // (episode, series) → observed, model, in file order.
    let mut series: Vec<(String, String, Vec<f64>, Vec<f64>)> = Vec::new();
    for (i, rec) in reader.deserialize::<FitRow>().enumerate() {
        let r = rec.unwrap_or_else(|e| {
            eprintln!("{fit_path}: row {}: {e}", i + 2);
            std::process::exit(1)
        });
        match series.last_mut() {
            Some(s) if s.0 == r.episode && s.1 == r.series => {
                s.2.push(r.observed);
                s.3.push(r.model);
            }
            _ => series.push((r.episode, r.series, vec![r.observed], vec![r.model])),
        }
    }
    let fits: Vec<WindowFit<'_>> = series
        .iter()
        .map(|(e, s, o, m)| WindowFit {
            episode: e,
            series: s,
            observed: o,
            model: m,
        })
        .collect();
    let rows = window_validation(&exp, &fits).unwrap_or_else(|e| {
        eprintln!("{e}");
        std::process::exit(1)
    });
    let report = ValidationReport {
        level: 0.9,
        source: DrawSource::Estimate,
        draws: 0,
        rows,
        holdout: Vec::new(),
    };
    print!("{}", report.csv());
}

#[derive(serde::Deserialize)]
struct FitRow {
    episode: String,
    series: String,
    observed: f64,
    model: f64,
}
