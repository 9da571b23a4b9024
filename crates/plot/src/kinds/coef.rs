//! Coefficient plots: point estimates with confidence intervals.

use super::{check_interval, non_empty};
use crate::data::CoefficientPlot;
use crate::engine::{self, AxisSpec, FigureSpec, Layer, LineLook, PanelSpec, PointLook};
use crate::error::PlotError;
use crate::figure::Figure;
use crate::style::{sizes, Marker, Width, BLACK};

/// One row per term: the estimate as a point and its interval as a horizontal bar, with a
/// reference line at zero; ordered by estimate (largest on top) when `sort` is set.
///
/// ```
/// use pressure_plot::{coefficient_plot, AxisLabel, Coefficient, CoefficientPlot, Width};
/// let row = |term: &str, estimate, low, high| Coefficient { term: term.into(), estimate, low, high };
/// let plot = CoefficientPlot {
///     x: AxisLabel::new("Effect on GDP growth", "pp per year"),
///     rows: vec![row("UN sanctions", -2.1, -3.4, -0.8), row("US sanctions", -0.6, -1.5, 0.3)],
///     sort: true,
/// };
/// let fig = coefficient_plot(&plot, Width::Single).unwrap();
/// let svg = fig.svg();
/// assert!(svg.contains(">UN sanctions</text>") && svg.contains(">US sanctions</text>"));
/// assert!(svg.contains(">Effect on GDP growth (pp per year)</text>"));
/// // An interval that does not contain its estimate is refused, not drawn.
/// let bad = CoefficientPlot { rows: vec![row("x", 5.0, 0.0, 1.0)], ..plot };
/// assert!(coefficient_plot(&bad, Width::Single).is_err());
/// ```
pub fn coefficient_plot(c: &CoefficientPlot, width: Width) -> Result<Figure, PlotError> {
    non_empty("coefficients", &c.rows)?;
    for r in &c.rows {
        check_interval("coefficient", &r.term, r.low, r.estimate, r.high)?;
    }
    let mut rows = c.rows.clone();
    if c.sort {
        rows.sort_by(|a, b| b.estimate.total_cmp(&a.estimate));
    }
    let names = rows.iter().map(|r| r.term.clone()).collect();
    let look = PointLook {
        color: BLACK,
        shape: Marker::Circle,
        size: sizes::marker(),
        filled: true,
    };
    let panel = PanelSpec {
        frameless: false,
        title: None,
        x: AxisSpec::linear(c.x.text()).with_pad(0.06, 0.06),
        y: AxisSpec::categories("", names),
        layers: vec![
            Layer::VRef {
                x: 0.0,
                look: LineLook {
                    dash: vec![],
                    ..LineLook::reference()
                },
                label: None,
            },
            Layer::ErrorBars {
                label: "confidence interval".into(),
                color: BLACK,
                horizontal: true,
                cap: false,
                items: rows
                    .iter()
                    .enumerate()
                    .map(|(i, r)| (i as f64, r.low, r.high))
                    .collect(),
            },
            Layer::Points {
                label: "estimate".into(),
                look,
                points: rows
                    .iter()
                    .enumerate()
                    .map(|(i, r)| (r.estimate, i as f64))
                    .collect(),
            },
        ],
    };
    engine::build(&FigureSpec {
        width,
        panels: vec![panel],
        columns: 1,
        aspect: (0.14 + 0.07 * rows.len() as f64).clamp(0.35, 1.5),
        legend: vec![],
    })
}
