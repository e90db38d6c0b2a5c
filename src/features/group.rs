//! Grouping rows by customer, shared by the summary and the churn log: dense customer ids in
//! order of first appearance, and a stable counting sort of rows by id.

use std::hash::BuildHasher;

use polars::prelude::*;
use rayon::prelude::*;

use crate::dense::{DenseIndex, dense_index};

/// Customer ids as dense integers.
pub(crate) struct DenseIds<'a> {
    /// Distinct ids in order of first appearance.
    pub names: Vec<&'a str>,
    /// Per row: the dense index of its id.
    pub of_row: Vec<u32>,
    index: DenseIndex,
    state: PlRandomState,
}

impl DenseIds<'_> {
    /// The dense index of `id`, if it occurs.
    pub fn get(&self, id: &str) -> Option<u32> {
        let h = self.state.hash_one(id);
        self.index.find(h, |g| self.names[g as usize] == id)
    }
}

/// Gives each distinct id a dense index in order of first appearance (a missing id is "").
///
/// Rows that repeat the previous row's id form runs; each run's id is hashed once (in
/// parallel), and [`dense_index`] numbers the runs' ids.
pub(crate) fn dense_ids(ids: &StringChunked) -> DenseIds<'_> {
    let n = ids.len();
    let state = PlRandomState::default();
    // The chunks, and their row offsets, so any row can be read directly.
    let arrays: Vec<_> = ids.downcast_iter().collect();
    let mut offsets = Vec::with_capacity(arrays.len() + 1);
    offsets.push(0usize);
    for a in &arrays {
        offsets.push(offsets.last().unwrap() + a.len());
    }
    let value = |c: usize, i: usize| -> &str { arrays[c].get(i).unwrap_or_default() };
    let row_str = |r: u32| -> &str {
        let r = r as usize;
        let c = offsets.partition_point(|&o| o <= r) - 1;
        value(c, r - offsets[c])
    };
    const ROWS: usize = 1 << 16;

    // Runs, in row order: (first row, hash of the id).
    let runs: Vec<(u32, u64)> = (0..arrays.len())
        .into_par_iter()
        .flat_map_iter(|c| (0..arrays[c].len().div_ceil(ROWS)).map(move |b| (c, b)))
        .map(|(c, b)| {
            let (base, len) = (offsets[c], arrays[c].len());
            let (lo, hi) = (b * ROWS, ((b + 1) * ROWS).min(len));
            let mut out = Vec::new();
            let mut prev: Option<&str> = if lo > 0 { Some(value(c, lo - 1)) } else { None };
            for i in lo..hi {
                let s = value(c, i);
                if prev != Some(s) {
                    out.push(((base + i) as u32, state.hash_one(s)));
                    prev = Some(s);
                }
            }
            out
        })
        .flatten_iter()
        .collect();
    let hashes: Vec<u64> = runs.iter().map(|r| r.1).collect();
    let index = dense_index(&hashes, |a, b| {
        row_str(runs[a as usize].0) == row_str(runs[b as usize].0)
    });
    drop(hashes);
    let names: Vec<&str> = index
        .firsts
        .iter()
        .map(|&k| row_str(runs[k as usize].0))
        .collect();

    // Every row: its run's index.
    let mut of_row = vec![0u32; n];
    of_row
        .par_chunks_mut(ROWS)
        .enumerate()
        .for_each(|(b, chunk)| {
            let lo = b * ROWS;
            let mut k = runs.partition_point(|&(r, _)| r as usize <= lo) - 1;
            for (i, slot) in chunk.iter_mut().enumerate() {
                while k + 1 < runs.len() && runs[k + 1].0 as usize <= lo + i {
                    k += 1;
                }
                *slot = index.of_item[k];
            }
        });
    DenseIds {
        names,
        of_row,
        index: index.without_items(),
        state,
    }
}

/// Groups rows by key with a stable counting sort: rows of key `k` are
/// `order[start[k]..start[k + 1]]`, in their original order.
pub(crate) fn group_rows(n_keys: usize, keys: &[u32]) -> (Vec<usize>, Vec<u32>) {
    let mut start = vec![0usize; n_keys + 1];
    for &k in keys {
        start[k as usize + 1] += 1;
    }
    for i in 1..start.len() {
        start[i] += start[i - 1];
    }
    let mut fill = start.clone();
    let mut order = vec![0u32; keys.len()];
    for (row, &k) in keys.iter().enumerate() {
        order[fill[k as usize]] = row as u32;
        fill[k as usize] += 1;
    }
    (start, order)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_dense_in_first_appearance_and_groups_stable() {
        let ids = StringChunked::from_iter_values(
            "id".into(),
            ["b", "b", "a", "b", "c", "a"].into_iter(),
        );
        let d = dense_ids(&ids);
        assert_eq!(d.names, ["b", "a", "c"]);
        assert_eq!(d.of_row, [0, 0, 1, 0, 2, 1]);
        assert_eq!(d.get("c"), Some(2));
        assert_eq!(d.get("z"), None);

        let (start, order) = group_rows(3, &d.of_row);
        assert_eq!(start, [0, 3, 5, 6]);
        assert_eq!(order, [0, 1, 3, 2, 5, 4]);
        // Several chunks, a run across a chunk boundary, and a missing id ("").
        let mut ids = StringChunked::from_iter_values("id".into(), ["x", "y"].into_iter());
        ids.append(&StringChunked::from_iter_values(
            "id".into(),
            ["y", "x"].into_iter(),
        ))
        .unwrap();
        ids.append(&StringChunked::from_iter_options(
            "id".into(),
            [None, Some("z")].into_iter(),
        ))
        .unwrap();
        assert!(ids.chunks().len() > 1);
        let d = dense_ids(&ids);
        assert_eq!(d.names, ["x", "y", "", "z"]);
        assert_eq!(d.of_row, [0, 1, 1, 0, 2, 3]);
        assert_eq!(d.get(""), Some(2));
    }
}
