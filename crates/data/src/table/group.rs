//! Grouping keys: dense integer ids for the distinct combinations of one or more columns, the
//! building block of fixed effects, clustering and per-country operations.

use super::{Column, Table, TextColumn};
use crate::error::Result;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// Dense group ids (0, 1, 2, … in order of first appearance) for each row of a table.
///
/// A missing key value is a value of its own: rows missing the key form their own group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Groups {
    ids: Vec<u32>,
    first_rows: Vec<usize>,
    keys: Vec<String>,
}

impl Groups {
    /// The group id of each row.
    pub fn ids(&self) -> &[u32] {
        &self.ids
    }

    /// Number of distinct groups.
    pub fn n_groups(&self) -> usize {
        self.first_rows.len()
    }

    /// For each group, the first row (0-based) where it occurs.
    pub fn first_rows(&self) -> &[usize] {
        &self.first_rows
    }

    /// The key columns.
    pub fn keys(&self) -> &[String] {
        &self.keys
    }

    /// The key values of group `g`, as text (empty when missing), read from `table` (the table
    /// the groups were made from).
    pub fn label(&self, table: &Table, g: usize) -> Vec<String> {
        let row = self.first_rows[g];
        self.keys
            .iter()
            .map(|k| table.column(k).map(|c| c.display(row)).unwrap_or_default())
            .collect()
    }

    /// Number of rows in each group.
    pub fn sizes(&self) -> Vec<usize> {
        let mut n = vec![0; self.n_groups()];
        for &g in &self.ids {
            n[g as usize] += 1;
        }
        n
    }

    /// Row indices of each group, in row order.
    pub fn rows(&self) -> Vec<Vec<usize>> {
        let mut out: Vec<Vec<usize>> = self.sizes().into_iter().map(Vec::with_capacity).collect();
        for (i, &g) in self.ids.iter().enumerate() {
            out[g as usize].push(i);
        }
        out
    }
}

/// A small, fast, deterministic hasher (the multiply-rotate scheme of rustc's FxHash) for
/// integer keys; SipHash would dominate the time of grouping a million rows.
#[derive(Default, Clone, Copy)]
struct FxHasher(u64);

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(u64::from(b));
        }
    }
    fn write_u32(&mut self, x: u32) {
        self.write_u64(u64::from(x));
    }
    fn write_u64(&mut self, x: u64) {
        self.0 = (self.0.rotate_left(5) ^ x).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

type FxMap<K, V> = HashMap<K, V, BuildHasherDefault<FxHasher>>;

/// Dense per-row codes of one column (equal exactly when the values are equal) and their count.
fn dense_codes(c: &Column) -> (Vec<u32>, usize) {
    match c {
        Column::Text(t) => {
            let missing = t.levels().len() as u32;
            let codes = t
                .codes()
                .iter()
                .map(|&k| if k == TextColumn::MISSING { missing } else { k })
                .collect();
            (codes, t.levels().len() + 1)
        }
        Column::Int(v) => {
            let (lo, hi) = v
                .iter()
                .flatten()
                .fold((i64::MAX, i64::MIN), |(lo, hi), &x| (lo.min(x), hi.max(x)));
            let span = (hi as i128) - (lo as i128);
            if lo <= hi && span < (4 * v.len() as i128).max(1 << 16) {
                // Small range (years, codes, flags): the offset is the code.
                let missing = (span + 1) as u32;
                let codes = v
                    .iter()
                    .map(|x| x.map_or(missing, |x| (x - lo) as u32))
                    .collect();
                (codes, span as usize + 2)
            } else {
                hash_codes(
                    v.iter()
                        .map(|x| x.map_or(u64::MAX, |x| x as u64 ^ (1 << 63))),
                )
            }
        }
        // NaN (missing) gets one code; -0.0 and 0.0 are the same value.
        Column::Float(v) => hash_codes(v.iter().map(|&x| {
            if x.is_nan() {
                u64::MAX
            } else {
                (x + 0.0).to_bits()
            }
        })),
    }
}

fn hash_codes(values: impl ExactSizeIterator<Item = u64>) -> (Vec<u32>, usize) {
    let mut map: FxMap<u64, u32> = FxMap::default();
    let codes = values
        .map(|x| {
            let next = map.len() as u32;
            *map.entry(x).or_insert(next)
        })
        .collect();
    (codes, map.len())
}

pub(super) fn group_by<S: AsRef<str>>(table: &Table, keys: &[S]) -> Result<Groups> {
    let n = table.n_rows();
    let mut ids = vec![0u32; n];
    let mut n_groups = usize::from(n > 0);
    // Combine one column at a time: (group so far, value code) -> new dense group, numbered in
    // order of first appearance. A direct lookup table when the product of the cardinalities is
    // small (country x year panels), a hash map otherwise.
    for k in keys {
        let (codes, cardinality) = dense_codes(table.column(k.as_ref())?);
        let mut next = 0u32;
        let product = n_groups.saturating_mul(cardinality);
        if product <= (4 * n).max(1 << 16) {
            let mut lookup = vec![u32::MAX; product];
            for (id, code) in ids.iter_mut().zip(codes) {
                let slot = &mut lookup[*id as usize * cardinality + code as usize];
                if *slot == u32::MAX {
                    *slot = next;
                    next += 1;
                }
                *id = *slot;
            }
        } else {
            let mut map: FxMap<(u32, u32), u32> = FxMap::default();
            for (id, code) in ids.iter_mut().zip(codes) {
                *id = *map.entry((*id, code)).or_insert_with(|| {
                    next += 1;
                    next - 1
                });
            }
        }
        n_groups = next as usize;
    }
    let mut first_rows = vec![usize::MAX; n_groups];
    for (i, &g) in ids.iter().enumerate() {
        if first_rows[g as usize] == usize::MAX {
            first_rows[g as usize] = i;
        }
    }
    Ok(Groups {
        ids,
        first_rows,
        keys: keys.iter().map(|k| k.as_ref().to_owned()).collect(),
    })
}

#[cfg(test)]
mod tests {
    use crate::table::{ReadOptions, Table};

    #[test]
    fn two_keys_and_missing() {
        let t = Table::read_str(
            "c,y,v\nA,1,0\nB,1,0\nA,1,0\n,1,0\nA,2,0\n,1,0\n",
            "t.csv",
            &ReadOptions::new(),
        )
        .unwrap();
        let g = t.group_by(&["c", "y"]).unwrap();
        assert_eq!(g.ids(), &[0, 1, 0, 2, 3, 2]);
        assert_eq!(g.n_groups(), 4);
        assert_eq!(g.sizes(), vec![2, 1, 2, 1]);
        assert_eq!(g.label(&t, 3), vec!["A", "2"]);
        assert_eq!(g.label(&t, 2), vec!["", "1"]);
        assert_eq!(g.rows()[0], vec![0, 2]);
        let none = t.group_by::<&str>(&[]).unwrap();
        assert_eq!(none.n_groups(), 1);
        assert!(t.group_by(&["nope"]).is_err());
    }

    #[test]
    fn float_keys() {
        let t =
            Table::read_str("x\n0.0\n-0.0\nNA\n1.5\nNA\n", "t.csv", &ReadOptions::new()).unwrap();
        let g = t.group_by(&["x"]).unwrap();
        assert_eq!(g.ids(), &[0, 0, 1, 2, 1]);
    }
}
