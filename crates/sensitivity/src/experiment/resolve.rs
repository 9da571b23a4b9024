//! Resolving an experiment against its model: how the TOML file, the compiled model and the
//! parameter ranges become one [`Prepared`] experiment (parameter space, outputs, method),
//! every problem located at the experiment file's line and column.

use super::file::{GroupEntry, OutputEntry, ParameterEntry, SeriesEntry};
use super::prepared::{
    Column, FactorGroups, Labels, Method, Prepared, RunSpec, Sampler, ScalarOutput,
    ScalarStatistic, SeriesOutput, Transform,
};
use super::statistic::Direction;
use super::{sha256_hex, Experiment, ExperimentError};
use crate::design::MorrisDesign;
use crate::distribution::Distribution;
use crate::engine::OnFailure;
use crate::error::SensitivityError;
use crate::space::Parameter;
use pressure_sim::{CompiledModel, RunSettings, Scenario, SimError};
use serde_spanned::Spanned;
use std::path::Path;

/// Builds a distribution from its fields in the order the kind lists them.
type BuildDistribution = fn(&[f64]) -> Distribution;

fn kind_list() -> String {
    "sobol, morris, montecarlo or oat".to_string()
}

impl Experiment {
    /// Loads and compiles the model, applies the scenarios and resolves parameters, outputs
    /// and method. Every problem points at the experiment file's line and column.
    pub fn prepare(&self) -> Result<Prepared, ExperimentError> {
        let f = &self.file;
        let model_path = self.resolve_path(f.experiment.model.get_ref());
        if !model_path.exists() {
            return Err(self.error_at(
                f.experiment.model.span(),
                format!("model file {} does not exist", model_path.display()),
                Some("the path is relative to the experiment file".into()),
            ));
        }
        // TOML or Vensim .mdl (pressure_interop picks the reader by extension).
        let model = pressure_interop::load(&model_path)?;
        let compiled = CompiledModel::compile(&model)?;
        let mut params = compiled.default_params();
        let mut exogenous = compiled.default_exogenous();
        let mut settings = compiled.default_settings();
        let mut inputs = vec![self.path().to_path_buf(), model_path.clone()];
        for s in &f.experiment.scenarios {
            let path = self.resolve_path(s.get_ref());
            if !path.exists() {
                return Err(self.error_at(
                    s.span(),
                    format!("scenario file {} does not exist", path.display()),
                    Some("the path is relative to the experiment file".into()),
                ));
            }
            let scenario = Scenario::load(&path)?;
            scenario.apply(&compiled, &mut params, &mut exogenous, &mut settings)?;
            inputs.push(path);
        }
        if let Some(dt) = &f.experiment.dt {
            settings = self.with_dt(&settings, dt)?;
        }
        let (space_params, param_indices) = self.resolve_parameters(&compiled)?;
        let mut recorded: Vec<String> = Vec::new();
        let mut record = |name: &str| -> usize {
            match recorded.iter().position(|r| r == name) {
                Some(i) => i,
                None => {
                    recorded.push(name.to_string());
                    recorded.len() - 1
                }
            }
        };
        let mut columns = Vec::new();
        let mut scalars = Vec::new();
        for o in &f.outputs {
            let (variable, units) = self.resolve_variable(&compiled, &o.variable)?;
            let statistic = self.resolve_statistic(o, &settings)?;
            let name = match &o.name {
                Some(n) => n.get_ref().clone(),
                None => default_output_name(&variable, &statistic),
            };
            if columns.iter().any(|c: &Column| c.name == name) {
                let span = o.name.as_ref().map_or(o.variable.span(), |n| n.span());
                return Err(self.error_at(
                    span,
                    format!("two outputs are named `{name}`"),
                    Some("give each [[outputs]] entry its own `name`".into()),
                ));
            }
            let transform = match &o.transform {
                None => None,
                Some(t) => Some(match t.get_ref().as_str() {
                    "log" => Transform::Log,
                    "log1p" => Transform::Log1p,
                    other => {
                        return Err(self.error_at(
                            t.span(),
                            format!("unknown transform `{other}`"),
                            Some("use \"log\" (ln y) or \"log1p\" (ln(1 + y))".into()),
                        ))
                    }
                }),
            };
            let units = match transform {
                Some(t) => Some(t.units(units.as_deref())),
                None => units,
            };
            scalars.push(ScalarOutput {
                record: record(&variable),
                statistic,
                name: name.clone(),
                transform,
            });
            columns.push(Column {
                name,
                variable,
                time: None,
                units,
            });
        }
        let scalar_columns = columns.len();
        let mut series = Vec::new();
        for s in &f.series {
            let (variable, units) = self.resolve_variable(&compiled, &s.variable)?;
            let times = self.resolve_series_times(s, &settings)?;
            let name = s
                .name
                .as_ref()
                .map_or_else(|| variable.clone(), |n| n.get_ref().clone());
            if columns.iter().any(|c: &Column| c.name == name) {
                return Err(self.error_at(
                    s.variable.span(),
                    format!("two outputs are named `{name}`"),
                    Some("give the [[series]] entry its own `name`".into()),
                ));
            }
            for &t in &times {
                columns.push(Column {
                    name: name.clone(),
                    variable: variable.clone(),
                    time: Some(t),
                    units: units.clone(),
                });
            }
            series.push(SeriesOutput {
                record: record(&variable),
                times,
            });
        }
        if columns.is_empty() {
            return Err(self.error_at(
                0..0,
                "the experiment defines no outputs",
                Some("add [[outputs]] (scalar statistics) or [[series]] (values over time)".into()),
            ));
        }
        if f.experiment.run_until_last_output {
            settings = truncated(&settings, last_output_time(&scalars, &series));
        }
        let method = self.resolve_method(&space_params)?;
        let groups = self.resolve_groups(&space_params)?;
        let model_text = std::fs::read(&model_path).unwrap_or_default();
        let spec = RunSpec {
            experiment: self.path().display().to_string(),
            experiment_sha256: self.sha256(),
            model: model_path.display().to_string(),
            model_sha256: sha256_hex(&model_text),
            seed: f.experiment.seed.unwrap_or(0),
            method,
            parameters: space_params,
            columns,
            scalar_columns,
            save_sample: f.method.save_sample.unwrap_or(false),
            on_failure: self.resolve_on_failure()?,
            groups,
            labels: Labels {
                description: f.experiment.description.clone(),
                scenarios: (f.experiment.scenarios.iter())
                    .map(|s| {
                        Path::new(s.get_ref())
                            .file_stem()
                            .map(|f| f.to_string_lossy().to_string())
                            .unwrap_or_default()
                    })
                    .collect(),
                time_units: model.settings.time_units.clone(),
            },
        };
        // Check the simulator configuration once, so workers cannot fail to start.
        let mut sim = compiled.simulator(&settings)?;
        let names: Vec<&str> = recorded.iter().map(|s| s.as_str()).collect();
        sim.record(&names)?;
        sim.set_exogenous(&exogenous)?;
        drop(sim);
        Ok(Prepared {
            compiled,
            settings,
            exogenous,
            base_params: params,
            param_indices,
            recorded,
            scalars,
            series,
            spec,
            inputs,
        })
    }

