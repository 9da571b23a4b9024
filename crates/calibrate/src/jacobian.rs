//! Finite-difference Jacobians for problems without an analytic one.
//!
//! Step sizes follow the usual error balance for each scheme (truncation against rounding in
//! the residuals, assumed accurate to machine precision): `h = ε^{1/2}|x|` for forward,
//! `ε^{1/3}|x|` for central and `ε^{1/5}|x|` for the fourth-order central stencil, with `|x|`
//! replaced by 1 when `x = 0` (MINPACK's convention). Each step is rounded so that `x + h` is
//! exactly representable, which removes one source of error. When a trial point fails to
//! evaluate (e.g. it leaves the model's valid region), the scheme falls back to a one-sided
//! difference on the other side instead of failing.

use crate::problem::{checked_residuals, ColMatrix, EvalError, LeastSquaresProblem};
use serde::{Deserialize, Serialize};

/// Finite-difference scheme.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FiniteDifference {
    /// `(r(x+h) − r(x))/h`: one evaluation per parameter, error `O(√ε)`.
    Forward,
    /// `(r(x+h) − r(x−h))/2h`: two evaluations per parameter, error `O(ε^{2/3})`.
    Central,
    /// Fourth-order central stencil (Richardson extrapolation of central differences at `2h`
    /// and `h`): four evaluations per parameter, error `O(ε^{4/5})`; the step shrinks tenfold
    /// (up to four times) while the two central differences disagree by more than `1e-6`
    /// relative, so a parameter whose scale is far below its magnitude is still handled.
    Central4,
}

impl FiniteDifference {
    fn relative_step(self) -> f64 {
        let eps = f64::EPSILON;
        match self {
            FiniteDifference::Forward => eps.sqrt(),
            FiniteDifference::Central => eps.cbrt(),
            FiniteDifference::Central4 => eps.powf(0.2),
        }
    }

    /// Residual evaluations per parameter.
    pub fn evals_per_param(self) -> usize {
        match self {
            FiniteDifference::Forward => 1,
            FiniteDifference::Central => 2,
            FiniteDifference::Central4 => 4, // per level tried
        }
    }
}

/// Relative disagreement between the central differences at `2h` and `h` below which the
/// fourth-order estimate is accepted (its own error is then about the square of this).
const RICHARDSON_TOL: f64 = 1e-6;
/// Step reductions (by 10 each) tried by the fourth-order scheme.
const RICHARDSON_LEVELS: usize = 5;

/// Scratch space for [`fd_jacobian`], reused across calls so the solver loop does not allocate.
#[derive(Debug, Clone)]
pub struct FdWork {
    x: Vec<f64>,
    a: Vec<f64>,
    b: Vec<f64>,
    c: Vec<f64>,
    d: Vec<f64>,
}

impl FdWork {
    pub fn new(n: usize, m: usize) -> Self {
        FdWork {
            x: vec![0.0; n],
            a: vec![0.0; m],
            b: vec![0.0; m],
            c: vec![0.0; m],
            d: vec![0.0; m],
        }
    }
}

/// A representable step of relative size `rel` at `x`.
fn step(x: f64, rel: f64) -> f64 {
    let h = rel * if x == 0.0 { 1.0 } else { x.abs() };
    let xh = x + h;
    xh - x
}

