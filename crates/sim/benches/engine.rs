//! Engine speed, interpreter and native code side by side: one run of the teacup (240 Euler
//! steps), chain10 with RK4 over 1600 steps (against the same system written by hand in plain
//! Rust with the same RK4 loop, the floor), a generated 500-variable model, and the coupled
//! sanctions model (RK4, 30 years, dt 1/48); native compile times of each; chain10 with
//! DOP853 (against ode_solvers' Dop853 on a stack vector) and arrays; the sanctions model's
//! steady state (balanced growth) against one run. Prints time per run and per instruction
//! evaluation.
//!
//! `side_by_side` (issue 16): the interpreter, native code and the batch backend (its lane
//! interpreter and its native lane code) on the same
//! eight parameter sets (ranged parameters spread over their ranges) for the coupled sanctions
//! model as the Sobol' experiment runs it, SIR and the generated 500-variable model, printing
//! runs per CPU-second of the bench thread. Alone (about a minute):
//!
//! ```text
//! cargo bench -p pressure-sim --bench engine -- side_by_side
//! ```
//! (any other filter, or none, runs the rest; with no filter everything runs).

use criterion::{criterion_group, criterion_main, Criterion};
use pressure_sim::{Backend, BatchSimulator, CompiledModel, Method, ParamSet, RunSettings};
use std::hint::black_box;
use std::path::PathBuf;
use std::time::Instant;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn compile_file(rel: &str) -> CompiledModel {
    let m = pressure_model::load(&repo().join(rel)).unwrap();
    CompiledModel::compile(&m).unwrap()
}

