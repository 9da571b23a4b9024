//! Reading one model file into its raw (unresolved) structure, with spans everywhere.
//! Nothing is resolved here: names stay strings. See [`crate::resolve`] for the next step.

use crate::diagnostic::Diagnostic;
use crate::ir::{Extrapolation, Interpolation};
use crate::source::{FileId, SourceMap, Span};
use crate::toml_read::{parse_document, RawEq, Reader, Sp, Value};
use std::path::{Path, PathBuf};
use toml::de::{DeTable, DeValue};

#[derive(Debug, Default)]
pub(crate) struct RawFile {
    pub file: FileId,
    pub path: PathBuf,
    pub name: Option<String>,
    pub doc: Option<String>,
    pub settings: RawSettings,
    pub dimensions: Vec<RawDim>,
    pub vars: Vec<RawVar>,
    pub modules: Vec<RawModule>,
    pub interface: Option<RawInterface>,
    pub loops: Vec<RawLoop>,
}

#[derive(Debug, Default, Clone)]
pub(crate) struct RawSettings {
    pub start: Option<Sp<f64>>,
    pub stop: Option<Sp<f64>>,
    pub dt: Option<Sp<f64>>,
    pub save_every: Option<Sp<f64>>,
    pub method: Option<Sp<String>>,
    pub time_units: Option<String>,
    pub rtol: Option<Sp<f64>>,
    pub atol: Option<Sp<f64>>,
    pub initialise: Option<Sp<String>>,
    pub steady: Option<RawSteady>,
}

/// `[settings.steady]` as written. Lists replace the base settings' lists when given.
#[derive(Debug, Default, Clone)]
pub(crate) struct RawSteady {
    pub tolerance: Option<Sp<f64>>,
    pub max_iterations: Option<Sp<f64>>,
    pub growth: Option<Vec<RawGrowth>>,
    pub free: Option<Vec<Sp<String>>>,
    /// (name, value): a value of `None` holds the variable at its initial value.
    pub hold: Option<Vec<(Sp<String>, Option<f64>)>>,
    pub exclude: Option<Vec<Sp<String>>>,
}

#[derive(Debug, Clone)]
pub(crate) struct RawGrowth {
    pub stocks: Vec<Sp<String>>,
    pub log: bool,
    pub span: Span,
}

impl RawSteady {
    /// Every variable name it mentions, with its span and what it may name (`"stock"`,
    /// `"constant"`, `"value"` for a stock, flow or auxiliary).
    pub fn names(&self) -> Vec<(&Sp<String>, &'static str)> {
        let mut out = Vec::new();
        for g in self.growth.iter().flatten() {
            out.extend(g.stocks.iter().map(|n| (n, "stock")));
        }
        out.extend(self.free.iter().flatten().map(|n| (n, "constant")));
        out.extend(self.hold.iter().flatten().map(|(n, _)| (n, "value")));
        out.extend(self.exclude.iter().flatten().map(|n| (n, "stock")));
        out
    }
}

#[derive(Debug)]
pub(crate) struct RawDim {
    pub name: Sp<String>,
    pub elements: Vec<Sp<String>>,
    pub subrange_of: Option<Sp<String>>,
}

#[derive(Debug)]
pub(crate) struct RawVar {
    pub name: Sp<String>,
    pub kind: RawKind,
    pub dims: Vec<Sp<String>>,
    pub units: Option<Sp<String>>,
    pub doc: Option<String>,
    pub source: Option<String>,
}

#[derive(Debug)]
pub(crate) enum RawKind {
    Stock {
        initial: Option<RawEqSet>,
        inflows: Vec<Sp<String>>,
        outflows: Vec<Sp<String>>,
        non_negative: bool,
    },
    Flow {
        eq: Option<RawEqSet>,
        from: Option<Sp<String>>,
        to: Option<Sp<String>>,
    },
    Aux {
        eq: Option<RawEqSet>,
    },
    Constant {
        value: Option<RawValue>,
        range: Option<(f64, f64)>,
    },
    Lookup {
        default: Option<RawTable>,
        per_element: Vec<(Sp<String>, RawTable)>,
    },
    Exogenous {
        source: RawSeriesSource,
        interpolation: Interpolation,
    },
}

