//! Least squares (`ols`), the within estimator (`fe`) and binary outcomes (`logit`, `probit`).

use super::context::{Ctx, Used};
use super::ModelReport;
use crate::binary::{binary, BinaryLink, BinaryOptions};
use crate::error::Result;
use crate::factor::Factor;
use crate::ols::{ols, OlsOptions};
use crate::spec::formula::{Formula, Lhs};
use crate::spec::frame::factor_of;
use crate::spec::Estimator;
use crate::within::{within, WithinOptions};

impl Ctx<'_> {
    /// Estimates an `ols`, `fe`, `logit` or `probit` model.
    pub(super) fn regression(&self, f: &Formula) -> Result<ModelReport> {
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
        let mut design = self.design(&xs, rows)?;
        let likelihood = matches!(est, Estimator::Logit | Estimator::Probit);
        let vcov = self.vcov(rows, &clusters, likelihood)?;
        // Rows actually used (the within estimator drops singletons).
        let mut used_rows = rows.clone();
        let fit = match est {
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
                let summary = vec![
                    ("R²".into(), format!("{:.3}", r.r_squared)),
                    ("Adjusted R²".into(), format!("{:.3}", r.adj_r_squared)),
                ];
                fit_of!(r, summary)
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
                let mut summary = vec![
                    ("Within R²".into(), format!("{:.3}", r.within_r_squared)),
                    ("Fixed effects".into(), f.fixed_effects.join(", ")),
                ];
                if r.singletons_dropped > 0 {
                    summary.push((
                        "Singletons dropped".into(),
                        r.singletons_dropped.to_string(),
                    ));
                }
                fit_of!(r, summary)
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
                let mut summary =
                    vec![("Log-likelihood".into(), format!("{:.2}", r.log_likelihood))];
                if let Some(p) = r.pseudo_r_squared {
                    summary.push(("Pseudo R²".into(), format!("{p:.3}")));
                }
                fit_of!(r, summary)
            }
        };
        let used = Used {
            after_filter: s.after_filter,
            missing: s.missing,
            n_units: self.units_in(&used_rows),
        };
        Ok(self.report(est, fit, used))
    }
}
