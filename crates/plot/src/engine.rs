//! The layout engine every figure kind shares: a figure is a legend over a grid of panels;
//! a panel is two axes and layers of data in data coordinates. The engine picks ranges and
//! ticks, sizes the margins from the measured tick labels, maps data to pixels, clips to the
//! plot area and emits scene primitives in a fixed order (reference lines under bands under
//! bars under lines under points, axes last).

use crate::axes::{self, Scale};
use crate::error::PlotError;
use crate::figure::{Figure, PanelGeometry};
use crate::font;
use crate::geom::{clip_polygon, clip_polyline, Rect};
use crate::scene::{Anchor, Scene};
use crate::style::{pt, sizes, Marker, Rgb, SeriesStyle, Width, AXIS, REFERENCE};

/// How a line is stroked.
#[derive(Debug, Clone, PartialEq)]
pub struct LineLook {
    pub color: Rgb,
    pub width: f64,
    pub dash: Vec<f64>,
}

impl LineLook {
    pub fn series(style: &SeriesStyle) -> Self {
        LineLook {
            color: style.color,
            width: sizes::data_line(),
            dash: style.dash.clone(),
        }
    }
    pub fn reference() -> Self {
        LineLook {
            color: REFERENCE,
            width: sizes::reference_line(),
            dash: vec![pt(3.0), pt(2.0)],
        }
    }
}

/// How points are drawn.
#[derive(Debug, Clone, PartialEq)]
pub struct PointLook {
    pub color: Rgb,
    pub shape: Marker,
    pub size: f64,
    pub filled: bool,
}

/// One layer of a panel, in data coordinates.
#[derive(Debug, Clone)]
pub enum Layer {
    Line {
        label: String,
        look: LineLook,
        points: Vec<(f64, f64)>,
    },
    /// A filled band between `lo` and `hi` over x: (x, lo, hi).
    Band {
        label: String,
        color: Rgb,
        opacity: f64,
        points: Vec<(f64, f64, f64)>,
    },
    Points {
        label: String,
        look: PointLook,
        points: Vec<(f64, f64)>,
    },
    /// Vertical error bars (x, lo, hi) or, with `horizontal`, horizontal ones (y, lo, hi).
    ErrorBars {
        label: String,
        color: Rgb,
        horizontal: bool,
        cap: bool,
        items: Vec<(f64, f64, f64)>,
    },
    /// Rectangles (x0, y0, x1, y1).
    Bars {
        label: String,
        color: Rgb,
        opacity: f64,
        rects: Vec<(f64, f64, f64, f64)>,
    },
    /// Reference lines: horizontal at y, vertical at x, or y = slope·x + intercept.
    HRef { y: f64, look: LineLook },
    /// A vertical reference line, optionally labelled at its top (e.g. "sanctions imposed").
    VRef {
        x: f64,
        look: LineLook,
        label: Option<String>,
    },
    Diagonal {
        slope: f64,
        intercept: f64,
        look: LineLook,
    },
    /// A shaded vertical span between two x values.
    VSpan {
        x0: f64,
        x1: f64,
        color: Rgb,
        opacity: f64,
    },
    /// Text labels placed to the right of (x, y).
    Labels { items: Vec<(f64, f64, String)> },
    /// One line of text centred on (x, y) (e.g. a correlation in a pairs plot).
    Note { x: f64, y: f64, text: String },
}

impl Layer {
    /// The (x, y) values this layer needs to see in the plot.
    fn extent(&self, xs: &mut Vec<f64>, ys: &mut Vec<f64>) {
        match self {
            Layer::Line { points, .. } | Layer::Points { points, .. } => {
                for &(x, y) in points {
                    xs.push(x);
                    ys.push(y);
                }
            }
            Layer::Band { points, .. } => {
                for &(x, lo, hi) in points {
                    xs.push(x);
                    ys.push(lo);
                    ys.push(hi);
                }
            }
            Layer::ErrorBars {
                horizontal, items, ..
            } => {
                for &(c, lo, hi) in items {
                    if *horizontal {
                        ys.push(c);
                        xs.extend([lo, hi]);
                    } else {
                        xs.push(c);
                        ys.extend([lo, hi]);
                    }
                }
            }
            Layer::Bars { rects, .. } => {
                for &(x0, y0, x1, y1) in rects {
                    xs.extend([x0, x1]);
                    ys.extend([y0, y1]);
                }
            }
            Layer::HRef { y, .. } => ys.push(*y),
            Layer::VRef { x, .. } => xs.push(*x),
            Layer::VSpan { x0, x1, .. } => xs.extend([*x0, *x1]),
            Layer::Labels { items } => {
                for (x, y, _) in items {
                    xs.push(*x);
                    ys.push(*y);
                }
            }
            Layer::Diagonal { .. } | Layer::Note { .. } => {}
        }
    }
}

