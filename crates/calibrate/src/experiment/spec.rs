//! The experiment file format (TOML). See the [module docs](super) for an example.

use super::exogenous::ExogenousSpec;
use super::fitted::HierarchySpec;
use super::observation::{DataIs, Measure, VariableIs};
use crate::estimate::Method;
use crate::objective::ErrorModel;
use crate::uncertainty::covariance::IntervalCalibration;
use crate::uncertainty::sampler::Algorithm;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::PathBuf;
use toml::Spanned;

/// The whole file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExperimentFile {
    pub experiment: ExperimentSection,
    #[serde(default, rename = "episode")]
    pub episodes: Vec<EpisodeSpec>,
    #[serde(default, rename = "parameter")]
    pub parameters: Vec<ParameterSpec>,
    #[serde(default, rename = "mapping")]
    pub mappings: Vec<MappingSpec>,
    #[serde(default)]
    pub estimation: EstimationSpec,
    #[serde(default)]
    pub uncertainty: UncertaintySpec,
    #[serde(default)]
    pub counterfactual: Option<CounterfactualSpec>,
    #[serde(default)]
    pub steady: SteadySpec,
}

/// `[steady]`: how every episode's steady state is selected when the model has several
/// (`pressure_sim::SteadyStarts`; `experiments/calibrate/README.md`, "Steady-state
/// uniqueness").
///
/// ```toml
/// [steady]
/// starts = "continuation"   # or "cascade" (the default), "default_state",
///                           # "default_state_newton", "initial_values", "march"
/// ```
#[derive(Debug, Clone, Copy, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SteadySpec {
    #[serde(deserialize_with = "steady_starts")]
    pub starts: pressure_sim::SteadyStarts,
}

fn steady_starts<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<pressure_sim::SteadyStarts, D::Error> {
    use serde::de::Error;
    let name = String::deserialize(d)?;
    pressure_sim::SteadyStarts::from_name(&name).ok_or_else(|| {
        let names: Vec<&str> = pressure_sim::SteadyStarts::ALL
            .iter()
            .map(|(n, _)| *n)
            .collect();
        D::Error::custom(format!(
            "unknown steady-state starts `{name}`: one of {}",
            names.join(", ")
        ))
    })
}

/// `[counterfactual]`: the no-sanctions paths of every episode under the posterior.
///
/// ```toml
/// [counterfactual]
/// draws = 200            # posterior draws rerun with and without the sanctions (MCMC draws,
///                        # else draws from the Jacobian covariance: a Laplace approximation)
/// level = 0.90           # central interval of the effects
/// until = "2019"         # extend the paths beyond the window (inside the run)
/// # The effect split: a third run per draw and episode with the timeline on and these model
/// # parameters set (e.g. the residual growth drags switched off): "explicit channels" =
/// # that run minus the no-sanctions run, "residual drags" = the rest (fitted minus that run).
/// explicit_set = { "fiscal.residual_drag_switch" = 0.0 }
///
/// [[counterfactual.benchmark]]   # a published or panel estimate shown beside the model's
/// episode = "iran_2011"
/// series = "gdp_growth:level"     # a mapped series, or `<series>:level` (cumulative level effect)
/// date = "2014"
/// effect = -17.0                  # and/or low, high
/// base = "2011"                   # optional: a `:level` effect measured from this period's
///                                 # level (the model's effect there subtracted)
/// compare = "effect"              # or "fitted": the estimate is of the series itself (an
///                                 # observed growth rate, a premium), compared with the fitted path
/// source = "Gharehgozli (2017), synthetic control: real GDP more than 17% lower by 2014"
/// ```
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CounterfactualSpec {
    #[serde(default = "default_cf_draws")]
    pub draws: usize,
    #[serde(default = "default_cf_level")]
    pub level: f64,
    #[serde(default)]
    pub until: Option<String>,
    /// Model parameters set for the "explicit channels" run of the effect split (none: no
    /// split is computed).
    #[serde(default)]
    pub explicit_set: BTreeMap<String, f64>,
    #[serde(default, rename = "benchmark")]
    pub benchmarks: Vec<BenchmarkSpec>,
    /// Synthetic-control gaps of `pressure estimate` (`synth_episodes.csv`) as benchmarks.
    #[serde(default)]
    pub synth: Option<SynthSpec>,
}

