//! `pressure sensitivity` and `pressure merge` as a user calls them: results, shards merged bit
//! for bit, thread-count independence, and a clear error (exit code 2, nothing written) for
//! each kind of bad input.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

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

/// An experiment on the SIR example model, written into `dir`.
fn experiment(dir: &Path, name: &str, body: &str) -> PathBuf {
    let model = root().join("models/examples/sir.toml");
    let text = format!(
        "[experiment]\nmodel = {:?}\nuse_model_ranges = true\nseed = 3\n\n{body}",
        model.display().to_string()
    );
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

const SOBOL: &str = r#"
[method]
kind = "sobol"
n = 256
second_order = true
bootstrap = 50
bootstrap_over_time = 10

[[outputs]]
name = "peak"
variable = "infectious"
statistic = "peak"

[[outputs]]
variable = "recovered"
statistic = "value_at"
time = 40

[[series]]
variable = "infectious"
every = 25
"#;

fn read(dir: &Path, name: &str) -> Vec<u8> {
    std::fs::read(dir.join(name)).unwrap_or_else(|e| panic!("{}/{name}: {e}", dir.display()))
}

#[test]
fn sobol_shards_merge_bit_for_bit_and_threads_do_not_matter() {
    let tmp = tempfile::tempdir().unwrap();
    let exp = experiment(tmp.path(), "sobol.toml", SOBOL);
    // A description, which the figure captions quote from the experiment file (merged too).
    let text = std::fs::read_to_string(&exp).unwrap();
    std::fs::write(
        &exp,
        text.replacen(
            "seed = 3\n",
            "seed = 3\ndescription = \"SIR shards test\"\n",
            1,
        ),
    )
    .unwrap();
    let exp = exp.to_str().unwrap();
    let single = tmp.path().join("single");
    let o = pressure(&[
        "sensitivity",
        exp,
        "--out",
        single.to_str().unwrap(),
        "--threads",
        "1",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let csv = String::from_utf8(read(&single, "sobol_indices.csv")).unwrap();
    assert!(csv.starts_with("output,variable,time,parameter,S1,S1_conf,S1_low,S1_high,ST"));
    // 2 scalar outputs + 5 series points (0, 25, 50, 75, 100), 2 parameters each.
    assert_eq!(csv.lines().count(), 1 + 7 * 2, "{csv}");
    assert!(
        csv.contains("\npeak,infectious,,contact_infectivity,"),
        "{csv}"
    );
    assert!(
        csv.contains("\ninfectious,infectious,25,duration,"),
        "{csv}"
    );
    // The series alone, one variable over time: `pressure plot indices-time` draws it as is.
    let over_time = String::from_utf8(read(&single, "sobol_indices_time.csv")).unwrap();
    assert!(over_time.starts_with("variable,output,time,parameter,S1,"));
    assert_eq!(over_time.lines().count(), 1 + 5 * 2, "{over_time}");
    // At time 0 every run starts from the same state: the output has no variance and the
    // indices are undefined, written `NaN` (the plot skips those points).
    assert!(
        over_time.contains("\ninfectious,infectious,0,duration,NaN,NaN,NaN,NaN,NaN,"),
        "{over_time}"
    );
    let figure = tmp.path().join("indices-time.svg");
    let o = pressure(&[
        "plot",
        "indices-time",
        single.join("sobol_indices_time.csv").to_str().unwrap(),
        "--out",
        figure.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let svg = std::fs::read_to_string(&figure).unwrap();
    for parameter in ["contact_infectivity", "duration"] {
        assert!(
            svg.contains(&format!("data-label=\"{parameter}\"")),
            "no line for {parameter}"
        );
    }
    assert!(read(&single, "sobol_second_order.csv").len() > 60);
    let manifest: serde_json::Value =
        serde_json::from_slice(&read(&single, "manifest.json")).unwrap();
    assert_eq!(manifest["seed"], 3);
    assert_eq!(manifest["extra"]["runs"], 256 * 6);

    let threaded = tmp.path().join("threaded");
    let o = pressure(&[
        "sensitivity",
        exp,
        "--out",
        threaded.to_str().unwrap(),
        "--threads",
        "3",
        "--format",
        "json",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    // `--format json`: a summary for scripts on stdout.
    let summary: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(summary["runs"], 256 * 6);
    assert_eq!(summary["threads"], 3);
    assert_eq!(summary["failed_runs"], 0);
    assert!(summary["runs_per_second"].as_f64().unwrap() > 0.0);
    let files: Vec<&str> = summary["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f.as_str().unwrap())
        .collect();
    for f in [
        "sobol_indices.csv",
        "sobol_indices.json",
        "sobol_indices_time.csv",
        "manifest.json",
    ] {
        assert!(files.contains(&f), "{f} not in {files:?}");
        assert!(threaded.join(f).exists(), "{f}");
    }
    // The JSON indices carry the same variable and time as the CSV rows.
    let indices: serde_json::Value =
        serde_json::from_slice(&read(&threaded, "sobol_indices.json")).unwrap();
    let columns = indices["columns"].as_array().unwrap();
    assert_eq!(columns.len(), 7);
    assert_eq!(columns[0]["variable"], "infectious");
    assert!(columns[0]["time"].is_null());
    assert_eq!(columns[3]["variable"], "infectious");
    assert_eq!(columns[3]["time"], 25.0);
    assert!(
        columns[2]["first"][0]["value"].is_null(),
        "time 0: undefined, null"
    );

    let mut shard_dirs = Vec::new();
    for i in 1..=3 {
        let d = tmp.path().join(format!("shard{i}"));
        let o = pressure(&[
            "sensitivity",
            exp,
            "--out",
            d.to_str().unwrap(),
            "--shard",
            &format!("{i}/3"),
        ]);
        assert!(o.status.success(), "{}", stderr(&o));
        assert!(d.join("partial.json").exists() && d.join("partial.bin").exists());
        shard_dirs.push(d.to_str().unwrap().to_string());
    }
    let merged = tmp.path().join("merged");
    let mut args = vec!["merge"];
    // Any order of directories.
    args.extend([
        shard_dirs[2].as_str(),
        shard_dirs[0].as_str(),
        shard_dirs[1].as_str(),
    ]);
    args.extend(["--out", merged.to_str().unwrap(), "--format", "json"]);
    let o = pressure(&args);
    assert!(o.status.success(), "{}", stderr(&o));
    let summary: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(summary["shards"], 3);
    // The merge draws the standard figures, as the unsharded run does, with the same captions:
    // the index differs only in the folder it names.
    let index = |dir: &Path| {
        let text = std::fs::read_to_string(dir.join("figures/index.md")).unwrap();
        assert!(text.contains("sobol-time-infectious"), "{text}");
        assert!(text.contains("SIR shards test"), "{text}");
        text.replace(dir.to_str().unwrap(), "OUT")
    };
    assert_eq!(index(&single), index(&merged));
    // The merged manifest names the experiment file first, as the unsharded run's does, and
    // records the failed runs.
    let manifest = |dir: &Path| -> serde_json::Value {
        serde_json::from_slice(&read(dir, "manifest.json")).unwrap()
    };
    let (m_single, m_merged) = (manifest(&single), manifest(&merged));
    assert_eq!(m_merged["inputs"][0]["path"], m_single["inputs"][0]["path"]);
    assert_eq!(m_merged["inputs"][0]["path"], exp);
    assert_eq!(m_merged["extra"]["failed_runs"], 0);
    assert_eq!(
        m_merged["extra"]["failed_runs"],
        m_single["extra"]["failed_runs"]
    );
    assert_eq!(summary["runs"], 256 * 6);
    assert_eq!(summary["seed"], 3);

    for file in [
        "sobol_indices.csv",
        "sobol_indices_time.csv",
        "sobol_second_order.csv",
        "sobol_indices.json",
    ] {
        let want = read(&single, file);
        assert_eq!(want, read(&threaded, file), "{file}: 1 vs 3 threads");
        assert_eq!(
            want,
            read(&merged, file),
            "{file}: single run vs merged shards"
        );
    }

    // Merging shards of different seeds or different experiment files is refused.
    let other_seed = tmp.path().join("seed9");
    let o = pressure(&[
        "sensitivity",
        exp,
        "--out",
        other_seed.to_str().unwrap(),
        "--shard",
        "2/3",
        "--seed",
        "9",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = tmp.path().join("bad-merge");
    let o = pressure(&[
        "merge",
        &shard_dirs[0],
        other_seed.to_str().unwrap(),
        &shard_dirs[2],
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("seed 9"), "{}", stderr(&o));
    assert!(!out.exists());

    let exp2 = experiment(
        tmp.path(),
        "sobol2.toml",
        &SOBOL.replace("bootstrap = 50", "bootstrap = 51"),
    );
    let other_file = tmp.path().join("otherfile");
    let o = pressure(&[
        "sensitivity",
        exp2.to_str().unwrap(),
        "--out",
        other_file.to_str().unwrap(),
        "--shard",
        "2/3",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = pressure(&[
        "merge",
        &shard_dirs[0],
        other_file.to_str().unwrap(),
        &shard_dirs[2],
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("different experiment file"),
        "{}",
        stderr(&o)
    );

    let o = pressure(&[
        "merge",
        &shard_dirs[0],
        &shard_dirs[2],
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("missing shard(s) 2/3"),
        "{}",
        stderr(&o)
    );
    assert!(!out.exists());
}

#[test]
fn morris_montecarlo_and_tornado_write_their_tables() {
    let tmp = tempfile::tempdir().unwrap();
    let cases = [
        (
            "morris",
            "[method]\nkind = \"morris\"\nn = 10\ncandidates = 30\n",
            "morris.csv",
        ),
        (
            "mc",
            "[method]\nkind = \"montecarlo\"\nsampler = \"lhs\"\nn = 200\n",
            "summary.csv",
        ),
        ("oat", "[method]\nkind = \"oat\"\n", "tornado.csv"),
    ];
    for (name, method, file) in cases {
        let body = format!(
            "{method}\n[[outputs]]\nname = \"peak\"\nvariable = \"infectious\"\nstatistic = \"peak\"\n\n[[series]]\nvariable = \"infectious\"\nevery = 50\n"
        );
        let exp = experiment(tmp.path(), &format!("{name}.toml"), &body);
        let out = tmp.path().join(name);
        let o = pressure(&[
            "sensitivity",
            exp.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--save-sample",
        ]);
        assert!(o.status.success(), "{name}: {}", stderr(&o));
        let table = String::from_utf8(read(&out, file)).unwrap();
        assert!(table.lines().count() > 2, "{name}: {table}");
        assert!(out.join("manifest.json").exists());
        if name != "oat" {
            let sample = String::from_utf8(read(&out, "sample.csv")).unwrap();
            assert!(
                sample.starts_with("run,contact_infectivity,duration\n"),
                "{sample}"
            );
            let outputs = String::from_utf8(read(&out, "outputs.csv")).unwrap();
            assert!(
                outputs.starts_with("run,peak,infectious@0,infectious@50,infectious@100\n"),
                "{outputs}"
            );
        }
    }
    // Tornado: duration and contact_infectivity both move the peak; rows sorted by swing.
    let tornado = String::from_utf8(read(&tmp.path().join("oat"), "tornado.csv")).unwrap();
    let swings: Vec<f64> = tornado
        .lines()
        .skip(1)
        .filter(|l| l.starts_with("peak,"))
        .map(|l| l.split(',').nth(6).unwrap().parse().unwrap())
        .collect();
    assert_eq!(swings.len(), 2);
    assert!(swings[0] >= swings[1] && swings[1] > 0.0);
}

/// Runs an experiment that must be rejected: exit code 2, the message contains `expect`, and
/// no output directory is created.
fn rejected(body: &str, expect: &[&str]) {
    let tmp = tempfile::tempdir().unwrap();
    let exp = experiment(tmp.path(), "bad.toml", body);
    let out = tmp.path().join("out");
    let o = pressure(&[
        "sensitivity",
        exp.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    // miette wraps long lines and draws a box: compare with whitespace collapsed.
    let flat = |s: &str| {
        s.replace(['│', '·'], " ")
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    };
    for e in expect {
        assert!(flat(&err).contains(&flat(e)), "expected `{e}` in:\n{err}");
    }
    assert!(!out.exists(), "nothing may be written on bad input");
}

const PEAK: &str = "\n[[outputs]]\nvariable = \"infectious\"\nstatistic = \"peak\"\n";

#[test]
fn parameter_not_in_the_model() {
    rejected(
        &format!("[method]\nkind = \"morris\"\nn = 10\n\n[[parameters]]\nname = \"contact_infectivty\"\n{PEAK}"),
        &["bad.toml:", "parameter `contact_infectivty` is not in the model", "did you mean `contact_infectivity`"],
    );
}

#[test]
fn empty_or_inverted_range() {
    rejected(
        &format!("[method]\nkind = \"morris\"\nn = 10\n\n[[parameters]]\nname = \"duration\"\ndistribution = \"uniform\"\nlow = 10\nhigh = 2\n{PEAK}"),
        &["duration", "inverted range [10, 2]"],
    );
    rejected(
        &format!("[method]\nkind = \"morris\"\nn = 10\n\n[[parameters]]\nname = \"duration\"\ndistribution = \"uniform\"\nlow = 4\nhigh = 4\n{PEAK}"),
        &["duration", "empty range"],
    );
}

#[test]
fn distribution_with_invalid_parameters() {
    rejected(
        &format!("[method]\nkind = \"morris\"\nn = 10\n\n[[parameters]]\nname = \"duration\"\ndistribution = \"normal\"\nmean = 5\nsd = -1\n{PEAK}"),
        &["duration", "sd must be positive"],
    );
    rejected(
        &format!("[method]\nkind = \"morris\"\nn = 10\n\n[[parameters]]\nname = \"duration\"\ndistribution = \"triangular\"\nlow = 2\nmode = 12\nhigh = 10\n{PEAK}"),
        &["mode 12 lies outside its range"],
    );
    rejected(
        &format!("[method]\nkind = \"morris\"\nn = 10\n\n[[parameters]]\nname = \"duration\"\ndistribution = \"normal\"\nmean = 5\n{PEAK}"),
        &["a normal distribution needs `sd`"],
    );
}

#[test]
fn sample_size_not_allowed_by_the_sampler() {
    rejected(
        &format!("[method]\nkind = \"sobol\"\nn = 1000\n{PEAK}"),
        &["bad.toml:", "power of two", "N = 1024"],
    );
}

#[test]
fn output_time_outside_the_run() {
    rejected(
        "[method]\nkind = \"morris\"\nn = 10\n\n[[outputs]]\nvariable = \"recovered\"\nstatistic = \"value_at\"\ntime = 120\n",
        &["bad.toml:", "time 120 is outside the run, which goes from 0 to 100"],
    );
    rejected(
        "[method]\nkind = \"morris\"\nn = 10\n\n[[outputs]]\nvariable = \"infectous\"\nstatistic = \"peak\"\n",
        &["variable `infectous` is not in the model", "did you mean `infectious`"],
    );
}

#[test]
fn bad_shard_argument() {
    let tmp = tempfile::tempdir().unwrap();
    let exp = experiment(
        tmp.path(),
        "e.toml",
        &format!("[method]\nkind = \"morris\"\nn = 10\n{PEAK}"),
    );
    let out = tmp.path().join("out");
    let o = pressure(&[
        "sensitivity",
        exp.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--shard",
        "4/3",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("expected I/N"), "{}", stderr(&o));
    assert!(!out.exists());
}

/// A model that fails (logarithm of a negative number) when `k < 0.5`.
const FRAGILE: &str = r#"
[settings]
stop = 10
dt = 0.25
method = "euler"

[stocks.x]
initial = "1"
inflows = ["growth"]

[flows.growth]
equation = "LN(k - 0.5 + 1e-9) * 0 + k * x / 10"

[constants.k]
value = 1
range = [0, 2]

[constants.m]
value = 1
range = [0, 1]
"#;

fn fragile_experiment(dir: &Path, policy: &str) -> PathBuf {
    std::fs::write(dir.join("fragile.toml"), FRAGILE).unwrap();
    let text = format!(
        "[experiment]\nmodel = \"fragile.toml\"\nuse_model_ranges = true\nseed = 1\n\n[method]\nkind = \"sobol\"\nn = 64\nbootstrap = 20\n{policy}\n\n[[outputs]]\nvariable = \"x\"\nstatistic = \"value_at\"\ntime = 10\n"
    );
    let path = dir.join(format!("fragile_{}.toml", policy.len()));
    std::fs::write(&path, text).unwrap();
    path
}

/// Runs `exp` as `count` shards into `dir/s1..` and merges them into `dir/merged` (returned).
fn shards_merged(dir: &Path, exp: &Path, count: usize) -> PathBuf {
    let mut args = vec!["merge".to_string()];
    for i in 1..=count {
        let d = dir.join(format!("s{i}"));
        let o = pressure(&[
            "sensitivity",
            exp.to_str().unwrap(),
            "--out",
            d.to_str().unwrap(),
            "--shard",
            &format!("{i}/{count}"),
        ]);
        assert!(o.status.success(), "{}", stderr(&o));
        args.push(d.to_str().unwrap().to_string());
    }
    let merged = dir.join("merged");
    args.extend(["--out".to_string(), merged.to_str().unwrap().to_string()]);
    let args: Vec<&str> = args.iter().map(|a| a.as_str()).collect();
    let o = pressure(&args);
    assert!(o.status.success(), "{}", stderr(&o));
    merged
}

#[test]
fn failed_runs_stop_the_analysis_or_drop_their_groups() {
    let tmp = tempfile::tempdir().unwrap();
    let exp = fragile_experiment(tmp.path(), "");
    let out = tmp.path().join("stop");
    let o = pressure(&[
        "sensitivity",
        exp.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("model run") && stderr(&o).contains("k="),
        "{}",
        stderr(&o)
    );

    let exp = fragile_experiment(tmp.path(), "failed_runs = \"drop\"");
    let single = tmp.path().join("drop");
    let o = pressure(&[
        "sensitivity",
        exp.to_str().unwrap(),
        "--out",
        single.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("runs failed"), "{}", stderr(&o));
    let failures = String::from_utf8(read(&single, "failures.csv")).unwrap();
    assert!(failures.lines().count() > 5, "{failures}");
    let manifest: serde_json::Value =
        serde_json::from_slice(&read(&single, "manifest.json")).unwrap();
    assert!(manifest["extra"]["failed_runs"].as_u64().unwrap() > 5);
    // Shards drop the same groups and merge to the same files.
    let merged = shards_merged(&tmp.path().join("two"), &exp, 2);
    for f in ["sobol_indices.csv", "sobol_indices.json", "failures.csv"] {
        assert_eq!(read(&single, f), read(&merged, f), "{f}");
    }
}

/// With groups left out, `sample.csv` and `outputs.csv` still name each run by its index in
/// the design, the index `failures.csv` uses (not by its position among the kept rows).
#[test]
fn saved_runs_keep_their_design_index_when_groups_are_dropped() {
    let tmp = tempfile::tempdir().unwrap();
    let exp = fragile_experiment(tmp.path(), "failed_runs = \"drop\"\nsave_sample = true");
    let out = tmp.path().join("out");
    let o = pressure(&[
        "sensitivity",
        exp.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let group_size = 4; // Saltelli without second order: D + 2 runs per base point, D = 2
    let failures = String::from_utf8(read(&out, "failures.csv")).unwrap();
    let failed_groups: std::collections::BTreeSet<usize> = failures
        .lines()
        .skip(1)
        .filter_map(|l| l.split(',').nth(1)?.parse().ok())
        .collect();
    assert!(!failed_groups.is_empty(), "{failures}");
    let sample = String::from_utf8(read(&out, "sample.csv")).unwrap();
    let header: Vec<&str> = sample.lines().next().unwrap().split(',').collect();
    let k = header.iter().position(|h| *h == "k").unwrap();
    let rows: Vec<(usize, f64)> = sample
        .lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (f[0].parse().unwrap(), f[k].parse().unwrap())
        })
        .collect();
    let expected: Vec<usize> = (0..64 * group_size)
        .filter(|r| !failed_groups.contains(&(r / group_size)))
        .collect();
    let ids: Vec<usize> = rows.iter().map(|r| r.0).collect();
    assert_eq!(ids, expected);
    // The model fails exactly when k < 0.5, so every kept run has k >= 0.5.
    assert!(rows.iter().all(|&(_, k)| k >= 0.5), "{sample}");
    let outputs = String::from_utf8(read(&out, "outputs.csv")).unwrap();
    let output_ids: Vec<usize> = outputs
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap().parse().unwrap())
        .collect();
    assert_eq!(output_ids, expected);
    // Shards keep the same indices.
    let merged = shards_merged(&tmp.path().join("three"), &exp, 3);
    for f in ["sample.csv", "outputs.csv"] {
        assert_eq!(read(&out, f), read(&merged, f), "{f}");
    }
}

#[test]
fn quick_runs_use_smaller_sizes_and_say_so() {
    let tmp = tempfile::tempdir().unwrap();
    let exp = experiment(
        tmp.path(),
        "e.toml",
        &format!("[method]\nkind = \"sobol\"\nn = 4096\nbootstrap = 200\n{PEAK}"),
    );
    let out = tmp.path().join("out");
    let o = pressure(&[
        "sensitivity",
        exp.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--quick",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let manifest: serde_json::Value = serde_json::from_slice(&read(&out, "manifest.json")).unwrap();
    assert_eq!(manifest["extra"]["quick"], true);
    assert_eq!(manifest["extra"]["method"]["n"], 256);
    assert_eq!(manifest["extra"]["method"]["bootstrap"], 50);
    assert_eq!(manifest["extra"]["runs"], 256 * (2 + 2));
}
