//! `pressure estimate SPEC.toml --out DIR`: runs the models of an estimation spec (see
//! `pressure_econometrics::spec` for the format) and writes, atomically, into DIR:
//! `coefficients.csv` and `coefficients.json` (one row per model and term), `results.json`
//! (everything, with fit statistics), `table.tex` (booktabs), `comparison.csv` when the spec
//! compares with published figures, one CSV per extra table (impulse responses, survival
//! curves, event-time effects, synthetic-control paths), `priors.json` (the estimates with
//! their covariance as a prior table, format `pressure-estimate-priors/1`, see
//! `pressure_data::priors`) and `manifest.json`. `--priors FILE` writes the same prior table
//! to FILE as well (how the committed `experiments/estimate/priors/*.json` are made).
//!
//! Bad input (spec, data, formula, an unknown column, a non-numeric cell, an empty sample, a
//! single cluster, refused collinearity, a spell ending before it starts) exits with 2 and
//! writes nothing; an estimator that fails to converge exits with 1.

use super::CliError;
use pressure::econometrics::spec::{run_spec_file, Overrides};
use pressure::econometrics::EconError;
use pressure::output::{write_atomic, Manifest};
use std::path::PathBuf;

/// Estimate the models of a spec file.
#[derive(Debug, clap::Args)]
pub struct EstimateArgs {
    /// The estimation spec (TOML).
    pub spec: PathBuf,
    /// Output directory (created if needed).
    #[arg(long)]
    pub out: PathBuf,
    /// Seed of stochastic steps (VAR bootstrap bands); overrides the spec's `seed`.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Also write the prior table (`priors.json`) to this file, e.g.
    /// `experiments/estimate/priors/<spec-stem>.json`.
    #[arg(long, value_name = "FILE")]
    pub priors: Option<PathBuf>,
    /// Do not print the summary to standard output.
    #[arg(long)]
    pub quiet: bool,
}

fn classify(e: EconError) -> CliError {
    match e {
        EconError::NotConverged { .. } => CliError::Failure(miette::miette!("{e}")),
        other => CliError::Input(miette::miette!("{other}")),
    }
}

pub fn run(args: &EstimateArgs) -> Result<(), CliError> {
    let overrides = Overrides { seed: args.seed };
    let report = run_spec_file(&args.spec, &overrides).map_err(classify)?;
    let priors = report.prior_table().to_json();
    let files = report
        .write_to(&args.out)
        .map_err(|e| CliError::Failure(miette::miette!("{e}")))?;
    let mut manifest = Manifest::for_current_process();
    manifest.add_input(&args.spec);
    for input in &report.inputs {
        manifest.add_input(input);
    }
    manifest.seed = report.seed;
    manifest.extra.extend(report.manifest_facts());
    manifest.write_to_dir(&args.out).map_err(|e| {
        CliError::Failure(miette::miette!(
            "cannot write {}: {e}",
            args.out.join("manifest.json").display()
        ))
    })?;
    if let Some(p) = &args.priors {
        write_atomic(p, priors.as_bytes())
            .map_err(|e| CliError::Failure(miette::miette!("cannot write {}: {e}", p.display())))?;
    }
    pressure::figures::write_command_figures(
        pressure::figures::SetKind::Estimate(&report),
        &args.out,
    )?;
    if !args.quiet {
        print!("{}", report.summary_text());
        println!(
            "\nwrote {} files to {}",
            files.len() + 1,
            args.out.display()
        );
    }
    Ok(())
}
