//! Vensim `.mdl` files into a [`SourceModel`] (and so into the model IR).
//!
//! What is read: equations (`=`, `:=`, `==`) with Vensim's operators and the builtins the
//! equation language knows (SMOOTH, DELAY1/3/N, DELAY FIXED, IF THEN ELSE, MIN/MAX, PULSE,
//! STEP, RAMP, INITIAL, ...) and some it writes with its own (COSH, SINH, TANH, QUANTUM,
//! VMAX, VMIN, ELMCOUNT, GAME, VECTOR SELECT; see `expr::rewrite`), INVERT MATRIX of a matrix of numbers
//! (the inverse computed on import, see [`Reader::invert_matrix`]), stocks (`INTEG(rate, initial)`, also
//! entry by entry), lookups (`name(table)` and `WITH LOOKUP`), constants (also array
//! constants with `;` rows and `TABBED ARRAY`), subscript ranges, subranges (in any order in
//! the file; a range with another's elements is its subrange) and equivalences (`<->`),
//! `:EXCEPT:`, ranges and elements used as values (`IF THEN ELSE(dim1 = dim2, ...)`), units and `[min,max]` ranges (kept as units, range and doc), comments (doc) and
//! the control section (INITIAL TIME, FINAL TIME, TIME STEP, SAVEPER). The sketch is ignored.
//! `GET TIME VALUE(0, offset, 0)` is `TIME + offset`; the order of SMOOTH N / DELAY N is
//! its value at the initial time (see [`initial`]; DELAY N drops stages while order times
//! TIME STEP exceeds its delay time then, as Vensim's output shows), and so are control settings written as
//! expressions (`FINAL TIME = IF THEN ELSE(...)`, or a variable's name), each knowing the ones
//! before it (a warning says when one depends on Time, which Vensim reads as the run goes; an
//! INITIAL TIME that reads Time is an error); elements no entry defines are 0.
//! Macros (`:MACRO:`) are expanded into ordinary variables, one instance per call (see
//! [`macros`]). Positional subscript mappings (`a: a1, a2 -> b`) pair elements by position
//! (an equation naming a mapped range is translated element by element). Data read from
//! spreadsheets and text files (`GET XLS/DIRECT DATA`, `CONSTANTS`, `LOOKUPS`, `SUBSCRIPT`;
//! `:=` data variables with `:INTERPOLATE:`, `:HOLD BACKWARD:`, `:LOOK FORWARD:`, `:RAW:`)
//! is read when the file is (see [`external`]): constants become numbers, lookups tables,
//! and a data variable a table of time called at `Time` (`:RAW:`: the value at the data's
//! own times, `:NA:` at others, through a second table marking those times). A data
//! variable with no equation (`x :INTERPOLATE: ~~|`) takes its column of the data set Vensim
//! loads for the run, which the settings block after the sketch names (`13:data.vdf`): that
//! `.vdf` is Vensim's binary format, so Pressure reads its tab-separated export beside the
//! model (`data.tab`, else `data.csv`; names across the first row, times down column A), and
//! says so in the error when neither is there (see [`run_data_sets`]). `ALLOCATE BY PRIORITY` and `ALLOCATE AVAILABLE` become the entry and hidden
//! auxiliaries that find the common priority shift by bisection (see [`allocate`]);
//! `VECTOR RANK`, `VECTOR SORT ORDER` and `VECTOR REORDER` reductions along the vector's
//! last subscript (see [`vector`]).
//!
//! A stock's rate becomes its inflows and outflows when it is a sum of variables that feed
//! only this stock's integral (`INTEG(births - deaths, ...)` makes `births` and `deaths`
//! flows); any other rate becomes a flow named `<stock>_net_flow`.

mod allocate;
mod entries;
pub(crate) mod expr;
mod external;
mod initial;
mod macros;
pub(crate) mod names;
mod vector;

use entries::Entry;
use expr::{call_args, number, register, split_top, translate, Scope};
use names::{key, Names};
use pressure_model::build::*;
use pressure_model::{Diagnostic, Extrapolation, Interpolation, Model, ModelError, SourceMap};
use std::collections::{HashMap, HashSet};
use std::ops::Range;
use std::path::Path;

/// Reads and validates a `.mdl` file. The model's warnings include the importer's: a run
/// setting (TIME STEP, SAVEPER, FINAL TIME) that depends on Time, which Vensim reads as the
/// run goes and Pressure at the initial time only.
pub fn load(path: &Path) -> Result<Model, ModelError> {
    load_str(path, &crate::read_text(path)?)
}

/// Reads a `.mdl` file into a [`SourceModel`] without validating names and equations.
/// Vensim files are UTF-8 (`{UTF-8}`) or Latin-1 (older files) (see [`crate::read_text`]).
pub fn read(path: &Path) -> Result<SourceModel, ModelError> {
    read_str(path, &crate::read_text(path)?)
}

/// Reads and validates `.mdl` text (`path` names it in errors); see [`load`].
pub fn load_str(path: &Path, text: &str) -> Result<Model, ModelError> {
    let (source, warnings) = read_with_warnings(path, text)?;
    let mut model = pressure_model::build::load_source(source)?;
    model.warnings.extend(warnings);
    Ok(model)
}

/// Reads `.mdl` text into a [`SourceModel`] without validating names and equations.
///
/// Macros are expanded first (see [`macros`]): each call becomes an instance whose variables
/// are added to the model (`NAME 1`, `var in NAME 1`); errors inside an instance point at its
/// added text, after the file's last equation.
pub fn read_str(path: &Path, text: &str) -> Result<SourceModel, ModelError> {
    read_with_warnings(path, text).map(|(source, _)| source)
}

/// [`read_str`], with the importer's warnings.
fn read_with_warnings(
    path: &Path,
    text: &str,
) -> Result<(SourceModel, Vec<Diagnostic>), ModelError> {
    let expansion = match macros::expand(text) {
        Ok(x) => x,
        Err((at, msg)) => {
            let mut sources = SourceMap::new();
            let file = sources.add(path, text);
            let span = pressure_model::Span::new(file, at.start, at.end.max(at.start + 1));
            return Err(ModelError::new(vec![
                Diagnostic::error(msg).at(&sources, span)
            ]));
        }
    };
    // Data read from spreadsheets and text files (GET XLS/DIRECT ...): a first reading
    // finds the calls and reads the files; the values are written after the sketch marker and
    // the entries that called them read them from there (errors elsewhere keep their places).
    let plan = Reader::new(path, &expansion, HashMap::new()).external_plan()?;
    if plan.is_empty() {
        return Reader::new(path, &expansion, HashMap::new()).read();
    }
    let mut text = expansion.text.clone();
    if entries::sketch_start(&text) == text.len() {
        text.push_str("\n\\\\\\---/// data read from files by the importer\n");
    }
    let mut replacements: HashMap<usize, Vec<Replacement>> = HashMap::new();
    for (start, list) in plan {
        for (mut r, written) in list {
            text.push('\n');
            let at = text.len();
            text.push_str(&written);
            r.rhs = at..text.len();
            replacements.entry(start).or_default().push(r);
        }
    }
    let with_data = macros::Expansion {
        text,
        macros: expansion.macros.clone(),
        calls: expansion.calls.clone(),
    };
    Reader::new(path, &with_data, replacements).read()
}

/// One entry that replaces an entry calling GET XLS/DIRECT ...: the values it read, written
/// out as a constant list, a lookup table or a call of the data's table.
#[derive(Debug, Clone)]
struct Replacement {
    /// The variable it defines (the entry's own, or its data's table).
    name: String,
    /// Its subscripts: the entry's own (None), or one element tuple.
    subs: Option<Vec<String>>,
    form: Form,
    /// A data table held as a staircase (HOLD BACKWARD, LOOK FORWARD).
    step: bool,
    /// Where its text is in the text with the data.
    rhs: Range<usize>,
}

/// An entry's left-hand side and what follows it.
#[derive(Debug, Clone)]
struct Def {
    entry: Entry,
    name: String,
    name_at: Range<usize>,
    /// Subscripts written on the left (`x[a, b]`), with their ranges.
    subs: Vec<(String, Range<usize>)>,
    /// `:EXCEPT: [a, b], [c, d]`: the subscript lists left out of `subs`.
    except: Vec<Vec<(String, Range<usize>)>>,
    form: Form,
    /// The right-hand side (after `=`, or the table inside `name(...)`).
    rhs: Range<usize>,
    /// A data variable (`:=`, or a keyword `:INTERPOLATE:`, `:HOLD BACKWARD:`, `:LOOK
    /// FORWARD:`, `:RAW:`): how its values are interpolated.
    data: Option<external::Fill>,
    /// A lookup that is a data variable's table held as a staircase (see [`Replacement`]).
    step: bool,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Form {
    Equation,
    Lookup,
    Subscripts,
    /// `b <-> a`: `b` has the elements of `a`.
    Equivalence,
    /// No equation (`name :INTERPOLATE: ~ ~ |`): a data variable whose values come from the
    /// data set the run loads (see [`run_data_sets`]).
    Data,
}

struct Reader<'a> {
    path: &'a Path,
    text: &'a str,
    sources: SourceMap,
    file: pressure_model::FileId,
    errors: Vec<Diagnostic>,
    names: Names,
    /// IR names of the dimensions.
    dim_ids: HashSet<String>,
    /// Subrange -> its parent dimension (IR names).
    dim_parent: HashMap<String, String>,
    /// Element -> the first full dimension that lists it (IR names).
    element_dim: HashMap<String, String>,
    /// Dimension -> its elements (IR names).
    dim_elements: HashMap<String, Vec<String>>,
    /// Copies of ranges a variable needs twice (see [`Reader::dims_of`]).
    copies: Vec<SourceDimension>,
    /// Subscript mappings `a: ... -> b` as (a, b), IR names: element i of one stands for
    /// element i of the other.
    dim_map: Vec<(String, String)>,
    /// Control settings written as expressions (key, right-hand side), evaluated at the
    /// initial time like Vensim does.
    pending_settings: Vec<(String, Range<usize>)>,
    /// Findings that do not stop the import (a run setting that changes during the run).
    warnings: Vec<Diagnostic>,
    /// The macros and their calls (see [`macros`]).
    macros: &'a HashSet<String>,
    macro_calls: &'a HashMap<String, String>,
    /// Entries replaced by the data they read from files, by the start of the entry.
    replacements: HashMap<usize, Vec<Replacement>>,
    /// The subscripted variables whose every entry is numbers: value by element tuple (IR
    /// names), by key (what INVERT MATRIX reads).
    arrays: HashMap<String, HashMap<Vec<String>, f64>>,
}

/// Where an entry expanded by [`allocate::expand`] or [`vector::expand`] goes: its written
/// entries replace the entry at `at` in `out`; an error (a byte range within the right-hand
/// side at `rhs`, and a message) goes to `failed`, located in the file.
fn push_expansion(
    result: Result<Vec<allocate::Written>, (std::ops::Range<usize>, String)>,
    at: usize,
    rhs: &std::ops::Range<usize>,
    out: &mut Vec<(usize, Vec<(Replacement, String)>)>,
    failed: &mut Vec<(std::ops::Range<usize>, String)>,
) {
    match result {
        Ok(list) => out.push((
            at,
            list.into_iter()
                .map(|w| {
                    let r = Replacement {
                        name: w.name,
                        subs: w.subs,
                        form: Form::Equation,
                        step: false,
                        rhs: 0..0,
                    };
                    (r, w.rhs)
                })
                .collect(),
        )),
        Err((e, msg)) => {
            failed.push((rhs.start + e.start..rhs.start + e.end.max(e.start + 1), msg))
        }
    }
}

