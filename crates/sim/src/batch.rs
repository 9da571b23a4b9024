//! Many runs in parallel (rayon). Each worker thread owns one [`Simulator`] (or one
//! [`BatchSimulator`], eight runs at a time, through the lane interpreter or native lane
//! code); every run depends only on its own parameter set,
//! so results are identical for any number of threads, any batch size and every backend
//! (native code and the lanes compute the interpreter's bits).

use crate::compiled::CompiledModel;
use crate::error::SimError;
use crate::params::ParamSet;
use crate::results::Results;
use crate::settings::{Backend, RunSettings};
use crate::simulator::lanes::BatchSimulator;
use crate::simulator::Simulator;
use rayon::prelude::*;

/// Runs every parameter set and returns each run's results (recording `outputs`, or every
/// output when `None`), in the order of `params`.
///
/// ```
/// # let dir = tempfile::tempdir().unwrap();
/// # let path = dir.path().join("m.toml");
/// # std::fs::write(&path, "[settings]\nstop = 1\ndt = 0.1\n[stocks.x]\ninitial = \"1\"\ninflows = [\"g\"]\n[flows.g]\nequation = \"r * x\"\n[constants.r]\nvalue = 0\n").unwrap();
/// let compiled = pressure_sim::CompiledModel::compile(&pressure_model::load(&path).unwrap()).unwrap();
/// let sets: Vec<_> = (0..8).map(|i| {
///     let mut p = compiled.default_params();
///     p.set(0, i as f64 / 10.0);
///     p
/// }).collect();
/// let runs = pressure_sim::run_batch(&compiled, &sets, &compiled.default_settings(), Some(&["x"]));
/// assert_eq!(runs.len(), 8);
/// assert!(runs[7].as_ref().unwrap().last("x").unwrap() > runs[1].as_ref().unwrap().last("x").unwrap());
/// ```
pub fn run_batch(
    model: &CompiledModel,
    params: &[ParamSet],
    settings: &RunSettings,
    outputs: Option<&[&str]>,
) -> Vec<Result<Results, SimError>> {
    run_batch_map(model, params, settings, outputs, |_, r| r.clone())
}

/// Runs every parameter set and maps each run's results with `f(index, &results)` without
/// keeping them (the summary of a sensitivity analysis, an objective of a calibration).
/// No allocation per run beyond what `f` does.
pub fn run_batch_map<T, F>(
    model: &CompiledModel,
    params: &[ParamSet],
    settings: &RunSettings,
    outputs: Option<&[&str]>,
    f: F,
) -> Vec<Result<T, SimError>>
where
    T: Send,
    F: Fn(usize, &Results) -> T + Sync + Send,
{
    // Check the shared configuration once, so a bad setting is one clear error per run.
    let setup = || -> Result<Simulator<'_>, SimError> {
        let mut sim = model.simulator(settings)?;
        if let Some(o) = outputs {
            sim.record(o)?;
        }
        Ok(sim)
    };
    if let Err(e) = setup() {
        return params.iter().map(|_| Err(e.clone())).collect();
    }
    let columns = outputs.map_or(model.outputs().len(), <[&str]>::len) as u64;
    let stored = columns.saturating_mul(settings.rows() as u64);
    if uses_batch_backend(model, settings, params.len(), stored) {
        return run_lanes(model, params, settings, outputs, f);
    }
    params
        .par_iter()
        .enumerate()
        .map_init(
            || setup().expect("checked above"),
            |sim, (i, p)| sim.run(p).map(|r| f(i, r)),
        )
        .collect()
}

/// Whether a batch of `runs` runs, each storing `stored_values` values (recorded variables
/// times kept rows), goes through the batch backend ([`BatchSimulator`]), as [`run_batch`]
/// decides it (other callers that run many parameter sets, e.g. a sensitivity analysis,
/// follow the same rule): when asked for ([`Backend::Batch`]) or, under [`Backend::Auto`],
///
/// * when the batch does not use native code and fills at least half a batch of lanes (the
///   lane interpreter beats the scalar interpreter), or
/// * when it uses native code, fills a whole batch, the lanes compile to native code too, and
///   a run stores at most one value per eight instruction-evaluations (native lane code beat
///   scalar native code on the sanctions model's Sobol' runs, 4 variables and 2 rows kept, and
///   on the generated 500-variable model recording one variable; it lost to it by 3× recording
///   all 500 variables every step, where writing eight lanes' results costs more than the
///   arithmetic saves: `crates/sensitivity/VALIDATION.md`);
///
/// and only where [`BatchSimulator`] supports the model and settings. Under `Auto` the whole
/// batch counts towards the decision to compile native code: compiled once, up front, when the
/// batch's work pays for it (every thread then finds it ready).
pub fn uses_batch_backend(
    model: &CompiledModel,
    settings: &RunSettings,
    runs: usize,
    stored_values: u64,
) -> bool {
    let wanted = match settings.backend {
        Backend::Batch => true,
        Backend::Auto => {
            let evaluations = settings.evaluations_estimate();
            let total = evaluations.saturating_mul(runs as u64);
            match model.native_if_worth(total, false) {
                None => runs >= BatchSimulator::LANES / 2,
                Some(_) => {
                    let work = evaluations.saturating_mul(model.p.dynamic.len() as u64);
                    runs >= BatchSimulator::LANES
                        && stored_values.saturating_mul(8) <= work
                        && BatchSimulator::supports(model, settings).is_ok()
                        && model.native_lanes().is_ok()
                }
            }
        }
        Backend::Interpreter | Backend::Jit => false,
    };
    wanted && BatchSimulator::supports(model, settings).is_ok()
}

/// [`run_batch_map`] through [`BatchSimulator`]s: the parameter sets in chunks of
/// [`BatchSimulator::LANES`], one batch simulator per worker thread.
fn run_lanes<T, F>(
    model: &CompiledModel,
    params: &[ParamSet],
    settings: &RunSettings,
    outputs: Option<&[&str]>,
    f: F,
) -> Vec<Result<T, SimError>>
where
    T: Send,
    F: Fn(usize, &Results) -> T + Sync + Send,
{
    let setup = || -> Result<BatchSimulator<'_>, SimError> {
        let mut sim = BatchSimulator::new(model, settings)?;
        if let Some(o) = outputs {
            sim.record(o)?;
        }
        Ok(sim)
    };
    if let Err(e) = setup() {
        return params.iter().map(|_| Err(e.clone())).collect();
    }
    let chunks: Vec<Vec<Result<T, SimError>>> = params
        .par_chunks(BatchSimulator::LANES)
        .enumerate()
        .map_init(
            || setup().expect("checked above"),
            |sim, (k, chunk)| {
                let first = k * BatchSimulator::LANES;
                if let Err(e) = sim.run(chunk) {
                    return chunk.iter().map(|_| Err(e.clone())).collect();
                }
                (0..chunk.len())
                    .map(|l| match sim.lane(l) {
                        Ok(r) => Ok(f(first + l, r)),
                        Err(e) => Err(e.clone()),
                    })
                    .collect()
            },
        )
        .collect();
    chunks.into_iter().flatten().collect()
}
