//! The Cox proportional-hazards model by partial likelihood.
//!
//! Risk sets follow the counting-process convention: a spell is at risk at `t` when
//! `start < t ≤ stop`. Tied event times use Efron's approximation (default) or Breslow's.
//! The partial likelihood is maximised by Newton's method with step halving from β = 0;
//! covariates are centred first (which leaves β unchanged and keeps `exp(x'β)` moderate).
//!
//! Robust variance (Lin & Wei 1989): `I⁻¹ (Σ_g U_g U_g') I⁻¹` with `U_g` the sum over the
//! spells of cluster `g` of their score residuals; with Efron ties the residuals use the
//! Efron-weighted risk sets (as R's `coxph` and lifelines). Cluster corrections: `Cr0` gives
//! the factor 1 (R, lifelines); the other corrections give `G/(G−1)` (Stata's `stcox`).

use super::Spells;
use crate::design::Design;
use crate::error::{EconError, Result};
use crate::factor::Factor;
use crate::inference::CoefTable;
use crate::linalg::lstsq::{lstsq, LstsqOptions};
use crate::linalg::sym::spd_inverse;
use crate::vcov::{score_vcov, DofFacts, VcovSpec};
use faer::Mat;
use serde::Serialize;
use statrs::distribution::{ChiSquared, ContinuousCDF};

/// How tied event times enter the partial likelihood.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Ties {
    /// Efron (1977); R's and lifelines' default. The default.
    #[default]
    Efron,
    /// Breslow (1974); Stata's default.
    Breslow,
}

/// Options of [`cox`].
#[derive(Debug, Clone)]
pub struct CoxOptions {
    /// Handling of tied event times (default Efron).
    pub ties: Ties,
    /// `Classical` (inverse information), `Hetero(Hc0)` (robust, each spell its own
    /// cluster) or `Cluster` (e.g. by subject or country).
    pub vcov: VcovSpec,
    /// Separate baseline hazards per stratum.
    pub strata: Option<Factor>,
    /// Confidence level of the intervals (default 0.95).
    pub level: f64,
    /// The most Newton iterations (default 50).
    pub max_iter: usize,
    /// Stop when the log partial likelihood changes by less than `tol` (relative).
    pub tol: f64,
}

impl Default for CoxOptions {
    fn default() -> Self {
        CoxOptions {
            ties: Ties::Efron,
            vcov: VcovSpec::Classical,
            strata: None,
            level: 0.95,
            max_iter: 50,
            tol: 1e-13,
        }
    }
}

/// Result of [`cox`].
#[derive(Debug, Clone, Serialize)]
pub struct CoxResult {
    /// Log hazard ratios.
    pub coefficients: CoefTable,
    /// `exp(β)`.
    pub hazard_ratios: Vec<f64>,
    /// Covariates dropped as collinear (or constant).
    pub dropped: Vec<String>,
    /// The tie handling used.
    pub ties: Ties,
    /// Spells used.
    pub n_obs: usize,
    /// Events among them.
    pub n_events: usize,
    /// Log partial likelihood at the estimates.
    pub log_likelihood: f64,
    /// Log partial likelihood at β = 0.
    pub null_log_likelihood: f64,
    /// Likelihood-ratio statistic `2(ℓ − ℓ₀)` and its χ²(k) p-value.
    pub lr_statistic: f64,
    /// The χ²(k) p-value of `lr_statistic`.
    pub lr_p_value: f64,
    /// `−2ℓ + 2k` from the partial likelihood, `k` the number of coefficients.
    pub aic: f64,
    /// Newton iterations taken.
    pub iterations: usize,
    /// Cluster variables and their number of clusters (empty unless clustered).
    pub clusters: Vec<(String, usize)>,
    /// Description of the variance estimator.
    pub vcov_type: String,
}

