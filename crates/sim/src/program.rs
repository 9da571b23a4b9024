//! The compiled program: a flat list of three-address instructions over one `f64` slot array.
//!
//! Slot layout (see [`Layout`]): clock registers, parameters, state (stocks and hidden stocks),
//! derivatives, every other variable element, scratch temporaries, literal constants. An
//! instruction reads and writes slots by index; no names, hash maps or allocation are involved
//! when it runs. Constants appear as slots too (deduplicated), so `x / 10` is one `Div`.

use pressure_model::{Extrapolation, Interpolation, LookupTable, Series};

/// Register slots (fixed positions at the start of the slot array).
pub(crate) const TIME: u32 = 0;
/// `TIME + dt/2` in fixed-step runs (Vensim's "time plus"); the midpoint of the current
/// integration segment in adaptive runs. STEP, PULSE, PULSE TRAIN and step-interpolated series
/// switch on this, so their value is constant within a step (fixed-step) or a segment.
pub(crate) const TIME_PLUS: u32 = 1;
/// The time at which held inputs (RAMP, linearly interpolated series) are evaluated: the start
/// of the step in fixed-step runs (Vensim holds them over RK stages), the stage time in
/// adaptive runs.
pub(crate) const HOLD_TIME: u32 = 2;
pub(crate) const DT: u32 = 3;
pub(crate) const INITIAL_TIME: u32 = 4;
pub(crate) const FINAL_TIME: u32 = 5;
pub(crate) const SAVEPER: u32 = 6;
pub(crate) const N_REGISTERS: u32 = 7;

/// One instruction. `d` is the destination slot; other fields are source slots.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Op {
    Copy {
        d: u32,
        a: u32,
    },
    Neg {
        d: u32,
        a: u32,
    },
    Not {
        d: u32,
        a: u32,
    },
    Abs {
        d: u32,
        a: u32,
    },
    Exp {
        d: u32,
        a: u32,
    },
    Ln {
        d: u32,
        a: u32,
    },
    Log10 {
        d: u32,
        a: u32,
    },
    Sqrt {
        d: u32,
        a: u32,
    },
    Sin {
        d: u32,
        a: u32,
    },
    Cos {
        d: u32,
        a: u32,
    },
    Tan {
        d: u32,
        a: u32,
    },
    Asin {
        d: u32,
        a: u32,
    },
    Acos {
        d: u32,
        a: u32,
    },
    Atan {
        d: u32,
        a: u32,
    },
    Int {
        d: u32,
        a: u32,
    },
    Add {
        d: u32,
        a: u32,
        b: u32,
    },
    Sub {
        d: u32,
        a: u32,
        b: u32,
    },
    Mul {
        d: u32,
        a: u32,
        b: u32,
    },
    Div {
        d: u32,
        a: u32,
        b: u32,
    },
    Pow {
        d: u32,
        a: u32,
        b: u32,
    },
    Min {
        d: u32,
        a: u32,
        b: u32,
    },
    Max {
        d: u32,
        a: u32,
        b: u32,
    },
    Mod {
        d: u32,
        a: u32,
        b: u32,
    },
    LogB {
        d: u32,
        a: u32,
        b: u32,
    },
    Lt {
        d: u32,
        a: u32,
        b: u32,
    },
    Le {
        d: u32,
        a: u32,
        b: u32,
    },
    Gt {
        d: u32,
        a: u32,
        b: u32,
    },
    Ge {
        d: u32,
        a: u32,
        b: u32,
    },
    Eq {
        d: u32,
        a: u32,
        b: u32,
    },
    Ne {
        d: u32,
        a: u32,
        b: u32,
    },
    And {
        d: u32,
        a: u32,
        b: u32,
    },
    Or {
        d: u32,
        a: u32,
        b: u32,
    },
    Zidz {
        d: u32,
        a: u32,
        b: u32,
    },
    /// `a * b + c`
    MulAdd {
        d: u32,
        a: u32,
        b: u32,
        c: u32,
    },
    /// `a * b - c`
    MulSub {
        d: u32,
        a: u32,
        b: u32,
        c: u32,
    },
    /// `c - a * b`
    NegMulAdd {
        d: u32,
        a: u32,
        b: u32,
        c: u32,
    },
    /// `if c != 0 { a } else { b }`
    Select {
        d: u32,
        c: u32,
        a: u32,
        b: u32,
    },
    Xidz {
        d: u32,
        a: u32,
        b: u32,
        c: u32,
    },
    Step {
        d: u32,
        height: u32,
        at: u32,
    },
    Pulse {
        d: u32,
        start: u32,
        width: u32,
    },
    PulseTrain {
        d: u32,
        start: u32,
        width: u32,
        every: u32,
        end: u32,
    },
    Ramp {
        d: u32,
        slope: u32,
        start: u32,
        end: u32,
    },
    Lookup {
        d: u32,
        table: u32,
        x: u32,
    },
    Exo {
        d: u32,
        series: u32,
    },
    /// A random draw (only in the initial program; later draws happen once per step).
    Random {
        d: u32,
        source: u32,
    },
}

