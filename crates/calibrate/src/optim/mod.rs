//! Optimisers of a scalar objective (to be minimised): Nelder–Mead, L-BFGS with a
//! finite-difference gradient, and differential evolution (global, population-based, parallel).
//!
//! They are written here rather than taken from argmin because each is short, they share this
//! crate's evaluation-failure convention (a failed point is worth `+∞`), and differential
//! evolution needs generation-level seeding to be independent of the thread count and to resume
//! from a checkpoint exactly.

pub mod de;
pub mod lbfgs;
pub mod nelder_mead;

use crate::problem::{EvalError, LeastSquaresProblem};
use serde::{Deserialize, Serialize};

/// A scalar objective `f(x)` to minimise.
pub trait Objective {
    fn n_params(&self) -> usize;
    fn value(&mut self, x: &[f64]) -> Result<f64, EvalError>;
}

/// An objective from a closure.
///
/// ```
/// use pressure_calibrate::optim::{FnObjective, Objective};
/// let mut f = FnObjective::new(2, |x: &[f64]| Ok(x[0] * x[0] + x[1] * x[1]));
/// assert_eq!(f.value(&[3.0, 4.0]).unwrap(), 25.0);
/// ```
#[derive(Clone)]
pub struct FnObjective<F> {
    n: usize,
    f: F,
}

impl<F> FnObjective<F>
where
    F: FnMut(&[f64]) -> Result<f64, EvalError>,
{
    pub fn new(n: usize, f: F) -> Self {
        FnObjective { n, f }
    }
}

impl<F> Objective for FnObjective<F>
where
    F: FnMut(&[f64]) -> Result<f64, EvalError>,
{
    fn n_params(&self) -> usize {
        self.n
    }
    fn value(&mut self, x: &[f64]) -> Result<f64, EvalError> {
        (self.f)(x)
    }
}

/// The sum of squared residuals of a least-squares problem, as a scalar objective.
#[derive(Clone)]
pub struct SumOfSquares<P> {
    pub problem: P,
    buf: Vec<f64>,
}

impl<P: LeastSquaresProblem> SumOfSquares<P> {
    pub fn new(problem: P) -> Self {
        let m = problem.n_residuals();
        SumOfSquares {
            problem,
            buf: vec![0.0; m],
        }
    }
}

impl<P: LeastSquaresProblem> Objective for SumOfSquares<P> {
    fn n_params(&self) -> usize {
        self.problem.n_params()
    }
    fn value(&mut self, x: &[f64]) -> Result<f64, EvalError> {
        self.problem.residuals(x, &mut self.buf)?;
        Ok(self.buf.iter().map(|r| r * r).sum())
    }
}

/// Evaluates `f`, mapping failures and NaN to `+∞` (a point no optimiser will keep).
pub(crate) fn value_or_inf<O: Objective + ?Sized>(f: &mut O, x: &[f64]) -> f64 {
    match f.value(x) {
        Ok(v) if !v.is_nan() => v,
        _ => f64::INFINITY,
    }
}

/// Result of a scalar optimiser.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScalarReport {
    pub x: Vec<f64>,
    pub value: f64,
    pub iterations: usize,
    pub evaluations: usize,
    /// Whether the method's own convergence test was met (not just the budget used up).
    pub converged: bool,
    /// Why it stopped, in words.
    pub message: String,
}
