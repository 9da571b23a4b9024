//! The compiled model: program, parameter and output tables, default settings.

use crate::compile::{lower, Lowered};
use crate::error::SimError;
use crate::jit::{JitProgram, Shape, SlotLayout};
use crate::params::{ParamSet, ParameterInfo};
use crate::results::Results;
use crate::scenario::ExogenousSet;
use crate::settings::RunSettings;
use crate::simulator::Simulator;
use pressure_model::{nearest, Model, Series, VarId, VarKind};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;
use std::time::Duration;

/// One column the engine can record: an element of a stock, flow, auxiliary, constant or
/// exogenous series.
#[derive(Debug, Clone, PartialEq)]
pub struct OutputInfo {
    /// `x` or `x[element]`.
    pub name: String,
    /// The variable's name.
    pub variable: String,
    /// `stock`, `flow`, `aux`, `constant` or `exogenous`.
    pub kind: &'static str,
    pub units: Option<String>,
    pub(crate) slot: u32,
}

/// An exogenous series of the model (replaceable per run, see [`ExogenousSet`]).
#[derive(Debug, Clone, PartialEq)]
pub struct ExogenousInfo {
    pub name: String,
    pub units: Option<String>,
    pub default: Series,
}

/// Native code compiled from a model (see [`CompiledModel::native_code`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NativeCode {
    /// Wall time Cranelift took to compile the per-evaluation program.
    pub compile_time: Duration,
    /// Size of the machine code.
    pub code_bytes: usize,
}

/// A model compiled to a flat program. Cheap to share between threads (`&CompiledModel` is
/// `Sync`); each thread runs it through its own [`Simulator`]. The program is compiled further
/// to native code the first time a run asks for it (with [`crate::Backend::Jit`], or with the
/// default [`crate::Backend::Auto`] once that pays off), once for all threads.
///
/// ```
/// # let dir = tempfile::tempdir().unwrap();
/// # let path = dir.path().join("decay.toml");
/// std::fs::write(&path, r#"
/// [settings]
/// stop = 10
/// dt = 0.0625
/// method = "rk4"
/// [stocks.x]
/// initial = "1"
/// outflows = ["decay"]
/// [flows.decay]
/// equation = "k * x"
/// [constants.k]
/// value = 0.5
/// range = [0.1, 1.0]
/// "#).unwrap();
/// let model = pressure_model::load(&path).unwrap();
/// let compiled = pressure_sim::CompiledModel::compile(&model).unwrap();
/// let mut params = compiled.default_params();
/// params.set(compiled.param_index("k").unwrap(), 0.2);
/// let results = compiled.run(&params, &compiled.default_settings()).unwrap();
/// let x = results.column("x").unwrap();
/// assert!((x.last().unwrap() - (-0.2f64 * 10.0).exp()).abs() < 1e-8);
/// assert_eq!(compiled.parameters()[0].range, Some((0.1, 1.0)));
/// ```
pub struct CompiledModel {
    pub(crate) name: String,
    pub(crate) p: Lowered,
    pub(crate) params: Vec<ParameterInfo>,
    param_lookup: HashMap<String, usize>,
    /// Constants by variable name: (first parameter index, element count).
    param_vars: HashMap<String, (usize, usize)>,
    pub(crate) outputs: Vec<OutputInfo>,
    output_lookup: HashMap<String, usize>,
    pub(crate) exogenous: Vec<ExogenousInfo>,
    exo_lookup: HashMap<String, usize>,
    /// State offsets of non-negative stocks.
    pub(crate) non_negative: Vec<usize>,
    pub(crate) settings: RunSettings,
    /// Why the model needs a fixed-step method, if it does.
    pub(crate) fixed_step_reason: Option<String>,
    /// Slot ranges in the order a non-finite value is looked for: at the initial time, and
    /// during the run (state first, then the evaluation order).
    pub(crate) scan_init: Vec<(u32, u32, usize)>,
    pub(crate) scan_run: Vec<(u32, u32, usize)>,
    /// Element names of every variable (for messages); hidden ones by their owner.
    pub(crate) element_names: Vec<Vec<String>>,
    /// Per state element (stocks, hidden stocks included, in state order): its name, hidden
    /// ones as `owner[element] (SMOOTH3 stage 2 of 3)`; and whether it is hidden.
    pub(crate) state_names: Vec<(String, bool)>,
    /// Per DELAY FIXED pipeline (in `p.delays` order): its name, `owner (DELAY FIXED)`.
    pub(crate) pipeline_names: Vec<String>,
    /// The per-evaluation program as native code, compiled on first use (or why not).
    native: OnceLock<Result<JitProgram, String>>,
    /// The per-evaluation program as native code over the batch backend's lanes, compiled on
    /// first use (or why not).
    native_lanes: OnceLock<Result<JitProgram, String>>,
    /// Instruction-evaluations run by the interpreter under [`crate::Backend::Auto`] so far.
    interpreted_work: AtomicU64,
    /// Steady states of the default parameters (warm starts of the steady-state solver).
    pub(crate) steady_warm: crate::steady::WarmCache,
}

