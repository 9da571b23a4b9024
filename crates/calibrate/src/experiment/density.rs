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
use crate::uncertainty::sampler::{Initial, LogDensity, WorkspacePool};
use pressure_stats::rng_for;
use rand_distr::{Distribution as _, StandardNormal};

/// Random stream of the starting points of [`PosteriorDensity::initial_points`].
pub const STREAM_INIT: u64 = 0xca_0009;

/// The posterior of an experiment over sampler coordinates.
pub struct PosteriorDensity<'a> {
    exp: &'a Experiment,
    pool: WorkspacePool<Calibration<SimPredictor<'a>>>,
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
            pool: WorkspacePool::new(template),
            transforms,
            centred,
        })
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

    /// Starting points for `chains` chains and a DREAM(ZS) archive: `max(chains, 10 d)` draws
    /// from the normal approximation at the estimate (`scale²` times the Jacobian covariance
    /// on the internal scale of the fitted values), in this density's coordinates.
    pub fn initial_points(
        &self,
        estimate: &[f64],
        cov_internal: &[f64],
        scale: f64,
        chains: usize,
        seed: u64,
    ) -> Initial {
        let n = estimate.len();
        let z: Vec<f64> = self
            .transforms
            .iter()
            .zip(estimate)
            .map(|(t, v)| t.to_internal(*v))
            .collect();
        // Estimates on a bound start inside, with a unit variance (as in the flat sampler).
        let (z0, cov) =
            crate::uncertainty::mcmc::start_distribution(&z, &self.transforms, cov_internal);
        let l = super::paths::cholesky_lower(&cov, n);
        let k = chains.max(10 * n);
        let points = (0..k)
            .map(|i| {
                let mut rng = rng_for(seed, STREAM_INIT, i as u64);
                let e: Vec<f64> = (0..n).map(|_| StandardNormal.sample(&mut rng)).collect();
                let x: Vec<f64> = (0..n)
                    .map(|r| {
                        let z = z0[r] + scale * (0..=r).map(|c| l[r * n + c] * e[c]).sum::<f64>();
                        self.transforms[r].to_external(z)
                    })
                    .collect();
                self.coordinates(&x)
            })
            .collect();
        Initial::Points(points)
    }

    /// `ln p(z)` up to a constant, `−∞` where the model cannot be run or a prior is zero.
    fn log_posterior(&self, z: &[f64]) -> f64 {
        let (x, jac) = self.values(z);
        if x.iter().any(|v| !v.is_finite()) {
            return f64::NEG_INFINITY;
        }
        let prior = self.exp.log_prior(&x);
        if !prior.is_finite() {
            return f64::NEG_INFINITY;
        }
        match self.pool.with(|cal| cal.neg_log_lik(&x)) {
            Ok(v) if v.is_finite() => -v + prior + jac,
            _ => f64::NEG_INFINITY,
        }
    }
}

impl LogDensity for PosteriorDensity<'_> {
    fn dim(&self) -> usize {
        self.transforms.len()
    }

    fn log_density(&self, z: &[f64]) -> f64 {
        self.log_posterior(z)
    }

    /// The fitted values.
    fn names(&self) -> Vec<String> {
        self.exp.parameter_names()
    }

    /// The fitted values at a state (so draws read alike in both parameterisations).
    fn report(&self, z: &[f64]) -> Vec<f64> {
        self.values(z).0
    }
}
