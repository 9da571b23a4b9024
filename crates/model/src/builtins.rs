//! The builtin functions of the equation language: names, argument counts and their role.
//!
//! Names are matched case-insensitively with spaces and underscores removed, so
//! `IF THEN ELSE`, `If_Then_Else` and `IFTHENELSE` are the same function. The exact semantics
//! of each function are documented in `docs/model-format.md` and implemented by the engine
//! (`pressure-sim`); stateful functions are lowered here into hidden variables
//! (see [`crate::resolve`]).

/// Every builtin. Variants are grouped by role; see [`Builtin::role`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Builtin {
    // --- registers (no arguments) ---
    /// `TIME`: the current time (inside a Runge–Kutta step, the stage time).
    Time,
    /// `TIME STEP` (`DT`): the time step.
    TimeStep,
    /// `INITIAL TIME` (`START TIME`): the start of the run.
    InitialTime,
    /// `FINAL TIME` (`STOP TIME`): the end of the run.
    FinalTime,
    /// `SAVEPER`: the save interval.
    SavePer,
    /// `PI`: π.
    Pi,
    // --- pure functions ---
    /// `ABS(x)`: absolute value.
    Abs,
    /// `EXP(x)`: e to the power `x`.
    Exp,
    /// `LN(x)`: natural logarithm (a non-positive `x` stops the run with an error).
    Ln,
    /// `LOG(x)` (base 10) or `LOG(x, base)`.
    Log,
    /// `LOG10(x)`: base-10 logarithm.
    Log10,
    /// `SQRT(x)`: square root.
    Sqrt,
    /// `POWER(a, b)`: `a ^ b`.
    Power,
    /// `SIN(x)`, `x` in radians.
    Sin,
    /// `COS(x)`, `x` in radians.
    Cos,
    /// `TAN(x)`, `x` in radians.
    Tan,
    /// `ARCSIN(x)`, in radians.
    ArcSin,
    /// `ARCCOS(x)`, in radians.
    ArcCos,
    /// `ARCTAN(x)`, in radians.
    ArcTan,
    /// `INTEGER(x)` (`INT`): the integer part, truncated toward zero.
    Integer,
    /// `MODULO(x, m)` (`MOD`): `x - m * INTEGER(x / m)`, the sign of `x` (as Vensim).
    Modulo,
    /// `MIN(a, b, ...)`: the smallest value (one argument with `!`: a reduction).
    Min,
    /// `MAX(a, b, ...)`: the largest value (one argument with `!`: a reduction).
    Max,
    /// `XIDZ(a, b, x)`: `a / b`, or `x` when `abs(b) < 1e-6`.
    Xidz,
    /// `ZIDZ(a, b)`: `a / b`, or 0 when `abs(b) < 1e-6`.
    Zidz,
    /// `SAFEDIV(a, b)` / `SAFEDIV(a, b, x)`: XMILE's names for `ZIDZ` / `XIDZ`.
    SafeDiv,
    /// `IF THEN ELSE(c, a, b)`: `a` if `c` is nonzero, else `b` (both computed).
    IfThenElse,
    // --- test inputs (depend on time) ---
    /// `STEP(height, t0)`: 0, then `height` once time passes `t0`.
    Step,
    /// `PULSE(start, width)`: 1 during `width` (at least one time step) from `start`, else 0.
    Pulse,
    /// `PULSE TRAIN(start, width, every, end)`: the pulse repeated every `every` until `end`.
    PulseTrain,
    /// `RAMP(slope, start[, end])`: 0 before `start`, then `slope * (TIME - start)`, constant after `end`.
    Ramp,
    // --- stateful (lowered into hidden variables) ---
    /// `SMOOTH(x, T)`: first-order exponential smooth of `x` with averaging time `T`.
    Smooth,
    /// `SMOOTHI(x, T, init)`: `SMOOTH` starting at `init`.
    SmoothI,
    /// `SMOOTH3(x, T)`: three smooths in series, each `T/3`.
    Smooth3,
    /// `SMOOTH3I(x, T, init)`: `SMOOTH3` starting at `init`.
    Smooth3I,
    /// `SMOOTH N(x, T, init, n)`: `n` smooths in series, each `T/n`.
    SmoothN,
    /// `DELAY1(x, T)`: first-order material delay; the value is the outflow.
    Delay1,
    /// `DELAY1I(x, T, init)`: `DELAY1` whose outflow starts at `init`.
    Delay1I,
    /// `DELAY3(x, T)`: third-order material delay (three stages of `T/3`).
    Delay3,
    /// `DELAY3I(x, T, init)`: `DELAY3` whose outflow starts at `init`.
    Delay3I,
    /// `DELAY N(x, T, init, n)`: `n`-th order material delay.
    DelayN,
    /// `DELAY FIXED(x, T, init)`: a pipeline, `x` from `T` earlier (`init` at first).
    DelayFixed,
    /// `TREND(x, T, g0)`: the fractional growth rate of `x` per time unit, averaged over `T`.
    Trend,
    /// `FORECAST(x, T, h)`: `x` extrapolated `h` ahead at its trend over `T`.
    Forecast,
    /// `INITIAL(x)`: the value of `x` at the start time, then constant.
    Initial,
    /// `SAMPLE IF TRUE(condition, input, initial value)`: the input when the condition holds,
    /// else the value last sampled (the initial value until the first sample).
    SampleIfTrue,
    /// `ACTIVE INITIAL(value, initial value)`: the initial value while the model's initial
    /// values are computed (stocks' initial values, `INITIAL`, the start of `SMOOTH`/`DELAY`),
    /// the value during the run (from the first reported step on).
    ActiveInitial,
    /// `RANDOM NORMAL(min, max, mean, sd, seed)`: a new truncated-normal draw each step.
    RandomNormal,
    /// `RANDOM UNIFORM(min, max, seed)`: a new uniform draw on `[min, max)` each step.
    RandomUniform,
    // --- array reductions ---
    /// `SUM(x[dim!])`: the sum over the dimension.
    Sum,
    /// `PROD(x[dim!])`: the product over the dimension.
    Prod,
    /// `MEAN(x[dim!])`: the mean over the dimension.
    Mean,
    /// `STDDEV(x[dim!])`: the standard deviation over the dimension.
    Stddev,
}

