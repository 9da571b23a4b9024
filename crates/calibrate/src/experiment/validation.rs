//! Validation of a calibration: the model's fit against naive benchmarks, and forecasts of a
//! holdout period.
//!
//! **In the window** (per episode and series, on the series' measure): Theil's inequality
//! coefficient U (Sterman 1984; see [`fitstats`](crate::fitstats)) of the model at the
//! estimate, of a **random walk** (each observation predicted by the table's value of the
//! period before) and of an **AR(1)** `y_t = a + b y_{t−1}` fitted by least squares to the same
//! window's pairs and predicting one step ahead. All three are scored on the same
//! observations: those whose previous period is in the table (for the first year of a window,
//! the year before it). The benchmarks see the previous observation, the model does not: it
//! runs from its own initial state, so beating them is a real test.
//!
//! **Holdout** (`holdout` of an `[[episode]]`): the posterior predictive distribution at each
//! holdout date: for every posterior draw the model's value plus an observation error drawn
//! from the series' error model with `σ² = σ̂² n / χ²_n` (σ̂ the estimate's residual scale on
//! the comparison scale from `n` observations — all the observations of its σ group when
//! `share_sigma` pools episodes: the posterior of σ² under the Jeffreys prior given the
//! estimate's residuals, with the fitted parameters' degrees of freedom not subtracted, so the
//! band is slightly narrow for short series; a known σ is used as given). Coverage is the share of
//! holdout observations inside the central `level` interval; Theil U of the median forecast is
//! given beside those of the random walk from the window's last observation and of the AR(1)
//! iterated forward.

use super::paths::{paths_at, posterior_draws, quantile, DrawSource};
use super::report::CalibrationReport;
use super::Experiment;
use crate::error::CalibrateError;
use crate::fitstats::fit_stats;
use crate::objective::ErrorModel;
use pressure_stats::rng_for;
use rand_distr::{ChiSquared, Distribution as _, StandardNormal};
use std::fmt::Write as _;

/// Random stream of the predictive noise.
pub const STREAM_PREDICTIVE: u64 = 0xca_0008;

/// One row of `validation.csv`.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidationRow {
    pub episode: String,
    pub series: String,
    pub unit: String,
    /// Observations scored in the window (with a previous period).
    pub n: usize,
    pub model_u: f64,
    pub random_walk_u: f64,
    pub ar1_u: f64,
    pub holdout_n: usize,
    /// Share of holdout observations inside the predictive interval (NaN without holdout).
    pub holdout_coverage: f64,
    pub holdout_model_u: f64,
    pub holdout_random_walk_u: f64,
    pub holdout_ar1_u: f64,
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

fn theil(pred: &[f64], obs: &[f64]) -> f64 {
    fit_stats(pred, obs).map_or(f64::NAN, |s| s.theil_u)
}

/// The benchmarks in the window and, with a holdout, the forecasts.
/// The report must come from `exp`: one fit per mapping, in the experiment's order, with
/// the episode and series it names (a report of another experiment is an error, not a panic).
pub(crate) fn check_report_matches(
    exp: &Experiment,
    report: &CalibrationReport,
) -> Result<(), CalibrateError> {
    let expected: Vec<(&str, &super::mapping::MappingSetup)> = exp
        .episodes
        .iter()
        .flat_map(|e| e.mappings.iter().map(move |m| (e.id.as_str(), m)))
        .collect();
    if expected.len() != report.fit.len() {
        return Err(CalibrateError::invalid(format!(
            "the calibration report has {} fitted series but the experiment maps {}: the report comes from another experiment",
            report.fit.len(),
            expected.len()
        )));
    }
    for ((episode, m), fit) in expected.iter().zip(&report.fit) {
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
            // In the window.
            let (mut obs, mut model, mut rw, mut pairs) = (vec![], vec![], vec![], vec![]);
            for (k, prev) in m.previous_observed.iter().enumerate() {
                if let Some(p) = prev {
                    obs.push(fit.observed[k]);
                    model.push(fit.model[k]);
                    rw.push(*p);
                    pairs.push((*p, fit.observed[k]));
                }
            }
            let ar = ar1_fit(&pairs);
            let ar_pred: Vec<f64> = match ar {
                Some((a, b)) => pairs.iter().map(|(x, _)| a + b * x).collect(),
                None => vec![f64::NAN; pairs.len()],
            };
            let mut row = ValidationRow {
                episode: e.id.clone(),
                series: m.series.clone(),
                unit: m.unit.clone(),
                n: obs.len(),
                model_u: theil(&model, &obs),
                random_walk_u: theil(&rw, &obs),
                ar1_u: if ar.is_some() {
                    theil(&ar_pred, &obs)
                } else {
                    f64::NAN
                },
                holdout_n: m.holdout_dates.len(),
                holdout_coverage: f64::NAN,
                holdout_model_u: f64::NAN,
                holdout_random_walk_u: f64::NAN,
                holdout_ar1_u: f64::NAN,
            };
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
                let mut medians = Vec::new();
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
                    let hi = quantile(&mut draws, qhi);
                    let o = m.holdout_observed[k];
                    if lo <= o && o <= hi {
                        inside += 1;
                    }
                    medians.push(med);
                    holdout.push(HoldoutRow {
                        episode: e.id.clone(),
                        series: m.series.clone(),
                        unit: m.unit.clone(),
                        date: date.to_string(),
                        observed: o,
                        median: med,
                        lower: lo,
                        upper: hi,
                    });
                }
                let h = &m.holdout_observed;
                row.holdout_coverage = inside as f64 / h.len() as f64;
                row.holdout_model_u = theil(&medians, h);
                if let Some(&last) = fit.observed.last() {
                    row.holdout_random_walk_u = theil(&vec![last; h.len()], h);
                    if let Some((a, b)) = ar {
                        let mut y = last;
                        let iterated: Vec<f64> = h
                            .iter()
                            .map(|_| {
                                y = a + b * y;
                                y
                            })
                            .collect();
                        row.holdout_ar1_u = theil(&iterated, h);
                    }
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
    /// `validation.csv`.
    pub fn csv(&self) -> String {
        let mut out = String::from("episode,series,unit,n,model_theil_u,random_walk_theil_u,ar1_theil_u,holdout_n,holdout_coverage,holdout_model_theil_u,holdout_random_walk_theil_u,holdout_ar1_theil_u,level\n");
        let level = format!("{}%", (self.level * 100.0).round());
        for r in &self.rows {
            let _ = writeln!(
                out,
                "{},{},{},{},{},{},{},{},{},{},{},{},{level}",
                r.episode,
                r.series,
                r.unit,
                r.n,
                num(r.model_u),
                num(r.random_walk_u),
                num(r.ar1_u),
                r.holdout_n,
                num(r.holdout_coverage),
                num(r.holdout_model_u),
                num(r.holdout_random_walk_u),
                num(r.holdout_ar1_u)
            );
        }
        out
    }

    /// `holdout.csv` (the fit-grid layout: observed, model, lower, upper), `None` without a
    /// holdout.
    pub fn holdout_csv(&self) -> Option<String> {
        if self.holdout.is_empty() {
            return None;
        }
        let mut out = String::from("episode,series,unit,date,observed,model,lower,upper,level\n");
        let level = format!("{}%", (self.level * 100.0).round());
        for h in &self.holdout {
            let _ = writeln!(
                out,
                "{},{},{},{},{},{},{},{},{level}",
                h.episode,
                h.series,
                h.unit,
                h.date,
                num(h.observed),
                num(h.median),
                num(h.lower),
                num(h.upper)
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
}
