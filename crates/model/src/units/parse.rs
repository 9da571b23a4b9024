//! The syntax of unit expressions: `usd_bn/year`, `1/year`, `person*year`, `m^2`,
//! `usd_bn/(person*year)`, `year^-1`, `1000*usd`, `%`.
//!
//! ```text
//! expr     := term (('*' | '/') term)*
//! term     := atom ('^' exponent)?
//! atom     := NAME | NUMBER | '(' expr ')'
//! exponent := ['-' | '+'] NUMBER | '(' ['-' | '+'] NUMBER ['/' NUMBER] ')'
//! NAME     := [A-Za-z_][A-Za-z0-9_]* | '%'
//! ```
//!
//! Parsing gives a [`UnitAst`] with byte offsets into the text, so that an unknown name or a
//! syntax error can be reported at its exact column in the model file.

/// A parsed unit expression.
#[derive(Debug, Clone, PartialEq)]
pub enum UnitAst {
    /// A unit name, with its byte range in the text.
    Name(String, usize, usize),
    /// A positive number (a factor such as `1000` in `1000*usd`, or the `1` of `1/year`).
    Number(f64),
    /// Product of two unit expressions (`a*b`).
    Mul(Box<UnitAst>, Box<UnitAst>),
    /// Quotient of two unit expressions (`a/b`).
    Div(Box<UnitAst>, Box<UnitAst>),
    /// Base raised to a constant exponent (given as a fraction `num/den`).
    Pow(Box<UnitAst>, i64, i64),
}

/// A syntax error in a unit expression: the message and the byte range it points at.
#[derive(Debug, Clone, PartialEq)]
pub struct UnitSyntaxError {
    /// What is wrong.
    pub message: String,
    /// Byte offset of the start of the offending text.
    pub start: usize,
    /// Byte offset just past its end.
    pub end: usize,
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Name(String),
    Num(f64),
    Star,
    Slash,
    Caret,
    Minus,
    Plus,
    LParen,
    RParen,
}

fn lex(text: &str) -> Result<Vec<(Tok, usize, usize)>, UnitSyntaxError> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let start = i;
        match c {
            b' ' | b'\t' | b'\n' | b'\r' => {
                i += 1;
                continue;
            }
            b'*' => out.push((Tok::Star, i, i + 1)),
            b'/' => out.push((Tok::Slash, i, i + 1)),
            b'^' => out.push((Tok::Caret, i, i + 1)),
            b'-' => out.push((Tok::Minus, i, i + 1)),
            b'+' => out.push((Tok::Plus, i, i + 1)),
            b'(' => out.push((Tok::LParen, i, i + 1)),
            b')' => out.push((Tok::RParen, i, i + 1)),
            b'%' => out.push((Tok::Name("%".into()), i, i + 1)),
            c if c.is_ascii_alphabetic() || c == b'_' => {
                while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                    i += 1;
                }
                out.push((Tok::Name(text[start..i].to_string()), start, i));
                continue;
            }
            c if c.is_ascii_digit() || c == b'.' => {
                while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'.') {
                    i += 1;
                }
                // Exponent part: 1e9, 2.5E-3.
                if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
                    let mut j = i + 1;
                    if j < b.len() && (b[j] == b'-' || b[j] == b'+') {
                        j += 1;
                    }
                    if j < b.len() && b[j].is_ascii_digit() {
                        while j < b.len() && b[j].is_ascii_digit() {
                            j += 1;
                        }
                        i = j;
                    }
                }
                let s = &text[start..i];
                match s.parse::<f64>() {
                    Ok(x) if x.is_finite() => out.push((Tok::Num(x), start, i)),
                    _ => {
                        return Err(UnitSyntaxError {
                            message: format!("'{s}' is not a number"),
                            start,
                            end: i,
                        })
                    }
                }
                continue;
            }
            _ => {
                let ch = text[i..].chars().next().unwrap_or('?');
                return Err(UnitSyntaxError {
                    message: format!("unexpected character '{ch}' in a unit expression"),
                    start: i,
                    end: i + ch.len_utf8(),
                });
            }
        }
        i += 1;
    }
    Ok(out)
}

