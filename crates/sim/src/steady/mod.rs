//! Steady states: stock values at which every stock's net flow is zero (or, with growth
//! groups, a balanced-growth state), solved on the compiled model.
//!
//! ```
//! # let dir = tempfile::tempdir().unwrap();
//! # let path = dir.path().join("logistic.toml");
//! std::fs::write(&path, r#"
//! [settings]
//! stop = 30
//! dt = 0.25
//! method = "rk4"
//! [stocks.population]
//! initial = "10"
//! inflows = ["growth"]
//! [flows.growth]
//! equation = "r * population * (1 - population / capacity)"
//! [constants.r]
//! value = 0.5
//! [constants.capacity]
//! value = 1000
//! "#).unwrap();
//! let model = pressure_model::load(&path).unwrap();
//! let compiled = pressure_sim::CompiledModel::compile(&model).unwrap();
//! let mut params = compiled.default_params();
//! let steady = compiled.steady_state(&params, &compiled.default_settings()).unwrap();
//! assert!((steady.value("population").unwrap() - 1000.0).abs() < 1e-8);
//! // The equilibrium follows the parameters.
//! compiled.set_param(&mut params, "capacity", 250.0).unwrap();
//! let steady = compiled.steady_state(&params, &compiled.default_settings()).unwrap();
//! assert!((steady.value("population").unwrap() - 250.0).abs() < 1e-8);
//! // A run can start there: `initialise = "steady"` in [settings], or in code:
//! let settings = compiled.default_settings().with_initialise(pressure_sim::Initialise::Steady);
//! let run = compiled.run(&params, &settings).unwrap();
//! assert!(run.column("population").unwrap().iter().all(|p| (p - 250.0).abs() < 1e-9));
//! ```
//!
//! # The problem
//!
//! The unknowns are the stock values — every stock element, including the hidden stocks that
//! SMOOTH, SMOOTH3, SMOOTH N, DELAY1, DELAY3, DELAY N, TREND and FORECAST compile into, and
//! the output of every DELAY FIXED pipeline (at a steady state all of a pipeline's values equal
//! its input) — and the equations are the stocks' net flows, evaluated by the compiled model
//! with **TIME frozen at the run's start time**: exogenous series and scenario inputs take their
//! start values, and test inputs (STEP, PULSE, RAMP) their values during the first step
//! (`time plus` = start + dt/2, as in a fixed-step run). RANDOM values are those drawn at the
//! start time.
//!
//! **INITIAL values belong to the steady state.** `INITIAL(x)` is "x at the state the run
//! starts from", so at every candidate state the solver re-runs the part of the initial
//! program that depends on the state (INITIAL values, constants computed from them, DELAY
//! FIXED delay times), then the per-step program. A model whose baseline references are
//! `INITIAL(...)` therefore has its references at the steady state, and a run started there
//! stays there.
//!
//! Options ([`crate::SteadySettings`], `[settings.steady]` in a model or scenario file):
//! * **growth groups** for models with trend growth, where no zero-flow state exists: the
//!   stocks of a group grow at one common rate `g`, an extra unknown. For log stocks
//!   (`log = true`) their net flows equal `g`; for level stocks their proportional rates
//!   (net flow / value) equal `g`. The first stock of a group (the anchor) stays at its initial
//!   value, so the ratios (differences of logs) between the group's stocks are what is solved.
//! * **closure parameters**: each `free` constant is solved jointly with the stocks, paired
//!   with one `hold` (a stock held at a value, whose net flow must still be zero; or a flow or
//!   auxiliary held at a value, an extra equation). A held value without a number keeps the
//!   model's initial value.
//! * **exclude**: stocks left at their initial values whose net flow need not vanish
//!   (accumulators: cumulative counts, elapsed time, survival probabilities).
//!
//! # The method
//!
//! Residuals are scaled: a stock's net flow is divided by the stock's scale, the larger of
//! `|initial value|` (1 when the initial value is zero) and its absolute value where the solve
//! started (the scale is fixed for a start, so a stock that grows without bound cannot meet
//! the tolerance by growing), so the residual is a relative rate of change per time unit;
//! growth-group residuals are rates already; a held flow or auxiliary's residual is divided by
//! its target (1 when zero). The solve has
//! converged when every scaled residual is at most `tolerance` (default 1e-10); it then takes
//! up to three more chord steps with the last factorisation while they reduce the residual, so
//! that the state is a fixed point of the integrators to rounding (RK4 or Euler from there move
//! the stocks by `dt` times the residual).
//!
//! Each iteration computes the Jacobian by forward differences on the compiled program
//! (one evaluation per unknown, steps of `1.5e-8` times the unknown's scale) and takes a
//! **pseudo-transient Newton step** (Kelley & Keyes 1998): `(V/τ - J) Δ = r`, an implicit-Euler
//! step of the model's own dynamics of length `τ` that becomes Newton's step as `τ` grows.
//! `τ` starts small (the first step changes the stocks by about 10%) and grows as the residual
//! falls (switched evolution relaxation, `τ ← τ |r_old| / |r_new|`). This damping follows the
//! model towards the equilibrium its dynamics approach from the start (a logistic model started
//! near zero goes to its capacity, not to the unstable zero state) and copes with oscillating
//! systems. When it fails, **Newton with Levenberg–Marquardt damping** (the Newton step when it
//! reduces `|r|`, else `(JᵀJ + μI) Δ = -Jᵀ r` with adaptive `μ`) is tried from the same start.
//! Bounds (`non_negative` stocks at zero, the `range` of a free constant) are enforced by
//! projecting every step.
//!
//! Which equilibrium is found when there are several: the pseudo-transient start follows the
//! dynamics from the model's initial values, so it finds the equilibrium those values lead to
//! when they lead to one; when they do not (a harvested population written to start below its
//! collapse threshold), the Newton fallback finds the nearest root, which may be unstable.
//! Write initial values on the side of the equilibrium you mean.
//!
//! Starts, in order, until one converges: the steady state of the model's default
//! parameters with the same settings and inputs (computed once per model and settings and
//! cached, so it is the same whichever thread or run needs it first; skipped for the default
//! parameters themselves), the model's initial values (pseudo-transient, then
//! Levenberg–Marquardt), and the initial values halved and doubled. Every start is a function
//! of the parameter set alone, so results never depend on the thread count, and both backends
//! (interpreter and native code) give the same steady state bit for bit.
//!
//! **This order is the selection rule** when a model has several steady states (the coupled
//! sanctions model has, near its calibrated parameters: `experiments/calibrate/README.md`,
//! "Steady-state uniqueness"): a run starts from the first start's solution, so which steady
//! state that is depends on the parameter set and the settings only, never on earlier solves,
//! the order of runs or the thread. [`SteadyStarts`] restricts a simulator to one start, to map
//! the other solutions.
//!
//! When no start converges the error ([`crate::SimError::NoSteadyState`]) names the stocks
//! whose scaled residual stays above the tolerance at the best point found, largest first,
//! with the best residual.

mod linalg;
mod plan;

use crate::compiled::CompiledModel;
use crate::error::SimError;
use crate::params::ParamSet;
use crate::program::{exec, Env};
use crate::scenario::ExogenousSet;
use crate::settings::RunSettings;
use crate::simulator::Core;
use plan::{Col, Plan, Role, Row};
use pressure_model::{Series, SteadySettings};

