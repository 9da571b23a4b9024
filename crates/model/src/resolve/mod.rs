//! From raw files to the IR: module expansion, dimensions, names, values, equations.
//!
//! The steps, in order:
//! 1. read the root file and, recursively, every module file it instantiates (cycle check);
//!    every variable gets its full dotted name;
//! 2. merge dimensions; resolve each variable's `dims`;
//! 3. read constants, lookups and exogenous series (CSV files relative to their model file);
//! 4. wire module inputs (each becomes an auxiliary whose equation is read in the parent);
//! 5. parse and resolve every equation ([`expr`]), lowering stateful builtins into hidden
//!    variables; attach flows to stocks;
//! 6. build the dependency graph, phases and evaluation order ([`crate::graph`]).
//!
//! Every problem becomes a [`Diagnostic`]; loading fails with all of them at once.

mod expr;
mod steady;
mod values;

use crate::builtins::{Builtin, Role};
use crate::diagnostic::{Diagnostic, ModelError};
use crate::file::{read_file, RawEqSet, RawFile, RawKind, RawSettings};
use crate::ir::*;
use crate::source::{SourceMap, Span};
use crate::suggest::nearest;
use crate::toml_read::{RawEq, Sp};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// A naming scope: the root file or one module instance.
pub(crate) struct Scope {
    /// Prefix of every name in the scope (`""` or `fiscal.`).
    pub prefix: String,
    /// Index into `Builder::files`.
    pub file: usize,
    pub module: Option<ModuleId>,
    /// Module instances declared in this scope, by local name.
    pub instances: HashMap<String, (ModuleId, usize)>,
}

/// A variable being built.
pub(crate) struct Slot {
    pub name: String,
    pub scope: usize,
    /// (file index, index in RawFile::vars) for declared variables.
    pub raw: Option<(usize, usize)>,
    pub span: Span,
    pub dims: Vec<DimId>,
    pub kind: Option<VarKind>,
    pub hidden: Option<Hidden>,
    /// For a wired module input: the equation, read in the given scope.
    pub wired: Option<(usize, RawEq)>,
}

pub(crate) struct Builder {
    pub sources: SourceMap,
    pub errors: Vec<Diagnostic>,
    pub files: Vec<RawFile>,
    pub file_index: HashMap<PathBuf, usize>,
    pub scopes: Vec<Scope>,
    pub dims: Vec<Dimension>,
    pub dim_by_name: HashMap<String, DimId>,
    pub slots: Vec<Slot>,
    pub by_name: HashMap<String, VarId>,
    pub modules: Vec<ModuleInstance>,
    pub warnings: Vec<Diagnostic>,
    /// Stateful calls lowered so far, per owner (numbers the hidden variables).
    pub stateful_count: HashMap<VarId, usize>,
}

/// Units (and their span), doc and source of a declared variable.
type VarMeta = (Option<String>, Option<Span>, Option<String>, Option<String>);

/// Reserved words: registers and keywords cannot name variables.
fn reserved(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    if ["IF", "THEN", "ELSE", "AND", "OR", "NOT"].contains(&upper.as_str()) {
        return true;
    }
    matches!(
        Builtin::lookup(name).map(|b| b.role()),
        Some(Role::Register)
    )
}

pub(crate) fn is_identifier(s: &str) -> bool {
    let mut c = s.chars();
    matches!(c.next(), Some(ch) if ch.is_ascii_alphabetic() || ch == '_')
        && c.all(|ch| ch.is_ascii_alphanumeric() || ch == '_')
}

/// How the root file is obtained.
pub(crate) enum Root<'a> {
    /// Read from disk.
    Disk,
    /// This text, parsed as a TOML model file.
    Text(&'a str),
    /// This text, already read by another format's reader (see [`crate::build`]).
    Built(
        &'a str,
        Box<dyn FnOnce(crate::source::FileId) -> RawFile + 'a>,
    ),
}

/// Loads and validates a model (see [`crate::load`]); `text` replaces reading the root file.
pub(crate) fn load(path: &Path, text: Option<&str>) -> Result<Model, ModelError> {
    load_root(path, text.map_or(Root::Disk, Root::Text))
}

/// Validates a model another format's reader built (see [`crate::build::load_source`]).
pub(crate) fn load_built<'a>(
    path: &Path,
    text: &'a str,
    build: impl FnOnce(crate::source::FileId) -> RawFile + 'a,
) -> Result<Model, ModelError> {
    load_root(path, Root::Built(text, Box::new(build)))
}

fn load_root(path: &Path, root_source: Root<'_>) -> Result<Model, ModelError> {
    let mut b = Builder {
        sources: SourceMap::new(),
        errors: Vec::new(),
        files: Vec::new(),
        file_index: HashMap::new(),
        scopes: Vec::new(),
        dims: Vec::new(),
        dim_by_name: HashMap::new(),
        slots: Vec::new(),
        by_name: HashMap::new(),
        modules: Vec::new(),
        warnings: Vec::new(),
        stateful_count: HashMap::new(),
    };
    let root = match b.open_file(path, None, root_source) {
        Some(i) => i,
        None => return Err(ModelError::new(b.errors)),
    };
    let mut stack = vec![b.files[root].path.clone()];
    b.instantiate(root, String::new(), None, &mut stack);
    b.finish_errors()?;
    b.build_dimensions();
    b.resolve_dims();
    b.finish_errors()?;
    b.read_values();
    b.wire_modules();
    b.finish_errors()?;
    b.resolve_equations();
    b.attach_flows();
    b.finish_errors()?;
    let settings = b.settings(root);
    b.finish_errors()?;
    let raw_steady = b.files[root].settings.steady.clone();
    let interface = b.interface_of(0);
    let loops = b.named_loops();
    b.finish_errors()?;
    let rootf = &b.files[root];
    let name = rootf.name.clone().unwrap_or_else(|| {
        path.file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default()
    });
    let doc = rootf.doc.clone();
    let root_path = rootf.path.clone();
    let units: Vec<VarMeta> = b
        .slots
        .iter()
        .map(|s| match s.raw {
            Some((f, i)) => {
                let rv = &b.files[f].vars[i];
                (
                    rv.units.as_ref().map(|u| u.value.clone()),
                    rv.units.as_ref().map(|u| u.span),
                    rv.doc.clone(),
                    rv.source.clone(),
                )
            }
            None => (None, None, None, None),
        })
        .collect();
    let variables: Vec<Variable> = b
        .slots
        .into_iter()
        .zip(units)
        .map(|(s, (units, units_span, doc, source))| Variable {
            name: s.name,
            kind: s
                .kind
                .expect("every slot has a kind once resolution succeeded"),
            dims: s.dims,
            units,
            units_span,
            doc,
            source,
            span: s.span,
            module: b.scopes[s.scope].module,
            hidden: s.hidden,
        })
        .collect();
    let mut model = Model {
        name,
        doc,
        path: root_path,
        settings,
        dimensions: b.dims,
        variables,
        modules: b.modules,
        interface,
        loops,
        phases: Vec::new(),
        order: EvalOrder::default(),
        sources: b.sources,
        warnings: b.warnings,
        by_name: b.by_name,
    };
    crate::graph::analyse(&mut model)?;
    if let Some(st) = &raw_steady {
        steady::check_steady_names(&model, st)?;
    }
    Ok(model)
}

