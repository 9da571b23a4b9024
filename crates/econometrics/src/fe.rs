//! High-dimensional fixed effects: singleton removal, the rank of the fixed-effect dummies,
//! and demeaning by alternating projections (the method of reghdfe and fixest).
//!
//! Demeaning `v` on fixed effects `g_1..g_Q` finds `v − Σ_q α_q[g_q(i)]` with the `α` that
//! minimise its sum of squares. Each sweep updates `α_1, …, α_Q` in turn to the group means
//! of what the others leave (block Gauss–Seidel = alternating projections), and sweeps are
//! accelerated by Irons–Tuck extrapolation on the whole `α` vector, as fixest does. One fixed
//! effect needs one sweep; balanced two-way panels converge in two.

use crate::factor::Factor;
use rayon::prelude::*;

/// Convergence settings of the demeaning.
#[derive(Debug, Clone, Copy)]
pub struct DemeanOptions {
    /// Stop when no fixed-effect coefficient changes by more than `tol` times the
    /// root-mean-square of the variable in a sweep. Default `1e-10`.
    pub tol: f64,
    /// Maximum sweeps per variable. Default 10 000.
    pub max_iter: usize,
}

impl Default for DemeanOptions {
    fn default() -> Self {
        DemeanOptions {
            tol: 1e-10,
            max_iter: 10_000,
        }
    }
}

/// Outcome of demeaning one variable.
#[derive(Debug, Clone, Copy)]
pub struct DemeanInfo {
    /// Sweeps over the fixed effects taken.
    pub iterations: usize,
    /// Whether the change fell below the tolerance within `max_iter` sweeps.
    pub converged: bool,
}

/// Rows to keep after repeatedly dropping singletons (observations alone in a level of some
/// fixed effect; they are fitted perfectly and only distort inference), and how many were
/// dropped.
pub fn drop_singletons(factors: &[Factor]) -> (Vec<usize>, usize) {
    let n = factors.first().map_or(0, |f| f.len());
    let mut keep = vec![true; n];
    loop {
        let mut dropped_now = 0;
        for f in factors {
            let mut counts = vec![0u32; f.n_levels];
            for (i, &g) in f.codes.iter().enumerate() {
                if keep[i] {
                    counts[g as usize] += 1;
                }
            }
            for (i, &g) in f.codes.iter().enumerate() {
                if keep[i] && counts[g as usize] == 1 {
                    keep[i] = false;
                    dropped_now += 1;
                }
            }
        }
        if dropped_now == 0 {
            break;
        }
    }
    let rows: Vec<usize> = (0..n).filter(|&i| keep[i]).collect();
    let dropped = n - rows.len();
    (rows, dropped)
}

/// Rank of the fixed-effect dummy matrix `[D_1 … D_Q]` (the intercept included): the number
/// of fixed-effect parameters. Exact for one and two fixed effects (two: levels minus the
/// connected components of the bipartite graph of their levels); for three or more each
/// further fixed effect counts its levels minus one, as reghdfe does, which can overstate
/// the rank (understating degrees of freedom: conservative).
pub fn fe_rank(factors: &[Factor]) -> usize {
    match factors {
        [] => 0,
        [a] => a.n_levels,
        [a, b, rest @ ..] => {
            let comps = bipartite_components(a, b);
            a.n_levels + b.n_levels - comps
                + rest
                    .iter()
                    .map(|f| f.n_levels.saturating_sub(1))
                    .sum::<usize>()
        }
    }
}

fn bipartite_components(a: &Factor, b: &Factor) -> usize {
    let na = a.n_levels;
    let mut parent: Vec<usize> = (0..na + b.n_levels).collect();
    fn find(p: &mut [usize], mut x: usize) -> usize {
        while p[x] != x {
            p[x] = p[p[x]];
            x = p[x];
        }
        x
    }
    for (&ga, &gb) in a.codes.iter().zip(&b.codes) {
        let ra = find(&mut parent, ga as usize);
        let rb = find(&mut parent, na + gb as usize);
        if ra != rb {
            parent[ra] = rb;
        }
    }
    (0..parent.len())
        .filter(|&x| find(&mut parent, x) == x)
        .count()
}