/// Relative size of the finite-difference steps (about the square root of the machine epsilon).
const FD_STEP: f64 = 1.5e-8;
/// Trust region of the pseudo-transient steps: no unknown moves by more than this fraction of
/// its scale (the larger of its initial and current absolute values) in one step.
const TRUST: f64 = 0.5;
/// Growth of the pseudo-time step after an accepted step (and its reduction when a step leaves
/// the trust region or cannot be evaluated).
const TAU_FACTOR: f64 = 4.0;
/// Chord steps after convergence.
const POLISH_STEPS: usize = 3;
/// Magnitudes below this are treated as zero when scaling (see [`nonzero`]).
const SCALE_FLOOR: f64 = 1e-6;
/// Longest time march of the march start, in model time units.
const MARCH_TIME: f64 = 500.0;
/// The march stops when no solved stock moves faster than this share of its scale per time unit.
const MARCH_RATE: f64 = 1e-7;

/// A steady state of a model for one parameter set (see the [module docs](self)).
#[derive(Debug, Clone, PartialEq)]
pub struct SteadyState {
    /// Every stock element (hidden ones included, in the engine's state order), then every
    /// DELAY FIXED pipeline.
    pub values: Vec<SteadyValue>,
    /// The common rate of each growth group (in the order of the settings).
    pub growth: Vec<GrowthRate>,
    /// The solved value of each free (closure) parameter.
    pub free: Vec<FreeParameter>,
    /// Each held value and its target.
    pub holds: Vec<HeldValue>,
    /// Newton iterations (Jacobians computed), over all starts tried.
    pub iterations: usize,
    /// Model evaluations, over all starts tried.
    pub evaluations: usize,
    /// Starts tried (the last one converged).
    pub starts: usize,
    /// The largest scaled residual at the steady state (per time unit).
    pub residual: f64,
    pub tolerance: f64,
    /// The (frozen) time at which the state is steady: the run's start time.
    pub time: f64,
}

/// What a steady value belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SteadyKind {
    /// A stock of the model file.
    Stock,
    /// A stock a stateful builtin (SMOOTH, DELAY, TREND...) compiles into.
    HiddenStock,
    /// The output of a DELAY FIXED pipeline.
    Pipeline,
}

impl SteadyKind {
    pub fn name(self) -> &'static str {
        match self {
            SteadyKind::Stock => "stock",
            SteadyKind::HiddenStock => "hidden stock",
            SteadyKind::Pipeline => "pipeline",
        }
    }
}

/// How a value was treated by the solve.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SteadyRole {
    /// Solved for.
    Solved,
    /// Held at a value (`hold`), its net flow zero through a free parameter.
    Held,
    /// The anchor of a growth group, at its initial value.
    Anchor,
    /// Left at its initial value (`exclude`).
    Excluded,
}

impl SteadyRole {
    pub fn name(self) -> &'static str {
        match self {
            SteadyRole::Solved => "solved",
            SteadyRole::Held => "held",
            SteadyRole::Anchor => "anchor",
            SteadyRole::Excluded => "excluded",
        }
    }
}

/// One stock element (or pipeline) at the steady state.
#[derive(Debug, Clone, PartialEq)]
pub struct SteadyValue {
    /// `x`, `x[e]`, or for a hidden stock `owner[e] (SMOOTH3 stage 2 of 3)`.
    pub name: String,
    pub kind: SteadyKind,
    pub role: SteadyRole,
    /// The steady value.
    pub value: f64,
    /// The value the model's initial equations give with the same parameters.
    pub initial: f64,
    /// The net flow at the steady state (for a pipeline: its input minus its output).
    pub net_flow: f64,
    /// The scaled residual of its equation (`None` when excluded).
    pub residual: Option<f64>,
}

impl SteadyValue {
    /// `(value - initial) / |initial|` (`value - initial` when the initial value is zero).
    pub fn relative_change(&self) -> f64 {
        let d = self.value - self.initial;
        if self.initial != 0.0 {
            d / self.initial.abs()
        } else {
            d
        }
    }
}

/// The common growth rate of a growth group.
#[derive(Debug, Clone, PartialEq)]
pub struct GrowthRate {
    pub stocks: Vec<String>,
    pub log: bool,
    /// Per time unit: the common net flow (log stocks) or proportional rate (level stocks).
    pub rate: f64,
}

/// A solved closure parameter.
#[derive(Debug, Clone, PartialEq)]
pub struct FreeParameter {
    pub name: String,
    pub value: f64,
    /// Its value in the parameter set (the start of the solve).
    pub given: f64,
}

/// A held value and what it is at the steady state.
#[derive(Debug, Clone, PartialEq)]
pub struct HeldValue {
    pub name: String,
    pub target: f64,
    pub value: f64,
}

impl SteadyState {
    /// The steady value of a stock element by name.
    pub fn value(&self, name: &str) -> Option<f64> {
        self.values.iter().find(|v| v.name == name).map(|v| v.value)
    }

    /// The solved value of a free parameter by name.
    pub fn free_value(&self, name: &str) -> Option<f64> {
        self.free.iter().find(|f| f.name == name).map(|f| f.value)
    }
}

/// The key of a cached default-parameter steady state: everything besides the parameters that
/// the solve depends on.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct WarmKey {
    start: f64,
    stop: f64,
    dt: f64,
    save_every: f64,
    seed: u64,
    steady: SteadySettings,
    exo: Vec<Series>,
}

impl WarmKey {
    fn new(s: &RunSettings, exo: &[Series]) -> Self {
        WarmKey {
            start: s.start,
            stop: s.stop,
            dt: s.dt,
            save_every: s.save_every,
            seed: s.seed,
            steady: s.steady.clone(),
            exo: exo.to_vec(),
        }
    }
}

/// Cached default-parameter steady states of a compiled model (a few settings at a time).
#[derive(Debug, Default)]
pub(crate) struct WarmCache {
    entries: std::sync::Mutex<Vec<(WarmKey, Option<Vec<f64>>)>>,
}

impl WarmCache {
    const CAPACITY: usize = 8;

    fn get(&self, key: &WarmKey) -> Option<Option<Vec<f64>>> {
        let e = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        e.iter().find(|(k, _)| k == key).map(|(_, z)| z.clone())
    }

    fn put(&self, key: WarmKey, z: Option<Vec<f64>>) {
        let mut e = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        if e.iter().any(|(k, _)| *k == key) {
            return;
        }
        if e.len() == Self::CAPACITY {
            e.remove(0);
        }
        e.push((key, z));
    }
}

