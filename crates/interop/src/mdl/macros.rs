//! Vensim macros (`:MACRO: NAME(a, b) ... :END OF MACRO:`), expanded into ordinary variables.
//!
//! Vensim's documented semantics: a macro is a template of equations; each use `NAME(x, y)`
//! is an instance of its own, with its own copies of the macro's variables (so a stock in a
//! macro keeps a separate state per use), the parameters standing for the arguments, and the
//! variable named like the macro giving the call its value. The expansion here does exactly
//! that, as text the rest of the reader then reads like any other entry:
//!
//! - the macro blocks are blanked (every character but line breaks becomes a space, so every
//!   other byte keeps its offset and errors keep their line and column);
//! - each distinct call (macro and argument text) becomes one instance: the macro's entries
//!   are written again, before the sketch, with each parameter replaced by `(argument)` and
//!   each of the macro's variables renamed `NAME 1` (the output) or `var in NAME 1` (the
//!   others), units and comments kept. Two calls with the same argument text share an
//!   instance: they compute the same values, state included, since both start from the same
//!   initial values and see the same inputs;
//! - a call inside a macro is expanded the same way (bounded depth: a macro calling itself is
//!   an error).
//!
//! The equation translator replaces each call by its instance's output ([`Expansion::calls`]).
//! Not supported (an error says so): macro outputs after `:` in the header, and subscripted
//! variables inside a macro.

use super::entries;
use super::expr::{matching_paren, name_len, number_len, space_len, split_top};
use super::names::key;
use std::collections::{HashMap, HashSet};
use std::ops::Range;

/// The text with macros expanded, and what the translator needs to replace calls.
#[derive(Debug, Default)]
pub struct Expansion {
    /// The file's text with macro blocks blanked and the instances' entries added before the
    /// sketch (the original when the file has no macro).
    pub text: String,
    /// Keys of the macros' names.
    pub macros: HashSet<String>,
    /// [`call_key`] of each call -> the name of its instance's output, as written in `text`.
    pub calls: HashMap<String, String>,
}

/// One macro definition.
struct Macro {
    name: String,
    /// Where its `:MACRO:` header is in the file.
    at: Range<usize>,
    params: Vec<String>,
    /// The body's entries: (equation, units, comment) texts.
    body: Vec<(String, String, String)>,
}

/// How deep macro calls may nest inside macros.
const MAX_DEPTH: usize = 32;

/// The key of a call: the macro's key and its arguments as Vensim compares names (case and
/// `_` versus space aside), whitespace kept only between two words.
pub fn call_key(macro_key: &str, args: &str) -> String {
    let mut out = format!("{macro_key}(");
    let mut gap = false;
    let word = |c: char| c.is_alphanumeric() || c == '.' || c == '"';
    for c in args.chars() {
        if c.is_whitespace() || c == '_' || c == '\\' {
            gap = true;
            continue;
        }
        if gap && out.ends_with(word) && word(c) {
            out.push(' ');
        }
        gap = false;
        out.extend(c.to_lowercase());
    }
    out.push(')');
    out
}

