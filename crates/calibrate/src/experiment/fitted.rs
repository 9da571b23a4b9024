//! The fitted parameters of an experiment: `[[parameter]]` entries expanded into the vector the
//! optimisers and samplers see, with their priors and the hierarchy of episode-specific effects.
//!
//! ## Priors
//!
//! `prior` is either a distribution (`{ distribution = "normal", mean = 0.02, sd = 0.01 }`,
//! `uniform`, `lognormal`, `triangular`, `truncated_normal`, as in the sensitivity crate) or a
//! panel estimate:
//!
//! ```toml
//! prior = { from = "../estimate/priors/growth_by_type.json", model = "TWFE", term = "sanc_us", scale = -0.0125 }
//! ```
//!
//! which reads the `pressure estimate` prior table (`pressure-estimate-priors/1`, relative to
//! the experiment file) and puts a **normal prior on the parameter** with mean
//! `shift + scale · estimate` and standard deviation `|scale| · std_error · sd_factor`
//! (`shift` 0 and `sd_factor` 1 by default). The `scale` is the documented transform from the
//! panel's effect to the model's parameter: a panel effect of `b` percentage points of annual
//! growth while a sanction indicator is on is, for a model drag `d` (log points a year at full
//! pressure, as a fraction) and a typical pressure `p̄` (intensity × coverage) of the episodes the
//! indicator codes, `d = −b / (100 p̄)` to first order (ln(1 + b/100) ≈ b/100 for small `b`),
//! so `scale = −1 / (100 p̄)`. The experiment file states `p̄` in a comment; it is a coding
//! assumption like the timelines' intensities. A missing file, model or term is an error at the
//! prior's line.
//!
//! **Normal priors enter the estimate as well as the posterior**: each is a pseudo-observation
//! `(x − mean)/sd` with known σ = 1 in the least-squares objective, so the point estimate is the
//! posterior mode (penalised likelihood; Theil & Goldberger's mixed estimation), the Jacobian
//! covariance and profiles include the prior, and the MCMC target gets it once through the
//! likelihood. Other distributions (and flat priors within the bounds) only shape the MCMC
//! posterior.
//!
//! ## Hierarchy (partial pooling)
//!
//! ```toml
//! [[parameter]]
//! name = "fiscal.drag_finance"
//! start = 0.02
//! lower = -0.2                   # bounds of the channel mean mu
//! upper = 0.5
//! prior = { distribution = "normal", mean = 0.02, sd = 0.02 }   # prior of mu
//! hierarchical = { tau_scale = 0.03, parameterisation = "non_centred", episodes = ["iran_2011", "russia_2014"] }
//! ```
//!
//! makes the parameter episode-specific, `drag_e ~ Normal(mu, tau)`, with a channel mean `mu`
//! (`name:mu`, the parameter's bounds, start and prior) and spread `tau` (`name:tau`, a
//! half-normal prior with scale `tau_scale`, bounds `[0, tau_upper]`, default upper
//! `10 tau_scale`, start `tau_start`, default `tau_scale / 2`). In the **non-centred**
//! parameterisation (the default) each episode has a standard-normal offset `name:eta@episode`
//! and `drag_e = mu + tau eta_e`; the estimate is then the joint posterior mode in
//! `(mu, tau, eta)`, which exists (in the centred coordinates the density grows without bound as
//! `tau → 0`: Neal's funnel). In the **centred** parameterisation the sampler moves
//! `drag_e` itself (`name@episode`), with density `Normal(drag_e; mu, tau)`; the estimate is the
//! same mode. Reports list the derived `name@episode` values either way.

use crate::error::CalibrateError;
use crate::params::ParamSpec;
use pressure_sensitivity::Distribution;
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// What a fitted value does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    /// Sets its model parameter (in every episode, or in `FittedParam::episode`).
    Direct,
    /// The mean `mu` of hierarchy group `g`.
    Mean(usize),
    /// The spread `tau` of group `g`.
    Sd(usize),
    /// The standard-normal offset `eta` of one episode in group `g`: the episode's model
    /// value is `mu + tau eta`. (The centred parameterisation is a change of the sampler's
    /// coordinates, not of this vector.)
    Offset(usize),
}

/// One fitted value.
#[derive(Debug, Clone)]
pub(crate) struct FittedParam {
    pub spec: ParamSpec,
    /// Model parameter indices it sets (several for an arrayed constant; none for `mu`, `tau`).
    pub model_indices: Vec<usize>,
    /// `None`: shared by every episode; `Some(e)`: only episode `e`.
    pub episode: Option<usize>,
    /// A non-normal prior (MCMC only).
    pub prior: Option<Distribution>,
    pub role: Role,
}

