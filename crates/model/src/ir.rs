//! The model IR: a validated, fully resolved model, flat and namespaced.
//!
//! This is what every later stage reads: the engine compiles it, the units checker walks its
//! expressions, loop enumeration and graph export walk its dependency graph. Its shape:
//!
//! * [`Model::variables`] is one flat list. Module instances are expanded in place, their
//!   variables named with dotted paths (`fiscal.deficit`), and [`Variable::module`] says which
//!   instance a variable belongs to ([`Model::modules`] keeps the instance tree).
//! * Every reference is resolved: an [`Expr`] names variables by [`VarId`] and dimensions by
//!   [`DimId`], never by string.
//! * Arrays are kept as arrays: a variable has [`Variable::dims`] and either one equation for
//!   all elements ([`EquationSet::Uniform`], written with dimension names as indices) or one per
//!   element ([`EquationSet::PerElement`]). Elements are ordered row-major over `dims`
//!   (the last dimension varies fastest). The engine scalarises; the units checker need not.
//! * Stateful builtins (SMOOTH, DELAY, TREND, INITIAL, RANDOM ...) are lowered into *hidden*
//!   variables ([`Variable::hidden`] is `Some`): ordinary stocks and flows for the smooths and
//!   material delays, and three special kinds ([`VarKind::Initial`], [`VarKind::DelayFixed`],
//!   [`VarKind::Random`]). The call site stays in the expression as
//!   [`ExprKind::Stateful`], holding both the arguments as written (for units and display) and
//!   the expression that computes its value from the hidden variables (for evaluation and for
//!   the dependency graph). So a graph that ignores hidden variables still sees `x -> y` for
//!   `y = SMOOTH(x, t)` by walking the arguments, and a graph that includes them sees the
//!   stock that breaks the loop.
//! * [`Model::phases`] and [`Model::order`] give the evaluation plan the engine follows.

use crate::builtins::Builtin;
use crate::diagnostic::Diagnostic;
use crate::eqn::{BinaryOp, UnaryOp};
use crate::source::{SourceMap, Span};
use std::collections::HashMap;
use std::path::PathBuf;

/// Index of a variable in [`Model::variables`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct VarId(pub u32);

/// Index of a dimension in [`Model::dimensions`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DimId(pub u32);

/// Index of a module instance in [`Model::modules`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ModuleId(pub u32);

impl VarId {
    /// The position in [`Model::variables`].
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

impl DimId {
    /// The position in [`Model::dimensions`].
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// A validated model.
#[derive(Debug, Clone)]
pub struct Model {
    /// `[model] name`, or the file stem.
    pub name: String,
    /// `[model] doc`: what the model is for.
    pub doc: Option<String>,
    /// The root model file.
    pub path: PathBuf,
    /// Run settings from `[settings]`.
    pub settings: Settings,
    /// The dimensions (subscript ranges), indexed by [`DimId`].
    pub dimensions: Vec<Dimension>,
    /// Every variable, modules expanded and hidden variables included, indexed by [`VarId`].
    pub variables: Vec<Variable>,
    /// The module instances, indexed by [`ModuleId`].
    pub modules: Vec<ModuleInstance>,
    /// The root file's `[interface]` (empty when it has none).
    pub interface: Interface,
    /// Named feedback loops declared with `[loops.NAME]`.
    pub loops: Vec<NamedLoop>,
    /// Per variable (indexed by [`VarId`]): when its value can change.
    pub phases: Vec<Phase>,
    /// The order in which variables are evaluated at the initial time and at every step.
    pub order: EvalOrder,
    /// Every file read (for diagnostics that point into them).
    pub sources: SourceMap,
    /// Non-fatal findings.
    pub warnings: Vec<Diagnostic>,
    pub(crate) by_name: HashMap<String, VarId>,
}

/// Run settings from `[settings]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// Initial time, in `time_units`.
    pub start: f64,
    /// Final time, in `time_units`.
    pub stop: f64,
    /// Time step of the fixed-step methods, in `time_units`; under the adaptive ones it still
    /// sets the widths of zero-width pulses and the output grid.
    pub dt: f64,
    /// Save (output) interval, a whole multiple of `dt`. Defaults to `dt`.
    pub save_every: f64,
    /// The integration method.
    pub method: Method,
    /// The unit of time (e.g. `month`, `year`), as written.
    pub time_units: Option<String>,
    /// Relative and absolute tolerances of the adaptive methods.
    pub rtol: f64,
    /// Absolute tolerance, in the units of each stock.
    pub atol: f64,
    /// Where a run's stocks start: their initial values, or a steady state.
    pub initialise: Initialise,
    /// How a steady state is found (`[settings.steady]`), used when `initialise` is
    /// [`Initialise::Steady`] and by `pressure steady`.
    pub steady: SteadySettings,
}

/// Where a run's stocks start (`[settings] initialise = "initial" | "steady"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Initialise {
    /// At the stocks' `initial` equations (the default).
    #[default]
    Initial,
    /// At a steady state of the model, solved for each run's parameters (see
    /// `pressure_sim::steady`): every stock's net flow zero, or a balanced-growth state.
    Steady,
}

