//! The steady-state solver against models with known equilibria, and runs started there.
//! Each test fails if the solver found a wrong state, if INITIAL values were not taken at the
//! steady state, or if a run started there drifted.

mod common;
use common::*;
use pressure_sim::{
    Backend, CompiledModel, GrowthGroup, Hold, Initialise, Method, ParamSet, RunSettings, SimError,
    SteadyKind, SteadyRole, SteadySettings,
};

fn steady(c: &CompiledModel) -> RunSettings {
    c.default_settings().with_initialise(Initialise::Steady)
}

fn close(a: f64, b: f64, rel: f64) -> bool {
    (a - b).abs() <= rel * b.abs().max(1e-300)
}

/// The largest relative change of any column of a run from its first row.
fn max_drift(r: &pressure_sim::Results) -> (String, f64) {
    let mut worst = (String::new(), 0.0f64);
    for (c, name) in r.names().iter().enumerate() {
        let col = r.column_at(c);
        let first = col[0];
        for v in col {
            let d = (v - first).abs() / first.abs().max(1e-12);
            if d > worst.1 {
                worst = (name.clone(), d);
            }
        }
    }
    worst
}

const LOGISTIC: &str = r#"
[settings]
stop = 30
dt = 0.25
method = "rk4"
[stocks.population]
initial = "initial_population"
inflows = ["growth"]
non_negative = true
[flows.growth]
equation = "r * population * (1 - population / capacity)"
[constants.initial_population]
value = 1
[constants.r]
value = 0.5
[constants.capacity]
value = 1000
range = [10, 5000]
"#;

#[test]
fn logistic_goes_to_its_capacity_not_to_zero() {
    let c = compile(LOGISTIC);
    let s = c
        .steady_state(&c.default_params(), &c.default_settings())
        .unwrap();
    let p = &s.values[0];
    assert_eq!(p.name, "population");
    assert_eq!(p.kind, SteadyKind::Stock);
    assert_eq!(p.role, SteadyRole::Solved);
    assert!(close(p.value, 1000.0, 1e-12), "{}", p.value);
    assert_eq!(p.initial, 1.0);
    assert!(p.net_flow.abs() <= 1e-10 * 1000.0, "{}", p.net_flow);
    assert!(s.residual <= 1e-10, "{}", s.residual);
    assert!(s.iterations > 0 && s.evaluations > s.iterations);
}

#[test]
fn a_parameter_change_moves_the_equilibrium_and_the_solver_follows() {
    let c = compile(LOGISTIC);
    let i = c.param_index("capacity").unwrap();
    for k in [10.0, 55.5, 1000.0, 4321.0] {
        let mut p = c.default_params();
        p.set(i, k);
        let s = c.steady_state(&p, &c.default_settings()).unwrap();
        assert!(
            close(s.value("population").unwrap(), k, 1e-12),
            "capacity {k}: {s:?}"
        );
    }
}

const PREDATOR_PREY: &str = r#"
[settings]
stop = 50
dt = 0.0625
method = "rk4"
[stocks.prey]
initial = "10"
inflows = ["prey_births"]
outflows = ["predation"]
[stocks.predators]
initial = "5"
inflows = ["predator_births"]
outflows = ["predator_deaths"]
[flows.prey_births]
equation = "a * prey"
[flows.predation]
equation = "b * prey * predators"
[flows.predator_births]
equation = "d * prey * predators"
[flows.predator_deaths]
equation = "c * predators"
[constants.a]
value = 1.0
[constants.b]
value = 0.1
[constants.c]
value = 1.5
[constants.d]
value = 0.075
"#;

/// Lotka–Volterra: the interior equilibrium is (c/d, a/b) = (20, 10); the orbits around it are
/// closed, so the solver must not rely on the dynamics converging.
#[test]
fn predator_prey_interior_point() {
    let c = compile(PREDATOR_PREY);
    let s = c
        .steady_state(&c.default_params(), &c.default_settings())
        .unwrap();
    assert!(close(s.value("prey").unwrap(), 1.5 / 0.075, 1e-12), "{s:?}");
    assert!(
        close(s.value("predators").unwrap(), 1.0 / 0.1, 1e-12),
        "{s:?}"
    );
    // A run from there stays put.
    let r = c.run(&c.default_params(), &steady(&c)).unwrap();
    let (name, drift) = max_drift(&r);
    assert!(drift < 1e-9, "{name} drifted by {drift}");
}

