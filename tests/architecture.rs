//! The dependency rules of ARCHITECTURE.md, enforced: a crate that reaches the wrong way fails
//! this test. Each workspace crate may depend only on the internal crates listed for it here.

use std::collections::BTreeMap;
use std::path::Path;

/// Allowed internal dependencies per crate directory. Keep in step with ARCHITECTURE.md.
fn allowed() -> BTreeMap<&'static str, &'static [&'static str]> {
    BTreeMap::from([
        ("model", &[][..]),
        ("stats", &[][..]),
        // Atomic writes and CSV tables: a leaf every writing crate may use.
        ("output", &[][..]),
        ("data", &["stats"][..]),
        ("plot", &[][..]),
        ("interop", &["model"][..]),
        ("sim", &["model", "stats"][..]),
        ("econometrics", &["data", "stats", "output"][..]),
        (
            "sensitivity",
            &["model", "interop", "sim", "stats", "output"][..],
        ),
        (
            "calibrate",
            &[
                "model",
                "interop",
                "sim",
                "data",
                "stats",
                "sensitivity",
                "output",
            ][..],
        ),
        // The Python bindings: the engine crates they expose (see ARCHITECTURE.md).
        (
            "python",
            &[
                "model",
                "sim",
                "interop",
                "sensitivity",
                "calibrate",
                "plot",
                "output",
            ][..],
        ),
    ])
}

fn internal_deps(manifest: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(manifest).unwrap();
    let doc: toml::Table = toml::from_str(&text).unwrap();
    let mut deps = Vec::new();
    for section in ["dependencies", "build-dependencies"] {
        if let Some(table) = doc.get(section).and_then(|v| v.as_table()) {
            for name in table.keys() {
                if let Some(short) = name.strip_prefix("pressure-") {
                    deps.push(short.to_string());
                }
            }
        }
    }
    deps
}

#[test]
fn crates_depend_only_in_the_documented_direction() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let rules = allowed();
    let mut seen = 0;
    for entry in std::fs::read_dir(root.join("crates")).unwrap() {
        let dir = entry.unwrap().path();
        let manifest = dir.join("Cargo.toml");
        if !manifest.exists() {
            continue;
        }
        let name = dir.file_name().unwrap().to_string_lossy().to_string();
        let allowed = rules.get(name.as_str()).unwrap_or_else(|| {
            panic!("crate `{name}` has no dependency rule: add it to ARCHITECTURE.md and this test")
        });
        for dep in internal_deps(&manifest) {
            assert!(
                allowed.contains(&dep.as_str()),
                "crate `{name}` depends on `pressure-{dep}`, which ARCHITECTURE.md does not allow (allowed: {allowed:?})"
            );
        }
        seen += 1;
    }
    assert_eq!(
        seen,
        rules.len(),
        "every rule should match a crate directory"
    );
}

#[test]
fn the_rule_checker_catches_a_wrong_way_dependency() {
    let dir = tempfile::tempdir().unwrap();
    let manifest = dir.path().join("Cargo.toml");
    std::fs::write(
        &manifest,
        "[package]\nname = \"x\"\n[dependencies]\npressure-sim = { path = \"../sim\" }\n",
    )
    .unwrap();
    let deps = internal_deps(&manifest);
    assert_eq!(deps, vec!["sim".to_string()]);
    assert!(!allowed()["model"].contains(&"sim"));
}
