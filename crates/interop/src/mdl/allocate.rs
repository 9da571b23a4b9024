//! Vensim's `ALLOCATE BY PRIORITY` and `ALLOCATE AVAILABLE`, written as ordinary equations.
//!
//! Vensim's documented semantics (Allocation overview, "Specifying the curves"): each
//! requester `i` has a demand curve `q_i * f_i(x)` over a priority axis `x`, where `q_i` is its
//! request and `f_i` falls from 1 to 0 around its priority `p_i` with a spread `w_i`; the
//! allocation finds the one shift `x*` at which the requesters' curves add up to the supply,
//! and gives requester `i` the amount `q_i * f_i(x*)`. When the supply covers every request,
//! each requester gets its request. The profiles (`ptype`):
//!
//! - 1, rectangular: `f = clamp((p + w/2 - x) / w, 0, 1)` (the integral of a rectangle of
//!   width `w` centred on `p`);
//! - 2, triangular: with `t = (x - p + w/2) / w`, `f = 1 - 2t²` for `t <= 1/2` and
//!   `2(1 - t)²` above, 1 below `t = 0` and 0 above `t = 1`;
//! - 3, normal: `f = erfc((x - p) / (w √2)) / 2` (`w` the standard deviation), with erfc
//!   as Abramowitz and Stegun's 3-term approximation 7.1.25, which Vensim's output follows
//!   (see [`erfc`]);
//! - 4, exponential: `f = 1 - e^((x - p)/w) / 2` below `p`, `e^((p - x)/w) / 2` above.
//!
//! Types 0 (fixed quantity), 5 (constant elasticity) and the integer variants (+10) are not
//! read: a profile type other than 1 to 4 makes the allocation NaN (0/0).
//!
//! `ALLOCATE BY PRIORITY(request, priority, size, width, supply)` is the rectangular case with
//! one width for all requesters (`size` is the number of requesters, which the range gives).
//! `ALLOCATE AVAILABLE(request, pp, avail)` reads each requester's profile from `pp`, whose
//! last subscript is the first element of the profile range (`ptype`, then `ppriority`,
//! `pwidth`, `pextra`) and whose second last is the requesters' range.
//!
//! The shift is found by bisection, written as hidden auxiliaries the entry gets beside it
//! (`"<name> allocation span"` and `"<name> allocation shift 0"` to `... shift 48`, arrayed
//! over the entry's subscripts other than the requesters' range): the bracket runs from the
//! lowest `p - 40w` to the highest `p + 40w` (for ALLOCATE BY PRIORITY `p - w` to `p + w`),
//! where the requests are all filled and all empty (the exponential's tail at 40 widths is
//! below 1e-17 of the request); each step halves it, so the last shift is within
//! 2^-49 of the bracket's width of the exact one. The requesters' range is the last subscript
//! of `request` (and of the left-hand side): each argument naming it is summed over it
//! (`x[range!]`) in the bisection.

use super::expr::{call_args, name_len, space_len, split_top};
use super::names::key;
use std::ops::Range;

/// Bisection steps after the first midpoint.
pub const STEPS: usize = 48;

/// An allocation call that is an entry's whole right-hand side.
pub struct Call {
    pub available: bool,
    /// The arguments, as byte ranges of the right-hand side.
    pub args: Vec<Range<usize>>,
}

/// The allocation call `rhs` is, if it is one.
pub fn call(rhs: &str) -> Option<Call> {
    for (fname, available) in [
        ("allocate_by_priority", false),
        ("allocate_available", true),
    ] {
        if let Some(inner) = call_args(rhs, fname) {
            let args = split_top(&rhs[inner.clone()], b',')
                .into_iter()
                .map(|r| inner.start + r.start..inner.start + r.end)
                .collect();
            return Some(Call { available, args });
        }
    }
    None
}

/// A subscripted reference `name[s1, ..., sn]` as written.
struct Reference {
    name: String,
    subs: Vec<String>,
}

impl Reference {
    fn text(&self) -> String {
        format!("{}[{}]", self.name, self.subs.join(", "))
    }

    /// The reference with subscript `at` replaced by `with`.
    fn with(&self, at: usize, with: &str) -> String {
        let subs: Vec<&str> = self
            .subs
            .iter()
            .enumerate()
            .map(|(i, s)| if i == at { with } else { s.as_str() })
            .collect();
        format!("{}[{}]", self.name, subs.join(", "))
    }
}

