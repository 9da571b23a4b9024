//! Observation equations: how the model produces what a data series measures.
//!
//! A `[[mapping]]` states, for one data series, every step from the model variable to the
//! number the data table holds, and the unit that number is in:
//!
//! 1. **What the model variable is** (`variable_is`): a `level` (a positive stock or flow), a
//!    `log_level` (the natural log of a level, e.g. `ln_price`), a `log_rate` (a continuously
//!    compounded rate per year as a fraction: 0.05 = 5 log points a year, e.g. inflation, output
//!    growth), a `fraction` (a dimensionless ratio such as a premium `e_p/e_o − 1` or a share)
//!    or a `percent` (already in per cent).
//! 2. **Aggregation** over each observation's period (`aggregate`): `mean` (annual or monthly
//!    average), `end_of_period`, `start_of_period`, `midpoint`, `integral`, or `december`
//!    (the mean over the period's last month: December for annual data, so a percent change of
//!    it is December over December). For a change (step 3) the *level* is aggregated: `exp` of
//!    a log level, and for a log rate the level it grows, `exp(∫ rate dt)`.
//! 3. **What the data measure** (`measure`): the `level` (the aggregated value times `scale`),
//!    the `percent_change` of the aggregated level from the previous period,
//!    `100 (A_t / A_{t−1} − 1)` (WDI's "annual %" growth rates: annual averages for GDP and the
//!    CPI, year-end stocks for broad money), or the `log_change`, `100 ln(A_t / A_{t−1})`, in
//!    log points.
//! 4. **Unit** (`unit`): the unit of the result, which must be the unit the data table gives
//!    the series. The combination is checked: a percent change is in `percent`, a log change in
//!    `log_points`, a log rate times 100 is in `log_points` (not `percent`: 160.8 % is 95.9 log
//!    points), a fraction times 100 is in `percent`. A mismatch is an error at the experiment
//!    file's line and column.
//! 5. **Comparison scale** (`transform`, both sides): `level`, `log`, or `log1p`: `ln(1 + y)`,
//!    with `y` in per cent divided by 100 first (so a premium in per cent is compared as
//!    `ln(1 + premium)`, the log of the ratio of the two rates, defined for any premium above
//!    −100 %).
//!
//! `data_is = "level"` says the table holds a level (an exchange rate in `IRR_per_USD`, say)
//! whose changes are compared: the data are then turned into the same `measure` (each
//! observation against the previous period's), so the unknown scale of the model's level does
//! not matter.

use pressure_data::align::{aggregate, aggregate_log, cumulative_integral_into, Aggregation};
use serde::Deserialize;

/// What a model variable measures (step 1 of the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VariableIs {
    Level,
    LogLevel,
    LogRate,
    Fraction,
    Percent,
}

impl VariableIs {
    pub fn name(self) -> &'static str {
        match self {
            VariableIs::Level => "level",
            VariableIs::LogLevel => "log_level",
            VariableIs::LogRate => "log_rate",
            VariableIs::Fraction => "fraction",
            VariableIs::Percent => "percent",
        }
    }
}

/// What the data measure (step 3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Measure {
    #[default]
    Level,
    PercentChange,
    LogChange,
}

impl Measure {
    pub fn name(self) -> &'static str {
        match self {
            Measure::Level => "level",
            Measure::PercentChange => "percent_change",
            Measure::LogChange => "log_change",
        }
    }

    pub fn is_change(self) -> bool {
        self != Measure::Level
    }
}

/// What the data table holds (`data_is`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum DataIs {
    /// The table holds the measure itself (a growth rate in per cent, a premium in per cent).
    #[default]
    Measured,
    /// The table holds a level whose changes (`measure`) are compared.
    Level,
}

/// How a series reaches the model: the period aggregation, including December-over-December.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PeriodAggregation {
    Plain(Aggregation),
    /// The mean over the last month of each period.
    LastMonth,
}

impl PeriodAggregation {
    /// Parses the `aggregate` key.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "december" | "last_month" => Some(PeriodAggregation::LastMonth),
            other => Aggregation::parse(other).map(PeriodAggregation::Plain),
        }
    }

    /// The aggregation applied to the (possibly narrowed) periods.
    pub fn aggregation(self) -> Aggregation {
        match self {
            PeriodAggregation::Plain(a) => a,
            PeriodAggregation::LastMonth => Aggregation::Mean,
        }
    }
}

/// One observation equation, checked (see [`Observation::check`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Observation {
    pub variable_is: VariableIs,
    pub aggregation: Aggregation,
    pub measure: Measure,
    pub scale: f64,
}

