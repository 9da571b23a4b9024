//! Observation equations end to end on a toy model with closed-form answers: percent growth
//! of annual averages from a log rate, monthly log changes of a level series next to annual
//! series in one objective, shared σ across episodes, and unit or transform mismatches as
//! errors at the experiment file's line and column.

use pressure_calibrate::experiment::{Experiment, RunOptions};
use std::path::Path;

/// ln P grows at the constant rate `g` (log points a year as a fraction); the premium is the
/// fraction `2 g`. Output saved monthly.
const TOY: &str = r#"
[settings]
start = 0.0
stop = 6.0
dt = 0.010416666666666666
save_every = 0.041666666666666664
method = "rk4"
time_units = "year"

[constants.g]
value = 0.1
units = "1/year"

[stocks.ln_p]
initial = "0"
inflows = ["inflation"]
units = "dimensionless"

[flows.inflation]
equation = "g"
units = "1/year"

[aux.premium]
equation = "2 * g"
units = "dimensionless"
"#;

const G: f64 = 0.3;

/// The toy's data at `g`: annual CPI percent change 2011-2014 (origin 2010), the monthly price
/// level (`usd`) for 2011-2012, the monthly premium in percent.
fn table(g: f64, level0: f64) -> String {
    let mut csv = String::from("date,series,value,unit,frequency,source\n");
    for y in 2011..=2014 {
        // Annual mean over annual mean of exp(g t): exactly exp(g).
        csv.push_str(&format!(
            "{y},cpi,{},percent,annual,synthetic\n",
            100.0 * (g.exp() - 1.0)
        ));
    }
    for y in 2011..=2012 {
        for m in 1..=12 {
            // Monthly means of exp(g t) (decimal-year months of the calendar; the log change
            // between consecutive months is g x the distance of their midpoints, so any
            // positive scale level0 works).
            let d = pressure_data::align::ObsDate::parse(
                &format!("{y}-{m:02}"),
                pressure_data::align::Frequency::Monthly,
            )
            .unwrap();
            let (a, b) = d.model_period(2010.0);
            let mean = ((g * b).exp() - (g * a).exp()) / (g * (b - a));
            csv.push_str(&format!(
                "{y}-{m:02},price,{},usd,monthly,synthetic\n",
                level0 * mean
            ));
            csv.push_str(&format!(
                "{y}-{m:02},premium,{},percent,monthly,synthetic\n",
                200.0 * g
            ));
        }
    }
    csv
}

const MAPPINGS: &str = r#"
[[mapping]]
series = "cpi"
variable = "inflation"
variable_is = "log_rate"
aggregate = "mean"
measure = "percent_change"
unit = "percent"
error = { kind = "normal", sigma = 1.0 }

[[mapping]]
series = "price"
variable = "ln_p"
variable_is = "log_level"
aggregate = "mean"
measure = "log_change"
data_is = "level"
unit = "usd"
error = { kind = "normal", sigma = 0.1 }

[[mapping]]
series = "premium"
variable = "premium"
variable_is = "fraction"
unit = "percent"
transform = "log1p"
error = { kind = "normal", sigma = 0.01 }
"#;

fn experiment(dir: &Path, mappings: &str, extra_episode: &str) -> std::path::PathBuf {
    std::fs::write(dir.join("toy.toml"), TOY).unwrap();
    std::fs::write(dir.join("data.csv"), table(G, 7.0)).unwrap();
    let text = format!(
        r#"[experiment]
name = "toy"
model = "toy.toml"

[[episode]]
id = "a"
table = "data.csv"
origin = 2010.0
window = {{ start = "2011", end = "2014" }}
{extra_episode}
[[parameter]]
name = "g"
start = 0.1
lower = 0.0
upper = 1.0
{mappings}
[uncertainty]
profile = false
"#
    );
    let path = dir.join("exp.toml");
    std::fs::write(&path, text).unwrap();
    path
}

fn run(path: &Path) -> pressure_calibrate::experiment::CalibrationReport {
    Experiment::load(path)
        .unwrap()
        .run(&RunOptions {
            seed: 1,
            checkpoint_dir: None,
            resume: false,
            progress: None,
        })
        .unwrap()
}

