//! Pareto-smoothed importance sampling (PSIS) of Vehtari, Simpson, Gelman, Yao & Gabry (2024),
//! "Pareto smoothed importance sampling", JMLR 25(72), with the generalised Pareto fit of Zhang &
//! Stephens (2009), "A new and efficient estimation method for the generalized Pareto
//! distribution", Technometrics 51(3):316–325.
//!
//! Given draws from a distribution `g` and the log ratio `log w = log f − log g` of a target `f`
//! (unnormalised), the largest `M = ⌈min(0.2 S, 3 √S)⌉` weights are replaced by the expected
//! order statistics of a generalised Pareto distribution fitted to them (with the weakly
//! informative prior on the shape of the paper, `k̂ = (M k + 10 · 0.5)/(M + 10)`), then truncated
//! at the largest raw weight and normalised. The shape estimate `k̂` is the diagnostic: below
//! `min(1 − 1/log₁₀ S, 0.7)` the estimates are reliable; above 0.7 the importance ratios have
//! too heavy a tail and the reweighted estimates should not be trusted (the paper, §3).
//!
//! Written from the papers; the arithmetic follows the reference implementation `psislw` of
//! ArviZ (the body/tail cut, the Zhang–Stephens grid of `30 + ⌊√M⌋` points, the prior), against
//! whose numbers the tests are pinned.

/// Pareto-smoothed, normalised log weights and the Pareto shape estimate.
#[derive(Debug, Clone, PartialEq)]
pub struct Psis {
    /// Smoothed log weights, normalised so that `Σ exp(log_weights) = 1`.
    pub log_weights: Vec<f64>,
    /// Estimated Pareto shape `k̂` of the right tail of the raw weights (`+∞` when the tail has
    /// 4 or fewer draws: not estimable).
    pub k_hat: f64,
    /// Draws in the smoothed tail.
    pub tail_length: usize,
}

impl Psis {
    /// The threshold below which `k̂` indicates reliable estimates for `S` draws:
    /// `min(1 − 1/log₁₀ S, 0.7)` (Vehtari et al. 2024, §3.2.4).
    pub fn k_threshold(draws: usize) -> f64 {
        (1.0 - 1.0 / (draws as f64).log10()).min(0.7)
    }

    /// The weights (not logs).
    pub fn weights(&self) -> Vec<f64> {
        self.log_weights.iter().map(|v| v.exp()).collect()
    }

    /// Effective sample size of the weights, `1 / Σ wᵢ²`.
    pub fn ess(&self) -> f64 {
        1.0 / self
            .log_weights
            .iter()
            .map(|v| (2.0 * v).exp())
            .sum::<f64>()
    }
}

/// Pareto-smoothed importance weights from raw log weights (any additive constant). `None`
/// with fewer than 2 draws or a log weight that is NaN or `+∞` (`−∞` is a zero weight).
///
/// ```
/// use pressure_calibrate::uncertainty::psis::psis;
/// // Equal weights stay equal, and the tail is light.
/// let p = psis(&vec![0.3; 100]).unwrap();
/// assert!(p.weights().iter().all(|w| (w - 0.01).abs() < 1e-12));
/// // Weights whose tail is Pareto with shape 0.5: k̂ near 0.5.
/// let lw: Vec<f64> = (1..=4000)
///     .map(|i| -0.5 * (1.0 - (i as f64 - 0.5) / 4000.0).ln())
///     .collect();
/// let p = psis(&lw).unwrap();
/// assert!((p.k_hat - 0.5).abs() < 0.05, "{}", p.k_hat);
/// ```
pub fn psis(log_weights: &[f64]) -> Option<Psis> {
    let s = log_weights.len();
    if s < 2
        || log_weights
            .iter()
            .any(|v| v.is_nan() || *v == f64::INFINITY)
    {
        return None;
    }
    let max = log_weights
        .iter()
        .copied()
        .fold(f64::NEG_INFINITY, f64::max);
    if max == f64::NEG_INFINITY {
        return None;
    }
    let mut x: Vec<f64> = log_weights.iter().map(|v| v - max).collect();
    let mut order: Vec<usize> = (0..s).collect();
    order.sort_by(|&a, &b| x[a].total_cmp(&x[b]));
    // Tail length M and the cut: the largest weight of the body (at least the smallest
    // positive double, so exp of the cut is not 0).
    let m = (0.2 * s as f64).min(3.0 * (s as f64).sqrt()).ceil() as usize;
    let cut_index = s.saturating_sub(m + 1);
    let cut = x[order[cut_index]].max(f64::MIN_POSITIVE.ln());
    let exp_cut = cut.exp();
    // The tail: every draw above the cut, ascending.
    let tail: Vec<usize> = order.iter().copied().filter(|&i| x[i] > cut).collect();
    let k_hat = if tail.len() <= 4 {
        f64::INFINITY
    } else {
        let exceed: Vec<f64> = tail.iter().map(|&i| x[i].exp() - exp_cut).collect();
        let (k, sigma) = gpd_fit(&exceed);
        if k.is_finite() && sigma > 0.0 {
            let n = tail.len() as f64;
            for (z, &i) in tail.iter().enumerate() {
                let p = (z as f64 + 0.5) / n;
                let q = gpd_quantile(p, k, sigma);
                // Truncate at the largest raw weight (0 after the shift).
                x[i] = (q + exp_cut).ln().min(0.0);
            }
        }
        k
    };
    let lse = log_sum_exp(&x);
    for v in &mut x {
        *v -= lse;
    }
    Some(Psis {
        log_weights: x,
        k_hat,
        tail_length: tail.len(),
    })
}

