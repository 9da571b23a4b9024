//! XMILE 1.0 files (`.xmile`, `.xml`, and Stella's `.stmx`) into a [`SourceModel`] (and so into
//! the model IR), and a [`SourceModel`] back out as XMILE ([`write`]).
//!
//! What is read: `sim_specs` (start, stop, `dt` also as a reciprocal, method, time units,
//! `save_step`); dimensions (named elements, or `size="n"` for elements `1..n`); stocks with
//! their inflows, outflows and `non_negative`; flows (a `non_negative` flow is
//! `MAX(0, equation)`); auxiliaries (a plain number becomes a constant, a list of numbers an
//! arrayed constant); graphical functions, alone (`<gf name>`) or on a variable (its value is
//! the table at its equation), with `xscale` or `xpts`, `ypts` (with `sep`) and
//! `type="continuous|extrapolate|discrete"`; arrays (apply-to-all and `<element subscript>`);
//! units and docs; the builtins of XMILE section 3.5 that the equation language has (see
//! [`expr`]). Not read: modules, macros, conveyors and queues (an error names each).
//! Two repairs of what converters write: an element left open is closed at its parent's end
//! tag (with a warning, see [`read_str`]), and xmutil's postfix `IF x not THEN` is `NOT x`.
//!
//! Names: a variable `Teacup Temperature` is written `Teacup_Temperature` in equations; the IR
//! name keeps the spelling with underscores (as the Vensim importer does), so output columns
//! name what the modeller named. Every error points at the file, line and column.

pub(crate) mod expr;
pub mod write;

use crate::mdl::names::{identifier, key, Names};
use expr::Resolver;
use pressure_model::build::*;
use pressure_model::{Diagnostic, Extrapolation, Interpolation, Model, ModelError, SourceMap};
use roxmltree::Node;
use std::collections::HashMap;
use std::ops::Range;
use std::path::Path;

/// Reads and validates an XMILE file. A repaired end tag (see [`read_str`]) is a warning of
/// the model.
pub fn load(path: &Path) -> Result<Model, ModelError> {
    load_str(path, &crate::read_text(path)?)
}

/// Reads an XMILE file into a [`SourceModel`] without validating names and equations.
pub fn read(path: &Path) -> Result<SourceModel, ModelError> {
    read_str(path, &crate::read_text(path)?)
}

/// Reads and validates XMILE text (`path` names it in errors).
pub fn load_str(path: &Path, text: &str) -> Result<Model, ModelError> {
    let (source, notes) = read_noting_repairs(path, text)?;
    let mut model = pressure_model::build::load_source(source)?;
    model.warnings.extend(notes);
    Ok(model)
}

/// Reads XMILE text into a [`SourceModel`] without validating names and equations.
///
/// An element left open (`<flow>` without `</flow>`) is closed where an enclosing element's
/// end tag comes, as libxml2's recovering parser does; [`load_str`] reports each such repair
/// as a warning with its line and column.
pub fn read_str(path: &Path, text: &str) -> Result<SourceModel, ModelError> {
    read_noting_repairs(path, text).map(|(m, _)| m)
}

