//! Runs per second of one thread for the scalar interpreter, native code and the batch
//! backend (its lane interpreter, then its native lane code), on the same parameter sets (every
//! ranged parameter drawn uniformly in its range), one backend after the other in one process;
//! checks that every batch lane equals the scalar run bit for bit.
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
//!
//! MODEL may be any file `pressure_interop` reads (TOML, Vensim `.mdl`, XMILE), or
//! `generated500`, the generated 500-variable model of `benches/engine.rs` (800 Euler steps,
//! its 50 constants drawn within 10 % of their values). Parameters without a range keep their
//! values, so a model without ranges runs its own parameter set RUNS times. The last line,
//! `runs_per_cpu_second<TAB>interpreter<TAB>native<TAB>batch<TAB>batch-native` (`-` where the
//! batch backend does not run the model), is read by `benches/peers/throughput_compare.py`.
//! `width=N` (2, 4 or 8) sets the lanes per call of the native lane code
//! ([`pressure_sim::EngineOptions::lane_width`], default 8). `only=lanes-jit` (or `batch`,
//! `jit`, `interp`) runs that backend alone, without the comparison with the interpreter (for
//! `perf record`).

#[path = "../benches/common/clock.rs"]
mod clock;
#[path = "../benches/common/models.rs"]
mod models;

use clock::Clock;
use pressure_sim::{Backend, BatchSimulator, CompiledModel, ParamSet, RunSettings};
use std::path::PathBuf;

