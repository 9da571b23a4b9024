//! Native code for the per-evaluation program, compiled with Cranelift.
//!
//! The dynamic program is straight-line code over the slot array, so it becomes one function
//! `fn(slots, lookup tables, exogenous series)` with a single basic block: every instruction
//! turns into the same IEEE operation the interpreter performs, in the same order, never fused
//! (no FMA), so the native code computes the interpreter's bits exactly (the tests check this
//! bit for bit). Transcendental functions, time-input builtins, graphical functions and series
//! are calls into the interpreter's own Rust functions (`helpers.rs`).
//!
//! What makes it fast besides the missing dispatch: values stay in registers between the
//! instructions that use them; scratch temporaries never touch memory; literal constants are
//! immediates, each materialised once per reuse window; a variable is stored once, after its last write (a stock's derivative
//! accumulated over several flows is written to memory once).
//!
//! The interpreter stays the fallback (other targets, the `jit` feature off, a program the
//! generator refuses) and the correctness oracle.

mod helpers;

use crate::lane_exec::{Lanes, LANES};
use crate::program::{Op, Program, DT, HOLD_TIME, TIME_PLUS};
use cranelift_codegen::entity::packed_option::ReservedValue;
use cranelift_codegen::ir::condcodes::FloatCC;
use cranelift_codegen::ir::{
    types, AbiParam, FuncRef, InstBuilder, MemFlagsData, Signature, StackSlot, StackSlotData,
    StackSlotKind, Type, Value,
};
use cranelift_codegen::settings::{self, Configurable};
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};
use cranelift_jit::{JITBuilder, JITModule};
use cranelift_module::{default_libcall_names, FuncId, Linkage, Module};
use pressure_model::{LookupTable, Series};
use std::collections::HashMap;
use std::time::{Duration, Instant};

/// What the code generator needs to know about the slot array besides the program.
pub(crate) struct SlotLayout<'a> {
    /// Scratch temporaries (`start..end`): they live in registers only.
    pub temps: std::ops::Range<u32>,
    /// First slot of the literal constants, whose values are emitted as immediates.
    pub consts_base: u32,
    pub consts: &'a [f64],
    /// How many lookup tables and exogenous series the program may index.
    pub n_lookups: usize,
    pub n_series: usize,
}

/// How many runs the generated function advances at once, and how their slots lie in memory.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Shape {
    /// One run over a slot array `[f64]`.
    Scalar,
    /// `width` lanes (2, 4 or 8) of the batch backend's slot-major lane array
    /// (`[[f64; LANES]]`), as `width / 2` `f64x2` vectors per slot; the function is called
    /// `LANES / width` times, once per group of lanes.
    Lanes { width: usize },
}

/// The signature of the generated function.
type EvalFn = unsafe extern "C" fn(*mut f64, *const LookupTable, *const Series);

/// A program compiled to native code.
pub(crate) struct JitProgram {
    func: EvalFn,
    /// Owns the executable memory `func` points into (freed on drop).
    module: Option<JITModule>,
    /// The slot array must be at least this long.
    min_slots: usize,
    n_lookups: usize,
    n_series: usize,
    shape: Shape,
    /// Wall time of the compilation and size of the machine code (for reports).
    compile_time: Duration,
    code_bytes: usize,
}

// SAFETY: after `finalize_definitions` the module's code memory is read-only and executable and
// is never written again; `func` is a plain function pointer into it that reads and writes
// only the slot array passed to each call (each simulator owns its own), so concurrent calls
// from several threads share nothing mutable. The `JITModule` itself (which holds a `RefCell`
// symbol table, hence not `Sync` on its own) is never touched after construction except by
// `drop`, which needs `&mut self` and therefore exclusive access.
unsafe impl Send for JitProgram {}
unsafe impl Sync for JitProgram {}

impl Drop for JitProgram {
    fn drop(&mut self) {
        if let Some(m) = self.module.take() {
            // SAFETY: the function pointer dies with `self`, and no call can be running:
            // `run` borrows `self`, and we hold `&mut self`.
            unsafe { m.free_memory() };
        }
    }
}

impl std::fmt::Debug for JitProgram {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JitProgram")
            .field("code_bytes", &self.code_bytes)
            .field("compile_time", &self.compile_time)
            .finish()
    }
}

impl JitProgram {
    pub fn compile_time(&self) -> Duration {
        self.compile_time
    }

    pub fn code_bytes(&self) -> usize {
        self.code_bytes
    }

    /// Runs the program over `slots` (a program compiled for [`Shape::Scalar`]).
    #[inline]
    pub fn run(&self, slots: &mut [f64], lookups: &[LookupTable], series: &[Series]) {
        assert_eq!(
            self.shape,
            Shape::Scalar,
            "a lane program run as a scalar one"
        );
        assert!(
            slots.len() >= self.min_slots
                && lookups.len() >= self.n_lookups
                && series.len() >= self.n_series,
            "slot array, lookups or series too small for the compiled program"
        );
        // SAFETY: the generated code reads and writes slots below `min_slots` only (the largest
        // slot of the program, checked when it was generated), indexes lookups and series below
        // the counts it was generated for, and calls only the helpers in `helpers.rs`; the
        // three lengths were just checked and `slots` is exclusively borrowed.
        unsafe { (self.func)(slots.as_mut_ptr(), lookups.as_ptr(), series.as_ptr()) }
    }

    /// Runs the program over every lane of `slots` (a program compiled for
    /// [`Shape::Lanes`]): each lane computes what [`JitProgram::run`] computes for its slots,
    /// bit for bit.
    #[inline]
    pub fn run_lanes(&self, slots: &mut [Lanes], lookups: &[LookupTable], series: &[Series]) {
        let Shape::Lanes { width } = self.shape else {
            panic!("a scalar program run over lanes");
        };
        assert!(
            slots.len() >= self.min_slots
                && lookups.len() >= self.n_lookups
                && series.len() >= self.n_series,
            "slot array, lookups or series too small for the compiled program"
        );
        let base = slots.as_mut_ptr() as *mut f64;
        for group in 0..LANES / width {
            // SAFETY: as in `run`, with slots `LANES` f64s apart (the stride the code was
            // generated for) and lane offsets `group * width + 0..width`, all below `LANES`;
            // `slots` is exclusively borrowed and the groups run one after the other.
            unsafe { (self.func)(base.add(group * width), lookups.as_ptr(), series.as_ptr()) }
        }
    }

    /// Compiles `program` to native code for one run, or says why it cannot.
    #[cfg(test)]
    pub fn compile(program: &Program, layout: &SlotLayout) -> Result<JitProgram, String> {
        JitProgram::compile_shape(program, layout, Shape::Scalar)
    }

