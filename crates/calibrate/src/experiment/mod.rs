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
//! [[mapping]]                        # an observation equation (see `observation`)
//! series = "population"              # episode series
//! variable = "population"            # model output
//! variable_is = "level"              # level | log_level | log_rate | fraction | percent
//! aggregate = "mean"                 # mean | end_of_period | start_of_period | midpoint | integral | december
//! measure = "level"                  # level | percent_change | log_change
//! unit = "persons"                   # the table's unit for the series (checked)
//! transform = "log"                  # comparison scale: level | log | log1p
//! error = { kind = "normal" }        # normal | log_normal | student_t (df) | weighted (weight); sigma optional; share_sigma
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
//! An `[[episode]]` may also set `save_every` (years) for monthly series.
//!
//! **Time.** Episode data are dated in calendar time; model time is decimal years minus the
//! episode's `origin` (see `pressure_data::align`), so the model's time unit must be years.
//! Model output is reduced to each observation's period by the mapping's aggregation (the
//! model must save at least as often as the data are observed) and the whole period must lie
//! inside the run's time span (a growth rate also needs the period before).

pub mod counterfactual;
pub mod density;
pub mod exogenous;
pub mod fit_bands;
pub mod fitted;
pub mod loo;
mod mapping;
pub mod observation;
pub mod outputs;
pub mod paths;
pub mod posterior;
mod predictor;
pub mod prior_sensitivity;
pub mod recovery;
pub mod report;
mod run;
pub mod spec;
mod timeline;
pub mod validation;

pub use predictor::SimPredictor;
pub use report::CalibrationReport;
pub use run::{RunOptions, RunProgress};

use crate::error::CalibrateError;
use crate::objective::Series;
use crate::params::ParamSpec;
use fitted::{FittedParam, HierarchyGroup, NormalPrior, PriorInfo, PriorKind, Role};
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
    /// Files read (experiment, model and its modules, scenarios, episode tables and timelines),
    /// for manifests and the checkpoint fingerprint.
    pub inputs: Vec<PathBuf>,
    pub(crate) params: Vec<FittedParam>,
    pub(crate) episodes: Vec<EpisodeSetup>,
    /// Hierarchy groups (partial pooling of episode-specific values).
    pub hierarchy: Vec<HierarchyGroup>,
    /// Normal priors: pseudo-observations after the data series.
    pub(crate) normal_priors: Vec<NormalPrior>,
    /// Every prior, for reports and manifests.
    pub priors: Vec<PriorInfo>,
    /// Which starts the episodes' steady-state solves try (the selection rule of every fit,
    /// posterior and counterfactual; README "Steady-state uniqueness"): the file's
    /// `[steady] starts` (default: the cascade; `"continuation"` follows the default state's
    /// branch), or one start alone to map the other steady states. Set it before building
    /// predictors.
    pub steady_starts: pressure_sim::SteadyStarts,
}

