//! Estimation specifications: a TOML file naming the data, the sample, and one or more models
//! (`[[model]]`), run by [`run_spec_file`] into a [`Report`] that renders as CSV, JSON and a
//! LaTeX table. `pressure estimate SPEC.toml --out DIR` is a thin layer over this module.
//!
//! ```toml
//! title = "Growth effect of UN and unilateral US sanctions"
//! data = "../../data/panel"            # a CSV file or a panel directory (with columns.csv);
//!                                      # paths are relative to the spec file
//! filter = "year >= 1960 && year <= 2019"   # pressure_data filter language (optional)
//! panel = { unit = "iso3", time = "year" }  # needed by lag()/lead(), event studies, panel LPs
//! level = 0.95                          # confidence level (default 0.95)
//! stars = true                          # significance stars in the LaTeX table (default true)
//!
//! [[model]]
//! name = "TWFE"
//! estimator = "fe"                      # ols | fe | logit | probit | event_study | lp | var |
//!                                       # cox | weibull | km | synth | ipw
//! formula = "gdppc_growth_pct ~ sanc_un + sanc_us_unilateral | iso3 + year"
//! se = "cluster"                        # classical | hc0 | hc1 | hc2 | hc3 | cluster |
//!                                       # newey_west | driscoll_kraay
//! cluster = ["iso3"]
//! correction = "cr1-nested"             # see ClusterCorrection (default cr1-nested)
//!
//! [[compare]]                           # published figures to print next to the estimates
//! model = "TWFE"
//! term = "sanc_un"
//! low = -3.5
//! high = -2.3
//! source = "Neuenkirch & Neumeier (2015), Table 2"
//! ```
//!
//! The formula language is described in [`formula`]. Rows with a missing value in any column a
//! model uses are dropped (listwise) and counted. Estimator-specific keys are documented on
//! [`ModelSpec`]. Bad input is an error before anything is estimated: an unknown column (with
//! the closest name suggested), a non-numeric value in a numeric column (file, row, column), a
//! filter that leaves no rows, a cluster variable with one cluster, collinear regressors when
//! `drop_collinear = false` (otherwise they are dropped and listed), a survival spell that ends
//! before it starts (row named).

pub mod formula;
mod frame;
mod render;
mod run;

pub use render::{latex_escape, Decomposition, DecompositionStep, Report};
pub use run::ModelReport;

use crate::error::{EconError, Result};
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// A specification file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Spec {
    /// Title of the results (`results.md`, tables); the file name when absent.
    pub title: Option<String>,
    /// What the spec estimates and why, in words.
    pub description: Option<String>,
    /// CSV file or panel directory, relative to the spec file.
    pub data: String,
    /// Left-join columns from another table (e.g. panel covariates onto leader-years).
    pub join: Option<JoinSpec>,
    /// Row filter applied to every model.
    pub filter: Option<String>,
    /// The unit and time columns, for panel estimators and clustering by unit.
    pub panel: Option<PanelKeys>,
    /// Confidence level of every interval (default 0.95).
    #[serde(default = "default_level")]
    pub level: f64,
    /// Significance stars in the LaTeX tables (default true).
    #[serde(default = "default_true")]
    pub stars: bool,
    /// Seed of stochastic steps (VAR bootstrap); `--seed` overrides it.
    pub seed: Option<u64>,
    /// The `[[model]]` entries, estimated in order.
    #[serde(default)]
    pub model: Vec<ModelSpec>,
    /// The `[[compare]]` entries: published figures set beside the estimates.
    #[serde(default)]
    pub compare: Vec<Comparison>,
    /// The `[[decomposition]]` entries.
    #[serde(default)]
    pub decomposition: Vec<DecompositionSpec>,
}

/// One estimate followed across models that each change one design choice (a replication's
/// decomposition): written as `decomposition_<name>.csv` and drawn as a coefficient plot.
///
/// ```toml
/// [[decomposition]]
/// name = "un"
/// title = "UN sanctions: from the original specification to Neuenkirch & Neumeier's"
/// low = -3.5            # the published range (optional)
/// high = -2.3
/// source = "Neuenkirch & Neumeier (2015)"
/// rows = [
///   { label = "D0 any UN case", model = "D0 original", term = "sanc_un" },
///   { label = "D1 economic only", model = "D1 economic", term = "sanc_un_economic" },
/// ]
/// ```
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct DecompositionSpec {
    /// File-name part: letters, digits, `-` and `_`.
    pub name: String,
    /// Figure and table title.
    pub title: Option<String>,
    /// Low end of the published range, in the estimate's units (drawn as a band).
    pub low: Option<f64>,
    /// High end of the published range.
    pub high: Option<f64>,
    /// The publication the range comes from.
    pub source: Option<String>,
    /// The steps, in order.
    pub rows: Vec<DecompositionRow>,
}

