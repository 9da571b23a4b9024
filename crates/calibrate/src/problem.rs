//! What an optimiser sees of a calibration: a vector of residuals (least squares) or a scalar
//! objective, as functions of a parameter vector, plus the error type an evaluation may return.

use std::fmt;
use std::sync::Arc;

/// Why a residual or objective evaluation failed (e.g. the ODE solver underflowed, or the model
/// produced a non-finite value). Optimisers treat a failed trial point as a very bad point and
/// back off; a failure at the start point ends the run with an error.
///
/// An error caused by another one keeps it as its [`source`](std::error::Error::source)
/// (typed, not as text): a simulation that failed keeps the simulator's `SimError`, which names
/// the variable and the time, and a caller finds it with [`EvalError::find`] (or
/// [`CalibrateError::find`](crate::error::CalibrateError::find) once the evaluation ended a
/// routine). Its text is the context followed by the cause's text.
///
/// ```
/// use pressure_calibrate::problem::EvalError;
///
/// #[derive(Debug)]
/// struct Blowup {
///     time: f64,
/// }
/// impl std::fmt::Display for Blowup {
///     fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
///         write!(f, "blow-up at t = {}", self.time)
///     }
/// }
/// impl std::error::Error for Blowup {}
///
/// let e = EvalError::caused_by("episode `a`", Blowup { time: 3.5 });
/// assert_eq!(e.to_string(), "episode `a`: blow-up at t = 3.5");
/// assert_eq!(e.find::<Blowup>().unwrap().time, 3.5);
/// assert!(EvalError::new("outside the bounds").find::<Blowup>().is_none());
/// ```
#[derive(Debug, Clone)]
pub struct EvalError {
    /// What failed (alone, or the context of `cause`).
    message: String,
    /// The error that caused it; shared so that the error stays `Clone`.
    cause: Option<Arc<dyn std::error::Error + Send + Sync + 'static>>,
}

impl EvalError {
    /// A failure described by its message alone.
    pub fn new(msg: impl Into<String>) -> Self {
        EvalError {
            message: msg.into(),
            cause: None,
        }
    }

    /// A failure caused by `cause`, in `context` (e.g. which episode was simulated).
    pub fn caused_by(
        context: impl Into<String>,
        cause: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        EvalError {
            message: context.into(),
            cause: Some(Arc::new(cause)),
        }
    }

    /// A failure whose cause says it all (its text is the cause's text).
    pub fn from_cause(cause: impl std::error::Error + Send + Sync + 'static) -> Self {
        EvalError::caused_by(String::new(), cause)
    }

    /// The first error of type `E` in the chain of causes (this error's cause, its source, and
    /// so on).
    pub fn find<E: std::error::Error + 'static>(&self) -> Option<&E> {
        find_in_chain(self.cause.as_deref()?)
    }
}

/// The first error of type `E` in `err` and its chain of sources.
pub(crate) fn find_in_chain<'a, E: std::error::Error + 'static>(
    err: &'a (dyn std::error::Error + 'static),
) -> Option<&'a E> {
    let mut next = Some(err);
    while let Some(e) = next {
        if let Some(found) = e.downcast_ref::<E>() {
            return Some(found);
        }
        next = e.source();
    }
    None
}

