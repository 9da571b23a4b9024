//! `pressure steady` end to end: the steady state of a model with known equilibria (CSV and
//! JSON, --set, --free/--hold, --log-growth, scenarios), output folders with a manifest, exit
//! code 1 naming the stock when there is no steady state, exit code 2 for bad input with nothing
//! written.

mod cli_support;
use cli_support::{pressure, stderr, write};

/// x1' = u - x1/t1, x2' = x1/t1 - x2/t2: x1 = u t1, x2 = u t2; acc' = x2/t2 (no equilibrium).
const CHAIN: &str = r#"
[settings]
stop = 10
dt = 0.25
[stocks.x1]
initial = "0"
inflows = ["inflow"]
outflows = ["f12"]
[stocks.x2]
initial = "1"
inflows = ["f12"]
outflows = ["out"]
[stocks.delivered]
initial = "0"
inflows = ["delivery"]
[flows.inflow]
equation = "u"
[flows.f12]
equation = "x1 / t1"
[flows.out]
equation = "x2 / t2"
[flows.delivery]
equation = "out"
[aux.smoothed_out]
equation = "SMOOTH(out, 3)"
[constants.u]
value = 2
[constants.t1]
value = 4
[constants.t2]
value = 5
"#;

/// Parses the CSV output into (name, kind, role, value, initial, relative change, residual).
fn rows(text: &str) -> Vec<Vec<String>> {
    let mut lines = text.lines();
    assert_eq!(
        lines.next().unwrap(),
        "name,kind,role,value,initial,relative_change,net_flow,residual"
    );
    lines
        .map(|l| l.split(',').map(|c| c.to_string()).collect())
        .collect()
}

fn value(rows: &[Vec<String>], name: &str) -> f64 {
    rows.iter()
        .find(|r| r[0] == name)
        .unwrap_or_else(|| panic!("no row {name} in {rows:?}"))[3]
        .parse()
        .unwrap()
}