impl Initialise {
    /// `initial` or `steady`, as written in the file.
    pub fn name(self) -> &'static str {
        match self {
            Initialise::Initial => "initial",
            Initialise::Steady => "steady",
        }
    }

    /// Parses `initial | steady` (case-insensitive).
    pub fn parse(s: &str) -> Option<Initialise> {
        [Initialise::Initial, Initialise::Steady]
            .into_iter()
            .find(|i| i.name().eq_ignore_ascii_case(s.trim()))
    }
}

/// The steady-state problem and solver settings (`[settings.steady]`). Names are full dotted
/// names (`money.ln_price`); an arrayed stock's name stands for all its elements, `x[e]` for one.
/// The model loader checks every name (file, line and column of a bad one); the engine
/// resolves them again when it sets up a solve (for settings built in code).
#[derive(Debug, Clone, PartialEq)]
pub struct SteadySettings {
    /// Convergence: the largest scaled residual accepted (a net flow divided by its stock's
    /// scale, per time unit).
    pub tolerance: f64,
    /// Newton / Levenberg–Marquardt iterations per start.
    pub max_iterations: usize,
    /// Balanced-growth groups: stocks that grow at one common (solved) rate.
    pub growth: Vec<GrowthGroup>,
    /// Closure parameters: constants solved jointly with the stocks, one per [`Hold`].
    pub free: Vec<String>,
    /// Values held fixed at the steady state (a stock, flow or auxiliary), one per free
    /// parameter.
    pub hold: Vec<Hold>,
    /// Stocks left at their initial values whose net flow need not be zero (accumulators such as
    /// cumulative counts or elapsed time).
    pub exclude: Vec<String>,
}

impl Default for SteadySettings {
    fn default() -> Self {
        SteadySettings {
            tolerance: 1e-10,
            max_iterations: 50,
            growth: Vec::new(),
            free: Vec::new(),
            hold: Vec::new(),
            exclude: Vec::new(),
        }
    }
}

/// Stocks that grow at one common rate `g` at a balanced-growth state. The first stock is the
/// anchor (held at its initial value); `g` is solved with the other stocks.
#[derive(Debug, Clone, PartialEq)]
pub struct GrowthGroup {
    /// The stocks' full names; the first is the anchor.
    pub stocks: Vec<String>,
    /// `true`: the stocks are logarithms, so their net flows equal `g`; `false`: levels, so
    /// their proportional rates (net flow / value) equal `g`.
    pub log: bool,
}

/// A variable held at a value at the steady state (pairs with a free parameter).
#[derive(Debug, Clone, PartialEq)]
pub struct Hold {
    /// The variable's full name.
    pub name: String,
    /// `None`: its value with the model's initial values (a stock's initial value).
    pub value: Option<f64>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            start: 0.0,
            stop: 100.0,
            dt: 1.0,
            save_every: 1.0,
            method: Method::Euler,
            time_units: None,
            rtol: 1e-6,
            atol: 1e-9,
            initialise: Initialise::Initial,
            steady: SteadySettings::default(),
        }
    }
}

/// Integration method.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Method {
    /// Forward Euler, first order (the default).
    Euler,
    /// Second-order Runge–Kutta (Heun).
    Rk2,
    /// Classical fourth-order Runge–Kutta.
    Rk4,
    /// Dormand–Prince 5(4), adaptive step.
    Dopri5,
    /// Dormand–Prince 8(5,3), adaptive step.
    Dop853,
}

