//! Uncertainty of calibrated parameters: Jacobian standard errors, profile-likelihood
//! intervals, parametric bootstrap, and adaptive MCMC with convergence diagnostics.

pub mod covariance;
