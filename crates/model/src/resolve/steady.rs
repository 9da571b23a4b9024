//! Checks the variable names of `[settings.steady]` against the loaded model, so a typo in a
//! growth group, a free parameter, a held value or an excluded stock is reported at its file,
//! line and column (the engine resolves the same names again when it sets up a solve).

use crate::diagnostic::{Diagnostic, ModelError};
use crate::file::RawSteady;
use crate::ir::{Model, VarKind};
use crate::suggest::nearest;
use crate::toml_read::Sp;
use std::collections::HashMap;

/// What a steady-state setting may name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SteadyNameKind {
    /// A stock (growth groups, `exclude`).
    Stock,
    /// A constant (`free`).
    Constant,
    /// A stock, flow or auxiliary (`hold`).
    Value,
}

impl SteadyNameKind {
    fn accepts(self, kind: &VarKind) -> bool {
        match self {
            SteadyNameKind::Stock => matches!(kind, VarKind::Stock(_)),
            SteadyNameKind::Constant => matches!(kind, VarKind::Constant(_)),
            SteadyNameKind::Value => {
                matches!(kind, VarKind::Stock(_) | VarKind::Flow(_) | VarKind::Aux(_))
            }
        }
    }

    fn what(self) -> &'static str {
        match self {
            SteadyNameKind::Stock => "a stock",
            SteadyNameKind::Constant => "a constant",
            SteadyNameKind::Value => "a stock, flow or auxiliary",
        }
    }
}

/// Why `name` (a full dotted name, `x` or `x[e]`) cannot be used where `kind` is expected in
/// `model`: a message and a hint; `None` when it can.
pub(crate) fn steady_name_problem(
    model: &Model,
    name: &str,
    kind: SteadyNameKind,
) -> Option<(String, String)> {
    let (base, element) = match name.split_once('[') {
        Some((b, rest)) => (b.trim(), Some(rest.trim_end_matches(']'))),
        None => (name.trim(), None),
    };
    let candidates = || {
        model
            .visible_variables()
            .filter(|(_, v)| kind.accepts(&v.kind))
            .map(|(_, v)| v.name.as_str())
            .collect::<Vec<_>>()
    };
    let Some(id) = model
        .var_id(base)
        .filter(|id| model.var(*id).hidden.is_none())
    else {
        let hint = match nearest(base, candidates()) {
            Some(n) => format!("did you mean '{n}'? (full dotted names, e.g. money.ln_price)"),
            None => "use the variable's full dotted name, e.g. money.ln_price".into(),
        };
        return Some((format!("unknown variable '{base}'"), hint));
    };
    let var = model.var(id);
    if !kind.accepts(&var.kind) {
        let hint = match nearest(base, candidates()) {
            Some(n) => format!("'{base}' is {}; did you mean '{n}'?", var.kind.name()),
            None => format!("'{base}' is {}", var.kind.name()),
        };
        return Some((format!("'{base}' is not {}", kind.what()), hint));
    }
    if let Some(e) = element {
        let want = format!(
            "{base}[{}]",
            e.split(',').map(|p| p.trim()).collect::<Vec<_>>().join(",")
        );
        let names = model.element_names(id);
        if !names.contains(&want) {
            let hint = if var.dims.is_empty() {
                format!("'{base}' is a scalar; write it without a subscript")
            } else {
                format!("its elements: {}", names.join(", "))
            };
            return Some((format!("'{want}' is not an element of '{base}'"), hint));
        }
    }
    None
}

/// Checks every name of the root file's `[settings.steady]`: it exists, has the right kind, and
/// no stock is named twice across growth groups, `exclude` and `hold`.
pub(crate) fn check_steady_names(model: &Model, raw: &RawSteady) -> Result<(), ModelError> {
    let mut errors = Vec::new();
    let mut push = |n: &Sp<String>, msg: String, hint: String| {
        errors.push(Diagnostic::error(msg).at(&model.sources, n.span).help(hint));
    };
    let mut named: Vec<(&Sp<String>, SteadyNameKind, &'static str)> = Vec::new();
    for g in raw.growth.iter().flatten() {
        named.extend(
            g.stocks
                .iter()
                .map(|n| (n, SteadyNameKind::Stock, "a growth group")),
        );
    }
    named.extend(
        raw.exclude
            .iter()
            .flatten()
            .map(|n| (n, SteadyNameKind::Stock, "exclude")),
    );
    named.extend(
        raw.hold
            .iter()
            .flatten()
            .map(|(n, _)| (n, SteadyNameKind::Value, "hold")),
    );
    named.extend(
        raw.free
            .iter()
            .flatten()
            .map(|n| (n, SteadyNameKind::Constant, "free")),
    );
    let mut seen: HashMap<String, &'static str> = HashMap::new();
    for (n, kind, place) in named {
        if let Some((msg, hint)) = steady_name_problem(model, &n.value, kind) {
            push(n, format!("[settings.steady] {place}: {msg}"), hint);
            continue;
        }
        if let Some(first) = seen.insert(n.value.trim().to_string(), place) {
            push(
                n,
                format!(
                    "[settings.steady] names '{}' twice (in {first} and in {place})",
                    n.value
                ),
                "a stock is in at most one growth group and is either solved, held or excluded"
                    .into(),
            );
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ModelError::new(errors))
    }
}
