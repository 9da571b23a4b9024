//! Posterior samplers over any log density: DREAM(ZS), an affine-invariant ensemble and
//! adaptive Metropolis, with one driver for blocks, checkpoints, thread-count independence
//! and convergence diagnostics.
//!
//! | [`Algorithm`] | what it is | when |
//! |---|---|---|
//! | [`Algorithm::DreamZs`] | differential-evolution MCMC from an archive of past states, with snooker update and crossover adaptation (ter Braak & Vrugt 2008; Vrugt 2016) | many correlated parameters when the starting covariance may miss the correlations (benchmark: `crates/calibrate/SAMPLERS.md`) |
//! | [`Algorithm::Ensemble`] | affine-invariant ensemble, stretch move (Goodman & Weare 2010; emcee) | behind DREAM(ZS) on every benchmark target; kept for comparison |
//! | [`Algorithm::AdaptiveMetropolis`] | Gaussian random walk with the chain's own covariance (Haario, Saksman & Tamminen 2001) | the calibration's default; the most efficient when started from a covariance close to the posterior's, unreliable from one without the correlations |
//!
//! A target implements [`LogDensity`] (`−∞` outside the support); [`sample`] runs the chains
//! from an [`Initial`] distribution or points and returns a [`SamplerResult`]: the draws per
//! chain, their log densities, acceptance rates, the number of density evaluations, and per
//! parameter the posterior summary with rank-normalised split-R̂, bulk and tail ESS
//! ([`diagnostics`](super::diagnostics)). [`SamplerResult::converged`] checks R̂ and ESS and
//! names the parameters that miss.
//!
//! **Reproducibility.** Chains (walkers) advance in blocks of [`SamplerOptions::block`]
//! iterations; chain `c` draws its random numbers in block `b` from
//! `rng_for(seed, stream, c·2³² + b)`, whatever thread runs it, so the draws are bit-identical
//! for any number of rayon threads. After each block the whole state is saved to the
//! [`Checkpoint`] (if given); a killed run called again with the same checkpoint continues to
//! the bit-identical result of an uninterrupted run.
//!
//! ```
//! use pressure_calibrate::uncertainty::sampler::{sample, Algorithm, Initial, LogDensity, SamplerOptions};
//!
//! /// A bivariate normal with correlation 0.9.
//! struct Corr;
//! impl LogDensity for Corr {
//!     fn dim(&self) -> usize { 2 }
//!     fn log_density(&self, x: &[f64]) -> f64 {
//!         let r: f64 = 0.9;
//!         -(x[0] * x[0] - 2.0 * r * x[0] * x[1] + x[1] * x[1]) / (2.0 * (1.0 - r * r))
//!     }
//! }
//!
//! let opts = SamplerOptions { algorithm: Algorithm::DreamZs, iterations: 4000, seed: 7, ..Default::default() };
//! let initial = Initial::Gaussian { mean: vec![0.0, 0.0], cov: vec![1.0, 0.0, 0.0, 1.0], scale: 2.0 };
//! let r = sample(&Corr, &initial, &opts, None, None).unwrap();
//! assert!(r.summary[0].mean.abs() < 0.2);
//! assert!((r.summary[1].sd - 1.0).abs() < 0.15);
//! let check = r.converged(1.01, 400.0);
//! println!("{check}"); // names every parameter with R̂ ≥ 1.01 or bulk ESS ≤ 400
//! ```

mod dream;
mod ensemble;
mod metropolis;
pub mod targets;

pub use dream::DreamOptions;
pub use ensemble::EnsembleOptions;
pub use metropolis::MetropolisOptions;

use super::diagnostics::{ess_bulk, ess_tail, rhat};
use crate::checkpoint::Checkpoint;
use crate::error::CalibrateError;
use faer::Side;
use pressure_stats::{quantile_sorted, rng_for};
use rand::Rng;
use rand_distr::StandardNormal;
use serde::{Deserialize, Serialize};
use std::fmt;

/// Random stream of the chains' starting points (the one the adaptive Metropolis always used).
pub(crate) const STREAM_INIT: u64 = 0xca_0004;

