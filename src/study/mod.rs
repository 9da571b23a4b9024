//! The study `pressure reproduce` runs, as a library: read a study file
//! (`experiments/reproduce.toml`), load and check every step, run each through the library
//! code of the command it stands for, draw its standard figures, and write an index and a
//! manifest.
//!
//! | module | job |
//! |---|---|
//! | [`file`] | the study file: steps typed by kind, `[step.set]` / `[step.quick]`, errors with line and column |
//! | `load` | every step's experiment, spec, model and scenarios read and checked before anything runs |
//! | `steps` | running each kind of step into `runs/<step>/` and planning its figures from the typed result |
//! | `index` | `index.md`, `manifest.json`, and removing figures of an earlier run (from its manifest) |
//! | [`error`] | [`StudyError`], [`StepError`] |
//!
//! The computations belong to the crates that own them: the fit bands to
//! [`crate::calibrate::experiment::fit_bands`], the scenario comparisons to
//! [`crate::sim::comparison`], the figure plans to [`crate::figures`].
//!
//! Layout of the output folder:
//!
//! ```text
//! OUT/index.md                 every figure with its caption, files, data and redraw command
//! OUT/manifest.json            inputs with hashes, seed, quick or full, steps and timings
//! OUT/<step>-<figure>.svg|png|pdf
//! OUT/runs/<step>/             what the command would have written (CSV, JSON, manifest),
//!                              plus figure-data/ (plot-ready extracts the figures read)
//! ```
//!
//! Every file is written atomically. Bad input (the study file, an experiment, a model, data)
//! is found by [`Study::load`], before anything runs; a step that fails while running is
//! reported in the index and in [`StepOutcome::error`], and the other steps still run.
//!
//! ```
//! use pressure::study::{NoProgress, RunOptions, Study};
//!
//! let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
//! let dir = tempfile::tempdir().unwrap();
//! let study_file = dir.path().join("study.toml");
//! std::fs::write(
//!     &study_file,
//!     format!(
//!         "title = \"Two designs\"\n[[step]]\nname = \"designs\"\nkind = \"scenarios\"\n\
//!          model = \"{root}/models/sanctions.toml\"\nvariables = [\"coalition.cohesion\"]\n\
//!          [step.set]\nscenarios = [\"{root}/models/scenarios/baseline.toml\", \
//!          \"{root}/models/scenarios/targeted_elites.toml\"]\n",
//!         root = root.display()
//!     ),
//! )
//! .unwrap();
//! let study = Study::load(&study_file, true).unwrap();
//! assert_eq!(study.steps().len(), 1);
//! let out = dir.path().join("figures");
//! let run = study
//!     .run(&out, &RunOptions { seed: None, progress: &NoProgress })
//!     .unwrap();
//! assert_eq!(run.failed_steps() + run.failed_figures(), 0);
//! assert!(out.join("designs-scenarios.svg").exists());
//! assert!(out.join("runs/designs/scenarios.csv").exists());
//! assert!(std::fs::read_to_string(out.join("index.md")).unwrap().contains("Two designs"));
//! ```

#![warn(missing_docs)]

pub mod error;
pub mod file;
mod index;
mod load;
mod steps;

pub use error::{StepError, StudyError};
pub use file::{StepConfig, StepKind, StudyFile, StudyFileError};
pub use index::previous_figures;
pub use load::Step;

use crate::figures::{self, DrawnFigure, FigureFailure};
use crate::output::write_atomic;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Progress of a study run. Every method has a default that does nothing; the CLI draws a bar.
pub trait Progress: Sync {
    /// Step `index` (1-based) of `total` starts.
    fn start(&self, index: usize, total: usize, step: &Step) {
        let _ = (index, total, step);
    }
    /// Within a step: `done` of `total` in `stage` (e.g. "model runs").
    fn update(&self, stage: &str, done: usize, total: usize) {
        let _ = (stage, done, total);
    }
    /// A step finished: one line saying how it went.
    fn line(&self, text: &str) {
        let _ = text;
    }
}

/// No progress reports.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoProgress;

impl Progress for NoProgress {}

/// How to run a study.
#[derive(Clone, Copy)]
pub struct RunOptions<'a> {
    /// Seed of every stochastic step (`None`: each experiment's own seed).
    pub seed: Option<u64>,
    /// Where progress goes.
    pub progress: &'a dyn Progress,
}

/// A study, loaded and checked: ready to run.
pub struct Study {
    path: PathBuf,
    file: StudyFile,
    quick: bool,
    steps: Vec<Step>,
}

/// How one step went.
#[derive(Debug, Clone)]
pub struct StepOutcome {
    /// Wall-clock seconds, the figures included.
    pub seconds: f64,
    /// What it did (runs, models, convergence notes).
    pub note: String,
    /// The figures drawn.
    pub drawn: Vec<DrawnFigure>,
    /// The figures that could not be drawn, and why.
    pub failed: Vec<FigureFailure>,
    /// Why the step failed, if it did.
    pub error: Option<String>,
}

/// How a study run went, step by step (in the order of [`Study::steps`]).
#[derive(Debug, Clone)]
pub struct StudyRun {
    /// One outcome per step.
    pub steps: Vec<StepOutcome>,
    /// Wall-clock seconds of the whole run.
    pub seconds: f64,
}