/// Which starts a steady-state solve tries ([`crate::Simulator::set_steady_starts`]).
///
/// A model can have several steady states near a parameter set (the coupled sanctions model
/// does: `experiments/calibrate/README.md`, "Steady-state uniqueness"); which one a solve
/// returns is a property of its starts. [`SteadyStarts::Cascade`] is the default and the
/// selection rule of every run; the single starts exist to map the other solutions (each is
/// tried with pseudo-transient steps, then Levenberg–Marquardt, from that one start, and a
/// failure is an error rather than a fall-back). Every policy is a function of the parameter
/// set alone, so none depends on the order or the thread of the solves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SteadyStarts {
    /// The module's starts in order until one converges: the default parameters' steady state
    /// (pseudo-transient), the initial values, the time march, the initial values halved and
    /// doubled.
    #[default]
    Cascade,
    /// Only the default parameters' steady state, pseudo-transient steps (the cascade's first
    /// start, without its fall-backs).
    DefaultState,
    /// Only the default parameters' steady state, Newton steps with Levenberg–Marquardt damping
    /// (no pseudo-time: the nearest root, which need not be the one the dynamics approach).
    DefaultStateNewton,
    /// Only the model's initial values.
    InitialValues,
    /// Only the state the model's own dynamics reach from its initial values.
    March,
    /// Continuation from the default parameters' steady state: the parameters walk the
    /// straight path from the defaults to the target in steps (a quarter of the way at first),
    /// each step solved from the previous step's state with pseudo-transient steps and, when
    /// they fail, by Newton's method (Levenberg–Marquardt damping when a Newton step does not
    /// reduce the residual); a step that fails both is halved (down to
    /// [`CONTINUATION_MIN_STEP`] of the way), a step that succeeds lets the next one grow back
    /// to a quarter. The state found is the one the default state leads to when the parameters
    /// move slowly along the path: the same branch while the branch exists (where the cascade
    /// may switch between branches at neighbouring parameter sets, depending on which of its
    /// starts converges first). Still a function of the parameter set alone. When a step
    /// cannot be solved even at the smallest size — past a fold of the branch, as in the cusp
    /// test of `tests/steady.rs` — the solve fails: no fall-back to another start.
    Continuation,
}

impl SteadyStarts {
    /// Every policy, with the name an experiment file uses for it.
    pub const ALL: [(&'static str, SteadyStarts); 6] = [
        ("cascade", SteadyStarts::Cascade),
        ("default_state", SteadyStarts::DefaultState),
        ("default_state_newton", SteadyStarts::DefaultStateNewton),
        ("initial_values", SteadyStarts::InitialValues),
        ("march", SteadyStarts::March),
        ("continuation", SteadyStarts::Continuation),
    ];

    /// The policy's name (`cascade`, `default_state`, `default_state_newton`,
    /// `initial_values`, `march`, `continuation`).
    pub fn name(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(_, p)| *p == self)
            .map(|(n, _)| *n)
            .expect("every policy is listed")
    }

    /// The policy of a name (see [`SteadyStarts::name`]).
    pub fn from_name(name: &str) -> Option<SteadyStarts> {
        Self::ALL.iter().find(|(n, _)| *n == name).map(|(_, p)| *p)
    }
}

/// The first (and largest) step of [`SteadyStarts::Continuation`], as a fraction of the path.
pub const CONTINUATION_STEP: f64 = 0.25;
/// The smallest step of [`SteadyStarts::Continuation`] before it gives up.
pub const CONTINUATION_MIN_STEP: f64 = 1.0 / 1024.0;

/// How one start iterates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    PseudoTransient,
    LevenbergMarquardt,
}

/// Where a start begins.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Start {
    Warm,
    Initial(f64),
    /// The state the model's own dynamics reach from its initial values (see [`Solver::march`]).
    March,
}

/// The solver of one simulator: the problem and every buffer, allocated once.
pub(crate) struct Solver {
    plan: Plan,
    /// Per state element: the initial value, and the value it has during the solve when it is
    /// not solved for.
    x0: Vec<f64>,
    fixed: Vec<f64>,
    /// Pipeline outputs and free parameters at the start.
    y0: Vec<f64>,
    p0: Vec<f64>,
    /// Per hold: the target value.
    targets: Vec<f64>,
    /// Per growth group: the anchor's rate at the initial values.
    g0: Vec<f64>,
    z: Vec<f64>,
    z_try: Vec<f64>,
    start: Vec<f64>,
    best_z: Vec<f64>,
    best_rs: Vec<f64>,
    /// Squared 2-norm of the scaled residuals at `best_z` (with the row scales `best_rs`).
    best: f64,
    raw: Vec<f64>,
    raw_try: Vec<f64>,
    col_raw: Vec<f64>,
    rs: Vec<f64>,
    cs: Vec<f64>,
    r: Vec<f64>,
    jac: Vec<f64>,
    a: Vec<f64>,
    piv: Vec<usize>,
    step: Vec<f64>,
    tmp: Vec<f64>,
    /// Per column: the finite-difference step of the last Jacobian.
    hstep: Vec<f64>,
    lu_ok: bool,
    iterations: usize,
    evaluations: usize,
    starts: usize,
    /// The start the time march found (empty until one is found in a solve).
    march_start: Vec<f64>,
    /// Which starts a solve tries.
    pub(crate) policy: SteadyStarts,
}

impl Solver {
    pub fn new(m: &CompiledModel, st: &SteadySettings) -> Result<Solver, SimError> {
        let plan = Plan::new(m, st)?;
        let n = plan.n();
        let ns = m.p.n_state as usize;
        let v = |k| vec![0.0; k];
        Ok(Solver {
            x0: v(ns),
            fixed: v(ns),
            y0: v(m.p.delays.len()),
            p0: v(plan.free.len()),
            targets: v(plan.holds.len()),
            g0: v(plan.groups.len()),
            z: v(n),
            z_try: v(n),
            start: v(n),
            best_z: v(n),
            best_rs: v(n),
            best: f64::INFINITY,
            raw: v(n),
            raw_try: v(n),
            col_raw: v(n),
            rs: v(n),
            cs: v(n),
            r: v(n),
            jac: v(n * n),
            a: v(n * n),
            piv: vec![0; n],
            step: v(n),
            tmp: v(n),
            hstep: v(n),
            lu_ok: false,
            iterations: 0,
            evaluations: 0,
            starts: 0,
            march_start: Vec::new(),
            policy: SteadyStarts::Cascade,
            plan,
        })
    }

    /// The number of unknowns (and equations).
    pub fn unknowns(&self) -> usize {
        self.plan.n()
    }

    /// Solves for `params`, leaving the core's slots at the steady state (state, INITIAL
    /// values, free parameters, everything evaluated at the start time), ready to integrate.
    pub fn solve(
        &mut self,
        core: &mut Core,
        params: &ParamSet,
        s: &RunSettings,
    ) -> Result<(), SimError> {
        self.iterations = 0;
        self.evaluations = 0;
        self.starts = 0;
        self.best = f64::INFINITY;
        let m = core.m;
        let defaults = m.default_params();
        // The warm start: the default parameters' steady state (cached per settings/inputs).
        let warm = if params.as_slice() == defaults.as_slice() {
            None
        } else {
            let key = WarmKey::new(s, &core.exo);
            match m.steady_warm.get(&key) {
                Some(z) => z,
                None => {
                    let (it, ev) = (self.iterations, self.evaluations);
                    // The cached state is shared by every simulator of the model: always the
                    // cascade's, whatever this solver's policy.
                    let policy = std::mem::take(&mut self.policy);
                    let solved = self.solve_from_starts(core, &defaults, s, None);
                    self.policy = policy;
                    let z = match solved {
                        Ok(()) => Some(self.z.clone()),
                        Err(SimError::NoSteadyState { .. }) => None,
                        Err(e) => return Err(e),
                    };
                    m.steady_warm.put(key, z.clone());
                    // Count only this parameter set's work.
                    (self.iterations, self.evaluations, self.starts) = (it, ev, 0);
                    self.best = f64::INFINITY;
                    z
                }
            }
        };
        if warm.is_none()
            && matches!(
                self.policy,
                SteadyStarts::DefaultState
                    | SteadyStarts::DefaultStateNewton
                    | SteadyStarts::Continuation
            )
        {
            // At the default parameters (or when they have no steady state) there is no
            // default state to start from: the cascade's answer.
            let policy = std::mem::take(&mut self.policy);
            let solved = self.solve_from_starts(core, params, s, None);
            self.policy = policy;
            return solved;
        }
        if let (SteadyStarts::Continuation, Some(w)) = (self.policy, warm.as_deref()) {
            return self.continuation(core, params, &defaults, s, w);
        }
        self.solve_from_starts(core, params, s, warm.as_deref())
    }

