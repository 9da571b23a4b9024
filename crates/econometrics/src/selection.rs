//! Selection on observables: the inverse-probability-weighted average effect on the treated
//! (ATT).
//!
//! Sanctions are not assigned at random: senders pick targets (poorer, in conflict, already
//! in crisis). When selection runs through observed pre-treatment covariates `x`, weighting
//! the untreated observations by the odds `p(x)/(1 − p(x))` of the propensity `p(x) =
//! P(D = 1 | x)` (a logit) makes them resemble the treated, and
//!
//! `ATT = mean(y | D = 1) − Σ_{D=0} ω_i y_i / Σ_{D=0} ω_i`, `ω_i = p̂_i / (1 − p̂_i)`
//!
//! (normalised, "Hájek" weights; Hirano, Imbens & Ridder 2003; Imbens & Wooldridge 2009,
//! §4.4). Applied to a change in the outcome around the treatment date (after minus before)
//! this is Abadie's (2005) semiparametric difference-in-differences. Propensities are clipped
//! to `[trim, 1 − trim]`. The standard error comes from a bootstrap that resamples clusters
//! (units) and re-estimates the propensity model in every replicate, so it includes the
//! first-stage noise; replicate `b` draws from `rng_for(seed, STREAM_IPW, b)`, so the result
//! does not depend on threads.

use crate::binary::{binary, BinaryLink, BinaryOptions};
use crate::design::Design;
use crate::error::{EconError, Result};
use crate::factor::Factor;
use crate::inference::{CoefTable, Reference};
use faer::Mat;
use rand::Rng;
use serde::Serialize;

/// The random stream of the IPW bootstrap (see `pressure_stats::rng_for`).
pub const STREAM_IPW: u64 = 0x1_9;

/// Options of [`ipw_att`].
#[derive(Debug, Clone)]
pub struct IpwOptions {
    /// Bootstrap replicates for the standard errors (0 = none).
    pub bootstrap: usize,
    /// Seed of the bootstrap draws.
    pub seed: u64,
    /// Propensities are clipped to `[trim, 1 − trim]`.
    pub trim: f64,
    /// Confidence level of the intervals (default 0.95).
    pub level: f64,
}

impl Default for IpwOptions {
    fn default() -> Self {
        IpwOptions {
            bootstrap: 199,
            seed: 0,
            trim: 0.001,
            level: 0.95,
        }
    }
}

/// Result of [`ipw_att`].
#[derive(Debug, Clone, Serialize)]
pub struct IpwResult {
    /// Terms `att` (weighted) and `naive_difference` (treated minus untreated means), with
    /// bootstrap standard errors and their bootstrap covariance.
    pub effects: CoefTable,
    /// The logit propensity model on the full sample.
    pub propensity: CoefTable,
    /// Treated observations.
    pub n_treated: usize,
    /// Untreated (control) observations.
    pub n_control: usize,
    /// Kish effective number of control observations `(Σω)² / Σω²`.
    pub effective_controls: f64,
    /// Largest share of the total control weight on one observation.
    pub max_weight_share: f64,
    /// Bootstrap replicates that were used (a replicate whose logit fails is redrawn: counted
    /// in `failed_replicates`).
    pub replicates: usize,
    /// Replicates redrawn because their logit failed.
    pub failed_replicates: usize,
}

struct Point {
    att: f64,
    naive: f64,
    ess: f64,
    max_share: f64,
    propensity: CoefTable,
}

fn point(y: &[f64], d: &[f64], x: &Design, trim: f64) -> Result<Point> {
    let fit = binary(d, x, BinaryLink::Logit, &BinaryOptions::default())?;
    let coef = &fit.coefficients;
    let names = x.names();
    let beta: Vec<(usize, f64)> = coef
        .terms
        .iter()
        .zip(&coef.estimate)
        .map(|(t, &b)| (names.iter().position(|n| n == t).expect("a design term"), b))
        .collect();
    let (mut sum_t, mut n_t) = (0.0, 0usize);
    let (mut sum_c, mut n_c) = (0.0, 0usize);
    let (mut sw, mut swy, mut sw2, mut wmax) = (0.0, 0.0, 0.0, 0.0f64);
    for i in 0..y.len() {
        if d[i] > 0.5 {
            sum_t += y[i];
            n_t += 1;
        } else {
            let xb: f64 = beta.iter().map(|&(j, b)| b * x.column(j)[i]).sum();
            let p = (1.0 / (1.0 + (-xb).exp())).clamp(trim, 1.0 - trim);
            let w = p / (1.0 - p);
            sum_c += y[i];
            n_c += 1;
            sw += w;
            swy += w * y[i];
            sw2 += w * w;
            wmax = wmax.max(w);
        }
    }
    if n_t == 0 || n_c == 0 {
        return Err(EconError::Invalid(format!(
            "inverse-probability weighting needs treated and untreated observations ({n_t} treated, {n_c} untreated)"
        )));
    }
    let mean_t = sum_t / n_t as f64;
    Ok(Point {
        att: mean_t - swy / sw,
        naive: mean_t - sum_c / n_c as f64,
        ess: sw * sw / sw2,
        max_share: wmax / sw,
        propensity: fit.coefficients,
    })
}

