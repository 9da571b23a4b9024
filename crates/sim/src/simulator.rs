//! The reusable simulator: buffers allocated once, then any number of runs with different
//! parameters, exogenous series or recorded outputs, allocating nothing per run.

use crate::compile::EventSpec;
use crate::compiled::CompiledModel;
use crate::error::SimError;
use crate::integrate::adaptive::{self, Buffers, SaveGrid, Scheme, System, Tolerances};
use crate::jit::JitProgram;
use crate::params::ParamSet;
use crate::program::*;
use crate::random::RandomState;
use crate::results::Results;
use crate::scenario::ExogenousSet;
use crate::settings::{Backend, Initialise, Method, RunSettings};
use crate::steady::{Solver, SteadyStarts, SteadyState};
use pressure_model::Series;

// Link gains at a time of a run: a child module, so it can drive a run and read its slots.
#[path = "jacobian.rs"]
pub(crate) mod jacobian;
// Eight parameter sets in lock step: a child module, so it can initialise lanes with the
// scalar simulator.
#[path = "lanes.rs"]
pub(crate) mod lanes;

/// Runs a [`CompiledModel`] repeatedly without allocating.
///
/// ```
/// # let dir = tempfile::tempdir().unwrap();
/// # let path = dir.path().join("growth.toml");
/// # std::fs::write(&path, "[settings]\nstop = 5\ndt = 0.25\n[stocks.p]\ninitial = \"1\"\ninflows = [\"births\"]\n[flows.births]\nequation = \"r * p\"\n[constants.r]\nvalue = 0.1\n").unwrap();
/// let model = pressure_model::load(&path).unwrap();
/// let compiled = pressure_sim::CompiledModel::compile(&model).unwrap();
/// let mut sim = compiled.simulator(&compiled.default_settings()).unwrap();
/// sim.record(&["p"]).unwrap();               // only the stock
/// let r = compiled.param_index("r").unwrap();
/// let mut params = compiled.default_params();
/// for rate in [0.1, 0.2, 0.3] {
///     params.set(r, rate);
///     let results = sim.run(&params).unwrap();   // no allocation here
///     assert_eq!(results.names(), ["p"]);
///     assert!(results.last("p").unwrap() > 1.0);
/// }
/// ```
pub struct Simulator<'a> {
    core: Core<'a>,
    settings: RunSettings,
    y0: Vec<f64>,
    acc: Vec<f64>,
    ystate: Vec<f64>,
    adaptive: Buffers,
    bounds: Vec<f64>,
    /// The steady-state solver, set up on first use for the current settings.
    steady: Option<Box<Solver>>,
    /// The starts its solves try.
    steady_starts: SteadyStarts,
}

/// A save row not kept (see [`Simulator::save_rows`]).
const SKIP_ROW: usize = usize::MAX;

/// The model-facing half of a simulator (slots, inputs, recording).
pub(crate) struct Core<'a> {
    pub(crate) m: &'a CompiledModel,
    pub(crate) slots: Vec<f64>,
    pub(crate) exo: Vec<Series>,
    random: RandomState,
    rings: Vec<f64>,
    /// Per DELAY FIXED element: (offset in `rings`, length, position).
    ring_meta: Vec<(usize, usize, usize)>,
    pending: Vec<f64>,
    /// (column in results, slot).
    record: Vec<(usize, u32)>,
    /// The rows of the save grid kept in `results` (ascending); empty: every row.
    keep: Vec<usize>,
    /// Per row of the save grid: its row in `results`, or [`SKIP_ROW`] (empty when `keep` is).
    row_of: Vec<usize>,
    results: Results,
    /// For adaptive runs: half the width of... the midpoint of the current segment.
    segment_mid: f64,
    /// The native code evaluating the model, when the settings ask for it and it exists.
    pub(crate) native: Option<&'a JitProgram>,
}