    /// Assigns each varied parameter to the first `[[groups]]` entry with a matching pattern.
    fn resolve_groups(
        &self,
        params: &[Parameter],
    ) -> Result<Option<FactorGroups>, ExperimentError> {
        let entries = &self.file.groups;
        let Some(first) = entries.first() else {
            return Ok(None);
        };
        if self.file.method.kind.get_ref() != "sobol" {
            return Err(self.error_at(
                first.name.span(),
                format!(
                    "[[groups]] apply to Sobol' indices, not to method `{}`",
                    self.file.method.kind.get_ref()
                ),
                Some("remove the [[groups]] entries or use kind = \"sobol\"".into()),
            ));
        }
        let mut names: Vec<String> = Vec::new();
        for e in entries {
            let name = e.name.get_ref().trim();
            if name.is_empty() || names.iter().any(|n| n == name) {
                return Err(self.error_at(
                    e.name.span(),
                    if name.is_empty() {
                        "a group needs a name".to_string()
                    } else {
                        format!("two groups are named `{name}`")
                    },
                    None,
                ));
            }
            names.push(name.to_string());
        }
        let mut of_parameter = Vec::with_capacity(params.len());
        for p in params {
            let matches = |e: &GroupEntry| {
                (e.parameters.get_ref().iter()).any(|pat| glob_match(pat.get_ref(), &p.name))
            };
            let Some(g) = entries.iter().position(matches) else {
                return Err(self.error_at(
                    first.name.span(),
                    format!("varied parameter `{}` is in no group", p.name),
                    Some("every varied parameter must match a pattern of some [[groups]] entry; add its name, or a last group with parameters = [\"*\"]".into()),
                ));
            };
            of_parameter.push(g);
        }
        if let Some(g) = (0..entries.len()).find(|g| !of_parameter.contains(g)) {
            return Err(self.error_at(
                entries[g].parameters.span(),
                format!("group `{}` matches no varied parameter", names[g]),
                Some("each parameter joins the first group whose pattern matches it; check the names and the order of the groups".into()),
            ));
        }
        Ok(Some(FactorGroups {
            names,
            of_parameter,
        }))
    }

