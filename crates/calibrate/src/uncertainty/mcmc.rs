//! Adaptive Metropolis (Haario, Saksman & Tamminen 2001) with several chains, in internal
//! (unbounded) coordinates.
//!
//! The target is `log p(z) = −nll(x(z)) + log prior(x(z)) + Σ ln|dx/dz|` (the last term makes
//! the prior a density on the parameters' own scale; without a prior it is flat on that scale
//! within the bounds). Estimated σ are integrated out as described in
//! [`objective`](crate::objective). The proposal is Gaussian with covariance
//! `(2.38²/d) C`: `C` is the Jacobian covariance at the estimate for the first `adapt_start`
//! iterations, then the chain's own running covariance plus `10⁻¹⁰·I` scaled to the problem,
//! refreshed every `ADAPT_EVERY` iterations. Chains start overdispersed around the estimate
//! (draws from the Jacobian covariance inflated `init_scale²` times).
//!
//! Chains run in parallel in blocks of `block` iterations; block `b` of chain `c` draws from
//! `rng_for(seed, STREAM, c·2³² + b)`, so results do not depend on the thread count, and the
//! state after each block is checkpointed so a resumed run continues exactly. Warm-up draws
//! are discarded; R̂ and ESS (see [`diagnostics`](super::diagnostics)) are computed on the rest.

use super::diagnostics::{ess_bulk, ess_tail, rhat};
use crate::checkpoint::Checkpoint;
use crate::error::CalibrateError;
use crate::estimate::Estimate;
use crate::objective::{Calibration, Predictor};
use crate::params::Transform;
use faer::Side;
use pressure_stats::rng::unit_open;
use pressure_stats::{quantile_sorted, rng_for};
use rand::Rng;
use rand_distr::StandardNormal;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// Random-stream number of the MCMC sampler.
pub const STREAM: u64 = 0xca_0003;
const STREAM_INIT: u64 = 0xca_0004;
const ADAPT_EVERY: usize = 50;

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

/// State of one chain (what a checkpoint holds).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChainState {
    #[serde(with = "crate::checkpoint::bits")]
    z: Vec<f64>,
    #[serde(with = "crate::checkpoint::bits")]
    logp: f64,
    iteration: usize,
    accepted: usize,
    /// Running mean and co-moment (Welford) of the chain in internal coordinates.
    #[serde(with = "crate::checkpoint::bits")]
    mean: Vec<f64>,
    #[serde(with = "crate::checkpoint::bits")]
    comoment: Vec<f64>,
    /// Kept draws, external scale.
    #[serde(with = "crate::checkpoint::bits")]
    draws: Vec<Vec<f64>>,
    /// Log target of the kept draws.
    #[serde(with = "crate::checkpoint::bits")]
    draw_logp: Vec<f64>,
}

/// Posterior summary of one parameter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PosteriorSummary {
    pub parameter: String,
    pub mean: f64,
    pub sd: f64,
    pub q025: f64,
    pub median: f64,
    pub q975: f64,
    pub rhat: f64,
    pub ess_bulk: f64,
    pub ess_tail: f64,
}

/// Result of [`adaptive_metropolis`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct McmcResult {
    pub parameters: Vec<String>,
    /// `draws[chain][k]` = parameter values (external) of kept draw `k`.
    pub draws: Vec<Vec<Vec<f64>>>,
    /// Log target of each kept draw.
    pub log_target: Vec<Vec<f64>>,
    /// Acceptance rate per chain (all iterations).
    pub acceptance: Vec<f64>,
    pub summary: Vec<PosteriorSummary>,
    /// Largest R̂ over parameters.
    pub max_rhat: f64,
    /// Smallest bulk ESS over parameters.
    pub min_ess_bulk: f64,
}

/// A log prior density on the external scale (sum over parameters, `−∞` outside the support).
pub type LogPrior<'a> = &'a (dyn Fn(&[f64]) -> f64 + Sync);

struct Target<'a, P> {
    cal: Calibration<P>,
    transforms: Vec<Transform>,
    prior: Option<LogPrior<'a>>,
    x: Vec<f64>,
}

impl<P: Predictor> Target<'_, P> {
    fn log_density(&mut self, z: &[f64]) -> f64 {
        for ((x, t), zi) in self.x.iter_mut().zip(&self.transforms).zip(z) {
            *x = t.to_external(*zi);
        }
        let prior = match self.prior {
            Some(f) => f(&self.x),
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
        let x = self.x.clone();
        match self.cal.neg_log_lik(&x) {
            Ok(nll) if nll.is_finite() => -nll + prior + jac,
            _ => f64::NEG_INFINITY,
        }
    }
}