impl RawKind {
    pub fn name(&self) -> &'static str {
        match self {
            RawKind::Stock { .. } => "stock",
            RawKind::Flow { .. } => "flow",
            RawKind::Aux { .. } => "aux",
            RawKind::Constant { .. } => "constant",
            RawKind::Lookup { .. } => "lookup",
            RawKind::Exogenous { .. } => "exogenous",
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) enum RawEqSet {
    Uniform(RawEq),
    /// (element or subrange key, equation) in file order.
    PerElement(Vec<(Sp<String>, RawEq)>),
}

/// A constant's value as written.
#[derive(Debug, Clone)]
pub(crate) enum RawValue {
    Num(f64, Span),
    /// A list in dimension order (nested for several dimensions).
    List(Vec<RawValue>, Span),
    /// A table by element name (or `"a,b"` for two dimensions).
    Table(Vec<(Sp<String>, RawValue)>, Span),
    /// Values in a CSV file: one column per dimension (named after it) holding element names,
    /// and a value column.
    Csv {
        file: Sp<String>,
        column: Option<Sp<String>>,
        span: Span,
    },
}

#[derive(Debug, Clone)]
pub(crate) struct RawTable {
    pub x: Vec<f64>,
    pub y: Vec<f64>,
    pub interpolation: Interpolation,
    pub extrapolation: Extrapolation,
    /// Span of the points (for sortedness errors).
    pub span: Span,
}

#[derive(Debug, Clone)]
pub(crate) enum RawSeriesSource {
    File {
        file: Sp<String>,
        time_column: Option<Sp<String>>,
        column: Option<Sp<String>>,
    },
    Inline {
        time: Vec<f64>,
        values: Vec<f64>,
        span: Span,
    },
}

#[derive(Debug)]
pub(crate) struct RawModule {
    pub name: Sp<String>,
    pub file: Sp<String>,
    pub inputs: Vec<(Sp<String>, RawEq)>,
}

#[derive(Debug)]
pub(crate) struct RawInterface {
    pub inputs: Vec<Sp<String>>,
    pub outputs: Vec<Sp<String>>,
}

#[derive(Debug)]
pub(crate) struct RawLoop {
    pub name: Sp<String>,
    pub variables: Vec<Sp<String>>,
    pub doc: Option<String>,
}

const TOP_KEYS: &[&str] = &[
    "model",
    "settings",
    "dimensions",
    "stocks",
    "flows",
    "aux",
    "constants",
    "lookups",
    "exogenous",
    "modules",
    "interface",
    "loops",
    // Read by the units checker (crate::units), not here.
    "units",
];
const COMMON: &[&str] = &["units", "doc", "source", "dims"];

/// Reads a model file from disk into `sources` and parses its structure.
pub(crate) fn read_file(
    sources: &mut SourceMap,
    path: &Path,
    included_at: Option<(Span, &str)>,
) -> Result<RawFile, Vec<Diagnostic>> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) => {
            let d = Diagnostic::error(format!("cannot read model file {}: {e}", path.display()));
            let d = match included_at {
                Some((span, what)) => d.at(sources, span).help(format!("{what} names this file")),
                None => d.at_file(path),
            };
            return Err(vec![d]);
        }
    };
    let file = sources.add(path, &text);
    parse_file(sources, file, path)
}

