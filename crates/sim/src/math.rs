//! `exp`, `ln` and `pow` within 1 ulp, written so that the same function serves scalar code and
//! the lanes of the batch backend with the same bits: no table look-ups and no data-dependent
//! branches in the common case, so that eight lanes of them compile to vector instructions
//! (AVX2 or AVX-512) when inlined into a lane loop.
//!
//! The algorithms are those of fdlibm (Sun Microsystems, 1993/2004, freely redistributable:
//! `e_exp.c`, `e_log.c`, `e_pow.c`, the same coefficients), with their branches turned into
//! selects: the argument reduction rounds with the `1.5·2⁵²` shifter (ties to even), the result
//! is scaled by `2ᵏ` as the product of two powers of two (one rounding, also for subnormal
//! results), and integers are converted with exponent-bit tricks (no 64-bit integer
//! conversion instructions, which AVX2 lacks). `pow` sends an infinite or NaN argument to a
//! scalar path. `tests/transcendental.rs` measures the error against correctly rounded values
//! computed with mpmath at 200 bits (`tests/data/transcendental_reference.py`; largest errors
//! seen: exp 0.751, ln 0.561, pow 0.685 ulp) and checks the special values of C99 Annex F.
//! Every operation is a plain IEEE-754 double operation (Rust never contracts a multiply and an
//! add into a fused one), so the result does not depend on the instruction set.
//!
//! **Not yet used by the engine.** The interpreter, native code and the batch lanes call the
//! platform's libm (one call per lane in the batch backend). Switching all three to these
//! functions (so that they stay bit-identical) was measured in
//! `crates/sensitivity/VALIDATION.md` ("Vectorised transcendental functions"): the lanes gain
//! 8–20 %, but native code loses about half its speed, because scalar fdlibm `exp` is about
//! 1.7× and `pow` 2.5–4× slower than glibc's table-driven FMA versions. They become worth it
//! with a code generator that runs many lanes per instruction.
//!
//! ```
//! use pressure_sim::math;
//! assert_eq!(math::exp(0.0), 1.0);
//! assert_eq!(math::ln(1.0), 0.0);
//! assert_eq!(math::pow(2.0, 10.0), 1024.0);
//! assert!((math::exp(1.0) - std::f64::consts::E).abs() <= f64::EPSILON * 3.0);
//! assert!(math::ln(-1.0).is_nan());
//! ```

// fdlibm's decimal constants as published (each converts to the intended double).
#![allow(clippy::excessive_precision)]

/// `1.5·2⁵²`: adding it rounds a double of magnitude below 2⁵¹ to an integer (ties to even),
/// held in the low bits of the sum.
const SHIFTER: f64 = 6755399441055744.0;
/// `2⁵² + 2048`, for converting small integers to doubles through their bits.
const INT_MAGIC: f64 = 4503599627370496.0 + 2048.0;

/// `k` (|k| < 2048) as a double, exactly, without an integer conversion instruction.
#[inline(always)]
fn int_to_f64(k: i64) -> f64 {
    f64::from_bits(0x4330_0000_0000_0000u64 | (k.wrapping_add(2048) as u64)) - INT_MAGIC
}

/// `2ᵏ` for `-1022 <= k <= 1023`.
#[inline(always)]
fn pow2(k: i64) -> f64 {
    f64::from_bits((k.wrapping_add(1023) as u64) << 52)
}

/// `m · 2ᵏ` for `|k| <= 2044`, rounded once (to a subnormal, zero or infinity as it falls):
/// the product of two powers of two, the first exact.
#[inline(always)]
fn scale(m: f64, k: i64) -> f64 {
    let k1 = ((k.wrapping_add(2048) as u64) >> 1) as i64 - 1024;
    let k2 = k.wrapping_sub(k1);
    m * pow2(k1) * pow2(k2)
}

/// `x` with the low 32 bits of its significand cleared.
#[inline(always)]
fn high_part(x: f64) -> f64 {
    f64::from_bits(x.to_bits() & 0xffff_ffff_0000_0000)
}

/// The high 32 bits of `x`, as an `i64`.
#[inline(always)]
fn high_word(x: f64) -> i64 {
    (x.to_bits() >> 32) as i64
}

/// `x` with its high 32 bits replaced by `hi`.
#[inline(always)]
fn with_high_word(x: f64, hi: i64) -> f64 {
    f64::from_bits(((hi as u64) << 32) | (x.to_bits() & 0xffff_ffff))
}

