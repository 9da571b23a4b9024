//! Rendering a spec's results: coefficient CSV, JSON, a booktabs LaTeX table, the extra
//! per-estimator tables, and the comparison with published figures.

use super::run::{num_s, ModelReport};
use super::Comparison as ComparisonSpec;
use super::Estimator;
use crate::error::{EconError, Result};
use pressure_data::priors::{PriorModel, PriorTable};
use pressure_output::{CsvTable, WriteError};
use serde::Serialize;
use std::path::PathBuf;

/// The extra table of a synthetic-control model that goes into `synth_episodes.csv`.
const SYNTH_EPISODE: &str = "synth_episode";

/// A small CSV table produced by an estimator (IRFs, survival curves, synthetic paths...).
#[derive(Debug, Clone, Serialize)]
pub struct ExtraTable {
    /// File stem (`irf` → `<model>_irf.csv`).
    pub name: String,
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

impl ExtraTable {
    pub(crate) fn new(name: &str, header: &[&str]) -> Self {
        ExtraTable {
            name: name.to_string(),
            header: header.iter().map(|s| s.to_string()).collect(),
            rows: vec![],
        }
    }

    pub(crate) fn push(&mut self, row: Vec<String>) {
        self.rows.push(row);
    }

    fn to_csv(&self) -> String {
        let mut t = CsvTable::with_header(&self.header);
        for r in &self.rows {
            t.row(r);
        }
        t.into_string()
    }
}

/// An estimate next to a published figure.
#[derive(Debug, Clone, Serialize)]
pub struct Comparison {
    pub model: String,
    pub term: String,
    pub estimate: f64,
    pub std_error: f64,
    pub ci_lower: f64,
    pub ci_upper: f64,
    pub published_value: Option<f64>,
    pub published_low: Option<f64>,
    pub published_high: Option<f64>,
    pub source: String,
    pub note: Option<String>,
    /// True when the confidence interval overlaps the published range (or contains the
    /// published value).
    pub consistent: bool,
}

impl Comparison {
    pub(crate) fn build(c: &ComparisonSpec, models: &[ModelReport]) -> Result<Comparison> {
        let m = models
            .iter()
            .find(|m| m.name == c.model)
            .expect("checked when the spec was loaded");
        let row = m.coefficients.get(&c.term).ok_or_else(|| {
            EconError::Invalid(format!(
                "[[compare]]: model `{}` has no term `{}` (terms: {})",
                c.model,
                c.term,
                m.coefficients.terms.join(", ")
            ))
        })?;
        let (lo, hi) = match (c.value, c.low, c.high) {
            (Some(v), _, _) => (v, v),
            (None, Some(l), Some(h)) => (l.min(h), l.max(h)),
            _ => {
                return Err(EconError::Invalid(format!(
                    "[[compare]] for `{}`: give `value` or both `low` and `high`",
                    c.term
                )))
            }
        };
        Ok(Comparison {
            model: c.model.clone(),
            term: c.term.clone(),
            estimate: row.estimate,
            std_error: row.std_error,
            ci_lower: row.ci_lower,
            ci_upper: row.ci_upper,
            published_value: c.value,
            published_low: c.low,
            published_high: c.high,
            source: c.source.clone(),
            note: c.note.clone(),
            consistent: row.ci_lower <= hi && lo <= row.ci_upper,
        })
    }
}

/// One step of a decomposition, with the estimate it follows.
#[derive(Debug, Clone, Serialize)]
pub struct DecompositionStep {
    /// The step's label.
    pub label: String,
    /// The model whose estimate it shows.
    pub model: String,
    /// The term of that model.
    pub term: String,
    /// The estimate, in the model's `dependent_units`.
    pub estimate: f64,
    /// Its standard error.
    pub std_error: f64,
    /// Lower end of its confidence interval.
    pub ci_lower: f64,
    /// Upper end of its confidence interval.
    pub ci_upper: f64,
    /// Observations of the model.
    pub n_obs: usize,
    /// Panel units of the model (see [`ModelReport::n_units`]).
    pub n_units: Option<usize>,
    /// Change of the estimate from the previous step.
    pub change: Option<f64>,
    /// Whether the confidence interval overlaps the published range.
    pub overlaps_published: Option<bool>,
}

/// An estimate followed across models (a replication's decomposition).
#[derive(Debug, Clone, Serialize)]
pub struct Decomposition {
    /// The spec's `name` (file `decomposition_<name>.csv`).
    pub name: String,
    /// Figure and table title.
    pub title: Option<String>,
    /// Low end of the published range.
    pub published_low: Option<f64>,
    /// High end of the published range.
    pub published_high: Option<f64>,
    /// Where the published range comes from.
    pub source: Option<String>,
    /// The steps, in the spec's order.
    pub steps: Vec<DecompositionStep>,
}

impl Decomposition {
    pub(crate) fn build(d: &super::DecompositionSpec, models: &[ModelReport]) -> Result<Self> {
        let mut steps: Vec<DecompositionStep> = vec![];
        let range = match (d.low, d.high) {
            (Some(a), Some(b)) => Some((a.min(b), a.max(b))),
            (None, None) => None,
            _ => {
                return Err(EconError::Invalid(format!(
                    "[[decomposition]] `{}`: give both `low` and `high`, or neither",
                    d.name
                )))
            }
        };
        for r in &d.rows {
            let m = models
                .iter()
                .find(|m| m.name == r.model)
                .expect("checked when the spec was loaded");
            let row = m.coefficients.get(&r.term).ok_or_else(|| {
                EconError::Invalid(format!(
                    "[[decomposition]] `{}`, row `{}`: model `{}` has no term `{}`{} (terms: {})",
                    d.name,
                    r.label,
                    r.model,
                    r.term,
                    if m.dropped.contains(&r.term) {
                        ", it was dropped as collinear"
                    } else {
                        ""
                    },
                    m.coefficients.terms.join(", ")
                ))
            })?;
            steps.push(DecompositionStep {
                label: r.label.clone(),
                model: r.model.clone(),
                term: r.term.clone(),
                estimate: row.estimate,
                std_error: row.std_error,
                ci_lower: row.ci_lower,
                ci_upper: row.ci_upper,
                n_obs: m.n_obs,
                n_units: m.n_units,
                change: steps.last().map(|p| row.estimate - p.estimate),
                overlaps_published: range.map(|(lo, hi)| row.ci_lower <= hi && lo <= row.ci_upper),
            });
        }
        Ok(Decomposition {
            name: d.name.clone(),
            title: d.title.clone(),
            published_low: range.map(|r| r.0),
            published_high: range.map(|r| r.1),
            source: d.source.clone(),
            steps,
        })
    }

