//! Models from other system-dynamics tools into Pressure's model IR.
//!
//! [`load`] reads a model file by its extension: Vensim `.mdl` through [`mdl`], XMILE
//! (`.xmile`, `.xml`, Stella's `.stmx`/`.itmx`) through [`xmile`], anything else as Pressure's
//! own TOML ([`pressure_model::load`]). An imported model is an ordinary
//! [`Model`]: checking, units, loops, the engine, calibration and sensitivity work on it
//! unchanged. Variable names keep their source spelling with spaces as underscores
//! (`Teacup Temperature` becomes `Teacup_Temperature`), so results name what the modeller
//! named.
//!
//! ```
//! let dir = tempfile::tempdir().unwrap();
//! let path = dir.path().join("teacup.mdl");
//! std::fs::write(&path, "{UTF-8}
//! Teacup Temperature = INTEG(-Heat Loss to Room, 180) ~ Degrees ~ The tea. |
//! Heat Loss to Room = (Teacup Temperature - Room Temperature) / Characteristic Time ~~|
//! Room Temperature = 70 ~~|
//! Characteristic Time = 10 ~ Minutes [1,20] ~|
//! INITIAL TIME = 0 ~~|
//! FINAL TIME = 30 ~~|
//! TIME STEP = 0.125 ~~|
//! SAVEPER = TIME STEP ~~|
//! \\\\\\---/// Sketch information - ignored
//! ").unwrap();
//! let model = pressure_interop::load(&path).unwrap();
//! let t = model.var(model.var_id("Teacup_Temperature").unwrap());
//! assert_eq!(t.kind.name(), "stock");
//! assert_eq!(t.doc.as_deref(), Some("The tea."));
//! assert_eq!(model.settings.dt, 0.125);
//! // The stock's rate became its outflow.
//! assert_eq!(model.var(model.var_id("Heat_Loss_to_Room").unwrap()).kind.name(), "flow");
//! ```

// Diagnostics carry a snippet of the file; they are returned only on error paths.
#![allow(clippy::result_large_err)]

mod convert;
pub mod mdl;
pub mod xmile;

pub use convert::{convert, read_source, to_toml, Target};
pub use xmile::write::to_xmile;

use pressure_model::{Diagnostic, Model, ModelError};
use std::path::Path;

/// A model file's text, for both importers: UTF-8, or else Latin-1 (older Vensim and Stella
/// files), every byte kept as the character it encodes. An unreadable file is an error
/// naming it.
pub(crate) fn read_text(path: &Path) -> Result<String, ModelError> {
    let bytes = std::fs::read(path).map_err(|e| {
        ModelError::new(vec![Diagnostic::error(format!(
            "cannot read {}: {e}",
            path.display()
        ))
        .at_file(path)])
    })?;
    Ok(String::from_utf8(bytes)
        .unwrap_or_else(|e| e.into_bytes().iter().map(|&b| b as char).collect()))
}

/// The model formats [`load`] reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Pressure's TOML model files.
    Toml,
    /// Vensim `.mdl` text files.
    Vensim,
    /// XMILE 1.0 files (`.xmile`, `.xml`, Stella's `.stmx` and `.itmx`).
    Xmile,
}

impl Format {
    /// The format of a file, by its extension (TOML unless it is a known other format).
    pub fn of(path: &Path) -> Format {
        match path
            .extension()
            .and_then(|e| e.to_str())
            .map(|e| e.to_ascii_lowercase())
            .as_deref()
        {
            Some("mdl") => Format::Vensim,
            Some("xmile" | "xml" | "stmx" | "itmx") => Format::Xmile,
            _ => Format::Toml,
        }
    }
}

/// Reads and validates a model file of any supported format (see [`Format::of`]).
pub fn load(path: &Path) -> Result<Model, ModelError> {
    match Format::of(path) {
        Format::Vensim => mdl::load(path),
        Format::Xmile => xmile::load(path),
        Format::Toml => pressure_model::load(path),
    }
}