    /// [`SteadyStarts::Continuation`]: from `warm`, the steady state of `defaults`, along the
    /// straight path to `params`.
    fn continuation(
        &mut self,
        core: &mut Core,
        params: &ParamSet,
        defaults: &ParamSet,
        s: &RunSettings,
        warm: &[f64],
    ) -> Result<(), SimError> {
        let mut at = warm.to_vec();
        let mut path = params.clone();
        let (mut done, mut h) = (0.0f64, CONTINUATION_STEP);
        loop {
            let next = if done + h >= 1.0 { 1.0 } else { done + h };
            for i in 0..path.len() {
                let (a, b) = (defaults[i], params[i]);
                // Exactly the target at the end, exactly the default where the two agree.
                path.set(
                    i,
                    if next == 1.0 || a == b {
                        b
                    } else {
                        a + next * (b - a)
                    },
                );
            }
            self.setup(core, &path, s)?;
            let mut on_branch = false;
            for mode in [Mode::PseudoTransient, Mode::LevenbergMarquardt] {
                self.start.copy_from_slice(&at);
                self.starts += 1;
                self.best = f64::INFINITY;
                if self.iterate(core, s, mode) {
                    on_branch = true;
                    break;
                }
            }
            if on_branch {
                if next == 1.0 {
                    let z = std::mem::take(&mut self.z);
                    let mut raw = std::mem::take(&mut self.raw);
                    evaluate(&self.plan, &self.targets, core, s, &z, &mut raw);
                    self.evaluations += 1;
                    self.z = z;
                    self.raw = raw;
                    return Ok(());
                }
                at.copy_from_slice(&self.z);
                done = next;
                h = (2.0 * h).min(CONTINUATION_STEP);
            } else {
                h /= 2.0;
                if h < CONTINUATION_MIN_STEP {
                    return Err(self.failure(core, s));
                }
            }
        }
    }

    fn solve_from_starts(
        &mut self,
        core: &mut Core,
        params: &ParamSet,
        s: &RunSettings,
        warm: Option<&[f64]>,
    ) -> Result<(), SimError> {
        self.setup(core, params, s)?;
        self.march_start.clear();
        const CASCADE: &[(Start, Mode)] = &[
            (Start::Warm, Mode::PseudoTransient),
            (Start::Initial(1.0), Mode::PseudoTransient),
            (Start::Initial(1.0), Mode::LevenbergMarquardt),
            (Start::March, Mode::PseudoTransient),
            (Start::March, Mode::LevenbergMarquardt),
            (Start::Initial(0.5), Mode::PseudoTransient),
            (Start::Initial(2.0), Mode::PseudoTransient),
        ];
        let plan_starts: &[(Start, Mode)] = match self.policy {
            SteadyStarts::Cascade => CASCADE,
            SteadyStarts::DefaultState => &[(Start::Warm, Mode::PseudoTransient)],
            SteadyStarts::DefaultStateNewton => &[(Start::Warm, Mode::LevenbergMarquardt)],
            SteadyStarts::InitialValues => &CASCADE[1..3],
            SteadyStarts::March => &CASCADE[3..5],
            // Only without a default state to continue from (see `solve`): the cascade.
            SteadyStarts::Continuation => CASCADE,
        };
        let mut marched = false;
        for &(start, mode) in plan_starts {
            match start {
                Start::Warm => match warm {
                    Some(w) => self.start.copy_from_slice(w),
                    None => continue,
                },
                Start::Initial(f) => self.initial_start(f),
                Start::March => {
                    if !marched {
                        marched = true;
                        if !self.march(core, params, s) {
                            continue;
                        }
                        self.march_start = self.start.clone();
                    } else if self.march_start.is_empty() {
                        continue;
                    } else {
                        self.start.copy_from_slice(&self.march_start);
                    }
                }
            }
            self.starts += 1;
            if self.iterate(core, s, mode) {
                // Leave the slots at the solution.
                let z = std::mem::take(&mut self.z);
                let mut raw = std::mem::take(&mut self.raw);
                evaluate(&self.plan, &self.targets, core, s, &z, &mut raw);
                self.evaluations += 1;
                self.z = z;
                self.raw = raw;
                return Ok(());
            }
        }
        Err(self.failure(core, s))
    }

    /// A start from the model's own dynamics: RK4 steps of the run's `dt` from the initial
    /// values, time frozen at the start and the INITIAL values those of the initial state (the
    /// dynamics of an ordinary run), for up to [`MARCH_TIME`] time units or until no stock
    /// moves faster than [`MARCH_RATE`] of its scale per time unit. Pseudo-transient steps
    /// follow the dynamics of the steady-state problem, where INITIAL values move with the
    /// state; a model whose references are INITIAL values can be far better conditioned along
    /// its own path, which ends near the steady state when the baseline is stable. Growth-group
    /// stocks are shifted back so that each anchor has its initial value (ratios kept).
    /// Returns false when the march meets a non-finite value. Allocates its buffers (it runs
    /// only when the cheaper starts fail). The values the solve does not determine (excluded,
    /// held and anchor stocks) are put back at their fixed values afterwards: the march moves
    /// every stock, and a solve only ever writes its columns, so an excluded accumulator (a
    /// survival probability) would otherwise keep its marched value in the steady state.
    fn march(&mut self, core: &mut Core, params: &ParamSet, s: &RunSettings) -> bool {
        let ok = self.march_from_initial(core, params, s);
        let sb = core.m.p.state_base as usize;
        for (i, role) in self.plan.roles.iter().enumerate() {
            if *role != Role::Solved {
                core.slots[sb + i] = self.fixed[i];
            }
        }
        ok
    }