impl Op {
    /// Applies `f` to every slot index of the instruction (used to relocate slots).
    pub(crate) fn map_slots(&mut self, mut f: impl FnMut(u32) -> u32) {
        use Op::*;
        match self {
            Copy { d, a }
            | Neg { d, a }
            | Not { d, a }
            | Abs { d, a }
            | Exp { d, a }
            | Ln { d, a }
            | Log10 { d, a }
            | Sqrt { d, a }
            | Sin { d, a }
            | Cos { d, a }
            | Tan { d, a }
            | Asin { d, a }
            | Acos { d, a }
            | Atan { d, a }
            | Int { d, a } => {
                *d = f(*d);
                *a = f(*a);
            }
            Add { d, a, b }
            | Sub { d, a, b }
            | Mul { d, a, b }
            | Div { d, a, b }
            | Pow { d, a, b }
            | Min { d, a, b }
            | Max { d, a, b }
            | Mod { d, a, b }
            | LogB { d, a, b }
            | Lt { d, a, b }
            | Le { d, a, b }
            | Gt { d, a, b }
            | Ge { d, a, b }
            | Eq { d, a, b }
            | Ne { d, a, b }
            | And { d, a, b }
            | Or { d, a, b }
            | Zidz { d, a, b } => {
                *d = f(*d);
                *a = f(*a);
                *b = f(*b);
            }
            MulAdd { d, a, b, c }
            | MulSub { d, a, b, c }
            | NegMulAdd { d, a, b, c }
            | Xidz { d, a, b, c } => {
                *d = f(*d);
                *a = f(*a);
                *b = f(*b);
                *c = f(*c);
            }
            Select { d, c, a, b } => {
                *d = f(*d);
                *c = f(*c);
                *a = f(*a);
                *b = f(*b);
            }
            Step { d, height, at } => {
                *d = f(*d);
                *height = f(*height);
                *at = f(*at);
            }
            Pulse { d, start, width } => {
                *d = f(*d);
                *start = f(*start);
                *width = f(*width);
            }
            PulseTrain {
                d,
                start,
                width,
                every,
                end,
            } => {
                *d = f(*d);
                *start = f(*start);
                *width = f(*width);
                *every = f(*every);
                *end = f(*end);
            }
            Ramp {
                d,
                slope,
                start,
                end,
            } => {
                *d = f(*d);
                *slope = f(*slope);
                *start = f(*start);
                *end = f(*end);
            }
            Lookup { d, x, .. } => {
                *d = f(*d);
                *x = f(*x);
            }
            Exo { d, .. } | Random { d, .. } => *d = f(*d),
        }
    }

    /// The slot the instruction writes: the first slot of every instruction (the compiler
    /// relies on the same convention when it retargets instructions).
    pub(crate) fn dest(&self) -> u32 {
        let mut first = None;
        let mut probe = *self;
        probe.map_slots(|s| {
            first.get_or_insert(s);
            s
        });
        first.expect("every instruction writes a slot")
    }

    /// Calls `f` with every slot the instruction reads (its operands; the clock registers read
    /// by test inputs and series, and the arguments of a random draw, are implicit).
    pub(crate) fn for_each_read(&self, mut f: impl FnMut(u32)) {
        let mut probe = *self;
        let mut first = true;
        probe.map_slots(|s| {
            if !std::mem::take(&mut first) {
                f(s);
            }
            s
        });
    }

    /// The largest slot index the instruction touches.
    pub(crate) fn max_slot(&self) -> u32 {
        let mut m = 0;
        let mut c = *self;
        c.map_slots(|s| {
            m = m.max(s);
            s
        });
        m
    }
}

