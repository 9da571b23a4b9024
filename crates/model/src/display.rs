//! Rendering resolved expressions back to text (names instead of ids).

use crate::builtins::Builtin;
use crate::eqn::ast::{NEG_PRECEDENCE, NOT_PRECEDENCE};
use crate::eqn::number;
use crate::eqn::UnaryOp;
use crate::ir::*;

fn prec(e: &Expr) -> u8 {
    match &e.kind {
        ExprKind::Binary(op, ..) => op.precedence(),
        ExprKind::Unary(UnaryOp::Neg, _) => NEG_PRECEDENCE,
        ExprKind::Unary(UnaryOp::Not, _) => NOT_PRECEDENCE,
        _ => 10,
    }
}

fn child(m: &Model, e: &Expr, min: u8, out: &mut String) {
    if prec(e) < min {
        out.push('(');
        write(m, e, out);
        out.push(')');
    } else {
        write(m, e, out);
    }
}

fn indices(m: &Model, idx: &[Index], out: &mut String) {
    if idx.is_empty() {
        return;
    }
    let parts: Vec<String> = idx
        .iter()
        .map(|i| match i {
            Index::Dim(d) => m.dim(*d).name.clone(),
            Index::Element(d, k) => m.dim(*d).elements[*k as usize].clone(),
            Index::Reduce(d) => format!("{}!", m.dim(*d).name),
        })
        .collect();
    out.push('[');
    out.push_str(&parts.join(", "));
    out.push(']');
}

fn args(m: &Model, name: &str, a: &[Expr], out: &mut String) {
    out.push_str(name);
    out.push('(');
    for (i, x) in a.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        write(m, x, out);
    }
    out.push(')');
}

fn write(m: &Model, e: &Expr, out: &mut String) {
    match &e.kind {
        ExprKind::Const(v) => out.push_str(&number(*v)),
        ExprKind::Var(v, idx) => {
            out.push_str(&m.var(*v).name);
            indices(m, idx, out);
        }
        ExprKind::Register(b) => out.push_str(b.name()),
        ExprKind::Unary(UnaryOp::Neg, a) => {
            out.push('-');
            child(m, a, NEG_PRECEDENCE, out);
        }
        ExprKind::Unary(UnaryOp::Not, a) => {
            out.push_str("NOT ");
            child(m, a, NOT_PRECEDENCE, out);
        }
        ExprKind::Binary(op, a, b) => {
            let p = op.precedence();
            if *op == crate::eqn::BinaryOp::Pow {
                child(m, a, p + 1, out);
                out.push_str(" ^ ");
                child(m, b, NEG_PRECEDENCE, out);
            } else {
                child(m, a, p, out);
                out.push(' ');
                out.push_str(op.symbol());
                out.push(' ');
                child(m, b, p + 1, out);
            }
        }
        ExprKind::If(c, a, b) => args(
            m,
            "IF_THEN_ELSE",
            &[(**c).clone(), (**a).clone(), (**b).clone()],
            out,
        ),
        ExprKind::Call(b, a) => args(m, &b.name().replace(' ', "_"), a, out),
        ExprKind::Lookup(t, idx, a) => {
            out.push_str(&m.var(*t).name);
            indices(m, idx, out);
            out.push('(');
            write(m, a, out);
            out.push(')');
        }
        ExprKind::Reduce(b, _, a) => args(m, b.name(), std::slice::from_ref(a), out),
        ExprKind::Stateful(s) => {
            let name = if s.builtin == Builtin::IfThenElse {
                "IF_THEN_ELSE"
            } else {
                s.builtin.name()
            };
            args(m, &name.replace(' ', "_"), &s.args, out)
        }
    }
}

pub(crate) fn expr(m: &Model, e: &Expr) -> String {
    let mut s = String::new();
    write(m, e, &mut s);
    s
}
