//! The options of a steady-state search given as text, as `pressure steady` takes them:
//! closure parameters, held values (`NAME` or `NAME=V`), growth groups (`A,B,...`), excluded
//! stocks, tolerance and iterations.

use super::inputs::InputsError;
use crate::sim::{GrowthGroup, Hold, RunSettings};

/// Steady-state options as text.
#[derive(Debug, Clone, Copy)]
pub struct SteadyOptions<'a> {
    /// Closure parameters solved for.
    pub free: &'a [String],
    /// Values held: `NAME` (its initial value) or `NAME=V`.
    pub hold: &'a [String],
    /// Balanced-growth groups of level stocks, `A,B,...` (the first is the anchor).
    pub growth: &'a [String],
    /// Balanced-growth groups of log stocks, `A,B,...`.
    pub log_growth: &'a [String],
    /// Stocks left at their initial value whose net flow need not be zero.
    pub exclude: &'a [String],
    /// Largest scaled net flow accepted.
    pub tolerance: Option<f64>,
    /// Newton iterations per start.
    pub max_iterations: Option<usize>,
}

fn bad(message: String, help: &'static str) -> InputsError {
    InputsError::Override { message, help }
}

impl SteadyOptions<'_> {
    /// Adds the options to `settings.steady` (the model's own steady settings stay unless
    /// replaced).
    pub fn apply(&self, settings: &mut RunSettings) -> Result<(), InputsError> {
        let st = &mut settings.steady;
        st.free
            .extend(self.free.iter().map(|n| n.trim().to_string()));
        for h in self.hold {
            let (name, value) = match h.split_once('=') {
                Some((n, v)) => {
                    let x: f64 = v
                        .trim()
                        .parse()
                        .ok()
                        .filter(|x: &f64| x.is_finite())
                        .ok_or_else(|| {
                            bad(
                                format!("--hold {h}: '{}' is not a number", v.trim()),
                                "write --hold NAME=VALUE, or --hold NAME to hold the initial value",
                            )
                        })?;
                    (n.trim(), Some(x))
                }
                None => (h.trim(), None),
            };
            st.hold.push(Hold {
                name: name.to_string(),
                value,
            });
        }
        for (groups, log) in [(self.growth, false), (self.log_growth, true)] {
            for g in groups {
                let stocks: Vec<String> = g
                    .split(',')
                    .map(|n| n.trim().to_string())
                    .filter(|n| !n.is_empty())
                    .collect();
                if stocks.len() < 2 {
                    return Err(bad(
                        format!(
                            "--{}growth {g}: a growth group needs at least two stocks",
                            if log { "log-" } else { "" }
                        ),
                        "list the stocks comma-separated, the anchor first: --log-growth money.ln_money,money.ln_price",
                    ));
                }
                st.growth.push(GrowthGroup { stocks, log });
            }
        }
        st.exclude
            .extend(self.exclude.iter().map(|n| n.trim().to_string()));
        if let Some(t) = self.tolerance {
            st.tolerance = t;
        }
        if let Some(n) = self.max_iterations {
            st.max_iterations = n;
        }
        Ok(())
    }
}
