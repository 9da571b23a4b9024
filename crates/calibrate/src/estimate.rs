//! Point estimation: one optimiser run from one start, in internal (unbounded) coordinates.
//!
//! * `lm` — Levenberg–Marquardt on the standardised residuals, alternating with updates of the
//!   estimated scales (σ per series, Student-t weights) until they settle; this converges to the
//!   maximum-likelihood estimate.
//! * `nelder_mead`, `lbfgs` — minimise the profile negative log-likelihood directly.
//! * `differential_evolution` — global search over the parameters' search box (external scale).
//!
//! Unless `polish = false`, the non-LM methods finish with an LM run from their result, which
//! gives the precise optimum and the Jacobian the standard errors need. Point estimates are
//! maximum-likelihood; priors enter only the MCMC posterior.

use crate::error::CalibrateError;
use crate::lm::{levenberg_marquardt, LmOptions};
use crate::objective::{Calibration, Predictor, Scales};
use crate::optim::de::{differential_evolution, DeOptions};
use crate::optim::lbfgs::{lbfgs, LbfgsOptions};
use crate::optim::nelder_mead::{nelder_mead, NelderMeadOptions};
use crate::optim::Objective;
use crate::problem::{EvalError, LeastSquaresProblem};
use serde::{Deserialize, Serialize};

/// Optimiser choice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    #[default]
    Lm,
    NelderMead,
    Lbfgs,
    DifferentialEvolution,
}

impl Method {
    pub fn name(self) -> &'static str {
        match self {
            Method::Lm => "lm",
            Method::NelderMead => "nelder_mead",
            Method::Lbfgs => "lbfgs",
            Method::DifferentialEvolution => "differential_evolution",
        }
    }
}

/// Settings of [`estimate`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct EstimateOptions {
    pub method: Method,
    pub lm: LmOptions,
    pub nelder_mead: NelderMeadOptions,
    pub lbfgs: LbfgsOptions,
    pub differential_evolution: DeOptions,
    /// Finish non-LM methods with an LM run.
    pub polish: bool,
    /// Maximum LM / scale-update rounds.
    pub max_scale_rounds: usize,
}

impl Default for EstimateOptions {
    fn default() -> Self {
        EstimateOptions {
            method: Method::Lm,
            lm: LmOptions::default(),
            nelder_mead: NelderMeadOptions::default(),
            lbfgs: LbfgsOptions::default(),
            differential_evolution: DeOptions::default(),
            polish: true,
            max_scale_rounds: 50,
        }
    }
}

/// A point estimate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Estimate {
    /// Parameter values (external scale).
    #[serde(with = "crate::checkpoint::bits")]
    pub x: Vec<f64>,
    /// Internal coordinates.
    #[serde(with = "crate::checkpoint::bits")]
    pub z: Vec<f64>,
    /// Negative log-likelihood (σ profiled).
    #[serde(with = "crate::checkpoint::bits")]
    pub neg_log_lik: f64,
    /// Scale per series at the estimate.
    #[serde(with = "crate::checkpoint::bits")]
    pub sigma: Vec<f64>,
    pub converged: bool,
    pub method: Method,
    pub message: String,
    /// Model runs used.
    pub evaluations: usize,
}

/// Standardised residuals of a calibration at fixed scales, as a function of internal
/// coordinates: what LM minimises.
pub struct ScaledResiduals<'a, P> {
    pub cal: &'a mut Calibration<P>,
    pub scales: Scales,
    raw: Vec<f64>,
}

impl<'a, P: Predictor> ScaledResiduals<'a, P> {
    pub fn new(cal: &'a mut Calibration<P>, scales: Scales) -> Self {
        let m = cal.n_obs();
        ScaledResiduals {
            cal,
            scales,
            raw: vec![0.0; m],
        }
    }
}

impl<P: Predictor> LeastSquaresProblem for ScaledResiduals<'_, P> {
    fn n_params(&self) -> usize {
        self.cal.n_params()
    }
    fn n_residuals(&self) -> usize {
        self.cal.n_obs()
    }
    fn residuals(&mut self, z: &[f64], r: &mut [f64]) -> Result<(), EvalError> {
        self.cal.raw_residuals_at_internal(z, &mut self.raw)?;
        self.cal.standardised(&self.raw, &self.scales, r);
        Ok(())
    }
}

/// The profile negative log-likelihood in internal coordinates, as a scalar objective.
#[derive(Clone)]
pub struct NegLogLik<P>(pub Calibration<P>);