impl Method {
    /// Every method: euler, rk2, rk4, dopri5, dop853.
    pub const ALL: [Method; 5] = [
        Method::Euler,
        Method::Rk2,
        Method::Rk4,
        Method::Dopri5,
        Method::Dop853,
    ];

    /// The name written in `[settings] method`.
    pub fn name(self) -> &'static str {
        match self {
            Method::Euler => "euler",
            Method::Rk2 => "rk2",
            Method::Rk4 => "rk4",
            Method::Dopri5 => "dopri5",
            Method::Dop853 => "dop853",
        }
    }

    /// Parses `euler | rk2 | rk4 | dopri5 | dop853` (case-insensitive).
    pub fn parse(s: &str) -> Option<Method> {
        Method::ALL
            .into_iter()
            .find(|m| m.name().eq_ignore_ascii_case(s))
    }

    /// True for the adaptive (error-controlled) methods.
    pub fn is_adaptive(self) -> bool {
        matches!(self, Method::Dopri5 | Method::Dop853)
    }
}

/// A named dimension (subscript range), e.g. `group = ["tec", "sec", ...]`.
#[derive(Debug, Clone)]
pub struct Dimension {
    /// The dimension's name.
    pub name: String,
    /// Its element names, in order.
    pub elements: Vec<String>,
    /// For a subrange: the dimension it is part of.
    pub parent: Option<DimId>,
    /// For a subrange: the position in the parent of each element.
    pub parent_index: Vec<usize>,
    /// Where it is declared.
    pub span: Span,
}

/// Element `e` of dimension `from` as an element of dimension `to`, when both belong to one
/// family (a full dimension and its subranges) and `to` holds that element; None otherwise.
/// A subrange's element maps to its parent's and back; two subranges of one parent map
/// through it.
///
/// ```
/// use pressure_model::{ir::{map_element, Dimension}, DimId, Span};
/// let dim = |name: &str, elements: &[&str], parent: Option<u32>, parent_index: Vec<usize>| Dimension {
///     name: name.into(),
///     elements: elements.iter().map(|e| e.to_string()).collect(),
///     parent: parent.map(DimId),
///     parent_index,
///     span: Span::default(),
/// };
/// let dims = [dim("d", &["a", "b", "c"], None, vec![]), dim("s", &["c", "a"], Some(0), vec![2, 0])];
/// assert_eq!(map_element(&dims, DimId(1), 0, DimId(0)), Some(2)); // s's c is d's c
/// assert_eq!(map_element(&dims, DimId(0), 0, DimId(1)), Some(1)); // d's a is s's a
/// assert_eq!(map_element(&dims, DimId(0), 1, DimId(1)), None); // b is not in s
/// ```
pub fn map_element(dims: &[Dimension], from: DimId, e: usize, to: DimId) -> Option<usize> {
    if from == to {
        return Some(e);
    }
    let root = |d: DimId| dims[d.index()].parent.unwrap_or(d);
    if root(from) != root(to) {
        return None;
    }
    let f = &dims[from.index()];
    let r = if f.parent.is_some() {
        *f.parent_index.get(e)?
    } else {
        e
    };
    let t = &dims[to.index()];
    if t.parent.is_some() {
        t.parent_index.iter().position(|&x| x == r)
    } else {
        Some(r)
    }
}

/// Whether every element of `from` is an element of `to` (see [`map_element`]).
pub fn maps_into(dims: &[Dimension], from: DimId, to: DimId) -> bool {
    (0..dims[from.index()].elements.len()).all(|e| map_element(dims, from, e, to).is_some())
}

/// One model variable (or one hidden variable created by a stateful builtin).
#[derive(Debug, Clone)]
pub struct Variable {
    /// Full name, dotted for module members (`fiscal.deficit`). Hidden variables contain a `$`.
    pub name: String,
    /// Stock, flow, auxiliary, constant, lookup, exogenous series or hidden state.
    pub kind: VarKind,
    /// Dimensions, outermost first. Empty for a scalar.
    pub dims: Vec<DimId>,
    /// The unit expression as written (checked by the units pass, not here).
    pub units: Option<String>,
    /// Where the unit expression is, for unit diagnostics.
    pub units_span: Option<Span>,
    /// The `doc` text: what the variable means.
    pub doc: Option<String>,
    /// Citation or `assumption`.
    pub source: Option<String>,
    /// Where the variable is declared (its key in the file).
    pub span: Span,
    /// The module instance the variable belongs to (`None` for the root model).
    pub module: Option<ModuleId>,
    /// `Some` for variables created by lowering a stateful builtin.
    pub hidden: Option<Hidden>,
}

