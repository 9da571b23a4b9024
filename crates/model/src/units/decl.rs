//! Reading what the units checker needs from the model files themselves: the `[units]`
//! tables, the `x_units`/`y_units` of lookups and the span of `[settings] time_units`.
//!
//! The loader accepts these keys but does not keep them in the IR (the IR stays what the
//! engine needs); the checker reads them again here from the files in [`Model::sources`],
//! which hold every model and module file the model was loaded from.

use super::parse::{parse_unit_expr, UnitAst};
use super::registry::{UnitError, UnitRegistry};
use super::unit::Unit;
use super::{Finding, FindingKind};
use crate::diagnostic::Diagnostic;
use crate::ir::Model;
use crate::source::{FileId, SourceMap, Span};
use crate::toml_read::{parse_document, Value};
use std::collections::HashMap;
use toml::de::DeValue;

/// A string value from a model file: its text and the span of the text between the quotes.
#[derive(Debug, Clone)]
pub(crate) struct UnitText {
    pub text: String,
    pub span: Span,
    /// True when every byte of `text` is at `span.start + offset` (no escapes), so a column
    /// inside the text maps exactly to the file.
    pub exact: bool,
}

impl UnitText {
    /// The file span of bytes `start..end` of the text.
    pub fn sub(&self, start: usize, end: usize) -> Span {
        if self.exact {
            self.span.sub(start, end)
        } else {
            self.span
        }
    }

    /// From the span of a TOML string value (quotes included) and its decoded text.
    pub fn from_value_span(sources: &SourceMap, span: Span, text: &str) -> UnitText {
        let raw = sources.text(span);
        let open = if raw.starts_with("\"\"\"") || raw.starts_with("'''") {
            3
        } else if raw.starts_with('"') || raw.starts_with('\'') {
            1
        } else {
            0
        };
        let inner = Span::new(
            span.file,
            span.start as usize + open,
            span.end as usize - open.min(span.len()),
        );
        let exact = sources.text(inner) == text;
        UnitText {
            text: text.to_string(),
            span: if exact { inner } else { span },
            exact,
        }
    }
}

/// One `[units]` entry.
#[derive(Debug, Clone)]
struct Decl {
    name: String,
    name_span: Span,
    doc: Option<String>,
    equals: Option<UnitText>,
    aliases: Vec<(String, Span)>,
}

/// What the checker reads from the files.
#[derive(Debug, Default)]
pub(crate) struct FileUnits {
    /// Lookup (`file`, local name) -> (x_units, y_units).
    pub lookups: HashMap<(FileId, String), (Option<UnitText>, Option<UnitText>)>,
    /// `[settings] time_units` of each file.
    pub time_units: HashMap<FileId, UnitText>,
}

fn string_of(sources: &SourceMap, file: FileId, v: &Value) -> Option<UnitText> {
    match v.get_ref() {
        DeValue::String(s) => {
            let r = v.span();
            Some(UnitText::from_value_span(
                sources,
                Span::new(file, r.start, r.end),
                s,
            ))
        }
        _ => None,
    }
}

fn type_error(sources: &SourceMap, file: FileId, v: &Value, what: &str) -> Finding {
    let r = v.span();
    Finding {
        kind: FindingKind::Declaration,
        diagnostic: Diagnostic::error(format!(
            "{what} must be a string, found {}",
            v.get_ref().type_str()
        ))
        .at(sources, Span::new(file, r.start, r.end)),
    }
}

