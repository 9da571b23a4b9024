//! `pressure._pressure.Model`: a compiled model and the calls a script makes on it.
//!
//! Every method takes plain Python values (names, floats, `bytes` of `f64`) and returns plain
//! values; `python/pressure/__init__.py` builds the DataFrames and arrays around them. Runs
//! release the GIL; batches run on rayon (a pool of `threads` workers when given), one
//! `Simulator` per worker, so results never depend on the thread count.

use crate::errors::{model_error, sim_error, InputError, RunError};
use pressure_model::loops::{
    find_loops, CausalGraph, Enumeration, LoopMethod, LoopOptions, LoopReport,
};
use pressure_sim::{link_gains, CompiledModel, Method, ParamSet, Results, RunSettings};
use pyo3::prelude::*;
use pyo3::types::{PyByteArray, PyBytes};
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// A batch runs in chunks with the GIL released, and between chunks checks for Ctrl-C
/// (`py.check_signals()`); chunks grow or shrink to take about this long, so an interrupt is
/// answered within a fraction of a second whatever the model costs.
const CHUNK_TARGET: Duration = Duration::from_millis(100);
/// Size of the first chunk of a batch (runs), before its timing is known.
const FIRST_CHUNK: usize = 256;

/// A table crossing into Python: times, column names and units, and the values as native-endian
/// `f64` bytes (column-major for `run`, output-major then run-major for `run_batch`).
type Table<'py> = (
    Bound<'py, PyByteArray>,
    Vec<String>,
    Vec<Option<String>>,
    Bound<'py, PyByteArray>,
);

/// One parameter as Python sees it: (name, variable, default, units, range, doc, source).
type ParameterRow = (
    String,
    String,
    f64,
    Option<String>,
    Option<(f64, f64)>,
    Option<String>,
    Option<String>,
);

#[pyclass(frozen, module = "pressure._pressure")]
pub struct Model {
    compiled: CompiledModel,
    path: PathBuf,
    time_units: Option<String>,
    /// The model's IR, for the causal graph of `loops`.
    ir: pressure_model::Model,
}

/// One feedback loop as Python sees it: (id, name, doc, polarity, variables, link signs).
type LoopRow = (
    String,
    Option<String>,
    Option<String>,
    &'static str,
    Vec<String>,
    Vec<&'static str>,
);

/// A loop report: (time of the polarity, enumeration, complete, note, warnings, loops).
type LoopTable = (
    f64,
    &'static str,
    bool,
    Option<String>,
    Vec<String>,
    Vec<LoopRow>,
);

#[pymethods]
impl Model {
    /// Loads and compiles a model file (`.toml`, or Vensim `.mdl` through `pressure_interop`,
    /// as the CLI reads them); raises ModelError with file, line and column.
    #[staticmethod]
    fn load(py: Python<'_>, path: PathBuf) -> PyResult<Model> {
        let model = pressure_interop::load(&path).map_err(|e| model_error(py, &e))?;
        let compiled = CompiledModel::compile(&model).map_err(|e| sim_error(py, &e))?;
        Ok(Model {
            compiled,
            time_units: model.settings.time_units.clone(),
            ir: model,
            path,
        })
    }

    /// Fits constants to observed series (see `crate::calibrate::fit`): `params` as (name,
    /// start, lower, upper), `series` as (column, times, values, error kind, sigma).
    #[pyo3(signature = (params, series, level=0.95, method=None, dt=None, save_every=None, rtol=None, atol=None))]
    #[allow(clippy::too_many_arguments)]
    fn fit(
        &self,
        py: Python<'_>,
        params: Vec<(String, f64, f64, f64)>,
        series: Vec<crate::calibrate::ObservedSeries>,
        level: f64,
        method: Option<&str>,
        dt: Option<f64>,
        save_every: Option<f64>,
        rtol: Option<f64>,
        atol: Option<f64>,
    ) -> PyResult<crate::calibrate::FitResult> {
        let settings = self.settings(py, method, dt, save_every, rtol, atol, 0)?;
        crate::calibrate::fit(py, self, settings, params, series, level)
    }

