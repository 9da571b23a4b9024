//! MCMC convergence diagnostics of Vehtari, Gelman, Simpson, Carpenter & Bürkner (2021),
//! "Rank-normalization, folding, and localization: an improved R̂": rank-normalised split-R̂
//! (the maximum of the bulk and the folded/tail versions), bulk-ESS and tail-ESS, with the
//! multi-chain autocorrelation estimate and Geyer's initial monotone sequence as in Stan.

use pressure_stats::average_ranks;
use statrs::distribution::{ContinuousCDF, Normal};

/// Splits each chain into two halves (dropping the middle draw of an odd-length chain).
pub fn split_chains(chains: &[Vec<f64>]) -> Vec<Vec<f64>> {
    let mut out = Vec::with_capacity(2 * chains.len());
    for c in chains {
        let half = c.len() / 2;
        out.push(c[..half].to_vec());
        out.push(c[c.len() - half..].to_vec());
    }
    out
}

/// Rank-normalisation: pooled average ranks `r` mapped to `Φ⁻¹((r − 3/8)/(S + 1/4))`.
pub fn rank_normalise(chains: &[Vec<f64>]) -> Vec<Vec<f64>> {
    let pooled: Vec<f64> = chains.iter().flatten().copied().collect();
    let s = pooled.len() as f64;
    let ranks = average_ranks(&pooled);
    let normal = Normal::standard();
    let mut out = Vec::with_capacity(chains.len());
    let mut k = 0;
    for c in chains {
        out.push(
            c.iter()
                .map(|_| {
                    let z = normal.inverse_cdf((ranks[k] - 0.375) / (s + 0.25));
                    k += 1;
                    z
                })
                .collect(),
        );
    }
    out
}

fn mean(v: &[f64]) -> f64 {
    v.iter().sum::<f64>() / v.len() as f64
}

fn var(v: &[f64]) -> f64 {
    let m = mean(v);
    v.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / (v.len() as f64 - 1.0)
}

/// Classic potential scale reduction of equal-length chains.
pub fn rhat_basic(chains: &[Vec<f64>]) -> f64 {
    let n = chains[0].len() as f64;
    let w = chains.iter().map(|c| var(c)).sum::<f64>() / chains.len() as f64;
    let means: Vec<f64> = chains.iter().map(|c| mean(c)).collect();
    let b = n * var(&means);
    let var_plus = (n - 1.0) / n * w + b / n;
    if w == 0.0 {
        return if var_plus == 0.0 { 1.0 } else { f64::INFINITY };
    }
    (var_plus / w).sqrt()
}

/// Rank-normalised split-R̂: max of bulk R̂ and tail (folded) R̂.
pub fn rhat(chains: &[Vec<f64>]) -> f64 {
    let split = split_chains(chains);
    if split.iter().any(|c| c.len() < 2) {
        return f64::NAN;
    }
    let bulk = rhat_basic(&rank_normalise(&split));
    let pooled: Vec<f64> = split.iter().flatten().copied().collect();
    let med = median(&pooled);
    let folded: Vec<Vec<f64>> = split
        .iter()
        .map(|c| c.iter().map(|x| (x - med).abs()).collect())
        .collect();
    let tail = rhat_basic(&rank_normalise(&folded));
    bulk.max(tail)
}

fn median(v: &[f64]) -> f64 {
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    pressure_stats::quantile_sorted(&s, 0.5).unwrap_or(f64::NAN)
}

