//! Parameter-recovery studies: simulate an experiment's observations at known parameter values
//! plus noise from each series' error model, calibrate from perturbed starts, and count how
//! often the intervals cover the truth. With correct intervals a 95% interval covers the truth
//! in about 95% of replications (binomial standard error `√(0.95·0.05/R)`, 3.1 points at R = 50).
//!
//! Replication `r` draws its noise from `rng_for(seed, STREAM, r)` and its start perturbation
//! from `rng_for(seed, STREAM_START, r)`, so a study is reproducible and thread-independent.

use super::Experiment;
use crate::error::CalibrateError;
use crate::estimate::{estimate, EstimateOptions};
use crate::uncertainty::covariance::{
    calibration_covariance_with, IntervalCalibration, ResidualDof,
};
use crate::uncertainty::profile::{profile_likelihood, ProfileOptions};
use pressure_stats::rng::unit_open;
use pressure_stats::rng_for;
use rayon::prelude::*;
use serde::Serialize;

/// Random-stream numbers of recovery studies.
pub const STREAM: u64 = 0xca_0005;
const STREAM_START: u64 = 0xca_0006;

/// Settings of [`recovery_study`].
#[derive(Debug, Clone)]
pub struct RecoveryOptions {
    pub replications: usize,
    pub seed: u64,
    /// Starts are `truth · (1 + perturbation · U(−1, 1))`, moved inside the bounds.
    pub perturbation: f64,
    pub level: f64,
    /// Also compute profile-likelihood intervals (slower).
    pub profile: bool,
    /// Small-sample (t / F) or large-sample (normal / χ²₁) intervals; `None` takes the
    /// experiment file's `[uncertainty] intervals`.
    pub intervals: Option<IntervalCalibration>,
}

impl Default for RecoveryOptions {
    fn default() -> Self {
        RecoveryOptions {
            replications: 100,
            seed: 1,
            perturbation: 0.3,
            level: 0.95,
            profile: true,
            intervals: None,
        }
    }
}

/// One replication's outcome.
#[derive(Debug, Clone, Serialize)]
pub struct Replication {
    pub index: usize,
    pub estimate: Vec<f64>,
    pub converged: bool,
    pub wald: Vec<(f64, f64)>,
    pub profile: Vec<(Option<f64>, Option<f64>)>,
    pub error: Option<String>,
}

/// Coverage of the truth per parameter.
#[derive(Debug, Clone, Serialize)]
pub struct RecoveryReport {
    pub parameters: Vec<String>,
    pub truth: Vec<f64>,
    pub replications: Vec<Replication>,
    /// Successful replications.
    pub successes: usize,
    /// Fraction of successful replications whose Wald interval covers the truth.
    pub wald_coverage: Vec<f64>,
    /// Same for the profile interval (an open side counts as covering on that side).
    pub profile_coverage: Vec<f64>,
    /// Mean estimate minus truth, relative to the truth.
    pub relative_bias: Vec<f64>,
    /// Power: share of successful replications whose Wald interval excludes zero (the
    /// power to tell the parameter from zero at the study's level).
    pub wald_power: Vec<f64>,
    /// Same for the profile interval (an open side does not exclude zero on that side).
    pub profile_power: Vec<f64>,
}