    /// The feedback loops, with polarity from the link gains at time `at` of a run with
    /// `params` (what `pressure loops --format json` lists; see `pressure_model::loops`).
    #[pyo3(signature = (params, at=None, max_loops=1000, independent=false))]
    fn loops(
        &self,
        py: Python<'_>,
        params: Vec<(String, Vec<f64>)>,
        at: Option<f64>,
        max_loops: usize,
        independent: bool,
    ) -> PyResult<LoopTable> {
        let params = self.param_set(py, &params)?;
        let (ir, compiled) = (&self.ir, &self.compiled);
        let (gains, report) = py
            .detach(|| -> Result<_, pressure_sim::SimError> {
                let graph = CausalGraph::new(ir);
                let gains = link_gains(ir, compiled, &params, at, &graph.loop_links())?;
                let options = LoopOptions {
                    method: if independent {
                        LoopMethod::Independent
                    } else {
                        LoopMethod::Auto
                    },
                    max_loops,
                };
                let report: LoopReport = find_loops(ir, &graph, &options, &gains);
                Ok((gains.time, report))
            })
            .map_err(|e| sim_error(py, &e))?;
        let name = |v| self.ir.var(v).name.clone();
        let rows = report
            .loops
            .iter()
            .map(|l| {
                (
                    l.id.clone(),
                    l.name.clone(),
                    l.doc.clone(),
                    l.polarity.name(),
                    l.variables.iter().map(|&v| name(v)).collect(),
                    l.links.iter().map(|k| k.sign.symbol()).collect(),
                )
            })
            .collect();
        let enumeration = match report.enumeration {
            Enumeration::All => "all",
            Enumeration::Independent => "shortest_independent_loop_set",
        };
        Ok((
            gains,
            enumeration,
            report.complete,
            report.note,
            report.warnings.iter().map(|w| w.to_string()).collect(),
            rows,
        ))
    }

    #[getter]
    fn name(&self) -> &str {
        self.compiled.name()
    }

    #[getter]
    fn path(&self) -> PathBuf {
        self.path.clone()
    }

    #[getter]
    fn time_units(&self) -> Option<String> {
        self.time_units.clone()
    }

    /// The settings written in the model file: (start, stop, dt, save_every, method).
    fn default_settings(&self) -> (f64, f64, f64, f64, &'static str) {
        let s = self.compiled.default_settings();
        (s.start, s.stop, s.dt, s.save_every, s.method.name())
    }

    /// Every parameter (one per element of an arrayed constant), in parameter-set order.
    fn parameters(&self) -> Vec<ParameterRow> {
        self.compiled
            .parameters()
            .iter()
            .map(|p| {
                (
                    p.name.clone(),
                    p.variable.clone(),
                    p.default,
                    p.units.clone(),
                    p.range,
                    p.doc.clone(),
                    p.source.clone(),
                )
            })
            .collect()
    }

    /// Every column the engine can record: (name, variable, kind, units).
    fn outputs(&self) -> Vec<(String, String, &'static str, Option<String>)> {
        self.compiled
            .outputs()
            .iter()
            .map(|o| (o.name.clone(), o.variable.clone(), o.kind, o.units.clone()))
            .collect()
    }

