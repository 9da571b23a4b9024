//! The causal graph feedback loops live in: one node per variable (hidden variables of
//! stateful functions included, so that a SMOOTH or DELAY in a loop is seen as the stock it
//! is), and one link per way a variable's value or rate depends on another's.

use crate::ir::*;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// A fast non-cryptographic hasher for the integer keys of loop analysis (the multiply-rotate
/// scheme of rustc's FxHasher); SipHash dominated the enumeration of long loops.
#[derive(Default, Clone, Copy)]
pub(crate) struct FxHasher(u64);

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut b = [0u8; 8];
            b[..chunk.len()].copy_from_slice(chunk);
            self.write_u64(u64::from_le_bytes(b));
        }
    }

    fn write_u32(&mut self, x: u32) {
        self.write_u64(u64::from(x));
    }

    fn write_u64(&mut self, x: u64) {
        self.0 = (self.0.rotate_left(5) ^ x).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }

    fn write_usize(&mut self, x: usize) {
        self.write_u64(x as u64);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// A hash map with [`FxHasher`].
pub(crate) type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<FxHasher>>;

/// How `from` influences `to`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LinkKind {
    /// `from` is an inflow of the stock `to` (polarity +).
    Inflow,
    /// `from` is an outflow of the stock `to` (polarity -).
    Outflow,
    /// `to`'s equation reads the current value of `from` (polarity from the partial
    /// derivative, evaluated numerically by the engine).
    Instant,
    /// `from` enters the DELAY FIXED pipeline `to` and comes out unchanged later (polarity +).
    Pipeline,
}

impl LinkKind {
    /// `inflow`, `outflow`, `instant` or `pipeline`.
    pub fn name(self) -> &'static str {
        match self {
            LinkKind::Inflow => "inflow",
            LinkKind::Outflow => "outflow",
            LinkKind::Instant => "instant",
            LinkKind::Pipeline => "pipeline",
        }
    }
}

/// A causal link.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Link {
    /// The influencing variable.
    pub from: VarId,
    /// The influenced variable.
    pub to: VarId,
    /// How `from` reaches `to`.
    pub kind: LinkKind,
}

/// The sign of a link's gain (a partial derivative), or of a product of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Sign {
    /// The gain is positive.
    Positive,
    /// The gain is negative.
    Negative,
    /// The gain is zero at this state (e.g. a MIN/MAX or IF branch that does not use the input).
    Zero,
    /// Elements of an arrayed link have gains of both signs.
    Mixed,
    /// Not known (not computed, or not finite).
    Unknown,
}

impl Sign {
    /// The sign of a product: a zero gain makes the product zero; otherwise an unknown or
    /// mixed factor makes it unknown or mixed; otherwise the usual rule of signs.
    pub fn times(self, other: Sign) -> Sign {
        use Sign::*;
        match (self, other) {
            (Zero, _) | (_, Zero) => Zero,
            (Unknown, _) | (_, Unknown) => Unknown,
            (Mixed, _) | (_, Mixed) => Mixed,
            (a, b) if a == b => Positive,
            _ => Negative,
        }
    }

    /// `+`, `-`, `0`, `+/-`, `?`.
    pub fn symbol(self) -> &'static str {
        match self {
            Sign::Positive => "+",
            Sign::Negative => "-",
            Sign::Zero => "0",
            Sign::Mixed => "+/-",
            Sign::Unknown => "?",
        }
    }

    /// The sign of a number (`Unknown` when it is not finite).
    pub fn of(x: f64) -> Sign {
        if !x.is_finite() {
            Sign::Unknown
        } else if x > 0.0 {
            Sign::Positive
        } else if x < 0.0 {
            Sign::Negative
        } else {
            Sign::Zero
        }
    }

    /// The common sign of several gains (arrayed links): zeros are ignored unless all are
    /// zero; both signs give `Mixed`.
    pub fn combine(signs: impl IntoIterator<Item = Sign>) -> Sign {
        let (mut pos, mut neg, mut zero, mut unknown) = (false, false, false, false);
        for s in signs {
            match s {
                Sign::Positive => pos = true,
                Sign::Negative => neg = true,
                Sign::Zero => zero = true,
                Sign::Mixed => {
                    pos = true;
                    neg = true
                }
                Sign::Unknown => unknown = true,
            }
        }
        match (pos, neg, unknown) {
            (_, _, true) => Sign::Unknown,
            (true, true, _) => Sign::Mixed,
            (true, false, _) => Sign::Positive,
            (false, true, _) => Sign::Negative,
            (false, false, _) if zero => Sign::Zero,
            _ => Sign::Unknown,
        }
    }

    /// The polarity that follows from a link's kind alone (`Unknown` for instant links).
    pub fn structural(kind: LinkKind) -> Sign {
        match kind {
            LinkKind::Inflow | LinkKind::Pipeline => Sign::Positive,
            LinkKind::Outflow => Sign::Negative,
            LinkKind::Instant => Sign::Unknown,
        }
    }
}

