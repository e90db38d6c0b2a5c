//! Model inputs compressed to unique patterns with counts.
//!
//! A million customers share far fewer distinct `(x, t_x, T)` triples, and far fewer still
//! distinct values of each coordinate. Likelihoods are evaluated once per pattern, and any
//! per-value work (a log of `α + T`, a digamma of `r + x`) once per distinct value, through
//! the index arrays kept here.

/// Continuous-time, non-contractual data: frequency `x`, recency `t_x`, age `T`, compressed.
///
/// Patterns are sorted by `(x, t_x, T)`, so the same customers always give the same arrays
/// in the same order (deterministic sums).
#[derive(Debug, Clone, PartialEq)]
pub struct RfmPatterns {
    /// Repeat transactions per pattern.
    pub x: Vec<f64>,
    /// Time of the last transaction per pattern (0 when x = 0).
    pub t_x: Vec<f64>,
    /// Time from first transaction to the end of the period per pattern.
    pub t: Vec<f64>,
    /// How many customers share the pattern.
    pub count: Vec<f64>,
    /// Distinct values of `x`, ascending; `x_idx[i]` points into it.
    pub xs: Vec<f64>,
    /// Index of each pattern's `x` in `xs`.
    pub x_idx: Vec<u32>,
    /// Distinct values of `t_x`, ascending.
    pub txs: Vec<f64>,
    /// Index of each pattern's `t_x` in `txs`.
    pub tx_idx: Vec<u32>,
    /// Distinct values of `T`, ascending.
    pub ts: Vec<f64>,
    /// Index of each pattern's `T` in `ts`.
    pub t_idx: Vec<u32>,
}

/// Why customer data cannot be modelled.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DataCheckError {
    /// Columns of different lengths.
    #[error("x, t_x and T have different lengths ({0}, {1}, {2})")]
    Lengths(usize, usize, usize),
    /// A value outside its domain.
    #[error(
        "customer {index}: {what} (x = {x}, t_x = {t_x}, T = {t}); need x >= 0 whole, \
         0 <= t_x <= T, all finite"
    )]
    Invalid {
        /// 0-based row.
        index: usize,
        /// What is wrong.
        what: &'static str,
        /// The row's values.
        x: f64,
        /// Recency.
        t_x: f64,
        /// Age.
        t: f64,
    },
}

/// A fixed multiply-rotate hasher for the pattern keys (three f64 bit patterns): a few times
/// faster than SipHash and fine here, where keys are data values, not attacker input, and
/// iteration order never leaks (the distinct keys are sorted afterwards).
#[derive(Clone, Copy, Default)]
pub(crate) struct FastHash;

#[derive(Default)]
pub(crate) struct FastHasher(u64);

impl std::hash::BuildHasher for FastHash {
    type Hasher = FastHasher;
    fn build_hasher(&self) -> FastHasher {
        FastHasher(0)
    }
}

impl std::hash::Hasher for FastHasher {
    fn finish(&self) -> u64 {
        // splitmix64's finaliser: float bit patterns vary mostly in their high bits, and the
        // table indexes by the low ones.
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.write_u64(u64::from(*b));
        }
    }
    fn write_u64(&mut self, v: u64) {
        self.0 = (self.0.rotate_left(5) ^ v).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
}

fn distinct_index(values: &[f64]) -> (Vec<f64>, Vec<u32>) {
    let mut uniq: Vec<f64> = values.to_vec();
    uniq.sort_by(f64::total_cmp);
    uniq.dedup();
    let idx = values
        .iter()
        .map(|v| uniq.partition_point(|u| u < v) as u32)
        .collect();
    (uniq, idx)
}

impl RfmPatterns {
    /// Compresses per-customer `(x, t_x, T)` (optionally weighted) into unique patterns,
    /// checking every row: x a non-negative whole number, 0 <= t_x <= T, T >= 0, t_x = 0 when
    /// x = 0 (a t_x > 0 with x = 0 is an error: no repeat purchase has a time), all finite.
    pub fn from_customers(
        x: &[f64],
        t_x: &[f64],
        t: &[f64],
        weights: Option<&[f64]>,
    ) -> Result<Self, DataCheckError> {
        if x.len() != t_x.len() || x.len() != t.len() {
            return Err(DataCheckError::Lengths(x.len(), t_x.len(), t.len()));
        }
        for i in 0..x.len() {
            let bad = |what| DataCheckError::Invalid {
                index: i,
                what,
                x: x[i],
                t_x: t_x[i],
                t: t[i],
            };
            if !(x[i].is_finite() && t_x[i].is_finite() && t[i].is_finite()) {
                return Err(bad("not finite"));
            }
            if x[i] < 0.0 || x[i].fract() != 0.0 {
                return Err(bad("x is not a non-negative whole number"));
            }
            // T = 0 (acquired on the last day of the period) is valid: such a customer
            // contributes ln 1 = 0 to the likelihood.
            if t[i] < 0.0 {
                return Err(bad("T is negative"));
            }
            if t_x[i] < 0.0 || t_x[i] > t[i] * (1.0 + 1e-12) {
                return Err(bad("t_x is outside [0, T]"));
            }
            if x[i] == 0.0 && t_x[i] != 0.0 {
                return Err(bad("t_x > 0 with no repeat purchase"));
            }
        }
        // Count each distinct (x, t_x, T) by hashing (linear time), then sort the distinct
        // patterns only: the order, and so every later sum, is deterministic.
        let mut counts: std::collections::HashMap<(u64, u64, u64), f64, FastHash> =
            std::collections::HashMap::with_capacity_and_hasher(x.len().min(1 << 20), FastHash);
        for i in 0..x.len() {
            // `+ 0.0` turns −0.0 into 0.0, so equal values share one key.
            let key = (
                (x[i] + 0.0).to_bits(),
                (t_x[i].min(t[i]) + 0.0).to_bits(),
                (t[i] + 0.0).to_bits(),
            );
            *counts.entry(key).or_insert(0.0) += weights.map_or(1.0, |w| w[i]);
        }
        let mut keys: Vec<(u64, u64, u64)> = counts.keys().copied().collect();
        // Non-negative floats order like their bit patterns.
        keys.sort_unstable();
        let px = keys.iter().map(|k| f64::from_bits(k.0)).collect();
        let ptx = keys.iter().map(|k| f64::from_bits(k.1)).collect();
        let pt = keys.iter().map(|k| f64::from_bits(k.2)).collect();
        let pc = keys.iter().map(|k| counts[k]).collect();
        Ok(Self::from_patterns(px, ptx, pt, pc))
    }

