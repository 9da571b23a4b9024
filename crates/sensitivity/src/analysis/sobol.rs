//! Sobol' first-order, total and second-order indices from a Saltelli design, computed exactly
//! as SALib 1.6's `SALib.analyze.sobol.analyze` does, but streamed.
//!
//! **SALib's estimators** (with `A`, `B`, `AB_j`, `BA_j` the outputs of the design's rows):
//! - SALib first standardises *all* outputs of the design, `y ← (y − mean(y)) / std(y)`;
//! - `V = var([A; B])` (population variance of the 2N values of A and B);
//! - first order (Saltelli et al. 2010): `S1_j = mean(B · (AB_j − A)) / V`;
//! - total (Jansen 1999): `ST_j = ½ mean((A − AB_j)²) / V`;
//! - second order (Saltelli 2002): `S2_jk = mean(BA_j · AB_k − A · B) / V − S1_j − S1_k`.
//!
//! **The standardisation.** Dividing by `std(y)` cancels in every ratio, but subtracting the
//! mean `μ` of all outputs does not: `mean(B (AB_j − A))` is not shift-invariant (without it
//! the estimates differ by about 2e-4 on Ishigami). We therefore compute, without ever
//! storing the outputs, `S1_j = [cov(B, D_j) + (mean B − μ) mean D_j] / V` with
//! `D_j = AB_j − A`, and likewise `S2_jk` with `μ` subtracted from every output — the same
//! numbers as SALib's up to rounding (checked to 1e-12 on SALib's own sample in the tests).
//!
//! **Streaming.** Each block of base rows is reduced to weighted means and co-moments of the
//! variables above (shifted by the block's means for accuracy, then centred), and blocks are
//! merged with the pairwise update of Chan, Golub & LeVeque (1979). Memory per output column is
//! `(1 + resamples) × (1 + L + P)` numbers (L means, P co-moments; see [`SobolAnalysis`]),
//! independent of N. Bootstrap replicates use Poisson weights (see [`crate::bootstrap`]).
//!
//! An output that is constant over A and B (V = 0) has undefined indices: they are reported as
//! NaN.

use super::{Analysis, BlockData};
use crate::bootstrap::{weight_matrix, weighted_sums, Estimate, LANES};
use serde::Serialize;

/// Streaming Sobol' analysis of the outputs of a [`crate::design::SaltelliDesign`].
#[derive(Debug, Clone)]
pub struct SobolAnalysis {
    dims: usize,
    second_order: bool,
    resamples: Vec<usize>,
    seed: u64,
    level: f64,
    /// (x, y) linear-variable indices of each co-moment.
    pairs: Vec<(usize, usize)>,
    offsets: Vec<usize>,
}

/// First-order, total and (optionally) second-order indices of one output column.
#[derive(Debug, Clone, Serialize)]
pub struct SobolIndices {
    pub first: Vec<Estimate>,
    pub total: Vec<Estimate>,
    /// `(j, k, S2_jk)` for `j < k`, when the design has second-order rows.
    pub second: Vec<(usize, usize, Estimate)>,
    /// Variance of the output over the A and B rows (in output units²).
    pub variance: f64,
    /// Mean of the output over all rows of the design.
    pub mean: f64,
}

impl SobolAnalysis {
    /// `dims` parameters; `second_order` must match the design; `resamples[c]` bootstrap
    /// replicates for output column `c` (0 for none); intervals at confidence `level`.
    pub fn new(
        dims: usize,
        second_order: bool,
        resamples: Vec<usize>,
        seed: u64,
        level: f64,
    ) -> Self {
        let d = dims;
        let (a, b) = (0, 1);
        let ab = |j: usize| 2 + j;
        let dj = |j: usize| 2 + d + j;
        let ba = |j: usize| 2 + 2 * d + j;
        let mut pairs = vec![(a, a), (b, b)];
        pairs.extend((0..d).map(|j| (b, dj(j))));
        pairs.extend((0..d).map(|j| (dj(j), dj(j))));
        if second_order {
            pairs.push((a, b));
            for j in 0..d {
                for k in j + 1..d {
                    pairs.push((ba(j), ab(k)));
                }
            }
        }
        let mut analysis = SobolAnalysis {
            dims,
            second_order,
            resamples,
            seed,
            level,
            pairs,
            offsets: Vec::new(),
        };
        let k = analysis.record_len();
        let mut offset = 0;
        for &r in &analysis.resamples {
            analysis.offsets.push(offset);
            offset += (1 + r) * k;
        }
        analysis.offsets.push(offset);
        analysis
    }

