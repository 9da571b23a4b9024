//! Calibration experiments: a TOML file that names a model, scenarios, episodes, the mapping
//! of model variables to observed series, the parameters to fit and what uncertainty to
//! compute; [`Experiment::load`] validates it against the model and the data, and
//! [`Experiment::run`] calibrates.
//!
//! ```toml
//! [experiment]
//! name = "logistic_synthetic"
//! model = "logistic.toml"            # relative to this file
//! scenarios = []                     # applied to every episode, in order
//! seed = 1
//!
//! [[episode]]
//! id = "synthetic"
//! table = "synthetic.csv"            # tidy: date,series,value,unit,frequency,source
//! origin = 2000.0                    # decimal year of model time 0
//! window = { start = "2001", end = "2020" }
//! # timeline = { energy = "energy_intensity" }   # sanction channels → exogenous series
//! # set = { onset_time = 5 }                     # episode-specific fixed values
//!
//! [[parameter]]
//! name = "growth_rate"
//! start = 0.3
//! lower = 0.0
//! upper = 2.0
//! prior = { distribution = "lognormal", meanlog = -1.2, sdlog = 0.5 }   # MCMC only
//! # per_episode = true                # one value per episode, named growth_rate@<episode>
//!
//! [[mapping]]
//! variable = "population"            # model output
//! series = "population"              # episode series
//! transform = "log"                  # level | log | growth_rate
//! aggregate = "mean"                 # mean | end_of_period | start_of_period | midpoint | integral
//! error = { kind = "normal" }        # normal | log_normal | student_t (df) | weighted (weight); sigma optional
//!
//! [estimation]
//! method = "lm"                      # lm | nelder_mead | lbfgs | differential_evolution
//! multistart = 20                    # Latin-hypercube starts besides the start values
//!
//! [uncertainty]
//! level = 0.95
//! profile = true
//! bootstrap = 200
//! mcmc = { chains = 4, iterations = 4000 }   # sampler = "adaptive_metropolis" (default) | "dream_zs" | "ensemble"
//! intervals = "small_sample"         # t / F intervals where σ is estimated (default) | large_sample
//! ```
//!
//! **Time.** Episode data are dated in calendar time; model time is decimal years minus the
//! episode's `origin` (see `pressure_data::align`), so the model's time unit must be years.
//! Model output is reduced to each observation's period by the mapping's aggregation (the
//! model must save at least as often as the data are observed) and the whole period must lie
//! inside the run's time span (a growth rate also needs the period before).

mod mapping;
pub mod observation;
mod predictor;
pub mod recovery;
pub mod report;
mod run;
pub mod spec;
mod timeline;

pub use predictor::SimPredictor;
pub use report::CalibrationReport;
pub use run::{RunOptions, RunProgress};

use crate::error::CalibrateError;
use crate::objective::Series;
use crate::params::ParamSpec;
use mapping::MappingSetup;
use pressure_data::align::{Date, Frequency, ObsDate};
use pressure_data::episode::EpisodeData;
use pressure_data::timeline::Timeline;
use pressure_sensitivity::Distribution;
use pressure_sim::{CompiledModel, ExogenousSet, ParamSet as SimParams, RunSettings, Scenario};
use spec::ExperimentFile;
use std::path::{Path, PathBuf};

/// A validated experiment, ready to run.
pub struct Experiment {
    pub path: PathBuf,
    pub spec: ExperimentFile,
    pub model: CompiledModel,
    /// Files read (experiment, model, scenarios, episode tables and timelines), for manifests
    /// and the checkpoint fingerprint.
    pub inputs: Vec<PathBuf>,
    pub(crate) params: Vec<FittedParam>,
    pub(crate) episodes: Vec<EpisodeSetup>,
}

/// One fitted parameter after expansion of `per_episode`.
#[derive(Debug, Clone)]
pub(crate) struct FittedParam {
    pub spec: ParamSpec,
    /// Model parameter indices it sets (several for an arrayed constant).
    pub model_indices: Vec<usize>,
    /// `None`: shared by every episode; `Some(e)`: only episode `e`.
    pub episode: Option<usize>,
    pub prior: Option<Distribution>,
}

