//! Errors of the calibration crate.

use crate::problem::EvalError;
use thiserror::Error;

/// Everything that can stop a calibration routine.
#[derive(Debug, Error)]
pub enum CalibrateError {
    /// The caller asked for something impossible (dimensions, tolerances, bounds...).
    #[error("invalid input: {0}")]
    InvalidInput(String),
    /// The objective could not be evaluated where it had to be (at the start point, or for a
    /// Jacobian at an accepted point).
    #[error("{context}: {source}")]
    Evaluation {
        context: String,
        #[source]
        source: EvalError,
    },
    /// A linear-algebra step failed (e.g. an SVD did not converge).
    #[error("numerical failure: {0}")]
    Numerical(String),
    /// A computation stopped early on request (e.g. a block limit); it can be resumed.
    #[error("interrupted: {0}")]
    Interrupted(String),
    /// Reading or writing a checkpoint failed.
    #[error("checkpoint {path}: {message}")]
    Checkpoint { path: String, message: String },
}

impl CalibrateError {
    pub(crate) fn eval(context: impl Into<String>, source: EvalError) -> Self {
        CalibrateError::Evaluation {
            context: context.into(),
            source,
        }
    }

    pub(crate) fn invalid(msg: impl Into<String>) -> Self {
        CalibrateError::InvalidInput(msg.into())
    }
}
