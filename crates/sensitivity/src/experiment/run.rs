//! Running a prepared experiment (whole, or one shard) and merging shards.

use super::evaluator::ModelEvaluator;
use super::prepared::{Method, Prepared, RunSpec};
use super::report::{Report, ResultSet};
use super::ExperimentError;
use crate::analysis::montecarlo::MonteCarloAnalysis;
use crate::analysis::morris::MorrisAnalysis;
use crate::analysis::oat::oat_swings;
use crate::analysis::record::WithRuns;
use crate::analysis::sobol::SobolAnalysis;
use crate::analysis::Analysis;
use crate::design::Design;
use crate::engine::{run_all_with_failures, Failures, Job, Plan};
use crate::error::SensitivityError;
use crate::partial::{merge_partials, Partial, RunIdentity};
use std::sync::atomic::AtomicBool;

/// How to run: the seed, optionally one shard `(index, count)` (1-based), and a progress
/// callback receiving the number of runs done.
pub struct RunOptions<'a> {
    pub seed: u64,
    pub shard: Option<(usize, usize)>,
    pub progress: Option<&'a (dyn Fn(usize) + Sync)>,
}

/// A finished analysis, or one shard's partial result.
// One value per run, moved once: the size difference of the variants costs nothing.
#[allow(clippy::large_enum_variant)]
pub enum Outcome {
    Complete(Report),
    Partial(Partial),
}

/// The estimator a spec asks for.
enum AnyAnalysis {
    Sobol(SobolAnalysis),
    Morris(MorrisAnalysis),
    MonteCarlo(MonteCarloAnalysis),
}

impl AnyAnalysis {
    fn new(spec: &RunSpec, design: &dyn Design) -> AnyAnalysis {
        let d = spec.parameters.len();
        let factors = spec.factor_names().len();
        let cols = spec.columns.len();
        let per_column = |scalar: usize, series: usize| -> Vec<usize> {
            (0..cols)
                .map(|c| {
                    if c < spec.scalar_columns {
                        scalar
                    } else {
                        series
                    }
                })
                .collect()
        };
        match &spec.method {
            Method::Sobol {
                second_order,
                bootstrap,
                bootstrap_over_time,
                confidence,
                ..
            } => AnyAnalysis::Sobol(SobolAnalysis::new(
                factors,
                *second_order,
                per_column(*bootstrap, *bootstrap_over_time),
                spec.seed,
                *confidence,
            )),
            // Morris bootstraps whole trajectories, one resample count for all columns.
            Method::Morris {
                levels,
                bootstrap,
                confidence,
                ..
            } => {
                let delta = *levels as f64 / (2.0 * (*levels as f64 - 1.0));
                AnyAnalysis::Morris(MorrisAnalysis::new(
                    d,
                    delta,
                    cols,
                    *bootstrap,
                    spec.seed,
                    *confidence,
                ))
            }
            Method::MonteCarlo { quantiles, .. } => {
                AnyAnalysis::MonteCarlo(MonteCarloAnalysis::new(d, cols, quantiles.clone()))
            }
            Method::Oat { .. } => unreachable!("one-at-a-time is not streamed ({})", design.name()),
        }
    }

    fn as_dyn(&self) -> &dyn Analysis {
        match self {
            AnyAnalysis::Sobol(a) => a,
            AnyAnalysis::Morris(a) => a,
            AnyAnalysis::MonteCarlo(a) => a,
        }
    }

    fn finalize(&self, summary: &[f64]) -> ResultSet {
        match self {
            AnyAnalysis::Sobol(a) => ResultSet::Sobol(a.finalize(summary)),
            AnyAnalysis::Morris(a) => ResultSet::Morris(a.finalize(summary)),
            AnyAnalysis::MonteCarlo(a) => ResultSet::MonteCarlo(a.finalize(summary, true)),
        }
    }
}

/// The streamed pieces of a spec: design, analysis, plan.
struct Streamed {
    design: Box<dyn Design>,
    analysis: AnyAnalysis,
    plan: Plan,
}