/// The estimated cost of compiling a program of `instructions` instructions to native code,
/// in interpreted instruction-evaluations (see [`crate::Backend::Auto`]; fitted to compile and
/// run times of chain10, the 500-variable model and the sanctions model).
fn compile_cost(instructions: u64) -> u64 {
    50_000 + 500 * instructions
}

impl CompiledModel {
    /// Compiles a validated model.
    pub fn compile(model: &Model) -> Result<CompiledModel, SimError> {
        let p = lower(model);
        let mut element_names = Vec::with_capacity(model.variables.len());
        for (i, v) in model.variables.iter().enumerate() {
            let names = model.element_names(VarId(i as u32));
            element_names.push(match &v.hidden {
                Some(h) => names
                    .iter()
                    .map(|_| format!("{} (inside {})", model.var(h.owner).name, h.builtin.name()))
                    .collect(),
                None => names,
            });
        }
        // Parameters.
        let mut params = Vec::new();
        let mut param_vars = HashMap::new();
        for (i, v) in model.variables.iter().enumerate() {
            let VarKind::Constant(c) = &v.kind else {
                continue;
            };
            param_vars.insert(v.name.clone(), (params.len(), c.values.len()));
            for (k, name) in element_names[i].iter().enumerate() {
                params.push(ParameterInfo {
                    name: name.clone(),
                    variable: v.name.clone(),
                    default: c.values[k],
                    units: v.units.clone(),
                    range: c.range,
                    doc: v.doc.clone(),
                    source: v.source.clone(),
                });
            }
        }
        let param_lookup = params
            .iter()
            .enumerate()
            .map(|(i, p)| (p.name.clone(), i))
            .collect();
        // Outputs: every element of every visible value variable.
        let mut outputs = Vec::new();
        for (i, v) in model.variables.iter().enumerate() {
            if v.hidden.is_some() {
                continue;
            }
            let kind = match v.kind {
                VarKind::Stock(_) => "stock",
                VarKind::Flow(_) => "flow",
                VarKind::Aux(_) => "aux",
                VarKind::Constant(_) => "constant",
                VarKind::Exogenous(_) => "exogenous",
                _ => continue,
            };
            let vs = p.var_slots[i];
            for (k, name) in element_names[i].iter().enumerate() {
                outputs.push(OutputInfo {
                    name: name.clone(),
                    variable: v.name.clone(),
                    kind,
                    units: v.units.clone(),
                    slot: vs.base + k as u32,
                });
            }
        }
        let output_lookup = outputs
            .iter()
            .enumerate()
            .map(|(i, o)| (o.name.clone(), i))
            .collect();
        let exogenous: Vec<ExogenousInfo> = p
            .exo_vars
            .iter()
            .map(|v| {
                let var = model.var(*v);
                let VarKind::Exogenous(series) = &var.kind else {
                    unreachable!()
                };
                ExogenousInfo {
                    name: var.name.clone(),
                    units: var.units.clone(),
                    default: series[0].clone(),
                }
            })
            .collect();
        let exo_lookup = exogenous
            .iter()
            .enumerate()
            .map(|(i, e)| (e.name.clone(), i))
            .collect();
        // Names of the state elements (stocks in slot order) and of the DELAY FIXED pipelines.
        let display_names = |i: usize| -> Vec<(String, bool)> {
            let v = &model.variables[i];
            let names = model.element_names(VarId(i as u32));
            match &v.hidden {
                None => names.into_iter().map(|n| (n, false)).collect(),
                Some(h) => names
                    .into_iter()
                    .map(|n| {
                        // `owner$part[e]` -> `owner[e] (BUILTIN part)`.
                        let element = n.find('[').map(|k| &n[k..]).unwrap_or("");
                        let owner = &model.var(h.owner).name;
                        let what = match v.kind {
                            VarKind::Stock(_) => format!("{} {}", h.builtin.name(), h.part),
                            _ => h.builtin.name().to_string(),
                        };
                        (format!("{owner}{element} ({what})"), true)
                    })
                    .collect(),
            }
        };
        let mut state_names = vec![(String::new(), false); p.n_state as usize];
        for (i, v) in model.variables.iter().enumerate() {
            if matches!(v.kind, VarKind::Stock(_)) {
                let vs = p.var_slots[i];
                for (k, n) in display_names(i).into_iter().enumerate() {
                    state_names[(vs.base - p.state_base) as usize + k] = n;
                }
            }
        }
        let pipeline_names = p
            .delays
            .iter()
            .map(|d| {
                p.var_slots
                    .iter()
                    .position(|vs| {
                        vs.base != u32::MAX && d.out >= vs.base && d.out < vs.base + vs.len
                    })
                    .map(|i| {
                        display_names(i)[(d.out - p.var_slots[i].base) as usize]
                            .0
                            .clone()
                    })
                    .unwrap_or_default()
            })
            .collect();
        let mut non_negative = Vec::new();
        for (i, v) in model.variables.iter().enumerate() {
            if let VarKind::Stock(s) = &v.kind {
                if s.non_negative {
                    let vs = p.var_slots[i];
                    for k in 0..vs.len {
                        non_negative.push((vs.base + k - p.state_base) as usize);
                    }
                }
            }
        }
        let fixed_step_reason = model.variables.iter().find_map(|v| match &v.kind {
            VarKind::DelayFixed(_) => Some(format!("DELAY FIXED (in {})", owner_name(model, v))),
            VarKind::Random(_) => Some(format!("RANDOM (in {})", owner_name(model, v))),
            _ => None,
        });
        let range = |v: &VarId| {
            let vs = p.var_slots[v.index()];
            (vs.base, vs.len, v.index())
        };
        let scan_init: Vec<_> = model
            .order
            .initial
            .iter()
            .filter(|v| p.var_slots[v.index()].len > 0 && p.var_slots[v.index()].base != u32::MAX)
            .map(range)
            .collect();
        let mut scan_run: Vec<_> = (0..model.variables.len() as u32)
            .map(VarId)
            .filter(|v| matches!(model.var(*v).kind, VarKind::Stock(_)))
            .map(|v| range(&v))
            .collect();
        scan_run.extend(model.order.dynamic.iter().map(range));
        scan_run.extend(
            (0..model.variables.len() as u32)
                .map(VarId)
                .filter(|v| {
                    matches!(
                        model.var(*v).kind,
                        VarKind::Exogenous(_) | VarKind::DelayFixed(_) | VarKind::Random(_)
                    )
                })
                .map(|v| range(&v)),
        );
        Ok(CompiledModel {
            name: model.name.clone(),
            p,
            params,
            param_lookup,
            param_vars,
            outputs,
            output_lookup,
            exogenous,
            exo_lookup,
            non_negative,
            settings: RunSettings::from_model(&model.settings),
            fixed_step_reason,
            scan_init,
            scan_run,
            element_names,
            state_names,
            pipeline_names,
            native: OnceLock::new(),
            native_lanes: OnceLock::new(),
            interpreted_work: AtomicU64::new(0),
            steady_warm: Default::default(),
        })
    }

