//! Loading a study's steps: every experiment, spec, model and scenario read and checked
//! before anything runs, with the study's settings applied.

use super::error::StepError;
use super::file::{CalibrateConfig, SensitivityConfig, StepConfig, StepKind, StepSpec};
use crate::calibrate::experiment::spec::McmcSpec;
use crate::calibrate::experiment::Experiment as CalExperiment;
use crate::calibrate::CalibrateError;
use crate::sensitivity::experiment::{Experiment as SensExperiment, Method, Prepared};
use crate::sim::{CompiledModel, Scenario};
use std::path::{Path, PathBuf};

/// A step of a loaded study: its inputs read and checked, ready to run.
pub struct Step {
    /// The step's name (its results folder `runs/<name>/`, its figures' prefix).
    pub name: String,
    /// Its section heading in the index.
    pub title: String,
    /// Its kind.
    pub kind: StepKind,
    /// Every input file (for the manifests).
    pub inputs: Vec<PathBuf>,
    pub(super) loaded: Loaded,
}

pub(super) enum Loaded {
    Calibrate {
        experiment: Box<CalExperiment>,
        config: CalibrateConfig,
    },
    Sensitivity {
        prepared: Box<Prepared>,
    },
    Estimate {
        spec: PathBuf,
    },
    Scenarios(Box<ScenarioStep>),
}

pub(super) struct ScenarioStep {
    pub model_path: PathBuf,
    pub compiled: CompiledModel,
    pub presets: Vec<(PathBuf, Scenario)>,
    pub scenarios: Vec<(PathBuf, Scenario)>,
    pub variables: Vec<String>,
    pub parameters_from: Option<String>,
    pub time_units: String,
}

impl ScenarioStep {
    /// A scenario's label: its `name`, else its file stem.
    pub fn label(path: &Path, scenario: &Scenario) -> String {
        scenario.name().map(str::to_string).unwrap_or_else(|| {
            path.file_stem()
                .map(|f| f.to_string_lossy().to_string())
                .unwrap_or_default()
        })
    }
}

/// Loads one step (see [`super::Study::load`]).
pub(super) fn load_step(spec: &StepSpec) -> Result<Step, StepError> {
    let (loaded, inputs) = match &spec.config {
        StepConfig::Calibrate(config) => {
            let mut experiment =
                CalExperiment::load(&config.file).map_err(|source| StepError::Calibrate {
                    context: config.file.display().to_string(),
                    source: Box::new(source),
                })?;
            apply_calibrate_settings(&mut experiment, config);
            let inputs = experiment.inputs.clone();
            (
                Loaded::Calibrate {
                    experiment: Box::new(experiment),
                    config: config.clone(),
                },
                inputs,
            )
        }
        StepConfig::Sensitivity(config) => {
            let experiment = SensExperiment::load(&config.file).map_err(StepError::from)?;
            let mut prepared = experiment.prepare().map_err(StepError::from)?;
            apply_sensitivity_settings(&mut prepared.spec.method, config);
            prepared.planned_runs(None).map_err(StepError::from)?;
            let inputs = prepared.inputs.clone();
            (
                Loaded::Sensitivity {
                    prepared: Box::new(prepared),
                },
                inputs,
            )
        }
        StepConfig::Estimate(config) => {
            if !config.file.exists() {
                return Err(StepError::NotFound(config.file.clone()));
            }
            (
                Loaded::Estimate {
                    spec: config.file.clone(),
                },
                vec![config.file.clone()],
            )
        }
        StepConfig::Scenarios(config) => {
            let model = crate::interop::load(&config.model).map_err(StepError::Model)?;
            let compiled = CompiledModel::compile(&model).map_err(StepError::from)?;
            let load = |list: &[PathBuf]| -> Result<Vec<(PathBuf, Scenario)>, StepError> {
                list.iter()
                    .map(|p| {
                        Scenario::load(p)
                            .map(|s| (p.clone(), s))
                            .map_err(StepError::from)
                    })
                    .collect()
            };
            let step = ScenarioStep {
                model_path: config.model.clone(),
                time_units: model.settings.time_units.clone().unwrap_or_default(),
                compiled,
                presets: load(&config.presets)?,
                scenarios: load(&config.scenarios)?,
                variables: config.variables.clone(),
                parameters_from: config.parameters_from.clone(),
            };
            let mut inputs = vec![config.model.clone()];
            inputs.extend(step.presets.iter().map(|p| p.0.clone()));
            inputs.extend(step.scenarios.iter().map(|p| p.0.clone()));
            (Loaded::Scenarios(Box::new(step)), inputs)
        }
    };
    Ok(Step {
        name: spec.name.clone(),
        title: spec.title.clone(),
        kind: spec.config.kind(),
        inputs,
        loaded,
    })
}

fn apply_calibrate_settings(experiment: &mut CalExperiment, config: &CalibrateConfig) {
    let s = &mut experiment.spec;
    if let Some(m) = config.multistart {
        s.estimation.multistart = m;
    }
    if let Some(b) = config.bootstrap {
        s.uncertainty.bootstrap = b;
    }
    if let Some(p) = config.profile {
        s.uncertainty.profile = p;
    }
    if let Some(m) = config.max_iterations {
        s.estimation.max_iterations = Some(m);
    }
    // Asking for chains or iterations turns MCMC on for an experiment without it (flat priors
    // within the bounds unless the experiment gives priors).
    if s.uncertainty.mcmc.is_none()
        && (config.mcmc_chains.is_some() || config.mcmc_iterations.is_some())
    {
        s.uncertainty.mcmc = Some(McmcSpec::default());
    }
    if let Some(m) = s.uncertainty.mcmc.as_mut() {
        if let Some(c) = config.mcmc_chains {
            m.chains = c;
        }
        if let Some(i) = config.mcmc_iterations {
            m.iterations = i;
            // A warm-up written for the full chain may not fit the shorter one.
            m.warmup = m.warmup.map(|w| w.min(i / 2));
        }
    }
}

fn apply_sensitivity_settings(method: &mut Method, s: &SensitivityConfig) {
    match method {
        Method::Sobol { n, bootstrap, .. } => {
            if let Some(v) = s.n {
                *n = v;
            }
            if let Some(b) = s.bootstrap {
                *bootstrap = b;
            }
        }
        Method::Morris {
            trajectories,
            bootstrap,
            candidates,
            ..
        } => {
            if let Some(v) = s.n {
                *trajectories = v;
            }
            match s.candidates {
                Some(0) => *candidates = None,
                Some(c) => *candidates = Some(c),
                None => {}
            }
            // The improved-spread selection needs more candidates than trajectories.
            if let Some(c) = candidates.as_mut() {
                *c = (*c).max(*trajectories + 1);
            }
            if let Some(b) = s.bootstrap {
                *bootstrap = b;
            }
        }
        Method::MonteCarlo { n, .. } => {
            if let Some(v) = s.n {
                *n = v;
            }
        }
        Method::Oat { .. } => {}
    }
}

/// Wraps a calibration error with the stage it came from (`calibration`, `fit bands`...).
pub(super) fn calibrate_error(context: &str) -> impl FnOnce(CalibrateError) -> StepError + '_ {
    move |source| StepError::Calibrate {
        context: context.to_string(),
        source: Box::new(source),
    }
}
