//! Morris elementary-effects trajectories (Morris 1991), generated as SALib 1.6's
//! `SALib.sample.morris.sample` does, with the improved-spread selection as an option.
//!
//! With `p` levels (even), the grid is `{0, 1/(p-1), ..., 1}` and the step is
//! `Δ = p / (2 (p - 1))`. A trajectory starts at a random base point `x*` whose coordinates lie
//! in `{0, ..., (p/2 - 1)/(p-1)}`, draws a random direction per parameter and a random order,
//! and moves one parameter per step by `Δ` (up from `x*_i`, or down from `x*_i + Δ`): `D + 1`
//! points. Trajectory `t` draws from `rng_for(seed, streams::MORRIS, t)`.
//!
//! **Improved spread** (Campolongo, Cariboni & Saltelli 2007, selection by the local
//! optimisation of Ruano, Ferreira & Fernández 2012, as SALib's `local_optimization=True`):
//! generate `M` candidate trajectories and keep the `r` whose sum of pairwise distances is
//! largest, where the distance of two trajectories is the sum of Euclidean distances over all
//! pairs of their points and a set's spread is the root of the sum of squared distances.
//!
//! **Unbounded distributions.** Level 0 or 1 maps to ±infinity for a normal or log-normal
//! parameter, so for those parameters level `u` is mapped to the centre of its probability bin,
//! `(u (p - 1) + 0.5) / p`, before the quantile function; bounded parameters use `u` itself
//! (SALib's convention). Elementary effects are always divided by `Δ` in level units, as SALib.

use super::{streams, Design};
use crate::error::{Result, SensitivityError};
use pressure_stats::rng_for;
use rand::Rng;

/// Which parameter a Morris step moves and in which direction (+1 up, -1 down).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MorrisStep {
    pub param: usize,
    pub sign: f64,
}

/// A set of Morris trajectories with random access.
#[derive(Debug, Clone)]
pub struct MorrisDesign {
    dims: usize,
    levels: usize,
    seed: u64,
    /// Candidate index of each trajectory (the identity without optimisation).
    selected: Vec<u64>,
    /// Per parameter: map levels to bin centres (unbounded distributions).
    centre: Vec<bool>,
}

impl MorrisDesign {
    /// `r` trajectories over `dims` parameters with `levels` grid levels (even, at least 2).
    /// `candidates = Some(M)` (M > r) selects the `r` best-spread trajectories among `M`.
    /// `bounded[i]` says whether parameter `i` has bounded support (see module docs); pass
    /// `&[]` when all are bounded.
    pub fn new(
        dims: usize,
        r: usize,
        levels: usize,
        seed: u64,
        candidates: Option<usize>,
        bounded: &[bool],
    ) -> Result<Self> {
        if levels < 2 || levels % 2 != 0 {
            return Err(SensitivityError::InvalidSetting(format!(
                "Morris needs an even number of levels (at least 2), got {levels}; \
                 4 is the usual choice"
            )));
        }
        if r < 2 {
            return Err(SensitivityError::InvalidSampleSize {
                sampler: "Morris",
                n: r,
                reason: "at least 2 trajectories are needed (10 to 50 is usual); use r = 2 or more"
                    .into(),
            });
        }
        if dims == 0 {
            return Err(SensitivityError::EmptySpace);
        }
        let centre = if bounded.is_empty() {
            vec![false; dims]
        } else {
            bounded.iter().map(|b| !b).collect()
        };
        let mut design = MorrisDesign {
            dims,
            levels,
            seed,
            selected: (0..r as u64).collect(),
            centre,
        };
        if let Some(m) = candidates {
            if m <= r {
                return Err(SensitivityError::InvalidSetting(format!(
                    "Morris improved spread picks {r} trajectories out of a larger set of \
                     candidates, but {m} candidates were asked for; use more than {r} \
                     (4 to 10 times r is usual)"
                )));
            }
            design.selected = design.select_spread(m, r);
        }
        Ok(design)
    }

    /// The step `Δ = p / (2 (p - 1))` in level units.
    pub fn delta(&self) -> f64 {
        self.levels as f64 / (2.0 * (self.levels as f64 - 1.0))
    }
    pub fn levels(&self) -> usize {
        self.levels
    }
    pub fn trajectories(&self) -> usize {
        self.selected.len()
    }
    /// Candidate indices of the selected trajectories (identity without optimisation).
    pub fn selected(&self) -> &[u64] {
        &self.selected
    }

