//! Link gains: the partial derivative `d to / d from` of every causal link at one time of a
//! run, computed numerically on the compiled program. Loop polarity is the sign of their
//! product around a loop (see `pressure_model::loops`).
//!
//! How: run the model to the chosen time (or just set it up, for the initial time), keep the
//! slot array, then for each link perturb one element of `from` up and down and re-evaluate
//! *only* the instructions that compute `to` (and the temporaries they use), every other
//! variable held at its value. The central difference is the partial derivative with all other
//! inputs fixed, which is what a link's polarity means (Richardson 1995).
//!
//! This module is a child of the simulator so that it can drive a run and read its slots
//! without widening the simulator's public surface.

use super::Simulator;
use crate::compiled::CompiledModel;
use crate::error::SimError;
use crate::params::ParamSet;
use crate::program::{exec, Env, Program, DT, HOLD_TIME, TIME, TIME_PLUS};
use pressure_model::loops::{GainSource, Link, LinkKind, Sign};
use pressure_model::{Model, Phase, VarId};
use std::collections::HashMap;

/// The gain of one causal link.
#[derive(Debug, Clone)]
pub struct LinkGain {
    pub link: Link,
    /// Non-zero partial derivatives `d to[i] / d from[j]` as `(i, j, value)` (element indices;
    /// `(0, 0, g)` for scalars). For inflows and outflows: the structural `+1`/`-1` per
    /// element; none for DELAY FIXED pipelines (positive, but not instantaneous).
    pub partials: Vec<(usize, usize, f64)>,
    /// The common sign of the partials ([`Sign::Zero`] when all are zero at this state).
    pub sign: Sign,
}

/// The gains of a set of links at one time.
///
/// ```
/// # let dir = tempfile::tempdir().unwrap();
/// # let path = dir.path().join("m.toml");
/// std::fs::write(&path, r#"
/// [settings]
/// stop = 10
/// dt = 0.5
/// [stocks.x]
/// initial = "1"
/// inflows = ["growth"]
/// [flows.growth]
/// equation = "r * x * (1 - x / 100)"
/// [constants.r]
/// value = 0.8
/// "#).unwrap();
/// use pressure_model::loops::{CausalGraph, Sign};
/// let model = pressure_model::load(&path).unwrap();
/// let compiled = pressure_sim::CompiledModel::compile(&model).unwrap();
/// let links = CausalGraph::new(&model).loop_links();
/// let params = compiled.default_params();
/// // At the start x = 1: d growth / d x = r (1 - 2x/100) > 0, a reinforcing loop.
/// let g0 = pressure_sim::link_gains(&model, &compiled, &params, None, &links).unwrap();
/// let x_to_growth = links.iter().find(|l| model.var(l.from).name == "x").unwrap();
/// let d = g0.get(x_to_growth).unwrap().partials[0].2;
/// assert!((d - 0.8 * (1.0 - 2.0 / 100.0)).abs() < 1e-6);
/// // At time 10 x is past 50: the same link is negative, the loop balancing.
/// let g10 = pressure_sim::link_gains(&model, &compiled, &params, Some(10.0), &links).unwrap();
/// assert_eq!(g10.sign(x_to_growth), Sign::Negative);
/// ```
#[derive(Debug, Clone)]
pub struct LinkGains {
    /// The time the gains are evaluated at.
    pub time: f64,
    gains: HashMap<Link, LinkGain>,
}

impl LinkGains {
    pub fn get(&self, link: &Link) -> Option<&LinkGain> {
        self.gains.get(link)
    }

    /// The sign of a link's gain; `Unknown` for a link that was not computed.
    pub fn sign(&self, link: &Link) -> Sign {
        self.gains
            .get(link)
            .map(|g| g.sign)
            .unwrap_or(Sign::Unknown)
    }

    pub fn len(&self) -> usize {
        self.gains.len()
    }

    pub fn is_empty(&self) -> bool {
        self.gains.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = &LinkGain> {
        self.gains.values()
    }
}

impl GainSource for LinkGains {
    fn sign(&self, link: &Link) -> Sign {
        LinkGains::sign(self, link)
    }

