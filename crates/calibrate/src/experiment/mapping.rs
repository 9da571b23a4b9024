//! One `[[mapping]]` of one episode, validated against the model and the data: the observation
//! equation ([`super::observation`]), the observations in the window on the comparison scale,
//! and the model-time periods the model output is aggregated over.

use super::observation::{
    data_changes, exp_m1_of, log1p_of, DataIs, Key, Measure, Observation, PeriodAggregation,
};
use super::spec::{MappingSpec, SeriesTransform};
use super::Located;
use crate::error::CalibrateError;
use crate::objective::ErrorModel;
use pressure_data::align::{Date, Frequency, ObsDate};
use pressure_data::episode::EpisodeSeries;
use pressure_sim::{CompiledModel, RunSettings};

/// One mapped series of one episode.
#[derive(Debug, Clone)]
pub(crate) struct MappingSetup {
    pub series: String,
    pub variable: String,
    pub output: usize,
    pub observation: Observation,
    pub transform: SeriesTransform,
    pub error: ErrorModel,
    pub share_sigma: bool,
    pub dates: Vec<ObsDate>,
    /// Model-time periods of the observations; for a change, `(previous, this)` pairs one
    /// after the other.
    pub periods: Vec<(f64, f64)>,
    /// Observations on the comparison scale.
    pub observed: Vec<f64>,
    /// Observations on the measure (the table's values, or their changes with
    /// `data_is = "level"`).
    pub raw_observed: Vec<f64>,
    /// Unit of `raw_observed` (the table's unit, or that of the change).
    pub unit: String,
    /// Every period of the episode's horizon (window, or `[counterfactual] until`, or the
    /// holdout's end), observed or not: where counterfactual paths are evaluated.
    pub path_dates: Vec<ObsDate>,
    pub path_periods: Vec<(f64, f64)>,
    /// Observations of the holdout (after the window), on the measure.
    pub holdout_dates: Vec<ObsDate>,
    pub holdout_periods: Vec<(f64, f64)>,
    pub holdout_observed: Vec<f64>,
    /// The table's value (on the measure) in the period before each observation, if any.
    pub previous_observed: Vec<Option<f64>>,
}

impl SeriesTransform {
    /// The comparison scale of a value on the measure in `unit` (`None` outside the domain).
    pub fn apply(self, v: f64, unit: &str) -> Option<f64> {
        match self {
            SeriesTransform::Level => Some(v),
            SeriesTransform::Log => (v > 0.0).then(|| v.ln()),
            SeriesTransform::Log1p => {
                let z = log1p_of(v, unit);
                z.is_finite().then_some(z)
            }
        }
    }

    /// Back from the comparison scale to the measure.
    pub fn invert(self, z: f64, unit: &str) -> f64 {
        match self {
            SeriesTransform::Level => z,
            SeriesTransform::Log => z.exp(),
            SeriesTransform::Log1p => exp_m1_of(z, unit),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            SeriesTransform::Level => "level",
            SeriesTransform::Log => "log",
            SeriesTransform::Log1p => "log1p",
        }
    }
}

/// The period before `d` (same frequency), for changes.
pub(crate) fn previous(d: ObsDate) -> Option<ObsDate> {
    let Date { year, month, .. } = d.start;
    let (y, m) = match d.frequency {
        Frequency::Annual => (year - 1, 1),
        Frequency::Quarterly if month > 3 => (year, month - 3),
        Frequency::Quarterly => (year - 1, month + 9),
        Frequency::Monthly if month > 1 => (year, month - 1),
        Frequency::Monthly => (year - 1, 12),
        Frequency::Daily | Frequency::Event => return None,
    };
    Some(ObsDate {
        start: Date::new(y, m, 1)?,
        frequency: d.frequency,
    })
}

/// Model-time periods the model is aggregated over for observations at `dates`: each
/// observation's period (its last month for `december`), preceded by the previous period's for
/// a change. `None` when a change needs a period before a date that has none (daily data).
pub(crate) fn observation_periods(
    dates: &[ObsDate],
    origin: f64,
    how: PeriodAggregation,
    change: bool,
) -> Option<Vec<(f64, f64)>> {
    let period = |d: ObsDate| -> Option<(f64, f64)> {
        Some(match how {
            PeriodAggregation::LastMonth => d.last_month()?.model_period(origin),
            PeriodAggregation::Plain(_) => d.model_period(origin),
        })
    };
    let mut out = Vec::with_capacity(dates.len() * (1 + usize::from(change)));
    for &d in dates {
        if change {
            out.push(period(previous(d)?)?);
        }
        out.push(period(d)?);
    }
    Some(out)
}

