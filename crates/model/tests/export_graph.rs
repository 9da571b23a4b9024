//! Graph export: the DOT output is structurally valid (balanced braces, every edge between
//! declared nodes, clusters for modules) and the JSON holds exactly the expected nodes and
//! edges of a small model, with polarities where known.

use pressure_model::export::Graph;
use pressure_model::loops::{Link, LinkKind, Sign};
use std::collections::{BTreeSet, HashSet};
use std::path::Path;

fn load_in(dir: &Path, files: &[(&str, &str)]) -> pressure_model::Model {
    for (n, t) in files {
        std::fs::write(dir.join(n), t).unwrap();
    }
    pressure_model::load(&dir.join(files[0].0)).unwrap_or_else(|e| panic!("{e}"))
}

const MODEL: &str = r#"
[model]
name = "inventory \"demo\""
[settings]
stop = 10
dt = 0.25
[stocks.inventory]
initial = "start_level"
inflows = ["production"]
outflows = ["shipments"]
units = "widget"
[flows.production]
equation = "(target - perceived) / 2"
units = "widget/week"
[flows.shipments]
equation = "demand_effect(inventory / target) * orders"
[aux.perceived]
equation = "SMOOTH(inventory, 3)"
doc = "what managers believe"
[constants.target]
value = 120
[constants.start_level]
value = 100
[lookups.demand_effect]
points = [[0, 0], [1, 1], [2, 1]]
[exogenous.orders]
points = [[0, 10], [10, 12]]
"#;

/// Tokens of a DOT text: quoted strings (kept with quotes), punctuation, words.
fn tokens(dot: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut chars = dot.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => {
                let mut s = String::from('"');
                let mut escaped = false;
                for d in chars.by_ref() {
                    s.push(d);
                    if escaped {
                        escaped = false;
                    } else if d == '\\' {
                        escaped = true;
                    } else if d == '"' {
                        break;
                    }
                }
                assert!(s.len() >= 2 && s.ends_with('"'), "unterminated string");
                out.push(s);
            }
            '{' | '}' | '[' | ']' | ';' | ',' | '=' => out.push(c.to_string()),
            '-' if chars.peek() == Some(&'>') => {
                chars.next();
                out.push("->".into());
            }
            c if c.is_whitespace() => {}
            _ => {
                let mut w = c.to_string();
                while let Some(&d) = chars.peek() {
                    if d.is_alphanumeric() || d == '_' || d == '.' {
                        w.push(d);
                        chars.next();
                    } else {
                        break;
                    }
                }
                out.push(w);
            }
        }
    }
    out
}

/// Checks the DOT structure; returns (declared nodes, edges, cluster names).
fn check_dot(dot: &str) -> (HashSet<String>, Vec<(String, String)>, Vec<String>) {
    let t = tokens(dot);
    assert_eq!(t[0], "digraph");
    let mut depth = 0i32;
    let mut brackets = 0i32;
    for x in &t {
        match x.as_str() {
            "{" => depth += 1,
            "}" => {
                depth -= 1;
                assert!(depth >= 0, "unbalanced braces");
            }
            "[" => brackets += 1,
            "]" => brackets -= 1,
            _ => {}
        }
        assert!((0..=1).contains(&brackets), "unbalanced brackets");
    }
    assert_eq!(depth, 0, "unbalanced braces");
    assert_eq!(t.last().unwrap(), "}");
    let mut nodes = HashSet::new();
    let mut edges = Vec::new();
    let mut clusters = Vec::new();
    for i in 0..t.len() {
        if t[i] == "subgraph" {
            clusters.push(t[i + 1].clone());
            assert_eq!(t[i + 2], "{");
        }
        // A node statement: "name" [ ... ] ; not preceded or followed by ->.
        if t[i].starts_with('"')
            && t.get(i + 1).map(|s| s.as_str()) == Some("[")
            && (i == 0 || t[i - 1] != "->")
            && (i == 0 || t[i - 1] != "=")
        {
            nodes.insert(t[i].clone());
        }
        if t[i] == "->" {
            edges.push((t[i - 1].clone(), t[i + 1].clone()));
        }
    }
    for (a, b) in &edges {
        assert!(nodes.contains(a), "edge from undeclared node {a}");
        assert!(nodes.contains(b), "edge to undeclared node {b}");
    }
    (nodes, edges, clusters)
}

/// Every instant link taken as positive (the test is about structure, not gains).
fn gains(l: &Link) -> Sign {
    match l.kind {
        LinkKind::Instant => Sign::Positive,
        k => Sign::structural(k),
    }
}

#[test]
fn dot_is_well_formed_and_declares_every_endpoint() {
    let dir = tempfile::tempdir().unwrap();
    let m = load_in(dir.path(), &[("m.toml", MODEL)]);
    let dot = Graph::new(&m, Some(&gains)).to_dot();
    let (nodes, edges, clusters) = check_dot(&dot);
    let want: HashSet<String> = [
        "inventory",
        "production",
        "shipments",
        "perceived",
        "target",
        "start_level",
        "demand_effect",
        "orders",
    ]
    .iter()
    .map(|n| format!("\"{n}\""))
    .collect();
    assert_eq!(nodes, want);
    assert_eq!(edges.len(), 10);
    assert!(clusters.is_empty());
    // Escaped model name, shapes and styles.
    assert!(
        dot.starts_with("digraph \"inventory \\\"demo\\\"\" {"),
        "{dot}"
    );
    assert!(
        dot.contains("\"inventory\" [shape=box, label=\"inventory\\n(widget)\""),
        "{dot}"
    );
    assert!(
        dot.contains(
            "\"production\" -> \"inventory\" [class=\"inflow\", penwidth=2.5, label=\"+\"]"
        ),
        "{dot}"
    );
    assert!(
        dot.contains(
            "\"shipments\" -> \"inventory\" [class=\"outflow\", penwidth=2.5, label=\"-\"]"
        ),
        "{dot}"
    );
    assert!(
        dot.contains("\"start_level\" -> \"inventory\" [class=\"initial\", style=dashed]"),
        "{dot}"
    );
}

