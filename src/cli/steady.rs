//! `pressure steady`: the steady state of a model (every stock's net flow zero, or a
//! balanced-growth state), with closure parameters and growth groups from the command line.

use super::model_errors::from_sim;
use super::run::{load_with_inputs, Format};
use super::CliError;
use pressure::model::eqn::number;
use pressure::output::{write_atomic, CsvTable, Manifest};
use pressure::sim::{CompiledModel, GrowthGroup, Hold, ParamSet, RunSettings, SteadyState};
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
}

fn input_error(message: String, help: &str) -> CliError {
    CliError::Input(miette::miette!(help = help.to_string(), "{message}"))
}

/// The model's settings with the command line's steady options added.
fn settings_with_options(args: &SteadyArgs, mut s: RunSettings) -> Result<RunSettings, CliError> {
    let st = &mut s.steady;
    st.free
        .extend(args.free.iter().map(|n| n.trim().to_string()));
    for h in &args.hold {
        let (name, value) = match h.split_once('=') {
            Some((n, v)) => {
                let x: f64 = v
                    .trim()
                    .parse()
                    .ok()
                    .filter(|x: &f64| x.is_finite())
                    .ok_or_else(|| {
                        input_error(
                            format!("--hold {h}: '{}' is not a number", v.trim()),
                            "write --hold NAME=VALUE, or --hold NAME to hold the initial value",
                        )
                    })?;
                (n.trim(), Some(x))
            }
            None => (h.trim(), None),
        };
        st.hold.push(Hold {
            name: name.to_string(),
            value,
        });
    }
    for (groups, log) in [(&args.growth, false), (&args.log_growth, true)] {
        for g in groups {
            let stocks: Vec<String> = g
                .split(',')
                .map(|n| n.trim().to_string())
                .filter(|n| !n.is_empty())
                .collect();
            if stocks.len() < 2 {
                return Err(input_error(
                    format!("--{}growth {g}: a growth group needs at least two stocks", if log { "log-" } else { "" }),
                    "list the stocks comma-separated, the anchor first: --log-growth money.ln_money,money.ln_price",
                ));
            }
            st.growth.push(GrowthGroup { stocks, log });
        }
    }
    st.exclude
        .extend(args.exclude.iter().map(|n| n.trim().to_string()));
    if let Some(t) = args.tolerance {
        st.tolerance = t;
    }
    if let Some(n) = args.max_iterations {
        st.max_iterations = n;
    }
    s.validate().map_err(from_sim)?;
    Ok(s)
}

