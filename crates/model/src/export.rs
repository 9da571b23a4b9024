//! The stock-and-flow structure of a model as a graph for viewers: Graphviz DOT or JSON.
//!
//! Nodes are the variables of the model files (hidden variables of SMOOTH, DELAY ... are
//! folded into the variable whose equation holds the call): stocks, flows, auxiliaries,
//! constants (parameters), lookups and exogenous series, each with its units, dimensions and
//! module. Edges say "`from` influences `to`":
//!
//! * `inflow` / `outflow`: a flow filling or draining a stock (polarity `+` / `-`);
//! * `info`: `to`'s equation mentions `from` (a lookup table included);
//! * `initial`: only a stock's initial value mentions `from`.
//!
//! The polarity of an `info` edge is the sign of its gain when one is given (the engine's
//! numerical link gains, see `pressure_sim::link_gains`); through a SMOOTH or DELAY it is the
//! sign of the whole path through the hidden variables. Module instances are DOT clusters
//! (nested for nested modules) and a `modules` list in JSON; module inputs and outputs are
//! marked.

use crate::ir::*;
use crate::loops::{CausalGraph, GainSource, Sign};
use std::collections::{BTreeMap, HashSet};
use std::fmt::Write;

/// What an edge stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EdgeKind {
    /// A flow filling a stock (polarity +).
    Inflow,
    /// A flow draining a stock (polarity −).
    Outflow,
    /// An equation reads the variable.
    Info,
    /// A stock's initial value reads the variable (no effect after the start).
    Initial,
}

impl EdgeKind {
    /// `inflow`, `outflow`, `info` or `initial`, as written in DOT and JSON.
    pub fn name(self) -> &'static str {
        match self {
            EdgeKind::Inflow => "inflow",
            EdgeKind::Outflow => "outflow",
            EdgeKind::Info => "info",
            EdgeKind::Initial => "initial",
        }
    }
}

/// A node: one variable of a model file.
#[derive(Debug, Clone)]
pub struct Node {
    /// The variable in the loaded model.
    pub var: VarId,
    /// Full (dotted) name.
    pub name: String,
    /// `stock`, `flow`, `aux`, `constant`, `lookup`, `exogenous`.
    pub kind: &'static str,
    /// The declared units, as written.
    pub units: Option<String>,
    /// Dimension names.
    pub dims: Vec<String>,
    /// The module instance (full dotted name) the variable belongs to.
    pub module: Option<String>,
    /// `input` or `output` when the variable is on a module's interface.
    pub interface: Option<&'static str>,
    /// The variable's `doc` text.
    pub doc: Option<String>,
}

/// An edge: `from` influences `to`.
#[derive(Debug, Clone)]
pub struct Edge {
    /// The influencing variable.
    pub from: VarId,
    /// The influenced variable.
    pub to: VarId,
    /// What the influence is.
    pub kind: EdgeKind,
    /// Known polarity (`None` where it has no meaning: lookup tables, initial values).
    pub polarity: Option<Sign>,
}

/// A module instance.
#[derive(Debug, Clone)]
pub struct Module {
    /// Full (dotted) instance name.
    pub name: String,
    /// The module file it was loaded from.
    pub file: String,
    /// The enclosing instance (`None` at the top level).
    pub parent: Option<String>,
}

/// The graph of a model.
///
/// ```
/// # let dir = tempfile::tempdir().unwrap();
/// # let path = dir.path().join("m.toml");
/// std::fs::write(&path, r#"
/// [stocks.tea]
/// initial = "80"
/// outflows = ["cooling"]
/// units = "degC"
/// [flows.cooling]
/// equation = "(tea - room) / 10"
/// [constants.room]
/// value = 20
/// "#).unwrap();
/// let model = pressure_model::load(&path).unwrap();
/// let g = pressure_model::export::Graph::new(&model, None);
/// let dot = g.to_dot();
/// assert!(dot.contains("\"cooling\" -> \"tea\""));
/// assert!(g.to_json().contains("\"kind\": \"outflow\", \"polarity\": \"-\""));
/// ```
#[derive(Debug, Clone)]
pub struct Graph {
    /// The model's name.
    pub model: String,
    /// One node per variable of the model file.
    pub nodes: Vec<Node>,
    /// The influences between them.
    pub edges: Vec<Edge>,
    /// The module instances, outermost first.
    pub modules: Vec<Module>,
}