impl<'a> Simulator<'a> {
    pub(crate) fn new(m: &'a CompiledModel, settings: &RunSettings) -> Result<Self, SimError> {
        settings.validate()?;
        check_method(m, settings)?;
        let ns = m.p.n_state as usize;
        let all: Vec<usize> = (0..m.outputs.len()).collect();
        let mut core = Core {
            m,
            slots: vec![0.0; m.p.n_slots],
            exo: m.exogenous.iter().map(|e| e.default.clone()).collect(),
            random: RandomState::new(&m.p.randoms),
            rings: Vec::new(),
            ring_meta: vec![(0, 0, 0); m.p.delays.len()],
            pending: vec![0.0; m.p.delays.len()],
            record: Vec::new(),
            keep: Vec::new(),
            row_of: Vec::new(),
            results: Results::new(Vec::new(), Vec::new(), Vec::new()),
            segment_mid: 0.0,
            native: native_code(m, settings),
        };
        core.set_record(&all, settings);
        // Runs that start at a steady state need a consistent steady problem: check it now, so a
        // bad setting is one error up front rather than one per run.
        let steady = match settings.initialise {
            Initialise::Steady => Some(Box::new(Solver::new(m, &settings.steady)?)),
            Initialise::Initial => None,
        };
        Ok(Simulator {
            core,
            settings: settings.clone(),
            y0: vec![0.0; ns],
            acc: vec![0.0; ns],
            ystate: vec![0.0; ns],
            adaptive: if settings.method.is_adaptive() {
                Buffers::new(ns)
            } else {
                Buffers::default()
            },
            bounds: Vec::new(),
            steady,
            steady_starts: SteadyStarts::Cascade,
        })
    }

    /// Records only these outputs (names as in `CompiledModel::outputs`, or a variable name for
    /// all its elements), in this order.
    pub fn record(&mut self, names: &[&str]) -> Result<(), SimError> {
        let mut idx = Vec::new();
        for n in names {
            idx.extend(self.core.m.output_indices(n)?);
        }
        self.record_indices(&idx);
        Ok(())
    }

    /// Records only the outputs at these positions of `CompiledModel::outputs`.
    pub fn record_indices(&mut self, indices: &[usize]) {
        self.core.set_record(indices, &self.settings);
    }

    /// Keeps only these rows of the save grid (positions in [`RunSettings::save_times`],
    /// ascending, no repeats) in the results, or every row (`None`, the default): for a
    /// consumer that needs a few times (a value at a time, the final value), the results hold
    /// those rows only, with their times; every kept value is the full run's bit for bit. A
    /// change of settings ([`Simulator::set_settings`]) keeps every row again.
    ///
    /// ```
    /// # let dir = tempfile::tempdir().unwrap();
    /// # let path = dir.path().join("growth.toml");
    /// # std::fs::write(&path, "[settings]\nstop = 5\ndt = 0.25\n[stocks.p]\ninitial = \"1\"\ninflows = [\"births\"]\n[flows.births]\nequation = \"0.1 * p\"\n").unwrap();
    /// let compiled = pressure_sim::CompiledModel::compile(&pressure_model::load(&path).unwrap()).unwrap();
    /// let settings = compiled.default_settings();
    /// let full = compiled.run(&compiled.default_params(), &settings).unwrap();
    /// let mut sim = compiled.simulator(&settings).unwrap();
    /// let last = settings.rows() - 1;
    /// sim.save_rows(Some(&[last])).unwrap();       // the final value only
    /// let r = sim.run(&compiled.default_params()).unwrap();
    /// assert_eq!(r.time(), [5.0]);
    /// assert_eq!(r.last("p"), full.last("p"));
    /// ```
    ///
    /// Errors ([`SimError::InvalidSettings`]) for a row outside the grid or rows out of order.
    pub fn save_rows(&mut self, rows: Option<&[usize]>) -> Result<(), SimError> {
        let keep = rows.unwrap_or(&[]);
        let n = self.settings.rows();
        if keep.windows(2).any(|w| w[0] >= w[1]) || keep.last().is_some_and(|&r| r >= n) {
            return Err(SimError::InvalidSettings {
                field: "save_rows",
                message: format!("rows {keep:?} are not ascending rows of the {n} saved rows"),
                help: "give positions in RunSettings::save_times, ascending".into(),
            });
        }
        self.core.keep = keep.to_vec();
        let idx = self.core.recorded_indices();
        self.core.set_record(&idx, &self.settings);
        Ok(())
    }

