//! Panel local projections (`lp`).

use super::context::{Ctx, Fit, Used};
use super::{num_s, ModelReport};
use crate::design::Design;
use crate::error::{EconError, Result};
use crate::lp::{local_projection, LpOptions, LpVcov, PanelIndex};
use crate::spec::formula::{Formula, Lhs};
use crate::spec::frame::{factor_of, PanelView};
use crate::spec::render::ExtraTable;
use crate::spec::{Estimator, SeKind};
use faer::Mat;

impl Ctx<'_> {
    /// Estimates panel local projections of an outcome on a shock (`lp`).
    pub(super) fn local_projection(&self, f: &Formula) -> Result<ModelReport> {
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
        let fit = Fit {
            coefficients: r.irf,
            n_obs: r.n_obs[0],
            clusters: r.clusters,
            dropped: vec![],
            vcov_type: r.vcov_type,
            summary,
            details,
            extra: vec![extra],
        };
        let used = Used {
            after_filter: rows.len(),
            missing: 0,
            n_units: self.units_in(&rows),
        };
        Ok(self.report(Estimator::Lp, fit, used))
    }
}
