//! `pressure run|check|describe` on a Vensim `.mdl` file: the CLI reads it directly (through
//! `pressure_interop`), results keep the source names with spaces as underscores, and a bad
//! equation is reported at the `.mdl` file's line and column with exit code 2.

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
    let out = pressure(&["check", model.to_str().unwrap()]);
    assert!(
        out.status.code() != Some(101),
        "check panicked: {}",
        stderr(&out)
    );
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
