//! Profile-likelihood confidence intervals (Venzon & Moolgavkar 1988; Raue et al. 2009).
//!
//! For parameter `k`, the profile deviance is `D(v) = 2 [min over the others of nll(θ | θ_k = v)
//! − nll(θ̂)]`; the `level` interval is where `D` stays below a threshold: by default, where σ is
//! estimated, the small-sample F-based threshold `m ln(1 + F(1, ν)/ν)` (Bates & Watts 1988,
//! §6.1.2; see [`ResidualDof::deviance_threshold`]), otherwise (or with
//! [`ProfileOptions::small_sample`] = `None`) the asymptotic `χ²₁(level)` (3.84 at 95%). Each side is walked
//! from the estimate in internal coordinates with adaptive steps (starting at the Jacobian
//! standard error, doubled while the deviance rises slowly, halved when it jumps), each point
//! re-optimising the other parameters by LM warm-started from the previous point. The crossing
//! is interpolated linearly in the signed root `√D`, which is close to linear in the parameter.
//!
//! A side that reaches the parameter's bound or stays below the threshold for `max_steps`
//! steps is *open*: the data do not bound the parameter there (a flat profile means not
//! identified). A point with `D < −10⁻⁶` means the estimate was not the global optimum; it is
//! reported.

use crate::checkpoint::{checkpointed_map, Checkpoint};
use crate::error::CalibrateError;
use crate::estimate::{estimate, Estimate, EstimateOptions};
use crate::objective::{Calibration, Predictor};
use crate::uncertainty::covariance::ResidualDof;
use serde::{Deserialize, Serialize};
use statrs::distribution::{ChiSquared, ContinuousCDF};

/// Settings of [`profile_likelihood`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ProfileOptions {
    pub level: f64,
    /// Steps per side before the side is declared open.
    pub max_steps: usize,
    /// Estimator for the other parameters (LM by default).
    pub estimate: EstimateOptions,
    /// Residual degrees of freedom for the small-sample threshold ([`ResidualDof::of`] of the
    /// calibration); `None` uses the asymptotic χ²₁ threshold.
    pub small_sample: Option<ResidualDof>,
}

impl Default for ProfileOptions {
    fn default() -> Self {
        ProfileOptions {
            level: 0.95,
            max_steps: 30,
            estimate: EstimateOptions::default(),
            small_sample: None,
        }
    }
}

impl ProfileOptions {
    /// The deviance threshold of the interval: F-based with `small_sample`, χ²₁ without.
    pub fn threshold(&self) -> f64 {
        match &self.small_sample {
            Some(d) => d.deviance_threshold(self.level),
            None => chi2_threshold(self.level),
        }
    }
}

/// One evaluated point of a profile.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProfilePoint {
    /// Parameter value (external scale).
    #[serde(with = "crate::checkpoint::bits")]
    pub value: f64,
    /// Profile deviance `2 (nll − nll_min)`.
    #[serde(with = "crate::checkpoint::bits")]
    pub deviance: f64,
    pub converged: bool,
}

/// The profile of one parameter and its interval.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Profile {
    pub parameter: String,
    #[serde(with = "crate::checkpoint::bits")]
    pub estimate: f64,
    /// Points in increasing parameter value (the estimate itself included, deviance 0).
    pub points: Vec<ProfilePoint>,
    /// Interval ends; `None` when that side is open.
    #[serde(with = "crate::checkpoint::bits")]
    pub lower: Option<f64>,
    #[serde(with = "crate::checkpoint::bits")]
    pub upper: Option<f64>,
    /// Why a side is open, or that a better optimum was found.
    pub notes: Vec<String>,
    /// Deviance threshold that defined the interval (NaN in checkpoints written before it was
    /// recorded).
    #[serde(default = "nan", with = "crate::checkpoint::bits")]
    pub threshold: f64,
}

fn nan() -> f64 {
    f64::NAN
}

impl Profile {
    /// Both ends found: the data bound the parameter.
    pub fn identified(&self) -> bool {
        self.lower.is_some() && self.upper.is_some()
    }
}