    fn resolve_on_failure(&self) -> Result<OnFailure, ExperimentError> {
        match self.file.method.failed_runs.as_ref() {
            None => Ok(OnFailure::Stop),
            Some(v) => match v.get_ref().as_str() {
                "error" => Ok(OnFailure::Stop),
                "drop" => {
                    if self.file.method.kind.get_ref() == "oat" {
                        return Err(self.error_at(
                            v.span(),
                            "`failed_runs = \"drop\"` does not apply to one-at-a-time runs",
                            None,
                        ));
                    }
                    Ok(OnFailure::DropGroup)
                }
                other => Err(self.error_at(
                    v.span(),
                    format!("unknown failed_runs policy `{other}`"),
                    Some("use \"error\" (stop at the first failed run) or \"drop\" (leave its group out and list it in failures.csv)".into()),
                )),
            },
        }
    }

    fn resolve_parameters(
        &self,
        compiled: &CompiledModel,
    ) -> Result<(Vec<Parameter>, Vec<usize>), ExperimentError> {
        let f = &self.file;
        let mut params: Vec<Parameter> = Vec::new();
        let mut indices: Vec<usize> = Vec::new();
        let excluded = |name: &str, source: Option<&str>| {
            f.experiment
                .exclude
                .iter()
                .any(|p| glob_match(p.get_ref(), name))
                || f.experiment
                    .exclude_source
                    .iter()
                    .any(|t| source.is_some_and(|s| s.contains(t.get_ref().as_str())))
        };
        if !f.experiment.use_model_ranges {
            if let Some(e) = f
                .experiment
                .exclude
                .first()
                .or(f.experiment.exclude_source.first())
            {
                return Err(self.error_at(
                    e.span(),
                    "`exclude` and `exclude_source` only apply with `use_model_ranges = true`",
                    None,
                ));
            }
        }
        for pattern in &f.experiment.exclude {
            if !compiled
                .parameters()
                .iter()
                .any(|p| glob_match(pattern.get_ref(), &p.name))
            {
                let names = compiled.parameters().iter().map(|p| p.name.as_str());
                return Err(self.error_at(
                    pattern.span(),
                    format!(
                        "`{}` matches no parameter of the model `{}`",
                        pattern.get_ref(),
                        compiled.name()
                    ),
                    pressure_model::nearest(pattern.get_ref(), names)
                        .map(|s| format!("did you mean `{s}`?")),
                ));
            }
        }
        if f.experiment.use_model_ranges {
            for (i, info) in compiled.parameters().iter().enumerate() {
                let Some((low, high)) = info.range else {
                    continue;
                };
                // A single-point range marks a constant that is not uncertain (a normalisation).
                if low == high || excluded(&info.name, info.source.as_deref()) {
                    continue;
                }
                let d = Distribution::uniform(&info.name, low, high).map_err(|e| {
                    self.error_at(
                        f.experiment.model.span(),
                        format!("in the model file: {e}"),
                        Some("fix the constant's `range` in the model, or give this parameter a distribution in [[parameters]]".into()),
                    )
                })?;
                params.push(Parameter {
                    name: info.name.clone(),
                    distribution: d,
                });
                indices.push(i);
            }
        }
        let mut explicit: Vec<&str> = Vec::new();
        for entry in &f.parameters {
            let name = entry.name.get_ref();
            if explicit.contains(&name.as_str()) {
                return Err(self.error_at(
                    entry.name.span(),
                    format!("parameter `{name}` is listed twice"),
                    None,
                ));
            }
            explicit.push(name);
            let Some(index) = compiled.param_index(name) else {
                let arrayed: Vec<&str> = compiled
                    .parameters()
                    .iter()
                    .filter(|p| &p.variable == name)
                    .map(|p| p.name.as_str())
                    .collect();
                let help = if !arrayed.is_empty() {
                    format!(
                        "`{name}` is an arrayed constant; vary its elements one by one: {}",
                        arrayed.join(", ")
                    )
                } else {
                    let names = compiled.parameters().iter().map(|p| p.name.as_str());
                    match pressure_model::nearest(name, names) {
                        Some(s) => format!("did you mean `{s}`?"),
                        None => "parameters are the model's constants".to_string(),
                    }
                };
                return Err(self.error_at(
                    entry.name.span(),
                    format!(
                        "parameter `{name}` is not in the model `{}`",
                        compiled.name()
                    ),
                    Some(help),
                ));
            };
            let distribution = self.entry_distribution(entry, compiled, index)?;
            let p = Parameter {
                name: name.clone(),
                distribution,
            };
            match indices.iter().position(|&i| i == index) {
                Some(k) => params[k] = p,
                None => {
                    params.push(p);
                    indices.push(index);
                }
            }
        }
        if params.is_empty() {
            return Err(self.error_at(
                0..0,
                "the experiment varies no parameter",
                Some("set `use_model_ranges = true` in [experiment] or list [[parameters]]".into()),
            ));
        }
        Ok((params, indices))
    }

