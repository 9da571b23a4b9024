//! Multi-start estimation: the same estimator from many start points, in parallel.
//!
//! Each start is an independent task (its own clone of the calibration), so the outcome of
//! every start, and therefore the best one, does not depend on the number of threads. A start
//! that fails (the model cannot be evaluated there, the optimiser errs) is recorded with its
//! reason and the others carry on. With a checkpoint, finished starts are saved
//! ([`checkpointed_map`]); a resumed run skips them and reaches the same result as an
//! uninterrupted run.

use crate::checkpoint::{checkpointed_map, Checkpoint};
use crate::error::CalibrateError;
use crate::estimate::{estimate, Estimate, EstimateOptions};
use crate::objective::{Calibration, Predictor};
use serde::{Deserialize, Serialize};

/// What happened from one start.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StartOutcome {
    pub index: usize,
    /// Start values (external scale).
    #[serde(with = "crate::checkpoint::bits")]
    pub start: Vec<f64>,
    /// The estimate, or why this start failed.
    pub result: Result<Estimate, String>,
}

/// All starts and the best one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MultiStartReport {
    pub outcomes: Vec<StartOutcome>,
    /// Index of the best outcome: lowest negative log-likelihood among converged runs (among
    /// all successful runs if none converged).
    pub best: usize,
    /// How many starts ended within 1e-6 (absolute, in negative log-likelihood) of the best.
    pub reached_best: usize,
}

impl MultiStartReport {
    pub fn best_estimate(&self) -> &Estimate {
        self.outcomes[self.best]
            .result
            .as_ref()
            .expect("best outcome is a success")
    }

    pub fn failures(&self) -> impl Iterator<Item = (usize, &str)> {
        self.outcomes
            .iter()
            .filter_map(|o| o.result.as_ref().err().map(|e| (o.index, e.as_str())))
    }
}