/// A log density known up to a constant, `−∞` outside its support (and wherever it cannot be
/// evaluated). Evaluated concurrently from several threads, so it takes `&self`: a target
/// with per-evaluation scratch state keeps it in a pool (see [`WorkspacePool`]).
pub trait LogDensity: Sync {
    /// Number of coordinates.
    fn dim(&self) -> usize;
    /// `ln p(x)` up to a constant; `−∞` (or NaN, treated as `−∞`) outside the support.
    fn log_density(&self, x: &[f64]) -> f64;
    /// Names of the reported values (default `x1`, `x2`, ...).
    fn names(&self) -> Vec<String> {
        (1..=self.dim()).map(|i| format!("x{i}")).collect()
    }
    /// The values recorded for a state `x` (default: `x` itself). A target sampled on an
    /// unbounded scale reports its parameters on their own scale here; summaries, R̂ and ESS
    /// are computed on the reported values.
    fn report(&self, x: &[f64]) -> Vec<f64> {
        x.to_vec()
    }
}

impl<T: LogDensity + ?Sized> LogDensity for &T {
    fn dim(&self) -> usize {
        (**self).dim()
    }
    fn log_density(&self, x: &[f64]) -> f64 {
        (**self).log_density(x)
    }
    fn names(&self) -> Vec<String> {
        (**self).names()
    }
    fn report(&self, x: &[f64]) -> Vec<f64> {
        (**self).report(x)
    }
}

/// Scratch objects (e.g. one calibration with its simulators per thread) for a [`LogDensity`]
/// that needs mutable state: [`WorkspacePool::with`] lends one, making a new one from the
/// template when all are in use. Results must not depend on which object is lent.
pub struct WorkspacePool<T> {
    template: T,
    free: std::sync::Mutex<Vec<T>>,
}

impl<T: Clone + Send> WorkspacePool<T> {
    pub fn new(template: T) -> Self {
        WorkspacePool {
            template,
            free: std::sync::Mutex::new(Vec::new()),
        }
    }

    /// Runs `f` with a lent object.
    pub fn with<R>(&self, f: impl FnOnce(&mut T) -> R) -> R {
        let taken = self.free.lock().map(|mut v| v.pop()).unwrap_or(None);
        let mut item = taken.unwrap_or_else(|| self.template.clone());
        let out = f(&mut item);
        if let Ok(mut v) = self.free.lock() {
            v.push(item);
        }
        out
    }

    pub fn template(&self) -> &T {
        &self.template
    }
}

/// The sampling algorithm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Algorithm {
    /// DREAM(ZS): differential evolution from an archive of past states, snooker update,
    /// crossover adaptation during warm-up.
    #[default]
    DreamZs,
    /// Affine-invariant ensemble with the stretch move; `chains` are the walkers.
    Ensemble,
    /// Adaptive Metropolis (Haario et al. 2001), one adapted Gaussian proposal per chain.
    AdaptiveMetropolis,
}

