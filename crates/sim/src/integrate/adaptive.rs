//! Adaptive Dormand–Prince integration (DOPRI5 and DOP853) over plain slices, with Hairer's
//! step-size controller and dense output, split into segments at known discontinuities.
//!
//! Written in-house rather than using `ode_solvers` because the number of states of a parsed
//! model is only known at run time, and `ode_solvers` with `DVector` allocates in every stage
//! (4.7x slower, see research/crates.md); here every buffer is allocated once per simulator.

// Index loops mirror the published algorithm across several arrays at once.
#![allow(clippy::needless_range_loop)]

use super::tableau::*;
use crate::error::SimError;

/// What the integrator needs from the model.
pub(crate) trait System {
    /// Derivatives at time `t` and state `y`.
    fn rhs(&mut self, t: f64, y: &[f64], dy: &mut [f64]);
    /// Called when a new segment `[a, b]` starts (test inputs are evaluated at its midpoint).
    fn segment(&mut self, a: f64, b: f64);
    /// Records a saved row at time `t` with state `y`.
    fn output(&mut self, row: usize, t: f64, y: &[f64]) -> Result<(), SimError>;
    /// Applies non-negativity to an accepted state and checks it is finite.
    fn accept(&mut self, t: f64, y: &mut [f64]) -> Result<(), SimError>;
    /// Evaluates the model at `(t, y)` and reports the first non-finite variable, if any.
    fn diagnose(&mut self, t: f64, y: &[f64]) -> Result<(), SimError>;
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Scheme {
    Dopri5,
    Dop853,
}

/// Work arrays, allocated once.
#[derive(Default)]
pub(crate) struct Buffers {
    k: Vec<Vec<f64>>,
    ytmp: Vec<f64>,
    ynew: Vec<f64>,
    rcont: Vec<Vec<f64>>,
    dense: Vec<f64>,
}

impl Buffers {
    pub fn new(n: usize) -> Self {
        Buffers {
            k: vec![vec![0.0; n]; 16],
            ytmp: vec![0.0; n],
            ynew: vec![0.0; n],
            rcont: vec![vec![0.0; n]; 8],
            dense: vec![0.0; n],
        }
    }
}

/// Integration statistics.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct AdaptiveStats {
    pub evaluations: usize,
    pub accepted: usize,
    pub rejected: usize,
}

/// The save grid: row `j` is at `start + j * every`.
pub(crate) struct SaveGrid {
    pub start: f64,
    pub every: f64,
    pub rows: usize,
}

impl SaveGrid {
    fn time(&self, j: usize) -> f64 {
        self.start + j as f64 * self.every
    }
}

pub(crate) struct Tolerances {
    pub rtol: f64,
    pub atol: f64,
    pub max_steps: usize,
}

