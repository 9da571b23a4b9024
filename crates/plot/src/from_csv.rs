//! Redrawing figures from CSV files (`pressure plot KIND INPUT.csv`). Each kind reads one
//! documented layout (see the crate documentation, "CSV layouts"); columns are found by name,
//! in any order, extra columns are ignored, and `#` starts a comment line.

use crate::data::*;
use crate::error::PlotError;
use crate::figure::Figure;
use crate::kinds;
use crate::style::Width;
use crate::table::Table;
use std::fmt;
use std::path::Path;
use std::str::FromStr;

/// The figure kinds `pressure plot` draws from CSV.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FigureKind {
    /// `timeseries`: one panel of lines, bands, observed points ([`crate::time_series`]).
    TimeSeries,
    /// `fit-grid`: one panel per observable, fit and data ([`crate::fit_grid`]).
    FitGrid,
    /// `scenarios`: runs of one or more variables ([`crate::scenario_comparison`]).
    Scenarios,
    /// `tornado`: one-at-a-time swings ([`crate::tornado`]).
    Tornado,
    /// `morris`: the μ*–σ plane ([`crate::morris`]).
    Morris,
    /// `sobol`: first-order and total indices ([`crate::sobol`]).
    Sobol,
    /// `indices-time`: indices by output time ([`crate::indices_over_time`]).
    IndicesOverTime,
    /// `profile`: likelihood profiles ([`crate::profile_likelihood`]).
    Profile,
    /// `posterior`: marginal histograms of draws ([`crate::posterior_marginals`]).
    Posterior,
    /// `pairs`: the pairs matrix of draws ([`crate::pairs`]).
    Pairs,
    /// `event-study`: coefficients by event time ([`crate::event_study`]).
    EventStudy,
    /// `kaplan-meier`: survival curves by group ([`crate::kaplan_meier`]).
    KaplanMeier,
    /// `coef`: a coefficient plot ([`crate::coefficient_plot`]).
    Coefficients,
}

impl FigureKind {
    /// Command-line names, in the order of [`FigureKind::ALL`].
    pub const NAMES: [&'static str; 13] = [
        "timeseries",
        "fit-grid",
        "scenarios",
        "tornado",
        "morris",
        "sobol",
        "indices-time",
        "profile",
        "posterior",
        "pairs",
        "event-study",
        "kaplan-meier",
        "coef",
    ];

    /// Every kind, in the order of [`FigureKind::NAMES`].
    pub const ALL: [FigureKind; 13] = [
        FigureKind::TimeSeries,
        FigureKind::FitGrid,
        FigureKind::Scenarios,
        FigureKind::Tornado,
        FigureKind::Morris,
        FigureKind::Sobol,
        FigureKind::IndicesOverTime,
        FigureKind::Profile,
        FigureKind::Posterior,
        FigureKind::Pairs,
        FigureKind::EventStudy,
        FigureKind::KaplanMeier,
        FigureKind::Coefficients,
    ];

    /// The kind's name on the command line (`time-series`, `tornado`, ...).
    pub fn name(self) -> &'static str {
        Self::NAMES[Self::ALL.iter().position(|k| *k == self).unwrap_or(0)]
    }

    /// The columns this kind reads, for help texts and error messages.
    pub fn layout(self) -> &'static str {
        match self {
            FigureKind::TimeSeries | FigureKind::FitGrid => {
                "layout: time (or date: YYYY, YYYY-Qn, YYYY-MM, YYYY-MM-DD), model and/or observed; optional observable (or series, variable), episode, unit, lower, upper, level, time_unit, model_label and observed_label (legend names)"
            }
            FigureKind::Scenarios => {
                "layout: scenario, time, value; optional variable, unit, lower, upper, time_unit"
            }
            FigureKind::Tornado => {
                "layout: parameter, output_at_low, output_at_high, output_at_base (or low, high, base); optional output, unit"
            }
            FigureKind::Morris => "layout: parameter, mu_star, sigma; optional mu_star_conf, output, unit",
            FigureKind::Sobol => {
                "layout: parameter, S1, ST; optional S1_conf, ST_conf (or S1_low, S1_high, ST_low, ST_high), output"
            }
            FigureKind::IndicesOverTime => {
                "layout: parameter, time, value with optional index, lower, upper; or parameter, time, S1, ST with optional S1_conf, ST_conf; optional variable (or output; one is drawn: --select), time_unit"
            }
            FigureKind::Profile => {
                "layout: parameter, value, deviance (or nll); optional estimate, lower, upper, threshold, unit"
            }
            FigureKind::Posterior | FigureKind::Pairs => {
                "layout: one numeric column per parameter (header `name` or `name [unit]`); chain, draw, iteration, lp, log_target columns are skipped"
            }
            FigureKind::EventStudy => {
                "layout: event_time (or relative_time, horizon), estimate, and lower, upper (or ci_lower, ci_upper) or std_error; optional series"
            }
            FigureKind::KaplanMeier => {
                "layout: time, survival; optional group, lower, upper, censored, time_unit"
            }
            FigureKind::Coefficients => {
                "layout: term, estimate, and lower, upper (or ci_lower, ci_upper) or std_error; optional model (draws one: --select), unit"
            }
        }
    }
}

