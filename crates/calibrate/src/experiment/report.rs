//! The result of a calibration run and its files: `params.csv`, `fit.csv`, `stats.json` and
//! `draws.csv` (rendered here as strings; the command writes them atomically).

use super::fitted::PriorInfo;
use super::posterior::{Convergence, ValueSummary};
use super::spec::SeriesTransform;
use crate::estimate::Estimate;
use crate::fitstats::FitStats;
use crate::uncertainty::bootstrap::BootstrapResult;
use crate::uncertainty::covariance::ParameterCovariance;
use crate::uncertainty::mcmc::McmcResult;
use crate::uncertainty::profile::Profile;
use pressure_output::CsvTable;
use serde_json::{json, Value};

/// Convergence criteria of the posterior sampling reported in `stats.json` (Vehtari et al.
/// 2021): rank-normalised split-R̂ below this and bulk ESS above [`ESS_MIN`] for every
/// parameter.
pub const RHAT_MAX: f64 = 1.01;
/// See [`RHAT_MAX`].
pub const ESS_MIN: f64 = 400.0;

/// What the multi-start did.
#[derive(Debug, Clone)]
pub struct MultiStartSummary {
    pub starts: usize,
    pub converged: usize,
    pub reached_best: usize,
    pub failures: Vec<(usize, String)>,
    /// Model runs spent by all starts.
    pub model_runs: usize,
    pub best_start: usize,
}

/// Model against data for one series of one episode (data units).
#[derive(Debug, Clone)]
pub struct SeriesFit {
    pub episode: String,
    pub series: String,
    pub variable: String,
    pub unit: String,
    pub transform: SeriesTransform,
    pub error: String,
    /// Scale of the error model at the estimate (on the residual scale).
    pub sigma: f64,
    pub dates: Vec<String>,
    pub observed: Vec<f64>,
    pub model: Vec<f64>,
    pub stats: Option<FitStats>,
}

/// Everything a calibration run produced.
#[derive(Debug, Clone)]
pub struct CalibrationReport {
    pub experiment: String,
    pub seed: u64,
    pub parameters: Vec<String>,
    pub estimate: Estimate,
    pub multistart: MultiStartSummary,
    pub covariance: Option<ParameterCovariance>,
    pub covariance_error: Option<String>,
    pub profiles: Vec<Profile>,
    pub bootstrap: Option<BootstrapResult>,
    pub mcmc: Option<McmcResult>,
    pub fit: Vec<SeriesFit>,
    /// Wall time per stage, seconds.
    pub timings: Vec<(String, f64)>,
    /// Every prior (distribution, source, whether it enters the estimate).
    pub priors: Vec<PriorInfo>,
    /// The hierarchy's derived episode values at the estimate (`name@episode`).
    pub derived: Vec<(String, f64)>,
    /// Posterior summaries of the fitted and derived values (empty without MCMC).
    pub posterior: Vec<ValueSummary>,
    /// Convergence verdict (R̂ < 1.01, bulk ESS > 400) when MCMC ran.
    pub convergence: Option<Convergence>,
}

fn num(v: f64) -> String {
    if v.is_nan() {
        String::new()
    } else if v.is_infinite() {
        if v > 0.0 {
            "inf".into()
        } else {
            "-inf".into()
        }
    } else {
        format!("{v}")
    }
}

fn opt(v: Option<f64>) -> String {
    v.map(num).unwrap_or_default()
}

fn jnum(v: f64) -> Value {
    if v.is_finite() {
        json!(v)
    } else {
        Value::Null
    }
}

impl CalibrationReport {
    /// Whether the data bound parameter `j`: its Jacobian direction is not flat and, when
    /// profiles were computed, both profile ends were found.
    pub fn identified(&self, j: usize) -> bool {
        let jac = self
            .covariance
            .as_ref()
            .is_some_and(|c| !c.internal.unidentified.contains(&j));
        let prof = self.profiles.get(j).is_none_or(|p| p.identified());
        jac && prof
    }

