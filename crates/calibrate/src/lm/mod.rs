//! Levenberg–Marquardt least squares with MINPACK's semantics (`lmder`/`lmdif`, Moré 1978),
//! followed by a safeguarded Gauss–Newton refinement.
//!
//! The LM phase is a line-by-line port of MINPACK-1: variables scaled by `D` taken from the
//! Jacobian's column norms (and only ever increased), Moré's trust-region update, the LM
//! parameter from [`lmpar`](self::lmpar) (QR with column pivoting, Newton iteration on the
//! secular equation), and MINPACK's convergence tests on the relative reduction of the sum of
//! squares (`ftol`), the relative step (`xtol`) and the cosine between residuals and Jacobian
//! columns (`gtol`), with the same termination codes.
//!
//! Why a refinement phase: MINPACK stops when the sum of squares is flat to `ftol`, and on
//! ill-conditioned large-residual problems (NIST ENSO, MGH09, Chwirut2) the sum of squares is
//! flat to rounding long before the parameters are accurate; tightening `ftol` cannot fix that
//! because the relative reduction then drowns in rounding. After a converged LM run we take
//! plain Gauss–Newton steps (least-squares solves with column-equilibrated pivoted QR) with a
//! more accurate Jacobian (analytic, or a fourth-order finite-difference stencil), accept each
//! step only while the steps contract and the sum of squares grows by no more than rounding
//! can explain (`1e-8` relative: on MGH10 the rounding noise of the sum of squares is already
//! `1e-11`), and stop when the relative step falls to rounding level. This is the step-size-based
//! stopping rule that reaches the float64 ceiling on the NIST StRD problems.

mod lmpar;
pub(crate) mod qr;

use crate::error::CalibrateError;
use crate::jacobian::{fd_jacobian, FdWork, FiniteDifference};
use crate::problem::{checked_residuals, ColMatrix, EvalError, LeastSquaresProblem};
use lmpar::{lmpar, LmparWork};
use qr::{apply_qt, enorm, qrfac, QrWork};
use serde::{Deserialize, Serialize};

/// How the variables are scaled (MINPACK's `mode` and `diag`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scaling {
    /// `D` from the Jacobian's column norms, updated to their running maximum (MINPACK mode 1).
    Auto,
    /// Fixed positive scale factors, one per parameter (MINPACK mode 2).
    Fixed(Vec<f64>),
}

/// Settings of [`levenberg_marquardt`]. The defaults are the ones the NIST StRD accuracy tests
/// run with; no problem needs anything else.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct LmOptions {
    /// Stop when both the actual and predicted relative reductions of the sum of squares are at
    /// most `ftol`.
    pub ftol: f64,
    /// Stop when the relative error between two iterates (scaled norm) is at most `xtol`.
    pub xtol: f64,
    /// Stop when the cosine between the residual vector and every Jacobian column is at most
    /// `gtol` (the gradient test).
    pub gtol: f64,
    /// Maximum number of LM iterations (Jacobian evaluations). `None` means `400 (n + 1)`.
    pub max_iterations: Option<usize>,
    /// Maximum number of residual evaluations in the LM phase, including those spent on
    /// finite-difference Jacobians. `None` means no limit besides `max_iterations`.
    pub max_evals: Option<usize>,
    /// Initial trust-region radius as a multiple of `‖D x₀‖` (MINPACK's `factor`). The default
    /// is 10 rather than MINPACK's suggested 100: with 100, the first step on NIST BoxBOD from
    /// start 1 jumps to `b2 ≈ 111`, where `exp(−b2 x)` is flat to rounding and a
    /// finite-difference Jacobian has a zero column; 10 loses nothing on the other problems.
    pub step_bound_factor: f64,
    pub scaling: Scaling,
    /// Finite-difference scheme for the LM phase when the problem has no analytic Jacobian.
    pub jacobian: FiniteDifference,
    /// Gauss–Newton refinement after a converged LM phase.
    pub refine: bool,
    /// Maximum number of refinement steps.
    pub refine_max_steps: usize,
    /// Finite-difference scheme for the refinement when the problem has no analytic Jacobian.
    pub refine_jacobian: FiniteDifference,
}