impl Algorithm {
    pub fn name(self) -> &'static str {
        match self {
            Algorithm::DreamZs => "dream_zs",
            Algorithm::Ensemble => "ensemble",
            Algorithm::AdaptiveMetropolis => "adaptive_metropolis",
        }
    }
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Settings of [`sample`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SamplerOptions {
    pub algorithm: Algorithm,
    /// Chains (walkers of the ensemble).
    pub chains: usize,
    /// Iterations per chain, warm-up included; each costs one density evaluation per chain.
    pub iterations: usize,
    /// Warm-up iterations per chain, discarded (`None`: half of `iterations`).
    pub warmup: Option<usize>,
    /// Keep every `thin`-th post-warm-up state.
    pub thin: usize,
    /// Iterations per block (the checkpoint and random-stream unit).
    pub block: usize,
    pub seed: u64,
    /// Stop after this many blocks in this call with [`CalibrateError::Interrupted`] (the run
    /// continues from the checkpoint next time): for time-boxed batch jobs.
    pub max_blocks: Option<usize>,
    pub dream: DreamOptions,
    pub ensemble: EnsembleOptions,
    pub metropolis: MetropolisOptions,
}

impl Default for SamplerOptions {
    fn default() -> Self {
        SamplerOptions {
            algorithm: Algorithm::default(),
            chains: 4,
            iterations: 4000,
            warmup: None,
            thin: 1,
            block: 500,
            seed: 0,
            max_blocks: None,
            dream: DreamOptions::default(),
            ensemble: EnsembleOptions::default(),
            metropolis: MetropolisOptions::default(),
        }
    }
}

impl SamplerOptions {
    /// Warm-up iterations per chain.
    pub fn warmup(&self) -> usize {
        self.warmup.unwrap_or(self.iterations / 2)
    }

    /// Checks the options against a target of dimension `dim`.
    pub fn validate(&self, dim: usize) -> Result<(), CalibrateError> {
        let name = self.algorithm.name();
        if dim == 0 {
            return Err(CalibrateError::invalid(format!(
                "{name}: the target has no coordinates to sample"
            )));
        }
        if self.chains == 0 {
            return Err(CalibrateError::invalid(format!(
                "{name}: 0 chains: at least 2 are needed (R-hat compares chains)"
            )));
        }
        if self.thin == 0 || self.block == 0 {
            return Err(CalibrateError::invalid(format!(
                "{name}: thin and block must be at least 1 (got thin = {}, block = {})",
                self.thin, self.block
            )));
        }
        let warmup = self.warmup();
        if self.iterations <= warmup || (self.iterations - warmup) / self.thin < 4 {
            return Err(CalibrateError::invalid(format!(
                "{name}: {} iterations leave fewer than 4 kept draws per chain after {warmup} warm-up iterations and thinning by {}",
                self.iterations, self.thin
            )));
        }
        match self.algorithm {
            Algorithm::DreamZs => self.dream.validate(self.chains, dim),
            Algorithm::Ensemble => self.ensemble.validate(self.chains, dim),
            Algorithm::AdaptiveMetropolis => self.metropolis.validate(self.chains),
        }
    }
}

/// Where the chains start.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Initial {
    /// Draws from `N(mean, scale²·cov)` (`cov` row-major `d × d`). A draw with zero density
    /// is replaced by one at half the scale, up to 30 times, then by `mean` itself. DREAM(ZS)
    /// also seeds its archive with draws from this distribution (no evaluations needed), and
    /// adaptive Metropolis starts from the proposal `(2.38²/d)·cov`.
    Gaussian {
        mean: Vec<f64>,
        cov: Vec<f64>,
        scale: f64,
    },
    /// Explicit points: chain `c` starts at `points[c]`; DREAM(ZS) seeds its archive with all
    /// of them (so give it more than the chains, ideally 10·d), adaptive Metropolis takes its
    /// initial proposal from their covariance.
    Points(Vec<Vec<f64>>),
}

impl Initial {
    fn validate(&self, dim: usize) -> Result<(), CalibrateError> {
        match self {
            Initial::Gaussian { mean, cov, scale } => {
                if mean.len() != dim || cov.len() != dim * dim {
                    return Err(CalibrateError::invalid(format!(
                        "initial distribution: mean has {} and covariance {} entries for a target of dimension {dim} (need {dim} and {})",
                        mean.len(),
                        cov.len(),
                        dim * dim
                    )));
                }
                if let Some(i) = mean.iter().position(|v| !v.is_finite()) {
                    return Err(CalibrateError::invalid(format!(
                        "initial distribution: mean[{i}] = {} is not finite",
                        mean[i]
                    )));
                }
                if let Some(k) = cov.iter().position(|v| !v.is_finite()) {
                    return Err(CalibrateError::invalid(format!(
                        "initial distribution: covariance entry ({}, {}) = {} is not finite",
                        k / dim,
                        k % dim,
                        cov[k]
                    )));
                }
                if !(scale.is_finite() && *scale > 0.0) {
                    return Err(CalibrateError::invalid(format!(
                        "initial distribution: scale must be positive, got {scale}"
                    )));
                }
                Ok(())
            }
            Initial::Points(points) => {
                for (k, p) in points.iter().enumerate() {
                    if p.len() != dim {
                        return Err(CalibrateError::invalid(format!(
                            "initial point {k} has {} coordinates, the target {dim}",
                            p.len()
                        )));
                    }
                    if let Some(i) = p.iter().position(|v| !v.is_finite()) {
                        return Err(CalibrateError::invalid(format!(
                            "initial point {k}: coordinate {i} = {} is not finite",
                            p[i]
                        )));
                    }
                }
                Ok(())
            }
        }
    }

