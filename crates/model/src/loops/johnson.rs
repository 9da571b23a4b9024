//! Johnson's algorithm for the elementary circuits of a directed graph (D. B. Johnson,
//! "Finding all the elementary circuits of a directed graph", SIAM J. Comput. 4(1), 1975),
//! iterative, with a cap on the number of circuits. Time is O((n + e)(c + 1)) for c circuits,
//! so the cap bounds the time too.

use super::graph::{scc, CausalGraph};

/// The elementary circuits (each a node sequence, every node linking to the next and the
/// last to the first), at most `cap` of them; `true` when the cap stopped the search.
pub(crate) fn elementary_circuits(g: &CausalGraph, cap: usize) -> (Vec<Vec<u32>>, bool) {
    let n = g.node_count();
    let mut out: Vec<Vec<u32>> = Vec::new();
    if cap == 0 {
        return (out, !g.cyclic_components().is_empty());
    }
    for v in 0..n as u32 {
        if g.succ_raw(v).contains(&v) {
            out.push(vec![v]);
            if out.len() >= cap {
                return (out, true);
            }
        }
    }
    let mut work: Vec<Vec<u32>> = g
        .cyclic_components()
        .into_iter()
        .filter(|c| c.len() > 1)
        .collect();
    let mut active = vec![false; n];
    let mut blocked = vec![false; n];
    let mut closed = vec![false; n];
    let mut b: Vec<Vec<u32>> = vec![Vec::new(); n];
    let mut path: Vec<u32> = Vec::new();
    let mut stack: Vec<(u32, usize)> = Vec::new();
    while let Some(comp) = work.pop() {
        for &v in &comp {
            active[v as usize] = true;
        }
        // Circuits through the least node of the component; then the rest without it.
        let start = comp[0];
        path.clear();
        path.push(start);
        stack.clear();
        stack.push((start, 0));
        blocked[start as usize] = true;
        while let Some(top) = stack.last_mut() {
            let this = top.0;
            let succ = g.succ_raw(this);
            let mut pushed = None;
            while top.1 < succ.len() {
                let next = succ[top.1];
                top.1 += 1;
                if !active[next as usize] {
                    continue;
                }
                if next == start {
                    out.push(path.clone());
                    if out.len() >= cap {
                        return (out, true);
                    }
                    for &p in &path {
                        closed[p as usize] = true;
                    }
                } else if !blocked[next as usize] {
                    pushed = Some(next);
                    break;
                }
            }
            if let Some(next) = pushed {
                path.push(next);
                closed[next as usize] = false;
                blocked[next as usize] = true;
                stack.push((next, 0));
                continue;
            }
            // Every successor of `this` explored.
            if closed[this as usize] {
                unblock(this, &mut blocked, &mut b);
            } else {
                for &w in succ {
                    if active[w as usize] && !b[w as usize].contains(&this) {
                        b[w as usize].push(this);
                    }
                }
            }
            stack.pop();
            path.pop();
        }
        for &v in &comp {
            blocked[v as usize] = false;
            closed[v as usize] = false;
            b[v as usize].clear();
        }
        active[start as usize] = false;
        let subs = scc(n, &|v| g.succ_raw(v), &active);
        for &v in &comp {
            active[v as usize] = false;
        }
        work.extend(subs.into_iter().filter(|c| c.len() > 1));
    }
    (out, false)
}

fn unblock(v: u32, blocked: &mut [bool], b: &mut [Vec<u32>]) {
    let mut stack = vec![v];
    while let Some(x) = stack.pop() {
        if blocked[x as usize] {
            blocked[x as usize] = false;
            stack.append(&mut b[x as usize]);
        }
    }
}
