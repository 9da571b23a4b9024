//! `pressure calibrate`: fit a model to episode data as an experiment file describes, with
//! standard errors, profile-likelihood intervals, bootstrap and MCMC as asked; resumable.

use super::CliError;
use pressure::calibrate::experiment::outputs::calibration_files;
use pressure::calibrate::experiment::{Experiment, RunOptions, RunProgress};
use pressure::calibrate::CalibrateError;
use pressure::output::Manifest;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Instant;

/// Calibrate a model against episode data and write params.csv, fit.csv, stats.json,
/// profiles.csv (with profiles), draws.csv (with MCMC) and manifest.json.
#[derive(Debug, clap::Args)]
pub struct CalibrateArgs {
    /// The experiment file (TOML): model, scenarios, episodes, mappings, parameters.
    pub experiment: PathBuf,
    /// Output directory (created if needed; files are written atomically).
    #[arg(long)]
    pub out: PathBuf,
    /// Seed of multi-start, bootstrap and MCMC; default: the experiment's `seed`, else 0.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Continue a killed run from the checkpoints in OUT/.checkpoint (same experiment and
    /// seed); the result equals that of an uninterrupted run.
    #[arg(long)]
    pub resume: bool,
    /// Worker threads (default: all cores). Results do not depend on it.
    #[arg(long)]
    pub threads: Option<usize>,
    #[command(flatten)]
    pub engine: super::EngineArgs,
}

fn from_calibrate(e: CalibrateError) -> CliError {
    match e {
        CalibrateError::InvalidInput(m) => CliError::Input(miette::miette!("{m}")),
        other => CliError::Failure(miette::miette!("{other}")),
    }
}

fn io_error(path: &Path, e: std::io::Error) -> CliError {
    CliError::Failure(miette::miette!("cannot write {}: {e}", path.display()))
}

pub fn run(args: &CalibrateArgs) -> Result<(), CliError> {
    let experiment = Experiment::load(&args.experiment).map_err(from_calibrate)?;
    let seed = args.seed.or(experiment.spec.experiment.seed).unwrap_or(0);
    let threads = args.threads.unwrap_or(0);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| CliError::Input(miette::miette!("--threads {threads}: {e}")))?;

    // One bar, relabelled per stage; only on a terminal.
    let bar = std::io::stderr().is_terminal().then(|| {
        let bar = indicatif::ProgressBar::new(1);
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "{spinner} [{elapsed_precise}] {msg:12} {bar:40} {pos}/{len}",
            )
            .expect("valid template"),
        );
        bar
    });
    let stage = Mutex::new("");
    let progress = |p: RunProgress| {
        if let Some(b) = &bar {
            let mut s = stage.lock().unwrap();
            if *s != p.stage {
                *s = p.stage;
                b.set_message(p.stage);
                b.set_length(p.total as u64);
                b.set_position(0);
            }
            b.set_position(b.position().max(p.done as u64));
        }
    };
    let start = Instant::now();
    let report = pool
        .install(|| {
            experiment.run(&RunOptions {
                seed,
                checkpoint_dir: Some(args.out.join(".checkpoint")),
                resume: args.resume,
                progress: Some(&progress),
            })
        })
        .map_err(from_calibrate)?;
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    let elapsed = start.elapsed().as_secs_f64();

    let rendered =
        calibration_files(&experiment, &report, seed, None, None).map_err(from_calibrate)?;
    rendered
        .write_to(&args.out)
        .map_err(|e| CliError::Failure(miette::miette!("{e}")))?;
    let mut manifest = Manifest::for_current_process();
    for p in &experiment.inputs {
        manifest.add_input(p);
    }
    manifest.parameters = report.estimates();
    manifest.seed = Some(seed);
    manifest.extra.extend(report.manifest_facts());
    let extra = &mut manifest.extra;
    extra.insert("threads".into(), rayon::current_num_threads().into());
    extra.insert("resumed".into(), args.resume.into());
    extra.insert("seconds".into(), elapsed.into());
    manifest
        .write_to_dir(&args.out)
        .map_err(|e| io_error(&args.out, e))?;
    pressure::figures::write_command_figures(pressure::figures::SetKind::Calibrate, &args.out)?;
    eprintln!(
        "calibrated {} parameters of `{}` in {elapsed:.1} s ({} model runs to estimate); wrote {}",
        report.parameters.len(),
        report.experiment,
        report.multistart.model_runs,
        args.out.display()
    );
    if let Some(m) = &report.mcmc {
        let c = m.converged(
            pressure::calibrate::experiment::report::RHAT_MAX,
            pressure::calibrate::experiment::report::ESS_MIN,
        );
        let line = format!(
            "posterior ({}, {} chains, {} evaluations): {c}",
            m.algorithm,
            m.draws.len(),
            m.evaluations
        );
        if c.ok() {
            eprintln!("{line}");
        } else {
            eprintln!("warning: {line}");
        }
    }
    for note in &rendered.notes {
        eprintln!("{note}");
    }
    if !report.estimate.converged {
        eprintln!(
            "warning: the optimiser did not converge ({}); see stats.json",
            report.estimate.message
        );
    }
    Ok(())
}
