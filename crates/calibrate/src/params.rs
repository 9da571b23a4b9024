//! Parameters to fit: names, start values, bounds, and the map to an unbounded internal space.
//!
//! Optimisers work on internal coordinates `z ∈ ℝⁿ`; a parameter with two finite bounds is
//! `x = lo + (hi − lo)·σ(z)` (logistic), one with only a lower bound `x = lo + eᶻ`, only an upper
//! bound `x = hi − eᶻ`, and an unbounded one `x = z`. Bounds are therefore never violated, and an
//! unconstrained method (LM, Nelder–Mead, L-BFGS) handles them. A start value must lie strictly
//! inside its bounds (its internal coordinate would otherwise be infinite).

use crate::error::CalibrateError;
use serde::{Deserialize, Serialize};

/// One parameter to fit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ParamSpec {
    pub name: String,
    /// Start value (strictly inside the bounds).
    pub start: f64,
    /// Lower bound (`-inf` for none).
    #[serde(default = "neg_inf")]
    pub lower: f64,
    /// Upper bound (`+inf` for none).
    #[serde(default = "pos_inf")]
    pub upper: f64,
}

fn neg_inf() -> f64 {
    f64::NEG_INFINITY
}
fn pos_inf() -> f64 {
    f64::INFINITY
}

impl ParamSpec {
    pub fn new(name: impl Into<String>, start: f64, lower: f64, upper: f64) -> Self {
        ParamSpec {
            name: name.into(),
            start,
            lower,
            upper,
        }
    }

    /// An unbounded parameter.
    pub fn free(name: impl Into<String>, start: f64) -> Self {
        ParamSpec::new(name, start, f64::NEG_INFINITY, f64::INFINITY)
    }

    pub fn transform(&self) -> Transform {
        match (self.lower.is_finite(), self.upper.is_finite()) {
            (true, true) => Transform::Logit {
                lower: self.lower,
                upper: self.upper,
            },
            (true, false) => Transform::LogLower { lower: self.lower },
            (false, true) => Transform::LogUpper { upper: self.upper },
            (false, false) => Transform::Identity,
        }
    }

    /// Checks the bounds and the start value, naming the parameter in the error.
    pub fn validate(&self) -> Result<(), CalibrateError> {
        let name = &self.name;
        if self.lower.is_nan()
            || self.upper.is_nan()
            || self.lower == f64::INFINITY
            || self.upper == f64::NEG_INFINITY
        {
            return Err(CalibrateError::invalid(format!(
                "parameter `{name}`: bounds [{}, {}] are not valid numbers",
                self.lower, self.upper
            )));
        }
        if self.lower >= self.upper {
            return Err(CalibrateError::invalid(format!(
                "parameter `{name}`: lower bound {} must be below upper bound {}",
                self.lower, self.upper
            )));
        }
        if !self.start.is_finite() {
            return Err(CalibrateError::invalid(format!(
                "parameter `{name}`: start value {} is not a finite number",
                self.start
            )));
        }
        if self.start <= self.lower || self.start >= self.upper {
            return Err(CalibrateError::invalid(format!(
                "parameter `{name}`: start value {} lies outside its bounds ({}, {}); it must be strictly inside",
                self.start, self.lower, self.upper
            )));
        }
        Ok(())
    }
}

/// The map between a parameter's value `x` and its internal coordinate `z`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum Transform {
    Identity,
    LogLower { lower: f64 },
    LogUpper { upper: f64 },
    Logit { lower: f64, upper: f64 },
}

impl Transform {
    /// `x → z`. Infinite at the bounds.
    pub fn to_internal(self, x: f64) -> f64 {
        match self {
            Transform::Identity => x,
            Transform::LogLower { lower } => (x - lower).ln(),
            Transform::LogUpper { upper } => (upper - x).ln(),
            Transform::Logit { lower, upper } => ((x - lower) / (upper - x)).ln(),
        }
    }

