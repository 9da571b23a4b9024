//! IR -> flat program. Arrays are scalarised (every element gets its own slot and its own
//! instructions), literal sub-expressions are folded, `a*b + c` patterns are fused, and
//! everything that is constant for a run is computed once in the initial program.

use crate::program::*;
use crate::random::RandomSpec;
use pressure_model::eqn::{BinaryOp, UnaryOp};
use pressure_model::{Builtin, DimId, Expr, ExprKind, Index, Model, Phase, VarId, VarKind};
use std::collections::HashMap;

/// Slot numbers with these tags are relocated once all temporaries and constants are known.
const TEMP_TAG: u32 = 1 << 31;
const CONST_TAG: u32 = 1 << 30;
const NO_SLOT: u32 = u32::MAX;

/// A lowered value: a slot, or a number known at compile time.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Val {
    Slot(u32),
    Const(f64),
}

/// Where a variable's elements live.
#[derive(Clone, Copy, Debug)]
pub(crate) struct VarSlots {
    pub base: u32,
    pub len: u32,
}

/// A time at which a test input switches (for splitting adaptive integration).
#[derive(Clone, Copy, Debug)]
pub(crate) enum EventSpec {
    /// STEP switch time.
    At(u32),
    /// PULSE: start and width.
    Pulse(u32, u32),
    /// PULSE TRAIN: start, width, interval, end.
    Train(u32, u32, u32, u32),
    /// RAMP: start and end (end may be +inf).
    Ramp(u32, u32),
}

/// DELAY FIXED: output slot, input slot, delay-time slot.
#[derive(Clone, Copy, Debug)]
pub(crate) struct DelaySpec {
    pub out: u32,
    pub input: u32,
    pub delay: u32,
}

pub(crate) struct Lowered {
    pub init: Program,
    pub dynamic: Program,
    pub n_slots: usize,
    pub consts: Vec<f64>,
    pub consts_base: u32,
    pub params_base: u32,
    pub state_base: u32,
    pub n_state: u32,
    pub deriv_base: u32,
    pub vars_end: u32,
    pub var_slots: Vec<VarSlots>,
    pub lookups: Vec<pressure_model::LookupTable>,
    pub exo_vars: Vec<VarId>,
    pub delays: Vec<DelaySpec>,
    pub randoms: Vec<RandomSpec>,
    pub events: Vec<EventSpec>,
}

struct Lowerer<'m> {
    m: &'m Model,
    var_slots: Vec<VarSlots>,
    /// Which slots hold run-constant values (parameters, static variables, constants).
    static_slot: Vec<bool>,
    /// Lowering the initial program: `ACTIVE INITIAL` reads its initial value.
    initial: bool,
    ops: Vec<Op>,
    temp_next: u32,
    temp_max: u32,
    consts: Vec<f64>,
    const_index: HashMap<u64, u32>,
    lookup_base: Vec<u32>,
    exo_index: HashMap<VarId, u32>,
    vars_end: u32,
    delays: Vec<DelaySpec>,
    randoms: Vec<RandomSpec>,
    events: Vec<EventSpec>,
}

/// The element context of an equation being lowered.
struct Ctx<'a> {
    dims: &'a [DimId],
    idx: &'a [usize],
    /// Bindings of dimensions being reduced over.
    bang: Vec<(DimId, usize)>,
}

