//! Exogenous drivers from data: a series of an episode table (or of another table in the same
//! tidy format, such as the oil price) drives a model input during the episode's runs.
//!
//! ```toml
//! [[episode]]
//! id = "iran_2011"
//! origin = 2005.0
//! # the model's `oil_price` follows the monthly Brent price (a tidy table: date, series, value,
//! # unit, frequency, source), each month's value held over its month
//! exogenous = { oil_price = { table = "../../data/oil/oil_prices.csv", series = "brent", unit = "usd_per_barrel" } }
//! ```
//!
//! Keys of each entry: `series` (required), `unit` (required: the table's unit for the series,
//! checked, so a change of units in the data cannot pass silently), `table` (a tidy CSV relative
//! to the experiment file; default: the episode's table), `interpolation` (`step`, the default:
//! each observation holds over its period; `linear`: straight lines through the periods'
//! midpoints), `scale` (a multiplier, default 1), `arx` (whether the validation's ARX benchmark
//! is given the driver too, default `true`; `false` keeps a short window's benchmark from
//! having more coefficients than it can fit). Dates are placed in model time with the
//! episode's `origin`, like the observations; before the first and after the last observation
//! the series holds its end values. Missing values are skipped.
//!
//! The target may be an exogenous series of the model, or a scalar auxiliary or constant of its
//! root file, which the experiment then replaces by the data (as a sanction timeline's target;
//! see [`super::timeline`]).

use crate::error::CalibrateError;
use pressure_data::episode::EpisodeSeries;
use pressure_model::{Interpolation, Series};
use serde::Deserialize;
use std::path::PathBuf;
use toml::Spanned;

/// One exogenous driver of an `[[episode]]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExogenousSpec {
    pub series: Spanned<String>,
    pub unit: Spanned<String>,
    #[serde(default)]
    pub table: Option<PathBuf>,
    #[serde(default)]
    pub interpolation: Option<Spanned<String>>,
    #[serde(default)]
    pub scale: Option<f64>,
    /// Whether the validation's ARX benchmark is given this driver (default true; see
    /// [`super::validation`]).
    #[serde(default)]
    pub arx: Option<bool>,
}

/// The model-time series of a data series: step over each period, or linear through the
/// periods' midpoints; missing values skipped. `None` when the series has no observation.
pub(crate) fn data_series(
    series: &EpisodeSeries,
    origin: f64,
    linear: bool,
    scale: f64,
    label: String,
) -> Option<Series> {
    let mut time = Vec::new();
    let mut values = Vec::new();
    for (d, v) in series.dates().iter().zip(series.values()) {
        if v.is_nan() {
            continue;
        }
        let (a, b) = d.model_period(origin);
        let t = if linear { 0.5 * (a + b) } else { a };
        if time.last().is_some_and(|&last| t <= last) {
            continue;
        }
        time.push(t);
        values.push(scale * v);
    }
    if time.is_empty() {
        return None;
    }
    Some(Series {
        time,
        values,
        interpolation: if linear {
            Interpolation::Linear
        } else {
            Interpolation::Step
        },
        origin: label,
    })
}

/// Parses `interpolation`.
pub(crate) fn is_linear(s: &Option<Spanned<String>>) -> Result<bool, String> {
    match s.as_ref().map(|s| s.get_ref().as_str()) {
        None | Some("step") => Ok(false),
        Some("linear") => Ok(true),
        Some(other) => Err(format!("interpolation `{other}` is not `step` or `linear`")),
    }
}

pub(crate) fn check_scale(scale: Option<f64>) -> Result<f64, CalibrateError> {
    match scale {
        None => Ok(1.0),
        Some(s) if s.is_finite() && s != 0.0 => Ok(s),
        Some(s) => Err(CalibrateError::InvalidInput(format!(
            "exogenous scale must be a non-zero number, got {s}"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pressure_data::episode::EpisodeData;

    #[test]
    fn monthly_data_become_steps_or_lines_in_model_time() {
        let csv = "date,series,value,unit,frequency,source\n2014-06,p,110,usd,monthly,x\n2014-07,p,,usd,monthly,x\n2014-08,p,100,usd,monthly,x\n";
        let d = EpisodeData::read_str(csv, "t.csv").unwrap();
        let s = d.series("p").unwrap();
        let step = data_series(s, 2014.0, false, 1.0, "t".into()).unwrap();
        assert_eq!(step.values, vec![110.0, 100.0]);
        assert!((step.time[0] - 151.0 / 365.0).abs() < 1e-12);
        assert_eq!(step.interpolation, Interpolation::Step);
        let lin = data_series(s, 2014.0, true, 2.0, "t".into()).unwrap();
        assert_eq!(lin.values, vec![220.0, 200.0]);
        assert!((lin.time[0] - (151.0 + 15.0) / 365.0).abs() < 1e-12);
        assert!(is_linear(&None) == Ok(false));
    }
}