/// One step of a decomposition.
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct DecompositionRow {
    /// The step's label in the table and figure.
    pub label: String,
    /// The model (its `name`) whose estimate this step shows.
    pub model: String,
    /// The term of that model.
    pub term: String,
}

fn default_level() -> f64 {
    0.95
}

fn default_true() -> bool {
    true
}

/// The unit and time columns of a panel.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PanelKeys {
    /// The unit column (e.g. `iso3`).
    pub unit: String,
    /// The time column (e.g. `year`), whole numbers.
    pub time: String,
}

/// A table joined onto the data (left join on `on`; the columns the models need and the data
/// lacks are taken from it).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JoinSpec {
    /// CSV file or panel directory, relative to the spec file.
    pub data: String,
    /// The key columns both tables have.
    pub on: Vec<String>,
}

/// A published figure to compare an estimate with.
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Comparison {
    /// The model (its `name`) whose estimate is compared.
    pub model: String,
    /// The term of that model.
    pub term: String,
    /// Published point estimate, or a range `low`–`high`.
    pub value: Option<f64>,
    /// Low end of the published range.
    pub low: Option<f64>,
    /// High end of the published range.
    pub high: Option<f64>,
    /// The publication (author, year, table).
    pub source: String,
    /// Why the numbers may differ (sample, definitions).
    pub note: Option<String>,
}

/// One model of a spec. Unknown keys are rejected (with the line of the spec); keys that
/// belong to other estimators are ignored.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelSpec {
    /// The model's name in tables, comparisons and `priors.json` (`(i)` when absent).
    pub name: Option<String>,
    /// Which estimator runs the model.
    pub estimator: Estimator,
    /// `y ~ x1 + x2 | fe1 + fe2` (or `Surv(start, stop, event) ~ ...`); not for `var`.
    pub formula: Option<String>,
    /// Extra filter for this model (ANDed with the spec's).
    pub filter: Option<String>,
    /// Variance estimator (default: classical; cluster when `cluster` is given; event
    /// studies and panel LPs cluster by unit).
    pub se: Option<SeKind>,
    /// Cluster variables (several for multiway clustering).
    #[serde(default)]
    pub cluster: Vec<String>,
    /// Small-sample correction of clustered errors (default CR1 with nested fixed effects).
    pub correction: Option<crate::vcov::ClusterCorrection>,
    /// Degrees of freedom of multiway clustering (default: the smallest cluster count).
    pub multiway: Option<crate::vcov::MultiwayDf>,
    /// Lags of Newey–West / Driscoll–Kraay.
    pub hac_lags: Option<usize>,
    /// Drop collinear regressors and list them (default), or refuse.
    pub drop_collinear: Option<bool>,
    /// What one unit of an estimate means, written into `priors.json` (default: "units of
    /// `y`", "log hazard ratio of `event`", ...).
    pub dependent_units: Option<String>,
    // survival
    /// Cox: handling of tied event times (default Efron).
    pub ties: Option<crate::survival::Ties>,
    /// Cox: a column whose groups get their own baseline hazard.
    pub strata: Option<String>,
    /// Kaplan–Meier: one curve per value of this column.
    pub by: Option<String>,
    // event study
    /// 0/1 treatment indicator; the cohort is its first year with 1 per unit.
    pub treatment: Option<String>,
    /// Or the cohort (first treated period) directly; missing or 0 = never treated.
    pub cohort: Option<String>,
    /// Relative periods `[first, last]` estimated (default: all in the data).
    pub window: Option<[i64; 2]>,
    /// Estimator of the effects (default Sun–Abraham).
    pub method: Option<crate::event_study::EventMethod>,
    /// What happens to periods outside the window (default: binned at the ends).
    pub endpoints: Option<crate::event_study::Endpoints>,
    /// Report the equal-weight average of the effects at relative times 0..=K (`avg_p0_pK`).
    pub average_post: Option<i64>,
    // local projections
    /// LP: the shock column.
    pub shock: Option<String>,
    /// LP: horizons 0..=H estimated (default 8).
    pub horizons: Option<usize>,
    /// LP: lags of outcome and shock as controls (default 2); VAR: a fixed lag order.
    pub lags: Option<usize>,
    /// LP: the outcome at the horizon, `y_{t+h}` (default) or the change `y_{t+h} − y_{t−1}`.
    pub response: Option<crate::lp::LpResponse>,
    /// LP: time fixed effects (default true).
    pub time_effects: Option<bool>,
    // VAR
    /// VAR: the endogenous variables, in order.
    pub variables: Option<Vec<String>>,
    /// `"aic"`, `"bic"`, `"hqic"` (with `max_lags`) or a fixed number via `lags`.
    pub lag_selection: Option<String>,
    /// VAR: the largest lag order tried by `lag_selection` (default 4).
    pub max_lags: Option<usize>,
    /// VAR: impulse responses for horizons 0..=H (default 10).
    pub irf_horizon: Option<usize>,
    /// VAR: bootstrap replications of the response bands (none when absent); IPW: bootstrap
    /// replications of the standard errors (default 199).
    pub bootstrap: Option<usize>,
    /// VAR: level of the bootstrap response bands (default 0.9).
    pub band_level: Option<f64>,
    // synthetic control
    /// Synth: the treated unit.
    pub treated: Option<String>,
    /// Synth: the first treated period.
    pub treatment_time: Option<f64>,
    /// Synth: the donor units (default: every other unit).
    pub donors: Option<Vec<String>>,
    /// Synth: covariates averaged over the pre-treatment years as predictors.
    pub covariates: Option<Vec<String>>,
    /// Synth: how predictors are weighted (default equal).
    pub predictor_weights: Option<crate::synth::PredictorWeights>,
    /// Pre-treatment years whose outcomes are predictors (default: every pre-treatment year).
    pub predictor_years: Option<Vec<i64>>,
    /// Synth: run the placebo-in-space inference (default true).
    pub placebo: Option<bool>,
    // inverse-probability weighting
    /// Propensities are clipped to `[trim, 1 − trim]` (default 0.001).
    pub trim: Option<f64>,
}