/// Annual percent growth (100 (e^g - 1) = 34.99 %), monthly log changes of a level series in
/// its own currency units, and a monthly premium compared as ln(1 + premium) in one objective
/// recover g = 0.3 exactly; 100 g (the old "scale = 100" mapping) would have said 0.35.
#[test]
fn mixed_frequencies_and_transforms_recover_the_closed_form() {
    let dir = tempfile::tempdir().unwrap();
    let r = run(&experiment(dir.path(), MAPPINGS, ""));
    assert!(r.estimate.converged, "{}", r.estimate.message);
    assert!((r.estimate.x[0] - G).abs() < 1e-4, "{:?}", r.estimate.x);
    let by = |s: &str| r.fit.iter().find(|f| f.series == s).unwrap();
    let cpi = by("cpi");
    assert_eq!(cpi.observed.len(), 4);
    for m in &cpi.model {
        assert!((m - 34.985_880_757_600_31).abs() < 1e-2, "{m}");
    }
    // 24 months, the first without a previous month in the table: 23 log changes, in log
    // points (the unit of what is compared).
    let price = by("price");
    assert_eq!(price.observed.len(), 23);
    assert_eq!(price.unit, "log_points");
    let premium = by("premium");
    assert_eq!(premium.observed.len(), 24);
    assert!((premium.model[0] - 60.0).abs() < 1e-3);
    // Exact data: the model reproduces every observation (up to the trapezoid rule on output
    // saved every half month).
    for f in [cpi, price, premium] {
        for (o, m) in f.observed.iter().zip(&f.model) {
            assert!((o - m).abs() < 1e-2, "{}: {o} vs {m}", f.series);
        }
    }
}

/// The same series in two episodes with one shared σ: the σ of both is the root mean square
/// of all their residuals together.
#[test]
fn a_sigma_shared_across_episodes_pools_the_residuals() {
    let dir = tempfile::tempdir().unwrap();
    // Episode b: the same data with a perturbed CPI so residuals differ between episodes.
    let b = table(G, 3.0).replace(
        &format!("2012,cpi,{}", 100.0 * (G.exp() - 1.0)),
        &format!("2012,cpi,{}", 100.0 * (G.exp() - 1.0) + 4.0),
    );
    std::fs::write(dir.path().join("b.csv"), b).unwrap();
    let mappings = r#"
[[mapping]]
series = "cpi"
variable = "inflation"
variable_is = "log_rate"
measure = "percent_change"
unit = "percent"
error = { kind = "normal", share_sigma = true }

[[mapping]]
series = "premium"
variable = "premium"
variable_is = "fraction"
unit = "percent"
error = { kind = "normal" }
"#;
    let path = experiment(
        dir.path(),
        mappings,
        "\n[[episode]]\nid = \"b\"\ntable = \"b.csv\"\norigin = 2010.0\nwindow = { start = \"2011\", end = \"2014\" }\n",
    );
    let r = run(&path);
    let cpi: Vec<_> = r.fit.iter().filter(|f| f.series == "cpi").collect();
    assert_eq!(cpi.len(), 2);
    assert_eq!(cpi[0].sigma, cpi[1].sigma);
    let (ssr, n) = cpi.iter().fold((0.0, 0), |(s, n), f| {
        let r: f64 = f
            .observed
            .iter()
            .zip(&f.model)
            .map(|(o, m)| (o - m).powi(2))
            .sum();
        (s + r, n + f.observed.len())
    });
    assert!(
        (cpi[0].sigma - (ssr / n as f64).sqrt()).abs() < 1e-6,
        "{} vs {}",
        cpi[0].sigma,
        (ssr / n as f64).sqrt()
    );
    // The premium keeps one σ per episode.
    let prem: Vec<_> = r.fit.iter().filter(|f| f.series == "premium").collect();
    assert_eq!(prem.len(), 2);
}

/// Line and column (1-based) of the first occurrence of `needle` in `text`.
fn position(text: &str, needle: &str) -> (usize, usize) {
    let at = text.find(needle).unwrap();
    let line = text[..at].matches('\n').count() + 1;
    let col = at - text[..at].rfind('\n').map_or(0, |p| p + 1) + 1;
    (line, col)
}

fn load_error(mappings: &str) -> (String, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = experiment(dir.path(), mappings, "");
    let text = std::fs::read_to_string(&path).unwrap();
    let e = Experiment::load(&path).err().expect("a load error");
    assert!(
        matches!(e, pressure_calibrate::CalibrateError::InvalidInput(_)),
        "{e:?}"
    );
    (e.to_string(), text)
}

