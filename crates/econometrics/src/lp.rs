//! Local projections (Jordà 2005): the response of `y` at horizons `h = 0..H` to a shock at
//! `t`, one least-squares regression per horizon.
//!
//! Horizon `h` regresses `y_{t+h}` (or `y_{t+h} − y_{t−1}`, see [`LpResponse`]) on the shock
//! `s_t`, `L` lags of `y` and of `s`, optional controls, and an intercept (time series) or unit
//! fixed effects (panel). The impulse response is the coefficient on `s_t`. Residuals of
//! horizon `h > 0` are serially correlated by construction, so time-series standard errors are
//! Newey–West with `h + 1` lags by default; panel standard errors are clustered by unit.
//!
//! The covariance across horizons is not estimated: the `vcov` of the returned table is
//! diagonal, and each row's t statistic, p-value and interval come from its own regression.

use crate::design::Design;
use crate::error::{EconError, Result};
use crate::factor::Factor;
use crate::inference::CoefTable;
use crate::ols::{ols, OlsOptions};
use crate::vcov::VcovSpec;
use crate::within::{within, WithinOptions};
use serde::Serialize;
use std::collections::HashMap;

/// The left-hand side of each horizon's regression.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LpResponse {
    /// `y_{t+h}`. The default.
    #[default]
    Level,
    /// `y_{t+h} − y_{t−1}` (cumulative change; for series in logs or levels with a unit root).
    Change,
}

/// Standard errors of a local projection.
#[derive(Debug, Clone, PartialEq)]
pub enum LpVcov {
    /// Newey–West with `lags(h)` = `fixed` or `h + 1` when `None` (time series).
    NeweyWest {
        /// A lag count for every horizon; `None`: `h + 1` at horizon `h`.
        fixed: Option<usize>,
    },
    /// Cluster-robust by a factor (panel; default: by unit), default correction.
    Cluster(Option<Factor>),
    /// Any other variance estimator, the same at every horizon.
    Other(VcovSpec),
}

/// The panel structure (for panel local projections).
#[derive(Debug, Clone, Copy)]
pub struct PanelIndex<'a> {
    /// The unit of each observation.
    pub unit: &'a Factor,
    /// The time period of each observation (whole numbers).
    pub time: &'a [i64],
    /// Absorb time fixed effects too (default in [`LpOptions`]: true).
    pub time_effects: bool,
}

/// Options of [`local_projection`].
#[derive(Debug, Clone)]
pub struct LpOptions {
    /// Largest horizon `H`.
    pub horizons: usize,
    /// The outcome at the horizon, `y_{t+h}` (default) or `y_{t+h} − y_{t−1}`.
    pub response: LpResponse,
    /// Lags `L` of the outcome and of the shock included as controls.
    pub lags: usize,
    /// `None`: Newey–West for time series, clustered by unit for panels.
    pub vcov: Option<LpVcov>,
    /// Confidence level of the intervals (default 0.95).
    pub level: f64,
}

impl Default for LpOptions {
    fn default() -> Self {
        LpOptions {
            horizons: 8,
            response: LpResponse::Level,
            lags: 2,
            vcov: None,
            level: 0.95,
        }
    }
}

/// Result of [`local_projection`].
#[derive(Debug, Clone, Serialize)]
pub struct LpResult {
    /// Responses by horizon, terms `h0`, `h1`, ….
    pub irf: CoefTable,
    /// The horizons estimated, 0..=H.
    pub horizons: Vec<usize>,
    /// Observations used at each horizon.
    pub n_obs: Vec<usize>,
    /// The response definition used.
    pub response: LpResponse,
    /// The lags used as controls.
    pub lags: usize,
    /// Description of the variance estimator.
    pub vcov_type: String,
    /// Clusters (panel), from horizon 0.
    pub clusters: Vec<(String, usize)>,
}

