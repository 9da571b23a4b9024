//! Tornado chart of one-at-a-time swings.

use super::{check_finite, non_empty};
use crate::data::Tornado;
use crate::engine::{self, AxisSpec, FigureSpec, Layer, LegendEntry, LineLook, PanelSpec, Swatch};
use crate::error::PlotError;
use crate::figure::Figure;
use crate::style::{Width, OKABE_ITO};

/// Horizontal bars from the base output to the output at each parameter's low and high end,
/// widest swing on top, with a reference line at the base value. Low and high differ in hue
/// and in lightness (sky blue, vermillion), so they stay apart in greyscale.
///
/// ```
/// use pressure_plot::{tornado, AxisLabel, Tornado, TornadoRow, Width};
/// let t = Tornado {
///     output: AxisLabel::new("Inflation in year 3", "% per year"),
///     base: 20.0,
///     rows: vec![
///         TornadoRow { parameter: "money growth".into(), low: 12.0, high: 31.0 },
///         TornadoRow { parameter: "import share".into(), low: 18.0, high: 23.0 },
///     ],
/// };
/// let svg = tornado(&t, Width::Single).unwrap().svg();
/// assert!(svg.contains(">money growth</text>"));
/// ```
pub fn tornado(t: &Tornado, width: Width) -> Result<Figure, PlotError> {
    non_empty("tornado rows", &t.rows)?;
    check_finite("tornado base", "base", &[t.base])?;
    for r in &t.rows {
        check_finite("tornado row", &r.parameter, &[r.low, r.high])?;
    }
    let mut rows = t.rows.clone();
    rows.sort_by(|a, b| {
        let (sa, sb) = ((a.high - a.low).abs(), (b.high - b.low).abs());
        sb.total_cmp(&sa)
    });
    let names: Vec<String> = rows.iter().map(|r| r.parameter.clone()).collect();
    let half = 0.36;
    let (low_color, high_color) = (OKABE_ITO[5], OKABE_ITO[1]);
    let low_rects = rows
        .iter()
        .enumerate()
        .map(|(i, r)| (t.base, i as f64 - half, r.low, i as f64 + half))
        .collect();
    let high_rects = rows
        .iter()
        .enumerate()
        .map(|(i, r)| (t.base, i as f64 - half, r.high, i as f64 + half))
        .collect();
    let low_label = "parameter at low end";
    let high_label = "parameter at high end";
    let mut x = AxisSpec::linear(t.output.text()).with_pad(0.06, 0.06);
    x.range = None;
    let panel = PanelSpec {
        frameless: false,
        title: None,
        x,
        y: AxisSpec::categories("", names),
        layers: vec![
            Layer::Bars {
                label: low_label.into(),
                color: low_color,
                opacity: 1.0,
                rects: low_rects,
            },
            Layer::Bars {
                label: high_label.into(),
                color: high_color,
                opacity: 1.0,
                rects: high_rects,
            },
            Layer::VRef {
                x: t.base,
                look: LineLook {
                    dash: vec![],
                    color: crate::style::AXIS,
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
        aspect: (0.16 + 0.075 * rows.len() as f64).clamp(0.35, 1.4),
        legend: vec![
            LegendEntry {
                label: low_label.into(),
                swatch: Swatch::Box(low_color, 1.0),
            },
            LegendEntry {
                label: high_label.into(),
                swatch: Swatch::Box(high_color, 1.0),
            },
            LegendEntry {
                label: format!("base = {}", crate::axes::format_value(t.base)),
                swatch: Swatch::Line(
                    LineLook {
                        dash: vec![],
                        color: crate::style::AXIS,
                        ..LineLook::reference()
                    },
                    None,
                ),
            },
        ],
    })
}
