//! Dimensional analysis of every equation (see the module docs of [`crate::units`] for the
//! rules).

use super::decl::{self, FileUnits, UnitText};
use super::registry::{UnitError, UnitRegistry};
use super::unit::{Ratio, Unit};
use super::{Finding, FindingKind, UnitsReport};
use crate::builtins::Builtin;
use crate::diagnostic::Diagnostic;
use crate::eqn::{BinaryOp, UnaryOp};
use crate::ir::*;
use crate::source::{FileId, Span};
use std::collections::HashSet;

/// The units of an expression as far as the checker knows them.
#[derive(Debug, Clone)]
enum Ty {
    Known(Unit),
    /// Made of numbers only: takes whatever units its context needs.
    Poly,
    /// Depends on a variable without declared units: not checked.
    Unknown,
}

/// Where an expression sits, for messages.
#[derive(Clone, Copy)]
struct Site {
    owner: VarId,
    what: &'static str,
}

struct Checker<'m> {
    m: &'m Model,
    reg: UnitRegistry,
    files: FileUnits,
    units: Vec<Option<Unit>>,
    lookup_x: Vec<Option<Unit>>,
    time: Option<Unit>,
    findings: Vec<Finding>,
    seen: HashSet<String>,
    module_inputs: HashSet<VarId>,
}

/// Checks the units of every equation of a model. Never fails: every problem is a
/// [`Finding`] in the report (see [`UnitsReport::diagnostics`] for their severity).
///
/// ```
/// let dir = tempfile::tempdir().unwrap();
/// let path = dir.path().join("m.toml");
/// std::fs::write(&path, r#"
/// [settings]
/// time_units = "year"
/// [units]
/// usd_bn = "billions of US dollars"
/// [stocks.debt]
/// initial = "10"
/// inflows = ["borrowing"]
/// units = "usd_bn"
/// [flows.borrowing]
/// equation = "deficit + debt"
/// units = "usd_bn/year"
/// [constants.deficit]
/// value = 1
/// units = "usd_bn/year"
/// "#).unwrap();
/// let model = pressure_model::load(&path).unwrap();
/// let report = pressure_model::units::check_units(&model);
/// let problems = report.diagnostics(false);
/// assert_eq!(problems.len(), 1);
/// let text = problems[0].to_string();
/// assert!(text.contains("m.toml:11:13"), "{text}");
/// assert!(text.contains("'deficit' is usd_bn/year but 'debt' is usd_bn"), "{text}");
/// ```
pub fn check_units(model: &Model) -> UnitsReport {
    let mut findings = Vec::new();
    let (reg, files) = decl::read(model, &mut findings);
    let n = model.variables.len();
    let module_inputs = model
        .modules
        .iter()
        .flat_map(|m| m.inputs.iter().copied())
        .collect();
    let mut c = Checker {
        m: model,
        reg,
        files,
        units: vec![None; n],
        lookup_x: vec![None; n],
        time: None,
        findings,
        seen: HashSet::new(),
        module_inputs,
    };
    c.declared_units();
    c.time_unit();
    for i in 0..n {
        let v = VarId(i as u32);
        if model.var(v).hidden.is_some() {
            continue;
        }
        c.variable(v);
    }
    UnitsReport {
        registry: c.reg,
        units: c.units,
        time_unit: c.time,
        findings: c.findings,
    }
}

fn clip(s: String) -> String {
    if s.chars().count() > 60 {
        let t: String = s.chars().take(57).collect();
        format!("{t}...")
    } else {
        s
    }
}

