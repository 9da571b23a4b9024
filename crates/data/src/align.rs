//! Alignment of data time and model time.
//!
//! **Time convention.** Model time is measured in years. A calendar date maps to a *decimal
//! year*: `year + (day of year - 1) / (days in year)`, so 1 January 2012 is 2012.0 and
//! 1 July 2012 is 2012.497 (leap year). Model time is the decimal year minus an `origin`
//! (`origin = 0.0` when the model's TIME is the calendar year itself; `origin = 2010.0` when the
//! model starts at t = 0 on 1 January 2010).
//!
//! **Observation periods.** Every observation covers a period `[start, end)` in decimal years:
//! an annual value `2012` covers `[2012.0, 2013.0)`, a monthly value `2012-03` covers
//! 1 March to 1 April, a quarterly value `2012-Q2` 1 April to 1 July, a daily value or an event
//! on `2012-03-15` that day.
//!
//! **Aggregation.** [`aggregate`] turns a model output series — plain `&[f64]` times and values,
//! as saved by any integrator — into one number per observation period, to compare like with
//! like:
//!
//! * [`Aggregation::Mean`]: the time average over the period of the piecewise-linear
//!   interpolant (exact for the saved points; use it for flows and rates observed as annual or
//!   monthly averages: inflation, growth, exchange-rate averages);
//! * [`Aggregation::EndOfPeriod`] / [`Aggregation::StartOfPeriod`]: the interpolated value at
//!   the period's end / start (stocks observed at year end: reserves, debt);
//! * [`Aggregation::Midpoint`]: the value at the middle of the period;
//! * [`Aggregation::Integral`]: the integral over the period (a flow per year summed to a
//!   period total).
//!
//! [`growth_rates_pct`] turns aggregated levels into percent changes between consecutive
//! periods (e.g. annual means of real GDP to annual GDP growth).
//!
//! ```
//! use pressure_data::align::{aggregate, annual_periods, Aggregation, Date};
//! // A model run from 2010 to 2013 saved quarterly, TIME in calendar years (origin 0).
//! let times: Vec<f64> = (0..=12).map(|i| 2010.0 + 0.25 * i as f64).collect();
//! let values: Vec<f64> = times.iter().map(|t| 2.0 * (t - 2010.0)).collect(); // linear
//! let periods = annual_periods(2010, 2012, 0.0);
//! let mean = aggregate(&times, &values, &periods, Aggregation::Mean)?;
//! assert_eq!(mean, vec![1.0, 3.0, 5.0]); // exact for a linear path
//! let end = aggregate(&times, &values, &periods, Aggregation::EndOfPeriod)?;
//! assert_eq!(end, vec![2.0, 4.0, 6.0]);
//! let d = Date::parse("2012-07-01").unwrap();
//! assert!((d.decimal_year() - (2012.0 + 182.0 / 366.0)).abs() < 1e-12);
//! # Ok::<(), pressure_data::DataError>(())
//! ```

use crate::error::{DataError, Location, Result};
use std::fmt;

/// How often a series is observed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Frequency {
    /// One value per calendar year; date `YYYY`.
    Annual,
    /// One value per calendar quarter; date `YYYY-Qn`.
    Quarterly,
    /// One value per calendar month; date `YYYY-MM`.
    Monthly,
    /// Daily observations; date `YYYY-MM-DD` (gaps such as weekends allowed).
    Daily,
    /// Dated events (leader exits, coups); date `YYYY-MM-DD`, value usually 1.
    Event,
}

impl Frequency {
    /// Parses `annual`, `quarterly`, `monthly`, `daily` or `event`.
    pub fn parse(s: &str) -> Option<Frequency> {
        Some(match s {
            "annual" => Frequency::Annual,
            "quarterly" => Frequency::Quarterly,
            "monthly" => Frequency::Monthly,
            "daily" => Frequency::Daily,
            "event" => Frequency::Event,
            _ => return None,
        })
    }

