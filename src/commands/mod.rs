//! What the commands do between reading their arguments and printing their summary, as
//! library code: the CLI (`src/cli/`) parses flags and calls these, and the study
//! ([`crate::study`]) calls the same functions for its steps, so a command and a study step
//! run and write the same way.
//!
//! | module | job |
//! |---|---|
//! | [`calibrate`] | a calibration's manifest, its files written, its summary lines |
//! | [`sensitivity`] | run a prepared sensitivity experiment (whole or one shard), its manifest, its files |
//! | [`check`] | a model's variables counted by kind and its program's size (`pressure check`) |
//! | [`inputs`] | a model with scenario files and `NAME=VALUE` overrides applied (`pressure run`, `pressure steady`) |
//! | [`steady`] | the steady-state options of `pressure steady` (`--hold NAME=V`, growth groups) from text |

#![warn(missing_docs)]

pub mod calibrate;
pub mod check;
pub mod inputs;
pub mod sensitivity;
pub mod steady;
