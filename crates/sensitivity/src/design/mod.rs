//! Sampling designs in the unit hypercube.
//!
//! A design is a list of *groups* of model runs: the unit an estimator needs together (one run
//! for Monte Carlo designs, the `D + 2` or `2D + 2` rows of one Saltelli base point, the `D + 1`
//! points of one Morris trajectory). Every design gives random access to any range of groups,
//! computed from the seed and the group index only, so a shard or a thread can generate exactly
//! its own slice and the result never depends on how the work was split.

mod lhs;
mod morris;
mod random;
mod saltelli;
mod sobol_seq;

pub use lhs::{LatinHypercube, RandomPermutation};
pub use morris::{MorrisDesign, MorrisStep};
pub use random::RandomDesign;
pub use saltelli::SaltelliDesign;
pub use sobol_seq::{SobolDesign, SobolSequence};

use crate::error::{Result, SensitivityError};

/// Stream numbers of the random-stream convention ([`pressure_stats::rng_for`]) used here.
pub mod streams {
    pub const SOBOL_SCRAMBLE: u64 = 0x5e_0001;
    pub const RANDOM: u64 = 0x5e_0002;
    pub const LHS_JITTER: u64 = 0x5e_0003;
    pub const LHS_PERMUTATION: u64 = 0x5e_0004;
    pub const MORRIS: u64 = 0x5e_0005;
    pub const BOOTSTRAP: u64 = 0x5e_0006;
}

/// A sampling design: groups of runs in the unit hypercube, with random access.
pub trait Design: Send + Sync {
    /// Short name used in messages and manifests (`saltelli`, `morris`, ...).
    fn name(&self) -> &'static str;
    /// Number of parameters.
    fn dims(&self) -> usize;
    /// Model runs per group.
    fn group_size(&self) -> usize;
    /// Number of groups.
    fn n_groups(&self) -> usize;
    /// Total model runs.
    fn n_runs(&self) -> usize {
        self.group_size() * self.n_groups()
    }
    /// Writes the unit-cube rows of groups `first .. first + count`, row-major
    /// (`count * group_size()` rows of `dims()` values) into `out`.
    fn fill_unit(&self, first: usize, count: usize, out: &mut [f64]);

    /// All rows of the design (convenience for small designs and tests).
    fn all_unit_rows(&self) -> Vec<f64> {
        let mut out = vec![0.0; self.n_runs() * self.dims()];
        self.fill_unit(0, self.n_groups(), &mut out);
        out
    }
}

/// Checks that `n` is a power of two (at least `min`), as Sobol'-based designs require for their
/// balance properties; otherwise an error naming the nearest allowed values.
pub(crate) fn require_power_of_two(sampler: &'static str, n: usize, min: usize) -> Result<()> {
    if n >= min && n.is_power_of_two() {
        return Ok(());
    }
    let reason = if n < min {
        format!("N must be a power of two of at least {min}; use N = {min}")
    } else {
        let below = 1usize << (usize::BITS - 1 - n.leading_zeros());
        let above = below << 1;
        let nearest = if n - below <= above - n { below } else { above };
        format!(
            "Sobol' points keep their balance properties only for N a power of two; \
             the nearest allowed value is N = {nearest} (the neighbours are {below} and {above})"
        )
    };
    Err(SensitivityError::InvalidSampleSize { sampler, n, reason })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn power_of_two_suggestions() {
        assert!(require_power_of_two("sobol", 1024, 2).is_ok());
        let e = require_power_of_two("sobol", 1000, 2)
            .unwrap_err()
            .to_string();
        assert!(e.contains("N = 1024") && e.contains("512"), "{e}");
        let e = require_power_of_two("sobol", 1600, 2)
            .unwrap_err()
            .to_string();
        assert!(e.contains("nearest allowed value is N = 2048"), "{e}");
        let e = require_power_of_two("sobol", 0, 2).unwrap_err().to_string();
        assert!(e.contains("use N = 2"), "{e}");
    }
}
