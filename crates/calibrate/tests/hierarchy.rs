//! Partial pooling on a problem with a known posterior: the eight schools (Rubin 1981; Gelman
//! et al., *Bayesian Data Analysis*, 3rd ed., §5.5) as eight episodes of a toy model whose
//! output is the episode's effect `theta_e`, observed once with known σ_e. With
//! `theta_e ~ Normal(mu, tau)`, `mu ~ Normal(0, 10)` and `tau ~ half-normal(10)`, the effects
//! integrate out in closed form, `y_e | mu, tau ~ Normal(mu, √(tau² + σ_e²))`, so the posterior
//! means of `mu` and `tau` follow from a two-dimensional quadrature. The experiment's
//! non-centred hierarchy, its prior pseudo-observations and the MCMC must reproduce them.

mod common;

use pressure_calibrate::experiment::{Experiment, RunOptions};
use std::f64::consts::PI;

const Y: [f64; 8] = [28.0, 8.0, -3.0, 7.0, -1.0, 1.0, 18.0, 12.0];
const SIGMA: [f64; 8] = [15.0, 10.0, 16.0, 11.0, 9.0, 11.0, 10.0, 18.0];
const MU_SD: f64 = 10.0;
const TAU_SCALE: f64 = 10.0;

fn experiment(dir: &std::path::Path, mcmc: &str) -> std::path::PathBuf {
    experiment_with(dir, mcmc, "")
}

fn experiment_with(dir: &std::path::Path, mcmc: &str, extra: &str) -> std::path::PathBuf {
    common::write_theta_model(dir);
    let mut text =
        String::from("[experiment]\nname = \"eight_schools\"\nmodel = \"m.toml\"\nseed = 3\n");
    for (j, y) in Y.iter().enumerate() {
        std::fs::write(
            dir.join(format!("s{j}.csv")),
            format!("date,series,value,unit,frequency,source\n2001,y,{y},count,annual,rubin1981\n"),
        )
        .unwrap();
        text.push_str(&format!(
            "\n[[episode]]\nid = \"s{j}\"\ntable = \"s{j}.csv\"\norigin = 2000.0\n"
        ));
    }
    text.push_str(&format!(
        r#"
[[parameter]]
name = "theta"
start = 5.0
lower = -100.0
upper = 100.0
prior = {{ distribution = "normal", mean = 0.0, sd = {MU_SD} }}
hierarchical = {{ tau_scale = {TAU_SCALE}, tau_start = 5.0, tau_upper = 100.0{extra} }}
"#
    ));
    for (j, s) in SIGMA.iter().enumerate() {
        text.push_str(&format!(
            "\n[[mapping]]\nseries = \"y\"\nvariable = \"effect\"\nvariable_is = \"level\"\nunit = \"count\"\nepisodes = [\"s{j}\"]\nerror = {{ kind = \"normal\", sigma = {s} }}\n"
        ));
    }
    text.push_str(&format!(
        "\n[estimation]\nmultistart = 0\n\n[uncertainty]\nprofile = false\n{mcmc}\n"
    ));
    let path = dir.join("exp.toml");
    std::fs::write(&path, text).unwrap();
    path
}

/// Posterior means and sds of mu and tau by quadrature of the marginal posterior.
fn quadrature() -> [(f64, f64); 2] {
    let (n_mu, n_tau) = (1200, 1200);
    let (mu_lo, mu_hi, tau_hi) = (-40.0, 50.0, 60.0);
    let mut w_sum = 0.0;
    let (mut m1, mut m2, mut t1, mut t2) = (0.0, 0.0, 0.0, 0.0);
    let mut logs = Vec::with_capacity(n_mu * n_tau);
    for i in 0..n_mu {
        let mu = mu_lo + (mu_hi - mu_lo) * (i as f64 + 0.5) / n_mu as f64;
        for k in 0..n_tau {
            let tau = tau_hi * (k as f64 + 0.5) / n_tau as f64;
            let mut lp = -0.5 * (mu / MU_SD).powi(2) - 0.5 * (tau / TAU_SCALE).powi(2);
            for (y, s) in Y.iter().zip(SIGMA) {
                let v = tau * tau + s * s;
                lp += -0.5 * (y - mu).powi(2) / v - 0.5 * (2.0 * PI * v).ln();
            }
            logs.push((mu, tau, lp));
        }
    }
    let max = logs.iter().map(|l| l.2).fold(f64::NEG_INFINITY, f64::max);
    for (mu, tau, lp) in logs {
        let w = (lp - max).exp();
        w_sum += w;
        m1 += w * mu;
        m2 += w * mu * mu;
        t1 += w * tau;
        t2 += w * tau * tau;
    }
    let (m, t) = (m1 / w_sum, t1 / w_sum);
    [
        (m, (m2 / w_sum - m * m).sqrt()),
        (t, (t2 / w_sum - t * t).sqrt()),
    ]
}

