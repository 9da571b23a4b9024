//! Partial rank correlation coefficients (PRCC; Marino et al. 2008, J. Theor. Biol. 254).
//!
//! Parameters and output are replaced by their ranks (ties averaged); the PRCC of parameter
//! `j` is the correlation between the residuals of rank(x_j) and of rank(y) after linear
//! regression on the ranks of all other parameters. It is computed from the inverse `P` of the
//! rank correlation matrix of `(x_1, ..., x_D, y)`: `PRCC_j = −P_jy / sqrt(P_jj P_yy)`.
//! The p-value tests PRCC = 0 with `t = r sqrt((n − 2 − p) / (1 − r²))`, `n − 2 − p` degrees of
//! freedom, `p = D − 1` controlled parameters (two-sided).

use pressure_stats::average_ranks;
use serde::Serialize;
use statrs::distribution::{ContinuousCDF, StudentsT};

/// PRCC of one parameter with one output.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Prcc {
    pub value: f64,
    pub p_value: f64,
}

/// PRCC of each of the `dims` columns of `x` (row-major, `n` rows) with `y`. NaN when the rank
/// correlation matrix is singular (e.g. a constant output) or `n <= dims + 1`.
pub fn prcc(x: &[f64], dims: usize, y: &[f64]) -> Vec<Prcc> {
    let n = y.len();
    let nan = vec![
        Prcc {
            value: f64::NAN,
            p_value: f64::NAN
        };
        dims
    ];
    if n <= dims + 1 || x.len() != n * dims {
        return nan;
    }
    let k = dims + 1;
    let mut ranks: Vec<Vec<f64>> = (0..dims)
        .map(|j| average_ranks(&(0..n).map(|i| x[i * dims + j]).collect::<Vec<_>>()))
        .collect();
    ranks.push(average_ranks(y));
    // Correlation matrix of the ranks.
    let centred: Vec<Vec<f64>> = ranks
        .iter()
        .map(|r| {
            let m = r.iter().sum::<f64>() / n as f64;
            r.iter().map(|v| v - m).collect()
        })
        .collect();
    let norms: Vec<f64> = centred
        .iter()
        .map(|c| c.iter().map(|v| v * v).sum::<f64>().sqrt())
        .collect();
    if norms.contains(&0.0) {
        return nan;
    }
    let mut corr = vec![0.0; k * k];
    for a in 0..k {
        for b in a..k {
            let dot: f64 = centred[a].iter().zip(&centred[b]).map(|(u, v)| u * v).sum();
            let c = dot / (norms[a] * norms[b]);
            corr[a * k + b] = c;
            corr[b * k + a] = c;
        }
    }
    let Some(inv) = invert_spd(&corr, k) else {
        return nan;
    };
    let df = (n - 2 - (dims - 1)) as f64;
    let t_dist = StudentsT::new(0.0, 1.0, df).ok();
    (0..dims)
        .map(|j| {
            let r = (-inv[j * k + dims] / (inv[j * k + j] * inv[dims * k + dims]).sqrt())
                .clamp(-1.0, 1.0);
            let p_value = match &t_dist {
                Some(t) if r.abs() < 1.0 => {
                    let stat = r * (df / (1.0 - r * r)).sqrt();
                    2.0 * t.sf(stat.abs())
                }
                Some(_) => 0.0,
                None => f64::NAN,
            };
            Prcc { value: r, p_value }
        })
        .collect()
}

/// Inverse of a symmetric positive-definite matrix by Cholesky; None if not positive definite.
fn invert_spd(a: &[f64], k: usize) -> Option<Vec<f64>> {
    let mut l = vec![0.0; k * k];
    for i in 0..k {
        for j in 0..=i {
            let mut s = a[i * k + j];
            for p in 0..j {
                s -= l[i * k + p] * l[j * k + p];
            }
            if i == j {
                if s <= 1e-12 {
                    return None;
                }
                l[i * k + i] = s.sqrt();
            } else {
                l[i * k + j] = s / l[j * k + j];
            }
        }
    }
    // inv(A) = inv(L)^T inv(L); solve column by column.
    let mut inv = vec![0.0; k * k];
    let mut col = vec![0.0; k];
    for e in 0..k {
        // Forward: L z = e_e.
        for i in 0..k {
            let mut s = if i == e { 1.0 } else { 0.0 };
            for p in 0..i {
                s -= l[i * k + p] * col[p];
            }
            col[i] = s / l[i * k + i];
        }
        // Backward: L^T x = z.
        for i in (0..k).rev() {
            let mut s = col[i];
            for p in i + 1..k {
                s -= l[p * k + i] * inv[p * k + e];
            }
            inv[i * k + e] = s / l[i * k + i];
        }
    }
    Some(inv)
}

