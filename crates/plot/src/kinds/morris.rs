//! The Morris μ*–σ plane.

use super::{check_finite, non_empty};
use crate::data::Morris;
use crate::engine::{
    self, AxisSpec, FigureSpec, Layer, LegendEntry, LineLook, PanelSpec, PointLook, Swatch,
};
use crate::error::PlotError;
use crate::figure::Figure;
use crate::style::{sizes, Marker, Width, OKABE_ITO};

/// At most this many points carry their parameter's name: with hundreds of parameters the
/// names of all of them would cover the plane.
pub const MAX_MORRIS_LABELS: usize = 10;

/// The points that get a name: all of them when few, else the [`MAX_MORRIS_LABELS`] farthest
/// from the origin on the plot's scale (the most influential, linearly or not).
fn labelled(points: &[crate::data::MorrisPoint]) -> Vec<&crate::data::MorrisPoint> {
    if points.len() <= MAX_MORRIS_LABELS {
        return points.iter().collect();
    }
    let max_x = points.iter().map(|p| p.mu_star).fold(0.0, f64::max);
    let max_y = points.iter().map(|p| p.sigma).fold(0.0, f64::max);
    let scaled = |v: f64, max: f64| if max > 0.0 { v / max } else { 0.0 };
    let mut ranked: Vec<(f64, &crate::data::MorrisPoint)> = points
        .iter()
        .map(|p| (scaled(p.mu_star, max_x).hypot(scaled(p.sigma, max_y)), p))
        .collect();
    ranked.sort_by(|a, b| b.0.total_cmp(&a.0));
    ranked
        .into_iter()
        .take(MAX_MORRIS_LABELS)
        .map(|(_, p)| p)
        .collect()
}

/// Each parameter at (μ*, σ) with its name (the most influential ones when there are many), horizontal bars for the μ* confidence interval
/// when given, and the reference line σ = μ*: parameters above it act mostly through
/// non-linearity or interactions, below it mostly linearly (Morris 1991; Campolongo et al.
/// 2007 for μ*).
///
/// ```
/// use pressure_plot::{morris, AxisLabel, Morris, MorrisPoint, Width};
/// let point = |p: &str, mu_star, sigma| MorrisPoint {
///     parameter: p.into(), mu_star, sigma, mu_star_conf: None,
/// };
/// let m = Morris {
///     output: AxisLabel::new("Inflation in year 3", "% per year"),
///     points: vec![point("money growth", 9.0, 2.0), point("import share", 1.5, 1.2)],
/// };
/// let fig = morris(&m, Width::Single).unwrap();
/// let svg = fig.svg();
/// assert!(svg.contains(">money growth</text>") && svg.contains(">import share</text>"));
/// // Both axes start at zero: μ* and σ are never negative.
/// assert!(fig.panels()[0].x_range.0 <= 0.0 && fig.panels()[0].y_range.0 <= 0.0);
/// ```
pub fn morris(m: &Morris, width: Width) -> Result<Figure, PlotError> {
    non_empty("Morris points", &m.points)?;
    for p in &m.points {
        check_finite("Morris point", &p.parameter, &[p.mu_star, p.sigma])?;
        if p.mu_star < 0.0 || p.sigma < 0.0 {
            return Err(PlotError::Data(format!(
                "Morris point `{}`: μ* and σ must be ≥ 0, got {} and {}",
                p.parameter, p.mu_star, p.sigma
            )));
        }
    }
    let color = OKABE_ITO[0];
    let look = PointLook {
        color,
        shape: Marker::Circle,
        size: sizes::marker(),
        filled: true,
    };
    let mut layers = Vec::new();
    let conf: Vec<(f64, f64, f64)> = m
        .points
        .iter()
        .filter_map(|p| {
            p.mu_star_conf
                .map(|c| (p.sigma, (p.mu_star - c).max(0.0), p.mu_star + c))
        })
        .collect();
    if !conf.is_empty() {
        layers.push(Layer::ErrorBars {
            label: "μ* confidence interval".into(),
            color,
            horizontal: true,
            cap: true,
            items: conf,
        });
    }
    layers.push(Layer::Points {
        label: "parameters".into(),
        look: look.clone(),
        points: m.points.iter().map(|p| (p.mu_star, p.sigma)).collect(),
    });
    layers.push(Layer::Labels {
        items: labelled(&m.points)
            .into_iter()
            .map(|p| (p.mu_star, p.sigma, p.parameter.clone()))
            .collect(),
    });
    let reference = LineLook::reference();
    layers.push(Layer::Diagonal {
        slope: 1.0,
        intercept: 0.0,
        look: reference.clone(),
    });
    let unit = |sym: &str| {
        let of = if m.output.title.is_empty() {
            sym.to_string()
        } else {
            format!("{sym} of {}", m.output.title)
        };
        if m.output.unit.is_empty() {
            of
        } else {
            format!("{of} ({})", m.output.unit)
        }
    };
    let x_title = unit("μ*");
    let panel = PanelSpec {
        frameless: false,
        title: None,
        x: AxisSpec::linear(x_title).with_pad(0.0, 0.12),
        y: AxisSpec::linear(unit("σ")).with_pad(0.0, 0.08),
        layers,
    };
    // Both axes start at 0: μ* and σ are non-negative and the diagonal must start at the origin.
    let mut panel = panel;
    let max_x = m
        .points
        .iter()
        .map(|p| p.mu_star + p.mu_star_conf.unwrap_or(0.0))
        .fold(0.0, f64::max);
    let max_y = m.points.iter().map(|p| p.sigma).fold(0.0, f64::max);
    let max_x = if max_x > 0.0 { max_x } else { 1.0 };
    let max_y = if max_y > 0.0 { max_y } else { 1.0 };
    panel.x = panel.x.with_range(0.0, max_x * 1.15);
    panel.y = panel.y.with_range(0.0, max_y * 1.08);
    engine::build(&FigureSpec {
        width,
        panels: vec![panel],
        columns: 1,
        aspect: 0.8,
        legend: vec![LegendEntry {
            label: "σ = μ*".into(),
            swatch: Swatch::Line(reference, None),
        }],
    })
}
