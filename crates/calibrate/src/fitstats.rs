//! Goodness-of-fit statistics of simulated (S) against actual (A) values of one series,
//! following Sterman (1984), "Appropriate summary statistics for evaluating the historical fit
//! of system dynamics models", Dynamica 10(2):51–66.
//!
//! * `rmse = √MSE`, `MSE = (1/n) Σ (Sᵢ − Aᵢ)²`.
//! * `mape` = mean absolute percent error `(100/n) Σ |Sᵢ − Aᵢ|/|Aᵢ|` (over `Aᵢ ≠ 0`).
//! * `r2` = squared Pearson correlation of S and A (Sterman's R²; it ignores bias, which the
//!   Theil decomposition shows).
//! * Theil's inequality coefficient `U = √MSE / (√(ΣS²/n) + √(ΣA²/n))` (Theil's U₁, in [0, 1]).
//! * Theil's decomposition of MSE (population moments, divisor n):
//!   `MSE = (S̄ − Ā)² + (s_S − s_A)² + 2(1 − r) s_S s_A`, and the fractions
//!   `U^M` (bias), `U^S` (unequal variation) and `U^C` (unequal covariation) of those three
//!   terms, which sum to 1. Large `U^M` or `U^S` indicate systematic error; error concentrated
//!   in `U^C` is unsystematic (noise, or point-by-point timing).

use serde::{Deserialize, Serialize};

/// Fit statistics of one series.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FitStats {
    pub n: usize,
    pub rmse: f64,
    /// Mean absolute percent error (%); NaN when every actual value is 0.
    pub mape: f64,
    /// Squared correlation of simulated and actual.
    pub r2: f64,
    /// Theil's inequality coefficient U₁.
    pub theil_u: f64,
    /// Bias fraction of MSE.
    pub theil_um: f64,
    /// Unequal-variation fraction of MSE.
    pub theil_us: f64,
    /// Unequal-covariation fraction of MSE.
    pub theil_uc: f64,
}

/// Statistics of `simulated` against `actual` (same length, at least 2 points).
///
/// ```
/// use pressure_calibrate::fitstats::fit_stats;
/// // A pure bias: every simulated value is 1 above the actual one.
/// let a = [1.0, 2.0, 3.0, 4.0];
/// let s = [2.0, 3.0, 4.0, 5.0];
/// let f = fit_stats(&s, &a).unwrap();
/// assert!((f.rmse - 1.0).abs() < 1e-15);
/// assert!((f.theil_um - 1.0).abs() < 1e-12 && f.theil_us.abs() < 1e-12);
/// ```
pub fn fit_stats(simulated: &[f64], actual: &[f64]) -> Option<FitStats> {
    let n = simulated.len();
    if n < 2 || actual.len() != n {
        return None;
    }
    let nf = n as f64;
    let ms = simulated.iter().sum::<f64>() / nf;
    let ma = actual.iter().sum::<f64>() / nf;
    let (mut sss, mut saa, mut ssa, mut mse, mut ape, mut n_ape) =
        (0.0, 0.0, 0.0, 0.0, 0.0, 0usize);
    for (s, a) in simulated.iter().zip(actual) {
        sss += (s - ms) * (s - ms);
        saa += (a - ma) * (a - ma);
        ssa += (s - ms) * (a - ma);
        mse += (s - a) * (s - a);
        if *a != 0.0 {
            ape += ((s - a) / a).abs();
            n_ape += 1;
        }
    }
    mse /= nf;
    let (sd_s, sd_a) = ((sss / nf).sqrt(), (saa / nf).sqrt());
    let r = if sd_s > 0.0 && sd_a > 0.0 {
        ssa / nf / (sd_s * sd_a)
    } else {
        f64::NAN
    };
    let bias2 = (ms - ma) * (ms - ma);
    let var_term = (sd_s - sd_a) * (sd_s - sd_a);
    let cov_term = 2.0 * (1.0 - if r.is_nan() { 0.0 } else { r }) * sd_s * sd_a;
    // The three terms sum to MSE exactly in exact arithmetic; normalise by their sum so the
    // fractions add to 1 despite rounding.
    let total = bias2 + var_term + cov_term;
    let (um, us, uc) = if total > 0.0 {
        (bias2 / total, var_term / total, cov_term / total)
    } else {
        (0.0, 0.0, 0.0)
    };
    let rms_s = (simulated.iter().map(|v| v * v).sum::<f64>() / nf).sqrt();
    let rms_a = (actual.iter().map(|v| v * v).sum::<f64>() / nf).sqrt();
    let denom = rms_s + rms_a;
    Some(FitStats {
        n,
        rmse: mse.sqrt(),
        mape: if n_ape > 0 {
            100.0 * ape / n_ape as f64
        } else {
            f64::NAN
        },
        r2: r * r,
        theil_u: if denom > 0.0 { mse.sqrt() / denom } else { 0.0 },
        theil_um: um,
        theil_us: us,
        theil_uc: uc,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decomposition_sums_to_mse_and_separates_error_kinds() {
        let a: Vec<f64> = (0..50)
            .map(|i| (i as f64 * 0.3).sin() * 10.0 + 20.0)
            .collect();
        // Scaled amplitude only: error is unequal variation (plus nothing else).
        let mean = a.iter().sum::<f64>() / 50.0;
        let s: Vec<f64> = a.iter().map(|v| mean + 1.5 * (v - mean)).collect();
        let f = fit_stats(&s, &a).unwrap();
        assert!(
            (f.theil_us - 1.0).abs() < 1e-9 && f.theil_um < 1e-9 && f.theil_uc < 1e-9,
            "{f:?}"
        );
        assert!((f.r2 - 1.0).abs() < 1e-12);
        // A phase shift: error is in covariation.
        let shifted: Vec<f64> = (0..50)
            .map(|i| ((i as f64 + 2.0) * 0.3).sin() * 10.0 + 20.0)
            .collect();
        let g = fit_stats(&shifted, &a).unwrap();
        assert!(g.theil_uc > 0.9, "{g:?}");
        // MSE identity, computed independently.
        let mse: f64 = shifted
            .iter()
            .zip(&a)
            .map(|(s, a)| (s - a).powi(2))
            .sum::<f64>()
            / 50.0;
        assert!((g.rmse * g.rmse - mse).abs() < 1e-12);
        assert!((g.theil_um + g.theil_us + g.theil_uc - 1.0).abs() < 1e-12);
        // MAPE by hand for a tiny case.
        let h = fit_stats(&[1.1, 1.8], &[1.0, 2.0]).unwrap();
        assert!((h.mape - 10.0).abs() < 1e-12);
    }

    #[test]
    fn perfect_fit_and_bad_input() {
        let a = [1.0, 2.0, 4.0];
        let f = fit_stats(&a, &a).unwrap();
        assert_eq!((f.rmse, f.theil_u, f.mape), (0.0, 0.0, 0.0));
        assert!(fit_stats(&[1.0], &[1.0]).is_none());
        assert!(fit_stats(&[1.0, 2.0], &[1.0]).is_none());
    }
}