const CHAIN: &str = r#"
[settings]
stop = 30
dt = 0.125
method = "rk4"
[stocks.s1]
initial = "0"
inflows = ["inflow"]
outflows = ["f12"]
[stocks.s2]
initial = "0"
inflows = ["f12"]
outflows = ["f23"]
[stocks.s3]
initial = "0"
inflows = ["f23"]
outflows = ["out"]
[flows.inflow]
equation = "u"
[flows.f12]
equation = "s1 / t1"
[flows.f23]
equation = "s2 / t2"
[flows.out]
equation = "s3 / t3"
[constants.u]
value = 4
[constants.t1]
value = 2
[constants.t2]
value = 3
[constants.t3]
value = 5
"#;

/// A linear chain with inflow `u`: each stock holds `u` times its residence time.
#[test]
fn linear_chain_with_inflow() {
    let c = compile(CHAIN);
    let ui = c.param_index("u").unwrap();
    for u in [4.0, 0.5, 123.0] {
        let mut p = c.default_params();
        p.set(ui, u);
        let s = c.steady_state(&p, &c.default_settings()).unwrap();
        for (name, t) in [("s1", 2.0), ("s2", 3.0), ("s3", 5.0)] {
            assert!(
                close(s.value(name).unwrap(), u * t, 1e-12),
                "u = {u}: {s:?}"
            );
        }
        let r = c.run(&p, &steady(&c)).unwrap();
        let (name, drift) = max_drift(&r);
        assert!(drift < 1e-9, "u = {u}: {name} drifted by {drift}");
        assert!(close(r.column("s3").unwrap()[0], u * 5.0, 1e-12));
    }
}

const INVENTORY: &str = r#"
[settings]
stop = 40
dt = 0.0625
method = "rk4"
[stocks.inventory]
initial = "50"
inflows = ["arrivals"]
outflows = ["shipments"]
[flows.arrivals]
equation = "DELAY3(orders, delivery_delay)"
[flows.shipments]
equation = "demand"
[aux.expected_demand]
equation = "SMOOTH(demand, 4)"
[aux.orders]
equation = "MAX(0, expected_demand + (target - inventory) / adjustment_time)"
[aux.demand]
equation = "10 + STEP(5, 10)"
[constants.target]
value = 100
[constants.adjustment_time]
value = 2
[constants.delivery_delay]
value = 6
"#;

/// SMOOTH and DELAY3 hidden stocks sit at their input's value at the steady state: the smooth
/// at the demand, each of the three delay stages at `orders * delay / 3`.
#[test]
fn smooth_and_delay3_hidden_stocks() {
    let c = compile(INVENTORY);
    let s = c
        .steady_state(&c.default_params(), &c.default_settings())
        .unwrap();
    assert!(close(s.value("inventory").unwrap(), 100.0, 1e-12), "{s:?}");
    let hidden: Vec<_> = s
        .values
        .iter()
        .filter(|v| v.kind == SteadyKind::HiddenStock)
        .collect();
    assert_eq!(hidden.len(), 4, "{hidden:?}");
    for v in &hidden {
        let want = if v.name.contains("SMOOTH") {
            10.0
        } else {
            10.0 * 6.0 / 3.0
        };
        assert!(close(v.value, want, 1e-12), "{v:?}");
        assert!(
            v.name.starts_with("arrivals (DELAY3") || v.name.starts_with("expected_demand (SMOOTH"),
            "{}",
            v.name
        );
    }
    // Started there, nothing moves until the demand steps up at time 10.
    let mut settings = steady(&c);
    settings.stop = 9.5;
    let r = c.run(&c.default_params(), &settings).unwrap();
    let (name, drift) = max_drift(&r);
    assert!(drift < 1e-9, "{name} drifted by {drift}");
}

const PIPELINE: &str = r#"
[settings]
stop = 20
dt = 0.25
method = "euler"
[stocks.x]
initial = "0"
inflows = ["delayed"]
outflows = ["drain"]
[flows.delayed]
equation = "DELAY FIXED(supply, 2, 0)"
[flows.drain]
equation = "x / tau"
[aux.supply]
equation = "3 + 0.1 * x"
[constants.tau]
value = 5
"#;

