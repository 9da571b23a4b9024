//! `pressure check`: load and compile a model, report every problem, exit 0 when clean.

use super::model_errors::{from_model, from_sim, model_report};
use super::CliError;
use pressure::commands::check::ModelSummary;
use pressure::model::ModelError;
use pressure::sim::CompiledModel;
use std::path::PathBuf;

/// Check a model file for errors (exit code 0 when clean, 2 otherwise).
#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// The model file: TOML, a Vensim `.mdl` or XMILE (`.xmile`, `.stmx`, `.xml`), read by `pressure_interop`.
    pub model: PathBuf,
    /// text or json.
    #[arg(long, value_enum, default_value_t = super::describe::TextOrJson::Text)]
    pub format: super::describe::TextOrJson,
    /// Unit problems (unknown unit names, mismatched units) are errors (exit code 2), not
    /// warnings. Malformed unit expressions are errors either way.
    #[arg(long)]
    pub strict_units: bool,
}

pub fn run(args: &CheckArgs) -> Result<(), CliError> {
    let model = pressure::interop::load(&args.model).map_err(from_model)?;
    let compiled = CompiledModel::compile(&model).map_err(from_sim)?;
    // Dimensional analysis (see pressure_model::units): errors stop here, warnings are listed.
    let unit_findings = pressure::model::units::check_units(&model).diagnostics(args.strict_units);
    let (unit_errors, unit_warnings): (Vec<_>, Vec<_>) =
        unit_findings.into_iter().partition(|d| d.is_error());
    if !unit_errors.is_empty() {
        return Err(from_model(ModelError::new(unit_errors)));
    }
    let s = ModelSummary::new(&model, &compiled);
    match args.format {
        super::describe::TextOrJson::Text => {
            for w in model.warnings.iter().chain(&unit_warnings) {
                eprintln!("{:?}", model_report(ModelError::new(vec![w.clone()])));
            }
            let parts: Vec<String> = s.counts.iter().map(|(k, n)| format!("{n} {k}")).collect();
            println!(
                "{}: ok ({}; {} hidden variables from stateful functions; {} state variables, {} instructions per evaluation)",
                args.model.display(),
                parts.join(", "),
                s.hidden,
                s.state_variables,
                s.instructions_per_evaluation
            );
        }
        super::describe::TextOrJson::Json => {
            let warnings: Vec<String> = model.warnings.iter().map(|w| w.to_string()).collect();
            let v = serde_json::json!({
                "ok": true,
                "model": model.name,
                "variables": s.counts,
                "hidden_variables": s.hidden,
                "modules": model.modules.iter().map(|m| m.name.clone()).collect::<Vec<_>>(),
                "program": {"initial_instructions": s.initial_instructions, "instructions_per_evaluation": s.instructions_per_evaluation, "slots": s.slots, "state_variables": s.state_variables},
                "warnings": warnings,
                "unit_warnings": unit_warnings.iter().map(|w| w.to_string()).collect::<Vec<_>>(),
            });
            println!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
        }
    }
    Ok(())
}
