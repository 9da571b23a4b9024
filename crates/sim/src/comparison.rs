//! Scenario comparisons: one run of a model per scenario, over shared presets and parameter
//! values, with the chosen variables collected in one [`ScenarioTable`] (what `pressure
//! reproduce` draws as its scenario figures).

use crate::report::ScenarioTable;
use crate::{CompiledModel, Scenario, SimError};

/// What every run of a comparison shares.
#[derive(Clone, Copy)]
pub struct ScenarioComparison<'a> {
    /// The model.
    pub model: &'a CompiledModel,
    /// Scenarios applied to every run first, in order (e.g. a regime-type preset).
    pub presets: &'a [Scenario],
    /// Parameter values set after the presets and before each scenario (e.g. calibrated
    /// estimates).
    pub parameters: &'a [(String, f64)],
    /// The variables collected from each run.
    pub variables: &'a [String],
    /// The time unit written in every row of the table.
    pub time_units: &'a str,
}

impl ScenarioComparison<'_> {
    /// Runs each `(label, scenario)` on top of the presets and parameters and collects the
    /// variables under the label. `progress(done)` is called before each run and at the end.
    /// A variable no run records is [`SimError::UnknownOutput`].
    ///
    /// ```
    /// use pressure_sim::{comparison::ScenarioComparison, CompiledModel, Scenario};
    /// use std::path::Path;
    ///
    /// let model = pressure_model::load_str(
    ///     Path::new("m.toml"),
    ///     "[settings]\nstop = 2\n[stocks.s]\ninitial = \"0\"\ninflows = [\"f\"]\n\
    ///      [flows.f]\nequation = \"k\"\n[constants.k]\nvalue = 1\n",
    /// )
    /// .unwrap();
    /// let compiled = CompiledModel::compile(&model).unwrap();
    /// let double = Scenario::parse(Path::new("double.toml"), "[set]\nk = 2\n").unwrap();
    /// let base = Scenario::parse(Path::new("base.toml"), "").unwrap();
    /// let variables = vec!["s".to_string()];
    /// let comparison = ScenarioComparison {
    ///     model: &compiled,
    ///     presets: &[],
    ///     parameters: &[],
    ///     variables: &variables,
    ///     time_units: "year",
    /// };
    /// let table = comparison
    ///     .run([("base", &base), ("double", &double)], &|_| {})
    ///     .unwrap();
    /// assert_eq!(table.runs(), 2);
    /// ```
    pub fn run<'s>(
        &self,
        scenarios: impl IntoIterator<Item = (&'s str, &'s Scenario)>,
        progress: &dyn Fn(usize),
    ) -> Result<ScenarioTable, SimError> {
        let model = self.model;
        let mut params = model.default_params();
        let mut exo = model.default_exogenous();
        let mut settings = model.default_settings();
        for preset in self.presets {
            preset.apply(model, &mut params, &mut exo, &mut settings)?;
        }
        for (name, value) in self.parameters {
            model.set_param(&mut params, name, *value)?;
        }
        let mut table = ScenarioTable::new(self.time_units);
        for (done, (label, scenario)) in scenarios.into_iter().enumerate() {
            progress(done);
            let (mut p, mut e, mut s) = (params.clone(), exo.clone(), settings.clone());
            scenario.apply(model, &mut p, &mut e, &mut s)?;
            let results = model.run_with(&p, &e, &s)?;
            if let Some(missing) = self.variables.iter().find(|v| results.column(v).is_none()) {
                return Err(SimError::UnknownOutput {
                    name: missing.clone(),
                    suggestion: None,
                });
            }
            table
                .push(label, &results, self.variables)
                .map_err(|_| SimError::UnknownOutput {
                    name: self.variables.join(", "),
                    suggestion: None,
                })?;
        }
        progress(table.runs());
        Ok(table)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn model() -> CompiledModel {
        let m = pressure_model::load_str(
            Path::new("m.toml"),
            "[settings]\nstop = 2\n[stocks.s]\ninitial = \"0\"\ninflows = [\"f\"]\n\
             [flows.f]\nequation = \"k * g\"\n[constants.k]\nvalue = 1\n[constants.g]\nvalue = 1\n",
        )
        .unwrap();
        CompiledModel::compile(&m).unwrap()
    }

    fn rows(table: ScenarioTable) -> Vec<Vec<String>> {
        csv::Reader::from_reader(&table.csv()[..])
            .records()
            .map(|r| r.unwrap().iter().map(str::to_string).collect())
            .collect()
    }

    /// s(t) = k·g·t: presets, then parameters, then the scenario, each over the one before.
    #[test]
    fn presets_then_parameters_then_each_scenario_apply_in_order() {
        let compiled = model();
        let preset = Scenario::parse(Path::new("p.toml"), "[set]\nk = 3\ng = 5\n").unwrap();
        let double = Scenario::parse(Path::new("d.toml"), "[set]\nk = 2\n").unwrap();
        let base = Scenario::parse(Path::new("b.toml"), "").unwrap();
        let variables = vec!["s".to_string()];
        let comparison = ScenarioComparison {
            model: &compiled,
            presets: std::slice::from_ref(&preset),
            parameters: &[("g".to_string(), 10.0)],
            variables: &variables,
            time_units: "year",
        };
        let calls = std::sync::Mutex::new(Vec::new());
        let table = comparison
            .run([("base", &base), ("double", &double)], &|d| {
                calls.lock().unwrap().push(d)
            })
            .unwrap();
        assert_eq!(*calls.lock().unwrap(), [0, 1, 2]);
        let last = |label: &str, rows: &[Vec<String>]| -> f64 {
            rows.iter()
                .filter(|r| r[0] == label)
                .map(|r| r[4].parse::<f64>().unwrap())
                .next_back()
                .unwrap()
        };
        let rows = rows(table);
        assert!(rows.iter().all(|r| r[1] == "s" && r[5] == "year"));
        assert!((last("base", &rows) - 3.0 * 10.0 * 2.0).abs() < 1e-9);
        assert!((last("double", &rows) - 2.0 * 10.0 * 2.0).abs() < 1e-9);
    }

    #[test]
    fn a_variable_no_run_records_is_an_unknown_output() {
        let compiled = model();
        let base = Scenario::parse(Path::new("b.toml"), "").unwrap();
        let variables = vec!["nope".to_string()];
        let comparison = ScenarioComparison {
            model: &compiled,
            presets: &[],
            parameters: &[],
            variables: &variables,
            time_units: "",
        };
        let e = comparison.run([("base", &base)], &|_| {}).unwrap_err();
        assert!(
            matches!(e, SimError::UnknownOutput { ref name, .. } if name == "nope"),
            "{e}"
        );
    }
}
