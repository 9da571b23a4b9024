//! Output files of runs, written by the crate that owns the results: one run's table
//! ([`RunReport`], what `pressure run` writes), a steady state ([`SteadyReport`], `pressure
//! steady`) and scenario runs side by side ([`ScenarioTable`], the `scenarios.csv` of a
//! scenarios step of `pressure reproduce`). Each file is built here and nowhere else; the CLI
//! only chooses where it goes and adds its manifest.
//!
//! Numbers in the run and steady tables are written with [`pressure_model::eqn::number`] (the
//! shortest text that reads back as the same `f64`); the scenario table keeps Rust's `Display`
//! of `f64` (also exact), as the study always wrote it.

use crate::{CompiledModel, ParamSet, Results, RunSettings, SteadyState};
use pressure_model::eqn::number;
use pressure_output::{write_atomic, write_files, CsvTable, WriteError};
use serde_json::{json, Map, Value};
use std::path::Path;

/// The format of a run's or a steady state's file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// CSV: a header row (for runs, then a second row of units).
    Csv,
    /// Pretty-printed JSON ending in a line break.
    Json,
}

impl Format {
    /// The file extension, `csv` or `json`.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Json => "json",
        }
    }
}

/// Parameters whose value in `params` differs from the model file's, as `(name, value)` in
/// parameter order: what a manifest records so that a run can be repeated.
pub fn changed_parameters(compiled: &CompiledModel, params: &ParamSet) -> Vec<(String, f64)> {
    compiled
        .parameters()
        .iter()
        .zip(params.iter())
        .filter(|(p, v)| p.default != **v)
        .map(|(p, v)| (p.name.clone(), *v))
        .collect()
}

/// One run's results with what a reader needs to read them: the model's name, the settings of
/// the run and the model's time unit.
///
/// ```
/// # let dir = tempfile::tempdir().unwrap();
/// # let path = dir.path().join("decay.toml");
/// std::fs::write(&path, r#"
/// [settings]
/// stop = 2
/// dt = 1
/// time_units = "year"
/// [stocks.x]
/// initial = "8"
/// units = "t"
/// outflows = ["decay"]
/// [flows.decay]
/// equation = "x / 2"
/// units = "t/year"
/// "#).unwrap();
/// let model = pressure_model::load(&path).unwrap();
/// let compiled = pressure_sim::CompiledModel::compile(&model).unwrap();
/// let settings = compiled.default_settings();
/// let mut sim = compiled.simulator(&settings).unwrap();
/// sim.record(&["x"]).unwrap();
/// let results = sim.run(&compiled.default_params()).unwrap().clone();
/// let report = pressure_sim::report::RunReport {
///     model: compiled.name().to_string(),
///     results,
///     time_units: model.settings.time_units.clone(),
///     settings,
/// };
/// // Euler with dt = 1: 8, 4, 2.
/// assert_eq!(String::from_utf8(report.csv()).unwrap(), "time,x\nyear,t\n0,8\n1,4\n2,2\n");
/// let names = report.write_to(dir.path(), pressure_sim::report::Format::Json).unwrap();
/// assert_eq!(names, ["results.json"]);
/// ```
#[derive(Debug, Clone)]
pub struct RunReport {
    /// The model's name.
    pub model: String,
    /// The recorded columns.
    pub results: Results,
    /// The model's time unit (`[settings] time_units`), if it names one.
    pub time_units: Option<String>,
    /// The settings of the run (method, step, span, seed).
    pub settings: RunSettings,
}

impl RunReport {
    /// A wide table: `time` and one column per recorded variable, then a row of units (the
    /// time unit first), then one row per saved time.
    pub fn csv(&self) -> Vec<u8> {
        let r = &self.results;
        let mut s = CsvTable::with_header(
            std::iter::once("time").chain(r.names().iter().map(|n| n.as_str())),
        );
        s.row(
            std::iter::once(self.time_units.as_deref().unwrap_or(""))
                .chain(r.units().iter().map(|u| u.as_deref().unwrap_or(""))),
        );
        let cols: Vec<&[f64]> = (0..r.names().len()).map(|c| r.column_at(c)).collect();
        for (i, t) in r.time().iter().enumerate() {
            s.row(std::iter::once(number(*t)).chain(cols.iter().map(|c| number(c[i]))));
        }
        s.into_bytes()
    }

