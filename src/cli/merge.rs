//! `pressure merge`: combine the partial results of `pressure sensitivity --shard I/N` runs
//! into the result a single run would have written (bit for bit).

use super::sensitivity::{describe_run, from_experiment, print_json_summary, write_report_files};
use super::CliError;
use pressure::output::Manifest;
use std::path::PathBuf;

/// Combine the partial results of sharded sensitivity runs into one result.
#[derive(Debug, clap::Args)]
pub struct MergeArgs {
    /// Directories written by `pressure sensitivity --shard I/N` (all N of them, any order).
    #[arg(required = true)]
    pub dirs: Vec<PathBuf>,
    /// Output directory for the merged result.
    #[arg(long)]
    pub out: PathBuf,
    /// `json`: print a JSON summary (seed, shards, runs, failed runs, output directory, files
    /// written) on stdout for scripts.
    #[arg(long, value_enum, default_value_t = super::describe::TextOrJson::Text)]
    pub format: super::describe::TextOrJson,
}

pub fn run(args: &MergeArgs) -> Result<(), CliError> {
    let mut partials = Vec::new();
    let mut manifest = Manifest::for_current_process();
    for dir in &args.dirs {
        let read = |name: &str| {
            let path = dir.join(name);
            std::fs::read(&path).map_err(|e| {
                CliError::Input(miette::miette!(
                    help = "give the --out directories of `pressure sensitivity --shard I/N` runs",
                    "{}: cannot read {name} ({e})",
                    dir.display()
                ))
            })
        };
        let json = read("partial.json")?;
        let bin = read("partial.bin")?;
        manifest.add_input(&dir.join("partial.json"));
        manifest.add_input(&dir.join("partial.bin"));
        partials.push((dir.display().to_string(), json, bin));
    }
    let report = pressure::sensitivity::experiment::merge(partials).map_err(from_experiment)?;
    manifest.seed = Some(report.spec.seed);
    describe_run(&mut manifest, &report.spec);
    manifest.extra.insert("runs".into(), report.n_runs.into());
    manifest
        .extra
        .insert("shards".into(), args.dirs.len().into());
    let mut files = write_report_files(&args.out, &report, &manifest)?;
    // The same standard figures as an unsharded `pressure sensitivity` run draws.
    super::figures::write_command_figures(super::figures::SetKind::Sensitivity, &args.out)?;
    files.push("figures/index.md".into());
    eprintln!(
        "merged {} shards ({} runs); results in {}",
        args.dirs.len(),
        report.n_runs,
        args.out.display()
    );
    if args.format == super::describe::TextOrJson::Json {
        print_json_summary(serde_json::json!({
            "out": args.out.display().to_string(),
            "seed": report.spec.seed,
            "shards": args.dirs.len(),
            "runs": report.n_runs,
            "failed_runs": report.failures.count,
            "files": files,
        }))?;
    }
    Ok(())
}
