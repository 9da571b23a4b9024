//! What `pressure describe` says about a model: its settings, dimensions, modules, declared
//! loops and every visible variable with kind, dimensions, units, definition, doc and source,
//! as text ([`describe_text`]) or JSON ([`describe_json`]).
//!
//! ```
//! # let dir = tempfile::tempdir().unwrap();
//! # let path = dir.path().join("m.toml");
//! std::fs::write(&path, r#"
//! [stocks.tea]
//! initial = "80"
//! outflows = ["cooling"]
//! [flows.cooling]
//! equation = "(tea - room) / 10"
//! [constants.room]
//! value = 20
//! "#).unwrap();
//! let m = pressure_model::load(&path).unwrap();
//! let text = pressure_model::describe::describe_text(&m);
//! assert!(text.contains("\n    = INTEG(-cooling, 80)\n"), "{text}");
//! let json = pressure_model::describe::describe_json(&m);
//! let vars = json["variables"].as_array().unwrap();
//! let tea = vars.iter().find(|v| v["name"] == "tea").unwrap();
//! assert_eq!(tea["definition"], "INTEG(-cooling, 80)");
//! ```

use crate::{EquationSet, Model, VarId, VarKind, Variable};

/// What `describe` says about one variable.
pub fn definition(m: &Model, id: VarId) -> String {
    let v = m.var(id);
    let eqs = |e: &EquationSet| -> String {
        match e {
            EquationSet::Uniform(q) => q.text.clone(),
            EquationSet::PerElement(list) => {
                let names = m.element_names(id);
                list.iter()
                    .zip(names)
                    .map(|(q, n)| format!("{n}: {}", q.text))
                    .collect::<Vec<_>>()
                    .join("; ")
            }
        }
    };
    match &v.kind {
        VarKind::Stock(s) => {
            let name = |f: &VarId| m.var(*f).name.clone();
            let mut rate = s.inflows.iter().map(name).collect::<Vec<_>>().join(" + ");
            for o in &s.outflows {
                rate = if rate.is_empty() {
                    format!("-{}", name(o))
                } else {
                    format!("{rate} - {}", name(o))
                };
            }
            if rate.is_empty() {
                rate = "0".into();
            }
            format!("INTEG({rate}, {})", eqs(&s.initial))
        }
        VarKind::Flow(e) | VarKind::Aux(e) | VarKind::Initial(e) => eqs(e),
        VarKind::Constant(c) => {
            let vals: Vec<String> = c.values.iter().map(|x| crate::eqn::number(*x)).collect();
            if vals.len() == 1 {
                vals[0].clone()
            } else {
                format!("[{}]", vals.join(", "))
            }
        }
        VarKind::Lookup(t) => format!("lookup with {} points", t[0].x.len()),
        VarKind::Exogenous(s) => {
            format!("series from {} ({} points)", s[0].origin, s[0].time.len())
        }
        VarKind::DelayFixed(_) | VarKind::Random(_) => String::new(),
    }
}

fn dims(m: &Model, v: &Variable) -> Vec<String> {
    v.dims.iter().map(|d| m.dim(*d).name.clone()).collect()
}

/// The model as a JSON document: name, doc, settings, dimensions, modules, declared loops and
/// the visible variables (name, kind, dims, units, definition, doc, source, module and, for
/// constants, range).
pub fn describe_json(m: &Model) -> serde_json::Value {
    let vars: Vec<serde_json::Value> = m
        .visible_variables()
        .map(|(id, v)| {
            let mut o = serde_json::json!({
                "name": v.name,
                "kind": v.kind.name(),
                "dims": dims(m, v),
                "units": v.units,
                "definition": definition(m, id),
                "doc": v.doc,
                "source": v.source,
                "module": v.module.map(|x| m.modules[x.0 as usize].name.clone()),
            });
            if let VarKind::Constant(c) = &v.kind {
                o["range"] = serde_json::json!(c.range.map(|(a, b)| [a, b]));
            }
            o
        })
        .collect();
    let s = &m.settings;
    serde_json::json!({
        "model": m.name,
        "doc": m.doc,
        "settings": {"start": s.start, "stop": s.stop, "dt": s.dt, "save_every": s.save_every,
                     "method": s.method.name(), "time_units": s.time_units, "rtol": s.rtol, "atol": s.atol},
        "dimensions": m.dimensions.iter().map(|d| serde_json::json!({"name": d.name, "elements": d.elements})).collect::<Vec<_>>(),
        "modules": m.modules.iter().map(|x| serde_json::json!({"name": x.name, "file": x.file.display().to_string()})).collect::<Vec<_>>(),
        "loops": m.loops.iter().map(|l| serde_json::json!({"name": l.name, "doc": l.doc,
            "variables": l.variables.iter().map(|v| m.var(*v).name.clone()).collect::<Vec<_>>()})).collect::<Vec<_>>(),
        "variables": vars,
    })
}

/// The model as text: a header (name, doc, settings, dimensions), a blank line, then each
/// visible variable with its kind and units and, indented, its definition, range, doc and
/// source. Every line ends with a newline.
pub fn describe_text(m: &Model) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    let s = &m.settings;
    let _ = writeln!(out, "model {}", m.name);
    if let Some(d) = &m.doc {
        let _ = writeln!(out, "  {d}");
    }
    let _ = writeln!(
        out,
        "settings: start {} stop {} dt {} save_every {} method {}{}",
        s.start,
        s.stop,
        s.dt,
        s.save_every,
        s.method.name(),
        s.time_units
            .as_ref()
            .map(|u| format!(" time units {u}"))
            .unwrap_or_default()
    );
    for d in &m.dimensions {
        let _ = writeln!(out, "dimension {} = [{}]", d.name, d.elements.join(", "));
    }
    out.push('\n');
    for (id, v) in m.visible_variables() {
        let dd = dims(m, v);
        let dims_s = if dd.is_empty() {
            String::new()
        } else {
            format!("[{}]", dd.join(", "))
        };
        let _ = writeln!(
            out,
            "{}{dims_s}  ({}{})",
            v.name,
            v.kind.name(),
            v.units
                .as_ref()
                .map(|u| format!(", {u}"))
                .unwrap_or_default()
        );
        let def = definition(m, id);
        if !def.is_empty() {
            let _ = writeln!(out, "    = {def}");
        }
        if let VarKind::Constant(c) = &v.kind {
            if let Some((a, b)) = c.range {
                let _ = writeln!(out, "    range [{a}, {b}]");
            }
        }
        if let Some(d) = &v.doc {
            let _ = writeln!(out, "    {d}");
        }
        if let Some(src) = &v.source {
            let _ = writeln!(out, "    source: {src}");
        }
    }
    out
}
