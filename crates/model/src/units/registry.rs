//! The unit names a model may use: built-in units (dimensionless, percent, time units,
//! person) and the units a model declares in its `[units]` tables.

use super::parse::{parse_unit_expr, UnitAst, UnitSyntaxError};
use super::unit::{Ratio, Unit};
use crate::source::Span;
use crate::suggest::nearest;
use std::collections::HashMap;

/// One known unit name.
#[derive(Debug, Clone)]
pub struct UnitEntry {
    /// The canonical name (aliases map to it; messages print it).
    pub name: String,
    /// What it stands for: scale and base dimensions.
    pub unit: Unit,
    /// The declaration's `doc` text (built-in units have a short one).
    pub doc: Option<String>,
    /// True for the units Pressure knows without a declaration.
    pub builtin: bool,
    /// Where a model declared it.
    pub span: Option<Span>,
}

/// Why a unit expression could not be turned into a [`Unit`].
#[derive(Debug, Clone, PartialEq)]
pub enum UnitError {
    /// Malformed expression.
    Syntax(UnitSyntaxError),
    /// A name that is neither built in nor declared; `start..end` is its byte range.
    Unknown {
        /// The unknown name.
        name: String,
        /// Byte offset of its start in the unit expression.
        start: usize,
        /// Byte offset just past its end.
        end: usize,
        /// The closest known name, when one is close.
        suggestion: Option<String>,
    },
}

impl std::fmt::Display for UnitError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            UnitError::Syntax(e) => write!(f, "malformed unit expression: {}", e.message),
            UnitError::Unknown {
                name, suggestion, ..
            } => {
                write!(f, "unknown unit '{name}'")?;
                if let Some(s) = suggestion {
                    write!(f, " (did you mean '{s}'?)")?;
                }
                Ok(())
            }
        }
    }
}

/// Seconds in each built-in time unit. The year is the Julian year (365.25 days); a month is a
/// twelfth and a quarter a fourth of it. Time units are never converted silently: these
/// factors only let a message say "month and year differ by a factor 12".
const TIME_UNITS: &[(&str, f64, &[&str])] = &[
    ("second", 1.0, &["seconds", "sec", "s"]),
    ("minute", 60.0, &["minutes", "min"]),
    ("hour", 3600.0, &["hours", "hr"]),
    ("day", 86_400.0, &["days"]),
    ("week", 7.0 * 86_400.0, &["weeks"]),
    ("month", 365.25 * 86_400.0 / 12.0, &["months"]),
    ("quarter", 365.25 * 86_400.0 / 4.0, &["quarters"]),
    ("year", 365.25 * 86_400.0, &["years", "yr"]),
];

/// The registry of unit names.
///
/// ```
/// use pressure_model::units::{UnitError, UnitRegistry};
/// let mut reg = UnitRegistry::builtin();
/// reg.declare_base("usd_bn", Some("billions of US dollars".into()), None).unwrap();
/// let flow = reg.parse("usd_bn/Year").unwrap();          // built-in names ignore case
/// assert_eq!(flow.to_string(), "usd_bn/year");
/// match reg.parse("usd_nb/year") {
///     Err(UnitError::Unknown { name, suggestion, .. }) => {
///         assert_eq!(name, "usd_nb");
///         assert_eq!(suggestion.as_deref(), Some("usd_bn"));
///     }
///     other => panic!("{other:?}"),
/// }
/// ```
#[derive(Debug, Clone)]
pub struct UnitRegistry {
    /// Every name (canonical names and aliases) -> canonical name.
    names: HashMap<String, String>,
    /// Lower-case built-in names and aliases -> canonical name.
    builtin_ci: HashMap<String, String>,
    /// Canonical name -> entry.
    entries: HashMap<String, UnitEntry>,
}

