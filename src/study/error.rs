//! Why a study could not be loaded, or why one of its steps failed.

use super::file::StudyFileError;
use crate::calibrate::CalibrateError;
use crate::econometrics::EconError;
use crate::figures::FigureError;
use crate::model::ModelError;
use crate::output::WriteError;
use crate::sensitivity::experiment::ExperimentError;
use crate::sim::SimError;
use std::fmt;
use std::path::PathBuf;

/// Why a study could not be loaded or its index and manifest written. A step that fails while
/// running is not a `StudyError`: it is reported in [`super::StepOutcome::error`] and the
/// other steps still run.
#[derive(Debug)]
pub enum StudyError {
    /// The study file is missing, unreadable or wrong (with line and column).
    File(StudyFileError),
    /// A step's input (experiment, spec, model, scenario) is wrong; found before anything ran.
    Step {
        /// The step's name.
        step: String,
        /// What is wrong.
        error: StepError,
    },
    /// The output folder, index or manifest could not be written.
    Write {
        /// The file or folder.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
}

impl fmt::Display for StudyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StudyError::File(e) => write!(f, "{e}"),
            StudyError::Step { step, error } => write!(f, "step `{step}`: {error}"),
            StudyError::Write { path, source } => {
                write!(f, "cannot write {}: {source}", path.display())
            }
        }
    }
}

impl std::error::Error for StudyError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            StudyError::File(e) => Some(e),
            StudyError::Step { error, .. } => Some(error),
            StudyError::Write { source, .. } => Some(source),
        }
    }
}

/// Why a step could not be loaded or run, keeping the library error it came from (a model
/// error keeps its diagnostics with file, line and column). The larger library errors are
/// boxed so that a `Result` carrying this one stays small.
#[derive(Debug)]
pub enum StepError {
    /// A model file.
    Model(ModelError),
    /// A scenario file, the model's compilation or one of its runs.
    Sim(Box<SimError>),
    /// A sensitivity experiment, or its run.
    Sensitivity(Box<ExperimentError>),
    /// A calibration experiment or its run; `context` says which part.
    Calibrate {
        /// The experiment file, or the stage that failed.
        context: String,
        /// The calibration error.
        source: Box<CalibrateError>,
    },
    /// An estimation spec or its estimates.
    Estimate {
        /// The spec file.
        spec: PathBuf,
        /// The estimation error.
        source: Box<EconError>,
    },
    /// An input file that does not exist.
    NotFound(PathBuf),
    /// A step this one takes results from has none (it failed).
    NoResults(String),
    /// A result file could not be written.
    Write(WriteError),
    /// A result folder's manifest could not be written.
    Io {
        /// The folder.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The step's standard figures could not be planned.
    Figures(FigureError),
}

impl StepError {
    /// True when an input was wrong (the CLI exits with 2), false when a run failed (1).
    pub fn is_input_error(&self) -> bool {
        match self {
            StepError::Model(_) | StepError::NotFound(_) => true,
            StepError::Sim(e) => e.is_input_error(),
            StepError::Sensitivity(e) => e.is_input_error(),
            StepError::Calibrate { source, .. } => {
                matches!(**source, CalibrateError::InvalidInput(_))
            }
            StepError::Estimate { .. }
            | StepError::NoResults(_)
            | StepError::Write(_)
            | StepError::Io { .. }
            | StepError::Figures(_) => false,
        }
    }
}

impl fmt::Display for StepError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StepError::Model(e) => write!(f, "{e}"),
            StepError::Sim(e) => write!(f, "{e}"),
            StepError::Sensitivity(e) => write!(f, "{e}"),
            StepError::Calibrate { context, source } => write!(f, "{context}: {source}"),
            StepError::Estimate { spec, source } => write!(f, "{}: {source}", spec.display()),
            StepError::NotFound(p) => write!(f, "{} not found", p.display()),
            StepError::NoResults(step) => {
                write!(
                    f,
                    "calibration step `{step}` has no estimates (did it fail?)"
                )
            }
            StepError::Write(e) => write!(f, "{e}"),
            StepError::Io { path, source } => {
                write!(f, "cannot write {}: {source}", path.display())
            }
            StepError::Figures(e) => write!(f, "figures: {e}"),
        }
    }
}

impl std::error::Error for StepError {}

impl From<SimError> for StepError {
    fn from(e: SimError) -> Self {
        StepError::Sim(Box::new(e))
    }
}

impl From<ExperimentError> for StepError {
    fn from(e: ExperimentError) -> Self {
        StepError::Sensitivity(Box::new(e))
    }
}
