//! Vensim expressions into Pressure's equation language.
//!
//! The grammars are close (operators, `:AND:`/`:OR:`/`:NOT:`, `IF THEN ELSE(...)`, builtin
//! names); what changes is names: a Vensim name may hold spaces and any case, so each name is
//! replaced by its IR spelling. The translation keeps every byte at its offset whenever the IR
//! name is as long as the written one (the usual case: spaces become underscores), so errors
//! found later point at the exact column of the `.mdl` file.

use super::names::{key, Names};
use std::collections::{HashMap, HashSet};
use std::ops::Range;

/// What the translator needs to know about the model's names.
#[derive(Clone, Copy)]
pub struct Scope<'a> {
    pub names: &'a Names,
    /// Keys of the variables that are lookups (a call `f(x)` of one is a table lookup).
    pub lookups: &'a HashSet<String>,
    /// Number of elements of each range, by key (`ELMCOUNT`).
    pub sizes: &'a HashMap<String, usize>,
    /// Scalar constants written as plain numbers, by key (the order of `SMOOTH N` and
    /// `DELAY N` must be a literal in the equation language).
    pub constants: &'a HashMap<String, f64>,
    /// For one element of an arrayed equation: the value of each range named as a value,
    /// by key (1 + the element's position in the range's full range, as Vensim counts).
    pub dim_values: Option<&'a HashMap<String, f64>>,
    /// Elements that name no variable, by key: used as a value, an element is 1 + its
    /// position in its full range (`IF THEN ELSE(dim = B, ...)`).
    pub element_values: &'a HashMap<String, f64>,
    /// Keys of the macros' names, and each call's instance output by
    /// [`super::macros::call_key`] (see [`super::macros`]).
    pub macros: &'a HashSet<String>,
    pub macro_calls: &'a HashMap<String, String>,
    /// Keys of the ranges in a subscript mapping (`DimC: c1, c2 -> DimB`, either side): a
    /// subscript naming one makes the equation per element ([`Translated::dim_value`]).
    pub mapped: &'a HashSet<String>,
    /// For one element tuple: the element a mapped range in a subscript stands for, by key.
    pub sub_values: Option<&'a HashMap<String, String>>,
    /// The run's time step, when known (what `DELAY N` reduces its order against).
    pub time_step: Option<f64>,
    /// The smallest value of each subscripted variable whose entries are all numbers, by key.
    pub array_min: &'a HashMap<String, f64>,
}

/// The clock and run-setting names Vensim writes as variables, and the register they are.
pub fn register(k: &str) -> Option<&'static str> {
    Some(match k {
        "time" => "TIME",
        "time_step" => "TIME_STEP",
        "initial_time" => "INITIAL_TIME",
        "final_time" => "FINAL_TIME",
        "saveper" => "SAVEPER",
        _ => return None,
    })
}

/// A translated expression.
#[derive(Debug, Clone, PartialEq)]
pub struct Translated {
    pub text: String,
    /// Every byte sits at its offset in the source.
    pub exact: bool,
    /// A subscript range is used as a value (`IF THEN ELSE(dim1 = dim2, ...)`): the equation
    /// must be translated element by element with [`Scope::dim_values`]; also when a
    /// subscript names a mapped range ([`Scope::sub_values`]).
    pub dim_value: bool,
}

pub(crate) fn is_name_start(c: char) -> bool {
    c.is_alphabetic() || c == '_' || c == '$' || !c.is_ascii()
}

fn is_name_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '_' | '$' | '\'' | '&' | '%') || !c.is_ascii()
}

/// Byte length of whitespace (including `\` line continuations) at the start of `s`.
pub(crate) fn space_len(s: &str) -> usize {
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b' ' | b'\t' | b'\r' | b'\n' => i += 1,
            b'\\' if matches!(b.get(i + 1), Some(b'\n' | b'\r')) => i += 1,
            _ => break,
        }
    }
    i
}

