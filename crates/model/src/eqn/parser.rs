//! Recursive-descent parser for the equation grammar (see the module docs of [`crate::eqn`]).

use super::ast::*;
use super::lexer::{lex, Tok, Token};
use crate::builtins::MULTI_WORD_NAMES;

/// A syntax error at a byte range of the equation text.
#[derive(Debug, Clone, PartialEq)]
pub struct ParseError {
    /// Byte offset of the start of the offending text in the equation.
    pub start: usize,
    /// Byte offset just past its end.
    pub end: usize,
    /// What is wrong.
    pub message: String,
    /// How to fix it, when there is an obvious fix.
    pub help: Option<String>,
}

/// Parses one equation.
///
/// ```
/// use pressure_model::eqn::{parse, print};
/// let ast = parse("(teacup - room) / time_constant").unwrap();
/// assert_eq!(print(&ast), "(teacup - room) / time_constant");
/// assert!(parse("a + * b").is_err());
/// ```
pub fn parse(text: &str) -> Result<Ast, ParseError> {
    let tokens = lex(text)?;
    let mut p = Parser {
        t: tokens,
        i: 0,
        depth: 0,
    };
    if matches!(p.peek(), Tok::End) {
        return Err(ParseError {
            start: 0,
            end: text.len(),
            message: "empty equation".into(),
            help: Some("write an expression, e.g. \"0\"".into()),
        });
    }
    let e = p.expr()?;
    match p.peek() {
        Tok::End => Ok(e),
        _ => {
            let t = p.cur().clone();
            Err(ParseError {
                start: t.start,
                end: t.end,
                message: format!(
                    "unexpected {} after a complete expression",
                    describe(&t.tok)
                ),
                help: Some("is an operator or a comma missing?".into()),
            })
        }
    }
}

struct Parser {
    t: Vec<Token>,
    i: usize,
    /// How deep the parse is nested (parentheses, calls, signs, NOT, powers).
    depth: usize,
}

/// The deepest nesting an equation may have: deeper ones are an error, not a stack overflow.
const MAX_DEPTH: usize = 200;

fn describe(t: &Tok) -> String {
    match t {
        Tok::Num(v) => format!("number {v}"),
        Tok::Ident(s) => format!("name '{s}'"),
        Tok::End => "end of equation".into(),
        Tok::Plus => "'+'".into(),
        Tok::Minus => "'-'".into(),
        Tok::Star => "'*'".into(),
        Tok::Slash => "'/'".into(),
        Tok::Caret => "'^'".into(),
        Tok::LParen => "'('".into(),
        Tok::RParen => "')'".into(),
        Tok::LBracket => "'['".into(),
        Tok::RBracket => "']'".into(),
        Tok::Comma => "','".into(),
        Tok::Bang => "'!'".into(),
        Tok::Eq => "'='".into(),
        Tok::Ne => "'<>'".into(),
        Tok::Lt => "'<'".into(),
        Tok::Le => "'<='".into(),
        Tok::Gt => "'>'".into(),
        Tok::Ge => "'>='".into(),
        Tok::And => "AND".into(),
        Tok::Or => "OR".into(),
        Tok::Not => "NOT".into(),
    }
}

fn keyword(t: &Tok) -> Option<&'static str> {
    if let Tok::Ident(s) = t {
        for k in ["IF", "THEN", "ELSE", "AND", "OR", "NOT"] {
            if s.eq_ignore_ascii_case(k) {
                return Some(k);
            }
        }
    }
    None
}

impl Parser {
    fn cur(&self) -> &Token {
        &self.t[self.i]
    }

    fn peek(&self) -> &Tok {
        &self.t[self.i].tok
    }

    fn bump(&mut self) -> Token {
        let t = self.t[self.i].clone();
        if !matches!(t.tok, Tok::End) {
            self.i += 1;
        }
        t
    }

    fn is_kw(&self, k: &str) -> bool {
        keyword(self.peek()) == Some(k)
    }

    fn expect_kw(&mut self, k: &str, context: &str) -> Result<(), ParseError> {
        if self.is_kw(k) {
            self.bump();
            Ok(())
        } else {
            let t = self.cur().clone();
            Err(ParseError {
                start: t.start,
                end: t.end,
                message: format!("expected {k} {context}, found {}", describe(&t.tok)),
                help: Some("the keyword form is IF condition THEN value ELSE value".into()),
            })
        }
    }

    fn expr(&mut self) -> Result<Ast, ParseError> {
        self.descend(Self::or)
    }

