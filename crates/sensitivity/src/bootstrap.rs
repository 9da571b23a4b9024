//! Streaming bootstrap.
//!
//! SALib resamples the N base rows with replacement (multinomial counts) and reports
//! `conf = z · sd(resampled estimates)`. That needs every row in memory. Here each resample
//! `b` gives every sampling unit (Sobol' base row, Morris trajectory) an independent
//! Poisson(1) weight instead — the *Poisson bootstrap* (Hanley & MacGibbon 2006; Chamandy et
//! al. 2012), asymptotically equivalent to the multinomial one and computable as the rows
//! stream past, in any split of the work. Unit `i`'s weights come from
//! `rng_for(seed, streams::BOOTSTRAP, i)`, so they do not depend on threads or shards.
//!
//! Two intervals are reported for every index: SALib's normal-approximation half-width
//! `conf = z · sd` (z = Φ⁻¹(0.5 + level/2), sd with ddof = 1), and the percentile interval
//! `[q(α/2), q(1 - α/2)]` of the bootstrap estimates (type-7 quantiles).

use crate::design::streams;
use crate::distribution::std_normal_quantile;
use pressure_stats::{quantile_sorted, rng_for, Summary};
use rand::RngCore;
use serde::Serialize;
use std::sync::LazyLock;

/// `floor(P(K <= k) · 2^32)` for K ~ Poisson(1), k = 0..15: a uniform 32-bit draw `x` maps to
/// the number of thresholds `<= x` (inversion). Probabilities are exact to 2^-32.
static POISSON1_THRESHOLDS: LazyLock<[u32; 16]> = LazyLock::new(|| {
    let mut t = [u32::MAX; 16];
    let mut pmf = (-1.0f64).exp();
    let mut cdf = 0.0;
    for (k, slot) in t.iter_mut().enumerate() {
        cdf += pmf;
        pmf /= (k + 1) as f64;
        let scaled = (cdf * 4_294_967_296.0).floor();
        *slot = if scaled >= 4_294_967_295.0 {
            u32::MAX
        } else {
            scaled as u32
        };
    }
    t
});

/// Poisson(1) by inversion of a 32-bit draw, without data-dependent branches for K < 8
/// (P(K >= 8) = 1e-5).
#[inline]
fn poisson1(x: u32, t: &[u32; 16]) -> f64 {
    let mut k: u32 = 0;
    for &th in &t[..8] {
        k += u32::from(x >= th);
    }
    if k == 8 {
        for &th in &t[8..] {
            k += u32::from(x >= th);
        }
    }
    k as f64
}

/// Fills `out` with the Poisson(1) weights of sampling unit `unit` for resamples `1..=out.len()`.
pub fn poisson_weights(seed: u64, unit: u64, out: &mut [f64]) {
    let t = &*POISSON1_THRESHOLDS;
    let mut rng = rng_for(seed, streams::BOOTSTRAP, unit);
    let mut pairs = out.chunks_exact_mut(2);
    for pair in &mut pairs {
        let x = rng.next_u64();
        pair[0] = poisson1(x as u32, t);
        pair[1] = poisson1((x >> 32) as u32, t);
    }
    if let [last] = pairs.into_remainder() {
        *last = poisson1(rng.next_u64() as u32, t);
    }
}

/// Weights of `units` consecutive sampling units starting at `first`, for the full data
/// (set 0, all ones) and `resamples` bootstrap sets, laid out set-major:
/// `w[b * units + g]`.
pub fn weight_matrix(seed: u64, first: u64, units: usize, resamples: usize) -> Vec<f64> {
    let mut w = vec![0.0; (resamples + 1) * units];
    w[..units].iter_mut().for_each(|x| *x = 1.0);
    let mut one = vec![0.0; resamples];
    for g in 0..units {
        poisson_weights(seed, first + g as u64, &mut one);
        for (b, &x) in one.iter().enumerate() {
            w[(b + 1) * units + g] = x;
        }
    }
    w
}

/// Width features are padded to so the weighted-sum kernel works on fixed-size chunks.
pub const LANES: usize = 8;