/// Lower Cholesky factor of a symmetric positive definite `n × n` matrix (row-major), with a
/// diagonal fallback when it is not positive definite.
fn cholesky(c: &[f64], n: usize) -> Vec<f64> {
    let m = faer::Mat::from_fn(n, n, |i, j| c[i * n + j]);
    match m.llt(Side::Lower) {
        Ok(llt) => {
            let l = llt.L();
            let mut out = vec![0.0; n * n];
            for i in 0..n {
                for j in 0..=i {
                    out[i * n + j] = l[(i, j)];
                }
            }
            out
        }
        Err(_) => {
            let mut out = vec![0.0; n * n];
            for i in 0..n {
                out[i * n + i] = c[i * n + i].abs().max(1e-12).sqrt();
            }
            out
        }
    }
}

/// Proposal covariance `(2.38²/d) C` for a chain state (initial `c0` before adaptation).
fn proposal_factor(state: &ChainState, c0: &[f64], n: usize, adapt_start: usize) -> Vec<f64> {
    let sd2 = 2.38 * 2.38 / n as f64;
    let c: Vec<f64> = if state.iteration < adapt_start || state.iteration < 2 {
        c0.iter().map(|v| sd2 * v).collect()
    } else {
        let k = state.iteration as f64;
        let scale = (0..n)
            .map(|i| state.comoment[i * n + i] / (k - 1.0))
            .sum::<f64>()
            / n as f64;
        let eps = 1e-10 * scale.max(1e-300);
        (0..n * n)
            .map(|ij| {
                let diag = if ij / n == ij % n { eps } else { 0.0 };
                sd2 * (state.comoment[ij] / (k - 1.0) + diag)
            })
            .collect()
    };
    cholesky(&c, n)
}