    /// `decomposition_<name>.csv`.
    pub fn to_csv(&self) -> String {
        let mut s = CsvTable::with_header([
            "step",
            "label",
            "model",
            "term",
            "estimate",
            "std_error",
            "ci_lower",
            "ci_upper",
            "change",
            "n_obs",
            "n_units",
            "published_low",
            "published_high",
            "overlaps_published",
        ]);
        let opt = |v: Option<f64>| v.map_or(String::new(), num_s);
        for (i, st) in self.steps.iter().enumerate() {
            s.row([
                i.to_string(),
                st.label.clone(),
                st.model.clone(),
                st.term.clone(),
                num_s(st.estimate),
                num_s(st.std_error),
                num_s(st.ci_lower),
                num_s(st.ci_upper),
                opt(st.change),
                st.n_obs.to_string(),
                st.n_units.map_or(String::new(), |n| n.to_string()),
                opt(self.published_low),
                opt(self.published_high),
                st.overlaps_published
                    .map_or(String::new(), |b| b.to_string()),
            ]);
        }
        s.into_string()
    }
}

/// The results of a spec.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// The spec's title (its file name when it has none).
    pub title: String,
    /// The spec's description.
    pub description: Option<String>,
    /// The spec file.
    pub spec_file: PathBuf,
    /// Data files read.
    pub inputs: Vec<PathBuf>,
    /// Confidence level of every interval.
    pub level: f64,
    /// Whether the LaTeX tables carry significance stars.
    pub stars: bool,
    /// The seed used (the command line's over the spec's).
    pub seed: Option<u64>,
    /// Every model's results, in spec order.
    pub models: Vec<ModelReport>,
    /// The published comparisons, evaluated.
    pub comparisons: Vec<Comparison>,
    /// The decompositions, evaluated.
    pub decompositions: Vec<Decomposition>,
}