    /// The march of [`Solver::march`], leaving every stock where the march ended.
    fn march_from_initial(&mut self, core: &mut Core, params: &ParamSet, s: &RunSettings) -> bool {
        if core.init_slots(params, s).is_err() {
            return false;
        }
        let (sb, db, ns) = {
            let p = &core.m.p;
            (
                p.state_base as usize,
                p.deriv_base as usize,
                p.n_state as usize,
            )
        };
        let mut x = core.slots[sb..sb + ns].to_vec();
        let lower: Vec<f64> = (0..ns).map(|i| self.state_lower(i)).collect();
        let h = s.dt;
        let steps = (MARCH_TIME / h).ceil() as usize;
        let mut k = vec![vec![0.0; ns]; 4];
        let mut y = vec![0.0; ns];
        let deriv = |core: &mut Core, state: &[f64], out: &mut [f64]| -> bool {
            core.slots[sb..sb + ns].copy_from_slice(state);
            core.set_time(s.start, s.start, s.start + 0.5 * s.dt);
            core.eval();
            out.copy_from_slice(&core.slots[db..db + ns]);
            out.iter().all(|v| v.is_finite())
        };
        for _ in 0..steps {
            if !deriv(core, &x, &mut k[0]) {
                return false;
            }
            let rate = (0..ns)
                .filter(|&i| self.plan.roles[i] == Role::Solved)
                .map(|i| (k[0][i] / nonzero(x[i].abs())).abs())
                .fold(0.0f64, f64::max);
            if rate < MARCH_RATE {
                break;
            }
            for (stage, c) in [(1usize, 0.5), (2, 0.5), (3, 1.0)] {
                for i in 0..ns {
                    y[i] = (x[i] + c * h * k[stage - 1][i]).max(lower[i]);
                }
                if !deriv(core, &y, &mut k[stage]) {
                    return false;
                }
            }
            for i in 0..ns {
                x[i] = (x[i] + h / 6.0 * (k[0][i] + 2.0 * k[1][i] + 2.0 * k[2][i] + k[3][i]))
                    .max(lower[i]);
            }
        }
        // Growth groups: move each group so that its anchor is back at its initial value.
        for grp in &self.plan.groups {
            let a = grp.members[0];
            if grp.log {
                let d = x[a] - self.x0[a];
                for &m in &grp.members {
                    x[m] -= d;
                }
            } else if x[a] != 0.0 && self.x0[a] != 0.0 {
                let f = self.x0[a] / x[a];
                for &m in &grp.members {
                    x[m] *= f;
                }
            }
        }
        if !deriv(core, &x, &mut k[0]) {
            return false;
        }
        for (j, c) in self.plan.cols.iter().enumerate() {
            self.start[j] = match *c {
                Col::Stock(i) => x[i],
                Col::Pipeline(kk) => self.y0[kk],
                Col::Growth(g) => {
                    let a = self.plan.groups[g].members[0];
                    if self.plan.groups[g].log {
                        k[0][a]
                    } else if x[a] != 0.0 {
                        k[0][a] / x[a]
                    } else {
                        0.0
                    }
                }
                Col::Param(kk) => self.p0[kk],
            };
        }
        true
    }

    /// The lower bound of a state element during the march (that of its column, if solved).
    fn state_lower(&self, i: usize) -> f64 {
        self.plan
            .cols
            .iter()
            .position(|c| *c == Col::Stock(i))
            .map_or(f64::NEG_INFINITY, |j| self.plan.lower[j])
    }

    /// Runs the initial program with `params` and records the initial values, fixed values,
    /// targets and initial growth rates.
    fn setup(
        &mut self,
        core: &mut Core,
        params: &ParamSet,
        s: &RunSettings,
    ) -> Result<(), SimError> {
        core.init_slots(params, s)?;
        let m = core.m;
        let p = &m.p;
        let sb = p.state_base as usize;
        let ns = p.n_state as usize;
        self.x0.copy_from_slice(&core.slots[sb..sb + ns]);
        for (k, d) in p.delays.iter().enumerate() {
            self.y0[k] = core.slots[d.out as usize];
        }
        for (k, (_, i)) in self.plan.free.iter().enumerate() {
            self.p0[k] = params[*i];
        }
        for (k, h) in self.plan.holds.iter().enumerate() {
            self.targets[k] = h.value.unwrap_or(core.slots[h.slot as usize]);
        }
        // Rates at the initial values.
        core.set_time(s.start, s.start, s.start + 0.5 * s.dt);
        core.eval();
        let db = p.deriv_base as usize;
        for (g, grp) in self.plan.groups.iter().enumerate() {
            let a = grp.members[0];
            let f = core.slots[db + a];
            self.g0[g] = if grp.log {
                f
            } else if self.x0[a] != 0.0 {
                f / self.x0[a]
            } else {
                0.0
            };
        }
        for (i, role) in self.plan.roles.iter().enumerate() {
            self.fixed[i] = match *role {
                Role::Held(h) => self.targets[h],
                _ => self.x0[i],
            };
        }
        // Values that stay fixed during the solve live in their slots throughout.
        for (i, role) in self.plan.roles.iter().enumerate() {
            if *role != Role::Solved {
                core.slots[sb + i] = self.fixed[i];
            }
        }
        Ok(())
    }

    /// The model's initial values (stocks scaled by `factor`) as a start.
    fn initial_start(&mut self, factor: f64) {
        for (j, c) in self.plan.cols.iter().enumerate() {
            self.start[j] = match *c {
                Col::Stock(i) => self.x0[i] * factor,
                Col::Pipeline(k) => self.y0[k],
                Col::Growth(g) => self.g0[g],
                Col::Param(k) => self.p0[k],
            };
        }
    }

    /// One start: iterates from `self.start` until converged (true) or out of iterations or
    /// stuck (false).
    fn iterate(&mut self, core: &mut Core, s: &RunSettings, mode: Mode) -> bool {
        let n = self.plan.n();
        self.z.copy_from_slice(&self.start);
        project(&mut self.z, &self.plan.lower, &self.plan.upper);
        self.lu_ok = false;
        if !self.eval(core, s, false) {
            return false;
        }
        self.row_scales();
        let mut tau = 0.0;
        let mut mu = 0.0;
        let mut nu = 2.0;
        for it in 0..=self.plan.max_iterations {
            self.column_scales();
            let norm = self.scaled_residual();
            self.note_best();
            if norm <= self.plan.tolerance {
                self.polish(core, s);
                return true;
            }
            if it == self.plan.max_iterations || n == 0 {
                return false;
            }
            self.jacobian(core, s);
            self.iterations += 1;
            let accepted = match mode {
                Mode::PseudoTransient => self.pseudo_transient_step(core, s, &mut tau),
                Mode::LevenbergMarquardt => self.lm_step(core, s, &mut mu, &mut nu),
            };
            if !accepted {
                return false;
            }
        }
        false
    }

    /// Evaluates the residuals at `z` (or `z_try`) into `raw` (or `raw_try`).
    fn eval(&mut self, core: &mut Core, s: &RunSettings, trial: bool) -> bool {
        self.evaluations += 1;
        if trial {
            evaluate(
                &self.plan,
                &self.targets,
                core,
                s,
                &self.z_try,
                &mut self.raw_try,
            )
        } else {
            evaluate(&self.plan, &self.targets, core, s, &self.z, &mut self.raw)
        }
    }

    /// Column scales at the current iterate: the larger of an unknown's current absolute value
    /// and its initial one (1 for an unknown that starts at zero, so that a stock near zero can
    /// still take steps of ordinary size; growth rates 1).
    fn column_scales(&mut self) {
        for (j, c) in self.plan.cols.iter().enumerate() {
            let initial = match *c {
                Col::Stock(i) => self.x0[i],
                Col::Pipeline(k) => self.y0[k],
                Col::Growth(_) => 0.0,
                Col::Param(k) => self.p0[k],
            };
            self.cs[j] = nonzero(initial.abs()).max(self.z[j].abs());
        }
    }