/// `[counterfactual.synth]`: the per-episode synthetic controls of `pressure estimate`
/// (`experiments/estimate/synth_episodes.toml` writes `synth_episodes.csv`) beside the model's
/// effects: the gap in per cent of the synthetic unit (`gap_pct`) at each post-treatment year
/// becomes a benchmark of `series` (usually the GDP level effect, `gdp_growth:level`; the
/// synthetic control measures GDP per capita).
///
/// ```toml
/// [counterfactual.synth]
/// file = "../../out/synth/synth_episodes.csv"   # relative to this file; optional: `pressure
///                                              # reproduce` passes its estimate step's file
/// series = "gdp_growth:level"
/// episodes = { iran_2011 = "Iran 2012", russia_2014 = "Russia 2014" }   # episode -> synth model
/// ```
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SynthSpec {
    #[serde(default)]
    pub file: Option<PathBuf>,
    pub series: String,
    pub episodes: BTreeMap<String, String>,
}

fn default_cf_draws() -> usize {
    200
}

fn default_cf_level() -> f64 {
    0.9
}

/// An outside estimate of a sanction effect.
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct BenchmarkSpec {
    pub episode: String,
    pub series: String,
    pub date: String,
    #[serde(default)]
    pub effect: Option<f64>,
    #[serde(default)]
    pub low: Option<f64>,
    #[serde(default)]
    pub high: Option<f64>,
    /// For a `:level` series: the period from whose level the model's effect is measured
    /// (`100 (exp((ln A_t − ln A°_t) − (ln A_b − ln A°_b)) − 1)`), e.g. the year before a
    /// synthetic control's treatment year. The path's dates or the period before the first.
    #[serde(default)]
    pub base: Option<String>,
    /// What the estimate is compared with: the model's effect (default) or its fitted path.
    #[serde(default)]
    pub compare: BenchmarkCompare,
    /// The range of the placebo gaps (synthetic controls), shown beside the estimate.
    #[serde(default)]
    pub placebo_low: Option<f64>,
    #[serde(default)]
    pub placebo_high: Option<f64>,
    pub source: String,
}

/// What a benchmark is compared with.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BenchmarkCompare {
    /// The effect of the sanctions (fitted minus no-sanctions).
    #[default]
    Effect,
    /// The fitted path itself (a published level of the series: a growth rate, a premium).
    Fitted,
}

impl ExperimentFile {
    /// The parameters of the effect split's "explicit channels" run, in name order (empty: no
    /// `[counterfactual] explicit_set`, no split). The one reading both the counterfactual
    /// table and the path runner use.
    pub fn explicit_set(&self) -> Vec<(String, f64)> {
        self.counterfactual
            .as_ref()
            .map(|c| {
                c.explicit_set
                    .iter()
                    .map(|(k, v)| (k.clone(), *v))
                    .collect()
            })
            .unwrap_or_default()
    }
}

impl BenchmarkCompare {
    pub fn name(self) -> &'static str {
        match self {
            BenchmarkCompare::Effect => "effect",
            BenchmarkCompare::Fitted => "fitted",
        }
    }
}

/// `[experiment]`: what is calibrated.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExperimentSection {
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    /// Model file, relative to the experiment file.
    pub model: PathBuf,
    /// Scenario files applied to every episode, in order (relative to the experiment file).
    #[serde(default)]
    pub scenarios: Vec<PathBuf>,
    /// Default seed (the command's `--seed` overrides it).
    #[serde(default)]
    pub seed: Option<u64>,
}