/// What kind of thing a builtin is, for the resolver and the engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// A value known for the whole run (`TIME STEP`, `INITIAL TIME`, ...) or the clock (`TIME`).
    Register,
    /// A pure function of its arguments.
    Pure,
    /// A test input whose value depends on the current time.
    TestInput,
    /// Keeps state between time steps; compiled into hidden variables.
    Stateful,
    /// A reduction over a dimension (`SUM(x[group!])`). `MIN`/`MAX` with one argument too.
    Reduction,
}

/// (normalised name, builtin, min args, max args). `usize::MAX` means "any number".
const TABLE: &[(&str, Builtin, usize, usize)] = &[
    ("TIME", Builtin::Time, 0, 0),
    ("DT", Builtin::TimeStep, 0, 0),
    ("TIMESTEP", Builtin::TimeStep, 0, 0),
    ("INITIALTIME", Builtin::InitialTime, 0, 0),
    ("STARTTIME", Builtin::InitialTime, 0, 0),
    ("FINALTIME", Builtin::FinalTime, 0, 0),
    ("STOPTIME", Builtin::FinalTime, 0, 0),
    ("SAVEPER", Builtin::SavePer, 0, 0),
    ("PI", Builtin::Pi, 0, 0),
    ("ABS", Builtin::Abs, 1, 1),
    ("EXP", Builtin::Exp, 1, 1),
    ("LN", Builtin::Ln, 1, 1),
    ("LOG", Builtin::Log, 1, 2),
    ("LOG10", Builtin::Log10, 1, 1),
    ("SQRT", Builtin::Sqrt, 1, 1),
    ("POWER", Builtin::Power, 2, 2),
    ("SIN", Builtin::Sin, 1, 1),
    ("COS", Builtin::Cos, 1, 1),
    ("TAN", Builtin::Tan, 1, 1),
    ("ARCSIN", Builtin::ArcSin, 1, 1),
    ("ARCCOS", Builtin::ArcCos, 1, 1),
    ("ARCTAN", Builtin::ArcTan, 1, 1),
    ("INTEGER", Builtin::Integer, 1, 1),
    ("INT", Builtin::Integer, 1, 1),
    ("MODULO", Builtin::Modulo, 2, 2),
    ("MOD", Builtin::Modulo, 2, 2),
    ("MIN", Builtin::Min, 1, usize::MAX),
    ("MAX", Builtin::Max, 1, usize::MAX),
    ("XIDZ", Builtin::Xidz, 3, 3),
    ("ZIDZ", Builtin::Zidz, 2, 2),
    ("SAFEDIV", Builtin::SafeDiv, 2, 3),
    ("SAFEDIVISION", Builtin::SafeDiv, 2, 3),
    ("IFTHENELSE", Builtin::IfThenElse, 3, 3),
    ("STEP", Builtin::Step, 2, 2),
    ("PULSE", Builtin::Pulse, 2, 2),
    ("PULSETRAIN", Builtin::PulseTrain, 4, 4),
    ("RAMP", Builtin::Ramp, 2, 3),
    ("SMOOTH", Builtin::Smooth, 2, 2),
    ("SMOOTH1", Builtin::Smooth, 2, 2),
    ("SMOOTHI", Builtin::SmoothI, 3, 3),
    ("SMOOTH3", Builtin::Smooth3, 2, 2),
    ("SMOOTH3I", Builtin::Smooth3I, 3, 3),
    ("SMOOTHN", Builtin::SmoothN, 4, 4),
    ("DELAY1", Builtin::Delay1, 2, 2),
    ("DELAY1I", Builtin::Delay1I, 3, 3),
    ("DELAY3", Builtin::Delay3, 2, 2),
    ("DELAY3I", Builtin::Delay3I, 3, 3),
    ("DELAYN", Builtin::DelayN, 4, 4),
    ("DELAYFIXED", Builtin::DelayFixed, 3, 3),
    ("TREND", Builtin::Trend, 3, 3),
    ("FORECAST", Builtin::Forecast, 3, 3),
    ("INITIAL", Builtin::Initial, 1, 1),
    ("SAMPLEIFTRUE", Builtin::SampleIfTrue, 3, 3),
    ("ACTIVEINITIAL", Builtin::ActiveInitial, 2, 2),
    ("RANDOMNORMAL", Builtin::RandomNormal, 5, 5),
    ("RANDOMUNIFORM", Builtin::RandomUniform, 3, 3),
    ("SUM", Builtin::Sum, 1, 1),
    ("PROD", Builtin::Prod, 1, 1),
    ("MEAN", Builtin::Mean, 1, 1),
    ("STDDEV", Builtin::Stddev, 1, 1),
];

