//! Test posteriors with known answers, for the samplers' tests and benchmark
//! (`cargo run --release -p pressure-calibrate --example sampler_benchmark`):
//!
//! | target | dimension | what makes it hard | the known answer from |
//! |---|---|---|---|
//! | [`CorrelatedGaussian`] | any ≥ 8 | condition number 10⁴, a random rotation, three pairs with ρ = 0.99 | closed form |
//! | [`Hierarchical`] | 7 | partial pooling of 5 groups (8-schools style); the centred form is a funnel | 2-d quadrature |
//! | [`Banana`] | any ≥ 2 | Haario et al. (1999) twisted Gaussian: curved ridge | closed form and 1-d quadrature |
//!
//! Each gives [`Known`] moments and quantiles per coordinate and the [`Initial`] distribution
//! the benchmark starts from: centred at the known mean with the known *marginal* variances
//! (no correlations) inflated 2², the analogue of starting at an estimate with its standard
//! errors.

use super::{Initial, LogDensity};
use pressure_stats::rng_for;
use rand::Rng;
use rand_distr::StandardNormal;
use statrs::distribution::{Continuous, ContinuousCDF, Normal};

/// Known posterior moments and quantiles per coordinate.
#[derive(Debug, Clone, PartialEq)]
pub struct Known {
    pub mean: Vec<f64>,
    pub sd: Vec<f64>,
    /// 2.5 %, 50 % and 97.5 % quantiles.
    pub quantiles: Vec<[f64; 3]>,
}

impl Known {
    /// The benchmark's starting distribution: `N(mean, 2²·diag(sd²))`.
    pub fn initial(&self) -> Initial {
        let d = self.mean.len();
        let mut cov = vec![0.0; d * d];
        for i in 0..d {
            cov[i * d + i] = self.sd[i] * self.sd[i];
        }
        Initial::Gaussian {
            mean: self.mean.clone(),
            cov,
            scale: 2.0,
        }
    }
}

/// A Gaussian `N(μ, Σ)` with condition number 10⁴ and strong correlations: `Σ` is
/// block-diagonal, a randomly rotated block `QΛQᵀ` of dimension `d − 6` with eigenvalues
/// log-spaced over [1, 10⁴], and three pairs with correlation 0.99 and standard deviations
/// 10, 30 and 70 (eigenvalues inside the same range). `μ_i = i`.
#[derive(Debug, Clone)]
pub struct CorrelatedGaussian {
    mean: Vec<f64>,
    cov: Vec<f64>,
    precision: Vec<f64>,
}

impl CorrelatedGaussian {
    /// `d ≥ 8`; the rotation comes from `seed`.
    pub fn new(d: usize, seed: u64) -> Self {
        assert!(d >= 8, "CorrelatedGaussian needs d >= 8");
        let k = d - 6;
        // Random orthogonal Q: Gram–Schmidt on Gaussian columns.
        let mut rng = rng_for(seed, 0x7e57, 0);
        let mut q: Vec<Vec<f64>> = Vec::with_capacity(k);
        while q.len() < k {
            let mut v: Vec<f64> = (0..k).map(|_| rng.sample(StandardNormal)).collect();
            for _ in 0..2 {
                for u in &q {
                    let dot: f64 = v.iter().zip(u).map(|(a, b)| a * b).sum();
                    for (a, b) in v.iter_mut().zip(u) {
                        *a -= dot * b;
                    }
                }
            }
            let norm = v.iter().map(|a| a * a).sum::<f64>().sqrt();
            if norm > 1e-8 {
                q.push(v.iter().map(|a| a / norm).collect());
            }
        }
        let lambda: Vec<f64> = (0..k)
            .map(|i| 10f64.powf(4.0 * i as f64 / (k - 1) as f64))
            .collect();
        let mut cov = vec![0.0; d * d];
        let mut precision = vec![0.0; d * d];
        for i in 0..k {
            for j in 0..k {
                let (mut c, mut p) = (0.0, 0.0);
                for (l, u) in q.iter().enumerate() {
                    c += u[i] * lambda[l] * u[j];
                    p += u[i] * u[j] / lambda[l];
                }
                cov[i * d + j] = c;
                precision[i * d + j] = p;
            }
        }
        let rho: f64 = 0.99;
        for (b, s) in [10.0f64, 30.0, 70.0].iter().enumerate() {
            let (i, j) = (k + 2 * b, k + 2 * b + 1);
            let v = s * s;
            cov[i * d + i] = v;
            cov[j * d + j] = v;
            cov[i * d + j] = rho * v;
            cov[j * d + i] = rho * v;
            let det = v * v * (1.0 - rho * rho);
            precision[i * d + i] = v / det;
            precision[j * d + j] = v / det;
            precision[i * d + j] = -rho * v / det;
            precision[j * d + i] = -rho * v / det;
        }
        CorrelatedGaussian {
            mean: (0..d).map(|i| i as f64).collect(),
            cov,
            precision,
        }
    }