    /// A covariance for proposals: the Gaussian's, or the sample covariance of the points
    /// (with a unit diagonal when there are too few points or it is degenerate).
    pub(crate) fn covariance(&self, dim: usize) -> Vec<f64> {
        match self {
            Initial::Gaussian { cov, .. } => cov.clone(),
            Initial::Points(p) => {
                let mut c = vec![0.0; dim * dim];
                if p.len() > dim {
                    let n = p.len() as f64;
                    let mean: Vec<f64> = (0..dim)
                        .map(|j| p.iter().map(|q| q[j]).sum::<f64>() / n)
                        .collect();
                    for q in p {
                        for i in 0..dim {
                            for j in 0..dim {
                                c[i * dim + j] += (q[i] - mean[i]) * (q[j] - mean[j]) / (n - 1.0);
                            }
                        }
                    }
                }
                for i in 0..dim {
                    let positive = c[i * dim + i] > 0.0;
                    if !positive {
                        for j in 0..dim {
                            c[i * dim + j] = 0.0;
                            c[j * dim + i] = 0.0;
                        }
                        c[i * dim + i] = 1.0;
                    }
                }
                c
            }
        }
    }
}

/// Lower Cholesky factor of a symmetric `n × n` matrix (row-major), with a diagonal fallback
/// (square roots of the absolute diagonal) when it is not positive definite.
pub(crate) fn cholesky(c: &[f64], n: usize) -> Vec<f64> {
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

/// `mean + scale · L e` for a lower-triangular `L` (row-major).
pub(crate) fn affine(mean: &[f64], l: &[f64], scale: f64, e: &[f64]) -> Vec<f64> {
    let n = mean.len();
    (0..n)
        .map(|i| mean[i] + scale * (0..=i).map(|j| l[i * n + j] * e[j]).sum::<f64>())
        .collect()
}

/// One chain (walker): its current state and what it kept.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Chain {
    #[serde(with = "crate::checkpoint::bits")]
    pub x: Vec<f64>,
    #[serde(with = "crate::checkpoint::bits")]
    pub logp: f64,
    pub accepted: usize,
    pub evaluations: u64,
    /// Kept draws (reported values).
    #[serde(with = "crate::checkpoint::bits")]
    pub draws: Vec<Vec<f64>>,
    #[serde(with = "crate::checkpoint::bits")]
    pub draw_logp: Vec<f64>,
}

impl Chain {
    fn new(x: Vec<f64>, logp: f64, evaluations: u64) -> Self {
        Chain {
            x,
            logp,
            accepted: 0,
            evaluations,
            draws: Vec::new(),
            draw_logp: Vec::new(),
        }
    }

    /// Metropolis–Hastings decision for a candidate with log density `lp` and log proposal
    /// (or Jacobian) correction `log_ratio`; `u` uniform in (0, 1).
    #[inline]
    pub fn consider(&mut self, cand: &[f64], lp: f64, log_ratio: f64, u: f64) -> bool {
        self.evaluations += 1;
        if lp.is_finite() && u.ln() < lp - self.logp + log_ratio {
            self.x.copy_from_slice(cand);
            self.logp = lp;
            self.accepted += 1;
            true
        } else {
            false
        }
    }

    /// Keeps the state after iteration `done` (1-based) when it is a kept post-warm-up one.
    #[inline]
    pub fn record<D: LogDensity + ?Sized>(
        &mut self,
        density: &D,
        done: usize,
        warmup: usize,
        thin: usize,
    ) {
        if done > warmup && (done - warmup) % thin == 0 {
            self.draws.push(density.report(&self.x));
            self.draw_logp.push(self.logp);
        }
    }
}

/// Algorithm-specific state between blocks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
enum Kernel {
    Dream(dream::State),
    Ensemble,
    Metropolis(metropolis::State),
}

/// Everything a checkpoint holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct RunState {
    algorithm: Algorithm,
    dim: usize,
    /// Iterations done by every chain.
    iteration: usize,
    chains: Vec<Chain>,
    kernel: Kernel,
}

/// What one block of iterations needs to know.
pub(crate) struct Block<'a, D: ?Sized> {
    pub density: &'a D,
    pub opts: &'a SamplerOptions,
    pub index: u64,
    /// First and one-past-last iteration (0-based) of the block.
    pub start: usize,
    pub end: usize,
    pub warmup: usize,
}

impl<D: ?Sized> Block<'_, D> {
    /// The random stream of chain `c` in this block.
    pub fn rng(&self, stream: u64, c: usize) -> pressure_stats::rng::Rng64 {
        rng_for(self.opts.seed, stream, ((c as u64) << 32) + self.index)
    }
}

/// Posterior summary of one reported value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PosteriorSummary {
    pub parameter: String,
    pub mean: f64,
    pub sd: f64,
    pub q025: f64,
    pub median: f64,
    pub q975: f64,
    /// Rank-normalised split-R̂ (max of bulk and folded).
    pub rhat: f64,
    pub ess_bulk: f64,
    pub ess_tail: f64,
}

