//! The figure kinds: each turns plain input types into a [`FigureSpec`] for the engine.

mod coef;
mod event_study;
mod km;
mod morris;
mod posterior;
mod profile;
mod sobol;
mod time_series;
mod tornado;

pub use coef::coefficient_plot;
pub use event_study::event_study;
pub use km::kaplan_meier;
pub use morris::morris;
pub use posterior::{pairs, posterior_marginals};
pub use profile::profile_likelihood;
pub use sobol::sobol;
pub use time_series::{fit_grid, indices_over_time, scenario_comparison, time_series};
pub use tornado::tornado;

use crate::engine::{PointLook, Swatch};
use crate::error::PlotError;
use crate::style::{sizes, Marker, SeriesStyle};

/// Gives each distinct series label one style index, in order of first appearance, so the
/// same run or group looks the same in every panel of a figure.
#[derive(Debug, Default)]
pub(crate) struct StyleBook {
    labels: Vec<String>,
}

impl StyleBook {
    pub fn index(&mut self, label: &str) -> usize {
        if let Some(i) = self.labels.iter().position(|l| l == label) {
            i
        } else {
            self.labels.push(label.to_string());
            self.labels.len() - 1
        }
    }
    pub fn style(&mut self, label: &str) -> SeriesStyle {
        SeriesStyle::nth(self.index(label))
    }
}

/// Legend entries without repeats (first occurrence wins).
pub(crate) fn push_entry(
    legend: &mut Vec<crate::engine::LegendEntry>,
    label: &str,
    swatch: Swatch,
) {
    if !label.is_empty() && !legend.iter().any(|e| e.label == label) {
        legend.push(crate::engine::LegendEntry {
            label: label.to_string(),
            swatch,
        });
    }
}

pub(crate) fn filled_point(style: &SeriesStyle) -> PointLook {
    PointLook {
        color: style.color,
        shape: style.marker,
        size: sizes::marker(),
        filled: true,
    }
}

pub(crate) fn observed_look(index: usize) -> PointLook {
    const SHAPES: [Marker; 4] = [
        Marker::Circle,
        Marker::Square,
        Marker::Triangle,
        Marker::Diamond,
    ];
    PointLook {
        color: crate::style::BLACK,
        shape: SHAPES[index % SHAPES.len()],
        size: sizes::marker(),
        filled: index < SHAPES.len(),
    }
}

/// Fails unless every value is finite, naming what and where.
pub(crate) fn check_finite(what: &str, name: &str, values: &[f64]) -> Result<(), PlotError> {
    if let Some(v) = values.iter().find(|v| !v.is_finite()) {
        return Err(PlotError::Data(format!(
            "{what} `{name}`: value {v} is not finite"
        )));
    }
    Ok(())
}

/// Fails unless low ≤ estimate ≤ high (with a little rounding slack).
pub(crate) fn check_interval(
    what: &str,
    name: &str,
    low: f64,
    est: f64,
    high: f64,
) -> Result<(), PlotError> {
    check_finite(what, name, &[low, est, high])?;
    let slack = 1e-9 * (low.abs() + high.abs()).max(1.0);
    if low > high + slack || est < low - slack || est > high + slack {
        return Err(PlotError::Data(format!(
            "{what} `{name}`: interval [{low}, {high}] does not contain the estimate {est}"
        )));
    }
    Ok(())
}

pub(crate) fn non_empty<T>(what: &str, items: &[T]) -> Result<(), PlotError> {
    if items.is_empty() {
        Err(PlotError::Data(format!("nothing to draw: no {what}")))
    } else {
        Ok(())
    }
}