/// Length of the quoted name at the start of `s` (which starts with `"`), closing quote
/// included; `\"` inside is an escaped quote (`"a \"b\" c"`). All of `s` when unclosed.
pub(crate) fn quoted_len(s: &str) -> usize {
    let b = s.as_bytes();
    let mut i = 1;
    while i < b.len() {
        match b[i] {
            b'\\' if b.get(i + 1) == Some(&b'"') => i += 2,
            b'"' => return i + 1,
            _ => i += 1,
        }
    }
    s.len()
}

/// Length of the name starting at `s[0]` (a name start character or a quote).
pub(crate) fn name_len(s: &str) -> usize {
    if s.starts_with('"') {
        return quoted_len(s);
    }
    let mut end = 0;
    let mut it = s.char_indices().peekable();
    while let Some((i, c)) = it.next() {
        if is_name_char(c) {
            end = i + c.len_utf8();
            continue;
        }
        // Spaces join words of one name when another word follows.
        let sp = space_len(&s[i..]);
        if sp > 0 {
            let next = s[i + sp..].chars().next();
            if matches!(next, Some(n) if is_name_char(n)) {
                // Skip the whitespace; the loop continues with the next word.
                while let Some(&(j, _)) = it.peek() {
                    if j >= i + sp {
                        break;
                    }
                    it.next();
                }
                continue;
            }
        }
        break;
    }
    end
}

/// Length of a number at the start of `s` (digits, point, exponent).
pub(crate) fn number_len(s: &str) -> usize {
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'.') {
        i += 1;
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        let mut j = i + 1;
        if j < b.len() && (b[j] == b'+' || b[j] == b'-') {
            j += 1;
        }
        if j < b.len() && b[j].is_ascii_digit() {
            while j < b.len() && b[j].is_ascii_digit() {
                j += 1;
            }
            i = j;
        }
    }
    i
}

/// Translates `text`; an error is (byte offset in `text`, message).
pub fn translate(text: &str, scope: &Scope<'_>) -> Result<Translated, (usize, String)> {
    let mut out = String::with_capacity(text.len());
    let mut exact = true;
    let mut dim_value = false;
    let mut i = 0;
    // Depth of `[`: names inside are dimensions or elements.
    let mut in_subs = 0usize;
    while i < text.len() {
        let rest = &text[i..];
        let c = rest.chars().next().expect("non-empty");
        let sp = space_len(rest);
        if sp > 0 {
            out.extend(std::iter::repeat_n(' ', sp));
            i += sp;
            continue;
        }
        if c == '{' {
            let n = rest.find('}').map(|j| j + 1).unwrap_or(rest.len());
            // Keep the length in bytes (a comment may hold multi-byte characters).
            out.extend(std::iter::repeat_n(' ', n));
            i += n;
            continue;
        }
        if c.is_ascii_digit() || (c == '.' && rest[1..].starts_with(|d: char| d.is_ascii_digit())) {
            let n = number_len(rest);
            out.push_str(&rest[..n]);
            i += n;
            continue;
        }
        if c == ':' {
            let upper: String = rest
                .chars()
                .take(6)
                .collect::<String>()
                .to_ascii_uppercase();
            if let Some(kw) = [":AND:", ":OR:", ":NOT:"]
                .into_iter()
                .find(|kw| upper.starts_with(kw))
            {
                out.push_str(kw);
                i += kw.len();
                continue;
            }
            if upper.starts_with(":NA:") {
                out.push_str("(-1e38)");
                exact = false;
                i += 4;
                continue;
            }
            return Err((i, "unexpected ':' in an expression".into()));
        }
        if c == '"' || is_name_start(c) {
            let n = name_len(rest).max(c.len_utf8());
            let written = &rest[..n];
            let k = key(written);
            let after = &rest[n..];
            let next = after[space_len(after)..].chars().next();
            let emitted: String = if in_subs > 0 {
                // `range!` is a reduction over the range itself, never a mapped element.
                let reduced = after.starts_with('!');
                if scope.mapped.contains(&k) && !reduced {
                    dim_value = true;
                }
                match scope
                    .sub_values
                    .filter(|_| !reduced)
                    .and_then(|m| m.get(&k))
                {
                    Some(element) => element.clone(),
                    None => scope
                        .names
                        .get(written)
                        .map(str::to_string)
                        .unwrap_or_else(|| super::names::identifier(written)),
                }
            } else if next == Some('(') && scope.macros.contains(&k) {
                // A macro call: its instance's output variable.
                let open = i + n + space_len(after);
                let Some(close) = matching_paren(text, open) else {
                    return Err((open, "this '(' is not closed".into()));
                };
                let ck = super::macros::call_key(&k, &text[open + 1..close]);
                let Some(id) = scope
                    .macro_calls
                    .get(&ck)
                    .and_then(|inst| scope.names.get(inst))
                else {
                    return Err((i, format!("the macro call '{}' was not expanded", ck)));
                };
                out.push_str(id);
                exact = false;
                i = close + 1;
                continue;
            } else if next == Some('(') && !scope.lookups.contains(&k) {
                let open = i + n + space_len(after);
                if let Some((text, close, dims)) = rewrite(&k, text, open, scope)? {
                    out.push_str(&text);
                    exact = false;
                    dim_value |= dims;
                    i = close + 1;
                    continue;
                }
                // A builtin function: its words joined by underscores.
                builtin_spelling(written)
            } else if scope.sizes.contains_key(&k) && next != Some('[') {
                dim_value = true;
                match scope.dim_values.and_then(|m| m.get(&k)) {
                    Some(v) => format!("{v:?}"),
                    None => super::names::identifier(written),
                }
            } else if let Some(v) = scope.element_values.get(&k) {
                format!("{v:?}")
            } else if let Some(id) = scope.names.get(written) {
                id.to_string()
            } else if let Some(r) = register(&k) {
                r.to_string()
            } else {
                super::names::identifier(written)
            };
            if emitted.len() != n {
                exact = false;
            }
            out.push_str(&emitted);
            i += n;
            continue;
        }
        match c {
            '[' => in_subs += 1,
            ']' => in_subs = in_subs.saturating_sub(1),
            _ => {}
        }
        out.push(c);
        if c.len_utf8() != 1 {
            exact = false;
        }
        i += c.len_utf8();
    }
    Ok(Translated {
        text: out,
        exact,
        dim_value,
    })
}

