//! Variance estimators: classical, heteroskedasticity-robust (HC0–HC3), cluster-robust
//! (one-way and multiway, with named small-sample corrections), Newey–West HAC and
//! Driscoll–Kraay.
//!
//! Every robust variance is a sandwich `c · B M B` with bread `B` (the inverse Hessian, for
//! least squares `(X'X)⁻¹` of the design actually used, i.e. demeaned when fixed effects are
//! absorbed) and meat `M = Σ_g s_g s_g'` built from per-observation scores `s_i` (for least
//! squares `x_i e_i`). What the factor `c` is, exactly, is the point of
//! [`ClusterCorrection`]: packages differ by up to 13 % on the same data only because of it.

use crate::error::{EconError, Result};
use crate::factor::Factor;
use crate::inference::Reference;
use crate::linalg::sym::{clip_negative_eigenvalues, sandwich};
use faer::{Mat, MatRef};
use serde::{Deserialize, Serialize};

/// Heteroskedasticity-robust variants (MacKinnon & White 1985).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum HcKind {
    /// `M = Σ e_i² x_i x_i'`, `c = 1`.
    Hc0,
    /// HC0 times `N/(N−K)`; K counts absorbed fixed effects too (Stata `robust`).
    Hc1,
    /// `e_i²/(1−h_ii)`; OLS without absorbed fixed effects only.
    Hc2,
    /// `e_i²/(1−h_ii)²`; OLS without absorbed fixed effects only.
    Hc3,
}

/// The small-sample factor `c` of a cluster-robust variance. `N` observations, `G` clusters,
/// `k` estimated slopes (including an intercept when the design has one), `F` = the rank of
/// the absorbed fixed-effect dummies (levels minus redundancies; `F = 0` without fixed
/// effects), `F_nested` = the levels of fixed effects nested in a cluster variable.
///
/// | variant | `c` | who uses it |
/// |---|---|---|
/// | `Cr0` | 1 | — |
/// | `GroupOnly` | `G/(G−1)` | — |
/// | `Cr1Slopes` | `G/(G−1)·(N−1)/(N−k)` | ignores absorbed effects entirely |
/// | `Cr1Nested` | `G/(G−1)·(N−1)/(N−k−(F−F_nested))` | reghdfe, fixest (`fixef.K = "nested"`); the default |
/// | `Cr1Lsdv` | `G/(G−1)·(N−1)/(N−k−F)` | Stata `regress` / statsmodels OLS with dummy columns, linearmodels `group_debias=True` |
/// | `LinearmodelsDefault` | `N/(N−k−F)` (no `G/(G−1)`), but `N/(N−k)` when the model has exactly one fixed effect and it is nested in every cluster variable | linearmodels 7.1 `PanelOLS(...).fit(cov_type="clustered")` (its `debiased=True`, `auto_df=True` defaults) |
///
/// Without fixed effects `Cr1Slopes`, `Cr1Nested` and `Cr1Lsdv` coincide (Stata's and
/// statsmodels' CR1). For multiway clustering see [`MultiwayDf`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ClusterCorrection {
    /// No correction (`c` = 1).
    Cr0,
    /// `G/(G−1)` only.
    GroupOnly,
    /// CR1 counting the slopes only.
    Cr1Slopes,
    /// CR1 counting fixed effects not nested in a cluster. The default.
    #[default]
    Cr1Nested,
    /// CR1 counting every fixed-effect level, as with dummy columns.
    Cr1Lsdv,
    /// linearmodels 7.1's `PanelOLS` clustered default (see the table).
    LinearmodelsDefault,
}

/// Which `G` enters `G/(G−1)` in each term of a multiway (Cameron–Gelbach–Miller) variance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MultiwayDf {
    /// The smallest number of clusters among the cluster variables, in every term (fixest's
    /// default `cluster.df = "min"`). The default.
    #[default]
    Minimum,
    /// Each term's own number of clusters (Cameron, Gelbach & Miller 2011; reghdfe).
    Each,
}

