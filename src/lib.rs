//! Pressure: system-dynamics and econometric modelling of how economic sanctions reshape a
//! targeted country's fiscal space, inflation, currency controls and ruling-coalition cohesion.
//!
//! This facade re-exports the workspace crates so a script or another program can depend on one
//! crate. The `pressure` binary is a thin layer over these APIs (see `src/cli/`).
//!
//! | module | crate | job |
//! |---|---|---|
//! | [`model`] | `pressure-model` | model files to a validated IR |
//! | [`sim`] | `pressure-sim` | compiled models, integrators, batch runs |
//! | [`data`] | `pressure-data` | curated episode and panel tables |
//! | [`stats`] | `pressure-stats` | shared statistics helpers |
//! | [`calibrate`] | `pressure-calibrate` | fitting models to data |
//! | [`sensitivity`] | `pressure-sensitivity` | global sensitivity analysis |
//! | [`econometrics`] | `pressure-econometrics` | estimators on panels |
//! | [`plot`] | `pressure-plot` | publication figures |
//! | [`commands`] | (this crate) | what `pressure sensitivity`, `run` and `steady` do between parsing flags and printing, shared with the study |
//! | [`figures`] | (this crate) | the standard figure sets of estimate, sensitivity and calibrate results, their captions and index |
//! | [`study`] | (this crate) | the study `pressure reproduce` runs: steps typed by kind, their results, figures, index and manifest |

pub use pressure_calibrate as calibrate;
pub use pressure_data as data;
pub use pressure_econometrics as econometrics;
pub use pressure_interop as interop;
pub use pressure_model as model;
pub use pressure_plot as plot;
pub use pressure_sensitivity as sensitivity;
pub use pressure_sim as sim;
pub use pressure_stats as stats;

pub mod commands;
pub mod figures;
pub mod output;
pub mod study;