/// Effective sample size of equal-length chains (Stan's multi-chain estimator with Geyer's
/// initial monotone sequence).
pub fn ess_basic(chains: &[Vec<f64>]) -> f64 {
    let m = chains.len();
    let n = chains[0].len();
    if n < 4 {
        return f64::NAN;
    }
    let nf = n as f64;
    let means: Vec<f64> = chains.iter().map(|c| mean(c)).collect();
    // Biased autocovariance at lag t of each chain.
    let acov = |c: &[f64], mu: f64, t: usize| -> f64 {
        (0..n - t)
            .map(|i| (c[i] - mu) * (c[i + t] - mu))
            .sum::<f64>()
            / nf
    };
    let acov0: Vec<f64> = chains
        .iter()
        .zip(&means)
        .map(|(c, mu)| acov(c, *mu, 0))
        .collect();
    let mean_var = acov0.iter().sum::<f64>() / m as f64 * nf / (nf - 1.0);
    let mut var_plus = mean_var * (nf - 1.0) / nf;
    if m > 1 {
        var_plus += var(&means);
    }
    if var_plus <= 0.0 {
        return f64::NAN;
    }
    let rho = |t: usize| -> f64 {
        let a = chains
            .iter()
            .zip(&means)
            .map(|(c, mu)| acov(c, *mu, t))
            .sum::<f64>()
            / m as f64;
        1.0 - (mean_var - a) / var_plus
    };
    // Geyer: sums of adjacent pairs while positive, made monotone.
    let mut tau = -1.0;
    let mut prev_pair = f64::INFINITY;
    let mut t = 0;
    while t + 1 < n {
        let pair = if t == 0 {
            1.0 + rho(1)
        } else {
            rho(t) + rho(t + 1)
        };
        if pair <= 0.0 {
            break;
        }
        let pair = pair.min(prev_pair);
        tau += 2.0 * pair;
        prev_pair = pair;
        t += 2;
    }
    let total = (m * n) as f64;
    let tau = tau.max(1.0 / total.log10());
    total / tau
}

/// Bulk effective sample size: ESS of the rank-normalised split chains.
pub fn ess_bulk(chains: &[Vec<f64>]) -> f64 {
    ess_basic(&rank_normalise(&split_chains(chains)))
}

/// Tail effective sample size: the smaller ESS of the 5% and 95% quantile indicators.
pub fn ess_tail(chains: &[Vec<f64>]) -> f64 {
    let split = split_chains(chains);
    let mut pooled: Vec<f64> = split.iter().flatten().copied().collect();
    pooled.sort_by(f64::total_cmp);
    let mut out = f64::INFINITY;
    for p in [0.05, 0.95] {
        let q = pressure_stats::quantile_sorted(&pooled, p).unwrap_or(f64::NAN);
        let ind: Vec<Vec<f64>> = split
            .iter()
            .map(|c| c.iter().map(|x| if *x <= q { 1.0 } else { 0.0 }).collect())
            .collect();
        out = out.min(ess_basic(&ind));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use pressure_stats::rng_for;
    use rand::Rng;
    use rand_distr::StandardNormal;

    fn ar1(seed: u64, phi: f64, n: usize, shift: f64) -> Vec<f64> {
        let mut rng = rng_for(seed, 1, 0);
        let mut x = 0.0;
        (0..n)
            .map(|_| {
                let e: f64 = rng.sample(StandardNormal);
                x = phi * x + (1.0 - phi * phi).sqrt() * e;
                x + shift
            })
            .collect()
    }

    #[test]
    fn independent_chains_have_rhat_one_and_full_ess() {
        let chains: Vec<Vec<f64>> = (0..4).map(|c| ar1(c, 0.0, 2000, 0.0)).collect();
        let r = rhat(&chains);
        assert!((r - 1.0).abs() < 0.01, "{r}");
        let ess = ess_bulk(&chains);
        assert!((ess / 8000.0 - 1.0).abs() < 0.1, "{ess}");
    }

    #[test]
    fn ar1_ess_matches_the_theoretical_value() {
        // ESS/N = (1 − φ)/(1 + φ) for an AR(1) chain: 1/3 at φ = 0.5.
        let chains: Vec<Vec<f64>> = (0..4).map(|c| ar1(10 + c, 0.5, 5000, 0.0)).collect();
        let ess = ess_basic(&chains);
        assert!(
            (ess / 20000.0 - 1.0 / 3.0).abs() < 0.03,
            "{}",
            ess / 20000.0
        );
        assert!((ess_bulk(&chains) / 20000.0 - 1.0 / 3.0).abs() < 0.04);
        assert!(ess_tail(&chains) > 1000.0);
    }

    #[test]
    fn chains_in_different_places_are_flagged() {
        let chains: Vec<Vec<f64>> = (0..4).map(|c| ar1(20 + c, 0.3, 1000, c as f64)).collect();
        assert!(rhat(&chains) > 1.5);
        // A chain with a different spread only is caught by the folded (tail) R̂.
        let mut spread: Vec<Vec<f64>> = (0..3).map(|c| ar1(30 + c, 0.0, 1000, 0.0)).collect();
        spread.push(ar1(40, 0.0, 1000, 0.0).iter().map(|x| 4.0 * x).collect());
        assert!(rhat(&spread) > 1.05, "{}", rhat(&spread));
    }
}
