//! Counterfactuals: what the sanctions did in each episode according to the calibrated model.
//!
//! For every posterior draw (see [`paths`](super::paths)) and episode the model runs twice,
//! with the sanction timeline as coded and with it switched off, everything else as fitted.
//! Each mapped series is evaluated by its observation equation at every period of the
//! episode's horizon, and the **effect** is the difference, fitted minus no-sanctions, in the
//! series' unit (percentage points for growth, inflation and the premium). For a series
//! measured as a change (GDP growth, inflation) the **cumulative level effect** is reported as
//! the series `<series>:level`: `100 (A_t / A°_t − 1)` per cent, `A` the aggregated level
//! (real GDP, the price level) with sanctions and `A°` without; its "fitted" and
//! "counterfactual" columns are the two levels as an index, 100 in the period before the
//! horizon. Medians and the central `level` interval are over draws.
//!
//! **Effect split.** With `[counterfactual] explicit_set` (e.g. the residual growth drags
//! switched off) each draw and episode runs a third time, timeline on, those parameters set:
//! the **explicit channels'** effect is that run minus the no-sanctions run, the **residual
//! drags'** part is the rest (fitted minus that run), so the two add up to the effect. For a
//! level: explicit `100 (A^x_t / A°_t − 1)`, drags = total − explicit (points of the
//! no-sanctions level).
//!
//! `counterfactual.csv`, one row per episode, series and path date: `episode, series, unit,
//! date, fitted_median, counterfactual_median, effect_median, effect_low, effect_high, level,
//! fitted_low, fitted_high, explicit_effect_median, explicit_effect_low, explicit_effect_high,
//! drag_effect_median, drag_effect_low, drag_effect_high` (`level` the interval's coverage,
//! e.g. `90%`; `low`/`high` its ends; the six split columns empty without a split; each median
//! and interval is over draws on its own, so the medians need not add up exactly).
//!
//! `benchmarks.csv` puts outside estimates (synthetic controls, published figures) beside the
//! model at the same date: `episode, series, date, compare, base, model_median, model_low,
//! model_high, model_explicit_median, model_explicit_low, model_explicit_high,
//! benchmark_effect, benchmark_low, benchmark_high, placebo_low, placebo_high, overlap, source,
//! note`. `compare` is `effect` (the model's effect) or `fitted` (the fitted path, for a
//! published level of the series such as an observed growth rate or a premium); `base` the
//! period a level effect is measured from (a synthetic control's: the year before its
//! treatment year); `placebo_*` the synthetic control's placebo range; `overlap` whether the
//! model's interval meets the estimate's (or its point); `note` why the model has no value.

use super::mapping::previous;
use super::paths::{paths_at, posterior_draws, quantile, DrawSource, MappingPaths};
use super::report::CalibrationReport;
use super::spec::{BenchmarkCompare, BenchmarkSpec};
use super::Experiment;
use crate::error::CalibrateError;
use pressure_output::CsvTable;

/// Median and central interval over draws.
pub type Band = (f64, f64, f64);

/// One row of `counterfactual.csv`.
#[derive(Debug, Clone, PartialEq)]
pub struct CounterfactualRow {
    pub episode: String,
    pub series: String,
    pub unit: String,
    pub date: String,
    pub fitted_median: f64,
    pub counterfactual_median: f64,
    pub effect_median: f64,
    pub effect_low: f64,
    pub effect_high: f64,
    /// The fitted path's central interval over draws.
    pub fitted_low: f64,
    pub fitted_high: f64,
    /// The effect split (with `[counterfactual] explicit_set`): the explicit channels alone
    /// (timeline on with `explicit_set` minus timeline off) and the residual drags' part (the
    /// rest: fitted minus the explicit-channels run), each median and interval over draws.
    pub explicit: Option<Band>,
    pub drags: Option<Band>,
}

/// An outside estimate next to the model's value.
#[derive(Debug, Clone)]
pub struct BenchmarkRow {
    pub spec: BenchmarkSpec,
    /// The model's effect (or fitted value, `compare = "fitted"`) at the benchmark's date,
    /// measured from `base` where given (`None`: no such series or date; see `note`).
    pub model: Option<Band>,
    /// The explicit channels' part of it (effects with an effect split only).
    pub explicit: Option<Band>,
    /// Why the model has no value, if it has none.
    pub note: String,
}

