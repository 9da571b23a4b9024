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

/// Lane versions of the helpers, called once per instruction by the lane code instead of once
/// per lane: `out[l] = f(a[l], a[n + l], a[2n + l], ...)` for the `n` lanes of one call (the
/// arguments lane by lane, one argument after the other). Each lane goes through the scalar
/// helper above, so it gets the scalar bits.
macro_rules! lanes {
    ($name:ident, $f:ident, $($k:literal),+) => {
        /// # Safety
        /// `a` holds `n` lanes of every argument and `out` has room for `n` results.
        pub(super) unsafe extern "C" fn $name(a: *const f64, n: usize, out: *mut f64) {
            for l in 0..n {
                // SAFETY: see the function's contract.
                unsafe { *out.add(l) = $f($(*a.add($k * n + l)),+) };
            }
        }
    };
}

lanes!(exp_lanes, exp, 0);
lanes!(ln_lanes, ln, 0);
lanes!(log10_lanes, log10, 0);
lanes!(sin_lanes, sin, 0);
lanes!(cos_lanes, cos, 0);
lanes!(tan_lanes, tan, 0);
lanes!(asin_lanes, asin, 0);
lanes!(acos_lanes, acos, 0);
lanes!(atan_lanes, atan, 0);
lanes!(int_lanes, int, 0);
lanes!(pow_lanes, pow, 0, 1);
lanes!(modulo_lanes, modulo_, 0, 1);
lanes!(log_base_lanes, log_base, 0, 1);
lanes!(pulse_lanes, pulse_, 0, 1, 2, 3);
lanes!(pulse_train_lanes, pulse_train_, 0, 1, 2, 3, 4, 5);
lanes!(ramp_lanes, ramp_, 0, 1, 2, 3);

/// # Safety
/// `tables` points to at least `i + 1` tables; `a` holds `n` lanes and `out` room for `n`.
pub(super) unsafe extern "C" fn lookup_lanes(
    tables: *const LookupTable,
    i: usize,
    a: *const f64,
    n: usize,
    out: *mut f64,
) {
    let t = unsafe { &*tables.add(i) };
    for l in 0..n {
        // SAFETY: see the function's contract.
        unsafe { *out.add(l) = lookup(t, *a.add(l)) };
    }
}
