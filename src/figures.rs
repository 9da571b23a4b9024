//! The standard figures of `pressure estimate`, `pressure sensitivity` and `pressure calibrate`
//! (and of the study, `pressure reproduce`), a library module so that a script or test can plan
//! and draw them without the binary; drawn from the CSV files those commands write — the same path as `pressure plot`, so a
//! script can restyle any figure without rerunning anything.
//!
//! Each command's standard set is *planned* from its typed results in memory
//! ([`estimate_plans`] from the estimation's `spec::Report`, [`sensitivity_plans`] from the
//! sensitivity `Report`, [`calibrate_plans`] from [`CalibrationResults`]), never by reading its
//! output folder back: a plan names the figure kind, the CSV it is
//! drawn from (the command's own file, or a plot-ready extract of it written to
//! `figure-data/` when rows must be filtered, combined or given units), the `--select` and
//! axis-title options, and the caption. [`draw`] then renders every plan with
//! [`figure_from_csv`] and [`write_figure_set`]. Captions are written in one place
//! ([`caption`]) so `figures/index.md` and the command outputs say the same thing.

use crate::econometrics::spec::{Estimator, ModelReport, Report as EstimateReport};
use crate::output::{write_atomic, CsvTable};
use crate::plot::{figure_from_csv, CsvOptions, Figure, FigureKind, Format, Width};
use crate::sensitivity::experiment::{
    Column as SensColumn, Method as SensMethod, Report as SensReport, ResultSet as SensResults,
    RunSpec as SensRunSpec,
};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// One figure of a standard set, ready to draw.
#[derive(Debug, Clone)]
pub struct FigurePlan {
    /// File stem (without extension), unique within a set.
    pub stem: String,
    pub kind: FigureKind,
    /// The CSV drawn (redraw with `pressure plot KIND DATA ...`).
    pub data: PathBuf,
    pub select: Option<String>,
    pub width: Width,
    pub x_label: Option<String>,
    pub y_label: Option<String>,
    pub caption: String,
}

impl FigurePlan {
    fn new(stem: impl Into<String>, kind: FigureKind, data: PathBuf, caption: String) -> Self {
        FigurePlan {
            stem: file_safe(&stem.into()),
            kind,
            data,
            select: None,
            width: Width::Single,
            x_label: None,
            y_label: None,
            caption,
        }
    }
    fn select(mut self, s: &str) -> Self {
        self.select = Some(s.to_string());
        self
    }
    fn double(mut self) -> Self {
        self.width = Width::Double;
        self
    }
    fn x(mut self, label: Option<String>) -> Self {
        self.x_label = label;
        self
    }
    fn y(mut self, label: Option<String>) -> Self {
        self.y_label = label;
        self
    }

    /// The `pressure plot` command line that redraws this figure as `out`, run from the
    /// folder `base` (the data path is given relative to it when it lies below it).
    pub fn redraw_command(&self, base: &Path, out: &str) -> String {
        let mut s = format!(
            "pressure plot {} {}",
            self.kind.name(),
            shell_quote(&relative(&self.data, base))
        );
        if let Some(sel) = &self.select {
            let _ = write!(s, " --select {}", shell_quote(sel));
        }
        if self.width == Width::Double {
            s.push_str(" --width double");
        }
        if let Some(x) = &self.x_label {
            let _ = write!(s, " --x-label {}", shell_quote(x));
        }
        if let Some(y) = &self.y_label {
            let _ = write!(s, " --y-label {}", shell_quote(y));
        }
        let _ = write!(s, " --out {}", shell_quote(out));
        s
    }
}

/// A drawn figure: its plan and the files written (SVG, PNG and, when compiled in, PDF).
#[derive(Debug, Clone)]
pub struct DrawnFigure {
    pub plan: FigurePlan,
    pub files: Vec<PathBuf>,
}

/// A figure that could not be drawn, and why.
#[derive(Debug, Clone)]
pub struct FigureFailure {
    pub stem: String,
    pub kind: FigureKind,
    pub message: String,
}

/// Why a standard set could not be planned (a result file missing or unreadable).
#[derive(Debug)]
pub struct FigureError(pub String);

impl std::fmt::Display for FigureError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for FigureError {}

/// The result of planning or writing a figure set.
pub type Result<T> = std::result::Result<T, FigureError>;

fn err(msg: impl Into<String>) -> FigureError {
    FigureError(msg.into())
}

// ---------------------------------------------------------------------------------------------
// Captions: every caption text lives here.

/// What a figure shows, with the facts its caption states.
#[derive(Debug, Clone)]
pub enum Shows {
    Coefficients {
        model: String,
        estimator: String,
        effect: String,
        level: f64,
        n_obs: Option<u64>,
    },
    EventStudy {
        models: Vec<String>,
        effect: String,
        level: f64,
    },
    ImpulseResponse {
        models: Vec<String>,
        effect: String,
        level: f64,
    },
    Decomposition {
        title: String,
        published: Option<(f64, f64)>,
        source: String,
        level: f64,
    },
    SynthGaps {
        /// Episode (model) and its placebo-in-space p-value.
        episodes: Vec<(String, Option<f64>)>,
        outcome: String,
    },
    KaplanMeier {
        model: String,
        event: String,
        groups: Vec<String>,
        level: f64,
    },
    Morris {
        output: String,
        unit: String,
        trajectories: Option<u64>,
        runs: Option<u64>,
    },
    MorrisOverTime {
        output: String,
        unit: String,
    },
    Sobol {
        output: String,
        unit: String,
        n: Option<u64>,
        runs: Option<u64>,
        level: Option<f64>,
        /// With `[[groups]]`: the number of groups and of parameters in them.
        groups: Option<(usize, usize)>,
    },
    SobolOverTime {
        output: String,
        unit: String,
        n: Option<u64>,
        runs: Option<u64>,
        level: Option<f64>,
    },
    Envelope {
        output: String,
        unit: String,
        runs: Option<u64>,
        band: String,
        centre: String,
    },
    Tornado {
        output: String,
        unit: String,
    },
    FitGrid {
        series: usize,
        episodes: Vec<String>,
        band: Option<String>,
    },
    FitSeries {
        episode: String,
        series: String,
        unit: String,
        band: Option<String>,
    },
    Profiles {
        parameters: usize,
        level: f64,
    },
    Posterior {
        sampler: String,
        chains: Option<u64>,
        draws: usize,
    },
    Pairs {
        sampler: String,
        chains: Option<u64>,
        draws: usize,
        /// Which parameters are drawn when not all of them are (e.g. a hierarchy's μ and τ).
        subset: Option<String>,
    },
    Scenarios {
        scenarios: Vec<String>,
        variables: Vec<String>,
        parameters_from: Option<String>,
    },
    /// The effect of the sanctions on one series in every episode.
    CounterfactualEffect {
        series: String,
        unit: String,
        episodes: Vec<String>,
        level: String,
        draws: String,
        benchmarks: bool,
    },
    /// The effect split: explicit channels and residual growth drags.
    CounterfactualSplit {
        series: String,
        episodes: Vec<String>,
        level: String,
        draws: String,
    },
    /// One episode's series with and without the sanctions.
    CounterfactualPaths {
        episode: String,
        series: Vec<String>,
        draws: String,
    },
    /// Out-of-sample forecasts of a holdout period.
    Holdout {
        episodes: Vec<String>,
        level: String,
        draws: String,
    },
}

