//! Binary-outcome models: logit and probit by maximum likelihood (Newton's method with the
//! observed Hessian and step halving; each Newton step solved as a weighted least-squares
//! problem by QR rather than by inverting `X'WX`).
//!
//! Standard errors: the inverse observed information (classical), or a sandwich with the
//! score contributions (HC0/HC1, cluster-robust; for likelihood models the cluster
//! corrections reduce to `G/(G−1)` as in Stata, or 1 for `Cr0`). Statistics are z.

use crate::design::Design;
use crate::error::{EconError, Result};
use crate::inference::CoefTable;
use crate::linalg::lstsq::{lstsq, LstsqOptions};
use crate::linalg::sym::spd_inverse;
use crate::vcov::{score_vcov, DofFacts, VcovSpec};
use faer::Mat;
use serde::Serialize;
use statrs::function::erf::erfc;

/// The link function.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BinaryLink {
    /// `F` the logistic distribution function: coefficients are log odds ratios.
    Logit,
    /// `F` the standard normal distribution function.
    Probit,
}

/// Options of [`binary`].
#[derive(Debug, Clone)]
pub struct BinaryOptions {
    /// The variance estimator of the coefficients (default classical: inverse information).
    pub vcov: VcovSpec,
    /// Confidence level of the intervals (default 0.95).
    pub level: f64,
    /// Convergence: stop when the largest Newton step is below `tol·(1 + |β|)`.
    pub tol: f64,
    /// The most Newton iterations before giving up (default 100).
    pub max_iter: usize,
}

impl Default for BinaryOptions {
    fn default() -> Self {
        BinaryOptions {
            vcov: VcovSpec::Classical,
            level: 0.95,
            tol: 1e-10,
            max_iter: 100,
        }
    }
}

/// Result of [`binary`].
#[derive(Debug, Clone, Serialize)]
pub struct BinaryResult {
    /// Logit or probit.
    pub link: BinaryLink,
    /// Estimates on the link scale (log odds for logit, the probit index), with their inference.
    pub coefficients: CoefTable,
    /// Columns dropped as collinear.
    pub dropped: Vec<String>,
    /// Observations used.
    pub n_obs: usize,
    /// Observations with outcome 1.
    pub n_positive: usize,
    /// Log-likelihood at the estimates.
    pub log_likelihood: f64,
    /// Log-likelihood of the intercept-only model (when the design has a constant).
    pub null_log_likelihood: Option<f64>,
    /// McFadden's pseudo-R² `1 − ℓ/ℓ₀`.
    pub pseudo_r_squared: Option<f64>,
    /// Akaike's criterion `−2ℓ + 2k`, `k` the number of estimated coefficients.
    pub aic: f64,
    /// Schwarz's criterion `−2ℓ + k ln N`.
    pub bic: f64,
    /// Newton iterations taken.
    pub iterations: usize,
    /// Cluster variables and their number of clusters (empty unless clustered).
    pub clusters: Vec<(String, usize)>,
    /// Description of the variance estimator.
    pub vcov_type: String,
}