/// Which key of the mapping a consistency problem is about (for its line and column).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    VariableIs,
    Measure,
    Unit,
    Scale,
    Transform,
    DataIs,
}

/// Units of per-cent and share quantities as the episode tables write them.
const PERCENT: &str = "percent";
const LOG_POINTS: &str = "log_points";

fn is_share_unit(u: &str) -> bool {
    matches!(u, "share" | "index_0_1" | "indicator")
}

impl Observation {
    /// Checks that the equation produces a number in `unit` (the table's unit for the series),
    /// given whether the data are the measure or a level. `scale` is `None` when the file gave
    /// none. Returns the key at fault and a message.
    ///
    /// `model_units` are the model variable's declared units (`None` when undeclared): a
    /// `log_rate` must be a rate per year, a `fraction`, `percent` or `log_level` dimensionless.
    pub fn check(
        variable_is: VariableIs,
        measure: Measure,
        data_is: DataIs,
        unit: &str,
        scale: Option<f64>,
        model_units: Option<&str>,
    ) -> Result<f64, (Key, String)> {
        if let Some(s) = scale {
            if !(s.is_finite() && s != 0.0) {
                return Err((Key::Scale, "scale must be a non-zero number".into()));
            }
        }
        if let Some(u) = model_units.map(|u| u.trim().to_lowercase()) {
            let per_year = matches!(u.as_str(), "1/year" | "1/yr" | "1/years" | "/year");
            let dimensionless = matches!(u.as_str(), "dimensionless" | "1" | "");
            let ok = match variable_is {
                VariableIs::LogRate => per_year,
                VariableIs::Fraction | VariableIs::Percent | VariableIs::LogLevel => dimensionless,
                VariableIs::Level => true,
            };
            if !ok {
                return Err((
                    Key::VariableIs,
                    format!(
                        "variable_is = \"{}\", but the model variable's units are `{u}` ({})",
                        variable_is.name(),
                        match variable_is {
                            VariableIs::LogRate => "a log rate is per year",
                            _ => "this kind is dimensionless",
                        }
                    ),
                ));
            }
        }
        if data_is == DataIs::Level && !measure.is_change() {
            return Err((
                Key::DataIs,
                "data_is = \"level\" compares changes of a level: give measure = \"percent_change\" or \"log_change\"".into(),
            ));
        }
        if measure.is_change() {
            if matches!(variable_is, VariableIs::Fraction | VariableIs::Percent) {
                return Err((
                    Key::Measure,
                    format!(
                        "measure = \"{}\" of a {} is the change of a ratio, which no data series here measures; a change needs a level, a log level or a log rate",
                        measure.name(),
                        variable_is.name()
                    ),
                ));
            }
            if scale.is_some_and(|s| s != 1.0) {
                return Err((
                    Key::Scale,
                    format!(
                        "a {} does not depend on the level's scale: drop `scale`",
                        measure.name()
                    ),
                ));
            }
            let produces = match measure {
                Measure::PercentChange => PERCENT,
                _ => LOG_POINTS,
            };
            if data_is == DataIs::Measured && unit != produces {
                let hint = if unit == PERCENT {
                    " (use measure = \"percent_change\": 100 (A_t/A_{t-1} - 1))"
                } else if unit == LOG_POINTS {
                    " (use measure = \"log_change\": 100 ln(A_t/A_{t-1}))"
                } else {
                    " (if the table holds a level whose changes are compared, say data_is = \"level\")"
                };
                return Err((
                    Key::Unit,
                    format!(
                        "measure = \"{}\" is in `{produces}`, but the series is in `{unit}`{hint}",
                        measure.name()
                    ),
                ));
            }
            if data_is == DataIs::Level && (unit == PERCENT || unit == LOG_POINTS) {
                return Err((
                    Key::DataIs,
                    format!("data_is = \"level\", but a series in `{unit}` is not a level"),
                ));
            }
            return Ok(1.0);
        }
        // Levels.
        let scale_or = |d: f64| scale.unwrap_or(d);
        match variable_is {
            VariableIs::LogRate => {
                if unit == PERCENT {
                    return Err((
                        Key::Measure,
                        "a log rate is not a percent growth rate (160.8 % is 95.9 log points): use measure = \"percent_change\", which compounds the rate over each period, 100 (exp(∫ x dt) - 1); or compare with a series in `log_points`".into(),
                    ));
                }
                if unit != LOG_POINTS {
                    return Err((
                        Key::Unit,
                        format!("a log rate times 100 is in `log_points`, not `{unit}`"),
                    ));
                }
                let s = scale_or(100.0);
                if s != 100.0 {
                    return Err((
                        Key::Scale,
                        format!("a log rate (a fraction a year) is in log points times 100: scale = 100, not {s}"),
                    ));
                }
                Ok(s)
            }
            VariableIs::Percent => {
                if unit != PERCENT {
                    return Err((
                        Key::Unit,
                        format!("the model variable is in per cent, the series in `{unit}`"),
                    ));
                }
                let s = scale_or(1.0);
                if s != 1.0 {
                    return Err((
                        Key::Scale,
                        format!("per cent against per cent needs no scale (got {s})"),
                    ));
                }
                Ok(s)
            }
            VariableIs::Fraction => {
                let want = if unit == PERCENT {
                    100.0
                } else if is_share_unit(unit) {
                    1.0
                } else {
                    return Err((
                        Key::Unit,
                        format!("a fraction is compared with a series in `percent`, `share`, `index_0_1` or `indicator`, not `{unit}`"),
                    ));
                };
                let s = scale_or(want);
                if s != want {
                    return Err((
                        Key::Scale,
                        format!("a fraction in `{unit}` needs scale = {want}, not {s}"),
                    ));
                }
                Ok(s)
            }
            VariableIs::Level | VariableIs::LogLevel => {
                if unit == PERCENT || unit == LOG_POINTS {
                    return Err((
                        Key::Measure,
                        format!("the series is in `{unit}` (a rate of change), the model variable a {}: use measure = \"percent_change\" or \"log_change\"", variable_is.name()),
                    ));
                }
                Ok(scale_or(1.0))
            }
        }
    }