    /// Compiles `program` to native code of the given shape, or says why it cannot.
    pub fn compile_shape(
        program: &Program,
        layout: &SlotLayout,
        shape: Shape,
    ) -> Result<JitProgram, String> {
        #[cfg(test)]
        if tests::PANIC_IN_COMPILE.with(|p| p.get()) {
            panic!("code generator panic (test)");
        }
        let t0 = Instant::now();
        let ops = program.ops();
        check_program(ops, layout)?;
        let min_slots = program.max_slot() as usize + 1;
        let (ty, parts, stride) = match shape {
            Shape::Scalar => (types::F64, 1, 8),
            Shape::Lanes { width } => {
                if !matches!(width, 2 | 4 | 8) || LANES % width != 0 {
                    return Err(format!("lane width {width} is not 2, 4 or 8"));
                }
                (types::F64X2, width / 2, 8 * LANES)
            }
        };
        if min_slots.saturating_mul(stride) > i32::MAX as usize {
            return Err("slot array too large for 32-bit offsets".into());
        }

        let options = crate::EngineOptions::current();
        let mut flags = settings::builder();
        let set = |f: &mut settings::Builder, k: &str, v: &str| {
            f.set(k, v)
                .map_err(|e| format!("cranelift setting {k}: {e}"))
        };
        set(&mut flags, "opt_level", opt_level(&options))?;
        set(&mut flags, "use_colocated_libcalls", "false")?;
        set(&mut flags, "is_pic", "false")?;
        set(
            &mut flags,
            "enable_verifier",
            if cfg!(debug_assertions) {
                "true"
            } else {
                "false"
            },
        )?;
        let isa = cranelift_native::builder()
            .map_err(|e| format!("host not supported by cranelift: {e}"))?
            .finish(settings::Flags::new(flags))
            .map_err(|e| format!("cranelift target: {e}"))?;
        let mut builder = JITBuilder::with_isa(isa, default_libcall_names());
        for h in HELPERS.iter().chain(&LANE_HELPERS) {
            builder.symbol(h.name, h.ptr);
        }
        let mut module = JITModule::new(builder);

        let ptr = module.target_config().pointer_type();
        let mut helper_ids = Vec::with_capacity(HELPERS.len());
        for h in HELPERS {
            let mut sig = module.make_signature();
            for p in h.params {
                sig.params.push(AbiParam::new(match p {
                    Arg::F64 => types::F64,
                    Arg::Ptr => ptr,
                    Arg::Index => types::I64,
                }));
            }
            sig.returns.push(AbiParam::new(types::F64));
            let id = module
                .declare_function(h.name, Linkage::Import, &sig)
                .map_err(|e| e.to_string())?;
            helper_ids.push(id);
        }
        let mut lane_helper_ids = Vec::with_capacity(LANE_HELPERS.len());
        if shape != Shape::Scalar {
            for h in LANE_HELPERS {
                let mut sig = module.make_signature();
                for p in h.params {
                    sig.params.push(AbiParam::new(match p {
                        Arg::F64 => types::F64,
                        Arg::Ptr => ptr,
                        Arg::Index => types::I64,
                    }));
                }
                let id = module
                    .declare_function(h.name, Linkage::Import, &sig)
                    .map_err(|e| e.to_string())?;
                lane_helper_ids.push(id);
            }
        }
        let mut sig: Signature = module.make_signature();
        for _ in 0..3 {
            sig.params.push(AbiParam::new(ptr));
        }
        let fid = module
            .declare_function("pressure_eval", Linkage::Local, &sig)
            .map_err(|e| e.to_string())?;
        let target = module.target_config();
        let mut ctx = module.make_context();
        ctx.func.signature = sig;
        let mut fctx = FunctionBuilderContext::new();
        {
            let mut b = FunctionBuilder::new(&mut ctx.func, &mut fctx);
            let block = b.create_block();
            b.append_block_params_for_function_params(block);
            b.switch_to_block(block);
            b.seal_block(block);
            let params = b.block_params(block).to_vec();
            let mut e = Emitter {
                b,
                module: &mut module,
                helper_ids: &helper_ids,
                helper_refs: vec![None; HELPERS.len()],
                lane_helper_ids: &lane_helper_ids,
                lane_helper_refs: vec![None; LANE_HELPERS.len()],
                scratch: None,
                ptr,
                slots: params[0],
                tables: params[1],
                series: params[2],
                layout,
                ty,
                parts,
                stride: stride as i32,
                window: REUSE_WINDOW / parts,
                cache: vec![None; min_slots],
                in_memory: vec![true; min_slots],
                const_cache: HashMap::new(),
                last_write: last_writes(ops, min_slots),
                pos: 0,
            };
            for (i, op) in ops.iter().enumerate() {
                e.pos = i;
                e.op(op);
            }
            e.b.ins().return_(&[]);
            e.b.finalize(target);
        }
        module
            .define_function(fid, &mut ctx)
            .map_err(|e| format!("cranelift: {e:?}"))?;
        let code_bytes = ctx
            .compiled_code()
            .map(|c| c.code_buffer().len())
            .unwrap_or(0);
        if let Some(path) = &options.jit_dump {
            let _ = std::fs::write(path, ctx.compiled_code().unwrap().code_buffer());
            let mut clif = path.clone().into_os_string();
            clif.push(".clif");
            let _ = std::fs::write(clif, ctx.func.display().to_string());
        }
        module.clear_context(&mut ctx);
        module
            .finalize_definitions()
            .map_err(|e| format!("cranelift: {e}"))?;
        let code = module.get_finalized_function(fid);
        // SAFETY: `code` is the finalized machine code of a function with exactly the
        // signature (three pointers, no result) declared above, in the platform's C calling
        // convention (`make_signature` uses the ISA's default, which is C's).
        let func = unsafe { std::mem::transmute::<*const u8, EvalFn>(code) };
        Ok(JitProgram {
            func,
            module: Some(module),
            min_slots,
            n_lookups: layout.n_lookups,
            n_series: layout.n_series,
            shape,
            compile_time: t0.elapsed(),
            code_bytes,
        })
    }
}

/// Cranelift's optimisation level ([`crate::EngineOptions::jit_optimise`]).
fn opt_level(options: &crate::EngineOptions) -> &'static str {
    if options.jit_optimise {
        "speed"
    } else {
        "none"
    }
}

/// Refuses what the generator does not handle: random draws (they happen outside the dynamic
/// program), a temporary read before it is written (its value would come from memory the
/// native code never writes), and tables or series out of range.
fn check_program(ops: &[Op], layout: &SlotLayout) -> Result<(), String> {
    let mut written = vec![false; layout.temps.len()];
    for op in ops {
        match *op {
            Op::Random { .. } => return Err("random draws are not compiled".into()),
            Op::Lookup { table, .. } if table as usize >= layout.n_lookups => {
                return Err("lookup table out of range".into())
            }
            Op::Exo { series, .. } if series as usize >= layout.n_series => {
                return Err("exogenous series out of range".into())
            }
            _ => {}
        }
        let mut first = true;
        let mut bad = false;
        let mut dest = 0;
        let mut o = *op;
        o.map_slots(|s| {
            if first {
                dest = s;
                first = false;
            } else if layout.temps.contains(&s) && !written[(s - layout.temps.start) as usize] {
                bad = true;
            }
            s
        });
        if bad {
            return Err("a temporary is read before it is written".into());
        }
        if layout.temps.contains(&dest) {
            written[(dest - layout.temps.start) as usize] = true;
        }
    }
    Ok(())
}

