//! The engine against closed-form solutions. Each test fails if the integrator, the builtin
//! semantics or the hidden-stock lowering were wrong.

mod common;
use common::*;
use pressure_sim::Method;

const DECAY: &str = r#"
[settings]
stop = 4
dt = 0.125
[stocks.x]
initial = "100"
outflows = ["out"]
[flows.out]
equation = "k * x"
[constants.k]
value = 0.5
"#;

#[test]
fn euler_decay_is_exactly_the_geometric_sequence() {
    let c = compile(DECAY);
    let r = run(&c, Method::Euler, 0.125);
    let x = r.column("x").unwrap();
    for (n, v) in x.iter().enumerate() {
        let expect = 100.0 * (1.0f64 - 0.5 * 0.125).powi(n as i32);
        assert!(
            (v - expect).abs() <= 1e-12 * expect,
            "step {n}: {v} vs {expect}"
        );
    }
    // The flow column is the rate at the saved time.
    assert_eq!(r.column("out").unwrap()[0], 50.0);
}

#[test]
fn exponential_growth_and_decay_with_rk4() {
    for (k, sign) in [(0.5, -1.0), (0.3, 1.0)] {
        let model = if sign < 0.0 {
            DECAY.replace("value = 0.5", &format!("value = {k}"))
        } else {
            DECAY
                .replace("outflows = [\"out\"]", "inflows = [\"out\"]")
                .replace("value = 0.5", &format!("value = {k}"))
        };
        let c = compile(&model);
        let r = run(&c, Method::Rk4, 1.0 / 64.0);
        for (t, v) in r.time().iter().zip(r.column("x").unwrap()) {
            let exact = 100.0 * (sign * k * t).exp();
            assert!((v - exact).abs() < 1e-9 * exact, "t={t}: {v} vs {exact}");
        }
    }
}

#[test]
fn logistic_growth_matches_the_closed_form() {
    let c = compile(
        r#"
[settings]
stop = 20
dt = 0.0625
[stocks.p]
initial = "10"
inflows = ["growth"]
[flows.growth]
equation = "r * p * (1 - p / capacity)"
[constants.r]
value = 0.6
[constants.capacity]
value = 1000
"#,
    );
    let r = run(&c, Method::Rk4, 1.0 / 32.0);
    for (t, v) in r.time().iter().zip(r.column("p").unwrap()) {
        let exact = 1000.0 / (1.0 + (1000.0 / 10.0 - 1.0) * (-0.6 * t).exp());
        assert!((v - exact).abs() < 1e-7 * exact, "t={t}: {v} vs {exact}");
    }
}

/// Step of height 1 at t = 2 into first- and third-order delays and smooths of time 4.
const DELAYS: &str = r#"
[settings]
stop = 20
dt = 0.015625
save_every = 0.25
[aux.input]
equation = "STEP(1, 2)"
[aux.smooth1]
equation = "SMOOTH(input, 4)"
[aux.delay1]
equation = "DELAY1(input, 4)"
[aux.smooth3]
equation = "SMOOTH3(input, 4)"
[aux.delay3]
equation = "DELAY3(input, 4)"
[aux.smoothn3]
equation = "SMOOTH N(input, 4, 0, 3)"
[aux.delayn3]
equation = "DELAYN(input, 4, 0, 3)"
[aux.smooth3i]
equation = "SMOOTH3I(input, 4, 0)"
"#;

#[test]
fn first_and_third_order_delays_match_their_step_responses() {
    let c = compile(DELAYS);
    let r = run(&c, Method::Rk4, 1.0 / 64.0);
    for (i, t) in r.time().iter().enumerate() {
        let u = (t - 2.0).max(0.0);
        let first = 1.0 - (-u / 4.0).exp();
        let w = 3.0 * u / 4.0;
        let third = 1.0 - (-w).exp() * (1.0 + w + w * w / 2.0);
        for name in ["smooth1", "delay1"] {
            let v = r.column(name).unwrap()[i];
            assert!((v - first).abs() < 1e-8, "{name} t={t}: {v} vs {first}");
        }
        for name in ["smooth3", "delay3", "smoothn3", "delayn3", "smooth3i"] {
            let v = r.column(name).unwrap()[i];
            assert!((v - third).abs() < 1e-8, "{name} t={t}: {v} vs {third}");
        }
    }
}

