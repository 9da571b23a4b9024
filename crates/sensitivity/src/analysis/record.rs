//! Keeping the runs themselves next to another analysis's summary (for `save_sample`).
//!
//! The summary is `[inner length, inner summary..., rows...]`, each row the parameter values
//! then the outputs of one run, in run order. Merging merges the inner summaries and
//! concatenates the rows, so sharded runs keep their rows too. Memory grows with the number of
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

    /// `(values, outputs)` of all runs from the rows part of a summary.
    pub fn runs(&self, rows: &[f64]) -> (Vec<f64>, Vec<f64>) {
        let width = self.dims + self.columns;
        let mut values = Vec::new();
        let mut outputs = Vec::new();
        for row in rows.chunks_exact(width) {
            values.extend_from_slice(&row[..self.dims]);
            outputs.extend_from_slice(&row[self.dims..]);
        }
        (values, outputs)
    }
}

impl Analysis for WithRuns<'_> {
    fn name(&self) -> &'static str {
        self.inner.name()
    }
    fn layout(&self) -> String {
        format!("{} +runs", self.inner.layout())
    }
    fn summarise(&self, block: &BlockData) -> Vec<f64> {
        let inner = self.inner.summarise(block);
        let rows = block.outputs.len() / self.columns.max(1);
        let mut out = Vec::with_capacity(1 + inner.len() + rows * (self.dims + self.columns));
        out.push(inner.len() as f64);
        out.extend_from_slice(&inner);
        let per_group = rows / block.groups.max(1);
        for r in (0..rows).filter(|&r| block.valid[r / per_group.max(1)]) {
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