    /// `params.csv`: one row per parameter.
    pub fn params_csv(&self) -> String {
        let mut out = CsvTable::with_header([
            "parameter",
            "estimate",
            "se",
            "wald_low",
            "wald_high",
            "profile_low",
            "profile_high",
            "identified",
            "bootstrap_low",
            "bootstrap_high",
            "bootstrap_sd",
            "posterior_mean",
            "posterior_sd",
            "posterior_q025",
            "posterior_q975",
            "rhat",
            "ess_bulk",
        ]);
        for (j, name) in self.parameters.iter().enumerate() {
            let (se, wl, wh) = match &self.covariance {
                Some(c) => (num(c.se[j]), num(c.interval[j].0), num(c.interval[j].1)),
                None => Default::default(),
            };
            let (pl, ph) = match self.profiles.get(j) {
                Some(p) => (opt(p.lower), opt(p.upper)),
                None => Default::default(),
            };
            let (bl, bh, bsd) = match &self.bootstrap {
                Some(b) => (num(b.interval[j].0), num(b.interval[j].1), num(b.sd[j])),
                None => Default::default(),
            };
            let post = match &self.mcmc {
                Some(m) => {
                    let s = &m.summary[j];
                    [
                        num(s.mean),
                        num(s.sd),
                        num(s.q025),
                        num(s.q975),
                        num(s.rhat),
                        num(s.ess_bulk),
                    ]
                }
                None => Default::default(),
            };
            out.row(
                [
                    name.clone(),
                    num(self.estimate.x[j]),
                    se,
                    wl,
                    wh,
                    pl,
                    ph,
                    self.identified(j).to_string(),
                    bl,
                    bh,
                    bsd,
                ]
                .into_iter()
                .chain(post),
            );
        }
        out.into_string()
    }

    /// `fit.csv`: model against data per series and date (data units).
    pub fn fit_csv(&self) -> String {
        fit_csv(&self.fit)
    }

    /// `profiles.csv` when profiles were computed: every evaluated point of every parameter's
    /// profile (`deviance` = 2 (ℓ̂ − ℓ) with the other parameters re-optimised), and the
    /// deviance threshold that defined the interval (the small-sample F-based threshold by
    /// default, χ²₁ at `level` with `intervals = "large_sample"` or in old checkpoints). A profile that stays below the threshold up to a
    /// bound is flat on that side: the data do not identify the parameter there.
    pub fn profiles_csv(&self, level: f64) -> Option<String> {
        if self.profiles.is_empty() {
            return None;
        }
        let chi2 = crate::uncertainty::profile::chi2_threshold(level);
        let mut out = CsvTable::with_header([
            "parameter",
            "value",
            "deviance",
            "converged",
            "is_estimate",
            "threshold",
        ]);
        for p in &self.profiles {
            let threshold = if p.threshold.is_finite() {
                p.threshold
            } else {
                chi2
            };
            for q in &p.points {
                out.row([
                    p.parameter.clone(),
                    num(q.value),
                    num(q.deviance),
                    q.converged.to_string(),
                    (q.value == p.estimate).to_string(),
                    num(threshold),
                ]);
            }
        }
        Some(out.into_string())
    }

    /// `prior_posterior.csv`: every prior beside the posterior of its value, and the
    /// hierarchy's derived episode values.
    pub fn prior_posterior_csv(&self) -> String {
        super::posterior::prior_posterior_csv(
            &self.priors,
            &self.parameters,
            &self.estimate.x,
            &self.derived,
            &self.posterior,
        )
    }

    /// `draws.csv` when MCMC ran: chain, draw, parameters, log target.
    pub fn draws_csv(&self) -> Option<String> {
        let m = self.mcmc.as_ref()?;
        let mut out = CsvTable::with_header(
            ["chain", "draw"]
                .into_iter()
                .chain(m.parameters.iter().map(String::as_str))
                .chain(["log_target"]),
        );
        for (c, (draws, lps)) in m.draws.iter().zip(&m.log_target).enumerate() {
            for (k, (d, lp)) in draws.iter().zip(lps).enumerate() {
                out.row(
                    [c.to_string(), k.to_string()]
                        .into_iter()
                        .chain(d.iter().map(|v| num(*v)))
                        .chain([num(*lp)]),
                );
            }
        }
        Some(out.into_string())
    }