    /// The name used in files.
    pub fn as_str(self) -> &'static str {
        match self {
            Frequency::Annual => "annual",
            Frequency::Quarterly => "quarterly",
            Frequency::Monthly => "monthly",
            Frequency::Daily => "daily",
            Frequency::Event => "event",
        }
    }

    /// The date format this frequency uses in files.
    pub fn date_format(self) -> &'static str {
        match self {
            Frequency::Annual => "YYYY",
            Frequency::Quarterly => "YYYY-Qn",
            Frequency::Monthly => "YYYY-MM",
            Frequency::Daily | Frequency::Event => "YYYY-MM-DD",
        }
    }

    /// True for frequencies where every period between the first and last observation must be
    /// present (gaps written as explicit missing values).
    pub fn is_regular(self) -> bool {
        matches!(
            self,
            Frequency::Annual | Frequency::Quarterly | Frequency::Monthly
        )
    }
}

impl fmt::Display for Frequency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A calendar date (proleptic Gregorian).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    /// Year.
    pub year: i32,
    /// Month, 1-12.
    pub month: u32,
    /// Day of month, 1-31.
    pub day: u32,
}

fn is_leap(y: i32) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i32, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if is_leap(y) => 29,
        _ => 28,
    }
}

fn digits(s: &str, n: usize) -> Option<u32> {
    (s.len() == n && s.bytes().all(|b| b.is_ascii_digit()))
        .then(|| s.parse().ok())
        .flatten()
}

impl Date {
    /// A date, if valid.
    pub fn new(year: i32, month: u32, day: u32) -> Option<Date> {
        ((1..=12).contains(&month) && day >= 1 && day <= days_in_month(year, month))
            .then_some(Date { year, month, day })
    }

    /// Parses `YYYY-MM-DD`.
    pub fn parse(s: &str) -> Option<Date> {
        let mut it = s.split('-');
        let (y, m, d) = (it.next()?, it.next()?, it.next()?);
        if it.next().is_some() {
            return None;
        }
        Date::new(digits(y, 4)? as i32, digits(m, 2)?, digits(d, 2)?)
    }

    /// Day of the year, 1-based.
    pub fn ordinal(self) -> u32 {
        (1..self.month)
            .map(|m| days_in_month(self.year, m))
            .sum::<u32>()
            + self.day
    }

    /// `year + (day of year - 1) / days in year`.
    pub fn decimal_year(self) -> f64 {
        let n = if is_leap(self.year) { 366.0 } else { 365.0 };
        self.year as f64 + (self.ordinal() - 1) as f64 / n
    }

    /// The next calendar day.
    pub fn next_day(self) -> Date {
        if self.day < days_in_month(self.year, self.month) {
            Date {
                day: self.day + 1,
                ..self
            }
        } else if self.month < 12 {
            Date {
                month: self.month + 1,
                day: 1,
                ..self
            }
        } else {
            Date {
                year: self.year + 1,
                month: 1,
                day: 1,
            }
        }
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// The date of an observation at a given frequency: the first day of its period plus the
/// frequency. Ordered by time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ObsDate {
    /// First day of the observation's period (for daily data and events: the day).
    pub start: Date,
    /// The frequency, which fixes the period's length.
    pub frequency: Frequency,
}

impl ObsDate {
    /// Parses a date written in the format of `frequency` (see [`Frequency::date_format`]).
    pub fn parse(s: &str, frequency: Frequency) -> Option<ObsDate> {
        let start = match frequency {
            Frequency::Annual => Date::new(digits(s, 4)? as i32, 1, 1)?,
            Frequency::Quarterly => {
                let (y, q) = s.split_once("-Q")?;
                let q = digits(q, 1)?;
                if !(1..=4).contains(&q) {
                    return None;
                }
                Date::new(digits(y, 4)? as i32, 3 * q - 2, 1)?
            }
            Frequency::Monthly => {
                let (y, m) = s.split_once('-')?;
                Date::new(digits(y, 4)? as i32, digits(m, 2)?, 1)?
            }
            Frequency::Daily | Frequency::Event => Date::parse(s)?,
        };
        Some(ObsDate { start, frequency })
    }

    /// The first day after the period.
    pub fn end_date(self) -> Date {
        let Date { year, month, .. } = self.start;
        let add_months = |k: u32| {
            let m0 = month - 1 + k;
            Date {
                year: year + (m0 / 12) as i32,
                month: m0 % 12 + 1,
                day: 1,
            }
        };
        match self.frequency {
            Frequency::Annual => add_months(12),
            Frequency::Quarterly => add_months(3),
            Frequency::Monthly => add_months(1),
            Frequency::Daily | Frequency::Event => self.start.next_day(),
        }
    }

