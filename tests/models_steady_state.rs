//! Issue 12: the baseline of the coupled model is a steady state.
//!
//! `models/sanctions.toml` sets `initialise = "steady"`: every run starts at the steady state of
//! its own parameters (solved by the engine, `pressure_sim::steady`). Asserted here, for every
//! regime preset with the baseline scenario and for 200 Latin-hypercube draws from the declared
//! range of every parameter that is not a scenario lever (the levers stay at the baseline's: no
//! sanctions, no threat, no oil collapse, no aid offer, no controls or unification, no shocks or
//! leader changes, no stochastic events; a lever is a constant a scenario file sets or whose
//! `source` calls it a scenario or analysis lever):
//!
//! * the run finds its steady state, and over the first 10 model years no stock moves by more
//!   than 1e-6 of its scale (its initial absolute value, at least 1);
//! * the balanced-growth group of `[settings.steady]` (log base money, log price level, log
//!   official rate) grows at one rate: the differences between its log stocks, and each one's
//!   deviation from its initial value plus the common rate times the elapsed time, stay within
//!   1e-6;
//! * the accumulators of leader exit (the survival probability and the cumulative probabilities
//!   of exit by mode), which move with the baseline hazard and which `[settings.steady]`
//!   excludes, are not checked; the test checks that nothing but another accumulator depends on
//!   them (so they cannot carry drift into the state). The other excluded stocks (sanction
//!   termination bookkeeping, whose flows are identically zero before any sanction) are checked
//!   like every other stock.
//!
//! The premium floor over the same 200 draws (with the scenario levers drawn too) is asserted by
//! `models_parameter_box.rs` through the premium's declared range `[0, inf)`.

mod behaviour_support;
use behaviour_support::*;
use pressure::model::{Model, VarKind};
use pressure::sensitivity::prelude::{Design, LatinHypercube};
use pressure::sim::{CompiledModel, ParamSet, Results};
use std::collections::BTreeSet;

const HORIZON: f64 = 10.0;
const TOLERANCE: f64 = 1e-6;
const DRAWS: usize = 200;
const SEED: u64 = 20_261_206;

/// Parameters of the inflation-targeting regime (`models/inflation.toml`), whose switch
/// `money.targeting_start` is a scenario lever at 1000 (never) in the baseline.
const OFF_REGIME_PARAMETERS: [&str; 2] = ["money.inflation_target", "money.inflation_reaction"];

/// The stocks that move in the baseline (probabilities under the baseline exit hazard).
const ACCUMULATORS: [&str; 4] = [
    "coalition.leader_survival",
    "coalition.exits_coup",
    "coalition.exits_popular",
    "coalition.exits_negotiated",
];

/// Constants of the root file that are scenario levers (set by `models/scenarios/*.toml`).
fn scenario_levers() -> BTreeSet<String> {
    let mut levers = BTreeSet::new();
    for stem in stems("scenarios") {
        let text =
            std::fs::read_to_string(models_dir().join(format!("scenarios/{stem}.toml"))).unwrap();
        let doc: toml::Table = text.parse().unwrap();
        if let Some(set) = doc.get("set").and_then(|s| s.as_table()) {
            levers.extend(set.keys().cloned());
        }
    }
    // Timing levers of the same kind that no shipped scenario happens to set.
    for name in [
        "onset_time",
        "lift_time",
        "threat_start",
        "threat_end",
        "aid_offer_time",
        "oil_collapse_time",
        "oil_collapse_depth",
        "currency.controls_time",
        "currency.unification_time",
        "currency.official_rate_exogenous",
        "official_rate_data",
        "coalition.stochastic_events",
    ] {
        levers.insert(name.to_string());
    }
    levers
}

/// The stock names (model level, module prefix included) of the coupled model, and the names
/// of the growth group and of the excluded stocks of its `[settings.steady]`.
struct StockPlan {
    stocks: Vec<String>,
    growth: Vec<String>,
    excluded: Vec<String>,
}

fn stock_plan(ir: &Model) -> StockPlan {
    let stocks: Vec<String> = ir
        .variables
        .iter()
        .filter(|v| v.hidden.is_none() && matches!(v.kind, VarKind::Stock(_)))
        .map(|v| v.name.clone())
        .collect();
    let steady = &ir.settings.steady;
    assert_eq!(steady.growth.len(), 1, "one growth group expected");
    StockPlan {
        stocks,
        growth: steady.growth[0].stocks.clone(),
        excluded: steady.exclude.clone(),
    }
}