/// A hierarchy group: one parameter with episode-specific values drawn from
/// `Normal(mu, tau)`.
#[derive(Debug, Clone)]
pub struct HierarchyGroup {
    pub name: String,
    /// Indices of `mu` and `tau` among the fitted values.
    pub mu: usize,
    pub tau: usize,
    pub tau_scale: f64,
    pub centred: bool,
    /// `(episode index, fitted value index)` of every member.
    pub members: Vec<(usize, usize)>,
}

/// A normal prior that enters the objective as a pseudo-observation `mean` of the fitted
/// value `param` with known σ = `sd` (hierarchy: `eta ~ N(0, 1)`, `tau ~ half-normal(s)`, which
/// with the bound `tau ≥ 0` is `N(0, s)` truncated, the same up to a constant).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct NormalPrior {
    /// Index of the fitted value.
    pub param: usize,
    pub mean: f64,
    pub sd: f64,
}

/// A prior as reported in stats.json and the manifest.
#[derive(Debug, Clone, PartialEq)]
pub struct PriorInfo {
    pub parameter: String,
    /// E.g. `normal(mean 0.02, sd 0.01)`, `half-normal(scale 0.03)`, `uniform(0, 0.5)`.
    pub distribution: String,
    /// Where it comes from (the panel estimate, the experiment file, the hierarchy).
    pub source: String,
    /// Whether it enters the point estimate (normal priors) or only the MCMC posterior.
    pub in_estimate: bool,
    /// Prior mean and sd where defined (for the prior-vs-posterior table).
    pub mean: f64,
    pub sd: f64,
}

/// `prior = { from = ..., model = ..., term = ..., scale = ... }`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PanelPrior {
    pub from: PathBuf,
    pub model: String,
    pub term: String,
    #[serde(default = "one")]
    pub scale: f64,
    #[serde(default)]
    pub shift: f64,
    #[serde(default = "one")]
    pub sd_factor: f64,
}

fn one() -> f64 {
    1.0
}

/// `hierarchical = { ... }`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HierarchySpec {
    pub tau_scale: f64,
    #[serde(default)]
    pub tau_start: Option<f64>,
    #[serde(default)]
    pub tau_upper: Option<f64>,
    #[serde(default)]
    pub parameterisation: Parameterisation,
    #[serde(default)]
    pub episodes: Option<Vec<String>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Parameterisation {
    #[default]
    NonCentred,
    Centred,
}

/// A parsed `prior`.
#[derive(Debug, Clone)]
pub(crate) enum PriorKind {
    Distribution(Distribution),
    /// A normal prior from a panel estimate, with its description.
    Panel {
        mean: f64,
        sd: f64,
        source: String,
    },
}

/// Reads the estimate and standard error of `term` in `model` of a prior table
/// (`pressure_data::priors`); every failure names the file, and the model or term asked for
/// with the ones available.
pub(crate) fn panel_estimate(path: &Path, model: &str, term: &str) -> Result<(f64, f64), String> {
    let table = pressure_data::priors::PriorTable::load(path).map_err(|e| e.to_string())?;
    table.term(model, term).map_err(|e| e.to_string())
}

/// Parses a `prior` value (a distribution, or a panel reference resolved relative to `base`).
pub(crate) fn parse_prior(
    value: &toml::Value,
    parameter: &str,
    base: &Path,
) -> Result<(PriorKind, Option<PathBuf>), String> {
    let is_panel = value.as_table().is_some_and(|t| t.contains_key("from"));
    if is_panel {
        let p = PanelPrior::deserialize(value.clone()).map_err(|e| e.to_string())?;
        if !(p.scale.is_finite() && p.scale != 0.0) {
            return Err(format!(
                "prior scale must be a non-zero number, got {}",
                p.scale
            ));
        }
        if !(p.sd_factor.is_finite() && p.sd_factor > 0.0 && p.shift.is_finite()) {
            return Err("prior sd_factor must be positive and shift finite".into());
        }
        let path = base.join(&p.from);
        let (b, se) = panel_estimate(&path, &p.model, &p.term)?;
        if se.is_nan() || se <= 0.0 {
            return Err(format!(
                "{}: model `{}`, term `{}` has standard error {se}: no prior width",
                path.display(),
                p.model,
                p.term
            ));
        }
        let mean = p.shift + p.scale * b;
        let sd = p.scale.abs() * se * p.sd_factor;
        let source = format!(
            "{}, model `{}`, term `{}`: estimate {} (se {}) x scale {}{}{}",
            p.from.display(),
            p.model,
            p.term,
            sig(b),
            sig(se),
            p.scale,
            if p.shift != 0.0 {
                format!(" + shift {}", p.shift)
            } else {
                String::new()
            },
            if p.sd_factor != 1.0 {
                format!(", sd x {}", p.sd_factor)
            } else {
                String::new()
            }
        );
        Ok((PriorKind::Panel { mean, sd, source }, Some(path)))
    } else {
        let d = Distribution::deserialize(value.clone()).map_err(|e| e.to_string())?;
        let d = d.validated(parameter).map_err(|e| e.to_string())?;
        Ok((PriorKind::Distribution(d), None))
    }
}

