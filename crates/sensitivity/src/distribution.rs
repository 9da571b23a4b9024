//! Marginal distributions of uncertain parameters and their quantile functions.
//!
//! Samplers work in the unit hypercube; a parameter value is the distribution's quantile
//! (inverse CDF) at the unit coordinate, as SALib's `scale_samples` does. Parameterisations:
//!
//! | kind | fields | meaning |
//! |---|---|---|
//! | `uniform` | `low`, `high` | U(low, high); value = low + u (high - low) |
//! | `normal` | `mean`, `sd` | N(mean, sd²) |
//! | `lognormal` | `meanlog`, `sdlog` | ln X ~ N(meanlog, sdlog²) (natural log, as SALib's `lognorm`) |
//! | `triangular` | `low`, `mode`, `high` | triangular on [low, high] peaking at mode |
//! | `truncated_normal` | `mean`, `sd`, `low`, `high` | N(mean, sd²) restricted to [low, high] |

use crate::error::DistributionError;
use serde::{Deserialize, Serialize};
use statrs::function::erf::{erfc, erfc_inv};
use std::f64::consts::SQRT_2;

/// A validated marginal distribution. Build it with [`Distribution::validated`] (or the
/// constructors), which reject empty or inverted ranges and invalid parameters.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "distribution", rename_all = "snake_case", deny_unknown_fields)]
pub enum Distribution {
    Uniform {
        low: f64,
        high: f64,
    },
    Normal {
        mean: f64,
        sd: f64,
    },
    #[serde(rename = "lognormal")]
    LogNormal {
        meanlog: f64,
        sdlog: f64,
    },
    Triangular {
        low: f64,
        mode: f64,
        high: f64,
    },
    TruncatedNormal {
        mean: f64,
        sd: f64,
        low: f64,
        high: f64,
    },
}

/// Standard normal CDF, accurate in the lower tail (erfc-based).
#[inline]
pub(crate) fn std_normal_cdf(z: f64) -> f64 {
    0.5 * erfc(-z / SQRT_2)
}

/// Standard normal quantile.
#[inline]
pub(crate) fn std_normal_quantile(p: f64) -> f64 {
    -SQRT_2 * erfc_inv(2.0 * p)
}

impl Distribution {
    /// Uniform on `[low, high]`, validated; `name` is used in error messages.
    ///
    /// ```
    /// use pressure_sensitivity::Distribution;
    /// let d = Distribution::uniform("k", 1.0, 3.0).unwrap();
    /// assert_eq!(d.quantile(0.5), 2.0);
    /// assert!(Distribution::uniform("k", 3.0, 1.0).is_err()); // inverted
    /// assert!(Distribution::uniform("k", 1.0, 1.0).is_err()); // empty
    /// ```
    pub fn uniform(name: &str, low: f64, high: f64) -> Result<Self, DistributionError> {
        Distribution::Uniform { low, high }.validated(name)
    }
    pub fn normal(name: &str, mean: f64, sd: f64) -> Result<Self, DistributionError> {
        Distribution::Normal { mean, sd }.validated(name)
    }
    pub fn lognormal(name: &str, meanlog: f64, sdlog: f64) -> Result<Self, DistributionError> {
        Distribution::LogNormal { meanlog, sdlog }.validated(name)
    }
    pub fn triangular(
        name: &str,
        low: f64,
        mode: f64,
        high: f64,
    ) -> Result<Self, DistributionError> {
        Distribution::Triangular { low, mode, high }.validated(name)
    }
    pub fn truncated_normal(
        name: &str,
        mean: f64,
        sd: f64,
        low: f64,
        high: f64,
    ) -> Result<Self, DistributionError> {
        Distribution::TruncatedNormal {
            mean,
            sd,
            low,
            high,
        }
        .validated(name)
    }

