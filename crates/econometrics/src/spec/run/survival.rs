//! Survival models: Cox proportional hazards (`cox`), Weibull (`weibull`) and Kaplan–Meier curves (`km`).

use super::context::{Ctx, Fit, Used};
use super::{num_s, ModelReport};
use crate::error::{EconError, Result};
use crate::inference::{CoefTable, Reference};
use crate::spec::formula::{Formula, Lhs};
use crate::spec::frame::factor_of;
use crate::spec::render::ExtraTable;
use crate::spec::Estimator;
use crate::survival::{
    cox, kaplan_meier, weibull, CoxOptions, KmConfidence, Spells, WeibullOptions,
};
use faer::Mat;

impl Ctx<'_> {
    /// Estimates a `cox`, `weibull` or `km` model on `Surv(...)` spells.
    pub(super) fn survival(&self, f: &Formula) -> Result<ModelReport> {
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
        let design = self.design(&xs, rows)?;
        let vcov = self.vcov(rows, &clusters, true)?;
        let fit = match est {
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
                fit_of!(r, summary)
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
                fit_of!(r, summary)
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
                Fit {
                    coefficients: table,
                    n_obs: rows.len(),
                    clusters: vec![],
                    dropped: vec![],
                    vcov_type: "Greenwood".to_string(),
                    summary,
                    details: serde_json::to_value(&curves).unwrap_or_default(),
                    extra: vec![curve],
                }
            }
        };
        let used = Used {
            after_filter: s.after_filter,
            missing: s.missing,
            n_units: self.units_in(rows),
        };
        Ok(self.report(est, fit, used))
    }
}
