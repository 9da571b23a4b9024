//! MINPACK's `lmpar`: the Levenberg–Marquardt parameter. Given `A P = Q R`, a scaling `D` and
//! a trust-region radius `Δ`, finds `λ ≥ 0` such that the solution of
//! `min ‖[A; √λ D] x − [b; 0]‖` satisfies `‖D x‖ ≈ Δ` (within 10%), or `λ = 0` when the
//! Gauss–Newton step already lies inside the region. Moré (1978), "The Levenberg–Marquardt
//! algorithm: implementation and theory", sections 5–7: Newton iteration on `φ(λ) = ‖Dx‖ − Δ`
//! safeguarded by the bounds `parl ≤ λ ≤ paru`.

use super::qr::{enorm, qrsolv};
use crate::problem::ColMatrix;

/// Scratch vectors of length `n` for [`lmpar`].
pub(crate) struct LmparWork {
    pub sdiag: Vec<f64>,
    wa1: Vec<f64>,
    wa2: Vec<f64>,
}

impl LmparWork {
    pub fn new(n: usize) -> Self {
        LmparWork {
            sdiag: vec![0.0; n],
            wa1: vec![0.0; n],
            wa2: vec![0.0; n],
        }
    }
}

/// Computes the LM parameter `par` (updated in place, the input is the initial guess) and the
/// step `x` (the *negative* of the step to take, as in MINPACK: the solution of
/// `[A; √λ D] x ≈ [b; 0]`). `r` holds `R` in its upper triangle (first `n` rows) and is
/// overwritten below the diagonal; `qtb` is the first `n` entries of `Qᵀ b`.
#[allow(clippy::too_many_arguments)]
pub(crate) fn lmpar(
    r: &mut ColMatrix,
    ipvt: &[usize],
    diag: &[f64],
    qtb: &[f64],
    delta: f64,
    par: &mut f64,
    x: &mut [f64],
    w: &mut LmparWork,
) {
    let n = ipvt.len();
    let dwarf = f64::MIN_POSITIVE;
    let LmparWork { sdiag, wa1, wa2 } = w;

    // Gauss–Newton direction; if the Jacobian is rank-deficient, a least-squares solution.
    let mut nsing = n;
    for j in 0..n {
        wa1[j] = qtb[j];
        if r[(j, j)] == 0.0 && nsing == n {
            nsing = j;
        }
        if nsing < n {
            wa1[j] = 0.0;
        }
    }
    for j in (0..nsing).rev() {
        wa1[j] /= r[(j, j)];
        let temp = wa1[j];
        for i in 0..j {
            wa1[i] -= r[(i, j)] * temp;
        }
    }
    for j in 0..n {
        x[ipvt[j]] = wa1[j];
    }

    // Accept the Gauss–Newton step if it lies within the trust region (with 10% slack).
    let mut iter = 0;
    for j in 0..n {
        wa2[j] = diag[j] * x[j];
    }
    let mut dxnorm = enorm(wa2);
    let mut fp = dxnorm - delta;
    if fp <= 0.1 * delta {
        *par = 0.0;
        return;
    }

    // Lower bound parl of the zero of φ (only when the Jacobian has full rank).
    let mut parl = 0.0;
    if nsing >= n {
        for j in 0..n {
            let l = ipvt[j];
            wa1[j] = diag[l] * (wa2[l] / dxnorm);
        }
        for j in 0..n {
            let mut sum = 0.0;
            for i in 0..j {
                sum += r[(i, j)] * wa1[i];
            }
            wa1[j] = (wa1[j] - sum) / r[(j, j)];
        }
        let temp = enorm(wa1);
        parl = ((fp / delta) / temp) / temp;
    }

    // Upper bound paru.
    for j in 0..n {
        let mut sum = 0.0;
        for i in 0..=j {
            sum += r[(i, j)] * qtb[i];
        }
        wa1[j] = sum / diag[ipvt[j]];
    }
    let gnorm = enorm(wa1);
    let mut paru = gnorm / delta;
    if paru == 0.0 {
        paru = dwarf / delta.min(0.1);
    }

    // Start inside (parl, paru); if zero, use the gradient-based guess.
    *par = par.max(parl).min(paru);
    if *par == 0.0 {
        *par = gnorm / dxnorm;
    }

    loop {
        iter += 1;
        if *par == 0.0 {
            *par = dwarf.max(0.001 * paru);
        }
        let temp = par.sqrt();
        for j in 0..n {
            wa1[j] = temp * diag[j];
        }
        qrsolv(r, ipvt, wa1, qtb, x, sdiag, wa2);
        for j in 0..n {
            wa2[j] = diag[j] * x[j];
        }
        dxnorm = enorm(wa2);
        let fp_old = fp;
        fp = dxnorm - delta;
        // Stop when φ is small enough, when parl = 0 and φ increased from a negative value
        // (the Newton iteration cannot do better), or after 10 iterations.
        if fp.abs() <= 0.1 * delta || (parl == 0.0 && fp <= fp_old && fp_old < 0.0) || iter == 10 {
            break;
        }
        // Newton correction.
        for j in 0..n {
            let l = ipvt[j];
            wa1[j] = diag[l] * (wa2[l] / dxnorm);
        }
        for j in 0..n {
            wa1[j] /= sdiag[j];
            let temp = wa1[j];
            for i in (j + 1)..n {
                wa1[i] -= r[(i, j)] * temp;
            }
        }
        let temp = enorm(wa1);
        let parc = ((fp / delta) / temp) / temp;
        if fp > 0.0 {
            parl = parl.max(*par);
        }
        if fp < 0.0 {
            paru = paru.min(*par);
        }
        *par = parl.max(*par + parc);
    }
}