/// Where [`crate::loops::find_loops`] gets link gains from: at least their signs; the engine's
/// numerical gains also give the element partials of arrayed links.
pub trait GainSource {
    /// The sign of a link's gain.
    fn sign(&self, link: &Link) -> Sign;
    /// The partial derivatives `d to[i] / d from[j]` as `(i, j, value)` (element indices),
    /// when known. Used for the polarity of loops through arrayed variables.
    fn partials(&self, _link: &Link) -> Option<&[(usize, usize, f64)]> {
        None
    }
}

impl<F: Fn(&Link) -> Sign> GainSource for F {
    fn sign(&self, link: &Link) -> Sign {
        self(link)
    }
}

/// The causal graph of a model.
///
/// ```
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
/// "#).unwrap();
/// let model = pressure_model::load(&path).unwrap();
/// let g = pressure_model::loops::CausalGraph::new(&model);
/// // tea -> cooling (instant) and cooling -> tea (outflow) lie on the loop; room does not.
/// assert_eq!(g.loop_links().len(), 2);
/// ```
#[derive(Debug, Clone)]
pub struct CausalGraph {
    n: usize,
    links: Vec<Link>,
    /// Successor nodes of each node (deduplicated, sorted).
    succ: Vec<Vec<u32>>,
    /// Links between an ordered pair of nodes.
    pair: FastMap<(u32, u32), Vec<usize>>,
}

impl CausalGraph {
    /// The causal graph of every variable of `model` (hidden ones included).
    pub fn new(model: &Model) -> CausalGraph {
        let n = model.variables.len();
        let mut links = Vec::new();
        let push = |from: VarId, to: VarId, kind: LinkKind, links: &mut Vec<Link>| {
            // Lookups are tables, not values. (Constants cannot be on a loop, but their links
            // have gains too, which graph export shows.)
            if !matches!(model.var(from).kind, VarKind::Lookup(_)) {
                links.push(Link { from, to, kind });
            }
        };
        for (i, v) in model.variables.iter().enumerate() {
            let to = VarId(i as u32);
            match &v.kind {
                VarKind::Stock(s) => {
                    for f in &s.inflows {
                        push(*f, to, LinkKind::Inflow, &mut links);
                    }
                    for f in &s.outflows {
                        push(*f, to, LinkKind::Outflow, &mut links);
                    }
                }
                VarKind::Flow(_) | VarKind::Aux(_) => {
                    for from in model.instant_deps(to) {
                        push(from, to, LinkKind::Instant, &mut links);
                    }
                }
                VarKind::DelayFixed(d) => {
                    let mut refs = Vec::new();
                    d.input.visit_value_refs(&mut |r| refs.push(r));
                    refs.sort();
                    refs.dedup();
                    for from in refs {
                        push(from, to, LinkKind::Pipeline, &mut links);
                    }
                }
                _ => {}
            }
        }
        links.sort_by_key(|l| (l.from, l.to, l.kind as u8));
        links.dedup();
        let mut succ = vec![Vec::new(); n];
        let mut pair: FastMap<(u32, u32), Vec<usize>> = FastMap::default();
        for (k, l) in links.iter().enumerate() {
            succ[l.from.index()].push(l.to.0);
            pair.entry((l.from.0, l.to.0)).or_default().push(k);
        }
        for s in &mut succ {
            s.sort_unstable();
            s.dedup();
        }
        CausalGraph {
            n,
            links,
            succ,
            pair,
        }
    }

    /// Number of nodes (every variable of the model, hidden ones included).
    pub fn node_count(&self) -> usize {
        self.n
    }

    /// Every link, each once.
    pub fn links(&self) -> &[Link] {
        &self.links
    }