impl UnitRegistry {
    /// The built-in units only.
    pub fn builtin() -> UnitRegistry {
        let mut r = UnitRegistry {
            names: HashMap::new(),
            builtin_ci: HashMap::new(),
            entries: HashMap::new(),
        };
        let one = Unit::one();
        r.add_builtin(
            "dimensionless",
            one.clone(),
            &["dmnl", "unitless", "fraction"],
            "a pure number",
        );
        let percent = Unit::named_as("percent", &Unit::number(0.01));
        r.add_builtin(
            "percent",
            percent,
            &["%"],
            "a hundredth (0.01); not the same unit as a fraction",
        );
        let second = Unit::base("time");
        for (name, seconds, aliases) in TIME_UNITS {
            let u = Unit::named_as(name, &Unit::number(*seconds).mul(&second));
            r.add_builtin(name, u, aliases, "a unit of time");
        }
        r.add_builtin(
            "person",
            Unit::base("person"),
            &["persons", "people"],
            "a person",
        );
        r
    }

    fn add_builtin(&mut self, name: &str, unit: Unit, aliases: &[&str], doc: &str) {
        self.entries.insert(
            name.to_string(),
            UnitEntry {
                name: name.to_string(),
                unit,
                doc: Some(doc.to_string()),
                builtin: true,
                span: None,
            },
        );
        for n in std::iter::once(&name).chain(aliases) {
            self.names.insert(n.to_string(), name.to_string());
            self.builtin_ci.insert(n.to_lowercase(), name.to_string());
        }
    }

    /// The entry a name (or alias) refers to.
    pub fn get(&self, name: &str) -> Option<&UnitEntry> {
        let canonical = self
            .names
            .get(name)
            .or_else(|| self.builtin_ci.get(&name.to_lowercase()))?;
        self.entries.get(canonical)
    }

