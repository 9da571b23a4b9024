//! Pretty-printer: the canonical text of an equation. `parse(print(a))` gives back `a`.

use super::ast::*;

/// Prints an expression with the fewest parentheses that keep its structure.
pub fn print(ast: &Ast) -> String {
    let mut s = String::new();
    write(ast, &mut s);
    s
}

/// Shortest text that parses back to exactly `v`.
pub fn number(v: f64) -> String {
    let s = format!("{v:?}");
    match s.strip_suffix(".0") {
        Some(t) => t.to_string(),
        None => s,
    }
}

fn prec(a: &Ast) -> u8 {
    match &a.kind {
        AstKind::Binary(op, ..) => op.precedence(),
        AstKind::Unary(UnaryOp::Neg, _) => NEG_PRECEDENCE,
        AstKind::Unary(UnaryOp::Not, _) => NOT_PRECEDENCE,
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

fn subs(s: &[SubAst], out: &mut String) {
    if s.is_empty() {
        return;
    }
    out.push('[');
    for (i, x) in s.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        out.push_str(&x.name);
        if x.bang {
            out.push('!');
        }
    }
    out.push(']');
}

fn write(a: &Ast, out: &mut String) {
    match &a.kind {
        AstKind::Num(v) => out.push_str(&number(*v)),
        AstKind::Ref { name, subs: s } => {
            out.push_str(name);
            subs(s, out);
        }
        AstKind::Call {
            name,
            subs: s,
            args,
        } => {
            out.push_str(name);
            subs(s, out);
            out.push('(');
            for (i, x) in args.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write(x, out);
            }
            out.push(')');
        }
        AstKind::If(c, x, y) => {
            out.push_str("IF_THEN_ELSE(");
            write(c, out);
            out.push_str(", ");
            write(x, out);
            out.push_str(", ");
            write(y, out);
            out.push(')');
        }
        AstKind::Unary(UnaryOp::Neg, e) => {
            out.push('-');
            // A nested minus needs a space so "--x" is not read as one token (it is not, but
            // "- -x" reads better); a power binds tighter than minus and needs no parentheses.
            if matches!(e.kind, AstKind::Unary(UnaryOp::Neg, _)) {
                out.push(' ');
            }
            child(e, NEG_PRECEDENCE, out);
        }
        AstKind::Unary(UnaryOp::Not, e) => {
            out.push_str("NOT ");
            child(e, NOT_PRECEDENCE, out);
        }
        AstKind::Binary(op, l, r) => {
            let p = op.precedence();
            if *op == BinaryOp::Pow {
                // Right-associative; the right operand may be a unary minus (2 ^ -1).
                child(l, p + 1, out);
                out.push_str(" ^ ");
                child(r, NEG_PRECEDENCE, out);
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