    /// The per-evaluation program as native code, compiled now if it was not yet. A failure
    /// of any kind, even a panic inside the code generator (or a host that refuses executable
    /// memory), leaves the model on the interpreter with the reason recorded.
    pub(crate) fn native(&self) -> Result<&JitProgram, &str> {
        self.native
            .get_or_init(|| self.compile_native(&self.p.dynamic))
            .as_ref()
            .map_err(|e| e.as_str())
    }

    /// The per-evaluation program as native code over the batch backend's lanes
    /// ([`crate::EngineOptions::lane_width`] lanes per call), compiled now if it was not yet;
    /// a failure leaves the batch backend on the lane interpreter.
    pub(crate) fn native_lanes(&self) -> Result<&JitProgram, &str> {
        self.native_lanes
            .get_or_init(|| {
                let width = crate::EngineOptions::current().lane_width;
                self.compile_native_shape(&self.p.dynamic, Shape::Lanes { width })
            })
            .as_ref()
            .map_err(|e| e.as_str())
    }

    /// Compiles a program over this model's slot array (the per-evaluation program, or a part
    /// of the initial program such as the steady-state solver's slice) to native code. A
    /// failure of any kind, even a panic inside the code generator, is an `Err` with the reason.
    pub(crate) fn compile_native(
        &self,
        program: &crate::program::Program,
    ) -> Result<JitProgram, String> {
        self.compile_native_shape(program, Shape::Scalar)
    }