impl fmt::Display for FigureKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for FigureKind {
    type Err = PlotError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::NAMES
            .iter()
            .position(|n| *n == s)
            .map(|i| Self::ALL[i])
            .ok_or_else(|| PlotError::UnknownKind {
                given: s.to_string(),
            })
    }
}

/// What `pressure plot` may change without touching the data.
#[derive(Debug, Clone, Default)]
pub struct CsvOptions {
    /// Single (3.35 in) or double (6.9 in) journal column.
    pub width: Width,
    /// Replaces the x-axis title (write the unit in it, e.g. `Year` or `Time (month)`).
    pub x_label: Option<String>,
    /// Replaces the y-axis title.
    pub y_label: Option<String>,
    /// Keeps only the panel (observable, variable, output or parameter) with this name; for
    /// the draws kinds (`posterior`, `pairs`) a comma-separated list of parameters.
    pub select: Option<String>,
    /// A note under the figure, e.g. the data source.
    pub note: Option<String>,
}

/// Reads `path` in the layout of `kind` and draws the figure.
///
/// ```
/// use pressure_plot::{figure_from_csv, CsvOptions, FigureKind, Width};
/// let path = std::env::temp_dir().join(format!("pressure_plot_doc_{}.csv", std::process::id()));
/// std::fs::write(&path, "term,estimate,lower,upper\nsanctions,-1.2,-2.0,-0.4\n").unwrap();
/// let opts = CsvOptions { width: Width::Double, x_label: Some("Effect (pp)".into()), ..Default::default() };
/// let fig = figure_from_csv(FigureKind::Coefficients, &path, &opts).unwrap();
/// std::fs::remove_file(&path).unwrap();
/// assert!(fig.svg().contains(">Effect (pp)</text>"));
/// assert!(fig.width_px() > 2000); // double column: 6.9 in × 300 dpi = 2070 px
/// ```
pub fn figure_from_csv(
    kind: FigureKind,
    path: &Path,
    opts: &CsvOptions,
) -> Result<Figure, PlotError> {
    let table = Table::read(path)?;
    let fig = draw(kind, &table, opts)?;
    Ok(match &opts.note {
        Some(n) => fig.with_note(n),
        None => fig,
    })
}

/// Like [`figure_from_csv`] for CSV text already in memory; `name` stands for the file in
/// error messages.
///
/// ```
/// use pressure_plot::{figure_from_csv_bytes, CsvOptions, FigureKind};
/// let csv = b"parameter,low,high,base,output,unit\nmoney growth,12,31,20,inflation,% per year\n";
/// let fig = figure_from_csv_bytes(
///     FigureKind::Tornado,
///     "swings.csv".as_ref(),
///     csv,
///     &CsvOptions { note: Some("Source: a made-up run.".into()), ..Default::default() },
/// ).unwrap();
/// assert!(fig.svg().contains(">money growth</text>"));
/// // A missing column is an error that names the file and the layout.
/// let err = figure_from_csv_bytes(FigureKind::Tornado, "swings.csv".as_ref(), b"parameter\nx\n",
///                                 &CsvOptions::default()).unwrap_err();
/// assert!(err.to_string().contains("swings.csv"), "{err}");
/// ```
pub fn figure_from_csv_bytes(
    kind: FigureKind,
    name: &Path,
    bytes: &[u8],
    opts: &CsvOptions,
) -> Result<Figure, PlotError> {
    let table = Table::parse(name, bytes)?;
    let fig = draw(kind, &table, opts)?;
    Ok(match &opts.note {
        Some(n) => fig.with_note(n),
        None => fig,
    })
}

