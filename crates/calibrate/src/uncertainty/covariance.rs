//! Asymptotic covariance from the Jacobian at the optimum: `Cov = s² (JᵀJ)⁻¹`, computed from the
//! SVD `J = U S Vᵀ` as `s² V S⁻² Vᵀ` (never forming `JᵀJ`, which squares the condition number).
//!
//! Rank deficiency is handled explicitly: singular values below `1e-8 · s_max` are treated as
//! zero (the finite-difference Jacobian is accurate to about 1e-10 relative, so anything
//! smaller is indistinguishable from an exactly flat direction). A parameter that loads on a
//! dropped direction (|V_jk| > 0.1) is reported as *not identified* and gets an infinite
//! standard error; the others get the pseudo-inverse covariance.

use crate::error::CalibrateError;
use crate::estimate::{scales_at, Estimate, ScaledResiduals};
use crate::jacobian::{fd_jacobian, FdWork, FiniteDifference};
use crate::objective::{Calibration, ErrorModel, Predictor};
use crate::problem::{ColMatrix, LeastSquaresProblem};
use serde::{Deserialize, Serialize};

/// Relative singular-value threshold below which a direction counts as unidentified.
pub const RANK_TOL: f64 = 1e-8;
/// Loading on a dropped direction above which a parameter counts as unidentified.
const NULL_LOADING: f64 = 0.1;

/// Covariance of the parameters of a least-squares fit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JacobianCovariance {
    /// `n × n` covariance, row-major.
    pub cov: Vec<f64>,
    /// Standard errors (`∞` for unidentified parameters).
    pub se: Vec<f64>,
    /// Numerical rank of the Jacobian.
    pub rank: usize,
    /// Singular values of the Jacobian, largest first.
    pub singular_values: Vec<f64>,
    /// Indices of parameters that load on a dropped (flat) direction.
    pub unidentified: Vec<usize>,
}

impl JacobianCovariance {
    /// From a Jacobian `jac` (`m × n`) and the residual variance `s2`.
    ///
    /// ```
    /// use pressure_calibrate::problem::ColMatrix;
    /// use pressure_calibrate::uncertainty::covariance::JacobianCovariance;
    /// // Straight line through x = 0, 1, 2: Var(b) = s² (XᵀX)⁻¹.
    /// let mut j = ColMatrix::zeros(3, 2);
    /// for i in 0..3 { j[(i, 0)] = 1.0; j[(i, 1)] = i as f64; }
    /// let c = JacobianCovariance::from_jacobian(&j, 1.0).unwrap();
    /// assert!((c.se[1] - 0.5f64.sqrt()).abs() < 1e-14);
    /// ```
    pub fn from_jacobian(jac: &ColMatrix, s2: f64) -> Result<Self, CalibrateError> {
        let n = jac.cols();
        // Equilibrate columns first: the SVD's absolute accuracy is relative to the largest
        // column, so scaling makes small-but-identified parameters exact (MGH10's columns
        // differ by 10⁹).
        let mut scaled = jac.clone();
        let mut colnorm = vec![1.0; n];
        for j in 0..n {
            let c: f64 = scaled.col(j).iter().map(|v| v * v).sum::<f64>().sqrt();
            if c > 0.0 {
                colnorm[j] = c;
                for v in scaled.col_mut(j) {
                    *v /= c;
                }
            }
        }
        let svd = scaled
            .to_faer()
            .thin_svd()
            .map_err(|e| CalibrateError::Numerical(format!("SVD of the Jacobian: {e:?}")))?;
        let s: Vec<f64> = (0..n).map(|k| svd.S()[k]).collect();
        let v = svd.V();
        let smax = s.first().copied().unwrap_or(0.0);
        let rank = s.iter().filter(|&&x| x > RANK_TOL * smax).count();
        let mut unidentified = Vec::new();
        for j in 0..n {
            if (rank..n).any(|k| v[(j, k)].abs() > NULL_LOADING) {
                unidentified.push(j);
            }
        }
        let mut cov = vec![0.0; n * n];
        for a in 0..n {
            for b in 0..n {
                let sum: f64 = (0..rank)
                    .map(|k| v[(a, k)] * v[(b, k)] / (s[k] * s[k]))
                    .sum();
                cov[a * n + b] = s2 * sum / (colnorm[a] * colnorm[b]);
            }
        }
        let se = (0..n)
            .map(|j| {
                if unidentified.contains(&j) {
                    f64::INFINITY
                } else {
                    cov[j * n + j].max(0.0).sqrt()
                }
            })
            .collect();
        // Report the singular values of the unscaled problem's scaled Jacobian.
        Ok(JacobianCovariance {
            cov,
            se,
            rank,
            singular_values: s,
            unidentified,
        })
    }

    /// Correlation matrix (row-major); NaN for unidentified parameters.
    pub fn correlation(&self) -> Vec<f64> {
        let n = self.se.len();
        let mut c = vec![0.0; n * n];
        for a in 0..n {
            for b in 0..n {
                let d = (self.cov[a * n + a] * self.cov[b * n + b]).sqrt();
                c[a * n + b] = if self.se[a].is_finite() && self.se[b].is_finite() && d > 0.0 {
                    self.cov[a * n + b] / d
                } else {
                    f64::NAN
                };
            }
        }
        c
    }
}