/// Vensim's "zero" for XIDZ/ZIDZ: a denominator smaller than this in magnitude counts as 0.
pub(crate) const SMALL_DENOMINATOR: f64 = 1e-6;

#[inline]
pub(crate) fn b2f(b: bool) -> f64 {
    if b {
        1.0
    } else {
        0.0
    }
}

/// MIN of two values: `b` when it is smaller or `a` is NaN, else `a`. This is Rust's
/// `f64::min` spelled out (which leaves the sign of a zero result open), so that the native
/// code backend can compute the same bits.
#[inline]
pub(crate) fn fmin(a: f64, b: f64) -> f64 {
    if b < a || a.is_nan() {
        b
    } else {
        a
    }
}

/// MAX of two values: `b` when it is larger or `a` is NaN, else `a` (see [`fmin`]).
#[inline]
pub(crate) fn fmax(a: f64, b: f64) -> f64 {
    if b > a || a.is_nan() {
        b
    } else {
        a
    }
}

/// Vensim INTEGER: the integer part (truncation toward zero).
#[inline]
pub(crate) fn integer(x: f64) -> f64 {
    x.trunc()
}

/// Vensim MODULO: `x - m * INTEGER(x / m)`, the sign of `x` (Rust's `%`).
#[inline]
pub(crate) fn modulo(x: f64, m: f64) -> f64 {
    x % m
}

#[inline]
pub(crate) fn zidz(a: f64, b: f64) -> f64 {
    if b.abs() < SMALL_DENOMINATOR {
        0.0
    } else {
        a / b
    }
}

#[inline]
pub(crate) fn xidz(a: f64, b: f64, x: f64) -> f64 {
    if b.abs() < SMALL_DENOMINATOR {
        x
    } else {
        a / b
    }
}

/// STEP(height, at): `height` once `time plus` has passed `at`.
#[inline]
pub(crate) fn step(tp: f64, height: f64, at: f64) -> f64 {
    if tp > at {
        height
    } else {
        0.0
    }
}

/// PULSE(start, width): 1 while `start < time plus < start + width`; widths below one time
/// step count as one time step.
#[inline]
pub(crate) fn pulse(tp: f64, dt: f64, start: f64, width: f64) -> f64 {
    let w = fmax(width, dt);
    b2f(tp > start && tp < start + w)
}

/// PULSE TRAIN(start, width, every, end): PULSE repeated every `every` time units, starting at
/// `start`, for `time plus` before `end`.
#[inline]
pub(crate) fn pulse_train(tp: f64, dt: f64, start: f64, width: f64, every: f64, end: f64) -> f64 {
    if !(tp > start && tp < end) {
        return 0.0;
    }
    let w = fmax(width, dt);
    if every <= w {
        return 1.0;
    }
    let since = tp - start;
    let phase = since - (since / every).floor() * every;
    b2f(phase < w)
}

/// RAMP(slope, start, end): `slope * (min(t, end) - start)` after `start`, 0 before.
#[inline]
pub(crate) fn ramp(t: f64, slope: f64, start: f64, end: f64) -> f64 {
    if t > start {
        slope * (fmin(t, end) - start)
    } else {
        0.0
    }
}

/// Evaluates a graphical function.
pub(crate) fn lookup(t: &LookupTable, x: f64) -> f64 {
    let xs = &t.x;
    let ys = &t.y;
    let n = xs.len();
    if n == 1 {
        return ys[0];
    }
    if x.is_nan() {
        // Reported by the run's finite check, with the variable's name.
        return f64::NAN;
    }
    if x <= xs[0] {
        return match (t.extrapolation, t.interpolation) {
            (Extrapolation::Linear, Interpolation::Linear) if x < xs[0] => {
                ys[0] + (x - xs[0]) * (ys[1] - ys[0]) / (xs[1] - xs[0])
            }
            _ => ys[0],
        };
    }
    if x >= xs[n - 1] {
        return match (t.extrapolation, t.interpolation) {
            (Extrapolation::Linear, Interpolation::Linear) if x > xs[n - 1] => {
                ys[n - 1] + (x - xs[n - 1]) * (ys[n - 1] - ys[n - 2]) / (xs[n - 1] - xs[n - 2])
            }
            _ => ys[n - 1],
        };
    }
    // xs[i] <= x < xs[i + 1]
    let i = xs.partition_point(|v| *v <= x) - 1;
    match t.interpolation {
        Interpolation::Step => ys[i],
        Interpolation::Linear => ys[i] + (x - xs[i]) * (ys[i + 1] - ys[i]) / (xs[i + 1] - xs[i]),
    }
}