/// Integrates `y` over the segments `bounds[0] < bounds[1] < ... < bounds[m]`, writing saved
/// rows through `sys.output`. Returns statistics.
pub(crate) fn integrate(
    sys: &mut impl System,
    scheme: Scheme,
    y: &mut [f64],
    bounds: &[f64],
    grid: &SaveGrid,
    tol: &Tolerances,
    buf: &mut Buffers,
) -> Result<AdaptiveStats, SimError> {
    let mut stats = AdaptiveStats::default();
    let n = y.len();
    let t_end = *bounds.last().expect("at least one segment");
    let scale = (bounds[0].abs()).max(t_end.abs()).max(1.0);
    let eps = 1e-10 * scale;
    let mut row = 0;
    let mut steps = 0;
    for w in bounds.windows(2) {
        let (a, b) = (w[0], w[1]);
        sys.segment(a, b);
        let last_segment = b == t_end;
        // Rows at the segment start (boundary rows belong to the segment on their right).
        while row < grid.rows && grid.time(row) <= a + eps {
            sys.output(row, grid.time(row), y)?;
            row += 1;
        }
        if n == 0 {
            // Nothing to integrate: only record.
            while row < grid.rows
                && (grid.time(row) < b - eps || (last_segment && grid.time(row) <= b + eps))
            {
                let t = grid.time(row);
                sys.output(row, t, y)?;
                row += 1;
            }
            continue;
        }
        let mut t = a;
        sys.rhs(t, y, &mut buf.k[0]);
        stats.evaluations += 1;
        let order = if scheme == Scheme::Dopri5 { 5.0 } else { 8.0 };
        let mut h = initial_step(sys, t, y, b - a, order, tol, buf, &mut stats);
        let (beta, fac1, fac2) = match scheme {
            Scheme::Dopri5 => (0.04, 0.2, 10.0),
            Scheme::Dop853 => (0.0, 0.333, 6.0),
        };
        let safe = 0.9;
        let expo1 = match scheme {
            Scheme::Dopri5 => 0.2 - beta * 0.75,
            Scheme::Dop853 => 1.0 / 8.0 - beta * 0.2,
        };
        let (facc1, facc2) = (1.0 / fac1, 1.0 / fac2);
        let mut facold: f64 = 1e-4;
        let mut reject = false;
        loop {
            steps += 1;
            if steps > tol.max_steps {
                return Err(SimError::TooManySteps {
                    time: t,
                    steps: tol.max_steps,
                });
            }
            if 0.1 * h.abs() <= f64::EPSILON * t.abs().max(1e-300) {
                return Err(SimError::StepSizeTooSmall { time: t });
            }
            let last = t + 1.01 * h >= b;
            if last {
                h = b - t;
            }
            let err = match scheme {
                Scheme::Dopri5 => step5(sys, t, h, y, tol, buf, &mut stats),
                Scheme::Dop853 => step8(sys, t, h, y, tol, buf, &mut stats),
            };
            let fac11 = err.powf(expo1);
            let fac = (fac11 / facold.powf(beta) / safe).clamp(facc2, facc1);
            let mut hnew = h / fac;
            if !err.is_finite() {
                // A non-finite stage: name the variable if the model itself produces it,
                // otherwise shrink the step hard and retry.
                sys.diagnose(t, y)?;
                sys.diagnose(t + h, &buf.ytmp)?;
                stats.rejected += 1;
                h *= 0.1;
                reject = true;
                continue;
            }
            if err <= 1.0 {
                stats.accepted += 1;
                facold = err.max(1e-4);
                let t_new = if last { b } else { t + h };
                sys.accept(t_new, &mut buf.ynew)?;
                // Saved rows in (t, t_new]; a row at the end of a segment that is not the last
                // belongs to the next segment (it is recorded there with the exact state).
                let upper = if last && !last_segment {
                    b - eps
                } else {
                    t_new + eps
                };
                let mut dense_ready = false;
                while row < grid.rows && grid.time(row) <= upper {
                    let ts = grid.time(row);
                    if (ts - t_new).abs() <= eps {
                        sys.output(row, ts, &buf.ynew)?;
                    } else {
                        if !dense_ready {
                            prepare_dense(sys, scheme, t, h, y, buf, &mut stats);
                            dense_ready = true;
                        }
                        dense_eval(scheme, (ts - t) / h, buf);
                        let d = std::mem::take(&mut buf.dense);
                        let r = sys.output(row, ts, &d);
                        buf.dense = d;
                        r?;
                    }
                    row += 1;
                }
                // Accept: y <- ynew, k1 <- f(t_new, ynew) (FSAL for DOPRI5; recomputed for DOP853).
                y.copy_from_slice(&buf.ynew);
                let fsal = if scheme == Scheme::Dopri5 { 6 } else { 12 };
                buf.k.swap(0, fsal);
                t = t_new;
                if last {
                    break;
                }
                if reject {
                    hnew = hnew.min(h);
                }
                reject = false;
                h = hnew;
            } else {
                stats.rejected += 1;
                reject = true;
                h /= facc1.min(fac11 / safe);
            }
        }
    }
    Ok(stats)
}

