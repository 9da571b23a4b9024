//! The statistical objective of a calibration: observed series, an error model per series, and
//! a [`Predictor`] that maps parameter values to the model's value for every observation.
//!
//! ## Error models and the likelihood
//!
//! | error model | residual | scale |
//! |---|---|---|
//! | `normal` | `y − ŷ` | σ given, or estimated per series |
//! | `log_normal` | `ln y − ln ŷ` (both must be positive) | σ on the log scale |
//! | `student_t` (ν degrees of freedom) | `y − ŷ` | σ given or estimated (EM, Lange et al. 1989) |
//! | `weighted` (weight w) | `√w (y − ŷ)` | one σ shared by all weighted series, estimated |
//!
//! An estimated σ is *profiled out*: for each parameter vector it is set to its maximum-likelihood
//! value given the residuals (`σ̂² = SSR/n` for normal errors), so every optimiser and every
//! uncertainty method sees a function of the model parameters only. For normal and log-normal
//! errors the profile likelihood equals, up to a constant, the marginal likelihood under the
//! Jeffreys prior `p(σ) ∝ 1/σ`, so the MCMC posterior is the one with σ integrated out.
//!
//! Levenberg–Marquardt sees the residuals divided by the current σ̂ (and multiplied by the
//! Student-t EM weights); the estimator alternates LM and σ updates until σ̂ settles, which
//! converges to the joint maximum-likelihood estimate.

use crate::error::CalibrateError;
use crate::params::ParamSet;
use crate::problem::EvalError;
use rand::Rng;
use rand_distr::{Distribution as _, StandardNormal, StudentT};
use serde::{Deserialize, Serialize};
use statrs::function::gamma::ln_gamma;
use std::f64::consts::PI;

/// How the observation errors of one series are modelled.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum ErrorModel {
    /// Normal errors; `sigma` given or (when absent) estimated.
    Normal {
        #[serde(default)]
        sigma: Option<f64>,
    },
    /// Log-normal errors: normal on `ln y − ln ŷ`.
    LogNormal {
        #[serde(default)]
        sigma: Option<f64>,
    },
    /// Student-t errors with `df` degrees of freedom (robust to outliers).
    StudentT {
        df: f64,
        #[serde(default)]
        sigma: Option<f64>,
    },
    /// Weighted least squares: residuals multiplied by `√weight`, one σ shared by all weighted
    /// series and estimated.
    Weighted { weight: f64 },
}

impl Default for ErrorModel {
    fn default() -> Self {
        ErrorModel::Normal { sigma: None }
    }
}

impl ErrorModel {
    fn given_sigma(&self) -> Option<f64> {
        match self {
            ErrorModel::Normal { sigma } | ErrorModel::LogNormal { sigma } => *sigma,
            ErrorModel::StudentT { sigma, .. } => *sigma,
            ErrorModel::Weighted { .. } => None,
        }
    }

    pub fn describe(&self) -> String {
        let s = |sigma: &Option<f64>| match sigma {
            Some(v) => format!("σ = {v}"),
            None => "σ estimated".into(),
        };
        match self {
            ErrorModel::Normal { sigma } => format!("normal, {}", s(sigma)),
            ErrorModel::LogNormal { sigma } => format!("log-normal, {}", s(sigma)),
            ErrorModel::StudentT { df, sigma } => format!("Student-t (ν = {df}), {}", s(sigma)),
            ErrorModel::Weighted { weight } => format!("weighted least squares, weight {weight}"),
        }
    }
}

/// One observed series.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Series {
    pub name: String,
    /// Observations (finite; missing values are left out by whoever builds the series).
    pub observed: Vec<f64>,
    pub error: ErrorModel,
}

/// The model side of a calibration: parameter values (external scale) → the model's value for
/// every observation, series after series in the order of [`Calibration::series`].
pub trait Predictor {
    fn predict(&mut self, params: &[f64], out: &mut [f64]) -> Result<(), EvalError>;
}

/// A predictor from a closure.
#[derive(Clone)]
pub struct FnPredictor<F>(pub F);

