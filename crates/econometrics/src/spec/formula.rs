//! The formula language of estimation specs.
//!
//! ```text
//! formula   := lhs "~" rhs [ "|" fixed_effects ]
//! lhs       := column | "Surv(" column "," column ")" | "Surv(" column "," column "," column ")"
//! rhs       := "1" | "0" | term ( "+" term )*   ("0 +" or "- 1" removes the intercept)
//! term      := factor ( ":" factor )*            (":" multiplies: an interaction)
//! factor    := column | "lag(" column "," k ")" | "lead(" column "," k ")"
//!            | "log(" column ")" | "i(" column ")"
//! fixed_effects := column ( "+" column )*
//! ```
//!
//! * `Surv(stop, event)` or `Surv(start, stop, event)`: survival outcome (counting-process
//!   spells `(start, stop]`).
//! * `lag(x, k)` / `lead(x, k)`: the value of `x` k periods earlier / later in the same unit
//!   (needs the spec's `panel = { unit = ..., time = ... }`; missing when that row is absent).
//! * `log(x)`: natural logarithm (non-positive values become missing).
//! * `i(x)`: one 0/1 column per level of `x` except the first (a categorical variable).
//! * Intercepts: OLS, logit, probit and Weibull get one unless the rhs contains `0` or `-1`;
//!   fixed-effects models and Cox never have one.
//!
//! Column names are letters, digits, `_` and `.`.

use crate::error::{EconError, Result};

/// One factor of a term.
#[derive(Debug, Clone, PartialEq)]
pub enum Atom {
    /// A column as it is.
    Column(String),
    /// `lag(x, k)` (k > 0) or `lead(x, k)` (k < 0 stored as negative lag).
    Lag(String, i64),
    /// `log(x)`: the natural logarithm of a column.
    Log(String),
    /// `i(x)`: dummies for the levels of `x`.
    Categorical(String),
}

impl Atom {
    /// The column the atom reads.
    pub fn column(&self) -> &str {
        match self {
            Atom::Column(c) | Atom::Lag(c, _) | Atom::Log(c) | Atom::Categorical(c) => c,
        }
    }

    /// The atom as written (the regressor's name in tables).
    pub fn label(&self) -> String {
        match self {
            Atom::Column(c) => c.clone(),
            Atom::Lag(c, k) if *k >= 0 => format!("lag({c},{k})"),
            Atom::Lag(c, k) => format!("lead({c},{})", -k),
            Atom::Log(c) => format!("log({c})"),
            Atom::Categorical(c) => format!("i({c})"),
        }
    }
}

/// A product of atoms.
#[derive(Debug, Clone, PartialEq)]
pub struct Term {
    /// The factors, multiplied (`a:b`).
    pub atoms: Vec<Atom>,
}

impl Term {
    /// The term as written, e.g. `sanc_un:gwf_personal`.
    pub fn label(&self) -> String {
        self.atoms
            .iter()
            .map(Atom::label)
            .collect::<Vec<_>>()
            .join(":")
    }
}

/// The left-hand side.
#[derive(Debug, Clone, PartialEq)]
pub enum Lhs {
    /// An outcome column (possibly transformed, e.g. `log(y)`).
    Outcome(Atom),
    /// `Surv(stop, event)` or `Surv(start, stop, event)`: survival spells.
    Survival {
        /// The column of spell starts (`None`: spells start at 0).
        start: Option<String>,
        /// The column of spell ends.
        stop: String,
        /// The 0/1 event column (1: the spell ended in the event).
        event: String,
    },
}

/// A parsed formula.
#[derive(Debug, Clone, PartialEq)]
pub struct Formula {
    /// Left of `~`.
    pub lhs: Lhs,
    /// The regressors, in order.
    pub terms: Vec<Term>,
    /// False when the formula says `0 +` or `- 1`.
    pub intercept: bool,
    /// The fixed effects after `|`.
    pub fixed_effects: Vec<String>,
}

