//! DREAM(ZS): differential-evolution Markov chains that draw their jumps from an archive `Z` of
//! past states (ter Braak & Vrugt 2008, "Differential Evolution Markov Chain with snooker
//! updater and fewer chains", Stat. Comput. 18:435–446; Vrugt 2016, "Markov chain Monte Carlo
//! simulation using the DREAM software package", Environ. Model. Softw. 75:273–316).
//!
//! Each iteration a chain at `x` proposes, with probability `1 − snooker`, a *parallel
//! direction* jump on a random subset of coordinates: each coordinate joins with probability
//! `CR` (at least one does; `d'` join), `δ ~ U{1..pairs}` pairs `(a_k, b_k)` of distinct archive
//! rows are drawn and
//! `x'_j = x_j + (1 + e_j)·γ·Σ_k (Z_{a_k j} − Z_{b_k j}) + ε_j` with
//! `γ = 2.38/√(2δd')` (1 with probability `unit_jump`, to hop between modes),
//! `e_j ~ U(−jitter, jitter)` and `ε_j ~ N(0, (noise·sd_j)²)` (`sd_j`: the archive's spread).
//! With probability `snooker` it proposes a *snooker* jump: archive rows `z, r₁, r₂`,
//! `x' = x + γ_s·P(r₁ − r₂)` with `P` the projection on the line through `x` and `z` and
//! `γ_s ~ U(1.2, 2.2)`, accepted with the extra factor `(‖x' − z‖/‖x − z‖)^(d−1)`. Both
//! proposals are symmetric given the archive, so the Metropolis ratio is the density ratio
//! (times the snooker factor).
//!
//! The archive starts with `archive_init` draws from the initial distribution (no
//! evaluations) and receives every chain's state every `archive_every` iterations. The
//! crossover probabilities of the `CR` values `{1/n, 2/n, ..., 1}` adapt during warm-up to
//! favour the values with the largest normalised squared jump per use (Vrugt 2016, §3.2), and
//! are fixed afterwards.
//!
//! Parallelism: between two archive updates the chains only read the archive, so each chain
//! runs those `archive_every` iterations alone on a thread; the archive update and the
//! crossover statistics are merged in chain order, so the draws do not depend on the thread
//! count.

use super::{Block, Chain, Initial, LogDensity, SamplerOptions};
use crate::error::CalibrateError;
use pressure_stats::rng::unit_open;
use pressure_stats::rng_for;
use rand::Rng;
use rand_distr::StandardNormal;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// Random stream of the DREAM(ZS) iterations.
pub const STREAM: u64 = 0xca_0007;
/// Random stream of the initial archive.
const STREAM_ARCHIVE: u64 = 0xca_0008;

/// Settings of DREAM(ZS) (defaults from Vrugt 2016, Table 2, and ter Braak & Vrugt 2008).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DreamOptions {
    /// Number of crossover values `CR ∈ {1/n, ..., 1}`.
    pub crossover_values: usize,
    /// Adapt the crossover probabilities during warm-up.
    pub adapt_crossover: bool,
    /// Largest number of difference pairs `δ` per jump.
    pub pairs: usize,
    /// Probability of a snooker jump.
    pub snooker: f64,
    /// Probability of `γ = 1` (a jump across modes).
    pub unit_jump: f64,
    /// Iterations between archive updates (`K`).
    pub archive_every: usize,
    /// Size of the initial archive (`None`: 10·d).
    pub archive_init: Option<usize>,
    /// Half-width `b` of the multiplicative jitter `e ~ U(−b, b)`.
    pub jitter: f64,
    /// Standard deviation `b*` of the additive noise, relative to the archive's spread.
    pub noise: f64,
    /// At the end of warm-up, drop the initial archive and the rows of the first half of
    /// warm-up, so that jumps after warm-up are differences of (nearly) posterior states.
    pub prune_archive: bool,
}

impl Default for DreamOptions {
    fn default() -> Self {
        DreamOptions {
            crossover_values: 3,
            adapt_crossover: true,
            pairs: 1,
            snooker: 0.1,
            unit_jump: 0.2,
            archive_every: 10,
            archive_init: None,
            jitter: 0.05,
            noise: 1e-6,
            prune_archive: true,
        }
    }
}

