//! Vector autoregressions: least-squares estimation equation by equation, lag selection by
//! information criteria, orthogonalised (Cholesky) impulse responses and residual-bootstrap
//! bands.
//!
//! Definitions follow statsmodels' `VAR` (so results can be compared): with `T` usable
//! observations, `k` variables and `p` lags plus a constant, `Σ_u = Û'Û/(T − kp − 1)`,
//! `Σ_mle = Û'Û/T`, coefficient covariance `Σ_u ⊗ (Z'Z)⁻¹`, and information criteria
//! `log det Σ_mle + c·(pk² + k)/T` with `c = 2` (AIC), `log T` (BIC), `2 log log T` (HQIC).
//! Lag selection compares `p = 0..max` on the same sample (the last `T − max` periods) and
//! chooses the minimiser among `p ≥ 1`.
//!
//! Impulse responses `Θ_h = Φ_h P` with `Φ_h` the moving-average coefficients and `P` the
//! lower Cholesky factor of `Σ_u`: the response of variable `i` at horizon `h` to a
//! one-standard-deviation orthogonal shock to variable `j` (ordering = column order).
//!
//! Bootstrap bands: residual bootstrap (recentred residuals resampled with replacement, series
//! rebuilt recursively from the first `p` observations, VAR(p) re-estimated), percentile
//! intervals (type-7 quantiles). Replicate `r` draws from `pressure_stats::rng_for(seed,
//! STREAM, r)`, so bands do not depend on the number of threads.

use crate::error::{EconError, Result};
use crate::inference::{CoefTable, Reference};
use crate::linalg::lstsq::{lstsq, LstsqOptions};
use faer::{Mat, Side};
use rand::Rng;
use rayon::prelude::*;
use serde::Serialize;

/// Random stream of the VAR residual bootstrap (see `pressure_stats::rng_for`).
pub const BOOTSTRAP_STREAM: u64 = 0x5641_5242; // "VARB"

/// How the lag order is chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case", tag = "rule", content = "max")]
pub enum LagSelection {
    /// Exactly this many lags.
    Fixed(usize),
    /// The order from 1 to the given maximum with the smallest AIC.
    Aic(usize),
    /// The order from 1 to the given maximum with the smallest BIC.
    Bic(usize),
    /// The order from 1 to the given maximum with the smallest Hannan–Quinn criterion.
    Hqic(usize),
}

/// Residual-bootstrap settings for impulse-response bands.
#[derive(Debug, Clone, Copy)]
pub struct VarBootstrap {
    /// Bootstrap replications.
    pub replications: usize,
    /// Seed of the resampling (stream [`BOOTSTRAP_STREAM`]).
    pub seed: u64,
    /// Coverage of the percentile bands, e.g. 0.9.
    pub level: f64,
}

/// Options of [`var`].
#[derive(Debug, Clone)]
pub struct VarOptions {
    /// How the lag order is chosen (default: AIC up to 8).
    pub lags: LagSelection,
    /// Largest impulse-response horizon.
    pub irf_horizon: usize,
    /// Bootstrap bands of the impulse responses (none by default).
    pub bootstrap: Option<VarBootstrap>,
    /// Confidence level of the coefficient intervals.
    pub level: f64,
}

impl Default for VarOptions {
    fn default() -> Self {
        VarOptions {
            lags: LagSelection::Aic(8),
            irf_horizon: 10,
            bootstrap: None,
            level: 0.95,
        }
    }
}

/// Information criteria of one lag order.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct LagCriteria {
    /// The lag order.
    pub lags: usize,
    /// Akaike's criterion at that order.
    pub aic: f64,
    /// Schwarz's criterion at that order.
    pub bic: f64,
    /// Hannan–Quinn's criterion at that order.
    pub hqic: f64,
}

/// Orthogonalised impulse responses: `values[h][i][j]` = response of variable `i` at horizon
/// `h` to a shock to variable `j`.
#[derive(Debug, Clone, Serialize)]
pub struct ImpulseResponses {
    /// The point responses, `values[h][i][j]`.
    pub values: Vec<Vec<Vec<f64>>>,
    /// Bootstrap percentile bands (same layout), when requested.
    pub lower: Option<Vec<Vec<Vec<f64>>>>,
    /// Upper ends of the bands (same layout), when requested.
    pub upper: Option<Vec<Vec<Vec<f64>>>>,
    /// Coverage of the bands, e.g. 0.9.
    pub band_level: Option<f64>,
    /// Bootstrap replications behind the bands (0 without bands).
    pub replications: usize,
}

