//! The steady-state problem of one model and one set of steady settings: which values are
//! unknowns (columns), which equations are residuals (rows), and the part of the initial
//! program that must be re-run at every candidate state (so that `INITIAL(...)` values and
//! everything computed once from them belong to that state).

use crate::compiled::CompiledModel;
use crate::error::SimError;
use crate::jit::JitProgram;
use crate::program::{Program, N_REGISTERS};
use pressure_model::{nearest, SteadySettings};
use std::sync::OnceLock;

/// One unknown of the solve.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Col {
    /// A state element (stock, hidden stocks included), by state offset.
    Stock(usize),
    /// The output of a DELAY FIXED pipeline (all its values equal at a steady state).
    Pipeline(usize),
    /// The common growth rate of a growth group.
    Growth(usize),
    /// A free (closure) parameter, by position in [`Plan::free`].
    Param(usize),
}

/// One residual equation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Row {
    /// A stock's net flow (zero at a steady state).
    Flow(usize),
    /// A growth-group member's net flow minus the group rate (log stocks), or its proportional
    /// rate minus the group rate (level stocks).
    Growth { state: usize, group: usize },
    /// A pipeline's input minus its output.
    Pipeline(usize),
    /// A held flow or auxiliary minus its target value.
    Target { slot: u32, hold: usize },
}

/// What a state element is during the solve.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    /// Solved for.
    Solved,
    /// Held at a value (`hold`); its net flow is still a residual.
    Held(usize),
    /// The anchor of a growth group: at its initial value.
    Anchor,
    /// Left at its initial value, no residual (`exclude`).
    Excluded,
}

#[derive(Debug, Clone)]
pub(crate) struct GroupPlan {
    pub names: Vec<String>,
    pub members: Vec<usize>,
    pub log: bool,
}

/// A held value: a stock (state offset) or a flow/auxiliary slot, and the value asked for.
#[derive(Debug, Clone)]
pub(crate) struct HoldPlan {
    pub name: String,
    pub state: Option<usize>,
    pub slot: u32,
    pub value: Option<f64>,
}

/// The problem: columns and rows (as many of each), roles, bounds and the initial-program slice.
pub(crate) struct Plan {
    pub cols: Vec<Col>,
    pub rows: Vec<Row>,
    /// Per row: the column it is paired with for the pseudo-transient term (a stock's net flow
    /// with the stock), if any.
    pub paired: Vec<Option<usize>>,
    /// Per state element.
    pub roles: Vec<Role>,
    pub groups: Vec<GroupPlan>,
    /// Per growth group: its rate's column.
    pub group_col: Vec<usize>,
    pub holds: Vec<HoldPlan>,
    /// Free parameters: (name, parameter index).
    pub free: Vec<(String, usize)>,
    /// Bounds of every column.
    pub lower: Vec<f64>,
    pub upper: Vec<f64>,
    /// The instructions of the initial program that depend on the state or on a free
    /// parameter and compute values the per-step program does not recompute.
    pub slice: Program,
    /// `slice` as native code: compiled the first time the solver evaluates a model that runs
    /// natively, once per solver (not per solve); `None` inside when the code generator
    /// refuses it (then the interpreter runs it). Same bits either way, as for the per-step
    /// program.
    pub native_slice: OnceLock<Option<JitProgram>>,
    /// Columns in groups that no equation shares (Curtis, Powell & Reid 1974): the
    /// finite-difference Jacobian perturbs a whole group in one evaluation. `colors[c]` lists
    /// the columns of group `c`.
    pub colors: Vec<Vec<usize>>,
    /// Per column: the equations that can depend on it.
    pub col_rows: Vec<Vec<usize>>,
    pub tolerance: f64,
    pub max_iterations: usize,
}

fn setting_error(field: &'static str, message: String, help: &str) -> SimError {
    SimError::InvalidSettings {
        field,
        message,
        help: help.to_string(),
    }
}

