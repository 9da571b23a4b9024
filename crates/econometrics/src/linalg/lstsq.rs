//! Linear least squares by Householder QR, with iterative refinement in double-double.
//!
//! Why not the normal equations: forming `X'X` squares the condition number, and on the NIST
//! StRD problems (Filip, Wampler) that loses every digit. Why refinement: even a backward-stable
//! QR in float64 leaves a forward error of order `eps·κ²·‖r‖/‖X‖‖β‖` when the residuals are
//! large (Wampler5: 6 correct digits). Björck's refinement of the augmented system
//! `[I X; X' 0][r; β] = [y; 0]`, with its residuals accumulated in double-double and the
//! corrections solved with the float64 QR factors, converges at rate `≈ eps·κ` to the
//! least-squares solution of the float64 data; one or two steps give full accuracy.
//!
//! Columns are scaled by powers of two (exact) to unit norm before factorising, so the
//! condition number that matters is that of the scaled design, and so collinearity is judged
//! on a scale-free basis: column `k` is collinear with the columns before it when the norm of
//! its part not explained by them, `|R_kk|`, is below [`LstsqOptions::collinearity_tol`] times
//! its own norm. Collinear columns are removed in order (the later of two collinear columns
//! goes), the way R's `lm` and Stata do, and the factorisation is redone without them.

use super::dd::{self, Dd};
use crate::error::{EconError, Result};
use faer::linalg::solvers::SolveLstsq;
use faer::{Mat, MatRef};

/// How hard to work for accuracy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Precision {
    /// Float64 Householder QR only (backward stable; forward error grows with `κ²‖r‖`).
    Fast,
    /// QR plus double-double iterative refinement of the coefficients whenever the
    /// first-order error bound `eps·κ·(1 + κ‖r‖/‖Xβ‖)` of the float64 solution exceeds
    /// `1e-14` (κ: condition number of the column-scaled design), and of `(X'X)⁻¹` when
    /// `κ > 1e4`. The default.
    #[default]
    Refined,
}

/// Options of [`lstsq`].
#[derive(Debug, Clone, Copy)]
pub struct LstsqOptions {
    /// Plain QR, or QR with double-double refinement when needed.
    pub precision: Precision,
    /// Relative threshold on `|R_kk| / ‖x_k‖` below which column `k` counts as collinear.
    /// Default `1e-10` (R's `lm` uses `1e-7`, which refuses NIST Filip, whose smallest ratio
    /// is 4e-8).
    pub collinearity_tol: f64,
    /// Condition number of the scaled design above which `(X'X)⁻¹` is refined too.
    pub refine_inverse_above: f64,
}

impl Default for LstsqOptions {
    fn default() -> Self {
        LstsqOptions {
            precision: Precision::Refined,
            collinearity_tol: 1e-10,
            refine_inverse_above: 1e4,
        }
    }
}

/// The least-squares solution and what the variance estimators need.
#[derive(Debug, Clone)]
pub struct LstsqFit {
    /// Coefficients of the kept columns, in the order of `kept`.
    pub coef: Vec<f64>,
    /// Indices (into the input columns) of the columns used, in input order.
    pub kept: Vec<usize>,
    /// Indices of columns dropped as collinear with earlier ones (or identically zero).
    pub dropped: Vec<usize>,
    /// `y - Xβ`.
    pub residuals: Vec<f64>,
    /// Residual sum of squares (accumulated in double-double).
    pub rss: f64,
    /// `(X'X)⁻¹` of the kept columns (k × k).
    pub xtx_inv: Mat<f64>,
    /// 2-norm condition estimate `‖R‖_F‖R⁻¹‖_F` of the column-scaled kept design.
    pub condition: f64,
    /// Refinement steps taken on the coefficients.
    pub refinement_steps: usize,
}

