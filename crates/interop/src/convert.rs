//! An imported model written out again: as Pressure's TOML ([`to_toml`]), the readable kind a
//! person would write, or as XMILE ([`crate::xmile::write::to_xmile`]).
//!
//! Both start from the [`SourceModel`] an importer read ([`read_source`]), before validation
//! lowers anything, so what is written is what the file said: one table per variable with its
//! equation in the equation language (printed canonically: one space around operators, no
//! redundant parentheses), units, doc and a `source` naming the original file and line.
//! Reading the written file gives the same equations, hence the same numbers, bit for bit
//! (the round-trip tests run every file of the SDXorg suite that imports).
//!
//! ```
//! let dir = tempfile::tempdir().unwrap();
//! let mdl = dir.path().join("decay.mdl");
//! std::fs::write(&mdl, "Stock = INTEG(-Outflow, 100) ~ Widgets ~ What is left. |
//! Outflow = Stock / Residence Time ~ Widgets/Month ~|
//! Residence Time = 4 ~ Month [1,10] ~|
//! INITIAL TIME = 0 ~~| FINAL TIME = 8 ~~| TIME STEP = 1 ~ Month ~| SAVEPER = TIME STEP ~~|
//! ").unwrap();
//! let source = pressure_interop::read_source(&mdl).unwrap();
//! let toml = pressure_interop::to_toml(&source);
//! assert!(toml.contains("[stocks.Stock]\ninitial = \"100\"\noutflows = [\"Outflow\"]"));
//! assert!(toml.contains("[constants.Residence_Time]\nvalue = 4.0\nrange = [1.0, 10.0]"));
//! // The TOML loads as an ordinary Pressure model with the same variables.
//! let path = dir.path().join("decay.toml");
//! std::fs::write(&path, &toml).unwrap();
//! let model = pressure_model::load(&path).unwrap();
//! assert_eq!(model.var(model.var_id("Outflow").unwrap()).kind.name(), "flow");
//! ```

use crate::Format;
use pressure_model::build::*;
use pressure_model::{Extrapolation, Interpolation, ModelError};
use std::fmt::Write;
use std::path::Path;

/// Reads a model file into a [`SourceModel`]: what the Vensim or XMILE importer builds, or a
/// Pressure TOML file's variables ([`pressure_model::build::read_toml_source`], which refuses
/// modules, exogenous series and CSV constants). Not validated:
/// [`pressure_model::build::load_source`] validates it.
pub fn read_source(path: &Path) -> Result<SourceModel, ModelError> {
    match Format::of(path) {
        Format::Vensim => crate::mdl::read(path),
        Format::Xmile => crate::xmile::read(path),
        Format::Toml => pressure_model::build::read_toml_source(path),
    }
}

/// What [`convert`] writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// Pressure's TOML model format ([`to_toml`]).
    Toml,
    /// XMILE 1.0 ([`crate::to_xmile`]).
    Xmile,
}

/// Reads a model (Vensim, XMILE or Pressure TOML), checks that it is a valid model ([`crate::load`],
/// errors at the original file's line and column), and returns its text in the target format.
/// Nothing is returned for an invalid model, so nothing half-converted is written.
pub fn convert(path: &Path, target: Target) -> Result<String, ModelError> {
    crate::load(path)?;
    let source = read_source(path)?;
    Ok(match target {
        Target::Toml => to_toml(&source),
        Target::Xmile => crate::to_xmile(&source),
    })
}

/// A TOML string (quoted and escaped).
pub(crate) fn quote(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

/// A TOML key: bare when it can be, quoted otherwise.
fn key(s: &str) -> String {
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        s.to_string()
    } else {
        quote(s)
    }
}

/// A float that reads back as exactly the same `f64`.
fn float(v: f64) -> String {
    if v.is_nan() {
        "nan".into()
    } else if v.is_infinite() {
        if v > 0.0 { "inf" } else { "-inf" }.into()
    } else {
        format!("{v:?}")
    }
}

fn floats(v: &[f64]) -> String {
    let parts: Vec<String> = v.iter().map(|x| float(*x)).collect();
    format!("[{}]", parts.join(", "))
}

/// An equation printed canonically (see the module docs); its text as written when the
/// equation language cannot parse it (the error then shows when the TOML is loaded).
pub(crate) fn canonical(text: &str) -> String {
    match pressure_model::eqn::parse(text) {
        Ok(ast) => pressure_model::eqn::print(&ast),
        Err(_) => text.split_whitespace().collect::<Vec<_>>().join(" "),
    }
}

fn value(v: &SourceValue) -> String {
    match v {
        SourceValue::Num(x, _) => float(*x),
        SourceValue::List(xs, _) => {
            let parts: Vec<String> = xs.iter().map(value).collect();
            format!("[{}]", parts.join(", "))
        }
        SourceValue::Table(xs, _) => {
            let parts: Vec<String> = xs
                .iter()
                .map(|(k, x)| format!("{} = {}", key(&k.value), value(x)))
                .collect();
            format!("{{ {} }}", parts.join(", "))
        }
    }
}

fn equations(e: &SourceEquations) -> (&'static str, String) {
    match e {
        SourceEquations::Uniform(x) => ("", quote(&canonical(&x.text))),
        SourceEquations::PerElement(list) => {
            let parts: Vec<String> = list
                .iter()
                .map(|(k, x)| format!("{} = {}", key(&k.value), quote(&canonical(&x.text))))
                .collect();
            ("s", format!("{{ {} }}", parts.join(", ")))
        }
    }
}

fn table_body(t: &SourceTable, out: &mut String) {
    let _ = writeln!(out, "x = {}", floats(&t.x));
    let _ = writeln!(out, "y = {}", floats(&t.y));
    if t.interpolation == Interpolation::Step {
        out.push_str("interpolation = \"step\"\n");
    }
    if t.extrapolation == Extrapolation::Linear {
        out.push_str("extrapolation = \"linear\"\n");
    }
}