impl Graph {
    /// The graph of `model`; link polarities from `gains` where given (otherwise only the
    /// structural ones: inflows `+`, outflows `-`).
    pub fn new(model: &Model, gains: Option<&dyn GainSource>) -> Graph {
        let causal = CausalGraph::new(model);
        let mut interface: BTreeMap<VarId, &'static str> = BTreeMap::new();
        for m in &model.modules {
            for v in &m.inputs {
                interface.insert(*v, "input");
            }
            for v in &m.outputs {
                interface.insert(*v, "output");
            }
        }
        let mut nodes = Vec::new();
        for (id, v) in model.visible_variables() {
            let kind = match v.kind {
                VarKind::Stock(_) => "stock",
                VarKind::Flow(_) => "flow",
                VarKind::Aux(_) => "aux",
                VarKind::Constant(_) => "constant",
                VarKind::Lookup(_) => "lookup",
                VarKind::Exogenous(_) => "exogenous",
                _ => continue,
            };
            nodes.push(Node {
                var: id,
                name: v.name.clone(),
                kind,
                units: v.units.clone(),
                dims: v.dims.iter().map(|d| model.dim(*d).name.clone()).collect(),
                module: v.module.map(|m| model.modules[m.0 as usize].name.clone()),
                interface: interface.get(&id).copied(),
                doc: v.doc.clone(),
            });
        }
        let mut edges = Vec::new();
        for node in &nodes {
            let to = node.var;
            match &model.var(to).kind {
                VarKind::Stock(s) => {
                    for (flows, kind) in [
                        (&s.inflows, EdgeKind::Inflow),
                        (&s.outflows, EdgeKind::Outflow),
                    ] {
                        for f in flows {
                            let sign = if kind == EdgeKind::Inflow {
                                Sign::Positive
                            } else {
                                Sign::Negative
                            };
                            edges.push(Edge {
                                from: *f,
                                to,
                                kind,
                                polarity: Some(sign),
                            });
                        }
                    }
                    let mut refs = Vec::new();
                    for e in s.initial.equations() {
                        e.expr.visit_written_refs(&mut |v| refs.push(v));
                    }
                    refs.sort();
                    refs.dedup();
                    for from in refs {
                        edges.push(Edge {
                            from,
                            to,
                            kind: EdgeKind::Initial,
                            polarity: None,
                        });
                    }
                }
                VarKind::Flow(eqs) | VarKind::Aux(eqs) => {
                    let mut refs = Vec::new();
                    for e in eqs.equations() {
                        e.expr.visit_written_refs(&mut |v| refs.push(v));
                    }
                    refs.sort();
                    refs.dedup();
                    for from in refs {
                        let polarity = match model.var(from).kind {
                            VarKind::Lookup(_) => None,
                            _ => gains.map(|g| path_sign(model, &causal, from, to, g)),
                        };
                        edges.push(Edge {
                            from,
                            to,
                            kind: EdgeKind::Info,
                            polarity,
                        });
                    }
                }
                _ => {}
            }
        }
        let modules = model
            .modules
            .iter()
            .map(|m| Module {
                name: m.name.clone(),
                file: m.file.display().to_string(),
                parent: m.parent.map(|p| model.modules[p.0 as usize].name.clone()),
            })
            .collect();
        Graph {
            model: model.name.clone(),
            nodes,
            edges,
            modules,
        }
    }

    fn node_name(&self, v: VarId) -> &str {
        self.nodes
            .iter()
            .find(|n| n.var == v)
            .map(|n| n.name.as_str())
            .unwrap_or("?")
    }

