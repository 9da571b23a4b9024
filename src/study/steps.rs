//! Running each kind of step into its results folder, through the same library calls as the
//! command it stands for, and planning its standard figures from the typed result.

use super::error::StepError;
use super::load::{calibrate_error, Loaded, ScenarioStep, Step};
use super::Progress;
use crate::calibrate::experiment::fit_bands::{posterior_fit_bands, FIT_BAND_LEVEL};
use crate::calibrate::experiment::outputs::{calibration_files, CalibrationFiles};
use crate::calibrate::experiment::{
    CalibrationReport, Experiment as CalExperiment, RunOptions as CalRunOptions, RunProgress,
};
use crate::econometrics::spec::{run_spec_file, Overrides, Report as EstimateReport};
use crate::figures::{self, CalibrationResults, FigurePlan, SetKind};
use crate::output::{write_atomic, Manifest};
use crate::sensitivity::experiment::{Outcome, Prepared, Report as SensReport};
use crate::sim::comparison::ScenarioComparison;
use crate::sim::Scenario;
use std::path::Path;

/// What the steps before this one left for it.
pub(super) struct Context<'a> {
    pub seed: Option<u64>,
    pub progress: &'a dyn Progress,
    /// Estimates of earlier calibration steps, by step name.
    pub calibrated: &'a [(String, Vec<(String, f64)>)],
}

/// A finished step: a note for the log and the index, and what later steps or the figures
/// need of it.
pub(super) struct Ran {
    pub note: String,
    /// Calibrated parameters (name, value), for later scenario steps.
    pub estimates: Vec<(String, f64)>,
    /// An estimate step's report, for planning its figures.
    pub estimate: Option<EstimateReport>,
    /// A sensitivity step's report, for planning its figures.
    pub sensitivity: Option<SensReport>,
    /// A calibration step's results, for planning its figures.
    pub calibration: Option<Calibrated>,
}

/// What a calibration step keeps for its figures.
pub(super) struct Calibrated {
    report: CalibrationReport,
    files: CalibrationFiles,
    /// Level of `fit_bands.csv`, when written.
    fit_bands: Option<f64>,
}

fn io(dir: &Path) -> impl FnOnce(std::io::Error) -> StepError + '_ {
    move |source| StepError::Io {
        path: dir.to_path_buf(),
        source,
    }
}

fn step_manifest(step: &Step, seed: Option<u64>) -> Manifest {
    let mut m = Manifest::for_current_process();
    for p in &step.inputs {
        m.add_input(p);
    }
    m.seed = seed;
    m.extra.insert("step".into(), step.name.clone().into());
    m
}

/// Runs one step into `dir`.
pub(super) fn run_step(step: &Step, dir: &Path, ctx: &Context<'_>) -> Result<Ran, StepError> {
    match &step.loaded {
        Loaded::Calibrate { experiment, config } => {
            // The estimate step's results sit next to this step's folder.
            let synth = config.synth_from.as_ref().map(|s| {
                dir.parent()
                    .unwrap_or(Path::new("."))
                    .join(s)
                    .join("synth_episodes.csv")
            });
            run_calibration(
                step,
                experiment,
                config.bands,
                config.counterfactual_draws,
                synth,
                dir,
                ctx,
            )
        }
        Loaded::Sensitivity { prepared } => run_sensitivity(step, prepared, dir, ctx),
        Loaded::Estimate { spec } => run_estimate(step, spec, dir, ctx),
        Loaded::Scenarios(s) => run_scenarios(s, dir, ctx),
    }
}

/// Plans the standard figures of a step that ran, from its results.
pub(super) fn plans(step: &Step, ran: &Ran, dir: &Path) -> Result<Vec<FigurePlan>, StepError> {
    let data_dir = dir.join("figure-data");
    let plans = match &step.loaded {
        Loaded::Calibrate { experiment, .. } => match &ran.calibration {
            Some(c) => SetKind::Calibrate(&CalibrationResults {
                experiment,
                report: &c.report,
                files: &c.files,
                fit_bands: c.fit_bands,
            })
            .plans(dir, &data_dir),
            None => Err(figures::FigureError(
                "the calibration step left no report".into(),
            )),
        },
        Loaded::Sensitivity { .. } => match &ran.sensitivity {
            Some(report) => SetKind::Sensitivity(report).plans(dir, &data_dir),
            None => Err(figures::FigureError(
                "the sensitivity step left no report".into(),
            )),
        },
        Loaded::Estimate { .. } => match &ran.estimate {
            Some(report) => SetKind::Estimate(report).plans(dir, &data_dir),
            None => Err(figures::FigureError(
                "the estimate step left no report".into(),
            )),
        },
        Loaded::Scenarios(s) => Ok(scenario_plans(step, s, dir)),
    };
    plans.map_err(StepError::Figures)
}