    /// Level-unit points (`(D + 1) × D`) and steps of candidate trajectory `c`.
    pub fn candidate(&self, c: u64) -> (Vec<f64>, Vec<MorrisStep>) {
        let d = self.dims;
        let p = self.levels;
        let delta = self.delta();
        let mut rng = rng_for(self.seed, streams::MORRIS, c);
        let mut start = vec![0.0; d];
        let mut up = vec![true; d];
        for s in start.iter_mut() {
            *s = rng.random_range(0..p / 2) as f64 / (p as f64 - 1.0);
        }
        for u in up.iter_mut() {
            *u = rng.random::<bool>();
        }
        let mut order: Vec<usize> = (0..d).collect();
        for i in (1..d).rev() {
            let j = rng.random_range(0..=i);
            order.swap(i, j);
        }
        let mut points = Vec::with_capacity((d + 1) * d);
        let mut x: Vec<f64> = (0..d)
            .map(|i| if up[i] { start[i] } else { start[i] + delta })
            .collect();
        points.extend_from_slice(&x);
        let mut steps = Vec::with_capacity(d);
        for &i in &order {
            let sign = if up[i] { 1.0 } else { -1.0 };
            x[i] = if up[i] { start[i] + delta } else { start[i] };
            points.extend_from_slice(&x);
            steps.push(MorrisStep { param: i, sign });
        }
        (points, steps)
    }

    /// Steps of (selected) trajectory `t`.
    pub fn steps(&self, t: usize) -> Vec<MorrisStep> {
        self.candidate(self.selected[t]).1
    }

    fn select_spread(&self, m: usize, r: usize) -> Vec<u64> {
        let trajectories: Vec<Vec<f64>> = (0..m as u64).map(|c| self.candidate(c).0).collect();
        let distance = distance_matrix(&trajectories, self.dims);
        ruano_local_selection(&distance, m, r)
            .into_iter()
            .map(|i| i as u64)
            .collect()
    }
}

/// Distance between trajectories: sum over all point pairs of the Euclidean distance
/// (SALib's `compute_distance`; 0 for identical trajectories).
fn distance_matrix(trajectories: &[Vec<f64>], dims: usize) -> Vec<f64> {
    let m = trajectories.len();
    let mut dist = vec![0.0; m * m];
    for a in 0..m {
        for b in a + 1..m {
            let (ta, tb) = (&trajectories[a], &trajectories[b]);
            let mut total = 0.0;
            if ta != tb {
                for pa in ta.chunks_exact(dims) {
                    for pb in tb.chunks_exact(dims) {
                        let sq: f64 = pa.iter().zip(pb).map(|(x, y)| (x - y) * (x - y)).sum();
                        total += sq.sqrt();
                    }
                }
            }
            dist[a * m + b] = total;
            dist[b * m + a] = total;
        }
    }
    dist
}

/// Ruano et al. (2012) local optimisation, following SALib 1.6's `LocalOptimisation`: for each
/// seed size `i = 1..r-1`, start from the best "row plus its `i` farthest trajectories" set and
/// grow it greedily to `r` trajectories; keep the best of these sets. The spread of a set is
/// `sqrt(sum of squared pairwise distances)`. Returns sorted candidate indices.
fn ruano_local_selection(dist: &[f64], m: usize, r: usize) -> Vec<usize> {
    let sq = |a: usize, b: usize| dist[a * m + b] * dist[a * m + b];
    let spread2 = |set: &[usize]| -> f64 {
        let mut s = 0.0;
        for (k, &a) in set.iter().enumerate() {
            for &b in &set[k + 1..] {
                s += sq(a, b);
            }
        }
        s
    };
    let mut best: Option<(f64, Vec<usize>)> = None;
    for i in 1..r {
        // Seed: for every row, the row plus its i farthest other trajectories.
        let mut seed_best: Option<(f64, Vec<usize>)> = None;
        for row in 0..m {
            let mut others: Vec<usize> = (0..m).filter(|&c| c != row).collect();
            others.sort_by(|&a, &b| dist[row * m + b].total_cmp(&dist[row * m + a]));
            let mut set: Vec<usize> = others[..i].to_vec();
            set.push(row);
            let s = spread2(&set);
            if seed_best.as_ref().is_none_or(|(bs, _)| s > *bs) {
                seed_best = Some((s, set));
            }
        }
        let (mut s, mut set) = seed_best.expect("m > r >= 2 candidates");
        // Greedy growth: add the candidate that increases the spread most.
        while set.len() < r {
            let mut add: Option<(f64, usize)> = None;
            for c in 0..m {
                if set.contains(&c) {
                    continue;
                }
                let gain: f64 = set.iter().map(|&a| sq(a, c)).sum();
                if add.is_none_or(|(g, _)| gain > g) {
                    add = Some((gain, c));
                }
            }
            let (gain, c) = add.expect("enough candidates");
            s += gain;
            set.push(c);
        }
        if best.as_ref().is_none_or(|(bs, _)| s > *bs) {
            best = Some((s, set));
        }
    }
    let mut chosen = best.expect("r >= 2").1;
    chosen.sort_unstable();
    chosen
}