impl<'a> Reader<'a> {
    fn new(
        path: &'a Path,
        expansion: &'a macros::Expansion,
        replacements: HashMap<usize, Vec<Replacement>>,
    ) -> Self {
        let text = expansion.text.as_str();
        let mut sources = SourceMap::new();
        let file = sources.add(path, text);
        Reader {
            path,
            text,
            sources,
            file,
            errors: Vec::new(),
            names: Names::default(),
            dim_ids: HashSet::new(),
            dim_parent: HashMap::new(),
            element_dim: HashMap::new(),
            dim_elements: HashMap::new(),
            copies: Vec::new(),
            dim_map: Vec::new(),
            pending_settings: Vec::new(),
            warnings: Vec::new(),
            macros: &expansion.macros,
            macro_calls: &expansion.calls,
            replacements,
            arrays: HashMap::new(),
        }
    }

    fn err(&mut self, at: Range<usize>, msg: impl Into<String>) {
        let span = pressure_model::Span::new(self.file, at.start, at.end);
        self.errors
            .push(Diagnostic::error(msg).at(&self.sources, span));
    }

    /// The model and the warnings found reading it.
    fn read(mut self) -> Result<(SourceModel, Vec<Diagnostic>), ModelError> {
        let (entries, unterminated) = entries::split(self.text);
        if let Some(at) = unterminated {
            self.err(at..at + 1, "this entry is not terminated with '|'");
        }
        let mut defs = Vec::new();
        for e in entries {
            if let Some(d) = self.parse_lhs(e) {
                match self.replacements.get(&d.entry.equation.start) {
                    Some(list) => {
                        for r in list {
                            let subs = match &r.subs {
                                None => d.subs.clone(),
                                Some(t) => {
                                    t.iter().map(|e| (e.clone(), d.name_at.clone())).collect()
                                }
                            };
                            defs.push(Def {
                                name: r.name.clone(),
                                subs,
                                except: if r.subs.is_none() {
                                    d.except.clone()
                                } else {
                                    vec![]
                                },
                                form: r.form,
                                rhs: r.rhs.clone(),
                                data: None,
                                step: r.step,
                                ..d.clone()
                            });
                        }
                    }
                    // The plan reads every data variable with no equation or fails.
                    None if d.form == Form::Data => self.err(
                        d.name_at.clone(),
                        format!("'{}' has no equation", d.name.trim()),
                    ),
                    None => defs.push(d),
                }
            }
        }
        let dimensions = self.dimensions(&defs);
        // Variables (not the control settings) get names in file order.
        let mut order: Vec<String> = Vec::new();
        let mut groups: HashMap<String, Vec<Def>> = HashMap::new();
        for d in defs
            .into_iter()
            .filter(|d| !matches!(d.form, Form::Subscripts | Form::Equivalence))
        {
            let k = key(&d.name);
            if !groups.contains_key(&k) {
                order.push(k.clone());
                if register(&k).is_none() || k == "time" {
                    self.names.intern(&d.name);
                }
            }
            groups.entry(k).or_default().push(d);
        }
        let mut settings = self.settings(&groups);
        let mut lookups: HashSet<String> = order
            .iter()
            .filter(|k| groups[*k].iter().all(|d| d.form == Form::Lookup))
            .cloned()
            .collect();
        // WITH LOOKUP makes a table of its own, named after its variable.
        let mut with_lookup: HashMap<String, String> = HashMap::new();
        for k in &order {
            let d = &groups[k][0];
            if d.form == Form::Equation
                && call_args(&self.text[d.rhs.clone()], "with_lookup").is_some()
            {
                let base = format!("{}_table", self.names.get(&d.name).unwrap_or("x"));
                let id = self.names.fresh(&base);
                lookups.insert(key(&id));
                with_lookup.insert(k.clone(), id);
            }
        }
        for id in with_lookup.values() {
            // Register the synthesized name under its own key so calls resolve.
            self.names.alias(id);
        }
        let flows = self.flow_plan(&order, &groups);
        let names = std::mem::take(&mut self.names);
        // Range sizes (ELMCOUNT) and plain scalar constants (orders of SMOOTH N / DELAY N).
        let sizes: HashMap<String, usize> = self
            .dim_elements
            .iter()
            .map(|(d, e)| (key(d), e.len()))
            .collect();
        let mut element_values: HashMap<String, f64> = HashMap::new();
        for dim in dimensions.iter().filter(|d| d.subrange_of.is_none()) {
            for (i, e) in dim.elements.iter().enumerate() {
                let k = key(&e.value);
                if !groups.contains_key(&k) && !sizes.contains_key(&k) {
                    element_values.entry(k).or_insert((i + 1) as f64);
                }
            }
        }
        let mapped: HashSet<String> = self
            .dim_map
            .iter()
            .flat_map(|(a, b)| [key(a), key(b)])
            .collect();
        let (constants, pending, changing) = self.initial_values(
            &order,
            &groups,
            &settings,
            Scope {
                names: &names,
                lookups: &lookups,
                sizes: &sizes,
                constants: &HashMap::new(),
                dim_values: None,
                element_values: &element_values,
                macros: self.macros,
                macro_calls: self.macro_calls,
                mapped: &mapped,
                sub_values: None,
                time_step: None,
                array_min: &HashMap::new(),
            },
        );
        for (((k, at), v), changes) in std::mem::take(&mut self.pending_settings)
            .into_iter()
            .zip(pending)
            .zip(changing)
        {
            let Some(v) = v else {
                let name = register(&k).unwrap_or("setting").replace('_', " ");
                self.err(
                    at,
                    if k == "initial_time" && changes {
                        "'INITIAL TIME' depends on Time, which has no value before the run \
                         starts: write it as a number or an expression of constants"
                            .to_string()
                    } else {
                        format!(
                            "'{name}' must be a number, or an expression of constants, TIME and \
                             the run settings before it that can be computed at the initial time"
                        )
                    },
                );
                continue;
            };
            if changes && k != "initial_time" {
                // Vensim reads TIME STEP, SAVEPER and FINAL TIME as the run goes (the suite's
                // control_vars and dynamic_final_time); Pressure's run settings are fixed.
                let name = register(&k).unwrap_or("setting").replace('_', " ");
                let span = pressure_model::Span::new(self.file, at.start, at.end);
                self.warnings.push(
                    Diagnostic::warning(format!(
                        "'{name}' depends on Time: Vensim reads it as the run goes, so it may \
                         change during the run; Pressure's run settings are fixed, and it is \
                         its value at the initial time, {v}"
                    ))
                    .at(&self.sources, span),
                );
            }
            let located = Some(Located::new(v, at));
            match k.as_str() {
                "initial_time" => settings.start = located,
                "final_time" => settings.stop = located,
                "time_step" => settings.dt = located,
                _ => settings.save_every = located,
            }
        }
        self.arrays = self.number_arrays(&order, &groups, &names);
        let array_min: HashMap<String, f64> = self
            .arrays
            .iter()
            .filter_map(|(k, v)| v.values().copied().reduce(f64::min).map(|m| (k.clone(), m)))
            .collect();
        let scope = Scope {
            names: &names,
            lookups: &lookups,
            sizes: &sizes,
            constants: &constants,
            dim_values: None,
            element_values: &element_values,
            macros: self.macros,
            macro_calls: self.macro_calls,
            mapped: &mapped,
            sub_values: None,
            time_step: settings.dt.as_ref().map(|d| d.value),
            array_min: &array_min,
        };
        let mut variables = Vec::new();
        for k in &order {
            if register(k).is_some() {
                continue;
            }
            let group = &groups[k];
            if let Some(v) = self.variable(&scope, group, &with_lookup, &flows, &mut variables) {
                variables.push(v);
            }
        }
        if !self.errors.is_empty() {
            return Err(ModelError::new(self.errors));
        }
        let mut dimensions = dimensions;
        dimensions.append(&mut self.copies);
        let model = SourceModel {
            path: self.path.to_path_buf(),
            text: self.text.to_string(),
            name: None,
            doc: None,
            settings,
            dimensions,
            variables,
        };
        Ok((model, self.warnings))
    }

