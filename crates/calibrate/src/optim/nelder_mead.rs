//! Nelder–Mead simplex search with the dimension-adaptive coefficients of Gao & Han (2012)
//! (reflection 1, expansion 1 + 2/n, contraction 0.75 − 1/(2n), shrink 1 − 1/n), which keep the
//! method making progress beyond a handful of parameters, and the acceptance rules of Lagarias
//! et al. (1998). The start simplex follows MATLAB's `fminsearch`: 5% steps along each
//! coordinate (0.00025 for a zero coordinate).

use super::{value_or_inf, Objective, ScalarReport};
use crate::error::CalibrateError;
use serde::{Deserialize, Serialize};

/// Settings of [`nelder_mead`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct NelderMeadOptions {
    /// Stop when every vertex is within `xtol·(1 + |x_best|)` of the best in every coordinate…
    pub xtol: f64,
    /// …and every vertex value within `ftol·(1 + |f_best|)` of the best.
    pub ftol: f64,
    /// Evaluation budget (`None`: 400 n + 200).
    pub max_evals: Option<usize>,
    /// Initial simplex step per coordinate (`None`: 5% of |x|, 0.00025 for x = 0).
    pub initial_step: Option<Vec<f64>>,
}

impl Default for NelderMeadOptions {
    fn default() -> Self {
        NelderMeadOptions {
            xtol: 1e-10,
            ftol: 1e-12,
            max_evals: None,
            initial_step: None,
        }
    }
}