/// Where a figure's numbers come from.
#[derive(Debug, Clone, Default)]
pub struct Provenance {
    /// The experiment or spec, as a reader knows it (title or name).
    pub experiment: String,
    /// The model and scenarios, or the data set.
    pub source: String,
    /// The priors of a calibration, as a caption states them (empty: none stated).
    pub priors: String,
}

fn pct(level: f64) -> String {
    format!("{}%", (level * 100.0).round())
}

/// The caption of a figure: what it shows, how to read it, from which data/model/experiment,
/// and in which units.
pub fn caption(shows: &Shows, from: &Provenance) -> String {
    let what = match shows {
        Shows::Coefficients {
            model,
            estimator,
            effect,
            level,
            n_obs,
        } => format!(
            "Coefficient estimates of model “{model}” ({estimator}) with {} confidence intervals; {effect}. Intercepts are left out.{}",
            pct(*level),
            n_obs.map(|n| format!(" {n} observations.")).unwrap_or_default()
        ),
        Shows::EventStudy { models, effect, level } => format!(
            "Event-study coefficients by years relative to treatment onset (−1 is the reference period, fixed at 0), with {} confidence intervals, for {}; {effect}.",
            pct(*level),
            list(models)
        ),
        Shows::ImpulseResponse { models, effect, level } => format!(
            "Impulse responses by horizon with {} confidence intervals, for {}; {effect}.",
            pct(*level),
            list(models)
        ),
        Shows::Decomposition { title, published, source, level } => format!(
            "{title}: one estimate followed across specifications that each change one design choice (top row first), with {} confidence intervals.{}",
            pct(*level),
            match published {
                Some((lo, hi)) => format!(" Published range {lo} to {hi} ({source})."),
                None if !source.is_empty() => format!(" Published: {source}."),
                None => String::new(),
            }
        ),
        Shows::SynthGaps { episodes, outcome } => format!(
            "Synthetic-control gap of {outcome} (treated minus synthetic, percent of the synthetic) by year, one panel per episode (line); shaded: the range of the placebo-in-space gaps of donors whose pre-treatment RMSPE is at most five times the treated unit's. Placebo p-values (share of units with a post/pre RMSPE ratio at least the treated unit's): {}.",
            list(
                &episodes
                    .iter()
                    .map(|(e, p)| match p {
                        Some(p) => format!("{e} {p:.3}"),
                        None => format!("{e} (no placebos)"),
                    })
                    .collect::<Vec<_>>()
            )
        ),
        Shows::KaplanMeier { model, event, groups, level } => format!(
            "Kaplan–Meier survival curves (model “{model}”) against {event}, one curve per group ({}), with {} pointwise confidence bands; ticks mark censored spells.",
            list(groups),
            pct(*level)
        ),
        Shows::Morris { output, unit, trajectories, runs } => format!(
            "Morris elementary effects of the output {output}{}: mean absolute effect μ* against its standard deviation σ per parameter, with bootstrap intervals of μ*; parameters above the line σ = μ* act mostly through non-linearity or interactions; with many parameters only the ten farthest from the origin are named.{}",
            in_units(unit),
            match (trajectories, runs) {
                (Some(t), Some(r)) => format!(" {t} trajectories, {r} model runs."),
                (None, Some(r)) => format!(" {r} model runs."),
                _ => String::new(),
            }
        ),
        Shows::MorrisOverTime { output, unit } => format!(
            "Morris μ* of the series {output}{} at each output time, one line per parameter.",
            in_units(unit)
        ),
        Shows::Sobol { output, unit, n, runs, level, groups } => format!(
            "Sobol' first-order (S₁) and total (S_T) indices of the output {output}{} (dimensionless shares of its variance){}, Saltelli/Jansen estimators{}{}, with {} bootstrap intervals; with many {} only the 15 largest total indices are drawn (all are in the data file).",
            in_units(unit),
            groups
                .map(|(g, p)| format!(", per group of parameters ({g} groups of {p} parameters; each index is the group's joint effect)"))
                .unwrap_or_default(),
            n.map(|n| format!(", N = {n} base points")).unwrap_or_default(),
            runs.map(|r| format!(" ({r} model runs)")).unwrap_or_default(),
            level.map(pct).unwrap_or_else(|| "their".into()),
            if groups.is_some() { "groups" } else { "parameters" }
        ),
        Shows::SobolOverTime { output, unit, n, runs, level } => format!(
            "Sobol' first-order (S₁) and total (S_T) indices (dimensionless shares of the variance) of the series {output}{} at each output time, one line per parameter, with {} bootstrap bands; Saltelli/Jansen estimators{}{}.",
            in_units(unit),
            level.map(pct).unwrap_or_else(|| "their".into()),
            n.map(|n| format!(", N = {n} base points")).unwrap_or_default(),
            runs.map(|r| format!(" ({r} model runs)")).unwrap_or_default()
        ),
        Shows::Envelope { output, unit, runs, band, centre } => format!(
            "Monte Carlo envelope of {output}{}: the {centre} over {} runs with the {band} band of the runs at each time.",
            in_units(unit),
            runs.map(|r| r.to_string()).unwrap_or_else(|| "all".into())
        ),
        Shows::Tornado { output, unit } => format!(
            "One-at-a-time swings of the output {output}{}: each bar spans the output with one parameter at the low and at the high end of its range, the others at their base values (vertical line: the base run); widest on top.",
            in_units(unit)
        ),
        Shows::FitGrid { series, episodes, band } => format!(
            "Calibrated model (line) against observed data (points), {series} series of {}{}, in the data's units.",
            if episodes.len() == 1 { format!("episode {}", episodes[0]) } else { format!("episodes {}", list(episodes)) },
            band.as_ref().map(|b| format!("; shaded: {b}")).unwrap_or_default()
        ),
        Shows::FitSeries { episode, series, unit, band } => format!(
            "{series} in episode {episode}: calibrated model (line) and observed data (points){}{}.",
            band.as_ref().map(|b| format!(", shaded: {b}")).unwrap_or_default(),
            in_units(unit)
        ),
        Shows::Profiles { parameters, level } => format!(
            "Profile likelihoods of the {parameters} calibrated parameters: deviance 2(ℓ̂ − ℓ) with the other parameters re-optimised; the dashed line is the χ²₁ threshold of a {} interval (shaded), the mark the estimate. A profile that stays under the threshold at a bound means the data do not identify that parameter.",
            pct(*level)
        ),
        Shows::Posterior { sampler, chains, draws } => format!(
            "Posterior marginal densities of the calibrated parameters from {sampler} MCMC ({draws} draws{}).",
            chains.map(|c| format!(" from {c} chains")).unwrap_or_default()
        ),
        Shows::Pairs { sampler, chains, draws, subset } => format!(
            "Posterior pairs plot of {}: marginal histograms on the diagonal, draws below, correlations above ({draws} {sampler} MCMC draws{}).",
            subset.as_deref().unwrap_or("the calibrated parameters"),
            chains.map(|c| format!(" from {c} chains")).unwrap_or_default()
        ),
        Shows::CounterfactualEffect { series, unit, episodes, level, draws, benchmarks } => {
            let level_series = series.strip_suffix(":level");
            format!(
                "Effect of the sanctions on {} in {}: the calibrated model with the episode's sanction timeline minus the same model with the timeline switched off (everything else as fitted), median (line) and {level} interval (shaded) over {draws}{}.",
                match level_series {
                    Some(base) => format!("the level behind {base} (cumulative, per cent of the no-sanctions level)"),
                    None => format!("{series} (difference{})", in_units(unit)),
                },
                if episodes.len() == 1 { format!("episode {}", episodes[0]) } else { format!("episodes {}", list(episodes)) },
                if *benchmarks { "; points: outside estimates of the same effect (synthetic controls and published figures, see benchmarks.csv)" } else { "" },
            )
        }
        Shows::CounterfactualSplit { series, episodes, level, draws } => format!(
            "The effect of the sanctions on {} in {}, split: the explicit channels (import compression, lost exports, reserve freezes, rationing: the model with the growth drags switched off, timeline on minus timeline off) and the residual growth drags (the rest: the fitted model minus the run with the drags off), median (line) and {level} interval (shaded) over {draws}; the two medians add up to the effect's up to the difference between a median of sums and a sum of medians.",
            match series.strip_suffix(":level") {
                Some(base) => format!("the level behind {base} (cumulative, per cent of the no-sanctions level)"),
                None => series.clone(),
            },
            if episodes.len() == 1 { format!("episode {}", episodes[0]) } else { format!("episodes {}", list(episodes)) },
        ),
        Shows::CounterfactualPaths { episode, series, draws } => format!(
            "Episode {episode}: {} with the sanctions as coded (fitted) and with the sanction timeline switched off (counterfactual), posterior medians over {draws}, each in its data unit.",
            list(series)
        ),
        Shows::Holdout { episodes, level, draws } => format!(
            "Out-of-sample forecasts of {}: the model calibrated on the window only, posterior predictive median (line) and {level} predictive interval (shaded; model uncertainty over {draws} plus observation error) against the held-out observations (points).",
            if episodes.len() == 1 { format!("episode {}", episodes[0]) } else { format!("episodes {}", list(episodes)) }
        ),
        Shows::Scenarios { scenarios, variables, parameters_from } => format!(
            "Scenario comparison of {} under {}{}.",
            list(variables),
            list(scenarios),
            parameters_from
                .as_ref()
                .map(|p| format!(", with the parameters calibrated in {p}"))
                .unwrap_or_default()
        ),
    };
    let mut s = what;
    if !from.experiment.is_empty() {
        let _ = write!(s, " Experiment: {}.", from.experiment.trim_end_matches('.'));
    }
    if !from.source.is_empty() {
        let _ = write!(s, " Source: {}.", from.source.trim_end_matches('.'));
    }
    if !from.priors.is_empty() {
        let _ = write!(s, " Priors: {}.", from.priors.trim_end_matches('.'));
    }
    s
}

