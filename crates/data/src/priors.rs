//! Prior tables: the estimates of a `pressure estimate` run, with their covariance, in a file a
//! calibration experiment can name as a prior (`priors.json`, format
//! `pressure-estimate-priors/1`).
//!
//! The type lives here, in `pressure-data`, because both sides use it: the econometrics crate
//! builds a [`PriorTable`] from its results and writes it with [`PriorTable::to_json`] (the one
//! writer), and the calibration crate, which may not depend on the econometrics crate, reads it
//! with [`PriorTable::load`] and looks estimates up with [`PriorTable::term`] or, for a joint
//! prior, [`PriorTable::covariance`].
//!
//! ```json
//! {"format": "pressure-estimate-priors/1", "spec": "growth_by_type.toml",
//!  "models": [{"name": "UN by type", "estimator": "fe", "dependent": "gdppc_growth_pct",
//!              "dependent_units": "percentage points of per-capita GDP growth a year",
//!              "nobs": 5063, "n_units": 158, "terms": ["sanc_un_trade", "sanc_us"],
//!              "estimates": [-1.2, -0.8], "std_errors": [0.9, 0.4],
//!              "vcov": [[0.81, 0.01], [0.01, 0.16]], "se_type": "cluster (iso3)",
//!              "dropped_collinear": [], "sample": "year >= 1976 && year <= 2012"}]}
//! ```
//!
//! Asking for a term a model does not have — for instance one dropped as collinear — is an
//! error that names the file, the model, the term and the terms that are available:
//!
//! ```
//! use pressure_data::priors::PriorTable;
//! let text = r#"{"format": "pressure-estimate-priors/1", "spec": "s.toml", "models": [
//!   {"name": "TWFE", "estimator": "fe", "dependent": "gdppc_growth_pct",
//!    "dependent_units": "percentage points of growth a year", "nobs": 100, "n_units": 10,
//!    "terms": ["sanc_us"], "estimates": [-0.8], "std_errors": [0.4], "vcov": [[0.16]],
//!    "se_type": "cluster (iso3)", "dropped_collinear": ["sanc_un"], "sample": "all"}]}"#;
//! let priors = PriorTable::from_json_str(text, "priors.json").unwrap();
//! assert_eq!(priors.term("TWFE", "sanc_us").unwrap(), (-0.8, 0.4));
//! let err = priors.term("TWFE", "sanc_un").unwrap_err().to_string();
//! assert_eq!(
//!     err,
//!     "priors.json: model `TWFE` has no estimate of `sanc_un`: it was dropped as collinear \
//!      (available terms: sanc_us)"
//! );
//! ```

use serde::{Deserialize, Serialize};
use std::path::Path;

/// The format tag of prior files this version reads and writes.
pub const PRIORS_FORMAT: &str = "pressure-estimate-priors/1";

/// A prior table: every exported model of one estimation spec.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PriorTable {
    /// Always [`PRIORS_FORMAT`].
    pub format: String,
    /// The file name of the spec that produced the table (no directory).
    pub spec: String,
    /// The exported models, in the order of the spec.
    pub models: Vec<PriorModel>,
    /// Where the table was read from (for error messages); not written.
    #[serde(skip)]
    pub origin: String,
}

/// One model's estimates, standard errors and covariance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PriorModel {
    /// The model's name in the spec (`name = "..."`, or `(i)` for the i-th unnamed model,
    /// counting from 1); what a preset cites.
    pub name: String,
    /// The estimator (`fe`, `ols`, `cox`, `event_study`, ...).
    pub estimator: String,
    /// The dependent variable (for survival models the event indicator).
    pub dependent: String,
    /// What one unit of an estimate means, e.g. "percentage points of per-capita GDP growth a
    /// year" or "log hazard ratio of an irregular leader exit".
    pub dependent_units: String,
    /// Observations used.
    pub nobs: usize,
    /// Panel units (countries) in the sample: distinct values of the spec's panel unit, or
    /// without panel keys the clusters of the first cluster variable; `null` when neither.
    pub n_units: Option<usize>,
    /// Names of the estimated terms (regressors, event-time dummies, ...).
    pub terms: Vec<String>,
    /// Point estimates, one per term, in `dependent_units`.
    pub estimates: Vec<f64>,
    /// Standard errors of `estimates` (same units), from `se_type`.
    pub std_errors: Vec<f64>,
    /// Covariance of the estimates, rows and columns in the order of `terms`.
    pub vcov: Vec<Vec<f64>>,
    /// The variance estimator, e.g. "cluster (iso3), CR1".
    pub se_type: String,
    /// Regressors of the formula dropped as collinear (or absorbed by fixed effects): no
    /// estimate exists for them.
    pub dropped_collinear: Vec<String>,
    /// The sample: the spec's filter, the model's filter, and rows dropped for missing values.
    pub sample: String,
}

