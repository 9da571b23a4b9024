//! Named design matrices (regressors as columns).

use crate::error::{EconError, Result};
use faer::Mat;

/// Name of the intercept column added by [`Design::with_intercept`].
pub const INTERCEPT: &str = "const";

/// Regressors as named columns of an n × k matrix.
#[derive(Debug, Clone)]
pub struct Design {
    names: Vec<String>,
    x: Mat<f64>,
}

impl Design {
    /// A design from equally long named columns.
    ///
    /// ```
    /// use pressure_econometrics::Design;
    /// let d = Design::from_columns(&["x"], &[&[1.0, 2.0, 3.0]]).unwrap().with_intercept();
    /// assert_eq!(d.names(), &["const".to_string(), "x".to_string()]);
    /// ```
    pub fn from_columns<S: AsRef<str>>(names: &[S], columns: &[&[f64]]) -> Result<Design> {
        if names.len() != columns.len() {
            return Err(EconError::Dimension(format!(
                "{} names for {} columns",
                names.len(),
                columns.len()
            )));
        }
        let n = columns.first().map_or(0, |c| c.len());
        for (name, c) in names.iter().zip(columns) {
            if c.len() != n {
                return Err(EconError::Dimension(format!(
                    "column `{}` has {} values, the first column {}",
                    name.as_ref(),
                    c.len(),
                    n
                )));
            }
            if let Some(row) = c.iter().position(|v| !v.is_finite()) {
                return Err(EconError::NonFinite {
                    name: name.as_ref().to_string(),
                    row,
                });
            }
        }
        Ok(Design {
            names: names.iter().map(|s| s.as_ref().to_string()).collect(),
            x: Mat::from_fn(n, columns.len(), |i, j| columns[j][i]),
        })
    }

    /// A design from a matrix and its column names.
    pub fn from_matrix(names: Vec<String>, x: Mat<f64>) -> Result<Design> {
        if names.len() != x.ncols() {
            return Err(EconError::Dimension(format!(
                "{} names for {} columns",
                names.len(),
                x.ncols()
            )));
        }
        Ok(Design { names, x })
    }

    /// A design with no columns and `n` rows.
    pub fn empty(n: usize) -> Design {
        Design {
            names: vec![],
            x: Mat::zeros(n, 0),
        }
    }

    /// This design with a column of ones named `const` in front.
    pub fn with_intercept(self) -> Design {
        let (n, k) = self.x.shape();
        let mut names = Vec::with_capacity(k + 1);
        names.push(INTERCEPT.to_string());
        names.extend(self.names);
        let x = Mat::from_fn(
            n,
            k + 1,
            |i, j| if j == 0 { 1.0 } else { self.x[(i, j - 1)] },
        );
        Design { names, x }
    }

    /// Column names.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// The matrix (n × k, column-major).
    pub fn matrix(&self) -> &Mat<f64> {
        &self.x
    }

    /// Number of rows.
    pub fn n_rows(&self) -> usize {
        self.x.nrows()
    }

    /// Number of columns.
    pub fn n_cols(&self) -> usize {
        self.x.ncols()
    }

    /// Column `j` as a slice.
    pub fn column(&self, j: usize) -> &[f64] {
        self.x.col_as_slice(j)
    }

    /// True when some column is constant and non-zero (so R² is centred).
    pub fn has_constant(&self) -> bool {
        (0..self.n_cols()).any(|j| {
            let c = self.column(j);
            !c.is_empty() && c[0] != 0.0 && c.iter().all(|&v| v == c[0])
        })
    }

    /// The design restricted to some rows.
    pub fn take_rows(&self, rows: &[usize]) -> Design {
        Design {
            names: self.names.clone(),
            x: Mat::from_fn(rows.len(), self.n_cols(), |i, j| self.x[(rows[i], j)]),
        }
    }
}
