//! Run settings: the model's `[settings]`, overridable per run.

use crate::error::SimError;
use pressure_model::Settings;
pub use pressure_model::{GrowthGroup, Hold, Initialise, Method, SteadySettings};

/// How to run a model: time span, step, output interval, method, tolerances, seed, and where
/// the stocks start ([`Initialise`]: their initial values, or a steady state solved for each
/// run, see [`crate::steady`]).
///
/// ```
/// use pressure_sim::{Method, RunSettings};
/// let s = RunSettings::default().with_method(Method::Rk4).with_dt(0.25);
/// assert_eq!(s.steps(), 400);
/// assert!(RunSettings { dt: -1.0, ..s.clone() }.validate().is_err());
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct RunSettings {
    pub start: f64,
    pub stop: f64,
    pub dt: f64,
    /// Output interval; a whole multiple of `dt`.
    pub save_every: f64,
    pub method: Method,
    /// Tolerances of the adaptive methods.
    pub rtol: f64,
    pub atol: f64,
    /// Seed of RANDOM functions (combined with each call's own seed argument).
    pub seed: u64,
    /// Step budget of the adaptive methods.
    pub max_steps: usize,
    /// How model equations are evaluated (results are the same bit for bit).
    pub backend: Backend,
    /// Where the stocks start: at their initial values (the default) or at a steady state
    /// solved for each run's parameters before it integrates (so every run of a calibration,
    /// sensitivity analysis or Monte Carlo study starts in equilibrium).
    pub initialise: Initialise,
    /// The steady-state problem and solver settings (growth groups, closure parameters,
    /// tolerance), used when `initialise` is [`Initialise::Steady`] and by
    /// [`crate::Simulator::steady_state`].
    pub steady: SteadySettings,
}

/// How a simulator evaluates the model's equations. Every backend gives the same results bit
/// for bit (tested on every shipped model, every method and random models); they differ only
/// in speed. Native code runs a whole simulation 4 to 9 times faster than the interpreter on
/// models of some size (measured in `benches/engine.rs`: chain10 RK4 ×8.7, the 500-variable
/// model ×4.3, the coupled sanctions model ×8.9; the one-stock teacup only ×1.4, its run being
/// mostly bookkeeping) but costs a compilation first: about 0.2 ms plus 5 to 10 µs per
/// instruction (0.5 ms for chain10's 65 instructions, 7 ms for 1000, 84 ms for 10 000), once
/// per [`crate::CompiledModel`], shared by every simulator and thread.
///
/// The default is [`Backend::Auto`], which compiles only when that pays off: a run (or a
/// batch, see [`crate::run_batch`]) uses native code when it is already compiled, or when
/// the model's estimated interpreted work, counted over all its runs so far plus the run
/// about to start, reaches the estimated compile cost. Work is counted in
/// instruction-evaluations (instructions per evaluation × evaluations: `steps + 1` for Euler,
/// `2 steps + 1` for RK2, `4 steps + 1` for RK4, `steps` for the adaptive methods, whose real
/// count depends on the tolerances); the compile cost is taken as `50 000 + 500 ×
/// instructions` instruction-evaluations, so the JIT starts at about 500 evaluations for a
/// large model and about 17 000 for a three-instruction one. In practice: one RK4 run of
/// chain10 or of the sanctions model, one 800-step run of a 1000-instruction model, and every
/// batch of more than a few runs use native code; a handful of short runs of a tiny model
/// stay interpreted (where compiling would take longer than running).
///
/// For batches of runs ([`crate::run_batch`]) there is also the batch backend
/// ([`Backend::Batch`], [`crate::BatchSimulator`]): eight parameter sets through each
/// instruction at once, by a lane interpreter or by native lane code (Cranelift, `f64x2`
/// vectors; transcendental functions and lookups still one scalar call per lane). `Auto` uses
/// it for a batch of at least four runs when the batch does not use native code (not worth
/// compiling, or not available), and with native lane code for a batch of at least eight runs
/// that uses native code and stores few values per run (the rule and the measurements behind
/// it: [`crate::uses_batch_backend`]); ask for it with [`Backend::Batch`].
///
/// Without native code (other targets, or the `jit` feature off) every backend other than
/// `Batch` in a batch is the interpreter. [`EngineOptions::default_backend`] changes the default for the whole process
/// (the `pressure` CLI sets it from `--backend auto|interp|jit|batch`, else from
/// `PRESSURE_BACKEND`; the library reads no environment variables).
///
/// ```
/// use pressure_sim::{Backend, RunSettings};
/// let s = RunSettings::default().with_backend(Backend::Interpreter);
/// assert_eq!(s.backend, Backend::Interpreter);
/// assert_eq!("jit".parse::<Backend>().unwrap(), Backend::Jit);
/// assert_eq!("auto".parse::<Backend>().unwrap(), Backend::Auto);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// Native code when compiling it pays off (see above), else the interpreter.
    Auto,
    /// The register-program interpreter.
    Interpreter,
    /// Native code compiled with Cranelift when the model is first run this way (the
    /// interpreter where that is not available).
    Jit,
    /// For many runs ([`crate::run_batch`], [`crate::run_batch_map`]): eight parameter sets at
    /// a time in lock step ([`crate::BatchSimulator`]), through native lane code where it is
    /// available (else the lane interpreter), where the batch backend supports the model and
    /// settings (fixed-step methods, no RANDOM or DELAY FIXED); otherwise, and for single
    /// runs, the same as [`Backend::Auto`].
    Batch,
}