impl<P: Predictor> Objective for NegLogLik<P> {
    fn n_params(&self) -> usize {
        self.0.n_params()
    }
    fn value(&mut self, z: &[f64]) -> Result<f64, EvalError> {
        self.0.neg_log_lik_internal(z)
    }
}

/// The same on the external scale (for the box-constrained global search).
#[derive(Clone)]
struct NegLogLikExternal<P>(Calibration<P>);

impl<P: Predictor> Objective for NegLogLikExternal<P> {
    fn n_params(&self) -> usize {
        self.0.n_params()
    }
    fn value(&mut self, x: &[f64]) -> Result<f64, EvalError> {
        if !self.0.params().contains(x) {
            return Err(EvalError::new("outside the bounds"));
        }
        self.0.neg_log_lik(x)
    }
}

/// Scales at internal coordinates `z`.
pub fn scales_at<P: Predictor>(cal: &mut Calibration<P>, z: &[f64]) -> Result<Scales, EvalError> {
    let mut raw = vec![0.0; cal.n_obs()];
    cal.raw_residuals_at_internal(z, &mut raw)?;
    Ok(cal.scales(&raw))
}

fn scales_settled(a: &Scales, b: &Scales) -> bool {
    let close =
        |x: f64, y: f64| (x - y).abs() <= 1e-10 * x.abs().max(y.abs()).max(f64::MIN_POSITIVE);
    a.sigma.iter().zip(&b.sigma).all(|(x, y)| close(*x, *y))
        && a.t_weights
            .iter()
            .zip(&b.t_weights)
            .all(|(x, y)| close(*x, *y))
}

/// LM with scale updates from internal start `z0`. Returns (z, converged, message).
///
/// The rounds alternate an LM fit at fixed scales with a scale update (block coordinate
/// descent on the profile likelihood, so each round lowers it). Rounds skip LM's
/// Gauss–Newton refinement; one refined LM run at the settled scales finishes.
fn lm_rounds<P: Predictor>(
    cal: &mut Calibration<P>,
    z0: &[f64],
    opts: &EstimateOptions,
) -> Result<(Vec<f64>, bool, String), CalibrateError> {
    let mut z = z0.to_vec();
    let mut scales =
        scales_at(cal, &z).map_err(|e| CalibrateError::eval("model at the start point", e))?;
    let fixed = cal.scales_are_fixed();
    let rough = LmOptions {
        refine: false,
        ..opts.lm.clone()
    };
    let mut rounds = 0;
    let mut settled = fixed;
    while !settled && rounds < opts.max_scale_rounds {
        let mut prob = ScaledResiduals::new(cal, scales.clone());
        let rep = levenberg_marquardt(&mut prob, &z, &rough)?;
        z = rep.x;
        rounds += 1;
        let next =
            scales_at(cal, &z).map_err(|e| CalibrateError::eval("model at the LM estimate", e))?;
        settled = scales_settled(&scales, &next);
        scales = next;
        if !rep.termination.converged() {
            break;
        }
    }
    let mut prob = ScaledResiduals::new(cal, scales.clone());
    let rep = levenberg_marquardt(&mut prob, &z, &opts.lm)?;
    z = rep.x;
    let mut converged = rep.termination.converged();
    let mut message = format!(
        "LM: {} after {} iterations",
        rep.termination.describe(),
        rep.iterations
    );
    if rounds > 0 {
        message.push_str(&format!(" ({rounds} rounds of scale updates before)"));
    }
    if !settled {
        converged = false;
        message.push_str("; scale estimates still changing at the round limit");
    }
    Ok((z, converged, message))
}

