//! Runs one benchmark model many times, for profilers (`valgrind --tool=callgrind`) and for
//! load-independent comparisons of the engine's backends.
//!
//! ```text
//! cargo run --release -p pressure-sim --example engine_profile -- MODEL [RUNS]
//! ```
//! MODEL is `teacup`, `chain10` (RK4, 1600 steps, as in `benches/engine.rs`), `chain10-hand`
//! (the same written by hand), `generated`
//! (500 variables, 800 Euler steps), `arrayed`, `scalarised`, or a path to a model file
//! (run with its own settings). Prints the time per run and a checksum of the results.
//! `PRESSURE_BACKEND=auto|interp|jit` chooses the backend (default `auto`).

#[path = "../benches/common/models.rs"]
mod models;

use pressure_sim::{CompiledModel, Method};
use std::path::{Path, PathBuf};
use std::time::Instant;

fn load(path: &Path) -> CompiledModel {
    let m = pressure_model::load(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    CompiledModel::compile(&m).expect("compiles")
}

fn load_text(text: &str) -> CompiledModel {
    let dir = std::env::temp_dir().join(format!("pressure-profile-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let p = dir.join("gen.toml");
    std::fs::write(&p, text).expect("write model");
    let c = load(&p);
    let _ = std::fs::remove_dir_all(&dir);
    c
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let which = args.get(1).map(String::as_str).unwrap_or("chain10");
    let runs: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(100);
    let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    // The library reads no environment: this program maps `PRESSURE_BACKEND` itself.
    if let Some(v) = std::env::var_os("PRESSURE_BACKEND") {
        let backend = v
            .to_string_lossy()
            .parse()
            .unwrap_or_else(|e| panic!("PRESSURE_BACKEND: {e}"));
        pressure_sim::EngineOptions {
            default_backend: backend,
            ..Default::default()
        }
        .install();
    }
    if which == "chain10-hand" {
        let mut out = Vec::with_capacity(101);
        let t1 = Instant::now();
        let mut checksum = 0.0;
        for _ in 0..runs {
            models::chain10_rk4_by_hand(&mut out);
            checksum += out[out.len() - 1].iter().sum::<f64>();
        }
        let per_run = t1.elapsed().as_secs_f64() / runs as f64;
        println!(
            "chain10 by hand: {:.1} us/run over {runs} runs, checksum {checksum:.17e}",
            per_run * 1e6
        );
        return;
    }
    let t0 = Instant::now();
    let (compiled, settings) = match which {
        "teacup" => {
            let c = load(&repo.join("models/examples/teacup.toml"));
            let s = c.default_settings();
            (c, s)
        }
        "chain10" => {
            let c = load(&repo.join("models/examples/chain10.toml"));
            let s = c
                .default_settings()
                .with_method(Method::Rk4)
                .with_dt(1.0 / 16.0)
                .with_save_every(1.0);
            (c, s)
        }
        "generated" => {
            let c = load_text(&models::generated_model());
            let s = c.default_settings();
            (c, s)
        }
        "arrayed" | "scalarised" => {
            let c = load_text(&models::groups_model(which == "scalarised"));
            let s = c.default_settings();
            (c, s)
        }
        path => {
            let c = load(Path::new(path));
            let s = c.default_settings();
            (c, s)
        }
    };
    let compile_time = t0.elapsed();
    // `jit` compiles before the timed runs (`auto` decides at each run, see `Backend`).
    if settings.backend == pressure_sim::Backend::Jit {
        match compiled.native_code() {
            Ok(n) => println!(
                "native code: {:.2} ms to compile, {} bytes",
                n.compile_time.as_secs_f64() * 1e3,
                n.code_bytes
            ),
            Err(e) => println!("native code not available: {e}"),
        }
    }
    let mut sim = compiled.simulator(&settings).expect("simulator");
    let params = compiled.default_params();
    let t1 = Instant::now();
    let mut checksum = 0.0;
    for _ in 0..runs {
        let r = sim.run(&params).expect("run");
        checksum += (0..r.names().len())
            .map(|c| r.column_at(c)[r.rows() - 1])
            .sum::<f64>();
    }
    let per_run = t1.elapsed().as_secs_f64() / runs as f64;
    println!(
        "backend {}: the last run used {}",
        settings.backend.name(),
        if sim.uses_native_code() {
            "native code"
        } else {
            "the interpreter"
        }
    );
    let (_, ops, slots, states) = compiled.program_size();
    println!(
        "{which}: load+compile {:.2} ms, {:.1} us/run over {runs} runs ({ops} instructions, {slots} slots, {states} states), checksum {checksum:.17e}",
        compile_time.as_secs_f64() * 1e3,
        per_run * 1e6
    );
}
