//! `pressure run`: simulate a model and write a wide table (time + one column per variable).

use super::model_errors::{from_model, from_sim};
use super::CliError;
use pressure::model::eqn::number;
use pressure::output::{write_atomic, CsvTable, Manifest};
use pressure::sim::{CompiledModel, Method, ParamSet, Results, RunSettings, Scenario};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Csv,
    Json,
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
}

fn parse_method(s: &str) -> Result<Method, String> {
    Method::parse(s)
        .ok_or_else(|| format!("unknown method '{s}'; use euler, rk2, rk4, dopri5 or dop853"))
}

/// A compiled model with the parameters, exogenous series and settings of one run.
pub type Prepared = (
    CompiledModel,
    ParamSet,
    pressure::sim::ExogenousSet,
    RunSettings,
);

/// Loads, compiles and applies scenarios, --set and settings overrides.
pub fn prepare(args: &RunArgs) -> Result<Prepared, CliError> {
    let (compiled, params, exo, mut settings) =
        load_with_inputs(&args.model, &args.scenarios, &args.sets)?;
    if let Some(m) = args.method {
        settings.method = m;
    }
    if let Some(dt) = args.dt {
        settings = settings.with_dt(dt);
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
    Ok((compiled, params, exo, settings))
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
    Ok((compiled, params, exo, settings))
}

pub fn run(args: &RunArgs) -> Result<(), CliError> {
    let (compiled, params, exo, settings) = prepare(args)?;
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
    let time_units = pressure::interop::load(&args.model)
        .ok()
        .and_then(|m| m.settings.time_units);
    let bytes = match args.format {
        Format::Csv => csv(results, time_units.as_deref()),
        Format::Json => json(compiled.name(), results, time_units.as_deref(), &settings),
    };
    match &args.out {
        Some(path) => {
            write_atomic(path, &bytes).map_err(|e| {
                CliError::Failure(miette::miette!("writing {}: {e}", path.display()))
            })?;
            write_manifest(path, args, &compiled, &params, &settings)?;
        }
        None => {
            let mut out = std::io::stdout().lock();
            let _ = out.write_all(&bytes);
        }
    }
    Ok(())
}

fn csv(r: &Results, time_units: Option<&str>) -> Vec<u8> {
    let mut s =
        CsvTable::with_header(std::iter::once("time").chain(r.names().iter().map(|n| n.as_str())));
    s.row(
        std::iter::once(time_units.unwrap_or(""))
            .chain(r.units().iter().map(|u| u.as_deref().unwrap_or(""))),
    );
    let cols: Vec<&[f64]> = (0..r.names().len()).map(|c| r.column_at(c)).collect();
    for (i, t) in r.time().iter().enumerate() {
        s.row(std::iter::once(number(*t)).chain(cols.iter().map(|c| number(c[i]))));
    }
    s.into_bytes()
}

fn json(model: &str, r: &Results, time_units: Option<&str>, s: &RunSettings) -> Vec<u8> {
    let columns: Vec<serde_json::Value> = r
        .names()
        .iter()
        .enumerate()
        .map(|(c, n)| {
            serde_json::json!({
                "name": n,
                "units": r.units()[c],
                "values": r.column_at(c),
            })
        })
        .collect();
    let v = serde_json::json!({
        "model": model,
        "method": s.method.name(),
        "dt": s.dt,
        "time_units": time_units,
        "time": r.time(),
        "columns": columns,
    });
    let mut out = serde_json::to_vec_pretty(&v).unwrap_or_default();
    out.push(b'\n');
    out
}

fn write_manifest(
    out: &Path,
    args: &RunArgs,
    compiled: &CompiledModel,
    params: &ParamSet,
    s: &RunSettings,
) -> Result<(), CliError> {
    let mut m = Manifest::for_current_process();
    m.add_input(&args.model);
    for sc in &args.scenarios {
        m.add_input(sc);
    }
    for (p, v) in compiled.parameters().iter().zip(params.iter()) {
        if p.default != *v {
            m.parameters.push((p.name.clone(), *v));
        }
    }
    m.seed = Some(s.seed);
    m.extra.insert("method".into(), s.method.name().into());
    m.extra.insert("dt".into(), s.dt.into());
    m.extra.insert("save_every".into(), s.save_every.into());
    m.extra.insert("start".into(), s.start.into());
    m.extra.insert("stop".into(), s.stop.into());
    m.extra
        .insert("output".into(), out.display().to_string().into());
    let json = serde_json::to_vec_pretty(&m).unwrap_or_default();
    let name = format!(
        "{}.manifest.json",
        out.file_name()
            .map(|f| f.to_string_lossy().into_owned())
            .unwrap_or_default()
    );
    let path = out.with_file_name(name);
    write_atomic(&path, &json)
        .map_err(|e| CliError::Failure(miette::miette!("writing {}: {e}", path.display())))
}