/// The estimators a spec can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Estimator {
    /// `ols`: least squares ([`crate::ols()`]). The default.
    #[default]
    Ols,
    /// `fe`: least squares absorbing the fixed effects after `|` ([`crate::within()`]).
    Fe,
    /// `logit`: logistic regression of a 0/1 outcome ([`crate::binary()`]).
    Logit,
    /// `probit`: probit regression of a 0/1 outcome ([`crate::binary()`]).
    Probit,
    /// `event_study`: effects by time relative to treatment ([`crate::event_study()`]).
    EventStudy,
    /// `lp`: local projections of the outcome on a shock ([`crate::lp`]).
    Lp,
    /// `var`: a vector autoregression on `variables` ([`crate::var()`]).
    Var,
    /// `cox`: Cox proportional hazards on `Surv(...)` spells ([`crate::survival`]).
    Cox,
    /// `weibull`: Weibull proportional hazards on `Surv(...)` spells.
    Weibull,
    /// `km`: Kaplan–Meier survival curves, by group with `by`.
    Km,
    /// `synth`: synthetic control of the `treated` unit ([`crate::synth`]).
    Synth,
    /// Inverse-probability-weighted effect on the treated ([`crate::selection`]).
    Ipw,
}

impl Estimator {
    /// The name a spec gives it (`estimator = "..."`), as `results.json` writes it.
    pub fn name(self) -> &'static str {
        match self {
            Estimator::Ols => "ols",
            Estimator::Fe => "fe",
            Estimator::Logit => "logit",
            Estimator::Probit => "probit",
            Estimator::EventStudy => "event_study",
            Estimator::Lp => "lp",
            Estimator::Var => "var",
            Estimator::Cox => "cox",
            Estimator::Weibull => "weibull",
            Estimator::Km => "km",
            Estimator::Synth => "synth",
            Estimator::Ipw => "ipw",
        }
    }
}

/// Variance estimator names in specs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SeKind {
    /// Homoskedastic errors (least squares) or inverse information (likelihood).
    Classical,
    /// White's heteroskedasticity-robust HC0.
    Hc0,
    /// HC0 times `N/(N − k)`.
    Hc1,
    /// HC2, leverage-adjusted (least squares only).
    Hc2,
    /// HC3, jackknife-like (least squares only).
    Hc3,
    /// HC0 for likelihood models (each observation its own cluster).
    Robust,
    /// Clustered by the `cluster` variables (one-way or multiway).
    Cluster,
    /// Newey–West HAC for a time series, `hac_lags` lags.
    NeweyWest,
    /// Driscoll–Kraay HAC for panels (cross-sectional dependence), `hac_lags` lags.
    DriscollKraay,
}

