//! Exogenous drivers from data: a monthly price in a tidy table drives an auxiliary of the
//! model (replaced by the data for the experiment), aligned with the episode's origin.

use pressure_calibrate::experiment::Experiment;

const MODEL: &str = r#"
[settings]
start = 0.0
stop = 3.0
dt = 0.010416666666666666
save_every = 0.041666666666666664
method = "rk4"
time_units = "year"

[constants.oil_base]
value = 80
units = "usd/barrel"

[aux.oil_price]
equation = "oil_base"
units = "usd/barrel"

[constants.k]
value = 0.5

[aux.seen]
equation = "k * oil_price"
units = "usd/barrel"
"#;

fn setup(dir: &std::path::Path, unit: &str) -> std::path::PathBuf {
    std::fs::write(dir.join("m.toml"), MODEL).unwrap();
    // Oil: 100 in 2011, 50 from January 2012 (monthly), in a table of its own.
    let mut oil = String::from("date,series,value,unit,frequency,source\n");
    for y in 2011..=2012 {
        for m in 1..=12 {
            let v = if y == 2011 { 100.0 } else { 50.0 };
            oil.push_str(&format!(
                "{y}-{m:02},brent,{v},usd_per_barrel,monthly,eia\n"
            ));
        }
    }
    std::fs::write(dir.join("oil.csv"), oil).unwrap();
    std::fs::write(
        dir.join("ep.csv"),
        "date,series,value,unit,frequency,source\n2011,y,50,usd_per_barrel,annual,x\n2012,y,25,usd_per_barrel,annual,x\n",
    )
    .unwrap();
    let text = format!(
        r#"[experiment]
name = "oil"
model = "m.toml"

[[episode]]
id = "e"
table = "ep.csv"
origin = 2011.0
exogenous = {{ oil_price = {{ table = "oil.csv", series = "brent", unit = "{unit}" }} }}

[[parameter]]
name = "k"
start = 0.3
lower = 0.0
upper = 1.0

[[mapping]]
series = "y"
variable = "seen"
variable_is = "level"
unit = "usd_per_barrel"
error = {{ kind = "normal", sigma = 1.0 }}

[uncertainty]
profile = false
"#
    );
    let path = dir.join("exp.toml");
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn a_monthly_data_series_drives_a_model_auxiliary() {
    let dir = tempfile::tempdir().unwrap();
    let exp = Experiment::load(&setup(dir.path(), "usd_per_barrel")).unwrap();
    let mut cal = exp.calibration().unwrap();
    // seen = k x oil: annual means 0.5 x 100 and 0.5 x 50 (step data; the last month of the
    // data holds its value to the end of the run). The annual mean integrates the output
    // linearly between saved points, 1/24 year apart, so the drop on 1 January 2012 enters
    // 2011 as a ramp over the last half month: 0.5 x 50 / 2 / 24 = 0.52 below 50.
    let pred = cal.predict(&[0.5]).unwrap().to_vec();
    assert!((pred[0] - (50.0 - 25.0 / 48.0)).abs() < 1e-9, "{pred:?}");
    assert!((pred[1] - 25.0).abs() < 1e-9, "{pred:?}");
    assert!(exp
        .inputs
        .iter()
        .any(|p| p.file_name().is_some_and(|f| f == "oil.csv")));
}

#[test]
fn an_exogenous_series_in_another_unit_is_an_error_at_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let e = Experiment::load(&setup(dir.path(), "usd"))
        .err()
        .unwrap()
        .to_string();
    assert!(e.contains("exp.toml:9:"), "{e}");
    assert!(
        e.contains("gives series `brent` in `usd_per_barrel`"),
        "{e}"
    );
}

/// Two episodes, data for `target` in the first only.
fn two_episodes(dir: &std::path::Path, target: &str) -> std::path::PathBuf {
    let model = format!(
        "{MODEL}\n[constants.rate_data]\nvalue = 2\nunits = \"usd/barrel\"\n\n[aux.rate_seen]\nequation = \"k * rate_data\"\nunits = \"usd/barrel\"\n"
    );
    std::fs::write(dir.join("m.toml"), model).unwrap();
    let mut rate = String::from("date,series,value,unit,frequency,source\n");
    for y in 2011..=2013 {
        rate.push_str(&format!("{y},r,10,usd_per_barrel,annual,x\n"));
        rate.push_str(&format!("{y},y,5,usd_per_barrel,annual,x\n"));
    }
    std::fs::write(dir.join("a.csv"), &rate).unwrap();
    std::fs::write(dir.join("b.csv"), &rate).unwrap();
    let text = format!(
        r#"[experiment]
name = "partial"
model = "m.toml"

[[episode]]
id = "a"
table = "a.csv"
origin = 2011.0
exogenous = {{ {target} = {{ series = "r", unit = "usd_per_barrel" }} }}

[[episode]]
id = "b"
table = "b.csv"
origin = 2011.0

[[parameter]]
name = "k"
start = 0.5
lower = 0.0
upper = 1.0

[[mapping]]
series = "y"
variable = "rate_seen"
variable_is = "level"
unit = "usd_per_barrel"
error = {{ kind = "normal", sigma = 1.0 }}

[uncertainty]
profile = false
"#
    );
    let path = dir.join("exp.toml");
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn a_constant_driven_by_data_in_one_episode_keeps_its_value_in_the_others() {
    let dir = tempfile::tempdir().unwrap();
    let exp = Experiment::load(&two_episodes(dir.path(), "rate_data")).unwrap();
    let mut cal = exp.calibration().unwrap();
    // rate_seen = k x rate: episode a follows the data (10), episode b keeps the model's 2.
    let pred = cal.predict(&[0.5]).unwrap().to_vec();
    assert_eq!(pred.len(), 6, "{pred:?}");
    assert!(pred[..3].iter().all(|v| (v - 5.0).abs() < 1e-9), "{pred:?}");
    assert!(pred[3..].iter().all(|v| (v - 1.0).abs() < 1e-9), "{pred:?}");
}

#[test]
fn an_auxiliary_driven_by_data_in_some_episodes_only_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let e = Experiment::load(&two_episodes(dir.path(), "oil_price"))
        .err()
        .unwrap()
        .to_string();
    assert!(
        e.contains("the auxiliary `oil_price`") && e.contains("every episode needs a series"),
        "{e}"
    );
}
