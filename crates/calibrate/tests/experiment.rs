//! Calibration experiments end to end on the logistic test model (synthetic data with known
//! truth), and one test per kind of bad input.

// Parameters are checked index by index against several parallel arrays (truth, estimate,
// standard errors, intervals).
#![allow(clippy::needless_range_loop)]

use pressure_calibrate::experiment::recovery::{recovery_study, RecoveryOptions};
use pressure_calibrate::experiment::{Experiment, RunOptions};
use std::path::PathBuf;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn example() -> PathBuf {
    repo().join("experiments/calibrate/logistic_synthetic.toml")
}

const TRUTH: [f64; 3] = [0.45, 800.0, 40.0];

#[test]
fn logistic_example_recovers_the_truth_with_every_kind_of_interval() {
    let mut exp = Experiment::load(&example()).unwrap();
    exp.spec.uncertainty.bootstrap = 20;
    exp.spec.uncertainty.mcmc.as_mut().unwrap().iterations = 1500;
    let report = exp
        .run(&RunOptions {
            seed: 3,
            checkpoint_dir: None,
            resume: false,
            progress: None,
        })
        .unwrap();
    assert!(report.estimate.converged, "{}", report.estimate.message);
    assert_eq!(
        report.parameters,
        ["growth_rate", "carrying_capacity", "initial_population"]
    );
    assert_eq!(report.multistart.starts, 9);
    assert!(
        report.multistart.reached_best >= 5,
        "{:?}",
        report.multistart
    );
    let cov = report.covariance.as_ref().unwrap();
    for j in 0..3 {
        let x = report.estimate.x[j];
        // Within 4 standard errors of the truth, and every interval contains the estimate.
        assert!(
            (x - TRUTH[j]).abs() < 4.0 * cov.se[j],
            "{j}: {x} vs {} (se {})",
            TRUTH[j],
            cov.se[j]
        );
        let p = &report.profiles[j];
        assert!(p.identified(), "{:?}", p.notes);
        assert!(p.lower.unwrap() < x && x < p.upper.unwrap());
        let b = report.bootstrap.as_ref().unwrap();
        assert!(b.interval[j].0 < x && x < b.interval[j].1);
        assert!(report.identified(j));
    }
    let mcmc = report.mcmc.as_ref().unwrap();
    assert!(mcmc.max_rhat < 1.1, "R-hat {}", mcmc.max_rhat);
    // Fit statistics: population fits well and its error is unsystematic.
    let pop = report
        .fit
        .iter()
        .find(|f| f.series == "population")
        .unwrap();
    let s = pop.stats.as_ref().unwrap();
    assert!(s.r2 > 0.98 && s.theil_u < 0.05, "{s:?}");
    assert!(s.theil_uc > 0.5, "{s:?}");
    assert!((pop.sigma - 0.05).abs() < 0.03, "σ̂ {}", pop.sigma);
    // Output files render.
    assert!(report.params_csv().lines().count() == 4);
    assert_eq!(report.fit_csv().lines().count(), 1 + 19 * 2);
    assert_eq!(report.draws_csv().unwrap().lines().count(), 1 + 4 * 750);
    let stats = report.stats_json();
    assert_eq!(stats["multistart"]["starts"], 9);
    assert!(stats["fit"][0]["theil_um"].is_number());
}

#[test]
fn killed_run_resumes_to_the_same_result() {
    let mut exp = Experiment::load(&example()).unwrap();
    exp.spec.uncertainty.bootstrap = 12;
    exp.spec.uncertainty.mcmc = None;
    let dir = tempfile::tempdir().unwrap();
    let cp = dir.path().join("checkpoint");
    let uninterrupted = exp
        .run(&RunOptions {
            seed: 5,
            checkpoint_dir: None,
            resume: false,
            progress: None,
        })
        .unwrap();
    // Kill the run from the progress callback once the bootstrap has started (a panic
    // unwinding out of `run`, as a killed process would stop).
    let killer = |p: pressure_calibrate::experiment::RunProgress| {
        if p.stage == "bootstrap" && p.done >= 6 {
            panic!("simulated kill");
        }
    };
    let killed = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        exp.run(&RunOptions {
            seed: 5,
            checkpoint_dir: Some(cp.clone()),
            resume: false,
            progress: Some(&killer),
        })
    }));
    assert!(killed.is_err(), "the run should have been killed");
    assert!(cp.join("multistart.json").exists() && cp.join("profile.json").exists());
    let resumed = exp
        .run(&RunOptions {
            seed: 5,
            checkpoint_dir: Some(cp.clone()),
            resume: true,
            progress: None,
        })
        .unwrap();
    assert_eq!(resumed.params_csv(), uninterrupted.params_csv());
    assert_eq!(resumed.fit_csv(), uninterrupted.fit_csv());
    assert_eq!(resumed.estimate, uninterrupted.estimate);
    assert!(
        !cp.join("multistart.json").exists(),
        "checkpoints are removed after a finished run"
    );
}

