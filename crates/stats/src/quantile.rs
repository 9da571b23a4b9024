//! Sample quantiles.
//!
//! Definition: **R type 7** (Hyndman & Fan 1996, definition 7), the default of R's `quantile`
//! and NumPy's `np.quantile(method="linear")`. For sorted data `x[0] <= ... <= x[n-1]` and a
//! probability `p` in `[0, 1]`, let `h = (n - 1) p`; the quantile is
//! `x[floor h] + (h - floor h) (x[floor h + 1] - x[floor h])`.
//! `p = 0` gives the minimum and `p = 1` the maximum.

/// The type-7 quantile of already **sorted** finite data. Returns `None` for empty data or a
/// probability outside `[0, 1]` (or NaN).
///
/// ```
/// use pressure_stats::quantile_sorted;
/// let x = [2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0];
/// assert_eq!(quantile_sorted(&x, 0.5), Some(4.5));
/// assert!((quantile_sorted(&x, 0.75).unwrap() - 5.5).abs() < 1e-15);
/// ```
pub fn quantile_sorted(sorted: &[f64], p: f64) -> Option<f64> {
    if sorted.is_empty() || !(0.0..=1.0).contains(&p) {
        return None;
    }
    let n = sorted.len();
    let h = (n - 1) as f64 * p;
    let lo = h.floor() as usize;
    if lo + 1 >= n {
        return Some(sorted[n - 1]);
    }
    let frac = h - lo as f64;
    Some(sorted[lo] + frac * (sorted[lo + 1] - sorted[lo]))
}

/// Type-7 quantiles of unsorted data at several probabilities (sorts a copy once).
/// NaN values sort last (IEEE total order), so callers should reject them first.
///
/// ```
/// let q = pressure_stats::quantiles(&[3.0, 1.0, 2.0], &[0.0, 0.5, 1.0]).unwrap();
/// assert_eq!(q, vec![1.0, 2.0, 3.0]);
/// ```
pub fn quantiles(data: &[f64], probs: &[f64]) -> Option<Vec<f64>> {
    let mut sorted = data.to_vec();
    sorted.sort_by(f64::total_cmp);
    probs.iter().map(|&p| quantile_sorted(&sorted, p)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_r_type7() {
        // R: quantile(c(2,4,4,4,5,5,7,9), c(.1,.25,.75,.9), type = 7)
        //    -> 3.4 4.0 5.5 7.6
        let x = [2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0];
        let want = [3.4, 4.0, 5.5, 7.6];
        for (p, w) in [0.1, 0.25, 0.75, 0.9].iter().zip(want) {
            assert!(
                (quantile_sorted(&x, *p).unwrap() - w).abs() < 1e-12,
                "p={p}"
            );
        }
        assert_eq!(quantile_sorted(&x, 0.0), Some(2.0));
        assert_eq!(quantile_sorted(&x, 1.0), Some(9.0));
    }

    #[test]
    fn rejects_bad_input() {
        assert_eq!(quantile_sorted(&[], 0.5), None);
        assert_eq!(quantile_sorted(&[1.0], 1.5), None);
        assert_eq!(quantile_sorted(&[1.0], f64::NAN), None);
        assert_eq!(quantile_sorted(&[7.0], 0.3), Some(7.0));
    }
}
