//! Adaptive Metropolis (Haario, Saksman & Tamminen 2001, Bernoulli 7:223–242): a Gaussian
//! random walk per chain with covariance `(2.38²/d)·C`, where `C` is the initial covariance
//! for the first `adapt_start` iterations and then the chain's own running covariance (plus
//! `10⁻¹⁰·I` scaled to the problem), refreshed every 50 iterations. Chains are independent, so
//! each runs a whole block on one thread.

use super::{Block, Chain, Initial, LogDensity};
use crate::error::CalibrateError;
use pressure_stats::rng::unit_open;
use rand::Rng;
use rand_distr::StandardNormal;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// Random stream of the adaptive Metropolis iterations.
pub const STREAM: u64 = 0xca_0003;
const ADAPT_EVERY: usize = 50;

/// Settings of adaptive Metropolis.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MetropolisOptions {
    /// Iterations before the proposal adapts to the chain.
    pub adapt_start: usize,
}

impl Default for MetropolisOptions {
    fn default() -> Self {
        MetropolisOptions { adapt_start: 500 }
    }
}

impl MetropolisOptions {
    pub(super) fn validate(&self, chains: usize) -> Result<(), CalibrateError> {
        if chains < 2 {
            return Err(CalibrateError::invalid(format!(
                "adaptive_metropolis: {chains} chain(s): at least 2 are needed (R-hat compares chains)"
            )));
        }
        Ok(())
    }
}

/// Running moments of every chain and the initial covariance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(super) struct State {
    #[serde(with = "crate::checkpoint::bits")]
    c0: Vec<f64>,
    /// Welford mean and co-moment per chain.
    #[serde(with = "crate::checkpoint::bits")]
    mean: Vec<Vec<f64>>,
    #[serde(with = "crate::checkpoint::bits")]
    comoment: Vec<Vec<f64>>,
}

impl State {
    pub(super) fn new(initial: &Initial, chains: usize, dim: usize) -> State {
        State {
            c0: initial.covariance(dim),
            mean: vec![vec![0.0; dim]; chains],
            comoment: vec![vec![0.0; dim * dim]; chains],
        }
    }
}

/// Cholesky factor of the proposal covariance after `iteration` iterations.
fn proposal_factor(
    c0: &[f64],
    comoment: &[f64],
    iteration: usize,
    n: usize,
    adapt_start: usize,
) -> Vec<f64> {
    let sd2 = 2.38 * 2.38 / n as f64;
    let c: Vec<f64> = if iteration < adapt_start || iteration < 2 {
        c0.iter().map(|v| sd2 * v).collect()
    } else {
        let k = iteration as f64;
        let scale = (0..n).map(|i| comoment[i * n + i] / (k - 1.0)).sum::<f64>() / n as f64;
        let eps = 1e-10 * scale.max(1e-300);
        (0..n * n)
            .map(|ij| {
                let diag = if ij / n == ij % n { eps } else { 0.0 };
                sd2 * (comoment[ij] / (k - 1.0) + diag)
            })
            .collect()
    };
    super::cholesky(&c, n)
}

/// Runs one block of every chain (chains in parallel).
pub(super) fn run_block<D: LogDensity + ?Sized>(
    block: &Block<'_, D>,
    chains: &mut [Chain],
    state: &mut State,
) {
    let adapt_start = block.opts.metropolis.adapt_start;
    let c0 = &state.c0;
    chains
        .par_iter_mut()
        .zip(state.mean.par_iter_mut())
        .zip(state.comoment.par_iter_mut())
        .enumerate()
        .for_each(|(c, ((chain, mean), comoment))| {
            let n = chain.x.len();
            let mut rng = block.rng(STREAM, c);
            let mut factor = proposal_factor(c0, comoment, block.start, n, adapt_start);
            let mut e = vec![0.0; n];
            let mut cand = vec![0.0; n];
            let mut delta = vec![0.0; n];
            for i in block.start..block.end {
                if i % ADAPT_EVERY == 0 {
                    factor = proposal_factor(c0, comoment, i, n, adapt_start);
                }
                for v in e.iter_mut() {
                    *v = rng.sample(StandardNormal);
                }
                for r in 0..n {
                    cand[r] = chain.x[r] + (0..=r).map(|j| factor[r * n + j] * e[j]).sum::<f64>();
                }
                let lp = block.density.log_density(&cand);
                let u = unit_open(&mut rng);
                chain.consider(&cand, lp, 0.0, u);
                // Welford update of mean and co-moment.
                let k = (i + 1) as f64;
                for r in 0..n {
                    delta[r] = chain.x[r] - mean[r];
                    mean[r] += delta[r] / k;
                }
                for r in 0..n {
                    for j in 0..n {
                        comoment[r * n + j] += delta[r] * (chain.x[j] - mean[j]);
                    }
                }
                chain.record(block.density, i + 1, block.warmup, block.opts.thin);
            }
        });
}
