//! Synthetic control (Abadie & Gardeazabal 2003; Abadie, Diamond & Hainmueller 2010) with
//! placebo-in-space inference.
//!
//! The synthetic unit is a convex combination `W` of donor units (`W ≥ 0`, `ΣW = 1`) whose
//! predictors match the treated unit's: `W(V) = argmin (X₁ − X₀W)'V(X₁ − X₀W)`. Predictors are
//! the pre-treatment outcomes (each pre period, or a chosen subset) and optional covariates,
//! each standardised by its standard deviation across units. `V` is diagonal: equal weights,
//! or chosen (ADH's nested problem) to minimise the pre-treatment mean squared prediction error
//! of the outcome, by Nelder–Mead over the simplex (softmax parametrisation, several starts).
//!
//! The inner problem is solved exactly by an active-set method: on a candidate support the
//! equality-constrained least squares is an unconstrained one after substituting the
//! constraint, solved by the accurate QR of [`crate::linalg::lstsq`]; donors enter while the
//! KKT conditions are violated and leave when their weight would turn negative.
//!
//! Placebo in space: each donor in turn is treated as if treated, with the other donors (not
//! the treated unit) as its pool. The p-value is the share of all units whose ratio of post- to
//! pre-treatment RMSPE is at least the treated unit's (ADH 2010, section 3.3); with `J`
//! donors the smallest attainable p-value is `1/(J+1)`.

use crate::error::{EconError, Result};
use crate::linalg::lstsq::{lstsq, LstsqOptions};
use faer::Mat;
use rayon::prelude::*;
use serde::Serialize;

/// How the predictor weights `V` are chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PredictorWeights {
    /// Equal weights on the standardised predictors. The default.
    #[default]
    Equal,
    /// Minimise the pre-treatment outcome MSPE over diagonal `V` (nested optimisation).
    Optimized,
}

/// Options of [`synthetic_control`].
#[derive(Debug, Clone)]
pub struct SynthOptions {
    /// How the predictors are weighted (default equal).
    pub weights: PredictorWeights,
    /// Pre-treatment periods (indices into the time grid) whose outcomes are predictors;
    /// `None` = every pre-treatment period.
    pub outcome_predictor_periods: Option<Vec<usize>>,
    /// Run placebo-in-space inference. Default true.
    pub placebo: bool,
}

impl Default for SynthOptions {
    fn default() -> Self {
        SynthOptions {
            weights: PredictorWeights::Equal,
            outcome_predictor_periods: None,
            placebo: true,
        }
    }
}

/// Input: a balanced panel in wide form.
#[derive(Debug, Clone)]
pub struct SynthData<'a> {
    /// Unit names (treated and donors).
    pub units: &'a [String],
    /// The time grid.
    pub times: &'a [f64],
    /// `outcomes[u][t]`.
    pub outcomes: &'a [Vec<f64>],
    /// Index of the treated unit in `units`.
    pub treated: usize,
    /// First treated period (a value of `times`).
    pub treatment_time: f64,
    /// Optional covariate predictors `covariates[u][c]` (e.g. pre-period averages) and names.
    pub covariates: Option<(&'a [String], &'a [Vec<f64>])>,
}

/// One unit's placebo run.
#[derive(Debug, Clone, Serialize)]
pub struct PlaceboRun {
    /// The donor treated as if it were the treated unit.
    pub unit: String,
    /// Root mean squared gap before the treatment time, in outcome units.
    pub pre_rmspe: f64,
    /// Root mean squared gap from the treatment time on.
    pub post_rmspe: f64,
    /// `post_rmspe / pre_rmspe`.
    pub ratio: f64,
    /// The unit's gap (outcome minus its synthetic control) by period.
    pub gap: Vec<f64>,
}

/// Result of [`synthetic_control`].
#[derive(Debug, Clone, Serialize)]
pub struct SynthResult {
    /// The treated unit.
    pub treated: String,
    /// Donor weights (all donors, in input order).
    pub weights: Vec<(String, f64)>,
    /// Predictor names and weights `V`.
    pub predictor_weights: Vec<(String, f64)>,
    /// Predictor balance: name, treated value, synthetic value, donor average (unstandardised).
    pub balance: Vec<(String, f64, f64, f64)>,
    /// The time grid.
    pub times: Vec<f64>,
    /// The treated unit's outcome by period.
    pub treated_path: Vec<f64>,
    /// Its synthetic control's outcome by period (donor outcomes weighted by `weights`).
    pub synthetic_path: Vec<f64>,
    /// `treated − synthetic` by period (the estimated effect after treatment).
    pub gap: Vec<f64>,
    /// Root mean squared gap before the treatment time, in outcome units.
    pub pre_rmspe: f64,
    /// Root mean squared gap from the treatment time on.
    pub post_rmspe: f64,
    /// Mean post-treatment gap.
    pub average_effect: f64,
    /// Placebo runs (the treated unit first), when requested.
    pub placebos: Vec<PlaceboRun>,
    /// Placebo-in-space p-value of the RMSPE ratio.
    pub p_value: Option<f64>,
}