/// Hairer's initial step size estimate.
#[allow(clippy::too_many_arguments)]
fn initial_step(
    sys: &mut impl System,
    t: f64,
    y: &[f64],
    hmax: f64,
    order: f64,
    tol: &Tolerances,
    buf: &mut Buffers,
    stats: &mut AdaptiveStats,
) -> f64 {
    let n = y.len() as f64;
    let (mut dnf, mut dny) = (0.0, 0.0);
    for i in 0..y.len() {
        let sk = tol.atol + tol.rtol * y[i].abs();
        dnf += (buf.k[0][i] / sk).powi(2);
        dny += (y[i] / sk).powi(2);
    }
    let mut h = if dnf <= 1e-10 || dny <= 1e-10 {
        1e-6
    } else {
        (dny / dnf).sqrt() * 0.01
    };
    h = h.min(hmax);
    for i in 0..y.len() {
        buf.ytmp[i] = y[i] + h * buf.k[0][i];
    }
    let (k0, rest) = buf.k.split_at_mut(1);
    sys.rhs(t + h, &buf.ytmp, &mut rest[0]);
    stats.evaluations += 1;
    let mut der2: f64 = 0.0;
    for i in 0..y.len() {
        let sk = tol.atol + tol.rtol * y[i].abs();
        der2 += ((rest[0][i] - k0[0][i]) / sk).powi(2);
    }
    let der2 = (der2 / n).sqrt() / h;
    let der12 = der2.abs().max((dnf / n).sqrt());
    let h1 = if der12 <= 1e-15 {
        (h * 1e-3).max(1e-6)
    } else {
        (0.01 / der12).powf(1.0 / order)
    };
    (100.0 * h).min(h1).min(hmax)
}

/// ytmp = y + h * sum_j a[j] * k[j]
fn combine(ytmp: &mut [f64], y: &[f64], h: f64, k: &[Vec<f64>], a: &[f64]) {
    ytmp.copy_from_slice(y);
    for (j, aj) in a.iter().enumerate() {
        if *aj != 0.0 {
            let c = h * aj;
            for (t, kj) in ytmp.iter_mut().zip(&k[j]) {
                *t += c * kj;
            }
        }
    }
}

fn err_norm(y: &[f64], ynew: &[f64], e: &[f64], tol: &Tolerances) -> f64 {
    let mut s = 0.0;
    for i in 0..y.len() {
        let sk = tol.atol + tol.rtol * y[i].abs().max(ynew[i].abs());
        s += (e[i] / sk).powi(2);
    }
    (s / y.len() as f64).sqrt()
}

/// One DOPRI5 step from (t, y) with step h; k[0] holds f(t, y). Leaves the 5th-order
/// solution in `ynew` and f(t+h, ynew) in k[6]. Returns the scaled error.
fn step5(
    sys: &mut impl System,
    t: f64,
    h: f64,
    y: &[f64],
    tol: &Tolerances,
    buf: &mut Buffers,
    stats: &mut AdaptiveStats,
) -> f64 {
    for s in 1..7 {
        combine(&mut buf.ytmp, y, h, &buf.k[..s], &D5_A[s][..s]);
        let (done, rest) = buf.k.split_at_mut(s);
        let _ = done;
        sys.rhs(t + D5_C[s] * h, &buf.ytmp, &mut rest[0]);
    }
    stats.evaluations += 6;
    buf.ynew.copy_from_slice(&buf.ytmp);
    // Error estimate into `dense` (scratch).
    for i in 0..y.len() {
        let mut e = 0.0;
        for (j, ej) in D5_E.iter().enumerate() {
            e += ej * buf.k[j][i];
        }
        buf.dense[i] = h * e;
    }
    err_norm(y, &buf.ynew, &buf.dense, tol)
}