/// Fewest chains DREAM(ZS) runs with (ter Braak & Vrugt 2008 use 3).
pub const MIN_CHAINS: usize = 3;

impl DreamOptions {
    /// Rows the archive needs before the first jump: distinct rows for the differences
    /// (`2δ`, 3 for the snooker) and `d + 1` so that the differences span every direction.
    pub fn min_archive(&self, dim: usize) -> usize {
        (2 * self.pairs).max(3).max(dim + 1)
    }

    fn archive_init(&self, dim: usize) -> usize {
        self.archive_init
            .unwrap_or(10 * dim)
            .max(self.min_archive(dim))
    }

    pub(super) fn validate(&self, chains: usize, dim: usize) -> Result<(), CalibrateError> {
        let bad = |m: String| Err(CalibrateError::invalid(format!("dream_zs: {m}")));
        if chains < MIN_CHAINS {
            return bad(format!(
                "{chains} chains: DREAM(ZS) needs at least {MIN_CHAINS} (ter Braak & Vrugt 2008) so that its archive of past states mixes several trajectories and R-hat can compare them"
            ));
        }
        if self.crossover_values == 0 || self.pairs == 0 || self.archive_every == 0 {
            return bad(format!(
                "crossover_values, pairs and archive_every must be at least 1 (got {}, {}, {})",
                self.crossover_values, self.pairs, self.archive_every
            ));
        }
        for (name, p) in [("snooker", self.snooker), ("unit_jump", self.unit_jump)] {
            if !(0.0..=1.0).contains(&p) {
                return bad(format!("{name} is a probability, got {p}"));
            }
        }
        if !((0.0..1.0).contains(&self.jitter) && self.noise >= 0.0 && self.noise.is_finite()) {
            return bad(format!(
                "jitter must be in [0, 1) and noise non-negative (got {}, {})",
                self.jitter, self.noise
            ));
        }
        if let Some(m) = self.archive_init {
            if m < self.min_archive(dim) {
                return bad(format!(
                    "archive_init = {m} is below the {} rows a {dim}-dimensional target needs (d + 1, and 2 x pairs)",
                    self.min_archive(dim)
                ));
            }
        }
        Ok(())
    }
}

/// The archive and the crossover adaptation (what a checkpoint keeps besides the chains).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(super) struct State {
    /// Archive rows, flat (`rows × d`).
    #[serde(with = "crate::checkpoint::bits")]
    archive: Vec<f64>,
    /// Welford mean and sum of squares of the archive per coordinate.
    #[serde(with = "crate::checkpoint::bits")]
    mean: Vec<f64>,
    #[serde(with = "crate::checkpoint::bits")]
    m2: Vec<f64>,
    /// Selection probability of each crossover value.
    #[serde(with = "crate::checkpoint::bits")]
    p_cr: Vec<f64>,
    /// Uses and summed normalised squared jumps of each crossover value during warm-up.
    #[serde(with = "crate::checkpoint::bits")]
    cr_uses: Vec<f64>,
    #[serde(with = "crate::checkpoint::bits")]
    cr_jump: Vec<f64>,
    /// Rows of the initial archive.
    initial_rows: usize,
}

impl State {
    pub(super) fn new(
        initial: &Initial,
        _chains: &[Chain],
        opts: &SamplerOptions,
    ) -> Result<State, CalibrateError> {
        let o = &opts.dream;
        let (rows, dim): (Vec<Vec<f64>>, usize) = match initial {
            Initial::Gaussian { mean, cov, scale } => {
                let dim = mean.len();
                let l = super::cholesky(cov, dim);
                let mut rng = rng_for(opts.seed, STREAM_ARCHIVE, 0);
                let rows = (0..o.archive_init(dim))
                    .map(|_| {
                        let e: Vec<f64> = (0..dim).map(|_| rng.sample(StandardNormal)).collect();
                        super::affine(mean, &l, *scale, &e)
                    })
                    .collect();
                (rows, dim)
            }
            Initial::Points(points) => {
                let dim = points.first().map_or(0, |p| p.len());
                if points.len() < o.min_archive(dim) {
                    return Err(CalibrateError::invalid(format!(
                        "dream_zs: {} initial points seed its archive, a {dim}-dimensional target needs at least {} (d + 1, and 2 x pairs; 10 d recommended) or a Gaussian initial distribution",
                        points.len(),
                        o.min_archive(dim)
                    )));
                }
                (points.clone(), dim)
            }
        };
        let n = o.crossover_values;
        let mut s = State {
            archive: Vec::with_capacity(rows.len() * dim),
            mean: vec![0.0; dim],
            m2: vec![0.0; dim],
            p_cr: vec![1.0 / n as f64; n],
            cr_uses: vec![0.0; n],
            cr_jump: vec![0.0; n],
            initial_rows: rows.len(),
        };
        for r in &rows {
            s.push(r);
        }
        Ok(s)
    }

