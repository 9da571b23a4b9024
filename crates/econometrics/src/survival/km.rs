//! The Kaplan–Meier estimator with Greenwood standard errors.

use super::Spells;
use crate::error::Result;
use serde::Serialize;
use statrs::distribution::{ContinuousCDF, Normal};

/// Scale on which confidence intervals of the survival function are built.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KmConfidence {
    /// `S·exp(±z·σ)` with `σ² = Σ d/(n(n−d))`, capped at 1 (R `survfit` default).
    Log,
    /// `S^exp(±z·σ/log S)` (Kalbfleisch–Prentice; Stata and lifelines default). The default.
    #[default]
    LogLog,
    /// `S ± z·SE(S)`, clipped to [0, 1].
    Plain,
}

/// The Kaplan–Meier estimate at each distinct time with an event.
#[derive(Debug, Clone, Serialize)]
pub struct KaplanMeier {
    /// The distinct event times, increasing.
    pub time: Vec<f64>,
    /// Spells at risk just before `time` (`start < time ≤ stop`).
    pub n_risk: Vec<usize>,
    /// Events at `time`.
    pub n_event: Vec<usize>,
    /// Spells censored in `[time, next time)`.
    pub n_censored: Vec<usize>,
    /// The estimate of `S` just after `time`.
    pub survival: Vec<f64>,
    /// Greenwood standard error of `survival`.
    pub std_error: Vec<f64>,
    /// Lower ends of the pointwise confidence intervals.
    pub ci_lower: Vec<f64>,
    /// Upper ends of the pointwise confidence intervals.
    pub ci_upper: Vec<f64>,
    /// Confidence level of the intervals.
    pub level: f64,
    /// The scale the intervals were built on.
    pub confidence: KmConfidence,
    /// Median survival time: the first time with `S ≤ 0.5` (the midpoint of the flat stretch
    /// when `S` equals 0.5 exactly, as R); `None` if `S` stays above 0.5.
    pub median: Option<f64>,
    /// Spells used.
    pub n_obs: usize,
    /// Events among them.
    pub n_events: usize,
}

/// Kaplan–Meier survival curve of the spells (left truncation through `start` is honoured).
///
/// ```
/// use pressure_econometrics::survival::{kaplan_meier, KmConfidence, Spells};
/// let t = [1.0, 2.0, 2.0, 3.0];
/// let d = [1.0, 1.0, 0.0, 1.0];
/// let km = kaplan_meier(&Spells::new(&t, &d), 0.95, KmConfidence::LogLog).unwrap();
/// assert_eq!(km.survival, vec![0.75, 0.5, 0.0]);
/// ```
pub fn kaplan_meier(
    spells: &Spells<'_>,
    level: f64,
    confidence: KmConfidence,
) -> Result<KaplanMeier> {
    spells.validate()?;
    let n = spells.len();
    let mut times: Vec<f64> = (0..n)
        .filter(|&i| spells.event[i] == 1.0)
        .map(|i| spells.stop[i])
        .collect();
    times.sort_by(f64::total_cmp);
    times.dedup();
    let z = Normal::standard().inverse_cdf(0.5 + 0.5 * level);
    let mut out = KaplanMeier {
        time: vec![],
        n_risk: vec![],
        n_event: vec![],
        n_censored: vec![],
        survival: vec![],
        std_error: vec![],
        ci_lower: vec![],
        ci_upper: vec![],
        level,
        confidence,
        median: None,
        n_obs: n,
        n_events: spells.event.iter().filter(|&&d| d == 1.0).count(),
    };
    let sorted = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v
    };
    let starts = sorted((0..n).map(|i| spells.start_of(i)).collect());
    let stops = sorted(spells.stop.to_vec());
    let event_times = sorted(
        (0..n)
            .filter(|&i| spells.event[i] == 1.0)
            .map(|i| spells.stop[i])
            .collect(),
    );
    let censor_times = sorted(
        (0..n)
            .filter(|&i| spells.event[i] == 0.0)
            .map(|i| spells.stop[i])
            .collect(),
    );
    let mut s = 1.0;
    let mut greenwood = 0.0;
    for (j, &t) in times.iter().enumerate() {
        let next = times.get(j + 1).copied().unwrap_or(f64::INFINITY);
        // at risk: start < t ≤ stop  ⇔  #{start < t} − #{stop < t}
        let at_risk = starts.partition_point(|&a| a < t) - stops.partition_point(|&b| b < t);
        let events =
            event_times.partition_point(|&b| b <= t) - event_times.partition_point(|&b| b < t);
        let censored =
            censor_times.partition_point(|&b| b < next) - censor_times.partition_point(|&b| b < t);
        let (r, d) = (at_risk as f64, events as f64);
        s *= 1.0 - d / r;
        if r > d {
            greenwood += d / (r * (r - d));
        } else {
            greenwood = f64::INFINITY;
        }
        let se = s * greenwood.sqrt();
        let (lo, hi) = match confidence {
            KmConfidence::Log => {
                let w = z * greenwood.sqrt();
                (s * (-w).exp(), (s * w.exp()).min(1.0))
            }
            KmConfidence::LogLog => {
                if s > 0.0 && s < 1.0 {
                    let w = z * greenwood.sqrt() / s.ln().abs();
                    (s.powf(w.exp()), s.powf((-w).exp()))
                } else {
                    (f64::NAN, f64::NAN)
                }
            }
            KmConfidence::Plain => ((s - z * se).max(0.0), (s + z * se).min(1.0)),
        };
        out.time.push(t);
        out.n_risk.push(at_risk);
        out.n_event.push(events);
        out.n_censored.push(censored);
        out.survival.push(s);
        out.std_error
            .push(if se.is_finite() { se } else { f64::NAN });
        out.ci_lower.push(lo);
        out.ci_upper.push(hi);
    }
    out.median = out.survival.iter().position(|&v| v <= 0.5).map(|j| {
        if (out.survival[j] - 0.5).abs() < 1e-12 {
            match out.time.get(j + 1) {
                Some(&next) => 0.5 * (out.time[j] + next),
                None => out.time[j],
            }
        } else {
            out.time[j]
        }
    });
    Ok(out)
}
