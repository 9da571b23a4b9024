//! Results do not depend on the number of threads or on how the runs are split into shards,
//! and merging shards' partial results gives the single-run result bit for bit.

use pressure_sensitivity::partial::{merge_partials, Partial, RunIdentity};
use pressure_sensitivity::prelude::*;

/// Two outputs so that multi-column layouts are exercised; a workspace so that the per-worker
/// scratch path is exercised too.
struct TwoOutputs;

impl Evaluator for TwoOutputs {
    type Workspace = Vec<f64>;
    fn n_outputs(&self) -> usize {
        2
    }
    fn workspace(&self) -> Vec<f64> {
        vec![0.0; 4]
    }
    fn evaluate(&self, ws: &mut Vec<f64>, x: &[f64], y: &mut [f64]) -> Result<(), String> {
        ws.copy_from_slice(x);
        y[0] = ws[0].sin() + 7.0 * ws[1].sin().powi(2) + 0.1 * ws[2].powi(4) * ws[0].sin();
        y[1] = 1e6 + ws[0] * ws[1] + (ws[3] * 3.0).exp();
        Ok(())
    }
}

fn model() -> TwoOutputs {
    TwoOutputs
}

fn space() -> ParameterSpace {
    ParameterSpace::new(vec![
        Parameter {
            name: "a".into(),
            distribution: Distribution::uniform("a", -3.0, 3.0).unwrap(),
        },
        Parameter {
            name: "b".into(),
            distribution: Distribution::normal("b", 0.0, 1.0).unwrap(),
        },
        Parameter {
            name: "c".into(),
            distribution: Distribution::triangular("c", -2.0, 0.5, 3.0).unwrap(),
        },
        Parameter {
            name: "d".into(),
            distribution: Distribution::lognormal("d", -1.0, 0.3).unwrap(),
        },
    ])
    .unwrap()
}

fn bits(v: &[f64]) -> Vec<u64> {
    v.iter().map(|x| x.to_bits()).collect()
}

fn single_run(design: &dyn Design, analysis: &dyn Analysis, threads: usize) -> Vec<f64> {
    let (space, model) = (space(), model());
    let job = Job::new(design, &space, &model, analysis);
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap()
        .install(|| run_all(&job).unwrap())
}

fn identity(seed: u64, analysis: &dyn Analysis, design: &dyn Design) -> RunIdentity {
    let plan = Plan::for_design(design);
    RunIdentity {
        experiment_sha256: "0123456789abcdef".into(),
        seed,
        layout: analysis.layout(),
        n_groups: plan.n_groups,
        block_groups: plan.block_groups,
    }
}

/// Runs every shard of an `count`-way split, round-trips each through its on-disk bytes.
fn shard_partials(
    design: &dyn Design,
    analysis: &dyn Analysis,
    id: &RunIdentity,
    count: usize,
) -> Vec<Partial> {
    let (space, model) = (space(), model());
    let plan = Plan::for_design(design);
    (1..=count)
        .map(|i| {
            let job = Job::new(design, &space, &model, analysis);
            let blocks = plan.shard_blocks(i, count).unwrap();
            let (pieces, failures) = job.run(blocks).unwrap();
            let p = Partial::new(
                id.clone(),
                (i, count),
                0,
                pieces,
                failures,
                serde_json::Value::Null,
            );
            Partial::from_bytes("test", &p.header_json(), &p.binary()).unwrap()
        })
        .collect()
}

fn check_design(design: &dyn Design, analysis: &dyn Analysis) {
    let reference = single_run(design, analysis, 1);
    for threads in [2, 3, 4] {
        assert_eq!(
            bits(&reference),
            bits(&single_run(design, analysis, threads)),
            "{threads} threads"
        );
    }
    let id = identity(11, analysis, design);
    for count in [1, 2, 3, 5, 8, 13] {
        let mut partials = shard_partials(design, analysis, &id, count);
        partials.reverse(); // order of the directories on the command line must not matter
        let names: Vec<String> = (0..count).map(|i| format!("shard{i}")).collect();
        let merged = merge_partials(analysis, &id, partials, &names).unwrap().0;
        assert_eq!(
            bits(&reference),
            bits(&merged),
            "{count} shards of {}",
            design.name()
        );
    }
}