/// A DELAY FIXED pipeline is full of its input at the steady state:
/// x = tau (3 + 0.1 x), so x = 3 tau / (1 - 0.1 tau) = 30.
#[test]
fn delay_fixed_pipeline() {
    let c = compile(PIPELINE);
    let s = c
        .steady_state(&c.default_params(), &c.default_settings())
        .unwrap();
    assert!(close(s.value("x").unwrap(), 30.0, 1e-12), "{s:?}");
    let pipe = s
        .values
        .iter()
        .find(|v| v.kind == SteadyKind::Pipeline)
        .unwrap();
    assert!(close(pipe.value, 6.0, 1e-12), "{pipe:?}");
    assert_eq!(pipe.name, "delayed (DELAY FIXED)");
    let r = c.run(&c.default_params(), &steady(&c)).unwrap();
    let (name, drift) = max_drift(&r);
    assert!(drift < 1e-9, "{name} drifted by {drift}");
}

const ARRAYED: &str = r#"
[settings]
stop = 10
dt = 0.125
method = "rk4"
[dimensions]
region = ["north", "south", "east"]
[stocks.population]
dims = ["region"]
initial = "1"
inflows = ["growth"]
[flows.growth]
dims = ["region"]
equation = "r * population[region] * (1 - population[region] / capacity[region]) + migration[region]"
[aux.migration]
dims = ["region"]
equation = "0.01 * (MEAN(population[region!]) - population[region])"
[constants.r]
value = 0.4
[constants.capacity]
dims = ["region"]
value = [100, 200, 400]
"#;

/// Arrayed stocks are solved element by element; the solution satisfies every element's
/// equation (checked against the net flows the model computes, and against a long run).
#[test]
fn arrayed_stocks_element_by_element() {
    let c = compile(ARRAYED);
    let s = c
        .steady_state(&c.default_params(), &c.default_settings())
        .unwrap();
    let names: Vec<&str> = s.values.iter().map(|v| v.name.as_str()).collect();
    assert_eq!(
        names,
        ["population[north]", "population[south]", "population[east]"]
    );
    let x: Vec<f64> = s.values.iter().map(|v| v.value).collect();
    let mean = x.iter().sum::<f64>() / 3.0;
    for (k, cap) in [100.0, 200.0, 400.0].iter().enumerate() {
        let f = 0.4 * x[k] * (1.0 - x[k] / cap) + 0.01 * (mean - x[k]);
        assert!(f.abs() < 1e-9 * x[k], "element {k}: net flow {f}");
        assert!(x[k] > 0.9 * cap && x[k] < 1.1 * cap, "{x:?}");
    }
    // A long run from the initial values ends there too (a stable equilibrium).
    let r = c
        .run(
            &c.default_params(),
            &c.default_settings().with_span(0.0, 200.0),
        )
        .unwrap();
    for (k, v) in s.values.iter().enumerate() {
        let end = r.last(&v.name).unwrap();
        assert!(close(end, x[k], 1e-6), "{}: {end} vs {}", v.name, x[k]);
    }
}

const INITIAL_REF: &str = r#"
[settings]
stop = 30
dt = 0.125
method = "rk4"
[stocks.x]
initial = "1"
inflows = ["inflow"]
outflows = ["outflow"]
[flows.inflow]
equation = "a + c * (x - reference)"
[flows.outflow]
equation = "b * x"
[aux.reference]
equation = "INITIAL(x)"
[aux.double_reference]
equation = "2 * reference"
[constants.a]
value = 6
[constants.b]
value = 0.5
[constants.c]
value = 0.2
"#;

/// INITIAL(x) is x at the state the run starts from. At the steady state x - reference = 0,
/// so x* = a / b = 12 (with the reference taken at the model's initial value 1 it would be
/// (a - c) / (b - c) = 19.33...). Values computed once from INITIAL follow it.
#[test]
fn initial_values_are_taken_at_the_steady_state() {
    let c = compile(INITIAL_REF);
    let s = c
        .steady_state(&c.default_params(), &c.default_settings())
        .unwrap();
    assert!(close(s.value("x").unwrap(), 12.0, 1e-12), "{s:?}");
    let r = c.run(&c.default_params(), &steady(&c)).unwrap();
    assert!(close(r.column("reference").unwrap()[0], 12.0, 1e-12));
    assert!(close(r.column("double_reference").unwrap()[0], 24.0, 1e-12));
    let (name, drift) = max_drift(&r);
    assert!(drift < 1e-9, "{name} drifted by {drift}");
}

