//! What every estimator module shares: the model being run, its sample, and the assembly of
//! an estimator's [`Fit`] into a [`ModelReport`].

use super::super::frame::{factor_of, Frame, PanelView};
use super::super::render::ExtraTable;
use super::super::{Estimator, ModelSpec, PanelKeys, SeKind, Spec};
use super::{spec_err, ModelReport};
use crate::design::Design;
use crate::error::{EconError, Result};
use crate::inference::CoefTable;
use crate::ols::Collinear;
use crate::spec::formula::Formula;
use crate::vcov::{HcKind, MultiwayDf, VcovSpec};

/// One model of a spec being run: its name and settings, the loaded data and the rows its
/// filters keep. Each estimator module adds one method to it.
pub(super) struct Ctx<'a> {
    /// The model's name (for error messages and the report).
    pub name: &'a str,
    /// The whole spec (for its panel keys).
    pub spec: &'a Spec,
    /// This model's settings.
    pub model: &'a ModelSpec,
    /// The loaded table with its panel index.
    pub frame: &'a Frame<'a>,
    /// One entry per table row: kept by the spec's and the model's filters.
    pub mask: &'a [bool],
    /// Confidence level of intervals (e.g. 0.95).
    pub level: f64,
    /// Seed of the bootstraps (the command line's `--seed` over the spec's).
    pub seed: Option<u64>,
}

/// Columns evaluated on the whole table and the rows kept (filter and no missing values).
pub(super) struct Sample {
    /// Table rows used, in table order.
    pub rows: Vec<usize>,
    /// Rows passing the filters.
    pub after_filter: usize,
    /// Rows passing the filters but dropped for a missing value.
    pub missing: usize,
}

/// The estimator-specific part of a [`ModelReport`], as each estimator module returns it
/// to [`Ctx::report`] (it replaces the 6- and 7-tuples of the single-file runner).
pub(super) struct Fit {
    /// The estimates with their standard errors and intervals.
    pub coefficients: CoefTable,
    /// Observations the estimator used.
    pub n_obs: usize,
    /// Cluster variables with their number of clusters.
    pub clusters: Vec<(String, usize)>,
    /// Regressors dropped as collinear or absorbed.
    pub dropped: Vec<String>,
    /// The variance estimator in words.
    pub vcov_type: String,
    /// Lines for the bottom panel of the LaTeX table (label, value).
    pub summary: Vec<(String, String)>,
    /// The estimator's full result as JSON.
    pub details: serde_json::Value,
    /// Extra CSV tables (curves, paths, weights).
    pub extra: Vec<ExtraTable>,
}

/// The rows behind a [`Fit`], for the sample description of the report.
pub(super) struct Used {
    /// Rows passing the filters.
    pub after_filter: usize,
    /// Of those, rows dropped for missing values.
    pub missing: usize,
    /// Panel units among the rows used (see [`ModelReport::n_units`]).
    pub n_units: Option<usize>,
}

impl Ctx<'_> {
    /// The report of this model from an estimator's fit. The dependent variable, its
    /// units and the sample in words are filled afterwards by `describe_sample`.
    pub fn report(&self, estimator: Estimator, fit: Fit, used: Used) -> ModelReport {
        ModelReport {
            group_by: None,
            name: self.name.to_string(),
            estimator,
            // A VAR takes its equations from `variables`, not from a formula.
            formula: if estimator == Estimator::Var {
                None
            } else {
                self.model.formula.clone()
            },
            coefficients: fit.coefficients,
            n_obs: fit.n_obs,
            clusters: fit.clusters,
            dropped: fit.dropped,
            rows_after_filter: used.after_filter,
            rows_missing: used.missing,
            n_units: used.n_units,
            dependent: String::new(),
            dependent_units: String::new(),
            sample: String::new(),
            vcov_type: fit.vcov_type,
            summary: fit.summary,
            details: fit.details,
            extra: fit.extra,
        }
    }

    /// The design matrix of the regressors `xs` (name, whole-table column) on `rows`,
    /// without an intercept; an empty design when there are no regressors.
    pub fn design(&self, xs: &[(String, Vec<f64>)], rows: &[usize]) -> Result<Design> {
        let names: Vec<String> = xs.iter().map(|(n, _)| n.clone()).collect();
        let cols: Vec<Vec<f64>> = xs
            .iter()
            .map(|(_, v)| rows.iter().map(|&i| v[i]).collect())
            .collect();
        let refs: Vec<&[f64]> = cols.iter().map(|c| c.as_slice()).collect();
        if refs.is_empty() {
            Ok(Design::empty(rows.len()))
        } else {
            Design::from_columns(&names, &refs)
        }
    }

    /// The error "model `name`: message".
    pub fn err(&self, m: impl Into<String>) -> EconError {
        spec_err(self.name, m)
    }

    /// Distinct panel units among `rows` (None without panel keys).
    pub fn units_in(&self, rows: &[usize]) -> Option<usize> {
        let p = self.frame.panel_index()?;
        let mut u: Vec<u32> = rows.iter().filter_map(|&i| p.unit[i]).collect();
        u.sort_unstable();
        u.dedup();
        Some(u.len())
    }

    /// Rows passing the filter with every listed numeric column finite and every listed
    /// categorical column present.
    pub fn sample(
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

    pub fn regressors(&self, f: &Formula) -> Result<Vec<(String, Vec<f64>)>> {
        let mut cols = vec![];
        for t in &f.terms {
            cols.extend(self.frame.term(t)?);
        }
        Ok(cols)
    }

    pub fn cluster_codes(&self) -> Result<Vec<(String, Vec<Option<u32>>)>> {
        self.model
            .cluster
            .iter()
            .map(|c| Ok((c.clone(), self.frame.factor_codes(c)?.0)))
            .collect()
    }

    /// The variance estimator on the sample rows.
    pub fn vcov(
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

    pub fn collinear(&self) -> Collinear {
        if self.model.drop_collinear.unwrap_or(true) {
            Collinear::Drop
        } else {
            Collinear::Refuse
        }
    }

    pub fn panel_keys(&self) -> Result<(PanelView<'_>, &PanelKeys)> {
        let keys = self
            .spec
            .panel
            .as_ref()
            .ok_or_else(|| self.err("needs the spec's `panel = { unit = ..., time = ... }`"))?;
        let view = self.frame.panel_index().expect("panel keys give an index");
        Ok((view, keys))
    }
}

/// Newey–West's rule of thumb `floor(4 (T/100)^(2/9))`.
pub(super) fn default_hac_lags(t: usize) -> usize {
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
