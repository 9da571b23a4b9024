//! Tokens of the equation language.

use super::parser::ParseError;

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Tok {
    Num(f64),
    /// An identifier, possibly dotted (`fiscal.deficit`).
    Ident(String),
    Plus,
    Minus,
    Star,
    Slash,
    Caret,
    LParen,
    RParen,
    LBracket,
    RBracket,
    Comma,
    Bang,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    And,
    Or,
    Not,
    End,
}

#[derive(Debug, Clone)]
pub(crate) struct Token {
    pub tok: Tok,
    pub start: usize,
    pub end: usize,
}

fn is_ident_start(c: u8) -> bool {
    c.is_ascii_alphabetic() || c == b'_'
}

fn is_ident_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

pub(crate) fn lex(text: &str) -> Result<Vec<Token>, ParseError> {
    let b = text.as_bytes();
    let mut i = 0;
    let mut out = Vec::new();
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        let start = i;
        let tok = if is_ident_start(c) {
            i += 1;
            loop {
                while i < b.len() && is_ident_char(b[i]) {
                    i += 1;
                }
                // A dot continues the name only when a name segment follows it.
                if i + 1 < b.len() && b[i] == b'.' && is_ident_start(b[i + 1]) {
                    i += 2;
                    continue;
                }
                break;
            }
            Tok::Ident(text[start..i].to_string())
        } else if c.is_ascii_digit() || (c == b'.' && i + 1 < b.len() && b[i + 1].is_ascii_digit())
        {
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
            if i < b.len() && b[i] == b'.' {
                i += 1;
                while i < b.len() && b[i].is_ascii_digit() {
                    i += 1;
                }
            }
            if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
                let mut j = i + 1;
                if j < b.len() && (b[j] == b'+' || b[j] == b'-') {
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
            let v: f64 = s.parse().map_err(|_| ParseError {
                start,
                end: i,
                message: format!("malformed number '{s}'"),
                help: None,
            })?;
            if !v.is_finite() {
                return Err(ParseError {
                    start,
                    end: i,
                    message: format!("number '{s}' is too large for a 64-bit float"),
                    help: None,
                });
            }
            if i < b.len() && is_ident_start(b[i]) {
                return Err(ParseError {
                    start,
                    end: i + 1,
                    message: format!("a name cannot start with a digit: '{}…'", &text[start..=i]),
                    help: Some("names are [A-Za-z_][A-Za-z0-9_]*".into()),
                });
            }
            Tok::Num(v)
        } else {
            let two = if i + 1 < b.len() {
                &b[i..i + 2]
            } else {
                &b[i..i + 1]
            };
            let (tok, len) = match two {
                b"<=" => (Tok::Le, 2),
                b">=" => (Tok::Ge, 2),
                b"<>" => (Tok::Ne, 2),
                b"!=" => (Tok::Ne, 2),
                b"==" => (Tok::Eq, 2),
                b"&&" => (Tok::And, 2),
                b"||" => (Tok::Or, 2),
                _ => match c {
                    b'+' => (Tok::Plus, 1),
                    b'-' => (Tok::Minus, 1),
                    b'*' => (Tok::Star, 1),
                    b'/' => (Tok::Slash, 1),
                    b'^' => (Tok::Caret, 1),
                    b'(' => (Tok::LParen, 1),
                    b')' => (Tok::RParen, 1),
                    b'[' => (Tok::LBracket, 1),
                    b']' => (Tok::RBracket, 1),
                    b',' => (Tok::Comma, 1),
                    b'!' => (Tok::Bang, 1),
                    b'=' => (Tok::Eq, 1),
                    b'<' => (Tok::Lt, 1),
                    b'>' => (Tok::Gt, 1),
                    b':' => {
                        let rest = text[i..].to_ascii_uppercase();
                        if rest.starts_with(":AND:") {
                            (Tok::And, 5)
                        } else if rest.starts_with(":OR:") {
                            (Tok::Or, 4)
                        } else if rest.starts_with(":NOT:") {
                            (Tok::Not, 5)
                        } else {
                            return Err(unexpected(text, i));
                        }
                    }
                    _ => return Err(unexpected(text, i)),
                },
            };
            i += len;
            tok
        };
        out.push(Token { tok, start, end: i });
    }
    out.push(Token {
        tok: Tok::End,
        start: b.len(),
        end: b.len(),
    });
    Ok(out)
}

fn unexpected(text: &str, i: usize) -> ParseError {
    let ch = text[i..].chars().next().unwrap_or('?');
    ParseError {
        start: i,
        end: i + ch.len_utf8(),
        message: format!("unexpected character '{ch}'"),
        help: Some(
            "equations use names, numbers, + - * / ^, comparisons, AND/OR/NOT, ( ) [ ] and commas"
                .into(),
        ),
    }
}
