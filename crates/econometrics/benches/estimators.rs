//! Criterion benchmarks of the hot paths: OLS (QR + refinement) with robust SEs, two-way
//! fixed effects with clustered SEs on a large unbalanced panel, and the Cox model.
//!
//! Run: `cargo bench -p pressure-econometrics --bench estimators`.

#![allow(clippy::needless_range_loop)]

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use pressure_econometrics::survival::{cox, CoxOptions, Spells};
use pressure_econometrics::{
    ols, within, Design, Factor, HcKind, OlsOptions, Precision, VcovSpec, WithinOptions,
};
use rand::{Rng, SeedableRng};
use rand_pcg::Pcg64Mcg;
use std::hint::black_box;

fn ols_bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("ols");
    for &(n, k) in &[(1_000usize, 5usize), (100_000, 10)] {
        let mut rng = Pcg64Mcg::seed_from_u64(1);
        let cols: Vec<Vec<f64>> = (0..k)
            .map(|_| (0..n).map(|_| rng.random()).collect())
            .collect();
        let y: Vec<f64> = (0..n)
            .map(|i| cols.iter().map(|c| c[i]).sum::<f64>() + rng.random::<f64>())
            .collect();
        let names: Vec<String> = (0..k).map(|j| format!("x{j}")).collect();
        let refs: Vec<&[f64]> = cols.iter().map(|c| c.as_slice()).collect();
        let d = Design::from_columns(&names, &refs)
            .unwrap()
            .with_intercept();
        for precision in [Precision::Fast, Precision::Refined] {
            let opts = OlsOptions {
                vcov: VcovSpec::Hetero(HcKind::Hc1),
                precision,
                ..Default::default()
            };
            g.bench_with_input(
                BenchmarkId::new(format!("{precision:?}_hc1"), format!("{n}x{k}")),
                &d,
                |b, d| b.iter(|| ols(black_box(&y), d, &opts).unwrap()),
            );
        }
    }
    g.finish();
}

/// The peer-comparison panel (same generator as benches/peers/econometrics_compare.py):
/// 1,000,000 rows, 20,000 units × 60 periods with 1/6 of the cells missing, y on two
/// regressors with unit and period effects.
fn big_panel(rows_wanted: usize) -> (Vec<f64>, Vec<f64>, Vec<f64>, Factor, Factor) {
    let mut rng = Pcg64Mcg::seed_from_u64(7);
    let units = rows_wanted / 50;
    let periods = 60;
    let ue: Vec<f64> = (0..units).map(|_| rng.random::<f64>()).collect();
    let te: Vec<f64> = (0..periods).map(|_| rng.random::<f64>()).collect();
    let (mut y, mut x1, mut x2, mut u, mut t) = (vec![], vec![], vec![], vec![], vec![]);
    for i in 0..units {
        for p in 0..periods {
            if rng.random::<f64>() < 1.0 / 6.0 {
                continue;
            }
            let a: f64 = rng.random::<f64>() + ue[i];
            let b: f64 = rng.random::<f64>() - te[p];
            y.push(a - 0.5 * b + ue[i] + te[p] + rng.random::<f64>());
            x1.push(a);
            x2.push(b);
            u.push(i as u32);
            t.push(p as u32);
        }
    }
    (
        y,
        x1,
        x2,
        Factor::from_codes("unit", &u),
        Factor::from_codes("period", &t),
    )
}

fn fe_bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("twoway_fe_cluster");
    g.sample_size(10);
    let (y, x1, x2, unit, period) = big_panel(1_000_000);
    let d = Design::from_columns(&["x1", "x2"], &[&x1, &x2]).unwrap();
    let opts = WithinOptions::with_vcov(VcovSpec::cluster(unit.clone()));
    let fes = [unit, period];
    g.bench_function(format!("{}_rows", y.len()), |b| {
        b.iter(|| within(black_box(&y), &d, &fes, &opts).unwrap())
    });
    g.finish();
}

fn cox_bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("cox_efron");
    for &n in &[1_000usize, 20_000] {
        let mut rng = Pcg64Mcg::seed_from_u64(3);
        let x1: Vec<f64> = (0..n).map(|_| rng.random()).collect();
        let x2: Vec<f64> = (0..n)
            .map(|_| (rng.random::<f64>() < 0.5) as u8 as f64)
            .collect();
        // integer times (many ties), 30 % censored
        let t: Vec<f64> = (0..n)
            .map(|i| {
                let rate = (0.5 * x1[i] + 0.3 * x2[i]).exp();
                (1.0 + (-rng.random::<f64>().ln() / rate * 10.0)).floor()
            })
            .collect();
        let e: Vec<f64> = (0..n)
            .map(|_| (rng.random::<f64>() > 0.3) as u8 as f64)
            .collect();
        let d = Design::from_columns(&["x1", "x2"], &[&x1, &x2]).unwrap();
        g.bench_with_input(BenchmarkId::from_parameter(n), &d, |b, d| {
            b.iter(|| cox(&Spells::new(black_box(&t), &e), d, &CoxOptions::default()).unwrap())
        });
    }
    g.finish();
}

criterion_group!(benches, ols_bench, fe_bench, cox_bench);
criterion_main!(benches);