/// Parses the structure of a file already in `sources`.
pub(crate) fn parse_file(
    sources: &SourceMap,
    file: FileId,
    path: &Path,
) -> Result<RawFile, Vec<Diagnostic>> {
    let text = sources.file(file).text.clone();
    let doc = parse_document(sources, file, &text).map_err(|d| vec![d])?;
    let mut r = Reader::new(sources, file);
    let mut out = RawFile {
        file,
        path: path.to_path_buf(),
        ..Default::default()
    };
    r.check_keys(&doc, TOP_KEYS, "the model file");
    for (k, v) in r.entries(&doc) {
        let key = k.get_ref().as_ref();
        match key {
            "model" => read_model_table(&mut r, v, &mut out),
            "settings" => out.settings = read_settings(&mut r, v, "[settings]"),
            "dimensions" => read_dimensions(&mut r, v, &mut out),
            "stocks" | "flows" | "aux" | "constants" | "lookups" | "exogenous" => {
                let Some(t) = r.table(v, &format!("[{key}]")) else {
                    continue;
                };
                for (name, body) in r.entries(t) {
                    let name = Sp {
                        value: name.get_ref().to_string(),
                        span: r.span(name.span()),
                    };
                    if let Some(var) = read_var(&mut r, key, name, body) {
                        out.vars.push(var);
                    }
                }
            }
            "modules" => read_modules(&mut r, v, &mut out),
            "interface" => {
                let Some(t) = r.table(v, "[interface]") else {
                    continue;
                };
                r.check_keys(t, &["inputs", "outputs"], "[interface]");
                let inputs = t
                    .get("inputs")
                    .and_then(|x| r.strings(x, "interface inputs"))
                    .unwrap_or_default();
                let outputs = t
                    .get("outputs")
                    .and_then(|x| r.strings(x, "interface outputs"))
                    .unwrap_or_default();
                out.interface = Some(RawInterface { inputs, outputs });
            }
            "loops" => {
                let Some(t) = r.table(v, "[loops]") else {
                    continue;
                };
                for (name, body) in r.entries(t) {
                    let ctx = format!("[loops.{}]", name.get_ref());
                    let Some(b) = r.table(body, &ctx) else {
                        continue;
                    };
                    r.check_keys(b, &["variables", "doc"], &ctx);
                    let variables = match b.get("variables") {
                        Some(x) => r.strings(x, "variables").unwrap_or_default(),
                        None => {
                            let span = r.span(name.span());
                            r.error(span, format!("{ctx} needs `variables = [...]`"), None);
                            Vec::new()
                        }
                    };
                    let doc = b
                        .get("doc")
                        .and_then(|x| r.string(x, "doc"))
                        .map(|s| s.value);
                    out.loops.push(RawLoop {
                        name: Sp {
                            value: name.get_ref().to_string(),
                            span: r.span(name.span()),
                        },
                        variables,
                        doc,
                    });
                }
            }
            _ => {}
        }
    }
    if r.errors.is_empty() {
        Ok(out)
    } else {
        Err(r.errors)
    }
}

fn read_model_table(r: &mut Reader, v: &Value, out: &mut RawFile) {
    let Some(t) = r.table(v, "[model]") else {
        return;
    };
    r.check_keys(t, &["name", "doc", "source"], "[model]");
    out.name = t
        .get("name")
        .and_then(|x| r.string(x, "name"))
        .map(|s| s.value);
    out.doc = t
        .get("doc")
        .and_then(|x| r.string(x, "doc"))
        .map(|s| s.value);
}

/// Reads a `[settings]` table (also used by scenario files).
pub(crate) fn read_settings(r: &mut Reader, v: &Value, ctx: &str) -> RawSettings {
    let mut s = RawSettings::default();
    let Some(t) = r.table(v, ctx) else {
        return s;
    };
    r.check_keys(
        t,
        &[
            "start",
            "stop",
            "dt",
            "save_every",
            "method",
            "time_units",
            "rtol",
            "atol",
            "initialise",
            "steady",
        ],
        ctx,
    );
    let num = |r: &mut Reader, key: &str| -> Option<Sp<f64>> {
        let x = t.get(key)?;
        let value = r.number(x, key)?;
        Some(Sp {
            value,
            span: r.span(x.span()),
        })
    };
    s.start = num(r, "start");
    s.stop = num(r, "stop");
    s.dt = num(r, "dt");
    s.save_every = num(r, "save_every");
    s.rtol = num(r, "rtol");
    s.atol = num(r, "atol");
    s.method = t.get("method").and_then(|x| r.string(x, "method"));
    s.time_units = t
        .get("time_units")
        .and_then(|x| r.string(x, "time_units"))
        .map(|s| s.value);
    s.initialise = t.get("initialise").and_then(|x| r.string(x, "initialise"));
    s.steady = t.get("steady").and_then(|x| read_steady(r, x));
    s
}

