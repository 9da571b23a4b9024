//! `pressure estimate` end to end: outputs of a small spec (CSV, JSON, LaTeX, manifest), and
//! each bad input exits with code 2, names the problem and writes nothing.

use std::path::PathBuf;
use std::process::{Command, Output};

fn pressure(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pressure"))
        .args(args)
        .output()
        .expect("the pressure binary runs")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).to_string()
}

/// A small panel: 30 units × 8 years, y = 2x − 1·d + unit and year effects + noise (a
/// deterministic hash), clusters by unit.
fn panel_csv() -> String {
    let mut s = String::from("unit,year,y,x,d,group,t0,t1,event\n");
    for u in 0..30 {
        for t in 0..8 {
            let k = (u * 8 + t) as f64;
            let noise = ((k * 12.9898).sin() * 43758.5453).fract() - 0.5;
            let x = ((k * 78.233).sin() * 1234.5).fract();
            let d = if u % 3 == 0 && t >= 4 { 1.0 } else { 0.0 };
            let y = 2.0 * x - d + 0.1 * u as f64 + 0.3 * t as f64 + 0.2 * noise;
            let stop = 1.0 + ((k * 3.7).sin().abs() * 10.0).floor();
            let event = if (u + t) % 3 == 0 { 1 } else { 0 };
            s.push_str(&format!(
                "U{u},{},{y},{x},{d},{},{},{},{}\n",
                2000 + t,
                if u % 2 == 0 { "a" } else { "b" },
                0,
                stop,
                event
            ));
        }
    }
    s
}

struct Case {
    dir: tempfile::TempDir,
}

impl Case {
    fn new(data: &str, spec: &str) -> Case {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("data.csv"), data).unwrap();
        std::fs::write(dir.path().join("spec.toml"), spec).unwrap();
        Case { dir }
    }

    fn spec(&self) -> PathBuf {
        self.dir.path().join("spec.toml")
    }

    fn out(&self) -> PathBuf {
        self.dir.path().join("out")
    }

    fn run(&self) -> Output {
        pressure(&[
            "estimate",
            self.spec().to_str().unwrap(),
            "--out",
            self.out().to_str().unwrap(),
            "--quiet",
        ])
    }

    /// Runs, expects exit code 2, no output folder, and `needle` in the message.
    fn bad(&self, needle: &str) {
        let o = self.run();
        assert_eq!(o.status.code(), Some(2), "stderr: {}", stderr(&o));
        assert!(
            stderr(&o).contains(needle),
            "expected `{needle}` in: {}",
            stderr(&o)
        );
        assert!(!self.out().exists(), "nothing may be written on bad input");
    }
}

const FE_SPEC: &str = r#"
title = "test"
data = "data.csv"
panel = { unit = "unit", time = "year" }

[[model]]
name = "FE"
estimator = "fe"
formula = "y ~ x + d | unit + year"
se = "cluster"
cluster = ["unit"]

[[model]]
name = "OLS"
estimator = "ols"
formula = "y ~ x + d + lag(x, 1)"
se = "hc1"

[[compare]]
model = "FE"
term = "d"
value = -1.0
source = "the data-generating process"
"#;

#[test]
fn writes_tables_json_latex_and_manifest() {
    let case = Case::new(&panel_csv(), FE_SPEC);
    let o = case.run();
    assert_eq!(o.status.code(), Some(0), "stderr: {}", stderr(&o));
    let out = case.out();
    for f in [
        "coefficients.csv",
        "coefficients.json",
        "results.json",
        "table.tex",
        "comparison.csv",
        "manifest.json",
    ] {
        assert!(out.join(f).exists(), "{f} missing");
    }
    let csv = std::fs::read_to_string(out.join("coefficients.csv")).unwrap();
    assert!(csv.starts_with("model,term,estimate,std_error,statistic,p_value,ci_lower,ci_upper\n"));
    let d_row = csv.lines().find(|l| l.starts_with("FE,d,")).unwrap();
    let est: f64 = d_row.split(',').nth(2).unwrap().parse().unwrap();
    assert!((est + 1.0).abs() < 0.1, "FE estimate of d: {est}");
    // a term with a comma is quoted
    assert!(csv.lines().any(|l| l.starts_with("OLS,\"lag(x,1)\",")));
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("coefficients.json")).unwrap())
            .unwrap();
    assert_eq!(json.as_array().unwrap().len(), csv.lines().count() - 1);
    let tex = std::fs::read_to_string(out.join("table.tex")).unwrap();
    assert!(tex.contains("\\toprule") && tex.contains("\\bottomrule"));
    assert!(tex.contains("Observations"));
    assert!(tex.contains("(0."), "standard errors in parentheses");
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("manifest.json")).unwrap()).unwrap();
    let inputs = manifest["inputs"].as_array().unwrap();
    assert_eq!(inputs.len(), 2, "spec and data file");
    assert_eq!(inputs[0]["sha256"].as_str().unwrap().len(), 64);
    let cmp = std::fs::read_to_string(out.join("comparison.csv")).unwrap();
    assert!(cmp.lines().nth(1).unwrap().contains(",true,"), "{cmp}");
}