    /// Returns `self` if its parameters are valid, otherwise an error naming the parameter.
    pub fn validated(self, name: &str) -> Result<Self, DistributionError> {
        let finite = |what: &'static str, value: f64| {
            if value.is_finite() {
                Ok(())
            } else {
                Err(DistributionError::NotFinite {
                    name: name.to_string(),
                    what,
                    value,
                })
            }
        };
        let positive = |what: &'static str, value: f64| {
            if value > 0.0 {
                Ok(())
            } else {
                Err(DistributionError::NotPositive {
                    name: name.to_string(),
                    what,
                    value,
                })
            }
        };
        let range = |low: f64, high: f64| {
            if low == high {
                Err(DistributionError::EmptyRange {
                    name: name.to_string(),
                    low,
                    high,
                })
            } else if low > high {
                Err(DistributionError::InvertedRange {
                    name: name.to_string(),
                    low,
                    high,
                })
            } else {
                Ok(())
            }
        };
        match self {
            Distribution::Uniform { low, high } => {
                finite("low", low)?;
                finite("high", high)?;
                range(low, high)?;
            }
            Distribution::Normal { mean, sd } => {
                finite("mean", mean)?;
                finite("sd", sd)?;
                positive("sd", sd)?;
            }
            Distribution::LogNormal { meanlog, sdlog } => {
                finite("meanlog", meanlog)?;
                finite("sdlog", sdlog)?;
                positive("sdlog", sdlog)?;
            }
            Distribution::Triangular { low, mode, high } => {
                finite("low", low)?;
                finite("mode", mode)?;
                finite("high", high)?;
                range(low, high)?;
                if !(low..=high).contains(&mode) {
                    return Err(DistributionError::ModeOutsideRange {
                        name: name.to_string(),
                        low,
                        mode,
                        high,
                    });
                }
            }
            Distribution::TruncatedNormal {
                mean,
                sd,
                low,
                high,
            } => {
                finite("mean", mean)?;
                finite("sd", sd)?;
                finite("low", low)?;
                finite("high", high)?;
                positive("sd", sd)?;
                range(low, high)?;
                let (pa, pb) = truncnorm_masses((low - mean) / sd, (high - mean) / sd);
                if pb - pa <= 0.0 || !(pb - pa).is_finite() {
                    return Err(DistributionError::NoMass {
                        name: name.to_string(),
                        mean,
                        sd,
                        low,
                        high,
                    });
                }
            }
        }
        Ok(self)
    }

    /// Quantile function (inverse CDF) at `u` in [0, 1]. Bounded distributions return their
    /// bounds at 0 and 1; unbounded ones return ±infinity there, so samplers draw from the open
    /// interval (0, 1) (see [`pressure_stats::rng::unit_open`]).
    pub fn quantile(&self, u: f64) -> f64 {
        match *self {
            // Same arithmetic as SALib: u * (high - low) + low.
            Distribution::Uniform { low, high } => u * (high - low) + low,
            Distribution::Normal { mean, sd } => mean + sd * std_normal_quantile(u),
            Distribution::LogNormal { meanlog, sdlog } => {
                (meanlog + sdlog * std_normal_quantile(u)).exp()
            }
            Distribution::Triangular { low, mode, high } => {
                let width = high - low;
                let c = (mode - low) / width;
                if u <= c {
                    low + (u * width * (mode - low)).sqrt()
                } else {
                    high - ((1.0 - u) * width * (high - mode)).sqrt()
                }
            }
            Distribution::TruncatedNormal {
                mean,
                sd,
                low,
                high,
            } => {
                let a = (low - mean) / sd;
                let b = (high - mean) / sd;
                let z = if a > 0.0 {
                    // Entirely in the upper tail: reflect so the CDF differences are taken where
                    // they are accurate (the lower tail of erfc).
                    -truncnorm_std_quantile(-b, -a, 1.0 - u)
                } else {
                    truncnorm_std_quantile(a, b, u)
                };
                (mean + sd * z).clamp(low, high)
            }
        }
    }

    /// Whether the support is bounded on both sides (uniform, triangular, truncated normal).
    pub fn is_bounded(&self) -> bool {
        !matches!(
            self,
            Distribution::Normal { .. } | Distribution::LogNormal { .. }
        )
    }

    /// The median (quantile at 0.5): a natural nominal value when the model gives none.
    pub fn median(&self) -> f64 {
        self.quantile(0.5)
    }

    /// Short name of the kind, as written in experiment files.
    pub fn kind(&self) -> &'static str {
        match self {
            Distribution::Uniform { .. } => "uniform",
            Distribution::Normal { .. } => "normal",
            Distribution::LogNormal { .. } => "lognormal",
            Distribution::Triangular { .. } => "triangular",
            Distribution::TruncatedNormal { .. } => "truncated_normal",
        }
    }
}

