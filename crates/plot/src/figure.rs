//! A finished figure and its output formats.

use crate::error::PlotError;
use crate::geom::Rect;
use crate::scene::Scene;
use crate::style::DPI;
use std::fmt;
use std::str::FromStr;

/// Output formats. SVG and PNG are always available; PDF needs the `pdf` cargo feature (on by
/// default).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Scalable vector graphics; text stays text, sized in inches.
    Svg,
    /// 300 dpi raster: width in pixels = width in inches × 300.
    Png,
    /// Vector PDF with the bundled font embedded (subset).
    Pdf,
}

impl Format {
    /// The names accepted on the command line and as file extensions.
    pub const NAMES: [&'static str; 3] = ["svg", "png", "pdf"];

    /// The file extension, without the dot.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Svg => "svg",
            Format::Png => "png",
            Format::Pdf => "pdf",
        }
    }

    /// The format named by a path's extension, if it names one.
    pub fn from_path(path: &std::path::Path) -> Option<Format> {
        path.extension()?
            .to_str()?
            .to_ascii_lowercase()
            .parse()
            .ok()
    }

    /// Whether this build can write the format.
    pub fn available(self) -> bool {
        !matches!(self, Format::Pdf) || cfg!(feature = "pdf")
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.extension())
    }
}

impl FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "svg" => Ok(Format::Svg),
            "png" => Ok(Format::Png),
            "pdf" => Ok(Format::Pdf),
            other => Err(format!(
                "format `{other}` is not offered; use one of: {}",
                Format::NAMES.join(", ")
            )),
        }
    }
}

/// Where one panel's data landed: its plot area in pixels (300 dpi, y down, the SVG `viewBox`
/// units) and the data ranges mapped onto it.
#[derive(Debug, Clone, PartialEq)]
pub struct PanelGeometry {
    /// The panel's title, when it has one (grids of panels).
    pub title: Option<String>,
    /// The panel's plot area (inside the axes), in pixels.
    pub plot_area: Rect,
    /// The data range shown on the horizontal axis (after padding), left to right.
    pub x_range: (f64, f64),
    /// The data range shown on the vertical axis (after padding), bottom to top.
    pub y_range: (f64, f64),
    /// Category axes on y put the first category at the top.
    pub y_reversed: bool,
}

impl PanelGeometry {
    /// The pixel position of a data point: x maps `x_range` onto left..right; y maps
    /// `y_range` onto bottom..top (top..bottom when reversed).
    pub fn to_pixel(&self, (x, y): (f64, f64)) -> (f64, f64) {
        let r = &self.plot_area;
        let fx = (x - self.x_range.0) / (self.x_range.1 - self.x_range.0);
        let fy = (y - self.y_range.0) / (self.y_range.1 - self.y_range.0);
        let py = if self.y_reversed {
            r.top + fy * r.height()
        } else {
            r.bottom - fy * r.height()
        };
        (r.left + fx * r.width(), py)
    }
}

/// A drawn figure, ready to be written as SVG, PNG or PDF.
#[derive(Debug, Clone)]
pub struct Figure {
    scene: Scene,
    panels: Vec<PanelGeometry>,
}

impl Figure {
    pub(crate) fn new(scene: Scene, panels: Vec<PanelGeometry>) -> Self {
        Figure { scene, panels }
    }

    /// Adds a line of small text under the figure, e.g. the data source
    /// (`Data: World Bank WDI, CC BY 4.0`). The figure grows by one line.
    pub fn with_note(mut self, note: &str) -> Self {
        use crate::style::sizes;
        let em = sizes::annotation();
        let line = (em * 1.5).ceil();
        let baseline = self.scene.height as f64 - sizes::margin() + em;
        self.scene.height += line as u32;
        self.scene.begin("note", &[]);
        self.scene.text(
            (sizes::margin(), baseline),
            note,
            em,
            crate::scene::Anchor::Start,
            crate::style::AXIS_TEXT,
            false,
        );
        self.scene.end();
        self
    }

    /// Width in pixels at 300 dpi.
    pub fn width_px(&self) -> u32 {
        self.scene.width
    }

    /// Height in pixels at 300 dpi.
    pub fn height_px(&self) -> u32 {
        self.scene.height
    }

    /// Physical size in inches (width, height).
    pub fn size_inches(&self) -> (f64, f64) {
        (
            self.scene.width as f64 / DPI,
            self.scene.height as f64 / DPI,
        )
    }

    /// The panels in reading order (left to right, top to bottom).
    pub fn panels(&self) -> &[PanelGeometry] {
        &self.panels
    }

    /// The figure as an SVG document.
    pub fn svg(&self) -> String {
        crate::svg::render(&self.scene)
    }

    /// The figure as a 300 dpi PNG file.
    pub fn png(&self) -> Result<Vec<u8>, PlotError> {
        crate::png::render(&self.scene)
    }

    /// The figure as a PDF file with the font embedded.
    pub fn pdf(&self) -> Result<Vec<u8>, PlotError> {
        #[cfg(feature = "pdf")]
        {
            crate::pdf::render(&self.svg())
        }
        #[cfg(not(feature = "pdf"))]
        {
            Err(PlotError::Format(
                "PDF output was not compiled in: build with the `pdf` feature of pressure-plot"
                    .into(),
            ))
        }
    }

    /// The figure's bytes in `format`.
    pub fn render(&self, format: Format) -> Result<Vec<u8>, PlotError> {
        match format {
            Format::Svg => Ok(self.svg().into_bytes()),
            Format::Png => self.png(),
            Format::Pdf => self.pdf(),
        }
    }
}