fn main() {
    // `keep=T1,T2,...`: afterwards, time native code and the batch backend keeping only the
    // saved rows these times read (`save_rows`) against keeping every row.
    let keep_times: Option<Vec<f64>> = std::env::args().find_map(|a| {
        a.strip_prefix("keep=").map(|list| {
            list.split(',')
                .map(|x| x.parse().expect("keep=T1,T2,...: times"))
                .collect()
        })
    });
    if let Some(w) = std::env::args().find_map(|a| a.strip_prefix("width=").map(String::from)) {
        pressure_sim::EngineOptions {
            lane_width: w.parse().expect("width=2|4|8"),
            ..pressure_sim::EngineOptions::current()
        }
        .install();
    }
    let only: Option<String> =
        std::env::args().find_map(|a| a.strip_prefix("only=").map(String::from));
    let wanted = |name: &str| only.as_deref().is_none_or(|o| o == name);
    let args: Vec<String> = std::env::args()
        .filter(|a| {
            !["keep=", "width=", "only="]
                .iter()
                .any(|p| a.starts_with(p))
        })
        .collect();
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
    let model = if path.as_os_str() == "generated500" {
        let dir = std::env::temp_dir().join(format!("pressure-throughput-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let p = dir.join("generated500.toml");
        std::fs::write(&p, models::generated_model()).expect("write model");
        let m = pressure_model::load(&p).unwrap_or_else(|e| panic!("{e}"));
        let _ = std::fs::remove_dir_all(&dir);
        m
    } else {
        pressure_interop::load(&path).unwrap_or_else(|e| panic!("{e}"))
    };
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
    let mut rates = Vec::new();
    for backend in [Backend::Interpreter, Backend::Jit] {
        if !wanted(backend.name()) {
            rates.push("-".into());
            continue;
        }
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
        rates.push(format!("{:.1}", runs as f64 / secs));
        println!(
            "{:>6}: {:8.1} runs/s ({:.3} ms per run, {failed} failed)",
            backend.name(),
            runs as f64 / secs,
            secs * 1e3 / runs as f64
        );
    }
    if let Err(why) = BatchSimulator::supports(&c, &settings) {
        println!("{:>6}: not run: {why}", "batch");
        println!("runs_per_cpu_second\t{}\t{}\t-\t-", rates[0], rates[1]);
        return;
    }
    // The batch backend's steady starts use scalar native code either way.
    let batch_settings = settings.clone().with_backend(Backend::Jit);
    let mut batch =
        BatchSimulator::new(&c, &batch_settings).expect("batch backend supports the model");
    if !outputs.is_empty() {
        batch.record(&outputs).expect("outputs");
    }
    for native in [false, true] {
        let label = if native { "lanes-jit" } else { "batch" };
        if !wanted(label) {
            rates.push("-".into());
            continue;
        }
        if batch.set_native(native) != native {
            println!("{label:>6}: not run: no native code in this build");
            rates.push("-".into());
            continue;
        }
        batch.run(&sets[..1]).expect("batch"); // compiles native code outside the timing
        let t0 = Clock::now();
        let mut mismatches = 0;
        for (k, chunk) in sets.chunks(BatchSimulator::LANES).enumerate() {
            batch.run(chunk).expect("batch");
            let want = reference
                .get(k * BatchSimulator::LANES..)
                .map_or(&[][..], |r| &r[..chunk.len().min(r.len())]);
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
        rates.push(format!("{:.1}", runs as f64 / secs));
        println!(
            "{label:>6}: {:8.1} runs/s ({:.3} ms per run; {mismatches} lanes differ from the interpreter)",
            runs as f64 / secs,
            secs * 1e3 / runs as f64
        );
    }
    println!("runs_per_cpu_second\t{}", rates.join("\t"));
    if let Some(times) = keep_times {
        keep_rows(&c, &settings, &outputs, &sets, &times);
    }
}

/// Native code and the batch backend keeping every saved row against keeping only the rows
/// that the values at `times` read (a saved time's own row, else the two around it), two
/// rounds one after the other; checks that the kept values equal the full runs' bit for bit.
fn keep_rows(
    c: &CompiledModel,
    settings: &RunSettings,
    outputs: &[&str],
    sets: &[ParamSet],
    times: &[f64],
) {
    let grid: Vec<f64> = settings.save_times().collect();
    let mut rows = Vec::new();
    for &t in times {
        match grid.iter().position(|&x| x == t) {
            Some(k) => rows.push(k),
            None => {
                let k = grid
                    .partition_point(|&x| x <= t)
                    .saturating_sub(1)
                    .min(grid.len().saturating_sub(2));
                rows.extend([k, k + 1]);
            }
        }
    }
    rows.sort_unstable();
    rows.dedup();
    let cols = if outputs.is_empty() {
        c.outputs().len()
    } else {
        outputs.len()
    };
    println!(
        "keeping saved rows {rows:?} of {} (times {times:?}): results per run {} bytes instead of {}",
        grid.len(),
        rows.len() * cols * 8,
        grid.len() * cols * 8
    );
    let s = settings.clone().with_backend(Backend::Jit);
    let mut full = c.simulator(&s).expect("settings");
    let mut kept = c.simulator(&s).expect("settings");
    let mut bfull = BatchSimulator::new(c, settings).expect("batch");
    let mut bkept = BatchSimulator::new(c, settings).expect("batch");
    if !outputs.is_empty() {
        for sim in [&mut full, &mut kept] {
            sim.record(outputs).expect("outputs");
        }
        for sim in [&mut bfull, &mut bkept] {
            sim.record(outputs).expect("outputs");
        }
    }
    kept.save_rows(Some(&rows)).expect("rows");
    bkept.save_rows(Some(&rows)).expect("rows");
    let mut reference = Vec::new();
    for p in sets {
        reference.push(full.run(p).ok().cloned());
    }
    let mut differ = 0usize;
    let mut check = |r: &pressure_sim::Results, i: usize| {
        if let Some(a) = &reference[i] {
            for col in 0..a.names().len() {
                for (j, &row) in rows.iter().enumerate() {
                    differ += usize::from(
                        a.column_at(col)[row].to_bits() != r.column_at(col)[j].to_bits(),
                    );
                }
            }
        }
    };
    for round in 1..=2 {
        for (label, sim) in [("every row", &mut full), ("kept rows", &mut kept)] {
            let t0 = Clock::now();
            for p in sets {
                let _ = std::hint::black_box(sim.run(p).map(|r| r.rows()));
            }
            let secs = t0.elapsed().as_secs_f64();
            println!(
                "round {round}: native, {label}: {:8.1} runs/s",
                sets.len() as f64 / secs
            );
        }
        for (label, batch) in [("every row", &mut bfull), ("kept rows", &mut bkept)] {
            let t0 = Clock::now();
            for chunk in sets.chunks(BatchSimulator::LANES) {
                batch.run(chunk).expect("batch");
                std::hint::black_box(batch.lane(0).map(|r| r.rows()).ok());
            }
            let secs = t0.elapsed().as_secs_f64();
            println!(
                "round {round}: batch,  {label}: {:8.1} runs/s",
                sets.len() as f64 / secs
            );
        }
    }
    for (i, p) in sets.iter().enumerate() {
        if let Ok(r) = kept.run(p) {
            check(r, i);
        }
    }
    for (k, chunk) in sets.chunks(BatchSimulator::LANES).enumerate() {
        bkept.run(chunk).expect("batch");
        for l in 0..chunk.len() {
            if let Ok(r) = bkept.lane(l) {
                check(r, k * BatchSimulator::LANES + l);
            }
        }
    }
    println!("kept values differing from the full runs: {differ}");
}
