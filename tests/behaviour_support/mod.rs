//! Shared helpers of the behaviour-reproduction tests (`tests/behaviour_*.rs`): load and compile
//! the sanctions model library once, apply presets and scenarios, read values at given times.
//!
//! Every test compares a sanctioned run with the baseline run of the same preset (the
//! counterfactual), so the pre-episode drift of a preset never counts as an effect.
#![allow(dead_code)]

use pressure::sim::{CompiledModel, Results, Scenario};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// Year the sanctions of every scenario start (`onset_time` in models/sanctions.toml).
pub const ONSET: f64 = 5.0;

/// The regime presets, `None` being the model defaults (a generic autocracy).
pub const PRESETS: [Option<&str>; 6] = [
    None,
    Some("personalist"),
    Some("single_party"),
    Some("military"),
    Some("monarchy"),
    Some("electoral_autocracy"),
];

/// Every scenario file except the baseline.
pub const SANCTION_SCENARIOS: [&str; 14] = [
    "un_comprehensive",
    "un_comprehensive_oil_collapse",
    "us_unilateral_financial",
    "us_unilateral_financial_oil_collapse",
    "energy_embargo",
    "energy_embargo_oil_collapse",
    "targeted_elites",
    "targeted_elites_oil_collapse",
    "threat_only",
    "threat_only_oil_collapse",
    "lifting_after_concession",
    "lifting_after_concession_oil_collapse",
    "conditional_aid_offer",
    "conditional_aid_offer_oil_collapse",
];

pub fn models_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("models")
}

fn compile(file: &str) -> CompiledModel {
    let model = pressure::model::load(&models_dir().join(file))
        .unwrap_or_else(|e| panic!("{file} does not load:\n{e}"));
    CompiledModel::compile(&model).unwrap_or_else(|e| panic!("{file} does not compile:\n{e}"))
}

/// The coupled model, compiled once per test binary.
pub fn coupled() -> &'static CompiledModel {
    static MODEL: OnceLock<CompiledModel> = OnceLock::new();
    MODEL.get_or_init(|| compile("sanctions.toml"))
}

/// One block file compiled on its own (it runs with its inputs at their defaults).
pub fn block(file: &str) -> CompiledModel {
    compile(file)
}

/// Runs `model` with the scenario files (relative to models/, applied in order) and then the
/// `sets` (name, value).
pub fn run(model: &CompiledModel, files: &[String], sets: &[(&str, f64)]) -> Results {
    let (mut params, mut exo, mut settings) = (
        model.default_params(),
        model.default_exogenous(),
        model.default_settings(),
    );
    for f in files {
        let path = models_dir().join(f);
        Scenario::load(&path)
            .and_then(|s| s.apply(model, &mut params, &mut exo, &mut settings))
            .unwrap_or_else(|e| panic!("{f}:\n{e}"));
    }
    for (name, value) in sets {
        model
            .set_param(&mut params, name, *value)
            .unwrap_or_else(|e| panic!("--set {name}: {e}"));
    }
    model
        .run_with(&params, &exo, &settings)
        .unwrap_or_else(|e| panic!("run with {files:?} {sets:?} failed: {e}"))
}

/// The file list for a preset (or none) followed by a scenario.
pub fn files(preset: Option<&str>, scenario: &str) -> Vec<String> {
    let mut v = Vec::new();
    if let Some(p) = preset {
        v.push(format!("presets/{p}.toml"));
    }
    v.push(format!("scenarios/{scenario}.toml"));
    v
}

/// Runs the coupled model under a preset and a scenario.
pub fn scenario_run(preset: Option<&str>, scenario: &str, sets: &[(&str, f64)]) -> Results {
    run(coupled(), &files(preset, scenario), sets)
}

/// A preset's name for messages.
pub fn label(preset: Option<&str>) -> &str {
    preset.unwrap_or("default")
}

/// The column of `name`, with a clear message when it is missing.
pub fn col<'a>(r: &'a Results, name: &str) -> &'a [f64] {
    r.column(name)
        .unwrap_or_else(|| panic!("no output column '{name}'"))
}

