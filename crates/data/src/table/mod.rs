//! Column-oriented tables read from CSV: typed columns, explicit missing values, selection,
//! row filters and grouping keys.
//!
//! A [`Table`] holds named columns of one of three types ([`Column`]):
//!
//! * `Float`: `f64`, a missing value is `NaN` (and only missing values are `NaN`: non-finite
//!   literals such as `inf` are rejected when reading);
//! * `Int`: `Option<i64>` (years, counts, codes);
//! * `Text`: dictionary-encoded strings ([`TextColumn`]), fast for repeated keys such as country
//!   codes.
//!
//! ```
//! use pressure_data::table::{ColumnType, ReadOptions, Table};
//!
//! let csv = "country,year,gdp_growth\nIRN,2011,3.1\nIRN,2012,-7.4\nRUS,2014,NA\n";
//! let opts = ReadOptions::new().column_type("gdp_growth", ColumnType::Float).unique_key(["country", "year"]);
//! let t = Table::read_str(csv, "example.csv", &opts)?;
//! assert_eq!(t.n_rows(), 3);
//! assert_eq!(t.ints("year")?, &[Some(2011), Some(2012), Some(2014)]);
//! assert!(t.floats("gdp_growth")?[2].is_nan()); // "NA" is an explicit missing value
//! let iran = t.filter("country == 'IRN' && year >= 2012")?;
//! assert_eq!(iran.floats("gdp_growth")?, &[-7.4]);
//! # Ok::<(), pressure_data::DataError>(())
//! ```

mod filter;
mod group;
mod read;

pub use group::Groups;
pub use read::{ReadOptions, DEFAULT_MISSING};

use crate::error::{DataError, Location, Result};
use std::collections::HashMap;

/// The type of a column, chosen by [`ReadOptions::column_type`] or inferred from the cells.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ColumnType {
    /// `f64`; missing = `NaN`.
    Float,
    /// `Option<i64>`.
    Int,
    /// Strings, dictionary-encoded.
    Text,
}

impl ColumnType {
    /// A short description used in error messages ("numbers", "integers", "text").
    pub fn describe(self) -> &'static str {
        match self {
            ColumnType::Float => "numbers (f64)",
            ColumnType::Int => "integers",
            ColumnType::Text => "text",
        }
    }
}

/// Strings stored once each (`levels`) and referenced per row by a code.
///
/// The code of a missing value is [`TextColumn::MISSING`]. Levels are in order of first
/// appearance, so codes are deterministic for a given file.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TextColumn {
    levels: Vec<String>,
    codes: Vec<u32>,
}

impl TextColumn {
    /// Code of a missing (empty) cell.
    pub const MISSING: u32 = u32::MAX;

    /// Builds a column from optional strings.
    pub fn from_values<'a>(values: impl IntoIterator<Item = Option<&'a str>>) -> Self {
        let mut b = TextBuilder::default();
        for v in values {
            b.push(v);
        }
        b.finish()
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.codes.len()
    }

    /// True when there are no rows.
    pub fn is_empty(&self) -> bool {
        self.codes.is_empty()
    }

    /// The value in row `i` (0-based), `None` when missing.
    ///
    /// # Panics
    /// When `i` is out of bounds, like slice indexing.
    pub fn get(&self, i: usize) -> Option<&str> {
        match self.codes[i] {
            Self::MISSING => None,
            c => Some(&self.levels[c as usize]),
        }
    }

    /// The distinct values, in order of first appearance.
    pub fn levels(&self) -> &[String] {
        &self.levels
    }

    /// Per-row codes into [`levels`](Self::levels) ([`MISSING`](Self::MISSING) for missing).
    pub fn codes(&self) -> &[u32] {
        &self.codes
    }

    /// The code of `value`, if it occurs.
    pub fn code_of(&self, value: &str) -> Option<u32> {
        self.levels
            .iter()
            .position(|l| l == value)
            .map(|p| p as u32)
    }

    /// Iterates over the rows' values.
    pub fn iter(&self) -> impl Iterator<Item = Option<&str>> + '_ {
        (0..self.len()).map(move |i| self.get(i))
    }

    fn take(&self, rows: &[usize]) -> TextColumn {
        // Re-encode so that unused levels disappear and codes stay in first-appearance order.
        let mut b = TextBuilder::default();
        for &r in rows {
            b.push(self.get(r));
        }
        b.finish()
    }
}

