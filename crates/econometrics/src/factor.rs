//! Categorical variables (fixed effects, clusters, strata) coded as dense integers.

use std::collections::HashMap;
use std::hash::Hash;

/// A categorical variable: each observation's level as a dense code `0..n_levels`.
#[derive(Debug, Clone, PartialEq)]
pub struct Factor {
    /// Name used in messages and tables.
    pub name: String,
    /// Level of each observation, `0..n_levels`.
    pub codes: Vec<u32>,
    /// Number of distinct levels.
    pub n_levels: usize,
}

impl Factor {
    /// Codes the values in order of first appearance.
    ///
    /// ```
    /// use pressure_econometrics::Factor;
    /// let f = Factor::from_values("country", &["IRN", "RUS", "IRN"]);
    /// assert_eq!(f.codes, vec![0, 1, 0]);
    /// assert_eq!(f.n_levels, 2);
    /// ```
    pub fn from_values<T: Hash + Eq + Clone>(name: impl Into<String>, values: &[T]) -> Factor {
        let mut map: HashMap<T, u32> = HashMap::with_capacity(values.len() / 4 + 1);
        let codes = values
            .iter()
            .map(|v| {
                let next = map.len() as u32;
                *map.entry(v.clone()).or_insert(next)
            })
            .collect();
        Factor {
            name: name.into(),
            codes,
            n_levels: map.len(),
        }
    }

    /// Codes numeric values (compared exactly; `-0.0` equals `0.0`).
    pub fn from_f64(name: impl Into<String>, values: &[f64]) -> Factor {
        let bits: Vec<u64> = values.iter().map(|v| (v + 0.0).to_bits()).collect();
        Factor::from_values(name, &bits)
    }

    /// Re-codes arbitrary integer codes densely (order of first appearance).
    pub fn from_codes(name: impl Into<String>, codes: &[u32]) -> Factor {
        Factor::from_values(name, codes)
    }

    /// Number of observations.
    pub fn len(&self) -> usize {
        self.codes.len()
    }

    /// True when there are no observations.
    pub fn is_empty(&self) -> bool {
        self.codes.is_empty()
    }

    /// The factor restricted to some rows, re-coded densely.
    pub fn subset(&self, rows: &[usize]) -> Factor {
        // All rows in order (no singleton or missing row removed): nothing to re-code.
        if rows.len() == self.codes.len() && rows.iter().enumerate().all(|(i, &r)| i == r) {
            return self.clone();
        }
        let codes: Vec<u32> = rows.iter().map(|&i| self.codes[i]).collect();
        Factor::from_codes(self.name.clone(), &codes)
    }

    /// Observations per level.
    pub fn counts(&self) -> Vec<usize> {
        let mut c = vec![0usize; self.n_levels];
        for &g in &self.codes {
            c[g as usize] += 1;
        }
        c
    }

    /// The interaction (every observed pair of levels is a level).
    pub fn interact(&self, other: &Factor) -> Factor {
        let pairs: Vec<u64> = self
            .codes
            .iter()
            .zip(&other.codes)
            .map(|(&a, &b)| ((a as u64) << 32) | b as u64)
            .collect();
        Factor::from_values(format!("{}#{}", self.name, other.name), &pairs)
    }

    /// True when every level of `self` occurs within a single level of `other` (e.g. firm
    /// fixed effects are nested in firm clusters; year effects are not).
    pub fn is_nested_in(&self, other: &Factor) -> bool {
        let mut parent = vec![u32::MAX; self.n_levels];
        for (&a, &b) in self.codes.iter().zip(&other.codes) {
            let p = &mut parent[a as usize];
            if *p == u32::MAX {
                *p = b;
            } else if *p != b {
                return false;
            }
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nesting() {
        let firm = Factor::from_values("firm", &[1, 1, 2, 2, 3]);
        let sector = Factor::from_values("sector", &[7, 7, 7, 7, 8]);
        let year = Factor::from_values("year", &[1, 2, 1, 2, 1]);
        assert!(firm.is_nested_in(&sector));
        assert!(!sector.is_nested_in(&firm));
        assert!(!year.is_nested_in(&firm));
        assert_eq!(firm.interact(&year).n_levels, 5);
    }
}