fn in_units(unit: &str) -> String {
    if unit.is_empty() || unit == "dmnl" || unit == "1" || unit == "dimensionless" {
        String::new()
    } else {
        format!(" (in {unit})")
    }
}

fn list(items: &[String]) -> String {
    match items.len() {
        0 => String::new(),
        1 => items[0].clone(),
        n => format!("{} and {}", items[..n - 1].join(", "), items[n - 1]),
    }
}

// ---------------------------------------------------------------------------------------------
// Small CSV and JSON helpers.

/// A CSV file as text cells, columns found by name.
struct Csv {
    path: PathBuf,
    headers: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Csv {
    fn read(path: &Path) -> Result<Csv> {
        let mut reader = csv::ReaderBuilder::new()
            .flexible(false)
            .from_path(path)
            .map_err(|e| err(format!("cannot read {}: {e}", path.display())))?;
        let headers = reader
            .headers()
            .map_err(|e| err(format!("{}: {e}", path.display())))?
            .iter()
            .map(str::to_string)
            .collect();
        let mut rows = Vec::new();
        for rec in reader.records() {
            let rec = rec.map_err(|e| err(format!("{}: {e}", path.display())))?;
            rows.push(rec.iter().map(str::to_string).collect());
        }
        Ok(Csv {
            path: path.to_path_buf(),
            headers,
            rows,
        })
    }

    fn col(&self, name: &str) -> Result<usize> {
        self.headers
            .iter()
            .position(|h| h == name)
            .ok_or_else(|| err(format!("{}: no column `{name}`", self.path.display())))
    }

    fn opt_col(&self, name: &str) -> Option<usize> {
        self.headers.iter().position(|h| h == name)
    }

    /// Distinct values of a column in order of first appearance.
    fn distinct(&self, c: usize) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for r in &self.rows {
            if !out.contains(&r[c]) {
                out.push(r[c].clone());
            }
        }
        out
    }
}

/// Builds a CSV text from a header and rows of cells.
fn csv_text(header: &[&str], rows: impl IntoIterator<Item = Vec<String>>) -> String {
    let mut t = CsvTable::with_header(header);
    for row in rows {
        t.row(row);
    }
    t.into_string()
}

fn file_safe(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_ascii_alphanumeric() || c == '-' || c == '.' {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('_') {
            out.push('_');
        }
    }
    out.trim_matches('_').to_string()
}