#[test]
fn json_has_the_expected_nodes_and_edges() {
    let dir = tempfile::tempdir().unwrap();
    let m = load_in(dir.path(), &[("m.toml", MODEL)]);
    let json = Graph::new(&m, Some(&gains)).to_json();
    let v: serde_json::Value =
        serde_json::from_str(&json).unwrap_or_else(|e| panic!("{e}\n{json}"));
    assert_eq!(v["model"], "inventory \"demo\"");
    let nodes: BTreeSet<(String, String)> = v["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| {
            (
                n["id"].as_str().unwrap().to_string(),
                n["kind"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let want: BTreeSet<(String, String)> = [
        ("inventory", "stock"),
        ("production", "flow"),
        ("shipments", "flow"),
        ("perceived", "aux"),
        ("target", "constant"),
        ("start_level", "constant"),
        ("demand_effect", "lookup"),
        ("orders", "exogenous"),
    ]
    .iter()
    .map(|(a, b)| (a.to_string(), b.to_string()))
    .collect();
    assert_eq!(nodes, want);
    let inv = v["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["id"] == "inventory")
        .unwrap();
    assert_eq!(inv["units"], "widget");
    assert!(v["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .any(|n| n["doc"] == "what managers believe"));
    let edges: BTreeSet<(String, String, String, String)> = v["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["from"].as_str().unwrap().to_string(),
                e["to"].as_str().unwrap().to_string(),
                e["kind"].as_str().unwrap().to_string(),
                e["polarity"].as_str().unwrap_or("none").to_string(),
            )
        })
        .collect();
    let want: BTreeSet<(String, String, String, String)> = [
        ("production", "inventory", "inflow", "+"),
        ("shipments", "inventory", "outflow", "-"),
        ("start_level", "inventory", "initial", "none"),
        ("perceived", "production", "info", "+"),
        ("target", "production", "info", "+"),
        ("inventory", "shipments", "info", "+"),
        ("target", "shipments", "info", "+"),
        ("demand_effect", "shipments", "info", "none"),
        ("orders", "shipments", "info", "+"),
        // Through SMOOTH's hidden stock and flow: + * + * + .
        ("inventory", "perceived", "info", "+"),
    ]
    .iter()
    .map(|(a, b, c, d)| (a.to_string(), b.to_string(), c.to_string(), d.to_string()))
    .collect();
    assert_eq!(edges, want);
    // Without gains only the structural polarities are known.
    let v: serde_json::Value = serde_json::from_str(&Graph::new(&m, None).to_json()).unwrap();
    let known: Vec<&serde_json::Value> = v["edges"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| !e["polarity"].is_null())
        .collect();
    assert_eq!(known.len(), 2);
}

#[test]
fn modules_are_nested_clusters_with_marked_interfaces() {
    let dir = tempfile::tempdir().unwrap();
    let m = load_in(
        dir.path(),
        &[
            ("root.toml", "[settings]\nstop = 5\n[modules.outer]\nfile = \"outer.toml\"\n[modules.outer.inputs]\nrate = \"base_rate\"\n[constants.base_rate]\nvalue = 0.1\n[aux.report]\nequation = \"outer.level * 2\"\n"),
            ("outer.toml", "[interface]\ninputs = [\"rate\"]\noutputs = [\"level\"]\n[constants.rate]\nvalue = 0\n[modules.inner]\nfile = \"inner.toml\"\n[modules.inner.inputs]\nk = \"rate\"\n[stocks.level]\ninitial = \"1\"\ninflows = [\"grow\"]\n[flows.grow]\nequation = \"inner.boost * level\"\n"),
            ("inner.toml", "[interface]\ninputs = [\"k\"]\noutputs = [\"boost\"]\n[constants.k]\nvalue = 1\n[aux.boost]\nequation = \"k * 3\"\n"),
        ],
    );
    let g = Graph::new(&m, None);
    let dot = g.to_dot();
    let (nodes, edges, clusters) = check_dot(&dot);
    assert_eq!(
        clusters,
        vec!["\"cluster_outer\"", "\"cluster_outer.inner\""]
    );
    assert!(nodes.contains("\"outer.inner.boost\""));
    assert!(edges.contains(&("\"base_rate\"".to_string(), "\"outer.rate\"".to_string())));
    assert!(edges.contains(&(
        "\"outer.inner.boost\"".to_string(),
        "\"outer.grow\"".to_string()
    )));
    // The inner cluster sits inside the outer one.
    let outer = dot.find("subgraph \"cluster_outer\"").unwrap();
    let inner = dot.find("subgraph \"cluster_outer.inner\"").unwrap();
    assert!(inner > outer);
    assert!(dot.contains("\"outer.rate\" [shape=ellipse, label=\"outer.rate\", class=\"aux\", peripheries=2, tooltip=\"module input\"]"), "{dot}");
    let v: serde_json::Value = serde_json::from_str(&g.to_json()).unwrap();
    let modules = v["modules"].as_array().unwrap();
    assert_eq!(modules.len(), 2);
    assert_eq!(modules[1]["parent"], "outer");
    let level = v["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["id"] == "outer.level")
        .unwrap();
    assert_eq!(level["interface"], "output");
    assert_eq!(level["module"], "outer");
}