    /// The entries that call GET XLS/DIRECT DATA, CONSTANTS or LOOKUPS, by the start of the
    /// entry, each with the entries that replace it and their text (see [`read_str`]): the
    /// constants as a list of numbers; the lookups as one table per element; a data variable
    /// as a call of its table at the time, `"<name> data"[subscripts](Time)`, and that
    /// table, one per element (LOOK FORWARD written as a staircase whose steps are moved
    /// just after the previous point: 1e-9 of the time, at least 1e-9, or half the gap).
    /// An error names the entry (file, line, column) and the data file, sheet and cell.
    #[allow(clippy::type_complexity)]
    fn external_plan(mut self) -> Result<Vec<(usize, Vec<(Replacement, String)>)>, ModelError> {
        let (entries, _) = entries::split(self.text);
        let mut calls = Vec::new();
        let mut allocations = Vec::new();
        let mut vectors = Vec::new();
        let mut run_data = Vec::new();
        let mut defs = Vec::new();
        for e in entries {
            if let Some(d) = self.parse_lhs(e) {
                if d.form == Form::Data {
                    run_data.push(defs.len());
                } else if let Some(c) = external::call(&self.text[d.rhs.clone()]) {
                    calls.push((defs.len(), c));
                } else if d.form == Form::Equation {
                    if let Some(c) = allocate::call(&self.text[d.rhs.clone()]) {
                        allocations.push((defs.len(), c));
                    } else if let Some(c) = vector::call(&self.text[d.rhs.clone()]) {
                        vectors.push((defs.len(), c));
                    }
                }
                defs.push(d);
            }
        }
        // Errors other than the calls' are the second reading's to report.
        self.errors.clear();
        if calls.is_empty() && allocations.is_empty() && vectors.is_empty() && run_data.is_empty() {
            return Ok(Vec::new());
        }
        self.dimensions(&defs);
        self.errors.clear();
        let dir = self.path.parent().unwrap_or(Path::new("."));
        let mut files = external::Files::new(dir);
        let mut taken: HashSet<String> = defs.iter().map(|d| key(&d.name)).collect();
        let mut tables: HashMap<String, String> = HashMap::new();
        let mut out = Vec::new();
        for (i, c) in calls {
            let d = &defs[i];
            let c = match c {
                Ok(c) => c,
                Err((off, msg)) => {
                    let a = d.rhs.start + off;
                    self.err(a..a + 1, msg);
                    continue;
                }
            };
            let counts: Vec<usize> = d
                .subs
                .iter()
                .map(|(s, _)| self.elements_of(&self.names, s).len())
                .collect();
            let tuples = self.tuples(&self.names, d);
            let result: Result<Vec<(Replacement, String)>, String> = if !d.except.is_empty() {
                Err("GET XLS/DIRECT in an entry with :EXCEPT: is not supported".into())
            } else {
                match (c.get, d.form) {
                    // Read with the ranges (see `Reader::dimensions`).
                    (external::Get::Subscript, Form::Subscripts) => continue,
                    (external::Get::Subscript, _) => Err(
                        "GET ... SUBSCRIPT gives the elements of a subscript range: write \
                         'range: GET ... SUBSCRIPT(...)'"
                            .into(),
                    ),
                    (external::Get::Constants, Form::Lookup) => Err(
                        "GET ... CONSTANTS gives numbers, not a lookup table: write \
                         'name = GET ... CONSTANTS(...)'"
                            .into(),
                    ),
                    (external::Get::Data, Form::Lookup) => Err(
                        "GET ... DATA gives a data variable, not a lookup table: write \
                         'name := GET ... DATA(...)'"
                            .into(),
                    ),
                    (external::Get::Constants, _) => files.constants(&c.args, &counts).map(|v| {
                        let text = v
                            .iter()
                            .map(|x| format!("{x:?}"))
                            .collect::<Vec<_>>()
                            .join(", ");
                        vec![(plain(d, Form::Equation, false, None), text)]
                    }),
                    (external::Get::Lookups, _) => files
                        .series(&c.args, tuples.len(), external::Fill::Linear)
                        .map(|(x, ys)| {
                            tuples
                                .iter()
                                .zip(&ys)
                                .map(|(t, y)| {
                                    (
                                        plain(d, Form::Lookup, false, per_tuple(d, t)),
                                        points(&x, y),
                                    )
                                })
                                .collect()
                        }),
                    (external::Get::Data, _) => {
                        let fill = d.data.unwrap_or(external::Fill::Linear);
                        files.series(&c.args, tuples.len(), fill).map(|(x, ys)| {
                            data_entries(d, fill, x, &ys, &tuples, &mut tables, &mut taken)
                        })
                    }
                }
            };
            match result {
                Ok(list) => out.push((d.entry.equation.start, list)),
                Err(msg) => self.err(d.rhs.clone(), format!("'{}': {msg}", d.name.trim())),
            }
        }
        // Data variables with no equation: their columns of the run's data set.
        if !run_data.is_empty() {
            let sets = run_data_sets(self.text, dir);
            for i in run_data {
                let d = &defs[i];
                let fill = d.data.unwrap_or(external::Fill::Linear);
                let tuples = self.tuples(&self.names, d);
                let series = if !d.except.is_empty() {
                    Err(
                        "a data variable with no equation in an entry with :EXCEPT: is not \
                         supported"
                            .to_string(),
                    )
                } else {
                    run_data_series(&mut files, &sets, &d.name, &tuples, fill)
                };
                match series {
                    Ok((x, ys)) => out.push((
                        d.entry.equation.start,
                        data_entries(d, fill, x, &ys, &tuples, &mut tables, &mut taken),
                    )),
                    Err(msg) => self.err(
                        d.name_at.clone(),
                        format!(
                            "'{}' has no equation: a data variable whose values come from \
                             the data set Vensim loads for the run; {msg}",
                            d.name.trim()
                        ),
                    ),
                }
            }
        }
        // ALLOCATE BY PRIORITY / AVAILABLE: the entry and its bisection's hidden auxiliaries
        // (see [`allocate`]).
        let mut failed = Vec::new();
        for (i, c) in allocations {
            let d = &defs[i];
            let rhs = &self.text[d.rhs.clone()];
            if !d.except.is_empty() {
                failed.push((
                    d.rhs.clone(),
                    "ALLOCATE in an entry with :EXCEPT: is not supported".to_string(),
                ));
                continue;
            }
            let lhs: Vec<String> = d.subs.iter().map(|(s, _)| s.clone()).collect();
            let ranges = ProfileRanges(&self);
            push_expansion(
                allocate::expand(&d.name, &lhs, rhs, &c, &ranges),
                d.entry.equation.start,
                &d.rhs,
                &mut out,
                &mut failed,
            );
        }
        // VECTOR RANK / SORT ORDER / REORDER: the entry and its hidden auxiliaries (see
        // [`vector`]).
        for (i, c) in vectors {
            let d = &defs[i];
            let rhs = &self.text[d.rhs.clone()];
            if !d.except.is_empty() {
                failed.push((
                    d.rhs.clone(),
                    "VECTOR RANK/SORT ORDER/REORDER in an entry with :EXCEPT: is not supported"
                        .to_string(),
                ));
                continue;
            }
            let lhs: Vec<String> = d.subs.iter().map(|(s, _)| s.clone()).collect();
            push_expansion(
                vector::expand(&d.name, &lhs, rhs, &c),
                d.entry.equation.start,
                &d.rhs,
                &mut out,
                &mut failed,
            );
        }
        for (at, msg) in failed {
            self.err(at, msg);
        }
        if !self.errors.is_empty() {
            return Err(ModelError::new(self.errors));
        }
        Ok(out)
    }

    /// The values at the initial time of the scalar equations that can be computed then
    /// (see [`initial`]), by key: what SMOOTH N and DELAY N read as their order; and the
    /// values of the control settings written as expressions ([`Reader::pending_settings`],
    /// in order; the initial time itself only when it needs no time).
    fn initial_values(
        &self,
        order: &[String],
        groups: &HashMap<String, Vec<Def>>,
        settings: &SourceSettings,
        scope: Scope<'_>,
    ) -> (HashMap<String, f64>, Vec<Option<f64>>, Vec<bool>) {
        let mut equations = HashMap::new();
        let mut ids = Vec::new();
        for k in order {
            let g = &groups[k];
            let d = &g[0];
            if g.len() != 1 || d.form != Form::Equation || !d.subs.is_empty() {
                continue;
            }
            let (Some(id), Ok(t)) = (
                scope.names.get(&d.name),
                translate(&self.text[d.rhs.clone()], &scope),
            ) else {
                continue;
            };
            equations.insert(id.to_string(), t.text);
            ids.push((k.clone(), id.to_string()));
        }
        let value = |s: &Option<Located<f64>>| s.as_ref().map(|l| l.value);
        let mut regs = HashMap::new();
        for (name, v) in [
            ("FINAL_TIME", value(&settings.stop)),
            ("TIME_STEP", value(&settings.dt)),
            ("SAVEPER", value(&settings.save_every)),
        ] {
            if let Some(v) = v {
                regs.insert(name, v);
            }
        }
        // Settings as expressions, under names no variable has.
        for (k, at) in &self.pending_settings {
            if let Ok(t) = translate(&self.text[at.clone()], &scope) {
                equations.insert(format!("${k}"), t.text);
            }
        }
        let start = match value(&settings.start) {
            Some(t0) => t0,
            None => {
                // The initial time as an expression: it may not use TIME (NaN propagates).
                let none = HashMap::new();
                let mut e = initial::Initial::new(&equations, f64::NAN, &none);
                e.value("$initial_time")
                    .filter(|v| v.is_finite())
                    .unwrap_or(0.0)
            }
        };
        // In file order of the control section (INITIAL TIME, FINAL TIME, TIME STEP,
        // SAVEPER), each value known to the ones after it (`SAVEPER = TIME STEP`).
        let mut pending = Vec::new();
        let mut changing = Vec::new();
        for (k, _) in &self.pending_settings {
            if k == "initial_time" && value(&settings.start).is_none() {
                let none = HashMap::new();
                let mut e = initial::Initial::new(&equations, f64::NAN, &none);
                // TIME has no value before the run starts (a comparison with NaN would pick
                // a branch): an initial time that reads it is refused.
                let uses = e.uses_time("$initial_time");
                pending.push(e.value("$initial_time").filter(|v| v.is_finite() && !uses));
                changing.push(uses);
                continue;
            }
            let mut e = initial::Initial::new(&equations, start, &regs);
            let v = e.value(&format!("${k}"));
            changing.push(e.uses_time(&format!("${k}")));
            if let (Some(v), Some(r)) = (v, register(k)) {
                regs.insert(r, v);
            }
            pending.push(v);
        }
        let mut eval = initial::Initial::new(&equations, start, &regs);
        let values = ids
            .into_iter()
            .filter_map(|(k, id)| eval.value(&id).map(|v| (k, v)))
            .collect();
        (values, pending, changing)
    }

    /// Splits an entry's equation part into its left-hand side and form.
    fn parse_lhs(&mut self, e: Entry) -> Option<Def> {
        let eq = &self.text[e.equation.clone()];
        // Leading whitespace and `{comments}` (`{UTF-8}` opens a file).
        let mut lead = 0;
        loop {
            let rest = &eq[lead..];
            let t = rest.trim_start();
            lead += rest.len() - t.len();
            match t.strip_prefix('{').and_then(|t| t.find('}')) {
                Some(close) => lead += close + 2,
                None => break,
            }
        }
        // (A `\\` before `~` continues nothing.)
        let body = eq[lead..].trim_end_matches(|c: char| c.is_whitespace() || c == '\\');
        if body.is_empty() || body.starts_with('*') {
            return None; // empty, or a group header `****...`
        }
        let start = e.equation.start + lead;
        let n = expr::name_len(body);
        if n == 0 {
            self.err(start..start + 1, "expected a variable name");
            return None;
        }
        let name = body[..n].to_string();
        let name_at = start..start + n;
        let mut i = n;
        // Whitespace, including `\` line continuations (a long name may end with one).
        let skip = |i: usize| i + expr::space_len(&body[i..]);
        i = skip(i);
        let (subs, after) = subscript_list(body, i, start);
        i = skip(after);
        let mut except = Vec::new();
        if body[i..].to_ascii_uppercase().starts_with(":EXCEPT:") {
            i = skip(i + 8);
            while body[i..].starts_with('[') {
                let (list, after) = subscript_list(body, i, start);
                except.push(list);
                i = skip(after);
                if body[i..].starts_with(',') {
                    i = skip(i + 1);
                }
            }
            if except.is_empty() {
                self.err(start + i..start + i + 1, "expected '[' after :EXCEPT:");
                return None;
            }
        }
        // A data variable's interpolation keyword.
        let mut data = None;
        let upper: String = body[i..]
            .chars()
            .take(24)
            .collect::<String>()
            .to_ascii_uppercase();
        for (kw, fill) in [
            (":INTERPOLATE:", Some(external::Fill::Linear)),
            (":HOLD BACKWARD:", Some(external::Fill::HoldBackward)),
            (":LOOK FORWARD:", Some(external::Fill::LookForward)),
            (":RAW:", Some(external::Fill::Raw)),
        ] {
            if upper.starts_with(kw) {
                data = fill;
                i = skip(i + kw.len());
                break;
            }
        }
        let rest = &body[i..];
        if rest.starts_with(":=") && data.is_none() {
            data = Some(external::Fill::Linear);
        }
        let (form, skip_op) = if rest.starts_with(":=") || rest.starts_with("==") {
            (Form::Equation, 2)
        } else if rest.starts_with('=') {
            (Form::Equation, 1)
        } else if rest.starts_with('(') {
            (Form::Lookup, 0)
        } else if rest.starts_with("<->") {
            (Form::Equivalence, 3)
        } else if rest.starts_with(':') {
            (Form::Subscripts, 1)
        } else if rest.is_empty() {
            // Read from the run's data set (see `external_plan`).
            if data.is_none() {
                data = Some(external::Fill::Linear);
            }
            (Form::Data, 0)
        } else {
            self.err(
                start + i..start + i + 1,
                format!("expected '=' after '{}'", name.trim()),
            );
            return None;
        };
        let mut rhs = start + i + skip_op..e.equation.start + lead + body.len();
        if form == Form::Lookup {
            // name( table ): the table is inside the outer parentheses.
            let t = &self.text[rhs.clone()];
            match (t.find('('), t.rfind(')')) {
                (Some(a), Some(b)) if b > a => rhs = rhs.start + a + 1..rhs.start + b,
                _ => {
                    self.err(rhs, "a lookup table must be enclosed in parentheses");
                    return None;
                }
            }
        }
        Some(Def {
            entry: e,
            name,
            name_at,
            subs,
            except,
            form,
            rhs,
            data,
            step: false,
        })
    }