#[derive(Debug, Clone)]
pub enum AxisKind {
    Linear,
    /// Named positions 0, 1, 2, …; on the y axis the first name is at the top.
    Categories(Vec<String>),
    /// No spine, ticks or labels (e.g. the density axis of a pairs plot's diagonal).
    Blank,
}

#[derive(Debug, Clone)]
pub struct AxisSpec {
    pub title: String,
    pub kind: AxisKind,
    /// A fixed range; otherwise the data range plus `pad` at each end.
    pub range: Option<(f64, f64)>,
    /// Fraction of the data span added below and above.
    pub pad: (f64, f64),
    /// Ticks at whole numbers only.
    pub integer: bool,
}

impl AxisSpec {
    pub fn linear(title: impl Into<String>) -> Self {
        AxisSpec {
            title: title.into(),
            kind: AxisKind::Linear,
            range: None,
            pad: (0.04, 0.04),
            integer: false,
        }
    }
    pub fn categories(title: impl Into<String>, names: Vec<String>) -> Self {
        let n = names.len() as f64;
        AxisSpec {
            title: title.into(),
            kind: AxisKind::Categories(names),
            range: Some((-0.6, n - 0.4)),
            pad: (0.0, 0.0),
            integer: true,
        }
    }
    pub fn with_range(mut self, lo: f64, hi: f64) -> Self {
        self.range = Some((lo, hi));
        self
    }
    pub fn blank(mut self) -> Self {
        self.kind = AxisKind::Blank;
        self.title.clear();
        self
    }
    pub fn integer(mut self) -> Self {
        self.integer = true;
        self
    }
    pub fn with_pad(mut self, lo: f64, hi: f64) -> Self {
        self.pad = (lo, hi);
        self
    }
}

#[derive(Debug, Clone)]
pub struct PanelSpec {
    /// Draw no axes (a panel that only holds text, e.g. the upper triangle of a pairs plot).
    pub frameless: bool,
    pub title: Option<String>,
    pub x: AxisSpec,
    pub y: AxisSpec,
    pub layers: Vec<Layer>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Swatch {
    Line(LineLook, Option<PointLook>),
    Points(PointLook),
    Box(Rgb, f64),
    /// A point with a vertical error bar.
    PointRange(PointLook),
}

#[derive(Debug, Clone, PartialEq)]
pub struct LegendEntry {
    pub label: String,
    pub swatch: Swatch,
}

#[derive(Debug, Clone)]
pub struct FigureSpec {
    pub width: Width,
    pub panels: Vec<PanelSpec>,
    /// Panels per row (at most the number of panels).
    pub columns: usize,
    /// Height of a panel cell over its width.
    pub aspect: f64,
    pub legend: Vec<LegendEntry>,
}

/// Resolves the data range of one axis.
fn resolve_range(spec: &AxisSpec, values: &[f64]) -> Result<(f64, f64), PlotError> {
    if let Some((lo, hi)) = spec.range {
        if lo.is_finite() && hi.is_finite() && hi > lo {
            return Ok((lo, hi));
        }
        return Err(PlotError::Data(format!(
            "axis `{}`: range {lo}..{hi} is empty or not finite",
            spec.title
        )));
    }
    let (mut lo, mut hi) = values
        .iter()
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| {
            (a.min(v), b.max(v))
        });
    if !lo.is_finite() {
        return Err(PlotError::Data(format!(
            "axis `{}`: no finite value to plot",
            spec.title
        )));
    }
    if hi - lo <= f64::EPSILON * lo.abs().max(1.0) {
        let half = if lo == 0.0 { 1.0 } else { lo.abs() * 0.1 };
        lo -= half;
        hi += half;
    }
    let span = hi - lo;
    Ok((lo - spec.pad.0 * span, hi + spec.pad.1 * span))
}

struct Ticks {
    values: Vec<f64>,
    labels: Vec<String>,
}

