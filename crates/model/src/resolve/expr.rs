//! Resolving a parsed equation: names to variables, subscripts to indices, builtins checked for
//! argument counts, and stateful builtins lowered into hidden variables.

use super::{Builder, Slot};
use crate::builtins::{normalise, Builtin, Role};
use crate::eqn::{parse, Ast, AstKind, BinaryOp, SubAst, UnaryOp};
use crate::ir::*;
use crate::source::Span;
use crate::suggest::nearest;
use crate::toml_read::RawEq;

/// The context an equation is resolved in.
struct Cx {
    scope: usize,
    owner: VarId,
    /// The dimensions the equation iterates over (the owner's dims).
    dims: Vec<DimId>,
    /// For a per-element equation: the element index per owner dimension.
    fixed: Option<Vec<usize>>,
    eq: RawEq,
    /// Open reductions, innermost last, each with the dimensions reduced so far.
    reduce: Vec<Vec<DimId>>,
}

impl Cx {
    fn span(&self, a: &Ast) -> Span {
        self.eq.map(a.start as usize, a.end as usize)
    }
}

fn mk(kind: ExprKind, span: Span) -> Expr {
    Expr { kind, span }
}

fn num(v: f64, span: Span) -> Expr {
    mk(ExprKind::Const(v), span)
}

fn bin(op: BinaryOp, a: Expr, b: Expr) -> Expr {
    let span = a.span;
    mk(ExprKind::Binary(op, Box::new(a), Box::new(b)), span)
}

/// Evaluates an expression made only of numbers and arithmetic.
fn const_value(e: &Expr) -> Option<f64> {
    match &e.kind {
        ExprKind::Const(v) => Some(*v),
        ExprKind::Unary(UnaryOp::Neg, a) => const_value(a).map(|x| -x),
        ExprKind::Binary(op, a, b) => {
            let (x, y) = (const_value(a)?, const_value(b)?);
            Some(match op {
                BinaryOp::Add => x + y,
                BinaryOp::Sub => x - y,
                BinaryOp::Mul => x * y,
                BinaryOp::Div => x / y,
                BinaryOp::Pow => x.powf(y),
                _ => return None,
            })
        }
        _ => None,
    }
}

impl Builder {
    /// Parses and resolves one equation of `owner` in `scope`.
    pub(super) fn resolve_one(
        &mut self,
        scope: usize,
        owner: VarId,
        dims: &[DimId],
        fixed: Option<&[usize]>,
        eq: &RawEq,
    ) -> Option<Equation> {
        let ast = match parse(&eq.text) {
            Ok(a) => a,
            Err(e) => {
                self.err(
                    eq.map(e.start, e.end),
                    format!("equation syntax error: {}", e.message),
                    e.help,
                );
                return None;
            }
        };
        let mut cx = Cx {
            scope,
            owner,
            dims: dims.to_vec(),
            fixed: fixed.map(|f| f.to_vec()),
            eq: eq.clone(),
            reduce: Vec::new(),
        };
        let expr = self.expr(&mut cx, &ast)?;
        Some(Equation {
            text: eq.text.clone(),
            span: eq.span,
            expr,
        })
    }

    fn expr(&mut self, cx: &mut Cx, a: &Ast) -> Option<Expr> {
        let span = cx.span(a);
        Some(match &a.kind {
            AstKind::Num(v) => num(*v, span),
            AstKind::Unary(op, x) => {
                let x = self.expr(cx, x)?;
                mk(ExprKind::Unary(*op, Box::new(x)), span)
            }
            AstKind::Binary(op, x, y) => {
                let x = self.expr(cx, x)?;
                let y = self.expr(cx, y)?;
                mk(ExprKind::Binary(*op, Box::new(x), Box::new(y)), span)
            }
            AstKind::If(c, x, y) => {
                let c = self.expr(cx, c)?;
                let x = self.expr(cx, x)?;
                let y = self.expr(cx, y)?;
                mk(ExprKind::If(Box::new(c), Box::new(x), Box::new(y)), span)
            }
            AstKind::Ref { name, subs } => return self.reference(cx, a, name, subs),
            AstKind::Call { name, subs, args } => return self.call(cx, a, name, subs, args),
        })
    }