#[cfg(test)]
mod tests {
    use super::*;
    use pressure_stats::rng::unit_open;
    use pressure_stats::rng_for;

    /// PRCC by its definition: correlate residuals of two rank regressions.
    fn prcc_by_residuals(x: &[f64], dims: usize, y: &[f64], j: usize) -> f64 {
        let n = y.len();
        let ranks: Vec<Vec<f64>> = (0..dims)
            .map(|c| average_ranks(&(0..n).map(|i| x[i * dims + c]).collect::<Vec<_>>()))
            .collect();
        let ry = average_ranks(y);
        let others: Vec<usize> = (0..dims).filter(|&c| c != j).collect();
        // Design [1, ranks of others]; least squares via normal equations (small, well posed).
        let p = others.len() + 1;
        let row = |i: usize| {
            let mut r = vec![1.0];
            r.extend(others.iter().map(|&c| ranks[c][i]));
            r
        };
        let resid = |target: &[f64]| {
            let mut xtx = vec![0.0; p * p];
            let mut xty = vec![0.0; p];
            for (i, &t) in target.iter().enumerate() {
                let r = row(i);
                for a in 0..p {
                    xty[a] += r[a] * t;
                    for b in 0..p {
                        xtx[a * p + b] += r[a] * r[b];
                    }
                }
            }
            // Gaussian elimination.
            let mut m = xtx.clone();
            let mut v = xty.clone();
            for c in 0..p {
                for r2 in c + 1..p {
                    let f = m[r2 * p + c] / m[c * p + c];
                    for q in c..p {
                        m[r2 * p + q] -= f * m[c * p + q];
                    }
                    v[r2] -= f * v[c];
                }
            }
            let mut beta = vec![0.0; p];
            for c in (0..p).rev() {
                let s: f64 = (c + 1..p).map(|q| m[c * p + q] * beta[q]).sum();
                beta[c] = (v[c] - s) / m[c * p + c];
            }
            (0..n)
                .map(|i| {
                    let r = row(i);
                    target[i] - r.iter().zip(&beta).map(|(a, b)| a * b).sum::<f64>()
                })
                .collect::<Vec<f64>>()
        };
        let e1 = resid(&ranks[j]);
        let e2 = resid(&ry);
        let dot: f64 = e1.iter().zip(&e2).map(|(a, b)| a * b).sum();
        let n1: f64 = e1.iter().map(|a| a * a).sum::<f64>().sqrt();
        let n2: f64 = e2.iter().map(|a| a * a).sum::<f64>().sqrt();
        dot / (n1 * n2)
    }

    #[test]
    fn agrees_with_the_residual_definition() {
        let (n, d) = (300, 3);
        let mut rng = rng_for(4, 0, 0);
        let x: Vec<f64> = (0..n * d).map(|_| unit_open(&mut rng)).collect();
        let y: Vec<f64> = (0..n)
            .map(|i| {
                let r = &x[i * d..i * d + d];
                (3.0 * r[0]).exp() - 2.0 * r[1] + 0.3 * unit_open(&mut rng)
            })
            .collect();
        let got = prcc(&x, d, &y);
        for (j, g) in got.iter().enumerate() {
            let want = prcc_by_residuals(&x, d, &y, j);
            assert!((g.value - want).abs() < 1e-10, "{j}: {} vs {want}", g.value);
        }
        assert!(got[0].value > 0.9 && got[1].value < -0.8);
        assert!(got[2].value.abs() < 0.2 && got[2].p_value > 0.001);
        assert!(got[0].p_value < 1e-10);
    }

    #[test]
    fn degenerate_cases_are_nan() {
        let x = vec![0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8];
        assert!(prcc(&x, 2, &[1.0, 1.0, 1.0, 1.0])[0].value.is_nan());
        assert!(prcc(&x, 2, &[1.0, 2.0])[0].value.is_nan());
    }
}
