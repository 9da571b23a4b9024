//! Event studies around a treatment date: the two-way fixed-effects regression on
//! relative-time dummies, and the Sun & Abraham (2021) interaction-weighted estimator for
//! staggered adoption.
//!
//! Treatment is absorbing: each unit has a cohort, the first period it is treated (`None` for
//! never treated). Units treated from the first period of the sample on ("always treated")
//! have no pre-treatment observation and are excluded (counted in the result). Relative time is `k = t − cohort`. The reference period (default `k = −1`)
//! is omitted. Relative times outside the window are binned into the end points (or the
//! observations dropped, see [`Endpoints`]).
//!
//! **TWFE** regresses `y` on `D_k = 1{t − cohort = k}` with unit and time effects. With
//! staggered adoption and effects that differ across cohorts its coefficients mix effects
//! from other periods (Sun & Abraham 2021, Prop. 1); use **Sun–Abraham** then: it regresses
//! `y` on cohort × relative-time interactions `D_{e,k}` (never-treated units, or the
//! last-treated cohort when there are none, as the control group) with the same effects, and
//! averages `δ_{e,k}` over cohorts with weights equal to each cohort's share of the treated
//! observations at relative time `k`. Standard errors of the averages use the delta method
//! with the weights held fixed (as fixest's `sunab`).

use crate::design::Design;
use crate::error::{EconError, Result};
use crate::factor::Factor;
use crate::inference::{CoefRow, CoefTable, WaldTest};
use crate::vcov::VcovSpec;
use crate::within::{within, WithinOptions, WithinResult};
use faer::Mat;
use serde::Serialize;
use std::collections::BTreeMap;

/// Estimator of the event-time effects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventMethod {
    /// Two-way fixed effects on relative-time dummies.
    Twfe,
    /// Sun & Abraham's interaction-weighted estimator. The default.
    #[default]
    SunAbraham,
}

/// What to do with relative times outside the window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Endpoints {
    /// Pool them into the first / last relative time of the window. The default.
    #[default]
    Bin,
    /// Drop those observations.
    Drop,
}

/// Options of [`event_study`].
#[derive(Debug, Clone)]
pub struct EventStudyOptions {
    /// Estimator of the effects (default Sun–Abraham).
    pub method: EventMethod,
    /// First and last relative time estimated; `None` = every relative time in the data.
    pub window: Option<(i64, i64)>,
    /// What happens to relative times outside the window (default: binned at the ends).
    pub endpoints: Endpoints,
    /// Omitted relative time(s). Default `[-1]`.
    pub reference: Vec<i64>,
    /// Variance estimator; `None` = clustered by unit with the default correction.
    pub vcov: Option<VcovSpec>,
    /// Confidence level of the intervals (default 0.95).
    pub level: f64,
    /// Also report the equal-weight average of the effects at relative times `0..=K` as the
    /// term `avg_p0_pK` (each post-treatment year counts once, however many units it has:
    /// the "average annual effect over the first K + 1 years" of Neuenkirch & Neumeier 2015),
    /// with its delta-method standard error.
    pub average_post: Option<i64>,
}

impl Default for EventStudyOptions {
    fn default() -> Self {
        EventStudyOptions {
            method: EventMethod::SunAbraham,
            window: None,
            endpoints: Endpoints::Bin,
            reference: vec![-1],
            vcov: None,
            level: 0.95,
            average_post: None,
        }
    }
}

/// Result of [`event_study`].
#[derive(Debug, Clone, Serialize)]
pub struct EventStudyResult {
    /// The estimator used.
    pub method: EventMethod,
    /// Effects by relative time, terms named `rel_m3`, `rel_p0`, … (m = minus, p = plus).
    pub effects: CoefTable,
    /// The relative time of each term of `effects` (an `avg_p0_pK` term, when asked for,
    /// comes last and has none).
    pub relative_times: Vec<i64>,
    /// Joint test that all leads (k < 0, excluding the reference) are zero.
    pub pretrend_test: Option<WaldTest>,
    /// Cohorts (first treated period) and their numbers of units; `None` = never treated.
    pub cohorts: Vec<(Option<i64>, usize)>,
    /// The control group used by Sun–Abraham: `"never treated"` or the last cohort.
    pub control: String,
    /// Units excluded because they are treated from the first period of the sample on.
    pub always_treated_dropped: usize,
    /// Observations used.
    pub n_obs: usize,
    /// Cluster variables and their number of clusters.
    pub clusters: Vec<(String, usize)>,
    /// The underlying fixed-effects regression (for Sun–Abraham: on the cohort interactions).
    pub regression: WithinResult,
}

