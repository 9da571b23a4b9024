//! Posterior summaries for reports: every fitted value and every derived episode value of a
//! hierarchy (`mu + tau eta_e`), with 90 % and 95 % intervals, R̂ and bulk ESS, the verdict
//! on the usual convergence thresholds (R̂ < 1.01 and bulk ESS > 400 for every value; Vehtari
//! et al. 2021), and the prior beside the posterior.

use super::fitted::PriorInfo;
use super::Experiment;
use crate::uncertainty::diagnostics::{ess_bulk, rhat};
use crate::uncertainty::sampler::Pooled;
use pressure_output::CsvTable;

pub use super::report::{ESS_MIN, RHAT_MAX};

/// Summary of one value over the posterior draws.
#[derive(Debug, Clone, PartialEq)]
pub struct ValueSummary {
    pub name: String,
    /// At the point estimate.
    pub estimate: f64,
    pub mean: f64,
    pub sd: f64,
    pub q05: f64,
    pub q025: f64,
    pub median: f64,
    pub q95: f64,
    pub q975: f64,
    pub rhat: f64,
    pub ess_bulk: f64,
}

impl ValueSummary {
    /// Whether the central 90 % interval excludes zero.
    pub fn excludes_zero_90(&self) -> bool {
        self.q05 > 0.0 || self.q95 < 0.0
    }
}

/// The convergence verdict of an MCMC run.
#[derive(Debug, Clone, PartialEq)]
pub struct Convergence {
    pub ok: bool,
    /// `(value, R̂, bulk ESS)` of every value that misses a threshold.
    pub misses: Vec<(String, f64, f64)>,
}

impl Convergence {
    /// One line for run summaries.
    pub fn describe(&self) -> String {
        if self.ok {
            format!("converged: R-hat < {RHAT_MAX} and bulk ESS > {ESS_MIN} for every value")
        } else {
            let list: Vec<String> = self
                .misses
                .iter()
                .map(|(n, r, e)| format!("{n} (R-hat {r:.3}, ESS {e:.0})"))
                .collect();
            format!(
                "NOT CONVERGED: {} value(s) miss R-hat < {RHAT_MAX} or bulk ESS > {ESS_MIN}: {}",
                list.len(),
                list.join("; ")
            )
        }
    }
}

/// Summaries of values given per chain and draw: `values[chain][draw][j]`.
pub(crate) fn summarise(
    names: &[String],
    estimate: &[f64],
    values: &[Vec<Vec<f64>>],
) -> Vec<ValueSummary> {
    names
        .iter()
        .enumerate()
        .map(|(j, name)| {
            let p = Pooled::of(values, j);
            ValueSummary {
                name: name.clone(),
                estimate: estimate[j],
                mean: p.mean,
                sd: p.sd,
                q05: p.quantile(0.05),
                q025: p.quantile(0.025),
                median: p.quantile(0.5),
                q95: p.quantile(0.95),
                q975: p.quantile(0.975),
                rhat: rhat(&p.chains),
                ess_bulk: ess_bulk(&p.chains),
            }
        })
        .collect()
}

/// Summaries of the fitted values and of the derived hierarchy values from MCMC draws
/// (`draws[chain][k]` = fitted values), and the convergence verdict over all of them.
pub(crate) fn posterior_summaries(
    exp: &Experiment,
    estimate: &[f64],
    draws: &[Vec<Vec<f64>>],
) -> (Vec<ValueSummary>, Convergence) {
    let mut names = exp.parameter_names();
    let derived_at = |x: &[f64]| -> Vec<f64> { exp.derived(x).into_iter().map(|d| d.1).collect() };
    names.extend(exp.derived(estimate).into_iter().map(|d| d.0));
    let values: Vec<Vec<Vec<f64>>> = draws
        .iter()
        .map(|c| {
            c.iter()
                .map(|x| {
                    let mut v = x.clone();
                    v.extend(derived_at(x));
                    v
                })
                .collect()
        })
        .collect();
    let mut est = estimate.to_vec();
    est.extend(derived_at(estimate));
    let summaries = summarise(&names, &est, &values);
    let misses: Vec<(String, f64, f64)> = summaries
        .iter()
        .filter(|s| !(s.rhat < RHAT_MAX && s.ess_bulk > ESS_MIN))
        .map(|s| (s.name.clone(), s.rhat, s.ess_bulk))
        .collect();
    (
        summaries,
        Convergence {
            ok: misses.is_empty(),
            misses,
        },
    )
}