/// Estimates a synthetic control and, optionally, its placebo-in-space distribution.
pub fn synthetic_control(data: &SynthData<'_>, opts: &SynthOptions) -> Result<SynthResult> {
    let n_units = data.units.len();
    let t_len = data.times.len();
    if data.outcomes.len() != n_units || data.treated >= n_units {
        return Err(EconError::Dimension(
            "synthetic control: one outcome path per unit, and a treated unit among them".into(),
        ));
    }
    for (u, path) in data.outcomes.iter().enumerate() {
        if path.len() != t_len {
            return Err(EconError::Dimension(format!(
                "unit `{}` has {} periods, the grid {t_len}",
                data.units[u],
                path.len()
            )));
        }
        if let Some(t) = path.iter().position(|v| !v.is_finite()) {
            return Err(EconError::NonFinite {
                name: format!("outcome of unit `{}`", data.units[u]),
                row: t,
            });
        }
    }
    if n_units < 3 {
        return Err(EconError::Invalid(
            "synthetic control needs at least two donor units".into(),
        ));
    }
    let t0 = data.times.partition_point(|&t| t < data.treatment_time);
    if t0 == 0 || t0 == t_len {
        return Err(EconError::Invalid(format!(
            "treatment time {} leaves no pre- or no post-treatment period",
            data.treatment_time
        )));
    }
    let pre_periods = opts
        .outcome_predictor_periods
        .clone()
        .unwrap_or_else(|| (0..t0).collect());
    if pre_periods.iter().any(|&p| p >= t0) {
        return Err(EconError::Invalid(
            "outcome predictor periods must be before treatment".into(),
        ));
    }
    // Predictor matrix: rows = predictors, columns = units.
    let mut names: Vec<String> = pre_periods
        .iter()
        .map(|&p| format!("outcome({})", data.times[p]))
        .collect();
    let mut rows: Vec<Vec<f64>> = pre_periods
        .iter()
        .map(|&p| data.outcomes.iter().map(|o| o[p]).collect())
        .collect();
    if let Some((cov_names, cov)) = data.covariates {
        if cov.len() != n_units || cov.iter().any(|c| c.len() != cov_names.len()) {
            return Err(EconError::Dimension(
                "covariates: one value per unit and name".into(),
            ));
        }
        for (c, name) in cov_names.iter().enumerate() {
            names.push(name.clone());
            rows.push(cov.iter().map(|v| v[c]).collect());
        }
    }
    let scaled: Vec<Vec<f64>> = rows
        .iter()
        .map(|r| {
            let m = r.iter().sum::<f64>() / r.len() as f64;
            let sd = (r.iter().map(|v| (v - m).powi(2)).sum::<f64>() / (r.len() - 1) as f64).sqrt();
            let s = if sd > 0.0 { sd } else { 1.0 };
            r.iter().map(|v| v / s).collect()
        })
        .collect();
    let n_donors = n_units - 1;
    if n_donors < names.len() {
        return Err(EconError::Invalid(format!(
            "synthetic control: the donor pool has {n_donors} units, fewer than the {} \
             predictors ({}); use fewer predictor periods or covariates, or more donors",
            names.len(),
            names.join(", ")
        )));
    }
    let problem = Problem {
        predictors: &scaled,
        outcomes: data.outcomes,
        t0,
        weights: opts.weights,
    };
    let donors: Vec<usize> = (0..n_units).filter(|&u| u != data.treated).collect();
    let fit = problem.fit(data.treated, &donors)?;
    let synthetic_path: Vec<f64> = (0..t_len)
        .map(|t| {
            donors
                .iter()
                .zip(&fit.w)
                .map(|(&d, w)| w * data.outcomes[d][t])
                .sum()
        })
        .collect();
    let treated_path = data.outcomes[data.treated].clone();
    let gap: Vec<f64> = treated_path
        .iter()
        .zip(&synthetic_path)
        .map(|(a, b)| a - b)
        .collect();
    let (pre, post) = rmspe(&gap, t0);
    let mut placebos = vec![];
    let mut p_value = None;
    if opts.placebo {
        let runs: Vec<Result<PlaceboRun>> = donors
            .par_iter()
            .map(|&u| {
                let pool: Vec<usize> = donors.iter().copied().filter(|&d| d != u).collect();
                let f = problem.fit(u, &pool)?;
                let g: Vec<f64> = (0..t_len)
                    .map(|t| {
                        data.outcomes[u][t]
                            - pool
                                .iter()
                                .zip(&f.w)
                                .map(|(&d, w)| w * data.outcomes[d][t])
                                .sum::<f64>()
                    })
                    .collect();
                let (a, b) = rmspe(&g, t0);
                Ok(PlaceboRun {
                    unit: data.units[u].clone(),
                    pre_rmspe: a,
                    post_rmspe: b,
                    ratio: b / a,
                    gap: g,
                })
            })
            .collect();
        placebos.push(PlaceboRun {
            unit: data.units[data.treated].clone(),
            pre_rmspe: pre,
            post_rmspe: post,
            ratio: post / pre,
            gap: gap.clone(),
        });
        for r in runs {
            placebos.push(r?);
        }
        let own = placebos[0].ratio;
        let at_least = placebos.iter().filter(|r| r.ratio >= own).count();
        p_value = Some(at_least as f64 / placebos.len() as f64);
    }
    let balance = names
        .iter()
        .enumerate()
        .map(|(r, name)| {
            let treated = rows[r][data.treated];
            let synth = donors
                .iter()
                .zip(&fit.w)
                .map(|(&d, w)| w * rows[r][d])
                .sum();
            let mean = donors.iter().map(|&d| rows[r][d]).sum::<f64>() / donors.len() as f64;
            (name.clone(), treated, synth, mean)
        })
        .collect();
    let average_effect = gap[t0..].iter().sum::<f64>() / (t_len - t0) as f64;
    Ok(SynthResult {
        treated: data.units[data.treated].clone(),
        weights: donors
            .iter()
            .zip(&fit.w)
            .map(|(&d, &w)| (data.units[d].clone(), w))
            .collect(),
        predictor_weights: names.into_iter().zip(fit.v).collect(),
        balance,
        times: data.times.to_vec(),
        treated_path,
        synthetic_path,
        gap,
        pre_rmspe: pre,
        post_rmspe: post,
        average_effect,
        placebos,
        p_value,
    })
}

