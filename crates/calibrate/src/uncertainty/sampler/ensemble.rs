//! The affine-invariant ensemble sampler with the stretch move (Goodman & Weare 2010,
//! "Ensemble samplers with affine invariance", CAMCoS 5:65–80), in the parallel form of
//! emcee (Foreman-Mackey et al. 2013, PASP 125:306–312).
//!
//! `L` walkers are split into two halves. Each iteration every walker `x` of the first half
//! picks a walker `y` of the second half at random and proposes `x' = y + s (x − y)` with
//! `s` drawn from `g(s) ∝ 1/√s` on `[1/a, a]`, accepted with probability
//! `min(1, s^(d−1) p(x')/p(x))`; then the second half moves against the (updated) first half.
//! Walkers of one half only read the other half, so a half moves in parallel. The walkers are
//! reported as the chains (R̂ and ESS treat them as such).

use super::{Block, Chain, LogDensity};
use crate::error::CalibrateError;
use pressure_stats::rng::unit_open;
use rand::Rng;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// Random stream of the ensemble iterations.
pub const STREAM: u64 = 0xca_0009;

/// Settings of the ensemble sampler.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EnsembleOptions {
    /// Stretch scale `a` (> 1; 2 in Goodman & Weare and emcee).
    pub stretch: f64,
}

impl Default for EnsembleOptions {
    fn default() -> Self {
        EnsembleOptions { stretch: 2.0 }
    }
}

impl EnsembleOptions {
    pub(super) fn validate(&self, walkers: usize, dim: usize) -> Result<(), CalibrateError> {
        if walkers < 2 * dim || walkers % 2 != 0 || walkers < 4 {
            return Err(CalibrateError::invalid(format!(
                "ensemble: {walkers} walkers (chains) for {dim} parameters: the stretch move needs an even number of at least 2 x d = {} and at least 4, so that each half of the ensemble spans the space",
                (2 * dim).max(4)
            )));
        }
        if !(self.stretch > 1.0 && self.stretch.is_finite()) {
            return Err(CalibrateError::invalid(format!(
                "ensemble: stretch scale must be above 1, got {}",
                self.stretch
            )));
        }
        Ok(())
    }
}

/// Runs one block of ensemble iterations.
pub(super) fn run_block<D: LogDensity + ?Sized>(block: &Block<'_, D>, walkers: &mut [Chain]) {
    let a = block.opts.ensemble.stretch;
    let half = walkers.len() / 2;
    let mut rngs: Vec<_> = (0..walkers.len()).map(|w| block.rng(STREAM, w)).collect();
    let (rng_first, rng_second) = rngs.split_at_mut(half);
    let d = walkers[0].x.len();
    for i in block.start..block.end {
        let (first, second) = walkers.split_at_mut(half);
        move_half(block.density, first, second, rng_first, a, d);
        move_half(block.density, second, first, rng_second, a, d);
        for w in walkers.iter_mut() {
            w.record(block.density, i + 1, block.warmup, block.opts.thin);
        }
    }
}

fn move_half<D: LogDensity + ?Sized>(
    density: &D,
    active: &mut [Chain],
    others: &[Chain],
    rngs: &mut [pressure_stats::rng::Rng64],
    a: f64,
    d: usize,
) {
    active
        .par_iter_mut()
        .zip(rngs.par_iter_mut())
        .for_each(|(w, rng)| {
            let y = &others[rng.random_range(0..others.len())].x;
            // Inverse CDF of g(s) ∝ 1/√s on [1/a, a].
            let s = ((a - 1.0) * unit_open(rng) + 1.0).powi(2) / a;
            let u = unit_open(rng);
            let cand: Vec<f64> = w.x.iter().zip(y).map(|(x, y)| y + s * (x - y)).collect();
            let lp = density.log_density(&cand);
            w.consider(&cand, lp, (d as f64 - 1.0) * s.ln(), u);
        });
}
