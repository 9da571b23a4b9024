//! Running a design through a model and streaming the outputs into an analysis.
//!
//! **Determinism.** The design's groups are cut into blocks of `block_groups` consecutive
//! groups (a fixed function of the design, see [`default_block_groups`]). Block summaries are
//! merged along a fixed binary tree over the block indices: the node covering the aligned
//! range `[lo, hi)` (a power of two wide) is `merge(node(lo, mid), node(mid, hi))`, and a node
//! lying wholly beyond the last block is empty. Every number therefore comes from the same
//! sequence of floating-point operations whichever thread computed it — results are identical
//! for any thread count.
//!
//! **Shards.** Shard `I` of `N` takes blocks `[(I-1)·B/N, I·B/N)` and reports the largest tree
//! nodes lying wholly inside its range (at most about `2 log2 B` of them): a *partial result*.
//! [`combine_pieces`] rebuilds the root from the pieces of all shards with the same tree, so the
//! merged result is bitwise equal to a single run. Memory is a few block buffers per thread plus
//! `O(log B)` summaries, whatever the number of runs.

use crate::analysis::{Analysis, BlockData};
use crate::design::Design;
use crate::error::{Result, SensitivityError};
use crate::space::ParameterSpace;
use serde::{Deserialize, Serialize};
use std::ops::Range;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;

/// "Evaluate a parameter vector → outputs": what the engine needs from a model.
///
/// `Workspace` is per-thread scratch state (e.g. a reusable simulator), created once per
/// worker and reused for every run it makes, so evaluation need not allocate.
pub trait Evaluator: Sync {
    type Workspace: Send;
    /// Number of output values one run produces.
    fn n_outputs(&self) -> usize;
    /// Name of output `i` (for error messages).
    fn output_name(&self, i: usize) -> String {
        format!("output {i}")
    }
    /// Fresh scratch state for one worker.
    fn workspace(&self) -> Self::Workspace;
    /// Runs the model at `params`, writing `n_outputs()` values into `outputs`.
    fn evaluate(
        &self,
        ws: &mut Self::Workspace,
        params: &[f64],
        outputs: &mut [f64],
    ) -> std::result::Result<(), String>;
    /// Runs the model at every row of `params` (`status.len()` rows of equal length), writing
    /// row `r`'s `n_outputs()` values into `outputs[r * n_outputs()..]` and its outcome into
    /// `status[r]`: exactly what [`Evaluator::evaluate`] gives for that row. The default
    /// evaluates row by row; a model evaluator overrides it to run several rows at once (the
    /// batch backend of `pressure-sim`).
    fn evaluate_rows(
        &self,
        ws: &mut Self::Workspace,
        params: &[f64],
        outputs: &mut [f64],
        status: &mut [std::result::Result<(), String>],
    ) {
        let rows = status.len();
        if rows == 0 {
            return;
        }
        let (d, c) = (params.len() / rows, self.n_outputs());
        for (r, st) in status.iter_mut().enumerate() {
            *st = self.evaluate(
                ws,
                &params[r * d..(r + 1) * d],
                &mut outputs[r * c..(r + 1) * c],
            );
        }
    }
}

/// An [`Evaluator`] from a closure `(params, outputs) -> Result<(), String>`.
///
/// ```
/// use pressure_sensitivity::engine::{Evaluator, FnEvaluator};
/// let model = FnEvaluator::new(1, |x: &[f64], y: &mut [f64]| {
///     y[0] = x[0] * x[1];
///     Ok(())
/// });
/// let mut out = [0.0];
/// model.evaluate(&mut (), &[2.0, 3.0], &mut out).unwrap();
/// assert_eq!(out[0], 6.0);
/// ```
pub struct FnEvaluator<F> {
    outputs: usize,
    f: F,
}

impl<F> FnEvaluator<F>
where
    F: Fn(&[f64], &mut [f64]) -> std::result::Result<(), String> + Sync,
{
    pub fn new(outputs: usize, f: F) -> Self {
        FnEvaluator { outputs, f }
    }
}

impl<F> Evaluator for FnEvaluator<F>
where
    F: Fn(&[f64], &mut [f64]) -> std::result::Result<(), String> + Sync,
{
    type Workspace = ();
    fn n_outputs(&self) -> usize {
        self.outputs
    }
    fn workspace(&self) {}
    fn evaluate(
        &self,
        _: &mut (),
        params: &[f64],
        outputs: &mut [f64],
    ) -> std::result::Result<(), String> {
        (self.f)(params, outputs)
    }
}