/// Fits `P(y = 1 | x) = F(x'β)` with `F` logistic or standard normal. `y` must be 0 or 1.
///
/// ```
/// use pressure_econometrics::{binary, BinaryLink, BinaryOptions, Design};
/// // One binary regressor: the logit slope is the log odds ratio.
/// let x = [0., 0., 0., 0., 1., 1., 1., 1., 1.];
/// let y = [0., 0., 0., 1., 0., 1., 1., 1., 1.];
/// let d = Design::from_columns(&["x"], &[&x]).unwrap().with_intercept();
/// let fit = binary(&y, &d, BinaryLink::Logit, &BinaryOptions::default()).unwrap();
/// let odds_ratio = (4.0 / 1.0) / (1.0 / 3.0);
/// assert!((fit.coefficients.get("x").unwrap().estimate - f64::ln(odds_ratio)).abs() < 1e-9);
/// ```
pub fn binary(
    y: &[f64],
    design: &Design,
    link: BinaryLink,
    opts: &BinaryOptions,
) -> Result<BinaryResult> {
    let n = design.n_rows();
    if y.len() != n {
        return Err(EconError::Dimension(format!(
            "{} outcomes for {} design rows",
            y.len(),
            n
        )));
    }
    if n == 0 {
        return Err(EconError::EmptySample {
            reason: "no observations".into(),
        });
    }
    if let Some(i) = y.iter().position(|&v| v != 0.0 && v != 1.0) {
        return Err(EconError::Invalid(format!(
            "binary outcome must be 0 or 1; row {i} has {}",
            y[i]
        )));
    }
    let n_positive = y.iter().filter(|&&v| v == 1.0).count();
    if n_positive == 0 || n_positive == n {
        return Err(EconError::Invalid(format!(
            "binary outcome has no variation ({} of {n} are 1)",
            n_positive
        )));
    }
    // Collinear columns, decided once on the unweighted design.
    let probe = lstsq(design.matrix().as_ref(), y, &LstsqOptions::default())?;
    let kept = probe.kept.clone();
    let k = kept.len();
    let x = Mat::from_fn(n, k, |i, c| design.matrix()[(i, kept[c])]);
    let mut beta = vec![0.0; k];
    let mut ll = log_likelihood(link, y, &eta(&x, &beta));
    let mut iterations = 0;
    let mut converged = false;
    while iterations < opts.max_iter {
        iterations += 1;
        let e = eta(&x, &beta);
        let (score, weight) = derivatives(link, y, &e);
        // Newton step: (X'WX) δ = X's  ⇔  min ‖√W X δ − s/√W‖.
        let xw = Mat::from_fn(n, k, |i, c| x[(i, c)] * weight[i].sqrt());
        let rhs: Vec<f64> = score
            .iter()
            .zip(&weight)
            .map(|(s, w)| if *w > 0.0 { s / w.sqrt() } else { 0.0 })
            .collect();
        let step = lstsq(xw.as_ref(), &rhs, &LstsqOptions::default())?;
        let mut delta = vec![0.0; k];
        for (c, &j) in step.kept.iter().enumerate() {
            delta[j] = step.coef[c];
        }
        let mut t = 1.0;
        let mut accepted = false;
        for _ in 0..40 {
            let trial: Vec<f64> = beta.iter().zip(&delta).map(|(b, d)| b + t * d).collect();
            let ll_trial = log_likelihood(link, y, &eta(&x, &trial));
            if ll_trial.is_finite() && ll_trial >= ll - 1e-12 * ll.abs() {
                beta = trial;
                ll = ll_trial;
                accepted = true;
                break;
            }
            t *= 0.5;
        }
        let size = delta
            .iter()
            .zip(&beta)
            .map(|(d, b)| (t * d).abs() / (1.0 + b.abs()))
            .fold(0.0, f64::max);
        if !accepted || size < opts.tol {
            converged = accepted || size < opts.tol;
            break;
        }
    }
    let e = eta(&x, &beta);
    // Perfect (quasi-)separation: fitted probabilities at 0 or 1 with diverging coefficients.
    let separated = y
        .iter()
        .zip(&e)
        .filter(|(&yi, &ei)| {
            let p = prob(link, ei);
            (yi == 1.0 && p > 1.0 - 1e-10) || (yi == 0.0 && p < 1e-10)
        })
        .count();
    if separated == n || beta.iter().any(|b| b.abs() > 1e4) || (!converged && separated > 0) {
        return Err(EconError::Invalid(format!(
            "{link:?}: the outcome is perfectly separated by the regressors \
             ({separated} of {n} observations fitted exactly); maximum-likelihood estimates \
             do not exist"
        )));
    }
    if !converged {
        return Err(EconError::NotConverged {
            what: format!("{link:?} maximum likelihood"),
            iterations,
        });
    }
    let (score, weight) = derivatives(link, y, &e);
    let info = Mat::from_fn(k, k, |a, b| {
        (0..n)
            .map(|i| x[(i, a)] * weight[i] * x[(i, b)])
            .sum::<f64>()
    });
    let bread = spd_inverse(info.as_ref(), "the information matrix")?;
    let scores = Mat::from_fn(n, k, |i, c| x[(i, c)] * score[i]);
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
    let names: Vec<String> = kept.iter().map(|&j| design.names()[j].clone()).collect();
    let dropped: Vec<String> = probe
        .dropped
        .iter()
        .map(|&j| design.names()[j].clone())
        .collect();
    let coefficients = CoefTable::new(names, beta, &v.vcov, v.reference, opts.level);
    let null_log_likelihood = design.has_constant().then(|| {
        let p = n_positive as f64 / n as f64;
        n_positive as f64 * p.ln() + (n - n_positive) as f64 * (1.0 - p).ln()
    });
    Ok(BinaryResult {
        link,
        coefficients,
        dropped,
        n_obs: n,
        n_positive,
        log_likelihood: ll,
        null_log_likelihood,
        pseudo_r_squared: null_log_likelihood.map(|l0| 1.0 - ll / l0),
        aic: -2.0 * ll + 2.0 * k as f64,
        bic: -2.0 * ll + k as f64 * (n as f64).ln(),
        iterations,
        clusters: v.clusters,
        vcov_type: opts.vcov.describe(),
    })
}

