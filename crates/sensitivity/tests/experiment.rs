//! Experiments on a real model through the library (the CLI tests cover the command line).

use pressure_sensitivity::experiment::{
    Experiment, Outcome, Prepared, Report, ResultSet, RunOptions,
};
use std::path::{Path, PathBuf};

/// Runs a prepared experiment whole (no shard) with `seed`.
fn run_whole(prepared: &Prepared, seed: u64) -> Result<Report, String> {
    let options = RunOptions {
        seed,
        shard: None,
        progress: None,
    };
    match prepared.run(&options).map_err(|e| e.to_string())? {
        Outcome::Complete(report) => Ok(report),
        Outcome::Partial(_) => unreachable!("no shard was asked for"),
    }
}

fn sir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../models/examples/sir.toml")
}

fn experiment(dir: &Path, extra_header: &str, body: &str) -> Experiment {
    let text = format!(
        "[experiment]\nmodel = {:?}\nuse_model_ranges = true\n{extra_header}\n{body}",
        sir().display().to_string()
    );
    let path = dir.join("e.toml");
    std::fs::write(&path, &text).unwrap();
    Experiment::load(&path).unwrap()
}

const OAT: &str = r#"
[method]
kind = "oat"

[[outputs]]
name = "peak_first_40_days"
variable = "infectious"
statistic = "peak"
from = 0
to = 40

[[outputs]]
variable = "recovered"
statistic = "value_at"
time = 33.3
"#;

fn oat_outputs(e: &Experiment) -> Vec<f64> {
    match run_whole(&e.prepare().unwrap(), 0).unwrap().results {
        ResultSet::Oat(o) => o
            .swings
            .iter()
            .flat_map(|s| s.iter().flat_map(|w| [w.output_at_low, w.output_at_high]))
            .chain(o.base_outputs)
            .collect(),
        _ => unreachable!(),
    }
}

#[test]
fn stopping_at_the_last_output_changes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let full = experiment(tmp.path(), "", OAT);
    let short = experiment(tmp.path(), "run_until_last_output = true", OAT);
    let p = short.prepare().unwrap();
    // Last output time 40 is on the save grid (every 0.03125 day) of the Euler run.
    assert_eq!(p.settings.stop, 40.0);
    assert_eq!(full.prepare().unwrap().settings.stop, 100.0);
    let (a, b) = (oat_outputs(&full), oat_outputs(&short));
    assert_eq!(a.len(), 2 * 2 * 2 + 2);
    assert_eq!(a, b);
}

#[test]
fn the_experiment_sets_its_own_time_step() {
    let tmp = tempfile::tempdir().unwrap();
    let model_dt = experiment(tmp.path(), "", OAT);
    assert_eq!(model_dt.prepare().unwrap().settings.dt, 0.03125);
    let coarse = experiment(tmp.path(), "dt = 0.0625", OAT);
    let p = coarse.prepare().unwrap();
    assert_eq!(p.settings.dt, 0.0625);
    // The SIR model saves every dt, so the save interval follows.
    assert_eq!(p.settings.save_every, 0.0625);
    // Euler's error is first order: doubling dt moves every output a little, none a lot.
    let (fine, coarse) = (oat_outputs(&model_dt), oat_outputs(&coarse));
    assert_eq!(fine.len(), coarse.len());
    let rel: Vec<f64> = fine
        .iter()
        .zip(&coarse)
        .map(|(a, b)| ((a - b) / a).abs())
        .collect();
    assert!(rel.iter().all(|&r| r < 0.05), "{rel:?}");
    assert!(rel.iter().any(|&r| r > 1e-6), "dt was not applied: {rel:?}");
    // A step that does not divide the run gets the settings check's message, at `dt`.
    for (dt, message) in [
        ("0.3", "is not a whole multiple of dt"),
        ("-1", "dt must be greater than 0"),
    ] {
        let e = experiment(tmp.path(), &format!("dt = {dt}"), OAT);
        let err = e.prepare().err().unwrap().to_string();
        assert!(err.contains(message) && err.contains("e.toml:4:"), "{err}");
    }
}