    fn entry_distribution(
        &self,
        e: &ParameterEntry,
        compiled: &CompiledModel,
        index: usize,
    ) -> Result<Distribution, ExperimentError> {
        let name = e.name.get_ref();
        let fields: [(&str, Option<f64>); 7] = [
            ("low", e.low),
            ("high", e.high),
            ("mode", e.mode),
            ("mean", e.mean),
            ("sd", e.sd),
            ("meanlog", e.meanlog),
            ("sdlog", e.sdlog),
        ];
        let Some(kind) = &e.distribution else {
            if let Some((field, _)) = fields.iter().find(|(_, v)| v.is_some()) {
                return Err(self.error_at(
                    e.name.span(),
                    format!("parameter `{name}` sets `{field}` but no `distribution`"),
                    Some("add distribution = \"uniform\", \"normal\", \"lognormal\", \"triangular\" or \"truncated_normal\"".into()),
                ));
            }
            let info = &compiled.parameters()[index];
            let Some((low, high)) = info.range else {
                return Err(self.error_at(
                    e.name.span(),
                    format!("parameter `{name}` has no `range` in the model, so it needs a distribution here"),
                    Some("e.g. distribution = \"uniform\", low = ..., high = ...".into()),
                ));
            };
            return Distribution::uniform(name, low, high).map_err(|err| {
                self.error_at(e.name.span(), format!("in the model file: {err}"), None)
            });
        };
        let (needed, build): (&[&str], BuildDistribution) = match kind.get_ref().as_str() {
            "uniform" => (&["low", "high"], |v| Distribution::Uniform {
                low: v[0],
                high: v[1],
            }),
            "normal" => (&["mean", "sd"], |v| Distribution::Normal {
                mean: v[0],
                sd: v[1],
            }),
            "lognormal" => (&["meanlog", "sdlog"], |v| Distribution::LogNormal {
                meanlog: v[0],
                sdlog: v[1],
            }),
            "triangular" => (&["low", "mode", "high"], |v| Distribution::Triangular {
                low: v[0],
                mode: v[1],
                high: v[2],
            }),
            "truncated_normal" => (&["mean", "sd", "low", "high"], |v| {
                Distribution::TruncatedNormal {
                    mean: v[0],
                    sd: v[1],
                    low: v[2],
                    high: v[3],
                }
            }),
            other => {
                return Err(self.error_at(
                    kind.span(),
                    format!("unknown distribution `{other}`"),
                    Some("use uniform, normal, lognormal, triangular or truncated_normal".into()),
                ))
            }
        };
        let value = |f: &str| fields.iter().find(|(n, _)| *n == f).and_then(|(_, v)| *v);
        let mut values = Vec::new();
        for f in needed {
            match value(f) {
                Some(v) => values.push(v),
                None => {
                    return Err(self.error_at(
                        kind.span(),
                        format!(
                            "a {} distribution needs `{f}` (parameter `{name}`)",
                            kind.get_ref()
                        ),
                        Some(format!("give {}", needed.join(", "))),
                    ))
                }
            }
        }
        if let Some((f, _)) = fields
            .iter()
            .find(|(f, v)| v.is_some() && !needed.contains(f))
        {
            return Err(self.error_at(
                kind.span(),
                format!(
                    "`{f}` is not a parameter of a {} distribution (parameter `{name}`)",
                    kind.get_ref()
                ),
                Some(format!(
                    "a {} distribution takes {}",
                    kind.get_ref(),
                    needed.join(", ")
                )),
            ));
        }
        build(&values)
            .validated(name)
            .map_err(|err| self.error_at(e.name.span(), err.to_string(), None))
    }