/// [`read_str`], and a warning for each end tag it inserted.
fn read_noting_repairs(
    path: &Path,
    text: &str,
) -> Result<(SourceModel, Vec<Diagnostic>), ModelError> {
    let options = roxmltree::ParsingOptions {
        allow_dtd: false,
        ..Default::default()
    };
    // Two repairs, each bounded, before the document is read:
    // - Files converted from Vensim by xmutil use the `isee:` prefix without declaring it,
    //   which XML namespaces forbid. Such a prefix is renamed `isee_` (same length, so every
    //   offset still points into the original text): it only marks vendor extras, which are
    //   skipped.
    // - An element left open (`<flow>` without `</flow>`, as in two files of the SDXorg
    //   suite) is closed where an enclosing element's end tag comes, as libxml2's recovering
    //   parser does (PySD reads these files through it): whatever followed stays inside the
    //   unclosed element. The end tag is inserted on the same line, so line numbers in
    //   errors stay true; the repaired text is what errors quote.
    let mut owned: Option<String> = None;
    let mut repaired = false;
    // (line, column, message) of each inserted end tag.
    let mut repairs: Vec<(usize, usize, String)> = Vec::new();
    for _ in 0..16 {
        let t = owned.as_deref().unwrap_or(text);
        match roxmltree::Document::parse_with_options(t, options) {
            Err(roxmltree::Error::UnknownNamespace(prefix, _)) => {
                let mut t = t.to_string();
                for lead in ["<", "</", " ", "\t", "\n"] {
                    t = t.replace(&format!("{lead}{prefix}:"), &format!("{lead}{prefix}_"));
                }
                owned = Some(t);
            }
            Err(roxmltree::Error::UnexpectedCloseTag(open, close, pos)) => {
                match close_unclosed(t, &open, &close, pos.row as usize, pos.col as usize) {
                    Some(fixed) => {
                        repairs.push((
                            pos.row as usize,
                            pos.col as usize,
                            format!(
                                "<{open}> is not closed before </{close}>: read as closed there \
                                 (what follows it up to </{close}> belongs to it)"
                            ),
                        ));
                        owned = Some(fixed);
                        repaired = true;
                    }
                    None => break,
                }
            }
            _ => break,
        }
    }
    let xml: &str = owned.as_deref().unwrap_or(text);
    // Offsets point into the text errors quote: the original, unless an end tag was inserted.
    let shown: &str = if repaired { xml } else { text };
    let mut sources = SourceMap::new();
    let file = sources.add(path, shown);
    let error_at = |sources: &SourceMap, at: Range<usize>, msg: String| {
        ModelError::new(vec![
            Diagnostic::error(msg).at(sources, pressure_model::Span::new(file, at.start, at.end))
        ])
    };
    let doc = roxmltree::Document::parse_with_options(xml, options);
    let doc = doc.map_err(|e| {
        let p = e.pos();
        let at = offset_of(shown, p.row as usize, p.col as usize);
        error_at(
            &sources,
            at..(at + 1).min(shown.len()),
            format!("not well-formed XML: {e}"),
        )
    })?;
    let root = doc.root_element();
    if root.tag_name().name() != "xmile" {
        return Err(error_at(
            &sources,
            root.range(),
            format!(
                "the root element is <{}>, not <xmile>: not an XMILE file",
                root.tag_name().name()
            ),
        ));
    }
    let mut r = Reader {
        text: xml,
        sources,
        file,
        errors: Vec::new(),
        names: Names::default(),
        dims: Vec::new(),
        dim_at: Vec::new(),
        dim_of: HashMap::new(),
        vars: Vec::new(),
        var_index: HashMap::new(),
        tables: HashMap::new(),
        own: Vec::new(),
        arrayed_table: false,
        behavior: (false, false),
        path: path.to_path_buf(),
    };
    let model = r.read(root, shown);
    if !r.errors.is_empty() {
        return Err(ModelError::new(r.errors));
    }
    let notes = repairs
        .into_iter()
        .map(|(row, col, msg)| {
            let at = offset_of(shown, row, col);
            Diagnostic::warning(msg).at(
                &r.sources,
                pressure_model::Span::new(file, at, (at + 1).min(shown.len())),
            )
        })
        .collect();
    Ok((model, notes))
}

/// `text` with `</open>` inserted before the end tag `</close>` at `row`:`col`, when an
/// element named `close` is open there (so `open` was left unclosed inside it); None when
/// `close` closes nothing (a stray end tag: a real error).
fn close_unclosed(text: &str, open: &str, close: &str, row: usize, col: usize) -> Option<String> {
    let at = offset_of(text, row, col);
    let before = &text[..at];
    // An element named `close` was opened before and not closed since.
    let opened = before.rfind(&format!("<{close}"))?;
    let after_open = &before[opened + close.len() + 1..];
    if !after_open.starts_with(|c: char| c.is_whitespace() || c == '>' || c == '/')
        || after_open.contains(&format!("</{close}>"))
        || !text[at..].starts_with(&format!("</{close}"))
    {
        return None;
    }
    let mut fixed = String::with_capacity(text.len() + open.len() + 3);
    fixed.push_str(before);
    fixed.push_str(&format!("</{open}>"));
    fixed.push_str(&text[at..]);
    Some(fixed)
}

/// Byte offset of a 1-based line and column (in characters).
fn offset_of(text: &str, row: usize, col: usize) -> usize {
    let mut off = 0;
    for (i, line) in text.split_inclusive('\n').enumerate() {
        if i + 1 == row {
            return off
                + line
                    .char_indices()
                    .nth(col.saturating_sub(1))
                    .map(|(j, _)| j)
                    .unwrap_or(line.len());
        }
        off += line.len();
    }
    text.len()
}

/// The clock and run-setting names that Vensim-made XMILE files declare as variables.
fn is_register(k: &str) -> bool {
    matches!(
        k,
        "time" | "time_step" | "initial_time" | "final_time" | "saveper" | "dt"
    )
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    Stock,
    Flow,
    Aux,
    /// A `<gf>` of its own.
    Table,
}

/// A graphical function as written.
struct Gf {
    x: Vec<f64>,
    y: Vec<f64>,
    interpolation: Interpolation,
    extrapolation: Extrapolation,
    at: Range<usize>,
}

/// One variable as read from the file.
struct XVar<'a> {
    kind: Kind,
    node: Node<'a, 'a>,
    id: String,
    name_at: Range<usize>,
    dims: Vec<Located<String>>,
    /// The table called when the variable is called like a function (its IR name).
    table: Option<String>,
}

