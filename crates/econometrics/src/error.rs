//! Errors of the estimators and of the specification layer.
//!
//! Every variant says what is wrong in terms a user can act on: the column, the row, the
//! cluster variable. Data-file errors name the file, row and column.

use thiserror::Error;

/// Everything that can go wrong while estimating.
#[derive(Debug, Error)]
pub enum EconError {
    /// A column named in a specification does not exist in the table.
    #[error("unknown column `{name}`{}", suggestion_text(.suggestion))]
    UnknownColumn {
        /// The name asked for.
        name: String,
        /// The closest existing column, when one is close.
        suggestion: Option<String>,
    },
    /// A value that must be numeric is not (file, row and column named).
    #[error("{file}: row {row}, column `{column}`: `{value}` is not a number")]
    NonNumeric {
        /// The data file.
        file: String,
        /// The 1-based row (the header is row 1).
        row: usize,
        /// The column's header.
        column: String,
        /// The text found.
        value: String,
    },
    /// Regressors are perfectly collinear. When dropping is allowed the estimator drops the
    /// named columns and reports them; this error is raised when dropping is refused or when
    /// nothing would be left.
    #[error("perfect collinearity: {} {} linear combination of earlier regressors{}",
        .dropped.join(", "),
        if .dropped.len() == 1 { "is a" } else { "are" },
        if *.refused { " (collinear columns are refused: set `drop_collinear = true` to drop them)" } else { "" })]
    Collinear {
        /// The collinear columns.
        dropped: Vec<String>,
        /// True when the spec refused dropping (`drop_collinear = false`).
        refused: bool,
    },
    /// A cluster variable takes one value in the estimation sample: no cluster-robust
    /// variance can be computed from one cluster.
    #[error("cluster variable `{name}` has only one cluster in the estimation sample")]
    SingleCluster {
        /// The cluster variable.
        name: String,
    },
    /// No observation is left after the sample filter, missing values and singletons.
    #[error("empty sample: {reason}")]
    EmptySample {
        /// Why: the filter, or the columns with missing values.
        reason: String,
    },
    /// A survival spell ends before (or when) it starts.
    #[error("survival spell at row {row}: end {stop} is not after start {start}")]
    SpellOrder {
        /// The 1-based position of the spell in the estimation sample.
        row: usize,
        /// Its start time.
        start: f64,
        /// Its end time.
        stop: f64,
    },
    /// Inputs of mismatched lengths or shapes.
    #[error("dimension mismatch: {0}")]
    Dimension(String),
    /// A non-finite value where a finite number is required.
    #[error("non-finite value in `{name}` at row {row}")]
    NonFinite {
        /// The input (column or vector) holding it.
        name: String,
        /// Its position in that input.
        row: usize,
    },
    /// More parameters than observations (or no residual degrees of freedom).
    #[error("not enough observations: {n} observations for {k} parameters")]
    TooFewObservations {
        /// Observations available.
        n: usize,
        /// Parameters to estimate.
        k: usize,
    },
    /// An iterative estimator did not converge.
    #[error("{what} did not converge after {iterations} iterations")]
    NotConverged {
        /// The estimator or step.
        what: String,
        /// Iterations done before giving up.
        iterations: usize,
    },
    /// A model that cannot be estimated as specified (e.g. perfect separation in a logit).
    #[error("{0}")]
    Invalid(String),
    /// A formula that does not parse (1-based character position).
    #[error("formula `{formula}`, at character {position}: {message}")]
    Formula {
        /// The formula as written.
        formula: String,
        /// 1-based character position of the problem.
        position: usize,
        /// What is wrong.
        message: String,
    },
    /// A specification file could not be understood.
    #[error("{file}: {message}")]
    Spec {
        /// The spec file.
        file: String,
        /// What is wrong, with line and column when the TOML parser gives them.
        message: String,
    },
    /// A data-file error from the table loader (it names the file, row and column).
    #[error(transparent)]
    Data(#[from] pressure_data::DataError),
}

fn suggestion_text(s: &Option<String>) -> String {
    match s {
        Some(s) => format!(" (did you mean `{s}`?)"),
        None => String::new(),
    }
}

/// Shorthand result type of this crate.
pub type Result<T, E = EconError> = std::result::Result<T, E>;