/// Escapes LaTeX special characters in text.
pub fn latex_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '_' | '%' | '$' | '&' | '#' | '{' | '}' => {
                out.push('\\');
                out.push(c);
            }
            '~' => out.push_str("\\textasciitilde{}"),
            '^' => out.push_str("\\textasciicircum{}"),
            '\\' => out.push_str("\\textbackslash{}"),
            '²' => out.push_str("$^2$"),
            '≥' => out.push_str("$\\geq$"),
            '≤' => out.push_str("$\\leq$"),
            'Σ' => out.push_str("$\\Sigma$"),
            '⊗' => out.push_str("$\\otimes$"),
            '⁻' => out.push_str("$^{-}$"),
            '¹' => out.push_str("$^{1}$"),
            '−' => out.push('-'),
            _ => out.push(c),
        }
    }
    out
}

/// A number for a LaTeX table: three decimals, or scientific for tiny magnitudes.
fn tex_num(x: f64) -> String {
    if !x.is_finite() {
        return String::new();
    }
    let a = x.abs();
    if a != 0.0 && a < 0.0005 {
        let e = a.log10().floor() as i32;
        let m = x / 10f64.powi(e);
        format!("${m:.2}\\times10^{{{e}}}$")
    } else {
        format!("{x:.3}")
    }
}

fn stars(p: f64) -> &'static str {
    if !p.is_finite() {
        ""
    } else if p < 0.01 {
        "***"
    } else if p < 0.05 {
        "**"
    } else if p < 0.10 {
        "*"
    } else {
        ""
    }
}

impl ModelReport {
    /// The model's name made file-safe (ASCII letters and digits lower-cased, everything else
    /// `_`, no leading or trailing `_`): the stem of its extra tables, `<stem>_<table>.csv`, and
    /// of its figures. The one definition both the writer and the figure planner use.
    pub fn file_stem(&self) -> String {
        let s: String = self
            .name
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() {
                    c.to_ascii_lowercase()
                } else {
                    '_'
                }
            })
            .collect();
        s.trim_matches('_').to_string()
    }
}
impl Report {
    /// `coefficients.csv`: model, term, estimate, std_error, statistic, p_value, ci_lower,
    /// ci_upper (full precision, empty = not available).
    pub fn coefficients_csv(&self) -> String {
        let mut s = CsvTable::with_header([
            "model",
            "term",
            "estimate",
            "std_error",
            "statistic",
            "p_value",
            "ci_lower",
            "ci_upper",
        ]);
        for m in &self.models {
            let t = &m.coefficients;
            for i in 0..t.len() {
                s.row([
                    m.name.clone(),
                    t.terms[i].clone(),
                    num_s(t.estimate[i]),
                    num_s(t.std_error[i]),
                    num_s(t.statistic[i]),
                    num_s(t.p_value[i]),
                    num_s(t.ci_lower[i]),
                    num_s(t.ci_upper[i]),
                ]);
            }
        }
        s.into_string()
    }

    /// `comparison.csv` (empty string when the spec has no `[[compare]]`).
    pub fn comparison_csv(&self) -> String {
        if self.comparisons.is_empty() {
            return String::new();
        }
        let mut s = CsvTable::with_header([
            "model",
            "term",
            "estimate",
            "std_error",
            "ci_lower",
            "ci_upper",
            "published_value",
            "published_low",
            "published_high",
            "consistent",
            "source",
        ]);
        let opt = |v: Option<f64>| v.map_or(String::new(), num_s);
        for c in &self.comparisons {
            s.row([
                c.model.clone(),
                c.term.clone(),
                num_s(c.estimate),
                num_s(c.std_error),
                num_s(c.ci_lower),
                num_s(c.ci_upper),
                opt(c.published_value),
                opt(c.published_low),
                opt(c.published_high),
                c.consistent.to_string(),
                c.source.clone(),
            ]);
        }
        s.into_string()
    }