impl StudyRun {
    /// Figures drawn.
    pub fn figures(&self) -> usize {
        self.steps.iter().map(|o| o.drawn.len()).sum()
    }
    /// Steps that failed.
    pub fn failed_steps(&self) -> usize {
        self.steps.iter().filter(|o| o.error.is_some()).count()
    }
    /// Figures that could not be drawn.
    pub fn failed_figures(&self) -> usize {
        self.steps.iter().map(|o| o.failed.len()).sum()
    }
}

impl Study {
    /// Reads the study file at `path` (relative paths in it are relative to its folder) and
    /// loads every step it runs (with `quick`, `[step.quick]` over `[step.set]`; steps with
    /// `skip = true` are left out). Nothing is written.
    pub fn load(path: &Path, quick: bool) -> Result<Study, StudyError> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            StudyError::File(StudyFileError {
                path: path.to_path_buf(),
                position: None,
                message: if e.kind() == std::io::ErrorKind::NotFound {
                    "study file not found".to_string()
                } else {
                    format!("cannot read the study file: {e}")
                },
            })
        })?;
        let file = file::parse(&text, path, quick).map_err(StudyError::File)?;
        let steps = file
            .steps
            .iter()
            .map(|spec| {
                load::load_step(spec).map_err(|error| StudyError::Step {
                    step: spec.name.clone(),
                    error,
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Study {
            path: path.to_path_buf(),
            file,
            quick,
            steps,
        })
    }

    /// The study file as parsed.
    pub fn file(&self) -> &StudyFile {
        &self.file
    }

    /// The steps that run, in order.
    pub fn steps(&self) -> &[Step] {
        &self.steps
    }

    /// Whether this is the `--quick` study.
    pub fn quick(&self) -> bool {
        self.quick
    }

    /// Runs every step into `out/runs/<step>/`, draws its figures into `out`, removes figures
    /// an earlier run in `out` drew that this one did not, and writes `out/index.md` and
    /// `out/manifest.json`. A failed step does not stop the others (see
    /// [`StudyRun::failed_steps`]); the error is only for the folder, index or manifest.
    /// Parallel parts run on the current rayon pool; results do not depend on its size.
    pub fn run(&self, out: &Path, options: &RunOptions<'_>) -> Result<StudyRun, StudyError> {
        let started = Instant::now();
        std::fs::create_dir_all(out).map_err(|source| StudyError::Write {
            path: out.to_path_buf(),
            source,
        })?;
        let previous = previous_figures(out);
        let progress = options.progress;
        let mut outcomes: Vec<StepOutcome> = Vec::new();
        let mut calibrated: Vec<(String, Vec<(String, f64)>)> = Vec::new();
        let n = self.steps.len();
        for (i, step) in self.steps.iter().enumerate() {
            progress.start(i + 1, n, step);
            let t = Instant::now();
            let dir = out.join("runs").join(&step.name);
            let ctx = steps::Context {
                seed: options.seed,
                progress,
                calibrated: &calibrated,
            };
            let mut outcome = StepOutcome {
                seconds: 0.0,
                note: String::new(),
                drawn: vec![],
                failed: vec![],
                error: None,
            };
            match steps::run_step(step, &dir, &ctx) {
                Ok(ran) => {
                    outcome.note = ran.note.clone();
                    progress.update("figures", 0, 1);
                    match steps::plans(step, &ran, &dir) {
                        Ok(plans) => {
                            let (drawn, failed) =
                                figures::draw(plans, out, &format!("{}-", step.name));
                            outcome.drawn = drawn;
                            outcome.failed = failed;
                        }
                        Err(e) => outcome.error = Some(e.to_string()),
                    }
                    if !ran.estimates.is_empty() {
                        calibrated.push((step.name.clone(), ran.estimates));
                    }
                }
                Err(e) => outcome.error = Some(e.to_string()),
            }
            outcome.seconds = t.elapsed().as_secs_f64();
            progress.line(&step_line(i + 1, n, step, &outcome));
            outcomes.push(outcome);
        }

        let index = index::markdown(self, &outcomes, options.seed, out);
        let written: Vec<PathBuf> = outcomes
            .iter()
            .flat_map(|o| o.drawn.iter().flat_map(|d| d.files.iter().cloned()))
            .collect();
        index::remove_stale(&previous, &written);
        let index_path = out.join("index.md");
        write_atomic(&index_path, index.as_bytes()).map_err(|source| StudyError::Write {
            path: index_path,
            source,
        })?;
        let seconds = started.elapsed().as_secs_f64();
        index::manifest(self, &outcomes, options.seed, seconds, out)
            .write_to_dir(out)
            .map_err(|source| StudyError::Write {
                path: out.join("manifest.json"),
                source,
            })?;
        Ok(StudyRun {
            steps: outcomes,
            seconds,
        })
    }
}

/// The log line of a finished step.
fn step_line(i: usize, n: usize, step: &Step, o: &StepOutcome) -> String {
    format!(
        "[{i}/{n}] {} {} in {:.1} s: {}{} figure(s){}",
        step.name,
        if o.error.is_some() { "FAILED" } else { "done" },
        o.seconds,
        if o.note.is_empty() {
            String::new()
        } else {
            format!("{}; ", o.note)
        },
        o.drawn.len(),
        match (&o.error, o.failed.len()) {
            (Some(e), _) => format!(" — {}", e.lines().next().unwrap_or("")),
            (None, 0) => String::new(),
            (None, k) => format!(", {k} not drawn"),
        }
    )
}