struct Reader<'a> {
    text: &'a str,
    sources: SourceMap,
    file: pressure_model::FileId,
    errors: Vec<Diagnostic>,
    names: Names,
    /// Dimensions: IR name and element IR names.
    dims: Vec<(String, Vec<String>)>,
    /// Where each dimension is defined.
    dim_at: Vec<Range<usize>>,
    /// Dimension or element key -> IR name.
    dim_of: HashMap<String, String>,
    vars: Vec<XVar<'a>>,
    var_index: HashMap<String, usize>,
    /// Variable key -> table IR name.
    tables: HashMap<String, String>,
    /// The dimensions of the equation being read.
    own: Vec<String>,
    path: std::path::PathBuf,
    /// `<behavior>`: stocks and flows non-negative unless they say otherwise.
    behavior: (bool, bool),
    /// The variable being read has per-element tables.
    arrayed_table: bool,
}

/// Child elements with a local name (namespaces ignored: Stella writes `isee:` extras that
/// carry nothing the simulation needs).
fn children<'a, 'b>(n: Node<'a, 'b>, name: &'static str) -> impl Iterator<Item = Node<'a, 'b>> {
    n.children()
        .filter(move |c| c.is_element() && c.tag_name().name() == name)
}

fn child<'a, 'b>(n: Node<'a, 'b>, name: &'static str) -> Option<Node<'a, 'b>> {
    children(n, name).next()
}

impl<'a> Resolver for Reader<'a> {
    fn variable(&self, name: &str) -> Option<String> {
        self.var_index
            .get(&key(name))
            .map(|&i| self.vars[i].id.clone())
    }
    fn table(&self, name: &str) -> Option<String> {
        self.tables.get(&key(name)).cloned()
    }
    fn subscript(&self, name: &str) -> Option<String> {
        self.dim_of.get(&key(name)).cloned()
    }
    fn dims_of(&self, var: &str) -> Vec<String> {
        self.var_index
            .get(&key(var))
            .map(|&i| self.vars[i].dims.iter().map(|d| d.value.clone()).collect())
            .unwrap_or_default()
    }
    fn element_at(&self, dim: &str, i: usize) -> Option<String> {
        self.dims
            .iter()
            .find(|(d, _)| d == dim)
            .and_then(|(_, e)| e.get(i).cloned())
    }
    fn own_dims(&self) -> &[String] {
        &self.own
    }
}

impl<'a> Reader<'a> {
    fn err(&mut self, at: Range<usize>, msg: impl Into<String>) {
        let span = pressure_model::Span::new(self.file, at.start, at.end);
        self.errors
            .push(Diagnostic::error(msg).at(&self.sources, span));
    }

    /// The byte range of an element's text content (its first text child), or of the
    /// element when it has none.
    fn text_at(n: Node) -> Range<usize> {
        n.children()
            .find(|c| c.is_text())
            .map(|c| c.range())
            .unwrap_or_else(|| n.range())
    }

    fn number_of(&mut self, n: Node) -> Option<f64> {
        let t = n.text().unwrap_or("").trim();
        match t.parse::<f64>() {
            Ok(v) if v.is_finite() => Some(v),
            _ => {
                self.err(
                    Self::text_at(n),
                    format!("<{}> must be a number, found '{t}'", n.tag_name().name()),
                );
                None
            }
        }
    }

