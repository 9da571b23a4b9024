//! The native code backend and every lane of the batch backend compute the interpreter's
//! results bit for bit (the batch backend with random parameter sets, for the fixed-step
//! methods and models it supports): on every shipped
//! model (with every scenario for the sanctions model), with every integration method, and on
//! random models that use every instruction the compiler emits; also with arrays, every
//! stateful builtin, CSV series, seeded random draws, parameter and series overrides on one
//! compiled model, non-finite values (the same error), batch runs on any number of threads,
//! and the automatic choice of backend.
//!
//! No tolerance is needed anywhere: native code calls the interpreter's own Rust functions for
//! the transcendental and other library functions (`exp`, `ln`, `powf`, ...), so both backends
//! use the same libm and no result differs by even one ulp.

use pressure_sim::{
    run_batch, Backend, BatchSimulator, CompiledModel, ExogenousSet, Method, Results, RunSettings,
    Scenario,
};
use proptest::prelude::*;
use std::path::{Path, PathBuf};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Same columns, same times, same bits (any NaN equals any NaN).
fn assert_same_bits(a: &Results, b: &Results, what: &str) {
    assert_eq!(a.names(), b.names(), "{what}");
    assert_eq!(a.time(), b.time(), "{what}");
    for c in 0..a.names().len() {
        for (row, (x, y)) in a.column_at(c).iter().zip(b.column_at(c)).enumerate() {
            assert!(
                x.to_bits() == y.to_bits() || (x.is_nan() && y.is_nan()),
                "{what}: {} at t = {}: interpreter {x:e}, native {y:e}",
                a.names()[c],
                a.time()[row]
            );
        }
    }
}

/// Runs with both scalar backends and compares (results, or error messages); then, for the
/// settings the batch backend supports, runs 11 parameter sets (the defaults and 10 random
/// ones: a full batch of 8 lanes and a partial one of 3) through it and compares every lane
/// with the interpreter's run of the same set.
fn compare(c: &CompiledModel, s: &RunSettings, scenario: Option<&Scenario>, what: &str) {
    compare_scalar(c, s, scenario, what);
    compare_batch(c, s, scenario, what);
}

/// Parameter sets around `base`: `base` itself, then sets whose ranged parameters are drawn
/// uniformly in their ranges and whose other parameters are scaled by a factor in [0.8, 1.2]
/// (a fixed pseudo-random sequence).
fn parameter_sets(
    c: &CompiledModel,
    base: &pressure_sim::ParamSet,
    n: usize,
) -> Vec<pressure_sim::ParamSet> {
    let mut state = 0x2545_F491_4F6C_DD1Du64;
    let mut unit = || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    let mut sets = vec![base.clone()];
    while sets.len() < n {
        let mut p = base.clone();
        for (k, info) in c.parameters().iter().enumerate() {
            p.set(
                k,
                match info.range {
                    Some((lo, hi)) => lo + (hi - lo) * unit(),
                    None => base[k] * (0.8 + 0.4 * unit()),
                },
            );
        }
        sets.push(p);
    }
    sets
}

/// Every lane of the batch backend, run by the lane interpreter and by native lane code,
/// equals the interpreter's run of its parameter set (results bit for bit, or the same error),
/// where the batch backend supports the model and settings.
fn compare_batch(c: &CompiledModel, s: &RunSettings, scenario: Option<&Scenario>, what: &str) {
    let mut params = c.default_params();
    let mut exo = c.default_exogenous();
    let mut s = s.clone();
    if let Some(sc) = scenario {
        sc.apply(c, &mut params, &mut exo, &mut s).unwrap();
    }
    if BatchSimulator::supports(c, &s).is_err() {
        return;
    }
    let sets = parameter_sets(c, &params, 11);
    let mut batch = BatchSimulator::new(c, &s.clone().with_backend(Backend::Batch)).unwrap();
    assert_eq!(batch.uses_native(), Backend::JIT_AVAILABLE, "{what}");
    batch.set_exogenous(&exo).unwrap();
    let mut scalar = c
        .simulator(&s.clone().with_backend(Backend::Interpreter))
        .unwrap();
    scalar.set_exogenous(&exo).unwrap();
    for native in [false, true] {
        assert_eq!(batch.set_native(native), native && Backend::JIT_AVAILABLE);
        let what = format!("{what}, native lanes {native}");
        compare_lanes(&mut batch, &mut scalar, &sets, &what);
    }
}

fn compare_lanes(
    batch: &mut BatchSimulator,
    scalar: &mut pressure_sim::Simulator,
    sets: &[pressure_sim::ParamSet],
    what: &str,
) {
    for (k, chunk) in sets.chunks(BatchSimulator::LANES).enumerate() {
        batch.run(chunk).unwrap();
        assert_eq!(batch.lanes_used(), chunk.len());
        for (l, p) in chunk.iter().enumerate() {
            let set = k * BatchSimulator::LANES + l;
            let what = format!("{what}, batch lane {l} (parameter set {set})");
            match (scalar.run(p), batch.lane(l)) {
                (Ok(a), Ok(b)) => assert_same_bits(a, b, &what),
                (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string(), "{what}"),
                (a, b) => panic!(
                    "{what}: interpreter {:?}, batch {:?}",
                    a.map(|_| ()).map_err(|e| e.to_string()),
                    b.map(|_| ()).map_err(|e| e.to_string())
                ),
            }
        }
    }
}