    /// Number of output columns analysed.
    pub fn columns(&self) -> usize {
        self.resamples.len()
    }
    fn n_linear(&self) -> usize {
        if self.second_order {
            2 + 3 * self.dims
        } else {
            2 + 2 * self.dims
        }
    }
    fn record_len(&self) -> usize {
        1 + self.n_linear() + self.pairs.len()
    }
    fn group_size(&self) -> usize {
        if self.second_order {
            2 * self.dims + 2
        } else {
            self.dims + 2
        }
    }

    /// Reads the linear variables of one group (rows `group`, output column `c` of `columns`).
    fn linear_vars(&self, group: &[f64], columns: usize, c: usize, v: &mut [f64]) {
        let d = self.dims;
        let gs = self.group_size();
        let y = |row: usize| group[row * columns + c];
        let a = y(0);
        v[0] = a;
        v[1] = y(gs - 1);
        for j in 0..d {
            let abj = y(1 + j);
            v[2 + j] = abj;
            v[2 + d + j] = abj - a;
            if self.second_order {
                v[2 + 2 * d + j] = y(1 + d + j);
            }
        }
    }

    /// Indices of every output column from the summary of the whole design.
    pub fn finalize(&self, summary: &[f64]) -> Vec<SobolIndices> {
        let k = self.record_len();
        (0..self.columns())
            .map(|c| {
                let col = &summary[self.offsets[c]..self.offsets[c + 1]];
                let mu = self.grand_mean(&col[..k]);
                let point = self.indices(&col[..k], mu);
                let reps: Vec<_> = (1..=self.resamples[c])
                    .map(|b| self.indices(&col[b * k..(b + 1) * k], mu))
                    .collect();
                let est = |value: f64, pick: &dyn Fn(&RawIndices) -> f64| {
                    let mut r: Vec<f64> = reps.iter().map(pick).collect();
                    Estimate::from_replicates(value, &mut r, self.level)
                };
                let first = (0..self.dims)
                    .map(|j| est(point.s1[j], &|r| r.s1[j]))
                    .collect();
                let total = (0..self.dims)
                    .map(|j| est(point.st[j], &|r| r.st[j]))
                    .collect();
                let mut second = Vec::new();
                if self.second_order {
                    let mut idx = 0;
                    for j in 0..self.dims {
                        for kk in j + 1..self.dims {
                            let i = idx;
                            second.push((j, kk, est(point.s2[i], &|r| r.s2[i])));
                            idx += 1;
                        }
                    }
                }
                SobolIndices {
                    first,
                    total,
                    second,
                    variance: point.var,
                    mean: mu,
                }
            })
            .collect()
    }

    /// Mean of all outputs of the design (SALib's standardisation), from the unweighted record.
    fn grand_mean(&self, rec: &[f64]) -> f64 {
        let d = self.dims;
        let means = &rec[1..1 + self.n_linear()];
        let mut sum = means[0] + means[1];
        let mut count = 2.0;
        for j in 0..d {
            sum += means[2 + j];
            count += 1.0;
            if self.second_order {
                sum += means[2 + 2 * d + j];
                count += 1.0;
            }
        }
        sum / count
    }

