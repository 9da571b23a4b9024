//! The error type of this crate and the [`Location`] every data error points at.
//!
//! Row numbers are 1-based and count the header line as row 1, so the first data record is
//! row 2: the number a spreadsheet shows next to the row. Column numbers are 1-based too.

use std::fmt;

/// Where in a data file something went wrong: file, optional row, optional column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// The file (path as given) or the name a table was read under.
    pub file: String,
    /// 1-based row, counting the header as row 1 (first data record = row 2).
    pub row: Option<usize>,
    /// The column, by name and 1-based number in the file's header.
    pub column: Option<ColumnRef>,
}

/// A column by name and 1-based position in the file's header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnRef {
    /// Header name.
    pub name: String,
    /// 1-based column number in the file.
    pub number: usize,
}

impl Location {
    /// A location naming only the file.
    pub fn file(file: impl Into<String>) -> Self {
        Location {
            file: file.into(),
            row: None,
            column: None,
        }
    }

    /// This location at a row (1-based, header = row 1).
    pub fn at_row(mut self, row: usize) -> Self {
        self.row = Some(row);
        self
    }

    /// This location at a column (name and 1-based number).
    pub fn at_column(mut self, name: impl Into<String>, number: usize) -> Self {
        self.column = Some(ColumnRef {
            name: name.into(),
            number,
        });
        self
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(row) = self.row {
            write!(f, ", row {row} (header is row 1)")?;
        }
        if let Some(c) = &self.column {
            write!(f, ", column {} `{}`", c.number, c.name)?;
        }
        Ok(())
    }
}

/// Everything that can go wrong loading, validating or querying data.
///
/// Errors about a file carry a [`Location`] (file, row, column) so a user can open the file at
/// the right place; errors about an in-memory table name the table (the file it was read from).
#[derive(Debug, thiserror::Error)]
pub enum DataError {
    /// The file could not be opened or read.
    #[error("{file}: cannot read: {source}")]
    Io {
        /// The path.
        file: String,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// The CSV itself is malformed (e.g. invalid UTF-8, unterminated quote).
    #[error("{at}: malformed CSV: {message}")]
    Csv {
        /// Where.
        at: Location,
        /// What the CSV reader said.
        message: String,
    },
    /// The file has no header line.
    #[error("{file}: the file is empty (no header row)")]
    Empty {
        /// The path.
        file: String,
    },
    /// A record has a different number of fields than the header.
    #[error("{at}: {found} fields, but the header has {expected}")]
    RaggedRow {
        /// Where (file and row).
        at: Location,
        /// Fields in the header.
        expected: usize,
        /// Fields in this record.
        found: usize,
    },
    /// A required or selected column is not in the header.
    #[error("{file}: no column `{column}` in the header (columns: {})", available.join(", "))]
    MissingColumn {
        /// The path.
        file: String,
        /// The column asked for.
        column: String,
        /// The header, for the message.
        available: Vec<String>,
    },
    /// The header names the same column twice.
    #[error(
        "{file}: column `{column}` appears twice in the header (columns {first} and {second})"
    )]
    DuplicateColumn {
        /// The path.
        file: String,
        /// The repeated name.
        column: String,
        /// 1-based number of the first occurrence.
        first: usize,
        /// 1-based number of the second occurrence.
        second: usize,
    },
    /// A cell that cannot be read as the column's type.
    #[error("{at}: `{value}` is not {expected}")]
    BadCell {
        /// File, row and column.
        at: Location,
        /// The cell as written.
        value: String,
        /// What was expected, e.g. "a number" or "an integer".
        expected: &'static str,
    },
    /// Two rows with the same key.
    #[error("{at}: duplicate key ({key}), first seen in row {first_row}")]
    DuplicateKey {
        /// File and the row of the second occurrence.
        at: Location,
        /// `col=value` pairs of the key.
        key: String,
        /// Row (header = row 1) of the first occurrence.
        first_row: usize,
    },
    /// A column name that the table does not have.
    #[error("table {table}: no column `{column}` (columns: {})", available.join(", "))]
    UnknownColumn {
        /// The table's name (its file).
        table: String,
        /// The column asked for.
        column: String,
        /// The table's columns, for the message.
        available: Vec<String>,
    },
    /// A column exists but has another type than the caller needs.
    #[error("table {table}: column `{column}` holds {found}, expected {expected}")]
    WrongColumnType {
        /// The table's name.
        table: String,
        /// The column.
        column: String,
        /// What the caller asked for.
        expected: &'static str,
        /// What the column is.
        found: &'static str,
    },
    /// A row-filter expression that does not parse or does not fit the table.
    #[error("filter `{expr}`, at character {position}: {message}")]
    Filter {
        /// The expression.
        expr: String,
        /// 1-based character position of the problem.
        position: usize,
        /// What is wrong.
        message: String,
    },
    /// A value that is well-formed but not acceptable (unit, frequency, date, range...).
    #[error("{at}: {message}")]
    Invalid {
        /// Where.
        at: Location,
        /// What is wrong and what would be right.
        message: String,
    },
    /// An observation period that the model run does not cover.
    #[error("observation period [{start}, {end}] lies outside the model's time span [{model_start}, {model_end}]")]
    OutsideModelSpan {
        /// Period start (model time).
        start: f64,
        /// Period end (model time).
        end: f64,
        /// First saved model time.
        model_start: f64,
        /// Last saved model time.
        model_end: f64,
    },
    /// A TOML file (sanction timeline) that does not parse or does not validate.
    #[error("{file}:{line}:{column}: {message}")]
    Toml {
        /// The path.
        file: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What is wrong.
        message: String,
    },
}

/// Result alias of this crate.
pub type Result<T, E = DataError> = std::result::Result<T, E>;

/// 1-based line and column of a byte offset in `text` (columns count bytes), for errors in
/// TOML files located by `toml::Spanned` offsets.
///
/// ```
/// assert_eq!(pressure_data::error::line_col("a = 1\nb = 2\n", 10), (2, 5));
/// ```
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let col = before
        .rfind('\n')
        .map_or(before.len(), |p| before.len() - p - 1)
        + 1;
    (line, col)
}
