//! Building a model from another format's reader (Vensim `.mdl`, XMILE): the public way into
//! the same validation the TOML reader goes through.
//!
//! An importer describes the variables it read as a [`SourceModel`]: names, kinds, equations in
//! Pressure's equation language (see [`crate::eqn`]), values, lookups, units and docs, each
//! with the byte range in the original file's text it came from. [`load_source`] then resolves
//! names, lowers stateful builtins, checks cycles and orders equations exactly as [`crate::load`]
//! does for a TOML file, so every later stage (engine, units, loops) sees an ordinary
//! [`Model`], and every error points at a line and column of the *original* file.
//!
//! An equation's text is usually a translation of what the file says (another format names
//! variables differently); when the translation keeps every byte at its offset (same length,
//! same positions), set [`SourceEquation::exact`] and errors point inside the equation;
//! otherwise they point at its start.
//!
//! ```
//! use pressure_model::build::*;
//! let text = "x = 2 * y\ny = 3\n";
//! let model = pressure_model::build::load_source(SourceModel {
//!     path: "m.txt".into(),
//!     text: text.into(),
//!     name: None,
//!     doc: None,
//!     settings: SourceSettings { stop: Some(Located::new(10.0, 0..0)), ..Default::default() },
//!     dimensions: vec![],
//!     variables: vec![
//!         SourceVariable::new(Located::new("x".into(), 0..1), SourceKind::Aux {
//!             equation: SourceEquations::Uniform(SourceEquation::exact("2 * y", 4..9)),
//!         }),
//!         SourceVariable::new(Located::new("y".into(), 10..11), SourceKind::Constant {
//!             value: SourceValue::Num(3.0, 14..15),
//!             range: None,
//!         }),
//!     ],
//! }).unwrap();
//! assert_eq!(model.var(model.var_id("x").unwrap()).kind.name(), "aux");
//!
//! // An unknown name is reported at its line and column in the original text.
//! let err = load_source(SourceModel {
//!     path: "m.txt".into(),
//!     text: text.into(),
//!     name: None,
//!     doc: None,
//!     settings: SourceSettings::default(),
//!     dimensions: vec![],
//!     variables: vec![SourceVariable::new(Located::new("x".into(), 0..1), SourceKind::Aux {
//!         equation: SourceEquations::Uniform(SourceEquation::exact("2 * y", 4..9)),
//!     })],
//! }).unwrap_err();
//! assert!(err.to_string().contains("m.txt:1:9"), "{err}");
//! ```

use crate::diagnostic::ModelError;
use crate::file::{RawDim, RawEqSet, RawFile, RawKind, RawSettings, RawTable, RawValue, RawVar};
use crate::ir::{Extrapolation, Interpolation, Model};
use crate::source::{FileId, Span};
use crate::toml_read::{RawEq, Sp};
use std::ops::Range;
use std::path::PathBuf;

/// A model read from another format, ready for validation by [`load_source`].
#[derive(Debug, Clone)]
pub struct SourceModel {
    /// The file it was read from (errors name it).
    pub path: PathBuf,
    /// The file's full text; every byte range below indexes into it.
    pub text: String,
    /// The model's name (the file stem when absent).
    pub name: Option<String>,
    /// The model's description.
    pub doc: Option<String>,
    /// Run settings.
    pub settings: SourceSettings,
    /// The dimensions (subscript ranges).
    pub dimensions: Vec<SourceDimension>,
    /// Every variable, in file order.
    pub variables: Vec<SourceVariable>,
}

/// A value with the byte range of the text it was read from.
#[derive(Debug, Clone, PartialEq)]
pub struct Located<T> {
    /// The value.
    pub value: T,
    /// Byte range in the source file's text.
    pub at: Range<usize>,
}

impl<T> Located<T> {
    /// A value read from the bytes `at`.
    pub fn new(value: T, at: Range<usize>) -> Self {
        Located { value, at }
    }
}

/// Run settings as the file gives them; absent ones take the TOML reader's defaults.
#[derive(Debug, Clone, Default)]
pub struct SourceSettings {
    /// Initial time, in `time_units`.
    pub start: Option<Located<f64>>,
    /// Final time, in `time_units`.
    pub stop: Option<Located<f64>>,
    /// Time step, in `time_units`.
    pub dt: Option<Located<f64>>,
    /// Save interval (a whole multiple of `dt`), in `time_units`.
    pub save_every: Option<Located<f64>>,
    /// `euler`, `rk2`, `rk4`, `dopri5`, `dop853`.
    pub method: Option<Located<String>>,
    /// The unit of time, as written.
    pub time_units: Option<String>,
}