impl Backend {
    /// Whether this build can compile native code.
    pub const JIT_AVAILABLE: bool = cfg!(all(
        feature = "jit",
        any(target_arch = "x86_64", target_arch = "aarch64")
    ));

    /// Whether a single run chooses its backend itself ([`Backend::Auto`], and
    /// [`Backend::Batch`] outside a batch).
    pub(crate) fn is_auto(self) -> bool {
        matches!(self, Backend::Auto | Backend::Batch)
    }

    pub fn name(self) -> &'static str {
        match self {
            Backend::Auto => "auto",
            Backend::Interpreter => "interp",
            Backend::Jit => "jit",
            Backend::Batch => "batch",
        }
    }
}

/// The process's default backend: [`EngineOptions::default_backend`] ([`Backend::Auto`] unless
/// the program set another).
impl Default for Backend {
    fn default() -> Self {
        EngineOptions::current().default_backend
    }
}

/// Engine options of the whole process, set once by the program at start-up (the `pressure`
/// CLI maps `--backend` or `PRESSURE_BACKEND`, `PRESSURE_JIT_OPT` and `PRESSURE_JIT_DUMP_TMP`
/// to them). None of
/// them changes a result: the backends agree bit for bit, and the others only change how
/// native code is compiled or let it be inspected.
///
/// ```
/// use pressure_sim::{Backend, EngineOptions, RunSettings};
/// EngineOptions { default_backend: Backend::Interpreter, ..EngineOptions::default() }.install();
/// assert_eq!(RunSettings::default().backend, Backend::Interpreter);
/// EngineOptions::default().install();
/// assert_eq!(RunSettings::default().backend, Backend::Auto);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EngineOptions {
    /// The backend of settings that do not choose one ([`Backend::default`]).
    pub default_backend: Backend,
    /// Cranelift's `speed` optimisation level (its e-graph optimiser) instead of `none`. The
    /// compiler already folds constants and the program has no loops, so `none` compiles faster
    /// and, measured on the benchmark models, runs as fast.
    pub jit_optimise: bool,
    /// Writes each compiled function's machine code to this file and its Cranelift IR to
    /// `<file>.clif` (debugging the code generator).
    pub jit_dump: Option<std::path::PathBuf>,
    /// Lanes per call of the batch backend's native code (2, 4 or 8: one, two or four `f64x2`
    /// vectors per slot; the eight lanes of a batch take `8 / lane_width` calls). Every width
    /// computes the same bits; only the speed differs.
    pub lane_width: usize,
}

static ENGINE_OPTIONS: std::sync::RwLock<EngineOptions> =
    std::sync::RwLock::new(EngineOptions::DEFAULT);

impl EngineOptions {
    const DEFAULT: EngineOptions = EngineOptions {
        default_backend: Backend::Auto,
        jit_optimise: false,
        jit_dump: None,
        lane_width: 8,
    };

    /// Makes these the options of the whole process (models compiled to native code before
    /// keep their code).
    pub fn install(self) {
        *ENGINE_OPTIONS
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = self;
    }

    /// The options in force.
    pub fn current() -> EngineOptions {
        ENGINE_OPTIONS
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }
}