#[test]
fn parameter_recovery_intervals_cover_the_truth() {
    let exp = Experiment::load(&example()).unwrap();
    let opts = RecoveryOptions {
        replications: 50,
        seed: 11,
        profile: true,
        ..Default::default()
    };
    // σ of the two series as generated: 0.05 (log scale) and 5 persons.
    let r = recovery_study(&exp, &TRUTH, &[0.05, 5.0], &opts).unwrap();
    assert_eq!(
        r.successes,
        50,
        "{:?}",
        r.replications
            .iter()
            .filter_map(|x| x.error.clone())
            .collect::<Vec<_>>()
    );
    println!(
        "Wald coverage {:?}, profile coverage {:?}, relative bias {:?}",
        r.wald_coverage, r.profile_coverage, r.relative_bias
    );
    // 95% nominal; with 50 replications the binomial 3-sigma band is about ±9 points.
    for j in 0..3 {
        assert!(
            r.wald_coverage[j] >= 0.84,
            "Wald coverage {:?}",
            r.wald_coverage
        );
        assert!(
            r.profile_coverage[j] >= 0.84,
            "profile coverage {:?}",
            r.profile_coverage
        );
        assert!(
            r.relative_bias[j].abs() < 0.05,
            "bias {:?}",
            r.relative_bias
        );
    }
}

/// A checkpoint must not resume a run whose model changed in any file: the fingerprint covers
/// the model's module files, not only its root file (a changed module used to be accepted).
#[test]
fn a_changed_model_module_changes_the_checkpoint_fingerprint() {
    let dir = tempfile::tempdir().unwrap();
    let models = dir.path().join("models");
    std::fs::create_dir(&models).unwrap();
    for entry in std::fs::read_dir(repo().join("models")).unwrap() {
        let p = entry.unwrap().path();
        if p.extension().is_some_and(|e| e == "toml") {
            std::fs::copy(&p, models.join(p.file_name().unwrap())).unwrap();
        }
    }
    let episodes = repo().join("data/episodes");
    let text = std::fs::read_to_string(coupled())
        .unwrap()
        .replace("../../models/sanctions.toml", "models/sanctions.toml")
        .replace(
            "../../data/episodes",
            &episodes.display().to_string().replace('\\', "/"),
        );
    let path = dir.path().join("exp.toml");
    std::fs::write(&path, text).unwrap();
    let before = Experiment::load(&path).unwrap();
    let module = models.join("currency.toml");
    assert!(
        before.inputs.contains(&module),
        "the module file is an input: {:?}",
        before.inputs
    );
    // The fingerprint reads the files when asked: take it before the edit.
    let fingerprint_before = before.fingerprint(1);
    let mut edited = std::fs::read_to_string(&module).unwrap();
    edited.push_str("\n# an edit that changes nothing but the file\n");
    std::fs::write(&module, edited).unwrap();
    let after = Experiment::load(&path).unwrap();
    assert_ne!(fingerprint_before, after.fingerprint(1));
    assert_eq!(
        after.fingerprint(1),
        before.fingerprint(1),
        "same files now"
    );
}

// ---- the coupled sanctions model ----

fn coupled() -> PathBuf {
    repo().join("experiments/calibrate/recovery_sanctions.toml")
}

/// Truth of the coupled-model recovery: base money growth, trend growth, finance drag.
const COUPLED_TRUTH: [f64; 3] = [0.2, 0.03, 0.05];
/// Noise: CPI inflation 2 points, GDP growth 1 point, broad-money growth 2 points.
const COUPLED_SIGMA: [f64; 3] = [2.0, 1.0, 2.0];