const NO_EQUILIBRIUM: &str = r#"
[settings]
stop = 10
[stocks.level]
initial = "0"
inflows = ["fill"]
[stocks.tank]
initial = "5"
outflows = ["leak"]
inflows = ["refill"]
[flows.fill]
equation = "2 + 0 * tank"
[flows.leak]
equation = "tank / 4"
[flows.refill]
equation = "1"
"#;

/// `level` fills at a constant rate forever: no steady state, and the error names it (and
/// only it: `tank` has its equilibrium at 4).
#[test]
fn no_equilibrium_is_a_clear_error_naming_the_stock() {
    let c = compile(NO_EQUILIBRIUM);
    let err = c
        .steady_state(&c.default_params(), &c.default_settings())
        .unwrap_err();
    let SimError::NoSteadyState {
        stocks, residual, ..
    } = &err
    else {
        panic!("{err:?}");
    };
    assert_eq!(stocks.len(), 1, "{stocks:?}");
    assert_eq!(stocks[0].0, "level");
    assert!(*residual > 1e-3);
    let text = err.to_string();
    assert!(
        text.contains("no steady state") && text.contains("level"),
        "{text}"
    );
    assert!(!err.is_input_error());
    // A run asked to start there fails the same way.
    let run = c.run(&c.default_params(), &steady(&c)).unwrap_err();
    assert!(matches!(run, SimError::NoSteadyState { .. }), "{run:?}");
    // Excluding the accumulator, the rest has its steady state.
    let settings = c.default_settings().with_steady(SteadySettings {
        exclude: vec!["level".into()],
        ..SteadySettings::default()
    });
    let s = c.steady_state(&c.default_params(), &settings).unwrap();
    assert!(close(s.value("tank").unwrap(), 4.0, 1e-12), "{s:?}");
    assert_eq!(s.value("level"), Some(0.0));
    assert_eq!(s.values[0].role, SteadyRole::Excluded);
}

const MONEY: &str = r#"
[settings]
stop = 20
dt = 0.125
method = "euler"
[stocks.ln_money]
initial = "2"
inflows = ["money_growth"]
[stocks.ln_price]
initial = "0"
inflows = ["inflation"]
[stocks.money]
initial = "10"
inflows = ["money_issue"]
[stocks.price]
initial = "1"
inflows = ["price_change"]
[flows.money_growth]
equation = "mu"
[flows.inflation]
equation = "(ln_money - ln_price - ln_k) / tau"
[flows.money_issue]
equation = "mu * money"
[flows.price_change]
equation = "(money / k - price) / tau"
[aux.expected_inflation]
equation = "SMOOTH(inflation, 2)"
[aux.real_balances]
equation = "ln_money - ln_price"
[constants.mu]
value = 0.1
range = [0, 1]
[constants.ln_k]
value = 1
[constants.k]
value = 2
[constants.tau]
value = 0.5
"#;

fn money_growth_settings(c: &CompiledModel) -> RunSettings {
    c.default_settings().with_steady(SteadySettings {
        growth: vec![
            GrowthGroup {
                stocks: vec!["ln_money".into(), "ln_price".into()],
                log: true,
            },
            GrowthGroup {
                stocks: vec!["money".into(), "price".into()],
                log: false,
            },
        ],
        ..SteadySettings::default()
    })
}

