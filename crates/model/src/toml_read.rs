//! Helpers to walk a spanned TOML document (`toml::de::DeTable`) and report type errors and
//! unknown keys at the exact line and column.

use crate::diagnostic::Diagnostic;
use crate::source::{FileId, SourceMap, Span};
use crate::suggest::nearest;
use std::borrow::Cow;
use toml::de::{DeTable, DeValue};
use toml::Spanned;

pub(crate) type Value<'i> = Spanned<DeValue<'i>>;
pub(crate) type Key<'i> = Spanned<Cow<'i, str>>;

/// A string (or other scalar) with the span it came from.
#[derive(Debug, Clone)]
pub struct Sp<T> {
    pub value: T,
    pub span: Span,
}

/// Equation text with the span of its content in the file.
#[derive(Debug, Clone)]
pub struct RawEq {
    pub text: String,
    /// Span of the text inside the quotes.
    pub span: Span,
    /// True when every byte of `text` sits at `span.start + offset` in the file (no escapes),
    /// so an offset inside the equation maps exactly to a file position.
    pub exact: bool,
}

impl RawEq {
    /// The file span of bytes `start..end` of the equation text.
    pub fn map(&self, start: usize, end: usize) -> Span {
        if self.exact {
            self.span.sub(start, end)
        } else {
            self.span
        }
    }
}

pub(crate) struct Reader<'s> {
    pub sources: &'s SourceMap,
    pub file: FileId,
    pub errors: Vec<Diagnostic>,
}

impl<'s> Reader<'s> {
    pub fn new(sources: &'s SourceMap, file: FileId) -> Self {
        Reader {
            sources,
            file,
            errors: Vec::new(),
        }
    }

    pub fn span(&self, r: std::ops::Range<usize>) -> Span {
        Span::new(self.file, r.start, r.end)
    }

    pub fn error(&mut self, span: Span, message: impl Into<String>, help: Option<String>) {
        let mut d = Diagnostic::error(message).at(self.sources, span);
        if let Some(h) = help {
            d = d.help(h);
        }
        self.errors.push(d);
    }

    /// Entries of a table in file order.
    pub fn entries<'t, 'i>(&self, t: &'t DeTable<'i>) -> Vec<(&'t Key<'i>, &'t Value<'i>)> {
        let mut v: Vec<_> = t.iter().collect();
        v.sort_by_key(|(k, _)| k.span().start);
        v
    }

    pub fn table<'t, 'i>(&mut self, v: &'t Value<'i>, what: &str) -> Option<&'t DeTable<'i>> {
        match v.get_ref() {
            DeValue::Table(t) => Some(t),
            other => {
                let span = self.span(v.span());
                self.error(
                    span,
                    format!("{what} must be a table, found {}", other.type_str()),
                    None,
                );
                None
            }
        }
    }

    /// Reports keys of `t` that are not in `allowed`.
    pub fn check_keys(&mut self, t: &DeTable<'_>, allowed: &[&str], context: &str) {
        for (k, _) in self.entries(t) {
            if !allowed.contains(&k.get_ref().as_ref()) {
                let span = self.span(k.span());
                let help = match nearest(k.get_ref(), allowed.iter().copied()) {
                    Some(n) => format!("did you mean '{n}'? allowed keys: {}", allowed.join(", ")),
                    None => format!("allowed keys: {}", allowed.join(", ")),
                };
                self.error(
                    span,
                    format!("unknown key '{}' in {context}", k.get_ref()),
                    Some(help),
                );
            }
        }
    }

    pub fn string(&mut self, v: &Value<'_>, what: &str) -> Option<Sp<String>> {
        match v.get_ref() {
            DeValue::String(s) => Some(Sp {
                value: s.to_string(),
                span: self.span(v.span()),
            }),
            other => {
                let span = self.span(v.span());
                self.error(
                    span,
                    format!("{what} must be a string, found {}", other.type_str()),
                    None,
                );
                None
            }
        }
    }

