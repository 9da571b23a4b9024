//! The row-filter expression language of [`Table::filter`](super::Table::filter):
//! a tokenizer, a recursive-descent parser and a column-wise evaluator.
//!
//! ```text
//! expr    := and ( ("||" | "or") and )*
//! and     := unary ( ("&&" | "and") unary )*
//! unary   := ("!" | "not") unary | "(" expr ")" | "is_missing" "(" ident ")" | compare
//! compare := ident op literal | ident "in" "[" literal ("," literal)* "]"
//! op      := "==" | "!=" | "<" | "<=" | ">" | ">="
//! ```

use super::{Column, Table, TextColumn};
use crate::error::{DataError, Result};

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Ident(String),
    Num(f64),
    Str(String),
    Op(&'static str),
    LParen,
    RParen,
    LBracket,
    RBracket,
    Comma,
    And,
    Or,
    Not,
}

#[derive(Debug, Clone, PartialEq)]
enum Literal {
    Num(f64),
    Str(String),
}

#[derive(Debug)]
enum Expr {
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    Not(Box<Expr>),
    IsMissing {
        column: String,
        pos: usize,
    },
    Compare {
        column: String,
        op: &'static str,
        value: Literal,
        pos: usize,
    },
    In {
        column: String,
        values: Vec<Literal>,
        pos: usize,
    },
}

fn err(expr: &str, position: usize, message: impl Into<String>) -> DataError {
    DataError::Filter {
        expr: expr.to_owned(),
        position,
        message: message.into(),
    }
}

/// Tokens with their 1-based character positions.
fn tokenize(src: &str) -> Result<Vec<(Tok, usize)>> {
    let chars: Vec<char> = src.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let pos = i + 1;
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        let two: String = chars[i..(i + 2).min(chars.len())].iter().collect();
        let tok = match two.as_str() {
            "==" | "!=" | "<=" | ">=" => {
                i += 2;
                Tok::Op(match two.as_str() {
                    "==" => "==",
                    "!=" => "!=",
                    "<=" => "<=",
                    _ => ">=",
                })
            }
            "&&" => {
                i += 2;
                Tok::And
            }
            "||" => {
                i += 2;
                Tok::Or
            }
            _ => match c {
                '<' | '>' => {
                    i += 1;
                    Tok::Op(if c == '<' { "<" } else { ">" })
                }
                '!' => {
                    i += 1;
                    Tok::Not
                }
                '(' | ')' | '[' | ']' | ',' => {
                    i += 1;
                    match c {
                        '(' => Tok::LParen,
                        ')' => Tok::RParen,
                        '[' => Tok::LBracket,
                        ']' => Tok::RBracket,
                        _ => Tok::Comma,
                    }
                }
                '\'' | '"' => {
                    let end = chars[i + 1..]
                        .iter()
                        .position(|&x| x == c)
                        .ok_or_else(|| err(src, pos, "unterminated string"))?;
                    let s: String = chars[i + 1..i + 1 + end].iter().collect();
                    i += end + 2;
                    Tok::Str(s)
                }
                c if c.is_ascii_digit() || c == '-' || c == '+' || c == '.' => {
                    let start = i;
                    i += 1;
                    while i < chars.len()
                        && (chars[i].is_ascii_alphanumeric()
                            || chars[i] == '.'
                            || ((chars[i] == '-' || chars[i] == '+')
                                && matches!(chars[i - 1], 'e' | 'E')))
                    {
                        i += 1;
                    }
                    let s: String = chars[start..i].iter().collect();
                    let x: f64 = s
                        .parse()
                        .map_err(|_| err(src, pos, format!("`{s}` is not a number")))?;
                    Tok::Num(x)
                }
                c if c.is_alphabetic() || c == '_' => {
                    let start = i;
                    while i < chars.len()
                        && (chars[i].is_alphanumeric() || chars[i] == '_' || chars[i] == '.')
                    {
                        i += 1;
                    }
                    let s: String = chars[start..i].iter().collect();
                    match s.as_str() {
                        "and" => Tok::And,
                        "or" => Tok::Or,
                        "not" => Tok::Not,
                        _ => Tok::Ident(s),
                    }
                }
                other => return Err(err(src, pos, format!("unexpected character `{other}`"))),
            },
        };
        out.push((tok, pos));
    }
    Ok(out)
}