    /// The period `[start, end)` in decimal years.
    pub fn period(self) -> (f64, f64) {
        (self.start.decimal_year(), self.end_date().decimal_year())
    }

    /// The period in model time: decimal years minus `origin`.
    pub fn model_period(self, origin: f64) -> (f64, f64) {
        let (a, b) = self.period();
        (a - origin, b - origin)
    }

    /// The last calendar month of the period (itself for a monthly observation; December
    /// for an annual one), for December-over-December comparisons: a monthly model output
    /// averaged over the period's last month. `None` for daily data and events.
    pub fn last_month(self) -> Option<ObsDate> {
        let months = match self.frequency {
            Frequency::Annual => 12,
            Frequency::Quarterly => 3,
            Frequency::Monthly => 1,
            Frequency::Daily | Frequency::Event => return None,
        };
        let Date { year, month, .. } = self.start;
        Some(ObsDate {
            start: Date::new(year, month + months - 1, 1)?,
            frequency: Frequency::Monthly,
        })
    }

    /// The next period of the same frequency (for daily data and events: the next day).
    pub fn next(self) -> ObsDate {
        ObsDate {
            start: self.end_date(),
            frequency: self.frequency,
        }
    }
}

impl fmt::Display for ObsDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = self.start;
        match self.frequency {
            Frequency::Annual => write!(f, "{:04}", d.year),
            Frequency::Quarterly => write!(f, "{:04}-Q{}", d.year, (d.month - 1) / 3 + 1),
            Frequency::Monthly => write!(f, "{:04}-{:02}", d.year, d.month),
            Frequency::Daily | Frequency::Event => write!(f, "{d}"),
        }
    }
}

/// Model time of a calendar date: decimal year minus `origin`.
pub fn model_time(date: Date, origin: f64) -> f64 {
    date.decimal_year() - origin
}

/// The calendar years `first..=last` as model-time periods `[y - origin, y + 1 - origin)`.
pub fn annual_periods(first: i32, last: i32, origin: f64) -> Vec<(f64, f64)> {
    (first..=last)
        .map(|y| (y as f64 - origin, (y + 1) as f64 - origin))
        .collect()
}

/// The calendar months from `(y0, m0)` to `(y1, m1)` inclusive as model-time periods.
pub fn monthly_periods(from: (i32, u32), to: (i32, u32), origin: f64) -> Vec<(f64, f64)> {
    let mut out = Vec::new();
    let Some(start) = Date::new(from.0, from.1, 1) else {
        return out;
    };
    let mut d = ObsDate {
        start,
        frequency: Frequency::Monthly,
    };
    while (d.start.year, d.start.month) <= to {
        out.push(d.model_period(origin));
        d = d.next();
    }
    out
}

/// How a model series is reduced to one value per observation period (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Aggregation {
    /// Time average of the linear interpolant over the period.
    Mean,
    /// Interpolated value at the period's end.
    EndOfPeriod,
    /// Interpolated value at the period's start.
    StartOfPeriod,
    /// Interpolated value at the period's midpoint.
    Midpoint,
    /// Integral of the linear interpolant over the period.
    Integral,
}

impl Aggregation {
    /// Parses `mean`, `end_of_period` (or `end`), `start_of_period` (or `start`), `midpoint`,
    /// `integral` (or `sum`).
    pub fn parse(s: &str) -> Option<Aggregation> {
        Some(match s {
            "mean" => Aggregation::Mean,
            "end_of_period" | "end" => Aggregation::EndOfPeriod,
            "start_of_period" | "start" => Aggregation::StartOfPeriod,
            "midpoint" => Aggregation::Midpoint,
            "integral" | "sum" => Aggregation::Integral,
            _ => return None,
        })
    }
}

/// Tolerance for a period touching the ends of the model span (saved times carry rounding).
const SPAN_TOL: f64 = 1e-9;