    fn rows(&self) -> usize {
        self.archive.len() / self.mean.len()
    }

    /// Keeps the later half of the rows the chains added (see
    /// [`DreamOptions::prune_archive`]), when that leaves enough rows.
    fn prune(&mut self, min_rows: usize) {
        let d = self.mean.len();
        let added = self.rows() - self.initial_rows;
        let keep_from = self.initial_rows + added / 2;
        if self.rows() - keep_from < min_rows {
            return;
        }
        let kept = self.archive.split_off(keep_from * d);
        self.archive.clear();
        self.mean.iter_mut().for_each(|v| *v = 0.0);
        self.m2.iter_mut().for_each(|v| *v = 0.0);
        for r in kept.chunks(d) {
            self.push(r);
        }
    }

    fn push(&mut self, x: &[f64]) {
        self.archive.extend_from_slice(x);
        let k = self.rows() as f64;
        for (j, v) in x.iter().enumerate() {
            let delta = v - self.mean[j];
            self.mean[j] += delta / k;
            self.m2[j] += delta * (v - self.mean[j]);
        }
    }

    /// Spread of the archive per coordinate (1 where it is degenerate).
    fn sd(&self) -> Vec<f64> {
        let k = self.rows() as f64;
        self.m2
            .iter()
            .map(|m| {
                let s = (m / (k - 1.0)).sqrt();
                if s.is_finite() && s > 0.0 {
                    s
                } else {
                    1.0
                }
            })
            .collect()
    }

    /// Crossover probabilities ∝ mean normalised squared jump per use. A small floor keeps
    /// every value in play, so one unlucky early stretch cannot silence it for good (an
    /// assumption of this implementation; Vrugt's update has none).
    fn adapt(&mut self) {
        if self.cr_uses.contains(&0.0) {
            return;
        }
        let rate: Vec<f64> = self
            .cr_jump
            .iter()
            .zip(&self.cr_uses)
            .map(|(j, u)| j / u)
            .collect();
        let total: f64 = rate.iter().sum();
        if !(total > 0.0 && total.is_finite()) {
            return;
        }
        let n = rate.len() as f64;
        for (p, r) in self.p_cr.iter_mut().zip(&rate) {
            *p = 0.9 * r / total + 0.1 / n;
        }
    }
}

/// Crossover statistics of one chain over one stretch of iterations.
struct CrStats {
    uses: Vec<f64>,
    jump: Vec<f64>,
}

/// Distinct random rows of an archive of `rows` rows.
fn distinct<R: Rng>(rng: &mut R, rows: usize, out: &mut [usize]) {
    for k in 0..out.len() {
        loop {
            let r = rng.random_range(0..rows);
            if !out[..k].contains(&r) {
                out[k] = r;
                break;
            }
        }
    }
}

/// Runs one block: stretches of up to `archive_every` iterations per chain in parallel,
/// then the archive update and the crossover adaptation.
pub(super) fn run_block<D: LogDensity + ?Sized>(
    block: &Block<'_, D>,
    chains: &mut [Chain],
    state: &mut State,
) {
    let o = &block.opts.dream;
    let k_every = o.archive_every;
    let mut rngs: Vec<_> = (0..chains.len()).map(|c| block.rng(STREAM, c)).collect();
    let mut it = block.start;
    while it < block.end {
        let mut stretch_end = block.end.min((it / k_every + 1) * k_every);
        if it < block.warmup {
            stretch_end = stretch_end.min(block.warmup);
        }
        let sd = state.sd();
        let shared: &State = state;
        let stats: Vec<CrStats> = chains
            .par_iter_mut()
            .zip(rngs.par_iter_mut())
            .map(|(chain, rng)| {
                let mut st = CrStats {
                    uses: vec![0.0; o.crossover_values],
                    jump: vec![0.0; o.crossover_values],
                };
                for i in it..stretch_end {
                    step(block, shared, &sd, chain, rng, i < block.warmup, &mut st);
                    chain.record(block.density, i + 1, block.warmup, block.opts.thin);
                }
                st
            })
            .collect();
        if stretch_end % k_every == 0 {
            for c in chains.iter() {
                state.push(&c.x);
            }
        }
        if it < block.warmup && o.adapt_crossover {
            for st in &stats {
                for m in 0..o.crossover_values {
                    state.cr_uses[m] += st.uses[m];
                    state.cr_jump[m] += st.jump[m];
                }
            }
            state.adapt();
        }
        if stretch_end == block.warmup && o.prune_archive {
            state.prune(o.min_archive(chains[0].x.len()));
        }
        it = stretch_end;
    }
}

