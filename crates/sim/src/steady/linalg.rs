//! Dense linear algebra for the steady-state solver: LU factorisation with partial pivoting
//! and the solves it needs, in place over buffers the solver owns (no allocation per solve).
//! The systems are small (one row per stock element, about a hundred for the coupled sanctions
//! model), so a plain row-major `O(n^3)` factorisation costs less than one model evaluation per
//! unknown.

/// Factorises the row-major `n x n` matrix `a` in place as `P A = L U` (unit lower `L` below the
/// diagonal, `U` on and above it), recording the row permutation in `piv`. Returns `false` when
/// a pivot is zero or not finite (the matrix is singular to working precision).
pub(crate) fn lu_factor(a: &mut [f64], n: usize, piv: &mut [usize]) -> bool {
    debug_assert_eq!(a.len(), n * n);
    for (i, p) in piv.iter_mut().enumerate().take(n) {
        *p = i;
    }
    let scale = a.iter().fold(0.0f64, |m, x| m.max(x.abs()));
    if !scale.is_finite() || scale == 0.0 {
        return false;
    }
    for k in 0..n {
        // Partial pivoting: the largest entry of column k at or below the diagonal.
        let (mut best, mut best_row) = (a[k * n + k].abs(), k);
        for i in k + 1..n {
            let v = a[i * n + k].abs();
            if v > best {
                best = v;
                best_row = i;
            }
        }
        // Also false for a NaN pivot.
        if best.is_nan() || best <= scale * 1e-14 {
            return false;
        }
        if best_row != k {
            for j in 0..n {
                a.swap(k * n + j, best_row * n + j);
            }
            piv.swap(k, best_row);
        }
        let pivot = a[k * n + k];
        let (top, bottom) = a.split_at_mut((k + 1) * n);
        let row_k = &top[k * n..k * n + n];
        for row in bottom.chunks_exact_mut(n) {
            let l = row[k] / pivot;
            row[k] = l;
            if l != 0.0 {
                for j in k + 1..n {
                    row[j] -= l * row_k[j];
                }
            }
        }
    }
    true
}

/// Solves `A x = b` with the factors from [`lu_factor`]; `b` is overwritten with `x`, `tmp` is
/// scratch of length `n`.
pub(crate) fn lu_solve(lu: &[f64], n: usize, piv: &[usize], b: &mut [f64], tmp: &mut [f64]) {
    for i in 0..n {
        tmp[i] = b[piv[i]];
    }
    // Forward substitution with unit L.
    for i in 0..n {
        let mut s = tmp[i];
        for j in 0..i {
            s -= lu[i * n + j] * tmp[j];
        }
        tmp[i] = s;
    }
    // Back substitution with U.
    for i in (0..n).rev() {
        let mut s = tmp[i];
        for j in i + 1..n {
            s -= lu[i * n + j] * tmp[j];
        }
        tmp[i] = s / lu[i * n + i];
    }
    b[..n].copy_from_slice(&tmp[..n]);
}

/// `out = J^T J + mu I` (row-major `n x n`) for the Levenberg–Marquardt step.
pub(crate) fn normal_matrix(j: &[f64], n: usize, mu: f64, out: &mut [f64]) {
    for a in 0..n {
        for b in a..n {
            let mut s = 0.0;
            for i in 0..n {
                s += j[i * n + a] * j[i * n + b];
            }
            out[a * n + b] = s;
            out[b * n + a] = s;
        }
        out[a * n + a] += mu;
    }
}

/// `out = -J^T r`.
pub(crate) fn neg_jt_r(j: &[f64], n: usize, r: &[f64], out: &mut [f64]) {
    for (a, o) in out.iter_mut().enumerate().take(n) {
        let mut s = 0.0;
        for i in 0..n {
            s += j[i * n + a] * r[i];
        }
        *o = -s;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn solves_a_system_that_needs_pivoting() {
        // [[0, 2, 1], [1, 1, 1], [4, -1, 3]] x = b with x = (1, -2, 3).
        let a0 = [0.0, 2.0, 1.0, 1.0, 1.0, 1.0, 4.0, -1.0, 3.0];
        let x = [1.0, -2.0, 3.0];
        let mut b = [0.0; 3];
        for i in 0..3 {
            b[i] = (0..3).map(|j| a0[i * 3 + j] * x[j]).sum();
        }
        let mut a = a0;
        let mut piv = [0; 3];
        assert!(lu_factor(&mut a, 3, &mut piv));
        let mut tmp = [0.0; 3];
        lu_solve(&a, 3, &piv, &mut b, &mut tmp);
        for i in 0..3 {
            assert!((b[i] - x[i]).abs() < 1e-14, "{b:?}");
        }
    }

    #[test]
    fn reports_a_singular_matrix() {
        let mut a = [1.0, 2.0, 2.0, 4.0];
        let mut piv = [0; 2];
        assert!(!lu_factor(&mut a, 2, &mut piv));
        let mut z = [0.0; 4];
        assert!(!lu_factor(&mut z, 2, &mut piv));
    }

    #[test]
    fn normal_equations() {
        let j = [1.0, 2.0, 3.0, 4.0];
        let mut m = [0.0; 4];
        normal_matrix(&j, 2, 0.5, &mut m);
        assert_eq!(m, [10.5, 14.0, 14.0, 20.5]);
        let mut g = [0.0; 2];
        neg_jt_r(&j, 2, &[1.0, -1.0], &mut g);
        assert_eq!(g, [2.0, 2.0]);
    }
}