/// Runs with both scalar backends and compares (results, or error messages).
fn compare_scalar(c: &CompiledModel, s: &RunSettings, scenario: Option<&Scenario>, what: &str) {
    let run = |backend: Backend| {
        let mut params = c.default_params();
        let mut exo = c.default_exogenous();
        let mut s = s.clone().with_backend(backend);
        if let Some(sc) = scenario {
            sc.apply(c, &mut params, &mut exo, &mut s).unwrap();
        }
        c.run_with(&params, &exo, &s).map_err(|e| e.to_string())
    };
    match (run(Backend::Interpreter), run(Backend::Jit)) {
        (Ok(a), Ok(b)) => assert_same_bits(&a, &b, what),
        (Err(a), Err(b)) => assert_eq!(a, b, "{what}"),
        (a, b) => panic!(
            "{what}: interpreter {:?}, native {:?}",
            a.map(|_| ()),
            b.map(|_| ())
        ),
    }
}

fn methods(c: &CompiledModel) -> Vec<RunSettings> {
    let base = c.default_settings();
    let mut v = vec![base.clone()];
    for m in [
        Method::Euler,
        Method::Rk2,
        Method::Rk4,
        Method::Dopri5,
        Method::Dop853,
    ] {
        if m != base.method {
            v.push(base.clone().with_method(m));
        }
    }
    v
}

fn toml_files(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    v.sort();
    v
}

#[test]
fn native_code_is_available_where_it_is_built() {
    let c = compile_text("[settings]\nstop = 1\n[aux.a]\nequation = \"TIME\"\n");
    let native = c.native_code();
    assert_eq!(native.is_ok(), Backend::JIT_AVAILABLE, "{native:?}");
    if let Ok(n) = native {
        assert!(n.code_bytes > 0);
    }
}

#[test]
fn shipped_models_agree_bit_for_bit() {
    let mut checked = Vec::new();
    for dir in ["models", "models/examples"] {
        for path in toml_files(&repo().join(dir)) {
            let Ok(model) = pressure_model::load(&path) else {
                println!("skipped (not a standalone model): {}", path.display());
                continue;
            };
            let c = CompiledModel::compile(&model).unwrap();
            if Backend::JIT_AVAILABLE {
                c.native_code()
                    .unwrap_or_else(|e| panic!("{}: no native code: {e}", path.display()));
            }
            for s in methods(&c) {
                compare(&c, &s, None, &format!("{} {:?}", path.display(), s.method));
            }
            checked.push(path.file_name().unwrap().to_string_lossy().to_string());
        }
    }
    println!("checked: {checked:?}");
    for needed in ["sanctions.toml", "chain10.toml", "teacup.toml", "sir.toml"] {
        assert!(checked.iter().any(|n| n == needed), "{needed} not checked");
    }
}

/// The steady-state solver evaluates the model through the same backends: every shipped model
/// gets the same steady state (or the same error) from both, bit for bit, and runs started there
/// agree too. The sanctions model is solved with its log levels as a balanced-growth group and
/// its accumulators excluded (see crates/sim/tests/steady.rs).
#[test]
fn shipped_models_steady_states_agree_bit_for_bit() {
    use pressure_sim::{GrowthGroup, Initialise};
    let mut solved = Vec::new();
    for dir in ["models", "models/examples"] {
        for path in toml_files(&repo().join(dir)) {
            let Ok(model) = pressure_model::load(&path) else {
                continue;
            };
            let c = CompiledModel::compile(&model).unwrap();
            let mut base = c.default_settings();
            if path.ends_with("sanctions.toml") {
                base.steady.growth = vec![GrowthGroup {
                    stocks: [
                        "money.ln_money",
                        "money.ln_price",
                        "currency.ln_official_rate",
                        "currency.ln_parallel_rate",
                    ]
                    .map(String::from)
                    .to_vec(),
                    log: true,
                }];
                base.steady.exclude = [
                    "leader_survival",
                    "exits_coup",
                    "exits_popular",
                    "exits_negotiated",
                    "episode_duration",
                    "sanctions_in_force",
                    "terminated_compliance",
                    "terminated_capitulation",
                    "terminated_leader_change",
                ]
                .map(|s| format!("coalition.{s}"))
                .to_vec();
                if c.steady_state(&c.default_params(), &base).is_err() {
                    // The model is being restructured; its steady state is reported by
                    // `cargo test -p pressure-sim --test steady -- --ignored sanctions`.
                    base.steady = Default::default();
                }
            }
            let solve = |backend: Backend| {
                c.steady_state(&c.default_params(), &base.clone().with_backend(backend))
                    .map_err(|e| e.to_string())
            };
            let what = path.display().to_string();
            match (solve(Backend::Interpreter), solve(Backend::Jit)) {
                (Ok(a), Ok(b)) => {
                    assert_eq!(a, b, "{what}");
                    let s = base.clone().with_initialise(Initialise::Steady);
                    compare(&c, &s, None, &format!("{what} from its steady state"));
                    solved.push(path.file_name().unwrap().to_string_lossy().to_string());
                }
                (Err(a), Err(b)) => assert_eq!(a, b, "{what}"),
                (a, b) => panic!("{what}: interpreter {a:?}, native {b:?}"),
            }
        }
    }
    println!("solved: {solved:?}");
    assert!(solved.iter().any(|n| n == "teacup.toml"), "{solved:?}");
}