    /// Subscript ranges (`dim: a, b, c`, `dim: (a1-a3)`, `dim: other, d`) and equivalences
    /// (`b <-> a`, a copy of `a`), in any order in the file. A range whose elements all
    /// belong to another range is a subrange of it; of ranges with the same elements, the
    /// first in the file is the full one.
    fn dimensions(&mut self, defs: &[Def]) -> Vec<SourceDimension> {
        // Pass 1: each range's written items, a named item maybe another range.
        let mut mappings: Vec<(String, String)> = Vec::new();
        let mut raw: Vec<(&Def, Vec<Located<String>>)> = Vec::new();
        let mut index_of: HashMap<String, usize> = HashMap::new();
        let mut files: Option<external::Files> = None;
        for d in defs
            .iter()
            .filter(|d| matches!(d.form, Form::Subscripts | Form::Equivalence))
        {
            let mut text = &self.text[d.rhs.clone()];
            // Elements named in a spreadsheet: GET XLS/DIRECT SUBSCRIPT.
            if let Some(Ok(c)) = external::call(text) {
                if c.get == external::Get::Subscript {
                    let dir = self.path.parent().unwrap_or(Path::new("."));
                    let f = files.get_or_insert_with(|| external::Files::new(dir));
                    match f.subscript(&c.args) {
                        Ok(list) if !index_of.contains_key(&key(&d.name)) => {
                            let items = list
                                .into_iter()
                                .map(|e| Located::new(e, d.rhs.clone()))
                                .collect();
                            index_of.insert(key(&d.name), raw.len());
                            raw.push((d, items));
                        }
                        Ok(_) => {}
                        Err(msg) => self.err(d.rhs.clone(), format!("'{}': {msg}", d.name.trim())),
                    }
                    continue;
                }
            }
            if let Some(arrow) = text.find("->") {
                // A positional mapping to another range (`-> (b: ...)` lists are not read).
                let target =
                    text[arrow + 2..].trim_matches(|c: char| c.is_whitespace() || c == '\\');
                if !target.is_empty() && !target.contains(['(', ',']) {
                    mappings.push((d.name.clone(), target.to_string()));
                }
                text = &text[..arrow];
            }
            let mut items = Vec::new();
            for r in split_top(text, b',') {
                let s = text[r.clone()].trim_matches(|c: char| c.is_whitespace() || c == '\\');
                let at = d.rhs.start + r.start..d.rhs.start + r.end;
                if s.is_empty() {
                    continue;
                }
                if let Some(inner) = s.strip_prefix('(').and_then(|s| s.strip_suffix(')')) {
                    // (a1-a10): a numbered sequence.
                    match numbered(inner) {
                        Some(list) => {
                            items.extend(list.into_iter().map(|e| Located::new(e, at.clone())))
                        }
                        None => self.err(at, format!("cannot read the subscript sequence '{s}'")),
                    }
                } else {
                    items.push(Located::new(s.to_string(), at));
                }
            }
            if index_of.contains_key(&key(&d.name)) {
                continue; // the same range written twice: the first counts
            }
            index_of.insert(key(&d.name), raw.len());
            raw.push((d, items));
        }
        // Pass 2: items naming another range stand for its elements.
        fn expand(
            raw: &[(&Def, Vec<Located<String>>)],
            index_of: &HashMap<String, usize>,
            r: usize,
            depth: u32,
            out: &mut Vec<Located<String>>,
        ) {
            for item in &raw[r].1 {
                match index_of.get(&key(&item.value)) {
                    Some(&o) if o != r && depth < 8 => {
                        let before = out.len();
                        expand(raw, index_of, o, depth + 1, out);
                        for e in &mut out[before..] {
                            e.at = item.at.clone();
                        }
                    }
                    _ => out.push(item.clone()),
                }
            }
        }
        let mut dims: Vec<(String, Range<usize>, Vec<Located<String>>)> = Vec::new();
        for r in 0..raw.len() {
            let mut written = Vec::new();
            expand(&raw, &index_of, r, 0, &mut written);
            let name = self.names.intern(&raw[r].0.name);
            let mut elements: Vec<Located<String>> = Vec::new();
            for e in written {
                let id = self.names.intern(&e.value);
                if !elements.iter().any(|x| x.value == id) {
                    elements.push(Located::new(id, e.at));
                }
            }
            dims.push((name, raw[r].0.name_at.clone(), elements));
        }
        // Pass 3: parents. A range is full unless another range holds all its elements and
        // more, or the same elements and comes first.
        let sets: Vec<HashSet<&String>> = dims
            .iter()
            .map(|(_, _, e)| e.iter().map(|x| &x.value).collect())
            .collect();
        let contains = |p: usize, c: usize| {
            p != c && sets[c].is_subset(&sets[p]) && (sets[c].len() < sets[p].len() || p < c)
        };
        let full: Vec<bool> = (0..dims.len())
            .map(|c| !(0..dims.len()).any(|p| contains(p, c)))
            .collect();
        let mut out = Vec::new();
        for (c, (name, at, elements)) in dims.iter().enumerate() {
            let parent = (!full[c])
                .then(|| (0..dims.len()).find(|&p| full[p] && contains(p, c)))
                .flatten();
            self.dim_ids.insert(name.clone());
            self.dim_elements.insert(
                name.clone(),
                elements.iter().map(|e| e.value.clone()).collect(),
            );
            match parent {
                Some(p) => {
                    self.dim_parent.insert(name.clone(), dims[p].0.clone());
                }
                None => {
                    for e in elements {
                        self.element_dim
                            .entry(e.value.clone())
                            .or_insert(name.clone());
                    }
                }
            }
            out.push(SourceDimension {
                name: Located::new(name.clone(), at.clone()),
                elements: elements.clone(),
                subrange_of: parent.map(|p| Located::new(dims[p].0.clone(), at.clone())),
            });
        }
        for (a, b) in mappings {
            if let (Some(a), Some(b)) = (self.names.get(&a), self.names.get(&b)) {
                if self.dim_ids.contains(a) && self.dim_ids.contains(b) {
                    self.dim_map.push((a.to_string(), b.to_string()));
                }
            }
        }
        out
    }

    /// The control section: INITIAL TIME, FINAL TIME, TIME STEP, SAVEPER.
    fn settings(&mut self, groups: &HashMap<String, Vec<Def>>) -> SourceSettings {
        let mut s = SourceSettings::default();
        let value_of = |this: &mut Self, k: &str, depth: u32| -> Option<Located<f64>> {
            fn eval(
                this: &mut Reader<'_>,
                groups: &HashMap<String, Vec<Def>>,
                k: &str,
                depth: u32,
            ) -> Option<Located<f64>> {
                let d = groups.get(k)?.first()?;
                let t = &this.text[d.rhs.clone()];
                if let Some(x) = number(t) {
                    return Some(Located::new(x, d.rhs.clone()));
                }
                let other = key(t);
                if depth < 4 && groups.contains_key(&other) {
                    if let Some(v) = eval(this, groups, &other, depth + 1) {
                        return Some(Located::new(v.value, d.rhs.clone()));
                    }
                }
                // An expression, or the name of a variable whose equation is one: evaluated at
                // the initial time once the equations are read (see
                // `Reader::initial_values`).
                if depth == 0 {
                    this.pending_settings.push((k.to_string(), d.rhs.clone()));
                }
                None
            }
            eval(this, groups, k, depth)
        };
        s.start = value_of(self, "initial_time", 0);
        s.stop = value_of(self, "final_time", 0);
        s.dt = value_of(self, "time_step", 0);
        s.save_every = value_of(self, "saveper", 0);
        if let Some(d) = groups.get("time_step").and_then(|g| g.first()) {
            if let Some(u) = &d.entry.units {
                let (units, _) = split_units(&self.text[u.clone()]);
                s.time_units = units.filter(|u| !u.is_empty());
            }
        }
        s
    }

