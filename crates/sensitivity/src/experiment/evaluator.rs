//! Running the model for the engine: parameter vector in, output columns out.

use super::prepare::{Prepared, ScalarStatistic};
use super::statistic;
use crate::engine::Evaluator;
use pressure_sim::{ParamSet, Simulator};

/// Runs a prepared experiment's model: sets the varied parameters, runs one reusable
/// simulator per worker (no allocation per run) and computes the scalar outputs and series
/// points from the recorded variables.
pub struct ModelEvaluator<'a> {
    prepared: &'a Prepared,
}

/// Per-worker state: the simulator and a parameter set to fill.
pub struct ModelWorkspace<'a> {
    sim: Simulator<'a>,
    params: ParamSet,
}

impl<'a> ModelEvaluator<'a> {
    pub fn new(prepared: &'a Prepared) -> Self {
        ModelEvaluator { prepared }
    }
}

impl<'a> Evaluator for ModelEvaluator<'a> {
    type Workspace = ModelWorkspace<'a>;

    fn n_outputs(&self) -> usize {
        self.prepared.spec.columns.len()
    }

    fn output_name(&self, i: usize) -> String {
        self.prepared.spec.columns[i].label()
    }

    fn workspace(&self) -> ModelWorkspace<'a> {
        let p = self.prepared;
        // The same configuration was checked in `Experiment::prepare`.
        let mut sim = p
            .compiled
            .simulator(&p.settings)
            .expect("settings checked when the experiment was prepared");
        let names: Vec<&str> = p.recorded.iter().map(|s| s.as_str()).collect();
        sim.record(&names).expect("outputs checked when prepared");
        sim.set_exogenous(&p.exogenous)
            .expect("exogenous series checked when prepared");
        ModelWorkspace {
            sim,
            params: p.base_params.clone(),
        }
    }

    fn evaluate(
        &self,
        ws: &mut ModelWorkspace<'a>,
        x: &[f64],
        y: &mut [f64],
    ) -> Result<(), String> {
        let p = self.prepared;
        for (&i, &v) in p.param_indices.iter().zip(x) {
            ws.params.set(i, v);
        }
        let results = ws.sim.run(&ws.params).map_err(|e| e.to_string())?;
        let time = results.time();
        let mut c = 0;
        for s in &p.scalars {
            let v = results.column_at(s.record);
            y[c] = match &s.statistic {
                ScalarStatistic::ValueAt { time: t } => statistic::value_at(time, v, *t),
                ScalarStatistic::Mean { from, to } => statistic::mean(time, v, *from, *to),
                ScalarStatistic::Peak { from, to } => statistic::peak(time, v, *from, *to),
                ScalarStatistic::Min { from, to } => statistic::min(time, v, *from, *to),
                ScalarStatistic::FirstCrossing {
                    threshold,
                    direction,
                    from,
                    to,
                    if_never,
                } => match statistic::first_crossing(time, v, *threshold, *direction, *from, *to) {
                    Some(t) => t,
                    None => if_never.ok_or_else(|| {
                        format!(
                            "output `{}`: the variable never reaches {threshold} between {from} \
                             and {to}; set `if_never` in the experiment to give such runs a value",
                            s.name
                        )
                    })?,
                },
            };
            if let Some(t) = s.transform {
                y[c] = t
                    .apply(y[c])
                    .map_err(|e| format!("output `{}`: {e}", s.name))?;
            }
            c += 1;
        }
        for s in &p.series {
            let v = results.column_at(s.record);
            for &t in &s.times {
                y[c] = statistic::value_at(time, v, t);
                c += 1;
            }
        }
        Ok(())
    }
}
