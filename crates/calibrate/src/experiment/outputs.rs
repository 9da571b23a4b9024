//! The files of a calibration run, rendered in one place for `pressure calibrate` and
//! `pressure reproduce`: `params.csv`, `fit.csv`, `stats.json`, `prior_posterior.csv`,
//! `validation.csv`, and when computed `profiles.csv`, `draws.csv`, `prior_sensitivity.csv`,
//! `holdout.csv`, `counterfactual.csv`, `benchmarks.csv`, and after MCMC of several episodes
//! `loglik_by_episode.csv` and `loo_episodes.csv` (leave-one-episode-out, [`super::loo`]).

use super::counterfactual::{counterfactual, CounterfactualOptions, CounterfactualReport};
use super::report::CalibrationReport;
use super::validation::{validate, ValidationReport};
use super::Experiment;
use crate::error::CalibrateError;
use pressure_output::WriteError;
use serde_json::{json, Map, Value};

/// Every file a calibration may write, in the order written.
pub const ALL_FILES: [&str; 13] = [
    "params.csv",
    "fit.csv",
    "stats.json",
    "prior_posterior.csv",
    "validation.csv",
    "profiles.csv",
    "draws.csv",
    "prior_sensitivity.csv",
    "holdout.csv",
    "counterfactual.csv",
    "benchmarks.csv",
    "loglik_by_episode.csv",
    "loo_episodes.csv",
];

/// Level of the validation's predictive intervals and of the counterfactual effects unless
/// the experiment's `[counterfactual]` says otherwise.
pub const DEFAULT_LEVEL: f64 = 0.9;

