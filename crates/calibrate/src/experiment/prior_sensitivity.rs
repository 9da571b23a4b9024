//! How much of a posterior is its prior, without running the model: the posterior draws are
//! reweighted by Pareto-smoothed importance sampling ([`crate::uncertainty::psis`]) to other
//! priors, and every fitted and derived value is summarised under each.
//!
//! Scenarios (rows of `prior_sensitivity.csv`):
//!
//! * `posterior`: the draws as they are (unweighted).
//! * `flat`: every prior that is not part of a hierarchy (the channel means `mu` with their panel
//!   or experiment-file priors, and any other parameter's own prior) replaced by a flat prior
//!   within the parameter's bounds: importance weights ∝ 1 / prior density. The hierarchy's own
//!   structure (`eta ~ N(0, 1)`, `tau ~ half-normal`) is kept: without it the episode values
//!   would have no common distribution.
//! * `panel_half`: every prior taken from a panel estimate (`prior = { from = … }`) with its
//!   mapping scale halved (mean and sd halved: e.g. the scale −0.01 instead of −0.02 per pp of
//!   growth), weights ∝ new density / old density.
//!
//! Per scenario the Pareto shape `k̂` of the weights and their effective sample size say
//! whether the reweighting is reliable (k̂ below `min(1 − 1/log₁₀ S, 0.7)`); a reweighting with
//! a larger k̂ is reported but flagged (`reliable = false`). With draws from chains that have
//! not converged the summaries inherit that (the weights correct the prior, not the mixing).
//!
//! Per value: mean, sd, the central `level` interval and whether it excludes 0; for the
//! posterior row also the prior's mean and sd and the ratio posterior sd / prior sd (near 1:
//! the data add little to the prior; a flat prior's sd is that of the uniform on the bounds).

use super::Experiment;
use crate::error::CalibrateError;
use crate::uncertainty::psis::{psis, weighted_summary, Psis};
use pressure_output::CsvTable;

/// A prior-reweighting scenario.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scenario {
    Posterior,
    Flat,
    PanelHalf,
}

impl Scenario {
    pub const ALL: [Scenario; 3] = [Scenario::Posterior, Scenario::Flat, Scenario::PanelHalf];

    pub fn name(self) -> &'static str {
        match self {
            Scenario::Posterior => "posterior",
            Scenario::Flat => "flat",
            Scenario::PanelHalf => "panel_half",
        }
    }
}

/// One value under one scenario.
#[derive(Debug, Clone, PartialEq)]
pub struct SensitivityRow {
    pub scenario: Scenario,
    pub value: String,
    pub mean: f64,
    pub sd: f64,
    pub low: f64,
    pub high: f64,
    /// Prior mean and sd (NaN for derived values); the posterior sd over the prior sd.
    pub prior_mean: f64,
    pub prior_sd: f64,
    pub sd_ratio: f64,
}

/// The weights of one scenario.
#[derive(Debug, Clone, PartialEq)]
pub struct ScenarioWeights {
    pub scenario: Scenario,
    /// The priors changed (fitted value names).
    pub changed: Vec<String>,
    pub k_hat: f64,
    pub ess: f64,
    pub reliable: bool,
}

/// Everything [`prior_sensitivity`] computes.
#[derive(Debug, Clone, PartialEq)]
pub struct PriorSensitivity {
    pub level: f64,
    pub draws: usize,
    pub scenarios: Vec<ScenarioWeights>,
    pub rows: Vec<SensitivityRow>,
}