/// Fits a Cox model of the spells on the covariates in `design` (no intercept: a constant
/// column is dropped as unidentified).
///
/// ```
/// use pressure_econometrics::survival::{cox, CoxOptions, Spells};
/// use pressure_econometrics::Design;
/// let t = [5.0, 6.0, 2.0, 4.0, 4.0, 8.0, 1.0, 3.0];
/// let d = [1.0, 0.0, 1.0, 1.0, 1.0, 0.0, 1.0, 1.0];
/// let x = [0.0, 0.0, 1.0, 0.0, 1.0, 0.0, 1.0, 1.0];
/// let design = Design::from_columns(&["treated"], &[&x]).unwrap();
/// let fit = cox(&Spells::new(&t, &d), &design, &CoxOptions::default()).unwrap();
/// assert!(fit.hazard_ratios[0] > 1.0);
/// ```
pub fn cox(spells: &Spells<'_>, design: &Design, opts: &CoxOptions) -> Result<CoxResult> {
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
        return Err(EconError::Invalid("Cox model: no events".into()));
    }
    // Centre the covariates; constant or collinear columns are dropped.
    let p_in = design.n_cols();
    let means: Vec<f64> = (0..p_in)
        .map(|j| design.column(j).iter().sum::<f64>() / n as f64)
        .collect();
    let centred = Mat::from_fn(n, p_in, |i, j| design.matrix()[(i, j)] - means[j]);
    let probe = lstsq(centred.as_ref(), spells.stop, &LstsqOptions::default())?;
    let kept = probe.kept.clone();
    let k = kept.len();
    if k == 0 {
        return Err(EconError::Invalid(
            "Cox model: no covariate varies across spells".into(),
        ));
    }
    let x = Mat::from_fn(n, k, |i, c| centred[(i, kept[c])]);
    let strata: Vec<Vec<usize>> = match &opts.strata {
        None => vec![(0..n).collect()],
        Some(f) => {
            if f.len() != n {
                return Err(EconError::Dimension(
                    "strata length differs from spells".into(),
                ));
            }
            let mut groups = vec![vec![]; f.n_levels];
            for (i, &g) in f.codes.iter().enumerate() {
                groups[g as usize].push(i);
            }
            groups
        }
    };
    let model = Model {
        spells,
        x: &x,
        strata: &strata,
        efron: opts.ties == Ties::Efron,
    };
    let mut beta = vec![0.0; k];
    let (ll0, _, _) = model.derivatives(&beta, None);
    let mut ll = ll0;
    let mut iterations = 0;
    let mut converged = false;
    while iterations < opts.max_iter {
        iterations += 1;
        let (_, grad, info) = model.derivatives(&beta, None);
        let inv = spd_inverse(info.as_ref(), "the Cox information matrix")?;
        let step: Vec<f64> = (0..k)
            .map(|a| (0..k).map(|b| inv[(a, b)] * grad[b]).sum())
            .collect();
        let mut t = 1.0;
        let mut accepted = None;
        for _ in 0..40 {
            let trial: Vec<f64> = beta.iter().zip(&step).map(|(b, s)| b + t * s).collect();
            let (l, _, _) = model.derivatives(&trial, None);
            if l.is_finite() && l >= ll - 1e-12 * ll.abs() {
                accepted = Some((trial, l));
                break;
            }
            t *= 0.5;
        }
        let Some((trial, l)) = accepted else {
            break;
        };
        let change = (l - ll).abs();
        beta = trial;
        ll = l;
        if change <= opts.tol * ll.abs().max(1.0) {
            converged = true;
            break;
        }
    }
    if !converged {
        return Err(EconError::NotConverged {
            what: "Cox partial likelihood".into(),
            iterations,
        });
    }
    if beta.iter().any(|b| b.abs() > 50.0) {
        return Err(EconError::Invalid(
            "Cox model: a coefficient diverges (monotone likelihood: some covariate \
             perfectly orders the events)"
                .into(),
        ));
    }
    let mut resid = Mat::<f64>::zeros(n, k);
    let (_, _, info) = model.derivatives(&beta, Some(&mut resid));
    let bread = spd_inverse(info.as_ref(), "the Cox information matrix")?;
    let v = score_vcov(
        &opts.vcov,
        resid.as_ref(),
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
    let coefficients = CoefTable::new(names, beta.clone(), &v.vcov, v.reference, opts.level);
    let lr = 2.0 * (ll - ll0);
    Ok(CoxResult {
        coefficients,
        hazard_ratios: beta.iter().map(|b| b.exp()).collect(),
        dropped: probe
            .dropped
            .iter()
            .map(|&j| design.names()[j].clone())
            .collect(),
        ties: opts.ties,
        n_obs: n,
        n_events,
        log_likelihood: ll,
        null_log_likelihood: ll0,
        lr_statistic: lr,
        lr_p_value: ChiSquared::new(k as f64).map_or(f64::NAN, |c| c.sf(lr.max(0.0))),
        aic: -2.0 * ll + 2.0 * k as f64,
        iterations,
        clusters: v.clusters,
        vcov_type: opts.vcov.describe(),
    })
}