fn shell_quote(s: &str) -> String {
    if s.chars()
        .all(|c| c.is_ascii_alphanumeric() || "-_./:@%+=".contains(c))
    {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

/// Writes a plot-ready extract into `data_dir` and returns its path.
fn write_extract(data_dir: &Path, name: &str, text: &str) -> Result<PathBuf> {
    let path = data_dir.join(format!("{}.csv", file_safe(name)));
    write_atomic(&path, text.as_bytes())
        .map_err(|e| err(format!("cannot write {}: {e}", path.display())))?;
    Ok(path)
}

/// A path as a reader should see it in a caption: `..` resolved lexically and, when it lies
/// below the current directory, relative to it (`experiments/x/../../data/a.csv` →
/// `data/a.csv`).
pub fn display_path(path: &Path) -> String {
    use std::path::Component;
    let mut parts: Vec<Component<'_>> = Vec::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir if matches!(parts.last(), Some(Component::Normal(_))) => {
                parts.pop();
            }
            other => parts.push(other),
        }
    }
    let tidy: PathBuf = parts.iter().collect();
    let shown = std::env::current_dir()
        .ok()
        .and_then(|cwd| tidy.strip_prefix(cwd).ok().map(Path::to_path_buf))
        .unwrap_or(tidy);
    shown.display().to_string()
}

/// Where the provenance of data files is documented: a `SOURCES.md` in the data's folder or
/// up to two folders above it, and an episode file (`NAME.toml` next to `NAME.csv`, with the
/// sanction timeline and its sources). Empty when none is found.
fn documented_sources(data: &[PathBuf]) -> String {
    let mut docs: Vec<String> = Vec::new();
    let mut push = |p: &Path| {
        let shown = display_path(p);
        if !docs.contains(&shown) {
            docs.push(shown);
        }
    };
    for d in data {
        let sibling = d.with_extension("toml");
        if d.extension().is_some_and(|e| e == "csv") && sibling.is_file() {
            push(&sibling);
        }
        let start = if d.is_dir() {
            Some(d.as_path())
        } else {
            d.parent()
        };
        if let Some(found) = start
            .into_iter()
            .flat_map(Path::ancestors)
            .take(3)
            .map(|a| a.join("SOURCES.md"))
            .find(|s| s.is_file())
        {
            push(&found);
        }
    }
    if docs.is_empty() {
        String::new()
    } else {
        format!("; sources and processing documented in {}", list(&docs))
    }
}

fn label_with_unit(title: &str, unit: &str) -> String {
    if unit.is_empty() {
        title.to_string()
    } else {
        format!("{title} ({unit})")
    }
}

// ---------------------------------------------------------------------------------------------
// pressure estimate

/// Units of panel columns from a `columns.csv` (column, ..., unit, ...) next to the data read.
fn panel_units(inputs: &[PathBuf]) -> BTreeMap<String, String> {
    let mut units = BTreeMap::new();
    let mut dirs: Vec<PathBuf> = Vec::new();
    for p in inputs {
        let dir = if p.is_dir() {
            p.clone()
        } else {
            p.parent().map(Path::to_path_buf).unwrap_or_default()
        };
        if !dirs.contains(&dir) {
            dirs.push(dir);
        }
    }
    for d in dirs {
        let Ok(t) = Csv::read(&d.join("columns.csv")) else {
            continue;
        };
        let (Ok(c), Ok(u)) = (t.col("column"), t.col("unit")) else {
            continue;
        };
        for r in &t.rows {
            units.entry(r[c].clone()).or_insert_with(|| r[u].clone());
        }
    }
    units
}

/// The outcome of a formula (`y ~ ...`; `Surv(start, stop, event) ~ ...` gives the event).
fn outcome(formula: &str) -> String {
    let lhs = formula.split('~').next().unwrap_or("").trim();
    if let Some(inner) = lhs.strip_prefix("Surv(").and_then(|s| s.strip_suffix(')')) {
        return inner
            .split(',')
            .next_back()
            .unwrap_or("")
            .trim()
            .to_string();
    }
    lhs.to_string()
}

fn unit_words(unit: &str) -> String {
    match unit {
        "percent" | "pct" | "%" => "percentage points".into(),
        "log_points" => "log points".into(),
        other => other.replace('_', " "),
    }
}

const INTERCEPTS: [&str; 5] = ["(Intercept)", "Intercept", "const", "intercept", "_cons"];