    /// One run. `params` is a list of (name, values): one value for a scalar parameter or an
    /// element `x[e]`, or one for every element of an arrayed constant (a single value sets them
    /// all). Returns (time, names, units, column-major values).
    #[pyo3(signature = (params, method=None, dt=None, save_every=None, rtol=None, atol=None, seed=0, vars=None))]
    #[allow(clippy::too_many_arguments)]
    fn run<'py>(
        &self,
        py: Python<'py>,
        params: Vec<(String, Vec<f64>)>,
        method: Option<&str>,
        dt: Option<f64>,
        save_every: Option<f64>,
        rtol: Option<f64>,
        atol: Option<f64>,
        seed: u64,
        vars: Option<Vec<String>>,
    ) -> PyResult<Table<'py>> {
        let settings = self.settings(py, method, dt, save_every, rtol, atol, seed)?;
        let params = self.param_set(py, &params)?;
        let mut sim = self
            .compiled
            .simulator(&settings)
            .map_err(|e| sim_error(py, &e))?;
        if let Some(v) = &vars {
            let names: Vec<&str> = v.iter().map(|s| s.as_str()).collect();
            sim.record(&names).map_err(|e| sim_error(py, &e))?;
        }
        // The results stay in the simulator (no copy): they are read below into Python's buffers.
        let results: &Results = py
            .detach(|| sim.run(&params))
            .map_err(|e| sim_error(py, &e))?;
        let cols = results.names().len();
        let values = f64_bytes(
            py,
            results.rows() * cols,
            (0..cols).map(|c| results.column_at(c)),
        )?;
        Ok((
            f64_bytes(py, results.rows(), std::iter::once(results.time()))?,
            results.names().to_vec(),
            results.units().to_vec(),
            values,
        ))
    }

    /// Many runs in parallel with the GIL released. `values` holds `rows` parameter sets of
    /// `len(columns)` native-endian `f64` each (row-major); column `j` sets the parameter (or
    /// every element of the constant) `columns[j]`, the others keep their defaults. Returns
    /// (time, output names, units, values laid out [output][run][time]).
    #[pyo3(signature = (values, rows, columns, outputs=None, threads=None, method=None, dt=None, save_every=None, rtol=None, atol=None, seed=0))]
    #[allow(clippy::too_many_arguments)]
    fn run_batch<'py>(
        &self,
        py: Python<'py>,
        values: &Bound<'py, PyBytes>,
        rows: usize,
        columns: Vec<String>,
        outputs: Option<Vec<String>>,
        threads: Option<usize>,
        method: Option<&str>,
        dt: Option<f64>,
        save_every: Option<f64>,
        rtol: Option<f64>,
        atol: Option<f64>,
        seed: u64,
    ) -> PyResult<Table<'py>> {
        let settings = self.settings(py, method, dt, save_every, rtol, atol, seed)?;
        let sets = self.param_sets(py, values.as_bytes(), rows, &columns)?;
        if threads == Some(0) {
            return Err(InputError::new_err(
                "threads must be at least 1 (or None for all cores)",
            ));
        }
        if rows == 0 {
            return Err(InputError::new_err(
                "no parameter sets: the matrix has 0 rows",
            ));
        }
        let compiled = &self.compiled;
        let names: Option<Vec<&str>> = outputs
            .as_ref()
            .map(|o| o.iter().map(|s| s.as_str()).collect());
        let names = names.as_deref();
        let pool = match threads {
            Some(n) => Some(
                rayon::ThreadPoolBuilder::new()
                    .num_threads(n)
                    .build()
                    .map_err(|e| RunError::new_err(format!("starting the thread pool: {e}")))?,
            ),
            None => None,
        };
        let failed = |i: usize, e: pressure_sim::SimError| match e.is_input_error() {
            true => sim_error(py, &e),
            false => RunError::new_err(format!("parameter set {i}: {e}")),
        };
        // The table's shape (times, names, units) from a run of the first set; every run has
        // it (the settings and the record list are shared).
        let (time, out_names, units) = {
            let mut sim = compiled
                .simulator(&settings)
                .map_err(|e| sim_error(py, &e))?;
            if let Some(n) = names {
                sim.record(n).map_err(|e| sim_error(py, &e))?;
            }
            py.detach(|| {
                sim.run(&sets[0])
                    .map(|r| (r.time().to_vec(), r.names().to_vec(), r.units().to_vec()))
            })
            .map_err(|e| failed(0, e))?
        };
        let (n_time, n_cols) = (time.len(), out_names.len());
        // The result goes straight into the bytearray Python receives, laid out
        // [output][run][time]: no per-run buffer, no final copy (100 000 SIR runs saved at every
        // step are 2.6 GB; they took twice that before).
        let table = PyByteArray::new_with(py, n_cols * rows * n_time * 8, |_| Ok(()))?;
        // SAFETY: `table` was just created and no Python code holds it yet; it is not resized
        // while `out` lives, and it outlives `out` (both end with this call or are returned).
        let out = Out(unsafe { table.as_bytes_mut() }.as_mut_ptr());
        let out = &out;
        // Runs write disjoint slots: run `i`'s output `c` is the `n_time` values at
        // `(c * rows + i) * n_time`. Runs are independent (the seed is the settings'), so
        // chunking changes no number.
        let run_chunk = |first: usize, chunk: &[ParamSet]| {
            let work = || {
                pressure_sim::run_batch_map(compiled, chunk, &settings, names, |i, r| {
                    let run = first + i;
                    if r.rows() != n_time || r.names().len() != n_cols {
                        return false; // cannot happen with shared settings; reported below
                    }
                    for c in 0..n_cols {
                        let col = r.column_at(c);
                        // SAFETY: inside the buffer (c < n_cols, run < rows, col.len() ==
                        // n_time), and no other run writes this slot.
                        unsafe {
                            std::ptr::copy_nonoverlapping(
                                col.as_ptr().cast::<u8>(),
                                out.0.add((c * rows + run) * n_time * 8),
                                n_time * 8,
                            );
                        }
                    }
                    true
                })
            };
            match &pool {
                Some(p) => p.install(work),
                None => work(),
            }
        };
        let mut done = 0;
        let mut chunk = FIRST_CHUNK;
        while done < rows {
            let part = &sets[done..(done + chunk).min(rows)];
            let started = Instant::now();
            let results = py.detach(|| run_chunk(done, part));
            for (k, r) in results.into_iter().enumerate() {
                match r {
                    Ok(true) => {}
                    Ok(false) => {
                        return Err(RunError::new_err(format!(
                        "parameter set {}: the run's table differs in shape from the first run's",
                        done + k
                    )))
                    }
                    Err(e) => return Err(failed(done + k, e)),
                }
            }
            done += part.len();
            // Ctrl-C (or another signal handler raising) ends the batch here, with the GIL held.
            py.check_signals()?;
            let took = started.elapsed().as_secs_f64().max(1e-6);
            let scale = (CHUNK_TARGET.as_secs_f64() / took).clamp(0.5, 4.0);
            chunk = ((part.len() as f64 * scale) as usize).max(1);
        }
        Ok((
            f64_bytes(py, n_time, std::iter::once(&time[..]))?,
            out_names,
            units,
            table,
        ))
    }
}

