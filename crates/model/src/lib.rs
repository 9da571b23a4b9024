//! Model files to a validated model IR: TOML parsing, the equation language, name resolution,
//! arrays, modules, dependency graph.
//!
//! The entry point is [`load`]: it reads a model file (and the module files and CSV data it
//! names), resolves every name, lowers stateful builtins into hidden variables, orders the
//! equations and returns a [`Model`] (see [`ir`] for its shape), or a [`ModelError`] listing
//! every problem with file, line and column.
//!
//! ```
//! let dir = tempfile::tempdir().unwrap();
//! let path = dir.path().join("teacup.toml");
//! std::fs::write(&path, r#"
//! [settings]
//! stop = 30.0
//! dt = 0.125
//! [stocks.teacup_temperature]
//! initial = "180"
//! outflows = ["heat_loss"]
//! units = "degF"
//! [flows.heat_loss]
//! equation = "(teacup_temperature - room_temperature) / characteristic_time"
//! [constants.room_temperature]
//! value = 70
//! [constants.characteristic_time]
//! value = 10
//! "#).unwrap();
//! let model = pressure_model::load(&path).unwrap();
//! let stock = model.var_id("teacup_temperature").unwrap();
//! assert_eq!(model.var(stock).kind.name(), "stock");
//! assert_eq!(model.settings.dt, 0.125);
//!
//! // A typo is reported with its position and a suggestion.
//! std::fs::write(&path, "[aux.x]\nequation = \"room_temprature * 2\"\n[constants.room_temperature]\nvalue = 1\n").unwrap();
//! let err = pressure_model::load(&path).unwrap_err();
//! let text = err.to_string();
//! assert!(text.contains("teacup.toml:2:13"), "{text}");
//! assert!(text.contains("did you mean 'room_temperature'"), "{text}");
//! ```

#![warn(missing_docs)]
// Diagnostics carry a snippet of the file; they are returned only on error paths.
#![allow(clippy::result_large_err)]

pub mod build;
pub mod builtins;
mod data;
pub mod describe;
pub mod diagnostic;
mod display;
pub mod eqn;
pub mod export;
mod file;
mod graph;
pub mod ir;
pub mod loops;
mod resolve;
pub mod scenario;
pub mod source;
mod suggest;
mod toml_read;
pub mod units;

pub use builtins::Builtin;
pub use diagnostic::{render, Diagnostic, Location, ModelError, Severity};
pub use ir::*;
pub use resolve::{is_multiple, validate_settings, SettingsError};
pub use scenario::{ExogenousEntry, ScenarioFile, SetEntry};
pub use source::{FileId, SourceMap, Span};
pub use suggest::nearest;

use std::path::Path;

/// Loads and validates a model file. Module files and CSV data are found relative to the file
/// that names them.
pub fn load(path: &Path) -> Result<Model, ModelError> {
    resolve::load(path, None)
}

/// Like [`load`], with the root file's text given (modules and data are still read from disk,
/// relative to `path`).
pub fn load_str(path: &Path, text: &str) -> Result<Model, ModelError> {
    resolve::load(path, Some(text))
}