    /// `original`: the file's text (`self.text` may have undeclared prefixes renamed).
    fn read(&mut self, root: Node<'a, 'a>, original: &str) -> SourceModel {
        let settings = self.settings(root);
        if let Some(b) = child(root, "behavior") {
            let all = child(b, "non_negative").is_some();
            let of = |tag: &'static str| {
                all || child(b, tag).is_some_and(|t| child(t, "non_negative").is_some())
            };
            self.behavior = (of("stock"), of("flow"));
        }
        if let Some(d) = child(root, "dimensions") {
            self.dimensions(d);
        }
        let mut name = None;
        let mut doc = None;
        if let Some(h) = child(root, "header") {
            name = child(h, "name")
                .and_then(|n| n.text())
                .map(|s| s.trim().to_string());
        }
        for m in children(root, "macro") {
            self.err(
                m.range(),
                "XMILE macros are not supported yet (the model uses <macro>)",
            );
        }
        let models: Vec<Node> = children(root, "model").collect();
        if models.len() > 1 {
            self.err(
                models[1].range(),
                "XMILE modules (several <model> elements) are not supported yet",
            );
        }
        let Some(model) = models.first().copied() else {
            self.err(root.range(), "the file has no <model>");
            return self.empty(settings, original);
        };
        if let Some(d) = child(model, "doc").and_then(|d| d.text()) {
            doc = Some(d.trim().to_string()).filter(|d| !d.is_empty());
        }
        // Files of the XMILE drafts (Stella 10) put the variables directly in <model>.
        let vars = child(model, "variables").unwrap_or(model);
        // Whatever a stock names as an inflow or outflow is a flow, whatever its tag (files
        // converted from Vensim declare some flows as <aux>).
        let mut flow_keys = std::collections::HashSet::new();
        for st in children(vars, "stock") {
            for f in children(st, "inflow").chain(children(st, "outflow")) {
                flow_keys.insert(key(f.text().unwrap_or("").trim().trim_matches('"')));
            }
        }
        // Pass 1: names, kinds, dimensions, tables.
        for v in vars.children().filter(|c| c.is_element()) {
            let kind = match v.tag_name().name() {
                "stock" => Kind::Stock,
                "flow" => Kind::Flow,
                "aux" => Kind::Aux,
                "gf" => Kind::Table,
                "module" => {
                    self.err(v.range(), "XMILE modules are not supported yet");
                    continue;
                }
                "group" | "display" | "interface" | "doc" | "variables" | "views" | "behavior" => {
                    continue
                }
                other => {
                    if v.tag_name().namespace() == v.default_namespace() {
                        self.err(v.range(), format!("unknown variable element <{other}>"));
                    }
                    continue;
                }
            };
            let Some(attr) = v.attribute_node("name") else {
                self.err(
                    v.range(),
                    format!("<{}> without a name", v.tag_name().name()),
                );
                continue;
            };
            let written = attr.value().replace("\\n", " ").replace('\n', " ");
            let k = key(&written);
            let kind = if kind == Kind::Aux && flow_keys.contains(&k) {
                Kind::Flow
            } else if kind == Kind::Aux
                && child(v, "eqn").is_none()
                && (child(v, "gf").is_some()
                    || children(v, "element").any(|e| child(e, "gf").is_some()))
                && !children(v, "element").any(|e| child(e, "eqn").is_some())
            {
                // An auxiliary that is only a graphical function (no equation): a lookup, as
                // Pressure's XMILE export writes one for tools without a lone <gf>.
                Kind::Table
            } else {
                kind
            };
            if is_register(&k) {
                continue; // the run settings come from <sim_specs>
            }
            if self.var_index.contains_key(&k) {
                self.err(attr.range_value(), format!("'{written}' is defined twice"));
                continue;
            }
            for bad in ["conveyor", "queue"] {
                if child(v, bad).is_some() {
                    self.err(v.range(), format!("{bad}s are not supported yet"));
                }
            }
            let id = self.names.intern_verbatim(&written);
            let mut dims = Vec::new();
            if let Some(ds) = child(v, "dimensions") {
                for d in children(ds, "dim") {
                    let dn = d.attribute("name").unwrap_or("");
                    match self.dim_of.get(&key(dn)) {
                        Some(id) if self.dims.iter().any(|(x, _)| x == id) => {
                            dims.push(Located::new(id.clone(), d.range()))
                        }
                        _ => self.err(d.range(), format!("unknown dimension '{dn}'")),
                    }
                }
            }
            let has_gf = child(v, "gf").is_some()
                || children(v, "element").any(|e| child(e, "gf").is_some());
            let table = match kind {
                Kind::Table => Some(id.clone()),
                _ if has_gf => {
                    let t = self.names.fresh(&format!("{id}_table"));
                    Some(t)
                }
                _ => None,
            };
            if let Some(t) = &table {
                self.tables.insert(k.clone(), t.clone());
                self.tables.insert(key(&id), t.clone());
            }
            self.var_index.insert(k, self.vars.len());
            self.var_index.entry(key(&id)).or_insert(self.vars.len());
            self.vars.push(XVar {
                kind,
                node: v,
                id,
                name_at: attr.range_value(),
                dims,
                table,
            });
        }
        // Pass 2: equations.
        let mut variables = Vec::new();
        for i in 0..self.vars.len() {
            self.variable(i, &mut variables);
        }
        SourceModel {
            path: self.path.clone(),
            text: original.to_string(),
            name,
            doc,
            settings,
            dimensions: self.source_dimensions(),
            variables,
        }
    }

    /// The dimensions, a dimension whose elements all belong to another (larger, or as large
    /// and earlier) being its subrange: XMILE 1.0 has no subranges, so this is how a
    /// subrange written out by [`write::to_xmile`] (or a Vensim subrange converted by xmutil)
    /// indexes its parent again.
    fn source_dimensions(&self) -> Vec<SourceDimension> {
        let sets: Vec<std::collections::HashSet<&String>> =
            self.dims.iter().map(|(_, e)| e.iter().collect()).collect();
        let contains = |p: usize, c: usize| {
            p != c && sets[c].is_subset(&sets[p]) && (sets[c].len() < sets[p].len() || p < c)
        };
        let n = self.dims.len();
        let full: Vec<bool> = (0..n).map(|c| !(0..n).any(|p| contains(p, c))).collect();
        self.dims
            .iter()
            .enumerate()
            .map(|(c, (d, e))| {
                let parent = (!full[c])
                    .then(|| (0..n).find(|&p| full[p] && contains(p, c)))
                    .flatten();
                SourceDimension {
                    name: Located::new(d.clone(), self.dim_at[c].clone()),
                    elements: e
                        .iter()
                        .map(|x| Located::new(x.clone(), self.dim_at[c].clone()))
                        .collect(),
                    subrange_of: parent
                        .map(|p| Located::new(self.dims[p].0.clone(), self.dim_at[c].clone())),
                }
            })
            .collect()
    }

    fn empty(&self, settings: SourceSettings, original: &str) -> SourceModel {
        SourceModel {
            path: self.path.clone(),
            text: original.to_string(),
            name: None,
            doc: None,
            settings,
            dimensions: vec![],
            variables: vec![],
        }
    }

    fn settings(&mut self, root: Node) -> SourceSettings {
        let mut s = SourceSettings::default();
        let Some(spec) = child(root, "sim_specs") else {
            return s;
        };
        let located = |this: &mut Self, name: &'static str| {
            let n = child(spec, name)?;
            let v = this.number_of(n)?;
            Some(Located::new(v, Self::text_at(n)))
        };
        s.start = located(self, "start");
        s.stop = located(self, "stop");
        s.dt = located(self, "dt");
        if let (Some(dt), Some(n)) = (&mut s.dt, child(spec, "dt")) {
            if n.attribute("reciprocal") == Some("true") && dt.value != 0.0 {
                dt.value = 1.0 / dt.value;
            }
        }
        s.save_every = located(self, "save_step").or_else(|| {
            spec.attributes()
                .find(|a| a.name() == "save_interval")
                .and_then(|a| {
                    a.value()
                        .trim()
                        .parse::<f64>()
                        .ok()
                        .map(|v| Located::new(v, a.range_value()))
                })
        });
        if let Some(m) = spec.attribute_node("method") {
            let method = match m.value().trim().to_ascii_lowercase().as_str() {
                "euler" => Some("euler"),
                "rk2" => Some("rk2"),
                "rk4" => Some("rk4"),
                other => {
                    self.err(
                        m.range_value(),
                        format!("integration method '{other}' is not supported (euler, rk2, rk4)"),
                    );
                    None
                }
            };
            s.method = method.map(|x| Located::new(x.to_string(), m.range_value()));
        }
        s.time_units = spec
            .attribute("time_units")
            .map(|t| t.trim().to_string())
            .filter(|t| !t.is_empty());
        s
    }

    fn dimensions(&mut self, ds: Node) {
        for d in children(ds, "dim") {
            let Some(name) = d.attribute("name") else {
                self.err(d.range(), "<dim> without a name");
                continue;
            };
            let id = self.names.intern_verbatim(name);
            let mut elements = Vec::new();
            for e in children(d, "elem") {
                let en = e.attribute("name").unwrap_or("");
                let eid = self.names.intern_verbatim(en);
                self.dim_of.entry(key(en)).or_insert(eid.clone());
                elements.push(eid);
            }
            if elements.is_empty() {
                let size = d
                    .attribute("size")
                    .and_then(|s| s.trim().parse::<usize>().ok());
                match size {
                    Some(n) if n > 0 && n <= 1_000_000 => {
                        for i in 1..=n {
                            let eid = self.names.intern_verbatim(&i.to_string());
                            self.dim_of
                                .entry(key(&i.to_string()))
                                .or_insert(eid.clone());
                            elements.push(eid);
                        }
                    }
                    _ => {
                        self.err(
                            d.range(),
                            format!("dimension '{name}' has neither <elem> nor a valid size"),
                        );
                        continue;
                    }
                }
            }
            self.dim_of.insert(key(name), id.clone());
            self.dims.push((id, elements));
            self.dim_at.push(d.range());
        }
    }

    /// Parses an equation element's text; errors point into the file.
    fn equation(&mut self, n: Node) -> Option<(pressure_model::eqn::Ast, Range<usize>)> {
        let text = n.text().unwrap_or("");
        let at = Self::text_at(n);
        // Offsets are exact when the raw text is the decoded text (no entities).
        let exact = self.text.get(at.clone()) == Some(text);
        match expr::parse(text, self) {
            Ok(ast) => Some((ast, at)),
            Err(e) => {
                let p = if exact { at.start + e.at } else { at.start };
                self.err(p..(p + 1).min(at.end.max(p + 1)), e.message);
                None
            }
        }
    }

    fn gf(&mut self, n: Node) -> Option<Gf> {
        let at = n.range();
        let list = |this: &mut Self, tag: &'static str| -> Option<Option<Vec<f64>>> {
            let Some(p) = child(n, tag) else {
                return Some(None);
            };
            let sep = p.attribute("sep").unwrap_or(",");
            let text = p.text().unwrap_or("");
            let mut out = Vec::new();
            for part in text.split(sep) {
                let t = part.trim();
                if t.is_empty() {
                    continue;
                }
                match t.parse::<f64>() {
                    Ok(v) if v.is_finite() => out.push(v),
                    _ => {
                        this.err(
                            Self::text_at(p),
                            format!("'{t}' is not a number in <{tag}>"),
                        );
                        return None;
                    }
                }
            }
            Some(Some(out))
        };
        let y = list(self, "ypts")?;
        let x = list(self, "xpts")?;
        let Some(y) = y else {
            self.err(at, "a graphical function needs <ypts>");
            return None;
        };
        let x = match x {
            Some(x) => x,
            None => {
                let Some(xs) = child(n, "xscale") else {
                    self.err(at, "a graphical function needs <xpts> or <xscale>");
                    return None;
                };
                let lo = xs
                    .attribute("min")
                    .and_then(|v| v.trim().parse::<f64>().ok());
                let hi = xs
                    .attribute("max")
                    .and_then(|v| v.trim().parse::<f64>().ok());
                let (Some(lo), Some(hi)) = (lo, hi) else {
                    self.err(xs.range(), "<xscale> needs numeric min and max");
                    return None;
                };
                let k = y.len();
                if k < 2 {
                    vec![lo; k]
                } else {
                    (0..k)
                        .map(|i| lo + (hi - lo) * i as f64 / (k - 1) as f64)
                        .collect()
                }
            }
        };
        if x.len() != y.len() || x.is_empty() {
            self.err(
                at,
                format!(
                    "a graphical function has {} x values and {} y values",
                    x.len(),
                    y.len()
                ),
            );
            return None;
        }
        let (interpolation, extrapolation) = match n.attribute("type").map(str::to_ascii_lowercase)
        {
            None => (Interpolation::Linear, Extrapolation::Clamp),
            Some(t) if t == "continuous" => (Interpolation::Linear, Extrapolation::Clamp),
            Some(t) if t == "extrapolate" => (Interpolation::Linear, Extrapolation::Linear),
            Some(t) if t == "discrete" => (Interpolation::Step, Extrapolation::Clamp),
            Some(t) => {
                self.err(at.clone(), format!("unknown graphical function type '{t}'"));
                return None;
            }
        };
        Some(Gf {
            x,
            y,
            interpolation,
            extrapolation,
            at,
        })
    }

    fn table(g: Gf) -> SourceTable {
        SourceTable {
            x: g.x,
            y: g.y,
            interpolation: g.interpolation,
            extrapolation: g.extrapolation,
            at: g.at,
        }
    }

    /// The element key (`a` or `a,b`) of `<element subscript="A, B">`.
    fn element_key(&mut self, e: Node) -> Option<Located<String>> {
        let Some(a) = e.attribute_node("subscript") else {
            self.err(e.range(), "<element> without a subscript");
            return None;
        };
        let parts: Vec<String> = a
            .value()
            .split(',')
            .map(|s| {
                let s = s.trim();
                self.dim_of
                    .get(&key(s))
                    .cloned()
                    .unwrap_or_else(|| identifier(s))
            })
            .collect();
        Some(Located::new(parts.join(","), a.range_value()))
    }

    fn variable(&mut self, i: usize, out: &mut Vec<SourceVariable>) {
        let v = self.vars[i].node;
        let kind = self.vars[i].kind;
        let id = self.vars[i].id.clone();
        let name = Located::new(id.clone(), self.vars[i].name_at.clone());
        let dims = self.vars[i].dims.clone();
        let table_id = self.vars[i].table.clone();
        self.arrayed_table = false;
        self.own = dims.iter().map(|d| d.value.clone()).collect();
        let units = child(v, "units").and_then(|u| {
            let t = u.text()?.trim();
            let e = crate::mdl::unit_expression(t)?;
            Some(Located::new(e, Self::text_at(u)))
        });
        let mut doc = child(v, "doc")
            .and_then(|d| d.text())
            .map(|d| d.split_whitespace().collect::<Vec<_>>().join(" "))
            .filter(|d| !d.is_empty());
        if let Some(u) = child(v, "units").and_then(|u| u.text()) {
            let u = u.trim();
            if !u.is_empty() && crate::mdl::unit_expression(u).is_none() {
                let note = format!("Units (XMILE): {u}.");
                doc = Some(match doc {
                    Some(d) => format!("{d} {note}"),
                    None => note,
                });
            }
        }
        let push = |out: &mut Vec<SourceVariable>, n: Located<String>, k: SourceKind| {
            let mut sv = SourceVariable::new(n, k);
            sv.dims = dims.clone();
            sv.units = units.clone();
            sv.doc = doc.clone();
            out.push(sv);
        };
        // Graphical functions: the variable's own table(s).
        let elements: Vec<Node> = children(v, "element").collect();
        if let Some(t) = &table_id {
            let own = if v.tag_name().name() == "gf" {
                Some(v)
            } else {
                child(v, "gf")
            };
            let default = match own {
                Some(g) => match self.gf(g) {
                    Some(g) => Some(Self::table(g)),
                    None => return,
                },
                None => None,
            };
            let mut per_element = Vec::new();
            for e in &elements {
                if let Some(g) = child(*e, "gf") {
                    let (Some(k), Some(g)) = (self.element_key(*e), self.gf(g)) else {
                        return;
                    };
                    per_element.push((k, Self::table(g)));
                }
            }
            let mut tv = SourceVariable::new(
                Located::new(t.clone(), name.at.clone()),
                SourceKind::Lookup {
                    default,
                    per_element,
                },
            );
            let arrayed = !tv_per_element_empty(&tv);
            if arrayed {
                tv.dims = dims.clone();
            }
            self.arrayed_table = arrayed;
            tv.doc = Some(format!("The graphical function of {id}."));
            if kind == Kind::Table {
                tv.doc = doc.clone();
                out.push(tv);
                return;
            }
            out.push(tv);
        }
        let eqn = child(v, "eqn");
        // `<non_negative/>`, or `<non_negative>false</non_negative>` saying the opposite;
        // without either, the model's <behavior> default for its kind.
        let non_negative = match child(v, "non_negative") {
            Some(n) => !n
                .text()
                .is_some_and(|t| t.trim().eq_ignore_ascii_case("false")),
            None => match kind {
                Kind::Stock => self.behavior.0,
                Kind::Flow => self.behavior.1,
                _ => false,
            },
        };
        // Equations: one for all elements, or one per element.
        let equations: Option<SourceEquations> = if !elements.is_empty()
            && elements.iter().any(|e| child(*e, "eqn").is_some())
        {
            let mut per = Vec::new();
            for e in &elements {
                let Some(k) = self.element_key(*e) else {
                    return;
                };
                let Some(en) = child(*e, "eqn") else {
                    self.err(e.range(), "<element> without <eqn>");
                    return;
                };
                let Some(x) =
                    self.source_equation(en, table_id.as_deref(), &k.value, kind, non_negative)
                else {
                    return;
                };
                per.push((k, x));
            }
            Some(SourceEquations::PerElement(per))
        } else if children(v, "eqn").count() > 1 && !dims.is_empty() {
            // Several <eqn> of an arrayed variable (as xmutil writes Vensim's per-element
            // equations): one per element, in element order.
            let keys = self.tuples(&dims);
            let eqns: Vec<Node> = children(v, "eqn").collect();
            if keys.len() != eqns.len() {
                self.err(
                    name.at.clone(),
                    format!("{} equations for {} elements", eqns.len(), keys.len()),
                );
                return;
            }
            let mut per = Vec::new();
            for (k, en) in keys.into_iter().zip(eqns) {
                let Some(x) = self.source_equation(en, table_id.as_deref(), &k, kind, non_negative)
                else {
                    return;
                };
                per.push((Located::new(k, Self::text_at(en)), x));
            }
            Some(SourceEquations::PerElement(per))
        } else if let Some(en) = eqn {
            // A list of numbers for an arrayed variable: its values in element order.
            if !dims.is_empty() && table_id.is_none() && kind == Kind::Aux {
                if let Some(values) = number_list(en.text().unwrap_or("")) {
                    if values.len() > 1 {
                        let keys = self.tuples(&dims);
                        if keys.len() != values.len() {
                            self.err(
                                Self::text_at(en),
                                format!("{} values for {} elements", values.len(), keys.len()),
                            );
                            return;
                        }
                        let at = Self::text_at(en);
                        let table = keys
                            .into_iter()
                            .zip(values)
                            .map(|(k, x)| {
                                (Located::new(k, at.clone()), SourceValue::Num(x, at.clone()))
                            })
                            .collect();
                        push(
                            out,
                            name,
                            SourceKind::Constant {
                                value: SourceValue::Table(table, at),
                                range: None,
                            },
                        );
                        return;
                    }
                }
            }
            let x = self.source_equation(en, table_id.as_deref(), "", kind, non_negative);
            let Some(x) = x else {
                return;
            };
            Some(SourceEquations::Uniform(x))
        } else {
            None
        };
        let Some(equations) = equations else {
            self.err(name.at.clone(), format!("'{id}' has no <eqn>"));
            return;
        };
        let kind = match kind {
            Kind::Stock => {
                let flows = |tag: &'static str| -> Vec<Located<String>> {
                    children(v, tag)
                        .map(|f| {
                            let t = f.text().unwrap_or("").trim();
                            let t = t.trim_matches('"');
                            let fid = self
                                .var_index
                                .get(&key(t))
                                .map(|&i| self.vars[i].id.clone())
                                .unwrap_or_else(|| identifier(t));
                            Located::new(fid, Self::text_at(f))
                        })
                        .collect()
                };
                SourceKind::Stock {
                    initial: equations,
                    inflows: flows("inflow"),
                    outflows: flows("outflow"),
                    non_negative,
                }
            }
            Kind::Flow => SourceKind::Flow {
                equation: equations,
            },
            _ => match constant_value(&equations) {
                Some(value) if table_id.is_none() => SourceKind::Constant { value, range: None },
                _ => SourceKind::Aux {
                    equation: equations,
                },
            },
        };
        push(out, name, kind);
    }

    /// Every element key of a list of dimensions, row-major (`a,b`).
    fn tuples(&self, dims: &[Located<String>]) -> Vec<String> {
        let mut out = vec![String::new()];
        for d in dims {
            let elems = self
                .dims
                .iter()
                .find(|(x, _)| *x == d.value)
                .map(|(_, e)| e.clone())
                .unwrap_or_default();
            out = out
                .into_iter()
                .flat_map(|p| {
                    elems.iter().map(move |e| {
                        if p.is_empty() {
                            e.clone()
                        } else {
                            format!("{p},{e}")
                        }
                    })
                })
                .collect();
        }
        out
    }

    /// One equation in the equation language: the table applied to it for a variable with
    /// a graphical function, `MAX(0, ...)` for a non-negative flow.
    fn source_equation(
        &mut self,
        n: Node,
        table: Option<&str>,
        element: &str,
        kind: Kind,
        non_negative: bool,
    ) -> Option<SourceEquation> {
        use pressure_model::eqn::{Ast, AstKind, SubAst};
        let (mut ast, at) = self.equation(n)?;
        let wrap = |name: &str, subs: Vec<SubAst>, args: Vec<Ast>| Ast {
            kind: AstKind::Call {
                name: name.to_string(),
                subs,
                args,
            },
            start: 0,
            end: 0,
        };
        if let Some(t) = table {
            // An arrayed table is called for the element being computed.
            let subs = if self.own.is_empty() || !self.arrayed_table {
                vec![]
            } else if element.is_empty() {
                self.own
                    .iter()
                    .map(|d| SubAst {
                        name: d.clone(),
                        bang: false,
                        start: 0,
                        end: 0,
                    })
                    .collect()
            } else {
                element
                    .split(',')
                    .map(|e| SubAst {
                        name: e.to_string(),
                        bang: false,
                        start: 0,
                        end: 0,
                    })
                    .collect()
            };
            ast = wrap(t, subs, vec![ast]);
        }
        if kind == Kind::Flow && non_negative {
            let zero = Ast {
                kind: AstKind::Num(0.0),
                start: 0,
                end: 0,
            };
            ast = wrap("MAX", vec![], vec![zero, ast]);
        }
        Some(SourceEquation::approximate(
            pressure_model::eqn::print(&ast),
            at,
        ))
    }
}

