//! The house style: journal widths, type sizes, the Okabe–Ito palette and the line styles that
//! keep series apart when a figure is printed in greyscale.
//!
//! All geometry is in pixels at 300 dpi ([`DPI`]); the SVG declares its physical size in inches
//! with a `viewBox` in the same pixels, so one layout serves SVG, PNG and PDF.

use std::fmt;
use std::str::FromStr;

/// Resolution of the PNG output and unit of every coordinate in a figure.
pub const DPI: f64 = 300.0;

/// Pixels per typographic point (1 pt = 1/72 in).
pub const PX_PER_PT: f64 = DPI / 72.0;

/// Converts points to pixels at [`DPI`].
pub fn pt(points: f64) -> f64 {
    points * PX_PER_PT
}

/// The width a figure is drawn for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Width {
    /// One journal column: 85 mm (3.35 in), 1005 px at 300 dpi.
    #[default]
    Single,
    /// Two journal columns (full page width): 175 mm (6.9 in), 2070 px at 300 dpi.
    Double,
}

impl Width {
    /// Width in inches.
    pub fn inches(self) -> f64 {
        match self {
            Width::Single => 3.35,
            Width::Double => 6.9,
        }
    }

    /// Width in pixels at 300 dpi: inches × 300.
    pub fn pixels(self) -> u32 {
        (self.inches() * DPI).round() as u32
    }

    /// Panels per row in a grid of small multiples.
    pub(crate) fn grid_columns(self) -> usize {
        match self {
            Width::Single => 2,
            Width::Double => 3,
        }
    }

    /// The names accepted on the command line.
    pub const NAMES: [&'static str; 2] = ["single", "double"];
}

impl fmt::Display for Width {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Width::Single => "single",
            Width::Double => "double",
        })
    }
}

impl FromStr for Width {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "single" => Ok(Width::Single),
            "double" => Ok(Width::Double),
            other => Err(format!(
                "width `{other}` is not offered; use one of: {}",
                Width::NAMES.join(", ")
            )),
        }
    }
}

/// An sRGB colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rgb(pub u8, pub u8, pub u8);

impl Rgb {
    pub(crate) fn hex(self) -> String {
        format!("#{:02X}{:02X}{:02X}", self.0, self.1, self.2)
    }
}

/// Okabe & Ito (2008), "Color Universal Design": distinguishable under the common forms of
/// colour-vision deficiency. Yellow comes last because it is faint on white paper.
pub const OKABE_ITO: [Rgb; 8] = [
    Rgb(0x00, 0x72, 0xB2), // blue
    Rgb(0xD5, 0x5E, 0x00), // vermillion
    Rgb(0x00, 0x9E, 0x73), // bluish green
    Rgb(0xCC, 0x79, 0xA7), // reddish purple
    Rgb(0xE6, 0x9F, 0x00), // orange
    Rgb(0x56, 0xB4, 0xE9), // sky blue
    Rgb(0x00, 0x00, 0x00), // black
    Rgb(0xF0, 0xE4, 0x42), // yellow
];

pub(crate) const BLACK: Rgb = Rgb(0, 0, 0);
/// Axis lines, ticks and labels: near-black, so data stays the darkest ink.
pub(crate) const AXIS: Rgb = Rgb(0x33, 0x33, 0x33);
/// Text that is not data (axis labels, notes).
pub(crate) const AXIS_TEXT: Rgb = AXIS;
/// Reference lines (zero, base value, thresholds): light and thin.
pub(crate) const REFERENCE: Rgb = Rgb(0x99, 0x99, 0x99);

/// Marker shapes, in the order series receive them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Marker {
    /// A circle.
    Circle,
    /// A square.
    Square,
    /// A triangle, point up.
    Triangle,
    /// A diamond (a square on its corner).
    Diamond,
    /// A triangle, point down.
    TriangleDown,
    /// A diagonal cross (×).
    Cross,
    /// An upright cross (+).
    Plus,
    /// A short vertical stroke (censoring ticks).
    Tick,
}

/// Dash patterns in points (on, off, on, off, …); empty = solid.
pub(crate) const DASHES: [&[f64]; 6] = [
    &[],
    &[4.0, 2.0],
    &[1.0, 1.5],
    &[5.0, 1.5, 1.0, 1.5],
    &[8.0, 2.5],
    &[4.0, 1.5, 1.0, 1.5, 1.0, 1.5],
];

const MARKERS: [Marker; 7] = [
    Marker::Circle,
    Marker::Square,
    Marker::Triangle,
    Marker::Diamond,
    Marker::TriangleDown,
    Marker::Cross,
    Marker::Plus,
];

/// How the `index`-th series of a figure is drawn: colour, dash pattern and marker all change
/// together, so series stay apart in colour, in greyscale and for colour-blind readers.
#[derive(Debug, Clone, PartialEq)]
pub struct SeriesStyle {
    /// Line and marker colour, from the Okabe–Ito palette.
    pub color: Rgb,
    /// Dash pattern in pixels (empty = solid).
    pub dash: Vec<f64>,
    /// Marker shape (observed points, legend swatches).
    pub marker: Marker,
}

impl SeriesStyle {
    /// The style of the `index`-th series. Colours cycle after 8, dashes after 6, markers
    /// after 7, so the first 56 combinations are all different.
    pub fn nth(index: usize) -> Self {
        SeriesStyle {
            color: OKABE_ITO[index % OKABE_ITO.len()],
            dash: DASHES[index % DASHES.len()]
                .iter()
                .map(|&d| pt(d))
                .collect(),
            marker: MARKERS[index % MARKERS.len()],
        }
    }
}

/// Type sizes (em, in pixels) and stroke widths. Journals ask for 6–9 pt text at print size.
pub(crate) mod sizes {
    use super::pt;
    pub fn tick_label() -> f64 {
        pt(7.0)
    }
    pub fn axis_title() -> f64 {
        pt(8.0)
    }
    pub fn panel_title() -> f64 {
        pt(8.0)
    }
    pub fn legend() -> f64 {
        pt(7.0)
    }
    pub fn annotation() -> f64 {
        pt(6.5)
    }
    pub fn data_line() -> f64 {
        pt(1.0)
    }
    pub fn axis_line() -> f64 {
        pt(0.6)
    }
    pub fn reference_line() -> f64 {
        pt(0.5)
    }
    pub fn tick_length() -> f64 {
        pt(2.5)
    }
    pub fn marker() -> f64 {
        pt(3.6)
    }
    pub fn gap() -> f64 {
        pt(2.5)
    }
    pub fn margin() -> f64 {
        pt(4.0)
    }
    pub fn band_opacity() -> f64 {
        0.22
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn journal_widths_in_pixels_are_inches_times_300() {
        assert_eq!(Width::Single.pixels(), 1005);
        assert_eq!(Width::Double.pixels(), 2070);
    }

    #[test]
    fn first_series_styles_differ_in_colour_dash_and_marker() {
        for i in 0..6 {
            for j in 0..i {
                let (a, b) = (SeriesStyle::nth(i), SeriesStyle::nth(j));
                assert_ne!(a.color, b.color);
                assert_ne!(a.dash, b.dash);
                assert_ne!(a.marker, b.marker);
            }
        }
    }

    #[test]
    fn width_names_round_trip_and_unknown_is_explained() {
        for n in Width::NAMES {
            assert_eq!(n.parse::<Width>().unwrap().to_string(), n);
        }
        let err = "triple".parse::<Width>().unwrap_err();
        assert!(err.contains("single, double"), "{err}");
    }
}