/// The IPW estimate of the average effect on the treated of a 0/1 treatment `treated` on `y`,
/// with the propensity a logit on the columns of `covariates` (give it an intercept). With
/// `clusters`, the bootstrap resamples whole clusters (e.g. countries).
///
/// ```
/// use pressure_econometrics::selection::{ipw_att, IpwOptions};
/// use pressure_econometrics::Design;
/// // Treatment more likely when x is high; y depends on x; the true effect is 1.
/// let n = 400;
/// let x: Vec<f64> = (0..n).map(|i| (i as f64 / n as f64) * 4.0 - 2.0).collect();
/// let d: Vec<f64> = (0..n).map(|i| ((i * 7919) % 100) as f64 / 100.0)
///     .zip(&x).map(|(u, x)| if u < 1.0 / (1.0 + (-x).exp()) { 1.0 } else { 0.0 }).collect();
/// let y: Vec<f64> = (0..n).map(|i| 2.0 * x[i] + d[i]).collect();
/// let design = Design::from_columns(&["x"], &[&x]).unwrap().with_intercept();
/// let opts = IpwOptions { bootstrap: 0, ..Default::default() };
/// let r = ipw_att(&y, &d, &design, None, &opts).unwrap();
/// let naive = r.effects.get("naive_difference").unwrap().estimate;
/// let att = r.effects.get("att").unwrap().estimate;
/// assert!((att - 1.0).abs() < (naive - 1.0).abs());
/// ```
pub fn ipw_att(
    y: &[f64],
    treated: &[f64],
    covariates: &Design,
    clusters: Option<&Factor>,
    opts: &IpwOptions,
) -> Result<IpwResult> {
    let n = y.len();
    if treated.len() != n || covariates.n_rows() != n || clusters.is_some_and(|c| c.len() != n) {
        return Err(EconError::Dimension(
            "ipw: outcome, treatment, covariates and clusters need the same rows".into(),
        ));
    }
    if let Some(i) = treated.iter().position(|&v| v != 0.0 && v != 1.0) {
        return Err(EconError::Invalid(format!(
            "ipw: the treatment must be 0 or 1, row {} has {}",
            i + 1,
            treated[i]
        )));
    }
    if !(0.0..0.5).contains(&opts.trim) {
        return Err(EconError::Invalid(format!(
            "ipw: trim = {} must be in [0, 0.5)",
            opts.trim
        )));
    }
    let full = point(y, treated, covariates, opts.trim)?;
    let n_treated = treated.iter().filter(|&&v| v > 0.5).count();
    // Bootstrap over clusters (each row its own cluster without `clusters`).
    let groups: Vec<Vec<usize>> = match clusters {
        Some(f) => {
            let mut g = vec![vec![]; f.n_levels];
            for (i, &c) in f.codes.iter().enumerate() {
                g[c as usize].push(i);
            }
            g.retain(|v| !v.is_empty());
            g
        }
        None => (0..n).map(|i| vec![i]).collect(),
    };
    let mut draws: Vec<[f64; 2]> = vec![];
    let mut failed = 0;
    let mut index = 0u64;
    while draws.len() < opts.bootstrap {
        if failed > opts.bootstrap {
            return Err(EconError::Invalid(format!(
                "ipw bootstrap: {failed} replicates failed (the propensity logit does not \
                 converge on resamples: too few treated observations or separation)"
            )));
        }
        let mut rng = pressure_stats::rng_for(opts.seed, STREAM_IPW, index);
        index += 1;
        let rows: Vec<usize> = (0..groups.len())
            .flat_map(|_| groups[rng.random_range(0..groups.len())].iter().copied())
            .collect();
        let yb: Vec<f64> = rows.iter().map(|&i| y[i]).collect();
        let db: Vec<f64> = rows.iter().map(|&i| treated[i]).collect();
        let cols: Vec<Vec<f64>> = (0..covariates.n_cols())
            .map(|j| rows.iter().map(|&i| covariates.column(j)[i]).collect())
            .collect();
        let xb = Design::from_matrix(
            covariates.names().to_vec(),
            Mat::from_fn(rows.len(), cols.len(), |i, j| cols[j][i]),
        )?;
        match point(&yb, &db, &xb, opts.trim) {
            Ok(p) => draws.push([p.att, p.naive]),
            Err(_) => failed += 1,
        }
    }
    let cov = if draws.len() > 1 {
        let b = draws.len() as f64;
        let m = [0, 1].map(|k| draws.iter().map(|d| d[k]).sum::<f64>() / b);
        Mat::from_fn(2, 2, |a, c| {
            draws
                .iter()
                .map(|d| (d[a] - m[a]) * (d[c] - m[c]))
                .sum::<f64>()
                / (b - 1.0)
        })
    } else {
        Mat::from_fn(2, 2, |_, _| f64::NAN)
    };
    let effects = CoefTable::new(
        vec!["att".into(), "naive_difference".into()],
        vec![full.att, full.naive],
        &cov,
        Reference::Normal,
        opts.level,
    );
    Ok(IpwResult {
        effects,
        propensity: full.propensity,
        n_treated,
        n_control: n - n_treated,
        effective_controls: full.ess,
        max_weight_share: full.max_share,
        replicates: draws.len(),
        failed_replicates: failed,
    })
}