#[test]
fn sanctions_scenarios_agree_bit_for_bit() {
    let model = pressure_model::load(&repo().join("models/sanctions.toml")).unwrap();
    let c = CompiledModel::compile(&model).unwrap();
    let mut n = 0;
    for dir in ["models/scenarios", "models/presets"] {
        for path in toml_files(&repo().join(dir)) {
            let sc = Scenario::load(&path).unwrap();
            compare(
                &c,
                &c.default_settings(),
                Some(&sc),
                &path.display().to_string(),
            );
            n += 1;
        }
    }
    assert!(n >= 5, "only {n} scenarios");
}

/// A model with lookups, an exogenous series and every time input, under all methods.
#[test]
fn lookups_series_and_time_inputs_agree_bit_for_bit() {
    let c = compile_text(
        r#"
[settings]
stop = 12
dt = 0.125
[lookups.lin]
points = [[0, 0], [1, 10], [2, 15], [5, 16]]
extrapolation = "linear"
[lookups.stair]
x = [0, 1, 2]
y = [0, 10, 15]
interpolation = "step"
[exogenous.price]
points = [[0, 2], [3, 5], [7, 1], [10, 4]]
[exogenous.steps]
points = [[0, 1], [4, 3], [8, 2]]
interpolation = "step"
[stocks.x]
initial = "1"
inflows = ["fx"]
[flows.fx]
equation = "lin(x / 4) * 0.1 - x * 0.2 + stair(TIME / 3) * 0.01 + price * steps * 0.05 + STEP(2, 3) + PULSE(4, 0.5) + PULSE TRAIN(1, 0.25, 2, 9) + RAMP(0.3, 2, 6) + RAMP(0.1, 7)"
[stocks.y]
initial = "2"
inflows = ["fy"]
outflows = ["gy"]
[flows.fy]
equation = "SMOOTH3(x, 2) * 0.3 + DELAY1(price, 1.5) * 0.1 + TREND(x, 2, 0.1)"
[flows.gy]
equation = "y * 0.25 + MODULO(TIME, 2) * 0.01 + INTEGER(x) * 0.001 + POWER(ABS(x) + 1, 0.5) * 0.01"
"#,
    );
    for s in methods(&c) {
        compare(&c, &s, None, &format!("{:?}", s.method));
    }
}

fn compile_text(text: &str) -> CompiledModel {
    compile_files(&[("m.toml", text)])
}

/// Writes the files into a temporary directory and compiles the first one.
fn compile_files(files: &[(&str, &str)]) -> CompiledModel {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    let m = pressure_model::load(&dir.path().join(files[0].0)).unwrap_or_else(|e| panic!("{e}"));
    CompiledModel::compile(&m).unwrap()
}