impl Formula {
    /// Every column the formula reads.
    pub fn columns(&self) -> Vec<String> {
        let mut out: Vec<String> = vec![];
        let mut add = |c: &str| {
            if !out.iter().any(|o| o == c) {
                out.push(c.to_string());
            }
        };
        match &self.lhs {
            Lhs::Outcome(a) => add(a.column()),
            Lhs::Survival { start, stop, event } => {
                if let Some(s) = start {
                    add(s);
                }
                add(stop);
                add(event);
            }
        }
        for t in &self.terms {
            for a in &t.atoms {
                add(a.column());
            }
        }
        for f in &self.fixed_effects {
            add(f);
        }
        out
    }
}

/// Parses a formula; errors give the character position.
///
/// ```
/// use pressure_econometrics::spec::formula::{parse_formula, Lhs};
/// let f = parse_formula("gdp ~ sanc_un + lag(gdp, 1) + sanc_un:gwf_personal | iso3 + year").unwrap();
/// assert_eq!(f.terms.len(), 3);
/// assert_eq!(f.fixed_effects, vec!["iso3", "year"]);
/// let s = parse_formula("Surv(t0, t1, exit) ~ sanc_any").unwrap();
/// assert!(matches!(s.lhs, Lhs::Survival { .. }));
/// ```
pub fn parse_formula(src: &str) -> Result<Formula> {
    let (lhs_src, rest) = src
        .split_once('~')
        .ok_or_else(|| fail(src, 1, "a formula needs `~` between outcome and regressors"))?;
    let (rhs_src, fe_src) = match rest.split_once('|') {
        Some((a, b)) => (a, Some(b)),
        None => (rest, None),
    };
    let offset_rhs = lhs_src.chars().count() + 1;
    let lhs = parse_lhs(src, lhs_src)?;
    let mut terms = vec![];
    let mut intercept = true;
    let mut pos = offset_rhs;
    let pieces = split_top(rhs_src, '+');
    for (i, piece) in pieces.iter().enumerate() {
        let p = piece.trim();
        let at = pos + 1 + leading_spaces(piece);
        pos += piece.chars().count() + 1;
        // "- 1" may follow a term: "x - 1"
        let (p, minus_one) = match p.rsplit_once('-') {
            Some((a, b)) if b.trim() == "1" && !a.contains('(') => (a.trim(), true),
            _ => (p, false),
        };
        if minus_one {
            intercept = false;
        }
        match p {
            "" if minus_one => continue,
            "" => return Err(fail(src, at, "empty term")),
            "0" => {
                intercept = false;
                continue;
            }
            "1" => continue,
            _ => {}
        }
        let mut atoms = vec![];
        for a in split_top(p, ':') {
            atoms.push(parse_atom(src, a.trim(), at)?);
        }
        if atoms.is_empty() {
            return Err(fail(src, at, "empty term"));
        }
        let _ = i;
        terms.push(Term { atoms });
    }
    let fixed_effects = match fe_src {
        None => vec![],
        Some(f) => f
            .split('+')
            .map(|s| s.trim().to_string())
            .map(|s| {
                if is_ident(&s) {
                    Ok(s)
                } else {
                    Err(fail(
                        src,
                        src.find('|').unwrap_or(0) + 1,
                        format!("fixed effects must be column names, found `{s}`"),
                    ))
                }
            })
            .collect::<Result<Vec<_>>>()?,
    };
    Ok(Formula {
        lhs,
        terms,
        intercept,
        fixed_effects,
    })
}

fn parse_lhs(src: &str, s: &str) -> Result<Lhs> {
    let t = s.trim();
    if let Some(inner) = t.strip_prefix("Surv(").and_then(|r| r.strip_suffix(')')) {
        let args: Vec<String> = inner.split(',').map(|a| a.trim().to_string()).collect();
        if args.iter().any(|a| !is_ident(a)) {
            return Err(fail(src, 1, "Surv(...) takes column names"));
        }
        return match args.len() {
            2 => Ok(Lhs::Survival {
                start: None,
                stop: args[0].clone(),
                event: args[1].clone(),
            }),
            3 => Ok(Lhs::Survival {
                start: Some(args[0].clone()),
                stop: args[1].clone(),
                event: args[2].clone(),
            }),
            _ => Err(fail(
                src,
                1,
                "Surv(stop, event) or Surv(start, stop, event)",
            )),
        };
    }
    match parse_atom(src, t, 1 + leading_spaces(s))? {
        Atom::Categorical(_) => Err(fail(src, 1, "the outcome cannot be i(x)")),
        atom => Ok(Lhs::Outcome(atom)),
    }
}

