//! Parametric bootstrap (Efron & Tibshirani 1993, ch. 6): simulate data sets from the fitted
//! model and error model, refit each, and take percentile intervals of the refitted values.
//!
//! Replicate `b` draws its noise from `rng_for(seed, STREAM, b)` and is refitted from the
//! estimate, so every replicate is a deterministic task: the result does not depend on the
//! thread count, and a resumed run (finished replicates are checkpointed) equals an
//! uninterrupted one. A replicate whose refit fails is recorded and left out of the intervals.

use crate::checkpoint::{checkpointed_map, Checkpoint};
use crate::error::CalibrateError;
use crate::estimate::{estimate, Estimate, EstimateOptions};
use crate::objective::{Calibration, Predictor};
use pressure_stats::{quantile_sorted, rng_for};
use serde::{Deserialize, Serialize};

/// Random-stream number of the parametric bootstrap.
pub const STREAM: u64 = 0xca_0002;

/// Settings of [`parametric_bootstrap`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct BootstrapOptions {
    pub replicates: usize,
    pub level: f64,
    pub seed: u64,
    pub estimate: EstimateOptions,
}

impl Default for BootstrapOptions {
    fn default() -> Self {
        BootstrapOptions {
            replicates: 200,
            level: 0.95,
            seed: 0,
            estimate: EstimateOptions::default(),
        }
    }
}

/// One replicate: the refitted parameters (external) or why the refit failed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Replicate {
    pub index: usize,
    pub result: Result<BootDraw, String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BootDraw {
    #[serde(with = "crate::checkpoint::bits")]
    pub x: Vec<f64>,
    pub converged: bool,
}

/// Bootstrap results.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BootstrapResult {
    pub replicates: Vec<Replicate>,
    /// Percentile interval per parameter, from the successful replicates.
    pub interval: Vec<(f64, f64)>,
    /// Standard deviation of the refitted values per parameter.
    pub sd: Vec<f64>,
    pub level: f64,
    pub failures: usize,
}