    /// `stats.json`: estimate, optimiser outcome, uncertainty diagnostics, fit statistics.
    pub fn stats_json(&self) -> Value {
        let params: Vec<Value> = self
            .parameters
            .iter()
            .enumerate()
            .map(|(j, name)| {
                let mut v = json!({
                    "name": name,
                    "estimate": jnum(self.estimate.x[j]),
                    "identified": self.identified(j),
                });
                if let Some(c) = &self.covariance {
                    v["se"] = jnum(c.se[j]);
                    v["wald_interval"] = json!([jnum(c.interval[j].0), jnum(c.interval[j].1)]);
                }
                if let Some(p) = self.profiles.get(j) {
                    v["profile_interval"] = json!([p.lower.map(jnum), p.upper.map(jnum)]);
                    v["profile_notes"] = json!(p.notes);
                    v["profile_points"] = json!(p
                        .points
                        .iter()
                        .map(|q| json!([jnum(q.value), jnum(q.deviance)]))
                        .collect::<Vec<_>>());
                }
                v
            })
            .collect();
        let fit: Vec<Value> = self
            .fit
            .iter()
            .map(|f| {
                let mut v = json!({
                    "episode": f.episode,
                    "series": f.series,
                    "variable": f.variable,
                    "unit": f.unit,
                    "error_model": f.error,
                    "sigma": jnum(f.sigma),
                    "n": f.observed.len(),
                });
                if let Some(s) = &f.stats {
                    v["rmse"] = jnum(s.rmse);
                    v["mape"] = jnum(s.mape);
                    v["r2"] = jnum(s.r2);
                    v["theil_u"] = jnum(s.theil_u);
                    v["theil_um"] = jnum(s.theil_um);
                    v["theil_us"] = jnum(s.theil_us);
                    v["theil_uc"] = jnum(s.theil_uc);
                }
                v
            })
            .collect();
        let mut out = json!({
            "experiment": self.experiment,
            "seed": self.seed,
            "estimate": {
                "method": self.estimate.method.name(),
                "converged": self.estimate.converged,
                "message": self.estimate.message,
                "neg_log_likelihood": jnum(self.estimate.neg_log_lik),
            },
            "parameters": params,
            "multistart": {
                "starts": self.multistart.starts,
                "converged": self.multistart.converged,
                "reached_best": self.multistart.reached_best,
                "best_start": self.multistart.best_start,
                "failures": self.multistart.failures.iter().map(|(i, e)| json!({"start": i, "error": e})).collect::<Vec<_>>(),
                "model_runs": self.multistart.model_runs,
            },
            "fit": fit,
            "timings_seconds": self.timings.iter().map(|(k, v)| (k.clone(), json!(v))).collect::<serde_json::Map<_, _>>(),
            "conventions": {
                "theil": "Sterman (1984): U = sqrt(MSE)/(sqrt(mean S^2)+sqrt(mean A^2)); MSE = (mean S - mean A)^2 + (sd S - sd A)^2 + 2(1-r) sd S sd A with population moments; UM, US, UC are the three fractions",
                "r2": "squared correlation of model and data",
                "mape": "percent, over non-zero observations",
                "wald_interval": "computed on the internal (transformed) scale and mapped back, so it respects the bounds; Student-t quantile on covariance.dof degrees of freedom (m - p - (k - 1), k estimated sigmas; Bates & Watts 1988 ch. 6) unless dof is null (normal quantile)",
                "sigma": "profiled out (maximum likelihood per series); MCMC integrates it out under the Jeffreys prior",
            },
        });
        if let Some(c) = &self.covariance {
            out["covariance"] = json!({
                "rank": c.internal.rank,
                "dof": c.dof,
                "parameters": self.parameters.len(),
                "unidentified": c.internal.unidentified.iter().map(|j| self.parameters[*j].clone()).collect::<Vec<_>>(),
                "singular_values": c.internal.singular_values.iter().map(|v| jnum(*v)).collect::<Vec<_>>(),
                "matrix": c.cov.iter().map(|v| jnum(*v)).collect::<Vec<_>>(),
            });
        }
        if let Some(e) = &self.covariance_error {
            out["covariance_error"] = json!(e);
        }
        if let Some(b) = &self.bootstrap {
            out["bootstrap"] = json!({
                "replicates": b.replicates.len(),
                "failures": b.failures,
                "level": b.level,
            });
        }
        out["priors"] = json!(self
            .priors
            .iter()
            .map(|p| json!({
                "parameter": p.parameter,
                "distribution": p.distribution,
                "source": p.source,
                "in_estimate": p.in_estimate,
                "mean": jnum(p.mean),
                "sd": jnum(p.sd),
            }))
            .collect::<Vec<_>>());
        if !self.derived.is_empty() {
            out["derived"] = json!(self
                .derived
                .iter()
                .map(|(n, v)| json!({"name": n, "estimate": jnum(*v)}))
                .collect::<Vec<_>>());
        }
        if !self.posterior.is_empty() {
            out["posterior"] = json!(self
                .posterior
                .iter()
                .map(|s| json!({
                    "name": s.name, "estimate": jnum(s.estimate), "mean": jnum(s.mean),
                    "sd": jnum(s.sd), "q05": jnum(s.q05), "q025": jnum(s.q025),
                    "median": jnum(s.median), "q95": jnum(s.q95), "q975": jnum(s.q975),
                    "rhat": jnum(s.rhat), "ess_bulk": jnum(s.ess_bulk),
                    "excludes_zero_90": s.excludes_zero_90(),
                }))
                .collect::<Vec<_>>());
        }
        if let Some(c) = &self.convergence {
            out["convergence"] = json!({
                "ok": c.ok,
                "rhat_max": super::posterior::RHAT_MAX,
                "ess_bulk_min": super::posterior::ESS_MIN,
                "summary": c.describe(),
                "misses": c.misses.iter().map(|(n, r, e)| json!({"name": n, "rhat": jnum(*r), "ess_bulk": jnum(*e)})).collect::<Vec<_>>(),
            });
        }
        if let Some(m) = &self.mcmc {
            let convergence = m.converged(RHAT_MAX, ESS_MIN);
            out["mcmc"] = json!({
                "sampler": m.algorithm.name(),
                "evaluations": m.evaluations,
                "converged": convergence.ok(),
                "convergence": convergence.to_string(),
                "not_converged": convergence.misses.iter().map(|x| x.parameter.clone()).collect::<Vec<_>>(),
                "criteria": {"rhat_below": RHAT_MAX, "ess_bulk_above": ESS_MIN},
                "chains": m.draws.len(),
                "draws_per_chain": m.draws.first().map_or(0, |d| d.len()),
                "acceptance": m.acceptance,
                "max_rhat": jnum(m.max_rhat),
                "min_ess_bulk": jnum(m.min_ess_bulk),
                // Per chain: to tell chains in different modes from slowly mixing ones.
                "per_chain": m.per_chain().iter().map(|(name, ms)| json!({
                    "parameter": name,
                    "mean": ms.iter().map(|(mu, _)| jnum(*mu)).collect::<Vec<_>>(),
                    "sd": ms.iter().map(|(_, sd)| jnum(*sd)).collect::<Vec<_>>(),
                })).collect::<Vec<_>>(),
                "summary": m.summary.iter().map(|s| json!({
                    "parameter": s.parameter, "mean": jnum(s.mean), "sd": jnum(s.sd),
                    "q025": jnum(s.q025), "median": jnum(s.median), "q975": jnum(s.q975),
                    "rhat": jnum(s.rhat), "ess_bulk": jnum(s.ess_bulk), "ess_tail": jnum(s.ess_tail),
                })).collect::<Vec<_>>(),
            });
        }
        out
    }
}

