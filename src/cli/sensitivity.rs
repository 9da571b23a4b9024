//! `pressure sensitivity`: run a sensitivity experiment (Sobol', Morris, Monte Carlo, one at a
//! time) on a model, in parallel, whole or as one shard of a cluster job.

use super::progress::StageBar;
use super::CliError;
use pressure::commands::sensitivity as commands;
use pressure::sensitivity::experiment::{Experiment, ExperimentError, Outcome};
use std::path::PathBuf;

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

pub(crate) fn from_write(e: pressure::output::WriteError) -> CliError {
    CliError::Failure(miette::miette!("{e}"))
}

/// The JSON summary `--format json` prints on stdout.
pub(crate) fn print_json_summary(summary: serde_json::Value) -> Result<(), CliError> {
    let text = serde_json::to_string_pretty(&summary).expect("a JSON value serialises");
    println!("{text}");
    Ok(())
}

pub fn run(args: &SensitivityArgs) -> Result<(), CliError> {
    let bar = StageBar::new(
        "{spinner} [{elapsed_precise}] {bar:40} {pos}/{len} runs, {per_sec}, eta {eta}",
    );
    let progress = |done: usize, planned: usize| bar.update("runs", done, planned);
    let threads = args.threads.unwrap_or(0);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| CliError::Input(miette::miette!("--threads {threads}: {e}")))?;
    let experiment = Experiment::load(&args.experiment).map_err(from_experiment)?;
    let mut prepared = experiment.prepare().map_err(from_experiment)?;
    prepared.spec.save_sample |= args.save_sample;
    if args.quick {
        prepared.make_quick();
    }
    let summary = pool.install(|| commands::run(&prepared, args.seed, args.shard, Some(&progress)));
    bar.finish();
    let summary = summary.map_err(from_experiment)?;
    let threads = pool.current_num_threads();
    let mut manifest = summary.manifest(&prepared);
    let extra = &mut manifest.extra;
    extra.insert("quick".into(), args.quick.into());
    extra.insert("threads".into(), threads.into());
    extra.insert("elapsed_seconds".into(), summary.elapsed_seconds.into());
    extra.insert(
        "runs_per_second".into(),
        (summary.runs as f64 / summary.elapsed_seconds.max(1e-9)).into(),
    );
    if let Some((i, n)) = args.shard {
        extra.insert("shard".into(), format!("{i}/{n}").into());
    }
    extra.insert("failed_runs".into(), summary.failed_runs().into());
    let mut files = summary.write_to(&args.out, &manifest).map_err(from_write)?;
    // A shard's partial result has no indices to draw; `pressure merge` combines them.
    if let Outcome::Complete(report) = &summary.outcome {
        pressure::figures::write_command_figures(
            pressure::figures::SetKind::Sensitivity(report),
            &args.out,
        )?;
        files.push("figures/index.md".into());
    }
    let failed = summary.failed_runs();
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
        threads,
        summary.seed,
        args.out.display()
    );
    if args.format == super::describe::TextOrJson::Json {
        print_json_summary(serde_json::json!({
            "out": args.out.display().to_string(),
            "seed": summary.seed,
            "shard": args.shard.map(|(i, n)| format!("{i}/{n}")),
            "runs": summary.runs,
            "failed_runs": failed,
            "threads": threads,
            "elapsed_seconds": summary.elapsed_seconds,
            "runs_per_second": runs_per_second,
            "files": files,
        }))?;
    }
    Ok(())
}
