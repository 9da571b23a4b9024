//! Matching `[loops.NAME]` declarations with the loops found.

use super::{add, collapse, FeedbackLoop, Sign};
use crate::diagnostic::Diagnostic;
use crate::ir::*;
use crate::loops::CausalGraph;
use std::collections::{HashMap, HashSet, VecDeque};

/// Names the loops that match a declaration; adds the loops of declarations that the
/// (possibly bounded) enumeration missed; returns a warning per declaration that is not a
/// loop of the model.
pub(super) fn assign_names(
    model: &Model,
    graph: &CausalGraph,
    loops: &mut Vec<FeedbackLoop>,
    index: &mut crate::loops::graph::FastMap<Vec<u32>, usize>,
    sign_of: &mut dyn FnMut(u32, u32) -> Sign,
    arrayed: &dyn Fn(&[u32]) -> Option<Sign>,
    complete: bool,
) -> Vec<Diagnostic> {
    let mut warnings = Vec::new();
    for decl in &model.loops {
        let wanted: HashSet<VarId> = decl.variables.iter().copied().collect();
        let warn = |msg: String, help: &str| {
            Diagnostic::warning(msg)
                .at(&model.sources, decl.span)
                .help(help.to_string())
        };
        if wanted.is_empty() {
            continue;
        }
        if let Some(v) = decl.variables.iter().find(|v| {
            matches!(
                model.var(**v).kind,
                VarKind::Constant(_) | VarKind::Lookup(_) | VarKind::Exogenous(_)
            )
        }) {
            let var = model.var(*v);
            warnings.push(warn(
                format!(
                    "[loops.{}]: '{}' is a {} and cannot be on a feedback loop",
                    decl.name,
                    var.name,
                    var.kind.name()
                ),
                "list the variables around the loop (stocks, flows, auxiliaries)",
            ));
            continue;
        }
        // The shortest unnamed loop through every listed variable.
        let found = loops
            .iter()
            .enumerate()
            .filter(|(_, l)| l.name.is_none() && wanted.iter().all(|w| l.variables.contains(w)))
            .min_by_key(|(_, l)| l.length())
            .map(|(i, _)| i);
        let slot = match found {
            Some(i) => Some(i),
            None => match join_in_order(model, graph, &decl.variables) {
                Ok(cycle) => {
                    collapse(model, &cycle, sign_of, arrayed).map(|l| add(loops, index, l))
                }
                Err(why) if complete => {
                    warnings.push(warn(
                        format!(
                            "[loops.{}] is not a feedback loop of the model: {why}",
                            decl.name
                        ),
                        "list variables that lie on one loop, in the order of the loop",
                    ));
                    continue;
                }
                Err(why) => {
                    warnings.push(warn(
                        format!("[loops.{}] matches none of the loops listed, and its variables could not be joined into a loop in the order given: {why}", decl.name),
                        "list the variables in the order of the loop, or raise the enumeration bound",
                    ));
                    continue;
                }
            },
        };
        match slot {
            Some(i) if loops[i].name.is_none() => {
                loops[i].name = Some(decl.name.clone());
                loops[i].doc = decl.doc.clone();
            }
            Some(i) => warnings.push(warn(
                format!(
                    "[loops.{}] is the same loop as [loops.{}]",
                    decl.name,
                    loops[i].name.clone().unwrap_or_default()
                ),
                "remove one of the two declarations",
            )),
            None => {}
        }
    }
    warnings
}

/// A cycle through `vars` in the given order: shortest paths from each to the next, avoiding
/// the other listed variables and the nodes already used.
fn join_in_order(model: &Model, graph: &CausalGraph, vars: &[VarId]) -> Result<Vec<u32>, String> {
    let n = graph.node_count();
    let listed: HashSet<u32> = vars.iter().map(|v| v.0).collect();
    let mut used = vec![false; n];
    let mut cycle: Vec<u32> = Vec::new();
    for (i, a) in vars.iter().enumerate() {
        let b = vars[(i + 1) % vars.len()];
        used[a.index()] = true;
        let allowed = |x: u32| x == b.0 || (!used[x as usize] && !listed.contains(&x));
        let path = shortest_path(graph, a.0, b.0, &allowed).ok_or_else(|| {
            format!(
                "no causal path from '{}' to '{}'",
                model.var(*a).name,
                model.var(b).name
            )
        })?;
        // path = a ... b; keep a and the inner nodes (b starts the next segment).
        for &x in &path[..path.len() - 1] {
            used[x as usize] = true;
            cycle.push(x);
        }
    }
    Ok(cycle)
}

/// Shortest path `a -> ... -> b` (at least one link) through nodes `allowed` accepts.
fn shortest_path(
    graph: &CausalGraph,
    a: u32,
    b: u32,
    allowed: &dyn Fn(u32) -> bool,
) -> Option<Vec<u32>> {
    let mut parent: HashMap<u32, u32> = HashMap::new();
    let mut q = VecDeque::from([a]);
    let mut seen: HashSet<u32> = HashSet::from([a]);
    while let Some(x) = q.pop_front() {
        for &y in graph.succ_raw(x) {
            if y == b {
                let mut path = vec![b, x];
                let mut z = x;
                while z != a {
                    z = parent[&z];
                    path.push(z);
                }
                path.reverse();
                return Some(path);
            }
            if allowed(y) && seen.insert(y) {
                parent.insert(y, x);
                q.push_back(y);
            }
        }
    }
    None
}
