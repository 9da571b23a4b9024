//! The SDXorg test-models suite (`../shared/conformance/sdxorg-test-models/tests`, MIT): every
//! `.mdl` file is imported, run with its own settings, and every column of its reference output
//! (`output.tab` / `output.csv` beside it) that the model reports is compared at every reference
//! time within a relative 1e-3 (`|a - b| <= 1e-3 * max(|a|, |b|)`, or both within 1e-9 of
//! zero), the pass criterion of issue 15. A file with no comparable column fails.
//!
//! The test prints the pass count, each failing file with its reason, and the reasons grouped,
//! and fails when the pass count drops below [`BASELINE`] (raise it when more files pass).
//! Run it with `cargo test -p pressure-interop --release --test conformance -- --nocapture`.
//! It skips, saying so, when the shared folder is absent.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Files passing when this was last measured; the test fails below it.
const BASELINE: usize = 91;
const RTOL: f64 = 1e-3;

fn suite() -> Option<PathBuf> {
    // The worktree sits beside `shared/` (see PROTOCOL.md); the crate is two levels down.
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/conformance/sdxorg-test-models/tests");
    dir.is_dir().then_some(dir)
}

fn mdl_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<PathBuf> = rd.filter_map(|e| e.ok().map(|e| e.path())).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            mdl_files(&p, out);
        } else if p.extension().and_then(|e| e.to_str()) == Some("mdl") {
            out.push(p);
        }
    }
}

/// Lower case, every run of characters other than letters, digits, `[`, `]` and `,` as one
/// `_`: how a Vensim column name and an IR column name are matched.
fn norm(name: &str) -> String {
    let mut out = String::new();
    let mut gap = false;
    for c in name.trim().trim_matches('"').chars() {
        if c.is_alphanumeric() || matches!(c, '[' | ']' | ',') {
            if gap && !out.is_empty() && !out.ends_with(['[', ',']) && !matches!(c, ']' | ',') {
                out.push('_');
            }
            gap = false;
            out.extend(c.to_lowercase());
        } else {
            gap = true;
        }
    }
    out
}

/// A reference table: column names and rows of values (None where a cell is not a number).
struct Reference {
    names: Vec<String>,
    rows: Vec<Vec<Option<f64>>>,
}

fn read_reference(dir: &Path) -> Result<Reference, String> {
    let (path, sep) = if dir.join("output.tab").exists() {
        (dir.join("output.tab"), '\t')
    } else if dir.join("output.csv").exists() {
        (dir.join("output.csv"), ',')
    } else {
        return Err("no reference output".into());
    };
    let bytes = std::fs::read(&path).map_err(|e| e.to_string())?;
    let text = String::from_utf8_lossy(&bytes)
        .replace("\r\n", "\n")
        .replace('\r', "\n");
    let mut lines = text.lines().filter(|l| !l.trim().is_empty());
    let header = lines.next().ok_or("empty reference output")?;
    let split = |l: &str| -> Vec<String> {
        if sep == ',' {
            // Quoted names may hold commas (`"x[a,b]"`).
            let mut cells = Vec::new();
            let mut cur = String::new();
            let mut quoted = false;
            for c in l.chars() {
                match c {
                    '"' => quoted = !quoted,
                    ',' if !quoted => cells.push(std::mem::take(&mut cur)),
                    _ => cur.push(c),
                }
            }
            cells.push(cur);
            cells
        } else {
            l.split('\t').map(str::to_string).collect()
        }
    };
    let names = split(header);
    let rows = lines
        .map(|l| {
            split(l)
                .iter()
                .map(|c| c.trim().parse::<f64>().ok())
                .collect()
        })
        .collect();
    Ok(Reference { names, rows })
}

enum Outcome {
    Pass,
    Fail(String),
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= RTOL * a.abs().max(b.abs()) || (a.abs() < 1e-9 && b.abs() < 1e-9)
}