pub(crate) fn lower(m: &Model) -> Lowered {
    let n = m.variables.len();
    let mut var_slots = vec![
        VarSlots {
            base: NO_SLOT,
            len: 0
        };
        n
    ];
    let count = |v: usize| m.element_count(VarId(v as u32)) as u32;
    let mut next = N_REGISTERS;
    // Parameters.
    let params_base = next;
    for (i, v) in m.variables.iter().enumerate() {
        if matches!(v.kind, VarKind::Constant(_)) {
            var_slots[i] = VarSlots {
                base: next,
                len: count(i),
            };
            next += count(i);
        }
    }
    // State.
    let state_base = next;
    for (i, v) in m.variables.iter().enumerate() {
        if matches!(v.kind, VarKind::Stock(_)) {
            var_slots[i] = VarSlots {
                base: next,
                len: count(i),
            };
            next += count(i);
        }
    }
    let n_state = next - state_base;
    let deriv_base = next;
    next += n_state;
    // A flow that is the only inflow of one stock (and of nothing else) lives in that stock's
    // derivative slot, so the derivative needs no instruction of its own.
    let mut uses = vec![0usize; n];
    for v in &m.variables {
        if let VarKind::Stock(st) = &v.kind {
            for f in st.inflows.iter().chain(&st.outflows) {
                uses[f.index()] += 1;
            }
        }
    }
    let mut aliased = vec![false; n];
    for (i, v) in m.variables.iter().enumerate() {
        if let VarKind::Stock(st) = &v.kind {
            if let ([f], []) = (st.inflows.as_slice(), st.outflows.as_slice()) {
                if uses[f.index()] == 1 && count(f.index()) == count(i) {
                    let base = deriv_base + (var_slots[i].base - state_base);
                    var_slots[f.index()] = VarSlots {
                        base,
                        len: count(i),
                    };
                    aliased[f.index()] = true;
                }
            }
        }
    }
    // Every other value.
    for (i, v) in m.variables.iter().enumerate() {
        if !aliased[i]
            && !matches!(
                v.kind,
                VarKind::Constant(_) | VarKind::Stock(_) | VarKind::Lookup(_)
            )
        {
            var_slots[i] = VarSlots {
                base: next,
                len: count(i),
            };
            next += count(i);
        }
    }
    // Lookup tables, flattened per element.
    let mut lookups = Vec::new();
    let mut lookup_base = vec![NO_SLOT; n];
    let mut exo_index = HashMap::new();
    let mut exo_vars = Vec::new();
    for (i, v) in m.variables.iter().enumerate() {
        match &v.kind {
            VarKind::Lookup(tables) => {
                lookup_base[i] = lookups.len() as u32;
                lookups.extend(tables.iter().cloned());
            }
            VarKind::Exogenous(_) => {
                exo_index.insert(VarId(i as u32), exo_vars.len() as u32);
                exo_vars.push(VarId(i as u32));
            }
            _ => {}
        }
    }
    let mut static_slot = vec![false; next as usize];
    for s in static_slot
        .iter_mut()
        .take(N_REGISTERS as usize)
        .skip(DT as usize)
    {
        *s = true;
    }
    for (i, vs) in var_slots.iter().enumerate() {
        if vs.base != NO_SLOT && m.phases[i] == Phase::Static {
            for k in 0..vs.len {
                static_slot[(vs.base + k) as usize] = true;
            }
        }
    }
    let mut l = Lowerer {
        m,
        var_slots,
        static_slot,
        initial: true,
        ops: Vec::new(),
        temp_next: 0,
        temp_max: 0,
        consts: Vec::new(),
        const_index: HashMap::new(),
        lookup_base,
        exo_index,
        vars_end: next,
        delays: Vec::new(),
        randoms: Vec::new(),
        events: Vec::new(),
    };

    // ---- initial program ----
    for &v in &m.order.initial {
        l.lower_initial(v);
    }
    let mut init = std::mem::take(&mut l.ops);
    l.initial = false;
    // Events are collected from the dynamic program only.
    // ---- dynamic program ----
    for &v in &l.m.order.dynamic.clone() {
        l.lower_equations(v, false);
    }
    let mut dynamic = std::mem::take(&mut l.ops);
    // Exogenous values first: they depend only on time.
    let mut exo_ops = Vec::new();
    for v in &exo_vars {
        let vs = l.var_slots[v.index()];
        exo_ops.push(Op::Exo {
            d: vs.base,
            series: l.exo_index[v],
        });
    }
    exo_ops.append(&mut dynamic);
    let mut dynamic = exo_ops;
    // Derivatives.
    for (i, var) in m.variables.iter().enumerate() {
        let VarKind::Stock(st) = &var.kind else {
            continue;
        };
        if let ([f], []) = (st.inflows.as_slice(), st.outflows.as_slice()) {
            if aliased[f.index()] {
                continue;
            }
        }
        let vs = l.var_slots[i];
        for k in 0..vs.len {
            let d = deriv_base + (vs.base - state_base) + k;
            let slot_of = |f: &VarId| l.var_slots[f.index()].base + k;
            let mut acc: Option<u32> = None;
            for f in &st.inflows {
                let s = slot_of(f);
                match acc {
                    None => {
                        dynamic.push(Op::Copy { d, a: s });
                    }
                    Some(_) => dynamic.push(Op::Add { d, a: d, b: s }),
                }
                acc = Some(d);
            }
            for f in &st.outflows {
                let s = slot_of(f);
                match acc {
                    None => dynamic.push(Op::Neg { d, a: s }),
                    Some(_) => dynamic.push(Op::Sub { d, a: d, b: s }),
                }
                acc = Some(d);
            }
            if acc.is_none() {
                let z = l.const_slot(0.0);
                dynamic.push(Op::Copy { d, a: z });
            }
        }
    }

    // ---- relocation ----
    let temps_base = l.vars_end;
    let consts_base = temps_base + l.temp_max;
    let n_slots = (consts_base + l.consts.len() as u32) as usize;
    let reloc = |s: u32| -> u32 {
        if s == NO_SLOT {
            s
        } else if s & TEMP_TAG != 0 {
            temps_base + (s & !TEMP_TAG)
        } else if s & CONST_TAG != 0 {
            consts_base + (s & !CONST_TAG)
        } else {
            s
        }
    };
    for op in init.iter_mut().chain(dynamic.iter_mut()) {
        op.map_slots(reloc);
        assert!(
            (op.max_slot() as usize) < n_slots,
            "slot out of range after relocation"
        );
    }
    for d in &mut l.delays {
        d.out = reloc(d.out);
        d.input = reloc(d.input);
        d.delay = reloc(d.delay);
    }
    for r in &mut l.randoms {
        r.relocate(reloc);
    }
    for e in &mut l.events {
        match e {
            EventSpec::At(a) => *a = reloc(*a),
            EventSpec::Pulse(a, b) | EventSpec::Ramp(a, b) => {
                *a = reloc(*a);
                *b = reloc(*b);
            }
            EventSpec::Train(a, b, c, d) => {
                *a = reloc(*a);
                *b = reloc(*b);
                *c = reloc(*c);
                *d = reloc(*d);
            }
        }
    }
    Lowered {
        init: Program::new(init),
        dynamic: Program::new(dynamic),
        n_slots,
        consts: l.consts,
        consts_base,
        params_base,
        state_base,
        n_state,
        deriv_base,
        vars_end: temps_base,
        var_slots: l.var_slots,
        lookups,
        exo_vars,
        delays: l.delays,
        randoms: l.randoms,
        events: l.events,
    }
}