impl Builder {
    fn finish_errors(&mut self) -> Result<(), ModelError> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(ModelError::new(std::mem::take(&mut self.errors)))
        }
    }

    pub fn err(&mut self, span: Span, message: impl Into<String>, help: Option<String>) {
        let mut d = Diagnostic::error(message).at(&self.sources, span);
        if let Some(h) = help {
            d = d.help(h);
        }
        self.errors.push(d);
    }

    /// Reads (once) and parses a model file; returns its index.
    fn open_file(
        &mut self,
        path: &Path,
        included_at: Option<Span>,
        source: Root<'_>,
    ) -> Option<usize> {
        let canonical = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
        if let Some(&i) = self.file_index.get(&canonical) {
            return Some(i);
        }
        let parsed = match source {
            Root::Text(t) => {
                let id = self.sources.add(path, t);
                crate::file::parse_file(&self.sources, id, path)
            }
            Root::Built(t, build) => {
                let id = self.sources.add(path, t);
                Ok(build(id))
            }
            Root::Disk => read_file(
                &mut self.sources,
                path,
                included_at.map(|s| (s, "this module")),
            ),
        };
        match parsed {
            Ok(mut f) => {
                f.path = canonical.clone();
                self.files.push(f);
                let i = self.files.len() - 1;
                self.file_index.insert(canonical, i);
                Some(i)
            }
            Err(ds) => {
                self.errors.extend(ds);
                None
            }
        }
    }

    /// Creates the scope of one file instance and, recursively, of its modules.
    fn instantiate(
        &mut self,
        file: usize,
        prefix: String,
        module: Option<ModuleId>,
        stack: &mut Vec<PathBuf>,
    ) -> usize {
        let scope = self.scopes.len();
        self.scopes.push(Scope {
            prefix: prefix.clone(),
            file,
            module,
            instances: HashMap::new(),
        });
        // Variables.
        let nvars = self.files[file].vars.len();
        for i in 0..nvars {
            let (name, span) = {
                let v = &self.files[file].vars[i];
                (v.name.value.clone(), v.name.span)
            };
            if !is_identifier(&name) {
                self.err(
                    span,
                    format!("'{name}' is not a valid name"),
                    Some("names are [A-Za-z_][A-Za-z0-9_]* (letters, digits, underscores; not starting with a digit)".into()),
                );
                continue;
            }
            if reserved(&name) {
                self.err(
                    span,
                    format!("'{name}' is a reserved word of the equation language"),
                    Some("choose another name (TIME, DT, TIME_STEP, INITIAL_TIME, FINAL_TIME, SAVEPER, PI and IF/THEN/ELSE/AND/OR/NOT are reserved)".into()),
                );
                continue;
            }
            let full = format!("{prefix}{name}");
            if let Some(prev) = self.by_name.get(&full).copied() {
                let prev_span = self.slots[prev.index()].span;
                let loc = self.sources.location(prev_span);
                let kind = self.files[file].vars[i].kind.name();
                self.err(
                    span,
                    format!("duplicate name '{name}' (this {kind} is already declared at {loc})"),
                    Some("every stock, flow, aux, constant, lookup and exogenous series needs its own name".into()),
                );
                continue;
            }
            let id = VarId(self.slots.len() as u32);
            self.slots.push(Slot {
                name: full.clone(),
                scope,
                raw: Some((file, i)),
                span,
                dims: Vec::new(),
                kind: None,
                hidden: None,
                wired: None,
            });
            self.by_name.insert(full, id);
        }
        // Module instances.
        let nmods = self.files[file].modules.len();
        let dir = self.files[file]
            .path
            .parent()
            .map(|p| p.to_path_buf())
            .unwrap_or_default();
        for m in 0..nmods {
            let (mname, mspan, fname, fspan) = {
                let rm = &self.files[file].modules[m];
                (
                    rm.name.value.clone(),
                    rm.name.span,
                    rm.file.value.clone(),
                    rm.file.span,
                )
            };
            if !is_identifier(&mname) {
                self.err(mspan, format!("'{mname}' is not a valid module name"), None);
                continue;
            }
            if self.by_name.contains_key(&format!("{prefix}{mname}")) {
                self.err(
                    mspan,
                    format!("module '{mname}' has the same name as a variable"),
                    None,
                );
                continue;
            }
            let mpath = dir.join(&fname);
            let canonical = std::fs::canonicalize(&mpath).unwrap_or_else(|_| mpath.clone());
            if let Some(pos) = stack.iter().position(|p| *p == canonical) {
                let chain: Vec<String> = stack[pos..]
                    .iter()
                    .chain(std::iter::once(&canonical))
                    .map(|p| {
                        p.file_name()
                            .map(|f| f.to_string_lossy().into_owned())
                            .unwrap_or_default()
                    })
                    .collect();
                self.err(
                    fspan,
                    format!(
                        "module '{mname}' includes itself: {}",
                        chain.join(" -> ")
                    ),
                    Some("a module file cannot instantiate itself, directly or through other modules".into()),
                );
                continue;
            }
            let Some(mfile) = self.open_file(&mpath, Some(fspan), Root::Disk) else {
                continue;
            };
            let mid = ModuleId(self.modules.len() as u32);
            self.modules.push(ModuleInstance {
                name: format!("{prefix}{mname}"),
                file: self.files[mfile].path.clone(),
                parent: module,
                inputs: Vec::new(),
                outputs: Vec::new(),
                span: mspan,
            });
            stack.push(canonical);
            let child = self.instantiate(mfile, format!("{prefix}{mname}."), Some(mid), stack);
            stack.pop();
            self.scopes[scope].instances.insert(mname, (mid, child));
        }
        scope
    }

    /// Merges the dimensions of all files (identical redefinitions are fine).
    fn build_dimensions(&mut self) {
        let mut pending: Vec<(usize, usize)> = Vec::new();
        for f in 0..self.files.len() {
            for d in 0..self.files[f].dimensions.len() {
                pending.push((f, d));
            }
        }
        // Full dimensions first, then subranges (which refer to them).
        pending.sort_by_key(|(f, d)| self.files[*f].dimensions[*d].subrange_of.is_some());
        for (f, d) in pending {
            let rd = &self.files[f].dimensions[d];
            let name = rd.name.value.clone();
            let span = rd.name.span;
            let elements: Vec<String> = rd.elements.iter().map(|e| e.value.clone()).collect();
            let element_spans: Vec<Span> = rd.elements.iter().map(|e| e.span).collect();
            let sub = rd.subrange_of.clone();
            if !is_identifier(&name) {
                self.err(
                    span,
                    format!("'{name}' is not a valid dimension name"),
                    None,
                );
                continue;
            }
            if elements.is_empty() {
                self.err(span, format!("dimension '{name}' has no elements"), None);
                continue;
            }
            let mut bad = false;
            for (i, e) in elements.iter().enumerate() {
                if !is_identifier(e) {
                    self.err(
                        element_spans[i],
                        format!("'{e}' is not a valid element name"),
                        None,
                    );
                    bad = true;
                } else if elements[..i].contains(e) {
                    self.err(
                        element_spans[i],
                        format!("element '{e}' appears twice in dimension '{name}'"),
                        None,
                    );
                    bad = true;
                }
            }
            if bad {
                continue;
            }
            let (parent, parent_index) = match &sub {
                None => (None, Vec::new()),
                Some(p) => {
                    match self.dim_by_name.get(&p.value).copied() {
                        None => {
                            let help = nearest(&p.value, self.dims.iter().map(|d| d.name.as_str()))
                                .map(|n| format!("did you mean '{n}'?"));
                            self.err(p.span, format!("unknown dimension '{}'", p.value), help);
                            continue;
                        }
                        Some(pid) => {
                            let pd = self.dims[pid.index()].clone();
                            if pd.parent.is_some() {
                                self.err(p.span, "a subrange must be of a full dimension, not of another subrange", None);
                                continue;
                            }
                            let mut idx = Vec::new();
                            let mut ok = true;
                            for (i, e) in elements.iter().enumerate() {
                                match pd.elements.iter().position(|x| x == e) {
                                    Some(k) => idx.push(k),
                                    None => {
                                        let msg = format!(
                                            "'{e}' is not an element of '{}' (elements: {})",
                                            pd.name,
                                            pd.elements.join(", ")
                                        );
                                        self.err(element_spans[i], msg, None);
                                        ok = false;
                                    }
                                }
                            }
                            if !ok {
                                continue;
                            }
                            (Some(pid), idx)
                        }
                    }
                }
            };
            if let Some(existing) = self.dim_by_name.get(&name).copied() {
                let ex = &self.dims[existing.index()];
                if ex.elements != elements || ex.parent != parent {
                    let loc = self.sources.location(ex.span);
                    self.err(
                        span,
                        format!("dimension '{name}' is defined differently at {loc}"),
                        Some(
                            "a dimension shared by several files must list the same elements"
                                .into(),
                        ),
                    );
                }
                continue;
            }
            let id = DimId(self.dims.len() as u32);
            self.dims.push(Dimension {
                name: name.clone(),
                elements,
                parent,
                parent_index,
                span,
            });
            self.dim_by_name.insert(name, id);
        }
        // Element names must not shadow dimension names (x[sec] must mean one thing).
        for d in 0..self.dims.len() {
            for e in self.dims[d].elements.clone() {
                if let Some(other) = self.dim_by_name.get(&e) {
                    let span = self.dims[d].span;
                    let msg = format!(
                        "element '{e}' of dimension '{}' has the same name as the dimension '{}'",
                        self.dims[d].name,
                        self.dims[other.index()].name
                    );
                    self.err(span, msg, Some("rename one of them".into()));
                }
            }
        }
    }

    pub fn dim_suggestion(&self, name: &str) -> Option<String> {
        nearest(name, self.dims.iter().map(|d| d.name.as_str()))
            .map(|n| format!("did you mean '{n}'?"))
    }

    fn resolve_dims(&mut self) {
        for s in 0..self.slots.len() {
            let Some((f, i)) = self.slots[s].raw else {
                continue;
            };
            let raw_dims: Vec<Sp<String>> = self.files[f].vars[i].dims.clone();
            let mut dims = Vec::new();
            for d in raw_dims {
                match self.dim_by_name.get(&d.value).copied() {
                    Some(id) => {
                        if dims.contains(&id) {
                            self.err(
                                d.span,
                                format!("dimension '{}' is listed twice", d.value),
                                None,
                            );
                        }
                        dims.push(id);
                    }
                    None => {
                        let help = self.dim_suggestion(&d.value);
                        self.err(d.span, format!("unknown dimension '{}'", d.value), help);
                    }
                }
            }
            self.slots[s].dims = dims;
        }
    }

    /// Number of elements over a list of dimensions.
    pub fn count(&self, dims: &[DimId]) -> usize {
        dims.iter()
            .map(|d| self.dims[d.index()].elements.len())
            .product()
    }

    /// Resolves a variable name as written in `scope` (dotted names reach module outputs).
    pub fn lookup_var(&self, scope: usize, name: &str) -> Result<VarId, (String, Option<String>)> {
        let sc = &self.scopes[scope];
        if let Some((head, rest)) = name.split_once('.') {
            if let Some(&(mid, child)) = sc.instances.get(head) {
                let file = self.scopes[child].file;
                let outputs: Vec<String> = self.files[file]
                    .interface
                    .as_ref()
                    .map(|i| i.outputs.iter().map(|o| o.value.clone()).collect())
                    .unwrap_or_default();
                if !outputs.iter().any(|o| o == rest) {
                    let module = &self.modules[mid.0 as usize].name;
                    let help = if outputs.is_empty() {
                        format!("module '{module}' declares no outputs; add `[interface] outputs = [\"{rest}\"]` to its file")
                    } else {
                        format!("its outputs are: {}", outputs.join(", "))
                    };
                    return Err((
                        format!("'{rest}' is not an output of module '{module}'"),
                        Some(help),
                    ));
                }
                let full = format!("{}{rest}", self.scopes[child].prefix);
                return self
                    .by_name
                    .get(&full)
                    .copied()
                    .ok_or_else(|| (format!("unknown variable '{name}'"), None));
            }
        }
        let full = format!("{}{name}", sc.prefix);
        if let Some(id) = self.by_name.get(&full) {
            return Ok(*id);
        }
        // Suggest among the names visible in this scope.
        let mut visible: Vec<String> = self
            .slots
            .iter()
            .filter(|s| s.scope == scope && s.hidden.is_none())
            .map(|s| s.name[sc.prefix.len()..].to_string())
            .collect();
        for (inst, (_, child)) in &sc.instances {
            let file = self.scopes[*child].file;
            if let Some(i) = &self.files[file].interface {
                visible.extend(i.outputs.iter().map(|o| format!("{inst}.{}", o.value)));
            }
        }
        let help = nearest(name, visible.iter().map(|s| s.as_str()))
            .map(|n| format!("did you mean '{n}'?"));
        Err((format!("unknown variable '{name}'"), help))
    }

    fn read_values(&mut self) {
        for s in 0..self.slots.len() {
            let Some((f, i)) = self.slots[s].raw else {
                continue;
            };
            let kind = match &self.files[f].vars[i].kind {
                RawKind::Constant { .. } => self.constant(s, f, i),
                RawKind::Lookup { .. } => self.lookups(s, f, i),
                RawKind::Exogenous { .. } => self.exogenous(s, f, i),
                _ => continue,
            };
            self.slots[s].kind = kind;
        }
    }

    /// Module inputs become auxiliaries defined in the parent scope.
    fn wire_modules(&mut self) {
        for scope in 0..self.scopes.len() {
            let file = self.scopes[scope].file;
            let nmods = self.files[file].modules.len();
            for m in 0..nmods {
                let mname = self.files[file].modules[m].name.value.clone();
                let mspan = self.files[file].modules[m].name.span;
                let Some(&(mid, child)) = self.scopes[scope].instances.get(&mname) else {
                    continue;
                };
                let cfile = self.scopes[child].file;
                let cprefix = self.scopes[child].prefix.clone();
                let (inputs, outputs) = match &self.files[cfile].interface {
                    Some(i) => (i.inputs.clone(), i.outputs.clone()),
                    None => (Vec::new(), Vec::new()),
                };
                let wires = self.files[file].modules[m].inputs.clone();
                for (key, _) in &wires {
                    if !inputs.iter().any(|i| i.value == key.value) {
                        let help = if inputs.is_empty() {
                            "the module file declares no inputs ([interface] inputs = [...])"
                                .to_string()
                        } else {
                            let names: Vec<&str> =
                                inputs.iter().map(|i| i.value.as_str()).collect();
                            match nearest(&key.value, names.iter().copied()) {
                                Some(n) => format!(
                                    "did you mean '{n}'? its inputs are: {}",
                                    names.join(", ")
                                ),
                                None => format!("its inputs are: {}", names.join(", ")),
                            }
                        };
                        self.err(
                            key.span,
                            format!("'{}' is not an input of module '{mname}'", key.value),
                            Some(help),
                        );
                    }
                }
                for inp in &inputs {
                    let full = format!("{cprefix}{}", inp.value);
                    let Some(id) = self.by_name.get(&full).copied() else {
                        self.err(
                            inp.span,
                            format!("interface input '{}' is not a variable of this file", inp.value),
                            Some("declare it as a constant or exogenous series so the block runs alone".into()),
                        );
                        continue;
                    };
                    let slot = &self.slots[id.index()];
                    let is_param = matches!(
                        slot.raw.map(|(f, i)| &self.files[f].vars[i].kind),
                        Some(RawKind::Constant { .. } | RawKind::Exogenous { .. })
                    );
                    if !is_param {
                        self.err(
                            inp.span,
                            format!(
                                "interface input '{}' must be a constant or an exogenous series",
                                inp.value
                            ),
                            Some("inputs carry default values so the block runs alone".into()),
                        );
                        continue;
                    }
                    if !self.slots[id.index()].dims.is_empty() {
                        self.err(inp.span, format!("interface input '{}' is arrayed; module inputs must be scalars for now", inp.value), None);
                        continue;
                    }
                    match wires.iter().find(|(k, _)| k.value == inp.value) {
                        Some((_, eq)) => {
                            self.slots[id.index()].wired = Some((scope, eq.clone()));
                            self.slots[id.index()].kind = None;
                            self.modules[mid.0 as usize].inputs.push(id);
                        }
                        None => {
                            self.err(
                                mspan,
                                format!("input '{}' of module '{mname}' is not wired", inp.value),
                                Some(format!(
                                    "add `{} = \"<expression>\"` under [modules.{mname}.inputs]",
                                    inp.value
                                )),
                            );
                        }
                    }
                }
                for out in &outputs {
                    let full = format!("{cprefix}{}", out.value);
                    match self.by_name.get(&full) {
                        Some(id) => self.modules[mid.0 as usize].outputs.push(*id),
                        None => self.err(
                            out.span,
                            format!(
                                "interface output '{}' is not a variable of this file",
                                out.value
                            ),
                            None,
                        ),
                    }
                }
            }
        }
    }

    fn interface_of(&mut self, scope: usize) -> Interface {
        let file = self.scopes[scope].file;
        let Some(i) = &self.files[file].interface else {
            return Interface::default();
        };
        let (ins, outs) = (i.inputs.clone(), i.outputs.clone());
        let mut res = Interface::default();
        for (list, dst) in [(ins, &mut res.inputs), (outs, &mut res.outputs)] {
            for n in list {
                match self.by_name.get(&n.value) {
                    Some(id) => dst.push(*id),
                    None => {
                        let span = n.span;
                        let msg = format!(
                            "interface names '{}', which is not a variable of this file",
                            n.value
                        );
                        self.errors
                            .push(Diagnostic::error(msg).at(&self.sources, span));
                    }
                }
            }
        }
        res
    }

    fn named_loops(&mut self) -> Vec<NamedLoop> {
        let mut out = Vec::new();
        for scope in 0..self.scopes.len() {
            let file = self.scopes[scope].file;
            let prefix = self.scopes[scope].prefix.clone();
            for l in 0..self.files[file].loops.len() {
                let (name, span, vars, doc) = {
                    let rl = &self.files[file].loops[l];
                    (
                        rl.name.value.clone(),
                        rl.name.span,
                        rl.variables.clone(),
                        rl.doc.clone(),
                    )
                };
                let mut ids = Vec::new();
                for v in vars {
                    match self.lookup_var(scope, &v.value) {
                        Ok(id) => ids.push(id),
                        Err((msg, help)) => self.err(v.span, msg, help),
                    }
                }
                out.push(NamedLoop {
                    name: format!("{prefix}{name}"),
                    variables: ids,
                    doc,
                    span,
                });
            }
        }
        out
    }

    fn settings(&mut self, root: usize) -> Settings {
        let raw: RawSettings = self.files[root].settings.clone();
        let file_span = Span::new(self.files[root].file, 0, 0);
        match settings_from_raw(&raw, &Settings::default()) {
            Ok(s) => s,
            Err((span, msg, help)) => {
                self.err(span.unwrap_or(file_span), msg, help);
                Settings::default()
            }
        }
    }

    /// Parses, resolves and lowers every equation.
    fn resolve_equations(&mut self) {
        let n = self.slots.len();
        for s in 0..n {
            if let Some((scope, eq)) = self.slots[s].wired.clone() {
                let owner = VarId(s as u32);
                if let Some(e) = self.resolve_one(scope, owner, &[], None, &eq) {
                    self.slots[s].kind = Some(VarKind::Aux(EquationSet::Uniform(e)));
                }
                continue;
            }
            let Some((f, i)) = self.slots[s].raw else {
                continue;
            };
            let (set, what) = match &self.files[f].vars[i].kind {
                RawKind::Stock { initial, .. } => match initial {
                    Some(x) => (x.clone(), "initial"),
                    None => {
                        let name = self.files[f].vars[i].name.value.clone();
                        self.err(
                            self.slots[s].span,
                            format!("stock '{name}' has no initial value"),
                            Some("add `initial = \"...\"` (a number or an equation)".into()),
                        );
                        continue;
                    }
                },
                RawKind::Flow { eq: Some(x), .. } | RawKind::Aux { eq: Some(x) } => {
                    (x.clone(), "equation")
                }
                _ => continue,
            };
            let Some(eqs) = self.resolve_set(s, &set, what) else {
                continue;
            };
            let kind = match &self.files[f].vars[i].kind {
                RawKind::Stock { non_negative, .. } => VarKind::Stock(Stock {
                    initial: eqs,
                    inflows: Vec::new(),
                    outflows: Vec::new(),
                    non_negative: *non_negative,
                }),
                RawKind::Flow { .. } => VarKind::Flow(eqs),
                _ => VarKind::Aux(eqs),
            };
            self.slots[s].kind = Some(kind);
        }
    }

    /// Resolves a uniform equation or a per-element table covering every element once.
    fn resolve_set(&mut self, s: usize, set: &RawEqSet, what: &str) -> Option<EquationSet> {
        let owner = VarId(s as u32);
        let scope = self.slots[s].scope;
        let dims = self.slots[s].dims.clone();
        match set {
            RawEqSet::Uniform(eq) => self
                .resolve_one(scope, owner, &dims, None, eq)
                .map(EquationSet::Uniform),
            RawEqSet::PerElement(list) => {
                if dims.is_empty() {
                    let span = list
                        .first()
                        .map(|(k, _)| k.span)
                        .unwrap_or(self.slots[s].span);
                    self.err(
                        span,
                        format!("per-element {what}s need `dims`; this variable is a scalar"),
                        Some(format!("use `{what} = \"...\"`, or add `dims = [\"...\"]`")),
                    );
                    return None;
                }
                let total = self.count(&dims);
                let mut chosen: Vec<Option<(usize, Span)>> = vec![None; total];
                for (k, (key, _)) in list.iter().enumerate() {
                    let Some(elems) = self.element_key(&dims, key) else {
                        continue;
                    };
                    for flat in elems {
                        if let Some((_, prev)) = chosen[flat] {
                            let loc = self.sources.location(prev);
                            let ename = self.element_label(&dims, flat);
                            self.err(
                                key.span,
                                format!("element {ename} already has an equation (at {loc})"),
                                Some("give each element exactly one equation".into()),
                            );
                        } else {
                            chosen[flat] = Some((k, key.span));
                        }
                    }
                }
                let missing: Vec<String> = (0..total)
                    .filter(|f| chosen[*f].is_none())
                    .map(|f| self.element_label(&dims, f))
                    .collect();
                if !missing.is_empty() {
                    let name = self.slots[s].name.clone();
                    self.err(
                        self.slots[s].span,
                        format!(
                            "'{name}' has no {what} for element(s) {}",
                            missing.join(", ")
                        ),
                        Some(
                            "give each element exactly one equation, or use one equation for all"
                                .into(),
                        ),
                    );
                    return None;
                }
                let mut out = Vec::with_capacity(total);
                let mut ok = true;
                for (flat, c) in chosen.iter().enumerate() {
                    let (k, _) = c.expect("checked above");
                    let idx = self.unflatten(&dims, flat);
                    match self.resolve_one(scope, owner, &dims, Some(&idx), &list[k].1) {
                        Some(e) => out.push(e),
                        None => ok = false,
                    }
                }
                ok.then_some(EquationSet::PerElement(out))
            }
        }
    }

    pub fn unflatten(&self, dims: &[DimId], mut flat: usize) -> Vec<usize> {
        let mut idx = vec![0; dims.len()];
        for (k, d) in dims.iter().enumerate().rev() {
            let n = self.dims[d.index()].elements.len();
            idx[k] = flat % n;
            flat /= n;
        }
        idx
    }

    pub fn flatten(&self, dims: &[DimId], idx: &[usize]) -> usize {
        dims.iter().zip(idx).fold(0, |acc, (d, i)| {
            acc * self.dims[d.index()].elements.len() + i
        })
    }

    pub fn element_label(&self, dims: &[DimId], flat: usize) -> String {
        let idx = self.unflatten(dims, flat);
        let parts: Vec<&str> = dims
            .iter()
            .zip(&idx)
            .map(|(d, i)| self.dims[d.index()].elements[*i].as_str())
            .collect();
        format!("[{}]", parts.join(","))
    }

    /// The flat element indices a per-element key names: `tec`, `tec,a`, or a subrange name.
    pub fn element_key(&mut self, dims: &[DimId], key: &Sp<String>) -> Option<Vec<usize>> {
        let parts: Vec<&str> = key.value.split(',').map(|p| p.trim()).collect();
        if parts.len() != dims.len() {
            self.err(
                key.span,
                format!(
                    "'{}' names {} subscript(s) but the variable has {} dimension(s)",
                    key.value,
                    parts.len(),
                    dims.len()
                ),
                Some("separate elements of several dimensions with commas: \"tec,a\"".into()),
            );
            return None;
        }
        let mut choices: Vec<Vec<usize>> = Vec::new();
        for (p, d) in parts.iter().zip(dims) {
            let dim = &self.dims[d.index()];
            if let Some(i) = dim.elements.iter().position(|e| e == p) {
                choices.push(vec![i]);
                continue;
            }
            if let Some(sub) = self.dim_by_name.get(*p).copied() {
                let sd = &self.dims[sub.index()];
                if sub == *d {
                    choices.push((0..dim.elements.len()).collect());
                    continue;
                }
                if sd.parent == Some(*d) {
                    choices.push(sd.parent_index.clone());
                    continue;
                }
                // Another dimension of the family whose elements `d` holds.
                if crate::ir::maps_into(&self.dims, sub, *d) {
                    choices.push(
                        (0..sd.elements.len())
                            .filter_map(|e| crate::ir::map_element(&self.dims, sub, e, *d))
                            .collect(),
                    );
                    continue;
                }
            }
            let help = nearest(p, dim.elements.iter().map(|e| e.as_str()))
                .map(|n| {
                    format!(
                        "did you mean '{n}'? elements of {}: {}",
                        dim.name,
                        dim.elements.join(", ")
                    )
                })
                .unwrap_or_else(|| {
                    format!("elements of {}: {}", dim.name, dim.elements.join(", "))
                });
            let msg = format!(
                "'{p}' is not an element or subrange of dimension '{}'",
                dim.name
            );
            self.err(key.span, msg, Some(help));
            return None;
        }
        // Cartesian product, row-major.
        let mut out = vec![Vec::new()];
        for c in &choices {
            out = out
                .into_iter()
                .flat_map(|prefix: Vec<usize>| {
                    c.iter().map(move |i| {
                        let mut v = prefix.clone();
                        v.push(*i);
                        v
                    })
                })
                .collect();
        }
        Some(out.iter().map(|idx| self.flatten(dims, idx)).collect())
    }

    /// Attaches flows to stocks (`inflows`/`outflows` on stocks, `from`/`to` on flows).
    fn attach_flows(&mut self) {
        for s in 0..self.slots.len() {
            let Some((f, i)) = self.slots[s].raw else {
                continue;
            };
            let scope = self.slots[s].scope;
            let mut links: Vec<(VarId, Sp<String>, bool)> = Vec::new(); // (stock, flow name, inflow?)
            let raw_kind = match &self.files[f].vars[i].kind {
                RawKind::Stock {
                    inflows, outflows, ..
                } => RawKind::Stock {
                    initial: None,
                    inflows: inflows.clone(),
                    outflows: outflows.clone(),
                    non_negative: false,
                },
                RawKind::Flow { from, to, .. } => RawKind::Flow {
                    eq: None,
                    from: from.clone(),
                    to: to.clone(),
                },
                _ => continue,
            };
            match &raw_kind {
                RawKind::Stock {
                    inflows, outflows, ..
                } => {
                    for x in inflows {
                        links.push((VarId(s as u32), x.clone(), true));
                    }
                    for x in outflows {
                        links.push((VarId(s as u32), x.clone(), false));
                    }
                }
                RawKind::Flow { from, to, .. } => {
                    let flow_name = Sp {
                        value: self.files[f].vars[i].name.value.clone(),
                        span: self.slots[s].span,
                    };
                    for (stock, inflow) in [(to, true), (from, false)] {
                        let Some(st) = stock else {
                            continue;
                        };
                        match self.lookup_var(scope, &st.value) {
                            Ok(id)
                                if matches!(
                                    self.slots[id.index()].kind,
                                    Some(VarKind::Stock(_))
                                ) =>
                            {
                                links.push((id, flow_name.clone(), inflow));
                            }
                            Ok(id) => {
                                let kind = self.slots[id.index()]
                                    .kind
                                    .as_ref()
                                    .map(|k| k.name())
                                    .unwrap_or("variable");
                                self.err(
                                    st.span,
                                    format!("flow '{}' is attached to '{}', which is a {kind}, not a stock", flow_name.value, st.value),
                                    None,
                                );
                            }
                            Err((_, help)) => {
                                let stocks: Vec<String> = self.stock_names(scope);
                                let help = help.or_else(|| {
                                    nearest(&st.value, stocks.iter().map(|s| s.as_str()))
                                        .map(|n| format!("did you mean '{n}'?"))
                                });
                                self.err(
                                    st.span,
                                    format!(
                                        "flow '{}' is attached to an unknown stock '{}'",
                                        flow_name.value, st.value
                                    ),
                                    help,
                                );
                            }
                        }
                    }
                }
                _ => continue,
            }
            for (stock, flow, inflow) in links {
                if self.slots[stock.index()].kind.is_none() {
                    continue; // the stock failed to resolve; already reported
                }
                let fid = match self.lookup_var(scope, &flow.value) {
                    Ok(id) => id,
                    Err((msg, help)) => {
                        let flows: Vec<String> = self.flow_names(scope);
                        let help = help.or_else(|| {
                            nearest(&flow.value, flows.iter().map(|s| s.as_str()))
                                .map(|n| format!("did you mean '{n}'?"))
                        });
                        self.err(
                            flow.span,
                            format!(
                                "{msg} in the flows of stock '{}'",
                                self.slots[stock.index()].name
                            ),
                            help,
                        );
                        continue;
                    }
                };
                if self.slots[fid.index()].kind.is_none() && self.raw_kind_is(fid, "flow") {
                    continue; // the flow's equation failed; already reported
                }
                if !matches!(self.slots[fid.index()].kind, Some(VarKind::Flow(_))) {
                    let kind = self.slots[fid.index()]
                        .kind
                        .as_ref()
                        .map(|k| k.name())
                        .unwrap_or("variable");
                    self.err(
                        flow.span,
                        format!(
                            "'{}' is a {kind}; only flows can fill or drain a stock",
                            flow.value
                        ),
                        Some(format!("declare it under [flows.{}]", flow.value)),
                    );
                    continue;
                }
                if self.slots[fid.index()].dims != self.slots[stock.index()].dims {
                    let msg = format!(
                        "flow '{}' and stock '{}' have different dimensions",
                        flow.value,
                        self.slots[stock.index()].name
                    );
                    self.err(
                        flow.span,
                        msg,
                        Some("a flow must have the same `dims` as the stocks it connects".into()),
                    );
                    continue;
                }
                let Some(VarKind::Stock(st)) = &mut self.slots[stock.index()].kind else {
                    continue;
                };
                let list = if inflow {
                    &mut st.inflows
                } else {
                    &mut st.outflows
                };
                if list.contains(&fid) {
                    let msg = format!("flow '{}' is attached to this stock twice", flow.value);
                    self.err(flow.span, msg, None);
                    continue;
                }
                list.push(fid);
            }
        }
    }

    fn stock_names(&self, scope: usize) -> Vec<String> {
        let p = &self.scopes[scope].prefix;
        self.slots
            .iter()
            .filter(|s| {
                s.scope == scope && matches!(s.kind, Some(VarKind::Stock(_))) && s.hidden.is_none()
            })
            .map(|s| s.name[p.len()..].to_string())
            .collect()
    }

    fn flow_names(&self, scope: usize) -> Vec<String> {
        let p = &self.scopes[scope].prefix;
        self.slots
            .iter()
            .filter(|s| {
                s.scope == scope && matches!(s.kind, Some(VarKind::Flow(_))) && s.hidden.is_none()
            })
            .map(|s| s.name[p.len()..].to_string())
            .collect()
    }
}

