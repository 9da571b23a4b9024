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
//!
//! U₁ measures how far one series is from another but **does not rank forecasts**: it divides
//! the RMSE by the size of the predictions, so a forecast with smaller predictions can have the
//! higher U₁ and the smaller RMSE. To compare a model with a benchmark on the same observations
//! use the forecast-evaluation statistics below:
//!
//! * [`rmse_ratio`]: RMSE of the model over RMSE of the benchmark (Theil's U₂ when the
//!   benchmark is the random walk; below 1 the model is the better point forecast).
//! * [`diebold_mariano_hln`]: the Diebold–Mariano (1995) test of equal squared-error loss with
//!   the Harvey, Leybourne & Newbold (1997) small-sample correction and a Student t(n − 1)
//!   p-value.
//! * [`crps_ensemble`] and [`pit`]: the continuous ranked probability score and the
//!   probability integral transform of an observation under a predictive distribution given by
//!   draws (Gneiting & Raftery 2007; a point forecast's CRPS is its absolute error).

use serde::{Deserialize, Serialize};
use statrs::distribution::{ContinuousCDF, StudentsT};

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

/// Root mean squared error of `pred` against `obs` (same length, at least one point, all
/// finite); `None` otherwise.
pub fn rmse(pred: &[f64], obs: &[f64]) -> Option<f64> {
    if pred.is_empty() || pred.len() != obs.len() {
        return None;
    }
    let mut sum = 0.0;
    for (p, o) in pred.iter().zip(obs) {
        let e = p - o;
        if !e.is_finite() {
            return None;
        }
        sum += e * e;
    }
    Some((sum / pred.len() as f64).sqrt())
}

/// RMSE of the model's predictions over the benchmark's, on the same observations: below 1 the
/// model is the better point forecast. With the random walk as the benchmark this is Theil's
/// U₂. `None` when either RMSE is undefined or the benchmark's is 0.
///
/// ```
/// use pressure_calibrate::fitstats::rmse_ratio;
/// let obs = [1.0, 2.0, 3.0];
/// // model errors 1, 0, 1 (RMSE √(2/3)); benchmark errors 2, 2, 2 (RMSE 2)
/// let r = rmse_ratio(&[2.0, 2.0, 4.0], &[3.0, 4.0, 5.0], &obs).unwrap();
/// assert!((r - (2.0f64 / 3.0).sqrt() / 2.0).abs() < 1e-15);
/// ```
pub fn rmse_ratio(model: &[f64], benchmark: &[f64], obs: &[f64]) -> Option<f64> {
    let (m, b) = (rmse(model, obs)?, rmse(benchmark, obs)?);
    (b > 0.0).then(|| m / b)
}

/// A Diebold–Mariano test of equal squared-error loss, with the Harvey–Leybourne–Newbold
/// small-sample correction.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct DieboldMariano {
    /// Number of loss differentials.
    pub n: usize,
    /// Forecast horizon `h` (the long-run variance uses autocovariances up to lag `h − 1`).
    pub horizon: usize,
    /// Mean of `d_t = e_model,t² − e_benchmark,t²`: negative when the model's squared errors
    /// are smaller.
    pub mean_loss_differential: f64,
    /// The corrected statistic `DM* = DM · √((n + 1 − 2h + h(h − 1)/n) / n)`; negative favours
    /// the model.
    pub statistic: f64,
    /// Two-sided p-value of `DM*` under Student t with `n − 1` degrees of freedom.
    pub p_value: f64,
}