impl Default for EngineOptions {
    fn default() -> Self {
        EngineOptions::DEFAULT
    }
}

impl std::str::FromStr for Backend {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "auto" => Ok(Backend::Auto),
            "interp" | "interpreter" => Ok(Backend::Interpreter),
            "jit" | "native" => Ok(Backend::Jit),
            "batch" | "lanes" => Ok(Backend::Batch),
            other => Err(format!(
                "unknown backend `{other}` (expected `auto`, `interp`, `jit` or `batch`)"
            )),
        }
    }
}

impl Default for RunSettings {
    fn default() -> Self {
        RunSettings::from_model(&Settings::default())
    }
}

impl RunSettings {
    /// The settings written in a model file.
    pub fn from_model(s: &Settings) -> Self {
        RunSettings {
            start: s.start,
            stop: s.stop,
            dt: s.dt,
            save_every: s.save_every,
            method: s.method,
            rtol: s.rtol,
            atol: s.atol,
            seed: 0,
            max_steps: 1_000_000,
            backend: Backend::default(),
            initialise: s.initialise,
            steady: s.steady.clone(),
        }
    }

    /// Back to the model crate's type (for scenario overrides).
    pub fn to_model(&self) -> Settings {
        Settings {
            start: self.start,
            stop: self.stop,
            dt: self.dt,
            save_every: self.save_every,
            method: self.method,
            time_units: None,
            rtol: self.rtol,
            atol: self.atol,
            initialise: self.initialise,
            steady: self.steady.clone(),
        }
    }

    pub fn with_method(mut self, m: Method) -> Self {
        self.method = m;
        self
    }

    /// Sets dt; `save_every` follows when it was equal to the old dt.
    pub fn with_dt(mut self, dt: f64) -> Self {
        if self.save_every == self.dt {
            self.save_every = dt;
        }
        self.dt = dt;
        self
    }

    pub fn with_save_every(mut self, s: f64) -> Self {
        self.save_every = s;
        self
    }

    pub fn with_span(mut self, start: f64, stop: f64) -> Self {
        self.start = start;
        self.stop = stop;
        self
    }

    pub fn with_tolerances(mut self, rtol: f64, atol: f64) -> Self {
        self.rtol = rtol;
        self.atol = atol;
        self
    }

    pub fn with_backend(mut self, backend: Backend) -> Self {
        self.backend = backend;
        self
    }

    pub fn with_seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Sets where the stocks start (see [`Initialise`]).
    pub fn with_initialise(mut self, initialise: Initialise) -> Self {
        self.initialise = initialise;
        self
    }

    /// Sets the steady-state problem and solver settings.
    pub fn with_steady(mut self, steady: SteadySettings) -> Self {
        self.steady = steady;
        self
    }

    /// Checks the settings (see [`pressure_model::validate_settings`]).
    pub fn validate(&self) -> Result<(), SimError> {
        pressure_model::validate_settings(&self.to_model()).map_err(|e| SimError::InvalidSettings {
            field: e.field,
            message: e.message,
            help: e.help,
        })
    }

    /// Number of `dt` steps from start to stop.
    pub fn steps(&self) -> usize {
        ((self.stop - self.start) / self.dt).round() as usize
    }

    /// Model evaluations of one run, exact for the fixed-step methods, one per `dt` for the
    /// adaptive ones (see [`Backend::Auto`]).
    pub(crate) fn evaluations_estimate(&self) -> u64 {
        let steps = self.steps() as u64;
        match self.method {
            Method::Euler => steps + 1,
            Method::Rk2 => 2 * steps + 1,
            Method::Rk4 => 4 * steps + 1,
            Method::Dopri5 | Method::Dop853 => steps,
        }
    }

    /// Steps between saved rows.
    pub fn save_stride(&self) -> usize {
        ((self.save_every / self.dt).round() as usize).max(1)
    }

    /// Number of saved rows: `start`, `start + save_every`, ... up to `stop`.
    pub fn rows(&self) -> usize {
        self.steps() / self.save_stride() + 1
    }

    /// The saved times.
    pub fn save_times(&self) -> impl Iterator<Item = f64> + '_ {
        let stride = self.save_stride();
        (0..self.rows()).map(move |j| self.start + (j * stride) as f64 * self.dt)
    }
}