/// Columns of `r` that belong to the stock `name` (one per element of an arrayed stock).
fn columns<'a>(r: &'a Results, name: &str) -> Vec<(&'a str, &'a [f64])> {
    r.names()
        .iter()
        .enumerate()
        .filter(|(_, n)| n.as_str() == name || n.split('[').next() == Some(name))
        .map(|(c, n)| (n.as_str(), r.column_at(c)))
        .collect()
}

/// The largest change found and its description; panics with `what` when a stock has no column.
fn drift(r: &Results, plan: &StockPlan, what: &str) -> (f64, String) {
    let t = r.time();
    let mut worst = (0.0, String::from("none"));
    let mut note = |d: f64, s: String| {
        if d > worst.0 || !d.is_finite() {
            worst = (d, s);
        }
    };
    for name in &plan.stocks {
        if ACCUMULATORS.contains(&name.as_str()) || plan.growth.contains(name) {
            continue;
        }
        let cols = columns(r, name);
        assert!(
            !cols.is_empty(),
            "{what}: no output column for stock {name}"
        );
        for (col, x) in cols {
            let scale = x[0].abs().max(1.0);
            for (k, v) in x.iter().enumerate() {
                note((v - x[0]).abs() / scale, format!("{col} at t = {}", t[k]));
            }
        }
    }
    // The growth group: the common rate from the anchor's first saved interval.
    let anchor = columns(r, &plan.growth[0])[0].1;
    let g = (anchor[1] - anchor[0]) / (t[1] - t[0]);
    for name in &plan.growth {
        let x = columns(r, name)[0].1;
        for (k, v) in x.iter().enumerate() {
            let expected = x[0] + g * (t[k] - t[0]);
            note(
                (v - expected).abs(),
                format!(
                    "{name} off its balanced growth (rate {g:.6}) at t = {}",
                    t[k]
                ),
            );
            let gap0 = x[0] - anchor[0];
            note(
                (v - anchor[k] - gap0).abs(),
                format!("{name} - {} at t = {}", plan.growth[0], t[k]),
            );
        }
    }
    worst
}

fn run_for(model: &CompiledModel, params: &ParamSet, files: &[String]) -> Result<Results, String> {
    let (mut p, mut exo, mut settings) = (
        model.default_params(),
        model.default_exogenous(),
        model.default_settings(),
    );
    for f in files {
        pressure::sim::Scenario::load(&models_dir().join(f))
            .and_then(|s| s.apply(model, &mut p, &mut exo, &mut settings))
            .unwrap_or_else(|e| panic!("{f}:\n{e}"));
    }
    let _ = p;
    let start = settings.start;
    let settings = settings.with_span(start, start + HORIZON);
    model
        .run_with(params, &exo, &settings)
        .map_err(|e| e.to_string())
}

#[test]
fn every_preset_starts_at_rest_in_the_baseline() {
    let ir = load_ir("sanctions.toml");
    assert_eq!(
        format!("{:?}", ir.settings.initialise).to_lowercase(),
        "steady",
        "models/sanctions.toml must start its runs at the steady state"
    );
    let plan = stock_plan(&ir);
    let model = coupled();
    for preset in PRESETS {
        let files = files(preset, "baseline");
        let mut params = model.default_params();
        let (mut exo, mut settings) = (model.default_exogenous(), model.default_settings());
        for f in &files {
            pressure::sim::Scenario::load(&models_dir().join(f))
                .and_then(|s| s.apply(model, &mut params, &mut exo, &mut settings))
                .unwrap();
        }
        let r =
            run_for(model, &params, &files).unwrap_or_else(|e| panic!("{}: {e}", label(preset)));
        let (d, at) = drift(&r, &plan, label(preset));
        println!(
            "{}: largest change over {HORIZON} years {d:.2e} ({at})",
            label(preset)
        );
        assert!(d < TOLERANCE, "{}: {at} moved by {d:.2e}", label(preset));
    }
}

