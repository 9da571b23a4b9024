//! `pressure merge`: combine the partial results of `pressure sensitivity --shard I/N` runs
//! into the result a single run would have written (bit for bit).

use super::sensitivity::{from_experiment, from_write, print_json_summary};
use super::CliError;
use pressure::commands::sensitivity::{shard_sources, write_manifest};
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
        partials.push((dir.display().to_string(), json, bin));
    }
    let report = pressure::sensitivity::experiment::merge(partials).map_err(from_experiment)?;
    let mut manifest = Manifest::for_current_process();
    // The experiment and model files first, as in an unsharded run's manifest, then the
    // partials.
    for source in shard_sources(&args.dirs[0], &report.spec) {
        manifest.add_input(&source);
    }
    for dir in &args.dirs {
        manifest.add_input(&dir.join("partial.json"));
        manifest.add_input(&dir.join("partial.bin"));
    }
    manifest.seed = Some(report.spec.seed);
    manifest.extra.extend(report.spec.manifest_facts());
    manifest.extra.insert("runs".into(), report.n_runs.into());
    manifest
        .extra
        .insert("failed_runs".into(), report.failures.count.into());
    manifest
        .extra
        .insert("shards".into(), args.dirs.len().into());
    let names = report.write_to(&args.out).map_err(from_write)?;
    let mut files = write_manifest(&args.out, names, &manifest).map_err(from_write)?;
    // The same standard figures as an unsharded `pressure sensitivity` run draws.
    pressure::figures::write_command_figures(
        pressure::figures::SetKind::Sensitivity(&report),
        &args.out,
    )?;
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
