//! The files an experiment writes: indices with intervals as CSV (long format, one row per
//! output column and parameter) and JSON, optionally the sample and the outputs.
//!
//! | method | files |
//! |---|---|
//! | sobol | `sobol_indices.csv`, `sobol_indices.json`, `sobol_second_order.csv` (if second order), `sobol_indices_time.csv` (with `[[series]]`) |
//! | morris | `morris.csv`, `morris.json` |
//! | montecarlo | `summary.csv` (moments and quantiles; series rows are the Monte Carlo envelopes), `prcc.csv`, `montecarlo.json` |
//! | oat | `tornado.csv`, `tornado.json` |
//! | any, with `save_sample` | `sample.csv` (run, parameter values), `outputs.csv` (run, output columns) |
//! | any, when runs failed under `failed_runs = "drop"` | `failures.csv` (run, group, message) |
//!
//! Every row starts with `output` (the output's or series' name), `variable` (the model variable
//! it is computed from) and `time` (the time point of a series; empty for scalar outputs).
//! `sobol_indices_time.csv` repeats the series rows alone, `variable` first, so that
//! `pressure plot indices-time DIR/sobol_indices_time.csv [--select VARIABLE]` draws S1 and ST
//! of one variable over time (the main file mixes in scalar outputs, which have no time).
//! CSV numbers are written in Rust's shortest round-trip form; undefined values are `NaN` in
//! CSV and `null` in JSON. Columns `conf` are SALib's half-widths (z × bootstrap sd),
//! `low`/`high` the bootstrap percentile interval.

use super::prepare::RunSpec;
use crate::analysis::montecarlo::ColumnDistribution;
use crate::analysis::morris::MorrisIndices;
use crate::analysis::oat::OatResult;
use crate::analysis::sobol::SobolIndices;
use crate::bootstrap::Estimate;
use serde::Serialize;
use std::fmt::Write;

/// The results of one method.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "method", content = "results", rename_all = "lowercase")]
pub enum ResultSet {
    Sobol(Vec<SobolIndices>),
    Morris(Vec<MorrisIndices>),
    MonteCarlo(Vec<ColumnDistribution>),
    Oat(OatResult),
}

/// A finished experiment.
#[derive(Debug, Clone)]
pub struct Report {
    pub spec: RunSpec,
    pub results: ResultSet,
    /// Index, parameter values and outputs of every kept run, when the sample was kept.
    pub runs: Option<crate::analysis::record::SavedRuns>,
    /// Model runs made.
    pub n_runs: usize,
    /// Runs that failed; their groups were left out (only with `failed_runs = "drop"`).
    pub failures: crate::engine::Failures,
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

fn num(x: f64) -> String {
    format!("{x}")
}

fn est(e: &Estimate) -> String {
    format!(
        "{},{},{},{}",
        num(e.value),
        num(e.conf),
        num(e.low),
        num(e.high)
    )
}

#[derive(Serialize)]
struct JsonColumn<'a, T: Serialize> {
    output: &'a str,
    variable: &'a str,
    time: Option<f64>,
    units: &'a Option<String>,
    #[serde(flatten)]
    values: &'a T,
}

#[derive(Serialize)]
struct JsonReport<'a, T: Serialize> {
    method: &'a super::prepare::Method,
    seed: u64,
    runs: usize,
    /// Runs that failed (their groups were left out of the analysis).
    failed_runs: usize,
    /// The factors the per-column arrays are indexed by: parameters, or groups.
    parameters: Vec<&'a str>,
    /// With `[[groups]]`: each group's member parameters, in group order.
    #[serde(skip_serializing_if = "Option::is_none")]
    groups: Option<Vec<JsonGroup<'a>>>,
    experiment: &'a str,
    model: &'a str,
    columns: Vec<JsonColumn<'a, T>>,
}

#[derive(Serialize)]
struct JsonGroup<'a> {
    name: &'a str,
    parameters: Vec<&'a str>,
}

impl Report {
    fn row_prefix(&self, c: usize) -> String {
        let col = &self.spec.columns[c];
        format!(
            "{},{},{}",
            csv_field(&col.name),
            csv_field(&col.variable),
            col.time.map(num).unwrap_or_default()
        )
    }

