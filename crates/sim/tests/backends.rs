//! The native code backend computes the interpreter's results bit for bit: on every shipped
//! model (with every scenario for the sanctions model), with every integration method, and on
//! random models that use every instruction the compiler emits.

use pressure_sim::{Backend, CompiledModel, Method, Results, RunSettings, Scenario};
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

/// Runs with both backends and compares (results, or error messages).
fn compare(c: &CompiledModel, s: &RunSettings, scenario: Option<&Scenario>, what: &str) {
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
    for m in [Method::Euler, Method::Rk2, Method::Rk4, Method::Dop853] {
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
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.toml");
    std::fs::write(&path, text).unwrap();
    let m = pressure_model::load(&path).unwrap_or_else(|e| panic!("{e}"));
    CompiledModel::compile(&m).unwrap()
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