    /// `{model, method, dt, time_units, time, columns: [{name, units, values}]}`.
    pub fn json(&self) -> Vec<u8> {
        let r = &self.results;
        let columns: Vec<Value> = r
            .names()
            .iter()
            .enumerate()
            .map(|(c, n)| json!({ "name": n, "units": r.units()[c], "values": r.column_at(c) }))
            .collect();
        pretty(&json!({
            "model": self.model,
            "method": self.settings.method.name(),
            "dt": self.settings.dt,
            "time_units": self.time_units,
            "time": r.time(),
            "columns": columns,
        }))
    }

    /// The table in `format`.
    pub fn bytes(&self, format: Format) -> Vec<u8> {
        match format {
            Format::Csv => self.csv(),
            Format::Json => self.json(),
        }
    }

    /// `(file name, contents)`: `results.csv` or `results.json`.
    pub fn files(&self, format: Format) -> Vec<(String, Vec<u8>)> {
        vec![(
            format!("results.{}", format.extension()),
            self.bytes(format),
        )]
    }

    /// Writes [`RunReport::files`] into `dir`, atomically, and returns their names.
    pub fn write_to(&self, dir: &Path, format: Format) -> Result<Vec<String>, WriteError> {
        write_files(dir, self.files(format))
    }

    /// Writes the table in `format` to the file `path` (a name the user chose), atomically.
    pub fn write_file(&self, path: &Path, format: Format) -> Result<(), WriteError> {
        write_atomic(path, &self.bytes(format)).map_err(|source| WriteError {
            path: path.to_path_buf(),
            source,
        })
    }

    /// What a manifest records about the run: `method`, `dt`, `save_every`, `start`, `stop`
    /// (the seed has its own manifest field: `settings.seed`).
    pub fn manifest_facts(&self) -> Map<String, Value> {
        let s = &self.settings;
        let mut m = Map::new();
        m.insert("method".into(), s.method.name().into());
        m.insert("dt".into(), s.dt.into());
        m.insert("save_every".into(), s.save_every.into());
        m.insert("start".into(), s.start.into());
        m.insert("stop".into(), s.stop.into());
        m
    }
}

/// A steady state of a model with the model's name: what `pressure steady` writes.
#[derive(Debug, Clone)]
pub struct SteadyReport {
    /// The model's name.
    pub model: String,
    /// The steady state found.
    pub state: SteadyState,
}

impl SteadyReport {
    /// One row per stock element (and pipeline), then one per growth group and free parameter:
    /// `name,kind,role,value,initial,relative_change,net_flow,residual` (cells that do not
    /// apply are empty).
    pub fn csv(&self) -> Vec<u8> {
        let s = &self.state;
        let mut out = CsvTable::with_header([
            "name",
            "kind",
            "role",
            "value",
            "initial",
            "relative_change",
            "net_flow",
            "residual",
        ]);
        for v in &s.values {
            out.row([
                v.name.clone(),
                v.kind.name().to_string(),
                v.role.name().to_string(),
                number(v.value),
                number(v.initial),
                number(v.relative_change()),
                number(v.net_flow),
                v.residual.map(number).unwrap_or_default(),
            ]);
        }
        for g in &s.growth {
            let kind = if g.log {
                "log growth rate"
            } else {
                "growth rate"
            };
            let stocks = g.stocks.join(" ");
            out.row([&stocks, kind, "solved", &number(g.rate), "", "", "", ""]);
        }
        for f in &s.free {
            let change = if f.given != 0.0 {
                (f.value - f.given) / f.given.abs()
            } else {
                f.value - f.given
            };
            out.row([
                &f.name,
                "free parameter",
                "solved",
                &number(f.value),
                &number(f.given),
                &number(change),
                "",
                "",
            ]);
        }
        out.into_bytes()
    }