    fn json<T: Serialize>(&self, per_column: &[T]) -> Vec<u8> {
        let report = JsonReport {
            method: &self.spec.method,
            seed: self.spec.seed,
            runs: self.n_runs,
            failed_runs: self.failures.count,
            parameters: self.spec.factor_names(),
            groups: self.spec.groups.as_ref().map(|g| {
                g.names
                    .iter()
                    .enumerate()
                    .map(|(k, name)| JsonGroup {
                        name,
                        parameters: (self.spec.parameters.iter())
                            .zip(&g.of_parameter)
                            .filter(|(_, &of)| of == k)
                            .map(|(p, _)| p.name.as_str())
                            .collect(),
                    })
                    .collect()
            }),
            experiment: &self.spec.experiment,
            model: &self.spec.model,
            columns: self
                .spec
                .columns
                .iter()
                .zip(per_column)
                .map(|(c, v)| JsonColumn {
                    output: &c.name,
                    variable: &c.variable,
                    time: c.time,
                    units: &c.units,
                    values: v,
                })
                .collect(),
        };
        let mut out = serde_json::to_vec_pretty(&report).expect("report serialises");
        out.push(b'\n');
        out
    }

    /// `(file name, contents)` of every result file.
    pub fn files(&self) -> Vec<(String, Vec<u8>)> {
        let names = self.spec.factor_names();
        let mut files = Vec::new();
        match &self.results {
            ResultSet::Sobol(cols) => {
                const INDICES: &str = "S1,S1_conf,S1_low,S1_high,ST,ST_conf,ST_low,ST_high";
                let mut csv = format!("output,variable,time,parameter,{INDICES}\n");
                let mut over_time = format!("variable,output,time,parameter,{INDICES}\n");
                let mut s2 = String::from(
                    "output,variable,time,parameter_1,parameter_2,S2,S2_conf,S2_low,S2_high\n",
                );
                let mut any_second = false;
                for (c, ind) in cols.iter().enumerate() {
                    let col = &self.spec.columns[c];
                    for (j, name) in names.iter().enumerate() {
                        let values = format!("{},{}", est(&ind.first[j]), est(&ind.total[j]));
                        let _ =
                            writeln!(csv, "{},{},{values}", self.row_prefix(c), csv_field(name));
                        if let Some(t) = col.time {
                            let _ = writeln!(
                                over_time,
                                "{},{},{},{},{values}",
                                csv_field(&col.variable),
                                csv_field(&col.name),
                                num(t),
                                csv_field(name)
                            );
                        }
                    }
                    for (j, k, e) in &ind.second {
                        any_second = true;
                        let _ = writeln!(
                            s2,
                            "{},{},{},{}",
                            self.row_prefix(c),
                            csv_field(names[*j]),
                            csv_field(names[*k]),
                            est(e)
                        );
                    }
                }
                files.push(("sobol_indices.csv".to_string(), csv.into_bytes()));
                if self.spec.columns.iter().any(|c| c.time.is_some()) {
                    files.push(("sobol_indices_time.csv".to_string(), over_time.into_bytes()));
                }
                if any_second {
                    files.push(("sobol_second_order.csv".to_string(), s2.into_bytes()));
                }
                files.push(("sobol_indices.json".to_string(), self.json(cols)));
            }
            ResultSet::Morris(cols) => {
                let mut csv = String::from(
                    "output,variable,time,parameter,mu,mu_star,mu_star_conf,mu_star_low,mu_star_high,sigma\n",
                );
                for (c, m) in cols.iter().enumerate() {
                    for (j, name) in names.iter().enumerate() {
                        let _ = writeln!(
                            csv,
                            "{},{},{},{},{}",
                            self.row_prefix(c),
                            csv_field(name),
                            num(m.mu[j]),
                            est(&m.mu_star[j]),
                            num(m.sigma[j])
                        );
                    }
                }
                files.push(("morris.csv".to_string(), csv.into_bytes()));
                files.push(("morris.json".to_string(), self.json(cols)));
            }
            ResultSet::MonteCarlo(cols) => {
                let probs = match &self.spec.method {
                    super::prepare::Method::MonteCarlo { quantiles, .. } => quantiles.clone(),
                    _ => Vec::new(),
                };
                let mut csv = String::from("output,variable,time,mean,sd,min,max");
                for p in &probs {
                    let _ = write!(csv, ",q{}", num(*p));
                }
                csv.push('\n');
                let mut prcc = String::from("output,variable,time,parameter,prcc,p_value\n");
                for (c, d) in cols.iter().enumerate() {
                    let _ = write!(
                        csv,
                        "{},{},{},{},{}",
                        self.row_prefix(c),
                        num(d.mean),
                        num(d.sd),
                        num(d.min),
                        num(d.max)
                    );
                    for q in &d.quantiles {
                        let _ = write!(csv, ",{}", num(*q));
                    }
                    csv.push('\n');
                    for (j, p) in d.prcc.iter().enumerate() {
                        let _ = writeln!(
                            prcc,
                            "{},{},{},{}",
                            self.row_prefix(c),
                            csv_field(names[j]),
                            num(p.value),
                            num(p.p_value)
                        );
                    }
                }
                files.push(("summary.csv".to_string(), csv.into_bytes()));
                files.push(("prcc.csv".to_string(), prcc.into_bytes()));
                files.push(("montecarlo.json".to_string(), self.json(cols)));
            }
            ResultSet::Oat(r) => {
                let mut csv = String::from(
                    "output,parameter,low,high,output_at_low,output_at_high,swing,output_at_base\n",
                );
                for (c, swings) in r.swings.iter().enumerate() {
                    for s in swings {
                        let _ = writeln!(
                            csv,
                            "{},{},{},{},{},{},{},{}",
                            csv_field(&self.spec.columns[c].label()),
                            csv_field(&s.parameter),
                            num(s.low),
                            num(s.high),
                            num(s.output_at_low),
                            num(s.output_at_high),
                            num(s.swing),
                            num(r.base_outputs[c])
                        );
                    }
                }
                files.push(("tornado.csv".to_string(), csv.into_bytes()));
                let per_column: Vec<_> = r
                    .swings
                    .iter()
                    .zip(&r.base_outputs)
                    .map(|(s, b)| serde_json::json!({ "base": b, "swings": s }))
                    .collect();
                files.push(("tornado.json".to_string(), self.json(&per_column)));
            }
        }
        if self.failures.count > 0 {
            let mut csv = String::from("run,group,message\n");
            for f in &self.failures.listed {
                let _ = writeln!(csv, "{},{},{}", f.run, f.group, csv_field(&f.message));
            }
            if self.failures.count > self.failures.listed.len() {
                let _ = writeln!(
                    csv,
                    ",,{} more failed runs not listed",
                    self.failures.count - self.failures.listed.len()
                );
            }
            files.push(("failures.csv".to_string(), csv.into_bytes()));
        }
        if let Some(saved) = &self.runs {
            let d = names.len();
            let cols = self.spec.columns.len();
            let mut sample = String::from("run");
            for n in &names {
                let _ = write!(sample, ",{}", csv_field(n));
            }
            sample.push('\n');
            let mut outs = String::from("run");
            for c in &self.spec.columns {
                let _ = write!(outs, ",{}", csv_field(&c.label()));
            }
            outs.push('\n');
            for ((r, x), y) in saved
                .ids
                .iter()
                .zip(saved.values.chunks_exact(d))
                .zip(saved.outputs.chunks_exact(cols))
            {
                sample.push_str(&r.to_string());
                for v in x {
                    let _ = write!(sample, ",{}", num(*v));
                }
                sample.push('\n');
                outs.push_str(&r.to_string());
                for v in y {
                    let _ = write!(outs, ",{}", num(*v));
                }
                outs.push('\n');
            }
            files.push(("sample.csv".to_string(), sample.into_bytes()));
            files.push(("outputs.csv".to_string(), outs.into_bytes()));
        }
        files
    }
}