impl BenchmarkRow {
    /// Whether the model's interval and the benchmark's (or its point) overlap.
    pub fn overlaps(&self) -> Option<bool> {
        let (_, lo, hi) = self.model?;
        let (blo, bhi) = match (self.spec.low, self.spec.high, self.spec.effect) {
            (Some(l), Some(h), _) => (l, h),
            (Some(l), None, _) => (l, f64::INFINITY),
            (None, Some(h), _) => (f64::NEG_INFINITY, h),
            (None, None, Some(e)) => (e, e),
            (None, None, None) => return None,
        };
        Some(lo <= bhi && blo <= hi)
    }
}

/// Everything [`counterfactual`] produced.
#[derive(Debug, Clone)]
pub struct CounterfactualReport {
    pub level: f64,
    pub source: DrawSource,
    /// Draws rerun successfully, and draws whose run failed (left out).
    pub draws: usize,
    pub failed: usize,
    /// Whether the effect split was computed (`explicit_set`), and its parameters.
    pub explicit_set: Vec<(String, f64)>,
    pub rows: Vec<CounterfactualRow>,
    pub benchmarks: Vec<BenchmarkRow>,
}

/// How to compute counterfactuals.
#[derive(Debug, Clone)]
pub struct CounterfactualOptions {
    pub max_draws: usize,
    pub level: f64,
    pub seed: u64,
    /// A `synth_episodes.csv` to read instead of the experiment's `[counterfactual.synth]
    /// file` (e.g. the output of an estimate step of `pressure reproduce`).
    pub synth_file: Option<std::path::PathBuf>,
}

/// The synthetic-control gaps of `file` as benchmarks of `series`, one per episode and
/// post-treatment year (`time >= treatment_time`).
pub fn synth_benchmarks(
    file: &std::path::Path,
    series: &str,
    episodes: &std::collections::BTreeMap<String, String>,
) -> Result<Vec<BenchmarkSpec>, CalibrateError> {
    use pressure_data::table::{ColumnType, ReadOptions, Table};
    let opts = ReadOptions::new()
        .column_type("time", ColumnType::Float)
        .column_type("treatment_time", ColumnType::Float)
        .column_type("gap_pct", ColumnType::Float);
    let bad = |e: pressure_data::DataError| {
        CalibrateError::invalid(format!("synthetic-control benchmarks: {e}"))
    };
    let t = Table::read_path(file, &opts).map_err(bad)?;
    let model = t.text("model").map_err(bad)?;
    let (time, start, gap) = (
        t.floats("time").map_err(bad)?,
        t.floats("treatment_time").map_err(bad)?,
        t.floats("gap_pct").map_err(bad)?,
    );
    // The placebo range (older files may lack it).
    let placebo = |col: &str| -> Result<Option<&[f64]>, CalibrateError> {
        if t.has_column(col) {
            Ok(Some(t.floats(col).map_err(bad)?))
        } else {
            Ok(None)
        }
    };
    let (p_lo, p_hi) = (
        placebo("placebo_gap_pct_min")?,
        placebo("placebo_gap_pct_max")?,
    );
    let finite = |c: Option<&[f64]>, i: usize| c.map(|c| c[i]).filter(|v| v.is_finite());
    let mut out = Vec::new();
    for (episode, name) in episodes {
        let rows: Vec<usize> = (0..time.len())
            .filter(|&i| model.get(i) == Some(name.as_str()))
            .collect();
        if rows.is_empty() {
            return Err(CalibrateError::invalid(format!(
                "{}: no synthetic control named `{name}` (for episode `{episode}`)",
                file.display()
            )));
        }
        for i in rows {
            // A benchmark is dated by a whole year: anything else is a broken table, named by
            // its row and column.
            for (col, v) in [("time", time[i]), ("treatment_time", start[i])] {
                if !(v.is_finite() && v.fract() == 0.0) {
                    return Err(CalibrateError::invalid(format!(
                        "synthetic-control benchmarks: {}: `{v}` is not a whole year",
                        t.location(i, col)
                    )));
                }
            }
            if time[i] >= start[i] && gap[i].is_finite() {
                out.push(BenchmarkSpec {
                    episode: episode.clone(),
                    series: series.to_string(),
                    date: format!("{}", time[i] as i64),
                    effect: Some(gap[i]),
                    low: None,
                    high: None,
                    // The synthetic control's gap is zero in expectation before its treatment
                    // year: the model's effect is measured from the year before it.
                    base: Some(format!("{}", start[i] as i64 - 1)),
                    compare: BenchmarkCompare::Effect,
                    placebo_low: finite(p_lo, i),
                    placebo_high: finite(p_hi, i),
                    source: format!(
                        "synthetic control `{name}` of pressure estimate ({}): gap of GDP per capita in per cent of the synthetic unit, treatment year {}",
                        file.file_name()
                            .map_or_else(String::new, |f| f.to_string_lossy().into_owned()),
                        start[i] as i64
                    ),
                });
            }
        }
    }
    Ok(out)
}

