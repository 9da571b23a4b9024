//! Sensitivity analysis from Python, through `pressure_sensitivity`'s library API:
//!
//! - [`run_sensitivity_experiment`]: an experiment (file, or text from a dict) run as
//!   `pressure sensitivity` runs it, returning the same result files' bytes (the crate's
//!   `Report::files`, the one writer of those files), which `python/pressure/sensitivity.py`
//!   reads into DataFrames;
//! - [`sobol_analyze`], [`morris_analyze`], [`prcc_analyze`]: the estimators on a sample and
//!   outputs made elsewhere (SALib's `analyze` functions; same numbers on the same sample);
//! - [`saltelli_sample`], [`morris_sample`]: Pressure's designs as unit-cube rows.

use crate::errors::{model_error, sim_error, InputError, RunError};
use pressure_sensitivity::analysis::morris::{morris_from_sample, MorrisSample};
use pressure_sensitivity::analysis::prcc::prcc;
use pressure_sensitivity::analysis::sobol::sobol_from_outputs;
use pressure_sensitivity::bootstrap::Estimate;
use pressure_sensitivity::design::{Design, MorrisDesign, SaltelliDesign};
use pressure_sensitivity::experiment::{Experiment, ExperimentError, Outcome, RunOptions};
use pressure_sensitivity::SensitivityError;
use pyo3::prelude::*;
use pyo3::types::PyBytes;
use std::path::PathBuf;

/// An estimate with its interval: (value, conf, low, high); see `pressure_sensitivity::bootstrap`.
type Est = (f64, f64, f64, f64);
/// Sobol' indices of one output column: S1, ST, and S2 as (j, k, estimate).
type SobolColumn = (Vec<Est>, Vec<Est>, Vec<(usize, usize, Est)>);
/// Morris measures of one output column: mu, mu*, sigma.
type MorrisColumn = (Vec<f64>, Vec<Est>, Vec<f64>);

fn est(e: &Estimate) -> Est {
    (e.value, e.conf, e.low, e.high)
}

pub fn experiment_error(py: Python<'_>, e: &ExperimentError) -> PyErr {
    match e {
        ExperimentError::Input(m) => model_error(py, m),
        ExperimentError::Sim(s) => sim_error(py, s),
        ExperimentError::Sensitivity(s) => sensitivity_error(s),
    }
}

fn sensitivity_error(e: &SensitivityError) -> PyErr {
    match e {
        SensitivityError::RunFailed { .. } | SensitivityError::NonFinite { .. } => {
            RunError::new_err(e.to_string())
        }
        other => InputError::new_err(other.to_string()),
    }
}

/// A pool of `threads` workers (all cores when `None`), as the CLI's `--threads`.
pub fn pool(threads: Option<usize>) -> PyResult<rayon::ThreadPool> {
    if threads == Some(0) {
        return Err(InputError::new_err(
            "threads must be at least 1 (or None for all cores)",
        ));
    }
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads.unwrap_or(0))
        .build()
        .map_err(|e| RunError::new_err(format!("starting the thread pool: {e}")))
}

/// What a finished sensitivity experiment returns: (seed, runs, failed runs, result files).
type ExperimentResult<'py> = (u64, usize, usize, Vec<(String, Bound<'py, PyBytes>)>);

/// Runs a sensitivity experiment as `pressure sensitivity EXPERIMENT` does (same seed rule:
/// `seed`, else the file's, else 0) and returns its result files. `text`, when given, is the
/// experiment's TOML (the file `path` is then not read; relative paths in it are relative to
/// `path`'s folder).
#[pyfunction]
#[pyo3(signature = (path, text=None, seed=None, threads=None, quick=false, save_sample=false))]
pub fn run_sensitivity_experiment<'py>(
    py: Python<'py>,
    path: PathBuf,
    text: Option<String>,
    seed: Option<u64>,
    threads: Option<usize>,
    quick: bool,
    save_sample: bool,
) -> PyResult<ExperimentResult<'py>> {
    let pool = pool(threads)?;
    // On its own thread, so Ctrl-C stops it (KeyboardInterrupt) between blocks of runs.
    let result = crate::interrupt::interruptible(py, |cancel| -> Result<_, ExperimentError> {
        let experiment = match &text {
            Some(t) => Experiment::parse(&path, t)?,
            None => Experiment::load(&path)?,
        };
        let mut prepared = experiment.prepare()?;
        if save_sample {
            prepared.spec.save_sample = true;
        }
        if quick {
            prepared.make_quick();
        }
        let seed = seed.unwrap_or(prepared.default_seed());
        let outcome = pool.install(|| {
            prepared.run_cancellable(
                &RunOptions {
                    seed,
                    shard: None,
                    progress: None,
                },
                Some(cancel),
            )
        })?;
        match outcome {
            Outcome::Complete(report) => Ok((seed, report.n_runs, report.failures.count, report)),
            Outcome::Partial(_) => unreachable!("no shard was asked for"),
        }
    })?;
    let (seed, runs, failed, report) = result.map_err(|e| experiment_error(py, &e))?;
    let files = report
        .files()
        .into_iter()
        .map(|(name, bytes)| (name, PyBytes::new(py, &bytes)))
        .collect();
    Ok((seed, runs, failed, files))
}

