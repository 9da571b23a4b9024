//! Monte Carlo summaries of random, Latin hypercube or Sobol'-sequence designs: moments and
//! percentile bands of every output column (Monte Carlo envelopes when the columns are the
//! time points of a series), and partial rank correlation coefficients.
//!
//! Exact quantiles and ranks need every value, so this analysis keeps the parameter values and
//! outputs of its runs (`N × (D + columns)` numbers): it is exact and its shards merge bit for
//! bit, but its memory grows with N — unlike the Sobol' and Morris analyses. For a million runs,
//! keep the number of columns small (a few time points rather than every saved step).

use super::prcc::{prcc, Prcc};
use super::{Analysis, BlockData};
use pressure_stats::{quantile_sorted, Summary};
use serde::Serialize;

/// Keeps the runs of a one-run-per-group design.
#[derive(Debug, Clone)]
pub struct MonteCarloAnalysis {
    dims: usize,
    columns: usize,
    probs: Vec<f64>,
}

/// Distribution of one output column over the runs.
#[derive(Debug, Clone, Serialize)]
pub struct ColumnDistribution {
    pub mean: f64,
    pub sd: f64,
    pub min: f64,
    pub max: f64,
    /// Type-7 quantiles at the analysis' probabilities.
    pub quantiles: Vec<f64>,
    /// PRCC of each parameter with this column.
    pub prcc: Vec<Prcc>,
}

impl MonteCarloAnalysis {
    /// `probs`: probabilities of the percentile bands, e.g. `[0.05, 0.25, 0.5, 0.75, 0.95]`.
    pub fn new(dims: usize, columns: usize, probs: Vec<f64>) -> Self {
        MonteCarloAnalysis {
            dims,
            columns,
            probs,
        }
    }

    pub fn probs(&self) -> &[f64] {
        &self.probs
    }

    /// `(values, outputs)` of all runs, row-major, from the root summary.
    pub fn runs(&self, summary: &[f64]) -> (Vec<f64>, Vec<f64>) {
        let width = self.dims + self.columns;
        let mut values = Vec::with_capacity(summary.len() / width.max(1) * self.dims);
        let mut outputs = Vec::with_capacity(summary.len() / width.max(1) * self.columns);
        for row in summary.chunks_exact(width) {
            values.extend_from_slice(&row[..self.dims]);
            outputs.extend_from_slice(&row[self.dims..]);
        }
        (values, outputs)
    }

    /// Distribution and PRCC of each column; `with_prcc = false` skips the ranks.
    pub fn finalize(&self, summary: &[f64], with_prcc: bool) -> Vec<ColumnDistribution> {
        let (values, outputs) = self.runs(summary);
        let n = outputs.len() / self.columns.max(1);
        (0..self.columns)
            .map(|c| {
                let mut col: Vec<f64> = (0..n).map(|i| outputs[i * self.columns + c]).collect();
                let prcc = if with_prcc {
                    prcc(&values, self.dims, &col)
                } else {
                    Vec::new()
                };
                let s = Summary::of(&col);
                col.sort_by(f64::total_cmp);
                ColumnDistribution {
                    mean: s.mean(),
                    sd: s.std_dev(1),
                    min: s.min(),
                    max: s.max(),
                    quantiles: self
                        .probs
                        .iter()
                        .map(|&p| quantile_sorted(&col, p).unwrap_or(f64::NAN))
                        .collect(),
                    prcc,
                }
            })
            .collect()
    }
}

impl Analysis for MonteCarloAnalysis {
    fn name(&self) -> &'static str {
        "montecarlo"
    }
    fn layout(&self) -> String {
        format!(
            "montecarlo dims={} columns={} probs={:?}",
            self.dims, self.columns, self.probs
        )
    }
    fn summarise(&self, block: &BlockData) -> Vec<f64> {
        let (d, c) = (self.dims, self.columns);
        let rows = block.values.len() / d.max(1);
        let mut out = Vec::with_capacity(rows * (d + c));
        for r in (0..rows).filter(|&r| block.valid[r]) {
            out.extend_from_slice(&block.values[r * d..(r + 1) * d]);
            out.extend_from_slice(&block.outputs[r * c..(r + 1) * c]);
        }
        out
    }
    fn merge(&self, left: &mut Vec<f64>, right: &[f64]) {
        left.extend_from_slice(right);
    }
}