/// Arrays (arrayed stocks, flows, constants, reductions) and every stateful builtin, with an
/// exogenous series read from CSV, under every method (adaptive runs of the DELAY FIXED model
/// fail the same way with both backends).
#[test]
fn arrays_stateful_builtins_and_csv_series_agree_bit_for_bit() {
    let model = r#"
[settings]
stop = 20
dt = 0.125
save_every = 0.5
[dimensions]
g = ["a", "b", "c", "d"]
[constants.base]
dims = ["g"]
value = [1, 1.5, 2, 3.5]
[constants.rate]
value = 0.3
[exogenous.oil]
file = "oil.csv"
[exogenous.aid]
file = "oil.csv"
column = "aid"
interpolation = "step"
[stocks.s]
dims = ["g"]
initial = "base[g]"
inflows = ["f"]
[flows.f]
dims = ["g"]
equation = "rate * (mean_s - s[g]) + SMOOTH(base[g] * STEP(1, 2), 2) * 0.1 + oil * 0.01 - aid * s[g] * 0.001"
[aux.mean_s]
equation = "MEAN(s[g!])"
[aux.total]
equation = "SUM(s[g!] * base[g!])"
[aux.top]
equation = "s[a] + MAX(s[g!]) - MIN(s[g!])"
[aux.smooths]
equation = "SMOOTHI(total, 1.5, 3) + SMOOTH3(total, 2) + SMOOTH3I(total, 2, 1) + SMOOTH N(total, 3, 2, 5)"
[aux.delays]
equation = "DELAY1(oil, 2) + DELAY1I(oil, 2, 50) + DELAY3(total, 3) + DELAY3I(total, 3, 4) + DELAY N(total, 4, 2, 6)"
[aux.signals]
equation = "TREND(total, 2, 0.05) + FORECAST(total, 2, 1) + INITIAL(total) * 0.5"
[aux.pipeline]
equation = "DELAY FIXED(top, 1.5, 2)"
[aux.feedback]
equation = "pipeline * 0.01 + smooths * 0.001 + delays * 0.002 + signals"
"#;
    let csv = "time,oil,aid\n0,60,0\n4,90,1\n9.5,45,2\n15,70,1\n";
    let c = compile_files(&[("m.toml", model), ("oil.csv", csv)]);
    for s in methods(&c) {
        let r = c.run(&c.default_params(), &s);
        assert_eq!(
            r.is_ok(),
            !s.method.is_adaptive(),
            "{:?}: {:?}",
            s.method,
            r.err()
        );
        compare(&c, &s, None, &format!("{:?}", s.method));
    }
    // The same without DELAY FIXED, so that the adaptive methods run too.
    let model = model.replace("DELAY FIXED(top, 1.5, 2)", "top * 2");
    let c = compile_files(&[("m.toml", &model), ("oil.csv", csv)]);
    for s in methods(&c) {
        let r = c.run(&c.default_params(), &s);
        assert!(r.is_ok(), "{:?}: {:?}", s.method, r.err());
        compare(&c, &s, None, &format!("{:?} without DELAY FIXED", s.method));
    }
}

/// RANDOM NORMAL / UNIFORM with a run seed: the same draws with both backends, for several
/// seeds (and different seeds give different runs, so the comparison is not vacuous).
#[test]
fn seeded_random_draws_agree_bit_for_bit() {
    let c = compile_text(
        r#"
[settings]
stop = 30
dt = 0.25
method = "rk4"
[stocks.x]
initial = "1"
inflows = ["fx"]
[flows.fx]
equation = "RANDOM NORMAL(-1, 1, 0, 0.5, 42) * 0.1 + RANDOM UNIFORM(0, 0.2, 7) - 0.1 * x"
"#,
    );
    let mut lasts = Vec::new();
    for seed in [0, 1, 12345] {
        for m in [Method::Euler, Method::Rk2, Method::Rk4] {
            let s = c.default_settings().with_method(m).with_seed(seed);
            compare(&c, &s, None, &format!("seed {seed} {m:?}"));
        }
        let s = c.default_settings().with_seed(seed);
        lasts.push(c.run(&c.default_params(), &s).unwrap().last("x").unwrap());
    }
    assert!(lasts[0] != lasts[1] && lasts[1] != lasts[2], "{lasts:?}");
}

/// One compiled model, one simulator per backend, many parameter sets and replacement series
/// (a scenario's way): native code is compiled once and every run matches the interpreter.
#[test]
fn parameter_and_series_overrides_reuse_the_native_code() {
    let c = compile_text(
        r#"
[settings]
stop = 40
dt = 0.0625
method = "rk4"
[constants.r]
value = 0.4
range = [0.1, 0.9]
[constants.k]
value = 50
[exogenous.push]
points = [[0, 1], [10, 3], [20, 0.5]]
[stocks.p]
initial = "2"
inflows = ["growth"]
[flows.growth]
equation = "r * p * (1 - p / k) + push * LN(1 + p) * 0.1"
"#,
    );
    let mut fast = c
        .simulator(&c.default_settings().with_backend(Backend::Jit))
        .unwrap();
    let mut slow = c
        .simulator(&c.default_settings().with_backend(Backend::Interpreter))
        .unwrap();
    let compiled_once = c.native_code().ok();
    let mut exo: ExogenousSet = c.default_exogenous();
    for i in 0..12 {
        let mut p = c.default_params();
        c.set_param(&mut p, "r", 0.1 + 0.07 * i as f64).unwrap();
        c.set_param(&mut p, "k", 20.0 + 10.0 * i as f64).unwrap();
        if i % 3 == 2 {
            let mut series = exo.series()[0].clone();
            series.values = vec![0.5 * i as f64, 1.0, 2.0];
            exo.set(&c, "push", series).unwrap();
            fast.set_exogenous(&exo).unwrap();
            slow.set_exogenous(&exo).unwrap();
        }
        let a = slow.run(&p).unwrap().clone();
        let b = fast.run(&p).unwrap();
        assert_same_bits(&a, b, &format!("parameter set {i}"));
        assert_eq!(fast.uses_native_code(), Backend::JIT_AVAILABLE);
        assert!(!slow.uses_native_code());
    }
    // Still the first compilation (same compile time and size: the `OnceLock` was not reset).
    assert_eq!(c.native_code().ok(), compiled_once);
}

