//! Running the models of a spec: [`run`] loads the data once, then hands each model to the
//! module of its estimator, which returns a [`Fit`](context::Fit) that [`Ctx::report`]
//! turns into a [`ModelReport`].
//!
//! One module per estimator family: [`regression`] (`ols`, `fe`, `logit`, `probit`),
//! [`survival`] (`cox`, `weibull`, `km`), [`ipw`], [`event_study`], [`lp`], [`var`] and
//! [`synth`]; [`context`] holds what they share (the sample, the variance estimator).

/// The [`Fit`](context::Fit) of an estimator result with the usual fields (`coefficients`,
/// `n_obs`, `clusters`, `dropped`, `vcov_type`), its JSON as `details`, the given summary
/// lines and no extra tables.
macro_rules! fit_of {
    ($r:expr, $summary:expr) => {{
        let r = $r;
        let details = serde_json::to_value(&r).unwrap_or_default();
        crate::spec::run::context::Fit {
            coefficients: r.coefficients,
            n_obs: r.n_obs,
            clusters: r.clusters,
            dropped: r.dropped,
            vcov_type: r.vcov_type,
            summary: $summary,
            details,
            extra: vec![],
        }
    }};
}

mod context;
mod event_study;
mod ipw;
mod lp;
mod regression;
mod survival;
mod synth;
mod var;

pub(crate) use context::num_s;

use super::formula::{parse_formula, Atom, Formula, Lhs};
use super::frame::{load, Frame};
use super::render::{Comparison as ComparisonRow, Decomposition, ExtraTable, Report};
use super::{model_name, Estimator, ModelSpec, Overrides, Spec};
use crate::error::{EconError, Result};
use crate::inference::CoefTable;
use context::Ctx;
use pressure_data::Table;
use serde::Serialize;
use std::path::Path;

/// One estimated model, ready to render.
#[derive(Debug, Clone, Serialize)]
pub struct ModelReport {
    /// The model's name (`(i)` for the i-th unnamed model).
    pub name: String,
    /// The estimator that ran it.
    pub estimator: Estimator,
    /// The formula as written (`None` for a VAR).
    pub formula: Option<String>,
    /// The estimates with their inference.
    pub coefficients: CoefTable,
    /// Observations the estimator used.
    pub n_obs: usize,
    /// Cluster variables and their number of clusters.
    pub clusters: Vec<(String, usize)>,
    /// Regressors dropped as collinear (or absorbed by fixed effects).
    pub dropped: Vec<String>,
    /// Rows in the sample after the filters, and rows then dropped for missing values.
    pub rows_after_filter: usize,
    /// Of those, rows dropped for a missing value.
    pub rows_missing: usize,
    /// Panel units (distinct values of the spec's `panel.unit`) among the rows used; without
    /// panel keys, the number of clusters of the first cluster variable.
    pub n_units: Option<usize>,
    /// The dependent variable (the event indicator of a survival model).
    pub dependent: String,
    /// What one unit of an estimate means (the spec's `dependent_units`, or a default).
    pub dependent_units: String,
    /// The sample in words: filters and the rows dropped for missing values.
    pub sample: String,
    /// The variance estimator in words.
    pub vcov_type: String,
    /// Lines for the bottom panel of the LaTeX table (label, value).
    pub summary: Vec<(String, String)>,
    /// The estimator's full result.
    pub details: serde_json::Value,
    /// Extra CSV tables (curves, paths, weights); not written to `results.json`.
    #[serde(skip)]
    pub extra: Vec<ExtraTable>,
    /// The spec's `by` column (the groups of a Kaplan–Meier model), for figure legends; not
    /// written to `results.json`.
    #[serde(skip)]
    pub group_by: Option<String>,
}

fn spec_err(model: &str, message: impl Into<String>) -> EconError {
    EconError::Invalid(format!("model `{model}`: {}", message.into()))
}