impl<F> Predictor for FnPredictor<F>
where
    F: FnMut(&[f64], &mut [f64]) -> Result<(), EvalError>,
{
    fn predict(&mut self, params: &[f64], out: &mut [f64]) -> Result<(), EvalError> {
        (self.0)(params, out)
    }
}

/// A predictor with one parameter held fixed: it takes the other parameters and inserts the
/// pinned value at `index` (for profile likelihoods).
#[derive(Clone)]
pub struct Pinned<P> {
    inner: P,
    index: usize,
    value: f64,
    full: Vec<f64>,
}

impl<P: Predictor> Predictor for Pinned<P> {
    fn predict(&mut self, params: &[f64], out: &mut [f64]) -> Result<(), EvalError> {
        let k = self.index;
        self.full[..k].copy_from_slice(&params[..k]);
        self.full[k] = self.value;
        self.full[k + 1..].copy_from_slice(&params[k..]);
        self.inner.predict(&self.full, out)
    }
}

/// Parameters, observations, error models and the model: everything the estimators and the
/// uncertainty methods need.
#[derive(Clone)]
pub struct Calibration<P> {
    params: ParamSet,
    series: Vec<Series>,
    offsets: Vec<usize>,
    /// σ group of each series: series with the same group and an estimated normal or
    /// log-normal σ share one σ (see [`Calibration::share_sigma`]).
    sigma_groups: Vec<usize>,
    pub predictor: P,
    pred: Vec<f64>,
    x: Vec<f64>,
    evaluations: usize,
}

/// Scale estimates at one parameter vector.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Scales {
    /// σ per series (given or estimated; weighted series share one).
    pub sigma: Vec<f64>,
    /// Student-t EM weights per observation (1 for the other models).
    pub t_weights: Vec<f64>,
}

const T_EM_MAX_ITER: usize = 200;
const T_EM_TOL: f64 = 1e-12;

impl<P: Predictor> Calibration<P> {
    /// Validates the series (non-empty, finite, positive for log-normal errors, valid σ, ν and
    /// weights).
    pub fn new(
        params: ParamSet,
        series: Vec<Series>,
        predictor: P,
    ) -> Result<Self, CalibrateError> {
        if series.is_empty() {
            return Err(CalibrateError::invalid(
                "no observed series to calibrate against",
            ));
        }
        let mut offsets = vec![0];
        for s in &series {
            let name = &s.name;
            if s.observed.is_empty() {
                return Err(CalibrateError::invalid(format!(
                    "series `{name}` has no observations"
                )));
            }
            if let Some(k) = s.observed.iter().position(|v| !v.is_finite()) {
                return Err(CalibrateError::invalid(format!(
                    "series `{name}`: observation {k} is not a finite number"
                )));
            }
            if let Some(sig) = s.error.given_sigma() {
                if !(sig.is_finite() && sig > 0.0) {
                    return Err(CalibrateError::invalid(format!(
                        "series `{name}`: sigma must be a positive number, got {sig}"
                    )));
                }
            }
            match s.error {
                ErrorModel::LogNormal { .. } => {
                    if let Some(k) = s.observed.iter().position(|v| *v <= 0.0) {
                        return Err(CalibrateError::invalid(format!(
                            "series `{name}`: log-normal errors need positive data, observation {k} is {}",
                            s.observed[k]
                        )));
                    }
                }
                ErrorModel::StudentT { df, .. } if !(df.is_finite() && df > 0.0) => {
                    return Err(CalibrateError::invalid(format!(
                        "series `{name}`: Student-t degrees of freedom must be positive, got {df}"
                    )));
                }
                ErrorModel::Weighted { weight } if !(weight.is_finite() && weight > 0.0) => {
                    return Err(CalibrateError::invalid(format!(
                        "series `{name}`: weight must be positive, got {weight}"
                    )));
                }
                _ => {}
            }
            offsets.push(offsets.last().unwrap() + s.observed.len());
        }
        let m = *offsets.last().unwrap();
        if m < params.len() {
            return Err(CalibrateError::invalid(format!(
                "{m} observations cannot determine {} parameters",
                params.len()
            )));
        }
        let n = params.len();
        let sigma_groups = (0..series.len()).collect();
        Ok(Calibration {
            params,
            series,
            offsets,
            sigma_groups,
            predictor,
            pred: vec![0.0; m],
            x: vec![0.0; n],
            evaluations: 0,
        })
    }