/// Balanced growth: log money grows at mu, so does log price, and ln_money - ln_price =
/// ln_k + mu tau; in levels, price / money = 1 / (k (1 + mu tau)). The anchors (the first
/// stock of each group) keep their initial values; expected inflation (a SMOOTH) is mu.
#[test]
fn balanced_growth_with_log_and_level_groups() {
    let c = compile(MONEY);
    let settings = money_growth_settings(&c);
    let s = c.steady_state(&c.default_params(), &settings).unwrap();
    let (mu, tau) = (0.1, 0.5);
    assert_eq!(s.growth.len(), 2);
    assert!(close(s.growth[0].rate, mu, 1e-12), "{:?}", s.growth);
    assert!(close(s.growth[1].rate, mu, 1e-12), "{:?}", s.growth);
    assert_eq!(s.value("ln_money"), Some(2.0));
    assert!(
        close(s.value("ln_price").unwrap(), 2.0 - (1.0 + mu * tau), 1e-12),
        "{s:?}"
    );
    assert_eq!(s.value("money"), Some(10.0));
    assert!(
        close(
            s.value("price").unwrap(),
            10.0 / (2.0 * (1.0 + mu * tau)),
            1e-12
        ),
        "{s:?}"
    );
    let smooth = s
        .values
        .iter()
        .find(|v| v.kind == SteadyKind::HiddenStock)
        .unwrap();
    assert!(close(smooth.value, mu, 1e-12), "{smooth:?}");
    assert_eq!(s.values[0].role, SteadyRole::Anchor);
    // A run from there keeps the ratios: real balances and expected inflation are constant,
    // log price grows linearly at mu (Euler on a constant rate is exact).
    let r = c
        .run(
            &c.default_params(),
            &settings.clone().with_initialise(Initialise::Steady),
        )
        .unwrap();
    let real = r.column("real_balances").unwrap();
    let expected = r.column("expected_inflation").unwrap();
    for k in 0..r.rows() {
        assert!(close(real[k], 1.0 + mu * tau, 1e-9), "row {k}: {}", real[k]);
        assert!(close(expected[k], mu, 1e-9), "row {k}: {}", expected[k]);
        let ratio = r.column("price").unwrap()[k] / r.column("money").unwrap()[k];
        assert!(
            close(ratio, 1.0 / (2.0 * (1.0 + mu * tau)), 1e-9),
            "row {k}: {ratio}"
        );
    }
}

/// A closure parameter: which money growth gives inflation 0.25 at the balanced-growth
/// state (mu = 0.25), and which inflow keeps the last stock of the chain at 30 (u = 30 / t3).
#[test]
fn closure_parameters_with_known_answers() {
    let c = compile(MONEY);
    let mut settings = money_growth_settings(&c);
    settings.steady.free = vec!["mu".into()];
    settings.steady.hold = vec![Hold {
        name: "inflation".into(),
        value: Some(0.25),
    }];
    let s = c.steady_state(&c.default_params(), &settings).unwrap();
    assert!(close(s.free_value("mu").unwrap(), 0.25, 1e-12), "{s:?}");
    assert!(close(s.growth[0].rate, 0.25, 1e-12));
    assert_eq!(s.holds[0].name, "inflation");
    assert!(close(s.holds[0].value, 0.25, 1e-12));
    // A run with the solved closure starts at the state and uses the solved value.
    let r = c
        .run(
            &c.default_params(),
            &settings.clone().with_initialise(Initialise::Steady),
        )
        .unwrap();
    assert!(close(r.column("mu").unwrap()[0], 0.25, 1e-12));
    assert!(close(
        r.column("expected_inflation").unwrap()[r.rows() - 1],
        0.25,
        1e-9
    ));

    let c = compile(CHAIN);
    let settings = c.default_settings().with_steady(SteadySettings {
        free: vec!["u".into()],
        hold: vec![Hold {
            name: "s3".into(),
            value: Some(30.0),
        }],
        ..SteadySettings::default()
    });
    let s = c.steady_state(&c.default_params(), &settings).unwrap();
    assert!(close(s.free_value("u").unwrap(), 6.0, 1e-12), "{s:?}");
    assert_eq!(s.value("s3"), Some(30.0));
    assert!(close(s.value("s1").unwrap(), 12.0, 1e-12));
    assert_eq!(s.values[2].role, SteadyRole::Held);
}

