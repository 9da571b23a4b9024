//! The lane-batched interpreter: runs one [`Program`] over [`LANES`] slot arrays at once, one
//! instruction for every lane before the next instruction.
//!
//! The slots are stored slot-major (`s[slot][lane]`), so each instruction reads and writes
//! [`LANES`] adjacent `f64`s and its lane loop compiles to vector instructions (two AVX2
//! registers per slot on x86_64, chosen at run time; SSE2 otherwise). Everything that differs
//! between lanes is computed per lane: IF THEN ELSE, MIN/MAX, comparisons, XIDZ/ZIDZ, STEP,
//! PULSE and RAMP with per-lane arguments are selects, never branches on one lane's value.
//!
//! **Every lane equals the scalar interpreter bit for bit.** Each lane applies the very
//! functions [`crate::program::exec`] applies (`f64::exp`, `powf`, [`fmin`], [`lookup`], ...)
//! in the same order, so a lane's value is the scalar value. Transcendental functions are
//! called once per lane (the platform's libm); vectorising them is the next step, and would
//! have to replace the scalar backends' functions too to keep the results identical.

use crate::program::*;
use pressure_model::{LookupTable, Series};

/// Parameter sets advanced together. Eight `f64`s are two AVX2 (or one AVX-512) registers.
pub(crate) const LANES: usize = 8;

/// One slot of every lane.
pub(crate) type Lanes = [f64; LANES];

/// What an instruction needs besides the slots (the exogenous series are shared by the lanes).
pub(crate) struct LaneEnv<'a> {
    pub lookups: &'a [LookupTable],
    pub series: &'a [Series],
}

/// Runs `p` over every lane of `s`. Panics if `s` is shorter than the program needs (checked
/// once, so the instructions run without bounds checks); `p` must not contain a random draw
/// (the batch backend refuses models with RANDOM functions).
pub(crate) fn exec_lanes(p: &Program, s: &mut [Lanes], env: &LaneEnv) {
    assert!(
        (p.max_slot() as usize) < s.len(),
        "slot array too small for the program"
    );
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU supports AVX2 (just checked); the slot bound was checked above.
            unsafe { exec_avx2(p, s, env) };
            return;
        }
    }
    // SAFETY: the slot bound was checked above.
    unsafe { exec_body(p, s, env) }
}

/// The same loop compiled for AVX2 (the lane loops become 256-bit instructions). AVX2 has no
/// other rounding than SSE2, and Rust never fuses a multiply and an add on its own, so the
/// results are the same bits.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn exec_avx2(p: &Program, s: &mut [Lanes], env: &LaneEnv) {
    // SAFETY: as for `exec_body`; the caller checked the bound.
    unsafe { exec_body(p, s, env) }
}

/// `f` applied lane by lane.
#[inline(always)]
fn map1(a: Lanes, f: impl Fn(f64) -> f64) -> Lanes {
    let mut o = [0.0; LANES];
    for l in 0..LANES {
        o[l] = f(a[l]);
    }
    o
}

#[inline(always)]
fn map2(a: Lanes, b: Lanes, f: impl Fn(f64, f64) -> f64) -> Lanes {
    let mut o = [0.0; LANES];
    for l in 0..LANES {
        o[l] = f(a[l], b[l]);
    }
    o
}

#[inline(always)]
fn map3(a: Lanes, b: Lanes, c: Lanes, f: impl Fn(f64, f64, f64) -> f64) -> Lanes {
    let mut o = [0.0; LANES];
    for l in 0..LANES {
        o[l] = f(a[l], b[l], c[l]);
    }
    o
}

