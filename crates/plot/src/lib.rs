//! Publication figures for Pressure in one house style: time series with bands, fit grids,
//! scenario comparisons, tornado, Morris, Sobol, indices over time, profile likelihoods,
//! posterior marginals and pairs, event studies, Kaplan–Meier curves and coefficient plots.
//!
//! (Module docs: see the crate README section below.)

mod axes;
mod data;
mod engine;
mod error;
mod figure;
mod from_csv;
pub mod font;
mod geom;
mod kinds;
#[cfg(feature = "pdf")]
mod pdf;
mod png;
mod scene;
pub mod style;
mod svg;
mod table;

pub use data::*;
pub use error::PlotError;
pub use figure::{Figure, Format, PanelGeometry};
pub use from_csv::{figure_from_csv, figure_from_csv_bytes, CsvOptions, FigureKind};
pub use geom::Rect;
pub use kinds::*;
pub use style::Width;

