//! Errors of the sensitivity crate. Every variant says what was wrong and, where there is one,
//! what would be right.

use thiserror::Error;

/// Why a distribution or parameter definition was rejected.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum DistributionError {
    #[error("parameter `{name}`: {what} must be a finite number, got {value}")]
    NotFinite {
        name: String,
        what: &'static str,
        value: f64,
    },
    #[error("parameter `{name}`: empty range [{low}, {high}]: the lower and upper bounds are equal (fix the value in the model instead of varying it)")]
    EmptyRange { name: String, low: f64, high: f64 },
    #[error("parameter `{name}`: inverted range [{low}, {high}]: the lower bound must be below the upper bound")]
    InvertedRange { name: String, low: f64, high: f64 },
    #[error("parameter `{name}`: {what} must be positive, got {value}")]
    NotPositive {
        name: String,
        what: &'static str,
        value: f64,
    },
    #[error("parameter `{name}`: triangular mode {mode} lies outside its range [{low}, {high}]")]
    ModeOutsideRange {
        name: String,
        low: f64,
        mode: f64,
        high: f64,
    },
    #[error("parameter `{name}`: the truncation range [{low}, {high}] holds no probability mass of normal({mean}, {sd}) that double precision can represent")]
    NoMass {
        name: String,
        mean: f64,
        sd: f64,
        low: f64,
        high: f64,
    },
}

/// Errors of samplers, estimators, the streaming engine, partial results and experiments.
#[derive(Debug, Error)]
pub enum SensitivityError {
    #[error(transparent)]
    Distribution(#[from] DistributionError),
    #[error("the parameter space is empty: give at least one parameter to vary")]
    EmptySpace,
    #[error("parameter `{0}` is listed twice")]
    DuplicateParameter(String),
    #[error("{sampler} cannot use N = {n}: {reason}")]
    InvalidSampleSize {
        sampler: &'static str,
        n: usize,
        reason: String,
    },
    #[error("invalid setting: {0}")]
    InvalidSetting(String),
    #[error("invalid factor groups: {0}")]
    InvalidGroups(String),
    #[error(
        "shard {index}/{count} is not valid: shards are numbered 1..={count} (e.g. --shard 1/4)"
    )]
    InvalidShard { index: usize, count: usize },
    #[error("model run {run} failed: {message}\n  parameters of the run: {params}")]
    RunFailed {
        run: usize,
        params: String,
        message: String,
    },
    #[error(
        "model run {run} produced a non-finite value in output `{output}` (parameters: {params})"
    )]
    NonFinite {
        run: usize,
        output: String,
        params: String,
    },
    #[error("cannot merge partial results: {0}")]
    Merge(String),
    #[error("{path}: {message}")]
    Io { path: String, message: String },
    #[error("the analysis was cancelled before it finished")]
    Cancelled,
}

pub type Result<T, E = SensitivityError> = std::result::Result<T, E>;