#[test]
fn delays_start_in_equilibrium_with_their_input() {
    let c = compile(
        r#"
[settings]
stop = 10
dt = 0.25
[aux.input]
equation = "7"
[aux.d3]
equation = "DELAY3(input, 6)"
[aux.s]
equation = "SMOOTH(input, 6)"
[aux.d1i]
equation = "DELAY1I(input, 6, 2)"
[aux.si]
equation = "SMOOTHI(input, 6, 2)"
"#,
    );
    let r = run(&c, Method::Euler, 0.25);
    assert!(r
        .column("d3")
        .unwrap()
        .iter()
        .all(|v| (v - 7.0).abs() < 1e-12));
    assert!(r
        .column("s")
        .unwrap()
        .iter()
        .all(|v| (v - 7.0).abs() < 1e-12));
    // With an explicit initial value the output starts there.
    assert_eq!(r.column("d1i").unwrap()[0], 2.0);
    assert_eq!(r.column("si").unwrap()[0], 2.0);
}

/// Integrates test inputs into stocks so their timing shows in the accumulated values.
const TEST_INPUTS: &str = r#"
[settings]
stop = 12
dt = 0.25
[stocks.s_step]
initial = "0"
inflows = ["f_step"]
[flows.f_step]
equation = "STEP(2, 3)"
[stocks.s_pulse]
initial = "0"
inflows = ["f_pulse"]
[flows.f_pulse]
equation = "PULSE(2, 1)"
[stocks.s_pulse0]
initial = "0"
inflows = ["f_pulse0"]
[flows.f_pulse0]
equation = "PULSE(5, 0)"
[stocks.s_ramp]
initial = "0"
inflows = ["f_ramp"]
[flows.f_ramp]
equation = "RAMP(1, 2, 4)"
[stocks.s_train]
initial = "0"
inflows = ["f_train"]
[flows.f_train]
equation = "PULSE TRAIN(1, 0.5, 2, 9)"
"#;

#[test]
fn step_pulse_and_ramp_timing_is_the_same_in_euler_and_rk4() {
    let c = compile(TEST_INPUTS);
    for method in [Method::Euler, Method::Rk2, Method::Rk4] {
        let r = run(&c, method, 0.25);
        for (i, &t) in r.time().iter().enumerate() {
            // STEP(2, 3) is 0 before t = 3 and 2 from t = 3 on.
            let step = r.column("f_step").unwrap()[i];
            assert_eq!(
                step,
                if t >= 3.0 { 2.0 } else { 0.0 },
                "{method:?} step at {t}"
            );
            // Its integral: 2 (t - 3) after 3, exactly, because the input is held over a step.
            let s = r.column("s_step").unwrap()[i];
            assert!(
                (s - 2.0 * (t - 3.0).max(0.0)).abs() < 1e-12,
                "{method:?} s_step at {t}: {s}"
            );
            // PULSE(2, 1): 1 on [2, 3).
            let p = r.column("f_pulse").unwrap()[i];
            assert_eq!(
                p,
                if (2.0..3.0).contains(&t) { 1.0 } else { 0.0 },
                "{method:?} pulse at {t}"
            );
            // PULSE(5, 0) lasts one time step.
            let p0 = r.column("f_pulse0").unwrap()[i];
            assert_eq!(
                p0,
                if t == 5.0 { 1.0 } else { 0.0 },
                "{method:?} pulse0 at {t}"
            );
            // RAMP(1, 2, 4): t - 2 between 2 and 4, then 2.
            let ramp = r.column("f_ramp").unwrap()[i];
            assert!(
                (ramp - (t.min(4.0) - 2.0).max(0.0)).abs() < 1e-12,
                "{method:?} ramp at {t}"
            );
        }
        assert!((r.last("s_pulse").unwrap() - 1.0).abs() < 1e-12);
        assert!((r.last("s_pulse0").unwrap() - 0.25).abs() < 1e-12);
        // The held ramp accumulates as the left Riemann sum: 0.25 * (0 + 0.25 + ... + 1.75) + 2 * 8.
        let riemann: f64 = (0..8).map(|k| 0.25 * (k as f64 * 0.25)).sum::<f64>() + 2.0 * 8.0;
        assert!(
            (r.last("s_ramp").unwrap() - riemann).abs() < 1e-12,
            "{method:?} ramp integral"
        );
    }
}