/// Where a hidden variable comes from.
#[derive(Debug, Clone)]
pub struct Hidden {
    /// The variable whose equation contains the call.
    pub owner: VarId,
    /// The stateful builtin (`SMOOTH`, `DELAY3`, ...) that created it.
    pub builtin: Builtin,
    /// What it is within the builtin, e.g. `stage 2 of 3`, `inflow`, `input`.
    pub part: String,
}

/// What a variable is.
#[derive(Debug, Clone)]
pub enum VarKind {
    /// A level: integrates `sum(inflows) - sum(outflows)` from `initial`.
    Stock(Stock),
    /// A rate attached to stocks. Evaluated like an auxiliary.
    Flow(EquationSet),
    /// An auxiliary (converter).
    Aux(EquationSet),
    /// A parameter: one value per element, overridable per run.
    Constant(Constant),
    /// A graphical function, one table per element; used only through calls `f(x)`.
    Lookup(Vec<LookupTable>),
    /// An exogenous time series (one per element; arrays of series are not supported yet).
    Exogenous(Vec<Series>),
    /// Hidden: `INITIAL(x)`, the value of `x` at the initial time, then constant.
    Initial(EquationSet),
    /// Hidden: `DELAY FIXED(input, delay, initial)`, a pipeline of `round(delay / dt)` steps.
    DelayFixed(DelayFixed),
    /// Hidden: `RANDOM NORMAL/UNIFORM(...)`, a new draw every time step.
    Random(RandomSource),
}

impl VarKind {
    /// A short lower-case name of the kind: `stock`, `flow`, `aux`, `constant`, `lookup`,
    /// `exogenous`, `initial`, `delay_fixed`, `random`.
    pub fn name(&self) -> &'static str {
        match self {
            VarKind::Stock(_) => "stock",
            VarKind::Flow(_) => "flow",
            VarKind::Aux(_) => "aux",
            VarKind::Constant(_) => "constant",
            VarKind::Lookup(_) => "lookup",
            VarKind::Exogenous(_) => "exogenous",
            VarKind::Initial(_) => "initial",
            VarKind::DelayFixed(_) => "delay_fixed",
            VarKind::Random(_) => "random",
        }
    }

    /// Variables whose value is carried from one time step to the next.
    pub fn is_state(&self) -> bool {
        matches!(
            self,
            VarKind::Stock(_) | VarKind::DelayFixed(_) | VarKind::Random(_)
        )
    }
}

/// A stock (level): integrates its inflows minus its outflows.
#[derive(Debug, Clone)]
pub struct Stock {
    /// Its value at the initial time.
    pub initial: EquationSet,
    /// Flows that add to it.
    pub inflows: Vec<VarId>,
    /// Flows that drain it.
    pub outflows: Vec<VarId>,
    /// Clamp the stock at zero (see docs/model-format.md for the exact rule).
    pub non_negative: bool,
}

/// A constant (parameter): fixed over a run, settable by scenarios, calibration and
/// sensitivity analysis.
#[derive(Debug, Clone)]
pub struct Constant {
    /// One value per element (row-major over the variable's dims); one value for a scalar.
    pub values: Vec<f64>,
    /// Plausible range `[low, high]` for calibration and sensitivity analysis.
    pub range: Option<(f64, f64)>,
}

/// One equation, or one per element.
#[derive(Debug, Clone)]
pub enum EquationSet {
    /// One equation for every element (apply-to-all); dimension names index the elements.
    Uniform(Equation),
    /// One equation per element, in row-major element order.
    PerElement(Vec<Equation>),
}

impl EquationSet {
    /// The equation of element `i` (row-major index).
    pub fn for_element(&self, i: usize) -> &Equation {
        match self {
            EquationSet::Uniform(e) => e,
            EquationSet::PerElement(v) => &v[i],
        }
    }

    /// Every equation: the one uniform equation, or one per element.
    pub fn equations(&self) -> &[Equation] {
        match self {
            EquationSet::Uniform(e) => std::slice::from_ref(e),
            EquationSet::PerElement(v) => v,
        }
    }
}