/// Demeans each column in place on the fixed effects (in parallel across columns; the result
/// does not depend on the number of threads).
pub fn demean_columns(
    factors: &[Factor],
    columns: &mut [Vec<f64>],
    opts: &DemeanOptions,
) -> Vec<DemeanInfo> {
    let counts: Vec<Vec<f64>> = factors
        .iter()
        .map(|f| f.counts().into_iter().map(|c| c as f64).collect())
        .collect();
    columns
        .par_iter_mut()
        .map(|col| demean_one(factors, &counts, col, opts))
        .collect()
}

fn demean_one(
    factors: &[Factor],
    counts: &[Vec<f64>],
    v: &mut [f64],
    opts: &DemeanOptions,
) -> DemeanInfo {
    let n = v.len();
    if factors.is_empty() || n == 0 {
        return DemeanInfo {
            iterations: 0,
            converged: true,
        };
    }
    let rms = (v.iter().map(|x| x * x).sum::<f64>() / n as f64).sqrt();
    if rms == 0.0 {
        return DemeanInfo {
            iterations: 0,
            converged: true,
        };
    }
    let offsets: Vec<usize> = factors
        .iter()
        .scan(0, |acc, f| {
            let o = *acc;
            *acc += f.n_levels;
            Some(o)
        })
        .collect();
    let total_levels: usize = factors.iter().map(|f| f.n_levels).sum();
    let mut state = Sweeper::new(factors, counts, &offsets, v, total_levels);
    let mut alpha = vec![0.0; total_levels];
    let tol = opts.tol * rms;
    if factors.len() == 1 {
        state.sweep(&mut alpha);
        state.finish(&alpha);
        return DemeanInfo {
            iterations: 1,
            converged: true,
        };
    }
    let mut iterations = 0;
    let mut converged = false;
    let mut gx = alpha.clone();
    let mut ggx = alpha.clone();
    while iterations < opts.max_iter {
        // x → F(x) → F(F(x)), then Irons–Tuck extrapolation.
        gx.copy_from_slice(&alpha);
        state.sweep(&mut gx);
        iterations += 1;
        if max_abs_diff(&gx, &alpha) <= tol {
            alpha.copy_from_slice(&gx);
            converged = true;
            break;
        }
        ggx.copy_from_slice(&gx);
        state.sweep(&mut ggx);
        iterations += 1;
        if max_abs_diff(&ggx, &gx) <= tol {
            alpha.copy_from_slice(&ggx);
            converged = true;
            break;
        }
        let mut num = 0.0;
        let mut den = 0.0;
        for i in 0..total_levels {
            let d_gx = ggx[i] - gx[i];
            let d2 = d_gx - (gx[i] - alpha[i]);
            num += d_gx * d2;
            den += d2 * d2;
        }
        if den > 0.0 {
            let c = num / den;
            for i in 0..total_levels {
                alpha[i] = ggx[i] - c * (ggx[i] - gx[i]);
            }
        } else {
            alpha.copy_from_slice(&ggx);
        }
    }
    state.finish(&alpha);
    DemeanInfo {
        iterations,
        converged,
    }
}

struct Sweeper<'a> {
    factors: &'a [Factor],
    counts: &'a [Vec<f64>],
    offsets: &'a [usize],
    v: &'a mut [f64],
    /// Group sums of `v` per fixed effect (fixed over the iterations).
    v_sums: Vec<f64>,
    sums: Vec<f64>,
}

impl<'a> Sweeper<'a> {
    fn new(
        factors: &'a [Factor],
        counts: &'a [Vec<f64>],
        offsets: &'a [usize],
        v: &'a mut [f64],
        total_levels: usize,
    ) -> Self {
        let mut v_sums = vec![0.0; total_levels];
        for (q, f) in factors.iter().enumerate() {
            let s = &mut v_sums[offsets[q]..offsets[q] + f.n_levels];
            for (&g, &vi) in f.codes.iter().zip(v.iter()) {
                s[g as usize] += vi;
            }
        }
        Sweeper {
            factors,
            counts,
            offsets,
            v,
            v_sums,
            sums: vec![0.0; total_levels],
        }
    }

