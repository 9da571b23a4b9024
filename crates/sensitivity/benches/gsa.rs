//! Samplers and estimators of pressure-sensitivity, and the whole Ishigami pipeline at the size
//! SALib is compared on (benches/peers/salib_compare.py).

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use pressure_sensitivity::analysis::morris::{morris_from_sample, MorrisSample};
use pressure_sensitivity::analysis::sobol::sobol_from_outputs;
use pressure_sensitivity::prelude::*;
use std::f64::consts::PI;
use std::hint::black_box;

fn ishigami(x: &[f64]) -> f64 {
    x[0].sin() + 7.0 * x[1].sin().powi(2) + 0.1 * x[2].powi(4) * x[0].sin()
}

fn samplers(c: &mut Criterion) {
    let mut g = c.benchmark_group("samplers");
    let seq = pressure_sensitivity::design::SobolSequence::new(20, Some(1)).unwrap();
    let mut buf = vec![0.0; 20 * 65536];
    g.bench_function("sobol_scrambled_65536x20", |b| {
        b.iter(|| seq.fill(0, 65536, black_box(&mut buf)))
    });
    let saltelli = SaltelliDesign::new(10, 8192, true, Some(1)).unwrap();
    let mut buf = vec![0.0; saltelli.n_runs() * 10];
    g.bench_function("saltelli_2nd_order_N8192_D10", |b| {
        b.iter(|| saltelli.fill_unit(0, 8192, black_box(&mut buf)))
    });
    let lhs = LatinHypercube::new(10, 100_000, 1).unwrap();
    let mut buf = vec![0.0; 100_000 * 10];
    g.bench_function("lhs_100000x10", |b| {
        b.iter(|| lhs.fill_unit(0, 100_000, black_box(&mut buf)))
    });
    let morris = MorrisDesign::new(10, 1000, 4, 1, None, &[]).unwrap();
    let mut buf = vec![0.0; morris.n_runs() * 10];
    g.bench_function("morris_r1000_D10", |b| {
        b.iter(|| morris.fill_unit(0, 1000, black_box(&mut buf)))
    });
    g.sample_size(10);
    g.bench_function("morris_improved_spread_r20_of_100_D10", |b| {
        b.iter(|| MorrisDesign::new(10, 20, 4, black_box(1), Some(100), &[]).unwrap())
    });
    g.finish();
}

fn estimators(c: &mut Criterion) {
    let mut g = c.benchmark_group("estimators");
    for second in [false, true] {
        let design = SaltelliDesign::new(3, 8192, second, Some(1)).unwrap();
        let y: Vec<f64> = design
            .all_unit_rows()
            .chunks(3)
            .map(|u| {
                ishigami(&[
                    u[0] * 2.0 * PI - PI,
                    u[1] * 2.0 * PI - PI,
                    u[2] * 2.0 * PI - PI,
                ])
            })
            .collect();
        g.bench_with_input(
            BenchmarkId::new(
                "sobol_N8192_D3_bootstrap100",
                if second { "2nd" } else { "1st" },
            ),
            &y,
            |b, y| b.iter(|| sobol_from_outputs(black_box(y), 3, 1, second, 100, 1, 0.95).unwrap()),
        );
    }
    let morris = MorrisDesign::new(8, 1024, 4, 1, None, &[]).unwrap();
    let unit = morris.all_unit_rows();
    let y: Vec<f64> = unit.chunks(8).map(|x| x.iter().sum::<f64>()).collect();
    g.bench_function("morris_r1024_D8_bootstrap100", |b| {
        b.iter(|| {
            morris_from_sample(
                &MorrisSample {
                    unit: &unit,
                    outputs: black_box(&y),
                    dims: 8,
                    columns: 1,
                    levels: 4,
                },
                100,
                1,
                0.95,
            )
            .unwrap()
        })
    });
    let x: Vec<f64> = LatinHypercube::new(5, 10_000, 1).unwrap().all_unit_rows();
    let yp: Vec<f64> = x
        .chunks(5)
        .map(|r| r[0] + 2.0 * r[1] * r[1] - r[3])
        .collect();
    g.bench_function("prcc_n10000_D5", |b| {
        b.iter(|| pressure_sensitivity::analysis::prcc::prcc(black_box(&x), 5, &yp))
    });
    g.finish();
}

fn pipeline(c: &mut Criterion) {
    let mut g = c.benchmark_group("pipeline");
    g.sample_size(20);
    let space =
        ParameterSpace::uniform(&[("x1", -PI, PI), ("x2", -PI, PI), ("x3", -PI, PI)]).unwrap();
    let model = FnEvaluator::new(1, |x: &[f64], y: &mut [f64]| {
        y[0] = ishigami(x);
        Ok(())
    });
    for second in [false, true] {
        g.bench_function(
            BenchmarkId::new(
                "ishigami_sample_eval_analyse_N8192_bootstrap100",
                if second { "2nd" } else { "1st" },
            ),
            |b| {
                b.iter(|| {
                    let design = SaltelliDesign::new(3, 8192, second, Some(1)).unwrap();
                    let analysis = SobolAnalysis::new(3, second, vec![100], 1, 0.95);
                    let job = Job::new(&design, &space, &model, &analysis);
                    analysis.finalize(&run_all(&job).unwrap())
                })
            },
        );
    }
    g.finish();
}

criterion_group!(benches, samplers, estimators, pipeline);
criterion_main!(benches);
