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

use super::prepared::RunSpec;
use crate::analysis::montecarlo::ColumnDistribution;
use crate::analysis::morris::MorrisIndices;
use crate::analysis::oat::OatResult;
use crate::analysis::sobol::SobolIndices;
use crate::bootstrap::Estimate;
use pressure_output::CsvTable;
use serde::Serialize;

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

fn num(x: f64) -> String {
    format!("{x}")
}

/// The four cells of an estimate: value, SALib half-width, percentile interval.
fn est(e: &Estimate) -> [String; 4] {
    [num(e.value), num(e.conf), num(e.low), num(e.high)]
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
    method: &'a super::prepared::Method,
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
    /// The `output,variable,time` cells that start every row of column `c`.
    fn row_prefix(&self, c: usize) -> Vec<String> {
        let col = &self.spec.columns[c];
        vec![
            col.name.clone(),
            col.variable.clone(),
            col.time.map(num).unwrap_or_default(),
        ]
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

    /// Writes [`Report::files`] into `dir`, each atomically, and returns their names in order:
    /// what `pressure sensitivity`, `pressure merge` and a sensitivity step of `pressure
    /// reproduce` all call, so each file is written by this one function.
    pub fn write_to(
        &self,
        dir: &std::path::Path,
    ) -> std::result::Result<Vec<String>, pressure_output::WriteError> {
        pressure_output::write_files(dir, self.files())
    }

    /// `(file name, contents)` of every result file.
    pub fn files(&self) -> Vec<(String, Vec<u8>)> {
        let names = self.spec.factor_names();
        let mut files = Vec::new();
        match &self.results {
            ResultSet::Sobol(cols) => {
                const INDICES: [&str; 8] = [
                    "S1", "S1_conf", "S1_low", "S1_high", "ST", "ST_conf", "ST_low", "ST_high",
                ];
                let mut csv = CsvTable::with_header(
                    ["output", "variable", "time", "parameter"]
                        .iter()
                        .chain(&INDICES),
                );
                let mut over_time = CsvTable::with_header(
                    ["variable", "output", "time", "parameter"]
                        .iter()
                        .chain(&INDICES),
                );
                let mut s2 = CsvTable::with_header([
                    "output",
                    "variable",
                    "time",
                    "parameter_1",
                    "parameter_2",
                    "S2",
                    "S2_conf",
                    "S2_low",
                    "S2_high",
                ]);
                let mut any_second = false;
                for (c, ind) in cols.iter().enumerate() {
                    let col = &self.spec.columns[c];
                    for (j, name) in names.iter().enumerate() {
                        let values = est(&ind.first[j]).into_iter().chain(est(&ind.total[j]));
                        let mut row = self.row_prefix(c);
                        row.push(name.to_string());
                        row.extend(values.clone());
                        csv.row(row);
                        if let Some(t) = col.time {
                            let mut row = vec![
                                col.variable.clone(),
                                col.name.clone(),
                                num(t),
                                name.to_string(),
                            ];
                            row.extend(values);
                            over_time.row(row);
                        }
                    }
                    for (j, k, e) in &ind.second {
                        any_second = true;
                        let mut row = self.row_prefix(c);
                        row.extend([names[*j].to_string(), names[*k].to_string()]);
                        row.extend(est(e));
                        s2.row(row);
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
                let mut csv = CsvTable::with_header([
                    "output",
                    "variable",
                    "time",
                    "parameter",
                    "mu",
                    "mu_star",
                    "mu_star_conf",
                    "mu_star_low",
                    "mu_star_high",
                    "sigma",
                ]);
                for (c, m) in cols.iter().enumerate() {
                    for (j, name) in names.iter().enumerate() {
                        let mut row = self.row_prefix(c);
                        row.extend([name.to_string(), num(m.mu[j])]);
                        row.extend(est(&m.mu_star[j]));
                        row.push(num(m.sigma[j]));
                        csv.row(row);
                    }
                }
                files.push(("morris.csv".to_string(), csv.into_bytes()));
                files.push(("morris.json".to_string(), self.json(cols)));
            }
            ResultSet::MonteCarlo(cols) => {
                let probs = match &self.spec.method {
                    super::prepared::Method::MonteCarlo { quantiles, .. } => quantiles.clone(),
                    _ => Vec::new(),
                };
                let mut header: Vec<String> =
                    ["output", "variable", "time", "mean", "sd", "min", "max"]
                        .map(String::from)
                        .to_vec();
                header.extend(probs.iter().map(|p| format!("q{}", num(*p))));
                let mut csv = CsvTable::with_header(header);
                let mut prcc = CsvTable::with_header([
                    "output",
                    "variable",
                    "time",
                    "parameter",
                    "prcc",
                    "p_value",
                ]);
                for (c, d) in cols.iter().enumerate() {
                    let mut row = self.row_prefix(c);
                    row.extend([num(d.mean), num(d.sd), num(d.min), num(d.max)]);
                    row.extend(d.quantiles.iter().map(|q| num(*q)));
                    csv.row(row);
                    for (j, p) in d.prcc.iter().enumerate() {
                        let mut row = self.row_prefix(c);
                        row.extend([names[j].to_string(), num(p.value), num(p.p_value)]);
                        prcc.row(row);
                    }
                }
                files.push(("summary.csv".to_string(), csv.into_bytes()));
                files.push(("prcc.csv".to_string(), prcc.into_bytes()));
                files.push(("montecarlo.json".to_string(), self.json(cols)));
            }
            ResultSet::Oat(r) => {
                let mut csv = CsvTable::with_header([
                    "output",
                    "parameter",
                    "low",
                    "high",
                    "output_at_low",
                    "output_at_high",
                    "swing",
                    "output_at_base",
                ]);
                for (c, swings) in r.swings.iter().enumerate() {
                    for s in swings {
                        csv.row([
                            self.spec.columns[c].label(),
                            s.parameter.clone(),
                            num(s.low),
                            num(s.high),
                            num(s.output_at_low),
                            num(s.output_at_high),
                            num(s.swing),
                            num(r.base_outputs[c]),
                        ]);
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
            let mut csv = CsvTable::with_header(["run", "group", "message"]);
            for f in &self.failures.listed {
                csv.row([f.run.to_string(), f.group.to_string(), f.message.clone()]);
            }
            if self.failures.count > self.failures.listed.len() {
                let more = self.failures.count - self.failures.listed.len();
                csv.row([
                    String::new(),
                    String::new(),
                    format!("{more} more failed runs not listed"),
                ]);
            }
            files.push(("failures.csv".to_string(), csv.into_bytes()));
        }
        if let Some(saved) = &self.runs {
            let d = names.len();
            let cols = self.spec.columns.len();
            let mut sample =
                CsvTable::with_header(std::iter::once("run").chain(names.iter().copied()));
            let mut outs = CsvTable::with_header(
                std::iter::once("run".to_string())
                    .chain(self.spec.columns.iter().map(|c| c.label())),
            );
            for ((r, x), y) in saved
                .ids
                .iter()
                .zip(saved.values.chunks_exact(d))
                .zip(saved.outputs.chunks_exact(cols))
            {
                sample.row(std::iter::once(r.to_string()).chain(x.iter().map(|v| num(*v))));
                outs.row(std::iter::once(r.to_string()).chain(y.iter().map(|v| num(*v))));
            }
            files.push(("sample.csv".to_string(), sample.into_bytes()));
            files.push(("outputs.csv".to_string(), outs.into_bytes()));
        }
        files
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::oat::Swing;
    use crate::engine::{FailedRun, Failures, OnFailure};
    use crate::experiment::prepared::{Column, Method};
    use crate::{Distribution, Parameter};
    use std::collections::BTreeMap;

    const NASTY: &str = "a, \"quoted\"\nname";

    fn read(bytes: &[u8]) -> Vec<Vec<String>> {
        csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(bytes)
            .records()
            .map(|r| r.unwrap().iter().map(str::to_string).collect())
            .collect()
    }

    #[test]
    fn names_and_messages_with_commas_quotes_and_newlines_round_trip() {
        let report = Report {
            spec: RunSpec {
                experiment: "e.toml".into(),
                experiment_sha256: String::new(),
                model: "m.toml".into(),
                model_sha256: String::new(),
                seed: 1,
                method: Method::Oat { swing: [0.9, 1.1] },
                parameters: vec![Parameter {
                    name: "p".into(),
                    distribution: Distribution::Uniform {
                        low: 0.0,
                        high: 1.0,
                    },
                }],
                columns: vec![Column {
                    name: NASTY.into(),
                    variable: "x".into(),
                    time: None,
                    units: None,
                }],
                scalar_columns: 1,
                save_sample: false,
                on_failure: OnFailure::DropGroup,
                groups: None,
                labels: Default::default(),
            },
            results: ResultSet::Oat(OatResult {
                base_outputs: vec![2.0],
                swings: vec![vec![Swing {
                    parameter: "p".into(),
                    low: 0.0,
                    high: 1.0,
                    output_at_low: 1.5,
                    output_at_high: 2.5,
                    swing: 1.0,
                }]],
            }),
            runs: None,
            n_runs: 3,
            failures: Failures {
                count: 1,
                listed: vec![FailedRun {
                    run: 2,
                    group: 1,
                    message: NASTY.into(),
                }],
            },
        };
        let files: BTreeMap<String, Vec<u8>> = report.files().into_iter().collect();
        assert_eq!(
            read(&files["tornado.csv"])[1],
            [NASTY, "p", "0", "1", "1.5", "2.5", "1", "2"]
        );
        assert_eq!(
            read(&files["failures.csv"]),
            [vec!["run", "group", "message"], vec!["2", "1", NASTY]]
        );
    }
}