#[test]
fn exclusions_select_the_varied_parameters() {
    let tmp = tempfile::tempdir().unwrap();
    let e = experiment(tmp.path(), "exclude = [\"dur*\"]", OAT);
    let names: Vec<String> = e
        .prepare()
        .unwrap()
        .spec
        .parameters
        .iter()
        .map(|p| p.name.clone())
        .collect();
    assert_eq!(names, ["contact_infectivity"]);
    let e = experiment(tmp.path(), "exclude = [\"duraton\"]", OAT);
    let err = e.prepare().err().unwrap().to_string();
    assert!(
        err.contains("`duraton` matches no parameter") && err.contains("did you mean `duration`"),
        "{err}"
    );
    let e = experiment(tmp.path(), "exclude_source = [\"SDXorg\"]", OAT);
    let err = e.prepare().err().unwrap().to_string();
    assert!(err.contains("varies no parameter"), "{err}");
}

/// x(t) = b + a·t with a, b ~ U(0, 1): an additive model whose Sobol' indices at time t are
/// S1_a = ST_a = t²/(t² + 1) and S1_b = ST_b = 1/(t² + 1).
const RAMP: &str = r#"
[settings]
stop = 4
dt = 0.25
method = "euler"

[stocks.x]
initial = "b"
inflows = ["growth"]

[flows.growth]
equation = "a"

[constants.a]
value = 0.5
range = [0, 1]

[constants.b]
value = 0.5
range = [0, 1]
"#;

#[test]
fn indices_over_time_follow_the_analytic_values() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("ramp.toml"), RAMP).unwrap();
    let path = tmp.path().join("e.toml");
    std::fs::write(
        &path,
        "[experiment]\nmodel = \"ramp.toml\"\nuse_model_ranges = true\n\n\
         [method]\nkind = \"sobol\"\nn = 4096\nbootstrap = 0\n\n\
         [[outputs]]\nname = \"x_at_2\"\nvariable = \"x\"\nstatistic = \"value_at\"\ntime = 2\n\n\
         [[series]]\nvariable = \"x\"\nfrom = 0\nto = 3\nevery = 1\n",
    )
    .unwrap();
    let prepared = Experiment::load(&path).unwrap().prepare().unwrap();
    let report = run_whole(&prepared, 11).unwrap();
    let ResultSet::Sobol(cols) = &report.results else {
        unreachable!()
    };
    let names: Vec<&str> = report
        .spec
        .parameters
        .iter()
        .map(|p| p.name.as_str())
        .collect();
    assert_eq!(names, ["a", "b"]);
    let times: Vec<Option<f64>> = report.spec.columns.iter().map(|c| c.time).collect();
    assert_eq!(times, [None, Some(0.0), Some(1.0), Some(2.0), Some(3.0)]);
    let mut worst: f64 = 0.0;
    for (col, ind) in report.spec.columns.iter().zip(cols) {
        let t = col.time.unwrap_or(2.0);
        let share_a = t * t / (t * t + 1.0);
        for (j, want) in [share_a, 1.0 - share_a].into_iter().enumerate() {
            for got in [ind.first[j].value, ind.total[j].value] {
                worst = worst.max((got - want).abs());
            }
        }
    }
    println!("time-resolved Sobol' indices of b + a t: max |error| = {worst:.2e}");
    assert!(worst < 0.02, "max error {worst}");

    // The time-resolved file: one variable over time, as `pressure plot indices-time` reads it.
    let files = report.files();
    let text = |name: &str| {
        String::from_utf8(files.iter().find(|(n, _)| n == name).unwrap().1.clone()).unwrap()
    };
    let over_time = text("sobol_indices_time.csv");
    let rows: Vec<Vec<&str>> = over_time.lines().map(|l| l.split(',').collect()).collect();
    assert_eq!(
        rows[0][..4],
        ["variable", "output", "time", "parameter"],
        "{over_time}"
    );
    assert_eq!(rows.len(), 1 + 4 * 2);
    let keys: Vec<(&str, &str, &str)> = rows[1..].iter().map(|r| (r[0], r[2], r[3])).collect();
    assert_eq!(
        keys[..4],
        [
            ("x", "0", "a"),
            ("x", "0", "b"),
            ("x", "1", "a"),
            ("x", "1", "b")
        ]
    );
    let main = text("sobol_indices.csv");
    assert!(
        main.starts_with("output,variable,time,parameter,S1,"),
        "{main}"
    );
    assert!(main.contains("\nx_at_2,x,,a,"), "{main}");
}

