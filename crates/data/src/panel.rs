//! The country-year panel shipped in `data/panel/` (see `data/SOURCES.md`).
//!
//! The panel is split by theme into `macro.csv`, `sanctions.csv` and `politics.csv` so that no
//! file exceeds ~2 MB; all three have the same `(iso3, year)` rows in the same order.
//! `columns.csv` is the data dictionary (column, file, type, unit, source, description): the
//! loader reads it first and declares every column's type from it, so a malformed cell is an
//! error naming the file, row and column. `leader_years.csv` holds leader spells by calendar
//! year in counting-process form for survival models ([`load_leader_years`]).
//!
//! ```
//! # let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/panel");
//! # if !dir.exists() { return Ok(()); }
//! use pressure_data::panel::Panel;
//! let panel = Panel::load(&dir)?;
//! let t = panel.table();
//! let sample = t.filter("year >= 1990 && year <= 2019 && !is_missing(gdp_growth_pct)")?;
//! let growth = sample.floats("gdp_growth_pct")?;
//! let un = sample.to_f64("sanc_un")?;
//! assert_eq!(growth.len(), un.len());
//! assert_eq!(panel.value("IRN", 2012, "sanc_un")?, Some(1.0));
//! # Ok::<(), pressure_data::DataError>(())
//! ```

use crate::error::{DataError, Location, Result};
use crate::table::{Column, ColumnType, ReadOptions, Table};
use std::path::Path;

/// The key columns every panel file starts with.
pub const KEYS: [&str; 2] = ["iso3", "year"];

/// One entry of the data dictionary `columns.csv`.
#[derive(Debug, Clone, PartialEq)]
pub struct ColumnInfo {
    /// Column name.
    pub name: String,
    /// The file holding it (`all` for the keys).
    pub file: String,
    /// Declared type.
    pub column_type: ColumnType,
    /// Unit (e.g. `percent`, `usd`, `indicator`, `count`).
    pub unit: String,
    /// Source key, explained in `data/SOURCES.md` (e.g. `wdi:FP.CPI.TOTL.ZG`, `gsdb3:derived`).
    pub source: String,
    /// What the column is and the rule that produced it.
    pub description: String,
}

/// The joined country-year panel and its data dictionary.
#[derive(Debug, Clone)]
pub struct Panel {
    table: Table,
    columns: Vec<ColumnInfo>,
}

fn parse_type(s: &str, at: Location) -> Result<ColumnType> {
    match s {
        "float" => Ok(ColumnType::Float),
        "int" => Ok(ColumnType::Int),
        "text" => Ok(ColumnType::Text),
        other => Err(DataError::Invalid {
            at,
            message: format!("unknown column type `{other}` (expected float, int or text)"),
        }),
    }
}

/// Reads a data dictionary (`columns.csv`).
pub fn read_dictionary(path: &Path) -> Result<Vec<ColumnInfo>> {
    let req = ["column", "file", "type", "unit", "source", "description"];
    let opts = ReadOptions::new()
        .column_types(req, ColumnType::Text)
        .unique_key(["column"]);
    let t = Table::read_path(path, &opts)?;
    let col = |n: &str| t.text(n).expect("declared text");
    let mut out = Vec::with_capacity(t.n_rows());
    for i in 0..t.n_rows() {
        let get = |n: &str| col(n).get(i).unwrap_or("").to_owned();
        out.push(ColumnInfo {
            name: get("column"),
            file: get("file"),
            column_type: parse_type(&get("type"), t.location(i, "type"))?,
            unit: get("unit"),
            source: get("source"),
            description: get("description"),
        });
    }
    Ok(out)
}

impl Panel {
    /// Loads and joins the panel in `dir` (normally `data/panel`).
    ///
    /// Checks: every file of the dictionary exists and has exactly its dictionary columns (an
    /// undocumented column is an error), every cell parses as its declared type, `(iso3, year)`
    /// is unique, and all files have the same keys in the same rows.
    pub fn load(dir: impl AsRef<Path>) -> Result<Panel> {
        let dir = dir.as_ref();
        let columns = read_dictionary(&dir.join("columns.csv"))?;
        let mut files: Vec<&str> = Vec::new();
        for c in &columns {
            if c.file != "all" && !files.contains(&c.file.as_str()) {
                files.push(&c.file);
            }
        }
        let mut joined: Vec<(String, Column)> = Vec::new();
        let mut first: Option<Table> = None;
        for file in files {
            let path = dir.join(file);
            let mine: Vec<&ColumnInfo> = columns
                .iter()
                .filter(|c| c.file == file || c.file == "all")
                .collect();
            let mut opts = ReadOptions::new().unique_key(KEYS);
            for c in &mine {
                opts = opts.column_type(c.name.clone(), c.column_type);
            }
            let t = Table::read_path(&path, &opts)?;
            if let Some(extra) = t
                .column_names()
                .iter()
                .find(|n| !mine.iter().any(|c| &c.name == *n))
            {
                return Err(DataError::Invalid {
                    at: Location::file(path.display().to_string()),
                    message: format!("column `{extra}` is not in the data dictionary columns.csv"),
                });
            }
            match &first {
                None => first = Some(t.clone()),
                Some(f) => check_same_keys(f, &t)?,
            }
            for (name, col) in t.into_columns() {
                if joined.iter().all(|(n, _)| *n != name) {
                    joined.push((name, col));
                }
            }
        }
        let table = Table::from_columns(dir.display().to_string(), joined)?;
        Ok(Panel { table, columns })
    }

