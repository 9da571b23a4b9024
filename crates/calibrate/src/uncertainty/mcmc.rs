//! Posterior sampling of a calibration: the target and its wiring to the samplers of
//! [`sampler`](super::sampler), in internal (unbounded) coordinates.
//!
//! The target is `log p(z) = −nll(x(z)) + log prior(x(z)) + Σ ln|dx/dz|` (the last term makes
//! the prior a density on the parameters' own scale; without a prior it is flat on that scale
//! within the bounds). Estimated σ are integrated out as described in
//! [`objective`](crate::objective). Draws are reported on the parameters' own scale.
//!
//! Chains start overdispersed around the estimate: draws from the Jacobian covariance
//! inflated `init_scale²` times (unidentified directions get a unit variance), halving the
//! scale where the density is zero. [`posterior_sample`] runs any [`Algorithm`];
//! [`adaptive_metropolis`] is the historical entry point (Haario et al. 2001), unchanged in
//! its draws.

use super::sampler::{
    sample, Algorithm, Initial, LogDensity, MetropolisOptions, SamplerOptions, SamplerResult,
    WorkspacePool,
};
use crate::checkpoint::Checkpoint;
use crate::error::CalibrateError;
use crate::estimate::Estimate;
use crate::objective::{Calibration, Predictor};
use crate::params::Transform;
use serde::{Deserialize, Serialize};

pub use super::sampler::PosteriorSummary;

/// Result of a posterior sampling run (draws on the parameters' own scale).
pub type McmcResult = SamplerResult;

/// Settings of [`adaptive_metropolis`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct McmcOptions {
    pub chains: usize,
    /// Iterations per chain, warm-up included.
    pub iterations: usize,
    /// Warm-up iterations per chain (`None`: half of `iterations`).
    pub warmup: Option<usize>,
    /// Keep every `thin`-th post-warm-up draw.
    pub thin: usize,
    /// Iterations before the proposal adapts to the chain.
    pub adapt_start: usize,
    /// Overdispersion of the starting points, in Jacobian standard errors.
    pub init_scale: f64,
    /// Iterations per block (checkpoint and random-stream unit).
    pub block: usize,
    pub seed: u64,
    /// Stop after this many blocks in this call (the run continues from the checkpoint next
    /// time): for time-boxed batch jobs. `None`: run to the end.
    pub max_blocks: Option<usize>,
}

impl Default for McmcOptions {
    fn default() -> Self {
        McmcOptions {
            chains: 4,
            iterations: 4000,
            warmup: None,
            thin: 1,
            adapt_start: 500,
            init_scale: 2.0,
            block: 500,
            seed: 0,
            max_blocks: None,
        }
    }
}

impl McmcOptions {
    /// The same run as general sampler options.
    pub fn sampler_options(&self) -> SamplerOptions {
        SamplerOptions {
            algorithm: Algorithm::AdaptiveMetropolis,
            chains: self.chains,
            iterations: self.iterations,
            warmup: self.warmup,
            thin: self.thin,
            block: self.block,
            seed: self.seed,
            max_blocks: self.max_blocks,
            metropolis: MetropolisOptions {
                adapt_start: self.adapt_start,
            },
            ..Default::default()
        }
    }
}

/// A log prior density on the external scale (sum over parameters, `−∞` outside the support).
pub type LogPrior<'a> = &'a (dyn Fn(&[f64]) -> f64 + Sync);

/// The posterior of a calibration as a [`LogDensity`] in internal coordinates, reporting
/// parameter values on their own scale. Each thread evaluates its own clone of the
/// calibration (a [`WorkspacePool`]).
pub struct CalibrationDensity<'a, P> {
    pool: WorkspacePool<Calibration<P>>,
    transforms: Vec<Transform>,
    names: Vec<String>,
    prior: Option<LogPrior<'a>>,
}

impl<'a, P: Predictor + Clone + Send> CalibrationDensity<'a, P> {
    pub fn new(cal: &Calibration<P>, prior: Option<LogPrior<'a>>) -> Self {
        CalibrationDensity {
            transforms: cal.params().transforms(),
            names: cal.params().names().iter().map(|s| s.to_string()).collect(),
            pool: WorkspacePool::new(cal.clone()),
            prior,
        }
    }

    fn external(&self, z: &[f64]) -> Vec<f64> {
        self.transforms
            .iter()
            .zip(z)
            .map(|(t, zi)| t.to_external(*zi))
            .collect()
    }
}