/// Expands the macros of `text`. An error is (byte range in `text`, message).
pub fn expand(text: &str) -> Result<Expansion, (Range<usize>, String)> {
    let (entries, _) = entries::split(text);
    let mut macros: Vec<Macro> = Vec::new();
    let mut blank: Vec<Range<usize>> = Vec::new();
    // The macro being read: (definition, where its block starts).
    let mut open: Option<(Macro, usize)> = None;
    for e in &entries {
        let mut at = e.equation.start;
        let end = e.equation.end;
        loop {
            at += space_len(&text[at..end]);
            // `{comments}` (`{UTF-8}` opens a file).
            if text[at..end].starts_with('{') {
                match text[at..end].find('}') {
                    Some(j) => {
                        at += j + 1;
                        continue;
                    }
                    None => break,
                }
            }
            // (By characters: a byte count may end inside one.)
            let upper: String = text[at..end]
                .chars()
                .take(14)
                .collect::<String>()
                .to_ascii_uppercase();
            if upper.starts_with(":END OF MACRO:") {
                let Some((m, start)) = open.take() else {
                    return Err((at..at + 14, ":END OF MACRO: without :MACRO:".into()));
                };
                macros.push(m);
                blank.push(start..at + 14);
                at += 14;
                continue;
            }
            if upper.starts_with(":MACRO:") {
                if open.is_some() {
                    return Err((at..at + 7, "a macro inside a macro".into()));
                }
                let (m, after) = header(text, at, end)?;
                open = Some((m, at));
                at = after;
                continue;
            }
            break;
        }
        if let Some((m, _)) = open.as_mut() {
            if !text[at..end].trim().is_empty() {
                let part = |r: &Option<Range<usize>>| {
                    r.as_ref()
                        .map(|r| text[r.clone()].to_string())
                        .unwrap_or_default()
                };
                m.body
                    .push((text[at..end].to_string(), part(&e.units), part(&e.comment)));
            }
        }
    }
    if let Some((m, start)) = open {
        return Err((
            start..start + 7,
            format!("the macro '{}' has no :END OF MACRO:", m.name.trim()),
        ));
    }
    if macros.is_empty() {
        return Ok(Expansion {
            text: text.to_string(),
            ..Default::default()
        });
    }
    // Blank the blocks, keeping line breaks (and each character's byte length).
    let mut blanked = String::with_capacity(text.len());
    for (i, c) in text.char_indices() {
        if blank.iter().any(|r| r.contains(&i)) && c != '\n' && c != '\r' {
            blanked.extend(std::iter::repeat_n(' ', c.len_utf8()));
        } else {
            blanked.push(c);
        }
    }
    let by_key: HashMap<String, usize> = macros
        .iter()
        .enumerate()
        .map(|(i, m)| (key(&m.name), i))
        .collect();
    // Names already used by the model: instance names must not collide with them.
    let mut taken: HashSet<String> = entries
        .iter()
        .map(|e| {
            let t = &text[e.equation.clone()];
            let t = t.trim_start();
            key(&t[..name_len(t)])
        })
        .collect();
    let mut calls: HashMap<String, String> = HashMap::new();
    let mut count: HashMap<usize, usize> = HashMap::new();
    let mut added = String::new();
    // Round 0 scans the model; each later round scans the instances the previous one added.
    let mut scan_from: Option<String> = None;
    for round in 0..MAX_DEPTH {
        let source = scan_from.take().unwrap_or_else(|| blanked.clone());
        let mut new_text = String::new();
        let (es, _) = entries::split(&source);
        for e in es {
            let eq = &source[e.equation.clone()];
            for (mi, args, call_at) in calls_in(eq, &by_key) {
                let ck = call_key(&key(&macros[mi].name), &args);
                if calls.contains_key(&ck) {
                    continue;
                }
                let m = &macros[mi];
                let n = count.entry(mi).or_insert(0);
                let instance = loop {
                    *n += 1;
                    let candidate = format!("{} {}", m.name.trim(), n);
                    if taken.insert(key(&candidate)) {
                        break candidate;
                    }
                };
                let arg_texts: Vec<String> = split_top(&args, b',')
                    .into_iter()
                    .map(|r| args[r].trim().to_string())
                    .collect();
                if arg_texts.len() != m.params.len() {
                    // A call in the model, or in an instance (then the macro is named).
                    let at = if round == 0 {
                        e.equation.start + call_at.start..e.equation.start + call_at.end
                    } else {
                        m.at.clone()
                    };
                    return Err((
                        at,
                        format!(
                            "the macro '{}' takes {} argument(s), found {}",
                            m.name.trim(),
                            m.params.len(),
                            arg_texts.len()
                        ),
                    ));
                }
                new_text.push_str(&instance_text(m, &instance, &arg_texts, &mut taken)?);
                calls.insert(ck, instance);
            }
        }
        if new_text.is_empty() {
            let sketch = entries::sketch_start(&blanked);
            let mut full = String::with_capacity(blanked.len() + added.len() + 2);
            full.push_str(&blanked[..sketch]);
            if !added.is_empty() {
                full.push('\n');
                full.push_str(&added);
            }
            full.push_str(&blanked[sketch..]);
            return Ok(Expansion {
                text: full,
                macros: by_key.into_keys().collect(),
                calls,
            });
        }
        added.push_str(&new_text);
        scan_from = Some(new_text);
    }
    Err((
        blank[0].start..blank[0].start + 7,
        format!("macro calls nest deeper than {MAX_DEPTH} levels (does a macro call itself?)"),
    ))
}