    /// The covariance matrix (row-major).
    pub fn covariance(&self) -> &[f64] {
        &self.cov
    }

    pub fn known(&self) -> Known {
        let d = self.mean.len();
        let sd: Vec<f64> = (0..d).map(|i| self.cov[i * d + i].sqrt()).collect();
        let z = 1.959_963_984_540_054;
        Known {
            mean: self.mean.clone(),
            quantiles: (0..d)
                .map(|i| {
                    [
                        self.mean[i] - z * sd[i],
                        self.mean[i],
                        self.mean[i] + z * sd[i],
                    ]
                })
                .collect(),
            sd,
        }
    }
}

impl LogDensity for CorrelatedGaussian {
    fn dim(&self) -> usize {
        self.mean.len()
    }
    fn log_density(&self, x: &[f64]) -> f64 {
        let d = self.mean.len();
        let mut s = 0.0;
        for i in 0..d {
            let di = x[i] - self.mean[i];
            let row = &self.precision[i * d..(i + 1) * d];
            let mut r = 0.0;
            for j in 0..d {
                r += row[j] * (x[j] - self.mean[j]);
            }
            s += di * r;
        }
        -0.5 * s
    }
}

/// Five groups with partial pooling, the 8-schools model (Rubin 1981; Gelman et al. BDA3
/// §5.5) on the first five schools: `y_j ~ N(θ_j, σ_j)`, `θ_j ~ N(μ, τ)`, `μ ~ N(0, 5)`,
/// `τ ~ half-Cauchy(0, 5)`. Coordinates `(μ, ln τ, θ₁..θ₅)` (centred: a funnel where τ is
/// small) or `(μ, ln τ, η₁..η₅)` with `θ_j = μ + τ η_j` (non-centred). The known answer is a
/// 2-d quadrature over `(μ, ln τ)` with the θ's integrated analytically.
#[derive(Debug, Clone)]
pub struct Hierarchical {
    pub centred: bool,
}

/// Observed group effects and their standard errors.
pub const SCHOOLS_Y: [f64; 5] = [28.0, 8.0, -3.0, 7.0, -1.0];
pub const SCHOOLS_SIGMA: [f64; 5] = [15.0, 10.0, 16.0, 11.0, 9.0];
const MU_SD: f64 = 5.0;
const TAU_SCALE: f64 = 5.0;

fn ln_normal(x: f64, m: f64, s: f64) -> f64 {
    let z = (x - m) / s;
    -0.5 * z * z - s.ln() - 0.918_938_533_204_672_8
}

fn ln_half_cauchy(t: f64, scale: f64) -> f64 {
    (2.0 / (std::f64::consts::PI * scale)).ln() - (1.0 + (t / scale).powi(2)).ln()
}

impl Hierarchical {
    pub fn new(centred: bool) -> Self {
        Hierarchical { centred }
    }