/// For every slot, the position of the last instruction writing it (`usize::MAX`: none).
fn last_writes(ops: &[Op], n: usize) -> Vec<usize> {
    let mut last = vec![usize::MAX; n];
    for (i, op) in ops.iter().enumerate() {
        last[dest(op) as usize] = i;
    }
    last
}

/// The slot an instruction writes (every instruction's first slot).
fn dest(op: &Op) -> u32 {
    let mut d = None;
    let mut o = *op;
    o.map_slots(|s| {
        d.get_or_insert(s);
        s
    });
    d.expect("every instruction writes a slot")
}

/// A value loaded from memory is reused from its register for this many instructions; after
/// that it is loaded again rather than kept alive (a reload costs less than the spill a long
/// live range causes in a big model).
const REUSE_WINDOW: usize = 24;

#[derive(Clone, Copy)]
enum Arg {
    F64,
    Ptr,
    Index,
}

struct Helper {
    name: &'static str,
    ptr: *const u8,
    params: &'static [Arg],
}

// Parameter lists of the helpers. (`HELPERS` is a `const`, not a `static`: it holds raw
// function pointers, which are not `Sync`.)
const F1: &[Arg] = &[Arg::F64];
const F2: &[Arg] = &[Arg::F64, Arg::F64];
const F4: &[Arg] = &[Arg::F64, Arg::F64, Arg::F64, Arg::F64];
const F6: &[Arg] = &[Arg::F64, Arg::F64, Arg::F64, Arg::F64, Arg::F64, Arg::F64];

/// Indices into `HELPERS`.
mod h {
    pub const EXP: usize = 0;
    pub const LN: usize = 1;
    pub const LOG10: usize = 2;
    pub const SIN: usize = 3;
    pub const COS: usize = 4;
    pub const TAN: usize = 5;
    pub const ASIN: usize = 6;
    pub const ACOS: usize = 7;
    pub const ATAN: usize = 8;
    pub const INT: usize = 9;
    pub const POW: usize = 10;
    pub const MOD: usize = 11;
    pub const LOGB: usize = 12;
    pub const PULSE: usize = 13;
    pub const PULSE_TRAIN: usize = 14;
    pub const RAMP: usize = 15;
    pub const LOOKUP: usize = 16;
    pub const SERIES: usize = 17;
}

const HELPERS: [Helper; 18] = [
    Helper {
        name: "pressure_exp",
        ptr: helpers::exp as *const u8,
        params: F1,
    },
    Helper {
        name: "pressure_ln",
        ptr: helpers::ln as *const u8,
        params: F1,
    },
    Helper {
        name: "pressure_log10",
        ptr: helpers::log10 as *const u8,
        params: F1,
    },
    Helper {
        name: "pressure_sin",
        ptr: helpers::sin as *const u8,
        params: F1,
    },
    Helper {
        name: "pressure_cos",
        ptr: helpers::cos as *const u8,
        params: F1,
    },
    Helper {
        name: "pressure_tan",
        ptr: helpers::tan as *const u8,
        params: F1,
    },
    Helper {
        name: "pressure_asin",
        ptr: helpers::asin as *const u8,
        params: F1,
    },
    Helper {
        name: "pressure_acos",
        ptr: helpers::acos as *const u8,
        params: F1,
    },
    Helper {
        name: "pressure_atan",
        ptr: helpers::atan as *const u8,
        params: F1,
    },
    Helper {
        name: "pressure_int",
        ptr: helpers::int as *const u8,
        params: F1,
    },
    Helper {
        name: "pressure_pow",
        ptr: helpers::pow as *const u8,
        params: F2,
    },
    Helper {
        name: "pressure_mod",
        ptr: helpers::modulo_ as *const u8,
        params: F2,
    },
    Helper {
        name: "pressure_logb",
        ptr: helpers::log_base as *const u8,
        params: F2,
    },
    Helper {
        name: "pressure_pulse",
        ptr: helpers::pulse_ as *const u8,
        params: F4,
    },
    Helper {
        name: "pressure_pulse_train",
        ptr: helpers::pulse_train_ as *const u8,
        params: F6,
    },
    Helper {
        name: "pressure_ramp",
        ptr: helpers::ramp_ as *const u8,
        params: F4,
    },
    Helper {
        name: "pressure_lookup",
        ptr: helpers::lookup_ as *const u8,
        params: &[Arg::Ptr, Arg::Index, Arg::F64],
    },
    Helper {
        name: "pressure_series",
        ptr: helpers::series_ as *const u8,
        params: &[Arg::Ptr, Arg::Index, Arg::F64, Arg::F64],
    },
];

/// Most `f64x2` vectors per slot (eight lanes).
const MAX_PARTS: usize = 4;

/// A slot's value in the generated code: `parts` values (one `f64`, or `f64x2` vectors of
/// adjacent lanes); the unused entries are `Value::reserved_value()`. Comparison results have
/// the same shape (an `i8`, or `i64x2` lane masks).
type V = [Value; MAX_PARTS];

/// Lane helper arguments: the arguments' lanes, the lane count, the results.
const LANE_ARGS: &[Arg] = &[Arg::Ptr, Arg::Index, Arg::Ptr];

/// The lane versions of `HELPERS[..17]` (same indices; exogenous series are the same for every
/// lane, so they have none), called once per instruction by the lane code. They return nothing.
const LANE_HELPERS: [Helper; 17] = {
    macro_rules! lane {
        ($name:literal, $f:ident) => {
            Helper {
                name: $name,
                ptr: helpers::$f as *const u8,
                params: LANE_ARGS,
            }
        };
    }
    [
        lane!("pressure_exp_lanes", exp_lanes),
        lane!("pressure_ln_lanes", ln_lanes),
        lane!("pressure_log10_lanes", log10_lanes),
        lane!("pressure_sin_lanes", sin_lanes),
        lane!("pressure_cos_lanes", cos_lanes),
        lane!("pressure_tan_lanes", tan_lanes),
        lane!("pressure_asin_lanes", asin_lanes),
        lane!("pressure_acos_lanes", acos_lanes),
        lane!("pressure_atan_lanes", atan_lanes),
        lane!("pressure_int_lanes", int_lanes),
        lane!("pressure_pow_lanes", pow_lanes),
        lane!("pressure_mod_lanes", modulo_lanes),
        lane!("pressure_logb_lanes", log_base_lanes),
        lane!("pressure_pulse_lanes", pulse_lanes),
        lane!("pressure_pulse_train_lanes", pulse_train_lanes),
        lane!("pressure_ramp_lanes", ramp_lanes),
        Helper {
            name: "pressure_lookup_lanes",
            ptr: helpers::lookup_lanes as *const u8,
            params: &[Arg::Ptr, Arg::Index, Arg::Ptr, Arg::Index, Arg::Ptr],
        },
    ]
};