/// How to estimate the variance of the coefficients.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum VcovSpec {
    /// `s²(X'X)⁻¹` with `s² = RSS/(N−k−F)`.
    #[default]
    Classical,
    /// Heteroskedasticity-robust.
    Hetero(HcKind),
    /// Cluster-robust on one or more cluster variables (several: multiway, by
    /// inclusion–exclusion over their intersections).
    Cluster {
        /// The cluster variables, one per dimension, over the estimation rows.
        clusters: Vec<Factor>,
        /// The small-sample factor.
        correction: ClusterCorrection,
        /// Which `G` enters `G/(G−1)` with several cluster variables.
        multiway: MultiwayDf,
        /// Clip negative eigenvalues of a multiway variance to zero (CGM 2011). Default on.
        psd_fix: bool,
    },
    /// Newey–West with Bartlett weights `1 − l/(L+1)`, rows in time order. `df_correction`
    /// multiplies by `N/(N−k)` (Stata `newey`); statsmodels' default is without.
    NeweyWest {
        /// The lag truncation `L`.
        lags: usize,
        /// Multiply by `N/(N−k)`.
        df_correction: bool,
    },
    /// Driscoll–Kraay: scores summed within each period, then Newey–West across periods
    /// (`time` gives each row's period; any order).
    DriscollKraay {
        /// Each row's period.
        time: Vec<f64>,
        /// The lag truncation across periods.
        lags: usize,
    },
}

impl VcovSpec {
    /// One-way cluster-robust with the default correction.
    pub fn cluster(by: Factor) -> VcovSpec {
        VcovSpec::Cluster {
            clusters: vec![by],
            correction: ClusterCorrection::default(),
            multiway: MultiwayDf::default(),
            psd_fix: true,
        }
    }

    /// One-way cluster-robust with a named correction.
    pub fn cluster_with(by: Factor, correction: ClusterCorrection) -> VcovSpec {
        VcovSpec::Cluster {
            clusters: vec![by],
            correction,
            multiway: MultiwayDf::default(),
            psd_fix: true,
        }
    }

    /// Human-readable description for tables and manifests.
    pub fn describe(&self) -> String {
        match self {
            VcovSpec::Classical => "classical".into(),
            VcovSpec::Hetero(k) => format!("{k:?}").to_uppercase(),
            VcovSpec::Cluster {
                clusters,
                correction,
                ..
            } => format!(
                "cluster({}) {}",
                clusters
                    .iter()
                    .map(|c| c.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
                serde_json::to_value(correction)
                    .ok()
                    .and_then(|v| v.as_str().map(String::from))
                    .unwrap_or_default()
            ),
            VcovSpec::NeweyWest { lags, .. } => format!("Newey-West HAC ({lags} lags)"),
            VcovSpec::DriscollKraay { lags, .. } => format!("Driscoll-Kraay ({lags} lags)"),
        }
    }
}

/// Degrees-of-freedom facts a variance estimator needs.
#[derive(Debug, Clone, Copy)]
pub(crate) struct DofFacts<'a> {
    pub n: usize,
    /// Estimated slopes (kept columns, including an intercept column if present).
    pub k: usize,
    /// Rank of the absorbed fixed-effect dummies (0 without).
    pub fe_rank: usize,
    /// The absorbed fixed effects (for the nesting test of `Cr1Nested`).
    pub fe: &'a [Factor],
}

/// What a variance estimator returns.
#[derive(Debug, Clone)]
pub(crate) struct VcovOut {
    pub vcov: Mat<f64>,
    pub reference: Reference,
    pub clusters: Vec<(String, usize)>,
    pub psd_fixed: bool,
}