/// A named dimension (subscript range) and its elements, or a subrange of another dimension.
#[derive(Debug, Clone)]
pub struct SourceDimension {
    /// The dimension's name.
    pub name: Located<String>,
    /// Its elements, in order.
    pub elements: Vec<Located<String>>,
    /// For a subrange: the dimension it is part of.
    pub subrange_of: Option<Located<String>>,
}

/// One equation in Pressure's equation language, with the range of the file text it
/// translates.
#[derive(Debug, Clone)]
pub struct SourceEquation {
    /// The equation in Pressure's equation language.
    pub text: String,
    /// The byte range of the file text it translates.
    pub at: Range<usize>,
    /// Byte `i` of `text` is byte `at.start + i` of the file (a same-length translation).
    pub exact: bool,
}

impl SourceEquation {
    /// An equation whose every byte sits at its offset in the file.
    pub fn exact(text: impl Into<String>, at: Range<usize>) -> Self {
        SourceEquation {
            text: text.into(),
            at,
            exact: true,
        }
    }

    /// An equation whose errors point at the start of `at`.
    pub fn approximate(text: impl Into<String>, at: Range<usize>) -> Self {
        SourceEquation {
            text: text.into(),
            at,
            exact: false,
        }
    }
}

/// One equation for every element, or one per element (or subrange) key.
#[derive(Debug, Clone)]
pub enum SourceEquations {
    /// One equation for every element (or a scalar's only equation).
    Uniform(SourceEquation),
    /// (element or subrange name — `"a,b"` for two dimensions — , equation) in file order.
    PerElement(Vec<(Located<String>, SourceEquation)>),
}

/// A constant's value.
#[derive(Debug, Clone)]
pub enum SourceValue {
    /// One number, with its byte range.
    Num(f64, Range<usize>),
    /// Values in dimension order (nested for several dimensions).
    List(Vec<SourceValue>, Range<usize>),
    /// Values by element name (`"a,b"` for two dimensions).
    Table(Vec<(Located<String>, SourceValue)>, Range<usize>),
}

/// A graphical function.
#[derive(Debug, Clone)]
pub struct SourceTable {
    /// Input points, strictly increasing.
    pub x: Vec<f64>,
    /// Output at each input point.
    pub y: Vec<f64>,
    /// How the table is read between points.
    pub interpolation: Interpolation,
    /// How it is read outside them.
    pub extrapolation: Extrapolation,
    /// Its byte range in the file.
    pub at: Range<usize>,
}

/// What a variable is.
#[derive(Debug, Clone)]
pub enum SourceKind {
    /// A level integrating its inflows minus its outflows (each a [`SourceKind::Flow`]).
    Stock {
        /// Its value at the initial time.
        initial: SourceEquations,
        /// Flows that fill it.
        inflows: Vec<Located<String>>,
        /// Flows that drain it.
        outflows: Vec<Located<String>>,
        /// Clamp the stock at zero.
        non_negative: bool,
    },
    /// A rate of change of one or more stocks.
    Flow {
        /// Its equation(s).
        equation: SourceEquations,
    },
    /// An auxiliary: a value computed from others at each step.
    Aux {
        /// Its equation(s).
        equation: SourceEquations,
    },
    /// A parameter, fixed over a run.
    Constant {
        /// Its value(s).
        value: SourceValue,
        /// Plausible range (documentation and sampling bounds).
        range: Option<(f64, f64)>,
    },
    /// A graphical function (lookup table).
    Lookup {
        /// The table of every element (or of a scalar).
        default: Option<SourceTable>,
        /// Tables for the elements they name (`"a,b"` for two dimensions).
        per_element: Vec<(Located<String>, SourceTable)>,
    },
}

/// One declared variable.
#[derive(Debug, Clone)]
pub struct SourceVariable {
    /// Its name in the IR (`[A-Za-z_][A-Za-z0-9_]*`).
    pub name: Located<String>,
    /// What the variable is.
    pub kind: SourceKind,
    /// Dimension names, in order.
    pub dims: Vec<Located<String>>,
    /// A unit expression the units checker reads (see [`crate::units`]).
    pub units: Option<Located<String>>,
    /// What it means (shown by `pressure describe`).
    pub doc: Option<String>,
    /// Its citation, or `assumption`.
    pub source: Option<String>,
}

