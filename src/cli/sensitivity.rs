//! `pressure sensitivity`: run a sensitivity experiment (Sobol', Morris, Monte Carlo, one at a
//! time) on a model, in parallel, whole or as one shard of a cluster job.

use super::CliError;
use pressure::output::Manifest;
use pressure::sensitivity::experiment::{Experiment, ExperimentError, Outcome, Report, RunOptions};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Run a sensitivity experiment and write the indices with their intervals (CSV and JSON).
#[derive(Debug, clap::Args)]
pub struct SensitivityArgs {
    /// The experiment file (TOML): model, scenarios, parameters, method and outputs.
    pub experiment: PathBuf,
    /// Output directory (created if needed; files are written atomically).
    #[arg(long)]
    pub out: PathBuf,
    /// Seed of every random choice (sample, scrambling, bootstrap); default: the
    /// experiment's `seed`, else 0.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Run only shard I of N (e.g. 3/10) and write a partial result for `pressure merge`.
    #[arg(long, value_name = "I/N", value_parser = parse_shard)]
    pub shard: Option<(usize, usize)>,
    /// Worker threads (default: all cores). Results do not depend on it.
    #[arg(long)]
    pub threads: Option<usize>,
    /// Also write the sample (sample.csv) and the outputs of every run (outputs.csv).
    #[arg(long)]
    pub save_sample: bool,
    /// Smaller sizes for a quick check (Sobol' N <= 256, Morris <= 10 trajectories, Monte
    /// Carlo <= 256 runs, <= 50 bootstrap resamples): exercises everything, proves nothing.
    #[arg(long)]
    pub quick: bool,
    /// What to print on stdout when done: nothing (`text`: a summary line on stderr) or a JSON
    /// summary for scripts (`json`: seed, runs, failed runs, threads, seconds, runs per second,
    /// output directory and the files written). The result files are CSV and JSON either way.
    #[arg(long, value_enum, default_value_t = super::describe::TextOrJson::Text)]
    pub format: super::describe::TextOrJson,
    #[command(flatten)]
    pub engine: super::EngineArgs,
}

pub(crate) fn parse_shard(s: &str) -> Result<(usize, usize), String> {
    let bad = || format!("--shard {s}: expected I/N with 1 <= I <= N, e.g. --shard 2/8");
    let (i, n) = s.split_once('/').ok_or_else(bad)?;
    let (i, n): (usize, usize) = (
        i.trim().parse().map_err(|_| bad())?,
        n.trim().parse().map_err(|_| bad())?,
    );
    if n == 0 || i == 0 || i > n {
        return Err(bad());
    }
    Ok((i, n))
}

pub(crate) fn from_experiment(e: ExperimentError) -> CliError {
    let input = e.is_input_error();
    let report = match e {
        ExperimentError::Input(mut m) if m.diagnostics.len() == 1 => {
            miette::Report::new(m.diagnostics.remove(0))
        }
        ExperimentError::Input(m) => miette::Report::new(m),
        other => miette::miette!("{other}"),
    };
    if input {
        CliError::Input(report)
    } else {
        CliError::Failure(report)
    }
}

fn io_error(path: &Path, e: std::io::Error) -> CliError {
    CliError::Failure(miette::miette!("cannot write {}: {e}", path.display()))
}

/// Writes a report's files ([`Report::write_to`]) and its manifest into `dir`; returns the
/// names of the files written.
pub(crate) fn write_report_files(
    dir: &Path,
    report: &Report,
    manifest: &Manifest,
) -> Result<Vec<String>, CliError> {
    let mut names = report
        .write_to(dir)
        .map_err(|e| CliError::Failure(miette::miette!("{e}")))?;
    manifest.write_to_dir(dir).map_err(|e| io_error(dir, e))?;
    names.push("manifest.json".into());
    Ok(names)
}

/// The JSON summary `--format json` prints on stdout.
pub(crate) fn print_json_summary(summary: serde_json::Value) -> Result<(), CliError> {
    let text = serde_json::to_string_pretty(&summary).expect("a JSON value serialises");
    println!("{text}");
    Ok(())
}

/// One experiment to run and write: what `pressure sensitivity` does, callable from other
/// commands (`pressure reproduce`).
pub(crate) struct ExperimentRun<'a> {
    pub experiment: &'a Path,
    pub out: &'a Path,
    /// Default: the experiment's `seed`, else 0.
    pub seed: Option<u64>,
    pub shard: Option<(usize, usize)>,
    /// Worker threads; 0: all cores.
    pub threads: usize,
    pub save_sample: bool,
    /// Smaller sizes ([`pressure::sensitivity::experiment::Method::quick`]).
    pub quick: bool,
    /// Called with `(runs done, runs planned)`.
    pub progress: Option<&'a (dyn Fn(usize, usize) + Sync)>,
}

/// What [`run_experiment`] did.
pub(crate) struct RunSummary {
    pub seed: u64,
    pub runs: usize,
    pub failed_runs: usize,
    pub threads: usize,
    pub elapsed_seconds: f64,
    /// Names of the files written into the output directory.
    pub files: Vec<String>,
    /// The result of a whole run (none for a shard), for its figures.
    pub report: Option<Report>,
}