/// One episode's run and the observations it is compared with.
#[derive(Debug, Clone)]
pub(crate) struct EpisodeSetup {
    pub id: String,
    /// Model inputs the sanction timeline drives (switched off in the counterfactual).
    pub timeline_targets: Vec<String>,
    pub params: SimParams,
    pub exogenous: ExogenousSet,
    pub settings: RunSettings,
    pub mappings: Vec<MappingSetup>,
    /// The data series behind each exogenous driver (`exogenous` of the `[[episode]]`), by the
    /// model input it drives, and whether the validation's ARX benchmark is given it too.
    pub drivers: Vec<(String, pressure_data::episode::EpisodeSeries, bool)>,
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
        Experiment::parse(path, &text)
    }

    /// Validates experiment text as [`Experiment::load`] does a file: `path` names it in
    /// messages and anchors its relative paths (model, tables, scenarios), so it need not exist
    /// (the Python bindings pass experiments given as dicts this way).
    pub fn parse(path: &Path, text: &str) -> Result<Experiment, CalibrateError> {
        let spec: ExperimentFile =
            toml::from_str(text).map_err(|e| input_error(format!("{}: {e}", path.display())))?;
        let loc = Located { path, text };
        if let Some(cf) = &spec.counterfactual {
            if let Some(u) = &cf.until {
                parse_window_date(u, true, path)?;
            }
            if !(cf.level > 0.0 && cf.level < 1.0) {
                return Err(input_error(format!(
                    "{}: [counterfactual] level must be in (0, 1), got {}",
                    path.display(),
                    cf.level
                )));
            }
            if let Some(f) = cf.synth.as_ref().and_then(|s| s.file.as_ref()) {
                let p = path.parent().unwrap_or(Path::new(".")).join(f);
                if !p.exists() {
                    return Err(input_error(format!(
                        "{}: [counterfactual.synth] file {} not found (write it with pressure estimate experiments/estimate/synth_episodes.toml)",
                        path.display(),
                        p.display()
                    )));
                }
            }
        }
        let base = path.parent().unwrap_or(Path::new(".")).to_path_buf();
        let rel = |p: &Path| base.join(p);
        let mut inputs = vec![path.to_path_buf()];

        let model_path = rel(&spec.experiment.model);
        let timeline_targets: std::collections::BTreeSet<String> = spec
            .episodes
            .iter()
            .flat_map(|e| e.timeline.values().chain(e.exogenous.keys()).cloned())
            .collect();
        // Inputs that data drive in some episodes only.
        let partial: std::collections::BTreeSet<String> = spec
            .episodes
            .iter()
            .flat_map(|e| e.exogenous.keys().cloned())
            .filter(|k| spec.episodes.iter().any(|e| !e.exogenous.contains_key(k)))
            .collect();
        let ir = timeline::load_model(&model_path, &timeline_targets, &partial, path)?;
        let model = CompiledModel::compile(&ir).map_err(|e| input_error(e.to_string()))?;
        inputs.push(model_path.clone());
        if let Some(cf) = &spec.counterfactual {
            let mut p = model.default_params();
            for (name, v) in &cf.explicit_set {
                model.set_param(&mut p, name, *v).map_err(|e| {
                    input_error(format!(
                        "{}: [counterfactual] explicit_set `{name}`: {e}",
                        path.display()
                    ))
                })?;
            }
        }
        // Every file the model read (its modules): the checkpoint fingerprint hashes the
        // inputs, so a changed module must refuse to resume a run of the old model.
        for f in ir.sources.files() {
            if !inputs.contains(&f.path) {
                inputs.push(f.path.clone());
            }
        }
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
                None => default_episodes_dir(path),
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

            // Exogenous drivers from data.
            let mut drivers = Vec::new();
            for (target, x) in &es.exogenous {
                if es.timeline.values().any(|t| t == target) {
                    return Err(loc.error(
                        &x.series,
                        format!("episode `{}`: `{target}` is driven both by the sanction timeline and by data", es.id),
                    ));
                }
                let own;
                let (table, file) = match &x.table {
                    Some(t) => {
                        let p = rel(t);
                        own = EpisodeData::read_path(&p).map_err(|e| input_error(e.to_string()))?;
                        inputs.push(p.clone());
                        (&own, p)
                    }
                    None => (&data, table_path.clone()),
                };
                let name = x.series.get_ref();
                let series = table.series(name).map_err(|e| {
                    loc.error(
                        &x.series,
                        format!("episode `{}`, exogenous `{target}`: {e}", es.id),
                    )
                })?;
                if series.unit != *x.unit.get_ref() {
                    return Err(loc.error(
                        &x.unit,
                        format!(
                            "episode `{}`, exogenous `{target}`: unit `{}`, but {} gives series `{name}` in `{}`",
                            es.id,
                            x.unit.get_ref(),
                            file.display(),
                            series.unit
                        ),
                    ));
                }
                let linear = exogenous::is_linear(&x.interpolation)
                    .map_err(|m| loc.error(x.interpolation.as_ref().expect("given"), m))?;
                let scale = exogenous::check_scale(x.scale)
                    .map_err(|e| loc.error(&x.series, e.to_string()))?;
                let label = format!("{}:{name}", file.display());
                let s = exogenous::data_series(series, es.origin, linear, scale, label)
                    .ok_or_else(|| {
                        loc.error(&x.series, format!("series `{name}` has no observations"))
                    })?;
                exogenous.set(&model, target, s).map_err(|e| {
                    loc.error(
                        &x.series,
                        format!("episode `{}`, exogenous `{target}`: {e}", es.id),
                    )
                })?;
                drivers.push((target.clone(), series.clone(), x.arx != Some(false)));
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

            // Holdout and the horizon of counterfactual paths.
            let holdout = match &es.holdout {
                Some(h) => {
                    let (a, b) = (
                        parse_window_date(&h.start, false, path)?,
                        parse_window_date(&h.end, true, path)?,
                    );
                    if window.is_some_and(|(_, w1)| a < w1 - 1e-9) {
                        return Err(input_error(format!(
                            "{}: episode `{}`: the holdout {}..{} must start after the window",
                            path.display(),
                            es.id,
                            h.start,
                            h.end
                        )));
                    }
                    Some((a, b))
                }
                None => None,
            };
            let horizon = window.map(|(a, b)| {
                let mut end = b;
                if let Some((_, h1)) = holdout {
                    end = end.max(h1);
                }
                if let Some(u) = spec.counterfactual.as_ref().and_then(|c| c.until.as_ref()) {
                    if let Ok(u) = parse_window_date(u, true, path) {
                        end = end.max(u);
                    }
                }
                (a, end.min(settings.stop + es.origin))
            });

            // Mappings.
            let ctx = mapping::EpisodeContext {
                id: &es.id,
                model_path: &model_path,
                origin: es.origin,
                settings: &settings,
                window,
                holdout,
                horizon,
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
                timeline_targets: es.timeline.values().cloned().collect(),
                params,
                exogenous,
                settings,
                mappings,
                drivers,
            });
        }

        // Fitted parameters.
        let base = path.parent().unwrap_or(Path::new(".")).to_path_buf();
        let mut params: Vec<FittedParam> = Vec::new();
        let mut hierarchy: Vec<HierarchyGroup> = Vec::new();
        let mut normal_priors: Vec<NormalPrior> = Vec::new();
        let mut priors: Vec<PriorInfo> = Vec::new();
        let mut names = std::collections::HashSet::new();
        let push =
            |params: &mut Vec<FittedParam>, fp: FittedParam| -> Result<usize, CalibrateError> {
                fp.spec
                    .validate()
                    .map_err(|err| input_error(format!("{}: {err}", path.display())))?;
                params.push(fp);
                Ok(params.len() - 1)
            };
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
            let prior = match &p.prior {
                Some(v) => {
                    let (kind, file) =
                        fitted::parse_prior(v.get_ref(), &p.name, &base).map_err(|m| {
                            loc.error(v, format!("[[parameter]] `{}`: prior: {m}", p.name))
                        })?;
                    if let Some(f) = file {
                        inputs.push(f);
                    }
                    Some(kind)
                }
                None => None,
            };
            if let Some(h) = &p.hierarchical {
                let hs = h.get_ref();
                if p.per_episode {
                    return Err(loc.error(
                        h,
                        format!("[[parameter]] `{}`: hierarchical parameters are episode-specific already; drop per_episode", p.name),
                    ));
                }
                fitted::check_hierarchy(hs)
                    .map_err(|e| loc.error(h, format!("[[parameter]] `{}`: {e}", p.name)))?;
                let members: Vec<usize> = match &hs.episodes {
                    Some(list) => {
                        let mut v = Vec::new();
                        for id in list {
                            let e = episodes.iter().position(|e| &e.id == id).ok_or_else(|| {
                                loc.error(h, format!("[[parameter]] `{}`: hierarchical episode `{id}` is not an [[episode]] of this experiment", p.name))
                            })?;
                            v.push(e);
                        }
                        v
                    }
                    None => (0..episodes.len()).collect(),
                };
                if members.len() < 2 {
                    return Err(loc.error(
                        h,
                        format!(
                            "[[parameter]] `{}`: a hierarchy needs at least two episodes",
                            p.name
                        ),
                    ));
                }
                let g = hierarchy.len();
                let mu = push(
                    &mut params,
                    FittedParam {
                        spec: ParamSpec::new(format!("{}:mu", p.name), start, lower, upper),
                        model_indices: vec![],
                        episode: None,
                        prior: None,
                        role: Role::Mean(g),
                    },
                )?;
                attach_prior(&mut params, &mut normal_priors, &mut priors, mu, &prior);
                let tau_upper = hs.tau_upper.unwrap_or(10.0 * hs.tau_scale);
                let tau = push(
                    &mut params,
                    FittedParam {
                        spec: ParamSpec::new(
                            format!("{}:tau", p.name),
                            hs.tau_start.unwrap_or(0.5 * hs.tau_scale),
                            0.0,
                            tau_upper,
                        ),
                        model_indices: vec![],
                        episode: None,
                        prior: None,
                        role: Role::Sd(g),
                    },
                )?;
                normal_priors.push(NormalPrior {
                    param: tau,
                    mean: 0.0,
                    sd: hs.tau_scale,
                });
                priors.push(PriorInfo {
                    parameter: format!("{}:tau", p.name),
                    distribution: format!("half-normal(scale {})", hs.tau_scale),
                    source: "hierarchy of the experiment file".into(),
                    in_estimate: true,
                    mean: hs.tau_scale * (2.0 / std::f64::consts::PI).sqrt(),
                    sd: hs.tau_scale * (1.0 - 2.0 / std::f64::consts::PI).sqrt(),
                });
                let mut member_list = Vec::new();
                for e in members {
                    let j = push(
                        &mut params,
                        FittedParam {
                            spec: ParamSpec::free(
                                format!("{}:eta@{}", p.name, episodes[e].id),
                                0.0,
                            ),
                            model_indices: idx.clone(),
                            episode: Some(e),
                            prior: None,
                            role: Role::Offset(g),
                        },
                    )?;
                    normal_priors.push(NormalPrior {
                        param: j,
                        mean: 0.0,
                        sd: 1.0,
                    });
                    member_list.push((e, j));
                }
                hierarchy.push(HierarchyGroup {
                    name: p.name.clone(),
                    mu,
                    tau,
                    tau_scale: hs.tau_scale,
                    centred: hs.parameterisation == fitted::Parameterisation::Centred,
                    members: member_list,
                });
                continue;
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
                let j = push(
                    &mut params,
                    FittedParam {
                        spec: ParamSpec::new(name, start, lower, upper),
                        model_indices: idx.clone(),
                        episode: e,
                        prior: None,
                        role: Role::Direct,
                    },
                )?;
                attach_prior(&mut params, &mut normal_priors, &mut priors, j, &prior);
            }
        }

        let steady_starts = spec.steady.starts;
        let exp = Experiment {
            path: path.to_path_buf(),
            spec,
            model,
            inputs,
            params,
            episodes,
            hierarchy,
            normal_priors,
            priors,
            steady_starts,
        };
        // Build the simulators once: settings and exogenous series the engine rejects are
        // input errors here, never a failure later.
        SimPredictor::new(&exp).map_err(|e| input_error(e.to_string()))?;
        Ok(exp)
    }

    /// Names of the fitted parameters (per-episode copies as `name@episode`).
    pub fn parameter_names(&self) -> Vec<String> {
        self.params.iter().map(|p| p.spec.name.clone()).collect()
    }

    /// Series of the calibration, episode after episode, mapping after mapping; named
    /// `episode/series`.
    ///
    /// The normal priors follow as pseudo-observations named `prior/<parameter>`: one
    /// observation each, the prior mean, with known σ = the prior sd (see
    /// [`fitted`](fitted)).
    pub(crate) fn series(&self) -> Vec<Series> {
        let mut out: Vec<Series> = self
            .episodes
            .iter()
            .flat_map(|e| {
                e.mappings.iter().map(move |m| Series {
                    name: format!("{}/{}", e.id, m.series),
                    observed: m.observed.clone(),
                    error: m.error.clone(),
                })
            })
            .collect();
        out.extend(self.normal_priors.iter().map(|p| Series {
            name: format!("prior/{}", self.params[p.param].spec.name),
            observed: vec![p.mean],
            error: crate::objective::ErrorModel::Normal { sigma: Some(p.sd) },
        }));
        out
    }

    /// Number of data series (the normal priors' pseudo-series follow them).
    pub fn n_data_series(&self) -> usize {
        self.episodes.iter().map(|e| e.mappings.len()).sum()
    }

    /// The model's value of every hierarchical parameter in every member episode,
    /// `mu + tau eta_e`, named `name@episode`, at fitted values `x`.
    pub fn derived(&self, x: &[f64]) -> Vec<(String, f64)> {
        let mut out = Vec::new();
        for g in &self.hierarchy {
            for &(e, j) in &g.members {
                out.push((
                    format!("{}@{}", g.name, self.episodes[e].id),
                    x[g.mu] + x[g.tau] * x[j],
                ));
            }
        }
        out
    }

    /// The value fitted parameter `j` gives the model in episode `e` (`None` when it sets no
    /// model parameter there): itself, or `mu + tau eta` for a hierarchy offset.
    pub(crate) fn model_value(&self, j: usize, e: usize, x: &[f64]) -> Option<f64> {
        let p = &self.params[j];
        if p.model_indices.is_empty() || p.episode.is_some_and(|pe| pe != e) {
            return None;
        }
        Some(match p.role {
            Role::Offset(g) => {
                let h = &self.hierarchy[g];
                x[h.mu] + x[h.tau] * x[j]
            }
            _ => x[j],
        })
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
        // Prior pseudo-series: known σ, each its own group.
        groups.extend(k..k + self.normal_priors.len());
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

    /// Whether any fitted value has a prior, normal (a pseudo-observation) or not.
    pub fn has_any_prior(&self) -> bool {
        self.has_priors() || !self.normal_priors.is_empty()
    }
}