#[test]
fn random_parameter_sets_start_at_rest_in_the_baseline() {
    let ir = load_ir("sanctions.toml");
    let plan = stock_plan(&ir);
    let model = coupled();
    let levers = scenario_levers();
    let inputs_free: Vec<(usize, f64, f64)> = model
        .parameters()
        .iter()
        .enumerate()
        .filter(|(_, p)| !levers.contains(&p.variable) && !levers.contains(&p.name))
        // Levers declared as such in the model files (timings, switches, shocks).
        .filter(|(_, p)| {
            !p.source
                .as_deref()
                .is_some_and(|s| s.contains("scenario lever") || s.contains("analysis lever"))
        })
        // Parameters of a regime whose switch is a lever off in the baseline: they cannot move
        // the baseline (`inflation_targeting_is_inert_until_its_start` checks it), so drawing
        // them would only reshuffle the design.
        .filter(|(_, p)| !OFF_REGIME_PARAMETERS.contains(&p.name.as_str()))
        .filter_map(|(i, p)| {
            p.range
                .filter(|(lo, hi)| hi > lo)
                .map(|(lo, hi)| (i, lo, hi))
        })
        .collect();
    let design = LatinHypercube::new(inputs_free.len(), DRAWS, SEED).unwrap();
    let unit = design.all_unit_rows();
    let baseline = files(None, "baseline");
    let mut base_params = model.default_params();
    {
        let (mut exo, mut settings) = (model.default_exogenous(), model.default_settings());
        for f in &baseline {
            pressure::sim::Scenario::load(&models_dir().join(f))
                .and_then(|s| s.apply(model, &mut base_params, &mut exo, &mut settings))
                .unwrap();
        }
    }
    let mut failures = Vec::new();
    let mut failed_rows: Vec<usize> = Vec::new();
    let mut largest: (f64, String) = (0.0, String::new());
    for (k, row) in unit.chunks_exact(inputs_free.len()).enumerate() {
        let mut params = base_params.clone();
        for (&(i, lo, hi), u) in inputs_free.iter().zip(row) {
            params.set(i, lo + u * (hi - lo));
        }
        normalise_shares(model, &mut params);
        let what = format!("draw {k}");
        match run_for(model, &params, &baseline) {
            Err(e) => {
                failed_rows.push(k);
                failures.push(format!("{what}: {e}"))
            }
            Ok(r) => {
                let (d, at) = drift(&r, &plan, &what);
                if d > largest.0 {
                    largest = (d, format!("{what}: {at}"));
                }
                if d.is_nan() || d >= TOLERANCE {
                    failed_rows.push(k);
                    let c0 = columns(&r, "currency.clearing_log_premium")
                        .first()
                        .map_or(f64::NAN, |c| c.1[0]);
                    failures.push(format!("{what}: {at} moved by {d:.2e} (clearing {c0:.3})"));
                }
            }
        }
    }
    println!(
        "{DRAWS} draws over {} parameters: largest change {:.2e} ({})",
        inputs_free.len(),
        largest.0,
        largest.1
    );
    if !failed_rows.is_empty() {
        // Which parameters the failing draws share: mean unit-cube position of the failing
        // draws per parameter, largest departures from 0.5 first.
        let d = inputs_free.len();
        let mut dev: Vec<(f64, String)> = (0..d)
            .map(|j| {
                let m = failed_rows.iter().map(|&k| unit[k * d + j]).sum::<f64>()
                    / failed_rows.len() as f64;
                (m - 0.5, model.parameters()[inputs_free[j].0].name.clone())
            })
            .collect();
        dev.sort_by(|a, b| b.0.abs().total_cmp(&a.0.abs()));
        for (m, n) in dev.iter().take(12) {
            println!("failing draws' mean position of {n}: {:+.2}", m);
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {DRAWS} draws fail:\n{}",
        failures.len(),
        failures[..failures.len().min(30)].join("\n")
    );
}

/// Constants whose elements are shares of one whole ("sum to 1" in their doc) are normalised
/// after a draw, as in `models_parameter_box.rs`.
fn normalise_shares(model: &CompiledModel, params: &mut ParamSet) {
    let mut groups: std::collections::BTreeMap<&str, Vec<usize>> = Default::default();
    for (i, info) in model.parameters().iter().enumerate() {
        if info.doc.as_deref().is_some_and(|d| d.contains("sum to 1")) && info.name.contains('[') {
            groups.entry(info.variable.as_str()).or_default().push(i);
        }
    }
    for idx in groups.values() {
        let total: f64 = idx.iter().map(|&i| params.get(i)).sum();
        for &i in idx {
            params.set(i, params.get(i) / total);
        }
    }
}

#[test]
fn the_moving_accumulators_feed_nothing_else() {
    // Nothing but another accumulator may depend on an accumulator: its drift under the
    // baseline hazard must not reach the state the steady state is about. Every accumulator
    // must be excluded from the steady-state problem.
    let ir = load_ir("sanctions.toml");
    let plan = stock_plan(&ir);
    let graph = pressure::model::loops::CausalGraph::new(&ir);
    let excluded: BTreeSet<&str> = ACCUMULATORS.iter().copied().collect();
    for name in ACCUMULATORS {
        assert!(
            plan.excluded.iter().any(|e| e == name),
            "{name} is not excluded in [settings.steady]"
        );
        let id = ir
            .variables
            .iter()
            .position(|v| v.name == name)
            .unwrap_or_else(|| panic!("excluded stock {name} is not in the model"));
        // Everything reachable from the stock, stopping at stocks (their own inflows are
        // their business; a stock reached is the end of a path).
        let start = pressure::model::VarId(id as u32);
        let mut seen = BTreeSet::from([start]);
        let mut stack = vec![start];
        let mut reached = Vec::new();
        while let Some(v) = stack.pop() {
            for w in graph.successors(v) {
                if !seen.insert(w) {
                    continue;
                }
                let var = ir.var(w);
                if matches!(var.kind, VarKind::Stock(_)) {
                    reached.push(w);
                } else {
                    stack.push(w);
                }
            }
        }
        reached.retain(|&v| ir.var(v).hidden.is_none());
        for v in reached {
            let n = ir.var(v).name.as_str();
            assert!(
                excluded.contains(n),
                "the accumulator {name} feeds the stock {n}, which is not an accumulator"
            );
        }
    }
}

/// The inflation-targeting regime (`models/inflation.toml`) changes nothing while it is off:
/// with a strong reaction and a target far from the baseline's inflation, a run whose
/// `money.targeting_start` lies beyond the horizon is bit for bit the default run, and a run
/// that switches it on at year 5 is bit for bit the default run before year 5 (so the steady
/// state every run starts from is the model's without the regime) and differs after it.
#[test]
fn inflation_targeting_is_inert_until_its_start() {
    let model = coupled();
    let files = files(None, "baseline");
    let mut base = model.default_params();
    {
        let (mut exo, mut settings) = (model.default_exogenous(), model.default_settings());
        for f in &files {
            pressure::sim::Scenario::load(&models_dir().join(f))
                .and_then(|s| s.apply(model, &mut base, &mut exo, &mut settings))
                .unwrap();
        }
    }
    // A baseline with inflation away from the target, so an active rule would bite.
    base.set(model.param_index("money.base_money_growth").unwrap(), 0.09);
    let reference = run_for(model, &base, &files).unwrap();
    let mut off = base.clone();
    off.set(model.param_index("money.inflation_reaction").unwrap(), 2.5);
    off.set(model.param_index("money.inflation_target").unwrap(), 0.02);
    let same = run_for(model, &off, &files).unwrap();
    let mut on = off.clone();
    on.set(model.param_index("money.targeting_start").unwrap(), 5.0);
    let switched = run_for(model, &on, &files).unwrap();
    let t = reference.time();
    let inflation = |r: &Results| r.column("money.inflation").unwrap().to_vec();
    let (r0, r2) = (inflation(&reference), inflation(&switched));
    assert!(r0.iter().all(|v| (v - r0[0]).abs() < 1e-9 && *v > 0.05));
    let changed = [
        "money.targeting_start",
        "money.inflation_reaction",
        "money.inflation_target",
    ];
    for c in 0..reference.names().len() {
        if changed.contains(&reference.names()[c].as_str()) {
            continue;
        }
        assert_eq!(
            reference.column_at(c),
            same.column_at(c),
            "{}",
            reference.names()[c]
        );
        for (k, &tk) in t.iter().enumerate() {
            if tk < 5.0 {
                assert_eq!(
                    reference.column_at(c)[k],
                    switched.column_at(c)[k],
                    "{} at t = {}",
                    reference.names()[c],
                    tk
                );
            }
        }
    }
    // After the switch inflation falls towards the target.
    let last = t.len() - 1;
    assert!(r2[last] < r0[last] - 0.01, "{} vs {}", r2[last], r0[last]);
}

/// The recorded export volume (`fiscal.export_volume_exogenous`, issue 14: Iran's crude exports)
/// changes nothing while its switch is off: under an energy embargo, a run given an arbitrary
/// recorded volume (`export_volume_data`) with the switch at 0 is bit for bit the default run, so
/// the episodes that do not use it are unchanged. With the switch on and a constant record the
/// embargo no longer shuts exports in (the volume follows the record, home use stays at
/// capacity); before the embargo both runs are at the same steady state.
#[test]
fn recorded_export_volume_is_inert_while_switched_off() {
    let model = coupled();
    let files = files(None, "energy_embargo");
    let mut base = model.default_params();
    {
        let (mut exo, mut settings) = (model.default_exogenous(), model.default_settings());
        for f in &files {
            pressure::sim::Scenario::load(&models_dir().join(f))
                .and_then(|s| s.apply(model, &mut base, &mut exo, &mut settings))
                .unwrap();
        }
    }
    let reference = run_for(model, &base, &files).unwrap();
    let mut off = base.clone();
    off.set(model.param_index("export_volume_data").unwrap(), 3.7);
    let same = run_for(model, &off, &files).unwrap();
    let changed = ["export_volume_data", "fiscal.export_volume_data"];
    for c in 0..reference.names().len() {
        if changed.contains(&reference.names()[c].as_str()) {
            continue;
        }
        assert_eq!(
            reference.column_at(c),
            same.column_at(c),
            "{}",
            reference.names()[c]
        );
    }
    let mut on = off.clone();
    on.set(
        model.param_index("fiscal.export_volume_exogenous").unwrap(),
        1.0,
    );
    let switched = run_for(model, &on, &files).unwrap();
    let t = reference.time();
    let vol = |r: &Results| r.column("fiscal.oil_volume").unwrap().to_vec();
    let (v0, v1) = (vol(&reference), vol(&switched));
    let last = t.len() - 1;
    // The embargo cuts the model's volume; the recorded (constant) one keeps exports whole.
    assert!(v0[last] < 0.95, "embargo volume {}", v0[last]);
    assert!(
        (v1[0] - 1.0).abs() < 1e-9 && v1[last] > v0[last] + 0.05,
        "recorded volume {} -> {} against {}",
        v1[0],
        v1[last],
        v0[last]
    );
    for (k, &tk) in t.iter().enumerate() {
        if tk < 4.9 {
            assert!(
                (v0[k] - v1[k]).abs() < 1e-9,
                "t = {tk}: {} vs {}",
                v0[k],
                v1[k]
            );
        }
    }
}

/// The main export's price follows the oil price only with the weight
/// `fiscal.export_price_oil_weight` (issue 14: FR Yugoslavia and South Africa, whose exports were
/// not oil, set their WDI fuel share). At 0 an oil collapse leaves every variable but the oil
/// price itself bit for bit where it is without the collapse; at the default 1 it cuts export
/// earnings in proportion to the price.
#[test]
fn export_price_follows_oil_only_with_its_weight() {
    let model = coupled();
    let run = |scenario: &str, weight: f64| {
        let files = files(None, scenario);
        let mut params = model.default_params();
        {
            let (mut exo, mut settings) = (model.default_exogenous(), model.default_settings());
            for f in &files {
                pressure::sim::Scenario::load(&models_dir().join(f))
                    .and_then(|s| s.apply(model, &mut params, &mut exo, &mut settings))
                    .unwrap();
            }
        }
        params.set(
            model.param_index("fiscal.export_price_oil_weight").unwrap(),
            weight,
        );
        run_for(model, &params, &files).unwrap()
    };
    let (flat, collapse) = (
        run("energy_embargo", 0.0),
        run("energy_embargo_oil_collapse", 0.0),
    );
    for c in 0..flat.names().len() {
        let name = flat.names()[c].as_str();
        // The price and the collapse's own settings differ; nothing else may.
        if name == "oil_price" || name == "fiscal.oil_price" || name.starts_with("oil_collapse") {
            continue;
        }
        assert_eq!(flat.column_at(c), collapse.column_at(c), "{name}");
    }
    // With a weight the index mixes the oil price's ratio with 1, and earnings follow it.
    let last = |r: &Results, n: &str| *r.column(n).unwrap().last().unwrap();
    for w in [1.0, 0.07] {
        let (flat, collapse) = (
            run("energy_embargo", w),
            run("energy_embargo_oil_collapse", w),
        );
        let price_ratio = last(&collapse, "oil_price") / collapse.column("oil_price").unwrap()[0];
        assert!(price_ratio < 0.9, "the scenario's collapse: {price_ratio}");
        let index = last(&collapse, "fiscal.oil_price_index");
        assert!(
            (index - (w * price_ratio + 1.0 - w)).abs() < 1e-12,
            "weight {w}: index {index}, price ratio {price_ratio}"
        );
        let earnings =
            last(&collapse, "fiscal.oil_export_revenue") / last(&flat, "fiscal.oil_export_revenue");
        assert!(
            earnings < 1.0 - 0.25 * w * (1.0 - price_ratio),
            "weight {w}: earnings ratio {earnings}"
        );
    }
}
