//! A [`SourceModel`] written as an XMILE 1.0 file ([`to_xmile`]).
//!
//! Stocks, flows and auxiliaries become `<stock>`, `<flow>` and `<aux>` (a constant is an
//! `<aux>` whose equation is a number, as XMILE has no separate kind); a lookup is an `<aux>`
//! holding only a `<gf>` (`<xpts>`/`<ypts>`, `type`), called as `LOOKUP(name, x)`, the form
//! simlin also reads; dimensions `<dim>` with `<elem>`; per-element equations
//! `<element subscript>` (a key naming a subrange is written for each of its elements);
//! equations are printed with XMILE's builtin names (see
//! [`super::expr::export`]). Reading the file back with this crate's importer gives the same
//! equations, hence the same numbers; what XMILE 1.0 cannot say is kept under the equation
//! language's names (functions such as `PULSE TRAIN`), or lost: a constant's plausible range.
//! Subranges are written as dimensions of their own; the importer recognises a dimension
//! whose elements all belong to an earlier one as its subrange.

use super::expr::export;
use crate::convert::canonical;
use pressure_model::build::*;
use pressure_model::{Extrapolation, Interpolation};
use std::fmt::Write;

/// `&`, `<`, `>` and `"` escaped for XML text and attributes.
fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            _ => o.push(c),
        }
    }
    o
}

/// An equation in XMILE syntax (as written when the equation language cannot parse it).
fn xmile_eqn(text: &str) -> String {
    match pressure_model::eqn::parse(text) {
        Ok(ast) => export(&ast),
        Err(_) => canonical(text),
    }
}

fn num(v: f64) -> String {
    pressure_model::eqn::number(v)
}

fn nums(v: &[f64]) -> String {
    v.iter().map(|x| num(*x)).collect::<Vec<_>>().join(",")
}

fn gf_type(t: &SourceTable) -> &'static str {
    match (t.interpolation, t.extrapolation) {
        (Interpolation::Step, _) => "discrete",
        (Interpolation::Linear, Extrapolation::Linear) => "extrapolate",
        (Interpolation::Linear, Extrapolation::Clamp) => "continuous",
    }
}

fn gf(t: &SourceTable, out: &mut String, indent: &str) {
    let _ = writeln!(out, "{indent}<gf type=\"{}\">", gf_type(t));
    let _ = writeln!(out, "{indent}  <xpts>{}</xpts>", nums(&t.x));
    let _ = writeln!(out, "{indent}  <ypts>{}</ypts>", nums(&t.y));
    let _ = writeln!(out, "{indent}</gf>");
}

/// `a,b` (an element key) as XMILE's `subscript="a, b"`.
fn subscript(k: &str) -> String {
    esc(&k.split(',').collect::<Vec<_>>().join(", "))
}

/// Flattens a constant's value into (element key, number) pairs given its dimensions'
/// element lists (row-major, as the equation language orders lists).
fn flatten(v: &SourceValue, keys: &[String], out: &mut Vec<(String, f64)>) {
    match v {
        SourceValue::Num(x, _) => {
            if keys.is_empty() {
                out.push((String::new(), *x));
            } else {
                out.extend(keys.iter().map(|k| (k.clone(), *x)));
            }
        }
        SourceValue::List(..) => {
            let mut flat = Vec::new();
            fn leaves(v: &SourceValue, flat: &mut Vec<f64>) {
                match v {
                    SourceValue::Num(x, _) => flat.push(*x),
                    SourceValue::List(xs, _) => xs.iter().for_each(|x| leaves(x, flat)),
                    SourceValue::Table(xs, _) => xs.iter().for_each(|(_, x)| leaves(x, flat)),
                }
            }
            leaves(v, &mut flat);
            out.extend(keys.iter().cloned().zip(flat));
        }
        SourceValue::Table(xs, _) => {
            for (k, x) in xs {
                if let SourceValue::Num(n, _) = x {
                    out.push((k.value.clone(), *n));
                }
            }
        }
    }
}