/// Minimises `f` from `x0`.
///
/// ```
/// use pressure_calibrate::optim::{nelder_mead::{nelder_mead, NelderMeadOptions}, FnObjective};
/// let mut f = FnObjective::new(2, |x: &[f64]| {
///     Ok(100.0 * (x[1] - x[0] * x[0]).powi(2) + (1.0 - x[0]).powi(2))
/// });
/// let r = nelder_mead(&mut f, &[-1.2, 1.0], &NelderMeadOptions::default()).unwrap();
/// assert!(r.converged && (r.x[0] - 1.0).abs() < 1e-6 && (r.x[1] - 1.0).abs() < 1e-6);
/// ```
pub fn nelder_mead<O: Objective + ?Sized>(
    f: &mut O,
    x0: &[f64],
    opts: &NelderMeadOptions,
) -> Result<ScalarReport, CalibrateError> {
    let n = f.n_params();
    if n == 0 || x0.len() != n {
        return Err(CalibrateError::invalid(format!(
            "Nelder–Mead: start has {} entries for {n} parameters",
            x0.len()
        )));
    }
    if x0.iter().any(|v| !v.is_finite()) {
        return Err(CalibrateError::invalid("Nelder–Mead: start is not finite"));
    }
    let max_evals = opts.max_evals.unwrap_or(400 * n + 200);
    let nf = n as f64;
    let (rho, chi, gamma, sigma) = (1.0, 1.0 + 2.0 / nf, 0.75 - 0.5 / nf, 1.0 - 1.0 / nf);
    let mut evals = 0usize;
    let eval = |f: &mut O, x: &[f64], evals: &mut usize| {
        *evals += 1;
        value_or_inf(f, x)
    };

    let f0 = eval(f, x0, &mut evals);
    if !f0.is_finite() {
        let why = match f.value(x0) {
            Err(e) => e.to_string(),
            Ok(v) => format!("objective is {v}"),
        };
        return Err(CalibrateError::eval(
            "Nelder–Mead start point",
            crate::problem::EvalError::new(why),
        ));
    }
    let mut simplex: Vec<Vec<f64>> = vec![x0.to_vec()];
    let mut fvals = vec![f0];
    for j in 0..n {
        let mut v = x0.to_vec();
        let step = match &opts.initial_step {
            Some(s) => s[j],
            None if x0[j] != 0.0 => 0.05 * x0[j],
            None => 0.00025,
        };
        v[j] += step;
        fvals.push(eval(f, &v, &mut evals));
        simplex.push(v);
    }

    let mut order: Vec<usize> = (0..=n).collect();
    let mut centroid = vec![0.0; n];
    let mut xr = vec![0.0; n];
    let mut xe = vec![0.0; n];
    let mut xc = vec![0.0; n];
    let mut iterations = 0;
    let (converged, message) = loop {
        order.sort_by(|&a, &b| fvals[a].total_cmp(&fvals[b]));
        let best = order[0];
        let worst = order[n];
        let second_worst = order[n - 1];
        let fb = fvals[best];
        // Convergence: simplex small in x and flat in f.
        let x_spread = order[1..].iter().all(|&i| {
            simplex[i]
                .iter()
                .zip(&simplex[best])
                .all(|(a, b)| (a - b).abs() <= opts.xtol * (1.0 + b.abs()))
        });
        let f_spread = order[1..]
            .iter()
            .all(|&i| (fvals[i] - fb).abs() <= opts.ftol * (1.0 + fb.abs()));
        if x_spread && f_spread {
            break (true, "simplex converged in x and f".to_string());
        }
        if evals >= max_evals {
            break (false, format!("evaluation budget ({max_evals}) used up"));
        }
        iterations += 1;

        for c in centroid.iter_mut() {
            *c = 0.0;
        }
        for &i in &order[..n] {
            for (c, v) in centroid.iter_mut().zip(&simplex[i]) {
                *c += v / nf;
            }
        }
        let xw = simplex[worst].clone();
        for j in 0..n {
            xr[j] = centroid[j] + rho * (centroid[j] - xw[j]);
        }
        let fr = eval(f, &xr, &mut evals);
        if fr < fb {
            for j in 0..n {
                xe[j] = centroid[j] + chi * (xr[j] - centroid[j]);
            }
            let fe = eval(f, &xe, &mut evals);
            if fe < fr {
                simplex[worst].copy_from_slice(&xe);
                fvals[worst] = fe;
            } else {
                simplex[worst].copy_from_slice(&xr);
                fvals[worst] = fr;
            }
            continue;
        }
        if fr < fvals[second_worst] {
            simplex[worst].copy_from_slice(&xr);
            fvals[worst] = fr;
            continue;
        }
        // Contraction: outside if the reflection improved on the worst, inside otherwise.
        let outside = fr < fvals[worst];
        for j in 0..n {
            xc[j] = if outside {
                centroid[j] + gamma * (xr[j] - centroid[j])
            } else {
                centroid[j] + gamma * (xw[j] - centroid[j])
            };
        }
        let fc = eval(f, &xc, &mut evals);
        let accept = if outside { fc <= fr } else { fc < fvals[worst] };
        if accept {
            simplex[worst].copy_from_slice(&xc);
            fvals[worst] = fc;
            continue;
        }
        // Shrink towards the best vertex.
        let xb = simplex[best].clone();
        for &i in &order[1..] {
            for (v, b) in simplex[i].iter_mut().zip(&xb) {
                *v = b + sigma * (*v - b);
            }
            fvals[i] = eval(f, &simplex[i], &mut evals);
        }
    };
    let best = (0..=n)
        .min_by(|&a, &b| fvals[a].total_cmp(&fvals[b]))
        .unwrap_or(0);
    Ok(ScalarReport {
        x: simplex[best].clone(),
        value: fvals[best],
        iterations,
        evaluations: evals,
        converged,
        message,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::optim::FnObjective;
    use crate::problem::EvalError;

    #[test]
    fn minimises_a_ten_dimensional_quadratic() {
        let n = 10;
        let mut f = FnObjective::new(n, |x: &[f64]| {
            Ok(x.iter()
                .enumerate()
                .map(|(i, v)| (i + 1) as f64 * (v - 1.0).powi(2))
                .sum())
        });
        let opts = NelderMeadOptions {
            max_evals: Some(40_000),
            ..Default::default()
        };
        let r = nelder_mead(&mut f, &vec![0.0; n], &opts).unwrap();
        assert!(r.converged, "{}", r.message);
        for v in &r.x {
            assert!((v - 1.0).abs() < 1e-5, "{:?}", r.x);
        }
    }

    #[test]
    fn failed_points_are_avoided() {
        // Undefined for x < 0.5: the minimum at x = 0.5 + tiny must be approached from above.
        let mut f = FnObjective::new(1, |x: &[f64]| {
            if x[0] < 0.5 {
                Err(EvalError::new("outside the model's domain"))
            } else {
                Ok((x[0] - 0.4).powi(2))
            }
        });
        let r = nelder_mead(&mut f, &[3.0], &NelderMeadOptions::default()).unwrap();
        assert!(r.value.is_finite());
        assert!((r.x[0] - 0.5).abs() < 1e-6, "{:?}", r.x);
    }

    #[test]
    fn a_failing_start_is_an_error() {
        let mut f = FnObjective::new(1, |_x: &[f64]| Err(EvalError::new("boom")));
        let e = nelder_mead(&mut f, &[1.0], &NelderMeadOptions::default()).unwrap_err();
        assert!(e.to_string().contains("boom"));
    }
}
