//! Errors of figure drawing and of reading figure inputs from CSV.

use std::path::PathBuf;

/// Everything that can go wrong when making a figure.
#[derive(Debug, thiserror::Error)]
pub enum PlotError {
    /// The input data cannot make this figure (no series, mismatched lengths, no finite value).
    #[error("{0}")]
    Data(String),
    /// An input CSV file is missing, unreadable or malformed. `line` is the 1-based line in the
    /// file (the header is line 1); `column` names the column when one is at fault.
    #[error("{}", csv_message(path, *line, column.as_deref(), message))]
    Csv {
        /// The CSV file (or the name given for bytes in memory).
        path: PathBuf,
        /// The 1-based line at fault (the header is line 1), when one is.
        line: Option<u64>,
        /// The column at fault, when one is.
        column: Option<String>,
        /// What is wrong.
        message: String,
    },
    /// The figure kind is not one this crate draws.
    #[error("unknown figure kind `{given}`; the kinds are: {}", crate::FigureKind::NAMES.join(", "))]
    UnknownKind {
        /// The name given.
        given: String,
    },
    /// The output format is not offered (or PDF support was compiled out).
    #[error("{0}")]
    Format(String),
    /// The drawing backend or an encoder failed.
    #[error("rendering failed: {0}")]
    Render(String),
}

fn csv_message(
    path: &std::path::Path,
    line: Option<u64>,
    column: Option<&str>,
    message: &str,
) -> String {
    let mut s = path.display().to_string();
    if let Some(l) = line {
        s.push_str(&format!(", row {l}"));
    }
    if let Some(c) = column {
        s.push_str(&format!(", column `{c}`"));
    }
    s.push_str(": ");
    s.push_str(message);
    s
}
