//! Keeping the runs themselves next to another analysis's summary (for `save_sample`).
//!
//! The summary is `[inner length, inner summary..., rows...]`, each row the run's index in the
//! whole design, its parameter values, then its outputs, in run order. The index is kept
//! because the rows of groups left out after a failed run are missing: `sample.csv` and
//! `outputs.csv` must still name each run as `failures.csv` and the design do. Merging merges
//! the inner summaries and concatenates the rows, so sharded runs keep their rows too. Memory grows with the number of
//! runs: use it when the sample is wanted, not for a million runs.

use super::{Analysis, BlockData};

pub struct WithRuns<'a> {
    inner: &'a dyn Analysis,
    dims: usize,
    columns: usize,
}

impl<'a> WithRuns<'a> {
    pub fn new(inner: &'a dyn Analysis, dims: usize, columns: usize) -> Self {
        WithRuns {
            inner,
            dims,
            columns,
        }
    }

    /// Splits a summary into the inner analysis's summary and the rows.
    pub fn split(summary: &[f64]) -> (&[f64], &[f64]) {
        let len = summary.first().copied().unwrap_or(0.0) as usize;
        (&summary[1..1 + len], &summary[1 + len..])
    }

    /// The kept runs from the rows part of a summary.
    pub fn runs(&self, rows: &[f64]) -> SavedRuns {
        let width = 1 + self.dims + self.columns;
        let mut saved = SavedRuns::default();
        for row in rows.chunks_exact(width) {
            // Exact: run indices are far below 2^53.
            saved.ids.push(row[0] as usize);
            saved.values.extend_from_slice(&row[1..1 + self.dims]);
            saved.outputs.extend_from_slice(&row[1 + self.dims..]);
        }
        saved
    }
}

/// The runs kept with `save_sample`, in run order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SavedRuns {
    /// Each run's index in the whole design (runs of left-out groups are absent).
    pub ids: Vec<usize>,
    /// Parameter values, one row of `dims` per run.
    pub values: Vec<f64>,
    /// Outputs, one row of `columns` per run.
    pub outputs: Vec<f64>,
}

impl Analysis for WithRuns<'_> {
    fn name(&self) -> &'static str {
        self.inner.name()
    }
    fn layout(&self) -> String {
        format!("{} +indexed-runs", self.inner.layout())
    }
    fn summarise(&self, block: &BlockData) -> Vec<f64> {
        let inner = self.inner.summarise(block);
        let rows = block.outputs.len() / self.columns.max(1);
        let mut out = Vec::with_capacity(1 + inner.len() + rows * (1 + self.dims + self.columns));
        out.push(inner.len() as f64);
        out.extend_from_slice(&inner);
        let per_group = rows / block.groups.max(1);
        let first_run = block.first_group * per_group;
        for r in (0..rows).filter(|&r| block.valid[r / per_group.max(1)]) {
            out.push((first_run + r) as f64);
            out.extend_from_slice(&block.values[r * self.dims..(r + 1) * self.dims]);
            out.extend_from_slice(&block.outputs[r * self.columns..(r + 1) * self.columns]);
        }
        out
    }
    fn merge(&self, left: &mut Vec<f64>, right: &[f64]) {
        let (li, lr) = WithRuns::split(left);
        let (ri, rr) = WithRuns::split(right);
        let mut inner = li.to_vec();
        self.inner.merge(&mut inner, ri);
        let mut out = Vec::with_capacity(1 + inner.len() + lr.len() + rr.len());
        out.push(inner.len() as f64);
        out.extend_from_slice(&inner);
        out.extend_from_slice(lr);
        out.extend_from_slice(rr);
        *left = out;
    }
}