    /// Row scales, fixed for a start (so that a stock cannot meet the tolerance by growing
    /// without bound): a stock's net flow is divided by the larger of its absolute initial value
    /// (1 when that is zero) and its absolute value at the start of the solve; growth residuals
    /// are rates already; a held value's residual is divided by its target (1 when zero).
    fn row_scales(&mut self) {
        for (i, row) in self.plan.rows.iter().enumerate() {
            self.rs[i] = match *row {
                Row::Flow(st) => {
                    let start = match self.plan.paired[i] {
                        Some(j) => self.z[j],
                        None => self.fixed[st],
                    };
                    nonzero(self.x0[st].abs()).max(start.abs())
                }
                Row::Growth { .. } => 1.0,
                Row::Pipeline(k) => {
                    let j = self.plan.paired[i].expect("a pipeline row has its column");
                    nonzero(self.y0[k].abs()).max(self.z[j].abs())
                }
                Row::Target { hold, .. } => nonzero(self.targets[hold].abs()),
            };
        }
    }

    /// Scales `raw` into `r` and returns the largest scaled residual.
    fn scaled_residual(&mut self) -> f64 {
        let mut norm = 0.0f64;
        for i in 0..self.plan.n() {
            self.r[i] = self.raw[i] / self.rs[i];
            norm = norm.max(self.r[i].abs());
        }
        norm
    }

    fn note_best(&mut self) {
        let norm = self.norm2();
        if norm < self.best {
            self.best = norm;
            self.best_z.copy_from_slice(&self.z);
            self.best_rs.copy_from_slice(&self.rs);
        }
    }

    /// The scaled Jacobian `J[i][j] = d r_i / d u_j` (`u_j = z_j / cs_j`) by forward
    /// differences, one evaluation per group of columns no equation shares (the entries are
    /// the same bits as perturbing one column at a time: an equation reads only its own column
    /// of a group).
    fn jacobian(&mut self, core: &mut Core, s: &RunSettings) {
        self.jac.iter_mut().for_each(|x| *x = 0.0);
        for c in 0..self.plan.colors.len() {
            for k in 0..self.plan.colors[c].len() {
                let j = self.plan.colors[c][k];
                self.hstep[j] = self
                    .fd_step(j, 1.0)
                    .or_else(|| self.fd_step(j, -1.0))
                    .unwrap_or(0.0);
                self.z[j] += self.hstep[j];
            }
            self.evaluations += 1;
            let ok = evaluate(
                &self.plan,
                &self.targets,
                core,
                s,
                &self.z,
                &mut self.col_raw,
            );
            for &j in &self.plan.colors[c] {
                self.z[j] -= self.hstep[j];
            }
            if ok {
                for k in 0..self.plan.colors[c].len() {
                    self.fill_column(self.plan.colors[c][k]);
                }
                continue;
            }
            // Not finite together: one column at a time, in either direction.
            for k in 0..self.plan.colors[c].len() {
                let j = self.plan.colors[c][k];
                let zj = self.z[j];
                for dir in [1.0, -1.0] {
                    let Some(h) = self.fd_step(j, dir) else {
                        continue;
                    };
                    self.z[j] = zj + h;
                    self.evaluations += 1;
                    let ok = evaluate(
                        &self.plan,
                        &self.targets,
                        core,
                        s,
                        &self.z,
                        &mut self.col_raw,
                    );
                    self.z[j] = zj;
                    if ok {
                        self.hstep[j] = h;
                        self.fill_column(j);
                        break;
                    }
                }
            }
        }
    }

    /// A finite-difference step for column `j` in direction `dir` that stays within its
    /// bounds (exactly representable as the difference of the two values), if there is one.
    fn fd_step(&self, j: usize, dir: f64) -> Option<f64> {
        let zj = self.z[j];
        let moved = zj + dir * FD_STEP * zj.abs().max(self.cs[j]);
        (moved >= self.plan.lower[j] && moved <= self.plan.upper[j] && moved != zj)
            .then_some(moved - zj)
    }

    /// Column `j` of the Jacobian from `col_raw` (the residuals with `z_j` moved by `hstep[j]`).
    fn fill_column(&mut self, j: usize) {
        let n = self.plan.n();
        let h = self.hstep[j];
        if h == 0.0 {
            return;
        }
        for &i in &self.plan.col_rows[j] {
            self.jac[i * n + j] = (self.col_raw[i] - self.raw[i]) / h * self.cs[j] / self.rs[i];
        }
    }

    /// Factorises `a = V/tau - J` (`tau = inf`: `-J`).
    fn factor(&mut self, tau: f64) -> bool {
        let n = self.plan.n();
        for (a, j) in self.a.iter_mut().zip(&self.jac) {
            *a = -j;
        }
        if tau.is_finite() {
            for (i, pair) in self.plan.paired.iter().enumerate() {
                if let Some(j) = *pair {
                    self.a[i * n + j] += self.cs[j] / self.rs[i] / tau;
                }
            }
        }
        self.lu_ok = linalg::lu_factor(&mut self.a, n, &mut self.piv);
        self.lu_ok
    }

    /// `z_try = P(z + cs * step)`, evaluated; true when finite.
    fn try_step(&mut self, core: &mut Core, s: &RunSettings) -> bool {
        for j in 0..self.plan.n() {
            self.z_try[j] = self.z[j] + self.cs[j] * self.step[j];
        }
        project(&mut self.z_try, &self.plan.lower, &self.plan.upper);
        self.eval(core, s, true)
    }

    fn accept(&mut self) {
        std::mem::swap(&mut self.z, &mut self.z_try);
        std::mem::swap(&mut self.raw, &mut self.raw_try);
    }

    /// Squared 2-norm of the trial residuals with the current row scales.
    fn trial_norm2(&self) -> f64 {
        self.raw_try
            .iter()
            .zip(&self.rs)
            .map(|(r, s)| (r / s) * (r / s))
            .sum()
    }

    fn norm2(&self) -> f64 {
        self.r.iter().map(|r| r * r).sum()
    }

    /// A pseudo-transient step: the longest pseudo-time step `tau` (at most `TAU_FACTOR` times
    /// the last one; the first from the largest relative rate) whose step stays in the trust
    /// region, can be evaluated and does not blow the residual up.
    fn pseudo_transient_step(&mut self, core: &mut Core, s: &RunSettings, tau: &mut f64) -> bool {
        let n = self.plan.n();
        let old = self.norm2();
        if *tau == 0.0 {
            // Relative rates of change: net flows over the current values.
            let mut rate = 0.0f64;
            for (i, pair) in self.plan.paired.iter().enumerate() {
                let scale = pair.map(|j| self.cs[j]).unwrap_or(self.rs[i]);
                rate = rate.max((self.raw[i] / scale).abs());
            }
            *tau = if rate > 0.0 { TRUST / rate } else { 1.0 };
        } else {
            *tau = (*tau * TAU_FACTOR).min(1e30);
        }
        for _ in 0..40 {
            if self.factor(*tau) {
                self.step.copy_from_slice(&self.r);
                linalg::lu_solve(&self.a, n, &self.piv, &mut self.step, &mut self.tmp);
                let size = self.step.iter().fold(0.0f64, |m, x| m.max(x.abs()));
                if size > TRUST && size.is_finite() {
                    // Small steps grow in proportion to tau: aim just inside the trust region.
                    *tau *= (0.9 * TRUST / size).max(1.0 / TAU_FACTOR / TAU_FACTOR);
                    continue;
                }
                if size <= TRUST && self.try_step(core, s) && self.trial_norm2() <= 100.0 * old {
                    self.accept();
                    return true;
                }
            }
            *tau /= TAU_FACTOR;
            if *tau < 1e-300 {
                break;
            }
        }
        false
    }

