//! Results of a run: a time vector and one `f64` column per recorded variable.

/// A table of results: `time()` and named columns (with units), column-major.
#[derive(Debug, Clone, PartialEq)]
pub struct Results {
    time: Vec<f64>,
    names: Vec<String>,
    units: Vec<Option<String>>,
    /// Column-major: column `c` is `data[c * rows .. (c + 1) * rows]`.
    data: Vec<f64>,
}

impl Results {
    pub(crate) fn new(time: Vec<f64>, names: Vec<String>, units: Vec<Option<String>>) -> Self {
        let n = time.len() * names.len();
        Results {
            time,
            names,
            units,
            data: vec![f64::NAN; n],
        }
    }

    /// Saved times.
    pub fn time(&self) -> &[f64] {
        &self.time
    }

    pub fn rows(&self) -> usize {
        self.time.len()
    }

    /// Column names (`x`, `x[element]`).
    pub fn names(&self) -> &[String] {
        &self.names
    }

    pub fn units(&self) -> &[Option<String>] {
        &self.units
    }

    /// The values of a column by name.
    pub fn column(&self, name: &str) -> Option<&[f64]> {
        let c = self.names.iter().position(|n| n == name)?;
        Some(self.column_at(c))
    }

    /// The values of column `c`.
    pub fn column_at(&self, c: usize) -> &[f64] {
        let r = self.time.len();
        &self.data[c * r..(c + 1) * r]
    }

    /// Units of a column by name.
    pub fn units_of(&self, name: &str) -> Option<&str> {
        let c = self.names.iter().position(|n| n == name)?;
        self.units[c].as_deref()
    }

    /// The value of a column at the last saved time.
    pub fn last(&self, name: &str) -> Option<f64> {
        self.column(name).and_then(|c| c.last().copied())
    }

    #[inline]
    pub(crate) fn set(&mut self, c: usize, row: usize, v: f64) {
        let r = self.time.len();
        self.data[c * r + row] = v;
    }
}