/// The modified Diebold–Mariano test (Harvey, Leybourne & Newbold 1997, "Testing the equality
/// of prediction mean squared errors", Int. J. Forecasting 13:281–291) of the model's errors
/// against a benchmark's at forecast horizon `horizon` (1 for one-step-ahead forecasts).
///
/// `d_t = e_m,t² − e_b,t²`, `d̄` its mean, `γ_k = (1/n) Σ_{t>k} (d_t − d̄)(d_{t−k} − d̄)`,
/// `DM = d̄ / √((γ₀ + 2 Σ_{k=1}^{h−1} γ_k) / n)`, `DM* = DM · √((n + 1 − 2h + h(h − 1)/n) / n)`,
/// p-value `2 P(T_{n−1} > |DM*|)`. `None` with fewer than 3 differentials, errors of different
/// lengths or not finite, `horizon` 0 or not below `n`, or a long-run variance that is not
/// positive (identical losses, or a negative estimate at `h > 1`).
///
/// ```
/// use pressure_calibrate::fitstats::diebold_mariano_hln;
/// // d = 1 − 4, 0 − 4, 4 − 1, 1 − 9 = −3, −4, 3, −8: mean −3, γ₀ = (0 + 1 + 36 + 25)/4
/// let dm = diebold_mariano_hln(&[1.0, 0.0, 2.0, 1.0], &[2.0, -2.0, 1.0, 3.0], 1).unwrap();
/// let expected = -3.0 / (15.5f64 / 4.0).sqrt() * (3.0f64 / 4.0).sqrt();
/// assert!((dm.statistic - expected).abs() < 1e-12);
/// assert!(dm.p_value > 0.2 && dm.p_value < 0.35); // t(3): about 0.28
/// ```
pub fn diebold_mariano_hln(
    model_errors: &[f64],
    benchmark_errors: &[f64],
    horizon: usize,
) -> Option<DieboldMariano> {
    let n = model_errors.len();
    if n < 3 || benchmark_errors.len() != n || horizon == 0 || horizon >= n {
        return None;
    }
    let d: Vec<f64> = model_errors
        .iter()
        .zip(benchmark_errors)
        .map(|(m, b)| m * m - b * b)
        .collect();
    if d.iter().any(|v| !v.is_finite()) {
        return None;
    }
    let nf = n as f64;
    let mean = d.iter().sum::<f64>() / nf;
    let gamma = |k: usize| -> f64 {
        (k..n)
            .map(|t| (d[t] - mean) * (d[t - k] - mean))
            .sum::<f64>()
            / nf
    };
    let long_run = gamma(0) + 2.0 * (1..horizon).map(gamma).sum::<f64>();
    // Identical losses up to rounding: no test.
    let scale = d.iter().map(|v| v.abs()).fold(0.0, f64::max);
    if long_run <= 1e-24 * scale * scale || long_run <= 0.0 {
        return None;
    }
    let dm = mean / (long_run / nf).sqrt();
    let h = horizon as f64;
    let correction = ((nf + 1.0 - 2.0 * h + h * (h - 1.0) / nf) / nf).sqrt();
    let statistic = dm * correction;
    let t = StudentsT::new(0.0, 1.0, nf - 1.0).ok()?;
    let p_value = (2.0 * t.sf(statistic.abs())).min(1.0);
    Some(DieboldMariano {
        n,
        horizon,
        mean_loss_differential: mean,
        statistic,
        p_value,
    })
}

/// The continuous ranked probability score of observation `y` under the empirical distribution
/// of `draws`: `CRPS = E|X − y| − ½ E|X − X′|` (Gneiting & Raftery 2007, eq. 20), computed from
/// the sorted draws in O(m log m). In the unit of `y`; 0 for a point mass at `y`; for a single
/// draw it is the absolute error, so a point forecast's CRPS is comparable with it. Non-finite
/// draws are ignored; `None` without a finite draw or with `y` not finite.
///
/// ```
/// use pressure_calibrate::fitstats::crps_ensemble;
/// // draws 0 and 2, y = 0: E|X − y| = 1, E|X − X′| = (0 + 2 + 2 + 0)/4 = 1, CRPS = 0.5
/// assert_eq!(crps_ensemble(&[0.0, 2.0], 0.0), Some(0.5));
/// assert_eq!(crps_ensemble(&[3.0], 1.0), Some(2.0));
/// ```
pub fn crps_ensemble(draws: &[f64], y: f64) -> Option<f64> {
    if !y.is_finite() {
        return None;
    }
    let mut x: Vec<f64> = draws.iter().copied().filter(|v| v.is_finite()).collect();
    if x.is_empty() {
        return None;
    }
    x.sort_by(f64::total_cmp);
    let m = x.len() as f64;
    let abs_err = x.iter().map(|v| (v - y).abs()).sum::<f64>() / m;
    // Σ_i Σ_j |x_i − x_j| = 2 Σ_i (2i − m − 1) x_(i) for sorted x (1-based i).
    let spread = x
        .iter()
        .enumerate()
        .map(|(i, v)| (2.0 * (i as f64 + 1.0) - m - 1.0) * v)
        .sum::<f64>()
        * 2.0
        / (m * m);
    Some(abs_err - 0.5 * spread)
}

