//! The standard figures of a calibration (`pressure calibrate`, a calibrate step of
//! `pressure reproduce`), planned from the run's typed results in memory
//! ([`CalibrationResults`]): nothing is read back from the output folder. The figures draw the
//! run's own files there (`fit.csv` or `fit_bands.csv`, `draws.csv`, `holdout.csv`, as
//! [`CalibrationFiles`] writes them) or plot-ready extracts written to `data_dir`.

use super::{
    caption, csv_text, display_path, documented_sources, json_number, list, pct, write_extract,
    FigureKind, FigurePlan, Provenance, Result, Shows,
};
use crate::calibrate::experiment::counterfactual::{Band, CounterfactualRow};
use crate::calibrate::experiment::fitted::PriorInfo;
use crate::calibrate::experiment::outputs::CalibrationFiles;
use crate::calibrate::experiment::spec::BenchmarkCompare;
use crate::calibrate::experiment::{CalibrationReport, Experiment};
use crate::calibrate::uncertainty::sampler::Algorithm;
use std::path::{Path, PathBuf};

/// A calibration's results, as the figures need them: the experiment (its inputs and
/// settings), the report, the files rendered from it, and the level of the posterior bands of
/// the fit when `fit_bands.csv` was written beside them.
#[derive(Clone, Copy)]
pub struct CalibrationResults<'a> {
    /// The experiment that ran (data files and experiment file for the captions).
    pub experiment: &'a Experiment,
    /// Its report.
    pub report: &'a CalibrationReport,
    /// The files written from it, with the validation and counterfactuals they came from.
    pub files: &'a CalibrationFiles,
    /// Probability of the central interval in `fit_bands.csv`, when it was written.
    pub fit_bands: Option<f64>,
}

/// Distinct values in order of first appearance.
fn distinct<'a>(items: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for x in items {
        if !out.iter().any(|o| o == x) {
            out.push(x.to_string());
        }
    }
    out
}