/// Groups per block: about 256 runs per block, at least 4 groups. Depends on the design
/// only, never on threads or shards. Smaller blocks spread work over more threads and shards;
/// larger ones merge fewer summaries (a merge costs about as much as adding one group).
pub fn default_block_groups(group_size: usize) -> usize {
    256usize.div_ceil(group_size.max(1)).max(4)
}

/// A node of the merge tree with its summary: blocks `[lo, hi)`, `hi - lo` a power of two.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Piece {
    pub lo: usize,
    pub hi: usize,
    pub summary: Vec<f64>,
}

/// How the runs are cut and which part of them to run.
#[derive(Debug, Clone, Copy)]
pub struct Plan {
    pub n_groups: usize,
    pub block_groups: usize,
}

impl Plan {
    pub fn for_design(design: &dyn Design) -> Plan {
        Plan {
            n_groups: design.n_groups(),
            block_groups: default_block_groups(design.group_size()),
        }
    }
    pub fn n_blocks(&self) -> usize {
        self.n_groups.div_ceil(self.block_groups).max(1)
    }
    fn root_width(&self) -> usize {
        self.n_blocks().next_power_of_two()
    }
    /// Blocks of shard `index` (1-based) of `count`.
    pub fn shard_blocks(&self, index: usize, count: usize) -> Result<Range<usize>> {
        if count == 0 || index == 0 || index > count {
            return Err(SensitivityError::InvalidShard { index, count });
        }
        let b = self.n_blocks();
        Ok((index - 1) * b / count..index * b / count)
    }
    fn groups_of(&self, block: usize) -> Range<usize> {
        let start = block * self.block_groups;
        start.min(self.n_groups)..((block + 1) * self.block_groups).min(self.n_groups)
    }
    /// The maximal tree nodes inside `blocks`, in order.
    pub fn cover(&self, blocks: Range<usize>) -> Vec<(usize, usize)> {
        let mut out = Vec::new();
        self.cover_rec(0, self.root_width(), &blocks, &mut out);
        out
    }
    fn cover_rec(&self, lo: usize, hi: usize, want: &Range<usize>, out: &mut Vec<(usize, usize)>) {
        let real_hi = hi.min(self.n_blocks());
        if lo >= real_hi || real_hi <= want.start || lo >= want.end {
            return;
        }
        if want.start <= lo && real_hi <= want.end {
            out.push((lo, hi));
            return;
        }
        let mid = (lo + hi) / 2;
        self.cover_rec(lo, mid, want, out);
        self.cover_rec(mid, hi, want, out);
    }
}

/// What to do when a run fails (the model returns an error or a non-finite output).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OnFailure {
    /// Stop everything and report the failed run (with the lowest run index).
    Stop,
    /// Leave the failed run's whole group (Saltelli base point, Morris trajectory, Monte Carlo
    /// run) out of the analysis and list it in [`Failures`]. Which groups are dropped does not
    /// depend on threads or shards. Indices then describe the region of the parameter space
    /// where the model runs, which the report must say.
    DropGroup,
}

/// One failed run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FailedRun {
    pub run: usize,
    pub group: usize,
    pub message: String,
}

/// Runs that failed under [`OnFailure::DropGroup`]: how many, and the first
/// [`Failures::MAX_LISTED`] of them by run index.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Failures {
    pub count: usize,
    pub listed: Vec<FailedRun>,
}

impl Failures {
    pub const MAX_LISTED: usize = 1000;

    /// Adds another set of failures (order-independent: the list is kept sorted by run).
    pub fn merge(&mut self, other: Failures) {
        self.count += other.count;
        self.listed.extend(other.listed);
        self.listed.sort_by_key(|f| f.run);
        self.listed.truncate(Self::MAX_LISTED);
    }
}

/// Everything a run needs, borrowed.
pub struct Job<'a, E: Evaluator> {
    pub design: &'a dyn Design,
    pub space: &'a ParameterSpace,
    pub evaluator: &'a E,
    pub analysis: &'a dyn Analysis,
    pub plan: Plan,
    /// Called with the number of runs completed so far (from any thread).
    pub progress: Option<&'a (dyn Fn(usize) + Sync)>,
    pub on_failure: OnFailure,
    /// Set from another thread (e.g. on Ctrl-C in the Python bindings) to stop the job: no
    /// block starts after it is seen, and [`Job::run`] returns [`SensitivityError::Cancelled`].
    pub cancel: Option<&'a AtomicBool>,
}