/// Incremental dictionary encoder; caches the previous value because key columns are usually
/// sorted (country blocks), which makes most lookups a byte comparison.
#[derive(Default)]
pub(crate) struct TextBuilder {
    index: HashMap<String, u32>,
    levels: Vec<String>,
    codes: Vec<u32>,
    last: Option<u32>,
}

impl TextBuilder {
    pub(crate) fn with_capacity(rows: usize) -> Self {
        TextBuilder {
            codes: Vec::with_capacity(rows),
            ..Default::default()
        }
    }

    pub(crate) fn push(&mut self, value: Option<&str>) {
        let code = match value {
            None => TextColumn::MISSING,
            Some(v) => {
                if let Some(code) = self.last.filter(|&c| self.levels[c as usize] == v) {
                    code
                } else {
                    let code = match self.index.get(v) {
                        Some(&c) => c,
                        None => {
                            let c = self.levels.len() as u32;
                            self.levels.push(v.to_owned());
                            self.index.insert(v.to_owned(), c);
                            c
                        }
                    };
                    self.last = Some(code);
                    code
                }
            }
        };
        self.codes.push(code);
    }

    pub(crate) fn finish(self) -> TextColumn {
        TextColumn {
            levels: self.levels,
            codes: self.codes,
        }
    }
}

/// One column's values.
#[derive(Debug, Clone, PartialEq)]
pub enum Column {
    /// Numbers; missing values are `NaN`.
    Float(Vec<f64>),
    /// Integers; missing values are `None`.
    Int(Vec<Option<i64>>),
    /// Strings.
    Text(TextColumn),
}

impl Column {
    /// The column's type.
    pub fn column_type(&self) -> ColumnType {
        match self {
            Column::Float(_) => ColumnType::Float,
            Column::Int(_) => ColumnType::Int,
            Column::Text(_) => ColumnType::Text,
        }
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        match self {
            Column::Float(v) => v.len(),
            Column::Int(v) => v.len(),
            Column::Text(v) => v.len(),
        }
    }

    /// True when there are no rows.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// True when row `i` is missing.
    pub fn is_missing(&self, i: usize) -> bool {
        match self {
            Column::Float(v) => v[i].is_nan(),
            Column::Int(v) => v[i].is_none(),
            Column::Text(v) => v.codes[i] == TextColumn::MISSING,
        }
    }

    /// Row `i` as text (empty string when missing), e.g. for messages and keys.
    pub fn display(&self, i: usize) -> String {
        match self {
            Column::Float(v) if v[i].is_nan() => String::new(),
            Column::Float(v) => format!("{}", v[i]),
            Column::Int(v) => v[i].map(|x| x.to_string()).unwrap_or_default(),
            Column::Text(v) => v.get(i).unwrap_or("").to_owned(),
        }
    }

    fn take(&self, rows: &[usize]) -> Column {
        match self {
            Column::Float(v) => Column::Float(rows.iter().map(|&r| v[r]).collect()),
            Column::Int(v) => Column::Int(rows.iter().map(|&r| v[r]).collect()),
            Column::Text(v) => Column::Text(v.take(rows)),
        }
    }
}

