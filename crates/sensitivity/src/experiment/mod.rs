//! Sensitivity experiments on Pressure models, described in a TOML file (format in [`file`]).
//!
//! ```no_run
//! use pressure_sensitivity::experiment::{Experiment, RunOptions, Outcome};
//! let exp = Experiment::load("experiments/sensitivity/sir_sobol.toml".as_ref())?;
//! let prepared = exp.prepare()?;
//! let seed = prepared.default_seed();
//! if let Outcome::Complete(report) = prepared.run(&RunOptions { seed, shard: None, progress: None })? {
//!     for (name, bytes) in report.files() {
//!         std::fs::write(name, bytes).unwrap(); // the CLI writes them atomically
//!     }
//! }
//! # Ok::<(), pressure_sensitivity::experiment::ExperimentError>(())
//! ```
//!
//! The pieces: [`Experiment`] (the parsed file), [`Prepared`] (resolved against the compiled
//! model: parameter space, outputs, method), [`ModelEvaluator`] (runs the model and computes
//! the outputs, one reusable simulator per worker), [`Prepared::run`] (the whole design, or one
//! shard's partial result), [`merge`] (partials → the single-run result) and [`Report`] (CSV
//! and JSON files).

mod evaluator;
pub mod file;
mod prepared;
mod report;
mod resolve;
mod run;
pub mod statistic;

pub use evaluator::ModelEvaluator;
pub use prepared::{
    Column, FactorGroups, Labels, Method, Prepared, RunSpec, Sampler, ScalarStatistic,
    QUICK_BOOTSTRAP, QUICK_MONTECARLO_N, QUICK_MORRIS_TRAJECTORIES, QUICK_SOBOL_N,
};
pub use report::{Report, ResultSet};
pub use run::{merge, Outcome, RunOptions};

use crate::error::SensitivityError;
use pressure_model::{Diagnostic, FileId, ModelError, SourceMap, Span};
use pressure_sim::SimError;
use sha2::{Digest, Sha256};
use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

/// Why an experiment could not be prepared or run.
#[derive(Debug)]
pub enum ExperimentError {
    /// A problem in the experiment file (with file, line and column), or a model/scenario
    /// file problem.
    Input(ModelError),
    /// The model could not be compiled or configured, or a run failed.
    Sim(SimError),
    /// A sampler, estimator or merge problem, or a failed run.
    Sensitivity(SensitivityError),
}

impl ExperimentError {
    /// True when the input was wrong (exit code 2); false when a run failed (exit code 1).
    pub fn is_input_error(&self) -> bool {
        match self {
            ExperimentError::Input(_) => true,
            ExperimentError::Sim(e) => e.is_input_error(),
            ExperimentError::Sensitivity(e) => !matches!(
                e,
                SensitivityError::RunFailed { .. } | SensitivityError::NonFinite { .. }
            ),
        }
    }
}

impl fmt::Display for ExperimentError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExperimentError::Input(e) => write!(f, "{e}"),
            ExperimentError::Sim(e) => write!(f, "{e}"),
            ExperimentError::Sensitivity(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for ExperimentError {}

impl From<ModelError> for ExperimentError {
    fn from(e: ModelError) -> Self {
        ExperimentError::Input(e)
    }
}
impl From<SimError> for ExperimentError {
    fn from(e: SimError) -> Self {
        match e {
            SimError::Model(m) => ExperimentError::Input(m),
            other => ExperimentError::Sim(other),
        }
    }
}
impl From<SensitivityError> for ExperimentError {
    fn from(e: SensitivityError) -> Self {
        ExperimentError::Sensitivity(e)
    }
}

pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A parsed experiment file.
pub struct Experiment {
    path: PathBuf,
    text: String,
    sources: SourceMap,
    file_id: FileId,
    pub(crate) file: file::ExperimentFile,
}

impl Experiment {
    /// Reads and parses an experiment file.
    pub fn load(path: &Path) -> Result<Experiment, ExperimentError> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            ModelError::from(
                Diagnostic::error(format!(
                    "cannot read experiment file {}: {e}",
                    path.display()
                ))
                .at_file(path),
            )
        })?;
        Experiment::parse(path, &text)
    }

    /// Parses experiment text (`path` names it in messages and anchors relative paths).
    pub fn parse(path: &Path, text: &str) -> Result<Experiment, ExperimentError> {
        let mut sources = SourceMap::new();
        let file_id = sources.add(path, text);
        let parsed: Result<file::ExperimentFile, toml::de::Error> = toml::from_str(text);
        match parsed {
            Ok(file) => Ok(Experiment {
                path: path.to_path_buf(),
                text: text.to_string(),
                sources,
                file_id,
                file,
            }),
            Err(e) => {
                let span = e.span().unwrap_or(0..0);
                let message = e.message().to_string();
                let d = Diagnostic::error(format!("experiment file: {message}"))
                    .at(&sources, Span::new(file_id, span.start, span.end.max(span.start)))
                    .help(
                        "see the experiment format in `pressure_sensitivity::experiment::file` \
                         (sections [experiment], [method], [[parameters]], [[outputs]], [[series]])",
                    );
                Err(ExperimentError::Input(d.into()))
            }
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// SHA-256 of the experiment file's text.
    pub fn sha256(&self) -> String {
        sha256_hex(self.text.as_bytes())
    }

    /// A path written in the experiment, relative to the experiment file.
    pub(crate) fn resolve_path(&self, p: &str) -> PathBuf {
        let p = Path::new(p);
        if p.is_absolute() {
            p.to_path_buf()
        } else {
            self.path.parent().unwrap_or(Path::new(".")).join(p)
        }
    }

    /// An input error pointing at `span` of the experiment file.
    pub(crate) fn error_at(
        &self,
        span: Range<usize>,
        message: impl Into<String>,
        help: Option<String>,
    ) -> ExperimentError {
        let mut d = Diagnostic::error(message).at(
            &self.sources,
            Span::new(self.file_id, span.start, span.end.max(span.start)),
        );
        if let Some(h) = help {
            d = d.help(h);
        }
        ExperimentError::Input(d.into())
    }
}