/// Reads `[settings.steady]`.
fn read_steady(r: &mut Reader, v: &Value) -> Option<RawSteady> {
    let ctx = "[settings.steady]";
    let t = r.table(v, ctx)?;
    r.check_keys(
        t,
        &[
            "tolerance",
            "max_iterations",
            "growth",
            "free",
            "hold",
            "exclude",
        ],
        ctx,
    );
    let mut s = RawSteady::default();
    if let Some(x) = t.get("tolerance") {
        let span = r.span(x.span());
        if let Some(value) = r.number(x, "tolerance") {
            if value > 0.0 {
                s.tolerance = Some(Sp { value, span });
            } else {
                r.error(
                    span,
                    format!("tolerance must be greater than 0 (got {value})"),
                    Some("the largest scaled net flow accepted, e.g. tolerance = 1e-10".into()),
                );
            }
        }
    }
    if let Some(x) = t.get("max_iterations") {
        let span = r.span(x.span());
        if let Some(value) = r.number(x, "max_iterations") {
            if value >= 1.0 && value.fract() == 0.0 && value <= 1e6 {
                s.max_iterations = Some(Sp { value, span });
            } else {
                r.error(
                    span,
                    format!(
                        "max_iterations must be a whole number from 1 to 1000000 (got {value})"
                    ),
                    Some("Newton iterations per start, e.g. max_iterations = 50".into()),
                );
            }
        }
    }
    if let Some(x) = t.get("growth") {
        s.growth = read_growth(r, x);
    }
    if let Some(x) = t.get("free") {
        s.free = r.strings(x, "free");
    }
    if let Some(x) = t.get("exclude") {
        s.exclude = r.strings(x, "exclude");
    }
    if let Some(x) = t.get("hold") {
        s.hold = match x.get_ref() {
            DeValue::Array(_) => r
                .strings(x, "hold")
                .map(|names| names.into_iter().map(|n| (n, None)).collect()),
            DeValue::Table(ht) => {
                let mut out = Vec::new();
                for (k, val) in r.entries(ht) {
                    let name = Sp {
                        value: k.get_ref().to_string(),
                        span: r.span(k.span()),
                    };
                    if let Some(v) = r.number(val, &format!("the value held for {}", name.value)) {
                        out.push((name, Some(v)));
                    }
                }
                Some(out)
            }
            other => {
                let span = r.span(x.span());
                r.error(
                    span,
                    format!(
                        "hold must be a table {{ NAME = value, ... }} or a list of names, found {}",
                        other.type_str()
                    ),
                    None,
                );
                None
            }
        };
    }
    Some(s)
}

/// `growth = [{ stocks = [...], log = true }, ...]` (or `[[settings.steady.growth]]`).
fn read_growth(r: &mut Reader, v: &Value) -> Option<Vec<RawGrowth>> {
    let groups = r.array(v, "growth")?;
    let mut out = Vec::new();
    for g in groups {
        let span = r.span(g.span());
        let t = r.table(g, "each growth group")?;
        r.check_keys(t, &["stocks", "log"], "a growth group");
        let (stocks, stocks_span) = match t.get("stocks") {
            Some(x) => (r.strings(x, "stocks")?, r.span(x.span())),
            None => {
                r.error(
                    span,
                    "a growth group needs `stocks = [\"...\", ...]`",
                    Some("e.g. { stocks = [\"ln_money\", \"ln_price\"], log = true }".into()),
                );
                return None;
            }
        };
        if stocks.len() < 2 {
            r.error(
                stocks_span,
                format!(
                    "a growth group needs at least two stocks (got {})",
                    stocks.len()
                ),
                Some("the first stock is the anchor; the others grow at its rate".into()),
            );
            return None;
        }
        let log = match t.get("log") {
            Some(x) => r.boolean(x, "log")?,
            None => false,
        };
        out.push(RawGrowth {
            stocks,
            log,
            span: stocks_span,
        });
    }
    Some(out)
}

fn read_dimensions(r: &mut Reader, v: &Value, out: &mut RawFile) {
    let Some(t) = r.table(v, "[dimensions]") else {
        return;
    };
    for (name, body) in r.entries(t) {
        let name = Sp {
            value: name.get_ref().to_string(),
            span: r.span(name.span()),
        };
        match body.get_ref() {
            DeValue::Array(_) => {
                let elements = r.strings(body, "dimension elements").unwrap_or_default();
                out.dimensions.push(RawDim {
                    name,
                    elements,
                    subrange_of: None,
                });
            }
            DeValue::Table(b) => {
                let ctx = format!("dimension {}", name.value);
                r.check_keys(b, &["subrange_of", "elements"], &ctx);
                let subrange_of = b
                    .get("subrange_of")
                    .and_then(|x| r.string(x, "subrange_of"));
                let elements = match b.get("elements") {
                    Some(x) => r.strings(x, "elements").unwrap_or_default(),
                    None => {
                        r.error(name.span, format!("{ctx} needs `elements = [...]`"), None);
                        Vec::new()
                    }
                };
                out.dimensions.push(RawDim {
                    name,
                    elements,
                    subrange_of,
                });
            }
            other => {
                let span = r.span(body.span());
                r.error(
                    span,
                    format!(
                        "dimension {} must be a list of element names or {{ subrange_of = \"...\", elements = [...] }}, found {}",
                        name.value,
                        other.type_str()
                    ),
                    None,
                );
            }
        }
    }
}