    /// Parses one level deeper, or fails when the nesting passes [`MAX_DEPTH`].
    fn descend(
        &mut self,
        f: impl FnOnce(&mut Self) -> Result<Ast, ParseError>,
    ) -> Result<Ast, ParseError> {
        if self.depth >= MAX_DEPTH {
            let t = self.cur().clone();
            return Err(ParseError {
                start: t.start,
                end: t.end,
                message: format!(
                    "the expression is nested more than {MAX_DEPTH} levels deep (parentheses, \
                     calls, signs, NOT or powers)"
                ),
                help: Some("split it into several variables".into()),
            });
        }
        self.depth += 1;
        let r = f(self);
        self.depth -= 1;
        r
    }

    fn binary(op: BinaryOp, a: Ast, b: Ast) -> Ast {
        let (start, end) = (a.start, b.end);
        Ast {
            kind: AstKind::Binary(op, Box::new(a), Box::new(b)),
            start,
            end,
        }
    }

    fn or(&mut self) -> Result<Ast, ParseError> {
        let mut a = self.and()?;
        while matches!(self.peek(), Tok::Or) || self.is_kw("OR") {
            self.bump();
            let b = self.and()?;
            a = Self::binary(BinaryOp::Or, a, b);
        }
        Ok(a)
    }

    fn and(&mut self) -> Result<Ast, ParseError> {
        let mut a = self.not()?;
        while matches!(self.peek(), Tok::And) || self.is_kw("AND") {
            self.bump();
            let b = self.not()?;
            a = Self::binary(BinaryOp::And, a, b);
        }
        Ok(a)
    }

    fn not(&mut self) -> Result<Ast, ParseError> {
        if matches!(self.peek(), Tok::Not) || self.is_kw("NOT") {
            let t = self.bump();
            let e = self.descend(Self::not)?;
            let end = e.end;
            return Ok(Ast {
                kind: AstKind::Unary(UnaryOp::Not, Box::new(e)),
                start: t.start as u32,
                end,
            });
        }
        self.cmp()
    }

    fn cmp(&mut self) -> Result<Ast, ParseError> {
        let mut a = self.sum()?;
        loop {
            let op = match self.peek() {
                Tok::Eq => BinaryOp::Eq,
                Tok::Ne => BinaryOp::Ne,
                Tok::Lt => BinaryOp::Lt,
                Tok::Le => BinaryOp::Le,
                Tok::Gt => BinaryOp::Gt,
                Tok::Ge => BinaryOp::Ge,
                _ => return Ok(a),
            };
            self.bump();
            let b = self.sum()?;
            a = Self::binary(op, a, b);
        }
    }

    fn sum(&mut self) -> Result<Ast, ParseError> {
        let mut a = self.product()?;
        loop {
            let op = match self.peek() {
                Tok::Plus => BinaryOp::Add,
                Tok::Minus => BinaryOp::Sub,
                _ => return Ok(a),
            };
            self.bump();
            let b = self.product()?;
            a = Self::binary(op, a, b);
        }
    }

    fn product(&mut self) -> Result<Ast, ParseError> {
        let mut a = self.unary()?;
        loop {
            let op = match self.peek() {
                Tok::Star => BinaryOp::Mul,
                Tok::Slash => BinaryOp::Div,
                _ => return Ok(a),
            };
            self.bump();
            let b = self.unary()?;
            a = Self::binary(op, a, b);
        }
    }

    fn unary(&mut self) -> Result<Ast, ParseError> {
        match self.peek() {
            Tok::Minus => {
                let t = self.bump();
                let e = self.descend(Self::unary)?;
                let end = e.end;
                Ok(Ast {
                    kind: AstKind::Unary(UnaryOp::Neg, Box::new(e)),
                    start: t.start as u32,
                    end,
                })
            }
            Tok::Plus => {
                self.bump();
                self.descend(Self::unary)
            }
            _ => self.power(),
        }
    }

    fn power(&mut self) -> Result<Ast, ParseError> {
        let a = self.atom()?;
        if matches!(self.peek(), Tok::Caret) {
            self.bump();
            let b = self.descend(Self::unary)?;
            return Ok(Self::binary(BinaryOp::Pow, a, b));
        }
        Ok(a)
    }

    /// Joins consecutive plain words into the longest multi-word builtin name they spell.
    fn name(&mut self, first: &str) -> String {
        if first.contains('.') {
            return first.to_string();
        }
        let mut words = vec![first.to_ascii_uppercase()];
        let mut best: Option<(usize, String)> = None;
        let mut j = self.i;
        loop {
            let joined = words.join(" ");
            if MULTI_WORD_NAMES.contains(&joined.as_str()) && words.len() > 1 {
                best = Some((j, joined.clone()));
            }
            let prefix = format!("{joined} ");
            if !MULTI_WORD_NAMES.iter().any(|n| n.starts_with(&prefix)) {
                break;
            }
            match &self.t[j].tok {
                Tok::Ident(w) if !w.contains('.') => {
                    words.push(w.to_ascii_uppercase());
                    j += 1;
                }
                _ => break,
            }
        }
        match best {
            Some((j, name)) => {
                self.i = j;
                name
            }
            None => first.to_string(),
        }
    }