fn eta(x: &Mat<f64>, beta: &[f64]) -> Vec<f64> {
    let mut out = vec![0.0; x.nrows()];
    for (j, &b) in beta.iter().enumerate() {
        for (o, &v) in out.iter_mut().zip(x.col(j).iter()) {
            *o += v * b;
        }
    }
    out
}

fn prob(link: BinaryLink, e: f64) -> f64 {
    match link {
        BinaryLink::Logit => 1.0 / (1.0 + (-e).exp()),
        BinaryLink::Probit => norm_cdf(e),
    }
}

/// `Σ log F(q_i η_i)` with `q = 2y − 1`, computed without cancellation in the tails.
fn log_likelihood(link: BinaryLink, y: &[f64], e: &[f64]) -> f64 {
    y.iter()
        .zip(e)
        .map(|(&yi, &ei)| {
            let s = if yi == 1.0 { ei } else { -ei };
            match link {
                // log σ(s) = −log(1 + e^{−s})
                BinaryLink::Logit => -softplus(-s),
                BinaryLink::Probit => log_norm_cdf(s),
            }
        })
        .sum()
}

/// Per-observation first derivative of the log-likelihood in η and minus the second.
fn derivatives(link: BinaryLink, y: &[f64], e: &[f64]) -> (Vec<f64>, Vec<f64>) {
    let n = y.len();
    let mut score = Vec::with_capacity(n);
    let mut weight = Vec::with_capacity(n);
    for (&yi, &ei) in y.iter().zip(e) {
        match link {
            BinaryLink::Logit => {
                let p = 1.0 / (1.0 + (-ei).exp());
                score.push(yi - p);
                weight.push(p * (1.0 - p));
            }
            BinaryLink::Probit => {
                let q = if yi == 1.0 { 1.0 } else { -1.0 };
                let lambda = q * mills(q * ei);
                score.push(lambda);
                weight.push(lambda * (lambda + ei));
            }
        }
    }
    (score, weight)
}

fn softplus(x: f64) -> f64 {
    if x > 0.0 {
        x + (-x).exp().ln_1p()
    } else {
        x.exp().ln_1p()
    }
}

/// Standard normal CDF.
pub(crate) fn norm_cdf(x: f64) -> f64 {
    0.5 * erfc(-x / std::f64::consts::SQRT_2)
}

fn norm_pdf(x: f64) -> f64 {
    (-0.5 * x * x).exp() / (2.0 * std::f64::consts::PI).sqrt()
}

/// `log Φ(x)`, accurate far into the lower tail.
fn log_norm_cdf(x: f64) -> f64 {
    if x > -30.0 {
        norm_cdf(x).ln()
    } else {
        // log Φ(x) = log φ(x) − log(−x) + log(series)
        -0.5 * x * x - 0.5 * (2.0 * std::f64::consts::PI).ln() - (-x).ln() + tail_series(x).ln()
    }
}

/// The inverse Mills ratio `φ(x)/Φ(x)`, accurate far into the lower tail.
fn mills(x: f64) -> f64 {
    if x > -30.0 {
        norm_pdf(x) / norm_cdf(x)
    } else {
        -x / tail_series(x)
    }
}

/// `1 − 1/x² + 3/x⁴ − 15/x⁶ + …` (asymptotic series of `−x Φ(x)/φ(x)`), 8 terms.
fn tail_series(x: f64) -> f64 {
    let x2 = x * x;
    let mut term = 1.0;
    let mut sum = 1.0;
    for k in 1..8 {
        term *= -((2 * k - 1) as f64) / x2;
        sum += term;
    }
    sum
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normal_tail_functions_are_continuous_at_the_switch() {
        let a = log_norm_cdf(-30.0 + 1e-9);
        let b = log_norm_cdf(-30.0 - 1e-9);
        assert!((a - b).abs() < 1e-7 * a.abs());
        let a = mills(-30.0 + 1e-9);
        let b = mills(-30.0 - 1e-9);
        assert!((a - b).abs() < 1e-9 * a.abs());
    }
}
