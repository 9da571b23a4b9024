//! From a spec's data to model inputs: loading (CSV or panel directory, optional join),
//! column checks with suggestions, formula evaluation (lags within units, logs, dummies,
//! interactions), sample filters and listwise deletion.

use super::formula::{Atom, Term};
use super::{resolve, JoinSpec, PanelKeys};
use crate::error::{EconError, Result};
use crate::factor::Factor;
use pressure_data::panel::Panel;
use pressure_data::{Column, ColumnType, ReadOptions, Table};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// The loaded table and the files it came from.
pub(crate) struct Loaded {
    pub table: Table,
    pub inputs: Vec<PathBuf>,
}

/// Loads the spec's data (and join), declaring `numeric` columns as numbers so that a bad cell
/// is an error naming file, row and column. Every column in `numeric` and `other` must exist;
/// `optional` columns (words of filter expressions) are loaded when they exist.
pub(crate) fn load(
    base: &Path,
    data: &str,
    join: Option<&JoinSpec>,
    numeric: &[String],
    other: &[String],
    optional: &[String],
) -> Result<Loaded> {
    let mut inputs = vec![];
    let needed: Vec<String> = numeric.iter().chain(other).cloned().collect();
    let wanted: Vec<String> = needed.iter().chain(optional).cloned().collect();
    let (mut table, left_names) = read_any(&resolve(base, data), numeric, &wanted, &mut inputs)?;
    let mut available = left_names.clone();
    if let Some(j) = join {
        let missing: Vec<String> = wanted
            .iter()
            .filter(|c| !table.has_column(c))
            .cloned()
            .collect();
        let mut want: Vec<String> = j.on.clone();
        want.extend(missing.iter().cloned());
        let (right, right_names) = read_any(&resolve(base, &j.data), numeric, &want, &mut inputs)?;
        available.extend(right_names);
        for k in &j.on {
            if !table.has_column(k) || !right.has_column(k) {
                return Err(unknown(k, &available));
            }
        }
        let take: Vec<&String> = missing.iter().filter(|c| right.has_column(c)).collect();
        table = table.left_join(&right, &j.on, &take)?;
    }
    for c in &needed {
        if !table.has_column(c) {
            return Err(unknown(c, &available));
        }
    }
    Ok(Loaded { table, inputs })
}

/// Reads a panel directory or a CSV file, keeping only `needed` columns that exist. Returns
/// the table and every column name the source has (for suggestions).
fn read_any(
    path: &Path,
    numeric: &[String],
    needed: &[String],
    inputs: &mut Vec<PathBuf>,
) -> Result<(Table, Vec<String>)> {
    if path.is_dir() {
        let panel = Panel::load(path)?;
        for f in std::fs::read_dir(path).map_err(|e| EconError::Spec {
            file: path.display().to_string(),
            message: format!("cannot list: {e}"),
        })? {
            let p = f
                .map_err(|e| EconError::Spec {
                    file: path.display().to_string(),
                    message: e.to_string(),
                })?
                .path();
            if p.extension().is_some_and(|e| e == "csv") {
                inputs.push(p);
            }
        }
        inputs.sort();
        let table = panel.into_table();
        let names = table.column_names().to_vec();
        Ok((table, names))
    } else {
        let bytes = std::fs::read(path).map_err(|e| EconError::Spec {
            file: path.display().to_string(),
            message: format!("cannot read data: {e}"),
        })?;
        inputs.push(path.to_path_buf());
        // The header alone, parsed by the same reader (quoting rules and all).
        let header_end = bytes
            .iter()
            .position(|&b| b == b'\n')
            .unwrap_or(bytes.len());
        let header = Table::read_bytes(
            &bytes[..header_end],
            path.display().to_string(),
            &ReadOptions::new(),
        )?;
        let names = header.column_names().to_vec();
        let select: Vec<String> =
            needed
                .iter()
                .filter(|c| names.contains(c))
                .cloned()
                .fold(vec![], |mut acc, c| {
                    if !acc.contains(&c) {
                        acc.push(c);
                    }
                    acc
                });
        let mut opts = ReadOptions::new().select(select.clone());
        for c in numeric.iter().filter(|c| select.contains(c)) {
            opts = opts.column_type(c.clone(), ColumnType::Float);
        }
        let table = Table::read_bytes(&bytes, path.display().to_string(), &opts)?;
        Ok((table, names))
    }
}