impl Design for MorrisDesign {
    fn name(&self) -> &'static str {
        "morris"
    }
    fn dims(&self) -> usize {
        self.dims
    }
    fn group_size(&self) -> usize {
        self.dims + 1
    }
    fn n_groups(&self) -> usize {
        self.selected.len()
    }
    fn fill_unit(&self, first: usize, count: usize, out: &mut [f64]) {
        let d = self.dims;
        let p = self.levels as f64;
        let block = (d + 1) * d;
        for t in 0..count {
            let (mut points, _) = self.candidate(self.selected[first + t]);
            for row in points.chunks_exact_mut(d) {
                for (x, &centre) in row.iter_mut().zip(&self.centre) {
                    if centre {
                        *x = (*x * (p - 1.0) + 0.5) / p;
                    }
                }
            }
            out[t * block..(t + 1) * block].copy_from_slice(&points);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trajectories_move_one_parameter_by_delta() {
        let design = MorrisDesign::new(5, 10, 4, 3, None, &[]).unwrap();
        let rows = design.all_unit_rows();
        let delta = design.delta();
        assert!((delta - 2.0 / 3.0).abs() < 1e-15);
        for t in 0..10 {
            let steps = design.steps(t);
            let traj = &rows[t * 30..(t + 1) * 30];
            let mut moved = [false; 5];
            for (k, step) in steps.iter().enumerate() {
                let (a, b) = (&traj[k * 5..k * 5 + 5], &traj[(k + 1) * 5..(k + 2) * 5]);
                for j in 0..5 {
                    if j == step.param {
                        assert!(((b[j] - a[j]) - step.sign * delta).abs() < 1e-15);
                    } else {
                        assert_eq!(a[j], b[j]);
                    }
                }
                assert!(!moved[step.param]);
                moved[step.param] = true;
            }
            for &x in traj {
                let level = x * 3.0;
                assert!((level - level.round()).abs() < 1e-12 && (0.0..=1.0).contains(&x));
            }
        }
    }

    #[test]
    fn improved_spread_beats_random_choice() {
        let d = 4;
        let chosen = MorrisDesign::new(d, 6, 4, 1, Some(40), &[]).unwrap();
        let plain = MorrisDesign::new(d, 6, 4, 1, None, &[]).unwrap();
        let spread = |design: &MorrisDesign| {
            let trajs: Vec<Vec<f64>> = design
                .selected()
                .iter()
                .map(|&c| design.candidate(c).0)
                .collect();
            let dm = distance_matrix(&trajs, d);
            let n = trajs.len();
            let mut s = 0.0;
            for a in 0..n {
                for b in a + 1..n {
                    s += dm[a * n + b] * dm[a * n + b];
                }
            }
            s.sqrt()
        };
        assert_eq!(chosen.trajectories(), 6);
        assert!(spread(&chosen) > spread(&plain));
    }

    #[test]
    fn bad_settings() {
        assert!(MorrisDesign::new(3, 10, 5, 0, None, &[]).is_err());
        assert!(MorrisDesign::new(3, 1, 4, 0, None, &[]).is_err());
        let e = MorrisDesign::new(3, 10, 4, 0, Some(10), &[]).unwrap_err();
        assert!(e.to_string().contains("more than 10"));
    }

    #[test]
    fn unbounded_parameters_use_bin_centres() {
        let design = MorrisDesign::new(2, 3, 4, 0, None, &[true, false]).unwrap();
        let rows = design.all_unit_rows();
        for row in rows.chunks_exact(2) {
            assert!(row[1] > 0.0 && row[1] < 1.0);
            let bin = row[1] * 4.0 - 0.5;
            assert!((bin - bin.round()).abs() < 1e-12);
        }
    }
}
