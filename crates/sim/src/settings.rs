//! Run settings: the model's `[settings]`, overridable per run.

use crate::error::SimError;
pub use pressure_model::Method;
use pressure_model::Settings;

/// How to run a model: time span, step, output interval, method, tolerances, seed.
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
}

/// How a simulator evaluates the model's equations. Both give the same results bit for bit;
/// native code is faster, the interpreter needs no compilation and runs everywhere.
///
/// The default is [`Backend::Jit`] where native code is available (x86_64 and aarch64 with the
/// `jit` feature, on by default), else [`Backend::Interpreter`]; the environment variable
/// `PRESSURE_BACKEND=interp|jit` changes the default (for testing and comparisons).
///
/// ```
/// use pressure_sim::{Backend, RunSettings};
/// let s = RunSettings::default().with_backend(Backend::Interpreter);
/// assert_eq!(s.backend, Backend::Interpreter);
/// assert_eq!("jit".parse::<Backend>().unwrap(), Backend::Jit);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// The register-program interpreter.
    Interpreter,
    /// Native code compiled with Cranelift when the model is first run this way (the
    /// interpreter where that is not available).
    Jit,
}

impl Backend {
    /// Whether this build can compile native code.
    pub const JIT_AVAILABLE: bool = cfg!(all(
        feature = "jit",
        any(target_arch = "x86_64", target_arch = "aarch64")
    ));

    /// `PRESSURE_BACKEND` when set to a backend name, else native code where available.
    pub fn from_env() -> Backend {
        std::env::var("PRESSURE_BACKEND")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(if Backend::JIT_AVAILABLE {
                Backend::Jit
            } else {
                Backend::Interpreter
            })
    }

    pub fn name(self) -> &'static str {
        match self {
            Backend::Interpreter => "interp",
            Backend::Jit => "jit",
        }
    }
}

impl Default for Backend {
    fn default() -> Self {
        Backend::from_env()
    }
}

impl std::str::FromStr for Backend {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "interp" | "interpreter" => Ok(Backend::Interpreter),
            "jit" | "native" => Ok(Backend::Jit),
            other => Err(format!(
                "unknown backend `{other}` (expected `interp` or `jit`)"
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