impl<'m> Lowerer<'m> {
    fn const_slot(&mut self, v: f64) -> u32 {
        let key = v.to_bits();
        if let Some(&i) = self.const_index.get(&key) {
            return CONST_TAG | i;
        }
        let i = self.consts.len() as u32;
        self.consts.push(v);
        self.const_index.insert(key, i);
        CONST_TAG | i
    }

    fn slot(&mut self, v: Val) -> u32 {
        match v {
            Val::Slot(s) => s,
            Val::Const(c) => self.const_slot(c),
        }
    }

    fn temp(&mut self) -> u32 {
        let t = self.temp_next;
        self.temp_next += 1;
        self.temp_max = self.temp_max.max(self.temp_next);
        TEMP_TAG | t
    }

    /// A fresh permanent slot (beyond the variables), e.g. for a DELAY FIXED delay time.
    fn extra_slot(&mut self) -> u32 {
        let s = self.vars_end;
        self.vars_end += 1;
        s
    }

    fn is_static(&self, v: Val) -> bool {
        match v {
            Val::Const(_) => true,
            Val::Slot(s) => {
                s & (TEMP_TAG | CONST_TAG) == 0
                    && self.static_slot.get(s as usize).copied().unwrap_or(false)
            }
        }
    }

    /// Lowers `e` and stores it in `dst`.
    fn store(&mut self, e: &Expr, ctx: &mut Ctx, dst: u32) {
        let mark = self.ops.len();
        let v = self.expr(e, ctx);
        if let Val::Slot(s) = v {
            // Retarget the instruction that produced a temporary straight into `dst`.
            if s & TEMP_TAG != 0 && self.ops.len() > mark {
                if let Some(last) = self.ops.last_mut() {
                    let mut wrote_s = false;
                    let mut first = true;
                    let mut probe = *last;
                    probe.map_slots(|x| {
                        if first {
                            wrote_s = x == s;
                            first = false;
                        }
                        x
                    });
                    if wrote_s {
                        let mut first = true;
                        last.map_slots(|x| {
                            if first {
                                first = false;
                                dst
                            } else {
                                x
                            }
                        });
                        return;
                    }
                }
            }
        }
        let a = self.slot(v);
        self.ops.push(Op::Copy { d: dst, a });
    }