/// Result of [`sample`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SamplerResult {
    pub algorithm: Algorithm,
    pub parameters: Vec<String>,
    /// `draws[chain][k]` = reported values of kept draw `k`.
    pub draws: Vec<Vec<Vec<f64>>>,
    /// Log density of each kept draw.
    pub log_target: Vec<Vec<f64>>,
    /// Acceptance rate per chain (all iterations, warm-up included).
    pub acceptance: Vec<f64>,
    /// Density evaluations of the whole run, starting points and warm-up included.
    pub evaluations: u64,
    pub iterations: usize,
    pub warmup: usize,
    pub thin: usize,
    pub summary: Vec<PosteriorSummary>,
    /// Largest R̂ over parameters (NaN when a chain is too short).
    pub max_rhat: f64,
    /// Smallest bulk ESS over parameters.
    pub min_ess_bulk: f64,
}

/// A parameter that misses the convergence criteria.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConvergenceMiss {
    pub parameter: String,
    pub rhat: f64,
    pub ess_bulk: f64,
}

/// The verdict of [`SamplerResult::converged`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Convergence {
    pub rhat_max: f64,
    pub ess_min: f64,
    pub parameters: usize,
    /// Parameters with R̂ ≥ `rhat_max`, bulk ESS ≤ `ess_min`, or either not computable.
    pub misses: Vec<ConvergenceMiss>,
}

impl Convergence {
    pub fn ok(&self) -> bool {
        self.misses.is_empty()
    }
}

impl fmt::Display for Convergence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.ok() {
            return write!(
                f,
                "converged: R-hat < {} and bulk ESS > {} for all {} parameters",
                self.rhat_max, self.ess_min, self.parameters
            );
        }
        write!(
            f,
            "NOT converged: {} of {} parameters miss R-hat < {} or bulk ESS > {}:",
            self.misses.len(),
            self.parameters,
            self.rhat_max,
            self.ess_min
        )?;
        for (k, m) in self.misses.iter().enumerate() {
            let sep = if k == 0 { " " } else { "; " };
            write!(
                f,
                "{sep}{} (R-hat {:.3}, bulk ESS {:.0})",
                m.parameter, m.rhat, m.ess_bulk
            )?;
        }
        Ok(())
    }
}

impl SamplerResult {
    /// Checks R̂ < `rhat_max` and bulk ESS > `ess_min` for every parameter (the usual
    /// thresholds are 1.01 and 400; Vehtari et al. 2021) and lists the parameters that miss.
    pub fn converged(&self, rhat_max: f64, ess_min: f64) -> Convergence {
        let misses = self
            .summary
            .iter()
            .filter(|s| !(s.rhat < rhat_max && s.ess_bulk > ess_min))
            .map(|s| ConvergenceMiss {
                parameter: s.parameter.clone(),
                rhat: s.rhat,
                ess_bulk: s.ess_bulk,
            })
            .collect();
        Convergence {
            rhat_max,
            ess_min,
            parameters: self.summary.len(),
            misses,
        }
    }

    /// Per parameter, the mean and standard deviation (divisor n − 1) of each chain's kept
    /// draws, in chain order, then the same of the log density as the last entry
    /// (`"log_target"`). Chains whose means differ by several of their sds sit in different
    /// modes; chains that agree in mean and sd but give a large R̂ mix slowly.
    pub fn per_chain(&self) -> Vec<(String, Vec<(f64, f64)>)> {
        let moments = |xs: &mut dyn Iterator<Item = f64>| {
            let v: Vec<f64> = xs.collect();
            let n = v.len() as f64;
            let mean = v.iter().sum::<f64>() / n;
            let var = v.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / (n - 1.0);
            (mean, var.sqrt())
        };
        let mut out: Vec<(String, Vec<(f64, f64)>)> = self
            .parameters
            .iter()
            .enumerate()
            .map(|(j, name)| {
                let m = self
                    .draws
                    .iter()
                    .map(|c| moments(&mut c.iter().map(|d| d[j])))
                    .collect();
                (name.clone(), m)
            })
            .collect();
        out.push((
            "log_target".to_string(),
            self.log_target
                .iter()
                .map(|c| moments(&mut c.iter().copied()))
                .collect(),
        ));
        out
    }

    /// Kept draws of every chain for value `j`.
    pub fn chains_of(&self, j: usize) -> Vec<Vec<f64>> {
        self.draws
            .iter()
            .map(|c| c.iter().map(|d| d[j]).collect())
            .collect()
    }
}

