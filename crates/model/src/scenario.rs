//! Scenario files: parameter values, replacement exogenous series and settings overrides,
//! applied to a compiled model without recompiling it (see `pressure_sim::Scenario`).
//!
//! ```toml
//! [scenario]
//! name = "oil shock"
//! doc = "..."
//! [set]
//! room_temperature = 75          # a parameter
//! "fiscal.tax_rate" = 0.2        # a module parameter (or [set.fiscal] tax_rate = 0.2)
//! loyalty_base = [1, 2, 3, 4, 5] # all elements of an arrayed parameter, in order
//! "loyalty_base[sec]" = 2.5      # one element
//! [exogenous.oil_price]
//! points = [[0, 60], [5, 90]]    # or file = "oil.csv", column = "...", time_column = "..."
//! interpolation = "step"
//! [settings]
//! stop = 50
//! ```

use crate::data::{read_series, SeriesError};
use crate::diagnostic::{Diagnostic, ModelError};
use crate::file::{points, read_settings, RawSettings};
use crate::ir::{Interpolation, Series, Settings};
use crate::source::{FileId, SourceMap, Span};
use crate::toml_read::{parse_document, Reader};
use std::path::{Path, PathBuf};
use toml::de::{DeTable, DeValue};

/// A parsed scenario file. Names are not checked here (the scenario does not know the
/// model); applying it to a compiled model checks them and reports errors at the scenario
/// file's line and column via [`ScenarioFile::error_at`].
#[derive(Debug, Clone)]
pub struct ScenarioFile {
    /// The scenario file.
    pub path: PathBuf,
    /// Its `name`, shown in legends and tables.
    pub name: Option<String>,
    /// Its `doc` text.
    pub doc: Option<String>,
    /// `[set]` entries in file order.
    pub sets: Vec<SetEntry>,
    /// `[exogenous.NAME]` replacement series.
    pub exogenous: Vec<ExogenousEntry>,
    settings: RawSettings,
    sources: SourceMap,
}

/// One `[set]` entry: a parameter name (dotted for modules, `x[e]` for an element) and one
/// value, or one value per element for a whole arrayed parameter.
#[derive(Debug, Clone)]
pub struct SetEntry {
    /// The parameter, as written.
    pub name: String,
    /// The value, or one per element, in the parameter's units.
    pub values: Vec<f64>,
    /// Where the entry is, for errors.
    pub span: Span,
}

/// One `[exogenous.NAME]` entry: a series that replaces an exogenous input of the model.
#[derive(Debug, Clone)]
pub struct ExogenousEntry {
    /// The exogenous variable, as written.
    pub name: String,
    /// Its replacement values over time.
    pub series: Series,
    /// Where the entry is, for errors.
    pub span: Span,
}

