//! Local projections against statsmodels 0.15.0 (one OLS per horizon with Newey–West h+1
//! lags, transcribed) and recovery of a known impulse response in a panel.

#![allow(clippy::needless_range_loop)]

mod common;

use pressure_econometrics::lp::{local_projection, LpOptions, LpResponse, PanelIndex};
use pressure_econometrics::Factor;

fn frac(x: f64) -> f64 {
    x - x.floor()
}

/// y_t = 0.6 y_{t−1} + s_t + 0.5 e_t with deterministic pseudo-random s, e (same formulas in
/// the Python script).
fn series(t_len: usize) -> (Vec<f64>, Vec<f64>) {
    let s: Vec<f64> = (0..t_len)
        .map(|t| frac((t as f64 * 12.9898).sin() * 43758.5453) - 0.5)
        .collect();
    let e: Vec<f64> = (0..t_len)
        .map(|t| frac((t as f64 * 78.233).sin() * 12345.6789) - 0.5)
        .collect();
    let mut y = vec![0.0; t_len];
    for t in 0..t_len {
        y[t] = if t > 0 { 0.6 * y[t - 1] } else { 0.0 } + s[t] + 0.5 * e[t];
    }
    (y, s)
}

#[test]
fn time_series_projection_matches_statsmodels_ols_with_hac() {
    let (y, s) = series(400);
    let opts = LpOptions {
        horizons: 3,
        lags: 2,
        ..Default::default()
    };
    let lp = local_projection(&y, &s, None, None, &opts).unwrap();
    let expect = [
        (0.990967993815, 0.0259991559855, 398),
        (0.627503767696, 0.0569289409739, 397),
        (0.339407376216, 0.069982659202, 396),
        (0.196767179269, 0.0728262211215, 395),
    ];
    for (h, (b, se, n)) in expect.iter().enumerate() {
        assert!(common::rel(lp.irf.estimate[h], *b) < 1e-9, "h{h}");
        assert!(common::rel(lp.irf.std_error[h], *se) < 1e-8, "h{h}");
        assert_eq!(lp.n_obs[h], *n);
        // true response 0.6^h inside the interval
        let truth = 0.6f64.powi(h as i32);
        assert!(
            lp.irf.ci_lower[h] <= truth && truth <= lp.irf.ci_upper[h],
            "h{h}"
        );
    }
    // With y_{t−1} among the regressors the cumulative-change response has the same shock
    // coefficient.
    let change = LpOptions {
        response: LpResponse::Change,
        ..opts
    };
    let lp2 = local_projection(&y, &s, None, None, &change).unwrap();
    for h in 0..4 {
        assert!(common::rel(lp2.irf.estimate[h], lp.irf.estimate[h]) < 1e-9);
    }
}

#[test]
fn panel_projection_recovers_the_response_with_unit_effects() {
    // 150 units × 40 periods: y_it = a_i + 0.5 y_i,t−1 + s_it + e_it. True IRF 0.5^h (the
    // within estimator's Nickell bias is O(1/T), small here).
    let (units, periods) = (150usize, 40i64);
    let mut unit = vec![];
    let mut time = vec![];
    let mut y = vec![];
    let mut s = vec![];
    for u in 0..units {
        let a = frac((u as f64 * 3.7).sin() * 917.3) * 4.0;
        let mut prev = a / 0.5;
        for t in 0..periods {
            let k = (u as i64 * periods + t) as f64;
            let shock = frac((k * 12.9898).sin() * 43758.5453) - 0.5;
            let noise = frac((k * 78.233).sin() * 12345.6789) - 0.5;
            let v = a + 0.5 * prev + shock + 0.5 * noise;
            unit.push(u);
            time.push(t);
            y.push(v);
            s.push(shock);
            prev = v;
        }
    }
    let unit = Factor::from_values("unit", &unit);
    let panel = PanelIndex {
        unit: &unit,
        time: &time,
        time_effects: true,
    };
    let opts = LpOptions {
        horizons: 4,
        lags: 1,
        ..Default::default()
    };
    let lp = local_projection(&y, &s, None, Some(panel), &opts).unwrap();
    assert_eq!(lp.clusters, vec![("unit".to_string(), 150)]);
    for h in 0..=4 {
        let truth = 0.5f64.powi(h as i32);
        let (b, se) = (lp.irf.estimate[h], lp.irf.std_error[h]);
        assert!(
            (b - truth).abs() < 3.0 * se + 0.02,
            "h{h}: {b} ± {se} vs {truth}"
        );
        assert_eq!(lp.n_obs[h], units * (periods as usize - 1 - h));
    }
}