    fn resolve_variable(
        &self,
        compiled: &CompiledModel,
        variable: &Spanned<String>,
    ) -> Result<(String, Option<String>), ExperimentError> {
        let name = variable.get_ref();
        if let Some(i) = compiled.output_index(name) {
            let o = &compiled.outputs()[i];
            return Ok((o.name.clone(), o.units.clone()));
        }
        let help = match compiled.output_indices(name) {
            Ok(all) => format!(
                "`{name}` is arrayed; name one element, e.g. `{}`",
                compiled.outputs()[all[0]].name
            ),
            Err(_) => {
                let names = compiled.outputs().iter().map(|o| o.name.as_str());
                match pressure_model::nearest(name, names) {
                    Some(s) => format!("did you mean `{s}`?"),
                    None => "outputs are the model's stocks, flows, auxiliaries, constants and exogenous series".into(),
                }
            }
        };
        Err(self.error_at(
            variable.span(),
            format!(
                "variable `{name}` is not in the model `{}`",
                compiled.name()
            ),
            Some(help),
        ))
    }

    fn check_time(
        &self,
        t: &Spanned<f64>,
        what: &str,
        settings: &RunSettings,
    ) -> Result<f64, ExperimentError> {
        let v = *t.get_ref();
        let eps = 1e-9 * settings.stop.abs().max(settings.start.abs()).max(1.0);
        if !v.is_finite() || v < settings.start - eps || v > settings.stop + eps {
            return Err(self.error_at(
                t.span(),
                format!(
                    "{what} {v} is outside the run, which goes from {} to {}",
                    settings.start, settings.stop
                ),
                Some("outputs can only be taken at times the model simulates".into()),
            ));
        }
        Ok(v.clamp(settings.start, settings.stop))
    }

    fn window(
        &self,
        from: &Option<Spanned<f64>>,
        to: &Option<Spanned<f64>>,
        settings: &RunSettings,
    ) -> Result<(f64, f64), ExperimentError> {
        let a = match from {
            Some(t) => self.check_time(t, "time `from`", settings)?,
            None => settings.start,
        };
        let b = match to {
            Some(t) => self.check_time(t, "time `to`", settings)?,
            None => settings.stop,
        };
        if b < a {
            let span = to.as_ref().map_or(0..0, |t| t.span());
            return Err(self.error_at(
                span,
                format!("the window ends ({b}) before it starts ({a})"),
                None,
            ));
        }
        Ok((a, b))
    }

    fn resolve_statistic(
        &self,
        o: &OutputEntry,
        settings: &RunSettings,
    ) -> Result<ScalarStatistic, ExperimentError> {
        let stat = o.statistic.get_ref().as_str();
        let not_for = |field: &str, present: bool| -> Result<(), ExperimentError> {
            if present {
                Err(self.error_at(
                    o.statistic.span(),
                    format!("`{field}` does not apply to statistic `{stat}`"),
                    None,
                ))
            } else {
                Ok(())
            }
        };
        match stat {
            "value_at" => {
                not_for("from", o.from.is_some())?;
                not_for("to", o.to.is_some())?;
                not_for("threshold", o.threshold.is_some())?;
                let Some(t) = &o.time else {
                    return Err(self.error_at(
                        o.statistic.span(),
                        "statistic `value_at` needs a `time`",
                        None,
                    ));
                };
                Ok(ScalarStatistic::ValueAt {
                    time: self.check_time(t, "time", settings)?,
                })
            }
            "mean" | "peak" | "min" => {
                not_for("time", o.time.is_some())?;
                not_for("threshold", o.threshold.is_some())?;
                let (from, to) = self.window(&o.from, &o.to, settings)?;
                Ok(match stat {
                    "mean" => ScalarStatistic::Mean { from, to },
                    "peak" => ScalarStatistic::Peak { from, to },
                    _ => ScalarStatistic::Min { from, to },
                })
            }
            "first_crossing" => {
                not_for("time", o.time.is_some())?;
                let Some(threshold) = o.threshold else {
                    return Err(self.error_at(
                        o.statistic.span(),
                        "statistic `first_crossing` needs a `threshold`",
                        None,
                    ));
                };
                let direction = match o.direction.as_ref().map(|d| d.get_ref().as_str()) {
                    None | Some("either") => Direction::Either,
                    Some("up") => Direction::Up,
                    Some("down") => Direction::Down,
                    Some(other) => {
                        return Err(self.error_at(
                            o.direction.as_ref().map_or(0..0, |d| d.span()),
                            format!("unknown direction `{other}`"),
                            Some("use up, down or either".into()),
                        ))
                    }
                };
                let (from, to) = self.window(&o.from, &o.to, settings)?;
                Ok(ScalarStatistic::FirstCrossing {
                    threshold,
                    direction,
                    from,
                    to,
                    if_never: o.if_never,
                })
            }
            other => Err(self.error_at(
                o.statistic.span(),
                format!("unknown statistic `{other}`"),
                Some("use value_at, mean, peak, min or first_crossing".into()),
            )),
        }
    }