    pub fn params(&self) -> &ParamSet {
        &self.params
    }

    pub fn series(&self) -> &[Series] {
        &self.series
    }

    /// Lets series share one estimated σ: `groups[s]` is the group of series `s`; series of
    /// one group must all have normal or all log-normal errors with σ estimated. The shared σ
    /// is the maximum-likelihood value from all of their residuals, `√(Σ SSR / Σ n)`.
    ///
    /// ```
    /// use pressure_calibrate::objective::{Calibration, ErrorModel, FnPredictor, Series};
    /// use pressure_calibrate::params::{ParamSet, ParamSpec};
    /// let series = |name: &str, y: Vec<f64>| Series { name: name.into(), observed: y, error: ErrorModel::Normal { sigma: None } };
    /// let p = FnPredictor(|x: &[f64], out: &mut [f64]| { out.fill(x[0]); Ok(()) });
    /// let params = ParamSet::new(vec![ParamSpec::free("a", 0.0)]).unwrap();
    /// let mut c = Calibration::new(params, vec![series("a/gdp", vec![1.0, -1.0]), series("b/gdp", vec![3.0, -3.0])], p).unwrap();
    /// c.share_sigma(vec![0, 0]).unwrap();
    /// let raw = [1.0, -1.0, 3.0, -3.0];
    /// let s = c.scales(&raw).sigma;
    /// assert!((s[0] - 5f64.sqrt()).abs() < 1e-12 && s[0] == s[1]);
    /// ```
    pub fn share_sigma(&mut self, groups: Vec<usize>) -> Result<(), CalibrateError> {
        if groups.len() != self.series.len() {
            return Err(CalibrateError::invalid(format!(
                "{} σ groups for {} series",
                groups.len(),
                self.series.len()
            )));
        }
        for (s, g) in groups.iter().enumerate() {
            for (t, h) in groups.iter().enumerate().skip(s + 1) {
                if g != h {
                    continue;
                }
                let (a, b) = (&self.series[s], &self.series[t]);
                let ok = matches!(
                    (&a.error, &b.error),
                    (
                        ErrorModel::Normal { sigma: None },
                        ErrorModel::Normal { sigma: None }
                    ) | (
                        ErrorModel::LogNormal { sigma: None },
                        ErrorModel::LogNormal { sigma: None }
                    )
                );
                if !ok {
                    return Err(CalibrateError::invalid(format!(
                        "series `{}` and `{}` share a σ, so both need normal (or both log-normal) errors with σ estimated",
                        a.name, b.name
                    )));
                }
            }
        }
        self.sigma_groups = groups;
        Ok(())
    }

    /// The σ group of series `s` (its own index unless [`Calibration::share_sigma`] grouped it).
    pub fn sigma_group(&self, s: usize) -> usize {
        self.sigma_groups[s]
    }

    /// Replaces the observations (same sizes), e.g. with simulated data for a bootstrap.
    pub fn set_observed(&mut self, flat: &[f64]) {
        for (s, w) in self.series.iter_mut().zip(self.offsets.windows(2)) {
            s.observed.copy_from_slice(&flat[w[0]..w[1]]);
        }
    }

    /// Observations, series after series.
    pub fn observed_flat(&self) -> Vec<f64> {
        self.series
            .iter()
            .flat_map(|s| s.observed.iter().copied())
            .collect()
    }

    /// The index range of series `s` in flat vectors.
    pub fn range(&self, s: usize) -> std::ops::Range<usize> {
        self.offsets[s]..self.offsets[s + 1]
    }

    pub fn n_obs(&self) -> usize {
        *self.offsets.last().unwrap()
    }

    pub fn n_params(&self) -> usize {
        self.params.len()
    }

