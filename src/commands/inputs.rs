//! A model ready to run: loaded (any format `pressure_interop` reads), compiled, with scenario
//! files applied in order and then `NAME=VALUE` parameter overrides (`pressure run --set`,
//! `pressure steady --set`).

use crate::model::ModelError;
use crate::sim::{CompiledModel, ExogenousSet, ParamSet, RunSettings, Scenario, SimError};
use std::fmt;
use std::path::{Path, PathBuf};

/// A compiled model with the parameters, exogenous series and settings of one run.
pub struct ModelInputs {
    /// The compiled model.
    pub compiled: CompiledModel,
    /// Its parameters, scenarios and overrides applied.
    pub params: ParamSet,
    /// Its exogenous series, scenarios applied.
    pub exo: ExogenousSet,
    /// Its run settings, scenarios applied.
    pub settings: RunSettings,
    /// The model's time unit (`[settings] time_units`), for the output's header.
    pub time_units: Option<String>,
}

/// Why [`ModelInputs::load`] failed.
#[derive(Debug)]
pub enum InputsError {
    /// The model file.
    Model(ModelError),
    /// Its compilation or a scenario file.
    Sim(SimError),
    /// An option given as text (`--set NAME=VALUE`, `--hold`, a growth group) that is
    /// malformed or names no parameter.
    Override {
        /// What is wrong, starting with the option as written on the command line.
        message: String,
        /// How to put it right.
        help: &'static str,
    },
}

impl fmt::Display for InputsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InputsError::Model(e) => write!(f, "{e}"),
            InputsError::Sim(e) => write!(f, "{e}"),
            InputsError::Override { message, .. } => f.write_str(message),
        }
    }
}

impl std::error::Error for InputsError {}

impl ModelInputs {
    /// Loads and compiles the model at `model`, applies the `scenarios` in order, then the
    /// `overrides` (`NAME=VALUE`: dotted names for module parameters, `x[e]` for an element).
    pub fn load(
        model: &Path,
        scenarios: &[PathBuf],
        overrides: &[String],
    ) -> Result<ModelInputs, InputsError> {
        let ir = crate::interop::load(model).map_err(InputsError::Model)?;
        let compiled = CompiledModel::compile(&ir).map_err(InputsError::Sim)?;
        let mut params = compiled.default_params();
        let mut exo = compiled.default_exogenous();
        let mut settings = compiled.default_settings();
        for path in scenarios {
            Scenario::load(path)
                .and_then(|sc| sc.apply(&compiled, &mut params, &mut exo, &mut settings))
                .map_err(InputsError::Sim)?;
        }
        for s in overrides {
            let (name, text, value) = parse_override(s)?;
            compiled
                .set_param(&mut params, name, value)
                .map_err(|e| InputsError::Override {
                    message: format!("--set {name}={text}: {e}"),
                    help: "`pressure describe MODEL` lists the parameters",
                })?;
        }
        Ok(ModelInputs {
            compiled,
            params,
            exo,
            settings,
            time_units: ir.settings.time_units.clone(),
        })
    }
}

/// `NAME=VALUE` as the name, the value as written and the value, a finite number (spaces
/// around either are ignored).
pub fn parse_override(s: &str) -> Result<(&str, &str, f64), InputsError> {
    let Some((name, value)) = s.split_once('=') else {
        return Err(InputsError::Override {
            message: format!("--set {s}: expected NAME=VALUE"),
            help: "write --set NAME=VALUE, e.g. --set room_temperature=75",
        });
    };
    let (name, value) = (name.trim(), value.trim());
    let v = value
        .parse()
        .ok()
        .filter(|v: &f64| v.is_finite())
        .ok_or_else(|| InputsError::Override {
            message: format!("--set {name}={value}: '{value}' is not a number"),
            help: "the value must be a finite number such as 0.25 or 3e-2",
        })?;
    Ok((name, value, v))
}