/// The counterfactual paths of every episode under the posterior of `report`.
pub fn counterfactual(
    exp: &Experiment,
    report: &CalibrationReport,
    opts: &CounterfactualOptions,
) -> Result<CounterfactualReport, CalibrateError> {
    if !(opts.level > 0.0 && opts.level < 1.0) {
        return Err(CalibrateError::invalid(format!(
            "counterfactual level must be in (0, 1), got {}",
            opts.level
        )));
    }
    let (draws, source) = posterior_draws(report, exp, opts.max_draws, opts.seed)?;
    let (paths, failed) = paths_at(exp, &draws)?;
    let (qlo, qhi) = (0.5 - opts.level / 2.0, 0.5 + opts.level / 2.0);
    let band =
        |v: &mut Vec<f64>| -> Band { (quantile(v, 0.5), quantile(v, qlo), quantile(v, qhi)) };
    let explicit_set = exp.spec.explicit_set();
    let split = !explicit_set.is_empty();
    let mut rows = Vec::new();
    for (ei, e) in exp.episodes.iter().enumerate() {
        for (mi, m) in e.mappings.iter().enumerate() {
            let levels = if m.observation.measure.is_change() {
                vec![false, true]
            } else {
                vec![false]
            };
            for level in levels {
                for k in 0..m.path_dates.len() {
                    let mut v = DrawValues::default();
                    for p in &paths {
                        v.push(&p[ei][mi], k, level, None);
                    }
                    let (fitted, effect) = (band(&mut v.fitted), band(&mut v.effect));
                    rows.push(CounterfactualRow {
                        episode: e.id.clone(),
                        series: if level {
                            format!("{}:level", m.series)
                        } else {
                            m.series.clone()
                        },
                        unit: if level {
                            "percent".to_string()
                        } else {
                            m.unit.clone()
                        },
                        date: m.path_dates[k].to_string(),
                        fitted_median: fitted.0,
                        counterfactual_median: quantile(&mut v.counterfactual, 0.5),
                        effect_median: effect.0,
                        effect_low: effect.1,
                        effect_high: effect.2,
                        fitted_low: fitted.1,
                        fitted_high: fitted.2,
                        explicit: split.then(|| band(&mut v.explicit)),
                        drags: split.then(|| band(&mut v.drags)),
                    });
                }
            }
        }
    }
    let mut specs: Vec<BenchmarkSpec> = Vec::new();
    if let Some(cf) = &exp.spec.counterfactual {
        specs.extend(cf.benchmarks.iter().cloned());
        if let Some(s) = &cf.synth {
            let base = exp.path.parent().unwrap_or(std::path::Path::new("."));
            let file = opts
                .synth_file
                .clone()
                .or_else(|| s.file.as_ref().map(|f| base.join(f)));
            // Without a file (a standalone run of an experiment written for the study) there
            // is nothing to compare with.
            if let Some(file) = file {
                specs.extend(synth_benchmarks(&file, &s.series, &s.episodes)?);
            }
        }
    }
    let benchmarks = specs
        .into_iter()
        .map(|b| {
            let (model, explicit, note) = match locate(exp, &b) {
                Err(note) => (None, None, note),
                Ok((ei, mi, k, level, base)) => {
                    let mut v = DrawValues::default();
                    for p in &paths {
                        v.push(&p[ei][mi], k, level, base);
                    }
                    match b.compare {
                        BenchmarkCompare::Fitted => {
                            (Some(band(&mut v.fitted)), None, String::new())
                        }
                        BenchmarkCompare::Effect => (
                            Some(band(&mut v.effect)),
                            split.then(|| band(&mut v.explicit)),
                            String::new(),
                        ),
                    }
                }
            };
            BenchmarkRow {
                spec: b,
                model,
                explicit,
                note,
            }
        })
        .collect();
    Ok(CounterfactualReport {
        level: opts.level,
        source,
        draws: paths.len(),
        failed,
        explicit_set,
        rows,
        benchmarks,
    })
}

/// One (episode, series, date)'s values over the draws.
#[derive(Default)]
struct DrawValues {
    fitted: Vec<f64>,
    counterfactual: Vec<f64>,
    effect: Vec<f64>,
    explicit: Vec<f64>,
    drags: Vec<f64>,
}

