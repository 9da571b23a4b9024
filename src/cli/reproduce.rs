//! `pressure reproduce [--quick]`: the main job. Runs the study listed in
//! `experiments/reproduce.toml` — calibrations, scenario comparisons, sensitivity analyses and
//! panel estimates — in-process through the library APIs, then draws every standard figure
//! into one folder (`figures/` by default) with an `index.md` of captions and a
//! `manifest.json`.
//!
//! Layout of the output folder:
//!
//! ```text
//! figures/index.md                 every figure with its caption, files, data and redraw command
//! figures/manifest.json            inputs with hashes, seed, quick or full, steps and timings
//! figures/<step>-<figure>.svg|png|pdf
//! figures/runs/<step>/             what the command would have written (CSV, JSON, manifest),
//!                                  plus figure-data/ (plot-ready extracts the figures read)
//! ```
//!
//! Every file is written atomically. Bad input (the study file, an experiment, a model, data)
//! is found before anything runs and exits with 2, writing nothing; a step that fails while
//! running is reported in the index, the other steps still run, and the exit code is 1.

use super::model_errors::{from_model, from_sim};
use super::CliError;
use pressure::calibrate::experiment::outputs::calibration_files;
use pressure::calibrate::experiment::spec::McmcSpec;
use pressure::calibrate::experiment::{
    CalibrationReport, Experiment as CalExperiment, RunOptions as CalRunOptions, RunProgress,
};
use pressure::econometrics::spec::{
    run_spec_file, Overrides as EconOverrides, Report as EstimateReport,
};
use pressure::figures::{self, DrawnFigure, FigureFailure, IndexSection, SetKind};
use pressure::output::{write_atomic, Manifest};
use pressure::sensitivity::experiment::{
    Experiment as SensExperiment, Method as SensMethod, Outcome, Prepared,
    RunOptions as SensRunOptions,
};
use pressure::sim::report::ScenarioTable;
use pressure::sim::{CompiledModel, Scenario};
use serde::Deserialize;
use std::fmt::Write as _;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Instant;

/// Reproduce the study: calibrations, sensitivity analyses, estimates and every figure.
#[derive(Debug, clap::Args)]
pub struct ReproduceArgs {
    /// Fewer starts, iterations, samples and episodes (well under a minute); every figure kind
    /// is still drawn from real results.
    #[arg(long)]
    pub quick: bool,
    /// Output folder for the figures, index.md, manifest.json and the runs' results.
    #[arg(long, default_value = "figures")]
    pub out: PathBuf,
    /// Seed of every stochastic step (default: each experiment's own seed).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Worker threads (default: all cores). Results do not depend on it.
    #[arg(long)]
    pub threads: Option<usize>,
    /// The study file listing the steps.
    #[arg(long, default_value = "experiments/reproduce.toml")]
    pub study: PathBuf,
    #[command(flatten)]
    pub engine: super::EngineArgs,
}

// ---------------------------------------------------------------------------------------------
// The study file.

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct StudyFile {
    title: String,
    #[serde(default)]
    description: Option<String>,
    #[serde(rename = "step")]
    steps: Vec<StepSpec>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
enum StepKind {
    Calibrate,
    Scenarios,
    Sensitivity,
    Estimate,
}

/// Settings a step may change in its experiment (`[step.set]`, and `[step.quick]` over them).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Settings {
    /// Run only the full study, not `--quick`.
    skip: Option<bool>,
    /// Another experiment or spec file (e.g. fewer episodes).
    file: Option<PathBuf>,
    /// Sensitivity: Morris trajectories, Sobol' base points or Monte Carlo runs.
    n: Option<usize>,
    /// Sensitivity and calibration: bootstrap resamples / replicates.
    bootstrap: Option<usize>,
    /// Morris: candidate trajectories for the improved-spread selection (0: plain random
    /// trajectories). The selection compares every pair of candidates point by point, so its
    /// cost grows with candidates² × (parameters + 1)² × parameters.
    candidates: Option<usize>,
    /// Calibration: Latin-hypercube starts.
    multistart: Option<usize>,
    /// Calibration: MCMC chains and iterations per chain.
    mcmc_chains: Option<usize>,
    mcmc_iterations: Option<usize>,
    /// Calibration: profile likelihoods on or off.
    profile: Option<bool>,
    /// Calibration: iteration limit of the optimiser per start.
    max_iterations: Option<usize>,
    /// Calibration: posterior draws rerun for the bands of the fit figures (0: none).
    bands: Option<usize>,
    /// Calibration: posterior draws rerun for counterfactuals and holdout forecasts (default:
    /// the experiment's `[counterfactual] draws`).
    counterfactual_draws: Option<usize>,
    /// Calibration: the estimate step (run earlier in the study) whose `synth_episodes.csv`
    /// gives the synthetic-control benchmarks of the counterfactuals.
    synth_from: Option<String>,
    /// Scenarios: the scenario files.
    scenarios: Option<Vec<PathBuf>>,
}