#[test]
fn bad_steady_settings_are_input_errors() {
    let c = compile(CHAIN);
    let cases: Vec<(SteadySettings, &str)> = vec![
        (
            SteadySettings {
                free: vec!["u".into()],
                ..Default::default()
            },
            "pair up",
        ),
        (
            SteadySettings {
                exclude: vec!["s9".into()],
                ..Default::default()
            },
            "unknown stock 's9'",
        ),
        (
            SteadySettings {
                exclude: vec!["f12".into()],
                ..Default::default()
            },
            "not a stock",
        ),
        (
            SteadySettings {
                free: vec!["uu".into()],
                hold: vec![Hold {
                    name: "s1".into(),
                    value: None,
                }],
                ..Default::default()
            },
            "did you mean 'u'",
        ),
        (
            SteadySettings {
                growth: vec![GrowthGroup {
                    stocks: vec!["s1".into(), "s2".into()],
                    log: false,
                }],
                exclude: vec!["s2".into()],
                ..Default::default()
            },
            "twice",
        ),
    ];
    for (st, want) in cases {
        let err = c
            .steady_state(
                &c.default_params(),
                &c.default_settings().with_steady(st.clone()),
            )
            .unwrap_err();
        assert!(err.is_input_error(), "{st:?}: {err:?}");
        assert!(err.to_string().contains(want), "{st:?}: {err}");
    }
}

/// Interpreter and native code give the same steady state and the same run from it, bit for
/// bit.
#[test]
fn backends_agree_bit_for_bit() {
    for (text, settings) in [
        (LOGISTIC, None),
        (PREDATOR_PREY, None),
        (INVENTORY, None),
        (INITIAL_REF, None),
        (MONEY, Some(())),
    ] {
        let c = compile(text);
        let base = if settings.is_some() {
            money_growth_settings(&c)
        } else {
            c.default_settings()
        };
        let mut p = c.default_params();
        p[0] *= 1.1;
        let mut got = Vec::new();
        for backend in [Backend::Interpreter, Backend::Jit] {
            let s = base.clone().with_backend(backend);
            let st = c.steady_state(&p, &s).unwrap();
            let run = c.run(&p, &s.with_initialise(Initialise::Steady)).unwrap();
            got.push((st, run));
        }
        assert_eq!(got[0], got[1]);
    }
}

/// A batch of runs started at their steady states gives the same results with one thread or
/// four, and every run starts at its own equilibrium (capacity varies).
#[test]
fn batches_do_not_depend_on_the_thread_count() {
    let c = compile(LOGISTIC);
    let i = c.param_index("capacity").unwrap();
    let sets: Vec<ParamSet> = (0..24)
        .map(|k| {
            let mut p = c.default_params();
            p.set(i, 50.0 + 37.0 * k as f64);
            p
        })
        .collect();
    let settings = steady(&c).with_method(Method::Rk4);
    let with = |threads: usize| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| pressure_sim::run_batch(&c, &sets, &settings, Some(&["population"])))
    };
    let one = with(1);
    let four = with(4);
    for (k, (a, b)) in one.iter().zip(&four).enumerate() {
        let (a, b) = (a.as_ref().unwrap(), b.as_ref().unwrap());
        assert_eq!(a, b, "run {k}");
        let cap = 50.0 + 37.0 * k as f64;
        assert!(
            a.column("population")
                .unwrap()
                .iter()
                .all(|x| close(*x, cap, 1e-9)),
            "run {k}"
        );
    }
}

/// Scenario files may switch steady initialisation on and set the steady options; their names
/// are checked at the scenario's line and column.
#[test]
fn scenarios_set_initialise_and_steady_options() {
    let c = compile(CHAIN);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("closure.toml");
    std::fs::write(
        &path,
        "[settings]\ninitialise = \"steady\"\n[settings.steady]\nfree = [\"u\"]\nhold = { s3 = 30 }\n",
    )
    .unwrap();
    let sc = pressure_sim::Scenario::load(&path).unwrap();
    let (mut p, mut exo, mut s) = (
        c.default_params(),
        c.default_exogenous(),
        c.default_settings(),
    );
    sc.apply(&c, &mut p, &mut exo, &mut s).unwrap();
    assert_eq!(s.initialise, Initialise::Steady);
    let r = c.run_with(&p, &exo, &s).unwrap();
    assert!(close(r.column("u").unwrap()[0], 6.0, 1e-12));
    assert!(close(r.column("s1").unwrap()[0], 12.0, 1e-12));

    std::fs::write(&path, "[settings.steady]\nexclude = [\"s4\"]\n").unwrap();
    let sc = pressure_sim::Scenario::load(&path).unwrap();
    let err = sc
        .apply(&c, &mut p, &mut exo, &mut c.default_settings())
        .unwrap_err()
        .to_string();
    assert!(err.contains("closure.toml:2:12"), "{err}");
    assert!(
        err.contains("unknown variable 's4'") && err.contains("did you mean 's"),
        "{err}"
    );
    std::fs::write(&path, "[settings.steady]\nexclude = [\"f12\"]\n").unwrap();
    let sc = pressure_sim::Scenario::load(&path).unwrap();
    let err = sc
        .apply(&c, &mut p, &mut exo, &mut c.default_settings())
        .unwrap_err();
    assert!(
        err.is_input_error() && err.to_string().contains("not a stock"),
        "{err}"
    );
}