    /// A Newton step when it reduces the residual, else Levenberg–Marquardt steps with growing
    /// damping until one does (Nielsen's update of `mu`).
    fn lm_step(&mut self, core: &mut Core, s: &RunSettings, mu: &mut f64, nu: &mut f64) -> bool {
        let n = self.plan.n();
        let old = self.norm2();
        if self.factor(f64::INFINITY) {
            self.step.copy_from_slice(&self.r);
            linalg::lu_solve(&self.a, n, &self.piv, &mut self.step, &mut self.tmp);
            if self.step.iter().all(|x| x.is_finite())
                && self.try_step(core, s)
                && self.trial_norm2() < old
            {
                self.accept();
                return true;
            }
        }
        if *mu == 0.0 {
            let diag = (0..n)
                .map(|a| (0..n).map(|i| self.jac[i * n + a].powi(2)).sum::<f64>())
                .fold(0.0f64, f64::max);
            *mu = 1e-3 * diag.max(1e-300);
        }
        for _ in 0..30 {
            linalg::normal_matrix(&self.jac, n, *mu, &mut self.a);
            let mut grad = std::mem::take(&mut self.tmp);
            linalg::neg_jt_r(&self.jac, n, &self.r, &mut grad);
            self.tmp = grad;
            self.step.copy_from_slice(&self.tmp);
            let ok = linalg::lu_factor(&mut self.a, n, &mut self.piv);
            self.lu_ok = false;
            if ok {
                linalg::lu_solve(&self.a, n, &self.piv, &mut self.step, &mut self.tmp);
                if self.step.iter().all(|x| x.is_finite())
                    && self.try_step(core, s)
                    && self.trial_norm2() < old
                {
                    self.accept();
                    *mu *= 1.0 / 3.0;
                    *nu = 2.0;
                    return true;
                }
            }
            *mu *= *nu;
            *nu *= 2.0;
            if !mu.is_finite() {
                break;
            }
        }
        false
    }

    /// Chord steps with the last factorisation while they reduce the largest residual.
    fn polish(&mut self, core: &mut Core, s: &RunSettings) {
        if !self.lu_ok {
            return;
        }
        let n = self.plan.n();
        for _ in 0..POLISH_STEPS {
            let before = self.r.iter().fold(0.0f64, |m, r| m.max(r.abs()));
            if before == 0.0 {
                return;
            }
            self.step.copy_from_slice(&self.r);
            linalg::lu_solve(&self.a, n, &self.piv, &mut self.step, &mut self.tmp);
            if !self.step.iter().all(|x| x.is_finite()) || !self.try_step(core, s) {
                return;
            }
            let after = self
                .raw_try
                .iter()
                .zip(&self.rs)
                .fold(0.0f64, |m, (r, s)| m.max((r / s).abs()));
            if after >= before {
                return;
            }
            self.accept();
            self.scaled_residual();
            self.note_best();
        }
    }

    /// The error for a solve that did not converge: the equations with large residuals at the
    /// best point found.
    fn failure(&mut self, core: &mut Core, s: &RunSettings) -> SimError {
        let m = core.m;
        let mut stocks = Vec::new();
        let mut largest = f64::INFINITY;
        if self.best.is_finite() {
            self.z.copy_from_slice(&self.best_z);
            self.rs.copy_from_slice(&self.best_rs);
            self.eval(core, s, false);
            largest = self.scaled_residual();
            // Residuals far below the largest are left over from a solve held up by the
            // largest ones, not a cause: name those within a factor 1e6 of the largest.
            let shown = self.plan.tolerance.max(largest * 1e-6);
            for (i, row) in self.plan.rows.iter().enumerate() {
                let r = self.r[i];
                if r.abs() > shown || !r.is_finite() {
                    stocks.push((row_name(m, &self.plan, *row), r));
                }
            }
            stocks.sort_by(|a, b| b.1.abs().total_cmp(&a.1.abs()));
        }
        SimError::NoSteadyState {
            stocks,
            residual: largest,
            tolerance: self.plan.tolerance,
            iterations: self.iterations,
            starts: self.starts,
        }
    }

    /// The report of the last successful solve (the core's slots are at the steady state).
    pub fn report(&self, core: &Core, s: &RunSettings, params: &ParamSet) -> SteadyState {
        let m = core.m;
        let p = &m.p;
        let (sb, db) = (p.state_base as usize, p.deriv_base as usize);
        let scaled: Vec<(Row, f64)> = self
            .plan
            .rows
            .iter()
            .zip(&self.raw)
            .zip(&self.rs)
            .map(|((row, r), s)| (*row, r / s))
            .collect();
        let residual_of = |want: Row| scaled.iter().find(|(r, _)| *r == want).map(|(_, v)| *v);
        let mut values = Vec::with_capacity(self.x0.len() + self.y0.len());
        for (i, (name, hidden)) in m.state_names.iter().enumerate() {
            let role = match self.plan.roles[i] {
                Role::Solved => SteadyRole::Solved,
                Role::Held(_) => SteadyRole::Held,
                Role::Anchor => SteadyRole::Anchor,
                Role::Excluded => SteadyRole::Excluded,
            };
            let residual = scaled
                .iter()
                .find(|(r, _)| matches!(*r, Row::Flow(k) | Row::Growth { state: k, .. } if k == i))
                .map(|(_, v)| *v);
            values.push(SteadyValue {
                name: name.clone(),
                kind: if *hidden {
                    SteadyKind::HiddenStock
                } else {
                    SteadyKind::Stock
                },
                role,
                value: core.slots[sb + i],
                initial: self.x0[i],
                net_flow: core.slots[db + i],
                residual,
            });
        }
        for (k, d) in p.delays.iter().enumerate() {
            values.push(SteadyValue {
                name: m.pipeline_names[k].clone(),
                kind: SteadyKind::Pipeline,
                role: SteadyRole::Solved,
                value: core.slots[d.out as usize],
                initial: self.y0[k],
                net_flow: core.slots[d.input as usize] - core.slots[d.out as usize],
                residual: residual_of(Row::Pipeline(k)),
            });
        }
        let growth = self
            .plan
            .groups
            .iter()
            .enumerate()
            .map(|(g, grp)| GrowthRate {
                stocks: grp.names.clone(),
                log: grp.log,
                rate: self.z[self.plan.group_col[g]],
            })
            .collect();
        let pb = p.params_base as usize;
        let free = self
            .plan
            .free
            .iter()
            .map(|(name, i)| FreeParameter {
                name: name.clone(),
                value: core.slots[pb + i],
                given: params[*i],
            })
            .collect();
        let holds = self
            .plan
            .holds
            .iter()
            .enumerate()
            .map(|(k, h)| HeldValue {
                name: h.name.clone(),
                target: self.targets[k],
                value: core.slots[h.slot as usize],
            })
            .collect();
        SteadyState {
            values,
            growth,
            free,
            holds,
            iterations: self.iterations,
            evaluations: self.evaluations,
            starts: self.starts,
            residual: scaled.iter().fold(0.0f64, |m, (_, v)| m.max(v.abs())),
            tolerance: self.plan.tolerance,
            time: s.start,
        }
    }
}

