//! Differential evolution (Storn & Price 1997), strategy `rand/1/bin` with dither (the scale
//! factor `F` drawn per generation from `[0.5, 1)`, Das et al. 2005) and scipy's stopping rule
//! (`std(f) ≤ atol + tol·|mean(f)|` over the population).
//!
//! Generations are synchronous: all trial vectors of generation `g` are built from the
//! population of generation `g − 1` with the generator `rng_for(seed, STREAM, g)`, then
//! evaluated in parallel. The result therefore depends only on the seed, never on the thread
//! count, and a run resumed from a checkpoint (population, values and generation number)
//! continues exactly as the uninterrupted run would have.

use super::{value_or_inf, Objective, ScalarReport};
use crate::checkpoint::Checkpoint;
use crate::error::CalibrateError;
use pressure_stats::rng::unit_open;
use pressure_stats::rng_for;
use rand::Rng;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// Random-stream number of differential evolution (see [`pressure_stats::rng`]).
pub const STREAM: u64 = 0xca_0001;

/// Settings of [`differential_evolution`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct DeOptions {
    /// Population size (`None`: `max(15 n, 20)`).
    pub population: Option<usize>,
    pub max_generations: usize,
    /// Range of the dithered scale factor `F`.
    pub scale: (f64, f64),
    /// Crossover probability.
    pub crossover: f64,
    /// Relative population-spread tolerance.
    pub tol: f64,
    /// Absolute population-spread tolerance.
    pub atol: f64,
    pub seed: u64,
    /// Save a checkpoint every this many generations (when a checkpoint is given).
    pub checkpoint_every: usize,
}

impl Default for DeOptions {
    fn default() -> Self {
        DeOptions {
            population: None,
            max_generations: 1000,
            scale: (0.5, 1.0),
            crossover: 0.7,
            tol: 0.01,
            atol: 0.0,
            seed: 0,
            checkpoint_every: 10,
        }
    }
}

/// The state a checkpoint holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeState {
    pub generation: usize,
    #[serde(with = "crate::checkpoint::bits")]
    pub population: Vec<Vec<f64>>,
    #[serde(with = "crate::checkpoint::bits")]
    pub values: Vec<f64>,
    pub evaluations: usize,
}

/// Evaluates `points` in parallel (one clone of `f` per rayon task group); failures are `+∞`.
pub(crate) fn par_values<O: Objective + Clone + Send + Sync>(
    f: &O,
    points: &[Vec<f64>],
) -> Vec<f64> {
    points
        .par_iter()
        .map_init(|| f.clone(), |g, x| value_or_inf(g, x))
        .collect()
}

