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
//! `counterfactual.csv`: `episode, series, unit, date, fitted_median, counterfactual_median,
//! effect_median, effect_low, effect_high, level`. `benchmarks.csv` puts outside estimates
//! (synthetic controls, published figures) beside the model's effect at the same date.

use super::paths::{paths_at, posterior_draws, quantile, DrawSource};
use super::report::CalibrationReport;
use super::spec::BenchmarkSpec;
use super::Experiment;
use crate::error::CalibrateError;
use pressure_output::CsvTable;

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
}

/// An outside estimate next to the model's effect.
#[derive(Debug, Clone)]
pub struct BenchmarkRow {
    pub spec: BenchmarkSpec,
    /// The model's effect at the benchmark's date (`None`: no such series or date).
    pub model: Option<(f64, f64, f64)>,
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
                    source: format!(
                        "synthetic control `{name}` of pressure estimate ({}): gap of GDP per capita in per cent of the synthetic unit",
                        file.file_name()
                            .map_or_else(String::new, |f| f.to_string_lossy().into_owned())
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
    let mut rows = Vec::new();
    let mut f = Vec::new();
    let mut c = Vec::new();
    let mut d = Vec::new();
    for (ei, e) in exp.episodes.iter().enumerate() {
        for (mi, m) in e.mappings.iter().enumerate() {
            let n = m.path_dates.len();
            let mut push = |series: String,
                            unit: &str,
                            k: usize,
                            f: &mut Vec<f64>,
                            c: &mut Vec<f64>,
                            d: &mut Vec<f64>| {
                rows.push(CounterfactualRow {
                    episode: e.id.clone(),
                    series,
                    unit: unit.to_string(),
                    date: m.path_dates[k].to_string(),
                    fitted_median: quantile(f, 0.5),
                    counterfactual_median: quantile(c, 0.5),
                    effect_median: quantile(&mut d.clone(), 0.5),
                    effect_low: quantile(&mut d.clone(), qlo),
                    effect_high: quantile(d, qhi),
                });
            };
            for k in 0..n {
                f.clear();
                c.clear();
                d.clear();
                for p in &paths {
                    let mp = &p[ei][mi];
                    let (a, b) = (mp.factual[k], mp.counterfactual[k]);
                    f.push(a);
                    c.push(b);
                    d.push(a - b);
                }
                push(m.series.clone(), &m.unit, k, &mut f, &mut c, &mut d);
            }
            if m.observation.measure.is_change() {
                for k in 0..n {
                    f.clear();
                    c.clear();
                    d.clear();
                    for p in &paths {
                        let mp = &p[ei][mi];
                        let (lf, lc) = (&mp.ln_level_factual, &mp.ln_level_counterfactual);
                        let base = lf[0];
                        f.push(100.0 * (lf[2 * k + 1] - base).exp());
                        c.push(100.0 * (lc[2 * k + 1] - base).exp());
                        d.push(100.0 * (lf[2 * k + 1] - lc[2 * k + 1]).exp_m1());
                    }
                    push(
                        format!("{}:level", m.series),
                        "percent",
                        k,
                        &mut f,
                        &mut c,
                        &mut d,
                    );
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
        .map(|b| BenchmarkRow {
            model: rows
                .iter()
                .find(|r| r.episode == b.episode && r.series == b.series && r.date == b.date)
                .map(|r| (r.effect_median, r.effect_low, r.effect_high)),
            spec: b,
        })
        .collect();
    Ok(CounterfactualReport {
        level: opts.level,
        source,
        draws: paths.len(),
        failed,
        rows,
        benchmarks,
    })
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

impl CounterfactualReport {
    /// `counterfactual.csv`.
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
        ]);
        let level = format!("{}%", (self.level * 100.0).round());
        for r in &self.rows {
            out.row([
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
            ]);
        }
        out.into_string()
    }

    /// `benchmarks.csv`: each outside estimate beside the model's effect.
    pub fn benchmarks_csv(&self) -> String {
        let mut out = CsvTable::with_header([
            "episode",
            "series",
            "date",
            "model_effect_median",
            "model_effect_low",
            "model_effect_high",
            "benchmark_effect",
            "benchmark_low",
            "benchmark_high",
            "overlap",
            "source",
        ]);
        for b in &self.benchmarks {
            let (m, lo, hi) = b.model.unwrap_or((f64::NAN, f64::NAN, f64::NAN));
            out.row([
                b.spec.episode.to_string(),
                b.spec.series.to_string(),
                b.spec.date.to_string(),
                num(m),
                num(lo),
                num(hi),
                opt(b.spec.effect),
                opt(b.spec.low),
                opt(b.spec.high),
                b.overlaps().map(|o| o.to_string()).unwrap_or_default(),
                b.spec.source.clone(),
            ]);
        }
        out.into_string()
    }
}

#[cfg(test)]
mod csv_tests {
    use super::*;

    const NASTY: &str = "Iran, \"official\"\nrate";

    fn read(text: &str) -> Vec<Vec<String>> {
        csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(text.as_bytes())
            .records()
            .map(|r| r.unwrap().iter().map(str::to_string).collect())
            .collect()
    }

    #[test]
    fn names_units_and_sources_round_trip() {
        let report = CounterfactualReport {
            level: 0.9,
            source: DrawSource::Estimate,
            draws: 1,
            failed: 0,
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
            }],
            benchmarks: vec![BenchmarkRow {
                spec: BenchmarkSpec {
                    episode: NASTY.into(),
                    series: "cpi".into(),
                    date: "2012".into(),
                    effect: Some(9.0),
                    low: None,
                    high: None,
                    source: "Smith, \"Sanctions\"\n2019".into(),
                },
                model: Some((10.0, 8.0, 12.0)),
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
                "90%"
            ]
        );
        assert_eq!(
            read(&report.benchmarks_csv())[1],
            [
                NASTY,
                "cpi",
                "2012",
                "10",
                "8",
                "12",
                "9",
                "",
                "",
                "true",
                "Smith, \"Sanctions\"\n2019"
            ]
        );
    }
}
