//! Times the two-way fixed-effects regression with clustered standard errors on a CSV panel
//! (used by `benches/peers/econometrics_compare.py`). Prints one JSON object: load and
//! estimation seconds (best of `--repeat`), coefficients and SEs under linearmodels' default
//! correction (for the agreement check) and under the default CR1 (nested) correction.
//!
//! `cargo run --release -p pressure-econometrics --example fe_timing -- panel.csv [repeat]`

use pressure_data::{ColumnType, ReadOptions, Table};
use pressure_econometrics::{within, ClusterCorrection, Design, Factor, VcovSpec, WithinOptions};
use std::time::Instant;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let path = args.get(1).expect("usage: fe_timing PANEL.csv [repeat]");
    let repeat: usize = args.get(2).and_then(|r| r.parse().ok()).unwrap_or(3);
    let t0 = Instant::now();
    let opts = ReadOptions::new().column_types(["y", "x1", "x2"], ColumnType::Float);
    let table = Table::read_path(path, &opts).expect("readable panel");
    let y = table.to_f64("y").unwrap();
    let x1 = table.to_f64("x1").unwrap();
    let x2 = table.to_f64("x2").unwrap();
    let unit_codes: Vec<i64> = table
        .ints("unit")
        .unwrap()
        .iter()
        .map(|v| v.unwrap())
        .collect();
    let period_codes: Vec<i64> = table
        .ints("period")
        .unwrap()
        .iter()
        .map(|v| v.unwrap())
        .collect();
    let unit = Factor::from_values("unit", &unit_codes);
    let period = Factor::from_values("period", &period_codes);
    let load = t0.elapsed().as_secs_f64();
    let design = Design::from_columns(&["x1", "x2"], &[&x1, &x2]).unwrap();
    let fes = [unit.clone(), period];
    let mut best = f64::INFINITY;
    let mut fit = None;
    for _ in 0..repeat {
        let t = Instant::now();
        let opts = WithinOptions::with_vcov(VcovSpec::cluster_with(
            unit.clone(),
            ClusterCorrection::LinearmodelsDefault,
        ));
        let f = within(&y, &design, &fes, &opts).expect("estimable");
        best = best.min(t.elapsed().as_secs_f64());
        fit = Some(f);
    }
    let fit = fit.unwrap();
    let nested = within(
        &y,
        &design,
        &fes,
        &WithinOptions::with_vcov(VcovSpec::cluster(unit)),
    )
    .unwrap();
    println!(
        "{}",
        serde_json::json!({
            "rows": y.len(),
            "load_seconds": load,
            "estimate_seconds": best,
            "threads": rayon::current_num_threads(),
            "coef": fit.coefficients.estimate,
            "se_linearmodels_default": fit.coefficients.std_error,
            "se_cr1_nested": nested.coefficients.std_error,
            "demean_iterations": fit.demean_iterations,
            "singletons_dropped": fit.singletons_dropped,
        })
    );
}