/// Solves `min ‖y − Xβ‖₂` (see the module documentation for the method).
///
/// ```
/// use faer::Mat;
/// use pressure_econometrics::linalg::lstsq::{lstsq, LstsqOptions};
/// // y = 1 + 2x exactly
/// let x = Mat::from_fn(4, 2, |i, j| if j == 0 { 1.0 } else { i as f64 });
/// let y = [1.0, 3.0, 5.0, 7.0];
/// let fit = lstsq(x.as_ref(), &y, &LstsqOptions::default()).unwrap();
/// assert!((fit.coef[0] - 1.0).abs() < 1e-15 && (fit.coef[1] - 2.0).abs() < 1e-15);
/// ```
pub fn lstsq(x: MatRef<'_, f64>, y: &[f64], opts: &LstsqOptions) -> Result<LstsqFit> {
    let (n, p) = x.shape();
    if y.len() != n {
        return Err(EconError::Dimension(format!(
            "{} rows in the design but {} values of the outcome",
            n,
            y.len()
        )));
    }
    if n == 0 {
        return Err(EconError::EmptySample {
            reason: "no observations to fit".into(),
        });
    }
    // Power-of-two column scales: exact, so the scaled problem has the same solution.
    let mut scale = vec![0.0; p];
    let mut kept = Vec::with_capacity(p);
    let mut dropped = Vec::new();
    for j in 0..p {
        let col = x.col(j);
        let norm = col.iter().map(|v| v * v).sum::<f64>().sqrt();
        if norm > 0.0 && norm.is_finite() {
            scale[j] = 2f64.powi(norm.log2().round() as i32);
            kept.push(j);
        } else {
            dropped.push(j);
        }
    }
    let (xs, qr) = loop {
        let xs = Mat::from_fn(n, kept.len(), |i, c| x[(i, kept[c])] / scale[kept[c]]);
        let qr = xs.qr();
        let r = qr.thin_R();
        let bad = (0..kept.len()).find(|&c| {
            let norm = xs.col_as_slice(c).iter().map(|v| v * v).sum::<f64>().sqrt();
            r[(c, c)].abs() <= opts.collinearity_tol * norm
        });
        match bad {
            Some(c) => {
                dropped.push(kept.remove(c));
            }
            None => break (xs, qr),
        }
    };
    dropped.sort_unstable();
    let k = kept.len();
    if k == 0 {
        let rss = dd::dot(y, y).to_f64();
        return Ok(LstsqFit {
            coef: vec![],
            kept,
            dropped,
            residuals: y.to_vec(),
            rss,
            xtx_inv: Mat::zeros(0, 0),
            condition: 1.0,
            refinement_steps: 0,
        });
    }
    let r = qr.thin_R().to_owned();
    let rinv = upper_inverse(r.as_ref());
    let condition = frobenius(r.as_ref()) * frobenius(rinv.as_ref());

    let yv = Mat::from_fn(n, 1, |i, _| y[i]);
    let sol = qr.solve_lstsq(&yv);
    let mut b: Vec<f64> = (0..k).map(|j| sol[(j, 0)]).collect();
    let mut steps = 0;
    let mut resid;
    let mut vs = mul_upper_by_transpose(rinv.as_ref());
    // First-order forward-error bound of the float64 solution (Golub & Van Loan, Thm 5.3.1);
    // refinement only when it could matter at the 14th digit.
    let needs_refinement = opts.precision == Precision::Refined && {
        let fit = matvec(xs.as_ref(), &b);
        let rn = y
            .iter()
            .zip(&fit)
            .map(|(yi, fi)| (yi - fi).powi(2))
            .sum::<f64>()
            .sqrt();
        let fit_n = fit.iter().map(|v| v * v).sum::<f64>().sqrt();
        let ratio = if fit_n > 0.0 {
            rn / fit_n
        } else {
            f64::INFINITY
        };
        f64::EPSILON * condition * (1.0 + condition * ratio) > 1e-14
    };
    if opts.precision == Precision::Refined
        && (needs_refinement || condition > opts.refine_inverse_above)
    {
        let q1 = qr.compute_thin_Q();
        let sys = Augmented {
            xs: xs.as_ref(),
            q1: q1.as_ref(),
            rinv: rinv.as_ref(),
        };
        resid = residual_dd(xs.as_ref(), y, &b);
        let zero = vec![0.0; k];
        if needs_refinement {
            steps = sys.refine(Some(y), &zero, &mut b, &mut resid, 6);
        }
        if condition > opts.refine_inverse_above {
            for j in 0..k {
                let mut v: Vec<f64> = (0..k).map(|i| vs[(i, j)]).collect();
                let mut s = matvec(xs.as_ref(), &v);
                s.iter_mut().for_each(|e| *e = -*e);
                let mut c = vec![0.0; k];
                c[j] = -1.0;
                sys.refine(None, &c, &mut v, &mut s, 6);
                for i in 0..k {
                    vs[(i, j)] = v[i];
                }
            }
            symmetrize(&mut vs);
        }
    }
    // Final residuals of the final coefficients, in double-double.
    resid = residual_dd(xs.as_ref(), y, &b);
    let rss = dd::dot(&resid, &resid).to_f64();
    let coef: Vec<f64> = kept.iter().zip(&b).map(|(&j, &bj)| bj / scale[j]).collect();
    let xtx_inv = Mat::from_fn(k, k, |a, c| vs[(a, c)] / (scale[kept[a]] * scale[kept[c]]));
    Ok(LstsqFit {
        coef,
        kept,
        dropped,
        residuals: resid,
        rss,
        xtx_inv,
        condition,
        refinement_steps: steps,
    })
}