    /// Which variables become the flows of which stocks (keys), and which stocks need a
    /// synthesized net flow.
    fn flow_plan(&self, order: &[String], groups: &HashMap<String, Vec<Def>>) -> FlowPlan {
        let mut plan = FlowPlan::default();
        // (stock key, [(term key, inflow?)]) for rates that are sums of plain names.
        let mut candidates: Vec<(String, Vec<(String, bool)>)> = Vec::new();
        let mut uses: HashMap<String, (usize, usize)> = HashMap::new();
        for k in order {
            let g = &groups[k];
            if g.len() != 1 || g[0].form != Form::Equation {
                continue;
            }
            let d = &g[0];
            let rhs = &self.text[d.rhs.clone()];
            let Some(args) = call_args(rhs, "integ") else {
                continue;
            };
            let rate = &rhs[args.clone()];
            let parts = split_top(rate, b',');
            let terms = parts.first().and_then(|r| signed_names(&rate[r.clone()]));
            match terms {
                Some(t) if !t.is_empty() => {
                    for (n, inflow) in &t {
                        let u = uses.entry(n.clone()).or_default();
                        if *inflow {
                            u.0 += 1
                        } else {
                            u.1 += 1
                        }
                    }
                    candidates.push((k.clone(), t));
                }
                _ => {}
            }
        }
        'stock: for (stock, terms) in candidates {
            for (n, _) in &terms {
                let ok = groups.get(n).is_some_and(|g| {
                    g.len() == 1
                        && g[0].form == Form::Equation
                        && g[0].subs.is_empty()
                        && groups[&stock][0].subs.is_empty()
                        && number(&self.text[g[0].rhs.clone()]).is_none()
                        && call_args(&self.text[g[0].rhs.clone()], "integ").is_none()
                        && call_args(&self.text[g[0].rhs.clone()], "with_lookup").is_none()
                }) && uses[n].0 <= 1
                    && uses[n].1 <= 1;
                if !ok {
                    continue 'stock;
                }
            }
            for (n, _) in &terms {
                plan.flows.insert(n.clone());
            }
            plan.direct.insert(stock, terms);
        }
        plan
    }

    /// One variable (all its entries).
    fn variable(
        &mut self,
        scope: &Scope<'_>,
        group: &[Def],
        with_lookup: &HashMap<String, String>,
        plan: &FlowPlan,
        extra: &mut Vec<SourceVariable>,
    ) -> Option<SourceVariable> {
        let names = scope.names;
        let d0 = &group[0];
        let k = key(&d0.name);
        let id = names.get(&d0.name)?.to_string();
        let name = Located::new(id.clone(), d0.name_at.clone());
        let (units, range, doc) = self.meta(group);
        let dims = self.dims_of(names, group);
        let scope_names = names;
        let result = (|| {
            let kind = if group.iter().all(|d| d.form == Form::Lookup) {
                let mut tables = Vec::new();
                for d in group {
                    let mut t = self.table(&self.text[d.rhs.clone()], d.rhs.clone())?;
                    if d.step {
                        t.interpolation = Interpolation::Step;
                    }
                    tables.push((d, t));
                }
                if group.len() == 1 && d0.subs.is_empty() {
                    SourceKind::Lookup {
                        default: Some(tables.pop()?.1),
                        per_element: vec![],
                    }
                } else {
                    let mut per_element: Vec<(Located<String>, SourceTable)> = tables
                        .into_iter()
                        .map(|(d, t)| (self.element_key(scope_names, d), t))
                        .collect();
                    // Elements no entry defines get a table of 0 (as equations' elements do).
                    let at = d0.name_at.clone();
                    for t in self.undefined(scope_names, group, &dims) {
                        per_element.push((
                            Located::new(t.join(","), at.clone()),
                            SourceTable {
                                x: vec![0.0, 1.0],
                                y: vec![0.0, 0.0],
                                interpolation: Interpolation::Linear,
                                extrapolation: Extrapolation::Clamp,
                                at: at.clone(),
                            },
                        ));
                    }
                    SourceKind::Lookup {
                        default: None,
                        per_element,
                    }
                }
            } else if group.iter().any(|d| d.form != Form::Equation) {
                self.err(
                    d0.name_at.clone(),
                    format!(
                        "'{}' is defined both as a lookup and as an equation",
                        d0.name.trim()
                    ),
                );
                return None;
            } else if call_args(&self.text[d0.rhs.clone()], "integ").is_some() {
                // (entry, rate, initial) of every entry.
                let mut parts = Vec::new();
                for d in group {
                    let Some(args) = call_args(&self.text[d.rhs.clone()], "integ") else {
                        self.err(
                            d.rhs.clone(),
                            format!(
                                "'{}' is a stock (INTEG) in another entry; every entry must be one",
                                d.name.trim()
                            ),
                        );
                        return None;
                    };
                    let a = d.rhs.start + args.start..d.rhs.start + args.end;
                    let p = split_top(&self.text[a.clone()], b',');
                    if p.len() != 2 {
                        self.err(
                            a,
                            "INTEG takes two arguments: the rate and the initial value",
                        );
                        return None;
                    }
                    let rate = a.start + p[0].start..a.start + p[0].end;
                    let init = a.start + p[1].start..a.start + p[1].end;
                    parts.push((d, rate, init));
                }
                let (_, rate0, init0) = parts[0].clone();
                if group.len() == 1 && d0.except.is_empty() {
                    let rate = rate0;
                    let initial = SourceEquations::Uniform(self.equation(scope, init0)?);
                    let (inflows, outflows) = match plan.direct.get(&k) {
                        Some(terms) => {
                            let mut ins = Vec::new();
                            let mut outs = Vec::new();
                            for (t, inflow) in terms {
                                let fid = scope_names.get(t)?.to_string();
                                let l = Located::new(fid, rate.clone());
                                if *inflow {
                                    ins.push(l)
                                } else {
                                    outs.push(l)
                                }
                            }
                            (ins, outs)
                        }
                        None => {
                            let per_element = translate(&self.text[rate.clone()], scope)
                                .is_ok_and(|t| t.dim_value);
                            let eq = if per_element {
                                SourceEquations::PerElement(self.by_tuple(
                                    scope,
                                    d0,
                                    rate.clone(),
                                )?)
                            } else {
                                SourceEquations::Uniform(self.equation(scope, rate.clone())?)
                            };
                            extra.push(self.net_flow(&id, &dims, rate.clone(), eq));
                            (
                                vec![Located::new(format!("{id}_net_flow"), rate.clone())],
                                vec![],
                            )
                        }
                    };
                    SourceKind::Stock {
                        initial,
                        inflows,
                        outflows,
                        non_negative: false,
                    }
                } else {
                    // Defined entry by entry: per-element initial values and one net flow
                    // with per-element rates.
                    let mut inits = Vec::new();
                    let mut rates = Vec::new();
                    for (d, rate, init) in parts {
                        let i = self.equation(scope, init)?;
                        let per_element =
                            translate(&self.text[rate.clone()], scope).is_ok_and(|t| t.dim_value);
                        if per_element {
                            for key in self.entry_keys(scope_names, d) {
                                inits.push((key, i.clone()));
                            }
                            rates.extend(self.by_tuple(scope, d, rate)?);
                            continue;
                        }
                        let r = self.equation(scope, rate)?;
                        for key in self.entry_keys(scope_names, d) {
                            inits.push((key.clone(), i.clone()));
                            rates.push((key, r.clone()));
                        }
                    }
                    self.fill_undefined(scope_names, group, &dims, &mut inits);
                    self.fill_undefined(scope_names, group, &dims, &mut rates);
                    let eq = SourceEquations::PerElement(rates);
                    extra.push(self.net_flow(&id, &dims, rate0.clone(), eq));
                    SourceKind::Stock {
                        initial: SourceEquations::PerElement(inits),
                        inflows: vec![Located::new(format!("{id}_net_flow"), rate0)],
                        outflows: vec![],
                        non_negative: false,
                    }
                }
            } else if let Some(args) = call_args(&self.text[d0.rhs.clone()], "invert_matrix") {
                if group.len() != 1 {
                    self.err(
                        d0.name_at.clone(),
                        "INVERT MATRIX is read when one entry defines the variable",
                    );
                    return None;
                }
                let at = d0.rhs.start + args.start..d0.rhs.start + args.end;
                SourceKind::Aux {
                    equation: SourceEquations::PerElement(self.invert_matrix(
                        scope_names,
                        d0,
                        at,
                    )?),
                }
            } else if let Some(value) = self.constant(group, scope_names, &dims) {
                SourceKind::Constant { value, range }
            } else if let Some(table_id) = with_lookup.get(&k) {
                let rhs = &self.text[d0.rhs.clone()];
                let args = call_args(rhs, "with_lookup")?;
                let a = d0.rhs.start + args.start..d0.rhs.start + args.end;
                let parts = split_top(&self.text[a.clone()], b',');
                if parts.len() != 2 {
                    self.err(a, "WITH LOOKUP takes an input and a table");
                    return None;
                }
                let input = a.start + parts[0].start..a.start + parts[0].end;
                let tab = a.start + parts[1].start..a.start + parts[1].end;
                let tt = self.text[tab.clone()].trim();
                let inner = tt
                    .strip_prefix('(')
                    .and_then(|t| t.strip_suffix(')'))
                    .unwrap_or(tt);
                let t = self.table(inner, tab.clone())?;
                extra.push(SourceVariable::new(
                    Located::new(table_id.clone(), tab.clone()),
                    SourceKind::Lookup {
                        default: Some(t),
                        per_element: vec![],
                    },
                ));
                let x = self.equation(scope, input.clone())?;
                SourceKind::Aux {
                    equation: SourceEquations::Uniform(SourceEquation::approximate(
                        format!("{table_id}({})", x.text),
                        d0.rhs.clone(),
                    )),
                }
            } else {
                let by_element = group.iter().any(|d| {
                    translate(&self.text[d.rhs.clone()], scope).is_ok_and(|t| t.dim_value)
                });
                let single = !by_element
                    && group.len() == 1
                    && d0.except.is_empty()
                    && self.all_dims(scope_names, &d0.subs)
                    && array_numbers(&self.text[d0.rhs.clone()]).is_none_or(|v| v.len() == 1);
                let equation = if single {
                    SourceEquations::Uniform(self.equation(scope, d0.rhs.clone())?)
                } else {
                    let mut per = Vec::new();
                    for d in group {
                        let rhs = &self.text[d.rhs.clone()];
                        let tuples = self.tuples(scope_names, d);
                        match array_numbers(rhs) {
                            // An array constant among equations: one number per element.
                            Some(v) if v.len() > 1 && v.len() == tuples.len() => {
                                for (t, x) in tuples.iter().zip(v) {
                                    per.push((
                                        Located::new(t.join(","), d.rhs.clone()),
                                        SourceEquation::approximate(
                                            format!("{x:?}"),
                                            d.rhs.clone(),
                                        ),
                                    ));
                                }
                            }
                            _ if by_element => {
                                // A range used as a value: one equation per element tuple.
                                per.extend(self.by_tuple(scope, d, d.rhs.clone())?);
                            }
                            _ => {
                                let e = self.equation(scope, d.rhs.clone())?;
                                for key in self.entry_keys(scope_names, d) {
                                    per.push((key, e.clone()));
                                }
                            }
                        }
                    }
                    self.fill_undefined(scope_names, group, &dims, &mut per);
                    SourceEquations::PerElement(per)
                };
                if plan.flows.contains(&k) {
                    SourceKind::Flow { equation }
                } else {
                    SourceKind::Aux { equation }
                }
            };
            Some(kind)
        })();
        let kind = result?;
        Some(SourceVariable {
            name,
            kind,
            dims,
            units,
            doc,
            source: None,
        })
    }

    fn equation(&mut self, scope: &Scope<'_>, at: Range<usize>) -> Option<SourceEquation> {
        let raw = &self.text[at.clone()];
        match translate(raw, scope) {
            Ok(t) => Some(SourceEquation {
                text: t.text,
                at,
                exact: t.exact,
            }),
            Err((off, msg)) => {
                self.err(at.start + off..at.start + off + 1, msg);
                None
            }
        }
    }

    /// A lookup table. Points written out of order are sorted by x: Vensim's results read
    /// them so (the suite's `subscripted_lookups` has `(2,-3),(1,-7),(0,-1)` and its output
    /// interpolates -1, -7, -3 at 0, 1, 2).
    fn table(&mut self, body: &str, at: Range<usize>) -> Option<SourceTable> {
        match expr::table(body) {
            Ok((mut x, mut y)) => {
                if x.windows(2).any(|w| w[1] < w[0]) {
                    let mut pairs: Vec<(f64, f64)> = x.into_iter().zip(y).collect();
                    pairs.sort_by(|a, b| a.0.total_cmp(&b.0));
                    (x, y) = pairs.into_iter().unzip();
                }
                Some(SourceTable {
                    x,
                    y,
                    interpolation: Interpolation::Linear,
                    extrapolation: Extrapolation::Clamp,
                    at,
                })
            }
            Err(msg) => {
                self.err(at, msg);
                None
            }
        }
    }

    /// A constant: one number (for every element), or numbers per element: lists
    /// (`1, 2; 3, 4;`, `;` ending rows, row-major over the entry's subscripts), entries per
    /// element or subrange, `:EXCEPT:`.
    /// Entries that leave elements without a value give None here: the variable is then read
    /// as equations, where such elements are 0 (see [`Reader::fill_undefined`]).
    fn constant(
        &self,
        group: &[Def],
        names: &Names,
        dims: &[Located<String>],
    ) -> Option<SourceValue> {
        let d0 = &group[0];
        if group.len() == 1 && d0.except.is_empty() {
            let t = &self.text[d0.rhs.clone()];
            if let Some(x) = number(t) {
                if d0.subs.is_empty() || self.all_dims(names, &d0.subs) {
                    return Some(SourceValue::Num(x, d0.rhs.clone()));
                }
            }
            if d0.subs.is_empty() {
                return None;
            }
        }
        let mut table = Vec::new();
        for d in group {
            let values = array_numbers(&self.text[d.rhs.clone()])?;
            let tuples = self.tuples(names, d);
            if values.len() == 1 {
                for key in self.entry_keys(names, d) {
                    table.push((key, SourceValue::Num(values[0], d.rhs.clone())));
                }
            } else if values.len() == tuples.len() {
                for (t, x) in tuples.iter().zip(values) {
                    table.push((
                        Located::new(t.join(","), d.rhs.clone()),
                        SourceValue::Num(x, d.rhs.clone()),
                    ));
                }
            } else {
                return None;
            }
        }
        let mut count = 1;
        for d in dims {
            count *= self.dim_elements.get(&d.value).map_or(0, Vec::len);
        }
        let defined: HashSet<&str> = table.iter().map(|(k, _)| k.value.as_str()).collect();
        if defined.len() < count {
            return None;
        }
        Some(SourceValue::Table(table, d0.rhs.clone()))
    }

    /// The elements (IR names) a subscript stands for: a range's elements, or itself.
    fn elements_of(&self, names: &Names, sub: &str) -> Vec<String> {
        let id = names
            .get(sub)
            .map(str::to_string)
            .unwrap_or_else(|| names::identifier(sub));
        match self.dim_elements.get(&id) {
            Some(list) => list.clone(),
            None => vec![id],
        }
    }

    /// Every element tuple of a subscript list, row-major.
    fn cover(&self, names: &Names, subs: &[(String, Range<usize>)]) -> Vec<Vec<String>> {
        let mut out = vec![Vec::new()];
        for (s, _) in subs {
            let choices = self.elements_of(names, s);
            out = out
                .into_iter()
                .flat_map(|prefix: Vec<String>| {
                    choices.iter().map(move |e| {
                        let mut v = prefix.clone();
                        v.push(e.clone());
                        v
                    })
                })
                .collect();
        }
        out
    }

    /// The element tuples an entry defines: its subscripts' tuples less its `:EXCEPT:` ones.
    fn tuples(&self, names: &Names, d: &Def) -> Vec<Vec<String>> {
        let left_out: HashSet<Vec<String>> =
            d.except.iter().flat_map(|e| self.cover(names, e)).collect();
        self.cover(names, &d.subs)
            .into_iter()
            .filter(|t| !left_out.contains(t))
            .collect()
    }

    /// Vensim lets entries define only some elements of a variable (`x[A] = ...`, `x[C] =
    /// ...` over a range `A, B, C`); the others have no equation, and Vensim's output leaves
    /// them out. The IR needs an equation per element: each element no entry defines gets `0`
    /// (an assumption: nothing in the file gives it a value), at the variable's first name.
    fn fill_undefined(
        &self,
        names: &Names,
        group: &[Def],
        dims: &[Located<String>],
        per: &mut Vec<(Located<String>, SourceEquation)>,
    ) {
        let at = group[0].name_at.clone();
        for t in self.undefined(names, group, dims) {
            per.push((
                Located::new(t.join(","), at.clone()),
                SourceEquation::approximate("0", at.clone()),
            ));
        }
    }

    /// The element tuples of a variable's dimensions that none of its entries defines (none
    /// when a dimension is not a known range: the IR reports it).
    fn undefined(
        &self,
        names: &Names,
        group: &[Def],
        dims: &[Located<String>],
    ) -> Vec<Vec<String>> {
        let covered: HashSet<Vec<String>> =
            group.iter().flat_map(|d| self.tuples(names, d)).collect();
        let mut all: Vec<Vec<String>> = vec![Vec::new()];
        for d in dims {
            let Some(elements) = self.dim_elements.get(&d.value) else {
                return Vec::new();
            };
            all = all
                .into_iter()
                .flat_map(|prefix| {
                    elements.iter().map(move |e| {
                        let mut t = prefix.clone();
                        t.push(e.clone());
                        t
                    })
                })
                .collect();
        }
        all.into_iter().filter(|t| !covered.contains(t)).collect()
    }

    /// The subscripted variables whose every entry is numbers (see [`Reader::arrays`]).
    fn number_arrays(
        &self,
        order: &[String],
        groups: &HashMap<String, Vec<Def>>,
        names: &Names,
    ) -> HashMap<String, HashMap<Vec<String>, f64>> {
        let mut out = HashMap::new();
        'group: for k in order {
            let mut values = HashMap::new();
            for d in &groups[k] {
                if d.form != Form::Equation || d.subs.is_empty() {
                    continue 'group;
                }
                let Some(v) = array_numbers(&self.text[d.rhs.clone()]) else {
                    continue 'group;
                };
                let tuples = self.tuples(names, d);
                if v.len() == 1 {
                    values.extend(tuples.into_iter().map(|t| (t, v[0])));
                } else if v.len() == tuples.len() {
                    values.extend(tuples.into_iter().zip(v));
                } else {
                    continue 'group;
                }
            }
            out.insert(k.clone(), values);
        }
        out
    }

    /// `x[.., a, b] = INVERT MATRIX(m[.., a, b], n)` with `m` numbers (its entries constant
    /// lists): the inverse of each n-by-n matrix over the last two subscripts, computed here
    /// (Gauss-Jordan elimination with partial pivoting), one number per element. `args` is
    /// the text inside the call's parentheses.
    fn invert_matrix(
        &mut self,
        names: &Names,
        d: &Def,
        args: Range<usize>,
    ) -> Option<Vec<(Located<String>, SourceEquation)>> {
        let text = &self.text[args.clone()];
        let parts = split_top(text, b',');
        let fail = |this: &mut Self, msg: String| {
            this.err(args.clone(), msg);
            None
        };
        if parts.len() != 2 {
            return fail(self, "INVERT MATRIX takes a matrix and its size".into());
        }
        let m = &text[parts[0].clone()];
        let lead = expr::space_len(m);
        let n_name = expr::name_len(&m[lead..]);
        let m_name = &m[lead..lead + n_name];
        let after = lead + n_name + expr::space_len(&m[lead + n_name..]);
        let (m_subs, _) = subscript_list(m, after, 0);
        let same = m_subs.len() == d.subs.len()
            && m_subs
                .iter()
                .zip(&d.subs)
                .all(|(a, b)| key(&a.0) == key(&b.0));
        if d.subs.len() < 2 || !same {
            return fail(
                self,
                format!(
                    "INVERT MATRIX is read as 'x[.., a, b] = INVERT MATRIX(m[.., a, b], n)', \
                     the matrix with the variable's own subscripts (found '{}')",
                    m.trim()
                ),
            );
        }
        let size = number(&text[parts[1].clone()]);
        let k = d.subs.len();
        let rows = self.elements_of(names, &d.subs[k - 2].0).len();
        let cols = self.elements_of(names, &d.subs[k - 1].0).len();
        let n = rows;
        if size != Some(n as f64) || cols != n {
            return fail(
                self,
                format!(
                    "INVERT MATRIX needs a square matrix of the size given: the last two \
                     subscripts have {rows} and {cols} elements, the size is '{}'",
                    text[parts[1].clone()].trim()
                ),
            );
        }
        let Some(values) = self.arrays.get(&key(m_name)).cloned() else {
            return fail(
                self,
                format!(
                    "INVERT MATRIX is read when its matrix '{}' is numbers (constant lists), \
                     computed once; a matrix that changes is not supported",
                    m_name.trim()
                ),
            );
        };
        let tuples = self.tuples(names, d);
        let mut out = Vec::with_capacity(tuples.len());
        for chunk in tuples.chunks(n * n) {
            let mut a = Vec::with_capacity(n * n);
            for t in chunk {
                match values.get(t) {
                    Some(v) => a.push(*v),
                    None => {
                        let msg = format!(
                            "INVERT MATRIX: '{}' has no value for [{}]",
                            m_name.trim(),
                            t.join(",")
                        );
                        return fail(self, msg);
                    }
                }
            }
            let Some(inv) = invert(n, &a) else {
                let msg = format!(
                    "INVERT MATRIX: the matrix of '{}' at [{}] is singular",
                    m_name.trim(),
                    chunk[0][..k - 2].join(",")
                );
                return fail(self, msg);
            };
            for (t, v) in chunk.iter().zip(inv) {
                out.push((
                    Located::new(t.join(","), d.rhs.clone()),
                    SourceEquation::approximate(format!("{v:?}"), d.rhs.clone()),
                ));
            }
        }
        Some(out)
    }

    /// The per-element keys of an entry: its subscripts as written, or with `:EXCEPT:` every
    /// element tuple left.
    fn entry_keys(&self, names: &Names, d: &Def) -> Vec<Located<String>> {
        if d.except.is_empty() {
            return vec![self.element_key(names, d)];
        }
        let at = self.element_key(names, d).at;
        self.tuples(names, d)
            .into_iter()
            .map(|t| Located::new(t.join(","), at.clone()))
            .collect()
    }

    /// An entry's equation at `at` translated for each of its element tuples (ranges used as
    /// values, mapped ranges in subscripts), keyed by the tuple.
    fn by_tuple(
        &mut self,
        scope: &Scope<'_>,
        d: &Def,
        at: Range<usize>,
    ) -> Option<Vec<(Located<String>, SourceEquation)>> {
        let mut out = Vec::new();
        for t in self.tuples(scope.names, d) {
            let values = self.dim_values(d, &t);
            let subs = self.mapped_elements(d, &t);
            let s = Scope {
                dim_values: Some(&values),
                sub_values: Some(&subs),
                ..*scope
            };
            let e = self.equation(&s, at.clone())?;
            out.push((Located::new(t.join(","), at.clone()), e));
        }
        Some(out)
    }

    /// For one element tuple of an entry: the element each mapped range stands for, by key.
    /// With `a: a1, a2 -> b` and the entry subscripted by `b`, the tuple's element of `b` at
    /// position i makes `a` in a subscript mean `a`'s element i (and the other way round).
    fn mapped_elements(&self, d: &Def, tuple: &[String]) -> HashMap<String, String> {
        let mut out = HashMap::new();
        for (a, b) in &self.dim_map {
            for (from, to) in [(a, b), (b, a)] {
                if d.subs.iter().any(|(s, _)| key(s) == key(from)) {
                    continue; // named on the left: it is its own element
                }
                let Some(p) = d.subs.iter().position(|(s, _)| key(s) == key(to)) else {
                    continue;
                };
                let index = self
                    .dim_elements
                    .get(to)
                    .and_then(|list| list.iter().position(|x| *x == tuple[p]));
                if let Some(e) = index.and_then(|i| self.dim_elements.get(from)?.get(i)) {
                    out.insert(key(from), e.clone());
                }
            }
        }
        out
    }

    /// The value of every range at one element tuple of an entry: 1 + the position, in the
    /// range's full range, of the tuple's element at the entry's subscript of that family.
    fn dim_values(&self, d: &Def, tuple: &[String]) -> HashMap<String, f64> {
        let root = |id: &str| self.dim_parent.get(id).cloned().unwrap_or(id.to_string());
        // The full range of each position of the entry.
        let roots: Vec<String> = d
            .subs
            .iter()
            .zip(tuple)
            .map(|((s, _), e)| {
                let id = names::identifier(s);
                match self.dim_ids.iter().find(|x| key(x) == key(s)) {
                    Some(dim) => root(dim),
                    None => root(self.element_dim.get(e).unwrap_or(&id)),
                }
            })
            .collect();
        let mut out = HashMap::new();
        for dim in &self.dim_ids {
            let r = root(dim);
            // The position naming this range, else one of its family.
            let named = d.subs.iter().position(|(s, _)| key(s) == key(dim));
            let Some(p) = named.or_else(|| roots.iter().position(|x| *x == r)) else {
                continue;
            };
            if let Some(i) = self
                .dim_elements
                .get(&r)
                .and_then(|list| list.iter().position(|x| *x == tuple[p]))
            {
                out.insert(key(dim), (i + 1) as f64);
            }
        }
        out
    }

    /// The flow `<stock>_net_flow` carrying a stock's INTEG rate.
    fn net_flow(
        &self,
        id: &str,
        dims: &[Located<String>],
        rate: Range<usize>,
        equation: SourceEquations,
    ) -> SourceVariable {
        let mut v = SourceVariable::new(
            Located::new(format!("{id}_net_flow"), rate),
            SourceKind::Flow { equation },
        );
        v.dims = dims.to_vec();
        v.doc = Some(format!("The net rate of change of {id} (its INTEG rate)."));
        v
    }

    fn all_dims(&self, names: &Names, subs: &[(String, Range<usize>)]) -> bool {
        subs.iter()
            .all(|(s, _)| names.get(s).is_some_and(|id| self.dim_ids.contains(id)))
    }

    /// `a` or `a,b`: the per-element key of an entry.
    fn element_key(&self, names: &Names, d: &Def) -> Located<String> {
        let parts: Vec<String> = d
            .subs
            .iter()
            .map(|(s, _)| {
                names
                    .get(s)
                    .map(str::to_string)
                    .unwrap_or_else(|| names::identifier(s))
            })
            .collect();
        let at = match (d.subs.first(), d.subs.last()) {
            (Some(a), Some(b)) => a.1.start..b.1.end,
            _ => d.name_at.clone(),
        };
        Located::new(parts.join(","), at)
    }

    /// A variable's dimensions. Per position: a range named there (a subrange stays itself
    /// when one entry defines the variable; with several entries, its full range), else the
    /// full range holding the elements named there. A range needed twice (`x[A, dim]` with
    /// `A` in `dim`) gets a copy for the later position (`dim_2`, a subrange of `dim` with
    /// every element).
    fn dims_of(&mut self, names: &Names, group: &[Def]) -> Vec<Located<String>> {
        let d0 = &group[0];
        let whole = group.len() == 1 && d0.except.is_empty();
        let id_of = |s: &str| names.get(s).map(str::to_string).unwrap_or_default();
        let mut out: Vec<Located<String>> = Vec::new();
        for (p, (s0, at)) in d0.subs.iter().enumerate() {
            let named = group
                .iter()
                .filter_map(|d| d.subs.get(p))
                .map(|(s, _)| id_of(s))
                .find(|id| self.dim_ids.contains(id));
            let mut dim = match named {
                Some(id) if whole => id,
                Some(id) => self.dim_parent.get(&id).cloned().unwrap_or(id),
                None => {
                    let id = id_of(s0);
                    self.element_dim.get(&id).cloned().unwrap_or(id)
                }
            };
            if out.iter().any(|d| d.value == dim) {
                let full = self.dim_parent.get(&dim).cloned().unwrap_or(dim.clone());
                let mut n = 2;
                let copy = loop {
                    let c = format!("{full}_{n}");
                    if !out.iter().any(|d| d.value == c) {
                        break c;
                    }
                    n += 1;
                };
                if !self.dim_ids.contains(&copy) {
                    let elements = self.dim_elements.get(&full).cloned().unwrap_or_default();
                    self.dim_ids.insert(copy.clone());
                    self.dim_parent.insert(copy.clone(), full.clone());
                    self.dim_elements.insert(copy.clone(), elements.clone());
                    self.copies.push(SourceDimension {
                        name: Located::new(copy.clone(), at.clone()),
                        elements: elements
                            .into_iter()
                            .map(|e| Located::new(e, at.clone()))
                            .collect(),
                        subrange_of: Some(Located::new(full, at.clone())),
                    });
                }
                dim = copy;
            }
            out.push(Located::new(dim, at.clone()));
        }
        out
    }

    /// Units, range and doc from the units and comment parts of the first entry that has them.
    fn meta(&self, group: &[Def]) -> Meta {
        let mut units = None;
        let mut range = None;
        let mut doc_parts = Vec::new();
        if let Some(u) = group.iter().find_map(|d| d.entry.units.clone()) {
            let raw = &self.text[u.clone()];
            let (written, r) = split_units(raw);
            if let Some(w) = written.filter(|w| !w.is_empty()) {
                match unit_expression(&w) {
                    Some(e) => units = Some(Located::new(e, u.clone())),
                    None => doc_parts.push(format!("Units (Vensim): {w}.")),
                }
            }
            if let Some((lo, hi, written)) = r {
                if lo.is_finite() && hi.is_finite() && lo <= hi {
                    range = Some((lo, hi));
                } else {
                    doc_parts.push(format!("Range (Vensim): {written}."));
                }
            }
        }
        if let Some(c) = group.iter().find_map(|d| d.entry.comment.clone()) {
            let c = self.text[c].replace("\\\n", "").replace("\\\r\n", "");
            let c = c.split_whitespace().collect::<Vec<_>>().join(" ");
            if !c.is_empty() {
                doc_parts.insert(0, c);
            }
        }
        let doc = (!doc_parts.is_empty()).then(|| doc_parts.join(" "));
        (units, range, doc)
    }
}