#[test]
fn eight_schools_posterior_matches_quadrature() {
    let dir = tempfile::tempdir().unwrap();
    let path = experiment(
        dir.path(),
        "mcmc = { chains = 4, iterations = 30000, warmup = 5000 }",
    );
    let exp = Experiment::load(&path).unwrap();
    assert_eq!(
        exp.parameter_names()[..3],
        ["theta:mu", "theta:tau", "theta:eta@s0"]
    );
    assert_eq!(exp.parameter_names().len(), 10);
    let r = exp
        .run(&RunOptions {
            seed: 3,
            checkpoint_dir: None,
            resume: false,
            progress: None,
        })
        .unwrap();
    let mcmc = r.mcmc.as_ref().unwrap();
    let want = quadrature();
    for (j, (m, sd)) in want.iter().enumerate() {
        let s = &mcmc.summary[j];
        // Monte Carlo standard error of the mean: sd / sqrt(ESS); allow 4 of them.
        let mcse = s.sd / s.ess_bulk.max(1.0).sqrt();
        assert!(
            (s.mean - m).abs() < 4.0 * mcse + 0.02 * sd,
            "{}: posterior mean {} vs quadrature {m} (mcse {mcse}, ESS {})",
            s.parameter,
            s.mean,
            s.ess_bulk
        );
        assert!(
            (s.sd / sd - 1.0).abs() < 0.15,
            "{}: posterior sd {} vs quadrature {sd}",
            s.parameter,
            s.sd
        );
    }
    // The derived effects are mu + tau eta, and shrink towards mu: school A's posterior mean is
    // far below its observed 28.
    let d = exp.derived(&r.estimate.x);
    assert_eq!(d[0].0, "theta@s0");
    let x = &r.estimate.x;
    assert!((d[0].1 - (x[0] + x[1] * x[2])).abs() < 1e-12);
}

/// The prior table of the run lists the hierarchy: a normal prior on mu (in the estimate), a
/// half-normal on tau, standard normals on the offsets.
#[test]
fn priors_of_a_hierarchy_are_listed() {
    let dir = tempfile::tempdir().unwrap();
    let exp = Experiment::load(&experiment(dir.path(), "")).unwrap();
    let p: Vec<(&str, &str)> = exp
        .priors
        .iter()
        .map(|p| (p.parameter.as_str(), p.distribution.as_str()))
        .collect();
    assert_eq!(p[0], ("theta:mu", "normal(mean 0, sd 10)"));
    assert_eq!(p[1], ("theta:tau", "half-normal(scale 10)"));
    assert!(exp.priors.iter().all(|p| p.in_estimate));
    // The estimate (posterior mode in mu, tau, eta) exists and lies between the
    // complete-pooling mean (7.7) and the data's spread.
    let r = exp
        .run(&RunOptions {
            seed: 1,
            checkpoint_dir: None,
            resume: false,
            progress: None,
        })
        .unwrap();
    assert!(
        r.estimate.x[0] > 0.0 && r.estimate.x[0] < 15.0,
        "{:?}",
        r.estimate.x
    );
}

