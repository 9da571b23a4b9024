//! `pressure graph`: the stock-and-flow structure of a model as Graphviz DOT or JSON.

use super::model_errors::{from_model, from_sim};
use super::CliError;
use pressure::model::export::Graph;
use pressure::model::loops::{CausalGraph, GainSource};
use pressure::output::Manifest;
use pressure::sim::{link_gains, CompiledModel, LinkGains};
use std::path::PathBuf;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum GraphFormat {
    Dot,
    Json,
}

/// Write the stock-and-flow structure (stocks, flows, auxiliaries, parameters, lookups,
/// exogenous series, module clusters, link polarity) for Graphviz (`dot -Tsvg`) or any
/// viewer (JSON nodes and edges).
#[derive(Debug, clap::Args)]
pub struct GraphArgs {
    /// The model file: TOML, a Vensim `.mdl` or XMILE (`.xmile`, `.stmx`, `.xml`), read by `pressure_interop`.
    pub model: PathBuf,
    /// dot or json.
    #[arg(long, value_enum, default_value_t = GraphFormat::Dot)]
    pub format: GraphFormat,
    /// Output file (written atomically, with FILE.manifest.json next to it); stdout if absent.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Link polarities from the gains at this time (a time of the dt grid). Default: the
    /// initial time.
    #[arg(long, conflicts_with = "no_polarity", allow_negative_numbers = true)]
    pub at: Option<f64>,
    /// Only the structural polarities (inflow +, outflow -): do not run the model.
    #[arg(long)]
    pub no_polarity: bool,
}

pub fn run(args: &GraphArgs) -> Result<(), CliError> {
    let model = pressure::interop::load(&args.model).map_err(from_model)?;
    let gains: Option<LinkGains> = if args.no_polarity {
        None
    } else {
        let compiled = CompiledModel::compile(&model).map_err(from_sim)?;
        let links = CausalGraph::new(&model).links().to_vec();
        match link_gains(
            &model,
            &compiled,
            &compiled.default_params(),
            args.at,
            &links,
        ) {
            Ok(g) => Some(g),
            // A time the user asked for must be right.
            Err(e) if args.at.is_some() => return Err(from_sim(e)),
            // Otherwise the structure is still worth having.
            Err(e) => {
                eprintln!("warning: link polarities not computed ({e}); only inflows (+) and outflows (-) are marked");
                None
            }
        }
    };
    let graph = Graph::new(&model, gains.as_ref().map(|g| g as &dyn GainSource));
    let text = match args.format {
        GraphFormat::Dot => graph.to_dot(),
        GraphFormat::Json => graph.to_json(),
    };
    super::write_or_print(args.out.as_deref(), text.as_bytes(), || {
        let mut m = Manifest::for_current_process();
        m.add_input(&args.model);
        m.extra.insert(
            "polarity_time".into(),
            gains.as_ref().map(|g| g.time).into(),
        );
        m
    })
}
