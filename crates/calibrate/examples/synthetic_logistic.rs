//! Writes the synthetic episode table of the logistic calibration example
//! (`experiments/calibrate/logistic_synthetic.csv`): the model
//! `experiments/calibrate/logistic_model.toml` run with known values, reduced to annual data,
//! plus seeded noise.
//!
//! Truth: growth_rate = 0.45/year, carrying_capacity = 800 persons, initial_population = 40
//! persons; model time 0 = 1 January 2000. Series, 2001–2019:
//! * `population`: annual mean of the stock × exp(0.05 ε) (log-normal errors, σ = 0.05);
//! * `net_growth`: integral of the net growth flow over the year (the year's increase) + 5 ε
//!   persons (normal errors, σ = 5);
//!
//! with ε standard normal from `rng_for(2024, 0xda7a, k)`, k = 0, 1, ... in row order.
//!
//! Usage: `cargo run -p pressure-calibrate --example synthetic_logistic -- OUT.csv`

use pressure_data::align::{aggregate, annual_periods, Aggregation};
use pressure_sim::CompiledModel;
use rand::Rng;
use rand_distr::StandardNormal;
use std::fmt::Write;
use std::path::PathBuf;

fn main() {
    let out = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "logistic_synthetic.csv".into());
    let model_path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../experiments/calibrate/logistic_model.toml");
    let model = pressure_model::load(&model_path).unwrap_or_else(|e| panic!("{e}"));
    let compiled = CompiledModel::compile(&model).unwrap_or_else(|e| panic!("{e}"));
    let mut params = compiled.default_params();
    for (name, v) in [
        ("growth_rate", 0.45),
        ("carrying_capacity", 800.0),
        ("initial_population", 40.0),
    ] {
        compiled.set_param(&mut params, name, v).unwrap();
    }
    let results = compiled.run(&params, &compiled.default_settings()).unwrap();
    let periods = annual_periods(2001, 2019, 2000.0);
    let pop = aggregate(
        results.time(),
        results.column("population").unwrap(),
        &periods,
        Aggregation::Mean,
    )
    .unwrap();
    let growth = aggregate(
        results.time(),
        results.column("net_growth").unwrap(),
        &periods,
        Aggregation::Integral,
    )
    .unwrap();
    let mut rng = pressure_stats::rng_for(2024, 0xda7a, 0);
    let mut csv = String::from("date,series,value,unit,frequency,source\n");
    for (k, year) in (2001..=2019).enumerate() {
        let e: f64 = rng.sample(StandardNormal);
        writeln!(
            csv,
            "{year},population,{:.4},persons,annual,synthetic",
            pop[k] * (0.05 * e).exp()
        )
        .unwrap();
    }
    for (k, year) in (2001..=2019).enumerate() {
        let e: f64 = rng.sample(StandardNormal);
        writeln!(
            csv,
            "{year},net_growth,{:.4},persons,annual,synthetic",
            growth[k] + 5.0 * e
        )
        .unwrap();
    }
    std::fs::write(&out, csv).unwrap();
    eprintln!("wrote {out}");
}