fn rmspe(gap: &[f64], t0: usize) -> (f64, f64) {
    let ms = |s: &[f64]| (s.iter().map(|g| g * g).sum::<f64>() / s.len() as f64).sqrt();
    (ms(&gap[..t0]), ms(&gap[t0..]))
}

struct Problem<'a> {
    /// standardised predictors, rows = predictors, columns = units
    predictors: &'a [Vec<f64>],
    outcomes: &'a [Vec<f64>],
    t0: usize,
    weights: PredictorWeights,
}

struct Fitted {
    w: Vec<f64>,
    v: Vec<f64>,
}

impl Problem<'_> {
    fn fit(&self, treated: usize, donors: &[usize]) -> Result<Fitted> {
        let m = self.predictors.len();
        let equal = vec![1.0 / m as f64; m];
        let w_equal = self.weights_for(&equal, treated, donors)?;
        if self.weights == PredictorWeights::Equal || m == 1 {
            return Ok(Fitted {
                w: w_equal,
                v: equal,
            });
        }
        // Nested problem: V on the simplex via softmax of m − 1 free parameters.
        let to_v = |z: &[f64]| -> Vec<f64> {
            let mut e: Vec<f64> = std::iter::once(0.0).chain(z.iter().copied()).collect();
            let mx = e.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            e.iter_mut().for_each(|x| *x = (*x - mx).exp());
            let s: f64 = e.iter().sum();
            e.iter().map(|x| x / s).collect()
        };
        let loss = |z: &[f64]| -> f64 {
            match self.weights_for(&to_v(z), treated, donors) {
                Ok(w) => self.pre_mspe(&w, treated, donors),
                Err(_) => f64::INFINITY,
            }
        };
        let mut best_z = vec![0.0; m - 1];
        let mut best = loss(&best_z);
        // Starts: equal V, and V proportional to each predictor's squared correlation-free
        // scale (one-hot-ish starts for the first few predictors).
        let mut starts = vec![vec![0.0; m - 1]];
        for j in 0..(m - 1).min(4) {
            let mut z = vec![-2.0; m - 1];
            z[j] = 2.0;
            starts.push(z);
        }
        for s in starts {
            let (z, f) = nelder_mead(&loss, &s, 0.5, 150 * m);
            if f < best {
                best = f;
                best_z = z;
            }
        }
        let v = to_v(&best_z);
        let w = self.weights_for(&v, treated, donors)?;
        Ok(Fitted { w, v })
    }

    fn pre_mspe(&self, w: &[f64], treated: usize, donors: &[usize]) -> f64 {
        (0..self.t0)
            .map(|t| {
                let s: f64 = donors
                    .iter()
                    .zip(w)
                    .map(|(&d, wd)| wd * self.outcomes[d][t])
                    .sum();
                (self.outcomes[treated][t] - s).powi(2)
            })
            .sum::<f64>()
            / self.t0 as f64
    }

    fn weights_for(&self, v: &[f64], treated: usize, donors: &[usize]) -> Result<Vec<f64>> {
        let m = self.predictors.len();
        let a = Mat::from_fn(m, donors.len(), |r, c| {
            v[r].sqrt() * self.predictors[r][donors[c]]
        });
        let b: Vec<f64> = (0..m)
            .map(|r| v[r].sqrt() * self.predictors[r][treated])
            .collect();
        simplex_least_squares(&a, &b)
    }
}