fn assert_at(err: &str, text: &str, needle: &str, also: &[&str]) {
    let (line, col) = position(text, needle);
    let at = format!("exp.toml:{line}:{col}:");
    assert!(err.contains(&at), "`{at}` not in: {err}");
    for a in also {
        assert!(err.contains(a), "`{a}` not in: {err}");
    }
}

#[test]
fn a_log_rate_times_100_against_percent_growth_is_an_error_at_its_line() {
    let m = r#"
[[mapping]]
series = "cpi"
variable = "inflation"
variable_is = "log_rate"
scale = 100.0
unit = "percent"
error = { kind = "normal" }
"#;
    let (e, text) = load_error(m);
    assert_at(
        &e,
        &text,
        "\"log_rate\"",
        &[
            "not a percent growth rate",
            "95.9 log points",
            "percent_change",
        ],
    );
}

#[test]
fn a_unit_that_is_not_the_tables_is_an_error_at_its_line() {
    let m = r#"
[[mapping]]
series = "cpi"
variable = "inflation"
variable_is = "log_rate"
measure = "log_change"
unit = "log_points"
error = { kind = "normal" }
"#;
    let (e, text) = load_error(m);
    assert_at(
        &e,
        &text,
        "\"log_points\"",
        &["gives series `cpi` in `percent`"],
    );
}

#[test]
fn a_change_in_the_wrong_unit_and_a_fraction_with_a_wrong_scale_are_errors() {
    let m = r#"
[[mapping]]
series = "premium"
variable = "premium"
variable_is = "fraction"
scale = 1.0
unit = "percent"
error = { kind = "normal" }
"#;
    let (e, text) = load_error(m);
    assert_at(&e, &text, "1.0\nunit", &["needs scale = 100"]);
    let m = r#"
[[mapping]]
series = "price"
variable = "ln_p"
variable_is = "log_level"
measure = "log_change"
unit = "usd"
error = { kind = "normal" }
"#;
    let (e, text) = load_error(m);
    assert_at(
        &e,
        &text,
        "\"usd\"",
        &["is in `log_points`", "data_is = \"level\""],
    );
}

#[test]
fn a_kind_that_contradicts_the_models_units_is_an_error() {
    let m = r#"
[[mapping]]
series = "premium"
variable = "inflation"
variable_is = "fraction"
unit = "percent"
error = { kind = "normal" }
"#;
    let (e, text) = load_error(m);
    assert_at(&e, &text, "\"fraction\"", &["units are `1/year`"]);
}

#[test]
fn a_missing_unit_or_kind_is_an_error() {
    let m = r#"
[[mapping]]
series = "cpi"
variable = "inflation"
variable_is = "log_rate"
measure = "percent_change"
error = { kind = "normal" }
"#;
    let (e, _) = load_error(m);
    assert!(e.contains("missing field `unit`"), "{e}");
    let m = r#"
[[mapping]]
series = "cpi"
variable = "inflation"
measure = "percent_change"
unit = "percent"
error = { kind = "normal" }
"#;
    let (e, _) = load_error(m);
    assert!(e.contains("missing field `variable_is`"), "{e}");
}

/// A data value outside the transform's domain (a premium of -150 %: ln(1 + premium) is not
/// defined) is an error at the transform in the experiment file and names the data file's row
/// and column of the value.
#[test]
fn a_value_outside_the_transforms_domain_names_the_data_row_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let path = experiment(dir.path(), MAPPINGS, "");
    let table = std::fs::read_to_string(dir.path().join("data.csv")).unwrap();
    let mut lines: Vec<String> = table.lines().map(String::from).collect();
    let k = lines
        .iter()
        .position(|l| l.starts_with("2012-03,premium,"))
        .unwrap();
    lines[k] = "2012-03,premium,-150,percent,monthly,synthetic".into();
    std::fs::write(dir.path().join("data.csv"), lines.join("\n") + "\n").unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    let e = Experiment::load(&path)
        .err()
        .expect("a load error")
        .to_string();
    assert_at(
        &e,
        &text,
        "\"log1p\"",
        &[
            "value -150 at 2012-03",
            &format!(
                "data.csv, row {} (header is row 1), column 3 `value`",
                k + 1
            ),
        ],
    );
}