fn streamed(spec: &RunSpec) -> Result<Streamed, ExperimentError> {
    let design = spec.design()?.ok_or_else(|| {
        SensitivityError::InvalidSetting("one-at-a-time experiments are not streamed".into())
    })?;
    let analysis = AnyAnalysis::new(spec, design.as_ref());
    let plan = Plan::for_design(design.as_ref());
    Ok(Streamed {
        design,
        analysis,
        plan,
    })
}

fn identity(spec: &RunSpec, analysis: &dyn Analysis, plan: Plan) -> RunIdentity {
    RunIdentity {
        experiment_sha256: spec.experiment_sha256.clone(),
        seed: spec.seed,
        layout: format!("{} model={}", analysis.layout(), spec.model_sha256),
        n_groups: plan.n_groups,
        block_groups: plan.block_groups,
    }
}

fn finish(spec: &RunSpec, s: &Streamed, summary: &[f64], failures: Failures) -> Report {
    let d = spec.parameters.len();
    let cols = spec.columns.len();
    let (inner, runs) = if spec.save_sample {
        let (inner, rows) = WithRuns::split(summary);
        let w = WithRuns::new(s.analysis.as_dyn(), d, cols);
        (inner, Some(w.runs(rows)))
    } else {
        (summary, None)
    };
    Report {
        spec: spec.clone(),
        results: s.analysis.finalize(inner),
        runs,
        n_runs: s.design.n_runs(),
        failures,
    }
}

impl Prepared {
    /// Model runs the whole design (or one shard of it) makes.
    pub fn planned_runs(&self, shard: Option<(usize, usize)>) -> Result<usize, ExperimentError> {
        let spec = &self.spec;
        let Some(design) = spec.design()? else {
            return Ok(1 + 2 * spec.parameters.len());
        };
        let plan = Plan::for_design(design.as_ref());
        let blocks = match shard {
            Some((i, n)) => plan.shard_blocks(i, n)?,
            None => 0..plan.n_blocks(),
        };
        let g0 = (blocks.start * plan.block_groups).min(plan.n_groups);
        let g1 = (blocks.end * plan.block_groups).min(plan.n_groups);
        Ok((g1 - g0) * design.group_size())
    }

    /// Runs the experiment with `options.seed`: the whole design (a [`Report`]) or one shard
    /// (a [`Partial`] for [`merge`]).
    pub fn run(&self, options: &RunOptions) -> Result<Outcome, ExperimentError> {
        self.run_cancellable(options, None)
    }

    /// [`Prepared::run`] that stops early, with [`SensitivityError::Cancelled`], once `cancel`
    /// is set (from another thread: the Python bindings set it on Ctrl-C). A one-at-a-time
    /// experiment (1 + 2D runs) is not cancelled.
    pub fn run_cancellable(
        &self,
        options: &RunOptions,
        cancel: Option<&AtomicBool>,
    ) -> Result<Outcome, ExperimentError> {
        let mut spec = self.spec.clone();
        spec.seed = options.seed;
        let evaluator = ModelEvaluator::new(self);
        if let Method::Oat { swing } = spec.method {
            if options.shard.is_some() {
                return Err(SensitivityError::InvalidSetting(
                    "a one-at-a-time experiment makes only 1 + 2D runs and is not sharded; run it without --shard".into(),
                )
                .into());
            }
            let names: Vec<&str> = spec.parameters.iter().map(|p| p.name.as_str()).collect();
            let low: Vec<f64> = spec
                .parameters
                .iter()
                .map(|p| p.distribution.quantile(swing[0]))
                .collect();
            let high: Vec<f64> = spec
                .parameters
                .iter()
                .map(|p| p.distribution.quantile(swing[1]))
                .collect();
            let result = oat_swings(&evaluator, &names, &self.base_values(), &low, &high)?;
            return Ok(Outcome::Complete(Report {
                n_runs: 1 + 2 * names.len(),
                spec,
                results: ResultSet::Oat(result),
                runs: None,
                failures: Failures::default(),
            }));
        }
        let s = streamed(&spec)?;
        let space = spec.space()?;
        let with_runs = WithRuns::new(s.analysis.as_dyn(), space.dims(), spec.columns.len());
        let analysis: &dyn Analysis = if spec.save_sample {
            &with_runs
        } else {
            s.analysis.as_dyn()
        };
        let mut job = Job::new(s.design.as_ref(), &space, &evaluator, analysis);
        job.plan = s.plan;
        job.progress = options.progress;
        job.on_failure = spec.on_failure;
        job.cancel = cancel;
        match options.shard {
            None => {
                let (summary, failures) = run_all_with_failures(&job)?;
                Ok(Outcome::Complete(finish(&spec, &s, &summary, failures)))
            }
            Some((index, count)) => {
                let blocks = s.plan.shard_blocks(index, count)?;
                let runs = self.planned_runs(Some((index, count)))?;
                let (pieces, failures) = job.run(blocks)?;
                let context = serde_json::to_value(&spec).expect("spec serialises");
                Ok(Outcome::Partial(Partial::new(
                    identity(&spec, analysis, s.plan),
                    (index, count),
                    runs,
                    pieces,
                    failures,
                    context,
                )))
            }
        }
    }
}