    /// The same calibration with parameter `index` fixed at `value` (external scale); the
    /// remaining parameters start at `others` (external, strictly inside their bounds).
    ///
    /// A warm start that sits on a bound (an estimate the bounded transform saturated at) is
    /// moved just inside it, since parameters start strictly inside their bounds.
    pub fn pin(
        &self,
        index: usize,
        value: f64,
        others: &[f64],
    ) -> Result<Calibration<Pinned<P>>, CalibrateError>
    where
        P: Clone,
    {
        let specs: Vec<_> = self
            .params
            .specs()
            .iter()
            .enumerate()
            .filter(|(j, _)| *j != index)
            .zip(others)
            .map(|((_, s), &start)| {
                let mut s = s.clone();
                s.start = strictly_inside(start, s.lower, s.upper);
                s
            })
            .collect();
        let pinned = Pinned {
            inner: self.predictor.clone(),
            index,
            value,
            full: vec![0.0; self.params.len()],
        };
        let mut c = Calibration::new(ParamSet::new(specs)?, self.series.clone(), pinned)?;
        c.sigma_groups = self.sigma_groups.clone();
        Ok(c)
    }

    /// True when no series has an estimated scale or Student-t weights, so least squares at
    /// the start scales is already the likelihood.
    pub fn scales_are_fixed(&self) -> bool {
        self.series.iter().all(|s| match s.error {
            ErrorModel::Normal { sigma } | ErrorModel::LogNormal { sigma } => sigma.is_some(),
            ErrorModel::StudentT { .. } | ErrorModel::Weighted { .. } => false,
        })
    }

    /// Model runs made through this value (clones count separately).
    pub fn evaluations(&self) -> usize {
        self.evaluations
    }

    /// Model values at external parameters `x`.
    pub fn predict(&mut self, x: &[f64]) -> Result<&[f64], EvalError> {
        self.evaluations += 1;
        self.predictor.predict(x, &mut self.pred)?;
        for (s, ser) in self.series.iter().enumerate() {
            for k in self.offsets[s]..self.offsets[s + 1] {
                let v = self.pred[k];
                if !v.is_finite() {
                    return Err(EvalError::new(format!(
                        "model value for series `{}`, observation {} is not finite ({v})",
                        ser.name,
                        k - self.offsets[s]
                    )));
                }
                if matches!(ser.error, ErrorModel::LogNormal { .. }) && v <= 0.0 {
                    return Err(EvalError::new(format!(
                        "model value for series `{}`, observation {} is {v}: log-normal errors need positive values",
                        ser.name,
                        k - self.offsets[s]
                    )));
                }
            }
        }
        Ok(&self.pred)
    }

    /// Model values at internal coordinates `z`.
    pub fn predict_internal(&mut self, z: &[f64]) -> Result<&[f64], EvalError> {
        let mut x = std::mem::take(&mut self.x);
        self.params.to_external(z, &mut x);
        let r = self.predict(&x).map(|_| ());
        self.x = x;
        r.map(|_| self.pred.as_slice())
    }

    /// Raw residuals on the error model's scale (`y − ŷ`, or `ln y − ln ŷ`), unweighted.
    pub fn raw_residuals(&self, pred: &[f64], out: &mut [f64]) {
        raw_residuals(&self.series, &self.offsets, pred, out);
    }

    /// Predicts at external `x` and writes the raw residuals.
    pub fn raw_residuals_at(&mut self, x: &[f64], out: &mut [f64]) -> Result<(), EvalError> {
        self.predict(x)?;
        raw_residuals(&self.series, &self.offsets, &self.pred, out);
        Ok(())
    }

    /// Predicts at internal `z` and writes the raw residuals.
    pub fn raw_residuals_at_internal(
        &mut self,
        z: &[f64],
        out: &mut [f64],
    ) -> Result<(), EvalError> {
        self.predict_internal(z)?;
        raw_residuals(&self.series, &self.offsets, &self.pred, out);
        Ok(())
    }

