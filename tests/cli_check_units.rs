//! `pressure check` and units: warnings by default, errors with `--strict-units` (exit 2),
//! malformed unit expressions always errors, each pointing at file:line:col.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn pressure(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pressure"))
        .args(args)
        .output()
        .expect("run pressure")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr)
        .replace(['│', '×', '╭', '─', '┬', '╰', '·', '⚠'], " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

const MISMATCH: &str = r#"[settings]
time_units = "year"
[units]
usd_bn = "billions of US dollars"
[stocks.debt]
initial = "1"
inflows = ["borrowing"]
units = "usd_bn"
[flows.borrowing]
equation = "deficit + debt"
units = "usd_bn/year"
[constants.deficit]
value = 1
units = "usd_bn/year"
"#;

#[test]
fn unit_mismatches_are_warnings_by_default_and_errors_when_strict() {
    let d = tempfile::tempdir().unwrap();
    let m = write(d.path(), "m.toml", MISMATCH);
    let o = pressure(&["check", m.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("m.toml:10:13")
            && err.contains("'deficit' is usd_bn/year but 'debt' is usd_bn"),
        "{err}"
    );
    assert!(String::from_utf8_lossy(&o.stdout).contains(": ok ("));
    let o = pressure(&["check", m.to_str().unwrap(), "--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["unit_warnings"].as_array().unwrap().len(), 1);

    let o = pressure(&["check", m.to_str().unwrap(), "--strict-units"]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(
        err.contains("m.toml:10:13")
            && err.contains("unit mismatch in the equation of 'borrowing'"),
        "{err}"
    );
    assert!(o.stdout.is_empty());
}

#[test]
fn unknown_unit_names_suggest_the_nearest() {
    let d = tempfile::tempdir().unwrap();
    let m = write(
        d.path(),
        "m.toml",
        &MISMATCH
            .replace("units = \"usd_bn\"\n", "units = \"usd_nb\"\n")
            .replace("deficit + debt", "deficit"),
    );
    let o = pressure(&["check", m.to_str().unwrap(), "--strict-units"]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(
        err.contains("m.toml:8:10")
            && err.contains("unknown unit 'usd_nb'")
            && err.contains("did you mean 'usd_bn'?"),
        "{err}"
    );
}

#[test]
fn malformed_unit_expressions_are_errors_without_strict() {
    let d = tempfile::tempdir().unwrap();
    let m = write(
        d.path(),
        "m.toml",
        "[constants.c]\nvalue = 1\nunits = \"usd/(year\"\n",
    );
    let o = pressure(&["check", m.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(
        err.contains("m.toml:3:19") && err.contains("malformed unit expression"),
        "{err}"
    );
}

#[test]
fn a_clean_model_stays_clean_when_strict() {
    let d = tempfile::tempdir().unwrap();
    let m = write(
        d.path(),
        "m.toml",
        &MISMATCH
            .replace("deficit + debt", "deficit + debt / 2 / horizon")
            .replace(
                "[constants.deficit]",
                "[constants.horizon]\nvalue = 4\nunits = \"year\"\n[constants.deficit]",
            ),
    );
    let o = pressure(&["check", m.to_str().unwrap(), "--strict-units"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stderr(&o).is_empty(), "{}", stderr(&o));
}