/// State offsets of the stock (or stock element) `name`.
fn stock_states(
    m: &CompiledModel,
    name: &str,
    field: &'static str,
) -> Result<Vec<usize>, SimError> {
    let outs = m.output_indices(name.trim()).map_err(|_| {
        let stocks = m
            .outputs
            .iter()
            .filter(|o| o.kind == "stock")
            .map(|o| o.name.as_str());
        let hint = nearest(name, stocks)
            .map(|n| format!("did you mean '{n}'?"))
            .unwrap_or_else(|| "use the stock's full dotted name".into());
        setting_error(
            field,
            format!("[settings.steady] {}: unknown stock '{name}'", &field[7..]),
            &hint,
        )
    })?;
    outs.iter()
        .map(|&i| {
            let o = &m.outputs[i];
            if o.kind != "stock" {
                return Err(setting_error(
                    field,
                    format!(
                        "[settings.steady] {}: '{}' is a {}, not a stock",
                        &field[7..],
                        o.name,
                        o.kind
                    ),
                    "growth groups and exclude name stocks",
                ));
            }
            Ok((o.slot - m.p.state_base) as usize)
        })
        .collect()
}

impl Plan {
    /// Resolves the steady settings against the model and lays out the problem.
    pub fn new(m: &CompiledModel, st: &SteadySettings) -> Result<Plan, SimError> {
        let ns = m.p.n_state as usize;
        let mut roles = vec![Role::Solved; ns];
        let mut group_of: Vec<Option<usize>> = vec![None; ns];
        let mut claimed: Vec<Option<&'static str>> = vec![None; ns];
        let claim = |i: usize, what: &'static str, claimed: &mut Vec<Option<&'static str>>| {
            if let Some(prev) = claimed[i] {
                return Err(setting_error(
                    "steady.growth",
                    format!(
                        "[settings.steady] names the stock '{}' twice (in {prev} and in {what})",
                        m.state_names[i].0
                    ),
                    "a stock is in at most one growth group and is either solved, held or excluded",
                ));
            }
            claimed[i] = Some(what);
            Ok(())
        };
        let mut groups = Vec::new();
        for (g, gs) in st.growth.iter().enumerate() {
            let mut members = Vec::new();
            for n in &gs.stocks {
                for i in stock_states(m, n, "steady.growth")? {
                    claim(i, "a growth group", &mut claimed)?;
                    group_of[i] = Some(g);
                    members.push(i);
                }
            }
            if members.len() < 2 {
                return Err(setting_error(
                    "steady.growth",
                    format!("[settings.steady] a growth group needs at least two stock elements (got {})", members.len()),
                    "the first stock is the anchor; the others grow at its rate",
                ));
            }
            roles[members[0]] = Role::Anchor;
            groups.push(GroupPlan {
                names: gs.stocks.clone(),
                members,
                log: gs.log,
            });
        }
        for n in &st.exclude {
            for i in stock_states(m, n, "steady.exclude")? {
                claim(i, "exclude", &mut claimed)?;
                roles[i] = Role::Excluded;
            }
        }
        // Held values: stocks are fixed (their net flow stays a residual); flows and
        // auxiliaries become target equations.
        let mut holds = Vec::new();
        for h in &st.hold {
            let outs = m.output_indices(h.name.trim()).map_err(|e| {
                setting_error(
                    "steady.hold",
                    format!("[settings.steady] hold: {e}"),
                    "hold names a stock, flow or auxiliary (full dotted name)",
                )
            })?;
            for i in outs {
                let o = &m.outputs[i];
                let state = match o.kind {
                    "stock" => Some((o.slot - m.p.state_base) as usize),
                    "flow" | "aux" => None,
                    other => {
                        return Err(setting_error(
                            "steady.hold",
                            format!("[settings.steady] hold: '{}' is a {other}, not a stock, flow or auxiliary", o.name),
                            "a constant is changed with --set; hold values the model computes",
                        ))
                    }
                };
                if let Some(s) = state {
                    claim(s, "hold", &mut claimed)?;
                    roles[s] = Role::Held(holds.len());
                }
                holds.push(HoldPlan {
                    name: o.name.clone(),
                    state,
                    slot: o.slot,
                    value: h.value,
                });
            }
        }
        let mut free = Vec::new();
        for name in &st.free {
            let idx = m.param_indices(name.trim()).map_err(|e| {
                setting_error(
                    "steady.free",
                    format!("[settings.steady] free: {e}"),
                    "free names constants of the model (full dotted names)",
                )
            })?;
            for i in idx {
                if free.iter().any(|(_, j)| *j == i) {
                    return Err(setting_error(
                        "steady.free",
                        format!("[settings.steady] free names '{}' twice", m.params[i].name),
                        "list each free constant once",
                    ));
                }
                free.push((m.params[i].name.clone(), i));
            }
        }
        if free.len() != holds.len() {
            return Err(setting_error(
                "steady.free",
                format!(
                    "[settings.steady] has {} free parameter value(s) and {} held value(s) (counting array elements); they must pair up",
                    free.len(),
                    holds.len()
                ),
                "each free constant is solved for by holding one stock, flow or auxiliary at a value",
            ));
        }

        // Columns and rows, with the pairing of a stock's row and column.
        let mut cols = Vec::new();
        let mut rows = Vec::new();
        let mut paired = Vec::new();
        for (i, role) in roles.iter().enumerate() {
            let col = (*role == Role::Solved).then(|| {
                cols.push(Col::Stock(i));
                cols.len() - 1
            });
            if *role == Role::Excluded {
                continue;
            }
            rows.push(match group_of[i] {
                Some(g) => Row::Growth { state: i, group: g },
                None => Row::Flow(i),
            });
            paired.push(col);
        }
        for k in 0..m.p.delays.len() {
            cols.push(Col::Pipeline(k));
            rows.push(Row::Pipeline(k));
            paired.push(Some(cols.len() - 1));
        }
        let mut group_col = Vec::new();
        for g in 0..groups.len() {
            group_col.push(cols.len());
            cols.push(Col::Growth(g));
        }
        for k in 0..free.len() {
            cols.push(Col::Param(k));
        }
        for (k, h) in holds.iter().enumerate() {
            if h.state.is_none() {
                rows.push(Row::Target {
                    slot: h.slot,
                    hold: k,
                });
                paired.push(None);
            }
        }
        debug_assert_eq!(cols.len(), rows.len());
        let mut lower = vec![f64::NEG_INFINITY; cols.len()];
        let mut upper = vec![f64::INFINITY; cols.len()];
        for (j, c) in cols.iter().enumerate() {
            match *c {
                Col::Stock(i) if m.non_negative.contains(&i) => lower[j] = 0.0,
                Col::Param(k) => {
                    if let Some((lo, hi)) = m.params[free[k].1].range {
                        lower[j] = lo;
                        upper[j] = hi;
                    }
                }
                _ => {}
            }
        }
        let slice = initial_slice(m, free.iter().map(|(_, i)| *i));
        let row_cols = structure(m, &slice, &cols, &rows, &free, &group_col);
        let mut col_rows: Vec<Vec<usize>> = vec![Vec::new(); cols.len()];
        for (i, cs) in row_cols.iter().enumerate() {
            for &j in cs {
                col_rows[j].push(i);
            }
        }
        let colors = color_columns(&col_rows, rows.len());
        Ok(Plan {
            cols,
            rows,
            paired,
            roles,
            groups,
            group_col,
            holds,
            free,
            lower,
            upper,
            slice,
            native_slice: OnceLock::new(),
            colors,
            col_rows,
            tolerance: st.tolerance,
            max_iterations: st.max_iterations,
        })
    }