    /// Changes the run settings (reallocating only if the grid or the method needs it).
    pub fn set_settings(&mut self, settings: &RunSettings) -> Result<(), SimError> {
        settings.validate()?;
        check_method(self.core.m, settings)?;
        let idx = self.core.recorded_indices();
        if settings.steady != self.settings.steady {
            self.steady = None;
        }
        if settings.initialise == Initialise::Steady && self.steady.is_none() {
            let mut solver = Solver::new(self.core.m, &settings.steady)?;
            solver.policy = self.steady_starts;
            self.steady = Some(Box::new(solver));
        }
        self.settings = settings.clone();
        self.core.native = native_code(self.core.m, settings);
        self.core.keep.clear();
        self.core.set_record(&idx, settings);
        if settings.method.is_adaptive() {
            self.adaptive = Buffers::new(self.core.m.p.n_state as usize);
        }
        Ok(())
    }

    pub fn settings(&self) -> &RunSettings {
        &self.settings
    }

    /// Whether the last run evaluated the model with native code rather than the interpreter
    /// (see [`Backend`]; the results are the same either way). Before the first run: whether
    /// the settings have selected native code already.
    pub fn uses_native_code(&self) -> bool {
        self.core.native.is_some()
    }

    /// Replaces the exogenous series for the following runs.
    pub fn set_exogenous(&mut self, exo: &ExogenousSet) -> Result<(), SimError> {
        if exo.len() != self.core.exo.len() {
            return Err(SimError::WrongLength {
                what: "the exogenous set".into(),
                expected: self.core.exo.len(),
                got: exo.len(),
            });
        }
        self.core.exo.clone_from_slice(exo.series());
        Ok(())
    }

    /// The results of the last run.
    pub fn results(&self) -> &Results {
        &self.core.results
    }

    /// Runs once with these parameters. With [`Initialise::Steady`] the stocks start at the
    /// steady state solved for these parameters (see [`crate::steady`]).
    pub fn run(&mut self, params: &ParamSet) -> Result<&Results, SimError> {
        self.run_inner(params, None)
    }

    /// The steady state of the model for these parameters, with this simulator's settings
    /// (start time, `steady` options) and exogenous series (see [`crate::steady`] and the
    /// example there). Runs nothing.
    pub fn steady_state(&mut self, params: &ParamSet) -> Result<SteadyState, SimError> {
        self.check_params(params)?;
        self.prepare_steady()?;
        let solver = self.steady.as_mut().expect("prepared");
        if self.settings.backend.is_auto() && self.core.native.is_none() {
            // About ten Jacobians' worth of evaluations.
            let evaluations = 10 * (solver.unknowns() as u64 + 1);
            self.core.native = self.core.m.native_if_worth(evaluations, true);
        }
        solver.solve(&mut self.core, params, &self.settings)?;
        Ok(solver.report(&self.core, &self.settings, params))
    }

    /// Chooses which starts this simulator's steady-state solves try (default
    /// [`SteadyStarts::Cascade`]; see [`crate::steady`]). The single starts map the other
    /// steady states of a model; a solve whose start fails is an error.
    ///
    /// ```
    /// # let dir = tempfile::tempdir().unwrap();
    /// # let path = dir.path().join("logistic.toml");
    /// # std::fs::write(&path, "[settings]\nstop = 5\ndt = 0.25\ninitialise = \"steady\"\n[stocks.p]\ninitial = \"10\"\ninflows = [\"g\"]\n[flows.g]\nequation = \"r * p * (1 - p / k)\"\n[constants.r]\nvalue = 0.5\n[constants.k]\nvalue = 100\n").unwrap();
    /// let compiled = pressure_sim::CompiledModel::compile(&pressure_model::load(&path).unwrap()).unwrap();
    /// let mut sim = compiled.simulator(&compiled.default_settings()).unwrap();
    /// sim.set_steady_starts(pressure_sim::SteadyStarts::InitialValues);
    /// let mut params = compiled.default_params();
    /// compiled.set_param(&mut params, "k", 50.0).unwrap();
    /// // From p = 10 the logistic dynamics go to the capacity, not to the unstable zero.
    /// assert!((sim.steady_state(&params).unwrap().value("p").unwrap() - 50.0).abs() < 1e-8);
    /// ```
    pub fn set_steady_starts(&mut self, starts: SteadyStarts) {
        self.steady_starts = starts;
        if let Some(solver) = self.steady.as_mut() {
            solver.policy = starts;
        }
    }

