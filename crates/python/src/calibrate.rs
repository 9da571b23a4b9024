//! Calibration from Python, through `pressure_calibrate`'s library API: an experiment (file, or
//! text from a dict) run as `pressure calibrate` runs it, returning the same files
//! (`calibration_files`, the one renderer of a calibration's files) that
//! `python/pressure/calibrate.py` reads into DataFrames and dicts.

use crate::errors::{InputError, RunError};
use crate::sensitivity::pool;
use pressure_calibrate::experiment::outputs::calibration_files;
use pressure_calibrate::experiment::{Experiment, RunOptions};
use pressure_calibrate::CalibrateError;
use pyo3::prelude::*;
use std::path::PathBuf;

fn calibrate_error(e: CalibrateError) -> PyErr {
    match e {
        CalibrateError::InvalidInput(m) => InputError::new_err(m),
        other => RunError::new_err(other.to_string()),
    }
}

/// What a calibration returns: seed, (parameter, estimate) pairs, whether the optimiser
/// converged and its message, model runs of the estimation, the files (name, text) and the
/// summary notes.
type CalibrationResult = (
    u64,
    Vec<(String, f64)>,
    bool,
    String,
    usize,
    Vec<(String, String)>,
    Vec<String>,
);

/// Runs a calibration experiment as `pressure calibrate EXPERIMENT` does (seed: `seed`, else
/// the file's, else 0), without checkpoints. `text`, when given, is the experiment's TOML (the
/// file `path` is then not read; relative paths in it are relative to `path`'s folder).
#[pyfunction]
#[pyo3(signature = (path, text=None, seed=None, threads=None))]
pub fn run_calibration_experiment(
    py: Python<'_>,
    path: PathBuf,
    text: Option<String>,
    seed: Option<u64>,
    threads: Option<usize>,
) -> PyResult<CalibrationResult> {
    let pool = pool(threads)?;
    py.detach(|| -> Result<CalibrationResult, CalibrateError> {
        let experiment = match &text {
            Some(t) => Experiment::parse(&path, t)?,
            None => Experiment::load(&path)?,
        };
        let seed = seed.or(experiment.spec.experiment.seed).unwrap_or(0);
        pool.install(|| {
            let report = experiment.run(&RunOptions {
                seed,
                checkpoint_dir: None,
                resume: false,
                progress: None,
            })?;
            let rendered = calibration_files(&experiment, &report, seed, None, None)?;
            Ok((
                seed,
                report
                    .parameters
                    .iter()
                    .cloned()
                    .zip(report.estimate.x.iter().copied())
                    .collect(),
                report.estimate.converged,
                report.estimate.message.clone(),
                report.multistart.model_runs,
                rendered
                    .files
                    .into_iter()
                    .map(|(n, t)| (n.to_string(), t))
                    .collect(),
                rendered.notes,
            ))
        })
    })
    .map_err(calibrate_error)
}

/// One observed series of [`fit`]: (model column, times, observed values, error kind, σ).
pub type ObservedSeries = (String, Vec<f64>, Vec<f64>, String, Option<f64>);

/// What [`fit`] returns: estimates, standard errors, interval bounds (each `NaN` when the
/// covariance could not be computed), σ per series, converged, message, model runs, the
/// covariance's problem when it failed.
pub type FitResult = (
    Vec<f64>,
    Vec<f64>,
    Vec<(f64, f64)>,
    Vec<f64>,
    bool,
    String,
    usize,
    Option<String>,
);

/// The saved-row index of each observation time, or an error naming a time off the grid.
fn rows_of(times: &[f64], grid: &[f64], column: &str) -> PyResult<Vec<usize>> {
    let (start, step) = (grid[0], grid.get(1).map_or(1.0, |t| t - grid[0]));
    times
        .iter()
        .map(|&t| {
            let k = ((t - start) / step).round();
            let ok = k >= 0.0
                && (k as usize) < grid.len()
                && (grid[k as usize] - t).abs() <= 1e-9 * t.abs().max(step);
            if ok {
                Ok(k as usize)
            } else {
                Err(InputError::new_err(format!(
                    "observation of `{column}` at time {t} is not a saved time of the run \
                     ({start} to {}, every {step}): give data on the save grid, or set save_every",
                    grid[grid.len() - 1]
                )))
            }
        })
        .collect()
}