/// A table of named, typed columns of equal length.
///
/// Rows are 0-based in the API. Each row remembers the CSV row it came from
/// ([`Table::source_row`]), so validation done after loading or filtering still points at the
/// right line of the file.
#[derive(Debug, Clone)]
pub struct Table {
    name: String,
    names: Vec<String>,
    columns: Vec<Column>,
    index: HashMap<String, usize>,
    /// 1-based column numbers in the source file (for messages).
    file_columns: Vec<usize>,
    /// CSV row (header = 1) of each row; `None` means row i came from CSV row i + 2.
    source_rows: Option<Vec<usize>>,
    n_rows: usize,
}

impl Table {
    /// Builds a table from columns; all must have the same length and distinct names.
    ///
    /// `name` is used in error messages (normally the file the data came from).
    ///
    /// ```
    /// use pressure_data::table::{Column, Table};
    /// let t = Table::from_columns("demo", vec![
    ///     ("year".to_string(), Column::Int(vec![Some(2000), Some(2001)])),
    ///     ("x".to_string(), Column::Float(vec![1.0, f64::NAN])),
    /// ])?;
    /// assert_eq!(t.column_names(), &["year", "x"]);
    /// # Ok::<(), pressure_data::DataError>(())
    /// ```
    pub fn from_columns(name: impl Into<String>, columns: Vec<(String, Column)>) -> Result<Table> {
        let name = name.into();
        let n_rows = columns.first().map(|(_, c)| c.len()).unwrap_or(0);
        let mut index = HashMap::with_capacity(columns.len());
        let mut names = Vec::with_capacity(columns.len());
        let mut cols = Vec::with_capacity(columns.len());
        for (i, (n, c)) in columns.into_iter().enumerate() {
            if let Some(&first) = index.get(&n) {
                return Err(DataError::DuplicateColumn {
                    file: name,
                    column: n,
                    first: first + 1,
                    second: i + 1,
                });
            }
            if c.len() != n_rows {
                return Err(DataError::Invalid {
                    at: Location::file(name.clone()).at_column(n.clone(), i + 1),
                    message: format!("column has {} rows, the first column has {n_rows}", c.len()),
                });
            }
            index.insert(n.clone(), i);
            names.push(n);
            cols.push(c);
        }
        let file_columns = (1..=cols.len()).collect();
        Ok(Table {
            name,
            names,
            columns: cols,
            index,
            file_columns,
            source_rows: None,
            n_rows,
        })
    }

    /// The table's name: the file it was read from, or the name given.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Number of rows.
    pub fn n_rows(&self) -> usize {
        self.n_rows
    }

    /// Number of columns.
    pub fn n_columns(&self) -> usize {
        self.columns.len()
    }

    /// Column names in order.
    pub fn column_names(&self) -> &[String] {
        &self.names
    }

    /// True when the table has a column `name`.
    pub fn has_column(&self, name: &str) -> bool {
        self.index.contains_key(name)
    }

    /// The CSV row (1-based, header = row 1) that row `i` of this table came from.
    pub fn source_row(&self, i: usize) -> usize {
        match &self.source_rows {
            Some(r) => r[i],
            None => i + 2,
        }
    }

    /// A [`Location`] for row `i` and column `name` of the source file, for validation errors.
    /// (Columns added by [`Table::left_join`] have no position in this table's file.)
    pub fn location(&self, i: usize, name: &str) -> Location {
        let loc = Location::file(self.name.clone()).at_row(self.source_row(i));
        match self.index.get(name) {
            Some(&c) if self.file_columns[c] > 0 => loc.at_column(name, self.file_columns[c]),
            _ => loc,
        }
    }

    /// The column `name`.
    pub fn column(&self, name: &str) -> Result<&Column> {
        self.position(name).map(|i| &self.columns[i])
    }

    fn position(&self, name: &str) -> Result<usize> {
        self.index
            .get(name)
            .copied()
            .ok_or_else(|| DataError::UnknownColumn {
                table: self.name.clone(),
                column: name.to_owned(),
                available: self.names.clone(),
            })
    }