    fn reference(&mut self, cx: &mut Cx, a: &Ast, name: &str, subs: &[SubAst]) -> Option<Expr> {
        let span = cx.span(a);
        if let Some(b) = Builtin::lookup(name).filter(|b| b.role() == Role::Register) {
            if !subs.is_empty() {
                self.err(span, format!("{} cannot be subscripted", b.name()), None);
                return None;
            }
            return Some(if b == Builtin::Pi {
                num(std::f64::consts::PI, span)
            } else {
                mk(ExprKind::Register(b), span)
            });
        }
        let id = match self.lookup_var(cx.scope, name) {
            Ok(id) => id,
            Err((msg, help)) => {
                let help = match Builtin::lookup(name) {
                    Some(b) => Some(format!(
                        "{} is a function: call it as {}{}",
                        b.name(),
                        b.name(),
                        b.signature()
                    )),
                    None => help,
                };
                self.err(span, msg, help);
                return None;
            }
        };
        if matches!(self.slots[id.index()].kind, Some(VarKind::Lookup(_)))
            || self.raw_kind_is(id, "lookup")
        {
            self.err(
                span,
                format!("'{name}' is a lookup; call it like a function: {name}(x)"),
                None,
            );
            return None;
        }
        let idx = self.indices(cx, id, subs, span)?;
        Some(mk(ExprKind::Var(id, idx), span))
    }

    pub(super) fn raw_kind_is(&self, id: VarId, kind: &str) -> bool {
        self.slots[id.index()]
            .raw
            .map(|(f, i)| self.files[f].vars[i].kind.name() == kind)
            .unwrap_or(false)
    }

