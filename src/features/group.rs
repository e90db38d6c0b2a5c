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
    lookup: Lookup,
}

/// How [`DenseIds::get`] finds an id.
enum Lookup {
    /// The ids are sorted (`names` strictly increasing): binary search.
    Sorted,
    /// A hash index over `names`.
    Hashed {
        index: DenseIndex,
        state: PlRandomState,
    },
}

impl DenseIds<'_> {
    /// The dense index of `id`, if it occurs.
    pub fn get(&self, id: &str) -> Option<u32> {
        match &self.lookup {
            Lookup::Sorted => self.names.binary_search(&id).ok().map(|i| i as u32),
            Lookup::Hashed { index, state } => {
                let h = state.hash_one(id);
                index.find(h, |g| self.names[g as usize] == id)
            }
        }
    }
}

/// Gives each distinct id a dense index in order of first appearance (a missing id is "").
///
/// Rows that repeat the previous row's id form runs. When the runs' ids are strictly
/// increasing (a log sorted by customer, the usual export) every run is a new id and its
/// number is the run's: no hashing. Otherwise each run's id is hashed once (in parallel),
/// and [`dense_index`] numbers the runs' ids. Both give the same numbering.
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

    // Runs, in row order: their first rows.
    let runs: Vec<u32> = (0..arrays.len())
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
                    out.push((base + i) as u32);
                    prev = Some(s);
                }
            }
            out
        })
        .flatten_iter()
        .collect();
    let run_names: Vec<&str> = runs.par_iter().map(|&r| row_str(r)).collect();
    // Sorted: never decreasing. Two runs of one id meet only at a chunk boundary.
    let sorted = run_names.par_windows(2).all(|w| w[0] <= w[1]);
    let (names, of_run, lookup) = if sorted {
        if run_names.par_windows(2).all(|w| w[0] < w[1]) {
            (run_names, None, Lookup::Sorted)
        } else {
            let mut names: Vec<&str> = Vec::with_capacity(run_names.len());
            let of_run: Vec<u32> = run_names
                .iter()
                .map(|&s| {
                    if names.last() != Some(&s) {
                        names.push(s);
                    }
                    (names.len() - 1) as u32
                })
                .collect();
            (names, Some(of_run), Lookup::Sorted)
        }
    } else {
        let hashes: Vec<u64> = run_names.par_iter().map(|s| state.hash_one(s)).collect();
        let mut index = dense_index(&hashes, |a, b| {
            run_names[a as usize] == run_names[b as usize]
        });
        drop(hashes);
        let names: Vec<&str> = index
            .firsts
            .iter()
            .map(|&k| run_names[k as usize])
            .collect();
        // The per-run numbers move out; the index keeps its tables for lookups.
        let of_run = std::mem::take(&mut index.of_item);
        (names, Some(of_run), Lookup::Hashed { index, state })
    };

    // Every row: its run's index.
    let mut of_row = vec![0u32; n];
    of_row
        .par_chunks_mut(ROWS)
        .enumerate()
        .for_each(|(b, chunk)| {
            let lo = b * ROWS;
            let mut k = runs.partition_point(|&r| r as usize <= lo) - 1;
            for (i, slot) in chunk.iter_mut().enumerate() {
                while k + 1 < runs.len() && runs[k + 1] as usize <= lo + i {
                    k += 1;
                }
                *slot = of_run.as_ref().map_or(k as u32, |o| o[k]);
            }
        });
    DenseIds {
        names,
        of_row,
        lookup,
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
        assert!(matches!(d.lookup, Lookup::Hashed { .. }));
    }

    /// A log sorted by id takes the path without hashing and numbers exactly as the hashed
    /// path does; an id that comes back after another (not sorted) falls back.
    #[test]
    fn sorted_logs_number_runs_without_hashing() {
        let mut ids =
            StringChunked::from_iter_options("id".into(), [None, Some("a"), Some("a")].into_iter());
        ids.append(&StringChunked::from_iter_values(
            "id".into(),
            ["a", "b", "c", "c"].into_iter(),
        ))
        .unwrap();
        let d = dense_ids(&ids);
        assert!(matches!(d.lookup, Lookup::Sorted));
        assert_eq!(d.names, ["", "a", "b", "c"]);
        assert_eq!(d.of_row, [0, 1, 1, 1, 2, 3, 3]);
        assert_eq!(
            (d.get("b"), d.get(""), d.get("bb")),
            (Some(2), Some(0), None)
        );
        for unsorted in [["a", "b", "a"], ["b", "a", "c"], ["a", "a", "a"]] {
            let ids = StringChunked::from_iter_values("id".into(), unsorted.into_iter());
            let d = dense_ids(&ids);
            let want: Vec<&str> = unsorted.iter().fold(Vec::new(), |mut v, s| {
                if !v.contains(s) {
                    v.push(*s);
                }
                v
            });
            assert_eq!(d.names, want);
            for (r, s) in unsorted.iter().enumerate() {
                assert_eq!(d.names[d.of_row[r] as usize], *s);
                assert_eq!(d.get(s), Some(d.of_row[r]));
            }
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(300))]
        /// Either path numbers ids by first appearance, whatever the chunking, and `get`
        /// finds every id: against a plain sequential pass. Half the cases are sorted.
        #[test]
        fn dense_ids_match_a_sequential_pass(
            mut ids in proptest::collection::vec(0u8..12, 0..60),
            sort in proptest::bool::ANY,
            cuts in proptest::collection::vec(0usize..60, 0..4),
        ) {
            if sort {
                ids.sort_unstable();
            }
            let text: Vec<String> = ids.iter().map(|i| format!("c{i:02}")).collect();
            let mut bounds: Vec<usize> = cuts.into_iter().map(|c| c.min(text.len())).collect();
            bounds.push(0);
            bounds.push(text.len());
            bounds.sort_unstable();
            let mut ca = StringChunked::from_iter_values("id".into(), std::iter::empty::<&str>());
            for w in bounds.windows(2) {
                ca.append(&StringChunked::from_iter_values(
                    "id".into(),
                    text[w[0]..w[1]].iter().map(String::as_str),
                ))
                .unwrap();
            }
            let d = dense_ids(&ca);
            let mut want: Vec<&str> = Vec::new();
            let mut of_row = Vec::new();
            for t in &text {
                let k = want.iter().position(|w| w == t).unwrap_or_else(|| {
                    want.push(t);
                    want.len() - 1
                });
                of_row.push(k as u32);
            }
            proptest::prop_assert_eq!(&d.names, &want);
            proptest::prop_assert_eq!(&d.of_row, &of_row);
            for (k, t) in want.iter().enumerate() {
                proptest::prop_assert_eq!(d.get(t), Some(k as u32));
            }
            proptest::prop_assert_eq!(d.get("missing"), None);
        }
    }
}
