//! The engine's errors as Python exceptions. The message is the engine's own text (for model
//! files `path:line:column: message`, with the hint at the fix); model errors also carry the
//! structured list `diagnostics` so a script can point at the place itself.

use pressure_model::diagnostic::Location;
use pressure_model::ModelError as EngineModelError;
use pressure_sim::SimError;
use pyo3::create_exception;
use pyo3::exceptions::PyException;
use pyo3::prelude::*;
use pyo3::types::PyDict;

create_exception!(
    pressure,
    PressureError,
    PyException,
    "Base class of every error Pressure raises."
);
create_exception!(
    pressure,
    ModelError,
    PressureError,
    "A model (or scenario, or data) file that cannot be loaded; `diagnostics` lists each problem \
     with its file, line and column."
);
create_exception!(
    pressure,
    InputError,
    PressureError,
    "Bad input from Python: an unknown parameter or variable name, a non-finite value, an array \
     of the wrong shape, settings that cannot work."
);
create_exception!(
    pressure,
    RunError,
    PressureError,
    "A run that started and failed: a value became NaN or infinite (the message names the \
     variable and the time), or an adaptive integrator gave up."
);

/// A model file's problems: every diagnostic on its own line (with its hint), and the list of
/// them as dicts in the exception's `diagnostics` attribute.
pub fn model_error(py: Python<'_>, e: &EngineModelError) -> PyErr {
    let mut text = String::new();
    for (i, d) in e.diagnostics.iter().enumerate() {
        if i > 0 {
            text.push('\n');
        }
        text.push_str(&d.to_string());
        if let Some(h) = &d.help {
            text.push_str(&format!("\n  help: {h}"));
        }
    }
    let err = ModelError::new_err(text);
    if let Ok(list) = diagnostics(py, e) {
        // Only a failing attribute store could stop this; the message alone is still right.
        let _ = err.value(py).setattr("diagnostics", list);
    }
    err
}

fn diagnostics<'py>(py: Python<'py>, e: &EngineModelError) -> PyResult<Vec<Bound<'py, PyDict>>> {
    e.diagnostics
        .iter()
        .map(|d| {
            let item = PyDict::new(py);
            item.set_item("severity", if d.is_error() { "error" } else { "warning" })?;
            item.set_item("message", &d.message)?;
            item.set_item("help", d.help.as_deref())?;
            let (file, line, column, row) = match &d.location {
                Some(Location::Model { path, line, column }) => (
                    Some(path.display().to_string()),
                    Some(*line),
                    Some(*column),
                    None,
                ),
                Some(Location::Data {
                    path, row, column, ..
                }) => (
                    Some(path.display().to_string()),
                    None,
                    Some(*column),
                    Some(*row),
                ),
                Some(Location::File { path }) => {
                    (Some(path.display().to_string()), None, None, None)
                }
                None => (None, None, None, None),
            };
            item.set_item("file", file)?;
            item.set_item("line", line)?;
            item.set_item("row", row)?;
            item.set_item("column", column)?;
            Ok(item)
        })
        .collect()
}

/// An engine error: model problems as [`ModelError`], bad input as [`InputError`], a failed
/// run as [`RunError`] (the split the CLI makes between exit codes 2 and 1).
pub fn sim_error(py: Python<'_>, e: &SimError) -> PyErr {
    match e {
        SimError::Model(m) => model_error(py, m),
        other if other.is_input_error() => InputError::new_err(other.to_string()),
        other => RunError::new_err(other.to_string()),
    }
}