#[test]
fn sobol_is_thread_and_shard_independent() {
    let design = SaltelliDesign::new(4, 512, true, Some(3)).unwrap();
    let analysis = SobolAnalysis::new(4, true, vec![50, 20], 3, 0.95);
    check_design(&design, &analysis);
}

#[test]
fn morris_is_thread_and_shard_independent() {
    let design = MorrisDesign::new(4, 300, 4, 5, None, &space().bounded()).unwrap();
    let analysis = MorrisAnalysis::new(4, design.delta(), 2, 100, 5, 0.95);
    check_design(&design, &analysis);
}

#[test]
fn monte_carlo_is_thread_and_shard_independent() {
    let design = LatinHypercube::new(4, 3000, 9).unwrap();
    let analysis = MonteCarloAnalysis::new(4, 2, vec![0.05, 0.5, 0.95]);
    check_design(&design, &analysis);
}

#[test]
fn merge_rejects_mismatched_partials() {
    let design = SaltelliDesign::new(4, 256, false, Some(1)).unwrap();
    let analysis = SobolAnalysis::new(4, false, vec![10, 10], 1, 0.95);
    let id = identity(1, &analysis, &design);
    let names: Vec<String> = (0..4).map(|i| format!("dir{i}")).collect();
    let good = shard_partials(&design, &analysis, &id, 3);

    let mut other_seed = id.clone();
    other_seed.seed = 2;
    let e = merge_partials(&analysis, &other_seed, good.clone(), &names)
        .unwrap_err()
        .to_string();
    assert!(e.contains("seed 1") && e.contains("seed 2"), "{e}");

    let mut other_file = id.clone();
    other_file.experiment_sha256 = "ffffffffffffffff".into();
    let e = merge_partials(&analysis, &other_file, good.clone(), &names)
        .unwrap_err()
        .to_string();
    assert!(e.contains("different experiment file"), "{e}");

    let e = merge_partials(&analysis, &id, good[..2].to_vec(), &names)
        .unwrap_err()
        .to_string();
    assert!(e.contains("missing shard(s) 3/3"), "{e}");

    let mut twice = good.clone();
    twice.push(good[1].clone());
    let e = merge_partials(&analysis, &id, twice, &names)
        .unwrap_err()
        .to_string();
    assert!(e.contains("given twice"), "{e}");

    let mut mixed = shard_partials(&design, &analysis, &id, 2);
    mixed.push(good[2].clone());
    let e = merge_partials(&analysis, &id, mixed, &names)
        .unwrap_err()
        .to_string();
    assert!(e.contains("same --shard I/N split"), "{e}");

    let p = &good[0];
    let mut bin = p.binary();
    bin.truncate(bin.len() - 8);
    let e = Partial::from_bytes("dir0", &p.header_json(), &bin)
        .unwrap_err()
        .to_string();
    assert!(e.contains("dir0") && e.contains("does not match"), "{e}");
}

#[test]
fn failing_and_non_finite_runs_are_reported() {
    let space = space();
    let design = LatinHypercube::new(4, 100, 1).unwrap();
    let analysis = MonteCarloAnalysis::new(4, 1, vec![0.5]);
    let bad = FnEvaluator::new(1, |x: &[f64], y: &mut [f64]| {
        y[0] = if x[0] > 2.5 { f64::NAN } else { x[0] };
        Ok(())
    });
    let job = Job::new(&design, &space, &bad, &analysis);
    let e = run_all(&job).unwrap_err().to_string();
    assert!(
        e.contains("non-finite") && e.contains("output 0") && e.contains("a="),
        "{e}"
    );

    let failing = FnEvaluator::new(1, |x: &[f64], _: &mut [f64]| {
        if x[1] > 1.0 {
            Err("solver diverged".to_string())
        } else {
            Ok(())
        }
    });
    let job = Job::new(&design, &space, &failing, &analysis);
    let e = run_all(&job).unwrap_err().to_string();
    assert!(
        e.contains("solver diverged") && e.contains("model run"),
        "{e}"
    );
}

/// Fails (non-finite output) whenever parameter `a` is above 2.
struct Fragile;