/// A value that becomes infinite (LN of a stock crossing zero, a division by a stock reaching
/// zero) stops the run with the same error naming the variable and the time, with both
/// backends and every fixed-step method.
#[test]
fn non_finite_values_are_reported_identically() {
    let c = compile_text(
        r#"
[settings]
stop = 20
dt = 0.25
[stocks.fuel]
initial = "10"
outflows = ["burn"]
[flows.burn]
equation = "1"
[aux.log_fuel]
equation = "LN(fuel)"
[aux.per_unit]
equation = "100 / (fuel - 5)"
"#,
    );
    for m in [Method::Euler, Method::Rk2, Method::Rk4] {
        let run = |b: Backend| {
            c.run(
                &c.default_params(),
                &c.default_settings().with_method(m).with_backend(b),
            )
            .unwrap_err()
            .to_string()
        };
        let (a, b) = (run(Backend::Interpreter), run(Backend::Jit));
        assert_eq!(a, b, "{m:?}");
        // fuel = 10 - t reaches 5 at t = 5: 100 / 0 is infinite.
        assert!(
            a.starts_with("per_unit became inf at time 5;"),
            "{m:?}: {a}"
        );
    }
}

/// `run_batch` gives the same results on 1 and 3 threads and with every backend (`Auto` on
/// a batch this size compiles native code).
#[test]
fn batch_results_do_not_depend_on_threads_or_backend() {
    let model = pressure_model::load(&repo().join("models/examples/chain10.toml")).unwrap();
    let c = CompiledModel::compile(&model).unwrap();
    let sets: Vec<_> = (0..16)
        .map(|i| {
            let mut p = c.default_params();
            for (k, v) in p.iter_mut().enumerate() {
                *v *= 1.0 + 0.01 * ((i * 7 + k) % 11) as f64;
            }
            p
        })
        .collect();
    let s = c
        .default_settings()
        .with_method(Method::Rk4)
        .with_dt(1.0 / 16.0)
        .with_save_every(1.0)
        .with_span(0.0, 20.0);
    let batch = |threads: usize, backend: Backend| -> Vec<Results> {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| run_batch(&c, &sets, &s.clone().with_backend(backend), None))
            .into_iter()
            .map(|r| r.unwrap())
            .collect()
    };
    let reference = batch(1, Backend::Interpreter);
    for (threads, backend) in [
        (3, Backend::Interpreter),
        (1, Backend::Auto),
        (3, Backend::Auto),
        (3, Backend::Jit),
        (1, Backend::Batch),
        (3, Backend::Batch),
    ] {
        for (i, (a, b)) in reference.iter().zip(batch(threads, backend)).enumerate() {
            assert_same_bits(a, &b, &format!("set {i}, {threads} threads, {backend:?}"));
        }
    }
    // 16 RK4 runs of 320 steps pay for compiling: `Auto` compiled the model.
    assert_eq!(c.native_code().is_ok(), Backend::JIT_AVAILABLE);
}

/// A batch in which some lanes fail: each failing lane reports the scalar run's error (the
/// variable and the time), and the other lanes complete with the scalar results, whichever
/// lanes fail and when (before, between or after the others' failures), with every
/// fixed-step method; `run_batch` reports the same per run.
#[test]
fn a_failing_lane_fails_alone() {
    let c = compile_text(
        r#"
[settings]
stop = 20
dt = 0.25
[constants.rate]
value = 1
[stocks.fuel]
initial = "10"
outflows = ["burn"]
[flows.burn]
equation = "rate"
[aux.per_unit]
equation = "100 / (fuel - 5)"
[aux.log_fuel]
equation = "LN(fuel)"
"#,
    );
    // fuel = 10 - rate t: 100 / 0 at t = 5 / rate (within the run for rate >= 0.25, on the
    // time grid for these rates), LN of a negative stock later; rates below 0.25 never fail.
    let rates = [0.1, 1.0, 0.2, 0.5, 0.05, 2.0, 0.125, 0.25, 0.15, 4.0];
    let sets: Vec<_> = rates
        .iter()
        .map(|r| {
            let mut p = c.default_params();
            c.set_param(&mut p, "rate", *r).unwrap();
            p
        })
        .collect();
    for (m, native) in [Method::Euler, Method::Rk2, Method::Rk4]
        .into_iter()
        .flat_map(|m| [(m, false), (m, true)])
    {
        let s = c.default_settings().with_method(m);
        let mut batch = BatchSimulator::new(&c, &s).unwrap();
        assert_eq!(batch.set_native(native), native && Backend::JIT_AVAILABLE);
        let mut failed = 0;
        for (k, chunk) in sets.chunks(BatchSimulator::LANES).enumerate() {
            batch.run(chunk).unwrap();
            for (l, p) in chunk.iter().enumerate() {
                let rate = rates[k * BatchSimulator::LANES + l];
                let want = c.run(p, &s.clone().with_backend(Backend::Interpreter));
                match (want, batch.lane(l)) {
                    (Ok(a), Ok(b)) => {
                        assert!(rate < 0.25, "{m:?} rate {rate}");
                        assert_same_bits(&a, b, &format!("{m:?} rate {rate}"));
                    }
                    (Err(a), Err(b)) => {
                        assert_eq!(a.to_string(), b.to_string(), "{m:?} rate {rate}");
                        let at = format!("per_unit became inf at time {};", 5.0 / rate);
                        assert!(b.to_string().starts_with(&at), "{m:?} rate {rate}: {b}");
                        failed += 1;
                    }
                    (a, b) => {
                        panic!("{m:?} rate {rate} native {native}: interpreter {a:?}, batch {b:?}")
                    }
                }
            }
        }
        assert_eq!(failed, 5, "{m:?}");
        let runs = run_batch(&c, &sets, &s.clone().with_backend(Backend::Batch), None);
        for (r, rate) in runs.iter().zip(rates) {
            assert_eq!(r.is_err(), rate >= 0.25, "{m:?} run_batch rate {rate}");
        }
    }
}

