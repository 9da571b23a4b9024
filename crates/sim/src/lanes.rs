//! The batch simulator: [`LANES`] parameter sets integrated in lock step through the
//! lane-batched interpreter (`lane_exec.rs`) or the program compiled to native lane code
//! (`jit/`, `Shape::Lanes`), each lane giving the results of a scalar run of
//! its parameter set bit for bit. A lane whose value becomes non-finite stops with the
//! scalar run's error (the variable and the time) while the others go on.
//!
//! (A child module of `simulator`, so it can reuse the scalar simulator's initialisation, which
//! runs once per lane and run.)

use super::{check_method, stage, Simulator};
use crate::compiled::CompiledModel;
use crate::error::SimError;
use crate::jit::JitProgram;
use crate::lane_exec::{exec_lanes, LaneEnv, Lanes, LANES};
use crate::params::ParamSet;
use crate::program::{HOLD_TIME, TIME, TIME_PLUS};
use crate::results::Results;
use crate::scenario::ExogenousSet;
use crate::settings::{Backend, Method, RunSettings};

/// Runs up to [`BatchSimulator::LANES`] parameter sets at once, in lock step through the same
/// compiled program (native lane code, or the lane-batched interpreter: see
/// [`BatchSimulator::set_native`]): every instruction is applied to all of them before the
/// next, so its arithmetic runs as vector instructions (and, interpreted, the cost of decoding
/// it is shared). Each lane's results equal a scalar run of its parameter set bit for
/// bit (with any [`crate::Backend`]); a lane that fails (a non-finite value) reports the scalar
/// run's error while the other lanes complete. Buffers are allocated once; a run allocates
/// nothing (except an error's message).
///
/// Fixed-step methods only (Euler, RK2, RK4) and models without RANDOM or DELAY FIXED; runs
/// that start at a steady state solve it lane by lane with the scalar solver, then integrate
/// together; [`BatchSimulator::supports`] says why not
/// otherwise. [`crate::run_batch`] uses it by itself where it applies (see
/// [`crate::Backend::Batch`]).
///
/// ```
/// # let dir = tempfile::tempdir().unwrap();
/// # let path = dir.path().join("growth.toml");
/// # std::fs::write(&path, "[settings]\nstop = 5\ndt = 0.25\nmethod = \"rk4\"\n[stocks.p]\ninitial = \"1\"\ninflows = [\"births\"]\n[flows.births]\nequation = \"r * p\"\n[constants.r]\nvalue = 0.1\n").unwrap();
/// use pressure_sim::{BatchSimulator, Backend, CompiledModel};
/// let compiled = CompiledModel::compile(&pressure_model::load(&path).unwrap()).unwrap();
/// let settings = compiled.default_settings();
/// let mut batch = BatchSimulator::new(&compiled, &settings).unwrap();
/// batch.record(&["p"]).unwrap();
/// let sets: Vec<_> = (0..5).map(|i| {
///     let mut p = compiled.default_params();
///     p.set(0, 0.05 * i as f64);
///     p
/// }).collect();
/// batch.run(&sets).unwrap();                       // five lanes, no allocation
/// let scalar = compiled
///     .run(&sets[3], &settings.clone().with_backend(Backend::Interpreter))
///     .unwrap();
/// let lane = batch.lane(3).unwrap();
/// assert_eq!(lane.column("p"), scalar.column("p")); // the same bits
/// ```
pub struct BatchSimulator<'a> {
    /// The scalar simulator: validates the settings, owns the exogenous series and the record
    /// list, and computes each lane's initial state.
    scalar: Simulator<'a>,
    settings: RunSettings,
    /// Slot-major: `slots[slot][lane]`.
    slots: Vec<Lanes>,
    y0: Vec<Lanes>,
    acc: Vec<Lanes>,
    /// Per lane: its results (valid when its `errors` entry is `None`).
    results: Vec<Results>,
    errors: Vec<Option<SimError>>,
    /// Lanes in use in the last run.
    used: usize,
    /// The program compiled to native code over the lanes, when it runs that way (else the
    /// lane interpreter).
    native: Option<&'a JitProgram>,
}