/// The draws of value `j` (`draws[chain][k][j]`): per chain, and pooled over chains, sorted,
/// with their mean and standard deviation (divisor n − 1: NaN for a single draw).
pub(crate) struct Pooled {
    pub chains: Vec<Vec<f64>>,
    pub sorted: Vec<f64>,
    pub mean: f64,
    pub sd: f64,
}

impl Pooled {
    pub(crate) fn of(draws: &[Vec<Vec<f64>>], j: usize) -> Pooled {
        let chains: Vec<Vec<f64>> = draws
            .iter()
            .map(|c| c.iter().map(|d| d[j]).collect())
            .collect();
        let mut sorted: Vec<f64> = chains.iter().flatten().copied().collect();
        sorted.sort_by(f64::total_cmp);
        let n = sorted.len() as f64;
        let mean = sorted.iter().sum::<f64>() / n;
        let sd = (sorted.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / (n - 1.0)).sqrt();
        Pooled {
            chains,
            sorted,
            mean,
            sd,
        }
    }

    /// The `p` quantile of the pooled draws (NaN without draws).
    pub(crate) fn quantile(&self, p: f64) -> f64 {
        quantile_sorted(&self.sorted, p).unwrap_or(f64::NAN)
    }
}

/// Posterior summaries (mean, sd, 2.5/50/97.5 % quantiles, R̂, bulk and tail ESS) of draws
/// `draws[chain][k][j]`.
pub fn summarise(names: &[String], draws: &[Vec<Vec<f64>>]) -> Vec<PosteriorSummary> {
    names
        .iter()
        .enumerate()
        .map(|(j, name)| {
            let p = Pooled::of(draws, j);
            PosteriorSummary {
                parameter: name.clone(),
                mean: p.mean,
                sd: p.sd,
                q025: p.quantile(0.025),
                median: p.quantile(0.5),
                q975: p.quantile(0.975),
                rhat: rhat(&p.chains),
                ess_bulk: ess_bulk(&p.chains),
                ess_tail: ess_tail(&p.chains),
            }
        })
        .collect()
}

/// Samples `density`. See the [module docs](self).
pub fn sample<D: LogDensity + ?Sized>(
    density: &D,
    initial: &Initial,
    opts: &SamplerOptions,
    checkpoint: Option<&Checkpoint>,
    progress: Option<&(dyn Fn(usize, usize) + Sync)>,
) -> Result<SamplerResult, CalibrateError> {
    let dim = density.dim();
    opts.validate(dim)?;
    initial.validate(dim)?;
    let names = density.names();
    if names.len() != density.report(&vec![0.0; dim]).len() {
        return Err(CalibrateError::invalid(format!(
            "the target names {} values but reports {}",
            names.len(),
            density.report(&vec![0.0; dim]).len()
        )));
    }
    let warmup = opts.warmup();

    let resumed: Option<RunState> = match checkpoint {
        Some(c) => c.load()?,
        None => None,
    };
    let mut state = match resumed {
        Some(s) => {
            if s.algorithm != opts.algorithm || s.chains.len() != opts.chains || s.dim != dim {
                return Err(CalibrateError::Checkpoint {
                    path: checkpoint
                        .map(|c| c.path().display().to_string())
                        .unwrap_or_default(),
                    message: format!(
                        "the saved run used {} with {} chains in dimension {}, this one {} with {} chains in dimension {dim}",
                        s.algorithm, s.chains.len(), s.dim, opts.algorithm, opts.chains
                    ),
                });
            }
            s
        }
        None => {
            let chains = start_chains(density, initial, opts)?;
            let kernel = match opts.algorithm {
                Algorithm::DreamZs => Kernel::Dream(dream::State::new(initial, &chains, opts)?),
                Algorithm::Ensemble => Kernel::Ensemble,
                Algorithm::AdaptiveMetropolis => {
                    Kernel::Metropolis(metropolis::State::new(initial, opts.chains, dim))
                }
            };
            RunState {
                algorithm: opts.algorithm,
                dim,
                iteration: 0,
                chains,
                kernel,
            }
        }
    };

    let total = opts.iterations;
    let mut blocks_run = 0;
    while state.iteration < total {
        if opts.max_blocks.is_some_and(|m| blocks_run >= m) {
            return Err(CalibrateError::Interrupted(format!(
                "{} stopped after {} of {total} iterations per chain (block limit); resume from the checkpoint to continue",
                opts.algorithm, state.iteration
            )));
        }
        blocks_run += 1;
        let index = state.iteration / opts.block;
        let block = Block {
            density,
            opts,
            index: index as u64,
            start: state.iteration,
            end: ((index + 1) * opts.block).min(total),
            warmup,
        };
        match &mut state.kernel {
            Kernel::Dream(k) => dream::run_block(&block, &mut state.chains, k),
            Kernel::Ensemble => ensemble::run_block(&block, &mut state.chains),
            Kernel::Metropolis(k) => metropolis::run_block(&block, &mut state.chains, k),
        }
        state.iteration = block.end;
        if let Some(c) = checkpoint {
            c.save(&state)?;
        }
        if let Some(p) = progress {
            p(state.iteration, total);
        }
    }

    let draws: Vec<Vec<Vec<f64>>> = state.chains.iter().map(|c| c.draws.clone()).collect();
    let summary = summarise(&names, &draws);
    let max_rhat = summary
        .iter()
        .map(|s| s.rhat)
        .fold(f64::NEG_INFINITY, |a, b| {
            if b.is_nan() || a.is_nan() {
                f64::NAN
            } else {
                a.max(b)
            }
        });
    let min_ess_bulk = summary
        .iter()
        .map(|s| s.ess_bulk)
        .fold(f64::INFINITY, |a, b| {
            if b.is_nan() || a.is_nan() {
                f64::NAN
            } else {
                a.min(b)
            }
        });
    Ok(SamplerResult {
        algorithm: opts.algorithm,
        parameters: names,
        acceptance: state
            .chains
            .iter()
            .map(|c| c.accepted as f64 / total as f64)
            .collect(),
        evaluations: state.chains.iter().map(|c| c.evaluations).sum(),
        log_target: state.chains.iter().map(|c| c.draw_logp.clone()).collect(),
        draws,
        iterations: total,
        warmup,
        thin: opts.thin,
        summary,
        max_rhat,
        min_ess_bulk,
    })
}