/// Applies raw settings over `base` and validates the result; errors carry the span of the
/// offending key.
pub(crate) fn settings_from_raw(
    raw: &RawSettings,
    base: &Settings,
) -> Result<Settings, (Option<Span>, String, Option<String>)> {
    let mut s = base.clone();
    let dt_given = raw.dt.is_some();
    if let Some(x) = &raw.start {
        s.start = x.value;
    }
    if let Some(x) = &raw.stop {
        s.stop = x.value;
    }
    if let Some(x) = &raw.dt {
        s.dt = x.value;
    }
    match &raw.save_every {
        Some(x) => s.save_every = x.value,
        None if dt_given => s.save_every = s.dt,
        None => {}
    }
    if let Some(x) = &raw.rtol {
        s.rtol = x.value;
    }
    if let Some(x) = &raw.atol {
        s.atol = x.value;
    }
    if let Some(u) = &raw.time_units {
        s.time_units = Some(u.clone());
    }
    if let Some(m) = &raw.method {
        match Method::parse(&m.value) {
            Some(meth) => s.method = meth,
            None => {
                return Err((
                    Some(m.span),
                    format!("unknown integration method '{}'", m.value),
                    Some("use one of: euler, rk2, rk4, dopri5, dop853".into()),
                ))
            }
        }
    }
    if let Some(i) = &raw.initialise {
        match Initialise::parse(&i.value) {
            Some(v) => s.initialise = v,
            None => {
                return Err((
                    Some(i.span),
                    format!("unknown initialise '{}'", i.value),
                    Some("use \"initial\" (stocks start at their initial values) or \"steady\" (at a steady state solved for each run)".into()),
                ))
            }
        }
    }
    if let Some(st) = &raw.steady {
        let d = &mut s.steady;
        if let Some(x) = &st.tolerance {
            d.tolerance = x.value;
        }
        if let Some(x) = &st.max_iterations {
            d.max_iterations = x.value as usize;
        }
        if let Some(g) = &st.growth {
            d.growth = g
                .iter()
                .map(|g| GrowthGroup {
                    stocks: g.stocks.iter().map(|n| n.value.clone()).collect(),
                    log: g.log,
                })
                .collect();
        }
        if let Some(f) = &st.free {
            d.free = f.iter().map(|n| n.value.clone()).collect();
        }
        if let Some(h) = &st.hold {
            d.hold = h
                .iter()
                .map(|(n, v)| Hold {
                    name: n.value.clone(),
                    value: *v,
                })
                .collect();
        }
        if let Some(e) = &st.exclude {
            d.exclude = e.iter().map(|n| n.value.clone()).collect();
        }
    }
    if let Err(e) = validate_settings(&s) {
        let span = match e.field {
            "dt" => raw.dt.as_ref().map(|x| x.span),
            "stop" => raw.stop.as_ref().or(raw.start.as_ref()).map(|x| x.span),
            "save_every" => raw.save_every.as_ref().or(raw.dt.as_ref()).map(|x| x.span),
            "rtol" => raw.rtol.as_ref().map(|x| x.span),
            "atol" => raw.atol.as_ref().map(|x| x.span),
            "steady.tolerance" => raw
                .steady
                .as_ref()
                .and_then(|t| t.tolerance.as_ref())
                .map(|x| x.span),
            "steady.max_iterations" => raw
                .steady
                .as_ref()
                .and_then(|t| t.max_iterations.as_ref())
                .map(|x| x.span),
            "steady.growth" => raw
                .steady
                .as_ref()
                .and_then(|t| t.growth.as_ref())
                .and_then(|g| g.iter().find(|g| g.stocks.len() < 2))
                .map(|g| g.span),
            "steady.free" => raw.steady.as_ref().and_then(|t| {
                t.free
                    .as_ref()
                    .and_then(|f| f.first())
                    .or(t.hold.as_ref().and_then(|h| h.first()).map(|(n, _)| n))
                    .map(|n| n.span)
            }),
            _ => None,
        };
        return Err((span, e.message, Some(e.help)));
    }
    Ok(s)
}