    /// `{model, time, residual, tolerance, iterations, evaluations, starts, values, growth,
    /// free, holds}`.
    pub fn json(&self) -> Vec<u8> {
        let s = &self.state;
        let values: Vec<Value> = s
            .values
            .iter()
            .map(|v| {
                json!({
                    "name": v.name,
                    "kind": v.kind.name(),
                    "role": v.role.name(),
                    "value": v.value,
                    "initial": v.initial,
                    "relative_change": v.relative_change(),
                    "net_flow": v.net_flow,
                    "residual": v.residual,
                })
            })
            .collect();
        let growth: Vec<Value> = s
            .growth
            .iter()
            .map(|g| json!({ "stocks": g.stocks, "log": g.log, "rate": g.rate }))
            .collect();
        let free: Vec<Value> = s
            .free
            .iter()
            .map(|f| json!({ "name": f.name, "value": f.value, "given": f.given }))
            .collect();
        let holds: Vec<Value> = s
            .holds
            .iter()
            .map(|h| json!({ "name": h.name, "target": h.target, "value": h.value }))
            .collect();
        pretty(&json!({
            "model": self.model,
            "time": s.time,
            "residual": s.residual,
            "tolerance": s.tolerance,
            "iterations": s.iterations,
            "evaluations": s.evaluations,
            "starts": s.starts,
            "values": values,
            "growth": growth,
            "free": free,
            "holds": holds,
        }))
    }

    /// The table in `format`.
    pub fn bytes(&self, format: Format) -> Vec<u8> {
        match format {
            Format::Csv => self.csv(),
            Format::Json => self.json(),
        }
    }

    /// `(file name, contents)`: `steady.csv` or `steady.json`.
    pub fn files(&self, format: Format) -> Vec<(String, Vec<u8>)> {
        vec![(format!("steady.{}", format.extension()), self.bytes(format))]
    }

    /// Writes [`SteadyReport::files`] into `dir`, atomically, and returns their names.
    pub fn write_to(&self, dir: &Path, format: Format) -> Result<Vec<String>, WriteError> {
        write_files(dir, self.files(format))
    }

    /// What a manifest records about the search: the state's time, residual, iterations and
    /// evaluations, and the settings' tolerance, free, held, growth and excluded names.
    pub fn manifest_facts(&self, settings: &RunSettings) -> Map<String, Value> {
        let (s, st) = (&self.state, &settings.steady);
        let mut m = Map::new();
        m.insert("time".into(), s.time.into());
        m.insert("tolerance".into(), st.tolerance.into());
        m.insert("residual".into(), s.residual.into());
        m.insert("iterations".into(), s.iterations.into());
        m.insert("evaluations".into(), s.evaluations.into());
        m.insert("free".into(), json!(st.free));
        let hold: Vec<Value> = st
            .hold
            .iter()
            .map(|h| json!({ "name": h.name, "value": h.value }))
            .collect();
        m.insert("hold".into(), hold.into());
        let growth: Vec<Value> = st
            .growth
            .iter()
            .map(|g| json!({ "stocks": g.stocks, "log": g.log }))
            .collect();
        m.insert("growth".into(), growth.into());
        m.insert("exclude".into(), json!(st.exclude));
        m
    }
}

/// Runs of several scenarios side by side in long form (`scenarios.csv`): one row per
/// scenario, variable and saved time, `scenario,variable,unit,time,value,time_unit`.
///
/// ```
/// # let dir = tempfile::tempdir().unwrap();
/// # let path = dir.path().join("growth.toml");
/// std::fs::write(&path, r#"
/// [settings]
/// stop = 1
/// dt = 1
/// time_units = "year"
/// [stocks.x]
/// initial = "1"
/// inflows = ["growth"]
/// [flows.growth]
/// equation = "rate * x"
/// [constants.rate]
/// value = 0.5
/// "#).unwrap();
/// let model = pressure_model::load(&path).unwrap();
/// let compiled = pressure_sim::CompiledModel::compile(&model).unwrap();
/// let settings = compiled.default_settings();
/// let mut table = pressure_sim::report::ScenarioTable::new("year");
/// for (label, rate) in [("slow", 0.5), ("fast", 1.0)] {
///     let mut params = compiled.default_params();
///     compiled.set_param(&mut params, "rate", rate).unwrap();
///     let results = compiled.run(&params, &settings).unwrap();
///     table.push(label, &results, &["x".to_string()]).unwrap();
/// }
/// assert_eq!(table.runs(), 2);
/// let text = String::from_utf8(table.csv()).unwrap();
/// assert!(text.starts_with("scenario,variable,unit,time,value,time_unit\nslow,x,,0,1,year\n"));
/// assert!(text.ends_with("fast,x,,1,2,year\n"));
/// ```
#[derive(Debug)]
pub struct ScenarioTable {
    csv: CsvTable,
    time_units: String,
    runs: usize,
}

impl ScenarioTable {
    /// An empty table whose rows give `time_units` as the time unit.
    pub fn new(time_units: impl Into<String>) -> Self {
        ScenarioTable {
            csv: CsvTable::with_header([
                "scenario",
                "variable",
                "unit",
                "time",
                "value",
                "time_unit",
            ]),
            time_units: time_units.into(),
            runs: 0,
        }
    }