/// Runs [`estimate`] from every start (external values strictly inside the bounds).
/// `progress` is called with the number of finished starts after each one.
pub fn multistart<P: Predictor + Clone + Send + Sync>(
    cal: &Calibration<P>,
    starts: &[Vec<f64>],
    opts: &EstimateOptions,
    checkpoint: Option<&Checkpoint>,
    progress: Option<&(dyn Fn(usize) + Sync)>,
) -> Result<MultiStartReport, CalibrateError> {
    if starts.is_empty() {
        return Err(CalibrateError::invalid(
            "multi-start needs at least one start",
        ));
    }
    let n = cal.n_params();
    for (i, s) in starts.iter().enumerate() {
        if s.len() != n || !cal.params().contains(s) {
            return Err(CalibrateError::invalid(format!(
                "start {i} must have {n} values strictly inside the bounds"
            )));
        }
    }
    let outcomes = checkpointed_map(
        starts.len(),
        checkpoint,
        // A saved outcome counts only for the same start values.
        |o: &StartOutcome| (starts.get(o.index) == Some(&o.start)).then_some(o.index),
        || cal.clone(),
        |local, i| {
            let z0 = local.params().to_internal_vec(&starts[i]);
            Ok(StartOutcome {
                index: i,
                start: starts[i].clone(),
                result: estimate(local, &z0, opts).map_err(|e| e.to_string()),
            })
        },
        progress,
    )?;
    let pick = |need_converged: bool| {
        outcomes
            .iter()
            .filter_map(|o| o.result.as_ref().ok().map(|e| (o.index, e)))
            .filter(|(_, e)| e.neg_log_lik.is_finite() && (e.converged || !need_converged))
            .min_by(|a, b| a.1.neg_log_lik.total_cmp(&b.1.neg_log_lik))
            .map(|(i, _)| i)
    };
    let Some(best) = pick(true).or_else(|| pick(false)) else {
        let reasons: Vec<String> = outcomes
            .iter()
            .filter_map(|o| {
                o.result
                    .as_ref()
                    .err()
                    .map(|e| format!("start {}: {e}", o.index))
            })
            .take(5)
            .collect();
        return Err(CalibrateError::eval(
            "multi-start",
            crate::problem::EvalError::new(format!("every start failed ({})", reasons.join("; "))),
        ));
    };
    let best_nll = outcomes[best].result.as_ref().unwrap().neg_log_lik;
    let reached_best = outcomes
        .iter()
        .filter(|o| matches!(&o.result, Ok(e) if (e.neg_log_lik - best_nll).abs() <= 1e-6))
        .count();
    Ok(MultiStartReport {
        outcomes,
        best,
        reached_best,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::objective::{ErrorModel, FnPredictor, Series};
    use crate::params::{ParamSet, ParamSpec};
    use crate::problem::EvalError;

    /// A model with two local optima in `a` (a ≈ +2 fits best, a ≈ −2 nearly as well), that cannot
    /// be evaluated for a in (−0.5, −0.3).
    fn bimodal() -> Calibration<impl Predictor + Clone + Send + Sync> {
        let t: Vec<f64> = (0..10).map(f64::from).collect();
        let y: Vec<f64> = t
            .iter()
            .map(|t| 4.0 * t + 0.01 * t * t + 0.05 * (3.0 * t).sin())
            .collect();
        let params = ParamSet::new(vec![ParamSpec::new("a", 1.0, -5.0, 5.0)]).unwrap();
        let series = vec![Series {
            name: "y".into(),
            observed: y,
            error: ErrorModel::Normal { sigma: None },
        }];
        let model = FnPredictor(move |p: &[f64], out: &mut [f64]| {
            if p[0] > -0.5 && p[0] < -0.3 {
                return Err(EvalError::new("step size underflow"));
            }
            for (o, t) in out.iter_mut().zip(&t) {
                *o = p[0] * p[0] * t + 0.01 * p[0].signum() * t * t;
            }
            Ok(())
        });
        Calibration::new(params, series, model).unwrap()
    }

    #[test]
    fn failures_are_recorded_and_the_best_start_wins_for_any_thread_count() {
        let cal = bimodal();
        let starts: Vec<Vec<f64>> = [-4.0, -0.4, -1.0, 0.7, 3.0]
            .iter()
            .map(|v| vec![*v])
            .collect();
        let run = |threads| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap()
                .install(|| {
                    multistart(&cal, &starts, &EstimateOptions::default(), None, None).unwrap()
                })
        };
        let one = run(1);
        assert_eq!(one, run(2));
        assert_eq!(one.outcomes.len(), 5);
        let failed: Vec<usize> = one.failures().map(|(i, _)| i).collect();
        assert_eq!(
            failed,
            vec![1],
            "start at −0.4 cannot be evaluated: {:?}",
            one.failures().collect::<Vec<_>>()
        );
        assert!(one.failures().next().unwrap().1.contains("underflow"));
        let best = one.best_estimate();
        assert!((best.x[0] - 2.0).abs() < 1e-2, "{:?}", best.x);
        assert_eq!(one.reached_best, 2);
    }

    #[test]
    fn resumed_multistart_equals_uninterrupted() {
        let cal = bimodal();
        let starts: Vec<Vec<f64>> = [-4.0, -1.0, 0.7, 3.0, 4.5]
            .iter()
            .map(|v| vec![*v])
            .collect();
        let full = multistart(&cal, &starts, &EstimateOptions::default(), None, None).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let cp = Checkpoint::new(dir.path().join("ms.json"), "fp");
        // A "killed" run that only got through the first two starts.
        multistart(
            &cal,
            &starts[..2],
            &EstimateOptions::default(),
            Some(&cp),
            None,
        )
        .unwrap();
        let calls = std::sync::atomic::AtomicUsize::new(0);
        let count = |_done: usize| {
            calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        };
        let resumed = multistart(
            &cal,
            &starts,
            &EstimateOptions::default(),
            Some(&cp),
            Some(&count),
        )
        .unwrap();
        assert_eq!(resumed, full);
        assert_eq!(
            calls.into_inner(),
            3,
            "only the three unfinished starts ran again"
        );
    }
}