impl<'a, E: Evaluator> Job<'a, E> {
    /// A job with the design's own block plan, no progress callback, stopping on failure.
    pub fn new(
        design: &'a dyn Design,
        space: &'a ParameterSpace,
        evaluator: &'a E,
        analysis: &'a dyn Analysis,
    ) -> Self {
        Job {
            design,
            space,
            evaluator,
            analysis,
            plan: Plan::for_design(design),
            progress: None,
            on_failure: OnFailure::Stop,
            cancel: None,
        }
    }
}

struct State<'a, E: Evaluator> {
    job: &'a Job<'a, E>,
    pool: Mutex<Vec<E::Workspace>>,
    done: AtomicUsize,
    failed: AtomicBool,
    error: Mutex<Option<SensitivityError>>,
    dropped: Mutex<Failures>,
}

impl<E: Evaluator> Job<'_, E> {
    /// Runs the blocks `blocks` and returns the tree pieces covering them, with the runs that
    /// failed when failed groups are dropped. Use `0..plan.n_blocks()` for the whole design
    /// (one piece: the root).
    pub fn run(&self, blocks: Range<usize>) -> Result<(Vec<Piece>, Failures)> {
        if self.design.dims() != self.space.dims() {
            return Err(SensitivityError::InvalidSetting(format!(
                "the design has {} parameters but the space {}",
                self.design.dims(),
                self.space.dims()
            )));
        }
        let state = State {
            job: self,
            pool: Mutex::new(Vec::new()),
            done: AtomicUsize::new(0),
            failed: AtomicBool::new(false),
            error: Mutex::new(None),
            dropped: Mutex::new(Failures::default()),
        };
        let nodes = self.plan.cover(blocks);
        let pieces: Vec<Option<Piece>> = {
            use rayon::prelude::*;
            nodes
                .par_iter()
                .map(|&(lo, hi)| state.node(lo, hi).map(|summary| Piece { lo, hi, summary }))
                .collect()
        };
        if let Some(err) = state.error.lock().expect("error slot").take() {
            return Err(err);
        }
        if self.cancelled() {
            return Err(SensitivityError::Cancelled);
        }
        let mut failures = state.dropped.into_inner().expect("failure list");
        failures.listed.sort_by_key(|f| f.run);
        failures.listed.truncate(Failures::MAX_LISTED);
        Ok((pieces.into_iter().flatten().collect(), failures))
    }
}

impl<E: Evaluator> Job<'_, E> {
    fn cancelled(&self) -> bool {
        self.cancel.is_some_and(|c| c.load(Ordering::Relaxed))
    }
}