    /// σ per series and Student-t weights, maximising the likelihood for fixed residuals.
    pub fn scales(&self, raw: &[f64]) -> Scales {
        let m = self.n_obs();
        let mut sigma = vec![0.0; self.series.len()];
        let mut t_weights = vec![1.0; m];
        // Weighted series share one σ: Σ w r² / Σ n.
        let (mut wssr, mut wn) = (0.0, 0usize);
        for (s, ser) in self.series.iter().enumerate() {
            if let ErrorModel::Weighted { weight } = ser.error {
                wssr += weight * raw[self.range(s)].iter().map(|r| r * r).sum::<f64>();
                wn += ser.observed.len();
            }
        }
        let shared = if wn > 0 {
            (wssr / wn as f64).sqrt()
        } else {
            1.0
        };
        // Estimated normal / log-normal σ pooled over each σ group: Σ SSR and Σ n per group.
        let mut pooled = vec![(0.0, 0usize); self.series.len()];
        for (s, ser) in self.series.iter().enumerate() {
            if matches!(
                ser.error,
                ErrorModel::Normal { sigma: None } | ErrorModel::LogNormal { sigma: None }
            ) {
                let g = &mut pooled[self.sigma_groups[s]];
                g.0 += raw[self.range(s)].iter().map(|v| v * v).sum::<f64>();
                g.1 += ser.observed.len();
            }
        }
        for (s, ser) in self.series.iter().enumerate() {
            let r = &raw[self.range(s)];
            let n = r.len() as f64;
            sigma[s] = match ser.error {
                ErrorModel::Normal { sigma: Some(v) }
                | ErrorModel::LogNormal { sigma: Some(v) } => v,
                ErrorModel::Normal { sigma: None } | ErrorModel::LogNormal { sigma: None } => {
                    let (ssr, k) = pooled[self.sigma_groups[s]];
                    (ssr / k as f64).sqrt().max(self.sigma_floor(Some(s)))
                }
                ErrorModel::Weighted { .. } => shared,
                ErrorModel::StudentT { df, sigma: given } => {
                    let mut s2 = given.map(|v| v * v).unwrap_or_else(|| {
                        (r.iter().map(|v| v * v).sum::<f64>() / n).max(f64::MIN_POSITIVE)
                    });
                    let w = &mut t_weights[self.range(s)];
                    for _ in 0..T_EM_MAX_ITER {
                        for (wi, ri) in w.iter_mut().zip(r) {
                            *wi = (df + 1.0) / (df + ri * ri / s2);
                        }
                        if given.is_some() {
                            break;
                        }
                        let next = w.iter().zip(r).map(|(wi, ri)| wi * ri * ri).sum::<f64>() / n;
                        let done = (next - s2).abs() <= T_EM_TOL * s2;
                        s2 = next.max(f64::MIN_POSITIVE);
                        if done {
                            break;
                        }
                    }
                    s2.sqrt().max(self.sigma_floor(Some(s)))
                }
            };
        }
        Scales { sigma, t_weights }
    }

    /// Smallest estimated σ used: 1e-12 of the series' root mean square (all weighted series
    /// when `s` is `None`). An exact fit would otherwise give σ = 0 and infinite standardised
    /// residuals.
    fn sigma_floor(&self, s: Option<usize>) -> f64 {
        let rms = |ser: &Series| {
            let log = matches!(ser.error, ErrorModel::LogNormal { .. });
            let ss: f64 = ser
                .observed
                .iter()
                .map(|y| if log { 1.0 } else { y * y })
                .sum();
            (ss / ser.observed.len() as f64).sqrt()
        };
        let scale = match s {
            Some(s) => rms(&self.series[s]),
            None => self
                .series
                .iter()
                .filter(|x| matches!(x.error, ErrorModel::Weighted { .. }))
                .map(rms)
                .fold(0.0, f64::max),
        };
        (1e-12 * scale).max(f64::MIN_POSITIVE)
    }

    /// Negative log-likelihood from raw residuals, with estimated σ profiled out (the
    /// `ln y` Jacobian term of log-normal data is included so values are comparable across
    /// error models).
    pub fn neg_log_lik_from_raw(&self, raw: &[f64]) -> f64 {
        let scales = self.scales(raw);
        (0..self.series.len()).fold(0.0, |nll, s| self.add_series_nll(nll, s, raw, &scales))
    }

