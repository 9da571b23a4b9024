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
//! | [`nist`] | the NIST StRD nonlinear regression problems and LRE scoring |

pub mod error;
pub mod jacobian;
pub mod lm;
pub mod nist;
pub mod problem;

pub use error::CalibrateError;