    /// Sets up the steady-state solver for the current settings (once).
    fn prepare_steady(&mut self) -> Result<(), SimError> {
        if self.steady.is_none() {
            let mut solver = Solver::new(self.core.m, &self.settings.steady)?;
            solver.policy = self.steady_starts;
            self.steady = Some(Box::new(solver));
        }
        Ok(())
    }

    fn check_params(&self, params: &ParamSet) -> Result<(), SimError> {
        let m = self.core.m;
        if params.len() != m.params.len() {
            return Err(SimError::WrongLength {
                what: "the parameter set".into(),
                expected: m.params.len(),
                got: params.len(),
            });
        }
        Ok(())
    }

    /// Runs once, calling `progress` with the fraction done (0..=1) from time to time.
    pub fn run_with_progress(
        &mut self,
        params: &ParamSet,
        progress: &mut dyn FnMut(f64),
    ) -> Result<&Results, SimError> {
        self.run_inner(params, Some(progress))
    }

    fn run_inner(
        &mut self,
        params: &ParamSet,
        progress: Option<&mut dyn FnMut(f64)>,
    ) -> Result<&Results, SimError> {
        self.check_params(params)?;
        self.start(params)?;
        if self.settings.method.is_adaptive() {
            self.run_adaptive()?;
        } else {
            self.run_fixed(progress)?;
        }
        Ok(&self.core.results)
    }

    /// Chooses the backend (under [`Backend::Auto`]) and puts the run's start into the slots:
    /// registers, parameters and the stocks' initial values (or the steady state), DELAY
    /// FIXED pipelines filled.
    fn start(&mut self, params: &ParamSet) -> Result<(), SimError> {
        let m = self.core.m;
        if self.settings.backend.is_auto() && self.core.native.is_none() {
            self.core.native = m.native_if_worth(self.settings.evaluations_estimate(), true);
        }
        match self.settings.initialise {
            Initialise::Initial => self.core.init_slots(params, &self.settings)?,
            Initialise::Steady => {
                self.prepare_steady()?;
                let solver = self.steady.as_mut().expect("prepared");
                solver.solve(&mut self.core, params, &self.settings)?;
            }
        }
        self.core.fill_delays(&self.settings);
        Ok(())
    }

    fn run_fixed(&mut self, mut progress: Option<&mut dyn FnMut(f64)>) -> Result<(), SimError> {
        let s = &self.settings;
        let n = s.steps();
        let stride = s.save_stride();
        let h = s.dt;
        let start = s.start;
        let method = s.method;
        let core = &mut self.core;
        let m = core.m;
        let ns = m.p.n_state as usize;
        let sb = m.p.state_base as usize;
        let report_every = (n / 100).max(1);
        let (y0, acc) = (&mut self.y0[..ns], &mut self.acc[..ns]);
        // Counters instead of `k % stride` and `k % report_every` (divisions) every step.
        let (mut to_save, mut row, mut to_report) = (0usize, 0usize, 0usize);
        for k in 0..=n {
            let t = start + k as f64 * h;
            core.set_time(t, t, t + 0.5 * h);
            if k > 0 && !core.random.is_empty() {
                core.random.draw_all(&mut core.slots);
            }
            core.eval();
            core.check_finite(t)?;
            if to_save == 0 {
                core.record_row(row);
                row += 1;
                to_save = stride;
            }
            to_save -= 1;
            if k == n {
                break;
            }
            if let Some(p) = progress.as_deref_mut() {
                if to_report == 0 {
                    p(k as f64 / n as f64);
                    to_report = report_every;
                }
                to_report -= 1;
            }
            core.capture_delays();
            // Each stage is one pass over (state, derivative) in the slot array; the arithmetic
            // is the classical formulas term by term, so results do not depend on the backend.
            match method {
                Method::Euler => {
                    let (st, d) = core.state_and_derivative();
                    stage::euler(st, d, h);
                }
                Method::Rk2 => {
                    // Midpoint method (Vensim's RK2): half step with the initial rates, then a
                    // full step with the rates at the midpoint.
                    let h2 = 0.5 * h;
                    let (st, d) = core.state_and_derivative();
                    stage::first(st, d, y0, None, h2);
                    core.slots[TIME as usize] = t + h2;
                    core.eval();
                    let (st, d) = core.state_and_derivative();
                    stage::from_start(st, d, y0, h);
                }
                Method::Rk4 => {
                    let h2 = 0.5 * h;
                    let (st, d) = core.state_and_derivative();
                    stage::first(st, d, y0, Some(&mut *acc), h2);
                    core.slots[TIME as usize] = t + h2;
                    core.eval();
                    let (st, d) = core.state_and_derivative();
                    stage::middle(st, d, y0, acc, h2);
                    core.eval();
                    let (st, d) = core.state_and_derivative();
                    stage::middle(st, d, y0, acc, h);
                    core.slots[TIME as usize] = t + h;
                    core.eval();
                    let (st, d) = core.state_and_derivative();
                    stage::rk4_last(st, d, y0, acc, h / 6.0);
                }
                Method::Dopri5 | Method::Dop853 => {
                    unreachable!("adaptive methods use run_adaptive")
                }
            }
            let st = &mut core.slots[sb..sb + ns];
            for &i in &m.non_negative {
                if st[i] < 0.0 {
                    st[i] = 0.0;
                }
            }
            core.check_state(t + h)?;
            core.update_delays();
        }
        if let Some(p) = progress {
            p(1.0);
        }
        Ok(())
    }

