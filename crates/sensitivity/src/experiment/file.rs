//! The experiment file format (TOML), as written by a researcher.
//!
//! ```toml
//! [experiment]
//! name = "sir-sobol"
//! model = "../../models/examples/sir.toml"   # relative to this file
//! scenarios = []                             # scenario files applied in order (optional)
//! seed = 20240601                            # default seed (--seed overrides)
//! use_model_ranges = true                    # vary every constant that has a `range`
//! exclude = ["onset_time", "coalition.aid_power[*]"]   # ... except these (`*`: any text)
//! exclude_source = ["scenario lever"]        # ... and those whose `source` contains this
//! run_until_last_output = false              # stop runs at the last time an output needs
//!                                            # (leave off if equations use FINAL TIME)
//! dt = 0.0625                                # integration step instead of the model's
//!                                            # (optional; check the outputs do not change)
//!
//! [method]
//! kind = "sobol"           # sobol | morris | montecarlo | oat
//! n = 1024                 # base points (sobol), trajectories (morris), runs (montecarlo)
//! second_order = false     # sobol
//! scramble = true          # sobol, and montecarlo with sampler = "sobol"
//! levels = 4               # morris
//! candidates = 0           # morris: improved spread from this many candidates (0 = off)
//! sampler = "lhs"          # montecarlo: random | lhs | sobol
//! bootstrap = 100          # resamples for scalar outputs
//! bootstrap_over_time = 0  # resamples for [[series]] columns
//! confidence = 0.95
//! quantiles = [0.05, 0.25, 0.5, 0.75, 0.95]   # montecarlo bands
//! swing = [0.05, 0.95]     # oat: quantiles of each distribution for low/high
//! save_sample = false      # also write sample.csv and outputs.csv
//! failed_runs = "error"    # or "drop": leave a failed run's group out, list it in failures.csv
//!
//! [[parameters]]           # add or override; without `distribution`: uniform over the model's range
//! name = "duration"
//! distribution = "triangular"
//! low = 2
//! mode = 5
//! high = 10
//!
//! [[groups]]               # sobol: indices of groups of parameters instead of each one
//! name = "transmission"    # (each parameter joins the first group with a matching pattern;
//! parameters = ["beta", "contact_*"]   # every varied parameter must match one)
//!
//! [[outputs]]              # scalar outputs
//! name = "peak_infectious"
//! variable = "infectious"
//! statistic = "peak"       # value_at (time) | mean, peak, min (from, to) | first_crossing (threshold, direction, if_never)
//! transform = "log"        # optional: "log" (ln y) or "log1p" (ln(1 + y)) of the statistic, for
//!                          # heavy-tailed outputs whose variance a few runs would dominate
//!
//! [[series]]               # outputs over time: bands and time-resolved indices
//! variable = "infectious"
//! every = 5                # default: the model's save interval
//! ```

use serde::Deserialize;
use serde_spanned::Spanned;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExperimentFile {
    pub experiment: Header,
    pub method: MethodSection,
    #[serde(default)]
    pub parameters: Vec<ParameterEntry>,
    #[serde(default)]
    pub outputs: Vec<OutputEntry>,
    #[serde(default)]
    pub series: Vec<SeriesEntry>,
    #[serde(default)]
    pub groups: Vec<GroupEntry>,
}

/// A group of parameters whose Sobol' indices are computed together.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroupEntry {
    pub name: Spanned<String>,
    /// Parameter names; `*` matches any text.
    pub parameters: Spanned<Vec<Spanned<String>>>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Header {
    pub name: Option<String>,
    pub description: Option<String>,
    pub model: Spanned<String>,
    #[serde(default)]
    pub scenarios: Vec<Spanned<String>>,
    pub seed: Option<u64>,
    #[serde(default)]
    pub use_model_ranges: bool,
    /// With `use_model_ranges`: parameters not to vary (names, `*` matches any text).
    #[serde(default)]
    pub exclude: Vec<Spanned<String>>,
    /// With `use_model_ranges`: skip parameters whose `source` contains any of these texts
    /// (e.g. "scenario lever").
    #[serde(default)]
    pub exclude_source: Vec<Spanned<String>>,
    /// Stop every run at the latest time an output needs instead of the model's stop time.
    #[serde(default)]
    pub run_until_last_output: bool,
    /// Integration step for the experiment's runs instead of the model's (and scenarios') dt.
    pub dt: Option<Spanned<f64>>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MethodSection {
    pub kind: Spanned<String>,
    pub n: Option<Spanned<usize>>,
    pub second_order: Option<bool>,
    pub scramble: Option<bool>,
    pub levels: Option<Spanned<usize>>,
    pub candidates: Option<Spanned<usize>>,
    pub sampler: Option<Spanned<String>>,
    pub bootstrap: Option<usize>,
    pub bootstrap_over_time: Option<usize>,
    pub confidence: Option<Spanned<f64>>,
    pub quantiles: Option<Spanned<Vec<f64>>>,
    pub swing: Option<Spanned<[f64; 2]>>,
    pub save_sample: Option<bool>,
    pub failed_runs: Option<Spanned<String>>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ParameterEntry {
    pub name: Spanned<String>,
    pub distribution: Option<Spanned<String>>,
    pub low: Option<f64>,
    pub high: Option<f64>,
    pub mode: Option<f64>,
    pub mean: Option<f64>,
    pub sd: Option<f64>,
    pub meanlog: Option<f64>,
    pub sdlog: Option<f64>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutputEntry {
    pub name: Option<Spanned<String>>,
    pub variable: Spanned<String>,
    pub statistic: Spanned<String>,
    pub time: Option<Spanned<f64>>,
    pub from: Option<Spanned<f64>>,
    pub to: Option<Spanned<f64>>,
    pub threshold: Option<f64>,
    pub direction: Option<Spanned<String>>,
    pub if_never: Option<f64>,
    pub transform: Option<Spanned<String>>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeriesEntry {
    pub name: Option<Spanned<String>>,
    pub variable: Spanned<String>,
    pub from: Option<Spanned<f64>>,
    pub to: Option<Spanned<f64>>,
    pub every: Option<Spanned<f64>>,
}
