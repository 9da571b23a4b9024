//! The Rust functions native code calls for what it does not inline: transcendental functions,
//! time-input builtins, graphical functions and exogenous series. Each one is the interpreter's
//! own expression (`program.rs`), so both backends compute the same bits.

use crate::program::{integer, lookup, modulo, pulse, pulse_train, ramp, series_value};
use pressure_model::{LookupTable, Series};

pub(super) extern "C" fn exp(x: f64) -> f64 {
    x.exp()
}

pub(super) extern "C" fn ln(x: f64) -> f64 {
    x.ln()
}

pub(super) extern "C" fn log10(x: f64) -> f64 {
    x.log10()
}

pub(super) extern "C" fn sin(x: f64) -> f64 {
    x.sin()
}

pub(super) extern "C" fn cos(x: f64) -> f64 {
    x.cos()
}

pub(super) extern "C" fn tan(x: f64) -> f64 {
    x.tan()
}

pub(super) extern "C" fn asin(x: f64) -> f64 {
    x.asin()
}

pub(super) extern "C" fn acos(x: f64) -> f64 {
    x.acos()
}

pub(super) extern "C" fn atan(x: f64) -> f64 {
    x.atan()
}

pub(super) extern "C" fn int(x: f64) -> f64 {
    integer(x)
}

pub(super) extern "C" fn pow(a: f64, b: f64) -> f64 {
    a.powf(b)
}

pub(super) extern "C" fn modulo_(a: f64, b: f64) -> f64 {
    modulo(a, b)
}

pub(super) extern "C" fn log_base(a: f64, b: f64) -> f64 {
    a.ln() / b.ln()
}

pub(super) extern "C" fn pulse_(tp: f64, dt: f64, start: f64, width: f64) -> f64 {
    pulse(tp, dt, start, width)
}

pub(super) extern "C" fn pulse_train_(
    tp: f64,
    dt: f64,
    start: f64,
    width: f64,
    every: f64,
    end: f64,
) -> f64 {
    pulse_train(tp, dt, start, width, every, end)
}

pub(super) extern "C" fn ramp_(t: f64, slope: f64, start: f64, end: f64) -> f64 {
    ramp(t, slope, start, end)
}

/// # Safety
/// `tables` points to at least `i + 1` tables (checked by `JitProgram::run`).
pub(super) unsafe extern "C" fn lookup_(tables: *const LookupTable, i: usize, x: f64) -> f64 {
    lookup(unsafe { &*tables.add(i) }, x)
}

/// # Safety
/// `series` points to at least `i + 1` series (checked by `JitProgram::run`).
pub(super) unsafe extern "C" fn series_(
    series: *const Series,
    i: usize,
    hold: f64,
    tp: f64,
) -> f64 {
    series_value(unsafe { &*series.add(i) }, hold, tp)
}