/// Reads `text` as one subscripted reference (line continuations allowed).
fn reference(text: &str) -> Option<Reference> {
    let lead = space_len(text);
    let rest = &text[lead..];
    let n = name_len(rest);
    if n == 0 {
        return None;
    }
    let after = &rest[n..];
    let open = space_len(after);
    if after.as_bytes().get(open) != Some(&b'[') {
        return None;
    }
    let close = after[open..].find(']')? + open;
    if !after[close + 1..].trim().is_empty() {
        return None;
    }
    let clean = |s: &str| -> String { s.split_whitespace().collect::<Vec<_>>().join(" ") };
    let subs = after[open + 1..close]
        .split(',')
        .map(|s| clean(&s.replace("\\\r\n", " ").replace("\\\n", " ")))
        .collect::<Vec<_>>();
    if subs.iter().any(|s| s.is_empty() || s.contains(['(', '['])) {
        return None;
    }
    Some(Reference {
        name: clean(&rest[..n].replace("\\\r\n", " ").replace("\\\n", " ")),
        subs,
    })
}

/// One entry the call becomes: its name, subscripts (None: the entry's own) and right-hand
/// side.
pub struct Written {
    pub name: String,
    pub subs: Option<Vec<String>>,
    pub rhs: String,
}

/// What the expansion needs to know about the model: the elements of the range an element
/// belongs to, from that element on (the profile's `ptype`, `ppriority`, `pwidth`, `pextra`).
pub trait Ranges {
    fn elements_from(&self, element: &str) -> Option<Vec<String>>;
}

/// The entries that compute `name[lhs] = <call>`, the entry's own last; an error is (byte
/// range in `rhs`, message).
pub fn expand(
    name: &str,
    lhs: &[String],
    rhs: &str,
    c: &Call,
    ranges: &impl Ranges,
) -> Result<Vec<Written>, (Range<usize>, String)> {
    let fname = if c.available {
        "ALLOCATE AVAILABLE"
    } else {
        "ALLOCATE BY PRIORITY"
    };
    let want = if c.available { 3 } else { 5 };
    let whole = 0..rhs.len();
    if c.args.len() != want {
        return Err((
            whole,
            format!("{fname} takes {want} arguments, found {}", c.args.len()),
        ));
    }
    // Line continuations (`\` at a line's end) are spaces here.
    let arg = |i: usize| {
        rhs[c.args[i].clone()]
            .replace("\\\r\n", " ")
            .replace("\\\n", " ")
            .trim()
            .to_string()
    };
    let refer = |i: usize, what: &str| {
        reference(&rhs[c.args[i].clone()]).ok_or_else(|| {
            (
                c.args[i].clone(),
                format!("{fname}: the {what} must be a subscripted variable (`name[..., range]`)"),
            )
        })
    };
    let request = refer(0, "request")?;
    let range = request.subs.last().cloned().unwrap_or_default();
    let rk = key(&range);
    let Some(pos) = lhs.iter().position(|s| key(s) == rk) else {
        return Err((
            c.args[0].clone(),
            format!(
                "{fname}: the request's last subscript '{range}' (the requesters) must be a \
                 subscript of the left-hand side"
            ),
        ));
    };
    let outer: Vec<String> = lhs
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != pos)
        .map(|(_, s)| s.clone())
        .collect();
    let bang = format!("{range}!");
    let rb = request.with(request.subs.len() - 1, &bang);
    let r = request.with(request.subs.len() - 1, &range);
    let base = name.trim().trim_matches('"').replace('"', "");
    let hidden = |what: &str| -> (String, String) {
        let n = format!("\"{base} allocation {what}\"");
        let full = if outer.is_empty() {
            n.clone()
        } else {
            format!("{n}[{}]", outer.join(", "))
        };
        (n, full)
    };
    // (priority, width, type) of a requester, each as text: summed (`range!`) or per element.
    let (per, summed, lower, span, supply) = if c.available {
        let pp = refer(1, "priority profile")?;
        let n = pp.subs.len();
        if n < 2 || key(&pp.subs[n - 2]) != rk {
            return Err((
                c.args[1].clone(),
                format!(
                    "{fname}: the priority profile's second last subscript must be the \
                     request's last, '{range}', and its last the profile's first element \
                     (ptype)"
                ),
            ));
        }
        let Some(elems) = ranges
            .elements_from(&pp.subs[n - 1])
            .filter(|e| e.len() >= 3)
        else {
            return Err((
                c.args[1].clone(),
                format!(
                    "{fname}: '{}' must be the first of a profile range's elements (ptype, \
                     ppriority, pwidth, pextra)",
                    pp.subs[n - 1]
                ),
            ));
        };
        let at = |sum: bool, k: usize| -> String {
            let mut p = Reference {
                name: pp.name.clone(),
                subs: pp.subs.clone(),
            };
            p.subs[n - 1] = elems[k].clone();
            if sum {
                p.subs[n - 2] = bang.clone();
            }
            p.text()
        };
        let profile = |sum: bool| (at(sum, 1), at(sum, 2), Some(at(sum, 0)));
        let (ps, ws, _) = profile(true);
        (
            profile(false),
            profile(true),
            format!("VMIN({ps} - 40 * {ws})"),
            format!("VMAX({ps} + 40 * {ws}) - VMIN({ps} - 40 * {ws})"),
            arg(2),
        )
    } else {
        let prio = refer(1, "priority")?;
        if prio.subs.last().map(|s| key(s)) != Some(rk.clone()) {
            return Err((
                c.args[1].clone(),
                format!("{fname}: the priority's last subscript must be the request's, '{range}'"),
            ));
        }
        let w = format!("({})", arg(3));
        let pl = prio.subs.len() - 1;
        let (p, pb) = (prio.with(pl, &range), prio.with(pl, &bang));
        (
            (p, w.clone(), None),
            (pb.clone(), w.clone(), None),
            format!("VMIN({pb}) - {w}"),
            format!("VMAX({pb}) - VMIN({pb}) + 2 * {w}"),
            arg(4),
        )
    };
    let supply = format!("({supply})");
    let (span_name, span_ref) = hidden("span");
    let mut out = vec![Written {
        name: span_name,
        subs: Some(outer.clone()),
        rhs: span,
    }];
    let (s0, mut prev) = hidden("shift 0");
    out.push(Written {
        name: s0,
        subs: Some(outer.clone()),
        rhs: format!("{lower} + {span_ref} / 2"),
    });
    for k in 1..=STEPS {
        let (n, full) = hidden(&format!("shift {k}"));
        let f = fraction(&summed, &prev);
        out.push(Written {
            name: n,
            subs: Some(outer.clone()),
            rhs: format!(
                "{prev} + IF THEN ELSE(SUM({rb} * {f}) > {supply}, 1, -1) * {span_ref} * {:e}",
                0.5f64.powi(k as i32 + 1)
            ),
        });
        prev = full;
    }
    out.push(Written {
        name: name.to_string(),
        subs: None,
        rhs: format!(
            "IF THEN ELSE({supply} >= SUM({rb}), {r}, {r} * {})",
            fraction(&per, &prev)
        ),
    });
    Ok(out)
}