/// The χ²₁ quantile at `level` (3.8415 at 0.95).
pub fn chi2_threshold(level: f64) -> f64 {
    ChiSquared::new(1.0)
        .map(|d| d.inverse_cdf(level))
        .unwrap_or(3.841_458_820_694_124)
}

/// Profiles every parameter (in parallel). `se_internal` are the Jacobian standard errors in
/// internal coordinates (used as first step sizes; `∞`/NaN entries fall back to 0.1).
pub fn profile_likelihood<P: Predictor + Clone + Send + Sync>(
    cal: &Calibration<P>,
    est: &Estimate,
    se_internal: &[f64],
    opts: &ProfileOptions,
    checkpoint: Option<&Checkpoint>,
) -> Result<Vec<Profile>, CalibrateError> {
    let names = cal.params().names();
    checkpointed_map(
        cal.n_params(),
        checkpoint,
        |p: &Profile| names.iter().position(|n| *n == p.parameter),
        || (),
        |_, k| {
            profile_one(
                cal,
                est,
                k,
                se_internal.get(k).copied().unwrap_or(f64::NAN),
                opts,
            )
        },
        None,
    )
}

/// Profile deviance at internal value `v` of parameter `k`, warm-started at `warm` (external
/// values of the other parameters). Returns (deviance, converged, new warm start).
fn profile_point<P: Predictor + Clone + Send + Sync>(
    cal: &Calibration<P>,
    est: &Estimate,
    k: usize,
    v: f64,
    warm: &[f64],
    opts: &ProfileOptions,
) -> Result<(f64, bool, Vec<f64>), String> {
    let t = cal.params().transforms()[k];
    let xk = t.to_external(v);
    if cal.n_params() == 1 {
        let mut c = cal.clone();
        let nll = c.neg_log_lik(&[xk]).map_err(|e| e.to_string())?;
        return Ok((2.0 * (nll - est.neg_log_lik), true, vec![]));
    }
    let mut reduced = cal.pin(k, xk, warm).map_err(|e| e.to_string())?;
    let z0 = reduced.params().start_internal();
    let r = estimate(&mut reduced, &z0, &opts.estimate).map_err(|e| e.to_string())?;
    Ok((2.0 * (r.neg_log_lik - est.neg_log_lik), r.converged, r.x))
}