/// Evaluates an exogenous series: linear series at `hold` time, step series at `time plus`
/// (the last point strictly before it); constant beyond both ends.
pub(crate) fn series_value(s: &Series, hold: f64, tp: f64) -> f64 {
    let ts = &s.time;
    let vs = &s.values;
    match s.interpolation {
        Interpolation::Step => {
            let k = ts.partition_point(|v| *v < tp);
            if k == 0 {
                vs[0]
            } else {
                vs[k - 1]
            }
        }
        Interpolation::Linear => {
            let n = ts.len();
            if hold <= ts[0] {
                return vs[0];
            }
            if hold >= ts[n - 1] {
                return vs[n - 1];
            }
            let i = ts.partition_point(|v| *v <= hold) - 1;
            vs[i] + (hold - ts[i]) * (vs[i + 1] - vs[i]) / (ts[i + 1] - ts[i])
        }
    }
}

/// What an instruction needs besides the slots.
pub(crate) struct Env<'a> {
    pub lookups: &'a [LookupTable],
    pub series: &'a [Series],
    pub random: Option<&'a mut crate::random::RandomState>,
}

/// A list of instructions and the largest slot it touches (checked once per run of the
/// program, so the instructions themselves need no bounds checks).
#[derive(Debug, Clone, Default)]
pub(crate) struct Program {
    ops: Vec<Op>,
    max_slot: u32,
}

impl Program {
    pub fn new(ops: Vec<Op>) -> Self {
        let max_slot = ops.iter().map(|o| o.max_slot()).max().unwrap_or(0);
        Program { ops, max_slot }
    }

    pub fn len(&self) -> usize {
        self.ops.len()
    }

    pub fn ops(&self) -> &[Op] {
        &self.ops
    }

    /// The largest slot index the program touches (the native code generator sizes its checks
    /// with it; unused in builds without it).
    #[cfg_attr(
        not(all(feature = "jit", any(target_arch = "x86_64", target_arch = "aarch64"))),
        allow(dead_code)
    )]
    pub fn max_slot(&self) -> u32 {
        self.max_slot
    }
}

