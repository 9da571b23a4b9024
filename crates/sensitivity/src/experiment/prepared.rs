//! What a prepared experiment is: the experiment file resolved against its compiled model
//! ([`Prepared`]), with the parameter space, the outputs and the method as types. How the
//! file becomes one is in `resolve.rs` ([`Experiment::prepare`](super::Experiment::prepare)).

use super::statistic::Direction;
use crate::design::{
    Design, LatinHypercube, MorrisDesign, RandomDesign, SaltelliDesign, SobolDesign,
};
use crate::engine::OnFailure;
use crate::error::SensitivityError;
use crate::space::{Parameter, ParameterSpace};
use pressure_sim::{CompiledModel, ExogenousSet, ParamSet, RunSettings};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// Sampler of a Monte Carlo experiment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Sampler {
    Random,
    Lhs,
    Sobol,
}

/// What to compute, with every setting resolved.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Method {
    Sobol {
        n: usize,
        second_order: bool,
        scramble: bool,
        bootstrap: usize,
        bootstrap_over_time: usize,
        confidence: f64,
    },
    Morris {
        trajectories: usize,
        levels: usize,
        candidates: Option<usize>,
        /// Bootstrap resamples of whole trajectories (all columns).
        bootstrap: usize,
        confidence: f64,
    },
    MonteCarlo {
        n: usize,
        sampler: Sampler,
        scramble: bool,
        quantiles: Vec<f64>,
    },
    Oat {
        swing: [f64; 2],
    },
}

/// Largest sizes of a quick run ([`Method::quick`]): enough to exercise every step and draw
/// every figure in a few seconds, far too few for conclusions.
pub const QUICK_SOBOL_N: usize = 256;
pub const QUICK_MORRIS_TRAJECTORIES: usize = 10;
pub const QUICK_MONTECARLO_N: usize = 256;
pub const QUICK_BOOTSTRAP: usize = 50;

impl Method {
    /// The same method with smaller sizes, for a quick check of a whole study
    /// (`pressure sensitivity --quick`, `pressure reproduce --quick`): Sobol' base points at
    /// most [`QUICK_SOBOL_N`] (still a power of two), Morris trajectories at most
    /// [`QUICK_MORRIS_TRAJECTORIES`] (improved-spread candidates at most 5 per trajectory),
    /// Monte Carlo runs at most [`QUICK_MONTECARLO_N`], bootstrap resamples at most
    /// [`QUICK_BOOTSTRAP`]. One-at-a-time swings are already cheap and stay as they are.
    ///
    /// ```
    /// use pressure_sensitivity::experiment::Method;
    /// let full = Method::Sobol {
    ///     n: 4096, second_order: false, scramble: true,
    ///     bootstrap: 100, bootstrap_over_time: 0, confidence: 0.95,
    /// };
    /// let Method::Sobol { n, bootstrap, .. } = full.quick() else { unreachable!() };
    /// assert_eq!((n, bootstrap), (256, 50));
    /// ```
    pub fn quick(&self) -> Method {
        let mut m = self.clone();
        match &mut m {
            Method::Sobol {
                n,
                bootstrap,
                bootstrap_over_time,
                ..
            } => {
                *n = (*n).min(QUICK_SOBOL_N);
                *bootstrap = (*bootstrap).min(QUICK_BOOTSTRAP);
                *bootstrap_over_time = (*bootstrap_over_time).min(QUICK_BOOTSTRAP);
            }
            Method::Morris {
                trajectories,
                candidates,
                bootstrap,
                ..
            } => {
                *trajectories = (*trajectories).min(QUICK_MORRIS_TRAJECTORIES);
                if let Some(c) = candidates {
                    *c = (*c).min(5 * *trajectories).max(*trajectories + 1);
                }
                *bootstrap = (*bootstrap).min(QUICK_BOOTSTRAP);
            }
            Method::MonteCarlo { n, .. } => *n = (*n).min(QUICK_MONTECARLO_N),
            Method::Oat { .. } => {}
        }
        m
    }
}

/// One output column: a scalar output, or one time point of a series.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Column {
    /// The output's name (`[[outputs]] name`, or the series' name).
    pub name: String,
    /// The model variable it is computed from.
    pub variable: String,
    /// For series columns, the time point; `None` for scalar outputs.
    pub time: Option<f64>,
    pub units: Option<String>,
}