/// An equation: its text as written, where it is, and the resolved expression.
#[derive(Debug, Clone)]
pub struct Equation {
    /// The equation as written in the file.
    pub text: String,
    /// Where it is.
    pub span: Span,
    /// The resolved expression.
    pub expr: Expr,
}

/// A graphical function.
#[derive(Debug, Clone, PartialEq)]
pub struct LookupTable {
    /// Strictly increasing.
    pub x: Vec<f64>,
    /// The output at each `x`.
    pub y: Vec<f64>,
    /// Between points.
    pub interpolation: Interpolation,
    /// Outside the first and last point.
    pub extrapolation: Extrapolation,
}

/// How a table or series is read between its points.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Interpolation {
    /// Straight lines between points.
    Linear,
    /// The value of the last point at or before x (a staircase).
    Step,
}

/// How a lookup table is read outside its points.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Extrapolation {
    /// Outside the table, the value at the nearest end.
    Clamp,
    /// Outside the table, extend the line through the two end points.
    Linear,
}

/// An exogenous time series.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    /// Strictly increasing times.
    pub time: Vec<f64>,
    /// The value at each time, in the variable's units.
    pub values: Vec<f64>,
    /// Between points (a series is held at its end values outside them).
    pub interpolation: Interpolation,
    /// Where the data came from (`file.csv:column` or `inline`), for manifests and errors.
    pub origin: String,
}

/// A `DELAY FIXED` pipeline: the input comes out unchanged `delay_time` later.
#[derive(Debug, Clone)]
pub struct DelayFixed {
    /// What enters the pipeline at every step.
    pub input: Expr,
    /// Evaluated once at the initial time; the pipeline holds `round(delay / dt)` values.
    pub delay_time: Expr,
    /// What the pipeline holds at the start (comes out until the first input arrives).
    pub initial: Expr,
}

/// A random value (`RANDOM NORMAL`, `RANDOM UNIFORM`), drawn anew at each step from its own
/// seeded stream.
#[derive(Debug, Clone)]
pub struct RandomSource {
    /// [`Builtin::RandomNormal`] or [`Builtin::RandomUniform`].
    pub distribution: Builtin,
    /// The arguments as in the call (min, max, [mean, sd,] seed); constant over a run.
    pub args: Vec<Expr>,
}

/// A resolved expression with its span in the file.
#[derive(Debug, Clone)]
pub struct Expr {
    /// What the expression is.
    pub kind: ExprKind,
    /// Where it is in the file.
    pub span: Span,
}

/// The node types of a resolved expression.
#[derive(Debug, Clone)]
pub enum ExprKind {
    /// A number.
    Const(f64),
    /// A variable, with one index per dimension of the variable (empty for scalars).
    Var(VarId, Vec<Index>),
    /// `TIME`, `TIME STEP`, `INITIAL TIME`, `FINAL TIME`, `SAVEPER`.
    Register(Builtin),
    /// `-x` or `NOT x`.
    Unary(UnaryOp, Box<Expr>),
    /// An arithmetic, comparison or logical operation.
    Binary(BinaryOp, Box<Expr>, Box<Expr>),
    /// `IF THEN ELSE(condition, then, else)`.
    If(Box<Expr>, Box<Expr>, Box<Expr>),
    /// A pure builtin or a test input (STEP, PULSE, PULSE TRAIN, RAMP).
    Call(Builtin, Vec<Expr>),
    /// A lookup call `table[indices](x)`.
    Lookup(VarId, Vec<Index>, Box<Expr>),
    /// `SUM/PROD/MEAN/STDDEV/MIN/MAX` of the argument over the listed dimensions (those
    /// marked `!` inside it, e.g. `SUM(x[group!])`).
    Reduce(Builtin, Vec<DimId>, Box<Expr>),
    /// A stateful builtin call site (see the module docs).
    Stateful(Box<StatefulCall>),
}

/// A stateful builtin call (`SMOOTH`, `DELAY1`, `DELAY3`, `TREND`, ...), lowered to hidden
/// variables.
#[derive(Debug, Clone)]
pub struct StatefulCall {
    /// Which builtin.
    pub builtin: Builtin,
    /// The arguments as written.
    pub args: Vec<Expr>,
    /// Computes the call's value from hidden variables (and possibly the arguments).
    pub value: Expr,
    /// The hidden variables created for this call.
    pub hidden: Vec<VarId>,
}