/// Estimates the parameters from internal start `z0` with the chosen method.
///
/// ```
/// use pressure_calibrate::estimate::{estimate, EstimateOptions};
/// use pressure_calibrate::objective::{Calibration, ErrorModel, FnPredictor, Series};
/// use pressure_calibrate::params::{ParamSet, ParamSpec};
/// // y = a·exp(−k t) observed without noise; fit a > 0 and k in (0, 1).
/// let t: Vec<f64> = (0..20).map(|i| i as f64 * 0.5).collect();
/// let y: Vec<f64> = t.iter().map(|t| 3.0 * (-0.4 * t).exp() + 0.01 * (t * 7.0).sin()).collect();
/// let params = ParamSet::new(vec![
///     ParamSpec::new("a", 1.0, 0.0, f64::INFINITY),
///     ParamSpec::new("k", 0.1, 0.0, 1.0),
/// ]).unwrap();
/// let series = vec![Series { name: "y".into(), observed: y, error: ErrorModel::Normal { sigma: None } }];
/// let tt = t.clone();
/// let model = FnPredictor(move |p: &[f64], out: &mut [f64]| {
///     for (o, t) in out.iter_mut().zip(&tt) { *o = p[0] * (-p[1] * t).exp(); }
///     Ok(())
/// });
/// let mut cal = Calibration::new(params, series, model).unwrap();
/// let z0 = cal.params().start_internal();
/// let est = estimate(&mut cal, &z0, &EstimateOptions::default()).unwrap();
/// assert!(est.converged);
/// assert!((est.x[0] - 3.0).abs() < 0.01 && (est.x[1] - 0.4).abs() < 0.01);
/// ```
pub fn estimate<P: Predictor + Clone + Send + Sync>(
    cal: &mut Calibration<P>,
    z0: &[f64],
    opts: &EstimateOptions,
) -> Result<Estimate, CalibrateError> {
    let n = cal.n_params();
    if z0.len() != n {
        return Err(CalibrateError::invalid(format!(
            "start has {} entries for {n} parameters",
            z0.len()
        )));
    }
    let before = cal.evaluations();
    let (z, converged, message) = match opts.method {
        Method::Lm => lm_rounds(cal, z0, opts)?,
        Method::NelderMead | Method::Lbfgs | Method::DifferentialEvolution => {
            let mut extra = 0;
            let (z, conv, msg) = match opts.method {
                Method::NelderMead => {
                    let mut f = NegLogLik(cal.clone());
                    let r = nelder_mead(&mut f, z0, &opts.nelder_mead)?;
                    extra += f.0.evaluations();
                    (
                        r.x,
                        r.converged,
                        format!("Nelder–Mead: {} ({} evaluations)", r.message, r.evaluations),
                    )
                }
                Method::Lbfgs => {
                    let mut f = NegLogLik(cal.clone());
                    let r = lbfgs(&mut f, z0, &opts.lbfgs)?;
                    extra += f.0.evaluations();
                    (
                        r.x,
                        r.converged,
                        format!("L-BFGS: {} ({} evaluations)", r.message, r.evaluations),
                    )
                }
                _ => {
                    let (lo, hi) = search_box(cal.params())?;
                    let f = NegLogLikExternal(cal.clone());
                    let x0 = cal.params().to_external_vec(z0);
                    let r = differential_evolution(
                        &f,
                        &lo,
                        &hi,
                        &[x0],
                        &opts.differential_evolution,
                        None,
                    )?;
                    extra += r.evaluations;
                    let z = cal.params().to_internal_vec(&r.x);
                    (
                        z,
                        r.converged,
                        format!(
                            "differential evolution: {} after {} generations",
                            r.message, r.iterations
                        ),
                    )
                }
            };
            // Evaluations made on clones are added to this calibration's count below.
            let (z, conv, msg) = if opts.polish {
                let (z2, c2, m2) = lm_rounds(cal, &z, opts)?;
                (
                    z2,
                    c2 && (conv || opts.method != Method::DifferentialEvolution),
                    format!("{msg}; polished by {m2}"),
                )
            } else {
                (z, conv, msg)
            };
            return finish(cal, z, conv, msg, opts.method, before, extra);
        }
    };
    finish(cal, z, converged, message, opts.method, before, 0)
}

fn finish<P: Predictor>(
    cal: &mut Calibration<P>,
    z: Vec<f64>,
    converged: bool,
    message: String,
    method: Method,
    before: usize,
    extra: usize,
) -> Result<Estimate, CalibrateError> {
    let x = cal.params().to_external_vec(&z);
    let mut raw = vec![0.0; cal.n_obs()];
    cal.raw_residuals_at(&x, &mut raw)
        .map_err(|e| CalibrateError::eval("model at the estimate", e))?;
    let scales = cal.scales(&raw);
    let nll = cal.neg_log_lik_from_raw(&raw);
    Ok(Estimate {
        x,
        z,
        neg_log_lik: nll,
        sigma: scales.sigma,
        converged,
        method,
        message,
        evaluations: cal.evaluations() - before + extra,
    })
}

