//! The sensitivity figure set planned through the library API (`pressure::figures`) from a
//! typed report in memory: the output folder is empty (nothing is read back from it), and the
//! plot-ready extracts hold exactly the numbers of the report's own result files.

use pressure::figures::sensitivity_plans;
use pressure::plot::FigureKind;
use pressure::sensitivity::experiment::{Experiment, Outcome, Report, RunOptions};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

fn experiment(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

/// A quick run of an experiment file, through the same library calls as the command.
fn report(rel: &str, seed: u64) -> Report {
    let mut prepared = Experiment::load(&experiment(rel))
        .unwrap()
        .prepare()
        .unwrap();
    prepared.make_quick();
    let outcome = prepared
        .run(&RunOptions {
            seed,
            shard: None,
            progress: None,
        })
        .unwrap();
    let Outcome::Complete(report) = outcome else {
        panic!("a run without a shard is complete")
    };
    report
}

/// Rows (header first) of a CSV text.
fn rows(bytes: &[u8]) -> Vec<Vec<String>> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(bytes)
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect()
}

/// One of the report's own files, as the command writes it (in memory here).
fn file(report: &Report, name: &str) -> Vec<Vec<String>> {
    let (_, bytes) = report
        .files()
        .into_iter()
        .find(|(n, _)| n == name)
        .unwrap_or_else(|| panic!("the report writes no {name}"));
    rows(&bytes)
}

fn col(header: &[String], name: &str) -> usize {
    header.iter().position(|h| h == name).unwrap()
}

#[test]
fn envelope_extracts_are_the_reports_quantiles_and_nothing_is_read_back() {
    let r = report("experiments/sensitivity/sir_envelope.toml", 11);
    let out = tempfile::tempdir().unwrap();
    let data = out.path().join("figure-data");
    let plans = sensitivity_plans(&r, out.path(), &data).unwrap();
    // The output folder held nothing but what the planner wrote (its extracts).
    let entries: Vec<_> = std::fs::read_dir(out.path()).unwrap().collect();
    assert_eq!(entries.len(), 1, "{entries:?}");
    // One series output (infectious): one envelope; the scalar output has no figure.
    assert_eq!(plans.len(), 1);
    let p = &plans[0];
    assert_eq!(
        (p.stem.as_str(), p.kind),
        ("envelope-infectious", FigureKind::TimeSeries)
    );
    // The model's time unit, the experiment's seed and the band from the quantiles.
    assert_eq!(p.x_label.as_deref(), Some("Time (day)"));
    assert!(p.caption.contains("seed 11"), "{}", p.caption);
    assert!(p.caption.contains("5–95th percentile"), "{}", p.caption);
    assert!(p.caption.contains("median"), "{}", p.caption);
    let extract = rows(&std::fs::read(&p.data).unwrap());
    assert_eq!(
        extract[0],
        [
            "observable",
            "unit",
            "time",
            "model",
            "lower",
            "upper",
            "level"
        ]
    );
    let summary = file(&r, "summary.csv");
    let h = &summary[0];
    let (c_out, c_time) = (col(h, "output"), col(h, "time"));
    let (c_lo, c_mid, c_hi) = (col(h, "q0.05"), col(h, "q0.5"), col(h, "q0.95"));
    let expected: Vec<[&str; 4]> = summary[1..]
        .iter()
        .filter(|row| row[c_out] == "infectious")
        .map(|row| {
            [
                row[c_time].as_str(),
                row[c_mid].as_str(),
                row[c_lo].as_str(),
                row[c_hi].as_str(),
            ]
        })
        .collect();
    assert!(expected.len() > 10, "{} time points", expected.len());
    let got: Vec<[&str; 4]> = extract[1..]
        .iter()
        .map(|row| {
            assert_eq!((row[0].as_str(), row[6].as_str()), ("infectious", "90%"));
            [
                row[2].as_str(),
                row[3].as_str(),
                row[4].as_str(),
                row[5].as_str(),
            ]
        })
        .collect();
    assert_eq!(got, expected);
}

#[test]
fn morris_extracts_are_the_reports_indices() {
    let r = report("experiments/sensitivity/sir_morris.toml", 7);
    let out = tempfile::tempdir().unwrap();
    let plans = sensitivity_plans(&r, out.path(), &out.path().join("figure-data")).unwrap();
    let stems: Vec<&str> = plans.iter().map(|p| p.stem.as_str()).collect();
    assert_eq!(
        stems,
        ["morris-peak_infectious", "morris-recovered_day_100"]
    );
    assert!(plans.iter().all(|p| p.kind == FigureKind::Morris));
    // The quick run's trajectories (at most 10) and runs, as the caption states them.
    assert!(
        plans[0]
            .caption
            .contains(&format!("{} model runs", r.n_runs)),
        "{}",
        plans[0].caption
    );
    let morris = file(&r, "morris.csv");
    let h = &morris[0];
    let key = |row: &Vec<String>| {
        (
            row[col(h, "output")].clone(),
            row[col(h, "parameter")].clone(),
        )
    };
    let written: HashMap<_, _> = morris[1..]
        .iter()
        .map(|row| {
            (
                key(row),
                [
                    row[col(h, "mu_star")].clone(),
                    row[col(h, "mu_star_conf")].clone(),
                    row[col(h, "sigma")].clone(),
                ],
            )
        })
        .collect();
    let mut checked = 0;
    for p in &plans {
        let extract = rows(&std::fs::read(&p.data).unwrap());
        assert_eq!(
            extract[0],
            [
                "output",
                "unit",
                "parameter",
                "mu_star",
                "mu_star_conf",
                "sigma"
            ]
        );
        for row in &extract[1..] {
            let want = &written[&(row[0].clone(), row[2].clone())];
            assert_eq!(&row[3..6], want.as_slice());
            checked += 1;
        }
    }
    assert_eq!(checked, morris.len() - 1);
}

#[test]
fn tornado_figures_are_one_per_output_column_with_its_units() {
    let r = report("experiments/sensitivity/sir_tornado.toml", 0);
    let out = tempfile::tempdir().unwrap();
    let plans = sensitivity_plans(&r, out.path(), &out.path().join("figure-data")).unwrap();
    let tornado = file(&r, "tornado.csv");
    let mut outputs: Vec<&str> = Vec::new();
    for row in &tornado[1..] {
        if !outputs.contains(&row[0].as_str()) {
            outputs.push(&row[0]);
        }
    }
    let selected: Vec<&str> = plans.iter().map(|p| p.select.as_deref().unwrap()).collect();
    assert_eq!(selected, outputs);
    for (p, c) in plans.iter().zip(&r.spec.columns) {
        assert_eq!(p.kind, FigureKind::Tornado);
        // Drawn from the report's own file, which the command writes next to the figures.
        assert_eq!(p.data, out.path().join("tornado.csv"));
        // One-at-a-time swings draw nothing at random: no seed in the caption.
        assert!(!p.caption.contains("seed"), "{}", p.caption);
        let unit = c.units.as_deref().unwrap_or("");
        let label = p.x_label.as_deref().unwrap();
        assert_eq!(
            label.ends_with(&format!("({unit})")),
            !unit.is_empty(),
            "{label}"
        );
    }
}