/// Records the prior of fitted value `j`: a normal prior (or a panel estimate) becomes a
/// pseudo-observation, another distribution an MCMC-only prior, none a flat prior within the
/// bounds; every case is listed in `priors`.
fn attach_prior(
    params: &mut [FittedParam],
    normal_priors: &mut Vec<NormalPrior>,
    priors: &mut Vec<PriorInfo>,
    j: usize,
    prior: &Option<PriorKind>,
) {
    let name = params[j].spec.name.clone();
    match prior {
        Some(PriorKind::Panel { mean, sd, source }) => {
            normal_priors.push(NormalPrior {
                param: j,
                mean: *mean,
                sd: *sd,
            });
            priors.push(PriorInfo {
                parameter: name,
                distribution: fitted::normal_description(*mean, *sd),
                source: format!("panel estimate {source}"),
                in_estimate: true,
                mean: *mean,
                sd: *sd,
            });
        }
        Some(PriorKind::Distribution(d)) => {
            let (m, sd) = fitted::moments(d);
            let normal = matches!(d, Distribution::Normal { .. });
            if let Distribution::Normal { mean, sd } = *d {
                normal_priors.push(NormalPrior { param: j, mean, sd });
            } else {
                params[j].prior = Some(*d);
            }
            priors.push(PriorInfo {
                parameter: name,
                distribution: fitted::describe(d),
                source: "experiment file".into(),
                in_estimate: normal,
                mean: m,
                sd,
            });
        }
        None => {
            let (lo, hi) = (params[j].spec.lower, params[j].spec.upper);
            let (m, sd) = if lo.is_finite() && hi.is_finite() {
                fitted::moments(&Distribution::Uniform { low: lo, high: hi })
            } else {
                (f64::NAN, f64::NAN)
            };
            priors.push(PriorInfo {
                parameter: name,
                distribution: format!("flat on [{lo}, {hi}]"),
                source: "bounds of the experiment file (no prior given)".into(),
                in_estimate: false,
                mean: m,
                sd,
            });
        }
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

/// Where an episode without `dir` or `table` is read from: `data/episodes` in the nearest folder
/// above the experiment file that has one (the repository's, for the experiments kept in it),
/// else `data/episodes` beside the experiment file (whose absence the reader then reports).
/// The path comes from the experiment file, never from where the library was built.
fn default_episodes_dir(experiment: &Path) -> PathBuf {
    let abs = std::path::absolute(experiment).unwrap_or_else(|_| experiment.to_path_buf());
    abs.ancestors()
        .skip(1)
        .map(|d| d.join("data").join("episodes"))
        .find(|d| d.is_dir())
        .unwrap_or_else(|| {
            let here = experiment.parent().unwrap_or_else(|| Path::new("."));
            here.join("data").join("episodes")
        })
}
