//! Turning model and engine errors into CLI errors (exit code 2 for bad input, 1 for a run
//! that failed), rendered by miette with a snippet of the file.

use super::CliError;
use pressure::model::{Diagnostic, ModelError};
use pressure::sim::SimError;
use std::fmt;

/// Several diagnostics shown as one report.
#[derive(Debug)]
struct Problems(Vec<Diagnostic>);

impl fmt::Display for Problems {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} problems found", self.0.len())
    }
}

impl std::error::Error for Problems {}

impl miette::Diagnostic for Problems {
    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn miette::Diagnostic> + 'a>> {
        Some(Box::new(
            self.0.iter().map(|d| d as &dyn miette::Diagnostic),
        ))
    }
}

/// A report for a model error: one diagnostic, or a list of them.
pub fn model_report(e: ModelError) -> miette::Report {
    let mut diags = e.diagnostics;
    if diags.len() == 1 {
        miette::Report::new(diags.remove(0))
    } else {
        miette::Report::new(Problems(diags))
    }
}

pub fn from_model(e: ModelError) -> CliError {
    CliError::Input(model_report(e))
}

pub fn from_sim(e: SimError) -> CliError {
    let input = e.is_input_error();
    let report = match e {
        SimError::Model(m) => model_report(m),
        other => miette::miette!("{other}"),
    };
    if input {
        CliError::Input(report)
    } else {
        CliError::Failure(report)
    }
}
