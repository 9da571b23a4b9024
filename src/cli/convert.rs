//! `pressure convert`: a Vensim `.mdl`, XMILE or Pressure TOML model as Pressure's TOML or as
//! XMILE
//! (`pressure_interop::convert`), to a file (written atomically) or to standard output.

use super::model_errors::from_model;
use super::CliError;
use std::path::PathBuf;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum To {
    Toml,
    Xmile,
}

/// Convert a model to Pressure's TOML (one table per variable, units, docs, sources) or to
/// XMILE 1.0. The model is validated first: an invalid one is reported at its line and column
/// (exit code 2) and nothing is written.
#[derive(Debug, clap::Args)]
pub struct ConvertArgs {
    /// The model file: a Vensim `.mdl`, XMILE (`.xmile`, `.stmx`, `.xml`) or Pressure TOML
    /// (without modules, exogenous series or CSV constants).
    pub model: PathBuf,
    /// The format to write.
    #[arg(long, value_enum)]
    pub to: To,
    /// Write here instead of to standard output.
    #[arg(long)]
    pub out: Option<PathBuf>,
}

pub fn run(args: &ConvertArgs) -> Result<(), CliError> {
    let target = match args.to {
        To::Toml => pressure::interop::Target::Toml,
        To::Xmile => pressure::interop::Target::Xmile,
    };
    let text = pressure::interop::convert(&args.model, target).map_err(from_model)?;
    match &args.out {
        Some(out) => pressure::output::write_atomic(out, text.as_bytes())
            .map_err(|e| CliError::Failure(miette::miette!("cannot write {}: {e}", out.display()))),
        None => {
            print!("{text}");
            Ok(())
        }
    }
}
