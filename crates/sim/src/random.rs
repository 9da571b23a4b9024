//! RANDOM NORMAL / RANDOM UNIFORM: one explicit PCG stream per call site, seeded from the run
//! seed and the call's seed argument, so results never depend on threads or evaluation order.

use pressure_model::Builtin;
use pressure_stats::rng::unit_open;
use pressure_stats::{rng_for, Rng64};
use rand_distr::{Distribution, StandardNormal};

/// Stream id of model noise in the `(seed, stream, index)` convention of `pressure-stats`.
const STREAM_MODEL_NOISE: u64 = 0x5D_0001;

/// One random call site (one element of an arrayed one).
#[derive(Debug, Clone)]
pub(crate) struct RandomSpec {
    pub normal: bool,
    pub out: u32,
    /// min, max, mean, sd, seed for NORMAL; min, max, seed for UNIFORM.
    pub args: Vec<u32>,
}

impl RandomSpec {
    pub fn new(dist: Builtin, out: u32, args: &[u32]) -> Self {
        RandomSpec {
            normal: dist == Builtin::RandomNormal,
            out,
            args: args.to_vec(),
        }
    }

    pub fn relocate(&mut self, f: impl Fn(u32) -> u32) {
        self.out = f(self.out);
        for a in &mut self.args {
            *a = f(*a);
        }
    }
}

/// The generators of one simulator.
pub(crate) struct RandomState {
    specs: Vec<RandomSpec>,
    rngs: Vec<Rng64>,
    /// Whether each stream has been seeded in the current run (seeding waits until the
    /// initial program has computed the seed argument).
    seeded: Vec<bool>,
    run_seed: u64,
}

impl RandomState {
    pub fn new(specs: &[RandomSpec]) -> Self {
        RandomState {
            specs: specs.to_vec(),
            rngs: (0..specs.len()).map(|_| rng_for(0, 0, 0)).collect(),
            seeded: vec![false; specs.len()],
            run_seed: 0,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.specs.is_empty()
    }

    /// Starts a run with seed `seed`: every stream restarts at its first draw.
    pub fn begin(&mut self, seed: u64) {
        self.run_seed = seed;
        self.seeded.iter_mut().for_each(|s| *s = false);
    }

    /// A new draw for call site `k`, using its argument slots.
    pub fn draw(&mut self, k: usize, slots: &[f64]) -> f64 {
        let spec = &self.specs[k];
        if !self.seeded[k] {
            let arg = slots[*spec.args.last().expect("a seed argument") as usize];
            self.rngs[k] = rng_for(self.run_seed, STREAM_MODEL_NOISE, arg.round() as i64 as u64);
            self.seeded[k] = true;
        }
        let rng = &mut self.rngs[k];
        let a = |i: usize| slots[spec.args[i] as usize];
        let (lo, hi) = (a(0), a(1));
        if spec.normal {
            let (mean, sd) = (a(2), a(3));
            // Truncated normal by rejection; after 1000 misses (a window far in a tail) clamp.
            for _ in 0..1000 {
                let z: f64 = StandardNormal.sample(rng);
                let x = mean + sd * z;
                if x >= lo && x <= hi {
                    return x;
                }
            }
            mean.clamp(lo.min(hi), hi.max(lo))
        } else {
            lo + (hi - lo) * unit_open(rng)
        }
    }

    /// New draws for every call site, written to their output slots (once per time step).
    pub fn draw_all(&mut self, slots: &mut [f64]) {
        for k in 0..self.specs.len() {
            let v = self.draw(k, slots);
            slots[self.specs[k].out as usize] = v;
        }
    }
}
