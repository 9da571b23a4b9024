//! VAR estimation, lag selection and orthogonalised impulse responses against statsmodels
//! 0.15.0 (`VAR(...).select_order(6)`, `.fit(2)`, `.irf(5).orth_irfs`; values transcribed),
//! and the determinism of the bootstrap bands.

#![allow(clippy::needless_range_loop)]

mod common;

use pressure_econometrics::var::{var, LagSelection, VarBootstrap, VarOptions};

fn frac(x: f64) -> f64 {
    x - x.floor()
}

fn data() -> (Vec<f64>, Vec<f64>) {
    let t_len = 200;
    let e1: Vec<f64> = (0..t_len)
        .map(|t| frac((t as f64 * 12.9898).sin() * 43758.5453) - 0.5)
        .collect();
    let e2: Vec<f64> = (0..t_len)
        .map(|t| frac((t as f64 * 78.233).sin() * 12345.6789) - 0.5)
        .collect();
    let (mut y1, mut y2) = (vec![0.0; t_len], vec![0.0; t_len]);
    for t in 0..t_len {
        let p1 = if t > 0 { y1[t - 1] } else { 0.0 };
        let p2 = if t > 0 { y2[t - 1] } else { 0.0 };
        let q1 = if t > 1 { y1[t - 2] } else { 0.0 };
        y1[t] = 0.2 + 0.5 * p1 + 0.1 * p2 - 0.2 * q1 + e1[t];
        y2[t] = -0.1 + 0.3 * p1 + 0.4 * p2 + 0.5 * e1[t] + e2[t];
    }
    (y1, y2)
}

fn close(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol * b.abs().max(1e-3)
}

#[test]
fn var2_matches_statsmodels() {
    let (y1, y2) = data();
    let opts = VarOptions {
        lags: LagSelection::Fixed(2),
        irf_horizon: 5,
        ..Default::default()
    };
    let r = var(&[&y1, &y2], &["y1", "y2"], &opts).unwrap();
    assert_eq!(r.n_obs, 198);
    let params = [
        [
            0.164638929899,
            0.516162517088,
            0.0335464174397,
            -0.140422209159,
            -0.0378365427415,
        ],
        [
            -0.137030160155,
            0.39213266869,
            0.209941869235,
            0.0241731602793,
            0.075919379471,
        ],
    ];
    let stderr = [
        [
            0.034688135046,
            0.0779509130687,
            0.0753602860329,
            0.0827670015432,
            0.0708111397406,
        ],
        [
            0.0362396595067,
            0.0814374870283,
            0.0787309869077,
            0.0864689886134,
            0.0739783672451,
        ],
    ];
    for eq in 0..2 {
        assert_eq!(
            r.equations[eq].terms,
            vec!["const", "y1.L1", "y2.L1", "y1.L2", "y2.L2"]
        );
        for c in 0..5 {
            assert!(close(r.equations[eq].estimate[c], params[eq][c], 1e-9));
            assert!(close(r.equations[eq].std_error[c], stderr[eq][c], 1e-9));
        }
    }
    let sigma = [
        [0.0883436716127, 0.0395181573412],
        [0.0395181573412, 0.096423248629],
    ];
    for i in 0..2 {
        for j in 0..2 {
            assert!(close(r.sigma_u[i][j], sigma[i][j], 1e-9));
        }
    }
    assert!(close(r.log_likelihood, -64.9984755534, 1e-10));
    assert!(close(r.aic, -4.91819377369, 1e-10));
    assert!(close(r.bic, -4.75211968123, 1e-10));
    assert!(close(r.hqic, -4.85097250109, 1e-10));
    assert!((r.max_root_modulus - 0.4040791856082129).abs() < 1e-10);
    let orth = [
        0.297226633417,
        0.0,
        0.132956313123,
        0.280616940739,
        0.157877455232,
        0.00941369303467,
        0.144465369871,
        0.0589132450776,
        0.0395688925773,
        -0.00378225106829,
        0.109517105474,
        0.0373640373761,
        -0.00353768545379,
        -0.00424979172431,
        0.0532925995454,
        0.0110613473633,
        -0.00973834478959,
        -0.002705128564,
        0.0190720817983,
        0.0034009833423,
        -0.00590640665519,
        -0.00110395316163,
        0.00414572942236,
        0.000390279248596,
    ];
    for h in 0..=5 {
        for i in 0..2 {
            for j in 0..2 {
                let e = orth[h * 4 + i * 2 + j];
                let g = r.irf.values[h][i][j];
                assert!(
                    (g - e).abs() < 1e-10 * e.abs().max(1e-2),
                    "h{h} {i}{j}: {g} vs {e}"
                );
            }
        }
    }
}

#[test]
fn lag_selection_matches_statsmodels_select_order() {
    let (y1, y2) = data();
    let aic = [
        -4.474316397685073,
        -4.878599925018157,
        -4.902056473393937,
        -4.934862590916489,
        -4.9093346957781225,
        -4.899215414725018,
        -4.874490853753062,
    ];
    let bic = [
        -4.440627138313286,
        -4.777532146902796,
        -4.733610176535002,
        -4.699037775313981,
        -4.606131361432041,
        -4.528633561635362,
        -4.436530481919832,
    ];
    for (rule, expect) in [
        (LagSelection::Aic(6), 3),
        (LagSelection::Bic(6), 1),
        (LagSelection::Hqic(6), 3),
    ] {
        let opts = VarOptions {
            lags: rule,
            ..Default::default()
        };
        let r = var(&[&y1, &y2], &["y1", "y2"], &opts).unwrap();
        assert_eq!(r.lags, expect, "{rule:?}");
        assert_eq!(r.lag_selection.len(), 7);
        for (c, (a, b)) in r.lag_selection.iter().zip(aic.iter().zip(&bic)) {
            assert!(
                close(c.aic, *a, 1e-10) && close(c.bic, *b, 1e-10),
                "p = {}",
                c.lags
            );
        }
    }
}

#[test]
fn bootstrap_bands_are_seeded_and_thread_count_independent() {
    let (y1, y2) = data();
    let opts = VarOptions {
        lags: LagSelection::Fixed(2),
        irf_horizon: 4,
        bootstrap: Some(VarBootstrap {
            replications: 200,
            seed: 42,
            level: 0.9,
        }),
        ..Default::default()
    };
    let a = var(&[&y1, &y2], &["y1", "y2"], &opts).unwrap();
    let one_thread = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    let b = one_thread.install(|| var(&[&y1, &y2], &["y1", "y2"], &opts).unwrap());
    assert_eq!(a.irf.lower, b.irf.lower);
    assert_eq!(a.irf.upper, b.irf.upper);
    let (lo, hi) = (a.irf.lower.unwrap(), a.irf.upper.unwrap());
    // the point estimate lies within the bands at short horizons, and bands have width
    for h in 0..=1 {
        for i in 0..2 {
            for j in 0..2 {
                let v = a.irf.values[h][i][j];
                if v != 0.0 {
                    assert!(lo[h][i][j] < v && v < hi[h][i][j], "h{h} {i}{j}");
                }
            }
        }
    }
    let other_seed = VarOptions {
        bootstrap: Some(VarBootstrap {
            replications: 200,
            seed: 43,
            level: 0.9,
        }),
        ..opts
    };
    let c = var(&[&y1, &y2], &["y1", "y2"], &other_seed).unwrap();
    assert_ne!(c.irf.lower.unwrap(), lo);
}
