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

/// `floor(P(K <= k) · 2^64)` for K ~ Poisson(1), k = 0..: a draw `x` (uniform u64) maps to
/// the first `k` with `x < T[k]`.
static POISSON1_THRESHOLDS: LazyLock<[u64; 20]> = LazyLock::new(|| {
    let mut t = [u64::MAX; 20];
    let mut pmf = (-1.0f64).exp();
    let mut cdf = 0.0;
    for (k, slot) in t.iter_mut().enumerate().take(19) {
        cdf += pmf;
        pmf /= (k + 1) as f64;
        *slot = if cdf >= 1.0 {
            u64::MAX
        } else {
            (cdf * 18_446_744_073_709_551_616.0) as u64
        };
    }
    t
});

/// Fills `out` with the Poisson(1) weights of sampling unit `unit` for resamples `1..=out.len()`.
pub fn poisson_weights(seed: u64, unit: u64, out: &mut [f64]) {
    let thresholds = &*POISSON1_THRESHOLDS;
    let mut rng = rng_for(seed, streams::BOOTSTRAP, unit);
    for w in out {
        let x = rng.next_u64();
        let mut k = 0;
        while k < 19 && x >= thresholds[k] {
            k += 1;
        }
        *w = k as f64;
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
    fn estimate_intervals() {
        let mut reps: Vec<f64> = (0..101).map(|i| i as f64 / 100.0).collect();
        let e = Estimate::from_replicates(0.5, &mut reps, 0.9);
        assert!((e.low - 0.05).abs() < 1e-12 && (e.high - 0.95).abs() < 1e-12);
        assert!(e.conf > 0.0);
        let e = Estimate::from_replicates(0.5, &mut [], 0.95);
        assert!(e.conf.is_nan());
    }
}