    fn wrong_type(&self, name: &str, expected: ColumnType, found: &Column) -> DataError {
        DataError::WrongColumnType {
            table: self.name.clone(),
            column: name.to_owned(),
            expected: expected.describe(),
            found: found.column_type().describe(),
        }
    }

    /// The `Float` column `name` (missing = `NaN`).
    pub fn floats(&self, name: &str) -> Result<&[f64]> {
        match self.column(name)? {
            Column::Float(v) => Ok(v),
            c => Err(self.wrong_type(name, ColumnType::Float, c)),
        }
    }

    /// The `Int` column `name`.
    pub fn ints(&self, name: &str) -> Result<&[Option<i64>]> {
        match self.column(name)? {
            Column::Int(v) => Ok(v),
            c => Err(self.wrong_type(name, ColumnType::Int, c)),
        }
    }

    /// The `Text` column `name`.
    pub fn text(&self, name: &str) -> Result<&TextColumn> {
        match self.column(name)? {
            Column::Text(v) => Ok(v),
            c => Err(self.wrong_type(name, ColumnType::Text, c)),
        }
    }

    /// A numeric column (`Float` or `Int`) as `f64`, missing values as `NaN`.
    ///
    /// This is what estimators want: a regressor may be stored as integers (a 0/1 flag, a year).
    pub fn to_f64(&self, name: &str) -> Result<Vec<f64>> {
        match self.column(name)? {
            Column::Float(v) => Ok(v.clone()),
            Column::Int(v) => Ok(v.iter().map(|x| x.map_or(f64::NAN, |x| x as f64)).collect()),
            c => Err(self.wrong_type(name, ColumnType::Float, c)),
        }
    }

    /// A table with only the named columns, in the order given.
    pub fn select<S: AsRef<str>>(&self, names: &[S]) -> Result<Table> {
        let mut cols = Vec::with_capacity(names.len());
        let mut file_columns = Vec::with_capacity(names.len());
        for n in names {
            let p = self.position(n.as_ref())?;
            cols.push((n.as_ref().to_owned(), self.columns[p].clone()));
            file_columns.push(self.file_columns[p]);
        }
        let mut t = Table::from_columns(self.name.clone(), cols)?;
        t.n_rows = self.n_rows;
        t.file_columns = file_columns;
        t.source_rows = self.source_rows.clone();
        Ok(t)
    }

    /// The rows at `rows` (0-based, in that order; repeats allowed).
    ///
    /// # Panics
    /// When an index is out of bounds.
    pub fn take(&self, rows: &[usize]) -> Table {
        Table {
            name: self.name.clone(),
            names: self.names.clone(),
            columns: self.columns.iter().map(|c| c.take(rows)).collect(),
            index: self.index.clone(),
            file_columns: self.file_columns.clone(),
            source_rows: Some(rows.iter().map(|&r| self.source_row(r)).collect()),
            n_rows: rows.len(),
        }
    }

    /// The rows for which `keep(row_index)` is true.
    ///
    /// ```
    /// use pressure_data::table::{ReadOptions, Table};
    /// let t = Table::read_str("year,x\n2000,1\n2001,2\n2002,3\n", "t.csv", &ReadOptions::new())?;
    /// let x = t.to_f64("x")?;
    /// let big = t.filter_rows(|i| x[i] >= 2.0);
    /// assert_eq!(big.n_rows(), 2);
    /// assert_eq!(big.source_row(0), 3); // CSV row of the kept record (header = row 1)
    /// # Ok::<(), pressure_data::DataError>(())
    /// ```
    pub fn filter_rows(&self, mut keep: impl FnMut(usize) -> bool) -> Table {
        let rows: Vec<usize> = (0..self.n_rows).filter(|&i| keep(i)).collect();
        self.take(&rows)
    }