/// Row index of time `t` (times are saved on a regular grid from the start).
pub fn row(r: &Results, t: f64) -> usize {
    let time = r.time();
    let step = time[1] - time[0];
    let i = ((t - time[0]) / step).round() as usize;
    assert!(
        i < time.len() && (time[i] - t).abs() < 1e-9,
        "time {t} is not a saved time"
    );
    i
}

/// Value of `name` at time `t`.
pub fn at(r: &Results, name: &str, t: f64) -> f64 {
    col(r, name)[row(r, t)]
}

/// Largest value of `name` over `[t0, t1]`.
pub fn max_between(r: &Results, name: &str, t0: f64, t1: f64) -> f64 {
    col(r, name)[row(r, t0)..=row(r, t1)]
        .iter()
        .copied()
        .fold(f64::NEG_INFINITY, f64::max)
}

/// Mean of `name` over the saved times in `[t0, t1]`.
pub fn mean_between(r: &Results, name: &str, t0: f64, t1: f64) -> f64 {
    let s = &col(r, name)[row(r, t0)..=row(r, t1)];
    s.iter().sum::<f64>() / s.len() as f64
}

/// Settings that keep the sanctions in force (every termination hazard zero, so the mean-field
/// probability of being in force stays 1): the published leader-exit hazard ratios compare leaders
/// under sanctions with leaders not under sanctions (lit. 1.8, 5.7), so the model's comparable
/// quantity is the hazard while the sanctions are in force.
pub const HELD_IN_FORCE: [(&str, f64); 3] = [
    ("coalition.compliance_hazard", 0.0),
    ("coalition.capitulation_hazard", 0.0),
    ("coalition.leader_change_termination", 0.0),
];

/// Ratio of the leader-exit hazard of `scenario` to that of the baseline (same preset, same
/// `sets`), averaged over the saved times of the first five years after onset.
pub fn exit_hazard_ratio(preset: Option<&str>, scenario: &str, sets: &[(&str, f64)]) -> f64 {
    let base = scenario_run(preset, "baseline", sets);
    let run = scenario_run(preset, scenario, sets);
    let (hb, hr) = (
        col(&base, "coalition.exit_hazard"),
        col(&run, "coalition.exit_hazard"),
    );
    let (i0, i1) = (row(&run, ONSET), row(&run, ONSET + 5.0));
    (i0..=i1).map(|i| hr[i] / hb[i]).sum::<f64>() / (i1 - i0 + 1) as f64
}

/// Growth shortfall (percentage points) of `run` against `base` in year `k` of the episode
/// (k = 1 is the first year after onset), from the log output gaps.
pub fn annual_shortfall_pp(base: &Results, run: &Results, k: usize) -> f64 {
    let (t0, t1) = (ONSET + (k - 1) as f64, ONSET + k as f64);
    let g = |r: &Results| at(r, "fiscal.output_gap", t1) - at(r, "fiscal.output_gap", t0);
    100.0 * (g(base) - g(run))
}

// ---------------------------------------------------------------------------------------------
// Model-library checks (tests/models_*.rs): declared ranges, runs that may fail.
// ---------------------------------------------------------------------------------------------

use pressure::model::{Model, VarKind};
use pressure::sim::{ParamSet, SimError};
use std::collections::BTreeMap;

/// Loads a model file of the library (relative to models/) as IR.
pub fn load_ir(file: &str) -> Model {
    pressure::model::load(&models_dir().join(file))
        .unwrap_or_else(|e| panic!("{file} does not load:\n{e}"))
}

/// The range a variable's doc declares with the library's convention (models/README.md):
/// `in [lo, hi]` or `in [lo, hi)`, the bounds numbers (`inf` allowed). A doc without such a
/// phrase, or with symbolic bounds (`[W/S, 1)`), declares none.
pub fn doc_range(doc: &str) -> Option<(f64, f64)> {
    let start = doc.find("in [")? + "in [".len();
    let rest = &doc[start..];
    let end = rest.find([']', ')'])?;
    let (lo, hi) = rest[..end].split_once(',')?;
    let lo: f64 = lo.trim().parse().ok()?;
    let hi: f64 = hi.trim().parse().ok()?;
    (lo <= hi).then_some((lo, hi))
}

