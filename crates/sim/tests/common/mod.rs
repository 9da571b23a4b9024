//! Helpers shared by the engine's integration tests.
#![allow(dead_code)]

use pressure_sim::{CompiledModel, Method, Results, RunSettings};
use std::path::PathBuf;

/// Compiles a model given as TOML text (written to a temporary file so that CSV paths work).
pub fn compile(toml: &str) -> CompiledModel {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("model.toml");
    std::fs::write(&path, toml).unwrap();
    let model = match pressure_model::load(&path) {
        Ok(m) => m,
        Err(e) => panic!("model did not load:\n{e}"),
    };
    CompiledModel::compile(&model).unwrap()
}

/// Runs with the model's settings, changing method and dt.
pub fn run(c: &CompiledModel, method: Method, dt: f64) -> Results {
    let s = c.default_settings().with_method(method).with_dt(dt);
    c.run(&c.default_params(), &s).unwrap()
}

pub fn run_settings(c: &CompiledModel, s: &RunSettings) -> Results {
    c.run(&c.default_params(), s).unwrap()
}

/// The value of column `name` at time `t` (which must be a saved time).
pub fn at(r: &Results, name: &str, t: f64) -> f64 {
    let i = r
        .time()
        .iter()
        .position(|x| (x - t).abs() < 1e-9)
        .unwrap_or_else(|| panic!("time {t} not saved"));
    r.column(name).unwrap_or_else(|| panic!("no column {name}"))[i]
}

/// The shared folder (`$PRESSURE_SHARED` or `../shared` from the repository root), if present.
pub fn shared() -> Option<PathBuf> {
    let p = std::env::var_os("PRESSURE_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared"));
    p.is_dir().then_some(p)
}

/// The repository root.
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}