/// The observation dates of a series between `from` and `to` (decimal years), all of them,
/// observed or not (for counterfactual paths and forecasts).
pub(crate) fn dates_between(series: &EpisodeSeries, from: f64, to: f64) -> Vec<ObsDate> {
    let (Some(&first), Some(&last)) = (series.dates().first(), series.dates().last()) else {
        return Vec::new();
    };
    // An open end stops at the table's first or last date.
    let from = if from.is_finite() {
        from
    } else {
        first.period().0
    };
    let to = if to.is_finite() { to } else { last.period().1 };
    // Step from the series' first date (regular frequencies), so dates outside the table's
    // span are included too.
    let mut d = first;
    while d.period().0 > from {
        match previous(d) {
            Some(p) => d = p,
            None => break,
        }
    }
    let mut out = Vec::new();
    while d.period().0 < to {
        let (a, b) = d.period();
        if a >= from - 1e-9 && b <= to + 1e-9 {
            out.push(d);
        }
        if !d.frequency.is_regular() {
            break;
        }
        d = d.next();
    }
    out
}

/// The series on the measure at every observed date: the table's values, or with
/// `data_is = "level"` each observation's change against the previous period's value; and the
/// unit of those values.
fn measured_series(
    series: &EpisodeSeries,
    measure: Measure,
    data_is: DataIs,
) -> (Vec<(ObsDate, f64)>, String) {
    let observed: Vec<(ObsDate, f64)> = series
        .dates()
        .iter()
        .zip(series.values())
        .filter(|(_, v)| !v.is_nan())
        .map(|(d, v)| (*d, *v))
        .collect();
    if data_is != DataIs::Level {
        return (observed, series.unit.clone());
    }
    let value_at = |d: ObsDate| {
        series
            .dates()
            .iter()
            .position(|x| *x == d)
            .map(|i| series.values()[i])
    };
    let changes = observed
        .iter()
        .filter_map(|&(d, y)| {
            let prev = previous(d).and_then(value_at)?;
            data_changes(prev, &[y], measure)[0].map(|c| (d, c))
        })
        .collect();
    let unit = match measure {
        Measure::PercentChange => "percent",
        _ => "log_points",
    };
    (changes, unit.to_string())
}

/// What `setup` needs of the episode.
pub(crate) struct EpisodeContext<'a> {
    pub id: &'a str,
    pub model_path: &'a std::path::Path,
    pub origin: f64,
    pub settings: &'a RunSettings,
    /// Window in decimal years (`None`: every observation).
    pub window: Option<(f64, f64)>,
    /// Holdout (out-of-sample forecast) period in decimal years.
    pub holdout: Option<(f64, f64)>,
    /// Horizon of counterfactual paths in decimal years (`None`: the window).
    pub horizon: Option<(f64, f64)>,
}

fn unit_of(model: &CompiledModel, output: usize) -> Option<&str> {
    model.outputs()[output].units.as_deref()
}