/// One episode's run and the observations it is compared with.
#[derive(Debug, Clone)]
pub(crate) struct EpisodeSetup {
    pub id: String,
    pub params: SimParams,
    pub exogenous: ExogenousSet,
    pub settings: RunSettings,
    pub mappings: Vec<MappingSetup>,
}

fn input_error(msg: impl Into<String>) -> CalibrateError {
    CalibrateError::InvalidInput(msg.into())
}

/// The experiment file's path and text, to point errors at a line and column.
pub(crate) struct Located<'a> {
    pub path: &'a Path,
    pub text: &'a str,
}

impl Located<'_> {
    /// An input error `file:line:column: message` at byte offset `span.start`.
    pub fn error_at(&self, span: std::ops::Range<usize>, msg: impl Into<String>) -> CalibrateError {
        let (line, col) = pressure_data::error::line_col(self.text, span.start);
        input_error(format!(
            "{}:{line}:{col}: {}",
            self.path.display(),
            msg.into()
        ))
    }

    /// An input error at a spanned value of the file.
    pub fn error<T>(&self, at: &toml::Spanned<T>, msg: impl Into<String>) -> CalibrateError {
        self.error_at(at.span(), msg)
    }
}

fn parse_window_date(s: &str, end: bool, file: &Path) -> Result<f64, CalibrateError> {
    let bad = || {
        input_error(format!(
            "{}: window date `{s}` is not YYYY, YYYY-MM or YYYY-MM-DD",
            file.display()
        ))
    };
    let obs = if s.len() == 4 {
        ObsDate::parse(s, Frequency::Annual)
    } else if s.len() == 7 {
        ObsDate::parse(s, Frequency::Monthly)
    } else {
        Date::parse(s).map(|d| ObsDate {
            start: d,
            frequency: Frequency::Daily,
        })
    }
    .ok_or_else(bad)?;
    let (a, b) = obs.period();
    Ok(if end { b } else { a })
}

fn is_year_unit(u: &str) -> bool {
    matches!(
        u.trim().to_lowercase().as_str(),
        "year" | "years" | "yr" | "yrs" | "a" | "annum"
    )
}

