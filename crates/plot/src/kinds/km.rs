//! Kaplan–Meier survival curves by group.

use super::{check_finite, non_empty, push_entry, StyleBook};
use crate::data::{KaplanMeier, KmCurve};
use crate::engine::{self, AxisSpec, FigureSpec, Layer, LineLook, PanelSpec, PointLook, Swatch};
use crate::error::PlotError;
use crate::figure::Figure;
use crate::style::{sizes, Marker, Width};

/// Survival just after time `t` on a right-continuous step curve.
fn survival_at(c: &KmCurve, t: f64) -> f64 {
    c.steps
        .iter()
        .take_while(|(ts, _)| *ts <= t)
        .last()
        .map_or(1.0, |&(_, s)| s)
}

/// The corner points of a right-continuous step function starting at (start, 1).
fn step_points(c: &KmCurve, start: f64, end: f64) -> Vec<(f64, f64)> {
    let mut pts = vec![(start, 1.0)];
    let mut prev = 1.0;
    for &(t, s) in &c.steps {
        pts.push((t, prev));
        pts.push((t, s));
        prev = s;
    }
    pts.push((end, prev));
    pts
}

/// Step functions per group, censoring times as ticks on the curve, optional step bands.
///
/// ```
/// use pressure_plot::{kaplan_meier, AxisLabel, KaplanMeier, KmCurve, Width};
/// let km = KaplanMeier {
///     time: AxisLabel::new("Years in office", "years"),
///     groups: vec![
///         KmCurve {
///             label: "sanctioned".into(),
///             steps: vec![(1.0, 0.8), (3.0, 0.5), (6.0, 0.2)],
///             censored: vec![4.0],
///             band: vec![],
///         },
///         KmCurve {
///             label: "not sanctioned".into(),
///             steps: vec![(2.0, 0.9), (5.0, 0.7)],
///             ..Default::default()
///         },
///     ],
/// };
/// let fig = kaplan_meier(&km, Width::Single).unwrap();
/// // Survival is a probability: the vertical axis spans 0 to 1.
/// let (lo, hi) = fig.panels()[0].y_range;
/// assert!(lo <= 0.0 && hi >= 1.0);
/// assert!(fig.svg().contains(">not sanctioned</text>"));
/// ```
pub fn kaplan_meier(km: &KaplanMeier, width: Width) -> Result<Figure, PlotError> {
    non_empty("Kaplan–Meier groups", &km.groups)?;
    let mut book = StyleBook::default();
    let mut legend = Vec::new();
    let mut layers = Vec::new();
    let mut start = 0.0f64;
    let mut end = f64::NEG_INFINITY;
    for g in &km.groups {
        for &(t, s) in &g.steps {
            check_finite("Kaplan–Meier step", &g.label, &[t, s])?;
            if !(0.0..=1.0 + 1e-12).contains(&s) {
                return Err(PlotError::Data(format!(
                    "Kaplan–Meier group `{}`: survival {s} at time {t} is outside [0, 1]",
                    g.label
                )));
            }
        }
        if g.steps.windows(2).any(|w| w[1].0 < w[0].0) {
            return Err(PlotError::Data(format!(
                "Kaplan–Meier group `{}`: step times are not in increasing order",
                g.label
            )));
        }
        check_finite("Kaplan–Meier censoring time", &g.label, &g.censored)?;
        for &t in g.steps.iter().map(|(t, _)| t).chain(&g.censored) {
            start = start.min(t);
            end = end.max(t);
        }
    }
    if !end.is_finite() {
        return Err(PlotError::Data(
            "Kaplan–Meier curves have no time point".into(),
        ));
    }
    for g in &km.groups {
        let style = book.style(&g.label);
        if !g.band.is_empty() {
            let mut band = vec![(start, 1.0, 1.0)];
            let (mut plo, mut phi) = (1.0, 1.0);
            for &(t, lo, hi) in &g.band {
                band.push((t, plo, phi));
                band.push((t, lo, hi));
                plo = lo;
                phi = hi;
            }
            band.push((end, plo, phi));
            layers.push(Layer::Band {
                label: format!("{} interval", g.label),
                color: style.color,
                opacity: sizes::band_opacity() * 0.8,
                points: band,
            });
        }
        let look = LineLook::series(&style);
        layers.push(Layer::Line {
            label: g.label.clone(),
            look: look.clone(),
            points: step_points(g, start, end),
        });
        if !g.censored.is_empty() {
            layers.push(Layer::Points {
                label: format!("{} censored", g.label),
                look: PointLook {
                    color: style.color,
                    shape: Marker::Tick,
                    size: sizes::marker() * 1.2,
                    filled: false,
                },
                points: g.censored.iter().map(|&t| (t, survival_at(g, t))).collect(),
            });
        }
        push_entry(&mut legend, &g.label, Swatch::Line(look, None));
    }
    engine::build(&FigureSpec {
        width,
        panels: vec![PanelSpec {
            frameless: false,
            title: None,
            x: AxisSpec::linear(km.time.text())
                .with_range(start, end + 0.02 * (end - start).max(1e-9)),
            y: AxisSpec::linear("Survival probability").with_range(0.0, 1.03),
            layers,
        }],
        columns: 1,
        aspect: 0.66,
        legend,
    })
}