fn draw(kind: FigureKind, t: &Table, o: &CsvOptions) -> Result<Figure, PlotError> {
    let w = o.width;
    match kind {
        FigureKind::TimeSeries => {
            let panels = fit_panels(t, o, kind)?;
            if panels.len() > 1 {
                return Err(PlotError::Csv {
                    path: t.path.clone(),
                    line: None,
                    column: Some("observable".into()),
                    message: format!(
                        "{} observables ({}): draw them with `fit-grid`, or pick one with --select",
                        panels.len(),
                        panels
                            .iter()
                            .filter_map(|p| p.title.clone())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                });
            }
            kinds::time_series(&panels[0], w)
        }
        FigureKind::FitGrid => kinds::fit_grid(&fit_panels(t, o, kind)?, w),
        FigureKind::Scenarios => kinds::scenario_comparison(&scenario_panels(t, o)?, w),
        FigureKind::Tornado => kinds::tornado(&tornado(t, o)?, w),
        FigureKind::Morris => kinds::morris(&morris(t, o)?, w),
        FigureKind::Sobol => kinds::sobol(&sobol(t, o)?, w),
        FigureKind::IndicesOverTime => kinds::indices_over_time(&index_panels(t, o)?, w),
        FigureKind::Profile => kinds::profile_likelihood(&profiles(t, o)?, w),
        FigureKind::Posterior => {
            let (params, draws) = draws(t, o)?;
            let marginals: Vec<Marginal> = params
                .into_iter()
                .zip(draws)
                .map(|(parameter, draws)| Marginal {
                    parameter,
                    draws,
                    interval: None,
                    estimate: None,
                })
                .collect();
            kinds::posterior_marginals(&marginals, w)
        }
        FigureKind::Pairs => {
            let (parameters, draws) = draws(t, o)?;
            kinds::pairs(&Pairs { parameters, draws }, w)
        }
        FigureKind::EventStudy => kinds::event_study(&event_study(t, o)?, w),
        FigureKind::KaplanMeier => kinds::kaplan_meier(&kaplan_meier(t, o)?, w),
        FigureKind::Coefficients => kinds::coefficient_plot(&coefficients(t, o)?, w),
    }
}

/// Groups row indices by the text of a key column, in order of first appearance; without the
/// column every row is in one group named `default`.
fn groups(t: &Table, col: Option<usize>, default: &str) -> Vec<(String, Vec<usize>)> {
    let mut out: Vec<(String, Vec<usize>)> = Vec::new();
    for r in 0..t.len() {
        let key = t.text(r, col, default).to_string();
        match out.iter_mut().find(|(k, _)| *k == key) {
            Some((_, rows)) => rows.push(r),
            None => out.push((key, vec![r])),
        }
    }
    out
}

/// Applies `--select` to grouped rows.
fn select(
    t: &Table,
    groups: Vec<(String, Vec<usize>)>,
    o: &CsvOptions,
    what: &str,
) -> Result<Vec<(String, Vec<usize>)>, PlotError> {
    match &o.select {
        None => Ok(groups),
        Some(s) => {
            let names: Vec<String> = groups.iter().map(|g| g.0.clone()).collect();
            let kept: Vec<_> = groups.into_iter().filter(|g| &g.0 == s).collect();
            if kept.is_empty() {
                Err(PlotError::Csv {
                    path: t.path.clone(),
                    line: None,
                    column: None,
                    message: format!("no {what} named `{s}`; the file has: {}", names.join(", ")),
                })
            } else {
                Ok(kept)
            }
        }
    }
}

/// An axis label from an override text, or title + unit.
fn label(over: &Option<String>, title: &str, unit: &str) -> AxisLabel {
    match over {
        Some(text) => AxisLabel::new(text.clone(), ""),
        None => AxisLabel::new(title, unit),
    }
}

/// A calendar date as a decimal year: `2012` → 2012, `2012-Q3` → 2012.5, `2012-03` →
/// 2012 + 2/12, `2012-03-15` → 2012 + (day of year − 1)/(days in year).
fn decimal_year(s: &str) -> Option<f64> {
    let mut parts = s.trim().split('-');
    let year: i32 = parts.next()?.parse().ok()?;
    let y = f64::from(year);
    let Some(second) = parts.next() else {
        return Some(y);
    };
    if let Some(q) = second.strip_prefix('Q') {
        let q: u32 = q.parse().ok().filter(|q| (1..=4).contains(q))?;
        return parts.next().is_none().then(|| y + f64::from(q - 1) / 4.0);
    }
    let month: u32 = second.parse().ok().filter(|m| (1..=12).contains(m))?;
    let Some(third) = parts.next() else {
        return Some(y + f64::from(month - 1) / 12.0);
    };
    let day: u32 = third.parse().ok()?;
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let lengths = [
        31,
        if leap { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    if day == 0 || day > lengths[month as usize - 1] || parts.next().is_some() {
        return None;
    }
    let before: u32 = lengths[..month as usize - 1].iter().sum();
    let days_in_year = if leap { 366.0 } else { 365.0 };
    Some(y + f64::from(before + day - 1) / days_in_year)
}

fn time_label(t: &Table, o: &CsvOptions, rows: &[usize]) -> AxisLabel {
    let unit_col = t.col(&["time_unit"]);
    let unit = rows.first().map_or("", |&r| t.text(r, unit_col, ""));
    label(&o.x_label, "Time", unit)
}

/// Reads (x, lower, upper) for a band when both bound columns are present and filled.
fn band_point(
    t: &Table,
    r: usize,
    x: f64,
    lo: Option<usize>,
    hi: Option<usize>,
) -> Result<Option<(f64, f64, f64)>, PlotError> {
    match (t.opt_num(r, lo)?, t.opt_num(r, hi)?) {
        (Some(l), Some(h)) => {
            if l > h {
                return Err(t.row_err(
                    r,
                    lo,
                    format!("lower bound {l} is above the upper bound {h}"),
                ));
            }
            Ok(Some((x, l, h)))
        }
        _ => Ok(None),
    }
}

fn fit_panels(
    t: &Table,
    o: &CsvOptions,
    kind: FigureKind,
) -> Result<Vec<TimeSeriesPanel>, PlotError> {
    let layout = kind.layout();
    // `pressure calibrate` writes calendar dates (`2012`, `2012-Q3`, `2012-03`, `2012-03-15`).
    let date = t.col(&["date"]);
    let time = match date {
        Some(c) if t.col(&["time", "t", "year"]).is_none() => c,
        _ => t.require(&["time", "t", "year"], layout)?,
    };
    let x_of = |r: usize| -> Result<f64, PlotError> {
        if Some(time) == date {
            decimal_year(t.text(r, Some(time), "")).ok_or_else(|| {
                t.row_err(
                    r,
                    Some(time),
                    format!(
                        "expected a date (YYYY, YYYY-Qn, YYYY-MM or YYYY-MM-DD), found `{}`",
                        t.text(r, Some(time), "")
                    ),
                )
            })
        } else {
            t.num(r, time)
        }
    };
    let model = t.col(&["model", "fitted", "simulated"]);
    let observed = t.col(&["observed", "data"]);
    if model.is_none() && observed.is_none() {
        t.require(&["model", "fitted", "simulated"], layout)?;
    }
    let (lo, hi) = (t.col(&["lower", "lo"]), t.col(&["upper", "hi"]));
    let level = t.col(&["level"]);
    // Legend names: "model" and "observed" unless the file names them (points that are outside
    // estimates rather than data, say).
    let legend = |c: Option<usize>, default: &str| -> String {
        (0..t.len())
            .map(|r| t.text(r, c, "").trim().to_string())
            .find(|s| !s.is_empty())
            .unwrap_or_else(|| default.to_string())
    };
    let model_name = legend(t.col(&["model_label"]), "model");
    let observed_name = legend(t.col(&["observed_label"]), "observed");
    let key = t.col(&["observable", "series", "variable"]);
    let unit = t.col(&["unit", "units"]);
    // Several episodes make one panel per (episode, observable).
    let episode = t
        .col(&["episode"])
        .filter(|&c| groups(t, Some(c), "").len() > 1);
    let mut keyed: Vec<(String, Vec<usize>)> = Vec::new();
    for r in 0..t.len() {
        let name = match episode {
            Some(e) => format!("{}: {}", t.text(r, Some(e), ""), t.text(r, key, "")),
            None => t.text(r, key, "").to_string(),
        };
        match keyed.iter_mut().find(|(k, _)| *k == name) {
            Some((_, v)) => v.push(r),
            None => keyed.push((name, vec![r])),
        }
    }
    let groups = select(t, keyed, o, "observable")?;
    let mut panels = Vec::new();
    for (name, rows) in groups {
        let mut line = Vec::new();
        let mut band = Vec::new();
        let mut obs = Vec::new();
        for &r in &rows {
            let x = x_of(r)?;
            if let Some(v) = t.opt_num(r, model)? {
                line.push((x, v));
            }
            if let Some(v) = t.opt_num(r, observed)? {
                obs.push((x, v));
            }
            if let Some(b) = band_point(t, r, x, lo, hi)? {
                band.push(b);
            }
        }
        let title = if name.is_empty() {
            "Value".to_string()
        } else {
            name.clone()
        };
        let band_label = match rows.first().map(|&r| t.text(r, level, "")) {
            Some(l) if !l.is_empty() => format!("{l} interval"),
            _ => "interval".to_string(),
        };
        panels.push(TimeSeriesPanel {
            title: Some(title.clone()),
            x: if Some(time) == date {
                label(&o.x_label, "Year", "")
            } else {
                time_label(t, o, &rows)
            },
            y: label(
                &o.y_label,
                &title,
                rows.first().map_or("", |&r| t.text(r, unit, "")),
            ),
            lines: if line.is_empty() {
                vec![]
            } else {
                vec![Series::new(&model_name, line)]
            },
            bands: if band.is_empty() {
                vec![]
            } else {
                vec![Band {
                    series: model_name.clone(),
                    label: band_label,
                    points: band,
                }]
            },
            observed: if obs.is_empty() {
                vec![]
            } else {
                vec![Series::new(&observed_name, obs)]
            },
            events: vec![],
            y_range: None,
        });
    }
    Ok(panels)
}

fn scenario_panels(t: &Table, o: &CsvOptions) -> Result<Vec<TimeSeriesPanel>, PlotError> {
    let layout = FigureKind::Scenarios.layout();
    let scenario = t.require(&["scenario", "run"], layout)?;
    let time = t.require(&["time", "t", "year"], layout)?;
    let value = t.require(&["value"], layout)?;
    let (lo, hi) = (t.col(&["lower", "lo"]), t.col(&["upper", "hi"]));
    let variable = t.col(&["variable", "observable"]);
    let unit = t.col(&["unit", "units"]);
    let mut panels = Vec::new();
    for (var, rows) in select(t, groups(t, variable, ""), o, "variable")? {
        let title = if var.is_empty() {
            "Value".to_string()
        } else {
            var.clone()
        };
        let mut p = TimeSeriesPanel {
            title: Some(title.clone()),
            x: time_label(t, o, &rows),
            y: label(&o.y_label, &title, t.text(rows[0], unit, "")),
            ..Default::default()
        };
        // (scenario, points, band) in order of first appearance.
        type Run = (String, Vec<(f64, f64)>, Vec<(f64, f64, f64)>);
        let mut by_scenario: Vec<Run> = Vec::new();
        for &r in &rows {
            let s = t.text(r, Some(scenario), "").to_string();
            let x = t.num(r, time)?;
            let v = t.num(r, value)?;
            let b = band_point(t, r, x, lo, hi)?;
            let entry = match by_scenario.iter_mut().position(|e| e.0 == s) {
                Some(i) => &mut by_scenario[i],
                None => {
                    by_scenario.push((s.clone(), vec![], vec![]));
                    by_scenario.last_mut().expect("just pushed")
                }
            };
            entry.1.push((x, v));
            entry.2.extend(b);
        }
        for (s, pts, band) in by_scenario {
            if !band.is_empty() {
                p.bands.push(Band {
                    series: s.clone(),
                    label: String::new(),
                    points: band,
                });
            }
            p.lines.push(Series::new(s, pts));
        }
        panels.push(p);
    }
    Ok(panels)
}

/// The single output named in an `output` column (after `--select`), for axis titles.
fn single_output(
    t: &Table,
    o: &CsvOptions,
    col: Option<usize>,
) -> Result<(String, Vec<usize>), PlotError> {
    single_key(t, o, col, "output")
}

/// The rows of the one value of a key column (after `--select`); several values are an error
/// that lists them.
fn single_key(
    t: &Table,
    o: &CsvOptions,
    col: Option<usize>,
    what: &str,
) -> Result<(String, Vec<usize>), PlotError> {
    let mut gs = select(t, groups(t, col, ""), o, what)?;
    if gs.len() > 1 {
        return Err(PlotError::Csv {
            path: t.path.clone(),
            line: None,
            column: Some(what.into()),
            message: format!(
                "{} {what}s ({}): pick one with --select",
                gs.len(),
                gs.iter()
                    .map(|g| g.0.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        });
    }
    Ok(gs.remove(0))
}

fn tornado(t: &Table, o: &CsvOptions) -> Result<Tornado, PlotError> {
    let layout = FigureKind::Tornado.layout();
    let param = t.require(&["parameter", "name"], layout)?;
    // `pressure sensitivity` (OAT) writes output_at_low/high/base next to the parameter's
    // own low/high values (`low`, `high`): the output columns win when both are present.
    let low = t.require(&["output_at_low", "low", "output_low"], layout)?;
    let high = t.require(&["output_at_high", "high", "output_high"], layout)?;
    let base = t.require(
        &["output_at_base", "base", "output_base", "base_output"],
        layout,
    )?;
    let (output, rows) = single_output(t, o, t.col(&["output"]))?;
    let unit = t.text(rows[0], t.col(&["unit", "units"]), "").to_string();
    let base_value = t.num(rows[0], base)?;
    let mut out = Vec::new();
    for &r in &rows {
        let b = t.num(r, base)?;
        if (b - base_value).abs() > 1e-9 * base_value.abs().max(1.0) {
            return Err(t.row_err(
                r,
                Some(base),
                format!(
                    "base {b} differs from the first row's {base_value}; one tornado has one base"
                ),
            ));
        }
        out.push(TornadoRow {
            parameter: t.text(r, Some(param), "").to_string(),
            low: t.num(r, low)?,
            high: t.num(r, high)?,
        });
    }
    Ok(Tornado {
        output: label(
            &o.x_label,
            if output.is_empty() { "Output" } else { &output },
            &unit,
        ),
        base: base_value,
        rows: out,
    })
}

fn morris(t: &Table, o: &CsvOptions) -> Result<Morris, PlotError> {
    let layout = FigureKind::Morris.layout();
    let param = t.require(&["parameter", "names", "name"], layout)?;
    let mu_star = t.require(&["mu_star"], layout)?;
    let sigma = t.require(&["sigma"], layout)?;
    let conf = t.col(&["mu_star_conf"]);
    let (output, rows) = single_output(t, o, t.col(&["output"]))?;
    let unit = t.text(rows[0], t.col(&["unit", "units"]), "").to_string();
    let mut points = Vec::new();
    for &r in &rows {
        points.push(MorrisPoint {
            parameter: t.text(r, Some(param), "").to_string(),
            mu_star: t.num(r, mu_star)?,
            sigma: t.num(r, sigma)?,
            mu_star_conf: t.opt_num(r, conf)?,
        });
    }
    Ok(Morris {
        output: AxisLabel::new(output, unit),
        points,
    })
}

fn sobol(t: &Table, o: &CsvOptions) -> Result<Sobol, PlotError> {
    let layout = FigureKind::Sobol.layout();
    let param = t.require(&["parameter", "names", "name"], layout)?;
    let s1 = t.require(&["S1"], layout)?;
    let st = t.require(&["ST"], layout)?;
    let interval = |r: usize, est_col: usize, prefix: &str| -> Result<Interval, PlotError> {
        let est = t.num(r, est_col)?;
        let conf = t.opt_num(r, t.col(&[&format!("{prefix}_conf")]))?;
        let lo = t.opt_num(r, t.col(&[&format!("{prefix}_low")]))?;
        let hi = t.opt_num(r, t.col(&[&format!("{prefix}_high")]))?;
        Ok(match (lo, hi, conf) {
            (Some(l), Some(h), _) => Interval::new(est, l, h),
            (_, _, Some(c)) => Interval::new(est, est - c.abs(), est + c.abs()),
            _ => Interval::new(est, est, est),
        })
    };
    let (output, rows) = single_output(t, o, t.col(&["output"]))?;
    let mut out = Vec::new();
    for &r in &rows {
        out.push(SobolRow {
            parameter: t.text(r, Some(param), "").to_string(),
            first: interval(r, s1, "S1")?,
            total: interval(r, st, "ST")?,
        });
    }
    Ok(Sobol {
        output: if output.is_empty() {
            "the output".into()
        } else {
            output
        },
        rows: out,
    })
}

fn index_panels(t: &Table, o: &CsvOptions) -> Result<Vec<TimeSeriesPanel>, PlotError> {
    let layout = FigureKind::IndicesOverTime.layout();
    let param = t.require(&["parameter", "names", "name"], layout)?;
    let time = t.require(&["time", "t", "year"], layout)?;
    let mut panels = Vec::new();
    // A file with several variables (or outputs) draws one of them: `--select` picks it. With
    // one variable, `--select` picks an index panel instead.
    let key = t.col(&["variable"]).or_else(|| t.col(&["output"]));
    let (all, select_index): (Vec<usize>, bool) = if groups(t, key, "").len() > 1 {
        (single_key(t, o, key, "variable")?.1, false)
    } else {
        ((0..t.len()).collect(), true)
    };
    // Rows without a time are scalar outputs sharing the file (`pressure sensitivity`'s
    // `sobol_indices.csv`), not points of the series.
    let mut timed = Vec::with_capacity(all.len());
    for r in all {
        if t.opt_num(r, Some(time))?.is_some() {
            timed.push(r);
        }
    }
    if timed.is_empty() {
        return Err(PlotError::Csv {
            path: t.path.clone(),
            line: None,
            column: Some(t.headers[time].clone()),
            message: "no row has a time: nothing to draw over time".into(),
        });
    }
    let all = timed;
    let picked = |name: &str, alias: &str| {
        !select_index || o.select.as_ref().is_none_or(|s| s == name || s == alias)
    };
    // Long layout (a value per row, an optional `index` column) or wide (S1, ST columns).
    if let Some(value) = t.col(&["value"]) {
        let (lo, hi) = (t.col(&["lower", "lo"]), t.col(&["upper", "hi"]));
        let by_index = match t.col(&["index"]) {
            Some(c) => groups_of(t, &all, c),
            None => vec![("Sensitivity index".to_string(), all.clone())],
        };
        for (index, rows) in by_index.into_iter().filter(|(i, _)| picked(i, i)) {
            let mut p = TimeSeriesPanel {
                title: Some(index.clone()),
                x: time_label(t, o, &rows),
                y: label(&o.y_label, "Sensitivity index", ""),
                ..Default::default()
            };
            fill_index_lines(t, &rows, param, time, value, &mut p, |r, x| {
                band_point(t, r, x, lo, hi)
            })?;
            panels.push(p);
        }
        if panels.is_empty() {
            return Err(PlotError::Csv {
                path: t.path.clone(),
                line: None,
                column: Some("index".into()),
                message: "--select matches no index".into(),
            });
        }
        return Ok(panels);
    }
    let wide: Vec<(&str, &str, usize)> =
        [("First-order index S₁", "S1"), ("Total index S_T", "ST")]
            .into_iter()
            .filter_map(|(name, col)| t.col(&[col]).map(|c| (name, col, c)))
            .collect();
    if wide.is_empty() {
        t.require(&["value", "S1", "ST"], layout)?;
    }
    for (name, col, est) in wide {
        if !picked(name, col) {
            continue;
        }
        let conf = t.col(&[&format!("{col}_conf")]);
        let mut p = TimeSeriesPanel {
            title: Some(name.to_string()),
            x: time_label(t, o, &all),
            y: label(&o.y_label, "Sensitivity index", ""),
            ..Default::default()
        };
        fill_index_lines(t, &all, param, time, est, &mut p, |r, x| {
            Ok(match t.opt_num(r, conf)? {
                Some(c) => {
                    let v = t.num(r, est)?;
                    Some((x, v - c.abs(), v + c.abs()))
                }
                None => None,
            })
        })?;
        panels.push(p);
    }
    if panels.is_empty() {
        return Err(PlotError::Csv {
            path: t.path.clone(),
            line: None,
            column: None,
            message: "--select matches neither S1 nor ST".into(),
        });
    }
    Ok(panels)
}

fn fill_index_lines(
    t: &Table,
    rows: &[usize],
    param: usize,
    time: usize,
    value: usize,
    p: &mut TimeSeriesPanel,
    band: impl Fn(usize, f64) -> Result<Option<(f64, f64, f64)>, PlotError>,
) -> Result<(), PlotError> {
    for (name, prow) in groups_of(t, rows, param) {
        let mut pts = Vec::new();
        let mut b = Vec::new();
        for r in prow {
            let x = t.num(r, time)?;
            // An undefined index (`NaN` or empty: the output has no variance at that time, e.g.
            // at the initial time) is not a point; the line skips it.
            let Some(v) = t.opt_num(r, Some(value))? else {
                continue;
            };
            pts.push((x, v));
            b.extend(band(r, x)?);
        }
        if !b.is_empty() {
            p.bands.push(Band {
                series: name.clone(),
                label: String::new(),
                points: b,
            });
        }
        p.lines.push(Series::new(name, pts));
    }
    Ok(())
}

/// Groups a subset of rows by a key column.
fn groups_of(t: &Table, rows: &[usize], col: usize) -> Vec<(String, Vec<usize>)> {
    let mut out: Vec<(String, Vec<usize>)> = Vec::new();
    for &r in rows {
        let key = t.text(r, Some(col), "").to_string();
        match out.iter_mut().find(|(k, _)| *k == key) {
            Some((_, v)) => v.push(r),
            None => out.push((key, vec![r])),
        }
    }
    out
}

fn profiles(t: &Table, o: &CsvOptions) -> Result<Vec<Profile>, PlotError> {
    let layout = FigureKind::Profile.layout();
    let param = t.require(&["parameter", "name"], layout)?;
    let value = t.require(&["value"], layout)?;
    let deviance = t.col(&["deviance", "delta_2ll", "lr"]);
    let nll = t.col(&["nll", "neg_log_lik", "negative_log_likelihood"]);
    if deviance.is_none() && nll.is_none() {
        t.require(&["deviance", "nll"], layout)?;
    }
    let (est, lo, hi, thr) = (
        t.col(&["estimate"]),
        t.col(&["lower", "ci_lower", "ci_low"]),
        t.col(&["upper", "ci_upper", "ci_high"]),
        t.col(&["threshold"]),
    );
    let unit = t.col(&["unit", "units"]);
    let mut out = Vec::new();
    for (name, rows) in select(t, groups(t, Some(param), ""), o, "parameter")? {
        let mut pts = Vec::new();
        for &r in &rows {
            let v = t.num(r, value)?;
            let d = match deviance {
                Some(c) => t.num(r, c)?,
                None => t.num(r, nll.expect("checked above"))?,
            };
            pts.push((v, d));
        }
        if deviance.is_none() {
            // Deviance from the negative log-likelihood: 2·(nll − min nll).
            let min = pts.iter().map(|p| p.1).fold(f64::INFINITY, f64::min);
            for p in &mut pts {
                p.1 = 2.0 * (p.1 - min);
            }
        }
        let first = rows[0];
        let interval = match (t.opt_num(first, lo)?, t.opt_num(first, hi)?) {
            (Some(a), Some(b)) => Some((a, b)),
            _ => None,
        };
        out.push(Profile {
            parameter: label(&o.x_label, &name, t.text(first, unit, "")),
            points: pts,
            estimate: t.opt_num(first, est)?,
            interval,
            threshold: t.opt_num(first, thr)?.unwrap_or(3.841_458_820_694_124),
        });
    }
    Ok(out)
}

/// Columns of a draws table that are bookkeeping, not parameters.
const NOT_PARAMETERS: [&str; 14] = [
    "chain",
    "draw",
    "iteration",
    "iter",
    "sample",
    "walker",
    "lp",
    "lp__",
    "log_post",
    "log_posterior",
    "log_target",
    "log_density",
    "log_lik",
    "accepted",
];

/// Splits `name [unit]` headers.
fn header_label(h: &str) -> AxisLabel {
    match (h.find('['), h.ends_with(']')) {
        (Some(i), true) => AxisLabel::new(h[..i].trim(), h[i + 1..h.len() - 1].trim()),
        _ => AxisLabel::new(h, ""),
    }
}

fn draws(t: &Table, o: &CsvOptions) -> Result<(Vec<AxisLabel>, Vec<Vec<f64>>), PlotError> {
    let cols: Vec<usize> = (0..t.headers.len())
        .filter(|&c| {
            !NOT_PARAMETERS
                .iter()
                .any(|n| t.headers[c].eq_ignore_ascii_case(n))
        })
        .filter(|&c| {
            // Draws files may hold dozens of parameters: `--select a,b,c` keeps several.
            o.select.as_ref().is_none_or(|s| {
                let title = header_label(&t.headers[c]).title;
                s.split(',').any(|name| name.trim() == title)
            })
        })
        .collect();
    if cols.is_empty() {
        return Err(PlotError::Csv {
            path: t.path.clone(),
            line: Some(1),
            column: None,
            message: format!("no parameter column ({})", FigureKind::Posterior.layout()),
        });
    }
    let mut params = Vec::new();
    let mut columns = Vec::new();
    for c in cols {
        let mut col = Vec::with_capacity(t.len());
        for r in 0..t.len() {
            col.push(t.num(r, c)?);
        }
        params.push(header_label(&t.headers[c]));
        columns.push(col);
    }
    Ok((params, columns))
}

/// (low, high) from explicit bounds or from a standard error (±1.96·se, a 95% normal interval).
fn bounds(
    t: &Table,
    r: usize,
    est: f64,
    lo: Option<usize>,
    hi: Option<usize>,
    se: Option<usize>,
    layout: &str,
) -> Result<(f64, f64), PlotError> {
    match (t.opt_num(r, lo)?, t.opt_num(r, hi)?, t.opt_num(r, se)?) {
        (Some(l), Some(h), _) => Ok((l, h)),
        (_, _, Some(s)) => Ok((
            est - 1.959_963_984_540_054 * s,
            est + 1.959_963_984_540_054 * s,
        )),
        _ => Err(t.row_err(
            r,
            None,
            format!("no interval: fill lower and upper, or std_error ({layout})"),
        )),
    }
}

fn event_study(t: &Table, o: &CsvOptions) -> Result<EventStudy, PlotError> {
    let layout = FigureKind::EventStudy.layout();
    let at = t.require(
        &["event_time", "relative_time", "rel_time", "horizon", "time"],
        layout,
    )?;
    let est = t.require(&["estimate", "coef"], layout)?;
    let (lo, hi) = (
        t.col(&["lower", "ci_lower", "ci_low", "conf_low"]),
        t.col(&["upper", "ci_upper", "ci_high", "conf_high"]),
    );
    let se = t.col(&["std_error", "se"]);
    let series_col = t.col(&["series", "estimator", "model"]);
    let mut series = Vec::new();
    for (name, rows) in select(t, groups(t, series_col, "estimate"), o, "series")? {
        let mut points = Vec::new();
        for &r in &rows {
            let e = t.num(r, est)?;
            let (l, h) = bounds(t, r, e, lo, hi, se, layout)?;
            points.push(PointEstimate {
                at: t.num(r, at)?,
                estimate: e,
                low: l,
                high: h,
            });
        }
        series.push(CoefSeries {
            label: name,
            points,
        });
    }
    Ok(EventStudy {
        x: label(&o.x_label, "Event time", "periods relative to treatment"),
        y: label(
            &o.y_label,
            "Effect",
            t.text(0, t.col(&["unit", "units"]), ""),
        ),
        series,
        reference_period: Some(-1.0),
    })
}

fn kaplan_meier(t: &Table, o: &CsvOptions) -> Result<KaplanMeier, PlotError> {
    let layout = FigureKind::KaplanMeier.layout();
    let time = t.require(&["time", "t"], layout)?;
    let surv = t.require(&["survival", "surv", "km_estimate"], layout)?;
    let (lo, hi) = (
        t.col(&["lower", "ci_lower", "ci_low"]),
        t.col(&["upper", "ci_upper", "ci_high"]),
    );
    let censored = t.col(&["censored", "n_censored"]);
    let group = t.col(&["group", "strata"]);
    let mut groups_out = Vec::new();
    let all: Vec<usize> = (0..t.len()).collect();
    for (name, rows) in select(t, groups(t, group, "all"), o, "group")? {
        let mut c = KmCurve {
            label: name,
            ..Default::default()
        };
        for &r in &rows {
            let x = t.num(r, time)?;
            let s = t.num(r, surv)?;
            // A row may be a censoring time only: keep the step only when survival changes.
            let prev = c.steps.last().map_or(1.0, |p| p.1);
            if (s - prev).abs() > 0.0 {
                c.steps.push((x, s));
                c.band.extend(band_point(t, r, x, lo, hi)?);
            }
            if t.opt_num(r, censored)?.is_some_and(|n| n > 0.0) {
                c.censored.push(x);
            }
        }
        if !c.band.is_empty() && c.band.len() != c.steps.len() {
            c.band.clear();
        }
        groups_out.push(c);
    }
    Ok(KaplanMeier {
        time: time_label(t, o, &all),
        groups: groups_out,
    })
}

fn coefficients(t: &Table, o: &CsvOptions) -> Result<CoefficientPlot, PlotError> {
    let layout = FigureKind::Coefficients.layout();
    let term = t.require(&["term", "variable", "name", "parameter"], layout)?;
    let est = t.require(&["estimate", "coef"], layout)?;
    let (lo, hi) = (
        t.col(&["lower", "ci_lower", "ci_low", "conf_low"]),
        t.col(&["upper", "ci_upper", "ci_high", "conf_high"]),
    );
    let se = t.col(&["std_error", "se"]);
    let mut rows = Vec::new();
    // `pressure estimate` writes every model into one coefficients.csv: draw one.
    let (_, model_rows) = single_key(t, o, t.col(&["model"]), "model")?;
    for (name, rs) in groups_of(t, &model_rows, term) {
        for r in rs {
            let e = t.num(r, est)?;
            let (l, h) = bounds(t, r, e, lo, hi, se, layout)?;
            rows.push(Coefficient {
                term: name.clone(),
                estimate: e,
                low: l,
                high: h,
            });
        }
    }
    Ok(CoefficientPlot {
        x: label(
            &o.x_label,
            "Estimate",
            t.text(0, t.col(&["unit", "units"]), ""),
        ),
        rows,
        sort: false,
    })
}

#[cfg(test)]
mod tests {
    use super::decimal_year;

    #[test]
    fn calendar_dates_become_decimal_years() {
        assert_eq!(decimal_year("2012"), Some(2012.0));
        assert_eq!(decimal_year("2012-Q3"), Some(2012.5));
        assert_eq!(decimal_year("2012-04"), Some(2012.25));
        assert_eq!(decimal_year("2011-01-01"), Some(2011.0));
        assert_eq!(decimal_year("2012-03-01"), Some(2012.0 + 60.0 / 366.0));
        for bad in [
            "",
            "12x",
            "2012-13",
            "2012-Q5",
            "2011-02-29",
            "2012-01-01-01",
        ] {
            assert_eq!(decimal_year(bad), None, "{bad}");
        }
    }
}
