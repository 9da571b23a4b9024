//! Limited-memory BFGS (Nocedal 1980; Liu & Nocedal 1989) with a central-difference gradient.
//!
//! The line search is Armijo backtracking with safeguarded quadratic interpolation: with a
//! finite-difference gradient every directional derivative costs `2n` evaluations, so the
//! search uses function values only, and the curvature condition is enforced afterwards by
//! skipping any update with `sᵀy ≤ 10⁻¹⁰‖s‖‖y‖` (which keeps the inverse-Hessian model
//! positive definite).

use super::{value_or_inf, Objective, ScalarReport};
use crate::error::CalibrateError;
use crate::problem::EvalError;
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;

/// Settings of [`lbfgs`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct LbfgsOptions {
    /// Number of correction pairs kept.
    pub memory: usize,
    /// Stop when `‖g‖∞ ≤ gtol · max(1, |f|)`.
    pub gtol: f64,
    /// Stop when the relative decrease of `f` is below `ftol` on two consecutive iterations.
    pub ftol: f64,
    pub max_iterations: usize,
    /// Evaluation budget including gradient evaluations (`None`: no limit).
    pub max_evals: Option<usize>,
}

impl Default for LbfgsOptions {
    fn default() -> Self {
        LbfgsOptions {
            memory: 7,
            gtol: 1e-8,
            ftol: 1e-14,
            max_iterations: 1000,
            max_evals: None,
        }
    }
}

const ARMIJO_C1: f64 = 1e-4;
const MAX_BACKTRACKS: usize = 40;

/// Central-difference gradient of `f` at `x` (one-sided where a side fails). Returns the number
/// of evaluations.
pub fn fd_gradient<O: Objective + ?Sized>(
    f: &mut O,
    x: &[f64],
    fx: f64,
    g: &mut [f64],
) -> Result<usize, EvalError> {
    let n = x.len();
    let mut xt = x.to_vec();
    let mut evals = 0;
    for j in 0..n {
        let h = {
            let h = f64::EPSILON.cbrt() * x[j].abs().max(1.0);
            (x[j] + h) - x[j]
        };
        xt[j] = x[j] + h;
        let fp = value_or_inf(f, &xt);
        xt[j] = x[j] - h;
        let fm = value_or_inf(f, &xt);
        xt[j] = x[j];
        evals += 2;
        g[j] = match (fp.is_finite(), fm.is_finite()) {
            (true, true) => (fp - fm) / (2.0 * h),
            (true, false) => (fp - fx) / h,
            (false, true) => (fx - fm) / h,
            (false, false) => {
                return Err(EvalError::new(format!(
                    "gradient: parameter {j} cannot be perturbed either way at {}",
                    x[j]
                )))
            }
        };
    }
    Ok(evals)
}