/// `[[episode]]`: one historical episode (one model run per evaluation).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EpisodeSpec {
    /// Episode id: `data/episodes/<id>.csv` and `<id>.toml` unless `table` is given.
    pub id: String,
    /// Folder of the episode files (relative to the experiment file); default: the
    /// repository's `data/episodes`.
    #[serde(default)]
    pub dir: Option<PathBuf>,
    /// An explicit episode table (tidy CSV: date, series, value, unit, frequency, source),
    /// relative to the experiment file; then no timeline is loaded unless `timeline_file` is.
    #[serde(default)]
    pub table: Option<PathBuf>,
    #[serde(default)]
    pub timeline_file: Option<PathBuf>,
    /// Decimal year of model time 0 (0 when the model's TIME is the calendar year).
    #[serde(default)]
    pub origin: f64,
    /// Calibration window (dates `YYYY`, `YYYY-MM` or `YYYY-MM-DD`, both ends included);
    /// default: the timeline's window, else every observation.
    #[serde(default)]
    pub window: Option<WindowSpec>,
    /// Out-of-sample period after the window: its observations are not fitted but forecast
    /// (predictive bands and coverage in `validation.csv`).
    #[serde(default)]
    pub holdout: Option<WindowSpec>,
    /// Model time span of this episode's runs (default: the model's settings).
    #[serde(default)]
    pub start: Option<f64>,
    #[serde(default)]
    pub stop: Option<f64>,
    /// How often this episode's runs save model output, in years (default: the model's
    /// settings); monthly series need at most 1/12.
    #[serde(default)]
    pub save_every: Option<f64>,
    /// Episode-specific scenario files, applied after the experiment's.
    #[serde(default)]
    pub scenarios: Vec<PathBuf>,
    /// Episode-specific fixed parameter values.
    #[serde(default)]
    pub set: BTreeMap<String, f64>,
    /// Sanction timeline channels → model variables, as step functions: `energy = "x"`
    /// (intensity), `energy_coverage = "x"` (sender coverage), `energy_pressure = "x"`
    /// (intensity × coverage). A target is an exogenous series, or a scalar auxiliary or
    /// constant of the model's root file, which the experiment then replaces by the series
    /// (see `experiment::timeline`).
    #[serde(default)]
    pub timeline: BTreeMap<String, String>,
    /// Model inputs driven by data series: target variable → series (see
    /// [`exogenous`](super::exogenous)).
    #[serde(default)]
    pub exogenous: BTreeMap<String, ExogenousSpec>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WindowSpec {
    pub start: String,
    pub end: String,
}

/// `[[parameter]]`: a model constant to fit.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ParameterSpec {
    /// Model constant (or `x[element]`).
    pub name: String,
    /// Start value (default: the model's value).
    #[serde(default)]
    pub start: Option<f64>,
    #[serde(default)]
    pub lower: Option<f64>,
    #[serde(default)]
    pub upper: Option<f64>,
    /// One value per episode (`name@episode`) instead of one shared value.
    #[serde(default)]
    pub per_episode: bool,
    /// Prior (a density on the parameter's own scale): a distribution of the sensitivity
    /// crate, `{ distribution = "normal", mean = 0.3, sd = 0.1 }`, `uniform` (low, high),
    /// `lognormal` (meanlog, sdlog), `triangular` (low, mode, high), `truncated_normal` (mean,
    /// sd, low, high); or a panel estimate `{ from, model, term, scale }` (see
    /// [`fitted`](super::fitted)). Normal priors enter the estimate too.
    #[serde(default)]
    pub prior: Option<Spanned<toml::Value>>,
    /// Episode-specific values drawn from `Normal(mu, tau)` (see [`fitted`](super::fitted)).
    #[serde(default)]
    pub hierarchical: Option<Spanned<HierarchySpec>>,
}

/// The comparison scale of a mapping (`transform`): applied to the observation and to the
/// model's value alike.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum SeriesTransform {
    /// As measured.
    #[default]
    Level,
    /// Logarithms of both (both must be positive).
    Log,
    /// `ln(1 + y)` of both, `y` in per cent divided by 100 first (a premium in per cent is
    /// compared as `ln(1 + premium)`).
    Log1p,
}

/// `[[mapping]]`: the observation equation of one data series (see
/// [`observation`](super::observation) for every key's meaning and the unit rules).
///
/// ```toml
/// [[mapping]]
/// series = "gdp_growth"            # the episode table's series (unit `percent`)
/// variable = "fiscal.growth_rate"  # the model variable
/// variable_is = "log_rate"         # level | log_level | log_rate | fraction | percent
/// aggregate = "mean"               # of the level over each period; or end_of_period, december, ...
/// measure = "percent_change"       # level | percent_change | log_change
/// unit = "percent"                 # must be the table's unit for the series
/// transform = "level"              # comparison scale: level | log | log1p
/// error = { kind = "normal" }
/// ```
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MappingSpec {
    /// Model variable (an output name: stock, flow, auxiliary, `x[element]`).
    pub variable: Spanned<String>,
    /// Series name in the episode table.
    pub series: Spanned<String>,
    /// What the model variable is.
    pub variable_is: Spanned<VariableIs>,
    /// What the data measure (default: the level).
    #[serde(default)]
    pub measure: Option<Spanned<Measure>>,
    /// Whether the table holds the measure (default) or a level whose changes are compared.
    #[serde(default)]
    pub data_is: Option<Spanned<DataIs>>,
    /// Unit of the series in the table; checked against the table and the equation.
    pub unit: Spanned<String>,
    /// Comparison scale.
    #[serde(default)]
    pub transform: Option<Spanned<SeriesTransform>>,
    /// `mean` (default), `end_of_period`, `start_of_period`, `midpoint`, `integral`,
    /// `december`.
    #[serde(default)]
    pub aggregate: Option<Spanned<String>>,
    /// Multiplier applied to the aggregated model level (unit conversion; fixed by the unit
    /// rules for rates, fractions and changes).
    #[serde(default)]
    pub scale: Option<Spanned<f64>>,
    #[serde(default)]
    pub error: ErrorSpec,
    /// Restrict to these episodes (default: every episode).
    #[serde(default)]
    pub episodes: Option<Vec<String>>,
}