/// Samples the posterior around `est`. `cov_internal` is the Jacobian covariance in internal
/// coordinates (row-major `n × n`; unidentified directions may be infinite or zero: they are
/// replaced by a unit variance for the initial proposal).
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
    let n = cal.n_params();
    if opts.chains < 2 {
        return Err(CalibrateError::invalid(
            "MCMC needs at least 2 chains for R-hat",
        ));
    }
    let warmup = opts.warmup.unwrap_or(opts.iterations / 2);
    if opts.iterations <= warmup + 4 || opts.thin == 0 || opts.block == 0 {
        return Err(CalibrateError::invalid(format!(
            "MCMC: {} iterations leave too few draws after {warmup} warm-up iterations",
            opts.iterations
        )));
    }
    let transforms = cal.params().transforms();
    // Initial proposal covariance: the Jacobian one, with unusable entries replaced.
    let mut c0 = vec![0.0; n * n];
    let usable = |i: usize| cov_internal[i * n + i].is_finite() && cov_internal[i * n + i] > 0.0;
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
    let l0 = cholesky(&c0, n);
    let mut targets: Vec<Target<'_, P>> = (0..opts.chains)
        .map(|_| Target {
            cal: cal.clone(),
            transforms: transforms.clone(),
            prior,
            x: vec![0.0; n],
        })
        .collect();

    let resumed: Option<Vec<ChainState>> = match checkpoint {
        Some(c) => c.load()?,
        None => None,
    };
    let mut states: Vec<ChainState> = match resumed {
        Some(s) if s.len() == opts.chains => s,
        Some(_) => {
            return Err(CalibrateError::Checkpoint {
                path: checkpoint
                    .map(|c| c.path().display().to_string())
                    .unwrap_or_default(),
                message: "the saved chains belong to a run with another number of chains".into(),
            })
        }
        None => {
            let mut out = Vec::with_capacity(opts.chains);
            for (c, target) in targets.iter_mut().enumerate() {
                let mut rng = rng_for(opts.seed, STREAM_INIT, c as u64);
                let mut scale = opts.init_scale;
                let mut z = est.z.clone();
                let mut logp = f64::NEG_INFINITY;
                for _ in 0..30 {
                    let e: Vec<f64> = (0..n).map(|_| rng.sample(StandardNormal)).collect();
                    let cand: Vec<f64> = (0..n)
                        .map(|i| {
                            est.z[i] + scale * (0..=i).map(|j| l0[i * n + j] * e[j]).sum::<f64>()
                        })
                        .collect();
                    let lp = target.log_density(&cand);
                    if lp.is_finite() {
                        z = cand;
                        logp = lp;
                        break;
                    }
                    scale *= 0.5;
                }
                if !logp.is_finite() {
                    logp = target.log_density(&z);
                }
                if !logp.is_finite() {
                    return Err(CalibrateError::eval(
                        "MCMC start",
                        crate::problem::EvalError::new(
                            "the posterior density is zero at the estimate",
                        ),
                    ));
                }
                out.push(ChainState {
                    z,
                    logp,
                    iteration: 0,
                    accepted: 0,
                    mean: vec![0.0; n],
                    comoment: vec![0.0; n * n],
                    draws: Vec::new(),
                    draw_logp: Vec::new(),
                });
            }
            out
        }
    };

    let total = opts.iterations;
    let mut blocks_run = 0;
    while states[0].iteration < total {
        if opts.max_blocks.is_some_and(|m| blocks_run >= m) {
            return Err(CalibrateError::Interrupted(format!(
                "MCMC stopped after {} of {total} iterations per chain (block limit); resume from the checkpoint to continue",
                states[0].iteration
            )));
        }
        blocks_run += 1;
        let block_index = states[0].iteration / opts.block;
        states
            .par_iter_mut()
            .zip(targets.par_iter_mut())
            .enumerate()
            .for_each(|(c, (state, target))| {
                let mut rng = rng_for(opts.seed, STREAM, ((c as u64) << 32) + block_index as u64);
                let end = ((block_index + 1) * opts.block).min(total);
                let mut factor = proposal_factor(state, &c0, n, opts.adapt_start);
                let mut e = vec![0.0; n];
                let mut cand = vec![0.0; n];
                while state.iteration < end {
                    if state.iteration % ADAPT_EVERY == 0 {
                        factor = proposal_factor(state, &c0, n, opts.adapt_start);
                    }
                    for v in e.iter_mut() {
                        *v = rng.sample(StandardNormal);
                    }
                    for i in 0..n {
                        cand[i] =
                            state.z[i] + (0..=i).map(|j| factor[i * n + j] * e[j]).sum::<f64>();
                    }
                    let lp = target.log_density(&cand);
                    let u = unit_open(&mut rng);
                    if lp.is_finite() && u.ln() < lp - state.logp {
                        state.z.copy_from_slice(&cand);
                        state.logp = lp;
                        state.accepted += 1;
                    }
                    // Welford update of mean and co-moment.
                    state.iteration += 1;
                    let k = state.iteration as f64;
                    let delta: Vec<f64> = (0..n).map(|i| state.z[i] - state.mean[i]).collect();
                    for i in 0..n {
                        state.mean[i] += delta[i] / k;
                    }
                    for i in 0..n {
                        for j in 0..n {
                            state.comoment[i * n + j] += delta[i] * (state.z[j] - state.mean[j]);
                        }
                    }
                    if state.iteration > warmup && (state.iteration - warmup) % opts.thin == 0 {
                        state.draws.push(
                            state
                                .z
                                .iter()
                                .zip(&target.transforms)
                                .map(|(z, t)| t.to_external(*z))
                                .collect(),
                        );
                        state.draw_logp.push(state.logp);
                    }
                }
            });
        if let Some(c) = checkpoint {
            c.save(&states)?;
        }
        if let Some(p) = progress {
            p(states[0].iteration, total);
        }
    }

    let names: Vec<String> = cal.params().names().iter().map(|s| s.to_string()).collect();
    let mut summary = Vec::with_capacity(n);
    for (j, name) in names.iter().enumerate() {
        let chains: Vec<Vec<f64>> = states
            .iter()
            .map(|s| s.draws.iter().map(|d| d[j]).collect())
            .collect();
        let mut pooled: Vec<f64> = chains.iter().flatten().copied().collect();
        pooled.sort_by(f64::total_cmp);
        let m = pooled.iter().sum::<f64>() / pooled.len() as f64;
        let sd = (pooled.iter().map(|x| (x - m) * (x - m)).sum::<f64>()
            / (pooled.len() as f64 - 1.0))
            .sqrt();
        let q = |p: f64| quantile_sorted(&pooled, p).unwrap_or(f64::NAN);
        summary.push(PosteriorSummary {
            parameter: name.clone(),
            mean: m,
            sd,
            q025: q(0.025),
            median: q(0.5),
            q975: q(0.975),
            rhat: rhat(&chains),
            ess_bulk: ess_bulk(&chains),
            ess_tail: ess_tail(&chains),
        });
    }
    let max_rhat = summary
        .iter()
        .map(|s| s.rhat)
        .fold(f64::NEG_INFINITY, f64::max);
    let min_ess_bulk = summary
        .iter()
        .map(|s| s.ess_bulk)
        .fold(f64::INFINITY, f64::min);
    Ok(McmcResult {
        parameters: names,
        acceptance: states
            .iter()
            .map(|s| s.accepted as f64 / s.iteration as f64)
            .collect(),
        log_target: states.iter().map(|s| s.draw_logp.clone()).collect(),
        draws: states.into_iter().map(|s| s.draws).collect(),
        summary,
        max_rhat,
        min_ess_bulk,
    })
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