/// Runs a recovery study for `exp` at parameter values `truth` with error scales `sigma` (one
/// per data series of the calibration, on the residual scale of its error model; prior
/// pseudo-observations stay at their means). For a realistic study take the effect sizes of
/// the literature as the truth and the fitted residual scales as `sigma`
/// ([`fitted_sigmas`]): the report's `wald_power` / `profile_power` then say how often data
/// of that quality tell the effect from zero.
pub fn recovery_study(
    exp: &Experiment,
    truth: &[f64],
    sigma: &[f64],
    opts: &RecoveryOptions,
) -> Result<RecoveryReport, CalibrateError> {
    let template = exp.calibration()?;
    let n = template.n_params();
    if truth.len() != n || !template.params().contains(truth) {
        return Err(CalibrateError::invalid(format!(
            "recovery study: the truth must give {n} values strictly inside the bounds"
        )));
    }
    let n_data = exp.n_data_series();
    if sigma.len() != n_data {
        return Err(CalibrateError::invalid(format!(
            "recovery study: {n_data} data series but {} sigmas",
            sigma.len()
        )));
    }
    // Prior pseudo-observations are not data: they keep their means in every replication.
    let prior_obs: Vec<(usize, f64)> = (n_data..template.series().len())
        .map(|s| (template.range(s).start, template.series()[s].observed[0]))
        .collect();
    let mut sigma = sigma.to_vec();
    sigma.resize(template.series().len(), 0.0);
    let mut base = template.clone();
    let pred = base
        .predict(truth)
        .map_err(|e| CalibrateError::eval("model at the true values", e))?
        .to_vec();
    let specs = template.params().specs().to_vec();
    let intervals = opts.intervals.unwrap_or(exp.spec.uncertainty.intervals);
    let small_sample = match intervals {
        IntervalCalibration::SmallSample => ResidualDof::of(&template),
        IntervalCalibration::LargeSample => None,
    };
    let replications: Vec<Replication> = (0..opts.replications)
        .into_par_iter()
        .map_init(
            || template.clone(),
            |cal, r| {
                let mut rng = rng_for(opts.seed, STREAM, r as u64);
                let mut y = vec![0.0; pred.len()];
                cal.simulate(&pred, &sigma, &mut rng, &mut y);
                for &(i, mean) in &prior_obs {
                    y[i] = mean;
                }
                cal.set_observed(&y);
                let mut srng = rng_for(opts.seed, STREAM_START, r as u64);
                let start: Vec<f64> = truth
                    .iter()
                    .zip(&specs)
                    .map(|(t, s)| {
                        let v = t * (1.0 + opts.perturbation * (2.0 * unit_open(&mut srng) - 1.0));
                        let (lo, hi) = (s.lower, s.upper);
                        let eps = 1e-6 * (t.abs() + 1.0);
                        v.clamp(
                            if lo.is_finite() {
                                lo + eps.min(0.5 * (t - lo))
                            } else {
                                v
                            },
                            if hi.is_finite() {
                                hi - eps.min(0.5 * (hi - t))
                            } else {
                                v
                            },
                        )
                    })
                    .collect();
                let fail = |e: String| Replication {
                    index: r,
                    estimate: vec![],
                    converged: false,
                    wald: vec![],
                    profile: vec![],
                    error: Some(e),
                };
                let z0 = cal.params().to_internal_vec(&start);
                let est = match estimate(cal, &z0, &EstimateOptions::default()) {
                    Ok(e) => e,
                    Err(e) => return fail(e.to_string()),
                };
                let cov = match calibration_covariance_with(cal, &est, opts.level, intervals) {
                    Ok(c) => c,
                    Err(e) => return fail(e.to_string()),
                };
                let profile = if opts.profile {
                    let popts = ProfileOptions {
                        level: opts.level,
                        small_sample,
                        ..Default::default()
                    };
                    match profile_likelihood(cal, &est, &cov.internal.se, &popts, None) {
                        Ok(p) => p.iter().map(|q| (q.lower, q.upper)).collect(),
                        Err(e) => return fail(e.to_string()),
                    }
                } else {
                    vec![]
                };
                Replication {
                    index: r,
                    converged: est.converged,
                    estimate: est.x,
                    wald: cov.interval,
                    profile,
                    error: None,
                }
            },
        )
        .collect();
    let ok: Vec<&Replication> = replications.iter().filter(|r| r.error.is_none()).collect();
    let frac = |f: &dyn Fn(&Replication, usize) -> bool, j: usize| {
        if ok.is_empty() {
            f64::NAN
        } else {
            ok.iter().filter(|r| f(r, j)).count() as f64 / ok.len() as f64
        }
    };
    let wald_coverage = (0..n)
        .map(|j| {
            frac(
                &|r: &Replication, j| r.wald[j].0 <= truth[j] && truth[j] <= r.wald[j].1,
                j,
            )
        })
        .collect();
    let profile_coverage = (0..n)
        .map(|j| {
            if !opts.profile {
                return f64::NAN;
            }
            frac(
                &|r: &Replication, j| {
                    let (lo, hi) = r.profile[j];
                    lo.is_none_or(|l| l <= truth[j]) && hi.is_none_or(|h| truth[j] <= h)
                },
                j,
            )
        })
        .collect();
    let relative_bias = (0..n)
        .map(|j| {
            let m = ok.iter().map(|r| r.estimate[j]).sum::<f64>() / ok.len().max(1) as f64;
            (m - truth[j]) / truth[j]
        })
        .collect();
    let wald_power = (0..n)
        .map(|j| {
            frac(
                &|r: &Replication, j| r.wald[j].0 > 0.0 || r.wald[j].1 < 0.0,
                j,
            )
        })
        .collect();
    let profile_power = (0..n)
        .map(|j| {
            if !opts.profile {
                return f64::NAN;
            }
            frac(
                &|r: &Replication, j| {
                    let (lo, hi) = r.profile[j];
                    lo.is_some_and(|l| l > 0.0) || hi.is_some_and(|h| h < 0.0)
                },
                j,
            )
        })
        .collect();
    Ok(RecoveryReport {
        wald_power,
        profile_power,
        parameters: exp.parameter_names(),
        truth: truth.to_vec(),
        successes: ok.len(),
        replications,
        wald_coverage,
        profile_coverage,
        relative_bias,
    })
}

/// The residual scales of a calibration's data series at its estimate (σ̂ of each series, on
/// its error model's residual scale), for [`recovery_study`] at realistic noise.
pub fn fitted_sigmas(report: &super::CalibrationReport) -> Vec<f64> {
    report.fit.iter().map(|f| f.sigma).collect()
}
