//! The shortest independent loop set (SILS) of Oliva (2004), "Model structure analysis
//! through graph theory: partition heuristics and feedback structure decomposition",
//! System Dynamics Review 20(4): loops taken shortest first, each kept only if it contains a
//! link no loop kept before contains. Every loop so kept is independent of the earlier ones,
//! every link on a loop ends up in some kept loop, and the set has at most
//! `links - nodes + 1` loops per strongly connected component (the cyclomatic number).
//!
//! The shortest loop through each link `u -> v` is the link plus a shortest path from `v`
//! back to `u` (one breadth-first search per node): O(n (n + e)) in all.

use super::graph::CausalGraph;
use std::collections::{HashSet, VecDeque};

/// The SILS as node sequences, and the total cyclomatic number of the cyclic components.
pub(crate) fn shortest_independent_loops(g: &CausalGraph) -> (Vec<Vec<u32>>, usize) {
    let n = g.node_count();
    let mut in_comp = vec![usize::MAX; n];
    let comps = g.cyclic_components();
    for (k, c) in comps.iter().enumerate() {
        for v in c {
            in_comp[*v as usize] = k;
        }
    }
    let mut chosen = Vec::new();
    let mut cyclomatic = 0;
    let mut dist = vec![u32::MAX; n];
    let mut parent = vec![u32::MAX; n];
    for (k, comp) in comps.iter().enumerate() {
        // Predecessors within the component.
        let mut pred: Vec<Vec<u32>> = vec![Vec::new(); n];
        let mut edges = 0;
        for &u in comp {
            for &v in g.succ_raw(u) {
                if in_comp[v as usize] == k {
                    pred[v as usize].push(u);
                    edges += 1;
                }
            }
        }
        cyclomatic += edges + 1 - comp.len();
        let mut candidates: Vec<Vec<u32>> = Vec::new();
        let mut seen: HashSet<Vec<u32>> = HashSet::new();
        for &v in comp {
            // Shortest paths from v within the component.
            let mut touched = vec![v];
            dist[v as usize] = 0;
            let mut q = VecDeque::from([v]);
            while let Some(x) = q.pop_front() {
                for &y in g.succ_raw(x) {
                    if in_comp[y as usize] == k && dist[y as usize] == u32::MAX {
                        dist[y as usize] = dist[x as usize] + 1;
                        parent[y as usize] = x;
                        touched.push(y);
                        q.push_back(y);
                    }
                }
            }
            // For every link u -> v: the loop v -> ... -> u -> v.
            for &u in &pred[v as usize] {
                let mut cycle = vec![u];
                let mut x = u;
                while x != v {
                    x = parent[x as usize];
                    cycle.push(x);
                }
                cycle.reverse(); // v ... u
                let c = canonical(cycle);
                if seen.insert(c.clone()) {
                    candidates.push(c);
                }
            }
            for t in touched {
                dist[t as usize] = u32::MAX;
                parent[t as usize] = u32::MAX;
            }
        }
        candidates.sort_by(|a, b| a.len().cmp(&b.len()).then_with(|| a.cmp(b)));
        let mut covered: HashSet<(u32, u32)> = HashSet::new();
        for c in candidates {
            let links: Vec<(u32, u32)> =
                (0..c.len()).map(|i| (c[i], c[(i + 1) % c.len()])).collect();
            if links.iter().any(|l| !covered.contains(l)) {
                covered.extend(links);
                chosen.push(c);
            }
        }
    }
    (chosen, cyclomatic)
}

/// The rotation of a cycle that starts at its least node.
pub(crate) fn canonical(mut c: Vec<u32>) -> Vec<u32> {
    if let Some(p) = c
        .iter()
        .enumerate()
        .min_by_key(|(_, v)| **v)
        .map(|(i, _)| i)
    {
        c.rotate_left(p);
    }
    c
}
