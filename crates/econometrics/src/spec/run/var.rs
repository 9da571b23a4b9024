//! Vector autoregressions on one unit's time series (`var`).

use super::context::{Ctx, Fit, Used};
use super::{num_s, ModelReport};
use crate::error::{EconError, Result};
use crate::inference::CoefTable;
use crate::spec::render::ExtraTable;
use crate::spec::Estimator;
use crate::var::{var, LagSelection, VarBootstrap, VarOptions};
use faer::Mat;

impl Ctx<'_> {
    /// Estimates a VAR on the `variables` of one unit, with impulse responses (`var`).
    pub(super) fn var(&self) -> Result<ModelReport> {
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
        let fit = Fit {
            coefficients,
            n_obs: r.n_obs,
            clusters: vec![],
            dropped: vec![],
            vcov_type: "classical (Σ_u ⊗ (Z'Z)⁻¹)".into(),
            summary,
            details,
            extra: vec![irf, sel],
        };
        let used = Used {
            after_filter: rows.len(),
            missing: 0,
            n_units: None,
        };
        Ok(self.report(Estimator::Var, fit, used))
    }
}
