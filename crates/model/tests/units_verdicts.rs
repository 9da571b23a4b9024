//! Unit analysis: a suite of correct and incorrect equations with their expected verdicts.
//!
//! Each case is one auxiliary `x` with declared units and an equation, checked inside a small
//! model whose other variables have known units. A correct equation must give no finding at
//! all; an incorrect one exactly the findings expected, with the expected words in them.

use pressure_model::units::{check_units, FindingKind};
use std::path::PathBuf;

const BASE: &str = r#"
[settings]
stop = 10
time_units = "year"

[units]
usd_bn = "billions of US dollars"
lcu_bn = { doc = "billions of local currency units", aliases = ["lcu_billion"] }
usd_m = { equals = "usd_bn / 1000", doc = "millions of US dollars" }

[stocks.debt]
initial = "10"
inflows = ["borrowing"]
units = "usd_bn"

[flows.borrowing]
equation = "spending - revenue"
units = "usd_bn/year"

[constants.revenue]
value = 3
units = "usd_bn/year"
[constants.spending]
value = 4
units = "usd_bn/year"
[constants.price]
value = 2
units = "usd_bn"
[constants.rate]
value = 0.1
units = "1/year"
[constants.share]
value = 0.5
units = "dimensionless"
[constants.pct]
value = 5
units = "percent"
[constants.horizon]
value = 4
units = "year"
[constants.months]
value = 6
units = "month"
[constants.months_per_year]
value = 12
units = "month/year"
[constants.people]
value = 100
units = "people"
[constants.small]
value = 5
units = "usd_m"
[constants.local]
value = 5
units = "lcu_billion"
[constants.fx]
value = 40
units = "lcu_bn/usd_bn"
[constants.untyped]
value = 1

[lookups.effect]
points = [[0, 1], [1, 0.5]]
x_units = "dimensionless"
y_units = "dimensionless"
"#;

fn check(units: &str, equation: &str) -> Vec<(FindingKind, String)> {
    let dir = tempfile::tempdir().unwrap();
    let path: PathBuf = dir.path().join("case.toml");
    let text = format!("{BASE}\n[aux.x]\nequation = \"{equation}\"\nunits = \"{units}\"\n");
    std::fs::write(&path, text).unwrap();
    let model = pressure_model::load(&path).unwrap_or_else(|e| panic!("{equation}: {e}"));
    check_units(&model)
        .findings
        .into_iter()
        .map(|f| {
            (
                f.kind,
                f.diagnostic.to_string() + " | " + &f.diagnostic.help.unwrap_or_default(),
            )
        })
        .collect()
}

#[test]
fn correct_equations_give_no_finding() {
    let cases = [
        ("usd_bn/year", "revenue - spending"),
        ("usd_bn/year", "debt * rate"),
        ("usd_bn/year", "debt / horizon"),
        ("usd_bn/year", "revenue * 2 + 1"),
        ("usd_bn/year", "MAX(0, revenue)"),
        ("usd_bn/year", "MIN(revenue, spending, 0)"),
        ("usd_bn/year", "IF debt > 0 THEN revenue ELSE 0"),
        ("usd_bn/year", "IF THEN ELSE(share < 0.5, 0, spending)"),
        ("dimensionless", "EXP(-rate * horizon)"),
        ("dimensionless", "LN(debt / price)"),
        ("dimensionless", "LOG(share, 10)"),
        ("usd_bn", "SQRT(debt * price)"),
        ("usd_bn", "debt ^ 2 / price"),
        ("1/year^2", "rate ^ 2"),
        ("1/year", "horizon ^ -1"),
        ("dimensionless", "share ^ 0.5"),
        ("dimensionless", "POWER(1 + share, 2)"),
        ("usd_bn/year", "SMOOTH(revenue, horizon)"),
        ("usd_bn/year", "SMOOTH3I(revenue, 2, spending)"),
        ("usd_bn/year", "DELAY1(revenue, 3)"),
        ("usd_bn/year", "DELAY N(revenue, horizon, 0, 4)"),
        ("1/year", "TREND(debt, horizon, 0)"),
        ("usd_bn", "FORECAST(debt, horizon, 1)"),
        ("usd_bn", "INITIAL(debt)"),
        ("dimensionless", "effect(share)"),
        ("dimensionless", "effect(0.3)"),
        ("usd_bn/year", "STEP(revenue, 5)"),
        ("dimensionless", "PULSE(2, 1)"),
        ("usd_bn/year", "revenue * PULSE TRAIN(1, 1, horizon, 9)"),
        ("usd_bn/year", "RAMP(revenue / horizon, 2, 8)"),
        ("dimensionless", "TIME * rate"),
        ("year", "DT + TIME - INITIAL TIME"),
        ("usd_bn", "5"),
        ("year", "XIDZ(debt, revenue, horizon)"),
        ("1/year", "ZIDZ(revenue, debt)"),
        ("dimensionless", "people / people"),
        ("dimensionless", "months / months_per_year / horizon"),
        ("lcu_bn", "local + fx * price"),
        ("usd_bn", "ABS(-debt) + INTEGER(price)"),
        ("usd_bn", "MODULO(debt, price)"),
        ("dimensionless", "share AND debt > 0"),
        ("usd_bn", "debt + untyped"),
        ("usd_bn", "untyped * horizon"),
        ("percent", "100 * pct / 100 * 1"),
        ("dimensionless", "SIN(share * PI)"),
    ];
    let mut failures = Vec::new();
    for (units, eq) in cases {
        let f = check(units, eq);
        if !f.is_empty() {
            failures.push(format!("{eq} [{units}]: {f:?}"));
        }
    }
    assert!(
        failures.is_empty(),
        "false positives:\n{}",
        failures.join("\n")
    );
}