impl<'a> BatchSimulator<'a> {
    /// Parameter sets per batch.
    pub const LANES: usize = LANES;

    /// Whether the batch simulator can run this model with these settings, or why not.
    pub fn supports(model: &CompiledModel, settings: &RunSettings) -> Result<(), String> {
        if settings.method.is_adaptive() {
            return Err(format!(
                "the batch backend integrates with fixed steps only (not {:?})",
                settings.method
            ));
        }
        if !model.p.randoms.is_empty() {
            return Err("the batch backend does not run models with RANDOM functions".into());
        }
        if !model.p.delays.is_empty() {
            return Err("the batch backend does not run models with DELAY FIXED".into());
        }
        Ok(())
    }

    /// A batch simulator recording every output. Errors for invalid settings, and for a model
    /// or settings the batch backend does not support (see [`BatchSimulator::supports`]), as
    /// [`SimError::InvalidSettings`] of the field `backend`.
    pub fn new(model: &'a CompiledModel, settings: &RunSettings) -> Result<Self, SimError> {
        settings.validate()?;
        check_method(model, settings)?;
        BatchSimulator::supports(model, settings).map_err(|message| SimError::InvalidSettings {
            field: "backend",
            message,
            help: "run these parameter sets one at a time (another backend)".into(),
        })?;
        // The scalar simulator starts each lane: the initial program, or the steady-state
        // solver (with native code when the settings' backend chooses it; every backend finds
        // the same steady state bit for bit).
        let scalar = Simulator::new(model, settings)?;
        let ns = model.p.n_state as usize;
        let mut b = BatchSimulator {
            scalar,
            settings: settings.clone(),
            slots: vec![[0.0; LANES]; model.p.n_slots],
            y0: vec![[0.0; LANES]; ns],
            acc: vec![[0.0; LANES]; ns],
            results: Vec::new(),
            errors: vec![None; LANES],
            used: 0,
            native: None,
        };
        b.native = match settings.backend {
            Backend::Interpreter => None,
            Backend::Jit | Backend::Batch => model.native_lanes().ok(),
            Backend::Auto => {
                // Native code when compiling the scalar program would pay off for one batch.
                let work = settings.evaluations_estimate().saturating_mul(LANES as u64);
                model
                    .native_if_worth(work, false)
                    .and_then(|_| model.native_lanes().ok())
            }
        };
        b.reset_results();
        Ok(b)
    }

    fn reset_results(&mut self) {
        self.results = vec![self.scalar.core.results.clone(); LANES];
    }

    /// Records only these outputs (as [`Simulator::record`]).
    pub fn record(&mut self, names: &[&str]) -> Result<(), SimError> {
        self.scalar.record(names)?;
        self.reset_results();
        Ok(())
    }

    /// Records only the outputs at these positions of [`CompiledModel::outputs`].
    pub fn record_indices(&mut self, indices: &[usize]) {
        self.scalar.record_indices(indices);
        self.reset_results();
    }

    /// Keeps only these rows of the save grid in every lane's results (as
    /// [`Simulator::save_rows`]).
    pub fn save_rows(&mut self, rows: Option<&[usize]>) -> Result<(), SimError> {
        self.scalar.save_rows(rows)?;
        self.reset_results();
        Ok(())
    }

    /// Replaces the exogenous series (shared by every lane) for the following runs.
    pub fn set_exogenous(&mut self, exo: &ExogenousSet) -> Result<(), SimError> {
        self.scalar.set_exogenous(exo)
    }

    /// Runs the lanes through native code (compiled now if it was not yet) or, with `false`,
    /// through the lane interpreter; returns whether native code is in use (false also where it
    /// is not available). The results are the same bits either way. By default native code
    /// runs the lanes unless the settings' backend is [`Backend::Interpreter`] (under
    /// [`Backend::Auto`], when compiling pays off for one batch).
    pub fn set_native(&mut self, on: bool) -> bool {
        let m = self.scalar.core.m;
        self.native = if on { m.native_lanes().ok() } else { None };
        self.native.is_some()
    }