/// The name of the term for relative time `k`: `rel_m2` for −2, `rel_p0` for 0.
pub fn relative_time_term(k: i64) -> String {
    if k < 0 {
        format!("rel_m{}", -k)
    } else {
        format!("rel_p{k}")
    }
}

/// The cohort (first period with `treated > 0`) of each unit, repeated on its rows; `None` for
/// units never treated. Rows may be in any order. Missing (NaN) indicators count as untreated.
pub fn cohorts_from_indicator(unit: &Factor, time: &[i64], treated: &[f64]) -> Vec<Option<i64>> {
    let mut first: Vec<Option<i64>> = vec![None; unit.n_levels];
    for ((&u, &t), &d) in unit.codes.iter().zip(time).zip(treated) {
        if d > 0.0 {
            let f = &mut first[u as usize];
            *f = Some(f.map_or(t, |c: i64| c.min(t)));
        }
    }
    unit.codes.iter().map(|&u| first[u as usize]).collect()
}

/// Estimates the event-time effects of a staggered, absorbing treatment.
///
/// `unit` and `time` identify the panel; `cohort[i]` is the first treated period of row `i`'s
/// unit (`None` = never treated; it must be constant within a unit). `controls`, if given, are
/// extra regressors (e.g. lagged covariates).
pub fn event_study(
    y: &[f64],
    unit: &Factor,
    time: &[i64],
    cohort: &[Option<i64>],
    controls: Option<&Design>,
    opts: &EventStudyOptions,
) -> Result<EventStudyResult> {
    let n = y.len();
    if unit.len() != n || time.len() != n || cohort.len() != n {
        return Err(EconError::Dimension(format!(
            "event study: {n} outcomes, {} units, {} times, {} cohorts",
            unit.len(),
            time.len(),
            cohort.len()
        )));
    }
    if let Some(c) = controls {
        if c.n_rows() != n {
            return Err(EconError::Dimension(
                "controls have a different number of rows".into(),
            ));
        }
    }
    // Cohort must be constant within unit.
    let mut unit_cohort: Vec<Option<Option<i64>>> = vec![None; unit.n_levels];
    for (i, (&u, &c)) in unit.codes.iter().zip(cohort).enumerate() {
        match unit_cohort[u as usize] {
            None => unit_cohort[u as usize] = Some(c),
            Some(prev) if prev != c => {
                return Err(EconError::Invalid(format!(
                    "cohort differs within unit at row {i} ({prev:?} vs {c:?})"
                )))
            }
            _ => {}
        }
    }
    // Units treated from the first period of the sample on have no pre-treatment observation:
    // they identify nothing and are excluded (as Sun & Abraham require).
    let first_period = time.iter().copied().min().unwrap_or(0);
    let always: Vec<bool> = unit_cohort
        .iter()
        .map(|c| matches!(c, Some(Some(e)) if *e <= first_period))
        .collect();
    let always_treated_dropped = always.iter().filter(|&&a| a).count();
    let mut cohort_sizes: BTreeMap<Option<i64>, usize> = BTreeMap::new();
    for (u, c) in unit_cohort.iter().enumerate() {
        if let Some(c) = c {
            if !always[u] {
                *cohort_sizes.entry(*c).or_default() += 1;
            }
        }
    }
    if !cohort_sizes.keys().any(|c| c.is_some()) {
        return Err(EconError::Invalid(
            "event study: no unit is ever treated".into(),
        ));
    }
    let treated_rel = |i: usize| cohort[i].map(|c| time[i] - c);
    let (kmin, kmax) = match opts.window {
        Some(w) => w,
        None => {
            let ks: Vec<i64> = (0..n).filter_map(treated_rel).collect();
            (*ks.iter().min().unwrap(), *ks.iter().max().unwrap())
        }
    };
    if kmin > kmax {
        return Err(EconError::Invalid(format!(
            "event window ({kmin}, {kmax}) is empty"
        )));
    }
    // A window that misses every relative time the sample has (e.g. [60, 70] on a 40-year
    // panel) would bin all observations into its end points: refuse it.
    let observed: Vec<i64> = (0..n)
        .filter(|&i| !always[unit.codes[i] as usize])
        .filter_map(treated_rel)
        .collect();
    if let (Some(&lo), Some(&hi)) = (observed.iter().min(), observed.iter().max()) {
        if kmax < lo || kmin > hi {
            return Err(EconError::Invalid(format!(
                "event window ({kmin}, {kmax}) lies outside the sample: the treated units' \
                 relative times run from {lo} to {hi}"
            )));
        }
    }
    // Control group and sample.
    let never = cohort_sizes.contains_key(&None);
    let last_cohort = cohort_sizes.keys().filter_map(|c| *c).max();
    let (control, control_cohort) = if never || opts.method == EventMethod::Twfe {
        ("never treated".to_string(), None)
    } else {
        let lc = last_cohort.expect("a treated cohort exists");
        (format!("last-treated cohort {lc}"), Some(lc))
    };
    let mut rows = Vec::with_capacity(n);
    let mut rel: Vec<Option<i64>> = Vec::with_capacity(n);
    for i in 0..n {
        if always[unit.codes[i] as usize] {
            continue;
        }
        if let Some(lc) = control_cohort {
            // Without never-treated units, periods from the last cohort's adoption on have no
            // untreated comparison and are dropped; the last cohort serves as control.
            if time[i] >= lc {
                continue;
            }
        }
        let k = match treated_rel(i) {
            Some(_) if cohort[i] == control_cohort => None,
            Some(k) if k < kmin || k > kmax => match opts.endpoints {
                Endpoints::Drop => continue,
                Endpoints::Bin => Some(k.clamp(kmin, kmax)),
            },
            other => other,
        };
        rows.push(i);
        rel.push(k);
    }
    let ks: Vec<i64> = (kmin..=kmax)
        .filter(|k| !opts.reference.contains(k))
        .collect();
    let m = rows.len();
    // Regressors.
    let mut names: Vec<String> = Vec::new();
    let mut cols: Vec<Vec<f64>> = Vec::new();
    // For Sun–Abraham: (cohort, k) of each interaction column.
    let mut cells: Vec<(i64, i64)> = Vec::new();
    match opts.method {
        EventMethod::Twfe => {
            for &k in &ks {
                names.push(relative_time_term(k));
                cols.push(rel.iter().map(|r| (*r == Some(k)) as u8 as f64).collect());
            }
        }
        EventMethod::SunAbraham => {
            let treated_cohorts: Vec<i64> = cohort_sizes
                .keys()
                .filter_map(|c| *c)
                .filter(|c| Some(*c) != control_cohort)
                .collect();
            for &e in &treated_cohorts {
                for &k in &ks {
                    let col: Vec<f64> = rows
                        .iter()
                        .zip(&rel)
                        .map(|(&i, r)| (cohort[i] == Some(e) && *r == Some(k)) as u8 as f64)
                        .collect();
                    if col.iter().any(|&v| v != 0.0) {
                        names.push(format!("cohort{e}:{}", relative_time_term(k)));
                        cols.push(col);
                        cells.push((e, k));
                    }
                }
            }
        }
    }
    let n_event = names.len();
    if let Some(c) = controls {
        for j in 0..c.n_cols() {
            names.push(c.names()[j].clone());
            let col = c.column(j);
            cols.push(rows.iter().map(|&i| col[i]).collect());
        }
    }
    let refs: Vec<&[f64]> = cols.iter().map(|c| c.as_slice()).collect();
    let design = if refs.is_empty() {
        Design::empty(m)
    } else {
        Design::from_columns(&names, &refs)?
    };
    let y_s: Vec<f64> = rows.iter().map(|&i| y[i]).collect();
    let unit_s = unit.subset(&rows);
    let time_values: Vec<i64> = rows.iter().map(|&i| time[i]).collect();
    let time_s = Factor::from_values("time", &time_values);
    let vcov = match &opts.vcov {
        Some(v) => v.subset(&rows),
        None => VcovSpec::cluster(unit_s.clone()),
    };
    let wopts = WithinOptions {
        vcov,
        level: opts.level,
        ..Default::default()
    };
    let fit = within(&y_s, &design, &[unit_s, time_s], &wopts)?;
    let table = &fit.coefficients;
    let (effects, relative_times) = match opts.method {
        EventMethod::Twfe => {
            let mut terms = vec![];
            let mut idx = vec![];
            let mut times = vec![];
            for &k in &ks {
                if let Some(i) = table.index(&relative_time_term(k)) {
                    terms.push(relative_time_term(k));
                    idx.push(i);
                    times.push(k);
                }
            }
            (sub_table(table, &terms, &idx), times)
        }
        EventMethod::SunAbraham => {
            // Cohort shares of the treated observations at each relative time (in the
            // estimation sample), over the cells that were estimated.
            let used_rows: Vec<usize> = fit.rows.iter().map(|&r| rows[r]).collect();
            let used_rel: Vec<Option<i64>> = fit.rows.iter().map(|&r| rel[r]).collect();
            let mut terms = vec![];
            let mut times = vec![];
            let mut combos: Vec<Vec<(usize, f64)>> = vec![];
            for &k in &ks {
                let mut weights: Vec<(usize, f64)> = vec![];
                for (c, &(e, kk)) in cells.iter().enumerate() {
                    if kk != k {
                        continue;
                    }
                    let Some(ti) = table.index(&names[c]) else {
                        continue;
                    };
                    let count = used_rows
                        .iter()
                        .zip(&used_rel)
                        .filter(|(&i, r)| cohort[i] == Some(e) && **r == Some(k))
                        .count();
                    if count > 0 {
                        weights.push((ti, count as f64));
                    }
                }
                let total: f64 = weights.iter().map(|w| w.1).sum();
                if total > 0.0 {
                    weights.iter_mut().for_each(|w| w.1 /= total);
                    terms.push(relative_time_term(k));
                    times.push(k);
                    combos.push(weights);
                }
            }
            (aggregate(table, terms, &combos), times)
        }
    };
    debug_assert!(n_event >= effects.len());
    let leads: Vec<usize> = relative_times
        .iter()
        .enumerate()
        .filter(|(_, &k)| k < 0)
        .map(|(i, _)| i)
        .collect();
    let pretrend_test = effects.wald_zero(&leads);
    let effects = match opts.average_post {
        None => effects,
        Some(kmax) => {
            let idx: Vec<usize> = (0..relative_times.len())
                .filter(|&i| (0..=kmax).contains(&relative_times[i]))
                .collect();
            if kmax < 0 || idx.len() != kmax as usize + 1 {
                return Err(EconError::Invalid(format!(
                    "average_post = {kmax}: the effects at relative times 0..={kmax} are needed, \
                     but the estimated relative times are {:?} (widen the window or lower \
                     average_post)",
                    relative_times
                )));
            }
            let mut combos: Vec<Vec<(usize, f64)>> =
                (0..effects.len()).map(|i| vec![(i, 1.0)]).collect();
            let w = 1.0 / idx.len() as f64;
            combos.push(idx.iter().map(|&i| (i, w)).collect());
            let mut terms = effects.terms.clone();
            terms.push(format!("avg_p0_p{kmax}"));
            aggregate(&effects, terms, &combos)
        }
    };
    Ok(EventStudyResult {
        method: opts.method,
        effects,
        relative_times,
        pretrend_test,
        cohorts: cohort_sizes.into_iter().collect(),
        control,
        always_treated_dropped,
        n_obs: fit.n_obs,
        clusters: fit.clusters.clone(),
        regression: fit,
    })
}

fn sub_table(t: &CoefTable, terms: &[String], idx: &[usize]) -> CoefTable {
    let k = idx.len();
    let v = Mat::from_fn(k, k, |a, b| t.cov(idx[a], idx[b]));
    CoefTable::new(
        terms.to_vec(),
        idx.iter().map(|&i| t.estimate[i]).collect(),
        &v,
        t.reference,
        t.level,
    )
}

/// Linear combinations `Σ_j w_ij β_j` of a table's coefficients with their joint covariance.
fn aggregate(t: &CoefTable, terms: Vec<String>, combos: &[Vec<(usize, f64)>]) -> CoefTable {
    let k = combos.len();
    let est: Vec<f64> = combos
        .iter()
        .map(|c| {
            let r: CoefRow = t.linear_combination(c);
            r.estimate
        })
        .collect();
    let v = Mat::from_fn(k, k, |a, b| {
        let mut s = 0.0;
        for &(i, wi) in &combos[a] {
            for &(j, wj) in &combos[b] {
                s += wi * wj * t.cov(i, j);
            }
        }
        s
    });
    CoefTable::new(terms, est, &v, t.reference, t.level)
}
