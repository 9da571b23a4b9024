//! Python bindings of Pressure: the extension module `pressure._pressure`.
//!
//! A thin layer over the library crates, like the CLI: [`model::Model`] loads (`.toml`, or
//! `.mdl` through `pressure-interop`) and compiles a model, runs it once or in parallel batches
//! (with the GIL released, interruptible between chunks), and describes its parameters,
//! outputs and feedback loops; [`sensitivity`] runs sensitivity experiments and SALib-style
//! analyses through `pressure-sensitivity`; [`calibrate`] runs calibration experiments through
//! `pressure-calibrate`; [`plot`] draws figures in the house style through `pressure-plot`; [`errors`] turns the engine's errors into Python exceptions that carry
//! its message (file, line and column for model files). Results cross into Python as one
//! `bytearray` of `f64` per table, which `numpy.frombuffer` views without another copy, or as
//! the result files the CLI writes (the same bytes); the pandas layer lives in
//! `python/pressure/`.

mod calibrate;
mod errors;
mod interrupt;
mod model;
mod plot;
mod sensitivity;

use pyo3::prelude::*;

/// An experiment given as a Python dict (JSON text from `json.dumps`) as the TOML text the
/// experiment parsers read. Errors name the dict's problem in TOML terms.
#[pyfunction]
fn json_to_toml(json: &str) -> PyResult<String> {
    let value: serde_json::Value = serde_json::from_str(json)
        .map_err(|e| errors::InputError::new_err(format!("experiment dict: {e}")))?;
    if !value.is_object() {
        return Err(errors::InputError::new_err(
            "an experiment dict must be a dict of sections ({'experiment': {...}, ...})",
        ));
    }
    toml::to_string(&value).map_err(|e| {
        errors::InputError::new_err(format!("experiment dict cannot be written as TOML: {e}"))
    })
}

#[pymodule]
fn _pressure(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add_class::<model::Model>()?;
    m.add_function(wrap_pyfunction!(json_to_toml, m)?)?;
    m.add_function(wrap_pyfunction!(
        sensitivity::run_sensitivity_experiment,
        m
    )?)?;
    m.add_function(wrap_pyfunction!(sensitivity::sobol_analyze, m)?)?;
    m.add_function(wrap_pyfunction!(sensitivity::morris_analyze, m)?)?;
    m.add_function(wrap_pyfunction!(sensitivity::prcc_analyze, m)?)?;
    m.add_function(wrap_pyfunction!(sensitivity::saltelli_sample, m)?)?;
    m.add_function(wrap_pyfunction!(sensitivity::morris_sample, m)?)?;
    m.add_function(wrap_pyfunction!(calibrate::run_calibration_experiment, m)?)?;
    m.add_function(wrap_pyfunction!(plot::plot_csv, m)?)?;
    m.add("PressureError", py.get_type::<errors::PressureError>())?;
    m.add("ModelError", py.get_type::<errors::ModelError>())?;
    m.add("InputError", py.get_type::<errors::InputError>())?;
    m.add("RunError", py.get_type::<errors::RunError>())?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