/// `fit.csv` of these series fits.
fn fit_csv(fit: &[SeriesFit]) -> String {
    let mut out = CsvTable::with_header([
        "episode", "series", "variable", "unit", "date", "observed", "model", "residual",
    ]);
    for f in fit {
        for ((d, o), m) in f.dates.iter().zip(&f.observed).zip(&f.model) {
            out.row([
                f.episode.clone(),
                f.series.clone(),
                f.variable.clone(),
                f.unit.clone(),
                d.to_string(),
                num(*o),
                num(*m),
                num(o - m),
            ]);
        }
    }
    out.into_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    const NASTY: &str = "Iran, \"official\"\nrate";

    fn read(text: &str) -> Vec<Vec<String>> {
        pressure_output::read_records(text).unwrap()
    }

    /// A report of two parameters, the first with a comma in its name (as an episode id in a
    /// `name@episode` parameter may have), with a profile of the first.
    fn report_with_nasty_names() -> CalibrationReport {
        let names = vec![format!("rate@{NASTY}"), "beta".to_string()];
        CalibrationReport {
            experiment: "t".into(),
            seed: 0,
            parameters: names.clone(),
            estimate: Estimate {
                x: vec![0.5, 2.0],
                z: vec![0.5, 2.0],
                neg_log_lik: 1.0,
                sigma: vec![1.0],
                converged: true,
                method: Default::default(),
                message: String::new(),
                evaluations: 1,
            },
            multistart: MultiStartSummary {
                starts: 1,
                converged: 1,
                reached_best: 1,
                failures: vec![],
                model_runs: 1,
                best_start: 0,
            },
            covariance: None,
            covariance_error: None,
            profiles: vec![Profile {
                parameter: names[0].clone(),
                estimate: 0.5,
                points: vec![
                    crate::uncertainty::profile::ProfilePoint {
                        value: 0.25,
                        deviance: 4.5,
                        converged: true,
                    },
                    crate::uncertainty::profile::ProfilePoint {
                        value: 0.5,
                        deviance: 0.0,
                        converged: true,
                    },
                ],
                lower: Some(0.3),
                upper: None,
                notes: vec![],
                threshold: 3.84,
            }],
            bootstrap: None,
            mcmc: None,
            fit: vec![],
            timings: vec![],
            priors: vec![],
            derived: vec![],
            posterior: vec![],
            convergence: None,
        }
    }

    #[test]
    fn params_profiles_and_draws_csv_quote_names() {
        let mut r = report_with_nasty_names();
        let name = r.parameters[0].clone();
        let params = read(&r.params_csv());
        assert_eq!(params[0].len(), 17);
        assert_eq!(params[1][..3], [name.as_str(), "0.5", ""]);
        assert_eq!(params[1][5..8], ["0.3", "", "false"]);
        assert_eq!(params[2][..2], ["beta", "2"]);
        assert!(params.iter().all(|row| row.len() == 17), "{params:?}");

        let profiles = read(&r.profiles_csv(0.95).unwrap());
        assert_eq!(
            profiles[1..],
            [
                vec![name.as_str(), "0.25", "4.5", "true", "false", "3.84"],
                vec![name.as_str(), "0.5", "0", "true", "true", "3.84"],
            ]
        );

        r.mcmc = Some(McmcResult {
            algorithm: Default::default(),
            parameters: r.parameters.clone(),
            draws: vec![vec![vec![0.5, 2.0], vec![0.75, 1.5]]],
            log_target: vec![vec![-1.0, -2.5]],
            acceptance: vec![0.5],
            evaluations: 2,
            iterations: 2,
            warmup: 0,
            thin: 1,
            summary: vec![],
            max_rhat: f64::NAN,
            min_ess_bulk: f64::NAN,
        });
        let draws = read(&r.draws_csv().unwrap());
        assert_eq!(
            draws,
            [
                vec!["chain", "draw", name.as_str(), "beta", "log_target"],
                vec!["0", "0", "0.5", "2", "-1"],
                vec!["0", "1", "0.75", "1.5", "-2.5"],
            ]
        );
    }

    #[test]
    fn fit_csv_quotes_names_and_units() {
        let fit = SeriesFit {
            episode: NASTY.into(),
            series: "cpi".into(),
            variable: "prices.inflation".into(),
            unit: "percent, y/y".into(),
            transform: SeriesTransform::Level,
            error: "normal".into(),
            sigma: 1.0,
            dates: vec!["2012".into()],
            observed: vec![30.5],
            model: vec![28.0],
            stats: None,
        };
        let rows = read(&fit_csv(&[fit]));
        assert_eq!(
            rows,
            [
                vec![
                    "episode", "series", "variable", "unit", "date", "observed", "model",
                    "residual"
                ],
                vec![
                    NASTY,
                    "cpi",
                    "prices.inflation",
                    "percent, y/y",
                    "2012",
                    "30.5",
                    "28",
                    "2.5"
                ],
            ]
        );
    }
}