fn log_sum_exp(x: &[f64]) -> f64 {
    let max = x.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    max + x.iter().map(|v| (v - max).exp()).sum::<f64>().ln()
}

/// Zhang & Stephens (2009) estimate of a generalised Pareto distribution's shape `k` and scale
/// `σ` from exceedances sorted ascending (all ≥ 0), with the weakly informative prior on `k` of
/// Vehtari et al. (2024), `k ← (n k + 10 · 0.5)/(n + 10)`. Parameterisation: `F(x) = 1 − (1 +
/// k x/σ)^(−1/k)`; `k > 0` is a heavy tail.
pub fn gpd_fit(sorted: &[f64]) -> (f64, f64) {
    let n = sorted.len();
    let nf = n as f64;
    let (prior_bs, prior_k) = (3.0, 10.0);
    let m = 30 + (nf.sqrt()) as usize;
    let quartile = sorted[((nf / 4.0 + 0.5) as usize).max(1) - 1];
    let last = sorted[n - 1];
    let b: Vec<f64> = (1..=m)
        .map(|j| (1.0 - (m as f64 / (j as f64 - 0.5)).sqrt()) / (prior_bs * quartile) + 1.0 / last)
        .collect();
    let k: Vec<f64> = b
        .iter()
        .map(|bj| sorted.iter().map(|x| (-bj * x).ln_1p()).sum::<f64>() / nf)
        .collect();
    // Profile log-likelihood of each grid point, and its posterior weight.
    let len_scale: Vec<f64> = b
        .iter()
        .zip(&k)
        .map(|(bj, kj)| nf * ((-(bj / kj)).ln() - kj - 1.0))
        .collect();
    let mut w: Vec<f64> = len_scale
        .iter()
        .map(|li| 1.0 / len_scale.iter().map(|lj| (lj - li).exp()).sum::<f64>())
        .collect();
    // Drop negligible weights, normalise, posterior mean of b.
    let keep: Vec<bool> = w.iter().map(|wi| *wi >= 10.0 * f64::EPSILON).collect();
    let mut total = 0.0;
    for (wi, k) in w.iter_mut().zip(&keep) {
        if !k {
            *wi = 0.0;
        }
        total += *wi;
    }
    let b_post = b
        .iter()
        .zip(&w)
        .map(|(bj, wj)| bj * wj / total)
        .sum::<f64>();
    let k_post = sorted.iter().map(|x| (-b_post * x).ln_1p()).sum::<f64>() / nf;
    let sigma = -k_post / b_post;
    let k_post = (nf * k_post + prior_k * 0.5) / (nf + prior_k);
    (k_post, sigma)
}

/// Quantile of the generalised Pareto distribution (location 0) at `p ∈ (0, 1)`.
fn gpd_quantile(p: f64, k: f64, sigma: f64) -> f64 {
    if k.abs() < f64::EPSILON {
        -sigma * (-p).ln_1p()
    } else {
        sigma * (-k * (-p).ln_1p()).exp_m1() / k
    }
}