/// `argmin ‖A w − b‖²` subject to `w ≥ 0`, `Σ w = 1`, by an active-set method.
///
/// ```
/// use faer::Mat;
/// use pressure_econometrics::synth::simplex_least_squares;
/// // b = 0.25 a₁ + 0.75 a₂ exactly
/// let a = Mat::from_fn(3, 3, |r, c| [[1.0, 0.0, 5.0], [0.0, 1.0, 5.0], [1.0, 1.0, 0.0]][r][c]);
/// let b = [0.25, 0.75, 1.0];
/// let w = simplex_least_squares(&a, &b).unwrap();
/// assert!((w[0] - 0.25).abs() < 1e-12 && (w[1] - 0.75).abs() < 1e-12 && w[2] == 0.0);
/// ```
pub fn simplex_least_squares(a: &Mat<f64>, b: &[f64]) -> Result<Vec<f64>> {
    let (m, j) = a.shape();
    if j == 0 {
        return Err(EconError::Invalid("no donors".into()));
    }
    let residual = |w: &[f64]| -> Vec<f64> {
        (0..m)
            .map(|r| b[r] - (0..j).map(|c| a[(r, c)] * w[c]).sum::<f64>())
            .collect()
    };
    let sse = |w: &[f64]| residual(w).iter().map(|e| e * e).sum::<f64>();
    // Start at the best single donor.
    let start = (0..j)
        .min_by(|&x, &y| {
            let mut ex = vec![0.0; j];
            ex[x] = 1.0;
            let mut ey = vec![0.0; j];
            ey[y] = 1.0;
            sse(&ex).total_cmp(&sse(&ey))
        })
        .unwrap_or(0);
    let mut w = vec![0.0; j];
    w[start] = 1.0;
    let mut active = vec![false; j];
    active[start] = true;
    let scale = (0..m)
        .map(|r| (0..j).map(|c| a[(r, c)].abs()).fold(b[r].abs(), f64::max))
        .fold(0.0, f64::max)
        .max(1e-300);
    for _ in 0..(10 * j + 100) {
        // Gradient of ½‖Aw − b‖²: g = −A'(b − Aw). KKT: g_i = μ on the support, g_j ≥ μ off it.
        let res = residual(&w);
        let g: Vec<f64> = (0..j)
            .map(|c| -(0..m).map(|r| a[(r, c)] * res[r]).sum::<f64>())
            .collect();
        let support: Vec<usize> = (0..j).filter(|&c| active[c]).collect();
        let mu = support.iter().map(|&c| g[c]).sum::<f64>() / support.len() as f64;
        let tol = 1e-12 * scale * scale * (m as f64);
        let entering = (0..j)
            .filter(|&c| !active[c])
            .min_by(|&x, &y| g[x].total_cmp(&g[y]))
            .filter(|&c| g[c] - mu < -tol);
        let Some(enter) = entering else {
            break;
        };
        active[enter] = true;
        // Inner loop: solve on the support; step back while weights would go negative.
        loop {
            let support: Vec<usize> = (0..j).filter(|&c| active[c]).collect();
            let z = support_solution(a, b, &support)?;
            if z.iter().all(|&v| v > 0.0) {
                w.iter_mut().for_each(|x| *x = 0.0);
                for (&c, &v) in support.iter().zip(&z) {
                    w[c] = v;
                }
                break;
            }
            let mut alpha = 1.0;
            for (&c, &v) in support.iter().zip(&z) {
                if v <= 0.0 {
                    let denom = w[c] - v;
                    if denom > 0.0 {
                        alpha = f64::min(alpha, w[c] / denom);
                    }
                }
            }
            for (&c, &v) in support.iter().zip(&z) {
                w[c] += alpha * (v - w[c]);
            }
            for &c in &support {
                if w[c] <= 1e-15 {
                    w[c] = 0.0;
                    active[c] = false;
                }
            }
            if !active.iter().any(|&x| x) {
                return Err(EconError::Invalid(
                    "synthetic control weights: active set emptied".into(),
                ));
            }
        }
    }
    let s: f64 = w.iter().sum();
    Ok(w.into_iter().map(|x| x / s).collect())
}