struct Model<'a> {
    spells: &'a Spells<'a>,
    x: &'a Mat<f64>,
    strata: &'a [Vec<usize>],
    efron: bool,
}

impl Model<'_> {
    /// Log partial likelihood, gradient and information at `beta`; with `resid`, also the
    /// score residuals of each spell (rows of `resid`).
    fn derivatives(
        &self,
        beta: &[f64],
        mut resid: Option<&mut Mat<f64>>,
    ) -> (f64, Vec<f64>, Mat<f64>) {
        let k = beta.len();
        let x = self.x;
        let sp = self.spells;
        let n = sp.len();
        let eta: Vec<f64> = (0..n)
            .map(|i| (0..k).map(|j| x[(i, j)] * beta[j]).sum())
            .collect();
        let w: Vec<f64> = eta.iter().map(|e| e.exp()).collect();
        let mut ll = 0.0;
        let mut grad = vec![0.0; k];
        let mut info = Mat::<f64>::zeros(k, k);
        for idx in self.strata {
            let m = idx.len();
            let mut by_stop = idx.clone();
            by_stop.sort_by(|&a, &b| sp.stop[b].total_cmp(&sp.stop[a]));
            let mut by_start = idx.clone();
            by_start.sort_by(|&a, &b| sp.start_of(b).total_cmp(&sp.start_of(a)));
            let mut times: Vec<f64> = idx
                .iter()
                .filter(|&&i| sp.event[i] == 1.0)
                .map(|&i| sp.stop[i])
                .collect();
            times.sort_by(|a, b| b.total_cmp(a));
            times.dedup();
            let mut s0 = 0.0;
            let mut s1 = vec![0.0; k];
            let mut s2 = Mat::<f64>::zeros(k, k);
            let (mut ip, mut jp) = (0, 0);
            // Per event time (descending): Σ_l c/den_l, Σ_l x̄_l/den_l (for residuals), the
            // Efron correction sums, and the tied events.
            let mut per_time: Vec<TimeTerms> = Vec::with_capacity(times.len());
            for &t in &times {
                let add = |i: usize, s0: &mut f64, s1: &mut [f64], s2: &mut Mat<f64>, sign: f64| {
                    let wi = sign * w[i];
                    *s0 += wi;
                    for a in 0..k {
                        let xa = x[(i, a)];
                        s1[a] += wi * xa;
                        for b in 0..=a {
                            s2[(a, b)] += wi * xa * x[(i, b)];
                        }
                    }
                };
                let first_new = ip;
                while ip < m && sp.stop[by_stop[ip]] >= t {
                    add(by_stop[ip], &mut s0, &mut s1, &mut s2, 1.0);
                    ip += 1;
                }
                while jp < m && sp.start_of(by_start[jp]) >= t {
                    add(by_start[jp], &mut s0, &mut s1, &mut s2, -1.0);
                    jp += 1;
                }
                let deaths: Vec<usize> = by_stop[first_new..ip]
                    .iter()
                    .copied()
                    .filter(|&i| sp.stop[i] == t && sp.event[i] == 1.0)
                    .collect();
                let d = deaths.len() as f64;
                let mut a0 = 0.0;
                let mut a1 = vec![0.0; k];
                let mut a2 = Mat::<f64>::zeros(k, k);
                for &i in &deaths {
                    ll += eta[i];
                    for a in 0..k {
                        grad[a] += x[(i, a)];
                    }
                    add(i, &mut a0, &mut a1, &mut a2, 1.0);
                }
                let mut terms = TimeTerms {
                    time: t,
                    deaths,
                    inv_den: 0.0,
                    xbar_over_den: vec![0.0; k],
                    corr_inv_den: 0.0,
                    corr_xbar_over_den: vec![0.0; k],
                    mean_xbar: vec![0.0; k],
                };
                let nd = d as usize;
                for l in 0..nd {
                    let f = if self.efron { l as f64 / d } else { 0.0 };
                    let den = s0 - f * a0;
                    ll -= den.ln();
                    let num: Vec<f64> = (0..k).map(|a| s1[a] - f * a1[a]).collect();
                    for a in 0..k {
                        let xa = num[a] / den;
                        grad[a] -= xa;
                        terms.xbar_over_den[a] += xa / den;
                        terms.corr_xbar_over_den[a] += f * xa / den;
                        terms.mean_xbar[a] += xa / d;
                        for b in 0..=a {
                            let v = (s2[(a, b)] - f * a2[(a, b)]) / den - xa * num[b] / den;
                            info[(a, b)] += v;
                        }
                    }
                    terms.inv_den += 1.0 / den;
                    terms.corr_inv_den += f / den;
                }
                if resid.is_some() {
                    per_time.push(terms);
                }
            }
            if let Some(r) = resid.as_deref_mut() {
                score_residuals(sp, x, &w, idx, per_time, r);
            }
        }
        for a in 0..k {
            for b in 0..a {
                info[(b, a)] = info[(a, b)];
            }
        }
        (ll, grad, info)
    }
}