struct Parser<'a> {
    toks: Vec<(Tok, usize, usize)>,
    pos: usize,
    text: &'a str,
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos).map(|t| &t.0)
    }

    /// Byte range of the current token (or the end of the text).
    fn here(&self) -> (usize, usize) {
        match self.toks.get(self.pos) {
            Some(t) => (t.1, t.2),
            None => (self.text.len(), self.text.len()),
        }
    }

    fn error<T>(&self, message: impl Into<String>) -> Result<T, UnitSyntaxError> {
        let (start, end) = self.here();
        Err(UnitSyntaxError {
            message: message.into(),
            start,
            end,
        })
    }

    fn expr(&mut self) -> Result<UnitAst, UnitSyntaxError> {
        let mut left = self.term()?;
        loop {
            match self.peek() {
                Some(Tok::Star) => {
                    self.pos += 1;
                    left = UnitAst::Mul(Box::new(left), Box::new(self.term()?));
                }
                Some(Tok::Slash) => {
                    self.pos += 1;
                    left = UnitAst::Div(Box::new(left), Box::new(self.term()?));
                }
                _ => return Ok(left),
            }
        }
    }

    fn term(&mut self) -> Result<UnitAst, UnitSyntaxError> {
        let base = self.atom()?;
        if self.peek() == Some(&Tok::Caret) {
            self.pos += 1;
            let (num, den) = self.exponent()?;
            return Ok(UnitAst::Pow(Box::new(base), num, den));
        }
        Ok(base)
    }

    fn atom(&mut self) -> Result<UnitAst, UnitSyntaxError> {
        let (start, end) = self.here();
        match self.peek().cloned() {
            Some(Tok::Name(n)) => {
                self.pos += 1;
                Ok(UnitAst::Name(n, start, end))
            }
            Some(Tok::Num(x)) => {
                self.pos += 1;
                if x <= 0.0 {
                    return Err(UnitSyntaxError {
                        message: "a number in a unit expression must be positive".into(),
                        start,
                        end,
                    });
                }
                Ok(UnitAst::Number(x))
            }
            Some(Tok::LParen) => {
                self.pos += 1;
                let e = self.expr()?;
                if self.peek() != Some(&Tok::RParen) {
                    return self.error("expected ')'");
                }
                self.pos += 1;
                Ok(e)
            }
            Some(Tok::Minus) => self.error(
                "a unit cannot be negative; a minus sign is only allowed in an exponent (year^-1)",
            ),
            Some(_) => self.error("expected a unit name, a number or '('"),
            None => self.error(if self.toks.is_empty() {
                "empty unit expression (write `dimensionless` for a pure number)"
            } else {
                "the unit expression ends too early"
            }),
        }
    }

    fn signed_number(&mut self) -> Result<f64, UnitSyntaxError> {
        let mut sign = 1.0;
        match self.peek() {
            Some(Tok::Minus) => {
                sign = -1.0;
                self.pos += 1;
            }
            Some(Tok::Plus) => self.pos += 1,
            _ => {}
        }
        match self.peek() {
            Some(Tok::Num(x)) => {
                let x = *x;
                self.pos += 1;
                Ok(sign * x)
            }
            _ => self.error("an exponent must be a number (year^-1, m^2, s^(1/2))"),
        }
    }

    fn exponent(&mut self) -> Result<(i64, i64), UnitSyntaxError> {
        let (start, _) = self.here();
        let value = if self.peek() == Some(&Tok::LParen) {
            self.pos += 1;
            let n = self.signed_number()?;
            let d = if self.peek() == Some(&Tok::Slash) {
                self.pos += 1;
                self.signed_number()?
            } else {
                1.0
            };
            if self.peek() != Some(&Tok::RParen) {
                return self.error("expected ')' after the exponent");
            }
            self.pos += 1;
            if d == 0.0 {
                return self.error_at(start, "division by zero in an exponent");
            }
            n / d
        } else {
            self.signed_number()?
        };
        let end = self
            .toks
            .get(self.pos.saturating_sub(1))
            .map(|t| t.2)
            .unwrap_or(start);
        match super::unit::Ratio::approx(value) {
            Some(r) => Ok((r.numer(), r.denom())),
            None => Err(UnitSyntaxError {
                message: format!("exponent {value} is not a simple fraction (use a whole number or a fraction with a denominator up to 12)"),
                start,
                end,
            }),
        }
    }

    fn error_at<T>(&self, start: usize, message: &str) -> Result<T, UnitSyntaxError> {
        let (_, end) = self.here();
        Err(UnitSyntaxError {
            message: message.into(),
            start,
            end,
        })
    }
}

/// Parses a unit expression.
pub fn parse_unit_expr(text: &str) -> Result<UnitAst, UnitSyntaxError> {
    let toks = lex(text)?;
    let mut p = Parser { toks, pos: 0, text };
    let e = p.expr()?;
    if p.pos < p.toks.len() {
        let msg = match p.peek() {
            Some(Tok::Name(_)) | Some(Tok::Num(_)) | Some(Tok::LParen) => {
                "expected '*' or '/' between units (write usd*year, not usd year)"
            }
            _ => "unexpected symbol in a unit expression",
        };
        return p.error(msg);
    }
    Ok(e)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_usual_forms() {
        for ok in [
            "usd_bn/year",
            "1/year",
            "dimensionless",
            "person*year",
            "usd_bn/year/year",
            "m^2",
            "year^-1",
            "s^(1/2)",
            "usd_bn/(person*year)",
            "1e9*usd",
            "%",
            " usd / year ",
        ] {
            assert!(parse_unit_expr(ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn reports_the_column_of_syntax_errors() {
        let e = parse_unit_expr("usd//year").unwrap_err();
        assert_eq!((e.start, e.end), (4, 5));
        let e = parse_unit_expr("usd year").unwrap_err();
        assert_eq!(e.start, 4);
        assert!(e.message.contains("'*' or '/'"), "{}", e.message);
        let e = parse_unit_expr("usd/(year").unwrap_err();
        assert_eq!(e.start, 9);
        let e = parse_unit_expr("").unwrap_err();
        assert!(e.message.contains("empty"));
        let e = parse_unit_expr("usd^x").unwrap_err();
        assert_eq!(e.start, 4);
        let e = parse_unit_expr("usd#").unwrap_err();
        assert_eq!((e.start, e.end), (3, 4));
        let e = parse_unit_expr("-usd").unwrap_err();
        assert_eq!(e.start, 0);
        assert!(parse_unit_expr("usd^0.1234").is_err());
    }
}