fn read_var(r: &mut Reader, section: &str, name: Sp<String>, body: &Value) -> Option<RawVar> {
    let ctx = format!("[{section}.{}]", name.value);
    let t = r.table(body, &ctx)?;
    let specific: &[&str] = match section {
        "stocks" => &["initial", "inflows", "outflows", "non_negative"],
        "flows" => &["equation", "equations", "from", "to"],
        "aux" => &["equation", "equations"],
        "constants" => &["value", "range", "file", "column"],
        // `x_units`/`y_units` are read by the units checker (crate::units).
        "lookups" => &[
            "points",
            "x",
            "y",
            "interpolation",
            "extrapolation",
            "tables",
            "x_units",
            "y_units",
        ],
        "exogenous" => &["file", "time_column", "column", "points", "interpolation"],
        _ => &[],
    };
    let allowed: Vec<&str> = COMMON.iter().chain(specific).copied().collect();
    r.check_keys(t, &allowed, &ctx);
    let units = t.get("units").and_then(|x| r.string(x, "units"));
    let doc = t
        .get("doc")
        .and_then(|x| r.string(x, "doc"))
        .map(|s| s.value);
    let source = t
        .get("source")
        .and_then(|x| r.string(x, "source"))
        .map(|s| s.value);
    let dims = t
        .get("dims")
        .and_then(|x| r.strings(x, "dims"))
        .unwrap_or_default();
    let kind = match section {
        "stocks" => {
            let initial = match t.get("initial") {
                Some(x) => eq_set(r, x, "initial"),
                None => None,
            };
            let inflows = t
                .get("inflows")
                .and_then(|x| r.strings(x, "inflows"))
                .unwrap_or_default();
            let outflows = t
                .get("outflows")
                .and_then(|x| r.strings(x, "outflows"))
                .unwrap_or_default();
            let non_negative = t
                .get("non_negative")
                .and_then(|x| r.boolean(x, "non_negative"))
                .unwrap_or(false);
            RawKind::Stock {
                initial,
                inflows,
                outflows,
                non_negative,
            }
        }
        "flows" | "aux" => {
            let eq = equation_keys(r, t, &name, &ctx);
            if section == "flows" {
                RawKind::Flow {
                    eq,
                    from: t.get("from").and_then(|x| r.string(x, "from")),
                    to: t.get("to").and_then(|x| r.string(x, "to")),
                }
            } else {
                RawKind::Aux { eq }
            }
        }
        "constants" => {
            let value = if let Some(x) = t.get("value") {
                if t.contains_key("file") {
                    let span = r.span(x.span());
                    r.error(
                        span,
                        format!("{ctx} has both `value` and `file`; keep one"),
                        None,
                    );
                }
                raw_value(r, x)
            } else if let Some(f) = t.get("file") {
                let file = r.string(f, "file")?;
                let column = t.get("column").and_then(|x| r.string(x, "column"));
                Some(RawValue::Csv {
                    span: file.span,
                    file,
                    column,
                })
            } else {
                None
            };
            let range = match t.get("range") {
                Some(x) => {
                    let span = r.span(x.span());
                    match r.numbers(x, "range") {
                        Some(v) if v.len() == 2 && v[0] <= v[1] => Some((v[0], v[1])),
                        Some(_) => {
                            r.error(span, "range must be [low, high] with low <= high", None);
                            None
                        }
                        None => None,
                    }
                }
                None => None,
            };
            RawKind::Constant { value, range }
        }
        "lookups" => {
            let has_points = t.contains_key("points") || t.contains_key("x");
            let default = if has_points {
                read_table(r, t, &ctx, name.span)
            } else {
                None
            };
            let mut per_element = Vec::new();
            if let Some(tables) = t.get("tables") {
                if let Some(tt) = r.table(tables, "tables") {
                    for (k, v) in r.entries(tt) {
                        let key = Sp {
                            value: k.get_ref().to_string(),
                            span: r.span(k.span()),
                        };
                        let c = format!("{ctx}.tables.{}", key.value);
                        if let Some(b) = r.table(v, &c) {
                            r.check_keys(
                                b,
                                &["points", "x", "y", "interpolation", "extrapolation"],
                                &c,
                            );
                            if let Some(tab) = read_table(r, b, &c, key.span) {
                                per_element.push((key, tab));
                            }
                        }
                    }
                }
            }
            if default.is_none() && per_element.is_empty() {
                r.error(
                    name.span,
                    format!(
                        "{ctx} needs `points = [[x, y], ...]` (or `x = [...]` and `y = [...]`)"
                    ),
                    None,
                );
            }
            RawKind::Lookup {
                default,
                per_element,
            }
        }
        "exogenous" => {
            let interpolation = interpolation(r, t.get("interpolation"))?;
            let source = if let Some(p) = t.get("points") {
                let span = r.span(p.span());
                let (time, values) = points(r, p, "points")?;
                RawSeriesSource::Inline { time, values, span }
            } else if let Some(f) = t.get("file") {
                RawSeriesSource::File {
                    file: r.string(f, "file")?,
                    time_column: t
                        .get("time_column")
                        .and_then(|x| r.string(x, "time_column")),
                    column: t.get("column").and_then(|x| r.string(x, "column")),
                }
            } else {
                r.error(
                    name.span,
                    format!("{ctx} needs `file = \"data.csv\"` (with `column`) or inline `points`"),
                    None,
                );
                return None;
            };
            RawKind::Exogenous {
                source,
                interpolation,
            }
        }
        _ => return None,
    };
    Some(RawVar {
        name,
        kind,
        dims,
        units,
        doc,
        source,
    })
}