fn truncnorm_masses(a: f64, b: f64) -> (f64, f64) {
    if a > 0.0 {
        // Reflect for accuracy in the upper tail.
        let (pa, pb) = (std_normal_cdf(-b), std_normal_cdf(-a));
        (pa, pb)
    } else {
        (std_normal_cdf(a), std_normal_cdf(b))
    }
}

/// Quantile of the standard normal truncated to [a, b] with a <= 0 (lower tail accurate).
fn truncnorm_std_quantile(a: f64, b: f64, u: f64) -> f64 {
    let pa = std_normal_cdf(a);
    let pb = std_normal_cdf(b);
    std_normal_quantile(pa + u * (pb - pa)).clamp(a, b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normal_quantiles_match_scipy() {
        // scipy.stats.norm.ppf(0.975) = 1.959963984540054, ppf(0.001) = -3.090232306167813
        let d = Distribution::normal("x", 0.0, 1.0).unwrap();
        assert!((d.quantile(0.975) - 1.959963984540054).abs() < 1e-13);
        assert!((d.quantile(0.001) + 3.090232306167813).abs() < 1e-12);
        let d = Distribution::normal("x", 10.0, 2.0).unwrap();
        assert!((d.quantile(0.5) - 10.0).abs() < 1e-14);
    }

    #[test]
    fn lognormal_and_triangular() {
        let d = Distribution::lognormal("x", 0.0, 1.0).unwrap();
        assert!((d.quantile(0.5) - 1.0).abs() < 1e-14);
        // scipy.stats.lognorm.ppf(0.9, s=1) = 3.6022244792791573
        assert!((d.quantile(0.9) - 3.6022244792791573).abs() < 1e-12);
        // scipy.stats.triang.ppf([0.1, 0.7], c=0.25, loc=1, scale=4)
        //   = [1.632455532033676, 3.102633403898972]
        let t = Distribution::triangular("x", 1.0, 2.0, 5.0).unwrap();
        assert!((t.quantile(0.1) - 1.632455532033676).abs() < 1e-13);
        assert!((t.quantile(0.7) - 3.102633403898972).abs() < 1e-13);
        assert_eq!(t.quantile(0.0), 1.0);
        assert_eq!(t.quantile(1.0), 5.0);
    }

    #[test]
    fn truncated_normal_matches_scipy() {
        // statrs' erfc is good to about 1e-12 absolute, hence the 1e-10 tolerance.
        // scipy.stats.truncnorm.ppf(0.3, -1, 2, loc=0, scale=1) = -0.2424038178892269
        let d = Distribution::truncated_normal("x", 0.0, 1.0, -1.0, 2.0).unwrap();
        assert!((d.quantile(0.3) + 0.2424038178892269).abs() < 1e-10);
        // Far upper tail: scipy.stats.truncnorm.ppf(0.5, 6, 7) = 6.111358215508885
        let d = Distribution::truncated_normal("x", 0.0, 1.0, 6.0, 7.0).unwrap();
        assert!((d.quantile(0.5) - 6.111358215508885).abs() < 1e-9);
        assert_eq!(d.quantile(0.0), 6.0);
    }

    #[test]
    fn invalid_parameters_are_named() {
        let e = Distribution::uniform("tax_rate", 0.5, 0.2).unwrap_err();
        assert!(e.to_string().contains("tax_rate") && e.to_string().contains("inverted"));
        let e = Distribution::uniform("tax_rate", 0.5, 0.5).unwrap_err();
        assert!(e.to_string().contains("empty range"));
        let e = Distribution::normal("g", 1.0, 0.0).unwrap_err();
        assert!(e.to_string().contains("sd must be positive"));
        let e = Distribution::lognormal("g", 1.0, -1.0).unwrap_err();
        assert!(e.to_string().contains("sdlog"));
        let e = Distribution::triangular("g", 0.0, 2.0, 1.0).unwrap_err();
        assert!(e.to_string().contains("mode"));
        let e = Distribution::uniform("g", f64::NAN, 1.0).unwrap_err();
        assert!(e.to_string().contains("finite"));
        let e = Distribution::truncated_normal("g", 0.0, 1.0, 60.0, 70.0).unwrap_err();
        assert!(e.to_string().contains("no probability mass"), "{e}");
    }
}