    /// Every output file of a run, name and text: `coefficients.csv`, `coefficients.json`,
    /// `results.json`, `table.tex`, `priors.json`, `comparison.csv` (when the spec compares)
    /// and the extra tables. `pressure estimate` and the study runner both write exactly these.
    pub fn output_files(&self) -> Vec<(String, String)> {
        let mut files = vec![
            ("coefficients.csv".to_string(), self.coefficients_csv()),
            ("coefficients.json".to_string(), self.coefficients_json()),
            ("results.json".to_string(), self.to_json()),
            ("table.tex".to_string(), self.to_latex()),
            ("priors.json".to_string(), self.prior_table().to_json()),
        ];
        let comparison = self.comparison_csv();
        if !comparison.is_empty() {
            files.push(("comparison.csv".to_string(), comparison));
        }
        files.extend(self.extra_csvs());
        files
    }

    /// Writes [`Report::output_files`] into `dir`, each file atomically, and returns their
    /// names in order: what `pressure estimate` and an estimate step of `pressure reproduce`
    /// both call, so each file is written by this one function.
    pub fn write_to(&self, dir: &std::path::Path) -> std::result::Result<Vec<String>, WriteError> {
        pressure_output::write_files(dir, self.output_files())
    }

    /// What a manifest of this run records beside its inputs and seed: `models` (name,
    /// estimator, formula, observations, variance type) and `outputs` (the files of
    /// [`Report::output_files`]).
    pub fn manifest_facts(&self) -> serde_json::Map<String, serde_json::Value> {
        let models: Vec<serde_json::Value> = self
            .models
            .iter()
            .map(|m| {
                serde_json::json!({
                    "name": m.name,
                    "estimator": m.estimator,
                    "formula": m.formula,
                    "n_obs": m.n_obs,
                    "variance": m.vcov_type,
                })
            })
            .collect();
        let outputs: Vec<String> = self.output_files().into_iter().map(|(n, _)| n).collect();
        let mut facts = serde_json::Map::new();
        facts.insert("models".into(), models.into());
        facts.insert("outputs".into(), outputs.into());
        facts
    }

    /// The prior table of this run (`priors.json`, see [`pressure_data::priors`]): every
    /// model whose estimator gives a joint covariance of its estimates (ols, fe, logit,
    /// probit, event_study, cox, weibull, ipw), in spec order. Kaplan–Meier medians, synthetic-
    /// control gaps, local projections and VARs (estimated equation by equation or horizon by
    /// horizon, with no covariance across them) are left out, as is a model with a
    /// non-finite estimate or covariance.
    pub fn prior_table(&self) -> PriorTable {
        let mut table = PriorTable::new(&self.spec_file);
        for m in &self.models {
            if !matches!(
                m.estimator,
                Estimator::Ols
                    | Estimator::Fe
                    | Estimator::Logit
                    | Estimator::Probit
                    | Estimator::EventStudy
                    | Estimator::Cox
                    | Estimator::Weibull
                    | Estimator::Ipw
            ) {
                continue;
            }
            let t = &m.coefficients;
            let k = t.len();
            if t.estimate.iter().chain(&t.vcov).any(|v| !v.is_finite()) {
                continue;
            }
            let estimator = serde_json::to_value(m.estimator)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default();
            let mut se_type = m.vcov_type.clone();
            if !m.clusters.is_empty() {
                let cl: Vec<String> = m
                    .clusters
                    .iter()
                    .map(|(n, g)| format!("{n}: {g} clusters"))
                    .collect();
                se_type = format!("{se_type} ({})", cl.join(", "));
            }
            table.models.push(PriorModel {
                name: m.name.clone(),
                estimator,
                dependent: m.dependent.clone(),
                dependent_units: m.dependent_units.clone(),
                nobs: m.n_obs,
                n_units: m.n_units,
                terms: t.terms.clone(),
                estimates: t.estimate.clone(),
                std_errors: t.std_error.clone(),
                vcov: (0..k)
                    .map(|i| t.vcov[i * k..(i + 1) * k].to_vec())
                    .collect(),
                se_type,
                dropped_collinear: m.dropped.clone(),
                sample: m.sample.clone(),
            });
        }
        table
    }