#[test]
fn pulse_train_fires_the_right_number_of_times() {
    let c = compile(TEST_INPUTS);
    let r = run(&c, Method::Euler, 0.25);
    let f = r.column("f_train").unwrap();
    let rising = f.windows(2).filter(|w| w[0] == 0.0 && w[1] == 1.0).count();
    // Pulses start at 1, 3, 5, 7 (the one at 9 is at the end time: not included).
    assert_eq!(rising, 4);
    let on: Vec<f64> = r
        .time()
        .iter()
        .zip(f)
        .filter(|(_, v)| **v == 1.0)
        .map(|(t, _)| *t)
        .collect();
    assert_eq!(on, vec![1.0, 1.25, 3.0, 3.25, 5.0, 5.25, 7.0, 7.25]);
    assert!((r.last("s_train").unwrap() - 2.0).abs() < 1e-12);
}

/// y' = y cos(t), y(0) = 1: y = exp(sin t). Uses TIME inside the stages.
const NONAUTONOMOUS: &str = r#"
[settings]
stop = 3
dt = 0.1
[stocks.y]
initial = "1"
inflows = ["g"]
[flows.g]
equation = "y * COS(TIME)"
"#;

fn error_at_end(method: Method, dt: f64) -> f64 {
    let c = compile(NONAUTONOMOUS);
    let r = run(&c, method, dt);
    (r.last("y").unwrap() - 3.0f64.sin().exp()).abs()
}

#[test]
fn convergence_orders_are_one_two_and_four() {
    for (method, order, dt) in [
        (Method::Euler, 1.0, 0.01),
        (Method::Rk2, 2.0, 0.004),
        (Method::Rk4, 4.0, 0.04),
    ] {
        let e1 = error_at_end(method, dt);
        let e2 = error_at_end(method, dt / 2.0);
        let measured = (e1 / e2).log2();
        assert!(
            (measured - order).abs() < 0.1,
            "{method:?}: measured order {measured} (errors {e1}, {e2})"
        );
    }
}

#[test]
fn adaptive_methods_meet_their_tolerance_across_a_step_input() {
    // x' = STEP(1, 3.3) - x / 2: exact x = 2 (1 - exp(-(t - 3.3) / 2)) after 3.3.
    let c = compile(
        r#"
[settings]
stop = 10
dt = 0.5
save_every = 0.5
[stocks.x]
initial = "0"
inflows = ["f"]
[flows.f]
equation = "STEP(1, 3.3) - x / 2"
"#,
    );
    for (method, rtol, bound) in [(Method::Dopri5, 1e-9, 1e-7), (Method::Dop853, 1e-11, 1e-9)] {
        let s = c
            .default_settings()
            .with_method(method)
            .with_tolerances(rtol, 1e-12);
        let r = run_settings(&c, &s);
        for (t, v) in r.time().iter().zip(r.column("x").unwrap()) {
            let exact = if *t > 3.3 {
                2.0 * (1.0 - (-(t - 3.3) / 2.0).exp())
            } else {
                0.0
            };
            assert!(
                (v - exact).abs() < bound,
                "{method:?} t={t}: {v} vs {exact}"
            );
        }
    }
}

