//! Values of scalar equations at the initial time, for the arguments Vensim reads once at the
//! start: the order of `SMOOTH N` and `DELAY N` ("the order is evaluated only at
//! initialization", Vensim's reference), which the IR needs as a number to build its stages.
//!
//! An equation is evaluated when it is made of numbers, other such equations, `TIME` and the
//! run settings, arithmetic and comparisons, `IF THEN ELSE`, `STEP`, `MIN`, `MAX`, `ABS` and
//! `INTEGER`; anything else (a stock, a lookup, a stateful function) leaves it unevaluated,
//! and the IR then reports that the order is not a number.

use pressure_model::eqn::{parse, Ast, AstKind, BinaryOp, UnaryOp};
use std::collections::{HashMap, HashSet};

/// How deep one equation's references to others may go.
const MAX_DEPTH: usize = 32;

/// Evaluates translated scalar equations (IR name -> equation text) at time `t0`.
pub struct Initial<'a> {
    pub equations: &'a HashMap<String, String>,
    pub t0: f64,
    /// The run settings by register name (`FINAL_TIME`, `TIME_STEP`, `SAVEPER`).
    pub settings: &'a HashMap<&'static str, f64>,
    memo: HashMap<String, Option<f64>>,
}

impl<'a> Initial<'a> {
    pub fn new(
        equations: &'a HashMap<String, String>,
        t0: f64,
        settings: &'a HashMap<&'static str, f64>,
    ) -> Self {
        Initial {
            equations,
            t0,
            settings,
            memo: HashMap::new(),
        }
    }

    /// The value of variable `id` at the initial time, when it can be computed.
    pub fn value(&mut self, id: &str) -> Option<f64> {
        self.var(id, 0)
    }

    /// Whether variable `id`'s equation reads the time (`TIME`, `STEP`, `RAMP`, `PULSE`, or
    /// an equation that does): its value changes as the run goes, where [`Initial::value`]
    /// gives the one at the initial time.
    pub fn uses_time(&self, id: &str) -> bool {
        self.var_uses_time(id, 0, &mut HashSet::new())
    }

    fn var_uses_time(&self, id: &str, depth: usize, seen: &mut HashSet<String>) -> bool {
        if depth > MAX_DEPTH || !seen.insert(id.to_string()) {
            return false;
        }
        self.equations
            .get(id)
            .and_then(|t| parse(t).ok())
            .is_some_and(|ast| self.ast_uses_time(&ast, depth, seen))
    }

    fn ast_uses_time(&self, e: &Ast, depth: usize, seen: &mut HashSet<String>) -> bool {
        match &e.kind {
            AstKind::Num(_) => false,
            AstKind::Ref { name, .. } => match name.to_ascii_uppercase().replace(' ', "_").as_str()
            {
                "TIME" => true,
                "INITIAL_TIME" | "FINAL_TIME" | "TIME_STEP" | "SAVEPER" => false,
                _ => self.var_uses_time(name, depth + 1, seen),
            },
            AstKind::Unary(_, a) => self.ast_uses_time(a, depth, seen),
            AstKind::Binary(_, a, b) => {
                self.ast_uses_time(a, depth, seen) || self.ast_uses_time(b, depth, seen)
            }
            AstKind::If(c, a, b) => [c, a, b].iter().any(|x| self.ast_uses_time(x, depth, seen)),
            AstKind::Call { name, args, .. } => {
                matches!(
                    pressure_model::builtins::normalise(name).as_str(),
                    "STEP" | "RAMP" | "PULSE" | "PULSETRAIN"
                ) || args.iter().any(|a| self.ast_uses_time(a, depth, seen))
            }
        }
    }

    fn var(&mut self, id: &str, depth: usize) -> Option<f64> {
        if let Some(v) = self.memo.get(id) {
            return *v;
        }
        if depth > MAX_DEPTH {
            return None;
        }
        // Marked first: a cycle evaluates to nothing instead of recursing.
        self.memo.insert(id.to_string(), None);
        let v = self
            .equations
            .get(id)
            .and_then(|t| parse(t).ok())
            .and_then(|ast| self.eval(&ast, depth));
        self.memo.insert(id.to_string(), v);
        v
    }