    fn run_adaptive(&mut self) -> Result<(), SimError> {
        let s = self.settings.clone();
        self.core.discontinuities(&s, &mut self.bounds);
        let ns = self.core.m.p.n_state as usize;
        let sb = self.core.m.p.state_base as usize;
        self.ystate.copy_from_slice(&self.core.slots[sb..sb + ns]);
        let grid = SaveGrid {
            start: s.start,
            every: s.save_stride() as f64 * s.dt,
            rows: s.rows(),
        };
        let tol = Tolerances {
            rtol: s.rtol,
            atol: s.atol,
            max_steps: s.max_steps,
        };
        let scheme = if s.method == Method::Dopri5 {
            Scheme::Dopri5
        } else {
            Scheme::Dop853
        };
        adaptive::integrate(
            &mut self.core,
            scheme,
            &mut self.ystate,
            &self.bounds,
            &grid,
            &tol,
            &mut self.adaptive,
        )?;
        Ok(())
    }
}

/// The state updates of the fixed-step methods, one pass each over the state `y` and its
/// derivative `d` (separate functions, not inlined, so the compiler knows the slices do not overlap and
/// vectorises the loops without run-time overlap checks). The arithmetic is the classical
/// formulas term by term.
mod stage {
    /// Euler: `y += h d`.
    #[inline(never)]
    pub fn euler(y: &mut [f64], d: &[f64], h: f64) {
        for (y, d) in y.iter_mut().zip(d) {
            *y += h * d;
        }
    }

    /// Start of a Runge–Kutta step: `y0 = y`, `acc = d` (RK4), `y = y0 + c d`.
    #[inline(never)]
    pub fn first(y: &mut [f64], d: &[f64], y0: &mut [f64], acc: Option<&mut [f64]>, c: f64) {
        if let Some(acc) = acc {
            acc.copy_from_slice(d);
        }
        for ((y, d), y0) in y.iter_mut().zip(d).zip(y0) {
            *y0 = *y;
            *y = *y0 + c * d;
        }
    }

    /// RK2's full step: `y = y0 + h d`.
    #[inline(never)]
    pub fn from_start(y: &mut [f64], d: &[f64], y0: &[f64], h: f64) {
        for ((y, d), y0) in y.iter_mut().zip(d).zip(y0) {
            *y = y0 + h * d;
        }
    }

    /// RK4's second and third stages: `acc += 2 d`, `y = y0 + c d`.
    #[inline(never)]
    pub fn middle(y: &mut [f64], d: &[f64], y0: &[f64], acc: &mut [f64], c: f64) {
        for (((y, d), y0), acc) in y.iter_mut().zip(d).zip(y0).zip(acc) {
            *acc += 2.0 * d;
            *y = y0 + c * d;
        }
    }