/// `equation = "..."` or `equations = { element = "...", ... }`.
fn equation_keys(r: &mut Reader, t: &DeTable, name: &Sp<String>, ctx: &str) -> Option<RawEqSet> {
    match (t.get("equation"), t.get("equations")) {
        (Some(e), None) => eq_set(r, e, "equation"),
        (None, Some(e)) => match e.get_ref() {
            DeValue::Table(_) => eq_set(r, e, "equations"),
            _ => {
                let span = r.span(e.span());
                r.error(
                    span,
                    "`equations` must be a table by element: { tec = \"...\", sec = \"...\" }",
                    Some("for one equation for all elements use `equation = \"...\"`".into()),
                );
                None
            }
        },
        (Some(e), Some(_)) => {
            let span = r.span(e.span());
            r.error(
                span,
                format!("{ctx} has both `equation` and `equations`; keep one"),
                None,
            );
            None
        }
        (None, None) => {
            r.error(
                name.span,
                format!("{ctx} has no equation"),
                Some("add `equation = \"...\"`".into()),
            );
            None
        }
    }
}

/// An equation (string or number) or a table of per-element equations.
fn eq_set(r: &mut Reader, v: &Value, what: &str) -> Option<RawEqSet> {
    match v.get_ref() {
        DeValue::Table(t) => {
            let mut out = Vec::new();
            for (k, x) in r.entries(t) {
                let key = Sp {
                    value: k.get_ref().to_string(),
                    span: r.span(k.span()),
                };
                if let Some(eq) = r.equation(x, what) {
                    out.push((key, eq));
                }
            }
            Some(RawEqSet::PerElement(out))
        }
        _ => r.equation(v, what).map(RawEqSet::Uniform),
    }
}

fn raw_value(r: &mut Reader, v: &Value) -> Option<RawValue> {
    let span = r.span(v.span());
    match v.get_ref() {
        DeValue::Array(a) => {
            let mut out = Vec::new();
            for x in a.iter() {
                out.push(raw_value(r, x)?);
            }
            Some(RawValue::List(out, span))
        }
        DeValue::Table(t) => {
            let mut out = Vec::new();
            for (k, x) in r.entries(t) {
                let key = Sp {
                    value: k.get_ref().to_string(),
                    span: r.span(k.span()),
                };
                out.push((key, raw_value(r, x)?));
            }
            Some(RawValue::Table(out, span))
        }
        _ => r.number(v, "value").map(|x| RawValue::Num(x, span)),
    }
}