/// Reads every file of the model; builds the registry (built-ins plus `[units]`).
pub(crate) fn read(model: &Model, findings: &mut Vec<Finding>) -> (UnitRegistry, FileUnits) {
    let sources = &model.sources;
    let mut decls: Vec<Decl> = Vec::new();
    let mut out = FileUnits::default();
    for (i, f) in sources.files().iter().enumerate() {
        let file = FileId(i as u32);
        let text = f.text.clone();
        // The loader already reported syntax errors; a file that does not parse has nothing
        // for us.
        let Ok(doc) = parse_document(sources, file, &text) else {
            continue;
        };
        if let Some(t) = doc.get("settings").and_then(|s| s.get_ref().as_table()) {
            if let Some(u) = t
                .get("time_units")
                .and_then(|v| string_of(sources, file, v))
            {
                out.time_units.insert(file, u);
            }
        }
        if let Some(t) = doc.get("lookups").and_then(|s| s.get_ref().as_table()) {
            for (name, body) in t.iter() {
                let Some(b) = body.get_ref().as_table() else {
                    continue;
                };
                let mut get = |key: &str| -> Option<UnitText> {
                    let v = b.get(key)?;
                    let s = string_of(sources, file, v);
                    if s.is_none() {
                        findings.push(type_error(sources, file, v, key));
                    }
                    s
                };
                let (x, y) = (get("x_units"), get("y_units"));
                if x.is_some() || y.is_some() {
                    out.lookups
                        .insert((file, name.get_ref().to_string()), (x, y));
                }
            }
        }
        let Some(units) = doc.get("units") else {
            continue;
        };
        let Some(t) = units.get_ref().as_table() else {
            let r = units.span();
            findings.push(Finding {
                kind: FindingKind::Declaration,
                diagnostic: Diagnostic::error("[units] must be a table: name = \"what it means\"")
                    .at(sources, Span::new(file, r.start, r.end)),
            });
            continue;
        };
        let mut entries: Vec<_> = t.iter().collect();
        entries.sort_by_key(|(k, _)| k.span().start);
        for (k, v) in entries {
            let name = k.get_ref().to_string();
            let name_span = Span::new(file, k.span().start, k.span().end);
            if !crate::resolve::is_identifier(&name) {
                findings.push(Finding {
                    kind: FindingKind::Declaration,
                    diagnostic: Diagnostic::error(format!("'{name}' is not a valid unit name"))
                        .at(sources, name_span)
                        .help("unit names are [A-Za-z_][A-Za-z0-9_]*"),
                });
                continue;
            }
            let mut d = Decl {
                name,
                name_span,
                doc: None,
                equals: None,
                aliases: Vec::new(),
            };
            match v.get_ref() {
                DeValue::String(s) => d.doc = Some(s.to_string()),
                DeValue::Table(b) => {
                    let mut sorted: Vec<_> = b.iter().collect();
                    sorted.sort_by_key(|(k, _)| k.span().start);
                    for (key, val) in sorted {
                        match key.get_ref().as_ref() {
                            "doc" => match string_of(sources, file, val) {
                                Some(s) => d.doc = Some(s.text),
                                None => findings.push(type_error(sources, file, val, "doc")),
                            },
                            "equals" => match string_of(sources, file, val) {
                                Some(s) => d.equals = Some(s),
                                None => findings.push(type_error(sources, file, val, "equals")),
                            },
                            "aliases" => match val.get_ref() {
                                DeValue::Array(a) => {
                                    for x in a.iter() {
                                        match string_of(sources, file, x) {
                                            Some(s) => d.aliases.push((s.text, s.span)),
                                            None => findings.push(type_error(
                                                sources,
                                                file,
                                                x,
                                                "each alias",
                                            )),
                                        }
                                    }
                                }
                                _ => findings.push(type_error(
                                    sources,
                                    file,
                                    val,
                                    "aliases (a list of strings)",
                                )),
                            },
                            other => {
                                let allowed = ["doc", "equals", "aliases"];
                                let help = match crate::suggest::nearest(other, allowed) {
                                    Some(n) => format!(
                                        "did you mean '{n}'? allowed keys: doc, equals, aliases"
                                    ),
                                    None => "allowed keys: doc, equals, aliases".to_string(),
                                };
                                findings.push(Finding {
                                    kind: FindingKind::Declaration,
                                    diagnostic: Diagnostic::error(format!(
                                        "unknown key '{other}' in [units.{}]",
                                        d.name
                                    ))
                                    .at(sources, Span::new(file, key.span().start, key.span().end))
                                    .help(help),
                                });
                            }
                        }
                    }
                }
                other => {
                    let r = v.span();
                    findings.push(Finding {
                        kind: FindingKind::Declaration,
                        diagnostic: Diagnostic::error(format!(
                            "unit '{}' must be a description string or a table {{ doc = \"...\", equals = \"...\", aliases = [...] }}, found {}",
                            d.name,
                            other.type_str()
                        ))
                        .at(sources, Span::new(file, r.start, r.end)),
                    });
                    continue;
                }
            }
            decls.push(d);
        }
    }
    (build(model, decls, findings), out)
}

