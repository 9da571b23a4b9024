//! `pressure reproduce [--quick]`: the main job. Parses the arguments and runs the study
//! ([`pressure::study`]) with a progress bar; exit 2 for bad input (nothing written), 1 when a
//! step failed or a figure could not be drawn (the rest is still written).

use super::model_errors::{from_model, from_sim};
use super::sensitivity::from_experiment;
use super::CliError;
use pressure::study::{self, RunOptions, Step, StepError, Study, StudyError};
use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::Mutex;

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
        let progress = Bar::new();
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

/// Progress: one bar relabelled per step on a terminal; one line per step otherwise.
struct Bar {
    bar: Option<indicatif::ProgressBar>,
    stage: Mutex<String>,
}

impl Bar {
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
        Bar {
            bar,
            stage: Mutex::new(String::new()),
        }
    }

    fn finish(&self) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
    }
}

impl study::Progress for Bar {
    fn start(&self, i: usize, n: usize, step: &Step) {
        let label = format!("[{i}/{n}] {}", step.name);
        match &self.bar {
            Some(b) => {
                b.set_prefix(label);
                b.set_message("");
                b.set_length(1);
                b.set_position(0);
            }
            None => eprintln!("{label}: {} {}", step.kind, step.title),
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
}