impl Column {
    /// A label for a single column header (`name` or `name@time`).
    pub fn label(&self) -> String {
        match self.time {
            Some(t) => format!("{}@{}", self.name, t),
            None => self.name.clone(),
        }
    }
}

/// A scalar statistic of one recorded variable.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "statistic", rename_all = "snake_case")]
pub enum ScalarStatistic {
    ValueAt {
        time: f64,
    },
    Mean {
        from: f64,
        to: f64,
    },
    Peak {
        from: f64,
        to: f64,
    },
    Min {
        from: f64,
        to: f64,
    },
    FirstCrossing {
        threshold: f64,
        direction: Direction,
        from: f64,
        to: f64,
        if_never: Option<f64>,
    },
}

/// Everything needed to rebuild the design and analysis and to write the results: stored in
/// every partial result so that `merge` needs neither the experiment nor the model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunSpec {
    pub experiment: String,
    pub experiment_sha256: String,
    pub model: String,
    pub model_sha256: String,
    pub seed: u64,
    pub method: Method,
    pub parameters: Vec<Parameter>,
    pub columns: Vec<Column>,
    /// How many leading columns are scalar outputs (the rest are series points).
    pub scalar_columns: usize,
    pub save_sample: bool,
    /// What a failed run does: stop everything, or drop its group.
    pub on_failure: OnFailure,
    /// Sobol' indices of groups of parameters (`[[groups]]`) instead of each parameter.
    #[serde(default)]
    pub groups: Option<FactorGroups>,
    /// What the figures' captions and axis titles say of the experiment (empty in partial
    /// results written before it was recorded).
    #[serde(default)]
    pub labels: Labels,
}

/// What the figures' captions and axis titles say of an experiment, resolved when it is
/// prepared and kept in its [`RunSpec`], so that a merged result is described like an
/// unsharded one without reading the experiment or the model again.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Labels {
    /// `[experiment] description`.
    pub description: Option<String>,
    /// The file stems of the scenarios applied, in order.
    pub scenarios: Vec<String>,
    /// The model's time unit (`[settings] time_units`).
    pub time_units: Option<String>,
}

/// Parameters grouped into the factors of a Sobol' analysis.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FactorGroups {
    /// Group names, in the order of `[[groups]]` (empty groups are an error).
    pub names: Vec<String>,
    /// The group of each varied parameter (index into `names`).
    pub of_parameter: Vec<usize>,
}

impl RunSpec {
    /// What every manifest of a run of this spec records (`pressure sensitivity`, `pressure
    /// merge`, `pressure reproduce`): the experiment's and the model's SHA-256, the model, the
    /// method, the parameters and, with `[[groups]]`, the groups.
    pub fn manifest_facts(&self) -> serde_json::Map<String, serde_json::Value> {
        let mut facts = serde_json::Map::new();
        facts.insert(
            "experiment_sha256".into(),
            self.experiment_sha256.clone().into(),
        );
        facts.insert("model".into(), self.model.clone().into());
        facts.insert("model_sha256".into(), self.model_sha256.clone().into());
        facts.insert(
            "method".into(),
            serde_json::to_value(&self.method).unwrap_or_default(),
        );
        facts.insert(
            "parameters".into(),
            serde_json::to_value(&self.parameters).unwrap_or_default(),
        );
        if let Some(groups) = &self.groups {
            facts.insert(
                "groups".into(),
                serde_json::to_value(groups).unwrap_or_default(),
            );
        }
        facts
    }

    /// Names of the factors the indices belong to: the groups, or the parameters.
    pub fn factor_names(&self) -> Vec<&str> {
        match &self.groups {
            Some(g) => g.names.iter().map(|s| s.as_str()).collect(),
            None => self.parameters.iter().map(|p| p.name.as_str()).collect(),
        }
    }

    pub(crate) fn space(&self) -> Result<ParameterSpace, SensitivityError> {
        ParameterSpace::new(self.parameters.clone())
    }