#[test]
fn unknown_column_is_named_with_a_suggestion() {
    let spec = FE_SPEC.replace("y ~ x + d | unit + year", "y ~ x + dd | unit + year");
    Case::new(&panel_csv(), &spec).bad("unknown column `dd` (did you mean `d`?)");
}

#[test]
fn non_numeric_cell_names_file_row_and_column() {
    let data = panel_csv().replacen("U0,2001,", "U0,2001,oops_", 1);
    // the third data record (row 3 counting the header as row 1) now has y = "oops_…"
    let case = Case::new(&data, FE_SPEC);
    let o = case.run();
    assert_eq!(o.status.code(), Some(2));
    let e = stderr(&o);
    assert!(
        e.contains("data.csv") && e.contains("row 3") && e.contains("`y`"),
        "{e}"
    );
    assert!(e.contains("is not"), "{e}");
    assert!(!case.out().exists());
}

#[test]
fn perfect_collinearity_is_refused_when_asked_and_named() {
    let data = panel_csv();
    // x2 = 2x: collinear with x
    let with_x2: String = data
        .lines()
        .enumerate()
        .map(|(i, l)| {
            if i == 0 {
                format!("{l},x2\n")
            } else {
                let x: f64 = l.split(',').nth(3).unwrap().parse().unwrap();
                format!("{l},{}\n", 2.0 * x)
            }
        })
        .collect();
    let spec = r#"
data = "data.csv"
[[model]]
estimator = "ols"
formula = "y ~ x + x2"
drop_collinear = false
"#;
    Case::new(&with_x2, spec).bad("perfect collinearity: x2 is a linear combination");
    // allowed by default: dropped and reported
    let spec_drop = spec.replace("drop_collinear = false\n", "");
    let case = Case::new(&with_x2, &spec_drop);
    let o = case.run();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let results = std::fs::read_to_string(case.out().join("results.json")).unwrap();
    let v: serde_json::Value = serde_json::from_str(&results).unwrap();
    assert_eq!(v["models"][0]["dropped"][0], "x2");
    let tex = std::fs::read_to_string(case.out().join("table.tex")).unwrap();
    assert!(tex.contains("dropped (collinear or absorbed): x2"));
}

#[test]
fn a_cluster_variable_with_one_cluster_is_refused() {
    let spec = r#"
data = "data.csv"
filter = "unit == 'U3'"
[[model]]
estimator = "ols"
formula = "y ~ x"
se = "cluster"
cluster = ["unit"]
"#;
    Case::new(&panel_csv(), spec).bad("cluster variable `unit` has only one cluster");
}

#[test]
fn empty_sample_after_filter_is_refused() {
    let spec = r#"
data = "data.csv"
filter = "year > 3000"
[[model]]
estimator = "ols"
formula = "y ~ x"
"#;
    Case::new(&panel_csv(), spec).bad("empty sample");
}

#[test]
fn survival_spell_ending_before_start_names_the_row() {
    let data = panel_csv();
    // make the 5th data record's spell end before it starts: t0 = 50 > t1
    let mut lines: Vec<String> = data.lines().map(String::from).collect();
    let mut f: Vec<String> = lines[5].split(',').map(String::from).collect();
    f[6] = "50".into();
    lines[5] = f.join(",");
    let data = lines.join("\n") + "\n";
    let spec = r#"
data = "data.csv"
[[model]]
estimator = "cox"
formula = "Surv(t0, t1, event) ~ x"
"#;
    Case::new(&data, spec).bad("row 6 (header is row 1): survival spell ends at");
}

#[test]
fn malformed_spec_points_at_the_line() {
    let spec = "data = \"data.csv\"\n[[model]]\nestimator = \"olsx\"\nformula = \"y ~ x\"\n";
    Case::new(&panel_csv(), spec).bad("line 3");
}