    fn elements(&self, v: VarId) -> (Vec<DimId>, usize) {
        (self.m.var(v).dims.clone(), self.m.element_count(v))
    }

    /// Lowers the equations of a flow, auxiliary or INITIAL value into its slots.
    fn lower_equations(&mut self, v: VarId, _initial: bool) {
        let (dims, n) = self.elements(v);
        let base = self.var_slots[v.index()].base;
        let eqs = match &self.m.var(v).kind {
            VarKind::Flow(e) | VarKind::Aux(e) | VarKind::Initial(e) => e,
            _ => return,
        };
        for k in 0..n {
            let idx = self.m.unflatten(&dims, k);
            let mut ctx = Ctx {
                dims: &dims,
                idx: &idx,
                bang: Vec::new(),
            };
            self.temp_next = 0;
            self.store(&eqs.for_element(k).expr, &mut ctx, base + k as u32);
        }
    }

    fn lower_initial(&mut self, v: VarId) {
        let m = self.m;
        let (dims, n) = self.elements(v);
        let base = self.var_slots[v.index()].base;
        match &m.var(v).kind {
            VarKind::Constant(_) | VarKind::Lookup(_) => {}
            VarKind::Stock(st) => {
                for k in 0..n {
                    let idx = m.unflatten(&dims, k);
                    let mut ctx = Ctx {
                        dims: &dims,
                        idx: &idx,
                        bang: Vec::new(),
                    };
                    self.temp_next = 0;
                    self.store(&st.initial.for_element(k).expr, &mut ctx, base + k as u32);
                }
            }
            VarKind::Flow(_) | VarKind::Aux(_) | VarKind::Initial(_) => {
                self.lower_equations(v, true)
            }
            VarKind::Exogenous(_) => {
                let series = self.exo_index[&v];
                self.ops.push(Op::Exo { d: base, series });
            }
            VarKind::DelayFixed(df) => {
                for k in 0..n {
                    let idx = m.unflatten(&dims, k);
                    let mut ctx = Ctx {
                        dims: &dims,
                        idx: &idx,
                        bang: Vec::new(),
                    };
                    self.temp_next = 0;
                    let delay = self.extra_slot();
                    self.store(&df.delay_time, &mut ctx, delay);
                    self.temp_next = 0;
                    self.store(&df.initial, &mut ctx, base + k as u32);
                    // The input is a variable, a register or a number (the resolver hoists
                    // anything else into a hidden auxiliary), so it has a permanent slot.
                    let input = match self.expr(&df.input, &mut ctx) {
                        Val::Slot(s) if s & TEMP_TAG == 0 => s,
                        Val::Slot(_) => unreachable!("DELAY FIXED input is hoisted"),
                        Val::Const(c) => self.const_slot(c),
                    };
                    self.delays.push(DelaySpec {
                        out: base + k as u32,
                        input,
                        delay,
                    });
                }
            }
            VarKind::Random(r) => {
                for k in 0..n {
                    let idx = m.unflatten(&dims, k);
                    let mut ctx = Ctx {
                        dims: &dims,
                        idx: &idx,
                        bang: Vec::new(),
                    };
                    let mut args = Vec::new();
                    for a in &r.args {
                        self.temp_next = 0;
                        let s = self.extra_slot();
                        self.store(a, &mut ctx, s);
                        args.push(s);
                    }
                    let source = self.randoms.len() as u32;
                    self.randoms
                        .push(RandomSpec::new(r.distribution, base + k as u32, &args));
                    self.ops.push(Op::Random {
                        d: base + k as u32,
                        source,
                    });
                }
            }
        }
    }

