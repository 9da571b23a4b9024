//! MINPACK's QR pieces (Moré, Garbow, Hillstrom 1980): Householder QR with column pivoting and
//! norm downdating (`qrfac`), and the least-squares solve of `[R; D] x ≈ [Qᵀb; 0]` with Givens
//! rotations (`qrsolv`). They are kept in MINPACK's storage conventions because `lmpar` relies
//! on them: `R` in the upper triangle of the Jacobian's first `n` rows, the Householder
//! vectors below it, and the permutation as `ipvt`.

use crate::problem::ColMatrix;

/// Euclidean norm without destructive underflow or overflow.
pub(crate) fn enorm(v: &[f64]) -> f64 {
    let mut scale = 0.0f64;
    let mut ssq = 1.0f64;
    // A fast path first: a plain sum of squares is exact enough and far quicker; fall back to
    // the scaled (LAPACK dnrm2-style) accumulation when it under- or overflows.
    let plain: f64 = v.iter().map(|x| x * x).sum();
    if plain.is_finite() && plain > 1e-280 {
        return plain.sqrt();
    }
    for &x in v {
        if x != 0.0 {
            let a = x.abs();
            if scale < a {
                ssq = 1.0 + ssq * (scale / a) * (scale / a);
                scale = a;
            } else {
                ssq += (a / scale) * (a / scale);
            }
        }
    }
    scale * ssq.sqrt()
}

/// Output of [`qrfac`] besides the factored matrix.
pub(crate) struct QrWork {
    /// Column permutation: column `j` of `A·P` is column `ipvt[j]` of `A`.
    pub ipvt: Vec<usize>,
    /// Diagonal of `R`.
    pub rdiag: Vec<f64>,
    /// Norms of the columns of the input matrix (before factorisation, unpermuted).
    pub acnorm: Vec<f64>,
    wa: Vec<f64>,
}

impl QrWork {
    pub fn new(n: usize) -> Self {
        QrWork {
            ipvt: (0..n).collect(),
            rdiag: vec![0.0; n],
            acnorm: vec![0.0; n],
            wa: vec![0.0; n],
        }
    }
}

/// Householder QR with column pivoting of the `m × n` matrix `a` (in place), as MINPACK's
/// `qrfac` with `pivot = true`. On return the upper triangle of `a` holds `R` except its
/// diagonal (in `rdiag`), and column `j` below the diagonal holds the Householder vector `u_j`
/// with `Q_j = I − u_j u_jᵀ / u_j[j]`.
pub(crate) fn qrfac(a: &mut ColMatrix, w: &mut QrWork) {
    let m = a.rows();
    let n = a.cols();
    let epsmch = f64::EPSILON;
    for j in 0..n {
        let nrm = enorm(a.col(j));
        w.acnorm[j] = nrm;
        w.rdiag[j] = nrm;
        w.wa[j] = nrm;
        w.ipvt[j] = j;
    }
    let data = a.as_mut_slice();
    let minmn = m.min(n);
    for j in 0..minmn {
        // Bring the column of largest remaining norm into the pivot position.
        let mut kmax = j;
        for k in j..n {
            if w.rdiag[k] > w.rdiag[kmax] {
                kmax = k;
            }
        }
        if kmax != j {
            for i in 0..m {
                data.swap(i + j * m, i + kmax * m);
            }
            w.rdiag[kmax] = w.rdiag[j];
            w.wa[kmax] = w.wa[j];
            w.ipvt.swap(j, kmax);
        }
        // Householder transformation that reduces column j below the diagonal to zero.
        let mut ajnorm = enorm(&data[j + j * m..(j + 1) * m]);
        if ajnorm != 0.0 {
            if data[j + j * m] < 0.0 {
                ajnorm = -ajnorm;
            }
            for v in &mut data[j + j * m..(j + 1) * m] {
                *v /= ajnorm;
            }
            data[j + j * m] += 1.0;
            // Apply it to the remaining columns and downdate their norms.
            let (left, right) = data.split_at_mut((j + 1) * m);
            let uj = &left[j + j * m..(j + 1) * m];
            let ujj = uj[0];
            for k in (j + 1)..n {
                let col = &mut right[(k - j - 1) * m..(k - j) * m];
                let colk = &mut col[j..m];
                let sum: f64 = uj.iter().zip(colk.iter()).map(|(u, c)| u * c).sum();
                let temp = sum / ujj;
                for (c, u) in colk.iter_mut().zip(uj.iter()) {
                    *c -= temp * u;
                }
                if w.rdiag[k] != 0.0 {
                    let t = col[j] / w.rdiag[k];
                    w.rdiag[k] *= (1.0 - t * t).max(0.0).sqrt();
                    let ratio = w.rdiag[k] / w.wa[k];
                    if 0.05 * ratio * ratio <= epsmch {
                        // Cancellation: recompute the norm from scratch.
                        let nrm = enorm(&col[j + 1..m]);
                        w.rdiag[k] = nrm;
                        w.wa[k] = nrm;
                    }
                }
            }
        }
        w.rdiag[j] = -ajnorm;
    }
}