    /// The slice as native code, compiled on first use (`None`: interpret it).
    pub fn native_slice(&self, m: &CompiledModel) -> Option<&JitProgram> {
        self.native_slice
            .get_or_init(|| m.compile_native(&self.slice).ok())
            .as_ref()
    }

    pub fn n(&self) -> usize {
        self.cols.len()
    }
}

/// The instructions of the initial program to re-run at a candidate state: those that
/// (through any chain) read a state slot, a pipeline output or a free parameter and write a
/// value the per-step program does not recompute (INITIAL values, constants derived from them,
/// DELAY FIXED delay times), plus the instructions computing what those read. Stock initial
/// values and pipeline initial outputs are left out: at a candidate state those slots hold the
/// candidate.
pub(crate) fn initial_slice(m: &CompiledModel, free: impl Iterator<Item = usize>) -> Program {
    let p = &m.p;
    let n = p.n_slots;
    let mut unknown = vec![false; n];
    for s in p.state_base..p.state_base + p.n_state {
        unknown[s as usize] = true;
    }
    for d in &p.delays {
        unknown[d.out as usize] = true;
    }
    for i in free {
        unknown[p.params_base as usize + i] = true;
    }
    let mut per_step = vec![false; n];
    for op in p.dynamic.ops() {
        per_step[op.dest() as usize] = true;
    }
    let is_temp = |s: usize| s >= p.vars_end as usize && s < p.consts_base as usize;
    let ops = p.init.ops();
    // Forward: which instructions read (through any chain) an unknown.
    let mut marked = unknown.clone();
    let mut dep = vec![false; ops.len()];
    for (k, op) in ops.iter().enumerate() {
        let d = op.dest() as usize;
        if unknown[d] {
            continue;
        }
        let mut any = false;
        op.for_each_read(|s| any |= marked[s as usize]);
        dep[k] = any;
        marked[d] = any;
    }
    // Backward: keep the roots and what they need.
    let mut needed = vec![false; n];
    let mut keep = vec![false; ops.len()];
    for (k, op) in ops.iter().enumerate().rev() {
        let d = op.dest() as usize;
        if unknown[d] || d < N_REGISTERS as usize {
            continue;
        }
        let root = dep[k] && !is_temp(d) && !per_step[d];
        if !(root || needed[d]) {
            continue;
        }
        keep[k] = true;
        needed[d] = false;
        op.for_each_read(|s| {
            let s = s as usize;
            if !unknown[s] && (is_temp(s) || marked[s]) {
                needed[s] = true;
            }
        });
    }
    Program::new(
        ops.iter()
            .zip(&keep)
            .filter(|(_, k)| **k)
            .map(|(op, _)| *op)
            .collect(),
    )
}