/// Builds the registry: base units first, then derived units (in dependency order, so
/// `equals` may name units declared later), then aliases.
fn build(model: &Model, decls: Vec<Decl>, findings: &mut Vec<Finding>) -> UnitRegistry {
    let sources = &model.sources;
    let mut reg = UnitRegistry::builtin();
    let fail = |findings: &mut Vec<Finding>, span: Span, msg: String, help: Option<String>| {
        let mut d = Diagnostic::error(msg).at(sources, span);
        if let Some(h) = help {
            d = d.help(h);
        }
        findings.push(Finding {
            kind: FindingKind::Declaration,
            diagnostic: d,
        });
    };
    for d in decls.iter().filter(|d| d.equals.is_none()) {
        if let Err(msg) = reg.declare_base(&d.name, d.doc.clone(), Some(d.name_span)) {
            fail(findings, d.name_span, msg, None);
        }
    }
    // Derived units, parsed once.
    let mut parsed: HashMap<String, (usize, Result<UnitAst, ()>)> = HashMap::new();
    for (i, d) in decls.iter().enumerate() {
        let Some(eq) = &d.equals else {
            continue;
        };
        match parse_unit_expr(&eq.text) {
            Ok(a) => {
                parsed.entry(d.name.clone()).or_insert((i, Ok(a)));
            }
            Err(e) => {
                fail(
                    findings,
                    eq.sub(e.start, e.end),
                    format!("malformed unit expression: {}", e.message),
                    None,
                );
                parsed.entry(d.name.clone()).or_insert((i, Err(())));
            }
        }
    }
    let mut done: HashMap<String, Option<Unit>> = HashMap::new();
    let names: Vec<String> = decls
        .iter()
        .filter(|d| d.equals.is_some())
        .map(|d| d.name.clone())
        .collect();
    for n in &names {
        let mut stack = Vec::new();
        derive(
            &reg, n, &parsed, &decls, &mut done, &mut stack, findings, sources,
        );
    }
    for d in decls.iter().filter(|d| d.equals.is_some()) {
        if let Some(Some(u)) = done.get(&d.name) {
            if let Err(msg) = reg.declare_derived(&d.name, u, d.doc.clone(), Some(d.name_span)) {
                fail(findings, d.name_span, msg, None);
            }
        }
    }
    for d in &decls {
        for (alias, span) in &d.aliases {
            if let Err(msg) = reg.add_alias(alias, &d.name) {
                if reg.get(&d.name).is_some() {
                    fail(findings, *span, msg, None);
                }
            }
        }
    }
    reg
}

/// Resolves derived unit `name` (recursively through other derived units); reports cycles and
/// unknown names once.
#[allow(clippy::too_many_arguments)]
fn derive(
    reg: &UnitRegistry,
    name: &str,
    parsed: &HashMap<String, (usize, Result<UnitAst, ()>)>,
    decls: &[Decl],
    done: &mut HashMap<String, Option<Unit>>,
    stack: &mut Vec<String>,
    findings: &mut Vec<Finding>,
    sources: &SourceMap,
) -> Option<Unit> {
    if let Some(r) = done.get(name) {
        return r.clone();
    }
    let (i, ast) = parsed.get(name)?;
    let Ok(ast) = ast else {
        done.insert(name.to_string(), None);
        return None;
    };
    let d = &decls[*i];
    if stack.iter().any(|s| s == name) {
        let mut chain = stack.clone();
        chain.push(name.to_string());
        findings.push(Finding {
            kind: FindingKind::Declaration,
            diagnostic: Diagnostic::error(format!(
                "units defined in a circle: {}",
                chain.join(" -> ")
            ))
            .at(sources, d.name_span)
            .help(
                "one of these units must be a base unit (a description string instead of `equals`)",
            ),
        });
        for s in stack.iter() {
            done.insert(s.clone(), None);
        }
        return None;
    }
    stack.push(name.to_string());
    let mut failed_inner = false;
    let result = {
        let mut fallback = |n: &str| -> Option<Unit> {
            if parsed.contains_key(n) {
                let u = derive(reg, n, parsed, decls, done, stack, findings, sources);
                if u.is_none() {
                    failed_inner = true;
                }
                u
            } else {
                None
            }
        };
        reg.resolve_with(ast, &mut fallback)
    };
    stack.pop();
    let unit = match result {
        Ok(u) if !failed_inner => Some(u),
        Ok(_) => None,
        Err(UnitError::Unknown {
            name: unknown,
            start,
            end,
            suggestion,
        }) => {
            if !failed_inner {
                let eq = d.equals.as_ref().expect("derived units have `equals`");
                let mut diag = Diagnostic::error(format!(
                    "unknown unit '{unknown}' in the definition of unit '{name}'"
                ))
                .at(sources, eq.sub(start, end));
                if let Some(s) = suggestion {
                    diag = diag.help(format!("did you mean '{s}'?"));
                }
                findings.push(Finding {
                    kind: FindingKind::UnknownName,
                    diagnostic: diag,
                });
            }
            None
        }
        Err(UnitError::Syntax(_)) => None,
    };
    done.insert(name.to_string(), unit.clone());
    unit
}