fn tv_per_element_empty(v: &SourceVariable) -> bool {
    matches!(&v.kind, SourceKind::Lookup { per_element, .. } if per_element.is_empty())
}

/// `0.1, 0.2; 0.3, 0.4;` as numbers (Vensim array constants as xmutil writes them).
fn number_list(text: &str) -> Option<Vec<f64>> {
    let mut out = Vec::new();
    for p in text.split([',', ';']) {
        let t = p.trim();
        if t.is_empty() {
            continue;
        }
        out.push(t.parse::<f64>().ok().filter(|v| v.is_finite())?);
    }
    (!out.is_empty()).then_some(out)
}

/// A constant when every equation is a plain number (a parameter the user may override).
fn constant_value(e: &SourceEquations) -> Option<SourceValue> {
    let num = |x: &SourceEquation| -> Option<f64> {
        let t = x.text.trim();
        let (neg, body) = match t.strip_prefix('-') {
            Some(b) => (true, b.trim()),
            None => (false, t),
        };
        let v: f64 = body.parse().ok()?;
        Some(if neg { -v } else { v })
    };
    match e {
        SourceEquations::Uniform(x) => Some(SourceValue::Num(num(x)?, x.at.clone())),
        SourceEquations::PerElement(list) => {
            let mut table = Vec::new();
            for (k, x) in list {
                table.push((k.clone(), SourceValue::Num(num(x)?, x.at.clone())));
            }
            let at = list.first().map(|(_, x)| x.at.clone()).unwrap_or(0..0);
            Some(SourceValue::Table(table, at))
        }
    }
}
