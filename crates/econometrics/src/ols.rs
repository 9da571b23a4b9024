//! Ordinary least squares with classical, heteroskedasticity-robust, cluster-robust and HAC
//! standard errors.

use crate::design::Design;
use crate::error::{EconError, Result};
use crate::inference::CoefTable;
use crate::linalg::lstsq::{lstsq, LstsqOptions, Precision};
use crate::vcov::{least_squares_vcov, DofFacts, VcovSpec};
use serde::Serialize;

/// What to do with perfectly collinear regressors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Collinear {
    /// Drop each column that is a linear combination of earlier columns and report it in
    /// `dropped` (R's `lm`, Stata). The default.
    #[default]
    Drop,
    /// Refuse with [`EconError::Collinear`] naming the columns.
    Refuse,
}

/// Options of [`ols`].
#[derive(Debug, Clone)]
pub struct OlsOptions {
    /// The variance estimator of the coefficients (default classical).
    pub vcov: VcovSpec,
    /// Confidence level of the intervals (default 0.95).
    pub level: f64,
    /// Drop collinear columns and list them (default), or refuse with an error.
    pub collinear: Collinear,
    /// Least-squares solver precision (default `Refined`: double-double refinement when the
    /// error bound asks for it).
    pub precision: Precision,
}

impl Default for OlsOptions {
    fn default() -> Self {
        OlsOptions {
            vcov: VcovSpec::Classical,
            level: 0.95,
            collinear: Collinear::Drop,
            precision: Precision::Refined,
        }
    }
}

impl OlsOptions {
    /// Default options with another variance estimator.
    pub fn with_vcov(vcov: VcovSpec) -> Self {
        OlsOptions {
            vcov,
            ..Default::default()
        }
    }
}

/// Result of [`ols`].
#[derive(Debug, Clone, Serialize)]
pub struct OlsResult {
    /// Estimates, standard errors, statistics, p-values and intervals, one row per kept column.
    pub coefficients: CoefTable,
    /// Columns dropped as collinear with earlier ones.
    pub dropped: Vec<String>,
    /// Observations used.
    pub n_obs: usize,
    /// Residual degrees of freedom `N − k`.
    pub df_resid: f64,
    /// `1 − RSS/TSS`.
    pub r_squared: f64,
    /// R² adjusted for the number of coefficients, `1 − (1 − R²)(N − c)/(N − k)` with `c` = 1
    /// when the design has a constant column, else 0.
    pub adj_r_squared: f64,
    /// Residual sum of squares.
    pub rss: f64,
    /// Total sum of squares (centred when the design has a constant column, else uncentred).
    pub tss: f64,
    /// Residual standard deviation `√(RSS/(N−k))`.
    pub sigma: f64,
    /// Gaussian log-likelihood at the estimates.
    pub log_likelihood: f64,
    /// Akaike's criterion `−2ℓ + 2k`, `k` the number of estimated coefficients.
    pub aic: f64,
    /// Schwarz's criterion `−2ℓ + k ln N`.
    pub bic: f64,
    /// Condition number estimate of the column-scaled design.
    pub condition_number: f64,
    /// Cluster variables and their number of clusters (empty unless clustered).
    pub clusters: Vec<(String, usize)>,
    /// Description of the variance estimator.
    pub vcov_type: String,
    /// True when a multiway cluster variance was made positive semi-definite.
    pub vcov_psd_fixed: bool,
    /// Residuals `y − ŷ`, one per observation (not serialised).
    #[serde(skip)]
    pub residuals: Vec<f64>,
    /// Fitted values `ŷ`, one per observation (not serialised).
    #[serde(skip)]
    pub fitted: Vec<f64>,
}