/// One DOP853 step; leaves the 8th-order solution in `ynew` and f(t+h, ynew) in k[12].
fn step8(
    sys: &mut impl System,
    t: f64,
    h: f64,
    y: &[f64],
    tol: &Tolerances,
    buf: &mut Buffers,
    stats: &mut AdaptiveStats,
) -> f64 {
    for s in 1..12 {
        combine(&mut buf.ytmp, y, h, &buf.k[..s], D8_A[s - 1]);
        let (_, rest) = buf.k.split_at_mut(s);
        sys.rhs(t + D8_C[s] * h, &buf.ytmp, &mut rest[0]);
    }
    stats.evaluations += 11;
    // 8th-order solution.
    combine(&mut buf.ynew, y, h, &buf.k[..12], &D8_B);
    // Error estimators of order 5 and 3.
    let n = y.len();
    let (mut err5, mut err3) = (0.0, 0.0);
    for i in 0..n {
        let sk = tol.atol + tol.rtol * y[i].abs().max(buf.ynew[i].abs());
        let mut e5 = 0.0;
        let mut bsum = 0.0;
        for j in 0..12 {
            e5 += D8_E[j] * buf.k[j][i];
            bsum += D8_B[j] * buf.k[j][i];
        }
        let e3 =
            bsum - D8_BHH[0] * buf.k[0][i] - D8_BHH[1] * buf.k[8][i] - D8_BHH[2] * buf.k[11][i];
        err5 += (e5 / sk).powi(2);
        err3 += (e3 / sk).powi(2);
    }
    let mut deno = err5 + 0.01 * err3;
    if deno <= 0.0 {
        deno = 1.0;
    }
    let err = h.abs() * err5 * (1.0 / (deno * n as f64)).sqrt();
    // f at the new point (needed for the next step and for dense output).
    let (_, rest) = buf.k.split_at_mut(12);
    sys.rhs(t + h, &buf.ynew, &mut rest[0]);
    stats.evaluations += 1;
    err
}

/// Computes the dense-output coefficients of the step just accepted (before `y` moves on).
fn prepare_dense(
    sys: &mut impl System,
    scheme: Scheme,
    t: f64,
    h: f64,
    y: &[f64],
    buf: &mut Buffers,
    stats: &mut AdaptiveStats,
) {
    let n = y.len();
    match scheme {
        Scheme::Dopri5 => {
            for i in 0..n {
                let ydiff = buf.ynew[i] - y[i];
                let bspl = h * buf.k[0][i] - ydiff;
                buf.rcont[0][i] = y[i];
                buf.rcont[1][i] = ydiff;
                buf.rcont[2][i] = bspl;
                buf.rcont[3][i] = ydiff - h * buf.k[6][i] - bspl;
                let mut d = 0.0;
                for (j, dj) in D5_D.iter().enumerate() {
                    d += dj * buf.k[j][i];
                }
                buf.rcont[4][i] = h * d;
            }
        }
        Scheme::Dop853 => {
            // Three extra stages 14, 15, 16 (stage 13 is f at the step end, in k[12]).
            combine(&mut buf.ytmp, y, h, &buf.k[..13], &D8_A14);
            {
                let (_, rest) = buf.k.split_at_mut(13);
                sys.rhs(t + D8_C[13] * h, &buf.ytmp, &mut rest[0]);
            }
            combine(&mut buf.ytmp, y, h, &buf.k[..14], &D8_A15);
            {
                let (_, rest) = buf.k.split_at_mut(14);
                sys.rhs(t + D8_C[14] * h, &buf.ytmp, &mut rest[0]);
            }
            combine(&mut buf.ytmp, y, h, &buf.k[..15], &D8_A16);
            {
                let (_, rest) = buf.k.split_at_mut(15);
                sys.rhs(t + D8_C[15] * h, &buf.ytmp, &mut rest[0]);
            }
            stats.evaluations += 3;
            for i in 0..n {
                let ydiff = buf.ynew[i] - y[i];
                let bspl = h * buf.k[0][i] - ydiff;
                buf.rcont[0][i] = y[i];
                buf.rcont[1][i] = ydiff;
                buf.rcont[2][i] = bspl;
                buf.rcont[3][i] = ydiff - h * buf.k[12][i] - bspl;
                for r in 0..4 {
                    let mut d = 0.0;
                    for j in 0..16 {
                        d += D8_D[r][j] * buf.k[j][i];
                    }
                    buf.rcont[4 + r][i] = h * d;
                }
            }
        }
    }
}