#[test]
fn trend_and_forecast_follow_vensim_definitions() {
    // For an exponentially growing input the trend settles at the growth rate (for large
    // average times the first-order average lags by ~ln(1+g T)/g).
    let c = compile(
        r#"
[settings]
stop = 60
dt = 0.0625
save_every = 1
[aux.input]
equation = "EXP(0.05 * TIME)"
[aux.tr]
equation = "TREND(input, 2, 0.05)"
[aux.fc]
equation = "FORECAST(input, 2, 3)"
[aux.iv]
equation = "INITIAL(input + 1)"
"#,
    );
    let r = run(&c, Method::Rk4, 0.0625);
    // Exact steady state of AV' = (u - AV)/T with u = e^{gt}: AV = u / (1 + gT), so
    // TREND = (u - AV)/(T AV) = g, and FORECAST = u (1 + g H).
    let tr = r.last("tr").unwrap();
    assert!((tr - 0.05).abs() < 1e-6, "trend {tr}");
    let u = (0.05f64 * 60.0).exp();
    let fc = r.last("fc").unwrap();
    assert!(
        (fc - u * (1.0 + 0.05 * 3.0)).abs() < 1e-4 * u,
        "forecast {fc}"
    );
    // TREND started at its initial trend, so it is exact from the start.
    assert!(r
        .column("tr")
        .unwrap()
        .iter()
        .all(|v| (v - 0.05).abs() < 1e-6));
    // INITIAL holds the value at the start.
    assert!(r.column("iv").unwrap().iter().all(|v| *v == 2.0));
}

#[test]
fn sample_if_true_holds_the_last_sample() {
    // The input is 10 t; it is sampled while t < 1 or 2 <= t < 2.5 (dt 0.5), so the value
    // is 0, 5, then held 5, 5, then 20, 20 (sampled at 2), then held 20 ...; a second call
    // never samples and keeps its initial value 7.
    let c = compile(
        r#"
[settings]
stop = 4
dt = 0.5
[aux.input]
equation = "10 * TIME"
[aux.sampled]
equation = "SAMPLE IF TRUE(TIME < 1 OR (TIME >= 2 AND TIME < 2.5), input, -1)"
[aux.never]
equation = "SAMPLE IF TRUE(TIME > 100, input, 7)"
"#,
    );
    let r = run(&c, Method::Euler, 0.5);
    let want = [0.0, 5.0, 5.0, 5.0, 20.0, 20.0, 20.0, 20.0, 20.0];
    let got = r.column("sampled").unwrap();
    assert_eq!(got.len(), want.len());
    for (g, w) in got.iter().zip(want) {
        assert!((g - w).abs() <= 1e-12 * w.abs(), "{got:?} vs {want:?}");
    }
    assert!(r.column("never").unwrap().iter().all(|v| *v == 7.0));
}

#[test]
fn active_initial_is_its_initial_value_only_while_initial_values_are_computed() {
    // v is 45 for the stock's and INITIAL's start, TIME during the run (0, 1, 2, 3 reported);
    // s starts at 45 and gains 1 a step. In the loop a = ACTIVE INITIAL(sm + 1, 2),
    // sm = SMOOTH(a, 1): sm starts at a's initial value 2, so a reports sm + 1 = 3 at 0,
    // and sm gains (a - sm) / 1 = 1 a step: sm = 2 + t, a = 3 + t. Without the initial
    // value the loop's initial values would depend on each other.
    let c = compile(
        r#"
[settings]
stop = 3
dt = 1
[aux.v]
equation = "ACTIVE INITIAL(TIME, 45)"
[aux.iv]
equation = "INITIAL(v)"
[stocks.s]
initial = "v"
inflows = ["f"]
[flows.f]
equation = "1"
[aux.a]
equation = "ACTIVE INITIAL(sm + 1, 2)"
[aux.sm]
equation = "SMOOTH(a, 1)"
[aux.c]
equation = "ACTIVE INITIAL(3, 7)"
"#,
    );
    let r = run(&c, Method::Euler, 1.0);
    assert_eq!(r.column("v").unwrap(), [0.0, 1.0, 2.0, 3.0]);
    assert_eq!(r.column("iv").unwrap(), [45.0; 4]);
    assert_eq!(r.column("s").unwrap(), [45.0, 46.0, 47.0, 48.0]);
    assert_eq!(r.column("sm").unwrap(), [2.0, 3.0, 4.0, 5.0]);
    assert_eq!(r.column("a").unwrap(), [3.0, 4.0, 5.0, 6.0]);
    // Constant arguments: still the value during the run, not the initial value.
    assert_eq!(r.column("c").unwrap(), [3.0; 4]);
}

