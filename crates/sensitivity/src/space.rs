//! A parameter space: named uncertain parameters with their marginal distributions.
//! Parameters are independent; a point of the unit hypercube maps to parameter values through
//! each marginal's quantile function.

use crate::distribution::Distribution;
use crate::error::{Result, SensitivityError};
use serde::{Deserialize, Serialize};

/// One uncertain parameter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Parameter {
    pub name: String,
    #[serde(flatten)]
    pub distribution: Distribution,
}

/// A validated set of independent uncertain parameters.
///
/// ```
/// use pressure_sensitivity::{Distribution, Parameter, ParameterSpace};
/// let space = ParameterSpace::new(vec![
///     Parameter { name: "a".into(), distribution: Distribution::uniform("a", 0.0, 2.0)? },
///     Parameter { name: "b".into(), distribution: Distribution::normal("b", 1.0, 0.1)? },
/// ])?;
/// let mut values = [0.0; 2];
/// space.to_values(&[0.25, 0.5], &mut values);
/// assert_eq!(values, [0.5, 1.0]);
/// # Ok::<(), pressure_sensitivity::SensitivityError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ParameterSpace {
    parameters: Vec<Parameter>,
}

impl ParameterSpace {
    /// Validates every distribution, rejects an empty space and duplicate names.
    pub fn new(parameters: Vec<Parameter>) -> Result<Self> {
        if parameters.is_empty() {
            return Err(SensitivityError::EmptySpace);
        }
        for (i, p) in parameters.iter().enumerate() {
            p.distribution.validated(&p.name)?;
            if parameters[..i].iter().any(|q| q.name == p.name) {
                return Err(SensitivityError::DuplicateParameter(p.name.clone()));
            }
        }
        Ok(ParameterSpace { parameters })
    }

    /// Uniform ranges, the common case: `(name, low, high)`.
    pub fn uniform(ranges: &[(&str, f64, f64)]) -> Result<Self> {
        let params = ranges
            .iter()
            .map(|&(name, low, high)| {
                Ok(Parameter {
                    name: name.to_string(),
                    distribution: Distribution::uniform(name, low, high)?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        ParameterSpace::new(params)
    }

    pub fn dims(&self) -> usize {
        self.parameters.len()
    }
    pub fn parameters(&self) -> &[Parameter] {
        &self.parameters
    }
    pub fn names(&self) -> Vec<&str> {
        self.parameters.iter().map(|p| p.name.as_str()).collect()
    }
    /// Which parameters have a bounded support (Morris levels use this).
    pub fn bounded(&self) -> Vec<bool> {
        self.parameters
            .iter()
            .map(|p| p.distribution.is_bounded())
            .collect()
    }

    /// Maps one unit-hypercube point to parameter values.
    #[inline]
    pub fn to_values(&self, unit: &[f64], values: &mut [f64]) {
        for ((p, &u), v) in self.parameters.iter().zip(unit).zip(values.iter_mut()) {
            *v = p.distribution.quantile(u);
        }
    }

    /// Maps many rows (row-major, `dims` columns) at once.
    pub fn rows_to_values(&self, unit: &[f64], values: &mut [f64]) {
        let d = self.dims();
        for (u, v) in unit.chunks_exact(d).zip(values.chunks_exact_mut(d)) {
            self.to_values(u, v);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_empty_and_duplicates() {
        assert!(matches!(
            ParameterSpace::new(vec![]),
            Err(SensitivityError::EmptySpace)
        ));
        let e = ParameterSpace::uniform(&[("a", 0.0, 1.0), ("a", 0.0, 2.0)]).unwrap_err();
        assert!(e.to_string().contains("`a` is listed twice"));
        let e = ParameterSpace::uniform(&[("a", 2.0, 1.0)]).unwrap_err();
        assert!(e.to_string().contains("inverted range"));
    }
}
