//! Dependency graph: evaluation order, phases, and the errors a graph can show (algebraic
//! loops among auxiliaries, circular initial values, run-constant arguments that are not).

use crate::diagnostic::{Diagnostic, ModelError};
use crate::ir::*;

/// Depth-first topological sort of `nodes` (dependencies first). Returns the order, or the
/// first cycle found as a list of nodes where each needs the next (and the last the first).
fn topo(
    nodes: &[VarId],
    deps: &dyn Fn(VarId) -> Vec<VarId>,
    n: usize,
) -> Result<Vec<VarId>, Vec<VarId>> {
    #[derive(Clone, Copy, PartialEq)]
    enum C {
        White,
        Gray,
        Black,
    }
    let mut in_graph = vec![false; n];
    for v in nodes {
        in_graph[v.index()] = true;
    }
    let mut color = vec![C::White; n];
    let mut order = Vec::with_capacity(nodes.len());
    for &root in nodes {
        if color[root.index()] != C::White {
            continue;
        }
        // Explicit stack of (node, its deps, next dep index).
        let mut stack: Vec<(VarId, Vec<VarId>, usize)> = Vec::new();
        color[root.index()] = C::Gray;
        let d: Vec<VarId> = deps(root)
            .into_iter()
            .filter(|x| in_graph[x.index()])
            .collect();
        stack.push((root, d, 0));
        while let Some(top) = stack.last_mut() {
            if top.2 < top.1.len() {
                let w = top.1[top.2];
                top.2 += 1;
                match color[w.index()] {
                    C::White => {
                        color[w.index()] = C::Gray;
                        let d: Vec<VarId> = deps(w)
                            .into_iter()
                            .filter(|x| in_graph[x.index()])
                            .collect();
                        stack.push((w, d, 0));
                    }
                    C::Gray => {
                        let pos = stack.iter().position(|(x, _, _)| *x == w).unwrap_or(0);
                        return Err(stack[pos..].iter().map(|(x, _, _)| *x).collect());
                    }
                    C::Black => {}
                }
            } else {
                let v = top.0;
                color[v.index()] = C::Black;
                order.push(v);
                stack.pop();
            }
        }
    }
    Ok(order)
}

/// How a variable is shown in messages: hidden variables by their owner and builtin.
fn shown(m: &Model, v: VarId) -> String {
    let var = m.var(v);
    match &var.hidden {
        Some(h) => format!("{} (inside {})", m.var(h.owner).name, h.builtin.name()),
        None => var.name.clone(),
    }
}

fn cycle_text(m: &Model, cycle: &[VarId]) -> String {
    let mut names: Vec<String> = Vec::new();
    for v in cycle {
        let s = shown(m, *v);
        if names.last() != Some(&s) {
            names.push(s);
        }
    }
    if names.len() > 1 && names.first() == names.last() {
        names.pop();
    }
    let first = names[0].clone();
    names.push(first);
    names.join(" -> ")
}

/// The declaration span of the first user-visible variable of a cycle.
fn cycle_span(m: &Model, cycle: &[VarId]) -> crate::source::Span {
    match cycle.first().map(|v| m.var(*v)) {
        Some(var) => match &var.hidden {
            Some(h) => m.var(h.owner).span,
            None => var.span,
        },
        None => crate::source::Span::default(),
    }
}

pub(crate) fn analyse(m: &mut Model) -> Result<(), ModelError> {
    let n = m.variables.len();
    let ids: Vec<VarId> = (0..n as u32).map(VarId).collect();

    // 1. Flows and auxiliaries in dependency order; a cycle among them is an algebraic loop.
    let evals: Vec<VarId> = ids
        .iter()
        .copied()
        .filter(|v| matches!(m.var(*v).kind, VarKind::Flow(_) | VarKind::Aux(_)))
        .collect();
    let order = match topo(&evals, &|v| m.instant_deps(v), n) {
        Ok(o) => o,
        Err(cycle) => {
            let d = Diagnostic::error(format!(
                "algebraic loop: {} (each arrow reads 'needs the current value of')",
                cycle_text(m, &cycle)
            ))
            .at(&m.sources, cycle_span(m, &cycle))
            .help("no stock breaks this cycle, so no variable in it can be computed first; put a stock or a delay (SMOOTH, DELAY1) in the loop, or remove one link");
            return Err(d.into());
        }
    };

    // 2. Phases.
    let mut phases = vec![Phase::Dynamic; n];
    for v in &ids {
        phases[v.index()] = match m.var(*v).kind {
            VarKind::Constant(_) | VarKind::Lookup(_) | VarKind::Initial(_) => Phase::Static,
            _ => Phase::Dynamic,
        };
    }
    for &v in &order {
        let reads_time = match &m.var(v).kind {
            VarKind::Flow(e) | VarKind::Aux(e) => e.equations().iter().any(|q| q.expr.reads_time()),
            _ => true,
        };
        let all_static = m
            .instant_deps(v)
            .iter()
            .all(|d| phases[d.index()] == Phase::Static);
        if !reads_time && all_static {
            phases[v.index()] = Phase::Static;
        }
    }
    m.order.dynamic = order
        .iter()
        .copied()
        .filter(|v| phases[v.index()] == Phase::Dynamic)
        .collect();
    m.phases = phases;

    // 3. Initial values.
    let inits: Vec<VarId> = ids
        .iter()
        .copied()
        .filter(|v| !matches!(m.var(*v).kind, VarKind::Lookup(_)))
        .collect();
    match topo(&inits, &|v| m.initial_deps(v), n) {
        Ok(o) => m.order.initial = o,
        Err(cycle) => {
            let d = Diagnostic::error(format!(
                "initial values depend on each other: {}",
                cycle_text(m, &cycle)
            ))
            .at(&m.sources, cycle_span(m, &cycle))
            .help("give one of these stocks a constant initial value, or use SMOOTHI/DELAY1I/... with an explicit initial value");
            return Err(d.into());
        }
    }

    // 4. Arguments that must be constant for the whole run.
    let mut errors = Vec::new();
    for &v in &ids {
        let check: Vec<(&Expr, &str)> = match &m.var(v).kind {
            VarKind::Random(r) => r.args.iter().map(|a| (a, "RANDOM arguments")).collect(),
            VarKind::DelayFixed(d) => vec![(&d.delay_time, "the delay time of DELAY FIXED")],
            _ => continue,
        };
        for (e, what) in check {
            let mut ok = !e.reads_time();
            e.visit_value_refs(&mut |d| {
                if m.phases[d.index()] != Phase::Static {
                    ok = false;
                }
            });
            if !ok {
                errors.push(
                    Diagnostic::error(format!("{what} must stay constant during a run"))
                        .at(&m.sources, e.span)
                        .help("use constants, parameters or INITIAL(...) here"),
                );
            }
        }
    }
    if !errors.is_empty() {
        return Err(ModelError::new(errors));
    }
    Ok(())
}
