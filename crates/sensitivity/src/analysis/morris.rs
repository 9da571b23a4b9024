//! Morris elementary effects: μ, μ* and σ exactly as SALib 1.6's `SALib.analyze.morris`
//! defines them (unscaled), streamed over trajectories.
//!
//! For a step of trajectory `t` that moves parameter `i` by `±Δ` (in level units),
//! `EE_i = ±(y_after − y_before) / Δ`, i.e. the effect of *increasing* the parameter. Then
//! `μ_i = mean(EE_i)`, `μ*_i = mean(|EE_i|)` (Campolongo et al. 2007) and
//! `σ_i = sd(EE_i)` with ddof = 1. `μ*`'s interval bootstraps trajectories (Poisson weights,
//! see [`crate::bootstrap`]); SALib's `mu_star_conf` is the `conf` half-width.
//! Which parameter a step moves, and its direction, is read from the unit rows of the design
//! (exactly one coordinate changes per step).

use super::{Analysis, BlockData};
use crate::bootstrap::{poisson_weights, Estimate};
use crate::error::{Result, SensitivityError};
use serde::Serialize;

/// Streaming Morris analysis of the outputs of a [`crate::design::MorrisDesign`].
#[derive(Debug, Clone)]
pub struct MorrisAnalysis {
    dims: usize,
    delta: f64,
    columns: usize,
    resamples: usize,
    seed: u64,
    level: f64,
}

/// Morris measures of one output column.
#[derive(Debug, Clone, Serialize)]
pub struct MorrisIndices {
    pub mu: Vec<f64>,
    pub mu_star: Vec<Estimate>,
    pub sigma: Vec<f64>,
}

impl MorrisAnalysis {
    /// `delta` is the design's step in level units ([`crate::design::MorrisDesign::delta`]).
    pub fn new(
        dims: usize,
        delta: f64,
        columns: usize,
        resamples: usize,
        seed: u64,
        level: f64,
    ) -> Self {
        MorrisAnalysis {
            dims,
            delta,
            columns,
            resamples,
            seed,
            level,
        }
    }

    fn column_len(&self) -> usize {
        1 + 3 * self.dims + self.resamples * (1 + self.dims)
    }

    /// Per step of one trajectory's unit rows: (parameter moved, +1 up / −1 down).
    pub fn steps_of(unit: &[f64], dims: usize) -> Result<Vec<(usize, f64)>> {
        let rows: Vec<&[f64]> = unit.chunks_exact(dims).collect();
        let mut steps = Vec::with_capacity(dims);
        for k in 0..rows.len().saturating_sub(1) {
            let moved: Vec<usize> = (0..dims)
                .filter(|&j| rows[k + 1][j] != rows[k][j])
                .collect();
            if moved.len() != 1 {
                return Err(SensitivityError::InvalidSetting(format!(
                    "not a Morris trajectory: step {} changes {} parameters (exactly one must \
                     change)",
                    k + 1,
                    moved.len()
                )));
            }
            let j = moved[0];
            steps.push((j, (rows[k + 1][j] - rows[k][j]).signum()));
        }
        Ok(steps)
    }

    pub fn finalize(&self, summary: &[f64]) -> Vec<MorrisIndices> {
        let d = self.dims;
        summary
            .chunks_exact(self.column_len())
            .map(|col| {
                let n = col[0];
                let mean = &col[1..1 + d];
                let abs = &col[1 + d..1 + 2 * d];
                let m2 = &col[1 + 2 * d..1 + 3 * d];
                let boot = &col[1 + 3 * d..];
                let mu_star = (0..d)
                    .map(|i| {
                        let mut reps: Vec<f64> = boot
                            .chunks_exact(1 + d)
                            .map(|r| if r[0] > 0.0 { r[1 + i] } else { f64::NAN })
                            .collect();
                        Estimate::from_replicates(abs[i], &mut reps, self.level)
                    })
                    .collect();
                MorrisIndices {
                    mu: mean.to_vec(),
                    mu_star,
                    sigma: m2
                        .iter()
                        .map(|&m| {
                            if n > 1.0 {
                                (m / (n - 1.0)).sqrt()
                            } else {
                                f64::NAN
                            }
                        })
                        .collect(),
                }
            })
            .collect()
    }
}