/// Errors reading or querying a prior table.
#[derive(Debug, thiserror::Error)]
pub enum PriorError {
    /// The file could not be read (missing, unreadable).
    #[error("{file}: cannot read the prior table: {message}")]
    Io {
        /// The prior table's path.
        file: String,
        /// The operating system's reason.
        message: String,
    },
    /// The file is not JSON of the prior-table shape.
    #[error("{file}: not a prior table: {message}")]
    Parse {
        /// The prior table's path.
        file: String,
        /// The JSON parser's message, with line and column.
        message: String,
    },
    /// The `format` field is not [`PRIORS_FORMAT`].
    #[error("{file}: format `{found}` is not `{PRIORS_FORMAT}` (written by another version of pressure estimate?)")]
    Format {
        /// The prior table's path.
        file: String,
        /// The format the file declares.
        found: String,
    },
    /// A model's entries fail [`PriorTable::validate`]: two models with one name, terms,
    /// estimates, standard errors and covariance of different shapes, a covariance whose
    /// diagonal is not the squared standard errors, or a number that is not finite.
    #[error("{file}: model `{model}`: {message}")]
    Invalid {
        /// The prior table's path.
        file: String,
        /// The model whose entries are inconsistent.
        model: String,
        /// What is wrong.
        message: String,
    },
    /// A citation names a model the table does not have.
    #[error("{file}: no model `{model}` (models: {available})")]
    UnknownModel {
        /// The prior table's path.
        file: String,
        /// The model asked for.
        model: String,
        /// The models the table has, comma-separated.
        available: String,
    },
    /// A citation names a term the model did not estimate.
    #[error("{file}: model `{model}` has no estimate of `{term}`{reason} (available terms: {available})")]
    UnknownTerm {
        /// The prior table's path.
        file: String,
        /// The model asked for.
        model: String,
        /// The term asked for.
        term: String,
        /// ": it was dropped as collinear" or empty.
        reason: String,
        /// The model's terms, comma-separated.
        available: String,
    },
}

impl PriorTable {
    /// An empty table for the spec file `spec` (its file name is kept, not the directory).
    pub fn new(spec: &Path) -> PriorTable {
        PriorTable {
            format: PRIORS_FORMAT.to_string(),
            spec: spec
                .file_name()
                .map_or_else(String::new, |n| n.to_string_lossy().into_owned()),
            models: vec![],
            origin: String::new(),
        }
    }

