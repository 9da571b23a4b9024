//! Time series with observed points and bands; grids of them (fit per observable, scenario
//! comparison, sensitivity indices over time).

use super::{non_empty, observed_look, push_entry, StyleBook};
use crate::data::TimeSeriesPanel;
use crate::engine::{self, AxisSpec, FigureSpec, Layer, LineLook, PanelSpec, Swatch};
use crate::error::PlotError;
use crate::figure::Figure;
use crate::style::{sizes, Width};

/// Turns panels into engine panels and a shared legend. Styles follow line labels across the
/// whole figure; observed series are black markers.
fn build_panels(panels: &[TimeSeriesPanel], width: Width, grid: bool) -> Result<Figure, PlotError> {
    non_empty("panels", panels)?;
    let mut book = StyleBook::default();
    let mut observed_book = StyleBook::default();
    let mut legend = Vec::new();
    let mut specs = Vec::new();
    for p in panels {
        if p.lines.is_empty() && p.observed.is_empty() && p.bands.is_empty() {
            return Err(PlotError::Data(format!(
                "panel `{}` has no line, band or observed point",
                p.title.clone().unwrap_or_default()
            )));
        }
        let mut layers = Vec::new();
        // Bands first in the legend order of their lines, so a line's band shares its colour.
        for line in &p.lines {
            book.index(&line.label);
        }
        for b in &p.bands {
            let style = book.style(if b.series.is_empty() {
                &b.label
            } else {
                &b.series
            });
            let opacity = sizes::band_opacity();
            layers.push(Layer::Band {
                label: b.label.clone(),
                color: style.color,
                opacity,
                points: b.points.clone(),
            });
            push_entry(&mut legend, &b.label, Swatch::Box(style.color, opacity));
        }
        for line in &p.lines {
            let style = book.style(&line.label);
            let look = LineLook::series(&style);
            layers.push(Layer::Line {
                label: line.label.clone(),
                look: look.clone(),
                points: line.points.clone(),
            });
            push_entry(&mut legend, &line.label, Swatch::Line(look, None));
        }
        for obs in &p.observed {
            let look = observed_look(observed_book.index(&obs.label));
            layers.push(Layer::Points {
                label: obs.label.clone(),
                look: look.clone(),
                points: obs.points.clone(),
            });
            push_entry(&mut legend, &obs.label, Swatch::Points(look));
        }
        for (x, label) in &p.events {
            layers.push(Layer::VRef {
                x: *x,
                look: LineLook::reference(),
                label: (!label.is_empty()).then(|| label.clone()),
            });
        }
        // In a grid the panel title names the variable, so the axis carries the unit alone.
        let titled = (grid || panels.len() > 1) && p.title.is_some();
        let y_text = if titled && !p.y.unit.is_empty() {
            p.y.unit.clone()
        } else if titled && p.title.as_deref() == Some(p.y.title.as_str()) {
            // A dimensionless variable already named by the panel title.
            String::new()
        } else {
            p.y.text()
        };
        let mut y = AxisSpec::linear(y_text);
        if let Some((lo, hi)) = p.y_range {
            y = y.with_range(lo, hi);
        }
        specs.push(PanelSpec {
            frameless: false,
            title: if grid || panels.len() > 1 {
                p.title.clone()
            } else {
                None
            },
            x: AxisSpec::linear(p.x.text()).with_pad(0.02, 0.02),
            y,
            layers,
        });
    }
    // A single line needs no legend unless there is something to tell it from.
    if legend.len() == 1 && panels.len() == 1 {
        legend.clear();
    }
    let columns = if specs.len() == 1 {
        1
    } else {
        width.grid_columns()
    };
    engine::build(&FigureSpec {
        width,
        aspect: if specs.len() == 1 { 0.62 } else { 0.78 },
        columns,
        panels: specs,
        legend,
    })
}

/// One panel of model output over time, with observed data points, uncertainty bands
/// (calibration intervals or Monte Carlo percentiles) and event lines.
///
/// ```
/// use pressure_plot::{time_series, AxisLabel, Band, Series, TimeSeriesPanel, Width};
/// let panel = TimeSeriesPanel {
///     x: AxisLabel::new("Year", ""),
///     y: AxisLabel::new("Inflation", "% per year"),
///     lines: vec![Series::new("model", vec![(2010.0, 5.0), (2011.0, 9.0), (2012.0, 21.0)])],
///     bands: vec![Band { series: "model".into(), label: "95% interval".into(),
///                        points: vec![(2010.0, 4.0, 6.0), (2011.0, 7.0, 11.0), (2012.0, 17.0, 25.0)] }],
///     observed: vec![Series::new("observed", vec![(2010.0, 5.5), (2012.0, 19.0)])],
///     ..Default::default()
/// };
/// let fig = time_series(&panel, Width::Single).unwrap();
/// assert_eq!(fig.width_px(), 1005);
/// assert!(fig.svg().contains(">Inflation (% per year)</text>"));
/// ```
pub fn time_series(panel: &TimeSeriesPanel, width: Width) -> Result<Figure, PlotError> {
    build_panels(std::slice::from_ref(panel), width, false)
}

