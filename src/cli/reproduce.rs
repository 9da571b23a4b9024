//! `pressure reproduce [--quick]`: the main job. Parses the arguments and runs the study
//! ([`pressure::study`]) with a progress bar; exit 2 for bad input (nothing written), 1 when a
//! step failed or a figure could not be drawn (the rest is still written).

use super::model_errors::{from_model, from_sim};
use super::progress::StageBar;
use super::sensitivity::from_experiment;
use super::CliError;
use pressure::study::{RunOptions, StepError, Study, StudyError};
use std::path::PathBuf;

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
    /// The study file listing the steps (relative to the working directory).
    #[arg(long, default_value = "experiments/reproduce.toml")]
    pub study: PathBuf,
    #[command(flatten)]
    pub engine: super::EngineArgs,
}

pub fn run(args: &ReproduceArgs) -> Result<(), CliError> {
    let threads = args.threads.unwrap_or(0);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| CliError::Input(miette::miette!("--threads {threads}: {e}")))?;
    pool.install(|| {
        let study = Study::load(&args.study, args.quick).map_err(from_study)?;
        let progress = StageBar::new(
            "{spinner} [{elapsed_precise}] {prefix:.bold} {msg:14} {bar:30} {pos}/{len}",
        );
        let run = study.run(
            &args.out,
            &RunOptions {
                seed: args.seed,
                progress: &progress,
            },
        );
        progress.finish();
        let run = run.map_err(from_study)?;
        eprintln!(
            "{} {} steps in {:.1} s on {} threads: {} figures in {} (index.md, manifest.json)",
            if args.quick { "quick study:" } else { "study:" },
            study.steps().len(),
            run.seconds,
            rayon::current_num_threads(),
            run.figures(),
            args.out.display()
        );
        if run.failed_steps() + run.failed_figures() > 0 {
            return Err(CliError::Failure(miette::miette!(
                "{} step(s) failed and {} figure(s) were not drawn; see {}",
                run.failed_steps(),
                run.failed_figures(),
                args.out.join("index.md").display()
            )));
        }
        Ok(())
    })
}

fn from_study(e: StudyError) -> CliError {
    match e {
        StudyError::File(f) if f.position.is_none() && !f.path.exists() => {
            CliError::Input(miette::miette!(
                help = "run from the repository root, or give --study FILE",
                "{f}"
            ))
        }
        StudyError::File(f) => CliError::Input(miette::miette!("{f}")),
        StudyError::Step { step, error } => {
            let wrapped = match error {
                StepError::Model(m) => from_model(m),
                StepError::Sim(s) => from_sim(*s),
                StepError::Sensitivity(x) => from_experiment(*x),
                other if other.is_input_error() => CliError::Input(miette::miette!("{other}")),
                other => CliError::Failure(miette::miette!("{other}")),
            };
            match wrapped {
                CliError::Input(r) => CliError::Input(r.wrap_err(format!("step `{step}`"))),
                CliError::Failure(r) => CliError::Failure(r.wrap_err(format!("step `{step}`"))),
            }
        }
        StudyError::Write { .. } => CliError::Failure(miette::miette!("{e}")),
    }
}