/// Least-squares variance: `x` is the design used (n × k), `resid` the residuals, `bread`
/// `(X'X)⁻¹`, `rss` the residual sum of squares.
pub(crate) fn least_squares_vcov(
    spec: &VcovSpec,
    x: MatRef<'_, f64>,
    resid: &[f64],
    bread: &Mat<f64>,
    rss: f64,
    dof: DofFacts<'_>,
) -> Result<VcovOut> {
    let DofFacts { n, k, fe_rank, .. } = dof;
    let df_resid = n as f64 - k as f64 - fe_rank as f64;
    if df_resid <= 0.0 {
        return Err(EconError::TooFewObservations { n, k: k + fe_rank });
    }
    let t_resid = Reference::StudentT { df: df_resid };
    match spec {
        VcovSpec::Classical => {
            let s2 = rss / df_resid;
            Ok(VcovOut {
                vcov: Mat::from_fn(k, k, |i, j| s2 * bread[(i, j)]),
                reference: t_resid,
                clusters: vec![],
                psd_fixed: false,
            })
        }
        VcovSpec::Hetero(kind) => {
            let weights: Vec<f64> = match kind {
                HcKind::Hc0 | HcKind::Hc1 => resid.iter().map(|e| e * e).collect(),
                HcKind::Hc2 | HcKind::Hc3 => {
                    if fe_rank > 0 {
                        return Err(EconError::Invalid(
                            "HC2/HC3 need the leverage of the absorbed fixed effects; \
                             use HC1 or cluster-robust standard errors with fixed effects"
                                .into(),
                        ));
                    }
                    let power = if *kind == HcKind::Hc2 { 1 } else { 2 };
                    (0..n)
                        .map(|i| {
                            let h = leverage(x, bread, i);
                            resid[i] * resid[i] / (1.0 - h).powi(power)
                        })
                        .collect()
                }
            };
            let meat = weighted_cross(x, &weights);
            let c = if *kind == HcKind::Hc1 {
                n as f64 / df_resid
            } else {
                1.0
            };
            let mut v = sandwich(bread.as_ref(), meat.as_ref());
            scale(&mut v, c);
            Ok(VcovOut {
                vcov: v,
                reference: t_resid,
                clusters: vec![],
                psd_fixed: false,
            })
        }
        _ => {
            let scores = least_squares_scores(x, resid);
            score_vcov(spec, scores.as_ref(), bread, dof, Some(df_resid))
        }
    }
}

/// `x_i e_i` as an n × k matrix.
pub(crate) fn least_squares_scores(x: MatRef<'_, f64>, resid: &[f64]) -> Mat<f64> {
    let (n, k) = x.shape();
    let mut s = Mat::<f64>::zeros(n, k);
    for j in 0..k {
        let col = x.col(j);
        let out = s.col_as_slice_mut(j);
        for ((o, &xv), &e) in out.iter_mut().zip(col.iter()).zip(resid) {
            *o = xv * e;
        }
    }
    s
}