/// Fills `jac` (`m × n`) with a finite-difference Jacobian of `p` at `x`, where `r0 = r(x)`.
/// Returns the number of residual evaluations used.
pub fn fd_jacobian<P: LeastSquaresProblem + ?Sized>(
    p: &mut P,
    x: &[f64],
    r0: &[f64],
    scheme: FiniteDifference,
    jac: &mut ColMatrix,
    work: &mut FdWork,
) -> Result<usize, EvalError> {
    let n = x.len();
    let mut evals = 0;
    work.x.copy_from_slice(x);
    for j in 0..n {
        let xj = x[j];
        let mut eval_at = |work: &mut FdWork, dx: f64, which: u8| -> Result<(), EvalError> {
            work.x[j] = xj + dx;
            evals += 1;
            let out = match which {
                0 => &mut work.a,
                1 => &mut work.b,
                2 => &mut work.c,
                _ => &mut work.d,
            };
            let res = checked_residuals(p, &work.x, out);
            work.x[j] = xj;
            res
        };
        let col = jac.col_mut(j);
        let done = if scheme == FiniteDifference::Central4 {
            // Richardson extrapolation of central differences at 2h and h, shrinking h while
            // the two disagree by more than `RICHARDSON_TOL` (the relative step assumed the
            // parameter's scale is its magnitude, which fails for e.g. a peak location).
            let mut rel_step = scheme.relative_step();
            let mut h = step(xj, rel_step);
            let mut best_err = f64::INFINITY;
            for _ in 0..RICHARDSON_LEVELS {
                let ok = eval_at(work, h, 0).is_ok()
                    && eval_at(work, -h, 1).is_ok()
                    && eval_at(work, 2.0 * h, 2).is_ok()
                    && eval_at(work, -2.0 * h, 3).is_ok();
                if !ok {
                    break;
                }
                let mut diff: f64 = 0.0;
                let mut size: f64 = 0.0;
                for i in 0..work.a.len() {
                    let d1 = (work.a[i] - work.b[i]) / (2.0 * h);
                    let d2 = (work.c[i] - work.d[i]) / (4.0 * h);
                    diff = diff.max((d1 - d2).abs());
                    size = size.max(d1.abs());
                }
                let disagreement = if size > 0.0 { diff / size } else { 0.0 };
                if disagreement < best_err {
                    best_err = disagreement;
                    for (i, c) in col.iter_mut().enumerate() {
                        *c = (8.0 * (work.a[i] - work.b[i]) - (work.c[i] - work.d[i])) / (12.0 * h);
                    }
                }
                if disagreement <= RICHARDSON_TOL {
                    break;
                }
                rel_step /= 10.0;
                h = step(xj, rel_step);
            }
            best_err.is_finite()
        } else {
            false
        };
        if done {
            continue;
        }
        if scheme != FiniteDifference::Forward {
            let h = step(xj, FiniteDifference::Central.relative_step());
            if eval_at(work, h, 0).is_ok() && eval_at(work, -h, 1).is_ok() {
                for (i, c) in col.iter_mut().enumerate() {
                    *c = (work.a[i] - work.b[i]) / (2.0 * h);
                }
                continue;
            }
        }
        // One-sided: forward, or backward when the forward point fails. A column that comes
        // out exactly zero means the step was lost in rounding (e.g. exp(−40 x) terms): retry
        // with steps 10³ and 10⁶ times larger before accepting a zero derivative.
        let mut rel_step = FiniteDifference::Forward.relative_step();
        for attempt in 0..3 {
            let h = step(xj, rel_step);
            let h = match eval_at(work, h, 0) {
                Ok(()) => h,
                Err(first) => {
                    let hb = -step(xj, rel_step);
                    eval_at(work, hb, 0).map_err(|_| {
                        EvalError::new(format!(
                            "finite-difference Jacobian: parameter {j} cannot be perturbed either way at {xj} ({first})"
                        ))
                    })?;
                    hb
                }
            };
            let mut all_zero = true;
            for (i, c) in col.iter_mut().enumerate() {
                *c = (work.a[i] - r0[i]) / h;
                all_zero &= *c == 0.0;
            }
            if !all_zero || attempt == 2 {
                break;
            }
            rel_step *= 1e3;
        }
    }
    Ok(evals)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::problem::FnResiduals;

    fn exp_problem() -> impl LeastSquaresProblem {
        FnResiduals::new(2, 3, |x: &[f64], r: &mut [f64]| {
            for (i, ri) in r.iter_mut().enumerate() {
                let t = i as f64;
                *ri = x[0] * (x[1] * t).exp();
            }
            Ok(())
        })
    }

    #[test]
    fn schemes_approach_the_analytic_jacobian_in_order_of_accuracy() {
        let x = [1.5, -0.7];
        let mut p = exp_problem();
        let mut r0 = [0.0; 3];
        p.residuals(&x, &mut r0).unwrap();
        let exact = |i: usize, j: usize| {
            let t = i as f64;
            if j == 0 {
                (x[1] * t).exp()
            } else {
                x[0] * t * (x[1] * t).exp()
            }
        };
        let mut errs = Vec::new();
        for scheme in [
            FiniteDifference::Forward,
            FiniteDifference::Central,
            FiniteDifference::Central4,
        ] {
            let mut jac = ColMatrix::zeros(3, 2);
            let mut work = FdWork::new(2, 3);
            let evals = fd_jacobian(&mut p, &x, &r0, scheme, &mut jac, &mut work).unwrap();
            assert_eq!(evals, 2 * scheme.evals_per_param());
            let mut err: f64 = 0.0;
            for i in 0..3 {
                for j in 0..2 {
                    err = err.max((jac[(i, j)] - exact(i, j)).abs());
                }
            }
            errs.push(err);
        }
        assert!(errs[0] < 1e-7, "forward {errs:?}");
        assert!(errs[1] < 1e-10, "central {errs:?}");
        assert!(errs[2] < 1e-12, "central4 {errs:?}");
        assert!(errs[2] < errs[0]);
    }

    #[test]
    fn a_failing_forward_point_falls_back_to_a_backward_difference() {
        // Residual defined only for x <= 1: the forward step from x = 1 fails.
        let mut p = FnResiduals::new(1, 1, |x: &[f64], r: &mut [f64]| {
            if x[0] > 1.0 {
                return Err(EvalError::new("outside domain"));
            }
            r[0] = x[0] * x[0];
            Ok(())
        });
        let x = [1.0];
        let r0 = [1.0];
        for scheme in [
            FiniteDifference::Forward,
            FiniteDifference::Central,
            FiniteDifference::Central4,
        ] {
            let mut jac = ColMatrix::zeros(1, 1);
            let mut work = FdWork::new(1, 1);
            fd_jacobian(&mut p, &x, &r0, scheme, &mut jac, &mut work).unwrap();
            assert!(
                (jac[(0, 0)] - 2.0).abs() < 1e-7,
                "{scheme:?}: {}",
                jac[(0, 0)]
            );
        }
    }
}