/// Which columns each equation can depend on, from the instructions themselves: a slot depends
/// on the unknowns its operands depend on, through the initial-program slice and then the
/// per-step program (conservative: both branches of a condition count).
fn structure(
    m: &CompiledModel,
    slice: &Program,
    cols: &[Col],
    rows: &[Row],
    free: &[(String, usize)],
    group_col: &[usize],
) -> Vec<Vec<usize>> {
    let p = &m.p;
    let words = cols.len().div_ceil(64).max(1);
    let mut deps = vec![0u64; p.n_slots * words];
    let set =
        |deps: &mut Vec<u64>, slot: usize, j: usize| deps[slot * words + j / 64] |= 1 << (j % 64);
    for (j, c) in cols.iter().enumerate() {
        match *c {
            Col::Stock(i) => set(&mut deps, (p.state_base as usize) + i, j),
            Col::Pipeline(k) => set(&mut deps, p.delays[k].out as usize, j),
            Col::Param(k) => set(&mut deps, p.params_base as usize + free[k].1, j),
            Col::Growth(_) => {}
        }
    }
    let mut acc = vec![0u64; words];
    for op in slice.ops().iter().chain(p.dynamic.ops()) {
        acc.iter_mut().for_each(|w| *w = 0);
        op.for_each_read(|s| {
            let s = s as usize;
            for (a, d) in acc.iter_mut().zip(&deps[s * words..(s + 1) * words]) {
                *a |= d;
            }
        });
        let d = op.dest() as usize;
        deps[d * words..(d + 1) * words].copy_from_slice(&acc);
    }
    let cols_of = |slot: usize, out: &mut Vec<usize>| {
        for j in 0..cols.len() {
            if deps[slot * words + j / 64] & (1 << (j % 64)) != 0 {
                out.push(j);
            }
        }
    };
    let (sb, db) = (p.state_base as usize, p.deriv_base as usize);
    rows.iter()
        .map(|row| {
            let mut out = Vec::new();
            match *row {
                Row::Flow(i) => cols_of(db + i, &mut out),
                Row::Growth { state, group } => {
                    cols_of(db + state, &mut out);
                    cols_of(sb + state, &mut out);
                    out.push(group_col[group]);
                }
                Row::Pipeline(k) => {
                    cols_of(p.delays[k].input as usize, &mut out);
                    cols_of(p.delays[k].out as usize, &mut out);
                }
                Row::Target { slot, .. } => cols_of(slot as usize, &mut out),
            }
            out.sort_unstable();
            out.dedup();
            out
        })
        .collect()
}

