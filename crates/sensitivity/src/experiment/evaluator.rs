//! Running the model for the engine: parameter vector in, output columns out.

use super::prepared::{Prepared, ScalarStatistic};
use super::statistic;
use crate::engine::Evaluator;
use pressure_sim::{BatchSimulator, ParamSet, Results, Simulator};

/// Runs a prepared experiment's model: sets the varied parameters, runs one reusable
/// simulator per worker (no allocation per run) and computes the scalar outputs and series
/// points from the recorded variables.
pub struct ModelEvaluator<'a> {
    prepared: &'a Prepared,
    /// Whether runs go through the batch backend.
    lanes: bool,
    /// The saved rows the outputs read (ascending); the simulators keep only these.
    rows: Vec<usize>,
}

/// Per-worker state: the simulator and a parameter set to fill; the batch simulator and its
/// parameter sets when the runs go through the batch backend.
pub struct ModelWorkspace<'a> {
    sim: Simulator<'a>,
    params: ParamSet,
    batch: Option<(BatchSimulator<'a>, Vec<ParamSet>)>,
}

impl<'a> ModelEvaluator<'a> {
    /// Runs go through `pressure-sim`'s batch backend (eight parameter sets at once) when
    /// [`pressure_sim::uses_batch_backend`] chooses it for the prepared settings (their
    /// `backend`: `Batch` asks for it; `Auto` uses it when native code does not pay, or when
    /// native lane code does: few stored values per run, as here).
    pub fn new(prepared: &'a Prepared) -> Self {
        let rows = needed_rows(prepared);
        // A design has many runs: decide for a large batch. A run stores the recorded
        // variables at the kept rows.
        let stored = (prepared.recorded.len() * rows.len()) as u64;
        let lanes =
            pressure_sim::uses_batch_backend(&prepared.compiled, &prepared.settings, 1000, stored);
        ModelEvaluator {
            prepared,
            lanes,
            rows,
        }
    }

    /// The outputs of one run from its recorded variables.
    fn write_outputs(&self, results: &Results, y: &mut [f64]) -> Result<(), String> {
        let p = self.prepared;
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

/// The saved rows the outputs read: each statistic's (`statistic::rows_for_*`), in order
/// without repeats. The statistics of a run that keeps only these rows equal those of the
/// whole run bit for bit (test `statistics_on_their_rows_equal_the_whole_series_bit_for_bit`).
fn needed_rows(p: &Prepared) -> Vec<usize> {
    let time: Vec<f64> = p.settings.save_times().collect();
    let mut rows = Vec::new();
    for s in &p.scalars {
        match &s.statistic {
            ScalarStatistic::ValueAt { time: t } => {
                statistic::rows_for_value_at(&time, *t, &mut rows)
            }
            ScalarStatistic::Mean { from, to }
            | ScalarStatistic::Peak { from, to }
            | ScalarStatistic::Min { from, to }
            | ScalarStatistic::FirstCrossing { from, to, .. } => {
                statistic::rows_for_window(&time, *from, *to, &mut rows)
            }
        }
    }
    for s in &p.series {
        for &t in &s.times {
            statistic::rows_for_value_at(&time, t, &mut rows);
        }
    }
    rows.sort_unstable();
    rows.dedup();
    rows
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
        // Only the saved rows the outputs read.
        sim.save_rows(Some(&self.rows))
            .expect("rows of the settings' save grid");
        sim.set_exogenous(&p.exogenous)
            .expect("exogenous series checked when prepared");
        let batch = self.lanes.then(|| {
            let mut b = BatchSimulator::new(&p.compiled, &p.settings)
                .expect("the batch backend was chosen for these settings");
            b.record(&names).expect("outputs checked when prepared");
            b.save_rows(Some(&self.rows))
                .expect("rows of the settings' save grid");
            b.set_exogenous(&p.exogenous)
                .expect("exogenous series checked when prepared");
            (b, vec![p.base_params.clone(); BatchSimulator::LANES])
        });
        ModelWorkspace {
            sim,
            params: p.base_params.clone(),
            batch,
        }
    }

    fn evaluate_rows(
        &self,
        ws: &mut ModelWorkspace<'a>,
        x: &[f64],
        y: &mut [f64],
        status: &mut [Result<(), String>],
    ) {
        let rows = status.len();
        if rows == 0 {
            return;
        }
        let (d, c) = (x.len() / rows, self.n_outputs());
        let Some((batch, sets)) = ws.batch.as_mut() else {
            for (r, st) in status.iter_mut().enumerate() {
                *st = self.evaluate(ws, &x[r * d..(r + 1) * d], &mut y[r * c..(r + 1) * c]);
            }
            return;
        };
        let lanes = BatchSimulator::LANES;
        for (k, chunk) in x.chunks(lanes * d).enumerate() {
            let n = chunk.len() / d;
            for (set, row) in sets.iter_mut().zip(chunk.chunks(d)) {
                for (&i, &v) in self.prepared.param_indices.iter().zip(row) {
                    set.set(i, v);
                }
            }
            let first = k * lanes;
            if let Err(e) = batch.run(&sets[..n]) {
                status[first..first + n].fill(Err(e.to_string()));
                continue;
            }
            for l in 0..n {
                let r = first + l;
                status[r] = match batch.lane(l) {
                    Ok(results) => self.write_outputs(results, &mut y[r * c..(r + 1) * c]),
                    Err(e) => Err(e.to_string()),
                };
            }
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
        self.write_outputs(results, y)
    }
}
