//! Stand-in for the native code backend where it is not built (the `jit` feature off, or a
//! target Cranelift does not cover): it never compiles, so the interpreter runs every model.

use crate::program::Program;
use pressure_model::{LookupTable, Series};
use std::time::Duration;

/// See `jit/mod.rs`. Filled in by the caller, never read here.
#[allow(dead_code)]
pub(crate) struct SlotLayout<'a> {
    pub temps: std::ops::Range<u32>,
    pub consts_base: u32,
    pub consts: &'a [f64],
    pub n_lookups: usize,
    pub n_series: usize,
}

/// See `jit/mod.rs`.
#[allow(dead_code)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Shape {
    Scalar,
    Lanes { width: usize },
}

/// Never constructed here.
#[derive(Debug)]
pub(crate) enum JitProgram {}

impl JitProgram {
    pub fn compile_shape(_: &Program, _: &SlotLayout, _: Shape) -> Result<JitProgram, String> {
        Err("native code is not available in this build (feature `jit`, x86_64 or aarch64)".into())
    }

    pub fn run(&self, _: &mut [f64], _: &[LookupTable], _: &[Series]) {
        match *self {}
    }

    pub fn run_lanes(&self, _: &mut [crate::lane_exec::Lanes], _: &[LookupTable], _: &[Series]) {
        match *self {}
    }

    pub fn compile_time(&self) -> Duration {
        match *self {}
    }

    pub fn code_bytes(&self) -> usize {
        match *self {}
    }
}
