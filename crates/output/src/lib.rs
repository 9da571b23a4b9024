//! Writing output files the one way, for every crate that writes them.
//!
//! | item | job |
//! |---|---|
//! | [`write_atomic`] | temp file + rename, so a failed or killed command never leaves a half-written file |
//! | [`write_files`] | a report's files into a folder, each atomically; a failure names its file ([`WriteError`]) |
//! | [`CsvTable`] | a CSV table built in memory through `csv::Writer` (quoting as RFC 4180, `\n` line ends) |
//! | [`read_records`] | the rows of a CSV text as any reader reads them back (round-trip checks of the tables above) |
//!
//! This crate depends on no other crate of the workspace, so the library crates (calibration,
//! sensitivity, econometrics) and the `pressure` facade (which re-exports it as
//! `pressure::output`) can all use it.

#![warn(missing_docs)]

mod atomic;
mod files;
mod table;

pub use atomic::write_atomic;
pub use files::{write_files, WriteError};
pub use table::{read_records, CsvTable};