pub fn run(args: &SteadyArgs) -> Result<(), CliError> {
    let (compiled, params, exo, settings) =
        load_with_inputs(&args.model, &args.scenarios, &args.sets)?;
    let settings = settings_with_options(args, settings)?;
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
    let bytes = match args.format {
        Format::Csv => csv(&steady),
        Format::Json => json(compiled.name(), &steady),
    };
    match &args.out {
        Some(dir) => {
            std::fs::create_dir_all(dir).map_err(|e| {
                CliError::Failure(miette::miette!("creating {}: {e}", dir.display()))
            })?;
            let name = match args.format {
                Format::Csv => "steady.csv",
                Format::Json => "steady.json",
            };
            let path = dir.join(name);
            write_atomic(&path, &bytes).map_err(|e| {
                CliError::Failure(miette::miette!("writing {}: {e}", path.display()))
            })?;
            manifest(
                args,
                &compiled,
                &params,
                &settings,
                &steady,
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
            let _ = std::io::stdout().lock().write_all(&bytes);
        }
    }
    Ok(())
}

/// One row per stock element (and pipeline), then one per growth group and free parameter:
/// `name,kind,role,value,initial,relative_change,net_flow,residual` (cells that do not apply are
/// empty).
fn csv(s: &SteadyState) -> Vec<u8> {
    let mut out = CsvTable::with_header([
        "name",
        "kind",
        "role",
        "value",
        "initial",
        "relative_change",
        "net_flow",
        "residual",
    ]);
    for v in &s.values {
        out.row([
            v.name.clone(),
            v.kind.name().to_string(),
            v.role.name().to_string(),
            number(v.value),
            number(v.initial),
            number(v.relative_change()),
            number(v.net_flow),
            v.residual.map(number).unwrap_or_default(),
        ]);
    }
    for g in &s.growth {
        let kind = if g.log {
            "log growth rate"
        } else {
            "growth rate"
        };
        out.row([
            &g.stocks.join(" "),
            kind,
            "solved",
            &number(g.rate),
            "",
            "",
            "",
            "",
        ]);
    }
    for f in &s.free {
        let change = if f.given != 0.0 {
            (f.value - f.given) / f.given.abs()
        } else {
            f.value - f.given
        };
        out.row([
            &f.name,
            "free parameter",
            "solved",
            &number(f.value),
            &number(f.given),
            &number(change),
            "",
            "",
        ]);
    }
    out.into_bytes()
}

fn json(model: &str, s: &SteadyState) -> Vec<u8> {
    let values: Vec<serde_json::Value> = s
        .values
        .iter()
        .map(|v| {
            serde_json::json!({
                "name": v.name,
                "kind": v.kind.name(),
                "role": v.role.name(),
                "value": v.value,
                "initial": v.initial,
                "relative_change": v.relative_change(),
                "net_flow": v.net_flow,
                "residual": v.residual,
            })
        })
        .collect();
    let growth: Vec<serde_json::Value> = s
        .growth
        .iter()
        .map(|g| serde_json::json!({ "stocks": g.stocks, "log": g.log, "rate": g.rate }))
        .collect();
    let free: Vec<serde_json::Value> = s
        .free
        .iter()
        .map(|f| serde_json::json!({ "name": f.name, "value": f.value, "given": f.given }))
        .collect();
    let holds: Vec<serde_json::Value> = s
        .holds
        .iter()
        .map(|h| serde_json::json!({ "name": h.name, "target": h.target, "value": h.value }))
        .collect();
    let v = serde_json::json!({
        "model": model,
        "time": s.time,
        "residual": s.residual,
        "tolerance": s.tolerance,
        "iterations": s.iterations,
        "evaluations": s.evaluations,
        "starts": s.starts,
        "values": values,
        "growth": growth,
        "free": free,
        "holds": holds,
    });
    let mut out = serde_json::to_vec_pretty(&v).unwrap_or_default();
    out.push(b'\n');
    out
}

fn manifest(
    args: &SteadyArgs,
    compiled: &CompiledModel,
    params: &ParamSet,
    settings: &RunSettings,
    s: &SteadyState,
    seconds: f64,
) -> Manifest {
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
    m.extra.insert("time".into(), s.time.into());
    m.extra
        .insert("tolerance".into(), settings.steady.tolerance.into());
    m.extra.insert("residual".into(), s.residual.into());
    m.extra.insert("iterations".into(), s.iterations.into());
    m.extra.insert("evaluations".into(), s.evaluations.into());
    m.extra.insert("seconds".into(), seconds.into());
    m.extra
        .insert("free".into(), serde_json::json!(settings.steady.free));
    m.extra.insert(
        "hold".into(),
        serde_json::json!(settings
            .steady
            .hold
            .iter()
            .map(|h| serde_json::json!({ "name": h.name, "value": h.value }))
            .collect::<Vec<_>>()),
    );
    m.extra.insert(
        "growth".into(),
        serde_json::json!(settings
            .steady
            .growth
            .iter()
            .map(|g| serde_json::json!({ "stocks": g.stocks, "log": g.log }))
            .collect::<Vec<_>>()),
    );
    m.extra
        .insert("exclude".into(), serde_json::json!(settings.steady.exclude));
    m
}

#[cfg(test)]
mod tests {
    use super::*;
    use pressure::sim::{FreeParameter, GrowthRate, SteadyKind, SteadyRole, SteadyValue};

    #[test]
    fn csv_cells_with_commas_quotes_and_newlines_round_trip() {
        let nasty = "a, \"b\"\nc";
        let s = SteadyState {
            values: vec![SteadyValue {
                name: nasty.into(),
                kind: SteadyKind::Stock,
                role: SteadyRole::Solved,
                value: 2.0,
                initial: 1.0,
                net_flow: 0.0,
                residual: None,
            }],
            growth: vec![GrowthRate {
                stocks: vec!["x".into(), "y".into()],
                log: false,
                rate: 0.5,
            }],
            free: vec![FreeParameter {
                name: nasty.into(),
                value: 3.0,
                given: 2.0,
            }],
            holds: vec![],
            iterations: 1,
            evaluations: 1,
            starts: 1,
            residual: 0.0,
            tolerance: 1e-9,
            time: 0.0,
        };
        let bytes = csv(&s);
        let rows: Vec<Vec<String>> = ::csv::Reader::from_reader(bytes.as_slice())
            .records()
            .map(|r| r.unwrap().iter().map(str::to_string).collect())
            .collect();
        assert_eq!(
            rows,
            [
                vec![nasty, "stock", "solved", "2", "1", "1", "0", ""],
                vec!["x y", "growth rate", "solved", "0.5", "", "", "", ""],
                vec![nasty, "free parameter", "solved", "3", "2", "0.5", "", ""],
            ]
        );
    }
}