    /// Reads and validates a prior file.
    pub fn load(path: &Path) -> Result<PriorTable, PriorError> {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| PriorError::Io {
            file: file.clone(),
            message: e.to_string(),
        })?;
        Self::from_json_str(&text, &file)
    }

    /// Parses and validates a prior table; `origin` names it in errors.
    pub fn from_json_str(text: &str, origin: &str) -> Result<PriorTable, PriorError> {
        // Check the format tag first, so a file of another version says so rather than
        // failing on a field it does not know.
        let value: serde_json::Value =
            serde_json::from_str(text).map_err(|e| PriorError::Parse {
                file: origin.to_string(),
                message: e.to_string(),
            })?;
        match value.get("format").and_then(|f| f.as_str()) {
            Some(PRIORS_FORMAT) => {}
            Some(other) => {
                return Err(PriorError::Format {
                    file: origin.to_string(),
                    found: other.to_string(),
                })
            }
            None => {
                return Err(PriorError::Parse {
                    file: origin.to_string(),
                    message: "no `format` field".into(),
                })
            }
        }
        let mut table: PriorTable =
            serde_json::from_value(value).map_err(|e| PriorError::Parse {
                file: origin.to_string(),
                message: e.to_string(),
            })?;
        table.origin = origin.to_string();
        table.validate()?;
        Ok(table)
    }

    /// Checks the shapes: one estimate, standard error and covariance row per term, a square
    /// covariance whose diagonal is the squared standard errors, finite numbers, unique names.
    pub fn validate(&self) -> Result<(), PriorError> {
        let invalid = |m: &PriorModel, message: String| PriorError::Invalid {
            file: self.origin.clone(),
            model: m.name.clone(),
            message,
        };
        for (i, m) in self.models.iter().enumerate() {
            if self.models[..i].iter().any(|o| o.name == m.name) {
                return Err(invalid(m, "two models have this name".into()));
            }
            let k = m.terms.len();
            if m.estimates.len() != k || m.std_errors.len() != k || m.vcov.len() != k {
                return Err(invalid(
                    m,
                    format!(
                        "{k} terms but {} estimates, {} standard errors and {} covariance rows",
                        m.estimates.len(),
                        m.std_errors.len(),
                        m.vcov.len()
                    ),
                ));
            }
            for (r, row) in m.vcov.iter().enumerate() {
                if row.len() != k {
                    return Err(invalid(
                        m,
                        format!(
                            "covariance row {} (`{}`) has {} values for {k} terms",
                            r + 1,
                            m.terms[r],
                            row.len()
                        ),
                    ));
                }
            }
            for (j, t) in m.terms.iter().enumerate() {
                if m.terms[..j].contains(t) {
                    return Err(invalid(m, format!("term `{t}` appears twice")));
                }
                let (b, s, v) = (m.estimates[j], m.std_errors[j], m.vcov[j][j]);
                if !(b.is_finite() && s.is_finite() && s >= 0.0 && v.is_finite()) {
                    return Err(invalid(
                        m,
                        format!("term `{t}`: estimate {b}, standard error {s} and variance {v} must be finite, the standard error ≥ 0"),
                    ));
                }
                if (s * s - v).abs() > 1e-9 * v.abs().max(1e-300) {
                    return Err(invalid(
                        m,
                        format!(
                            "term `{t}`: standard error {s} is not the square root of its variance {v}"
                        ),
                    ));
                }
            }
        }
        Ok(())
    }

    /// The table as pretty-printed JSON (deterministic: fields in declaration order, shortest
    /// round-trip numbers). This is the only writer of prior files.
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).expect("a prior table serialises");
        s.push('\n');
        s
    }

    /// The model named `model`.
    pub fn model(&self, model: &str) -> Result<&PriorModel, PriorError> {
        self.models
            .iter()
            .find(|m| m.name == model)
            .ok_or_else(|| PriorError::UnknownModel {
                file: self.origin.clone(),
                model: model.to_string(),
                available: self
                    .models
                    .iter()
                    .map(|m| format!("`{}`", m.name))
                    .collect::<Vec<_>>()
                    .join(", "),
            })
    }

    /// `(estimate, standard error)` of `term` in `model`.
    pub fn term(&self, model: &str, term: &str) -> Result<(f64, f64), PriorError> {
        let m = self.model(model)?;
        let j = self.term_index(m, term)?;
        Ok((m.estimates[j], m.std_errors[j]))
    }

    /// Estimates and their joint covariance for several terms of one model (a multivariate
    /// normal prior), in the order asked for.
    pub fn covariance(
        &self,
        model: &str,
        terms: &[&str],
    ) -> Result<(Vec<f64>, Vec<Vec<f64>>), PriorError> {
        let m = self.model(model)?;
        let idx = terms
            .iter()
            .map(|t| self.term_index(m, t))
            .collect::<Result<Vec<_>, _>>()?;
        let est = idx.iter().map(|&j| m.estimates[j]).collect();
        let cov = idx
            .iter()
            .map(|&a| idx.iter().map(|&b| m.vcov[a][b]).collect())
            .collect();
        Ok((est, cov))
    }

    fn term_index(&self, m: &PriorModel, term: &str) -> Result<usize, PriorError> {
        m.terms
            .iter()
            .position(|t| t == term)
            .ok_or_else(|| PriorError::UnknownTerm {
                file: self.origin.clone(),
                model: m.name.clone(),
                term: term.to_string(),
                reason: if m.dropped_collinear.iter().any(|d| d == term) {
                    ": it was dropped as collinear".into()
                } else {
                    String::new()
                },
                available: m.terms.join(", "),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model(name: &str) -> PriorModel {
        PriorModel {
            name: name.into(),
            estimator: "fe".into(),
            dependent: "gdppc_growth_pct".into(),
            dependent_units: "percentage points of growth a year".into(),
            nobs: 50,
            n_units: Some(5),
            terms: vec!["a".into(), "b".into()],
            estimates: vec![1.5, -2.0],
            std_errors: vec![0.5, 2.0],
            vcov: vec![vec![0.25, -0.1], vec![-0.1, 4.0]],
            se_type: "cluster (iso3)".into(),
            dropped_collinear: vec!["c".into()],
            sample: "year >= 1976".into(),
        }
    }

    fn table() -> PriorTable {
        let mut t = PriorTable::new(Path::new("experiments/estimate/x.toml"));
        t.models = vec![model("M1"), model("M2")];
        t
    }

    #[test]
    fn round_trip_through_json_is_exact() {
        let t = table();
        assert_eq!(t.spec, "x.toml");
        let back = PriorTable::from_json_str(&t.to_json(), "p.json").unwrap();
        assert_eq!(back.models, t.models);
        assert_eq!(back.to_json(), t.to_json());
        assert_eq!(back.term("M2", "b").unwrap(), (-2.0, 2.0));
        let (est, cov) = back.covariance("M1", &["b", "a"]).unwrap();
        assert_eq!(est, vec![-2.0, 1.5]);
        assert_eq!(cov, vec![vec![4.0, -0.1], vec![-0.1, 0.25]]);
    }

    #[test]
    fn unknown_model_and_term_name_what_is_available() {
        let t = PriorTable::from_json_str(&table().to_json(), "p.json").unwrap();
        let e = t.term("M3", "a").unwrap_err().to_string();
        assert_eq!(e, "p.json: no model `M3` (models: `M1`, `M2`)");
        let e = t.term("M1", "z").unwrap_err().to_string();
        assert_eq!(
            e,
            "p.json: model `M1` has no estimate of `z` (available terms: a, b)"
        );
        let e = t.covariance("M1", &["a", "c"]).unwrap_err().to_string();
        assert_eq!(
            e,
            "p.json: model `M1` has no estimate of `c`: it was dropped as collinear (available terms: a, b)"
        );
    }

    #[test]
    fn malformed_tables_are_refused() {
        let good = table().to_json();
        let e = PriorTable::from_json_str(&good.replace("priors/1", "priors/9"), "p.json")
            .unwrap_err()
            .to_string();
        assert!(e.contains("format `pressure-estimate-priors/9`"), "{e}");
        let e = PriorTable::from_json_str("{\"format\": 1", "p.json")
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("p.json: not a prior table"), "{e}");
        let mut t = table();
        t.models[1].vcov[1].pop();
        let e = PriorTable::from_json_str(&t.to_json(), "p.json")
            .unwrap_err()
            .to_string();
        assert_eq!(
            e,
            "p.json: model `M2`: covariance row 2 (`b`) has 1 values for 2 terms"
        );
        let mut t = table();
        t.models[0].std_errors[0] = 0.6;
        let e = PriorTable::from_json_str(&t.to_json(), "p.json")
            .unwrap_err()
            .to_string();
        assert!(e.contains("not the square root of its variance"), "{e}");
        let mut t = table();
        t.models[0].estimates.pop();
        let e = PriorTable::from_json_str(&t.to_json(), "p.json")
            .unwrap_err()
            .to_string();
        assert!(e.contains("2 terms but 1 estimates"), "{e}");
        let mut t = table();
        t.models[1].name = "M1".into();
        let e = PriorTable::from_json_str(&t.to_json(), "p.json")
            .unwrap_err()
            .to_string();
        assert!(e.contains("two models have this name"), "{e}");
        let e = PriorTable::load(Path::new("/nonexistent/p.json"))
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("/nonexistent/p.json: cannot read"), "{e}");
    }
}
