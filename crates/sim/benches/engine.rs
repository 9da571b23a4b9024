//! Engine speed: one run of the teacup (240 Euler steps), chain10 with RK4 over 1600 steps
//! (against the same system written by hand in plain Rust with the same RK4 loop, the floor),
//! chain10 with DOP853 (against ode_solvers' Dop853 on a stack vector), and a generated
//! 500-variable model. Prints time per run and per equation evaluation.

use criterion::{criterion_group, criterion_main, Criterion};
use pressure_sim::{CompiledModel, Method, RunSettings};
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

fn compile_text(text: &str) -> CompiledModel {
    let dir = std::env::temp_dir().join(format!("pressure-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join("gen.toml");
    std::fs::write(&p, text).unwrap();
    let m = pressure_model::load(&p).unwrap();
    CompiledModel::compile(&m).unwrap()
}

/// Mean seconds per call over about `budget` seconds (for the summary lines).
fn per_call(mut f: impl FnMut(), budget: f64) -> f64 {
    let t0 = Instant::now();
    let mut n = 0u64;
    while t0.elapsed().as_secs_f64() < budget || n < 10 {
        f();
        n += 1;
    }
    t0.elapsed().as_secs_f64() / n as f64
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
#[path = "common/models.rs"]
mod models;
use models::{chain10_initial, chain10_rhs, chain10_rk4_by_hand, generated_model, groups_model};

fn benches(c: &mut Criterion) {
    // Teacup: 1 stock, 240 Euler steps.
    let teacup = compile_file("models/examples/teacup.toml");
    let mut sim = teacup.simulator(&teacup.default_settings()).unwrap();
    let p = teacup.default_params();
    c.bench_function("teacup_euler_240_steps", |b| {
        b.iter(|| black_box(sim.run(black_box(&p)).unwrap().rows()))
    });
    let t = per_call(
        || {
            black_box(sim.run(&p).unwrap().rows());
        },
        1.0,
    );
    let (_, ops, _, _) = teacup.program_size();
    println!("teacup: {:.2} us/run, {:.1} ns per model evaluation (241 evaluations, {ops} instructions each)", t * 1e6, t * 1e9 / 241.0);

    // chain10 RK4, 1600 steps, recording the 10 states every 16 steps.
    let chain = compile_file("models/examples/chain10.toml");
    let s = chain
        .default_settings()
        .with_method(Method::Rk4)
        .with_dt(1.0 / 16.0)
        .with_save_every(1.0);
    let mut sim = chain.simulator(&s).unwrap();
    sim.record(&["x1", "y1", "x2", "y2", "x3", "y3", "x4", "y4", "x5", "y5"])
        .unwrap();
    let p = chain.default_params();
    c.bench_function("chain10_rk4_1600_steps", |b| {
        b.iter(|| black_box(sim.run(black_box(&p)).unwrap().rows()))
    });
    let mut out = Vec::with_capacity(101);
    c.bench_function("chain10_rk4_1600_steps_by_hand", |b| {
        b.iter(|| {
            chain10_rk4_by_hand(&mut out);
            black_box(out.len())
        })
    });
    let t_engine = per_call(
        || {
            black_box(sim.run(&p).unwrap().rows());
        },
        1.0,
    );
    let t_hand = per_call(
        || {
            chain10_rk4_by_hand(&mut out);
            black_box(out.len());
        },
        1.0,
    );
    let (_, ops, _, _) = chain.program_size();
    let evals = 1600.0 * 4.0 + 1.0;
    println!(
        "chain10 rk4: engine {:.1} us/run ({:.1} ns per evaluation of 20 equations, {ops} instructions), by hand {:.1} us/run: ratio {:.2}",
        t_engine * 1e6,
        t_engine * 1e9 / evals,
        t_hand * 1e6,
        t_engine / t_hand
    );

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
    let big = compile_text(&generated_model());
    let mut sim = big.simulator(&big.default_settings()).unwrap();
    let p = big.default_params();
    c.bench_function("generated_500_variables_euler_800_steps", |b| {
        b.iter(|| black_box(sim.run(black_box(&p)).unwrap().rows()))
    });
    let t = per_call(
        || {
            black_box(sim.run(&p).unwrap().rows());
        },
        1.0,
    );
    let (_, ops, _, _) = big.program_size();
    println!(
        "generated 500 variables: {:.1} us/run, {:.2} us per model evaluation ({ops} instructions), {:.2} ns per equation evaluation",
        t * 1e6,
        t * 1e6 / 801.0,
        t * 1e9 / (801.0 * 450.0)
    );

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
    let _ = RunSettings::default();
}

criterion_group! {
    name = engine;
    config = Criterion::default().sample_size(30).measurement_time(std::time::Duration::from_secs(3)).warm_up_time(std::time::Duration::from_secs(1));
    targets = benches
}
criterion_main!(engine);