fn parse_atom(src: &str, s: &str, at: usize) -> Result<Atom> {
    let call = |name: &str| -> Option<Vec<String>> {
        s.strip_prefix(name)
            .and_then(|r| r.trim_start().strip_prefix('('))
            .and_then(|r| r.strip_suffix(')'))
            .map(|inner| inner.split(',').map(|a| a.trim().to_string()).collect())
    };
    let col = |a: &str| -> Result<String> {
        if is_ident(a) {
            Ok(a.to_string())
        } else {
            Err(fail(src, at, format!("`{a}` is not a column name")))
        }
    };
    for (name, sign) in [("lag", 1i64), ("lead", -1i64)] {
        if let Some(args) = call(name) {
            let k = match args.get(1) {
                None => 1,
                Some(k) => k.parse::<i64>().ok().filter(|k| *k >= 0).ok_or_else(|| {
                    fail(
                        src,
                        at,
                        format!("{name}(x, k) needs a non-negative integer k"),
                    )
                })?,
            };
            if args.len() > 2 {
                return Err(fail(src, at, format!("{name}(x, k) takes two arguments")));
            }
            return Ok(Atom::Lag(col(&args[0])?, sign * k));
        }
    }
    if let Some(args) = call("log") {
        if args.len() != 1 {
            return Err(fail(src, at, "log(x) takes one column"));
        }
        return Ok(Atom::Log(col(&args[0])?));
    }
    if let Some(args) = call("i") {
        if args.len() != 1 {
            return Err(fail(src, at, "i(x) takes one column"));
        }
        return Ok(Atom::Categorical(col(&args[0])?));
    }
    Ok(Atom::Column(col(s)?))
}

fn is_ident(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '.')
        && !s.chars().next().is_some_and(|c| c.is_ascii_digit())
}

fn leading_spaces(s: &str) -> usize {
    s.chars().take_while(|c| c.is_whitespace()).count()
}

/// Splits on `sep` outside parentheses.
fn split_top(s: &str, sep: char) -> Vec<&str> {
    let mut out = vec![];
    let mut depth = 0i32;
    let mut start = 0;
    for (i, c) in s.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            c if c == sep && depth == 0 => {
                out.push(&s[start..i]);
                start = i + c.len_utf8();
            }
            _ => {}
        }
    }
    out.push(&s[start..]);
    out
}

fn fail(src: &str, position: usize, message: impl Into<String>) -> EconError {
    EconError::Formula {
        formula: src.to_string(),
        position,
        message: message.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intercept_removal() {
        assert!(!parse_formula("y ~ 0 + x").unwrap().intercept);
        assert!(!parse_formula("y ~ x - 1").unwrap().intercept);
        assert!(parse_formula("y ~ x").unwrap().intercept);
    }

    #[test]
    fn leads_and_logs() {
        let f = parse_formula("log(y) ~ lead(x, 2) + lag(x) + i(regime)").unwrap();
        assert_eq!(f.lhs, Lhs::Outcome(Atom::Log("y".into())));
        assert_eq!(f.terms[0].atoms[0], Atom::Lag("x".into(), -2));
        assert_eq!(f.terms[1].atoms[0], Atom::Lag("x".into(), 1));
        assert_eq!(f.terms[2].atoms[0], Atom::Categorical("regime".into()));
    }

    #[test]
    fn errors_name_the_position() {
        let e = parse_formula("y ~ x + 2bad").unwrap_err().to_string();
        assert!(e.contains("`2bad` is not a column name"), "{e}");
        assert!(parse_formula("y x").is_err());
    }
}
