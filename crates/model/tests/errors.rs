//! Every kind of bad model input gets an error that names the file, line and column (or the
//! CSV file, row and column) and says what would be right.

use std::path::PathBuf;

struct Case {
    _dir: tempfile::TempDir,
    path: PathBuf,
}

fn write(model: &str, extra: &[(&str, &str)]) -> Case {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("model.toml");
    std::fs::write(&path, model).unwrap();
    for (name, text) in extra {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    Case { _dir: dir, path }
}

/// Loads a model that must fail; returns the error text.
fn fails(model: &str, extra: &[(&str, &str)]) -> String {
    let c = write(model, extra);
    match pressure_model::load(&c.path) {
        Ok(_) => panic!("model loaded but should not:\n{model}"),
        Err(e) => e.to_string(),
    }
}

fn assert_has(text: &str, parts: &[&str]) {
    for p in parts {
        assert!(text.contains(p), "expected {p:?} in:\n{text}");
    }
}

const OK_TAIL: &str = "\n[constants.c]\nvalue = 1\n";

#[test]
fn toml_syntax_error() {
    let e = fails("[stocks.x\ninitial = \"1\"\n", &[]);
    assert_has(&e, &["model.toml:1:", "TOML syntax error"]);
}

#[test]
fn equation_syntax_error_points_inside_the_string() {
    let e = fails(
        "[aux.a]\nequation = \"c + * 2\"\n[constants.c]\nvalue = 1\n",
        &[],
    );
    // `equation = "` is 12 characters: the string starts at column 13, the '*' is at 17.
    assert_has(&e, &["model.toml:2:17", "equation syntax error", "'*'"]);
}

#[test]
fn unknown_variable_suggests_the_nearest_name() {
    let e = fails(
        "[aux.a]\nequation = \"2 * room_temprature\"\n[constants.room_temperature]\nvalue = 1\n",
        &[],
    );
    assert_has(
        &e,
        &[
            "model.toml:2:17",
            "unknown variable 'room_temprature'",
            "did you mean 'room_temperature'",
        ],
    );
}

#[test]
fn duplicate_name_across_kinds() {
    let e = fails("[aux.x]\nequation = \"1\"\n[constants.x]\nvalue = 2\n", &[]);
    assert_has(&e, &["duplicate name 'x'", "already declared at"]);
    assert!(
        e.contains("model.toml:3:") || e.contains("model.toml:1:"),
        "{e}"
    );
}

#[test]
fn stock_without_initial_value() {
    let e = fails("[stocks.s]\ninflows = []\n", &[]);
    assert_has(
        &e,
        &[
            "model.toml:1:9",
            "stock 's' has no initial value",
            "initial =",
        ],
    );
}

#[test]
fn flow_attached_to_unknown_stock() {
    let e = fails(
        "[stocks.tank]\ninitial = \"0\"\n[flows.f]\nequation = \"1\"\nto = \"tnak\"\n",
        &[],
    );
    assert_has(
        &e,
        &[
            "model.toml:5:6",
            "unknown stock 'tnak'",
            "did you mean 'tank'",
        ],
    );
    let e = fails(
        "[stocks.tank]\ninitial = \"0\"\ninflows = [\"fill\"]\n",
        &[],
    );
    assert_has(&e, &["model.toml:3:12", "unknown variable 'fill'"]);
    let e = fails(
        "[stocks.tank]\ninitial = \"0\"\ninflows = [\"a\"]\n[aux.a]\nequation = \"1\"\n",
        &[],
    );
    assert_has(&e, &["only flows can fill or drain a stock"]);
}

#[test]
fn algebraic_loop_names_the_cycle() {
    let e = fails(
        "[aux.a]\nequation = \"b + 1\"\n[aux.b]\nequation = \"c * 2\"\n[aux.c]\nequation = \"a\"\n",
        &[],
    );
    assert_has(
        &e,
        &["model.toml:1:6", "algebraic loop", "a -> b -> c -> a"],
    );
}

#[test]
fn a_stock_or_a_delay_breaks_a_loop() {
    let c = write(
        "[aux.a]\nequation = \"SMOOTHI(b, 2, 0)\"\n[aux.b]\nequation = \"a + 1\"\n",
        &[],
    );
    pressure_model::load(&c.path).unwrap();
    // SMOOTH starts at its input, so the same loop has circular initial values (as in Vensim).
    let e = fails(
        "[aux.a]\nequation = \"SMOOTH(b, 2)\"\n[aux.b]\nequation = \"a + 1\"\n",
        &[],
    );
    assert_has(
        &e,
        &["initial values depend on each other", "a (inside SMOOTH)"],
    );
}

#[test]
fn circular_initial_values() {
    let e = fails(
        "[stocks.s]\ninitial = \"f\"\ninflows = [\"f\"]\n[flows.f]\nequation = \"s * 2\"\n",
        &[],
    );
    assert_has(&e, &["initial values depend on each other", "s -> f -> s"]);
}

#[test]
fn wrong_number_of_builtin_arguments() {
    let e = fails("[aux.a]\nequation = \"1 + STEP(5)\"\n", &[]);
    assert_has(
        &e,
        &[
            "model.toml:2:17",
            "STEP takes 2 arguments, got 1",
            "(height, step time)",
        ],
    );
    let e = fails("[aux.a]\nequation = \"if_then_else(1, 2)\"\n", &[]);
    assert_has(&e, &["IF THEN ELSE takes 3 arguments, got 2"]);
}

#[test]
fn unknown_function_is_reported() {
    let e = fails(
        "[aux.a]\nequation = \"SMOTH(c, 2)\"\n[constants.c]\nvalue = 1\n",
        &[],
    );
    assert_has(
        &e,
        &[
            "model.toml:2:13",
            "unknown function or lookup 'SMOTH'",
            "SMOOTH",
        ],
    );
}

#[test]
fn bad_settings() {
    let e = fails(&format!("[settings]\ndt = 0\n{OK_TAIL}"), &[]);
    assert_has(&e, &["model.toml:2:6", "dt must be greater than 0"]);
    let e = fails(&format!("[settings]\nstart = 10\nstop = 5\n{OK_TAIL}"), &[]);
    assert_has(
        &e,
        &["model.toml:3:8", "stop (5) must be greater than start (10)"],
    );
    let e = fails(
        &format!("[settings]\nstop = 10\ndt = 0.25\nsave_every = 0.3\n{OK_TAIL}"),
        &[],
    );
    assert_has(
        &e,
        &[
            "model.toml:4:14",
            "save_every (0.3) is not a whole multiple of dt (0.25)",
        ],
    );
    let e = fails(&format!("[settings]\nstop = 10\ndt = 0.3\n{OK_TAIL}"), &[]);
    assert_has(&e, &["not a whole multiple of dt"]);
    let e = fails(&format!("[settings]\nmethod = \"rk5\"\n{OK_TAIL}"), &[]);
    assert_has(
        &e,
        &[
            "model.toml:2:10",
            "unknown integration method 'rk5'",
            "euler, rk2, rk4, dopri5, dop853",
        ],
    );
}

#[test]
fn lookup_with_unsorted_or_duplicate_x() {
    let e = fails("[lookups.f]\npoints = [[0, 0], [2, 1], [1, 2]]\n", &[]);
    assert_has(
        &e,
        &[
            "model.toml:2:10",
            "unsorted x values",
            "point 3 has x = 1 after x = 2",
        ],
    );
    let e = fails("[lookups.f]\nx = [0, 1, 1]\ny = [0, 1, 2]\n", &[]);
    assert_has(&e, &["model.toml:2:5", "duplicate x values"]);
}

#[test]
fn exogenous_csv_problems_name_file_row_and_column() {
    let model = "[exogenous.oil]\nfile = \"oil.csv\"\ncolumn = \"price\"\n";
    let e = fails(model, &[]);
    assert_has(&e, &["model.toml:2:8", "cannot read data file", "oil.csv"]);
    let e = fails(model, &[("oil.csv", "time,price\n0,50\n1,abc\n")]);
    assert_has(
        &e,
        &["oil.csv: row 3, column 2 (price)", "'abc' is not a number"],
    );
    let e = fails(model, &[("oil.csv", "time,price\n0,50\n1,\n2,60\n")]);
    assert_has(
        &e,
        &["oil.csv: row 3, column 2 (price)", "missing value (a gap)"],
    );
    let e = fails(model, &[("oil.csv", "time,price\n0,50\n0,60\n")]);
    assert_has(
        &e,
        &["oil.csv: row 3, column 1 (time)", "does not increase"],
    );
    let e = fails(model, &[("oil.csv", "time,cost\n0,50\n")]);
    assert_has(&e, &["model.toml:3:10", "no column 'price'", "time, cost"]);
}

#[test]
fn unknown_keys_get_a_suggestion() {
    let e = fails("[stocks.s]\ninitial = \"0\"\noutflow = [\"f\"]\n", &[]);
    assert_has(
        &e,
        &[
            "model.toml:3:1",
            "unknown key 'outflow'",
            "did you mean 'outflows'",
        ],
    );
}

#[test]
fn reserved_names_and_invalid_names() {
    let e = fails("[constants.time]\nvalue = 1\n", &[]);
    assert_has(&e, &["'time' is a reserved word"]);
    let e = fails("[constants.\"2x\"]\nvalue = 1\n", &[]);
    assert_has(&e, &["'2x' is not a valid name"]);
}

#[test]
fn every_problem_is_listed_at_once() {
    let c = write(
        "[aux.a]\nequation = \"nope1\"\n[aux.b]\nequation = \"nope2\"\n",
        &[],
    );
    let e = pressure_model::load(&c.path).unwrap_err();
    assert_eq!(e.diagnostics.len(), 2, "{e}");
}

#[test]
fn diagnostics_render_with_a_snippet() {
    let c = write("[aux.a]\nequation = \"1 + nope\"\n", &[]);
    let e = pressure_model::load(&c.path).unwrap_err();
    let text = pressure_model::render(&e);
    assert_has(
        &text,
        &["model.toml:2:17", "1 + nope", "unknown variable 'nope'"],
    );
}

const STEADY_MODEL: &str = r#"
[stocks.x]
initial = "1"
inflows = ["f"]
[stocks.y]
initial = "2"
inflows = ["g"]
[flows.f]
equation = "k - x"
[flows.g]
equation = "x - y"
[aux.z]
equation = "x + y"
[constants.k]
value = 1
"#;

#[test]
fn steady_settings_are_read() {
    let c = write(
        &format!(
            "[settings]\ninitialise = \"steady\"\n[settings.steady]\ntolerance = 1e-12\nmax_iterations = 20\nfree = [\"k\"]\nhold = {{ z = 3 }}\n[[settings.steady.growth]]\nstocks = [\"x\", \"y\"]\nlog = true\n{STEADY_MODEL}"
        ),
        &[],
    );
    let m = pressure_model::load(&c.path).unwrap();
    let s = &m.settings;
    assert_eq!(s.initialise, pressure_model::Initialise::Steady);
    assert_eq!(s.steady.tolerance, 1e-12);
    assert_eq!(s.steady.max_iterations, 20);
    assert_eq!(s.steady.free, ["k"]);
    assert_eq!(
        s.steady.hold,
        [pressure_model::Hold {
            name: "z".into(),
            value: Some(3.0)
        }]
    );
    assert_eq!(
        s.steady.growth,
        [pressure_model::GrowthGroup {
            stocks: vec!["x".into(), "y".into()],
            log: true
        }]
    );
    // Defaults, and `hold` as a list (held at the initial values).
    let c = write(
        &format!("[settings.steady]\nfree = [\"k\"]\nhold = [\"x\"]\n{STEADY_MODEL}"),
        &[],
    );
    let m = pressure_model::load(&c.path).unwrap();
    assert_eq!(m.settings.initialise, pressure_model::Initialise::Initial);
    assert_eq!(m.settings.steady.tolerance, 1e-10);
    assert_eq!(m.settings.steady.hold[0].value, None);
}

#[test]
fn bad_steady_settings() {
    let e = fails(
        &format!("[settings]\ninitialise = \"stedy\"\n{STEADY_MODEL}"),
        &[],
    );
    assert_has(
        &e,
        &[
            "model.toml:2:14",
            "unknown initialise 'stedy'",
            "\"steady\"",
        ],
    );
    let e = fails(
        &format!("[settings]\ninitialize = \"steady\"\n{STEADY_MODEL}"),
        &[],
    );
    assert_has(
        &e,
        &[
            "model.toml:2:1",
            "unknown key 'initialize'",
            "did you mean 'initialise'",
        ],
    );
    let e = fails(
        &format!("[settings.steady]\ntolerance = -1\n{STEADY_MODEL}"),
        &[],
    );
    assert_has(&e, &["model.toml:2:13", "tolerance must be greater than 0"]);
    let e = fails(
        &format!("[settings.steady]\nmax_iterations = 2.5\n{STEADY_MODEL}"),
        &[],
    );
    assert_has(
        &e,
        &["model.toml:2:18", "max_iterations must be a whole number"],
    );
    let e = fails(
        &format!("[settings.steady]\ngrowht = []\n{STEADY_MODEL}"),
        &[],
    );
    assert_has(
        &e,
        &[
            "model.toml:2:1",
            "unknown key 'growht'",
            "did you mean 'growth'",
        ],
    );
    // Names: unknown, wrong kind, element, twice, and free/hold pairing.
    let e = fails(
        &format!("[settings.steady]\nexclude = [\"xx\"]\n{STEADY_MODEL}"),
        &[],
    );
    assert_has(
        &e,
        &[
            "model.toml:2:12",
            "unknown variable 'xx'",
            "did you mean 'x'",
        ],
    );
    let e = fails(
        &format!("[settings.steady]\nexclude = [\"f\"]\n{STEADY_MODEL}"),
        &[],
    );
    assert_has(
        &e,
        &["model.toml:2:12", "'f' is not a stock", "'f' is flow"],
    );
    let e = fails(
        &format!("[settings.steady]\nexclude = [\"x[a]\"]\n{STEADY_MODEL}"),
        &[],
    );
    assert_has(
        &e,
        &[
            "model.toml:2:12",
            "'x[a]' is not an element of 'x'",
            "scalar",
        ],
    );
    let e = fails(
        &format!("[settings.steady]\nexclude = [\"x\"]\n[[settings.steady.growth]]\nstocks = [\"x\", \"y\"]\n{STEADY_MODEL}"),
        &[],
    );
    assert_has(
        &e,
        &[
            "model.toml:2:12",
            "names 'x' twice (in a growth group and in exclude)",
        ],
    );
    let e = fails(
        &format!("[settings.steady]\nfree = [\"z\"]\nhold = {{ x = 1 }}\n{STEADY_MODEL}"),
        &[],
    );
    assert_has(&e, &["model.toml:2:9", "'z' is not a constant"]);
    let e = fails(
        &format!("[settings.steady]\nfree = [\"k\"]\n{STEADY_MODEL}"),
        &[],
    );
    assert_has(
        &e,
        &["model.toml:2:9", "1 free parameter(s) and 0 held value(s)"],
    );
    let e = fails(
        &format!("[settings.steady]\n[[settings.steady.growth]]\nstocks = [\"x\"]\n{STEADY_MODEL}"),
        &[],
    );
    assert_has(
        &e,
        &[
            "model.toml:3:10",
            "a growth group needs at least two stocks",
        ],
    );
}