    /// RK4's end: `y = y0 + h/6 (k1 + 2 k2 + 2 k3 + k4)`.
    #[inline(never)]
    pub fn rk4_last(y: &mut [f64], d: &[f64], y0: &[f64], acc: &[f64], h6: f64) {
        for (((y, d), y0), acc) in y.iter_mut().zip(d).zip(y0).zip(acc) {
            *y = y0 + h6 * (acc + d);
        }
    }
}

/// Whether every value is finite: `x * 0` is 0 for a finite `x` and NaN otherwise, and a sum
/// with a NaN term is NaN. Four independent sums, no early exit: the compiler vectorises it.
#[inline]
fn all_finite(xs: &[f64]) -> bool {
    let mut sums = [0.0f64; 4];
    let chunks = xs.chunks_exact(4);
    let rest = chunks.remainder();
    for c in chunks {
        for (s, x) in sums.iter_mut().zip(c) {
            *s += x * 0.0;
        }
    }
    for (s, x) in sums.iter_mut().zip(rest) {
        *s += x * 0.0;
    }
    (sums[0] + sums[1] + sums[2] + sums[3]) == 0.0
}

/// The native code for a run with these settings: compiled on first use; `None` (the
/// interpreter) when the settings ask for it or native code is not available for this model.
/// [`Backend::Auto`] decides at the start of each run (see `run_inner`).
fn native_code<'a>(m: &'a CompiledModel, s: &RunSettings) -> Option<&'a JitProgram> {
    match s.backend {
        Backend::Jit => m.native().ok(),
        Backend::Interpreter | Backend::Auto | Backend::Batch => None,
    }
}

fn check_method(m: &CompiledModel, s: &RunSettings) -> Result<(), SimError> {
    if s.method.is_adaptive() {
        if let Some(reason) = &m.fixed_step_reason {
            return Err(SimError::NeedsFixedStep {
                reason: reason.clone(),
            });
        }
    }
    Ok(())
}

impl<'a> Core<'a> {
    /// The positions in `CompiledModel::outputs` of the recorded columns.
    fn recorded_indices(&self) -> Vec<usize> {
        self.record
            .iter()
            .map(|(_, slot)| {
                self.m
                    .outputs
                    .iter()
                    .position(|o| o.slot == *slot)
                    .unwrap_or(0)
            })
            .collect()
    }

    /// The row of `results` that keeps row `row` of the save grid, if it is kept.
    #[inline]
    pub(crate) fn stored_row(&self, row: usize) -> Option<usize> {
        if self.row_of.is_empty() {
            return Some(row);
        }
        let r = self.row_of[row];
        (r != SKIP_ROW).then_some(r)
    }

    fn set_record(&mut self, indices: &[usize], s: &RunSettings) {
        let m = self.m;
        self.record = indices
            .iter()
            .enumerate()
            .map(|(c, &i)| (c, m.outputs[i].slot))
            .collect();
        let names = indices.iter().map(|&i| m.outputs[i].name.clone()).collect();
        let units = indices
            .iter()
            .map(|&i| m.outputs[i].units.clone())
            .collect();
        let times: Vec<f64> = if self.keep.is_empty() {
            self.row_of.clear();
            s.save_times().collect()
        } else {
            let all: Vec<f64> = s.save_times().collect();
            self.row_of = vec![SKIP_ROW; all.len()];
            for (k, &row) in self.keep.iter().enumerate() {
                self.row_of[row] = k;
            }
            self.keep.iter().map(|&row| all[row]).collect()
        };
        self.results = Results::new(times, names, units);
    }

    /// Sets registers and parameters, runs the initial program and sets up the DELAY FIXED
    /// pipelines: the state at the start time, from the stocks' initial values.
    fn begin(&mut self, params: &ParamSet, s: &RunSettings) -> Result<(), SimError> {
        self.init_slots(params, s)?;
        self.fill_delays(s);
        Ok(())
    }