/// Settings the batch backend does not support are refused with the reason, and `run_batch`
/// with [`Backend::Batch`] runs them one at a time instead (the same results).
#[test]
fn the_batch_backend_refuses_what_it_does_not_support() {
    let c = compile_text(
        "[settings]\nstop = 2\ndt = 0.25\n[stocks.x]\ninitial = \"1\"\ninflows = [\"g\"]\n[flows.g]\nequation = \"r * x\"\n[constants.r]\nvalue = 0.1\n",
    );
    let s = c.default_settings().with_method(Method::Dopri5);
    let why = BatchSimulator::supports(&c, &s).unwrap_err();
    assert!(why.contains("fixed steps"), "{why}");
    assert!(BatchSimulator::new(&c, &s).is_err());
    let sets = parameter_sets(&c, &c.default_params(), 9);
    let a = run_batch(&c, &sets, &s.clone().with_backend(Backend::Batch), None);
    let b = run_batch(
        &c,
        &sets,
        &s.clone().with_backend(Backend::Interpreter),
        None,
    );
    for (x, y) in a.iter().zip(&b) {
        assert_same_bits(x.as_ref().unwrap(), y.as_ref().unwrap(), "dopri5");
    }
    let random =
        compile_text("[settings]\nstop = 2\n[aux.a]\nequation = \"RANDOM UNIFORM(0, 1, 3)\"\n");
    let why = BatchSimulator::supports(&random, &random.default_settings()).unwrap_err();
    assert!(why.contains("RANDOM"), "{why}");
}

/// Under `Auto`, a batch that uses native code and stores few values per run goes through
/// native lane code (`uses_batch_backend`), one that stores more than one value per eight
/// instruction-evaluations stays on scalar native code; either way (and for every output at
/// every step) every run equals the interpreter's bit for bit.
#[test]
fn auto_chooses_native_lanes_for_few_stored_values_without_changing_results() {
    let model = pressure_model::load(&repo().join("models/examples/chain10.toml")).unwrap();
    let c = CompiledModel::compile(&model).unwrap();
    let sets = parameter_sets(&c, &c.default_params(), 20);
    let s = c
        .default_settings()
        .with_method(Method::Rk4)
        .with_dt(1.0 / 16.0)
        .with_save_every(10.0)
        .with_span(0.0, 20.0);
    let auto = s.clone().with_backend(Backend::Auto);
    let (instructions, evaluations) = (c.program_size().1 as u64, 4 * 320 + 1);
    // x1 at 3 saved rows.
    let few = 3;
    assert!(8 * few <= instructions * evaluations);
    assert_eq!(
        pressure_sim::uses_batch_backend(&c, &auto, sets.len(), few),
        Backend::JIT_AVAILABLE
    );
    let many = instructions * evaluations / 8 + 1;
    assert!(!pressure_sim::uses_batch_backend(
        &c,
        &auto,
        sets.len(),
        many
    ));
    assert!(!pressure_sim::uses_batch_backend(&c, &auto, 7, few));
    let want = run_batch(
        &c,
        &sets,
        &s.clone().with_backend(Backend::Interpreter),
        Some(&["x1"]),
    );
    let got = run_batch(&c, &sets, &auto, Some(&["x1"]));
    for (k, (w, g)) in want.iter().zip(&got).enumerate() {
        assert_same_bits(
            w.as_ref().unwrap(),
            g.as_ref().unwrap(),
            &format!("set {k}"),
        );
    }
    let dense = s.clone().with_save_every(1.0 / 16.0);
    let want = run_batch(
        &c,
        &sets,
        &dense.clone().with_backend(Backend::Interpreter),
        None,
    );
    let got = run_batch(&c, &sets, &dense.with_backend(Backend::Auto), None);
    for (k, (w, g)) in want.iter().zip(&got).enumerate() {
        assert_same_bits(
            w.as_ref().unwrap(),
            g.as_ref().unwrap(),
            &format!("dense set {k}"),
        );
    }
}