/// The box multi-start and differential evolution search: the bounds where finite; a decade
/// either side of the start (in distance to the bound) for a one-sided parameter; start ±
/// 2·max(|start|, 1) for an unbounded one.
pub fn search_box(
    params: &crate::params::ParamSet,
) -> Result<(Vec<f64>, Vec<f64>), CalibrateError> {
    let mut lo = Vec::new();
    let mut hi = Vec::new();
    for s in params.specs() {
        let (a, b) = match (s.lower.is_finite(), s.upper.is_finite()) {
            (true, true) => (s.lower, s.upper),
            (true, false) => {
                let d = s.start - s.lower;
                (s.lower + d / 10.0, s.lower + d * 10.0)
            }
            (false, true) => {
                let d = s.upper - s.start;
                (s.upper - d * 10.0, s.upper - d / 10.0)
            }
            (false, false) => {
                let w = 2.0 * s.start.abs().max(1.0);
                (s.start - w, s.start + w)
            }
        };
        lo.push(a);
        hi.push(b);
    }
    Ok((lo, hi))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::objective::{ErrorModel, FnPredictor, Series};
    use crate::params::{ParamSet, ParamSpec};

    /// Two series from one logistic curve, with different noise levels.
    fn two_series() -> Calibration<impl Predictor + Clone + Send + Sync> {
        let t: Vec<f64> = (0..30).map(f64::from).collect();
        let logistic = |k: f64, r: f64, t: f64| k / (1.0 + (k / 10.0 - 1.0) * (-r * t).exp());
        // Deterministic "noise" so the test is exact and fast.
        let y1: Vec<f64> = t
            .iter()
            .map(|&t| logistic(100.0, 0.3, t) + 2.0 * (t * 1.7).sin())
            .collect();
        let y2: Vec<f64> = t
            .iter()
            .map(|&t| 0.5 * logistic(100.0, 0.3, t) + 0.2 * (t * 2.3).cos())
            .collect();
        let params = ParamSet::new(vec![
            ParamSpec::new("k", 50.0, 1.0, 1000.0),
            ParamSpec::new("r", 0.1, 0.0, 2.0),
        ])
        .unwrap();
        let series = vec![
            Series {
                name: "level".into(),
                observed: y1,
                error: ErrorModel::Normal { sigma: None },
            },
            Series {
                name: "half".into(),
                observed: y2,
                error: ErrorModel::Normal { sigma: None },
            },
        ];
        let model = FnPredictor(move |p: &[f64], out: &mut [f64]| {
            for (i, &tt) in t.iter().enumerate() {
                out[i] = logistic(p[0], p[1], tt);
                out[30 + i] = 0.5 * logistic(p[0], p[1], tt);
            }
            Ok(())
        });
        Calibration::new(params, series, model).unwrap()
    }

    #[test]
    fn every_method_reaches_the_same_maximum_likelihood_estimate() {
        let mut cal = two_series();
        let z0 = cal.params().start_internal();
        let lm = estimate(&mut cal, &z0, &EstimateOptions::default()).unwrap();
        assert!(lm.converged, "{}", lm.message);
        // σ estimates are the ML ones at the optimum: SSR_s / n_s.
        let pred = cal.predict(&lm.x).unwrap().to_vec();
        let obs = cal.observed_flat();
        let ssr1: f64 = (0..30).map(|i| (obs[i] - pred[i]).powi(2)).sum();
        assert!((lm.sigma[0] - (ssr1 / 30.0).sqrt()).abs() < 1e-9);
        // The ML estimate is a stationary point of the profile likelihood.
        let nll = |cal: &mut Calibration<_>, x: &[f64]| cal.neg_log_lik(x).unwrap();
        for j in 0..2 {
            let mut xp = lm.x.clone();
            xp[j] *= 1.0 + 1e-5;
            assert!(nll(&mut cal, &xp) >= lm.neg_log_lik - 1e-9);
        }
        for method in [
            Method::NelderMead,
            Method::Lbfgs,
            Method::DifferentialEvolution,
        ] {
            for polish in [false, true] {
                let opts = EstimateOptions {
                    method,
                    polish,
                    ..Default::default()
                };
                let est = estimate(&mut cal, &z0, &opts).unwrap();
                assert!(est.evaluations > 0);
                let tol = if polish { 1e-7 } else { 1e-3 };
                for j in 0..2 {
                    assert!(
                        ((est.x[j] - lm.x[j]) / lm.x[j]).abs() < tol,
                        "{method:?} polish={polish}: {:?} vs {:?} ({})",
                        est.x,
                        lm.x,
                        est.message
                    );
                }
            }
        }
    }
}