/// The error model of a mapping: [`ErrorModel`] (`kind`, `sigma`, `df`, `weight`) plus
/// `share_sigma`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ErrorSpec {
    pub model: ErrorModel,
    /// One σ for this series in every episode of the experiment (estimated jointly from all of
    /// their residuals) instead of one per episode. Only for an estimated σ of normal or
    /// log-normal errors.
    pub share_sigma: bool,
}

impl<'de> Deserialize<'de> for ErrorSpec {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        let mut t = toml::Table::deserialize(d)?;
        let share_sigma = match t.remove("share_sigma") {
            None => false,
            Some(toml::Value::Boolean(b)) => b,
            Some(v) => {
                return Err(D::Error::custom(format!(
                    "share_sigma must be true or false, not {v}"
                )))
            }
        };
        let model = ErrorModel::deserialize(toml::Value::Table(t)).map_err(D::Error::custom)?;
        Ok(ErrorSpec { model, share_sigma })
    }
}

/// `[estimation]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct EstimationSpec {
    pub method: Method,
    /// Latin-hypercube starts besides the parameters' start values.
    pub multistart: usize,
    /// LM iteration limit (`None`: 400 (n + 1)).
    pub max_iterations: Option<usize>,
}

impl Default for EstimationSpec {
    fn default() -> Self {
        EstimationSpec {
            method: Method::Lm,
            multistart: 0,
            max_iterations: None,
        }
    }
}

/// `[uncertainty]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct UncertaintySpec {
    pub level: f64,
    pub profile: bool,
    /// Parametric bootstrap replicates (0: none).
    pub bootstrap: usize,
    pub mcmc: Option<McmcSpec>,
    /// `"small_sample"` (default: Student-t Wald quantile and F-based profile threshold on
    /// the residual degrees of freedom where σ is estimated; Bates & Watts 1988, ch. 6) or
    /// `"large_sample"` (normal quantile and χ²₁). See
    /// [`crate::uncertainty::covariance::IntervalCalibration`].
    pub intervals: IntervalCalibration,
}

impl Default for UncertaintySpec {
    fn default() -> Self {
        UncertaintySpec {
            level: 0.95,
            profile: true,
            bootstrap: 0,
            mcmc: None,
            intervals: IntervalCalibration::default(),
        }
    }
}

/// `[uncertainty.mcmc]`: posterior sampling (see
/// [`crate::uncertainty::sampler`]). The run's summary (`stats.json`, and a warning from the
/// command) says when any parameter has R̂ ≥ 1.01 or bulk ESS ≤ 400.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct McmcSpec {
    /// `"adaptive_metropolis"` (default, the historical sampler), `"dream_zs"` (recommended
    /// for many correlated parameters when the Jacobian covariance is doubtful;
    /// `crates/calibrate/SAMPLERS.md`) or `"ensemble"`
    /// (then `chains` are walkers, at least 2 x the parameters and even).
    pub sampler: Algorithm,
    pub chains: usize,
    /// Iterations per chain, warm-up included (one model evaluation per chain each).
    pub iterations: usize,
    pub warmup: Option<usize>,
    pub thin: usize,
}

impl Default for McmcSpec {
    fn default() -> Self {
        McmcSpec {
            sampler: Algorithm::AdaptiveMetropolis,
            chains: 4,
            iterations: 4000,
            warmup: None,
            thin: 1,
        }
    }
}
