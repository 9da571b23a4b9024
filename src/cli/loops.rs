//! `pressure loops`: the feedback loops of a model with their polarity at a time of a run.

use super::describe::TextOrJson;
use super::model_errors::{from_model, from_sim, model_report};
use super::CliError;
use pressure::model::loops::{
    find_loops, CausalGraph, Enumeration, LoopMethod, LoopOptions, LoopPolarity, LoopReport,
};
use pressure::model::{Model, ModelError};
use pressure::output::{write_atomic, Manifest};
use pressure::sim::{link_gains, CompiledModel};
use std::io::Write;
use std::path::{Path, PathBuf};

/// List the feedback loops of a model: variables, length, polarity (reinforcing or
/// balancing, from the signs of the link gains at a time of a run) and declared names.
#[derive(Debug, clap::Args)]
pub struct LoopsArgs {
    /// The model file: TOML, a Vensim `.mdl` or XMILE (`.xmile`, `.stmx`, `.xml`), read by `pressure_interop`.
    pub model: PathBuf,
    /// Evaluate polarity at this time (the model runs to it; a time of the dt grid). Default:
    /// the initial time.
    #[arg(long, allow_negative_numbers = true)]
    pub at: Option<f64>,
    /// text or json.
    #[arg(long, value_enum, default_value_t = TextOrJson::Text)]
    pub format: TextOrJson,
    /// Enumerate at most this many loops one by one; a model with more gets its shortest
    /// independent loop set (Oliva 2004) instead, and the output says so.
    #[arg(long, default_value_t = 1000)]
    pub max_loops: usize,
    /// List only the shortest independent loop set, however few loops the model has.
    #[arg(long)]
    pub independent: bool,
    /// Output file (written atomically, with FILE.manifest.json next to it); stdout if absent.
    #[arg(long)]
    pub out: Option<PathBuf>,
    #[command(flatten)]
    pub engine: super::EngineArgs,
}

pub fn run(args: &LoopsArgs) -> Result<(), CliError> {
    let model = pressure::interop::load(&args.model).map_err(from_model)?;
    let compiled = CompiledModel::compile(&model).map_err(from_sim)?;
    let graph = CausalGraph::new(&model);
    let gains = link_gains(
        &model,
        &compiled,
        &compiled.default_params(),
        args.at,
        &graph.loop_links(),
    )
    .map_err(from_sim)?;
    let options = LoopOptions {
        method: if args.independent {
            LoopMethod::Independent
        } else {
            LoopMethod::Auto
        },
        max_loops: args.max_loops,
    };
    let report = find_loops(&model, &graph, &options, &gains);
    if !report.warnings.is_empty() && args.format == TextOrJson::Text {
        eprintln!(
            "{:?}",
            model_report(ModelError::new(report.warnings.clone()))
        );
    }
    let bytes = match args.format {
        TextOrJson::Text => text(&model, &report, gains.time).into_bytes(),
        TextOrJson::Json => json(&model, &report, gains.time, args.max_loops),
    };
    match &args.out {
        Some(path) => {
            write_atomic(path, &bytes).map_err(|e| {
                CliError::Failure(miette::miette!("writing {}: {e}", path.display()))
            })?;
            write_manifest(path, args, gains.time)?;
        }
        None => {
            let _ = std::io::stdout().lock().write_all(&bytes);
        }
    }
    Ok(())
}

fn counts(report: &LoopReport) -> [(LoopPolarity, usize); 4] {
    [
        LoopPolarity::Reinforcing,
        LoopPolarity::Balancing,
        LoopPolarity::Inactive,
        LoopPolarity::Undetermined,
    ]
    .map(|p| (p, report.loops.iter().filter(|l| l.polarity == p).count()))
}

fn text(model: &Model, report: &LoopReport, time: f64) -> String {
    let mut s = String::new();
    let n = report.loops.len();
    let how = match (report.enumeration, report.complete) {
        (Enumeration::All, true) => "all loops",
        (Enumeration::All, false) => "enumeration bounded",
        (Enumeration::Independent, _) => "shortest independent loop set",
    };
    let parts: Vec<String> = counts(report)
        .iter()
        .filter(|(_, c)| *c > 0)
        .map(|(p, c)| format!("{c} {}", p.name()))
        .collect();
    s += &format!(
        "{}: {n} feedback loop{} ({how}){}{}; polarity at time {time}\n",
        model.name,
        if n == 1 { "" } else { "s" },
        if parts.is_empty() { "" } else { ": " },
        parts.join(", ")
    );
    if let Some(note) = &report.note {
        s += &format!("note: {note}\n");
    }
    for l in &report.loops {
        let mut path = String::new();
        for (k, v) in l.variables.iter().enumerate() {
            path += &model.var(*v).name;
            path += &format!(" -({})-> ", l.links[k].sign.symbol());
        }
        path += &model.var(l.variables[0]).name;
        let name = l
            .name
            .as_ref()
            .map(|n| format!("  [{n}]"))
            .unwrap_or_default();
        s += &format!(
            "{:<4} {}  length {:<3}{name}  {path}\n",
            l.id,
            l.polarity.letter(),
            l.length()
        );
    }
    s
}

fn json(model: &Model, report: &LoopReport, time: f64, max_loops: usize) -> Vec<u8> {
    let loops: Vec<serde_json::Value> = report
        .loops
        .iter()
        .map(|l| {
            let links: Vec<serde_json::Value> = l
                .links
                .iter()
                .map(|k| serde_json::json!({"from": model.var(k.from).name, "to": model.var(k.to).name, "sign": k.sign.symbol()}))
                .collect();
            serde_json::json!({
                "id": l.id,
                "name": l.name,
                "doc": l.doc,
                "polarity": l.polarity.name(),
                "length": l.length(),
                "variables": l.variables.iter().map(|v| model.var(*v).name.clone()).collect::<Vec<_>>(),
                "links": links,
            })
        })
        .collect();
    let mut count_map = serde_json::Map::new();
    for (p, c) in counts(report) {
        count_map.insert(p.name().into(), c.into());
    }
    let v = serde_json::json!({
        "model": model.name,
        "time": time,
        "enumeration": match report.enumeration { Enumeration::All => "all", Enumeration::Independent => "shortest_independent_loop_set" },
        "complete": report.complete,
        "max_loops": max_loops,
        "note": report.note,
        "counts": count_map,
        "loops": loops,
        "warnings": report.warnings.iter().map(|w| w.to_string()).collect::<Vec<_>>(),
    });
    let mut out = serde_json::to_vec_pretty(&v).unwrap_or_default();
    out.push(b'\n');
    out
}

fn write_manifest(out: &Path, args: &LoopsArgs, time: f64) -> Result<(), CliError> {
    let mut m = Manifest::for_current_process();
    m.add_input(&args.model);
    m.extra.insert("time".into(), time.into());
    m.extra.insert("max_loops".into(), args.max_loops.into());
    m.extra
        .insert("independent".into(), args.independent.into());
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
