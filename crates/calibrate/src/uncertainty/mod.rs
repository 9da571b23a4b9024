//! Uncertainty of calibrated parameters: Jacobian standard errors, profile-likelihood
//! intervals, parametric bootstrap, and adaptive MCMC with convergence diagnostics.

pub mod bootstrap;
pub mod covariance;
pub mod diagnostics;
pub mod mcmc;
pub mod profile;
pub mod psis;
pub mod sampler;
