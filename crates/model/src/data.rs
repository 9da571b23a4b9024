//! CSV inputs of a model: exogenous time series and arrayed parameter tables.
//! Errors name the file, the row (the header is row 1) and the column.

use crate::diagnostic::Diagnostic;
use crate::ir::{Interpolation, Series};
use std::path::Path;

/// A CSV file read into memory: header names and rows of trimmed cells with their line numbers.
pub(crate) struct CsvTable {
    pub headers: Vec<String>,
    pub rows: Vec<(usize, Vec<String>)>,
}

/// Reads a CSV file. The error is a message without location (the caller knows where the file
/// was named).
pub(crate) fn read_csv(path: &Path) -> Result<CsvTable, String> {
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_path(path)
        .map_err(|e| {
            format!(
                "cannot read data file {}: {}",
                path.display(),
                io_message(&e)
            )
        })?;
    let headers: Vec<String> = rdr
        .headers()
        .map_err(|e| format!("cannot read the header of {}: {e}", path.display()))?
        .iter()
        .map(|s| s.to_string())
        .collect();
    let mut rows = Vec::new();
    for rec in rdr.records() {
        let rec = rec.map_err(|e| format!("{}: {e}", path.display()))?;
        let line = rec.position().map(|p| p.line() as usize).unwrap_or(0);
        rows.push((line, rec.iter().map(|s| s.to_string()).collect()));
    }
    Ok(CsvTable { headers, rows })
}

fn io_message(e: &csv::Error) -> String {
    match e.kind() {
        csv::ErrorKind::Io(io) => io.to_string(),
        _ => e.to_string(),
    }
}

impl CsvTable {
    /// Index of a column by name, or an error listing the columns there are.
    pub fn column(&self, name: &str) -> Result<usize, String> {
        self.headers.iter().position(|h| h == name).ok_or_else(|| {
            let hint = crate::suggest::nearest(name, self.headers.iter().map(|s| s.as_str()))
                .map(|n| format!(" (did you mean '{n}'?)"))
                .unwrap_or_default();
            format!(
                "no column '{name}'{hint}; the columns are: {}",
                self.headers.join(", ")
            )
        })
    }

    /// The number in row `r`, column `c`, or a diagnostic at that cell (a gap or a non-number).
    pub fn number(&self, path: &Path, r: usize, c: usize) -> Result<f64, Diagnostic> {
        let (line, cells) = &self.rows[r];
        let name = self.headers.get(c).cloned();
        let cell = cells.get(c).map(|s| s.as_str()).unwrap_or("");
        if cell.is_empty() || cell.eq_ignore_ascii_case("na") || cell.eq_ignore_ascii_case("nan") {
            return Err(Diagnostic::error(format!(
                "missing value (a gap) in {}",
                path.display()
            ))
            .at_cell(path, *line, c + 1, name)
            .help("exogenous series and parameter tables need a number in every cell; fill or interpolate the gap in the data"));
        }
        match cell.parse::<f64>() {
            Ok(v) if v.is_finite() => Ok(v),
            _ => Err(
                Diagnostic::error(format!("'{cell}' is not a number in {}", path.display()))
                    .at_cell(path, *line, c + 1, name)
                    .help("cells must be plain numbers such as 12.5 or -3e-2"),
            ),
        }
    }
}

/// Reads an exogenous series: a time column and a value column.
pub(crate) fn read_series(
    path: &Path,
    time_column: &str,
    column: &str,
    interpolation: Interpolation,
) -> Result<Series, SeriesError> {
    let table = read_csv(path).map_err(SeriesError::File)?;
    let tc = table.column(time_column).map_err(SeriesError::TimeColumn)?;
    let vc = table.column(column).map_err(SeriesError::ValueColumn)?;
    let mut time = Vec::with_capacity(table.rows.len());
    let mut values = Vec::with_capacity(table.rows.len());
    for r in 0..table.rows.len() {
        let t = table.number(path, r, tc).map_err(SeriesError::Cell)?;
        let v = table.number(path, r, vc).map_err(SeriesError::Cell)?;
        if let Some(&prev) = time.last() {
            if t <= prev {
                let (line, _) = table.rows[r];
                return Err(SeriesError::Cell(
                    Diagnostic::error(format!(
                        "time {t} does not increase (previous row has {prev}) in {}",
                        path.display()
                    ))
                    .at_cell(path, line, tc + 1, Some(time_column.to_string()))
                    .help("sort the rows by time and remove duplicate times"),
                ));
            }
        }
        time.push(t);
        values.push(v);
    }
    if time.is_empty() {
        return Err(SeriesError::File(format!(
            "{} has no data rows",
            path.display()
        )));
    }
    Ok(Series {
        time,
        values,
        interpolation,
        origin: format!("{}:{column}", path.display()),
    })
}

/// Why a series could not be read; the caller decides where to point.
pub(crate) enum SeriesError {
    /// The file is missing, unreadable or empty.
    File(String),
    TimeColumn(String),
    ValueColumn(String),
    /// A bad cell (already located by file, row and column).
    Cell(Diagnostic),
}