/// Units, plausible range and doc of a variable.
type Meta = (Option<Located<String>>, Option<(f64, f64)>, Option<String>);

#[derive(Default)]
struct FlowPlan {
    /// Keys of variables that are flows of some stock.
    flows: HashSet<String>,
    /// Stock key -> (flow key, inflow?) when its rate is a sum of flows.
    direct: HashMap<String, Vec<(String, bool)>>,
}

/// The inverse of the n-by-n matrix `a` (row-major), by Gauss-Jordan elimination with
/// partial pivoting; None when a pivot is zero or the result is not finite (singular).
/// The ranges [`allocate::expand`] reads a priority profile's elements from.
struct ProfileRanges<'r, 'a>(&'r Reader<'a>);

impl allocate::Ranges for ProfileRanges<'_, '_> {
    fn elements_from(&self, element: &str) -> Option<Vec<String>> {
        let r = self.0;
        let id = r
            .names
            .get(element)
            .map(str::to_string)
            .unwrap_or_else(|| names::identifier(element));
        let list = r.dim_elements.get(r.element_dim.get(&id)?)?;
        let at = list.iter().position(|e| *e == id)?;
        Some(list[at..].to_vec())
    }
}

fn invert(n: usize, a: &[f64]) -> Option<Vec<f64>> {
    let mut m = a.to_vec();
    let mut inv: Vec<f64> = (0..n * n)
        .map(|i| if i / n == i % n { 1.0 } else { 0.0 })
        .collect();
    for c in 0..n {
        let p = (c..n).max_by(|&i, &j| m[i * n + c].abs().total_cmp(&m[j * n + c].abs()))?;
        if m[p * n + c] == 0.0 || !m[p * n + c].is_finite() {
            return None;
        }
        for j in 0..n {
            m.swap(c * n + j, p * n + j);
            inv.swap(c * n + j, p * n + j);
        }
        let d = m[c * n + c];
        for j in 0..n {
            m[c * n + j] /= d;
            inv[c * n + j] /= d;
        }
        for r in (0..n).filter(|&r| r != c) {
            let f = m[r * n + c];
            if f != 0.0 {
                for j in 0..n {
                    m[r * n + j] -= f * m[c * n + j];
                    inv[r * n + j] -= f * inv[c * n + j];
                }
            }
        }
    }
    inv.iter().all(|v| v.is_finite()).then_some(inv)
}

