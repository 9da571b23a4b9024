//! Units of measure and dimensional analysis.
//!
//! Every variable may declare `units`, a unit expression (`usd_bn/year`, `1/year`,
//! `person*year`, `dimensionless`; see [`parse_unit_expr`] for the grammar). Unit names are
//! the built-in ones ([`UnitRegistry::builtin`]: `dimensionless`/`dmnl`, `percent`/`%`, the
//! time units `second` ... `year`, `person`/`people`) and those a model declares:
//!
//! ```toml
//! [units]
//! usd_bn = "billions of US dollars"                   # a new base unit
//! usd_m = { equals = "usd_bn / 1000", doc = "millions of US dollars" }   # a derived unit
//! barrel = { doc = "barrel of oil", aliases = ["bbl"] }
//! ```
//!
//! [`check_units`] walks every equation:
//! * sums, differences, comparisons, MIN/MAX/MODULO arguments and IF branches need the same
//!   units; products and quotients combine them; `x ^ k` needs a dimensionless `k`, and a
//!   number written in the equation when `x` has units; EXP/LN/LOG/SIN... take and give
//!   dimensionless values; SQRT halves exponents;
//! * a stock's inflows and outflows are in stock units per time unit (`[settings] time_units`);
//! * TIME, DT, INITIAL TIME ... are in the time unit; delay and averaging times of SMOOTH,
//!   DELAY, TREND, FORECAST and the time arguments of STEP, PULSE, RAMP too; a smooth or a
//!   delay has its input's units, TREND gives 1/time;
//! * a lookup call's argument is compared with the lookup's `x_units`, and the call has its
//!   `y_units` (or `units`);
//! * **numbers are unit-polymorphic**: a number written in an equation takes the units its
//!   context needs. In a sum, comparison, MIN/MAX or IF branch it takes the other side's
//!   units (`x + 1`, `MAX(0, x)`, `IF c THEN 0 ELSE x` are fine); in a product or quotient it
//!   is dimensionless (`0.5 * x` has the units of `x`, `1 / t` of `1/t`); an equation made
//!   only of numbers fits any declared units. So a conversion factor written as a number
//!   (`x * 1000`) is not a conversion: give it a constant with units (`usd_m_per_usd_bn`);
//! * a variable without declared units is not checked (equations that use it are checked
//!   as far as they can be).
//!
//! Units of the same dimension but a different scale (`month` and `year`, `percent` and a
//! fraction, `usd_m` and `usd_bn`) never convert silently: the engine computes with the
//! numbers as they are, so mixing them is a mismatch, and the message gives the factor.
//!
//! Arrays: a variable has one unit for all its elements. Modules: a module input keeps the
//! units declared in the module file, and the wire into it (an equation in the parent) must
//! give those units; `[units]` tables of all files are merged.

mod check;
mod decl;
mod parse;
mod registry;
mod unit;

pub use check::check_units;
pub use parse::{parse_unit_expr, UnitAst, UnitSyntaxError};
pub use registry::{UnitEntry, UnitError, UnitRegistry};
pub use unit::{Ratio, Unit};

use crate::diagnostic::{Diagnostic, Severity};

/// What kind of problem a [`Finding`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FindingKind {
    /// A unit expression that does not parse (always an error).
    Malformed,
    /// A `[units]` table entry that is wrong (always an error).
    Declaration,
    /// A unit name that is neither built in nor declared.
    UnknownName,
    /// Units that do not match in an equation, a stock-flow pair or a module wire.
    Mismatch,
    /// `[settings] time_units` is missing, so stock and flow units cannot be related.
    MissingTimeUnits,
}

/// One problem found by [`check_units`].
#[derive(Debug, Clone)]
pub struct Finding {
    /// What kind of problem.
    pub kind: FindingKind,
    /// Points at the file, line and column.
    pub diagnostic: Diagnostic,
}

/// The result of [`check_units`].
#[derive(Debug, Clone)]
pub struct UnitsReport {
    /// The unit names known to the model (built in and declared).
    pub registry: UnitRegistry,
    /// The declared units of each variable, by [`crate::VarId`] index (`None` when undeclared
    /// or not understood).
    pub units: Vec<Option<Unit>>,
    /// The model's time unit (`[settings] time_units`).
    pub time_unit: Option<Unit>,
    /// Every problem found, in file order.
    pub findings: Vec<Finding>,
}

impl UnitsReport {
    /// The findings as diagnostics. Malformed expressions and wrong `[units]` entries are
    /// errors; the rest are warnings, or errors when `strict` (`pressure check --strict-units`).
    pub fn diagnostics(&self, strict: bool) -> Vec<Diagnostic> {
        self.findings
            .iter()
            .map(|f| {
                let mut d = f.diagnostic.clone();
                d.severity = match f.kind {
                    FindingKind::Malformed | FindingKind::Declaration => Severity::Error,
                    _ if strict => Severity::Error,
                    _ => Severity::Warning,
                };
                d
            })
            .collect()
    }

    /// True when nothing was found.
    pub fn is_clean(&self) -> bool {
        self.findings.is_empty()
    }

    /// Number of findings that are errors at this strictness.
    pub fn error_count(&self, strict: bool) -> usize {
        self.diagnostics(strict)
            .iter()
            .filter(|d| d.is_error())
            .count()
    }
}