impl<P: Predictor + Clone + Send + Sync> LogDensity for CalibrationDensity<'_, P> {
    fn dim(&self) -> usize {
        self.transforms.len()
    }

    fn log_density(&self, z: &[f64]) -> f64 {
        let x = self.external(z);
        let prior = match self.prior {
            Some(f) => f(&x),
            None => 0.0,
        };
        if !prior.is_finite() {
            return f64::NEG_INFINITY;
        }
        let jac: f64 = self
            .transforms
            .iter()
            .zip(z)
            .map(|(t, zi)| t.ln_abs_derivative(*zi))
            .sum();
        match self.pool.with(|cal| cal.neg_log_lik(&x)) {
            Ok(nll) if nll.is_finite() => -nll + prior + jac,
            _ => f64::NEG_INFINITY,
        }
    }

    fn names(&self) -> Vec<String> {
        self.names.clone()
    }

    fn report(&self, z: &[f64]) -> Vec<f64> {
        self.external(z)
    }
}

/// The starting distribution around an estimate: `N(ẑ, init_scale²·C)` with `C` the Jacobian
/// covariance in internal coordinates, unusable (non-finite or non-positive) variances
/// replaced by 1 and their covariances by 0. A coordinate of an estimate on a bound is moved
/// inside ([`Transform::start_inside`]) and gets a unit variance: the Jacobian says nothing
/// there, and all chains would otherwise start, and stay, on the bound.
pub fn initial_around(
    est: &Estimate,
    transforms: &[Transform],
    cov_internal: &[f64],
    init_scale: f64,
) -> Initial {
    let (mean, cov) = start_distribution(&est.z, transforms, cov_internal);
    Initial::Gaussian {
        mean,
        cov,
        scale: init_scale,
    }
}

/// Mean and covariance of [`initial_around`] (before the `init_scale` inflation).
pub(crate) fn start_distribution(
    z: &[f64],
    transforms: &[Transform],
    cov_internal: &[f64],
) -> (Vec<f64>, Vec<f64>) {
    let n = z.len();
    let mean: Vec<f64> = z
        .iter()
        .zip(transforms)
        .map(|(z, t)| t.start_inside(*z))
        .collect();
    let usable = |i: usize| {
        mean[i] == z[i] && cov_internal[i * n + i].is_finite() && cov_internal[i * n + i] > 0.0
    };
    let mut c0 = vec![0.0; n * n];
    for i in 0..n {
        for j in 0..n {
            c0[i * n + j] = if usable(i) && usable(j) {
                cov_internal[i * n + j]
            } else if i == j {
                1.0
            } else {
                0.0
            };
        }
    }
    (mean, c0)
}

/// Samples the posterior of a calibration with any [`Algorithm`], starting around `est`
/// (see [`initial_around`]). `cov_internal` is the Jacobian covariance in internal
/// coordinates (row-major `n × n`).
#[allow(clippy::too_many_arguments)]
pub fn posterior_sample<P: Predictor + Clone + Send + Sync>(
    cal: &Calibration<P>,
    est: &Estimate,
    cov_internal: &[f64],
    init_scale: f64,
    prior: Option<LogPrior<'_>>,
    opts: &SamplerOptions,
    checkpoint: Option<&Checkpoint>,
    progress: Option<&(dyn Fn(usize, usize) + Sync)>,
) -> Result<McmcResult, CalibrateError> {
    let n = cal.n_params();
    if est.z.len() != n || cov_internal.len() != n * n {
        return Err(CalibrateError::invalid(format!(
            "posterior sampling: estimate of {} and covariance of {} entries for {n} parameters",
            est.z.len(),
            cov_internal.len()
        )));
    }
    let density = CalibrationDensity::new(cal, prior);
    let initial = initial_around(est, &cal.params().transforms(), cov_internal, init_scale);
    sample(&density, &initial, opts, checkpoint, progress)
}