impl Experiment {
    /// Reads and validates an experiment file. Every error is an input error
    /// ([`CalibrateError::InvalidInput`]) naming the file and what is wrong.
    pub fn load(path: &Path) -> Result<Experiment, CalibrateError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| input_error(format!("cannot read {}: {e}", path.display())))?;
        let spec: ExperimentFile =
            toml::from_str(&text).map_err(|e| input_error(format!("{}: {e}", path.display())))?;
        let loc = Located { path, text: &text };
        let base = path.parent().unwrap_or(Path::new(".")).to_path_buf();
        let rel = |p: &Path| base.join(p);
        let mut inputs = vec![path.to_path_buf()];

        let model_path = rel(&spec.experiment.model);
        let timeline_targets: std::collections::BTreeSet<String> = spec
            .episodes
            .iter()
            .flat_map(|e| e.timeline.values().cloned())
            .collect();
        let ir = timeline::load_model(&model_path, &timeline_targets, path)?;
        let model = CompiledModel::compile(&ir).map_err(|e| input_error(e.to_string()))?;
        inputs.push(model_path.clone());
        if let Some(u) = &ir.settings.time_units {
            if !is_year_unit(u) && !spec.episodes.is_empty() {
                return Err(input_error(format!(
                    "{}: the model's time unit is `{u}`, but episode data are dated in years; calibration against episodes needs a model in years",
                    model_path.display()
                )));
            }
        }

        if spec.episodes.is_empty() {
            return Err(input_error(format!(
                "{}: no [[episode]] to calibrate against",
                path.display()
            )));
        }
        if spec.parameters.is_empty() {
            return Err(input_error(format!(
                "{}: no [[parameter]] to fit",
                path.display()
            )));
        }
        if spec.mappings.is_empty() {
            return Err(input_error(format!(
                "{}: no [[mapping]] of a model variable to a data series",
                path.display()
            )));
        }
        let mut seen = std::collections::HashSet::new();
        for e in &spec.episodes {
            if !seen.insert(e.id.as_str()) {
                return Err(input_error(format!(
                    "{}: episode `{}` is listed twice",
                    path.display(),
                    e.id
                )));
            }
        }

        // Scenarios shared by every episode.
        let mut shared_scenarios = Vec::new();
        for s in &spec.experiment.scenarios {
            let p = rel(s);
            shared_scenarios.push(Scenario::load(&p).map_err(|e| input_error(e.to_string()))?);
            inputs.push(p);
        }

        // Model parameter indices of each fitted parameter.
        let resolve_param = |name: &str| -> Result<Vec<usize>, CalibrateError> {
            let mut probe = model.default_params();
            model.set_param(&mut probe, name, f64::NAN).map_err(|e| {
                input_error(format!("{}: [[parameter]] `{name}`: {e}", path.display()))
            })?;
            Ok((0..probe.len()).filter(|i| probe[*i].is_nan()).collect())
        };

        let mut episodes = Vec::new();
        for (ei, es) in spec.episodes.iter().enumerate() {
            let dir = match &es.dir {
                Some(d) => rel(d),
                None => pressure_data::data_dir().join("episodes"),
            };
            let (table_path, timeline_path) = match &es.table {
                Some(t) => (rel(t), es.timeline_file.as_ref().map(|t| rel(t))),
                None => (
                    dir.join(format!("{}.csv", es.id)),
                    Some(
                        es.timeline_file
                            .as_ref()
                            .map(|t| rel(t))
                            .unwrap_or_else(|| dir.join(format!("{}.toml", es.id))),
                    ),
                ),
            };
            let data =
                EpisodeData::read_path(&table_path).map_err(|e| input_error(e.to_string()))?;
            inputs.push(table_path.clone());
            let timeline = match &timeline_path {
                Some(p) => {
                    let t = Timeline::read_path(p).map_err(|e| input_error(e.to_string()))?;
                    inputs.push(p.clone());
                    Some(t)
                }
                None => None,
            };

            // Run setup: defaults, shared scenarios, episode scenarios, `set`.
            let mut params = model.default_params();
            let mut exogenous = model.default_exogenous();
            let mut settings = model.default_settings();
            for sc in &shared_scenarios {
                sc.apply(&model, &mut params, &mut exogenous, &mut settings)
                    .map_err(|e| input_error(e.to_string()))?;
            }
            for s in &es.scenarios {
                let p = rel(s);
                let sc = Scenario::load(&p).map_err(|e| input_error(e.to_string()))?;
                sc.apply(&model, &mut params, &mut exogenous, &mut settings)
                    .map_err(|e| input_error(e.to_string()))?;
                inputs.push(p);
            }
            for (name, value) in &es.set {
                model.set_param(&mut params, name, *value).map_err(|e| {
                    input_error(format!(
                        "{}: episode `{}`, set `{name}`: {e}",
                        path.display(),
                        es.id
                    ))
                })?;
            }
            if es.start.is_some() || es.stop.is_some() || es.save_every.is_some() {
                settings = settings.clone().with_span(
                    es.start.unwrap_or(settings.start),
                    es.stop.unwrap_or(settings.stop),
                );
                if let Some(s) = es.save_every {
                    settings = settings.with_save_every(s);
                }
                settings.validate().map_err(|e| {
                    input_error(format!("{}: episode `{}`: {e}", path.display(), es.id))
                })?;
            }
            for (key, exo_name) in &es.timeline {
                let Some(t) = &timeline else {
                    return Err(input_error(format!(
                        "{}: episode `{}` maps timeline channels but has no timeline file",
                        path.display(),
                        es.id
                    )));
                };
                let (channel, part) = timeline::parse_key(key).ok_or_else(|| {
                    input_error(format!(
                        "{}: episode `{}`: `{key}` is not a sanction channel (trade, finance, energy, targeted, aid, optionally with _coverage or _pressure)",
                        path.display(),
                        es.id
                    ))
                })?;
                let series =
                    timeline::channel_series(t, channel, part, es.origin, settings.start, key);
                exogenous.set(&model, exo_name, series).map_err(|e| {
                    input_error(format!(
                        "{}: episode `{}`, timeline `{key}`: {e}",
                        path.display(),
                        es.id
                    ))
                })?;
            }

            // Window in decimal years.
            let window = match (&es.window, &timeline) {
                (Some(w), _) => Some((
                    parse_window_date(&w.start, false, path)?,
                    parse_window_date(&w.end, true, path)?,
                )),
                (None, Some(t)) => Some((
                    t.episode.window.0.decimal_year(),
                    t.episode.window.1.next_day().decimal_year(),
                )),
                (None, None) => None,
            };
            // An explicit window is a claim about what is calibrated: it must lie inside the
            // run (a window running past the data would otherwise pass silently).
            if let (Some(w), Some((from, to))) = (&es.window, window) {
                let (t0, t1) = (settings.start + es.origin, settings.stop + es.origin);
                if from < t0 - 1e-9 || to > t1 + 1e-9 {
                    return Err(input_error(format!(
                        "{}: episode `{}`: window {}..{} (decimal years {from:.4}..{to:.4}) is outside the model's time span {t0:.4}..{t1:.4} (model time {}..{} plus origin {}); set start/stop in the [[episode]] or a narrower window",
                        path.display(),
                        es.id,
                        w.start,
                        w.end,
                        settings.start,
                        settings.stop,
                        es.origin
                    )));
                }
            }

            // Mappings.
            let ctx = mapping::EpisodeContext {
                id: &es.id,
                model_path: &model_path,
                origin: es.origin,
                settings: &settings,
                window,
            };
            let mut mappings = Vec::new();
            for m in &spec.mappings {
                if let Some(list) = &m.episodes {
                    if !list.contains(&es.id) {
                        continue;
                    }
                }
                let name = m.series.get_ref();
                let series = data.series(name).map_err(|e| {
                    loc.error(
                        &m.series,
                        format!("[[mapping]] series `{name}`, episode `{}`: {e}", es.id),
                    )
                })?;
                mappings.push(mapping::setup(
                    m,
                    &model,
                    series,
                    &table_path.display().to_string(),
                    &ctx,
                    &loc,
                )?);
            }
            if mappings.is_empty() {
                return Err(input_error(format!(
                    "{}: no [[mapping]] applies to episode `{}`",
                    path.display(),
                    es.id
                )));
            }
            let _ = ei;
            episodes.push(EpisodeSetup {
                id: es.id.clone(),
                params,
                exogenous,
                settings,
                mappings,
            });
        }

        // Fitted parameters.
        let mut params = Vec::new();
        let mut names = std::collections::HashSet::new();
        for p in &spec.parameters {
            if !names.insert(p.name.as_str()) {
                return Err(input_error(format!(
                    "{}: [[parameter]] `{}` is listed twice",
                    path.display(),
                    p.name
                )));
            }
            let idx = resolve_param(&p.name)?;
            for es in &spec.episodes {
                if es.set.contains_key(&p.name) {
                    return Err(input_error(format!(
                        "{}: `{}` is both fitted and fixed by episode `{}`'s `set`",
                        path.display(),
                        p.name,
                        es.id
                    )));
                }
            }
            let default = model.default_params()[idx[0]];
            let start = p.start.unwrap_or(default);
            let lower = p.lower.unwrap_or(f64::NEG_INFINITY);
            let upper = p.upper.unwrap_or(f64::INFINITY);
            if let Some(prior) = &p.prior {
                prior
                    .validated(&p.name)
                    .map_err(|e| input_error(format!("{}: prior: {e}", path.display())))?;
            }
            let copies: Vec<Option<usize>> = if p.per_episode {
                (0..episodes.len()).map(Some).collect()
            } else {
                vec![None]
            };
            for e in copies {
                let name = match e {
                    Some(e) => format!("{}@{}", p.name, episodes[e].id),
                    None => p.name.clone(),
                };
                let ps = ParamSpec::new(name, start, lower, upper);
                ps.validate()
                    .map_err(|err| input_error(format!("{}: {err}", path.display())))?;
                params.push(FittedParam {
                    spec: ps,
                    model_indices: idx.clone(),
                    episode: e,
                    prior: p.prior,
                });
            }
        }

        let exp = Experiment {
            path: path.to_path_buf(),
            spec,
            model,
            inputs,
            params,
            episodes,
        };
        // Build the simulators once: settings and exogenous series the engine rejects are
        // input errors here, never a failure later.
        SimPredictor::new(&exp).map_err(|e| input_error(e.0))?;
        Ok(exp)
    }

    /// Names of the fitted parameters (per-episode copies as `name@episode`).
    pub fn parameter_names(&self) -> Vec<String> {
        self.params.iter().map(|p| p.spec.name.clone()).collect()
    }

    /// Series of the calibration, episode after episode, mapping after mapping; named
    /// `episode/series`.
    pub(crate) fn series(&self) -> Vec<Series> {
        self.episodes
            .iter()
            .flat_map(|e| {
                e.mappings.iter().map(move |m| Series {
                    name: format!("{}/{}", e.id, m.series),
                    observed: m.observed.clone(),
                    error: m.error.clone(),
                })
            })
            .collect()
    }

    /// σ group of every series of [`Experiment::series`]: a mapping with `share_sigma` puts a
    /// series in one group with the same series of every other episode.
    pub(crate) fn sigma_groups(&self) -> Vec<usize> {
        let mut groups = Vec::new();
        let mut shared: Vec<(&str, usize)> = Vec::new();
        let mut k = 0;
        for e in &self.episodes {
            for m in &e.mappings {
                let g = if m.share_sigma {
                    match shared.iter().find(|(s, _)| *s == m.series) {
                        Some((_, g)) => *g,
                        None => {
                            shared.push((&m.series, k));
                            k
                        }
                    }
                } else {
                    k
                };
                groups.push(g);
                k += 1;
            }
        }
        groups
    }

    /// Log prior density of external parameter values (sum over parameters with a prior).
    pub fn log_prior(&self, x: &[f64]) -> f64 {
        self.params
            .iter()
            .zip(x)
            .map(|(p, v)| p.prior.as_ref().map_or(0.0, |pr| prior_ln_pdf(pr, *v)))
            .sum()
    }

    /// The exogenous series of an episode's runs (model defaults, scenarios, then its sanction
    /// timeline); `None` for an unknown episode id.
    pub fn episode_exogenous(&self, id: &str) -> Option<&ExogenousSet> {
        self.episodes
            .iter()
            .find(|e| e.id == id)
            .map(|e| &e.exogenous)
    }

    /// Whether any parameter has a prior.
    pub fn has_priors(&self) -> bool {
        self.params.iter().any(|p| p.prior.is_some())
    }
}