/// Reads `:MACRO: NAME(a, b)` at `at`; the definition and the index after the `)`.
fn header(text: &str, at: usize, end: usize) -> Result<(Macro, usize), (Range<usize>, String)> {
    let mut i = at + 7;
    i += space_len(&text[i..end]);
    let n = name_len(&text[i..end]);
    if n == 0 {
        return Err((i..i + 1, "expected the macro's name after :MACRO:".into()));
    }
    let name = text[i..i + n].to_string();
    i += n;
    i += space_len(&text[i..end]);
    if text.as_bytes().get(i) != Some(&b'(') {
        return Err((i..i + 1, "expected '(' and the macro's parameters".into()));
    }
    let Some(close) = matching_paren(&text[..end], i) else {
        return Err((i..i + 1, "the macro's parameter list is not closed".into()));
    };
    let inner = &text[i + 1..close];
    if let Some(colon) = inner.find(':') {
        let c = i + 1 + colon;
        return Err((
            c..c + 1,
            "macro outputs after ':' are not supported yet".into(),
        ));
    }
    let params = split_top(inner, b',')
        .into_iter()
        .map(|r| key(&inner[r]))
        .filter(|p| !p.is_empty())
        .collect();
    Ok((
        Macro {
            name,
            at: at..close + 1,
            params,
            body: Vec::new(),
        },
        close + 1,
    ))
}

/// The macro calls in an equation: (macro index, argument text, range of the call in `eq`),
/// outer calls first.
fn calls_in(eq: &str, by_key: &HashMap<String, usize>) -> Vec<(usize, String, Range<usize>)> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < eq.len() {
        let rest = &eq[i..];
        let c = rest.chars().next().expect("non-empty");
        if c == '{' {
            i += rest.find('}').map(|j| j + 1).unwrap_or(rest.len());
            continue;
        }
        if c.is_ascii_digit() {
            i += number_len(rest).max(1);
            continue;
        }
        if c == '"' || super::expr::is_name_start(c) {
            let n = name_len(rest).max(c.len_utf8());
            if let Some(&mi) = by_key.get(&key(&rest[..n])) {
                let open = i + n + space_len(&rest[n..]);
                if eq.as_bytes().get(open) == Some(&b'(') {
                    if let Some(close) = matching_paren(eq, open) {
                        out.push((mi, eq[open + 1..close].to_string(), i..close + 1));
                    }
                }
            }
            i += n;
            continue;
        }
        i += c.len_utf8();
    }
    out
}

/// The entries of one instance of `m`.
fn instance_text(
    m: &Macro,
    instance: &str,
    args: &[String],
    taken: &mut HashSet<String>,
) -> Result<String, (Range<usize>, String)> {
    // The macro's own variables -> their names in this instance.
    let mut rename: HashMap<String, String> = HashMap::new();
    for (eq, _, _) in &m.body {
        let t = eq.trim_start();
        let v = key(&t[..name_len(t)]);
        let renamed = if v == key(&m.name) {
            instance.to_string()
        } else {
            let mut n = 0;
            loop {
                let candidate = if n == 0 {
                    format!("{} in {instance}", t[..name_len(t)].trim())
                } else {
                    format!("{} in {instance} {n}", t[..name_len(t)].trim())
                };
                if taken.insert(key(&candidate)) {
                    break candidate;
                }
                n += 1;
            }
        };
        rename.insert(v, renamed);
    }
    let params: HashMap<&str, &str> = m
        .params
        .iter()
        .map(String::as_str)
        .zip(args.iter().map(String::as_str))
        .collect();
    let mut out = String::new();
    for (eq, units, comment) in &m.body {
        if eq.contains('[') {
            return Err((
                m.at.clone(),
                format!(
                    "subscripted variables inside the macro '{}' are not supported yet",
                    m.name.trim()
                ),
            ));
        }
        out.push_str(&substitute(eq, &key(&m.name), &params, &rename));
        out.push_str("\n\t~\t");
        out.push_str(units.trim());
        out.push_str("\n\t~\t");
        out.push_str(comment.trim());
        out.push_str("\n\t|\n\n");
    }
    Ok(out)
}