/// `prior_posterior.csv`: every value with a prior entry (and every derived hierarchy value)
/// beside its posterior.
pub(crate) fn prior_posterior_csv(
    priors: &[PriorInfo],
    names: &[String],
    estimate: &[f64],
    derived: &[(String, f64)],
    posterior: &[ValueSummary],
) -> String {
    let num = |v: f64| {
        if v.is_finite() {
            format!("{v}")
        } else {
            String::new()
        }
    };
    let mut out = CsvTable::with_header([
        "parameter",
        "prior",
        "prior_mean",
        "prior_sd",
        "prior_source",
        "in_estimate",
        "estimate",
        "posterior_mean",
        "posterior_sd",
        "posterior_q05",
        "posterior_q95",
        "excludes_zero_90",
        "rhat",
        "ess_bulk",
    ]);
    let post = |name: &str| posterior.iter().find(|s| s.name == name);
    let mut row = |name: &str, prior: (&str, f64, f64, &str, String), est: f64| {
        let p = post(name);
        out.row([
            name.to_string(),
            prior.0.to_string(),
            num(prior.1),
            num(prior.2),
            prior.3.to_string(),
            prior.4,
            num(est),
            p.map_or(String::new(), |s| num(s.mean)),
            p.map_or(String::new(), |s| num(s.sd)),
            p.map_or(String::new(), |s| num(s.q05)),
            p.map_or(String::new(), |s| num(s.q95)),
            p.map_or(String::new(), |s| s.excludes_zero_90().to_string()),
            p.map_or(String::new(), |s| num(s.rhat)),
            p.map_or(String::new(), |s| num(s.ess_bulk)),
        ]);
    };
    for pr in priors {
        let est = names
            .iter()
            .position(|n| *n == pr.parameter)
            .map_or(f64::NAN, |j| estimate[j]);
        row(
            &pr.parameter,
            (
                &pr.distribution,
                pr.mean,
                pr.sd,
                &pr.source,
                pr.in_estimate.to_string(),
            ),
            est,
        );
    }
    for (name, est) in derived {
        row(
            name,
            (
                "derived: mu + tau eta",
                f64::NAN,
                f64::NAN,
                "hierarchy",
                String::new(),
            ),
            *est,
        );
    }
    out.into_string()
}

#[cfg(test)]
mod csv_tests {
    use super::*;

    #[test]
    fn prior_descriptions_and_sources_round_trip() {
        let source = "panel, \"fe\"\nmodel";
        let priors = [PriorInfo {
            parameter: "k".into(),
            distribution: "normal(mean 0.02, sd 0.01)".into(),
            source: source.into(),
            in_estimate: true,
            mean: 0.02,
            sd: 0.01,
        }];
        let text = prior_posterior_csv(&priors, &["k".to_string()], &[0.03], &[], &[]);
        let rows: Vec<Vec<String>> = csv::ReaderBuilder::new()
            .from_reader(text.as_bytes())
            .records()
            .map(|r| r.unwrap().iter().map(str::to_string).collect())
            .collect();
        assert_eq!(
            rows,
            [vec![
                "k",
                "normal(mean 0.02, sd 0.01)",
                "0.02",
                "0.01",
                source,
                "true",
                "0.03",
                "",
                "",
                "",
                "",
                "",
                "",
                ""
            ]]
        );
    }
}
