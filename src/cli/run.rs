//! `pressure run`: simulate a model and write a wide table (time + one column per variable).

use super::model_errors::{from_model, from_sim};
use super::CliError;
use pressure::commands::inputs::{InputsError, ModelInputs};
use pressure::output::Manifest;
use pressure::sim::report::{changed_parameters, RunReport};
use pressure::sim::Method;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::Instant;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Csv,
    Json,
}

impl From<Format> for pressure::sim::report::Format {
    fn from(f: Format) -> Self {
        match f {
            Format::Csv => pressure::sim::report::Format::Csv,
            Format::Json => pressure::sim::report::Format::Json,
        }
    }
}

/// Simulate a model and write its results.
#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// The model file: TOML, a Vensim `.mdl` or XMILE (`.xmile`, `.stmx`, `.xml`), read by `pressure_interop`.
    pub model: PathBuf,
    /// Scenario files applied in order (parameter values, exogenous series, settings).
    #[arg(long = "scenario", value_name = "FILE")]
    pub scenarios: Vec<PathBuf>,
    /// Set a parameter: NAME=VALUE (dotted names for module parameters, x[e] for an element).
    #[arg(long = "set", value_name = "NAME=VALUE")]
    pub sets: Vec<String>,
    /// Integration method.
    #[arg(long, value_parser = parse_method)]
    pub method: Option<Method>,
    /// Time step.
    #[arg(long)]
    pub dt: Option<f64>,
    /// Output interval (a whole multiple of dt).
    #[arg(long = "save-every")]
    pub save_every: Option<f64>,
    /// Relative and absolute tolerance of the adaptive methods.
    #[arg(long)]
    pub rtol: Option<f64>,
    #[arg(long)]
    pub atol: Option<f64>,
    /// Seed of RANDOM functions.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Only these variables (comma-separated; an arrayed name gives all its elements).
    #[arg(long, value_delimiter = ',')]
    pub vars: Vec<String>,
    /// Output file (written atomically, with FILE.manifest.json next to it); stdout if absent.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// csv (units in a second header row) or json.
    #[arg(long, value_enum, default_value_t = Format::Csv)]
    pub format: Format,
    /// Time N runs in-process and report the time per run on stderr (benchmarking).
    #[arg(long, hide = true, default_value_t = 0)]
    pub repeat: usize,
    #[command(flatten)]
    pub engine: super::EngineArgs,
}

fn parse_method(s: &str) -> Result<Method, String> {
    Method::parse(s)
        .ok_or_else(|| format!("unknown method '{s}'; use euler, rk2, rk4, dopri5 or dop853"))
}

/// Loads, compiles and applies scenarios, --set and settings overrides.
pub fn prepare(args: &RunArgs) -> Result<ModelInputs, CliError> {
    let mut p = load_inputs(&args.model, &args.scenarios, &args.sets)?;
    let settings = &mut p.settings;
    if let Some(m) = args.method {
        settings.method = m;
    }
    if let Some(dt) = args.dt {
        *settings = settings.clone().with_dt(dt);
    }
    if let Some(s) = args.save_every {
        settings.save_every = s;
    }
    if let Some(r) = args.rtol {
        settings.rtol = r;
    }
    if let Some(a) = args.atol {
        settings.atol = a;
    }
    settings.seed = args.seed;
    settings.validate().map_err(from_sim)?;
    Ok(p)
}

/// [`ModelInputs::load`] with its errors as the CLI reports them (shared by `run` and
/// `steady`).
pub fn load_inputs(
    model: &Path,
    scenarios: &[PathBuf],
    sets: &[String],
) -> Result<ModelInputs, CliError> {
    ModelInputs::load(model, scenarios, sets).map_err(from_inputs)
}

pub fn from_inputs(e: InputsError) -> CliError {
    match e {
        InputsError::Model(m) => from_model(m),
        InputsError::Sim(s) => from_sim(s),
        InputsError::Override { message, help } => {
            CliError::Input(miette::miette!(help = help, "{message}"))
        }
    }
}

pub fn run(args: &RunArgs) -> Result<(), CliError> {
    let ModelInputs {
        compiled,
        params,
        exo,
        settings,
        time_units,
    } = prepare(args)?;
    let mut sim = compiled.simulator(&settings).map_err(from_sim)?;
    sim.set_exogenous(&exo).map_err(from_sim)?;
    if !args.vars.is_empty() {
        let names: Vec<&str> = args
            .vars
            .iter()
            .map(|s| s.trim())
            .filter(|s| !s.is_empty())
            .collect();
        sim.record(&names).map_err(|e| {
            CliError::Input(miette::miette!(
                help = "`pressure describe MODEL` lists the variables",
                "--vars: {e}"
            ))
        })?;
    }
    if args.repeat > 0 {
        sim.run(&params).map_err(from_sim)?;
        let t0 = Instant::now();
        for _ in 0..args.repeat {
            sim.run(&params).map_err(from_sim)?;
        }
        let per = t0.elapsed().as_secs_f64() / args.repeat as f64;
        eprintln!(
            "{} runs of {}: {:.3} us per run",
            args.repeat,
            compiled.name(),
            per * 1e6
        );
    }
    // A progress bar only for long runs on a terminal (an estimate from the program size).
    let (_, per_eval, _, _) = compiled.program_size();
    let evals = settings.steps() * if settings.method == Method::Rk4 { 4 } else { 1 };
    let long = (evals as f64) * (per_eval as f64) > 3e8;
    let results = if long && std::io::stderr().is_terminal() {
        let bar = indicatif::ProgressBar::new(1000);
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "{spinner} running [{bar:40}] {percent}% ({eta})",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        let r = sim.run_with_progress(&params, &mut |f| bar.set_position((f * 1000.0) as u64));
        bar.finish_and_clear();
        r
    } else {
        sim.run(&params)
    }
    .map_err(from_sim)?;
    let report = RunReport {
        model: compiled.name().to_string(),
        results: results.clone(),
        time_units,
        settings,
    };
    let format = args.format.into();
    super::write_or_print(args.out.as_deref(), &report.bytes(format), || {
        let mut m = Manifest::for_current_process();
        m.add_input(&args.model);
        for sc in &args.scenarios {
            m.add_input(sc);
        }
        m.parameters = changed_parameters(&compiled, &params);
        m.seed = Some(report.settings.seed);
        m.extra.extend(report.manifest_facts());
        m
    })
}