/// Most arguments of a helper (PULSE TRAIN's six) plus its result, in lanes: the size of the
/// lane code's scratch stack slot in `f64`s.
const SCRATCH_F64S: usize = 7 * LANES;

/// Turns instructions into Cranelift IR, tracking which slot values are in registers. The same
/// generator emits the scalar function and the lane functions: every instruction is written
/// once, over `parts` values of type `ty`, and only loads, stores, constants, selects and calls
/// look at the shape.
struct Emitter<'a, 'b> {
    b: FunctionBuilder<'b>,
    module: &'a mut JITModule,
    helper_ids: &'a [FuncId],
    helper_refs: Vec<Option<FuncRef>>,
    lane_helper_ids: &'a [FuncId],
    lane_helper_refs: Vec<Option<FuncRef>>,
    /// The lane code's scratch memory for helper arguments and results (created on first use).
    scratch: Option<StackSlot>,
    ptr: Type,
    slots: Value,
    tables: Value,
    series: Value,
    layout: &'a SlotLayout<'a>,
    /// `f64` (one run) or `f64x2` (two lanes per value).
    ty: Type,
    /// Values per slot: 1, or the number of `f64x2` vectors.
    parts: usize,
    /// Bytes from one slot to the next in memory.
    stride: i32,
    /// Reuse window of loaded values (see [`REUSE_WINDOW`]), shorter for wider shapes, which
    /// need more registers per slot.
    window: usize,
    /// The current value of each slot held in registers, and the position it was produced at.
    cache: Vec<Option<(V, usize)>>,
    /// Whether memory holds the slot's current value.
    in_memory: Vec<bool>,
    /// Literals already materialised (by bit pattern), and the position they were made at.
    const_cache: HashMap<u64, (V, usize)>,
    last_write: Vec<usize>,
    pos: usize,
}