/// How far a checkpointed run of [`sample`] has got: what `mcmc.json` holds after its last
/// finished block, summarised without running anything (to watch a run of hours, or to report
/// one that was stopped before its last iteration).
#[derive(Debug, Clone, PartialEq)]
pub struct CheckpointProgress {
    pub algorithm: Algorithm,
    /// Iterations done by every chain (warm-up included).
    pub iteration: usize,
    /// Density evaluations so far, starting points included.
    pub evaluations: u64,
    /// Acceptance rate per chain over the iterations done.
    pub acceptance: Vec<f64>,
    /// Kept (post-warm-up) draws per chain so far.
    pub kept: usize,
    /// Kept draws left out of `summary` per chain (the first `skip`).
    pub skipped: usize,
    /// Posterior summaries (R̂, bulk ESS...) of the kept draws after the skipped ones; empty
    /// with fewer than 4 such draws per chain.
    pub summary: Vec<PosteriorSummary>,
    /// Per chain, the mean log density of the summarised draws.
    pub log_target_mean: Vec<f64>,
}

/// Reads the checkpoint of a [`sample`] run (`None` when there is none yet) and summarises the
/// kept draws after the first `skip` of each chain; `names` are the target's value names.
/// The checkpoint's fingerprint must match (as for a resumed run).
pub fn checkpoint_progress(
    checkpoint: &Checkpoint,
    names: &[String],
    skip: usize,
) -> Result<Option<CheckpointProgress>, CalibrateError> {
    let Some(state) = checkpoint.load::<RunState>()? else {
        return Ok(None);
    };
    let kept = state
        .chains
        .iter()
        .map(|c| c.draws.len())
        .min()
        .unwrap_or(0);
    let skipped = skip.min(kept);
    let draws: Vec<Vec<Vec<f64>>> = state
        .chains
        .iter()
        .map(|c| c.draws[skipped..kept].to_vec())
        .collect();
    let summary = if kept - skipped >= 4 {
        summarise(names, &draws)
    } else {
        Vec::new()
    };
    let done = state.iteration.max(1) as f64;
    Ok(Some(CheckpointProgress {
        algorithm: state.algorithm,
        iteration: state.iteration,
        evaluations: state.chains.iter().map(|c| c.evaluations).sum(),
        acceptance: state
            .chains
            .iter()
            .map(|c| c.accepted as f64 / done)
            .collect(),
        kept,
        skipped,
        summary,
        log_target_mean: state
            .chains
            .iter()
            .map(|c| {
                let v = &c.draw_logp[skipped..kept];
                v.iter().sum::<f64>() / v.len().max(1) as f64
            })
            .collect(),
    }))
}

