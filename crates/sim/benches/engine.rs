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

// ---- chain10 by hand -------------------------------------------------------------------

const K: f64 = 100.0;
const A: f64 = 1.0;
const B: f64 = 0.5;
const D: f64 = 0.05;

#[inline]
fn chain10_rhs(y: &[f64; 10], dy: &mut [f64; 10]) {
    for i in 0..5 {
        let x = y[2 * i];
        let p = y[2 * i + 1];
        let left = if i == 0 { y[0] } else { y[2 * i - 2] };
        let right = if i == 4 { y[8] } else { y[2 * i + 2] };
        let r = 1.0 + 0.1 * (i + 1) as f64;
        let m = 0.4 + 0.05 * (i + 1) as f64;
        dy[2 * i] = r * x * (1.0 - x / K) - A * x * p + D * (left - 2.0 * x + right);
        dy[2 * i + 1] = B * A * x * p - m * p;
    }
}

fn chain10_initial() -> [f64; 10] {
    let mut y = [0.0; 10];
    for i in 0..5 {
        y[2 * i] = 1.0 + 0.2 * (i + 1) as f64;
        y[2 * i + 1] = 0.5 + 0.1 * (i + 1) as f64;
    }
    y
}

/// Classical RK4, 1600 steps of 1/16, saving the state every 16 steps (as the engine does).
fn chain10_rk4_by_hand(out: &mut Vec<[f64; 10]>) {
    out.clear();
    let h = 1.0 / 16.0;
    let mut y = chain10_initial();
    let (mut k1, mut k2, mut k3, mut k4, mut t) =
        ([0.0; 10], [0.0; 10], [0.0; 10], [0.0; 10], [0.0; 10]);
    for step in 0..=1600 {
        chain10_rhs(&y, &mut k1);
        if step % 16 == 0 {
            out.push(y);
        }
        if step == 1600 {
            break;
        }
        for i in 0..10 {
            t[i] = y[i] + 0.5 * h * k1[i];
        }
        chain10_rhs(&t, &mut k2);
        for i in 0..10 {
            t[i] = y[i] + 0.5 * h * k2[i];
        }
        chain10_rhs(&t, &mut k3);
        for i in 0..10 {
            t[i] = y[i] + h * k3[i];
        }
        chain10_rhs(&t, &mut k4);
        for i in 0..10 {
            y[i] += h / 6.0 * (k1[i] + 2.0 * k2[i] + 2.0 * k3[i] + k4[i]);
        }
    }
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

// ---- a generated 500-variable model ------------------------------------------------------

/// 100 stocks, 200 flows, 150 auxiliaries, 50 constants; acyclic, bounded dynamics.
fn generated_model() -> String {
    let mut s = String::from("[settings]\nstop = 100\ndt = 0.125\nmethod = \"euler\"\n");
    for c in 0..50 {
        s += &format!("[constants.c{c}]\nvalue = {}\n", 0.1 + 0.01 * c as f64);
    }
    for i in 0..100 {
        s += &format!(
            "[stocks.s{i}]\ninitial = \"{}\"\ninflows = [\"in{i}\"]\noutflows = [\"out{i}\"]\n",
            10 + i % 7
        );
    }
    for j in 0..150 {
        let (a, b) = (j % 100, (j * 7 + 3) % 100);
        let eq = match j % 5 {
            0 => format!("s{a} * c{} + s{b} * 0.01", j % 50),
            1 => format!("(s{a} - s{b}) / (1 + c{})", j % 50),
            2 if j > 10 => format!("a{} * 0.5 + MAX(s{a}, s{b}) * 0.001", j - 7),
            3 => format!("IF THEN ELSE(s{a} > s{b}, s{a} * 0.02, s{b} * 0.03)"),
            _ => format!("s{a} * s{b} / (s{a} + s{b} + 1)"),
        };
        s += &format!("[aux.a{j}]\nequation = \"{eq}\"\n");
    }
    for i in 0..100 {
        s += &format!(
            "[flows.in{i}]\nequation = \"a{} * c{} + 0.1\"\n",
            i % 150,
            (i + 3) % 50
        );
        s += &format!("[flows.out{i}]\nequation = \"s{i} * c{} * 0.5\"\n", i % 50);
    }
    s
}

/// 5 groups x 50 equations, arrayed (`scalar = false`) or written out element by element.
fn groups_model(scalar: bool) -> String {
    let groups = ["tec", "sec", "pty", "biz", "prov"];
    let mut s = String::from("[settings]\nstop = 50\ndt = 0.125\n");
    if !scalar {
        s += "[dimensions]\ngroup = [\"tec\", \"sec\", \"pty\", \"biz\", \"prov\"]\n";
        s += "[constants.w]\ndims = [\"group\"]\nvalue = [1, 2, 3, 4, 5]\n";
        s += "[stocks.l]\ndims = [\"group\"]\ninitial = \"w[group]\"\ninflows = [\"f\"]\n";
        s += "[flows.f]\ndims = [\"group\"]\nequation = \"a49[group] - 0.05 * l[group]\"\n";
        s += "[aux.a0]\ndims = [\"group\"]\nequation = \"l[group] * 0.1 + MEAN(l[group!]) * 0.01\"\n";
        for k in 1..50 {
            s += &format!("[aux.a{k}]\ndims = [\"group\"]\nequation = \"0.5 * a{}[group] + l[group] * w[group] * 0.01\"\n", k - 1);
        }
    } else {
        for (i, g) in groups.iter().enumerate() {
            s += &format!("[constants.w_{g}]\nvalue = {}\n", i + 1);
            s += &format!("[stocks.l_{g}]\ninitial = \"w_{g}\"\ninflows = [\"f_{g}\"]\n");
            s += &format!("[flows.f_{g}]\nequation = \"a49_{g} - 0.05 * l_{g}\"\n");
            let mean: Vec<String> = groups.iter().map(|h| format!("l_{h}")).collect();
            s += &format!(
                "[aux.a0_{g}]\nequation = \"l_{g} * 0.1 + ({}) / 5 * 0.01\"\n",
                mean.join(" + ")
            );
            for k in 1..50 {
                s += &format!(
                    "[aux.a{k}_{g}]\nequation = \"0.5 * a{}_{g} + l_{g} * w_{g} * 0.01\"\n",
                    k - 1
                );
            }
        }
    }
    s
}

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
