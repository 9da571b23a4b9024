//! `pressure run` end to end: results tables, overrides and scenarios, and every bad input
//! rejected with exit code 2, a message naming file:line:col (or file, row and column for CSV
//! data), and no output file.

use std::path::{Path, PathBuf};

mod cli_support;
use cli_support::{pressure, stderr};

struct Dir(tempfile::TempDir);

impl Dir {
    fn new() -> Dir {
        Dir(tempfile::tempdir().unwrap())
    }
    fn file(&self, name: &str, content: &str) -> PathBuf {
        let p = self.0.path().join(name);
        std::fs::write(&p, content).unwrap();
        p
    }
    fn path(&self, name: &str) -> PathBuf {
        self.0.path().join(name)
    }
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn repo(rel: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(rel)
        .to_str()
        .unwrap()
        .to_string()
}

const GOOD: &str = r#"
[settings]
stop = 2
dt = 0.5
time_units = "year"
[stocks.x]
initial = "10"
outflows = ["out"]
units = "widget"
[flows.out]
equation = "k * x"
units = "widget/year"
[constants.k]
value = 0.5
"#;

/// Runs a bad model and checks exit code 2, the message parts, and that nothing was written.
fn rejects(model: &str, extra: &[(&str, &str)], args: &[&str], expect: &[&str]) {
    let d = Dir::new();
    let m = d.file("model.toml", model);
    for (n, t) in extra {
        d.file(n, t);
    }
    let out = d.path("out.csv");
    let mut all = vec!["run", s(&m), "--out", s(&out)];
    all.extend_from_slice(args);
    let o = pressure(&all);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "exit code for {model}: {err}");
    for e in expect {
        assert!(err.contains(e), "expected {e:?} in: {err}");
    }
    assert!(!out.exists(), "an output file was written");
    assert!(!d.path("out.csv.manifest.json").exists());
}

#[test]
fn writes_a_csv_table_with_units_and_a_manifest() {
    let d = Dir::new();
    let m = d.file("model.toml", GOOD);
    let out = d.path("out.csv");
    let o = pressure(&["run", s(&m), "--out", s(&out)]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = std::fs::read_to_string(&out).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "time,x,out,k");
    assert_eq!(lines[1], "year,widget,widget/year,");
    assert_eq!(lines[2], "0,10,5,0.5");
    assert_eq!(lines[3], "0.5,7.5,3.75,0.5");
    assert_eq!(lines.len(), 2 + 5);
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(d.path("out.csv.manifest.json")).unwrap())
            .unwrap();
    assert_eq!(manifest["extra"]["method"], "euler");
    assert_eq!(manifest["inputs"][0]["sha256"].as_str().unwrap().len(), 64);
}

/// The CLI maps `PRESSURE_BACKEND` to the engine's default backend (the library reads no
/// environment): an unknown name is bad input (exit 2, nothing written), and the interpreter and
/// native code write the same table.
#[test]
fn pressure_backend_is_read_by_the_cli_and_an_unknown_name_is_bad_input() {
    let d = Dir::new();
    let m = d.file("model.toml", GOOD);
    let run = |backend: &str, out: &Path| {
        std::process::Command::new(env!("CARGO_BIN_EXE_pressure"))
            .args(["run", s(&m), "--out", s(out)])
            .env("PRESSURE_BACKEND", backend)
            .output()
            .unwrap()
    };
    let bad = d.path("bad.csv");
    let o = run("warp-drive", &bad);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("PRESSURE_BACKEND=warp-drive"),
        "{}",
        stderr(&o)
    );
    assert!(!bad.exists());
    let (a, b) = (d.path("interp.csv"), d.path("jit.csv"));
    for (backend, out) in [("interp", &a), ("jit", &b)] {
        let o = run(backend, out);
        assert!(o.status.success(), "{backend}: {}", stderr(&o));
    }
    let (a, b) = (std::fs::read(a).unwrap(), std::fs::read(b).unwrap());
    assert!(!a.is_empty());
    assert_eq!(a, b);
}