    /// The flat element index a reference selects.
    fn element(&self, var_dims: &[DimId], idx: &[Index], ctx: &Ctx) -> usize {
        let m = self.m;
        let mut flat = 0;
        for (k, target) in var_dims.iter().enumerate() {
            let (d, e) = match idx[k] {
                Index::Element(_, e) => (*target, e as usize),
                Index::Dim(d) => {
                    let p = ctx
                        .dims
                        .iter()
                        .position(|x| *x == d)
                        .expect("resolver checked the dimension");
                    (d, ctx.idx[p])
                }
                Index::Reduce(d) => {
                    let e = ctx
                        .bang
                        .iter()
                        .rev()
                        .find(|(x, _)| *x == d)
                        .expect("resolver checked the reduction")
                        .1;
                    (d, e)
                }
            };
            let e = pressure_model::ir::map_element(&m.dimensions, d, e, *target)
                .expect("resolver checked the dimensions");
            flat = flat * m.dim(*target).elements.len() + e;
        }
        flat
    }

    fn emit1(&mut self, f: fn(u32, u32) -> Op, a: Val) -> Val {
        let a = self.slot(a);
        let d = self.temp();
        self.ops.push(f(d, a));
        Val::Slot(d)
    }

    fn emit2(&mut self, f: fn(u32, u32, u32) -> Op, a: Val, b: Val) -> Val {
        if let (Val::Const(x), Val::Const(y)) = (a, b) {
            return Val::Const(fold(f(2, 0, 1), &[x, y]));
        }
        let (a, b) = (self.slot(a), self.slot(b));
        let d = self.temp();
        self.ops.push(f(d, a, b));
        Val::Slot(d)
    }

    fn emit3(&mut self, f: fn(u32, u32, u32, u32) -> Op, a: Val, b: Val, c: Val) -> Val {
        if let (Val::Const(x), Val::Const(y), Val::Const(z)) = (a, b, c) {
            return Val::Const(fold(f(3, 0, 1, 2), &[x, y, z]));
        }
        let (a, b, c) = (self.slot(a), self.slot(b), self.slot(c));
        let d = self.temp();
        self.ops.push(f(d, a, b, c));
        Val::Slot(d)
    }

    fn unary_fn(&mut self, f: fn(u32, u32) -> Op, a: Val) -> Val {
        if let Val::Const(x) = a {
            return Val::Const(fold(f(1, 0), &[x]));
        }
        self.emit1(f, a)
    }

    fn expr(&mut self, e: &Expr, ctx: &mut Ctx) -> Val {
        match &e.kind {
            ExprKind::Const(v) => Val::Const(*v),
            ExprKind::Var(v, idx) => {
                let var = self.m.var(*v);
                let flat = self.element(&var.dims, idx, ctx);
                let vs = self.var_slots[v.index()];
                Val::Slot(vs.base + flat as u32)
            }
            ExprKind::Register(b) => Val::Slot(match b {
                Builtin::Time => TIME,
                Builtin::TimeStep => DT,
                Builtin::InitialTime => INITIAL_TIME,
                Builtin::FinalTime => FINAL_TIME,
                Builtin::SavePer => SAVEPER,
                _ => unreachable!("not a register: {b:?}"),
            }),
            ExprKind::Unary(op, a) => {
                let a = self.expr(a, ctx);
                match op {
                    UnaryOp::Neg => self.unary_fn(|d, a| Op::Neg { d, a }, a),
                    UnaryOp::Not => self.unary_fn(|d, a| Op::Not { d, a }, a),
                }
            }
            ExprKind::Binary(op, l, r) => self.binary(*op, l, r, ctx),
            ExprKind::If(c, a, b) => {
                let c = self.expr(c, ctx);
                if let Val::Const(x) = c {
                    return if x != 0.0 {
                        self.expr(a, ctx)
                    } else {
                        self.expr(b, ctx)
                    };
                }
                let a = self.expr(a, ctx);
                let b = self.expr(b, ctx);
                let (c, a, b) = (self.slot(c), self.slot(a), self.slot(b));
                let d = self.temp();
                self.ops.push(Op::Select { d, c, a, b });
                Val::Slot(d)
            }
            ExprKind::Call(b, args) => self.call(*b, args, ctx),
            ExprKind::Lookup(t, idx, arg) => {
                let var = self.m.var(*t);
                let flat = self.element(&var.dims, idx, ctx);
                let table = self.lookup_base[t.index()] + flat as u32;
                let x = self.expr(arg, ctx);
                if let Val::Const(x) = x {
                    // Tables are fixed at compile time, so a constant argument folds.
                    let tab = match &self.m.var(*t).kind {
                        VarKind::Lookup(ts) => &ts[flat],
                        _ => unreachable!(),
                    };
                    return Val::Const(lookup(tab, x));
                }
                let x = self.slot(x);
                let d = self.temp();
                self.ops.push(Op::Lookup { d, table, x });
                Val::Slot(d)
            }
            ExprKind::Reduce(b, dims, arg) => self.reduce(*b, dims, arg, ctx),
            ExprKind::Stateful(s) => self.expr(&s.value, ctx),
        }
    }

