//! Validation of a calibration: the model's fit against naive benchmarks, and forecasts of a
//! holdout period.
//!
//! **In the window** (per episode and series, on the series' measure) the model at the
//! estimate is scored against three benchmarks on the same observations — those whose previous
//! period is in the table (for the first year of a window, the year before it):
//!
//! * a **random walk**: each observation predicted by the table's value of the period before;
//! * an **AR(1)** `y_t = a + b y_{t−1}` fitted by least squares to the window's pairs,
//!   predicting one step ahead;
//! * an **ARX** `y_t = a + b y_{t−1} + Σ_j c_j x_{j,t}` with the episode's exogenous data
//!   drivers (the same series the model is given, e.g. the oil price): `x_{j,t}` is 100 × the
//!   log change of the driver's mean over the observation's period from the period before (log
//!   points; for an annual driver and a monthly series, the value of the year the month is in).
//!   Fitted only with at least three more pairs than coefficients; a driver with `arx = false`
//!   in the episode's `exogenous` is left out of it (the model still gets it).
//!
//! The benchmarks see the previous observation, the model does not: it runs from its own
//! initial state. But the model's parameters are fitted to the same observations, so the
//! in-window comparison is in-sample for all of them. Statistics (see
//! [`fitstats`](crate::fitstats)): RMSE of each; the **RMSE ratio** model/benchmark (Theil's U₂
//! for the random walk; below 1 the model is the better point forecast), which ranks forecasts;
//! the **modified Diebold–Mariano test** of equal squared-error loss (Harvey, Leybourne &
//! Newbold 1997; horizon 1, Student t(n − 1) p-value, two-sided; negative statistic favours the
//! model); and Theil's U₁ (kept for comparison with earlier reports: it does not rank forecasts).
//!
//! **Holdout** (`holdout` of an `[[episode]]`): the posterior predictive distribution at each
//! holdout date: for every posterior draw the model's value plus an observation error drawn
//! from the series' error model with `σ² = σ̂² n / χ²_n` (σ̂ the estimate's residual scale on
//! the comparison scale from `n` observations — all the observations of its σ group when
//! `share_sigma` pools episodes: the posterior of σ² under the Jeffreys prior given the
//! estimate's residuals, with the fitted parameters' degrees of freedom not subtracted, so the
//! band is slightly narrow for short series; a known σ is used as given). **The model's
//! forecasts are conditional on the realised exogenous drivers** (the recorded oil price, and
//! for Iran the official rate, through the holdout) and on the sanction timeline; the random
//! walk (the window's last observation held flat) and the AR(1) (iterated forward) are not; the
//! ARX is given the same realised drivers (iterated forward on its own predictions). Per
//! series: coverage of the central `level` interval, RMSE of the median forecast and its ratio
//! to each benchmark's, the mean CRPS of the predictive draws against the benchmarks' mean
//! absolute error (a point forecast's CRPS), and per holdout date the PIT value. No
//! Diebold–Mariano test is given for the holdout: the forecasts are multi-step paths from one
//! origin (horizons 1 … n), whose loss differentials are serially correlated in a way a test
//! with n = 4 annual points cannot estimate.

use super::paths::{paths_at, posterior_draws, quantile, DrawSource};
use super::report::CalibrationReport;
use super::Experiment;
use crate::error::CalibrateError;
use crate::fitstats::{crps_ensemble, diebold_mariano_hln, fit_stats, pit, rmse, rmse_ratio};
use crate::objective::ErrorModel;
use pressure_data::align::ObsDate;
use pressure_data::episode::EpisodeSeries;
use pressure_stats::rng_for;
use rand_distr::{ChiSquared, Distribution as _, StandardNormal};
use std::fmt::Write as _;

/// Random stream of the predictive noise.
pub const STREAM_PREDICTIVE: u64 = 0xca_0008;

/// A benchmark against which the model is scored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Benchmark {
    RandomWalk,
    Ar1,
    /// AR(1) with the episode's exogenous data drivers.
    Arx,
}

impl Benchmark {
    pub const ALL: [Benchmark; 3] = [Benchmark::RandomWalk, Benchmark::Ar1, Benchmark::Arx];

    /// Column prefix in `validation.csv`.
    pub fn name(self) -> &'static str {
        match self {
            Benchmark::RandomWalk => "random_walk",
            Benchmark::Ar1 => "ar1",
            Benchmark::Arx => "arx",
        }
    }
}

