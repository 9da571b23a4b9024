//! Model paths under the posterior: every mapped series evaluated by its observation equation
//! over the episode's whole horizon (observed or not), with the sanctions as coded and with the
//! sanction timeline switched off (the counterfactual), and at the holdout's dates.
//!
//! **Draws.** [`posterior_draws`] takes up to `max` MCMC draws evenly spaced over the pooled
//! chains; without MCMC it draws from the normal approximation at the estimate (the Jacobian
//! covariance on the internal scale, mapped back: a Laplace approximation, stated in every
//! output); without a covariance it returns the estimate alone (bands of width zero).
//!
//! **Counterfactual.** The no-sanctions run of an episode is the same run (same parameters,
//! scenarios, exogenous data such as the oil price) with every input its sanction timeline
//! drives set to 0 from the start.
//!
//! **Effect split.** With `[counterfactual] explicit_set` (model parameters, e.g. the switch of
//! the residual growth drags set to 0), a third run per episode keeps the timeline on with
//! those parameters set after the fitted values: the "explicit channels" run.

use super::mapping::MappingSetup;
use super::report::CalibrationReport;
use super::{EpisodeSetup, Experiment};
use crate::error::CalibrateError;
use crate::problem::EvalError;
use pressure_data::align::aggregate_log;
use pressure_model::{Interpolation, Series};
use pressure_sim::{CompiledModel, ExogenousSet, ParamSet as SimParams, Simulator};
use pressure_stats::rng_for;
use rand_distr::{Distribution as _, StandardNormal};
use rayon::prelude::*;

/// Random stream of the Laplace draws.
pub const STREAM_LAPLACE: u64 = 0xca_0007;

/// Where the draws of a posterior run came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DrawSource {
    Mcmc,
    /// Normal approximation at the estimate (Jacobian covariance).
    Laplace,
    /// The estimate only.
    Estimate,
}

impl DrawSource {
    pub fn describe(self) -> &'static str {
        match self {
            DrawSource::Mcmc => "MCMC posterior draws",
            DrawSource::Laplace => "draws from the normal approximation at the estimate (Jacobian covariance; no MCMC was run)",
            DrawSource::Estimate => "the estimate only (no MCMC and no covariance: no uncertainty shown)",
        }
    }
}

/// Up to `max` parameter vectors (external scale) representing the posterior.
pub fn posterior_draws(
    report: &CalibrationReport,
    exp: &Experiment,
    max: usize,
    seed: u64,
) -> Result<(Vec<Vec<f64>>, DrawSource), CalibrateError> {
    let max = max.max(1);
    if let Some(m) = &report.mcmc {
        let pooled: Vec<&Vec<f64>> = m.draws.iter().flatten().collect();
        if !pooled.is_empty() {
            return Ok((
                evenly_spaced(pooled.len(), max)
                    .map(|i| pooled[i].clone())
                    .collect(),
                DrawSource::Mcmc,
            ));
        }
    }
    let set = exp.param_set()?;
    let n = set.len();
    if let Some(c) = &report.covariance {
        let cov = &c.internal.cov;
        if max > 1 && cov.iter().all(|v| v.is_finite()) {
            let z0 = set.to_internal_vec(&report.estimate.x);
            let l = cholesky_lower(cov, n);
            let mut out = Vec::with_capacity(max);
            for d in 0..max {
                let mut rng = rng_for(seed, STREAM_LAPLACE, d as u64);
                let e: Vec<f64> = (0..n).map(|_| StandardNormal.sample(&mut rng)).collect();
                let z: Vec<f64> = (0..n)
                    .map(|i| z0[i] + (0..=i).map(|k| l[i * n + k] * e[k]).sum::<f64>())
                    .collect();
                out.push(set.to_external_vec(&z));
            }
            return Ok((out, DrawSource::Laplace));
        }
    }
    Ok((vec![report.estimate.x.clone()], DrawSource::Estimate))
}

/// Indices of `min(max, len)` draws evenly spaced over `len` pooled draws (chain after
/// chain): `i · len / k`, the first draw included.
pub(crate) fn evenly_spaced(len: usize, max: usize) -> impl Iterator<Item = usize> {
    let k = max.max(1).min(len);
    (0..k).map(move |i| i * len / k)
}

/// Lower Cholesky factor (row-major) of a covariance that may be singular: a zero pivot
/// leaves its column at zero (no variation along an unidentified direction).
pub(crate) fn cholesky_lower(c: &[f64], n: usize) -> Vec<f64> {
    let mut l = vec![0.0; n * n];
    for i in 0..n {
        for j in 0..=i {
            let s: f64 = (0..j).map(|k| l[i * n + k] * l[j * n + k]).sum();
            if i == j {
                let d = c[i * n + i] - s;
                l[i * n + i] = if d > 0.0 { d.sqrt() } else { 0.0 };
            } else if l[j * n + j] > 0.0 {
                l[i * n + j] = (c[i * n + j] - s) / l[j * n + j];
            }
        }
    }
    l
}

