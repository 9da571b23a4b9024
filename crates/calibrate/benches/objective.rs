//! One objective evaluation (model run(s) + aggregation + likelihood) of a calibration
//! experiment on its episode(s): the unit cost of every optimiser iteration.

use criterion::{criterion_group, criterion_main, Criterion};
use pressure_calibrate::experiment::Experiment;
use std::hint::black_box;
use std::path::PathBuf;

fn bench_objective(c: &mut Criterion) {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let path = root.join("experiments/calibrate/logistic_synthetic.toml");
    let exp = Experiment::load(&path).unwrap();
    let mut cal = exp.calibration().unwrap();
    let x = cal.params().start_external();
    c.bench_function(
        "objective/logistic_synthetic (1 episode, 2 series, 160 RK4 steps)",
        |b| b.iter(|| black_box(cal.neg_log_lik(black_box(&x)).unwrap())),
    );

    // The coupled sanctions model on the Iran 2011-2016 episode: 12 years at dt = 1/48 with
    // RK4, the timeline-driven sanction inputs, four annual series.
    let path = root.join("experiments/calibrate/iran_2011.toml");
    let exp = Experiment::load(&path).unwrap();
    let mut cal = exp.calibration().unwrap();
    let x = cal.params().start_external();
    c.bench_function(
        "objective/iran_2011 (coupled sanctions model, 576 RK4 steps, 4 series)",
        |b| b.iter(|| black_box(cal.neg_log_lik(black_box(&x)).unwrap())),
    );
}

criterion_group!(benches, bench_objective);
criterion_main!(benches);
