//! Running summary statistics (count, mean, variance, min, max) that can be merged.
//!
//! Values are added with Welford's update and summaries are merged with Chan, Golub & LeVeque's
//! pairwise formula, both numerically stable. Merging is deterministic but not associative in
//! floating point: callers that need results independent of how work was split must merge in a
//! fixed order (see `pressure-sensitivity`'s block tree).

/// Count, mean, sum of squared deviations, minimum and maximum of a stream of values.
///
/// ```
/// use pressure_stats::Summary;
/// let mut a = Summary::default();
/// for x in [1.0, 2.0, 3.0] { a.push(x); }
/// let mut b = Summary::default();
/// b.push(4.0);
/// a.merge(&b);
/// assert_eq!(a.count(), 4);
/// assert_eq!(a.mean(), 2.5);
/// assert!((a.variance(1) - 5.0 / 3.0).abs() < 1e-15);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Summary {
    n: u64,
    mean: f64,
    m2: f64,
    min: f64,
    max: f64,
}

impl Default for Summary {
    fn default() -> Self {
        Summary {
            n: 0,
            mean: 0.0,
            m2: 0.0,
            min: f64::INFINITY,
            max: f64::NEG_INFINITY,
        }
    }
}

impl Summary {
    /// Summary of a slice.
    pub fn of(data: &[f64]) -> Self {
        let mut s = Summary::default();
        for &x in data {
            s.push(x);
        }
        s
    }

    /// Adds one value (Welford).
    #[inline]
    pub fn push(&mut self, x: f64) {
        self.n += 1;
        let delta = x - self.mean;
        self.mean += delta / self.n as f64;
        self.m2 += delta * (x - self.mean);
        self.min = self.min.min(x);
        self.max = self.max.max(x);
    }

    /// Appends the values summarised by `other` (Chan et al. pairwise update).
    pub fn merge(&mut self, other: &Summary) {
        if other.n == 0 {
            return;
        }
        if self.n == 0 {
            *self = *other;
            return;
        }
        let n = self.n + other.n;
        let delta = other.mean - self.mean;
        let w = other.n as f64 / n as f64;
        self.mean += delta * w;
        self.m2 += other.m2 + delta * delta * self.n as f64 * w;
        self.n = n;
        self.min = self.min.min(other.min);
        self.max = self.max.max(other.max);
    }

    /// Number of values pushed (or merged in).
    pub fn count(&self) -> u64 {
        self.n
    }
    /// Mean (NaN when empty).
    pub fn mean(&self) -> f64 {
        if self.n == 0 {
            f64::NAN
        } else {
            self.mean
        }
    }
    /// Variance with `ddof` delta degrees of freedom (1 = sample variance); NaN when `n <= ddof`.
    pub fn variance(&self, ddof: u64) -> f64 {
        if self.n <= ddof {
            f64::NAN
        } else {
            self.m2 / (self.n - ddof) as f64
        }
    }
    /// Standard deviation with `ddof` delta degrees of freedom.
    pub fn std_dev(&self, ddof: u64) -> f64 {
        self.variance(ddof).sqrt()
    }
    /// Smallest value seen (`+inf` when empty).
    pub fn min(&self) -> f64 {
        self.min
    }
    /// Largest value seen (`-inf` when empty).
    pub fn max(&self) -> f64 {
        self.max
    }
    /// Sum of squared deviations from the mean.
    pub fn m2(&self) -> f64 {
        self.m2
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_two_pass() {
        let data: Vec<f64> = (0..1000).map(|i| 1e6 + (i as f64 * 0.37).sin()).collect();
        let mean = data.iter().sum::<f64>() / data.len() as f64;
        let var = data.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / 999.0;
        let mut left = Summary::of(&data[..317]);
        left.merge(&Summary::of(&data[317..]));
        for s in [Summary::of(&data), left] {
            assert!((s.mean() - mean).abs() < 1e-9);
            assert!((s.variance(1) - var).abs() / var < 1e-9);
            assert_eq!(s.count(), 1000);
        }
        assert!(Summary::default().mean().is_nan());
    }
}
