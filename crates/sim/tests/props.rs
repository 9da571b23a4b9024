//! Property test: a random well-formed model either runs or fails with an error; it never
//! panics (in loading, compiling or running, with any integration method).

use pressure_sim::{CompiledModel, Method};
use proptest::prelude::*;
use proptest::strategy::ValueTree;

/// The generator must produce models that load and run, or the property says little.
#[test]
fn the_generator_produces_runnable_models() {
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let (mut loaded, mut ran) = (0, 0);
    for _ in 0..200 {
        let text = model().new_tree(&mut runner).unwrap().current();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.toml");
        std::fs::write(&path, &text).unwrap();
        if let Ok(m) = pressure_model::load(&path) {
            loaded += 1;
            let c = CompiledModel::compile(&m).unwrap();
            if c.run(
                &c.default_params(),
                &c.default_settings().with_method(Method::Euler),
            )
            .is_ok()
            {
                ran += 1;
            }
        }
    }
    println!("of 200 random models: {loaded} loaded, {ran} ran with Euler");
    assert!(loaded >= 40 && ran >= 20, "loaded {loaded}, ran {ran}");
}

const NAMES: [&str; 11] = [
    "s0", "s1", "s2", "f0", "f1", "f2", "a0", "a1", "a2", "c0", "c1",
];

fn expr() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        (0u32..20).prop_map(|v| v.to_string()),
        (0.0f64..5.0).prop_map(|v| format!("{v:.3}")),
        proptest::sample::select(&NAMES[..]).prop_map(|s| s.to_string()),
        Just("TIME".to_string()),
        Just("DT".to_string()),
    ];
    leaf.prop_recursive(4, 24, 3, |inner| {
        prop_oneof![
            (
                inner.clone(),
                proptest::sample::select(&["+", "-", "*", "/", "^", "<", "=", "AND", "OR"][..]),
                inner.clone()
            )
                .prop_map(|(a, op, b)| format!("({a} {op} {b})")),
            inner.clone().prop_map(|a| format!("-{a}")),
            (
                proptest::sample::select(
                    &["ABS", "EXP", "LN", "SQRT", "SIN", "INTEGER", "INITIAL"][..]
                ),
                inner.clone()
            )
                .prop_map(|(f, a)| format!("{f}({a})")),
            (
                proptest::sample::select(
                    &[
                        "MIN", "MAX", "ZIDZ", "STEP", "PULSE", "SMOOTH", "DELAY1", "DELAY3",
                        "SMOOTH3", "MODULO"
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
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("DELAY FIXED({a}, 1, {b})")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("RAMP({a}, {b})")),
            (inner.clone(), inner).prop_map(|(a, b)| format!("TREND({a}, 2, {b})")),
        ]
    })
}

fn model() -> impl Strategy<Value = String> {
    (
        proptest::collection::vec(expr(), 3),
        proptest::collection::vec(expr(), 3),
        proptest::collection::vec(expr(), 3),
        proptest::collection::vec(0.0f64..10.0, 2),
        proptest::sample::select(&["euler", "rk2", "rk4", "dopri5", "dop853"][..]),
        any::<bool>(),
    )
        .prop_map(|(inits, flows, auxes, consts, method, nonneg)| {
            let mut s = format!("[settings]\nstop = 4\ndt = 0.25\nmethod = \"{method}\"\nrtol = 1e-4\n");
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
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn random_models_run_or_fail_cleanly(text in model()) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.toml");
        std::fs::write(&path, &text).unwrap();
        let Ok(m) = pressure_model::load(&path) else { return Ok(()) };
        let c = CompiledModel::compile(&m).unwrap();
        for method in Method::ALL {
            let mut s = c.default_settings().with_method(method);
            s.max_steps = 20_000;
            match c.run(&c.default_params(), &s) {
                Ok(r) => {
                    prop_assert_eq!(r.rows(), 17);
                    for col in 0..r.names().len() {
                        prop_assert!(r.column_at(col).iter().all(|v| v.is_finite()));
                    }
                }
                Err(e) => {
                    // An error always explains itself.
                    prop_assert!(!e.to_string().is_empty());
                }
            }
        }
    }
}
