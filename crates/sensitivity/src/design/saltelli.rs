//! Saltelli's sampling scheme for Sobol' indices, laid out exactly as SALib 1.6's
//! `SALib.sample.sobol.sample` builds it.
//!
//! A Sobol' sequence in `2D` dimensions gives, for base point `i`, the rows `A_i` (first `D`
//! coordinates) and `B_i` (last `D`). Group `i` is then the `D + 2` rows
//! `A, AB_1, ..., AB_D, B` (where `AB_j` is `A` with column `j` taken from `B`), or with
//! second-order indices the `2D + 2` rows `A, AB_1..AB_D, BA_1..BA_D, B` (`BA_j` is `B` with
//! column `j` from `A`).
//!
//! With factor groups (SALib's `groups`), `AB_g` takes every column of group `g` from `B` at
//! once, so a group of `D` parameters costs `G + 2` runs per base point for `G` groups, and
//! the indices are those of the groups (Saltelli et al. 2008, sec. 4.2; Jacques et al. 2006).

use super::sobol_seq::SobolSequence;
use super::{require_power_of_two, streams, Design};
use crate::error::{Result, SensitivityError};
use pressure_stats::rng::unit_open;
use pressure_stats::rng_for;

/// Where the base points (A, B) come from.
#[derive(Debug, Clone)]
enum Base {
    /// A Sobol' sequence in 2D dimensions (SALib's choice; N a power of two).
    Sobol(SobolSequence),
    /// Independent uniform draws (any N): plain Monte Carlo, for which bootstrap intervals
    /// have their nominal coverage.
    Random { seed: u64 },
}

/// The Saltelli design over `n` base points (a power of two).
///
/// ```
/// use pressure_sensitivity::design::{Design, SaltelliDesign};
/// let design = SaltelliDesign::new(3, 1024, true, Some(1)).unwrap();
/// assert_eq!(design.group_size(), 2 * 3 + 2);
/// assert_eq!(design.n_runs(), 1024 * 8);
/// assert!(SaltelliDesign::new(3, 1000, true, Some(1)).is_err()); // not a power of two
/// ```
#[derive(Debug, Clone)]
pub struct SaltelliDesign {
    dims: usize,
    n: usize,
    second_order: bool,
    base: Base,
    /// The parameters of each factor (`AB_k` takes these columns from `B`): one parameter
    /// each, or the groups.
    members: Vec<Vec<usize>>,
}

impl SaltelliDesign {
    /// `dims` parameters, `n` base points, second-order rows or not, scrambling seed (None: the
    /// unscrambled sequence).
    pub fn new(
        dims: usize,
        n: usize,
        second_order: bool,
        scramble_seed: Option<u64>,
    ) -> Result<Self> {
        require_power_of_two("Saltelli's scheme (Sobol' indices)", n, 2)?;
        Ok(SaltelliDesign {
            dims,
            n,
            second_order,
            base: Base::Sobol(SobolSequence::new(2 * dims, scramble_seed)?),
            members: singletons(dims),
        })
    }

    /// The same design with parameters grouped into factors: `group_of[j]` is the factor of
    /// parameter `j`, numbered `0..G` with every factor used. The base points are unchanged.
    ///
    /// ```
    /// use pressure_sensitivity::design::{Design, SaltelliDesign};
    /// // Parameters 0 and 2 form one factor, parameter 1 another.
    /// let design = SaltelliDesign::new(3, 8, false, Some(1)).unwrap().grouped(vec![0, 1, 0]).unwrap();
    /// assert_eq!(design.factors(), 2);
    /// assert_eq!(design.group_size(), 2 + 2);
    /// ```
    pub fn grouped(mut self, group_of: Vec<usize>) -> Result<Self> {
        let factors = group_of.iter().max().map_or(0, |m| m + 1);
        let mut members = vec![Vec::new(); factors];
        for (j, &g) in group_of.iter().enumerate() {
            members[g].push(j);
        }
        if group_of.len() != self.dims || members.is_empty() || members.iter().any(Vec::is_empty) {
            return Err(SensitivityError::InvalidGroups(format!(
                "{} group numbers for {} parameters; groups must be numbered 0..G with none empty",
                group_of.len(),
                self.dims
            )));
        }
        self.members = members;
        Ok(self)
    }

    /// Number of factors the indices are computed for: groups, or parameters.
    pub fn factors(&self) -> usize {
        self.members.len()
    }