    /// The model's value for each observation, on the data's measure (before the comparison
    /// transform). `periods` are the observation periods in model time; for a change they come
    /// in pairs, `(previous period, observation period)` for each observation, and `out` gets
    /// one value per pair. `work` is scratch space for the log level, reused between calls (the
    /// per-period aggregates, a few values per series, are still allocated on each call).
    pub fn model_values(
        &self,
        times: &[f64],
        values: &[f64],
        periods: &[(f64, f64)],
        work: &mut Vec<f64>,
        out: &mut Vec<f64>,
    ) -> Result<(), String> {
        out.clear();
        let err = |e: pressure_data::DataError| e.to_string();
        if !self.measure.is_change() {
            let agg = match self.variable_is {
                VariableIs::LogLevel => aggregate_log(times, values, periods, self.aggregation)
                    .map_err(err)?
                    .into_iter()
                    .map(f64::exp)
                    .collect(),
                _ => aggregate(times, values, periods, self.aggregation).map_err(err)?,
            };
            out.extend(agg.into_iter().map(|v| self.scale * v));
            return Ok(());
        }
        // Changes: the log of the aggregated level per period.
        let log_level = self.log_level(times, values, work)?;
        if periods.len() % 2 != 0 {
            return Err("a change needs (previous, this) pairs of periods".into());
        }
        let ln_a = aggregate_log(times, log_level, periods, self.aggregation).map_err(err)?;
        for w in ln_a.chunks_exact(2) {
            let d = w[1] - w[0];
            out.push(match self.measure {
                Measure::PercentChange => 100.0 * d.exp_m1(),
                _ => 100.0 * d,
            });
        }
        Ok(())
    }

    /// The log of the model variable's level at every saved time: the variable itself for a
    /// log level, the running integral of a log rate, the log of a (positive) level. `work`
    /// holds the result when it has to be computed (reused between calls).
    pub(crate) fn log_level<'a>(
        &self,
        times: &[f64],
        values: &'a [f64],
        work: &'a mut Vec<f64>,
    ) -> Result<&'a [f64], String> {
        match self.variable_is {
            VariableIs::LogLevel => Ok(values),
            VariableIs::LogRate => {
                cumulative_integral_into(times, values, work).map_err(|e| e.to_string())?;
                Ok(work)
            }
            VariableIs::Level => {
                if let Some(i) = values.iter().position(|v| v.is_nan() || *v <= 0.0) {
                    return Err(format!(
                        "a change of a level needs positive values, the model has {} at time {}",
                        values[i], times[i]
                    ));
                }
                work.clear();
                work.extend(values.iter().map(|v| v.ln()));
                Ok(work)
            }
            VariableIs::Fraction | VariableIs::Percent => {
                Err("a change of a fraction or percent (rejected at load)".into())
            }
        }
    }
}