/// The centred parameterisation is a change of the sampler's coordinates: at the same fitted
/// values its log density differs from the non-centred one by the Jacobian −Σ ln tau.
#[test]
fn centred_and_non_centred_densities_differ_by_the_jacobian() {
    use pressure_calibrate::experiment::density::PosteriorDensity;
    use pressure_calibrate::uncertainty::sampler::LogDensity;
    let dir = tempfile::tempdir().unwrap();
    let nc = Experiment::load(&experiment(dir.path(), "")).unwrap();
    let dir2 = tempfile::tempdir().unwrap();
    let c = Experiment::load(&experiment_with(
        dir2.path(),
        "",
        ", parameterisation = \"centred\"",
    ))
    .unwrap();
    let (dn, dc) = (
        PosteriorDensity::new(&nc).unwrap(),
        PosteriorDensity::new(&c).unwrap(),
    );
    let tau = 4.0;
    let mut x = vec![6.0, tau];
    x.extend([0.8, -0.3, -0.9, 0.1, -0.5, -0.2, 0.6, 0.4]);
    let (zn, zc) = (dn.coordinates(&x), dc.coordinates(&x));
    // Centred coordinates are the episode values mu + tau eta.
    assert!((zc[2] - (6.0 + tau * 0.8)).abs() < 1e-12);
    for (a, b) in dc.report(&zc).iter().zip(&x) {
        assert!((a - b).abs() < 1e-12);
    }
    let diff = dc.log_density(&zc) - dn.log_density(&zn);
    assert!(
        (diff + 8.0 * tau.ln()).abs() < 1e-9,
        "{diff} vs {}",
        -8.0 * tau.ln()
    );
    // And the centred density is the normal density of the episode values around mu.
    let mut z2 = zc.clone();
    z2[2] += 1.0;
    let d = dc.log_density(&z2) - dc.log_density(&zc);
    let (e0, e1) = (zc[2] - 6.0, z2[2] - 6.0);
    let want_prior = -(e1 * e1 - e0 * e0) / (2.0 * tau * tau);
    let want_lik = -((28.0 - z2[2]).powi(2) - (28.0 - zc[2]).powi(2)) / (2.0 * 15.0 * 15.0);
    assert!((d - want_prior - want_lik).abs() < 1e-9, "{d}");
}

/// A panel prior: a missing file, an unknown model or term is an error at the prior's line;
/// a good reference puts normal(scale x estimate, |scale| x se) on the hierarchy's mean.
#[test]
fn panel_priors_and_bad_references() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("priors.json"),
        r#"{"format": "pressure-estimate-priors/1", "spec": "s.toml", "models": [
  {"name": "TWFE", "estimator": "fe", "dependent": "gdppc_growth_pct",
   "dependent_units": "percentage points of growth a year", "nobs": 100, "n_units": 10,
   "terms": ["sanc_us"], "estimates": [-0.8], "std_errors": [0.4], "vcov": [[0.16]],
   "se_type": "cluster (iso3)", "dropped_collinear": ["sanc_un"], "sample": "all"}]}"#,
    )
    .unwrap();
    let with_prior = |prior: &str| {
        let path = experiment(dir.path(), "");
        let text = std::fs::read_to_string(&path).unwrap().replace(
            "prior = { distribution = \"normal\", mean = 0.0, sd = 10 }",
            prior,
        );
        std::fs::write(&path, &text).unwrap();
        (Experiment::load(&path), text)
    };
    let (ok, _) = with_prior(
        "prior = { from = \"priors.json\", model = \"TWFE\", term = \"sanc_us\", scale = -10.0 }",
    );
    let exp = ok.unwrap();
    let p = &exp.priors[0];
    assert_eq!(p.parameter, "theta:mu");
    assert!(
        (p.mean - 8.0).abs() < 1e-12 && (p.sd - 4.0).abs() < 1e-12,
        "{p:?}"
    );
    assert!(p.source.contains("priors.json") && p.source.contains("sanc_us"));
    assert!(p.in_estimate);
    for (prior, needles) in [
        (
            "prior = { from = \"nope.json\", model = \"TWFE\", term = \"sanc_us\" }",
            vec!["nope.json", "cannot read the prior table"],
        ),
        (
            "prior = { from = \"priors.json\", model = \"FE\", term = \"sanc_us\" }",
            vec!["no model `FE`", "TWFE"],
        ),
        (
            "prior = { from = \"priors.json\", model = \"TWFE\", term = \"sanc_un\" }",
            vec![
                "no estimate of `sanc_un`",
                "dropped as collinear",
                "sanc_us",
            ],
        ),
    ] {
        let (err, text) = with_prior(prior);
        let e = err.err().expect("a bad prior reference").to_string();
        let at = text.find("prior = {").unwrap();
        let line = text[..at].matches('\n').count() + 1;
        assert!(e.contains(&format!("exp.toml:{line}:")), "{e}");
        for n in needles {
            assert!(e.contains(n), "`{n}` not in {e}");
        }
    }
}

