//! Running the models of a spec.

use super::formula::{parse_formula, Atom, Formula, Lhs};
use super::frame::{codes, factor_of, load, Frame, PanelView};
use super::render::{Comparison as ComparisonRow, Decomposition, ExtraTable, Report};
use super::{model_name, Estimator, ModelSpec, Overrides, SeKind, Spec};
use crate::binary::{binary, BinaryLink, BinaryOptions};
use crate::design::Design;
use crate::error::{EconError, Result};
use crate::event_study::{cohorts_from_indicator, event_study, EventStudyOptions};
use crate::factor::Factor;
use crate::inference::{CoefTable, Reference};
use crate::lp::{local_projection, LpOptions, LpVcov, PanelIndex};
use crate::ols::{ols, Collinear, OlsOptions};
use crate::selection::{ipw_att, IpwOptions};
use crate::survival::{
    cox, kaplan_meier, weibull, CoxOptions, KmConfidence, Spells, WeibullOptions,
};
use crate::synth::{synthetic_control, SynthData, SynthOptions};
use crate::var::{var, LagSelection, VarBootstrap, VarOptions};
use crate::vcov::{HcKind, MultiwayDf, VcovSpec};
use crate::within::{within, WithinOptions};
use faer::Mat;
use pressure_data::Table;
use serde::Serialize;
use std::path::Path;

/// One estimated model, ready to render.
#[derive(Debug, Clone, Serialize)]
pub struct ModelReport {
    pub name: String,
    pub estimator: Estimator,
    pub formula: Option<String>,
    pub coefficients: CoefTable,
    pub n_obs: usize,
    pub clusters: Vec<(String, usize)>,
    /// Regressors dropped as collinear (or absorbed by fixed effects).
    pub dropped: Vec<String>,
    /// Rows in the sample after the filters, and rows then dropped for missing values.
    pub rows_after_filter: usize,
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
    pub vcov_type: String,
    /// Lines for the bottom panel of the LaTeX table (label, value).
    pub summary: Vec<(String, String)>,
    /// The estimator's full result.
    pub details: serde_json::Value,
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

struct Ctx<'a> {
    name: &'a str,
    spec: &'a Spec,
    model: &'a ModelSpec,
    frame: &'a Frame<'a>,
    mask: &'a [bool],
    level: f64,
    seed: Option<u64>,
}

/// Columns evaluated on the whole table and the rows kept (filter and no missing values).
struct Sample {
    rows: Vec<usize>,
    after_filter: usize,
    missing: usize,
}