fn inline_table(t: &SourceTable) -> String {
    let mut parts = vec![
        format!("x = {}", floats(&t.x)),
        format!("y = {}", floats(&t.y)),
    ];
    if t.interpolation == Interpolation::Step {
        parts.push("interpolation = \"step\"".into());
    }
    if t.extrapolation == Extrapolation::Linear {
        parts.push("extrapolation = \"linear\"".into());
    }
    format!("{{ {} }}", parts.join(", "))
}

/// 1-based line of a byte offset.
fn line_of(text: &str, at: usize) -> usize {
    text.as_bytes()[..at.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// Writes a [`SourceModel`] as a Pressure TOML model file: `[model]`, `[settings]`,
/// `[dimensions]`, then one table per variable, stocks first, then flows, auxiliaries,
/// constants and lookups, each in the order of the original file, with `dims`, `units`, `doc`
/// and a `source` naming the file and line it came from.
pub fn to_toml(m: &SourceModel) -> String {
    let file = m
        .path
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# Converted from {file} by `pressure convert` (Pressure's model format: \
         docs/model-format.md).\n"
    );
    let stem = m
        .path
        .file_stem()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_default();
    out.push_str("[model]\n");
    let _ = writeln!(out, "name = {}", quote(m.name.as_deref().unwrap_or(&stem)));
    if let Some(d) = &m.doc {
        let _ = writeln!(out, "doc = {}", quote(d));
    }
    let s = &m.settings;
    out.push_str("\n[settings]\n");
    for (k, v) in [
        ("start", &s.start),
        ("stop", &s.stop),
        ("dt", &s.dt),
        ("save_every", &s.save_every),
    ] {
        if let Some(v) = v {
            let _ = writeln!(out, "{k} = {}", float(v.value));
        }
    }
    if let Some(x) = &s.method {
        let _ = writeln!(out, "method = {}", quote(&x.value));
    }
    if let Some(x) = &s.time_units {
        let _ = writeln!(out, "time_units = {}", quote(x));
    }
    if !m.dimensions.is_empty() {
        out.push_str("\n[dimensions]\n");
        for d in &m.dimensions {
            let elements: Vec<String> = d.elements.iter().map(|e| quote(&e.value)).collect();
            let list = format!("[{}]", elements.join(", "));
            match &d.subrange_of {
                None => {
                    let _ = writeln!(out, "{} = {list}", key(&d.name.value));
                }
                Some(p) => {
                    let _ = writeln!(
                        out,
                        "{} = {{ subrange_of = {}, elements = {list} }}",
                        key(&d.name.value),
                        quote(&p.value)
                    );
                }
            }
        }
    }
    let section = |v: &SourceVariable| match v.kind {
        SourceKind::Stock { .. } => 0,
        SourceKind::Flow { .. } => 1,
        SourceKind::Aux { .. } => 2,
        SourceKind::Constant { .. } => 3,
        SourceKind::Lookup { .. } => 4,
    };
    for group in 0..5 {
        for v in m.variables.iter().filter(|v| section(v) == group) {
            let table = ["stocks", "flows", "aux", "constants", "lookups"][group];
            let _ = writeln!(out, "\n[{table}.{}]", key(&v.name.value));
            match &v.kind {
                SourceKind::Stock {
                    initial,
                    inflows,
                    outflows,
                    non_negative,
                } => {
                    let (_, e) = equations(initial);
                    let _ = writeln!(out, "initial = {e}");
                    let names = |l: &[Located<String>]| {
                        let q: Vec<String> = l.iter().map(|x| quote(&x.value)).collect();
                        format!("[{}]", q.join(", "))
                    };
                    if !inflows.is_empty() {
                        let _ = writeln!(out, "inflows = {}", names(inflows));
                    }
                    if !outflows.is_empty() {
                        let _ = writeln!(out, "outflows = {}", names(outflows));
                    }
                    if *non_negative {
                        out.push_str("non_negative = true\n");
                    }
                }
                SourceKind::Flow { equation } | SourceKind::Aux { equation } => {
                    let (plural, e) = equations(equation);
                    let _ = writeln!(out, "equation{plural} = {e}");
                }
                SourceKind::Constant { value: x, range } => {
                    let _ = writeln!(out, "value = {}", value(x));
                    if let Some((lo, hi)) = range {
                        let _ = writeln!(out, "range = [{}, {}]", float(*lo), float(*hi));
                    }
                }
                SourceKind::Lookup {
                    default,
                    per_element,
                } => {
                    if let Some(t) = default {
                        table_body(t, &mut out);
                    }
                    if !per_element.is_empty() {
                        let parts: Vec<String> = per_element
                            .iter()
                            .map(|(k, t)| format!("{} = {}", key(&k.value), inline_table(t)))
                            .collect();
                        let _ = writeln!(out, "tables = {{ {} }}", parts.join(", "));
                    }
                }
            }
            if !v.dims.is_empty() {
                let d: Vec<String> = v.dims.iter().map(|x| quote(&x.value)).collect();
                let _ = writeln!(out, "dims = [{}]", d.join(", "));
            }
            if let Some(u) = &v.units {
                let _ = writeln!(out, "units = {}", quote(&u.value));
            }
            if let Some(d) = &v.doc {
                let _ = writeln!(out, "doc = {}", quote(d));
            }
            let src = match &v.source {
                Some(s) => s.clone(),
                None => format!("{file}, line {}", line_of(&m.text, v.name.at.start)),
            };
            let _ = writeln!(out, "source = {}", quote(&src));
        }
    }
    out
}