impl Settings {
    fn over(&self, base: &Settings) -> Settings {
        Settings {
            skip: self.skip.or(base.skip),
            file: self.file.clone().or_else(|| base.file.clone()),
            n: self.n.or(base.n),
            bootstrap: self.bootstrap.or(base.bootstrap),
            candidates: self.candidates.or(base.candidates),
            multistart: self.multistart.or(base.multistart),
            mcmc_chains: self.mcmc_chains.or(base.mcmc_chains),
            mcmc_iterations: self.mcmc_iterations.or(base.mcmc_iterations),
            profile: self.profile.or(base.profile),
            max_iterations: self.max_iterations.or(base.max_iterations),
            bands: self.bands.or(base.bands),
            counterfactual_draws: self.counterfactual_draws.or(base.counterfactual_draws),
            synth_from: self.synth_from.clone().or_else(|| base.synth_from.clone()),
            scenarios: self.scenarios.clone().or_else(|| base.scenarios.clone()),
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct StepSpec {
    name: String,
    kind: StepKind,
    /// Section heading in the index.
    title: Option<String>,
    /// The experiment (calibrate, sensitivity) or spec (estimate).
    file: Option<PathBuf>,
    #[serde(default)]
    set: Settings,
    #[serde(default)]
    quick: Settings,
    // scenarios
    model: Option<PathBuf>,
    #[serde(default)]
    presets: Vec<PathBuf>,
    #[serde(default)]
    variables: Vec<String>,
    /// Scenarios: take the estimates of this calibration step.
    parameters_from: Option<String>,
}

fn input(msg: impl std::fmt::Display) -> CliError {
    CliError::Input(miette::miette!("{msg}"))
}

fn failure(msg: impl std::fmt::Display) -> CliError {
    CliError::Failure(miette::miette!("{msg}"))
}

fn report_text(e: &CliError) -> String {
    match e {
        CliError::Input(r) | CliError::Failure(r) => format!("{r}"),
    }
}

/// The study file as given (relative to the working directory; no fallback to the folder the
/// binary was built in).
fn locate_study(given: &Path) -> Result<PathBuf, CliError> {
    if given.exists() {
        return Ok(given.to_path_buf());
    }
    Err(CliError::Input(miette::miette!(
        help = "run from the repository root, or give --study FILE",
        "study file {} not found",
        given.display()
    )))
}

// ---------------------------------------------------------------------------------------------
// Steps, loaded and validated before anything runs.

enum Loaded {
    Calibrate {
        experiment: Box<CalExperiment>,
        bands: usize,
        counterfactual_draws: Option<usize>,
        synth_from: Option<String>,
    },
    Sensitivity {
        prepared: Box<Prepared>,
    },
    Estimate {
        spec: PathBuf,
    },
    Scenarios(Box<ScenarioStep>),
}

struct ScenarioStep {
    model_path: PathBuf,
    compiled: CompiledModel,
    presets: Vec<(PathBuf, Scenario)>,
    scenarios: Vec<(PathBuf, Scenario)>,
    variables: Vec<String>,
    parameters_from: Option<String>,
    time_units: String,
}

struct Step {
    name: String,
    title: String,
    kind: StepKind,
    inputs: Vec<PathBuf>,
    loaded: Loaded,
}

fn resolve(base: &Path, p: &Path) -> PathBuf {
    if p.is_absolute() {
        p.to_path_buf()
    } else {
        base.join(p)
    }
}

fn load_step(
    spec: &StepSpec,
    settings: &Settings,
    base: &Path,
    names: &[String],
) -> Result<Step, CliError> {
    let name = spec.name.clone();
    let ctx = |e: CliError| -> CliError {
        match e {
            CliError::Input(r) => CliError::Input(r.wrap_err(format!("step `{name}`"))),
            CliError::Failure(r) => CliError::Failure(r.wrap_err(format!("step `{name}`"))),
        }
    };
    let file = settings
        .file
        .as_ref()
        .or(spec.file.as_ref())
        .map(|f| resolve(base, f));
    let need_file = || {
        file.clone().ok_or_else(|| {
            input(format!(
                "step `{name}`: a {:?} step needs `file` (the experiment or spec)",
                spec.kind
            ))
        })
    };
    let (loaded, inputs) = match spec.kind {
        StepKind::Calibrate => {
            let path = need_file()?;
            let mut experiment = CalExperiment::load(&path)
                .map_err(|e| ctx(input(format!("{}: {e}", path.display()))))?;
            let s = &mut experiment.spec;
            if let Some(m) = settings.multistart {
                s.estimation.multistart = m;
            }
            if let Some(b) = settings.bootstrap {
                s.uncertainty.bootstrap = b;
            }
            if let Some(p) = settings.profile {
                s.uncertainty.profile = p;
            }
            if let Some(m) = settings.max_iterations {
                s.estimation.max_iterations = Some(m);
            }
            // Asking for chains or iterations turns MCMC on for an experiment without it (flat
            // priors within the bounds unless the experiment gives priors).
            if s.uncertainty.mcmc.is_none()
                && (settings.mcmc_chains.is_some() || settings.mcmc_iterations.is_some())
            {
                s.uncertainty.mcmc = Some(McmcSpec::default());
            }
            if let Some(m) = s.uncertainty.mcmc.as_mut() {
                if let Some(c) = settings.mcmc_chains {
                    m.chains = c;
                }
                if let Some(i) = settings.mcmc_iterations {
                    m.iterations = i;
                    // A warm-up written for the full chain may not fit the shorter one.
                    m.warmup = m.warmup.map(|w| w.min(i / 2));
                }
            }
            if let Some(from) = &settings.synth_from {
                if !names.contains(from) {
                    return Err(input(format!(
                        "step `{name}`: synth_from = `{from}` names no earlier step"
                    )));
                }
            }
            let inputs = experiment.inputs.clone();
            (
                Loaded::Calibrate {
                    experiment: Box::new(experiment),
                    bands: settings.bands.unwrap_or(200),
                    counterfactual_draws: settings.counterfactual_draws,
                    synth_from: settings.synth_from.clone(),
                },
                inputs,
            )
        }
        StepKind::Sensitivity => {
            let path = need_file()?;
            let experiment = SensExperiment::load(&path)
                .map_err(|e| ctx(super::sensitivity::from_experiment(e)))?;
            let mut prepared = experiment
                .prepare()
                .map_err(|e| ctx(super::sensitivity::from_experiment(e)))?;
            apply_sensitivity_settings(&mut prepared.spec.method, settings);
            prepared
                .planned_runs(None)
                .map_err(|e| ctx(super::sensitivity::from_experiment(e)))?;
            let inputs = prepared.inputs.clone();
            (
                Loaded::Sensitivity {
                    prepared: Box::new(prepared),
                },
                inputs,
            )
        }
        StepKind::Estimate => {
            let path = need_file()?;
            if !path.exists() {
                return Err(input(format!(
                    "step `{name}`: spec {} not found",
                    path.display()
                )));
            }
            (Loaded::Estimate { spec: path.clone() }, vec![path])
        }
        StepKind::Scenarios => {
            let model_path = resolve(
                base,
                spec.model.as_ref().ok_or_else(|| {
                    input(format!("step `{name}`: a scenarios step needs `model`"))
                })?,
            );
            let model = pressure::interop::load(&model_path).map_err(|e| ctx(from_model(e)))?;
            let compiled = CompiledModel::compile(&model).map_err(|e| ctx(from_sim(e)))?;
            let load = |list: &[PathBuf]| -> Result<Vec<(PathBuf, Scenario)>, CliError> {
                list.iter()
                    .map(|p| {
                        let p = resolve(base, p);
                        Scenario::load(&p)
                            .map(|s| (p, s))
                            .map_err(|e| ctx(from_sim(e)))
                    })
                    .collect()
            };
            let presets = load(&spec.presets)?;
            let scenario_files = settings.scenarios.clone().unwrap_or_default();
            if scenario_files.is_empty() {
                return Err(input(format!(
                    "step `{name}`: list the `scenarios` to compare"
                )));
            }
            let scenarios = load(&scenario_files)?;
            if spec.variables.is_empty() {
                return Err(input(format!(
                    "step `{name}`: list the `variables` to draw"
                )));
            }
            if let Some(from) = &spec.parameters_from {
                if !names.contains(from) {
                    return Err(input(format!(
                        "step `{name}`: parameters_from = `{from}` names no earlier calibrate step"
                    )));
                }
            }
            // Every variable must exist: a quick check with one run of the first scenario.
            let step = ScenarioStep {
                model_path: model_path.clone(),
                time_units: model.settings.time_units.clone().unwrap_or_default(),
                compiled,
                presets,
                scenarios,
                variables: spec.variables.clone(),
                parameters_from: spec.parameters_from.clone(),
            };
            let mut inputs = vec![model_path];
            inputs.extend(step.presets.iter().map(|p| p.0.clone()));
            inputs.extend(step.scenarios.iter().map(|p| p.0.clone()));
            (Loaded::Scenarios(Box::new(step)), inputs)
        }
    };
    Ok(Step {
        title: spec.title.clone().unwrap_or_else(|| spec.name.clone()),
        name: spec.name.clone(),
        kind: spec.kind,
        inputs,
        loaded,
    })
}

fn apply_sensitivity_settings(method: &mut SensMethod, s: &Settings) {
    match method {
        SensMethod::Sobol { n, bootstrap, .. } => {
            if let Some(v) = s.n {
                *n = v;
            }
            if let Some(b) = s.bootstrap {
                *bootstrap = b;
            }
        }
        SensMethod::Morris {
            trajectories,
            bootstrap,
            candidates,
            ..
        } => {
            if let Some(v) = s.n {
                *trajectories = v;
            }
            match s.candidates {
                Some(0) => *candidates = None,
                Some(c) => *candidates = Some(c),
                None => {}
            }
            // The improved-spread selection needs more candidates than trajectories.
            if let Some(c) = candidates.as_mut() {
                *c = (*c).max(*trajectories + 1);
            }
            if let Some(b) = s.bootstrap {
                *bootstrap = b;
            }
        }
        SensMethod::MonteCarlo { n, .. } => {
            if let Some(v) = s.n {
                *n = v;
            }
        }
        SensMethod::Oat { .. } => {}
    }
}

// ---------------------------------------------------------------------------------------------
// Progress: one bar relabelled per step on a terminal; one line per step otherwise.

struct Progress {
    bar: Option<indicatif::ProgressBar>,
    stage: Mutex<String>,
}

impl Progress {
    fn new() -> Self {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = indicatif::ProgressBar::new(1);
            bar.set_style(
                indicatif::ProgressStyle::with_template(
                    "{spinner} [{elapsed_precise}] {prefix:.bold} {msg:14} {bar:30} {pos}/{len}",
                )
                .expect("valid template"),
            );
            bar.enable_steady_tick(std::time::Duration::from_millis(200));
            bar
        });
        Progress {
            bar,
            stage: Mutex::new(String::new()),
        }
    }

    fn start(&self, i: usize, n: usize, step: &Step) {
        let label = format!("[{i}/{n}] {}", step.name);
        match &self.bar {
            Some(b) => {
                b.set_prefix(label);
                b.set_message("");
                b.set_length(1);
                b.set_position(0);
            }
            None => eprintln!("{label}: {:?} {}", step.kind, step.title),
        }
        *self.stage.lock().expect("progress lock") = String::new();
    }

    fn update(&self, stage: &str, done: usize, total: usize) {
        if let Some(b) = &self.bar {
            let mut s = self.stage.lock().expect("progress lock");
            if *s != stage {
                *s = stage.to_string();
                b.set_message(stage.to_string());
                b.set_length(total.max(1) as u64);
                b.set_position(0);
            }
            b.set_position(b.position().max(done as u64));
        }
    }

    fn line(&self, text: &str) {
        match &self.bar {
            Some(b) => b.println(text),
            None => eprintln!("{text}"),
        }
    }

    fn finish(&self) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Running the steps.

/// What a finished step leaves for the index and the manifest.
struct StepOutcome {
    seconds: f64,
    note: String,
    drawn: Vec<DrawnFigure>,
    failed: Vec<FigureFailure>,
    error: Option<String>,
    /// Calibrated parameters (name, value), for later scenario steps.
    estimates: Vec<(String, f64)>,
}

fn io_err(path: &Path, e: std::io::Error) -> CliError {
    failure(format!("cannot write {}: {e}", path.display()))
}

fn write(path: &Path, bytes: &[u8]) -> Result<(), CliError> {
    write_atomic(path, bytes).map_err(|e| io_err(path, e))
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

struct Ctx<'a> {
    seed: Option<u64>,
    progress: &'a Progress,
    /// Estimates of earlier calibration steps, by step name.
    calibrated: &'a [(String, Vec<(String, f64)>)],
    /// An estimate step's report, kept for planning its figures.
    estimate: &'a Mutex<Option<EstimateReport>>,
}

/// Runs one step into `dir`; returns a note for the log and the calibrated estimates.
fn run_step(
    step: &Step,
    dir: &Path,
    ctx: &Ctx<'_>,
) -> Result<(String, Vec<(String, f64)>), CliError> {
    match &step.loaded {
        Loaded::Calibrate {
            experiment,
            bands,
            counterfactual_draws,
            synth_from,
        } => {
            // The estimate step's results sit next to this step's folder.
            let synth = synth_from.as_ref().map(|s| {
                dir.parent()
                    .unwrap_or(Path::new("."))
                    .join(s)
                    .join("synth_episodes.csv")
            });
            run_calibration(
                step,
                experiment,
                *bands,
                *counterfactual_draws,
                synth,
                dir,
                ctx,
            )
        }
        Loaded::Sensitivity { prepared } => run_sensitivity(step, prepared, dir, ctx),
        Loaded::Estimate { spec } => run_estimate(step, spec, dir, ctx),
        Loaded::Scenarios(s) => run_scenarios(step, s, dir, ctx),
    }
}

fn run_calibration(
    step: &Step,
    experiment: &CalExperiment,
    bands: usize,
    counterfactual_draws: Option<usize>,
    synth_file: Option<PathBuf>,
    dir: &Path,
    ctx: &Ctx<'_>,
) -> Result<(String, Vec<(String, f64)>), CliError> {
    let seed = ctx.seed.or(experiment.spec.experiment.seed).unwrap_or(0);
    let progress = |p: RunProgress| ctx.progress.update(p.stage, p.done, p.total);
    let report = experiment
        .run(&CalRunOptions {
            seed,
            checkpoint_dir: None,
            resume: false,
            progress: Some(&progress),
        })
        .map_err(|e| failure(format!("calibration: {e}")))?;
    ctx.progress.update("validation", 0, 1);
    let rendered = calibration_files(experiment, &report, seed, counterfactual_draws, synth_file)
        .map_err(|e| failure(format!("calibration outputs: {e}")))?;
    rendered.write_to(dir).map_err(failure)?;
    // The study's own extra: posterior bands of the fit for its figures.
    if bands > 0 {
        ctx.progress.update("fit bands", 0, 1);
        if let Some(csv) = posterior_fit_bands(experiment, &report, bands, 0.95)? {
            write(&dir.join("fit_bands.csv"), csv.as_bytes())?;
        }
    }
    let mut manifest = step_manifest(step, Some(seed));
    manifest.parameters = report.estimates();
    manifest.extra.extend(report.manifest_facts());
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
    manifest.write_to_dir(dir).map_err(|e| io_err(dir, e))?;
    let note = format!(
        "{} parameters, {} model runs to estimate{}{}",
        report.parameters.len(),
        report.multistart.model_runs,
        {
            // The posterior's convergence verdict first: a run that misses it says so here.
            let mut notes: Vec<String> = report.convergence.iter().map(|c| c.describe()).collect();
            notes.extend(rendered.notes.iter().cloned());
            if notes.is_empty() {
                String::new()
            } else {
                format!("; {}", notes.join("; "))
            }
        },
        if report.estimate.converged {
            String::new()
        } else {
            format!("; optimiser did not converge: {}", report.estimate.message)
        }
    );
    Ok((note, report.estimates()))
}

/// Posterior bands of the model at every observation: the model rerun at up to `max_draws`
/// MCMC draws (evenly spaced over the pooled chains), the central `level` interval per
/// observation, on the data's scale. `None` without MCMC draws.
fn posterior_fit_bands(
    experiment: &CalExperiment,
    report: &CalibrationReport,
    max_draws: usize,
    level: f64,
) -> Result<Option<String>, CliError> {
    let Some(mcmc) = &report.mcmc else {
        return Ok(None);
    };
    let pooled: Vec<&Vec<f64>> = mcmc.draws.iter().flatten().collect();
    if pooled.is_empty() {
        return Ok(None);
    }
    let k = max_draws.min(pooled.len()).max(1);
    let picks: Vec<&Vec<f64>> = (0..k).map(|i| pooled[i * pooled.len() / k]).collect();
    let n_obs: usize = report.fit.iter().map(|f| f.observed.len()).sum();
    // Parallel over draws, each with its own predictor (results do not depend on threads).
    use rayon::prelude::*;
    let preds: Vec<Option<Vec<f64>>> = picks
        .par_iter()
        .map_init(
            || experiment.calibration().ok(),
            |cal, x| {
                let cal = cal.as_mut()?;
                cal.predict(x).ok().map(|p| p.to_vec())
            },
        )
        .collect();
    let ok: Vec<Vec<f64>> = preds
        .into_iter()
        .flatten()
        .filter(|p| p.len() == n_obs)
        .collect();
    if ok.len() < 20 {
        // Too few successful reruns for a band worth drawing.
        return Ok(None);
    }
    let (qlo, qhi) = ((1.0 - level) / 2.0, 1.0 - (1.0 - level) / 2.0);
    let mut out =
        String::from("episode,series,variable,unit,date,observed,model,lower,upper,level\n");
    let mut k = 0;
    let mut column = vec![0.0; ok.len()];
    for f in &report.fit {
        for (j, date) in f.dates.iter().enumerate() {
            for (c, p) in column.iter_mut().zip(&ok) {
                *c = f.transform.invert(p[k + j], &f.unit);
            }
            column.sort_by(f64::total_cmp);
            let lo = pressure::stats::quantile_sorted(&column, qlo).unwrap_or(f64::NAN);
            let hi = pressure::stats::quantile_sorted(&column, qhi).unwrap_or(f64::NAN);
            let _ = writeln!(
                out,
                "{},{},{},{},{date},{},{},{},{},{}%",
                f.episode,
                f.series,
                f.variable,
                f.unit,
                f.observed[j],
                f.model[j],
                lo.min(f.model[j]),
                hi.max(f.model[j]),
                (level * 100.0).round()
            );
        }
        k += f.dates.len();
    }
    Ok(Some(out))
}

fn run_sensitivity(
    step: &Step,
    prepared: &Prepared,
    dir: &Path,
    ctx: &Ctx<'_>,
) -> Result<(String, Vec<(String, f64)>), CliError> {
    let seed = ctx.seed.unwrap_or(prepared.default_seed());
    let planned = prepared
        .planned_runs(None)
        .map_err(super::sensitivity::from_experiment)?;
    let progress = |done: usize| ctx.progress.update("model runs", done, planned);
    let start = Instant::now();
    let outcome = prepared
        .run(&SensRunOptions {
            seed,
            shard: None,
            progress: Some(&progress),
        })
        .map_err(super::sensitivity::from_experiment)?;
    let elapsed = start.elapsed().as_secs_f64();
    let Outcome::Complete(report) = outcome else {
        return Err(failure("a whole run returned a partial result"));
    };
    let mut manifest = step_manifest(step, Some(seed));
    let mut spec = prepared.spec.clone();
    spec.seed = seed;
    manifest.extra.extend(spec.manifest_facts());
    manifest.extra.insert("runs".into(), planned.into());
    manifest
        .extra
        .insert("elapsed_seconds".into(), elapsed.into());
    super::sensitivity::write_report_files(dir, &report, &manifest)?;
    Ok((
        format!(
            "{planned} model runs in {elapsed:.1} s ({:.0} runs/s)",
            planned as f64 / elapsed.max(1e-9)
        ),
        vec![],
    ))
}

fn run_estimate(
    step: &Step,
    spec: &Path,
    dir: &Path,
    ctx: &Ctx<'_>,
) -> Result<(String, Vec<(String, f64)>), CliError> {
    ctx.progress.update("estimating", 0, 1);
    let report = run_spec_file(spec, &EconOverrides { seed: ctx.seed })
        .map_err(|e| failure(format!("{}: {e}", spec.display())))?;
    report.write_to(dir).map_err(failure)?;
    let mut manifest = step_manifest(step, report.seed);
    for input in &report.inputs {
        manifest.add_input(input);
    }
    // The same facts as `pressure estimate` records (the study's copy used to drop the
    // variance type and the list of outputs).
    manifest.extra.extend(report.manifest_facts());
    manifest.write_to_dir(dir).map_err(|e| io_err(dir, e))?;
    ctx.progress.update("estimating", 1, 1);
    let note = format!("{} models", report.models.len());
    *ctx.estimate.lock().unwrap_or_else(|e| e.into_inner()) = Some(report);
    Ok((note, vec![]))
}

fn run_scenarios(
    _step: &Step,
    s: &ScenarioStep,
    dir: &Path,
    ctx: &Ctx<'_>,
) -> Result<(String, Vec<(String, f64)>), CliError> {
    let compiled = &s.compiled;
    let mut base = compiled.default_params();
    let mut base_exo = compiled.default_exogenous();
    let mut base_settings = compiled.default_settings();
    for (_, p) in &s.presets {
        p.apply(compiled, &mut base, &mut base_exo, &mut base_settings)
            .map_err(from_sim)?;
    }
    let mut applied = Vec::new();
    if let Some(from) = &s.parameters_from {
        let estimates = ctx
            .calibrated
            .iter()
            .find(|(n, _)| n == from)
            .map(|(_, e)| e.as_slice())
            .ok_or_else(|| {
                failure(format!(
                    "calibration step `{from}` has no estimates (did it fail?)"
                ))
            })?;
        for (name, value) in estimates {
            // Episode-specific parameters (`name@episode`) belong to one episode's run only.
            if name.contains('@') {
                continue;
            }
            compiled
                .set_param(&mut base, name, *value)
                .map_err(|e| failure(format!("calibrated parameter {name}: {e}")))?;
            applied.push((name.clone(), *value));
        }
    }
    let mut table = ScenarioTable::new(s.time_units.as_str());
    let total = s.scenarios.len();
    for (i, (path, scenario)) in s.scenarios.iter().enumerate() {
        ctx.progress.update("scenario runs", i, total);
        let (mut params, mut exo, mut settings) =
            (base.clone(), base_exo.clone(), base_settings.clone());
        scenario
            .apply(compiled, &mut params, &mut exo, &mut settings)
            .map_err(from_sim)?;
        let results = compiled
            .run_with(&params, &exo, &settings)
            .map_err(from_sim)?;
        let label = scenario.name().map(str::to_string).unwrap_or_else(|| {
            path.file_stem()
                .map(|f| f.to_string_lossy().to_string())
                .unwrap_or_default()
        });
        table
            .push(&label, &results, &s.variables)
            .map_err(|e| failure(format!("{e} of {}", s.model_path.display())))?;
    }
    ctx.progress.update("scenario runs", total, total);
    table.write_to(dir).map_err(failure)?;
    let mut manifest = Manifest::for_current_process();
    manifest.add_input(&s.model_path);
    for (p, _) in s.presets.iter().chain(&s.scenarios) {
        manifest.add_input(p);
    }
    manifest.parameters = applied;
    manifest.extra.insert("command".into(), "scenarios".into());
    manifest.write_to_dir(dir).map_err(|e| io_err(dir, e))?;
    Ok((format!("{total} scenario runs"), vec![]))
}

/// Plans the scenario comparison of a scenarios step.
fn scenario_plans(step: &Step, s: &ScenarioStep, dir: &Path) -> Vec<figures::FigurePlan> {
    let names: Vec<String> = s
        .scenarios
        .iter()
        .map(|(p, sc)| {
            sc.name().map(str::to_string).unwrap_or_else(|| {
                p.file_stem()
                    .map(|f| f.to_string_lossy().to_string())
                    .unwrap_or_default()
            })
        })
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

// ---------------------------------------------------------------------------------------------
// The command.

pub fn run(args: &ReproduceArgs) -> Result<(), CliError> {
    let started = Instant::now();
    let study_path = locate_study(&args.study)?;
    let text = std::fs::read_to_string(&study_path)
        .map_err(|e| input(format!("cannot read {}: {e}", study_path.display())))?;
    let study: StudyFile =
        toml::from_str(&text).map_err(|e| input(format!("{}: {e}", study_path.display())))?;
    let base = study_path.parent().unwrap_or(Path::new(".")).to_path_buf();
    let threads = args.threads.unwrap_or(0);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| input(format!("--threads {threads}: {e}")))?;

    // 1. Load and check every step before running anything (bad input writes nothing).
    let mut steps = Vec::new();
    let mut names: Vec<String> = Vec::new();
    for spec in &study.steps {
        if names.contains(&spec.name) {
            return Err(input(format!(
                "{}: two steps are named `{}`",
                study_path.display(),
                spec.name
            )));
        }
        if spec.name.is_empty()
            || !spec
                .name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            return Err(input(format!(
                "{}: step name `{}` must be letters, digits, - or _ (it names files)",
                study_path.display(),
                spec.name
            )));
        }
        let settings = if args.quick {
            spec.quick.over(&spec.set)
        } else {
            spec.set.clone()
        };
        if settings.skip == Some(true) {
            names.push(spec.name.clone());
            continue;
        }
        let step = pool.install(|| load_step(spec, &settings, &base, &names))?;
        names.push(spec.name.clone());
        steps.push(step);
    }

    // 2. Run each step into runs/<step>/ and draw its figures into the output folder.
    let out = &args.out;
    std::fs::create_dir_all(out)
        .map_err(|e| failure(format!("cannot create {}: {e}", out.display())))?;
    let old_index = std::fs::read_to_string(out.join("index.md")).unwrap_or_default();
    let progress = Progress::new();
    let mut outcomes: Vec<StepOutcome> = Vec::new();
    let mut calibrated: Vec<(String, Vec<(String, f64)>)> = Vec::new();
    let n = steps.len();
    for (i, step) in steps.iter().enumerate() {
        progress.start(i + 1, n, step);
        let t = Instant::now();
        let dir = out.join("runs").join(&step.name);
        let estimate = Mutex::new(None);
        let ctx = Ctx {
            seed: args.seed,
            progress: &progress,
            calibrated: &calibrated,
            estimate: &estimate,
        };
        let result = pool.install(|| run_step(step, &dir, &ctx));
        let mut outcome = StepOutcome {
            seconds: 0.0,
            note: String::new(),
            drawn: vec![],
            failed: vec![],
            error: None,
            estimates: vec![],
        };
        match result {
            Ok((note, estimates)) => {
                outcome.note = note;
                outcome.estimates = estimates;
                progress.update("figures", 0, 1);
                let data_dir = dir.join("figure-data");
                let plans = match &step.loaded {
                    Loaded::Calibrate { .. } => SetKind::Calibrate.plans(&dir, &data_dir),
                    Loaded::Sensitivity { .. } => SetKind::Sensitivity.plans(&dir, &data_dir),
                    Loaded::Estimate { .. } => {
                        match estimate.lock().unwrap_or_else(|e| e.into_inner()).as_ref() {
                            Some(report) => SetKind::Estimate(report).plans(&dir, &data_dir),
                            None => Err(figures::FigureError(
                                "the estimate step left no report".into(),
                            )),
                        }
                    }
                    Loaded::Scenarios(s) => Ok(scenario_plans(step, s, &dir)),
                };
                match plans {
                    Ok(plans) => {
                        let (drawn, failed) =
                            pool.install(|| figures::draw(plans, out, &format!("{}-", step.name)));
                        outcome.drawn = drawn;
                        outcome.failed = failed;
                    }
                    Err(e) => outcome.error = Some(format!("figures: {e}")),
                }
            }
            Err(e) => outcome.error = Some(report_text(&e)),
        }
        outcome.seconds = t.elapsed().as_secs_f64();
        progress.line(&format!(
            "[{}/{n}] {} {} in {:.1} s: {}{} figure(s){}",
            i + 1,
            step.name,
            if outcome.error.is_some() {
                "FAILED"
            } else {
                "done"
            },
            outcome.seconds,
            if outcome.note.is_empty() {
                String::new()
            } else {
                format!("{}; ", outcome.note)
            },
            outcome.drawn.len(),
            match (&outcome.error, outcome.failed.len()) {
                (Some(e), _) => format!(" — {}", e.lines().next().unwrap_or("")),
                (None, 0) => String::new(),
                (None, k) => format!(", {k} not drawn"),
            }
        ));
        if !outcome.estimates.is_empty() {
            calibrated.push((step.name.clone(), outcome.estimates.clone()));
        }
        outcomes.push(outcome);
    }
    progress.finish();

    // 3. The index, stale figures of an earlier run, the manifest.
    let index = study_index(&study, &steps, &outcomes, args, out);
    let figure_files: Vec<PathBuf> = outcomes
        .iter()
        .flat_map(|o| o.drawn.iter().flat_map(|d| d.files.iter().cloned()))
        .collect();
    remove_stale_figures(&old_index, out, &figure_files);
    write(&out.join("index.md"), index.as_bytes())?;
    let mut manifest = Manifest::for_current_process();
    manifest.add_input(&study_path);
    for s in &steps {
        for p in &s.inputs {
            manifest.add_input(p);
        }
    }
    manifest.seed = args.seed;
    let total = started.elapsed().as_secs_f64();
    let extra = &mut manifest.extra;
    extra.insert("command".into(), "reproduce".into());
    extra.insert("quick".into(), args.quick.into());
    extra.insert("threads".into(), pool.current_num_threads().into());
    extra.insert("seconds".into(), total.into());
    extra.insert(
        "steps".into(),
        serde_json::json!(steps
            .iter()
            .zip(&outcomes)
            .map(|(s, o)| serde_json::json!({
                "name": s.name,
                "kind": format!("{:?}", s.kind).to_lowercase(),
                "seconds": o.seconds,
                "results": out.join("runs").join(&s.name).display().to_string(),
                "note": o.note,
                "error": o.error,
                "figures": o.drawn.iter().map(|d| d.plan.stem.clone()).collect::<Vec<_>>(),
                "not_drawn": o.failed.iter().map(|f| serde_json::json!({"figure": f.stem, "error": f.message})).collect::<Vec<_>>(),
            }))
            .collect::<Vec<_>>()),
    );
    manifest.write_to_dir(out).map_err(|e| io_err(out, e))?;
    let drawn: usize = outcomes.iter().map(|o| o.drawn.len()).sum();
    let failed_steps = outcomes.iter().filter(|o| o.error.is_some()).count();
    let failed_figures: usize = outcomes.iter().map(|o| o.failed.len()).sum();
    eprintln!(
        "{} {} steps in {total:.1} s on {} threads: {drawn} figures in {} (index.md, manifest.json)",
        if args.quick { "quick study:" } else { "study:" },
        steps.len(),
        pool.current_num_threads(),
        out.display()
    );
    if failed_steps + failed_figures > 0 {
        return Err(failure(format!(
            "{failed_steps} step(s) failed and {failed_figures} figure(s) were not drawn; see {}",
            out.join("index.md").display()
        )));
    }
    Ok(())
}

/// Figure files an earlier run listed in its index that this run did not write again.
fn remove_stale_figures(old_index: &str, out: &Path, written: &[PathBuf]) {
    for link in markdown_links(old_index) {
        let p = Path::new(&link);
        let is_figure = p
            .extension()
            .is_some_and(|e| e == "svg" || e == "png" || e == "pdf");
        if !is_figure || p.is_absolute() || link.contains("..") || link.contains('/') {
            continue;
        }
        let path = out.join(p);
        if !written.contains(&path) {
            let _ = std::fs::remove_file(&path);
        }
    }
}

/// Targets of `[text](target)` links in markdown.
pub fn markdown_links(md: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = md;
    while let Some(i) = rest.find("](") {
        rest = &rest[i + 2..];
        if let Some(j) = rest.find(')') {
            out.push(rest[..j].to_string());
            rest = &rest[j..];
        }
    }
    out
}

fn study_index(
    study: &StudyFile,
    steps: &[Step],
    outcomes: &[StepOutcome],
    args: &ReproduceArgs,
    out: &Path,
) -> String {
    let mut preamble = String::new();
    if let Some(d) = &study.description {
        let _ = writeln!(preamble, "{}\n", d.trim());
    }
    let _ = writeln!(
        preamble,
        "Written by `pressure reproduce{}` ({}), seed {}. Each figure is drawn from the CSV named under it and can be redrawn with the `pressure plot` command given; the results of every step (CSV, JSON, manifest) are in `runs/<step>/`.",
        if args.quick { " --quick" } else { "" },
        format_args!("pressure {}", env!("CARGO_PKG_VERSION")),
        args.seed
            .map(|s| s.to_string())
            .unwrap_or_else(|| "of each experiment file".into())
    );
    if args.quick {
        preamble.push_str("\n**Quick run**: fewer starts, iterations, samples and episodes than the full study; the figures show real results of these smaller runs.\n");
    }
    let sections: Vec<IndexSection<'_>> = steps
        .iter()
        .zip(outcomes)
        .map(|(s, o)| IndexSection {
            title: s.title.clone(),
            intro: match &o.error {
                Some(e) => format!("**Step `{}` failed:** {}", s.name, e.replace('\n', " ")),
                None => format!(
                    "Step `{}` ({}; {:.1} s): {}. Results in `runs/{}/`.",
                    s.name,
                    format!("{:?}", s.kind).to_lowercase(),
                    o.seconds,
                    o.note,
                    s.name
                ),
            },
            figures: &o.drawn,
            failures: &o.failed,
        })
        .collect();
    // Failed steps still get a section (with their error) even without figures.
    let mut md = figures::index_markdown(&study.title, &preamble, &sections, out);
    for (s, o) in steps.iter().zip(outcomes) {
        if o.drawn.is_empty() && o.failed.is_empty() {
            if let Some(e) = &o.error {
                let _ = writeln!(
                    md,
                    "## {}\n\n**Step `{}` failed:** {}\n",
                    s.title,
                    s.name,
                    e.replace('\n', " ")
                );
            }
        }
    }
    md
}