/// Local projections of `y` on `shock`. Without `panel` the rows are consecutive periods of one
/// time series; with it, leads and lags are taken within each unit by time value.
///
/// ```
/// use pressure_econometrics::lp::{local_projection, LpOptions};
/// // y_t = s_t + 0.5 y_{t−1}: the impact response is exactly 1
/// let s: Vec<f64> = (0..200).map(|t| ((t * 7919) % 13) as f64 - 6.0).collect();
/// let mut y = vec![0.0; 200];
/// for t in 0..200 {
///     y[t] = s[t] + if t > 0 { 0.5 * y[t - 1] } else { 0.0 };
/// }
/// let opts = LpOptions { horizons: 3, lags: 1, ..Default::default() };
/// let lp = local_projection(&y, &s, None, None, &opts).unwrap();
/// assert!((lp.irf.estimate[0] - 1.0).abs() < 1e-9);
/// assert_eq!(lp.irf.terms, vec!["h0", "h1", "h2", "h3"]);
/// ```
pub fn local_projection(
    y: &[f64],
    shock: &[f64],
    controls: Option<&Design>,
    panel: Option<PanelIndex<'_>>,
    opts: &LpOptions,
) -> Result<LpResult> {
    let n = y.len();
    if shock.len() != n || controls.is_some_and(|c| c.n_rows() != n) {
        return Err(EconError::Dimension(
            "outcome, shock and controls differ in length".into(),
        ));
    }
    // lead(i, h): the row of the same unit h periods later (negative h: earlier).
    let lookup: Option<HashMap<(u32, i64), usize>> = panel.map(|p| {
        p.unit
            .codes
            .iter()
            .zip(p.time)
            .enumerate()
            .map(|(i, (&u, &t))| ((u, t), i))
            .collect()
    });
    if let (Some(p), Some(map)) = (&panel, &lookup) {
        if p.unit.len() != n || p.time.len() != n {
            return Err(EconError::Dimension("panel index length differs".into()));
        }
        if map.len() != n {
            return Err(EconError::Invalid(
                "panel local projection: (unit, time) pairs are not unique".into(),
            ));
        }
    }
    let shift = |i: usize, h: i64| -> Option<usize> {
        match (&panel, &lookup) {
            (Some(p), Some(map)) => map.get(&(p.unit.codes[i], p.time[i] + h)).copied(),
            _ => {
                let j = i as i64 + h;
                (0..n as i64).contains(&j).then_some(j as usize)
            }
        }
    };
    let mut names = vec!["shock".to_string()];
    for l in 1..=opts.lags {
        names.push(format!("y_lag{l}"));
    }
    for l in 1..=opts.lags {
        names.push(format!("shock_lag{l}"));
    }
    if let Some(c) = controls {
        names.extend(c.names().iter().cloned());
    }
    let mut table = CoefTable {
        terms: vec![],
        estimate: vec![],
        std_error: vec![],
        statistic: vec![],
        p_value: vec![],
        ci_lower: vec![],
        ci_upper: vec![],
        level: opts.level,
        reference: crate::inference::Reference::Normal,
        vcov: vec![],
    };
    let mut n_obs = vec![];
    let mut vcov_type = String::new();
    let mut clusters = vec![];
    for h in 0..=opts.horizons {
        let mut lhs = vec![];
        let mut cols: Vec<Vec<f64>> = vec![vec![]; names.len()];
        let mut used = vec![];
        'rows: for i in 0..n {
            let Some(j) = shift(i, h as i64) else {
                continue;
            };
            let mut dep = y[j];
            if opts.response == LpResponse::Change {
                let Some(b) = shift(i, -1) else { continue };
                dep -= y[b];
            }
            let mut row = vec![shock[i]];
            for l in 1..=opts.lags {
                let Some(b) = shift(i, -(l as i64)) else {
                    continue 'rows;
                };
                row.push(y[b]);
            }
            for l in 1..=opts.lags {
                let Some(b) = shift(i, -(l as i64)) else {
                    continue 'rows;
                };
                row.push(shock[b]);
            }
            if let Some(c) = controls {
                for k in 0..c.n_cols() {
                    row.push(c.column(k)[i]);
                }
            }
            if !dep.is_finite() || row.iter().any(|v| !v.is_finite()) {
                continue;
            }
            lhs.push(dep);
            for (c, v) in cols.iter_mut().zip(row) {
                c.push(v);
            }
            used.push(i);
        }
        if lhs.is_empty() {
            return Err(EconError::EmptySample {
                reason: format!("no observation has all leads and lags at horizon {h}"),
            });
        }
        let refs: Vec<&[f64]> = cols.iter().map(|c| c.as_slice()).collect();
        let design = Design::from_columns(&names, &refs)?;
        let (coefs, reference) = match (&panel, &opts.vcov) {
            (None, v) => {
                let vcov = match v {
                    None | Some(LpVcov::NeweyWest { fixed: None }) => VcovSpec::NeweyWest {
                        lags: h + 1,
                        df_correction: false,
                    },
                    Some(LpVcov::NeweyWest { fixed: Some(l) }) => VcovSpec::NeweyWest {
                        lags: *l,
                        df_correction: false,
                    },
                    Some(LpVcov::Cluster(Some(f))) => VcovSpec::cluster(f.subset(&used)),
                    Some(LpVcov::Cluster(None)) => {
                        return Err(EconError::Invalid(
                            "clustered local projections of a time series need a cluster \
                             variable"
                                .into(),
                        ))
                    }
                    Some(LpVcov::Other(s)) => s.subset(&used),
                };
                vcov_type = vcov.describe();
                let fit = ols(&lhs, &design.with_intercept(), &OlsOptions::with_vcov(vcov))?;
                clusters = fit.clusters.clone();
                let r = fit.coefficients.reference;
                (fit.coefficients, r)
            }
            (Some(p), v) => {
                let unit = p.unit.subset(&used);
                let vcov = match v {
                    None | Some(LpVcov::Cluster(None)) => VcovSpec::cluster(unit.clone()),
                    Some(LpVcov::Cluster(Some(f))) => VcovSpec::cluster(f.subset(&used)),
                    Some(LpVcov::NeweyWest { .. }) => {
                        return Err(EconError::Invalid(
                            "panel local projections use clustered or Driscoll–Kraay \
                             standard errors, not Newey–West"
                                .into(),
                        ))
                    }
                    Some(LpVcov::Other(s)) => s.subset(&used),
                };
                vcov_type = vcov.describe();
                let mut fes = vec![unit];
                if p.time_effects {
                    let t: Vec<i64> = used.iter().map(|&i| p.time[i]).collect();
                    fes.push(Factor::from_values("time", &t));
                }
                let fit = within(&lhs, &design, &fes, &WithinOptions::with_vcov(vcov))?;
                if h == 0 {
                    clusters = fit.clusters.clone();
                }
                let r = fit.coefficients.reference;
                (fit.coefficients, r)
            }
        };
        let row = coefs.get("shock").ok_or_else(|| {
            EconError::Invalid(format!(
                "the shock is collinear with the controls at horizon {h}"
            ))
        })?;
        if h == 0 {
            table.reference = reference;
        }
        table.terms.push(format!("h{h}"));
        table.estimate.push(row.estimate);
        table.std_error.push(row.std_error);
        table.statistic.push(row.statistic);
        table.p_value.push(row.p_value);
        table.ci_lower.push(row.ci_lower);
        table.ci_upper.push(row.ci_upper);
        n_obs.push(lhs.len());
    }
    let k = table.terms.len();
    table.vcov = (0..k * k)
        .map(|ij| {
            let (i, j) = (ij / k, ij % k);
            if i == j {
                table.std_error[i].powi(2)
            } else {
                0.0
            }
        })
        .collect();
    Ok(LpResult {
        irf: table,
        horizons: (0..=opts.horizons).collect(),
        n_obs,
        response: opts.response,
        lags: opts.lags,
        vcov_type,
        clusters,
    })
}