/// `out[b][k] += Σ_g w[b][g] · f[g][k]` for weight sets `b < sets`: the weighted sums of every
/// bootstrap replicate at once. `w` is `sets × groups` (see [`weight_matrix`]), `f` is
/// `groups × kp` with `kp` a multiple of [`LANES`] (zero padded), `out` is `sets × k`. Each sum
/// runs over the groups in order, so results do not depend on how the caller is scheduled.
pub fn weighted_sums(
    w: &[f64],
    groups: usize,
    f: &[f64],
    kp: usize,
    k: usize,
    sets: usize,
    out: &mut [f64],
) {
    debug_assert!(kp % LANES == 0 && kp >= k);
    for b in 0..sets {
        let wb = &w[b * groups..(b + 1) * groups];
        let ob = &mut out[b * k..(b + 1) * k];
        for k0 in (0..kp).step_by(LANES) {
            let mut a = [0.0f64; LANES];
            for (g, &wg) in wb.iter().enumerate() {
                let row: &[f64; LANES] = f[g * kp + k0..g * kp + k0 + LANES]
                    .try_into()
                    .expect("LANES-wide chunk");
                for j in 0..LANES {
                    a[j] += wg * row[j];
                }
            }
            for (o, x) in ob[k0..(k0 + LANES).min(k)].iter_mut().zip(a) {
                *o += x;
            }
        }
    }
}

/// A point estimate with its bootstrap intervals.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Estimate {
    /// The estimate from all the data.
    pub value: f64,
    /// SALib's half-width: `z · sd` of the bootstrap estimates (NaN without resamples).
    pub conf: f64,
    /// Percentile interval of the bootstrap estimates (NaN without resamples).
    pub low: f64,
    pub high: f64,
}

impl Estimate {
    /// From the full-data value and the bootstrap replicates at confidence `level` (e.g. 0.95).
    pub fn from_replicates(value: f64, replicates: &mut [f64], level: f64) -> Estimate {
        let finite = replicates.iter().all(|x| x.is_finite());
        if replicates.len() < 2 || !finite {
            return Estimate {
                value,
                conf: f64::NAN,
                low: f64::NAN,
                high: f64::NAN,
            };
        }
        let z = std_normal_quantile(0.5 + level / 2.0);
        let sd = Summary::of(replicates).std_dev(1);
        replicates.sort_by(f64::total_cmp);
        let alpha = 1.0 - level;
        Estimate {
            value,
            conf: z * sd,
            low: quantile_sorted(replicates, alpha / 2.0).unwrap_or(f64::NAN),
            high: quantile_sorted(replicates, 1.0 - alpha / 2.0).unwrap_or(f64::NAN),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn poisson_weights_have_mean_and_variance_one() {
        let mut w = vec![0.0; 1000];
        let mut all = Summary::default();
        for unit in 0..200 {
            poisson_weights(1, unit, &mut w);
            for &x in &w {
                all.push(x);
            }
        }
        assert!((all.mean() - 1.0).abs() < 0.01, "{}", all.mean());
        assert!((all.variance(1) - 1.0).abs() < 0.02, "{}", all.variance(1));
        let mut again = vec![0.0; 1000];
        poisson_weights(1, 199, &mut again);
        assert_eq!(w, again);
    }

    #[test]
    fn weighted_sums_match_direct_sums() {
        let (groups, k, sets) = (5, 3, 4);
        let kp = LANES;
        let w = weight_matrix(9, 100, groups, sets - 1);
        assert!(w[..groups].iter().all(|&x| x == 1.0));
        let mut f = vec![0.0; groups * kp];
        for g in 0..groups {
            for j in 0..k {
                f[g * kp + j] = (g * 10 + j) as f64;
            }
        }
        let mut out = vec![0.0; sets * k];
        weighted_sums(&w, groups, &f, kp, k, sets, &mut out);
        for b in 0..sets {
            for j in 0..k {
                let direct: f64 = (0..groups).map(|g| w[b * groups + g] * f[g * kp + j]).sum();
                assert_eq!(out[b * k + j], direct);
            }
        }
    }

    #[test]
    fn estimate_intervals() {
        let mut reps: Vec<f64> = (0..101).map(|i| i as f64 / 100.0).collect();
        let e = Estimate::from_replicates(0.5, &mut reps, 0.9);
        assert!((e.low - 0.05).abs() < 1e-12 && (e.high - 0.95).abs() < 1e-12);
        assert!(e.conf > 0.0);
        let e = Estimate::from_replicates(0.5, &mut [], 0.95);
        assert!(e.conf.is_nan());
    }
}