impl DrawValues {
    /// Adds one draw's values at path date `k`: the measure itself, or (`level`) the
    /// cumulative level effect `100 (exp(Δ_t − Δ_b) − 1)`, `Δ = ln A − ln A°`, measured from
    /// the `base` entry of the level path (`None`: from the run's start, `Δ_b = 0`); the
    /// level's fitted and counterfactual values are indices, 100 at the path's first base
    /// period (or `base`).
    fn push(&mut self, mp: &MappingPaths, k: usize, level: bool, base: Option<usize>) {
        let has_split = !mp.explicit.is_empty();
        if !level {
            let (f, c) = (mp.factual[k], mp.counterfactual[k]);
            self.fitted.push(f);
            self.counterfactual.push(c);
            self.effect.push(f - c);
            if has_split {
                let x = mp.explicit[k];
                self.explicit.push(x - c);
                self.drags.push(f - x);
            }
            return;
        }
        let (lf, lc) = (&mp.ln_level_factual, &mp.ln_level_counterfactual);
        let i = 2 * k + 1;
        let b = base.unwrap_or(0);
        self.fitted.push(100.0 * (lf[i] - lf[b]).exp());
        self.counterfactual.push(100.0 * (lc[i] - lf[b]).exp());
        let shift = |l: &[f64]| match base {
            Some(b) => l[b] - lc[b],
            None => 0.0,
        };
        let total = 100.0 * (lf[i] - lc[i] - shift(lf)).exp_m1();
        self.effect.push(total);
        if has_split {
            let le = &mp.ln_level_explicit;
            let explicit = 100.0 * (le[i] - lc[i] - shift(le)).exp_m1();
            self.explicit.push(explicit);
            self.drags.push(total - explicit);
        }
    }
}

/// Where a benchmark's value sits in the paths: episode, mapping, path date, whether it is a
/// level effect, and the level path's entry of its base; `Err` says why there is none.
#[allow(clippy::type_complexity)]
fn locate(
    exp: &Experiment,
    b: &BenchmarkSpec,
) -> Result<(usize, usize, usize, bool, Option<usize>), String> {
    let ei = exp
        .episodes
        .iter()
        .position(|e| e.id == b.episode)
        .ok_or_else(|| format!("no episode `{}` in this experiment", b.episode))?;
    let e = &exp.episodes[ei];
    let (name, level) = match b.series.strip_suffix(":level") {
        Some(n) => (n, true),
        None => (b.series.as_str(), false),
    };
    let mi = e
        .mappings
        .iter()
        .position(|m| m.series == name && (!level || m.observation.measure.is_change()))
        .ok_or_else(|| {
            format!(
                "series `{}` is not mapped in episode `{}`",
                b.series, b.episode
            )
        })?;
    let m = &e.mappings[mi];
    let span = || match (m.path_dates.first(), m.path_dates.last()) {
        (Some(a), Some(z)) => format!("{a}–{z}"),
        _ => "none".to_string(),
    };
    let k = m
        .path_dates
        .iter()
        .position(|d| d.to_string() == b.date)
        .ok_or_else(|| format!("date {} outside the model's path ({})", b.date, span()))?;
    let base = match &b.base {
        None => None,
        Some(_) if !level => return Err("`base` applies to a `:level` series only".into()),
        Some(base) => Some(
            if m.path_dates
                .first()
                .and_then(|d| previous(*d))
                .map(|d| d.to_string())
                == Some(base.clone())
            {
                0
            } else {
                2 * m
                    .path_dates
                    .iter()
                    .position(|d| d.to_string() == *base)
                    .ok_or_else(|| {
                        format!(
                            "base {base} outside the model's path ({} and the period before)",
                            span()
                        )
                    })?
                    + 1
            },
        ),
    };
    Ok((ei, mi, k, level, base))
}

fn num(v: f64) -> String {
    if v.is_finite() {
        format!("{v}")
    } else {
        String::new()
    }
}

fn opt(v: Option<f64>) -> String {
    v.map(num).unwrap_or_default()
}

fn band_cells(b: Option<Band>) -> [String; 3] {
    match b {
        Some((m, lo, hi)) => [num(m), num(lo), num(hi)],
        None => Default::default(),
    }
}