fn run_calibration(
    step: &Step,
    experiment: &CalExperiment,
    bands: usize,
    counterfactual_draws: Option<usize>,
    synth_file: Option<std::path::PathBuf>,
    dir: &Path,
    ctx: &Context<'_>,
) -> Result<Ran, StepError> {
    let seed = ctx.seed.or(experiment.spec.experiment.seed).unwrap_or(0);
    let progress = |p: RunProgress| ctx.progress.update(p.stage, p.done, p.total);
    let report = experiment
        .run(&CalRunOptions {
            seed,
            checkpoint_dir: None,
            resume: false,
            progress: Some(&progress),
        })
        .map_err(calibrate_error("calibration"))?;
    ctx.progress.update("validation", 0, 1);
    let rendered = calibration_files(experiment, &report, seed, counterfactual_draws, synth_file)
        .map_err(calibrate_error("calibration outputs"))?;
    rendered.write_to(dir).map_err(StepError::Write)?;
    // The study's own extra: posterior bands of the fit for its figures.
    let mut fit_bands = None;
    if bands > 0 {
        ctx.progress.update("fit bands", 0, 1);
        if let Some(b) = posterior_fit_bands(experiment, &report, bands, FIT_BAND_LEVEL)
            .map_err(calibrate_error("fit bands"))?
        {
            let path = dir.join("fit_bands.csv");
            fit_bands = Some(b.level);
            write_atomic(&path, &b.csv()).map_err(io(&path))?;
        }
    }
    let mut manifest = crate::commands::calibrate::manifest(experiment, &report, seed);
    manifest
        .extra
        .insert("step".into(), step.name.clone().into());
    manifest.extra.insert(
        "settings".into(),
        serde_json::json!({
            "multistart": experiment.spec.estimation.multistart,
            "bootstrap": experiment.spec.uncertainty.bootstrap,
            "profile": experiment.spec.uncertainty.profile,
            "mcmc": experiment.spec.uncertainty.mcmc.as_ref().map(|m| serde_json::json!({"chains": m.chains, "iterations": m.iterations})),
            "band_draws": bands,
        }),
    );
    manifest.write_to_dir(dir).map_err(io(dir))?;
    Ok(Ran {
        note: calibration_note(&report, &rendered.notes),
        estimates: report.estimates(),
        estimate: None,
        sensitivity: None,
        calibration: Some(Calibrated {
            report,
            files: rendered,
            fit_bands,
        }),
    })
}

fn calibration_note(report: &CalibrationReport, notes: &[String]) -> String {
    // The posterior's convergence verdict first: a run that misses it says so here.
    let mut all: Vec<String> = report.convergence.iter().map(|c| c.describe()).collect();
    all.extend(notes.iter().cloned());
    format!(
        "{} parameters, {} model runs to estimate{}{}",
        report.parameters.len(),
        report.multistart.model_runs,
        if all.is_empty() {
            String::new()
        } else {
            format!("; {}", all.join("; "))
        },
        if report.estimate.converged {
            String::new()
        } else {
            format!("; optimiser did not converge: {}", report.estimate.message)
        }
    )
}

fn run_sensitivity(
    step: &Step,
    prepared: &Prepared,
    dir: &Path,
    ctx: &Context<'_>,
) -> Result<Ran, StepError> {
    let progress = |done: usize, planned: usize| ctx.progress.update("model runs", done, planned);
    let run = crate::commands::sensitivity::run(prepared, ctx.seed, None, Some(&progress))
        .map_err(StepError::from)?;
    let mut manifest = run.manifest(prepared);
    manifest
        .extra
        .insert("step".into(), step.name.clone().into());
    manifest
        .extra
        .insert("elapsed_seconds".into(), run.elapsed_seconds.into());
    run.write_to(dir, &manifest).map_err(StepError::Write)?;
    let Outcome::Complete(report) = run.outcome else {
        unreachable!("a run without a shard is complete")
    };
    Ok(Ran {
        note: format!(
            "{} model runs in {:.1} s ({:.0} runs/s)",
            run.runs,
            run.elapsed_seconds,
            run.runs as f64 / run.elapsed_seconds.max(1e-9)
        ),
        estimates: vec![],
        estimate: None,
        sensitivity: Some(report),
        calibration: None,
    })
}