/// Small multiples: one panel per observable with the fitted model, its interval and the data.
///
/// ```
/// use pressure_plot::{fit_grid, AxisLabel, Series, TimeSeriesPanel, Width};
/// let panel = |name: &str| TimeSeriesPanel {
///     title: Some(name.into()),
///     x: AxisLabel::new("Year", ""),
///     y: AxisLabel::new(name, "%"),
///     lines: vec![Series::new("model", vec![(2011.0, 1.0), (2012.0, 3.0), (2013.0, 2.0)])],
///     observed: vec![Series::new("observed", vec![(2011.0, 1.2), (2013.0, 2.5)])],
///     ..Default::default()
/// };
/// let names = ["Inflation", "Premium", "Deficit", "Cohesion"];
/// let fig = fit_grid(&names.map(panel), Width::Single).unwrap();
/// // Four panels in 2 × 2 at single-column width: two distinct rows and two distinct columns.
/// let p = fig.panels();
/// assert_eq!(p.len(), 4);
/// assert_eq!(p[0].plot_area.top, p[1].plot_area.top);
/// assert_eq!(p[0].plot_area.left, p[2].plot_area.left);
/// assert!(p[2].plot_area.top > p[0].plot_area.top);
/// ```
pub fn fit_grid(panels: &[TimeSeriesPanel], width: Width) -> Result<Figure, PlotError> {
    build_panels(panels, width, true)
}

/// Several runs (scenarios) of one variable, or a grid of variables with one line per
/// scenario; a scenario keeps its colour, dash and marker in every panel.
///
/// ```
/// use pressure_plot::{scenario_comparison, AxisLabel, Series, TimeSeriesPanel, Width};
/// let panel = TimeSeriesPanel {
///     x: AxisLabel::new("Year", ""),
///     y: AxisLabel::new("Parallel-market premium", "%"),
///     lines: vec![
///         Series::new("baseline", vec![(0.0, 10.0), (1.0, 12.0), (2.0, 13.0)]),
///         Series::new("oil embargo", vec![(0.0, 10.0), (1.0, 35.0), (2.0, 60.0)]),
///     ],
///     events: vec![(1.0, "embargo".into())],
///     ..Default::default()
/// };
/// let fig = scenario_comparison(&[panel], Width::Double).unwrap();
/// let svg = fig.svg();
/// assert!(svg.contains(">oil embargo</text>") && svg.contains(">baseline</text>"));
/// assert_eq!(fig.panels().len(), 1);
/// ```
pub fn scenario_comparison(panels: &[TimeSeriesPanel], width: Width) -> Result<Figure, PlotError> {
    build_panels(panels, width, panels.len() > 1)
}

/// Sensitivity indices over time: one line per parameter (and optional bands for their
/// intervals), one panel per index kind or output.
///
/// ```
/// use pressure_plot::{indices_over_time, AxisLabel, Series, TimeSeriesPanel, Width};
/// let panel = TimeSeriesPanel {
///     title: Some("Total index".into()),
///     x: AxisLabel::new("Time", "month"),
///     y: AxisLabel::new("S_T", ""),
///     lines: vec![
///         Series::new("money growth", vec![(0.0, 0.1), (12.0, 0.5), (24.0, 0.7)]),
///         Series::new("import share", vec![(0.0, 0.05), (12.0, 0.2), (24.0, 0.15)]),
///     ],
///     ..Default::default()
/// };
/// let fig = indices_over_time(&[panel], Width::Single).unwrap();
/// // Indices are shares of variance: 0 and 1 stay in view whatever the data.
/// let (lo, hi) = fig.panels()[0].y_range;
/// assert!(lo <= 0.0 && hi >= 1.0);
/// ```
pub fn indices_over_time(panels: &[TimeSeriesPanel], width: Width) -> Result<Figure, PlotError> {
    let fixed: Vec<TimeSeriesPanel> = panels
        .iter()
        .map(|p| {
            let mut p = p.clone();
            if p.y_range.is_none() {
                // Indices are shares of variance: keep 0 and 1 in view unless the data leave it.
                let (lo, hi) = p
                    .lines
                    .iter()
                    .flat_map(|s| s.points.iter().map(|q| q.1))
                    .chain(
                        p.bands
                            .iter()
                            .flat_map(|b| b.points.iter().flat_map(|q| [q.1, q.2])),
                    )
                    .filter(|v| v.is_finite())
                    .fold((0.0f64, 1.0f64), |(a, b), v| (a.min(v), b.max(v)));
                p.y_range = Some((lo, hi + 0.02 * (hi - lo)));
            }
            p
        })
        .collect();
    build_panels(&fixed, width, fixed.len() > 1)
}
