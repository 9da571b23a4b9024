//! Experiments on a real model through the library (the CLI tests cover the command line).

use pressure_sensitivity::experiment::{Experiment, Outcome, ResultSet, RunOptions};
use std::path::{Path, PathBuf};

fn sir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../models/examples/sir.toml")
}

fn experiment(dir: &Path, extra_header: &str, body: &str) -> Experiment {
    let text = format!(
        "[experiment]\nmodel = {:?}\nuse_model_ranges = true\n{extra_header}\n{body}",
        sir().display().to_string()
    );
    let path = dir.join("e.toml");
    std::fs::write(&path, &text).unwrap();
    Experiment::load(&path).unwrap()
}

const OAT: &str = r#"
[method]
kind = "oat"

[[outputs]]
name = "peak_first_40_days"
variable = "infectious"
statistic = "peak"
from = 0
to = 40

[[outputs]]
variable = "recovered"
statistic = "value_at"
time = 33.3
"#;

fn oat_outputs(e: &Experiment) -> Vec<f64> {
    let p = e.prepare().unwrap();
    match p
        .run(&RunOptions {
            seed: 0,
            shard: None,
            progress: None,
        })
        .unwrap()
    {
        Outcome::Complete(r) => match r.results {
            ResultSet::Oat(o) => o
                .swings
                .iter()
                .flat_map(|s| s.iter().flat_map(|w| [w.output_at_low, w.output_at_high]))
                .chain(o.base_outputs)
                .collect(),
            _ => unreachable!(),
        },
        Outcome::Partial(_) => unreachable!(),
    }
}

#[test]
fn stopping_at_the_last_output_changes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let full = experiment(tmp.path(), "", OAT);
    let short = experiment(tmp.path(), "run_until_last_output = true", OAT);
    let p = short.prepare().unwrap();
    // Last output time 40 is on the save grid (every 0.03125 day) of the Euler run.
    assert_eq!(p.settings.stop, 40.0);
    assert_eq!(full.prepare().unwrap().settings.stop, 100.0);
    let (a, b) = (oat_outputs(&full), oat_outputs(&short));
    assert_eq!(a.len(), 2 * 2 * 2 + 2);
    assert_eq!(a, b);
}

#[test]
fn exclusions_select_the_varied_parameters() {
    let tmp = tempfile::tempdir().unwrap();
    let e = experiment(tmp.path(), "exclude = [\"dur*\"]", OAT);
    let names: Vec<String> = e
        .prepare()
        .unwrap()
        .spec
        .parameters
        .iter()
        .map(|p| p.name.clone())
        .collect();
    assert_eq!(names, ["contact_infectivity"]);
    let e = experiment(tmp.path(), "exclude = [\"duraton\"]", OAT);
    let err = e.prepare().err().unwrap().to_string();
    assert!(
        err.contains("`duraton` matches no parameter") && err.contains("did you mean `duration`"),
        "{err}"
    );
    let e = experiment(tmp.path(), "exclude_source = [\"SDXorg\"]", OAT);
    let err = e.prepare().err().unwrap().to_string();
    assert!(err.contains("varies no parameter"), "{err}");
}
