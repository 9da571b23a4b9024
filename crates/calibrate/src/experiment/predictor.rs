//! The model side of an experiment: fitted values → one simulation per episode → model values
//! aggregated and transformed to every observation.

use super::{EpisodeSetup, Experiment};
use crate::objective::Predictor;
use crate::problem::EvalError;
use pressure_sim::{CompiledModel, ParamSet as SimParams, Simulator};

/// Runs an experiment's episodes for a parameter vector. Cloning makes fresh simulators over
/// the same compiled model (one clone per thread in parallel work).
pub struct SimPredictor<'a> {
    exp: &'a Experiment,
    model: &'a CompiledModel,
    episodes: &'a [EpisodeSetup],
    sims: Vec<Simulator<'a>>,
    run_params: Vec<SimParams>,
    /// Per episode, the recorded column of each mapping (outputs recorded once each).
    columns: Vec<Vec<usize>>,
    /// Scratch space of the observation equations.
    work: Vec<f64>,
    values: Vec<f64>,
}

/// The distinct outputs an episode records, and each mapping's column among them.
pub(crate) fn record_plan(e: &EpisodeSetup) -> (Vec<usize>, Vec<usize>) {
    let mut outputs: Vec<usize> = Vec::new();
    let columns = e
        .mappings
        .iter()
        .map(|m| match outputs.iter().position(|o| *o == m.output) {
            Some(c) => c,
            None => {
                outputs.push(m.output);
                outputs.len() - 1
            }
        })
        .collect();
    (outputs, columns)
}

fn make_simulator<'a>(exp: &'a Experiment, e: &EpisodeSetup) -> Result<Simulator<'a>, EvalError> {
    let mut sim = exp
        .model
        .simulator(&e.settings)
        .map_err(|err| EvalError::caused_by(format!("episode `{}`", e.id), err))?;
    sim.set_steady_starts(exp.steady_starts);
    sim.set_exogenous(&e.exogenous)
        .map_err(|err| EvalError::caused_by(format!("episode `{}`", e.id), err))?;
    sim.record_indices(&record_plan(e).0);
    Ok(sim)
}

impl<'a> SimPredictor<'a> {
    pub fn new(exp: &'a Experiment) -> Result<Self, EvalError> {
        let sims = exp
            .episodes
            .iter()
            .map(|e| make_simulator(exp, e))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(SimPredictor {
            exp,
            model: &exp.model,
            episodes: &exp.episodes,
            sims,
            run_params: exp.episodes.iter().map(|e| e.params.clone()).collect(),
            columns: exp.episodes.iter().map(|e| record_plan(e).1).collect(),
            work: Vec::new(),
            values: Vec::new(),
        })
    }
}

impl SimPredictor<'_> {
    /// The steady state each episode's run starts from at the fitted values `x` (solved with
    /// the experiment's `steady_starts`), per episode in the experiment's order: the
    /// diagnostic of the steady-state uniqueness study (README "Steady-state uniqueness").
    pub fn steady_states(
        &mut self,
        x: &[f64],
    ) -> Vec<(String, Result<pressure_sim::SteadyState, EvalError>)> {
        let mut out = Vec::with_capacity(self.episodes.len());
        for (ei, e) in self.episodes.iter().enumerate() {
            self.set_run_params(ei, x);
            let st = self.sims[ei]
                .steady_state(&self.run_params[ei])
                .map_err(|err| EvalError::caused_by(format!("episode `{}`", e.id), err));
            out.push((e.id.clone(), st));
        }
        out
    }

    /// Per episode (the experiment's order): whether its last run used native code rather
    /// than the interpreter (`pressure_sim::Simulator::uses_native_code`), for profiling.
    pub fn uses_native_code(&self) -> Vec<bool> {
        self.sims.iter().map(|s| s.uses_native_code()).collect()
    }

    /// Writes the fitted values `x` into episode `ei`'s parameter set.
    fn set_run_params(&mut self, ei: usize, x: &[f64]) {
        let run = &mut self.run_params[ei];
        for (j, p) in self.exp.params.iter().enumerate() {
            if let Some(v) = self.exp.model_value(j, ei, x) {
                for &i in &p.model_indices {
                    run.set(i, v);
                }
            }
        }
    }
}

impl Clone for SimPredictor<'_> {
    fn clone(&self) -> Self {
        // `Experiment::load` built a simulator for every episode, so this cannot fail.
        let sims = self
            .episodes
            .iter()
            .map(|e| make_simulator(self.exp, e).expect("simulator settings validated at load"))
            .collect();
        SimPredictor {
            exp: self.exp,
            model: self.model,
            episodes: self.episodes,
            sims,
            run_params: self.run_params.clone(),
            columns: self.columns.clone(),
            work: Vec::new(),
            values: Vec::new(),
        }
    }
}

impl Predictor for SimPredictor<'_> {
    fn predict(&mut self, x: &[f64], out: &mut [f64]) -> Result<(), EvalError> {
        let mut k = 0;
        for (ei, e) in self.episodes.iter().enumerate() {
            self.set_run_params(ei, x);
            let results = self.sims[ei]
                .run(&self.run_params[ei])
                .map_err(|err| EvalError::caused_by(format!("episode `{}`", e.id), err))?;
            let times = results.time();
            for (c, m) in e.mappings.iter().enumerate() {
                let values = results.column_at(self.columns[ei][c]);
                m.observation
                    .model_values(times, values, &m.periods, &mut self.work, &mut self.values)
                    .map_err(|err| {
                        EvalError::new(format!("episode `{}`, series `{}`: {err}", e.id, m.series))
                    })?;
                for (j, v) in self.values.iter().enumerate() {
                    out[k] = m.transform.apply(*v, &m.unit).ok_or_else(|| {
                        EvalError::new(format!(
                            "episode `{}`: model value {v} for `{}` at {} is outside the domain of transform = \"{}\"",
                            e.id,
                            m.series,
                            m.dates[j],
                            m.transform.name()
                        ))
                    })?;
                    k += 1;
                }
            }
        }
        // Normal priors: the fitted value itself against the prior mean.
        for p in &self.exp.normal_priors {
            out[k] = x[p.param];
            k += 1;
        }
        Ok(())
    }
}