    /// The rows where `mask` is true. `mask` must have one entry per row.
    pub fn filter_mask(&self, mask: &[bool]) -> Result<Table> {
        if mask.len() != self.n_rows {
            return Err(DataError::Invalid {
                at: Location::file(self.name.clone()),
                message: format!(
                    "row mask has {} entries, the table has {} rows",
                    mask.len(),
                    self.n_rows
                ),
            });
        }
        Ok(self.filter_rows(|i| mask[i]))
    }

    /// The rows matching a filter expression such as
    /// `year >= 1990 && country in ['IRN', 'RUS'] && !is_missing(gdp_growth)`.
    ///
    /// Grammar: comparisons `column OP literal` with `OP` one of `== != < <= > >=`
    /// (text columns allow `==` and `!=` only), `column in [literal, ...]`, `is_missing(column)`,
    /// combined with `&&`/`and`, `||`/`or`, `!`/`not` and parentheses. Literals are numbers or
    /// quoted strings ('…' or "…"). A comparison involving a missing value is false.
    pub fn filter(&self, expr: &str) -> Result<Table> {
        let mask = self.mask(expr)?;
        Ok(self.filter_rows(|i| mask[i]))
    }

    /// The boolean row mask of a filter expression (see [`Table::filter`]).
    pub fn mask(&self, expr: &str) -> Result<Vec<bool>> {
        filter::evaluate(self, expr)
    }

    /// Dense group ids for the combination of `keys` (see [`Groups`]).
    ///
    /// ```
    /// use pressure_data::table::{ReadOptions, Table};
    /// let t = Table::read_str("c,y\nA,1\nA,2\nB,1\n", "t.csv", &ReadOptions::new())?;
    /// let by_country = t.group_by(&["c"])?;
    /// assert_eq!(by_country.ids(), &[0, 0, 1]);
    /// assert_eq!(by_country.n_groups(), 2);
    /// assert_eq!(by_country.label(&t, 1), vec!["B".to_string()]);
    /// # Ok::<(), pressure_data::DataError>(())
    /// ```
    pub fn group_by<S: AsRef<str>>(&self, keys: &[S]) -> Result<Groups> {
        group::group_by(self, keys)
    }

    /// Fails with [`DataError::DuplicateKey`] (file, CSV row of the repeat, first row) when two
    /// rows share the same values of `keys`.
    pub fn check_unique<S: AsRef<str>>(&self, keys: &[S]) -> Result<()> {
        let groups = self.group_by(keys)?;
        let mut first: Vec<usize> = vec![usize::MAX; groups.n_groups()];
        for (i, &g) in groups.ids().iter().enumerate() {
            let g = g as usize;
            if first[g] != usize::MAX {
                let key = keys
                    .iter()
                    .map(|k| {
                        let c = self.column(k.as_ref()).expect("checked by group_by");
                        format!("{}={}", k.as_ref(), c.display(i))
                    })
                    .collect::<Vec<_>>()
                    .join(", ");
                let first_key = keys.first().map(|k| k.as_ref()).unwrap_or("");
                return Err(DataError::DuplicateKey {
                    at: self.location(i, first_key),
                    key,
                    first_row: self.source_row(first[g]),
                });
            }
            first[g] = i;
        }
        Ok(())
    }

    /// The columns by value, in order (e.g. to join tables with [`Table::from_columns`]).
    pub fn into_columns(self) -> Vec<(String, Column)> {
        self.names.into_iter().zip(self.columns).collect()
    }

    /// The row index of the first row whose `keys` columns display as `values` (text as written,
    /// numbers as Rust prints them), for spot lookups such as `(country, year)`.
    ///
    /// ```
    /// use pressure_data::table::{ReadOptions, Table};
    /// let t = Table::read_str("c,y,v\nIRN,2012,1\nRUS,2014,2\n", "t.csv", &ReadOptions::new())?;
    /// assert_eq!(t.find_row(&["c", "y"], &["RUS", "2014"])?, Some(1));
    /// # Ok::<(), pressure_data::DataError>(())
    /// ```
    pub fn find_row<S: AsRef<str>>(&self, keys: &[S], values: &[&str]) -> Result<Option<usize>> {
        let cols = keys
            .iter()
            .map(|k| self.column(k.as_ref()))
            .collect::<Result<Vec<_>>>()?;
        Ok((0..self.n_rows).find(|&i| {
            cols.iter().zip(values).all(|(c, v)| match c {
                Column::Text(t) => t.get(i) == Some(*v),
                c => c.display(i) == *v,
            })
        }))
    }

