//! `pressure calibrate` as a user calls it: output files, thread-count independence, a killed
//! process resumed to the same result, and bad input (exit code 2, nothing written).

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn pressure(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pressure"))
        .args(args)
        .output()
        .expect("the pressure binary runs")
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).to_string()
}

/// The error message with the terminal report's line wrapping and frame undone, so a test
/// can look for a phrase the renderer may have broken across lines.
fn message(o: &Output) -> String {
    stderr(o)
        .replace(['│', '×'], " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// A copy of the logistic example experiment in `dir`, with `edit` applied to its text.
fn experiment(dir: &Path, edit: impl Fn(String) -> String) -> PathBuf {
    let src = root().join("experiments/calibrate");
    for f in ["logistic_model.toml", "logistic_synthetic.csv"] {
        std::fs::copy(src.join(f), dir.join(f)).unwrap();
    }
    let text = edit(std::fs::read_to_string(src.join("logistic_synthetic.toml")).unwrap());
    let path = dir.join("exp.toml");
    std::fs::write(&path, text).unwrap();
    path
}

fn light(t: String) -> String {
    t.replace("bootstrap = 100", "bootstrap = 10")
        .replace("iterations = 3000", "iterations = 1000")
}

fn read(dir: &Path, name: &str) -> String {
    std::fs::read_to_string(dir.join(name))
        .unwrap_or_else(|e| panic!("{}/{name}: {e}", dir.display()))
}

#[test]
fn writes_every_output_and_does_not_depend_on_threads() {
    let tmp = tempfile::tempdir().unwrap();
    let exp = experiment(tmp.path(), light);
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    for (out, threads) in [(&a, "1"), (&b, "2")] {
        let o = pressure(&[
            "calibrate",
            exp.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--seed",
            "7",
            "--threads",
            threads,
        ]);
        assert!(o.status.success(), "{}", stderr(&o));
    }
    for f in [
        "params.csv",
        "fit.csv",
        "stats.json",
        "profiles.csv",
        "draws.csv",
        "manifest.json",
    ] {
        assert!(a.join(f).exists(), "{f} missing");
    }
    let profiles = read(&a, "profiles.csv");
    assert!(profiles.starts_with("parameter,value,deviance,converged,is_estimate,threshold"));
    for p in ["growth_rate", "carrying_capacity", "initial_population"] {
        assert!(
            profiles
                .lines()
                .filter(|l| l.starts_with(&format!("{p},")))
                .count()
                >= 3,
            "profile of {p}: {profiles}"
        );
    }
    assert!(
        !a.join(".checkpoint").exists(),
        "checkpoints are removed after a finished run"
    );
    for f in ["params.csv", "fit.csv", "profiles.csv", "draws.csv"] {
        assert_eq!(
            read(&a, f),
            read(&b, f),
            "{f} differs between 1 and 2 threads"
        );
    }
    let params = read(&a, "params.csv");
    assert!(params.starts_with("parameter,estimate,se,wald_low,wald_high,profile_low"));
    assert_eq!(params.lines().count(), 4);
    let stats: serde_json::Value = serde_json::from_str(&read(&a, "stats.json")).unwrap();
    assert_eq!(stats["estimate"]["converged"], true);
    assert!(stats["fit"][0]["theil_u"].as_f64().unwrap() < 0.1);
    let manifest: serde_json::Value = serde_json::from_str(&read(&a, "manifest.json")).unwrap();
    assert_eq!(manifest["seed"], 7);
    assert_eq!(manifest["parameters"].as_array().unwrap().len(), 3);
    assert!(manifest["inputs"].as_array().unwrap().len() >= 3);
}

#[test]
fn a_killed_run_resumes_to_the_uninterrupted_result() {
    let tmp = tempfile::tempdir().unwrap();
    let exp = experiment(tmp.path(), |t| {
        t.replace("bootstrap = 100", "bootstrap = 60")
            .replace("iterations = 3000", "iterations = 2000")
    });
    let full = tmp.path().join("full");
    let o = pressure(&[
        "calibrate",
        exp.to_str().unwrap(),
        "--out",
        full.to_str().unwrap(),
        "--seed",
        "3",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));

    let killed = tmp.path().join("killed");
    let mut child = Command::new(env!("CARGO_BIN_EXE_pressure"))
        .args([
            "calibrate",
            exp.to_str().unwrap(),
            "--out",
            killed.to_str().unwrap(),
            "--seed",
            "3",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Kill it once the bootstrap has checkpointed some replicates (estimation and profiles
    // are then done), or when it finishes first on a fast machine.
    let cp = killed.join(".checkpoint");
    let started = std::time::Instant::now();
    loop {
        if cp.join("bootstrap.json").exists() || child.try_wait().unwrap().is_some() {
            break;
        }
        assert!(
            started.elapsed().as_secs() < 600,
            "no checkpoint after 10 minutes"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let was_running = child.try_wait().unwrap().is_none();
    child.kill().ok();
    child.wait().unwrap();
    if was_running {
        assert!(
            !killed.join("params.csv").exists(),
            "a killed run writes no results"
        );
        assert!(cp.join("multistart.json").exists());
    } else {
        println!("note: the run finished before it could be killed; resume still checked");
    }
    let o = pressure(&[
        "calibrate",
        exp.to_str().unwrap(),
        "--out",
        killed.to_str().unwrap(),
        "--seed",
        "3",
        "--resume",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    for f in ["params.csv", "fit.csv", "profiles.csv", "draws.csv"] {
        assert_eq!(read(&full, f), read(&killed, f), "{f} differs after resume");
    }
}

#[test]
fn resume_with_another_seed_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let exp = experiment(tmp.path(), light);
    let out = tmp.path().join("out");
    // A checkpoint written under seed 1.
    let cp = out.join(".checkpoint");
    std::fs::create_dir_all(&cp).unwrap();
    std::fs::write(
        cp.join("multistart.json"),
        r#"{"fingerprint":"another run","state":[]}"#,
    )
    .unwrap();
    let o = pressure(&[
        "calibrate",
        exp.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--resume",
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("different run"), "{}", stderr(&o));
    assert!(!out.join("params.csv").exists());
}

/// Runs `pressure calibrate` on a copy of the logistic example with the experiment, episode
/// table and model text edited; asserts exit code 2, `needle` in the message, no output.
fn bad_input_files(
    edit_experiment: impl Fn(String) -> String,
    edit_table: impl Fn(String) -> String,
    edit_model: impl Fn(String) -> String,
    needle: &str,
) {
    let tmp = tempfile::tempdir().unwrap();
    let exp = experiment(tmp.path(), edit_experiment);
    for (file, edit) in [
        (
            "logistic_synthetic.csv",
            &edit_table as &dyn Fn(String) -> String,
        ),
        ("logistic_model.toml", &edit_model),
    ] {
        let path = tmp.path().join(file);
        let text = edit(std::fs::read_to_string(&path).unwrap());
        std::fs::write(&path, text).unwrap();
    }
    let out = tmp.path().join("out");
    let o = pressure(&[
        "calibrate",
        exp.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2), "{needle}: {}", stderr(&o));
    assert!(
        message(&o).contains(needle),
        "`{needle}` not in {}",
        stderr(&o)
    );
    assert!(
        !out.exists(),
        "nothing may be written on bad input ({needle})"
    );
}

fn bad_input(edit: impl Fn(String) -> String, needle: &str) {
    bad_input_files(edit, |t| t, |t| t, needle);
}

#[test]
fn unknown_variable_series_or_parameter_is_bad_input() {
    bad_input(
        |t| t.replacen("variable = \"population\"", "variable = \"pop\"", 1),
        "variable `pop` is not a variable",
    );
    bad_input(
        |t| t.replacen("series = \"net_growth\"", "series = \"growth\"", 1),
        "no series `growth`",
    );
    bad_input(
        |t| t.replacen("name = \"growth_rate\"", "name = \"rate\"", 1),
        "`rate`",
    );
    bad_input(
        |t| t.replacen("[estimation]", "[estimaton]", 1),
        "estimaton",
    );
}

#[test]
fn bad_bounds_are_bad_input() {
    bad_input(
        |t| t.replacen("lower = 0.01", "lower = 4.0", 1),
        "must be below upper bound",
    );
    // lower == upper is not a range either.
    bad_input(
        |t| t.replacen("lower = 0.01", "lower = 3.0", 1),
        "must be below upper bound",
    );
    // A start outside its bounds.
    bad_input(
        |t| t.replacen("start = 20\n", "start = 900\n", 1),
        "`initial_population`: start value 900 lies outside its bounds",
    );
}

#[test]
fn a_data_window_outside_the_model_span_is_bad_input() {
    // The model runs 2000..2020: a window to 2030 is refused even though the data stop
    // earlier (the window is what the user asked to calibrate).
    bad_input(
        |t| t.replacen("end = \"2019\"", "end = \"2030\"", 1),
        "outside the model's time span",
    );
    bad_input(
        |t| t.replacen("start = \"2001\"", "start = \"1990\"", 1),
        "outside the model's time span",
    );
    // The window is inside, but the origin moves the model's span off the data.
    bad_input(
        |t| t.replacen("origin = 2000.0", "origin = 2010.0", 1),
        "outside the model's time span",
    );
}

#[test]
fn a_frequency_that_cannot_be_aggregated_is_bad_input() {
    // Annual data, but the model saves every 2 years.
    bad_input_files(
        |t| t,
        |t| t,
        |m| {
            m.replacen("save_every = 0.125", "save_every = 2.0", 1)
                .replacen("dt = 0.125", "dt = 0.5", 1)
        },
        "cannot be aggregated",
    );
    // An event series (dated events) mapped onto a model path.
    bad_input_files(
        |t| t.replacen("series = \"net_growth\"", "series = \"shock\"", 1),
        |t| t + "2005-03-04,shock,1,count,event,synthetic\n",
        |m| m,
        "event series",
    );
}

#[test]
fn a_malformed_unit_in_the_episode_table_is_bad_input() {
    bad_input_files(
        |t| t,
        |t| t.replace(",persons,", ",persns,"),
        |m| m,
        "unknown unit `persns`",
    );
}

#[test]
fn a_bad_episode_table_names_file_row_and_column() {
    let tmp = tempfile::tempdir().unwrap();
    let exp = experiment(tmp.path(), |t| t);
    let table = tmp.path().join("logistic_synthetic.csv");
    let text = std::fs::read_to_string(&table).unwrap().replacen(
        "2003,population",
        "2003-13,population",
        1,
    );
    std::fs::write(&table, text).unwrap();
    let out = tmp.path().join("out");
    let o = pressure(&[
        "calibrate",
        exp.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let e = stderr(&o);
    assert!(
        e.contains("logistic_synthetic.csv") && e.contains("row 4") && e.contains("date"),
        "{e}"
    );
    assert!(!out.exists());
}