/// Reweights posterior `draws` (each a vector of fitted values in
/// [`Experiment::parameter_names`]'s order, pooled over chains) to the scenarios above and
/// summarises every fitted and derived value (`mu + tau eta` per episode).
pub fn prior_sensitivity(
    exp: &Experiment,
    draws: &[Vec<f64>],
    level: f64,
) -> Result<PriorSensitivity, CalibrateError> {
    let names = exp.parameter_names();
    if draws.len() < 10 {
        return Err(CalibrateError::invalid(format!(
            "prior sensitivity needs at least 10 posterior draws, got {}",
            draws.len()
        )));
    }
    if let Some(d) = draws.iter().find(|d| d.len() != names.len()) {
        return Err(CalibrateError::invalid(format!(
            "a posterior draw has {} values but the experiment fits {} parameters",
            d.len(),
            names.len()
        )));
    }
    // Priors that belong to a hierarchy's structure (tau, eta) stay.
    let in_hierarchy = |j: usize| {
        exp.hierarchy
            .iter()
            .any(|g| g.tau == j || g.members.iter().any(|&(_, m)| m == j))
    };
    let from_panel = |j: usize| {
        exp.priors
            .iter()
            .any(|p| p.parameter == names[j] && p.source.starts_with("panel estimate"))
    };
    let normal_ln = |x: f64, m: f64, s: f64| {
        let z = (x - m) / s;
        -0.5 * z * z - s.ln()
    };
    // Log weight of a draw under each scenario.
    let log_weight = |scenario: Scenario, x: &[f64]| -> f64 {
        let mut lw = 0.0;
        for p in &exp.normal_priors {
            let j = p.param;
            match scenario {
                Scenario::Flat if !in_hierarchy(j) => lw -= normal_ln(x[j], p.mean, p.sd),
                Scenario::PanelHalf if from_panel(j) => {
                    lw += normal_ln(x[j], 0.5 * p.mean, 0.5 * p.sd) - normal_ln(x[j], p.mean, p.sd)
                }
                _ => {}
            }
        }
        if scenario == Scenario::Flat {
            for (j, p) in exp.params.iter().enumerate() {
                if let Some(d) = &p.prior {
                    if !in_hierarchy(j) {
                        lw -= super::prior_ln_pdf(d, x[j]);
                    }
                }
            }
        }
        lw
    };
    let changed = |scenario: Scenario| -> Vec<String> {
        (0..names.len())
            .filter(|&j| {
                let has_prior =
                    exp.normal_priors.iter().any(|p| p.param == j) || exp.params[j].prior.is_some();
                match scenario {
                    Scenario::Posterior => false,
                    Scenario::Flat => has_prior && !in_hierarchy(j),
                    Scenario::PanelHalf => from_panel(j),
                }
            })
            .map(|j| names[j].clone())
            .collect()
    };
    // Values per draw: fitted, then derived.
    let derived_names: Vec<String> = exp.derived(&draws[0]).into_iter().map(|d| d.0).collect();
    let values: Vec<Vec<f64>> = draws
        .iter()
        .map(|x| {
            let mut v = x.clone();
            v.extend(exp.derived(x).into_iter().map(|d| d.1));
            v
        })
        .collect();
    let all_names: Vec<&String> = names.iter().chain(&derived_names).collect();
    let prior_of = |name: &str| -> (f64, f64) {
        exp.priors
            .iter()
            .find(|p| p.parameter == name)
            .map_or((f64::NAN, f64::NAN), |p| (p.mean, p.sd))
    };
    let mut scenarios = Vec::new();
    let mut rows = Vec::new();
    for scenario in Scenario::ALL {
        let weights = if scenario == Scenario::Posterior {
            vec![1.0 / draws.len() as f64; draws.len()]
        } else {
            let lw: Vec<f64> = draws.iter().map(|x| log_weight(scenario, x)).collect();
            let p = psis(&lw).ok_or_else(|| {
                CalibrateError::invalid(format!(
                    "prior sensitivity `{}`: the importance weights are not finite",
                    scenario.name()
                ))
            })?;
            scenarios.push(ScenarioWeights {
                scenario,
                changed: changed(scenario),
                k_hat: p.k_hat,
                ess: p.ess(),
                reliable: p.k_hat < Psis::k_threshold(draws.len()),
            });
            p.weights()
        };
        for (i, name) in all_names.iter().enumerate() {
            let col: Vec<f64> = values.iter().map(|v| v[i]).collect();
            let (mean, sd, low, high) = weighted_summary(&col, &weights, level).unwrap_or((
                f64::NAN,
                f64::NAN,
                f64::NAN,
                f64::NAN,
            ));
            let (prior_mean, prior_sd) = prior_of(name);
            rows.push(SensitivityRow {
                scenario,
                value: (*name).clone(),
                mean,
                sd,
                low,
                high,
                prior_mean,
                prior_sd,
                sd_ratio: sd / prior_sd,
            });
        }
    }
    Ok(PriorSensitivity {
        level,
        draws: draws.len(),
        scenarios,
        rows,
    })
}

fn num(v: f64) -> String {
    if v.is_finite() {
        format!("{v}")
    } else {
        String::new()
    }
}

impl PriorSensitivity {
    /// `prior_sensitivity.csv`: `scenario, value, mean, sd, low, high, excludes_zero,
    /// prior_mean, prior_sd, sd_ratio, k_hat, ess, reliable, changed_priors, level, draws`
    /// (`low`/`high`: the central `level` interval; `sd_ratio` = sd / prior sd; `k_hat`, `ess`,
    /// `reliable`: the scenario's importance weights, empty for `posterior`; `changed_priors`:
    /// the fitted values whose prior the scenario replaces, `;`-separated).
    pub fn csv(&self) -> String {
        let mut out = CsvTable::with_header([
            "scenario",
            "value",
            "mean",
            "sd",
            "low",
            "high",
            "excludes_zero",
            "prior_mean",
            "prior_sd",
            "sd_ratio",
            "k_hat",
            "ess",
            "reliable",
            "changed_priors",
            "level",
            "draws",
        ]);
        for r in &self.rows {
            let w = self.scenarios.iter().find(|s| s.scenario == r.scenario);
            out.row([
                r.scenario.name().to_string(),
                r.value.clone(),
                num(r.mean),
                num(r.sd),
                num(r.low),
                num(r.high),
                (r.low > 0.0 || r.high < 0.0).to_string(),
                num(r.prior_mean),
                num(r.prior_sd),
                num(r.sd_ratio),
                w.map_or(String::new(), |w| num(w.k_hat)),
                w.map_or(String::new(), |w| num(w.ess)),
                w.map_or(String::new(), |w| w.reliable.to_string()),
                w.map_or(String::new(), |w| w.changed.join(";")),
                num(self.level),
                self.draws.to_string(),
            ]);
        }
        out.into_string()
    }
}
