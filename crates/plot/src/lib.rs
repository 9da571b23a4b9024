//! Publication figures for Pressure, in one house style, drawn on plotters.
//!
//! Every figure kind takes plain data (series of (x, y), intervals, named rows: the types in
//! this crate, nothing from the simulation or estimation crates) and a journal [`Width`], and
//! returns a [`Figure`] that renders to SVG, PNG (300 dpi) or PDF (font embedded).
//!
//! ```
//! use pressure_plot::{coefficient_plot, AxisLabel, Coefficient, CoefficientPlot, Width};
//! let fig = coefficient_plot(&CoefficientPlot {
//!     x: AxisLabel::new("Effect on inflation", "percentage points"),
//!     rows: vec![Coefficient { term: "sanctions".into(), estimate: 4.2, low: 1.9, high: 6.5 }],
//!     sort: false,
//! }, Width::Single).unwrap();
//! let svg = fig.svg();                  // text stays <text>, searchable
//! let png = fig.png().unwrap();         // 1005 px wide: 3.35 in × 300 dpi
//! assert!(svg.contains(">Effect on inflation (percentage points)</text>"));
//! assert_eq!(&png[1..4], b"PNG");
//! ```
//!
//! # Figure kinds
//!
//! | function | input | draws |
//! |---|---|---|
//! | [`time_series`] | [`TimeSeriesPanel`] | model lines, observed points, bands (calibration intervals or Monte Carlo percentiles), event lines |
//! | [`fit_grid`] | `&[TimeSeriesPanel]` | small multiples: one panel per observable, one shared legend |
//! | [`scenario_comparison`] | `&[TimeSeriesPanel]` | several runs of one variable, or a grid of variables; a run keeps its style in every panel |
//! | [`tornado`] | [`Tornado`] | one-at-a-time swings around the base output, widest on top |
//! | [`morris`] | [`Morris`] | μ*–σ plane with labelled points, μ* intervals and the line σ = μ* |
//! | [`sobol`] | [`Sobol`] | first-order and total indices as grouped bars with interval bars |
//! | [`indices_over_time`] | `&[TimeSeriesPanel]` | one line per parameter, 0–1 kept in view |
//! | [`profile_likelihood`] | `&[Profile]` | deviance profiles, χ²₁ threshold, interval shaded, estimate marked |
//! | [`posterior_marginals`] | `&[Marginal]` | histograms as densities, interval and estimate |
//! | [`pairs`] | [`Pairs`] | histograms on the diagonal, scatter below, correlations above |
//! | [`event_study`] | [`EventStudy`] | coefficients with intervals by event time, lines at 0 and at −1, estimators dodged |
//! | [`kaplan_meier`] | [`KaplanMeier`] | survival step functions by group, censoring ticks, optional bands |
//! | [`coefficient_plot`] | [`CoefficientPlot`] | point + interval per term, ordered, line at 0 |
//!
//! # House style
//!
//! - **Font**: DejaVu Sans, bundled (`assets/DejaVuSans.ttf`, Bitstream Vera licence with
//!   public-domain DejaVu changes: `assets/DejaVuSans-LICENSE.txt`). Text is laid out with its
//!   metrics; the PNG rasterises it, the SVG names it (`'DejaVu Sans', 'Bitstream Vera Sans',
//!   Verdana, sans-serif`), the PDF embeds a subset. Tick labels 7 pt, axis titles 8 pt.
//! - **Widths**: [`Width::Single`] 85 mm (3.35 in, 1005 px at 300 dpi) and [`Width::Double`]
//!   175 mm (6.9 in, 2070 px). Heights follow from the kind (aspect per panel, rows of a grid,
//!   rows of the legend).
//! - **Colour**: the Okabe–Ito palette (yellow last). Series also change dash pattern and
//!   marker with colour ([`style::SeriesStyle::nth`]), so they stay apart in greyscale.
//!   Observed data are black markers.
//! - **No chart junk**: left and bottom spines only, outward ticks, no grid, no frame; light
//!   grey reference lines only where they mean something (zero, base value, threshold,
//!   event time, σ = μ*). Legends sit above the panels. Typographic minus in tick labels.
//! - **Units**: axis titles are [`AxisLabel`]s (`title (unit)`); dimensionless quantities
//!   (indices, probabilities) carry no unit.
//!
//! # Output
//!
//! All coordinates are pixels at 300 dpi. The SVG gives its size in inches with a `viewBox` in
//! those pixels; every panel is a `<g class="panel">` with `data-plot-area` (left top right
//! bottom), `data-x-range` and `data-y-range`, every series a `<g class="series line|band|points|bars|errorbars">`
//! with `data-label`, every legend entry a `<g class="legend-entry">`. [`Figure::panels`] gives
//! the same geometry in Rust. The PNG is drawn with plotters' bitmap backend (dashes are cut
//! here, as that backend strokes only solid lines) and carries a 300 dpi `pHYs` chunk. The PDF
//! is the SVG converted by svg2pdf with the bundled font loaded, so text stays text and the font
//! is embedded; it needs the `pdf` cargo feature, on by default (it is most of this crate's cold
//! build time: about 80 s of CPU for svg2pdf, usvg and the font subsetter).
//!
//! # CSV layouts (`pressure plot KIND INPUT.csv`)
//!
//! [`figure_from_csv`] reads one layout per [`FigureKind`]. Columns are found by name (ASCII
//! case-insensitive, in any order; aliases in brackets), extra columns are ignored, lines
//! starting with `#` are comments, and empty or `NA` cells mean "no value" in optional columns.
//! Errors name the file, the row (its line in the file; the header is line 1) and the column.
//! Rows sharing a key (observable, scenario, parameter, group…) form one series or panel, in
//! order of first appearance. `--select NAME` keeps one panel; `--x-label`/`--y-label` replace
//! axis titles.
//!
//! | kind | required columns | optional columns |
//! |---|---|---|
//! | `timeseries`, `fit-grid` (`pressure calibrate`'s `fit.csv`) | `time` [t, year] or `date` (`YYYY`, `YYYY-Qn`, `YYYY-MM`, `YYYY-MM-DD`, drawn as decimal years); `model` [fitted, simulated] and/or `observed` [data] | `observable` [series, variable] (one panel each; `timeseries` takes one), `episode` (several: one panel per episode and observable), `unit`, `lower`, `upper` (band around the model), `level` (e.g. `95%`, names the band), `time_unit` |
//! | `scenarios` | `scenario` [run], `time`, `value` | `variable` (one panel each), `unit`, `lower`, `upper`, `time_unit` |
//! | `tornado` (`pressure sensitivity` OAT) | `parameter`, `output_at_low` [low, output_low], `output_at_high` [high, output_high], `output_at_base` [base, output_base] (output with the parameter at its low end, high end, base case; one base) | `output` (one is drawn: `--select`), `unit` |
//! | `morris` (SALib names) | `parameter` [names], `mu_star`, `sigma` | `mu_star_conf` (half-width), `output`, `unit` |
//! | `sobol` (SALib names) | `parameter` [names], `S1`, `ST` | `S1_conf`, `ST_conf` (half-widths) or `S1_low`, `S1_high`, `ST_low`, `ST_high`; `output` |
//! | `indices-time` | `parameter`, `time`, and either `value` (with optional `index` naming the panel, `lower`, `upper`) or `S1`/`ST` (with optional `S1_conf`/`ST_conf`); an undefined index (`NaN` or empty, e.g. zero output variance) is skipped, and so are rows without a time (scalar outputs in the same file) | `variable` [output] (several: one is drawn, `--select`), `time_unit` |
//! | `profile` | `parameter`, `value`, `deviance` [delta_2ll, lr] = 2(ℓ̂ − ℓ), or `nll` [neg_log_lik] (deviance = 2(nll − min nll)) | `estimate`, `lower`, `upper` (interval ends), `threshold` (default 3.841, χ²₁ 95%), `unit` |
//! | `posterior`, `pairs` (the calibration's `draws.csv`) | one numeric column per parameter, header `name` or `name [unit]` | `chain`, `draw`, `iteration`, `iter`, `sample`, `walker`, `lp`, `lp__`, `log_post`, `log_posterior`, `log_target`, `log_density`, `log_lik`, `accepted` are skipped |
//! | `event-study` (also local projections) | `event_time` [relative_time, rel_time, horizon, time], `estimate` [coef], and `lower`+`upper` [ci_lower/ci_upper, ci_low/ci_high, conf_low/conf_high] or `std_error` [se] (±1.96 se) | `series` [estimator, model], `unit` |
//! | `kaplan-meier` | `time`, `survival` [surv, km_estimate] (survival just after `time`) | `group` [strata], `lower`/`upper` [ci_lower/ci_upper], `censored` [n_censored] (count censored at `time`; > 0 draws a tick), `time_unit` |
//! | `coef` (`pressure estimate`'s `coefficients.csv`) | `term` [variable, name, parameter], `estimate` [coef], and `lower`+`upper` [ci_lower/ci_upper, ci_low/ci_high, conf_low/conf_high] or `std_error` [se] | `model` (several: one is drawn, `--select`), `unit` |

#![warn(missing_docs)]

mod axes;
mod data;
mod engine;
mod error;
mod figure;
pub mod font;
mod from_csv;
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