impl SourceVariable {
    /// A scalar variable with no units, doc or source.
    pub fn new(name: Located<String>, kind: SourceKind) -> Self {
        SourceVariable {
            name,
            kind,
            dims: Vec::new(),
            units: None,
            doc: None,
            source: None,
        }
    }
}

/// Validates an imported model: the same resolution, lowering and checks as [`crate::load`],
/// with errors pointing into [`SourceModel::text`].
pub fn load_source(model: SourceModel) -> Result<Model, ModelError> {
    let path = model.path.clone();
    let text = model.text.clone();
    crate::resolve::load_built(&path, &text, move |file| to_raw(model, file))
}

fn span(file: FileId, r: &Range<usize>) -> Span {
    Span::new(file, r.start, r.end)
}

fn sp<T: Clone>(file: FileId, l: &Located<T>) -> Sp<T> {
    Sp {
        value: l.value.clone(),
        span: span(file, &l.at),
    }
}

fn eq(file: FileId, e: &SourceEquation) -> RawEq {
    RawEq {
        text: e.text.clone(),
        span: span(file, &e.at),
        exact: e.exact,
    }
}

fn eqs(file: FileId, e: &SourceEquations) -> RawEqSet {
    match e {
        SourceEquations::Uniform(x) => RawEqSet::Uniform(eq(file, x)),
        SourceEquations::PerElement(v) => {
            RawEqSet::PerElement(v.iter().map(|(k, x)| (sp(file, k), eq(file, x))).collect())
        }
    }
}

fn value(file: FileId, v: &SourceValue) -> RawValue {
    match v {
        SourceValue::Num(x, r) => RawValue::Num(*x, span(file, r)),
        SourceValue::List(xs, r) => {
            RawValue::List(xs.iter().map(|x| value(file, x)).collect(), span(file, r))
        }
        SourceValue::Table(xs, r) => RawValue::Table(
            xs.iter()
                .map(|(k, x)| (sp(file, k), value(file, x)))
                .collect(),
            span(file, r),
        ),
    }
}

fn table(file: FileId, t: &SourceTable) -> RawTable {
    RawTable {
        x: t.x.clone(),
        y: t.y.clone(),
        interpolation: t.interpolation,
        extrapolation: t.extrapolation,
        span: span(file, &t.at),
    }
}

fn to_raw(m: SourceModel, file: FileId) -> RawFile {
    let s = &m.settings;
    let settings = RawSettings {
        start: s.start.as_ref().map(|x| sp(file, x)),
        stop: s.stop.as_ref().map(|x| sp(file, x)),
        dt: s.dt.as_ref().map(|x| sp(file, x)),
        save_every: s.save_every.as_ref().map(|x| sp(file, x)),
        method: s.method.as_ref().map(|x| sp(file, x)),
        time_units: s.time_units.clone(),
        ..Default::default()
    };
    let dimensions = m
        .dimensions
        .iter()
        .map(|d| RawDim {
            name: sp(file, &d.name),
            elements: d.elements.iter().map(|e| sp(file, e)).collect(),
            subrange_of: d.subrange_of.as_ref().map(|x| sp(file, x)),
        })
        .collect();
    let vars = m
        .variables
        .iter()
        .map(|v| RawVar {
            name: sp(file, &v.name),
            kind: match &v.kind {
                SourceKind::Stock {
                    initial,
                    inflows,
                    outflows,
                    non_negative,
                } => RawKind::Stock {
                    initial: Some(eqs(file, initial)),
                    inflows: inflows.iter().map(|x| sp(file, x)).collect(),
                    outflows: outflows.iter().map(|x| sp(file, x)).collect(),
                    non_negative: *non_negative,
                },
                SourceKind::Flow { equation } => RawKind::Flow {
                    eq: Some(eqs(file, equation)),
                    from: None,
                    to: None,
                },
                SourceKind::Aux { equation } => RawKind::Aux {
                    eq: Some(eqs(file, equation)),
                },
                SourceKind::Constant { value: x, range } => RawKind::Constant {
                    value: Some(value(file, x)),
                    range: *range,
                },
                SourceKind::Lookup {
                    default,
                    per_element,
                } => RawKind::Lookup {
                    default: default.as_ref().map(|t| table(file, t)),
                    per_element: per_element
                        .iter()
                        .map(|(k, t)| (sp(file, k), table(file, t)))
                        .collect(),
                },
            },
            dims: v.dims.iter().map(|d| sp(file, d)).collect(),
            units: v.units.as_ref().map(|u| sp(file, u)),
            doc: v.doc.clone(),
            source: v.source.clone(),
        })
        .collect();
    RawFile {
        file,
        path: m.path.clone(),
        name: m.name.clone(),
        doc: m.doc.clone(),
        settings,
        dimensions,
        vars,
        ..Default::default()
    }
}