    /// Each series' term of [`Calibration::neg_log_lik_from_raw`] (σ profiled over all the
    /// residuals, so a σ shared by several series is the shared estimate): the terms sum to
    /// the total up to rounding. Pointwise log-likelihoods for leave-one-out comparisons.
    pub fn neg_log_lik_by_series(&self, raw: &[f64]) -> Vec<f64> {
        let scales = self.scales(raw);
        (0..self.series.len())
            .map(|s| self.add_series_nll(0.0, s, raw, &scales))
            .collect()
    }

    /// `nll` plus series `s`'s negative log-likelihood term.
    fn add_series_nll(&self, mut nll: f64, s: usize, raw: &[f64], scales: &Scales) -> f64 {
        let half_ln_2pi = 0.5 * (2.0 * PI).ln();
        let ser = &self.series[s];
        {
            let r = &raw[self.range(s)];
            let sig = scales.sigma[s].max(f64::MIN_POSITIVE);
            let n = r.len() as f64;
            match ser.error {
                ErrorModel::Normal { .. } | ErrorModel::LogNormal { .. } => {
                    let ssr: f64 = r.iter().map(|v| v * v).sum();
                    nll += n * (half_ln_2pi + sig.ln()) + ssr / (2.0 * sig * sig);
                    if matches!(ser.error, ErrorModel::LogNormal { .. }) {
                        nll += ser.observed.iter().map(|y| y.ln()).sum::<f64>();
                    }
                }
                ErrorModel::Weighted { weight } => {
                    let ssr: f64 = r.iter().map(|v| weight * v * v).sum();
                    nll +=
                        n * (half_ln_2pi + sig.ln() - 0.5 * weight.ln()) + ssr / (2.0 * sig * sig);
                }
                ErrorModel::StudentT { df, .. } => {
                    let c = ln_gamma((df + 1.0) / 2.0) - ln_gamma(df / 2.0) - 0.5 * (df * PI).ln();
                    for v in r {
                        let t = v / sig;
                        nll -= c - sig.ln() - (df + 1.0) / 2.0 * (t * t / df).ln_1p();
                    }
                }
            }
        }
        nll
    }

    /// Negative log-likelihood at external parameters `x` (σ profiled).
    pub fn neg_log_lik(&mut self, x: &[f64]) -> Result<f64, EvalError> {
        let mut raw = vec![0.0; self.n_obs()];
        self.raw_residuals_at(x, &mut raw)?;
        Ok(self.neg_log_lik_from_raw(&raw))
    }

    /// Negative log-likelihood at internal coordinates `z` (σ profiled).
    pub fn neg_log_lik_internal(&mut self, z: &[f64]) -> Result<f64, EvalError> {
        let mut raw = vec![0.0; self.n_obs()];
        self.raw_residuals_at_internal(z, &mut raw)?;
        Ok(self.neg_log_lik_from_raw(&raw))
    }

    /// Standardised residuals `√w_i (raw_i)/σ_s` for least squares with fixed scales.
    pub fn standardised(&self, raw: &[f64], scales: &Scales, out: &mut [f64]) {
        for (s, ser) in self.series.iter().enumerate() {
            let extra = match ser.error {
                ErrorModel::Weighted { weight } => weight.sqrt(),
                _ => 1.0,
            };
            let inv = extra / scales.sigma[s].max(f64::MIN_POSITIVE);
            for i in self.range(s) {
                out[i] = raw[i] * inv * scales.t_weights[i].sqrt();
            }
        }
    }

    /// Simulated observations from the fitted model: `pred` plus noise drawn from each series'
    /// error model with scales `sigma` (parametric bootstrap).
    pub fn simulate<R: Rng>(&self, pred: &[f64], sigma: &[f64], rng: &mut R, out: &mut [f64]) {
        for (s, ser) in self.series.iter().enumerate() {
            for i in self.range(s) {
                let e: f64 = match ser.error {
                    ErrorModel::StudentT { df, .. } => {
                        StudentT::new(df).map(|d| d.sample(rng)).unwrap_or(0.0)
                    }
                    _ => rng.sample(StandardNormal),
                };
                out[i] = match ser.error {
                    ErrorModel::LogNormal { .. } => pred[i] * (sigma[s] * e).exp(),
                    ErrorModel::Weighted { weight } => pred[i] + sigma[s] / weight.sqrt() * e,
                    _ => pred[i] + sigma[s] * e,
                };
            }
        }
    }
}