/// Standard errors of a calibration estimate, on the internal and external scales.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ParameterCovariance {
    /// Covariance in internal coordinates.
    pub internal: JacobianCovariance,
    /// Covariance of the external values (delta method), row-major.
    pub cov: Vec<f64>,
    /// Standard errors of the external values (delta method; `∞` when not identified).
    pub se: Vec<f64>,
    /// Wald intervals computed on the internal scale and mapped back (`level` coverage); they
    /// respect the bounds and are asymmetric where a transform is.
    pub interval: Vec<(f64, f64)>,
    pub level: f64,
}

/// Jacobian-based covariance of a calibration estimate. The Jacobian is that of the
/// standardised residuals (fixed scales at the estimate) with respect to the internal
/// coordinates, by the fourth-order finite-difference stencil; when any σ is estimated the
/// covariance is multiplied by `m/(m − p)` (so a single normal series gives the classical
/// `RSS/(m − p) · (JᵀJ)⁻¹`, as NIST certifies). For Student-t errors the IRLS weights enter the
/// Jacobian, which approximates the observed information.
pub fn calibration_covariance<P: Predictor>(
    cal: &mut Calibration<P>,
    est: &Estimate,
    level: f64,
) -> Result<ParameterCovariance, CalibrateError> {
    let n = cal.n_params();
    let m = cal.n_obs();
    let scales =
        scales_at(cal, &est.z).map_err(|e| CalibrateError::eval("model at the estimate", e))?;
    let any_estimated = cal.series().iter().any(|s| match s.error {
        ErrorModel::Normal { sigma } | ErrorModel::LogNormal { sigma } => sigma.is_none(),
        ErrorModel::StudentT { sigma, .. } => sigma.is_none(),
        ErrorModel::Weighted { .. } => true,
    });
    let mut prob = ScaledResiduals::new(cal, scales);
    let mut r0 = vec![0.0; m];
    prob.residuals(&est.z, &mut r0)
        .map_err(|e| CalibrateError::eval("residuals at the estimate", e))?;
    let mut jac = ColMatrix::zeros(m, n);
    let mut work = FdWork::new(n, m);
    fd_jacobian(
        &mut prob,
        &est.z,
        &r0,
        FiniteDifference::Central4,
        &mut jac,
        &mut work,
    )
    .map_err(|e| CalibrateError::eval("Jacobian at the estimate", e))?;
    let dof = if any_estimated && m > n {
        m as f64 / (m - n) as f64
    } else {
        1.0
    };
    let internal = JacobianCovariance::from_jacobian(&jac, dof)?;
    let transforms = cal.params().transforms();
    let deriv: Vec<f64> = transforms
        .iter()
        .zip(&est.z)
        .map(|(t, z)| t.derivative(*z))
        .collect();
    let mut cov = vec![0.0; n * n];
    for a in 0..n {
        for b in 0..n {
            cov[a * n + b] = deriv[a] * deriv[b] * internal.cov[a * n + b];
        }
    }
    let zq = normal_quantile(0.5 + level / 2.0);
    let mut se = Vec::with_capacity(n);
    let mut interval = Vec::with_capacity(n);
    for j in 0..n {
        let sez = internal.se[j];
        if sez.is_finite() {
            se.push(cov[j * n + j].max(0.0).sqrt());
            let a = transforms[j].to_external(est.z[j] - zq * sez);
            let b = transforms[j].to_external(est.z[j] + zq * sez);
            interval.push((a.min(b), a.max(b)));
        } else {
            se.push(f64::INFINITY);
            let s = &cal.params().specs()[j];
            interval.push((s.lower, s.upper));
        }
    }
    Ok(ParameterCovariance {
        internal,
        cov,
        se,
        interval,
        level,
    })
}

/// Standard normal quantile.
pub(crate) fn normal_quantile(p: f64) -> f64 {
    use statrs::distribution::{ContinuousCDF, Normal};
    Normal::standard().inverse_cdf(p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_duplicated_column_is_flagged_as_unidentified() {
        // r depends on b0 + b1 only (and on b2 separately).
        let mut j = ColMatrix::zeros(5, 3);
        for i in 0..5 {
            j[(i, 0)] = 1.0;
            j[(i, 1)] = 1.0;
            j[(i, 2)] = i as f64;
        }
        let c = JacobianCovariance::from_jacobian(&j, 1.0).unwrap();
        assert_eq!(c.rank, 2);
        assert_eq!(c.unidentified, vec![0, 1]);
        assert!(c.se[0].is_infinite() && c.se[1].is_infinite());
        assert!(c.se[2].is_finite());
        // b2's variance is the one of a regression on (1, i): 1 / Σ (i − 2)² = 0.1.
        assert!((c.se[2] * c.se[2] - 0.1).abs() < 1e-12, "{}", c.se[2]);
    }
}
