//! Reweighting a posterior to other priors on cases with closed-form answers: one parameter
//! with a normal prior and one normal observation of known σ, where the posterior is normal and
//! the flat-prior posterior is the likelihood; and the eight-schools hierarchy, where only the
//! mean's prior is changed.

mod common;

use pressure_calibrate::experiment::prior_sensitivity::{prior_sensitivity, Scenario};
use pressure_calibrate::experiment::Experiment;
use statrs::distribution::{ContinuousCDF, Normal};

const Y: f64 = 3.0;
const SIGMA: f64 = 2.0;
const PRIOR_MEAN: f64 = 0.0;

fn experiment(dir: &std::path::Path, hierarchical: bool, prior_sd: f64) -> Experiment {
    common::write_theta_model(dir);
    let mut text = String::from("[experiment]\nname = \"one\"\nmodel = \"m.toml\"\n");
    let episodes = if hierarchical { 3 } else { 1 };
    for e in 0..episodes {
        std::fs::write(
            dir.join(format!("e{e}.csv")),
            format!("date,series,value,unit,frequency,source\n2001,y,{Y},count,annual,test\n"),
        )
        .unwrap();
        text.push_str(&format!(
            "\n[[episode]]\nid = \"e{e}\"\ntable = \"e{e}.csv\"\norigin = 2000.0\n"
        ));
    }
    text.push_str(&format!(
        "\n[[parameter]]\nname = \"theta\"\nstart = 1.0\nlower = -50.0\nupper = 50.0\nprior = {{ distribution = \"normal\", mean = {PRIOR_MEAN}, sd = {prior_sd} }}\n{}\n",
        if hierarchical {
            "hierarchical = { tau_scale = 1.0 }"
        } else {
            ""
        }
    ));
    text.push_str(&format!(
        "\n[[mapping]]\nseries = \"y\"\nvariable = \"effect\"\nvariable_is = \"level\"\nunit = \"count\"\nerror = {{ kind = \"normal\", sigma = {SIGMA} }}\n\n[estimation]\nmultistart = 0\n"
    ));
    std::fs::write(dir.join("exp.toml"), text).unwrap();
    Experiment::load(&dir.join("exp.toml")).unwrap()
}

/// Draws of the exact posterior N(m, s²) of one normal observation under prior N(0, s0²), on a
/// deterministic quantile grid.
fn exact_posterior(prior_sd: f64) -> (f64, f64, Vec<Vec<f64>>) {
    let prec = 1.0 / (prior_sd * prior_sd) + 1.0 / (SIGMA * SIGMA);
    let s = prec.powf(-0.5);
    let m = (PRIOR_MEAN / (prior_sd * prior_sd) + Y / (SIGMA * SIGMA)) / prec;
    let n = 4000;
    let z = Normal::standard();
    let draws = (0..n)
        .map(|i| vec![m + s * z.inverse_cdf((i as f64 + 0.5) / n as f64)])
        .collect();
    (m, s, draws)
}

#[test]
fn flat_prior_reweighting_recovers_the_likelihood() {
    let dir = tempfile::tempdir().unwrap();
    let prior_sd = 4.0;
    let exp = experiment(dir.path(), false, prior_sd);
    let (m, s, draws) = exact_posterior(prior_sd);
    let r = prior_sensitivity(&exp, &draws, 0.9).unwrap();
    let row = |sc: Scenario| r.rows.iter().find(|r| r.scenario == sc).unwrap();
    let post = row(Scenario::Posterior);
    assert!(
        (post.mean - m).abs() < 1e-3 && (post.sd - s).abs() < 2e-3,
        "{post:?}"
    );
    assert!((post.sd_ratio - s / prior_sd).abs() < 2e-3, "{post:?}");
    assert_eq!((post.prior_mean, post.prior_sd), (PRIOR_MEAN, prior_sd));
    // Flat prior: the likelihood N(Y, SIGMA²). The ratio of a N(Y, 4) target to the N(2.4,
    // 3.2) posterior has a light tail (k = 1 − 3.2/4 = 0.2 up to the shift): reliable.
    let flat = row(Scenario::Flat);
    let w = &r
        .scenarios
        .iter()
        .find(|w| w.scenario == Scenario::Flat)
        .unwrap();
    assert_eq!(w.changed, vec!["theta".to_string()]);
    assert!(w.reliable && w.k_hat < 0.5, "{w:?}");
    assert!((flat.mean - Y).abs() < 0.05, "{flat:?}");
    assert!((flat.sd / SIGMA - 1.0).abs() < 0.05, "{flat:?}");
    let half_width = 1.6449 * SIGMA;
    assert!(
        (flat.low - (Y - half_width)).abs() < 0.15 && (flat.high - (Y + half_width)).abs() < 0.15,
        "{flat:?}"
    );
    // No panel prior: that scenario changes nothing.
    let half = row(Scenario::PanelHalf);
    assert!((half.mean - post.mean).abs() < 1e-12, "{half:?}");
    // The file has one row per scenario and value.
    assert_eq!(r.csv().lines().count(), 1 + 3);
}

#[test]
fn a_strong_prior_makes_the_flat_reweighting_unreliable() {
    // Prior sd 1.5: posterior var 1.44 against the likelihood's 4, k = 1 − 1.44/4 ≈ 0.64 plus
    // a mean shift of 1.1 posterior sds: the reweighting is flagged, not trusted.
    let dir = tempfile::tempdir().unwrap();
    let exp = experiment(dir.path(), false, 1.5);
    let (_, _, draws) = exact_posterior(1.5);
    let r = prior_sensitivity(&exp, &draws, 0.9).unwrap();
    let w = &r
        .scenarios
        .iter()
        .find(|w| w.scenario == Scenario::Flat)
        .unwrap();
    assert!(!w.reliable && w.k_hat > 0.7, "{w:?}");
    assert!(r.csv().contains(",false,theta,"));
}

#[test]
fn flat_reweighting_keeps_the_hierarchy_and_rejects_bad_draws() {
    let dir = tempfile::tempdir().unwrap();
    let exp = experiment(dir.path(), true, 1.5);
    let names = exp.parameter_names();
    // mu, tau, eta × 3.
    assert_eq!(names.len(), 5, "{names:?}");
    let draws: Vec<Vec<f64>> = (0..200)
        .map(|i| {
            let t = i as f64 / 200.0;
            vec![
                2.0 + (t * 40.0).sin(),
                0.5 + 0.4 * (t * 17.0).cos(),
                t - 0.5,
                0.3 - t,
                (t * 9.0).sin(),
            ]
        })
        .collect();
    let r = prior_sensitivity(&exp, &draws, 0.9).unwrap();
    let flat = r
        .scenarios
        .iter()
        .find(|w| w.scenario == Scenario::Flat)
        .unwrap();
    assert_eq!(flat.changed, vec!["theta:mu".to_string()]);
    // The derived episode values are summarised too.
    assert!(r.rows.iter().any(|r| r.value == "theta@e2"));
    assert!(prior_sensitivity(&exp, &draws[..5], 0.9).is_err());
    let short: Vec<Vec<f64>> = draws.iter().map(|d| d[..4].to_vec()).collect();
    let e = prior_sensitivity(&exp, &short, 0.9)
        .unwrap_err()
        .to_string();
    assert!(e.contains("5 parameters"), "{e}");
}