/// The data sets a Vensim model loads when it is run: the names on the `13:` lines of the
/// settings block that ends the file (after the sketch, from the `///---\\\` line; the suite's
/// `data_from_other_model` has `13:data.vdf`), each with the file Pressure reads for it
/// beside the model: a `.vdf` (Vensim's binary format, not read) as its tab-separated export
/// of the same stem (`data.tab`, else `data.csv`), any other name as itself. A set whose file
/// is absent has None.
fn run_data_sets(text: &str, dir: &Path) -> Vec<(String, Option<String>)> {
    let tail = &text[entries::sketch_start(text)..];
    let Some(settings) = tail.rfind("///---\\\\\\") else {
        return Vec::new();
    };
    let mut sets = Vec::new();
    for line in tail[settings..].lines() {
        let Some(names) = line.trim().strip_prefix("13:") else {
            continue;
        };
        for name in names.split(',').map(str::trim).filter(|n| !n.is_empty()) {
            let path = Path::new(name);
            let is_vdf = path
                .extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| e.eq_ignore_ascii_case("vdf") || e.eq_ignore_ascii_case("vdfx"));
            let candidates: Vec<String> = if is_vdf || path.extension().is_none() {
                let stem = path.with_extension("");
                ["tab", "csv"]
                    .iter()
                    .map(|e| stem.with_extension(e).to_string_lossy().into_owned())
                    .collect()
            } else {
                vec![name.to_string()]
            };
            let found = candidates.into_iter().find(|c| dir.join(c).is_file());
            sets.push((name.to_string(), found));
        }
    }
    sets
}

/// The key of a data set's column name or of a variable's element: the name's key, and
/// each subscript's (`var 2dim[A, D]` and `var_2dim[a,d]` are one column).
fn column_key(name: &str) -> String {
    match name.trim().split_once('[') {
        Some((base, rest)) => {
            let elems: Vec<String> = rest
                .trim_end()
                .trim_end_matches(']')
                .split(',')
                .map(key)
                .collect();
            format!("{}[{}]", key(base), elems.join(","))
        }
        None => key(name),
    }
}

/// The series of a data variable with no equation, one per element of `tuples`, from the
/// first of the run's data `sets` (see [`run_data_sets`]) that has its columns: Vensim's
/// tab export, names across the first row (`var[A,D]`), times down column A. An error
/// says which sets were looked for and where.
fn run_data_series(
    files: &mut external::Files,
    sets: &[(String, Option<String>)],
    name: &str,
    tuples: &[Vec<String>],
    fill: external::Fill,
) -> Result<(Vec<f64>, Vec<Vec<f64>>), String> {
    if sets.is_empty() {
        return Err(
            "the model's settings name no data set (no '13:' line after the sketch), \
                    so there is nothing to read: give it an equation or GET XLS/DIRECT DATA"
                .into(),
        );
    }
    let wanted: Vec<String> = tuples
        .iter()
        .map(|t| {
            if t.is_empty() {
                column_key(name)
            } else {
                column_key(&format!("{}[{}]", name.trim(), t.join(",")))
            }
        })
        .collect();
    let mut looked = Vec::new();
    for (set, file) in sets {
        let Some(file) = file else {
            let stem = Path::new(set).with_extension("");
            looked.push(
                if Path::new(set)
                    .extension()
                    .is_some_and(|e| e.eq_ignore_ascii_case("tab") || e.eq_ignore_ascii_case("csv"))
                {
                    format!("the model names the data set '{set}', which is not beside the model")
                } else {
                    format!(
                        "the model names the data set '{set}', which Pressure reads as its \
                     tab-separated export '{0}.tab' (or '{0}.csv') beside the model (Vensim's \
                     .vdf is a binary format: export it with Vensim, time running down), and \
                     neither is there",
                        stem.display()
                    )
                },
            );
            continue;
        };
        let tab = if file.to_ascii_lowercase().ends_with(".csv") {
            ","
        } else {
            "\t"
        };
        let columns = files.header(file, tab)?;
        let mut x = None;
        let mut ys = Vec::new();
        for w in &wanted {
            let Some(col) = columns.iter().position(|c| column_key(c) == *w) else {
                break;
            };
            let args = [
                file.clone(),
                tab.to_string(),
                "A".to_string(),
                external::cell_name(1, col),
            ];
            let (xs, mut y) = files.series(&args, 1, fill)?;
            if x.as_ref().is_some_and(|x| *x != xs) {
                return Err(format!("the columns of '{file}' have different times"));
            }
            x = Some(xs);
            ys.push(y.remove(0));
        }
        if ys.len() == wanted.len() {
            if let Some(x) = x {
                return Ok((x, ys));
            }
        }
        let missing = wanted.get(ys.len()).map_or("", String::as_str);
        looked.push(format!("its data set '{file}' has no column '{missing}'"));
    }
    Err(looked.join("; "))
}

