//! Calibration of models against observed series: objectives, optimisers (Levenberg–Marquardt,
//! Nelder–Mead, L-BFGS, differential evolution), multi-start, uncertainty and fit statistics.
//!
//! The optimisation core is model-agnostic: it sees a [`problem::LeastSquaresProblem`] (a vector
//! of residuals) or a scalar objective closure.
//!
//! | module | job |
//! |---|---|
//! | [`problem`] | the residual/objective interface, [`problem::ColMatrix`] |
//! | [`lm`] | Levenberg–Marquardt (MINPACK semantics) + Gauss–Newton refinement |
//! | [`jacobian`] | finite-difference Jacobians |
//! | [`optim`] | Nelder–Mead, L-BFGS (finite-difference gradient), differential evolution |
//! | [`params`] | parameters, bounds and the transform to an unbounded internal space |
//! | [`checkpoint`] | resumable state files |
//! | [`nist`] | the NIST StRD nonlinear regression problems and LRE scoring |
//! | [`experiment`] | experiment files (model, episodes and their sanction timelines, mappings, parameters), runs, reports, recovery studies |
//! | [`uncertainty`] | Jacobian covariance, profile likelihood, parametric bootstrap, posterior samplers over any log density (DREAM(ZS), affine-invariant ensemble, adaptive Metropolis) with R̂/ESS diagnostics |
//! | [`fitstats`] | RMSE, MAPE, R², Theil inequality and its decomposition |

// Numerical kernels index several arrays in lockstep (and the LM port mirrors MINPACK's
// Fortran loops line by line); iterator rewrites would obscure them.
#![allow(clippy::needless_range_loop)]

pub mod checkpoint;
pub mod error;
pub mod estimate;
pub mod experiment;
pub mod fitstats;
pub mod jacobian;
pub mod lm;
pub mod multistart;
pub mod nist;
pub mod objective;
pub mod optim;
pub mod params;
pub mod problem;
pub mod uncertainty;

pub use error::CalibrateError;