impl Default for LmOptions {
    fn default() -> Self {
        LmOptions {
            ftol: 1e-10,
            xtol: 1e-10,
            gtol: 1e-12,
            max_iterations: None,
            max_evals: None,
            step_bound_factor: 10.0,
            scaling: Scaling::Auto,
            jacobian: FiniteDifference::Forward,
            refine: true,
            refine_max_steps: 50,
            refine_jacobian: FiniteDifference::Central4,
        }
    }
}

/// Why the LM phase stopped (MINPACK's `info` codes 1–8).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Termination {
    /// 1: relative reduction of the sum of squares at most `ftol`.
    Ftol,
    /// 2: relative step at most `xtol`.
    Xtol,
    /// 3: both 1 and 2.
    FtolAndXtol,
    /// 4: residuals orthogonal to the Jacobian columns to `gtol` (includes a zero residual).
    Gtol,
    /// 5: evaluation or iteration budget exhausted.
    MaxEvaluations,
    /// 6: `ftol` too small: no further reduction of the sum of squares is possible.
    FtolTooSmall,
    /// 7: `xtol` too small: no further improvement of the solution is possible.
    XtolTooSmall,
    /// 8: `gtol` too small: residuals orthogonal to the Jacobian to machine precision.
    GtolTooSmall,
}

impl Termination {
    /// MINPACK's `info` number.
    pub fn code(self) -> u8 {
        match self {
            Termination::Ftol => 1,
            Termination::Xtol => 2,
            Termination::FtolAndXtol => 3,
            Termination::Gtol => 4,
            Termination::MaxEvaluations => 5,
            Termination::FtolTooSmall => 6,
            Termination::XtolTooSmall => 7,
            Termination::GtolTooSmall => 8,
        }
    }

    /// Whether the run ended at a (local) minimum: every reason except the evaluation budget.
    /// Codes 6–8 mean the tolerances asked for more than float64 allows, i.e. converged as far
    /// as possible.
    pub fn converged(self) -> bool {
        self != Termination::MaxEvaluations
    }

    pub fn describe(self) -> &'static str {
        match self {
            Termination::Ftol => "relative reduction of the sum of squares below ftol",
            Termination::Xtol => "relative change of the parameters below xtol",
            Termination::FtolAndXtol => "sum of squares and parameters both converged",
            Termination::Gtol => "residuals orthogonal to the Jacobian (gradient test)",
            Termination::MaxEvaluations => "evaluation budget exhausted before convergence",
            Termination::FtolTooSmall => "no further reduction of the sum of squares possible",
            Termination::XtolTooSmall => "no further improvement of the parameters possible",
            Termination::GtolTooSmall => {
                "residuals orthogonal to the Jacobian to machine precision"
            }
        }
    }
}

/// Result of [`levenberg_marquardt`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LmReport {
    /// The estimate.
    pub x: Vec<f64>,
    /// Residuals at `x`.
    pub residuals: Vec<f64>,
    /// Sum of squared residuals at `x`.
    pub rss: f64,
    /// Why the LM phase stopped.
    pub termination: Termination,
    /// LM iterations (accepted steps + 1, as MINPACK counts).
    pub iterations: usize,
    /// Residual evaluations, including finite differences and refinement.
    pub evaluations: usize,
    /// Jacobian evaluations (analytic or finite-difference).
    pub jacobian_evaluations: usize,
    /// Gauss–Newton refinement steps accepted.
    pub refinement_steps: usize,
    /// Relative size `‖D Δx‖/‖D x‖` of the last refinement step taken (0 when none).
    pub refinement_last_step: f64,
}

impl LmReport {
    pub fn converged(&self) -> bool {
        self.termination.converged()
    }
}

/// Relative growth of the sum of squares tolerated on a refinement step (rounding noise).
const REFINE_RSS_SLACK: f64 = 1e-8;

