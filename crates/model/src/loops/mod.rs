//! Feedback loops: enumeration, polarity, names.
//!
//! Loops are cycles of the causal graph ([`CausalGraph`]): a stock depends on its flows, a
//! flow or auxiliary on the variables its equation reads. Stocks break the instantaneous
//! dependency (the loader rejects cycles without one) but loops pass through them. The
//! hidden stocks of SMOOTH, DELAY, TREND ... are nodes of the graph too, so
//! `y = SMOOTH(x, T)` on a loop is the delay it is; loops are reported over the variables of
//! the model file, the hidden ones folded into the variable whose equation holds the call.
//! The internal loops of a stateful function (a smooth's stock draining itself) are not
//! reported.
//!
//! **Polarity** is the sign of the product of the link gains around the loop: an inflow
//! counts +, an outflow -, a DELAY FIXED pipeline +, and every other link is the sign of a
//! partial derivative `d to / d from` at a given state, which the engine computes
//! numerically (`pressure_sim::link_gains`); [`find_loops`] takes the signs as a function, so
//! the structural analysis here has no engine in it. A loop with a zero gain somewhere at that
//! state (a MIN/MAX or IF branch that ignores the input) is *inactive* there.
//!
//! **Bounds.** [`LoopMethod::Auto`] (the default) enumerates every elementary loop (Johnson's
//! algorithm) up to [`LoopOptions::max_loops`]; a model with more loops gets the shortest
//! independent loop set of Oliva (2004) instead, and the report says so
//! ([`LoopReport::complete`], [`LoopReport::note`]).
//!
//! **Arrays** are analysed on the aggregated graph: one node per variable, whatever its
//! elements, so an apply-to-all loop is listed once and stands for one loop per element
//! (cross-element links, e.g. through a SUM, are links between the same variables). A
//! link's sign is the common sign of its element gains (`Mixed` when they differ). The
//! polarity of a loop through arrayed variables comes from the element gains when the engine
//! gives them: the product of the links' Jacobian blocks around the loop, started at its
//! variable with the fewest elements, has on its diagonal the gain of the loop through each
//! element (all paths back to the same element); the loop is reinforcing or balancing when
//! these agree in sign, `undetermined` when they do not.
//!
//! **Names.** A loop declared as `[loops.NAME] variables = [...]` gets that name when an
//! enumerated loop contains all the listed variables (the shortest such loop). When none does
//! (or the enumeration was bounded), the listed variables are joined in the order given by
//! shortest paths; if that fails too, the report carries a warning pointing at the
//! declaration.

mod graph;
mod johnson;
mod named;
mod report;
mod sils;

pub use graph::{CausalGraph, GainSource, Link, LinkKind, Sign};

use crate::diagnostic::Diagnostic;
use crate::ir::*;
use graph::FastMap;

/// How to enumerate loops.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoopMethod {
    /// Every loop up to `max_loops`; beyond that, the shortest independent loop set.
    Auto,
    /// Every loop up to `max_loops`; beyond that, the first `max_loops` found.
    All,
    /// The shortest independent loop set (Oliva 2004) only.
    Independent,
}

/// Options of [`find_loops`].
#[derive(Debug, Clone, Copy)]
pub struct LoopOptions {
    /// All elementary loops, the shortest independent set, or chosen by model size.
    pub method: LoopMethod,
    /// The most loops enumerated one by one (default 1000).
    pub max_loops: usize,
}

impl Default for LoopOptions {
    fn default() -> Self {
        LoopOptions {
            method: LoopMethod::Auto,
            max_loops: 1000,
        }
    }
}

/// Reinforcing or balancing (or neither, at this state).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LoopPolarity {
    /// The product of the link gains is positive.
    Reinforcing,
    /// The product of the link gains is negative.
    Balancing,
    /// A link has zero gain at this state.
    Inactive,
    /// A link's sign is unknown, or mixed across array elements.
    Undetermined,
}