/// A rewritten call: its translation, the index of its `)`, and whether an argument uses a
/// range as a value.
type Rewritten = (String, usize, bool);

/// Vensim functions written with the equation language's own (`COSH(x)` as exponentials,
/// `QUANTUM`, `VMAX` as a reduction, `ELMCOUNT` as a number, ...), and arguments the engine
/// needs in another form (the order of `SMOOTH N`/`DELAY N` named by a constant becomes the
/// number; the delay time of `DELAY FIXED`, which Vensim reads once at the start, is wrapped
/// in `INITIAL`). `text[open]` is the call's `(`; the translation, the index of its `)` and
/// whether an argument uses a range as a value ([`Translated::dim_value`]), or None for a
/// call kept as written.
fn rewrite(
    k: &str,
    text: &str,
    open: usize,
    scope: &Scope<'_>,
) -> Result<Option<Rewritten>, (usize, String)> {
    const NAMES: [&str; 13] = [
        "vector_select",
        "cosh",
        "sinh",
        "tanh",
        "quantum",
        "game",
        "elmcount",
        "vmax",
        "vmin",
        "delay_fixed",
        "smooth_n",
        "delay_n",
        "get_time_value",
    ];
    if !NAMES.contains(&k) {
        return Ok(None);
    }
    let Some(close) = matching_paren(text, open) else {
        return Ok(None);
    };
    let inner = &text[open + 1..close];
    let parts = split_top(inner, b',');
    let raw: Vec<&str> = parts.iter().map(|r| inner[r.clone()].trim()).collect();
    let mut args = Vec::new();
    let mut dims = false;
    for r in &parts {
        let t =
            translate(&inner[r.clone()], scope).map_err(|(o, m)| (open + 1 + r.start + o, m))?;
        dims |= t.dim_value;
        args.push(t.text.trim().to_string());
    }
    let want = |n: usize| -> Result<(), (usize, String)> {
        if args.len() == n {
            Ok(())
        } else {
            Err((
                open,
                format!(
                    "{} takes {n} argument(s), found {}",
                    k.to_uppercase(),
                    args.len()
                ),
            ))
        }
    };
    let a = |i: usize| args[i].as_str();
    let out = match k {
        "cosh" => {
            want(1)?;
            format!("((EXP({0}) + EXP(-({0}))) / 2)", a(0))
        }
        "sinh" => {
            want(1)?;
            format!("((EXP({0}) - EXP(-({0}))) / 2)", a(0))
        }
        "tanh" => {
            // 1 - 2 / (e^2x + 1): no overflow to inf / inf for large |x|.
            want(1)?;
            format!("(1 - 2 / (EXP(2 * ({0})) + 1))", a(0))
        }
        "quantum" => {
            // Vensim: the whole number of q's in x (truncated), times q; x when q <= 0.
            want(2)?;
            format!(
                "IF_THEN_ELSE(({1}) <= 0, ({0}), ({1}) * INTEGER(({0}) / ({1})))",
                a(0),
                a(1)
            )
        }
        "game" => {
            // Outside gaming the value passes through.
            want(1)?;
            format!("({})", a(0))
        }
        "elmcount" => {
            want(1)?;
            match scope.sizes.get(&key(raw[0])) {
                Some(n) => format!("{n}"),
                None => return Err((open + 1, format!("'{}' is not a subscript range", raw[0]))),
            }
        }
        "vmax" => {
            want(1)?;
            format!("MAX({})", a(0))
        }
        "vmin" => {
            want(1)?;
            format!("MIN({})", a(0))
        }
        "vector_select" => {
            want(5)?;
            // Where each argument starts, past its leading blanks.
            let starts: Vec<usize> = parts
                .iter()
                .map(|r| {
                    let a = &inner[r.clone()];
                    open + 1 + r.start + a.len() - a.trim_start().len()
                })
                .collect();
            vector_select(&args, &starts)?
        }
        "get_time_value" => {
            // GET TIME VALUE(relative to, offset, measure): with relative to = 0 and
            // measure = 0, the simulation time plus the offset, in the model's time units.
            // The other choices (the real-world clock, calendar measures) depend on the
            // computer's clock or on calendar conventions the IR does not have.
            want(3)?;
            if number(a(0)) != Some(0.0) || number(a(2)) != Some(0.0) {
                return Err((
                    open,
                    "GET TIME VALUE is supported with 0 as its first and third arguments \
                     (simulation time plus an offset) only"
                        .into(),
                ));
            }
            format!("(TIME + ({}))", a(1))
        }
        "delay_fixed" => {
            want(3)?;
            if number(a(1)).is_some() {
                return Ok(None);
            }
            format!("DELAY_FIXED({}, INITIAL({}), {})", a(0), a(1), a(2))
        }
        "smooth_n" => {
            // (input, delay, initial, order).
            want(4)?;
            let Some(order) = scope.constants.get(&key(raw[3])) else {
                return Ok(None);
            };
            format!("SMOOTH_N({}, {}, {}, {order})", a(0), a(1), a(2))
        }
        _ => {
            // delay_n: (input, delay, initial, order). The order is read once, at the
            // initial time; like Vensim (and PySD), a chain whose stages would be shorter
            // than the time step loses stages: the order drops by one while order * TIME
            // STEP exceeds the delay time at the initial time (the smallest element's, for
            // a subscripted delay time). Without a known delay time or time step the order
            // is kept as written.
            want(4)?;
            let Some(mut order) =
                number(raw[3]).or_else(|| scope.constants.get(&key(raw[3])).copied())
            else {
                return Ok(None);
            };
            if let (Some(dt), Some(delay)) = (scope.time_step, delay_at_start(raw[1], scope)) {
                order = reduced_order(order, dt, delay);
            }
            format!("DELAY_N({}, {}, {}, {order})", a(0), a(1), a(2))
        }
    };
    // ELMCOUNT's argument names a range; it is not a range's value.
    Ok(Some((out, close, dims && k != "elmcount")))
}