/// Relative refinement step at which the parameters are converged to rounding level.
const REFINE_CONVERGED_STEP: f64 = 1e3 * f64::EPSILON;

/// Buffers shared by the LM and refinement phases.
struct Workspace {
    fjac: ColMatrix,
    qr: QrWork,
    lmpar: LmparWork,
    fd: FdWork,
}

struct Counters {
    evals: usize,
    jacs: usize,
}

fn evaluate_jacobian<P: LeastSquaresProblem + ?Sized>(
    p: &mut P,
    x: &[f64],
    fvec: &[f64],
    scheme: FiniteDifference,
    ws: &mut Workspace,
    counters: &mut Counters,
) -> Result<(), EvalError> {
    counters.jacs += 1;
    if p.has_jacobian() {
        p.jacobian(x, &mut ws.fjac)?;
    } else {
        counters.evals += fd_jacobian(p, x, fvec, scheme, &mut ws.fjac, &mut ws.fd)?;
    }
    if let Some(k) = ws.fjac.as_slice().iter().position(|v| !v.is_finite()) {
        let m = ws.fjac.rows();
        return Err(EvalError::new(format!(
            "Jacobian entry (residual {}, parameter {}) is not finite",
            k % m,
            k / m
        )));
    }
    Ok(())
}

fn validate<P: LeastSquaresProblem + ?Sized>(
    p: &P,
    x0: &[f64],
    opts: &LmOptions,
) -> Result<(usize, usize), CalibrateError> {
    let n = p.n_params();
    let m = p.n_residuals();
    if n == 0 {
        return Err(CalibrateError::invalid("no parameters to fit"));
    }
    if m < n {
        return Err(CalibrateError::invalid(format!(
            "{m} residuals cannot determine {n} parameters"
        )));
    }
    if x0.len() != n {
        return Err(CalibrateError::invalid(format!(
            "start vector has {} entries, the problem has {n} parameters",
            x0.len()
        )));
    }
    if let Some(j) = x0.iter().position(|v| !v.is_finite()) {
        return Err(CalibrateError::invalid(format!(
            "start value of parameter {j} is not finite"
        )));
    }
    for (name, v) in [
        ("ftol", opts.ftol),
        ("xtol", opts.xtol),
        ("gtol", opts.gtol),
    ] {
        if v.is_nan() || v < 0.0 {
            return Err(CalibrateError::invalid(format!(
                "{name} must be >= 0, got {v}"
            )));
        }
    }
    if opts.step_bound_factor.is_nan() || opts.step_bound_factor <= 0.0 {
        return Err(CalibrateError::invalid("step_bound_factor must be > 0"));
    }
    if let Scaling::Fixed(d) = &opts.scaling {
        if d.len() != n || d.iter().any(|v| !v.is_finite() || *v <= 0.0) {
            return Err(CalibrateError::invalid(format!(
                "fixed scaling needs {n} positive finite factors"
            )));
        }
    }
    Ok((n, m))
}