/// `--backend` chooses the engine (issue 16): the flag wins over `PRESSURE_BACKEND`, which stays
/// the fallback; an unknown name exits 2 naming the allowed ones. Which backend ran is seen
/// through `PRESSURE_JIT_DUMP_TMP`: native code is written there only when the model was
/// compiled, which a run of this tiny model does only under `jit` (`auto` keeps it
/// interpreted, compiling would cost more than it saves).
#[test]
fn the_backend_flag_chooses_the_engine_over_the_environment() {
    let d = Dir::new();
    let m = d.file("model.toml", GOOD);
    let run = |flag: Option<&str>, env: Option<&str>, tag: &str| {
        let out = d.path(&format!("{tag}.csv"));
        let dump = d.path(&format!("{tag}.bin"));
        let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_pressure"));
        c.args(["run", s(&m), "--out", s(&out)])
            .env("PRESSURE_JIT_DUMP_TMP", &dump)
            .env_remove("PRESSURE_BACKEND");
        if let Some(b) = flag {
            c.args(["--backend", b]);
        }
        if let Some(b) = env {
            c.env("PRESSURE_BACKEND", b);
        }
        let o = c.output().unwrap();
        (o, out, dump.exists())
    };

    let (o, out, _) = run(Some("warp-drive"), None, "bad");
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let e = stderr(&o);
    assert!(e.contains("--backend") && e.contains("warp-drive"), "{e}");
    assert!(e.contains("`auto`, `interp`, `jit` or `batch`"), "{e}");
    assert!(!out.exists());

    let mut tables = Vec::new();
    for (flag, env, native) in [
        (Some("interp"), None, false),
        (Some("auto"), None, false),
        (Some("batch"), None, false),
        (None, None, false),
        // The environment is the fallback when the flag is absent...
        (None, Some("jit"), true),
        // ...and the flag wins over it, even over a name the variable would reject.
        (Some("interp"), Some("jit"), false),
        (Some("interp"), Some("warp-drive"), false),
    ] {
        let tag = format!("{}-{}", flag.unwrap_or("none"), env.unwrap_or("none"));
        let (o, out, dumped) = run(flag, env, &tag);
        assert!(o.status.success(), "{tag}: {}", stderr(&o));
        if pressure::sim::Backend::JIT_AVAILABLE {
            assert_eq!(dumped, native, "{tag}: native code written?");
        }
        tables.push(std::fs::read(out).unwrap());
    }
    let (o, out, dumped) = run(Some("jit"), Some("interp"), "jit-interp");
    assert!(o.status.success(), "{}", stderr(&o));
    if pressure::sim::Backend::JIT_AVAILABLE {
        assert!(dumped, "--backend jit compiles the model to native code");
    }
    tables.push(std::fs::read(out).unwrap());
    // Every backend writes the same table, byte for byte.
    assert!(tables.windows(2).all(|w| w[0] == w[1]));
}

#[test]
fn a_time_unit_with_a_comma_a_quote_and_a_newline_round_trips_through_a_csv_reader() {
    let d = Dir::new();
    let nasty = "year, \"fiscal\"\nend";
    let model = GOOD.replace(
        "time_units = \"year\"",
        "time_units = \"year, \\\"fiscal\\\"\\nend\"",
    );
    let m = d.file("model.toml", &model);
    let out = d.path("out.csv");
    let o = pressure(&["run", s(&m), "--out", s(&out)]);
    assert!(o.status.success(), "{}", stderr(&o));
    let mut reader = csv::Reader::from_path(&out).unwrap();
    assert_eq!(reader.headers().unwrap(), vec!["time", "x", "out", "k"]);
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
    assert_eq!(rows[0], vec![nasty, "widget", "widget/year", ""]);
    assert_eq!(rows[1], vec!["0", "10", "5", "0.5"]);
}

