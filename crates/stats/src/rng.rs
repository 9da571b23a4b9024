//! The per-task random-stream convention.
//!
//! Every stochastic computation in Pressure draws from a generator identified by three numbers:
//! the user's `seed`, a `stream` naming *what* the numbers are for (sampling, bootstrap, ...;
//! each crate defines its own constants) and the `index` of the task (a sample row, a bootstrap
//! block, a trajectory). Because the generator depends only on these three numbers, never on the
//! thread or the shard that happens to run the task, results are identical for any thread count
//! and any split of the work.
//!
//! The generator is `rand_pcg::Pcg64Mcg` (PCG XSL-RR 128/64, multiplicative), whose 128-bit
//! state is derived from `(seed, stream, index)` by SplitMix64 finalisers. **Changing this
//! derivation changes every published result**: the test below pins its first outputs.

pub use rand_pcg::Pcg64Mcg as Rng64;

/// SplitMix64 finaliser (Steele, Lea & Flood 2014): a bijective avalanche mix of 64 bits.
#[inline]
fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The generator for task `index` of stream `stream` under the user's `seed`.
///
/// ```
/// use rand::Rng;
/// let mut a = pressure_stats::rng_for(42, 1, 7);
/// let mut b = pressure_stats::rng_for(42, 1, 7);
/// assert_eq!(a.random::<u64>(), b.random::<u64>());
/// ```
pub fn rng_for(seed: u64, stream: u64, index: u64) -> Rng64 {
    const GOLDEN: u64 = 0x9E37_79B9_7F4A_7C15;
    let a = mix64(seed.wrapping_add(GOLDEN));
    let b = mix64(
        a ^ stream
            .wrapping_mul(0xD1B5_4A32_D192_ED03)
            .wrapping_add(GOLDEN),
    );
    let lo = mix64(
        b ^ index
            .wrapping_mul(0xAEF1_7502_108E_F2D9)
            .wrapping_add(GOLDEN),
    );
    let hi = mix64(lo ^ b.rotate_left(17));
    let state = ((hi as u128) << 64) | lo as u128;
    Rng64::new(state)
}

/// A uniform draw in the open interval (0, 1) with 53 random bits: `(k + 0.5) / 2^53`.
/// Never exactly 0 or 1, so inverse CDFs of unbounded distributions stay finite.
#[inline]
pub fn unit_open<R: rand::RngCore>(rng: &mut R) -> f64 {
    ((rng.next_u64() >> 11) as f64 + 0.5) * (1.0 / 9_007_199_254_740_992.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::RngCore;

    #[test]
    fn convention_is_pinned() {
        // If this fails, the random-stream convention changed and every seeded result with it.
        let mut r = rng_for(12345, 3, 99);
        let first = [r.next_u64(), r.next_u64()];
        let mut again = rng_for(12345, 3, 99);
        assert_eq!(first, [again.next_u64(), again.next_u64()]);
        assert_eq!(first, PINNED);
    }

    const PINNED: [u64; 2] = [1_579_339_836_280_127_795, 600_380_000_930_378_114];

    #[test]
    fn streams_and_indices_differ() {
        let x = rng_for(1, 0, 0).next_u64();
        assert_ne!(x, rng_for(1, 0, 1).next_u64());
        assert_ne!(x, rng_for(1, 1, 0).next_u64());
        assert_ne!(x, rng_for(2, 0, 0).next_u64());
    }

    #[test]
    fn unit_open_is_open() {
        let mut r = rng_for(0, 0, 0);
        for _ in 0..10_000 {
            let u = unit_open(&mut r);
            assert!(u > 0.0 && u < 1.0);
        }
    }
}
