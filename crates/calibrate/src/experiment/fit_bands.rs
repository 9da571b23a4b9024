//! Posterior-predictive bands of a calibration's fit: the model rerun at MCMC draws, the
//! central interval per observation on the data's scale. `pressure reproduce` draws them
//! around the fitted paths of its calibration figures (`fit_bands.csv`).

use super::{CalibrationReport, Experiment};
use crate::CalibrateError;
use pressure_output::CsvTable;
use rayon::prelude::*;

/// Probability of the central interval the fit figures draw (the 2.5 % and 97.5 %
/// quantiles of the reruns).
pub const FIT_BAND_LEVEL: f64 = 0.95;

/// Fewest successful reruns for a band worth drawing: below it no band is written (with 20
/// draws the 2.5 % and 97.5 % quantiles are already interpolated between the two extremes).
pub const MIN_BAND_RERUNS: usize = 20;

/// Bands of the model at every observation, one row per observation.
#[derive(Debug)]
pub struct FitBands {
    /// Probability of the central interval.
    pub level: f64,
    /// Successful reruns the quantiles come from.
    pub reruns: usize,
    csv: CsvTable,
}

impl FitBands {
    /// `fit_bands.csv`: `episode,series,variable,unit,date,observed,model,lower,upper,level`,
    /// values on the data's scale; the band is widened to hold the fitted value itself.
    pub fn csv(self) -> Vec<u8> {
        self.csv.into_bytes()
    }
}

/// Reruns the model at up to `max_draws` MCMC draws (evenly spaced over the pooled chains,
/// in parallel, each worker with its own predictor: the result does not depend on the thread
/// count) and takes the central `level` interval per observation. `Ok(None)` without MCMC
/// draws, or with fewer than [`MIN_BAND_RERUNS`] successful reruns.
pub fn posterior_fit_bands(
    experiment: &Experiment,
    report: &CalibrationReport,
    max_draws: usize,
    level: f64,
) -> Result<Option<FitBands>, CalibrateError> {
    let Some(mcmc) = &report.mcmc else {
        return Ok(None);
    };
    let pooled: Vec<&Vec<f64>> = mcmc.draws.iter().flatten().collect();
    if pooled.is_empty() {
        return Ok(None);
    }
    let k = max_draws.min(pooled.len()).max(1);
    let picks: Vec<&Vec<f64>> = (0..k).map(|i| pooled[i * pooled.len() / k]).collect();
    let n_obs: usize = report.fit.iter().map(|f| f.observed.len()).sum();
    let preds: Vec<Option<Vec<f64>>> = picks
        .par_iter()
        .map_init(
            || experiment.calibration().ok(),
            |cal, x| {
                let cal = cal.as_mut()?;
                cal.predict(x).ok().map(|p| p.to_vec())
            },
        )
        .collect();
    let ok: Vec<Vec<f64>> = preds
        .into_iter()
        .flatten()
        .filter(|p| p.len() == n_obs)
        .collect();
    if ok.len() < MIN_BAND_RERUNS {
        return Ok(None);
    }
    let (qlo, qhi) = ((1.0 - level) / 2.0, 1.0 - (1.0 - level) / 2.0);
    let mut csv = CsvTable::with_header([
        "episode", "series", "variable", "unit", "date", "observed", "model", "lower", "upper",
        "level",
    ]);
    let level_cell = format!("{}%", (level * 100.0).round());
    let mut offset = 0;
    let mut column = vec![0.0; ok.len()];
    for f in &report.fit {
        for (j, date) in f.dates.iter().enumerate() {
            for (c, p) in column.iter_mut().zip(&ok) {
                *c = f.transform.invert(p[offset + j], &f.unit);
            }
            column.sort_by(f64::total_cmp);
            let lo = pressure_stats::quantile_sorted(&column, qlo).unwrap_or(f64::NAN);
            let hi = pressure_stats::quantile_sorted(&column, qhi).unwrap_or(f64::NAN);
            csv.row([
                f.episode.as_str(),
                &f.series,
                &f.variable,
                &f.unit,
                date,
                &f.observed[j].to_string(),
                &f.model[j].to_string(),
                &lo.min(f.model[j]).to_string(),
                &hi.max(f.model[j]).to_string(),
                &level_cell,
            ]);
        }
        offset += f.dates.len();
    }
    Ok(Some(FitBands {
        level,
        reruns: ok.len(),
        csv,
    }))
}