impl Ctx<'_> {
    fn err(&self, m: impl Into<String>) -> EconError {
        spec_err(self.name, m)
    }

    /// Distinct panel units among `rows` (None without panel keys).
    fn units_in(&self, rows: &[usize]) -> Option<usize> {
        let p = self.frame.panel_index()?;
        let mut u: Vec<u32> = rows.iter().filter_map(|&i| p.unit[i]).collect();
        u.sort_unstable();
        u.dedup();
        Some(u.len())
    }

    /// Rows passing the filter with every listed numeric column finite and every listed
    /// categorical column present.
    fn sample(
        &self,
        numeric: &[&Vec<f64>],
        factors: &[&Vec<Option<u32>>],
        what: &str,
    ) -> Result<Sample> {
        let n = self.mask.len();
        let after_filter = self.mask.iter().filter(|&&b| b).count();
        let rows: Vec<usize> = (0..n)
            .filter(|&i| {
                self.mask[i]
                    && numeric.iter().all(|c| c[i].is_finite())
                    && factors.iter().all(|c| c[i].is_some())
            })
            .collect();
        if rows.is_empty() {
            let reason = if after_filter == 0 {
                format!(
                    "model `{}`: the filter leaves none of the {n} rows of {}",
                    self.name,
                    self.frame.table.name()
                )
            } else {
                format!(
                    "model `{}`: all {after_filter} rows after the filter have a missing value in {what}",
                    self.name
                )
            };
            return Err(EconError::EmptySample { reason });
        }
        Ok(Sample {
            missing: after_filter - rows.len(),
            after_filter,
            rows,
        })
    }

    fn regressors(&self, f: &Formula) -> Result<Vec<(String, Vec<f64>)>> {
        let mut cols = vec![];
        for t in &f.terms {
            cols.extend(self.frame.term(t)?);
        }
        Ok(cols)
    }

    fn cluster_codes(&self) -> Result<Vec<(String, Vec<Option<u32>>)>> {
        self.model
            .cluster
            .iter()
            .map(|c| Ok((c.clone(), self.frame.factor_codes(c)?.0)))
            .collect()
    }

    /// The variance estimator on the sample rows.
    fn vcov(
        &self,
        rows: &[usize],
        clusters: &[(String, Vec<Option<u32>>)],
        likelihood: bool,
    ) -> Result<VcovSpec> {
        let m = self.model;
        let kind = m.se.unwrap_or(if clusters.is_empty() {
            SeKind::Classical
        } else {
            SeKind::Cluster
        });
        if kind != SeKind::Cluster && !clusters.is_empty() {
            return Err(self.err("`cluster` is given but `se` is not \"cluster\""));
        }
        Ok(match kind {
            SeKind::Classical => VcovSpec::Classical,
            SeKind::Hc0 | SeKind::Robust => VcovSpec::Hetero(HcKind::Hc0),
            SeKind::Hc1 => VcovSpec::Hetero(HcKind::Hc1),
            SeKind::Hc2 | SeKind::Hc3 if likelihood => {
                return Err(self.err("HC2/HC3 are for least squares; use hc0, hc1 or robust"))
            }
            SeKind::Hc2 => VcovSpec::Hetero(HcKind::Hc2),
            SeKind::Hc3 => VcovSpec::Hetero(HcKind::Hc3),
            SeKind::Cluster => {
                if clusters.is_empty() {
                    return Err(self.err("se = \"cluster\" needs `cluster = [\"column\", ...]`"));
                }
                VcovSpec::Cluster {
                    clusters: clusters
                        .iter()
                        .map(|(n, c)| factor_of(n, c, rows))
                        .collect(),
                    correction: m.correction.unwrap_or_default(),
                    multiway: m.multiway.unwrap_or(MultiwayDf::Minimum),
                    psd_fix: true,
                }
            }
            SeKind::NeweyWest => VcovSpec::NeweyWest {
                lags: m.hac_lags.unwrap_or_else(|| default_hac_lags(rows.len())),
                df_correction: false,
            },
            SeKind::DriscollKraay => {
                let times = self
                    .frame
                    .panel_index()
                    .ok_or_else(|| self.err("driscoll_kraay needs the spec's `panel` keys"))?
                    .time;
                let time: Vec<f64> = rows
                    .iter()
                    .map(|&i| times[i].map_or(f64::NAN, |t| t as f64))
                    .collect();
                let periods = {
                    let mut t = time.clone();
                    t.sort_by(f64::total_cmp);
                    t.dedup();
                    t.len()
                };
                VcovSpec::DriscollKraay {
                    time,
                    lags: m.hac_lags.unwrap_or_else(|| default_hac_lags(periods)),
                }
            }
        })
    }

    fn collinear(&self) -> Collinear {
        if self.model.drop_collinear.unwrap_or(true) {
            Collinear::Drop
        } else {
            Collinear::Refuse
        }
    }

    fn regression(&self, f: &Formula) -> Result<ModelReport> {
        let est = self.model.estimator;
        let Lhs::Outcome(lhs) = &f.lhs else {
            return Err(self.err("Surv(...) outcomes need estimator cox, weibull or km"));
        };
        let y_all = self.frame.atom(lhs)?.remove(0).1;
        let xs = self.regressors(f)?;
        let fe_codes: Vec<(String, Vec<Option<u32>>)> = f
            .fixed_effects
            .iter()
            .map(|c| Ok((c.clone(), self.frame.factor_codes(c)?.0)))
            .collect::<Result<_>>()?;
        match est {
            Estimator::Fe if fe_codes.is_empty() => {
                return Err(self.err("estimator fe needs fixed effects after `|` in the formula"))
            }
            Estimator::Ols | Estimator::Logit | Estimator::Probit if !fe_codes.is_empty() => {
                return Err(
                    self.err("fixed effects after `|` need estimator = \"fe\" (or i(x) dummies)")
                )
            }
            _ => {}
        }
        let clusters = self.cluster_codes()?;
        let mut num: Vec<&Vec<f64>> = vec![&y_all];
        num.extend(xs.iter().map(|(_, v)| v));
        let mut fac: Vec<&Vec<Option<u32>>> = fe_codes.iter().map(|(_, c)| c).collect();
        fac.extend(clusters.iter().map(|(_, c)| c));
        let s = self.sample(
            &num,
            &fac,
            "the outcome, regressors, fixed effects or clusters",
        )?;
        let rows = &s.rows;
        let y: Vec<f64> = rows.iter().map(|&i| y_all[i]).collect();
        let names: Vec<String> = xs.iter().map(|(n, _)| n.clone()).collect();
        let cols: Vec<Vec<f64>> = xs
            .iter()
            .map(|(_, v)| rows.iter().map(|&i| v[i]).collect())
            .collect();
        let refs: Vec<&[f64]> = cols.iter().map(|c| c.as_slice()).collect();
        let mut design = if refs.is_empty() {
            Design::empty(rows.len())
        } else {
            Design::from_columns(&names, &refs)?
        };
        let likelihood = matches!(est, Estimator::Logit | Estimator::Probit);
        let vcov = self.vcov(rows, &clusters, likelihood)?;
        let label = lhs.label();
        let mut summary = vec![];
        // Rows actually used (the within estimator drops singletons).
        let mut used_rows = rows.clone();
        let (coefficients, n_obs, cl, dropped, vcov_type, details) = match est {
            Estimator::Ols => {
                if f.intercept {
                    design = design.with_intercept();
                }
                let opts = OlsOptions {
                    vcov,
                    level: self.level,
                    collinear: self.collinear(),
                    ..Default::default()
                };
                let r = ols(&y, &design, &opts)?;
                summary.push(("R²".into(), format!("{:.3}", r.r_squared)));
                summary.push(("Adjusted R²".into(), format!("{:.3}", r.adj_r_squared)));
                let d = serde_json::to_value(&r).unwrap_or_default();
                (
                    r.coefficients,
                    r.n_obs,
                    r.clusters,
                    r.dropped,
                    r.vcov_type,
                    d,
                )
            }
            Estimator::Fe => {
                let fes: Vec<Factor> = fe_codes
                    .iter()
                    .map(|(n, c)| factor_of(n, c, rows))
                    .collect();
                let opts = WithinOptions {
                    vcov,
                    level: self.level,
                    collinear: self.collinear(),
                    ..Default::default()
                };
                let r = within(&y, &design, &fes, &opts)?;
                used_rows = r.rows.iter().map(|&k| rows[k]).collect();
                summary.push(("Within R²".into(), format!("{:.3}", r.within_r_squared)));
                summary.push(("Fixed effects".into(), f.fixed_effects.join(", ")));
                if r.singletons_dropped > 0 {
                    summary.push((
                        "Singletons dropped".into(),
                        r.singletons_dropped.to_string(),
                    ));
                }
                let d = serde_json::to_value(&r).unwrap_or_default();
                (
                    r.coefficients,
                    r.n_obs,
                    r.clusters,
                    r.dropped,
                    r.vcov_type,
                    d,
                )
            }
            _ => {
                if f.intercept {
                    design = design.with_intercept();
                }
                let link = if est == Estimator::Logit {
                    BinaryLink::Logit
                } else {
                    BinaryLink::Probit
                };
                let opts = BinaryOptions {
                    vcov,
                    level: self.level,
                    ..Default::default()
                };
                let r = binary(&y, &design, link, &opts)?;
                summary.push(("Log-likelihood".into(), format!("{:.2}", r.log_likelihood)));
                if let Some(p) = r.pseudo_r_squared {
                    summary.push(("Pseudo R²".into(), format!("{p:.3}")));
                }
                let d = serde_json::to_value(&r).unwrap_or_default();
                (
                    r.coefficients,
                    r.n_obs,
                    r.clusters,
                    r.dropped,
                    r.vcov_type,
                    d,
                )
            }
        };
        let _ = label;
        Ok(ModelReport {
            group_by: None,
            name: self.name.to_string(),
            estimator: est,
            formula: self.model.formula.clone(),
            coefficients,
            n_obs,
            clusters: cl,
            dropped,
            rows_after_filter: s.after_filter,
            rows_missing: s.missing,
            n_units: self.units_in(&used_rows),
            dependent: String::new(),
            dependent_units: String::new(),
            sample: String::new(),
            vcov_type,
            summary,
            details,
            extra: vec![],
        })
    }

    fn survival(&self, f: &Formula) -> Result<ModelReport> {
        let est = self.model.estimator;
        let Lhs::Survival { start, stop, event } = &f.lhs else {
            return Err(self.err("survival models need a Surv(...) outcome"));
        };
        let start_all = match start {
            Some(s) => Some(self.frame.numeric(s)?),
            None => None,
        };
        let stop_all = self.frame.numeric(stop)?;
        let event_all = self.frame.numeric(event)?;
        let xs = if est == Estimator::Km {
            vec![]
        } else {
            self.regressors(f)?
        };
        let clusters = self.cluster_codes()?;
        let strata = match &self.model.strata {
            Some(s) => Some((s.clone(), self.frame.factor_codes(s)?.0)),
            None => None,
        };
        let by = match &self.model.by {
            Some(b) => Some((b.clone(), self.frame.factor_codes(b)?)),
            None => None,
        };
        let mut num: Vec<&Vec<f64>> = vec![&stop_all, &event_all];
        if let Some(s) = &start_all {
            num.push(s);
        }
        num.extend(xs.iter().map(|(_, v)| v));
        let mut fac: Vec<&Vec<Option<u32>>> = clusters.iter().map(|(_, c)| c).collect();
        if let Some((_, c)) = &strata {
            fac.push(c);
        }
        if let Some((_, (c, _))) = &by {
            fac.push(c);
        }
        let s = self.sample(&num, &fac, "the spell, event or covariates")?;
        let rows = &s.rows;
        let pick = |v: &Vec<f64>| rows.iter().map(|&i| v[i]).collect::<Vec<f64>>();
        let stop_v = pick(&stop_all);
        let event_v = pick(&event_all);
        let start_v = start_all.as_ref().map(pick);
        // Spell errors name the data row (header = row 1).
        let spells = Spells {
            start: start_v.as_deref(),
            stop: &stop_v,
            event: &event_v,
        };
        if let Err(EconError::SpellOrder { row, start, stop }) = spells.validate() {
            return Err(EconError::Invalid(format!(
                "{}, row {} (header is row 1): survival spell ends at {stop}, not after its start {start}",
                self.frame.table.name(),
                self.frame.table.source_row(rows[row - 1])
            )));
        }
        let mut summary = vec![];
        let names: Vec<String> = xs.iter().map(|(n, _)| n.clone()).collect();
        let cols: Vec<Vec<f64>> = xs.iter().map(|(_, v)| pick(v)).collect();
        let refs: Vec<&[f64]> = cols.iter().map(|c| c.as_slice()).collect();
        let design = if refs.is_empty() {
            Design::empty(rows.len())
        } else {
            Design::from_columns(&names, &refs)?
        };
        let vcov = self.vcov(rows, &clusters, true)?;
        let (coefficients, n_obs, cl, dropped, vcov_type, details, extra) = match est {
            Estimator::Cox => {
                let opts = CoxOptions {
                    ties: self.model.ties.unwrap_or_default(),
                    vcov,
                    strata: strata.as_ref().map(|(n, c)| factor_of(n, c, rows)),
                    level: self.level,
                    ..Default::default()
                };
                let r = cox(&spells, &design, &opts)?;
                summary.push(("Events".into(), r.n_events.to_string()));
                summary.push((
                    "Log partial likelihood".into(),
                    format!("{:.2}", r.log_likelihood),
                ));
                summary.push(("Ties".into(), format!("{:?}", r.ties)));
                let d = serde_json::to_value(&r).unwrap_or_default();
                (
                    r.coefficients,
                    r.n_obs,
                    r.clusters,
                    r.dropped,
                    r.vcov_type,
                    d,
                    vec![],
                )
            }
            Estimator::Weibull => {
                let design = if f.intercept {
                    design.with_intercept()
                } else {
                    design
                };
                let opts = WeibullOptions {
                    vcov,
                    level: self.level,
                    ..Default::default()
                };
                let r = weibull(&spells, &design, &opts)?;
                summary.push(("Events".into(), r.n_events.to_string()));
                summary.push(("Shape p".into(), format!("{:.3}", r.shape)));
                summary.push(("Log-likelihood".into(), format!("{:.2}", r.log_likelihood)));
                let d = serde_json::to_value(&r).unwrap_or_default();
                (
                    r.coefficients,
                    r.n_obs,
                    r.clusters,
                    r.dropped,
                    r.vcov_type,
                    d,
                    vec![],
                )
            }
            _ => {
                // Kaplan–Meier, one curve per group.
                let groups: Vec<(String, Vec<usize>)> = match &by {
                    None => vec![("all".to_string(), (0..rows.len()).collect())],
                    Some((_, (codes, levels))) => {
                        let mut g: Vec<(String, Vec<usize>)> = vec![];
                        for (k, &i) in rows.iter().enumerate() {
                            let label = levels[codes[i].unwrap_or(0) as usize].clone();
                            match g.iter_mut().find(|(l, _)| *l == label) {
                                Some((_, v)) => v.push(k),
                                None => g.push((label, vec![k])),
                            }
                        }
                        g
                    }
                };
                let mut curve = ExtraTable::new(
                    "survival",
                    &[
                        "group",
                        "time",
                        "n_risk",
                        "n_event",
                        "n_censored",
                        "survival",
                        "std_error",
                        "ci_lower",
                        "ci_upper",
                    ],
                );
                let mut terms = vec![];
                let mut medians = vec![];
                let mut curves = vec![];
                for (label, idx) in &groups {
                    let sv = |v: &Vec<f64>| idx.iter().map(|&k| v[k]).collect::<Vec<f64>>();
                    let (a, b, e) = (start_v.as_ref().map(sv), sv(&stop_v), sv(&event_v));
                    let sp = Spells {
                        start: a.as_deref(),
                        stop: &b,
                        event: &e,
                    };
                    let km = kaplan_meier(&sp, self.level, KmConfidence::LogLog)?;
                    for j in 0..km.time.len() {
                        curve.push(vec![
                            label.clone(),
                            num_s(km.time[j]),
                            km.n_risk[j].to_string(),
                            km.n_event[j].to_string(),
                            km.n_censored[j].to_string(),
                            num_s(km.survival[j]),
                            num_s(km.std_error[j]),
                            num_s(km.ci_lower[j]),
                            num_s(km.ci_upper[j]),
                        ]);
                    }
                    terms.push(format!("median[{label}]"));
                    medians.push(km.median.unwrap_or(f64::NAN));
                    summary.push((
                        format!("Median survival ({label})"),
                        km.median.map_or("not reached".into(), num_s),
                    ));
                    curves.push((label.clone(), km));
                }
                let k = terms.len();
                let table = CoefTable::new(
                    terms,
                    medians,
                    &Mat::from_fn(k, k, |_, _| f64::NAN),
                    Reference::Normal,
                    self.level,
                );
                let d = serde_json::to_value(&curves).unwrap_or_default();
                (
                    table,
                    rows.len(),
                    vec![],
                    vec![],
                    "Greenwood".to_string(),
                    d,
                    vec![curve],
                )
            }
        };
        Ok(ModelReport {
            group_by: None,
            name: self.name.to_string(),
            estimator: est,
            formula: self.model.formula.clone(),
            coefficients,
            n_obs,
            clusters: cl,
            dropped,
            rows_after_filter: s.after_filter,
            rows_missing: s.missing,
            n_units: self.units_in(rows),
            dependent: String::new(),
            dependent_units: String::new(),
            sample: String::new(),
            vcov_type,
            summary,
            details,
            extra,
        })
    }

    fn ipw(&self, f: &Formula) -> Result<ModelReport> {
        let Lhs::Outcome(lhs) = &f.lhs else {
            return Err(self.err("estimator ipw needs an outcome, not Surv(...)"));
        };
        if !f.fixed_effects.is_empty() {
            return Err(self.err("estimator ipw takes no fixed effects after `|`"));
        }
        let treatment = self
            .model
            .treatment
            .as_ref()
            .ok_or_else(|| self.err("estimator ipw needs `treatment = \"0/1 column\"`"))?;
        let y_all = self.frame.atom(lhs)?.remove(0).1;
        let d_all = self.frame.numeric(treatment)?;
        let xs = self.regressors(f)?;
        let clusters = self.cluster_codes()?;
        if clusters.len() > 1 {
            return Err(self.err("the ipw bootstrap resamples one cluster variable"));
        }
        let mut num: Vec<&Vec<f64>> = vec![&y_all, &d_all];
        num.extend(xs.iter().map(|(_, v)| v));
        let fac: Vec<&Vec<Option<u32>>> = clusters.iter().map(|(_, c)| c).collect();
        let s = self.sample(&num, &fac, "the outcome, treatment, covariates or clusters")?;
        let rows = &s.rows;
        let pick = |v: &Vec<f64>| rows.iter().map(|&i| v[i]).collect::<Vec<f64>>();
        let (y, d) = (pick(&y_all), pick(&d_all));
        let names: Vec<String> = xs.iter().map(|(n, _)| n.clone()).collect();
        let cols: Vec<Vec<f64>> = xs.iter().map(|(_, v)| pick(v)).collect();
        let refs: Vec<&[f64]> = cols.iter().map(|c| c.as_slice()).collect();
        let mut design = if refs.is_empty() {
            Design::empty(rows.len())
        } else {
            Design::from_columns(&names, &refs)?
        };
        if f.intercept {
            design = design.with_intercept();
        }
        let cluster = clusters.first().map(|(n, c)| factor_of(n, c, rows));
        let opts = IpwOptions {
            bootstrap: self.model.bootstrap.unwrap_or(199),
            seed: self.seed.unwrap_or(0),
            trim: self.model.trim.unwrap_or(0.001),
            level: self.level,
        };
        let r = ipw_att(&y, &d, &design, cluster.as_ref(), &opts)
            .map_err(|e| self.err(e.to_string()))?;
        let summary = vec![
            (
                "Treated / untreated".into(),
                format!("{} / {}", r.n_treated, r.n_control),
            ),
            (
                "Effective untreated (Kish)".into(),
                format!("{:.1}", r.effective_controls),
            ),
            (
                "Largest weight share".into(),
                format!("{:.3}", r.max_weight_share),
            ),
            ("Bootstrap replicates".into(), r.replicates.to_string()),
        ];
        let mut propensity =
            ExtraTable::new("propensity", &["term", "estimate", "std_error", "p_value"]);
        for i in 0..r.propensity.len() {
            propensity.push(vec![
                r.propensity.terms[i].clone(),
                num_s(r.propensity.estimate[i]),
                num_s(r.propensity.std_error[i]),
                num_s(r.propensity.p_value[i]),
            ]);
        }
        let clusters_out = cluster
            .as_ref()
            .map(|c| vec![(c.name.clone(), c.n_levels)])
            .unwrap_or_default();
        let details = serde_json::to_value(&r).unwrap_or_default();
        Ok(ModelReport {
            group_by: None,
            name: self.name.to_string(),
            estimator: Estimator::Ipw,
            formula: self.model.formula.clone(),
            coefficients: r.effects,
            n_obs: rows.len(),
            clusters: clusters_out,
            dropped: vec![],
            rows_after_filter: s.after_filter,
            rows_missing: s.missing,
            n_units: self.units_in(rows),
            dependent: String::new(),
            dependent_units: String::new(),
            sample: String::new(),
            vcov_type: format!(
                "bootstrap ({} replicates{})",
                r.replicates,
                if cluster.is_some() {
                    ", clusters resampled"
                } else {
                    ""
                }
            ),
            summary,
            details,
            extra: vec![propensity],
        })
    }

    fn panel_keys(&self) -> Result<(PanelView<'_>, &super::PanelKeys)> {
        let keys = self
            .spec
            .panel
            .as_ref()
            .ok_or_else(|| self.err("needs the spec's `panel = { unit = ..., time = ... }`"))?;
        let view = self.frame.panel_index().expect("panel keys give an index");
        Ok((view, keys))
    }

    fn event_study(&self, f: &Formula) -> Result<ModelReport> {
        let Lhs::Outcome(lhs) = &f.lhs else {
            return Err(self.err("event studies need an outcome, not Surv(...)"));
        };
        let (view, keys) = self.panel_keys()?;
        let (unit_codes, times) = (view.unit, view.time);
        let y_all = self.frame.atom(lhs)?.remove(0).1;
        let xs = self.regressors(f)?;
        let clusters = self.cluster_codes()?;
        // Cohorts on the whole table (first treated period per unit), before the sample.
        let unit_full: Vec<u32> = unit_codes.iter().map(|c| c.unwrap_or(u32::MAX)).collect();
        let unit_factor_full = Factor::from_codes(&keys.unit, &unit_full);
        let time_full: Vec<i64> = times.iter().map(|t| t.unwrap_or(i64::MIN)).collect();
        let cohort_all: Vec<Option<i64>> = match (&self.model.treatment, &self.model.cohort) {
            (Some(t), None) => {
                let d = self.frame.numeric(t)?;
                cohorts_from_indicator(&unit_factor_full, &time_full, &d)
            }
            (None, Some(c)) => self
                .frame
                .numeric(c)?
                .iter()
                .map(|&v| (v.is_finite() && v != 0.0).then_some(v.round() as i64))
                .collect(),
            _ => {
                return Err(self.err("give exactly one of `treatment` (0/1 indicator) or `cohort`"))
            }
        };
        let time_f: Vec<f64> = times
            .iter()
            .map(|t| t.map_or(f64::NAN, |t| t as f64))
            .collect();
        let mut num: Vec<&Vec<f64>> = vec![&y_all, &time_f];
        num.extend(xs.iter().map(|(_, v)| v));
        let unit_opt: Vec<Option<u32>> = unit_codes.to_vec();
        let mut fac: Vec<&Vec<Option<u32>>> = vec![&unit_opt];
        fac.extend(clusters.iter().map(|(_, c)| c));
        let s = self.sample(&num, &fac, "the outcome, controls, unit or time")?;
        let rows = &s.rows;
        let y: Vec<f64> = rows.iter().map(|&i| y_all[i]).collect();
        let unit = factor_of(&keys.unit, unit_codes, rows);
        let time: Vec<i64> = rows.iter().map(|&i| time_full[i]).collect();
        let cohort: Vec<Option<i64>> = rows.iter().map(|&i| cohort_all[i]).collect();
        let names: Vec<String> = xs.iter().map(|(n, _)| n.clone()).collect();
        let cols: Vec<Vec<f64>> = xs
            .iter()
            .map(|(_, v)| rows.iter().map(|&i| v[i]).collect())
            .collect();
        let refs: Vec<&[f64]> = cols.iter().map(|c| c.as_slice()).collect();
        let controls = if refs.is_empty() {
            None
        } else {
            Some(Design::from_columns(&names, &refs)?)
        };
        let vcov = if self.model.se.is_none() && clusters.is_empty() {
            None
        } else {
            Some(self.vcov(rows, &clusters, false)?)
        };
        let opts = EventStudyOptions {
            method: self.model.method.unwrap_or_default(),
            window: self.model.window.map(|w| (w[0], w[1])),
            endpoints: self.model.endpoints.unwrap_or_default(),
            vcov,
            level: self.level,
            average_post: self.model.average_post,
            ..Default::default()
        };
        let r = event_study(&y, &unit, &time, &cohort, controls.as_ref(), &opts)?;
        let mut extra = ExtraTable::new(
            "event_study",
            &[
                "relative_time",
                "estimate",
                "std_error",
                "ci_lower",
                "ci_upper",
                "p_value",
            ],
        );
        for (i, k) in r.relative_times.iter().enumerate() {
            let row = r.effects.row(i);
            extra.push(vec![
                k.to_string(),
                num_s(row.estimate),
                num_s(row.std_error),
                num_s(row.ci_lower),
                num_s(row.ci_upper),
                num_s(row.p_value),
            ]);
        }
        let mut summary = vec![
            ("Method".into(), format!("{:?}", r.method)),
            ("Control group".into(), r.control.clone()),
            (
                "Treated cohorts".into(),
                r.cohorts
                    .iter()
                    .filter(|c| c.0.is_some())
                    .count()
                    .to_string(),
            ),
            (
                "Fixed effects".into(),
                format!("{}, {}", keys.unit, keys.time),
            ),
        ];
        if r.always_treated_dropped > 0 {
            summary.push((
                "Always-treated units dropped".into(),
                r.always_treated_dropped.to_string(),
            ));
        }
        if let Some(p) = r.pretrend_test {
            summary.push(("Pre-trend test p".into(), format!("{:.3}", p.p_value)));
        }
        let details = serde_json::to_value(&r).unwrap_or_default();
        Ok(ModelReport {
            group_by: None,
            name: self.name.to_string(),
            estimator: Estimator::EventStudy,
            formula: self.model.formula.clone(),
            coefficients: r.effects,
            n_obs: r.n_obs,
            clusters: r.clusters,
            dropped: r.regression.dropped.clone(),
            rows_after_filter: s.after_filter,
            rows_missing: s.missing,
            n_units: self.units_in(rows),
            dependent: String::new(),
            dependent_units: String::new(),
            sample: String::new(),
            vcov_type: r.regression.vcov_type.clone(),
            summary,
            details,
            extra: vec![extra],
        })
    }

    fn local_projection(&self, f: &Formula) -> Result<ModelReport> {
        let Lhs::Outcome(lhs) = &f.lhs else {
            return Err(self.err("local projections need an outcome, not Surv(...)"));
        };
        let shock_name = self
            .model
            .shock
            .as_ref()
            .ok_or_else(|| self.err("estimator lp needs `shock = \"column\"`"))?;
        let y_all = self.frame.atom(lhs)?.remove(0).1;
        let shock_all = self.frame.numeric(shock_name)?;
        let xs = self.regressors(f)?;
        let clusters = self.cluster_codes()?;
        // Only the filter (and the panel keys) select rows: the projection handles missing
        // values per horizon itself.
        let panel = self.frame.panel_index();
        let rows: Vec<usize> = (0..self.mask.len())
            .filter(|&i| {
                self.mask[i] && panel.is_none_or(|p| p.unit[i].is_some() && p.time[i].is_some())
            })
            .collect();
        if rows.is_empty() {
            return Err(EconError::EmptySample {
                reason: format!("model `{}`: the filter leaves no rows", self.name),
            });
        }
        let pick = |v: &Vec<f64>| rows.iter().map(|&i| v[i]).collect::<Vec<f64>>();
        let y = pick(&y_all);
        let shock = pick(&shock_all);
        let names: Vec<String> = xs.iter().map(|(n, _)| n.clone()).collect();
        let cols: Vec<Vec<f64>> = xs.iter().map(|(_, v)| pick(v)).collect();
        let refs: Vec<&[f64]> = cols.iter().map(|c| c.as_slice()).collect();
        let controls = if refs.is_empty() {
            None
        } else {
            // NaN controls are allowed here (rows are skipped per horizon)
            Some(Design::from_matrix(
                names,
                Mat::from_fn(rows.len(), refs.len(), |i, j| refs[j][i]),
            )?)
        };
        let vcov = match (self.model.se, clusters.is_empty()) {
            (None, true) => None,
            (Some(SeKind::NeweyWest), _) => Some(LpVcov::NeweyWest {
                fixed: self.model.hac_lags,
            }),
            (Some(SeKind::Cluster) | None, false) => {
                let (n, c) = &clusters[0];
                if clusters.len() > 1 {
                    return Err(self.err("local projections cluster on one variable"));
                }
                if rows.iter().any(|&i| c[i].is_none()) {
                    return Err(self.err(format!(
                        "cluster variable `{n}` has missing values in the sample"
                    )));
                }
                Some(LpVcov::Cluster(Some(factor_of(n, c, &rows))))
            }
            (Some(other), _) => {
                return Err(self.err(format!(
                    "se = {other:?} is not available for local projections"
                )))
            }
        };
        let unit;
        let time;
        let panel_index = match (panel, &self.spec.panel) {
            (Some(PanelView { unit: u, time: t }), Some(keys)) => {
                unit = factor_of(&keys.unit, u, &rows);
                time = rows
                    .iter()
                    .map(|&i| t[i].unwrap_or(0))
                    .collect::<Vec<i64>>();
                Some(PanelIndex {
                    unit: &unit,
                    time: &time,
                    time_effects: self.model.time_effects.unwrap_or(true),
                })
            }
            _ => None,
        };
        let opts = LpOptions {
            horizons: self.model.horizons.unwrap_or(8),
            response: self.model.response.unwrap_or_default(),
            lags: self.model.lags.unwrap_or(2),
            vcov,
            level: self.level,
        };
        let r = local_projection(&y, &shock, controls.as_ref(), panel_index, &opts)?;
        let mut extra = ExtraTable::new(
            "irf",
            &[
                "horizon",
                "estimate",
                "std_error",
                "ci_lower",
                "ci_upper",
                "p_value",
                "n_obs",
            ],
        );
        for h in 0..r.horizons.len() {
            let row = r.irf.row(h);
            extra.push(vec![
                h.to_string(),
                num_s(row.estimate),
                num_s(row.std_error),
                num_s(row.ci_lower),
                num_s(row.ci_upper),
                num_s(row.p_value),
                r.n_obs[h].to_string(),
            ]);
        }
        let summary = vec![
            ("Shock".into(), shock_name.clone()),
            ("Response".into(), format!("{:?}", r.response)),
            ("Lags".into(), r.lags.to_string()),
        ];
        let details = serde_json::to_value(&r).unwrap_or_default();
        Ok(ModelReport {
            group_by: None,
            name: self.name.to_string(),
            estimator: Estimator::Lp,
            formula: self.model.formula.clone(),
            coefficients: r.irf,
            n_obs: r.n_obs[0],
            clusters: r.clusters,
            dropped: vec![],
            rows_after_filter: rows.len(),
            rows_missing: 0,
            n_units: self.units_in(&rows),
            dependent: String::new(),
            dependent_units: String::new(),
            sample: String::new(),
            vcov_type: r.vcov_type,
            summary,
            details,
            extra: vec![extra],
        })
    }

    fn var(&self) -> Result<ModelReport> {
        let vars = self
            .model
            .variables
            .as_ref()
            .filter(|v| !v.is_empty())
            .ok_or_else(|| self.err("estimator var needs `variables = [...]`"))?;
        let mut rows: Vec<usize> = (0..self.mask.len()).filter(|&i| self.mask[i]).collect();
        if rows.is_empty() {
            return Err(EconError::EmptySample {
                reason: format!("model `{}`: the filter leaves no rows", self.name),
            });
        }
        if let Some(p) = self.frame.panel_index() {
            let mut units: Vec<Option<u32>> = rows.iter().map(|&i| p.unit[i]).collect();
            units.sort_unstable();
            units.dedup();
            if units.len() > 1 {
                return Err(self.err(format!(
                    "a VAR is estimated on one unit's time series, but the sample has {} units; \
                     filter to one (e.g. filter = \"{} == '...'\")",
                    units.len(),
                    self.spec.panel.as_ref().map_or("unit", |k| k.unit.as_str())
                )));
            }
            rows.sort_by_key(|&i| p.time[i]);
        }
        let table = self.frame.table;
        let mut series = vec![];
        for v in vars {
            let col = self.frame.numeric(v)?;
            let s: Vec<f64> = rows.iter().map(|&i| col[i]).collect();
            if let Some(k) = s.iter().position(|x| !x.is_finite()) {
                return Err(EconError::Invalid(format!(
                    "{}, row {} (header is row 1): `{v}` is missing; a VAR needs complete series \
                     (narrow the filter)",
                    table.name(),
                    table.source_row(rows[k])
                )));
            }
            series.push(s);
        }
        let lags = match (self.model.lag_selection.as_deref(), self.model.lags) {
            (None, Some(p)) => LagSelection::Fixed(p),
            (sel, None) => {
                let max = self.model.max_lags.unwrap_or(4);
                match sel.unwrap_or("aic") {
                    "aic" => LagSelection::Aic(max),
                    "bic" => LagSelection::Bic(max),
                    "hqic" => LagSelection::Hqic(max),
                    other => {
                        return Err(
                            self.err(format!("lag_selection `{other}`: use aic, bic or hqic"))
                        )
                    }
                }
            }
            (Some(_), Some(_)) => return Err(self.err("give `lags` or `lag_selection`, not both")),
        };
        let bootstrap = self.model.bootstrap.map(|reps| VarBootstrap {
            replications: reps,
            seed: self.seed.unwrap_or(0),
            level: self.model.band_level.unwrap_or(0.9),
        });
        let opts = VarOptions {
            lags,
            irf_horizon: self.model.irf_horizon.unwrap_or(10),
            bootstrap,
            level: self.level,
        };
        let refs: Vec<&[f64]> = series.iter().map(|s| s.as_slice()).collect();
        let r = var(&refs, vars, &opts)?;
        // Coefficients of all equations in one table: terms "equation:term".
        let mut terms = vec![];
        let mut est = vec![];
        let mut se = vec![];
        for (eq, t) in r.names.iter().zip(&r.equations) {
            for i in 0..t.len() {
                terms.push(format!("{eq}:{}", t.terms[i]));
                est.push(t.estimate[i]);
                se.push(t.std_error[i]);
            }
        }
        let k = terms.len();
        let table_v = Mat::from_fn(k, k, |i, j| if i == j { se[i] * se[i] } else { 0.0 });
        let reference = r.equations[0].reference;
        let coefficients = CoefTable::new(terms, est, &table_v, reference, self.level);
        let mut irf = ExtraTable::new(
            "var_irf",
            &["horizon", "response", "impulse", "value", "lower", "upper"],
        );
        for (h, m) in r.irf.values.iter().enumerate() {
            for (i, resp) in r.names.iter().enumerate() {
                for (j, imp) in r.names.iter().enumerate() {
                    let band = |b: &Option<Vec<Vec<Vec<f64>>>>| {
                        b.as_ref().map_or(String::new(), |b| num_s(b[h][i][j]))
                    };
                    irf.push(vec![
                        h.to_string(),
                        resp.clone(),
                        imp.clone(),
                        num_s(m[i][j]),
                        band(&r.irf.lower),
                        band(&r.irf.upper),
                    ]);
                }
            }
        }
        let mut sel = ExtraTable::new("var_lag_selection", &["lags", "aic", "bic", "hqic"]);
        for c in &r.lag_selection {
            sel.push(vec![
                c.lags.to_string(),
                num_s(c.aic),
                num_s(c.bic),
                num_s(c.hqic),
            ]);
        }
        let summary = vec![
            ("Lags".into(), r.lags.to_string()),
            (
                "Max root modulus".into(),
                format!("{:.3}", r.max_root_modulus),
            ),
            ("Log-likelihood".into(), format!("{:.2}", r.log_likelihood)),
        ];
        let details = serde_json::to_value(&r).unwrap_or_default();
        Ok(ModelReport {
            group_by: None,
            name: self.name.to_string(),
            estimator: Estimator::Var,
            formula: None,
            coefficients,
            n_obs: r.n_obs,
            clusters: vec![],
            dropped: vec![],
            rows_after_filter: rows.len(),
            rows_missing: 0,
            n_units: None,
            dependent: String::new(),
            dependent_units: String::new(),
            sample: String::new(),
            vcov_type: "classical (Σ_u ⊗ (Z'Z)⁻¹)".into(),
            summary,
            details,
            extra: vec![irf, sel],
        })
    }

    fn synth(&self, f: &Formula) -> Result<ModelReport> {
        let Lhs::Outcome(lhs) = &f.lhs else {
            return Err(self.err("synthetic control needs an outcome"));
        };
        let (view, keys) = self.panel_keys()?;
        let (unit_codes, times) = (view.unit, view.time);
        let treated = self
            .model
            .treated
            .as_ref()
            .ok_or_else(|| self.err("estimator synth needs `treated = \"unit\"`"))?;
        let t0 = self
            .model
            .treatment_time
            .ok_or_else(|| self.err("estimator synth needs `treatment_time`"))?;
        let (_, levels) = codes(self.frame.table, &keys.unit)?;
        let y_all = self.frame.atom(lhs)?.remove(0).1;
        let rows: Vec<usize> = (0..self.mask.len())
            .filter(|&i| self.mask[i] && unit_codes[i].is_some() && times[i].is_some())
            .collect();
        let mut grid: Vec<i64> = rows.iter().map(|&i| times[i].unwrap_or(0)).collect();
        grid.sort_unstable();
        grid.dedup();
        let mut units: Vec<u32> = rows.iter().filter_map(|&i| unit_codes[i]).collect();
        units.sort_unstable();
        units.dedup();
        if let Some(d) = &self.model.donors {
            units.retain(|&u| d.contains(&levels[u as usize]) || levels[u as usize] == *treated);
        }
        let covs = self.model.covariates.clone().unwrap_or_default();
        let cov_cols: Vec<Vec<f64>> = covs
            .iter()
            .map(|c| self.frame.numeric(c))
            .collect::<Result<_>>()?;
        let mut names = vec![];
        let mut outcomes = vec![];
        let mut cov_values = vec![];
        let mut incomplete = vec![];
        for &u in &units {
            let mut path = vec![f64::NAN; grid.len()];
            let mut sums = vec![(0.0, 0usize); covs.len()];
            for &i in rows.iter().filter(|&&i| unit_codes[i] == Some(u)) {
                let t = times[i].unwrap_or(0);
                let k = grid.partition_point(|&g| g < t);
                path[k] = y_all[i];
                if (t as f64) < t0 {
                    for (c, col) in cov_cols.iter().enumerate() {
                        if col[i].is_finite() {
                            sums[c].0 += col[i];
                            sums[c].1 += 1;
                        }
                    }
                }
            }
            let label = levels[u as usize].clone();
            let cov_avg: Vec<f64> = sums
                .iter()
                .map(|(s, n)| if *n > 0 { s / *n as f64 } else { f64::NAN })
                .collect();
            if path.iter().any(|v| !v.is_finite()) || cov_avg.iter().any(|v| !v.is_finite()) {
                if label == *treated {
                    return Err(self.err(format!(
                        "treated unit `{treated}` has missing outcomes or covariates in the sample period"
                    )));
                }
                incomplete.push(label);
                continue;
            }
            names.push(label);
            outcomes.push(path);
            cov_values.push(cov_avg);
        }
        let treated_idx = names
            .iter()
            .position(|n| n == treated)
            .ok_or_else(|| self.err(format!("treated unit `{treated}` is not in the sample")))?;
        let times_f: Vec<f64> = grid.iter().map(|&t| t as f64).collect();
        let data = SynthData {
            units: &names,
            times: &times_f,
            outcomes: &outcomes,
            treated: treated_idx,
            treatment_time: t0,
            covariates: if covs.is_empty() {
                None
            } else {
                Some((&covs, &cov_values))
            },
        };
        let outcome_predictor_periods = match &self.model.predictor_years {
            None => None,
            Some(years) => Some(
                years
                    .iter()
                    .map(|y| {
                        grid.iter()
                            .position(|g| g == y)
                            .filter(|_| (*y as f64) < t0)
                            .ok_or_else(|| {
                                self.err(format!(
                                    "predictor year {y} is not a pre-treatment year of the sample \
                                     ({}-{}, treatment in {t0})",
                                    grid[0],
                                    grid[grid.len() - 1]
                                ))
                            })
                    })
                    .collect::<Result<Vec<usize>>>()?,
            ),
        };
        let opts = SynthOptions {
            weights: self.model.predictor_weights.unwrap_or_default(),
            outcome_predictor_periods,
            placebo: self.model.placebo.unwrap_or(true),
        };
        let r = synthetic_control(&data, &opts).map_err(|e| self.err(e.to_string()))?;
        let post: Vec<usize> = (0..grid.len()).filter(|&k| times_f[k] >= t0).collect();
        let mut terms = vec!["average_effect".to_string()];
        let mut est = vec![r.average_effect];
        for &k in &post {
            terms.push(format!("gap[{}]", grid[k]));
            est.push(r.gap[k]);
        }
        let k = terms.len();
        let mut coefficients = CoefTable::new(
            terms,
            est,
            &Mat::from_fn(k, k, |_, _| f64::NAN),
            Reference::Normal,
            self.level,
        );
        coefficients.p_value[0] = r.p_value.unwrap_or(f64::NAN);
        // Placebo band: the range of the placebo gaps of donors whose pre-treatment fit is
        // at most five times worse (in RMSPE) than the treated unit's (ADH 2010, fig. 5).
        let band_units: Vec<&crate::synth::PlaceboRun> = r
            .placebos
            .iter()
            .skip(1)
            .filter(|p| p.pre_rmspe <= 5.0 * r.pre_rmspe)
            .collect();
        let band = |t: usize, f: fn(f64, f64) -> f64, init: f64| {
            if band_units.is_empty() {
                f64::NAN
            } else {
                band_units.iter().map(|p| p.gap[t]).fold(init, f)
            }
        };
        // The same band in percent of each placebo's own synthetic control.
        let band_pct = |t: usize, f: fn(f64, f64) -> f64, init: f64| {
            if band_units.is_empty() {
                return f64::NAN;
            }
            band_units
                .iter()
                .map(|p| {
                    let u = names.iter().position(|n| *n == p.unit).unwrap_or(0);
                    100.0 * p.gap[t] / (outcomes[u][t] - p.gap[t])
                })
                .fold(init, f)
        };
        let own_ratio = r.placebos.first().map_or(f64::NAN, |p| p.ratio);
        let mut path = ExtraTable::new(
            "synth_path",
            &[
                "time",
                "treated",
                "synthetic",
                "gap",
                "gap_pct",
                "placebo_gap_min",
                "placebo_gap_max",
                "placebo_gap_pct_min",
                "placebo_gap_pct_max",
            ],
        );
        let mut episode = ExtraTable::new(
            "synth_episode",
            &[
                "treated",
                "treatment_time",
                "time",
                "treated_value",
                "synthetic_value",
                "gap",
                "gap_pct",
                "placebo_gap_min",
                "placebo_gap_max",
                "placebo_gap_pct_min",
                "placebo_gap_pct_max",
                "placebo_p_value",
                "rmspe_ratio",
                "pre_rmspe",
                "post_rmspe",
                "donors",
                "placebos_in_band",
            ],
        );
        for t in 0..grid.len() {
            let pct = 100.0 * r.gap[t] / r.synthetic_path[t];
            let (lo, hi) = (
                band(t, f64::min, f64::INFINITY),
                band(t, f64::max, f64::NEG_INFINITY),
            );
            let (lo_pct, hi_pct) = (
                band_pct(t, f64::min, f64::INFINITY),
                band_pct(t, f64::max, f64::NEG_INFINITY),
            );
            path.push(vec![
                grid[t].to_string(),
                num_s(r.treated_path[t]),
                num_s(r.synthetic_path[t]),
                num_s(r.gap[t]),
                num_s(pct),
                num_s(lo),
                num_s(hi),
                num_s(lo_pct),
                num_s(hi_pct),
            ]);
            episode.push(vec![
                treated.clone(),
                num_s(t0),
                grid[t].to_string(),
                num_s(r.treated_path[t]),
                num_s(r.synthetic_path[t]),
                num_s(r.gap[t]),
                num_s(pct),
                num_s(lo),
                num_s(hi),
                num_s(lo_pct),
                num_s(hi_pct),
                num_s(r.p_value.unwrap_or(f64::NAN)),
                num_s(own_ratio),
                num_s(r.pre_rmspe),
                num_s(r.post_rmspe),
                (names.len() - 1).to_string(),
                band_units.len().to_string(),
            ]);
        }
        let mut weights = ExtraTable::new("synth_weights", &["unit", "weight"]);
        for (u, w) in &r.weights {
            weights.push(vec![u.clone(), num_s(*w)]);
        }
        let mut placebo = ExtraTable::new(
            "synth_placebo",
            &["unit", "pre_rmspe", "post_rmspe", "ratio"],
        );
        for p in &r.placebos {
            placebo.push(vec![
                p.unit.clone(),
                num_s(p.pre_rmspe),
                num_s(p.post_rmspe),
                num_s(p.ratio),
            ]);
        }
        let mut summary = vec![
            ("Donors".into(), (names.len() - 1).to_string()),
            ("Pre-treatment RMSPE".into(), format!("{:.3}", r.pre_rmspe)),
        ];
        if let Some(p) = r.p_value {
            summary.push(("Placebo p-value".into(), format!("{p:.3}")));
        }
        if !incomplete.is_empty() {
            summary.push((
                "Units dropped (incomplete)".into(),
                incomplete.len().to_string(),
            ));
        }
        let details = serde_json::to_value(&r).unwrap_or_default();
        Ok(ModelReport {
            group_by: None,
            name: self.name.to_string(),
            estimator: Estimator::Synth,
            formula: self.model.formula.clone(),
            coefficients,
            n_obs: names.len() * grid.len(),
            clusters: vec![],
            dropped: incomplete,
            rows_after_filter: rows.len(),
            rows_missing: 0,
            n_units: Some(names.len()),
            dependent: String::new(),
            dependent_units: String::new(),
            sample: String::new(),
            vcov_type: "placebo in space".into(),
            summary,
            details,
            extra: vec![path, weights, placebo, episode],
        })
    }
}

/// Newey–West's rule of thumb `floor(4 (T/100)^(2/9))`.
fn default_hac_lags(t: usize) -> usize {
    (4.0 * (t as f64 / 100.0).powf(2.0 / 9.0)).floor() as usize
}

/// A number as CSV text: shortest round-trip representation, empty for NaN.
pub(crate) fn num_s(x: f64) -> String {
    if x.is_nan() {
        String::new()
    } else {
        format!("{x}")
    }
}
