//! Each output file is written by one piece of code: `pressure estimate`, `pressure calibrate`
//! and `pressure sensitivity` write the same files, byte for byte, as the steps of `pressure
//! reproduce` that run the same spec (the reports write themselves: `Report::write_to`,
//! `CalibrationFiles::write_to`). The manifests differ only in what the context adds (command
//! line, timings, threads, the step's name); the facts the reports give must agree. A
//! calibration's `stats.json` is compared without its wall-clock `timings_seconds`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

mod cli_support;
use cli_support::{pressure, stderr};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every data file of `dir` (not the manifest, not the figures), name → bytes.
fn data_files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .map(|p| (p.file_name().unwrap().to_string_lossy().to_string(), p))
        .filter(|(n, _)| n != "manifest.json" && !n.starts_with('.'))
        .map(|(n, p)| (n, std::fs::read(p).unwrap()))
        .collect()
}

/// A calibration's `stats.json` without its wall-clock `timings_seconds` (which no two runs
/// share).
fn without_timings(bytes: &[u8]) -> serde_json::Value {
    let mut v: serde_json::Value = serde_json::from_slice(bytes).unwrap();
    let timings = v.as_object_mut().unwrap().remove("timings_seconds");
    assert!(timings.is_some(), "stats.json without timings_seconds");
    v
}

fn manifest_extra(dir: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(dir.join("manifest.json")).unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    v["extra"].clone()
}

/// The command's files all appear in the study's step folder with the same bytes, and the
/// study writes no data file the command does not, apart from `study_only`.
fn assert_same_files(command: &Path, step: &Path, study_only: &[&str]) {
    let a = data_files(command);
    let mut b = data_files(step);
    for extra in study_only {
        b.remove(*extra);
    }
    assert!(!a.is_empty(), "{} wrote nothing", command.display());
    let names = |m: &BTreeMap<String, Vec<u8>>| m.keys().cloned().collect::<Vec<_>>();
    assert_eq!(names(&a), names(&b), "{}", step.display());
    for (name, bytes) in &a {
        if name == "stats.json" {
            assert_eq!(
                without_timings(bytes),
                without_timings(&b[name]),
                "stats.json apart from its timings"
            );
            continue;
        }
        assert!(
            *bytes == b[name],
            "{name} differs between {} and {}",
            command.display(),
            step.display()
        );
    }
}

fn assert_same_facts(command: &Path, step: &Path, keys: &[&str]) {
    let (a, b) = (manifest_extra(command), manifest_extra(step));
    for k in keys {
        assert!(!a[k].is_null() || *k == "convergence", "{k} missing");
        assert_eq!(a[k], b[k], "manifest fact `{k}`");
    }
}

#[test]
fn commands_and_study_steps_write_the_same_files() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let estimate = root().join("experiments/estimate/growth_un_vs_us.toml");
    let calibrate = root().join("experiments/calibrate/logistic_synthetic.toml");
    let sensitivity = root().join("experiments/sensitivity/sir_morris.toml");
    let s = |p: &Path| p.to_str().unwrap().to_string();

    for args in [
        vec![
            "estimate".into(),
            s(&estimate),
            "--quiet".into(),
            "--out".into(),
            s(&t.join("estimate")),
        ],
        vec![
            "calibrate".into(),
            s(&calibrate),
            "--out".into(),
            s(&t.join("calibrate")),
        ],
        vec![
            "sensitivity".into(),
            s(&sensitivity),
            "--out".into(),
            s(&t.join("sensitivity")),
        ],
    ] {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let o = pressure(&args);
        assert!(o.status.success(), "{args:?}: {}", stderr(&o));
    }

    let study = t.join("study.toml");
    std::fs::write(
        &study,
        format!(
            "title = \"agreement\"\n\
             [[step]]\nname = \"est\"\nkind = \"estimate\"\nfile = \"{}\"\n\
             [[step]]\nname = \"cal\"\nkind = \"calibrate\"\nfile = \"{}\"\n\
             [[step]]\nname = \"sens\"\nkind = \"sensitivity\"\nfile = \"{}\"\n",
            estimate.display(),
            calibrate.display(),
            sensitivity.display()
        ),
    )
    .unwrap();
    let out = t.join("study");
    let o = pressure(&["reproduce", "--study", &s(&study), "--out", &s(&out)]);
    assert!(o.status.success(), "reproduce: {}", stderr(&o));
    let runs = out.join("runs");

    assert_same_files(&t.join("estimate"), &runs.join("est"), &[]);
    assert_same_facts(
        &t.join("estimate"),
        &runs.join("est"),
        &["models", "outputs"],
    );
    // A model's variance type is recorded by both (the study's copy used to drop it).
    let models = &manifest_extra(&runs.join("est"))["models"];
    assert!(models[0]["variance"].is_string(), "{models}");

    // The study adds the posterior bands of the fit for its figures.
    assert_same_files(&t.join("calibrate"), &runs.join("cal"), &["fit_bands.csv"]);
    assert!(data_files(&runs.join("cal")).contains_key("profiles.csv"));
    assert_same_facts(
        &t.join("calibrate"),
        &runs.join("cal"),
        &[
            "command",
            "experiment",
            "method",
            "converged",
            "model_runs_estimation",
            "priors",
            "convergence",
        ],
    );

    assert_same_files(&t.join("sensitivity"), &runs.join("sens"), &[]);
    assert_same_facts(
        &t.join("sensitivity"),
        &runs.join("sens"),
        &[
            "experiment_sha256",
            "model",
            "model_sha256",
            "method",
            "parameters",
            "runs",
        ],
    );
}