impl<'b> Emitter<'_, 'b> {
    fn flags() -> MemFlagsData {
        // Aligned (a `Vec<f64>` or a `Vec<[f64; LANES]>`), cannot trap (the length is checked
        // before every call).
        MemFlagsData::trusted()
    }

    fn vector(&self) -> bool {
        self.ty != types::F64
    }

    /// `f` applied to each part.
    fn map1(&mut self, a: V, f: impl Fn(&mut FunctionBuilder<'b>, Value) -> Value) -> V {
        let mut o = [Value::reserved_value(); MAX_PARTS];
        for p in 0..self.parts {
            o[p] = f(&mut self.b, a[p]);
        }
        o
    }

    fn map2(
        &mut self,
        a: V,
        b: V,
        f: impl Fn(&mut FunctionBuilder<'b>, Value, Value) -> Value,
    ) -> V {
        let mut o = [Value::reserved_value(); MAX_PARTS];
        for p in 0..self.parts {
            o[p] = f(&mut self.b, a[p], b[p]);
        }
        o
    }

    /// One scalar value in every lane.
    fn broadcast(&mut self, x: Value) -> V {
        let mut o = [Value::reserved_value(); MAX_PARTS];
        let v = if self.vector() {
            self.b.ins().splat(self.ty, x)
        } else {
            x
        };
        o[..self.parts].fill(v);
        o
    }

    /// Lane 0's value (every lane holds the same time, so time-dependent helpers that are the
    /// same for every lane read it there).
    fn lane0(&mut self, v: V) -> Value {
        if self.vector() {
            self.b.ins().extractlane(v[0], 0)
        } else {
            v[0]
        }
    }

    /// A literal, materialised once and reused from its register within the reuse window (an
    /// `f64` immediate costs two machine instructions, and a model repeats its literals).
    fn constant(&mut self, v: f64) -> V {
        if let Some(&(value, at)) = self.const_cache.get(&v.to_bits()) {
            if self.pos - at <= self.window {
                return value;
            }
        }
        let c = self.b.ins().f64const(v);
        let value = self.broadcast(c);
        self.const_cache.insert(v.to_bits(), (value, self.pos));
        value
    }

    fn read(&mut self, s: u32) -> V {
        if s >= self.layout.consts_base {
            let v = self.layout.consts[(s - self.layout.consts_base) as usize];
            return self.constant(v);
        }
        let i = s as usize;
        if let Some((v, at)) = self.cache[i] {
            if !self.in_memory[i] || self.pos - at <= self.window {
                return v;
            }
        }
        let mut v = [Value::reserved_value(); MAX_PARTS];
        for (p, part) in v.iter_mut().enumerate().take(self.parts) {
            let offset = self.stride * s as i32 + 16 * p as i32;
            *part = self
                .b
                .ins()
                .load(self.ty, Self::flags(), self.slots, offset);
        }
        self.cache[i] = Some((v, self.pos));
        v
    }

    fn write(&mut self, d: u32, v: V) {
        let i = d as usize;
        self.cache[i] = Some((v, self.pos));
        if self.layout.temps.contains(&d) {
            self.in_memory[i] = false;
        } else if self.last_write[i] == self.pos {
            for (p, part) in v.iter().enumerate().take(self.parts) {
                let offset = self.stride * d as i32 + 16 * p as i32;
                self.b.ins().store(Self::flags(), *part, self.slots, offset);
            }
            self.in_memory[i] = true;
        } else {
            self.in_memory[i] = false;
        }
    }

    fn call(&mut self, helper: usize, args: &[Value]) -> Value {
        let f = match self.helper_refs[helper] {
            Some(f) => f,
            None => {
                let f = self
                    .module
                    .declare_func_in_func(self.helper_ids[helper], self.b.func);
                self.helper_refs[helper] = Some(f);
                f
            }
        };
        let call = self.b.ins().call(f, args);
        self.b.inst_results(call)[0]
    }

    /// The helper applied to each lane, with the `uniform` arguments (table pointers and
    /// indices) followed by the lane's values of `args`: the scalar function's very call (in
    /// the lane code through its lane version), so each lane gets the scalar bits.
    fn call_lanes(&mut self, helper: usize, uniform: &[Value], args: &[V]) -> V {
        if self.vector() {
            return self.call_lane_helper(helper, uniform, args);
        }
        let mut a = uniform.to_vec();
        a.extend(args.iter().map(|v| v[0]));
        let mut o = [Value::reserved_value(); MAX_PARTS];
        o[0] = self.call(helper, &a);
        o
    }

    /// The lane code's call: every lane of every argument stored to the scratch slot, one call
    /// of the lane helper (which applies the scalar helper lane by lane), the results loaded
    /// back. One call per instruction instead of one per lane, so the values held in vector
    /// registers (all caller-saved) are saved around one call, not `width`.
    fn call_lane_helper(&mut self, helper: usize, uniform: &[Value], args: &[V]) -> V {
        let width = 2 * self.parts;
        let scratch = match self.scratch {
            Some(s) => s,
            None => {
                let s = self.b.create_sized_stack_slot(StackSlotData::new(
                    StackSlotKind::ExplicitSlot,
                    (8 * SCRATCH_F64S) as u32,
                    4,
                ));
                self.scratch = Some(s);
                s
            }
        };
        for (k, v) in args.iter().enumerate() {
            for (p, part) in v.iter().enumerate().take(self.parts) {
                let at = (8 * (k * width + 2 * p)) as i32;
                self.b.ins().stack_store(self.ptr, *part, scratch, at);
            }
        }
        let out_at = (8 * args.len() * width) as i32;
        let a = self.b.ins().stack_addr(self.ptr, scratch, 0);
        let n = self.b.ins().iconst(types::I64, width as i64);
        let out = self.b.ins().stack_addr(self.ptr, scratch, out_at);
        let f = match self.lane_helper_refs[helper] {
            Some(f) => f,
            None => {
                let f = self
                    .module
                    .declare_func_in_func(self.lane_helper_ids[helper], self.b.func);
                self.lane_helper_refs[helper] = Some(f);
                f
            }
        };
        let mut call_args = uniform.to_vec();
        call_args.extend([a, n, out]);
        self.b.ins().call(f, &call_args);
        let mut o = [Value::reserved_value(); MAX_PARTS];
        for (p, part) in o.iter_mut().enumerate().take(self.parts) {
            *part = self
                .b
                .ins()
                .stack_load(self.ptr, self.ty, scratch, out_at + 16 * p as i32);
        }
        o
    }

    fn call1(&mut self, helper: usize, a: u32) -> V {
        let a = self.read(a);
        self.call_lanes(helper, &[], &[a])
    }

    fn call2(&mut self, helper: usize, a: u32, b: u32) -> V {
        let (a, b) = (self.read(a), self.read(b));
        self.call_lanes(helper, &[], &[a, b])
    }

    /// Per lane: `x` where `c` holds, else `y` (a select, or a bit-select by the lane mask).
    fn select(&mut self, c: V, x: V, y: V) -> V {
        let mut o = [Value::reserved_value(); MAX_PARTS];
        for p in 0..self.parts {
            o[p] = if self.vector() {
                let mask = self.b.ins().bitcast(self.ty, MemFlagsData::new(), c[p]);
                self.b.ins().bitselect(mask, x[p], y[p])
            } else {
                self.b.ins().select(c[p], x[p], y[p])
            };
        }
        o
    }

    fn fcmp(&mut self, cc: FloatCC, a: V, b: V) -> V {
        self.map2(a, b, |b, x, y| b.ins().fcmp(cc, x, y))
    }

    /// 1.0 where `c` holds, else 0.0.
    fn b2f(&mut self, c: V) -> V {
        let one = self.constant(1.0);
        let zero = self.constant(0.0);
        self.select(c, one, zero)
    }

    fn cmp(&mut self, cc: FloatCC, a: u32, b: u32) -> V {
        let (a, b) = (self.read(a), self.read(b));
        let c = self.fcmp(cc, a, b);
        self.b2f(c)
    }

    fn nonzero(&mut self, a: V) -> V {
        let zero = self.constant(0.0);
        self.fcmp(FloatCC::NotEqual, a, zero)
    }

    /// `program::fmin` / `program::fmax`: `b` when it is smaller (larger) or `a` is NaN.
    fn min_max(&mut self, cc: FloatCC, a: u32, b: u32) -> V {
        let (a, b) = (self.read(a), self.read(b));
        let better = self.fcmp(cc, b, a);
        let a_nan = self.fcmp(FloatCC::Unordered, a, a);
        let take_b = self.map2(better, a_nan, |b, x, y| b.ins().bor(x, y));
        self.select(take_b, b, a)
    }

    /// `program::xidz` with the fallback value `x`.
    fn safe_div(&mut self, a: u32, b: u32, x: V) -> V {
        let (a, b) = (self.read(a), self.read(b));
        let q = self.map2(a, b, |b, x, y| b.ins().fdiv(x, y));
        let mag = self.map1(b, |b, x| b.ins().fabs(x));
        let small = self.constant(crate::program::SMALL_DENOMINATOR);
        let tiny = self.fcmp(FloatCC::LessThan, mag, small);
        self.select(tiny, x, q)
    }

    fn arith(
        &mut self,
        a: u32,
        b: u32,
        f: impl Fn(&mut FunctionBuilder<'b>, Value, Value) -> Value,
    ) -> V {
        let (a, b) = (self.read(a), self.read(b));
        self.map2(a, b, f)
    }

    /// `a * b` then `f(product, c)`, never fused.
    fn mul_then(
        &mut self,
        a: u32,
        b: u32,
        c: u32,
        f: impl Fn(&mut FunctionBuilder<'b>, Value, Value) -> Value,
    ) -> V {
        let (a, b, c) = (self.read(a), self.read(b), self.read(c));
        let p = self.map2(a, b, |b, x, y| b.ins().fmul(x, y));
        self.map2(p, c, f)
    }

    fn op(&mut self, op: &Op) {
        let v = match *op {
            Op::Copy { a, .. } => self.read(a),
            Op::Neg { a, .. } => {
                let a = self.read(a);
                self.map1(a, |b, x| b.ins().fneg(x))
            }
            Op::Not { a, .. } => {
                let a = self.read(a);
                let zero = self.constant(0.0);
                let c = self.fcmp(FloatCC::Equal, a, zero);
                self.b2f(c)
            }
            Op::Abs { a, .. } => {
                let a = self.read(a);
                self.map1(a, |b, x| b.ins().fabs(x))
            }
            Op::Sqrt { a, .. } => {
                let a = self.read(a);
                self.map1(a, |b, x| b.ins().sqrt(x))
            }
            Op::Exp { a, .. } => self.call1(h::EXP, a),
            Op::Ln { a, .. } => self.call1(h::LN, a),
            Op::Log10 { a, .. } => self.call1(h::LOG10, a),
            Op::Sin { a, .. } => self.call1(h::SIN, a),
            Op::Cos { a, .. } => self.call1(h::COS, a),
            Op::Tan { a, .. } => self.call1(h::TAN, a),
            Op::Asin { a, .. } => self.call1(h::ASIN, a),
            Op::Acos { a, .. } => self.call1(h::ACOS, a),
            Op::Atan { a, .. } => self.call1(h::ATAN, a),
            Op::Int { a, .. } => self.call1(h::INT, a),
            Op::Add { a, b, .. } => self.arith(a, b, |b, x, y| b.ins().fadd(x, y)),
            Op::Sub { a, b, .. } => self.arith(a, b, |b, x, y| b.ins().fsub(x, y)),
            Op::Mul { a, b, .. } => self.arith(a, b, |b, x, y| b.ins().fmul(x, y)),
            Op::Div { a, b, .. } => self.arith(a, b, |b, x, y| b.ins().fdiv(x, y)),
            Op::Pow { a, b, .. } => self.call2(h::POW, a, b),
            Op::Mod { a, b, .. } => self.call2(h::MOD, a, b),
            Op::LogB { a, b, .. } => self.call2(h::LOGB, a, b),
            Op::Min { a, b, .. } => self.min_max(FloatCC::LessThan, a, b),
            Op::Max { a, b, .. } => self.min_max(FloatCC::GreaterThan, a, b),
            Op::Lt { a, b, .. } => self.cmp(FloatCC::LessThan, a, b),
            Op::Le { a, b, .. } => self.cmp(FloatCC::LessThanOrEqual, a, b),
            Op::Gt { a, b, .. } => self.cmp(FloatCC::GreaterThan, a, b),
            Op::Ge { a, b, .. } => self.cmp(FloatCC::GreaterThanOrEqual, a, b),
            Op::Eq { a, b, .. } => self.cmp(FloatCC::Equal, a, b),
            Op::Ne { a, b, .. } => self.cmp(FloatCC::NotEqual, a, b),
            Op::And { a, b, .. } | Op::Or { a, b, .. } => {
                let (a, b) = (self.read(a), self.read(b));
                let (ca, cb) = (self.nonzero(a), self.nonzero(b));
                let c = if matches!(op, Op::And { .. }) {
                    self.map2(ca, cb, |b, x, y| b.ins().band(x, y))
                } else {
                    self.map2(ca, cb, |b, x, y| b.ins().bor(x, y))
                };
                self.b2f(c)
            }
            Op::Zidz { a, b, .. } => {
                let zero = self.constant(0.0);
                self.safe_div(a, b, zero)
            }
            Op::Xidz { a, b, c, .. } => {
                let x = self.read(c);
                self.safe_div(a, b, x)
            }
            Op::MulAdd { a, b, c, .. } => self.mul_then(a, b, c, |b, p, z| b.ins().fadd(p, z)),
            Op::MulSub { a, b, c, .. } => self.mul_then(a, b, c, |b, p, z| b.ins().fsub(p, z)),
            Op::NegMulAdd { a, b, c, .. } => self.mul_then(a, b, c, |b, p, z| b.ins().fsub(z, p)),
            Op::Select { c, a, b, .. } => {
                let (c, a, b) = (self.read(c), self.read(a), self.read(b));
                let cond = self.nonzero(c);
                self.select(cond, a, b)
            }
            Op::Step { height, at, .. } => {
                let (tp, h, at) = (self.read(TIME_PLUS), self.read(height), self.read(at));
                let on = self.fcmp(FloatCC::GreaterThan, tp, at);
                let zero = self.constant(0.0);
                self.select(on, h, zero)
            }
            Op::Pulse { start, width, .. } => {
                let args = [
                    self.read(TIME_PLUS),
                    self.read(DT),
                    self.read(start),
                    self.read(width),
                ];
                self.call_lanes(h::PULSE, &[], &args)
            }
            Op::PulseTrain {
                start,
                width,
                every,
                end,
                ..
            } => {
                let args = [
                    self.read(TIME_PLUS),
                    self.read(DT),
                    self.read(start),
                    self.read(width),
                    self.read(every),
                    self.read(end),
                ];
                self.call_lanes(h::PULSE_TRAIN, &[], &args)
            }
            Op::Ramp {
                slope, start, end, ..
            } => {
                let args = [
                    self.read(HOLD_TIME),
                    self.read(slope),
                    self.read(start),
                    self.read(end),
                ];
                self.call_lanes(h::RAMP, &[], &args)
            }
            Op::Lookup { table, x, .. } => {
                let x = self.read(x);
                let i = self.b.ins().iconst(types::I64, table as i64);
                let t = self.tables;
                self.call_lanes(h::LOOKUP, &[t, i], &[x])
            }
            Op::Exo { series, .. } => {
                // Every lane is at the same time and shares the series: one call, as the lane
                // interpreter does.
                let (hold, tp) = (self.read(HOLD_TIME), self.read(TIME_PLUS));
                let (hold, tp) = (self.lane0(hold), self.lane0(tp));
                let i = self.b.ins().iconst(types::I64, series as i64);
                let s = self.series;
                let v = self.call(h::SERIES, &[s, i, hold, tp]);
                self.broadcast(v)
            }
            Op::Random { .. } => unreachable!("refused by check_program"),
        };
        self.write(dest(op), v);
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::program::{exec, Env, N_REGISTERS, TIME};

    thread_local! {
        /// Makes `JitProgram::compile` panic on this thread (to test the fallback).
        pub(crate) static PANIC_IN_COMPILE: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
    }
    use pressure_model::{Extrapolation, Interpolation};

    /// Awkward inputs: signed zeros, tiny denominators around XIDZ's threshold, huge values,
    /// infinities and NaN.
    const SPECIAL: [f64; 17] = [
        0.0,
        -0.0,
        1.0,
        -1.0,
        0.5,
        1e-7,
        -1e-7,
        1e-6,
        2.5,
        -3.75,
        7.0,
        3.0,
        1e300,
        -1e-300,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::NAN,
    ];

    fn tables() -> Vec<LookupTable> {
        vec![
            LookupTable {
                x: vec![-1.0, 0.0, 1.0, 2.0],
                y: vec![3.0, 0.0, 10.0, 15.0],
                interpolation: Interpolation::Linear,
                extrapolation: Extrapolation::Linear,
            },
            LookupTable {
                x: vec![0.0, 1.0, 2.0],
                y: vec![0.0, 10.0, 15.0],
                interpolation: Interpolation::Step,
                extrapolation: Extrapolation::Clamp,
            },
        ]
    }

    fn series() -> Vec<Series> {
        vec![
            Series {
                time: vec![0.0, 1.5, 3.0],
                values: vec![2.0, 5.0, 1.0],
                interpolation: Interpolation::Linear,
                origin: "inline".into(),
            },
            Series {
                time: vec![0.0, 1.0, 2.0],
                values: vec![4.0, -1.0, 6.0],
                interpolation: Interpolation::Step,
                origin: "inline".into(),
            },
        ]
    }

    /// Every instruction with `arity` inputs in slots `N_REGISTERS..`, writing the next slot.
    fn ops(arity: usize) -> Vec<Op> {
        let (d, a, b, c, e) = (
            N_REGISTERS + arity as u32,
            N_REGISTERS,
            N_REGISTERS + 1,
            N_REGISTERS + 2,
            N_REGISTERS + 3,
        );
        match arity {
            1 => vec![
                Op::Copy { d, a },
                Op::Neg { d, a },
                Op::Not { d, a },
                Op::Abs { d, a },
                Op::Exp { d, a },
                Op::Ln { d, a },
                Op::Log10 { d, a },
                Op::Sqrt { d, a },
                Op::Sin { d, a },
                Op::Cos { d, a },
                Op::Tan { d, a },
                Op::Asin { d, a },
                Op::Acos { d, a },
                Op::Atan { d, a },
                Op::Int { d, a },
                Op::Lookup { d, table: 0, x: a },
                Op::Lookup { d, table: 1, x: a },
                Op::Exo { d, series: 0 },
                Op::Exo { d, series: 1 },
            ],
            2 => vec![
                Op::Add { d, a, b },
                Op::Sub { d, a, b },
                Op::Mul { d, a, b },
                Op::Div { d, a, b },
                Op::Pow { d, a, b },
                Op::Min { d, a, b },
                Op::Max { d, a, b },
                Op::Mod { d, a, b },
                Op::LogB { d, a, b },
                Op::Lt { d, a, b },
                Op::Le { d, a, b },
                Op::Gt { d, a, b },
                Op::Ge { d, a, b },
                Op::Eq { d, a, b },
                Op::Ne { d, a, b },
                Op::And { d, a, b },
                Op::Or { d, a, b },
                Op::Zidz { d, a, b },
                Op::Step {
                    d,
                    height: a,
                    at: b,
                },
                Op::Pulse {
                    d,
                    start: a,
                    width: b,
                },
            ],
            3 => vec![
                Op::MulAdd { d, a, b, c },
                Op::MulSub { d, a, b, c },
                Op::NegMulAdd { d, a, b, c },
                Op::Select {
                    d,
                    c: a,
                    a: b,
                    b: c,
                },
                Op::Xidz { d, a, b, c },
                Op::Ramp {
                    d,
                    slope: a,
                    start: b,
                    end: c,
                },
            ],
            _ => vec![Op::PulseTrain {
                d,
                start: a,
                width: b,
                every: c,
                end: e,
            }],
        }
        .into_iter()
        .filter(|o| dest(o) == d)
        .collect()
    }

    /// Slots with the registers at a time inside the series and `inputs` from `N_REGISTERS`.
    fn slots(inputs: &[f64]) -> Vec<f64> {
        let mut s = vec![0.0; N_REGISTERS as usize + 8];
        s[TIME as usize] = 1.25;
        s[HOLD_TIME as usize] = 1.25;
        s[TIME_PLUS as usize] = 1.3125;
        s[DT as usize] = 0.125;
        s[N_REGISTERS as usize..N_REGISTERS as usize + inputs.len()].copy_from_slice(inputs);
        s
    }

    fn check(op: Op, inputs: &[f64], native: &JitProgram, tables: &[LookupTable], exo: &[Series]) {
        let mut want = slots(inputs);
        let mut env = Env {
            lookups: tables,
            series: exo,
            random: None,
        };
        exec(&Program::new(vec![op]), &mut want, &mut env);
        let mut got = slots(inputs);
        native.run(&mut got, tables, exo);
        for (i, (w, g)) in want.iter().zip(&got).enumerate() {
            assert!(
                w.to_bits() == g.to_bits() || (w.is_nan() && g.is_nan()),
                "{op:?} on {inputs:?}: slot {i}: interpreter {w:e}, native {g:e}"
            );
        }
    }

    fn layout<'a>() -> SlotLayout<'a> {
        SlotLayout {
            temps: 0..0,
            consts_base: u32::MAX,
            consts: &[],
            n_lookups: 2,
            n_series: 2,
        }
    }

    #[test]
    fn every_instruction_computes_the_interpreters_bits() {
        let (tables, exo) = (tables(), series());
        let mut rng = 0x2545_f491_4f6c_dd1du64;
        let mut pick = || {
            // xorshift: a fixed sequence of special values for the wider instructions.
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            SPECIAL[(rng % SPECIAL.len() as u64) as usize]
        };
        let mut checked = 0;
        for arity in 1..=4 {
            for op in ops(arity) {
                let native = JitProgram::compile(&Program::new(vec![op]), &layout())
                    .unwrap_or_else(|e| panic!("{op:?}: {e}"));
                match arity {
                    1 => {
                        for x in SPECIAL {
                            check(op, &[x], &native, &tables, &exo);
                        }
                    }
                    2 => {
                        for x in SPECIAL {
                            for y in SPECIAL {
                                check(op, &[x, y], &native, &tables, &exo);
                            }
                        }
                    }
                    _ => {
                        for _ in 0..2000 {
                            let inputs: Vec<f64> = (0..arity).map(|_| pick()).collect();
                            check(op, &inputs, &native, &tables, &exo);
                        }
                    }
                }
                checked += 1;
            }
        }
        assert_eq!(checked, 19 + 20 + 6 + 1);
    }

    /// The long test program of the scalar and lane tests: 400 rounds of a multiply-add into one
    /// of four temporaries followed by one of `variants` instructions (5: ADD, MIN, SELECT, DIV,
    /// XIDZ; 6 adds EXP) over 40 variable slots and three constants, so values stay in registers,
    /// temporaries never reach memory, constants become immediates and slots are reloaded.
    struct LongProgram {
        program: Program,
        vars: std::ops::Range<u32>,
        temps: std::ops::Range<u32>,
        consts_base: u32,
        consts: [f64; 3],
    }

    impl LongProgram {
        fn new(variants: u32) -> Self {
            let n_vars = 40u32;
            let vars = N_REGISTERS..N_REGISTERS + n_vars;
            let temps = vars.end..vars.end + 4;
            let consts_base = temps.end;
            let mut ops = Vec::new();
            for k in 0..400u32 {
                let v = |i: u32| vars.start + (k * 7 + i * 13) % n_vars;
                let t = temps.start + k % 4;
                let c = consts_base + k % 3;
                ops.push(Op::MulAdd {
                    d: t,
                    a: v(1),
                    b: c,
                    c: v(2),
                });
                ops.push(match (k % variants, variants) {
                    (0, _) => Op::Add {
                        d: v(0),
                        a: t,
                        b: v(3),
                    },
                    (1, _) => Op::Min {
                        d: v(0),
                        a: t,
                        b: c,
                    },
                    (2, _) => Op::Select {
                        d: v(0),
                        c: v(4),
                        a: t,
                        b: v(5),
                    },
                    (3, _) => Op::Div {
                        d: v(0),
                        a: v(6),
                        b: t,
                    },
                    (4, 6) => Op::Exp { d: v(0), a: t },
                    _ => Op::Xidz {
                        d: v(0),
                        a: t,
                        b: v(7),
                        c,
                    },
                });
            }
            LongProgram {
                program: Program::new(ops),
                vars,
                temps,
                consts_base,
                consts: [0.5, 2.0, -1.25],
            }
        }

        fn layout(&self) -> SlotLayout<'_> {
            SlotLayout {
                temps: self.temps.clone(),
                consts_base: self.consts_base,
                consts: &self.consts,
                n_lookups: 0,
                n_series: 0,
            }
        }
    }

    /// Values kept in registers, temporaries that never reach memory, constants as immediates,
    /// a slot written several times (stored once, at its last write), reloads after the reuse
    /// window: a long program computes what the interpreter computes.
    #[test]
    fn a_long_program_with_temporaries_and_constants_matches() {
        let long = LongProgram::new(5);
        let (program, vars, consts_base, consts) = (
            &long.program,
            long.vars.clone(),
            long.consts_base,
            long.consts,
        );
        let layout = long.layout();
        let native = JitProgram::compile(program, &layout).unwrap();
        let init = |s: &mut Vec<f64>| {
            s.resize((consts_base + 3) as usize, 0.0);
            for i in vars.clone() {
                s[i as usize] = (i as f64 * 0.37).sin() * 3.0;
            }
            s[consts_base as usize..].copy_from_slice(&consts);
        };
        let (mut want, mut got) = (Vec::new(), Vec::new());
        init(&mut want);
        init(&mut got);
        let mut env = Env {
            lookups: &[],
            series: &[],
            random: None,
        };
        for _ in 0..3 {
            exec(program, &mut want, &mut env);
            native.run(&mut got, &[], &[]);
        }
        for i in vars {
            let (w, g) = (want[i as usize], got[i as usize]);
            assert!(
                w.to_bits() == g.to_bits() || (w.is_nan() && g.is_nan()),
                "slot {i}: interpreter {w:e}, native {g:e}"
            );
        }
    }

    /// The lane code: every instruction, at every width, gives each lane the interpreter's
    /// bits for that lane's operands (different special values in every lane, so the
    /// comparisons, selects, MIN/MAX and safe divisions take different sides in one vector).
    #[test]
    fn every_instruction_over_lanes_computes_the_interpreters_bits_in_every_lane() {
        let (tables, exo) = (tables(), series());
        let mut rng = 0x9e37_79b9_7f4a_7c15u64;
        let mut pick = || {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            SPECIAL[(rng % SPECIAL.len() as u64) as usize]
        };
        let mut checked = 0;
        for width in [2, 4, 8] {
            for arity in 1..=4 {
                for op in ops(arity) {
                    let program = Program::new(vec![op]);
                    let native =
                        JitProgram::compile_shape(&program, &layout(), Shape::Lanes { width })
                            .unwrap_or_else(|e| panic!("{op:?} width {width}: {e}"));
                    let rounds = if arity <= 2 { 80 } else { 400 };
                    for _ in 0..rounds {
                        let scalar: Vec<Vec<f64>> = (0..LANES)
                            .map(|_| {
                                let inputs: Vec<f64> = (0..arity).map(|_| pick()).collect();
                                slots(&inputs)
                            })
                            .collect();
                        let mut lanes: Vec<Lanes> = (0..scalar[0].len())
                            .map(|k| std::array::from_fn(|l| scalar[l][k]))
                            .collect();
                        native.run_lanes(&mut lanes, &tables, &exo);
                        for (l, mut want) in scalar.into_iter().enumerate() {
                            let mut env = Env {
                                lookups: &tables,
                                series: &exo,
                                random: None,
                            };
                            exec(&program, &mut want, &mut env);
                            for (k, w) in want.iter().enumerate() {
                                let g = lanes[k][l];
                                assert!(
                                    w.to_bits() == g.to_bits() || (w.is_nan() && g.is_nan()),
                                    "{op:?} width {width} lane {l} slot {k}: interpreter {w:e}, lanes {g:e}"
                                );
                            }
                        }
                    }
                    checked += 1;
                }
            }
        }
        assert_eq!(checked, 3 * (19 + 20 + 6 + 1));
    }

    /// The long program of the scalar test over eight lanes with different values, at every
    /// width: registers, temporaries, immediates and reloads in the vector shape.
    #[test]
    fn a_long_program_over_lanes_matches_in_every_lane() {
        let long = LongProgram::new(6);
        let (program, vars, consts_base, consts) = (
            &long.program,
            long.vars.clone(),
            long.consts_base,
            long.consts,
        );
        let layout = long.layout();
        let init = |l: usize| {
            let mut s = vec![0.0; (consts_base + 3) as usize];
            for i in vars.clone() {
                s[i as usize] = ((i as f64 + 3.0 * l as f64) * 0.37).sin() * 3.0;
            }
            s[consts_base as usize..].copy_from_slice(&consts);
            s
        };
        let mut want: Vec<Vec<f64>> = (0..LANES).map(init).collect();
        let mut env = Env {
            lookups: &[],
            series: &[],
            random: None,
        };
        for w in want.iter_mut() {
            for _ in 0..3 {
                exec(program, w, &mut env);
            }
        }
        for width in [2, 4, 8] {
            let native =
                JitProgram::compile_shape(program, &layout, Shape::Lanes { width }).unwrap();
            let start: Vec<Vec<f64>> = (0..LANES).map(init).collect();
            let mut got: Vec<Lanes> = (0..start[0].len())
                .map(|k| std::array::from_fn(|l| start[l][k]))
                .collect();
            for _ in 0..3 {
                native.run_lanes(&mut got, &[], &[]);
            }
            for (l, w) in want.iter().enumerate() {
                for i in vars.clone() {
                    let (w, g) = (w[i as usize], got[i as usize][l]);
                    assert!(
                        w.to_bits() == g.to_bits() || (w.is_nan() && g.is_nan()),
                        "width {width} lane {l} slot {i}: interpreter {w:e}, lanes {g:e}"
                    );
                }
            }
        }
    }

    #[test]
    fn programs_it_cannot_compile_are_refused() {
        let random = Program::new(vec![Op::Random { d: 8, source: 0 }]);
        assert!(JitProgram::compile(&random, &layout()).is_err());
        let unwritten_temp = Program::new(vec![Op::Copy { d: 8, a: 9 }]);
        let l = SlotLayout {
            temps: 9..10,
            ..layout()
        };
        assert!(JitProgram::compile(&unwritten_temp, &l).is_err());
        let bad_table = Program::new(vec![Op::Lookup {
            d: 8,
            table: 5,
            x: 7,
        }]);
        assert!(JitProgram::compile(&bad_table, &layout()).is_err());
        let copy = Program::new(vec![Op::Copy { d: 8, a: 7 }]);
        let odd = JitProgram::compile_shape(&copy, &layout(), Shape::Lanes { width: 3 });
        assert!(odd.is_err());
    }

    #[test]
    #[should_panic(expected = "too small")]
    fn a_short_slot_array_is_refused_before_running() {
        let p = Program::new(vec![Op::Copy { d: 30, a: 7 }]);
        let native = JitProgram::compile(&p, &layout()).unwrap();
        native.run(&mut [0.0; 10], &tables(), &series());
    }
}
