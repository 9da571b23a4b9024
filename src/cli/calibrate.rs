//! `pressure calibrate`: fit a model to episode data as an experiment file describes, with
//! standard errors, profile-likelihood intervals, bootstrap and MCMC as asked; resumable.

use super::progress::StageBar;
use super::CliError;
use pressure::calibrate::experiment::outputs::calibration_files;
use pressure::calibrate::experiment::{Experiment, RunOptions, RunProgress};
use pressure::calibrate::CalibrateError;
use pressure::commands::calibrate as commands;
use std::path::PathBuf;
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

pub fn run(args: &CalibrateArgs) -> Result<(), CliError> {
    let experiment = Experiment::load(&args.experiment).map_err(from_calibrate)?;
    let seed = args.seed.or(experiment.spec.experiment.seed).unwrap_or(0);
    let threads = args.threads.unwrap_or(0);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| CliError::Input(miette::miette!("--threads {threads}: {e}")))?;

    let bar = StageBar::new("{spinner} [{elapsed_precise}] {msg:12} {bar:40} {pos}/{len}");
    let progress = |p: RunProgress| bar.update(p.stage, p.done, p.total);
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
    bar.finish();
    let elapsed = start.elapsed().as_secs_f64();

    let rendered =
        calibration_files(&experiment, &report, seed, None, None).map_err(from_calibrate)?;
    let mut manifest = commands::manifest(&experiment, &report, seed);
    let extra = &mut manifest.extra;
    extra.insert("threads".into(), rayon::current_num_threads().into());
    extra.insert("resumed".into(), args.resume.into());
    extra.insert("seconds".into(), elapsed.into());
    commands::write_to(&args.out, &rendered, &manifest).map_err(super::sensitivity::from_write)?;
    let results = pressure::figures::CalibrationResults {
        experiment: &experiment,
        report: &report,
        files: &rendered,
        fit_bands: None,
    };
    pressure::figures::write_command_figures(
        pressure::figures::SetKind::Calibrate(&results),
        &args.out,
    )?;
    eprintln!(
        "calibrated {} parameters of `{}` in {elapsed:.1} s ({} model runs to estimate); wrote {}",
        report.parameters.len(),
        report.experiment,
        report.multistart.model_runs,
        args.out.display()
    );
    for (warning, line) in commands::summary_lines(&report, &rendered) {
        eprintln!("{}{line}", if warning { "warning: " } else { "" });
    }
    Ok(())
}