/// Loads, prepares and runs an experiment file and writes its result files (or the shard's
/// partial result) and `manifest.json` into `run.out`. Nothing is written on bad input.
pub(crate) fn run_experiment(run: &ExperimentRun<'_>) -> Result<RunSummary, CliError> {
    let experiment = Experiment::load(run.experiment).map_err(from_experiment)?;
    let mut prepared = experiment.prepare().map_err(from_experiment)?;
    if run.save_sample {
        prepared.spec.save_sample = true;
    }
    if run.quick {
        prepared.make_quick();
    }
    let seed = run.seed.unwrap_or(prepared.default_seed());
    let planned = prepared.planned_runs(run.shard).map_err(from_experiment)?;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(run.threads)
        .build()
        .map_err(|e| CliError::Input(miette::miette!("--threads {}: {e}", run.threads)))?;
    let progress = |done: usize| {
        if let Some(p) = run.progress {
            p(done, planned);
        }
    };
    let start = Instant::now();
    let outcome = pool
        .install(|| {
            prepared.run(&RunOptions {
                seed,
                shard: run.shard,
                progress: Some(&progress),
            })
        })
        .map_err(from_experiment)?;
    let elapsed = start.elapsed().as_secs_f64();

    let mut manifest = Manifest::for_current_process();
    for input in &prepared.inputs {
        manifest.add_input(input);
    }
    manifest.seed = Some(seed);
    let mut spec = prepared.spec.clone();
    spec.seed = seed;
    manifest.extra.extend(spec.manifest_facts());
    let threads = pool.current_num_threads();
    let extra = &mut manifest.extra;
    extra.insert("runs".into(), planned.into());
    extra.insert("quick".into(), run.quick.into());
    extra.insert("threads".into(), threads.into());
    extra.insert("elapsed_seconds".into(), elapsed.into());
    extra.insert(
        "runs_per_second".into(),
        (planned as f64 / elapsed.max(1e-9)).into(),
    );
    if let Some((i, n)) = run.shard {
        extra.insert("shard".into(), format!("{i}/{n}").into());
    }

    let failed = match &outcome {
        Outcome::Complete(r) => r.failures.count,
        Outcome::Partial(p) => p.header.failures.count,
    };
    manifest.extra.insert("failed_runs".into(), failed.into());
    let (files, report) = match outcome {
        Outcome::Complete(report) => (
            write_report_files(run.out, &report, &manifest)?,
            Some(report),
        ),
        Outcome::Partial(partial) => {
            partial
                .write_to(run.out)
                .map_err(|e| CliError::Failure(miette::miette!("{e}")))?;
            manifest
                .write_to_dir(run.out)
                .map_err(|e| io_error(run.out, e))?;
            let names = ["partial.bin", "partial.json", "manifest.json"];
            (names.map(String::from).to_vec(), None)
        }
    };
    Ok(RunSummary {
        seed,
        runs: planned,
        failed_runs: failed,
        threads,
        elapsed_seconds: elapsed,
        files,
        report,
    })
}

pub fn run(args: &SensitivityArgs) -> Result<(), CliError> {
    let bar = std::io::stderr().is_terminal().then(|| {
        let bar = indicatif::ProgressBar::new(0);
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "{spinner} [{elapsed_precise}] {bar:40} {pos}/{len} runs, {per_sec}, eta {eta}",
            )
            .expect("valid template"),
        );
        bar
    });
    let progress = |done: usize, planned: usize| {
        if let Some(b) = &bar {
            b.set_length(planned as u64);
            b.set_position(b.position().max(done as u64));
        }
    };
    let summary = run_experiment(&ExperimentRun {
        experiment: &args.experiment,
        out: &args.out,
        seed: args.seed,
        shard: args.shard,
        threads: args.threads.unwrap_or(0),
        save_sample: args.save_sample,
        quick: args.quick,
        progress: Some(&progress),
    });
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    let summary = summary?;
    // A shard's partial result has no indices to draw; `pressure merge` combines them.
    if let Some(report) = &summary.report {
        pressure::figures::write_command_figures(
            pressure::figures::SetKind::Sensitivity(report),
            &args.out,
        )?;
    }
    let failed = summary.failed_runs;
    if failed > 0 {
        eprintln!(
            "warning: {failed} runs failed; their groups were left out of the analysis (see failures.csv{})",
            if args.shard.is_some() { " after merging" } else { "" }
        );
    }
    let runs_per_second = summary.runs as f64 / summary.elapsed_seconds.max(1e-9);
    eprintln!(
        "{} runs in {:.2} s ({:.0} runs/s) on {} threads, seed {}; results in {}",
        summary.runs,
        summary.elapsed_seconds,
        runs_per_second,
        summary.threads,
        summary.seed,
        args.out.display()
    );
    if args.format == super::describe::TextOrJson::Json {
        let mut files = summary.files;
        if summary.report.is_some() {
            files.push("figures/index.md".into());
        }
        print_json_summary(serde_json::json!({
            "out": args.out.display().to_string(),
            "seed": summary.seed,
            "shard": args.shard.map(|(i, n)| format!("{i}/{n}")),
            "runs": summary.runs,
            "failed_runs": failed,
            "threads": summary.threads,
            "elapsed_seconds": summary.elapsed_seconds,
            "runs_per_second": runs_per_second,
            "files": files,
        }))?;
    }
    Ok(())
}