impl<E: Evaluator> State<'_, E> {
    fn node(&self, lo: usize, hi: usize) -> Option<Vec<f64>> {
        if lo >= self.job.plan.n_blocks()
            || self.failed.load(Ordering::Relaxed)
            || self.job.cancelled()
        {
            return None;
        }
        if hi - lo == 1 {
            return self.leaf(lo);
        }
        let mid = (lo + hi) / 2;
        let (left, right) = rayon::join(|| self.node(lo, mid), || self.node(mid, hi));
        merge_opt(self.job.analysis, left, right)
    }

    fn leaf(&self, block: usize) -> Option<Vec<f64>> {
        let job = self.job;
        let groups = job.plan.groups_of(block);
        let count = groups.len();
        let gs = job.design.group_size();
        let d = job.design.dims();
        let cols = job.evaluator.n_outputs();
        let rows = count * gs;
        let mut unit = vec![0.0; rows * d];
        let mut values = vec![0.0; rows * d];
        let mut outputs = vec![0.0; rows * cols];
        job.design.fill_unit(groups.start, count, &mut unit);
        job.space.rows_to_values(&unit, &mut values);
        let mut ws = self
            .pool
            .lock()
            .expect("workspace pool")
            .pop()
            .unwrap_or_else(|| job.evaluator.workspace());
        let first_run = groups.start * gs;
        // Every run of the block at once (so an evaluator can run several together); then the
        // failures in run order, as if the runs had been made one by one.
        let mut status = vec![Ok(()); rows];
        job.evaluator
            .evaluate_rows(&mut ws, &values, &mut outputs, &mut status);
        let mut valid = vec![true; count];
        let mut dropped = Vec::new();
        'groups: for (g, group_ok) in valid.iter_mut().enumerate() {
            for r in g * gs..(g + 1) * gs {
                let x = &values[r * d..(r + 1) * d];
                let y = &outputs[r * cols..(r + 1) * cols];
                let run = first_run + r;
                let failure = match std::mem::replace(&mut status[r], Ok(())) {
                    Err(message) => Some(SensitivityError::RunFailed {
                        run,
                        params: describe(job.space, x),
                        message,
                    }),
                    Ok(()) => y.iter().position(|v| !v.is_finite()).map(|bad| {
                        SensitivityError::NonFinite {
                            run,
                            output: job.evaluator.output_name(bad),
                            params: describe(job.space, x),
                        }
                    }),
                };
                let Some(err) = failure else {
                    continue;
                };
                match job.on_failure {
                    OnFailure::Stop => {
                        self.fail(err);
                        return None;
                    }
                    OnFailure::DropGroup => {
                        *group_ok = false;
                        dropped.push(FailedRun {
                            run,
                            group: groups.start + g,
                            message: failure_message(&err),
                        });
                        continue 'groups;
                    }
                }
            }
        }
        if !dropped.is_empty() {
            let mut list = self.dropped.lock().expect("failure list");
            list.count += dropped.len();
            list.listed.extend(dropped);
        }
        self.pool.lock().expect("workspace pool").push(ws);
        let summary = job.analysis.summarise(&BlockData {
            first_group: groups.start,
            groups: count,
            unit: &unit,
            values: &values,
            outputs: &outputs,
            valid: &valid,
        });
        let done = self.done.fetch_add(rows, Ordering::Relaxed) + rows;
        if let Some(progress) = job.progress {
            progress(done);
        }
        Some(summary)
    }

    fn fail(&self, err: SensitivityError) {
        self.failed.store(true, Ordering::Relaxed);
        let mut slot = self.error.lock().expect("error slot");
        // Keep the error of the earliest run for a deterministic message.
        let keep_old = matches!((&*slot, &err), (Some(old), new) if run_of(old) <= run_of(new));
        if !keep_old {
            *slot = Some(err);
        }
    }
}

/// A failed run's message without the parameter list (kept short for the failure list).
fn failure_message(e: &SensitivityError) -> String {
    match e {
        SensitivityError::RunFailed { message, .. } => message.clone(),
        SensitivityError::NonFinite { output, .. } => {
            format!("non-finite value in output `{output}`")
        }
        other => other.to_string(),
    }
}

fn run_of(e: &SensitivityError) -> usize {
    match e {
        SensitivityError::RunFailed { run, .. } | SensitivityError::NonFinite { run, .. } => *run,
        _ => usize::MAX,
    }
}

