//! Python bindings of Pressure: the extension module `pressure._pressure`.
//!
//! A thin layer over the library crates `pressure-model` and `pressure-sim`, like the CLI: [`model::Model`] loads and compiles a
//! model file, runs it once or in parallel batches (with the GIL released) and describes its
//! parameters and outputs; [`errors`] turns the engine's errors into Python exceptions that carry
//! its message (file, line and column for model files). Results cross into Python as one
//! `bytearray` of `f64` per table, which `numpy.frombuffer` views without another copy; the
//! pandas layer lives in `python/pressure/__init__.py`.

mod errors;
mod model;

use pyo3::prelude::*;

#[pymodule]
fn _pressure(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add_class::<model::Model>()?;
    m.add("PressureError", py.get_type::<errors::PressureError>())?;
    m.add("ModelError", py.get_type::<errors::ModelError>())?;
    m.add("InputError", py.get_type::<errors::InputError>())?;
    m.add("RunError", py.get_type::<errors::RunError>())?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
