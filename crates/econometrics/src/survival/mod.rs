//! Survival analysis: Kaplan–Meier, Cox proportional hazards (Efron or Breslow ties,
//! counting-process `(start, stop]` data for time-varying covariates, strata, cluster-robust
//! variance) and the Weibull proportional-hazards model.
//!
//! Data are spells: subject at risk on `(start, stop]`, with `event = 1` when the spell ends
//! in the event. A subject with time-varying covariates is split into consecutive spells, only
//! the last of which can carry the event. Without `start` every spell starts at 0.

mod cox;
mod km;
mod weibull;

pub use cox::{cox, CoxOptions, CoxResult, Ties};
pub use km::{kaplan_meier, KaplanMeier, KmConfidence};
pub use weibull::{weibull, WeibullOptions, WeibullResult};

use crate::error::{EconError, Result};

/// Spells of survival data (borrowed columns).
#[derive(Debug, Clone, Copy)]
pub struct Spells<'a> {
    /// Start of each spell (entry / left truncation); `None` = 0 for all.
    pub start: Option<&'a [f64]>,
    /// End of each spell.
    pub stop: &'a [f64],
    /// 1 when the spell ends in the event, 0 when censored.
    pub event: &'a [f64],
}

impl<'a> Spells<'a> {
    /// Spells starting at 0.
    pub fn new(stop: &'a [f64], event: &'a [f64]) -> Self {
        Spells {
            start: None,
            stop,
            event,
        }
    }

    /// Counting-process spells `(start, stop]`.
    pub fn counting(start: &'a [f64], stop: &'a [f64], event: &'a [f64]) -> Self {
        Spells {
            start: Some(start),
            stop,
            event,
        }
    }

    /// Number of spells.
    pub fn len(&self) -> usize {
        self.stop.len()
    }

    /// True when there are no spells.
    pub fn is_empty(&self) -> bool {
        self.stop.is_empty()
    }

    /// Start of spell `i`.
    pub fn start_of(&self, i: usize) -> f64 {
        self.start.map_or(0.0, |s| s[i])
    }

    /// Checks lengths, finiteness, `event ∈ {0, 1}` and `stop > start` (a spell that ends
    /// before or when it starts is an [`EconError::SpellOrder`] naming the row, 1-based over
    /// the spells given).
    pub fn validate(&self) -> Result<()> {
        let n = self.stop.len();
        if self.event.len() != n || self.start.is_some_and(|s| s.len() != n) {
            return Err(EconError::Dimension(
                "start, stop and event columns differ in length".into(),
            ));
        }
        if n == 0 {
            return Err(EconError::EmptySample {
                reason: "no survival spells".into(),
            });
        }
        for i in 0..n {
            let (a, b, d) = (self.start_of(i), self.stop[i], self.event[i]);
            if !a.is_finite() || !b.is_finite() {
                return Err(EconError::NonFinite {
                    name: if a.is_finite() { "stop" } else { "start" }.into(),
                    row: i + 1,
                });
            }
            if b <= a {
                return Err(EconError::SpellOrder {
                    row: i + 1,
                    start: a,
                    stop: b,
                });
            }
            if d != 0.0 && d != 1.0 {
                return Err(EconError::Invalid(format!(
                    "event indicator must be 0 or 1; spell {} has {d}",
                    i + 1
                )));
            }
        }
        Ok(())
    }
}