    /// One index per dimension of `var`, from the written subscripts (or implicit ones).
    fn indices(
        &mut self,
        cx: &mut Cx,
        var: VarId,
        subs: &[SubAst],
        span: Span,
    ) -> Option<Vec<Index>> {
        let vdims = self.slots[var.index()].dims.clone();
        let vname = self.slots[var.index()].name.clone();
        if subs.is_empty() {
            let mut out = Vec::new();
            for d in &vdims {
                match cx.dims.iter().position(|x| x == d) {
                    Some(p) => out.push(match &cx.fixed {
                        Some(f) => Index::Element(*d, f[p] as u32),
                        None => Index::Dim(*d),
                    }),
                    None => {
                        let names: Vec<&str> = vdims
                            .iter()
                            .map(|d| self.dims[d.index()].name.as_str())
                            .collect();
                        self.err(
                            span,
                            format!("'{vname}' is arrayed over [{}]; say which elements", names.join(", ")),
                            Some(format!(
                                "write {vname}[{}] in an equation arrayed over the same dimensions, an element name like {vname}[{}], or reduce with SUM({vname}[{}!])",
                                names.join(", "),
                                self.dims[vdims[0].index()].elements[0],
                                names[0]
                            )),
                        );
                        return None;
                    }
                }
            }
            return Some(out);
        }
        if subs.len() != vdims.len() {
            let msg = if vdims.is_empty() {
                format!("'{vname}' is not arrayed and takes no subscripts")
            } else {
                let names: Vec<&str> = vdims
                    .iter()
                    .map(|d| self.dims[d.index()].name.as_str())
                    .collect();
                format!(
                    "'{vname}' has {} dimension(s) [{}] but {} subscript(s) are given",
                    vdims.len(),
                    names.join(", "),
                    subs.len()
                )
            };
            self.err(span, msg, None);
            return None;
        }
        let mut out = Vec::new();
        for (s, target) in subs.iter().zip(&vdims) {
            let sspan = cx.eq.map(s.start as usize, s.end as usize);
            let tdim = self.dims[target.index()].clone();
            if let Some(d) = self.dim_by_name.get(&s.name).copied() {
                // A dimension of the target's family whose elements the target holds (itself,
                // a subrange of it, or its parent or sibling with those elements). In a
                // per-element equation only the element computed needs to be in the target.
                let root = |x: DimId| self.dims[x.index()].parent.unwrap_or(x);
                let related = d == *target
                    || (root(d) == root(*target)
                        && ((cx.fixed.is_some() && !s.bang)
                            || crate::ir::maps_into(&self.dims, d, *target)));
                if !related {
                    self.err(
                        sspan,
                        format!(
                            "mismatched dimensions: '{vname}' is indexed by '{}' here, and '{}' is neither '{}' nor a subrange of it",
                            tdim.name, s.name, tdim.name
                        ),
                        None,
                    );
                    return None;
                }
                if s.bang {
                    let Some(frame) = cx.reduce.last_mut() else {
                        self.err(
                            sspan,
                            format!("'{}!' reduces over a dimension; it is only allowed inside SUM, PROD, MEAN, MIN, MAX or STDDEV", s.name),
                            None,
                        );
                        return None;
                    };
                    // `x[g] / SUM(x[g!])` is fine even in an equation arrayed over g: the `!`
                    // index is the reduction's own, independent of the element being computed.
                    if !frame.contains(&d) {
                        frame.push(d);
                    }
                    out.push(Index::Reduce(d));
                    continue;
                }
                // In a per-element equation, the element computed along `d` or along another
                // dimension of its family (an entry for a subrange naming its parent).
                // (`d` itself first; a family member only when `d` is not being reduced.)
                let reducing = cx.reduce.iter().any(|fr| fr.contains(&d));
                let fixed_at = cx.fixed.as_ref().and_then(|f| {
                    let p = cx.dims.iter().position(|x| *x == d).or_else(|| {
                        if reducing {
                            return None;
                        }
                        cx.dims.iter().position(|x| root(*x) == root(d))
                    })?;
                    Some((cx.dims[p], f[p]))
                });
                if let Some((own, e)) = fixed_at {
                    let in_d = crate::ir::map_element(&self.dims, own, e, d).is_some();
                    match crate::ir::map_element(&self.dims, own, e, *target) {
                        Some(t) if in_d => {
                            out.push(Index::Element(*target, t as u32));
                            continue;
                        }
                        _ => {
                            let ename = self.dims[own.index()].elements[e].clone();
                            self.err(
                                sspan,
                                format!(
                                    "element '{ename}' of this equation is not in '{}' (of '{vname}', indexed by '{}')",
                                    s.name, tdim.name
                                ),
                                None,
                            );
                            return None;
                        }
                    }
                }
                match cx.dims.iter().position(|x| *x == d) {
                    Some(_) => out.push(Index::Dim(d)),
                    None => {
                        if cx.reduce.iter().any(|fr| fr.contains(&d)) {
                            out.push(Index::Reduce(d));
                            continue;
                        }
                        let owner = self.slots[cx.owner.index()].name.clone();
                        self.err(
                            sspan,
                            format!("the equation of '{owner}' is not arrayed over '{}'", s.name),
                            Some(format!(
                                "name an element (e.g. {vname}[{}]), or reduce with SUM({vname}[{}!])",
                                self.dims[d.index()].elements[0],
                                s.name
                            )),
                        );
                        return None;
                    }
                }
                continue;
            }
            if s.bang {
                let help = self.dim_suggestion(&s.name);
                self.err(sspan, format!("unknown dimension '{}'", s.name), help);
                return None;
            }
            match tdim.elements.iter().position(|e| *e == s.name) {
                Some(i) => out.push(Index::Element(*target, i as u32)),
                None => {
                    let mut cands: Vec<&str> = tdim.elements.iter().map(|e| e.as_str()).collect();
                    cands.extend(self.dims.iter().map(|d| d.name.as_str()));
                    let help = nearest(&s.name, cands)
                        .map(|n| {
                            format!(
                                "did you mean '{n}'? elements of {}: {}",
                                tdim.name,
                                tdim.elements.join(", ")
                            )
                        })
                        .unwrap_or_else(|| {
                            format!("elements of {}: {}", tdim.name, tdim.elements.join(", "))
                        });
                    self.err(
                        sspan,
                        format!(
                            "unknown dimension or element '{}' (for '{vname}', indexed by '{}')",
                            s.name, tdim.name
                        ),
                        Some(help),
                    );
                    return None;
                }
            }
        }
        Some(out)
    }

