//! The equation language: a small Vensim/XMILE-like expression grammar.
//!
//! ```text
//! expr    := or
//! or      := and (("OR" | "||" | ":OR:") and)*
//! and     := not (("AND" | "&&" | ":AND:") not)*
//! not     := ("NOT" | ":NOT:") not | cmp
//! cmp     := sum (("=" | "==" | "<>" | "!=" | "<" | "<=" | ">" | ">=") sum)*
//! sum     := product (("+" | "-") product)*
//! product := unary (("*" | "/") unary)*
//! unary   := ("-" | "+") unary | power
//! power   := atom ("^" unary)?                  (right-associative: 2^3^2 = 2^9)
//! atom    := number | "(" expr ")" | "IF" expr "THEN" expr "ELSE" expr
//!          | name subscripts? ("(" args? ")")?
//! subscripts := "[" sub ("," sub)* "]"      sub := name "!"?
//! ```
//!
//! Names are `[A-Za-z_][A-Za-z0-9_]*`, joined by dots for module paths (`fiscal.deficit`).
//! Builtin function names are case-insensitive and may be written with spaces or underscores
//! (`IF THEN ELSE(c, a, b)`, `if_then_else(...)`, `PULSE TRAIN(...)`); the parser joins
//! consecutive words into one name when they spell a known multi-word builtin.
//! The parser knows nothing about which names exist: resolution happens later (see
//! [`crate::resolve`]).

pub mod ast;
mod lexer;
mod parser;
mod print;

pub use ast::{Ast, AstKind, BinaryOp, SubAst, UnaryOp};
pub use parser::{parse, ParseError};
pub use print::{number, print};
