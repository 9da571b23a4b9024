//! Logit and probit: closed-form results (one binary regressor: the MLE reproduces the cell
//! proportions) and statsmodels 0.15.0 on a deterministic data set (values transcribed).

#![allow(clippy::needless_range_loop)]

mod common;

use pressure_econometrics::{
    binary, BinaryLink, BinaryOptions, ClusterCorrection, Design, EconError, Factor, HcKind,
    VcovSpec,
};
use statrs::distribution::{Continuous, ContinuousCDF, Normal};

/// 2×2 table: x = 0 has 30 observations with 9 ones, x = 1 has 50 with 31 ones.
fn two_by_two() -> (Vec<f64>, Vec<f64>) {
    let mut x = vec![];
    let mut y = vec![];
    for (xv, n, ones) in [(0.0, 30, 9), (1.0, 50, 31)] {
        for i in 0..n {
            x.push(xv);
            y.push(if i < ones { 1.0 } else { 0.0 });
        }
    }
    (x, y)
}

#[test]
fn logit_with_one_binary_regressor_is_the_log_odds_ratio() {
    let (x, y) = two_by_two();
    let d = Design::from_columns(&["x"], &[&x])
        .unwrap()
        .with_intercept();
    let fit = binary(&y, &d, BinaryLink::Logit, &BinaryOptions::default()).unwrap();
    let (a, b, c, e) = (9.0f64, 21.0f64, 31.0f64, 19.0f64); // ones/zeros at x=0, at x=1
    let slope = ((c / e) / (a / b)).ln();
    let se = (1.0 / a + 1.0 / b + 1.0 / c + 1.0 / e).sqrt();
    let row = fit.coefficients.get("x").unwrap();
    assert!(common::rel(row.estimate, slope) < 1e-10);
    assert!(common::rel(row.std_error, se) < 1e-10);
    let cons = fit.coefficients.get("const").unwrap();
    assert!(common::rel(cons.estimate, (a / b).ln()) < 1e-10);
    assert!(common::rel(cons.std_error, (1.0 / a + 1.0 / b).sqrt()) < 1e-10);
}

#[test]
fn probit_with_one_binary_regressor_inverts_the_cell_proportions() {
    let (x, y) = two_by_two();
    let d = Design::from_columns(&["x"], &[&x])
        .unwrap()
        .with_intercept();
    let fit = binary(&y, &d, BinaryLink::Probit, &BinaryOptions::default()).unwrap();
    let z = Normal::standard();
    let (p0, p1) = (9.0 / 30.0, 31.0 / 50.0);
    let (q0, q1) = (z.inverse_cdf(p0), z.inverse_cdf(p1));
    let cons = fit.coefficients.get("const").unwrap();
    let slope = fit.coefficients.get("x").unwrap();
    assert!(common::rel(cons.estimate, q0) < 1e-9);
    assert!(common::rel(slope.estimate, q1 - q0) < 1e-9);
    // Delta method: Var Φ⁻¹(p̂) = p(1−p)/(n φ(Φ⁻¹(p))²), cells independent.
    let v0 = p0 * (1.0 - p0) / (30.0 * z.pdf(q0).powi(2));
    let v1 = p1 * (1.0 - p1) / (50.0 * z.pdf(q1).powi(2));
    assert!(common::rel(cons.std_error, v0.sqrt()) < 1e-9);
    assert!(common::rel(slope.std_error, (v0 + v1).sqrt()) < 1e-9);
}

/// The data of the statsmodels comparison (same formulas in the Python script).
fn deterministic_data() -> (Vec<f64>, Vec<f64>, Vec<f64>, Vec<usize>) {
    let n = 300;
    let x1: Vec<f64> = (0..n).map(|i| (1.3 * i as f64).sin()).collect();
    let x2: Vec<f64> = (0..n).map(|i| ((i * 37) % 100) as f64 / 100.0).collect();
    let g: Vec<usize> = (0..n).map(|i| i % 12).collect();
    let y: Vec<f64> = (0..n)
        .map(|i| {
            let u = (i as f64 * 0.6180339887498949) % 1.0;
            let p = 1.0 / (1.0 + (-(0.3 + 1.2 * x1[i] - 1.5 * x2[i])).exp());
            if u < p {
                1.0
            } else {
                0.0
            }
        })
        .collect();
    (y, x1, x2, g)
}

#[test]
fn logit_and_probit_match_statsmodels() {
    // statsmodels 0.15.0: Logit/Probit(y, [1, x1, x2]).fit(method="newton", tol=1e-12), with
    // cov_type nonrobust, "HC0", and "cluster" (groups = i mod 12, use_correction=False).
    struct Expect {
        link: BinaryLink,
        params: [f64; 3],
        se: [f64; 3],
        hc0: [f64; 3],
        cr0: [f64; 3],
        llf: f64,
        llnull: f64,
    }
    let cases = [
        Expect {
            link: BinaryLink::Logit,
            params: [0.284096801892, 1.12622855962, -1.3453756161],
            se: [0.249264329794, 0.188404014617, 0.448448308245],
            hc0: [0.243802923454, 0.185547000476, 0.443002945649],
            cr0: [0.214671647368, 0.118057457562, 0.383531167139],
            llf: -180.007518353,
            llnull: -204.087600078,
        },
        Expect {
            link: BinaryLink::Probit,
            params: [0.171687422305, 0.687029086614, -0.807878306216],
            se: [0.151684585955, 0.111740897835, 0.269245306294],
            hc0: [0.148737352331, 0.110630153404, 0.267067979058],
            cr0: [0.12729850782, 0.0709940197573, 0.223451649363],
            llf: -180.053553378,
            llnull: -204.087600062,
        },
    ];
    let (y, x1, x2, g) = deterministic_data();
    assert_eq!(y.iter().sum::<f64>(), 126.0);
    let d = Design::from_columns(&["x1", "x2"], &[&x1, &x2])
        .unwrap()
        .with_intercept();
    let cluster = Factor::from_values("g", &g);
    for c in cases {
        for (vcov, expect) in [
            (VcovSpec::Classical, c.se),
            (VcovSpec::Hetero(HcKind::Hc0), c.hc0),
            (
                VcovSpec::cluster_with(cluster.clone(), ClusterCorrection::Cr0),
                c.cr0,
            ),
        ] {
            let opts = BinaryOptions {
                vcov,
                ..Default::default()
            };
            let fit = binary(&y, &d, c.link, &opts).unwrap();
            for i in 0..3 {
                assert!(common::rel(fit.coefficients.estimate[i], c.params[i]) < 1e-9);
                assert!(
                    common::rel(fit.coefficients.std_error[i], expect[i]) < 1e-8,
                    "{:?} {i}: {} vs {}",
                    c.link,
                    fit.coefficients.std_error[i],
                    expect[i]
                );
            }
            assert!(common::rel(fit.log_likelihood, c.llf) < 1e-10);
            assert!(common::rel(fit.null_log_likelihood.unwrap(), c.llnull) < 1e-9);
        }
    }
}

#[test]
fn perfect_separation_is_refused() {
    let x = [0.0, 1.0, 2.0, 3.0, 4.0, 5.0];
    let y = [0.0, 0.0, 0.0, 1.0, 1.0, 1.0];
    let d = Design::from_columns(&["x"], &[&x])
        .unwrap()
        .with_intercept();
    for link in [BinaryLink::Logit, BinaryLink::Probit] {
        let err = binary(&y, &d, link, &BinaryOptions::default()).unwrap_err();
        assert!(
            matches!(err, EconError::Invalid(ref m) if m.contains("separated")),
            "{link:?}: {err}"
        );
    }
}