    fn call(
        &mut self,
        cx: &mut Cx,
        a: &Ast,
        name: &str,
        subs: &[SubAst],
        args: &[Ast],
    ) -> Option<Expr> {
        let span = cx.span(a);
        let builtin = Builtin::lookup(name);
        let Some(b) = builtin else {
            return self.lookup_call(cx, a, name, subs, args);
        };
        if !subs.is_empty() {
            self.err(span, format!("{} cannot be subscripted", b.name()), None);
            return None;
        }
        let (lo, hi) = b.arity();
        if args.len() < lo || args.len() > hi {
            let expected = if lo == hi {
                format!("{lo}")
            } else if hi == usize::MAX {
                format!("at least {lo}")
            } else {
                format!("{lo} or {hi}")
            };
            self.err(
                span,
                format!(
                    "{} takes {expected} argument{}, got {}",
                    b.name(),
                    if expected == "1" { "" } else { "s" },
                    args.len()
                ),
                Some(format!("{}{}", b.name(), b.signature())),
            );
            return None;
        }
        let is_reduction = b.role() == Role::Reduction
            || (matches!(b, Builtin::Min | Builtin::Max) && args.len() == 1);
        if is_reduction {
            cx.reduce.push(Vec::new());
            let arg = self.expr(cx, &args[0]);
            let dims = cx.reduce.pop().unwrap_or_default();
            let arg = arg?;
            if dims.is_empty() {
                let msg = if matches!(b, Builtin::Min | Builtin::Max) {
                    format!("{} takes at least 2 arguments, or one arrayed argument reduced over a dimension marked with '!'", b.name())
                } else {
                    format!(
                        "{} needs a dimension to reduce over, marked with '!'",
                        b.name()
                    )
                };
                self.err(
                    span,
                    msg,
                    Some(format!(
                        "e.g. {}(a, b) or {}(x[group!])",
                        b.name(),
                        b.name()
                    )),
                );
                return None;
            }
            let op = match b {
                Builtin::Min
                | Builtin::Max
                | Builtin::Sum
                | Builtin::Prod
                | Builtin::Mean
                | Builtin::Stddev => b,
                _ => b,
            };
            return Some(mk(ExprKind::Reduce(op, dims, Box::new(arg)), span));
        }
        let mut resolved = Vec::with_capacity(args.len());
        for x in args {
            resolved.push(self.expr(cx, x)?);
        }
        match b.role() {
            Role::Register => Some(if b == Builtin::Pi {
                num(std::f64::consts::PI, span)
            } else {
                mk(ExprKind::Register(b), span)
            }),
            Role::Stateful => self.stateful(cx, b, resolved, span, args),
            _ => {
                if b == Builtin::IfThenElse {
                    let mut it = resolved.into_iter();
                    let (c, x, y) = (it.next()?, it.next()?, it.next()?);
                    return Some(mk(
                        ExprKind::If(Box::new(c), Box::new(x), Box::new(y)),
                        span,
                    ));
                }
                Some(mk(ExprKind::Call(b, resolved), span))
            }
        }
    }

