//! Command-line front end. Each subcommand lives in its own file and calls library APIs;
//! nothing here computes results itself.
//!
//! Exit codes: 0 success, 1 the command ran but failed (e.g. a non-finite value during a run,
//! an optimiser that did not converge when convergence was required), 2 bad input (model,
//! data, experiment or command-line errors); on exit code 2 no output file is written.
//!
//! Environment variables are read here and nowhere in the library crates (see
//! [`engine_options`]).

pub mod calibrate;
pub mod check;
pub mod convert;
pub mod describe;
pub mod estimate;
pub mod graph;
pub mod loops;
pub mod merge;
mod model_errors;
pub mod plot;
mod progress;
pub mod reproduce;
pub mod run;
pub mod sensitivity;
pub mod steady;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// Pressure: sanctions system dynamics, calibration, sensitivity analysis and econometrics.
#[derive(Debug, Parser)]
#[command(name = "pressure", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print the tool version and the crates it is built from.
    Version,
    /// Redraw a figure from CSV output (restyle without rerunning).
    Plot(plot::PlotArgs),
    /// Simulate a model and write a table of results (time + one column per variable).
    Run(run::RunArgs),
    /// Find the steady state of a model (every net flow zero, or balanced growth), with
    /// closure parameters (--free/--hold) and growth groups; exit code 1 when there is none.
    Steady(steady::SteadyArgs),
    /// Check a model for errors (exit code 0 when clean).
    Check(check::CheckArgs),
    /// List a model's variables with kind, units, equation, doc and source.
    Describe(describe::DescribeArgs),
    /// Convert a Vensim `.mdl`, XMILE or TOML model to Pressure's TOML or to XMILE.
    Convert(convert::ConvertArgs),
    /// Estimate the econometric models of a spec (TOML) and write tables (CSV, JSON, LaTeX).
    Estimate(estimate::EstimateArgs),
    /// Run a sensitivity experiment (Sobol', Morris, Monte Carlo, one at a time), whole or one
    /// shard of it; writes indices with intervals (CSV, JSON) and a manifest.
    Sensitivity(sensitivity::SensitivityArgs),
    /// Merge the partial results of `pressure sensitivity --shard I/N` runs into one result.
    Merge(merge::MergeArgs),
    /// List the feedback loops of a model with their polarity (reinforcing/balancing) at a
    /// time of a run, their length and declared names.
    Loops(loops::LoopsArgs),
    /// Write the stock-and-flow structure as Graphviz DOT or JSON (nodes, edges, polarity,
    /// module clusters).
    Graph(graph::GraphArgs),
    /// Calibrate a model against episode data (experiment file): estimates, standard errors,
    /// profile intervals, bootstrap, MCMC, fit statistics; resumable with --resume.
    Calibrate(calibrate::CalibrateArgs),
    /// Reproduce the study (experiments/reproduce.toml): calibrations, scenario comparisons,
    /// sensitivity analyses and panel estimates, with every figure and an index of captions.
    Reproduce(reproduce::ReproduceArgs),
}

/// An error that ends a command, with the exit code it maps to.
#[derive(Debug)]
pub enum CliError {
    /// Bad input (exit code 2): nothing was written.
    Input(miette::Report),
    /// The command ran but failed (exit code 1).
    Failure(miette::Report),
}

/// A command's standard figures that could not be planned, drawn or indexed: the command ran
/// but failed (exit 1).
impl From<pressure::figures::FigureError> for CliError {
    fn from(e: pressure::figures::FigureError) -> Self {
        CliError::Failure(miette::miette!("{e}"))
    }
}

/// A file that could not be written: the command ran but failed (exit 1).
pub fn write_failed(path: &std::path::Path, e: impl std::fmt::Display) -> CliError {
    CliError::Failure(miette::miette!("writing {}: {e}", path.display()))
}

/// Writes `bytes` atomically to `out` with `manifest()` beside it (`FILE.manifest.json`: the
/// output's path recorded), or to standard output when there is no `out` (no manifest).
pub fn write_or_print(
    out: Option<&std::path::Path>,
    bytes: &[u8],
    manifest: impl FnOnce() -> pressure::output::Manifest,
) -> Result<(), CliError> {
    use std::io::Write;
    let Some(path) = out else {
        let _ = std::io::stdout().lock().write_all(bytes);
        return Ok(());
    };
    pressure::output::write_atomic(path, bytes).map_err(|e| write_failed(path, e))?;
    manifest()
        .write_beside(path)
        .map(|_| ())
        .map_err(|(path, e)| write_failed(&path, e))
}

