//! Running an experiment: multi-start estimation, then the uncertainty the file asks for, then
//! fit statistics — with checkpoints after every finished unit of work.

use super::report::{CalibrationReport, MultiStartSummary, SeriesFit};
use super::{Experiment, SimPredictor};
use crate::checkpoint::Checkpoint;
use crate::error::CalibrateError;
use crate::estimate::{search_box, EstimateOptions};
use crate::fitstats::fit_stats;
use crate::multistart::multistart;
use crate::objective::Calibration;
use crate::params::ParamSet;
use crate::uncertainty::bootstrap::{parametric_bootstrap, BootstrapOptions};
use crate::uncertainty::covariance::{
    calibration_covariance_with, IntervalCalibration, ResidualDof,
};
use crate::uncertainty::mcmc::{posterior_sample, McmcOptions};
use crate::uncertainty::profile::{profile_likelihood, ProfileOptions};
use crate::uncertainty::sampler::SamplerOptions;
use pressure_sensitivity::design::{Design, LatinHypercube};
use sha2::{Digest, Sha256};
use std::path::PathBuf;
use std::time::Instant;

/// How to run an experiment.
pub struct RunOptions<'p> {
    pub seed: u64,
    /// Where checkpoints go (`None`: no checkpoints).
    pub checkpoint_dir: Option<PathBuf>,
    /// Continue from the checkpoints in `checkpoint_dir` (otherwise they are cleared first).
    pub resume: bool,
    pub progress: Option<&'p (dyn Fn(RunProgress) + Sync)>,
}

/// Progress of one stage of a run.
#[derive(Debug, Clone, Copy)]
pub struct RunProgress {
    pub stage: &'static str,
    pub done: usize,
    pub total: usize,
}

const CHECKPOINT_FILES: [&str; 4] = [
    "multistart.json",
    "profile.json",
    "bootstrap.json",
    "mcmc.json",
];

impl Experiment {
    /// A hash of every input file, the seed and the crate version: checkpoints written under
    /// another fingerprint are refused.
    pub fn fingerprint(&self, seed: u64) -> String {
        let mut h = Sha256::new();
        for p in &self.inputs {
            h.update(p.display().to_string().as_bytes());
            h.update(std::fs::read(p).unwrap_or_default());
        }
        h.update(seed.to_le_bytes());
        h.update(env!("CARGO_PKG_VERSION").as_bytes());
        h.finalize().iter().map(|b| format!("{b:02x}")).collect()
    }

    /// Starts of the multi-start: the start values, then `k` Latin-hypercube points in the
    /// search box (the bounds; a decade around the start for half-bounded parameters; start ±
    /// 2·max(|start|, 1) for unbounded ones).
    pub fn starts(&self, k: usize, seed: u64) -> Result<Vec<Vec<f64>>, CalibrateError> {
        let set = self.param_set()?;
        let mut starts = vec![set.start_external()];
        if k >= 2 {
            let (lo, hi) = search_box(&set)?;
            let lhs = LatinHypercube::new(set.len(), k, seed)
                .map_err(|e| CalibrateError::invalid(e.to_string()))?;
            let unit = lhs.all_unit_rows();
            for row in unit.chunks(set.len()) {
                starts.push(
                    row.iter()
                        .enumerate()
                        .map(|(j, u)| lo[j] + u * (hi[j] - lo[j]))
                        .collect(),
                );
            }
        } else if k == 1 {
            return Err(CalibrateError::invalid(
                "multistart = 1: use 0 (start values only) or at least 2 Latin-hypercube starts",
            ));
        }
        Ok(starts)
    }

    pub(crate) fn param_set(&self) -> Result<ParamSet, CalibrateError> {
        ParamSet::new(self.params.iter().map(|p| p.spec.clone()).collect())
    }