    fn binary(&mut self, op: BinaryOp, l: &Expr, r: &Expr, ctx: &mut Ctx) -> Val {
        use BinaryOp::*;
        let is_mul = |e: &Expr| matches!(e.kind, ExprKind::Binary(Mul, _, _));
        // Fused multiply-add shapes (two roundings, exactly as unfused).
        if matches!(op, Add | Sub) && (is_mul(l) || is_mul(r)) {
            let (mul, other, mul_left) = if is_mul(l) {
                (l, r, true)
            } else {
                (r, l, false)
            };
            let ExprKind::Binary(_, a, b) = &mul.kind else {
                unreachable!()
            };
            let (va, vb) = if mul_left {
                let va = self.expr(a, ctx);
                let vb = self.expr(b, ctx);
                (va, vb)
            } else {
                let vo = self.expr(other, ctx);
                let va = self.expr(a, ctx);
                let vb = self.expr(b, ctx);
                let vc = vo;
                return self.fused(op, va, vb, vc, false);
            };
            let vc = self.expr(other, ctx);
            return self.fused(op, va, vb, vc, true);
        }
        let a = self.expr(l, ctx);
        let b = self.expr(r, ctx);
        self.emit_binary(op, a, b)
    }

    /// `a*b (op) c` when `mul_left`, else `c (op) a*b`.
    fn fused(&mut self, op: BinaryOp, a: Val, b: Val, c: Val, mul_left: bool) -> Val {
        if let (Val::Const(_), Val::Const(_)) = (a, b) {
            let p = self.emit_binary(BinaryOp::Mul, a, b);
            return if mul_left {
                self.emit_binary(op, p, c)
            } else {
                self.emit_binary(op, c, p)
            };
        }
        match (op, mul_left) {
            (BinaryOp::Add, _) => self.emit3(|d, a, b, c| Op::MulAdd { d, a, b, c }, a, b, c),
            (BinaryOp::Sub, true) => self.emit3(|d, a, b, c| Op::MulSub { d, a, b, c }, a, b, c),
            (BinaryOp::Sub, false) => {
                self.emit3(|d, a, b, c| Op::NegMulAdd { d, a, b, c }, a, b, c)
            }
            _ => unreachable!(),
        }
    }

    fn emit_binary(&mut self, op: BinaryOp, a: Val, b: Val) -> Val {
        use BinaryOp::*;
        let f: fn(u32, u32, u32) -> Op = match op {
            Add => |d, a, b| Op::Add { d, a, b },
            Sub => |d, a, b| Op::Sub { d, a, b },
            Mul => |d, a, b| Op::Mul { d, a, b },
            Div => |d, a, b| Op::Div { d, a, b },
            Pow => |d, a, b| Op::Pow { d, a, b },
            Eq => |d, a, b| Op::Eq { d, a, b },
            Ne => |d, a, b| Op::Ne { d, a, b },
            Lt => |d, a, b| Op::Lt { d, a, b },
            Le => |d, a, b| Op::Le { d, a, b },
            Gt => |d, a, b| Op::Gt { d, a, b },
            Ge => |d, a, b| Op::Ge { d, a, b },
            And => |d, a, b| Op::And { d, a, b },
            Or => |d, a, b| Op::Or { d, a, b },
        };
        self.emit2(f, a, b)
    }

