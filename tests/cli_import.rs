//! `pressure run|check|describe` on a Vensim `.mdl` or an XMILE file: the CLI reads it
//! directly (through `pressure_interop`), results keep the source names with spaces as
//! underscores, `check` counts the variables and reports unit findings and algebraic loops at
//! the source file's line and column, and a bad equation is reported there with exit code 2.

mod cli_support;
use cli_support::{pressure, stderr, write};

const TEACUP: &str = "{UTF-8}
Teacup Temperature = INTEG(-Heat Loss to Room, 180)
  ~ Degrees Fahrenheit
  ~ The temperature of the tea.
  |
Heat Loss to Room = (Teacup Temperature - Room Temperature) / Characteristic Time
  ~ Degrees Fahrenheit/Minute ~ |
Room Temperature = 70 ~ Degrees Fahrenheit ~ |
Characteristic Time = 10 ~ Minutes [1,20] ~ |
********************************************************
	.Control
********************************************************~
		Simulation Control Parameters
	|
FINAL TIME = 30 ~ Minute ~ |
INITIAL TIME = 0 ~ Minute ~ |
SAVEPER = TIME STEP ~ Minute [0,?] ~ |
TIME STEP = 0.125 ~ Minute [0,?] ~ |
\\\\\\---/// Sketch information - do not modify anything except names
V300  Do not put anything below this section - it will be ignored
*View 1
10,1,Teacup Temperature,307,224,40,20,3,3,0,0,0,0,0,0
";

