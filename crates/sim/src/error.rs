//! Errors of compiling, configuring and running a model.

use pressure_model::ModelError;
use std::fmt;

/// Why a run could not be set up or did not finish.
#[derive(Debug, Clone)]
pub enum SimError {
    /// A value became NaN or infinite during the run.
    NonFinite {
        /// The variable (element) whose value is not finite, e.g. `loyalty[sec]`.
        variable: String,
        time: f64,
        value: f64,
    },
    /// Run settings that cannot work (dt <= 0, stop <= start, ...).
    InvalidSettings {
        field: &'static str,
        message: String,
        help: String,
    },
    /// A parameter name that the model does not have.
    UnknownParameter {
        name: String,
        suggestion: Option<String>,
    },
    /// An output (column) name that the model does not have.
    UnknownOutput {
        name: String,
        suggestion: Option<String>,
    },
    /// An exogenous series name that the model does not have.
    UnknownExogenous {
        name: String,
        suggestion: Option<String>,
    },
    /// A vector of the wrong length (parameter set, arrayed value).
    WrongLength {
        what: String,
        expected: usize,
        got: usize,
    },
    /// The model uses DELAY FIXED or RANDOM, which only work with a fixed step.
    NeedsFixedStep { reason: String },
    /// The adaptive integrator could not meet the tolerance.
    StepSizeTooSmall { time: f64 },
    /// The adaptive integrator took more steps than allowed.
    TooManySteps { time: f64, steps: usize },
    /// The steady-state solver found no state where every net flow vanishes (see
    /// [`crate::steady`]).
    NoSteadyState {
        /// The equations whose scaled residual stays above the tolerance at the best point
        /// found, largest first: the stock's name (with module prefix; hidden stocks by their
        /// owner and builtin) and its scaled residual (net flow / stock scale, per time unit).
        stocks: Vec<(String, f64)>,
        /// The largest scaled residual at the best point found.
        residual: f64,
        tolerance: f64,
        /// Newton iterations over all starts.
        iterations: usize,
        starts: usize,
    },
    /// A scenario file or model problem, with file, line and column.
    Model(ModelError),
}

impl SimError {
    /// True for errors caused by the input (settings, names, files): the CLI exits with 2.
    /// False for errors of a run that started (non-finite values, integrator failures).
    pub fn is_input_error(&self) -> bool {
        !matches!(
            self,
            SimError::NonFinite { .. }
                | SimError::StepSizeTooSmall { .. }
                | SimError::TooManySteps { .. }
                | SimError::NoSteadyState { .. }
        )
    }
}

impl fmt::Display for SimError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SimError::NonFinite { variable, time, value } => write!(
                f,
                "{variable} became {value} at time {time}; the run stopped (check divisions by zero, logarithms of non-positive values and explosive growth)"
            ),
            SimError::InvalidSettings { message, help, .. } => write!(f, "{message} ({help})"),
            SimError::UnknownParameter { name, suggestion } => {
                write!(f, "unknown parameter '{name}'")?;
                if let Some(s) = suggestion {
                    write!(f, " (did you mean '{s}'?)")?;
                }
                Ok(())
            }
            SimError::UnknownOutput { name, suggestion } => {
                write!(f, "unknown variable '{name}'")?;
                if let Some(s) = suggestion {
                    write!(f, " (did you mean '{s}'?)")?;
                }
                Ok(())
            }
            SimError::UnknownExogenous { name, suggestion } => {
                write!(f, "unknown exogenous series '{name}'")?;
                if let Some(s) = suggestion {
                    write!(f, " (did you mean '{s}'?)")?;
                }
                Ok(())
            }
            SimError::WrongLength { what, expected, got } => {
                write!(f, "{what} has {got} values, expected {expected}")
            }
            SimError::NeedsFixedStep { reason } => write!(
                f,
                "{reason} needs a fixed-step method (euler, rk2 or rk4), not an adaptive one"
            ),
            SimError::StepSizeTooSmall { time } => write!(
                f,
                "the adaptive step size became too small at time {time} (the model may be stiff or discontinuous there)"
            ),
            SimError::TooManySteps { time, steps } => write!(
                f,
                "the adaptive integrator took {steps} steps and reached only time {time}; loosen rtol/atol or use a fixed-step method"
            ),
            SimError::NoSteadyState {
                stocks,
                residual,
                tolerance,
                iterations,
                starts,
            } => {
                write!(f, "no steady state found")?;
                if !stocks.is_empty() {
                    const SHOWN: usize = 8;
                    let list: Vec<String> = stocks
                        .iter()
                        .take(SHOWN)
                        .map(|(n, r)| format!("{n} ({r:.3e})"))
                        .collect();
                    write!(
                        f,
                        ": the net flows of {} stay away from zero",
                        list.join(", ")
                    )?;
                    if stocks.len() > SHOWN {
                        write!(f, " and {} more", stocks.len() - SHOWN)?;
                    }
                    write!(f, " (scaled residuals: net flow / stock scale, per time unit)")?;
                }
                write!(
                    f,
                    "; best largest scaled residual {residual:.3e} (tolerance {tolerance:e}) after {starts} start(s) and {iterations} Newton iterations"
                )
            }
            SimError::Model(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for SimError {}

impl From<ModelError> for SimError {
    fn from(e: ModelError) -> Self {
        SimError::Model(e)
    }
}