/// Data that are a level turned into the measure: each observation against the previous
/// period's (`None` where either is missing or not positive).
pub fn data_changes(previous: f64, levels: &[f64], measure: Measure) -> Vec<Option<f64>> {
    let mut out = Vec::with_capacity(levels.len());
    let mut prev = previous;
    for &y in levels {
        out.push(if prev > 0.0 && y > 0.0 {
            let d = (y / prev).ln();
            Some(match measure {
                Measure::PercentChange => 100.0 * d.exp_m1(),
                _ => 100.0 * d,
            })
        } else {
            None
        });
        prev = y;
    }
    out
}

/// The comparison scale of `transform = "log1p"`: `ln(1 + y)`, `y` in per cent divided by 100.
pub fn log1p_of(y: f64, unit: &str) -> f64 {
    if unit == PERCENT {
        (y / 100.0).ln_1p()
    } else {
        y.ln_1p()
    }
}

/// Inverse of [`log1p_of`].
pub fn exp_m1_of(z: f64, unit: &str) -> f64 {
    if unit == PERCENT {
        100.0 * z.exp_m1()
    } else {
        z.exp_m1()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(
        v: VariableIs,
        m: Measure,
        unit: &str,
        scale: Option<f64>,
    ) -> Result<f64, (Key, String)> {
        Observation::check(v, m, DataIs::Measured, unit, scale, None)
    }

    #[test]
    fn the_mismatches_of_issue_14_are_errors() {
        // Money growth in log points x100 against WDI growth in percent.
        let e = check(VariableIs::LogRate, Measure::Level, "percent", Some(100.0)).unwrap_err();
        assert_eq!(e.0, Key::Measure);
        assert!(e.1.contains("95.9 log points"), "{}", e.1);
        // A log rate against log points needs scale 100.
        assert_eq!(
            check(VariableIs::LogRate, Measure::Level, "log_points", None),
            Ok(100.0)
        );
        assert_eq!(
            check(VariableIs::LogRate, Measure::Level, "log_points", Some(1.0))
                .unwrap_err()
                .0,
            Key::Scale
        );
        // A percent change is in percent; a log change in log points.
        assert_eq!(
            check(VariableIs::LogRate, Measure::PercentChange, "percent", None),
            Ok(1.0)
        );
        let e = check(VariableIs::LogRate, Measure::LogChange, "percent", None).unwrap_err();
        assert_eq!(e.0, Key::Unit);
        assert!(e.1.contains("percent_change"), "{}", e.1);
        // A premium as a fraction in percent needs scale 100.
        assert_eq!(
            check(VariableIs::Fraction, Measure::Level, "percent", None),
            Ok(100.0)
        );
        assert_eq!(
            check(VariableIs::Fraction, Measure::Level, "percent", Some(1.0))
                .unwrap_err()
                .0,
            Key::Scale
        );
        // A level against a growth rate.
        assert_eq!(
            check(VariableIs::Level, Measure::Level, "percent", None)
                .unwrap_err()
                .0,
            Key::Measure
        );
        // Changes of a ratio; changes do not take a scale.
        assert!(check(
            VariableIs::Fraction,
            Measure::PercentChange,
            "percent",
            None
        )
        .is_err());
        assert_eq!(
            check(
                VariableIs::Level,
                Measure::PercentChange,
                "percent",
                Some(2.0)
            )
            .unwrap_err()
            .0,
            Key::Scale
        );
        // Model units.
        let e = Observation::check(
            VariableIs::LogRate,
            Measure::PercentChange,
            DataIs::Measured,
            "percent",
            None,
            Some("dimensionless"),
        )
        .unwrap_err();
        assert_eq!(e.0, Key::VariableIs);
        // A level series compared by its changes.
        assert_eq!(
            Observation::check(
                VariableIs::LogLevel,
                Measure::LogChange,
                DataIs::Level,
                "IRR_per_USD",
                None,
                Some("dimensionless")
            ),
            Ok(1.0)
        );
        assert_eq!(
            Observation::check(
                VariableIs::LogLevel,
                Measure::Level,
                DataIs::Level,
                "IRR_per_USD",
                None,
                None
            )
            .unwrap_err()
            .0,
            Key::DataIs
        );
    }

    fn grid(n: usize, stop: f64) -> Vec<f64> {
        (0..=n).map(|i| stop * i as f64 / n as f64).collect()
    }

    /// Percent growth of annual averages from a log rate, a log level and a level agree with
    /// the closed form, and differ from 100 x rate.
    #[test]
    fn percent_change_of_annual_averages_matches_the_closed_form() {
        let t = grid(4800, 4.0);
        let g: f64 = 0.47; // 47 log points a year: 60 % growth
        let obs = |v: VariableIs, how: Aggregation| Observation {
            variable_is: v,
            aggregation: how,
            measure: Measure::PercentChange,
            scale: 1.0,
        };
        let periods = [(0.0, 1.0), (1.0, 2.0), (1.0, 2.0), (2.0, 3.0)];
        let want = 100.0 * (g.exp() - 1.0);
        let (mut w, mut out) = (Vec::new(), Vec::new());
        let rate: Vec<f64> = t.iter().map(|_| g).collect();
        obs(VariableIs::LogRate, Aggregation::Mean)
            .model_values(&t, &rate, &periods, &mut w, &mut out)
            .unwrap();
        assert_eq!(out.len(), 2);
        for v in &out {
            assert!((v - want).abs() < 1e-6, "{v} vs {want}");
        }
        let ln_level: Vec<f64> = t.iter().map(|t| 3.0 + g * t).collect();
        obs(VariableIs::LogLevel, Aggregation::Mean)
            .model_values(&t, &ln_level, &periods, &mut w, &mut out)
            .unwrap();
        assert!((out[0] - want).abs() < 1e-6);
        let level: Vec<f64> = ln_level.iter().map(|l| l.exp()).collect();
        obs(VariableIs::Level, Aggregation::EndOfPeriod)
            .model_values(&t, &level, &periods, &mut w, &mut out)
            .unwrap();
        assert!((out[1] - want).abs() < 1e-9);
        // Log change: 100 g exactly.
        let lc = Observation {
            measure: Measure::LogChange,
            ..obs(VariableIs::LogRate, Aggregation::Mean)
        };
        lc.model_values(&t, &rate, &periods, &mut w, &mut out)
            .unwrap();
        assert!((out[0] - 100.0 * g).abs() < 1e-9);
    }

    /// Annual average over annual average and December over December differ when the rate
    /// changes within the year, as the closed forms say.
    #[test]
    fn december_over_december_against_annual_averages() {
        // Rate 0 in year 0, then 0.3 from t = 1 on: ln P = 0 until 1, 0.3 (t - 1) after.
        let t = grid(12_000, 3.0);
        let ln_p: Vec<f64> = t.iter().map(|t| 0.3 * (t - 1.0).max(0.0)).collect();
        let (mut w, mut out) = (Vec::new(), Vec::new());
        let mean = Observation {
            variable_is: VariableIs::LogLevel,
            aggregation: Aggregation::Mean,
            measure: Measure::PercentChange,
            scale: 1.0,
        };
        mean.model_values(&t, &ln_p, &[(0.0, 1.0), (1.0, 2.0)], &mut w, &mut out)
            .unwrap();
        // Mean of exp(0.3 s) over s in [0, 1] = (e^0.3 - 1)/0.3.
        let want = 100.0 * ((0.3f64.exp() - 1.0) / 0.3 - 1.0);
        assert!((out[0] - want).abs() < 1e-5, "{} vs {want}", out[0]);
        // December (last twelfth) over the previous December.
        let dec = [(11.0 / 12.0, 1.0), (23.0 / 12.0, 2.0)];
        // (previous December, this December) is one pair.
        mean.model_values(&t, &ln_p, &dec, &mut w, &mut out)
            .unwrap();
        // Previous December: level 1; this December: mean of exp(0.3 s), s = t - 1 in
        // [11/12, 1].
        let m = |a: f64, b: f64| ((0.3 * b).exp() - (0.3 * a).exp()) / (0.3 * (b - a));
        let want_dec = 100.0 * (m(11.0 / 12.0, 1.0) - 1.0);
        assert!((out[0] - want_dec).abs() < 1e-5, "{} vs {want_dec}", out[0]);
        assert!(out[0] > want + 5.0);
    }

    #[test]
    fn data_levels_become_changes_and_log1p_inverts() {
        let c = data_changes(100.0, &[110.0, f64::NAN, 121.0], Measure::LogChange);
        assert!((c[0].unwrap() - 100.0 * 1.1f64.ln()).abs() < 1e-12);
        assert!(c[1].is_none() && c[2].is_none());
        let p = data_changes(100.0, &[150.0], Measure::PercentChange);
        assert!((p[0].unwrap() - 50.0).abs() < 1e-12);
        for y in [-50.0, 0.0, 190.0, 1e6] {
            let z = log1p_of(y, "percent");
            assert!((exp_m1_of(z, "percent") - y).abs() < 1e-9 * y.abs().max(1.0));
        }
        assert!((log1p_of(190.0, "percent") - 2.9f64.ln()).abs() < 1e-12);
    }
}