    fn eval(&mut self, e: &Ast, depth: usize) -> Option<f64> {
        Some(match &e.kind {
            AstKind::Num(x) => *x,
            AstKind::Ref { name, subs } if subs.is_empty() => {
                let upper = name.to_ascii_uppercase().replace(' ', "_");
                match upper.as_str() {
                    "TIME" | "INITIAL_TIME" => self.t0,
                    "FINAL_TIME" | "TIME_STEP" | "SAVEPER" => *self.settings.get(upper.as_str())?,
                    _ => self.var(name, depth + 1)?,
                }
            }
            AstKind::Ref { .. } => return None,
            AstKind::Unary(UnaryOp::Neg, a) => -self.eval(a, depth)?,
            AstKind::Unary(UnaryOp::Not, a) => f64::from(self.eval(a, depth)? == 0.0),
            AstKind::Binary(op, a, b) => {
                let (x, y) = (self.eval(a, depth)?, self.eval(b, depth)?);
                match op {
                    BinaryOp::Add => x + y,
                    BinaryOp::Sub => x - y,
                    BinaryOp::Mul => x * y,
                    BinaryOp::Div => x / y,
                    BinaryOp::Pow => x.powf(y),
                    BinaryOp::Eq => f64::from(x == y),
                    BinaryOp::Ne => f64::from(x != y),
                    BinaryOp::Lt => f64::from(x < y),
                    BinaryOp::Le => f64::from(x <= y),
                    BinaryOp::Gt => f64::from(x > y),
                    BinaryOp::Ge => f64::from(x >= y),
                    BinaryOp::And => f64::from(x != 0.0 && y != 0.0),
                    BinaryOp::Or => f64::from(x != 0.0 || y != 0.0),
                }
            }
            AstKind::If(c, a, b) => {
                if self.eval(c, depth)? != 0.0 {
                    self.eval(a, depth)?
                } else {
                    self.eval(b, depth)?
                }
            }
            AstKind::Call { name, subs, args } if subs.is_empty() => {
                let f = pressure_model::builtins::normalise(name);
                let mut v = Vec::with_capacity(args.len());
                for a in args {
                    v.push(self.eval(a, depth)?);
                }
                match (f.as_str(), v.as_slice()) {
                    // STEP(height, at): height from `at` on.
                    ("STEP", [h, at]) => {
                        if self.t0 >= *at {
                            *h
                        } else {
                            0.0
                        }
                    }
                    ("IFTHENELSE", [c, a, b]) => {
                        if *c != 0.0 {
                            *a
                        } else {
                            *b
                        }
                    }
                    ("MIN", [_, ..]) => v.iter().copied().fold(f64::INFINITY, f64::min),
                    ("MAX", [_, ..]) => v.iter().copied().fold(f64::NEG_INFINITY, f64::max),
                    ("ABS", [x]) => x.abs(),
                    ("INTEGER", [x]) => x.trunc(),
                    _ => return None,
                }
            }
            AstKind::Call { .. } => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equations_are_evaluated_at_the_initial_time() {
        let eqs: HashMap<String, String> = [
            ("order", "2 + STEP(1, 10)"),
            ("late", "order + STEP(5, 0)"),
            ("pick", "IF_THEN_ELSE(TIME > 1, 7, MAX(late, 3, 1))"),
            ("loop_a", "loop_b + 1"),
            ("loop_b", "loop_a"),
            ("stock", "INTEG(1, 0)"),
        ]
        .into_iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
        let settings = HashMap::new();
        let mut i = Initial::new(&eqs, 0.0, &settings);
        assert_eq!(i.value("order"), Some(2.0));
        assert_eq!(i.value("late"), Some(7.0));
        assert_eq!(i.value("pick"), Some(7.0));
        assert_eq!(i.value("loop_a"), None);
        assert_eq!(i.value("stock"), None);
        let mut later = Initial::new(&eqs, 10.0, &settings);
        assert_eq!(later.value("order"), Some(3.0));
        // Through STEP, TIME, and another equation that reads either; not in a cycle.
        assert!(i.uses_time("order") && i.uses_time("late") && i.uses_time("pick"));
        assert!(!i.uses_time("loop_a") && !i.uses_time("stock"));
    }
}