/// Result of [`var`].
#[derive(Debug, Clone, Serialize)]
pub struct VarResult {
    /// The variables, in equation order.
    pub names: Vec<String>,
    /// The lag order used.
    pub lags: usize,
    /// Observations used (`T`).
    pub n_obs: usize,
    /// One table per equation (variable), terms `const`, `{name}.L{l}`.
    pub equations: Vec<CoefTable>,
    /// Residual covariance `Û'Û/(T − kp − 1)`.
    pub sigma_u: Vec<Vec<f64>>,
    /// Gaussian log-likelihood at the estimates.
    pub log_likelihood: f64,
    /// Akaike's criterion at the order used.
    pub aic: f64,
    /// Schwarz's criterion at the order used.
    pub bic: f64,
    /// Hannan–Quinn's criterion at the order used.
    pub hqic: f64,
    /// Criteria for every lag order compared (empty with a fixed order).
    pub lag_selection: Vec<LagCriteria>,
    /// Largest modulus of the companion matrix's eigenvalues (< 1: stable).
    pub max_root_modulus: f64,
    /// Orthogonalised (Cholesky) impulse responses.
    pub irf: ImpulseResponses,
}

struct Fit {
    /// coefficients: (1 + kp) × k, column j = equation j
    b: Mat<f64>,
    resid: Mat<f64>,
    zz_inv: Mat<f64>,
}

/// Estimates a VAR on the series (equal length, in time order, no missing values).
pub fn var<S: AsRef<str>>(series: &[&[f64]], names: &[S], opts: &VarOptions) -> Result<VarResult> {
    let k = series.len();
    if k == 0 || names.len() != k {
        return Err(EconError::Dimension(
            "VAR: one name per series is required".into(),
        ));
    }
    let t_all = series[0].len();
    for (s, name) in series.iter().zip(names) {
        if s.len() != t_all {
            return Err(EconError::Dimension("VAR: series differ in length".into()));
        }
        if let Some(i) = s.iter().position(|v| !v.is_finite()) {
            return Err(EconError::NonFinite {
                name: name.as_ref().to_string(),
                row: i,
            });
        }
    }
    let data = Mat::from_fn(t_all, k, |t, j| series[j][t]);
    let (p, lag_selection) = match opts.lags {
        LagSelection::Fixed(p) => (p, vec![]),
        LagSelection::Aic(max) | LagSelection::Bic(max) | LagSelection::Hqic(max) => {
            if t_all <= max + 1 {
                return Err(EconError::TooFewObservations { n: t_all, k: max });
            }
            let mut crit = vec![];
            for p in 0..=max {
                let fit = estimate(&data, p, max - p)?;
                crit.push(criteria(&fit, p, k));
            }
            let pick = |f: fn(&LagCriteria) -> f64| {
                crit.iter()
                    .filter(|c| c.lags >= 1)
                    .min_by(|a, b| f(a).total_cmp(&f(b)))
                    .map(|c| c.lags)
                    .unwrap_or(1)
            };
            let p = match opts.lags {
                LagSelection::Aic(_) => pick(|c| c.aic),
                LagSelection::Bic(_) => pick(|c| c.bic),
                _ => pick(|c| c.hqic),
            };
            (p, crit)
        }
    };
    if p == 0 {
        return Err(EconError::Invalid("VAR needs at least one lag".into()));
    }
    let fit = estimate(&data, p, 0)?;
    let t = fit.resid.nrows();
    let ncoef = 1 + k * p;
    let df = t as f64 - ncoef as f64;
    if df <= 0.0 {
        return Err(EconError::TooFewObservations { n: t, k: ncoef });
    }
    let sigma = residual_cov(&fit.resid, df);
    let mut terms = vec!["const".to_string()];
    for l in 1..=p {
        for n in names {
            terms.push(format!("{}.L{l}", n.as_ref()));
        }
    }
    let equations = (0..k)
        .map(|j| {
            let v = Mat::from_fn(ncoef, ncoef, |a, b| sigma[(j, j)] * fit.zz_inv[(a, b)]);
            CoefTable::new(
                terms.clone(),
                (0..ncoef).map(|a| fit.b[(a, j)]).collect(),
                &v,
                Reference::StudentT { df },
                opts.level,
            )
        })
        .collect();
    let c = criteria(&fit, p, k);
    let sigma_mle = residual_cov(&fit.resid, t as f64);
    let logdet = log_det_spd(&sigma_mle)?;
    let tf = t as f64;
    let kf = k as f64;
    let log_likelihood =
        -0.5 * tf * kf * (2.0 * std::f64::consts::PI).ln() - 0.5 * tf * logdet - 0.5 * tf * kf;
    let values = orthogonal_irf(&fit.b, &sigma, k, p, opts.irf_horizon)?;
    let mut irf = ImpulseResponses {
        values,
        lower: None,
        upper: None,
        band_level: None,
        replications: 0,
    };
    if let Some(bs) = opts.bootstrap {
        let (lo, hi) = bootstrap_bands(&data, &fit, k, p, opts.irf_horizon, bs)?;
        irf.lower = Some(lo);
        irf.upper = Some(hi);
        irf.band_level = Some(bs.level);
        irf.replications = bs.replications;
    }
    Ok(VarResult {
        names: names.iter().map(|n| n.as_ref().to_string()).collect(),
        lags: p,
        n_obs: t,
        equations,
        sigma_u: (0..k)
            .map(|i| (0..k).map(|j| sigma[(i, j)]).collect())
            .collect(),
        log_likelihood,
        aic: c.aic,
        bic: c.bic,
        hqic: c.hqic,
        lag_selection,
        max_root_modulus: max_root_modulus(&fit.b, k, p),
        irf,
    })
}