struct TimeTerms {
    time: f64,
    deaths: Vec<usize>,
    /// Σ_l 1/den_l
    inv_den: f64,
    /// Σ_l x̄_l/den_l
    xbar_over_den: Vec<f64>,
    /// Σ_l f_l/den_l and Σ_l f_l x̄_l/den_l (Efron weights of the tied deaths)
    corr_inv_den: f64,
    corr_xbar_over_den: Vec<f64>,
    /// (1/d) Σ_l x̄_l
    mean_xbar: Vec<f64>,
}

/// Score residuals `U_i = Σ_t Σ_l [ (1/d)1{i∈D_t}(x_i − x̄_l) − c_il w_i (x_i − x̄_l)/den_l ]`
/// over the event times `t` at which spell `i` is at risk (`c_il = 1 − f_l` for the tied
/// deaths, 1 otherwise). They sum to the score.
fn score_residuals(
    sp: &Spells<'_>,
    x: &Mat<f64>,
    w: &[f64],
    idx: &[usize],
    mut per_time: Vec<TimeTerms>,
    resid: &mut Mat<f64>,
) {
    let k = x.ncols();
    per_time.reverse(); // ascending time
    let times: Vec<f64> = per_time.iter().map(|t| t.time).collect();
    // Cumulative sums over event times ≤ t.
    let mut cum_inv = vec![0.0; times.len() + 1];
    let mut cum_xbar = vec![vec![0.0; k]; times.len() + 1];
    for (j, t) in per_time.iter().enumerate() {
        cum_inv[j + 1] = cum_inv[j] + t.inv_den;
        for a in 0..k {
            cum_xbar[j + 1][a] = cum_xbar[j][a] + t.xbar_over_den[a];
        }
    }
    for &i in idx {
        // event times in (start, stop]
        let lo = times.partition_point(|&t| t <= sp.start_of(i));
        let hi = times.partition_point(|&t| t <= sp.stop[i]);
        let a_sum = cum_inv[hi] - cum_inv[lo];
        for a in 0..k {
            let b_sum = cum_xbar[hi][a] - cum_xbar[lo][a];
            resid[(i, a)] = -w[i] * (x[(i, a)] * a_sum - b_sum);
        }
    }
    for t in &per_time {
        for &i in &t.deaths {
            for a in 0..k {
                // the death's own term, and the Efron down-weighting of its risk-set share
                resid[(i, a)] += x[(i, a)] - t.mean_xbar[a]
                    + w[i] * (x[(i, a)] * t.corr_inv_den - t.corr_xbar_over_den[a]);
            }
        }
    }
}