/// Evaluates the dense output at `theta` in [0, 1] into `buf.dense`.
fn dense_eval(scheme: Scheme, theta: f64, buf: &mut Buffers) {
    let t1 = 1.0 - theta;
    let r = &buf.rcont;
    for i in 0..buf.dense.len() {
        buf.dense[i] = match scheme {
            Scheme::Dopri5 => {
                r[0][i] + theta * (r[1][i] + t1 * (r[2][i] + theta * (r[3][i] + t1 * r[4][i])))
            }
            Scheme::Dop853 => {
                r[0][i]
                    + theta
                        * (r[1][i]
                            + t1 * (r[2][i]
                                + theta
                                    * (r[3][i]
                                        + t1 * (r[4][i]
                                            + theta
                                                * (r[5][i] + t1 * (r[6][i] + theta * r[7][i]))))))
            }
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// y' = -y (and a second state y2' = cos t, non-autonomous) with exact solutions.
    struct Decay {
        rows: Vec<(f64, Vec<f64>)>,
    }

    impl System for Decay {
        fn rhs(&mut self, t: f64, y: &[f64], dy: &mut [f64]) {
            dy[0] = -y[0];
            dy[1] = t.cos();
        }
        fn segment(&mut self, _a: f64, _b: f64) {}
        fn output(&mut self, _row: usize, t: f64, y: &[f64]) -> Result<(), SimError> {
            self.rows.push((t, y.to_vec()));
            Ok(())
        }
        fn accept(&mut self, _t: f64, _y: &mut [f64]) -> Result<(), SimError> {
            Ok(())
        }
        fn diagnose(&mut self, _t: f64, _y: &[f64]) -> Result<(), SimError> {
            Ok(())
        }
    }

    fn run(scheme: Scheme, rtol: f64, bounds: &[f64]) -> (Vec<(f64, Vec<f64>)>, AdaptiveStats) {
        let mut sys = Decay { rows: Vec::new() };
        let mut y = vec![1.0, 0.0];
        let grid = SaveGrid {
            start: 0.0,
            every: 0.37,
            rows: 28,
        };
        let tol = Tolerances {
            rtol,
            atol: rtol * 1e-3,
            max_steps: 100_000,
        };
        let mut buf = Buffers::new(2);
        let stats = integrate(&mut sys, scheme, &mut y, bounds, &grid, &tol, &mut buf).unwrap();
        (sys.rows, stats)
    }

    #[test]
    fn both_schemes_meet_their_tolerance_including_dense_output() {
        for (scheme, rtol, bound) in [(Scheme::Dopri5, 1e-8, 1e-6), (Scheme::Dop853, 1e-10, 1e-8)] {
            for bounds in [&[0.0, 9.99][..], &[0.0, 3.0, 3.5, 9.99][..]] {
                let (rows, _) = run(scheme, rtol, bounds);
                assert_eq!(rows.len(), 28, "{scheme:?}");
                for (t, y) in &rows {
                    assert!(
                        (y[0] - (-t).exp()).abs() < bound,
                        "{scheme:?} t={t} {}",
                        y[0]
                    );
                    assert!((y[1] - t.sin()).abs() < bound, "{scheme:?} t={t} {}", y[1]);
                }
            }
        }
    }

    #[test]
    fn dop853_needs_fewer_evaluations_than_dopri5_at_tight_tolerance() {
        let (_, s5) = run(Scheme::Dopri5, 1e-11, &[0.0, 9.99]);
        let (_, s8) = run(Scheme::Dop853, 1e-11, &[0.0, 9.99]);
        assert!(s8.evaluations < s5.evaluations, "{s5:?} {s8:?}");
    }
}
