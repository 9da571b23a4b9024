//! Small shared statistics helpers with no simulation knowledge.
//!
//! | module | job |
//! |---|---|
//! | [`quantile`] | sample quantiles (R type 7, the R/NumPy default) |
//! | [`summary`] | running mean/variance/min/max that merge exactly in a fixed order |
//! | [`rank`] | average ranks with ties (Spearman, PRCC) |
//! | [`rng`] | the per-task random-stream convention [`rng_for`] |
//!
//! Everything here works on plain `f64` slices so that every crate (simulation, calibration,
//! sensitivity, econometrics, data) can share it.

#![warn(missing_docs)]

pub mod quantile;
pub mod rank;
pub mod rng;
pub mod summary;

pub use quantile::{quantile_sorted, quantiles};
pub use rank::average_ranks;
pub use rng::{rng_for, Rng64};
pub use summary::Summary;