/// Log density of a prior at `x` (`−∞` outside its support).
pub fn prior_ln_pdf(d: &Distribution, x: f64) -> f64 {
    use statrs::distribution::{ContinuousCDF, Normal};
    let ln_sqrt_2pi = 0.5 * (2.0 * std::f64::consts::PI).ln();
    let normal_ln = |z: f64, sd: f64| -0.5 * z * z - sd.ln() - ln_sqrt_2pi;
    match *d {
        Distribution::Uniform { low, high } => {
            if (low..=high).contains(&x) {
                -(high - low).ln()
            } else {
                f64::NEG_INFINITY
            }
        }
        Distribution::Normal { mean, sd } => normal_ln((x - mean) / sd, sd),
        Distribution::LogNormal { meanlog, sdlog } => {
            if x <= 0.0 {
                f64::NEG_INFINITY
            } else {
                normal_ln((x.ln() - meanlog) / sdlog, sdlog) - x.ln()
            }
        }
        Distribution::Triangular { low, mode, high } => {
            if !(low..=high).contains(&x) {
                return f64::NEG_INFINITY;
            }
            let dens = if x < mode {
                2.0 * (x - low) / ((high - low) * (mode - low))
            } else if x > mode {
                2.0 * (high - x) / ((high - low) * (high - mode))
            } else {
                2.0 / (high - low)
            };
            dens.ln()
        }
        Distribution::TruncatedNormal {
            mean,
            sd,
            low,
            high,
        } => {
            if !(low..=high).contains(&x) {
                return f64::NEG_INFINITY;
            }
            let n = Normal::standard();
            let mass = n.cdf((high - mean) / sd) - n.cdf((low - mean) / sd);
            normal_ln((x - mean) / sd, sd) - mass.ln()
        }
    }
}