/// One subscript of a variable reference.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Index {
    /// Follow the equation's own dimension `d` (which is the referenced variable's dimension at
    /// this position, or a subrange of it).
    Dim(DimId),
    /// A fixed element: position `1` in dimension `0` (the referenced variable's dimension).
    Element(DimId, u32),
    /// Iterate over `d` inside the enclosing [`ExprKind::Reduce`] (`x[d!]`).
    Reduce(DimId),
}

/// When a variable's value can change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Fixed for a run once parameters are set (constants, INITIAL values, auxiliaries that
    /// depend only on those). Computed once at the initial time.
    Static,
    /// Changes during the run (stocks, flows, and everything depending on time or state).
    Dynamic,
}

/// The evaluation plan.
#[derive(Debug, Clone, Default)]
pub struct EvalOrder {
    /// Everything, in an order valid at the initial time: a stock appears where its initial
    /// value is computed; INITIAL values and DELAY FIXED pipelines are set up here too.
    /// Lookups are not listed (they are tables, not values).
    pub initial: Vec<VarId>,
    /// Dynamic flows and auxiliaries, in the order to evaluate them at every step (stocks,
    /// DELAY FIXED and RANDOM values are state and come first implicitly).
    pub dynamic: Vec<VarId>,
}

/// A module instance (expanded into [`Model::variables`]).
#[derive(Debug, Clone)]
pub struct ModuleInstance {
    /// Full dotted path of the instance (`fiscal`, or `a.b` when nested).
    pub name: String,
    /// The module file it was loaded from.
    pub file: PathBuf,
    /// The enclosing instance (`None` at the top level).
    pub parent: Option<ModuleId>,
    /// The module's input variables, each now an auxiliary wired to the parent.
    pub inputs: Vec<VarId>,
    /// The module's output variables, read by the parent.
    pub outputs: Vec<VarId>,
    /// The `[modules.NAME]` header in the parent file.
    pub span: Span,
}

/// The `[interface]` of a model file.
#[derive(Debug, Clone, Default)]
pub struct Interface {
    /// Variables the file expects from its parent.
    pub inputs: Vec<VarId>,
    /// Variables the file offers its parent.
    pub outputs: Vec<VarId>,
}

/// A feedback loop named in the model file.
#[derive(Debug, Clone)]
pub struct NamedLoop {
    /// The `NAME` of `[loops.NAME]`.
    pub name: String,
    /// The variables around the loop, in order.
    pub variables: Vec<VarId>,
    /// The declaration's `doc` text: the mechanism the loop stands for.
    pub doc: Option<String>,
    /// Where it is declared.
    pub span: Span,
}

impl Model {
    /// The id of a variable by full name.
    pub fn var_id(&self, name: &str) -> Option<VarId> {
        self.by_name.get(name).copied()
    }

    /// The variable `id` stands for.
    pub fn var(&self, id: VarId) -> &Variable {
        &self.variables[id.index()]
    }

    /// The dimension `id` stands for.
    pub fn dim(&self, id: DimId) -> &Dimension {
        &self.dimensions[id.index()]
    }

    /// The id of a dimension by name.
    pub fn dim_id(&self, name: &str) -> Option<DimId> {
        self.dimensions
            .iter()
            .position(|d| d.name == name)
            .map(|i| DimId(i as u32))
    }

    /// Number of elements of a variable (1 for a scalar).
    pub fn element_count(&self, id: VarId) -> usize {
        self.var(id)
            .dims
            .iter()
            .map(|d| self.dim(*d).elements.len())
            .product()
    }

    /// Names of a variable's elements in row-major order: `x` for a scalar, `x[a]`, `x[a,b]`.
    pub fn element_names(&self, id: VarId) -> Vec<String> {
        let v = self.var(id);
        if v.dims.is_empty() {
            return vec![v.name.clone()];
        }
        let n = self.element_count(id);
        (0..n)
            .map(|i| {
                let idx = self.unflatten(&v.dims, i);
                let parts: Vec<&str> = v
                    .dims
                    .iter()
                    .zip(&idx)
                    .map(|(d, k)| self.dim(*d).elements[*k].as_str())
                    .collect();
                format!("{}[{}]", v.name, parts.join(","))
            })
            .collect()
    }