    /// Sets registers and parameters and runs the initial program.
    pub(crate) fn init_slots(
        &mut self,
        params: &ParamSet,
        s: &RunSettings,
    ) -> Result<(), SimError> {
        let m = self.m;
        let sl = &mut self.slots;
        sl[TIME as usize] = s.start;
        sl[HOLD_TIME as usize] = s.start;
        sl[TIME_PLUS as usize] = s.start + 0.5 * s.dt;
        sl[DT as usize] = s.dt;
        sl[INITIAL_TIME as usize] = s.start;
        sl[FINAL_TIME as usize] = s.stop;
        sl[SAVEPER as usize] = s.save_every;
        let pb = m.p.params_base as usize;
        sl[pb..pb + params.len()].copy_from_slice(params);
        let cb = m.p.consts_base as usize;
        sl[cb..cb + m.p.consts.len()].copy_from_slice(&m.p.consts);
        self.random.begin(s.seed);
        {
            let mut env = Env {
                lookups: &m.p.lookups,
                series: &self.exo,
                random: Some(&mut self.random),
            };
            exec(&m.p.init, &mut self.slots, &mut env);
        }
        if let Some(slot) = self.first_non_finite(&m.scan_init) {
            return Err(SimError::NonFinite {
                variable: m.slot_name(&m.scan_init, slot).unwrap_or_default(),
                time: s.start,
                value: self.slots[slot as usize],
            });
        }
        Ok(())
    }

    /// DELAY FIXED pipelines: round(delay / dt) values (at least one), all equal to the
    /// pipeline's output at the start.
    pub(crate) fn fill_delays(&mut self, s: &RunSettings) {
        let m = self.m;
        self.rings.clear();
        for (k, d) in m.p.delays.iter().enumerate() {
            let steps = (self.slots[d.delay as usize] / s.dt).max(1.0);
            let len = (steps + 1e-6).round() as usize;
            let off = self.rings.len();
            let init = self.slots[d.out as usize];
            self.rings.resize(off + len, init);
            self.ring_meta[k] = (off, len, 0);
        }
    }

    #[inline]
    pub(crate) fn set_time(&mut self, time: f64, hold: f64, time_plus: f64) {
        self.slots[TIME as usize] = time;
        self.slots[HOLD_TIME as usize] = hold;
        self.slots[TIME_PLUS as usize] = time_plus;
    }

    /// The state (mutable) and its derivative, adjacent in the slot array.
    #[inline]
    fn state_and_derivative(&mut self) -> (&mut [f64], &[f64]) {
        let p = &self.m.p;
        let ns = p.n_state as usize;
        let (st, rest) = self.slots[p.state_base as usize..].split_at_mut(ns);
        (st, &rest[..ns])
    }

    #[inline]
    pub(crate) fn eval(&mut self) {
        if let Some(native) = self.native {
            native.run(&mut self.slots, &self.m.p.lookups, &self.exo);
            return;
        }
        let mut env = Env {
            lookups: &self.m.p.lookups,
            series: &self.exo,
            random: None,
        };
        exec(&self.m.p.dynamic, &mut self.slots, &mut env);
    }

    fn record_row(&mut self, row: usize) {
        let Some(row) = self.stored_row(row) else {
            return;
        };
        for &(c, slot) in &self.record {
            self.results.set(c, row, self.slots[slot as usize]);
        }
    }

    /// The first slot (in diagnostic order) holding a non-finite value.
    fn first_non_finite(&self, ranges: &[(u32, u32, usize)]) -> Option<u32> {
        for &(b, l, _) in ranges {
            for s in b..b + l {
                if !self.slots[s as usize].is_finite() {
                    return Some(s);
                }
            }
        }
        None
    }

    /// Checks every state and variable slot after an evaluation at time `t`.
    #[inline]
    fn check_finite(&self, t: f64) -> Result<(), SimError> {
        let p = &self.m.p;
        if all_finite(&self.slots[p.state_base as usize..p.vars_end as usize]) {
            return Ok(());
        }
        self.non_finite_error(t)
    }

    #[cold]
    fn non_finite_error(&self, t: f64) -> Result<(), SimError> {
        let m = self.m;
        match self.first_non_finite(&m.scan_run) {
            Some(slot) => Err(SimError::NonFinite {
                variable: m.slot_name(&m.scan_run, slot).unwrap_or_default(),
                time: t,
                value: self.slots[slot as usize],
            }),
            None => Ok(()),
        }
    }

    /// Checks the state after a step that ended at time `t`.
    #[inline]
    fn check_state(&self, t: f64) -> Result<(), SimError> {
        let p = &self.m.p;
        if all_finite(&self.slots[p.state_base as usize..(p.state_base + p.n_state) as usize]) {
            return Ok(());
        }
        self.non_finite_error(t)
    }