    /// S1, ST, S2 (upper triangle, row-major) and V from one record.
    fn indices(&self, rec: &[f64], mu: f64) -> RawIndices {
        let d = self.dims;
        let n = rec[0];
        let l = self.n_linear();
        let m = &rec[1..1 + l];
        let c = &rec[1 + l..];
        let var = (c[0] + c[1] + 0.5 * n * (m[0] - m[1]) * (m[0] - m[1])) / (2.0 * n);
        // Constant output (up to rounding): indices undefined.
        let constant = n <= 0.0 || var.is_nan() || var <= (4.0 * f64::EPSILON * mu).powi(2);
        let nan = |len: usize| vec![f64::NAN; len];
        let n2 = if self.second_order {
            d * (d - 1) / 2
        } else {
            0
        };
        if constant {
            return RawIndices {
                s1: nan(d),
                st: nan(d),
                s2: nan(n2),
                var,
            };
        }
        let mean_b = m[1] - mu;
        let s1: Vec<f64> = (0..d)
            .map(|j| (c[2 + j] / n + mean_b * m[2 + d + j]) / var)
            .collect();
        let st: Vec<f64> = (0..d)
            .map(|j| {
                let md = m[2 + d + j];
                0.5 * (c[2 + d + j] / n + md * md) / var
            })
            .collect();
        let mut s2 = Vec::with_capacity(n2);
        if self.second_order {
            let ab_term = c[2 + 2 * d] / n + (m[0] - mu) * (m[1] - mu);
            let mut p = 3 + 2 * d;
            for j in 0..d {
                for k in j + 1..d {
                    let cross = c[p] / n + (m[2 + 2 * d + j] - mu) * (m[2 + k] - mu);
                    s2.push((cross - ab_term) / var - s1[j] - s1[k]);
                    p += 1;
                }
            }
        }
        RawIndices { s1, st, s2, var }
    }
}

/// Point indices of one weight set.
struct RawIndices {
    s1: Vec<f64>,
    st: Vec<f64>,
    s2: Vec<f64>,
    var: f64,
}

impl Analysis for SobolAnalysis {
    fn name(&self) -> &'static str {
        "sobol"
    }

    fn layout(&self) -> String {
        format!(
            "sobol dims={} second_order={} resamples={:?} level={} seed={}",
            self.dims, self.second_order, self.resamples, self.level, self.seed
        )
    }

    fn summarise(&self, block: &BlockData) -> Vec<f64> {
        let columns = self.columns();
        let gs = self.group_size();
        let l = self.n_linear();
        let k = self.record_len();
        let groups = block.groups;
        let max_b = self.resamples.iter().copied().max().unwrap_or(0);
        // Weight set 0 (all ones) is the data itself; sets 1..=max_b are bootstrap replicates.
        let weights = weight_matrix(self.seed, block.first_group as u64, groups, max_b);
        let kp = k.div_ceil(LANES) * LANES;
        let mut out = vec![0.0; *self.offsets.last().unwrap()];
        let mut vars = vec![0.0; groups * l];
        let mut shift = vec![0.0; l];
        let mut features = vec![0.0; groups * kp];
        for c in 0..columns {
            let nb = self.resamples[c];
            for g in 0..groups {
                let rows = &block.outputs[g * gs * columns..(g + 1) * gs * columns];
                self.linear_vars(rows, columns, c, &mut vars[g * l..(g + 1) * l]);
            }
            // Shift by the block means so raw sums are well conditioned.
            shift.iter_mut().for_each(|s| *s = 0.0);
            let n_valid = block.valid.iter().filter(|&&v| v).count();
            for (v, _) in vars.chunks_exact(l).zip(block.valid).filter(|(_, &ok)| ok) {
                for (s, x) in shift.iter_mut().zip(v) {
                    *s += x;
                }
            }
            shift.iter_mut().for_each(|s| *s /= n_valid.max(1) as f64);
            // Per group: [1, shifted linear variables, their products]; a dropped group
            // (failed run) contributes a row of zeros to every weight set.
            for ((v, f), &ok) in vars
                .chunks_exact(l)
                .zip(features.chunks_exact_mut(kp))
                .zip(block.valid)
            {
                if !ok {
                    f.iter_mut().for_each(|x| *x = 0.0);
                    continue;
                }
                f[0] = 1.0;
                for i in 0..l {
                    f[1 + i] = v[i] - shift[i];
                }
                for (p, &(x, y)) in self.pairs.iter().enumerate() {
                    f[1 + l + p] = f[1 + x] * f[1 + y];
                }
            }
            let acc = &mut out[self.offsets[c]..self.offsets[c + 1]];
            weighted_sums(&weights, groups, &features, kp, k, nb + 1, acc);
            // Raw shifted sums -> means and centred co-moments.
            for rec in acc.chunks_exact_mut(k) {
                let n = rec[0];
                if n <= 0.0 {
                    rec.iter_mut().for_each(|x| *x = 0.0);
                    continue;
                }
                for (p, &(x, y)) in self.pairs.iter().enumerate() {
                    rec[1 + l + p] -= rec[1 + x] * rec[1 + y] / n;
                }
                for i in 0..l {
                    rec[1 + i] = shift[i] + rec[1 + i] / n;
                }
            }
        }
        out
    }

    fn merge(&self, left: &mut Vec<f64>, right: &[f64]) {
        let l = self.n_linear();
        let k = self.record_len();
        let mut delta = vec![0.0; l];
        for (lr, rr) in left.chunks_exact_mut(k).zip(right.chunks_exact(k)) {
            let (n1, n2) = (lr[0], rr[0]);
            if n2 <= 0.0 {
                continue;
            }
            if n1 <= 0.0 {
                lr.copy_from_slice(rr);
                continue;
            }
            let n = n1 + n2;
            let w = n2 / n;
            for i in 0..l {
                delta[i] = rr[1 + i] - lr[1 + i];
                lr[1 + i] += delta[i] * w;
            }
            let cross = n1 * w;
            for (p, &(x, y)) in self.pairs.iter().enumerate() {
                lr[1 + l + p] += rr[1 + l + p] + delta[x] * delta[y] * cross;
            }
            lr[0] = n;
        }
    }
}