/// Least squares of each variable on a constant and `p` lags, using observations from
/// `offset + p` on.
fn estimate(data: &Mat<f64>, p: usize, offset: usize) -> Result<Fit> {
    let (t_all, k) = data.shape();
    let first = offset + p;
    if t_all <= first {
        return Err(EconError::TooFewObservations { n: t_all, k: first });
    }
    let t = t_all - first;
    let ncoef = 1 + k * p;
    let z = Mat::from_fn(t, ncoef, |r, c| {
        if c == 0 {
            1.0
        } else {
            let l = (c - 1) / k + 1;
            let j = (c - 1) % k;
            data[(first + r - l, j)]
        }
    });
    let mut b = Mat::<f64>::zeros(ncoef, k);
    let mut resid = Mat::<f64>::zeros(t, k);
    let mut zz_inv = Mat::<f64>::zeros(0, 0);
    for j in 0..k {
        let y: Vec<f64> = (0..t).map(|r| data[(first + r, j)]).collect();
        let fit = lstsq(z.as_ref(), &y, &LstsqOptions::default())?;
        if !fit.dropped.is_empty() {
            return Err(EconError::Collinear {
                dropped: fit
                    .dropped
                    .iter()
                    .map(|c| format!("VAR regressor {c}"))
                    .collect(),
                refused: true,
            });
        }
        for a in 0..ncoef {
            b[(a, j)] = fit.coef[a];
        }
        for r in 0..t {
            resid[(r, j)] = fit.residuals[r];
        }
        zz_inv = fit.xtx_inv;
    }
    Ok(Fit { b, resid, zz_inv })
}

fn residual_cov(resid: &Mat<f64>, divisor: f64) -> Mat<f64> {
    let mut s = resid.transpose() * resid;
    let k = s.nrows();
    for i in 0..k {
        for j in 0..k {
            s[(i, j)] /= divisor;
        }
    }
    s
}

fn log_det_spd(m: &Mat<f64>) -> Result<f64> {
    let llt = m
        .llt(Side::Lower)
        .map_err(|_| EconError::Invalid("VAR residual covariance is singular".into()))?;
    let l = llt.L();
    Ok((0..m.nrows()).map(|i| 2.0 * l[(i, i)].ln()).sum())
}

fn criteria(fit: &Fit, p: usize, k: usize) -> LagCriteria {
    let t = fit.resid.nrows() as f64;
    let sigma = residual_cov(&fit.resid, t);
    let ld = log_det_spd(&sigma).unwrap_or(f64::INFINITY);
    let free = (p * k * k + k) as f64;
    LagCriteria {
        lags: p,
        aic: ld + 2.0 / t * free,
        bic: ld + t.ln() / t * free,
        hqic: ld + 2.0 * t.ln().ln() / t * free,
    }
}

/// `A_l[i][j]` = coefficient of variable `j` at lag `l` in equation `i`.
fn lag_matrices(b: &Mat<f64>, k: usize, p: usize) -> Vec<Mat<f64>> {
    (1..=p)
        .map(|l| Mat::from_fn(k, k, |i, j| b[(1 + (l - 1) * k + j, i)]))
        .collect()
}

