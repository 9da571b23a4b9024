//! The Sobol' sequence (Joe–Kuo D6 direction numbers from the `sobol` crate) with optional
//! scrambling, and a plain quasi-Monte Carlo design built on it.
//!
//! **Scrambling** is Matoušek's linear matrix scramble plus a random digital shift ("LMS +
//! shift", Matoušek 1998; the method scipy's `qmc.Sobol(scramble=True)` and therefore SALib 1.6
//! use): for each dimension a random lower-triangular binary matrix with unit diagonal multiplies
//! every direction number (so digit `i` of a point depends only on digits `1..=i`), and a random
//! 53-bit vector is XOR-ed onto every point. The scrambled sequence is still a digital
//! (t, m, s)-net in base 2, so 2^m points stay balanced, and it is unbiased for integration.
//! The random bits come from `rng_for(seed, streams::SOBOL_SCRAMBLE, dimension)`; the numbers
//! differ from scipy's because the random streams differ.
//!
//! Points are generated in Gray-code order (as scipy does) with 53-bit resolution and mapped to
//! the open interval as `(k + 0.5) / 2^53`, so no coordinate is exactly 0 or 1. Without
//! scrambling the first point is the origin (mapped to 2^-54): use scrambling (the default)
//! with unbounded distributions.

use super::{require_power_of_two, streams, Design};
use crate::error::{Result, SensitivityError};
use pressure_stats::rng_for;
use rand::RngCore;
use sobol::params::JoeKuoD6;
use sobol::Sobol;

const BITS: usize = 53;
const SCALE: f64 = 1.0 / 9_007_199_254_740_992.0; // 2^-53

/// A (possibly scrambled) Sobol' sequence with random access to any point.
#[derive(Debug, Clone)]
pub struct SobolSequence {
    dims: usize,
    /// `dims * BITS` direction numbers, top-aligned in 64-bit words (digit 1 = bit 63).
    dirs: Vec<u64>,
    /// Digital shift per dimension (zero when not scrambled).
    shift: Vec<u64>,
}

impl SobolSequence {
    /// `dims` dimensions (at most 21 201); `scramble_seed` = `Some(seed)` for LMS + shift.
    pub fn new(dims: usize, scramble_seed: Option<u64>) -> Result<Self> {
        if dims == 0 {
            return Err(SensitivityError::InvalidSetting(
                "a Sobol' sequence needs at least one dimension".into(),
            ));
        }
        let table = if dims <= 100 {
            JoeKuoD6::minimal()
        } else if dims <= 1000 {
            JoeKuoD6::standard()
        } else {
            JoeKuoD6::extended()
        };
        if dims > table.max_dims {
            return Err(SensitivityError::InvalidSetting(format!(
                "Sobol' sequences support at most {} dimensions, {dims} requested",
                table.max_dims
            )));
        }
        let per_dim = Sobol::<f64>::init_direction_vals::<u32>(dims, BITS, &table);
        let mut dirs = Vec::with_capacity(dims * BITS);
        let mut shift = vec![0u64; dims];
        for (d, v) in per_dim.into_iter().enumerate() {
            debug_assert_eq!(v.len(), BITS);
            match scramble_seed {
                None => dirs.extend_from_slice(&v),
                Some(seed) => {
                    let mut rng = rng_for(seed, streams::SOBOL_SCRAMBLE, d as u64);
                    let masks = lms_rows(&mut rng);
                    dirs.extend(v.iter().map(|&x| apply_rows(&masks, x)));
                    shift[d] = rng.next_u64() & top_mask();
                }
            }
        }
        Ok(SobolSequence { dims, dirs, shift })
    }

    pub fn dims(&self) -> usize {
        self.dims
    }

    /// Writes point `index` (0-based, Gray-code order) into `out[..dims]`.
    pub fn point(&self, index: u64, out: &mut [f64]) {
        let gray = index ^ (index >> 1);
        for (d, o) in out[..self.dims].iter_mut().enumerate() {
            let dirs = &self.dirs[d * BITS..(d + 1) * BITS];
            let mut x = self.shift[d];
            let mut g = gray;
            while g != 0 {
                let k = g.trailing_zeros() as usize;
                x ^= dirs[k];
                g &= g - 1;
            }
            *o = render(x);
        }
    }

    /// Writes points `start .. start + count` row-major into `out` (Gray-code recursion after
    /// the first point: one XOR per coordinate).
    pub fn fill(&self, start: u64, count: usize, out: &mut [f64]) {
        if count == 0 {
            return;
        }
        let d = self.dims;
        let gray = start ^ (start >> 1);
        let mut state: Vec<u64> = (0..d)
            .map(|j| {
                let dirs = &self.dirs[j * BITS..(j + 1) * BITS];
                let mut x = self.shift[j];
                let mut g = gray;
                while g != 0 {
                    x ^= dirs[g.trailing_zeros() as usize];
                    g &= g - 1;
                }
                x
            })
            .collect();
        for (i, row) in out.chunks_exact_mut(d).take(count).enumerate() {
            if i > 0 {
                let k = (start + i as u64).trailing_zeros() as usize;
                for (j, s) in state.iter_mut().enumerate() {
                    *s ^= self.dirs[j * BITS + k];
                }
            }
            for (o, &s) in row.iter_mut().zip(&state) {
                *o = render(s);
            }
        }
    }
}