#[test]
fn incorrect_equations_give_the_expected_finding() {
    // (declared units, equation, words every finding must contain)
    let cases: &[(&str, &str, &[&str])] = &[
        (
            "usd_bn/year",
            "revenue + debt",
            &[
                "both sides of +",
                "'revenue' is usd_bn/year",
                "'debt' is usd_bn",
            ],
        ),
        (
            "usd_bn",
            "debt * rate",
            &[
                "gives usd_bn/year",
                "declared in usd_bn",
                "is usd_bn per year",
            ],
        ),
        (
            "usd_bn/year",
            "debt",
            &[
                "gives usd_bn",
                "declared in usd_bn/year",
                "is usd_bn/year times year",
            ],
        ),
        (
            "dimensionless",
            "EXP(debt)",
            &[
                "the argument of EXP must be dimensionless",
                "'debt' is usd_bn",
            ],
        ),
        (
            "dimensionless",
            "LN(price)",
            &["the argument of LN must be dimensionless"],
        ),
        (
            "usd_bn/year",
            "MIN(revenue, debt)",
            &["the arguments of MIN", "'debt' is usd_bn"],
        ),
        (
            "usd_bn/year",
            "MAX(0, revenue, price)",
            &["the arguments of MAX", "'price' is usd_bn"],
        ),
        (
            "usd_bn/year",
            "IF share > 0 THEN revenue ELSE debt",
            &["two branches of IF THEN ELSE"],
        ),
        (
            "dimensionless",
            "debt ^ share",
            &["its exponent must be a number", "'share'"],
        ),
        (
            "dimensionless",
            "share ^ horizon",
            &["an exponent must be dimensionless", "'horizon' is year"],
        ),
        (
            "usd_bn/year",
            "SMOOTH(revenue, price)",
            &["the delay time of SMOOTH must be year", "'price' is usd_bn"],
        ),
        (
            "usd_bn/year",
            "DELAY1I(revenue, 2, debt)",
            &["the input and the initial value of DELAY1I"],
        ),
        (
            "dimensionless",
            "effect(debt)",
            &[
                "the input of lookup 'effect' (x_units) must be dimensionless",
                "'debt' is usd_bn",
            ],
        ),
        ("dimensionless", "revenue > debt", &["both sides of >"]),
        (
            "month",
            "months + horizon",
            &["both sides of +", "1 month = 0.0833333 year"],
        ),
        (
            "dimensionless",
            "pct + share",
            &["'pct' is percent", "1 percent = 0.01 dimensionless"],
        ),
        (
            "dimensionless",
            "12 * months / horizon",
            &[
                "gives month/year",
                "declared in dimensionless",
                "1 month/year = 0.0833333 dimensionless",
            ],
        ),
        (
            "usd_bn",
            "small + debt",
            &["'small' is usd_m", "1 usd_m = 0.001 usd_bn"],
        ),
        (
            "usd_bn/year",
            "STEP(revenue, price)",
            &["the step time of STEP must be year"],
        ),
        (
            "dimensionless",
            "PULSE(price, 1)",
            &["the start of PULSE must be year"],
        ),
        (
            "1/year",
            "TREND(debt, horizon, revenue)",
            &["the initial trend of TREND", "must be 1/year"],
        ),
        ("usd_bn", "local", &["gives lcu_bn", "declared in usd_bn"]),
        (
            "person",
            "people * share + horizon",
            &["both sides of +", "is person", "is year"],
        ),
        (
            "year",
            "XIDZ(debt, revenue, price)",
            &["the quotient and the fallback value of XIDZ"],
        ),
        (
            "usd_bn",
            "MODULO(debt, horizon)",
            &["both arguments of MODULO"],
        ),
        (
            "year",
            "TIME + debt",
            &["both sides of +", "'TIME' is year"],
        ),
        // Numbers are unit-polymorphic, never conversions: dividing by 1000 keeps usd_m, and
        // dividing a percentage by 100 keeps percent.
        (
            "usd_bn",
            "small / 1000 + debt",
            &["'small / 1000' is usd_m", "1 usd_m = 0.001 usd_bn"],
        ),
        (
            "dimensionless",
            "pct / 100",
            &["gives percent", "declared in dimensionless"],
        ),
    ];
    let mut failures = Vec::new();
    for (units, eq, words) in cases {
        let f = check(units, eq);
        if f.len() != 1 {
            failures.push(format!("{eq} [{units}]: expected 1 finding, got {f:?}"));
            continue;
        }
        let (kind, text) = &f[0];
        if *kind != FindingKind::Mismatch {
            failures.push(format!("{eq}: kind {kind:?}"));
        }
        for w in *words {
            if !text.contains(w) {
                failures.push(format!("{eq} [{units}]: '{w}' missing from: {text}"));
            }
        }
        // The finding points into the equation line (the last aux of the file).
        if !text.contains("case.toml:") {
            failures.push(format!("{eq}: no location in {text}"));
        }
    }
    assert!(
        failures.is_empty(),
        "wrong verdicts:\n{}",
        failures.join("\n")
    );
}

#[test]
fn mismatch_points_at_the_operator_expression_in_the_equation() {
    let f = check("usd_bn/year", "1 + (revenue + debt)");
    assert_eq!(f.len(), 1, "{f:?}");
    // Line of `equation = "1 + (revenue + debt)"`: the inner sum starts at column 18.
    let line = BASE.lines().count() + 3;
    assert!(
        f[0].1.contains(&format!("case.toml:{line}:18")),
        "{}",
        f[0].1
    );
}