struct Parser<'a> {
    src: &'a str,
    toks: Vec<(Tok, usize)>,
    at: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.at).map(|(t, _)| t)
    }

    fn pos(&self) -> usize {
        self.toks
            .get(self.at)
            .map(|(_, p)| *p)
            .unwrap_or(self.src.chars().count() + 1)
    }

    fn next(&mut self) -> Option<Tok> {
        let t = self.toks.get(self.at).map(|(t, _)| t.clone());
        self.at += 1;
        t
    }

    fn expect(&mut self, want: Tok, what: &str) -> Result<()> {
        let pos = self.pos();
        match self.next() {
            Some(t) if t == want => Ok(()),
            _ => Err(err(self.src, pos, format!("expected {what}"))),
        }
    }

    fn or(&mut self) -> Result<Expr> {
        let mut lhs = self.and()?;
        while self.peek() == Some(&Tok::Or) {
            self.next();
            lhs = Expr::Or(Box::new(lhs), Box::new(self.and()?));
        }
        Ok(lhs)
    }

    fn and(&mut self) -> Result<Expr> {
        let mut lhs = self.unary()?;
        while self.peek() == Some(&Tok::And) {
            self.next();
            lhs = Expr::And(Box::new(lhs), Box::new(self.unary()?));
        }
        Ok(lhs)
    }

    fn unary(&mut self) -> Result<Expr> {
        let pos = self.pos();
        match self.next() {
            Some(Tok::Not) => Ok(Expr::Not(Box::new(self.unary()?))),
            Some(Tok::LParen) => {
                let e = self.or()?;
                self.expect(Tok::RParen, "`)`")?;
                Ok(e)
            }
            Some(Tok::Ident(name)) if name == "is_missing" && self.peek() == Some(&Tok::LParen) => {
                self.next();
                let cpos = self.pos();
                let column = match self.next() {
                    Some(Tok::Ident(c)) => c,
                    _ => return Err(err(self.src, cpos, "expected a column name")),
                };
                self.expect(Tok::RParen, "`)`")?;
                Ok(Expr::IsMissing { column, pos: cpos })
            }
            Some(Tok::Ident(column)) => {
                let opos = self.pos();
                match self.next() {
                    Some(Tok::Op(op)) => {
                        let value = self.literal()?;
                        Ok(Expr::Compare {
                            column,
                            op,
                            value,
                            pos,
                        })
                    }
                    Some(Tok::Ident(kw)) if kw == "in" => {
                        self.expect(Tok::LBracket, "`[`")?;
                        let mut values = vec![self.literal()?];
                        while self.peek() == Some(&Tok::Comma) {
                            self.next();
                            values.push(self.literal()?);
                        }
                        self.expect(Tok::RBracket, "`]`")?;
                        Ok(Expr::In {
                            column,
                            values,
                            pos,
                        })
                    }
                    _ => Err(err(
                        self.src,
                        opos,
                        "expected a comparison (== != < <= > >=) or `in [...]`",
                    )),
                }
            }
            _ => Err(err(
                self.src,
                pos,
                "expected a column name, `!`, `(` or `is_missing(...)`",
            )),
        }
    }

    fn literal(&mut self) -> Result<Literal> {
        let pos = self.pos();
        match self.next() {
            Some(Tok::Num(x)) => Ok(Literal::Num(x)),
            Some(Tok::Str(s)) => Ok(Literal::Str(s)),
            _ => Err(err(self.src, pos, "expected a number or a quoted string")),
        }
    }
}

fn compare_num(x: f64, op: &str, y: f64) -> bool {
    match op {
        "==" => x == y,
        "!=" => !x.is_nan() && x != y,
        "<" => x < y,
        "<=" => x <= y,
        ">" => x > y,
        _ => x >= y,
    }
}

fn eval(table: &Table, src: &str, e: &Expr) -> Result<Vec<bool>> {
    let n = table.n_rows();
    let column = |name: &str, pos: usize| {
        table.column(name).map_err(|_| {
            err(
                src,
                pos,
                format!(
                    "no column `{name}` in {} (columns: {})",
                    table.name(),
                    table.column_names().join(", ")
                ),
            )
        })
    };
    Ok(match e {
        Expr::And(a, b) => {
            let (a, b) = (eval(table, src, a)?, eval(table, src, b)?);
            a.iter().zip(&b).map(|(x, y)| *x && *y).collect()
        }
        Expr::Or(a, b) => {
            let (a, b) = (eval(table, src, a)?, eval(table, src, b)?);
            a.iter().zip(&b).map(|(x, y)| *x || *y).collect()
        }
        Expr::Not(a) => eval(table, src, a)?.into_iter().map(|x| !x).collect(),
        Expr::IsMissing { column: c, pos } => {
            let col = column(c, *pos)?;
            (0..n).map(|i| col.is_missing(i)).collect()
        }
        Expr::Compare {
            column: c,
            op,
            value,
            pos,
        } => {
            let col = column(c, *pos)?;
            match (col, value) {
                (Column::Float(v), Literal::Num(y)) => {
                    v.iter().map(|&x| compare_num(x, op, *y)).collect()
                }
                (Column::Int(v), Literal::Num(y)) => v
                    .iter()
                    .map(|x| x.is_some_and(|x| compare_num(x as f64, op, *y)))
                    .collect(),
                (Column::Text(t), Literal::Str(s)) => {
                    if *op != "==" && *op != "!=" {
                        return Err(err(
                            src,
                            *pos,
                            format!("text column `{c}` allows only == and != (found {op})"),
                        ));
                    }
                    let code = t.code_of(s);
                    let eq = *op == "==";
                    t.codes()
                        .iter()
                        .map(|&k| k != TextColumn::MISSING && (Some(k) == code) == eq)
                        .collect()
                }
                (Column::Text(_), Literal::Num(_)) => {
                    return Err(err(
                        src,
                        *pos,
                        format!("column `{c}` is text: compare it with a quoted string"),
                    ))
                }
                (_, Literal::Str(_)) => {
                    return Err(err(
                        src,
                        *pos,
                        format!("column `{c}` is numeric: compare it with a number"),
                    ))
                }
            }
        }
        Expr::In {
            column: c,
            values,
            pos,
        } => {
            column(c, *pos)?;
            let mut mask = vec![false; n];
            for v in values {
                let m = eval(
                    table,
                    src,
                    &Expr::Compare {
                        column: c.clone(),
                        op: "==",
                        value: v.clone(),
                        pos: *pos,
                    },
                )?;
                for (a, b) in mask.iter_mut().zip(m) {
                    *a |= b;
                }
            }
            mask
        }
    })
}