fn load_text(text: &str) -> pressure_model::Model {
    let dir = std::env::temp_dir().join(format!("pressure-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join("gen.toml");
    std::fs::write(&p, text).unwrap();
    pressure_model::load(&p).unwrap()
}

fn compile_text(text: &str) -> CompiledModel {
    CompiledModel::compile(&load_text(text)).unwrap()
}

/// Seconds per call for the summary lines: the best of five batches of about `budget / 5`
/// seconds each (the machine is shared; the minimum is the least disturbed estimate).
fn per_call(mut f: impl FnMut(), budget: f64) -> f64 {
    let mut best = f64::INFINITY;
    for _ in 0..5 {
        let t0 = Instant::now();
        let mut n = 0u64;
        while t0.elapsed().as_secs_f64() < budget / 5.0 || n < 3 {
            f();
            n += 1;
        }
        best = best.min(t0.elapsed().as_secs_f64() / n as f64);
    }
    best
}

struct Chain10Ode;

impl ode_solvers::System<f64, ode_solvers::SVector<f64, 10>> for Chain10Ode {
    fn system(
        &self,
        _t: f64,
        y: &ode_solvers::SVector<f64, 10>,
        dy: &mut ode_solvers::SVector<f64, 10>,
    ) {
        let yy: [f64; 10] = (*y).into();
        let mut d = [0.0; 10];
        chain10_rhs(&yy, &mut d);
        *dy = d.into();
    }
}

// The generated models live in a module shared with `examples/engine_profile.rs`.
#[path = "common/clock.rs"]
mod clock;
#[path = "common/models.rs"]
mod models;

/// Seconds of this thread's CPU per call: the best of five batches of about `budget / 5`
/// seconds each (as [`per_call`]).
fn per_call_cpu(mut f: impl FnMut(), budget: f64) -> f64 {
    let mut best = f64::INFINITY;
    for _ in 0..5 {
        let t0 = clock::Clock::now();
        let mut n = 0u64;
        while t0.elapsed().as_secs_f64() < budget / 5.0 || n < 3 {
            f();
            n += 1;
        }
        best = best.min(t0.elapsed().as_secs_f64() / n as f64);
    }
    best
}

/// The criterion filter given on the command line, if any (the first argument that is not an
/// option).
fn filter() -> Option<String> {
    std::env::args().skip(1).find(|a| !a.starts_with('-'))
}
use models::{chain10_initial, chain10_rhs, chain10_rk4_by_hand, generated_model, groups_model};

/// Benchmarks one model run with the interpreter and with native code, prints both per-run
/// times, and returns them (interpreter, native) in seconds.
fn both_backends(
    c: &mut Criterion,
    name: &str,
    compiled: &CompiledModel,
    settings: &RunSettings,
    record: Option<&[&str]>,
) -> (f64, f64) {
    let p = compiled.default_params();
    let mut times = [0.0; 2];
    for (k, backend) in [Backend::Interpreter, Backend::Jit].into_iter().enumerate() {
        let mut sim = compiled
            .simulator(&settings.clone().with_backend(backend))
            .unwrap();
        if let Some(r) = record {
            sim.record(r).unwrap();
        }
        sim.run(&p).unwrap(); // compiles the native code outside the timings
        c.bench_function(&format!("{name}/{}", backend.name()), |b| {
            b.iter(|| black_box(sim.run(black_box(&p)).unwrap().rows()))
        });
        times[k] = per_call(
            || {
                black_box(sim.run(&p).unwrap().rows());
            },
            1.0,
        );
    }
    let (_, ops, _, _) = compiled.program_size();
    let evals = settings.steps() as f64
        * match settings.method {
            Method::Rk4 => 4.0,
            Method::Rk2 => 2.0,
            _ => 1.0,
        }
        + 1.0;
    println!(
        "{name}: interpreter {:.1} us/run, native {:.1} us/run (x{:.2}); {evals} evaluations of {ops} instructions: {:.2} / {:.2} ns per instruction",
        times[0] * 1e6,
        times[1] * 1e6,
        times[0] / times[1],
        times[0] * 1e9 / (evals * ops as f64),
        times[1] * 1e9 / (evals * ops as f64),
    );
    (times[0], times[1])
}

/// Eight different parameter sets (ranged parameters spread over their ranges, the others at
/// their defaults) run one by one with each scalar backend and together through the batch
/// backend: prints the CPU time per run of each (this thread's), and returns them
/// (interpreter, native, batch).
fn batch_backend(
    c: &mut Criterion,
    name: &str,
    compiled: &CompiledModel,
    settings: &RunSettings,
    record: Option<&[&str]>,
) -> (f64, f64, f64, f64) {
    let lanes = BatchSimulator::LANES;
    let sets: Vec<ParamSet> = (0..lanes)
        .map(|l| {
            let mut p = compiled.default_params();
            for (k, info) in compiled.parameters().iter().enumerate() {
                if let Some((lo, hi)) = info.range {
                    let u = (0.5 + ((k * 7 + l * 13) % 17) as f64) / 17.0;
                    p.set(k, lo + (hi - lo) * u);
                }
            }
            p
        })
        .collect();
    let mut times = [f64::NAN; 4];
    for (k, backend) in [Backend::Interpreter, Backend::Jit].into_iter().enumerate() {
        let mut sim = compiled
            .simulator(&settings.clone().with_backend(backend))
            .unwrap();
        if let Some(r) = record {
            sim.record(r).unwrap();
        }
        sim.run(&sets[0]).unwrap(); // compiles the native code outside the timings
        let mut eight = || {
            for p in &sets {
                black_box(sim.run(black_box(p)).unwrap().rows());
            }
        };
        c.bench_function(&format!("{name}/8_runs_{}", backend.name()), |b| {
            b.iter(&mut eight)
        });
        times[k] = per_call_cpu(&mut eight, 1.0) / lanes as f64;
    }
    // The lane interpreter, then native lane code; steady starts with scalar native code.
    let mut batch =
        BatchSimulator::new(compiled, &settings.clone().with_backend(Backend::Jit)).unwrap();
    if let Some(r) = record {
        batch.record(r).unwrap();
    }
    for (k, (native, label)) in [(false, "batch"), (true, "batch_native")]
        .into_iter()
        .enumerate()
    {
        if batch.set_native(native) != native {
            continue;
        }
        let mut eight = || {
            batch.run(black_box(&sets)).unwrap();
            black_box(batch.lane(lanes - 1).unwrap().rows());
        };
        eight(); // compiles the native lane code outside the timings
        c.bench_function(&format!("{name}/8_runs_{label}"), |b| b.iter(&mut eight));
        times[2 + k] = per_call_cpu(&mut eight, 1.0) / lanes as f64;
    }
    println!(
        "{name}: CPU per run: interpreter {:.1} us, native {:.1} us, batch of {lanes} {:.1} us, batch native {:.1} us; runs per CPU-second: {:.0} / {:.0} / {:.0} / {:.0}; batch / native {:.2}, batch native / native {:.2}",
        times[0] * 1e6,
        times[1] * 1e6,
        times[2] * 1e6,
        times[3] * 1e6,
        1.0 / times[0],
        1.0 / times[1],
        1.0 / times[2],
        1.0 / times[3],
        times[1] / times[2],
        times[1] / times[3]
    );
    (times[0], times[1], times[2], times[3])
}

/// The steady state of the sanctions model (log levels as one balanced-growth group, the
/// coalition's accumulators excluded), from its initial values (default parameters) and from
/// the cached default steady state (every ranged parameter moved), against one run.
fn steady_states(c: &mut Criterion, sanctions: &CompiledModel, run: &RunSettings, run_native: f64) {
    let mut s = run.clone().with_backend(Backend::Jit);
    s.steady.growth = vec![pressure_sim::GrowthGroup {
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
    s.steady.exclude = [
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
    .map(|n| format!("coalition.{n}"))
    .to_vec();
    let defaults = sanctions.default_params();
    let mut moved = defaults.clone();
    for (k, p) in sanctions.parameters().iter().enumerate() {
        if let Some((lo, hi)) = p.range {
            moved[k] = lo + (hi - lo) * (0.3 + 0.4 * ((k * 7919) % 101) as f64 / 100.0);
        }
    }
    let mut sim = sanctions.simulator(&s).unwrap();
    if sim.steady_state(&defaults).is_err() {
        println!("sanctions: no steady state with these settings; not timed");
        return;
    }
    for (name, p) in [("defaults", &defaults), ("moved", &moved)] {
        let Ok(st) = sim.steady_state(p) else {
            println!("sanctions steady ({name}): none found; not timed");
            continue;
        };
        c.bench_function(&format!("sanctions_steady_state/{name}"), |b| {
            b.iter(|| black_box(sim.steady_state(black_box(p)).unwrap().residual))
        });
        let t = per_call(
            || {
                black_box(sim.steady_state(p).unwrap().residual);
            },
            1.0,
        );
        println!(
            "sanctions steady state ({name}, native): {:.1} us ({} iterations, {} evaluations), {:.2} of one run",
            t * 1e6,
            st.iterations,
            st.evaluations,
            t / run_native
        );
    }
}

/// Time to compile a model's program to native code (a fresh `CompiledModel` each time, so
/// nothing is cached), next to the time to compile the model itself.
fn compile_times(c: &mut Criterion, name: &str, model: &pressure_model::Model) {
    c.bench_function(&format!("{name}/compile_model"), |b| {
        b.iter(|| black_box(CompiledModel::compile(model).unwrap().program_size()))
    });
    c.bench_function(&format!("{name}/compile_model_and_native_code"), |b| {
        b.iter(|| {
            let compiled = CompiledModel::compile(model).unwrap();
            black_box(compiled.native_code().map(|n| n.code_bytes).unwrap_or(0))
        })
    });
    let mut jit = Vec::new();
    for _ in 0..10 {
        let compiled = CompiledModel::compile(model).unwrap();
        if let Ok(n) = compiled.native_code() {
            jit.push((n.compile_time.as_secs_f64(), n.code_bytes));
        }
    }
    if let Some(&(best, bytes)) = jit.iter().min_by(|a, b| a.0.total_cmp(&b.0)) {
        let median = {
            let mut t: Vec<f64> = jit.iter().map(|j| j.0).collect();
            t.sort_by(f64::total_cmp);
            t[t.len() / 2]
        };
        println!(
            "{name}: native code compiled in {:.2} ms (median of 10; best {:.2} ms), {bytes} bytes",
            median * 1e3,
            best * 1e3
        );
    }
}

fn load_file(rel: &str) -> pressure_model::Model {
    pressure_model::load(&repo().join(rel)).unwrap()
}

fn benches(c: &mut Criterion) {
    if filter().is_some_and(|f| f.starts_with("side_by_side")) {
        return;
    }
    // Teacup: 1 stock, 240 Euler steps.
    let teacup = compile_file("models/examples/teacup.toml");
    both_backends(
        c,
        "teacup_euler_240_steps",
        &teacup,
        &teacup.default_settings(),
        None,
    );
    compile_times(c, "teacup", &load_file("models/examples/teacup.toml"));

    // chain10 RK4, 1600 steps, recording the 10 states every 16 steps, against the same system
    // written by hand in plain Rust with the same RK4 loop (the floor).
    let chain = compile_file("models/examples/chain10.toml");
    let s = chain
        .default_settings()
        .with_method(Method::Rk4)
        .with_dt(1.0 / 16.0)
        .with_save_every(1.0);
    let s_chain = s.clone();
    let states = ["x1", "y1", "x2", "y2", "x3", "y3", "x4", "y4", "x5", "y5"];
    let (t_interp, t_native) =
        both_backends(c, "chain10_rk4_1600_steps", &chain, &s, Some(&states));
    let mut out = Vec::with_capacity(101);
    c.bench_function("chain10_rk4_1600_steps/by_hand", |b| {
        b.iter(|| {
            chain10_rk4_by_hand(&mut out);
            black_box(out.len())
        })
    });
    let t_hand = per_call(
        || {
            chain10_rk4_by_hand(&mut out);
            black_box(out.len());
        },
        1.0,
    );
    println!(
        "chain10 rk4: by hand {:.1} us/run; interpreter / hand {:.2}, native / hand {:.2} (target <= 2)",
        t_hand * 1e6,
        t_interp / t_hand,
        t_native / t_hand
    );
    compile_times(c, "chain10", &load_file("models/examples/chain10.toml"));
    let p = chain.default_params();

    // chain10 adaptive: our DOP853 on the compiled model vs ode_solvers' Dop853 on SVector.
    let s8 = chain
        .default_settings()
        .with_method(Method::Dop853)
        .with_tolerances(1e-9, 1e-12)
        .with_save_every(1.0)
        .with_dt(1.0 / 16.0);
    let mut sim8 = chain.simulator(&s8).unwrap();
    sim8.record(&["x1", "y1", "x2", "y2", "x3", "y3", "x4", "y4", "x5", "y5"])
        .unwrap();
    c.bench_function("chain10_dop853_rtol1e-9", |b| {
        b.iter(|| black_box(sim8.run(black_box(&p)).unwrap().rows()))
    });
    c.bench_function("chain10_ode_solvers_dop853_svector_rtol1e-9", |b| {
        b.iter(|| {
            let y0: ode_solvers::SVector<f64, 10> = chain10_initial().into();
            let mut solver = ode_solvers::Dop853::new(Chain10Ode, 0.0, 100.0, 1.0, y0, 1e-9, 1e-12);
            black_box(solver.integrate().unwrap())
        })
    });
    let t8 = per_call(
        || {
            black_box(sim8.run(&p).unwrap().rows());
        },
        1.0,
    );
    let t_os = per_call(
        || {
            let y0: ode_solvers::SVector<f64, 10> = chain10_initial().into();
            let mut solver = ode_solvers::Dop853::new(Chain10Ode, 0.0, 100.0, 1.0, y0, 1e-9, 1e-12);
            black_box(solver.integrate().unwrap());
        },
        1.0,
    );
    println!("chain10 dop853 rtol 1e-9: engine {:.1} us/run, ode_solvers (hand-written RHS, SVector) {:.1} us/run", t8 * 1e6, t_os * 1e6);

    // A generated 500-variable model, 800 Euler steps.
    let big_model = load_text(&generated_model());
    let big = CompiledModel::compile(&big_model).unwrap();
    let (_, t_big) = both_backends(
        c,
        "generated_500_variables_euler_800_steps",
        &big,
        &big.default_settings(),
        None,
    );
    println!(
        "generated 500 variables (native): {:.2} us per model evaluation, {:.2} ns per equation evaluation",
        t_big * 1e6 / 801.0,
        t_big * 1e9 / (801.0 * 450.0)
    );
    compile_times(c, "generated_500", &big_model);

    // The coupled sanctions model: RK4, 30 years, dt 1/48 (its own settings).
    let sanctions_model = load_file("models/sanctions.toml");
    let sanctions = CompiledModel::compile(&sanctions_model).unwrap();
    let s = sanctions
        .default_settings()
        .with_method(Method::Rk4)
        .with_span(0.0, 30.0)
        .with_dt(1.0 / 48.0);
    let (_, run_native) = both_backends(c, "sanctions_rk4_30y_dt1_48", &sanctions, &s, None);
    compile_times(c, "sanctions", &sanctions_model);
    steady_states(c, &sanctions, &s, run_native);
    batch_backend(c, "chain10_rk4_1600_steps", &chain, &s_chain, Some(&states));

    // Arrays: 5 groups x 50 equations, arrayed vs written out (issue 3: within 10%).
    let arrayed = compile_text(&groups_model(false));
    let scalar = compile_text(&groups_model(true));
    let mut sa = arrayed.simulator(&arrayed.default_settings()).unwrap();
    let mut ss = scalar.simulator(&scalar.default_settings()).unwrap();
    let (pa, ps) = (arrayed.default_params(), scalar.default_params());
    c.bench_function("groups_5x50_arrayed", |b| {
        b.iter(|| black_box(sa.run(black_box(&pa)).unwrap().rows()))
    });
    c.bench_function("groups_5x50_scalarised", |b| {
        b.iter(|| black_box(ss.run(black_box(&ps)).unwrap().rows()))
    });
    let ta = per_call(
        || {
            black_box(sa.run(&pa).unwrap().rows());
        },
        1.0,
    );
    let ts = per_call(
        || {
            black_box(ss.run(&ps).unwrap().rows());
        },
        1.0,
    );
    println!(
        "5 groups x 50 equations: arrayed {:.1} us/run ({} instructions), scalarised {:.1} us/run ({} instructions): ratio {:.3}",
        ta * 1e6,
        arrayed.program_size().1,
        ts * 1e6,
        scalar.program_size().1,
        ta / ts
    );
}

/// The three backends side by side on the same eight parameter sets: the sanctions model as
/// the Sobol' experiment runs it (to t = 10, its four variables recorded), started at its steady
/// state (solved lane by lane with the scalar solver) and at its initial values (integration
/// only); SIR (3200 Euler steps, every output); the generated 500-variable model.
fn side_by_side(c: &mut Criterion) {
    if filter().is_some_and(|f| !f.starts_with("side_by_side")) {
        return;
    }
    let sanctions = compile_file("models/sanctions.toml");
    let sobol = [
        "coalition.cohesion",
        "coalition.exit_hazard",
        "money.inflation",
        "currency.premium",
    ];
    let s10 = sanctions.default_settings().with_span(0.0, 10.0);
    batch_backend(
        c,
        "side_by_side/sanctions_rk4_10y_steady_start",
        &sanctions,
        &s10,
        Some(&sobol),
    );
    let s10 = s10.with_initialise(pressure_sim::Initialise::Initial);
    batch_backend(
        c,
        "side_by_side/sanctions_rk4_10y",
        &sanctions,
        &s10,
        Some(&sobol),
    );
    let sir = compile_file("models/examples/sir.toml");
    batch_backend(
        c,
        "side_by_side/sir_euler_3200_steps",
        &sir,
        &sir.default_settings(),
        None,
    );
    let big = compile_text(&generated_model());
    batch_backend(
        c,
        "side_by_side/generated_500_variables_euler_800_steps",
        &big,
        &big.default_settings(),
        None,
    );
}

criterion_group! {
    name = engine;
    config = Criterion::default().sample_size(30).measurement_time(std::time::Duration::from_secs(3)).warm_up_time(std::time::Duration::from_secs(1));
    targets = benches, side_by_side
}
criterion_main!(engine);