/// Ordinary least squares of `y` on the columns of `design`.
///
/// ```
/// use pressure_econometrics::{ols, Design, OlsOptions, VcovSpec, HcKind};
/// let x = [1.0, 2.0, 3.0, 4.0, 5.0];
/// let y = [1.1, 1.9, 3.2, 3.9, 5.1];
/// let d = Design::from_columns(&["x"], &[&x]).unwrap().with_intercept();
/// let fit = ols(&y, &d, &OlsOptions::with_vcov(VcovSpec::Hetero(HcKind::Hc1))).unwrap();
/// let slope = fit.coefficients.get("x").unwrap();
/// assert!((slope.estimate - 1.0).abs() < 1e-12);
/// ```
pub fn ols(y: &[f64], design: &Design, opts: &OlsOptions) -> Result<OlsResult> {
    let n = design.n_rows();
    if y.len() != n {
        return Err(EconError::Dimension(format!(
            "{} outcome values for {} design rows",
            y.len(),
            n
        )));
    }
    if n == 0 {
        return Err(EconError::EmptySample {
            reason: "no observations".into(),
        });
    }
    if let Some(row) = y.iter().position(|v| !v.is_finite()) {
        return Err(EconError::NonFinite {
            name: "outcome".into(),
            row,
        });
    }
    let fit = lstsq(
        design.matrix().as_ref(),
        y,
        &LstsqOptions {
            precision: opts.precision,
            ..Default::default()
        },
    )?;
    let dropped: Vec<String> = fit
        .dropped
        .iter()
        .map(|&j| design.names()[j].clone())
        .collect();
    if !dropped.is_empty() && opts.collinear == Collinear::Refuse {
        return Err(EconError::Collinear {
            dropped,
            refused: true,
        });
    }
    let k = fit.kept.len();
    if n <= k {
        return Err(EconError::TooFewObservations { n, k });
    }
    let x_kept = faer::Mat::from_fn(n, k, |i, c| design.matrix()[(i, fit.kept[c])]);
    let v = least_squares_vcov(
        &opts.vcov,
        x_kept.as_ref(),
        &fit.residuals,
        &fit.xtx_inv,
        fit.rss,
        DofFacts {
            n,
            k,
            fe_rank: 0,
            fe: &[],
        },
    )?;
    let names: Vec<String> = fit
        .kept
        .iter()
        .map(|&j| design.names()[j].clone())
        .collect();
    let coefficients = CoefTable::new(names, fit.coef.clone(), &v.vcov, v.reference, opts.level);
    let centred = design.has_constant();
    let tss = total_sum_of_squares(y, centred);
    let df_resid = (n - k) as f64;
    let r_squared = 1.0 - fit.rss / tss;
    let df_total = if centred { n as f64 - 1.0 } else { n as f64 };
    let adj_r_squared = 1.0 - (fit.rss / df_resid) / (tss / df_total);
    let nf = n as f64;
    let log_likelihood =
        -0.5 * nf * ((2.0 * std::f64::consts::PI).ln() + (fit.rss / nf).ln() + 1.0);
    let fitted: Vec<f64> = y.iter().zip(&fit.residuals).map(|(y, e)| y - e).collect();
    Ok(OlsResult {
        coefficients,
        dropped,
        n_obs: n,
        df_resid,
        r_squared,
        adj_r_squared,
        rss: fit.rss,
        tss,
        sigma: (fit.rss / df_resid).sqrt(),
        log_likelihood,
        aic: -2.0 * log_likelihood + 2.0 * k as f64,
        bic: -2.0 * log_likelihood + (k as f64) * nf.ln(),
        condition_number: fit.condition,
        clusters: v.clusters,
        vcov_type: opts.vcov.describe(),
        vcov_psd_fixed: v.psd_fixed,
        residuals: fit.residuals,
        fitted,
    })
}

/// Σ(y − ȳ)² (centred, mean accumulated in double-double) or Σy².
pub(crate) fn total_sum_of_squares(y: &[f64], centred: bool) -> f64 {
    use crate::linalg::dd::Dd;
    let mean = if centred {
        let s = y.iter().fold(Dd::ZERO, |a, &v| a.add_f64(v));
        s.to_f64() / y.len() as f64
    } else {
        0.0
    };
    y.iter()
        .fold(Dd::ZERO, |a, &v| a.add_prod(v - mean, v - mean))
        .to_f64()
}
