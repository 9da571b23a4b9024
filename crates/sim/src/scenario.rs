//! Scenarios: parameter values, replacement exogenous series and settings overrides from a
//! file, applied to a compiled model without recompiling it.

use crate::compiled::CompiledModel;
use crate::error::SimError;
use crate::params::ParamSet;
use crate::settings::RunSettings;
use pressure_model::{nearest, ModelError, ScenarioFile, Series};
use std::path::Path;

/// The exogenous series of a run, one per exogenous variable of the model.
#[derive(Debug, Clone, PartialEq)]
pub struct ExogenousSet {
    series: Vec<Series>,
}

impl ExogenousSet {
    pub(crate) fn new(series: Vec<Series>) -> Self {
        ExogenousSet { series }
    }

    pub fn len(&self) -> usize {
        self.series.len()
    }

    pub fn is_empty(&self) -> bool {
        self.series.is_empty()
    }

    pub fn series(&self) -> &[Series] {
        &self.series
    }

    /// Replaces the series of exogenous variable `name`.
    pub fn set(
        &mut self,
        model: &CompiledModel,
        name: &str,
        series: Series,
    ) -> Result<(), SimError> {
        match model.exogenous_index(name) {
            Some(i) => {
                self.series[i] = series;
                Ok(())
            }
            None => Err(SimError::UnknownExogenous {
                name: name.to_string(),
                suggestion: nearest(name, model.exogenous().iter().map(|e| e.name.as_str()))
                    .map(|s| s.to_string()),
            }),
        }
    }
}

/// A scenario file (see `docs/model-format.md`, "Scenario files").
///
/// ```
/// # let dir = tempfile::tempdir().unwrap();
/// # let model_path = dir.path().join("m.toml");
/// # std::fs::write(&model_path, "[settings]\nstop = 4\n[stocks.s]\ninitial = \"0\"\ninflows = [\"f\"]\n[flows.f]\nequation = \"price * k\"\n[constants.k]\nvalue = 1\n[exogenous.price]\npoints = [[0, 1], [4, 1]]\n").unwrap();
/// let scenario_path = dir.path().join("shock.toml");
/// std::fs::write(&scenario_path, "[set]\nk = 2\n[exogenous.price]\npoints = [[0, 3], [4, 3]]\n[settings]\nstop = 2\n").unwrap();
/// let compiled = pressure_sim::CompiledModel::compile(&pressure_model::load(&model_path).unwrap()).unwrap();
/// let scenario = pressure_sim::Scenario::load(&scenario_path).unwrap();
/// let (mut params, mut exo, mut settings) =
///     (compiled.default_params(), compiled.default_exogenous(), compiled.default_settings());
/// scenario.apply(&compiled, &mut params, &mut exo, &mut settings).unwrap();
/// let results = compiled.run_with(&params, &exo, &settings).unwrap();
/// assert_eq!(results.last("s"), Some(12.0)); // 2 time units at 3 * 2
/// ```
#[derive(Debug, Clone)]
pub struct Scenario {
    file: ScenarioFile,
}

impl Scenario {
    pub fn load(path: &Path) -> Result<Scenario, SimError> {
        Ok(Scenario {
            file: ScenarioFile::load(path)?,
        })
    }

    pub fn parse(path: &Path, text: &str) -> Result<Scenario, SimError> {
        Ok(Scenario {
            file: ScenarioFile::parse(path, text)?,
        })
    }

    pub fn file(&self) -> &ScenarioFile {
        &self.file
    }

    pub fn name(&self) -> Option<&str> {
        self.file.name.as_deref()
    }

    /// Applies the scenario: `[set]` values into `params`, `[exogenous]` series into `exo`,
    /// `[settings]` over `settings`. Unknown names are errors at the scenario's line and column.
    pub fn apply(
        &self,
        model: &CompiledModel,
        params: &mut ParamSet,
        exo: &mut ExogenousSet,
        settings: &mut RunSettings,
    ) -> Result<(), SimError> {
        let f = &self.file;
        let mut errors = Vec::new();
        for e in &f.sets {
            if let Err(err) = model.set_param_values(params, &e.name, &e.values) {
                let mut d = f.error_at(e.span, format!("{err}"));
                if let SimError::UnknownParameter { .. } = err {
                    d = d.help("[set] names constants of the model (dotted for module parameters, x[element] for one element)");
                }
                errors.push(d);
            }
        }
        for e in &f.exogenous {
            if let Err(err) = exo.set(model, &e.name, e.series.clone()) {
                errors.push(f.error_at(e.span, format!("{err}")));
            }
        }
        if !errors.is_empty() {
            return Err(SimError::Model(ModelError::new(errors)));
        }
        if f.has_settings() {
            let s = f.apply_settings(&settings.to_model())?;
            let (seed, max_steps, backend) = (settings.seed, settings.max_steps, settings.backend);
            *settings = RunSettings::from_model(&s);
            settings.seed = seed;
            settings.max_steps = max_steps;
            settings.backend = backend;
            // `[settings.steady]` names: each must be a variable of the model (reported at the
            // scenario's line and column); then the whole problem must be consistent.
            for (name, span) in f.steady_names() {
                let base = name.split('[').next().unwrap_or(&name).trim();
                let known = model.output_indices(name.trim()).is_ok()
                    || model.param_indices(name.trim()).is_ok();
                if !known {
                    let names = model
                        .outputs()
                        .iter()
                        .map(|o| o.name.as_str())
                        .chain(model.parameters().iter().map(|p| p.name.as_str()));
                    let mut d = f.error_at(
                        span,
                        format!("[settings.steady]: unknown variable '{base}'"),
                    );
                    if let Some(n) = nearest(&name, names) {
                        d = d.help(format!("did you mean '{n}'?"));
                    }
                    errors.push(d);
                }
            }
            if !errors.is_empty() {
                return Err(SimError::Model(ModelError::new(errors)));
            }
            crate::steady::check_settings(model, &settings.steady)?;
        }
        Ok(())
    }
}
