//! `pressure steady`: the steady state of a model (every stock's net flow zero, or a
//! balanced-growth state), with closure parameters and growth groups from the command line.

use super::model_errors::from_sim;
use super::run::{from_inputs, load_inputs, Format};
use super::CliError;
use pressure::commands::inputs::ModelInputs;
use pressure::commands::steady::SteadyOptions;
use pressure::model::eqn::number;
use pressure::output::Manifest;
use pressure::sim::report::{changed_parameters, SteadyReport};
use pressure::sim::{CompiledModel, ParamSet, RunSettings};
use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

/// Find the steady state of a model: the stock values (hidden stocks of SMOOTH/DELAY/TREND and
/// DELAY FIXED pipelines too) at which every net flow is zero, with TIME frozen at the start.
#[derive(Debug, clap::Args)]
pub struct SteadyArgs {
    /// The model file (TOML).
    pub model: PathBuf,
    /// Scenario files applied in order (parameter values, exogenous series, settings).
    #[arg(long = "scenario", value_name = "FILE")]
    pub scenarios: Vec<PathBuf>,
    /// Set a parameter: NAME=VALUE (dotted names for module parameters, x[e] for an element).
    #[arg(long = "set", value_name = "NAME=VALUE")]
    pub sets: Vec<String>,
    /// A closure parameter (a constant) solved for; pair each with one --hold.
    #[arg(long = "free", value_name = "NAME")]
    pub free: Vec<String>,
    /// A stock, flow or auxiliary held at a value (its initial value without `=V`).
    #[arg(long = "hold", value_name = "NAME[=V]")]
    pub hold: Vec<String>,
    /// A balanced-growth group of level stocks (comma-separated, the first is the anchor): their
    /// proportional rates (net flow / value) are equal.
    #[arg(long = "growth", value_name = "A,B,...")]
    pub growth: Vec<String>,
    /// A balanced-growth group of log stocks (comma-separated, the first is the anchor): their
    /// net flows are equal.
    #[arg(long = "log-growth", value_name = "A,B,...")]
    pub log_growth: Vec<String>,
    /// A stock left at its initial value whose net flow need not be zero (an accumulator).
    #[arg(long = "exclude", value_name = "NAME")]
    pub exclude: Vec<String>,
    /// Largest scaled net flow accepted (net flow / stock scale, per time unit).
    #[arg(long)]
    pub tolerance: Option<f64>,
    /// Newton iterations per start.
    #[arg(long = "max-iterations")]
    pub max_iterations: Option<usize>,
    /// csv or json.
    #[arg(long, value_enum, default_value_t = Format::Csv)]
    pub format: Format,
    /// Output folder: steady.csv (or steady.json) and manifest.json, written atomically;
    /// stdout if absent.
    #[arg(long)]
    pub out: Option<PathBuf>,
    #[command(flatten)]
    pub engine: super::EngineArgs,
}

pub fn run(args: &SteadyArgs) -> Result<(), CliError> {
    let ModelInputs {
        compiled,
        params,
        exo,
        mut settings,
        ..
    } = load_inputs(&args.model, &args.scenarios, &args.sets)?;
    SteadyOptions {
        free: &args.free,
        hold: &args.hold,
        growth: &args.growth,
        log_growth: &args.log_growth,
        exclude: &args.exclude,
        tolerance: args.tolerance,
        max_iterations: args.max_iterations,
    }
    .apply(&mut settings)
    .map_err(from_inputs)?;
    settings.validate().map_err(from_sim)?;
    let mut sim = compiled.simulator(&settings).map_err(from_sim)?;
    sim.set_exogenous(&exo).map_err(from_sim)?;
    let t0 = Instant::now();
    let steady = sim.steady_state(&params).map_err(from_sim)?;
    let elapsed = t0.elapsed();
    eprintln!(
        "steady state of {} at time {}: {} values, {} start(s), {} iterations, {} evaluations, largest scaled residual {:.2e}, {:.1} ms",
        compiled.name(),
        number(steady.time),
        steady.values.len(),
        steady.starts,
        steady.iterations,
        steady.evaluations,
        steady.residual,
        elapsed.as_secs_f64() * 1e3
    );
    let format = args.format.into();
    let report = SteadyReport {
        model: compiled.name().to_string(),
        state: steady,
    };
    match &args.out {
        Some(dir) => {
            std::fs::create_dir_all(dir).map_err(|e| {
                CliError::Failure(miette::miette!("creating {}: {e}", dir.display()))
            })?;
            report
                .write_to(dir, format)
                .map_err(|e| CliError::Failure(miette::miette!("{e}")))?;
            manifest(
                args,
                &compiled,
                &params,
                &settings,
                &report,
                elapsed.as_secs_f64(),
            )
            .write_to_dir(dir)
            .map_err(|e| {
                CliError::Failure(miette::miette!(
                    "writing {}/manifest.json: {e}",
                    dir.display()
                ))
            })?;
        }
        None => {
            let _ = std::io::stdout().lock().write_all(&report.bytes(format));
        }
    }
    Ok(())
}

fn manifest(
    args: &SteadyArgs,
    compiled: &CompiledModel,
    params: &ParamSet,
    settings: &RunSettings,
    report: &SteadyReport,
    seconds: f64,
) -> Manifest {
    let mut m = Manifest::for_current_process();
    m.add_input(&args.model);
    for sc in &args.scenarios {
        m.add_input(sc);
    }
    m.parameters = changed_parameters(compiled, params);
    m.extra.extend(report.manifest_facts(settings));
    m.extra.insert("seconds".into(), seconds.into());
    m
}
