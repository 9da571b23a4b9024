//! The value type of unit analysis: a unit as a scale factor times a product of base
//! dimensions raised to rational powers, plus the names it was written with (for messages).

use std::collections::BTreeMap;
use std::fmt;

/// A rational exponent `num / den` (`den > 0`, lowest terms). Exponents are rational so that
/// `SQRT(m^2)` is `m` and `SQRT(m)` is `m^(1/2)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Ratio {
    num: i64,
    den: i64,
}

fn gcd(a: i64, b: i64) -> i64 {
    let (mut a, mut b) = (a.abs(), b.abs());
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a.max(1)
}

impl Ratio {
    /// 0/1.
    pub const ZERO: Ratio = Ratio { num: 0, den: 1 };
    /// 1/1.
    pub const ONE: Ratio = Ratio { num: 1, den: 1 };

    /// `num / den`; `None` when `den` is zero.
    pub fn new(num: i64, den: i64) -> Option<Ratio> {
        if den == 0 {
            return None;
        }
        let g = gcd(num, den);
        let s = if den < 0 { -1 } else { 1 };
        Some(Ratio {
            num: s * num / g,
            den: s * den / g,
        })
    }

    /// The integer `n` as a fraction.
    pub fn int(n: i64) -> Ratio {
        Ratio { num: n, den: 1 }
    }

    /// The nearest fraction with a denominator up to 12, if `x` is within 1e-9 of it
    /// (exponents such as 2, -1, 0.5 and 1/3 written as 0.333333333333).
    pub fn approx(x: f64) -> Option<Ratio> {
        if !x.is_finite() || x.abs() > 1e6 {
            return None;
        }
        (1..=12).find_map(|den| {
            let num = (x * den as f64).round();
            ((num / den as f64 - x).abs() <= 1e-9)
                .then(|| Ratio::new(num as i64, den).expect("den > 0"))
        })
    }

    /// The numerator (the fraction is kept in lowest terms, denominator positive).
    pub fn numer(self) -> i64 {
        self.num
    }

    /// The denominator (positive).
    pub fn denom(self) -> i64 {
        self.den
    }

    /// True for 0.
    pub fn is_zero(self) -> bool {
        self.num == 0
    }

    /// The fraction as a float.
    pub fn to_f64(self) -> f64 {
        self.num as f64 / self.den as f64
    }

    fn add(self, o: Ratio) -> Ratio {
        Ratio::new(self.num * o.den + o.num * self.den, self.den * o.den).expect("den > 0")
    }

    fn mul(self, o: Ratio) -> Ratio {
        Ratio::new(self.num * o.num, self.den * o.den).expect("den > 0")
    }

    fn neg(self) -> Ratio {
        Ratio {
            num: -self.num,
            den: self.den,
        }
    }
}

impl fmt::Display for Ratio {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.den == 1 {
            write!(f, "{}", self.num)
        } else {
            write!(f, "({}/{})", self.num, self.den)
        }
    }
}

/// Relative tolerance for "the same scale factor".
const SCALE_TOL: f64 = 1e-9;

/// A unit of measure.
///
/// Two views of the same unit are kept:
/// * the *canonical* one (`scale` times base dimensions to powers) decides whether two units
///   are the same: `1/year/year` equals `year^-2`, and `month` is `year / 12`;
/// * the *named* one (the unit names as written, after aliases) is what messages print, so a
///   user reads `usd_bn/year` rather than a product of base dimensions.
///
/// ```
/// use pressure_model::units::UnitRegistry;
/// let reg = UnitRegistry::builtin();
/// let a = reg.parse("person/year/year").unwrap();
/// let b = reg.parse("person * year^-2").unwrap();
/// assert_eq!(a, b);
/// assert_eq!(a.to_string(), "person/year^2");
/// let month = reg.parse("month").unwrap();
/// let year = reg.parse("year").unwrap();
/// assert!(month.same_dimension(&year) && month != year);
/// ```
#[derive(Clone, Debug)]
pub struct Unit {
    scale: f64,
    dims: BTreeMap<String, Ratio>,
    named: BTreeMap<String, Ratio>,
    /// Numeric factor written in the expression (`1000 * usd`), shown in messages.
    factor: f64,
}

impl PartialEq for Unit {
    fn eq(&self, other: &Unit) -> bool {
        self.same_dimension(other)
            && (self.scale - other.scale).abs()
                <= SCALE_TOL * self.scale.abs().max(other.scale.abs())
    }
}

impl Unit {
    /// The dimensionless unit `1`.
    pub fn one() -> Unit {
        Unit {
            scale: 1.0,
            dims: BTreeMap::new(),
            named: BTreeMap::new(),
            factor: 1.0,
        }
    }

    /// A new base unit: its own dimension, scale 1.
    pub(crate) fn base(name: &str) -> Unit {
        let mut u = Unit::one();
        u.dims.insert(name.to_string(), Ratio::ONE);
        u.named.insert(name.to_string(), Ratio::ONE);
        u
    }

    /// A unit named `name` defined as `def` (same dimension and scale, shown as `name`).
    pub(crate) fn named_as(name: &str, def: &Unit) -> Unit {
        let mut named = BTreeMap::new();
        named.insert(name.to_string(), Ratio::ONE);
        Unit {
            scale: def.scale,
            dims: def.dims.clone(),
            named,
            factor: 1.0,
        }
    }

    /// A pure number `x` (a factor in a unit expression such as `1000 * usd`).
    pub(crate) fn number(x: f64) -> Unit {
        Unit {
            scale: x,
            factor: x,
            ..Unit::one()
        }
    }