#[test]
fn delay_fixed_shifts_its_input_by_whole_steps() {
    let c = compile(
        r#"
[settings]
stop = 10
dt = 0.5
[aux.input]
equation = "TIME * TIME"
[aux.shifted]
equation = "DELAY FIXED(input, 2, -1)"
"#,
    );
    for method in [Method::Euler, Method::Rk4] {
        let r = run(&c, method, 0.5);
        for (i, t) in r.time().iter().enumerate() {
            let v = r.column("shifted").unwrap()[i];
            let expect = if *t < 2.0 {
                -1.0
            } else {
                (t - 2.0) * (t - 2.0)
            };
            assert_eq!(v, expect, "{method:?} t={t}");
        }
    }
    // An adaptive method is refused with a clear error.
    let s = c.default_settings().with_method(Method::Dopri5);
    let e = c.run(&c.default_params(), &s).unwrap_err();
    assert!(e.to_string().contains("DELAY FIXED"), "{e}");
}

#[test]
fn lookups_interpolate_and_extrapolate_as_declared() {
    let c = compile(
        r#"
[settings]
stop = 4
dt = 0.5
[lookups.lin]
points = [[0, 0], [1, 10], [2, 15]]
[lookups.lin_ext]
points = [[0, 0], [1, 10], [2, 15]]
extrapolation = "linear"
[lookups.stair]
x = [0, 1, 2]
y = [0, 10, 15]
interpolation = "step"
[aux.a]
equation = "lin(TIME)"
[aux.b]
equation = "lin_ext(TIME)"
[aux.c]
equation = "stair(TIME)"
"#,
    );
    let r = run(&c, Method::Euler, 0.5);
    let pick = |n: &str| r.column(n).unwrap().to_vec();
    assert_eq!(
        pick("a"),
        vec![0.0, 5.0, 10.0, 12.5, 15.0, 15.0, 15.0, 15.0, 15.0]
    );
    assert_eq!(
        pick("b"),
        vec![0.0, 5.0, 10.0, 12.5, 15.0, 17.5, 20.0, 22.5, 25.0]
    );
    assert_eq!(
        pick("c"),
        vec![0.0, 0.0, 10.0, 10.0, 15.0, 15.0, 15.0, 15.0, 15.0]
    );
}

#[test]
fn builtin_functions_compute_vensim_values() {
    let c = compile(
        r#"
[settings]
stop = 1
dt = 1
[aux.xz]
equation = "XIDZ(1, 0, 7) + ZIDZ(3, 0) + ZIDZ(3, 2)"
[aux.ints]
equation = "INTEGER(-2.7) * 10 + MODULO(7, 3)"
[aux.negmod]
equation = "MODULO(-7, 3)"
[aux.ite]
equation = "IF THEN ELSE(2 > 1 :AND: NOT 0, 5, 6) + (IF 1 = 2 THEN 100 ELSE 0)"
[aux.mm]
equation = "MIN(3, 1, 2) + MAX(3, 9) + ABS(-1) + POWER(2, 3) + SQRT(16) + LN(EXP(2)) + LOG(1000) + LOG(8, 2)"
[aux.trig]
equation = "SIN(0) + COS(0) + TAN(0) + ARCTAN(1) * 4 / PI"
[aux.times]
equation = "INITIAL TIME + FINAL TIME * 10 + TIME STEP * 100"
"#,
    );
    let r = run(&c, Method::Euler, 1.0);
    assert_eq!(r.column("xz").unwrap()[0], 7.0 + 0.0 + 1.5);
    assert_eq!(r.column("ints").unwrap()[0], -20.0 + 1.0);
    assert_eq!(r.column("negmod").unwrap()[0], -1.0);
    assert_eq!(r.column("ite").unwrap()[0], 5.0);
    assert!(
        (r.column("mm").unwrap()[0] - (1.0 + 9.0 + 1.0 + 8.0 + 4.0 + 2.0 + 3.0 + 3.0)).abs()
            < 1e-12
    );
    assert!((r.column("trig").unwrap()[0] - 2.0).abs() < 1e-12);
    assert_eq!(r.column("times").unwrap()[0], 0.0 + 10.0 + 100.0);
}