/// Adaptive Metropolis around `est` (see [`posterior_sample`]).
#[allow(clippy::too_many_arguments)]
pub fn adaptive_metropolis<P: Predictor + Clone + Send + Sync>(
    cal: &Calibration<P>,
    est: &Estimate,
    cov_internal: &[f64],
    prior: Option<LogPrior<'_>>,
    opts: &McmcOptions,
    checkpoint: Option<&Checkpoint>,
    progress: Option<&(dyn Fn(usize, usize) + Sync)>,
) -> Result<McmcResult, CalibrateError> {
    posterior_sample(
        cal,
        est,
        cov_internal,
        opts.init_scale,
        prior,
        &opts.sampler_options(),
        checkpoint,
        progress,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::estimate::{estimate, EstimateOptions};
    use crate::objective::{ErrorModel, FnPredictor, Series};
    use crate::params::{ParamSet, ParamSpec};
    use crate::uncertainty::covariance::calibration_covariance;

    fn line() -> Calibration<impl Predictor + Clone + Send + Sync> {
        let t: Vec<f64> = (0..15).map(f64::from).collect();
        let y: Vec<f64> = t
            .iter()
            .map(|t| 2.0 - 0.3 * t + 0.7 * (t * 1.9).sin())
            .collect();
        let params =
            ParamSet::new(vec![ParamSpec::free("a", 0.0), ParamSpec::free("b", 0.0)]).unwrap();
        let series = vec![Series {
            name: "y".into(),
            observed: y,
            error: ErrorModel::Normal { sigma: Some(0.5) },
        }];
        let model = FnPredictor(move |p: &[f64], out: &mut [f64]| {
            for (o, t) in out.iter_mut().zip(&t) {
                *o = p[0] + p[1] * t;
            }
            Ok(())
        });
        Calibration::new(params, series, model).unwrap()
    }

    #[test]
    fn posterior_of_a_linear_gaussian_model_matches_the_exact_one() {
        // Flat prior, known σ: the posterior is N(OLS estimate, σ²(XᵀX)⁻¹) exactly.
        let mut cal = line();
        let z0 = cal.params().start_internal();
        let est = estimate(&mut cal, &z0, &EstimateOptions::default()).unwrap();
        let cov = calibration_covariance(&mut cal, &est, 0.95).unwrap();
        let opts = McmcOptions {
            iterations: 6000,
            seed: 1,
            ..Default::default()
        };
        let r =
            adaptive_metropolis(&cal, &est, &cov.internal.cov, None, &opts, None, None).unwrap();
        assert!(r.max_rhat < 1.02, "R-hat {}", r.max_rhat);
        assert!(r.min_ess_bulk > 800.0, "ESS {}", r.min_ess_bulk);
        for j in 0..2 {
            let s = &r.summary[j];
            let mc_err = cov.se[j] / s.ess_bulk.sqrt();
            assert!(
                (s.mean - est.x[j]).abs() < 4.0 * mc_err,
                "{}: {} vs {}",
                s.parameter,
                s.mean,
                est.x[j]
            );
            assert!(
                (s.sd / cov.se[j] - 1.0).abs() < 0.1,
                "{}: sd {} vs {}",
                s.parameter,
                s.sd,
                cov.se[j]
            );
        }
        for a in &r.acceptance {
            assert!((0.15..0.6).contains(a), "acceptance {a}");
        }
    }

    #[test]
    fn a_prior_pulls_the_posterior_and_resume_is_exact() {
        let mut cal = line();
        let z0 = cal.params().start_internal();
        let est = estimate(&mut cal, &z0, &EstimateOptions::default()).unwrap();
        let cov = calibration_covariance(&mut cal, &est, 0.95).unwrap();
        // A tight normal prior on b centred 1 away: the posterior mean moves towards it by the
        // precision-weighted amount.
        let (mu, tau) = (est.x[1] + 1.0, cov.se[1]);
        let prior = move |x: &[f64]| -0.5 * ((x[1] - mu) / tau).powi(2);
        let opts = McmcOptions {
            iterations: 3000,
            seed: 4,
            block: 250,
            ..Default::default()
        };
        let r = adaptive_metropolis(
            &cal,
            &est,
            &cov.internal.cov,
            Some(&prior),
            &opts,
            None,
            None,
        )
        .unwrap();
        let shift = r.summary[1].mean - est.x[1];
        assert!(
            (shift - 0.5).abs() < 0.1,
            "posterior shift {shift} (expected 0.5)"
        );

        let dir = tempfile::tempdir().unwrap();
        let cp = Checkpoint::new(dir.path().join("mcmc.json"), "fp");
        let killed = McmcOptions {
            max_blocks: Some(5),
            ..opts.clone()
        };
        let e = adaptive_metropolis(
            &cal,
            &est,
            &cov.internal.cov,
            Some(&prior),
            &killed,
            Some(&cp),
            None,
        )
        .unwrap_err();
        assert!(e.to_string().contains("1250 of 3000"), "{e}");
        let resumed = adaptive_metropolis(
            &cal,
            &est,
            &cov.internal.cov,
            Some(&prior),
            &opts,
            Some(&cp),
            None,
        )
        .unwrap();
        let full = adaptive_metropolis(
            &cal,
            &est,
            &cov.internal.cov,
            Some(&prior),
            &opts,
            None,
            None,
        )
        .unwrap();
        assert_eq!(resumed, full);
    }
}