    fn from_patterns(x: Vec<f64>, t_x: Vec<f64>, t: Vec<f64>, count: Vec<f64>) -> Self {
        let (xs, x_idx) = distinct_index(&x);
        let (txs, tx_idx) = distinct_index(&t_x);
        let (ts, t_idx) = distinct_index(&t);
        RfmPatterns {
            x,
            t_x,
            t,
            count,
            xs,
            x_idx,
            txs,
            tx_idx,
            ts,
            t_idx,
        }
    }

    /// The same data with every time divided by `c` (counts unchanged).
    pub fn rescaled(&self, c: f64) -> Self {
        let div = |v: &[f64]| v.iter().map(|t| t / c).collect::<Vec<_>>();
        RfmPatterns {
            t_x: div(&self.t_x),
            t: div(&self.t),
            txs: div(&self.txs),
            ts: div(&self.ts),
            ..self.clone()
        }
    }

    /// Number of patterns.
    pub fn len(&self) -> usize {
        self.x.len()
    }

    /// Whether there are no patterns.
    pub fn is_empty(&self) -> bool {
        self.x.is_empty()
    }

    /// Number of customers (sum of counts).
    pub fn n_customers(&self) -> f64 {
        self.count.iter().sum()
    }

    /// Number of customers with at least one repeat transaction.
    pub fn n_repeaters(&self) -> f64 {
        self.x
            .iter()
            .zip(&self.count)
            .filter(|(x, _)| **x > 0.0)
            .map(|(_, c)| c)
            .sum()
    }

    /// Count-weighted mean of `T`: the time scale used to make rate parameters O(1).
    pub fn mean_t(&self) -> f64 {
        let n = self.n_customers();
        self.t
            .iter()
            .zip(&self.count)
            .map(|(t, c)| t * c)
            .sum::<f64>()
            / n
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compresses_duplicates_and_indexes_distinct_values() {
        let x = [0.0, 2.0, 0.0, 2.0, 1.0];
        let tx = [0.0, 3.0, 0.0, 3.0, 3.0];
        let t = [5.0, 6.0, 5.0, 6.0, 5.0];
        let p = RfmPatterns::from_customers(&x, &tx, &t, None).unwrap();
        assert_eq!(p.x, vec![0.0, 1.0, 2.0]);
        assert_eq!(p.count, vec![2.0, 1.0, 2.0]);
        assert_eq!(p.ts, vec![5.0, 6.0]);
        assert_eq!(p.t_idx, vec![0, 0, 1]);
        assert_eq!(p.txs, vec![0.0, 3.0]);
        assert_eq!(p.tx_idx, vec![0, 1, 1]);
        assert_eq!(p.n_customers(), 5.0);
        assert_eq!(p.n_repeaters(), 3.0);
    }

    #[test]
    fn rejects_impossible_rows() {
        assert!(RfmPatterns::from_customers(&[1.5], &[1.0], &[2.0], None).is_err());
        assert!(RfmPatterns::from_customers(&[1.0], &[3.0], &[2.0], None).is_err());
        assert!(RfmPatterns::from_customers(&[0.0], &[1.0], &[2.0], None).is_err());
        assert!(RfmPatterns::from_customers(&[1.0], &[1.0], &[0.0], None).is_err());
        assert!(RfmPatterns::from_customers(&[0.0], &[0.0], &[-1.0], None).is_err());
        // Acquired on the last day: T = 0 is valid.
        assert!(RfmPatterns::from_customers(&[0.0], &[0.0], &[0.0], None).is_ok());
        assert!(RfmPatterns::from_customers(&[f64::NAN], &[1.0], &[2.0], None).is_err());
    }
}
