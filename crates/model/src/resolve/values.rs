//! Constants (inline or from CSV), lookup tables and exogenous series.

use super::Builder;
use crate::data::{read_csv, read_series, SeriesError};
use crate::diagnostic::Diagnostic;
use crate::file::{RawKind, RawSeriesSource, RawTable, RawValue};
use crate::ir::*;
use crate::source::Span;
use crate::toml_read::Sp;

impl Builder {
    fn file_dir(&self, f: usize) -> std::path::PathBuf {
        self.files[f]
            .path
            .parent()
            .map(|p| p.to_path_buf())
            .unwrap_or_default()
    }

    pub(super) fn constant(&mut self, s: usize, f: usize, i: usize) -> Option<VarKind> {
        let RawKind::Constant { value, range } = &self.files[f].vars[i].kind else {
            return None;
        };
        let (value, range) = (value.clone(), *range);
        let dims = self.slots[s].dims.clone();
        let n = self.count(&dims);
        let name = self.slots[s].name.clone();
        let Some(value) = value else {
            self.err(
                self.slots[s].span,
                format!("constant '{name}' has no value"),
                Some(
                    "add `value = ...` (or `file = \"table.csv\"` for an arrayed constant)".into(),
                ),
            );
            return None;
        };
        let values = match value {
            RawValue::Num(x, _) => vec![x; n],
            RawValue::List(items, span) => {
                if dims.is_empty() {
                    self.err(
                        span,
                        format!("'{name}' is a scalar; a list of values needs `dims`"),
                        None,
                    );
                    return None;
                }
                let mut out = Vec::with_capacity(n);
                self.flatten_list(&items, span, &dims, &mut out)?;
                out
            }
            RawValue::Table(entries, span) => {
                if dims.is_empty() {
                    self.err(
                        span,
                        format!("'{name}' is a scalar; a table of values needs `dims`"),
                        None,
                    );
                    return None;
                }
                let mut out: Vec<Option<f64>> = vec![None; n];
                for (key, v) in &entries {
                    let RawValue::Num(x, vspan) = v else {
                        self.err(
                            key.span,
                            "each element of a value table needs a number",
                            None,
                        );
                        return None;
                    };
                    for flat in self.element_key(&dims, key)? {
                        if out[flat].is_some() {
                            let label = self.element_label(&dims, flat);
                            self.err(*vspan, format!("element {label} is given twice"), None);
                            return None;
                        }
                        out[flat] = Some(*x);
                    }
                }
                let missing: Vec<String> = (0..n)
                    .filter(|k| out[*k].is_none())
                    .map(|k| self.element_label(&dims, k))
                    .collect();
                if !missing.is_empty() {
                    self.err(
                        span,
                        format!("no value for element(s) {} of '{name}'", missing.join(", ")),
                        None,
                    );
                    return None;
                }
                out.into_iter().map(|x| x.unwrap_or(0.0)).collect()
            }
            RawValue::Csv { file, column, span } => {
                self.constant_csv(f, &name, &dims, &file, column.as_ref(), span)?
            }
        };
        if let Some((lo, hi)) = range {
            for (k, x) in values.iter().enumerate() {
                if *x < lo || *x > hi {
                    let label = if dims.is_empty() {
                        String::new()
                    } else {
                        self.element_label(&dims, k)
                    };
                    let d = Diagnostic::warning(format!(
                        "value {x} of '{name}{label}' lies outside its range [{lo}, {hi}]"
                    ))
                    .at(&self.sources, self.slots[s].span);
                    // A value outside its declared range is suspicious but not fatal.
                    self.warnings.push(d);
                }
            }
        }
        Some(VarKind::Constant(Constant { values, range }))
    }

    fn flatten_list(
        &mut self,
        items: &[RawValue],
        span: Span,
        dims: &[DimId],
        out: &mut Vec<f64>,
    ) -> Option<()> {
        let dim = &self.dims[dims[0].index()];
        if items.len() != dim.elements.len() {
            let msg = format!(
                "expected {} values (one per element of '{}': {}), found {}",
                dim.elements.len(),
                dim.name,
                dim.elements.join(", "),
                items.len()
            );
            self.err(span, msg, None);
            return None;
        }
        for it in items {
            match (it, dims.len()) {
                (RawValue::Num(x, _), 1) => out.push(*x),
                (RawValue::List(inner, s), k) if k > 1 => {
                    self.flatten_list(inner, *s, &dims[1..], out)?
                }
                (RawValue::Num(_, s) | RawValue::List(_, s) | RawValue::Table(_, s), _) => {
                    let msg = if dims.len() > 1 {
                        "expected a nested list (one list per element of the outer dimension)"
                    } else {
                        "expected a number"
                    };
                    self.err(*s, msg, None);
                    return None;
                }
                (RawValue::Csv { span, .. }, _) => {
                    self.err(*span, "unexpected CSV reference inside a list", None);
                    return None;
                }
            }
        }
        Some(())
    }

