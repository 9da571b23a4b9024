//! XMILE expressions: parsed into the equation language's syntax tree ([`Ast`]) on import,
//! printed from it on export.
//!
//! The grammar (XMILE 1.0, section 3.3) is close to the equation language's: the same
//! arithmetic and comparisons, `IF c THEN a ELSE b`, `AND`/`OR`/`NOT`; it adds the infix
//! `MOD`, subscripts by position (`a[2]`) and the wildcard `*` (`SUM(a[*])`), and names its
//! builtins differently (`SMTH1`, `DELAYN`, `INIT`, ...). Names are written with underscores
//! for spaces, or quoted (`"a-b"`); they are resolved by the caller (a [`Resolver`]).
//! Builtins map both ways through one table ([`IMPORT`] and [`export`]), so a model exported
//! and read back has the same equations.

use pressure_model::eqn::{Ast, AstKind, BinaryOp, SubAst, UnaryOp};

/// Nesting deeper than this is refused with a clear error instead of overflowing the stack.
pub const MAX_DEPTH: usize = 200;

/// A syntax error at a byte offset of the expression text.
#[derive(Debug, Clone, PartialEq)]
pub struct SyntaxError {
    pub at: usize,
    pub message: String,
}

/// What the parser asks about names.
pub trait Resolver {
    /// The IR name of a variable written `name` (underscored or quoted), if it exists.
    fn variable(&self, name: &str) -> Option<String>;
    /// The IR name of the lookup table to call when `name` is called like a function (a `gf`,
    /// or a variable carrying one), if it is one.
    fn table(&self, name: &str) -> Option<String>;
    /// A subscript as written: a dimension or an element (IR name), or None.
    fn subscript(&self, name: &str) -> Option<String>;
    /// The dimensions (IR names) of a variable (IR name).
    fn dims_of(&self, var: &str) -> Vec<String>;
    /// The `i`-th (0-based) element of a dimension (IR name).
    fn element_at(&self, dim: &str, i: usize) -> Option<String>;
    /// The dimensions of the variable whose equation is being parsed.
    fn own_dims(&self) -> &[String];
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Num(f64),
    /// A name as written (quotes removed).
    Name(String),
    Op(&'static str),
    End,
}

struct Token {
    tok: Tok,
    at: usize,
}

fn lex(text: &str) -> Result<Vec<Token>, SyntaxError> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = text[i..].chars().next().expect("in range");
        if c.is_whitespace() {
            i += c.len_utf8();
            continue;
        }
        if c == '{' {
            // A comment.
            i += text[i..].find('}').map(|j| j + 1).unwrap_or(b.len() - i);
            continue;
        }
        let at = i;
        if c.is_ascii_digit() || (c == '.' && b.get(i + 1).is_some_and(u8::is_ascii_digit)) {
            let mut j = i;
            while j < b.len() && (b[j].is_ascii_digit() || b[j] == b'.') {
                j += 1;
            }
            if j < b.len() && (b[j] == b'e' || b[j] == b'E') {
                let mut k = j + 1;
                if k < b.len() && (b[k] == b'+' || b[k] == b'-') {
                    k += 1;
                }
                if k < b.len() && b[k].is_ascii_digit() {
                    while k < b.len() && b[k].is_ascii_digit() {
                        k += 1;
                    }
                    j = k;
                }
            }
            let v: f64 = text[i..j].parse().map_err(|_| SyntaxError {
                at,
                message: format!("'{}' is not a number", &text[i..j]),
            })?;
            out.push(Token {
                tok: Tok::Num(v),
                at,
            });
            i = j;
            continue;
        }
        if c == '"' {
            let close = text[i + 1..].find('"').ok_or(SyntaxError {
                at,
                message: "a quoted name is not closed with '\"'".into(),
            })?;
            out.push(Token {
                tok: Tok::Name(text[i + 1..i + 1 + close].to_string()),
                at,
            });
            i += close + 2;
            continue;
        }
        if c.is_alphabetic() || c == '_' || c == '$' || !c.is_ascii() {
            let mut j = i;
            for (k, ch) in text[i..].char_indices() {
                if ch.is_alphanumeric() || matches!(ch, '_' | '$' | '.' | '\'') || !ch.is_ascii() {
                    j = i + k + ch.len_utf8();
                } else {
                    break;
                }
            }
            // `dim.*` is the wildcard of one dimension: keep the dot out of the name.
            let mut name = &text[i..j];
            if name.ends_with('.') && text[j..].starts_with('*') {
                name = &name[..name.len() - 1];
                j -= 1;
            }
            out.push(Token {
                tok: Tok::Name(name.to_string()),
                at,
            });
            i = j;
            continue;
        }
        const OPS: [&str; 20] = [
            "<>", "<=", ">=", "==", "!=", "&&", "||", "+", "-", "*", "/", "^", "(", ")", "[", "]",
            ",", "=", "<", ">",
        ];
        let rest = &text[i..];
        if rest.starts_with("???") {
            return Err(SyntaxError {
                at,
                message: "'???' stands for an equation that the converter that wrote this file \
                          (xmutil, from Vensim) could not translate"
                    .into(),
            });
        }
        let op = OPS
            .iter()
            .find(|o| rest.starts_with(**o))
            .copied()
            .or_else(|| rest.starts_with('!').then_some("!"))
            .or_else(|| rest.starts_with('.').then_some("."));
        match op {
            Some(o) => {
                out.push(Token {
                    tok: Tok::Op(o),
                    at,
                });
                i += o.len();
            }
            None => {
                return Err(SyntaxError {
                    at,
                    message: format!("unexpected character '{c}'"),
                })
            }
        }
    }
    out.push(Token {
        tok: Tok::End,
        at: text.len(),
    });
    Ok(out)
}

