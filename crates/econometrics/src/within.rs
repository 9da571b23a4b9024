//! The within (fixed-effects) estimator with any number of high-dimensional fixed effects.

use crate::design::Design;
use crate::error::{EconError, Result};
use crate::factor::Factor;
use crate::fe::{demean_columns, drop_singletons, fe_rank, DemeanOptions};
use crate::inference::CoefTable;
use crate::linalg::lstsq::{lstsq, LstsqOptions, Precision};
use crate::ols::{total_sum_of_squares, Collinear};
use crate::vcov::{least_squares_vcov, DofFacts, VcovSpec};
use faer::Mat;
use serde::Serialize;

/// A regressor whose within-variation is below this fraction of its norm is taken to be
/// absorbed by the fixed effects (e.g. a country-constant variable with country effects).
pub const ABSORBED_TOL: f64 = 1e-8;

/// Options of [`within`].
#[derive(Debug, Clone)]
pub struct WithinOptions {
    /// The variance estimator of the coefficients (default classical).
    pub vcov: VcovSpec,
    /// Confidence level of the intervals (default 0.95).
    pub level: f64,
    /// Drop collinear (or absorbed) columns and list them (default), or refuse.
    pub collinear: Collinear,
    /// Drop singleton observations first (default true, as reghdfe and fixest).
    pub drop_singletons: bool,
    /// Tolerance and iteration limit of the alternating-projections demeaning.
    pub demean: DemeanOptions,
    /// Least-squares solver precision on the demeaned data.
    pub precision: Precision,
}

impl Default for WithinOptions {
    fn default() -> Self {
        WithinOptions {
            vcov: VcovSpec::Classical,
            level: 0.95,
            collinear: Collinear::Drop,
            drop_singletons: true,
            demean: DemeanOptions::default(),
            precision: Precision::Refined,
        }
    }
}

impl WithinOptions {
    /// Default options with another variance estimator.
    pub fn with_vcov(vcov: VcovSpec) -> Self {
        WithinOptions {
            vcov,
            ..Default::default()
        }
    }
}

/// Result of [`within`].
#[derive(Debug, Clone, Serialize)]
pub struct WithinResult {
    /// Estimates of the non-absorbed regressors with their inference.
    pub coefficients: CoefTable,
    /// Regressors dropped: absorbed by the fixed effects or collinear with earlier ones.
    pub dropped: Vec<String>,
    /// Observations used (after singletons).
    pub n_obs: usize,
    /// Singleton observations dropped.
    pub singletons_dropped: usize,
    /// Fixed effects and their numbers of levels in the estimation sample.
    pub fixed_effects: Vec<(String, usize)>,
    /// Rank of the fixed-effect dummies (parameters absorbed, intercept included).
    pub fe_rank: usize,
    /// `N − k − fe_rank`.
    pub df_resid: f64,
    /// R² of the full model (fixed effects included), centred.
    pub r_squared: f64,
    /// R² of the demeaned regression.
    pub within_r_squared: f64,
    /// R² of the full model adjusted for all parameters, fixed effects included.
    pub adj_r_squared: f64,
    /// Residual sum of squares.
    pub rss: f64,
    /// `√(RSS/(N − k − fe_rank))`.
    pub sigma: f64,
    /// Cluster variables and their number of clusters (empty unless clustered).
    pub clusters: Vec<(String, usize)>,
    /// Description of the variance estimator.
    pub vcov_type: String,
    /// True when a multiway cluster variance was made positive semi-definite.
    pub vcov_psd_fixed: bool,
    /// Largest number of demeaning sweeps over the variables.
    pub demean_iterations: usize,
    /// Whether every variable's demeaning met the tolerance.
    pub demean_converged: bool,
    /// Rows of the input used in the estimation (singletons removed).
    #[serde(skip)]
    pub rows: Vec<usize>,
    /// Residuals of the used rows (not serialised).
    #[serde(skip)]
    pub residuals: Vec<f64>,
}