    /// `coefficients.json`: the rows of `coefficients.csv` as an array of objects (numbers;
    /// `null` when not available).
    pub fn coefficients_json(&self) -> String {
        let num = |x: f64| {
            if x.is_finite() {
                serde_json::json!(x)
            } else {
                serde_json::Value::Null
            }
        };
        let mut rows = vec![];
        for m in &self.models {
            let t = &m.coefficients;
            for i in 0..t.len() {
                rows.push(serde_json::json!({
                    "model": m.name,
                    "term": t.terms[i],
                    "estimate": num(t.estimate[i]),
                    "std_error": num(t.std_error[i]),
                    "statistic": num(t.statistic[i]),
                    "p_value": num(t.p_value[i]),
                    "ci_lower": num(t.ci_lower[i]),
                    "ci_upper": num(t.ci_upper[i]),
                }));
            }
        }
        serde_json::to_string_pretty(&rows).unwrap_or_default()
    }

    /// A plain-text summary for the terminal.
    pub fn summary_text(&self) -> String {
        let mut s = format!("{}\n", self.title);
        for m in &self.models {
            s.push_str(&format!(
                "\n[{}] {:?}, {} observations{}, {}\n",
                m.name,
                m.estimator,
                m.n_obs,
                m.clusters
                    .iter()
                    .map(|(n, g)| format!(", {g} clusters ({n})"))
                    .collect::<String>(),
                m.vcov_type
            ));
            let t = &m.coefficients;
            for i in 0..t.len().min(40) {
                s.push_str(&format!(
                    "  {:<36} {:>12.4} ({:.4})  p = {:.3}\n",
                    t.terms[i], t.estimate[i], t.std_error[i], t.p_value[i]
                ));
            }
            if t.len() > 40 {
                s.push_str(&format!(
                    "  ... {} more terms in coefficients.csv\n",
                    t.len() - 40
                ));
            }
            if !m.dropped.is_empty() {
                s.push_str(&format!("  dropped: {}\n", m.dropped.join(", ")));
            }
        }
        for c in &self.comparisons {
            let published = match (c.published_value, c.published_low, c.published_high) {
                (Some(v), _, _) => format!("{v}"),
                (None, Some(l), Some(h)) => format!("{l} to {h}"),
                _ => String::new(),
            };
            s.push_str(&format!(
                "\n{} / {}: {:.3} [{:.3}, {:.3}]  published {} ({}){}\n",
                c.model,
                c.term,
                c.estimate,
                c.ci_lower,
                c.ci_upper,
                published,
                c.source,
                if c.consistent {
                    ""
                } else {
                    "  -- interval does not overlap"
                }
            ));
        }
        s
    }

