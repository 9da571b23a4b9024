//! Writing command outputs: atomically (temp file + rename, so a failed or killed command never
//! leaves a half-written file) and with a manifest saying what produced them.

use serde::Serialize;
use sha2::{Digest, Sha256};
use std::path::Path;

/// Atomic writes and CSV tables live in the `pressure-output` crate, so that library crates
/// (calibration checkpoints, reports) use the same code as the CLI.
pub use pressure_output::{write_atomic, write_files, CsvTable, WriteError};

/// Hex SHA-256 of some bytes (used for model and input hashes in manifests).
pub fn sha256_hex(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// What produced an output folder: enough to reproduce it.
#[derive(Debug, Clone, Serialize)]
pub struct Manifest {
    /// Tool name and version, e.g. `pressure 0.1.0`.
    pub tool: String,
    /// The command line as invoked.
    pub command_line: Vec<String>,
    /// Input files (models, scenarios, experiments, data) with their SHA-256.
    pub inputs: Vec<InputFile>,
    /// Parameter values that differ from the model file (name, value).
    pub parameters: Vec<(String, f64)>,
    /// Seed of every stochastic step, when there is one.
    pub seed: Option<u64>,
    /// Free-form extra facts (method, dt, thread count...).
    pub extra: serde_json::Map<String, serde_json::Value>,
}

/// One input file named in a manifest.
#[derive(Debug, Clone, Serialize)]
pub struct InputFile {
    pub path: String,
    pub sha256: String,
}

impl Manifest {
    /// A manifest for the current process, with tool version and command line filled in.
    pub fn for_current_process() -> Self {
        Manifest {
            tool: format!("pressure {}", env!("CARGO_PKG_VERSION")),
            command_line: std::env::args().collect(),
            inputs: Vec::new(),
            parameters: Vec::new(),
            seed: None,
            extra: serde_json::Map::new(),
        }
    }

    /// Records an input file and its hash. Unreadable files are recorded with an empty hash
    /// rather than failing the command that already succeeded in reading them.
    pub fn add_input(&mut self, path: &Path) {
        let sha256 = std::fs::read(path)
            .map(|b| sha256_hex(&b))
            .unwrap_or_default();
        self.inputs.push(InputFile {
            path: path.display().to_string(),
            sha256,
        });
    }

    /// For a command that writes one file `out` (`pressure run --out FILE`, `graph`, `loops`):
    /// records `out` as the `output` fact and writes the manifest next to it as
    /// `FILE.manifest.json`, atomically; returns that path (in the error too).
    pub fn write_beside(
        mut self,
        out: &Path,
    ) -> Result<std::path::PathBuf, (std::path::PathBuf, std::io::Error)> {
        self.extra
            .insert("output".into(), out.display().to_string().into());
        let name = format!(
            "{}.manifest.json",
            out.file_name()
                .map(|f| f.to_string_lossy().into_owned())
                .unwrap_or_default()
        );
        let path = out.with_file_name(name);
        let json = serde_json::to_vec_pretty(&self)
            .map_err(|e| (path.clone(), std::io::Error::other(e)))?;
        write_atomic(&path, &json).map_err(|e| (path.clone(), e))?;
        Ok(path)
    }

    /// Writes `manifest.json` into `dir`, atomically.
    pub fn write_to_dir(&self, dir: &Path) -> std::io::Result<()> {
        let json = serde_json::to_vec_pretty(self).map_err(std::io::Error::other)?;
        write_atomic(&dir.join("manifest.json"), &json)
    }
}
