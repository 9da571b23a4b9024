//! Diagnostics: what went wrong, where (file, line and column for model files; file, row and
//! column for CSV data), and what would be right.
//!
//! [`ModelError`] collects every diagnostic found while loading a model, so `pressure check`
//! can list them all at once. It implements [`miette::Diagnostic`], so the CLI renders it with
//! a snippet of the file and a caret under the offending text.

use crate::source::{SourceMap, Span};
use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

/// Where a diagnostic points.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// A place in a model, module or scenario file (1-based line and column).
    Model {
        /// The model file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// 1-based column, in characters.
        column: usize,
    },
    /// A cell of a data file: 1-based row (the header is row 1) and 1-based column.
    Data {
        /// The data file.
        path: PathBuf,
        /// 1-based row; the header is row 1.
        row: usize,
        /// 1-based column.
        column: usize,
        /// The column's header, when known.
        column_name: Option<String>,
    },
    /// A whole file (e.g. one that could not be read).
    File {
        /// The file.
        path: PathBuf,
    },
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::Model { path, line, column } => {
                write!(f, "{}:{line}:{column}", path.display())
            }
            Location::Data {
                path,
                row,
                column,
                column_name,
            } => {
                write!(f, "{}: row {row}, column {column}", path.display())?;
                if let Some(name) = column_name {
                    write!(f, " ({name})")?;
                }
                Ok(())
            }
            Location::File { path } => write!(f, "{}", path.display()),
        }
    }
}

/// How serious a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    /// The model cannot be used as written.
    Error,
    /// The model runs, but something is probably not meant (e.g. inconsistent units, a named
    /// loop that matches no loop); an error under `pressure check --strict-units` for units.
    Warning,
}

/// One finding: a message, an optional location and an optional hint at the fix.
#[derive(Debug, Clone)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// What is wrong, in one sentence.
    pub message: String,
    /// How to fix it (e.g. "did you mean 'room_temperature'?").
    pub help: Option<String>,
    /// Where it is; `None` for problems of the model as a whole.
    pub location: Option<Location>,
    /// The source text and byte range, when the location is in a text file we hold.
    snippet: Option<Snippet>,
}

#[derive(Debug, Clone)]
struct Snippet {
    text: miette::NamedSource<Arc<str>>,
    start: usize,
    len: usize,
    label: Option<String>,
}

impl Diagnostic {
    /// An error with no location yet.
    pub fn error(message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Error,
            message: message.into(),
            help: None,
            location: None,
            snippet: None,
        }
    }

    /// A warning with no location yet.
    pub fn warning(message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(message)
        }
    }

    /// Points the diagnostic at a span of a file in `sources`.
    pub fn at(mut self, sources: &SourceMap, span: Span) -> Self {
        let file = sources.file(span.file);
        self.location = Some(sources.location(span));
        self.snippet = Some(Snippet {
            text: miette::NamedSource::new(file.path.display().to_string(), file.text.clone()),
            start: span.start as usize,
            len: span.len(),
            label: None,
        });
        self
    }

    /// Points the diagnostic at a cell of a data file.
    pub fn at_cell(
        mut self,
        path: impl Into<PathBuf>,
        row: usize,
        column: usize,
        column_name: Option<String>,
    ) -> Self {
        self.location = Some(Location::Data {
            path: path.into(),
            row,
            column,
            column_name,
        });
        self
    }

    /// Points the diagnostic at a whole file.
    pub fn at_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.location = Some(Location::File { path: path.into() });
        self
    }

    /// Adds a hint at what would be right.
    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Adds a short label shown under the caret in rendered snippets.
    pub fn label(mut self, label: impl Into<String>) -> Self {
        if let Some(s) = &mut self.snippet {
            s.label = Some(label.into());
        }
        self
    }

    /// True for [`Severity::Error`].
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(loc) = &self.location {
            write!(f, "{loc}: ")?;
        }
        write!(f, "{}", self.message)
    }
}

impl std::error::Error for Diagnostic {}

impl miette::Diagnostic for Diagnostic {
    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
        })
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h.as_str()) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.snippet
            .as_ref()
            .map(|s| &s.text as &dyn miette::SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = miette::LabeledSpan> + '_>> {
        let s = self.snippet.as_ref()?;
        let span = miette::LabeledSpan::new(s.label.clone(), s.start, s.len);
        Some(Box::new(std::iter::once(span)))
    }
}

/// Every problem found in a model (or scenario, or data file it reads). Never empty.
#[derive(Debug, Clone)]
pub struct ModelError {
    /// The diagnostics, in the order they were found.
    pub diagnostics: Vec<Diagnostic>,
}

impl ModelError {
    /// An error from its diagnostics (at least one).
    pub fn new(diagnostics: Vec<Diagnostic>) -> Self {
        debug_assert!(!diagnostics.is_empty());
        ModelError { diagnostics }
    }

    /// The first (usually the root-cause) diagnostic.
    pub fn first(&self) -> &Diagnostic {
        &self.diagnostics[0]
    }
}

impl From<Diagnostic> for ModelError {
    fn from(d: Diagnostic) -> Self {
        ModelError {
            diagnostics: vec![d],
        }
    }
}

impl fmt::Display for ModelError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.diagnostics.len();
        for (i, d) in self.diagnostics.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{d}")?;
            if let Some(h) = &d.help {
                write!(f, "\n  help: {h}")?;
            }
        }
        if n > 1 {
            write!(f, "\n({n} problems)")?;
        }
        Ok(())
    }
}

impl std::error::Error for ModelError {}

impl miette::Diagnostic for ModelError {
    fn severity(&self) -> Option<miette::Severity> {
        Some(miette::Severity::Error)
    }

    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn miette::Diagnostic> + 'a>> {
        Some(Box::new(
            self.diagnostics
                .iter()
                .map(|d| d as &dyn miette::Diagnostic),
        ))
    }
}

/// Renders diagnostics with file snippets (as the CLI does) into a string.
///
/// The location (`file:line:col`) is always part of the text, so scripts can grep for it.
pub fn render(error: &ModelError) -> String {
    let handler =
        miette::GraphicalReportHandler::new_themed(miette::GraphicalTheme::unicode_nocolor());
    let mut out = String::new();
    for d in &error.diagnostics {
        let mut one = String::new();
        if handler.render_report(&mut one, d).is_err() {
            one = format!("{d}\n");
        }
        out.push_str(&one);
    }
    out
}