    /// Graphviz DOT: stocks as boxes, flows as diamonds, auxiliaries as ellipses, constants as
    /// plain text, lookups as hexagons, exogenous series as parallelograms; flow edges bold,
    /// initial-value edges dashed; polarity as the edge label; module instances as clusters.
    pub fn to_dot(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "digraph {} {{", quote(&self.model));
        out.push_str("  rankdir=LR;\n  node [fontname=\"Helvetica\", fontsize=11];\n  edge [fontname=\"Helvetica\", fontsize=10];\n");
        // Nodes by module, clusters nested as the module tree.
        let mut by_module: BTreeMap<Option<String>, Vec<&Node>> = BTreeMap::new();
        for n in &self.nodes {
            by_module.entry(n.module.clone()).or_default().push(n);
        }
        for n in by_module.get(&None).into_iter().flatten() {
            self.dot_node(&mut out, n, 1);
        }
        for m in self.modules.iter().filter(|m| m.parent.is_none()) {
            self.dot_cluster(&mut out, m, &by_module, 1);
        }
        for e in &self.edges {
            let mut attrs = vec![format!("class={}", quote(e.kind.name()))];
            match e.kind {
                EdgeKind::Inflow | EdgeKind::Outflow => attrs.push("penwidth=2.5".into()),
                EdgeKind::Initial => attrs.push("style=dashed".into()),
                EdgeKind::Info => {}
            }
            if let Some(p) = e.polarity {
                attrs.push(format!("label={}", quote(p.symbol())));
            }
            let _ = writeln!(
                out,
                "  {} -> {} [{}];",
                quote(self.node_name(e.from)),
                quote(self.node_name(e.to)),
                attrs.join(", ")
            );
        }
        out.push_str("}\n");
        out
    }

    fn dot_cluster(
        &self,
        out: &mut String,
        m: &Module,
        by_module: &BTreeMap<Option<String>, Vec<&Node>>,
        depth: usize,
    ) {
        let pad = "  ".repeat(depth);
        let file = std::path::Path::new(&m.file)
            .file_name()
            .map(|f| f.to_string_lossy().into_owned())
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "{pad}subgraph {} {{",
            quote(&format!("cluster_{}", m.name))
        );
        let _ = writeln!(
            out,
            "{pad}  label={};",
            quote(&format!("{} ({file})", m.name))
        );
        let _ = writeln!(out, "{pad}  style=rounded;");
        for n in by_module.get(&Some(m.name.clone())).into_iter().flatten() {
            self.dot_node(out, n, depth + 1);
        }
        for child in self
            .modules
            .iter()
            .filter(|c| c.parent.as_deref() == Some(m.name.as_str()))
        {
            self.dot_cluster(out, child, by_module, depth + 1);
        }
        let _ = writeln!(out, "{pad}}}");
    }

    fn dot_node(&self, out: &mut String, n: &Node, depth: usize) {
        let shape = match n.kind {
            "stock" => "box",
            "flow" => "diamond",
            "constant" => "plaintext",
            "lookup" => "hexagon",
            "exogenous" => "parallelogram",
            _ => "ellipse",
        };
        let mut label = n.name.clone();
        if !n.dims.is_empty() {
            label = format!("{label}[{}]", n.dims.join(","));
        }
        if let Some(u) = &n.units {
            label = format!("{label}\n({u})");
        }
        let mut attrs = vec![
            format!("shape={shape}"),
            format!("label={}", quote(&label)),
            format!("class={}", quote(n.kind)),
        ];
        if let Some(i) = n.interface {
            attrs.push("peripheries=2".into());
            attrs.push(format!("tooltip={}", quote(&format!("module {i}"))));
        }
        let _ = writeln!(
            out,
            "{}{} [{}];",
            "  ".repeat(depth),
            quote(&n.name),
            attrs.join(", ")
        );
    }

    /// JSON with `nodes`, `edges` and `modules` (one object per line inside each list, so a
    /// diff stays readable).
    pub fn to_json(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "{{\n  \"model\": {},", json_str(&self.model));
        out.push_str("  \"nodes\": [\n");
        let nodes: Vec<String> = self
            .nodes
            .iter()
            .map(|n| {
                format!(
                    "    {{\"id\": {}, \"kind\": {}, \"units\": {}, \"dims\": [{}], \"module\": {}, \"interface\": {}, \"doc\": {}}}",
                    json_str(&n.name),
                    json_str(n.kind),
                    json_opt(n.units.as_deref()),
                    n.dims.iter().map(|d| json_str(d)).collect::<Vec<_>>().join(", "),
                    json_opt(n.module.as_deref()),
                    json_opt(n.interface),
                    json_opt(n.doc.as_deref()),
                )
            })
            .collect();
        out.push_str(&nodes.join(",\n"));
        out.push_str("\n  ],\n  \"edges\": [\n");
        let edges: Vec<String> = self
            .edges
            .iter()
            .map(|e| {
                format!(
                    "    {{\"from\": {}, \"to\": {}, \"kind\": {}, \"polarity\": {}}}",
                    json_str(self.node_name(e.from)),
                    json_str(self.node_name(e.to)),
                    json_str(e.kind.name()),
                    json_opt(e.polarity.map(|p| p.symbol())),
                )
            })
            .collect();
        out.push_str(&edges.join(",\n"));
        out.push_str("\n  ],\n  \"modules\": [\n");
        let modules: Vec<String> = self
            .modules
            .iter()
            .map(|m| {
                format!(
                    "    {{\"name\": {}, \"file\": {}, \"parent\": {}}}",
                    json_str(&m.name),
                    json_str(&m.file),
                    json_opt(m.parent.as_deref())
                )
            })
            .collect();
        out.push_str(&modules.join(",\n"));
        out.push_str("\n  ]\n}\n");
        out
    }
}