    fn lookup_call(
        &mut self,
        cx: &mut Cx,
        a: &Ast,
        name: &str,
        subs: &[SubAst],
        args: &[Ast],
    ) -> Option<Expr> {
        let span = cx.span(a);
        let id = match self.lookup_var(cx.scope, name) {
            Ok(id) => id,
            Err((_, vhelp)) => {
                let key = normalise(name);
                let mut cands: Vec<String> = BUILTIN_NAMES.iter().map(|s| s.to_string()).collect();
                cands.extend(
                    self.slots
                        .iter()
                        .filter(|s| {
                            s.scope == cx.scope && matches!(s.kind, Some(VarKind::Lookup(_)))
                        })
                        .map(|s| s.name.clone()),
                );
                let help = nearest(&key, cands.iter().map(|s| s.as_str()))
                    .map(|n| format!("did you mean {n}(...)?"))
                    .or(vhelp);
                self.err(span, format!("unknown function or lookup '{name}'"), help);
                return None;
            }
        };
        if !matches!(self.slots[id.index()].kind, Some(VarKind::Lookup(_))) {
            let kind = self.slots[id.index()]
                .kind
                .as_ref()
                .map(|k| k.name())
                .unwrap_or("variable");
            self.err(
                span,
                format!("'{name}' is a {kind}, not a function or lookup, so it cannot be called"),
                Some("declare a graphical function under [lookups] to call it like name(x)".into()),
            );
            return None;
        }
        if args.len() != 1 {
            self.err(
                span,
                format!("lookup '{name}' takes 1 argument, got {}", args.len()),
                None,
            );
            return None;
        }
        let idx = self.indices(cx, id, subs, span)?;
        let arg = self.expr(cx, &args[0])?;
        Some(mk(ExprKind::Lookup(id, idx, Box::new(arg)), span))
    }

    // ----- stateful builtins -------------------------------------------------------------