/// Declared ranges of the stocks, flows and auxiliaries of a model, by variable name: the doc
/// convention of [`doc_range`], and `[0, inf)` for stocks marked `non_negative`.
pub fn declared_ranges(model: &Model) -> BTreeMap<String, (f64, f64)> {
    let mut out = BTreeMap::new();
    for v in model.variables.iter().filter(|v| v.hidden.is_none()) {
        let from_doc = match v.kind {
            VarKind::Stock(_) | VarKind::Flow(_) | VarKind::Aux(_) => {
                v.doc.as_deref().and_then(doc_range)
            }
            _ => None,
        };
        let non_negative = matches!(&v.kind, VarKind::Stock(s) if s.non_negative);
        let range = match (from_doc, non_negative) {
            (Some((lo, hi)), true) => Some((lo.max(0.0), hi)),
            (None, true) => Some((0.0, f64::INFINITY)),
            (r, false) => r,
        };
        if let Some(r) = range {
            out.insert(v.name.clone(), r);
        }
    }
    out
}

/// Slack allowed on a declared bound: the models keep shares in range by construction
/// (relaxation towards targets in range, flows proportional to x and 1 - x), so only
/// floating-point rounding may cross a bound.
pub const RANGE_SLACK: f64 = 1e-9;

/// Problems of one run: a non-finite value, a run that stopped early, a value outside its
/// declared range (first offending time per column).
pub fn check_run(
    what: &str,
    r: &Results,
    stop: f64,
    ranges: &BTreeMap<String, (f64, f64)>,
) -> Vec<String> {
    let mut problems = Vec::new();
    let last = r.time().last().copied().unwrap_or(f64::NAN);
    if (last - stop).abs() > 1e-9 {
        problems.push(format!("{what}: run ended at {last}, not {stop}"));
    }
    for (c, name) in r.names().iter().enumerate() {
        let col = r.column_at(c);
        let variable = name.split('[').next().unwrap_or(name);
        if let Some(k) = col.iter().position(|x| !x.is_finite()) {
            problems.push(format!(
                "{what}: {name} = {} at time {}",
                col[k],
                r.time()[k]
            ));
            continue;
        }
        if let Some(&(lo, hi)) = ranges.get(variable) {
            let slack =
                RANGE_SLACK * (1.0 + lo.abs().max(if hi.is_finite() { hi.abs() } else { 0.0 }));
            if let Some(k) = col.iter().position(|&x| x < lo - slack || x > hi + slack) {
                problems.push(format!(
                    "{what}: {name} = {} at time {} is outside its declared range [{lo}, {hi}]",
                    col[k],
                    r.time()[k]
                ));
            }
        }
    }
    problems
}

/// Like [`run`], but returns the engine's error (a non-finite value names the variable and
/// the time) instead of panicking.
pub fn try_run_params(
    model: &CompiledModel,
    files: &[String],
    params: Option<&ParamSet>,
) -> Result<Results, SimError> {
    let (mut p, mut exo, mut settings) = (
        model.default_params(),
        model.default_exogenous(),
        model.default_settings(),
    );
    for f in files {
        let path = models_dir().join(f);
        Scenario::load(&path)
            .and_then(|s| s.apply(model, &mut p, &mut exo, &mut settings))
            .unwrap_or_else(|e| panic!("{f}:\n{e}"));
    }
    if let Some(given) = params {
        p = given.clone();
    }
    model.run_with(&p, &exo, &settings)
}

/// File stems of the `.toml` files in a sub-folder of models/, sorted.
pub fn stems(sub: &str) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(models_dir().join(sub))
        .unwrap_or_else(|e| panic!("models/{sub}: {e}"))
        .filter_map(|e| {
            let p = e.ok()?.path();
            (p.extension()? == "toml").then(|| p.file_stem()?.to_str().map(String::from))?
        })
        .collect();
    v.sort();
    v
}
