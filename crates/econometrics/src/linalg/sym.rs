//! Small symmetric-matrix helpers: inverse of a positive-definite matrix, sandwich products,
//! and the eigenvalue fix that makes a multiway cluster variance positive semi-definite.

use crate::error::{EconError, Result};
use faer::linalg::solvers::DenseSolveCore;
use faer::{Mat, MatRef, Side};

/// Inverse of a symmetric positive-definite matrix by Cholesky; `what` names the matrix in the
/// error when it is not positive definite.
pub fn spd_inverse(a: MatRef<'_, f64>, what: &str) -> Result<Mat<f64>> {
    // Equilibrate (symmetric diagonal scaling) so the Cholesky test is scale-free.
    let k = a.nrows();
    let d: Vec<f64> = (0..k).map(|i| a[(i, i)].abs().sqrt()).collect();
    if d.iter().any(|&v| v == 0.0 || !v.is_finite()) {
        return Err(EconError::Invalid(format!(
            "{what} is singular (a zero or non-finite diagonal element)"
        )));
    }
    let scaled = Mat::from_fn(k, k, |i, j| a[(i, j)] / (d[i] * d[j]));
    let llt = scaled
        .llt(Side::Lower)
        .map_err(|_| EconError::Invalid(format!("{what} is not positive definite")))?;
    let inv = llt.inverse();
    Ok(Mat::from_fn(k, k, |i, j| inv[(i, j)] / (d[i] * d[j])))
}

/// `B M B` for symmetric `B` and `M` (the sandwich of a robust variance).
pub fn sandwich(bread: MatRef<'_, f64>, meat: MatRef<'_, f64>) -> Mat<f64> {
    let bm = bread * meat;
    let mut out = &bm * bread;
    let k = out.nrows();
    for i in 0..k {
        for j in i + 1..k {
            let a = 0.5 * (out[(i, j)] + out[(j, i)]);
            out[(i, j)] = a;
            out[(j, i)] = a;
        }
    }
    out
}

/// Sets negative eigenvalues of a symmetric matrix to zero (Cameron, Gelbach & Miller 2011,
/// section 2.3, for multiway cluster variances). Returns the matrix and whether anything
/// changed.
pub fn clip_negative_eigenvalues(a: MatRef<'_, f64>) -> (Mat<f64>, bool) {
    let k = a.nrows();
    let Ok(eig) = a.self_adjoint_eigen(Side::Lower) else {
        return (a.to_owned(), false);
    };
    let s = eig.S();
    let u = eig.U();
    let vals: Vec<f64> = (0..k).map(|i| s[i]).collect();
    if vals.iter().all(|&v| v >= 0.0) {
        return (a.to_owned(), false);
    }
    let out = Mat::from_fn(k, k, |i, j| {
        (0..k)
            .map(|l| u[(i, l)] * vals[l].max(0.0) * u[(j, l)])
            .sum::<f64>()
    });
    (out, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spd_inverse_of_2x2() {
        let a = Mat::from_fn(2, 2, |i, j| [[4.0, 2.0], [2.0, 3.0]][i][j]);
        let inv = spd_inverse(a.as_ref(), "test").unwrap();
        // det 8
        let expect = [[3.0 / 8.0, -2.0 / 8.0], [-2.0 / 8.0, 4.0 / 8.0]];
        for i in 0..2 {
            for j in 0..2 {
                assert!((inv[(i, j)] - expect[i][j]).abs() < 1e-15);
            }
        }
    }

    #[test]
    fn clipping_removes_negative_eigenvalue() {
        // eigenvalues 3 and -1
        let a = Mat::from_fn(2, 2, |i, j| [[1.0, 2.0], [2.0, 1.0]][i][j]);
        let (c, changed) = clip_negative_eigenvalues(a.as_ref());
        assert!(changed);
        // 3 * v v' with v = (1,1)/√2
        for i in 0..2 {
            for j in 0..2 {
                assert!((c[(i, j)] - 1.5).abs() < 1e-12);
            }
        }
    }
}