/// A weighted mean and central interval: `Σ wᵢ xᵢ` and the weighted quantiles at
/// `(1 − level)/2` and `(1 + level)/2` (the smallest `x` whose cumulative weight reaches `q`).
/// Weights need not be normalised; `None` without positive total weight.
pub fn weighted_summary(x: &[f64], w: &[f64], level: f64) -> Option<(f64, f64, f64, f64)> {
    let total: f64 = w.iter().sum();
    if x.len() != w.len() || total <= 0.0 || !total.is_finite() {
        return None;
    }
    let mean = x.iter().zip(w).map(|(a, b)| a * b).sum::<f64>() / total;
    let var = x
        .iter()
        .zip(w)
        .map(|(a, b)| b * (a - mean) * (a - mean))
        .sum::<f64>()
        / total;
    let mut order: Vec<usize> = (0..x.len()).collect();
    order.sort_by(|&a, &b| x[a].total_cmp(&x[b]));
    let quantile = |q: f64| -> f64 {
        let mut cum = 0.0;
        for &i in &order {
            cum += w[i] / total;
            if cum >= q {
                return x[i];
            }
        }
        x[*order.last().expect("non-empty")]
    };
    let lo = quantile(0.5 - level / 2.0);
    let hi = quantile(0.5 + level / 2.0);
    Some((mean, var.sqrt(), lo, hi))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Deterministic standard normal draws by inverting the CDF on a grid (no RNG).
    fn normal_grid(n: usize) -> Vec<f64> {
        use statrs::distribution::{ContinuousCDF, Normal};
        let d = Normal::standard();
        (0..n)
            .map(|i| d.inverse_cdf((i as f64 + 0.5) / n as f64))
            .collect()
    }

    #[test]
    fn gpd_fit_recovers_the_shape_of_exact_quantiles() {
        // Exact GPD quantiles with k = 0.3, σ = 2: the estimate is near the truth (the prior
        // pulls it slightly towards 0.5 with n = 500).
        for (k, sigma) in [(0.3, 2.0), (-0.2, 1.0), (0.8, 0.5)] {
            let n = 500;
            let x: Vec<f64> = (0..n)
                .map(|i| gpd_quantile((i as f64 + 0.5) / n as f64, k, sigma))
                .collect();
            let (kh, sh) = gpd_fit(&x);
            assert!((kh - k).abs() < 0.05, "k {k}: {kh}");
            assert!((sh / sigma - 1.0).abs() < 0.1, "σ {sigma}: {sh}");
        }
    }

    #[test]
    fn importance_weights_of_a_normal_to_a_wider_normal() {
        // Draws from N(0, 1), target N(0, s²): log w = x²/2 (1 − 1/s²). The ratio's tail is
        // Pareto with shape k = 1 − 1/s² (a known case: Vehtari et al. 2024, §3): s² = 1.5 gives
        // k = 1/3, s² = 4 gives 3/4.
        let x = normal_grid(8000);
        for (s2, k_true) in [(1.5f64, 1.0 / 3.0), (4.0, 0.75)] {
            let lw: Vec<f64> = x.iter().map(|v| 0.5 * v * v * (1.0 - 1.0 / s2)).collect();
            let p = psis(&lw).unwrap();
            assert!((p.k_hat - k_true).abs() < 0.12, "s² {s2}: k̂ {}", p.k_hat);
            // The reweighted variance approaches s² when k̂ < 0.7 (biased down when the tail
            // is too heavy; the diagnostic flags that case).
            let w = p.weights();
            let var: f64 = x.iter().zip(&w).map(|(v, w)| w * v * v).sum();
            if k_true < 0.5 {
                assert!((var / s2 - 1.0).abs() < 0.05, "s² {s2}: {var}");
            } else {
                // Past k = 0.5 the weights have infinite variance: the estimate is biased
                // down at any practical S, which k̂ near 0.7 warns of.
                assert!(var < s2 && p.k_hat > 0.6, "{var} {}", p.k_hat);
            }
            assert!((w.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        }
        // A narrower target has bounded weights: k̂ < 0 (up to the prior's pull).
        let lw: Vec<f64> = x.iter().map(|v| 0.5 * v * v * (1.0 - 1.0 / 0.5)).collect();
        let p = psis(&lw).unwrap();
        assert!(p.k_hat < 0.2, "{}", p.k_hat);
    }

    #[test]
    fn smoothing_keeps_the_body_and_caps_the_tail() {
        let lw: Vec<f64> = (0..1000).map(|i| (i as f64 * 0.37).sin() * 3.0).collect();
        let p = psis(&lw).unwrap();
        assert_eq!(p.tail_length, (3.0 * 1000f64.sqrt()).ceil() as usize);
        // Body draws keep their relative weights; no smoothed weight exceeds the largest raw one.
        let max_raw = lw.iter().copied().fold(f64::MIN, f64::max);
        let shift = p.log_weights[0] - lw[0];
        let mut sorted = lw.clone();
        sorted.sort_by(f64::total_cmp);
        let cut = sorted[1000 - p.tail_length - 1];
        for (a, b) in lw.iter().zip(&p.log_weights) {
            if *a <= cut {
                assert!((b - a - shift).abs() < 1e-12);
            }
            assert!(*b <= max_raw + shift + 1e-12);
        }
        assert!(psis(&[1.0]).is_none() && psis(&[0.0, f64::NAN]).is_none());
        assert!(psis(&[0.0, f64::INFINITY]).is_none());
        // Too short a tail: k̂ not estimable, weights only normalised.
        let p = psis(&[0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0]).unwrap();
        assert!(p.k_hat.is_infinite());
        assert!((p.weights().iter().sum::<f64>() - 1.0).abs() < 1e-12);
        assert!((Psis::k_threshold(100) - 0.5).abs() < 1e-12);
        assert!((Psis::k_threshold(16_000) - 0.7).abs() < 1e-12);
    }

    /// Reference values of ArviZ 0.23.4's `psislw` (`benches/peers/psis_compare.py`, run
    /// 2026-12-07) on the same deterministic inputs.
    #[test]
    fn psis_matches_arviz() {
        let x = normal_grid(2000);
        let wider =
            |s2: f64| -> Vec<f64> { x.iter().map(|v| 0.5 * v * v * (1.0 - 1.0 / s2)).collect() };
        let sine: Vec<f64> = (0..1000)
            .map(|i| (i as f64 * 0.37).sin() * 3.0 + 0.01 * i as f64)
            .collect();
        let cases = [
            (
                wider(1.5),
                [
                    3.343800494546192e-01,
                    3.078977342370221e-03,
                    2.766323125324578e-03,
                    5.632129142133398e-04,
                ],
            ),
            (
                wider(4.0),
                [
                    6.662728058804797e-01,
                    2.512435935473691e-02,
                    1.746878892802898e-02,
                    2.187419295079483e-03,
                ],
            ),
            (
                sine,
                [
                    2.46840674929331e-1,
                    3.766078910395834e-02,
                    9.563814815588684e-08,
                    1.417234043272265e-02,
                ],
            ),
        ];
        for (lw, [k, max_w, w0, sum_w2]) in cases {
            let p = psis(&lw).unwrap();
            let w = p.weights();
            let max = w.iter().copied().fold(0.0, f64::max);
            let close = |a: f64, b: f64| (a - b).abs() <= 1e-9 * b.abs();
            assert!(close(p.k_hat, k), "k̂ {} against {k}", p.k_hat);
            assert!(close(max, max_w), "{max} against {max_w}");
            assert!(close(w[0], w0), "{} against {w0}", w[0]);
            assert!(
                close(1.0 / p.ess(), sum_w2),
                "{} against {sum_w2}",
                1.0 / p.ess()
            );
        }
    }

    #[test]
    fn weighted_summary_by_hand() {
        let (m, sd, lo, hi) =
            weighted_summary(&[1.0, 2.0, 3.0, 4.0], &[1.0, 1.0, 1.0, 1.0], 0.5).unwrap();
        assert_eq!((m, lo, hi), (2.5, 1.0, 3.0));
        assert!((sd - 1.25f64.sqrt()).abs() < 1e-15);
        let (m, _, lo, hi) = weighted_summary(&[1.0, 2.0, 3.0], &[0.0, 0.0, 5.0], 0.9).unwrap();
        assert_eq!((m, lo, hi), (3.0, 3.0, 3.0));
        assert!(weighted_summary(&[1.0], &[0.0], 0.9).is_none());
    }
}