fn coupled_recovery(
    replications: usize,
    profile: bool,
) -> pressure_calibrate::experiment::recovery::RecoveryReport {
    let exp = Experiment::load(&coupled()).unwrap();
    let opts = RecoveryOptions {
        replications,
        seed: 2011,
        profile,
        ..Default::default()
    };
    let r = recovery_study(&exp, &COUPLED_TRUTH, &COUPLED_SIGMA, &opts).unwrap();
    println!(
        "coupled model, {} replications ({} succeeded): Wald coverage {:?}, profile coverage {:?}, relative bias {:?}",
        replications, r.successes, r.wald_coverage, r.profile_coverage, r.relative_bias
    );
    r
}

/// A small recovery on the coupled model (fast enough for the suite): the estimates centre on
/// the truth and the Wald intervals cover it most of the time. The loose bound reflects 8
/// replications (a binomial 95% coverage gives 5 or more of 8 in 99.96% of studies) and six
/// annual observations per series (σ is estimated; the default small-sample t intervals
/// cover 90-98% at R = 50, see experiments/calibrate/README.md).
#[test]
fn coupled_model_recovery_covers_the_truth() {
    let r = coupled_recovery(8, false);
    assert_eq!(
        r.successes,
        8,
        "{:?}",
        r.replications
            .iter()
            .filter_map(|x| x.error.clone())
            .collect::<Vec<_>>()
    );
    for j in 0..3 {
        assert!(
            r.wald_coverage[j] >= 0.6,
            "Wald coverage {:?}",
            r.wald_coverage
        );
        // The bias bound: 0.25, or three standard errors of the mean of 8 estimates when the
        // parameter is weakly identified (its estimates spread widely), never beyond 0.5.
        let est: Vec<f64> = r
            .replications
            .iter()
            .filter(|x| x.error.is_none())
            .map(|x| x.estimate[j])
            .collect();
        let n = est.len() as f64;
        let mean = est.iter().sum::<f64>() / n;
        let sd = (est.iter().map(|e| (e - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
        let se_rel = sd / n.sqrt() / COUPLED_TRUTH[j].abs();
        let bias = r.relative_bias[j].abs();
        println!("parameter {j}: relative bias {bias:.3}, its standard error {se_rel:.3}");
        assert!(
            bias < 0.25 || (bias < 3.0 * se_rel && bias < 0.5),
            "bias {:?} (standard error {se_rel:.3} for parameter {j})",
            r.relative_bias
        );
    }
}

/// The full study of issue 5 (50 replications, Wald intervals; profiles of every replication
/// take about 4 times longer, use the `recovery` example without `--no-profile` for them);
/// prints the coverage. `cargo test --release -p pressure-calibrate --test experiment -- --ignored --nocapture`
#[test]
#[ignore = "slow: 50 calibrations of the coupled model; run in release"]
fn coupled_model_recovery_50_replications() {
    let r = coupled_recovery(50, false);
    assert!(r.successes >= 45);
    for j in 0..3 {
        assert!(
            r.wald_coverage[j] >= 0.8,
            "Wald coverage {:?}",
            r.wald_coverage
        );
    }
}

/// Recovery at realistic settings (issue 14): the Iran design with the noise of the real data
/// (σ = the residual scales of a fit of the same experiment to the Iran table) and the
/// model's default finance drag (0.006 a year at full financial pressure; base money growth
/// and trend growth near their Iran estimates). Prints coverage, bias and the power to tell
/// each parameter from zero; asserts only what such data can deliver: most replications
/// succeed and the Wald intervals of every parameter cover the truth in most of them. The
/// measured numbers are in experiments/calibrate/README.md (issue-14 closing note).
/// `cargo test --release -p pressure-calibrate --test experiment realistic -- --ignored --nocapture`
#[test]
#[ignore = "slow: 51 calibrations of the coupled model (about 5 CPU minutes); run in release"]
fn coupled_model_recovery_at_realistic_noise_and_effect() {
    let exp = Experiment::load(&coupled()).unwrap();
    let mut fit = Experiment::load(&coupled()).unwrap();
    fit.spec.uncertainty.profile = false;
    let report = fit
        .run(&RunOptions {
            seed: 1,
            checkpoint_dir: None,
            resume: false,
            progress: None,
        })
        .unwrap();
    let sigma = pressure_calibrate::experiment::recovery::fitted_sigmas(&report);
    let truth = [0.118, 0.032, 0.006];
    let opts = RecoveryOptions {
        replications: 50,
        seed: 1,
        profile: false,
        ..Default::default()
    };
    let r = recovery_study(&exp, &truth, &sigma, &opts).unwrap();
    println!(
        "sigma {sigma:?}: Wald coverage {:?}, relative bias {:?}, Wald power {:?}",
        r.wald_coverage, r.relative_bias, r.wald_power
    );
    assert!(r.successes >= 45, "{} of 50 succeeded", r.successes);
    for j in 0..3 {
        assert!(r.wald_coverage[j] >= 0.75, "{:?}", r.wald_coverage);
    }
}

/// The episode's sanction timeline drives the run: the channel inputs the experiment made
/// exogenous follow the timeline's steps (intensity × coverage), not the model's onset ramp.
#[test]
fn the_sanction_timeline_drives_the_coupled_model() {
    let exp = Experiment::load(&coupled()).unwrap();
    let set = exp.episode_exogenous("iran_2011").expect("episode exists");
    let index = exp
        .model
        .exogenous_index("sanction_finance")
        .expect("sanction_finance is exogenous in the experiment's model");
    let finance = &set.series()[index];
    // SWIFT disconnection, 17 March 2012: intensity 0.7, coverage 0.75 (iran_2011.toml).
    let at = |t: f64| {
        let i = finance.time.iter().rposition(|x| *x <= t).unwrap();
        finance.values[i]
    };
    assert_eq!(at(7.0), 0.55 * 0.6); // 1 Jan 2012 (model time 7): NDAA s.1245 level
    assert!((at(7.5) - 0.7 * 0.75).abs() < 1e-12); // July 2012
    assert!((at(11.5) - 0.35 * 0.5).abs() < 1e-12); // after JCPOA Implementation Day
    assert_eq!(at(-0.5), 0.0);
}

// ---- bad input: each error is an input error that says what is wrong ----

/// Writes a copy of the logistic experiment into a temp dir with `edit` applied to the
/// experiment text and `table` (if given) as the data table; returns the load error text.
fn load_error(edit: impl Fn(String) -> String, table: Option<&str>) -> String {
    let dir = tempfile::tempdir().unwrap();
    let src = repo().join("experiments/calibrate");
    std::fs::copy(
        src.join("logistic_model.toml"),
        dir.path().join("logistic_model.toml"),
    )
    .unwrap();
    match table {
        Some(t) => std::fs::write(dir.path().join("logistic_synthetic.csv"), t).unwrap(),
        None => {
            std::fs::copy(
                src.join("logistic_synthetic.csv"),
                dir.path().join("logistic_synthetic.csv"),
            )
            .unwrap();
        }
    }
    let text = edit(std::fs::read_to_string(src.join("logistic_synthetic.toml")).unwrap());
    let path = dir.path().join("exp.toml");
    std::fs::write(&path, text).unwrap();
    match Experiment::load(&path) {
        Ok(_) => panic!("expected a load error"),
        Err(e) => {
            assert!(
                matches!(e, pressure_calibrate::CalibrateError::InvalidInput(_)),
                "{e:?}"
            );
            e.to_string()
        }
    }
}

fn check(err: &str, needles: &[&str]) {
    for n in needles {
        assert!(err.contains(n), "`{n}` not in: {err}");
    }
}

#[test]
fn unknown_model_variable_in_a_mapping() {
    let e = load_error(
        |t| t.replacen("variable = \"population\"", "variable = \"populaton\"", 1),
        None,
    );
    check(
        &e,
        &[
            "variable `populaton` is not a variable of model",
            "did you mean `population`",
        ],
    );
}

#[test]
fn unknown_data_series_in_a_mapping() {
    let e = load_error(
        |t| t.replacen("series = \"net_growth\"", "series = \"net_grwth\"", 1),
        None,
    );
    check(&e, &["no series `net_grwth`", "net_growth"]);
}

#[test]
fn parameter_not_in_the_model() {
    let e = load_error(
        |t| t.replacen("name = \"growth_rate\"", "name = \"growth\"", 1),
        None,
    );
    check(&e, &["[[parameter]] `growth`"]);
}

#[test]
fn bounds_with_lower_not_below_upper() {
    let e = load_error(|t| t.replacen("upper = 3.0", "upper = 0.01", 1), None);
    check(
        &e,
        &[
            "`growth_rate`",
            "lower bound 0.01 must be below upper bound 0.01",
        ],
    );
}

#[test]
fn start_outside_the_bounds() {
    let e = load_error(|t| t.replacen("start = 0.3", "start = 5.0", 1), None);
    check(
        &e,
        &["`growth_rate`", "start value 5 lies outside its bounds"],
    );
}

#[test]
fn episode_table_with_a_malformed_date() {
    let table = "date,series,value,unit,frequency,source\n2001,population,77.6,persons,annual,synthetic\n20O2,population,114.1,persons,annual,synthetic\n";
    let e = load_error(|t| t, Some(table));
    check(&e, &["logistic_synthetic.csv", "row 3", "date"]);
}

#[test]
fn episode_table_with_an_unknown_unit() {
    let table =
        "date,series,value,unit,frequency,source\n2001,population,77.6,peeps,annual,synthetic\n";
    let e = load_error(|t| t, Some(table));
    check(&e, &["logistic_synthetic.csv", "row 2", "unit", "peeps"]);
}

#[test]
fn a_mapping_whose_frequency_cannot_be_aggregated() {
    // Event data cannot be aggregated into a model path.
    let table = "date,series,value,unit,frequency,source\n2001,population,77.6,persons,annual,synthetic\n2002,population,114.1,persons,annual,synthetic\n2005-03-04,net_growth,1,count,event,synthetic\n";
    let e = load_error(|t| t, Some(table));
    check(
        &e,
        &["`net_growth` is an event series", "cannot be aggregated"],
    );
}

#[test]
fn monthly_data_against_yearly_output() {
    let dir = tempfile::tempdir().unwrap();
    let src = repo().join("experiments/calibrate");
    let model = std::fs::read_to_string(src.join("logistic_model.toml"))
        .unwrap()
        .replace("save_every = 0.125", "save_every = 1.0");
    std::fs::write(dir.path().join("logistic_model.toml"), model).unwrap();
    std::fs::write(
        dir.path().join("logistic_synthetic.csv"),
        "date,series,value,unit,frequency,source\n2001-01,population,77.6,persons,monthly,synthetic\n2001-02,population,80.1,persons,monthly,synthetic\n2001,net_growth,30,persons,annual,synthetic\n",
    )
    .unwrap();
    let text = std::fs::read_to_string(src.join("logistic_synthetic.toml")).unwrap();
    let path = dir.path().join("exp.toml");
    std::fs::write(&path, text).unwrap();
    let e = Experiment::load(&path).err().unwrap().to_string();
    check(
        &e,
        &[
            "`population` is monthly data",
            "saves model output every 1 years",
            "cannot be aggregated",
        ],
    );
}

#[test]
fn data_window_outside_the_model_time_span() {
    // An explicit window past the run's end.
    let e = load_error(
        |t| {
            t.replacen("end = \"2019\"", "end = \"2025\"", 1).replacen(
                "origin = 2000.0",
                "origin = 2000.0\nstop = 19.0",
                1,
            )
        },
        None,
    );
    check(
        &e,
        &[
            "window 2001..2025",
            "outside the model's time span 2000.0000..2019.0000",
            "episode `synthetic`",
        ],
    );
    // No window: every observation is used, and the last year's data need model output the
    // run does not reach.
    let e = load_error(
        |t| {
            t.replacen("window = { start = \"2001\", end = \"2019\" }", "", 1)
                .replacen("origin = 2000.0", "origin = 2000.0\nstop = 19.0", 1)
        },
        None,
    );
    check(
        &e,
        &[
            "outside the model's time span [0, 19]",
            "episode `synthetic`",
        ],
    );
}

#[test]
fn missing_files_and_unknown_keys_are_input_errors() {
    let e = load_error(
        |t| {
            t.replacen(
                "model = \"logistic_model.toml\"",
                "model = \"nope.toml\"",
                1,
            )
        },
        None,
    );
    check(&e, &["nope.toml"]);
    let e = load_error(
        |t| t.replacen("multistart = 8", "multistart = 8\nmultstart = 3", 1),
        None,
    );
    check(&e, &["multstart"]);
}

#[test]
fn joint_calibration_with_shared_and_episode_specific_parameters() {
    use pressure_data::align::{aggregate, annual_periods, Aggregation};
    let dir = tempfile::tempdir().unwrap();
    let src = repo().join("experiments/calibrate");
    for f in ["logistic_model.toml", "logistic_synthetic.csv"] {
        std::fs::copy(src.join(f), dir.path().join(f)).unwrap();
    }
    // Episode "b": the same growth rate and capacity, twice the initial population, its own
    // (deterministic, ±2%) noise.
    let model = pressure_model::load(&dir.path().join("logistic_model.toml")).unwrap();
    let compiled = pressure_sim::CompiledModel::compile(&model).unwrap();
    let mut p = compiled.default_params();
    for (n, v) in [
        ("growth_rate", 0.45),
        ("carrying_capacity", 800.0),
        ("initial_population", 80.0),
    ] {
        compiled.set_param(&mut p, n, v).unwrap();
    }
    let res = compiled.run(&p, &compiled.default_settings()).unwrap();
    let periods = annual_periods(2001, 2019, 2000.0);
    let pop = aggregate(
        res.time(),
        res.column("population").unwrap(),
        &periods,
        Aggregation::Mean,
    )
    .unwrap();
    let inc = aggregate(
        res.time(),
        res.column("net_growth").unwrap(),
        &periods,
        Aggregation::Integral,
    )
    .unwrap();
    let mut csv = String::from("date,series,value,unit,frequency,source\n");
    for (k, y) in (2001..=2019).enumerate() {
        csv.push_str(&format!(
            "{y},population,{},persons,annual,synthetic\n",
            pop[k] * (1.0 + 0.02 * (k as f64 * 2.3).sin())
        ));
        csv.push_str(&format!(
            "{y},net_growth,{},persons,annual,synthetic\n",
            inc[k] + 3.0 * (k as f64 * 1.7).cos()
        ));
    }
    std::fs::write(dir.path().join("b.csv"), csv).unwrap();
    let text = std::fs::read_to_string(src.join("logistic_synthetic.toml"))
        .unwrap()
        .replace(
            "window = { start = \"2001\", end = \"2019\" }",
            "window = { start = \"2001\", end = \"2019\" }\n\n[[episode]]\nid = \"b\"\ntable = \"b.csv\"\norigin = 2000.0",
        )
        .replace("name = \"initial_population\"", "name = \"initial_population\"\nper_episode = true")
        .replace("profile = true", "profile = false")
        .replace("bootstrap = 100", "bootstrap = 0")
        .replace("mcmc = { chains = 4, iterations = 3000 }", "");
    let path = dir.path().join("joint.toml");
    std::fs::write(&path, text).unwrap();
    let exp = Experiment::load(&path).unwrap();
    assert_eq!(
        exp.parameter_names(),
        [
            "growth_rate",
            "carrying_capacity",
            "initial_population@synthetic",
            "initial_population@b"
        ]
    );
    let r = exp
        .run(&RunOptions {
            seed: 1,
            checkpoint_dir: None,
            resume: false,
            progress: None,
        })
        .unwrap();
    assert!(r.estimate.converged, "{}", r.estimate.message);
    let x = &r.estimate.x;
    assert!((x[0] / 0.45 - 1.0).abs() < 0.1, "{x:?}");
    assert!((x[1] / 800.0 - 1.0).abs() < 0.1, "{x:?}");
    assert!((x[2] / 40.0 - 1.0).abs() < 0.2, "{x:?}");
    assert!((x[3] / 80.0 - 1.0).abs() < 0.2, "{x:?}");
    // Four series: two per episode, each with its own σ.
    assert_eq!(r.fit.len(), 4);
    assert_eq!(r.fit[2].episode, "b");
}

#[test]
fn a_sanction_timeline_drives_an_exogenous_series_of_the_model() {
    // A toy model whose growth falls while the energy channel is sanctioned; the Iran
    // timeline (data/episodes/iran_2011.toml) supplies the channel as a step function.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("toy.toml"),
        r#"
[settings]
start = 0.0
stop = 8.0
dt = 0.125
method = "euler"
time_units = "year"

[exogenous.energy_sanction]
points = [[0, 0]]
interpolation = "step"

[stocks.output]
initial = "100"
inflows = ["growth"]

[flows.growth]
equation = "output * (trend - loss * energy_sanction)"

[constants.trend]
value = 0.03

[constants.loss]
value = 0.1
"#,
    )
    .unwrap();
    let timeline = repo().join("data/episodes/iran_2011.toml");
    let experiment = |table: &str| {
        format!(
            r#"
[experiment]
name = "toy"
model = "toy.toml"

[[episode]]
id = "iran_2011"
table = "{table}"
timeline_file = "{}"
origin = 2010.0
timeline = {{ energy = "energy_sanction" }}

[[parameter]]
name = "loss"
start = 0.05
lower = 0.0
upper = 1.0

[[mapping]]
variable = "output"
variable_is = "level"
series = "gdp"
unit = "usd"
error = {{ kind = "log_normal", sigma = 0.01 }}

[[mapping]]
variable = "energy_sanction"
variable_is = "fraction"
series = "energy"
unit = "index_0_1"
error = {{ kind = "normal", sigma = 0.01 }}

[uncertainty]
profile = false
"#,
            timeline.display()
        )
    };
    // The annual mean intensity of the energy channel, straight from the timeline.
    let t = pressure_data::timeline::Timeline::read_path(&timeline).unwrap();
    let energy = pressure_data::timeline::Channel::Energy;
    let mean_intensity = |y: i32| {
        (0..10_000)
            .map(|i| t.intensity_at(energy, y as f64 + (i as f64 + 0.5) / 10_000.0))
            .sum::<f64>()
            / 10_000.0
    };
    let energy_rows: String = (2011..=2016)
        .map(|y| {
            format!(
                "{y},energy,{},index_0_1,annual,timeline\n",
                mean_intensity(y)
            )
        })
        .collect();
    // Data: the model itself at loss = 0.2 (exact), written through a first load.
    let mut csv = String::from("date,series,value,unit,frequency,source\n");
    for y in 2011..=2016 {
        csv.push_str(&format!("{y},gdp,1,usd,annual,synthetic\n"));
    }
    csv.push_str(&energy_rows);
    std::fs::write(dir.path().join("gdp.csv"), &csv).unwrap();
    std::fs::write(dir.path().join("toy_exp.toml"), experiment("gdp.csv")).unwrap();
    let exp = Experiment::load(&dir.path().join("toy_exp.toml")).unwrap();
    let mut cal = exp.calibration().unwrap();
    let model_at_truth = cal.predict(&[0.2]).unwrap().to_vec();
    // The model's energy input, averaged per year, is the timeline's step function: up to
    // where the engine places a change within its step (it holds an input at its value at the
    // step's midpoint) and the linear interpolation between saved points, 1/8 year apart;
    // both move a jump (at most 0.5 here) by under a step of 1/8 year: the mean by < 0.07.
    for k in 0..6 {
        let expect = mean_intensity(2011 + k as i32);
        assert!(
            (model_at_truth[6 + k] - expect).abs() < 0.07,
            "{k}: {} vs {expect}",
            model_at_truth[6 + k]
        );
    }
    // Output falls while loss × intensity exceeds the 3% trend (2012-2015), recovers after the
    // 2016 relief.
    let g = |k: usize| model_at_truth[k + 1] / model_at_truth[k];
    assert!(g(1) < 0.95 && g(4) > g(2), "{model_at_truth:?}");
    let mut csv = String::from("date,series,value,unit,frequency,source\n");
    for (k, y) in (2011..=2016).enumerate() {
        csv.push_str(&format!(
            "{y},gdp,{},usd,annual,synthetic\n",
            model_at_truth[k]
        ));
    }
    csv.push_str(&energy_rows);
    std::fs::write(dir.path().join("gdp.csv"), &csv).unwrap();
    let exp = Experiment::load(&dir.path().join("toy_exp.toml")).unwrap();
    let r = exp
        .run(&RunOptions {
            seed: 0,
            checkpoint_dir: None,
            resume: false,
            progress: None,
        })
        .unwrap();
    assert!((r.estimate.x[0] - 0.2).abs() < 1e-6, "{:?}", r.estimate.x);
}

/// A model that starts every run at its steady state (`initialise = "steady"`): harvested
/// logistic growth whose harvest doubles in year 3. Each candidate (capacity, harvest) the
/// optimiser tries starts at its own equilibrium (the upper, stable one: the solver starts from
/// the written initial value, the capacity, and follows the dynamics down to it), with no code
/// of the calibration's own, so the truth is recovered from data that start there.
#[test]
fn runs_of_a_calibration_start_at_their_steady_states() {
    let dir = tempfile::tempdir().unwrap();
    let model = r#"
[settings]
start = 0
stop = 12
dt = 0.125
method = "rk4"
time_units = "year"
initialise = "steady"
[stocks.fish]
initial = "capacity"
inflows = ["growth"]
outflows = ["catch"]
units = "tonne"
[flows.growth]
equation = "r * fish * (1 - fish / capacity)"
units = "tonne/year"
[flows.catch]
equation = "harvest * (1 + STEP(1, 3))"
units = "tonne/year"
[constants.r]
value = 1
units = "1/year"
[constants.capacity]
value = 100
range = [50, 300]
units = "tonne"
[constants.harvest]
value = 10
range = [1, 20]
units = "tonne/year"
"#;
    std::fs::write(dir.path().join("harvest.toml"), model).unwrap();
    // Data: the stock at the start of each year 2001..2010 (model time 1..10) at the truth,
    // with small deterministic noise.
    let (capacity, harvest) = (120.0, 12.0);
    let m = pressure_model::load(&dir.path().join("harvest.toml")).unwrap();
    let c = pressure_sim::CompiledModel::compile(&m).unwrap();
    let mut p = c.default_params();
    c.set_param(&mut p, "capacity", capacity).unwrap();
    c.set_param(&mut p, "harvest", harvest).unwrap();
    let run = c.run(&p, &c.default_settings()).unwrap();
    let equilibrium = 60.0 * (1.0 + (1.0f64 - 4.0 * harvest / capacity).sqrt());
    assert!((run.column("fish").unwrap()[0] - equilibrium).abs() < 1e-9);
    let mut csv = String::from("date,series,value,unit,frequency,source\n");
    for year in 1..=10 {
        let row = year * 8; // dt = 1/8
        let noise = 1.0 + 0.002 * (((year * 37) % 11) as f64 - 5.0) / 5.0;
        let v = run.column("fish").unwrap()[row] * noise;
        csv.push_str(&format!(
            "{},fish,{v},count,annual,synthetic\n",
            2000 + year
        ));
    }
    std::fs::write(dir.path().join("data.csv"), csv).unwrap();
    let exp = r#"
[experiment]
name = "steady_start"
model = "harvest.toml"
seed = 1
[[episode]]
id = "synthetic"
table = "data.csv"
origin = 2000.0
window = { start = "2001", end = "2010" }
[[parameter]]
name = "capacity"
start = 150
lower = 50
upper = 300
[[parameter]]
name = "harvest"
start = 8
lower = 1
upper = 20
[[mapping]]
variable = "fish"
variable_is = "level"
series = "fish"
unit = "count"
aggregate = "start_of_period"
error = { kind = "log_normal" }
[estimation]
method = "lm"
multistart = 0
[uncertainty]
profile = false
bootstrap = 0
"#;
    std::fs::write(dir.path().join("e.toml"), exp).unwrap();
    let exp = Experiment::load(&dir.path().join("e.toml")).unwrap();
    let report = exp
        .run(&RunOptions {
            seed: 1,
            checkpoint_dir: None,
            resume: false,
            progress: None,
        })
        .unwrap();
    assert!(report.estimate.converged, "{}", report.estimate.message);
    let x = &report.estimate.x;
    assert!((x[0] - capacity).abs() < 0.01 * capacity, "{x:?}");
    assert!((x[1] - harvest).abs() < 0.01 * harvest, "{x:?}");
}

#[test]
fn a_failed_simulation_names_its_variable_and_time_to_the_caller() {
    // carrying_capacity = 0: net_growth = r P (1 − P/K) is −∞ at the first time point, so the
    // simulator stops with SimError::NonFinite, which the predictor keeps as the typed cause.
    let exp = Experiment::load(&example()).unwrap();
    let mut cal = exp.calibration().unwrap();
    let e = cal.neg_log_lik(&[0.45, 0.0, 40.0]).unwrap_err();
    match e.find::<pressure_sim::SimError>() {
        Some(pressure_sim::SimError::NonFinite {
            variable,
            time,
            value,
        }) => {
            assert_eq!(variable, "net_growth");
            assert_eq!(*time, 0.0);
            assert_eq!(*value, f64::NEG_INFINITY);
        }
        other => panic!("no SimError::NonFinite behind `{e}`: {other:?}"),
    }
    assert!(
        e.to_string()
            .starts_with("episode `synthetic`: net_growth became -inf at time 0"),
        "{e}"
    );
}