/// Parses an XMILE expression into the equation language's tree, resolving names with `r`.
pub fn parse(text: &str, r: &dyn Resolver) -> Result<Ast, SyntaxError> {
    let tokens = lex(text)?;
    let mut p = Parser {
        t: tokens,
        i: 0,
        depth: 0,
        r,
    };
    if p.peek() == &Tok::End {
        return Err(SyntaxError {
            at: 0,
            message: "empty equation".into(),
        });
    }
    let e = p.expr()?;
    if p.peek() != &Tok::End {
        return Err(p.unexpected("after a complete expression"));
    }
    Ok(e)
}

struct Parser<'a> {
    t: Vec<Token>,
    i: usize,
    depth: usize,
    r: &'a dyn Resolver,
}

fn node(kind: AstKind, start: usize, end: usize) -> Ast {
    Ast {
        kind,
        start: start as u32,
        end: end as u32,
    }
}

fn num(v: f64) -> Ast {
    node(AstKind::Num(v), 0, 0)
}

fn call(name: &str, args: Vec<Ast>) -> Ast {
    node(
        AstKind::Call {
            name: name.into(),
            subs: vec![],
            args,
        },
        0,
        0,
    )
}

fn bin(op: BinaryOp, a: Ast, b: Ast) -> Ast {
    let (s, e) = (a.start, b.end);
    Ast {
        kind: AstKind::Binary(op, Box::new(a), Box::new(b)),
        start: s,
        end: e,
    }
}

fn neg(a: Ast) -> Ast {
    node(AstKind::Unary(UnaryOp::Neg, Box::new(a)), 0, 0)
}

fn kw(t: &Tok, k: &str) -> bool {
    matches!(t, Tok::Name(s) if s.eq_ignore_ascii_case(k))
}