    fn stateful(
        &mut self,
        cx: &mut Cx,
        b: Builtin,
        args: Vec<Expr>,
        span: Span,
        raw_args: &[Ast],
    ) -> Option<Expr> {
        if !cx.reduce.is_empty() {
            self.err(
                span,
                format!("{} cannot be used inside a reduction", b.name()),
                Some("compute it in an arrayed auxiliary and reduce that".into()),
            );
            return None;
        }
        let counter = self.stateful_count.entry(cx.owner).or_insert(0);
        *counter += 1;
        let k = *counter;
        let mut lw = Lowering {
            owner: cx.owner,
            scope: cx.scope,
            builtin: b,
            span,
            base: format!(
                "{}${}{}",
                self.slots[cx.owner.index()].name,
                normalise(b.name()).to_lowercase(),
                k
            ),
            dims: if cx.fixed.is_some() {
                Vec::new()
            } else {
                cx.dims.clone()
            },
            hidden: Vec::new(),
        };
        let a = |i: usize| args[i].clone();
        let order = |this: &mut Builder, i: usize| -> Option<usize> {
            match const_value(&args[i]) {
                Some(v) if (1.0..=1000.0).contains(&v) && v.fract() == 0.0 => Some(v as usize),
                _ => {
                    let s = cx.span(&raw_args[i]);
                    this.err(s, format!("the order of {} must be a whole number from 1 to 1000 written as a number", b.name()), None);
                    None
                }
            }
        };
        let value = match b {
            Builtin::Smooth
            | Builtin::SmoothI
            | Builtin::Smooth3
            | Builtin::Smooth3I
            | Builtin::SmoothN => {
                let n = match b {
                    Builtin::Smooth | Builtin::SmoothI => 1,
                    Builtin::Smooth3 | Builtin::Smooth3I => 3,
                    _ => order(self, 3)?,
                };
                let input = lw.hoist(self, a(0), "input");
                let time = lw.hoist(self, a(1), "delay time");
                let init = match b {
                    Builtin::Smooth | Builtin::Smooth3 => input.clone(),
                    _ => lw.hoist(self, a(2), "initial value"),
                };
                let stage_time = if n == 1 {
                    time
                } else {
                    bin(BinaryOp::Div, time, num(n as f64, span))
                };
                let mut prev = input;
                for i in 1..=n {
                    let s = lw.slot(self, &format!("stage{i}"), &format!("stage {i} of {n}"));
                    let sref = lw.var(s);
                    let rate = bin(
                        BinaryOp::Div,
                        bin(BinaryOp::Sub, prev, sref.clone()),
                        stage_time.clone(),
                    );
                    let f = lw.new_var(
                        self,
                        &format!("rate{i}"),
                        &format!("rate of stage {i} of {n}"),
                        VarKind::Flow(lw.eq(rate)),
                    );
                    self.slots[s.index()].kind = Some(VarKind::Stock(Stock {
                        initial: lw.eq(init.clone()),
                        inflows: vec![f],
                        outflows: vec![],
                        non_negative: false,
                    }));
                    prev = sref;
                }
                prev
            }
            Builtin::Delay1
            | Builtin::Delay1I
            | Builtin::Delay3
            | Builtin::Delay3I
            | Builtin::DelayN => {
                let n = match b {
                    Builtin::Delay1 | Builtin::Delay1I => 1,
                    Builtin::Delay3 | Builtin::Delay3I => 3,
                    _ => order(self, 3)?,
                };
                let input = a(0);
                let time = lw.hoist(self, a(1), "delay time");
                let init = match b {
                    Builtin::Delay1 | Builtin::Delay3 => input.clone(),
                    _ => a(2),
                };
                let stage_time = if n == 1 {
                    time.clone()
                } else {
                    bin(BinaryOp::Div, time.clone(), num(n as f64, span))
                };
                let init_level = lw.hoist(
                    self,
                    bin(BinaryOp::Mul, init, stage_time.clone()),
                    "initial level",
                );
                // DELAY N: the material in stage i entered it with the delay time of i - 1
                // steps before (Vensim: "the output of the DELAY N function depends only on
                // the values delay time had in previous Time Steps"), so stage i drains
                // with that delay time over n, and the value is the last stage over the
                // delay time of the step before. The earlier delay times are hidden stocks
                // that take the previous one in one step, `h' = (prev - h) / TIME STEP`
                // (a shift by one step under Euler, up to rounding; other methods
                // approximate it); all start at the delay time. With a constant delay time
                // they stay equal to it and the chain is DELAY3's.
                let mut times = Vec::new();
                if b == Builtin::DelayN {
                    let dt = mk(ExprKind::Register(Builtin::TimeStep), span);
                    let mut prev = time.clone();
                    for k in 1..=n.saturating_sub(1).max(1) {
                        let s = lw.slot(
                            self,
                            &format!("time{k}"),
                            &format!("delay time {k} steps before"),
                        );
                        let h = lw.var(s);
                        let rate = bin(
                            BinaryOp::Div,
                            bin(BinaryOp::Sub, prev, h.clone()),
                            dt.clone(),
                        );
                        let f = lw.new_var(
                            self,
                            &format!("time_change{k}"),
                            &format!("change of the delay time {k} steps before"),
                            VarKind::Flow(lw.eq(rate)),
                        );
                        self.slots[s.index()].kind = Some(VarKind::Stock(Stock {
                            initial: lw.eq(time.clone()),
                            inflows: vec![f],
                            outflows: vec![],
                            non_negative: false,
                        }));
                        times.push(h.clone());
                        prev = h;
                    }
                }
                let per_stage = |t: Expr| {
                    if n == 1 {
                        t
                    } else {
                        bin(BinaryOp::Div, t, num(n as f64, span))
                    }
                };
                let mut inflow = lw.new_var(self, "inflow", "inflow", VarKind::Flow(lw.eq(input)));
                let mut last = inflow;
                let mut last_stage = None;
                for i in 1..=n {
                    let s = lw.slot(
                        self,
                        &format!("stage{i}"),
                        &format!("material in stage {i} of {n}"),
                    );
                    let this_time = match times.get(i.wrapping_sub(2)) {
                        Some(h) if i >= 2 => per_stage(h.clone()),
                        _ => stage_time.clone(),
                    };
                    let out = bin(BinaryOp::Div, lw.var(s), this_time);
                    last_stage = Some(s);
                    let f = lw.new_var(
                        self,
                        &format!("outflow{i}"),
                        &format!("outflow of stage {i} of {n}"),
                        VarKind::Flow(lw.eq(out)),
                    );
                    self.slots[s.index()].kind = Some(VarKind::Stock(Stock {
                        initial: lw.eq(init_level.clone()),
                        inflows: vec![inflow],
                        outflows: vec![f],
                        non_negative: false,
                    }));
                    inflow = f;
                    last = f;
                }
                match (times.first(), last_stage) {
                    (Some(h), Some(s)) => bin(BinaryOp::Div, lw.var(s), per_stage(h.clone())),
                    _ => lw.var(last),
                }
            }
            Builtin::Trend | Builtin::Forecast => {
                let input = lw.hoist(self, a(0), "input");
                let time = lw.hoist(self, a(1), "average time");
                let s = lw.slot(self, "average", "average value");
                let avg = lw.var(s);
                let initial = if b == Builtin::Trend {
                    // AV(0) = input / (1 + initial trend * average time)
                    bin(
                        BinaryOp::Div,
                        input.clone(),
                        bin(
                            BinaryOp::Add,
                            num(1.0, span),
                            bin(BinaryOp::Mul, a(2), time.clone()),
                        ),
                    )
                } else {
                    input.clone()
                };
                let rate = bin(
                    BinaryOp::Div,
                    bin(BinaryOp::Sub, input.clone(), avg.clone()),
                    time.clone(),
                );
                let f = lw.new_var(
                    self,
                    "change",
                    "change in average",
                    VarKind::Flow(lw.eq(rate)),
                );
                self.slots[s.index()].kind = Some(VarKind::Stock(Stock {
                    initial: lw.eq(initial),
                    inflows: vec![f],
                    outflows: vec![],
                    non_negative: false,
                }));
                let diff = bin(BinaryOp::Sub, input.clone(), avg.clone());
                if b == Builtin::Trend {
                    let abs = mk(ExprKind::Call(Builtin::Abs, vec![avg]), span);
                    mk(
                        ExprKind::Call(Builtin::Zidz, vec![diff, bin(BinaryOp::Mul, time, abs)]),
                        span,
                    )
                } else {
                    let trend = mk(
                        ExprKind::Call(Builtin::Zidz, vec![diff, bin(BinaryOp::Mul, time, avg)]),
                        span,
                    );
                    bin(
                        BinaryOp::Mul,
                        input,
                        bin(
                            BinaryOp::Add,
                            num(1.0, span),
                            bin(BinaryOp::Mul, trend, a(2)),
                        ),
                    )
                }
            }
            Builtin::Initial => {
                let h = lw.new_var(
                    self,
                    "value",
                    "initial value",
                    VarKind::Initial(lw.eq(a(0))),
                );
                lw.var(h)
            }
            Builtin::SampleIfTrue => {
                // The value last sampled is a stock that moves to the call's value in one
                // time step: last(t + dt) = last(t) + dt * (value(t) - last(t)) / dt, which is
                // value(t) up to rounding under Euler steps (other methods approximate it).
                let s = lw.slot(self, "last", "value last sampled");
                let last = lw.var(s);
                let pick = mk(
                    ExprKind::If(Box::new(a(0)), Box::new(a(1)), Box::new(last.clone())),
                    span,
                );
                let sample = lw.new_var(self, "sample", "value sampled", VarKind::Aux(lw.eq(pick)));
                let value = lw.var(sample);
                let rate = bin(
                    BinaryOp::Div,
                    bin(BinaryOp::Sub, value.clone(), last),
                    mk(ExprKind::Register(Builtin::TimeStep), span),
                );
                let f = lw.new_var(
                    self,
                    "change",
                    "change of the value last sampled",
                    VarKind::Flow(lw.eq(rate)),
                );
                self.slots[s.index()].kind = Some(VarKind::Stock(Stock {
                    initial: lw.eq(a(2)),
                    inflows: vec![f],
                    outflows: vec![],
                    non_negative: false,
                }));
                value
            }
            Builtin::DelayFixed => {
                let input = lw.hoist(self, a(0), "input");
                let h = lw.new_var(
                    self,
                    "pipeline",
                    "output of the fixed delay",
                    VarKind::DelayFixed(DelayFixed {
                        input,
                        delay_time: a(1),
                        initial: a(2),
                    }),
                );
                lw.var(h)
            }
            Builtin::RandomNormal | Builtin::RandomUniform => {
                let h = lw.new_var(
                    self,
                    "draw",
                    "random draw",
                    VarKind::Random(RandomSource {
                        distribution: b,
                        args: args.clone(),
                    }),
                );
                lw.var(h)
            }
            _ => unreachable!("not a stateful builtin: {b:?}"),
        };
        Some(mk(
            ExprKind::Stateful(Box::new(StatefulCall {
                builtin: b,
                args,
                value,
                hidden: lw.hidden,
            })),
            span,
        ))
    }
}

