//! The within estimator with several high-dimensional fixed effects equals least squares with
//! the dummy columns (LSDV) on unbalanced panels, after the same singletons are removed.

#![allow(clippy::needless_range_loop)]

mod common;

use pressure_econometrics::fe::{drop_singletons, fe_rank};
use pressure_econometrics::{ols, within, Design, Factor, OlsOptions, VcovSpec, WithinOptions};
use rand::{Rng, SeedableRng};
use rand_pcg::Pcg64Mcg;

struct Panel {
    y: Vec<f64>,
    x1: Vec<f64>,
    x2: Vec<f64>,
    fes: Vec<Factor>,
}

/// An unbalanced panel: units × periods with 30 % of cells missing, a third "sector" effect,
/// and a few units observed once (singletons).
fn panel(seed: u64, units: usize, periods: usize, with_sector: bool) -> Panel {
    let mut rng = Pcg64Mcg::seed_from_u64(seed);
    let (mut unit, mut time, mut sector) = (vec![], vec![], vec![]);
    let (mut y, mut x1, mut x2) = (vec![], vec![], vec![]);
    let unit_eff: Vec<f64> = (0..units).map(|_| rng.random::<f64>() * 4.0).collect();
    let time_eff: Vec<f64> = (0..periods).map(|_| rng.random::<f64>() * 2.0).collect();
    for u in 0..units {
        for t in 0..periods {
            if rng.random::<f64>() < 0.3 || (u % 17 == 0 && t > 0) {
                continue;
            }
            let s = (u * 7 + t / 3) % 5;
            let a = rng.random::<f64>() + 0.1 * unit_eff[u];
            let b = rng.random::<f64>() * 3.0 - time_eff[t];
            let e = rng.random::<f64>() - 0.5;
            unit.push(u);
            time.push(t);
            sector.push(s);
            x1.push(a);
            x2.push(b);
            y.push(1.5 * a - 0.7 * b + unit_eff[u] + time_eff[t] + 0.3 * s as f64 + e);
        }
    }
    let mut fes = vec![
        Factor::from_values("unit", &unit),
        Factor::from_values("time", &time),
    ];
    if with_sector {
        fes.push(Factor::from_values("sector", &sector));
    }
    Panel { y, x1, x2, fes }
}

fn lsdv(p: &Panel, rows: &[usize]) -> pressure_econometrics::OlsResult {
    let mut names = vec!["x1".to_string(), "x2".to_string()];
    let mut cols: Vec<Vec<f64>> = vec![
        rows.iter().map(|&i| p.x1[i]).collect(),
        rows.iter().map(|&i| p.x2[i]).collect(),
    ];
    for f in &p.fes {
        let sub = f.subset(rows);
        for g in 1..sub.n_levels as u32 {
            names.push(format!("{}{g}", f.name));
            cols.push(sub.codes.iter().map(|&c| (c == g) as u8 as f64).collect());
        }
    }
    let refs: Vec<&[f64]> = cols.iter().map(|c| c.as_slice()).collect();
    let d = Design::from_columns(&names, &refs)
        .unwrap()
        .with_intercept();
    let y: Vec<f64> = rows.iter().map(|&i| p.y[i]).collect();
    ols(&y, &d, &OlsOptions::default()).unwrap()
}

#[test]
fn two_fixed_effects_unbalanced_equal_lsdv_including_classical_se() {
    let p = panel(7, 60, 12, false);
    let (rows, singletons) = drop_singletons(&p.fes);
    assert!(singletons > 0, "the panel is built to contain singletons");
    let d = Design::from_columns(&["x1", "x2"], &[&p.x1, &p.x2]).unwrap();
    let fit = within(&p.y, &d, &p.fes, &WithinOptions::default()).unwrap();
    assert_eq!(fit.singletons_dropped, singletons);
    assert_eq!(fit.n_obs, rows.len());
    assert!(fit.demean_converged);
    let reference = lsdv(&p, &rows);
    // LSDV drops redundant dummies; its column count is the exact rank.
    assert_eq!(fit.fe_rank + 2, reference.coefficients.len());
    for term in ["x1", "x2"] {
        let a = fit.coefficients.get(term).unwrap();
        let b = reference.coefficients.get(term).unwrap();
        assert!(common::rel(a.estimate, b.estimate) < 1e-9, "{term}");
        assert!(common::rel(a.std_error, b.std_error) < 1e-8, "{term}");
    }
    assert!((fit.r_squared - reference.r_squared).abs() < 1e-10);
}

#[test]
fn three_fixed_effects_equal_lsdv_coefficients_and_clustered_se_runs() {
    let p = panel(11, 50, 10, true);
    let (rows, _) = drop_singletons(&p.fes);
    let d = Design::from_columns(&["x1", "x2"], &[&p.x1, &p.x2]).unwrap();
    let opts = WithinOptions::with_vcov(VcovSpec::cluster(p.fes[0].clone()));
    let fit = within(&p.y, &d, &p.fes, &opts).unwrap();
    let reference = lsdv(&p, &rows);
    for term in ["x1", "x2"] {
        let a = fit.coefficients.get(term).unwrap();
        let b = reference.coefficients.get(term).unwrap();
        assert!(common::rel(a.estimate, b.estimate) < 1e-8, "{term}");
    }
    // The conservative rank (reghdfe's rule for a third effect) is never below the exact one.
    assert!(fit.fe_rank + 2 >= reference.coefficients.len());
    let subset: Vec<Factor> = p.fes.iter().map(|f| f.subset(&rows)).collect();
    assert_eq!(fe_rank(&subset), fit.fe_rank);
    assert_eq!(fit.clusters[0].0, "unit");
}

#[test]
fn regressor_constant_within_units_is_reported_as_absorbed() {
    let p = panel(3, 20, 6, false);
    let unit_level: Vec<f64> = p.fes[0].codes.iter().map(|&c| (c % 3) as f64).collect();
    let d = Design::from_columns(&["x1", "unit_level"], &[&p.x1, &unit_level]).unwrap();
    let fit = within(&p.y, &d, &p.fes, &WithinOptions::default()).unwrap();
    assert_eq!(fit.dropped, vec!["unit_level".to_string()]);
    assert_eq!(fit.coefficients.terms, vec!["x1".to_string()]);
}
