//! Posterior marginals (histograms as densities) and pairs plots.

use super::{check_finite, non_empty};
use crate::data::{AxisLabel, Marginal, Pairs};
use crate::engine::{
    self, AxisSpec, FigureSpec, Layer, LegendEntry, LineLook, PanelSpec, PointLook, Swatch,
};
use crate::error::PlotError;
use crate::figure::Figure;
use crate::style::{pt, sizes, Marker, Width, BLACK, OKABE_ITO};

/// Histogram bins as density rectangles (x0, 0, x1, density). The bin count follows
/// Freedman–Diaconis, kept between 8 and 40.
pub(crate) fn density_bars(draws: &[f64]) -> Vec<(f64, f64, f64, f64)> {
    let mut v: Vec<f64> = draws.iter().copied().filter(|x| x.is_finite()).collect();
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n == 0 {
        return vec![];
    }
    let (lo, hi) = (v[0], v[n - 1]);
    if hi <= lo {
        let w = if lo == 0.0 { 0.5 } else { lo.abs() * 0.05 };
        return vec![(lo - w, 0.0, lo + w, 1.0 / (2.0 * w))];
    }
    let q = |p: f64| v[((n - 1) as f64 * p).round() as usize];
    let iqr = q(0.75) - q(0.25);
    let fd = 2.0 * iqr / (n as f64).cbrt();
    let bins = if fd > 0.0 {
        ((hi - lo) / fd).ceil() as usize
    } else {
        20
    };
    let bins = bins.clamp(8, 40);
    let w = (hi - lo) / bins as f64;
    let mut counts = vec![0usize; bins];
    for x in &v {
        let i = (((x - lo) / w) as usize).min(bins - 1);
        counts[i] += 1;
    }
    counts
        .iter()
        .enumerate()
        .map(|(i, &c)| {
            let x0 = lo + i as f64 * w;
            (x0, 0.0, x0 + w, c as f64 / (n as f64 * w))
        })
        .collect()
}

fn density_title(p: &AxisLabel) -> String {
    let u = &p.unit;
    if u.is_empty() {
        "Density".to_string()
    } else if u.contains(['/', ' ', '·', '*']) {
        format!("Density (1/({u}))")
    } else {
        format!("Density (1/{u})")
    }
}