impl Parser<'_> {
    fn peek(&self) -> &Tok {
        &self.t[self.i].tok
    }

    fn at(&self) -> usize {
        self.t[self.i].at
    }

    fn bump(&mut self) -> &Token {
        let i = self.i;
        if self.t[i].tok != Tok::End {
            self.i += 1;
        }
        &self.t[i]
    }

    fn is_op(&self, o: &str) -> bool {
        matches!(self.peek(), Tok::Op(x) if *x == o)
    }

    fn unexpected(&self, context: &str) -> SyntaxError {
        let what = match self.peek() {
            Tok::Num(v) => format!("number {v}"),
            Tok::Name(n) => format!("name '{n}'"),
            Tok::Op(o) => format!("'{o}'"),
            Tok::End => "end of equation".into(),
        };
        SyntaxError {
            at: self.at(),
            message: format!("unexpected {what} {context}"),
        }
    }

    fn expect_op(&mut self, o: &str, context: &str) -> Result<(), SyntaxError> {
        if self.is_op(o) {
            self.bump();
            Ok(())
        } else {
            Err(self.unexpected(&format!("(expected '{o}' {context})")))
        }
    }

    fn expr(&mut self) -> Result<Ast, SyntaxError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(SyntaxError {
                at: self.at(),
                message: format!("the expression nests deeper than {MAX_DEPTH} levels"),
            });
        }
        let e = self.or();
        self.depth -= 1;
        e
    }

    fn or(&mut self) -> Result<Ast, SyntaxError> {
        let mut a = self.and()?;
        while kw(self.peek(), "OR") || self.is_op("||") {
            self.bump();
            let b = self.and()?;
            a = bin(BinaryOp::Or, a, b);
        }
        Ok(a)
    }

    fn and(&mut self) -> Result<Ast, SyntaxError> {
        let mut a = self.not()?;
        while kw(self.peek(), "AND") || self.is_op("&&") {
            self.bump();
            let b = self.not()?;
            a = bin(BinaryOp::And, a, b);
        }
        Ok(a)
    }

    fn not(&mut self) -> Result<Ast, SyntaxError> {
        if kw(self.peek(), "NOT") || self.is_op("!") {
            let at = self.at();
            self.bump();
            self.depth += 1;
            if self.depth > MAX_DEPTH {
                return Err(SyntaxError {
                    at,
                    message: format!("the expression nests deeper than {MAX_DEPTH} levels"),
                });
            }
            let e = self.not()?;
            self.depth -= 1;
            let end = e.end as usize;
            return Ok(node(AstKind::Unary(UnaryOp::Not, Box::new(e)), at, end));
        }
        self.cmp()
    }

    fn cmp(&mut self) -> Result<Ast, SyntaxError> {
        let mut a = self.sum()?;
        loop {
            let op = match self.peek() {
                Tok::Op("=") | Tok::Op("==") => BinaryOp::Eq,
                Tok::Op("<>") | Tok::Op("!=") => BinaryOp::Ne,
                Tok::Op("<") => BinaryOp::Lt,
                Tok::Op("<=") => BinaryOp::Le,
                Tok::Op(">") => BinaryOp::Gt,
                Tok::Op(">=") => BinaryOp::Ge,
                _ => return Ok(a),
            };
            self.bump();
            let b = self.sum()?;
            a = bin(op, a, b);
        }
    }

    fn sum(&mut self) -> Result<Ast, SyntaxError> {
        let mut a = self.product()?;
        loop {
            let op = match self.peek() {
                Tok::Op("+") => BinaryOp::Add,
                Tok::Op("-") => BinaryOp::Sub,
                _ => return Ok(a),
            };
            self.bump();
            let b = self.product()?;
            a = bin(op, a, b);
        }
    }

    fn product(&mut self) -> Result<Ast, SyntaxError> {
        let mut a = self.unary()?;
        loop {
            if kw(self.peek(), "MOD") {
                self.bump();
                let b = self.unary()?;
                let (s, e) = (a.start, b.end);
                a = call("MODULO", vec![a, b]);
                a.start = s;
                a.end = e;
                continue;
            }
            let op = match self.peek() {
                Tok::Op("*") => BinaryOp::Mul,
                Tok::Op("/") => BinaryOp::Div,
                _ => return Ok(a),
            };
            self.bump();
            let b = self.unary()?;
            a = bin(op, a, b);
        }
    }

    fn unary(&mut self) -> Result<Ast, SyntaxError> {
        if self.is_op("-") || self.is_op("+") {
            let at = self.at();
            let minus = self.is_op("-");
            self.bump();
            self.depth += 1;
            if self.depth > MAX_DEPTH {
                return Err(SyntaxError {
                    at,
                    message: format!("the expression nests deeper than {MAX_DEPTH} levels"),
                });
            }
            let e = self.unary()?;
            self.depth -= 1;
            let end = e.end as usize;
            return Ok(if minus {
                node(AstKind::Unary(UnaryOp::Neg, Box::new(e)), at, end)
            } else {
                e
            });
        }
        self.power()
    }

    fn power(&mut self) -> Result<Ast, SyntaxError> {
        let a = self.atom()?;
        if self.is_op("^") {
            self.bump();
            let b = self.unary()?;
            return Ok(bin(BinaryOp::Pow, a, b));
        }
        Ok(a)
    }

    fn args(&mut self) -> Result<Vec<Ast>, SyntaxError> {
        // After '('.
        let mut args = Vec::new();
        if self.is_op(")") {
            self.bump();
            return Ok(args);
        }
        loop {
            args.push(self.expr()?);
            if self.is_op(",") {
                self.bump();
                continue;
            }
            self.expect_op(")", "to close the argument list")?;
            return Ok(args);
        }
    }

    fn atom(&mut self) -> Result<Ast, SyntaxError> {
        let at = self.at();
        match self.peek().clone() {
            Tok::Num(v) => {
                self.bump();
                let end = self.at();
                Ok(node(AstKind::Num(v), at, end))
            }
            Tok::Op("(") => {
                self.bump();
                let e = self.expr()?;
                self.expect_op(")", "to close '('")?;
                Ok(e)
            }
            Tok::Name(n) if n.eq_ignore_ascii_case("IF") => {
                self.bump();
                let mut c = self.expr()?;
                if kw(self.peek(), "NOT") {
                    // xmutil writes Vensim's `IF THEN ELSE(:NOT: x, ...)` as
                    // `IF x not THEN ...`: a postfix NOT, accepted right before THEN only.
                    let end = self.at();
                    self.bump();
                    if !kw(self.peek(), "THEN") {
                        return Err(self.unexpected("(expected THEN)"));
                    }
                    let start = c.start as usize;
                    c = node(AstKind::Unary(UnaryOp::Not, Box::new(c)), start, end);
                }
                if !kw(self.peek(), "THEN") {
                    return Err(self.unexpected("(expected THEN)"));
                }
                self.bump();
                let a = self.expr()?;
                if !kw(self.peek(), "ELSE") {
                    return Err(self.unexpected("(expected ELSE)"));
                }
                self.bump();
                let b = self.expr()?;
                let end = b.end as usize;
                Ok(node(
                    AstKind::If(Box::new(c), Box::new(a), Box::new(b)),
                    at,
                    end,
                ))
            }
            Tok::Name(n) => {
                self.bump();
                let subs_at = self.at();
                let subs = if self.is_op("[") {
                    self.bump();
                    Some(self.subscripts()?)
                } else {
                    None
                };
                if self.is_op("(") {
                    self.bump();
                    let args = self.args()?;
                    let end = self.t[self.i - 1].at + 1;
                    let mut e = self.call(&n, subs.unwrap_or_default(), args, at)?;
                    e.start = at as u32;
                    e.end = end as u32;
                    return Ok(e);
                }
                let end = self.t[self.i - 1].at + 1;
                self.reference(&n, subs.unwrap_or_default(), at, subs_at)
                    .map(|mut e| {
                        e.start = at as u32;
                        e.end = end.max(at + n.len()) as u32;
                        e
                    })
            }
            _ => Err(self.unexpected("(expected a value)")),
        }
    }

    /// After `[`: the subscripts as written (`*` for a wildcard; numbers kept as text).
    fn subscripts(&mut self) -> Result<Vec<(String, usize)>, SyntaxError> {
        let mut out = Vec::new();
        loop {
            let at = self.at();
            let mut s = match self.peek().clone() {
                Tok::Name(n) => n,
                Tok::Num(v) => format!("#{v}"),
                Tok::Op("*") => "*".into(),
                _ => return Err(self.unexpected("in a subscript")),
            };
            self.bump();
            if self.is_op(".") {
                // dim.* : all of `dim`.
                self.bump();
                self.expect_op("*", "after '.' in a subscript")?;
                s = format!("{s}!");
            } else if self.is_op("!") {
                self.bump();
                s.push('!');
            }
            out.push((s, at));
            if self.is_op(",") {
                self.bump();
                continue;
            }
            self.expect_op("]", "to close the subscripts")?;
            return Ok(out);
        }
    }

    /// The subscripts of a reference to `var`, in the equation language. `reduce` marks
    /// dimensions that are not the equation's own (inside a reduction).
    fn subs_of(
        &self,
        var: Option<&str>,
        written: Vec<(String, usize)>,
        reduce: bool,
    ) -> Result<Vec<SubAst>, SyntaxError> {
        let dims = var.map(|v| self.r.dims_of(v)).unwrap_or_default();
        let mut out = Vec::new();
        for (p, (s, at)) in written.into_iter().enumerate() {
            let (s, mut bang) = match s.strip_suffix('!') {
                Some(x) => (x.to_string(), true),
                None => (s, false),
            };
            let name = if s == "*" {
                bang = true;
                dims.get(p).cloned().ok_or(SyntaxError {
                    at,
                    message: "a '*' subscript where the variable has no dimension".into(),
                })?
            } else if let Some(n) = s.strip_prefix('#') {
                let i: f64 = n.parse().unwrap_or(0.0);
                let dim = dims.get(p).ok_or(SyntaxError {
                    at,
                    message: "a numeric subscript where the variable has no dimension".into(),
                })?;
                let idx = (i as usize).checked_sub(1);
                idx.and_then(|i| self.r.element_at(dim, i))
                    .ok_or(SyntaxError {
                        at,
                        message: format!("subscript {n} is outside dimension '{dim}'"),
                    })?
            } else {
                self.r
                    .subscript(&s)
                    .unwrap_or_else(|| super::super::mdl::names::identifier(&s))
            };
            if reduce && !bang && !self.r.own_dims().contains(&name) && dims.contains(&name) {
                bang = true;
            }
            let end = at + 1;
            out.push(SubAst {
                name,
                bang,
                start: at as u32,
                end: end as u32,
            });
        }
        Ok(out)
    }

    fn reference(
        &self,
        n: &str,
        subs: Vec<(String, usize)>,
        at: usize,
        _subs_at: usize,
    ) -> Result<Ast, SyntaxError> {
        let upper = norm(n);
        // Registers.
        let register = match upper.as_str() {
            "TIME" => Some("TIME"),
            "DT" | "TIMESTEP" => Some("TIME_STEP"),
            "STARTTIME" | "INITIALTIME" => Some("INITIAL_TIME"),
            "STOPTIME" | "FINALTIME" => Some("FINAL_TIME"),
            "SAVEPER" => Some("SAVEPER"),
            "PI" => Some("PI"),
            _ => None,
        };
        let var = self.r.variable(n);
        let name = match (&var, register) {
            (Some(v), _) => v.clone(),
            (None, Some(r)) => r.to_string(),
            (None, None) => super::super::mdl::names::identifier(n),
        };
        let subs = self.subs_of(var.as_deref(), subs, false)?;
        Ok(node(AstKind::Ref { name, subs }, at, at + n.len()))
    }

    /// Marks the dimensions to reduce in the argument of a reduction (`SUM(a[*])`,
    /// `MAX(a[dim])` over a dimension the equation is not arrayed over, or a bare arrayed
    /// name).
    fn reduction_arg(&self, mut a: Ast) -> Ast {
        fn walk(a: &mut Ast, r: &dyn Resolver) {
            match &mut a.kind {
                AstKind::Ref { name, subs } => {
                    let dims = r.dims_of(name);
                    if subs.is_empty() && !dims.is_empty() {
                        *subs = dims
                            .iter()
                            .map(|d| SubAst {
                                name: d.clone(),
                                bang: !r.own_dims().contains(d),
                                start: a.start,
                                end: a.end,
                            })
                            .collect();
                    } else {
                        for s in subs.iter_mut() {
                            if dims.contains(&s.name) && !r.own_dims().contains(&s.name) {
                                s.bang = true;
                            }
                        }
                    }
                }
                AstKind::Call { args, .. } => args.iter_mut().for_each(|x| walk(x, r)),
                AstKind::Unary(_, x) => walk(x, r),
                AstKind::Binary(_, x, y) => {
                    walk(x, r);
                    walk(y, r)
                }
                AstKind::If(c, x, y) => {
                    walk(c, r);
                    walk(x, r);
                    walk(y, r)
                }
                AstKind::Num(_) => {}
            }
        }
        walk(&mut a, self.r);
        a
    }

    fn call(
        &self,
        n: &str,
        subs: Vec<(String, usize)>,
        mut args: Vec<Ast>,
        at: usize,
    ) -> Result<Ast, SyntaxError> {
        // A graphical function called by name.
        if let Some(t) = self.r.table(n) {
            let subs = self.subs_of(Some(&t), subs, false)?;
            return Ok(node(
                AstKind::Call {
                    name: t,
                    subs,
                    args,
                },
                at,
                at,
            ));
        }
        let upper = norm(n);
        let k = args.len();
        let bad = |want: &str| SyntaxError {
            at,
            message: format!("{n} takes {want}, found {k} argument(s)"),
        };
        let e = match upper.as_str() {
            "LOOKUP" => {
                if k != 2 {
                    return Err(bad("2 arguments (a graphical function and its input)"));
                }
                let x = args.pop().expect("two");
                let f = args.pop().expect("two");
                let AstKind::Ref { name, subs } = f.kind else {
                    return Err(SyntaxError {
                        at,
                        message: "the first argument of LOOKUP must name a graphical function"
                            .into(),
                    });
                };
                // The resolver gave the variable's IR name; its table is what is called.
                let t = self.r.table(&name).unwrap_or(name);
                AstKind::Call {
                    name: t,
                    subs,
                    args: vec![x],
                }
            }
            "SMTH1" | "SMTH3" => {
                let stem = if upper == "SMTH1" {
                    "SMOOTH"
                } else {
                    "SMOOTH3"
                };
                match k {
                    2 => call(stem, args).kind,
                    3 => call(&format!("{stem}I"), args).kind,
                    _ => return Err(bad("2 or 3 arguments")),
                }
            }
            "SMTHN" | "DELAYN" => {
                // (input, time, n[, init]) -> (input, time, init, n)
                if !(3..=4).contains(&k) {
                    return Err(bad("3 or 4 arguments"));
                }
                let init = if k == 4 {
                    args.pop().expect("four")
                } else {
                    args[0].clone()
                };
                let order = args.pop().expect("three");
                args.push(init);
                args.push(order);
                let f = if upper == "SMTHN" {
                    "SMOOTH_N"
                } else {
                    "DELAY_N"
                };
                call(f, args).kind
            }
            "DELAY1" | "DELAY3" => match k {
                2 => call(&upper, args).kind,
                3 => call(&format!("{upper}I"), args).kind,
                _ => return Err(bad("2 or 3 arguments")),
            },
            "DELAY" => {
                // A pipeline delay; without an initial value it starts at the input's.
                if !(2..=3).contains(&k) {
                    return Err(bad("2 or 3 arguments"));
                }
                if k == 2 {
                    let x = args[0].clone();
                    args.push(x);
                }
                call("DELAY_FIXED", args).kind
            }
            "TREND" => {
                if k == 2 {
                    args.push(num(0.0));
                }
                if args.len() != 3 {
                    return Err(bad("2 or 3 arguments"));
                }
                call("TREND", args).kind
            }
            "INIT" => {
                if k != 1 {
                    return Err(bad("1 argument"));
                }
                call("INITIAL", args).kind
            }
            "PULSE" => {
                // XMILE: a volume `magnitude` in one step at `first` (then every
                // `interval`): magnitude / DT during that step.
                if !(2..=3).contains(&k) {
                    return Err(bad("2 or 3 arguments"));
                }
                let interval = (k == 3).then(|| args.pop().expect("three"));
                let first = args.pop().expect("two");
                let magnitude = args.pop().expect("one");
                let dt = node(
                    AstKind::Ref {
                        name: "TIME_STEP".into(),
                        subs: vec![],
                    },
                    0,
                    0,
                );
                let pulse = match interval {
                    None => call("PULSE", vec![first, num(0.0)]),
                    Some(every) => {
                        let end = bin(
                            BinaryOp::Add,
                            node(
                                AstKind::Ref {
                                    name: "FINAL_TIME".into(),
                                    subs: vec![],
                                },
                                0,
                                0,
                            ),
                            dt.clone(),
                        );
                        call("PULSE_TRAIN", vec![first, num(0.0), every, end])
                    }
                };
                bin(BinaryOp::Mul, bin(BinaryOp::Div, magnitude, dt), pulse).kind
            }
            // How this crate's export writes the equation language's (Vensim's) PULSE.
            "VENSIMPULSE" => call("PULSE", args).kind,
            "SINH" | "COSH" | "TANH" => {
                if k != 1 {
                    return Err(bad("1 argument"));
                }
                let x = args.pop().expect("one");
                let e = |y: Ast| call("EXP", vec![y]);
                match upper.as_str() {
                    "COSH" => {
                        bin(
                            BinaryOp::Div,
                            bin(BinaryOp::Add, e(x.clone()), e(neg(x))),
                            num(2.0),
                        )
                        .kind
                    }
                    "SINH" => {
                        bin(
                            BinaryOp::Div,
                            bin(BinaryOp::Sub, e(x.clone()), e(neg(x))),
                            num(2.0),
                        )
                        .kind
                    }
                    _ => {
                        bin(
                            BinaryOp::Sub,
                            num(1.0),
                            bin(
                                BinaryOp::Div,
                                num(2.0),
                                bin(BinaryOp::Add, e(bin(BinaryOp::Mul, num(2.0), x)), num(1.0)),
                            ),
                        )
                        .kind
                    }
                }
            }
            "SUM" | "PROD" | "MEAN" | "STDDEV" => {
                if k != 1 {
                    return Err(bad("1 argument"));
                }
                let a = self.reduction_arg(args.pop().expect("one"));
                call(&upper, vec![a]).kind
            }
            "MIN" | "MAX" if k == 1 => {
                let a = self.reduction_arg(args.pop().expect("one"));
                call(&upper, vec![a]).kind
            }
            _ => {
                // Everything else keeps its name (ABS, EXP, LN, SAFEDIV, STEP, RAMP, MIN, ...,
                // and the equation language's own names such as DELAY_FIXED or XIDZ, which a
                // model exported by Pressure may hold); the resolver reports unknown ones.
                let subs = self.subs_of(None, subs, false)?;
                AstKind::Call {
                    name: n.to_string(),
                    subs,
                    args,
                }
            }
        };
        Ok(node(e, at, at))
    }
}

