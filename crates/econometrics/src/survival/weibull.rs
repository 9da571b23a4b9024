//! The Weibull proportional-hazards model by maximum likelihood.
//!
//! Hazard `h(t | x) = p t^(p−1) exp(x'β)` (the intercept of `x'β` carries the scale; Stata's
//! `streg, distribution(weibull)` parametrisation), survival `S(t | x) = exp(−t^p e^{x'β})`.
//! Spells with `start > 0` are left-truncated: they contribute `H(stop) − H(start)`. The
//! shape is estimated on the log scale; `log_shape` is reported as the last term and `shape`
//! with its delta-method SE. `exp(β_j)` are hazard ratios as in the Cox model.

use super::Spells;
use crate::design::Design;
use crate::error::{EconError, Result};
use crate::inference::CoefTable;
use crate::linalg::lstsq::{lstsq, LstsqOptions};
use crate::linalg::sym::spd_inverse;
use crate::vcov::{score_vcov, DofFacts, VcovSpec};
use faer::Mat;
use serde::Serialize;

/// Options of [`weibull`].
#[derive(Debug, Clone)]
pub struct WeibullOptions {
    /// The variance estimator (default classical: inverse information).
    pub vcov: VcovSpec,
    /// Confidence level of the intervals (default 0.95).
    pub level: f64,
    /// The most Newton iterations (default 100).
    pub max_iter: usize,
    /// Convergence tolerance of the Newton iterations (default 1e-12).
    pub tol: f64,
}

impl Default for WeibullOptions {
    fn default() -> Self {
        WeibullOptions {
            vcov: VcovSpec::Classical,
            level: 0.95,
            max_iter: 100,
            tol: 1e-12,
        }
    }
}

/// Result of [`weibull`].
#[derive(Debug, Clone, Serialize)]
pub struct WeibullResult {
    /// β (including `const` when the design has it) and `log_shape`.
    pub coefficients: CoefTable,
    /// Shape `p` and its delta-method standard error.
    pub shape: f64,
    /// Delta-method standard error of `shape`.
    pub shape_std_error: f64,
    /// Covariates dropped as collinear.
    pub dropped: Vec<String>,
    /// Spells used.
    pub n_obs: usize,
    /// Events among them.
    pub n_events: usize,
    /// Log-likelihood at the estimates.
    pub log_likelihood: f64,
    /// `−2ℓ + 2k`, `k` the number of estimated parameters.
    pub aic: f64,
    /// Newton iterations taken.
    pub iterations: usize,
    /// Cluster variables and their number of clusters (empty unless clustered).
    pub clusters: Vec<(String, usize)>,
    /// Description of the variance estimator.
    pub vcov_type: String,
}