/// Applies `Qᵀ` (stored by [`qrfac`] in `a`) to `b` in place.
pub(crate) fn apply_qt(a: &ColMatrix, b: &mut [f64]) {
    let m = a.rows();
    let n = a.cols().min(m);
    for j in 0..n {
        let u = &a.col(j)[j..m];
        if u[0] != 0.0 {
            let sum: f64 = u.iter().zip(&b[j..m]).map(|(x, y)| x * y).sum();
            let temp = -sum / u[0];
            for (bi, ui) in b[j..m].iter_mut().zip(u) {
                *bi += temp * ui;
            }
        }
    }
}

/// MINPACK's `qrsolv`: given the QR factorisation `A P = Q R` (with `R` in the upper triangle
/// of `r`'s first `n` rows) and a diagonal `D`, solves `min ‖[A; D] x − [b; 0]‖` where `qtb`
/// holds the first `n` entries of `Qᵀ b`. On return the strict lower triangle of `r` holds the
/// strict upper triangle of `S` (transposed) with `Pᵀ(AᵀA + DD)P = SᵀS`, and `sdiag` its diagonal.
pub(crate) fn qrsolv(
    r: &mut ColMatrix,
    ipvt: &[usize],
    diag: &[f64],
    qtb: &[f64],
    x: &mut [f64],
    sdiag: &mut [f64],
    wa: &mut [f64],
) {
    let n = ipvt.len();
    // Copy R (upper triangle) to the lower triangle, save its diagonal in x.
    for j in 0..n {
        for i in j..n {
            r[(i, j)] = r[(j, i)];
        }
        x[j] = r[(j, j)];
        wa[j] = qtb[j];
    }
    // Eliminate the diagonal matrix D with Givens rotations.
    for j in 0..n {
        let l = ipvt[j];
        if diag[l] != 0.0 {
            for s in sdiag[j..n].iter_mut() {
                *s = 0.0;
            }
            sdiag[j] = diag[l];
            let mut qtbpj = 0.0;
            for k in j..n {
                if sdiag[k] == 0.0 {
                    continue;
                }
                let rkk = r[(k, k)];
                let (sin, cos) = if rkk.abs() < sdiag[k].abs() {
                    let cotan = rkk / sdiag[k];
                    let sin = 0.5 / (0.25 + 0.25 * cotan * cotan).sqrt();
                    (sin, sin * cotan)
                } else {
                    let tan = sdiag[k] / rkk;
                    let cos = 0.5 / (0.25 + 0.25 * tan * tan).sqrt();
                    (cos * tan, cos)
                };
                r[(k, k)] = cos * rkk + sin * sdiag[k];
                let temp = cos * wa[k] + sin * qtbpj;
                qtbpj = -sin * wa[k] + cos * qtbpj;
                wa[k] = temp;
                for i in (k + 1)..n {
                    let rik = r[(i, k)];
                    let temp = cos * rik + sin * sdiag[i];
                    sdiag[i] = -sin * rik + cos * sdiag[i];
                    r[(i, k)] = temp;
                }
            }
        }
        sdiag[j] = r[(j, j)];
        r[(j, j)] = x[j];
    }
    // Solve the triangular system; if singular, take a least-squares solution.
    let mut nsing = n;
    for j in 0..n {
        if sdiag[j] == 0.0 && nsing == n {
            nsing = j;
        }
        if nsing < n {
            wa[j] = 0.0;
        }
    }
    for j in (0..nsing).rev() {
        let mut sum = 0.0;
        for i in (j + 1)..nsing {
            sum += r[(i, j)] * wa[i];
        }
        wa[j] = (wa[j] - sum) / sdiag[j];
    }
    for j in 0..n {
        x[ipvt[j]] = wa[j];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn test_matrix() -> ColMatrix {
        let mut a = ColMatrix::zeros(5, 3);
        let vals = [
            [1.0, 2.0, 0.5],
            [0.3, -1.0, 4.0],
            [2.0, 0.0, 1.0],
            [-1.0, 1.0, 1.5],
            [0.7, 3.0, -2.0],
        ];
        for (i, row) in vals.iter().enumerate() {
            for (j, v) in row.iter().enumerate() {
                a[(i, j)] = *v;
            }
        }
        a
    }

    #[test]
    fn qrfac_reproduces_a_p_as_q_r() {
        let a0 = test_matrix();
        let mut a = a0.clone();
        let mut w = QrWork::new(3);
        qrfac(&mut a, &mut w);
        // Column norms of R equal those of the permuted columns, and |R| diag is nonincreasing.
        assert!(w.rdiag[0].abs() >= w.rdiag[1].abs() && w.rdiag[1].abs() >= w.rdiag[2].abs());
        // Check Qᵀ (A P) = R column by column.
        for j in 0..3 {
            let mut col = a0.col(w.ipvt[j]).to_vec();
            apply_qt(&a, &mut col);
            for (i, &v) in col.iter().enumerate() {
                let expect = if i < j {
                    a[(i, j)]
                } else if i == j {
                    w.rdiag[j]
                } else {
                    0.0
                };
                assert!((v - expect).abs() < 1e-13, "({i},{j}): {v} vs {expect}");
            }
        }
        for j in 0..3 {
            assert!((w.acnorm[j] - enorm(a0.col(j))).abs() < 1e-15);
        }
    }

    #[test]
    fn qrsolv_solves_the_damped_least_squares_problem() {
        let a0 = test_matrix();
        let b = [1.0, -2.0, 0.5, 3.0, 0.25];
        let d = [0.3, 1.2, 0.0];
        let mut a = a0.clone();
        let mut w = QrWork::new(3);
        qrfac(&mut a, &mut w);
        let mut qtb = b.to_vec();
        apply_qt(&a, &mut qtb);
        for j in 0..3 {
            a[(j, j)] = w.rdiag[j];
        }
        let mut x = [0.0; 3];
        let mut sdiag = [0.0; 3];
        let mut wa = [0.0; 3];
        qrsolv(&mut a, &w.ipvt, &d, &qtb[..3], &mut x, &mut sdiag, &mut wa);
        // Normal equations of the augmented problem: (AᵀA + D²) x = Aᵀ b.
        for k in 0..3 {
            let mut lhs = d[k] * d[k] * x[k];
            let mut rhs = 0.0;
            for i in 0..5 {
                let ax: f64 = (0..3).map(|j| a0[(i, j)] * x[j]).sum();
                lhs += a0[(i, k)] * ax;
                rhs += a0[(i, k)] * b[i];
            }
            assert!((lhs - rhs).abs() < 1e-12, "row {k}: {lhs} vs {rhs}");
        }
    }

    #[test]
    fn enorm_survives_extreme_magnitudes() {
        assert!((enorm(&[3e200, 4e200]) / 5e200 - 1.0).abs() < 1e-15);
        assert!((enorm(&[3e-200, 4e-200]) / 5e-200 - 1.0).abs() < 1e-15);
        assert_eq!(enorm(&[]), 0.0);
    }
}