/// Minimises `f` over the box `[lower, upper]`. `seeds` are points placed in the initial
/// population (e.g. the user's start values); the rest is drawn uniformly in the box.
///
/// ```
/// use pressure_calibrate::optim::{de::{differential_evolution, DeOptions}, FnObjective};
/// // Rastrigin in 2-D: many local minima, global minimum 0 at the origin.
/// let f = FnObjective::new(2, |x: &[f64]| {
///     Ok(20.0 + x.iter().map(|v| v * v - 10.0 * (2.0 * std::f64::consts::PI * v).cos()).sum::<f64>())
/// });
/// let opts = DeOptions { seed: 7, tol: 1e-8, ..Default::default() };
/// let r = differential_evolution(&f, &[-5.12, -5.12], &[5.12, 5.12], &[], &opts, None).unwrap();
/// assert!(r.value < 1e-6, "{r:?}");
/// ```
pub fn differential_evolution<O: Objective + Clone + Send + Sync>(
    f: &O,
    lower: &[f64],
    upper: &[f64],
    seeds: &[Vec<f64>],
    opts: &DeOptions,
    checkpoint: Option<&Checkpoint>,
) -> Result<ScalarReport, CalibrateError> {
    let n = f.n_params();
    if lower.len() != n || upper.len() != n {
        return Err(CalibrateError::invalid(format!(
            "differential evolution: bounds must have {n} entries"
        )));
    }
    for j in 0..n {
        if !(lower[j].is_finite() && upper[j].is_finite() && lower[j] < upper[j]) {
            return Err(CalibrateError::invalid(format!(
                "differential evolution needs a finite search range for parameter {j}, got [{}, {}]",
                lower[j], upper[j]
            )));
        }
    }
    let np = opts.population.unwrap_or((15 * n).max(20)).max(4);
    let (fmin, fmax) = opts.scale;

    let resumed = match checkpoint {
        Some(c) => c.load::<DeState>()?,
        None => None,
    };
    let mut state = match resumed {
        Some(s) if s.population.len() == np => s,
        Some(_) => {
            return Err(CalibrateError::Checkpoint {
                path: checkpoint
                    .map(|c| c.path().display().to_string())
                    .unwrap_or_default(),
                message: "the saved population has a different size: it belongs to another run"
                    .into(),
            })
        }
        None => {
            let mut rng = rng_for(opts.seed, STREAM, 0);
            let mut population: Vec<Vec<f64>> = seeds
                .iter()
                .take(np)
                .map(|s| {
                    s.iter()
                        .enumerate()
                        .map(|(j, v)| v.clamp(lower[j], upper[j]))
                        .collect()
                })
                .collect();
            while population.len() < np {
                population.push(
                    (0..n)
                        .map(|j| lower[j] + unit_open(&mut rng) * (upper[j] - lower[j]))
                        .collect(),
                );
            }
            let values = par_values(f, &population);
            DeState {
                generation: 0,
                evaluations: np,
                population,
                values,
            }
        }
    };

    let spread_ok = |values: &[f64]| {
        if values.iter().any(|v| !v.is_finite()) {
            return false;
        }
        let m = values.iter().sum::<f64>() / values.len() as f64;
        let sd =
            (values.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / values.len() as f64).sqrt();
        sd <= opts.atol + opts.tol * m.abs()
    };

    let mut converged = spread_ok(&state.values);
    while !converged && state.generation < opts.max_generations {
        let gen = state.generation + 1;
        let mut rng = rng_for(opts.seed, STREAM, gen as u64);
        let scale = fmin + (fmax - fmin) * unit_open(&mut rng);
        let trials: Vec<Vec<f64>> = (0..np)
            .map(|i| {
                let mut pick = |avoid: &[usize]| loop {
                    let r = rng.random_range(0..np);
                    if !avoid.contains(&r) {
                        break r;
                    }
                };
                let r1 = pick(&[i]);
                let r2 = pick(&[i, r1]);
                let r3 = pick(&[i, r1, r2]);
                let jrand = rng.random_range(0..n);
                (0..n)
                    .map(|j| {
                        let cross = unit_open(&mut rng) < opts.crossover || j == jrand;
                        let v = if cross {
                            state.population[r1][j]
                                + scale * (state.population[r2][j] - state.population[r3][j])
                        } else {
                            state.population[i][j]
                        };
                        if v < lower[j] || v > upper[j] {
                            lower[j] + unit_open(&mut rng) * (upper[j] - lower[j])
                        } else {
                            v
                        }
                    })
                    .collect()
            })
            .collect();
        let values = par_values(f, &trials);
        state.evaluations += np;
        for (i, (t, v)) in trials.into_iter().zip(values).enumerate() {
            if v <= state.values[i] {
                state.population[i] = t;
                state.values[i] = v;
            }
        }
        state.generation = gen;
        converged = spread_ok(&state.values);
        if let Some(c) = checkpoint {
            if gen % opts.checkpoint_every.max(1) == 0 || converged {
                c.save(&state)?;
            }
        }
    }
    let best = (0..np)
        .min_by(|&a, &b| state.values[a].total_cmp(&state.values[b]))
        .unwrap_or(0);
    if !state.values[best].is_finite() {
        return Err(CalibrateError::eval(
            "differential evolution",
            crate::problem::EvalError::new("the objective failed at every point of the population"),
        ));
    }
    Ok(ScalarReport {
        x: state.population[best].clone(),
        value: state.values[best],
        iterations: state.generation,
        evaluations: state.evaluations,
        converged,
        message: if converged {
            "population spread below tolerance".into()
        } else {
            format!("generation limit ({}) reached", opts.max_generations)
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::optim::FnObjective;

    fn rosen() -> impl Objective + Clone + Send + Sync {
        FnObjective::new(3, |x: &[f64]| {
            Ok((0..2)
                .map(|i| 100.0 * (x[i + 1] - x[i] * x[i]).powi(2) + (1.0 - x[i]).powi(2))
                .sum())
        })
    }

    #[test]
    fn result_does_not_depend_on_thread_count() {
        let opts = DeOptions {
            seed: 3,
            max_generations: 60,
            ..Default::default()
        };
        let run = |threads| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap()
                .install(|| {
                    differential_evolution(&rosen(), &[-2.0; 3], &[2.0; 3], &[], &opts, None)
                        .unwrap()
                })
        };
        assert_eq!(run(1), run(3));
    }

    #[test]
    fn resumed_run_matches_uninterrupted_run() {
        let dir = tempfile::tempdir().unwrap();
        let cp = Checkpoint::new(dir.path().join("de.json"), "test-fingerprint");
        let full = DeOptions {
            seed: 11,
            max_generations: 80,
            checkpoint_every: 5,
            ..Default::default()
        };
        let uninterrupted =
            differential_evolution(&rosen(), &[-2.0; 3], &[2.0; 3], &[], &full, None).unwrap();
        // "Kill" the run after 33 generations (the last checkpoint is at 30), then resume.
        let killed = DeOptions {
            max_generations: 33,
            ..full.clone()
        };
        differential_evolution(&rosen(), &[-2.0; 3], &[2.0; 3], &[], &killed, Some(&cp)).unwrap();
        let saved: DeState = cp.load().unwrap().unwrap();
        assert_eq!(saved.generation, 30);
        let resumed =
            differential_evolution(&rosen(), &[-2.0; 3], &[2.0; 3], &[], &full, Some(&cp)).unwrap();
        assert_eq!(resumed, uninterrupted);
    }

    #[test]
    fn infinite_search_range_is_rejected() {
        let e = differential_evolution(
            &rosen(),
            &[-2.0, f64::NEG_INFINITY, 0.0],
            &[2.0; 3],
            &[],
            &DeOptions::default(),
            None,
        )
        .unwrap_err();
        assert!(
            e.to_string()
                .contains("finite search range for parameter 1"),
            "{e}"
        );
    }
}