/// Plans the standard figures of a `pressure estimate` result (typed, in memory; `dir` is where its files were written): a coefficient plot per
/// regression or survival model, one event-study plot per spec with event-study models, one
/// impulse-response plot per spec with local projections, Kaplan–Meier curves per KM model.
pub fn estimate_plans(
    report: &EstimateReport,
    dir: &Path,
    data_dir: &Path,
) -> Result<Vec<FigurePlan>> {
    let title = report.title.clone();
    let level = report.level;
    let inputs = &report.inputs;
    let units = panel_units(inputs);
    let data_names: Vec<String> = inputs.iter().map(|p| display_path(p)).collect();
    let from = Provenance {
        priors: String::new(),
        experiment: title.clone(),
        source: format!(
            "{} (spec {}){}",
            list(&data_names),
            display_path(&report.spec_file),
            documented_sources(inputs)
        ),
    };
    let mut plans = Vec::new();
    let mut event_models: Vec<(String, Csv)> = Vec::new();
    let mut irf_models: Vec<(String, Csv)> = Vec::new();
    let mut outcome_of_events = String::new();
    let mut synth_rows: Vec<Vec<String>> = Vec::new();
    let mut synth_episodes: Vec<(String, Option<f64>)> = Vec::new();
    let mut synth_outcome = String::new();
    for m in &report.models {
        let name = m.name.clone();
        let formula = m.formula.as_deref().unwrap_or("");
        let y = outcome(formula);
        let unit = units.get(&y).map(|u| unit_words(u)).unwrap_or_default();
        let stem = m.file_stem();
        // Every estimator is named here, so a new one must say which figure it gets.
        match m.estimator {
            Estimator::EventStudy => {
                outcome_of_events = y.clone();
                if let Some(t) = extra(m, "event_study", dir, &stem) {
                    event_models.push((name, t));
                }
            }
            Estimator::Synth => {
                let Some(t) = extra(m, "synth_path", dir, &stem) else {
                    continue;
                };
                let episode = name.clone();
                let (c_t, c_g) = (t.col("time")?, t.col("gap_pct")?);
                let (c_lo, c_hi) = (t.col("placebo_gap_pct_min")?, t.col("placebo_gap_pct_max")?);
                for r in &t.rows {
                    synth_rows.push(vec![
                        episode.clone(),
                        r[c_t].clone(),
                        r[c_g].clone(),
                        r[c_lo].clone(),
                        r[c_hi].clone(),
                    ]);
                }
                synth_episodes.push((name.clone(), m.details["p_value"].as_f64()));
                if synth_outcome.is_empty() {
                    synth_outcome = y.replace('_', " ");
                }
            }
            Estimator::Lp => {
                outcome_of_events = y.clone();
                if let Some(t) = extra(m, "irf", dir, &stem) {
                    irf_models.push((name, t));
                }
            }
            Estimator::Km => {
                let Some(mut t) = extra(m, "survival", dir, &stem) else {
                    continue;
                };
                let mut p = t.path.clone();
                // Groups are values of the spec's `by` column: name the column in the legend.
                if let (Some(g), Some(by)) = (t.opt_col("group"), &m.group_by) {
                    for r in &mut t.rows {
                        r[g] = format!("{by} = {}", r[g]);
                    }
                    let header: Vec<&str> = t.headers.iter().map(String::as_str).collect();
                    p = write_extract(
                        data_dir,
                        &format!("km-{stem}"),
                        &csv_text(&header, t.rows.clone()),
                    )?;
                }
                let groups = t
                    .opt_col("group")
                    .map(|g| t.distinct(g))
                    .unwrap_or_default();
                let shows = Shows::KaplanMeier {
                    model: name.clone(),
                    event: y.replace('_', " "),
                    groups,
                    level,
                };
                plans.push(
                    FigurePlan::new(
                        format!("km-{stem}"),
                        FigureKind::KaplanMeier,
                        p,
                        caption(&shows, &from),
                    )
                    .x(Some("Time since the spell began (years)".into()))
                    .y(Some("Share surviving".into())),
                );
            }
            Estimator::Ols
            | Estimator::Fe
            | Estimator::Logit
            | Estimator::Probit
            | Estimator::Cox
            | Estimator::Weibull => {
                let estimator = m.estimator.name();
                let (effect, axis) = match m.estimator {
                    Estimator::Cox => (
                        format!("log hazard ratios of {}", y.replace('_', " ")),
                        label_with_unit(&format!("Log hazard ratio, {y}"), ""),
                    ),
                    Estimator::Weibull => (
                        format!("Weibull log hazard ratios of {}", y.replace('_', " ")),
                        label_with_unit(&format!("Log hazard ratio, {y}"), ""),
                    ),
                    Estimator::Logit | Estimator::Probit => (
                        format!("{estimator} index coefficients for {y}"),
                        format!("Coefficient on the {estimator} index of {y}"),
                    ),
                    _ => (
                        format!(
                            "effects on {y}{}",
                            if unit.is_empty() {
                                String::new()
                            } else {
                                format!(" in {unit}")
                            }
                        ),
                        label_with_unit(&format!("Effect on {y}"), &unit),
                    ),
                };
                let c = &m.coefficients;
                let rows: Vec<Vec<String>> = (0..c.len())
                    .filter(|&i| !INTERCEPTS.contains(&c.terms[i].as_str()))
                    .map(|i| {
                        vec![
                            c.terms[i].clone(),
                            cell(c.estimate[i]),
                            cell(c.ci_lower[i]),
                            cell(c.ci_upper[i]),
                        ]
                    })
                    .collect();
                if rows.is_empty() {
                    continue;
                }
                let data = write_extract(
                    data_dir,
                    &format!("coef-{stem}"),
                    &csv_text(&["term", "estimate", "lower", "upper"], rows),
                )?;
                let shows = Shows::Coefficients {
                    model: name.clone(),
                    estimator: estimator.to_string(),
                    effect,
                    level,
                    n_obs: Some(m.n_obs as u64),
                };
                plans.push(
                    FigurePlan::new(
                        format!("coef-{stem}"),
                        FigureKind::Coefficients,
                        data,
                        caption(&shows, &from),
                    )
                    .x(Some(axis)),
                );
            }
            // No standard figure yet (issue 18 names it as missing): a VAR's impulse responses
            // and an IPW model's effect and propensity tables are in its own CSV files.
            Estimator::Var | Estimator::Ipw => {}
        }
    }
    for d in &report.decompositions {
        let name = d.name.clone();
        let rows: Vec<Vec<String>> = d
            .steps
            .iter()
            .map(|st| {
                vec![
                    st.label.clone(),
                    json_number(st.estimate),
                    json_number(st.ci_lower),
                    json_number(st.ci_upper),
                ]
            })
            .collect();
        if rows.is_empty() {
            continue;
        }
        let data = write_extract(
            data_dir,
            &format!("decomposition-{name}"),
            &csv_text(&["term", "estimate", "lower", "upper"], rows),
        )?;
        let published = match (d.published_low, d.published_high) {
            (Some(a), Some(b)) => Some((a, b)),
            _ => None,
        };
        let shows = Shows::Decomposition {
            title: d.title.clone().unwrap_or_else(|| name.clone()),
            published,
            source: d.source.clone().unwrap_or_default(),
            level,
        };
        plans.push(
            FigurePlan::new(
                format!("decomposition-{name}"),
                FigureKind::Coefficients,
                data,
                caption(&shows, &from),
            )
            .x(Some("Estimate (units of the model's outcome)".into())),
        );
    }
    if !synth_rows.is_empty() {
        let data = write_extract(
            data_dir,
            "synth-gaps",
            &csv_text(
                &["observable", "time", "model", "lower", "upper"],
                synth_rows,
            ),
        )?;
        let shows = Shows::SynthGaps {
            episodes: synth_episodes,
            outcome: synth_outcome,
        };
        plans.push(
            FigurePlan::new(
                "synth-gaps",
                FigureKind::FitGrid,
                data,
                caption(&shows, &from),
            )
            .x(Some("Year".into()))
            .y(Some("Gap, % of synthetic".into()))
            .double(),
        );
    }
    let y = outcome_of_events;
    let unit = units.get(&y).map(|u| unit_words(u)).unwrap_or_default();
    for (kind_name, set, x_label) in [
        ("event-study", &event_models, "Years relative to onset"),
        ("irf", &irf_models, "Horizon (years)"),
    ] {
        if set.is_empty() {
            continue;
        }
        let mut rows = Vec::new();
        for (name, t) in set.iter() {
            let at = t
                .opt_col("relative_time")
                .or_else(|| t.opt_col("horizon"))
                .ok_or_else(|| err(format!("{}: no relative_time column", t.path.display())))?;
            let (e, lo, hi) = (t.col("estimate")?, t.col("ci_lower")?, t.col("ci_upper")?);
            for r in &t.rows {
                rows.push(vec![
                    name.clone(),
                    r[at].clone(),
                    r[e].clone(),
                    r[lo].clone(),
                    r[hi].clone(),
                ]);
            }
        }
        let data = write_extract(
            data_dir,
            kind_name,
            &csv_text(
                &["series", "event_time", "estimate", "lower", "upper"],
                rows,
            ),
        )?;
        let names: Vec<String> = set.iter().map(|(n, _)| n.clone()).collect();
        let effect = format!(
            "effect on {y}{}",
            if unit.is_empty() {
                String::new()
            } else {
                format!(" in {unit}")
            }
        );
        let shows = if kind_name == "irf" {
            Shows::ImpulseResponse {
                models: names,
                effect,
                level,
            }
        } else {
            Shows::EventStudy {
                models: names,
                effect,
                level,
            }
        };
        plans.push(
            FigurePlan::new(
                kind_name,
                FigureKind::EventStudy,
                data,
                caption(&shows, &from),
            )
            .x(Some(x_label.into()))
            .y(Some(label_with_unit(&format!("Effect on {y}"), &unit))),
        );
    }
    Ok(plans)
}