/// Plans the standard figures of a calibration written to `dir`: the fit grid (with posterior
/// bands when `fit_bands.csv` was written), one time series per episode, the counterfactual
/// effects and paths and the holdout forecasts when computed, profile likelihoods, posterior
/// marginals and a pairs plot (from `draws.csv`).
pub fn calibrate_plans(
    results: &CalibrationResults<'_>,
    dir: &Path,
    data_dir: &Path,
) -> Result<Vec<FigurePlan>> {
    let CalibrationResults {
        experiment,
        report,
        files,
        fit_bands,
    } = *results;
    let data: Vec<PathBuf> = experiment
        .inputs
        .iter()
        .filter(|p| p.to_string_lossy().ends_with(".csv"))
        .cloned()
        .collect();
    let sources = documented_sources(&data);
    let inputs: Vec<String> = data.iter().map(|p| display_path(p)).collect();
    let from = Provenance {
        priors: priors_caption(&report.priors),
        experiment: report.experiment.clone(),
        source: format!(
            "experiment file {}; data {}{sources}",
            display_path(&experiment.path),
            if inputs.is_empty() {
                "of the experiment".to_string()
            } else {
                list(&inputs)
            }
        ),
    };
    let mut plans = Vec::new();

    // Fit: with posterior bands when they were computed. Both files have a row per
    // observation, series by series.
    let (fit_path, band_label) = match fit_bands {
        Some(level) => (
            dir.join("fit_bands.csv"),
            Some(format!(
                "{} posterior interval of the model at each observation",
                pct(level)
            )),
        ),
        None => (dir.join("fit.csv"), None),
    };
    let observed: Vec<_> = report
        .fit
        .iter()
        .filter(|f| !(f.dates.is_empty() || f.observed.is_empty() || f.model.is_empty()))
        .collect();
    let episodes = distinct(observed.iter().map(|f| f.episode.as_str()));
    let mut panels: Vec<(&str, &str, &str)> = Vec::new();
    for f in &observed {
        let key = (f.episode.as_str(), f.series.as_str(), f.unit.as_str());
        if !panels.contains(&key) {
            panels.push(key);
        }
    }
    let shows = Shows::FitGrid {
        series: panels.len(),
        episodes: episodes.clone(),
        band: band_label.clone(),
    };
    let mut grid = FigurePlan::new(
        "fit-grid",
        FigureKind::FitGrid,
        fit_path.clone(),
        caption(&shows, &from),
    );
    if panels.len() > 2 {
        grid = grid.double();
    }
    plans.push(grid);
    for ep in &episodes {
        let Some((_, series, unit)) = panels.iter().find(|p| p.0 == ep) else {
            continue;
        };
        let select = if episodes.len() > 1 {
            format!("{ep}: {series}")
        } else {
            series.to_string()
        };
        let shows = Shows::FitSeries {
            episode: ep.clone(),
            series: series.to_string(),
            unit: unit.to_string(),
            band: band_label.clone(),
        };
        plans.push(
            FigurePlan::new(
                format!("fit-{ep}-{series}"),
                FigureKind::TimeSeries,
                fit_path.clone(),
                caption(&shows, &from),
            )
            .select(&select),
        );
    }

    counterfactual_plans(files, data_dir, &from, &mut plans)?;
    holdout_plan(files, dir, &from, &mut plans);

    // Profiles (a profile that stopped at the estimate, one point, has no curve to draw).
    let mut rows = Vec::new();
    let mut profiled = 0;
    for (j, name) in report.parameters.iter().enumerate() {
        let Some(p) = report.profiles.get(j).filter(|p| p.points.len() >= 2) else {
            continue;
        };
        profiled += 1;
        let bound = |b: Option<f64>| b.map(json_number).unwrap_or_default();
        for q in &p.points {
            rows.push(vec![
                name.clone(),
                json_number(q.value),
                json_number(q.deviance),
                json_number(report.estimate.x[j]),
                bound(p.lower),
                bound(p.upper),
            ]);
        }
    }
    if profiled > 0 {
        let data = write_extract(
            data_dir,
            "profiles",
            &csv_text(
                &[
                    "parameter",
                    "value",
                    "deviance",
                    "estimate",
                    "lower",
                    "upper",
                ],
                rows,
            ),
        )?;
        let shows = Shows::Profiles {
            parameters: profiled,
            level: experiment.spec.uncertainty.level,
        };
        let mut plan = FigurePlan::new(
            "profiles",
            FigureKind::Profile,
            data,
            caption(&shows, &from),
        );
        if profiled > 2 {
            plan = plan.double();
        }
        plans.push(plan);
    }

    // Posterior (`draws.csv`, written after MCMC).
    if let Some(m) = &report.mcmc {
        let draws = dir.join("draws.csv");
        let chains = Some(m.draws.len() as u64);
        let total = m.draws.first().map_or(0, Vec::len) * m.draws.len();
        let n_params = report.parameters.len();
        let sampler = sampler_name(m.algorithm).to_string();
        let mut plan = FigurePlan::new(
            "posterior",
            FigureKind::Posterior,
            draws.clone(),
            caption(
                &Shows::Posterior {
                    sampler: sampler.clone(),
                    chains,
                    draws: total,
                },
                &from,
            ),
        );
        if n_params > 2 {
            plan = plan.double();
        }
        plans.push(plan);
        if n_params >= 2 {
            let (select, subset) = pairs_subset(&report.parameters);
            let mut plan = FigurePlan::new(
                "pairs",
                FigureKind::Pairs,
                draws,
                caption(
                    &Shows::Pairs {
                        sampler,
                        chains,
                        draws: total,
                        subset,
                    },
                    &from,
                ),
            )
            .double();
            if let Some(select) = select {
                plan = plan.select(&select);
            }
            plans.push(plan);
        }
    }
    Ok(plans)
}