    /// Adds the `variables` of one scenario's run under `label`. A variable the run did not
    /// record is an error naming it (the table is unchanged then).
    pub fn push(
        &mut self,
        label: &str,
        results: &Results,
        variables: &[String],
    ) -> Result<(), String> {
        if let Some(missing) = variables.iter().find(|v| results.column(v).is_none()) {
            return Err(format!("variable `{missing}` is not in the results"));
        }
        for v in variables {
            let values = results.column(v).unwrap_or_default();
            let unit = results.units_of(v).unwrap_or("");
            for (t, y) in results.time().iter().zip(values) {
                self.csv.row([
                    label,
                    v,
                    unit,
                    &t.to_string(),
                    &y.to_string(),
                    &self.time_units,
                ]);
            }
        }
        self.runs += 1;
        Ok(())
    }

    /// Scenario runs added so far.
    pub fn runs(&self) -> usize {
        self.runs
    }

    /// The table's bytes.
    pub fn csv(self) -> Vec<u8> {
        self.csv.into_bytes()
    }

    /// `(file name, contents)`: `scenarios.csv`.
    pub fn files(self) -> Vec<(String, Vec<u8>)> {
        vec![("scenarios.csv".to_string(), self.csv())]
    }

    /// Writes [`ScenarioTable::files`] into `dir`, atomically, and returns their names.
    pub fn write_to(self, dir: &Path) -> Result<Vec<String>, WriteError> {
        write_files(dir, self.files())
    }
}

fn pretty(v: &Value) -> Vec<u8> {
    let mut out = serde_json::to_vec_pretty(v).expect("a JSON value serialises");
    out.push(b'\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{FreeParameter, GrowthRate, SteadyKind, SteadyRole, SteadyValue};

    #[test]
    fn a_scenario_without_a_requested_variable_is_an_error_and_adds_nothing() {
        let mut r = Results::new(vec![0.0, 1.0], vec!["x".into()], vec![Some("t".into())]);
        for (row, v) in [3.0, 4.5].into_iter().enumerate() {
            r.set(0, row, v);
        }
        let mut table = ScenarioTable::new("year");
        let e = table
            .push("a", &r, &["x".to_string(), "y".to_string()])
            .unwrap_err();
        assert_eq!(e, "variable `y` is not in the results");
        assert_eq!(table.runs(), 0);
        table.push("b, \"quoted\"", &r, &["x".to_string()]).unwrap();
        assert_eq!(
            String::from_utf8(table.csv()).unwrap(),
            "scenario,variable,unit,time,value,time_unit\n\
             \"b, \"\"quoted\"\"\",x,t,0,3,year\n\
             \"b, \"\"quoted\"\"\",x,t,1,4.5,year\n"
        );
    }

    #[test]
    fn csv_cells_with_commas_quotes_and_newlines_round_trip() {
        let nasty = "a, \"b\"\nc";
        let s = SteadyState {
            values: vec![SteadyValue {
                name: nasty.into(),
                kind: SteadyKind::Stock,
                role: SteadyRole::Solved,
                value: 2.0,
                initial: 1.0,
                net_flow: 0.0,
                residual: None,
            }],
            growth: vec![GrowthRate {
                stocks: vec!["x".into(), "y".into()],
                log: false,
                rate: 0.5,
            }],
            free: vec![FreeParameter {
                name: nasty.into(),
                value: 3.0,
                given: 2.0,
            }],
            holds: vec![],
            iterations: 1,
            evaluations: 1,
            starts: 1,
            residual: 0.0,
            tolerance: 1e-9,
            time: 0.0,
        };
        let bytes = SteadyReport {
            model: "m".into(),
            state: s,
        }
        .csv();
        let rows: Vec<Vec<String>> = ::csv::Reader::from_reader(bytes.as_slice())
            .records()
            .map(|r| r.unwrap().iter().map(str::to_string).collect())
            .collect();
        assert_eq!(
            rows,
            [
                vec![nasty, "stock", "solved", "2", "1", "1", "0", ""],
                vec!["x y", "growth rate", "solved", "0.5", "", "", "", ""],
                vec![nasty, "free parameter", "solved", "3", "2", "0.5", "", ""],
            ]
        );
    }
}