    fn call(&mut self, b: Builtin, args: &[Expr], ctx: &mut Ctx) -> Val {
        if b == Builtin::ActiveInitial {
            return self.expr(&args[usize::from(self.initial)], ctx);
        }
        let vals: Vec<Val> = args.iter().map(|a| self.expr(a, ctx)).collect();
        let unary: Option<fn(u32, u32) -> Op> = match b {
            Builtin::Abs => Some(|d, a| Op::Abs { d, a }),
            Builtin::Exp => Some(|d, a| Op::Exp { d, a }),
            Builtin::Ln => Some(|d, a| Op::Ln { d, a }),
            Builtin::Log10 => Some(|d, a| Op::Log10 { d, a }),
            Builtin::Log if vals.len() == 1 => Some(|d, a| Op::Log10 { d, a }),
            Builtin::Sqrt => Some(|d, a| Op::Sqrt { d, a }),
            Builtin::Sin => Some(|d, a| Op::Sin { d, a }),
            Builtin::Cos => Some(|d, a| Op::Cos { d, a }),
            Builtin::Tan => Some(|d, a| Op::Tan { d, a }),
            Builtin::ArcSin => Some(|d, a| Op::Asin { d, a }),
            Builtin::ArcCos => Some(|d, a| Op::Acos { d, a }),
            Builtin::ArcTan => Some(|d, a| Op::Atan { d, a }),
            Builtin::Integer => Some(|d, a| Op::Int { d, a }),
            _ => None,
        };
        if let Some(f) = unary {
            return self.unary_fn(f, vals[0]);
        }
        match b {
            Builtin::Log => self.emit2(|d, a, b| Op::LogB { d, a, b }, vals[0], vals[1]),
            Builtin::Power => self.emit2(|d, a, b| Op::Pow { d, a, b }, vals[0], vals[1]),
            Builtin::Modulo => self.emit2(|d, a, b| Op::Mod { d, a, b }, vals[0], vals[1]),
            Builtin::Min | Builtin::Max => {
                let f: fn(u32, u32, u32) -> Op = if b == Builtin::Min {
                    |d, a, b| Op::Min { d, a, b }
                } else {
                    |d, a, b| Op::Max { d, a, b }
                };
                let mut acc = vals[0];
                for v in &vals[1..] {
                    acc = self.emit2(f, acc, *v);
                }
                acc
            }
            Builtin::Zidz => self.emit2(|d, a, b| Op::Zidz { d, a, b }, vals[0], vals[1]),
            Builtin::Xidz => self.emit3(
                |d, a, b, c| Op::Xidz { d, a, b, c },
                vals[0],
                vals[1],
                vals[2],
            ),
            Builtin::SafeDiv => {
                if vals.len() == 2 {
                    self.emit2(|d, a, b| Op::Zidz { d, a, b }, vals[0], vals[1])
                } else {
                    self.emit3(
                        |d, a, b, c| Op::Xidz { d, a, b, c },
                        vals[0],
                        vals[1],
                        vals[2],
                    )
                }
            }
            Builtin::IfThenElse => {
                let (c, a, b2) = (self.slot(vals[0]), self.slot(vals[1]), self.slot(vals[2]));
                let d = self.temp();
                self.ops.push(Op::Select { d, c, a, b: b2 });
                Val::Slot(d)
            }
            Builtin::Step => {
                let (height, at) = (self.slot(vals[0]), self.slot(vals[1]));
                if self.is_static(vals[1]) {
                    self.events.push(EventSpec::At(at));
                }
                let d = self.temp();
                self.ops.push(Op::Step { d, height, at });
                Val::Slot(d)
            }
            Builtin::Pulse => {
                let (start, width) = (self.slot(vals[0]), self.slot(vals[1]));
                if self.is_static(vals[0]) && self.is_static(vals[1]) {
                    self.events.push(EventSpec::Pulse(start, width));
                }
                let d = self.temp();
                self.ops.push(Op::Pulse { d, start, width });
                Val::Slot(d)
            }
            Builtin::PulseTrain => {
                let s: Vec<u32> = vals.iter().map(|v| self.slot(*v)).collect();
                if vals.iter().all(|v| self.is_static(*v)) {
                    self.events.push(EventSpec::Train(s[0], s[1], s[2], s[3]));
                }
                let d = self.temp();
                self.ops.push(Op::PulseTrain {
                    d,
                    start: s[0],
                    width: s[1],
                    every: s[2],
                    end: s[3],
                });
                Val::Slot(d)
            }
            Builtin::Ramp => {
                let end = if vals.len() == 3 {
                    vals[2]
                } else {
                    Val::Const(f64::INFINITY)
                };
                let (slope, start, ends) = (self.slot(vals[0]), self.slot(vals[1]), self.slot(end));
                if self.is_static(vals[1]) && self.is_static(end) {
                    self.events.push(EventSpec::Ramp(start, ends));
                }
                let d = self.temp();
                self.ops.push(Op::Ramp {
                    d,
                    slope,
                    start,
                    end: ends,
                });
                Val::Slot(d)
            }
            _ => unreachable!("builtin {b:?} is not a plain call"),
        }
    }