/// Regresses `y` on the columns of `design` absorbing the fixed effects `fixed_effects`
/// (each a [`Factor`] over the same rows). The design should not contain an intercept (it
/// would be absorbed and reported in `dropped`).
///
/// ```
/// use pressure_econometrics::{within, Design, Factor, WithinOptions};
/// // y = 2x + unit effect + time effect, exactly
/// let unit = [0, 0, 0, 1, 1, 1, 2, 2, 2];
/// let time = [0, 1, 2, 0, 1, 2, 0, 1, 2];
/// let x: Vec<f64> = (0..9).map(|i| ((i * i) % 7) as f64).collect();
/// let y: Vec<f64> = (0..9).map(|i| 2.0 * x[i] + 10.0 * unit[i] as f64 - time[i] as f64).collect();
/// let fes = [Factor::from_values("unit", &unit), Factor::from_values("time", &time)];
/// let d = Design::from_columns(&["x"], &[&x]).unwrap();
/// let fit = within(&y, &d, &fes, &WithinOptions::default()).unwrap();
/// assert!((fit.coefficients.get("x").unwrap().estimate - 2.0).abs() < 1e-9);
/// ```
pub fn within(
    y: &[f64],
    design: &Design,
    fixed_effects: &[Factor],
    opts: &WithinOptions,
) -> Result<WithinResult> {
    let n_in = design.n_rows();
    if y.len() != n_in {
        return Err(EconError::Dimension(format!(
            "{} outcome values for {} design rows",
            y.len(),
            n_in
        )));
    }
    for f in fixed_effects {
        if f.len() != n_in {
            return Err(EconError::Dimension(format!(
                "fixed effect `{}` has {} values for {} rows",
                f.name,
                f.len(),
                n_in
            )));
        }
    }
    if let Some(row) = y.iter().position(|v| !v.is_finite()) {
        return Err(EconError::NonFinite {
            name: "outcome".into(),
            row,
        });
    }
    let (rows, singletons) = if opts.drop_singletons && !fixed_effects.is_empty() {
        drop_singletons(fixed_effects)
    } else {
        ((0..n_in).collect(), 0)
    };
    let n = rows.len();
    if n == 0 {
        return Err(EconError::EmptySample {
            reason: format!("all {n_in} observations are singletons of the fixed effects"),
        });
    }
    let fes: Vec<Factor> = fixed_effects.iter().map(|f| f.subset(&rows)).collect();
    let vcov_spec = opts.vcov.subset(&rows);
    let y_s: Vec<f64> = rows.iter().map(|&i| y[i]).collect();
    let k_in = design.n_cols();
    let mut columns: Vec<Vec<f64>> = Vec::with_capacity(k_in + 1);
    columns.push(y_s.clone());
    for j in 0..k_in {
        let c = design.column(j);
        columns.push(rows.iter().map(|&i| c[i]).collect());
    }
    let norms: Vec<f64> = columns.iter().map(|c| norm(c)).collect();
    let infos = demean_columns(&fes, &mut columns, &opts.demean);
    let demean_iterations = infos.iter().map(|i| i.iterations).max().unwrap_or(0);
    let demean_converged = infos.iter().all(|i| i.converged);
    let y_t = columns.remove(0);
    // Regressors absorbed by the fixed effects.
    let mut candidates = Vec::new();
    let mut dropped_idx = Vec::new();
    for (j, c) in columns.iter().enumerate() {
        if norms[j + 1] == 0.0 || norm(c) <= ABSORBED_TOL * norms[j + 1] {
            dropped_idx.push(j);
        } else {
            candidates.push(j);
        }
    }
    let x_t = Mat::from_fn(n, candidates.len(), |i, c| columns[candidates[c]][i]);
    let fit = lstsq(
        x_t.as_ref(),
        &y_t,
        &LstsqOptions {
            precision: opts.precision,
            ..Default::default()
        },
    )?;
    dropped_idx.extend(fit.dropped.iter().map(|&c| candidates[c]));
    dropped_idx.sort_unstable();
    let dropped: Vec<String> = dropped_idx
        .iter()
        .map(|&j| design.names()[j].clone())
        .collect();
    if !dropped.is_empty() && opts.collinear == Collinear::Refuse {
        return Err(EconError::Collinear {
            dropped,
            refused: true,
        });
    }
    let kept: Vec<usize> = fit.kept.iter().map(|&c| candidates[c]).collect();
    let k = kept.len();
    let rank = fe_rank(&fes);
    let x_kept = Mat::from_fn(n, k, |i, c| columns[kept[c]][i]);
    let v = least_squares_vcov(
        &vcov_spec,
        x_kept.as_ref(),
        &fit.residuals,
        &fit.xtx_inv,
        fit.rss,
        DofFacts {
            n,
            k,
            fe_rank: rank,
            fe: &fes,
        },
    )?;
    let names: Vec<String> = kept.iter().map(|&j| design.names()[j].clone()).collect();
    let coefficients = CoefTable::new(names, fit.coef.clone(), &v.vcov, v.reference, opts.level);
    let df_resid = n as f64 - k as f64 - rank as f64;
    let tss = total_sum_of_squares(&y_s, true);
    let tss_within = total_sum_of_squares(&y_t, false);
    let r_squared = 1.0 - fit.rss / tss;
    Ok(WithinResult {
        coefficients,
        dropped,
        n_obs: n,
        singletons_dropped: singletons,
        fixed_effects: fes.iter().map(|f| (f.name.clone(), f.n_levels)).collect(),
        fe_rank: rank,
        df_resid,
        r_squared,
        within_r_squared: 1.0 - fit.rss / tss_within,
        adj_r_squared: 1.0 - (fit.rss / df_resid) / (tss / (n as f64 - 1.0)),
        rss: fit.rss,
        sigma: (fit.rss / df_resid).sqrt(),
        clusters: v.clusters,
        vcov_type: opts.vcov.describe(),
        vcov_psd_fixed: v.psd_fixed,
        demean_iterations,
        demean_converged,
        rows,
        residuals: fit.residuals,
    })
}

fn norm(v: &[f64]) -> f64 {
    v.iter().map(|x| x * x).sum::<f64>().sqrt()
}
