//! Issue 4, deliverable 4: the model library documents itself. Every constant of
//! models/{fiscal,inflation,currency,coalition,sanctions}.toml has units, a plausible range
//! containing its default, a one-line doc and a source; every stock, flow and auxiliary has
//! units and a one-line doc.
//!
//! A constant's source is a citation (it names a year), an explicit `assumption` (or the
//! literature base's `[A]` tag), or says what kind of number it is when it is not an empirical
//! value: a `scenario lever` or `analysis lever` set by the user, a `block X` input (replaced by
//! the other block's output when coupled), a `normalisation`, a `definition`, a value
//! `calibrated` to the baseline, or one of the exogenous `drivers`.

mod behaviour_support;
use behaviour_support::*;
use pressure::model::VarKind;

const FILES: [&str; 5] = [
    "fiscal.toml",
    "inflation.toml",
    "currency.toml",
    "coalition.toml",
    "sanctions.toml",
];

const NON_EMPIRICAL: [&str; 8] = [
    "scenario lever",
    "analysis lever",
    "block ",
    "normalisation",
    "definition",
    "calibrated",
    "drivers",
    "assumption",
];

/// A year 1800-2099 as a whole word: the mark of a citation.
fn names_a_year(s: &str) -> bool {
    let b = s.as_bytes();
    (0..b.len().saturating_sub(3)).any(|i| {
        let four = &b[i..i + 4];
        four.iter().all(u8::is_ascii_digit)
            && matches!(&four[..2], b"18" | b"19" | b"20")
            && (i == 0 || !b[i - 1].is_ascii_digit())
            && (i + 4 == b.len() || !b[i + 4].is_ascii_digit())
    })
}

fn acceptable_source(s: &str) -> bool {
    let lower = s.to_lowercase();
    names_a_year(s) || s.contains("[A]") || NON_EMPIRICAL.iter().any(|k| lower.contains(k))
}

fn one_line(s: Option<&str>) -> bool {
    s.is_some_and(|d| !d.trim().is_empty() && !d.contains('\n'))
}

#[test]
fn source_rule_accepts_citations_and_assumptions_only() {
    assert!(acceptable_source("Cagan 1956 [M]"));
    assert!(acceptable_source("assumption"));
    assert!(acceptable_source("literature.md 5.4 [A]"));
    assert!(acceptable_source("block C"));
    assert!(!acceptable_source("literature.md 5.3"));
    assert!(!acceptable_source("see the paper"));
    assert!(!acceptable_source("value 20000 from somewhere"));
}

#[test]
fn every_parameter_and_equation_of_the_library_is_documented() {
    let mut problems = Vec::new();
    let mut counted = (0, 0);
    for file in FILES {
        let ir = load_ir(file);
        // Module members are checked in their own file.
        for v in ir
            .variables
            .iter()
            .filter(|v| v.hidden.is_none() && v.module.is_none())
        {
            let at = format!("{file}: {} ({})", v.name, v.kind.name());
            let mut need = |ok: bool, what: &str| {
                if !ok {
                    problems.push(format!("{at}: {what}"));
                }
            };
            match &v.kind {
                VarKind::Constant(c) => {
                    counted.0 += 1;
                    need(v.units.is_some(), "no units");
                    need(one_line(v.doc.as_deref()), "no one-line doc");
                    need(
                        v.source.as_deref().is_some_and(acceptable_source),
                        &format!(
                            "source {:?} is neither a citation (with a year) nor 'assumption'",
                            v.source.as_deref().unwrap_or("")
                        ),
                    );
                    match c.range {
                        None => need(false, "no range"),
                        Some((lo, hi)) => need(
                            lo <= hi && c.values.iter().all(|x| (lo..=hi).contains(x)),
                            &format!("default {:?} outside its range [{lo}, {hi}]", c.values),
                        ),
                    }
                }
                VarKind::Stock(_) | VarKind::Flow(_) | VarKind::Aux(_) => {
                    counted.1 += 1;
                    need(v.units.is_some(), "no units");
                    need(one_line(v.doc.as_deref()), "no one-line doc");
                }
                VarKind::Lookup(_) | VarKind::Exogenous(_) => {
                    need(one_line(v.doc.as_deref()), "no one-line doc");
                    need(
                        v.source.as_deref().is_some_and(acceptable_source),
                        "no source",
                    );
                }
                _ => {}
            }
        }
    }
    println!(
        "{} constants and {} equations checked",
        counted.0, counted.1
    );
    assert!(
        counted.0 > 250 && counted.1 > 200,
        "too few variables found: {counted:?}"
    );
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
