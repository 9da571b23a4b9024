//! `pressure describe`: the variables of a model with kind, units, doc, source and equation.

use super::model_errors::from_model;
use super::CliError;
use pressure::model::{EquationSet, Model, VarId, VarKind};
use std::path::PathBuf;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum TextOrJson {
    Text,
    Json,
}

/// List a model's variables (kind, dimensions, units, equation or value, doc, source).
#[derive(Debug, clap::Args)]
pub struct DescribeArgs {
    /// The model file: TOML, a Vensim `.mdl` or XMILE (`.xmile`, `.stmx`, `.xml`), read by `pressure_interop`.
    pub model: PathBuf,
    /// text or json.
    #[arg(long, value_enum, default_value_t = TextOrJson::Text)]
    pub format: TextOrJson,
}

/// What `describe` says about one variable.
fn definition(m: &Model, id: VarId) -> String {
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
            let vals: Vec<String> = c
                .values
                .iter()
                .map(|x| pressure::model::eqn::number(*x))
                .collect();
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

pub fn run(args: &DescribeArgs) -> Result<(), CliError> {
    let m = pressure::interop::load(&args.model).map_err(from_model)?;
    let rows: Vec<(VarId, &pressure::model::Variable)> = m.visible_variables().collect();
    let dims = |v: &pressure::model::Variable| -> Vec<String> {
        v.dims.iter().map(|d| m.dim(*d).name.clone()).collect()
    };
    match args.format {
        TextOrJson::Json => {
            let vars: Vec<serde_json::Value> = rows
                .iter()
                .map(|(id, v)| {
                    let mut o = serde_json::json!({
                        "name": v.name,
                        "kind": v.kind.name(),
                        "dims": dims(v),
                        "units": v.units,
                        "definition": definition(&m, *id),
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
            let v = serde_json::json!({
                "model": m.name,
                "doc": m.doc,
                "settings": {"start": s.start, "stop": s.stop, "dt": s.dt, "save_every": s.save_every,
                             "method": s.method.name(), "time_units": s.time_units, "rtol": s.rtol, "atol": s.atol},
                "dimensions": m.dimensions.iter().map(|d| serde_json::json!({"name": d.name, "elements": d.elements})).collect::<Vec<_>>(),
                "modules": m.modules.iter().map(|x| serde_json::json!({"name": x.name, "file": x.file.display().to_string()})).collect::<Vec<_>>(),
                "loops": m.loops.iter().map(|l| serde_json::json!({"name": l.name, "doc": l.doc,
                    "variables": l.variables.iter().map(|v| m.var(*v).name.clone()).collect::<Vec<_>>()})).collect::<Vec<_>>(),
                "variables": vars,
            });
            println!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
        }
        TextOrJson::Text => {
            let s = &m.settings;
            println!("model {}", m.name);
            if let Some(d) = &m.doc {
                println!("  {d}");
            }
            println!(
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
                println!("dimension {} = [{}]", d.name, d.elements.join(", "));
            }
            println!();
            for (id, v) in &rows {
                let dd = dims(v);
                let dims_s = if dd.is_empty() {
                    String::new()
                } else {
                    format!("[{}]", dd.join(", "))
                };
                println!(
                    "{}{dims_s}  ({}{})",
                    v.name,
                    v.kind.name(),
                    v.units
                        .as_ref()
                        .map(|u| format!(", {u}"))
                        .unwrap_or_default()
                );
                let def = definition(&m, *id);
                if !def.is_empty() {
                    println!("    = {def}");
                }
                if let VarKind::Constant(c) = &v.kind {
                    if let Some((a, b)) = c.range {
                        println!("    range [{a}, {b}]");
                    }
                }
                if let Some(d) = &v.doc {
                    println!("    {d}");
                }
                if let Some(src) = &v.source {
                    println!("    source: {src}");
                }
            }
        }
    }
    Ok(())
}