/// Values that override a spec from the command line.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    /// `--seed`: replaces the spec's `seed`.
    pub seed: Option<u64>,
}

/// Reads and checks a spec file (TOML errors carry the line and column).
pub fn load_spec(path: &Path) -> Result<Spec> {
    let file = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| EconError::Spec {
        file: file.clone(),
        message: format!("cannot read: {e}"),
    })?;
    let spec: Spec = toml::from_str(&text).map_err(|e| EconError::Spec {
        file: file.clone(),
        message: toml_message(&text, &e),
    })?;
    if spec.model.is_empty() {
        return Err(EconError::Spec {
            file,
            message: "no [[model]] table: a spec needs at least one model".into(),
        });
    }
    if !(0.0 < spec.level && spec.level < 1.0) {
        return Err(EconError::Spec {
            file,
            message: format!("level = {} must be between 0 and 1", spec.level),
        });
    }
    let mut names: Vec<String> = vec![];
    for (i, m) in spec.model.iter().enumerate() {
        let n = model_name(m, i);
        if names.contains(&n) {
            return Err(EconError::Spec {
                file,
                message: format!("two models are named `{n}`"),
            });
        }
        names.push(n);
    }
    for c in &spec.compare {
        if !names.contains(&c.model) {
            return Err(EconError::Spec {
                file,
                message: format!(
                    "[[compare]] names model `{}`, but the models are: {}",
                    c.model,
                    names.join(", ")
                ),
            });
        }
    }
    for d in &spec.decomposition {
        if d.name.is_empty()
            || !d
                .name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            return Err(EconError::Spec {
                file,
                message: format!(
                    "[[decomposition]] name `{}`: use letters, digits, `-` and `_` (it names a file)",
                    d.name
                ),
            });
        }
        if d.rows.is_empty() {
            return Err(EconError::Spec {
                file,
                message: format!("[[decomposition]] `{}` has no rows", d.name),
            });
        }
        for r in &d.rows {
            if !names.contains(&r.model) {
                return Err(EconError::Spec {
                    file,
                    message: format!(
                        "[[decomposition]] `{}`: row `{}` names model `{}`, but the models are: {}",
                        d.name,
                        r.label,
                        r.model,
                        names.join(", ")
                    ),
                });
            }
        }
    }
    Ok(spec)
}

fn toml_message(text: &str, e: &toml::de::Error) -> String {
    match e.span() {
        Some(span) => {
            let before = &text[..span.start.min(text.len())];
            let line = before.matches('\n').count() + 1;
            let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
            format!("line {line}, column {col}: {}", e.message())
        }
        None => e.message().to_string(),
    }
}

/// The display name of model `i`.
pub(crate) fn model_name(m: &ModelSpec, i: usize) -> String {
    m.name.clone().unwrap_or_else(|| format!("({})", i + 1))
}

/// Loads a spec and runs every model in it.
pub fn run_spec_file(path: &Path, overrides: &Overrides) -> Result<Report> {
    let spec = load_spec(path)?;
    let base = path.parent().map(Path::to_path_buf).unwrap_or_default();
    run::run(&spec, path, &base, overrides)
}

/// A data path relative to the spec file.
pub(crate) fn resolve(base: &Path, p: &str) -> PathBuf {
    let p = Path::new(p);
    if p.is_absolute() {
        p.to_path_buf()
    } else {
        base.join(p)
    }
}

#[cfg(test)]
mod estimator_name_tests {
    use super::Estimator;

    /// `Estimator::name` is the name specs and `results.json` use (serde's), for every kind.
    #[test]
    fn names_are_the_serde_names() {
        for e in [
            Estimator::Ols,
            Estimator::Fe,
            Estimator::Logit,
            Estimator::Probit,
            Estimator::EventStudy,
            Estimator::Lp,
            Estimator::Var,
            Estimator::Cox,
            Estimator::Weibull,
            Estimator::Km,
            Estimator::Synth,
            Estimator::Ipw,
        ] {
            assert_eq!(serde_json::to_value(e).unwrap(), e.name());
        }
    }
}