/// Leave-one-school-out on the eight schools, written by `pressure calibrate`'s renderer
/// (`outputs::calibration_files`): the exact leave-one-out predictive density of school e is
/// `p(y_e | y_-e) = ∫ N(y_e; mu, √(tau² + σ_e²)) p(mu, tau | y_-e)` (its offset integrates out
/// under its prior), by quadrature; the PSIS estimate from the run's draws must be within
/// 0.1 log units of it, with Pareto k̂ under its threshold; the files list every school.
#[test]
fn leave_one_school_out_matches_quadrature_and_is_written() {
    use pressure_calibrate::experiment::outputs::calibration_files;
    let dir = tempfile::tempdir().unwrap();
    let path = experiment(
        dir.path(),
        "mcmc = { chains = 4, iterations = 6000, warmup = 1000 }",
    );
    let exp = Experiment::load(&path).unwrap();
    let r = exp
        .run(&RunOptions {
            seed: 5,
            checkpoint_dir: None,
            resume: false,
            progress: None,
        })
        .unwrap();
    let l = exp.episode_loo(&r, 4000).unwrap().unwrap();
    assert_eq!(l.loglik.draws.len(), 4000);
    let normal_ln = |y: f64, m: f64, v: f64| -0.5 * (2.0 * PI * v).ln() - 0.5 * (y - m).powi(2) / v;
    for e in 0..8 {
        // Quadrature over (mu, tau) of the posterior without school e.
        let (n, (lo, hi, tau_hi)) = (400, (-40.0, 50.0, 60.0));
        let mut logs = Vec::with_capacity(n * n);
        for i in 0..n {
            let mu = lo + (hi - lo) * (i as f64 + 0.5) / n as f64;
            for k in 0..n {
                let tau = tau_hi * (k as f64 + 0.5) / n as f64;
                let mut lp = -0.5 * (mu / MU_SD).powi(2) - 0.5 * (tau / TAU_SCALE).powi(2);
                for j in (0..8).filter(|&j| j != e) {
                    lp += normal_ln(Y[j], mu, tau * tau + SIGMA[j] * SIGMA[j]);
                }
                let pred = normal_ln(Y[e], mu, tau * tau + SIGMA[e] * SIGMA[e]);
                logs.push((lp, pred));
            }
        }
        let max = logs.iter().map(|l| l.0).fold(f64::NEG_INFINITY, f64::max);
        let (mut num, mut den) = (0.0, 0.0);
        for (lp, pred) in &logs {
            let w = (lp - max).exp();
            den += w;
            num += w * pred.exp();
        }
        let exact = (num / den).ln();
        let est = l.loo[e].as_ref().unwrap();
        assert!(
            (est.elpd_loo - exact).abs() < 0.1,
            "school {e}: PSIS elpd_loo {} vs quadrature {exact} (k̂ {})",
            est.elpd_loo,
            est.k_hat
        );
        assert!(est.reliable(), "school {e}: k̂ {}", est.k_hat);
        assert_eq!(est.observations, 1);
    }
    // The renderer writes both files (one row per draw; one per school with k̂, its
    // threshold and the verdict) and says so in stats.json.
    let files = calibration_files(&exp, &r, 5, Some(300), None).unwrap();
    let get = |name: &str| {
        files
            .files
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, t)| t.clone())
            .unwrap_or_else(|| panic!("{name} not rendered"))
    };
    let ll = get("loglik_by_episode.csv");
    assert_eq!(
        ll.lines().next().unwrap(),
        "chain,draw,s0,s1,s2,s3,s4,s5,s6,s7"
    );
    assert_eq!(ll.lines().count(), 301);
    let loo = get("loo_episodes.csv");
    assert_eq!(
        loo.lines().next().unwrap(),
        "episode,observations,lpd,elpd_loo,p_loo,k_hat,k_threshold,reliable"
    );
    assert_eq!(loo.lines().count(), 9);
    let stats: serde_json::Value = serde_json::from_str(&get("stats.json")).unwrap();
    assert_eq!(stats["loo_episodes"]["draws"], 300);
    assert!(files
        .notes
        .iter()
        .any(|n| n.contains("leave-one-episode-out")));
    // Without MCMC there are no draws: neither file, both listed as absent.
    let no_mcmc = Experiment::load(&experiment(dir.path(), "")).unwrap();
    let r0 = no_mcmc
        .run(&RunOptions {
            seed: 5,
            checkpoint_dir: None,
            resume: false,
            progress: None,
        })
        .unwrap();
    let files = calibration_files(&no_mcmc, &r0, 5, Some(20), None).unwrap();
    assert!(files.absent.contains(&"loo_episodes.csv"));
    assert!(files.absent.contains(&"loglik_by_episode.csv"));
}