fn raw_residuals(series: &[Series], offsets: &[usize], pred: &[f64], out: &mut [f64]) {
    for (s, ser) in series.iter().enumerate() {
        let log = matches!(ser.error, ErrorModel::LogNormal { .. });
        for (k, y) in ser.observed.iter().enumerate() {
            let i = offsets[s] + k;
            out[i] = if log {
                y.ln() - pred[i].ln()
            } else {
                y - pred[i]
            };
        }
    }
}

/// `x` moved strictly inside `(lower, upper)` by a tiny margin when it sits on or beyond a
/// bound (an estimate at a saturated bound transform), unchanged otherwise.
fn strictly_inside(x: f64, lower: f64, upper: f64) -> f64 {
    let width = if lower.is_finite() && upper.is_finite() {
        upper - lower
    } else {
        x.abs().max(1.0)
    };
    let margin = 1e-9 * width;
    if lower.is_finite() && x <= lower {
        lower + margin
    } else if upper.is_finite() && x >= upper {
        upper - margin
    } else {
        x
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::params::ParamSpec;

    fn line(series: Vec<Series>) -> Calibration<impl Predictor + Clone> {
        let params =
            ParamSet::new(vec![ParamSpec::free("a", 1.0), ParamSpec::free("b", 0.0)]).unwrap();
        let sizes: Vec<usize> = series.iter().map(|s| s.observed.len()).collect();
        let pred = FnPredictor(move |x: &[f64], out: &mut [f64]| {
            let mut i = 0;
            for n in &sizes {
                for t in 0..*n {
                    out[i] = x[0] + x[1] * t as f64;
                    i += 1;
                }
            }
            Ok(())
        });
        Calibration::new(params, series, pred).unwrap()
    }

    /// A profile pins one parameter and warm-starts the others at the estimate; an estimate
    /// on a bound (saturated transform) must still give a valid start.
    #[test]
    fn pin_moves_a_warm_start_on_a_bound_inside() {
        let params = ParamSet::new(vec![
            ParamSpec::new("a", 0.5, 0.0, 1.0),
            ParamSpec::new("b", 0.5, 0.02, 0.95),
        ])
        .unwrap();
        let pred = FnPredictor(|x: &[f64], out: &mut [f64]| {
            out[0] = x[0] + x[1];
            out[1] = x[0] - x[1];
            out[2] = x[0];
            Ok(())
        });
        let series = vec![Series {
            name: "y".into(),
            observed: vec![1.0, 0.0, 0.5],
            error: ErrorModel::Normal { sigma: Some(1.0) },
        }];
        let c = Calibration::new(params, series, pred).unwrap();
        for on in [0.02, 0.95] {
            let pinned = c.pin(0, 0.3, &[on]).unwrap();
            let s = pinned.params().start_external()[0];
            assert!(s > 0.02 && s < 0.95, "{s}");
            assert!((s - on).abs() < 1e-8, "{s} moved too far from {on}");
        }
        assert_eq!(strictly_inside(0.5, 0.0, 1.0), 0.5);
    }

    /// The per-series terms are each series' closed-form profile term and sum to the total.
    #[test]
    fn per_series_terms_sum_to_the_total() {
        let mut c = line(vec![
            Series {
                name: "a".into(),
                observed: vec![1.1, 1.9, 3.2],
                error: ErrorModel::Normal { sigma: None },
            },
            Series {
                name: "b".into(),
                observed: vec![0.7, 2.4],
                error: ErrorModel::Normal { sigma: Some(0.5) },
            },
        ]);
        let x = [1.0, 1.0];
        let mut raw = vec![0.0; c.n_obs()];
        c.raw_residuals_at(&x, &mut raw).unwrap();
        let terms = c.neg_log_lik_by_series(&raw);
        let total = c.neg_log_lik(&x).unwrap();
        assert!((terms[0] + terms[1] - total).abs() < 1e-12);
        // Series a: σ profiled, n/2 (ln(2π SSR/n) + 1).
        let ssr_a: f64 = [1.1 - 1.0, 1.9 - 2.0, 3.2 - 3.0]
            .iter()
            .map(|r| r * r)
            .sum();
        let expect_a = 1.5 * ((2.0 * PI * ssr_a / 3.0).ln() + 1.0);
        assert!(
            (terms[0] - expect_a).abs() < 1e-12,
            "{} {expect_a}",
            terms[0]
        );
        // Series b: σ given.
        let ssr_b: f64 = [0.7f64 - 1.0, 2.4 - 2.0].iter().map(|r| r * r).sum();
        let expect_b = 2.0 * (0.5 * (2.0 * PI).ln() + 0.5f64.ln()) + ssr_b / (2.0 * 0.25);
        assert!(
            (terms[1] - expect_b).abs() < 1e-12,
            "{} {expect_b}",
            terms[1]
        );
    }

    #[test]
    fn normal_profile_likelihood_matches_the_closed_form() {
        let y = vec![1.1, 1.9, 3.2, 3.8, 5.1];
        let mut c = line(vec![Series {
            name: "y".into(),
            observed: y.clone(),
            error: ErrorModel::Normal { sigma: None },
        }]);
        let nll = c.neg_log_lik(&[1.0, 1.0]).unwrap();
        let ssr: f64 = y
            .iter()
            .enumerate()
            .map(|(t, v)| (v - 1.0 - t as f64).powi(2))
            .sum();
        let n = 5.0;
        let expect = n / 2.0 * ((2.0 * PI * ssr / n).ln() + 1.0);
        assert!((nll - expect).abs() < 1e-12, "{nll} vs {expect}");
    }

    #[test]
    fn student_t_em_scale_is_the_likelihood_maximiser() {
        let y = vec![1.0, 2.3, 2.9, 4.2, 5.0, 9.0, 7.1];
        let mut c = line(vec![Series {
            name: "y".into(),
            observed: y.clone(),
            error: ErrorModel::StudentT {
                df: 4.0,
                sigma: None,
            },
        }]);
        let x = [1.0, 1.0];
        let pred = c.predict(&x).unwrap().to_vec();
        let mut raw = vec![0.0; 7];
        c.raw_residuals(&pred, &mut raw);
        let s_hat = c.scales(&raw).sigma[0];
        // The t log-likelihood as a function of σ is maximal at the EM fixed point.
        let nll_at = |s: f64| {
            let mut c2 = c.clone();
            c2.series[0].error = ErrorModel::StudentT {
                df: 4.0,
                sigma: Some(s),
            };
            c2.neg_log_lik_from_raw(&raw)
        };
        let at = nll_at(s_hat);
        assert!(at < nll_at(s_hat * 1.01) && at < nll_at(s_hat * 0.99));
        assert!((c.neg_log_lik_from_raw(&raw) - at).abs() < 1e-10);
    }

    #[test]
    fn bad_series_are_rejected_with_their_name() {
        let params = ParamSet::new(vec![ParamSpec::free("a", 1.0)]).unwrap();
        let p = FnPredictor(|_x: &[f64], _o: &mut [f64]| Ok(()));
        let bad = |error: ErrorModel, observed: Vec<f64>| {
            Calibration::new(
                params.clone(),
                vec![Series {
                    name: "cpi".into(),
                    observed,
                    error,
                }],
                p.clone(),
            )
            .err()
            .unwrap()
            .to_string()
        };
        assert!(
            bad(ErrorModel::LogNormal { sigma: None }, vec![1.0, -2.0]).contains("positive data")
        );
        assert!(bad(ErrorModel::Normal { sigma: Some(-1.0) }, vec![1.0]).contains("sigma"));
        assert!(bad(ErrorModel::default(), vec![f64::NAN]).contains("not a finite"));
        assert!(bad(
            ErrorModel::StudentT {
                df: 0.0,
                sigma: None
            },
            vec![1.0]
        )
        .contains("degrees of freedom"));
        assert!(bad(ErrorModel::default(), vec![]).contains("no observations"));
    }
}
