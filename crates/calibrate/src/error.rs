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

    /// The first error of type `E` among the causes of this one: e.g. the simulator's
    /// `pressure_sim::SimError` (with its variable and time) behind a failed evaluation.
    pub fn find<E: std::error::Error + 'static>(&self) -> Option<&E> {
        crate::problem::find_in_chain(std::error::Error::source(self)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::estimate::{estimate, EstimateOptions};
    use crate::objective::{Calibration, ErrorModel, FnPredictor, Series};
    use crate::params::{ParamSet, ParamSpec};
    use pressure_sim::SimError;

    #[test]
    fn a_failed_simulation_reaches_the_caller_of_an_estimate_typed() {
        // A model that fails everywhere as a simulation does: the estimate stops at its start
        // point, and the caller finds the simulator's error, variable and time included.
        let params = ParamSet::new(vec![ParamSpec::free("a", 1.0)]).unwrap();
        let series = vec![Series {
            name: "y".into(),
            observed: vec![1.0, 2.0, 3.0],
            error: ErrorModel::Normal { sigma: Some(1.0) },
        }];
        let model = FnPredictor(|_: &[f64], _: &mut [f64]| {
            Err(EvalError::caused_by(
                "episode `e1`",
                SimError::NonFinite {
                    variable: "loyalty[sec]".into(),
                    time: 2013.25,
                    value: f64::INFINITY,
                },
            ))
        });
        let mut cal = Calibration::new(params, series, model).unwrap();
        let z0 = cal.params().start_internal();
        let e = estimate(&mut cal, &z0, &EstimateOptions::default()).unwrap_err();
        assert!(matches!(e, CalibrateError::Evaluation { .. }), "{e:?}");
        match e.find::<SimError>() {
            Some(SimError::NonFinite { variable, time, .. }) => {
                assert_eq!(variable, "loyalty[sec]");
                assert_eq!(*time, 2013.25);
            }
            other => panic!("no SimError::NonFinite behind {e}: {other:?}"),
        }
        assert!(e.find::<EvalError>().is_some());
        // The text still says it all.
        assert!(
            e.to_string()
                .contains("episode `e1`: loyalty[sec] became inf at time 2013.25"),
            "{e}"
        );
    }
}
