//! Bad input for the units checker: unknown unit names (with the nearest suggested),
//! malformed unit expressions, wrong `[units]` entries, stock/flow and module-wire mismatches,
//! each pointing at file, line and column; severity by strictness.

use pressure_model::units::{check_units, FindingKind, UnitsReport};
use pressure_model::Severity;
use std::path::Path;

fn write(dir: &Path, name: &str, text: &str) -> std::path::PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

fn report(text: &str) -> UnitsReport {
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "m.toml", text);
    let model = pressure_model::load(&p).unwrap_or_else(|e| panic!("{e}"));
    check_units(&model)
}

fn texts(r: &UnitsReport) -> Vec<String> {
    r.findings
        .iter()
        .map(|f| {
            format!(
                "{} | {}",
                f.diagnostic,
                f.diagnostic.help.clone().unwrap_or_default()
            )
        })
        .collect()
}

#[test]
fn unknown_unit_name_suggests_the_nearest_and_points_at_the_name() {
    let r = report(
        "[units]\nusd_bn = \"billions of US dollars\"\n[constants.c]\nvalue = 1\nunits = \"usd_nb/year\"\n",
    );
    let t = texts(&r);
    assert_eq!(t.len(), 1, "{t:?}");
    assert_eq!(r.findings[0].kind, FindingKind::UnknownName);
    // `units = "usd_nb/year"`: the name starts at column 10 of line 5.
    assert!(
        t[0].contains("m.toml:5:10: unknown unit 'usd_nb'"),
        "{}",
        t[0]
    );
    assert!(t[0].contains("did you mean 'usd_bn'?"), "{}", t[0]);
    // A built-in name misspelt.
    let r = report("[constants.c]\nvalue = 1\nunits = \"1/yaer\"\n");
    let t = texts(&r);
    assert!(
        t[0].contains("m.toml:3:12: unknown unit 'yaer'"),
        "{}",
        t[0]
    );
    assert!(t[0].contains("did you mean 'year'?"), "{}", t[0]);
    // Nothing close: how to declare it.
    let r = report("[constants.c]\nvalue = 1\nunits = \"zloty\"\n");
    assert!(
        texts(&r)[0].contains("[units] zloty = \"what it means\""),
        "{:?}",
        texts(&r)
    );
}

#[test]
fn malformed_unit_expressions_point_at_the_column_and_are_errors() {
    for (units, col, words) in [
        ("usd//year", 14, "expected a unit name"),
        ("usd year", 14, "expected '*' or '/'"),
        ("usd/(year", 19, "expected ')'"),
        ("usd^x", 14, "an exponent must be a number"),
        ("usd#", 13, "unexpected character '#'"),
        ("", 10, "empty unit expression"),
    ] {
        let r = report(&format!("[aux.a]\nequation = \"1\"\nunits = \"{units}\"\n"));
        let t = texts(&r);
        assert_eq!(t.len(), 1, "{units}: {t:?}");
        assert_eq!(r.findings[0].kind, FindingKind::Malformed);
        assert!(
            t[0].contains(&format!("m.toml:3:{col}: malformed unit expression")),
            "{units}: {}",
            t[0]
        );
        assert!(t[0].contains(words), "{units}: {}", t[0]);
        // Malformed is an error even without --strict-units.
        assert_eq!(r.diagnostics(false)[0].severity, Severity::Error);
    }
}

#[test]
fn units_table_errors() {
    let r = report(
        "[units]\nusd_m = { equals = \"usd_bm / 1000\" }\nusd_bn = \"billions\"\na = { equals = \"b\" }\nb = { equals = \"a*2\" }\nc = { equal = \"usd_bn\" }\nyear = { equals = \"usd_bn\" }\nd = 5\n",
    );
    let t = texts(&r);
    let all = t.join("\n");
    assert!(all.contains("m.toml:2:21: unknown unit 'usd_bm' in the definition of unit 'usd_m' | did you mean 'usd_bn'?"), "{all}");
    assert!(
        all.contains("units defined in a circle: a -> b -> a"),
        "{all}"
    );
    assert!(
        all.contains("m.toml:6:7: unknown key 'equal' in [units.c] | did you mean 'equals'?"),
        "{all}"
    );
    assert!(
        all.contains("m.toml:7:1: 'year' is a built-in unit"),
        "{all}"
    );
    assert!(
        all.contains("m.toml:8:5: unit 'd' must be a description string or a table"),
        "{all}"
    );
    assert!(r.diagnostics(false).iter().filter(|d| d.is_error()).count() >= 4);
}

#[test]
fn stock_and_flow_units_and_the_initial_value() {
    let r = report(
        r#"
[settings]
time_units = "year"
[units]
usd_bn = "billions of US dollars"
[stocks.reserves]
initial = "inflow_rate"
inflows = ["exports"]
outflows = ["imports"]
units = "usd_bn"
[flows.exports]
equation = "inflow_rate"
units = "usd_bn/year"
[flows.imports]
equation = "reserves * 0.1"
units = "usd_bn"
[constants.inflow_rate]
value = 1
units = "usd_bn/year"
"#,
    );
    let all = texts(&r).join("\n");
    assert!(
        all.contains("m.toml:16:9: unit mismatch: stock 'reserves' is in usd_bn, so its outflow 'imports' must be in usd_bn/year (stock units per time unit, year), but 'imports' is declared in usd_bn"),
        "{all}"
    );
    assert!(all.contains("m.toml:7:12: unit mismatch: the initial value of 'reserves' gives usd_bn/year, but 'reserves' is declared in usd_bn"), "{all}");
    // `reserves * 0.1` gives usd_bn: consistent with the (wrong) declared units of imports.
    assert_eq!(r.findings.len(), 2, "{all}");
}