/// Creates the hidden variables of one stateful call.
struct Lowering {
    owner: VarId,
    scope: usize,
    builtin: Builtin,
    span: Span,
    base: String,
    dims: Vec<DimId>,
    hidden: Vec<VarId>,
}

impl Lowering {
    fn eq(&self, expr: Expr) -> EquationSet {
        EquationSet::Uniform(Equation {
            text: String::new(),
            span: self.span,
            expr,
        })
    }

    /// A reference to hidden variable `v` from the owner's equation.
    fn var(&self, v: VarId) -> Expr {
        let idx = self.dims.iter().map(|d| Index::Dim(*d)).collect();
        mk(ExprKind::Var(v, idx), self.span)
    }

    /// A hidden variable whose kind is filled in later.
    fn slot(&mut self, b: &mut Builder, part: &str, desc: &str) -> VarId {
        let id = VarId(b.slots.len() as u32);
        let name = format!("{}${part}", self.base);
        b.slots.push(Slot {
            name: name.clone(),
            scope: self.scope,
            raw: None,
            span: self.span,
            dims: self.dims.clone(),
            kind: None,
            hidden: Some(Hidden {
                owner: self.owner,
                builtin: self.builtin,
                part: desc.to_string(),
            }),
            wired: None,
        });
        b.by_name.insert(name, id);
        self.hidden.push(id);
        id
    }