fn run_estimate(step: &Step, spec: &Path, dir: &Path, ctx: &Context<'_>) -> Result<Ran, StepError> {
    ctx.progress.update("estimating", 0, 1);
    let report = run_spec_file(spec, &Overrides { seed: ctx.seed }).map_err(|source| {
        StepError::Estimate {
            spec: spec.to_path_buf(),
            source: Box::new(source),
        }
    })?;
    report.write_to(dir).map_err(StepError::Write)?;
    let mut manifest = step_manifest(step, report.seed);
    for input in &report.inputs {
        manifest.add_input(input);
    }
    // The same facts as `pressure estimate` records.
    manifest.extra.extend(report.manifest_facts());
    manifest.write_to_dir(dir).map_err(io(dir))?;
    ctx.progress.update("estimating", 1, 1);
    Ok(Ran {
        note: format!("{} models", report.models.len()),
        estimates: vec![],
        estimate: Some(report),
        sensitivity: None,
        calibration: None,
    })
}

fn run_scenarios(s: &ScenarioStep, dir: &Path, ctx: &Context<'_>) -> Result<Ran, StepError> {
    let mut applied = Vec::new();
    if let Some(from) = &s.parameters_from {
        let estimates = ctx
            .calibrated
            .iter()
            .find(|(n, _)| n == from)
            .map(|(_, e)| e.as_slice())
            .ok_or_else(|| StepError::NoResults(from.clone()))?;
        // Episode-specific parameters (`name@episode`) belong to one episode's run only.
        applied.extend(estimates.iter().filter(|(n, _)| !n.contains('@')).cloned());
    }
    let presets: Vec<Scenario> = s.presets.iter().map(|(_, p)| p.clone()).collect();
    let labels: Vec<String> = s
        .scenarios
        .iter()
        .map(|(p, sc)| ScenarioStep::label(p, sc))
        .collect();
    let total = s.scenarios.len();
    let table = ScenarioComparison {
        model: &s.compiled,
        presets: &presets,
        parameters: &applied,
        variables: &s.variables,
        time_units: &s.time_units,
    }
    .run(
        labels
            .iter()
            .map(String::as_str)
            .zip(s.scenarios.iter().map(|(_, sc)| sc)),
        &|done| ctx.progress.update("scenario runs", done, total),
    )
    .map_err(StepError::from)?;
    table.write_to(dir).map_err(StepError::Write)?;
    let mut manifest = Manifest::for_current_process();
    manifest.add_input(&s.model_path);
    for (p, _) in s.presets.iter().chain(&s.scenarios) {
        manifest.add_input(p);
    }
    manifest.parameters = applied;
    manifest.extra.insert("command".into(), "scenarios".into());
    manifest.write_to_dir(dir).map_err(io(dir))?;
    Ok(Ran {
        note: format!("{total} scenario runs"),
        estimates: vec![],
        estimate: None,
        sensitivity: None,
        calibration: None,
    })
}

/// Plans the scenario comparison of a scenarios step.
fn scenario_plans(step: &Step, s: &ScenarioStep, dir: &Path) -> Vec<FigurePlan> {
    let names: Vec<String> = s
        .scenarios
        .iter()
        .map(|(p, sc)| ScenarioStep::label(p, sc))
        .collect();
    let presets: Vec<String> = s
        .presets
        .iter()
        .map(|(p, _)| figures::display_path(p))
        .collect();
    let from = figures::Provenance {
        priors: String::new(),
        experiment: step.title.clone(),
        source: format!(
            "model {}{}",
            figures::display_path(&s.model_path),
            if presets.is_empty() {
                String::new()
            } else {
                format!(" with preset {}", presets.join(", "))
            }
        ),
    };
    let shows = figures::Shows::Scenarios {
        scenarios: names,
        variables: s.variables.clone(),
        parameters_from: s.parameters_from.clone(),
    };
    vec![figures::scenario_plan(
        "scenarios",
        dir.join("scenarios.csv"),
        figures::caption(&shows, &from),
        s.variables.len(),
    )]
}