/// Reads a Pressure TOML model file into a [`SourceModel`]: the inverse of what
/// [`load_source`] does with one, so that a TOML model can be written out in another format
/// (the XMILE export of `pressure_interop`). Nothing is validated beyond the file's structure.
/// What a [`SourceModel`] cannot hold is an error naming it at its line and column: modules
/// (convert each block file on its own), exogenous series and constants read from CSV files.
/// Settings of the adaptive methods and of steady states (`rtol`, `atol`, `initialise`,
/// `[settings.steady]`), the interface and named loops are left out.
///
/// ```
/// let dir = tempfile::tempdir().unwrap();
/// let path = dir.path().join("m.toml");
/// std::fs::write(&path, "[settings]\nstop = 4.0\n[stocks.s]\ninitial = \"1\"\ninflows = [\"f\"]\n[flows.f]\nequation = \"s / 2\"\n").unwrap();
/// let source = pressure_model::build::read_toml_source(&path).unwrap();
/// assert_eq!(source.variables.len(), 2);
/// assert_eq!(source.settings.stop.as_ref().unwrap().value, 4.0);
/// // It validates into the same model as the file.
/// let model = pressure_model::build::load_source(source).unwrap();
/// assert_eq!(model.var(model.var_id("f").unwrap()).kind.name(), "flow");
/// ```
pub fn read_toml_source(path: &std::path::Path) -> Result<SourceModel, ModelError> {
    let mut sources = crate::source::SourceMap::new();
    let raw = crate::file::read_file(&mut sources, path, None).map_err(ModelError::new)?;
    let text = sources.file(raw.file).text.to_string();
    let r = |s: &Span| s.start as usize..s.end as usize;
    let loc = |l: &Sp<String>| Located::new(l.value.clone(), r(&l.span));
    let mut errors = Vec::new();
    let mut refuse = |span: Span, what: &str| {
        errors.push(
            crate::diagnostic::Diagnostic::error(format!("{what} cannot be converted"))
                .at(&sources, span),
        );
    };
    for m in &raw.modules {
        refuse(
            m.name.span,
            &format!(
                "module '{}' (a model with modules; convert each block file on its own)",
                m.name.value
            ),
        );
    }
    fn eq(e: &RawEq) -> SourceEquation {
        SourceEquation {
            text: e.text.clone(),
            at: e.span.start as usize..e.span.end as usize,
            exact: e.exact,
        }
    }
    fn eqs(e: &RawEqSet) -> SourceEquations {
        match e {
            RawEqSet::Uniform(x) => SourceEquations::Uniform(eq(x)),
            RawEqSet::PerElement(list) => SourceEquations::PerElement(
                list.iter()
                    .map(|(k, x)| {
                        (
                            Located::new(
                                k.value.clone(),
                                k.span.start as usize..k.span.end as usize,
                            ),
                            eq(x),
                        )
                    })
                    .collect(),
            ),
        }
    }
    fn value(v: &RawValue) -> Result<SourceValue, Span> {
        let r = |s: &Span| s.start as usize..s.end as usize;
        Ok(match v {
            RawValue::Num(x, s) => SourceValue::Num(*x, r(s)),
            RawValue::List(xs, s) => {
                SourceValue::List(xs.iter().map(value).collect::<Result<_, _>>()?, r(s))
            }
            RawValue::Table(xs, s) => SourceValue::Table(
                xs.iter()
                    .map(|(k, x)| Ok((Located::new(k.value.clone(), r(&k.span)), value(x)?)))
                    .collect::<Result<_, Span>>()?,
                r(s),
            ),
            RawValue::Csv { span, .. } => return Err(*span),
        })
    }
    let table = |t: &RawTable| SourceTable {
        x: t.x.clone(),
        y: t.y.clone(),
        interpolation: t.interpolation,
        extrapolation: t.extrapolation,
        at: r(&t.span),
    };
    let mut variables = Vec::new();
    let mut links: Vec<(String, Sp<String>, bool)> = Vec::new();
    for v in &raw.vars {
        let kind = match &v.kind {
            RawKind::Stock {
                initial,
                inflows,
                outflows,
                non_negative,
            } => SourceKind::Stock {
                initial: match initial {
                    Some(e) => eqs(e),
                    None => {
                        SourceEquations::Uniform(SourceEquation::approximate("0", r(&v.name.span)))
                    }
                },
                inflows: inflows.iter().map(loc).collect(),
                outflows: outflows.iter().map(loc).collect(),
                non_negative: *non_negative,
            },
            RawKind::Flow { eq: Some(e), .. } => SourceKind::Flow { equation: eqs(e) },
            RawKind::Aux { eq: Some(e) } => SourceKind::Aux { equation: eqs(e) },
            RawKind::Flow { eq: None, .. } | RawKind::Aux { eq: None } => {
                refuse(
                    v.name.span,
                    &format!("'{}' without an equation", v.name.value),
                );
                continue;
            }
            RawKind::Constant { value: x, range } => match x.as_ref().map(value) {
                Some(Ok(x)) => SourceKind::Constant {
                    value: x,
                    range: *range,
                },
                Some(Err(span)) => {
                    refuse(
                        span,
                        &format!("constant '{}' read from a CSV file", v.name.value),
                    );
                    continue;
                }
                None => {
                    refuse(
                        v.name.span,
                        &format!("constant '{}' without a value", v.name.value),
                    );
                    continue;
                }
            },
            RawKind::Lookup {
                default,
                per_element,
            } => SourceKind::Lookup {
                default: default.as_ref().map(table),
                per_element: per_element
                    .iter()
                    .map(|(k, t)| (loc(k), table(t)))
                    .collect(),
            },
            RawKind::Exogenous { .. } => {
                refuse(v.name.span, &format!("exogenous series '{}'", v.name.value));
                continue;
            }
        };
        // Flows may name their stocks (`from`/`to`) instead of being listed on them.
        if let RawKind::Flow { from, to, .. } = &v.kind {
            for (stock, inflow) in [(to, true), (from, false)] {
                if let Some(stock) = stock {
                    links.push((v.name.value.clone(), stock.clone(), inflow));
                }
            }
        }
        variables.push(SourceVariable {
            name: loc(&v.name),
            kind,
            dims: v.dims.iter().map(loc).collect(),
            units: v.units.as_ref().map(loc),
            doc: v.doc.clone(),
            source: v.source.clone(),
        });
    }
    for (flow, stock, inflow) in links {
        // An unknown stock is left out here; loading the file reports it.
        if let Some(SourceVariable {
            kind: SourceKind::Stock {
                inflows, outflows, ..
            },
            ..
        }) = variables.iter_mut().find(|s| s.name.value == stock.value)
        {
            let list = if inflow { inflows } else { outflows };
            if !list.iter().any(|f| f.value == flow) {
                list.push(Located::new(flow, r(&stock.span)));
            }
        }
    }
    if !errors.is_empty() {
        return Err(ModelError::new(errors));
    }
    let s = &raw.settings;
    let lf = |x: &Option<Sp<f64>>| x.as_ref().map(|x| Located::new(x.value, r(&x.span)));
    Ok(SourceModel {
        path: raw.path.clone(),
        text,
        name: raw.name.clone(),
        doc: raw.doc.clone(),
        settings: SourceSettings {
            start: lf(&s.start),
            stop: lf(&s.stop),
            dt: lf(&s.dt),
            save_every: lf(&s.save_every),
            method: s.method.as_ref().map(loc),
            time_units: s.time_units.clone(),
        },
        dimensions: raw
            .dimensions
            .iter()
            .map(|d| SourceDimension {
                name: loc(&d.name),
                elements: d.elements.iter().map(loc).collect(),
                subrange_of: d.subrange_of.as_ref().map(loc),
            })
            .collect(),
        variables,
    })
}