/// One DREAM(ZS) iteration of one chain.
fn step<D: LogDensity + ?Sized, R: Rng>(
    block: &Block<'_, D>,
    state: &State,
    sd: &[f64],
    chain: &mut Chain,
    rng: &mut R,
    warming: bool,
    stats: &mut CrStats,
) {
    let o = &block.opts.dream;
    let d = chain.x.len();
    let rows = state.rows();
    let z = |r: usize, j: usize| state.archive[r * d + j];
    let mut cand = chain.x.clone();
    if unit_open(rng) < o.snooker {
        let mut idx = [0usize; 3];
        distinct(rng, rows, &mut idx);
        let gamma = 1.2 + unit_open(rng);
        let u = unit_open(rng);
        let (mut ee, mut de) = (0.0, 0.0);
        for j in 0..d {
            let e = chain.x[j] - z(idx[0], j);
            ee += e * e;
            de += (z(idx[1], j) - z(idx[2], j)) * e;
        }
        if !(ee > 0.0 && ee.is_finite()) {
            // The chain sits on an archive row: no direction, no move (no evaluation).
            return;
        }
        let t = gamma * de / ee;
        for j in 0..d {
            cand[j] = chain.x[j] + t * (chain.x[j] - z(idx[0], j));
        }
        // ‖x' − z‖ = |1 + t|·‖x − z‖.
        let log_ratio = (d as f64 - 1.0) * (1.0 + t).abs().ln();
        let lp = block.density.log_density(&cand);
        chain.consider(&cand, lp, log_ratio, u);
        return;
    }
    let delta = 1 + rng.random_range(0..o.pairs);
    let mut idx = vec![0usize; 2 * delta];
    distinct(rng, rows, &mut idx);
    // Crossover value.
    let u = unit_open(rng);
    let mut m = 0;
    let mut acc = state.p_cr[0];
    while u > acc && m + 1 < state.p_cr.len() {
        m += 1;
        acc += state.p_cr[m];
    }
    let cr = (m + 1) as f64 / o.crossover_values as f64;
    let mut selected: Vec<bool> = (0..d).map(|_| unit_open(rng) < cr).collect();
    if !selected.iter().any(|s| *s) {
        selected[rng.random_range(0..d)] = true;
    }
    let d_sel = selected.iter().filter(|s| **s).count();
    let gamma = if unit_open(rng) < o.unit_jump {
        1.0
    } else {
        2.38 / ((2 * delta * d_sel) as f64).sqrt()
    };
    let mut jump = 0.0;
    for j in 0..d {
        if !selected[j] {
            continue;
        }
        let diff: f64 = (0..delta)
            .map(|k| z(idx[2 * k], j) - z(idx[2 * k + 1], j))
            .sum();
        let e = o.jitter * (2.0 * unit_open(rng) - 1.0);
        let eps: f64 = rng.sample::<f64, _>(StandardNormal) * o.noise * sd[j];
        cand[j] = chain.x[j] + (1.0 + e) * gamma * diff + eps;
        let step = (cand[j] - chain.x[j]) / sd[j];
        jump += step * step;
    }
    let u = unit_open(rng);
    let lp = block.density.log_density(&cand);
    let accepted = chain.consider(&cand, lp, 0.0, u);
    if warming {
        stats.uses[m] += 1.0;
        if accepted {
            stats.jump[m] += jump;
        }
    }
}