    fn compile_native_shape(
        &self,
        program: &crate::program::Program,
        shape: Shape,
    ) -> Result<JitProgram, String> {
        let p = &self.p;
        let layout = SlotLayout {
            temps: p.vars_end..p.consts_base,
            consts_base: p.consts_base,
            consts: &p.consts,
            n_lookups: p.lookups.len(),
            n_series: self.exogenous.len(),
        };
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            JitProgram::compile_shape(program, &layout, shape)
        }))
        .unwrap_or_else(|_| Err("the native code generator failed (panicked)".into()))
    }

    /// For a run of `evaluations` model evaluations with [`crate::Backend::Auto`]: the native
    /// code when it is compiled already or compiling it now pays off, else `None`. With
    /// `count`, a run that stays interpreted adds its work towards the next decision (a batch
    /// asks once without counting; its runs then count themselves).
    pub(crate) fn native_if_worth(&self, evaluations: u64, count: bool) -> Option<&JitProgram> {
        if let Some(compiled) = self.native.get() {
            return compiled.as_ref().ok();
        }
        let work = evaluations.saturating_mul(self.p.dynamic.len() as u64);
        let before = if count {
            self.interpreted_work.fetch_add(work, Ordering::Relaxed)
        } else {
            self.interpreted_work.load(Ordering::Relaxed)
        };
        if before.saturating_add(work) >= compile_cost(self.p.dynamic.len() as u64) {
            self.native().ok()
        } else {
            None
        }
    }

    /// Compiles the model to native code now (otherwise the first run with
    /// [`crate::Backend::Jit`] does) and reports the compile time and code size, or why native
    /// code is not available (then runs use the interpreter).
    pub fn native_code(&self) -> Result<NativeCode, String> {
        self.native()
            .map(|j| NativeCode {
                compile_time: j.compile_time(),
                code_bytes: j.code_bytes(),
            })
            .map_err(|e| e.to_string())
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// Every parameter (one per element of each constant), in [`ParamSet`] order.
    pub fn parameters(&self) -> &[ParameterInfo] {
        &self.params
    }

    /// Position of a parameter (`name` or `name[element]`) in a [`ParamSet`].
    pub fn param_index(&self, name: &str) -> Option<usize> {
        self.param_lookup.get(name).copied()
    }

    /// The model's default parameter values.
    pub fn default_params(&self) -> ParamSet {
        ParamSet::from_vec(self.params.iter().map(|p| p.default).collect())
    }

    /// Sets a parameter by name: `x`, `x[element]`, or `x` of an arrayed constant (every
    /// element). Unknown names get a suggestion.
    pub fn set_param(&self, params: &mut ParamSet, name: &str, value: f64) -> Result<(), SimError> {
        if let Some(i) = self.param_index(name) {
            params.set(i, value);
            return Ok(());
        }
        if let Some(&(first, n)) = self.param_vars.get(name) {
            for i in first..first + n {
                params.set(i, value);
            }
            return Ok(());
        }
        Err(SimError::UnknownParameter {
            name: name.to_string(),
            suggestion: self.suggest_param(name),
        })
    }

    /// Positions in a [`ParamSet`] of a parameter (`x[element]`) or of every element of a
    /// constant (`x`). Unknown names get a suggestion.
    pub fn param_indices(&self, name: &str) -> Result<Vec<usize>, SimError> {
        if let Some(i) = self.param_index(name) {
            return Ok(vec![i]);
        }
        if let Some(&(first, n)) = self.param_vars.get(name) {
            return Ok((first..first + n).collect());
        }
        Err(SimError::UnknownParameter {
            name: name.to_string(),
            suggestion: self.suggest_param(name),
        })
    }

    /// Sets every element of a constant from a list in element order.
    pub fn set_param_values(
        &self,
        params: &mut ParamSet,
        name: &str,
        values: &[f64],
    ) -> Result<(), SimError> {
        if values.len() == 1 {
            return self.set_param(params, name, values[0]);
        }
        let Some(&(first, n)) = self.param_vars.get(name) else {
            return Err(SimError::UnknownParameter {
                name: name.to_string(),
                suggestion: self.suggest_param(name),
            });
        };
        if values.len() != n {
            return Err(SimError::WrongLength {
                what: format!("the values of {name}"),
                expected: n,
                got: values.len(),
            });
        }
        params[first..first + n].copy_from_slice(values);
        Ok(())
    }

    pub(crate) fn suggest_param(&self, name: &str) -> Option<String> {
        let names = self
            .params
            .iter()
            .map(|p| p.name.as_str())
            .chain(self.param_vars.keys().map(|s| s.as_str()));
        nearest(name, names).map(|s| s.to_string())
    }

    /// Every column the engine can record.
    pub fn outputs(&self) -> &[OutputInfo] {
        &self.outputs
    }

    /// Position of an output (column) by name.
    pub fn output_index(&self, name: &str) -> Option<usize> {
        self.output_lookup.get(name).copied()
    }

    /// Output positions of every element of a variable (`x` gives `x[a]`, `x[b]`, ... for an
    /// arrayed `x`), or of one element.
    pub fn output_indices(&self, name: &str) -> Result<Vec<usize>, SimError> {
        if let Some(i) = self.output_index(name) {
            return Ok(vec![i]);
        }
        let v: Vec<usize> = (0..self.outputs.len())
            .filter(|i| self.outputs[*i].variable == name)
            .collect();
        if v.is_empty() {
            let names = self.outputs.iter().map(|o| o.name.as_str());
            return Err(SimError::UnknownOutput {
                name: name.to_string(),
                suggestion: nearest(name, names).map(|s| s.to_string()),
            });
        }
        Ok(v)
    }

    /// The model's exogenous series.
    pub fn exogenous(&self) -> &[ExogenousInfo] {
        &self.exogenous
    }

    pub fn exogenous_index(&self, name: &str) -> Option<usize> {
        self.exo_lookup.get(name).copied()
    }

    /// The model's own exogenous series (to replace some of them for a run).
    pub fn default_exogenous(&self) -> ExogenousSet {
        ExogenousSet::new(self.exogenous.iter().map(|e| e.default.clone()).collect())
    }

    /// The settings written in the model file.
    pub fn default_settings(&self) -> RunSettings {
        self.settings.clone()
    }

    /// A reusable simulator with buffers for these settings.
    pub fn simulator(&self, settings: &RunSettings) -> Result<Simulator<'_>, SimError> {
        Simulator::new(self, settings)
    }

    /// Runs once with the model's exogenous series and returns every output.
    pub fn run(&self, params: &ParamSet, settings: &RunSettings) -> Result<Results, SimError> {
        let mut sim = self.simulator(settings)?;
        sim.run(params).cloned()
    }

    /// Runs once with replacement exogenous series.
    pub fn run_with(
        &self,
        params: &ParamSet,
        exogenous: &ExogenousSet,
        settings: &RunSettings,
    ) -> Result<Results, SimError> {
        let mut sim = self.simulator(settings)?;
        sim.set_exogenous(exogenous)?;
        sim.run(params).cloned()
    }

    /// Size of the compiled program: (initial instructions, per-evaluation instructions,
    /// slots, state variables).
    pub fn program_size(&self) -> (usize, usize, usize, usize) {
        (
            self.p.init.len(),
            self.p.dynamic.len(),
            self.p.n_slots,
            self.p.n_state as usize,
        )
    }

    /// Name of the element held in a slot (for messages).
    pub(crate) fn slot_name(&self, ranges: &[(u32, u32, usize)], slot: u32) -> Option<String> {
        ranges
            .iter()
            .find(|(b, l, _)| slot >= *b && slot < b + l)
            .map(|(b, _, v)| self.element_names[*v][(slot - b) as usize].clone())
    }
}