/// The augmented system `[I A; A' 0][r; x] = [b; c]` with `A = Q₁R` factored in float64.
struct Augmented<'a> {
    xs: MatRef<'a, f64>,
    q1: MatRef<'a, f64>,
    rinv: MatRef<'a, f64>,
}

impl Augmented<'_> {
    /// Björck's iterative refinement of `(r, x)`; residuals in double-double. `b = None`
    /// means `b = 0`. Returns the number of steps taken.
    fn refine(
        &self,
        b: Option<&[f64]>,
        c: &[f64],
        x: &mut [f64],
        r: &mut [f64],
        max_steps: usize,
    ) -> usize {
        let (n, k) = self.xs.shape();
        let mut steps = 0;
        let mut prev = f64::INFINITY;
        for _ in 0..max_steps {
            // f = b − r − A x, g = c − A' r, both in double-double.
            let mut acc: Vec<Dd> = (0..n)
                .map(|i| Dd::from_f64(b.map_or(0.0, |b| b[i])).add_f64(-r[i]))
                .collect();
            for j in 0..k {
                let col = self.xs.col(j);
                let xj = -x[j];
                for (a, &v) in acc.iter_mut().zip(col.iter()) {
                    *a = a.add_prod(v, xj);
                }
            }
            let f: Vec<f64> = acc.iter().map(|d| d.to_f64()).collect();
            let g: Vec<f64> = (0..k)
                .map(|j| {
                    let col = self.xs.col(j);
                    let mut s = Dd::from_f64(c[j]);
                    for (&v, &ri) in col.iter().zip(r.iter()) {
                        s = s.add_prod(-v, ri);
                    }
                    s.to_f64()
                })
                .collect();
            // h = R⁻ᵀ g; d1 = Q₁' f; dx = R⁻¹(d1 − h); dr = Q₁h + (f − Q₁d1).
            let h: Vec<f64> = (0..k)
                .map(|i| (0..=i).map(|l| self.rinv[(l, i)] * g[l]).sum())
                .collect();
            let d1: Vec<f64> = (0..k)
                .map(|j| self.q1.col(j).iter().zip(&f).map(|(q, f)| q * f).sum())
                .collect();
            let rhs: Vec<f64> = d1.iter().zip(&h).map(|(a, b)| a - b).collect();
            let dx: Vec<f64> = (0..k)
                .map(|i| (i..k).map(|l| self.rinv[(i, l)] * rhs[l]).sum())
                .collect();
            let mut dr = f;
            for j in 0..k {
                let coef = h[j] - d1[j];
                for (d, &q) in dr.iter_mut().zip(self.q1.col(j).iter()) {
                    *d += q * coef;
                }
            }
            for (xi, d) in x.iter_mut().zip(&dx) {
                *xi += d;
            }
            for (ri, d) in r.iter_mut().zip(&dr) {
                *ri += d;
            }
            steps += 1;
            let size = norm(&dx) / norm(x).max(f64::MIN_POSITIVE);
            // Stop when the correction is at rounding level or has stopped shrinking.
            if size <= 4.0 * f64::EPSILON || size >= 0.5 * prev {
                break;
            }
            prev = size;
        }
        steps
    }
}