impl Analysis for MorrisAnalysis {
    fn name(&self) -> &'static str {
        "morris"
    }

    fn layout(&self) -> String {
        format!(
            "morris dims={} delta={} columns={} resamples={} level={} seed={}",
            self.dims, self.delta, self.columns, self.resamples, self.level, self.seed
        )
    }

    fn summarise(&self, block: &BlockData) -> Vec<f64> {
        let d = self.dims;
        let gs = d + 1;
        let cols = self.columns;
        let len = self.column_len();
        let mut out = vec![0.0; cols * len];
        let mut weights = vec![0.0; self.resamples];
        let mut ee = vec![0.0; d];
        for t in 0..block.groups {
            if !block.valid[t] {
                continue;
            }
            let unit = &block.unit[t * gs * d..(t + 1) * gs * d];
            // Designs move exactly one parameter per step, and samples from elsewhere are
            // checked by `morris_from_sample` before they get here.
            let steps = MorrisAnalysis::steps_of(unit, d)
                .expect("a Morris trajectory moves exactly one parameter per step");
            poisson_weights(self.seed, (block.first_group + t) as u64, &mut weights);
            let y = &block.outputs[t * gs * cols..(t + 1) * gs * cols];
            for c in 0..cols {
                for (k, &(j, sign)) in steps.iter().enumerate() {
                    ee[j] = sign * (y[(k + 1) * cols + c] - y[k * cols + c]) / self.delta;
                }
                let col = &mut out[c * len..(c + 1) * len];
                col[0] += 1.0;
                let n = col[0];
                for j in 0..d {
                    let delta = ee[j] - col[1 + j];
                    col[1 + j] += delta / n;
                    col[1 + 2 * d + j] += delta * (ee[j] - col[1 + j]);
                    col[1 + d + j] += (ee[j].abs() - col[1 + d + j]) / n;
                }
                for (b, &w) in weights.iter().enumerate() {
                    if w == 0.0 {
                        continue;
                    }
                    let rec = &mut col[1 + 3 * d + b * (1 + d)..1 + 3 * d + (b + 1) * (1 + d)];
                    rec[0] += w;
                    let share = w / rec[0];
                    for j in 0..d {
                        rec[1 + j] += (ee[j].abs() - rec[1 + j]) * share;
                    }
                }
            }
        }
        out
    }

    fn merge(&self, left: &mut Vec<f64>, right: &[f64]) {
        let d = self.dims;
        let len = self.column_len();
        for (l, r) in left.chunks_exact_mut(len).zip(right.chunks_exact(len)) {
            let (n1, n2) = (l[0], r[0]);
            if n2 > 0.0 {
                if n1 <= 0.0 {
                    l[..1 + 3 * d].copy_from_slice(&r[..1 + 3 * d]);
                } else {
                    let n = n1 + n2;
                    let w = n2 / n;
                    for j in 0..d {
                        let delta = r[1 + j] - l[1 + j];
                        l[1 + j] += delta * w;
                        l[1 + 2 * d + j] += r[1 + 2 * d + j] + delta * delta * n1 * w;
                        l[1 + d + j] += (r[1 + d + j] - l[1 + d + j]) * w;
                    }
                    l[0] = n;
                }
            }
            let lb = &mut l[1 + 3 * d..];
            let rb = &r[1 + 3 * d..];
            for (lr, rr) in lb.chunks_exact_mut(1 + d).zip(rb.chunks_exact(1 + d)) {
                let (m1, m2) = (lr[0], rr[0]);
                if m2 <= 0.0 {
                    continue;
                }
                if m1 <= 0.0 {
                    lr.copy_from_slice(rr);
                    continue;
                }
                let w = m2 / (m1 + m2);
                for j in 0..d {
                    lr[1 + j] += (rr[1 + j] - lr[1 + j]) * w;
                }
                lr[0] = m1 + m2;
            }
        }
    }
}

/// A Morris sample made elsewhere (e.g. by SALib).
#[derive(Debug, Clone, Copy)]
pub struct MorrisSample<'a> {
    /// Trajectories' rows in level units (`dims` values per row, `dims + 1` rows each).
    pub unit: &'a [f64],
    /// `columns` output values per row.
    pub outputs: &'a [f64],
    pub dims: usize,
    pub columns: usize,
    /// Number of grid levels the sample was made with (SALib's `num_levels`).
    pub levels: usize,
}

/// Morris measures of a sample made elsewhere. Checks that every trajectory moves one
/// parameter per step. `resamples` bootstrap replicates (seeded by `seed`) give μ*'s interval
/// at confidence `level`.
pub fn morris_from_sample(
    sample: &MorrisSample,
    resamples: usize,
    seed: u64,
    level: f64,
) -> Result<Vec<MorrisIndices>> {
    use crate::engine::{default_block_groups, summarise_in_memory, InMemoryRuns, Plan};
    let MorrisSample {
        unit,
        outputs,
        dims,
        columns,
        levels,
    } = *sample;
    let gs = dims + 1;
    let rows = unit.len() / dims.max(1);
    if dims == 0 || unit.len() != rows * dims || rows % gs != 0 || outputs.len() != rows * columns {
        return Err(SensitivityError::InvalidSetting(format!(
            "a Morris sample over {dims} parameters has {gs} rows per trajectory; got {rows} \
             rows and {} outputs",
            outputs.len()
        )));
    }
    for (t, traj) in unit.chunks_exact(gs * dims).enumerate() {
        MorrisAnalysis::steps_of(traj, dims)
            .map_err(|e| SensitivityError::InvalidSetting(format!("trajectory {}: {e}", t + 1)))?;
    }
    let delta = levels as f64 / (2.0 * (levels as f64 - 1.0));
    let analysis = MorrisAnalysis::new(dims, delta, columns, resamples, seed, level);
    let plan = Plan {
        n_groups: rows / gs,
        block_groups: default_block_groups(gs),
    };
    let summary = summarise_in_memory(
        &analysis,
        plan,
        &InMemoryRuns {
            group_size: gs,
            dims,
            columns,
            unit,
            values: unit,
            outputs,
        },
    );
    Ok(analysis.finalize(&summary))
}
