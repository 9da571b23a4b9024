//! Levenberg–Marquardt on NIST StRD problems (embedded data): one full fit per iteration,
//! analytic Jacobian and finite differences.

use criterion::{criterion_group, criterion_main, Criterion};
use pressure_calibrate::lm::{levenberg_marquardt, LmOptions};
use pressure_calibrate::nist::{NistModel, NistProblem};
use std::hint::black_box;

fn bench_lm(c: &mut Criterion) {
    let opts = LmOptions::default();
    for (model, start) in [
        (NistModel::MGH09, 0),
        (NistModel::Misra1a, 1),
        (NistModel::Rat42, 0),
    ] {
        let prob = NistProblem::embedded(model).unwrap();
        let x0 = prob.starts[start].clone();
        c.bench_function(
            &format!("lm/{}-start{}/analytic", model.name(), start + 1),
            |b| {
                b.iter(|| {
                    let mut p = prob.clone();
                    black_box(levenberg_marquardt(&mut p, black_box(&x0), &opts).unwrap())
                })
            },
        );
        c.bench_function(
            &format!("lm/{}-start{}/finite-diff", model.name(), start + 1),
            |b| {
                b.iter(|| {
                    let mut p = prob.without_jacobian();
                    black_box(levenberg_marquardt(&mut p, black_box(&x0), &opts).unwrap())
                })
            },
        );
    }
}

criterion_group!(benches, bench_lm);
criterion_main!(benches);