    /// Known for inflows, outflows and computed instant links (not for DELAY FIXED pipelines or
    /// links whose sign is unknown).
    fn partials(&self, link: &Link) -> Option<&[(usize, usize, f64)]> {
        let g = self.gains.get(link)?;
        (link.kind != LinkKind::Pipeline && g.sign != Sign::Unknown)
            .then_some(g.partials.as_slice())
    }
}

/// Relative size of the perturbation.
const STEP: f64 = 1e-6;
/// A difference smaller than this (relative to the values) is round-off: the gain is zero.
const ZERO_TOL: f64 = 1e-13;

/// Computes the gains of `links` (from `pressure_model::loops::CausalGraph`) at time `at`
/// (the initial time when `None`), running the model there with `params` and its own settings.
/// `at` must be a time of the run's `dt` grid within `[start, stop]`. Models with an adaptive
/// method are run with it and the state at `at` is taken from its output.
pub fn link_gains(
    model: &Model,
    compiled: &CompiledModel,
    params: &ParamSet,
    at: Option<f64>,
    links: &[Link],
) -> Result<LinkGains, SimError> {
    let p = &compiled.p;
    if p.var_slots.len() != model.variables.len() {
        return Err(SimError::WrongLength {
            what: "the model's variables (the compiled model comes from another model)".into(),
            expected: p.var_slots.len(),
            got: model.variables.len(),
        });
    }
    if params.len() != compiled.params.len() {
        return Err(SimError::WrongLength {
            what: "the parameter set".into(),
            expected: compiled.params.len(),
            got: params.len(),
        });
    }
    let mut settings = compiled.default_settings();
    let t = at.unwrap_or(settings.start);
    let k = (t - settings.start) / settings.dt;
    let on_grid = (k - k.round()).abs() <= 1e-9 * k.abs().max(1.0);
    let inside = (settings.start..=settings.stop).contains(&t);
    if !(inside && on_grid) {
        return Err(SimError::InvalidSettings {
            field: "at",
            message: format!(
                "time {t} is not a step of the run (from {} to {} every dt = {})",
                settings.start, settings.stop, settings.dt
            ),
            help: "choose a time start + k dt within the run".into(),
        });
    }
    let steps = k.round() as usize;
    // The slots at time t.
    let mut sim: Simulator;
    if steps == 0 {
        sim = Simulator::new(compiled, &settings)?;
        sim.core.begin(params, &settings)?;
    } else {
        settings.stop = settings.start + steps as f64 * settings.dt;
        settings.save_every = settings.dt;
        sim = Simulator::new(compiled, &settings)?;
        sim.record_indices(&[]);
        sim.run(params)?;
    }
    {
        let s = &mut sim.core.slots;
        s[TIME as usize] = t;
        s[HOLD_TIME as usize] = t;
        s[TIME_PLUS as usize] = t + 0.5 * s[DT as usize];
    }
    sim.core.eval();
    sim.core.check_finite(t)?;
    let base = sim.core.slots.clone();
    let env_series = sim.core.exo.clone();

    // Who writes each slot.
    const NONE: u32 = u32::MAX;
    let mut owner = vec![NONE; p.n_slots];
    for (i, vs) in p.var_slots.iter().enumerate() {
        if vs.base == NONE {
            continue;
        }
        for e in 0..vs.len {
            owner[(vs.base + e) as usize] = i as u32;
        }
    }
    let temps = p.vars_end as usize..p.consts_base as usize;
    let mut programs: HashMap<VarId, Program> = HashMap::new();
    let mut scratch = base.clone();
    let mut gains = HashMap::new();
    for link in links {
        let to = p.var_slots[link.to.index()];
        let from = p.var_slots[link.from.index()];
        let structural = match link.kind {
            LinkKind::Inflow => Some(1.0),
            LinkKind::Outflow => Some(-1.0),
            LinkKind::Pipeline => {
                // The value comes out later, unchanged: positive, with no instantaneous
                // derivative (and no element structure we could state).
                gains.insert(
                    *link,
                    LinkGain {
                        link: *link,
                        partials: Vec::new(),
                        sign: Sign::Positive,
                    },
                );
                continue;
            }
            LinkKind::Instant => None,
        };
        if let Some(g) = structural {
            let n = to.len.min(from.len) as usize;
            gains.insert(
                *link,
                LinkGain {
                    link: *link,
                    partials: (0..n).map(|i| (i, i, g)).collect(),
                    sign: Sign::of(g),
                },
            );
            continue;
        }
        if to.base == NONE || from.base == NONE {
            gains.insert(
                *link,
                LinkGain {
                    link: *link,
                    partials: Vec::new(),
                    sign: Sign::Unknown,
                },
            );
            continue;
        }
        let ops = programs.entry(link.to).or_insert_with(|| {
            // Static variables are computed in the initial program, the rest every step.
            let source = if model.phases[link.to.index()] == Phase::Static {
                &p.init
            } else {
                &p.dynamic
            };
            Program::new(
                source
                    .ops()
                    .iter()
                    .filter(|op| {
                        let d = op.dest() as usize;
                        temps.contains(&d) || owner[d] == link.to.0
                    })
                    .copied()
                    .collect(),
            )
        });
        let mut partials = Vec::new();
        let mut signs = Vec::new();
        for j in 0..from.len as usize {
            let sj = from.base as usize + j;
            let x = base[sj];
            let h = STEP * if x.abs() > 1e-8 { x.abs() } else { 1.0 };
            let mut plus = vec![0.0; to.len as usize];
            let mut minus = vec![0.0; to.len as usize];
            for (sign, out) in [(1.0, &mut plus), (-1.0, &mut minus)] {
                scratch.copy_from_slice(&base);
                scratch[sj] = x + sign * h;
                let mut env = Env {
                    lookups: &p.lookups,
                    series: &env_series,
                    random: None,
                };
                exec(ops, &mut scratch, &mut env);
                for (i, o) in out.iter_mut().enumerate() {
                    *o = scratch[to.base as usize + i];
                }
            }
            for i in 0..to.len as usize {
                let (a, b) = (plus[i], minus[i]);
                if !a.is_finite() || !b.is_finite() {
                    signs.push(Sign::Unknown);
                    continue;
                }
                let diff = a - b;
                if diff.abs() <= ZERO_TOL * a.abs().max(b.abs()) {
                    signs.push(Sign::Zero);
                    continue;
                }
                let g = diff / (2.0 * h);
                partials.push((i, j, g));
                signs.push(Sign::of(g));
            }
        }
        let sign = Sign::combine(signs);
        gains.insert(
            *link,
            LinkGain {
                link: *link,
                partials,
                sign,
            },
        );
    }
    Ok(LinkGains { time: t, gains })
}

#[cfg(test)]
mod tests {
    use crate::program::Op;

    #[test]
    fn destination_is_the_first_slot() {
        let ops = [
            Op::Copy { d: 7, a: 1 },
            Op::Add { d: 7, a: 1, b: 2 },
            Op::MulAdd {
                d: 7,
                a: 1,
                b: 2,
                c: 3,
            },
            Op::Select {
                d: 7,
                c: 1,
                a: 2,
                b: 3,
            },
            Op::Step {
                d: 7,
                height: 1,
                at: 2,
            },
            Op::PulseTrain {
                d: 7,
                start: 1,
                width: 2,
                every: 3,
                end: 4,
            },
            Op::Ramp {
                d: 7,
                slope: 1,
                start: 2,
                end: 3,
            },
            Op::Lookup {
                d: 7,
                table: 0,
                x: 1,
            },
            Op::Exo { d: 7, series: 0 },
            Op::Xidz {
                d: 7,
                a: 1,
                b: 2,
                c: 3,
            },
        ];
        for op in ops {
            assert_eq!(op.dest(), 7, "{op:?}");
        }
    }
}
