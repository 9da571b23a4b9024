//! Scalar statistics of a saved time series (linear interpolation between saved points).
//!
//! - `value_at(t)`: the series at `t`, interpolated between the neighbouring saved points
//!   (exact on the save grid);
//! - `mean(from, to)`: time average of the piecewise-linear series over the window
//!   (trapezoid rule on the saved points, interpolated at the window ends);
//! - `peak(from, to)` / `min(from, to)`: largest / smallest value in the window;
//! - `first_crossing(threshold, direction, from, to)`: the first time in the window at which
//!   the series reaches the threshold — going up (`value >= threshold`), going down
//!   (`value <= threshold`) or either; the time is interpolated within the save interval. If
//!   the series is already there at `from`, the answer is `from`. `None` if never.

/// Adds to `rows` the saved rows (positions in `time`) that [`value_at`]`(time, v, t)` reads:
/// `t`'s own row when it is a saved time, else the two around it. [`value_at`] on the series
/// restricted to rows that include these gives the same bits (the same points, the same
/// arithmetic).
pub fn rows_for_value_at(time: &[f64], t: f64, rows: &mut Vec<usize>) {
    if time.len() == 1 {
        rows.push(0);
        return;
    }
    match time.iter().position(|&x| x == t) {
        Some(k) => rows.push(k),
        None => {
            let k = segment(time, t);
            rows.extend([k, k + 1]);
        }
    }
}

/// Adds to `rows` the saved rows that the window statistics ([`mean`], [`peak`], [`min`],
/// [`first_crossing`]) over `[from, to]` read: those of the values at both ends and every
/// row strictly inside.
pub fn rows_for_window(time: &[f64], from: f64, to: f64, rows: &mut Vec<usize>) {
    rows_for_value_at(time, from, rows);
    rows_for_value_at(time, to, rows);
    rows.extend((0..time.len()).filter(|&k| time[k] > from && time[k] < to));
}

/// Which way a crossing must go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    Up,
    Down,
    Either,
}

/// Index `k` with `time[k] <= t <= time[k + 1]` (times ascending, `t` inside).
fn segment(time: &[f64], t: f64) -> usize {
    let k = time.partition_point(|&x| x <= t);
    k.saturating_sub(1).min(time.len().saturating_sub(2))
}

pub fn value_at(time: &[f64], v: &[f64], t: f64) -> f64 {
    if time.len() == 1 {
        return v[0];
    }
    let k = segment(time, t);
    let (t0, t1) = (time[k], time[k + 1]);
    if t == t0 {
        return v[k];
    }
    if t == t1 {
        return v[k + 1];
    }
    v[k] + (v[k + 1] - v[k]) * (t - t0) / (t1 - t0)
}

/// The piecewise-linear series restricted to `[from, to]`: points (t, v) including the ends.
fn window<'a>(
    time: &'a [f64],
    v: &'a [f64],
    from: f64,
    to: f64,
) -> impl Iterator<Item = (f64, f64)> + 'a {
    let start = (from, value_at(time, v, from));
    let end = (to, value_at(time, v, to));
    let inner = time
        .iter()
        .zip(v)
        .filter(move |(&t, _)| t > from && t < to)
        .map(|(&t, &x)| (t, x));
    std::iter::once(start)
        .chain(inner)
        .chain(std::iter::once(end))
}

pub fn mean(time: &[f64], v: &[f64], from: f64, to: f64) -> f64 {
    if to <= from {
        return value_at(time, v, from);
    }
    let pts: Vec<(f64, f64)> = window(time, v, from, to).collect();
    let area: f64 = pts
        .windows(2)
        .map(|w| 0.5 * (w[0].1 + w[1].1) * (w[1].0 - w[0].0))
        .sum();
    area / (to - from)
}

pub fn peak(time: &[f64], v: &[f64], from: f64, to: f64) -> f64 {
    window(time, v, from, to)
        .map(|p| p.1)
        .fold(f64::NEG_INFINITY, f64::max)
}

pub fn min(time: &[f64], v: &[f64], from: f64, to: f64) -> f64 {
    window(time, v, from, to)
        .map(|p| p.1)
        .fold(f64::INFINITY, f64::min)
}