/// The coupled sanctions model: report what the solver finds (run with --ignored --nocapture).
#[test]
#[ignore]
fn sanctions_model_report() {
    let path = repo().join("models/sanctions.toml");
    let model = pressure_model::load(&path).unwrap();
    let c = CompiledModel::compile(&model).unwrap();
    let mut settings = c.default_settings();
    settings.steady.growth = vec![GrowthGroup {
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
    settings.steady.exclude = [
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
    let t0 = std::time::Instant::now();
    let r = c.steady_state(&c.default_params(), &settings);
    eprintln!("{:?}", t0.elapsed());
    match r {
        Ok(s) => {
            for v in &s.values {
                eprintln!(
                    "{:60} {:>14.6e} {:>14.6e} {:>10.3e} {:?}",
                    v.name,
                    v.value,
                    v.initial,
                    v.residual.unwrap_or(0.0),
                    v.role
                );
            }
            eprintln!(
                "growth {:?} it {} ev {} starts {} res {:e}",
                s.growth, s.iterations, s.evaluations, s.starts, s.residual
            );
        }
        Err(e) => eprintln!("{e}"),
    }
    // Started there, the model stays put until the sanctions start (onset at year 5): every
    // stock outside the growth group and the excluded accumulators, inflation and the premium.
    let mut before = settings
        .clone()
        .with_initialise(Initialise::Steady)
        .with_method(Method::Rk4);
    before.stop = 4.875;
    let r = c.run(&c.default_params(), &before).unwrap();
    let growing = [
        "money.ln_money",
        "money.ln_price",
        "currency.ln_official_rate",
        "currency.ln_parallel_rate",
    ];
    let mut worst = (String::new(), 0.0f64);
    for o in c.outputs() {
        let watched = (o.kind == "stock"
            && !growing.contains(&o.variable.as_str())
            && !settings.steady.exclude.contains(&o.variable))
            || [
                "money.inflation",
                "currency.premium",
                "fiscal.growth_rate",
                "coalition.cohesion",
            ]
            .contains(&o.name.as_str());
        if !watched {
            continue;
        }
        let col = r.column(&o.name).unwrap();
        for v in col {
            let d = (v - col[0]).abs() / col[0].abs().max(1e-12);
            if d > worst.1 {
                worst = (o.name.clone(), d);
            }
        }
    }
    eprintln!("largest relative drift before the onset: {worst:?}");
    // Costs: one 30-year run against one steady solve, per backend (medians of 21).
    let median = |f: &mut dyn FnMut()| {
        let mut t: Vec<f64> = (0..21)
            .map(|_| {
                let t0 = std::time::Instant::now();
                f();
                t0.elapsed().as_secs_f64() * 1e3
            })
            .collect();
        t.sort_by(f64::total_cmp);
        t[10]
    };
    let mut perturbed = c.default_params();
    for (k, p) in c.parameters().iter().enumerate() {
        if let Some((lo, hi)) = p.range {
            perturbed[k] = lo + (hi - lo) * (0.3 + 0.4 * ((k * 7919) % 101) as f64 / 100.0);
        }
    }
    for backend in [Backend::Interpreter, Backend::Jit] {
        let s = settings.clone().with_backend(backend);
        let mut sim = c.simulator(&s).unwrap();
        let run = median(&mut || {
            sim.run(&c.default_params()).unwrap();
        });
        let solve = median(&mut || {
            sim.steady_state(&c.default_params()).unwrap();
        });
        let warm = median(&mut || {
            let _ = sim.steady_state(&perturbed);
        });
        let st = sim.steady_state(&perturbed);
        let s2 = s.clone().with_initialise(Initialise::Steady);
        let mut sim2 = c.simulator(&s2).unwrap();
        let both = median(&mut || {
            let _ = sim2.run(&c.default_params());
        });
        eprintln!(
            "{backend:?}: run {run:.2} ms, steady solve (defaults) {solve:.2} ms, steady solve (all ranged parameters moved) {warm:.2} ms [{}], run started at the steady state {both:.2} ms",
            match &st {
                Ok(s) => format!("{} it, {} ev, {} starts", s.iterations, s.evaluations, s.starts),
                Err(e) => format!("{e}"),
            }
        );
    }
}

/// The cusp `dx/dt = c + x − x³`: three steady states for |c| < 2/(3√3) ≈ 0.385 (the outer two
/// stable), one beyond. The defaults (c = −0.3, x starting at −1.5) sit on the lower branch.
const CUSP: &str = r#"
[settings]
stop = 10
dt = 0.05
method = "rk4"
[stocks.x]
initial = "x_initial"
inflows = ["drift"]
[flows.drift]
equation = "c + x - x * x * x"
[constants.c]
value = -0.3
[constants.x_initial]
value = -1.5
"#;

/// The real root of `x³ − x − c = 0` nearest to `x` (Newton).
fn cusp_root(c: f64, mut x: f64) -> f64 {
    for _ in 0..100 {
        x -= (x * x * x - x - c) / (3.0 * x * x - 1.0);
    }
    x
}

#[test]
fn continuation_follows_the_default_branch() {
    use pressure_sim::SteadyStarts;
    let c = compile(CUSP);
    let settings = c.default_settings();
    let solve = |policy: SteadyStarts, cv: f64, x0: f64| {
        let mut p = c.default_params();
        c.set_param(&mut p, "c", cv).unwrap();
        c.set_param(&mut p, "x_initial", x0).unwrap();
        let mut sim = c.simulator(&settings).unwrap();
        sim.set_steady_starts(policy);
        sim.steady_state(&p).map(|s| s.value("x").unwrap())
    };
    // c = 0.3, the initial value on the upper side: the initial-values start finds the upper
    // branch, continuation from the default (lower) state stays on the lower branch.
    let lower = cusp_root(0.3, -1.0);
    let upper = cusp_root(0.3, 1.5);
    assert!(lower < -0.7 && upper > 1.0, "{lower} {upper}");
    let cont = solve(SteadyStarts::Continuation, 0.3, 1.5).unwrap();
    assert!((cont - lower).abs() < 1e-8, "{cont} vs {lower}");
    let init = solve(SteadyStarts::InitialValues, 0.3, 1.5).unwrap();
    assert!((init - upper).abs() < 1e-8, "{init} vs {upper}");
    // The same answer whatever was solved before on the same simulator (no warm start from
    // the previous solve) and bit for bit on a fresh one.
    let mut p = c.default_params();
    c.set_param(&mut p, "c", 0.3).unwrap();
    c.set_param(&mut p, "x_initial", 1.5).unwrap();
    let mut sim = c.simulator(&settings).unwrap();
    sim.set_steady_starts(SteadyStarts::Continuation);
    let mut q = c.default_params();
    c.set_param(&mut q, "c", 0.1).unwrap();
    let _ = sim.steady_state(&q).unwrap();
    assert_eq!(sim.steady_state(&p).unwrap().value("x").unwrap(), cont);
    // Beyond the lower branch's fold (c = 0.5) only the upper state exists: the cascade finds
    // it; continuation cannot pass the fold and fails (no fall-back to another start).
    let only = cusp_root(0.5, 1.5);
    let casc = solve(SteadyStarts::Cascade, 0.5, -1.5).unwrap();
    assert!((casc - only).abs() < 1e-8, "{casc} vs {only}");
    assert!(matches!(
        solve(SteadyStarts::Continuation, 0.5, -1.5),
        Err(SimError::NoSteadyState { .. })
    ));
    // A unique steady state: continuation agrees with the cascade.
    let u = cusp_root(-1.0, -1.5);
    let cont = solve(SteadyStarts::Continuation, -1.0, -1.5).unwrap();
    assert!((cont - u).abs() < 1e-8, "{cont} vs {u}");
}
