#![allow(dead_code)] // each test file that includes this module uses part of it
//! Small `.mdl` models written to a temporary folder and run, for the tests that check the
//! importer against values worked out by hand (`mdl_arrays.rs`, `mdl_external.rs`,
//! `mdl_functions.rs`).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// A folder holding `m.mdl` (`{UTF-8}`, `body`, then a control section from time 0 to
/// `final_time` in steps of 1, every step reported) and copies of the `fixtures` from
/// `tests/data`.
pub fn write(body: &str, final_time: u32, fixtures: &[&str]) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data");
    for f in fixtures {
        std::fs::copy(data.join(f), dir.path().join(f)).unwrap();
    }
    let path = dir.path().join("m.mdl");
    let control = format!(
        "\nINITIAL TIME = 0 ~~|\nFINAL TIME = {final_time} ~~|\nTIME STEP = 1 ~~|\n\
         SAVEPER = TIME STEP ~~|\n"
    );
    std::fs::write(&path, format!("{{UTF-8}}\n{body}{control}")).unwrap();
    (dir, path)
}

/// Imports, compiles and runs the model at `path` with its own settings: every column by
/// name. Panics with the import error's text when it does not import.
pub fn run_at(path: &Path) -> HashMap<String, Vec<f64>> {
    let model = pressure_interop::load(path).unwrap_or_else(|e| panic!("{e}"));
    let c = pressure_sim::CompiledModel::compile(&model).unwrap();
    let r = c.run(&c.default_params(), &c.default_settings()).unwrap();
    r.names()
        .iter()
        .enumerate()
        .map(|(i, n)| (n.to_string(), r.column_at(i).to_vec()))
        .collect()
}

/// The import error of the model at `path` (panics when it imports).
pub fn error_at(path: &Path) -> String {
    pressure_interop::load(path).unwrap_err().to_string()
}