    /// The whole report as pretty JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
    }

    /// Extra tables as (file name, CSV text): `<model>_<table>.csv` with the model name made
    /// file-safe.
    pub fn extra_csvs(&self) -> Vec<(String, String)> {
        let mut out = vec![];
        for m in &self.models {
            let stem = m.file_stem();
            for t in m.extra.iter().filter(|t| t.name != SYNTH_EPISODE) {
                out.push((format!("{}_{}.csv", stem, t.name), t.to_csv()));
            }
        }
        // One file with every synthetic-control model, for reading next to a model's
        // counterfactuals (columns documented in experiments/estimate/README.md).
        let mut episodes: Option<CsvTable> = None;
        for m in &self.models {
            for t in m.extra.iter().filter(|t| t.name == SYNTH_EPISODE) {
                let s = episodes.get_or_insert_with(|| {
                    let mut h = vec!["model".to_string()];
                    h.extend(t.header.iter().cloned());
                    CsvTable::with_header(h)
                });
                for r in &t.rows {
                    let mut row = vec![m.name.clone()];
                    row.extend(r.iter().cloned());
                    s.row(row);
                }
            }
        }
        if let Some(s) = episodes {
            out.push(("synth_episodes.csv".to_string(), s.into_string()));
        }
        for d in &self.decompositions {
            out.push((format!("decomposition_{}.csv", d.name), d.to_csv()));
        }
        out
    }

    /// A booktabs table: one column per model, each term's estimate (with stars if enabled)
    /// and its standard error in parentheses below; observations, clusters and each model's
    /// summary lines at the bottom; notes on the variance estimator, stars and comparisons.
    pub fn to_latex(&self) -> String {
        let k = self.models.len();
        let mut terms: Vec<String> = vec![];
        for m in &self.models {
            for t in &m.coefficients.terms {
                if !terms.contains(t) {
                    terms.push(t.clone());
                }
            }
        }
        let mut s = String::new();
        s.push_str("% Generated by pressure estimate; requires \\usepackage{booktabs}\n");
        s.push_str("\\begin{table}[htbp]\n\\centering\n");
        s.push_str(&format!("\\caption{{{}}}\n", latex_escape(&self.title)));
        s.push_str(&format!(
            "\\begin{{tabular}}{{l{}}}\n\\toprule\n",
            "c".repeat(k)
        ));
        let header: Vec<String> = self.models.iter().map(|m| latex_escape(&m.name)).collect();
        s.push_str(&format!(" & {} \\\\\n\\midrule\n", header.join(" & ")));
        for term in &terms {
            let mut est = vec![latex_escape(term)];
            let mut se = vec![String::new()];
            for m in &self.models {
                match m.coefficients.get(term) {
                    Some(r) => {
                        let st = if self.stars { stars(r.p_value) } else { "" };
                        let sup = if st.is_empty() {
                            String::new()
                        } else {
                            format!("$^{{{st}}}$")
                        };
                        est.push(format!("{}{sup}", tex_num(r.estimate)));
                        se.push(if r.std_error.is_finite() {
                            format!("({})", tex_num(r.std_error))
                        } else {
                            String::new()
                        });
                    }
                    None => {
                        est.push(String::new());
                        se.push(String::new());
                    }
                }
            }
            s.push_str(&format!("{} \\\\\n", est.join(" & ")));
            if se.iter().any(|x| !x.is_empty()) {
                s.push_str(&format!("{} \\\\\n", se.join(" & ")));
            }
        }
        s.push_str("\\midrule\n");
        let mut bottom: Vec<(String, Vec<String>)> = vec![(
            "Observations".into(),
            self.models.iter().map(|m| m.n_obs.to_string()).collect(),
        )];
        if self.models.iter().any(|m| !m.clusters.is_empty()) {
            bottom.push((
                "Clusters".into(),
                self.models
                    .iter()
                    .map(|m| {
                        m.clusters
                            .iter()
                            .map(|(n, g)| format!("{g} ({})", latex_escape(n)))
                            .collect::<Vec<_>>()
                            .join(", ")
                    })
                    .collect(),
            ));
        }
        let mut labels: Vec<String> = vec![];
        for m in &self.models {
            for (l, _) in &m.summary {
                if !labels.contains(l) {
                    labels.push(l.clone());
                }
            }
        }
        for l in labels {
            bottom.push((
                l.clone(),
                self.models
                    .iter()
                    .map(|m| {
                        m.summary
                            .iter()
                            .find(|(x, _)| *x == l)
                            .map(|(_, v)| latex_escape(v))
                            .unwrap_or_default()
                    })
                    .collect(),
            ));
        }
        for (label, vals) in bottom {
            s.push_str(&format!(
                "{} & {} \\\\\n",
                latex_escape(&label),
                vals.join(" & ")
            ));
        }
        s.push_str("\\bottomrule\n\\end{tabular}\n");
        // Each note is LaTeX already: text pieces are escaped where they are put in.
        let mut notes = vec![];
        notes.push("Standard errors in parentheses.".to_string());
        let vc: Vec<String> = self
            .models
            .iter()
            .map(|m| format!("{}: {}", m.name, m.vcov_type))
            .collect();
        notes.push(latex_escape(&format!("Variance: {}.", vc.join("; "))));
        if self.stars {
            notes.push("$^{*}$ $p<0.10$, $^{**}$ $p<0.05$, $^{***}$ $p<0.01$.".into());
        }
        for m in &self.models {
            if !m.dropped.is_empty() {
                notes.push(latex_escape(&format!(
                    "{}: dropped (collinear or absorbed): {}.",
                    m.name,
                    m.dropped.join(", ")
                )));
            }
        }
        for c in &self.comparisons {
            let published = match (c.published_value, c.published_low, c.published_high) {
                (Some(v), _, _) => format!("{v}"),
                (None, Some(l), Some(h)) => format!("{l} to {h}"),
                _ => String::new(),
            };
            notes.push(format!(
                "{} ({}): {} [{}, {}] vs.\\ published {} ({}).",
                latex_escape(&c.term),
                latex_escape(&c.model),
                tex_num(c.estimate),
                tex_num(c.ci_lower),
                tex_num(c.ci_upper),
                latex_escape(&published),
                latex_escape(&c.source)
            ));
        }
        s.push_str("\\par\\smallskip\n\\begin{minipage}{0.95\\linewidth}\\footnotesize\n");
        for n in notes {
            s.push_str(&format!("{n}\n"));
        }
        s.push_str("\\end{minipage}\n\\end{table}\n");
        s
    }
}