    fn new_var(&mut self, b: &mut Builder, part: &str, desc: &str, kind: VarKind) -> VarId {
        let id = self.slot(b, part, desc);
        b.slots[id.index()].kind = Some(kind);
        id
    }

    /// Moves a non-trivial argument into a hidden auxiliary so it is computed once.
    fn hoist(&mut self, b: &mut Builder, e: Expr, part: &str) -> Expr {
        if matches!(
            e.kind,
            ExprKind::Const(_) | ExprKind::Var(..) | ExprKind::Register(_)
        ) {
            return e;
        }
        let text = b.sources.text(e.span).to_string();
        let span = e.span;
        let id = self.slot(b, &part.replace(' ', "_"), part);
        b.slots[id.index()].kind = Some(VarKind::Aux(EquationSet::Uniform(Equation {
            text,
            span,
            expr: e,
        })));
        self.var(id)
    }
}

/// Builtin names offered as suggestions for unknown functions.
const BUILTIN_NAMES: &[&str] = &[
    "ABS",
    "EXP",
    "LN",
    "LOG",
    "LOG10",
    "SQRT",
    "POWER",
    "SIN",
    "COS",
    "TAN",
    "ARCSIN",
    "ARCCOS",
    "ARCTAN",
    "INTEGER",
    "MODULO",
    "MIN",
    "MAX",
    "XIDZ",
    "ZIDZ",
    "SAFEDIV",
    "IF_THEN_ELSE",
    "STEP",
    "PULSE",
    "PULSE_TRAIN",
    "RAMP",
    "SMOOTH",
    "SMOOTHI",
    "SMOOTH3",
    "SMOOTH3I",
    "SMOOTHN",
    "DELAY1",
    "DELAY1I",
    "DELAY3",
    "DELAY3I",
    "DELAYN",
    "DELAY_FIXED",
    "TREND",
    "FORECAST",
    "INITIAL",
    "RANDOM_NORMAL",
    "RANDOM_UNIFORM",
    "SUM",
    "PROD",
    "MEAN",
    "STDDEV",
];