/// An unknown-column error with the closest available name.
pub(crate) fn unknown(name: &str, available: &[String]) -> EconError {
    let suggestion = available
        .iter()
        .map(|a| (edit_distance(name, a), a))
        .filter(|(d, a)| *d <= 2.max(name.len().min(a.len()) / 3))
        .min_by_key(|(d, _)| *d)
        .map(|(_, a)| a.clone());
    EconError::UnknownColumn {
        name: name.to_string(),
        suggestion,
    }
}

fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for i in 1..=a.len() {
        let mut cur = vec![i; b.len() + 1];
        for j in 1..=b.len() {
            let sub = prev[j - 1] + usize::from(a[i - 1] != b[j - 1]);
            cur[j] = sub.min(prev[j] + 1).min(cur[j - 1] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

/// The panel index of a table: each row's unit code and time, and the row of each pair.
pub(crate) struct PanelLookup {
    rows: HashMap<(u32, i64), usize>,
    unit: Vec<Option<u32>>,
    time: Vec<Option<i64>>,
}

/// Unit codes and times of the rows (None = missing).
#[derive(Clone, Copy)]
pub(crate) struct PanelView<'a> {
    pub unit: &'a [Option<u32>],
    pub time: &'a [Option<i64>],
}

/// Formula evaluation over a whole table (before filtering, so lags see earlier years).
pub(crate) struct Frame<'a> {
    pub table: &'a Table,
    /// (unit code, time) → row, with each row's unit code and time.
    panel: Option<PanelLookup>,
}

impl<'a> Frame<'a> {
    pub fn new(table: &'a Table, keys: Option<&PanelKeys>) -> Result<Frame<'a>> {
        let panel = match keys {
            None => None,
            Some(k) => {
                let (unit, _) = codes(table, &k.unit)?;
                let time: Vec<Option<i64>> = table
                    .to_f64(&k.time)?
                    .iter()
                    .map(|&t| t.is_finite().then_some(t.round() as i64))
                    .collect();
                let mut map = HashMap::with_capacity(table.n_rows());
                for i in 0..table.n_rows() {
                    if let (Some(u), Some(t)) = (unit[i], time[i]) {
                        if let Some(prev) = map.insert((u, t), i) {
                            return Err(EconError::Invalid(format!(
                                "panel keys ({}, {}) are not unique: rows {} and {} of {}",
                                k.unit,
                                k.time,
                                table.source_row(prev),
                                table.source_row(i),
                                table.name()
                            )));
                        }
                    }
                }
                Some(PanelLookup {
                    rows: map,
                    unit,
                    time,
                })
            }
        };
        Ok(Frame { table, panel })
    }

    /// The unit codes and times of the panel (None without panel keys).
    pub fn panel_index(&self) -> Option<PanelView<'_>> {
        self.panel.as_ref().map(|p| PanelView {
            unit: &p.unit,
            time: &p.time,
        })
    }

    /// A numeric column (NaN = missing).
    pub fn numeric(&self, name: &str) -> Result<Vec<f64>> {
        match self.table.column(name)? {
            Column::Text(_) => Err(EconError::Invalid(format!(
                "column `{name}` of {} holds text, but the model uses it as a number \
                 (use i({name}) for a categorical variable, or list it as a fixed effect)",
                self.table.name()
            ))),
            _ => Ok(self.table.to_f64(name)?),
        }
    }

    /// Columns (name, values) for one atom; `i(x)` gives several.
    pub fn atom(&self, atom: &Atom) -> Result<Vec<(String, Vec<f64>)>> {
        match atom {
            Atom::Column(c) => Ok(vec![(c.clone(), self.numeric(c)?)]),
            Atom::Log(c) => Ok(vec![(
                atom.label(),
                self.numeric(c)?
                    .into_iter()
                    .map(|v| if v > 0.0 { v.ln() } else { f64::NAN })
                    .collect(),
            )]),
            Atom::Lag(c, k) => {
                let Some(PanelLookup {
                    rows: map,
                    unit,
                    time,
                }) = &self.panel
                else {
                    return Err(EconError::Invalid(format!(
                        "{} needs the spec's `panel = {{ unit = ..., time = ... }}`",
                        atom.label()
                    )));
                };
                let v = self.numeric(c)?;
                let out = (0..v.len())
                    .map(|i| match (unit[i], time[i]) {
                        (Some(u), Some(t)) => map.get(&(u, t - k)).map_or(f64::NAN, |&j| v[j]),
                        _ => f64::NAN,
                    })
                    .collect();
                Ok(vec![(atom.label(), out)])
            }
            Atom::Categorical(c) => {
                let (codes, levels) = codes(self.table, c)?;
                // levels in sorted order for stable names; the first is the base
                let mut order: Vec<usize> = (0..levels.len()).collect();
                order.sort_by(|&a, &b| levels[a].cmp(&levels[b]));
                Ok(order
                    .iter()
                    .skip(1)
                    .map(|&l| {
                        let vals = codes
                            .iter()
                            .map(|c| match c {
                                Some(x) => (*x as usize == l) as u8 as f64,
                                None => f64::NAN,
                            })
                            .collect();
                        (format!("{c}::{}", levels[l]), vals)
                    })
                    .collect())
            }
        }
    }

    /// Columns of a term: products over its atoms (dummies of `i(x)` multiply out).
    pub fn term(&self, term: &Term) -> Result<Vec<(String, Vec<f64>)>> {
        let mut acc: Vec<(String, Vec<f64>)> = vec![];
        for (k, atom) in term.atoms.iter().enumerate() {
            let cols = self.atom(atom)?;
            if k == 0 {
                acc = cols;
                continue;
            }
            let mut next = vec![];
            for (an, av) in &acc {
                for (bn, bv) in &cols {
                    next.push((
                        format!("{an}:{bn}"),
                        av.iter().zip(bv).map(|(a, b)| a * b).collect(),
                    ));
                }
            }
            acc = next;
        }
        Ok(acc)
    }

    /// A categorical column's codes (None = missing) and level labels.
    pub fn factor_codes(&self, name: &str) -> Result<(Vec<Option<u32>>, Vec<String>)> {
        codes(self.table, name)
    }
}

/// Codes of any column as a categorical variable.
pub(crate) fn codes(table: &Table, name: &str) -> Result<(Vec<Option<u32>>, Vec<String>)> {
    Ok(match table.column(name)? {
        Column::Text(t) => (
            t.codes()
                .iter()
                .map(|&c| (c != pressure_data::TextColumn::MISSING).then_some(c))
                .collect(),
            t.levels().to_vec(),
        ),
        Column::Int(v) => {
            let mut levels: Vec<i64> = vec![];
            let mut map: HashMap<i64, u32> = HashMap::new();
            let codes = v
                .iter()
                .map(|x| {
                    x.map(|x| {
                        *map.entry(x).or_insert_with(|| {
                            levels.push(x);
                            (levels.len() - 1) as u32
                        })
                    })
                })
                .collect();
            (codes, levels.iter().map(|l| l.to_string()).collect())
        }
        Column::Float(v) => {
            let mut levels: Vec<f64> = vec![];
            let mut map: HashMap<u64, u32> = HashMap::new();
            let codes = v
                .iter()
                .map(|&x| {
                    (!x.is_nan()).then(|| {
                        *map.entry((x + 0.0).to_bits()).or_insert_with(|| {
                            levels.push(x);
                            (levels.len() - 1) as u32
                        })
                    })
                })
                .collect();
            (codes, levels.iter().map(|l| format!("{l}")).collect())
        }
    })
}

/// The factor of the selected rows of a code vector (missing codes must be excluded).
pub(crate) fn factor_of(name: &str, codes: &[Option<u32>], rows: &[usize]) -> Factor {
    let c: Vec<u32> = rows.iter().map(|&i| codes[i].unwrap_or(u32::MAX)).collect();
    Factor::from_codes(name, &c)
}