    /// One block Gauss–Seidel sweep: each α_q becomes the group means of `v` minus the other
    /// fixed effects: `α_q[g] = (Σ_{i∈g} v_i − Σ_{i∈g} Σ_{r≠q} α_r[g_r(i)]) / n_g`, one pass
    /// over the rows per fixed effect.
    fn sweep(&mut self, alpha: &mut [f64]) {
        let nq = self.factors.len();
        for q in 0..nq {
            let f = &self.factors[q];
            let off = self.offsets[q];
            let sums = &mut self.sums[off..off + f.n_levels];
            sums.copy_from_slice(&self.v_sums[off..off + f.n_levels]);
            if nq == 2 {
                let r = 1 - q;
                let other = &self.factors[r];
                let a = &alpha[self.offsets[r]..self.offsets[r] + other.n_levels];
                for (&g, &h) in f.codes.iter().zip(&other.codes) {
                    sums[g as usize] -= a[h as usize];
                }
            } else {
                for i in 0..f.codes.len() {
                    let mut o = 0.0;
                    for (r, fr) in self.factors.iter().enumerate() {
                        if r != q {
                            o += alpha[self.offsets[r] + fr.codes[i] as usize];
                        }
                    }
                    sums[f.codes[i] as usize] -= o;
                }
            }
            let a = &mut alpha[off..off + f.n_levels];
            for ((a, s), c) in a.iter_mut().zip(sums.iter()).zip(&self.counts[q]) {
                *a = s / c;
            }
        }
    }

    /// `v ← v − Σ_q α_q[g_q(i)]`.
    fn finish(&mut self, alpha: &[f64]) {
        for (q, f) in self.factors.iter().enumerate() {
            let a = &alpha[self.offsets[q]..self.offsets[q] + f.n_levels];
            for (vi, &g) in self.v.iter_mut().zip(&f.codes) {
                *vi -= a[g as usize];
            }
        }
    }
}

fn max_abs_diff(a: &[f64], b: &[f64]) -> f64 {
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f64::max)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn singletons_are_dropped_repeatedly() {
        let firm = Factor::from_values("firm", &["a", "a", "b", "c", "b"]);
        let year = Factor::from_values("year", &[1, 2, 3, 3, 1]);
        let (rows, dropped) = drop_singletons(&[firm, year]);
        // Row 3 is alone in firm c; without it rows 1 and 2 are alone in years 2 and 3;
        // without those, rows 0 and 4 are alone in firms a and b: everything unravels.
        assert!(rows.is_empty());
        assert_eq!(dropped, 5);
        let firm = Factor::from_values("firm", &["a", "a", "b", "b", "c"]);
        let (rows, dropped) = drop_singletons(&[firm]);
        assert_eq!((rows, dropped), (vec![0, 1, 2, 3], 1));
    }

    #[test]
    fn rank_of_two_way_dummies() {
        // 3 firms × 2 years, connected: 3 + 2 − 1.
        let firm = Factor::from_values("firm", &[0, 0, 1, 1, 2, 2]);
        let year = Factor::from_values("year", &[0, 1, 0, 1, 0, 1]);
        assert_eq!(fe_rank(&[firm, year]), 4);
        // Two disconnected blocks: firms {0,1} in years {0,1}; firm 2 in year 2.
        let firm = Factor::from_values("firm", &[0, 0, 1, 1, 2, 2]);
        let year = Factor::from_values("year", &[0, 1, 0, 1, 2, 2]);
        assert_eq!(fe_rank(&[firm, year]), 3 + 3 - 2);
    }

    #[test]
    fn demeaning_matches_dummy_regression_on_unbalanced_panel() {
        // Unbalanced 4×4 panel with a hole: demeaned values must be orthogonal to every
        // dummy (group sums zero) and v − demeaned must be in the dummy span (checked by the
        // group sums of the residual being zero, which is the normal-equation condition).
        let firm: Vec<u32> = vec![0, 0, 0, 1, 1, 2, 2, 2, 3, 3, 3, 3];
        let year: Vec<u32> = vec![0, 1, 2, 0, 3, 1, 2, 3, 0, 1, 2, 3];
        let fa = Factor::from_codes("firm", &firm);
        let fb = Factor::from_codes("year", &year);
        let mut cols = vec![(0..12)
            .map(|i| ((i * 7 % 5) as f64).sin() + i as f64)
            .collect()];
        let info = demean_columns(
            &[fa.clone(), fb.clone()],
            &mut cols,
            &DemeanOptions::default(),
        );
        assert!(info[0].converged);
        for f in [&fa, &fb] {
            let mut sums = vec![0.0; f.n_levels];
            for (i, &g) in f.codes.iter().enumerate() {
                sums[g as usize] += cols[0][i];
            }
            assert!(sums.iter().all(|s| s.abs() < 1e-9), "{sums:?}");
        }
    }
}