    /// True for units without dimension and with scale 1 (`dimensionless`, `1/year * year`).
    pub fn is_dimensionless(&self) -> bool {
        self.dims.is_empty() && (self.scale - 1.0).abs() <= SCALE_TOL
    }

    /// Same base dimensions (possibly a different scale: `month` and `year`).
    pub fn same_dimension(&self, other: &Unit) -> bool {
        self.dims == other.dims
    }

    /// The scale factor relative to the base units (`month` is 1/12 of `year`'s).
    pub fn scale(&self) -> f64 {
        self.scale
    }

    /// `self / other` as a number when both have the same dimension.
    pub fn ratio_to(&self, other: &Unit) -> Option<f64> {
        self.same_dimension(other).then(|| self.scale / other.scale)
    }

    /// The product unit `self · o` (scales multiply, exponents add).
    pub fn mul(&self, o: &Unit) -> Unit {
        Unit {
            scale: self.scale * o.scale,
            dims: merge(&self.dims, &o.dims, Ratio::ONE),
            named: merge(&self.named, &o.named, Ratio::ONE),
            factor: self.factor * o.factor,
        }
    }

    /// The quotient unit `self / o` (scales divide, exponents subtract).
    pub fn div(&self, o: &Unit) -> Unit {
        Unit {
            scale: self.scale / o.scale,
            dims: merge(&self.dims, &o.dims, Ratio::ONE.neg()),
            named: merge(&self.named, &o.named, Ratio::ONE.neg()),
            factor: self.factor / o.factor,
        }
    }

    /// `self` raised to the power `k` (scale to `k`, exponents times `k`).
    pub fn pow(&self, k: Ratio) -> Unit {
        let scale = self.scale.powf(k.to_f64());
        let factor = self.factor.powf(k.to_f64());
        let p = |m: &BTreeMap<String, Ratio>| -> BTreeMap<String, Ratio> {
            m.iter()
                .map(|(n, e)| (n.clone(), e.mul(k)))
                .filter(|(_, e)| !e.is_zero())
                .collect()
        };
        Unit {
            scale,
            dims: p(&self.dims),
            named: p(&self.named),
            factor,
        }
    }

    /// `1 / self`.
    pub fn recip(&self) -> Unit {
        Unit::one().div(self)
    }
}

fn merge(
    a: &BTreeMap<String, Ratio>,
    b: &BTreeMap<String, Ratio>,
    sign: Ratio,
) -> BTreeMap<String, Ratio> {
    let mut out = a.clone();
    for (n, e) in b {
        let v = out.get(n).copied().unwrap_or(Ratio::ZERO).add(e.mul(sign));
        if v.is_zero() {
            out.remove(n);
        } else {
            out.insert(n.clone(), v);
        }
    }
    out
}

fn fmt_number(x: f64) -> String {
    if x == x.trunc() && x.abs() < 1e15 {
        format!("{}", x as i64)
    } else {
        format!("{x}")
    }
}

impl fmt::Display for Unit {
    /// `usd_bn/year`, `1/year`, `person*year`, `usd_bn/year^2`, `dimensionless`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let pos: Vec<String> = self
            .named
            .iter()
            .filter(|(_, e)| e.num > 0)
            .map(|(n, e)| {
                if *e == Ratio::ONE {
                    n.clone()
                } else {
                    format!("{n}^{e}")
                }
            })
            .collect();
        let neg: Vec<String> = self
            .named
            .iter()
            .filter(|(_, e)| e.num < 0)
            .map(|(n, e)| {
                let e = e.neg();
                if e == Ratio::ONE {
                    n.clone()
                } else {
                    format!("{n}^{e}")
                }
            })
            .collect();
        let mut num = pos.join("*");
        if (self.factor - 1.0).abs() > SCALE_TOL {
            num = if num.is_empty() {
                fmt_number(self.factor)
            } else {
                format!("{}*{num}", fmt_number(self.factor))
            };
        }
        if num.is_empty() && neg.is_empty() {
            return write!(f, "dimensionless");
        }
        if num.is_empty() {
            num = "1".into();
        }
        write!(f, "{num}")?;
        for n in neg {
            write!(f, "/{n}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ratios_reduce_and_approximate() {
        assert_eq!(Ratio::new(2, 4), Ratio::new(1, 2));
        assert_eq!(Ratio::new(3, -6), Ratio::new(-1, 2));
        assert_eq!(Ratio::approx(0.5), Ratio::new(1, 2));
        assert_eq!(Ratio::approx(1.0 / 3.0), Ratio::new(1, 3));
        assert_eq!(Ratio::approx(-2.0), Some(Ratio::int(-2)));
        assert_eq!(Ratio::approx(0.123456), None);
        assert_eq!(Ratio::new(1, 0), None);
    }

    #[test]
    fn products_cancel_and_display() {
        let usd = Unit::base("usd");
        let year = Unit::base("year");
        let flow = usd.div(&year);
        assert_eq!(flow.to_string(), "usd/year");
        assert_eq!(flow.mul(&year), usd);
        assert_eq!(flow.mul(&year).to_string(), "usd");
        assert_eq!(year.recip().to_string(), "1/year");
        assert_eq!(flow.div(&year).to_string(), "usd/year^2");
        assert!(year.div(&year).is_dimensionless());
        assert_eq!(year.div(&year).to_string(), "dimensionless");
        let area = usd.pow(Ratio::int(2));
        assert_eq!(area.pow(Ratio::new(1, 2).unwrap()), usd);
        assert_eq!(usd.pow(Ratio::new(1, 2).unwrap()).to_string(), "usd^(1/2)");
        assert_ne!(usd, year);
        assert_eq!(Unit::number(1000.0).mul(&usd).to_string(), "1000*usd");
    }
}