/// Fits model constants to observed series by maximum likelihood with the calibration crate's
/// estimator (`pressure_calibrate::estimate`, Levenberg–Marquardt with estimated scales) and
/// its Jacobian covariance (Wald intervals at `level`, small-sample t where σ is estimated).
/// The model runs with `settings`; every observation time must be a saved time.
pub fn fit(
    py: Python<'_>,
    model: &crate::model::Model,
    settings: pressure_sim::RunSettings,
    params: Vec<(String, f64, f64, f64)>,
    series: Vec<ObservedSeries>,
    level: f64,
) -> PyResult<FitResult> {
    use pressure_calibrate::estimate::{estimate, EstimateOptions};
    use pressure_calibrate::objective::{Calibration, ErrorModel, FnPredictor, Series};
    use pressure_calibrate::params::{ParamSet, ParamSpec};
    use pressure_calibrate::problem::EvalError;
    use pressure_calibrate::uncertainty::covariance::calibration_covariance;

    if !(level > 0.0 && level < 1.0) {
        return Err(InputError::new_err(format!(
            "level must be in (0, 1), got {level}"
        )));
    }
    let compiled = model.compiled();
    let base = compiled.default_params();
    let targets: Vec<Vec<usize>> = params
        .iter()
        .map(|(name, ..)| compiled.param_indices(name))
        .collect::<Result<_, _>>()
        .map_err(|e| crate::errors::sim_error(py, &e))?;
    let specs = ParamSet::new(
        params
            .iter()
            .map(|(name, start, lo, hi)| ParamSpec::new(name.clone(), *start, *lo, *hi))
            .collect(),
    )
    .map_err(calibrate_error)?;
    // The columns and saved rows each series compares with, from one run at the defaults.
    let columns: Vec<String> = series.iter().map(|s| s.0.clone()).collect();
    let names: Vec<&str> = columns.iter().map(|s| s.as_str()).collect();
    let grid = {
        let mut sim = compiled
            .simulator(&settings)
            .map_err(|e| crate::errors::sim_error(py, &e))?;
        sim.record(&names)
            .map_err(|e| crate::errors::sim_error(py, &e))?;
        sim.run(&base)
            .map_err(|e| crate::errors::sim_error(py, &e))?
            .time()
            .to_vec()
    };
    let rows: Vec<Vec<usize>> = series
        .iter()
        .map(|(col, times, observed, ..)| {
            if times.len() != observed.len() {
                return Err(InputError::new_err(format!(
                    "series `{col}`: {} times for {} observations",
                    times.len(),
                    observed.len()
                )));
            }
            rows_of(times, &grid, col)
        })
        .collect::<PyResult<_>>()?;
    let observed: Vec<Series> = series
        .iter()
        .map(|(col, _, obs, kind, sigma)| {
            let error = match kind.as_str() {
                "normal" => ErrorModel::Normal { sigma: *sigma },
                "log_normal" => ErrorModel::LogNormal { sigma: *sigma },
                other => {
                    return Err(InputError::new_err(format!(
                        "series `{col}`: error '{other}' is not known; use normal or log_normal"
                    )))
                }
            };
            Ok(Series {
                name: col.clone(),
                observed: obs.clone(),
                error,
            })
        })
        .collect::<PyResult<_>>()?;

    // Ctrl-C: the fit runs on its own thread (`interruptible`); once the flag is set every
    // model run fails at once, so the optimiser ends within an iteration.
    let cancel = std::sync::atomic::AtomicBool::new(false);
    let predictor = FnPredictor(|x: &[f64], out: &mut [f64]| -> Result<(), EvalError> {
        if cancel.load(std::sync::atomic::Ordering::Relaxed) {
            return Err(EvalError::new("interrupted".to_string()));
        }
        let mut set = base.clone();
        for (idx, &v) in targets.iter().zip(x) {
            for &i in idx {
                set.set(i, v);
            }
        }
        let mut sim = compiled
            .simulator(&settings)
            .map_err(EvalError::from_cause)?;
        sim.record(&names).map_err(EvalError::from_cause)?;
        let r = sim.run(&set).map_err(EvalError::from_cause)?;
        let mut k = 0;
        for (c, rs) in rows.iter().enumerate() {
            let col = r.column_at(c);
            for &row in rs {
                out[k] = col[row];
                k += 1;
            }
        }
        Ok(())
    });
    let (cancel, predictor) = (&cancel, predictor);
    crate::interrupt::interruptible_with(py, cancel, || -> Result<FitResult, CalibrateError> {
        let mut cal = Calibration::new(specs, observed, predictor)?;
        let z0 = cal.params().start_internal();
        let est = estimate(&mut cal, &z0, &EstimateOptions::default())?;
        let n = est.x.len();
        let (se, interval, cov_error) = match calibration_covariance(&mut cal, &est, level) {
            Ok(c) => (c.se, c.interval, None),
            Err(e) => (
                vec![f64::NAN; n],
                vec![(f64::NAN, f64::NAN); n],
                Some(e.to_string()),
            ),
        };
        Ok((
            est.x,
            se,
            interval,
            est.sigma,
            est.converged,
            est.message,
            est.evaluations,
            cov_error,
        ))
    })?
    .map_err(calibrate_error)
}