/// Runs a program over the slots.
#[inline(never)]
pub(crate) fn exec(p: &Program, s: &mut [f64], env: &mut Env) {
    assert!(
        (p.max_slot as usize) < s.len(),
        "slot array too small for the program"
    );
    let s = s.as_mut_ptr();
    // SAFETY: every slot index in `p.ops` is at most `p.max_slot` (computed in
    // `Program::new` from the instructions themselves), and we just checked that `s` has more
    // than `p.max_slot` elements; `s` is exclusively borrowed for the whole loop.
    unsafe {
        macro_rules! r {
            ($x:expr) => {
                *s.add($x as usize)
            };
        }
        macro_rules! w {
            ($d:expr, $v:expr) => {{
                let v = $v;
                *s.add($d as usize) = v;
            }};
        }
        for op in &p.ops {
            match *op {
                Op::Copy { d, a } => w!(d, r!(a)),
                Op::Neg { d, a } => w!(d, -r!(a)),
                Op::Not { d, a } => w!(d, b2f(r!(a) == 0.0)),
                Op::Abs { d, a } => w!(d, r!(a).abs()),
                Op::Exp { d, a } => w!(d, r!(a).exp()),
                Op::Ln { d, a } => w!(d, r!(a).ln()),
                Op::Log10 { d, a } => w!(d, r!(a).log10()),
                Op::Sqrt { d, a } => w!(d, r!(a).sqrt()),
                Op::Sin { d, a } => w!(d, r!(a).sin()),
                Op::Cos { d, a } => w!(d, r!(a).cos()),
                Op::Tan { d, a } => w!(d, r!(a).tan()),
                Op::Asin { d, a } => w!(d, r!(a).asin()),
                Op::Acos { d, a } => w!(d, r!(a).acos()),
                Op::Atan { d, a } => w!(d, r!(a).atan()),
                Op::Int { d, a } => w!(d, integer(r!(a))),
                Op::Add { d, a, b } => w!(d, r!(a) + r!(b)),
                Op::Sub { d, a, b } => w!(d, r!(a) - r!(b)),
                Op::Mul { d, a, b } => w!(d, r!(a) * r!(b)),
                Op::Div { d, a, b } => w!(d, r!(a) / r!(b)),
                Op::Pow { d, a, b } => w!(d, r!(a).powf(r!(b))),
                Op::Min { d, a, b } => w!(d, fmin(r!(a), r!(b))),
                Op::Max { d, a, b } => w!(d, fmax(r!(a), r!(b))),
                Op::Mod { d, a, b } => w!(d, modulo(r!(a), r!(b))),
                Op::LogB { d, a, b } => w!(d, r!(a).ln() / r!(b).ln()),
                Op::Lt { d, a, b } => w!(d, b2f(r!(a) < r!(b))),
                Op::Le { d, a, b } => w!(d, b2f(r!(a) <= r!(b))),
                Op::Gt { d, a, b } => w!(d, b2f(r!(a) > r!(b))),
                Op::Ge { d, a, b } => w!(d, b2f(r!(a) >= r!(b))),
                Op::Eq { d, a, b } => w!(d, b2f(r!(a) == r!(b))),
                Op::Ne { d, a, b } => w!(d, b2f(r!(a) != r!(b))),
                Op::And { d, a, b } => w!(d, b2f(r!(a) != 0.0 && r!(b) != 0.0)),
                Op::Or { d, a, b } => w!(d, b2f(r!(a) != 0.0 || r!(b) != 0.0)),
                Op::Zidz { d, a, b } => w!(d, zidz(r!(a), r!(b))),
                Op::MulAdd { d, a, b, c } => w!(d, r!(a) * r!(b) + r!(c)),
                Op::MulSub { d, a, b, c } => w!(d, r!(a) * r!(b) - r!(c)),
                Op::NegMulAdd { d, a, b, c } => w!(d, r!(c) - r!(a) * r!(b)),
                Op::Select { d, c, a, b } => w!(d, if r!(c) != 0.0 { r!(a) } else { r!(b) }),
                Op::Xidz { d, a, b, c } => w!(d, xidz(r!(a), r!(b), r!(c))),
                Op::Step { d, height, at } => w!(d, step(r!(TIME_PLUS), r!(height), r!(at))),
                Op::Pulse { d, start, width } => {
                    w!(d, pulse(r!(TIME_PLUS), r!(DT), r!(start), r!(width)))
                }
                Op::PulseTrain {
                    d,
                    start,
                    width,
                    every,
                    end,
                } => {
                    w!(
                        d,
                        pulse_train(
                            r!(TIME_PLUS),
                            r!(DT),
                            r!(start),
                            r!(width),
                            r!(every),
                            r!(end)
                        )
                    )
                }
                Op::Ramp {
                    d,
                    slope,
                    start,
                    end,
                } => w!(d, ramp(r!(HOLD_TIME), r!(slope), r!(start), r!(end))),
                Op::Lookup { d, table, x } => w!(d, lookup(&env.lookups[table as usize], r!(x))),
                Op::Exo { d, series } => {
                    w!(
                        d,
                        series_value(&env.series[series as usize], r!(HOLD_TIME), r!(TIME_PLUS))
                    )
                }
                Op::Random { d, source } => {
                    if let Some(rs) = env.random.as_deref_mut() {
                        // The draw reads argument slots: give it a slice view for that call.
                        let view = std::slice::from_raw_parts(s, p.max_slot as usize + 1);
                        let v = rs.draw(source as usize, view);
                        w!(d, v);
                    }
                }
            }
        }
    }
}

/// The result of applying an instruction to constant inputs (for constant folding), using the
/// same code as [`exec`] so folding never changes a result. `op` reads slots `0..vals.len()`
/// and writes slot `vals.len()`.
pub(crate) fn fold(op: Op, vals: &[f64]) -> f64 {
    let mut s = [0.0f64; 8];
    s[..vals.len()].copy_from_slice(vals);
    let mut env = Env {
        lookups: &[],
        series: &[],
        random: None,
    };
    exec(&Program::new(vec![op]), &mut s, &mut env);
    s[vals.len()]
}
