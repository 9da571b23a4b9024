//! Staggered-adoption event studies (`event_study`).

use super::context::{Ctx, Fit, Used};
use super::{num_s, ModelReport};
use crate::design::Design;
use crate::error::Result;
use crate::event_study::{cohorts_from_indicator, event_study, EventStudyOptions};
use crate::factor::Factor;
use crate::spec::formula::{Formula, Lhs};
use crate::spec::frame::factor_of;
use crate::spec::render::ExtraTable;
use crate::spec::Estimator;

impl Ctx<'_> {
    /// Estimates a staggered-adoption event study (`event_study`).
    pub(super) fn event_study(&self, f: &Formula) -> Result<ModelReport> {
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
        let fit = Fit {
            coefficients: r.effects,
            n_obs: r.n_obs,
            clusters: r.clusters,
            dropped: r.regression.dropped.clone(),
            vcov_type: r.regression.vcov_type.clone(),
            summary,
            details,
            extra: vec![extra],
        };
        let used = Used {
            after_filter: s.after_filter,
            missing: s.missing,
            n_units: self.units_in(rows),
        };
        Ok(self.report(Estimator::EventStudy, fit, used))
    }
}