    /// The settings with the experiment's `dt`, checked against the run's span and save
    /// interval (the error points at `dt` in the experiment file).
    fn with_dt(
        &self,
        settings: &RunSettings,
        dt: &Spanned<f64>,
    ) -> Result<RunSettings, ExperimentError> {
        let s = settings.clone().with_dt(*dt.get_ref());
        match s.validate() {
            Ok(()) => Ok(s),
            Err(SimError::InvalidSettings { message, help, .. }) => {
                Err(self.error_at(dt.span(), message, Some(help)))
            }
            Err(e) => Err(self.error_at(dt.span(), e.to_string(), None)),
        }
    }

    fn resolve_series_times(
        &self,
        s: &SeriesEntry,
        settings: &RunSettings,
    ) -> Result<Vec<f64>, ExperimentError> {
        let (from, to) = self.window(&s.from, &s.to, settings)?;
        let every = match &s.every {
            Some(e) => {
                let v = *e.get_ref();
                if !(v > 0.0 && v.is_finite()) {
                    return Err(self.error_at(
                        e.span(),
                        format!("`every` must be positive, got {v}"),
                        None,
                    ));
                }
                v
            }
            None => settings.save_every,
        };
        let n = ((to - from) / every + 1e-9).floor() as usize;
        if n > 100_000 {
            return Err(self.error_at(
                s.variable.span(),
                format!(
                    "this series has {} time points; use a larger `every`",
                    n + 1
                ),
                None,
            ));
        }
        Ok((0..=n).map(|k| from + k as f64 * every).collect())
    }