/// Parses `src` and evaluates it to one boolean per row of `table`.
pub(super) fn evaluate(table: &Table, src: &str) -> Result<Vec<bool>> {
    let toks = tokenize(src)?;
    if toks.is_empty() {
        return Err(err(src, 1, "empty filter expression"));
    }
    let mut p = Parser { src, toks, at: 0 };
    let e = p.or()?;
    if p.at < p.toks.len() {
        let pos = p.pos();
        return Err(err(src, pos, "unexpected text after the expression"));
    }
    eval(table, src, &e)
}

#[cfg(test)]
mod tests {
    use crate::table::{ReadOptions, Table};
    use crate::DataError;

    fn t() -> Table {
        Table::read_str(
            "country,year,g\nIRN,2011,3.1\nIRN,2012,-7.4\nRUS,2014,\nVEN,2017,-15.7\n",
            "p.csv",
            &ReadOptions::new(),
        )
        .unwrap()
    }

    fn rows(expr: &str) -> Vec<usize> {
        let m = t().mask(expr).unwrap();
        (0..m.len()).filter(|&i| m[i]).collect()
    }

    #[test]
    fn comparisons_and_logic() {
        assert_eq!(rows("year >= 2012"), vec![1, 2, 3]);
        assert_eq!(rows("country == 'IRN' && year > 2011"), vec![1]);
        assert_eq!(rows("country == \"RUS\" or g < -10"), vec![2, 3]);
        assert_eq!(rows("not (country != 'IRN')"), vec![0, 1]);
        assert_eq!(rows("country in ['VEN', 'RUS']"), vec![2, 3]);
        assert_eq!(rows("is_missing(g)"), vec![2]);
        assert_eq!(rows("!is_missing(g) && g != 3.1"), vec![1, 3]);
        assert_eq!(rows("year == 2.011e3"), vec![0]);
        // Missing values never satisfy a comparison.
        assert_eq!(rows("g < 100"), vec![0, 1, 3]);
        assert_eq!(rows("g != 0"), vec![0, 1, 3]);
        assert_eq!(rows("country == 'XXX'"), Vec::<usize>::new());
        assert_eq!(rows("country != 'XXX'"), vec![0, 1, 2, 3]);
    }

    #[test]
    fn errors_point_at_the_problem() {
        let e = t().mask("year >= 2012 && gdp > 1").unwrap_err();
        match &e {
            DataError::Filter {
                position, message, ..
            } => {
                assert_eq!(*position, 17);
                assert!(message.contains("no column `gdp`"), "{message}");
            }
            other => panic!("{other:?}"),
        }
        let m = t().mask("country < 'X'").unwrap_err().to_string();
        assert!(m.contains("only == and !="), "{m}");
        let m = t().mask("year == 'x'").unwrap_err().to_string();
        assert!(m.contains("numeric"), "{m}");
        let m = t().mask("year >= ").unwrap_err().to_string();
        assert!(
            m.contains("character 9") && m.contains("expected a number"),
            "{m}"
        );
        let m = t().mask("(year > 1").unwrap_err().to_string();
        assert!(m.contains("expected `)`"), "{m}");
        let m = t().mask("year > 1 year").unwrap_err().to_string();
        assert!(m.contains("unexpected text"), "{m}");
        assert!(t().mask("").is_err());
        assert!(t().mask("country == 'IRN").is_err());
    }
}