#[test]
fn missing_time_units_is_reported_once_when_stocks_and_flows_have_units() {
    let r = report("[stocks.s]\ninitial = \"0\"\ninflows = [\"f\"]\nunits = \"person\"\n[flows.f]\nequation = \"1\"\nunits = \"person/year\"\n");
    assert_eq!(r.findings.len(), 1);
    assert_eq!(r.findings[0].kind, FindingKind::MissingTimeUnits);
    assert!(
        texts(&r)[0].contains("m.toml:4:9: [settings] time_units is not set"),
        "{:?}",
        texts(&r)
    );
    // Without units on the flows there is nothing to relate: no finding.
    let r = report("[stocks.s]\ninitial = \"0\"\ninflows = [\"f\"]\nunits = \"person\"\n[flows.f]\nequation = \"1\"\n");
    assert!(r.is_clean(), "{:?}", texts(&r));
}

#[test]
fn strictness_turns_warnings_into_errors() {
    let r = report("[constants.a]\nvalue = 1\nunits = \"year\"\n[aux.b]\nequation = \"a + 1\"\nunits = \"day\"\n");
    assert_eq!(r.findings.len(), 1);
    assert_eq!(r.diagnostics(false)[0].severity, Severity::Warning);
    assert_eq!(r.diagnostics(true)[0].severity, Severity::Error);
    assert_eq!(r.error_count(false), 0);
    assert_eq!(r.error_count(true), 1);
    assert!(
        texts(&r)[0].contains("1 year = 365.25 day"),
        "{:?}",
        texts(&r)
    );
}

#[test]
fn lookups_declare_input_and_output_units() {
    let text = r#"
[units]
usd = "US dollars"
[lookups.demand_curve]
points = [[0, 10], [100, 1]]
x_units = "usd"
y_units = "person"
[constants.price]
value = 5
units = "usd"
[constants.share]
value = 0.5
units = "dimensionless"
[aux.buyers]
equation = "demand_curve(price)"
units = "person"
[aux.wrong_input]
equation = "demand_curve(share)"
units = "person"
[aux.wrong_output]
equation = "demand_curve(price)"
units = "usd"
"#;
    let r = report(text);
    let all = texts(&r).join("\n");
    assert_eq!(r.findings.len(), 2, "{all}");
    assert!(all.contains("m.toml:18:26: unit mismatch in the equation of 'wrong_input': the input of lookup 'demand_curve' (x_units) must be usd, but 'share' is dimensionless"), "{all}");
    assert!(
        all.contains(
            "the equation of 'wrong_output' gives person, but 'wrong_output' is declared in usd"
        ),
        "{all}"
    );
    // `units` and `y_units` must agree.
    let r =
        report("[lookups.f]\npoints = [[0, 1], [1, 2]]\nunits = \"person\"\ny_units = \"year\"\n");
    assert!(
        texts(&r)[0]
            .contains("m.toml:4:12: lookup 'f' has units = \"person\" and y_units = \"year\""),
        "{:?}",
        texts(&r)
    );
}

#[test]
fn arrays_have_one_unit_for_all_elements_and_findings_are_not_repeated() {
    let text = r#"
[settings]
time_units = "year"
[dimensions]
group = ["a", "b", "c"]
[stocks.loyalty]
dims = ["group"]
initial = "0.5"
inflows = ["change"]
units = "dimensionless"
[flows.change]
dims = ["group"]
equations = { a = "loyalty[a] - target", b = "loyalty[b] - target", c = "0" }
units = "1/year"
[constants.target]
value = 1
units = "dimensionless"
[aux.total]
equation = "SUM(loyalty[group!])"
units = "dimensionless"
[aux.product]
equation = "PROD(change[group!])"
units = "1/year^3"
[aux.bad_sum]
equation = "SUM(change[group!]) + target"
units = "dimensionless"
"#;
    let r = report(text);
    let all = texts(&r).join("\n");
    // The per-element equations give dimensionless where 1/year is declared (two elements,
    // two findings at two places), and the sum mixes 1/year with dimensionless.
    assert_eq!(r.findings.len(), 3, "{all}");
    assert!(
        all.contains(
            "the equation of 'change' gives dimensionless, but 'change' is declared in 1/year"
        ),
        "{all}"
    );
    assert!(
        all.contains("'SUM(change[group!])' is 1/year but 'target' is dimensionless"),
        "{all}"
    );
}

#[test]
fn module_wires_must_give_the_input_units() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "block.toml",
        r#"
[interface]
inputs = ["oil_price"]
outputs = ["revenue"]
[units]
usd = "US dollars"
barrel = "barrel of oil"
[constants.oil_price]
value = 60
units = "usd/barrel"
[constants.volume]
value = 2
units = "barrel/year"
[aux.revenue]
equation = "oil_price * volume"
units = "usd/year"
"#,
    );
    let root = write(
        dir.path(),
        "root.toml",
        r#"
[settings]
time_units = "year"
[modules.fiscal]
file = "block.toml"
[modules.fiscal.inputs]
oil_price = "world_price * 2"
[constants.world_price]
value = 50
units = "usd"
[aux.total]
equation = "fiscal.revenue"
units = "usd/year"
"#,
    );
    let model = pressure_model::load(&root).unwrap();
    let r = check_units(&model);
    let all = texts(&r).join("\n");
    assert_eq!(r.findings.len(), 1, "{all}");
    assert!(
        all.contains("root.toml:7:14: unit mismatch: the wire into module input 'fiscal.oil_price' gives usd, but 'fiscal.oil_price' is declared in usd/barrel"),
        "{all}"
    );
    assert!(
        all.contains("block.toml:10:9"),
        "the declaration in the module file is named: {all}"
    );
}