/// Merges the partial results of all shards of one run — `(name, partial.json, partial.bin)`
/// for each shard directory — into the report a single run would have produced (bit for bit).
pub fn merge(partials: Vec<(String, Vec<u8>, Vec<u8>)>) -> Result<Report, ExperimentError> {
    if partials.is_empty() {
        return Err(SensitivityError::Merge("no partial results given".into()).into());
    }
    let mut names = Vec::new();
    let mut parsed = Vec::new();
    for (name, json, bin) in &partials {
        parsed.push(Partial::from_bytes(name, json, bin)?);
        names.push(name.clone());
    }
    let spec: RunSpec = serde_json::from_value(parsed[0].header.context.clone()).map_err(|e| {
        SensitivityError::Merge(format!("{}: unreadable run description ({e})", names[0]))
    })?;
    for (p, name) in parsed.iter().zip(&names).skip(1) {
        let other: RunSpec = serde_json::from_value(p.header.context.clone()).map_err(|e| {
            SensitivityError::Merge(format!("{name}: unreadable run description ({e})"))
        })?;
        if other.experiment_sha256 != spec.experiment_sha256 {
            return Err(SensitivityError::Merge(format!(
                "{name} was made from a different experiment file than {} ({} vs {}; sha256 {} vs {})",
                names[0],
                other.experiment,
                spec.experiment,
                &other.experiment_sha256[..12],
                &spec.experiment_sha256[..12]
            ))
            .into());
        }
        if other.seed != spec.seed {
            return Err(SensitivityError::Merge(format!(
                "{name} was run with seed {} but {} with seed {}: shards must share the seed",
                other.seed, names[0], spec.seed
            ))
            .into());
        }
        if other.model_sha256 != spec.model_sha256 {
            return Err(SensitivityError::Merge(format!(
                "{name} was run on a different version of the model file {} than {}",
                other.model, names[0]
            ))
            .into());
        }
        if other != spec {
            return Err(SensitivityError::Merge(format!(
                "{name} and {} describe different runs (scenarios or settings differ)",
                names[0]
            ))
            .into());
        }
    }
    let s = streamed(&spec)?;
    let space = spec.space()?;
    let with_runs = WithRuns::new(s.analysis.as_dyn(), space.dims(), spec.columns.len());
    let analysis: &dyn Analysis = if spec.save_sample {
        &with_runs
    } else {
        s.analysis.as_dyn()
    };
    let expected = identity(&spec, analysis, s.plan);
    let (summary, failures) = merge_partials(analysis, &expected, parsed, &names)?;
    Ok(finish(&spec, &s, &summary, failures))
}