/// Sobol' indices of outputs computed elsewhere (e.g. on a SALib sample): `outputs` holds
/// `columns` values per row, rows in the Saltelli order of [`crate::design::SaltelliDesign`]
/// (SALib's order). Same numbers as a streamed run over the same rows.
///
/// ```
/// use pressure_sensitivity::design::{Design, SaltelliDesign};
/// use pressure_sensitivity::analysis::sobol::sobol_from_outputs;
/// // y = x1 + 0.1 x2 on the unit square: x1 carries 99% of the variance.
/// let design = SaltelliDesign::new(2, 512, false, Some(1)).unwrap();
/// let y: Vec<f64> = design.all_unit_rows().chunks(2).map(|x| x[0] + 0.1 * x[1]).collect();
/// let s = sobol_from_outputs(&y, 2, 1, false, 0, 0, 0.95).unwrap();
/// assert!((s[0].first[0].value - 0.99).abs() < 0.01);
/// assert!(sobol_from_outputs(&y[..7], 2, 1, false, 0, 0, 0.95).is_err());
/// ```
pub fn sobol_from_outputs(
    outputs: &[f64],
    dims: usize,
    columns: usize,
    second_order: bool,
    resamples: usize,
    seed: u64,
    level: f64,
) -> crate::error::Result<Vec<SobolIndices>> {
    use crate::engine::{default_block_groups, summarise_in_memory, InMemoryRuns, Plan};
    let gs = if second_order { 2 * dims + 2 } else { dims + 2 };
    let rows = outputs.len() / columns.max(1);
    if dims == 0 || columns == 0 || outputs.len() != rows * columns || rows % gs != 0 || rows == 0 {
        return Err(crate::error::SensitivityError::InvalidSetting(format!(
            "Saltelli outputs for {dims} parameters ({}second order) come in groups of {gs} rows; \
             got {rows} rows of {columns} columns",
            if second_order { "" } else { "no " }
        )));
    }
    let analysis = SobolAnalysis::new(dims, second_order, vec![resamples; columns], seed, level);
    let plan = Plan {
        n_groups: rows / gs,
        block_groups: default_block_groups(gs),
    };
    let summary = summarise_in_memory(
        &analysis,
        plan,
        &InMemoryRuns {
            group_size: gs,
            dims: 0,
            columns,
            unit: &[],
            values: &[],
            outputs,
        },
    );
    Ok(analysis.finalize(&summary))
}
