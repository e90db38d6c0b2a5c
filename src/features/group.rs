//! Grouping rows by customer, shared by the summary and the churn log: dense customer ids in
//! order of first appearance, and a stable counting sort of rows by id.

use polars::prelude::*;

/// Customer ids as dense integers.
pub(crate) struct DenseIds<'a> {
    /// Distinct ids in order of first appearance.
    pub names: Vec<&'a str>,
    /// Id → dense index.
    pub index: PlHashMap<&'a str, u32>,
    /// Per row: the dense index of its id.
    pub of_row: Vec<u32>,
}

/// Gives each distinct id a dense index in order of first appearance (a missing id is "").
pub(crate) fn dense_ids(ids: &StringChunked) -> DenseIds<'_> {
    let n = ids.len();
    // Sized for a few rows per customer up front: growing a large table rehashes every key.
    let mut index: PlHashMap<&str, u32> = PlHashMap::with_capacity(n / 2);
    let mut names: Vec<&str> = Vec::new();
    let mut of_row = Vec::with_capacity(n);
    // Logs are usually grouped by customer: a row with the previous row's id skips the
    // hash lookup (a string compare instead of a random access into a large table).
    let mut prev: Option<(&str, u32)> = None;
    for id in ids.iter() {
        let id = id.unwrap_or_default();
        if let Some((p, c)) = prev
            && p == id
        {
            of_row.push(c);
            continue;
        }
        let next = names.len() as u32;
        let c = *index.entry(id).or_insert_with(|| {
            names.push(id);
            next
        });
        of_row.push(c);
        prev = Some((id, c));
    }
    DenseIds {
        names,
        index,
        of_row,
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
        assert_eq!(d.index["c"], 2);
        let (start, order) = group_rows(3, &d.of_row);
        assert_eq!(start, [0, 3, 5, 6]);
        assert_eq!(order, [0, 1, 3, 2, 5, 4]);
    }
}