// fdlibm e_exp.c / e_pow.c: the polynomial of exp(r) on [-0.35, 0.35].
const P1: f64 = 1.66666666666666019037e-01;
const P2: f64 = -2.77777777770155933842e-03;
const P3: f64 = 6.61375632143793436117e-05;
const P4: f64 = -1.65339022054652515390e-06;
const P5: f64 = 4.13813679705723846039e-08;
const LN2_HI: f64 = 6.93147180369123816490e-01; // 0x3fe62e42 fee00000
const LN2_LO: f64 = 1.90821492927058770002e-10; // 0x3dea39ef 35793c76
const INV_LN2: f64 = std::f64::consts::LOG2_E; // fdlibm's invln2, 0x3ff71547 652b82fe

/// `eˣ`, within 1 ulp of the correctly rounded value (fdlibm's `e_exp.c`); `+∞` above
/// 709.78, `0` below -745.13, NaN for NaN.
#[inline(always)]
pub fn exp(x: f64) -> f64 {
    // Clamping keeps k in range; outside, the scaling overflows to ∞ or underflows to 0 by
    // itself. NaN stays NaN (its result is restored at the end).
    let xc = x.clamp(-746.0, 710.0);
    let shifted = xc * INV_LN2 + SHIFTER;
    let kf = shifted - SHIFTER;
    let k = (shifted.to_bits() as i64).wrapping_sub(SHIFTER.to_bits() as i64);
    let hi = xc - kf * LN2_HI; // exact: kf·LN2_HI has at most 43 significant bits
    let lo = kf * LN2_LO;
    let r = hi - lo;
    let t = r * r;
    let c = r - t * (P1 + t * (P2 + t * (P3 + t * (P4 + t * P5))));
    let y = 1.0 - ((lo - (r * c) / (2.0 - c)) - hi);
    let v = scale(y, k);
    if x.is_nan() {
        x + x
    } else {
        v
    }
}

// fdlibm e_log.c
const LG1: f64 = 6.666666666666735130e-01;
const LG2: f64 = 3.999999999940941908e-01;
const LG3: f64 = 2.857142874366239149e-01;
const LG4: f64 = 2.222219843214978396e-01;
const LG5: f64 = 1.818357216161805012e-01;
const LG6: f64 = 1.531383769920937332e-01;
const LG7: f64 = 1.479819860511658591e-01;
const TWO54: f64 = 1.80143985094819840000e+16;

/// The natural logarithm, within 1 ulp of the correctly rounded value (fdlibm's `e_log.c`);
/// `-∞` at ±0, NaN below zero and for NaN, `+∞` at `+∞`.
#[inline(always)]
pub fn ln(x: f64) -> f64 {
    let sub = x < f64::MIN_POSITIVE;
    let xs = if sub { x * TWO54 } else { x };
    let hx = high_word(xs);
    let mut k = (hx >> 20) - 1023 - if sub { 54 } else { 0 };
    let hm = hx & 0x000f_ffff;
    let i = (hm + 0x95f64) & 0x10_0000;
    // x or x/2, normalised into [sqrt(2)/2, sqrt(2)).
    let xn = with_high_word(xs, hm | (i ^ 0x3ff0_0000));
    k += i >> 20;
    let f = xn - 1.0;
    let s = f / (2.0 + f);
    let dk = int_to_f64(k);
    let z = s * s;
    let w = z * z;
    let t1 = w * (LG2 + w * (LG4 + w * LG6));
    let t2 = z * (LG1 + w * (LG3 + w * (LG5 + w * LG7)));
    let r = t2 + t1;
    let hfsq = 0.5 * f * f;
    // fdlibm's two formulas (the first where f is large); with k = 0 they give its k = 0
    // formulas bit for bit (0 - (a - f) is f - a exactly).
    let v = if (0x6147a..=0x6b851).contains(&hm) {
        dk * LN2_HI - ((hfsq - (s * (hfsq + r) + dk * LN2_LO)) - f)
    } else {
        dk * LN2_HI - ((s * (f - r) - dk * LN2_LO) - f)
    };
    if x > 0.0 && x < f64::INFINITY {
        v
    } else if x == 0.0 {
        f64::NEG_INFINITY
    } else if x == f64::INFINITY {
        x
    } else {
        // Negative or NaN.
        f64::NAN
    }
}