    /// The joined table: keys `iso3` (text), `year` (int), then every column of the dictionary.
    pub fn table(&self) -> &Table {
        &self.table
    }

    /// The joined table by value.
    pub fn into_table(self) -> Table {
        self.table
    }

    /// The data dictionary.
    pub fn columns(&self) -> &[ColumnInfo] {
        &self.columns
    }

    /// The dictionary entry of `column`.
    pub fn info(&self, column: &str) -> Option<&ColumnInfo> {
        self.columns.iter().find(|c| c.name == column)
    }

    /// The distinct country codes, in file order.
    pub fn countries(&self) -> &[String] {
        self.table.text("iso3").expect("checked at load").levels()
    }

    /// The row of `(iso3, year)`, if present.
    pub fn row(&self, iso3: &str, year: i64) -> Option<usize> {
        let codes = self.table.text("iso3").expect("checked at load");
        let code = codes.code_of(iso3)?;
        let years = self.table.ints("year").expect("checked at load");
        (0..self.table.n_rows()).find(|&i| codes.codes()[i] == code && years[i] == Some(year))
    }

    /// A numeric cell as `f64` (`None` when missing); errors for an unknown column, a text
    /// column, or a country-year not in the panel.
    pub fn value(&self, iso3: &str, year: i64, column: &str) -> Result<Option<f64>> {
        let values = self.table.to_f64(column)?;
        let i = self.row(iso3, year).ok_or_else(|| DataError::Invalid {
            at: Location::file(self.table.name().to_owned()),
            message: format!("no row for {iso3} {year} in the panel"),
        })?;
        Ok(Some(values[i]).filter(|x| !x.is_nan()))
    }
}

fn check_same_keys(a: &Table, b: &Table) -> Result<()> {
    let (ai, bi) = (a.text("iso3")?, b.text("iso3")?);
    let (ay, by) = (a.ints("year")?, b.ints("year")?);
    if a.n_rows() != b.n_rows() {
        return Err(DataError::Invalid {
            at: Location::file(b.name().to_owned()),
            message: format!(
                "{} rows, but {} has {}: the panel files must have the same (iso3, year) rows",
                b.n_rows(),
                a.name(),
                a.n_rows()
            ),
        });
    }
    for i in 0..a.n_rows() {
        if ai.get(i) != bi.get(i) || ay[i] != by[i] {
            return Err(DataError::Invalid {
                at: b.location(i, "iso3"),
                message: format!(
                    "key ({}, {}) differs from row {} of {} ({}, {}): the panel files must have the same rows in the same order",
                    bi.get(i).unwrap_or(""),
                    by[i].map(|y| y.to_string()).unwrap_or_default(),
                    a.source_row(i),
                    a.name(),
                    ai.get(i).unwrap_or(""),
                    ay[i].map(|y| y.to_string()).unwrap_or_default(),
                ),
            });
        }
    }
    Ok(())
}

/// Loads `leader_years.csv`: one row per leader spell and calendar year, in counting-process
/// form `(t_start, t_stop]` on the tenure clock (years since the spell began), with `exit`,
/// `exit_regular`, `exit_irregular` flags on the last row of a spell that ended.
///
/// Checks: `(spell_id, year)` unique, `t_stop > t_start >= 0`, flags 0/1, and the irregular and
/// regular flags only where `exit = 1`; errors name the file, row and column.
pub fn load_leader_years(path: impl AsRef<Path>) -> Result<Table> {
    let opts = ReadOptions::new()
        .column_types(["iso3", "spell_id", "exit_type"], ColumnType::Text)
        .column_types(
            ["year", "exit", "exit_regular", "exit_irregular"],
            ColumnType::Int,
        )
        .column_types(["t_start", "t_stop"], ColumnType::Float)
        .unique_key(["spell_id", "year"]);
    let t = Table::read_path(path, &opts)?;
    let (t0, t1) = (t.floats("t_start")?, t.floats("t_stop")?);
    let exit = t.ints("exit")?;
    for i in 0..t.n_rows() {
        if !(t0[i] >= 0.0 && t1[i] > t0[i]) {
            return Err(DataError::Invalid {
                at: t.location(i, "t_stop"),
                message: format!(
                    "spell interval must satisfy 0 <= t_start < t_stop, found ({}, {}]",
                    t0[i], t1[i]
                ),
            });
        }
        for flag in ["exit", "exit_regular", "exit_irregular"] {
            let v = t.ints(flag)?[i];
            if !matches!(v, Some(0) | Some(1)) || (v == Some(1) && exit[i] != Some(1)) {
                return Err(DataError::Invalid {
                    at: t.location(i, flag),
                    message: format!("`{flag}` must be 0 or 1, and 1 only when `exit` is 1"),
                });
            }
        }
    }
    Ok(t)
}