    fn resolve_method(&self, params: &[Parameter]) -> Result<Method, ExperimentError> {
        let m = &self.file.method;
        let kind = m.kind.get_ref().as_str();
        let reject = |present: bool, field: &str, applies: &str| -> Result<(), ExperimentError> {
            if present {
                Err(self.error_at(
                    m.kind.span(),
                    format!("`{field}` does not apply to method `{kind}`"),
                    Some(format!("`{field}` is a setting of {applies}")),
                ))
            } else {
                Ok(())
            }
        };
        let confidence = match &m.confidence {
            Some(c) => {
                let v = *c.get_ref();
                if !(v > 0.0 && v < 1.0) {
                    return Err(self.error_at(
                        c.span(),
                        format!("confidence must be between 0 and 1, got {v}"),
                        None,
                    ));
                }
                v
            }
            None => 0.95,
        };
        let need_n = || -> Result<usize, ExperimentError> {
            m.n.as_ref().map(|n| *n.get_ref()).ok_or_else(|| {
                self.error_at(
                    m.kind.span(),
                    format!("method `{kind}` needs `n`"),
                    Some(match kind {
                        "sobol" => {
                            "n is the number of base points, a power of two (e.g. 1024)".into()
                        }
                        "morris" => "n is the number of trajectories (e.g. 20 to 100)".into(),
                        _ => "n is the number of runs".into(),
                    }),
                )
            })
        };
        let n_span = m.n.as_ref().map_or(m.kind.span(), |n| n.span());
        let size_error = |e: SensitivityError| match e {
            SensitivityError::InvalidSampleSize { .. } => {
                self.error_at(n_span.clone(), e.to_string(), None)
            }
            other => self.error_at(m.kind.span(), other.to_string(), None),
        };
        let method = match kind {
            "sobol" => {
                reject(m.levels.is_some(), "levels", "morris")?;
                reject(m.candidates.is_some(), "candidates", "morris")?;
                reject(m.sampler.is_some(), "sampler", "montecarlo")?;
                reject(m.quantiles.is_some(), "quantiles", "montecarlo")?;
                reject(m.swing.is_some(), "swing", "oat")?;
                let n = need_n()?;
                crate::design::require_power_of_two("Saltelli's scheme (Sobol' indices)", n, 2)
                    .map_err(size_error)?;
                Method::Sobol {
                    n,
                    second_order: m.second_order.unwrap_or(false),
                    scramble: m.scramble.unwrap_or(true),
                    bootstrap: m.bootstrap.unwrap_or(100),
                    bootstrap_over_time: m.bootstrap_over_time.unwrap_or(0),
                    confidence,
                }
            }
            "morris" => {
                reject(m.second_order.is_some(), "second_order", "sobol")?;
                reject(m.scramble.is_some(), "scramble", "sobol and montecarlo")?;
                reject(m.sampler.is_some(), "sampler", "montecarlo")?;
                reject(m.quantiles.is_some(), "quantiles", "montecarlo")?;
                reject(m.swing.is_some(), "swing", "oat")?;
                reject(m.bootstrap_over_time.is_some(), "bootstrap_over_time", "sobol (Morris resamples whole trajectories, so `bootstrap` covers every column)")?;
                let trajectories = need_n()?;
                let levels = m.levels.as_ref().map_or(4, |l| *l.get_ref());
                let candidates = m
                    .candidates
                    .as_ref()
                    .map(|c| *c.get_ref())
                    .filter(|&c| c > 0);
                let bounded: Vec<bool> =
                    params.iter().map(|p| p.distribution.is_bounded()).collect();
                // Check the settings now (levels, r, candidates), with the design's messages.
                if let Err(e) =
                    MorrisDesign::new(params.len(), trajectories, levels, 0, None, &bounded)
                {
                    let span = match &e {
                        SensitivityError::InvalidSampleSize { .. } => n_span.clone(),
                        _ => m.levels.as_ref().map_or(m.kind.span(), |l| l.span()),
                    };
                    return Err(self.error_at(span, e.to_string(), None));
                }
                if let Some(c) = candidates {
                    if c <= trajectories {
                        return Err(self.error_at(
                            m.candidates.as_ref().map_or(m.kind.span(), |c| c.span()),
                            format!("improved spread picks {trajectories} trajectories out of more candidates, but candidates = {c}"),
                            Some(format!("use candidates > {trajectories} (4 to 10 times n is usual), or 0 to switch it off")),
                        ));
                    }
                }
                Method::Morris {
                    trajectories,
                    levels,
                    candidates,
                    bootstrap: m.bootstrap.unwrap_or(100),
                    confidence,
                }
            }
            "montecarlo" => {
                reject(m.second_order.is_some(), "second_order", "sobol")?;
                reject(m.levels.is_some(), "levels", "morris")?;
                reject(m.candidates.is_some(), "candidates", "morris")?;
                reject(m.bootstrap.is_some(), "bootstrap", "sobol and morris")?;
                reject(
                    m.bootstrap_over_time.is_some(),
                    "bootstrap_over_time",
                    "sobol and morris",
                )?;
                reject(m.swing.is_some(), "swing", "oat")?;
                let n = need_n()?;
                let sampler = match m.sampler.as_ref().map(|s| s.get_ref().as_str()) {
                    None | Some("lhs") => Sampler::Lhs,
                    Some("random") => Sampler::Random,
                    Some("sobol") => Sampler::Sobol,
                    Some(other) => {
                        return Err(self.error_at(
                            m.sampler.as_ref().map_or(0..0, |s| s.span()),
                            format!("unknown sampler `{other}`"),
                            Some("use random, lhs or sobol".into()),
                        ))
                    }
                };
                if sampler == Sampler::Sobol {
                    crate::design::require_power_of_two("the Sobol' sampler", n, 2)
                        .map_err(size_error)?;
                } else if n < 2 {
                    return Err(self.error_at(
                        n_span,
                        format!("a Monte Carlo experiment needs at least 2 runs, got n = {n}"),
                        None,
                    ));
                }
                let quantiles = match &m.quantiles {
                    Some(q) => {
                        if let Some(bad) = q.get_ref().iter().find(|p| !(0.0..=1.0).contains(*p)) {
                            return Err(self.error_at(
                                q.span(),
                                format!("quantile {bad} is not between 0 and 1"),
                                None,
                            ));
                        }
                        q.get_ref().clone()
                    }
                    None => vec![0.05, 0.25, 0.5, 0.75, 0.95],
                };
                Method::MonteCarlo {
                    n,
                    sampler,
                    scramble: m.scramble.unwrap_or(true),
                    quantiles,
                }
            }
            "oat" => {
                reject(m.n.is_some(), "n", "sobol, morris and montecarlo")?;
                reject(m.second_order.is_some(), "second_order", "sobol")?;
                reject(m.levels.is_some(), "levels", "morris")?;
                reject(m.candidates.is_some(), "candidates", "morris")?;
                reject(m.sampler.is_some(), "sampler", "montecarlo")?;
                reject(m.bootstrap.is_some(), "bootstrap", "sobol and morris")?;
                let swing = match &m.swing {
                    Some(s) => {
                        let [a, b] = *s.get_ref();
                        if !(0.0..=1.0).contains(&a) || !(0.0..=1.0).contains(&b) || a >= b {
                            return Err(self.error_at(
                                s.span(),
                                format!(
                                    "swing [{a}, {b}] must be two quantiles 0 <= low < high <= 1"
                                ),
                                None,
                            ));
                        }
                        [a, b]
                    }
                    None => [0.0, 1.0],
                };
                for p in params {
                    if !p.distribution.is_bounded() && (swing[0] == 0.0 || swing[1] == 1.0) {
                        let span = m.swing.as_ref().map_or(m.kind.span(), |s| s.span());
                        return Err(self.error_at(
                            span,
                            format!("parameter `{}` has an unbounded ({}) distribution, so its 0 or 1 quantile is infinite", p.name, p.distribution.kind()),
                            Some("set swing = [0.05, 0.95] (or other quantiles inside (0, 1))".into()),
                        ));
                    }
                }
                Method::Oat { swing }
            }
            other => {
                return Err(self.error_at(
                    m.kind.span(),
                    format!("unknown method `{other}`"),
                    Some(format!("use {}", kind_list())),
                ))
            }
        };
        Ok(method)
    }
}