#[cfg(test)]
mod csv_tests {
    use super::*;

    const NASTY: &str = "sanctions, \"broad\"\nlag 1";

    fn read(text: &str) -> Vec<Vec<String>> {
        pressure_output::read_records(text).unwrap()
    }

    #[test]
    fn extra_tables_round_trip() {
        let mut t = ExtraTable::new("irf", &["term", "h"]);
        t.push(vec![NASTY.into(), "0".into()]);
        assert_eq!(read(&t.to_csv()), [vec!["term", "h"], vec![NASTY, "0"]]);
    }

    #[test]
    fn comparison_and_decomposition_tables_round_trip() {
        let report = Report {
            title: "t".into(),
            description: None,
            spec_file: "s.toml".into(),
            inputs: vec![],
            level: 0.95,
            stars: false,
            seed: None,
            models: vec![],
            comparisons: vec![Comparison {
                model: "m".into(),
                term: NASTY.into(),
                estimate: -1.5,
                std_error: 0.5,
                ci_lower: -2.5,
                ci_upper: -0.5,
                published_value: Some(-1.0),
                published_low: None,
                published_high: None,
                source: "Neuenkirch, \"2015\"".into(),
                note: None,
                consistent: true,
            }],
            decompositions: vec![],
        };
        assert_eq!(
            read(&report.comparison_csv())[1],
            [
                "m",
                NASTY,
                "-1.5",
                "0.5",
                "-2.5",
                "-0.5",
                "-1",
                "",
                "",
                "true",
                "Neuenkirch, \"2015\""
            ]
        );
        let d = Decomposition {
            name: "d".into(),
            title: None,
            published_low: None,
            published_high: None,
            source: None,
            steps: vec![DecompositionStep {
                label: NASTY.into(),
                model: "m".into(),
                term: "x".into(),
                estimate: 1.0,
                std_error: 0.25,
                ci_lower: 0.5,
                ci_upper: 1.5,
                n_obs: 10,
                n_units: None,
                change: None,
                overlaps_published: None,
            }],
        };
        assert_eq!(
            read(&d.to_csv())[1],
            ["0", NASTY, "m", "x", "1", "0.25", "0.5", "1.5", "", "10", "", "", "", ""]
        );
    }
}