/// Minimises `Σ rᵢ(x)²` from `x0`.
///
/// Failures at trial points (an [`EvalError`] or non-finite residuals) shrink the trust region
/// like a bad step; a failure at the start point or in a Jacobian at an accepted point is an
/// error.
///
/// ```
/// use pressure_calibrate::lm::{levenberg_marquardt, LmOptions};
/// use pressure_calibrate::problem::FnResiduals;
/// // Fit y = a·exp(b·t) to exact data generated with a = 2, b = -0.5.
/// let t: Vec<f64> = (0..10).map(f64::from).collect();
/// let y: Vec<f64> = t.iter().map(|t| 2.0 * (-0.5 * t).exp()).collect();
/// let mut p = FnResiduals::new(2, t.len(), |x: &[f64], r: &mut [f64]| {
///     for i in 0..r.len() {
///         r[i] = x[0] * (x[1] * t[i]).exp() - y[i];
///     }
///     Ok(())
/// });
/// let fit = levenberg_marquardt(&mut p, &[1.0, 0.0], &LmOptions::default()).unwrap();
/// assert!(fit.converged());
/// assert!((fit.x[0] - 2.0).abs() < 1e-10 && (fit.x[1] + 0.5).abs() < 1e-10);
/// ```
pub fn levenberg_marquardt<P: LeastSquaresProblem + ?Sized>(
    p: &mut P,
    x0: &[f64],
    opts: &LmOptions,
) -> Result<LmReport, CalibrateError> {
    let (n, m) = validate(p, x0, opts)?;
    let epsmch = f64::EPSILON;
    let max_evals = opts.max_evals.unwrap_or(usize::MAX);
    let max_jacs = opts.max_iterations.unwrap_or(400 * (n + 1));
    let mut ws = Workspace {
        fjac: ColMatrix::zeros(m, n),
        qr: QrWork::new(n),
        lmpar: LmparWork::new(n),
        fd: FdWork::new(n, m),
    };
    let mut counters = Counters { evals: 0, jacs: 0 };
    let mut x = x0.to_vec();
    let mut fvec = vec![0.0; m];
    checked_residuals(p, &x, &mut fvec)
        .map_err(|e| CalibrateError::eval("residuals at the start point", e))?;
    counters.evals += 1;

    let mut diag = match &opts.scaling {
        Scaling::Auto => vec![0.0; n],
        Scaling::Fixed(d) => d.clone(),
    };
    let auto_scale = matches!(opts.scaling, Scaling::Auto);
    let mut qtf = vec![0.0; n];
    let mut wa1 = vec![0.0; n];
    let mut wa2 = vec![0.0; n];
    let mut wa3 = vec![0.0; n];
    let mut wa4 = vec![0.0; m];

    let mut fnorm = enorm(&fvec);
    let mut par = 0.0;
    let mut iter = 1usize;
    let mut delta = 0.0;
    let mut xnorm = 0.0;

    let termination = 'outer: loop {
        evaluate_jacobian(p, &x, &fvec, opts.jacobian, &mut ws, &mut counters)
            .map_err(|e| CalibrateError::eval(format!("Jacobian at LM iteration {iter}"), e))?;
        qrfac(&mut ws.fjac, &mut ws.qr);

        // On the first iteration, scale by the column norms and set the step bound.
        if iter == 1 {
            if auto_scale {
                for j in 0..n {
                    let a = ws.qr.acnorm[j];
                    diag[j] = if a == 0.0 { 1.0 } else { a };
                }
            }
            for j in 0..n {
                wa3[j] = diag[j] * x[j];
            }
            xnorm = enorm(&wa3);
            delta = opts.step_bound_factor * xnorm;
            if delta == 0.0 {
                delta = opts.step_bound_factor;
            }
        }

        // Qᵀ f, first n components into qtf; R's diagonal back into fjac.
        wa4.copy_from_slice(&fvec);
        apply_qt(&ws.fjac, &mut wa4);
        for j in 0..n {
            ws.fjac[(j, j)] = ws.qr.rdiag[j];
            qtf[j] = wa4[j];
        }

        // Norm of the scaled gradient (max cosine between f and the Jacobian's columns).
        let mut gnorm: f64 = 0.0;
        if fnorm != 0.0 {
            for j in 0..n {
                let l = ws.qr.ipvt[j];
                if ws.qr.acnorm[l] != 0.0 {
                    let mut sum = 0.0;
                    for i in 0..=j {
                        sum += ws.fjac[(i, j)] * (qtf[i] / fnorm);
                    }
                    gnorm = gnorm.max((sum / ws.qr.acnorm[l]).abs());
                }
            }
        }
        if gnorm <= opts.gtol {
            break 'outer Termination::Gtol;
        }
        if auto_scale {
            for j in 0..n {
                diag[j] = diag[j].max(ws.qr.acnorm[j]);
            }
        }

        loop {
            lmpar(
                &mut ws.fjac,
                &ws.qr.ipvt,
                &diag,
                &qtf,
                delta,
                &mut par,
                &mut wa1,
                &mut ws.lmpar,
            );
            // The step is −wa1; the trial point wa2.
            for j in 0..n {
                wa1[j] = -wa1[j];
                wa2[j] = x[j] + wa1[j];
                wa3[j] = diag[j] * wa1[j];
            }
            let pnorm = enorm(&wa3);
            if iter == 1 {
                delta = delta.min(pnorm);
            }
            counters.evals += 1;
            let fnorm1 = match checked_residuals(p, &wa2, &mut wa4) {
                Ok(()) => enorm(&wa4),
                Err(_) => f64::INFINITY,
            };

            let actred = if 0.1 * fnorm1 < fnorm {
                1.0 - (fnorm1 / fnorm) * (fnorm1 / fnorm)
            } else {
                -1.0
            };
            // Predicted reduction and scaled directional derivative.
            for v in wa3.iter_mut() {
                *v = 0.0;
            }
            for j in 0..n {
                let temp = wa1[ws.qr.ipvt[j]];
                for i in 0..=j {
                    wa3[i] += ws.fjac[(i, j)] * temp;
                }
            }
            let temp1 = enorm(&wa3) / fnorm;
            let temp2 = par.sqrt() * pnorm / fnorm;
            let prered = temp1 * temp1 + temp2 * temp2 / 0.5;
            let dirder = -(temp1 * temp1 + temp2 * temp2);
            let ratio = if prered != 0.0 { actred / prered } else { 0.0 };

            // Update the step bound.
            if ratio <= 0.25 {
                let mut temp = if actred >= 0.0 {
                    0.5
                } else {
                    0.5 * dirder / (dirder + 0.5 * actred)
                };
                if 0.1 * fnorm1 >= fnorm || temp < 0.1 {
                    temp = 0.1;
                }
                delta = temp * delta.min(pnorm / 0.1);
                par /= temp;
            } else if par == 0.0 || ratio >= 0.75 {
                delta = pnorm / 0.5;
                par *= 0.5;
            }

            // Successful iteration: accept the point.
            if ratio >= 1e-4 {
                x.copy_from_slice(&wa2);
                for j in 0..n {
                    wa2[j] = diag[j] * x[j];
                }
                fvec.copy_from_slice(&wa4);
                xnorm = enorm(&wa2);
                fnorm = fnorm1;
                iter += 1;
            }

            // Convergence tests.
            let ftol_ok = actred.abs() <= opts.ftol && prered <= opts.ftol && 0.5 * ratio <= 1.0;
            let xtol_ok = delta <= opts.xtol * xnorm;
            match (ftol_ok, xtol_ok) {
                (true, true) => break 'outer Termination::FtolAndXtol,
                (true, false) => break 'outer Termination::Ftol,
                (false, true) => break 'outer Termination::Xtol,
                _ => {}
            }
            // Budget and stringent-tolerance tests.
            if counters.evals >= max_evals || counters.jacs >= max_jacs {
                break 'outer Termination::MaxEvaluations;
            }
            if actred.abs() <= epsmch && prered <= epsmch && 0.5 * ratio <= 1.0 {
                break 'outer Termination::FtolTooSmall;
            }
            if delta <= epsmch * xnorm {
                break 'outer Termination::XtolTooSmall;
            }
            if gnorm <= epsmch {
                break 'outer Termination::GtolTooSmall;
            }
            if ratio >= 1e-4 {
                break;
            }
        }
    };

    let mut refinement_steps = 0;
    let mut refinement_last_step = 0.0;
    if opts.refine && termination.converged() && fnorm > 0.0 {
        let outcome = refine(
            p,
            &mut x,
            &mut fvec,
            &mut fnorm,
            &diag,
            opts,
            &mut ws,
            &mut counters,
        );
        refinement_steps = outcome.0;
        refinement_last_step = outcome.1;
    }

    Ok(LmReport {
        rss: fnorm * fnorm,
        x,
        residuals: fvec,
        termination,
        iterations: iter,
        evaluations: counters.evals,
        jacobian_evaluations: counters.jacs,
        refinement_steps,
        refinement_last_step,
    })
}

