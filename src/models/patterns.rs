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
         0 <= t_x <= T, T > 0, all finite"
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
    /// checking every row: x a non-negative whole number, 0 <= t_x <= T, T > 0, t_x = 0 when
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
            if t[i] <= 0.0 {
                return Err(bad("T is not positive"));
            }
            if t_x[i] < 0.0 || t_x[i] > t[i] * (1.0 + 1e-12) {
                return Err(bad("t_x is outside [0, T]"));
            }
            if x[i] == 0.0 && t_x[i] != 0.0 {
                return Err(bad("t_x > 0 with no repeat purchase"));
            }
        }
        let mut order: Vec<usize> = (0..x.len()).collect();
        // Equal keys are equal rows, so an unstable sort is still deterministic.
        order.sort_unstable_by(|&a, &b| {
            x[a].total_cmp(&x[b])
                .then(t_x[a].total_cmp(&t_x[b]))
                .then(t[a].total_cmp(&t[b]))
        });
        let (mut px, mut ptx, mut pt, mut pc) = (vec![], vec![], vec![], vec![]);
        for &i in &order {
            let w = weights.map_or(1.0, |w| w[i]);
            let same = px.last() == Some(&x[i])
                && ptx.last() == Some(&t_x[i].min(t[i]))
                && pt.last() == Some(&t[i]);
            if same {
                if let Some(c) = pc.last_mut() {
                    *c += w;
                }
            } else {
                px.push(x[i]);
                ptx.push(t_x[i].min(t[i]));
                pt.push(t[i]);
                pc.push(w);
            }
        }
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
        assert!(RfmPatterns::from_customers(&[f64::NAN], &[1.0], &[2.0], None).is_err());
    }
}
