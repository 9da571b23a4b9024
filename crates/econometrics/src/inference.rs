//! Coefficient tables: estimates with standard errors, test statistics, p-values and
//! confidence intervals from one reference distribution (Student t or standard normal).

use faer::Mat;
use serde::Serialize;
use statrs::distribution::{ContinuousCDF, Normal, StudentsT};

/// The distribution test statistics are referred to.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Reference {
    /// Standard normal (z statistics): maximum-likelihood models, HAC.
    Normal,
    /// Student t with `df` degrees of freedom (t statistics).
    StudentT {
        /// Degrees of freedom.
        df: f64,
    },
}

impl Reference {
    /// Two-sided p-value of a statistic.
    pub fn p_value(&self, stat: f64) -> f64 {
        if !stat.is_finite() {
            return f64::NAN;
        }
        match *self {
            Reference::Normal => 2.0 * Normal::standard().sf(stat.abs()),
            Reference::StudentT { df } => match StudentsT::new(0.0, 1.0, df) {
                Ok(t) => 2.0 * t.sf(stat.abs()),
                Err(_) => f64::NAN,
            },
        }
    }

    /// The `(1 + level)/2` quantile (the critical value of a two-sided interval).
    pub fn critical_value(&self, level: f64) -> f64 {
        let q = 0.5 + 0.5 * level;
        match *self {
            Reference::Normal => Normal::standard().inverse_cdf(q),
            Reference::StudentT { df } => match StudentsT::new(0.0, 1.0, df) {
                Ok(t) => t.inverse_cdf(q),
                Err(_) => f64::NAN,
            },
        }
    }

    /// `"t"` or `"z"`: the name of the statistic.
    pub fn statistic_name(&self) -> &'static str {
        match self {
            Reference::Normal => "z",
            Reference::StudentT { .. } => "t",
        }
    }
}

/// Estimates and their inference, one row per term.
#[derive(Debug, Clone, Serialize)]
pub struct CoefTable {
    /// Term names, one per row.
    pub terms: Vec<String>,
    /// Point estimates, in the units of the dependent variable per unit of the term.
    pub estimate: Vec<f64>,
    /// Standard errors from the chosen variance estimator (same units).
    pub std_error: Vec<f64>,
    /// `estimate / std_error` (t or z, see `reference`).
    pub statistic: Vec<f64>,
    /// Two-sided p-values.
    pub p_value: Vec<f64>,
    /// Lower ends of the `level` confidence intervals.
    pub ci_lower: Vec<f64>,
    /// Upper ends of the `level` confidence intervals.
    pub ci_upper: Vec<f64>,
    /// Confidence level of the intervals, e.g. 0.95.
    pub level: f64,
    /// The reference distribution of `statistic` (t with its degrees of freedom, or normal).
    pub reference: Reference,
    /// Variance–covariance matrix of the estimates, row-major (`terms.len()²` values).
    pub vcov: Vec<f64>,
}

/// One row of a [`CoefTable`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CoefRow {
    /// Point estimate.
    pub estimate: f64,
    /// Standard error.
    pub std_error: f64,
    /// `estimate / std_error`.
    pub statistic: f64,
    /// Two-sided p-value.
    pub p_value: f64,
    /// Lower end of the confidence interval.
    pub ci_lower: f64,
    /// Upper end of the confidence interval.
    pub ci_upper: f64,
}

impl CoefTable {
    /// Builds the table from estimates and their covariance matrix.
    pub fn new(
        terms: Vec<String>,
        estimate: Vec<f64>,
        vcov: &Mat<f64>,
        reference: Reference,
        level: f64,
    ) -> CoefTable {
        let k = estimate.len();
        debug_assert_eq!(terms.len(), k);
        let crit = reference.critical_value(level);
        let std_error: Vec<f64> = (0..k).map(|i| vcov[(i, i)].max(0.0).sqrt()).collect();
        let statistic: Vec<f64> = estimate
            .iter()
            .zip(&std_error)
            .map(|(b, s)| if *s > 0.0 { b / s } else { f64::NAN })
            .collect();
        let p_value = statistic.iter().map(|&t| reference.p_value(t)).collect();
        let ci_lower = estimate
            .iter()
            .zip(&std_error)
            .map(|(b, s)| b - crit * s)
            .collect();
        let ci_upper = estimate
            .iter()
            .zip(&std_error)
            .map(|(b, s)| b + crit * s)
            .collect();
        let mut flat = Vec::with_capacity(k * k);
        for i in 0..k {
            for j in 0..k {
                flat.push(vcov[(i, j)]);
            }
        }
        CoefTable {
            terms,
            estimate,
            std_error,
            statistic,
            p_value,
            ci_lower,
            ci_upper,
            level,
            reference,
            vcov: flat,
        }
    }

    /// Number of terms.
    pub fn len(&self) -> usize {
        self.terms.len()
    }