/// The model against one benchmark on the same observations (NaN where undefined: the
/// benchmark could not be fitted, or the test has too few points or identical losses).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BenchmarkScore {
    pub rmse: f64,
    /// Model RMSE / benchmark RMSE.
    pub rmse_ratio: f64,
    /// Harvey–Leybourne–Newbold modified Diebold–Mariano statistic (negative favours the
    /// model) and its two-sided t(n − 1) p-value; in the window only.
    pub dm_statistic: f64,
    pub dm_p_value: f64,
    pub theil_u1: f64,
    /// Holdout only: mean absolute error (the CRPS of a point forecast).
    pub crps: f64,
}

impl BenchmarkScore {
    const NAN: BenchmarkScore = BenchmarkScore {
        rmse: f64::NAN,
        rmse_ratio: f64::NAN,
        dm_statistic: f64::NAN,
        dm_p_value: f64::NAN,
        theil_u1: f64::NAN,
        crps: f64::NAN,
    };
}

/// One row of `validation.csv`.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidationRow {
    pub episode: String,
    pub series: String,
    pub unit: String,
    /// The exogenous data drivers the model and the ARX are given (model input names).
    pub drivers: Vec<String>,
    /// Observations scored in the window (with a previous period).
    pub n: usize,
    pub model_rmse: f64,
    pub model_u1: f64,
    /// In the window, in [`Benchmark::ALL`]'s order.
    pub benchmarks: [BenchmarkScore; 3],
    pub holdout_n: usize,
    /// Share of holdout observations inside the predictive interval (NaN without holdout).
    pub holdout_coverage: f64,
    pub holdout_model_rmse: f64,
    pub holdout_model_u1: f64,
    /// Mean CRPS of the predictive draws over the holdout dates.
    pub holdout_model_crps: f64,
    /// Mean PIT of the holdout observations (0.5 expected under calibration).
    pub holdout_mean_pit: f64,
    pub holdout_benchmarks: [BenchmarkScore; 3],
}

impl ValidationRow {
    /// The in-window score against `b`.
    pub fn against(&self, b: Benchmark) -> &BenchmarkScore {
        &self.benchmarks[b as usize]
    }

    /// The holdout score against `b`.
    pub fn holdout_against(&self, b: Benchmark) -> &BenchmarkScore {
        &self.holdout_benchmarks[b as usize]
    }
}

/// One holdout forecast.
#[derive(Debug, Clone, PartialEq)]
pub struct HoldoutRow {
    pub episode: String,
    pub series: String,
    pub unit: String,
    pub date: String,
    pub observed: f64,
    pub median: f64,
    pub lower: f64,
    pub upper: f64,
    /// Probability integral transform of the observation under the predictive draws.
    pub pit: f64,
    /// CRPS of the predictive draws at the observation (the series' unit).
    pub crps: f64,
}

#[derive(Debug, Clone)]
pub struct ValidationReport {
    pub level: f64,
    pub source: DrawSource,
    pub draws: usize,
    pub rows: Vec<ValidationRow>,
    pub holdout: Vec<HoldoutRow>,
}

/// Least-squares AR(1) `y = a + b x` on pairs; `None` with fewer than three pairs or no
/// variation in `x`.
pub fn ar1_fit(pairs: &[(f64, f64)]) -> Option<(f64, f64)> {
    let n = pairs.len() as f64;
    if pairs.len() < 3 {
        return None;
    }
    let mx = pairs.iter().map(|p| p.0).sum::<f64>() / n;
    let my = pairs.iter().map(|p| p.1).sum::<f64>() / n;
    let sxx: f64 = pairs.iter().map(|p| (p.0 - mx).powi(2)).sum();
    if sxx <= 0.0 {
        return None;
    }
    let sxy: f64 = pairs.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
    let b = sxy / sxx;
    Some((my - b * mx, b))
}