    /// Moments and quantiles of the coordinates by Simpson quadrature over (μ, ln τ).
    pub fn known(&self) -> Known {
        let (nm, nu) = (400, 800); // even numbers of intervals
        let (m0, m1) = (-30.0, 40.0);
        let (u0, u1) = (-14.0, 6.0);
        let simpson = |k: usize, n: usize| -> f64 {
            if k == 0 || k == n {
                1.0
            } else if k % 2 == 1 {
                4.0
            } else {
                2.0
            }
        };
        // Log marginal posterior of (μ, u = ln τ), θ integrated out.
        let mut nodes = Vec::with_capacity((nm + 1) * (nu + 1));
        let mut max_lp = f64::NEG_INFINITY;
        for a in 0..=nm {
            let mu = m0 + (m1 - m0) * a as f64 / nm as f64;
            for b in 0..=nu {
                let u = u0 + (u1 - u0) * b as f64 / nu as f64;
                let tau = u.exp();
                let mut lp = ln_normal(mu, 0.0, MU_SD) + ln_half_cauchy(tau, TAU_SCALE) + u;
                for j in 0..5 {
                    let s = (SCHOOLS_SIGMA[j].powi(2) + tau * tau).sqrt();
                    lp += ln_normal(SCHOOLS_Y[j], mu, s);
                }
                max_lp = max_lp.max(lp);
                nodes.push((mu, u, lp, simpson(a, nm) * simpson(b, nu)));
            }
        }
        let weights: Vec<f64> = nodes
            .iter()
            .map(|(_, _, lp, w)| w * (lp - max_lp).exp())
            .collect();
        let total: f64 = weights.iter().sum();
        // Each coordinate given (μ, u) is normal with these mean and sd.
        let conditional = |c: usize, mu: f64, u: f64| -> (f64, f64) {
            match c {
                0 => (mu, 0.0),
                1 => (u, 0.0),
                _ => {
                    let j = c - 2;
                    let tau = u.exp();
                    let v = 1.0 / (1.0 / SCHOOLS_SIGMA[j].powi(2) + 1.0 / (tau * tau));
                    let m = v * (SCHOOLS_Y[j] / SCHOOLS_SIGMA[j].powi(2) + mu / (tau * tau));
                    if self.centred {
                        (m, v.sqrt())
                    } else {
                        ((m - mu) / tau, v.sqrt() / tau)
                    }
                }
            }
        };
        let normal = Normal::standard();
        let mut mean = Vec::new();
        let mut sd = Vec::new();
        let mut quantiles = Vec::new();
        for c in 0..7 {
            let (mut s1, mut s2) = (0.0, 0.0);
            let mut lo = f64::INFINITY;
            let mut hi = f64::NEG_INFINITY;
            let cond: Vec<(f64, f64)> = nodes
                .iter()
                .map(|(mu, u, _, _)| conditional(c, *mu, *u))
                .collect();
            for ((m, s), w) in cond.iter().zip(&weights) {
                s1 += w * m;
                s2 += w * (m * m + s * s);
                lo = lo.min(m - 8.0 * s);
                hi = hi.max(m + 8.0 * s);
            }
            let m = s1 / total;
            mean.push(m);
            sd.push((s2 / total - m * m).max(0.0).sqrt());
            let cdf = |q: f64| -> f64 {
                cond.iter()
                    .zip(&weights)
                    .map(|((m, s), w)| {
                        w * if *s > 0.0 {
                            normal.cdf((q - m) / s)
                        } else if q >= *m {
                            1.0
                        } else {
                            0.0
                        }
                    })
                    .sum::<f64>()
                    / total
            };
            let mut qs = [0.0; 3];
            for (k, p) in [0.025, 0.5, 0.975].iter().enumerate() {
                qs[k] = bisect(&cdf, *p, lo, hi);
            }
            quantiles.push(qs);
        }
        Known {
            mean,
            sd,
            quantiles,
        }
    }
}