impl Evaluator for Fragile {
    type Workspace = ();
    fn n_outputs(&self) -> usize {
        1
    }
    fn workspace(&self) {}
    fn evaluate(&self, _: &mut (), x: &[f64], y: &mut [f64]) -> Result<(), String> {
        y[0] = if x[0] > 2.0 {
            f64::NAN
        } else {
            x[0].sin() + 7.0 * x[1].sin().powi(2) + x[2]
        };
        Ok(())
    }
}

#[test]
fn dropped_groups_are_the_same_for_any_split_and_leave_exact_indices() {
    use pressure_sensitivity::analysis::sobol::sobol_from_outputs;
    use pressure_sensitivity::engine::run_all_with_failures;
    let space = space();
    let design = SaltelliDesign::new(4, 256, false, Some(8)).unwrap();
    let analysis = SobolAnalysis::new(4, false, vec![0], 8, 0.95);
    let run = |threads: usize| {
        let mut job = Job::new(&design, &space, &Fragile, &analysis);
        job.on_failure = OnFailure::DropGroup;
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| run_all_with_failures(&job).unwrap())
    };
    let (summary, failures) = run(1);
    let (summary3, failures3) = run(3);
    assert_eq!(bits(&summary), bits(&summary3));
    assert_eq!(failures, failures3);
    assert!(
        failures.count > 10 && failures.count < 256,
        "{}",
        failures.count
    );
    let dropped: Vec<usize> = failures.listed.iter().map(|f| f.group).collect();
    assert!(
        dropped.windows(2).all(|w| w[0] < w[1]),
        "one failure listed per group"
    );

    // The indices equal SALib's estimators on the kept base points alone.
    let gs = design.group_size();
    let unit = design.all_unit_rows();
    let mut values = vec![0.0; unit.len()];
    space.rows_to_values(&unit, &mut values);
    let mut kept = Vec::new();
    for g in (0..256).filter(|g| !dropped.contains(g)) {
        for r in g * gs..(g + 1) * gs {
            let mut y = [0.0];
            Fragile
                .evaluate(&mut (), &values[r * 4..r * 4 + 4], &mut y)
                .unwrap();
            kept.push(y[0]);
        }
    }
    let reference = &sobol_from_outputs(&kept, 4, 1, false, 0, 0, 0.95).unwrap()[0];
    let streamed = &analysis.finalize(&summary)[0];
    for j in 0..4 {
        assert!((streamed.first[j].value - reference.first[j].value).abs() < 1e-12);
        assert!((streamed.total[j].value - reference.total[j].value).abs() < 1e-12);
    }
}

/// A job whose cancel flag is set (by another thread; here by its own progress callback after
/// the first block) stops: no block starts after the flag is seen, and the result is
/// `Cancelled`, not a partial analysis. Without the flag the same job runs every run.
#[test]
fn a_cancelled_job_stops_early_with_cancelled() {
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    let space = space();
    let design = LatinHypercube::new(4, 100_000, 1).unwrap();
    let analysis = MonteCarloAnalysis::new(4, 1, vec![0.5]);
    let evaluated = AtomicUsize::new(0);
    let counting = FnEvaluator::new(1, |x: &[f64], y: &mut [f64]| {
        evaluated.fetch_add(1, Ordering::Relaxed);
        y[0] = x[0];
        Ok(())
    });
    let cancel = AtomicBool::new(false);
    let stop = |_done: usize| cancel.store(true, Ordering::Relaxed);
    let mut job = Job::new(&design, &space, &counting, &analysis);
    job.progress = Some(&stop);
    job.cancel = Some(&cancel);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .build()
        .unwrap();
    let e = pool.install(|| run_all(&job)).unwrap_err();
    assert!(matches!(e, SensitivityError::Cancelled), "{e}");
    let runs = evaluated.load(Ordering::Relaxed);
    assert!(runs > 0 && runs < 100_000 / 4, "{runs} of 100000 runs made");

    evaluated.store(0, Ordering::Relaxed);
    let whole = Job::new(&design, &space, &counting, &analysis);
    run_all(&whole).unwrap();
    assert_eq!(evaluated.load(Ordering::Relaxed), 100_000);
}