impl LoopPolarity {
    /// The polarity of a loop whose gain product has sign `s`.
    pub fn from_sign(s: Sign) -> LoopPolarity {
        match s {
            Sign::Positive => LoopPolarity::Reinforcing,
            Sign::Negative => LoopPolarity::Balancing,
            Sign::Zero => LoopPolarity::Inactive,
            Sign::Mixed | Sign::Unknown => LoopPolarity::Undetermined,
        }
    }

    /// `reinforcing`, `balancing`, `inactive`, `undetermined`.
    pub fn name(self) -> &'static str {
        match self {
            LoopPolarity::Reinforcing => "reinforcing",
            LoopPolarity::Balancing => "balancing",
            LoopPolarity::Inactive => "inactive",
            LoopPolarity::Undetermined => "undetermined",
        }
    }

    /// `R`, `B`, `0`, `?`.
    pub fn letter(self) -> &'static str {
        match self {
            LoopPolarity::Reinforcing => "R",
            LoopPolarity::Balancing => "B",
            LoopPolarity::Inactive => "0",
            LoopPolarity::Undetermined => "?",
        }
    }
}

/// One link of a reported loop, between two variables of the model file (hidden variables in
/// between are folded in: the sign is that of the whole path).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoopLink {
    /// The influencing variable.
    pub from: VarId,
    /// The influenced variable.
    pub to: VarId,
    /// The sign of the path's gain at the state the report was made for.
    pub sign: Sign,
}

/// A feedback loop.
#[derive(Debug, Clone)]
pub struct FeedbackLoop {
    /// `L1`, `L2`, ... in report order (shortest first).
    pub id: String,
    /// The `[loops.NAME]` declaration it matches.
    pub name: Option<String>,
    /// The declaration's `doc` text.
    pub doc: Option<String>,
    /// The variables around the loop, each influencing the next (the last the first),
    /// starting at a stock when the loop has one.
    pub variables: Vec<VarId>,
    /// `links[i]` goes from `variables[i]` to the next variable.
    pub links: Vec<LoopLink>,
    /// The sign of the product of the link gains.
    pub sign: Sign,
    /// Reinforcing, balancing, inactive or undetermined, from `sign`.
    pub polarity: LoopPolarity,
}

impl FeedbackLoop {
    /// Number of variables (= number of links) around the loop.
    pub fn length(&self) -> usize {
        self.variables.len()
    }
}

/// How the loops of a report were found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Enumeration {
    /// Johnson's algorithm (all elementary loops, or the first `max_loops`).
    All,
    /// The shortest independent loop set (Oliva 2004).
    Independent,
}

/// The result of [`find_loops`].
#[derive(Debug, Clone)]
pub struct LoopReport {
    /// The loops found, shortest first.
    pub loops: Vec<FeedbackLoop>,
    /// How they were found.
    pub enumeration: Enumeration,
    /// True when every loop of the model is listed.
    pub complete: bool,
    /// What the bound did, in words, when it mattered.
    pub note: Option<String>,
    /// Named loops that match no loop (each points at its `[loops.NAME]`).
    pub warnings: Vec<Diagnostic>,
}