/// `Auto` leaves a short run of a tiny model to the interpreter and compiles for a long run
/// (64 000 RK4 evaluations), and for the short runs once they add up.
#[test]
fn auto_compiles_when_the_work_pays_for_it() {
    let teacup = pressure_model::load(&repo().join("models/examples/teacup.toml")).unwrap();
    let c = CompiledModel::compile(&teacup).unwrap();
    let s = c.default_settings().with_backend(Backend::Auto);
    let mut sim = c.simulator(&s).unwrap();
    let p = c.default_params();
    let first = sim.run(&p).unwrap().clone();
    assert!(
        !sim.uses_native_code(),
        "one 240-step teacup run is interpreted"
    );
    let mut runs = 1;
    while !sim.uses_native_code() && runs < 1000 {
        assert_same_bits(&first, sim.run(&p).unwrap(), "teacup");
        runs += 1;
    }
    if Backend::JIT_AVAILABLE {
        // 50 000 + 500 x 3 instruction-evaluations at 241 x 3 per run: the 72nd run.
        assert_eq!(runs, 72);
        assert_same_bits(&first, sim.results(), "teacup, native");
    } else {
        assert_eq!(runs, 1000);
    }

    let long = compile_text(
        "[settings]\nstop = 1000\ndt = 0.0625\nmethod = \"rk4\"\n[stocks.x]\ninitial = \"1\"\noutflows = [\"d\"]\n[flows.d]\nequation = \"0.1 * x + 0.01 * SIN(TIME)\"\n",
    );
    let mut sim = long
        .simulator(&long.default_settings().with_backend(Backend::Auto))
        .unwrap();
    sim.run(&long.default_params()).unwrap();
    assert_eq!(sim.uses_native_code(), Backend::JIT_AVAILABLE);
}

// ---- random models -----------------------------------------------------------------------

const NAMES: [&str; 12] = [
    "s0", "s1", "s2", "f0", "f1", "f2", "a0", "a1", "a2", "c0", "c1", "price",
];

fn expr() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        (0u32..20).prop_map(|v| v.to_string()),
        (-5.0f64..5.0).prop_map(|v| format!("{v:.3}")),
        proptest::sample::select(&NAMES[..]).prop_map(|s| s.to_string()),
        Just("TIME".to_string()),
        Just("DT".to_string()),
        Just("0".to_string()),
    ];
    leaf.prop_recursive(4, 24, 3, |inner| {
        prop_oneof![
            (
                inner.clone(),
                proptest::sample::select(
                    &["+", "-", "*", "/", "^", "<", "<=", ">", ">=", "=", "<>", "AND", "OR"][..]
                ),
                inner.clone()
            )
                .prop_map(|(a, op, b)| format!("({a} {op} {b})")),
            inner.clone().prop_map(|a| format!("-{a}")),
            inner.clone().prop_map(|a| format!("(NOT {a})")),
            (
                proptest::sample::select(
                    &[
                        "ABS", "EXP", "LN", "LOG10", "SQRT", "SIN", "COS", "TAN", "ARCSIN",
                        "ARCCOS", "ARCTAN", "INTEGER", "INITIAL", "lin", "stair"
                    ][..]
                ),
                inner.clone()
            )
                .prop_map(|(f, a)| format!("{f}({a})")),
            (
                proptest::sample::select(
                    &[
                        "MIN", "MAX", "ZIDZ", "STEP", "PULSE", "SMOOTH", "DELAY1", "MODULO",
                        "POWER", "LOG"
                    ][..]
                ),
                inner.clone(),
                inner.clone()
            )
                .prop_map(|(f, a, b)| format!("{f}({a}, {b})")),
            (inner.clone(), inner.clone(), inner.clone())
                .prop_map(|(c, a, b)| format!("IF THEN ELSE({c}, {a}, {b})")),
            (inner.clone(), inner.clone(), inner.clone())
                .prop_map(|(a, b, c)| format!("XIDZ({a}, {b}, {c})")),
            (inner.clone(), inner.clone(), inner.clone())
                .prop_map(|(a, b, c)| format!("RAMP({a}, {b}, {c})")),
            (inner.clone(), inner.clone(), inner.clone(), inner)
                .prop_map(|(a, b, c, d)| format!("PULSE TRAIN({a}, {b}, {c}, {d})")),
        ]
    })
}

