//! Experiment files whose `model =` is a Vensim `.mdl` (issue 15): `pressure sensitivity` and
//! `pressure calibrate` read it through `pressure_interop` like the other commands, with the
//! source file's names (spaces as underscores) as parameter and output names.

mod cli_support;
use cli_support::{pressure, stderr, write};

/// Exponential decay towards zero in years: `Stock(t) = 100 exp(-t / Lifetime)`.
const DECAY: &str = "{UTF-8}
Stock = INTEG(-Outflow, 100) ~ count ~ |
Outflow = Stock / Lifetime ~ count/Year ~ |
Lifetime = 4 ~ Year [1,10] ~ |
********************************************************
	.Control
********************************************************~
		Simulation Control Parameters
	|
FINAL TIME = 6 ~ Year ~ |
INITIAL TIME = 0 ~ Year ~ |
SAVEPER = 0.0078125 ~ Year [0,?] ~ |
TIME STEP = 0.0078125 ~ Year [0,?] ~ |
";

#[test]
fn a_sensitivity_experiment_runs_on_an_mdl_model() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "decay.mdl", DECAY);
    let exp = write(
        dir.path(),
        "oat.toml",
        r#"[experiment]
name = "decay-oat"
model = "decay.mdl"
seed = 1

[[parameters]]
name = "Lifetime"
distribution = "uniform"
low = 2
high = 8

[method]
kind = "oat"

[[outputs]]
name = "stock_at_4"
variable = "Stock"
statistic = "value_at"
time = 4
"#,
    );
    let out_dir = dir.path().join("out");
    let out = pressure(&[
        "sensitivity",
        exp.to_str().unwrap(),
        "--out",
        out_dir.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(out_dir.join("manifest.json").exists());
    // The tornado names the .mdl's parameter and output; Stock(4) is the Euler solution
    // 100 (1 - dt/L)^(4/dt) at L = 2 and 8 (13.48 and 60.64) and at the default 4 (36.75).
    let tornado = std::fs::read_to_string(out_dir.join("tornado.csv")).unwrap();
    let row: Vec<&str> = tornado
        .lines()
        .find(|l| l.starts_with("stock_at_4,Lifetime,"))
        .unwrap_or_else(|| panic!("{tornado}"))
        .split(',')
        .collect();
    let dt = 0.0078125_f64;
    let euler = |l: f64| 100.0 * (1.0 - dt / l).powi((4.0 / dt) as i32);
    for (col, l) in [(4, 2.0), (5, 8.0), (7, 4.0)] {
        let got: f64 = row[col].parse().unwrap();
        assert!(
            (got - euler(l)).abs() < 1e-9,
            "column {col}: {got} vs {}",
            euler(l)
        );
    }
}

#[test]
fn a_calibration_experiment_recovers_a_parameter_of_an_mdl_model() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "decay.mdl", DECAY);
    // Annual means of 100 exp(-t / 2.5) for years 2011-2015 (origin 2011: year k is model
    // time [k, k + 1)), exactly: 100 * 2.5 (e^(-a/2.5) - e^(-b/2.5)) over [a, b).
    let mut csv = String::from("date,series,value,unit,frequency,source\n");
    for (k, y) in (2011..=2015).enumerate() {
        let (a, b) = (k as f64, k as f64 + 1.0);
        let mean = 100.0 * 2.5 * ((-a / 2.5_f64).exp() - (-b / 2.5_f64).exp());
        csv.push_str(&format!("{y},stock,{mean},count,annual,synthetic\n"));
    }
    write(dir.path(), "data.csv", &csv);
    let exp = write(
        dir.path(),
        "cal.toml",
        r#"[experiment]
name = "decay-cal"
model = "decay.mdl"
seed = 1

[[episode]]
id = "a"
table = "data.csv"
origin = 2011.0
window = { start = "2011", end = "2015" }

[[parameter]]
name = "Lifetime"
start = 4.0
lower = 1.0
upper = 10.0

[[mapping]]
series = "stock"
variable = "Stock"
variable_is = "level"
aggregate = "mean"
unit = "count"
error = { kind = "normal", sigma = 1.0 }

[uncertainty]
profile = false
"#,
    );
    let out_dir = dir.path().join("out");
    let out = pressure(&[
        "calibrate",
        exp.to_str().unwrap(),
        "--out",
        out_dir.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out_dir.join("manifest.json")).unwrap())
            .unwrap();
    // `parameters` is a list of [name, value] pairs.
    let lifetime = manifest["parameters"]
        .as_array()
        .and_then(|a| a.iter().find(|p| p[0] == "Lifetime"))
        .and_then(|p| p[1].as_f64())
        .unwrap_or_else(|| panic!("{manifest}"));
    // The data are exact annual means of the continuous decay; the .mdl runs Euler (Vensim's
    // default) with dt = 1/128, whose decay factor per step 1 - dt/L equals the continuous
    // exp(-dt/2.5) at L = dt / (1 - exp(-dt/2.5)) = 2.503906: that is the estimate.
    let dt = 0.0078125_f64;
    let euler = dt / (1.0 - (-dt / 2.5).exp());
    assert!(
        (lifetime - euler).abs() < 1e-4,
        "Lifetime {lifetime}, want {euler}"
    );
}
