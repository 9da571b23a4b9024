//! Observed series for Pressure: loading and validating the curated episode and panel tables,
//! alignment of model output to data time, provenance.
//!
//! * [`table`]: CSV → typed columns ([`Table`]), with explicit missing values, column
//!   selection, row filters and grouping keys. Every error names the file, the row (1-based,
//!   the header is row 1) and the column (name and 1-based number): see [`DataError`].
//! * [`panel`]: the country-year panel in `data/panel/` (macro series, sanction indicators by
//!   type and sender, leader exits, coups, regime type) and its data dictionary.
//! * [`episode`]: the five calibration episodes in `data/episodes/` (tidy series with units and
//!   frequencies) and [`timeline`]: their sanction timelines by channel (the scenario input).
//! * [`priors`]: prior tables (`priors.json`) written by `pressure estimate`: estimates with
//!   their covariance, which calibration names as priors.
//! * [`align`]: dates to model time, and model output aggregated to the data's periods (annual
//!   or monthly means, end of period, ...) for comparison with observations.
//!
//! ```
//! use pressure_data::table::{ColumnType, ReadOptions, Table};
//! let csv = "country,year,inflation\nIRN,2012,27.3\nIRN,2013,abc\n";
//! let opts = ReadOptions::new().column_type("inflation", ColumnType::Float);
//! let err = Table::read_str(csv, "panel.csv", &opts).unwrap_err();
//! assert_eq!(
//!     err.to_string(),
//!     "panel.csv, row 3 (header is row 1), column 3 `inflation`: `abc` is not a number"
//! );
//! ```

#![warn(missing_docs)]

pub mod align;
pub mod episode;
pub mod error;
pub mod panel;
pub mod priors;
pub mod table;
pub mod timeline;

pub use error::{ColumnRef, DataError, Location, Result};
pub use table::{Column, ColumnType, Groups, ReadOptions, Table, TextColumn};
