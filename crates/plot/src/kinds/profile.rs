//! Profile likelihoods with the χ² threshold and the interval marked.

use super::{check_finite, non_empty};
use crate::data::Profile;
use crate::engine::{
    self, AxisSpec, FigureSpec, Layer, LegendEntry, LineLook, PanelSpec, PointLook, Swatch,
};
use crate::error::PlotError;
use crate::figure::Figure;
use crate::style::{sizes, Marker, Width, BLACK, OKABE_ITO};

/// One panel per parameter: the deviance 2·(ℓ̂ − ℓ_profile) against the parameter value, a
/// horizontal line at the χ²₁ threshold, the confidence interval shaded between the
/// crossings, and the estimate as a point on the zero line.
///
/// ```
/// use pressure_plot::{profile_likelihood, AxisLabel, Profile, Width};
/// // A quadratic deviance around 0.5 with curvature 1/0.1²: the 95% interval is 0.5 ± 0.196.
/// let points: Vec<(f64, f64)> = (0..=20)
///     .map(|i| { let x = 0.2 + 0.03 * i as f64; (x, ((x - 0.5) / 0.1).powi(2)) })
///     .collect();
/// let p = Profile {
///     parameter: AxisLabel::new("Coalition decay", "1/year"),
///     points,
///     estimate: Some(0.5),
///     interval: Some((0.304, 0.696)),
///     threshold: 3.841,
/// };
/// let fig = profile_likelihood(&[p], Width::Single).unwrap();
/// assert_eq!(fig.panels()[0].title.as_deref(), Some("Coalition decay"));
/// assert!(fig.svg().contains(">Coalition decay (1/year)</text>"));
/// ```
pub fn profile_likelihood(profiles: &[Profile], width: Width) -> Result<Figure, PlotError> {
    non_empty("profiles", profiles)?;
    let color = OKABE_ITO[0];
    let line = LineLook {
        dash: vec![],
        ..LineLook::series(&crate::style::SeriesStyle::nth(0))
    };
    let threshold_look = LineLook {
        color: OKABE_ITO[1],
        width: sizes::reference_line(),
        dash: vec![crate::style::pt(3.0), crate::style::pt(2.0)],
    };
    let est_look = PointLook {
        color: BLACK,
        shape: Marker::Diamond,
        size: sizes::marker() * 1.2,
        filled: true,
    };
    let mut panels = Vec::new();
    for p in profiles {
        let name = p.parameter.text();
        if p.points.len() < 2 {
            return Err(PlotError::Data(format!(
                "profile of `{name}` needs at least two points"
            )));
        }
        for &(v, d) in &p.points {
            check_finite("profile", &name, &[v, d])?;
        }
        check_finite("profile threshold", &name, &[p.threshold])?;
        let mut pts = p.points.clone();
        pts.sort_by(|a, b| a.0.total_cmp(&b.0));
        let mut layers = vec![
            Layer::Line {
                label: "profile".into(),
                look: line.clone(),
                points: pts.clone(),
            },
            Layer::HRef {
                y: p.threshold,
                look: threshold_look.clone(),
            },
        ];
        if let Some((lo, hi)) = p.interval {
            check_finite("profile interval", &name, &[lo, hi])?;
            layers.push(Layer::VSpan {
                x0: lo,
                x1: hi,
                color,
                opacity: 0.12,
            });
        }
        if let Some(e) = p.estimate {
            check_finite("profile estimate", &name, &[e])?;
            layers.push(Layer::Points {
                label: "estimate".into(),
                look: est_look.clone(),
                points: vec![(e, 0.0)],
            });
        }
        let max_d = pts.iter().map(|q| q.1).fold(p.threshold, f64::max);
        panels.push(PanelSpec {
            frameless: false,
            title: Some(p.parameter.title.clone()),
            x: AxisSpec::linear(name).with_pad(0.02, 0.02),
            y: AxisSpec::linear("−2 Δ log-likelihood").with_range(
                0.0_f64.min(pts.iter().map(|q| q.1).fold(0.0, f64::min)),
                max_d * 1.08,
            ),
            layers,
        });
    }
    let level = chi2_1_level(profiles[0].threshold);
    let mut legend = vec![
        LegendEntry {
            label: "profile".into(),
            swatch: Swatch::Line(line, None),
        },
        LegendEntry {
            label: match level {
                Some(l) => format!("χ²₁ threshold ({l}%)"),
                None => "threshold".into(),
            },
            swatch: Swatch::Line(threshold_look, None),
        },
    ];
    if profiles.iter().any(|p| p.interval.is_some()) {
        legend.push(LegendEntry {
            label: "confidence interval".into(),
            swatch: Swatch::Box(color, 0.12),
        });
    }
    if profiles.iter().any(|p| p.estimate.is_some()) {
        legend.push(LegendEntry {
            label: "estimate".into(),
            swatch: Swatch::Points(est_look),
        });
    }
    engine::build(&FigureSpec {
        width,
        columns: width.grid_columns(),
        aspect: 0.8,
        panels,
        legend,
    })
}

/// The confidence level whose χ²₁ quantile is `t`, for the usual levels.
fn chi2_1_level(t: f64) -> Option<u32> {
    [(2.705543, 90), (3.841459, 95), (6.634897, 99)]
        .iter()
        .find(|(q, _)| (q - t).abs() < 5e-3)
        .map(|&(_, l)| l)
}
