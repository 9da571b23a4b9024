//! A figure as a flat list of drawing primitives in pixel coordinates (300 dpi, y down).
//! Figure kinds lay out and emit primitives once; `svg` and `png` replay them, so every output
//! format shows the same picture.

use crate::style::{Marker, Rgb};

/// Horizontal alignment of text relative to its anchor point.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Anchor {
    Start,
    Middle,
    End,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    /// Opens a group (an SVG `<g class=…>` with `data-*` attributes); ignored by raster output.
    Begin {
        class: String,
        attrs: Vec<(String, String)>,
    },
    End,
    /// An open polyline.
    Line {
        points: Vec<(f64, f64)>,
        color: Rgb,
        width: f64,
        /// Dash pattern in pixels; empty = solid.
        dash: Vec<f64>,
    },
    /// A filled polygon.
    Polygon {
        points: Vec<(f64, f64)>,
        color: Rgb,
        opacity: f64,
    },
    /// An axis-aligned rectangle; `x0 < x1`, `y0 < y1`.
    Rect {
        x0: f64,
        y0: f64,
        x1: f64,
        y1: f64,
        fill: Rgb,
        opacity: f64,
    },
    /// A data marker centred on (x, y); `size` is its width.
    Marker {
        x: f64,
        y: f64,
        shape: Marker,
        size: f64,
        color: Rgb,
        filled: bool,
    },
    /// One line of text. `y` is the baseline; `vertical` rotates it to read bottom to top
    /// around (x, y).
    Text {
        x: f64,
        y: f64,
        text: String,
        size: f64,
        anchor: Anchor,
        color: Rgb,
        vertical: bool,
    },
}

/// The primitives of one figure and its size in pixels.
#[derive(Debug, Clone, PartialEq)]
pub struct Scene {
    pub width: u32,
    pub height: u32,
    pub items: Vec<Item>,
}

impl Scene {
    pub fn new(width: u32, height: u32) -> Self {
        Scene {
            width,
            height,
            items: Vec::new(),
        }
    }

    pub fn begin(&mut self, class: &str, attrs: &[(&str, String)]) {
        self.items.push(Item::Begin {
            class: class.to_string(),
            attrs: attrs
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect(),
        });
    }

    pub fn end(&mut self) {
        self.items.push(Item::End);
    }

    pub fn line(&mut self, points: Vec<(f64, f64)>, color: Rgb, width: f64, dash: &[f64]) {
        if points.len() >= 2 {
            self.items.push(Item::Line {
                points,
                color,
                width,
                dash: dash.to_vec(),
            });
        }
    }

    pub fn polygon(&mut self, points: Vec<(f64, f64)>, color: Rgb, opacity: f64) {
        if points.len() >= 3 {
            self.items.push(Item::Polygon {
                points,
                color,
                opacity,
            });
        }
    }

    pub fn rect(&mut self, (xa, ya): (f64, f64), (xb, yb): (f64, f64), fill: Rgb, opacity: f64) {
        self.items.push(Item::Rect {
            x0: xa.min(xb),
            y0: ya.min(yb),
            x1: xa.max(xb),
            y1: ya.max(yb),
            fill,
            opacity,
        });
    }

    pub fn marker(
        &mut self,
        (x, y): (f64, f64),
        shape: Marker,
        size: f64,
        color: Rgb,
        filled: bool,
    ) {
        self.items.push(Item::Marker {
            x,
            y,
            shape,
            size,
            color,
            filled,
        });
    }

    #[allow(clippy::too_many_arguments)]
    pub fn text(
        &mut self,
        (x, y): (f64, f64),
        text: &str,
        size: f64,
        anchor: Anchor,
        color: Rgb,
        vertical: bool,
    ) {
        if !text.is_empty() {
            self.items.push(Item::Text {
                x,
                y,
                text: text.to_string(),
                size,
                anchor,
                color,
                vertical,
            });
        }
    }
}

/// Vertices of a marker outline relative to its centre (y down), for shapes drawn as polygons.
/// `Cross`, `Plus` and `Tick` are strokes and return their segments' end points pairwise.
pub(crate) fn marker_outline(shape: Marker, size: f64) -> Vec<(f64, f64)> {
    let r = size / 2.0;
    match shape {
        Marker::Circle => (0..24)
            .map(|i| {
                let a = i as f64 * std::f64::consts::TAU / 24.0;
                (r * a.cos(), r * a.sin())
            })
            .collect(),
        Marker::Square => {
            let s = r * 0.9;
            vec![(-s, -s), (s, -s), (s, s), (-s, s)]
        }
        Marker::Triangle => {
            let s = r * 1.15;
            vec![(0.0, -s), (s * 0.866, s * 0.5), (-s * 0.866, s * 0.5)]
        }
        Marker::TriangleDown => {
            let s = r * 1.15;
            vec![(0.0, s), (-s * 0.866, -s * 0.5), (s * 0.866, -s * 0.5)]
        }
        Marker::Diamond => {
            let s = r * 1.2;
            vec![(0.0, -s), (s * 0.8, 0.0), (0.0, s), (-s * 0.8, 0.0)]
        }
        Marker::Cross => {
            let s = r * 0.85;
            vec![(-s, -s), (s, s), (-s, s), (s, -s)]
        }
        Marker::Plus => vec![(-r, 0.0), (r, 0.0), (0.0, -r), (0.0, r)],
        Marker::Tick => vec![(0.0, -r), (0.0, r)],
    }
}

/// Whether a marker shape is drawn as strokes rather than a filled outline.
pub(crate) fn marker_is_stroke(shape: Marker) -> bool {
    matches!(shape, Marker::Cross | Marker::Plus | Marker::Tick)
}
