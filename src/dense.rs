//! Dense indices of hashed keys in order of first appearance, computed in parallel: shared
//! by the customer-id grouping (`features::group`) and the pattern grouping of scoring.

use rayon::prelude::*;

/// Dense indices of items (keys) in order of first appearance, with a lookup table.
pub(crate) struct DenseIndex {
    /// Per item: its key's dense index.
    pub of_item: Vec<u32>,
    /// Per dense index: the first item with that key.
    pub firsts: Vec<u32>,
    /// Hash → dense index: one open-addressing table per hash partition.
    tables: Vec<Table>,
}

impl DenseIndex {
    /// The dense index of a key with hash `h` for which `same(dense index)` holds.
    pub fn find(&self, h: u64, same: impl Fn(u32) -> bool) -> Option<u32> {
        self.tables[partition_of(h)].find(h, same)
    }
}

const PARTITION_BITS: u32 = 8;

/// The partition of a hash: its top bits (the tables index by the low ones).
fn partition_of(h: u64) -> usize {
    (h >> (64 - PARTITION_BITS)) as usize
}

/// An open-addressing (linear probing) table of (hash, value); keys are compared by their
/// full 64-bit hash first, and by the caller's check only when hashes are equal.
struct Table {
    slots: Vec<(u64, u32)>,
    mask: usize,
}

impl Table {
    const EMPTY: u32 = u32::MAX;

    fn with_capacity(n: usize) -> Self {
        let size = (2 * n).next_power_of_two().max(8);
        Table {
            slots: vec![(0, Self::EMPTY); size],
            mask: size - 1,
        }
    }

    /// The value stored for a key with hash `h` for which `same(value)` holds.
    fn find(&self, h: u64, same: impl Fn(u32) -> bool) -> Option<u32> {
        let mut i = h as usize & self.mask;
        loop {
            let (sh, v) = self.slots[i];
            if v == Self::EMPTY {
                return None;
            }
            if sh == h && same(v) {
                return Some(v);
            }
            i = (i + 1) & self.mask;
        }
    }

    /// Finds the key, or inserts it with value `new`; returns the stored value.
    fn find_or_insert(&mut self, h: u64, new: u32, same: impl Fn(u32) -> bool) -> u32 {
        let mut i = h as usize & self.mask;
        loop {
            let (sh, v) = self.slots[i];
            if v == Self::EMPTY {
                self.slots[i] = (h, new);
                return new;
            }
            if sh == h && same(v) {
                return v;
            }
            i = (i + 1) & self.mask;
        }
    }
}

/// Numbers the distinct keys of `hashes.len()` items in order of first appearance, as one
/// sequential pass with a hash table would, but in parallel: items are partitioned by hash
/// (keeping their order), so each partition's table is small enough to stay in cache and
/// the partitions are filled in parallel. Keys are told apart by their 64-bit hashes;
/// `same(a, b)` (do items a and b have the same key?) is asked only when hashes are equal.
pub(crate) fn dense_index(hashes: &[u64], same: impl Fn(u32, u32) -> bool + Sync) -> DenseIndex {
    let n = hashes.len();
    assert!(n < u32::MAX as usize, "at most 2^32 − 1 items");
    // Item indices partitioned by hash, in item order (counting sort).
    let n_parts = 1usize << PARTITION_BITS;
    let mut start = vec![0usize; n_parts + 1];
    for &h in hashes {
        start[partition_of(h) + 1] += 1;
    }
    for i in 1..start.len() {
        start[i] += start[i - 1];
    }
    let mut fill = start.clone();
    let mut parted: Vec<u32> = vec![0; n];
    for (k, &h) in hashes.iter().enumerate() {
        let p = partition_of(h);
        parted[fill[p]] = k as u32;
        fill[p] += 1;
    }
    drop(fill);

    // Per partition, in parallel: its table (hash → first item) and each item's first item.
    let mut first_of = vec![0u32; n];
    let mut parts: Vec<&mut [u32]> = Vec::with_capacity(n_parts);
    let mut rest = first_of.as_mut_slice();
    for p in 0..n_parts {
        let (head, tail) = rest.split_at_mut(start[p + 1] - start[p]);
        parts.push(head);
        rest = tail;
    }
    let mut tables: Vec<Table> = parts
        .into_par_iter()
        .enumerate()
        .map(|(p, out)| {
            let mine = &parted[start[p]..start[p + 1]];
            let mut table = Table::with_capacity(mine.len());
            for (slot, &k) in out.iter_mut().zip(mine) {
                *slot = table.find_or_insert(hashes[k as usize], k, |first| same(first, k));
            }
            table
        })
        .collect();

    // An item that is its key's first opens a new dense index, in item order.
    let mut is_first = vec![false; n];
    for (&k, &first) in parted.iter().zip(&first_of) {
        if k == first {
            is_first[k as usize] = true;
        }
    }
    let mut dense_of_first = vec![0u32; n];
    let mut firsts = Vec::new();
    for (k, &f) in is_first.iter().enumerate() {
        if f {
            dense_of_first[k] = firsts.len() as u32;
            firsts.push(k as u32);
        }
    }
    drop(is_first);
    let mut of_item = vec![0u32; n];
    for (&k, &first) in parted.iter().zip(&first_of) {
        of_item[k as usize] = dense_of_first[first as usize];
    }
    drop(parted);
    drop(first_of);
    tables.par_iter_mut().for_each(|t| {
        for (_, v) in t.slots.iter_mut() {
            if *v != Table::EMPTY {
                *v = dense_of_first[*v as usize];
            }
        }
    });
    DenseIndex {
        of_item,
        firsts,
        tables,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::HashMap;

    /// The sequential definition: a hash map, ids in order of first appearance.
    fn sequential(keys: &[u32]) -> (Vec<u32>, Vec<u32>) {
        let mut seen = HashMap::new();
        let mut firsts = Vec::new();
        let of = keys
            .iter()
            .enumerate()
            .map(|(i, k)| {
                *seen.entry(*k).or_insert_with(|| {
                    firsts.push(i as u32);
                    (firsts.len() - 1) as u32
                })
            })
            .collect();
        (of, firsts)
    }

    proptest! {
        /// Matches the sequential pass, with a good hash and with a hash so poor that
        /// distinct keys collide all the time (then `same` must tell them apart).
        #[test]
        fn matches_a_sequential_pass(keys in proptest::collection::vec(0u32..300, 0..3000),
                                     poor in any::<bool>()) {
            let hash = |k: u32| if poor {
                // Only 8 distinct hashes, spread over partitions.
                u64::from(k % 8).wrapping_mul(0x9E37_79B9_7F4A_7C15)
            } else {
                u64::from(k).wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0x1234_5678
            };
            let hashes: Vec<u64> = keys.iter().map(|&k| hash(k)).collect();
            let d = dense_index(&hashes, |a, b| keys[a as usize] == keys[b as usize]);
            let (of, firsts) = sequential(&keys);
            prop_assert_eq!(&d.of_item, &of);
            prop_assert_eq!(&d.firsts, &firsts);
            for (g, &f) in firsts.iter().enumerate() {
                let k = keys[f as usize];
                prop_assert_eq!(d.find(hash(k), |v| keys[firsts[v as usize] as usize] == k),
                                Some(g as u32));
            }
            prop_assert_eq!(d.find(hash(1000), |v| keys[firsts[v as usize] as usize] == 1000),
                            None);
        }
    }
}
