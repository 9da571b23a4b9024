//! The log posterior of an experiment as a density over unbounded coordinates, for the
//! samplers of [`uncertainty`](crate::uncertainty).
//!
//! The fitted values `θ` (see [`fitted`](super::fitted): parameters, hierarchy means `mu`,
//! spreads `tau` and standard-normal offsets `eta`) are the reported values. The sampler moves
//! coordinates `z`:
//!
//! * a bounded value moves on its internal scale (logit or log; the log Jacobian of the map is
//!   added, so the density is the posterior on the values' own scale);
//! * a hierarchy offset moves as `eta` itself (**non-centred**), or, for a group with
//!   `parameterisation = "centred"`, as the episode's value `d = mu + tau eta` (**centred**),
//!   with the Jacobian `|dη/dd| = 1/tau` of the change of variables. Which one mixes better
//!   depends on how strongly the data inform the episode values (Papaspiliopoulos, Roberts &
//!   Sköld 2007; Betancourt & Girolami 2015): weakly informed effects favour non-centred.
//!
//! `ln p(z) = −nll(θ) + ln prior(θ) + Σ ln|dθ/dz|`, where `nll` includes the normal priors as
//! pseudo-observations and `ln prior` the other priors.

use super::fitted::Role;
use super::{Experiment, SimPredictor};
use crate::error::CalibrateError;
use crate::objective::Calibration;
use crate::params::Transform;
use std::sync::Mutex;

/// The posterior of an experiment over sampler coordinates.
pub struct PosteriorDensity<'a> {
    exp: &'a Experiment,
    template: Calibration<SimPredictor<'a>>,
    free: Mutex<Vec<Calibration<SimPredictor<'a>>>>,
    transforms: Vec<Transform>,
    /// For each coordinate: `Some((mu, tau))` indices when it is a centred hierarchy member.
    centred: Vec<Option<(usize, usize)>>,
}

impl<'a> PosteriorDensity<'a> {
    pub fn new(exp: &'a Experiment) -> Result<Self, CalibrateError> {
        let template = exp.calibration()?;
        let transforms = template.params().transforms();
        let centred = exp
            .params
            .iter()
            .map(|p| match p.role {
                Role::Offset(g) if exp.hierarchy[g].centred => {
                    Some((exp.hierarchy[g].mu, exp.hierarchy[g].tau))
                }
                _ => None,
            })
            .collect();
        Ok(PosteriorDensity {
            exp,
            template,
            free: Mutex::new(Vec::new()),
            transforms,
            centred,
        })
    }

    /// Number of coordinates.
    pub fn dim(&self) -> usize {
        self.transforms.len()
    }

    /// Names of the reported values (the fitted values).
    pub fn names(&self) -> Vec<String> {
        self.exp.parameter_names()
    }

    /// The fitted values `θ` at coordinates `z`, and the log Jacobian `ln |dθ/dz|`.
    pub fn values(&self, z: &[f64]) -> (Vec<f64>, f64) {
        let mut x = vec![0.0; z.len()];
        let mut jac = 0.0;
        for (j, (t, zj)) in self.transforms.iter().zip(z).enumerate() {
            if self.centred[j].is_none() {
                x[j] = t.to_external(*zj);
                jac += t.ln_abs_derivative(*zj);
            }
        }
        for (j, c) in self.centred.iter().enumerate() {
            if let Some((mu, tau)) = *c {
                let tau_v = x[tau];
                x[j] = (z[j] - x[mu]) / tau_v;
                jac -= tau_v.ln();
            }
        }
        (x, jac)
    }

    /// The values reported for a state: the fitted values.
    pub fn report(&self, z: &[f64]) -> Vec<f64> {
        self.values(z).0
    }

    /// The coordinates of fitted values `x` (for starting points).
    pub fn coordinates(&self, x: &[f64]) -> Vec<f64> {
        let mut z: Vec<f64> = self
            .transforms
            .iter()
            .zip(x)
            .map(|(t, v)| t.to_internal(*v))
            .collect();
        for (j, c) in self.centred.iter().enumerate() {
            if let Some((mu, tau)) = *c {
                z[j] = x[mu] + x[tau] * x[j];
            }
        }
        z
    }

    /// `ln p(z)` up to a constant, `−∞` where the model cannot be run or a prior is zero.
    pub fn log_density(&self, z: &[f64]) -> f64 {
        let (x, jac) = self.values(z);
        if x.iter().any(|v| !v.is_finite()) {
            return f64::NEG_INFINITY;
        }
        let prior = self.exp.log_prior(&x);
        if !prior.is_finite() {
            return f64::NEG_INFINITY;
        }
        let mut cal = self
            .free
            .lock()
            .ok()
            .and_then(|mut v| v.pop())
            .unwrap_or_else(|| self.template.clone());
        let nll = cal.neg_log_lik(&x);
        if let Ok(mut v) = self.free.lock() {
            v.push(cal);
        }
        match nll {
            Ok(v) if v.is_finite() => -v + prior + jac,
            _ => f64::NEG_INFINITY,
        }
    }
}