/// A model's extra table `name` (the file `dir/<stem>_<name>.csv` the report wrote), as cells.
fn extra(m: &ModelReport, name: &str, dir: &Path, stem: &str) -> Option<Csv> {
    let t = m.extra.iter().find(|t| t.name == name)?;
    Some(Csv {
        path: dir.join(format!("{stem}_{name}.csv")),
        headers: t.header.clone(),
        rows: t.rows.clone(),
    })
}

/// A coefficient as `coefficients.csv` writes it (empty when not a number).
fn cell(x: f64) -> String {
    if x.is_nan() {
        String::new()
    } else {
        format!("{x}")
    }
}

/// A number as it read back from `results.json` (where a non-finite value is `null`).
fn json_number(x: f64) -> String {
    if x.is_finite() {
        format!("{x}")
    } else {
        String::new()
    }
}

// ---------------------------------------------------------------------------------------------
// pressure sensitivity

/// One output of a sensitivity result: a scalar output, or a series (its columns at each time).
struct OutputInfo {
    name: String,
    units: String,
    series: bool,
}

fn sensitivity_outputs(spec: &SensRunSpec) -> Vec<OutputInfo> {
    let mut out: Vec<OutputInfo> = Vec::new();
    for c in &spec.columns {
        let series = c.time.is_some();
        if let Some(o) = out.iter_mut().find(|o| o.name == c.name) {
            o.series |= series;
            continue;
        }
        out.push(OutputInfo {
            name: c.name.clone(),
            units: c.units.clone().unwrap_or_default(),
            series,
        });
    }
    out
}

/// The experiment, its description and scenarios, the model and the seed, for the captions.
fn sensitivity_provenance(spec: &SensRunSpec) -> Provenance {
    let labels = &spec.labels;
    let experiment_name = spec.experiment.clone();
    let description = labels.description.clone().unwrap_or_default();
    let model = display_path(Path::new(&spec.model));
    Provenance {
        priors: String::new(),
        experiment: if description.is_empty() {
            experiment_name
        } else {
            format!("{experiment_name} — {description}")
        },
        source: format!(
            "simulations of the model {}{} (no observed data){}",
            model,
            if labels.scenarios.is_empty() {
                String::new()
            } else {
                format!(" with {}", list(&labels.scenarios))
            },
            // One-at-a-time swings draw nothing at random.
            if matches!(spec.method, SensMethod::Oat { .. }) {
                String::new()
            } else {
                format!(", seed {}", spec.seed)
            }
        ),
    }
}

/// Shortest round-trip form, as the sensitivity result files write numbers.
fn num(x: f64) -> String {
    format!("{x}")
}