    /// The same scheme on independent uniform base points (any N >= 2), drawn from
    /// `rng_for(seed, streams::RANDOM, i)` for base point `i`.
    pub fn new_random(dims: usize, n: usize, second_order: bool, seed: u64) -> Result<Self> {
        if n < 2 {
            return Err(SensitivityError::InvalidSampleSize {
                sampler: "Saltelli's scheme (random base)",
                n,
                reason: "at least 2 base points are needed".into(),
            });
        }
        Ok(SaltelliDesign {
            dims,
            n,
            second_order,
            base: Base::Random { seed },
            members: singletons(dims),
        })
    }

    pub fn second_order(&self) -> bool {
        self.second_order
    }
    /// Number of base points N.
    pub fn base_points(&self) -> usize {
        self.n
    }
}

/// One factor per parameter.
fn singletons(dims: usize) -> Vec<Vec<usize>> {
    (0..dims).map(|j| vec![j]).collect()
}

impl Design for SaltelliDesign {
    fn name(&self) -> &'static str {
        "saltelli"
    }
    fn dims(&self) -> usize {
        self.dims
    }
    fn group_size(&self) -> usize {
        if self.second_order {
            2 * self.factors() + 2
        } else {
            self.factors() + 2
        }
    }
    fn n_groups(&self) -> usize {
        self.n
    }
    fn fill_unit(&self, first: usize, count: usize, out: &mut [f64]) {
        let d = self.dims;
        let mut base = vec![0.0; 2 * d * count];
        match &self.base {
            Base::Sobol(seq) => seq.fill(first as u64, count, &mut base),
            Base::Random { seed } => {
                for (i, row) in base.chunks_exact_mut(2 * d).enumerate() {
                    let mut rng = rng_for(*seed, streams::RANDOM, (first + i) as u64);
                    row.iter_mut().for_each(|x| *x = unit_open(&mut rng));
                }
            }
        }
        let rows_per_group = self.group_size();
        for (g, ab) in base.chunks_exact(2 * d).enumerate() {
            let (a, b) = ab.split_at(d);
            let group = &mut out[g * rows_per_group * d..(g + 1) * rows_per_group * d];
            let mut rows = group.chunks_exact_mut(d);
            rows.next().unwrap().copy_from_slice(a);
            for members in &self.members {
                let row = rows.next().unwrap();
                row.copy_from_slice(a);
                members.iter().for_each(|&j| row[j] = b[j]);
            }
            if self.second_order {
                for members in &self.members {
                    let row = rows.next().unwrap();
                    row.copy_from_slice(b);
                    members.iter().for_each(|&j| row[j] = a[j]);
                }
            }
            rows.next().unwrap().copy_from_slice(b);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_matches_salib() {
        let d = 3;
        let design = SaltelliDesign::new(d, 4, true, Some(9)).unwrap();
        let rows = design.all_unit_rows();
        let g = design.group_size();
        for grp in 0..4 {
            let r = |i: usize| &rows[(grp * g + i) * d..(grp * g + i + 1) * d];
            let (a, b) = (r(0).to_vec(), r(g - 1).to_vec());
            for k in 0..d {
                for j in 0..d {
                    assert_eq!(r(1 + k)[j], if j == k { b[j] } else { a[j] });
                    assert_eq!(r(1 + d + k)[j], if j == k { a[j] } else { b[j] });
                }
            }
        }
    }

    #[test]
    fn grouped_rows_swap_whole_groups_and_singletons_change_nothing() {
        let d = 4;
        let plain = SaltelliDesign::new(d, 8, true, Some(3)).unwrap();
        let singletons = plain.clone().grouped(vec![0, 1, 2, 3]).unwrap();
        assert_eq!(plain.all_unit_rows(), singletons.all_unit_rows());
        let group_of = vec![1, 0, 1, 0];
        let grouped = plain.clone().grouped(group_of.clone()).unwrap();
        let (g, rows) = (grouped.group_size(), grouped.all_unit_rows());
        assert_eq!(g, 2 * 2 + 2);
        for grp in 0..8 {
            let r = |i: usize| &rows[(grp * g + i) * d..(grp * g + i + 1) * d];
            let (a, b) = (r(0).to_vec(), r(g - 1).to_vec());
            for k in 0..2 {
                for j in 0..d {
                    let swapped = group_of[j] == k;
                    assert_eq!(r(1 + k)[j], if swapped { b[j] } else { a[j] });
                    assert_eq!(r(3 + k)[j], if swapped { a[j] } else { b[j] });
                }
            }
        }
        assert!(plain.clone().grouped(vec![0, 2, 0, 2]).is_err()); // group 1 empty
        assert!(plain.grouped(vec![0, 1]).is_err()); // wrong length
    }
}
