//! `pressure graph` end to end: DOT that Graphviz can read (checked structurally), JSON with
//! the expected nodes and edges and numerically signed links, atomic `--out`, bad input.

use std::collections::BTreeSet;

mod cli_support;
use cli_support::{pressure, stderr, write};

const MODEL: &str = r#"
[settings]
stop = 10
dt = 0.25
[stocks.inventory]
initial = "100"
inflows = ["production"]
outflows = ["shipments"]
[flows.production]
equation = "(target - perceived) / 2"
[flows.shipments]
equation = "inventory * 0.1"
[aux.perceived]
equation = "SMOOTH(inventory, 3)"
[constants.target]
value = 120
"#;

/// Every `"a" -> "b"` edge names nodes declared as `"x" [...]`; braces balance.
fn check_dot(dot: &str) -> (BTreeSet<String>, BTreeSet<(String, String)>) {
    let mut depth = 0;
    let mut in_str = false;
    let mut prev = ' ';
    for c in dot.chars() {
        if c == '"' && prev != '\\' {
            in_str = !in_str;
        } else if !in_str && c == '{' {
            depth += 1;
        } else if !in_str && c == '}' {
            depth -= 1;
            assert!(depth >= 0);
        }
        prev = c;
    }
    assert_eq!(depth, 0);
    assert!(!in_str);
    let mut nodes = BTreeSet::new();
    let mut edges = BTreeSet::new();
    for line in dot.lines().map(str::trim) {
        if let Some((a, rest)) = line.split_once(" -> ") {
            let b = rest.split(" [").next().unwrap();
            edges.insert((
                a.trim_matches('"').to_string(),
                b.trim_matches('"').to_string(),
            ));
        } else if line.starts_with('"') && line.contains(" [") {
            nodes.insert(
                line.split(" [")
                    .next()
                    .unwrap()
                    .trim_matches('"')
                    .to_string(),
            );
        }
    }
    for (a, b) in &edges {
        assert!(nodes.contains(a) && nodes.contains(b), "{a} -> {b}");
    }
    (nodes, edges)
}

#[test]
fn dot_to_stdout_is_well_formed() {
    let d = tempfile::tempdir().unwrap();
    let m = write(d.path(), "m.toml", MODEL);
    let o = pressure(&["graph", m.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let dot = String::from_utf8(o.stdout).unwrap();
    assert!(dot.starts_with("digraph \"m\" {"), "{dot}");
    let (nodes, edges) = check_dot(&dot);
    assert_eq!(
        nodes,
        [
            "inventory",
            "perceived",
            "production",
            "shipments",
            "target"
        ]
        .iter()
        .map(|s| s.to_string())
        .collect()
    );
    assert_eq!(edges.len(), 6);
    // Polarity labels from the gains at the initial time.
    assert!(
        dot.contains("\"perceived\" -> \"production\" [class=\"info\", label=\"-\"]"),
        "{dot}"
    );
    assert!(
        dot.contains(
            "\"shipments\" -> \"inventory\" [class=\"outflow\", penwidth=2.5, label=\"-\"]"
        ),
        "{dot}"
    );
}

#[test]
fn json_to_a_file_with_polarities() {
    let d = tempfile::tempdir().unwrap();
    let m = write(d.path(), "m.toml", MODEL);
    let out = d.path().join("g/graph.json");
    let o = pressure(&[
        "graph",
        m.to_str().unwrap(),
        "--format",
        "json",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    let edges: BTreeSet<(String, String, String, String)> = v["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let s = |k: &str| e[k].as_str().unwrap_or("null").to_string();
            (s("from"), s("to"), s("kind"), s("polarity"))
        })
        .collect();
    let want: BTreeSet<(String, String, String, String)> = [
        ("production", "inventory", "inflow", "+"),
        ("shipments", "inventory", "outflow", "-"),
        ("target", "production", "info", "+"),
        ("perceived", "production", "info", "-"),
        ("inventory", "shipments", "info", "+"),
        ("inventory", "perceived", "info", "+"),
    ]
    .iter()
    .map(|(a, b, c, d)| (a.to_string(), b.to_string(), c.to_string(), d.to_string()))
    .collect();
    assert_eq!(edges, want);
    assert!(d.path().join("g/graph.json.manifest.json").exists());
    // --no-polarity: only the structural signs.
    let o = pressure(&[
        "graph",
        m.to_str().unwrap(),
        "--format",
        "json",
        "--no-polarity",
    ]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let signed = v["edges"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| !e["polarity"].is_null())
        .count();
    assert_eq!(signed, 2);
}

#[test]
fn bad_input_exits_2_and_writes_nothing() {
    let d = tempfile::tempdir().unwrap();
    let m = write(d.path(), "m.toml", MODEL);
    let out = d.path().join("g.dot");
    let o = pressure(&[
        "graph",
        m.to_str().unwrap(),
        "--at",
        "0.1",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(!out.exists());
    let o = pressure(&["graph", m.to_str().unwrap(), "--format", "svg"]);
    assert_eq!(o.status.code(), Some(2));
    let bad = write(
        d.path(),
        "bad.toml",
        "[stocks.s]\ninitial = \"1\"\ninflows = [\"nope\"]\n",
    );
    let o = pressure(&[
        "graph",
        bad.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("bad.toml:3:"), "{}", stderr(&o));
    assert!(!out.exists());
}