/// Finds the feedback loops of a model, with the polarity given by `sign` for each link of
/// `graph` (use [`Sign::structural`] of the link kind when no engine is at hand).
///
/// ```
/// use pressure_model::loops::{find_loops, CausalGraph, LinkKind, LoopOptions, LoopPolarity, Sign};
/// # let dir = tempfile::tempdir().unwrap();
/// # let path = dir.path().join("m.toml");
/// std::fs::write(&path, r#"
/// [stocks.tea]
/// initial = "80"
/// outflows = ["cooling"]
/// [flows.cooling]
/// equation = "(tea - room) / 10"
/// [constants.room]
/// value = 20
/// [loops.cooling_down]
/// variables = ["tea", "cooling"]
/// "#).unwrap();
/// let model = pressure_model::load(&path).unwrap();
/// let graph = CausalGraph::new(&model);
/// // Here the instant link tea -> cooling is known to be positive (d cooling / d tea = 1/10).
/// let sign = |l: &pressure_model::loops::Link| match l.kind {
///     LinkKind::Instant => Sign::Positive,
///     k => Sign::structural(k),
/// };
/// let report = find_loops(&model, &graph, &LoopOptions::default(), &sign);
/// assert_eq!(report.loops.len(), 1);
/// let l = &report.loops[0];
/// assert_eq!(l.polarity, LoopPolarity::Balancing);
/// assert_eq!(l.name.as_deref(), Some("cooling_down"));
/// assert_eq!(model.var(l.variables[0]).name, "tea");
/// assert!(report.complete);
/// ```
pub fn find_loops(
    model: &Model,
    graph: &CausalGraph,
    options: &LoopOptions,
    gains: &dyn GainSource,
) -> LoopReport {
    let mut pair_sign: FastMap<(u32, u32), Sign> = FastMap::default();
    let mut sign_of = |a: u32, b: u32| -> Sign {
        *pair_sign.entry((a, b)).or_insert_with(|| {
            Sign::combine(
                graph
                    .links_between(VarId(a), VarId(b))
                    .map(|l| gains.sign(l)),
            )
        })
    };
    let arrayed = |c: &[u32]| -> Option<Sign> { element_loop_sign(model, graph, c, gains) };
    let (raw, enumeration, complete, note) = match options.method {
        LoopMethod::Independent => {
            let (c, _) = sils::shortest_independent_loops(graph);
            let note = "shortest independent loop set (Oliva 2004): every link on a loop is in one of these loops, each loop has a link no shorter listed loop has".to_string();
            (c, Enumeration::Independent, false, Some(note))
        }
        LoopMethod::All | LoopMethod::Auto => {
            let (c, truncated) = johnson::elementary_circuits(graph, options.max_loops);
            if !truncated {
                (c, Enumeration::All, true, None)
            } else if options.method == LoopMethod::All {
                let note = format!(
                    "enumeration stopped after {} loops: the model has more (raise the bound, or list the shortest independent loop set)",
                    options.max_loops
                );
                (c, Enumeration::All, false, Some(note))
            } else {
                let (c, _) = sils::shortest_independent_loops(graph);
                let note = format!(
                    "the model has more than {} feedback loops, so they were not all enumerated: listed is the shortest independent loop set (Oliva 2004), in which every link on a loop is in some listed loop and each listed loop has a link no shorter listed loop has",
                    options.max_loops
                );
                (c, Enumeration::Independent, false, Some(note))
            }
        }
    };
    let mut loops: Vec<FeedbackLoop> = Vec::new();
    let mut index: FastMap<Vec<u32>, usize> = FastMap::default();
    for c in &raw {
        if let Some(l) = collapse(model, c, &mut sign_of, &arrayed) {
            add(&mut loops, &mut index, l);
        }
    }
    let warnings = named::assign_names(
        model,
        graph,
        &mut loops,
        &mut index,
        &mut sign_of,
        &arrayed,
        complete,
    );
    order(model, &mut loops);
    LoopReport {
        loops,
        enumeration,
        complete,
        note,
        warnings,
    }
}

/// Adds a loop unless the same loop (same variables in the same cyclic order) is there; two
/// paths folding into the same loop with different signs make its sign `Mixed`.
fn add(
    loops: &mut Vec<FeedbackLoop>,
    index: &mut FastMap<Vec<u32>, usize>,
    l: FeedbackLoop,
) -> usize {
    let key = sils::canonical(l.variables.iter().map(|v| v.0).collect());
    if let Some(&i) = index.get(&key) {
        if loops[i].sign != l.sign {
            loops[i].sign = Sign::Mixed;
            loops[i].polarity = LoopPolarity::Undetermined;
        }
        return i;
    }
    index.insert(key, loops.len());
    loops.push(l);
    loops.len() - 1
}

