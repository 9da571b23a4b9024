//! A small CSV table reader for figure inputs: columns found by name (with aliases), numbers
//! parsed with errors that name the file, the row (line in the file; the header is line 1) and
//! the column.

use crate::error::PlotError;
use std::path::{Path, PathBuf};

pub(crate) struct Table {
    pub path: PathBuf,
    pub headers: Vec<String>,
    /// (line in the file, cells)
    pub rows: Vec<(u64, Vec<String>)>,
}

/// Cells that mean "no value" in optional numeric columns.
fn is_missing(s: &str) -> bool {
    matches!(s, "" | "NA" | "na" | "NaN" | "nan" | "null" | "None" | "-")
}

impl Table {
    pub fn read(path: &Path) -> Result<Table, PlotError> {
        let text = std::fs::read(path).map_err(|e| PlotError::Csv {
            path: path.to_path_buf(),
            line: None,
            column: None,
            message: format!("cannot read the file: {e}"),
        })?;
        Table::parse(path, &text)
    }

    pub fn parse(path: &Path, bytes: &[u8]) -> Result<Table, PlotError> {
        let err = |line: Option<u64>, message: String| PlotError::Csv {
            path: path.to_path_buf(),
            line,
            column: None,
            message,
        };
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(true)
            .flexible(false)
            .trim(csv::Trim::All)
            .comment(Some(b'#'))
            .from_reader(bytes);
        let headers: Vec<String> = reader
            .headers()
            .map_err(|e| {
                err(
                    e.position().map(|p| p.line()),
                    format!("malformed CSV header: {e}"),
                )
            })?
            .iter()
            .map(|h| h.trim_start_matches('\u{feff}').to_string())
            .collect();
        if headers.iter().all(|h| h.is_empty()) {
            return Err(err(
                Some(1),
                "the file is empty: expected a header row".into(),
            ));
        }
        let mut rows = Vec::new();
        for rec in reader.records() {
            let rec = rec.map_err(|e| {
                let line = e.position().map(|p| p.line());
                let message = match e.kind() {
                    csv::ErrorKind::UnequalLengths {
                        expected_len, len, ..
                    } => format!(
                        "malformed CSV: this row has {len} fields but the header has {expected_len}"
                    ),
                    csv::ErrorKind::Utf8 { .. } => {
                        "malformed CSV: the row is not valid UTF-8".into()
                    }
                    _ => format!("malformed CSV: {e}"),
                };
                err(line, message)
            })?;
            let line = rec.position().map_or(0, |p| p.line());
            rows.push((line, rec.iter().map(str::to_string).collect()));
        }
        if rows.is_empty() {
            return Err(err(None, "no data rows after the header".into()));
        }
        Ok(Table {
            path: path.to_path_buf(),
            headers,
            rows,
        })
    }

    /// The index of the first column whose name matches one of `names` (case-insensitive).
    pub fn col(&self, names: &[&str]) -> Option<usize> {
        names
            .iter()
            .find_map(|n| self.headers.iter().position(|h| h.eq_ignore_ascii_case(n)))
    }

    /// Like [`col`](Self::col), but a missing column is an error that lists what the layout
    /// needs.
    pub fn require(&self, names: &[&str], layout: &str) -> Result<usize, PlotError> {
        self.col(names).ok_or_else(|| PlotError::Csv {
            path: self.path.clone(),
            line: Some(1),
            column: Some(names[0].to_string()),
            message: format!(
                "missing column{} (the header has: {}; {layout})",
                if names.len() > 1 {
                    format!(" (also accepted: {})", names[1..].join(", "))
                } else {
                    String::new()
                },
                self.headers.join(", ")
            ),
        })
    }

    fn cell_err(&self, line: u64, col: usize, message: String) -> PlotError {
        PlotError::Csv {
            path: self.path.clone(),
            line: Some(line),
            column: Some(self.headers[col].clone()),
            message,
        }
    }

    /// A required finite number.
    pub fn num(&self, row: usize, col: usize) -> Result<f64, PlotError> {
        let (line, cells) = &self.rows[row];
        let s = cells[col].as_str();
        if is_missing(s) {
            return Err(self.cell_err(
                *line,
                col,
                "a number is required here, the cell is empty".into(),
            ));
        }
        match s.parse::<f64>() {
            Ok(v) if v.is_finite() => Ok(v),
            Ok(v) => Err(self.cell_err(*line, col, format!("{v} is not a finite number"))),
            Err(_) => Err(self.cell_err(*line, col, format!("expected a number, found `{s}`"))),
        }
    }

    /// An optional number: a missing column or an empty/NA cell gives `None`.
    pub fn opt_num(&self, row: usize, col: Option<usize>) -> Result<Option<f64>, PlotError> {
        match col {
            None => Ok(None),
            Some(c) if is_missing(self.rows[row].1[c].as_str()) => Ok(None),
            Some(c) => self.num(row, c).map(Some),
        }
    }

    /// Text of a cell; a missing column gives `default`.
    pub fn text<'a>(&'a self, row: usize, col: Option<usize>, default: &'a str) -> &'a str {
        col.map_or(default, |c| self.rows[row].1[c].as_str())
    }

    pub fn line(&self, row: usize) -> u64 {
        self.rows[row].0
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// A data error about a whole row.
    pub fn row_err(&self, row: usize, column: Option<usize>, message: String) -> PlotError {
        PlotError::Csv {
            path: self.path.clone(),
            line: Some(self.line(row)),
            column: column.map(|c| self.headers[c].clone()),
            message,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Result<Table, PlotError> {
        Table::parse(Path::new("in.csv"), s.as_bytes())
    }

    #[test]
    fn bad_number_names_file_row_and_column() {
        let t = parse("time,value\n0,1\n1,abc\n").unwrap();
        let c = t.require(&["value"], "").unwrap();
        let e = t.num(1, c).unwrap_err().to_string();
        assert_eq!(
            e,
            "in.csv, row 3, column `value`: expected a number, found `abc`"
        );
    }

    #[test]
    fn ragged_row_is_malformed_with_its_line() {
        let e = parse("a,b\n1,2\n3\n").err().unwrap().to_string();
        assert!(e.starts_with("in.csv, row 3: malformed CSV"), "{e}");
    }

    #[test]
    fn missing_column_lists_the_header() {
        let t = parse("x,y\n1,2\n").unwrap();
        let e = t
            .require(&["time", "t"], "needs time")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("column `time`: missing column (also accepted: t)"),
            "{e}"
        );
        assert!(e.contains("the header has: x, y"), "{e}");
    }

    #[test]
    fn empty_and_header_only_files_are_errors() {
        assert!(parse("").is_err());
        let e = parse("a,b\n").err().unwrap().to_string();
        assert!(e.contains("no data rows"), "{e}");
    }

    #[test]
    fn na_is_missing_in_optional_columns() {
        let t = parse("a,b\n1,NA\n").unwrap();
        assert_eq!(t.opt_num(0, Some(1)).unwrap(), None);
        assert_eq!(t.opt_num(0, Some(0)).unwrap(), Some(1.0));
    }
}