    /// Row-major flat index -> one index per dimension.
    pub fn unflatten(&self, dims: &[DimId], mut flat: usize) -> Vec<usize> {
        let mut idx = vec![0; dims.len()];
        for (k, d) in dims.iter().enumerate().rev() {
            let n = self.dim(*d).elements.len();
            idx[k] = flat % n;
            flat /= n;
        }
        idx
    }

    /// One index per dimension -> row-major flat index.
    pub fn flatten(&self, dims: &[DimId], idx: &[usize]) -> usize {
        dims.iter()
            .zip(idx)
            .fold(0, |acc, (d, i)| acc * self.dim(*d).elements.len() + i)
    }

    /// Variables declared in model files (not hidden), in declaration order.
    pub fn visible_variables(&self) -> impl Iterator<Item = (VarId, &Variable)> {
        self.variables
            .iter()
            .enumerate()
            .filter(|(_, v)| v.hidden.is_none())
            .map(|(i, v)| (VarId(i as u32), v))
    }

    /// The variables whose *current* value `id` needs (the edges the engine orders by).
    /// Stocks, DELAY FIXED and RANDOM values are state: they need nothing within a step.
    pub fn instant_deps(&self, id: VarId) -> Vec<VarId> {
        let mut out = Vec::new();
        match &self.var(id).kind {
            VarKind::Flow(eqs) | VarKind::Aux(eqs) => {
                for e in eqs.equations() {
                    e.expr.visit_value_refs(&mut |v| out.push(v));
                }
            }
            _ => {}
        }
        dedup(out)
    }

    /// The variables needed to compute `id` at the initial time.
    pub fn initial_deps(&self, id: VarId) -> Vec<VarId> {
        let mut out = Vec::new();
        let mut push = |v| out.push(v);
        match &self.var(id).kind {
            VarKind::Stock(s) => {
                for e in s.initial.equations() {
                    e.expr.visit_initial_value_refs(&mut push);
                }
            }
            VarKind::Flow(eqs) | VarKind::Aux(eqs) | VarKind::Initial(eqs) => {
                for e in eqs.equations() {
                    e.expr.visit_initial_value_refs(&mut push);
                }
            }
            VarKind::DelayFixed(d) => {
                d.delay_time.visit_initial_value_refs(&mut push);
                d.initial.visit_initial_value_refs(&mut push);
            }
            VarKind::Random(r) => {
                for a in &r.args {
                    a.visit_initial_value_refs(&mut push);
                }
            }
            VarKind::Constant(_) | VarKind::Lookup(_) | VarKind::Exogenous(_) => {}
        }
        dedup(out)
    }

    /// Every variable mentioned in `id`'s equations as written (stateful call arguments
    /// included, hidden variables excluded; stocks include their flows). This is the
    /// "causal link" view a diagram shows.
    pub fn causal_inputs(&self, id: VarId) -> Vec<VarId> {
        let mut out = Vec::new();
        let mut push = |v: VarId| out.push(v);
        match &self.var(id).kind {
            VarKind::Stock(s) => {
                s.inflows.iter().chain(&s.outflows).for_each(|f| push(*f));
                for e in s.initial.equations() {
                    e.expr.visit_written_refs(&mut push);
                }
            }
            VarKind::Flow(eqs) | VarKind::Aux(eqs) | VarKind::Initial(eqs) => {
                for e in eqs.equations() {
                    e.expr.visit_written_refs(&mut push);
                }
            }
            VarKind::DelayFixed(d) => {
                d.input.visit_written_refs(&mut push);
                d.delay_time.visit_written_refs(&mut push);
                d.initial.visit_written_refs(&mut push);
            }
            VarKind::Random(r) => r.args.iter().for_each(|a| a.visit_written_refs(&mut push)),
            VarKind::Constant(_) | VarKind::Lookup(_) | VarKind::Exogenous(_) => {}
        }
        dedup(out)
    }

    /// A readable rendering of a resolved expression (names instead of ids).
    pub fn expr_to_string(&self, e: &Expr) -> String {
        crate::display::expr(self, e)
    }
}

fn dedup(mut v: Vec<VarId>) -> Vec<VarId> {
    v.sort();
    v.dedup();
    v
}

