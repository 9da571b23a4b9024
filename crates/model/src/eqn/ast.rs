//! The parsed (unresolved) form of an equation. Offsets are byte offsets into the equation
//! text; [`crate::resolve`] turns them into file spans.

/// A parsed expression with its byte range in the equation text.
#[derive(Debug, Clone)]
pub struct Ast {
    /// What the expression is.
    pub kind: AstKind,
    /// Byte offset of its first character in the equation text.
    pub start: u32,
    /// Byte offset just past its last character.
    pub end: u32,
}

/// The node types of a parsed expression.
#[derive(Debug, Clone)]
pub enum AstKind {
    /// A numeric literal (always finite and non-negative; `-2` is `Neg(2)`).
    Num(f64),
    /// A name, possibly subscripted: a variable, or a builtin taking no arguments (`TIME`).
    Ref {
        /// The name as written (dotted for module members).
        name: String,
        /// Its subscripts, empty when none.
        subs: Vec<SubAst>,
    },
    /// `name(args)` or `name[subs](args)`: a builtin function or a lookup call.
    /// Multi-word builtin names are stored with single spaces (`PULSE TRAIN`).
    Call {
        /// The function or lookup name.
        name: String,
        /// A lookup's subscripts, empty when none.
        subs: Vec<SubAst>,
        /// The arguments, in order.
        args: Vec<Ast>,
    },
    /// `-x` or `NOT x`.
    Unary(UnaryOp, Box<Ast>),
    /// An arithmetic, comparison or logical operation.
    Binary(BinaryOp, Box<Ast>, Box<Ast>),
    /// `IF c THEN a ELSE b` or `IF THEN ELSE(c, a, b)`.
    If(Box<Ast>, Box<Ast>, Box<Ast>),
}

/// One subscript: a dimension name, an element name, or `dim!` (reduce over `dim`).
#[derive(Debug, Clone)]
pub struct SubAst {
    /// The dimension or element name.
    pub name: String,
    /// True for `dim!`: reduce over the dimension inside `SUM`, `MEAN`, ...
    pub bang: bool,
    /// Byte offset of the name in the equation text.
    pub start: u32,
    /// Byte offset just past it (the `!` included).
    pub end: u32,
}

/// A prefix operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UnaryOp {
    /// Unary minus, `-x`.
    Neg,
    /// Logical negation, `NOT x` (1 when `x` is 0, else 0).
    Not,
}

/// An infix operator. Comparisons and logical operators give 1 (true) or 0 (false).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BinaryOp {
    /// `a + b`.
    Add,
    /// `a - b`.
    Sub,
    /// `a * b`.
    Mul,
    /// `a / b`.
    Div,
    /// `a ^ b`.
    Pow,
    /// `a = b`.
    Eq,
    /// `a <> b`.
    Ne,
    /// `a < b`.
    Lt,
    /// `a <= b`.
    Le,
    /// `a > b`.
    Gt,
    /// `a >= b`.
    Ge,
    /// `a AND b`.
    And,
    /// `a OR b`.
    Or,
}

impl BinaryOp {
    /// Binding strength; higher binds tighter.
    pub fn precedence(self) -> u8 {
        match self {
            BinaryOp::Or => 1,
            BinaryOp::And => 2,
            BinaryOp::Eq
            | BinaryOp::Ne
            | BinaryOp::Lt
            | BinaryOp::Le
            | BinaryOp::Gt
            | BinaryOp::Ge => 4,
            BinaryOp::Add | BinaryOp::Sub => 5,
            BinaryOp::Mul | BinaryOp::Div => 6,
            BinaryOp::Pow => 8,
        }
    }

    /// The operator as written in an equation.
    pub fn symbol(self) -> &'static str {
        match self {
            BinaryOp::Add => "+",
            BinaryOp::Sub => "-",
            BinaryOp::Mul => "*",
            BinaryOp::Div => "/",
            BinaryOp::Pow => "^",
            BinaryOp::Eq => "=",
            BinaryOp::Ne => "<>",
            BinaryOp::Lt => "<",
            BinaryOp::Le => "<=",
            BinaryOp::Gt => ">",
            BinaryOp::Ge => ">=",
            BinaryOp::And => "AND",
            BinaryOp::Or => "OR",
        }
    }
}

/// Precedence of `NOT` and of unary minus, between the binary levels above.
pub const NOT_PRECEDENCE: u8 = 3;
/// Precedence of unary minus: above `*` and `/`, below `^` (so `-2^2` is `-(2^2)`).
pub const NEG_PRECEDENCE: u8 = 7;

impl Ast {
    /// Structural equality that ignores byte offsets (used by the round-trip tests).
    pub fn same_as(&self, other: &Ast) -> bool {
        use AstKind::*;
        match (&self.kind, &other.kind) {
            (Num(a), Num(b)) => a == b,
            (Ref { name: a, subs: sa }, Ref { name: b, subs: sb }) => a == b && same_subs(sa, sb),
            (
                Call {
                    name: a,
                    subs: sa,
                    args: xa,
                },
                Call {
                    name: b,
                    subs: sb,
                    args: xb,
                },
            ) => {
                a == b
                    && same_subs(sa, sb)
                    && xa.len() == xb.len()
                    && xa.iter().zip(xb).all(|(x, y)| x.same_as(y))
            }
            (Unary(o1, a), Unary(o2, b)) => o1 == o2 && a.same_as(b),
            (Binary(o1, a1, b1), Binary(o2, a2, b2)) => {
                o1 == o2 && a1.same_as(a2) && b1.same_as(b2)
            }
            (If(c1, a1, b1), If(c2, a2, b2)) => c1.same_as(c2) && a1.same_as(a2) && b1.same_as(b2),
            _ => false,
        }
    }
}

fn same_subs(a: &[SubAst], b: &[SubAst]) -> bool {
    a.len() == b.len()
        && a.iter()
            .zip(b)
            .all(|(x, y)| x.name == y.name && x.bang == y.bang)
}