    /// Adds `columns` of `right` to this table by matching the `keys` columns (a left join):
    /// each row of `self` gets the values of the `right` row with the same key values, or
    /// missing values when there is none. Keys are compared as displayed text (`IRN`, `2012`),
    /// so an integer year matches an integer year; `right` must have unique keys.
    ///
    /// ```
    /// use pressure_data::table::{ReadOptions, Table};
    /// let o = ReadOptions::new();
    /// let spells = Table::read_str("iso3,year,exit\nIRN,2012,0\nIRN,2013,1\nXXX,2013,0\n", "ly.csv", &o)?;
    /// let panel = Table::read_str("iso3,year,sanc_un\nIRN,2012,1\nIRN,2013,1\n", "p.csv", &o)?;
    /// let joined = spells.left_join(&panel, &["iso3", "year"], &["sanc_un"])?;
    /// assert_eq!(joined.ints("sanc_un")?, &[Some(1), Some(1), None]);
    /// # Ok::<(), pressure_data::DataError>(())
    /// ```
    pub fn left_join<S: AsRef<str>, C: AsRef<str>>(
        &self,
        right: &Table,
        keys: &[S],
        columns: &[C],
    ) -> Result<Table> {
        right.check_unique(keys)?;
        let key_text = |t: &Table| -> Result<Vec<String>> {
            let cols = keys
                .iter()
                .map(|k| t.column(k.as_ref()))
                .collect::<Result<Vec<_>>>()?;
            Ok((0..t.n_rows)
                .map(|i| {
                    cols.iter()
                        .map(|c| c.display(i))
                        .collect::<Vec<_>>()
                        .join("\u{1f}")
                })
                .collect())
        };
        let index: HashMap<String, usize> = key_text(right)?
            .into_iter()
            .enumerate()
            .map(|(i, k)| (k, i))
            .collect();
        let matches: Vec<Option<usize>> = key_text(self)?
            .iter()
            .map(|k| index.get(k).copied())
            .collect();
        let mut out = self.clone();
        for c in columns {
            let name = c.as_ref();
            if out.index.contains_key(name) {
                return Err(DataError::DuplicateColumn {
                    file: self.name.clone(),
                    column: name.to_owned(),
                    first: out.index[name] + 1,
                    second: out.columns.len() + 1,
                });
            }
            let col = match right.column(name)? {
                Column::Float(v) => Column::Float(
                    matches
                        .iter()
                        .map(|m| m.map_or(f64::NAN, |r| v[r]))
                        .collect(),
                ),
                Column::Int(v) => {
                    Column::Int(matches.iter().map(|m| m.and_then(|r| v[r])).collect())
                }
                Column::Text(v) => Column::Text(TextColumn::from_values(
                    matches.iter().map(|m| m.and_then(|r| v.get(r))),
                )),
            };
            out.index.insert(name.to_owned(), out.columns.len());
            out.names.push(name.to_owned());
            out.file_columns.push(0);
            out.columns.push(col);
        }
        Ok(out)
    }

    pub(crate) fn from_parts(
        name: String,
        names: Vec<String>,
        columns: Vec<Column>,
        file_columns: Vec<usize>,
        n_rows: usize,
    ) -> Table {
        let index = names
            .iter()
            .enumerate()
            .map(|(i, n)| (n.clone(), i))
            .collect();
        Table {
            name,
            names,
            columns,
            index,
            file_columns,
            source_rows: None,
            n_rows,
        }
    }
}