fn orthogonal_irf(
    b: &Mat<f64>,
    sigma: &Mat<f64>,
    k: usize,
    p: usize,
    horizon: usize,
) -> Result<Vec<Vec<Vec<f64>>>> {
    let a = lag_matrices(b, k, p);
    let chol = sigma.llt(Side::Lower).map_err(|_| {
        EconError::Invalid("VAR residual covariance is not positive definite".into())
    })?;
    let pmat = chol.L().to_owned();
    let mut phi: Vec<Mat<f64>> = vec![Mat::identity(k, k)];
    for h in 1..=horizon {
        let mut m = Mat::<f64>::zeros(k, k);
        for j in 1..=h.min(p) {
            m += &phi[h - j] * &a[j - 1];
        }
        phi.push(m);
    }
    Ok(phi
        .iter()
        .map(|f| {
            let theta = f * &pmat;
            (0..k)
                .map(|i| (0..k).map(|j| theta[(i, j)]).collect())
                .collect()
        })
        .collect())
}

fn max_root_modulus(b: &Mat<f64>, k: usize, p: usize) -> f64 {
    let a = lag_matrices(b, k, p);
    let kp = k * p;
    let companion = Mat::from_fn(kp, kp, |r, c| {
        if r < k {
            a[c / k][(r, c % k)]
        } else if r - k == c {
            1.0
        } else {
            0.0
        }
    });
    companion
        .eigenvalues()
        .map(|ev| ev.iter().map(|z| z.norm()).fold(0.0, f64::max))
        .unwrap_or(f64::NAN)
}

type Bands = (Vec<Vec<Vec<f64>>>, Vec<Vec<Vec<f64>>>);

fn bootstrap_bands(
    data: &Mat<f64>,
    fit: &Fit,
    k: usize,
    p: usize,
    horizon: usize,
    bs: VarBootstrap,
) -> Result<Bands> {
    if bs.replications < 2 {
        return Err(EconError::Invalid(
            "VAR bootstrap needs at least 2 replications".into(),
        ));
    }
    let t = fit.resid.nrows();
    let t_all = data.nrows();
    let means: Vec<f64> = (0..k)
        .map(|j| (0..t).map(|r| fit.resid[(r, j)]).sum::<f64>() / t as f64)
        .collect();
    let a = lag_matrices(&fit.b, k, p);
    let draws: Vec<Option<Vec<Vec<Vec<f64>>>>> = (0..bs.replications)
        .into_par_iter()
        .map(|rep| {
            let mut rng = pressure_stats::rng_for(bs.seed, BOOTSTRAP_STREAM, rep as u64);
            let mut y = Mat::<f64>::zeros(t_all, k);
            for s in 0..p {
                for j in 0..k {
                    y[(s, j)] = data[(s, j)];
                }
            }
            for s in p..t_all {
                let draw = rng.random_range(0..t);
                for i in 0..k {
                    let mut v = fit.b[(0, i)] + fit.resid[(draw, i)] - means[i];
                    for l in 1..=p {
                        for j in 0..k {
                            v += a[l - 1][(i, j)] * y[(s - l, j)];
                        }
                    }
                    y[(s, i)] = v;
                }
            }
            let f = estimate(&y, p, 0).ok()?;
            let sigma = residual_cov(&f.resid, t as f64 - (1 + k * p) as f64);
            orthogonal_irf(&f.b, &sigma, k, p, horizon).ok()
        })
        .collect();
    let ok: Vec<&Vec<Vec<Vec<f64>>>> = draws.iter().flatten().collect();
    if ok.len() < 2 {
        return Err(EconError::Invalid(
            "VAR bootstrap: replications failed".into(),
        ));
    }
    let alpha = 0.5 * (1.0 - bs.level);
    let mut lower = vec![vec![vec![0.0; k]; k]; horizon + 1];
    let mut upper = lower.clone();
    for h in 0..=horizon {
        for i in 0..k {
            for j in 0..k {
                let vals: Vec<f64> = ok.iter().map(|d| d[h][i][j]).collect();
                let q = pressure_stats::quantiles(&vals, &[alpha, 1.0 - alpha])
                    .unwrap_or(vec![f64::NAN, f64::NAN]);
                lower[h][i][j] = q[0];
                upper[h][i][j] = q[1];
            }
        }
    }
    Ok((lower, upper))
}