impl fmt::Display for EvalError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.cause {
            Some(cause) if self.message.is_empty() => write!(f, "{cause}"),
            Some(cause) => write!(f, "{}: {cause}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for EvalError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.cause
            .as_deref()
            .map(|c| c as &(dyn std::error::Error + 'static))
    }
}

impl From<String> for EvalError {
    fn from(s: String) -> Self {
        EvalError::new(s)
    }
}

impl From<&str> for EvalError {
    fn from(s: &str) -> Self {
        EvalError::new(s)
    }
}

/// A dense column-major matrix: element `(i, j)` is `data[i + j * rows]`. It is the Jacobian
/// layout the least-squares code works in (MINPACK's), so a user Jacobian is written straight
/// into the solver's workspace.
#[derive(Debug, Clone, PartialEq)]
pub struct ColMatrix {
    rows: usize,
    cols: usize,
    data: Vec<f64>,
}

impl ColMatrix {
    pub fn zeros(rows: usize, cols: usize) -> Self {
        ColMatrix {
            rows,
            cols,
            data: vec![0.0; rows * cols],
        }
    }

    pub fn rows(&self) -> usize {
        self.rows
    }

    pub fn cols(&self) -> usize {
        self.cols
    }

    /// Column `j` as a contiguous slice.
    pub fn col(&self, j: usize) -> &[f64] {
        &self.data[j * self.rows..(j + 1) * self.rows]
    }

    pub fn col_mut(&mut self, j: usize) -> &mut [f64] {
        &mut self.data[j * self.rows..(j + 1) * self.rows]
    }

    /// The whole storage, column after column.
    pub fn as_slice(&self) -> &[f64] {
        &self.data
    }

    pub fn as_mut_slice(&mut self) -> &mut [f64] {
        &mut self.data
    }

    /// A copy as a faer matrix (for decompositions: SVD, eigen).
    pub fn to_faer(&self) -> faer::Mat<f64> {
        faer::Mat::from_fn(self.rows, self.cols, |i, j| self[(i, j)])
    }
}

impl std::ops::Index<(usize, usize)> for ColMatrix {
    type Output = f64;
    #[inline]
    fn index(&self, (i, j): (usize, usize)) -> &f64 {
        debug_assert!(i < self.rows && j < self.cols);
        &self.data[i + j * self.rows]
    }
}

impl std::ops::IndexMut<(usize, usize)> for ColMatrix {
    #[inline]
    fn index_mut(&mut self, (i, j): (usize, usize)) -> &mut f64 {
        debug_assert!(i < self.rows && j < self.cols);
        &mut self.data[i + j * self.rows]
    }
}

/// A nonlinear least-squares problem: `m` residuals `r(x)` of `n` parameters; the optimiser
/// minimises `Σ rᵢ(x)²`.
///
/// Evaluation takes `&mut self` so a model can keep its simulation buffers between calls;
/// parallel drivers (multi-start, bootstrap) clone the problem once per task.
pub trait LeastSquaresProblem {
    /// Number of parameters `n`.
    fn n_params(&self) -> usize;
    /// Number of residuals `m` (at least `n` for a well-posed fit).
    fn n_residuals(&self) -> usize;
    /// Writes `r(x)` into `r` (length `m`).
    fn residuals(&mut self, x: &[f64], r: &mut [f64]) -> Result<(), EvalError>;
    /// Whether [`LeastSquaresProblem::jacobian`] is implemented; when `false` the solvers use
    /// finite differences.
    fn has_jacobian(&self) -> bool {
        false
    }
    /// Writes the analytic Jacobian `∂rᵢ/∂xⱼ` into `jac` (`m × n`).
    fn jacobian(&mut self, _x: &[f64], _jac: &mut ColMatrix) -> Result<(), EvalError> {
        Err(EvalError::new("this problem has no analytic Jacobian"))
    }
}

/// A least-squares problem from a closure `f(x, r)`, without an analytic Jacobian.
///
/// ```
/// use pressure_calibrate::problem::{FnResiduals, LeastSquaresProblem};
/// let mut p = FnResiduals::new(2, 3, |x: &[f64], r: &mut [f64]| {
///     for (i, ri) in r.iter_mut().enumerate() {
///         *ri = x[0] + x[1] * i as f64 - (1.0 + 2.0 * i as f64);
///     }
///     Ok(())
/// });
/// let mut r = [0.0; 3];
/// p.residuals(&[1.0, 2.0], &mut r).unwrap();
/// assert_eq!(r, [0.0, 0.0, 0.0]);
/// ```
#[derive(Clone)]
pub struct FnResiduals<F> {
    n: usize,
    m: usize,
    f: F,
}

impl<F> FnResiduals<F>
where
    F: FnMut(&[f64], &mut [f64]) -> Result<(), EvalError>,
{
    pub fn new(n_params: usize, n_residuals: usize, f: F) -> Self {
        FnResiduals {
            n: n_params,
            m: n_residuals,
            f,
        }
    }
}

impl<F> LeastSquaresProblem for FnResiduals<F>
where
    F: FnMut(&[f64], &mut [f64]) -> Result<(), EvalError>,
{
    fn n_params(&self) -> usize {
        self.n
    }
    fn n_residuals(&self) -> usize {
        self.m
    }
    fn residuals(&mut self, x: &[f64], r: &mut [f64]) -> Result<(), EvalError> {
        (self.f)(x, r)
    }
}

/// Evaluates the residuals and checks they are finite, naming the first bad one.
pub(crate) fn checked_residuals<P: LeastSquaresProblem + ?Sized>(
    p: &mut P,
    x: &[f64],
    r: &mut [f64],
) -> Result<(), EvalError> {
    p.residuals(x, r)?;
    if let Some(i) = r.iter().position(|v| !v.is_finite()) {
        return Err(EvalError::new(format!(
            "residual {i} is not finite ({})",
            r[i]
        )));
    }
    Ok(())
}