fn check_series(times: &[f64], values: &[f64]) -> Result<()> {
    let bad = |message: String| DataError::Invalid {
        at: Location::file("model output"),
        message,
    };
    if times.len() != values.len() {
        return Err(bad(format!(
            "{} times but {} values",
            times.len(),
            values.len()
        )));
    }
    if times.is_empty() {
        return Err(bad("empty model series".into()));
    }
    for (i, w) in times.windows(2).enumerate() {
        // NaN fails `w[1] > w[0]` too: reject it along with non-increasing times.
        if w[1].partial_cmp(&w[0]) != Some(std::cmp::Ordering::Greater) {
            return Err(bad(format!(
                "times must be strictly increasing and finite: t[{}] = {} then t[{}] = {}",
                i,
                w[0],
                i + 1,
                w[1]
            )));
        }
    }
    if !times[0].is_finite() || !times[times.len() - 1].is_finite() {
        return Err(bad("times must be finite".into()));
    }
    Ok(())
}

/// Index `i` with `times[i] <= t <= times[i + 1]` (clamped to the last segment).
fn segment(times: &[f64], t: f64) -> usize {
    let i = times.partition_point(|&x| x <= t);
    i.saturating_sub(1).min(times.len().saturating_sub(2))
}

fn interpolate(times: &[f64], values: &[f64], t: f64) -> f64 {
    if times.len() == 1 {
        return values[0];
    }
    let i = segment(times, t);
    let (t0, t1) = (times[i], times[i + 1]);
    let w = ((t - t0) / (t1 - t0)).clamp(0.0, 1.0);
    values[i] + w * (values[i + 1] - values[i])
}

/// Integral of the linear interpolant over [a, b] (a <= b, both inside the span).
fn integral(times: &[f64], values: &[f64], a: f64, b: f64) -> f64 {
    if b <= a {
        return 0.0;
    }
    let mut total = 0.0;
    let mut lo = a;
    let mut v_lo = interpolate(times, values, a);
    let mut i = segment(times, a) + 1;
    while i < times.len() && times[i] < b {
        if times[i] > lo {
            total += 0.5 * (v_lo + values[i]) * (times[i] - lo);
            lo = times[i];
            v_lo = values[i];
        }
        i += 1;
    }
    total + 0.5 * (v_lo + interpolate(times, values, b)) * (b - lo)
}

/// Reduces a model output series (`times`, `values`; times strictly increasing) to one value
/// per period (`(start, end)` in the same time units), as chosen by `how`.
///
/// Errors (never a panic): lengths differ, times not strictly increasing, or a period reaching
/// outside the model's time span `[times[0], times[last]]` — that error names the period and
/// the span, so a calibration can report "data window outside the model's time span".
/// Missing values (`NaN`) in `values` propagate to the periods that touch them.
pub fn aggregate(
    times: &[f64],
    values: &[f64],
    periods: &[(f64, f64)],
    how: Aggregation,
) -> Result<Vec<f64>> {
    check_series(times, values)?;
    let (t_first, t_last) = (times[0], times[times.len() - 1]);
    periods
        .iter()
        .map(|&(a, b)| {
            let ordered = matches!(
                a.partial_cmp(&b),
                Some(std::cmp::Ordering::Less | std::cmp::Ordering::Equal)
            );
            if !ordered || a < t_first - SPAN_TOL || b > t_last + SPAN_TOL {
                return Err(DataError::OutsideModelSpan {
                    start: a,
                    end: b,
                    model_start: t_first,
                    model_end: t_last,
                });
            }
            let (a, b) = (a.max(t_first), b.min(t_last));
            Ok(match how {
                Aggregation::Mean if b > a => integral(times, values, a, b) / (b - a),
                Aggregation::Mean => interpolate(times, values, a),
                Aggregation::Integral => integral(times, values, a, b),
                Aggregation::EndOfPeriod => interpolate(times, values, b),
                Aggregation::StartOfPeriod => interpolate(times, values, a),
                Aggregation::Midpoint => interpolate(times, values, 0.5 * (a + b)),
            })
        })
        .collect()
}