/// A settings value that cannot work.
#[derive(Debug, Clone, PartialEq)]
pub struct SettingsError {
    /// The settings key at fault (`dt`, `stop`, `save_every`, `rtol`, `atol`).
    pub field: &'static str,
    /// What is wrong with the value.
    pub message: String,
    /// What would work instead.
    pub help: String,
}

/// Relative tolerance for "is a whole multiple of dt".
const GRID_TOL: f64 = 1e-9;

/// True if `x` is a whole multiple of `unit` (to a relative 1e-9).
pub fn is_multiple(x: f64, unit: f64) -> bool {
    let k = (x / unit).round();
    k >= 1.0 && (x - k * unit).abs() <= GRID_TOL * x.abs().max(unit)
}

/// Checks run settings: `dt > 0`, `stop > start`, `stop - start` and `save_every` whole
/// multiples of `dt`, positive tolerances.
// The negated comparisons make NaN fail every check.
#[allow(clippy::neg_cmp_op_on_partial_ord)]
pub fn validate_settings(s: &Settings) -> Result<(), SettingsError> {
    let bad = |field, message: String, help: &str| {
        Err(SettingsError {
            field,
            message,
            help: help.to_string(),
        })
    };
    if !(s.dt > 0.0) || !s.dt.is_finite() {
        return bad(
            "dt",
            format!("dt must be greater than 0 (got {})", s.dt),
            "the time step is a positive number, e.g. dt = 0.125",
        );
    }
    if !(s.stop > s.start) {
        return bad(
            "stop",
            format!("stop ({}) must be greater than start ({})", s.stop, s.start),
            "the run goes from start to stop",
        );
    }
    if !is_multiple(s.stop - s.start, s.dt) {
        return bad(
            "dt",
            format!(
                "stop - start ({}) is not a whole multiple of dt ({})",
                s.stop - s.start,
                s.dt
            ),
            "choose dt so that (stop - start) / dt is a whole number, e.g. a power of two fraction",
        );
    }
    if !(s.save_every > 0.0) || !is_multiple(s.save_every, s.dt) {
        return bad(
            "save_every",
            format!(
                "save_every ({}) is not a whole multiple of dt ({})",
                s.save_every, s.dt
            ),
            "results are saved every k time steps: use save_every = k * dt",
        );
    }
    if !(s.rtol > 0.0) {
        return bad(
            "rtol",
            format!("rtol must be greater than 0 (got {})", s.rtol),
            "e.g. rtol = 1e-6",
        );
    }
    if !(s.atol > 0.0) {
        return bad(
            "atol",
            format!("atol must be greater than 0 (got {})", s.atol),
            "e.g. atol = 1e-9",
        );
    }
    let st = &s.steady;
    if !(st.tolerance > 0.0) || !st.tolerance.is_finite() {
        return bad(
            "steady.tolerance",
            format!(
                "the steady-state tolerance must be greater than 0 (got {})",
                st.tolerance
            ),
            "the largest scaled net flow accepted, e.g. tolerance = 1e-10",
        );
    }
    if st.max_iterations == 0 {
        return bad(
            "steady.max_iterations",
            "the steady-state solver needs max_iterations >= 1".into(),
            "Newton iterations per start, e.g. max_iterations = 50",
        );
    }
    if st.free.len() != st.hold.len() {
        return bad(
            "steady.free",
            format!(
                "{} free parameter(s) and {} held value(s): they must pair up",
                st.free.len(),
                st.hold.len()
            ),
            "each free constant is solved for by holding one stock, flow or auxiliary at a value (free = [\"k\"], hold = { x = 0.2 })",
        );
    }
    if let Some(g) = st.growth.iter().find(|g| g.stocks.len() < 2) {
        return bad(
            "steady.growth",
            format!(
                "a growth group needs at least two stocks (got {})",
                g.stocks.len()
            ),
            "the first stock is the anchor; the others grow at its rate",
        );
    }
    Ok(())
}