/// `RAMP` with a third parameter in the initial level: x(t) = b + c + a·t; `below` = x - 3
/// is negative for some parameter values (for the transforms' domain errors).
fn ramp3() -> String {
    RAMP.replace("initial = \"b\"", "initial = \"b + c\"")
        + "\n[constants.c]\nvalue = 0.5\nrange = [0, 1]\n\n[aux.below]\nequation = \"x - 3\"\n"
}

const GROUPED_SOBOL: &str = "[method]\nkind = \"sobol\"\nn = 4096\nbootstrap = 0\n\n\
    [[outputs]]\nname = \"x_at_2\"\nvariable = \"x\"\nstatistic = \"value_at\"\ntime = 2\n\n";

/// An experiment on `ramp3()`: `method` (with its outputs) and `groups` sections.
fn ramp3_experiment(dir: &Path, method: &str, groups: &str) -> Experiment {
    std::fs::write(dir.join("ramp3.toml"), ramp3()).unwrap();
    let path = dir.join("e.toml");
    std::fs::write(
        &path,
        format!(
            "[experiment]\nmodel = \"ramp3.toml\"\nuse_model_ranges = true\n\n{method}{groups}"
        ),
    )
    .unwrap();
    Experiment::load(&path).unwrap()
}

/// x(2) = b + c + 2a with a, b, c ~ U(0, 1): variance 4/12 from the slope a, 2/12 from the
/// level {b, c}, so the groups' first-order and total indices are 2/3 and 1/3.
#[test]
fn grouped_sobol_indices_belong_to_the_groups() {
    let tmp = tempfile::tempdir().unwrap();
    let groups = "[[groups]]\nname = \"slope\"\nparameters = [\"a\"]\n\n\
                  [[groups]]\nname = \"level\"\nparameters = [\"*\"]\n";
    let prepared = ramp3_experiment(tmp.path(), GROUPED_SOBOL, groups)
        .prepare()
        .unwrap();
    assert_eq!(prepared.spec.factor_names(), ["slope", "level"]);
    assert_eq!(prepared.planned_runs(None).unwrap(), 4096 * (2 + 2));
    let report = run_whole(&prepared, 5).unwrap();
    let ResultSet::Sobol(cols) = &report.results else {
        unreachable!()
    };
    for (g, want) in [2.0 / 3.0, 1.0 / 3.0].into_iter().enumerate() {
        for got in [cols[0].first[g].value, cols[0].total[g].value] {
            assert!((got - want).abs() < 0.02, "group {g}: {got} vs {want}");
        }
    }
    let files = report.files();
    let csv = &files.iter().find(|f| f.0 == "sobol_indices.csv").unwrap().1;
    let csv = String::from_utf8(csv.clone()).unwrap();
    let factors: Vec<&str> = csv
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(3).unwrap())
        .collect();
    assert_eq!(factors, ["slope", "level"]);
    let json = &files
        .iter()
        .find(|f| f.0 == "sobol_indices.json")
        .unwrap()
        .1;
    let json: serde_json::Value = serde_json::from_slice(json).unwrap();
    assert_eq!(json["groups"][1]["name"], "level");
    assert_eq!(
        json["groups"][1]["parameters"],
        serde_json::json!(["b", "c"])
    );
}