    /// `z` moved off a bound for starting a sampler: an estimate on a bound sits at a huge
    /// internal coordinate (LM drives `z` towards ±∞ there, up to the point where `x(z)`
    /// rounds to the bound), where the posterior is flat in `z` and a chain cannot move. The
    /// coordinate is clamped to that of the point 10⁻⁴ of the range (logit) or
    /// 10⁻⁴·max(1, |bound|) (log) inside the bound; an interior estimate is unchanged.
    pub fn start_inside(self, z: f64) -> f64 {
        const INSIDE: f64 = 1e-4;
        let log_floor = |bound: f64| (INSIDE * bound.abs().max(1.0)).ln();
        match self {
            Transform::Identity => z,
            Transform::LogLower { lower } => z.max(log_floor(lower)),
            Transform::LogUpper { upper } => z.max(log_floor(upper)),
            Transform::Logit { .. } => {
                let edge = ((1.0 - INSIDE) / INSIDE).ln();
                if z.is_nan() {
                    z
                } else {
                    z.clamp(-edge, edge)
                }
            }
        }
    }

    /// `z → x`, always within the bounds (the bound itself for |z| beyond float range).
    pub fn to_external(self, z: f64) -> f64 {
        match self {
            Transform::Identity => z,
            Transform::LogLower { lower } => lower + z.exp(),
            Transform::LogUpper { upper } => upper - z.exp(),
            Transform::Logit { lower, upper } => {
                // Evaluate the logistic on the side where it does not lose digits.
                let x = if z >= 0.0 {
                    lower + (upper - lower) / (1.0 + (-z).exp())
                } else {
                    let e = z.exp();
                    lower + (upper - lower) * e / (1.0 + e)
                };
                x.clamp(lower, upper)
            }
        }
    }

    /// `dx/dz` at `z` (for the chain rule and the delta method).
    pub fn derivative(self, z: f64) -> f64 {
        match self {
            Transform::Identity => 1.0,
            Transform::LogLower { .. } => z.exp(),
            Transform::LogUpper { .. } => -z.exp(),
            Transform::Logit { lower, upper } => {
                let e = (-z.abs()).exp();
                (upper - lower) * e / ((1.0 + e) * (1.0 + e))
            }
        }
    }

    /// `ln |dx/dz|`: the log-Jacobian a density picks up when sampled in internal space.
    pub fn ln_abs_derivative(self, z: f64) -> f64 {
        match self {
            Transform::Identity => 0.0,
            Transform::LogLower { .. } | Transform::LogUpper { .. } => z,
            Transform::Logit { lower, upper } => {
                // ln((hi−lo) σ(z) σ(−z)) = ln(hi−lo) − |z| − 2 ln(1 + e^{−|z|})
                (upper - lower).ln() - z.abs() - 2.0 * (-z.abs()).exp().ln_1p()
            }
        }
    }
}

/// A validated, ordered set of parameters.
///
/// ```
/// use pressure_calibrate::params::{ParamSet, ParamSpec};
/// let set = ParamSet::new(vec![
///     ParamSpec::new("growth", 0.1, 0.0, 1.0),
///     ParamSpec::new("capacity", 500.0, 0.0, f64::INFINITY),
/// ]).unwrap();
/// let z = set.start_internal();
/// assert!((set.to_external_vec(&z)[1] - 500.0).abs() < 1e-9);
/// assert!(ParamSet::new(vec![ParamSpec::new("k", 2.0, 1.0, 1.0)]).is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ParamSet {
    specs: Vec<ParamSpec>,
}

impl ParamSet {
    pub fn new(specs: Vec<ParamSpec>) -> Result<Self, CalibrateError> {
        if specs.is_empty() {
            return Err(CalibrateError::invalid("no parameters to fit"));
        }
        for (i, s) in specs.iter().enumerate() {
            s.validate()?;
            if specs[..i].iter().any(|t| t.name == s.name) {
                return Err(CalibrateError::invalid(format!(
                    "parameter `{}` is listed twice",
                    s.name
                )));
            }
        }
        Ok(ParamSet { specs })
    }

    pub fn len(&self) -> usize {
        self.specs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.specs.is_empty()
    }

    pub fn specs(&self) -> &[ParamSpec] {
        &self.specs
    }

    pub fn names(&self) -> Vec<&str> {
        self.specs.iter().map(|s| s.name.as_str()).collect()
    }

    pub fn index_of(&self, name: &str) -> Option<usize> {
        self.specs.iter().position(|s| s.name == name)
    }

    pub fn transforms(&self) -> Vec<Transform> {
        self.specs.iter().map(ParamSpec::transform).collect()
    }

    pub fn start_external(&self) -> Vec<f64> {
        self.specs.iter().map(|s| s.start).collect()
    }

    pub fn start_internal(&self) -> Vec<f64> {
        self.to_internal_vec(&self.start_external())
    }

