//! The calibration figure set planned through the library API (`pressure::figures`) from the
//! typed results in memory: the output folder may be empty, nothing is read back from it.

use pressure::calibrate::experiment::outputs::calibration_files;
use pressure::calibrate::experiment::{Experiment, RunOptions};
use pressure::figures::{calibrate_plans, CalibrationResults};
use pressure::plot::FigureKind;
use std::path::Path;

#[test]
fn the_calibration_set_is_planned_from_the_typed_report_with_an_empty_output_folder() {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("experiments/calibrate/logistic_synthetic.toml");
    let mut exp = Experiment::load(&path).unwrap();
    // Small settings; a level other than 0.95 so the profile caption shows it is the
    // experiment's (`stats.json` has no such field: the old reader always said 95 %).
    exp.spec.estimation.multistart = 2;
    exp.spec.uncertainty.bootstrap = 0;
    exp.spec.uncertainty.level = 0.9;
    let mcmc = exp.spec.uncertainty.mcmc.as_mut().unwrap();
    mcmc.chains = 4;
    mcmc.iterations = 300;
    mcmc.warmup = Some(150);
    let report = exp
        .run(&RunOptions {
            seed: 1,
            checkpoint_dir: None,
            resume: false,
            progress: None,
        })
        .unwrap();
    let files = calibration_files(&exp, &report, 1, Some(20), None).unwrap();
    let out = tempfile::tempdir().unwrap();
    let dir = out.path().join("never-written");
    let data_dir = out.path().join("figure-data");
    let results = CalibrationResults {
        experiment: &exp,
        report: &report,
        files: &files,
        fit_bands: None,
    };
    let plans = calibrate_plans(&results, &dir, &data_dir).unwrap();
    let stems: Vec<(&str, FigureKind)> = plans.iter().map(|p| (p.stem.as_str(), p.kind)).collect();
    assert_eq!(
        stems,
        [
            ("fit-grid", FigureKind::FitGrid),
            ("fit-synthetic-population", FigureKind::TimeSeries),
            ("profiles", FigureKind::Profile),
            ("posterior", FigureKind::Posterior),
            ("pairs", FigureKind::Pairs),
        ]
    );
    assert_eq!(plans[0].data, dir.join("fit.csv"));
    assert!(
        plans[0].caption.contains("2 series of episode synthetic"),
        "{}",
        plans[0].caption
    );
    assert_eq!(plans[1].select.as_deref(), Some("population"));
    assert!(
        plans[2].caption.contains("of a 90% interval"),
        "{}",
        plans[2].caption
    );
    assert!(
        plans[3].caption.contains("from 4 chains"),
        "{}",
        plans[3].caption
    );
    // The profile extract: one row per evaluated point of each profile with two or more
    // points, the numbers as the report holds them.
    let rows: Vec<Vec<String>> = csv::Reader::from_path(&plans[2].data)
        .unwrap()
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect();
    let points: usize = report
        .profiles
        .iter()
        .filter(|p| p.points.len() >= 2)
        .map(|p| p.points.len())
        .sum();
    assert_eq!(rows.len(), points);
    let first = &report.profiles[0];
    assert_eq!(rows[0][0], report.parameters[0]);
    assert_eq!(rows[0][1].parse::<f64>().unwrap(), first.points[0].value);
    assert_eq!(rows[0][3].parse::<f64>().unwrap(), report.estimate.x[0]);
    // With posterior bands written, the fit figures draw them and say their level.
    let banded = calibrate_plans(
        &CalibrationResults {
            fit_bands: Some(0.95),
            ..results
        },
        &dir,
        &data_dir,
    )
    .unwrap();
    assert_eq!(banded[0].data, dir.join("fit_bands.csv"));
    assert!(
        banded[0]
            .caption
            .contains("95% posterior interval of the model at each observation"),
        "{}",
        banded[0].caption
    );
    assert!(
        !dir.exists(),
        "planning wrote nothing into the output folder"
    );
}
