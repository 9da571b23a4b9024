//! `pressure describe`: the variables of a model with kind, units, doc, source and equation
//! (rendered by `pressure_model::describe`).

use super::model_errors::from_model;
use super::CliError;
use pressure::model::describe::{describe_json, describe_text};
use std::io::Write;
use std::path::PathBuf;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum TextOrJson {
    Text,
    Json,
}

/// List a model's variables (kind, dimensions, units, equation or value, doc, source).
#[derive(Debug, clap::Args)]
pub struct DescribeArgs {
    /// The model file: TOML, a Vensim `.mdl` or XMILE (`.xmile`, `.stmx`, `.xml`), read by `pressure_interop`.
    pub model: PathBuf,
    /// text or json.
    #[arg(long, value_enum, default_value_t = TextOrJson::Text)]
    pub format: TextOrJson,
}

pub fn run(args: &DescribeArgs) -> Result<(), CliError> {
    let m = pressure::interop::load(&args.model).map_err(from_model)?;
    let text = match args.format {
        TextOrJson::Json => {
            let mut s = serde_json::to_string_pretty(&describe_json(&m)).unwrap_or_default();
            s.push('\n');
            s
        }
        TextOrJson::Text => describe_text(&m),
    };
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
    Ok(())
}
