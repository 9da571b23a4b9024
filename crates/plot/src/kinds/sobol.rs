//! Sobol first-order and total indices with intervals.

use super::{check_interval, non_empty};
use crate::data::Sobol;
use crate::engine::{self, AxisSpec, FigureSpec, Layer, LegendEntry, LineLook, PanelSpec, Swatch};
use crate::error::PlotError;
use crate::figure::Figure;
use crate::style::{Width, AXIS, OKABE_ITO};

/// At most this many parameters get bars: with hundreds of parameters the bars would be
/// thinner than a line and their names would overlap.
pub const MAX_SOBOL_ROWS: usize = 15;

/// Grouped horizontal bars per parameter (first-order S₁ and total S_T), with error bars for
/// their confidence intervals, parameters ordered by total index (largest on top). With more
/// than [`MAX_SOBOL_ROWS`] parameters only those with the largest total index are drawn, and
/// the axis title says so ("of 40": parameters, or groups of parameters).
///
/// ```
/// use pressure_plot::{sobol, Interval, Sobol, SobolRow, Width};
/// let s = Sobol {
///     output: "inflation in year 3".into(),
///     rows: vec![
///         SobolRow {
///             parameter: "money growth".into(),
///             first: Interval::new(0.62, 0.55, 0.69),
///             total: Interval::new(0.71, 0.64, 0.78),
///         },
///         SobolRow {
///             parameter: "import share".into(),
///             first: Interval::new(0.08, 0.03, 0.13),
///             total: Interval::new(0.15, 0.09, 0.21),
///         },
///     ],
/// };
/// let svg = sobol(&s, Width::Single).unwrap().svg();
/// assert!(svg.contains(">money growth</text>"));
/// assert!(svg.contains("Sobol index of inflation in year 3"));
/// ```
pub fn sobol(s: &Sobol, width: Width) -> Result<Figure, PlotError> {
    non_empty("Sobol rows", &s.rows)?;
    for r in &s.rows {
        check_interval(
            "Sobol first-order index",
            &r.parameter,
            r.first.low,
            r.first.estimate,
            r.first.high,
        )?;
        check_interval(
            "Sobol total index",
            &r.parameter,
            r.total.low,
            r.total.estimate,
            r.total.high,
        )?;
    }
    let mut rows = s.rows.clone();
    rows.sort_by(|a, b| b.total.estimate.total_cmp(&a.total.estimate));
    let all = rows.len();
    rows.truncate(MAX_SOBOL_ROWS);
    let shown = if all > rows.len() {
        format!(" ({} largest S_T of {all})", rows.len())
    } else {
        String::new()
    };
    let names = rows.iter().map(|r| r.parameter.clone()).collect();
    let (c1, ct) = (OKABE_ITO[0], OKABE_ITO[4]);
    let (off, half) = (0.19, 0.17);
    let bars = |sign: f64, pick: fn(&crate::data::SobolRow) -> crate::data::Interval| {
        rows.iter()
            .enumerate()
            .map(|(i, r)| {
                let c = i as f64 + sign * off;
                (0.0, c - half, pick(r).estimate, c + half)
            })
            .collect::<Vec<_>>()
    };
    let errs = |sign: f64, pick: fn(&crate::data::SobolRow) -> crate::data::Interval| {
        rows.iter()
            .enumerate()
            .map(|(i, r)| (i as f64 + sign * off, pick(r).low, pick(r).high))
            .collect::<Vec<_>>()
    };
    let first_label = "first order S₁";
    let total_label = "total S_T";
    let lo = rows
        .iter()
        .flat_map(|r| [r.first.low, r.total.low])
        .fold(0.0f64, f64::min);
    let hi = rows
        .iter()
        .flat_map(|r| [r.first.high, r.total.high])
        .fold(0.0f64, f64::max)
        .max(0.05);
    let panel = PanelSpec {
        frameless: false,
        title: None,
        x: AxisSpec::linear(format!("Sobol index of {}{shown}", s.output))
            .with_range(lo - 0.02 * (hi - lo), hi + 0.04 * (hi - lo)),
        y: AxisSpec::categories("", names),
        layers: vec![
            Layer::Bars {
                label: first_label.into(),
                color: c1,
                opacity: 1.0,
                rects: bars(-1.0, |r| r.first),
            },
            Layer::Bars {
                label: total_label.into(),
                color: ct,
                opacity: 1.0,
                rects: bars(1.0, |r| r.total),
            },
            Layer::ErrorBars {
                label: format!("{first_label} interval"),
                color: AXIS,
                horizontal: true,
                cap: true,
                items: errs(-1.0, |r| r.first),
            },
            Layer::ErrorBars {
                label: format!("{total_label} interval"),
                color: AXIS,
                horizontal: true,
                cap: true,
                items: errs(1.0, |r| r.total),
            },
            Layer::VRef {
                x: 0.0,
                look: LineLook {
                    dash: vec![],
                    ..LineLook::reference()
                },
                label: None,
            },
        ],
    };
    engine::build(&FigureSpec {
        width,
        panels: vec![panel],
        columns: 1,
        aspect: (0.16 + 0.11 * rows.len() as f64).clamp(0.4, 1.5),
        legend: vec![
            LegendEntry {
                label: first_label.into(),
                swatch: Swatch::Box(c1, 1.0),
            },
            LegendEntry {
                label: total_label.into(),
                swatch: Swatch::Box(ct, 1.0),
            },
        ],
    })
}