/// The running integral `∫_{times[0]}^{t} v dt` of the linear interpolant at every saved time
/// (trapezoid rule; exact for piecewise-linear paths): turns a continuously compounded rate
/// per year (log points a year, as a fraction) into the log of the level it grows, up to the
/// constant log level at `times[0]`.
///
/// ```
/// use pressure_data::align::cumulative_integral;
/// let t = [0.0, 0.5, 1.0];
/// let log_level = cumulative_integral(&t, &[0.1, 0.1, 0.1])?;
/// assert!((log_level[2] - 0.1).abs() < 1e-15);
/// # Ok::<(), pressure_data::DataError>(())
/// ```
pub fn cumulative_integral(times: &[f64], values: &[f64]) -> Result<Vec<f64>> {
    let mut out = Vec::with_capacity(times.len());
    cumulative_integral_into(times, values, &mut out)?;
    Ok(out)
}

/// [`cumulative_integral`] into a buffer the caller keeps (cleared first), so that an
/// objective evaluated many times does not allocate for it.
///
/// ```
/// use pressure_data::align::cumulative_integral_into;
/// let mut buf = Vec::new();
/// cumulative_integral_into(&[0.0, 1.0, 3.0], &[1.0, 1.0, 2.0], &mut buf)?;
/// assert_eq!(buf, vec![0.0, 1.0, 4.0]);
/// # Ok::<(), pressure_data::DataError>(())
/// ```
pub fn cumulative_integral_into(times: &[f64], values: &[f64], out: &mut Vec<f64>) -> Result<()> {
    check_series(times, values)?;
    out.clear();
    let mut total = 0.0;
    out.push(0.0);
    for i in 1..times.len() {
        total += 0.5 * (values[i - 1] + values[i]) * (times[i] - times[i - 1]);
        out.push(total);
    }
    Ok(())
}

/// Like [`aggregate`] for a series given by its logarithm: returns `ln A_p`, the log of the
/// aggregated *level* `exp(log_values)` over each period (the mean of the level, not of its
/// log), computed without overflow: within a period the level is scaled by the larger of its
/// values at the period's ends before exponentiating. The level between saved times is the
/// linear interpolant of the saved levels, as in [`aggregate`]. Percent changes of annual
/// averages of a price level, for instance, are `100 (exp(ln A_t − ln A_{t−1}) − 1)` with
/// [`Aggregation::Mean`]; `Integral` gives the log of the period total.
///
/// ```
/// use pressure_data::align::{aggregate_log, Aggregation};
/// // A level growing 10 % a year (continuously): ln P(t) = 0.1 t, saved finely.
/// let t: Vec<f64> = (0..=2400).map(|i| i as f64 / 1200.0).collect();
/// let ln_p: Vec<f64> = t.iter().map(|t| 0.1 * t).collect();
/// let ln_mean = aggregate_log(&t, &ln_p, &[(0.0, 1.0), (1.0, 2.0)], Aggregation::Mean)?;
/// // Annual average over annual average grows by exactly exp(0.1) - 1 = 10.517 %.
/// let growth = 100.0 * ((ln_mean[1] - ln_mean[0]).exp() - 1.0);
/// assert!((growth - 10.517_091_807_564_76).abs() < 1e-6);
/// # Ok::<(), pressure_data::DataError>(())
/// ```
pub fn aggregate_log(
    times: &[f64],
    log_values: &[f64],
    periods: &[(f64, f64)],
    how: Aggregation,
) -> Result<Vec<f64>> {
    check_series(times, log_values)?;
    let mut out = Vec::with_capacity(periods.len());
    let mut level = Vec::new();
    for &(a, b) in periods {
        // Check the span (and order) with the plain aggregation of one period first, so the
        // error is the same as `aggregate`'s.
        aggregate(times, log_values, &[(a, b)], Aggregation::StartOfPeriod)?;
        let i0 = segment(times, a);
        let i1 = (segment(times, b) + 1).min(times.len() - 1);
        let slice_t = &times[i0..=i1];
        let slice_l = &log_values[i0..=i1];
        let r = interpolate(times, log_values, a).max(interpolate(times, log_values, b));
        if r.is_nan() {
            out.push(f64::NAN);
            continue;
        }
        level.clear();
        level.extend(slice_l.iter().map(|l| (l - r).exp()));
        let v = aggregate(slice_t, &level, &[(a, b)], how)?[0];
        out.push(r + v.ln());
    }
    Ok(out)
}

