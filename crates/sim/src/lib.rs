//! Compiles a model IR into a flat program over contiguous `f64` storage and integrates it
//! (Euler, RK2, RK4, Dopri5, Dop853); scenarios, results and parallel batch runs.
//!
//! ```
//! # let dir = tempfile::tempdir().unwrap();
//! # let path = dir.path().join("teacup.toml");
//! std::fs::write(&path, r#"
//! [settings]
//! stop = 30
//! dt = 0.125
//! [stocks.teacup_temperature]
//! initial = "180"
//! outflows = ["heat_loss"]
//! [flows.heat_loss]
//! equation = "(teacup_temperature - room_temperature) / characteristic_time"
//! [constants.room_temperature]
//! value = 70
//! [constants.characteristic_time]
//! value = 10
//! "#).unwrap();
//! let model = pressure_model::load(&path).unwrap();
//! let compiled = pressure_sim::CompiledModel::compile(&model).unwrap();
//! let results = compiled.run(&compiled.default_params(), &compiled.default_settings()).unwrap();
//! assert_eq!(results.rows(), 241);
//! // Euler: T(t + dt) = T(t) - dt (T(t) - 70) / 10, exactly as Vensim computes it.
//! assert_eq!(results.column("teacup_temperature").unwrap()[1], 180.0 - 0.125 * 11.0);
//! ```
//!
//! The pieces:
//! * [`CompiledModel::compile`] turns a [`pressure_model::Model`] into a program (see
//!   `program.rs` for the instruction set and the slot layout);
//! * [`ParamSet`] holds the parameter values of a run, [`RunSettings`] its time span, step,
//!   method and tolerances, [`ExogenousSet`] its exogenous series, [`Scenario`] a file that
//!   changes all three;
//! * [`Simulator`] runs a compiled model repeatedly without allocating, recording selected
//!   outputs into [`Results`];
//! * [`BatchSimulator`] runs eight parameter sets at once in lock step (the lane-batched
//!   interpreter), each lane equal to a scalar run bit for bit;
//! * [`run_batch`] / [`run_batch_map`] run many parameter sets in parallel;
//! * [`steady`] finds steady states (and balanced-growth states), and runs start there with
//!   [`Initialise::Steady`] (`[settings] initialise = "steady"`).
//!
//! Conventions (Vensim's; documented in `docs/model-format.md`): flows are evaluated at the
//! start of a step; STEP, PULSE, PULSE TRAIN, RAMP and exogenous inputs are held constant over
//! the stages of a Runge–Kutta step; RK2 is the midpoint method; output is saved every
//! `save_every` from the start time.

mod batch;
pub mod comparison;
mod compile;
mod compiled;
mod error;
mod integrate;
#[cfg(all(feature = "jit", any(target_arch = "x86_64", target_arch = "aarch64")))]
mod jit;
#[cfg(not(all(feature = "jit", any(target_arch = "x86_64", target_arch = "aarch64"))))]
#[path = "jit_stub.rs"]
mod jit;
mod lane_exec;
pub mod math;
mod params;
mod program;
mod random;
pub mod report;
mod results;
mod scenario;
mod settings;
mod simulator;
pub mod steady;

pub use batch::{run_batch, run_batch_map, uses_batch_backend};
pub use compiled::{CompiledModel, ExogenousInfo, NativeCode, OutputInfo};
pub use error::SimError;
pub use integrate::AdaptiveStats;
pub use params::{ParamSet, ParameterInfo};
pub use results::Results;
pub use scenario::{ExogenousSet, Scenario};
pub use settings::EngineOptions;
pub use settings::{Backend, GrowthGroup, Hold, Initialise, Method, RunSettings, SteadySettings};
pub use simulator::jacobian::{link_gains, LinkGain, LinkGains};
pub use simulator::lanes::BatchSimulator;
pub use simulator::Simulator;
pub use steady::{
    FreeParameter, GrowthRate, HeldValue, SteadyKind, SteadyRole, SteadyStarts, SteadyState,
    SteadyValue,
};