/// Checks steady settings against a model (names, kinds, pairing of `free` and `hold`) without
/// solving anything.
pub(crate) fn check_settings(m: &CompiledModel, st: &SteadySettings) -> Result<(), SimError> {
    Plan::new(m, st).map(|_| ())
}

/// The name of a residual equation for messages.
fn row_name(m: &CompiledModel, plan: &Plan, row: Row) -> String {
    match row {
        Row::Flow(i) => m.state_names[i].0.clone(),
        Row::Growth { state, group } => format!(
            "{} (growth at the rate of {})",
            m.state_names[state].0, plan.groups[group].names[0]
        ),
        Row::Pipeline(k) => m.pipeline_names[k].clone(),
        Row::Target { hold, .. } => format!("{} (held value)", plan.holds[hold].name),
    }
}

/// A scale from a magnitude: the magnitude itself, or 1 when it is zero or tiny. Stocks whose
/// steady value is zero (a rally reservoir, an adaptation stock, a smooth of a zero input) sit
/// at values of about 1e-12 during a solve; scaling them by that would make their residuals and
/// steps astronomically large, stall the damped steps of every other unknown and make the
/// tolerance unreachable.
fn nonzero(x: f64) -> f64 {
    if x > SCALE_FLOOR && x.is_finite() {
        x
    } else {
        1.0
    }
}

fn project(z: &mut [f64], lower: &[f64], upper: &[f64]) {
    for ((z, lo), hi) in z.iter_mut().zip(lower).zip(upper) {
        *z = z.clamp(*lo, *hi);
    }
}

/// The residuals at `z`: writes the unknowns into the slots, re-runs the state-dependent part
/// of the initial program, evaluates the model at the start time and reads the net flows.
/// Returns false when a residual is not finite.
fn evaluate(
    plan: &Plan,
    targets: &[f64],
    core: &mut Core,
    s: &RunSettings,
    z: &[f64],
    out: &mut [f64],
) -> bool {
    let m = core.m;
    let p = &m.p;
    let (sb, db, pb) = (
        p.state_base as usize,
        p.deriv_base as usize,
        p.params_base as usize,
    );
    for (c, v) in plan.cols.iter().zip(z) {
        match *c {
            Col::Stock(i) => core.slots[sb + i] = *v,
            Col::Pipeline(k) => core.slots[p.delays[k].out as usize] = *v,
            Col::Growth(_) => {}
            Col::Param(k) => core.slots[pb + plan.free[k].1] = *v,
        }
    }
    core.set_time(s.start, s.start, s.start + 0.5 * s.dt);
    if plan.slice.len() > 0 {
        // Native code for the slice when the model itself runs natively (the same bits as
        // the interpreter; it was a seventh of a calibration evaluation's time interpreted).
        match core.native.and_then(|_| plan.native_slice(m)) {
            Some(code) => code.run(&mut core.slots, &p.lookups, &core.exo),
            None => {
                let mut env = Env {
                    lookups: &p.lookups,
                    series: &core.exo,
                    random: None,
                };
                exec(&plan.slice, &mut core.slots, &mut env);
            }
        }
    }
    core.eval();
    let sl = &core.slots;
    let mut finite = true;
    for (o, row) in out.iter_mut().zip(&plan.rows) {
        *o = match *row {
            Row::Flow(i) => sl[db + i],
            Row::Growth { state, group } => {
                let g = z[plan.group_col[group]];
                let f = sl[db + state];
                if plan.groups[group].log {
                    f - g
                } else {
                    f / sl[sb + state] - g
                }
            }
            Row::Pipeline(k) => sl[p.delays[k].input as usize] - sl[p.delays[k].out as usize],
            Row::Target { slot, hold } => sl[slot as usize] - targets[hold],
        };
        finite &= o.is_finite();
    }
    finite
}

impl CompiledModel {
    /// The steady state of the model for `params` with the model's exogenous series and
    /// `settings` (its start time, `[settings.steady]` options); see [`crate::steady`].
    pub fn steady_state(
        &self,
        params: &ParamSet,
        settings: &RunSettings,
    ) -> Result<SteadyState, SimError> {
        self.simulator(settings)?.steady_state(params)
    }

    /// [`CompiledModel::steady_state`] with replacement exogenous series.
    pub fn steady_state_with(
        &self,
        params: &ParamSet,
        exogenous: &ExogenousSet,
        settings: &RunSettings,
    ) -> Result<SteadyState, SimError> {
        let mut sim = self.simulator(settings)?;
        sim.set_exogenous(exogenous)?;
        sim.steady_state(params)
    }
}

#[cfg(all(
    test,
    feature = "jit",
    any(target_arch = "x86_64", target_arch = "aarch64")
))]
mod native_slice_tests {
    use super::*;
    use crate::settings::Backend;

    /// The calibration case (issue 14): the coupled sanctions model at parameters away from its
    /// defaults (so the solve starts from the cached default steady state), started at its
    /// steady state. Its initial-program slice is not empty and compiles, the solver runs it
    /// as native code when the model runs natively, and the steady state and the run from it
    /// are the interpreter's bits.
    #[test]
    fn sanctions_slice_runs_natively_with_the_interpreters_bits() {
        let path =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../models/sanctions.toml");
        let c = CompiledModel::compile(&pressure_model::load(&path).unwrap()).unwrap();
        let settings = c.default_settings();
        assert_eq!(settings.initialise, crate::Initialise::Steady);
        let solver = Solver::new(&c, &settings.steady).unwrap();
        assert!(
            solver.plan.slice.len() > 0,
            "the sanctions model has INITIAL values"
        );
        assert!(solver.plan.native_slice(&c).is_some(), "the slice compiles");
        let mut params = c.default_params();
        c.set_param(&mut params, "money.base_money_growth", 0.35)
            .unwrap();
        c.set_param(&mut params, "fiscal.trend_growth", 0.045)
            .unwrap();
        let on = |b: Backend| settings.clone().with_backend(b);
        let interp = c.steady_state(&params, &on(Backend::Interpreter)).unwrap();
        let native = c.steady_state(&params, &on(Backend::Jit)).unwrap();
        assert_eq!(interp, native);
        // The parameters moved the equilibrium (the test is not at the defaults' state).
        let default = c
            .steady_state(&c.default_params(), &on(Backend::Jit))
            .unwrap();
        assert_ne!(default, native);
        let mut sim = c.simulator(&on(Backend::Jit)).unwrap();
        let a = sim.run(&params).unwrap().clone();
        assert!(sim.uses_native_code());
        let b = c.run(&params, &on(Backend::Interpreter)).unwrap();
        assert_eq!(a, b);
    }
}