    fn atom(&mut self) -> Result<Ast, ParseError> {
        let t = self.bump();
        match &t.tok {
            Tok::Num(v) => Ok(Ast {
                kind: AstKind::Num(*v),
                start: t.start as u32,
                end: t.end as u32,
            }),
            Tok::LParen => {
                let e = self.expr()?;
                self.close(Tok::RParen, "')'", t.start)?;
                Ok(e)
            }
            Tok::Ident(word) => {
                let name = self.name(word);
                if name.eq_ignore_ascii_case("IF") {
                    return self.keyword_if(t.start);
                }
                if let Some(k) = keyword(&Tok::Ident(name.clone())) {
                    return Err(ParseError {
                        start: t.start,
                        end: t.end,
                        message: format!("expected a value, found the keyword {k}"),
                        help: None,
                    });
                }
                let mut end = self.t[self.i - 1].end;
                let subs = if matches!(self.peek(), Tok::LBracket) {
                    let (subs, e) = self.subscripts()?;
                    end = e;
                    subs
                } else {
                    Vec::new()
                };
                if matches!(self.peek(), Tok::LParen) {
                    let open = self.bump();
                    let mut args = Vec::new();
                    if !matches!(self.peek(), Tok::RParen) {
                        loop {
                            args.push(self.expr()?);
                            if matches!(self.peek(), Tok::Comma) {
                                self.bump();
                                continue;
                            }
                            break;
                        }
                    }
                    let close = self.close(Tok::RParen, "')'", open.start)?;
                    let is_ite = name
                        .replace([' ', '_'], "")
                        .eq_ignore_ascii_case("IFTHENELSE");
                    if is_ite && subs.is_empty() && args.len() == 3 {
                        let mut it = args.into_iter();
                        let (c, a, b) =
                            (it.next().unwrap(), it.next().unwrap(), it.next().unwrap());
                        return Ok(Ast {
                            kind: AstKind::If(Box::new(c), Box::new(a), Box::new(b)),
                            start: t.start as u32,
                            end: close as u32,
                        });
                    }
                    return Ok(Ast {
                        kind: AstKind::Call { name, subs, args },
                        start: t.start as u32,
                        end: close as u32,
                    });
                }
                Ok(Ast {
                    kind: AstKind::Ref { name, subs },
                    start: t.start as u32,
                    end: end as u32,
                })
            }
            _ => Err(ParseError {
                start: t.start,
                end: t.end.max(t.start + 1),
                message: format!("expected a value, found {}", describe(&t.tok)),
                help: None,
            }),
        }
    }

    fn keyword_if(&mut self, start: usize) -> Result<Ast, ParseError> {
        let c = self.expr()?;
        self.expect_kw("THEN", "after the IF condition")?;
        let a = self.expr()?;
        self.expect_kw("ELSE", "after the THEN value")?;
        let b = self.expr()?;
        let end = b.end;
        Ok(Ast {
            kind: AstKind::If(Box::new(c), Box::new(a), Box::new(b)),
            start: start as u32,
            end,
        })
    }

    /// Consumes the closing token; returns the end offset.
    fn close(&mut self, tok: Tok, shown: &str, open_at: usize) -> Result<usize, ParseError> {
        if *self.peek() == tok {
            Ok(self.bump().end)
        } else {
            let t = self.cur().clone();
            Err(ParseError {
                start: t.start,
                end: t.end.max(t.start + 1),
                message: format!(
                    "expected {shown} to close the bracket opened at offset {open_at}, found {}",
                    describe(&t.tok)
                ),
                help: None,
            })
        }
    }

