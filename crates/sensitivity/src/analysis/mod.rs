//! Estimators that consume model outputs block by block.
//!
//! An [`Analysis`] turns one block of consecutive groups into a *summary* (a flat `Vec<f64>`),
//! merges two summaries of adjacent ranges (left then right), and turns the summary of the
//! whole design into results. Summaries are flat so partial results of shards can be written
//! and read back bit for bit. The engine (`crate::engine`) merges them in a fixed tree over the
//! blocks, so the result does not depend on threads or shards.

pub mod montecarlo;
pub mod morris;
pub mod oat;
pub mod prcc;
pub mod record;
pub mod sobol;

/// The data of one block of groups handed to an analysis.
#[derive(Debug, Clone, Copy)]
pub struct BlockData<'a> {
    /// Index of the first group of the block in the whole design.
    pub first_group: usize,
    /// Number of groups in the block.
    pub groups: usize,
    /// Unit-hypercube rows (`groups * group_size` rows of `dims` values).
    pub unit: &'a [f64],
    /// Parameter values of the same rows.
    pub values: &'a [f64],
    /// Model outputs (`groups * group_size` rows of `columns` values).
    pub outputs: &'a [f64],
    /// Per group: false when one of its runs failed and the group must be left out.
    pub valid: &'a [bool],
}

/// A streaming estimator.
pub trait Analysis: Sync {
    /// Summary of one block.
    fn summarise(&self, block: &BlockData) -> Vec<f64>;
    /// Appends the summary of the range right after `left`'s range to `left`.
    fn merge(&self, left: &mut Vec<f64>, right: &[f64]);
    /// Short name recorded in partial results (e.g. `sobol`).
    fn name(&self) -> &'static str;
    /// A fingerprint of the settings that shape the summaries (checked when merging shards).
    fn layout(&self) -> String;
}