/// The rendered files, with the typed results they were rendered from beside the report
/// (the figures are planned from these, not from the files).
pub struct CalibrationFiles {
    /// `(file name, contents)`.
    pub files: Vec<(&'static str, String)>,
    /// Optional files not produced by this run (a copy from an earlier run would mislead).
    pub absent: Vec<&'static str>,
    /// One-line notes for the run summary (draw source, convergence).
    pub notes: Vec<String>,
    /// The validation against naive benchmarks and the holdout forecasts
    /// (`validation.csv`, `holdout.csv`).
    pub validation: ValidationReport,
    /// The counterfactuals, when the experiment asks for them (`counterfactual.csv`,
    /// `benchmarks.csv`).
    pub counterfactual: Option<CounterfactualReport>,
}

/// Renders every file of a run: the report's own, the validation against naive benchmarks
/// (and the holdout forecasts), and the counterfactuals when the experiment asks for them.
/// `draws` caps the posterior draws rerun (the experiment's `[counterfactual] draws` when
/// `None`).
pub fn calibration_files(
    exp: &Experiment,
    report: &CalibrationReport,
    seed: u64,
    draws: Option<usize>,
    synth_file: Option<std::path::PathBuf>,
) -> Result<CalibrationFiles, CalibrateError> {
    let mut files: Vec<(&'static str, String)> = vec![
        ("params.csv", report.params_csv()),
        ("fit.csv", report.fit_csv()),
    ];
    let mut stats = report.stats_json();
    files.push(("prior_posterior.csv", report.prior_posterior_csv()));
    let mut optional: Vec<(&'static str, Option<String>)> = vec![
        (
            "profiles.csv",
            report.profiles_csv(exp.spec.uncertainty.level),
        ),
        ("draws.csv", report.draws_csv()),
    ];
    let mut notes = Vec::new();
    let cf_spec = exp.spec.counterfactual.as_ref();
    let n_draws = draws.or(cf_spec.map(|c| c.draws)).unwrap_or(200);
    let level = cf_spec.map_or(DEFAULT_LEVEL, |c| c.level);
    // The posterior reweighted to other priors (no model runs), when there are draws and a
    // prior to change.
    // A diagnostic that cannot be computed (too few draws) is a note, not a failed run.
    let sensitivity = match &report.mcmc {
        Some(m) if exp.has_any_prior() => {
            let pooled: Vec<Vec<f64>> = m.draws.iter().flatten().cloned().collect();
            match super::prior_sensitivity::prior_sensitivity(exp, &pooled, level) {
                Ok(r) => Some(r.csv()),
                Err(e) => {
                    notes.push(format!("prior_sensitivity.csv not written: {e}"));
                    None
                }
            }
        }
        _ => None,
    };
    optional.push(("prior_sensitivity.csv", sensitivity));
    let v = validate(exp, report, n_draws, level, seed)?;
    files.push(("validation.csv", v.csv()));
    optional.push(("holdout.csv", v.holdout_csv()));
    if v.draws > 0 {
        stats["validation"] = serde_json::json!({
            "holdout_draws": v.draws,
            "draws_from": v.source.describe(),
            "level": level,
        });
    }
    let counterfactual = match cf_spec {
        Some(_) => {
            let c = counterfactual(
                exp,
                report,
                &CounterfactualOptions {
                    max_draws: n_draws,
                    level,
                    seed,
                    synth_file,
                },
            )?;
            notes.push(format!(
                "counterfactuals from {} {} ({} failed)",
                c.draws,
                c.source.describe(),
                c.failed
            ));
            stats["counterfactual"] = serde_json::json!({
                "draws": c.draws,
                "failed_draws": c.failed,
                "draws_from": c.source.describe(),
                "level": c.level,
                "explicit_set": c.explicit_set.iter().map(|(k, v)| serde_json::json!({"parameter": k, "value": v})).collect::<Vec<_>>(),
                "switched_off": exp.episodes.iter().map(|e| serde_json::json!({"episode": e.id, "inputs": e.timeline_targets})).collect::<Vec<_>>(),
            });
            optional.push(("counterfactual.csv", Some(c.csv())));
            optional.push((
                "benchmarks.csv",
                (!c.benchmarks.is_empty()).then(|| c.benchmarks_csv()),
            ));
            Some(c)
        }
        None => {
            optional.push(("counterfactual.csv", None));
            optional.push(("benchmarks.csv", None));
            None
        }
    };
    // Leave-one-episode-out from the same number of draws as the counterfactuals.
    match exp.episode_loo(report, n_draws)? {
        Some(l) => {
            let unreliable = l.unreliable();
            notes.push(format!(
                "leave-one-episode-out (PSIS) from {} draws: {}",
                l.loglik.draws.len(),
                if unreliable.is_empty() {
                    "every Pareto k-hat within its threshold".to_string()
                } else {
                    format!(
                        "k-hat above its threshold (estimate unreliable) for {}",
                        unreliable.join(", ")
                    )
                }
            ));
            stats["loo_episodes"] = serde_json::json!({
                "draws": l.loglik.draws.len(),
                "k_threshold": l.loo.iter().flatten().map(|e| e.k_threshold).next(),
                "unreliable": unreliable,
                "note": "PSIS leave-one-episode-out: an episode whose Pareto k-hat exceeds k_threshold (0.7 at most; lower for fewer draws) has an unreliable elpd_loo",
            });
            optional.push(("loglik_by_episode.csv", Some(l.loglik.csv())));
            optional.push(("loo_episodes.csv", Some(l.csv())));
        }
        None => {
            optional.push(("loglik_by_episode.csv", None));
            optional.push(("loo_episodes.csv", None));
        }
    }
    files.insert(
        2,
        (
            "stats.json",
            serde_json::to_string_pretty(&stats).expect("JSON values serialise"),
        ),
    );
    let mut absent = Vec::new();
    for (name, text) in optional {
        match text {
            Some(t) => files.push((name, t)),
            None => absent.push(name),
        }
    }
    Ok(CalibrationFiles {
        files,
        absent,
        notes,
        validation: v,
        counterfactual,
    })
}

impl CalibrationFiles {
    /// Writes the files into `dir`, each atomically, after removing the optional files this
    /// run did not produce (a copy from an earlier run in the folder would mislead); returns
    /// the names written. `pressure calibrate` and a calibrate step of `pressure reproduce`
    /// both call it, so each file is written by this one function.
    pub fn write_to(&self, dir: &std::path::Path) -> Result<Vec<String>, WriteError> {
        for name in &self.absent {
            let _ = std::fs::remove_file(dir.join(name));
        }
        pressure_output::write_files(dir, self.files.iter().map(|(n, t)| (*n, t.as_bytes())))
    }
}

impl CalibrationReport {
    /// The estimate as `(parameter, value)` pairs (a manifest's `parameters`).
    pub fn estimates(&self) -> Vec<(String, f64)> {
        self.parameters
            .iter()
            .cloned()
            .zip(self.estimate.x.iter().copied())
            .collect()
    }

    /// What a manifest of this run records beside its inputs, seed and estimates: `command`,
    /// `experiment`, `method`, `converged`, `model_runs_estimation`, `priors` (parameter,
    /// distribution, source, whether it enters the estimate) and, after MCMC, `convergence`.
    pub fn manifest_facts(&self) -> Map<String, Value> {
        let mut facts = Map::new();
        facts.insert("command".into(), "calibrate".into());
        facts.insert("experiment".into(), self.experiment.clone().into());
        facts.insert("method".into(), self.estimate.method.name().into());
        facts.insert("converged".into(), self.estimate.converged.into());
        facts.insert(
            "model_runs_estimation".into(),
            self.multistart.model_runs.into(),
        );
        let priors: Vec<Value> = self
            .priors
            .iter()
            .map(|p| {
                json!({
                    "parameter": p.parameter,
                    "distribution": p.distribution,
                    "source": p.source,
                    "in_estimate": p.in_estimate,
                })
            })
            .collect();
        facts.insert("priors".into(), priors.into());
        if let Some(c) = &self.convergence {
            facts.insert("convergence".into(), c.describe().into());
        }
        facts
    }
}