    /// Whether native code runs the lanes (see [`BatchSimulator::set_native`]).
    pub fn uses_native(&self) -> bool {
        self.native.is_some()
    }

    pub fn settings(&self) -> &RunSettings {
        &self.settings
    }

    /// Runs `params` (1 to [`BatchSimulator::LANES`] sets) together; lane `i` holds the run of
    /// `params[i]` (see [`BatchSimulator::lane`]). Errors only for a wrong number or length of
    /// parameter sets; a failed run is reported by its lane.
    pub fn run(&mut self, params: &[ParamSet]) -> Result<(), SimError> {
        if params.is_empty() || params.len() > LANES {
            return Err(SimError::WrongLength {
                what: "the batch of parameter sets".into(),
                expected: LANES,
                got: params.len(),
            });
        }
        for p in params {
            self.scalar.check_params(p)?;
        }
        self.used = params.len();
        // Each lane starts where a scalar run starts (its initial values or its steady state),
        // computed by the scalar simulator lane by lane: that keeps the starts identical to
        // scalar runs. Unused lanes repeat the first parameter set and are never read.
        for l in 0..LANES {
            let p = params.get(l).unwrap_or(&params[0]);
            self.errors[l] = self.scalar.start(p).err();
            for (lane_slot, v) in self.slots.iter_mut().zip(&self.scalar.core.slots) {
                lane_slot[l] = *v;
            }
        }
        for l in self.used..LANES {
            self.errors[l] = None;
        }
        self.run_fixed();
        Ok(())
    }

    /// The results of lane `i` of the last run, or its error.
    pub fn lane(&self, i: usize) -> Result<&Results, &SimError> {
        assert!(
            i < self.used,
            "lane {i} was not run (the last run used {})",
            self.used
        );
        match &self.errors[i] {
            Some(e) => Err(e),
            None => Ok(&self.results[i]),
        }
    }

    /// Lanes run in the last run.
    pub fn lanes_used(&self) -> usize {
        self.used
    }

    /// Per lane: whether it still runs.
    fn live(&self) -> [bool; LANES] {
        std::array::from_fn(|l| l < self.used && self.errors[l].is_none())
    }