// fdlibm e_pow.c
const BP: [f64; 2] = [1.0, 1.5];
const DP_H: [f64; 2] = [0.0, 5.84962487220764160156e-01];
const DP_L: [f64; 2] = [0.0, 1.35003920212974897128e-08];
const TWO53: f64 = 9007199254740992.0;
const L1: f64 = 5.99999999999994648725e-01;
const L2: f64 = 4.28571428578550184252e-01;
const L3: f64 = 3.33333329818377432918e-01;
const L4: f64 = 2.72728123808534006489e-01;
const L5: f64 = 2.30660745775561754067e-01;
const L6: f64 = 2.06975017800338417784e-01;
const LG2_FULL: f64 = std::f64::consts::LN_2; // fdlibm's lg2, 0x3fe62e42 fefa39ef
const LG2_H: f64 = 6.93147182464599609375e-01;
const LG2_L: f64 = -1.90465429995776804525e-09;
const CP: f64 = 9.61796693925975554329e-01;
const CP_H: f64 = 9.61796700954437255859e-01;
const CP_L: f64 = -7.02846165095275826516e-09;

/// `xʸ`, within 1 ulp of the correctly rounded value (fdlibm's `e_pow.c`), with the special
/// values of C99 Annex F (`pow(x, ±0) = 1`, `pow(1, y) = 1`, `pow(-8, 1/3)` is NaN, ...).
/// Exact for `y = 1`, `2`, `-1` (`1/x`) and `0.5` (`sqrt`).
#[inline(always)]
pub fn pow(x: f64, y: f64) -> f64 {
    // The scalar path: [`pow_finite`]'s selects as branches (the same values, without
    // computing the arms not taken).
    if !pow_is_finite(x, y) {
        return pow_special(x, y);
    }
    if x <= 0.0 {
        return pow_finite(x, y);
    }
    if y == 1.0 {
        x
    } else if y == 2.0 {
        x * x
    } else if y == -1.0 {
        1.0 / x
    } else if y == 0.5 {
        x.sqrt()
    } else if x == 1.0 || y == 0.0 {
        1.0
    } else {
        pow_core(x, y)
    }
}

/// Whether [`pow_finite`] applies: a finite base and a finite exponent.
#[inline(always)]
pub(crate) fn pow_is_finite(x: f64, y: f64) -> bool {
    (x.abs() < f64::INFINITY) & (y.abs() < f64::INFINITY)
}

/// `xʸ` for finite `x` and `y`, without branches: [`pow_general`] of `|x|`, with the signs
/// and zeros of C99 Annex F.
#[inline(always)]
pub(crate) fn pow_finite(x: f64, y: f64) -> f64 {
    let v = pow_general(x.abs(), y);
    let half = y * 0.5;
    let integer = y.trunc() == y;
    let odd = integer & (y.abs() < TWO53) & (half.trunc() != half);
    let v = if x == 0.0 && y != 0.0 {
        if y > 0.0 {
            0.0
        } else {
            f64::INFINITY
        }
    } else {
        v
    };
    if x < 0.0 && !integer {
        f64::NAN
    } else if x.is_sign_negative() && odd {
        -v
    } else {
        v
    }
}