/// Least-squares ARX `y = a + b y_prev + Σ_j c_j x_j`: coefficients `[a, b, c_1, …]` from
/// rows `(y_prev, x, y)`. `None` with fewer than `k + 3` rows (k coefficients: at least three
/// residual degrees of freedom), non-finite values, or collinear regressors.
pub fn arx_fit(rows: &[(f64, Vec<f64>, f64)]) -> Option<Vec<f64>> {
    let k = 2 + rows.first()?.1.len();
    if rows.len() < k + 3 {
        return None;
    }
    let regressors = |r: &(f64, Vec<f64>, f64)| -> Vec<f64> {
        let mut z = vec![1.0, r.0];
        z.extend_from_slice(&r.1);
        z
    };
    // Normal equations on centred-and-scaled columns would be better conditioned; with k ≤ 4
    // regressors of similar magnitude the Cholesky of X'X is accurate enough, and a (near)
    // zero pivot is reported as collinearity.
    let (mut xtx, mut xty) = (vec![0.0; k * k], vec![0.0; k]);
    for r in rows {
        let z = regressors(r);
        if z.len() != k || z.iter().chain([&r.2]).any(|v| !v.is_finite()) {
            return None;
        }
        for i in 0..k {
            xty[i] += z[i] * r.2;
            for j in 0..k {
                xtx[i * k + j] += z[i] * z[j];
            }
        }
    }
    let l = super::paths::cholesky_lower(&xtx, k);
    for i in 0..k {
        if l[i * k + i] <= 1e-9 * xtx[i * k + i].sqrt().max(1e-300) {
            return None;
        }
    }
    // Solve L L' β = X'y.
    let mut w = vec![0.0; k];
    for i in 0..k {
        w[i] = (xty[i] - (0..i).map(|j| l[i * k + j] * w[j]).sum::<f64>()) / l[i * k + i];
    }
    let mut beta = vec![0.0; k];
    for i in (0..k).rev() {
        beta[i] = (w[i] - (i + 1..k).map(|j| l[j * k + i] * beta[j]).sum::<f64>()) / l[i * k + i];
    }
    Some(beta)
}

fn arx_predict(beta: &[f64], y_prev: f64, x: &[f64]) -> f64 {
    beta[0] + beta[1] * y_prev + beta[2..].iter().zip(x).map(|(c, v)| c * v).sum::<f64>()
}

/// Mean of a driver over the period of `d`: the mean of its observations whose period's
/// midpoint lies in `d`'s period, or (a driver coarser than the series) the observation whose
/// period contains `d`'s midpoint. `None` when neither is observed.
fn driver_mean(driver: &EpisodeSeries, d: ObsDate) -> Option<f64> {
    let (a, b) = d.period();
    let (mut sum, mut count) = (0.0, 0usize);
    for (od, v) in driver.dates().iter().zip(driver.values()) {
        let (p, q) = od.period();
        let mid = 0.5 * (p + q);
        if v.is_finite() && a <= mid && mid < b {
            sum += v;
            count += 1;
        }
    }
    if count > 0 {
        return Some(sum / count as f64);
    }
    let mid = 0.5 * (a + b);
    driver
        .dates()
        .iter()
        .zip(driver.values())
        .find(|(od, v)| {
            let (p, q) = od.period();
            v.is_finite() && p <= mid && mid < q
        })
        .map(|(_, v)| *v)
}

/// The ARX regressors at observation date `d`: 100 × ln(mean_t / mean_{t−1}) of each driver
/// (log points). `None` when a driver is missing or not positive in either period.
fn driver_changes(drivers: &[(String, EpisodeSeries, bool)], d: ObsDate) -> Option<Vec<f64>> {
    let prev = super::mapping::previous(d)?;
    drivers
        .iter()
        .filter(|(_, _, arx)| *arx)
        .map(|(_, s, _)| {
            let (now, before) = (driver_mean(s, d)?, driver_mean(s, prev)?);
            (now > 0.0 && before > 0.0).then(|| 100.0 * (now / before).ln())
        })
        .collect()
}

fn theil(pred: &[f64], obs: &[f64]) -> f64 {
    fit_stats(pred, obs).map_or(f64::NAN, |s| s.theil_u)
}

fn errors(pred: &[f64], obs: &[f64]) -> Vec<f64> {
    pred.iter().zip(obs).map(|(p, o)| p - o).collect()
}