/// `eq` with each parameter replaced by `(argument)` and each of the macro's variables by
/// its instance name.
fn substitute(
    eq: &str,
    macro_key: &str,
    params: &HashMap<&str, &str>,
    rename: &HashMap<String, String>,
) -> String {
    let mut out = String::with_capacity(eq.len());
    let mut i = 0;
    while i < eq.len() {
        let rest = &eq[i..];
        let c = rest.chars().next().expect("non-empty");
        if c == '{' {
            let n = rest.find('}').map(|j| j + 1).unwrap_or(rest.len());
            out.push_str(&rest[..n]);
            i += n;
            continue;
        }
        if c.is_ascii_digit() || c == '.' {
            let n = number_len(rest).max(1);
            out.push_str(&rest[..n]);
            i += n;
            continue;
        }
        if c == ':' {
            // `:AND:`, `:OR:`, `:NOT:`, `:NA:` are kept whole.
            let n = rest[1..].find(':').map(|j| j + 2).unwrap_or(1);
            let word = &rest[..n];
            // (A lone ':' has no inside.)
            let inside = if n >= 2 { &word[1..n - 1] } else { "" };
            if inside.chars().all(|ch| ch.is_ascii_alphabetic()) {
                out.push_str(word);
                i += n;
                continue;
            }
        }
        if c == '"' || super::expr::is_name_start(c) {
            let n = name_len(rest).max(c.len_utf8());
            let k = key(&rest[..n]);
            let after = &rest[n..];
            let call = after[space_len(after)..].starts_with('(');
            if k == macro_key && call {
                // The macro called from its own body: a call, not its output.
                out.push_str(&rest[..n]);
            } else if let Some(a) = params.get(k.as_str()) {
                out.push('(');
                out.push_str(a);
                out.push(')');
            } else if let Some(r) = rename.get(&k) {
                out.push_str(r);
            } else {
                out.push_str(&rest[..n]);
            }
            i += n;
            continue;
        }
        out.push(c);
        i += c.len_utf8();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_distinct_call_is_an_instance_with_parameters_replaced() {
        let text = "{UTF-8}\n:MACRO: DOUBLE IT(x, k)\nDOUBLE IT = x * inner\n~ u ~ out |\n\
                    inner = k * 2\n~~|\n:END OF MACRO:\n\
                    a = DOUBLE IT(b + 1, 3) + DOUBLE IT(b+1 , 3) ~~|\n\
                    c = DOUBLE IT(a, 4) ~~|\n\\\\\\---/// Sketch\n";
        let e = expand(text).unwrap();
        // The block is blanked with its line breaks kept: later entries keep their offsets.
        assert_eq!(
            e.text.find("a = DOUBLE IT"),
            text.find("a = DOUBLE IT"),
            "offsets before the sketch are kept"
        );
        assert!(!e.text[..text.find("a = ").unwrap()].contains("MACRO"));
        // Two calls with the same arguments (spacing aside) share the first instance.
        assert_eq!(e.calls.len(), 2);
        assert_eq!(e.calls[&call_key("double_it", "b + 1, 3")], "DOUBLE IT 1");
        assert_eq!(e.calls[&call_key("double_it", "a,4")], "DOUBLE IT 2");
        assert!(e
            .text
            .contains("DOUBLE IT 1 = (b + 1) * inner in DOUBLE IT 1"));
        assert!(e.text.contains("inner in DOUBLE IT 2 = (4) * 2"));
        assert!(e.text.contains("~\tu\n\t~\tout"));
        assert!(e.text.ends_with("\\\\\\---/// Sketch\n"));
    }

    #[test]
    fn calls_inside_macros_expand_and_recursion_is_refused() {
        let text = ":MACRO: INNER(x)\nINNER = x + 1 ~~|\n:END OF MACRO:\n\
                    :MACRO: OUTER(y)\nOUTER = INNER(y) * 2 ~~|\n:END OF MACRO:\n\
                    z = OUTER(5) ~~|\n";
        let e = expand(text).unwrap();
        assert!(e.text.contains("OUTER 1 = INNER((5)) * 2"));
        assert!(e.text.contains("INNER 1 = ((5)) + 1"));
        assert_eq!(e.calls[&call_key("inner", "(5)")], "INNER 1");

        let selfish = ":MACRO: LOOP(x)\nLOOP = LOOP(x + 1) ~~|\n:END OF MACRO:\nz = LOOP(1) ~~|\n";
        let (at, msg) = expand(selfish).unwrap_err();
        assert!(msg.contains("nest deeper"), "{msg}");
        assert_eq!(&selfish[at], ":MACRO:");
        let open = ":MACRO: M(x)\nM = x ~~|\nz = M(1) ~~|\n";
        assert!(expand(open).unwrap_err().1.contains("no :END OF MACRO:"));
    }
}