#[test]
fn json_output_selected_variables_and_overrides() {
    let d = Dir::new();
    let m = d.file("model.toml", GOOD);
    let o = pressure(&[
        "run",
        s(&m),
        "--format",
        "json",
        "--vars",
        "x",
        "--set",
        "k=0.1",
        "--method",
        "rk4",
        "--dt",
        "0.25",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["method"], "rk4");
    assert_eq!(v["time"].as_array().unwrap().len(), 9);
    let cols = v["columns"].as_array().unwrap();
    assert_eq!(cols.len(), 1);
    assert_eq!(cols[0]["name"], "x");
    assert_eq!(cols[0]["units"], "widget");
    let last = cols[0]["values"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .as_f64()
        .unwrap();
    assert!((last - 10.0 * (-0.1f64 * 2.0).exp()).abs() < 1e-7, "{last}");
}

#[test]
fn scenarios_apply_in_order_then_set() {
    let d = Dir::new();
    let m = d.file("model.toml", GOOD);
    let a = d.file("a.toml", "[set]\nk = 0.2\n[settings]\nstop = 4\n");
    let b = d.file("b.toml", "[set]\nk = 0.0\n");
    let o = pressure(&[
        "run",
        s(&m),
        "--scenario",
        s(&a),
        "--scenario",
        s(&b),
        "--vars",
        "x",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = String::from_utf8(o.stdout).unwrap();
    let last = text.lines().last().unwrap();
    assert_eq!(last, "4,10", "{text}");
    let o = pressure(&[
        "run",
        s(&m),
        "--scenario",
        s(&b),
        "--set",
        "k=1",
        "--vars",
        "x",
        "--dt",
        "1",
    ]);
    assert!(o.status.success());
    assert_eq!(
        String::from_utf8(o.stdout).unwrap().lines().last().unwrap(),
        "2,0"
    );
}

#[test]
fn the_shipped_examples_run() {
    for m in [
        "models/examples/teacup.toml",
        "models/examples/sir.toml",
        "models/examples/chain10.toml",
    ] {
        let o = pressure(&["run", &repo(m), "--vars", "time"]);
        // `time` is not a variable: a clear input error listing what exists.
        assert_eq!(o.status.code(), Some(2));
        let o = pressure(&["run", &repo(m)]);
        assert!(o.status.success(), "{m}: {}", stderr(&o));
        assert!(o.stdout.len() > 1000);
    }
}

#[test]
fn toml_syntax_error() {
    rejects(
        "[stocks.x\ninitial = 1\n",
        &[],
        &[],
        &["model.toml:1:", "TOML syntax error"],
    );
}

#[test]
fn equation_syntax_error() {
    rejects(
        &GOOD.replace("k * x", "k * * x"),
        &[],
        &[],
        &["model.toml:11:17", "equation syntax error"],
    );
}

#[test]
fn unknown_variable() {
    rejects(
        &GOOD.replace("k * x", "kk * x"),
        &[],
        &[],
        &[
            "model.toml:11:13",
            "unknown variable 'kk'",
            "did you mean 'k'",
        ],
    );
}

#[test]
fn duplicate_name() {
    rejects(
        &format!("{GOOD}[aux.x]\nequation = \"1\"\n"),
        &[],
        &[],
        &["model.toml:", "duplicate name 'x'"],
    );
}

#[test]
fn missing_initial_value() {
    rejects(
        &GOOD.replace("initial = \"10\"\n", ""),
        &[],
        &[],
        &["model.toml:6:9", "no initial value"],
    );
}

#[test]
fn flow_attached_to_unknown_stock() {
    rejects(
        &format!("{GOOD}[flows.g]\nequation = \"1\"\nto = \"y\"\n"),
        &[],
        &[],
        &["model.toml:", "unknown stock 'y'"],
    );
}

#[test]
fn algebraic_loop() {
    rejects(
        &format!("{GOOD}[aux.a]\nequation = \"b\"\n[aux.b]\nequation = \"a * 2\"\n"),
        &[],
        &[],
        &["model.toml:", "algebraic loop", "a -> b -> a"],
    );
}

#[test]
fn wrong_number_of_arguments() {
    rejects(
        &GOOD.replace("k * x", "MAX(x)"),
        &[],
        &[],
        &["model.toml:11:13", "MAX takes at least 2 arguments"],
    );
    rejects(
        &GOOD.replace("k * x", "SMOOTH(x)"),
        &[],
        &[],
        &["model.toml:11:13", "SMOOTH takes 2 arguments, got 1"],
    );
}

#[test]
fn bad_settings() {
    rejects(
        &GOOD.replace("dt = 0.5", "dt = -0.5"),
        &[],
        &[],
        &["model.toml:4:6", "dt must be greater than 0"],
    );
    rejects(
        &GOOD.replace("stop = 2", "stop = 0"),
        &[],
        &[],
        &["model.toml:3:8", "must be greater than start"],
    );
    rejects(
        &GOOD.replace("dt = 0.5", "dt = 0.5\nsave_every = 0.75"),
        &[],
        &[],
        &["model.toml:5:14", "not a whole multiple of dt"],
    );
    // Command-line overrides are checked too (no file position: they come from the command line).
    rejects(GOOD, &[], &["--dt", "0"], &["dt must be greater than 0"]);
    rejects(
        GOOD,
        &[],
        &["--save-every", "0.3"],
        &["save_every (0.3) is not a whole multiple of dt (0.5)"],
    );
}

#[test]
fn unsorted_lookup() {
    rejects(
        &format!("{GOOD}[lookups.f]\npoints = [[0, 0], [1, 1], [1, 2]]\n"),
        &[],
        &[],
        &["model.toml:", "duplicate x values"],
    );
}

const EXO: &str =
    "[exogenous.oil]\nfile = \"oil.csv\"\ncolumn = \"price\"\n[aux.a]\nequation = \"oil * 2\"\n";

#[test]
fn exogenous_csv_missing() {
    rejects(
        EXO,
        &[],
        &[],
        &["model.toml:2:8", "cannot read data file", "oil.csv"],
    );
}

#[test]
fn exogenous_csv_non_numeric_cell() {
    rejects(
        EXO,
        &[("oil.csv", "time,price\n0,1\n1,n/a\n")],
        &[],
        &["oil.csv: row 3, column 2 (price)", "'n/a' is not a number"],
    );
}

#[test]
fn exogenous_csv_gap() {
    rejects(
        EXO,
        &[("oil.csv", "time,price\n0,1\n1,\n")],
        &[],
        &["oil.csv: row 3, column 2 (price)", "missing value (a gap)"],
    );
}

#[test]
fn set_unknown_name_or_non_number() {
    rejects(
        GOOD,
        &[],
        &["--set", "kk=1"],
        &["unknown parameter 'kk'", "did you mean 'k'"],
    );
    rejects(GOOD, &[], &["--set", "k=fast"], &["'fast' is not a number"]);
    rejects(GOOD, &[], &["--set", "k"], &["expected NAME=VALUE"]);
}

#[test]
fn scenario_with_unknown_names_points_into_the_scenario() {
    let d = Dir::new();
    let m = d.file("model.toml", GOOD);
    let sc = d.file("sc.toml", "[set]\nkk = 1\n");
    let out = d.path("out.csv");
    let o = pressure(&["run", s(&m), "--scenario", s(&sc), "--out", s(&out)]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(
        err.contains("sc.toml:2:1") && err.contains("unknown parameter 'kk'"),
        "{err}"
    );
    assert!(!out.exists());
}

#[test]
fn unknown_variable_in_vars() {
    rejects(GOOD, &[], &["--vars", "x,y"], &["unknown variable 'y'"]);
}

#[test]
fn non_finite_value_fails_the_run_naming_variable_and_time() {
    let d = Dir::new();
    let m = d.file("model.toml", &GOOD.replace("k * x", "k * x / (1.5 - TIME)"));
    let out = d.path("out.csv");
    let o = pressure(&["run", s(&m), "--out", s(&out)]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("out became") && err.contains("at time 1.5"),
        "{err}"
    );
    assert!(!out.exists());
}