/// Upper case without underscores or spaces: how builtin names are compared.
fn norm(n: &str) -> String {
    n.chars()
        .filter(|c| *c != '_' && !c.is_whitespace())
        .map(|c| c.to_ascii_uppercase())
        .collect()
}
/// How the equation language's `PULSE(start, width)` (Vensim's) is written in XMILE, whose
/// `PULSE(magnitude, first, interval)` is another function.
pub const VENSIM_PULSE: &str = "VENSIM_PULSE";

/// Prints an equation-language tree as XMILE: builtins under their XMILE names
/// (`SMOOTH` as `SMTH1`, `DELAY FIXED` as `DELAY`, `INITIAL` as `INIT`, `MODULO` as the
/// infix `MOD`, ...), reductions with `*` where every subscript is reduced. Functions XMILE
/// lacks (`PULSE TRAIN`, `RANDOM NORMAL`, ...) keep the equation language's names, which this
/// crate's importer reads back.
pub fn export(a: &Ast) -> String {
    let mut s = String::new();
    write(a, &mut s);
    s
}

fn prec(a: &Ast) -> u8 {
    match &a.kind {
        AstKind::Binary(op, ..) => op.precedence(),
        AstKind::Unary(UnaryOp::Neg, _) => pressure_model::eqn::ast::NEG_PRECEDENCE,
        AstKind::Unary(UnaryOp::Not, _) => pressure_model::eqn::ast::NOT_PRECEDENCE,
        // `IF ... ELSE x` extends as far right as it can: always parenthesised.
        AstKind::If(..) => 0,
        AstKind::Call { name, .. } if norm(name) == "MODULO" || norm(name) == "MOD" => 6,
        _ => 10,
    }
}