/// One histogram (as a density) per parameter, with the interval shaded and the estimate
/// as a vertical line.
///
/// ```
/// use pressure_plot::{posterior_marginals, AxisLabel, Marginal, Width};
/// let draws: Vec<f64> = (0..200).map(|i| 0.3 + 0.1 * ((i as f64) * 0.37).sin()).collect();
/// let m = Marginal {
///     parameter: AxisLabel::new("Pass-through", "pp per 10% depreciation"),
///     draws,
///     interval: Some((0.22, 0.38)),
///     estimate: Some(0.3),
/// };
/// let fig = posterior_marginals(&[m.clone(), m], Width::Single).unwrap();
/// assert_eq!(fig.panels().len(), 2);
/// // The density axis is in 1/(unit of the parameter).
/// assert!(fig.svg().contains("Density (1/(pp per 10% depreciation))"));
/// ```
pub fn posterior_marginals(marginals: &[Marginal], width: Width) -> Result<Figure, PlotError> {
    non_empty("posterior marginals", marginals)?;
    let color = OKABE_ITO[0];
    let est_look = LineLook {
        color: BLACK,
        width: sizes::axis_line(),
        dash: vec![],
    };
    let mut panels = Vec::new();
    for m in marginals {
        let name = m.parameter.text();
        non_empty(&format!("draws of `{name}`"), &m.draws)?;
        check_finite("posterior draws of", &name, &m.draws)?;
        let bars = density_bars(&m.draws);
        let top = bars.iter().map(|b| b.3).fold(0.0, f64::max);
        let mut layers = vec![Layer::Bars {
            label: "posterior".into(),
            color,
            opacity: 0.55,
            rects: bars,
        }];
        if let Some((lo, hi)) = m.interval {
            check_finite("posterior interval of", &name, &[lo, hi])?;
            layers.push(Layer::VSpan {
                x0: lo,
                x1: hi,
                color: BLACK,
                opacity: 0.07,
            });
        }
        if let Some(e) = m.estimate {
            check_finite("posterior estimate of", &name, &[e])?;
            layers.push(Layer::VRef {
                x: e,
                look: est_look.clone(),
                label: None,
            });
        }
        panels.push(PanelSpec {
            frameless: false,
            title: Some(m.parameter.title.clone()),
            x: AxisSpec::linear(name).with_pad(0.03, 0.03),
            y: AxisSpec::linear(density_title(&m.parameter)).with_range(0.0, top * 1.08),
            layers,
        });
    }
    let mut legend = vec![LegendEntry {
        label: "posterior draws".into(),
        swatch: Swatch::Box(color, 0.55),
    }];
    if marginals.iter().any(|m| m.interval.is_some()) {
        legend.push(LegendEntry {
            label: "credible interval".into(),
            swatch: Swatch::Box(BLACK, 0.07),
        });
    }
    if marginals.iter().any(|m| m.estimate.is_some()) {
        legend.push(LegendEntry {
            label: "estimate".into(),
            swatch: Swatch::Line(est_look, None),
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

/// Pearson correlation of two equally long columns.
fn correlation(a: &[f64], b: &[f64]) -> f64 {
    let n = a.len() as f64;
    let (ma, mb) = (a.iter().sum::<f64>() / n, b.iter().sum::<f64>() / n);
    let (mut sab, mut saa, mut sbb) = (0.0, 0.0, 0.0);
    for (x, y) in a.iter().zip(b) {
        sab += (x - ma) * (y - mb);
        saa += (x - ma).powi(2);
        sbb += (y - mb).powi(2);
    }
    sab / (saa * sbb).sqrt()
}

/// Most draws a scatter panel shows; more are thinned evenly (every k-th draw) so files stay
/// small. Histograms and correlations use all draws.
pub const PAIRS_MAX_POINTS: usize = 2000;

/// A k × k grid: histograms on the diagonal, scatter plots of each pair below it, and the
/// correlation coefficient above it.
///
/// ```
/// use pressure_plot::{pairs, AxisLabel, Pairs, Width};
/// let a: Vec<f64> = (0..100).map(|i| (i as f64 * 0.7).sin()).collect();
/// let b: Vec<f64> = a.iter().map(|x| 2.0 * x + 0.1).collect();
/// let p = Pairs {
///     parameters: vec![AxisLabel::new("alpha", ""), AxisLabel::new("beta", "")],
///     draws: vec![a, b],
/// };
/// let fig = pairs(&p, Width::Single).unwrap();
/// // A 2 × 2 matrix: histograms on the diagonal, a scatter below, a correlation above.
/// assert_eq!(fig.panels().len(), 4);
/// // Columns of different lengths are refused.
/// let bad = Pairs { draws: vec![vec![1.0, 2.0], vec![1.0]], ..p };
/// assert!(pairs(&bad, Width::Single).is_err());
/// ```
pub fn pairs(p: &Pairs, width: Width) -> Result<Figure, PlotError> {
    let k = p.parameters.len();
    if k < 2 {
        return Err(PlotError::Data(
            "a pairs plot needs at least two parameters".into(),
        ));
    }
    if p.draws.len() != k {
        return Err(PlotError::Data(format!(
            "pairs plot: {} parameters but {} columns of draws",
            k,
            p.draws.len()
        )));
    }
    let n = p.draws[0].len();
    for (j, col) in p.draws.iter().enumerate() {
        let name = p.parameters[j].text();
        if col.len() != n {
            return Err(PlotError::Data(format!(
                "pairs plot: `{name}` has {} draws, `{}` has {n}",
                col.len(),
                p.parameters[0].text()
            )));
        }
        non_empty(&format!("draws of `{name}`"), col)?;
        check_finite("posterior draws of", &name, col)?;
    }
    let stride = n.div_ceil(PAIRS_MAX_POINTS).max(1);
    let look = PointLook {
        color: OKABE_ITO[0],
        shape: Marker::Circle,
        size: pt(0.9),
        filled: true,
    };
    let mut panels = Vec::new();
    for i in 0..k {
        for j in 0..k {
            let (xi, yi) = (&p.parameters[j], &p.parameters[i]);
            // Axis titles only on the outer edge, as in every pairs plot.
            let x_title = if i == k - 1 { xi.text() } else { String::new() };
            let y_title = if j == 0 { yi.text() } else { String::new() };
            let panel = if i == j {
                let bars = density_bars(&p.draws[j]);
                let top = bars.iter().map(|b| b.3).fold(0.0, f64::max);
                PanelSpec {
                    frameless: false,
                    title: None,
                    x: AxisSpec::linear(x_title).with_pad(0.03, 0.03),
                    y: AxisSpec::linear(String::new())
                        .with_range(0.0, top * 1.08)
                        .blank(),
                    layers: vec![Layer::Bars {
                        label: format!("{} draws", xi.title),
                        color: OKABE_ITO[0],
                        opacity: 0.55,
                        rects: bars,
                    }],
                }
            } else if i > j {
                PanelSpec {
                    frameless: false,
                    title: None,
                    x: AxisSpec::linear(x_title).with_pad(0.03, 0.03),
                    y: AxisSpec::linear(y_title).with_pad(0.03, 0.03),
                    layers: vec![Layer::Points {
                        label: format!("{} vs {}", yi.title, xi.title),
                        look: look.clone(),
                        points: p.draws[j]
                            .iter()
                            .zip(&p.draws[i])
                            .step_by(stride)
                            .map(|(&x, &y)| (x, y))
                            .collect(),
                    }],
                }
            } else {
                let r = correlation(&p.draws[j], &p.draws[i]);
                PanelSpec {
                    frameless: true,
                    title: None,
                    x: AxisSpec::linear(String::new()).with_range(0.0, 1.0),
                    y: AxisSpec::linear(String::new()).with_range(0.0, 1.0),
                    layers: vec![Layer::Note {
                        x: 0.5,
                        y: 0.5,
                        text: format!("r = {}", crate::axes::minus(format!("{r:.2}"))),
                    }],
                }
            };
            panels.push(panel);
        }
    }
    engine::build(&FigureSpec {
        width,
        columns: k,
        aspect: 1.0,
        panels,
        legend: vec![],
    })
}