/// Folds the hidden variables of a cycle of the full graph into their owners. `None` for a
/// loop inside one stateful function.
fn collapse(
    model: &Model,
    c: &[u32],
    sign_of: &mut dyn FnMut(u32, u32) -> Sign,
    arrayed: &dyn Fn(&[u32]) -> Option<Sign>,
) -> Option<FeedbackLoop> {
    let visible = |v: u32| model.variables[v as usize].hidden.is_none();
    let first = c.iter().position(|v| visible(*v))?;
    let mut cyc = c.to_vec();
    cyc.rotate_left(first);
    let k = cyc.len();
    let mut vars = vec![VarId(cyc[0])];
    let mut links = Vec::new();
    let mut acc = Sign::Positive;
    for i in 0..k {
        let (a, b) = (cyc[i], cyc[(i + 1) % k]);
        acc = acc.times(sign_of(a, b));
        if visible(b) {
            let from = *vars.last().expect("starts with a visible variable");
            links.push(LoopLink {
                from,
                to: VarId(b),
                sign: acc,
            });
            acc = Sign::Positive;
            if i + 1 < k {
                vars.push(VarId(b));
            }
        }
    }
    let sign =
        arrayed(c).unwrap_or_else(|| links.iter().fold(Sign::Positive, |s, l| s.times(l.sign)));
    Some(FeedbackLoop {
        id: String::new(),
        name: None,
        doc: None,
        variables: vars,
        links,
        sign,
        polarity: LoopPolarity::from_sign(sign),
    })
}

/// Element loops never multiply matrices larger than this many elements per side.
const MAX_ELEMENTS: usize = 256;

/// The polarity of a loop through arrayed variables from the element partials (see the
/// module docs); `None` when every variable is scalar or some partials are not known.
fn element_loop_sign(
    model: &Model,
    graph: &CausalGraph,
    c: &[u32],
    gains: &dyn GainSource,
) -> Option<Sign> {
    let size = |v: u32| model.element_count(VarId(v));
    if c.iter().all(|v| size(*v) == 1) {
        return None;
    }
    // Start at the variable with the fewest elements.
    let start = (0..c.len()).min_by_key(|i| (size(c[*i]), *i))?;
    let n0 = size(c[start]);
    if n0 > MAX_ELEMENTS {
        return None;
    }
    // a: rows = elements of the current node, columns = elements of the start node.
    let mut a: Vec<Vec<f64>> = (0..n0)
        .map(|i| (0..n0).map(|j| f64::from(u8::from(i == j))).collect())
        .collect();
    for step in 0..c.len() {
        let from = c[(start + step) % c.len()];
        let to = c[(start + step + 1) % c.len()];
        let (nf, nt) = (size(from), size(to));
        let mut next = vec![vec![0.0; n0]; nt];
        for link in graph.links_between(VarId(from), VarId(to)) {
            for &(i, j, g) in gains.partials(link)? {
                if i >= nt || j >= nf {
                    return None;
                }
                for (k, x) in a[j].iter().enumerate() {
                    next[i][k] += g * x;
                }
            }
        }
        a = next;
    }
    Some(Sign::combine((0..n0).map(|i| Sign::of(a[i][i]))))
}

/// Starts every loop at its first stock (declaration order) and sorts loops shortest first,
/// then by their variables in declaration order; numbers them `L1`, `L2`, ...
fn order(model: &Model, loops: &mut [FeedbackLoop]) {
    for l in loops.iter_mut() {
        let start = l
            .variables
            .iter()
            .enumerate()
            .filter(|(_, v)| matches!(model.var(**v).kind, VarKind::Stock(_)))
            .min_by_key(|(_, v)| **v)
            .or_else(|| l.variables.iter().enumerate().min_by_key(|(_, v)| **v))
            .map(|(i, _)| i)
            .unwrap_or(0);
        l.variables.rotate_left(start);
        l.links.rotate_left(start);
    }
    loops.sort_by(|a, b| (a.length(), &a.variables).cmp(&(b.length(), &b.variables)));
    for (i, l) in loops.iter_mut().enumerate() {
        l.id = format!("L{}", i + 1);
    }
}