/// The largest whole number n <= `order` (at least 1) with n * `dt` <= `delay`, when
/// `order` * `dt` exceeds `delay`; `order` otherwise, and when any of them is not a finite
/// number (or `dt` not positive). No loop over the order itself: a written order may be huge.
fn reduced_order(order: f64, dt: f64, delay: f64) -> f64 {
    if !(order.is_finite() && delay.is_finite() && dt.is_finite() && dt > 0.0)
        || order * dt <= delay
    {
        return order;
    }
    let mut n = (delay / dt).floor().clamp(1.0, order.max(1.0));
    // The division may round either way: settle n against the product itself.
    while n > 1.0 && n * dt > delay {
        n -= 1.0;
    }
    while n + 1.0 <= order && (n + 1.0) * dt <= delay {
        n += 1.0;
    }
    n
}

/// The value at the initial time of a delay time written as a number, a scalar constant or
/// a subscripted variable of numbers (its smallest value).
fn delay_at_start(raw: &str, scope: &Scope<'_>) -> Option<f64> {
    if let Some(v) = number(raw) {
        return Some(v);
    }
    let n = name_len(raw);
    let (name, rest) = raw.split_at(n);
    if rest.trim().is_empty() {
        return scope.constants.get(&key(name)).copied();
    }
    if rest.trim_start().starts_with('[') && rest.trim_end().ends_with(']') {
        return scope.array_min.get(&key(name)).copied();
    }
    None
}

