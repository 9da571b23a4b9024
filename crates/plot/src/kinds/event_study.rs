//! Event-study coefficients by event time.

use super::{check_interval, filled_point, non_empty, push_entry, StyleBook};
use crate::data::EventStudy;
use crate::engine::{self, AxisSpec, FigureSpec, Layer, LineLook, PanelSpec, Swatch};
use crate::error::PlotError;
use crate::figure::Figure;
use crate::style::Width;

/// Points with confidence intervals by event time, reference lines at zero effect and at the
/// omitted period (usually −1). Several estimators are dodged side by side.
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