/// Safeguarded Gauss–Newton refinement (see the module docs). Returns the number of accepted
/// steps and the relative size of the last step tried.
#[allow(clippy::too_many_arguments)]
fn refine<P: LeastSquaresProblem + ?Sized>(
    p: &mut P,
    x: &mut [f64],
    fvec: &mut [f64],
    fnorm: &mut f64,
    diag: &[f64],
    opts: &LmOptions,
    ws: &mut Workspace,
    counters: &mut Counters,
) -> (usize, f64) {
    let n = x.len();
    let m = fvec.len();
    let mut qtf = vec![0.0; m];
    let mut z = vec![0.0; n];
    let mut dx = vec![0.0; n];
    let mut trial = vec![0.0; n];
    let mut ftrial = vec![0.0; m];
    let mut scaled = vec![0.0; n];
    let mut colscale = vec![0.0; n];
    let mut accepted = 0;
    let mut last_step = 0.0;
    let mut prev_step = f64::INFINITY;
    for _ in 0..opts.refine_max_steps {
        if evaluate_jacobian(p, x, fvec, opts.refine_jacobian, ws, counters).is_err() {
            break;
        }
        // Equilibrate the columns so the rank decision is scale-free (MGH10's columns differ
        // by 10⁹), solve in scaled variables, and unscale.
        for j in 0..n {
            let c = enorm(ws.fjac.col(j));
            colscale[j] = if c > 0.0 { c } else { 1.0 };
            for v in ws.fjac.col_mut(j) {
                *v /= colscale[j];
            }
        }
        qrfac(&mut ws.fjac, &mut ws.qr);
        qtf.copy_from_slice(fvec);
        apply_qt(&ws.fjac, &mut qtf);
        // Numerical rank: drop trailing pivots below rounding level of the leading one.
        let r0 = ws.qr.rdiag[0].abs();
        let tol = r0 * f64::EPSILON * (m.max(n) as f64);
        let mut rank = n;
        for j in 0..n {
            if ws.qr.rdiag[j].abs() <= tol {
                rank = j;
                break;
            }
        }
        for j in 0..n {
            ws.fjac[(j, j)] = ws.qr.rdiag[j];
            z[j] = if j < rank { qtf[j] } else { 0.0 };
        }
        for j in (0..rank).rev() {
            z[j] /= ws.fjac[(j, j)];
            let t = z[j];
            for i in 0..j {
                z[i] -= ws.fjac[(i, j)] * t;
            }
        }
        for j in 0..n {
            let l = ws.qr.ipvt[j];
            dx[l] = -z[j] / colscale[l];
        }
        for j in 0..n {
            scaled[j] = diag[j] * dx[j];
        }
        let step_norm = enorm(&scaled);
        for j in 0..n {
            scaled[j] = diag[j] * x[j];
        }
        let xnorm = enorm(&scaled);
        let step = if xnorm > 0.0 {
            step_norm / xnorm
        } else {
            step_norm
        };
        last_step = step;
        if !step.is_finite() || step == 0.0 {
            break;
        }
        for j in 0..n {
            trial[j] = x[j] + dx[j];
        }
        counters.evals += 1;
        if checked_residuals(p, &trial, &mut ftrial).is_err() {
            break;
        }
        let fnorm_t = enorm(&ftrial);
        // Accept while the steps contract and the sum of squares does not grow beyond what
        // rounding in the residuals can explain (on MGH10 that is 1e-11 relative).
        if step >= prev_step || fnorm_t * fnorm_t > *fnorm * *fnorm * (1.0 + REFINE_RSS_SLACK) {
            break;
        }
        x.copy_from_slice(&trial);
        fvec.copy_from_slice(&ftrial);
        *fnorm = fnorm_t;
        accepted += 1;
        if step <= REFINE_CONVERGED_STEP {
            break;
        }
        prev_step = step;
    }
    (accepted, last_step)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::problem::FnResiduals;

    /// Rosenbrock as least squares: r = (10 (x₂ − x₁²), 1 − x₁); minimum (1, 1), zero residual.
    fn rosenbrock() -> impl LeastSquaresProblem {
        FnResiduals::new(2, 2, |x: &[f64], r: &mut [f64]| {
            r[0] = 10.0 * (x[1] - x[0] * x[0]);
            r[1] = 1.0 - x[0];
            Ok(())
        })
    }

    #[test]
    fn solves_rosenbrock_from_the_classic_start() {
        let mut p = rosenbrock();
        let fit = levenberg_marquardt(&mut p, &[-1.2, 1.0], &LmOptions::default()).unwrap();
        assert!(fit.converged(), "{:?}", fit.termination);
        assert!(
            (fit.x[0] - 1.0).abs() < 1e-12 && (fit.x[1] - 1.0).abs() < 1e-12,
            "{:?}",
            fit.x
        );
        assert!(fit.rss < 1e-24);
    }

    #[test]
    fn failing_trial_points_shrink_the_step_instead_of_aborting() {
        // log(x) is undefined for x <= 0; the first LM step from x = 0.1 towards the minimum at
        // x = e^{-3} ≈ 0.05 is fine, but a large step factor makes the first trial point
        // negative.
        let mut p = FnResiduals::new(1, 1, |x: &[f64], r: &mut [f64]| {
            if x[0] <= 0.0 {
                return Err(EvalError::new("log of a non-positive number"));
            }
            r[0] = x[0].ln() + 3.0;
            Ok(())
        });
        let fit = levenberg_marquardt(&mut p, &[5.0], &LmOptions::default()).unwrap();
        assert!(fit.converged());
        assert!((fit.x[0] - (-3.0f64).exp()).abs() < 1e-14, "{:?}", fit.x);
    }

    #[test]
    fn a_failing_start_point_is_an_error() {
        let mut p = FnResiduals::new(1, 1, |_x: &[f64], _r: &mut [f64]| {
            Err(EvalError::new("ODE step size underflow"))
        });
        let err = levenberg_marquardt(&mut p, &[1.0], &LmOptions::default()).unwrap_err();
        assert!(err.to_string().contains("start point"), "{err}");
        assert!(err.to_string().contains("underflow"), "{err}");
    }

    #[test]
    fn bad_dimensions_and_tolerances_are_rejected() {
        let mut p = rosenbrock();
        assert!(levenberg_marquardt(&mut p, &[1.0], &LmOptions::default()).is_err());
        let opts = LmOptions {
            ftol: -1.0,
            ..LmOptions::default()
        };
        assert!(levenberg_marquardt(&mut p, &[1.0, 1.0], &opts).is_err());
        assert!(levenberg_marquardt(&mut p, &[f64::NAN, 1.0], &LmOptions::default()).is_err());
    }

    #[test]
    fn evaluation_budget_is_reported_as_not_converged() {
        let mut p = rosenbrock();
        let opts = LmOptions {
            max_evals: Some(5),
            ..LmOptions::default()
        };
        let fit = levenberg_marquardt(&mut p, &[-1.2, 1.0], &opts).unwrap();
        assert_eq!(fit.termination, Termination::MaxEvaluations);
        assert!(!fit.converged());
        assert_eq!(fit.refinement_steps, 0);
    }

    #[test]
    fn rank_deficient_problem_still_converges() {
        // r depends on x₀ + x₁ only: the Jacobian has rank 1 everywhere.
        let mut p = FnResiduals::new(2, 3, |x: &[f64], r: &mut [f64]| {
            let s = x[0] + x[1];
            r[0] = s - 1.0;
            r[1] = 2.0 * s - 2.0;
            r[2] = s * s - 1.0;
            Ok(())
        });
        let fit = levenberg_marquardt(&mut p, &[3.0, -1.0], &LmOptions::default()).unwrap();
        assert!(fit.converged());
        assert!((fit.x[0] + fit.x[1] - 1.0).abs() < 1e-10, "{:?}", fit.x);
    }
}