/// Robust variance from per-observation scores (cluster, HAC, Driscoll–Kraay, and HC0 for
/// maximum-likelihood models). `df_resid` is `Some` for least squares (t reference for HAC)
/// and `None` for likelihood models (normal reference).
pub(crate) fn score_vcov(
    spec: &VcovSpec,
    scores: MatRef<'_, f64>,
    bread: &Mat<f64>,
    dof: DofFacts<'_>,
    df_resid: Option<f64>,
) -> Result<VcovOut> {
    let k = scores.ncols();
    let n = dof.n;
    match spec {
        VcovSpec::Classical => Ok(VcovOut {
            vcov: bread.clone(),
            reference: df_resid.map_or(Reference::Normal, |df| Reference::StudentT { df }),
            clusters: vec![],
            psd_fixed: false,
        }),
        VcovSpec::Hetero(kind) => {
            let ones = vec![1.0; n];
            let meat = weighted_cross(scores, &ones);
            let mut v = sandwich(bread.as_ref(), meat.as_ref());
            match kind {
                HcKind::Hc0 => {}
                HcKind::Hc1 => scale(&mut v, n as f64 / (n as f64 - dof.k as f64)),
                _ => {
                    return Err(EconError::Invalid(
                        "HC2/HC3 are defined for least squares only; use HC0 or HC1".into(),
                    ))
                }
            }
            Ok(VcovOut {
                vcov: v,
                reference: Reference::Normal,
                clusters: vec![],
                psd_fixed: false,
            })
        }
        VcovSpec::Cluster {
            clusters,
            correction,
            multiway,
            psd_fix,
        } => cluster_vcov(
            clusters,
            *correction,
            *multiway,
            *psd_fix,
            scores,
            bread,
            dof,
            df_resid.is_some(),
        ),
        VcovSpec::NeweyWest {
            lags,
            df_correction,
        } => {
            let meat = newey_west_meat(scores, *lags);
            let mut v = sandwich(bread.as_ref(), meat.as_ref());
            if *df_correction {
                scale(&mut v, n as f64 / (n as f64 - k as f64));
            }
            Ok(VcovOut {
                vcov: v,
                reference: df_resid.map_or(Reference::Normal, |df| Reference::StudentT { df }),
                clusters: vec![],
                psd_fixed: false,
            })
        }
        VcovSpec::DriscollKraay { time, lags } => {
            if time.len() != n {
                return Err(EconError::Dimension(format!(
                    "{} time values for {} observations",
                    time.len(),
                    n
                )));
            }
            let mut periods: Vec<f64> = time.clone();
            periods.sort_by(f64::total_cmp);
            periods.dedup();
            let t = periods.len();
            let mut summed = Mat::<f64>::zeros(t, k);
            for (i, &tv) in time.iter().enumerate() {
                let p = periods.partition_point(|&q| q < tv);
                for j in 0..k {
                    summed[(p, j)] += scores[(i, j)];
                }
            }
            let meat = newey_west_meat(summed.as_ref(), *lags);
            let v = sandwich(bread.as_ref(), meat.as_ref());
            Ok(VcovOut {
                vcov: v,
                reference: Reference::StudentT {
                    df: (t as f64 - 1.0).max(1.0),
                },
                clusters: vec![("time".into(), t)],
                psd_fixed: false,
            })
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn cluster_vcov(
    clusters: &[Factor],
    correction: ClusterCorrection,
    multiway: MultiwayDf,
    psd_fix: bool,
    scores: MatRef<'_, f64>,
    bread: &Mat<f64>,
    dof: DofFacts<'_>,
    least_squares: bool,
) -> Result<VcovOut> {
    let n = dof.n;
    if clusters.is_empty() {
        return Err(EconError::Invalid(
            "cluster-robust variance needs a cluster variable".into(),
        ));
    }
    for c in clusters {
        if c.len() != n {
            return Err(EconError::Dimension(format!(
                "cluster variable `{}` has {} values for {} observations",
                c.name,
                c.len(),
                n
            )));
        }
        if c.n_levels < 2 {
            return Err(EconError::SingleCluster {
                name: c.name.clone(),
            });
        }
    }
    let g_min = clusters.iter().map(|c| c.n_levels).min().unwrap_or(0);
    // K of the (N−1)/(N−K) factor.
    let nested_levels: usize = dof
        .fe
        .iter()
        .filter(|f| clusters.iter().any(|c| f.is_nested_in(c)))
        .map(|f| f.n_levels)
        .sum();
    let n_f = n as f64;
    let k_f = dof.k as f64;
    let k_lsdv = k_f + dof.fe_rank as f64;
    let k_nested = k_f + dof.fe_rank.saturating_sub(nested_levels) as f64;
    // linearmodels' auto_df: a single effect nested in every cluster variable is not counted.
    let k_linearmodels = match dof.fe {
        [only] if clusters.iter().all(|c| only.is_nested_in(c)) => k_f,
        _ => k_lsdv,
    };
    let factor = |g: usize| -> f64 {
        let g = match multiway {
            MultiwayDf::Minimum => g_min,
            MultiwayDf::Each => g,
        } as f64;
        let gg = g / (g - 1.0);
        if !least_squares {
            // Likelihood models: only the G/(G−1) part is meaningful.
            return match correction {
                ClusterCorrection::Cr0 | ClusterCorrection::LinearmodelsDefault => 1.0,
                _ => gg,
            };
        }
        match correction {
            ClusterCorrection::Cr0 => 1.0,
            ClusterCorrection::GroupOnly => gg,
            ClusterCorrection::Cr1Slopes => gg * (n_f - 1.0) / (n_f - k_f),
            ClusterCorrection::Cr1Nested => gg * (n_f - 1.0) / (n_f - k_nested),
            ClusterCorrection::Cr1Lsdv => gg * (n_f - 1.0) / (n_f - k_lsdv),
            ClusterCorrection::LinearmodelsDefault => n_f / (n_f - k_linearmodels),
        }
    };
    let k = scores.ncols();
    let mut total = Mat::<f64>::zeros(k, k);
    // Inclusion–exclusion over non-empty subsets of the cluster variables.
    let m = clusters.len();
    for mask in 1u32..(1u32 << m) {
        let members: Vec<&Factor> = (0..m)
            .filter(|i| mask & (1 << i) != 0)
            .map(|i| &clusters[i])
            .collect();
        let mut f = members[0].clone();
        for other in &members[1..] {
            f = f.interact(other);
        }
        let meat = cluster_meat(scores, &f.codes, f.n_levels);
        let mut v = sandwich(bread.as_ref(), meat.as_ref());
        let sign = if members.len() % 2 == 1 { 1.0 } else { -1.0 };
        scale(&mut v, sign * factor(f.n_levels));
        total += &v;
    }
    let mut psd_fixed = false;
    if m > 1 && psd_fix {
        let (fixed, changed) = clip_negative_eigenvalues(total.as_ref());
        total = fixed;
        psd_fixed = changed;
    }
    Ok(VcovOut {
        vcov: total,
        reference: if least_squares {
            Reference::StudentT {
                df: (g_min - 1) as f64,
            }
        } else {
            Reference::Normal
        },
        clusters: clusters
            .iter()
            .map(|c| (c.name.clone(), c.n_levels))
            .collect(),
        psd_fixed,
    })
}

/// `Σ_g s_g s_g'` with `s_g` the score sum of cluster `g`.
pub(crate) fn cluster_meat(scores: MatRef<'_, f64>, codes: &[u32], g: usize) -> Mat<f64> {
    let k = scores.ncols();
    let mut sums = Mat::<f64>::zeros(g, k);
    for j in 0..k {
        let col = scores.col(j);
        for (&c, &s) in codes.iter().zip(col.iter()) {
            sums[(c as usize, j)] += s;
        }
    }
    sums.transpose() * &sums
}

/// `Σ_t s_t s_t' + Σ_{l=1..L} (1 − l/(L+1)) Σ_t (s_t s_{t−l}' + s_{t−l} s_t')`.
pub(crate) fn newey_west_meat(scores: MatRef<'_, f64>, lags: usize) -> Mat<f64> {
    let (t, k) = scores.shape();
    let mut meat = scores.transpose() * scores;
    for l in 1..=lags.min(t.saturating_sub(1)) {
        let w = 1.0 - l as f64 / (lags as f64 + 1.0);
        let a = scores.subrows(l, t - l);
        let b = scores.subrows(0, t - l);
        let gamma = a.transpose() * b;
        for i in 0..k {
            for j in 0..k {
                meat[(i, j)] += w * (gamma[(i, j)] + gamma[(j, i)]);
            }
        }
    }
    meat
}

fn weighted_cross(x: MatRef<'_, f64>, w: &[f64]) -> Mat<f64> {
    let (_, k) = x.shape();
    let mut out = Mat::<f64>::zeros(k, k);
    for a in 0..k {
        let ca = x.col(a);
        for b in a..k {
            let cb = x.col(b);
            let s: f64 = ca
                .iter()
                .zip(cb.iter())
                .zip(w)
                .map(|((&u, &v), &wi)| u * v * wi)
                .sum();
            out[(a, b)] = s;
            out[(b, a)] = s;
        }
    }
    out
}

fn leverage(x: MatRef<'_, f64>, bread: &Mat<f64>, i: usize) -> f64 {
    let k = x.ncols();
    let mut h = 0.0;
    for a in 0..k {
        let xa = x[(i, a)];
        for b in 0..k {
            h += xa * bread[(a, b)] * x[(i, b)];
        }
    }
    h
}

fn scale(m: &mut Mat<f64>, c: f64) {
    let (r, cdim) = m.shape();
    for j in 0..cdim {
        for i in 0..r {
            m[(i, j)] *= c;
        }
    }
}

impl VcovSpec {
    /// The same estimator restricted to some rows (cluster and time variables subset).
    pub fn subset(&self, rows: &[usize]) -> VcovSpec {
        match self {
            VcovSpec::Cluster {
                clusters,
                correction,
                multiway,
                psd_fix,
            } => VcovSpec::Cluster {
                clusters: clusters.iter().map(|c| c.subset(rows)).collect(),
                correction: *correction,
                multiway: *multiway,
                psd_fix: *psd_fix,
            },
            VcovSpec::DriscollKraay { time, lags } => VcovSpec::DriscollKraay {
                time: rows.iter().map(|&i| time[i]).collect(),
                lags: *lags,
            },
            other => other.clone(),
        }
    }
}