/// Builtin names of more than one word, as the parser joins them (upper case, single spaces).
pub const MULTI_WORD_NAMES: &[&str] = &[
    "IF THEN ELSE",
    "TIME STEP",
    "INITIAL TIME",
    "FINAL TIME",
    "START TIME",
    "STOP TIME",
    "PULSE TRAIN",
    "SMOOTH N",
    "DELAY N",
    "DELAY FIXED",
    "RANDOM NORMAL",
    "RANDOM UNIFORM",
    "SAMPLE IF TRUE",
    "ACTIVE INITIAL",
    "SAFE DIV",
    "SAFE DIVISION",
];

/// Upper case with spaces and underscores removed: the key builtins are looked up by.
pub fn normalise(name: &str) -> String {
    name.chars()
        .filter(|c| *c != ' ' && *c != '_')
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

impl Builtin {
    /// Looks a name up (case-insensitive, spaces and underscores ignored).
    pub fn lookup(name: &str) -> Option<Builtin> {
        let n = normalise(name);
        TABLE.iter().find(|e| e.0 == n).map(|e| e.1)
    }

    /// The canonical name, as printed.
    pub fn name(self) -> &'static str {
        match self {
            Builtin::Time => "TIME",
            Builtin::TimeStep => "TIME STEP",
            Builtin::InitialTime => "INITIAL TIME",
            Builtin::FinalTime => "FINAL TIME",
            Builtin::SavePer => "SAVEPER",
            Builtin::Pi => "PI",
            Builtin::Abs => "ABS",
            Builtin::Exp => "EXP",
            Builtin::Ln => "LN",
            Builtin::Log => "LOG",
            Builtin::Log10 => "LOG10",
            Builtin::Sqrt => "SQRT",
            Builtin::Power => "POWER",
            Builtin::Sin => "SIN",
            Builtin::Cos => "COS",
            Builtin::Tan => "TAN",
            Builtin::ArcSin => "ARCSIN",
            Builtin::ArcCos => "ARCCOS",
            Builtin::ArcTan => "ARCTAN",
            Builtin::Integer => "INTEGER",
            Builtin::Modulo => "MODULO",
            Builtin::Min => "MIN",
            Builtin::Max => "MAX",
            Builtin::Xidz => "XIDZ",
            Builtin::Zidz => "ZIDZ",
            Builtin::SafeDiv => "SAFEDIV",
            Builtin::IfThenElse => "IF THEN ELSE",
            Builtin::Step => "STEP",
            Builtin::Pulse => "PULSE",
            Builtin::PulseTrain => "PULSE TRAIN",
            Builtin::Ramp => "RAMP",
            Builtin::Smooth => "SMOOTH",
            Builtin::SmoothI => "SMOOTHI",
            Builtin::Smooth3 => "SMOOTH3",
            Builtin::Smooth3I => "SMOOTH3I",
            Builtin::SmoothN => "SMOOTH N",
            Builtin::Delay1 => "DELAY1",
            Builtin::Delay1I => "DELAY1I",
            Builtin::Delay3 => "DELAY3",
            Builtin::Delay3I => "DELAY3I",
            Builtin::DelayN => "DELAY N",
            Builtin::DelayFixed => "DELAY FIXED",
            Builtin::Trend => "TREND",
            Builtin::Forecast => "FORECAST",
            Builtin::Initial => "INITIAL",
            Builtin::SampleIfTrue => "SAMPLE IF TRUE",
            Builtin::ActiveInitial => "ACTIVE INITIAL",
            Builtin::RandomNormal => "RANDOM NORMAL",
            Builtin::RandomUniform => "RANDOM UNIFORM",
            Builtin::Sum => "SUM",
            Builtin::Prod => "PROD",
            Builtin::Mean => "MEAN",
            Builtin::Stddev => "STDDEV",
        }
    }

    /// Minimum and maximum number of arguments.
    pub fn arity(self) -> (usize, usize) {
        TABLE
            .iter()
            .find(|e| e.1 == self)
            .map(|e| (e.2, e.3))
            .unwrap_or((0, 0))
    }

    /// The argument names, for error messages and docs.
    pub fn signature(self) -> &'static str {
        match self {
            Builtin::Time
            | Builtin::TimeStep
            | Builtin::InitialTime
            | Builtin::FinalTime
            | Builtin::SavePer
            | Builtin::Pi => "no arguments",
            Builtin::Log => "(x) or (x, base)",
            Builtin::Power => "(base, exponent)",
            Builtin::Modulo => "(x, divisor)",
            Builtin::Min | Builtin::Max => "(a, b, ...) or (x[dim!])",
            Builtin::Xidz => "(numerator, denominator, value if denominator is zero)",
            Builtin::Zidz => "(numerator, denominator)",
            Builtin::SafeDiv => {
                "(numerator, denominator) or (numerator, denominator, value if zero)"
            }
            Builtin::IfThenElse => "(condition, value if true, value if false)",
            Builtin::Step => "(height, step time)",
            Builtin::Pulse => "(start, width)",
            Builtin::PulseTrain => "(start, width, time between pulses, end)",
            Builtin::Ramp => "(slope, start time) or (slope, start time, end time)",
            Builtin::Smooth | Builtin::Smooth3 | Builtin::Delay1 | Builtin::Delay3 => {
                "(input, delay time)"
            }
            Builtin::SmoothI | Builtin::Smooth3I | Builtin::Delay1I | Builtin::Delay3I => {
                "(input, delay time, initial value)"
            }
            Builtin::SmoothN | Builtin::DelayN => "(input, delay time, initial value, order)",
            Builtin::DelayFixed => "(input, delay time, initial value)",
            Builtin::Trend => "(input, average time, initial trend)",
            Builtin::Forecast => "(input, average time, horizon)",
            Builtin::Initial => "(x)",
            Builtin::SampleIfTrue => "(condition, input, initial value)",
            Builtin::ActiveInitial => "(value, initial value)",
            Builtin::RandomNormal => "(min, max, mean, standard deviation, seed)",
            Builtin::RandomUniform => "(min, max, seed)",
            Builtin::Sum | Builtin::Prod | Builtin::Mean | Builtin::Stddev => "(x[dim!])",
            _ => "(x)",
        }
    }

    /// What kind of builtin this is: register, pure function, test input, stateful or
    /// reduction.
    pub fn role(self) -> Role {
        use Builtin::*;
        match self {
            Time | TimeStep | InitialTime | FinalTime | SavePer | Pi => Role::Register,
            Step | Pulse | PulseTrain | Ramp => Role::TestInput,
            Smooth | SmoothI | Smooth3 | Smooth3I | SmoothN | Delay1 | Delay1I | Delay3
            | Delay3I | DelayN | DelayFixed | Trend | Forecast | Initial | SampleIfTrue
            | RandomNormal | RandomUniform => Role::Stateful,
            Sum | Prod | Mean | Stddev => Role::Reduction,
            _ => Role::Pure,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_case_and_separator_insensitive() {
        assert_eq!(Builtin::lookup("IF THEN ELSE"), Some(Builtin::IfThenElse));
        assert_eq!(Builtin::lookup("if_then_else"), Some(Builtin::IfThenElse));
        assert_eq!(Builtin::lookup("Smooth N"), Some(Builtin::SmoothN));
        assert_eq!(Builtin::lookup("smoothn"), Some(Builtin::SmoothN));
        assert_eq!(Builtin::lookup("delay_fixed"), Some(Builtin::DelayFixed));
        assert_eq!(Builtin::lookup("teacup"), None);
    }

    #[test]
    fn every_builtin_round_trips_through_its_canonical_name() {
        for e in TABLE {
            assert_eq!(Builtin::lookup(e.1.name()), Some(e.1), "{}", e.0);
        }
    }
}
