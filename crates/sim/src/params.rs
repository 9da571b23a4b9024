//! Parameters: the model's constants, one value per element, overridable per run.

use std::ops::{Deref, DerefMut};

/// What the model says about one parameter (one element of an arrayed constant).
#[derive(Debug, Clone, PartialEq)]
pub struct ParameterInfo {
    /// `name`, or `name[element]` for an element of an arrayed constant.
    pub name: String,
    /// The constant's name without the element.
    pub variable: String,
    pub default: f64,
    pub units: Option<String>,
    /// Plausible range `[low, high]` from the model file.
    pub range: Option<(f64, f64)>,
    pub doc: Option<String>,
    pub source: Option<String>,
}

/// Parameter values for one run, in the order of `CompiledModel::parameters()`.
/// A plain `Vec<f64>` inside; index it with `CompiledModel::param_index`.
#[derive(Debug, Clone, PartialEq)]
pub struct ParamSet {
    values: Vec<f64>,
}

impl ParamSet {
    pub fn from_vec(values: Vec<f64>) -> Self {
        ParamSet { values }
    }

    pub fn into_vec(self) -> Vec<f64> {
        self.values
    }

    pub fn as_slice(&self) -> &[f64] {
        &self.values
    }

    pub fn set(&mut self, index: usize, value: f64) {
        self.values[index] = value;
    }

    pub fn get(&self, index: usize) -> f64 {
        self.values[index]
    }
}

impl Deref for ParamSet {
    type Target = [f64];
    fn deref(&self) -> &[f64] {
        &self.values
    }
}

impl DerefMut for ParamSet {
    fn deref_mut(&mut self) -> &mut [f64] {
        &mut self.values
    }
}
