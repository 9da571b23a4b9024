//! `pressure reproduce --quick` writes the same files, bit for bit apart from timings, as a
//! baseline binary (e.g. one built from `main` before a refactoring). Ignored: it runs the
//! quick study twice (117 s each on two idle cores per the README; one run took 578 s on two
//! cores shared with other builds). Build the baseline from the commit to compare against,
//! then:
//!
//! ```sh
//! git worktree add /tmp/base main && (cd /tmp/base && cargo build --release --bin pressure)
//! PRESSURE_BASELINE_BIN=/tmp/base/target/release/pressure \
//!     cargo test --release --test reproduce_unchanged -- --ignored --nocapture
//! ```
//!
//! `PRESSURE_BASELINE_DIR=DIR` compares against a folder a baseline run already wrote
//! (`pressure reproduce --quick --out DIR`, run from the repository root) instead of running
//! the baseline binary. Both runs read the same inputs (this checkout's), so a change of
//! results by another commit does not make the test stale; only the code differs.
//!
//! What is not compared: the order of lines in PDF files (see [`comparable`]), wall-clock times (`seconds`, `elapsed_seconds`, `timings_seconds`
//! in the manifests and `stats.json`, durations and rates written as `12.3 s` or
//! `456 runs/s` in notes and the index), the command line recorded in manifests, and the
//! output folder's own path.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

/// JSON keys that hold wall-clock timings or the command line.
const UNCOMPARED_KEYS: [&str; 4] = [
    "seconds",
    "elapsed_seconds",
    "timings_seconds",
    "command_line",
];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn quick_study(binary: &Path, out: &Path) {
    let o = Command::new(binary)
        .current_dir(root())
        .args(["reproduce", "--quick", "--out"])
        .arg(out)
        .output()
        .expect("run pressure");
    assert!(
        o.status.success(),
        "{} reproduce --quick failed:\n{}",
        binary.display(),
        String::from_utf8_lossy(&o.stderr)
    );
}

/// Every file below `dir`, by path relative to it.
fn files(dir: &Path) -> BTreeMap<String, PathBuf> {
    fn walk(base: &Path, dir: &Path, out: &mut BTreeMap<String, PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(base, &path, out);
            } else {
                let rel = path
                    .strip_prefix(base)
                    .unwrap()
                    .to_string_lossy()
                    .to_string();
                out.insert(rel, path);
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

/// `text` with the number of every duration (`12.3 s`) and rate (`456 runs/s`) replaced by `#`.
fn mask_times(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        let starts_number = chars[i].is_ascii_digit()
            && (i == 0 || !(chars[i - 1].is_alphanumeric() || chars[i - 1] == '.'));
        if starts_number {
            let mut j = i;
            while j < chars.len() && (chars[j].is_ascii_digit() || chars[j] == '.') {
                j += 1;
            }
            let rest: String = chars[j..chars.len().min(j + 8)].iter().collect();
            let unit_end = |u: &str| {
                rest.starts_with(u)
                    && !rest[u.len()..]
                        .chars()
                        .next()
                        .is_some_and(char::is_alphanumeric)
            };
            if unit_end(" s") || unit_end(" runs/s") {
                out.push('#');
                i = j;
                continue;
            }
            out.extend(&chars[i..j]);
            i = j;
            continue;
        }
        out.push(chars[i]);
        i += 1;
    }
    out
}

fn normalise_json(v: &mut serde_json::Value, out_dir: &str) {
    match v {
        serde_json::Value::Object(m) => {
            for key in UNCOMPARED_KEYS {
                m.remove(key);
            }
            for (_, x) in m.iter_mut() {
                normalise_json(x, out_dir);
            }
        }
        serde_json::Value::Array(a) => a.iter_mut().for_each(|x| normalise_json(x, out_dir)),
        serde_json::Value::String(s) => *s = mask_times(&s.replace(out_dir, "OUT")),
        _ => {}
    }
}

/// The file's content as compared: JSON without timings, text with times masked, PDF as its
/// sorted lines, other files as they are.
///
/// The PDF writer emits a page's resource dictionary (`/gs34 41 0 R` ...) in hash-map order,
/// which differs between two runs of the same binary: three runs of `pressure plot pairs` on
/// the same `draws.csv` gave three PDFs of the same length with different bytes and the same
/// sorted lines. Sorting the lines keeps every object and stream while ignoring that order.
fn comparable(path: &Path, out_dir: &Path) -> Vec<u8> {
    let bytes = std::fs::read(path).unwrap();
    let out_dir = out_dir.display().to_string();
    match path.extension().and_then(|e| e.to_str()) {
        Some("json") => {
            let mut v: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
            normalise_json(&mut v, &out_dir);
            serde_json::to_vec_pretty(&v).unwrap()
        }
        Some("md") => {
            mask_times(&String::from_utf8_lossy(&bytes).replace(&out_dir, "OUT")).into_bytes()
        }
        Some("pdf") => {
            let mut lines: Vec<&[u8]> = bytes.split(|b| *b == b'\n').collect();
            lines.sort_unstable();
            lines.join(&b'\n')
        }
        _ => bytes,
    }
}

#[test]
fn masking_hides_durations_and_rates_only() {
    assert_eq!(
        mask_times("33 model runs in 0.4 s (82 runs/s); step (sensitivity; 12.0 s): 3 s2"),
        "33 model runs in # s (# runs/s); step (sensitivity; # s): 3 s2"
    );
    assert_eq!(mask_times("x1.5 s, 2020 series"), "x1.5 s, 2020 series");
}

#[test]
#[ignore = "runs the quick study, and the baseline's unless given (minutes each); needs PRESSURE_BASELINE_BIN or PRESSURE_BASELINE_DIR"]
fn quick_study_outputs_match_the_baseline() {
    let baseline_dir = std::env::var_os("PRESSURE_BASELINE_DIR").map(PathBuf::from);
    let baseline_bin = std::env::var_os("PRESSURE_BASELINE_BIN").map(PathBuf::from);
    if baseline_dir.is_none() && baseline_bin.is_none() {
        eprintln!(
            "skipped: set PRESSURE_BASELINE_BIN (a pressure binary to compare against) or \
             PRESSURE_BASELINE_DIR (its `reproduce --quick` output)"
        );
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let before = match baseline_dir {
        Some(dir) => dir,
        None => {
            let dir = tmp.path().join("before");
            quick_study(baseline_bin.as_deref().unwrap(), &dir);
            dir
        }
    };
    let after = tmp.path().join("after");
    quick_study(Path::new(env!("CARGO_BIN_EXE_pressure")), &after);

    let (a, b) = (files(&before), files(&after));
    let mut problems = Vec::new();
    for name in a.keys().filter(|n| !b.contains_key(*n)) {
        problems.push(format!("only in the baseline: {name}"));
    }
    for name in b.keys().filter(|n| !a.contains_key(*n)) {
        problems.push(format!("only in this build: {name}"));
    }
    for (name, path) in &a {
        if let Some(other) = b.get(name) {
            if comparable(path, &before) != comparable(other, &after) {
                problems.push(format!("differs: {name}"));
            }
        }
    }
    eprintln!("compared {} files", a.len());
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