fn check(path: &Path) -> Outcome {
    let reference = match read_reference(path.parent().unwrap()) {
        Ok(r) => r,
        Err(e) => return Outcome::Fail(e),
    };
    let model = match pressure_interop::load(path) {
        Ok(m) => m,
        Err(e) => {
            // The message without its location (the file is named in the listing).
            let d = e.first();
            let line = match &d.location {
                Some(pressure_model::Location::Model { line, column, .. }) => {
                    format!(" (line {line}, column {column})")
                }
                _ => String::new(),
            };
            return Outcome::Fail(format!("import: {}{line}", d.message));
        }
    };
    let compiled = match pressure_sim::CompiledModel::compile(&model) {
        Ok(c) => c,
        Err(e) => return Outcome::Fail(format!("compile: {e}")),
    };
    let results = match compiled.run(&compiled.default_params(), &compiled.default_settings()) {
        Ok(r) => r,
        Err(e) => return Outcome::Fail(format!("run: {e}")),
    };
    let ours: BTreeMap<String, usize> = results
        .names()
        .iter()
        .enumerate()
        .map(|(i, n)| (norm(n), i))
        .collect();
    let time = results.time();
    let tcol = reference
        .names
        .iter()
        .position(|n| n.trim().eq_ignore_ascii_case("time"))
        .unwrap_or(0);
    let mut compared = 0;
    for (c, name) in reference.names.iter().enumerate() {
        if c == tcol {
            continue;
        }
        let Some(&i) = ours.get(&norm(name)) else {
            continue;
        };
        compared += 1;
        let col = results.column_at(i);
        for row in &reference.rows {
            let (Some(Some(t)), Some(Some(want))) = (row.get(tcol), row.get(c)) else {
                continue;
            };
            let Some(k) = time
                .iter()
                .position(|x| (x - t).abs() <= 1e-9 * t.abs().max(1.0))
            else {
                return Outcome::Fail(format!("no result at reference time {t}"));
            };
            if !close(col[k], *want) {
                return Outcome::Fail(format!(
                    "value differs ({} at time {t}: {} vs reference {want})",
                    name.trim(),
                    col[k]
                ));
            }
        }
    }
    if compared == 0 {
        return Outcome::Fail("no reference column matches a reported variable".into());
    }
    Outcome::Pass
}

/// A failure reason with the specifics (names, numbers) taken out, for grouping.
fn reason_class(reason: &str) -> String {
    let mut out = String::new();
    let mut quoted = false;
    for c in reason.chars() {
        if c == '\'' {
            quoted = !quoted;
            if quoted {
                out.push_str("'…'");
            }
            continue;
        }
        if !quoted {
            out.push(c);
        }
    }
    // Keep the function name for unknown functions: that is the missing builtin.
    if reason.contains("unknown function") {
        return reason.split(" (").next().unwrap_or(reason).to_string();
    }
    if let Some(i) = out.find(" (") {
        out.truncate(i);
    }
    out.chars().take(90).collect()
}

#[test]
fn sdxorg_mdl_suite_passes_at_least_the_baseline() {
    let Some(dir) = suite() else {
        eprintln!(
            "SKIPPED: the SDXorg suite is not present (expected ../shared/conformance/sdxorg-test-models/tests beside the repository)"
        );
        return;
    };
    let mut files = Vec::new();
    mdl_files(&dir, &mut files);
    assert!(!files.is_empty(), "no .mdl files under {}", dir.display());
    let mut pass = 0;
    let mut groups: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for f in &files {
        let rel = f.strip_prefix(&dir).unwrap().display().to_string();
        let outcome =
            std::panic::catch_unwind(|| check(f)).unwrap_or_else(|_| Outcome::Fail("PANIC".into()));
        match outcome {
            Outcome::Pass => {
                pass += 1;
                println!("pass {rel}");
            }
            Outcome::Fail(reason) => {
                println!("FAIL {rel}: {reason}");
                groups.entry(reason_class(&reason)).or_default().push(rel);
            }
        }
    }
    println!("\nfailures by reason:");
    let mut sorted: Vec<_> = groups.iter().collect();
    sorted.sort_by_key(|(_, v)| std::cmp::Reverse(v.len()));
    for (reason, list) in sorted {
        println!("{:4}  {reason}", list.len());
    }
    println!("\n.mdl files passing: {pass} of {}", files.len());
    assert!(
        !groups.contains_key("PANIC"),
        "a file made the importer or the engine panic: {:?}",
        groups["PANIC"]
    );
    assert!(
        pass >= BASELINE,
        "conformance fell from {BASELINE} to {pass} passing .mdl files"
    );
}