    fn capture_delays(&mut self) {
        for (k, d) in self.m.p.delays.iter().enumerate() {
            self.pending[k] = self.slots[d.input as usize];
        }
    }

    /// Moves every DELAY FIXED pipeline one step on.
    fn update_delays(&mut self) {
        for (k, d) in self.m.p.delays.iter().enumerate() {
            let (off, len, pos) = self.ring_meta[k];
            self.rings[off + pos] = self.pending[k];
            let next = (pos + 1) % len;
            self.ring_meta[k].2 = next;
            self.slots[d.out as usize] = self.rings[off + next];
        }
    }

    /// Integration segment boundaries: start, every known switch time inside the run, stop.
    fn discontinuities(&self, s: &RunSettings, out: &mut Vec<f64>) {
        out.clear();
        let sl = &self.slots;
        let dt = s.dt;
        let mut push = |t: f64| {
            if t.is_finite() && t > s.start && t < s.stop {
                out.push(t);
            }
        };
        for e in &self.m.p.events {
            match *e {
                EventSpec::At(a) => push(sl[a as usize]),
                EventSpec::Pulse(a, w) => {
                    let st = sl[a as usize];
                    push(st);
                    push(st + sl[w as usize].max(dt));
                }
                EventSpec::Ramp(a, b) => {
                    push(sl[a as usize]);
                    push(sl[b as usize]);
                }
                EventSpec::Train(a, w, every, end) => {
                    let (st, wd, ev, en) = (
                        sl[a as usize],
                        sl[w as usize].max(dt),
                        sl[every as usize],
                        sl[end as usize],
                    );
                    push(st);
                    push(en);
                    if ev > wd {
                        let mut k = 0usize;
                        while k < 100_000 {
                            let t0 = st + k as f64 * ev;
                            if t0 >= en.min(s.stop) {
                                break;
                            }
                            push(t0);
                            push((t0 + wd).min(en));
                            k += 1;
                        }
                    }
                }
            }
        }
        for series in &self.exo {
            for &t in &series.time {
                push(t);
            }
        }
        out.push(s.start);
        out.push(s.stop);
        out.sort_by(|a, b| a.partial_cmp(b).expect("finite times"));
        let tol = 1e-12 * s.start.abs().max(s.stop.abs()).max(1.0);
        out.dedup_by(|b, a| (*b - *a).abs() <= tol);
        // Keep the exact end points.
        if let Some(last) = out.last_mut() {
            *last = s.stop;
        }
        out[0] = s.start;
    }

    fn load_state(&mut self, t: f64, y: &[f64]) {
        let p = &self.m.p;
        let sb = p.state_base as usize;
        self.slots[sb..sb + y.len()].copy_from_slice(y);
        self.slots[TIME as usize] = t;
        self.slots[HOLD_TIME as usize] = t;
        self.slots[TIME_PLUS as usize] = self.segment_mid;
    }
}

impl System for Core<'_> {
    #[inline]
    fn rhs(&mut self, t: f64, y: &[f64], dy: &mut [f64]) {
        self.load_state(t, y);
        self.eval();
        let db = self.m.p.deriv_base as usize;
        dy.copy_from_slice(&self.slots[db..db + dy.len()]);
    }

    fn segment(&mut self, a: f64, b: f64) {
        self.segment_mid = 0.5 * (a + b);
    }

    fn output(&mut self, row: usize, t: f64, y: &[f64]) -> Result<(), SimError> {
        self.load_state(t, y);
        self.eval();
        self.check_finite(t)?;
        self.record_row(row);
        Ok(())
    }

    fn accept(&mut self, t: f64, y: &mut [f64]) -> Result<(), SimError> {
        for &i in &self.m.non_negative {
            if y[i] < 0.0 {
                y[i] = 0.0;
            }
        }
        if y.iter().all(|v| v.is_finite()) {
            return Ok(());
        }
        self.load_state(t, y);
        self.non_finite_error(t)
    }

    fn diagnose(&mut self, t: f64, y: &[f64]) -> Result<(), SimError> {
        self.load_state(t, y);
        self.eval();
        self.check_finite(t)
    }
}