/// The instruction loop. Every arm computes exactly what the same arm of
/// [`crate::program::exec`] computes, per lane.
///
/// # Safety
/// Every slot index of `p` must be below `s.len()`.
#[inline(always)]
unsafe fn exec_body(p: &Program, s: &mut [Lanes], env: &LaneEnv) {
    let s = s.as_mut_ptr();
    // SAFETY: the caller guarantees every slot index of `p.ops()` is in bounds; `s` is
    // exclusively borrowed for the whole loop. Operands are read (copied) before the
    // destination is written, so an instruction may overwrite one of its operands.
    unsafe {
        macro_rules! r {
            ($x:expr) => {
                *s.add($x as usize)
            };
        }
        macro_rules! w {
            ($d:expr, $v:expr) => {{
                let v: Lanes = $v;
                *s.add($d as usize) = v;
            }};
        }
        for op in p.ops() {
            match *op {
                Op::Copy { d, a } => w!(d, r!(a)),
                Op::Neg { d, a } => w!(d, map1(r!(a), |x| -x)),
                Op::Not { d, a } => w!(d, map1(r!(a), |x| b2f(x == 0.0))),
                Op::Abs { d, a } => w!(d, map1(r!(a), f64::abs)),
                Op::Exp { d, a } => w!(d, map1(r!(a), f64::exp)),
                Op::Ln { d, a } => w!(d, map1(r!(a), f64::ln)),
                Op::Log10 { d, a } => w!(d, map1(r!(a), f64::log10)),
                Op::Sqrt { d, a } => w!(d, map1(r!(a), f64::sqrt)),
                Op::Sin { d, a } => w!(d, map1(r!(a), f64::sin)),
                Op::Cos { d, a } => w!(d, map1(r!(a), f64::cos)),
                Op::Tan { d, a } => w!(d, map1(r!(a), f64::tan)),
                Op::Asin { d, a } => w!(d, map1(r!(a), f64::asin)),
                Op::Acos { d, a } => w!(d, map1(r!(a), f64::acos)),
                Op::Atan { d, a } => w!(d, map1(r!(a), f64::atan)),
                Op::Int { d, a } => w!(d, map1(r!(a), integer)),
                Op::Add { d, a, b } => w!(d, map2(r!(a), r!(b), |x, y| x + y)),
                Op::Sub { d, a, b } => w!(d, map2(r!(a), r!(b), |x, y| x - y)),
                Op::Mul { d, a, b } => w!(d, map2(r!(a), r!(b), |x, y| x * y)),
                Op::Div { d, a, b } => w!(d, map2(r!(a), r!(b), |x, y| x / y)),
                Op::Pow { d, a, b } => w!(d, map2(r!(a), r!(b), f64::powf)),
                Op::Min { d, a, b } => w!(d, map2(r!(a), r!(b), fmin)),
                Op::Max { d, a, b } => w!(d, map2(r!(a), r!(b), fmax)),
                Op::Mod { d, a, b } => w!(d, map2(r!(a), r!(b), modulo)),
                Op::LogB { d, a, b } => w!(d, map2(r!(a), r!(b), |x, y| x.ln() / y.ln())),
                Op::Lt { d, a, b } => w!(d, map2(r!(a), r!(b), |x, y| b2f(x < y))),
                Op::Le { d, a, b } => w!(d, map2(r!(a), r!(b), |x, y| b2f(x <= y))),
                Op::Gt { d, a, b } => w!(d, map2(r!(a), r!(b), |x, y| b2f(x > y))),
                Op::Ge { d, a, b } => w!(d, map2(r!(a), r!(b), |x, y| b2f(x >= y))),
                Op::Eq { d, a, b } => w!(d, map2(r!(a), r!(b), |x, y| b2f(x == y))),
                Op::Ne { d, a, b } => w!(d, map2(r!(a), r!(b), |x, y| b2f(x != y))),
                Op::And { d, a, b } => {
                    w!(d, map2(r!(a), r!(b), |x, y| b2f((x != 0.0) & (y != 0.0))))
                }
                Op::Or { d, a, b } => {
                    w!(d, map2(r!(a), r!(b), |x, y| b2f((x != 0.0) | (y != 0.0))))
                }
                Op::Zidz { d, a, b } => w!(d, map2(r!(a), r!(b), zidz)),
                Op::MulAdd { d, a, b, c } => w!(d, map3(r!(a), r!(b), r!(c), |x, y, z| x * y + z)),
                Op::MulSub { d, a, b, c } => w!(d, map3(r!(a), r!(b), r!(c), |x, y, z| x * y - z)),
                Op::NegMulAdd { d, a, b, c } => {
                    w!(d, map3(r!(a), r!(b), r!(c), |x, y, z| z - x * y))
                }
                Op::Select { d, c, a, b } => w!(
                    d,
                    map3(r!(c), r!(a), r!(b), |c, x, y| if c != 0.0 { x } else { y })
                ),
                Op::Xidz { d, a, b, c } => w!(d, map3(r!(a), r!(b), r!(c), xidz)),
                Op::Step { d, height, at } => {
                    w!(d, map3(r!(TIME_PLUS), r!(height), r!(at), step))
                }
                Op::Pulse { d, start, width } => {
                    let dt = r!(DT);
                    let (tp, st, wd) = (r!(TIME_PLUS), r!(start), r!(width));
                    let mut o = [0.0; LANES];
                    for l in 0..LANES {
                        o[l] = pulse(tp[l], dt[l], st[l], wd[l]);
                    }
                    w!(d, o)
                }
                Op::PulseTrain {
                    d,
                    start,
                    width,
                    every,
                    end,
                } => {
                    let (tp, dt) = (r!(TIME_PLUS), r!(DT));
                    let (st, wd, ev, en) = (r!(start), r!(width), r!(every), r!(end));
                    let mut o = [0.0; LANES];
                    for l in 0..LANES {
                        o[l] = pulse_train(tp[l], dt[l], st[l], wd[l], ev[l], en[l]);
                    }
                    w!(d, o)
                }
                Op::Ramp {
                    d,
                    slope,
                    start,
                    end,
                } => {
                    let t = r!(HOLD_TIME);
                    let (sl, st, en) = (r!(slope), r!(start), r!(end));
                    let mut o = [0.0; LANES];
                    for l in 0..LANES {
                        o[l] = ramp(t[l], sl[l], st[l], en[l]);
                    }
                    w!(d, o)
                }
                Op::Lookup { d, table, x } => {
                    let t = &env.lookups[table as usize];
                    w!(d, map1(r!(x), |x| lookup(t, x)))
                }
                Op::Exo { d, series } => {
                    // Every lane is at the same time and shares the series: one evaluation.
                    let v = series_value(
                        &env.series[series as usize],
                        r!(HOLD_TIME)[0],
                        r!(TIME_PLUS)[0],
                    );
                    w!(d, [v; LANES])
                }
                Op::Random { .. } => {
                    unreachable!("the batch backend does not run models with RANDOM functions")
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each instruction kind gives, in every lane, the scalar interpreter's bits, for operands
    /// that include zeros of both signs, NaN, infinities, tiny denominators and values on both
    /// sides of every comparison and switch.
    #[test]
    fn every_instruction_matches_the_scalar_interpreter_in_every_lane() {
        let values = [
            0.0,
            -0.0,
            1.0,
            -1.0,
            2.5,
            -3.75,
            1e-7,
            -1e-7,
            0.5,
            7.0,
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            1e300,
            0.3,
            4.0,
        ];
        let ops = [
            Op::Copy { d: 7, a: 8 },
            Op::Neg { d: 7, a: 8 },
            Op::Not { d: 7, a: 8 },
            Op::Abs { d: 7, a: 8 },
            Op::Exp { d: 7, a: 8 },
            Op::Ln { d: 7, a: 8 },
            Op::Log10 { d: 7, a: 8 },
            Op::Sqrt { d: 7, a: 8 },
            Op::Sin { d: 7, a: 8 },
            Op::Cos { d: 7, a: 8 },
            Op::Tan { d: 7, a: 8 },
            Op::Asin { d: 7, a: 8 },
            Op::Acos { d: 7, a: 8 },
            Op::Atan { d: 7, a: 8 },
            Op::Int { d: 7, a: 8 },
            Op::Add { d: 7, a: 8, b: 9 },
            Op::Sub { d: 7, a: 8, b: 9 },
            Op::Mul { d: 7, a: 8, b: 9 },
            Op::Div { d: 7, a: 8, b: 9 },
            Op::Pow { d: 7, a: 8, b: 9 },
            Op::Min { d: 7, a: 8, b: 9 },
            Op::Max { d: 7, a: 8, b: 9 },
            Op::Mod { d: 7, a: 8, b: 9 },
            Op::LogB { d: 7, a: 8, b: 9 },
            Op::Lt { d: 7, a: 8, b: 9 },
            Op::Le { d: 7, a: 8, b: 9 },
            Op::Gt { d: 7, a: 8, b: 9 },
            Op::Ge { d: 7, a: 8, b: 9 },
            Op::Eq { d: 7, a: 8, b: 9 },
            Op::Ne { d: 7, a: 8, b: 9 },
            Op::And { d: 7, a: 8, b: 9 },
            Op::Or { d: 7, a: 8, b: 9 },
            Op::Zidz { d: 7, a: 8, b: 9 },
            Op::MulAdd {
                d: 7,
                a: 8,
                b: 9,
                c: 10,
            },
            Op::MulSub {
                d: 7,
                a: 8,
                b: 9,
                c: 10,
            },
            Op::NegMulAdd {
                d: 7,
                a: 8,
                b: 9,
                c: 10,
            },
            Op::Select {
                d: 7,
                c: 8,
                a: 9,
                b: 10,
            },
            Op::Xidz {
                d: 7,
                a: 8,
                b: 9,
                c: 10,
            },
            Op::Step {
                d: 7,
                height: 8,
                at: 9,
            },
            Op::Pulse {
                d: 7,
                start: 8,
                width: 9,
            },
            Op::PulseTrain {
                d: 7,
                start: 8,
                width: 9,
                every: 10,
                end: 11,
            },
            Op::Ramp {
                d: 7,
                slope: 8,
                start: 9,
                end: 10,
            },
            Op::Lookup {
                d: 7,
                table: 0,
                x: 8,
            },
        ];
        let table = LookupTable {
            x: vec![-1.0, 0.0, 1.0, 2.0],
            y: vec![3.0, 0.0, 10.0, 15.0],
            interpolation: pressure_model::Interpolation::Linear,
            extrapolation: pressure_model::Extrapolation::Linear,
        };
        let lookups = [table];
        let env = LaneEnv {
            lookups: &lookups,
            series: &[],
        };
        let n = values.len();
        for op in ops {
            let program = Program::new(vec![op]);
            // Operand k of lane l of round r: a different combination every round.
            for round in 0..n * n / LANES {
                let mut lanes = vec![[0.0; LANES]; 12];
                let mut scalar = vec![vec![0.0; 12]; LANES];
                for l in 0..LANES {
                    let i = round * LANES + l;
                    let operands = [
                        values[i % n],
                        values[(i / n) % n],
                        values[(i * 7 + 3) % n],
                        values[(i * 5 + 1) % n],
                    ];
                    let regs = [2.0 + 0.1 * l as f64, 2.05, 2.0, 0.25, 0.0, 10.0, 1.0];
                    for (k, v) in regs.iter().chain(&[0.0]).chain(&operands).enumerate() {
                        lanes[k][l] = *v;
                        scalar[l][k] = *v;
                    }
                }
                exec_lanes(&program, &mut lanes, &env);
                for (l, sl) in scalar.iter_mut().enumerate() {
                    let mut senv = Env {
                        lookups: &lookups,
                        series: &[],
                        random: None,
                    };
                    exec(&program, sl, &mut senv);
                    let (want, got) = (sl[7], lanes[7][l]);
                    assert!(
                        want.to_bits() == got.to_bits() || (want.is_nan() && got.is_nan()),
                        "{op:?} lane {l} round {round}: scalar {want:e}, lanes {got:e}"
                    );
                }
            }
        }
    }
}
