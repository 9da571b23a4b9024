//! `pressure reproduce` end to end: the quick study of `experiments/reproduce.toml` runs from
//! the repository into a temporary folder and leaves an index that lists every figure with a
//! caption, files that exist and are not empty, data and a redraw command, and a manifest that
//! records every step; a bad study file exits with 2 and writes nothing.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn pressure(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pressure"))
        .args(args)
        .current_dir(root())
        .output()
        .expect("the pressure binary runs")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).to_string()
}

/// Targets of `[text](target)` links.
fn links(md: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = md;
    while let Some(i) = rest.find("](") {
        rest = &rest[i + 2..];
        if let Some(j) = rest.find(')') {
            out.push(rest[..j].to_string());
            rest = &rest[j..];
        }
    }
    out
}

/// The step names of the study file, in order, without the steps `--quick` skips.
fn quick_steps() -> Vec<String> {
    let text = std::fs::read_to_string(root().join("experiments/reproduce.toml")).unwrap();
    let study: toml::Table = text.parse().unwrap();
    study["step"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| {
            let skip = |t: &str| {
                s.get(t)
                    .and_then(|q| q.get("skip"))
                    .and_then(|v| v.as_bool())
            };
            !skip("quick").or(skip("set")).unwrap_or(false)
        })
        .map(|s| s["name"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn quick_study_writes_every_figure_with_index_and_manifest() {
    if cfg!(debug_assertions) {
        // The quick study runs ~10 000 simulations of the coupled model: minutes without
        // optimisation. The README's and CI's test command is `cargo test --release`.
        eprintln!("skipped in a debug build: run `cargo test --release --test cli_reproduce`");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("figures");
    let o = pressure(&["reproduce", "--quick", "--out", out.to_str().unwrap()]);
    assert!(
        o.status.success(),
        "reproduce --quick failed:\n{}",
        stderr(&o)
    );

    // The manifest: every step of the study ran, without error, and drew its figures.
    let manifest: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("manifest.json")).unwrap()).unwrap();
    let extra = &manifest["extra"];
    assert_eq!(extra["command"], "reproduce");
    assert_eq!(extra["quick"], true);
    let steps = extra["steps"].as_array().unwrap();
    let names: Vec<&str> = steps.iter().map(|s| s["name"].as_str().unwrap()).collect();
    assert_eq!(names, quick_steps());
    let study_input = manifest["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .any(|i| i["path"].as_str().unwrap().ends_with("reproduce.toml"));
    assert!(study_input, "the study file is an input of the manifest");
    let mut stems: Vec<String> = Vec::new();
    for s in steps {
        assert!(
            s["error"].is_null(),
            "step {} failed: {}",
            s["name"],
            s["error"]
        );
        assert_eq!(s["not_drawn"].as_array().unwrap().len(), 0, "{s}");
        let figures = s["figures"].as_array().unwrap();
        assert!(!figures.is_empty(), "step {} drew no figure", s["name"]);
        let results = Path::new(s["results"].as_str().unwrap());
        assert!(
            results.join("manifest.json").is_file(),
            "step {} wrote no manifest",
            s["name"]
        );
        stems.extend(figures.iter().map(|f| f.as_str().unwrap().to_string()));
    }

    // The index: one section per figure with caption, files, data and redraw command.
    let index = std::fs::read_to_string(out.join("index.md")).unwrap();
    let headings = index.matches("\n### Figure ").count();
    assert_eq!(headings, stems.len(), "one index entry per figure");
    for stem in &stems {
        let entry_start = index
            .find(&format!(": `{stem}` ("))
            .unwrap_or_else(|| panic!("{stem} is not in the index"));
        let entry = &index[entry_start..];
        let entry = &entry[..entry.find("\n### ").unwrap_or(entry.len())];
        assert!(entry.contains("Source:"), "{stem}: caption names no source");
        assert!(entry.contains("Data: `"), "{stem}: no data file");
        assert!(
            entry.contains("Redraw (from this folder): `pressure plot "),
            "{stem}: no redraw command"
        );
        for ext in ["svg", "png", "pdf"] {
            assert!(
                entry.contains(&format!("({stem}.{ext})")),
                "{stem}: no {ext} link"
            );
        }
    }
    let files: Vec<String> = links(&index)
        .into_iter()
        .filter(|l| l.ends_with(".svg") || l.ends_with(".png") || l.ends_with(".pdf"))
        .collect();
    assert!(files.len() >= 3 * stems.len());
    for f in &files {
        let meta = std::fs::metadata(out.join(f)).unwrap_or_else(|e| panic!("{f}: {e}"));
        assert!(meta.len() > 0, "{f} is empty");
    }
    // Each data file an index entry names exists.
    for line in index.lines().filter(|l| l.starts_with("Files: ")) {
        let data = line.split("Data: `").nth(1).unwrap();
        let data = &data[..data.find('`').unwrap()];
        assert!(out.join(data).is_file(), "data file {data} is missing");
    }

    // The study covers the figure kinds of a paper: fit, uncertainty, scenarios, screening,
    // one-at-a-time swings, variance decomposition (also over time), Monte Carlo bands and
    // the panel estimates.
    for kind in [
        "(fit-grid)",
        "(timeseries)",
        "(posterior)",
        "(pairs)",
        "(scenarios)",
        "(morris)",
        "(tornado)",
        "(sobol)",
        "(indices-time)",
        "(coef)",
        "(event-study)",
        "(kaplan-meier)",
    ] {
        assert!(index.contains(kind), "no {kind} figure in the index");
    }
    // The panel replication: the decomposition of the UN growth effect and the synthetic
    // control gaps with their placebo bands.
    for stem in [
        "nn-replication-decomposition-un",
        "leader-exit-decomposition-personalist",
        "synth-episodes-synth-gaps",
    ] {
        assert!(
            stems.iter().any(|s| s == stem),
            "no figure {stem} in {stems:?}"
        );
    }
    // The sensitivity figures of the sanctions model, each from its own step: a tornado per
    // output, Sobol' indices over time per series and a Monte Carlo percentile band per series
    // (a time series of the model, not of the calibration fit).
    for stem in [
        "tornado-inflation_y5",
        "sobol-time-coalition.cohesion",
        "envelope-money.inflation",
    ] {
        assert!(
            stems.iter().any(|s| s == stem),
            "no figure {stem} in {stems:?}"
        );
    }
    let entry = |stem: &str| -> &str {
        let start = index.find(&format!(": `{stem}` (")).unwrap();
        let e = &index[start..];
        &e[..e.find("\n### ").unwrap_or(e.len())]
    };
    let tornado = entry("tornado-inflation_y5");
    assert!(tornado.contains("(tornado)"), "{tornado}");
    assert!(tornado.contains("One-at-a-time swings") && tornado.contains("in 1/year"));
    assert!(tornado.contains("simulations of the model models/sanctions.toml"));
    let over_time = entry("sobol-time-coalition.cohesion");
    assert!(over_time.contains("(indices-time)"), "{over_time}");
    assert!(over_time.contains("at each output time"), "{over_time}");
    // The grouped Sobol' analysis says its factors are groups and its output is ln(1 + premium).
    let grouped = entry("sobol-groups-sobol-premium_y5");
    assert!(grouped.contains("(sobol)"), "{grouped}");
    // The number of parameters follows the model files (every ranged constant but the levers).
    let of_parameters = grouped
        .split("18 groups of ")
        .nth(1)
        .and_then(|rest| rest.split(" parameters").next())
        .and_then(|n| n.parse::<usize>().ok());
    assert!(
        of_parameters.is_some_and(|n| n > 250)
            && grouped.contains("(in ln(1 + x), x in dimensionless)")
            && grouped.contains("only the 15 largest total indices"),
        "{grouped}"
    );
    let envelope = entry("envelope-money.inflation");
    assert!(envelope.contains("(timeseries)"), "{envelope}");
    assert!(
        envelope.contains("Monte Carlo envelope") && envelope.contains("5–95th percentile"),
        "{envelope}"
    );
    // Units on the axes: the model's time in years, inflation per year.
    let svg = std::fs::read_to_string(out.join("envelope-money.inflation.svg")).unwrap();
    assert!(
        svg.contains("Time (year)") && svg.contains("1/year"),
        "envelope axes without units"
    );
    let svg = std::fs::read_to_string(out.join("sobol-time-coalition.cohesion.svg")).unwrap();
    assert!(
        svg.contains("Time (year)"),
        "indices over time without a time unit"
    );
    // One line per varied parameter: the 16 of the experiment each name a legend entry.
    assert!(
        svg.contains(">coalition.deterrence</text>"),
        "no legend entry"
    );
    let svg = std::fs::read_to_string(out.join("tornado-inflation_y5.svg")).unwrap();
    assert!(
        svg.contains("inflation_y5 (1/year)"),
        "tornado axis without unit"
    );
    assert!(
        svg.contains(">money.pass_through</text>"),
        "tornado misses a parameter"
    );
    // Axis titles carry units: the calibration fit is in percent, the model time in years.
    let fit = std::fs::read_to_string(out.join("iran-fit-grid.svg")).unwrap();
    assert!(fit.contains("percent"), "fit grid without units");
    let scenarios =
        std::fs::read_to_string(out.join("scenarios-personalist-scenarios.svg")).unwrap();
    assert!(
        scenarios.contains("Time (year)"),
        "scenario time axis without unit"
    );
}

/// Runs a study file written into a temporary folder; returns the output and the folder the
/// figures would have gone to.
fn run_study(body: &str) -> (Output, PathBuf, tempfile::TempDir) {
    let tmp = tempfile::tempdir().unwrap();
    let study = tmp.path().join("study.toml");
    std::fs::write(&study, body).unwrap();
    let out = tmp.path().join("figures");
    let o = pressure(&[
        "reproduce",
        "--quick",
        "--study",
        study.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    (o, out, tmp)
}

#[test]
fn bad_study_files_exit_2_and_write_nothing() {
    let estimate = root().join("experiments/estimate/growth_un_vs_us.toml");
    let good = format!(
        "[[step]]\nname = \"growth\"\nkind = \"estimate\"\nfile = \"{}\"\n",
        estimate.display()
    );
    let cases: Vec<(String, &str)> = vec![
        // A later step's experiment is missing: found before the first step runs.
        (
            format!(
                "title = \"t\"\n{good}[[step]]\nname = \"cal\"\nkind = \"calibrate\"\nfile = \"missing.toml\"\n"
            ),
            "missing.toml",
        ),
        (
            format!("title = \"t\"\n{good}[[step]]\nname = \"x\"\nkind = \"bake\"\n"),
            "bake",
        ),
        (
            format!("title = \"t\"\n{good}{good}"),
            "two steps are named `growth`",
        ),
        (
            format!("title = \"t\"\ncolour = \"red\"\n{good}"),
            "colour",
        ),
        (
            format!("title = \"t\"\n{good}[[step]]\nname = \"s\"\nkind = \"scenarios\"\nmodel = \"{}\"\nvariables = [\"coalition.cohesion\"]\n",
                root().join("models/sanctions.toml").display()),
            "list the `scenarios`",
        ),
    ];
    for (i, (body, needle)) in cases.iter().enumerate() {
        let (o, out, _tmp) = run_study(body);
        assert_eq!(
            o.status.code(),
            Some(2),
            "case {i}: expected exit 2, got {:?}\n{}",
            o.status.code(),
            stderr(&o)
        );
        assert!(
            stderr(&o).contains(needle),
            "case {i}: error does not mention `{needle}`:\n{}",
            stderr(&o)
        );
        assert!(!out.exists(), "case {i}: {} was written", out.display());
    }

    // A study file that does not exist.
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("figures");
    let o = pressure(&[
        "reproduce",
        "--study",
        tmp.path().join("nope.toml").to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("nope.toml"), "{}", stderr(&o));
    assert!(!out.exists());
}

/// `pressure estimate`, `sensitivity` and `calibrate` draw their standard figures into
/// `OUT/figures/` with an index whose every listed file exists.
#[test]
fn commands_write_their_standard_figures() {
    let tmp = tempfile::tempdir().unwrap();
    let runs: [(&str, Vec<&str>, &[&str]); 3] = [
        (
            "estimate",
            vec![
                "estimate",
                "experiments/estimate/growth_un_vs_us.toml",
                "--quiet",
            ],
            &["coef-twfe.svg", "coef-twfe_controls.svg"],
        ),
        (
            "sensitivity",
            vec![
                "sensitivity",
                "experiments/sensitivity/sir_morris.toml",
                "--quick",
            ],
            &[],
        ),
        (
            "calibrate",
            vec!["calibrate", "experiments/calibrate/logistic_synthetic.toml"],
            &["fit-grid.svg", "posterior.svg", "pairs.svg", "profiles.svg"],
        ),
    ];
    for (name, mut args, expected) in runs {
        let out = tmp.path().join(name);
        args.extend(["--out", out.to_str().unwrap()]);
        let o = pressure(&args);
        assert!(o.status.success(), "{name}: {}", stderr(&o));
        let figs = out.join("figures");
        let index = std::fs::read_to_string(figs.join("index.md"))
            .unwrap_or_else(|e| panic!("{name}: no figures/index.md: {e}"));
        assert!(!index.contains("Not drawn"), "{name}: {index}");
        let files: Vec<String> = links(&index)
            .into_iter()
            .filter(|l| l.ends_with(".svg") || l.ends_with(".png") || l.ends_with(".pdf"))
            .collect();
        assert!(!files.is_empty(), "{name}: no figure in the index");
        for f in &files {
            let len = std::fs::metadata(figs.join(f))
                .map(|m| m.len())
                .unwrap_or(0);
            assert!(len > 0, "{name}: {f} missing or empty");
        }
        for e in expected {
            assert!(files.iter().any(|f| f == e), "{name}: no {e} in {files:?}");
        }
    }
}