/// The model's predictions against one benchmark's (`None`: not available).
fn score(model: &[f64], bench: Option<&[f64]>, obs: &[f64], test: bool) -> BenchmarkScore {
    let Some(bench) = bench else {
        return BenchmarkScore::NAN;
    };
    let dm = if test {
        diebold_mariano_hln(&errors(model, obs), &errors(bench, obs), 1)
    } else {
        None
    };
    let n = obs.len().max(1) as f64;
    BenchmarkScore {
        rmse: rmse(bench, obs).unwrap_or(f64::NAN),
        rmse_ratio: rmse_ratio(model, bench, obs).unwrap_or(f64::NAN),
        dm_statistic: dm.map_or(f64::NAN, |d| d.statistic),
        dm_p_value: dm.map_or(f64::NAN, |d| d.p_value),
        theil_u1: theil(bench, obs),
        crps: if test {
            f64::NAN
        } else {
            errors(bench, obs).iter().map(|e| e.abs()).sum::<f64>() / n
        },
    }
}

/// One mapping's in-window row (holdout columns NaN) and the benchmarks fitted in the window.
fn window_row(
    e: &super::EpisodeSetup,
    m: &super::mapping::MappingSetup,
    observed: &[f64],
    model_values: &[f64],
) -> (ValidationRow, Option<(f64, f64)>, Option<Vec<f64>>) {
    // (the AR(1) coefficients (a, b) and the ARX coefficients, for the holdout)
    // In the window.
    let (mut obs, mut model, mut rw, mut pairs, mut arx_rows) =
        (vec![], vec![], vec![], vec![], vec![]);
    let mut arx_complete = true;
    for (k, prev) in m.previous_observed.iter().enumerate() {
        if let Some(p) = prev {
            obs.push(observed[k]);
            model.push(model_values[k]);
            rw.push(*p);
            pairs.push((*p, observed[k]));
            match driver_changes(&e.drivers, m.dates[k]) {
                Some(x) => arx_rows.push((*p, x, observed[k])),
                None => arx_complete = false,
            }
        }
    }
    let ar = ar1_fit(&pairs);
    let ar_pred: Option<Vec<f64>> = ar.map(|(a, b)| pairs.iter().map(|(x, _)| a + b * x).collect());
    // The ARX needs the drivers at every scored observation (same observations).
    let arx = (e.drivers.iter().any(|d| d.2) && arx_complete)
        .then(|| arx_fit(&arx_rows))
        .flatten();
    let arx_pred: Option<Vec<f64>> = arx.as_ref().map(|beta| {
        arx_rows
            .iter()
            .map(|(yp, x, _)| arx_predict(beta, *yp, x))
            .collect()
    });
    let row = ValidationRow {
        episode: e.id.clone(),
        series: m.series.clone(),
        unit: m.unit.clone(),
        drivers: e.drivers.iter().map(|(t, _, _)| t.clone()).collect(),
        n: obs.len(),
        model_rmse: rmse(&model, &obs).unwrap_or(f64::NAN),
        model_u1: theil(&model, &obs),
        benchmarks: [
            score(&model, Some(&rw), &obs, true),
            score(&model, ar_pred.as_deref(), &obs, true),
            score(&model, arx_pred.as_deref(), &obs, true),
        ],
        holdout_n: m.holdout_dates.len(),
        holdout_coverage: f64::NAN,
        holdout_model_rmse: f64::NAN,
        holdout_model_u1: f64::NAN,
        holdout_model_crps: f64::NAN,
        holdout_mean_pit: f64::NAN,
        holdout_benchmarks: [BenchmarkScore::NAN; 3],
    };
    (row, ar, arx)
}

/// One series' fit in the window, for [`window_validation`]: observed and model values at every
/// observation of the mapping (the rows of `fit.csv` of one episode and series, in order).
#[derive(Debug, Clone, Copy)]
pub struct WindowFit<'a> {
    pub episode: &'a str,
    pub series: &'a str,
    pub observed: &'a [f64],
    pub model: &'a [f64],
}

