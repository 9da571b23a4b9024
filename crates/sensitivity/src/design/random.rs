//! Simple random (Monte Carlo) sampling: each coordinate an independent uniform draw from the
//! open unit interval; run `i` draws from `rng_for(seed, streams::RANDOM, i)`.

use super::{streams, Design};
use crate::error::{Result, SensitivityError};
use pressure_stats::rng::unit_open;
use pressure_stats::rng_for;

#[derive(Debug, Clone)]
pub struct RandomDesign {
    dims: usize,
    n: usize,
    seed: u64,
}

impl RandomDesign {
    pub fn new(dims: usize, n: usize, seed: u64) -> Result<Self> {
        if n < 2 {
            return Err(SensitivityError::InvalidSampleSize {
                sampler: "random sampling",
                n,
                reason: "at least 2 runs are needed; use N = 2 or more".into(),
            });
        }
        Ok(RandomDesign { dims, n, seed })
    }
}

impl Design for RandomDesign {
    fn name(&self) -> &'static str {
        "random"
    }
    fn dims(&self) -> usize {
        self.dims
    }
    fn group_size(&self) -> usize {
        1
    }
    fn n_groups(&self) -> usize {
        self.n
    }
    fn fill_unit(&self, first: usize, count: usize, out: &mut [f64]) {
        for (i, row) in out.chunks_exact_mut(self.dims).take(count).enumerate() {
            let mut rng = rng_for(self.seed, streams::RANDOM, (first + i) as u64);
            for x in row {
                *x = unit_open(&mut rng);
            }
        }
    }
}