#[test]
fn run_reads_an_mdl_and_keeps_its_names() {
    let dir = tempfile::tempdir().unwrap();
    let model = write(dir.path(), "teacup.mdl", TEACUP);
    let out = pressure(&["run", model.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = String::from_utf8(out.stdout).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    assert!(header.contains(&"Teacup_Temperature"), "{header:?}");
    assert!(header.contains(&"Heat_Loss_to_Room"), "{header:?}");
    let col = header
        .iter()
        .position(|h| *h == "Teacup_Temperature")
        .unwrap();
    let rows: Vec<Vec<f64>> = lines
        .skip(1) // units row
        .map(|l| l.split(',').map(|c| c.parse().unwrap()).collect())
        .collect();
    assert_eq!(rows.len(), 241);
    // Euler, as Vensim: T(dt) = 180 - dt * (180 - 70) / 10.
    assert_eq!(rows[1][col], 180.0 - 0.125 * 11.0);
}

#[test]
fn check_and_describe_accept_an_mdl() {
    let dir = tempfile::tempdir().unwrap();
    let model = write(dir.path(), "teacup.mdl", TEACUP);
    let out = pressure(&["describe", model.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("Teacup_Temperature"), "{text}");
    // check: clean (exit 0), the variables counted by kind, the unit findings at the .mdl's
    // lines and columns (Vensim's "Degrees Fahrenheit" is no unit Pressure knows).
    let out = pressure(&["check", "--format", "json", model.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["ok"], true);
    assert_eq!(v["model"], "teacup");
    assert_eq!(
        v["variables"],
        serde_json::json!({"stock": 1, "flow": 1, "constant": 2})
    );
    assert_eq!(v["program"]["state_variables"], 1);
    let units: Vec<String> = v["unit_warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w.as_str().unwrap().to_string())
        .collect();
    assert!(
        units.iter().any(|w| w.contains("teacup.mdl:3:4")
            && w.contains("Degrees_Fahrenheit")
            && w.contains("Teacup_Temperature")),
        "{units:?}"
    );
    // With --strict-units the same finding is an error: exit 2, at the same place.
    let out = pressure(&["check", "--strict-units", model.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("teacup.mdl:3:4"), "{}", stderr(&out));
}

#[test]
fn check_reports_an_algebraic_loop_in_an_mdl_at_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let looped = TEACUP.replace(
        "Room Temperature = 70 ~",
        "Room Temperature = Heat Loss to Room * 2 ~",
    );
    let model = write(dir.path(), "loop.mdl", &looped);
    let out = pressure(&["check", model.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("loop.mdl:"), "{err}");
    assert!(
        err.contains("Room_Temperature") && err.contains("Heat_Loss_to_Room"),
        "{err}"
    );
}

const TEACUP_XMILE: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<xmile version="1.0" xmlns="http://docs.oasis-open.org/xmile/ns/XMILE/v1.0">
<header><name>teacup</name><vendor>test</vendor><product version="1">test</product></header>
<sim_specs method="Euler" time_units="Minutes"><start>0</start><stop>30</stop><dt>0.125</dt></sim_specs>
<model><variables>
<stock name="Teacup Temperature"><eqn>180</eqn><outflow>Heat_Loss_to_Room</outflow></stock>
<flow name="Heat Loss to Room"><eqn>(Teacup_Temperature - Room_Temperature) / Characteristic_Time</eqn></flow>
<aux name="Room Temperature"><eqn>70</eqn></aux>
<aux name="Characteristic Time"><eqn>10</eqn></aux>
</variables></model>
</xmile>
"#;

#[test]
fn run_and_check_read_xmile() {
    let dir = tempfile::tempdir().unwrap();
    let model = write(dir.path(), "teacup.stmx", TEACUP_XMILE);
    let out = pressure(&["check", "--format", "json", model.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        v["variables"],
        serde_json::json!({"stock": 1, "flow": 1, "constant": 2})
    );
    let out = pressure(&["run", model.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = String::from_utf8(out.stdout).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let col = header
        .iter()
        .position(|h| *h == "Teacup_Temperature")
        .unwrap();
    let rows: Vec<Vec<f64>> = lines
        .skip(1)
        .map(|l| l.split(',').map(|c| c.parse().unwrap()).collect())
        .collect();
    assert_eq!(rows.len(), 241);
    assert_eq!(rows[1][col], 180.0 - 0.125 * 11.0);
    // A bad equation: exit 2 at the XMILE file's line and column.
    let bad = TEACUP_XMILE.replace("/ Characteristic_Time", "/ Characteristic_Tme");
    let model = write(dir.path(), "bad.xmile", &bad);
    let out = pressure(&["check", model.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("bad.xmile:7:"), "{}", stderr(&out));
}

#[test]
fn a_typo_in_an_mdl_is_reported_at_its_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let bad = TEACUP.replace(
        "(Teacup Temperature - Room Temperature)",
        "(Teacup Temperature - Room Temprature)",
    );
    let model = write(dir.path(), "teacup.mdl", &bad);
    let out = pressure(&["run", model.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("teacup.mdl:6:43"), "{err}");
    assert!(err.contains("Room_Temperature"), "{err}");
}

#[test]
fn convert_writes_toml_and_xmile_that_run_to_the_same_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let model = write(dir.path(), "teacup.mdl", TEACUP);
    let direct = pressure(&["run", model.to_str().unwrap()]);
    assert!(direct.status.success(), "{}", stderr(&direct));
    for (to, name) in [("toml", "teacup.toml"), ("xmile", "teacup.xmile")] {
        let out = dir.path().join(name);
        let c = pressure(&[
            "convert",
            model.to_str().unwrap(),
            "--to",
            to,
            "--out",
            out.to_str().unwrap(),
        ]);
        assert!(c.status.success(), "{}", stderr(&c));
        let again = pressure(&["run", out.to_str().unwrap()]);
        assert!(again.status.success(), "{}", stderr(&again));
        // The same table, byte for byte (names, units row, every value).
        assert_eq!(
            String::from_utf8_lossy(&again.stdout),
            String::from_utf8_lossy(&direct.stdout),
            "{to}"
        );
    }
    // Without --out the text goes to standard output.
    let c = pressure(&["convert", model.to_str().unwrap(), "--to", "toml"]);
    assert!(c.status.success(), "{}", stderr(&c));
    let text = String::from_utf8_lossy(&c.stdout);
    assert!(text.contains("[stocks.Teacup_Temperature]"), "{text}");
    assert!(
        text.contains("doc = \"The temperature of the tea.\""),
        "{text}"
    );
}

#[test]
fn convert_refuses_an_invalid_model_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let bad = TEACUP.replace("Room Temperature)", "Room Temprature)");
    let model = write(dir.path(), "teacup.mdl", &bad);
    let out = dir.path().join("teacup.toml");
    let c = pressure(&[
        "convert",
        model.to_str().unwrap(),
        "--to",
        "toml",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(c.status.code(), Some(2), "{}", stderr(&c));
    assert!(stderr(&c).contains("teacup.mdl:6:43"), "{}", stderr(&c));
    assert!(!out.exists());
}