/// The in-window validation rows (holdout columns empty) of a fit given as its series — for
/// instance read back from a run's `fit.csv` — without running the model: one [`WindowFit`] per
/// mapping of `exp`, in the experiment's order (an error otherwise).
pub fn window_validation(
    exp: &Experiment,
    fits: &[WindowFit<'_>],
) -> Result<Vec<ValidationRow>, CalibrateError> {
    check_fits_match(exp, fits)?;
    let mut rows = Vec::new();
    let mut k = 0;
    for e in &exp.episodes {
        for m in &e.mappings {
            rows.push(window_row(e, m, fits[k].observed, fits[k].model).0);
            k += 1;
        }
    }
    Ok(rows)
}

/// The benchmarks in the window and, with a holdout, the forecasts.
/// The report must come from `exp`: one fit per mapping, in the experiment's order, with
/// the episode and series it names (a report of another experiment is an error, not a panic).
pub(crate) fn check_report_matches(
    exp: &Experiment,
    report: &CalibrationReport,
) -> Result<(), CalibrateError> {
    let fits: Vec<WindowFit<'_>> = report
        .fit
        .iter()
        .map(|f| WindowFit {
            episode: &f.episode,
            series: &f.series,
            observed: &f.observed,
            model: &f.model,
        })
        .collect();
    check_fits_match(exp, &fits)
}

fn check_fits_match(exp: &Experiment, fits: &[WindowFit<'_>]) -> Result<(), CalibrateError> {
    let expected: Vec<(&str, &super::mapping::MappingSetup)> = exp
        .episodes
        .iter()
        .flat_map(|e| e.mappings.iter().map(move |m| (e.id.as_str(), m)))
        .collect();
    if expected.len() != fits.len() {
        return Err(CalibrateError::invalid(format!(
            "the calibration report has {} fitted series but the experiment maps {}: the report comes from another experiment",
            fits.len(),
            expected.len()
        )));
    }
    for ((episode, m), fit) in expected.iter().zip(fits) {
        let n = m.previous_observed.len();
        if fit.episode != *episode
            || fit.series != m.series
            || fit.observed.len() != n
            || fit.model.len() != n
        {
            return Err(CalibrateError::invalid(format!(
                "the calibration report's series `{}` of episode `{}` ({} observations) does not match the experiment's `{}` of `{episode}` ({n}): the report comes from another experiment",
                fit.series,
                fit.episode,
                fit.observed.len(),
                m.series
            )));
        }
    }
    Ok(())
}

pub fn validate(
    exp: &Experiment,
    report: &CalibrationReport,
    max_draws: usize,
    level: f64,
    seed: u64,
) -> Result<ValidationReport, CalibrateError> {
    check_report_matches(exp, report)?;
    // Observations behind each estimated σ: a `share_sigma` group pools every episode's.
    let groups = exp.sigma_groups();
    let mut group_n = vec![0usize; groups.len()];
    for (g, fit) in groups.iter().zip(&report.fit) {
        group_n[*g] += fit.observed.len();
    }
    let has_holdout = exp
        .episodes
        .iter()
        .any(|e| e.mappings.iter().any(|m| !m.holdout_dates.is_empty()));
    let (paths, source) = if has_holdout {
        let (draws, source) = posterior_draws(report, exp, max_draws, seed)?;
        (paths_at(exp, &draws)?.0, source)
    } else {
        (Vec::new(), DrawSource::Estimate)
    };
    let (qlo, qhi) = (0.5 - level / 2.0, 0.5 + level / 2.0);
    let mut rows = Vec::new();
    let mut holdout = Vec::new();
    let mut fit_index = 0;
    for (ei, e) in exp.episodes.iter().enumerate() {
        for (mi, m) in e.mappings.iter().enumerate() {
            let fit = &report.fit[fit_index];
            fit_index += 1;
            let (mut row, ar, arx) = window_row(e, m, &fit.observed, &fit.model);
            // Holdout.
            if !m.holdout_dates.is_empty() && !paths.is_empty() {
                let n_fit = group_n[groups[fit_index - 1]] as f64;
                let sigma_known = match m.error {
                    ErrorModel::Normal { sigma } | ErrorModel::LogNormal { sigma } => sigma,
                    ErrorModel::StudentT { sigma, .. } => sigma,
                    ErrorModel::Weighted { .. } => None,
                };
                let log_scale = matches!(m.error, ErrorModel::LogNormal { .. });
                let chi = ChiSquared::new(n_fit).ok();
                let mut inside = 0;
                let (mut medians, mut crps, mut pits) = (vec![], vec![], vec![]);
                for (k, date) in m.holdout_dates.iter().enumerate() {
                    let mut draws = Vec::with_capacity(paths.len());
                    for (di, p) in paths.iter().enumerate() {
                        let v = p[ei][mi].holdout[k];
                        let mut rng = rng_for(
                            seed,
                            STREAM_PREDICTIVE,
                            ((fit_index as u64) << 40) | ((k as u64) << 20) | di as u64,
                        );
                        let sigma = match (sigma_known, &chi) {
                            (Some(s), _) => s,
                            (None, Some(c)) => fit.sigma * (n_fit / c.sample(&mut rng)).sqrt(),
                            (None, None) => fit.sigma,
                        };
                        let e: f64 = StandardNormal.sample(&mut rng);
                        // Noise on the comparison scale of the transform and error model.
                        let z = match m.transform.apply(v, &m.unit) {
                            Some(z) => z,
                            None => continue,
                        };
                        let y = if log_scale {
                            m.transform.invert(z, &m.unit) * (sigma * e).exp()
                        } else {
                            m.transform.invert(z + sigma * e, &m.unit)
                        };
                        draws.push(y);
                    }
                    let med = quantile(&mut draws.clone(), 0.5);
                    let lo = quantile(&mut draws.clone(), qlo);
                    let hi = quantile(&mut draws.clone(), qhi);
                    let o = m.holdout_observed[k];
                    if lo <= o && o <= hi {
                        inside += 1;
                    }
                    let (p, c) = (
                        pit(&draws, o).unwrap_or(f64::NAN),
                        crps_ensemble(&draws, o).unwrap_or(f64::NAN),
                    );
                    medians.push(med);
                    pits.push(p);
                    crps.push(c);
                    holdout.push(HoldoutRow {
                        episode: e.id.clone(),
                        series: m.series.clone(),
                        unit: m.unit.clone(),
                        date: date.to_string(),
                        observed: o,
                        median: med,
                        lower: lo,
                        upper: hi,
                        pit: p,
                        crps: c,
                    });
                }
                let h = &m.holdout_observed;
                let hn = h.len() as f64;
                row.holdout_coverage = inside as f64 / hn;
                row.holdout_model_rmse = rmse(&medians, h).unwrap_or(f64::NAN);
                row.holdout_model_u1 = theil(&medians, h);
                row.holdout_model_crps = crps.iter().sum::<f64>() / hn;
                row.holdout_mean_pit = pits.iter().sum::<f64>() / hn;
                if let Some(&last) = fit.observed.last() {
                    let flat = vec![last; h.len()];
                    let iterate = |step: &dyn Fn(f64, usize) -> Option<f64>| -> Option<Vec<f64>> {
                        let mut y = last;
                        (0..h.len())
                            .map(|k| {
                                y = step(y, k)?;
                                Some(y)
                            })
                            .collect()
                    };
                    let ar_path = ar.and_then(|(a, b)| iterate(&|y, _| Some(a + b * y)));
                    // The ARX iterated on its own predictions with the realised drivers.
                    let arx_path = arx.as_ref().and_then(|beta| {
                        iterate(&|y, k| {
                            let x = driver_changes(&e.drivers, m.holdout_dates[k])?;
                            Some(arx_predict(beta, y, &x))
                        })
                    });
                    row.holdout_benchmarks = [
                        score(&medians, Some(&flat), h, false),
                        score(&medians, ar_path.as_deref(), h, false),
                        score(&medians, arx_path.as_deref(), h, false),
                    ];
                }
            }
            rows.push(row);
        }
    }
    Ok(ValidationReport {
        level,
        source,
        draws: paths.len(),
        rows,
        holdout,
    })
}

fn num(v: f64) -> String {
    if v.is_finite() {
        format!("{v}")
    } else {
        String::new()
    }
}

impl ValidationReport {
    /// `validation.csv`: one row per episode and series. Columns: `episode, series, unit`;
    /// `drivers` (the exogenous data drivers the model and the ARX are given, `;`-separated:
    /// the holdout forecasts are conditional on their realised values); `n`; in the window
    /// `model_rmse`, then per benchmark `b` in `random_walk, ar1, arx`: `b_rmse`,
    /// `rmse_ratio_b` (model / benchmark; below 1 the model is better; `rmse_ratio_random_walk`
    /// is Theil's U₂), `dm_b` and `dm_b_p` (modified Diebold–Mariano statistic, negative favours
    /// the model, and its two-sided t(n − 1) p-value); Theil's U₁ `model_theil_u1`,
    /// `b_theil_u1` (does not rank forecasts); then the holdout: `holdout_n`,
    /// `holdout_coverage` (share inside the central `level` band), `holdout_model_rmse`,
    /// `holdout_model_crps` (mean CRPS of the predictive draws), `holdout_mean_pit`, per
    /// benchmark `holdout_b_rmse`, `holdout_rmse_ratio_b`, `holdout_b_mae` (a point forecast's
    /// CRPS, comparable with `holdout_model_crps`); `holdout_model_theil_u1`; `level`. Units:
    /// RMSE, CRPS and MAE in `unit`. Empty: not defined (no holdout, benchmark not fitted, too
    /// few points, identical losses).
    pub fn csv(&self) -> String {
        let per = |f: &dyn Fn(&str) -> Vec<String>| -> Vec<String> {
            Benchmark::ALL.iter().flat_map(|b| f(b.name())).collect()
        };
        let mut header: Vec<String> = ["episode", "series", "unit", "drivers", "n", "model_rmse"]
            .map(String::from)
            .to_vec();
        header.extend(per(&|b| vec![format!("{b}_rmse")]));
        header.extend(per(&|b| vec![format!("rmse_ratio_{b}")]));
        header.extend(per(&|b| vec![format!("dm_{b}"), format!("dm_{b}_p")]));
        header.push("model_theil_u1".into());
        header.extend(per(&|b| vec![format!("{b}_theil_u1")]));
        header.extend(
            [
                "holdout_n",
                "holdout_coverage",
                "holdout_model_rmse",
                "holdout_model_crps",
                "holdout_mean_pit",
            ]
            .map(String::from),
        );
        header.extend(per(&|b| vec![format!("holdout_{b}_rmse")]));
        header.extend(per(&|b| vec![format!("holdout_rmse_ratio_{b}")]));
        header.extend(per(&|b| vec![format!("holdout_{b}_mae")]));
        header.push("holdout_model_theil_u1".into());
        header.push("level".into());
        let mut out = header.join(",") + "\n";
        let level = format!("{}%", (self.level * 100.0).round());
        for r in &self.rows {
            let mut line = format!(
                "{},{},{},{},{},{}",
                r.episode,
                r.series,
                r.unit,
                r.drivers.join(";"),
                r.n,
                num(r.model_rmse)
            );
            let b = &r.benchmarks;
            let hb = &r.holdout_benchmarks;
            let cols: Vec<f64> = b
                .iter()
                .map(|s| s.rmse)
                .chain(b.iter().map(|s| s.rmse_ratio))
                .chain(b.iter().flat_map(|s| [s.dm_statistic, s.dm_p_value]))
                .chain([r.model_u1])
                .chain(b.iter().map(|s| s.theil_u1))
                .collect();
            for v in cols {
                let _ = write!(line, ",{}", num(v));
            }
            let _ = write!(line, ",{}", r.holdout_n);
            let cols: Vec<f64> = [
                r.holdout_coverage,
                r.holdout_model_rmse,
                r.holdout_model_crps,
                r.holdout_mean_pit,
            ]
            .into_iter()
            .chain(hb.iter().map(|s| s.rmse))
            .chain(hb.iter().map(|s| s.rmse_ratio))
            .chain(hb.iter().map(|s| s.crps))
            .chain([r.holdout_model_u1])
            .collect();
            for v in cols {
                let _ = write!(line, ",{}", num(v));
            }
            let _ = writeln!(out, "{line},{level}");
        }
        out
    }

    /// `holdout.csv` (the fit-grid layout: observed, model, lower, upper), `None` without a
    /// holdout.
    pub fn holdout_csv(&self) -> Option<String> {
        if self.holdout.is_empty() {
            return None;
        }
        let mut out =
            String::from("episode,series,unit,date,observed,model,lower,upper,pit,crps,level\n");
        let level = format!("{}%", (self.level * 100.0).round());
        for h in &self.holdout {
            let _ = writeln!(
                out,
                "{},{},{},{},{},{},{},{},{},{},{level}",
                h.episode,
                h.series,
                h.unit,
                h.date,
                num(h.observed),
                num(h.median),
                num(h.lower),
                num(h.upper),
                num(h.pit),
                num(h.crps)
            );
        }
        Some(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ar1_recovers_an_exact_line() {
        let pairs: Vec<(f64, f64)> = (0..6).map(|i| (i as f64, 2.0 + 0.5 * i as f64)).collect();
        let (a, b) = ar1_fit(&pairs).unwrap();
        assert!((a - 2.0).abs() < 1e-12 && (b - 0.5).abs() < 1e-12);
        assert!(ar1_fit(&pairs[..2]).is_none());
        assert!(ar1_fit(&[(1.0, 2.0), (1.0, 3.0), (1.0, 4.0)]).is_none());
    }

    #[test]
    fn arx_recovers_exact_coefficients_and_rejects_collinear_drivers() {
        let rows: Vec<(f64, Vec<f64>, f64)> = (0..7)
            .map(|i| {
                let (yp, x1, x2) = (i as f64, (i as f64 * 0.9).sin(), (i * i) as f64 * 0.1);
                (yp, vec![x1, x2], 1.5 - 0.4 * yp + 2.0 * x1 - 0.7 * x2)
            })
            .collect();
        let beta = arx_fit(&rows).unwrap();
        for (b, t) in beta.iter().zip([1.5, -0.4, 2.0, -0.7]) {
            assert!((b - t).abs() < 1e-9, "{beta:?}");
        }
        // Too few rows for four coefficients (k + 3 = 7 needed).
        assert!(arx_fit(&rows[..6]).is_none());
        // A driver that is the lagged value itself.
        let collinear: Vec<(f64, Vec<f64>, f64)> =
            rows.iter().map(|r| (r.0, vec![2.0 * r.0], r.2)).collect();
        assert!(arx_fit(&collinear).is_none());
        // No driver: the AR(1).
        let pairs: Vec<(f64, f64)> = rows.iter().map(|r| (r.0, r.2)).collect();
        let plain: Vec<(f64, Vec<f64>, f64)> = pairs.iter().map(|p| (p.0, vec![], p.1)).collect();
        let (a, b) = ar1_fit(&pairs).unwrap();
        let beta = arx_fit(&plain).unwrap();
        assert!((beta[0] - a).abs() < 1e-9 && (beta[1] - b).abs() < 1e-9);
    }

    #[test]
    fn driver_changes_average_months_and_spread_years() {
        use pressure_data::episode::EpisodeData;
        // Monthly oil: 12 months of 2014 at 100, of 2015 at 50; annual rate 10 then 20.
        let mut csv = String::from("date,series,value,unit,frequency,source\n");
        for m in 1..=12 {
            csv.push_str(&format!("2014-{m:02},oil,100,usd_per_barrel,monthly,x\n"));
            csv.push_str(&format!("2015-{m:02},oil,50,usd_per_barrel,monthly,x\n"));
        }
        csv.push_str("2014,rate,10,IRR_per_USD,annual,x\n2015,rate,20,IRR_per_USD,annual,x\n");
        let d = EpisodeData::read_str(&csv, "t.csv").unwrap();
        let drivers = vec![
            (
                "oil_price".to_string(),
                d.series("oil").unwrap().clone(),
                true,
            ),
            ("rate".to_string(), d.series("rate").unwrap().clone(), true),
        ];
        let year = ObsDate {
            start: pressure_data::align::Date::new(2015, 1, 1).unwrap(),
            frequency: pressure_data::align::Frequency::Annual,
        };
        let x = driver_changes(&drivers, year).unwrap();
        assert!(
            (x[0] - 100.0 * 0.5f64.ln()).abs() < 1e-12 && (x[1] - 100.0 * 2f64.ln()).abs() < 1e-12
        );
        // January 2015 against December 2014: the monthly change, and the annual driver's
        // change between the years the two months are in.
        let jan = ObsDate {
            start: pressure_data::align::Date::new(2015, 1, 1).unwrap(),
            frequency: pressure_data::align::Frequency::Monthly,
        };
        let x = driver_changes(&drivers, jan).unwrap();
        assert!(
            (x[0] - 100.0 * 0.5f64.ln()).abs() < 1e-12 && (x[1] - 100.0 * 2f64.ln()).abs() < 1e-12
        );
        // March 2015: no change in either.
        let mar = ObsDate {
            start: pressure_data::align::Date::new(2015, 3, 1).unwrap(),
            frequency: pressure_data::align::Frequency::Monthly,
        };
        assert_eq!(driver_changes(&drivers, mar).unwrap(), vec![0.0, 0.0]);
        // 2016 has no data.
        let later = ObsDate {
            start: pressure_data::align::Date::new(2016, 1, 1).unwrap(),
            frequency: pressure_data::align::Frequency::Annual,
        };
        assert!(driver_changes(&drivers, later).is_none());
    }
}