#[test]
fn bad_groups_are_reported_at_the_entry() {
    let tmp = tempfile::tempdir().unwrap();
    let cases = [
        (
            GROUPED_SOBOL,
            "[[groups]]\nname = \"slope\"\nparameters = [\"a\"]\n",
            "varied parameter `b` is in no group",
        ),
        (
            GROUPED_SOBOL,
            "[[groups]]\nname = \"all\"\nparameters = [\"*\"]\n[[groups]]\nname = \"slope\"\nparameters = [\"a\"]\n",
            "group `slope` matches no varied parameter",
        ),
        (
            GROUPED_SOBOL,
            "[[groups]]\nname = \"g\"\nparameters = [\"a\"]\n[[groups]]\nname = \"g\"\nparameters = [\"*\"]\n",
            "two groups are named `g`",
        ),
        (
            "[method]\nkind = \"morris\"\nn = 10\n\n[[outputs]]\nvariable = \"x\"\nstatistic = \"value_at\"\ntime = 2\n\n",
            "[[groups]]\nname = \"all\"\nparameters = [\"*\"]\n",
            "[[groups]] apply to Sobol' indices, not to method `morris`",
        ),
    ];
    for (method, groups, message) in cases {
        let err = ramp3_experiment(tmp.path(), method, groups)
            .prepare()
            .err()
            .unwrap()
            .to_string();
        assert!(err.contains(message) && err.contains("e.toml:"), "{err}");
    }
}

fn saved_outputs(e: &Experiment) -> Vec<f64> {
    let prepared = e.prepare().unwrap();
    let report = run_whole(&prepared, 2).unwrap();
    report.runs.unwrap().outputs
}

/// `transform = "log"` / `"log1p"` give ln y / ln(1 + y) of the statistic, run by run, with
/// the units saying so; an unknown transform and a value outside the domain are errors.
#[test]
fn output_transforms_apply_to_each_run() {
    let tmp = tempfile::tempdir().unwrap();
    let method = "[method]\nkind = \"montecarlo\"\nn = 64\nsave_sample = true\n\n";
    let output = |transform: &str| {
        format!("{method}[[outputs]]\nname = \"y\"\nvariable = \"x\"\nstatistic = \"value_at\"\ntime = 2\n{transform}\n")
    };
    let plain = saved_outputs(&ramp3_experiment(tmp.path(), &output(""), ""));
    for (t, f) in [("log", f64::ln as fn(f64) -> f64), ("log1p", f64::ln_1p)] {
        let e = ramp3_experiment(tmp.path(), &output(&format!("transform = \"{t}\"")), "");
        assert_eq!(
            e.prepare().unwrap().spec.columns[0].units.as_deref(),
            Some(if t == "log" {
                "ln of dimensionless"
            } else {
                "ln(1 + x), x in dimensionless"
            })
        );
        let transformed = saved_outputs(&e);
        assert_eq!(transformed.len(), 64);
        for (y, z) in plain.iter().zip(&transformed) {
            assert_eq!(f(*y), *z);
        }
    }
    let err = ramp3_experiment(tmp.path(), &output("transform = \"sqrt\""), "")
        .prepare()
        .err()
        .unwrap()
        .to_string();
    assert!(
        err.contains("unknown transform `sqrt`") && err.contains("e.toml:"),
        "{err}"
    );
    // x(2) - 3 is negative for some draws: the log of it fails that run, naming the output.
    let shifted = output("transform = \"log\"").replace("variable = \"x\"", "variable = \"below\"");
    let prepared = ramp3_experiment(tmp.path(), &shifted, "")
        .prepare()
        .unwrap();
    let err = run_whole(&prepared, 2).err().unwrap();
    assert!(
        err.contains("output `y`") && err.contains("needs a value > 0"),
        "{err}"
    );
}