/// `VECTOR SELECT(selection, expression, missing, action, error action)` written with
/// reductions (Vensim's documented semantics, the reductions over the dimensions the
/// arguments mark with `!`): over the elements where the selection `s` is non-zero, with
/// `x` the expression, action 0 is the sum of `s*x`, 1 their product, 2 their minimum,
/// 3 their maximum, 4 their mean, 5 the product of `x^s`, and 6 to 10 the same as 0 to 4
/// with `x` alone; when every selection element is zero the value is `missing`. An action
/// given as a number must be one of 0 to 10; an action computed by an expression (the
/// suite has `Time + 6`) is matched against 0 to 9 in turn and any other value is taken as
/// 10. Only error action 0 (no error) is read: the others stop a Vensim run, which the
/// equation language cannot do. The minimum's neutral element is the largest finite
/// float (the equation language has no infinity), so a minimum whose selected values are
/// all `+inf` is that number instead.
fn vector_select(args: &[String], starts: &[usize]) -> Result<String, (usize, String)> {
    let at = |i: usize| starts[i];
    if number(&args[4]) != Some(0.0) {
        return Err((
            at(4),
            "VECTOR SELECT is supported with error action 0 (no error) only; \
             1 to 3 stop the run in Vensim"
                .into(),
        ));
    }
    let (s, x, missing, action) = (&args[0], &args[1], &args[2], &args[3]);
    let sel = format!("(({s}) <> 0)");
    // 1 wherever the selection is non-zero, over the dimensions of both arguments (the
    // second factor is 1 whatever x is; it makes the count run over x's dimensions too).
    let count = format!("SUM(IF_THEN_ELSE({sel}, 1, 0) * IF_THEN_ELSE(({x}) > 0, 1, 1))");
    let result = |k: u8| -> String {
        let v = if k < 5 {
            format!("({s}) * ({x})")
        } else if k == 5 {
            format!("({x}) ^ ({s})")
        } else {
            format!("({x})")
        };
        let sum = |v: &str| format!("SUM(IF_THEN_ELSE({sel}, {v}, 0))");
        let prod = |v: &str| format!("PROD(IF_THEN_ELSE({sel}, {v}, 1))");
        match k {
            0 | 6 => sum(&v),
            1 | 5 | 7 => prod(&v),
            2 | 8 => format!("MIN(IF_THEN_ELSE({sel}, {v}, {:?}))", f64::MAX),
            3 | 9 => format!("MAX(IF_THEN_ELSE({sel}, {v}, {:?}))", f64::MIN),
            _ => format!("({} / MAX({count}, 1))", sum(&v)),
        }
    };
    let value = match number(action) {
        Some(a) if (0.0..=10.0).contains(&a) && a.fract() == 0.0 => result(a as u8),
        Some(a) => {
            return Err((
                at(3),
                format!("VECTOR SELECT's numerical action must be 0 to 10, found {a}"),
            ))
        }
        None => {
            let mut chain = result(10);
            for k in (0..10).rev() {
                chain = format!("IF_THEN_ELSE(({action}) = {k}, {}, {chain})", result(k));
            }
            chain
        }
    };
    Ok(format!("IF_THEN_ELSE({count} = 0, ({missing}), {value})"))
}