/// Validates one mapping for one episode (every error names the experiment file, and where the
/// fault is a key of the mapping, its line and column).
pub(crate) fn setup(
    m: &MappingSpec,
    model: &CompiledModel,
    series: &EpisodeSeries,
    table: &str,
    ep: &EpisodeContext<'_>,
    loc: &Located<'_>,
) -> Result<MappingSetup, CalibrateError> {
    let name = m.series.get_ref().as_str();
    let variable = m.variable.get_ref().as_str();
    let output = model.output_index(variable).ok_or_else(|| {
        let names: Vec<&str> = model.outputs().iter().map(|o| o.name.as_str()).collect();
        let hint = pressure_model::nearest(variable, names)
            .map(|s| format!(" (did you mean `{s}`?)"))
            .unwrap_or_default();
        loc.error(
            &m.variable,
            format!(
                "[[mapping]] variable `{variable}` is not a variable of model {}{hint}",
                ep.model_path.display()
            ),
        )
    })?;

    // Frequency: the model output must be saved at least as often.
    let period_len = match series.frequency {
        Frequency::Annual => 1.0,
        Frequency::Quarterly => 0.25,
        Frequency::Monthly => 1.0 / 12.0,
        Frequency::Daily => 1.0 / 366.0,
        Frequency::Event => {
            return Err(loc.error(
                &m.series,
                format!("[[mapping]] series `{name}` is an event series (dated events, frequency `event`): events cannot be aggregated into the path of model variable `{variable}`; map a count or indicator series with a regular frequency instead"),
            ))
        }
    };

    // The unit the file declares must be the table's.
    let unit = m.unit.get_ref().as_str();
    if unit != series.unit {
        return Err(loc.error(
            &m.unit,
            format!(
                "[[mapping]] `{name}`: unit `{unit}`, but {table} gives series `{name}` in `{}`",
                series.unit
            ),
        ));
    }
    let measure = m.measure.as_ref().map_or(Measure::Level, |s| *s.get_ref());
    let data_is = m
        .data_is
        .as_ref()
        .map_or(DataIs::Measured, |s| *s.get_ref());
    let variable_is = *m.variable_is.get_ref();
    let scale = Observation::check(
        variable_is,
        measure,
        data_is,
        unit,
        m.scale.as_ref().map(|s| *s.get_ref()),
        unit_of(model, output),
    )
    .map_err(|(key, msg)| {
        let span = match key {
            Key::VariableIs => m.variable_is.span(),
            Key::Measure => m
                .measure
                .as_ref()
                .map_or(m.variable_is.span(), |s| s.span()),
            Key::Unit => m.unit.span(),
            Key::Scale => m.scale.as_ref().map_or(m.unit.span(), |s| s.span()),
            Key::Transform => m.transform.as_ref().map_or(m.unit.span(), |s| s.span()),
            Key::DataIs => m.data_is.as_ref().map_or(m.unit.span(), |s| s.span()),
        };
        loc.error_at(
            span,
            format!("[[mapping]] `{name}` (model `{variable}`): {msg}"),
        )
    })?;
    let how = match &m.aggregate {
        Some(a) => PeriodAggregation::parse(a.get_ref()).ok_or_else(|| {
            loc.error(
                a,
                format!(
                    "[[mapping]] `{name}`: aggregate `{}` is not mean, end_of_period, start_of_period, midpoint, integral or december",
                    a.get_ref()
                ),
            )
        })?,
        None => PeriodAggregation::Plain(pressure_data::align::Aggregation::Mean),
    };
    let transform = m
        .transform
        .as_ref()
        .map_or(SeriesTransform::Level, |t| *t.get_ref());
    if transform == SeriesTransform::Log1p && measure.is_change() {
        return Err(loc.error(
            m.transform.as_ref().expect("log1p was given"),
            format!("[[mapping]] `{name}`: transform = \"log1p\" is for levels (a premium), not changes"),
        ));
    }

    let needed = if how == PeriodAggregation::LastMonth {
        1.0 / 12.0
    } else {
        period_len
    };
    if ep.settings.save_every > needed * (1.0 + 1e-9) {
        return Err(loc.error(
            &m.series,
            format!(
                "[[mapping]] series `{name}` is {} data{}, but episode `{}` saves model output every {} years: it cannot be aggregated to those periods (set save_every <= {:.6} in the [[episode]])",
                series.frequency.as_str(),
                if how == PeriodAggregation::LastMonth { " compared by its last month" } else { "" },
                ep.id,
                ep.settings.save_every,
                needed
            ),
        ));
    }

    // The series on the measure (changes of the table's level with data_is = "level"),
    // every observed date of the table.
    let (all, result_unit) = measured_series(series, measure, data_is);
    let (from, to) = ep.window.unwrap_or((f64::NEG_INFINITY, f64::INFINITY));
    let inside = |d: &ObsDate, a: f64, b: f64| {
        let (p, q) = d.period();
        p >= a && q <= b
    };
    let obs: Vec<(ObsDate, f64)> = all
        .iter()
        .copied()
        .filter(|(d, _)| inside(d, from, to))
        .collect();
    if obs.is_empty() {
        return Err(loc.error(
            &m.series,
            format!(
                "series `{name}` of episode `{}` has no observations in the window{}",
                ep.id,
                if data_is == DataIs::Level {
                    " with a previous period to compare with"
                } else {
                    ""
                }
            ),
        ));
    }
    let dates: Vec<ObsDate> = obs.iter().map(|o| o.0).collect();
    let periods =
        observation_periods(&dates, ep.origin, how, measure.is_change()).ok_or_else(|| {
            loc.error(
                &m.series,
                format!("[[mapping]] `{name}`: a change or `december` needs a regular frequency"),
            )
        })?;
    let (t0, t1) = (ep.settings.start, ep.settings.stop);
    if let Some(&(a, b)) = periods
        .iter()
        .find(|(a, b)| *a < t0 - 1e-9 || *b > t1 + 1e-9)
    {
        return Err(loc.error(
            &m.series,
            format!(
                "episode `{}`, series `{name}`: the data window needs model output over [{a:.4}, {b:.4}] (model time, origin {}), outside the model's time span [{t0}, {t1}]{}; set start/stop in the [[episode]] or a narrower window",
                ep.id,
                ep.origin,
                if measure.is_change() {
                    " (a change also needs the period before the first observation)"
                } else {
                    ""
                }
            ),
        ));
    }
    let raw: Vec<f64> = obs.iter().map(|o| o.1).collect();
    let mut observed = Vec::with_capacity(raw.len());
    for (d, v) in &obs {
        observed.push(transform.apply(*v, &result_unit).ok_or_else(|| {
            loc.error_at(
                m.transform.as_ref().map_or(m.series.span(), |t| t.span()),
                format!(
                    "series `{name}` has value {v} at {d} ({}{}): outside the domain of transform = \"{}\"",
                    series
                        .location_of(*d)
                        .map_or_else(|| "date not in the table".to_string(), |l| l.to_string()),
                    if data_is == DataIs::Level {
                        "; the change computed from the level there"
                    } else {
                        ""
                    },
                    transform.name()
                ),
            )
        })?);
    }
    if m.error.share_sigma
        && !matches!(
            m.error.model,
            ErrorModel::Normal { sigma: None } | ErrorModel::LogNormal { sigma: None }
        )
    {
        return Err(loc.error(
            &m.series,
            format!("[[mapping]] `{name}`: share_sigma needs normal or log-normal errors with σ estimated (no `sigma`)"),
        ));
    }
    // Paths for counterfactuals: every period of the series' frequency in the episode's
    // horizon (observed or not); the holdout's observations; the previous period's value of
    // each observation (random-walk and AR(1) benchmarks).
    let horizon = ep.horizon.unwrap_or((from, to));
    let path_dates = dates_between(series, horizon.0.max(from), horizon.1);
    let path_dates: Vec<ObsDate> = path_dates
        .into_iter()
        .filter(|d| {
            observation_periods(&[*d], ep.origin, how, measure.is_change())
                .is_some_and(|p| p.iter().all(|(a, b)| *a >= t0 - 1e-9 && *b <= t1 + 1e-9))
        })
        .collect();
    let path_periods = observation_periods(&path_dates, ep.origin, how, measure.is_change())
        .expect("checked above");
    let holdout: Vec<(ObsDate, f64)> = match ep.holdout {
        Some((a, b)) => all
            .iter()
            .copied()
            .filter(|(d, _)| inside(d, a, b))
            .collect(),
        None => Vec::new(),
    };
    let holdout_dates: Vec<ObsDate> = holdout.iter().map(|o| o.0).collect();
    let holdout_periods = observation_periods(&holdout_dates, ep.origin, how, measure.is_change())
        .unwrap_or_default();
    if let Some(&(a, b)) = holdout_periods
        .iter()
        .find(|(a, b)| *a < t0 - 1e-9 || *b > t1 + 1e-9)
    {
        return Err(loc.error(
            &m.series,
            format!(
                "episode `{}`, series `{name}`: the holdout needs model output over [{a:.4}, {b:.4}] (model time), outside the run [{t0}, {t1}]; set stop in the [[episode]]",
                ep.id
            ),
        ));
    }
    let previous_value =
        |d: ObsDate| previous(d).and_then(|p| all.iter().find(|(x, _)| *x == p).map(|(_, v)| *v));
    let previous_observed = dates.iter().map(|d| previous_value(*d)).collect();
    Ok(MappingSetup {
        path_dates,
        path_periods,
        holdout_dates,
        holdout_periods,
        holdout_observed: holdout.iter().map(|o| o.1).collect(),
        previous_observed,
        series: name.to_string(),
        variable: variable.to_string(),
        output,
        observation: Observation {
            variable_is,
            aggregation: how.aggregation(),
            measure,
            scale,
        },
        transform,
        error: m.error.model.clone(),
        share_sigma: m.error.share_sigma,
        dates,
        periods,
        observed,
        raw_observed: raw,
        unit: result_unit,
    })
}