/// Harvested logistic growth started at its steady state (`initialise = "steady"` in the
/// model): x* = K/2 (1 + sqrt(1 - 4h / (r K))) while the harvest h is at most r K / 4 = 25,
/// no steady state above. A Monte Carlo study over h starts every run at its own equilibrium
/// (the output at time 0 is the analytic value), drops the runs without one with a message
/// naming the stock, and gives the same numbers on one thread or three.
#[test]
fn runs_start_at_their_own_steady_state_and_failures_name_the_stock() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(
        tmp.path().join("harvest.toml"),
        r#"
[settings]
stop = 10
dt = 0.25
method = "rk4"
initialise = "steady"
[stocks.fish]
initial = "capacity"
inflows = ["growth"]
outflows = ["catch"]
[flows.growth]
equation = "r * fish * (1 - fish / capacity)"
[flows.catch]
equation = "harvest"
[constants.r]
value = 1
[constants.capacity]
value = 100
[constants.harvest]
value = 10
range = [0, 40]
"#,
    )
    .unwrap();
    let path = tmp.path().join("e.toml");
    std::fs::write(
        &path,
        "[experiment]\nmodel = \"harvest.toml\"\nuse_model_ranges = true\n\n[method]\nkind = \"montecarlo\"\nn = 48\nsave_sample = true\nfailed_runs = \"drop\"\n\n[[outputs]]\nname = \"start\"\nvariable = \"fish\"\nstatistic = \"value_at\"\ntime = 0\n\n[[outputs]]\nname = \"end\"\nvariable = \"fish\"\nstatistic = \"value_at\"\ntime = 10\n",
    )
    .unwrap();
    let prepared = Experiment::load(&path).unwrap().prepare().unwrap();
    let run = |threads: usize| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| run_whole(&prepared, 11).unwrap())
    };
    let report = run(1);
    let runs = report.runs.as_ref().unwrap();
    assert!(
        report.failures.count > 5 && report.failures.count < 43,
        "{}",
        report.failures.count
    );
    assert_eq!(runs.ids.len() + report.failures.count, 48);
    for (k, h) in runs.values.iter().enumerate() {
        assert!(*h <= 25.0 + 1e-9, "run with harvest {h} kept");
        let want = 50.0 * (1.0 + (1.0 - 4.0 * h / 100.0).sqrt());
        let (start, end) = (runs.outputs[2 * k], runs.outputs[2 * k + 1]);
        assert!(
            (start - want).abs() <= 1e-8 * want,
            "h = {h}: {start} vs {want}"
        );
        assert!(
            (end - start).abs() <= 1e-7 * want,
            "h = {h}: drifted from {start} to {end}"
        );
    }
    for f in &report.failures.listed {
        assert!(
            f.message.contains("no steady state found") && f.message.contains("fish"),
            "{}",
            f.message
        );
    }
    let again = run(3);
    assert_eq!(again.runs.as_ref().unwrap().outputs, runs.outputs);
    assert_eq!(again.failures, report.failures);
    // The scalar interpreter and the batch backend (eight runs at once, each lane's steady
    // state solved by the scalar solver) give the same numbers bit for bit and drop the same
    // runs with the same messages.
    for backend in [
        pressure_sim::Backend::Interpreter,
        pressure_sim::Backend::Batch,
    ] {
        let mut prepared = Experiment::load(&path).unwrap().prepare().unwrap();
        prepared.settings.backend = backend;
        assert_eq!(
            pressure_sim::uses_batch_backend(&prepared.compiled, &prepared.settings, 48, 8),
            backend == pressure_sim::Backend::Batch
        );
        let other = run_whole(&prepared, 11).unwrap();
        let got = &other.runs.as_ref().unwrap().outputs;
        assert_eq!(got.len(), runs.outputs.len(), "{backend:?}");
        for (a, b) in got.iter().zip(&runs.outputs) {
            assert_eq!(a.to_bits(), b.to_bits(), "{backend:?}");
        }
        assert_eq!(other.failures, report.failures, "{backend:?}");
    }
}