    /// The calibration problem (parameters, series, simulation predictor).
    pub fn calibration(&self) -> Result<Calibration<SimPredictor<'_>>, CalibrateError> {
        let predictor =
            SimPredictor::new(self).map_err(|e| CalibrateError::InvalidInput(e.to_string()))?;
        let mut cal = Calibration::new(self.param_set()?, self.series(), predictor)?;
        cal.share_sigma(self.sigma_groups())?;
        Ok(cal)
    }

    /// Calibrates: multi-start estimation, Jacobian covariance, then profiles, bootstrap and
    /// MCMC as the file asks, and fit statistics per series.
    pub fn run(&self, opts: &RunOptions<'_>) -> Result<CalibrationReport, CalibrateError> {
        let fingerprint = self.fingerprint(opts.seed);
        let checkpoint = |name: &str| {
            opts.checkpoint_dir
                .as_ref()
                .map(|d| Checkpoint::new(d.join(name), fingerprint.clone()))
        };
        if let Some(dir) = &opts.checkpoint_dir {
            if !opts.resume {
                for f in CHECKPOINT_FILES {
                    let _ = std::fs::remove_file(dir.join(f));
                }
            }
        }
        let progress = |stage: &'static str, done: usize, total: usize| {
            if let Some(p) = opts.progress {
                p(RunProgress { stage, done, total });
            }
        };
        let mut timings = Vec::new();
        let level = self.spec.uncertainty.level;
        if !(level > 0.0 && level < 1.0) {
            return Err(CalibrateError::invalid(format!(
                "uncertainty level must be in (0, 1), got {level}"
            )));
        }

        let mut cal = self.calibration()?;
        let mut est_opts = EstimateOptions {
            method: self.spec.estimation.method,
            ..Default::default()
        };
        est_opts.lm.max_iterations = self.spec.estimation.max_iterations;
        est_opts.differential_evolution.seed = opts.seed;

        // 1. Estimation from every start.
        let t = Instant::now();
        let starts = self.starts(self.spec.estimation.multistart, opts.seed)?;
        let total_starts = starts.len();
        progress("estimation", 0, total_starts);
        let on_start = |done: usize| progress("estimation", done, total_starts);
        let ms_cp = checkpoint("multistart.json");
        let ms = multistart(&cal, &starts, &est_opts, ms_cp.as_ref(), Some(&on_start))?;
        let best = ms.best_estimate().clone();
        timings.push(("estimation".to_string(), t.elapsed().as_secs_f64()));
        let ms_summary = MultiStartSummary {
            starts: total_starts,
            reached_best: ms.reached_best,
            converged: ms
                .outcomes
                .iter()
                .filter(|o| matches!(&o.result, Ok(e) if e.converged))
                .count(),
            failures: ms.failures().map(|(i, e)| (i, e.to_string())).collect(),
            model_runs: ms
                .outcomes
                .iter()
                .filter_map(|o| o.result.as_ref().ok())
                .map(|e| e.evaluations)
                .sum(),
            best_start: ms.best,
        };

        // 2. Jacobian covariance.
        let t = Instant::now();
        let intervals = self.spec.uncertainty.intervals;
        let covariance = calibration_covariance_with(&mut cal, &best, level, intervals);
        timings.push(("covariance".to_string(), t.elapsed().as_secs_f64()));
        let (covariance, covariance_error) = match covariance {
            Ok(c) => (Some(c), None),
            Err(e) => (None, Some(e.to_string())),
        };
        let se_internal: Vec<f64> = covariance
            .as_ref()
            .map(|c| c.internal.se.clone())
            .unwrap_or_else(|| vec![f64::NAN; best.x.len()]);

        // 3. Profiles.
        let profiles = if self.spec.uncertainty.profile {
            let t = Instant::now();
            progress("profiles", 0, best.x.len());
            let popts = ProfileOptions {
                level,
                small_sample: match intervals {
                    IntervalCalibration::SmallSample => ResidualDof::of(&cal),
                    IntervalCalibration::LargeSample => None,
                },
                estimate: EstimateOptions {
                    method: crate::estimate::Method::Lm,
                    ..est_opts.clone()
                },
                ..Default::default()
            };
            let p = profile_likelihood(
                &cal,
                &best,
                &se_internal,
                &popts,
                checkpoint("profile.json").as_ref(),
            )?;
            progress("profiles", best.x.len(), best.x.len());
            timings.push(("profiles".to_string(), t.elapsed().as_secs_f64()));
            p
        } else {
            Vec::new()
        };

        // 4. Parametric bootstrap.
        let bootstrap = if self.spec.uncertainty.bootstrap > 0 {
            let t = Instant::now();
            let n = self.spec.uncertainty.bootstrap;
            progress("bootstrap", 0, n);
            let on_rep = |done: usize| progress("bootstrap", done, n);
            let bopts = BootstrapOptions {
                replicates: n,
                level,
                seed: opts.seed,
                estimate: EstimateOptions {
                    method: crate::estimate::Method::Lm,
                    ..est_opts.clone()
                },
            };
            let b = parametric_bootstrap(
                &cal,
                &best,
                &bopts,
                checkpoint("bootstrap.json").as_ref(),
                Some(&on_rep),
            )?;
            timings.push(("bootstrap".to_string(), t.elapsed().as_secs_f64()));
            Some(b)
        } else {
            None
        };

        // 5. MCMC.
        let mcmc = match &self.spec.uncertainty.mcmc {
            Some(m) => {
                let t = Instant::now();
                let defaults = McmcOptions::default();
                let sopts = SamplerOptions {
                    algorithm: m.sampler,
                    chains: m.chains,
                    iterations: m.iterations,
                    warmup: m.warmup,
                    thin: m.thin.max(1),
                    seed: opts.seed,
                    ..defaults.sampler_options()
                };
                let n = best.x.len();
                let cov_internal = covariance
                    .as_ref()
                    .map(|c| c.internal.cov.clone())
                    .unwrap_or_else(|| {
                        let mut c = vec![0.0; n * n];
                        for i in 0..n {
                            c[i * n + i] = 0.01;
                        }
                        c
                    });
                let prior = |x: &[f64]| self.log_prior(x);
                let prior_ref: Option<crate::uncertainty::mcmc::LogPrior<'_>> = if self.has_priors()
                {
                    Some(&prior)
                } else {
                    None
                };
                progress("mcmc", 0, m.iterations);
                let on_block = |done: usize, total: usize| progress("mcmc", done, total);
                let r = if self.hierarchy.iter().any(|g| g.centred) {
                    // A centred hierarchy changes the sampler's coordinates.
                    let density = super::density::PosteriorDensity::new(self)?;
                    let initial = density.initial_points(
                        &best.x,
                        &cov_internal,
                        defaults.init_scale,
                        sopts.chains,
                        opts.seed,
                    );
                    crate::uncertainty::sampler::sample(
                        &density,
                        &initial,
                        &sopts,
                        checkpoint("mcmc.json").as_ref(),
                        Some(&on_block),
                    )?
                } else {
                    posterior_sample(
                        &cal,
                        &best,
                        &cov_internal,
                        defaults.init_scale,
                        prior_ref,
                        &sopts,
                        checkpoint("mcmc.json").as_ref(),
                        Some(&on_block),
                    )?
                };
                timings.push(("mcmc".to_string(), t.elapsed().as_secs_f64()));
                Some(r)
            }
            None => None,
        };

        // 6. Fit: model against data on the data's own scale, per series.
        let pred = cal
            .predict(&best.x)
            .map_err(|e| CalibrateError::eval("model at the estimate", e))?
            .to_vec();
        let mut fit = Vec::new();
        let mut k = 0;
        let mut s_index = 0;
        for e in &self.episodes {
            for m in &e.mappings {
                let n = m.observed.len();
                let model: Vec<f64> = pred[k..k + n]
                    .iter()
                    .map(|v| m.transform.invert(*v, &m.unit))
                    .collect();
                fit.push(SeriesFit {
                    episode: e.id.clone(),
                    series: m.series.clone(),
                    variable: m.variable.clone(),
                    unit: m.unit.clone(),
                    transform: m.transform,
                    error: m.error.describe(),
                    sigma: best.sigma[s_index],
                    dates: m.dates.iter().map(|d| d.to_string()).collect(),
                    stats: fit_stats(&model, &m.raw_observed),
                    observed: m.raw_observed.clone(),
                    model,
                });
                k += n;
                s_index += 1;
            }
        }

        if let Some(dir) = &opts.checkpoint_dir {
            for f in CHECKPOINT_FILES {
                let _ = std::fs::remove_file(dir.join(f));
            }
            let _ = std::fs::remove_dir(dir);
        }
        let (posterior, convergence) = match &mcmc {
            Some(m) => {
                let (p, c) = super::posterior::posterior_summaries(self, &best.x, &m.draws);
                (p, Some(c))
            }
            None => (Vec::new(), None),
        };
        Ok(CalibrationReport {
            priors: self.priors.clone(),
            derived: self.derived(&best.x),
            posterior,
            convergence,
            experiment: self.spec.experiment.name.clone(),
            seed: opts.seed,
            parameters: self.parameter_names(),
            estimate: best,
            multistart: ms_summary,
            covariance,
            covariance_error,
            profiles,
            bootstrap,
            mcmc,
            fit,
            timings,
        })
    }
}
