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

/// In-place iterative radix-2 FFT of `(re, im)` (length a power of two); `inverse` uses the
/// conjugate twiddles and leaves the 1/n scaling to the caller.
fn fft(re: &mut [f64], im: &mut [f64], inverse: bool) {
    let n = re.len();
    let mut j = 0;
    for i in 1..n {
        let mut bit = n >> 1;
        while j & bit != 0 {
            j ^= bit;
            bit >>= 1;
        }
        j |= bit;
        if i < j {
            re.swap(i, j);
            im.swap(i, j);
        }
    }
    // Twiddles e^{∓2πik/n}, each computed directly (no recurrence, no drift).
    let sign = if inverse { 1.0 } else { -1.0 };
    let twiddles: Vec<(f64, f64)> = (0..n / 2)
        .map(|k| {
            let (s, c) = (sign * 2.0 * std::f64::consts::PI * k as f64 / n as f64).sin_cos();
            (c, s)
        })
        .collect();
    let mut len = 2;
    while len <= n {
        let half = len / 2;
        let stride = n / len;
        for start in (0..n).step_by(len) {
            for k in 0..half {
                let (c, s) = twiddles[k * stride];
                let (a, b) = (start + k, start + k + half);
                let tr = re[b] * c - im[b] * s;
                let ti = re[b] * s + im[b] * c;
                re[b] = re[a] - tr;
                im[b] = im[a] - ti;
                re[a] += tr;
                im[a] += ti;
            }
        }
        len <<= 1;
    }
}

/// Biased autocovariances `γ_t = Σ_{i<n−t} (c_i − μ)(c_{i+t} − μ) / n` of one chain for every
/// lag, by FFT of the zero-padded centred chain (as Stan does; O(n log n) instead of the
/// O(n · lags) of the direct sums, which long, strongly autocorrelated chains make slow).
pub fn autocovariance(c: &[f64]) -> Vec<f64> {
    let n = c.len();
    if n == 0 {
        return Vec::new();
    }
    let mu = mean(c);
    let size = (2 * n).next_power_of_two();
    let mut re = vec![0.0; size];
    let mut im = vec![0.0; size];
    for (r, x) in re.iter_mut().zip(c) {
        *r = x - mu;
    }
    fft(&mut re, &mut im, false);
    for (r, i) in re.iter_mut().zip(im.iter_mut()) {
        *r = *r * *r + *i * *i;
        *i = 0.0;
    }
    fft(&mut re, &mut im, true);
    re.truncate(n);
    let scale = 1.0 / (size as f64 * n as f64);
    re.iter_mut().for_each(|v| *v *= scale);
    re
}

/// Lags summed directly before [`ess_basic`] switches to the FFT autocovariance.
const DIRECT_LAGS: usize = 64;

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
    // Biased autocovariance at lag t of each chain: direct sums for the first lags (enough
    // for a chain that mixes well), then all lags at once by FFT.
    let direct = |c: &[f64], mu: f64, t: usize| -> f64 {
        (0..n - t)
            .map(|i| (c[i] - mu) * (c[i + t] - mu))
            .sum::<f64>()
            / nf
    };
    let by_fft: std::cell::OnceCell<Vec<Vec<f64>>> = std::cell::OnceCell::new();
    let acov = |t: usize| -> f64 {
        if t < DIRECT_LAGS {
            chains
                .iter()
                .zip(&means)
                .map(|(c, mu)| direct(c, *mu, t))
                .sum::<f64>()
        } else {
            by_fft
                .get_or_init(|| chains.iter().map(|c| autocovariance(c)).collect())
                .iter()
                .map(|a| a[t])
                .sum::<f64>()
        }
    };
    let mean_var = acov(0) / m as f64 * nf / (nf - 1.0);
    let mut var_plus = mean_var * (nf - 1.0) / nf;
    if m > 1 {
        var_plus += var(&means);
    }
    if var_plus <= 0.0 {
        return f64::NAN;
    }
    let rho = |t: usize| -> f64 {
        let a = acov(t) / m as f64;
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
    fn slowly_mixing_chains_use_the_fft_lags_and_match_the_theory() {
        // φ = 0.98: ESS/N = 0.02/1.98, and Geyer's sequence runs past the direct lags.
        let chains: Vec<Vec<f64>> = (0..4).map(|c| ar1(60 + c, 0.98, 50_000, 0.0)).collect();
        let ratio = ess_basic(&chains) / 200_000.0;
        let theory = 0.02 / 1.98;
        assert!((ratio / theory - 1.0).abs() < 0.15, "{ratio} vs {theory}");
    }

    #[test]
    fn fft_autocovariance_equals_the_direct_sums() {
        for n in [1usize, 2, 5, 64, 333] {
            let c = ar1(50 + n as u64, 0.7, n, 1.5);
            let mu = c.iter().sum::<f64>() / n as f64;
            let fast = autocovariance(&c);
            for t in 0..n {
                let direct = (0..n - t)
                    .map(|i| (c[i] - mu) * (c[i + t] - mu))
                    .sum::<f64>()
                    / n as f64;
                assert!(
                    (fast[t] - direct).abs() < 1e-12 * (1.0 + direct.abs()),
                    "n {n} lag {t}: {} vs {direct}",
                    fast[t]
                );
            }
        }
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