    pub fn to_internal_vec(&self, x: &[f64]) -> Vec<f64> {
        self.specs
            .iter()
            .zip(x)
            .map(|(s, &v)| s.transform().to_internal(v))
            .collect()
    }

    pub fn to_external(&self, z: &[f64], x: &mut [f64]) {
        for ((s, &zi), xi) in self.specs.iter().zip(z).zip(x.iter_mut()) {
            *xi = s.transform().to_external(zi);
        }
    }

    pub fn to_external_vec(&self, z: &[f64]) -> Vec<f64> {
        let mut x = vec![0.0; z.len()];
        self.to_external(z, &mut x);
        x
    }

    /// Whether `x` lies strictly inside every bound.
    pub fn contains(&self, x: &[f64]) -> bool {
        self.specs
            .iter()
            .zip(x)
            .all(|(s, &v)| v > s.lower && v < s.upper)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn starts_on_a_bound_move_inside() {
        let t = Transform::Logit {
            lower: 0.0,
            upper: 2.0,
        };
        // On the bound (z = -inf or a huge negative z): 1e-4 of the range inside.
        assert!((t.to_external(t.start_inside(f64::NEG_INFINITY)) - 2e-4).abs() < 1e-12);
        assert!((t.to_external(t.start_inside(-800.0)) - 2e-4).abs() < 1e-12);
        assert!((t.to_external(t.start_inside(800.0)) - (2.0 - 2e-4)).abs() < 1e-12);
        assert_eq!(t.start_inside(1.5), 1.5);
        let l = Transform::LogLower { lower: -5.0 };
        assert!((l.to_external(l.start_inside(-900.0)) - (-5.0 + 5e-4)).abs() < 1e-12);
        assert_eq!(l.start_inside(0.3), 0.3);
        let u = Transform::LogUpper { upper: 0.5 };
        assert!((u.to_external(u.start_inside(-900.0)) - (0.5 - 1e-4)).abs() < 1e-12);
        assert_eq!(Transform::Identity.start_inside(-900.0), -900.0);
    }

    #[test]
    fn transforms_round_trip_and_respect_bounds() {
        let cases = [
            (Transform::Identity, -3.5),
            (Transform::LogLower { lower: 2.0 }, 2.5),
            (Transform::LogUpper { upper: -1.0 }, -7.0),
            (
                Transform::Logit {
                    lower: 0.0,
                    upper: 1.0,
                },
                0.999,
            ),
            (
                Transform::Logit {
                    lower: -5.0,
                    upper: 1e4,
                },
                -4.9,
            ),
        ];
        for (t, x) in cases {
            let z = t.to_internal(x);
            assert!(
                (t.to_external(z) - x).abs() <= 1e-12 * (1.0 + x.abs()),
                "{t:?}"
            );
            // Derivative against a central difference.
            let h = 1e-6;
            let fd = (t.to_external(z + h) - t.to_external(z - h)) / (2.0 * h);
            assert!(
                (fd - t.derivative(z)).abs() < 1e-7 * (1.0 + fd.abs()),
                "{t:?}"
            );
            assert!((t.ln_abs_derivative(z) - t.derivative(z).abs().ln()).abs() < 1e-12);
        }
        let t = Transform::Logit {
            lower: 1.0,
            upper: 2.0,
        };
        assert_eq!(t.to_external(1e6), 2.0);
        assert_eq!(t.to_external(-1e6), 1.0);
    }

    #[test]
    fn bad_bounds_and_starts_are_named_in_the_error() {
        let e = ParamSpec::new("k", 1.5, 2.0, 1.0).validate().unwrap_err();
        assert!(
            e.to_string().contains("`k`") && e.to_string().contains("below upper"),
            "{e}"
        );
        let e = ParamSpec::new("k", 1.0, 1.0, 1.0).validate().unwrap_err();
        assert!(e.to_string().contains("below upper"), "{e}");
        let e = ParamSpec::new("r", 3.0, 0.0, 1.0).validate().unwrap_err();
        assert!(e.to_string().contains("outside its bounds"), "{e}");
        let e = ParamSpec::new("r", 0.0, 0.0, 1.0).validate().unwrap_err();
        assert!(e.to_string().contains("strictly inside"), "{e}");
        let e =
            ParamSet::new(vec![ParamSpec::free("a", 1.0), ParamSpec::free("a", 2.0)]).unwrap_err();
        assert!(e.to_string().contains("twice"), "{e}");
    }
}