/// One mapping's paths at one draw.
#[derive(Debug, Clone, Default)]
pub struct MappingPaths {
    /// The measure at the path dates, with the sanctions and without.
    pub factual: Vec<f64>,
    pub counterfactual: Vec<f64>,
    /// For a change: ln of the aggregated level at every path period pair
    /// (`[prev_0, this_0, prev_1, this_1, ...]`), with and without the sanctions.
    pub ln_level_factual: Vec<f64>,
    pub ln_level_counterfactual: Vec<f64>,
    /// The same with the timeline on and `explicit_set` applied (empty without a split).
    pub explicit: Vec<f64>,
    pub ln_level_explicit: Vec<f64>,
    /// The measure at the holdout's dates (with the sanctions).
    pub holdout: Vec<f64>,
}

/// Every episode's mappings' paths at one draw: `[episode][mapping]`.
pub type DrawPaths = Vec<Vec<MappingPaths>>;

/// The exogenous inputs of an episode with its sanction timeline switched off.
pub(crate) fn without_sanctions(
    model: &CompiledModel,
    e: &EpisodeSetup,
) -> Result<ExogenousSet, EvalError> {
    let mut exo = e.exogenous.clone();
    for name in &e.timeline_targets {
        let zero = Series {
            time: vec![e.settings.start - 1.0],
            values: vec![0.0],
            interpolation: Interpolation::Step,
            origin: "counterfactual: sanction timeline switched off".into(),
        };
        exo.set(model, name, zero)
            .map_err(|err| EvalError::caused_by(format!("episode `{}`", e.id), err))?;
    }
    Ok(exo)
}

/// Runs an experiment's episodes with and without sanctions and evaluates the paths.
pub(crate) struct PathRunner<'a> {
    exp: &'a Experiment,
    factual: Vec<Simulator<'a>>,
    counterfactual: Vec<Simulator<'a>>,
    run_params: Vec<SimParams>,
    /// `[counterfactual] explicit_set`: the parameters of the explicit-channels run.
    explicit_set: Vec<(String, f64)>,
    explicit_params: SimParams,
    /// Per episode, the recorded column of each mapping.
    columns: Vec<Vec<usize>>,
    work: Vec<f64>,
    values: Vec<f64>,
}

impl<'a> PathRunner<'a> {
    pub fn new(exp: &'a Experiment) -> Result<Self, EvalError> {
        let mut factual = Vec::new();
        let mut counterfactual = Vec::new();
        let mut outputs = Vec::new();
        for e in &exp.episodes {
            let (outs, columns) = super::predictor::record_plan(e);
            for (exo, list) in [
                (e.exogenous.clone(), &mut factual),
                (without_sanctions(&exp.model, e)?, &mut counterfactual),
            ] {
                let mut sim = exp
                    .model
                    .simulator(&e.settings)
                    .map_err(|err| EvalError::caused_by(format!("episode `{}`", e.id), err))?;
                sim.set_steady_starts(exp.steady_starts);
                sim.set_exogenous(&exo)
                    .map_err(|err| EvalError::caused_by(format!("episode `{}`", e.id), err))?;
                sim.record_indices(&outs);
                list.push(sim);
            }
            outputs.push(columns);
        }
        let explicit_set = exp.spec.explicit_set();
        let mut explicit_params = exp.model.default_params();
        for (name, v) in &explicit_set {
            exp.model
                .set_param(&mut explicit_params, name, *v)
                .map_err(|err| {
                    EvalError::new(format!(
                        "{}: [counterfactual] explicit_set `{name}`: {err}",
                        exp.path.display()
                    ))
                })?;
        }
        Ok(PathRunner {
            exp,
            factual,
            counterfactual,
            explicit_set,
            explicit_params,
            run_params: exp.episodes.iter().map(|e| e.params.clone()).collect(),
            columns: outputs,
            work: Vec::new(),
            values: Vec::new(),
        })
    }