fn profile_one<P: Predictor + Clone + Send + Sync>(
    cal: &Calibration<P>,
    est: &Estimate,
    k: usize,
    se_z: f64,
    opts: &ProfileOptions,
) -> Result<Profile, CalibrateError> {
    let threshold = opts.threshold();
    let transform = cal.params().transforms()[k];
    let spec = &cal.params().specs()[k];
    let others: Vec<f64> = est
        .x
        .iter()
        .enumerate()
        .filter(|(j, _)| *j != k)
        .map(|(_, v)| *v)
        .collect();
    let h0 = if se_z.is_finite() && se_z > 0.0 {
        se_z.clamp(1e-6, 2.0)
    } else {
        0.1
    };
    let mut points = vec![ProfilePoint {
        value: est.x[k],
        deviance: 0.0,
        converged: true,
    }];
    let mut ends = [None, None];
    let mut notes = Vec::new();
    // An estimate on a bound (the transform saturated) is far out in the internal space,
    // where internal steps do not move the value: walk from just inside the bound instead.
    let width = if spec.lower.is_finite() && spec.upper.is_finite() {
        spec.upper - spec.lower
    } else {
        est.x[k].abs().max(1.0)
    };
    let z_start = if est.x[k] <= spec.lower + 1e-9 * width {
        transform.to_internal(spec.lower + 1e-6 * width)
    } else if est.x[k] >= spec.upper - 1e-9 * width {
        transform.to_internal(spec.upper - 1e-6 * width)
    } else {
        est.z[k]
    };
    for (side, dir) in [-1.0f64, 1.0].into_iter().enumerate() {
        let mut v = z_start;
        let mut h = h0;
        let mut d_prev: f64 = 0.0;
        let mut v_prev = v;
        let mut warm = others.clone();
        let mut closed = false;
        for _ in 0..opts.max_steps {
            v += dir * h;
            let value = transform.to_external(v);
            if value <= spec.lower || value >= spec.upper || v.abs() > 1e6 * (1.0 + est.z[k].abs())
            {
                notes.push(format!(
                    "{} side reaches the bound {value} without crossing the threshold",
                    if side == 0 { "lower" } else { "upper" }
                ));
                closed = true;
                break;
            }
            let (d, conv, next) = match profile_point(cal, est, k, v, &warm, opts) {
                Ok(r) => r,
                Err(e) => {
                    notes.push(format!(
                        "{} side stopped at {value}: {e}",
                        if side == 0 { "lower" } else { "upper" }
                    ));
                    closed = true;
                    break;
                }
            };
            if d < -1e-6 {
                notes.push(format!(
                    "a better optimum exists: deviance {d:.4} at {} = {value}",
                    spec.name
                ));
            }
            points.push(ProfilePoint {
                value,
                deviance: d,
                converged: conv,
            });
            if !next.is_empty() {
                warm = next;
            }
            if d >= threshold {
                let (a, b) = (d_prev.max(0.0).sqrt(), d.sqrt());
                let frac = if b > a {
                    (threshold.sqrt() - a) / (b - a)
                } else {
                    1.0
                };
                ends[side] = Some(transform.to_external(v_prev + frac * (v - v_prev)));
                closed = true;
                break;
            }
            let rise = d - d_prev;
            if rise < 0.3 {
                h = (h * 2.0).min(50.0 * h0.max(0.1));
            } else if rise > 1.5 {
                h *= 0.5;
            }
            d_prev = d;
            v_prev = v;
        }
        if !closed {
            notes.push(format!(
                "{} side: deviance stayed below {threshold:.2} for {} steps (flat profile)",
                if side == 0 { "lower" } else { "upper" },
                opts.max_steps
            ));
        }
    }
    points.sort_by(|a, b| a.value.total_cmp(&b.value));
    let (lo, hi) = (ends[0], ends[1]);
    Ok(Profile {
        parameter: spec.name.clone(),
        estimate: est.x[k],
        points,
        lower: lo.map(|a: f64| a.min(hi.unwrap_or(f64::INFINITY))),
        upper: hi,
        notes,
        threshold,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::objective::{ErrorModel, FnPredictor, Series};
    use crate::params::{ParamSet, ParamSpec};
    use crate::uncertainty::covariance::calibration_covariance;

    #[test]
    fn small_sample_intervals_of_a_linear_model_with_estimated_sigma_are_the_exact_t_interval() {
        // y = a + b t, σ estimated, m = 8: the exact 95% interval of b is
        // b̂ ± t₆(0.975) s/√Sxx with s² = RSS/(m − 2). The Wald interval (Student-t quantile)
        // and the profile interval (F-based threshold m ln(1 + t²/ν) on the deviance
        // m ln(S/Ŝ)) must both reproduce it; the asymptotic χ²₁ profile is narrower.
        let t: Vec<f64> = (0..8).map(f64::from).collect();
        let y: Vec<f64> = t
            .iter()
            .map(|t| 1.0 + 0.5 * t + 0.8 * (t * 2.1).sin())
            .collect();
        let params =
            ParamSet::new(vec![ParamSpec::free("a", 0.0), ParamSpec::free("b", 0.0)]).unwrap();
        let series = vec![Series {
            name: "y".into(),
            observed: y.clone(),
            error: ErrorModel::Normal { sigma: None },
        }];
        let tt = t.clone();
        let model = FnPredictor(move |p: &[f64], out: &mut [f64]| {
            for (o, t) in out.iter_mut().zip(&tt) {
                *o = p[0] + p[1] * t;
            }
            Ok(())
        });
        let mut cal = Calibration::new(params, series, model).unwrap();
        let z0 = cal.params().start_internal();
        let est = estimate(&mut cal, &z0, &EstimateOptions::default()).unwrap();
        // Closed-form least squares.
        let (tm, ym) = (3.5, y.iter().sum::<f64>() / 8.0);
        let sxx: f64 = t.iter().map(|t| (t - tm) * (t - tm)).sum();
        let b = t
            .iter()
            .zip(&y)
            .map(|(t, y)| (t - tm) * (y - ym))
            .sum::<f64>()
            / sxx;
        let a = ym - b * tm;
        let rss: f64 = t.iter().zip(&y).map(|(t, y)| (y - a - b * t).powi(2)).sum();
        let t6 = 2.446_911_848_791_681; // t₆(0.975)
        let half = t6 * (rss / 6.0 / sxx).sqrt();
        let dof = ResidualDof::of(&cal).unwrap();
        assert_eq!(dof.dof, 6.0);
        let cov = calibration_covariance(&mut cal, &est, 0.95).unwrap();
        assert_eq!(cov.dof, Some(6.0));
        assert!((cov.interval[1].0 - (b - half)).abs() < 1e-7);
        assert!((cov.interval[1].1 - (b + half)).abs() < 1e-7);
        let opts = ProfileOptions {
            small_sample: Some(dof),
            ..Default::default()
        };
        let prof = profile_likelihood(&cal, &est, &cov.internal.se, &opts, None).unwrap();
        let p = &prof[1];
        assert!(p.identified(), "{:?}", p.notes);
        let expected = 8.0 * (t6 * t6 / 6.0f64).ln_1p();
        // statrs inverts the t CDF numerically (about 1e-9 relative).
        assert!(
            (p.threshold - expected).abs() < 1e-7,
            "{} vs {expected}",
            p.threshold
        );
        assert!(
            (p.lower.unwrap() - (b - half)).abs() < 2e-3 * half,
            "{:?}",
            p.lower
        );
        assert!(
            (p.upper.unwrap() - (b + half)).abs() < 2e-3 * half,
            "{:?}",
            p.upper
        );
        let asymptotic = profile_likelihood(
            &cal,
            &est,
            &cov.internal.se,
            &ProfileOptions::default(),
            None,
        )
        .unwrap();
        assert!(asymptotic[1].upper.unwrap() - asymptotic[1].lower.unwrap() < 0.9 * 2.0 * half);
    }

    #[test]
    fn linear_model_profile_interval_matches_the_exact_likelihood_ratio_interval() {
        // y = a + b t with normal errors, σ known = 1: the profile deviance of b is exactly
        // quadratic, (b − b̂)²/Var(b̂), so the interval is b̂ ± 1.96 SE.
        let t: Vec<f64> = (0..12).map(f64::from).collect();
        let y: Vec<f64> = t
            .iter()
            .map(|t| 1.0 + 0.5 * t + 0.8 * (t * 2.1).sin())
            .collect();
        let params =
            ParamSet::new(vec![ParamSpec::free("a", 0.0), ParamSpec::free("b", 0.0)]).unwrap();
        let series = vec![Series {
            name: "y".into(),
            observed: y,
            error: ErrorModel::Normal { sigma: Some(1.0) },
        }];
        let tt = t.clone();
        let model = FnPredictor(move |p: &[f64], out: &mut [f64]| {
            for (o, t) in out.iter_mut().zip(&tt) {
                *o = p[0] + p[1] * t;
            }
            Ok(())
        });
        let mut cal = Calibration::new(params, series, model).unwrap();
        let z0 = cal.params().start_internal();
        let est = estimate(&mut cal, &z0, &EstimateOptions::default()).unwrap();
        let cov = calibration_covariance(&mut cal, &est, 0.95).unwrap();
        let prof = profile_likelihood(
            &cal,
            &est,
            &cov.internal.se,
            &ProfileOptions::default(),
            None,
        )
        .unwrap();
        let sxx: f64 = t.iter().map(|t| (t - 5.5) * (t - 5.5)).sum();
        let se_b = (1.0 / sxx).sqrt();
        assert!((cov.se[1] - se_b).abs() < 1e-8);
        let half = 1.959_963_984_540_054 * se_b;
        let p = &prof[1];
        assert!(p.identified(), "{:?}", p.notes);
        assert!(
            (p.lower.unwrap() - (est.x[1] - half)).abs() < 1e-6,
            "{:?} vs {}",
            p.lower,
            est.x[1] - half
        );
        assert!((p.upper.unwrap() - (est.x[1] + half)).abs() < 1e-6);
    }

    #[test]
    fn resumed_profiles_equal_uninterrupted_ones_bit_for_bit() {
        // Three parameters; a "killed" run that had saved only the last profile (index 2), as
        // the checkpoint holds whatever finished when the process stopped.
        let t: Vec<f64> = (0..15).map(f64::from).collect();
        let y: Vec<f64> = t
            .iter()
            .map(|t| 1.0 + 0.5 * t - 0.02 * t * t + 0.3 * (t * 1.7).sin())
            .collect();
        let params = ParamSet::new(vec![
            ParamSpec::free("a", 0.0),
            ParamSpec::free("b", 0.0),
            ParamSpec::free("c", 0.0),
        ])
        .unwrap();
        let series = vec![Series {
            name: "y".into(),
            observed: y,
            error: ErrorModel::Normal { sigma: None },
        }];
        let model = FnPredictor(move |p: &[f64], out: &mut [f64]| {
            for (o, t) in out.iter_mut().zip(&t) {
                *o = p[0] + p[1] * t + p[2] * t * t;
            }
            Ok(())
        });
        let mut cal = Calibration::new(params, series, model).unwrap();
        let z0 = cal.params().start_internal();
        let est = estimate(&mut cal, &z0, &EstimateOptions::default()).unwrap();
        let cov = calibration_covariance(&mut cal, &est, 0.95).unwrap();
        let opts = ProfileOptions::default();
        let se = &cov.internal.se;
        let full = profile_likelihood(&cal, &est, se, &opts, None).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let cp = Checkpoint::new(dir.path().join("profiles.json"), "fp");
        cp.save(&[&full[2]]).unwrap();
        let resumed = profile_likelihood(&cal, &est, se, &opts, Some(&cp)).unwrap();
        let names: Vec<&str> = resumed.iter().map(|p| p.parameter.as_str()).collect();
        assert_eq!(names, ["a", "b", "c"]);
        // The checkpoint's format stores every f64 as its bit pattern: equal JSON is equal bits.
        assert_eq!(
            serde_json::to_string(&resumed).unwrap(),
            serde_json::to_string(&full).unwrap()
        );
        // The resumed run saved all three.
        assert_eq!(cp.load::<Vec<Profile>>().unwrap().unwrap(), full);
    }

    #[test]
    fn an_unidentified_parameter_has_an_open_profile() {
        // The model depends on a·b only: neither is identified alone; a is bounded in (0, 10).
        let t: Vec<f64> = (0..10).map(f64::from).collect();
        let y: Vec<f64> = t.iter().map(|t| 2.0 * t + 0.1 * (t * 3.0).cos()).collect();
        let params = ParamSet::new(vec![
            ParamSpec::new("a", 1.0, 0.0, 10.0),
            ParamSpec::free("b", 1.0),
        ])
        .unwrap();
        let series = vec![Series {
            name: "y".into(),
            observed: y,
            error: ErrorModel::Normal { sigma: None },
        }];
        let model = FnPredictor(move |p: &[f64], out: &mut [f64]| {
            for (o, t) in out.iter_mut().zip(&t) {
                *o = p[0] * p[1] * t;
            }
            Ok(())
        });
        let mut cal = Calibration::new(params, series, model).unwrap();
        let z0 = cal.params().start_internal();
        let est = estimate(&mut cal, &z0, &EstimateOptions::default()).unwrap();
        let cov = calibration_covariance(&mut cal, &est, 0.95).unwrap();
        assert_eq!(cov.internal.unidentified, vec![0, 1]);
        let opts = ProfileOptions {
            max_steps: 12,
            ..Default::default()
        };
        let prof = profile_likelihood(&cal, &est, &cov.internal.se, &opts, None).unwrap();
        assert!(!prof[0].identified());
        assert!(
            prof[0].points.iter().all(|p| p.deviance.abs() < 1e-6),
            "{:?}",
            prof[0].points
        );
    }
}