pub(crate) fn run(spec: &Spec, path: &Path, base: &Path, ov: &Overrides) -> Result<Report> {
    let file = path.display().to_string();
    // Parse formulas and collect the columns every model needs.
    let mut formulas: Vec<Option<Formula>> = vec![];
    let mut numeric: Vec<String> = vec![];
    let mut other: Vec<String> = vec![];
    let push = |v: &mut Vec<String>, c: &str| {
        if !v.iter().any(|x| x == c) {
            v.push(c.to_string());
        }
    };
    if let Some(p) = &spec.panel {
        push(&mut other, &p.unit);
        push(&mut numeric, &p.time);
    }
    for (i, m) in spec.model.iter().enumerate() {
        let name = model_name(m, i);
        let f = match &m.formula {
            Some(src) => Some(parse_formula(src).map_err(|e| EconError::Spec {
                file: file.clone(),
                message: format!("model `{name}`: {e}"),
            })?),
            None => None,
        };
        if let Some(f) = &f {
            match &f.lhs {
                Lhs::Outcome(a) => push(&mut numeric, a.column()),
                Lhs::Survival { start, stop, event } => {
                    if let Some(s) = start {
                        push(&mut numeric, s);
                    }
                    push(&mut numeric, stop);
                    push(&mut numeric, event);
                }
            }
            for t in &f.terms {
                for a in &t.atoms {
                    match a {
                        Atom::Categorical(c) => push(&mut other, c),
                        _ => push(&mut numeric, a.column()),
                    }
                }
            }
            for fe in &f.fixed_effects {
                push(&mut other, fe);
            }
        }
        for c in &m.cluster {
            push(&mut other, c);
        }
        for c in [&m.strata, &m.by].into_iter().flatten() {
            push(&mut other, c);
        }
        for c in [&m.treatment, &m.cohort, &m.shock].into_iter().flatten() {
            push(&mut numeric, c);
        }
        for c in m
            .variables
            .iter()
            .flatten()
            .chain(m.covariates.iter().flatten())
        {
            push(&mut numeric, c);
        }
        formulas.push(f);
    }
    // Columns named in filters must be loaded too.
    let filters: Vec<&str> = spec
        .filter
        .iter()
        .chain(spec.model.iter().filter_map(|m| m.filter.as_ref()))
        .map(|s| s.as_str())
        .collect();
    let mut filter_words: Vec<String> = vec![];
    for f in &filters {
        for w in f.split(|c: char| !(c.is_alphanumeric() || c == '_' || c == '.')) {
            if !w.is_empty() && !w.chars().next().is_some_and(|c| c.is_ascii_digit()) {
                push(&mut filter_words, w);
            }
        }
    }
    let loaded = load(
        base,
        &spec.data,
        spec.join.as_ref(),
        &numeric,
        &other,
        &filter_words,
    )?;
    let table = &loaded.table;
    let frame = Frame::new(table, spec.panel.as_ref())?;
    let seed = ov.seed.or(spec.seed);
    let mut models = vec![];
    for (i, (m, f)) in spec.model.iter().zip(&formulas).enumerate() {
        let name = model_name(m, i);
        let mask = sample_mask(table, spec.filter.as_deref(), m.filter.as_deref())?;
        let ctx = Ctx {
            name: &name,
            spec,
            model: m,
            frame: &frame,
            mask: &mask,
            level: spec.level,
            seed,
        };
        let report = match m.estimator {
            Estimator::Ols | Estimator::Fe | Estimator::Logit | Estimator::Probit => {
                ctx.regression(need_formula(&name, f)?)?
            }
            Estimator::Cox | Estimator::Weibull | Estimator::Km => {
                ctx.survival(need_formula(&name, f)?)?
            }
            Estimator::EventStudy => ctx.event_study(need_formula(&name, f)?)?,
            Estimator::Lp => ctx.local_projection(need_formula(&name, f)?)?,
            Estimator::Var => ctx.var()?,
            Estimator::Synth => ctx.synth(need_formula(&name, f)?)?,
            Estimator::Ipw => ctx.ipw(need_formula(&name, f)?)?,
        };
        let mut report = report;
        report.group_by = m.by.clone();
        describe_sample(&mut report, spec, m, f.as_ref());
        models.push(report);
    }
    let comparisons = spec
        .compare
        .iter()
        .map(|c| ComparisonRow::build(c, &models))
        .collect::<Result<Vec<_>>>()?;
    let decompositions = spec
        .decomposition
        .iter()
        .map(|d| Decomposition::build(d, &models))
        .collect::<Result<Vec<_>>>()?;
    Ok(Report {
        title: spec.title.clone().unwrap_or_else(|| file.clone()),
        description: spec.description.clone(),
        spec_file: path.to_path_buf(),
        inputs: loaded.inputs,
        level: spec.level,
        stars: spec.stars,
        seed,
        models,
        comparisons,
        decompositions,
    })
}

/// Fills the dependent variable, its units and the sample description of a report.
fn describe_sample(r: &mut ModelReport, spec: &Spec, m: &ModelSpec, f: Option<&Formula>) {
    let (dependent, default_units) = match f.map(|f| &f.lhs) {
        Some(Lhs::Outcome(a)) => {
            let d = a.label();
            let units = match m.estimator {
                Estimator::Logit => format!("log odds of `{d}` = 1"),
                Estimator::Probit => format!("probit index of `{d}` = 1"),
                Estimator::Synth => format!("units of `{d}` (treated minus synthetic)"),
                _ => format!("units of `{d}`"),
            };
            (d, units)
        }
        Some(Lhs::Survival { event, .. }) => (
            event.clone(),
            match m.estimator {
                Estimator::Km => "years of tenure (median survival)".to_string(),
                _ => format!("log hazard ratio of `{event}`"),
            },
        ),
        None => (
            m.variables.as_ref().map_or(String::new(), |v| v.join(", ")),
            "units of each equation's variable".to_string(),
        ),
    };
    // Without panel keys (e.g. leader-years), the clusters of the first cluster variable
    // are the units (countries when clustered by country).
    if r.n_units.is_none() {
        r.n_units = r.clusters.first().map(|c| c.1);
    }
    r.dependent = dependent;
    r.dependent_units = m.dependent_units.clone().unwrap_or(default_units);
    let filters: Vec<&str> = [spec.filter.as_deref(), m.filter.as_deref()]
        .into_iter()
        .flatten()
        .collect();
    let filter = if filters.is_empty() {
        "all rows".to_string()
    } else {
        filters.join(" && ")
    };
    r.sample = format!(
        "{filter}; {} rows after the filter, {} dropped for missing values",
        r.rows_after_filter, r.rows_missing
    );
}

fn need_formula<'f>(name: &str, f: &'f Option<Formula>) -> Result<&'f Formula> {
    f.as_ref()
        .ok_or_else(|| spec_err(name, "needs a `formula`"))
}

fn sample_mask(table: &Table, a: Option<&str>, b: Option<&str>) -> Result<Vec<bool>> {
    let mut mask = vec![true; table.n_rows()];
    for expr in [a, b].into_iter().flatten() {
        let m = table.mask(expr)?;
        for (x, y) in mask.iter_mut().zip(m) {
            *x &= y;
        }
    }
    Ok(mask)
}