/// A replacement entry for `d`'s entry (its text is placed later): `subs` None for the
/// entry's own subscripts, or one element tuple.
fn plain(d: &Def, form: Form, step: bool, subs: Option<Vec<String>>) -> Replacement {
    Replacement {
        name: d.name.clone(),
        subs,
        form,
        step,
        rhs: 0..0,
    }
}

/// An element tuple of `d` as a replacement's subscripts (None for a scalar entry).
fn per_tuple(d: &Def, t: &[String]) -> Option<Vec<String>> {
    (!d.subs.is_empty()).then(|| t.to_vec())
}

/// A lookup table's points, `(x,y),(x,y),...`.
fn points(x: &[f64], y: &[f64]) -> String {
    x.iter()
        .zip(y)
        .map(|(x, y)| format!("({x:?},{y:?})"))
        .collect::<Vec<_>>()
        .join(",")
}

/// The entries that replace a data variable's entry once its series are read (from GET
/// XLS/DIRECT DATA or from the run's data set): the variable as a call of its table at the
/// time, `"<name> data"[subscripts](Time)`, and that table, one per element (`x` the times,
/// `ys` one series per element of `tuples`). `:RAW:` gives the value at the data's own times
/// and `:NA:` between them, through a second table marking those times; LOOK FORWARD is
/// written as a staircase whose steps are moved just after the previous point. `tables` and
/// `taken` keep the tables' names unique.
fn data_entries(
    d: &Def,
    fill: external::Fill,
    mut x: Vec<f64>,
    ys: &[Vec<f64>],
    tuples: &[Vec<String>],
    tables: &mut HashMap<String, String>,
    taken: &mut HashSet<String>,
) -> Vec<(Replacement, String)> {
    let mut unique = |base: &str, word: &str| {
        let mut n = 1;
        loop {
            let t = match n {
                1 => format!("\"{base} {word}\""),
                _ => format!("\"{base} {word} {n}\""),
            };
            if taken.insert(key(&t)) {
                break t;
            }
            n += 1;
        }
    };
    let table = match tables.get(&key(&d.name)) {
        Some(t) => t.clone(),
        None => {
            let t = unique(d.name.trim().trim_matches('"'), "data");
            tables.insert(key(&d.name), t.clone());
            t
        }
    };
    let subs = if d.subs.is_empty() {
        String::new()
    } else {
        let s: Vec<&str> = d.subs.iter().map(|(s, _)| s.as_str()).collect();
        format!("[{}]", s.join(", "))
    };
    let value = format!("{table}{subs}(Time)");
    // :RAW: the value at the data's own times, :NA: between them: a second table is 1 at
    // each data time and 0 from a little way off (1e-6 of the time, at least 1e-6, or a
    // quarter of the gap), interpolated.
    let raw = (fill == external::Fill::Raw).then(|| unique(table.trim_matches('"'), "times"));
    let mut list = vec![(
        plain(d, Form::Equation, false, None),
        match &raw {
            Some(times) => format!("IF THEN ELSE({times}{subs}(Time) > 0.5, {value}, :NA:)"),
            None => value,
        },
    )];
    if let Some(times) = &raw {
        let marks = raw_marks(&x);
        for t in tuples {
            let mut r = plain(d, Form::Lookup, false, per_tuple(d, t));
            r.name = times.clone();
            list.push((r, marks.clone()));
        }
    }
    if fill == external::Fill::LookForward {
        x = look_forward_steps(&x);
    }
    let step = fill != external::Fill::Linear;
    for (t, y) in tuples.iter().zip(ys) {
        let mut r = plain(d, Form::Lookup, step, per_tuple(d, t));
        r.name = table.clone();
        list.push((r, points(&x, y)));
    }
    list
}

/// The points of a `:RAW:` data variable's table of its data times (see
/// [`Reader::external_plan`]): `(t - e, 0), (t, 1), (t + e, 0)` for each time `t`, with `e`
/// 1e-6 of the time (at least 1e-6) or a quarter of the gap to a neighbour if that is less.
fn raw_marks(x: &[f64]) -> String {
    let mut out = Vec::new();
    for (i, &t) in x.iter().enumerate() {
        let mut e = 1e-6 * t.abs().max(1.0);
        if i > 0 {
            e = e.min((t - x[i - 1]) / 4.0);
        }
        if i + 1 < x.len() {
            e = e.min((x[i + 1] - t) / 4.0);
        }
        out.push(format!("({:?},0),({t:?},1),({:?},0)", t - e, t + e));
    }
    out.join(",")
}

/// The x values of a staircase (held backward) that gives a LOOK FORWARD series' values:
/// each value from just after the previous point on (the first from the start).
fn look_forward_steps(x: &[f64]) -> Vec<f64> {
    let mut out = Vec::with_capacity(x.len());
    for (i, &xi) in x.iter().enumerate() {
        if i == 0 {
            out.push(xi);
            continue;
        }
        let prev = x[i - 1];
        let delta = (1e-9 * prev.abs().max(1.0)).min((xi - prev) / 2.0);
        out.push(prev + delta);
    }
    out
}

/// `a + b - c` as [(a, true), (b, true), (c, false)] (keys); None when the text is anything
/// else.
fn signed_names(text: &str) -> Option<Vec<(String, bool)>> {
    let mut out = Vec::new();
    let mut sign = true;
    let mut rest = text.trim_start();
    let mut expect_name = true;
    while !rest.is_empty() {
        let c = rest.chars().next()?;
        if expect_name {
            if c == '+' || c == '-' {
                if c == '-' {
                    sign = !sign;
                }
                rest = rest[1..].trim_start();
                continue;
            }
            if !(c == '"' || expr::is_name_start(c)) {
                return None;
            }
            let n = expr::name_len(rest);
            let k = key(&rest[..n]);
            if register(&k).is_some() {
                return None;
            }
            out.push((k, sign));
            rest = rest[n..].trim_start();
            expect_name = false;
        } else {
            match c {
                '+' => sign = true,
                '-' => sign = false,
                _ => return None,
            }
            rest = rest[1..].trim_start();
            expect_name = true;
        }
    }
    (!expect_name).then_some(out)
}

/// The subscripts of `[a, b]` at `body[i..]` (with their ranges in the file, `body` starting
/// at file offset `start`) and the index after `]`; no list when `body[i..]` is not `[`.
fn subscript_list(body: &str, i: usize, start: usize) -> (Vec<(String, Range<usize>)>, usize) {
    let mut subs = Vec::new();
    if !body[i..].starts_with('[') {
        return (subs, i);
    }
    let close = i + body[i..].find(']').unwrap_or(body.len() - i);
    let inner = &body[i + 1..close];
    for r in split_top(inner, b',') {
        // `\` continues a line inside the brackets.
        let s = &inner[r.clone()];
        let t = s.trim_matches(|c: char| c.is_whitespace() || c == '\\');
        if t.is_empty() {
            continue;
        }
        let a = start + i + 1 + r.start + s.find(t).unwrap_or(0);
        subs.push((t.to_string(), a..a + t.len()));
    }
    (subs, (close + 1).min(body.len()))
}

/// The numbers of an array constant: `1, 2; 3, 4;` (`;` ends a row) or
/// `TABBED ARRAY(1 2 3 ...)`; None when any part is not a number.
fn array_numbers(text: &str) -> Option<Vec<f64>> {
    let (body, tabbed) = match call_args(text, "tabbed_array") {
        Some(r) => (&text[r], true),
        None => (text, false),
    };
    let mut out = Vec::new();
    let sep = |c: char| c == ',' || c == ';' || (tabbed && c.is_whitespace());
    for part in body.split(sep) {
        let p = part.trim_matches(|c: char| c.is_whitespace() || c == '\\');
        if p.is_empty() {
            continue;
        }
        out.push(number(p)?);
    }
    (!out.is_empty()).then_some(out)
}

/// `Month [0,?]` -> ("Month", Some((0, inf, "[0,?]"))).
fn split_units(raw: &str) -> (Option<String>, Option<(f64, f64, String)>) {
    let raw = raw.trim();
    let (u, r) = match raw.find('[') {
        Some(i) => (&raw[..i], Some(&raw[i..])),
        None => (raw, None),
    };
    let range = r.map(|r| {
        let inner = r.trim_start_matches('[').split(']').next().unwrap_or("");
        let parts: Vec<&str> = inner.split(',').collect();
        let lo = parts
            .first()
            .and_then(|p| number(p))
            .unwrap_or(f64::NEG_INFINITY);
        let hi = parts
            .get(1)
            .and_then(|p| number(p))
            .unwrap_or(f64::INFINITY);
        (lo, hi, r.trim().to_string())
    });
    (Some(u.trim().to_string()), range)
}

/// A Vensim unit as a unit expression the units checker reads, when it can be one
/// (`Widgets/Month`, `1/Year`, `Degrees Fahrenheit` -> `Degrees_Fahrenheit`, `Dmnl` ->
/// `dimensionless`).
pub(crate) fn unit_expression(written: &str) -> Option<String> {
    let lower = written.trim().to_ascii_lowercase();
    if ["dmnl", "dimensionless", "fraction", "1", "unitless"].contains(&lower.as_str()) {
        return Some("dimensionless".into());
    }
    let mut out = String::new();
    let mut gap = false;
    for c in written.trim().chars() {
        if c.is_whitespace() {
            gap = true;
            continue;
        }
        let word = c.is_ascii_alphanumeric() || c == '_' || c == '.';
        if gap
            && word
            && out
                .chars()
                .last()
                .is_some_and(|p| p.is_ascii_alphanumeric())
        {
            out.push('_');
        }
        gap = false;
        out.push(c);
    }
    pressure_model::units::parse_unit_expr(&out)
        .ok()
        .map(|_| out)
}

/// `a1-a10` -> a1, a2, ..., a10.
fn numbered(inner: &str) -> Option<Vec<String>> {
    let (a, b) = inner.split_once('-')?;
    let (a, b) = (a.trim(), b.trim());
    let split = |s: &str| {
        let i = s.trim_end_matches(|c: char| c.is_ascii_digit()).len();
        (s[..i].to_string(), s[i..].parse::<u64>().ok())
    };
    let (pa, na) = split(a);
    let (pb, nb) = split(b);
    let (na, nb) = (na?, nb?);
    if pa != pb || na > nb || nb - na > 100_000 {
        return None;
    }
    Some((na..=nb).map(|n| format!("{pa}{n}")).collect())
}