/// Plans the standard figures of a `pressure sensitivity` (or `merge`) result from its typed
/// report: per scalar output a Morris plane, Sobol' bars or a tornado; per series output the
/// indices over time or the Monte Carlo envelope. The Sobol' and tornado figures draw the
/// report's own files in `dir` (`sobol_indices.csv`, `tornado.csv`, as [`SensReport::files`]
/// names them); the others draw plot-ready extracts written to `data_dir`. Nothing is read back
/// from `dir`.
pub fn sensitivity_plans(
    report: &SensReport,
    dir: &Path,
    data_dir: &Path,
) -> Result<Vec<FigurePlan>> {
    let spec = &report.spec;
    let from = sensitivity_provenance(spec);
    let outputs = sensitivity_outputs(spec);
    let time_label = label_with_unit("Time", spec.labels.time_units.as_deref().unwrap_or(""));
    let runs = Some(report.n_runs as u64);
    let names = spec.factor_names();
    // The columns of one output, with their index.
    fn columns_of<'a>(
        spec: &'a SensRunSpec,
        name: &'a str,
    ) -> impl Iterator<Item = (usize, &'a SensColumn)> + 'a {
        spec.columns
            .iter()
            .enumerate()
            .filter(move |(_, c)| c.name == name)
    }
    let time_cell = |c: &SensColumn| c.time.map(num).unwrap_or_default();
    let mut plans = Vec::new();
    match (&report.results, &spec.method) {
        (SensResults::Morris(cols), SensMethod::Morris { trajectories, .. }) => {
            for o in &outputs {
                if o.series {
                    let mut rows = Vec::new();
                    for (c, col) in columns_of(spec, &o.name) {
                        for (j, p) in names.iter().enumerate() {
                            rows.push(vec![
                                p.to_string(),
                                time_cell(col),
                                num(cols[c].mu_star[j].value),
                                "Morris μ*".into(),
                            ]);
                        }
                    }
                    let data = write_extract(
                        data_dir,
                        &format!("morris-time-{}", o.name),
                        &csv_text(&["parameter", "time", "value", "index"], rows),
                    )?;
                    let shows = Shows::MorrisOverTime {
                        output: o.name.clone(),
                        unit: o.units.clone(),
                    };
                    plans.push(
                        FigurePlan::new(
                            format!("morris-time-{}", o.name),
                            FigureKind::IndicesOverTime,
                            data,
                            caption(&shows, &from),
                        )
                        .x(Some(time_label.clone()))
                        .y(Some(label_with_unit("μ*", &o.units))),
                    );
                } else {
                    let mut rows = Vec::new();
                    for (c, _) in columns_of(spec, &o.name) {
                        for (j, p) in names.iter().enumerate() {
                            let m = &cols[c];
                            rows.push(vec![
                                o.name.clone(),
                                o.units.clone(),
                                p.to_string(),
                                num(m.mu_star[j].value),
                                num(m.mu_star[j].conf),
                                num(m.sigma[j]),
                            ]);
                        }
                    }
                    let data = write_extract(
                        data_dir,
                        &format!("morris-{}", o.name),
                        &csv_text(
                            &[
                                "output",
                                "unit",
                                "parameter",
                                "mu_star",
                                "mu_star_conf",
                                "sigma",
                            ],
                            rows,
                        ),
                    )?;
                    let shows = Shows::Morris {
                        output: o.name.clone(),
                        unit: o.units.clone(),
                        trajectories: Some(*trajectories as u64),
                        runs,
                    };
                    plans.push(FigurePlan::new(
                        format!("morris-{}", o.name),
                        FigureKind::Morris,
                        data,
                        caption(&shows, &from),
                    ));
                }
            }
        }
        (SensResults::Sobol(_), SensMethod::Sobol { n, confidence, .. }) => {
            let csv_path = dir.join("sobol_indices.csv");
            let groups = spec.groups.as_ref();
            let (n, level) = (Some(*n as u64), Some(*confidence));
            for o in &outputs {
                let (kind, stem, shows) = if o.series {
                    (
                        FigureKind::IndicesOverTime,
                        format!("sobol-time-{}", o.name),
                        Shows::SobolOverTime {
                            output: o.name.clone(),
                            unit: o.units.clone(),
                            n,
                            runs,
                            level,
                        },
                    )
                } else {
                    (
                        FigureKind::Sobol,
                        format!("sobol-{}", o.name),
                        Shows::Sobol {
                            output: o.name.clone(),
                            unit: o.units.clone(),
                            n,
                            runs,
                            level,
                            groups: groups.map(|g| (g.names.len(), g.of_parameter.len())),
                        },
                    )
                };
                // Long parameter names leave a single column too little room for the bars,
                // and the legend of the indices over time (one entry per parameter) crowds
                // out the panels.
                let mut plan =
                    FigurePlan::new(stem, kind, csv_path.clone(), caption(&shows, &from))
                        .select(&o.name)
                        .double();
                if o.series {
                    plan = plan.x(Some(time_label.clone()));
                }
                plans.push(plan);
            }
        }
        (SensResults::MonteCarlo(cols), SensMethod::MonteCarlo { quantiles, .. }) => {
            let probs: Vec<(f64, usize)> =
                quantiles.iter().enumerate().map(|(i, p)| (*p, i)).collect();
            let lowest = probs.iter().copied().min_by(|a, b| a.0.total_cmp(&b.0));
            let highest = probs.iter().copied().max_by(|a, b| a.0.total_cmp(&b.0));
            let median = probs
                .iter()
                .copied()
                .find(|(p, _)| (*p - 0.5).abs() < 1e-12);
            let centre = if median.is_some() { "median" } else { "mean" };
            let (band, level) = match (lowest, highest) {
                (Some((pl, _)), Some((ph, _))) if ph > pl => (
                    format!(
                        "{}–{}th percentile",
                        (pl * 100.0).round(),
                        (ph * 100.0).round()
                    ),
                    format!("{}%", ((ph - pl) * 100.0).round()),
                ),
                _ => ("minimum–maximum".to_string(), "range".to_string()),
            };
            for o in outputs.iter().filter(|o| o.series) {
                let rows = columns_of(spec, &o.name).map(|(c, col)| {
                    let d = &cols[c];
                    let (lo, hi) = match (lowest, highest) {
                        (Some((pl, l)), Some((ph, h))) if ph > pl => {
                            (d.quantiles[l], d.quantiles[h])
                        }
                        _ => (d.min, d.max),
                    };
                    vec![
                        o.name.clone(),
                        o.units.clone(),
                        time_cell(col),
                        num(median.map_or(d.mean, |(_, i)| d.quantiles[i])),
                        num(lo),
                        num(hi),
                        level.clone(),
                    ]
                });
                let data = write_extract(
                    data_dir,
                    &format!("envelope-{}", o.name),
                    &csv_text(
                        &[
                            "observable",
                            "unit",
                            "time",
                            "model",
                            "lower",
                            "upper",
                            "level",
                        ],
                        rows,
                    ),
                )?;
                let shows = Shows::Envelope {
                    output: o.name.clone(),
                    unit: o.units.clone(),
                    runs,
                    band: band.clone(),
                    centre: centre.into(),
                };
                plans.push(
                    FigurePlan::new(
                        format!("envelope-{}", o.name),
                        FigureKind::TimeSeries,
                        data,
                        caption(&shows, &from),
                    )
                    .x(Some(time_label.clone())),
                );
            }
        }
        (SensResults::Oat(r), SensMethod::Oat { .. }) => {
            let csv_path = dir.join("tornado.csv");
            // One figure per column that has swings, in the order of `tornado.csv`.
            for (c, _) in r.swings.iter().enumerate().filter(|(_, s)| !s.is_empty()) {
                let col = &spec.columns[c];
                let name = col.label();
                let unit = col.units.clone().unwrap_or_default();
                let shows = Shows::Tornado {
                    output: name.clone(),
                    unit: unit.clone(),
                };
                plans.push(
                    FigurePlan::new(
                        format!("tornado-{name}"),
                        FigureKind::Tornado,
                        csv_path.clone(),
                        caption(&shows, &from),
                    )
                    .select(&name)
                    .x(Some(label_with_unit(&name, &unit)))
                    // Long parameter names squeeze the bars and their tick labels.
                    .double(),
                );
            }
        }
        (results, method) => {
            return Err(err(format!(
                "a sensitivity report whose results ({}) do not match its method ({})",
                match results {
                    SensResults::Sobol(_) => "sobol",
                    SensResults::Morris(_) => "morris",
                    SensResults::MonteCarlo(_) => "montecarlo",
                    SensResults::Oat(_) => "oat",
                },
                match method {
                    SensMethod::Sobol { .. } => "sobol",
                    SensMethod::Morris { .. } => "morris",
                    SensMethod::MonteCarlo { .. } => "montecarlo",
                    SensMethod::Oat { .. } => "oat",
                }
            )))
        }
    }
    Ok(plans)
}

// ---------------------------------------------------------------------------------------------
// pressure calibrate: the plans live in `figures/calibrate.rs`.

mod calibrate;
pub use calibrate::{calibrate_plans, CalibrationResults};

// ---------------------------------------------------------------------------------------------
// Scenario comparisons (written by `pressure reproduce`)

/// The scenario comparison of a `scenarios.csv` (scenario, variable, unit, time, value,
/// time_unit): one panel per variable, one line per scenario.
pub fn scenario_plan(stem: &str, data: PathBuf, caption: String, variables: usize) -> FigurePlan {
    let plan = FigurePlan::new(stem, FigureKind::Scenarios, data, caption);
    if variables > 1 {
        plan.double()
    } else {
        plan
    }
}

// ---------------------------------------------------------------------------------------------
// Drawing and the index.

/// Draws every plan into `fig_dir` as `PREFIX + stem` (SVG, PNG and PDF when compiled in).
/// Figures that cannot be drawn are returned as failures, not fatal: the others still appear.
pub fn draw(
    plans: Vec<FigurePlan>,
    fig_dir: &Path,
    prefix: &str,
) -> (Vec<DrawnFigure>, Vec<FigureFailure>) {
    let mut drawn = Vec::new();
    let mut failed = Vec::new();
    for mut plan in plans {
        // `morris-` + `morris-cohesion` stays `morris-cohesion`.
        let repeated = plan.stem.starts_with(prefix) || format!("{}-", plan.stem) == prefix;
        if !repeated {
            plan.stem = format!("{prefix}{}", plan.stem);
        }
        let opts = CsvOptions {
            width: plan.width,
            x_label: plan.x_label.clone(),
            y_label: plan.y_label.clone(),
            select: plan.select.clone(),
            note: None,
        };
        let result = figure_from_csv(plan.kind, &plan.data, &opts)
            .map_err(|e| e.to_string())
            .and_then(|fig| write_figure_set(&fig, fig_dir, &plan.stem).map_err(|e| e.to_string()));
        match result {
            Ok(files) => drawn.push(DrawnFigure { plan, files }),
            Err(message) => failed.push(FigureFailure {
                stem: plan.stem.clone(),
                kind: plan.kind,
                message,
            }),
        }
    }
    (drawn, failed)
}