#[test]
fn steady_state_of_a_chain_csv_and_json() {
    let dir = tempfile::tempdir().unwrap();
    let m = write(dir.path(), "chain.toml", CHAIN);
    let m = m.to_str().unwrap();
    let o = pressure(&["steady", m, "--exclude", "delivered", "--set", "u=3"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let r = rows(&String::from_utf8_lossy(&o.stdout));
    assert!((value(&r, "x1") - 12.0).abs() < 1e-9, "{r:?}");
    assert!((value(&r, "x2") - 15.0).abs() < 1e-9, "{r:?}");
    assert_eq!(value(&r, "delivered"), 0.0);
    let x2 = r.iter().find(|r| r[0] == "x2").unwrap();
    assert_eq!(&x2[1..3], ["stock", "solved"]);
    assert_eq!(x2[4], "1");
    assert!(
        (x2[5].parse::<f64>().unwrap() - 14.0).abs() < 1e-9,
        "relative change {x2:?}"
    );
    let hidden = r.iter().find(|r| r[1] == "hidden stock").unwrap();
    assert!(hidden[0].starts_with("smoothed_out (SMOOTH"), "{hidden:?}");
    assert!((hidden[3].parse::<f64>().unwrap() - 3.0).abs() < 1e-9);
    assert!(
        stderr(&o).contains("steady state of chain at time 0"),
        "{}",
        stderr(&o)
    );

    // JSON into a folder, with a manifest; a closure parameter.
    let out = dir.path().join("out");
    let o = pressure(&[
        "steady",
        m,
        "--exclude",
        "delivered",
        "--free",
        "u",
        "--hold",
        "x2=10",
        "--format",
        "json",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let j: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("steady.json")).unwrap()).unwrap();
    assert!(
        (j["free"][0]["value"].as_f64().unwrap() - 2.0).abs() < 1e-9,
        "{j}"
    );
    assert_eq!(j["free"][0]["name"], "u");
    let x1 = j["values"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["name"] == "x1")
        .unwrap();
    assert!((x1["value"].as_f64().unwrap() - 8.0).abs() < 1e-9);
    assert!(j["residual"].as_f64().unwrap() <= 1e-10);
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["extra"]["free"][0], "u");
    assert!(manifest["inputs"][0]["sha256"].as_str().unwrap().len() == 64);
}

#[test]
fn balanced_growth_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let m = write(
        dir.path(),
        "money.toml",
        r#"
[stocks.ln_money]
initial = "3"
inflows = ["money_growth"]
[stocks.ln_price]
initial = "0"
inflows = ["inflation"]
[flows.money_growth]
equation = "mu"
[flows.inflation]
equation = "(ln_money - ln_price - 1) / 0.5"
[constants.mu]
value = 0.2
"#,
    );
    let o = pressure(&[
        "steady",
        m.to_str().unwrap(),
        "--log-growth",
        "ln_money,ln_price",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let r = rows(&String::from_utf8_lossy(&o.stdout));
    assert_eq!(value(&r, "ln_money"), 3.0);
    assert!(
        (value(&r, "ln_price") - (3.0 - 1.0 - 0.2 * 0.5)).abs() < 1e-9,
        "{r:?}"
    );
    let g = r.iter().find(|r| r[1] == "log growth rate").unwrap();
    assert!((g[3].parse::<f64>().unwrap() - 0.2).abs() < 1e-12, "{g:?}");
    // Without the growth group there is no steady state: exit code 1, naming the stocks.
    let o = pressure(&["steady", m.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    let e = stderr(&o);
    assert!(
        e.contains("no steady state found") && e.contains("ln_money"),
        "{e}"
    );
}

#[test]
fn no_steady_state_exits_with_1_and_names_the_stock() {
    let dir = tempfile::tempdir().unwrap();
    let m = write(dir.path(), "chain.toml", CHAIN);
    let out = dir.path().join("out");
    let o = pressure(&[
        "steady",
        m.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let e = stderr(&o);
    assert!(e.contains("no steady state found"), "{e}");
    assert!(e.contains("delivered ("), "{e}");
    assert!(!out.exists());
}

#[test]
fn bad_input_exits_with_2_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let m = write(dir.path(), "chain.toml", CHAIN);
    let m = m.to_str().unwrap();
    let out = dir.path().join("out");
    let o = out.to_str().unwrap();
    for (args, want) in [
        (vec!["--free", "u"], "pair up"),
        (vec!["--exclude", "delivred"], "did you mean 'delivered'"),
        (vec!["--exclude", "f12"], "not a stock"),
        (
            vec!["--hold", "x2=abc", "--free", "u"],
            "'abc' is not a number",
        ),
        (vec!["--growth", "x1"], "at least two stocks"),
        (vec!["--tolerance", "0"], "tolerance must be greater than 0"),
        (vec!["--set", "uu=1"], "unknown parameter 'uu'"),
    ] {
        let mut all = vec!["steady", m, "--out", o];
        all.extend(args.iter().copied());
        let r = pressure(&all);
        assert_eq!(r.status.code(), Some(2), "{args:?}: {}", stderr(&r));
        assert!(stderr(&r).contains(want), "{args:?}: {}", stderr(&r));
        assert!(!out.exists(), "{args:?} wrote output");
    }
    // A bad setting in the model file points at it.
    let bad = write(
        dir.path(),
        "bad.toml",
        &format!(
            "[settings.steady]\nexclude = [\"delivred\"]\n{}",
            CHAIN.replace("[settings]\nstop = 10\ndt = 0.25\n", "")
        ),
    );
    let r = pressure(&["steady", bad.to_str().unwrap()]);
    assert_eq!(r.status.code(), Some(2));
    assert!(stderr(&r).contains("bad.toml:2:12"), "{}", stderr(&r));
}

/// `initialise = "steady"` in a scenario makes `pressure run` start at the steady state.
#[test]
fn run_starts_at_the_steady_state_from_a_scenario() {
    let dir = tempfile::tempdir().unwrap();
    let m = write(dir.path(), "chain.toml", CHAIN);
    let sc = write(
        dir.path(),
        "steady.toml",
        "[settings]\ninitialise = \"steady\"\n[settings.steady]\nexclude = [\"delivered\"]\n",
    );
    let o = pressure(&[
        "run",
        m.to_str().unwrap(),
        "--scenario",
        sc.to_str().unwrap(),
        "--vars",
        "x1,x2",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = String::from_utf8_lossy(&o.stdout);
    for line in text.lines().skip(2) {
        let cells: Vec<f64> = line.split(',').map(|c| c.parse().unwrap()).collect();
        assert!(
            (cells[1] - 8.0).abs() < 1e-9 && (cells[2] - 10.0).abs() < 1e-9,
            "{line}"
        );
    }
}