/// Runs the parametric bootstrap around `est`.
pub fn parametric_bootstrap<P: Predictor + Clone + Send + Sync>(
    cal: &Calibration<P>,
    est: &Estimate,
    opts: &BootstrapOptions,
    checkpoint: Option<&Checkpoint>,
    progress: Option<&(dyn Fn(usize) + Sync)>,
) -> Result<BootstrapResult, CalibrateError> {
    if opts.replicates < 2 {
        return Err(CalibrateError::invalid(
            "the bootstrap needs at least 2 replicates",
        ));
    }
    let mut base = cal.clone();
    let pred = base
        .predict(&est.x)
        .map_err(|e| CalibrateError::eval("model at the estimate", e))?
        .to_vec();
    let replicates = checkpointed_map(
        opts.replicates,
        checkpoint,
        |r: &Replicate| Some(r.index),
        || (cal.clone(), vec![0.0; pred.len()]),
        |(local, ysim), b| {
            let mut rng = rng_for(opts.seed, STREAM, b as u64);
            local.simulate(&pred, &est.sigma, &mut rng, ysim);
            local.set_observed(ysim);
            let result = estimate(local, &est.z, &opts.estimate)
                .map(|e| BootDraw {
                    x: e.x,
                    converged: e.converged,
                })
                .map_err(|e| e.to_string());
            Ok(Replicate { index: b, result })
        },
        progress,
    )?;
    let n = est.x.len();
    let ok: Vec<&BootDraw> = replicates
        .iter()
        .filter_map(|r| r.result.as_ref().ok())
        .collect();
    let failures = replicates.len() - ok.len();
    if ok.len() < 2 {
        return Err(CalibrateError::eval(
            "parametric bootstrap",
            crate::problem::EvalError::new(format!(
                "{failures} of {} refits failed",
                replicates.len()
            )),
        ));
    }
    let alpha = (1.0 - opts.level) / 2.0;
    let mut interval = Vec::with_capacity(n);
    let mut sd = Vec::with_capacity(n);
    for j in 0..n {
        let mut v: Vec<f64> = ok.iter().map(|d| d.x[j]).collect();
        v.sort_by(f64::total_cmp);
        let q = |p: f64| quantile_sorted(&v, p).unwrap_or(f64::NAN);
        interval.push((q(alpha), q(1.0 - alpha)));
        let m = v.iter().sum::<f64>() / v.len() as f64;
        sd.push((v.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / (v.len() - 1) as f64).sqrt());
    }
    Ok(BootstrapResult {
        replicates,
        interval,
        sd,
        level: opts.level,
        failures,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::objective::{ErrorModel, FnPredictor, Series};
    use crate::params::{ParamSet, ParamSpec};
    use crate::uncertainty::covariance::calibration_covariance;

    fn exp_decay() -> Calibration<impl Predictor + Clone + Send + Sync> {
        let t: Vec<f64> = (0..25).map(|i| i as f64 * 0.4).collect();
        let y: Vec<f64> = t
            .iter()
            .map(|t| 5.0 * (-0.3 * t).exp() + 0.1 * (t * 5.3).sin())
            .collect();
        let params = ParamSet::new(vec![
            ParamSpec::new("a", 3.0, 0.0, 100.0),
            ParamSpec::new("k", 0.5, 0.0, 5.0),
        ])
        .unwrap();
        let series = vec![Series {
            name: "y".into(),
            observed: y,
            error: ErrorModel::Normal { sigma: None },
        }];
        let model = FnPredictor(move |p: &[f64], out: &mut [f64]| {
            for (o, t) in out.iter_mut().zip(&t) {
                *o = p[0] * (-p[1] * t).exp();
            }
            Ok(())
        });
        Calibration::new(params, series, model).unwrap()
    }

    #[test]
    fn bootstrap_spread_agrees_with_jacobian_standard_errors_and_is_thread_independent() {
        let mut cal = exp_decay();
        let z0 = cal.params().start_internal();
        let est = estimate(&mut cal, &z0, &EstimateOptions::default()).unwrap();
        let cov = calibration_covariance(&mut cal, &est, 0.95).unwrap();
        let opts = BootstrapOptions {
            replicates: 400,
            seed: 5,
            ..Default::default()
        };
        let run = |threads| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap()
                .install(|| parametric_bootstrap(&cal, &est, &opts, None, None).unwrap())
        };
        let b = run(2);
        assert_eq!(b, run(1));
        assert_eq!(b.failures, 0);
        // Nearly linear problem: bootstrap SD ≈ Jacobian SE (the bootstrap SD itself has
        // ~3.5% sampling error at 400 replicates; σ̂ is the ML one, a bit small).
        for j in 0..2 {
            let ratio = b.sd[j] / cov.se[j];
            assert!(
                (0.85..1.1).contains(&ratio),
                "param {j}: bootstrap sd {} vs se {}",
                b.sd[j],
                cov.se[j]
            );
            assert!(b.interval[j].0 < est.x[j] && est.x[j] < b.interval[j].1);
        }
    }

    #[test]
    fn resumed_bootstrap_equals_uninterrupted() {
        let mut cal = exp_decay();
        let z0 = cal.params().start_internal();
        let est = estimate(&mut cal, &z0, &EstimateOptions::default()).unwrap();
        let full_opts = BootstrapOptions {
            replicates: 40,
            seed: 9,
            ..Default::default()
        };
        let full = parametric_bootstrap(&cal, &est, &full_opts, None, None).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let cp = Checkpoint::new(dir.path().join("boot.json"), "fp");
        let part = BootstrapOptions {
            replicates: 20,
            ..full_opts.clone()
        };
        parametric_bootstrap(&cal, &est, &part, Some(&cp), None).unwrap();
        let resumed = parametric_bootstrap(&cal, &est, &full_opts, Some(&cp), None).unwrap();
        assert_eq!(resumed, full);
    }
}