impl ScenarioFile {
    /// Reads and parses a scenario file (CSV series are read relative to it).
    pub fn load(path: &Path) -> Result<ScenarioFile, ModelError> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            Diagnostic::error(format!("cannot read scenario file {}: {e}", path.display()))
                .at_file(path)
        })?;
        Self::parse(path, &text)
    }

    /// Parses scenario text; `path` names it in messages and anchors relative CSV paths.
    pub fn parse(path: &Path, text: &str) -> Result<ScenarioFile, ModelError> {
        let mut sources = SourceMap::new();
        let file = sources.add(path, text);
        let doc = parse_document(&sources, file, text)?;
        let mut r = Reader::new(&sources, file);
        r.check_keys(
            &doc,
            &["scenario", "set", "exogenous", "settings"],
            "a scenario file",
        );
        let mut out = ScenarioFile {
            path: path.to_path_buf(),
            name: None,
            doc: None,
            sets: Vec::new(),
            exogenous: Vec::new(),
            settings: RawSettings::default(),
            sources: SourceMap::new(),
        };
        if let Some(v) = doc.get("scenario") {
            if let Some(t) = r.table(v, "[scenario]") {
                r.check_keys(t, &["name", "doc"], "[scenario]");
                out.name = t
                    .get("name")
                    .and_then(|x| r.string(x, "name"))
                    .map(|s| s.value);
                out.doc = t
                    .get("doc")
                    .and_then(|x| r.string(x, "doc"))
                    .map(|s| s.value);
            }
        }
        if let Some(v) = doc.get("set") {
            if let Some(t) = r.table(v, "[set]") {
                collect_sets(&mut r, t, "", &mut out.sets);
            }
        }
        if let Some(v) = doc.get("settings") {
            out.settings = read_settings(&mut r, v, "[settings]");
        }
        if let Some(v) = doc.get("exogenous") {
            if let Some(t) = r.table(v, "[exogenous]") {
                let dir = path.parent().map(|p| p.to_path_buf()).unwrap_or_default();
                for (k, body) in r.entries(t) {
                    let name = k.get_ref().to_string();
                    let span = r.span(k.span());
                    if let Some(series) = read_entry_series(&mut r, &dir, &name, body) {
                        out.exogenous.push(ExogenousEntry { name, series, span });
                    }
                }
            }
        }
        let errors = std::mem::take(&mut r.errors);
        drop(r);
        if !errors.is_empty() {
            return Err(ModelError::new(errors));
        }
        out.sources = sources;
        Ok(out)
    }

    /// Applies the `[settings]` overrides to `base`, checking the result.
    pub fn apply_settings(&self, base: &Settings) -> Result<Settings, ModelError> {
        crate::resolve::settings_from_raw(&self.settings, base).map_err(|(span, msg, help)| {
            let span = span.unwrap_or(Span::new(FileId(0), 0, 0));
            let mut d = Diagnostic::error(msg).at(&self.sources, span);
            if let Some(h) = help {
                d = d.help(h);
            }
            d.into()
        })
    }

    /// True if the file has a `[settings]` table with at least one key.
    pub fn has_settings(&self) -> bool {
        let s = &self.settings;
        s.start.is_some()
            || s.stop.is_some()
            || s.dt.is_some()
            || s.save_every.is_some()
            || s.method.is_some()
            || s.rtol.is_some()
            || s.atol.is_some()
            || s.initialise.is_some()
            || s.steady.is_some()
    }

    /// The variable names of the file's `[settings.steady]` (growth groups, `free`, `hold`,
    /// `exclude`) with where they are, for checking against a model
    /// ([`ScenarioFile::error_at`] reports a bad one).
    pub fn steady_names(&self) -> Vec<(String, Span)> {
        self.settings
            .steady
            .as_ref()
            .map(|st| {
                st.names()
                    .into_iter()
                    .map(|(n, _)| (n.value.clone(), n.span))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// A diagnostic pointing into this scenario file.
    pub fn error_at(&self, span: Span, message: impl Into<String>) -> Diagnostic {
        Diagnostic::error(message).at(&self.sources, span)
    }
}

fn collect_sets(r: &mut Reader, t: &DeTable, prefix: &str, out: &mut Vec<SetEntry>) {
    for (k, v) in r.entries(t) {
        let name = format!("{prefix}{}", k.get_ref());
        let span = r.span(k.span());
        match v.get_ref() {
            DeValue::Table(inner) => collect_sets(r, inner, &format!("{name}."), out),
            DeValue::Array(_) => {
                if let Some(values) = r.numbers(v, &format!("the values of {name}")) {
                    out.push(SetEntry { name, values, span });
                }
            }
            _ => {
                if let Some(x) = r.number(v, &format!("the value of {name}")) {
                    out.push(SetEntry {
                        name,
                        values: vec![x],
                        span,
                    });
                }
            }
        }
    }
}

fn read_entry_series(
    r: &mut Reader,
    dir: &Path,
    name: &str,
    body: &crate::toml_read::Value,
) -> Option<Series> {
    let ctx = format!("[exogenous.{name}]");
    let t = r.table(body, &ctx)?;
    r.check_keys(
        t,
        &["points", "file", "column", "time_column", "interpolation"],
        &ctx,
    );
    let interpolation = match t.get("interpolation") {
        None => Interpolation::Linear,
        Some(v) => {
            let s = r.string(v, "interpolation")?;
            match s.value.as_str() {
                "linear" => Interpolation::Linear,
                "step" => Interpolation::Step,
                other => {
                    r.error(
                        s.span,
                        format!("unknown interpolation '{other}'"),
                        Some("use \"linear\" or \"step\"".into()),
                    );
                    return None;
                }
            }
        }
    };
    if let Some(p) = t.get("points") {
        let span = r.span(p.span());
        let (time, values) = points(r, p, "points")?;
        if time.is_empty() || time.windows(2).any(|w| w[1] <= w[0]) {
            r.error(
                span,
                "points need at least one [time, value] pair, with increasing times",
                None,
            );
            return None;
        }
        return Some(Series {
            time,
            values,
            interpolation,
            origin: "inline".into(),
        });
    }
    let Some(f) = t.get("file") else {
        let span = r.span(body.span());
        r.error(
            span,
            format!("{ctx} needs `points = [[t, v], ...]` or `file = \"data.csv\"`"),
            None,
        );
        return None;
    };
    let file = r.string(f, "file")?;
    let column = t.get("column").and_then(|x| r.string(x, "column"));
    let time_column = t
        .get("time_column")
        .and_then(|x| r.string(x, "time_column"));
    let path = dir.join(&file.value);
    let tcol = time_column
        .as_ref()
        .map(|c| c.value.clone())
        .unwrap_or_else(|| "time".into());
    let vcol = column
        .as_ref()
        .map(|c| c.value.clone())
        .unwrap_or_else(|| name.to_string());
    match read_series(&path, &tcol, &vcol, interpolation) {
        Ok(s) => Some(s),
        Err(SeriesError::File(m)) => {
            r.error(
                file.span,
                m,
                Some("the path is relative to the scenario file".into()),
            );
            None
        }
        Err(SeriesError::TimeColumn(m)) => {
            let span = time_column.map(|c| c.span).unwrap_or(file.span);
            r.error(span, m, None);
            None
        }
        Err(SeriesError::ValueColumn(m)) => {
            let span = column.map(|c| c.span).unwrap_or(file.span);
            r.error(span, m, None);
            None
        }
        Err(SeriesError::Cell(d)) => {
            r.errors.push(d);
            None
        }
    }
}