/// A short readable name of an episode-table series for panel titles (`gdp_growth` → "GDP
/// growth"; a counterfactual's `gdp_growth:level`, the cumulative level behind a growth
/// series, → "real GDP level"); unknown ids are shown as they are.
fn series_title(id: &str) -> String {
    let known = |s: &str| -> Option<&'static str> {
        Some(match s {
            "gdp_growth" => "GDP growth",
            "gdppc_growth" => "GDP per capita growth",
            "cpi_inflation" => "CPI inflation",
            "broad_money_growth" => "broad-money growth",
            "parallel_premium" => "parallel premium",
            "fx_parallel" => "parallel rate",
            _ => return None,
        })
    };
    match id.strip_suffix(":level") {
        Some("gdp_growth") => "real GDP level".into(),
        Some("gdppc_growth") => "real GDP per capita level".into(),
        Some("cpi_inflation") => "CPI level".into(),
        Some("broad_money_growth") => "broad money level".into(),
        Some(base) => format!("{} level", known(base).unwrap_or(base)),
        None => known(id).map_or_else(|| id.to_string(), str::to_string),
    }
}

/// A readable name of a sampler for captions.
fn sampler_name(algorithm: Algorithm) -> &'static str {
    match algorithm {
        Algorithm::DreamZs => "DREAM(ZS)",
        Algorithm::Ensemble => "affine-invariant ensemble",
        Algorithm::AdaptiveMetropolis => "adaptive-Metropolis",
    }
}

/// The parameters of the pairs plot when not all fit on a page: more than
/// [`PAIRS_MAX`] sampled values draw the hierarchy's channel means and spreads (μ, τ) and the
/// shared parameters; `(None, None)`: all of them.
fn pairs_subset(names: &[String]) -> (Option<String>, Option<String>) {
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    if names.len() <= PAIRS_MAX {
        return (None, None);
    }
    let hyper: Vec<&str> = names
        .iter()
        .copied()
        .filter(|n| n.ends_with(":mu") || n.ends_with(":tau"))
        .collect();
    let shared: Vec<&str> = names
        .iter()
        .copied()
        .filter(|n| !n.contains('@') && !n.contains(':'))
        .collect();
    let mut keep: Vec<&str> = hyper.iter().chain(&shared).copied().collect();
    keep.truncate(PAIRS_MAX);
    if keep.len() < 2 {
        keep = names[..PAIRS_MAX].to_vec();
        return (
            Some(keep.join(",")),
            Some(format!(
                "the first {PAIRS_MAX} of the {} calibrated parameters",
                names.len()
            )),
        );
    }
    let what = if hyper.is_empty() {
        "the shared parameters".to_string()
    } else {
        "the channel means and spreads of the hierarchy (μ, τ)".to_string()
    };
    (
        Some(keep.join(",")),
        Some(format!(
            "{what}, {} of the {} calibrated parameters",
            keep.len(),
            names.len()
        )),
    )
}

/// Most parameters a pairs plot draws (a d × d grid of panels on one page).
const PAIRS_MAX: usize = 8;

/// A period's start as a decimal year: `2012` → 2012, `2012-03` → 2012 + 2/12, `2012-Q2` →
/// 2012.25 (for plots of annual and monthly series on one time axis).
fn date_as_year(d: &str) -> String {
    let mut parts = d.split('-');
    let year: f64 = parts
        .next()
        .and_then(|y| y.parse().ok())
        .unwrap_or(f64::NAN);
    let frac = match parts.next() {
        Some(q) if q.starts_with('Q') => q[1..].parse::<f64>().map_or(0.0, |q| (q - 1.0) / 4.0),
        Some(m) => m.parse::<f64>().map_or(0.0, |m| (m - 1.0) / 12.0),
        None => 0.0,
    };
    (year + frac).to_string()
}

/// The priors of a calibration for captions: every informative prior in full, and the
/// number of values flat within their bounds.
fn priors_caption(priors: &[PriorInfo]) -> String {
    let mut informative = Vec::new();
    let mut flat = 0;
    let mut offsets = 0;
    for p in priors {
        let (name, dist) = (p.parameter.as_str(), p.distribution.as_str());
        if dist.starts_with("flat") {
            flat += 1;
        } else if name.contains(":eta@") {
            offsets += 1;
        } else {
            informative.push(if p.source.starts_with("panel estimate") {
                format!("{name} {dist} from the {}", p.source)
            } else {
                format!("{name} {dist}")
            });
        }
    }
    let mut parts = informative;
    if offsets > 0 {
        parts.push(format!(
            "{offsets} episode offsets standard normal (partial pooling: each episode's value is mu + tau eta)"
        ));
    }
    if flat > 0 {
        parts.push(format!(
            "{flat} parameter(s) flat within the experiment's bounds"
        ));
    }
    parts.join("; ")
}

