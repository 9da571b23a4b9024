//! `pressure loops`: the feedback loops of a model with their polarity at a time of a run.

use super::describe::TextOrJson;
use super::model_errors::{from_model, from_sim, model_report};
use super::CliError;
use pressure::model::loops::{find_loops, CausalGraph, LoopMethod, LoopOptions};
use pressure::model::ModelError;
use pressure::output::Manifest;
use pressure::sim::{link_gains, CompiledModel};
use std::path::PathBuf;

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
        TextOrJson::Text => report.text(&model, gains.time).into_bytes(),
        TextOrJson::Json => report.json(&model, gains.time, args.max_loops),
    };
    super::write_or_print(args.out.as_deref(), &bytes, || {
        let mut m = Manifest::for_current_process();
        m.add_input(&args.model);
        m.extra.insert("time".into(), gains.time.into());
        m.extra.insert("max_loops".into(), args.max_loops.into());
        m.extra
            .insert("independent".into(), args.independent.into());
        m
    })
}