/// Mean and sd of a distribution (NaN where undefined), for the prior-vs-posterior table.
pub(crate) fn moments(d: &Distribution) -> (f64, f64) {
    match *d {
        Distribution::Uniform { low, high } => (0.5 * (low + high), (high - low) / 12f64.sqrt()),
        Distribution::Normal { mean, sd } => (mean, sd),
        Distribution::LogNormal { meanlog, sdlog } => {
            let m = (meanlog + 0.5 * sdlog * sdlog).exp();
            (m, m * (sdlog * sdlog).exp_m1().sqrt())
        }
        Distribution::Triangular { low, mode, high } => {
            let m = (low + mode + high) / 3.0;
            let v = (low * low + mode * mode + high * high - low * mode - low * high - mode * high)
                / 18.0;
            (m, v.sqrt())
        }
        Distribution::TruncatedNormal { .. } => (f64::NAN, f64::NAN),
    }
}

/// A number for a report's text: four significant digits (the exact values are in the
/// tables' numeric columns).
pub(crate) fn sig(x: f64) -> String {
    if x == 0.0 || !x.is_finite() {
        return x.to_string();
    }
    let digits = (3 - x.abs().log10().floor() as i32).max(0) as usize;
    let s = format!("{x:.digits$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// `normal(mean m, sd s)` with four significant digits.
pub(crate) fn normal_description(mean: f64, sd: f64) -> String {
    format!("normal(mean {}, sd {})", sig(mean), sig(sd))
}

/// A distribution written for reports.
pub(crate) fn describe(d: &Distribution) -> String {
    match *d {
        Distribution::Uniform { low, high } => format!("uniform({low}, {high})"),
        Distribution::Normal { mean, sd } => normal_description(mean, sd),
        Distribution::LogNormal { meanlog, sdlog } => {
            format!("lognormal(meanlog {meanlog}, sdlog {sdlog})")
        }
        Distribution::Triangular { low, mode, high } => {
            format!("triangular({low}, {mode}, {high})")
        }
        Distribution::TruncatedNormal {
            mean,
            sd,
            low,
            high,
        } => format!("truncated normal(mean {mean}, sd {sd}, [{low}, {high}])"),
    }
}

/// Validates a hierarchy spec.
pub(crate) fn check_hierarchy(h: &HierarchySpec) -> Result<(), CalibrateError> {
    let bad = |m: String| Err(CalibrateError::InvalidInput(m));
    if !(h.tau_scale.is_finite() && h.tau_scale > 0.0) {
        return bad(format!("tau_scale must be positive, got {}", h.tau_scale));
    }
    let upper = h.tau_upper.unwrap_or(10.0 * h.tau_scale);
    if !(upper.is_finite() && upper > 0.0) {
        return bad(format!("tau_upper must be positive, got {upper}"));
    }
    let start = h.tau_start.unwrap_or(0.5 * h.tau_scale);
    if !(start > 0.0 && start < upper) {
        return bad(format!("tau_start {start} must lie in (0, {upper})"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn report_numbers_have_four_significant_digits() {
        assert_eq!(sig(0.019362734179), "0.01936");
        assert_eq!(sig(-0.968136708997473), "-0.9681");
        assert_eq!(sig(1234.5678), "1235");
        assert_eq!(sig(12.5), "12.5");
        assert_eq!(sig(0.0), "0");
        assert_eq!(
            normal_description(0.01936273417994946, 0.011588994558961039),
            "normal(mean 0.01936, sd 0.01159)"
        );
    }
}