/// Least squares on the support with `Σw = 1` substituted out (`w_r = 1 − Σ others`).
fn support_solution(a: &Mat<f64>, b: &[f64], support: &[usize]) -> Result<Vec<f64>> {
    let m = a.nrows();
    let r = support[0];
    if support.len() == 1 {
        return Ok(vec![1.0]);
    }
    let others = &support[1..];
    let x = Mat::from_fn(m, others.len(), |i, c| a[(i, others[c])] - a[(i, r)]);
    let y: Vec<f64> = (0..m).map(|i| b[i] - a[(i, r)]).collect();
    let opts = LstsqOptions {
        precision: crate::linalg::lstsq::Precision::Fast,
        ..Default::default()
    };
    let fit = lstsq(x.as_ref(), &y, &opts)?;
    let mut z_others = vec![0.0; others.len()];
    for (c, &k) in fit.kept.iter().enumerate() {
        z_others[k] = fit.coef[c];
    }
    let first = 1.0 - z_others.iter().sum::<f64>();
    Ok(std::iter::once(first).chain(z_others).collect())
}

/// Minimises `f` by Nelder–Mead from `x0` with initial step `step`.
fn nelder_mead(
    f: &dyn Fn(&[f64]) -> f64,
    x0: &[f64],
    step: f64,
    max_eval: usize,
) -> (Vec<f64>, f64) {
    let n = x0.len();
    let mut simplex: Vec<Vec<f64>> = vec![x0.to_vec()];
    for i in 0..n {
        let mut x = x0.to_vec();
        x[i] += step;
        simplex.push(x);
    }
    let mut values: Vec<f64> = simplex.iter().map(|x| f(x)).collect();
    let mut evals = n + 1;
    while evals < max_eval {
        let mut order: Vec<usize> = (0..=n).collect();
        order.sort_by(|&a, &b| values[a].total_cmp(&values[b]));
        simplex = order.iter().map(|&i| simplex[i].clone()).collect();
        values = order.iter().map(|&i| values[i]).collect();
        if (values[n] - values[0]).abs() <= 1e-12 * values[0].abs().max(1e-300) {
            break;
        }
        let centroid: Vec<f64> = (0..n)
            .map(|d| simplex[..n].iter().map(|x| x[d]).sum::<f64>() / n as f64)
            .collect();
        let along = |t: f64| -> Vec<f64> {
            (0..n)
                .map(|d| centroid[d] + t * (simplex[n][d] - centroid[d]))
                .collect()
        };
        let xr = along(-1.0);
        let fr = f(&xr);
        evals += 1;
        if fr < values[0] {
            let xe = along(-2.0);
            let fe = f(&xe);
            evals += 1;
            if fe < fr {
                simplex[n] = xe;
                values[n] = fe;
            } else {
                simplex[n] = xr;
                values[n] = fr;
            }
        } else if fr < values[n - 1] {
            simplex[n] = xr;
            values[n] = fr;
        } else {
            let xc = if fr < values[n] {
                along(-0.5)
            } else {
                along(0.5)
            };
            let fc = f(&xc);
            evals += 1;
            if fc < values[n].min(fr) {
                simplex[n] = xc;
                values[n] = fc;
            } else {
                for i in 1..=n {
                    for d in 0..n {
                        simplex[i][d] = simplex[0][d] + 0.5 * (simplex[i][d] - simplex[0][d]);
                    }
                    values[i] = f(&simplex[i]);
                }
                evals += n;
            }
        }
    }
    let best = (0..=n)
        .min_by(|&a, &b| values[a].total_cmp(&values[b]))
        .unwrap_or(0);
    (simplex[best].clone(), values[best])
}