/// The latest time any output reads.
fn last_output_time(scalars: &[ScalarOutput], series: &[SeriesOutput]) -> f64 {
    let scalar = scalars.iter().map(|s| match s.statistic {
        ScalarStatistic::ValueAt { time } => time,
        ScalarStatistic::Mean { to, .. }
        | ScalarStatistic::Peak { to, .. }
        | ScalarStatistic::Min { to, .. }
        | ScalarStatistic::FirstCrossing { to, .. } => to,
    });
    let points = series.iter().flat_map(|s| s.times.iter().copied());
    scalar.chain(points).fold(f64::NEG_INFINITY, f64::max)
}

/// `settings` stopped at the first saved time at or after `last` (never later than before):
/// a run's values up to `last` do not depend on how long it continues afterwards, unless an
/// equation reads FINAL TIME.
fn truncated(settings: &RunSettings, last: f64) -> RunSettings {
    let mut s = settings.clone();
    let every = s.save_every;
    let saves = ((last - s.start) / every - 1e-9).ceil().max(1.0);
    let stop = s.start + saves * every;
    if stop < s.stop {
        s.stop = stop;
    }
    s
}

/// Whether `name` matches `pattern`, where `*` stands for any text (possibly empty).
fn glob_match(pattern: &str, name: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == name;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !name.starts_with(first) || name.len() < first.len() + last.len() || !name.ends_with(last) {
        return false;
    }
    let mut rest = &name[first.len()..name.len() - last.len()];
    for part in &parts[1..parts.len() - 1] {
        match rest.find(part) {
            Some(i) => rest = &rest[i + part.len()..],
            None => return false,
        }
    }
    true
}

fn default_output_name(variable: &str, s: &ScalarStatistic) -> String {
    match s {
        ScalarStatistic::ValueAt { time } => format!("{variable}_at_{time}"),
        ScalarStatistic::Mean { .. } => format!("{variable}_mean"),
        ScalarStatistic::Peak { .. } => format!("{variable}_peak"),
        ScalarStatistic::Min { .. } => format!("{variable}_min"),
        ScalarStatistic::FirstCrossing { .. } => format!("{variable}_first_crossing"),
    }
}

#[cfg(test)]
mod tests {
    use super::glob_match;

    #[test]
    fn globs() {
        assert!(glob_match("a", "a") && !glob_match("a", "ab"));
        assert!(glob_match("coalition.*", "coalition.x[sec]"));
        assert!(glob_match("*[sec]", "coalition.x[sec]"));
        assert!(glob_match("c*x*]", "coalition.x[sec]"));
        assert!(!glob_match("fiscal.*", "coalition.x"));
        assert!(glob_match("*", ""));
        assert!(!glob_match("ab*ba", "aba"));
    }
}