    /// A number (TOML integer or float); NaN and infinities are rejected.
    pub fn number(&mut self, v: &Value<'_>, what: &str) -> Option<f64> {
        let span = self.span(v.span());
        let parsed = match v.get_ref() {
            DeValue::Integer(i) => {
                let s = i.as_str().replace('_', "");
                let radix = i.radix();
                let (neg, digits) = match s.strip_prefix('-') {
                    Some(d) => (true, d.to_string()),
                    None => (false, s.trim_start_matches('+').to_string()),
                };
                let digits = digits
                    .trim_start_matches("0x")
                    .trim_start_matches("0o")
                    .trim_start_matches("0b");
                i64::from_str_radix(digits, radix).ok().map(|x| {
                    if neg {
                        -(x as f64)
                    } else {
                        x as f64
                    }
                })
            }
            DeValue::Float(f) => f.as_str().replace('_', "").parse::<f64>().ok(),
            other => {
                self.error(
                    span,
                    format!("{what} must be a number, found {}", other.type_str()),
                    None,
                );
                return None;
            }
        };
        match parsed {
            Some(x) if x.is_finite() => Some(x),
            _ => {
                self.error(span, format!("{what} must be a finite number"), None);
                None
            }
        }
    }

    pub fn boolean(&mut self, v: &Value<'_>, what: &str) -> Option<bool> {
        match v.get_ref() {
            DeValue::Boolean(b) => Some(*b),
            other => {
                let span = self.span(v.span());
                self.error(
                    span,
                    format!("{what} must be true or false, found {}", other.type_str()),
                    None,
                );
                None
            }
        }
    }

    pub fn array<'t, 'i>(&mut self, v: &'t Value<'i>, what: &str) -> Option<&'t [Value<'i>]> {
        match v.get_ref() {
            DeValue::Array(a) => Some(&a[..]),
            other => {
                let span = self.span(v.span());
                self.error(
                    span,
                    format!("{what} must be an array, found {}", other.type_str()),
                    None,
                );
                None
            }
        }
    }

    pub fn strings(&mut self, v: &Value<'_>, what: &str) -> Option<Vec<Sp<String>>> {
        let a = self.array(v, what)?;
        let mut out = Vec::new();
        for x in a {
            out.push(self.string(x, &format!("each entry of {what}"))?);
        }
        Some(out)
    }

    pub fn numbers(&mut self, v: &Value<'_>, what: &str) -> Option<Vec<f64>> {
        let a = self.array(v, what)?;
        let mut out = Vec::new();
        for x in a {
            out.push(self.number(x, &format!("each entry of {what}"))?);
        }
        Some(out)
    }

    /// An equation: a string, or a bare number (`initial = 180`).
    pub fn equation(&mut self, v: &Value<'_>, what: &str) -> Option<RawEq> {
        let r = v.span();
        let raw = self
            .sources
            .file(self.file)
            .text
            .get(r.clone())
            .unwrap_or("");
        match v.get_ref() {
            DeValue::String(s) => {
                let (open, close) = if raw.starts_with("\"\"\"") || raw.starts_with("'''") {
                    let mut open = 3;
                    // A newline right after the opening delimiter is not part of the string.
                    if raw[3..].starts_with("\r\n") {
                        open += 2;
                    } else if raw[3..].starts_with('\n') {
                        open += 1;
                    }
                    (open, 3)
                } else {
                    (1, 1)
                };
                let inner_start = r.start + open.min(raw.len());
                let inner_end = r.end.saturating_sub(close).max(inner_start);
                let inner = self
                    .sources
                    .file(self.file)
                    .text
                    .get(inner_start..inner_end)
                    .unwrap_or("");
                Some(RawEq {
                    text: s.to_string(),
                    span: Span::new(self.file, inner_start, inner_end),
                    exact: inner == s.as_ref(),
                })
            }
            DeValue::Integer(_) | DeValue::Float(_) => {
                self.number(v, what)?;
                Some(RawEq {
                    text: raw.to_string(),
                    span: self.span(r),
                    exact: true,
                })
            }
            other => {
                let span = self.span(r);
                self.error(
                    span,
                    format!(
                        "{what} must be an equation (a string like \"a * b\") or a number, found {}",
                        other.type_str()
                    ),
                    None,
                );
                None
            }
        }
    }
}

/// Parses a TOML document, turning a syntax error into a diagnostic at its position.
pub(crate) fn parse_document<'i>(
    sources: &SourceMap,
    file: FileId,
    text: &'i str,
) -> Result<DeTable<'i>, Diagnostic> {
    match DeTable::parse(text) {
        Ok(t) => Ok(t.into_inner()),
        Err(e) => {
            let r = e.span().unwrap_or(0..0);
            let msg = e.message().trim().to_string();
            Err(Diagnostic::error(format!("TOML syntax error: {msg}"))
                .at(sources, Span::new(file, r.start, r.end))
                .help("see docs/model-format.md for the file layout"))
        }
    }
}