impl Expr {
    /// Calls `f` on every variable whose value this expression reads when evaluated: for a
    /// stateful call, the variables of its value expression (hidden state), not its arguments.
    /// Lookup tables are included (they are constant).
    pub fn visit_value_refs(&self, f: &mut impl FnMut(VarId)) {
        self.value_refs(false, f)
    }

    /// As [`Expr::visit_value_refs`], for the value at the initial time: an `ACTIVE INITIAL`
    /// call reads only its initial value then.
    pub fn visit_initial_value_refs(&self, f: &mut impl FnMut(VarId)) {
        self.value_refs(true, f)
    }

    fn value_refs(&self, initial: bool, f: &mut impl FnMut(VarId)) {
        match &self.kind {
            ExprKind::Const(_) | ExprKind::Register(_) => {}
            ExprKind::Var(v, _) => f(*v),
            ExprKind::Unary(_, a) | ExprKind::Reduce(_, _, a) => a.value_refs(initial, f),
            ExprKind::Binary(_, a, b) => {
                a.value_refs(initial, f);
                b.value_refs(initial, f);
            }
            ExprKind::If(c, a, b) => {
                c.value_refs(initial, f);
                a.value_refs(initial, f);
                b.value_refs(initial, f);
            }
            ExprKind::Call(Builtin::ActiveInitial, args) if initial => {
                args[1].value_refs(initial, f)
            }
            ExprKind::Call(_, args) => args.iter().for_each(|a| a.value_refs(initial, f)),
            ExprKind::Lookup(t, _, a) => {
                f(*t);
                a.value_refs(initial, f);
            }
            ExprKind::Stateful(s) => s.value.value_refs(initial, f),
        }
    }

    /// Calls `f` on every variable written in the expression, looking through stateful calls
    /// at their arguments (never at hidden variables).
    pub fn visit_written_refs(&self, f: &mut impl FnMut(VarId)) {
        match &self.kind {
            ExprKind::Const(_) | ExprKind::Register(_) => {}
            ExprKind::Var(v, _) => f(*v),
            ExprKind::Unary(_, a) | ExprKind::Reduce(_, _, a) => a.visit_written_refs(f),
            ExprKind::Binary(_, a, b) => {
                a.visit_written_refs(f);
                b.visit_written_refs(f);
            }
            ExprKind::If(c, a, b) => {
                c.visit_written_refs(f);
                a.visit_written_refs(f);
                b.visit_written_refs(f);
            }
            ExprKind::Call(_, args) => args.iter().for_each(|a| a.visit_written_refs(f)),
            ExprKind::Lookup(t, _, a) => {
                f(*t);
                a.visit_written_refs(f);
            }
            ExprKind::Stateful(s) => s.args.iter().for_each(|a| a.visit_written_refs(f)),
        }
    }

    /// True if the expression reads the clock (TIME or a test input), directly, or holds an
    /// `ACTIVE INITIAL` call (its value changes after the initial time).
    pub fn reads_time(&self) -> bool {
        let mut found = false;
        self.walk(&mut |e| {
            if let ExprKind::Register(Builtin::Time)
            | ExprKind::Call(
                Builtin::Step
                | Builtin::Pulse
                | Builtin::PulseTrain
                | Builtin::Ramp
                | Builtin::ActiveInitial,
                _,
            ) = e.kind
            {
                found = true;
            }
        });
        found
    }

    /// Visits this node and every sub-expression (pre-order), through stateful values
    /// (not their written arguments).
    pub fn walk(&self, f: &mut impl FnMut(&Expr)) {
        f(self);
        match &self.kind {
            ExprKind::Const(_) | ExprKind::Register(_) | ExprKind::Var(..) => {}
            ExprKind::Unary(_, a) | ExprKind::Reduce(_, _, a) | ExprKind::Lookup(_, _, a) => {
                a.walk(f)
            }
            ExprKind::Binary(_, a, b) => {
                a.walk(f);
                b.walk(f);
            }
            ExprKind::If(c, a, b) => {
                c.walk(f);
                a.walk(f);
                b.walk(f);
            }
            ExprKind::Call(_, args) => args.iter().for_each(|a| a.walk(f)),
            ExprKind::Stateful(s) => s.value.walk(f),
        }
    }
}