/// A path relative to `base` when it lies below it (for links in an index).
fn relative(path: &Path, base: &Path) -> String {
    path.strip_prefix(base)
        .unwrap_or(path)
        .display()
        .to_string()
}

/// One section of an index: a heading, a sentence on where the results came from, figures.
pub struct IndexSection<'a> {
    pub title: String,
    pub intro: String,
    pub figures: &'a [DrawnFigure],
    pub failures: &'a [FigureFailure],
}

/// `index.md` for a folder of figures: per figure its caption, the files and the command that
/// redraws it. `base` is the folder the index is written in (links are relative to it).
pub fn index_markdown(
    title: &str,
    preamble: &str,
    sections: &[IndexSection<'_>],
    base: &Path,
) -> String {
    let mut s = format!("# {title}\n\n");
    if !preamble.is_empty() {
        s.push_str(preamble.trim_end());
        s.push_str("\n\n");
    }
    let mut n = 0;
    for sec in sections {
        if sec.figures.is_empty() && sec.failures.is_empty() {
            continue;
        }
        let _ = writeln!(s, "## {}\n", sec.title);
        if !sec.intro.is_empty() {
            let _ = writeln!(s, "{}\n", sec.intro.trim_end());
        }
        for f in sec.figures {
            n += 1;
            let svg = f
                .files
                .iter()
                .find(|p| p.extension().is_some_and(|e| e == "svg"))
                .or(f.files.first());
            let _ = writeln!(
                s,
                "### Figure {n}: `{}` ({})\n",
                f.plan.stem,
                f.plan.kind.name()
            );
            if let Some(svg) = svg {
                let _ = writeln!(s, "![{}]({})\n", f.plan.stem, relative(svg, base));
            }
            let _ = writeln!(s, "{}\n", f.plan.caption);
            let links: Vec<String> = f
                .files
                .iter()
                .map(|p| {
                    let ext = p
                        .extension()
                        .map(|e| e.to_string_lossy().to_uppercase())
                        .unwrap_or_default();
                    format!("[{ext}]({})", relative(p, base))
                })
                .collect();
            let redraw_target = svg.map(|p| relative(p, base)).unwrap_or_default();
            let _ = writeln!(
                s,
                "Files: {}. Data: `{}`. Redraw (from this folder): `{}`\n",
                links.join(" · "),
                relative(&f.plan.data, base),
                f.plan.redraw_command(base, &redraw_target)
            );
        }
        for x in sec.failures {
            let _ = writeln!(
                s,
                "- **Not drawn:** `{}` ({}): {}\n",
                x.stem,
                x.kind.name(),
                x.message.replace('\n', " ")
            );
        }
    }
    s
}

/// Which command's standard set, with the typed results it is planned from.
#[derive(Clone, Copy)]
pub enum SetKind<'a> {
    Estimate(&'a EstimateReport),
    Sensitivity(&'a SensReport),
    Calibrate(&'a CalibrationResults<'a>),
}

impl SetKind<'_> {
    /// Plans the set of the results written to `dir` (from the typed results in memory:
    /// nothing is read back), writing plot-ready extracts into `data_dir`.
    pub fn plans(self, dir: &Path, data_dir: &Path) -> Result<Vec<FigurePlan>> {
        match self {
            SetKind::Estimate(report) => estimate_plans(report, dir, data_dir),
            SetKind::Sensitivity(report) => sensitivity_plans(report, dir, data_dir),
            SetKind::Calibrate(results) => calibrate_plans(results, dir, data_dir),
        }
    }
    fn command(self) -> &'static str {
        match self {
            SetKind::Estimate(_) => "pressure estimate",
            SetKind::Sensitivity(_) => "pressure sensitivity",
            SetKind::Calibrate(_) => "pressure calibrate",
        }
    }
}

/// The hook a command calls after writing its results: draws its standard figures into
/// `OUT/figures/` (plot-ready extracts in `OUT/figures/data/`) with an `index.md` of captions.
/// A figure that cannot be drawn is listed in the index and makes the command fail (exit 1)
/// after everything else was written.
pub fn write_command_figures(set: SetKind, out: &Path) -> Result<()> {
    let fig_dir = out.join("figures");
    let plans = set
        .plans(out, &fig_dir.join("data"))
        .map_err(|e| err(format!("figures: {e}")))?;
    let (drawn, failed) = draw(plans, &fig_dir, "");
    let index = index_markdown(
        "Figures",
        &format!(
            "Standard figures of `{}`, drawn from the CSV files in `{}`.",
            set.command(),
            out.display()
        ),
        &[IndexSection {
            title: "Figures".into(),
            intro: String::new(),
            figures: &drawn,
            failures: &failed,
        }],
        &fig_dir,
    );
    write_atomic(&fig_dir.join("index.md"), index.as_bytes()).map_err(|e| {
        err(format!(
            "cannot write {}: {e}",
            fig_dir.join("index.md").display()
        ))
    })?;
    if let Some(f) = failed.first() {
        return Err(err(format!(
            "results written, but {} figure(s) could not be drawn; first: {} ({}): {}",
            failed.len(),
            f.stem,
            f.kind.name(),
            f.message
        )));
    }
    Ok(())
}

/// Writes `figure` as `dir/stem.svg`, `dir/stem.png` and (when compiled in) `dir/stem.pdf`,
/// each atomically; returns the paths written.
pub fn write_figure_set(figure: &Figure, dir: &Path, stem: &str) -> std::io::Result<Vec<PathBuf>> {
    let mut written = Vec::new();
    for format in [Format::Svg, Format::Png, Format::Pdf] {
        if !format.available() {
            continue;
        }
        let bytes = figure.render(format).map_err(std::io::Error::other)?;
        let path = dir.join(format!("{stem}.{}", format.extension()));
        write_atomic(&path, &bytes)?;
        written.push(path);
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    #[test]
    fn extracted_tables_quote_cells_with_commas_quotes_and_newlines() {
        let nasty = "lag(x, 1) \"fe\"\nrobust";
        let text = super::csv_text(
            &["term", "estimate"],
            [vec![nasty.to_string(), "1.5".into()]],
        );
        let rows: Vec<Vec<String>> = csv::Reader::from_reader(text.as_bytes())
            .records()
            .map(|r| r.unwrap().iter().map(str::to_string).collect())
            .collect();
        assert_eq!(rows, [vec![nasty, "1.5"]]);
    }
}