    /// An arrayed constant from CSV: one column per dimension (named after it) and a value
    /// column (default `value`).
    fn constant_csv(
        &mut self,
        f: usize,
        name: &str,
        dims: &[DimId],
        file: &Sp<String>,
        column: Option<&Sp<String>>,
        span: Span,
    ) -> Option<Vec<f64>> {
        if dims.is_empty() {
            self.err(
                span,
                format!("'{name}' is a scalar; values from a file need `dims`"),
                None,
            );
            return None;
        }
        let path = self.file_dir(f).join(&file.value);
        let table = match read_csv(&path) {
            Ok(t) => t,
            Err(msg) => {
                self.err(file.span, msg, None);
                return None;
            }
        };
        let col_name = column.map(|c| c.value.as_str()).unwrap_or("value");
        let vc = match table.column(col_name) {
            Ok(c) => c,
            Err(msg) => {
                self.err(column.map(|c| c.span).unwrap_or(file.span), msg, None);
                return None;
            }
        };
        let mut dcols = Vec::new();
        for d in dims {
            let dname = self.dims[d.index()].name.clone();
            match table.column(&dname) {
                Ok(c) => dcols.push(c),
                Err(msg) => {
                    self.err(file.span, format!("{msg} (an arrayed constant's file needs a column named after each dimension)"), None);
                    return None;
                }
            }
        }
        let n = self.count(dims);
        let mut out: Vec<Option<f64>> = vec![None; n];
        for r in 0..table.rows.len() {
            let (line, cells) = &table.rows[r];
            let mut idx = Vec::new();
            for (k, d) in dims.iter().enumerate() {
                let cell = cells.get(dcols[k]).map(|s| s.as_str()).unwrap_or("");
                let dim = &self.dims[d.index()];
                match dim.elements.iter().position(|e| e == cell) {
                    Some(i) => idx.push(i),
                    None => {
                        let d = Diagnostic::error(format!(
                            "'{cell}' is not an element of '{}' in {}",
                            dim.name,
                            path.display()
                        ))
                        .at_cell(&path, *line, dcols[k] + 1, Some(dim.name.clone()))
                        .help(format!("elements: {}", dim.elements.join(", ")));
                        self.errors.push(d);
                        return None;
                    }
                }
            }
            let v = match table.number(&path, r, vc) {
                Ok(v) => v,
                Err(d) => {
                    self.errors.push(d);
                    return None;
                }
            };
            let flat = self.flatten(dims, &idx);
            if out[flat].is_some() {
                let d = Diagnostic::error(format!(
                    "element {} appears twice in {}",
                    self.element_label(dims, flat),
                    path.display()
                ))
                .at_cell(&path, *line, vc + 1, Some(col_name.to_string()));
                self.errors.push(d);
                return None;
            }
            out[flat] = Some(v);
        }
        let missing: Vec<String> = (0..n)
            .filter(|k| out[*k].is_none())
            .map(|k| self.element_label(dims, k))
            .collect();
        if !missing.is_empty() {
            self.err(
                file.span,
                format!(
                    "{} has no row for element(s) {}",
                    path.display(),
                    missing.join(", ")
                ),
                None,
            );
            return None;
        }
        Some(out.into_iter().map(|x| x.unwrap_or(0.0)).collect())
    }

    fn table(&mut self, t: &RawTable) -> Option<LookupTable> {
        if t.x.is_empty() {
            self.err(t.span, "a lookup needs at least one point", None);
            return None;
        }
        for k in 1..t.x.len() {
            if t.x[k] <= t.x[k - 1] {
                let what = if t.x[k] == t.x[k - 1] {
                    "duplicate"
                } else {
                    "unsorted"
                };
                self.err(
                    t.span,
                    format!(
                        "lookup points have {what} x values: point {} has x = {} after x = {}",
                        k + 1,
                        t.x[k],
                        t.x[k - 1]
                    ),
                    Some("list the points in strictly increasing x".into()),
                );
                return None;
            }
        }
        Some(LookupTable {
            x: t.x.clone(),
            y: t.y.clone(),
            interpolation: t.interpolation,
            extrapolation: t.extrapolation,
        })
    }