/// Figures of the counterfactuals (`counterfactual.csv`): the effect of the sanctions on each
/// series, all episodes in one grid, with outside estimates as points; the effect split into
/// explicit channels and residual drags where computed; each episode's paths with and without
/// the sanctions.
fn counterfactual_plans(
    files: &CalibrationFiles,
    data_dir: &Path,
    from: &Provenance,
    plans: &mut Vec<FigurePlan>,
) -> Result<()> {
    let Some(c) = &files.counterfactual else {
        return Ok(());
    };
    let level = if c.rows.is_empty() {
        String::new()
    } else {
        pct(c.level)
    };
    let draws = format!("{} {}", c.draws, c.source.describe());
    // Outside estimates of the effect as the figure draws it: not those of the fitted path
    // (`compare = fitted`) nor those the model's effect is rebased for (`base`: the figure's
    // effect is cumulative from the run's start); `benchmarks.csv` has all. Their value is the
    // point, else the interval's middle.
    let bench: Vec<(&str, &str, &str, String)> = c
        .benchmarks
        .iter()
        .filter(|b| {
            b.spec.compare == BenchmarkCompare::Effect
                && b.spec.base.as_deref().is_none_or(str::is_empty)
        })
        .map(|b| {
            let s = &b.spec;
            let value = match (s.effect.filter(|e| e.is_finite()), s.low, s.high) {
                (Some(e), _, _) => json_number(e),
                (None, Some(l), Some(h)) if l.is_finite() && h.is_finite() => {
                    (0.5 * (l + h)).to_string()
                }
                _ => String::new(),
            };
            (
                s.episode.as_str(),
                s.series.as_str(),
                s.date.as_str(),
                value,
            )
        })
        .collect();
    for series in distinct(c.rows.iter().map(|r| r.series.as_str())) {
        let rows: Vec<&CounterfactualRow> = c.rows.iter().filter(|r| r.series == series).collect();
        let unit = rows.first().map(|r| r.unit.clone()).unwrap_or_default();
        let episodes = distinct(rows.iter().map(|r| r.episode.as_str()));
        let mut has_bench = false;
        let extract: Vec<Vec<String>> = rows
            .iter()
            .map(|r| {
                let b = bench
                    .iter()
                    .find(|b| b.0 == r.episode && b.1 == series && b.2 == r.date)
                    .map(|b| b.3.clone())
                    .unwrap_or_default();
                has_bench |= !b.is_empty();
                vec![
                    r.episode.clone(),
                    series_title(&series),
                    unit.clone(),
                    r.date.clone(),
                    b,
                    json_number(r.effect_median),
                    json_number(r.effect_low),
                    json_number(r.effect_high),
                    level.clone(),
                    "model effect (median)".to_string(),
                    "outside estimate".to_string(),
                ]
            })
            .collect();
        let data = write_extract(
            data_dir,
            &format!("counterfactual-effect-{series}"),
            &csv_text(
                &[
                    "episode",
                    "series",
                    "unit",
                    "date",
                    "observed",
                    "model",
                    "lower",
                    "upper",
                    "level",
                    "model_label",
                    "observed_label",
                ],
                extract,
            ),
        )?;
        let shows = Shows::CounterfactualEffect {
            series: series.clone(),
            unit: unit.clone(),
            episodes: episodes.clone(),
            level: level.clone(),
            draws: draws.clone(),
            benchmarks: has_bench,
        };
        let mut plan = FigurePlan::new(
            format!("counterfactual-effect-{series}"),
            FigureKind::FitGrid,
            data,
            caption(&shows, from),
        );
        if episodes.len() > 2 {
            plan = plan.double();
        }
        plans.push(plan);
        // The effect split of the cumulative level effects, where the run computed it:
        // explicit channels and residual drags, one panel per episode and component.
        if !series.ends_with(":level") {
            continue;
        }
        let mut split = Vec::new();
        for (component, band) in [
            (
                "explicit channels",
                (|r: &CounterfactualRow| r.explicit) as fn(&CounterfactualRow) -> Option<Band>,
            ),
            ("residual growth drags", |r: &CounterfactualRow| r.drags),
        ] {
            for r in &rows {
                let Some((m, lo, hi)) = band(r).filter(|b| b.0.is_finite()) else {
                    continue;
                };
                split.push(vec![
                    r.episode.clone(),
                    format!("{}: {component}", series_title(&series)),
                    unit.clone(),
                    r.date.clone(),
                    json_number(m),
                    json_number(lo),
                    json_number(hi),
                    level.clone(),
                    "effect (median)".to_string(),
                ]);
            }
        }
        if !split.is_empty() {
            let data = write_extract(
                data_dir,
                &format!("counterfactual-split-{series}"),
                &csv_text(
                    &[
                        "episode",
                        "series",
                        "unit",
                        "date",
                        "model",
                        "lower",
                        "upper",
                        "level",
                        "model_label",
                    ],
                    split,
                ),
            )?;
            let shows = Shows::CounterfactualSplit {
                series: series.clone(),
                episodes: episodes.clone(),
                level: level.clone(),
                draws: draws.clone(),
            };
            plans.push(
                FigurePlan::new(
                    format!("counterfactual-split-{series}"),
                    FigureKind::FitGrid,
                    data,
                    caption(&shows, from),
                )
                .double(),
            );
        }
    }
    // Paths with and without the sanctions, one figure per episode (the mapped series).
    for ep in distinct(c.rows.iter().map(|r| r.episode.as_str())) {
        let rows: Vec<&CounterfactualRow> = c
            .rows
            .iter()
            .filter(|r| r.episode == ep && !r.series.ends_with(":level"))
            .collect();
        let series = distinct(rows.iter().map(|r| r.series.as_str()));
        let mut extract = Vec::new();
        for r in &rows {
            let time = date_as_year(&r.date);
            for (scenario, value) in [
                ("with sanctions (fitted)", r.fitted_median),
                ("sanction timeline switched off", r.counterfactual_median),
            ] {
                extract.push(vec![
                    scenario.to_string(),
                    time.clone(),
                    series_title(&r.series),
                    r.unit.clone(),
                    json_number(value),
                    "year".to_string(),
                ]);
            }
        }
        if extract.is_empty() {
            continue;
        }
        let data = write_extract(
            data_dir,
            &format!("counterfactual-paths-{ep}"),
            &csv_text(
                &["scenario", "time", "variable", "unit", "value", "time_unit"],
                extract,
            ),
        )?;
        let shows = Shows::CounterfactualPaths {
            episode: ep.clone(),
            series: series.clone(),
            draws: draws.clone(),
        };
        let mut plan = FigurePlan::new(
            format!("counterfactual-paths-{ep}"),
            FigureKind::Scenarios,
            data,
            caption(&shows, from),
        );
        if series.len() > 1 {
            plan = plan.double();
        }
        plans.push(plan);
    }
    Ok(())
}

/// The forecasts against held-out data (`holdout.csv`), when the experiment holds some out.
fn holdout_plan(
    files: &CalibrationFiles,
    dir: &Path,
    from: &Provenance,
    plans: &mut Vec<FigurePlan>,
) {
    let v = &files.validation;
    if v.holdout.is_empty() {
        return;
    }
    let shows = Shows::Holdout {
        episodes: distinct(v.holdout.iter().map(|h| h.episode.as_str())),
        level: pct(v.level),
        draws: if v.draws > 0 {
            format!("{} {}", v.draws, v.source.describe())
        } else {
            "0 draws".to_string()
        },
    };
    plans.push(
        FigurePlan::new(
            "holdout",
            FigureKind::FitGrid,
            dir.join("holdout.csv"),
            caption(&shows, from),
        )
        .double(),
    );
}