/// `xʸ` for `0 < x < ∞` and finite `y`, without branches (any other `x` gives a meaningless
/// value, without panicking).
#[inline(always)]
fn pow_core(x: f64, y: f64) -> f64 {
    // log2(x) = t1 + t2, t1 with 24 significant bits.
    let sub = x < f64::MIN_POSITIVE;
    let ax = if sub { x * TWO53 } else { x };
    let ix = high_word(ax);
    let mut n = (ix >> 20) - 0x3ff - if sub { 53 } else { 0 };
    let j = ix & 0x000f_ffff;
    let k1 = (j > 0x3988e) & (j < 0xbb67a); // sqrt(3/2) <= |x| < sqrt(3): around 1.5
    let up = j >= 0xbb67a; // the next binade's 1
    n += up as i64;
    let ixn = (j | 0x3ff0_0000) - if up { 0x0010_0000 } else { 0 };
    let ax = with_high_word(ax, ixn);
    let (bp, dp_h, dp_l) = if k1 {
        (BP[1], DP_H[1], DP_L[1])
    } else {
        (BP[0], DP_H[0], DP_L[0])
    };
    let u = ax - bp;
    let v = 1.0 / (ax + bp);
    let ss = u * v;
    let s_h = high_part(ss);
    let t_h = f64::from_bits(
        ((((ixn >> 1) | 0x2000_0000) + 0x0008_0000 + ((k1 as i64) << 18)) as u64) << 32,
    );
    let t_l = ax - (t_h - bp);
    let s_l = v * ((u - s_h * t_h) - s_h * t_l);
    let s2 = ss * ss;
    let mut r = s2 * s2 * (L1 + s2 * (L2 + s2 * (L3 + s2 * (L4 + s2 * (L5 + s2 * L6)))));
    r += s_l * (s_h + ss);
    let s2 = s_h * s_h;
    let t_h = high_part(3.0 + s2 + r);
    let t_l = r - ((t_h - 3.0) - s2);
    let u = s_h * t_h;
    let v = s_l * t_h + t_l * ss;
    let p_h = high_part(u + v);
    let p_l = v - (p_h - u);
    let z_h = CP_H * p_h;
    let z_l = CP_L * p_h + p_l * CP + dp_l;
    let t = int_to_f64(n);
    let t1 = high_part(((z_h + z_l) + dp_h) + t);
    let t2 = z_l - (((t1 - t) - dp_h) - z_h);

    // y·log2(x) = p_h + p_l, p_h exact.
    let y1 = high_part(y);
    let p_l = (y - y1) * t1 + y * t2;
    let p_h = y1 * t1;
    let z = p_l + p_h;

    // 2^z = 2^m · 2^(z - m), m the nearest integer (z clamped so that m is small).
    let zc = z.clamp(-1100.0, 1100.0);
    let shifted = zc + SHIFTER;
    let mf = shifted - SHIFTER;
    let m = (shifted.to_bits() as i64).wrapping_sub(SHIFTER.to_bits() as i64);
    let p_h = p_h - mf; // exact
    let t = high_part(p_l + p_h);
    let u = t * LG2_H;
    let v = (p_l - (t - p_h)) * LG2_FULL + t * LG2_L;
    let w0 = u + v;
    let w = v - (w0 - u);
    let t = w0 * w0;
    let t1 = w0 - t * (P1 + t * (P2 + t * (P3 + t * (P4 + t * P5))));
    let r = (w0 * t1) / (t1 - 2.0) - (w + w0 * w);
    let e = 1.0 - (r - w0);
    let v = scale(e, m);
    if z >= 1100.0 {
        f64::INFINITY
    } else if z <= -1100.0 {
        0.0
    } else {
        v
    }
}

/// [`pow_core`] with the exact cases (`y` = 1, 2, -1, 0.5, 0 and `x` = 1) as selects.
#[inline(always)]
pub(crate) fn pow_general(x: f64, y: f64) -> f64 {
    let v = pow_core(x, y);
    if y == 1.0 {
        x
    } else if y == 2.0 {
        x * x
    } else if y == -1.0 {
        1.0 / x
    } else if y == 0.5 {
        x.sqrt()
    } else if x == 1.0 || y == 0.0 {
        1.0
    } else {
        v
    }
}

/// Whether `y` is an odd integer.
fn is_odd_integer(y: f64) -> bool {
    y.abs() < TWO53 && y.trunc() == y && (y % 2.0).abs() == 1.0
}

/// [`pow`] for an infinite or NaN base or exponent (C99 Annex F).
#[cold]
#[inline(never)]
pub(crate) fn pow_special(x: f64, y: f64) -> f64 {
    if y == 0.0 || x == 1.0 {
        return 1.0;
    }
    if x.is_nan() || y.is_nan() {
        return x + y;
    }
    if y.is_infinite() {
        let ax = x.abs();
        return if ax == 1.0 {
            1.0
        } else if (ax > 1.0) == (y > 0.0) {
            f64::INFINITY
        } else {
            0.0
        };
    }
    let odd = is_odd_integer(y);
    if x == 0.0 {
        return match (y > 0.0, odd) {
            (true, true) => x,
            (true, false) => 0.0,
            (false, true) => 1.0 / x,
            (false, false) => f64::INFINITY,
        };
    }
    if x.is_infinite() {
        let magnitude = if y > 0.0 { f64::INFINITY } else { 0.0 };
        return if x < 0.0 && odd {
            -magnitude
        } else {
            magnitude
        };
    }
    pow_finite(x, y)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn helpers_are_exact() {
        for k in -1100..=1100 {
            assert_eq!(int_to_f64(k), k as f64);
        }
        for k in -1022..=1023 {
            assert_eq!(pow2(k), 2f64.powi(k as i32));
        }
        assert_eq!(scale(1.0, -1074), f64::from_bits(1));
        assert_eq!(scale(1.5, 1023), 1.5 * 2f64.powi(1023));
        assert_eq!(scale(1.0, 1024), f64::INFINITY);
        assert_eq!(scale(1.0, -1080), 0.0);
    }
}