    /// True when there are no terms.
    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }

    /// Position of a term by name.
    pub fn index(&self, term: &str) -> Option<usize> {
        self.terms.iter().position(|t| t == term)
    }

    /// The row of a term by name.
    pub fn get(&self, term: &str) -> Option<CoefRow> {
        self.index(term).map(|i| self.row(i))
    }

    /// The row at position `i`.
    pub fn row(&self, i: usize) -> CoefRow {
        CoefRow {
            estimate: self.estimate[i],
            std_error: self.std_error[i],
            statistic: self.statistic[i],
            p_value: self.p_value[i],
            ci_lower: self.ci_lower[i],
            ci_upper: self.ci_upper[i],
        }
    }

    /// Covariance of terms `i` and `j`.
    pub fn cov(&self, i: usize, j: usize) -> f64 {
        self.vcov[i * self.len() + j]
    }

    /// The covariance matrix as a faer matrix.
    pub fn vcov_matrix(&self) -> Mat<f64> {
        let k = self.len();
        Mat::from_fn(k, k, |i, j| self.cov(i, j))
    }

    /// Estimate, variance and inference of a linear combination `Σ w_i β_i` (delta method for
    /// fixed weights), referred to the same distribution.
    pub fn linear_combination(&self, weights: &[(usize, f64)]) -> CoefRow {
        let est: f64 = weights.iter().map(|&(i, w)| w * self.estimate[i]).sum();
        let mut var = 0.0;
        for &(i, wi) in weights {
            for &(j, wj) in weights {
                var += wi * wj * self.cov(i, j);
            }
        }
        let se = var.max(0.0).sqrt();
        let stat = if se > 0.0 { est / se } else { f64::NAN };
        let crit = self.reference.critical_value(self.level);
        CoefRow {
            estimate: est,
            std_error: se,
            statistic: stat,
            p_value: self.reference.p_value(stat),
            ci_lower: est - crit * se,
            ci_upper: est + crit * se,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normal_reference_values() {
        let r = Reference::Normal;
        assert!((r.critical_value(0.95) - 1.959963984540054).abs() < 1e-12);
        assert!((r.p_value(1.959963984540054) - 0.05).abs() < 1e-11);
    }

    #[test]
    fn t_reference_values() {
        let r = Reference::StudentT { df: 10.0 };
        assert!((r.critical_value(0.95) - 2.228138851986274).abs() < 1e-12);
    }

    #[test]
    fn table_rows_are_consistent() {
        let v = Mat::from_fn(2, 2, |i, j| if i == j { 4.0 } else { 1.0 });
        let t = CoefTable::new(
            vec!["a".into(), "b".into()],
            vec![4.0, -1.0],
            &v,
            Reference::Normal,
            0.95,
        );
        let a = t.get("a").unwrap();
        assert_eq!(a.std_error, 2.0);
        assert_eq!(a.statistic, 2.0);
        let d = t.linear_combination(&[(0, 1.0), (1, 1.0)]);
        assert_eq!(d.estimate, 3.0);
        assert!((d.std_error - 10f64.sqrt()).abs() < 1e-15);
    }
}

/// A joint Wald test that several coefficients are zero.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct WaldTest {
    /// `F = W/q` when the table's reference is Student t (F(q, df) reference), `W` (χ²(q))
    /// when it is normal.
    pub statistic: f64,
    /// Number of restrictions `q`.
    pub df_num: usize,
    /// Denominator degrees of freedom of the F reference (`None` for χ²).
    pub df_den: Option<f64>,
    /// P-value of `statistic` under the F (or χ²) reference.
    pub p_value: f64,
}

impl CoefTable {
    /// Wald test of `β_i = 0` for all `i` in `indices`. `None` when the covariance of those
    /// terms is singular.
    pub fn wald_zero(&self, indices: &[usize]) -> Option<WaldTest> {
        use statrs::distribution::{ChiSquared, FisherSnedecor};
        let q = indices.len();
        if q == 0 {
            return None;
        }
        let v = Mat::from_fn(q, q, |a, b| self.cov(indices[a], indices[b]));
        let inv =
            crate::linalg::sym::spd_inverse(v.as_ref(), "covariance of the tested terms").ok()?;
        let b: Vec<f64> = indices.iter().map(|&i| self.estimate[i]).collect();
        let mut w = 0.0;
        for a in 0..q {
            for c in 0..q {
                w += b[a] * inv[(a, c)] * b[c];
            }
        }
        Some(match self.reference {
            Reference::Normal => WaldTest {
                statistic: w,
                df_num: q,
                df_den: None,
                p_value: ChiSquared::new(q as f64).ok()?.sf(w),
            },
            Reference::StudentT { df } => {
                let f = w / q as f64;
                WaldTest {
                    statistic: f,
                    df_num: q,
                    df_den: Some(df),
                    p_value: FisherSnedecor::new(q as f64, df).ok()?.sf(f),
                }
            }
        })
    }
}