    /// The sampling design this spec runs (None for one-at-a-time).
    pub(crate) fn design(&self) -> Result<Option<Box<dyn Design>>, SensitivityError> {
        let d = self.parameters.len();
        let seed = self.seed;
        Ok(Some(match &self.method {
            Method::Sobol {
                n,
                second_order,
                scramble,
                ..
            } => {
                let design = SaltelliDesign::new(d, *n, *second_order, scramble.then_some(seed))?;
                match &self.groups {
                    Some(g) => Box::new(design.grouped(g.of_parameter.clone())?),
                    None => Box::new(design),
                }
            }
            Method::Morris {
                trajectories,
                levels,
                candidates,
                ..
            } => {
                let bounded: Vec<bool> = self
                    .parameters
                    .iter()
                    .map(|p| p.distribution.is_bounded())
                    .collect();
                Box::new(MorrisDesign::new(
                    d,
                    *trajectories,
                    *levels,
                    seed,
                    *candidates,
                    &bounded,
                )?)
            }
            Method::MonteCarlo {
                n,
                sampler,
                scramble,
                ..
            } => match sampler {
                Sampler::Random => Box::new(RandomDesign::new(d, *n, seed)?),
                Sampler::Lhs => Box::new(LatinHypercube::new(d, *n, seed)?),
                Sampler::Sobol => Box::new(SobolDesign::new(d, *n, scramble.then_some(seed))?),
            },
            Method::Oat { .. } => return Ok(None),
        }))
    }
}

/// A scalar output resolved against the model.
#[derive(Debug, Clone)]
pub(crate) struct ScalarOutput {
    pub record: usize,
    pub statistic: ScalarStatistic,
    pub name: String,
    pub transform: Option<Transform>,
}

/// A transform of a scalar output (`transform = ...` in `[[outputs]]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Transform {
    /// `ln y` (y > 0).
    Log,
    /// `ln(1 + y)` (y > -1): for rates and premia that can be near or below zero.
    Log1p,
}

impl Transform {
    /// The transformed value, or why it does not exist.
    pub fn apply(self, y: f64) -> Result<f64, String> {
        let (v, name, domain) = match self {
            Transform::Log => (y.ln(), "log", "> 0"),
            Transform::Log1p => (y.ln_1p(), "log1p", "> -1"),
        };
        if v.is_finite() {
            Ok(v)
        } else {
            Err(format!(
                "transform = \"{name}\" needs a value {domain}, got {y}"
            ))
        }
    }

    /// The units of an output after this transform, from the variable's `units`.
    pub(super) fn units(self, units: Option<&str>) -> String {
        let u = units.unwrap_or("dimensionless");
        match self {
            Transform::Log => format!("ln of {u}"),
            Transform::Log1p => format!("ln(1 + x), x in {u}"),
        }
    }
}

/// A series resolved against the model.
#[derive(Debug, Clone)]
pub(crate) struct SeriesOutput {
    pub record: usize,
    pub times: Vec<f64>,
}

/// An experiment resolved against its compiled model, ready to run.
pub struct Prepared {
    pub compiled: CompiledModel,
    pub settings: RunSettings,
    pub(crate) exogenous: ExogenousSet,
    pub(crate) base_params: ParamSet,
    pub(crate) param_indices: Vec<usize>,
    /// Output names the simulator records, in record order.
    pub(crate) recorded: Vec<String>,
    pub(crate) scalars: Vec<ScalarOutput>,
    pub(crate) series: Vec<SeriesOutput>,
    /// The run specification (its `seed` is the experiment's default seed).
    pub spec: RunSpec,
    /// Input files (experiment, model, scenarios) for the manifest.
    pub inputs: Vec<PathBuf>,
}

impl Prepared {
    /// Switches to the smaller sizes of [`Method::quick`].
    pub fn make_quick(&mut self) {
        self.spec.method = self.spec.method.quick();
    }
    /// The seed written in the experiment file (0 if none).
    pub fn default_seed(&self) -> u64 {
        self.spec.seed
    }
    pub fn space(&self) -> ParameterSpace {
        self.spec.space().expect("validated when prepared")
    }
    /// Default values (after scenarios) of the varied parameters.
    pub fn base_values(&self) -> Vec<f64> {
        self.param_indices
            .iter()
            .map(|&i| self.base_params.get(i))
            .collect()
    }
}