fn owner_name(model: &Model, v: &pressure_model::Variable) -> String {
    match &v.hidden {
        Some(h) => model.var(h.owner).name.clone(),
        None => v.name.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::{Backend, Method};

    fn chain() -> CompiledModel {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../models/examples/chain10.toml"
        );
        CompiledModel::compile(&pressure_model::load(std::path::Path::new(path)).unwrap()).unwrap()
    }

    /// A model the code generator refuses runs on the interpreter with every backend, with the
    /// interpreter's results, and says why it has no native code.
    #[test]
    fn a_model_without_native_code_falls_back_to_the_interpreter() {
        let c = chain();
        let want = c
            .run(
                &c.default_params(),
                &c.default_settings().with_backend(Backend::Interpreter),
            )
            .unwrap();
        c.native
            .set(Err("refused by the code generator (test)".into()))
            .unwrap();
        assert_eq!(
            c.native_code().unwrap_err(),
            "refused by the code generator (test)"
        );
        for backend in [Backend::Jit, Backend::Auto] {
            for method in [Method::Euler, Method::Rk4, Method::Dopri5] {
                let s = c
                    .default_settings()
                    .with_backend(backend)
                    .with_method(method);
                let mut sim = c.simulator(&s).unwrap();
                let got = sim.run(&c.default_params()).unwrap().clone();
                assert!(!sim.uses_native_code(), "{backend:?} {method:?}");
                if method == c.default_settings().method {
                    assert_eq!(got, want, "{backend:?}");
                }
            }
        }
    }

    /// A panic inside the code generator is caught: the model runs on the interpreter.
    #[cfg(all(feature = "jit", any(target_arch = "x86_64", target_arch = "aarch64")))]
    #[test]
    fn a_panicking_code_generator_falls_back_to_the_interpreter() {
        let c = chain();
        let s = c.default_settings();
        let want = c
            .run(
                &c.default_params(),
                &s.clone().with_backend(Backend::Interpreter),
            )
            .unwrap();
        crate::jit::tests::PANIC_IN_COMPILE.with(|p| p.set(true));
        let native = c.native_code();
        crate::jit::tests::PANIC_IN_COMPILE.with(|p| p.set(false));
        assert_eq!(
            native.unwrap_err(),
            "the native code generator failed (panicked)"
        );
        let mut sim = c.simulator(&s.with_backend(Backend::Jit)).unwrap();
        assert_eq!(sim.run(&c.default_params()).unwrap(), &want);
        assert!(!sim.uses_native_code());
    }

    /// `Auto` compiles once the interpreted work reaches the compile cost, counting the run
    /// about to start; a batch counts as a whole.
    #[test]
    fn auto_compiles_when_the_work_pays_for_it() {
        let c = chain();
        let n = c.p.dynamic.len() as u64;
        let cost = compile_cost(n);
        // Too little work: interpreted, and counted.
        assert!(c.native_if_worth(cost / n / 2, true).is_none());
        assert_eq!(c.interpreted_work.load(Ordering::Relaxed), cost / n / 2 * n);
        // A batch question does not count.
        assert!(c.native_if_worth(cost / n / 4, false).is_none());
        assert_eq!(c.interpreted_work.load(Ordering::Relaxed), cost / n / 2 * n);
        // One evaluation short of the cost, then the rest of it.
        let half = cost / n / 2;
        assert!(c.native_if_worth(cost / n - 2 * half, true).is_none());
        let native = c.native_if_worth(half + 1, true);
        assert_eq!(native.is_some(), crate::Backend::JIT_AVAILABLE);
        // Compiled: every later question gets it without counting.
        assert_eq!(
            c.native_if_worth(1, true).is_some(),
            crate::Backend::JIT_AVAILABLE
        );
    }
}