fn axis_ticks(spec: &AxisSpec, range: (f64, f64), length_px: f64) -> Ticks {
    match &spec.kind {
        AxisKind::Categories(names) => Ticks {
            values: (0..names.len()).map(|i| i as f64).collect(),
            labels: names.clone(),
        },
        AxisKind::Blank => Ticks {
            values: vec![],
            labels: vec![],
        },
        AxisKind::Linear => {
            // About one tick per 0.45 in, between 3 and 8.
            let target = (length_px / pt(32.0)).clamp(2.5, 8.0);
            let values = if spec.integer {
                axes::integer_ticks(range.0, range.1, target)
            } else {
                axes::ticks(range.0, range.1, target)
            };
            let labels = axes::tick_labels(&values);
            Ticks { values, labels }
        }
    }
}

fn fmt_list(v: &[f64]) -> String {
    v.iter()
        .map(|x| format!("{x}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Lays out the legend entries in rows; returns (height, positioned entries).
fn legend_layout(entries: &[LegendEntry], left: f64, right: f64) -> (f64, Vec<(f64, usize)>) {
    let em = sizes::legend();
    let swatch_w = pt(14.0);
    let row_h = em * 1.45;
    let mut rows: Vec<(f64, usize)> = Vec::new(); // (x, row) per entry
    let (mut x, mut row) = (left, 0usize);
    for e in entries {
        let w = swatch_w + pt(3.0) + font::text_width(&e.label, em);
        if x > left && x + w > right {
            row += 1;
            x = left;
        }
        rows.push((x, row));
        x += w + pt(9.0);
    }
    let n_rows = rows.last().map_or(0, |r| r.1 + 1);
    (n_rows as f64 * row_h, rows)
}

fn draw_swatch(scene: &mut Scene, swatch: &Swatch, x: f64, y_mid: f64) {
    let w = pt(14.0);
    match swatch {
        Swatch::Line(look, point) => {
            scene.line(
                vec![(x, y_mid), (x + w, y_mid)],
                look.color,
                look.width,
                &look.dash,
            );
            if let Some(p) = point {
                scene.marker((x + w / 2.0, y_mid), p.shape, p.size, p.color, p.filled);
            }
        }
        Swatch::Points(p) => scene.marker((x + w / 2.0, y_mid), p.shape, p.size, p.color, p.filled),
        Swatch::Box(c, o) => {
            let h = pt(5.0);
            scene.rect(
                (x + pt(2.0), y_mid - h / 2.0),
                (x + w - pt(2.0), y_mid + h / 2.0),
                *c,
                *o,
            );
        }
        Swatch::PointRange(p) => {
            let h = pt(3.5);
            scene.line(
                vec![(x + w / 2.0, y_mid - h), (x + w / 2.0, y_mid + h)],
                p.color,
                sizes::axis_line(),
                &[],
            );
            scene.marker((x + w / 2.0, y_mid), p.shape, p.size, p.color, p.filled);
        }
    }
}

/// Margins a panel needs around its plot area for ticks, tick labels and titles.
struct Margins {
    left: f64,
    right: f64,
    top: f64,
    bottom: f64,
}

fn panel_margins(p: &PanelSpec, x_ticks: &Ticks, y_ticks: &Ticks) -> Margins {
    let tl = sizes::tick_label();
    let gap = sizes::gap();
    let y_label_w = y_ticks
        .labels
        .iter()
        .map(|l| font::text_width(l, tl))
        .fold(0.0, f64::max);
    let y_title_h = if p.y.title.is_empty() {
        0.0
    } else {
        sizes::axis_title() * 1.15
    };
    let x_title_h = if p.x.title.is_empty() {
        0.0
    } else {
        sizes::axis_title() * 1.2
    };
    let last_x_w = x_ticks
        .labels
        .last()
        .map(|l| font::text_width(l, tl) / 2.0)
        .unwrap_or(0.0);
    Margins {
        left: y_title_h + gap + y_label_w + gap + sizes::tick_length(),
        right: last_x_w.max(pt(6.0)),
        top: if p.title.is_some() {
            sizes::panel_title() * 1.6
        } else {
            tl * 0.8
        },
        bottom: sizes::tick_length()
            + gap
            + font::cap_height(tl)
            + font::descent(tl)
            + gap
            + x_title_h,
    }
}

struct Frame {
    rect: Rect,
    x: Scale,
    y: Scale,
}

impl Frame {
    fn map(&self, (x, y): (f64, f64)) -> (f64, f64) {
        (self.x.map(x), self.y.map(y))
    }
}

/// Builds the figure: layout, ranges, ticks, primitives.
pub fn build(spec: &FigureSpec) -> Result<Figure, PlotError> {
    if spec.panels.is_empty() {
        return Err(PlotError::Data(
            "nothing to draw: the figure has no panel".into(),
        ));
    }
    let width = spec.width.pixels();
    let wf = width as f64;
    let margin = sizes::margin();
    let columns = spec.columns.clamp(1, spec.panels.len());
    let rows = spec.panels.len().div_ceil(columns);
    let cell_w = (wf - 2.0 * margin) / columns as f64;
    let cell_h = cell_w * spec.aspect;
    let (legend_h, legend_pos) = legend_layout(&spec.legend, margin, wf - margin);
    let legend_block = if spec.legend.is_empty() {
        0.0
    } else {
        legend_h + pt(2.0)
    };
    let height = (margin + legend_block + rows as f64 * cell_h + margin).ceil() as u32;
    let mut scene = Scene::new(width, height);
    let mut geometry = Vec::new();

    if !spec.legend.is_empty() {
        scene.begin("legend", &[("entries", spec.legend.len().to_string())]);
        let row_h = sizes::legend() * 1.45;
        for (e, &(x, row)) in spec.legend.iter().zip(&legend_pos) {
            let y_mid = margin + row as f64 * row_h + row_h / 2.0;
            scene.begin("legend-entry", &[("label", e.label.clone())]);
            draw_swatch(&mut scene, &e.swatch, x, y_mid);
            let em = sizes::legend();
            scene.text(
                (x + pt(17.0), y_mid + font::cap_height(em) / 2.0),
                &e.label,
                em,
                Anchor::Start,
                AXIS,
                false,
            );
            scene.end();
        }
        scene.end();
    }

    let grid_top = margin + legend_block;
    // Two passes: measure every panel's margins, then align them per grid row and column so
    // the plot areas of small multiples line up.
    let prepared: Vec<Prepared> = spec
        .panels
        .iter()
        .map(|p| prepare(p, cell_w, cell_h))
        .collect::<Result<_, _>>()?;
    let mut col_left = vec![0.0f64; columns];
    let mut col_right = vec![0.0f64; columns];
    let mut row_top = vec![0.0f64; rows];
    let mut row_bottom = vec![0.0f64; rows];
    for (i, pr) in prepared.iter().enumerate() {
        let (r, c) = (i / columns, i % columns);
        col_left[c] = col_left[c].max(pr.margins.left);
        col_right[c] = col_right[c].max(pr.margins.right);
        row_top[r] = row_top[r].max(pr.margins.top);
        row_bottom[r] = row_bottom[r].max(pr.margins.bottom);
    }
    for (i, (p, pr)) in spec.panels.iter().zip(&prepared).enumerate() {
        let (r, c) = (i / columns, i % columns);
        let cell = Rect {
            left: margin + c as f64 * cell_w,
            top: grid_top + r as f64 * cell_h,
            right: margin + (c + 1) as f64 * cell_w,
            bottom: grid_top + (r + 1) as f64 * cell_h,
        };
        let m = Margins {
            left: col_left[c],
            right: col_right[c],
            top: row_top[r],
            bottom: row_bottom[r],
        };
        geometry.push(draw_panel(&mut scene, p, pr, &m, cell)?);
    }
    Ok(Figure::new(scene, geometry))
}

/// A panel's ranges, ticks and the margins it asks for.
struct Prepared {
    x_range: (f64, f64),
    y_range: (f64, f64),
    x_ticks: Ticks,
    y_ticks: Ticks,
    margins: Margins,
}

fn prepare(p: &PanelSpec, cell_w: f64, cell_h: f64) -> Result<Prepared, PlotError> {
    let (mut xs, mut ys) = (Vec::new(), Vec::new());
    for l in &p.layers {
        l.extent(&mut xs, &mut ys);
    }
    let x_range = resolve_range(&p.x, &xs)?;
    let y_range = resolve_range(&p.y, &ys)?;
    // Tick density depends on the plot size, which depends on the tick labels: estimate it
    // from the cell.
    let x_ticks = axis_ticks(&p.x, x_range, cell_w * 0.8);
    let y_ticks = axis_ticks(&p.y, y_range, cell_h * 0.7);
    let margins = if p.frameless {
        Margins {
            left: 0.0,
            right: 0.0,
            top: 0.0,
            bottom: 0.0,
        }
    } else {
        panel_margins(p, &x_ticks, &y_ticks)
    };
    Ok(Prepared {
        x_range,
        y_range,
        x_ticks,
        y_ticks,
        margins,
    })
}

fn draw_panel(
    scene: &mut Scene,
    p: &PanelSpec,
    pr: &Prepared,
    m: &Margins,
    cell: Rect,
) -> Result<PanelGeometry, PlotError> {
    let (x_range, y_range, x_ticks, y_ticks) = (pr.x_range, pr.y_range, &pr.x_ticks, &pr.y_ticks);
    let rect = Rect {
        left: cell.left + m.left,
        top: cell.top + m.top,
        right: cell.right - m.right - sizes::gap(),
        bottom: cell.bottom - m.bottom - sizes::gap(),
    };
    if rect.width() < pt(20.0) || rect.height() < pt(15.0) {
        return Err(PlotError::Data(
            "labels leave no room for the plot: shorten the tick or category labels, or use --width double".into(),
        ));
    }
    let y_reversed = matches!(p.y.kind, AxisKind::Categories(_));
    let frame = Frame {
        rect,
        x: Scale {
            d0: x_range.0,
            d1: x_range.1,
            p0: rect.left,
            p1: rect.right,
        },
        y: if y_reversed {
            Scale {
                d0: y_range.0,
                d1: y_range.1,
                p0: rect.top,
                p1: rect.bottom,
            }
        } else {
            Scale {
                d0: y_range.0,
                d1: y_range.1,
                p0: rect.bottom,
                p1: rect.top,
            }
        },
    };

    let mut attrs = vec![
        (
            "plot-area",
            fmt_list(&[rect.left, rect.top, rect.right, rect.bottom]),
        ),
        ("x-range", fmt_list(&[x_range.0, x_range.1])),
        ("y-range", fmt_list(&[y_range.0, y_range.1])),
    ];
    if let Some(t) = &p.title {
        attrs.push(("title", t.clone()));
    }
    scene.begin("panel", &attrs);

    // Layers, in drawing order.
    let order = |l: &Layer| match l {
        Layer::VSpan { .. } => 0,
        Layer::HRef { .. } | Layer::VRef { .. } | Layer::Diagonal { .. } => 1,
        Layer::Band { .. } => 2,
        Layer::Bars { .. } => 3,
        Layer::Line { .. } => 4,
        Layer::ErrorBars { .. } => 5,
        Layer::Points { .. } => 6,
        Layer::Labels { .. } | Layer::Note { .. } => 7,
    };
    let mut layers: Vec<&Layer> = p.layers.iter().collect();
    layers.sort_by_key(|l| order(l));
    for l in layers {
        draw_layer(scene, &frame, l);
    }

    if !p.frameless {
        draw_axes(scene, p, &frame, x_ticks, y_ticks, cell);
    }
    if let Some(t) = &p.title {
        let em = sizes::panel_title();
        scene.text(
            (rect.left, cell.top + em),
            t,
            em,
            Anchor::Start,
            crate::style::BLACK,
            false,
        );
    }
    scene.end();
    Ok(PanelGeometry {
        title: p.title.clone(),
        plot_area: rect,
        x_range,
        y_range,
        y_reversed,
    })
}

fn draw_layer(scene: &mut Scene, f: &Frame, layer: &Layer) {
    let r = f.rect;
    match layer {
        Layer::Line {
            label,
            look,
            points,
        } => {
            scene.begin("series line", &[("label", label.clone())]);
            let px: Vec<(f64, f64)> = points.iter().map(|&p| f.map(p)).collect();
            for run in clip_polyline(&r, &px) {
                scene.line(run, look.color, look.width, &look.dash);
            }
            scene.end();
        }
        Layer::Band {
            label,
            color,
            opacity,
            points,
        } => {
            scene.begin("series band", &[("label", label.clone())]);
            // Split at non-finite bounds so a gap stays a gap.
            for chunk in points
                .split(|(x, lo, hi)| !(x.is_finite() && lo.is_finite() && hi.is_finite()))
                .filter(|c| c.len() >= 2)
            {
                let mut poly: Vec<(f64, f64)> =
                    chunk.iter().map(|&(x, _, hi)| f.map((x, hi))).collect();
                poly.extend(chunk.iter().rev().map(|&(x, lo, _)| f.map((x, lo))));
                scene.polygon(clip_polygon(&r, &poly), *color, *opacity);
            }
            scene.end();
        }
        Layer::Points {
            label,
            look,
            points,
        } => {
            scene.begin("series points", &[("label", label.clone())]);
            for &p in points {
                if !(p.0.is_finite() && p.1.is_finite()) {
                    continue;
                }
                let q = f.map(p);
                if r.contains(q) {
                    scene.marker(q, look.shape, look.size, look.color, look.filled);
                }
            }
            scene.end();
        }
        Layer::ErrorBars {
            label,
            color,
            horizontal,
            cap,
            items,
        } => {
            scene.begin("series errorbars", &[("label", label.clone())]);
            let cap_half = pt(1.8);
            let w = sizes::axis_line();
            for &(c, lo, hi) in items {
                if !(c.is_finite() && lo.is_finite() && hi.is_finite()) {
                    continue;
                }
                let (a, b) = if *horizontal {
                    (f.map((lo, c)), f.map((hi, c)))
                } else {
                    (f.map((c, lo)), f.map((c, hi)))
                };
                for run in clip_polyline(&r, &[a, b]) {
                    scene.line(run, *color, w, &[]);
                }
                if *cap {
                    for e in [a, b] {
                        if r.contains(e) {
                            let seg = if *horizontal {
                                vec![(e.0, e.1 - cap_half), (e.0, e.1 + cap_half)]
                            } else {
                                vec![(e.0 - cap_half, e.1), (e.0 + cap_half, e.1)]
                            };
                            scene.line(seg, *color, w, &[]);
                        }
                    }
                }
            }
            scene.end();
        }
        Layer::Bars {
            label,
            color,
            opacity,
            rects,
        } => {
            scene.begin("series bars", &[("label", label.clone())]);
            for &(x0, y0, x1, y1) in rects {
                let (a, b) = (f.map((x0, y0)), f.map((x1, y1)));
                let clamp = |v: f64, lo: f64, hi: f64| v.max(lo).min(hi);
                let a = (clamp(a.0, r.left, r.right), clamp(a.1, r.top, r.bottom));
                let b = (clamp(b.0, r.left, r.right), clamp(b.1, r.top, r.bottom));
                if (a.0 - b.0).abs() > 0.0 && (a.1 - b.1).abs() > 0.0 {
                    scene.rect(a, b, *color, *opacity);
                }
            }
            scene.end();
        }
        Layer::HRef { y, look } => {
            let yy = f.y.map(*y);
            if yy >= r.top && yy <= r.bottom {
                scene.begin("reference", &[("y", y.to_string())]);
                scene.line(
                    vec![(r.left, yy), (r.right, yy)],
                    look.color,
                    look.width,
                    &look.dash,
                );
                scene.end();
            }
        }
        Layer::VRef { x, look, label } => {
            let xx = f.x.map(*x);
            if xx >= r.left && xx <= r.right {
                scene.begin("reference", &[("x", x.to_string())]);
                scene.line(
                    vec![(xx, r.top), (xx, r.bottom)],
                    look.color,
                    look.width,
                    &look.dash,
                );
                if let Some(text) = label {
                    let em = sizes::annotation();
                    scene.text(
                        (xx + pt(2.0), r.top + em),
                        text,
                        em,
                        Anchor::Start,
                        AXIS,
                        false,
                    );
                }
                scene.end();
            }
        }
        Layer::Note { x, y, text } => {
            let em = sizes::axis_title();
            let (px, py) = f.map((*x, *y));
            scene.begin("note", &[]);
            scene.text(
                (px, py + font::cap_height(em) / 2.0),
                text,
                em,
                Anchor::Middle,
                AXIS,
                false,
            );
            scene.end();
        }
        Layer::Diagonal {
            slope,
            intercept,
            look,
        } => {
            let (x0, x1) = (f.x.d0, f.x.d1);
            let pts = [
                f.map((x0, intercept + slope * x0)),
                f.map((x1, intercept + slope * x1)),
            ];
            scene.begin("reference", &[("slope", slope.to_string())]);
            for run in clip_polyline(&r, &pts) {
                scene.line(run, look.color, look.width, &look.dash);
            }
            scene.end();
        }
        Layer::VSpan {
            x0,
            x1,
            color,
            opacity,
        } => {
            let (a, b) = (f.x.map(*x0).max(r.left), f.x.map(*x1).min(r.right));
            if b > a {
                scene.begin("span", &[]);
                scene.rect((a, r.top), (b, r.bottom), *color, *opacity);
                scene.end();
            }
        }
        Layer::Labels { items } => {
            scene.begin("labels", &[]);
            let em = sizes::annotation();
            for (x, y, text) in items {
                let (px, py) = f.map((*x, *y));
                if r.contains((px, py)) {
                    // Labels near the right edge go to the left of their point.
                    let right_room = r.right - px;
                    let w = font::text_width(text, em);
                    let (tx, anchor) = if right_room > w + pt(4.0) {
                        (px + pt(1.5), Anchor::Start)
                    } else {
                        (px - pt(1.5), Anchor::End)
                    };
                    // Above the point, clear of its marker and of horizontal error bars.
                    scene.text((tx, py - pt(3.0)), text, em, anchor, AXIS, false);
                }
            }
            scene.end();
        }
    }
}

/// The largest title size (at most the house size, at least 5.5 pt) that fits `room` pixels.
fn fitted_title_size(text: &str, room: f64) -> f64 {
    let em = sizes::axis_title();
    let w = font::text_width(text, em);
    if w <= room {
        em
    } else {
        (em * room / w).max(pt(5.5))
    }
}

fn draw_axes(scene: &mut Scene, p: &PanelSpec, f: &Frame, xt: &Ticks, yt: &Ticks, cell: Rect) {
    let r = f.rect;
    let tl = sizes::tick_label();
    let tick = sizes::tick_length();
    let gap = sizes::gap();
    let lw = sizes::axis_line();
    let categorical_x = matches!(p.x.kind, AxisKind::Categories(_));
    let categorical_y = matches!(p.y.kind, AxisKind::Categories(_) | AxisKind::Blank);

    scene.begin("axis x", &[("title", p.x.title.clone())]);
    scene.line(vec![(r.left, r.bottom), (r.right, r.bottom)], AXIS, lw, &[]);
    for (v, label) in xt.values.iter().zip(&xt.labels) {
        let x = f.x.map(*v);
        if x < r.left - 0.5 || x > r.right + 0.5 {
            continue;
        }
        if !categorical_x {
            scene.line(vec![(x, r.bottom), (x, r.bottom + tick)], AXIS, lw, &[]);
        }
        scene.text(
            (x, r.bottom + tick + gap + font::cap_height(tl)),
            label,
            tl,
            Anchor::Middle,
            AXIS,
            false,
        );
    }
    if !p.x.title.is_empty() {
        let em = fitted_title_size(&p.x.title, cell.width() - pt(2.0));
        scene.text(
            (
                (r.left + r.right) / 2.0,
                cell.bottom - gap - font::descent(em),
            ),
            &p.x.title,
            em,
            Anchor::Middle,
            AXIS,
            false,
        );
    }
    scene.end();

    scene.begin("axis y", &[("title", p.y.title.clone())]);
    if !categorical_y {
        scene.line(vec![(r.left, r.top), (r.left, r.bottom)], AXIS, lw, &[]);
    }
    for (v, label) in yt.values.iter().zip(&yt.labels) {
        let y = f.y.map(*v);
        if y < r.top - 0.5 || y > r.bottom + 0.5 {
            continue;
        }
        if !categorical_y {
            scene.line(vec![(r.left - tick, y), (r.left, y)], AXIS, lw, &[]);
        }
        scene.text(
            (r.left - tick - gap, y + font::cap_height(tl) / 2.0),
            label,
            tl,
            Anchor::End,
            AXIS,
            false,
        );
    }
    if !p.y.title.is_empty() {
        let em = fitted_title_size(&p.y.title, r.height() + pt(6.0));
        // Rotated: the baseline is a vertical line; the glyphs extend to its left by the ascent.
        scene.text(
            (
                cell.left + sizes::axis_title() * 0.95,
                (r.top + r.bottom) / 2.0,
            ),
            &p.y.title,
            em,
            Anchor::Middle,
            AXIS,
            true,
        );
    }
    scene.end();
}