/// Writes a [`SourceModel`] as XMILE 1.0 (see the module docs).
pub fn to_xmile(m: &SourceModel) -> String {
    let mut out = String::new();
    out.push_str("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
    out.push_str(
        "<xmile version=\"1.0\" xmlns=\"http://docs.oasis-open.org/xmile/ns/XMILE/v1.0\" \
         xmlns:isee=\"http://iseesystems.com/XMILE\">\n",
    );
    let stem = m
        .path
        .file_stem()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_default();
    let _ = writeln!(
        out,
        "  <header>\n    <name>{}</name>\n    <vendor>Pressure</vendor>\n    <product version=\"{}\" lang=\"en\">Pressure</product>\n  </header>",
        esc(m.name.as_deref().unwrap_or(&stem)),
        env!("CARGO_PKG_VERSION")
    );
    let s = &m.settings;
    let method = s
        .method
        .as_ref()
        .map(|x| x.value.to_ascii_uppercase())
        .map(|x| if x == "EULER" { "Euler".to_string() } else { x })
        .unwrap_or_else(|| "Euler".into());
    let mut attrs = format!("method=\"{}\"", esc(&method));
    if let Some(t) = &s.time_units {
        let _ = write!(attrs, " time_units=\"{}\"", esc(t));
    }
    if let Some(x) = &s.save_every {
        let _ = write!(attrs, " isee:save_interval=\"{}\"", num(x.value));
    }
    let _ = writeln!(out, "  <sim_specs {attrs}>");
    // Absent settings take the equation language's defaults (0, 100, 1), written out so
    // that another tool runs the same span.
    let or = |x: &Option<Located<f64>>, d: f64| x.as_ref().map(|v| v.value).unwrap_or(d);
    let _ = writeln!(out, "    <start>{}</start>", num(or(&s.start, 0.0)));
    let _ = writeln!(out, "    <stop>{}</stop>", num(or(&s.stop, 100.0)));
    let _ = writeln!(out, "    <dt>{}</dt>", num(or(&s.dt, 1.0)));
    out.push_str("  </sim_specs>\n");
    if let Some(d) = &m.doc {
        let _ = writeln!(out, "  <!-- {} -->", esc(d).replace("--", "- -"));
    }
    if !m.dimensions.is_empty() {
        out.push_str("  <dimensions>\n");
        for d in &m.dimensions {
            let _ = writeln!(out, "    <dim name=\"{}\">", esc(&d.name.value));
            for e in &d.elements {
                let _ = writeln!(out, "      <elem name=\"{}\"/>", esc(&e.value));
            }
            out.push_str("    </dim>\n");
        }
        out.push_str("  </dimensions>\n");
    }
    out.push_str("  <model>\n");
    if let Some(d) = &m.doc {
        let _ = writeln!(out, "    <doc>{}</doc>", esc(d));
    }
    out.push_str("    <variables>\n");
    let elements_of = |dims: &[Located<String>]| -> Vec<String> {
        let mut keys = vec![String::new()];
        for d in dims {
            let elems: Vec<String> = m
                .dimensions
                .iter()
                .find(|x| x.name.value == d.value)
                .map(|x| x.elements.iter().map(|e| e.value.clone()).collect())
                .unwrap_or_default();
            keys = keys
                .into_iter()
                .flat_map(|p| {
                    elems.iter().map(move |e| {
                        if p.is_empty() {
                            e.clone()
                        } else {
                            format!("{p},{e}")
                        }
                    })
                })
                .collect();
        }
        keys
    };
    // A per-element key may name a dimension or subrange (`hard`, `a,dim`): XMILE names
    // elements only, so such a key is written once for each element it stands for.
    let expand = |k: &str| -> Vec<String> {
        let mut keys = vec![String::new()];
        for part in k.split(',') {
            let part = part.trim();
            let elems: Vec<String> = match m.dimensions.iter().find(|d| d.name.value == part) {
                Some(d) => d.elements.iter().map(|e| e.value.clone()).collect(),
                None => vec![part.to_string()],
            };
            keys = keys
                .into_iter()
                .flat_map(|p| {
                    elems.iter().map(move |e| {
                        if p.is_empty() {
                            e.clone()
                        } else {
                            format!("{p},{e}")
                        }
                    })
                })
                .collect();
        }
        keys
    };
    for v in &m.variables {
        let tag = match v.kind {
            SourceKind::Stock { .. } => "stock",
            SourceKind::Flow { .. } => "flow",
            // A lookup is an <aux> with a graphical function and no equation: simlin, for
            // one, reads no lone <gf>.
            SourceKind::Aux { .. } | SourceKind::Constant { .. } | SourceKind::Lookup { .. } => {
                "aux"
            }
        };
        let ind = "        ";
        let _ = writeln!(out, "      <{tag} name=\"{}\">", esc(&v.name.value));
        if let Some(d) = &v.doc {
            let _ = writeln!(out, "{ind}<doc>{}</doc>", esc(d));
        }
        if let Some(u) = &v.units {
            let _ = writeln!(out, "{ind}<units>{}</units>", esc(&u.value));
        }
        if !v.dims.is_empty() {
            let _ = writeln!(out, "{ind}<dimensions>");
            for d in &v.dims {
                let _ = writeln!(out, "{ind}  <dim name=\"{}\"/>", esc(&d.value));
            }
            let _ = writeln!(out, "{ind}</dimensions>");
        }
        let eqs = |e: &SourceEquations, out: &mut String| match e {
            SourceEquations::Uniform(x) => {
                let _ = writeln!(out, "{ind}<eqn>{}</eqn>", esc(&xmile_eqn(&x.text)));
            }
            SourceEquations::PerElement(list) => {
                for (k, x) in list {
                    let e = esc(&xmile_eqn(&x.text));
                    for k in expand(&k.value) {
                        let _ = writeln!(
                            out,
                            "{ind}<element subscript=\"{}\"><eqn>{e}</eqn></element>",
                            subscript(&k)
                        );
                    }
                }
            }
        };
        match &v.kind {
            SourceKind::Stock {
                initial,
                inflows,
                outflows,
                non_negative,
            } => {
                eqs(initial, &mut out);
                for f in inflows {
                    let _ = writeln!(out, "{ind}<inflow>{}</inflow>", esc(&f.value));
                }
                for f in outflows {
                    let _ = writeln!(out, "{ind}<outflow>{}</outflow>", esc(&f.value));
                }
                if *non_negative {
                    let _ = writeln!(out, "{ind}<non_negative/>");
                }
            }
            SourceKind::Flow { equation } | SourceKind::Aux { equation } => eqs(equation, &mut out),
            SourceKind::Constant { value, .. } => {
                let keys = if v.dims.is_empty() {
                    vec![]
                } else {
                    elements_of(&v.dims)
                };
                let mut pairs = Vec::new();
                flatten(value, &keys, &mut pairs);
                if v.dims.is_empty() || matches!(value, SourceValue::Num(..)) {
                    let x = pairs.first().map(|p| p.1).unwrap_or(0.0);
                    let _ = writeln!(out, "{ind}<eqn>{}</eqn>", num(x));
                } else {
                    for (k, x) in pairs {
                        for k in expand(&k) {
                            let _ = writeln!(
                                out,
                                "{ind}<element subscript=\"{}\"><eqn>{}</eqn></element>",
                                subscript(&k),
                                num(x)
                            );
                        }
                    }
                }
            }
            SourceKind::Lookup {
                default,
                per_element,
            } => {
                if let Some(t) = default {
                    gf(t, &mut out, ind);
                }
                for (k, t) in per_element {
                    for k in expand(&k.value) {
                        let _ = writeln!(out, "{ind}<element subscript=\"{}\">", subscript(&k));
                        gf(t, &mut out, &format!("{ind}  "));
                        let _ = writeln!(out, "{ind}</element>");
                    }
                }
            }
        }
        let _ = writeln!(out, "      </{tag}>");
    }
    out.push_str("    </variables>\n  </model>\n</xmile>\n");
    out
}