    /// Every known name, aliases included.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.names.keys().map(|s| s.as_str())
    }

    /// Every unit (canonical entries), sorted by name.
    pub fn entries(&self) -> Vec<&UnitEntry> {
        let mut v: Vec<&UnitEntry> = self.entries.values().collect();
        v.sort_by(|a, b| a.name.cmp(&b.name));
        v
    }

    /// Declares a new base unit (its own dimension). Declaring a name again as a base unit is
    /// allowed (two module files may both declare `usd_bn`); declaring a built-in name only
    /// documents it.
    pub fn declare_base(
        &mut self,
        name: &str,
        doc: Option<String>,
        span: Option<Span>,
    ) -> Result<(), String> {
        if let Some(e) = self.get(name) {
            if e.builtin || e.unit == Unit::base(&e.name) && e.name == name {
                return Ok(());
            }
            return Err(format!("unit '{name}' is already defined as {}", e.unit));
        }
        self.insert(name, Unit::base(name), doc, span);
        Ok(())
    }

    /// Declares `name` as equal to `unit` (a derived unit: same dimension and scale).
    pub fn declare_derived(
        &mut self,
        name: &str,
        unit: &Unit,
        doc: Option<String>,
        span: Option<Span>,
    ) -> Result<(), String> {
        if let Some(e) = self.get(name) {
            if e.builtin {
                return Err(format!(
                    "'{name}' is a built-in unit ({}); choose another name",
                    e.doc.clone().unwrap_or_default()
                ));
            }
            if e.unit == *unit && e.unit.same_dimension(unit) && e.name == name {
                return Ok(());
            }
            return Err(format!(
                "unit '{name}' is already defined differently ({})",
                e.unit
            ));
        }
        self.insert(name, Unit::named_as(name, unit), doc, span);
        Ok(())
    }

    /// Makes `alias` another name of the (already known) unit `target`.
    pub fn add_alias(&mut self, alias: &str, target: &str) -> Result<(), String> {
        let Some(canonical) = self.get(target).map(|e| e.name.clone()) else {
            return Err(format!("unknown unit '{target}'"));
        };
        if let Some(e) = self.get(alias) {
            if e.name == canonical {
                return Ok(());
            }
            return Err(format!("'{alias}' already names the unit '{}'", e.name));
        }
        self.names.insert(alias.to_string(), canonical);
        Ok(())
    }

    fn insert(&mut self, name: &str, unit: Unit, doc: Option<String>, span: Option<Span>) {
        self.names.insert(name.to_string(), name.to_string());
        self.entries.insert(
            name.to_string(),
            UnitEntry {
                name: name.to_string(),
                unit,
                doc,
                builtin: false,
                span,
            },
        );
    }

    /// Parses and resolves a unit expression.
    pub fn parse(&self, text: &str) -> Result<Unit, UnitError> {
        let ast = parse_unit_expr(text).map_err(UnitError::Syntax)?;
        self.resolve(&ast)
    }

    /// Resolves a parsed expression; the first unknown name is the error.
    pub fn resolve(&self, ast: &UnitAst) -> Result<Unit, UnitError> {
        self.resolve_with(ast, &mut |_| None)
    }

    /// Resolves with a fallback for names not in the registry (used while reading `[units]`
    /// tables, whose derived units may refer to each other in any order).
    pub(crate) fn resolve_with(
        &self,
        ast: &UnitAst,
        fallback: &mut dyn FnMut(&str) -> Option<Unit>,
    ) -> Result<Unit, UnitError> {
        Ok(match ast {
            UnitAst::Name(n, start, end) => match self.get(n) {
                Some(e) => e.unit.clone(),
                None => match fallback(n) {
                    Some(u) => u,
                    None => {
                        return Err(UnitError::Unknown {
                            name: n.clone(),
                            start: *start,
                            end: *end,
                            suggestion: nearest(n, self.names()).map(|s| s.to_string()),
                        })
                    }
                },
            },
            UnitAst::Number(x) => Unit::number(*x),
            UnitAst::Mul(a, b) => self
                .resolve_with(a, fallback)?
                .mul(&self.resolve_with(b, fallback)?),
            UnitAst::Div(a, b) => self
                .resolve_with(a, fallback)?
                .div(&self.resolve_with(b, fallback)?),
            UnitAst::Pow(a, n, d) => {
                let k = Ratio::new(*n, *d).expect("the parser gives a non-zero denominator");
                self.resolve_with(a, fallback)?.pow(k)
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtins_and_aliases() {
        let r = UnitRegistry::builtin();
        assert!(r.parse("dimensionless").unwrap().is_dimensionless());
        assert!(r.parse("Dmnl").unwrap().is_dimensionless());
        assert!(r.parse("1").unwrap().is_dimensionless());
        assert_eq!(r.parse("people").unwrap(), r.parse("person").unwrap());
        assert_eq!(r.parse("years").unwrap().to_string(), "year");
        let month = r.parse("month").unwrap();
        let year = r.parse("year").unwrap();
        assert!((year.ratio_to(&month).unwrap() - 12.0).abs() < 1e-12);
        assert!(r.parse("month/year").unwrap().same_dimension(&Unit::one()));
        assert!(!r.parse("month/year").unwrap().is_dimensionless());
        assert!(r.parse("12 * month/year").unwrap().is_dimensionless());
        assert_ne!(r.parse("%").unwrap(), Unit::one());
        assert_eq!(r.parse("100*percent").unwrap(), Unit::one());
    }

    #[test]
    fn declarations() {
        let mut r = UnitRegistry::builtin();
        r.declare_base("usd_bn", None, None).unwrap();
        r.declare_base("usd_bn", Some("again".into()), None)
            .unwrap();
        let m = r.parse("usd_bn/1000").unwrap();
        r.declare_derived("usd_m", &m, None, None).unwrap();
        assert_eq!(r.parse("1000*usd_m").unwrap(), r.parse("usd_bn").unwrap());
        assert_eq!(r.parse("usd_m/year").unwrap().to_string(), "usd_m/year");
        assert!(r.declare_derived("year", &m, None, None).is_err());
        r.add_alias("musd", "usd_m").unwrap();
        assert_eq!(r.parse("musd").unwrap().to_string(), "usd_m");
        assert!(r.add_alias("usd_bn", "usd_m").is_err());
        assert!(r.declare_base("usd_m", None, None).is_err());
    }
}
