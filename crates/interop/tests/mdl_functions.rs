//! Vensim features of the `.mdl` importer beyond plain equations, each checked by running a
//! small model against values worked out by hand: macros (one instance per call, a stock in a
//! macro keeping its own state per call, macros calling macros).

use std::collections::HashMap;

const CONTROL: &str = "
INITIAL TIME = 0 ~~|
FINAL TIME = 2 ~~|
TIME STEP = 1 ~~|
SAVEPER = TIME STEP ~~|
";

fn write(body: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.mdl");
    std::fs::write(&path, format!("{{UTF-8}}\n{body}{CONTROL}")).unwrap();
    (dir, path)
}

/// Runs `.mdl` text; every column by name (values at times 0, 1, 2).
fn run(body: &str) -> HashMap<String, Vec<f64>> {
    let (_dir, path) = write(body);
    let model = pressure_interop::load(&path).unwrap_or_else(|e| panic!("{e}"));
    let c = pressure_sim::CompiledModel::compile(&model).unwrap();
    let r = c.run(&c.default_params(), &c.default_settings()).unwrap();
    r.names()
        .iter()
        .enumerate()
        .map(|(i, n)| (n.to_string(), r.column_at(i).to_vec()))
        .collect()
}

fn error(body: &str) -> String {
    let (_dir, path) = write(body);
    pressure_interop::load(&path).unwrap_err().to_string()
}

#[test]
fn each_macro_call_has_its_own_state() {
    let v = run(":MACRO: ACCUMULATE(in, start)
ACCUMULATE = INTEG(in * gain, start) ~ widgets ~ The running total. |
gain = 2 ~~|
:END OF MACRO:
:MACRO: TWICE(x)
TWICE = 2 * ACCUMULATE(x, 0) ~~|
:END OF MACRO:
inflow = 1 ~~|
a = ACCUMULATE(inflow, 10) ~~|
b = ACCUMULATE(inflow + 1, 0) ~~|
same as a = ACCUMULATE( Inflow , 10) ~~|
c = TWICE(inflow) ~~|
");
    // a: 10 + 2 t; b: 4 t; c: 2 * (2 t).
    assert_eq!(v["a"], vec![10.0, 12.0, 14.0]);
    assert_eq!(v["b"], vec![0.0, 4.0, 8.0]);
    assert_eq!(v["same_as_a"], v["a"]);
    assert_eq!(v["c"], vec![0.0, 4.0, 8.0]);
}

#[test]
fn macro_errors_name_the_line() {
    let e = error(":MACRO: F(x)\nF = x ~~|\n:END OF MACRO:\na = F(1, 2) ~~|\n");
    assert!(e.contains("takes 1 argument(s), found 2"), "{e}");
    assert!(e.contains("m.mdl:5:"), "{e}");
    let e = error(":MACRO: F(x)\nF = x ~~|\na = F(1) ~~|\n");
    assert!(
        e.contains("has no :END OF MACRO:") && e.contains("m.mdl:2:1"),
        "{e}"
    );
}