#[test]
fn non_negative_stocks_stop_at_zero() {
    let c = compile(
        r#"
[settings]
stop = 10
dt = 1
[stocks.tank]
initial = "5"
outflows = ["drain"]
non_negative = true
[flows.drain]
equation = "2"
[stocks.free]
initial = "5"
outflows = ["drain2"]
[flows.drain2]
equation = "2"
"#,
    );
    let r = run(&c, Method::Euler, 1.0);
    assert_eq!(
        r.column("tank").unwrap(),
        &[5.0, 3.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]
    );
    assert_eq!(r.last("free"), Some(-15.0));
}

#[test]
fn random_draws_are_reproducible_and_respect_bounds() {
    let model = r#"
[settings]
stop = 50
dt = 1
[aux.n]
equation = "RANDOM NORMAL(-1, 1, 0, 0.5, 42)"
[aux.u]
equation = "RANDOM UNIFORM(2, 3, 7)"
"#;
    let c = compile(model);
    let a = run(&c, Method::Euler, 1.0);
    let b = run(&c, Method::Euler, 1.0);
    assert_eq!(a, b);
    let n = a.column("n").unwrap();
    assert!(n.iter().all(|v| (-1.0..=1.0).contains(v)));
    assert!(a
        .column("u")
        .unwrap()
        .iter()
        .all(|v| (2.0..3.0).contains(v)));
    // Draws change from step to step.
    assert!(n.windows(2).any(|w| w[0] != w[1]));
    // A different run seed gives different draws.
    let s = c.default_settings().with_seed(1);
    let d = c.run(&c.default_params(), &s).unwrap();
    assert_ne!(d.column("n").unwrap(), n);
}

#[test]
fn delay_n_stages_keep_the_delay_time_they_started_with() {
    // DELAY N(x, T, 6, 2), x = -1, dt 1, T = 4 until time 2, then 6. Levels L1, L2 start at
    // 6 * T / 2 = 12; the delay time of one step before, h, starts at 4. Stage 1 drains with
    // the current T / 2, stage 2 with h / 2, and the value is L2 / (h / 2) (Vensim: DELAY N
    // depends only on the delay times of previous steps).
    // t = 0: value 12 / 2 = 6; outflows 6 and 6: L1 = 12 - 1 - 6 = 5, L2 = 12, h = 4.
    // t = 1: value 6; outflows 5 / 2 = 2.5 and 6: L1 = 1.5, L2 = 8.5, h = 4.
    // t = 2: value 8.5 / 2 = 4.25 (with the current T, 6, it would be 8.5 / 3); T = 6:
    //        outflows 1.5 / 3 = 0.5 and 8.5 / 2 = 4.25: L1 = 0, L2 = 4.75, h = 6.
    // t = 3: value 4.75 / 3.
    // A constant delay time gives DELAY3's chain: DELAY N(x, 4, 6, 3) = DELAY3I(x, 4, 6).
    let c = compile(
        r#"
[settings]
stop = 3
dt = 1
[aux.x]
equation = "-1"
[aux.t]
equation = "4 + STEP(2, 2)"
[aux.d]
equation = "DELAY N(x, t, 6, 2)"
[aux.n3]
equation = "DELAY N(x, 4, 6, 3)"
[aux.d3]
equation = "DELAY3I(x, 4, 6)"
"#,
    );
    let r = run(&c, Method::Euler, 1.0);
    assert_eq!(r.column("d").unwrap(), [6.0, 6.0, 4.25, 4.75 / 3.0]);
    assert_eq!(r.column("n3").unwrap(), r.column("d3").unwrap());
}