/// `y − Xb` accumulated in double-double, rounded to f64.
fn residual_dd(x: MatRef<'_, f64>, y: &[f64], b: &[f64]) -> Vec<f64> {
    let mut acc: Vec<Dd> = y.iter().map(|&v| Dd::from_f64(v)).collect();
    for (j, &bj) in b.iter().enumerate() {
        for (a, &v) in acc.iter_mut().zip(x.col(j).iter()) {
            *a = a.add_prod(v, -bj);
        }
    }
    acc.into_iter().map(Dd::to_f64).collect()
}

fn matvec(x: MatRef<'_, f64>, v: &[f64]) -> Vec<f64> {
    let mut out = vec![0.0; x.nrows()];
    for (j, &vj) in v.iter().enumerate() {
        for (o, &xij) in out.iter_mut().zip(x.col(j).iter()) {
            *o += xij * vj;
        }
    }
    out
}

fn norm(v: &[f64]) -> f64 {
    v.iter().map(|x| x * x).sum::<f64>().sqrt()
}

fn frobenius(m: MatRef<'_, f64>) -> f64 {
    let mut s = 0.0;
    for j in 0..m.ncols() {
        for i in 0..m.nrows() {
            s += m[(i, j)] * m[(i, j)];
        }
    }
    s.sqrt()
}

/// Inverse of an upper-triangular matrix by back substitution, column by column.
pub fn upper_inverse(r: MatRef<'_, f64>) -> Mat<f64> {
    let k = r.nrows();
    let mut inv = Mat::<f64>::zeros(k, k);
    for j in 0..k {
        inv[(j, j)] = 1.0 / r[(j, j)];
        for i in (0..j).rev() {
            let s: f64 = (i + 1..=j).map(|l| r[(i, l)] * inv[(l, j)]).sum();
            inv[(i, j)] = -s / r[(i, i)];
        }
    }
    inv
}

/// `U Uᵀ` for upper-triangular `U` (so `R⁻¹R⁻ᵀ = (X'X)⁻¹`).
fn mul_upper_by_transpose(u: MatRef<'_, f64>) -> Mat<f64> {
    let k = u.nrows();
    let mut out = Mat::<f64>::zeros(k, k);
    for i in 0..k {
        for j in i..k {
            let s: f64 = (j..k).map(|l| u[(i, l)] * u[(j, l)]).sum();
            out[(i, j)] = s;
            out[(j, i)] = s;
        }
    }
    out
}

fn symmetrize(m: &mut Mat<f64>) {
    let k = m.nrows();
    for i in 0..k {
        for j in i + 1..k {
            let a = 0.5 * (m[(i, j)] + m[(j, i)]);
            m[(i, j)] = a;
            m[(j, i)] = a;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drops_the_later_of_two_collinear_columns() {
        let x = Mat::from_fn(6, 3, |i, j| match j {
            0 => 1.0,
            1 => i as f64,
            _ => 2.0 * i as f64 + 1.0,
        });
        let y = [0.5, 1.0, 2.5, 2.0, 4.0, 5.5];
        let fit = lstsq(x.as_ref(), &y, &LstsqOptions::default()).unwrap();
        assert_eq!(fit.kept, vec![0, 1]);
        assert_eq!(fit.dropped, vec![2]);
    }

    #[test]
    fn zero_column_is_dropped() {
        let x = Mat::from_fn(4, 2, |i, j| if j == 0 { i as f64 } else { 0.0 });
        let fit = lstsq(x.as_ref(), &[0.0, 1.0, 2.0, 3.0], &LstsqOptions::default()).unwrap();
        assert_eq!(fit.dropped, vec![1]);
        assert!((fit.coef[0] - 1.0).abs() < 1e-15);
    }

    #[test]
    fn inverse_matches_normal_equations_on_easy_problem() {
        let x = Mat::from_fn(5, 2, |i, j| if j == 0 { 1.0 } else { (i * i) as f64 });
        let fit = lstsq(
            x.as_ref(),
            &[1.0, 2.0, 2.0, 4.0, 7.0],
            &LstsqOptions::default(),
        )
        .unwrap();
        // X'X = [[5, 30], [30, 354]], det = 870
        let expect = [[354.0 / 870.0, -30.0 / 870.0], [-30.0 / 870.0, 5.0 / 870.0]];
        for i in 0..2 {
            for j in 0..2 {
                assert!((fit.xtx_inv[(i, j)] - expect[i][j]).abs() < 1e-15);
            }
        }
    }
}