#[inline]
fn top_mask() -> u64 {
    !0u64 << (64 - BITS)
}

#[inline]
fn render(x: u64) -> f64 {
    ((x >> (64 - BITS)) as f64 + 0.5) * SCALE
}

/// Rows of a random lower-triangular binary matrix with unit diagonal, as masks over
/// top-aligned digits: row `i` (0-based) covers digits `0..=i`, digit `i` always set.
fn lms_rows<R: RngCore>(rng: &mut R) -> [u64; BITS] {
    let mut rows = [0u64; BITS];
    for (i, row) in rows.iter_mut().enumerate() {
        let diagonal = 1u64 << (63 - i);
        // Digits strictly more significant than i: bits 63 .. 63 - i + 1.
        let above = if i == 0 { 0 } else { !0u64 << (64 - i) };
        *row = (rng.next_u64() & above) | diagonal;
    }
    rows
}

/// `L · v` over GF(2): output digit i is the parity of `v & rows[i]`.
#[inline]
fn apply_rows(rows: &[u64; BITS], v: u64) -> u64 {
    let mut out = 0u64;
    for (i, &row) in rows.iter().enumerate() {
        out |= (((v & row).count_ones() & 1) as u64) << (63 - i);
    }
    out
}

/// Plain quasi-Monte Carlo design: the first `n` points of a Sobol' sequence (one run per
/// group). `n` must be a power of two.
#[derive(Debug, Clone)]
pub struct SobolDesign {
    seq: SobolSequence,
    n: usize,
}

impl SobolDesign {
    pub fn new(dims: usize, n: usize, scramble_seed: Option<u64>) -> Result<Self> {
        require_power_of_two("the Sobol' sampler", n, 2)?;
        Ok(SobolDesign {
            seq: SobolSequence::new(dims, scramble_seed)?,
            n,
        })
    }
}

impl Design for SobolDesign {
    fn name(&self) -> &'static str {
        "sobol"
    }
    fn dims(&self) -> usize {
        self.seq.dims()
    }
    fn group_size(&self) -> usize {
        1
    }
    fn n_groups(&self) -> usize {
        self.n
    }
    fn fill_unit(&self, first: usize, count: usize, out: &mut [f64]) {
        self.seq.fill(first as u64, count, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unscrambled_matches_known_points() {
        // First Sobol' points (Joe-Kuo), Gray-code order, as scipy.stats.qmc.Sobol(2,
        // scramble=False).random(4): [[0,0],[.5,.5],[.75,.25],[.25,.75]].
        let s = SobolSequence::new(2, None).unwrap();
        let mut out = vec![0.0; 8];
        s.fill(0, 4, &mut out);
        let want = [0.0, 0.0, 0.5, 0.5, 0.75, 0.25, 0.25, 0.75];
        for (o, w) in out.iter().zip(want) {
            assert!((o - w).abs() < 1e-15, "{out:?}");
        }
    }

    #[test]
    fn fill_equals_random_access() {
        for scramble in [None, Some(7)] {
            let s = SobolSequence::new(5, scramble).unwrap();
            let mut block = vec![0.0; 5 * 37];
            s.fill(91, 37, &mut block);
            let mut p = vec![0.0; 5];
            for i in 0..37 {
                s.point(91 + i as u64, &mut p);
                assert_eq!(&block[i * 5..i * 5 + 5], &p[..]);
            }
        }
    }

    #[test]
    fn scrambled_net_is_balanced() {
        // A scrambled (t,m,s)-net in base 2: each 1-D projection of 2^m points has exactly one
        // point in each interval [k/2^m, (k+1)/2^m).
        let m = 10;
        let n = 1 << m;
        let s = SobolSequence::new(6, Some(42)).unwrap();
        let mut pts = vec![0.0; 6 * n];
        s.fill(0, n, &mut pts);
        for d in 0..6 {
            let mut seen = vec![false; n];
            for i in 0..n {
                let x = pts[i * 6 + d];
                assert!(x > 0.0 && x < 1.0);
                let cell = (x * n as f64) as usize;
                assert!(!seen[cell], "dimension {d} cell {cell} hit twice");
                seen[cell] = true;
            }
        }
        // Two 2-D projections of the first 4 points of dims 0/1: quadrants all distinct.
        let mut quads: Vec<(usize, usize)> = (0..4)
            .map(|i| ((pts[i * 6] * 2.0) as usize, (pts[i * 6 + 1] * 2.0) as usize))
            .collect();
        quads.sort();
        assert_eq!(quads, vec![(0, 0), (0, 1), (1, 0), (1, 1)]);
    }

    #[test]
    fn scrambled_mean_is_unbiased() {
        // The mean of x over scrambled nets averages to 1/2 (each net already has mean ~1/2).
        let s = SobolSequence::new(3, Some(3)).unwrap();
        let mut pts = vec![0.0; 3 * 4096];
        s.fill(0, 4096, &mut pts);
        let mean: f64 = pts.iter().sum::<f64>() / pts.len() as f64;
        assert!((mean - 0.5).abs() < 1e-4);
    }
}