/// The `p` quantile of a CDF on `[lo, hi]` by bisection.
fn bisect(cdf: &dyn Fn(f64) -> f64, p: f64, mut lo: f64, mut hi: f64) -> f64 {
    for _ in 0..60 {
        let mid = 0.5 * (lo + hi);
        if cdf(mid) < p {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    0.5 * (lo + hi)
}

impl LogDensity for Hierarchical {
    fn dim(&self) -> usize {
        7
    }
    fn log_density(&self, x: &[f64]) -> f64 {
        let (mu, u) = (x[0], x[1]);
        let tau = u.exp();
        if !(tau > 0.0 && tau.is_finite()) {
            return f64::NEG_INFINITY;
        }
        let mut lp = ln_normal(mu, 0.0, MU_SD) + ln_half_cauchy(tau, TAU_SCALE) + u;
        for j in 0..5 {
            if self.centred {
                let theta = x[2 + j];
                lp += ln_normal(theta, mu, tau) + ln_normal(SCHOOLS_Y[j], theta, SCHOOLS_SIGMA[j]);
            } else {
                let eta = x[2 + j];
                lp += ln_normal(eta, 0.0, 1.0)
                    + ln_normal(SCHOOLS_Y[j], mu + tau * eta, SCHOOLS_SIGMA[j]);
            }
        }
        lp
    }
    fn names(&self) -> Vec<String> {
        let g = if self.centred { "theta" } else { "eta" };
        let mut n = vec!["mu".to_string(), "ln_tau".to_string()];
        n.extend((1..=5).map(|j| format!("{g}{j}")));
        n
    }
}

/// The twisted Gaussian of Haario, Saksman & Tamminen (1999): `x₁ ~ N(0, 10²)`,
/// `x₂ = y + b (x₁² − 100)` with `y ~ N(0, 1)`, the other coordinates `N(0, 1)`.
/// `E x₂ = 0`, `Var x₂ = 1 + 2·10⁴ b²`.
#[derive(Debug, Clone)]
pub struct Banana {
    pub dim: usize,
    pub b: f64,
}

impl Banana {
    pub fn new(dim: usize, b: f64) -> Self {
        assert!(dim >= 2, "Banana needs dim >= 2");
        Banana { dim, b }
    }

    pub fn known(&self) -> Known {
        let z = 1.959_963_984_540_054;
        let mut mean = vec![0.0; self.dim];
        let mut sd = vec![1.0; self.dim];
        let mut quantiles = vec![[-z, 0.0, z]; self.dim];
        mean[0] = 0.0;
        sd[0] = 10.0;
        quantiles[0] = [-10.0 * z, 0.0, 10.0 * z];
        sd[1] = (1.0 + 2e4 * self.b * self.b).sqrt();
        // P(x₂ ≤ q) = E Φ(q − b (x₁² − 100)) over x₁ ~ N(0, 10²): Simpson on ±10 sd.
        let normal = Normal::standard();
        let b = self.b;
        let n = 4000;
        let cdf = |q: f64| -> f64 {
            let (lo, hi) = (-100.0, 100.0);
            let h = (hi - lo) / n as f64;
            let mut s = 0.0;
            for k in 0..=n {
                let x1 = lo + h * k as f64;
                let w = if k == 0 || k == n {
                    1.0
                } else if k % 2 == 1 {
                    4.0
                } else {
                    2.0
                };
                s += w * normal.pdf(x1 / 10.0) / 10.0 * normal.cdf(q - b * (x1 * x1 - 100.0));
            }
            s * h / 3.0
        };
        let span = 10.0 + 100.0 * b.abs() * 30.0;
        for (k, p) in [0.025, 0.5, 0.975].iter().enumerate() {
            quantiles[1][k] = bisect(&cdf, *p, -span, span);
        }
        Known {
            mean,
            sd,
            quantiles,
        }
    }
}

impl LogDensity for Banana {
    fn dim(&self) -> usize {
        self.dim
    }
    fn log_density(&self, x: &[f64]) -> f64 {
        let y = x[1] - self.b * (x[0] * x[0] - 100.0);
        let rest: f64 = x[2..].iter().map(|v| v * v).sum();
        -x[0] * x[0] / 200.0 - 0.5 * y * y - 0.5 * rest
    }
}