/// Where `run_batch`'s workers write: the start of the result bytearray's buffer.
struct Out(*mut u8);
// SAFETY: the workers write disjoint ranges of the buffer (see `run_batch`), and the buffer
// outlives them.
unsafe impl Sync for Out {}

impl Model {
    pub(crate) fn compiled(&self) -> &CompiledModel {
        &self.compiled
    }

    /// The model's settings with the caller's overrides, checked.
    #[allow(clippy::too_many_arguments)]
    fn settings(
        &self,
        py: Python<'_>,
        method: Option<&str>,
        dt: Option<f64>,
        save_every: Option<f64>,
        rtol: Option<f64>,
        atol: Option<f64>,
        seed: u64,
    ) -> PyResult<RunSettings> {
        let mut s = self.compiled.default_settings();
        if let Some(m) = method {
            s.method = Method::parse(m).ok_or_else(|| {
                InputError::new_err(format!(
                    "unknown method '{m}'; use euler, rk2, rk4, dopri5 or dop853"
                ))
            })?;
        }
        if let Some(dt) = dt {
            s = s.with_dt(dt);
        }
        if let Some(v) = save_every {
            s.save_every = v;
        }
        if let Some(v) = rtol {
            s.rtol = v;
        }
        if let Some(v) = atol {
            s.atol = v;
        }
        s.seed = seed;
        s.validate().map_err(|e| sim_error(py, &e))?;
        Ok(s)
    }

    /// The default parameters with `(name, values)` overrides; values must be finite.
    fn param_set(&self, py: Python<'_>, params: &[(String, Vec<f64>)]) -> PyResult<ParamSet> {
        let mut set = self.compiled.default_params();
        for (name, values) in params {
            if let Some(v) = values.iter().find(|v| !v.is_finite()) {
                return Err(InputError::new_err(format!(
                    "parameter '{name}' = {v}: parameter values must be finite numbers"
                )));
            }
            self.compiled
                .set_param_values(&mut set, name, values)
                .map_err(|e| sim_error(py, &e))?;
        }
        Ok(set)
    }

    /// `rows` parameter sets from a row-major matrix whose columns name parameters.
    fn param_sets(
        &self,
        py: Python<'_>,
        bytes: &[u8],
        rows: usize,
        columns: &[String],
    ) -> PyResult<Vec<ParamSet>> {
        let width = columns.len();
        if bytes.len() != rows * width * 8 {
            return Err(InputError::new_err(format!(
                "the parameter matrix has {} values, expected {rows} rows x {width} columns",
                bytes.len() / 8
            )));
        }
        let targets: Vec<Vec<usize>> = columns
            .iter()
            .map(|c| self.compiled.param_indices(c))
            .collect::<Result<_, _>>()
            .map_err(|e| sim_error(py, &e))?;
        let defaults = self.compiled.default_params();
        let mut values = bytes
            .chunks_exact(8)
            .map(|b| f64::from_ne_bytes(b.try_into().expect("chunks of 8")));
        let mut sets = Vec::with_capacity(rows);
        for row in 0..rows {
            let mut set = defaults.clone();
            for (col, idx) in targets.iter().enumerate() {
                let v = values.next().expect("length checked");
                if !v.is_finite() {
                    return Err(InputError::new_err(format!(
                        "parameter set {row}, column {col} ('{}') is {v}: parameter values must be finite numbers",
                        columns[col]
                    )));
                }
                for &i in idx {
                    set.set(i, v);
                }
            }
            sets.push(set);
        }
        Ok(sets)
    }
}

/// Copies `f64` slices, in order, into one `bytearray` of native-endian bytes (`numpy.frombuffer`
/// views it as `float64` without another copy, writable).
fn f64_bytes<'py, 'a>(
    py: Python<'py>,
    len: usize,
    parts: impl Iterator<Item = &'a [f64]>,
) -> PyResult<Bound<'py, PyByteArray>> {
    PyByteArray::new_with(py, len * 8, |buf| {
        let mut chunks = buf.chunks_exact_mut(8);
        for part in parts {
            for (v, dst) in part.iter().zip(&mut chunks) {
                dst.copy_from_slice(&v.to_ne_bytes());
            }
        }
        Ok(())
    })
}