    /// The fixed-step loop of [`Simulator::run_fixed`], every lane at once; the stage updates
    /// are the scalar ones applied to the lanes' flattened state.
    fn run_fixed(&mut self) {
        let m = self.scalar.core.m;
        let s = &self.settings;
        let (n, stride, h, start, method) = (s.steps(), s.save_stride(), s.dt, s.start, s.method);
        let ns = m.p.n_state as usize;
        let sb = m.p.state_base as usize;
        // The program over every lane (a macro: the environment borrows the series while the
        // slots are written).
        let native = self.native;
        macro_rules! eval {
            () => {
                match native {
                    Some(code) => {
                        code.run_lanes(&mut self.slots, &m.p.lookups, &self.scalar.core.exo)
                    }
                    None => exec_lanes(
                        &m.p.dynamic,
                        &mut self.slots,
                        &LaneEnv {
                            lookups: &m.p.lookups,
                            series: &self.scalar.core.exo,
                        },
                    ),
                }
            };
        }
        let mut live = self.live();
        let (mut to_save, mut row) = (0usize, 0usize);
        for k in 0..=n {
            let t = start + k as f64 * h;
            self.slots[TIME as usize] = [t; LANES];
            self.slots[HOLD_TIME as usize] = [t; LANES];
            self.slots[TIME_PLUS as usize] = [t + 0.5 * h; LANES];
            eval!();
            self.check(sb, m.p.vars_end as usize, t, &mut live);
            if !live.iter().any(|l| *l) {
                return;
            }
            if to_save == 0 {
                self.record_row(row, &live);
                row += 1;
                to_save = stride;
            }
            to_save -= 1;
            if k == n {
                break;
            }
            let y0 = self.y0.as_flattened_mut();
            let acc = self.acc.as_flattened_mut();
            // The state (mutable) and its derivative, adjacent in the slot array, flattened:
            // the stage updates are element-wise, so lanes are just more elements.
            macro_rules! state_and_derivative {
                () => {{
                    let (st, rest) = self.slots[sb..].split_at_mut(ns);
                    (st.as_flattened_mut(), rest[..ns].as_flattened())
                }};
            }
            match method {
                Method::Euler => {
                    let (st, d) = state_and_derivative!();
                    stage::euler(st, d, h);
                }
                Method::Rk2 => {
                    let h2 = 0.5 * h;
                    let (st, d) = state_and_derivative!();
                    stage::first(st, d, y0, None, h2);
                    self.slots[TIME as usize] = [t + h2; LANES];
                    eval!();
                    let (st, d) = state_and_derivative!();
                    stage::from_start(st, d, y0, h);
                }
                Method::Rk4 => {
                    let h2 = 0.5 * h;
                    let (st, d) = state_and_derivative!();
                    stage::first(st, d, y0, Some(&mut *acc), h2);
                    self.slots[TIME as usize] = [t + h2; LANES];
                    eval!();
                    let (st, d) = state_and_derivative!();
                    stage::middle(st, d, y0, acc, h2);
                    eval!();
                    let (st, d) = state_and_derivative!();
                    stage::middle(st, d, y0, acc, h);
                    self.slots[TIME as usize] = [t + h; LANES];
                    eval!();
                    let (st, d) = state_and_derivative!();
                    stage::rk4_last(st, d, y0, acc, h / 6.0);
                }
                Method::Dopri5 | Method::Dop853 => {
                    unreachable!("refused by BatchSimulator::supports")
                }
            }
            for &i in &m.non_negative {
                let y = &mut self.slots[sb + i];
                for v in y.iter_mut() {
                    if *v < 0.0 {
                        *v = 0.0;
                    }
                }
            }
            self.check(sb, sb + ns, t + h, &mut live);
        }
    }

    /// Checks slots `from..to` of every live lane; a lane holding a non-finite value fails
    /// with the scalar run's error (the first such variable in diagnostic order) and stops.
    /// `x * 0` is 0 for a finite `x` and NaN otherwise, per lane, without branches.
    #[inline]
    fn check(&mut self, from: usize, to: usize, t: f64, live: &mut [bool; LANES]) {
        let mut sums = [0.0f64; LANES];
        for x in &self.slots[from..to] {
            for l in 0..LANES {
                sums[l] += x[l] * 0.0;
            }
        }
        for l in 0..LANES {
            if live[l] && sums[l] != 0.0 && self.fail_lane(l, t) {
                live[l] = false;
            }
        }
    }

    /// Records lane `l`'s error and returns true, or returns false when no variable of the
    /// lane is non-finite (a derivative that overflowed from finite flows: the scalar run goes
    /// on too).
    #[cold]
    fn fail_lane(&mut self, l: usize, t: f64) -> bool {
        let m = self.scalar.core.m;
        let bad = m
            .scan_run
            .iter()
            .flat_map(|&(b, len, _)| b..b + len)
            .find(|&slot| !self.slots[slot as usize][l].is_finite());
        let Some(slot) = bad else {
            return false;
        };
        self.errors[l] = Some(SimError::NonFinite {
            variable: m.slot_name(&m.scan_run, slot).unwrap_or_default(),
            time: t,
            value: self.slots[slot as usize][l],
        });
        true
    }

    fn record_row(&mut self, row: usize, live: &[bool; LANES]) {
        let Some(row) = self.scalar.core.stored_row(row) else {
            return;
        };
        for &(c, slot) in &self.scalar.core.record {
            let v = self.slots[slot as usize];
            for l in 0..LANES {
                if live[l] {
                    self.results[l].set(c, row, v[l]);
                }
            }
        }
    }
}