fn describe(space: &ParameterSpace, x: &[f64]) -> String {
    space
        .names()
        .iter()
        .zip(x)
        .map(|(n, v)| format!("{n}={v}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn merge_opt(
    analysis: &dyn Analysis,
    left: Option<Vec<f64>>,
    right: Option<Vec<f64>>,
) -> Option<Vec<f64>> {
    match (left, right) {
        (Some(mut l), Some(r)) => {
            analysis.merge(&mut l, &r);
            Some(l)
        }
        (l, None) => l,
        (None, r) => r,
    }
}

/// Rebuilds the root summary from the pieces of all shards (any order), with the same tree a
/// single run uses. Errors if pieces overlap, are not tree nodes, or leave blocks uncovered.
pub fn combine_pieces(analysis: &dyn Analysis, plan: Plan, pieces: Vec<Piece>) -> Result<Vec<f64>> {
    let mut pieces = pieces;
    pieces.sort_by_key(|p| p.lo);
    let n_blocks = plan.n_blocks();
    let mut next = 0;
    for p in &pieces {
        let width = p.hi.wrapping_sub(p.lo);
        if p.hi <= p.lo || !width.is_power_of_two() || p.lo % width != 0 {
            return Err(SensitivityError::Merge(format!(
                "blocks {}..{} are not a node of the merge tree",
                p.lo, p.hi
            )));
        }
        if p.lo != next {
            return Err(SensitivityError::Merge(if p.lo > next {
                format!("blocks {next}..{} are missing (is a shard absent?)", p.lo)
            } else {
                format!(
                    "blocks {}..{next} appear twice (the same shard given twice?)",
                    p.lo
                )
            }));
        }
        next = p.hi.min(n_blocks).max(p.lo + 1);
    }
    if next < n_blocks {
        return Err(SensitivityError::Merge(format!(
            "blocks {next}..{n_blocks} are missing (is a shard absent?)"
        )));
    }
    fn build(
        analysis: &dyn Analysis,
        pieces: &mut Vec<Option<Piece>>,
        lo: usize,
        hi: usize,
        n_blocks: usize,
    ) -> Option<Vec<f64>> {
        if lo >= n_blocks {
            return None;
        }
        if let Some(slot) = pieces
            .iter_mut()
            .find(|p| matches!(p, Some(q) if q.lo == lo && q.hi == hi))
        {
            return slot.take().map(|p| p.summary);
        }
        let mid = (lo + hi) / 2;
        let left = build(analysis, pieces, lo, mid, n_blocks);
        let right = build(analysis, pieces, mid, hi, n_blocks);
        merge_opt(analysis, left, right)
    }
    let mut slots: Vec<Option<Piece>> = pieces.into_iter().map(Some).collect();
    build(analysis, &mut slots, 0, plan.root_width(), n_blocks)
        .ok_or_else(|| SensitivityError::Merge("no blocks to merge".into()))
}

/// Runs the whole design and returns the root summary (no sharding).
pub fn run_all<E: Evaluator>(job: &Job<E>) -> Result<Vec<f64>> {
    run_all_with_failures(job).map(|(summary, _)| summary)
}

/// Runs the whole design and returns the root summary and the runs that failed (dropped).
pub fn run_all_with_failures<E: Evaluator>(job: &Job<E>) -> Result<(Vec<f64>, Failures)> {
    let (pieces, failures) = job.run(0..job.plan.n_blocks())?;
    Ok((combine_pieces(job.analysis, job.plan, pieces)?, failures))
}

/// All rows of a design already in memory (e.g. outputs computed by another tool).
#[derive(Debug, Clone, Copy)]
pub struct InMemoryRuns<'a> {
    pub group_size: usize,
    pub dims: usize,
    pub columns: usize,
    /// Unit-hypercube rows, `dims` values each.
    pub unit: &'a [f64],
    /// Parameter values of the same rows.
    pub values: &'a [f64],
    /// Outputs, `columns` values per row.
    pub outputs: &'a [f64],
}

/// Summarises runs that are already in memory with the same blocks and tree as a streamed
/// run, so the result equals the streamed one bit for bit.
pub fn summarise_in_memory(analysis: &dyn Analysis, plan: Plan, runs: &InMemoryRuns) -> Vec<f64> {
    fn node(
        analysis: &dyn Analysis,
        plan: &Plan,
        lo: usize,
        hi: usize,
        leaf: &dyn Fn(usize) -> Vec<f64>,
    ) -> Option<Vec<f64>> {
        if lo >= plan.n_blocks() {
            return None;
        }
        if hi - lo == 1 {
            return Some(leaf(lo));
        }
        let mid = (lo + hi) / 2;
        let left = node(analysis, plan, lo, mid, leaf);
        let right = node(analysis, plan, mid, hi, leaf);
        merge_opt(analysis, left, right)
    }
    let (gs, d, c) = (runs.group_size, runs.dims, runs.columns);
    let all_valid = vec![true; plan.block_groups];
    let leaf = |block: usize| {
        let g = plan.groups_of(block);
        let (r0, r1) = (g.start * gs, g.end * gs);
        analysis.summarise(&BlockData {
            valid: &all_valid[..g.len()],
            first_group: g.start,
            groups: g.len(),
            unit: &runs.unit[r0 * d..r1 * d],
            values: &runs.values[r0 * d..r1 * d],
            outputs: &runs.outputs[r0 * c..r1 * c],
        })
    };
    node(analysis, &plan, 0, plan.root_width(), &leaf).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shard_covers_are_tree_nodes_and_partition() {
        for n_groups in [1usize, 5, 16, 17, 100, 1000] {
            let plan = Plan {
                n_groups,
                block_groups: 3,
            };
            for count in 1..=9 {
                let mut all = Vec::new();
                for i in 1..=count {
                    all.extend(plan.cover(plan.shard_blocks(i, count).unwrap()));
                }
                let mut next = 0;
                for &(lo, hi) in &all {
                    assert_eq!(lo, next);
                    assert!((hi - lo).is_power_of_two() && lo % (hi - lo) == 0);
                    next = hi.min(plan.n_blocks());
                }
                assert_eq!(next, plan.n_blocks());
            }
        }
        let plan = Plan {
            n_groups: 10,
            block_groups: 1,
        };
        assert!(plan.shard_blocks(0, 3).is_err());
        assert!(plan.shard_blocks(4, 3).is_err());
    }
}