    fn subscripts(&mut self) -> Result<(Vec<SubAst>, usize), ParseError> {
        let open = self.bump();
        let mut subs = Vec::new();
        loop {
            let t = self.bump();
            match &t.tok {
                Tok::Ident(n) => {
                    let mut end = t.end;
                    let bang = if matches!(self.peek(), Tok::Bang) {
                        end = self.bump().end;
                        true
                    } else {
                        false
                    };
                    subs.push(SubAst {
                        name: n.clone(),
                        bang,
                        start: t.start as u32,
                        end: end as u32,
                    });
                }
                _ => {
                    return Err(ParseError {
                        start: t.start,
                        end: t.end.max(t.start + 1),
                        message: format!(
                            "expected a dimension or element name in [...], found {}",
                            describe(&t.tok)
                        ),
                        help: Some(
                            "subscripts look like x[group], x[sec] or SUM(x[group!])".into(),
                        ),
                    })
                }
            }
            if matches!(self.peek(), Tok::Comma) {
                self.bump();
                continue;
            }
            break;
        }
        let end = self.close(Tok::RBracket, "']'", open.start)?;
        Ok((subs, end))
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn deep_nesting_is_an_error_not_a_stack_overflow() {
        let ok = format!("{}1{}", "(".repeat(150), ")".repeat(150));
        assert!(super::parse(&ok).is_ok());
        for deep in [
            format!("{}1{}", "(".repeat(5000), ")".repeat(5000)),
            format!("{}1", "-".repeat(5000)),
            format!("{}x", "NOT ".repeat(5000)),
            format!("2{}", "^2".repeat(5000)),
            format!("{}1", "MAX(".repeat(5000)),
        ] {
            let e = super::parse(&deep).unwrap_err();
            assert!(
                e.message.contains("nested more than 200 levels"),
                "{}",
                e.message
            );
        }
    }

    use super::*;
    use crate::eqn::print;

    fn p(s: &str) -> String {
        print(&parse(s).unwrap())
    }

    #[test]
    fn precedence_and_associativity() {
        assert_eq!(p("1 + 2 * 3"), "1 + 2 * 3");
        assert_eq!(p("(1 + 2) * 3"), "(1 + 2) * 3");
        assert_eq!(p("a - b - c"), "a - b - c");
        assert_eq!(p("a - (b - c)"), "a - (b - c)");
        assert_eq!(p("2 ^ 3 ^ 2"), "2 ^ 3 ^ 2");
        assert_eq!(p("(2 ^ 3) ^ 2"), "(2 ^ 3) ^ 2");
        assert_eq!(p("-a ^ 2"), "-a ^ 2");
        assert_eq!(p("(-a) ^ 2"), "(-a) ^ 2");
        assert_eq!(p("a < b AND NOT c OR d"), "a < b AND NOT c OR d");
        assert_eq!(p("a :AND: b"), "a AND b");
    }

    #[test]
    fn negative_exponent_binds_to_the_power() {
        let a = parse("2 ^ -1").unwrap();
        match a.kind {
            AstKind::Binary(BinaryOp::Pow, _, r) => {
                assert!(matches!(r.kind, AstKind::Unary(UnaryOp::Neg, _)))
            }
            _ => panic!("not a power"),
        }
    }

    #[test]
    fn multi_word_builtins_and_if_forms() {
        assert_eq!(p("IF THEN ELSE(a > 1, 2, 3)"), "IF_THEN_ELSE(a > 1, 2, 3)");
        assert_eq!(p("if_then_else(a, 2, 3)"), "IF_THEN_ELSE(a, 2, 3)");
        assert_eq!(
            p("IF a > 1 THEN 2 ELSE 3 + 1"),
            "IF_THEN_ELSE(a > 1, 2, 3 + 1)"
        );
        assert_eq!(p("PULSE TRAIN(1, 2, 3, 4)"), "PULSE TRAIN(1, 2, 3, 4)");
        assert_eq!(p("FINAL TIME - INITIAL TIME"), "FINAL TIME - INITIAL TIME");
        assert_eq!(p("TIME STEP"), "TIME STEP");
        // "INITIAL" alone stays a function name.
        assert_eq!(p("INITIAL(x)"), "INITIAL(x)");
    }

    #[test]
    fn subscripts_and_dotted_names() {
        assert_eq!(
            p("SUM(x[group!] * w[group!])"),
            "SUM(x[group!] * w[group!])"
        );
        assert_eq!(
            p("fiscal.deficit + effect[sec](x)"),
            "fiscal.deficit + effect[sec](x)"
        );
    }

    #[test]
    fn errors_point_at_the_offending_token() {
        let e = parse("a + * b").unwrap_err();
        assert_eq!((e.start, e.end), (4, 5));
        let e = parse("(a + b").unwrap_err();
        assert!(e.message.contains("')'"), "{}", e.message);
        let e = parse("a $ b").unwrap_err();
        assert_eq!(e.start, 2);
        let e = parse("1e999").unwrap_err();
        assert!(e.message.contains("too large"));
        assert!(parse("").is_err());
        assert!(parse("IF a THEN b").is_err());
        assert!(parse("x[]").is_err());
    }
}