/// The sign of `from`'s influence on `to`: the direct link, and every path through the hidden
/// variables of `to` (a SMOOTH or DELAY in its equation), multiplied along each path.
fn path_sign(
    model: &Model,
    causal: &CausalGraph,
    from: VarId,
    to: VarId,
    gains: &dyn GainSource,
) -> Sign {
    let inside = |v: VarId| model.var(v).hidden.as_ref().is_some_and(|h| h.owner == to);
    let mut signs = Vec::new();
    // Depth-first over simple paths from `from` to `to` through hidden variables of `to`.
    let mut stack: Vec<(VarId, Sign, Vec<VarId>)> = vec![(from, Sign::Positive, vec![from])];
    let mut budget = 10_000;
    while let Some((v, acc, path)) = stack.pop() {
        budget -= 1;
        if budget == 0 {
            return Sign::Unknown;
        }
        for w in causal.successors(v) {
            if (w != to && !inside(w)) || path.contains(&w) {
                continue;
            }
            let link = Sign::combine(causal.links_between(v, w).map(|l| gains.sign(l)));
            let s = acc.times(link);
            if w == to {
                signs.push(s);
            } else {
                let mut p = path.clone();
                p.push(w);
                stack.push((w, s, p));
            }
        }
    }
    if signs.is_empty() {
        // Only a run-constant use (INITIAL(x), a DELAY FIXED time ...): no dynamic influence.
        return Sign::Unknown;
    }
    let distinct: HashSet<Sign> = signs.iter().copied().collect();
    if distinct.len() == 1 {
        signs[0]
    } else {
        Sign::combine(signs)
    }
}

/// A DOT identifier: always quoted, with `"` and `\` escaped.
fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            _ => out.push(c),
        }
    }
    out.push('"');
    out
}

fn json_str(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            _ => out.push(c),
        }
    }
    out.push('"');
    out
}

fn json_opt(s: Option<&str>) -> String {
    s.map(json_str).unwrap_or_else(|| "null".into())
}
