//! `pressure run`: simulate a model and write a wide table (time + one column per variable).

use super::model_errors::{from_model, from_sim};
use super::CliError;
use pressure::output::Manifest;
use pressure::sim::report::{changed_parameters, RunReport};
use pressure::sim::{CompiledModel, ExogenousSet, Method, ParamSet, RunSettings, Scenario};
use std::io::{IsTerminal, Write};
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

/// A compiled model with the parameters, exogenous series and settings of one run.
pub struct Prepared {
    pub compiled: CompiledModel,
    pub params: ParamSet,
    pub exo: ExogenousSet,
    pub settings: RunSettings,
    /// The model's time unit (`[settings] time_units`), for the output's header.
    pub time_units: Option<String>,
}

/// Loads, compiles and applies scenarios, --set and settings overrides.
pub fn prepare(args: &RunArgs) -> Result<Prepared, CliError> {
    let mut p = load_with_inputs(&args.model, &args.scenarios, &args.sets)?;
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

/// Loads and compiles a model, then applies scenario files in order and `--set NAME=VALUE`
/// overrides (shared by `run` and `steady`).
pub fn load_with_inputs(
    model_path: &Path,
    scenarios: &[PathBuf],
    sets: &[String],
) -> Result<Prepared, CliError> {
    let model = pressure::interop::load(model_path).map_err(from_model)?;
    let compiled = CompiledModel::compile(&model).map_err(from_sim)?;
    let mut params = compiled.default_params();
    let mut exo = compiled.default_exogenous();
    let mut settings = compiled.default_settings();
    for path in scenarios {
        let sc = Scenario::load(path).map_err(from_sim)?;
        sc.apply(&compiled, &mut params, &mut exo, &mut settings)
            .map_err(from_sim)?;
    }
    for s in sets {
        let Some((name, value)) = s.split_once('=') else {
            return Err(CliError::Input(miette::miette!(
                help = "write --set NAME=VALUE, e.g. --set room_temperature=75",
                "--set {s}: expected NAME=VALUE"
            )));
        };
        let (name, value) = (name.trim(), value.trim());
        let v: f64 = value
            .parse()
            .ok()
            .filter(|v: &f64| v.is_finite())
            .ok_or_else(|| {
                CliError::Input(miette::miette!(
                    help = "the value must be a finite number such as 0.25 or 3e-2",
                    "--set {name}={value}: '{value}' is not a number"
                ))
            })?;
        compiled.set_param(&mut params, name, v).map_err(|e| {
            CliError::Input(miette::miette!(
                help = "`pressure describe MODEL` lists the parameters",
                "--set {name}={value}: {e}"
            ))
        })?;
    }
    Ok(Prepared {
        compiled,
        params,
        exo,
        settings,
        time_units: model.settings.time_units.clone(),
    })
}

pub fn run(args: &RunArgs) -> Result<(), CliError> {
    let Prepared {
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
    match &args.out {
        Some(path) => {
            report
                .write_file(path, format)
                .map_err(|e| CliError::Failure(miette::miette!("{e}")))?;
            write_manifest(path, args, &compiled, &params, &report)?;
        }
        None => {
            let mut out = std::io::stdout().lock();
            let _ = out.write_all(&report.bytes(format));
        }
    }
    Ok(())
}

fn write_manifest(
    out: &Path,
    args: &RunArgs,
    compiled: &CompiledModel,
    params: &ParamSet,
    report: &RunReport,
) -> Result<(), CliError> {
    let mut m = Manifest::for_current_process();
    m.add_input(&args.model);
    for sc in &args.scenarios {
        m.add_input(sc);
    }
    m.parameters = changed_parameters(compiled, params);
    m.seed = Some(report.settings.seed);
    m.extra.extend(report.manifest_facts());
    m.write_beside(out)
        .map(|_| ())
        .map_err(|(path, e)| CliError::Failure(miette::miette!("writing {}: {e}", path.display())))
}