    /// The paths at fitted values `x`.
    pub fn paths(&mut self, x: &[f64]) -> Result<DrawPaths, EvalError> {
        let exp = self.exp;
        let mut out = Vec::with_capacity(exp.episodes.len());
        for (ei, e) in exp.episodes.iter().enumerate() {
            let run = &mut self.run_params[ei];
            for (j, p) in exp.params.iter().enumerate() {
                if let Some(v) = exp.model_value(j, ei, x) {
                    for &i in &p.model_indices {
                        run.set(i, v);
                    }
                }
            }
            let mut ep = vec![MappingPaths::default(); e.mappings.len()];
            let split = !self.explicit_set.is_empty();
            if split {
                self.explicit_params.clone_from(run);
                for (name, v) in &self.explicit_set {
                    exp.model
                        .set_param(&mut self.explicit_params, name, *v)
                        .map_err(|err| {
                            EvalError::caused_by(format!("explicit_set `{name}`"), err)
                        })?;
                }
            }
            for kind in [Run::Factual, Run::Counterfactual, Run::Explicit] {
                if kind == Run::Explicit && !split {
                    continue;
                }
                let (sim, params) = match kind {
                    Run::Factual => (&mut self.factual[ei], &*run),
                    Run::Counterfactual => (&mut self.counterfactual[ei], &*run),
                    Run::Explicit => (&mut self.factual[ei], &self.explicit_params),
                };
                let results = sim
                    .run(params)
                    .map_err(|err| EvalError::caused_by(format!("episode `{}`", e.id), err))?;
                let times = results.time();
                for (c, m) in e.mappings.iter().enumerate() {
                    let values = results.column_at(self.columns[ei][c]);
                    let at = |what: &str, err: String| {
                        EvalError::new(format!(
                            "episode `{}`, series `{}` ({what}): {err}",
                            e.id, m.series
                        ))
                    };
                    m.observation
                        .model_values(
                            times,
                            values,
                            &m.path_periods,
                            &mut self.work,
                            &mut self.values,
                        )
                        .map_err(|err| at("path", err))?;
                    let target = &mut ep[c];
                    let (path, ln_path) = match kind {
                        Run::Factual => (&mut target.factual, &mut target.ln_level_factual),
                        Run::Counterfactual => (
                            &mut target.counterfactual,
                            &mut target.ln_level_counterfactual,
                        ),
                        Run::Explicit => (&mut target.explicit, &mut target.ln_level_explicit),
                    };
                    path.clone_from(&self.values);
                    if m.observation.measure.is_change() {
                        *ln_path = ln_levels(m, times, values, &mut self.work)
                            .map_err(|err| at("level", err))?;
                    }
                    if kind == Run::Factual && !m.holdout_periods.is_empty() {
                        m.observation
                            .model_values(
                                times,
                                values,
                                &m.holdout_periods,
                                &mut self.work,
                                &mut self.values,
                            )
                            .map_err(|err| at("holdout", err))?;
                        target.holdout = self.values.clone();
                    }
                }
            }
            out.push(ep);
        }
        Ok(out)
    }
}

/// The runs of one draw and episode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Run {
    /// The sanctions as coded, the fitted parameters.
    Factual,
    /// The sanction timeline switched off.
    Counterfactual,
    /// The timeline on, `explicit_set` applied (the explicit channels alone).
    Explicit,
}

/// ln of the aggregated level of a change mapping at its path periods.
fn ln_levels(
    m: &MappingSetup,
    times: &[f64],
    values: &[f64],
    work: &mut Vec<f64>,
) -> Result<Vec<f64>, String> {
    let log_level = m.observation.log_level(times, values, work)?;
    let err = |e: pressure_data::DataError| e.to_string();
    aggregate_log(times, log_level, &m.path_periods, m.observation.aggregation).map_err(err)
}

/// The paths at every draw, in parallel (one runner per worker; the result does not depend on
/// the number of threads). Draws whose run fails are left out; `Err` only when every draw
/// fails.
pub(crate) fn paths_at(
    exp: &Experiment,
    draws: &[Vec<f64>],
) -> Result<(Vec<DrawPaths>, usize), CalibrateError> {
    let results: Vec<Result<DrawPaths, EvalError>> = draws
        .par_iter()
        .map_init(
            || PathRunner::new(exp),
            |runner, x| match runner {
                Ok(r) => r.paths(x),
                Err(e) => Err(e.clone()),
            },
        )
        .collect();
    let failed = results.iter().filter(|r| r.is_err()).count();
    let mut first_error = None;
    let ok: Vec<DrawPaths> = results
        .into_iter()
        .filter_map(|r| match r {
            Ok(p) => Some(p),
            Err(e) => {
                first_error.get_or_insert(e);
                None
            }
        })
        .collect();
    if ok.is_empty() {
        return Err(CalibrateError::InvalidInput(format!(
            "every posterior draw failed to run: {}",
            first_error.map(|e| e.to_string()).unwrap_or_default()
        )));
    }
    Ok((ok, failed))
}

/// The `q`-quantile of values (sorted in place; NaN ignored).
pub(crate) fn quantile(v: &mut Vec<f64>, q: f64) -> f64 {
    v.retain(|x| !x.is_nan());
    v.sort_by(f64::total_cmp);
    pressure_stats::quantile_sorted(v, q).unwrap_or(f64::NAN)
}