/// The fraction of its request a requester with (priority, width, profile type) gets at
/// shift `x` (type None: rectangular).
fn fraction(profile: &(String, String, Option<String>), x: &str) -> String {
    let (p, w, t) = profile;
    let rect = format!("MIN(1, MAX(0, ({p} + {w} / 2 - {x}) / {w}))");
    let Some(t) = t else {
        return rect;
    };
    // Triangular, with u = clamp((x - p + w/2) / w, 0, 1).
    let u = format!("MIN(1, MAX(0, ({x} - {p} + {w} / 2) / {w}))");
    let tri = format!("IF THEN ELSE({u} <= 0.5, 1 - 2 * {u} * {u}, 2 * (1 - {u}) * (1 - {u}))");
    let normal = format!(
        "0.5 * {}",
        erfc(&format!("(({x} - {p}) / ({w} * 1.4142135623730951))"))
    );
    let expo = format!(
        "IF THEN ELSE({x} < {p}, 1 - 0.5 * EXP(({x} - {p}) / {w}), 0.5 * EXP(({p} - {x}) / {w}))"
    );
    format!(
        "IF THEN ELSE({t} = 1, {rect}, IF THEN ELSE({t} = 2, {tri}, IF THEN ELSE({t} = 3, \
         {normal}, IF THEN ELSE({t} = 4, {expo}, 0 / 0))))"
    )
}

/// erfc(z) as Abramowitz and Stegun's 7.1.25 (Handbook of Mathematical Functions, 1964):
/// `erfc(z) = (a1 t + a2 t² + a3 t³) e^(-z²)`, `t = 1 / (1 + 0.47047 z)`, for `z >= 0`
/// (absolute error of erf at most 2.5e-5), and `2 - erfc(-z)` below 0. Vensim's normal
/// profile follows this approximation, not the exact erfc: on the suite's
/// `allocate_available` reference (`allocation3` at times 4, 8, 12) it agrees to 5
/// significant digits where the exact erfc is off by up to 0.5% (and by 3% in the tails).
fn erfc(z: &str) -> String {
    let t = format!("(1 / (1 + 0.47047 * ABS({z})))");
    let tail = format!(
        "{t} * (0.3480242 + {t} * (-0.0958798 + {t} * 0.7478556)) * EXP(-ABS({z}) * ABS({z}))"
    );
    format!("IF THEN ELSE({z} >= 0, {tail}, 2 - {tail})")
}