fn f64s(bytes: &[u8]) -> Vec<f64> {
    bytes
        .chunks_exact(8)
        .map(|b| f64::from_ne_bytes(b.try_into().expect("chunks of 8")))
        .collect()
}

/// Sobol' indices (SALib's estimators, `pressure_sensitivity::analysis::sobol`) of the outputs
/// `y` (native-endian `f64`, `columns` per row) of a Saltelli sample over `dims` factors in
/// SALib's row order.
#[pyfunction]
#[pyo3(signature = (y, dims, columns, second_order, resamples, seed, level))]
#[allow(clippy::too_many_arguments)]
pub fn sobol_analyze(
    py: Python<'_>,
    y: &Bound<'_, PyBytes>,
    dims: usize,
    columns: usize,
    second_order: bool,
    resamples: usize,
    seed: u64,
    level: f64,
) -> PyResult<Vec<SobolColumn>> {
    let y = f64s(y.as_bytes());
    let out = py
        .detach(|| sobol_from_outputs(&y, dims, columns, second_order, resamples, seed, level))
        .map_err(|e| sensitivity_error(&e))?;
    Ok(out
        .iter()
        .map(|s| {
            (
                s.first.iter().map(est).collect(),
                s.total.iter().map(est).collect(),
                s.second.iter().map(|(j, k, e)| (*j, *k, est(e))).collect(),
            )
        })
        .collect())
}

/// Morris measures (SALib's, unscaled; `pressure_sensitivity::analysis::morris`) of the
/// trajectories `unit` (rows of `dims` values in [0, 1]) and their outputs `y` (`columns` per
/// row), made on a grid of `levels` levels.
#[pyfunction]
#[pyo3(signature = (unit, y, dims, columns, levels, resamples, seed, level))]
#[allow(clippy::too_many_arguments)]
pub fn morris_analyze(
    py: Python<'_>,
    unit: &Bound<'_, PyBytes>,
    y: &Bound<'_, PyBytes>,
    dims: usize,
    columns: usize,
    levels: usize,
    resamples: usize,
    seed: u64,
    level: f64,
) -> PyResult<Vec<MorrisColumn>> {
    if levels < 2 {
        return Err(InputError::new_err(format!(
            "num_levels must be at least 2, got {levels}"
        )));
    }
    let (unit, y) = (f64s(unit.as_bytes()), f64s(y.as_bytes()));
    let out = py
        .detach(|| {
            morris_from_sample(
                &MorrisSample {
                    unit: &unit,
                    outputs: &y,
                    dims,
                    columns,
                    levels,
                },
                resamples,
                seed,
                level,
            )
        })
        .map_err(|e| sensitivity_error(&e))?;
    Ok(out
        .iter()
        .map(|m| {
            (
                m.mu.clone(),
                m.mu_star.iter().map(est).collect(),
                m.sigma.clone(),
            )
        })
        .collect())
}

/// Partial rank correlation coefficients and their p-values of the `dims` columns of `x` (row
/// major) with `y` (`pressure_sensitivity::analysis::prcc`).
#[pyfunction]
pub fn prcc_analyze(
    x: &Bound<'_, PyBytes>,
    dims: usize,
    y: &Bound<'_, PyBytes>,
) -> PyResult<Vec<(f64, f64)>> {
    let (x, y) = (f64s(x.as_bytes()), f64s(y.as_bytes()));
    if dims == 0 || x.len() != y.len() * dims {
        return Err(InputError::new_err(format!(
            "X has {} values, expected {} rows x {dims} parameters",
            x.len(),
            y.len()
        )));
    }
    Ok(prcc(&x, dims, &y)
        .iter()
        .map(|p| (p.value, p.p_value))
        .collect())
}

/// The unit-cube rows of Pressure's Saltelli design (scrambled Sobol' points unless
/// `scramble_seed` is `None`), in SALib's row order.
#[pyfunction]
#[pyo3(signature = (dims, n, second_order, scramble_seed))]
pub fn saltelli_sample<'py>(
    py: Python<'py>,
    dims: usize,
    n: usize,
    second_order: bool,
    scramble_seed: Option<u64>,
) -> PyResult<Bound<'py, PyBytes>> {
    let design = SaltelliDesign::new(dims, n, second_order, scramble_seed)
        .map_err(|e| sensitivity_error(&e))?;
    Ok(bytes(py, &design.all_unit_rows()))
}

/// The unit-cube rows of Pressure's Morris design: `trajectories` trajectories on `levels`
/// levels (the best-spread `trajectories` of `candidates` when given).
#[pyfunction]
#[pyo3(signature = (dims, trajectories, levels, seed, candidates=None))]
pub fn morris_sample<'py>(
    py: Python<'py>,
    dims: usize,
    trajectories: usize,
    levels: usize,
    seed: u64,
    candidates: Option<usize>,
) -> PyResult<Bound<'py, PyBytes>> {
    let design = MorrisDesign::new(dims, trajectories, levels, seed, candidates, &[])
        .map_err(|e| sensitivity_error(&e))?;
    Ok(bytes(py, &design.all_unit_rows()))
}

fn bytes<'py>(py: Python<'py>, values: &[f64]) -> Bound<'py, PyBytes> {
    let raw: Vec<u8> = values.iter().flat_map(|v| v.to_ne_bytes()).collect();
    PyBytes::new(py, &raw)
}