fn describe_point(x: &[f64]) -> String {
    let parts: Vec<String> = x.iter().map(|v| format!("{v}")).collect();
    format!("[{}]", parts.join(", "))
}

/// Starting states of the chains (each evaluated).
fn start_chains<D: LogDensity + ?Sized>(
    density: &D,
    initial: &Initial,
    opts: &SamplerOptions,
) -> Result<Vec<Chain>, CalibrateError> {
    let dim = density.dim();
    match initial {
        Initial::Points(points) => {
            if points.len() < opts.chains {
                return Err(CalibrateError::invalid(format!(
                    "{}: {} initial points for {} chains (need one per chain)",
                    opts.algorithm,
                    points.len(),
                    opts.chains
                )));
            }
            let mut out = Vec::with_capacity(opts.chains);
            for (c, p) in points.iter().take(opts.chains).enumerate() {
                let lp = density.log_density(p);
                if !lp.is_finite() {
                    return Err(CalibrateError::invalid(format!(
                        "the log density at initial point {c} {} is {lp}: every chain must start where the density is positive and finite",
                        describe_point(p)
                    )));
                }
                out.push(Chain::new(p.clone(), lp, 1));
            }
            Ok(out)
        }
        Initial::Gaussian { mean, cov, scale } => {
            let l = cholesky(cov, dim);
            let mut out = Vec::with_capacity(opts.chains);
            for c in 0..opts.chains {
                let mut rng = rng_for(opts.seed, STREAM_INIT, c as u64);
                let mut s = *scale;
                let mut evaluations = 0;
                let mut start = None;
                for _ in 0..30 {
                    let e: Vec<f64> = (0..dim).map(|_| rng.sample(StandardNormal)).collect();
                    let cand = affine(mean, &l, s, &e);
                    let lp = density.log_density(&cand);
                    evaluations += 1;
                    if lp.is_finite() {
                        start = Some((cand, lp));
                        break;
                    }
                    s *= 0.5;
                }
                let (x, lp) = match start {
                    Some(s) => s,
                    None => {
                        let lp = density.log_density(mean);
                        evaluations += 1;
                        (mean.clone(), lp)
                    }
                };
                if !lp.is_finite() {
                    return Err(CalibrateError::invalid(format!(
                        "chain {c}: 30 draws from the initial distribution had zero density and the log density at its mean {} is {lp}; start where the density is positive and finite",
                        describe_point(&x)
                    )));
                }
                out.push(Chain::new(x, lp, evaluations));
            }
            Ok(out)
        }
    }
}

#[cfg(test)]
mod per_chain_tests {
    use super::*;

    #[test]
    fn per_chain_gives_each_chains_mean_and_sd_and_the_log_densitys() {
        let r = SamplerResult {
            algorithm: Algorithm::DreamZs,
            parameters: vec!["a".into(), "b".into()],
            // Chain 0: a = 1, 3 (mean 2, sd √2); chain 1: a = 10, 10, 13 (mean 11, sd √3).
            draws: vec![
                vec![vec![1.0, 0.0], vec![3.0, 0.0]],
                vec![vec![10.0, 1.0], vec![10.0, 2.0], vec![13.0, 3.0]],
            ],
            log_target: vec![vec![-1.0, -3.0], vec![-2.0, -2.0, -2.0]],
            acceptance: vec![0.5, 0.5],
            evaluations: 5,
            iterations: 3,
            warmup: 0,
            thin: 1,
            summary: vec![],
            max_rhat: f64::NAN,
            min_ess_bulk: f64::NAN,
        };
        let pc = r.per_chain();
        let names: Vec<&str> = pc.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["a", "b", "log_target"]);
        let close = |x: f64, y: f64| (x - y).abs() < 1e-12;
        assert!(close(pc[0].1[0].0, 2.0) && close(pc[0].1[0].1, 2f64.sqrt()));
        assert!(close(pc[0].1[1].0, 11.0) && close(pc[0].1[1].1, 3f64.sqrt()));
        assert!(close(pc[1].1[1].0, 2.0) && close(pc[1].1[1].1, 1.0));
        assert!(close(pc[2].1[0].0, -2.0) && close(pc[2].1[1].1, 0.0));
    }
}
