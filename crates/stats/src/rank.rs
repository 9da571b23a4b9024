//! Ranks with ties averaged (the "average" method of R's `rank` and `scipy.stats.rankdata`).

/// 1-based ranks of `data`; tied values share the mean of the ranks they span.
///
/// ```
/// assert_eq!(pressure_stats::average_ranks(&[10.0, 30.0, 20.0, 20.0]), vec![1.0, 4.0, 2.5, 2.5]);
/// ```
pub fn average_ranks(data: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..data.len()).collect();
    order.sort_by(|&a, &b| data[a].total_cmp(&data[b]).then(a.cmp(&b)));
    let mut ranks = vec![0.0; data.len()];
    let mut start = 0;
    while start < order.len() {
        let mut end = start + 1;
        while end < order.len() && data[order[end]] == data[order[start]] {
            end += 1;
        }
        // Positions start..end (0-based) hold equal values: ranks start+1 ..= end.
        let shared = (start + 1 + end) as f64 / 2.0;
        for &i in &order[start..end] {
            ranks[i] = shared;
        }
        start = end;
    }
    ranks
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ties_and_order() {
        assert_eq!(
            average_ranks(&[3.0, 1.0, 3.0, 3.0, 2.0]),
            vec![4.0, 1.0, 4.0, 4.0, 2.0]
        );
        assert!(average_ranks(&[]).is_empty());
    }
}
