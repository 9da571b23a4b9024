//! Econometric estimators on plain numeric columns: OLS with classical, HC0–HC3,
//! cluster-robust (one- and multiway, named small-sample corrections), Newey–West and
//! Driscoll–Kraay standard errors; the within estimator with any number of high-dimensional
//! fixed effects; event studies (TWFE and Sun–Abraham); local projections; VARs; logit and
//! probit; Kaplan–Meier, Cox and Weibull survival models; synthetic control; the
//! inverse-probability-weighted effect on the treated ([`selection`]).
//!
//! Linear algebra is faer; least squares is Householder QR with double-double iterative
//! refinement (see [`linalg::lstsq`]), accurate to ≥ 9 digits on the NIST StRD linear
//! problems. Every estimator returns a result holding a [`CoefTable`] (estimates, SEs, t or z,
//! p-values, confidence intervals), fit statistics and the numbers of observations and
//! clusters.

#![warn(missing_docs)]
// Index loops are the clearest way to write the dense numerical kernels here.
#![allow(clippy::needless_range_loop)]

pub mod binary;
pub mod design;
pub mod error;
pub mod event_study;
pub mod factor;
pub mod fe;
pub mod inference;
pub mod linalg;
pub mod lp;
pub mod ols;
/// Prior tables (`priors.json`): defined in `pressure-data` so that calibration can read them
/// without depending on this crate; re-exported here for estimation code.
pub use pressure_data::priors;
pub mod selection;
pub mod spec;
pub mod survival;
pub mod synth;
pub mod var;
pub mod vcov;
pub mod within;

pub use binary::{binary, BinaryLink, BinaryOptions, BinaryResult};
pub use design::{Design, INTERCEPT};
pub use error::{EconError, Result};
pub use event_study::{
    cohorts_from_indicator, event_study, relative_time_term, Endpoints, EventMethod,
    EventStudyOptions, EventStudyResult,
};
pub use factor::Factor;
pub use inference::{CoefRow, CoefTable, Reference, WaldTest};
pub use linalg::lstsq::Precision;
pub use ols::{ols, Collinear, OlsOptions, OlsResult};
pub use vcov::{ClusterCorrection, HcKind, MultiwayDf, VcovSpec};
pub use within::{within, WithinOptions, WithinResult};