fn model() -> impl Strategy<Value = String> {
    (
        proptest::collection::vec(expr(), 3),
        proptest::collection::vec(expr(), 3),
        proptest::collection::vec(expr(), 3),
        proptest::collection::vec(-3.0f64..10.0, 2),
        proptest::sample::select(&["euler", "rk2", "rk4", "dopri5", "dop853"][..]),
        any::<bool>(),
    )
        .prop_map(|(inits, flows, auxes, consts, method, nonneg)| {
            let mut s = format!(
                "[settings]\nstop = 4\ndt = 0.25\nmethod = \"{method}\"\nrtol = 1e-4\n\
                 [lookups.lin]\npoints = [[-1, 3], [0, 0], [1, 10], [2, 15]]\nextrapolation = \"linear\"\n\
                 [lookups.stair]\nx = [0, 1, 2]\ny = [0, 10, 15]\ninterpolation = \"step\"\n\
                 [exogenous.price]\npoints = [[0, 2], [1.5, 5], [3, 1]]\n"
            );
            for i in 0..3 {
                s += &format!(
                    "[stocks.s{i}]\ninitial = \"{}\"\ninflows = [\"f{i}\"]\nnon_negative = {nonneg}\n",
                    inits[i]
                );
                s += &format!("[flows.f{i}]\nequation = \"{}\"\n", flows[i]);
                s += &format!("[aux.a{i}]\nequation = \"{}\"\n", auxes[i]);
            }
            for (i, c) in consts.iter().enumerate() {
                s += &format!("[constants.c{i}]\nvalue = {c}\n");
            }
            s
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn random_models_agree_bit_for_bit(text in model()) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.toml");
        std::fs::write(&path, &text).unwrap();
        let Ok(m) = pressure_model::load(&path) else { return Ok(()) };
        let c = CompiledModel::compile(&m).unwrap();
        for method in [Method::Euler, Method::Rk4, Method::Dopri5] {
            let mut s = c.default_settings().with_method(method);
            s.max_steps = 5_000;
            compare(&c, &s, None, &format!("{method:?}\n{text}"));
        }
    }
}

/// A run that keeps only some saved rows (`save_rows`: what a consumer of a few values asks
/// for) holds exactly those rows of the full run, bit for bit, with their times: with the
/// interpreter, native code and every lane of the batch backend, fixed-step and adaptive
/// methods; and `save_rows(None)` and a change of settings bring every row back.
#[test]
fn kept_rows_equal_the_full_runs_rows_bit_for_bit() {
    let load = |rel: &str| {
        CompiledModel::compile(&pressure_model::load(&repo().join(rel)).unwrap()).unwrap()
    };
    let (chain, sir) = (
        load("models/examples/chain10.toml"),
        load("models/examples/sir.toml"),
    );
    for (name, c) in [("chain10", &chain), ("sir", &sir)] {
        for s in methods(c) {
            let what = format!("{name}, {:?}", s.method);
            let n = s.rows();
            let keep = [1, n / 3, n / 2 + 1, n - 1];
            let sets = parameter_sets(c, &c.default_params(), 11);
            for backend in [Backend::Interpreter, Backend::Jit] {
                let s = s.clone().with_backend(backend);
                let mut full = c.simulator(&s).unwrap();
                let mut kept = c.simulator(&s).unwrap();
                kept.save_rows(Some(&keep)).unwrap();
                for p in &sets {
                    let (a, b) = (full.run(p).unwrap().clone(), kept.run(p).unwrap());
                    assert_eq!(b.rows(), keep.len(), "{what}");
                    for (j, &row) in keep.iter().enumerate() {
                        assert_eq!(b.time()[j], a.time()[row], "{what}");
                        for col in 0..a.names().len() {
                            assert_eq!(
                                b.column_at(col)[j].to_bits(),
                                a.column_at(col)[row].to_bits(),
                                "{what}, {backend:?}, {} at row {row}",
                                a.names()[col]
                            );
                        }
                    }
                }
                kept.save_rows(None).unwrap();
                assert_same_bits(
                    full.run(&sets[1]).unwrap(),
                    &kept.run(&sets[1]).unwrap().clone(),
                    &what,
                );
            }
            if BatchSimulator::supports(c, &s).is_err() {
                continue;
            }
            let mut scalar = c
                .simulator(&s.clone().with_backend(Backend::Interpreter))
                .unwrap();
            let mut batch = BatchSimulator::new(c, &s).unwrap();
            batch.save_rows(Some(&keep)).unwrap();
            for chunk in sets.chunks(BatchSimulator::LANES) {
                batch.run(chunk).unwrap();
                for (l, p) in chunk.iter().enumerate() {
                    let a = scalar.run(p).unwrap();
                    let b = batch.lane(l).unwrap();
                    assert_eq!(b.rows(), keep.len(), "{what}");
                    for (j, &row) in keep.iter().enumerate() {
                        assert_eq!(b.time()[j], a.time()[row], "{what}");
                        for col in 0..a.names().len() {
                            assert_eq!(
                                b.column_at(col)[j].to_bits(),
                                a.column_at(col)[row].to_bits(),
                                "{what}, batch lane {l}, {} at row {row}",
                                a.names()[col]
                            );
                        }
                    }
                }
            }
        }
    }
    // Rows out of order or beyond the grid are an error.
    let mut sim = sir.simulator(&sir.default_settings()).unwrap();
    let n = sir.default_settings().rows();
    assert!(sim.save_rows(Some(&[3, 2])).is_err());
    assert!(sim.save_rows(Some(&[n])).is_err());
    // A change of settings keeps every row again.
    sim.save_rows(Some(&[0])).unwrap();
    sim.set_settings(&sir.default_settings().with_method(Method::Rk4))
        .unwrap();
    assert_eq!(sim.run(&sir.default_params()).unwrap().rows(), n);
}