impl CounterfactualReport {
    /// `counterfactual.csv`: one row per episode, series and date (module docs). The split's
    /// six columns are empty without `[counterfactual] explicit_set`.
    pub fn csv(&self) -> String {
        let mut out = CsvTable::with_header([
            "episode",
            "series",
            "unit",
            "date",
            "fitted_median",
            "counterfactual_median",
            "effect_median",
            "effect_low",
            "effect_high",
            "level",
            "fitted_low",
            "fitted_high",
            "explicit_effect_median",
            "explicit_effect_low",
            "explicit_effect_high",
            "drag_effect_median",
            "drag_effect_low",
            "drag_effect_high",
        ]);
        let level = format!("{}%", (self.level * 100.0).round());
        for r in &self.rows {
            let mut cells = vec![
                r.episode.to_string(),
                r.series.to_string(),
                r.unit.to_string(),
                r.date.to_string(),
                num(r.fitted_median),
                num(r.counterfactual_median),
                num(r.effect_median),
                num(r.effect_low),
                num(r.effect_high),
                level.clone(),
                num(r.fitted_low),
                num(r.fitted_high),
            ];
            cells.extend(band_cells(r.explicit));
            cells.extend(band_cells(r.drags));
            out.row(cells);
        }
        out.into_string()
    }

    /// `benchmarks.csv`: each outside estimate beside the model's value at the same date
    /// (module docs).
    pub fn benchmarks_csv(&self) -> String {
        let mut out = CsvTable::with_header([
            "episode",
            "series",
            "date",
            "compare",
            "base",
            "model_median",
            "model_low",
            "model_high",
            "model_explicit_median",
            "model_explicit_low",
            "model_explicit_high",
            "benchmark_effect",
            "benchmark_low",
            "benchmark_high",
            "placebo_low",
            "placebo_high",
            "overlap",
            "source",
            "note",
        ]);
        for b in &self.benchmarks {
            let mut cells = vec![
                b.spec.episode.to_string(),
                b.spec.series.to_string(),
                b.spec.date.to_string(),
                b.spec.compare.name().to_string(),
                b.spec.base.clone().unwrap_or_default(),
            ];
            cells.extend(band_cells(b.model));
            cells.extend(band_cells(b.explicit));
            cells.extend([
                opt(b.spec.effect),
                opt(b.spec.low),
                opt(b.spec.high),
                opt(b.spec.placebo_low),
                opt(b.spec.placebo_high),
                b.overlaps().map(|o| o.to_string()).unwrap_or_default(),
                b.spec.source.clone(),
                b.note.clone(),
            ]);
            out.row(cells);
        }
        out.into_string()
    }
}

#[cfg(test)]
mod csv_tests {
    use super::*;

    const NASTY: &str = "Iran, \"official\"\nrate";

    fn read(text: &str) -> Vec<Vec<String>> {
        pressure_output::read_records(text).unwrap()
    }

    #[test]
    fn names_units_and_sources_round_trip() {
        let report = CounterfactualReport {
            level: 0.9,
            source: DrawSource::Estimate,
            draws: 1,
            failed: 0,
            explicit_set: vec![("fiscal.residual_drag_switch".into(), 0.0)],
            rows: vec![CounterfactualRow {
                episode: NASTY.into(),
                series: "cpi".into(),
                unit: "percent, y/y".into(),
                date: "2012".into(),
                fitted_median: 30.0,
                counterfactual_median: 20.0,
                effect_median: 10.0,
                effect_low: 8.0,
                effect_high: 12.0,
                fitted_low: 25.0,
                fitted_high: 35.0,
                explicit: Some((4.0, 3.0, 5.0)),
                drags: None,
            }],
            benchmarks: vec![BenchmarkRow {
                spec: BenchmarkSpec {
                    episode: NASTY.into(),
                    series: "cpi".into(),
                    date: "2012".into(),
                    effect: Some(9.0),
                    low: None,
                    high: None,
                    base: Some("2011".into()),
                    compare: BenchmarkCompare::Effect,
                    placebo_low: Some(-15.0),
                    placebo_high: None,
                    source: "Smith, \"Sanctions\"\n2019".into(),
                },
                model: Some((10.0, 8.0, 12.0)),
                explicit: None,
                note: NASTY.into(),
            }],
        };
        assert_eq!(
            read(&report.csv())[1],
            [
                NASTY,
                "cpi",
                "percent, y/y",
                "2012",
                "30",
                "20",
                "10",
                "8",
                "12",
                "90%",
                "25",
                "35",
                "4",
                "3",
                "5",
                "",
                "",
                ""
            ]
        );
        assert_eq!(
            read(&report.benchmarks_csv())[1],
            [
                NASTY,
                "cpi",
                "2012",
                "effect",
                "2011",
                "10",
                "8",
                "12",
                "",
                "",
                "",
                "9",
                "",
                "",
                "-15",
                "",
                "true",
                "Smith, \"Sanctions\"\n2019",
                NASTY
            ]
        );
    }
}