/// Fits the Weibull PH model; `design` should include an intercept.
pub fn weibull(
    spells: &Spells<'_>,
    design: &Design,
    opts: &WeibullOptions,
) -> Result<WeibullResult> {
    spells.validate()?;
    let n = spells.len();
    if design.n_rows() != n {
        return Err(EconError::Dimension(format!(
            "{} spells but {} covariate rows",
            n,
            design.n_rows()
        )));
    }
    let n_events = spells.event.iter().filter(|&&e| e == 1.0).count();
    if n_events == 0 {
        return Err(EconError::Invalid("Weibull model: no events".into()));
    }
    if (0..n).any(|i| spells.start_of(i) < 0.0) {
        return Err(EconError::Invalid(
            "Weibull model: negative start time".into(),
        ));
    }
    let probe = lstsq(
        design.matrix().as_ref(),
        spells.stop,
        &LstsqOptions::default(),
    )?;
    let kept = probe.kept.clone();
    let kx = kept.len();
    let k = kx + 1;
    let x = Mat::from_fn(n, kx, |i, c| design.matrix()[(i, kept[c])]);
    let log_t: Vec<f64> = spells.stop.iter().map(|t| t.ln()).collect();
    let log_s: Vec<f64> = (0..n)
        .map(|i| {
            let s = spells.start_of(i);
            if s > 0.0 {
                s.ln()
            } else {
                f64::NEG_INFINITY
            }
        })
        .collect();
    // Start: exponential model with the intercept at log(events / exposure).
    let mut theta = vec![0.0; k];
    if let Some(c) = (0..kx).find(|&c| {
        let col = x.col(c);
        col.iter().all(|&v| v == col[0]) && col[0] != 0.0
    }) {
        let exposure: f64 = (0..n).map(|i| spells.stop[i] - spells.start_of(i)).sum();
        theta[c] = (n_events as f64 / exposure).ln() / x[(0, c)];
    }
    let eval = |theta: &[f64], want: bool| -> (f64, Vec<f64>, Mat<f64>, Mat<f64>) {
        let alpha = theta[kx];
        let p = alpha.exp();
        let mut ll = 0.0;
        let mut grad = vec![0.0; k];
        let mut info = Mat::<f64>::zeros(k, k);
        let mut scores = Mat::<f64>::zeros(if want { n } else { 0 }, k);
        for i in 0..n {
            let eta: f64 = (0..kx).map(|c| x[(i, c)] * theta[c]).sum();
            let d = spells.event[i];
            let ee = eta.exp();
            let u = (p * log_t[i]).exp() * ee;
            let (v, vl, vl2) = if log_s[i].is_finite() {
                let v = (p * log_s[i]).exp() * ee;
                (v, v * log_s[i], v * log_s[i] * log_s[i])
            } else {
                (0.0, 0.0, 0.0)
            };
            let h = u - v;
            let ul = u * log_t[i];
            let ul2 = ul * log_t[i];
            ll += d * (alpha + (p - 1.0) * log_t[i] + eta) - h;
            let g_eta = d - h;
            let g_alpha = d * (1.0 + p * log_t[i]) - p * (ul - vl);
            let h_ee = h;
            let h_ea = p * (ul - vl);
            let h_aa = -d * p * log_t[i] + p * (ul - vl) + p * p * (ul2 - vl2);
            for a in 0..kx {
                let xa = x[(i, a)];
                grad[a] += g_eta * xa;
                if want {
                    scores[(i, a)] = g_eta * xa;
                }
                for b in 0..=a {
                    info[(a, b)] += h_ee * xa * x[(i, b)];
                }
                info[(kx, a)] += h_ea * xa;
            }
            grad[kx] += g_alpha;
            if want {
                scores[(i, kx)] = g_alpha;
            }
            info[(kx, kx)] += h_aa;
        }
        for a in 0..k {
            for b in 0..a {
                info[(b, a)] = info[(a, b)];
            }
        }
        (ll, grad, info, scores)
    };
    let (mut ll, _, _, _) = eval(&theta, false);
    let mut iterations = 0;
    let mut converged = false;
    while iterations < opts.max_iter {
        iterations += 1;
        let (_, grad, info, _) = eval(&theta, false);
        let inv = spd_inverse(info.as_ref(), "the Weibull information matrix")?;
        let step: Vec<f64> = (0..k)
            .map(|a| (0..k).map(|b| inv[(a, b)] * grad[b]).sum())
            .collect();
        let mut t = 1.0;
        let mut accepted = None;
        for _ in 0..50 {
            let trial: Vec<f64> = theta.iter().zip(&step).map(|(b, s)| b + t * s).collect();
            let (l, _, _, _) = eval(&trial, false);
            if l.is_finite() && l >= ll - 1e-12 * ll.abs() {
                accepted = Some((trial, l));
                break;
            }
            t *= 0.5;
        }
        let Some((trial, l)) = accepted else {
            break;
        };
        let size = step
            .iter()
            .zip(&trial)
            .map(|(s, b)| (t * s).abs() / (1.0 + b.abs()))
            .fold(0.0, f64::max);
        theta = trial;
        ll = l;
        if size < opts.tol.sqrt() * 1e-2 {
            converged = true;
            break;
        }
    }
    if !converged {
        return Err(EconError::NotConverged {
            what: "Weibull maximum likelihood".into(),
            iterations,
        });
    }
    let (_, _, info, scores) = eval(&theta, true);
    let bread = spd_inverse(info.as_ref(), "the Weibull information matrix")?;
    let v = score_vcov(
        &opts.vcov,
        scores.as_ref(),
        &bread,
        DofFacts {
            n,
            k,
            fe_rank: 0,
            fe: &[],
        },
        None,
    )?;
    let mut names: Vec<String> = kept.iter().map(|&j| design.names()[j].clone()).collect();
    names.push("log_shape".into());
    let shape = theta[kx].exp();
    let shape_se = shape * v.vcov[(kx, kx)].max(0.0).sqrt();
    let coefficients = CoefTable::new(names, theta, &v.vcov, v.reference, opts.level);
    Ok(WeibullResult {
        coefficients,
        shape,
        shape_std_error: shape_se,
        dropped: probe
            .dropped
            .iter()
            .map(|&j| design.names()[j].clone())
            .collect(),
        n_obs: n,
        n_events,
        log_likelihood: ll,
        aic: -2.0 * ll + 2.0 * k as f64,
        iterations,
        clusters: v.clusters,
        vcov_type: opts.vcov.describe(),
    })
}
