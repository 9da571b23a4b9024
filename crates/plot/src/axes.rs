//! Axis arithmetic: linear scales, "nice" tick positions and tick-label formatting.

/// A linear map from data values to pixels.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scale {
    pub d0: f64,
    pub d1: f64,
    pub p0: f64,
    pub p1: f64,
}

impl Scale {
    pub fn map(&self, v: f64) -> f64 {
        self.p0 + (v - self.d0) / (self.d1 - self.d0) * (self.p1 - self.p0)
    }
}

/// A step of 1, 2, 2.5 or 5 times a power of ten giving about `target` intervals over `span`.
pub fn nice_step(span: f64, target: f64) -> f64 {
    let raw = span / target.max(1.0);
    let mag = 10f64.powf(raw.log10().floor());
    let r = raw / mag;
    let m = if r < 1.5 {
        1.0
    } else if r < 2.25 {
        2.0
    } else if r < 3.5 {
        2.5
    } else if r < 7.5 {
        5.0
    } else {
        10.0
    };
    m * mag
}

/// Tick values: multiples of a nice step inside [lo, hi].
pub fn ticks(lo: f64, hi: f64, target: f64) -> Vec<f64> {
    if hi.partial_cmp(&lo) != Some(std::cmp::Ordering::Greater)
        || !lo.is_finite()
        || !hi.is_finite()
    {
        return vec![];
    }
    ticks_with_step(lo, hi, nice_step(hi - lo, target))
}

/// Ticks at whole numbers only (event times, horizons, years).
pub fn integer_ticks(lo: f64, hi: f64, target: f64) -> Vec<f64> {
    if hi.partial_cmp(&lo) != Some(std::cmp::Ordering::Greater)
        || !lo.is_finite()
        || !hi.is_finite()
    {
        return vec![];
    }
    let step = nice_step(hi - lo, target).max(1.0).floor();
    ticks_with_step(lo, hi, step)
}

fn ticks_with_step(lo: f64, hi: f64, step: f64) -> Vec<f64> {
    let first = (lo / step - 1e-9).ceil();
    let last = (hi / step + 1e-9).floor();
    let n = (last - first) as i64;
    if !(0..=1000).contains(&n) {
        return vec![];
    }
    (0..=n)
        .map(|i| {
            let v = (first + i as f64) * step;
            // Snap values that are zero up to rounding so they print as 0.
            if v.abs() < step * 1e-9 {
                0.0
            } else {
                v
            }
        })
        .collect()
}

const SUPERSCRIPT: [char; 10] = ['⁰', '¹', '²', '³', '⁴', '⁵', '⁶', '⁷', '⁸', '⁹'];

fn superscript(n: i32) -> String {
    let mut s = String::new();
    if n < 0 {
        s.push('⁻');
    }
    for d in n.unsigned_abs().to_string().bytes() {
        s.push(SUPERSCRIPT[(d - b'0') as usize]);
    }
    s
}

/// Typographic minus (U+2212) instead of the hyphen.
pub fn minus(s: String) -> String {
    if let Some(rest) = s.strip_prefix('-') {
        format!("−{rest}")
    } else {
        s
    }
}

/// Fewest decimals (≤ 6) that print every tick exactly.
fn decimals_for(values: &[f64]) -> usize {
    (0..=6)
        .find(|&d| {
            let f = 10f64.powi(d as i32);
            values
                .iter()
                .all(|v| ((v * f) - (v * f).round()).abs() < 1e-6 * f.max(1.0))
        })
        .unwrap_or(6)
}

/// Labels for a set of ticks sharing one format: fixed decimals, or `a×10ⁿ` when the values
/// are very large or very small.
pub fn tick_labels(values: &[f64]) -> Vec<String> {
    let max = values.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    if max >= 1e5 || (max > 0.0 && max < 1e-3) {
        let exp = max.log10().floor() as i32;
        let f = 10f64.powi(exp);
        let mantissas: Vec<f64> = values.iter().map(|v| v / f).collect();
        let d = decimals_for(&mantissas).min(3);
        return mantissas
            .iter()
            .map(|m| {
                if m.abs() < 1e-12 {
                    "0".to_string()
                } else {
                    minus(format!("{m:.d$}×10{}", superscript(exp)))
                }
            })
            .collect();
    }
    let d = decimals_for(values);
    values.iter().map(|v| minus(format!("{v:.d$}"))).collect()
}

/// Formats a single value for annotations (3 significant digits).
pub fn format_value(v: f64) -> String {
    if v == 0.0 || !v.is_finite() {
        return format!("{v}");
    }
    let mag = v.abs().log10().floor() as i32;
    if !(-3..5).contains(&mag) {
        return tick_labels(&[v]).remove(0);
    }
    let d = (2 - mag).max(0) as usize;
    minus(format!("{v:.d$}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nice_steps() {
        assert_eq!(nice_step(10.0, 5.0), 2.0);
        assert_eq!(nice_step(1.0, 4.0), 0.25);
        assert_eq!(nice_step(37.0, 5.0), 5.0);
        assert_eq!(nice_step(0.03, 5.0), 0.005);
    }

    #[test]
    fn ticks_cover_the_range_with_nice_values() {
        assert_eq!(ticks(0.0, 10.0, 5.0), vec![0.0, 2.0, 4.0, 6.0, 8.0, 10.0]);
        assert_eq!(ticks(-0.3, 0.9, 5.0), vec![-0.25, 0.0, 0.25, 0.5, 0.75]);
        assert!(ticks(1.0, 1.0, 5.0).is_empty());
        assert_eq!(integer_ticks(-1.2, 1.2, 5.0), vec![-1.0, 0.0, 1.0]);
        assert_eq!(
            integer_ticks(-6.0, 9.0, 6.0),
            vec![-6.0, -4.0, -2.0, 0.0, 2.0, 4.0, 6.0, 8.0]
        );
    }

    #[test]
    fn labels_share_decimals_and_use_true_minus() {
        assert_eq!(
            tick_labels(&[-0.25, 0.0, 0.25, 0.5]),
            vec!["−0.25", "0.00", "0.25", "0.50"]
        );
        assert_eq!(tick_labels(&[2010.0, 2015.0]), vec!["2010", "2015"]);
        assert_eq!(tick_labels(&[0.0, 2e6, 4e6]), vec!["0", "2×10⁶", "4×10⁶"]);
        assert_eq!(format_value(1.23456), "1.23");
        assert_eq!(format_value(-1234.6), "−1235");
    }
}