#[test]
fn survival_and_event_study_specs_run() {
    let spec = r#"
data = "data.csv"
panel = { unit = "unit", time = "year" }

[[model]]
name = "KM"
estimator = "km"
formula = "Surv(t1, event) ~ 1"
by = "group"

[[model]]
name = "Cox"
estimator = "cox"
formula = "Surv(t0, t1, event) ~ x"
se = "cluster"
cluster = ["unit"]

[[model]]
name = "ES"
estimator = "event_study"
formula = "y ~ x"
treatment = "d"
method = "sun_abraham"
"#;
    let case = Case::new(&panel_csv(), spec);
    let o = case.run();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(case.out().join("km_survival.csv").exists());
    let es = std::fs::read_to_string(case.out().join("es_event_study.csv")).unwrap();
    // cohort 2004, years 2000–2007: relative times −4…3 without −1
    assert_eq!(es.lines().count(), 1 + 7);
    let row0 = es.lines().find(|l| l.starts_with("0,")).unwrap();
    let b: f64 = row0.split(',').nth(1).unwrap().parse().unwrap();
    assert!((b + 1.0).abs() < 0.2, "event-time 0 effect {b}");
}

#[test]
fn local_projection_var_synth_and_logit_specs_run() {
    let spec = r#"
data = "data.csv"
panel = { unit = "unit", time = "year" }
seed = 11

[[model]]
name = "LP"
estimator = "lp"
formula = "y ~ x"
shock = "d"
horizons = 2
lags = 1

[[model]]
name = "VAR"
estimator = "var"
filter = "unit == 'U0'"
variables = ["y", "x"]
lags = 1
irf_horizon = 3
bootstrap = 50

[[model]]
name = "Synth"
estimator = "synth"
formula = "y ~ 1"
treated = "U0"
treatment_time = 2004

[[model]]
name = "Logit"
estimator = "logit"
formula = "event ~ x"
se = "robust"
"#;
    let case = Case::new(&panel_csv(), spec);
    let o = case.run();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = case.out();
    let irf = std::fs::read_to_string(out.join("lp_irf.csv")).unwrap();
    assert_eq!(irf.lines().count(), 1 + 3);
    let var_irf = std::fs::read_to_string(out.join("var_var_irf.csv")).unwrap();
    // 4 horizons × 2 responses × 2 impulses, with bootstrap bands filled in
    assert_eq!(var_irf.lines().count(), 1 + 16);
    assert!(var_irf
        .lines()
        .nth(1)
        .unwrap()
        .split(',')
        .nth(4)
        .is_some_and(|b| !b.is_empty()));
    let weights = std::fs::read_to_string(out.join("synth_synth_weights.csv")).unwrap();
    let total: f64 = weights
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(1).unwrap().parse::<f64>().unwrap())
        .sum();
    assert!((total - 1.0).abs() < 1e-9);
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["seed"], 11);
    // the bootstrap is reproducible: a second run writes identical bands
    let first = var_irf.clone();
    std::fs::remove_dir_all(&out).unwrap();
    assert_eq!(case.run().status.code(), Some(0));
    assert_eq!(
        std::fs::read_to_string(out.join("var_var_irf.csv")).unwrap(),
        first
    );
}

#[test]
fn var_on_a_panel_without_unit_filter_is_refused() {
    let spec = r#"
data = "data.csv"
panel = { unit = "unit", time = "year" }
[[model]]
estimator = "var"
variables = ["y", "x"]
lags = 1
"#;
    Case::new(&panel_csv(), spec).bad("one unit");
}

/// `priors.json` is written with the estimates and covariance of each model, and `--priors
/// FILE` writes the same table where calibration experiments expect it.
#[test]
fn writes_the_prior_table_and_a_copy_with_priors() {
    let case = Case::new(&panel_csv(), FE_SPEC);
    let copy = case.dir.path().join("priors").join("fe.json");
    std::fs::create_dir_all(copy.parent().unwrap()).unwrap();
    let o = pressure(&[
        "estimate",
        case.spec().to_str().unwrap(),
        "--out",
        case.out().to_str().unwrap(),
        "--priors",
        copy.to_str().unwrap(),
        "--quiet",
    ]);
    assert_eq!(o.status.code(), Some(0), "stderr: {}", stderr(&o));
    let written = std::fs::read_to_string(case.out().join("priors.json")).unwrap();
    assert_eq!(written, std::fs::read_to_string(&copy).unwrap());
    let table = pressure::data::priors::PriorTable::load(&copy).unwrap();
    assert_eq!(table.format, "pressure-estimate-priors/1");
    let m = table.model("FE").unwrap();
    assert_eq!(m.estimator, "fe");
    assert_eq!(m.dependent, "y");
    assert_eq!(m.nobs, 240);
    assert_eq!(m.n_units, Some(30));
    let (est, se) = table.term("FE", "d").unwrap();
    let j = m.terms.iter().position(|t| t == "d").unwrap();
    assert!((se * se - m.vcov[j][j]).abs() <= 1e-12 * m.vcov[j][j]);
    assert!((est + 1.0).abs() < 0.2, "d = {est}");
    let e = table.term("FE", "nope").unwrap_err().to_string();
    assert!(e.contains("model `FE` has no estimate of `nope`"), "{e}");
}