pub fn first_crossing(
    time: &[f64],
    v: &[f64],
    threshold: f64,
    direction: Direction,
    from: f64,
    to: f64,
) -> Option<f64> {
    let reached = |x: f64, before: f64| match direction {
        Direction::Up => x >= threshold,
        Direction::Down => x <= threshold,
        Direction::Either => (x - threshold) * (before - threshold) <= 0.0,
    };
    let pts: Vec<(f64, f64)> = window(time, v, from, to).collect();
    let (t0, v0) = pts[0];
    let at_start = match direction {
        Direction::Up => v0 >= threshold,
        Direction::Down => v0 <= threshold,
        Direction::Either => v0 == threshold,
    };
    if at_start {
        return Some(t0);
    }
    for w in pts.windows(2) {
        let ((ta, va), (tb, vb)) = (w[0], w[1]);
        if reached(vb, va) {
            if vb == va {
                return Some(tb);
            }
            return Some(ta + (threshold - va) / (vb - va) * (tb - ta));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every statistic computed on the rows it needs (`rows_for_*`, plus rows another statistic
    /// needs) equals the statistic of the whole series bit for bit: irregular values, query
    /// times on and off the grid, at and beyond its ends, windows of every kind.
    #[test]
    fn statistics_on_their_rows_equal_the_whole_series_bit_for_bit() {
        let time: Vec<f64> = (0..41).map(|k| 0.25 * k as f64).collect();
        let v: Vec<f64> = (0..41)
            .map(|k| (k as f64 * 0.7).sin() * 3.0 + 0.01 * (k * k) as f64)
            .collect();
        let points = [0.0, 0.1, 0.25, 2.6, 7.0, 7.1, 9.9, 10.0, 10.5, -0.5];
        let windows = [
            (0.0, 10.0),
            (2.0, 7.0),
            (2.1, 6.95),
            (7.0, 7.0),
            (7.3, 7.4),
            (9.0, 10.0),
        ];
        let subset = |rows: &mut Vec<usize>| {
            rows.sort_unstable();
            rows.dedup();
            let t: Vec<f64> = rows.iter().map(|&k| time[k]).collect();
            let x: Vec<f64> = rows.iter().map(|&k| v[k]).collect();
            (t, x)
        };
        for &p in &points {
            // Alone and together with another statistic's rows.
            for extra in [None, Some(5usize), Some(40)] {
                let mut rows: Vec<usize> = extra.into_iter().collect();
                rows_for_value_at(&time, p, &mut rows);
                let (t, x) = subset(&mut rows);
                assert_eq!(
                    value_at(&t, &x, p).to_bits(),
                    value_at(&time, &v, p).to_bits(),
                    "value at {p} with {rows:?}"
                );
            }
        }
        for &(a, b) in &windows {
            for extra in [None, Some(0usize), Some(33)] {
                let mut rows: Vec<usize> = extra.into_iter().collect();
                rows_for_window(&time, a, b, &mut rows);
                let (t, x) = subset(&mut rows);
                let same = |f: &dyn Fn(&[f64], &[f64]) -> f64| {
                    assert_eq!(
                        f(&t, &x).to_bits(),
                        f(&time, &v).to_bits(),
                        "[{a}, {b}] with {rows:?}"
                    )
                };
                same(&|t, x| mean(t, x, a, b));
                same(&|t, x| peak(t, x, a, b));
                same(&|t, x| min(t, x, a, b));
                for d in [Direction::Up, Direction::Down, Direction::Either] {
                    same(&|t, x| first_crossing(t, x, 1.5, d, a, b).unwrap_or(-1.0));
                }
            }
        }
    }

    #[test]
    fn statistics_on_a_ramp() {
        let t = [0.0, 1.0, 2.0, 3.0, 4.0];
        let v = [0.0, 2.0, 4.0, 6.0, 8.0];
        assert_eq!(value_at(&t, &v, 2.5), 5.0);
        assert_eq!(value_at(&t, &v, 4.0), 8.0);
        assert_eq!(value_at(&t, &v, 0.0), 0.0);
        assert!((mean(&t, &v, 0.0, 4.0) - 4.0).abs() < 1e-15);
        assert!((mean(&t, &v, 0.5, 1.5) - 2.0).abs() < 1e-15);
        assert_eq!(peak(&t, &v, 0.0, 2.5), 5.0);
        assert_eq!(min(&t, &v, 1.5, 4.0), 3.0);
        assert_eq!(
            first_crossing(&t, &v, 5.0, Direction::Up, 0.0, 4.0),
            Some(2.5)
        );
        assert_eq!(
            first_crossing(&t, &v, 5.0, Direction::Down, 0.0, 4.0),
            Some(0.0)
        );
        assert_eq!(first_crossing(&t, &v, 9.0, Direction::Up, 0.0, 4.0), None);
        assert_eq!(
            first_crossing(&t, &v, 3.0, Direction::Either, 0.0, 4.0),
            Some(1.5)
        );
        let down = [8.0, 6.0, 4.0, 2.0, 0.0];
        assert_eq!(
            first_crossing(&t, &down, 5.0, Direction::Down, 0.0, 4.0),
            Some(1.5)
        );
    }
}