/// Percent change between consecutive values: `100 * (x[i] / x[i-1] - 1)`; the first entry is
/// `NaN` (no previous period), as is any entry next to a missing or zero value.
pub fn growth_rates_pct(levels: &[f64]) -> Vec<f64> {
    let mut out = Vec::with_capacity(levels.len());
    for i in 0..levels.len() {
        out.push(if i == 0 || levels[i - 1] == 0.0 {
            f64::NAN
        } else {
            100.0 * (levels[i] / levels[i - 1] - 1.0)
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_periods() {
        assert_eq!(Date::parse("2012-02-29").unwrap().ordinal(), 60);
        assert!(Date::parse("2011-02-29").is_none());
        assert!(Date::parse("2011-2-01").is_none());
        assert!(Date::parse("2011-13-01").is_none());
        assert_eq!(
            Date::parse("2011-12-31").unwrap().next_day().to_string(),
            "2012-01-01"
        );
        let m = ObsDate::parse("2012-12", Frequency::Monthly).unwrap();
        assert_eq!(m.end_date().to_string(), "2013-01-01");
        let (a, b) = m.period();
        assert!((a - (2012.0 + 335.0 / 366.0)).abs() < 1e-12 && b == 2013.0);
        let q = ObsDate::parse("2012-Q2", Frequency::Quarterly).unwrap();
        assert_eq!(q.start.to_string(), "2012-04-01");
        assert_eq!(q.end_date().to_string(), "2012-07-01");
        assert_eq!(q.to_string(), "2012-Q2");
        assert!(ObsDate::parse("2012-Q5", Frequency::Quarterly).is_none());
        assert!(ObsDate::parse("2012-01", Frequency::Annual).is_none());
        assert!(ObsDate::parse("2012", Frequency::Monthly).is_none());
        let y = ObsDate::parse("2012", Frequency::Annual).unwrap();
        assert_eq!(y.model_period(2010.0), (2.0, 3.0));
        assert_eq!(y.next().to_string(), "2013");
        let e = ObsDate::parse("2013-08-03", Frequency::Event).unwrap();
        assert_eq!(e.next().to_string(), "2013-08-04");
        assert_eq!(monthly_periods((2011, 11), (2012, 2), 0.0).len(), 4);
    }

    #[test]
    fn aggregation_exact_on_piecewise_linear_paths() {
        // v(t) = t^2 sampled finely; the mean over [0, 1] of the interpolant tends to 1/3.
        let n = 1000;
        let times: Vec<f64> = (0..=n).map(|i| i as f64 / n as f64).collect();
        let values: Vec<f64> = times.iter().map(|t| t * t).collect();
        let m = aggregate(&times, &values, &[(0.0, 1.0)], Aggregation::Mean).unwrap()[0];
        // Trapezoid error for t^2 with step h is h^2 / 6.
        assert!((m - (1.0 / 3.0 + 1e-6 / 6.0)).abs() < 1e-12, "{m}");
        // Periods not on grid points: a linear path has exact means.
        let times = [0.0, 0.3, 1.1, 2.0];
        let values: Vec<f64> = times.iter().map(|t| 5.0 - 2.0 * t).collect();
        let p = [(0.1, 0.9), (0.35, 1.95), (0.0, 2.0), (1.5, 1.5)];
        let got = aggregate(&times, &values, &p, Aggregation::Mean).unwrap();
        for ((a, b), g) in p.iter().zip(got) {
            assert!((g - (5.0 - (a + b))).abs() < 1e-12, "{a} {b} {g}");
        }
        let s = aggregate(&times, &values, &[(0.0, 2.0)], Aggregation::Integral).unwrap()[0];
        assert!((s - 6.0).abs() < 1e-12);
        let e = aggregate(&times, &values, &[(0.1, 0.9)], Aggregation::EndOfPeriod).unwrap()[0];
        assert!((e - 3.2).abs() < 1e-12);
        let st = aggregate(&times, &values, &[(0.1, 0.9)], Aggregation::StartOfPeriod).unwrap()[0];
        assert!((st - 4.8).abs() < 1e-12);
        let mid = aggregate(&times, &values, &[(0.1, 0.9)], Aggregation::Midpoint).unwrap()[0];
        assert!((mid - 4.0).abs() < 1e-12);
    }

    #[test]
    fn step_path_mean_weights_time() {
        // Saved points of a step at t = 1 (two points at nearly the same time).
        let times = [0.0, 1.0, 1.0 + 1e-12, 4.0];
        let values = [0.0, 0.0, 3.0, 3.0];
        let m = aggregate(&times, &values, &[(0.0, 4.0)], Aggregation::Mean).unwrap()[0];
        assert!((m - 2.25).abs() < 1e-9, "{m}");
    }

    #[test]
    fn errors_instead_of_panics() {
        let t = [2010.0, 2011.0, 2012.0];
        let v = [1.0, 2.0, 3.0];
        let e = aggregate(&t, &v, &[(2011.0, 2013.0)], Aggregation::Mean).unwrap_err();
        assert!(matches!(e, DataError::OutsideModelSpan { .. }));
        assert!(
            e.to_string().contains("2011") && e.to_string().contains("2012"),
            "{e}"
        );
        assert!(aggregate(&t, &v[..2], &[], Aggregation::Mean).is_err());
        assert!(aggregate(&[1.0, 1.0], &[1.0, 2.0], &[], Aggregation::Mean).is_err());
        assert!(aggregate(&[], &[], &[], Aggregation::Mean).is_err());
        assert!(aggregate(&[0.0, f64::NAN], &[1.0, 2.0], &[], Aggregation::Mean).is_err());
        // Rounding at the span ends is tolerated.
        let ok = aggregate(
            &t,
            &v,
            &[(2010.0 - 1e-12, 2012.0 + 1e-12)],
            Aggregation::Mean,
        );
        assert!((ok.unwrap()[0] - 2.0).abs() < 1e-12);
    }

    #[test]
    fn log_aggregation_is_the_aggregated_level_without_overflow() {
        // ln P = 2000 + 3 t on [0, 2]: exp would overflow, the log of the mean does not.
        let times: Vec<f64> = (0..=2000).map(|i| i as f64 / 1000.0).collect();
        let ln_p: Vec<f64> = times.iter().map(|t| 2000.0 + 3.0 * t).collect();
        let got =
            aggregate_log(&times, &ln_p, &[(0.0, 1.0), (1.0, 2.0)], Aggregation::Mean).unwrap();
        // ln of the mean of exp(2000 + 3t) over [k, k+1] = 2000 + 3k + ln((e^3 - 1)/3).
        let want = |k: f64| 2000.0 + 3.0 * k + ((3f64.exp() - 1.0) / 3.0).ln();
        assert!((got[0] - want(0.0)).abs() < 1e-5, "{}", got[0]);
        assert!((got[1] - want(1.0)).abs() < 1e-5, "{}", got[1]);
        let end = aggregate_log(&times, &ln_p, &[(0.0, 1.0)], Aggregation::EndOfPeriod).unwrap()[0];
        assert!((end - 2003.0).abs() < 1e-9);
        assert!(matches!(
            aggregate_log(&times, &ln_p, &[(1.5, 2.5)], Aggregation::Mean),
            Err(DataError::OutsideModelSpan { .. })
        ));
        // The running integral of a linear rate is exact.
        let c = cumulative_integral(&[0.0, 1.0, 3.0], &[1.0, 2.0, 4.0]).unwrap();
        assert_eq!(c, vec![0.0, 1.5, 7.5]);
    }

    #[test]
    fn last_month_of_a_period() {
        let y = ObsDate::parse("2012", Frequency::Annual).unwrap();
        assert_eq!(y.last_month().unwrap().to_string(), "2012-12");
        let q = ObsDate::parse("2012-Q2", Frequency::Quarterly).unwrap();
        assert_eq!(q.last_month().unwrap().to_string(), "2012-06");
        let m = ObsDate::parse("2012-03", Frequency::Monthly).unwrap();
        assert_eq!(m.last_month(), Some(m));
        let d = ObsDate::parse("2012-03-04", Frequency::Daily).unwrap();
        assert!(d.last_month().is_none());
    }

    #[test]
    fn growth_rates() {
        let g = growth_rates_pct(&[100.0, 110.0, 99.0, f64::NAN, 50.0]);
        assert!(g[0].is_nan() && g[3].is_nan() && g[4].is_nan());
        assert!((g[1] - 10.0).abs() < 1e-12 && (g[2] + 10.0).abs() < 1e-12);
    }
}