fn interpolation(r: &mut Reader, v: Option<&Value>) -> Option<Interpolation> {
    let Some(v) = v else {
        return Some(Interpolation::Linear);
    };
    let s = r.string(v, "interpolation")?;
    match s.value.as_str() {
        "linear" => Some(Interpolation::Linear),
        "step" => Some(Interpolation::Step),
        other => {
            r.error(
                s.span,
                format!("unknown interpolation '{other}'"),
                Some("use \"linear\" or \"step\"".into()),
            );
            None
        }
    }
}

fn extrapolation(r: &mut Reader, v: Option<&Value>) -> Option<Extrapolation> {
    let Some(v) = v else {
        return Some(Extrapolation::Clamp);
    };
    let s = r.string(v, "extrapolation")?;
    match s.value.as_str() {
        "clamp" => Some(Extrapolation::Clamp),
        "linear" => Some(Extrapolation::Linear),
        other => {
            r.error(
                s.span,
                format!("unknown extrapolation '{other}'"),
                Some("use \"clamp\" or \"linear\"".into()),
            );
            None
        }
    }
}

/// `[[x, y], ...]` pairs.
pub(crate) fn points(r: &mut Reader, v: &Value, what: &str) -> Option<(Vec<f64>, Vec<f64>)> {
    let a = r.array(v, what)?;
    let mut xs = Vec::new();
    let mut ys = Vec::new();
    for p in a {
        let span = r.span(p.span());
        let pair = r.numbers(p, &format!("each entry of {what}"))?;
        if pair.len() != 2 {
            r.error(
                span,
                format!("each entry of {what} must be a pair [x, y]"),
                None,
            );
            return None;
        }
        xs.push(pair[0]);
        ys.push(pair[1]);
    }
    Some((xs, ys))
}

fn read_table(r: &mut Reader, t: &DeTable, ctx: &str, fallback: Span) -> Option<RawTable> {
    let interpolation = interpolation(r, t.get("interpolation"))?;
    let extrapolation = extrapolation(r, t.get("extrapolation"))?;
    let (x, y, span) = if let Some(p) = t.get("points") {
        let span = r.span(p.span());
        let (x, y) = points(r, p, "points")?;
        (x, y, span)
    } else {
        match (t.get("x"), t.get("y")) {
            (Some(xv), Some(yv)) => {
                let span = r.span(xv.span());
                let x = r.numbers(xv, "x")?;
                let y = r.numbers(yv, "y")?;
                if x.len() != y.len() {
                    r.error(
                        span,
                        format!("{ctx}: x has {} values but y has {}", x.len(), y.len()),
                        None,
                    );
                    return None;
                }
                (x, y, span)
            }
            _ => {
                r.error(
                    fallback,
                    format!("{ctx} needs both `x` and `y`, or `points`"),
                    None,
                );
                return None;
            }
        }
    };
    Some(RawTable {
        x,
        y,
        interpolation,
        extrapolation,
        span,
    })
}

fn read_modules(r: &mut Reader, v: &Value, out: &mut RawFile) {
    let Some(t) = r.table(v, "[modules]") else {
        return;
    };
    for (name, body) in r.entries(t) {
        let name = Sp {
            value: name.get_ref().to_string(),
            span: r.span(name.span()),
        };
        let ctx = format!("[modules.{}]", name.value);
        let Some(b) = r.table(body, &ctx) else {
            continue;
        };
        r.check_keys(b, &["file", "inputs", "doc"], &ctx);
        let Some(file) = b.get("file").and_then(|x| r.string(x, "file")) else {
            if !b.contains_key("file") {
                r.error(
                    name.span,
                    format!("{ctx} needs `file = \"block.toml\"`"),
                    None,
                );
            }
            continue;
        };
        let mut inputs = Vec::new();
        if let Some(iv) = b.get("inputs") {
            if let Some(it) = r.table(iv, &format!("{ctx}.inputs")) {
                for (k, x) in r.entries(it) {
                    let key = Sp {
                        value: k.get_ref().to_string(),
                        span: r.span(k.span()),
                    };
                    if let Some(eq) = r.equation(x, "module input") {
                        inputs.push((key, eq));
                    }
                }
            }
        }
        out.modules.push(RawModule { name, file, inputs });
    }
}
