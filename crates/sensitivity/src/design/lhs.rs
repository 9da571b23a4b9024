//! Latin hypercube sampling with random access.
//!
//! Coordinate `j` of run `i` is `(π_j(i) + U_ij) / N`, where `π_j` is a pseudo-random
//! permutation of `0..N` and `U_ij` a uniform jitter in (0, 1): every column has exactly one
//! point in each of the `N` equal-probability strata (McKay, Beckman & Conover 1979).
//!
//! The permutations are not stored: `π_j` is a keyed Feistel network on the smallest
//! power-of-four domain holding `N`, restricted to `0..N` by cycle walking (Black & Rogaway
//! 2002). Any run can thus be generated alone, in O(1) memory, which is what shards and a
//! million-run design need. Keys come from `rng_for(seed, streams::LHS_PERMUTATION, j)`;
//! jitters from `rng_for(seed, streams::LHS_JITTER, i)`.

use super::{streams, Design};
use crate::error::{Result, SensitivityError};
use pressure_stats::rng::unit_open;
use pressure_stats::rng_for;
use rand::RngCore;

const ROUNDS: usize = 8;

/// A keyed pseudo-random permutation of `0..n` with O(1) evaluation.
#[derive(Debug, Clone)]
pub struct RandomPermutation {
    n: u64,
    half_bits: u32,
    keys: [u64; ROUNDS],
}

impl RandomPermutation {
    pub fn new(n: u64, seed: u64, stream: u64, index: u64) -> Self {
        let mut rng = rng_for(seed, stream, index);
        let mut keys = [0u64; ROUNDS];
        for k in &mut keys {
            *k = rng.next_u64();
        }
        // Smallest even bit count 2h with 2^(2h) >= n (and h >= 1).
        let bits = 64 - n.saturating_sub(1).leading_zeros();
        let half_bits = bits.div_ceil(2).max(1);
        RandomPermutation { n, half_bits, keys }
    }

    #[inline]
    fn round(&self, x: u64, key: u64) -> u64 {
        let mut z = x.wrapping_add(key);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    #[inline]
    fn feistel(&self, x: u64) -> u64 {
        let mask = (1u64 << self.half_bits) - 1;
        let (mut left, mut right) = (x >> self.half_bits, x & mask);
        for &key in &self.keys {
            let next = left ^ (self.round(right, key) & mask);
            left = right;
            right = next;
        }
        (left << self.half_bits) | right
    }

    /// The image of `i` (`i < n`).
    #[inline]
    pub fn apply(&self, i: u64) -> u64 {
        debug_assert!(i < self.n);
        let mut x = self.feistel(i);
        while x >= self.n {
            x = self.feistel(x);
        }
        x
    }
}

/// Latin hypercube design with `n` runs (one run per group).
#[derive(Debug, Clone)]
pub struct LatinHypercube {
    dims: usize,
    n: usize,
    seed: u64,
    perms: Vec<RandomPermutation>,
}

impl LatinHypercube {
    pub fn new(dims: usize, n: usize, seed: u64) -> Result<Self> {
        if n < 2 {
            return Err(SensitivityError::InvalidSampleSize {
                sampler: "Latin hypercube sampling",
                n,
                reason: "at least 2 runs are needed; use N = 2 or more".into(),
            });
        }
        let perms = (0..dims)
            .map(|j| RandomPermutation::new(n as u64, seed, streams::LHS_PERMUTATION, j as u64))
            .collect();
        Ok(LatinHypercube {
            dims,
            n,
            seed,
            perms,
        })
    }
}

impl Design for LatinHypercube {
    fn name(&self) -> &'static str {
        "lhs"
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
        let inv_n = 1.0 / self.n as f64;
        for (i, row) in out.chunks_exact_mut(self.dims).take(count).enumerate() {
            let run = (first + i) as u64;
            let mut rng = rng_for(self.seed, streams::LHS_JITTER, run);
            for (x, perm) in row.iter_mut().zip(&self.perms) {
                let stratum = perm.apply(run) as f64;
                // Clamp guards the last stratum against rounding up to exactly 1.
                *x = ((stratum + unit_open(&mut rng)) * inv_n).min(1.0 - f64::EPSILON / 2.0);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permutation_is_bijective() {
        for n in [1u64, 2, 3, 7, 16, 17, 1000, 4099] {
            let p = RandomPermutation::new(n, 5, 1, 2);
            let mut seen = vec![false; n as usize];
            for i in 0..n {
                let j = p.apply(i) as usize;
                assert!(!seen[j]);
                seen[j] = true;
            }
        }
    }

    #[test]
    fn one_point_per_stratum() {
        let n = 500;
        let lhs = LatinHypercube::new(4, n, 11).unwrap();
        let rows = lhs.all_unit_rows();
        for j in 0..4 {
            let mut seen = vec![false; n];
            for i in 0..n {
                let s = (rows[i * 4 + j] * n as f64) as usize;
                assert!(!seen[s]);
                seen[s] = true;
            }
        }
        // Different columns use different permutations.
        assert_ne!(
            (0..n)
                .map(|i| (rows[i * 4] * n as f64) as usize)
                .collect::<Vec<_>>(),
            (0..n)
                .map(|i| (rows[i * 4 + 1] * n as f64) as usize)
                .collect::<Vec<_>>()
        );
    }
}
