//! Runs per second of one thread for the scalar interpreter, native code and the batch
//! backend, on the same parameter sets (every ranged parameter drawn uniformly in its range),
//! one backend after the other in one process; checks that every batch lane equals the scalar
//! run bit for bit.
//!
//! ```text
//! cargo run --release -p pressure-sim --example batch_throughput -- [MODEL] [RUNS] [SPAN] [OUTPUTS] [initial]
//! ```
//! MODEL defaults to `models/sanctions.toml`, RUNS to 400, SPAN (time units from the start;
//! `-` for the model's own) to 10, as in
//! `experiments/sensitivity/sanctions_sobol.toml`, and OUTPUTS (comma-separated, recorded) to
//! that experiment's four variables (every output for another model). A fifth argument
//! `initial` starts the runs at the initial values instead of the model's own choice (the
//! sanctions model solves its steady state first, lane by lane, which the batch shares with
//! the scalar backends). Times are the thread's CPU time (`/proc/thread-self/schedstat` on
//! Linux, wall time elsewhere). Wall time on one thread: run it on an idle
//! machine, or under `valgrind --tool=callgrind` for load-independent instruction counts.

use pressure_sim::{Backend, BatchSimulator, CompiledModel, ParamSet};
use std::path::PathBuf;
use std::time::Instant;

/// CPU time of this thread where Linux reports it, else wall time.
struct Clock(Option<u64>, Instant);

impl Clock {
    fn cpu_ns() -> Option<u64> {
        let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
        text.split_whitespace().next()?.parse().ok()
    }
    fn now() -> Clock {
        Clock(Clock::cpu_ns(), Instant::now())
    }
    fn elapsed(&self) -> std::time::Duration {
        match (self.0, Clock::cpu_ns()) {
            (Some(a), Some(b)) => std::time::Duration::from_nanos(b - a),
            _ => self.1.elapsed(),
        }
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let path = args
        .get(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| repo.join("models/sanctions.toml"));
    let runs: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(400);
    // The span: STOP time units from the start; `-` (or absent, for a model given by path)
    // keeps the model's own.
    let span: Option<f64> = match args.get(3) {
        Some(s) => s.parse().ok(),
        None if args.get(1).is_none() => Some(10.0),
        None => None,
    };
    let outputs: Vec<String> = match args.get(4) {
        Some(list) => list
            .split(',')
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect(),
        None if args.get(1).is_none() => [
            "coalition.cohesion",
            "coalition.exit_hazard",
            "money.inflation",
            "currency.premium",
        ]
        .map(String::from)
        .to_vec(),
        None => Vec::new(),
    };
    let outputs: Vec<&str> = outputs.iter().map(String::as_str).collect();
    let model = pressure_model::load(&path).unwrap_or_else(|e| panic!("{e}"));
    let c = CompiledModel::compile(&model).expect("compiles");
    let base = c.default_settings();
    let mut settings = match span {
        Some(span) => base.clone().with_span(base.start, base.start + span),
        None => base.clone(),
    };
    if args.get(5).map(String::as_str) == Some("initial") {
        settings = settings.with_initialise(pressure_sim::Initialise::Initial);
    }
    // A fixed pseudo-random design (no dependency on a generator crate).
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let mut unit = || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    let sets: Vec<ParamSet> = (0..runs)
        .map(|_| {
            let mut p = c.default_params();
            for (k, info) in c.parameters().iter().enumerate() {
                if let Some((lo, hi)) = info.range {
                    p.set(k, lo + (hi - lo) * unit());
                }
            }
            p
        })
        .collect();
    let (_, ops, _, ns) = c.program_size();
    println!(
        "{}: {ops} instructions per evaluation, {ns} state variables, {} steps of {:?}, start {:?}, {runs} parameter sets; runs per CPU-second of one thread:",
        path.display(),
        settings.steps(),
        settings.method,
        settings.initialise
    );
    let mut reference = Vec::new();
    for backend in [Backend::Interpreter, Backend::Jit] {
        let s = settings.clone().with_backend(backend);
        let mut sim = c.simulator(&s).expect("settings");
        if !outputs.is_empty() {
            sim.record(&outputs).expect("outputs");
        }
        sim.run(&sets[0]).ok(); // compiles native code outside the timing
        let t0 = Clock::now();
        let mut failed = 0;
        for p in &sets {
            match sim.run(p) {
                Ok(r) if backend == Backend::Interpreter => reference.push(Ok(r.clone())),
                Ok(_) => {}
                Err(e) => {
                    failed += 1;
                    if backend == Backend::Interpreter {
                        reference.push(Err(e.to_string()));
                    }
                }
            }
        }
        let secs = t0.elapsed().as_secs_f64();
        println!(
            "{:>6}: {:8.1} runs/s ({:.3} ms per run, {failed} failed)",
            backend.name(),
            runs as f64 / secs,
            secs * 1e3 / runs as f64
        );
    }
    let mut batch = BatchSimulator::new(&c, &settings).expect("batch backend supports the model");
    if !outputs.is_empty() {
        batch.record(&outputs).expect("outputs");
    }
    let t0 = Clock::now();
    let mut mismatches = 0;
    for (chunk, want) in sets
        .chunks(BatchSimulator::LANES)
        .zip(reference.chunks(BatchSimulator::LANES))
    {
        batch.run(chunk).expect("batch");
        for (l, w) in want.iter().enumerate() {
            let same = match (batch.lane(l), w) {
                (Ok(a), Ok(b)) => a == b,
                (Err(a), Err(b)) => a.to_string() == *b,
                _ => false,
            };
            mismatches += usize::from(!same);
        }
    }
    let secs = t0.elapsed().as_secs_f64();
    println!(
        "{:>6}: {:8.1} runs/s ({:.3} ms per run; {mismatches} lanes differ from the interpreter)",
        "batch",
        runs as f64 / secs,
        secs * 1e3 / runs as f64
    );
}