/// Minimises `f` from `x0`.
///
/// ```
/// use pressure_calibrate::optim::{lbfgs::{lbfgs, LbfgsOptions}, FnObjective};
/// let mut f = FnObjective::new(2, |x: &[f64]| {
///     Ok(100.0 * (x[1] - x[0] * x[0]).powi(2) + (1.0 - x[0]).powi(2))
/// });
/// let r = lbfgs(&mut f, &[-1.2, 1.0], &LbfgsOptions::default()).unwrap();
/// assert!(r.converged && (r.x[0] - 1.0).abs() < 1e-6);
/// ```
pub fn lbfgs<O: Objective + ?Sized>(
    f: &mut O,
    x0: &[f64],
    opts: &LbfgsOptions,
) -> Result<ScalarReport, CalibrateError> {
    let n = f.n_params();
    if n == 0 || x0.len() != n || x0.iter().any(|v| !v.is_finite()) {
        return Err(CalibrateError::invalid(format!(
            "L-BFGS: start must have {n} finite entries"
        )));
    }
    let max_evals = opts.max_evals.unwrap_or(usize::MAX);
    let mut evals = 1usize;
    let mut x = x0.to_vec();
    let mut fx = f
        .value(&x)
        .map_err(|e| CalibrateError::eval("L-BFGS start point", e))?;
    if !fx.is_finite() {
        return Err(CalibrateError::eval(
            "L-BFGS start point",
            EvalError::new(format!("objective is {fx}")),
        ));
    }
    let mut g = vec![0.0; n];
    evals += fd_gradient(f, &x, fx, &mut g)
        .map_err(|e| CalibrateError::eval("L-BFGS gradient at the start", e))?;

    let mut pairs: VecDeque<(Vec<f64>, Vec<f64>, f64)> = VecDeque::new();
    let mut d = vec![0.0; n];
    let mut alpha = vec![0.0; opts.memory.max(1)];
    let mut xt = vec![0.0; n];
    let mut gt = vec![0.0; n];
    let mut small_decreases = 0;
    let mut iterations = 0;
    let (converged, message) = loop {
        let gmax = g.iter().fold(0.0f64, |a, v| a.max(v.abs()));
        if gmax <= opts.gtol * fx.abs().max(1.0) {
            break (true, "gradient below tolerance".to_string());
        }
        if iterations >= opts.max_iterations {
            break (
                false,
                format!("iteration limit ({}) reached", opts.max_iterations),
            );
        }
        if evals >= max_evals {
            break (false, format!("evaluation budget ({max_evals}) used up"));
        }
        iterations += 1;

        // Two-loop recursion: d = −H g.
        d.copy_from_slice(&g);
        for (k, (s, y, rho)) in pairs.iter().enumerate().rev() {
            let a = rho * dot(s, &d);
            alpha[k] = a;
            for i in 0..n {
                d[i] -= a * y[i];
            }
        }
        if let Some((s, y, _)) = pairs.back() {
            let gamma = dot(s, y) / dot(y, y);
            for v in d.iter_mut() {
                *v *= gamma;
            }
        }
        for (k, (s, y, rho)) in pairs.iter().enumerate() {
            let b = rho * dot(y, &d);
            for i in 0..n {
                d[i] += s[i] * (alpha[k] - b);
            }
        }
        for v in d.iter_mut() {
            *v = -*v;
        }
        let mut slope = dot(&g, &d);
        if slope >= 0.0 {
            // Not a descent direction (bad curvature information): restart with −g.
            pairs.clear();
            for i in 0..n {
                d[i] = -g[i];
            }
            slope = -dot(&g, &g);
        }

        // Backtracking line search.
        let mut step = if pairs.is_empty() {
            (1.0 / norm(&d)).min(1.0)
        } else {
            1.0
        };
        let mut accepted = None;
        for _ in 0..MAX_BACKTRACKS {
            for i in 0..n {
                xt[i] = x[i] + step * d[i];
            }
            let ft = value_or_inf(f, &xt);
            evals += 1;
            if ft <= fx + ARMIJO_C1 * step * slope {
                accepted = Some(ft);
                break;
            }
            let next = if ft.is_finite() {
                -slope * step * step / (2.0 * (ft - fx - slope * step))
            } else {
                0.1 * step
            };
            step = next.clamp(0.1 * step, 0.5 * step);
        }
        let Some(ft) = accepted else {
            break (
                false,
                "line search found no decrease (at a minimum to the accuracy of the finite-difference gradient)"
                    .to_string(),
            );
        };
        match fd_gradient(f, &xt, ft, &mut gt) {
            Ok(e) => evals += e,
            Err(e) => break (false, format!("gradient failed: {e}")),
        }
        let s: Vec<f64> = (0..n).map(|i| xt[i] - x[i]).collect();
        let y: Vec<f64> = (0..n).map(|i| gt[i] - g[i]).collect();
        let sy = dot(&s, &y);
        if sy > 1e-10 * norm(&s) * norm(&y) {
            if pairs.len() == opts.memory.max(1) {
                pairs.pop_front();
            }
            pairs.push_back((s, y, 1.0 / sy));
        }
        let decrease = (fx - ft) / fx.abs().max(ft.abs()).max(1e-300);
        x.copy_from_slice(&xt);
        g.copy_from_slice(&gt);
        fx = ft;
        if decrease <= opts.ftol {
            small_decreases += 1;
            if small_decreases >= 2 {
                break (true, "relative decrease of f below tolerance".to_string());
            }
        } else {
            small_decreases = 0;
        }
    };
    Ok(ScalarReport {
        x,
        value: fx,
        iterations,
        evaluations: evals,
        converged,
        message,
    })
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

fn norm(a: &[f64]) -> f64 {
    dot(a, a).sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::optim::FnObjective;

    #[test]
    fn minimises_an_ill_conditioned_quadratic_in_twenty_dimensions() {
        let n = 20;
        let mut f = FnObjective::new(n, |x: &[f64]| {
            Ok(x.iter()
                .enumerate()
                .map(|(i, v)| 10f64.powf(i as f64 / 5.0) * (v - 0.5).powi(2))
                .sum())
        });
        let r = lbfgs(&mut f, &vec![0.0; n], &LbfgsOptions::default()).unwrap();
        assert!(r.converged, "{}", r.message);
        for v in &r.x {
            assert!((v - 0.5).abs() < 1e-6, "{:?}", r.x);
        }
    }

    #[test]
    fn gradient_matches_analytic() {
        let mut f = FnObjective::new(2, |x: &[f64]| Ok(x[0].exp() * x[1].sin()));
        let x = [0.3, 1.1];
        let mut g = [0.0; 2];
        let fx = f.value(&x).unwrap();
        fd_gradient(&mut f, &x, fx, &mut g).unwrap();
        assert!((g[0] - 0.3f64.exp() * 1.1f64.sin()).abs() < 1e-9);
        assert!((g[1] - 0.3f64.exp() * 1.1f64.cos()).abs() < 1e-9);
    }
}