fn child(a: &Ast, min: u8, out: &mut String) {
    if prec(a) < min {
        out.push('(');
        write(a, out);
        out.push(')');
    } else {
        write(a, out);
    }
}

fn write_subs(s: &[SubAst], out: &mut String) {
    if s.is_empty() {
        return;
    }
    let all = s.iter().all(|x| x.bang);
    out.push('[');
    for (i, x) in s.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        if all {
            out.push('*');
        } else {
            out.push_str(&x.name);
            if x.bang {
                out.push('!');
            }
        }
    }
    out.push(']');
}

fn write_call(name: &str, subs: &[SubAst], args: &[Ast], out: &mut String) {
    out.push_str(name);
    write_subs(subs, out);
    out.push('(');
    for (i, x) in args.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        write(x, out);
    }
    out.push(')');
}

fn write(a: &Ast, out: &mut String) {
    match &a.kind {
        AstKind::Num(v) => out.push_str(&pressure_model::eqn::number(*v)),
        AstKind::Ref { name, subs } => {
            let n = match norm(name).as_str() {
                "TIMESTEP" => "DT",
                "INITIALTIME" => "STARTTIME",
                "FINALTIME" => "STOPTIME",
                _ => name,
            };
            out.push_str(n);
            write_subs(subs, out);
        }
        AstKind::Call { name, subs, args } => {
            let b = pressure_model::Builtin::lookup(name);
            use pressure_model::Builtin as B;
            let mut v: Vec<Ast> = args.clone();
            match b {
                Some(B::Smooth) => write_call("SMTH1", subs, &v, out),
                Some(B::SmoothI) => write_call("SMTH1", subs, &v, out),
                Some(B::Smooth3) | Some(B::Smooth3I) => write_call("SMTH3", subs, &v, out),
                Some(B::SmoothN) | Some(B::DelayN) if v.len() == 4 => {
                    // (input, time, init, n) -> (input, time, n, init)
                    v.swap(2, 3);
                    let f = if b == Some(B::SmoothN) {
                        "SMTHN"
                    } else {
                        "DELAYN"
                    };
                    write_call(f, subs, &v, out)
                }
                Some(B::Delay1) | Some(B::Delay1I) => write_call("DELAY1", subs, &v, out),
                Some(B::Delay3) | Some(B::Delay3I) => write_call("DELAY3", subs, &v, out),
                Some(B::DelayFixed) => write_call("DELAY", subs, &v, out),
                Some(B::Initial) => write_call("INIT", subs, &v, out),
                Some(B::Integer) => write_call("INT", subs, &v, out),
                Some(B::Xidz) | Some(B::Zidz) => write_call("SAFEDIV", subs, &v, out),
                Some(B::Modulo) if v.len() == 2 => {
                    child(&v[0], 6, out);
                    out.push_str(" MOD ");
                    child(&v[1], 7, out);
                }
                // XMILE's PULSE means something else: keep the equation language's name
                // spelled so that it is not read as XMILE's.
                Some(B::Pulse) => write_call(VENSIM_PULSE, subs, &v, out),
                Some(_) => write_call(name, subs, &v, out),
                // Not a builtin: a graphical function, called the way every XMILE tool
                // reads (`LOOKUP(table, x)`).
                None => {
                    out.push_str("LOOKUP(");
                    out.push_str(name);
                    write_subs(subs, out);
                    for x in &v {
                        out.push_str(", ");
                        write(x, out);
                    }
                    out.push(')');
                }
            }
        }
        AstKind::If(c, x, y) => {
            out.push_str("IF ");
            write(c, out);
            out.push_str(" THEN ");
            write(x, out);
            out.push_str(" ELSE ");
            write(y, out);
        }
        AstKind::Unary(UnaryOp::Neg, e) => {
            out.push('-');
            if matches!(e.kind, AstKind::Unary(UnaryOp::Neg, _)) {
                out.push(' ');
            }
            child(e, pressure_model::eqn::ast::NEG_PRECEDENCE, out);
        }
        AstKind::Unary(UnaryOp::Not, e) => {
            out.push_str("NOT ");
            child(e, pressure_model::eqn::ast::NOT_PRECEDENCE, out);
        }
        AstKind::Binary(op, l, r) => {
            let p = op.precedence();
            if *op == BinaryOp::Pow {
                // Right-associative and tighter than unary minus, as the equation language.
                child(l, p + 1, out);
                out.push_str(" ^ ");
                child(r, pressure_model::eqn::ast::NEG_PRECEDENCE, out);
            } else {
                child(l, p, out);
                out.push(' ');
                out.push_str(op.symbol());
                out.push(' ');
                child(r, p + 1, out);
            }
        }
    }
}