    pub(super) fn lookups(&mut self, s: usize, f: usize, i: usize) -> Option<VarKind> {
        let RawKind::Lookup {
            default,
            per_element,
        } = &self.files[f].vars[i].kind
        else {
            return None;
        };
        let (default, per_element) = (default.clone(), per_element.clone());
        let name = self.slots[s].name.clone();
        if crate::builtins::Builtin::lookup(name.rsplit('.').next().unwrap_or(&name)).is_some() {
            self.err(
                self.slots[s].span,
                format!("lookup '{name}' has the name of a builtin function"),
                Some(
                    "lookups are called like functions; choose a name that is not a builtin".into(),
                ),
            );
            return None;
        }
        let dims = self.slots[s].dims.clone();
        let n = self.count(&dims);
        let mut tables: Vec<Option<LookupTable>> = vec![None; n];
        if let Some(t) = &default {
            let t = self.table(t)?;
            tables.iter_mut().for_each(|x| *x = Some(t.clone()));
        }
        if !per_element.is_empty() {
            if dims.is_empty() {
                self.err(
                    per_element[0].0.span,
                    format!("'{name}' is a scalar; per-element tables need `dims`"),
                    None,
                );
                return None;
            }
            for (key, t) in &per_element {
                let t = self.table(t)?;
                for flat in self.element_key(&dims, key)? {
                    tables[flat] = Some(t.clone());
                }
            }
        }
        let missing: Vec<String> = (0..n)
            .filter(|k| tables[*k].is_none())
            .map(|k| self.element_label(&dims, k))
            .collect();
        if !missing.is_empty() {
            self.err(
                self.slots[s].span,
                format!(
                    "lookup '{name}' has no table for element(s) {}",
                    missing.join(", ")
                ),
                None,
            );
            return None;
        }
        Some(VarKind::Lookup(tables.into_iter().flatten().collect()))
    }

    pub(super) fn exogenous(&mut self, s: usize, f: usize, i: usize) -> Option<VarKind> {
        let RawKind::Exogenous {
            source,
            interpolation,
        } = &self.files[f].vars[i].kind
        else {
            return None;
        };
        let (source, interpolation) = (source.clone(), *interpolation);
        let name = self.files[f].vars[i].name.value.clone();
        if !self.slots[s].dims.is_empty() {
            self.err(
                self.slots[s].span,
                format!("exogenous series '{name}' has dims; arrayed exogenous series are not supported yet"),
                Some("declare one series per element".into()),
            );
            return None;
        }
        let series = match source {
            RawSeriesSource::Inline { time, values, span } => {
                for k in 1..time.len() {
                    if time[k] <= time[k - 1] {
                        self.err(
                            span,
                            format!(
                                "series times must increase: {} after {}",
                                time[k],
                                time[k - 1]
                            ),
                            None,
                        );
                        return None;
                    }
                }
                if time.is_empty() {
                    self.err(span, "an exogenous series needs at least one point", None);
                    return None;
                }
                Series {
                    time,
                    values,
                    interpolation,
                    origin: "inline".into(),
                }
            }
            RawSeriesSource::File {
                file,
                time_column,
                column,
            } => {
                let path = self.file_dir(f).join(&file.value);
                let tcol = time_column
                    .as_ref()
                    .map(|c| c.value.clone())
                    .unwrap_or_else(|| "time".into());
                let vcol = column
                    .as_ref()
                    .map(|c| c.value.clone())
                    .unwrap_or_else(|| name.clone());
                match read_series(&path, &tcol, &vcol, interpolation) {
                    Ok(s) => s,
                    Err(SeriesError::File(msg)) => {
                        self.err(
                            file.span,
                            msg,
                            Some("the path is relative to the model file".into()),
                        );
                        return None;
                    }
                    Err(SeriesError::TimeColumn(msg)) => {
                        let span = time_column.map(|c| c.span).unwrap_or(file.span);
                        self.err(
                            span,
                            format!("{}: {msg}", path.display()),
                            Some("set `time_column = \"...\"`".into()),
                        );
                        return None;
                    }
                    Err(SeriesError::ValueColumn(msg)) => {
                        let span = column.map(|c| c.span).unwrap_or(file.span);
                        self.err(
                            span,
                            format!("{}: {msg}", path.display()),
                            Some("set `column = \"...\"`".into()),
                        );
                        return None;
                    }
                    Err(SeriesError::Cell(d)) => {
                        self.errors.push(d);
                        return None;
                    }
                }
            }
        };
        Some(VarKind::Exogenous(vec![series]))
    }
}