    /// The variables `v`'s value or rate depends on directly... in reverse: those `v` feeds.
    pub fn successors(&self, v: VarId) -> impl Iterator<Item = VarId> + '_ {
        self.succ[v.index()].iter().map(|x| VarId(*x))
    }

    pub(crate) fn succ_raw(&self, v: u32) -> &[u32] {
        &self.succ[v as usize]
    }

    /// The links from `a` to `b` (usually one).
    pub fn links_between(&self, a: VarId, b: VarId) -> impl Iterator<Item = &Link> + '_ {
        self.pair
            .get(&(a.0, b.0))
            .into_iter()
            .flatten()
            .map(|k| &self.links[*k])
    }

    /// Strongly connected components with at least one loop (more than one node, or a node
    /// linked to itself), each sorted.
    pub(crate) fn cyclic_components(&self) -> Vec<Vec<u32>> {
        let active = vec![true; self.n];
        scc(self.n, &|v| self.succ_raw(v), &active)
            .into_iter()
            .filter(|c| c.len() > 1 || self.succ[c[0] as usize].contains(&c[0]))
            .collect()
    }

    /// The links that lie on at least one feedback loop (both ends in the same cyclic
    /// component): the links whose gains loop polarity needs.
    pub fn loop_links(&self) -> Vec<Link> {
        let mut comp = vec![usize::MAX; self.n];
        for (k, c) in self.cyclic_components().iter().enumerate() {
            for v in c {
                comp[*v as usize] = k;
            }
        }
        self.links
            .iter()
            .filter(|l| {
                comp[l.from.index()] != usize::MAX && comp[l.from.index()] == comp[l.to.index()]
            })
            .copied()
            .collect()
    }
}

/// Tarjan's strongly connected components over the `active` nodes (iterative, so deep
/// graphs do not exhaust the stack). Components are returned sorted.
pub(crate) fn scc<'a>(n: usize, succ: &dyn Fn(u32) -> &'a [u32], active: &[bool]) -> Vec<Vec<u32>> {
    const NONE: u32 = u32::MAX;
    let mut index = vec![NONE; n];
    let mut low = vec![0u32; n];
    let mut on_stack = vec![false; n];
    let mut stack: Vec<u32> = Vec::new();
    let mut out = Vec::new();
    let mut next = 0u32;
    // (node, position in its successor list)
    let mut call: Vec<(u32, usize)> = Vec::new();
    for root in 0..n as u32 {
        if !active[root as usize] || index[root as usize] != NONE {
            continue;
        }
        call.push((root, 0));
        index[root as usize] = next;
        low[root as usize] = next;
        next += 1;
        stack.push(root);
        on_stack[root as usize] = true;
        while let Some(&mut (v, ref mut pos)) = call.last_mut() {
            let s = succ(v);
            if *pos < s.len() {
                let w = s[*pos];
                *pos += 1;
                if !active[w as usize] {
                    continue;
                }
                if index[w as usize] == NONE {
                    index[w as usize] = next;
                    low[w as usize] = next;
                    next += 1;
                    stack.push(w);
                    on_stack[w as usize] = true;
                    call.push((w, 0));
                } else if on_stack[w as usize] {
                    low[v as usize] = low[v as usize].min(index[w as usize]);
                }
            } else {
                call.pop();
                if let Some(&(parent, _)) = call.last() {
                    low[parent as usize] = low[parent as usize].min(low[v as usize]);
                }
                if low[v as usize] == index[v as usize] {
                    let mut comp = Vec::new();
                    loop {
                        let w = stack.pop().expect("v is on the stack");
                        on_stack[w as usize] = false;
                        comp.push(w);
                        if w == v {
                            break;
                        }
                    }
                    comp.sort_unstable();
                    out.push(comp);
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_rules() {
        use Sign::*;
        assert_eq!(Negative.times(Negative), Positive);
        assert_eq!(Positive.times(Negative), Negative);
        assert_eq!(Zero.times(Unknown), Zero);
        assert_eq!(Mixed.times(Positive), Mixed);
        assert_eq!(Unknown.times(Mixed), Unknown);
        assert_eq!(Sign::combine([Positive, Zero, Positive]), Positive);
        assert_eq!(Sign::combine([Positive, Negative]), Mixed);
        assert_eq!(Sign::combine([Zero, Zero]), Zero);
        assert_eq!(Sign::of(f64::NAN), Unknown);
    }

    #[test]
    fn tarjan_finds_components() {
        // 0 -> 1 -> 2 -> 0, 2 -> 3, 3 -> 3, 4 alone
        let succ: Vec<Vec<u32>> = vec![vec![1], vec![2], vec![0, 3], vec![3], vec![]];
        let active = vec![true; 5];
        let mut c = scc(5, &|v| &succ[v as usize], &active);
        c.sort();
        assert_eq!(c, vec![vec![0, 1, 2], vec![3], vec![4]]);
        let active = vec![true, false, true, true, true];
        let mut c = scc(5, &|v| &succ[v as usize], &active);
        c.sort();
        assert_eq!(c, vec![vec![0], vec![2], vec![3], vec![4]]);
    }
}
