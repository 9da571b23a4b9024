//! Event-study coefficients by event time.

use super::{check_interval, filled_point, non_empty, push_entry, StyleBook};
use crate::data::EventStudy;
use crate::engine::{self, AxisSpec, FigureSpec, Layer, LineLook, PanelSpec, Swatch};
use crate::error::PlotError;
use crate::figure::Figure;
use crate::style::Width;

/// Points with confidence intervals by event time, reference lines at zero effect and at the
/// omitted period (usually −1). Several estimators are dodged side by side.
///
/// ```
/// use pressure_plot::{event_study, AxisLabel, CoefSeries, EventStudy, PointEstimate, Width};
/// let at = |t: f64, b: f64| PointEstimate { at: t, estimate: b, low: b - 0.8, high: b + 0.8 };
/// let e = EventStudy {
///     x: AxisLabel::new("Years since sanctions", ""),
///     y: AxisLabel::new("GDP growth", "pp"),
///     series: vec![CoefSeries {
///         label: "TWFE".into(),
///         points: vec![at(-3.0, 0.1), at(-2.0, -0.2), at(0.0, -1.5), at(1.0, -2.4)],
///     }],
///     reference_period: Some(-1.0),
/// };
/// let fig = event_study(&e, Width::Single).unwrap();
/// assert_eq!(fig.panels().len(), 1);
/// // The horizontal axis covers every event time, the reference period included.
/// let (lo, hi) = fig.panels()[0].x_range;
/// assert!(lo <= -3.0 && hi >= 1.0);
/// assert!(fig.svg().contains(">GDP growth (pp)</text>"));
/// ```
pub fn event_study(e: &EventStudy, width: Width) -> Result<Figure, PlotError> {
    non_empty("event-study series", &e.series)?;
    let mut book = StyleBook::default();
    let mut legend = Vec::new();
    let mut layers = vec![Layer::HRef {
        y: 0.0,
        look: LineLook {
            dash: vec![],
            ..LineLook::reference()
        },
    }];
    if let Some(r) = e.reference_period {
        layers.push(Layer::VRef {
            x: r,
            look: LineLook::reference(),
            label: None,
        });
    }
    let n = e.series.len() as f64;
    let dodge = if n > 1.0 { 0.36 / n } else { 0.0 };
    for (k, s) in e.series.iter().enumerate() {
        non_empty(&format!("coefficients in series `{}`", s.label), &s.points)?;
        for p in &s.points {
            check_interval(
                "event-study coefficient",
                &format!("{} at {}", s.label, p.at),
                p.low,
                p.estimate,
                p.high,
            )?;
        }
        let style = book.style(&s.label);
        let shift = (k as f64 - (n - 1.0) / 2.0) * dodge;
        layers.push(Layer::ErrorBars {
            label: s.label.clone(),
            color: style.color,
            horizontal: false,
            cap: false,
            items: s
                .points
                .iter()
                .map(|p| (p.at + shift, p.low, p.high))
                .collect(),
        });
        let look = filled_point(&style);
        layers.push(Layer::Points {
            label: s.label.clone(),
            look: look.clone(),
            points: s
                .points
                .iter()
                .map(|p| (p.at + shift, p.estimate))
                .collect(),
        });
        push_entry(&mut legend, &s.label, Swatch::PointRange(look));
    }
    if legend.len() == 1 {
        legend.clear();
    }
    engine::build(&FigureSpec {
        width,
        panels: vec![PanelSpec {
            frameless: false,
            title: None,
            x: AxisSpec::linear(e.x.text()).with_pad(0.05, 0.05).integer(),
            y: AxisSpec::linear(e.y.text()),
            layers,
        }],
        columns: 1,
        aspect: 0.62,
        legend,
    })
}
