//! Vensim's `VECTOR RANK`, `VECTOR SORT ORDER` and `VECTOR REORDER`, written as ordinary
//! equations with reductions.
//!
//! Each works along the last subscript of its vector argument (`v[..., e]`); the other
//! subscripts are carried along. With `dir` 1 (any non-zero value) for ascending and 0 for
//! descending, as Vensim's documentation and the suite's `vector_order` reference give them:
//!
//! - `VECTOR RANK(v, dir)`: the 1-based rank of each element, `1 + #{j: v_j before v_i}`,
//!   equal values ranked in element order;
//! - `VECTOR SORT ORDER(v, dir)`: at sorted position `k`, the 0-based index of the element
//!   ranked `k` (the left-hand side's last subscript gives the position `k`, as 1 + its
//!   element's position);
//! - `VECTOR REORDER(v, order)`: at position `k`, the element of `v` whose 0-based index is
//!   `order` at `k`.
//!
//! An entry whose right-hand side is one of these calls becomes that entry plus hidden
//! auxiliaries beside it: `"<name> vector position"[e] = e` (1 + each element's position)
//! and, for SORT ORDER, `"<name> vector rank"` over the vector's subscripts.

use super::expr::{call_args, name_len, space_len, split_top};
use std::ops::Range;

/// Which vector function.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Rank,
    SortOrder,
    Reorder,
}

/// A vector call that is an entry's whole right-hand side.
pub struct Call {
    pub kind: Kind,
    /// The arguments, as byte ranges of the right-hand side.
    pub args: Vec<Range<usize>>,
}

/// The vector call `rhs` is, if it is one.
pub fn call(rhs: &str) -> Option<Call> {
    for (fname, kind) in [
        ("vector_rank", Kind::Rank),
        ("vector_sort_order", Kind::SortOrder),
        ("vector_reorder", Kind::Reorder),
    ] {
        if let Some(inner) = call_args(rhs, fname) {
            let args = split_top(&rhs[inner.clone()], b',')
                .into_iter()
                .map(|r| inner.start + r.start..inner.start + r.end)
                .collect();
            return Some(Call { kind, args });
        }
    }
    None
}

/// Text with line continuations as spaces, trimmed.
fn clean(text: &str) -> String {
    text.replace("\\\r\n", " ")
        .replace("\\\n", " ")
        .trim()
        .to_string()
}

/// `name[s1, ..., sn]` as written: the name and the subscripts.
fn reference(text: &str) -> Option<(String, Vec<String>)> {
    let text = clean(text);
    let n = name_len(&text);
    if n == 0 {
        return None;
    }
    let after = &text[n..];
    let open = space_len(after);
    if after.as_bytes().get(open) != Some(&b'[') || !after.ends_with(']') {
        return None;
    }
    let inner = &after[open + 1..after.len() - 1];
    let subs: Vec<String> = inner.split(',').map(|s| s.trim().to_string()).collect();
    if subs
        .iter()
        .any(|s| s.is_empty() || s.contains(['(', '[', ']']))
    {
        return None;
    }
    Some((text[..n].trim().to_string(), subs))
}

pub use super::allocate::Written;

/// The entries that compute `name[lhs] = <call>`, the entry's own last; an error is (byte
/// range in `rhs`, message).
pub fn expand(
    name: &str,
    lhs: &[String],
    rhs: &str,
    c: &Call,
) -> Result<Vec<Written>, (Range<usize>, String)> {
    let fname = match c.kind {
        Kind::Rank => "VECTOR RANK",
        Kind::SortOrder => "VECTOR SORT ORDER",
        Kind::Reorder => "VECTOR REORDER",
    };
    if c.args.len() != 2 {
        return Err((
            0..rhs.len(),
            format!("{fname} takes 2 arguments, found {}", c.args.len()),
        ));
    }
    let Some((vname, vsubs)) = reference(&rhs[c.args[0].clone()]) else {
        return Err((
            c.args[0].clone(),
            format!("{fname}: the vector must be a subscripted variable (`name[..., range]`)"),
        ));
    };
    let Some(position_range) = lhs.last() else {
        return Err((
            0..rhs.len(),
            format!("{fname} gives a vector: the left-hand side must be subscripted"),
        ));
    };
    let second = format!("({})", clean(&rhs[c.args[1].clone()]));
    let last = vsubs.len() - 1;
    let e = vsubs[last].clone();
    let at = |sub: &str| -> String {
        let mut s = vsubs.clone();
        s[last] = sub.to_string();
        format!("{vname}[{}]", s.join(", "))
    };
    let (v, vb) = (at(&e), at(&format!("{e}!")));
    let base = name.trim().trim_matches('"').replace('"', "");
    let pos_name = format!("\"{base} vector position\"");
    let (pos, pos_b) = (format!("{pos_name}[{e}]"), format!("{pos_name}[{e}!]"));
    let mut out = vec![Written {
        name: pos_name,
        subs: Some(vec![e.clone()]),
        rhs: e.clone(),
    }];
    // 1 + the number of elements before this one: smaller (ascending) or larger
    // (descending) values, and equal values earlier in the range.
    let rank = format!(
        "1 + SUM(IF THEN ELSE(IF THEN ELSE({second} <> 0, {vb} - {v}, {v} - {vb}) < 0, 1, 0)) \
         + SUM(IF THEN ELSE({vb} = {v} :AND: {pos_b} < {pos}, 1, 0))"
    );
    let own = match c.kind {
        Kind::Rank => rank,
        Kind::SortOrder => {
            let rank_name = format!("\"{base} vector rank\"");
            out.push(Written {
                name: rank_name.clone(),
                subs: Some(vsubs.clone()),
                rhs: rank,
            });
            let mut s = vsubs.clone();
            s[last] = format!("{e}!");
            format!(
                "SUM(IF THEN ELSE({rank_name}[{}] = {position_range}, {pos_b} - 1, 0))",
                s.join(", ")
            )
        }
        Kind::Reorder => format!("SUM(IF THEN ELSE({pos_b} - 1 = {second}, {vb}, 0))"),
    };
    out.push(Written {
        name: name.to_string(),
        subs: None,
        rhs: own,
    });
    Ok(out)
}