/// The index of the `)` closing the `(` at `text[open]`.
pub(crate) fn matching_paren(text: &str, open: usize) -> Option<usize> {
    let mut depth = 0;
    let mut j = open;
    while j < text.len() {
        match text.as_bytes()[j] {
            b'"' => {
                j += quoted_len(&text[j..]);
                continue;
            }
            b'(' => depth += 1,
            b')' => {
                depth -= 1;
                if depth == 0 {
                    return Some(j);
                }
            }
            _ => {}
        }
        j += 1;
    }
    None
}

/// `IF THEN ELSE` -> `IF_THEN_ELSE`: the equation language reads either, and underscores keep
/// unknown multi-word functions one token (so the error names the whole function).
fn builtin_spelling(written: &str) -> String {
    let mut out = String::with_capacity(written.len());
    let mut gap = false;
    for ch in written.chars() {
        if ch.is_whitespace() || ch == '\\' || ch == '_' {
            gap = true;
            continue;
        }
        if gap && !out.is_empty() {
            out.push('_');
        }
        gap = false;
        out.push(ch);
    }
    out
}

/// The top-level comma-separated parts of `text` (ranges into it), ignoring commas inside
/// brackets, parentheses, quotes and comments.
pub fn split_top(text: &str, sep: u8) -> Vec<Range<usize>> {
    let b = text.as_bytes();
    let mut parts = Vec::new();
    let mut depth = 0i32;
    let mut start = 0;
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'(' | b'[' => depth += 1,
            b')' | b']' => depth -= 1,
            b'"' => {
                i += quoted_len(&text[i..]) - 1;
            }
            b'{' => {
                i += text[i..].find('}').unwrap_or(b.len() - i);
            }
            x if x == sep && depth == 0 => {
                parts.push(start..i);
                start = i + 1;
            }
            _ => {}
        }
        i += 1;
    }
    parts.push(start..b.len());
    parts
}

/// If `text` is one call `NAME(args)` of a function whose key is `fname`, the range of the
/// text between its parentheses.
pub fn call_args(text: &str, fname: &str) -> Option<Range<usize>> {
    let lead = space_len(text);
    let rest = &text[lead..];
    let c = rest.chars().next()?;
    if !is_name_start(c) {
        return None;
    }
    let n = name_len(rest);
    if key(&rest[..n]) != fname {
        return None;
    }
    let after = lead + n;
    let open = after + space_len(&text[after..]);
    if text.as_bytes().get(open) != Some(&b'(') {
        return None;
    }
    // The matching parenthesis must end the text.
    let mut depth = 0;
    for (j, ch) in text[open..].char_indices() {
        match ch {
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth == 0 {
                    let close = open + j;
                    return text[close + 1..]
                        .trim()
                        .is_empty()
                        .then_some(open + 1..close);
                }
            }
            _ => {}
        }
    }
    None
}

/// A plain number (with an optional sign), as Vensim writes constants.
pub fn number(text: &str) -> Option<f64> {
    let t: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    if t.is_empty() {
        return None;
    }
    let body = t.strip_prefix(['-', '+']).unwrap_or(&t);
    if !body.starts_with(|c: char| c.is_ascii_digit() || c == '.') {
        return None;
    }
    t.parse::<f64>().ok()
}