/// The probability integral transform of `y` under the empirical distribution of `draws`:
/// `(#{x < y} + ½ #{x = y}) / m`, in [0, 1]. Under a calibrated predictive distribution the PIT
/// values of the observations are uniform. `None` without a finite draw or with `y` not finite.
///
/// ```
/// use pressure_calibrate::fitstats::pit;
/// assert_eq!(pit(&[1.0, 2.0, 3.0, 4.0], 2.5), Some(0.5));
/// assert_eq!(pit(&[1.0, 2.0, 3.0, 4.0], 2.0), Some(0.375));
/// ```
pub fn pit(draws: &[f64], y: f64) -> Option<f64> {
    if !y.is_finite() {
        return None;
    }
    let (mut below, mut equal, mut m) = (0usize, 0usize, 0usize);
    for &v in draws.iter().filter(|v| v.is_finite()) {
        m += 1;
        if v < y {
            below += 1;
        } else if v == y {
            equal += 1;
        }
    }
    (m > 0).then(|| (below as f64 + 0.5 * equal as f64) / m as f64)
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

    /// Reference values from `benches/peers/forecast_compare.py` (numpy 2.4.6, scipy 1.17.1,
    /// run 2026-12-07), an implementation written from the papers' formulas.
    #[test]
    fn forecast_statistics_match_the_scipy_peer() {
        let obs = [3.1, -0.4, 2.7, 5.9, 1.2, -3.7, 4.4, 0.8];
        let model = [2.0, 0.5, 3.5, 4.1, 0.2, -1.0, 3.9, 1.9];
        let bench = [1.0, 3.1, -0.4, 2.7, 5.9, 1.2, -3.7, 4.4];
        let close = |a: f64, b: f64, tol: f64| (a - b).abs() <= tol * b.abs().max(1e-300);
        let r = rmse_ratio(&model, &bench, &obs).unwrap();
        assert!(close(r, 3.116029748688863e-01, 1e-13), "{r}");
        let em: Vec<f64> = model.iter().zip(&obs).map(|(m, o)| m - o).collect();
        let eb: Vec<f64> = bench.iter().zip(&obs).map(|(m, o)| m - o).collect();
        for (h, stat, p) in [
            (1, -2.592361762874086e+00, 3.582135283773887e-02),
            (2, -2.371647306050122e+00, 4.948618451483618e-02),
            (3, -1.769541593386983e+00, 1.2011678112591e-1),
        ] {
            let dm = diebold_mariano_hln(&em, &eb, h).unwrap();
            assert!(close(dm.statistic, stat, 1e-12), "h={h}: {dm:?}");
            // statrs' Student t CDF (regularised incomplete beta) against scipy's.
            assert!(close(dm.p_value, p, 1e-8), "h={h}: {dm:?}");
            assert_eq!((dm.n, dm.horizon), (8, h));
        }
        let draws: Vec<f64> = (1..=40)
            .map(|i| (i as f64 * 0.7).sin() * 3.0 + 1.0)
            .collect();
        for (y, c, p) in [
            (0.3, 8.52072757452617e-1, 0.4),
            (2.5, 8.345881049139676e-01, 0.625),
            (7.0, 4.580676482800109e+00, 1.0),
        ] {
            assert!(close(crps_ensemble(&draws, y).unwrap(), c, 1e-12), "y={y}");
            assert_eq!(pit(&draws, y), Some(p));
        }
    }

    #[test]
    fn forecast_statistics_by_hand_and_on_bad_input() {
        // DM by hand: d = 0 − 1, 1 − 0, 0 − 4, 0 − 1 = −1, 1, −4, −1; mean −1.25;
        // γ₀ = (0.0625 + 5.0625 + 7.5625 + 0.0625)/4 = 3.1875; DM = −1.25/√(3.1875/4);
        // h = 1: DM* = DM·√(4/4 − ... ) = DM·√((4 + 1 − 2)/4).
        let dm = diebold_mariano_hln(&[0.0, 1.0, 0.0, 0.0], &[1.0, 0.0, 2.0, -1.0], 1).unwrap();
        let expected = -1.25 / (3.1875f64 / 4.0).sqrt() * 0.75f64.sqrt();
        assert!((dm.statistic - expected).abs() < 1e-14, "{dm:?}");
        assert!((dm.mean_loss_differential + 1.25).abs() < 1e-15);
        // Swapping model and benchmark flips the sign, keeps the p-value.
        let back = diebold_mariano_hln(&[1.0, 0.0, 2.0, -1.0], &[0.0, 1.0, 0.0, 0.0], 1).unwrap();
        assert!((back.statistic + dm.statistic).abs() < 1e-14);
        assert!((back.p_value - dm.p_value).abs() < 1e-14);
        // Equal losses (a forecast against itself), too short, horizon out of range, NaN.
        assert!(diebold_mariano_hln(&[1.0, -2.0, 3.0], &[-1.0, 2.0, -3.0], 1).is_none());
        assert!(diebold_mariano_hln(&[1.0, 2.0], &[0.0, 0.0], 1).is_none());
        assert!(diebold_mariano_hln(&[1.0, 2.0, 3.0], &[0.0, 0.0, 0.0], 3).is_none());
        assert!(diebold_mariano_hln(&[1.0, 2.0, 3.0], &[0.0, 0.0, 0.0], 0).is_none());
        assert!(diebold_mariano_hln(&[1.0, f64::NAN, 3.0], &[0.0, 0.0, 0.0], 1).is_none());
        // A random walk benchmark: the ratio is Theil's U₂.
        assert_eq!(rmse_ratio(&[1.0, 2.0], &[1.0, 2.0], &[1.0, 2.0]), None);
        assert_eq!(rmse(&[1.0, 5.0], &[1.0, 2.0]), Some((4.5f64).sqrt()));
        assert_eq!(rmse(&[], &[]), None);
        // CRPS: a point mass is the absolute error; it is never negative; PIT of a miss.
        assert_eq!(crps_ensemble(&[2.0, 2.0, 2.0], 5.0), Some(3.0));
        assert_eq!(crps_ensemble(&[f64::NAN], 5.0), None);
        assert_eq!(pit(&[1.0, 2.0], -1.0), Some(0.0));
        assert_eq!(pit(&[], 1.0), None);
        // CRPS of a uniform ensemble on [0, 1] at its centre: E|X − ½| = ¼, E|X − X′| = ⅓
        // (large m): ¼ − ⅙ = 1/12.
        let u: Vec<f64> = (0..2000).map(|i| (i as f64 + 0.5) / 2000.0).collect();
        assert!((crps_ensemble(&u, 0.5).unwrap() - 1.0 / 12.0).abs() < 1e-6);
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