/// Greedy colouring of the columns: two columns share a colour when no equation depends on
/// both, so perturbing a colour's columns together still tells each equation's dependence on
/// each of them apart.
fn color_columns(col_rows: &[Vec<usize>], n_rows: usize) -> Vec<Vec<usize>> {
    let mut colors: Vec<Vec<usize>> = Vec::new();
    // Per colour: which rows it touches already.
    let mut used: Vec<Vec<bool>> = Vec::new();
    for (j, rows) in col_rows.iter().enumerate() {
        let c = (0..colors.len()).find(|&c| rows.iter().all(|&i| !used[c][i]));
        let c = c.unwrap_or_else(|| {
            colors.push(Vec::new());
            used.push(vec![false; n_rows]);
            colors.len() - 1
        });
        colors[c].push(j);
        for &i in rows {
            used[c][i] = true;
        }
    }
    colors
}

#[cfg(test)]
mod tests {
    use super::*;

    fn compile(text: &str) -> CompiledModel {
        let m = pressure_model::load_str(std::path::Path::new("m.toml"), text).unwrap();
        CompiledModel::compile(&m).unwrap()
    }

    #[test]
    fn colours_never_share_an_equation() {
        // A tridiagonal pattern: three colours suffice, however many columns.
        let n: usize = 10;
        let col_rows: Vec<Vec<usize>> = (0..n)
            .map(|j| (j.saturating_sub(1)..(j + 2).min(n)).collect())
            .collect();
        let colors = color_columns(&col_rows, n);
        assert_eq!(colors.len(), 3, "{colors:?}");
        for c in &colors {
            for (a, &j) in c.iter().enumerate() {
                for &k in &c[a + 1..] {
                    assert!(
                        col_rows[j].iter().all(|i| !col_rows[k].contains(i)),
                        "{j} {k}"
                    );
                }
            }
        }
        let mut all: Vec<usize> = colors.concat();
        all.sort_unstable();
        assert_eq!(all, (0..n).collect::<Vec<_>>());
    }

    #[test]
    fn the_initial_slice_recomputes_what_depends_on_the_state() {
        // No INITIAL: nothing to re-run.
        let c = compile(
            "[stocks.x]\ninitial = \"k * 2\"\ninflows = [\"f\"]\n[flows.f]\nequation = \"k - x\"\n[constants.k]\nvalue = 1\n",
        );
        let plan = Plan::new(&c, &SteadySettings::default()).unwrap();
        assert_eq!(plan.slice.len(), 0);
        // INITIAL of an auxiliary of the state, and a constant computed from it; the stock's
        // own initial value is not re-run (the slot holds the candidate).
        let c = compile(
            "[stocks.x]\ninitial = \"k * 2\"\ninflows = [\"f\"]\n[flows.f]\nequation = \"k - x + (y - r)\"\n[aux.y]\nequation = \"x * 3\"\n[aux.r]\nequation = \"INITIAL(y)\"\n[aux.r2]\nequation = \"r * 2 + k\"\n[constants.k]\nvalue = 1\n",
        );
        let plan = Plan::new(&c, &SteadySettings::default()).unwrap();
        let written: Vec<u32> = plan.slice.ops().iter().map(|op| op.dest()).collect();
        let sb = c.p.state_base;
        assert!(!written.contains(&sb), "{written:?}");
        let slot = |name: &str| c.outputs()[c.output_index(name).unwrap()].slot;
        for name in ["y", "r", "r2"] {
            assert!(
                written.contains(&slot(name)),
                "{name} not re-run: {written:?}"
            );
        }
        // Structure: f depends on x only; its column is the only one.
        assert_eq!(plan.colors, vec![vec![0]]);
    }
}
