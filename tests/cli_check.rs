//! `pressure check` and `pressure describe` end to end.

use std::path::Path;

mod cli_support;
use cli_support::{pressure, stderr};

fn repo(rel: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(rel)
        .to_str()
        .unwrap()
        .to_string()
}

#[test]
fn check_is_clean_on_the_examples() {
    for m in [
        "models/examples/teacup.toml",
        "models/examples/sir.toml",
        "models/examples/chain10.toml",
    ] {
        let o = pressure(&["check", &repo(m)]);
        assert_eq!(o.status.code(), Some(0), "{m}: {}", stderr(&o));
        assert!(String::from_utf8_lossy(&o.stdout).contains(": ok ("));
    }
    let o = pressure(&[
        "check",
        &repo("models/examples/sir.toml"),
        "--format",
        "json",
    ]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["ok"], true);
    assert_eq!(v["variables"]["stock"], 3);
}

#[test]
fn check_lists_every_problem_and_exits_2() {
    let d = tempfile::tempdir().unwrap();
    let m = d.path().join("m.toml");
    std::fs::write(
        &m,
        "[aux.a]\nequation = \"nope + 1\"\n[aux.b]\nequation = \"SMOOTH(a)\"\n[settings]\ndt = 0\n",
    )
    .unwrap();
    let o = pressure(&["check", m.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(
        err.contains("m.toml:2:13") && err.contains("unknown variable 'nope'"),
        "{err}"
    );
    assert!(
        err.contains("m.toml:4:13") && err.contains("SMOOTH takes 2 arguments"),
        "{err}"
    );
}

#[test]
fn check_reports_a_missing_file() {
    let o = pressure(&["check", "/nonexistent/model.toml"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("cannot read model file /nonexistent/model.toml"));
}

#[test]
fn describe_lists_variables_with_kind_units_doc_source_and_equation() {
    let o = pressure(&["describe", &repo("models/examples/teacup.toml")]);
    assert!(o.status.success());
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("teacup_temperature  (stock, degF)"), "{text}");
    assert!(text.contains("= INTEG(-heat_loss_to_room, 180)"), "{text}");
    assert!(
        text.contains("= (teacup_temperature - room_temperature) / characteristic_time"),
        "{text}"
    );
    assert!(text.contains("range [60, 80]"), "{text}");
    assert!(
        text.contains("source: SDXorg test-models samples/teacup"),
        "{text}"
    );
    let o = pressure(&[
        "describe",
        &repo("models/examples/sir.toml"),
        "--format",
        "json",
    ]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let vars = v["variables"].as_array().unwrap();
    let ci = vars
        .iter()
        .find(|x| x["name"] == "contact_infectivity")
        .unwrap();
    assert_eq!(ci["kind"], "constant");
    assert_eq!(ci["units"], "1/day");
    assert_eq!(ci["range"], serde_json::json!([0.1, 0.6]));
    assert_eq!(v["settings"]["dt"], 0.03125);
}
