//! Double-double arithmetic: an unevaluated sum `hi + lo` of two `f64` carrying about 32
//! significant digits.
//!
//! Used where float64 is not enough: the residuals of least-squares iterative refinement
//! (Björck 1967), which must be computed in higher precision than the factorisation for the
//! refinement to gain accuracy. Error-free transformations: Knuth's two-sum and Dekker's
//! two-product (with Veltkamp splitting, so no hardware FMA is required and the results are
//! the same on every machine).

/// A double-double number `hi + lo` with `|lo| <= ulp(hi)/2`.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Dd {
    /// The leading part: the value rounded to `f64`.
    pub hi: f64,
    /// The remainder `value − hi`.
    pub lo: f64,
}

/// `a + b = s + e` exactly (Knuth).
#[inline(always)]
pub fn two_sum(a: f64, b: f64) -> (f64, f64) {
    let s = a + b;
    let bb = s - a;
    let e = (a - (s - bb)) + (b - bb);
    (s, e)
}

/// `a + b = s + e` exactly, valid when `|a| >= |b|`.
#[inline(always)]
fn quick_two_sum(a: f64, b: f64) -> (f64, f64) {
    let s = a + b;
    (s, b - (s - a))
}

#[inline(always)]
fn split(a: f64) -> (f64, f64) {
    const SPLITTER: f64 = 134_217_729.0; // 2^27 + 1
    let t = SPLITTER * a;
    let hi = t - (t - a);
    (hi, a - hi)
}

/// `a * b = p + e` exactly (Dekker), barring overflow.
#[inline(always)]
pub fn two_prod(a: f64, b: f64) -> (f64, f64) {
    let p = a * b;
    let (ah, al) = split(a);
    let (bh, bl) = split(b);
    let e = ((ah * bh - p) + ah * bl + al * bh) + al * bl;
    (p, e)
}

impl Dd {
    /// Zero.
    pub const ZERO: Dd = Dd { hi: 0.0, lo: 0.0 };

    /// `x` exactly (remainder 0).
    #[inline(always)]
    pub fn from_f64(x: f64) -> Dd {
        Dd { hi: x, lo: 0.0 }
    }

    /// The nearest `f64`.
    #[inline(always)]
    pub fn to_f64(self) -> f64 {
        self.hi + self.lo
    }

    /// `self + x` for an `f64` `x`.
    #[inline(always)]
    pub fn add_f64(self, x: f64) -> Dd {
        let (s, e) = two_sum(self.hi, x);
        let (hi, lo) = quick_two_sum(s, e + self.lo);
        Dd { hi, lo }
    }

    /// `self + other`.
    #[inline(always)]
    pub fn add_dd(self, other: Dd) -> Dd {
        let (s, e) = two_sum(self.hi, other.hi);
        let (t, f) = two_sum(self.lo, other.lo);
        let (s, e) = quick_two_sum(s, e + t);
        let (hi, lo) = quick_two_sum(s, e + f);
        Dd { hi, lo }
    }

    /// `self + a * b` with the product formed exactly and added with Bailey's "sloppy"
    /// double-double addition: the error is about `2⁻¹⁰⁴·(|self| + |ab|)`, i.e. relative to the
    /// magnitudes of the terms, which is what accumulating a residual `y − Xβ` needs (the
    /// result is rounded to f64 afterwards), at half the cost of the exact `add_dd`.
    #[inline(always)]
    pub fn add_prod(self, a: f64, b: f64) -> Dd {
        let (p, e) = two_prod(a, b);
        let (s, t) = two_sum(self.hi, p);
        let t = t + (self.lo + e);
        let (hi, lo) = quick_two_sum(s, t);
        Dd { hi, lo }
    }
}

/// `sum_i a[i] * b[i]` accumulated in double-double.
pub fn dot(a: &[f64], b: &[f64]) -> Dd {
    a.iter()
        .zip(b)
        .fold(Dd::ZERO, |acc, (&x, &y)| acc.add_prod(x, y))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_prod_is_exact() {
        // (1 + 2^-30)^2 = 1 + 2^-29 + 2^-60: the last term is lost in f64 but kept in `e`.
        let a = 1.0 + 2f64.powi(-30);
        let (p, e) = two_prod(a, a);
        assert_eq!(p, 1.0 + 2f64.powi(-29));
        assert_eq!(e, 2f64.powi(-60));
    }

    #[test]
    fn dot_cancels_exactly() {
        // 1e16 + 1 - 1e16 = 1 exactly in double-double, 0 or 2 in f64.
        let a = [1e16, 1.0, -1e16];
        let b = [1.0, 1.0, 1.0];
        assert_eq!(dot(&a, &b).to_f64(), 1.0);
    }
}