impl CliError {
    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::Input(_) => 2,
            CliError::Failure(_) => 1,
        }
    }
}

pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    match engine_options(cli.command.engine()) {
        Ok(options) => options.install(),
        Err(err) => return report(err),
    }
    let result: Result<(), CliError> = match cli.command {
        Command::Version => {
            println!("pressure {}", env!("CARGO_PKG_VERSION"));
            Ok(())
        }
        Command::Plot(args) => plot::run(&args),
        Command::Run(args) => run::run(&args),
        Command::Steady(args) => steady::run(&args),
        Command::Check(args) => check::run(&args),
        Command::Describe(args) => describe::run(&args),
        Command::Convert(args) => convert::run(&args),
        Command::Estimate(args) => estimate::run(&args),
        Command::Sensitivity(args) => sensitivity::run(&args),
        Command::Merge(args) => merge::run(&args),
        Command::Loops(args) => loops::run(&args),
        Command::Graph(args) => graph::run(&args),
        Command::Calibrate(args) => calibrate::run(&args),
        Command::Reproduce(args) => reproduce::run(&args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => report(err),
    }
}

fn report(err: CliError) -> ExitCode {
    let code = err.exit_code();
    match err {
        CliError::Input(r) | CliError::Failure(r) => eprintln!("{r:?}"),
    }
    ExitCode::from(code)
}

/// The engine flag of the commands that simulate (`run`, `steady`, `loops`, `calibrate`,
/// `sensitivity`, `reproduce`). No result depends on it: the backends agree bit for bit.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct EngineArgs {
    /// Backend of every model run: auto (native code when compiling pays off), interp (the
    /// interpreter), jit (native code) or batch (eight runs in lock step where a command runs
    /// many). Default: the PRESSURE_BACKEND environment variable, else auto.
    #[arg(long, value_name = "NAME", value_parser = parse_backend)]
    pub backend: Option<pressure::sim::Backend>,
}

fn parse_backend(s: &str) -> Result<pressure::sim::Backend, String> {
    s.parse()
}

impl Command {
    /// The engine flags of a command that simulates (`None` for one that does not).
    fn engine(&self) -> Option<&EngineArgs> {
        match self {
            Command::Run(a) => Some(&a.engine),
            Command::Steady(a) => Some(&a.engine),
            Command::Loops(a) => Some(&a.engine),
            Command::Calibrate(a) => Some(&a.engine),
            Command::Sensitivity(a) => Some(&a.engine),
            Command::Reproduce(a) => Some(&a.engine),
            Command::Version
            | Command::Plot(_)
            | Command::Check(_)
            | Command::Describe(_)
            | Command::Convert(_)
            | Command::Estimate(_)
            | Command::Merge(_)
            | Command::Graph(_) => None,
        }
    }
}

/// The engine's process-wide options. The backend comes from `--backend` (see [`EngineArgs`]),
/// else from `PRESSURE_BACKEND=auto|interp|jit|batch` (read only when the flag is absent); the
/// rest from the environment, for testing and comparisons: `PRESSURE_JIT_OPT=speed`
/// (Cranelift's optimiser) and `PRESSURE_JIT_DUMP_TMP=FILE` (write the native code and its
/// IR). An unknown backend name in the variable is bad input (in the flag, clap rejects it).
pub fn engine_options(
    flags: Option<&EngineArgs>,
) -> Result<pressure::sim::EngineOptions, CliError> {
    let mut options = pressure::sim::EngineOptions::default();
    if let Some(backend) = flags.and_then(|f| f.backend) {
        options.default_backend = backend;
    } else if let Some(v) = std::env::var_os("PRESSURE_BACKEND") {
        let v = v.to_string_lossy();
        options.default_backend = v.parse().map_err(|e| {
            CliError::Input(miette::miette!(
                help = "use --backend auto|interp|jit|batch, or set PRESSURE_BACKEND to one of those or unset it",
                "PRESSURE_BACKEND={v}: {e}"
            ))
        })?;
    }
    options.jit_optimise = std::env::var_os("PRESSURE_JIT_OPT").is_some_and(|v| v == "speed");
    options.jit_dump = std::env::var_os("PRESSURE_JIT_DUMP_TMP").map(std::path::PathBuf::from);
    Ok(options)
}