    fn reduce(&mut self, b: Builtin, dims: &[DimId], arg: &Expr, ctx: &mut Ctx) -> Val {
        // Every combination of the reduced dimensions, row-major.
        let sizes: Vec<usize> = dims.iter().map(|d| self.m.dim(*d).elements.len()).collect();
        let total: usize = sizes.iter().product();
        let bind = |ctx: &mut Ctx, flat: usize| {
            let mut rest = flat;
            let mut binding = vec![0; dims.len()];
            for k in (0..dims.len()).rev() {
                binding[k] = rest % sizes[k];
                rest /= sizes[k];
            }
            for (d, e) in dims.iter().zip(&binding) {
                ctx.bang.push((*d, *e));
            }
        };
        // A sum of products accumulates with fused multiply-adds, exactly as the written-out
        // sum `a0*b0 + a1*b1 + ...` would.
        if let (Builtin::Sum, ExprKind::Binary(BinaryOp::Mul, x, y)) = (b, &arg.kind) {
            let mut acc: Option<Val> = None;
            for flat in 0..total {
                let mark = ctx.bang.len();
                bind(ctx, flat);
                let vx = self.expr(x, ctx);
                let vy = self.expr(y, ctx);
                ctx.bang.truncate(mark);
                acc = Some(match acc {
                    None => self.emit_binary(BinaryOp::Mul, vx, vy),
                    Some(a) => self.fused(BinaryOp::Add, vx, vy, a, true),
                });
            }
            return acc.expect("a dimension has at least one element");
        }
        let mut values = Vec::with_capacity(total);
        for flat in 0..total {
            let mark = ctx.bang.len();
            bind(ctx, flat);
            values.push(self.expr(arg, ctx));
            ctx.bang.truncate(mark);
        }
        let n = values.len() as f64;
        let sum = |this: &mut Self, vals: &[Val]| -> Val {
            let mut acc = vals[0];
            for v in &vals[1..] {
                acc = this.emit_binary(BinaryOp::Add, acc, *v);
            }
            acc
        };
        match b {
            Builtin::Sum => sum(self, &values),
            Builtin::Mean => {
                let s = sum(self, &values);
                self.emit_binary(BinaryOp::Div, s, Val::Const(n))
            }
            Builtin::Prod => {
                let mut acc = values[0];
                for v in &values[1..] {
                    acc = self.emit_binary(BinaryOp::Mul, acc, *v);
                }
                acc
            }
            Builtin::Min | Builtin::Max => {
                let f: fn(u32, u32, u32) -> Op = if b == Builtin::Min {
                    |d, a, b| Op::Min { d, a, b }
                } else {
                    |d, a, b| Op::Max { d, a, b }
                };
                let mut acc = values[0];
                for v in &values[1..] {
                    acc = self.emit2(f, acc, *v);
                }
                acc
            }
            Builtin::Stddev => {
                // Population standard deviation: sqrt(sum((x - mean)^2) / n).
                let s = sum(self, &values);
                let mean = self.emit_binary(BinaryOp::Div, s, Val::Const(n));
                let mut acc = Val::Const(0.0);
                for v in &values {
                    let dev = self.emit_binary(BinaryOp::Sub, *v, mean);
                    acc = self.fused(BinaryOp::Add, dev, dev, acc, true);
                }
                let var = self.emit_binary(BinaryOp::Div, acc, Val::Const(n));
                self.unary_fn(|d, a| Op::Sqrt { d, a }, var)
            }
            _ => unreachable!("not a reduction: {b:?}"),
        }
    }
}
