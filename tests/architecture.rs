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
        ("sim", &["model", "stats", "output"][..]),
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

/// Source files of the library crates: every `crates/*/src`, and the root package's library
/// (everything under `src/` but the CLI, `src/cli/` and `src/main.rs`, which maps the
/// environment to options).
fn library_sources(root: &Path) -> Vec<std::path::PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let p = entry.unwrap().path();
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|e| e == "rs") {
                out.push(p);
            }
        }
    }
    let mut files = Vec::new();
    walk(&root.join("src"), &mut files);
    files.retain(|f| !f.starts_with(root.join("src/cli")) && !f.ends_with("src/main.rs"));
    assert!(files.contains(&root.join("src/study/mod.rs")), "{files:?}");
    for entry in std::fs::read_dir(root.join("crates")).unwrap() {
        let src = entry.unwrap().path().join("src");
        if src.is_dir() {
            walk(&src, &mut files);
        }
    }
    files
}

/// Lines of `text` that read the environment or name the build machine's source folder:
/// `std::env::var`/`var_os`/`vars`, `env!("CARGO_MANIFEST_DIR")`, `option_env!`. Comments
/// (doc examples run as tests in the crate's folder) and what follows `#[cfg(test)]` (unit
/// tests) are not library code and are skipped.
fn environment_reads(text: &str) -> Vec<(usize, String)> {
    let mut found = Vec::new();
    let lines: Vec<&str> = text.lines().collect();
    for (i, line) in lines.iter().enumerate() {
        let code = line.trim_start();
        // Unit tests: `#[cfg(test)]`, or a `#[cfg(all(test, ...))]` that may span lines.
        if code.starts_with("#[cfg(") {
            let attribute: String = lines[i..]
                .iter()
                .take_while(|l| !l.trim_start().starts_with("mod ") && !l.contains('{'))
                .copied()
                .collect();
            if attribute
                .split(|c: char| !c.is_alphanumeric() && c != '_')
                .any(|w| w == "test")
            {
                break;
            }
        }
        if code.starts_with("//") {
            continue;
        }
        let compact: String = code.chars().filter(|c| !c.is_whitespace()).collect();
        if compact.contains("env::var")
            || compact.contains("env!(\"CARGO_MANIFEST_DIR\")")
            || compact.contains("option_env!(")
        {
            found.push((i + 1, line.trim().to_string()));
        }
    }
    found
}

#[test]
fn library_crates_read_no_environment_and_no_build_machine_paths() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let files = library_sources(root);
    assert!(files.len() > 50, "found only {} library files", files.len());
    let mut offences = Vec::new();
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        for (line, code) in environment_reads(&text) {
            offences.push(format!(
                "{}:{line}: {code}",
                f.strip_prefix(root).unwrap().display()
            ));
        }
    }
    assert!(
        offences.is_empty(),
        "library code reads the environment or the build machine's paths (take them as options \
         from the caller; the CLI maps environment variables): {offences:#?}"
    );
}

#[test]
fn the_environment_check_catches_reads_and_skips_comments_and_tests() {
    let text = "fn a() {\n    let v = std::env::var(\"X\");\n    // std::env::var(\"Y\") in a comment\n    let d = env!( \"CARGO_MANIFEST_DIR\" );\n    let o = std::env::var_os(\"Z\");\n}\n#[cfg(test)]\nmod tests { fn t() { std::env::var(\"T\"); } }\n";
    let found: Vec<usize> = environment_reads(text)
        .into_iter()
        .map(|(l, _)| l)
        .collect();
    assert_eq!(found, vec![2, 4, 5]);
    let multi_line = "fn a() {}\n#[cfg(all(\n    test,\n    feature = \"jit\"\n))]\nmod native { fn t() { std::env::var(\"T\"); } }\n";
    assert!(environment_reads(multi_line).is_empty());
    let not_test = "#[cfg(feature = \"jit\")]\nfn b() { std::env::var(\"B\"); }\n";
    assert_eq!(environment_reads(not_test).len(), 1);
}
