//! Inverse-probability-weighted average treatment effect on the treated (`ipw`).

use super::context::{Ctx, Fit, Used};
use super::{num_s, ModelReport};
use crate::error::Result;
use crate::selection::{ipw_att, IpwOptions};
use crate::spec::formula::{Formula, Lhs};
use crate::spec::frame::factor_of;
use crate::spec::render::ExtraTable;
use crate::spec::Estimator;

impl Ctx<'_> {
    /// Estimates the effect on the treated by inverse-probability weighting (`ipw`).
    pub(super) fn ipw(&self, f: &Formula) -> Result<ModelReport> {
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
        let mut design = self.design(&xs, rows)?;
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
        let fit = Fit {
            coefficients: r.effects,
            n_obs: rows.len(),
            clusters: clusters_out,
            dropped: vec![],
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
        };
        let used = Used {
            after_filter: s.after_filter,
            missing: s.missing,
            n_units: self.units_in(rows),
        };
        Ok(self.report(Estimator::Ipw, fit, used))
    }
}