/// The points of a lookup table body: `[(x0,y0)-(x1,y1)], (x,y), (x,y)...` (the range is
/// optional) or Vensim's other layout, all x values then all y values.
pub fn table(text: &str) -> Result<(Vec<f64>, Vec<f64>), String> {
    let mut body = text.trim();
    if body.starts_with('[') {
        let close = body
            .find(']')
            .ok_or("a lookup range '[' is not closed with ']'")?;
        body = body[close + 1..].trim_start();
        body = body.strip_prefix(',').unwrap_or(body);
    }
    // `\` continues a line inside a table.
    let cleaned = body.replace('\\', " ");
    let body = cleaned.as_str();
    let paired = body.trim_start().starts_with('(');
    let mut nums = Vec::new();
    for part in body.split([',', '(', ')']) {
        let p = part.trim();
        if p.is_empty() {
            continue;
        }
        nums.push(number(p).ok_or_else(|| format!("'{p}' is not a number in a lookup table"))?);
    }
    if nums.len() < 2 || nums.len() % 2 != 0 {
        return Err(format!(
            "a lookup table needs pairs of numbers (found {})",
            nums.len()
        ));
    }
    let (x, y) = if paired {
        (
            nums.iter().step_by(2).copied().collect(),
            nums.iter().skip(1).step_by(2).copied().collect(),
        )
    } else {
        let h = nums.len() / 2;
        (nums[..h].to_vec(), nums[h..].to_vec())
    };
    Ok((x, y))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scope_with(names: &mut Names, vars: &[&str]) -> HashSet<String> {
        for v in vars {
            names.intern(v);
        }
        HashSet::new()
    }

    #[test]
    fn delay_n_order_reduction_is_bounded() {
        assert_eq!(reduced_order(3.0, 0.5, 1.25), 2.0);
        assert_eq!(reduced_order(3.0, 0.5, 1.5), 3.0);
        assert_eq!(reduced_order(3.0, 0.1, 0.3), 2.0); // 3 * 0.1 > 0.3 in floating point
        assert_eq!(reduced_order(6.0, 1.0, 0.2), 1.0);
        assert_eq!(reduced_order(1e300, 1.0, 4.0), 4.0);
        assert!(reduced_order(f64::INFINITY, 1.0, 4.0).is_infinite());
        assert_eq!(reduced_order(2.0, 0.0, 4.0), 2.0);
    }

    #[test]
    fn names_become_identifiers_in_place() {
        let mut names = Names::default();
        let lookups = scope_with(&mut names, &["Teacup Temperature", "Room Temperature"]);
        let (sizes, constants) = (HashMap::new(), HashMap::new());
        let s = Scope {
            names: &names,
            lookups: &lookups,
            sizes: &sizes,
            constants: &constants,
            dim_values: None,
            element_values: &constants,
            macros: &HashSet::new(),
            macro_calls: &HashMap::new(),
            mapped: &HashSet::new(),
            sub_values: None,
            time_step: None,
            array_min: &constants,
        };
        let t = translate(
            "(Teacup Temperature - room temperature) / 10 + IF THEN ELSE(Time > 1e+006, 1, 0)",
            &s,
        )
        .unwrap();
        assert_eq!(
            t.text,
            "(Teacup_Temperature - Room_Temperature) / 10 + IF_THEN_ELSE(TIME > 1e+006, 1, 0)"
        );
        assert!(t.exact);
        let t = translate("a :AND: {note} :NOT: b", &s).unwrap();
        assert_eq!(t.text, "a :AND:        :NOT: b");
    }

    #[test]
    fn calls_and_tables() {
        assert_eq!(call_args(" INTEG ( a, b ) ", "integ"), Some(8..14));
        assert_eq!(call_args("INTEG(a, b) + 1", "integ"), None);
        assert_eq!(
            split_top("a, f(b, c), [d, e]", b','),
            vec![0..1, 2..10, 11..18]
        );
        let (x, y) = table("[(0,0)-(2,3)],(0,1),(1,2.5),(2,-1e-1)").unwrap();
        assert_eq!(x, vec![0.0, 1.0, 2.0]);
        assert_eq!(y, vec![1.0, 2.5, -0.1]);
        let (x, y) = table("0, 1, 2, 5, 6, 7").unwrap();
        assert_eq!((x, y), (vec![0.0, 1.0, 2.0], vec![5.0, 6.0, 7.0]));
        assert!(table("(0,1),(1)").is_err());
    }
}