impl Checker<'_> {
    fn push(&mut self, kind: FindingKind, diagnostic: Diagnostic) {
        // Per-element equations of an array repeat the same finding: keep one.
        let key = format!("{:?}|{}", diagnostic.location, diagnostic.message);
        if self.seen.insert(key) {
            self.findings.push(Finding { kind, diagnostic });
        }
    }

    /// Parses a unit expression from the file; reports malformed expressions and unknown names.
    fn parse_text(&mut self, t: &UnitText, what: &str) -> Option<Unit> {
        match self.reg.parse(&t.text) {
            Ok(u) => Some(u),
            Err(UnitError::Syntax(e)) => {
                let d = Diagnostic::error(format!("malformed unit expression in {what}: {}", e.message))
                    .at(&self.m.sources, t.sub(e.start, e.end))
                    .help("unit expressions look like usd_bn/year, 1/year, person*year, m^2, dimensionless");
                self.push(FindingKind::Malformed, d);
                None
            }
            Err(UnitError::Unknown {
                name,
                start,
                end,
                suggestion,
            }) => {
                let help = match suggestion {
                    Some(s) => format!(
                        "did you mean '{s}'? Or declare it: [units] {name} = \"what it means\""
                    ),
                    None => {
                        format!("declare it in the model file: [units] {name} = \"what it means\"")
                    }
                };
                let d = Diagnostic::warning(format!("unknown unit '{name}' in {what}"))
                    .at(&self.m.sources, t.sub(start, end))
                    .help(help);
                self.push(FindingKind::UnknownName, d);
                // Go on as if every unknown name were a base unit of its own, so the equations
                // are still checked (and a typo shows up as a mismatch too).
                let ast = super::parse::parse_unit_expr(&t.text).ok()?;
                self.reg
                    .resolve_with(&ast, &mut |n| Some(Unit::base(n)))
                    .ok()
            }
        }
    }

    fn declared_units(&mut self) {
        let m = self.m;
        for (i, v) in m.variables.iter().enumerate() {
            if v.hidden.is_some() {
                continue;
            }
            if let (Some(text), Some(span)) = (&v.units, v.units_span) {
                let t = UnitText::from_value_span(&m.sources, span, text);
                self.units[i] = self.parse_text(&t, &format!("the units of '{}'", v.name));
            }
            if let VarKind::Lookup(_) = v.kind {
                let local = self.local_name(VarId(i as u32));
                let Some((x, y)) = self.files.lookups.get(&(v.span.file, local)).cloned() else {
                    continue;
                };
                if let Some(x) = x {
                    self.lookup_x[i] =
                        self.parse_text(&x, &format!("the x_units of lookup '{}'", v.name));
                }
                if let Some(y) = y {
                    let yu = self.parse_text(&y, &format!("the y_units of lookup '{}'", v.name));
                    match (&self.units[i], &yu) {
                        (Some(u), Some(w)) if u != w => {
                            let d = Diagnostic::error(format!(
                                "lookup '{}' has units = \"{}\" and y_units = \"{}\"; they must agree (y_units is the output's units; `units` says the same)",
                                v.name, u, w
                            ))
                            .at(&m.sources, y.span);
                            self.push(FindingKind::Declaration, d);
                        }
                        _ => {}
                    }
                    if yu.is_some() {
                        self.units[i] = yu;
                    }
                }
            }
        }
    }

    /// The name of a variable within its own file (without the module prefix).
    fn local_name(&self, v: VarId) -> String {
        let var = self.m.var(v);
        match var.module {
            Some(mid) => {
                let prefix = format!("{}.", self.m.modules[mid.0 as usize].name);
                var.name
                    .strip_prefix(&prefix)
                    .unwrap_or(&var.name)
                    .to_string()
            }
            None => var.name.clone(),
        }
    }

    fn time_unit(&mut self) {
        let root = FileId(0);
        if let Some(t) = self.files.time_units.get(&root).cloned() {
            self.time = self.parse_text(&t, "[settings] time_units");
            return;
        }
        if let Some(name) = self.m.settings.time_units.clone() {
            // Not found in the file (e.g. set programmatically): parse without a location.
            self.time = self.reg.parse(&name).ok();
            return;
        }
        // Without a time unit the stock-flow rule cannot be checked; say so if it matters.
        let m = self.m;
        let first = m.variables.iter().enumerate().find(|(i, v)| {
            let VarKind::Stock(s) = &v.kind else {
                return false;
            };
            self.units[*i].is_some()
                && s.inflows
                    .iter()
                    .chain(&s.outflows)
                    .any(|f| self.units[f.index()].is_some())
        });
        if let Some((_, v)) = first {
            let span = v.units_span.unwrap_or(v.span);
            let d = Diagnostic::warning(
                "[settings] time_units is not set, so the units of stocks and flows cannot be checked against each other (and TIME, DT have no units)",
            )
            .at(&m.sources, span)
            .help("add time_units = \"year\" (or quarter, month, week, day, ...) to [settings]");
            self.push(FindingKind::MissingTimeUnits, d);
        }
    }

    fn declared_at(&self, v: VarId) -> String {
        let var = self.m.var(v);
        let span = var.units_span.unwrap_or(var.span);
        format!("{}", self.m.sources.location(span))
    }

    fn variable(&mut self, v: VarId) {
        let m = self.m;
        let var = m.var(v);
        match &var.kind {
            VarKind::Flow(eqs) | VarKind::Aux(eqs) => {
                let what = if self.module_inputs.contains(&v) {
                    "the wire into module input"
                } else {
                    "the equation of"
                };
                for e in eqs.equations() {
                    self.equation(v, e, what);
                }
            }
            VarKind::Stock(s) => {
                for e in s.initial.equations() {
                    self.equation(v, e, "the initial value of");
                }
                self.stock_flows(v, s);
            }
            _ => {}
        }
    }

    /// Checks one equation and compares its units with the owner's declared units.
    fn equation(&mut self, owner: VarId, e: &Equation, what: &'static str) {
        let site = Site { owner, what };
        let got = self.ty(&e.expr, site);
        let (Ty::Known(u), Some(declared)) = (got, self.units[owner.index()].clone()) else {
            return;
        };
        if u == declared {
            return;
        }
        let name = &self.m.var(owner).name;
        let mut d = Diagnostic::warning(format!(
            "unit mismatch: {what} '{name}' gives {u}, but '{name}' is declared in {declared}"
        ))
        .at(&self.m.sources, e.span)
        .help(format!(
            "{}; {}",
            self.scale_hint(&u, &declared),
            format_args!("'{name}' is declared at {}", self.declared_at(owner))
        ));
        if what == "the wire into module input" {
            d = d.label("the wire's units must be the module input's units");
        }
        self.push(FindingKind::Mismatch, d);
    }

    /// A hint at the fix: a missing factor of time, or a scale difference.
    fn scale_hint(&self, got: &Unit, want: &Unit) -> String {
        if let Some(r) = got.ratio_to(want) {
            return format!(
                "{got} and {want} measure the same thing at different scales (1 {got} = {} {want}); convert explicitly with a constant whose units say so",
                fmt_ratio(r)
            );
        }
        if let Some(t) = &self.time {
            if got.mul(t) == *want {
                return format!("{got} is {want} per {t}: is a factor of time missing?");
            }
            if got.div(t) == *want {
                return format!("{got} is {want} times {t}: is a division by a time missing?");
            }
        }
        "fix the equation or the declared units".to_string()
    }

    /// Stock units = flow units x time unit, for every inflow and outflow.
    fn stock_flows(&mut self, stock: VarId, s: &Stock) {
        let (Some(su), Some(t)) = (self.units[stock.index()].clone(), self.time.clone()) else {
            return;
        };
        let m = self.m;
        let want = su.div(&t);
        for (f, dir) in s
            .inflows
            .iter()
            .map(|f| (f, "inflow"))
            .chain(s.outflows.iter().map(|f| (f, "outflow")))
        {
            let Some(fu) = self.units[f.index()].clone() else {
                continue;
            };
            if fu == want {
                continue;
            }
            let fv = m.var(*f);
            let sv = m.var(stock);
            let d = Diagnostic::warning(format!(
                "unit mismatch: stock '{}' is in {su}, so its {dir} '{}' must be in {want} (stock units per time unit, {t}), but '{}' is declared in {fu}",
                sv.name, fv.name, fv.name
            ))
            .at(&m.sources, fv.units_span.unwrap_or(fv.span))
            .help(format!("{}; stock '{}' is declared at {}", self.scale_hint(&fu, &want), sv.name, self.declared_at(stock)));
            self.push(FindingKind::Mismatch, d);
        }
    }

    fn side(&self, e: &Expr) -> String {
        clip(self.m.expr_to_string(e))
    }

    fn owner_name(&self, site: Site) -> &str {
        &self.m.var(site.owner).name
    }

    /// Reports that two sides of an operation have different units.
    fn mismatch(
        &mut self,
        site: Site,
        span: Span,
        what: &str,
        a: (&Expr, &Unit),
        b: (&Expr, &Unit),
    ) {
        let msg = format!(
            "unit mismatch in {} '{}': '{}' is {} but '{}' is {} ({what} need the same units)",
            site.what,
            self.owner_name(site),
            self.side(a.0),
            a.1,
            self.side(b.0),
            b.1
        );
        let d = Diagnostic::warning(msg)
            .at(&self.m.sources, span)
            .help(self.scale_hint(a.1, b.1));
        self.push(FindingKind::Mismatch, d);
    }

    /// Reports an argument with the wrong units.
    fn bad_argument(&mut self, site: Site, arg: &Expr, got: &Unit, role: &str, want: &Unit) {
        let msg = format!(
            "unit mismatch in {} '{}': {role} must be {want}, but '{}' is {got}",
            site.what,
            self.owner_name(site),
            self.side(arg)
        );
        let d = Diagnostic::warning(msg)
            .at(&self.m.sources, arg.span)
            .help(self.scale_hint(got, want));
        self.push(FindingKind::Mismatch, d);
    }

    /// The units both sides must share (sums, comparisons, MIN/MAX, IF branches).
    fn unify(&mut self, site: Site, span: Span, what: &str, a: (&Expr, Ty), b: (&Expr, Ty)) -> Ty {
        match (a.1, b.1) {
            (Ty::Known(x), Ty::Known(y)) => {
                if x == y {
                    Ty::Known(x)
                } else {
                    self.mismatch(site, span, what, (a.0, &x), (b.0, &y));
                    Ty::Unknown
                }
            }
            (Ty::Known(x), _) | (_, Ty::Known(x)) => Ty::Known(x),
            (Ty::Poly, Ty::Poly) => Ty::Poly,
            _ => Ty::Unknown,
        }
    }

    fn unify_all(&mut self, site: Site, span: Span, what: &str, args: &[Expr], tys: Vec<Ty>) -> Ty {
        let mut acc: Option<(usize, Ty)> = None;
        for (i, t) in tys.into_iter().enumerate() {
            acc = match acc {
                None => Some((i, t)),
                Some((j, prev)) => {
                    if let (Ty::Known(x), Ty::Known(y)) = (&prev, &t) {
                        if x != y {
                            self.mismatch(site, span, what, (&args[j], x), (&args[i], y));
                            return Ty::Unknown;
                        }
                    }
                    // Keep the argument with known units for later messages.
                    let keep = if matches!(prev, Ty::Known(_)) { j } else { i };
                    Some((
                        keep,
                        self.unify(site, span, what, (&args[j], prev), (&args[i], t)),
                    ))
                }
            };
        }
        acc.map(|a| a.1).unwrap_or(Ty::Unknown)
    }

    /// An argument that must be dimensionless.
    fn need_dimensionless(&mut self, site: Site, arg: &Expr, t: &Ty, role: &str) {
        if let Ty::Known(u) = t {
            if !u.is_dimensionless() {
                self.bad_argument(site, arg, u, role, &Unit::one());
            }
        }
    }

    /// An argument that must be in the model's time unit.
    fn need_time(&mut self, site: Site, arg: &Expr, t: &Ty, role: &str) {
        if let (Ty::Known(u), Some(time)) = (t, self.time.clone()) {
            if *u != time {
                self.bad_argument(site, arg, u, role, &time);
            }
        }
    }

    fn time_ty(&self) -> Ty {
        match &self.time {
            Some(t) => Ty::Known(t.clone()),
            None => Ty::Unknown,
        }
    }

    fn ty(&mut self, e: &Expr, site: Site) -> Ty {
        match &e.kind {
            ExprKind::Const(_) => Ty::Poly,
            ExprKind::Var(v, _) => match &self.units[v.index()] {
                Some(u) => Ty::Known(u.clone()),
                None => Ty::Unknown,
            },
            ExprKind::Register(b) => match b {
                Builtin::Pi => Ty::Poly,
                _ => self.time_ty(),
            },
            ExprKind::Unary(UnaryOp::Neg, a) => self.ty(a, site),
            ExprKind::Unary(UnaryOp::Not, a) => {
                self.ty(a, site);
                Ty::Known(Unit::one())
            }
            ExprKind::Binary(op, a, b) => self.binary(*op, a, b, e.span, site),
            ExprKind::If(c, a, b) => {
                self.ty(c, site);
                let ta = self.ty(a, site);
                let tb = self.ty(b, site);
                self.unify(
                    site,
                    e.span,
                    "the two branches of IF THEN ELSE",
                    (a, ta),
                    (b, tb),
                )
            }
            ExprKind::Call(b, args) => self.call(*b, args, e.span, site),
            ExprKind::Stateful(s) => self.call(s.builtin, &s.args, e.span, site),
            ExprKind::Lookup(t, _, x) => {
                let tx = self.ty(x, site);
                if let (Ty::Known(u), Some(want)) = (&tx, self.lookup_x[t.index()].clone()) {
                    if *u != want {
                        let role =
                            format!("the input of lookup '{}' (x_units)", self.m.var(*t).name);
                        self.bad_argument(site, x, u, &role, &want);
                    }
                }
                match &self.units[t.index()] {
                    Some(u) => Ty::Known(u.clone()),
                    None => Ty::Unknown,
                }
            }
            ExprKind::Reduce(b, dims, a) => {
                let t = self.ty(a, site);
                match (b, t) {
                    (Builtin::Prod, Ty::Known(u)) => {
                        let n: usize = dims.iter().map(|d| self.m.dim(*d).elements.len()).product();
                        Ty::Known(u.pow(Ratio::int(n as i64)))
                    }
                    (_, t) => t,
                }
            }
        }
    }

    fn binary(&mut self, op: BinaryOp, a: &Expr, b: &Expr, span: Span, site: Site) -> Ty {
        let ta = self.ty(a, site);
        let tb = self.ty(b, site);
        match op {
            BinaryOp::Add | BinaryOp::Sub => {
                let what = if op == BinaryOp::Add {
                    "both sides of +"
                } else {
                    "both sides of -"
                };
                self.unify(site, span, what, (a, ta), (b, tb))
            }
            BinaryOp::Eq
            | BinaryOp::Ne
            | BinaryOp::Lt
            | BinaryOp::Le
            | BinaryOp::Gt
            | BinaryOp::Ge => {
                let what = format!("both sides of {}", op.symbol());
                self.unify(site, span, &what, (a, ta), (b, tb));
                Ty::Known(Unit::one())
            }
            BinaryOp::And | BinaryOp::Or => Ty::Known(Unit::one()),
            BinaryOp::Mul => match (ta, tb) {
                (Ty::Known(x), Ty::Known(y)) => Ty::Known(x.mul(&y)),
                (Ty::Known(x), Ty::Poly) | (Ty::Poly, Ty::Known(x)) => Ty::Known(x),
                (Ty::Poly, Ty::Poly) => Ty::Poly,
                _ => Ty::Unknown,
            },
            BinaryOp::Div => match (ta, tb) {
                (Ty::Known(x), Ty::Known(y)) => Ty::Known(x.div(&y)),
                (Ty::Known(x), Ty::Poly) => Ty::Known(x),
                (Ty::Poly, Ty::Known(y)) => Ty::Known(y.recip()),
                (Ty::Poly, Ty::Poly) => Ty::Poly,
                _ => Ty::Unknown,
            },
            BinaryOp::Pow => self.power(a, ta, b, tb, site),
        }
    }

    /// `base ^ exponent`: the exponent is dimensionless; a base with units needs a number as
    /// exponent (the units of the result must not depend on a value).
    fn power(&mut self, base: &Expr, tb: Ty, exp: &Expr, te: Ty, site: Site) -> Ty {
        self.need_dimensionless(site, exp, &te, "an exponent");
        match tb {
            Ty::Unknown => Ty::Unknown,
            Ty::Poly => match te {
                Ty::Poly => Ty::Poly,
                _ => Ty::Known(Unit::one()),
            },
            Ty::Known(u) if u.same_dimension(&Unit::one()) => Ty::Known(Unit::one()),
            Ty::Known(u) => match const_value(exp).and_then(Ratio::approx) {
                Some(k) => Ty::Known(u.pow(k)),
                None => {
                    let msg = format!(
                        "unit problem in {} '{}': '{}' has units ({u}), so its exponent must be a number written in the equation, not '{}'",
                        site.what,
                        self.owner_name(site),
                        self.side(base),
                        self.side(exp)
                    );
                    let d = Diagnostic::warning(msg)
                        .at(&self.m.sources, exp.span)
                        .help("the units of the result would depend on the exponent's value; make the base dimensionless (divide it by a reference value with the same units)");
                    self.push(FindingKind::Mismatch, d);
                    Ty::Unknown
                }
            },
        }
    }

    fn call(&mut self, b: Builtin, args: &[Expr], span: Span, site: Site) -> Ty {
        use Builtin::*;
        let t: Vec<Ty> = args.iter().map(|a| self.ty(a, site)).collect();
        let arg = |i: usize| -> (&Expr, Ty) { (&args[i], t[i].clone()) };
        let one = || Ty::Known(Unit::one());
        let name = b.name();
        match b {
            Abs | Integer => t[0].clone(),
            Exp | Ln | Log10 | Sin | Cos | Tan | ArcSin | ArcCos | ArcTan | Log => {
                for (i, a) in args.iter().enumerate() {
                    self.need_dimensionless(site, a, &t[i], &format!("the argument of {name}"));
                }
                if t.iter().all(|x| matches!(x, Ty::Poly)) {
                    Ty::Poly
                } else {
                    one()
                }
            }
            Sqrt => match &t[0] {
                Ty::Known(u) => Ty::Known(u.pow(Ratio::new(1, 2).expect("non-zero"))),
                other => other.clone(),
            },
            Power => self.power(&args[0], t[0].clone(), &args[1], t[1].clone(), site),
            Modulo => self.unify(site, span, "both arguments of MODULO", arg(0), arg(1)),
            Min | Max | ActiveInitial => {
                self.unify_all(site, span, &format!("the arguments of {name}"), args, t)
            }
            Xidz | Zidz | SafeDiv => {
                let q = match (&t[0], &t[1]) {
                    (Ty::Known(x), Ty::Known(y)) => Ty::Known(x.div(y)),
                    (Ty::Known(x), Ty::Poly) => Ty::Known(x.clone()),
                    (Ty::Poly, Ty::Known(y)) => Ty::Known(y.recip()),
                    (Ty::Poly, Ty::Poly) => Ty::Poly,
                    _ => Ty::Unknown,
                };
                if args.len() == 3 {
                    // The fallback value stands in for the quotient: compare it with `a / b`.
                    let quotient = Expr {
                        kind: ExprKind::Binary(
                            BinaryOp::Div,
                            Box::new(args[0].clone()),
                            Box::new(args[1].clone()),
                        ),
                        span,
                    };
                    self.unify(
                        site,
                        span,
                        &format!("the quotient and the fallback value of {name}"),
                        (&quotient, q),
                        arg(2),
                    )
                } else {
                    q
                }
            }
            IfThenElse => self.unify(
                site,
                span,
                "the two branches of IF THEN ELSE",
                arg(1),
                arg(2),
            ),
            Step => {
                self.need_time(site, &args[1], &t[1], "the step time of STEP");
                t[0].clone()
            }
            Pulse | PulseTrain => {
                let roles = ["the start", "the width", "the interval", "the end"];
                for (i, a) in args.iter().enumerate() {
                    self.need_time(site, a, &t[i], &format!("{} of {name}", roles[i]));
                }
                one()
            }
            Ramp => {
                for (i, a) in args.iter().enumerate().skip(1) {
                    let role = if i == 1 {
                        "the start time of RAMP"
                    } else {
                        "the end time of RAMP"
                    };
                    self.need_time(site, a, &t[i], role);
                }
                match (&t[0], self.time.clone()) {
                    (Ty::Known(s), Some(time)) => Ty::Known(s.mul(&time)),
                    _ => Ty::Unknown,
                }
            }
            Smooth | Smooth3 | Delay1 | Delay3 => {
                self.need_time(site, &args[1], &t[1], &format!("the delay time of {name}"));
                t[0].clone()
            }
            SmoothI | Smooth3I | Delay1I | Delay3I | DelayFixed | SmoothN | DelayN => {
                self.need_time(site, &args[1], &t[1], &format!("the delay time of {name}"));
                if args.len() == 4 {
                    self.need_dimensionless(site, &args[3], &t[3], &format!("the order of {name}"));
                }
                self.unify(
                    site,
                    span,
                    &format!("the input and the initial value of {name}"),
                    arg(0),
                    arg(2),
                )
            }
            Trend => {
                self.need_time(site, &args[1], &t[1], "the averaging time of TREND");
                match self.time.clone() {
                    Some(time) => {
                        let rate = time.recip();
                        if let Ty::Known(g) = &t[2] {
                            if *g != rate {
                                self.bad_argument(
                                    site,
                                    &args[2],
                                    g,
                                    "the initial trend of TREND (a fractional rate)",
                                    &rate,
                                );
                            }
                        }
                        Ty::Known(rate)
                    }
                    None => Ty::Unknown,
                }
            }
            Forecast => {
                self.need_time(site, &args[1], &t[1], "the averaging time of FORECAST");
                self.need_time(site, &args[2], &t[2], "the horizon of FORECAST");
                t[0].clone()
            }
            Initial => t[0].clone(),
            SampleIfTrue => self.unify(
                site,
                span,
                "the input and the initial value of SAMPLE IF TRUE",
                arg(1),
                arg(2),
            ),
            RandomNormal => self.unify_all(
                site,
                span,
                "the bounds, mean and standard deviation of RANDOM NORMAL",
                &args[..4],
                t[..4].to_vec(),
            ),
            RandomUniform => self.unify(site, span, "the bounds of RANDOM UNIFORM", arg(0), arg(1)),
            Sum | Prod | Mean | Stddev => t[0].clone(),
            Time | TimeStep | InitialTime | FinalTime | SavePer => self.time_ty(),
            Pi => Ty::Poly,
        }
    }
}

/// The value of an expression made only of numbers and arithmetic.
fn const_value(e: &Expr) -> Option<f64> {
    match &e.kind {
        ExprKind::Const(v) => Some(*v),
        ExprKind::Unary(UnaryOp::Neg, a) => const_value(a).map(|x| -x),
        ExprKind::Binary(op, a, b) => {
            let (x, y) = (const_value(a)?, const_value(b)?);
            match op {
                BinaryOp::Add => Some(x + y),
                BinaryOp::Sub => Some(x - y),
                BinaryOp::Mul => Some(x * y),
                BinaryOp::Div => Some(x / y),
                _ => None,
            }
        }
        _ => None,
    }
}

/// A conversion factor with at most 6 significant digits: `12`, `0.083333`, `0.001`.
fn fmt_ratio(r: f64) -> String {
    if (r - r.round()).abs() < 1e-9 * r.abs().max(1.0) {
        return format!("{}", r.round());
    }
    let digits = (5 - r.abs().log10().floor() as i32).clamp(0, 15) as usize;
    let s = format!("{r:.digits$}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}
