//! The customer summary table: one row per customer, the input of every purchase model.
//!
//! Conventions (Fader, Hardie & Lee 2005, "Counting your customers the easy way"):
//! - purchases by one customer in the same merge period (a calendar day by default) are one
//!   transaction, dated by the earliest purchase in it;
//! - `frequency` x is the number of *repeat* transactions: the first is excluded;
//! - `recency` t_x is the time from the first to the last transaction (0 when x = 0);
//! - `T` is the time from the first transaction to the end of the calibration period (or of
//!   the observation period when there is no split);
//! - `monetary_value` is the mean value of the repeat transactions (0 when x = 0);
//! - times are in the chosen [`TimeUnit`], not rounded (weeks = days / 7).
//!
//! With a calibration end, transactions after it and up to the observation end form the
//! holdout: `frequency_holdout` (transactions there), `monetary_value_holdout` (their mean
//! value) and `duration_holdout` (its length). Customers whose first purchase is after the
//! calibration end are not in the table; they are counted in [`SummaryStats`].
//!
//! Under `--negative-amounts net`, a period whose rows are all returns is not a transaction;
//! its (negative) value still counts in `total_spend`.

use std::borrow::Cow;

use chrono::{Datelike, NaiveDate};
use polars::prelude::*;
use rayon::prelude::*;
use serde::Serialize;

use super::FeatureError;
use super::time::{MergePeriod, TimeUnit};
use crate::data::{Transactions, date_of_day, day_of_date};

/// How to build the summary.
#[derive(Debug, Clone, Default)]
pub struct SummaryOptions {
    /// Unit of recency, `T` and durations.
    pub time_unit: TimeUnit,
    /// Purchases in the same period are one transaction.
    pub merge_period: MergePeriod,
    /// Last day (inclusive) of the calibration period; `None`: no holdout.
    pub calibration_end: Option<NaiveDate>,
    /// Last day (inclusive) observed; `None`: the last transaction date.
    pub observation_end: Option<NaiveDate>,
}

/// Customer-level facts about a summary, for run reports.
#[derive(Debug, Clone, Serialize)]
pub struct SummaryStats {
    /// Customers in the table.
    pub customers: usize,
    /// Customers with x > 0.
    pub repeat_customers: usize,
    /// Σx over the table.
    pub repeat_transactions: u64,
    /// Unit of recency and `T`.
    pub time_unit: TimeUnit,
    /// Merge period.
    pub merge_period: MergePeriod,
    /// End of the period `T` is measured to (calibration end, or observation end).
    pub period_end: NaiveDate,
    /// Calibration end, if split.
    pub calibration_end: Option<NaiveDate>,
    /// Observation end.
    pub observation_end: NaiveDate,
    /// Customers left out because their first purchase is after the calibration end.
    pub excluded_first_purchase_after_calibration: usize,
    /// Customers left out because they have only returns (no purchase) in the period.
    pub excluded_only_returns: usize,
    /// Whether the table has monetary columns.
    pub has_monetary: bool,
    /// Holdout facts, if split.
    pub holdout: Option<HoldoutStats>,
}

/// Facts about the holdout period.
#[derive(Debug, Clone, Serialize)]
pub struct HoldoutStats {
    /// Transactions in the holdout by customers in the table (all are repeat transactions).
    pub repeat_transactions: u64,
    /// Customers in the table with at least one holdout transaction.
    pub customers_with_transactions: usize,
    /// Holdout length in time units.
    pub duration: f64,
}

/// The summary table and its stats.
#[derive(Debug, Clone)]
pub struct CustomerSummary {
    /// One row per customer, sorted by `customer_id`. Columns: `customer_id`, `frequency`,
    /// `recency`, `T`, `monetary_value`*, `n_transactions`, `total_spend`*,
    /// `first_purchase`, `last_purchase`, and with a split `frequency_holdout`,
    /// `monetary_value_holdout`*, `duration_holdout` (*: only with amounts).
    pub df: DataFrame,
    /// Counts for the run report.
    pub stats: SummaryStats,
}

/// Per-customer accumulators for one pass over the customer's transactions in date order.
#[derive(Default, Clone, Copy)]
struct Acc {
    first_day: i32,
    last_day: i32,
    n_cal: i64,
    first_value: f64,
    repeat_sum: f64,
    total_spend: f64,
    n_hold: i64,
    hold_sum: f64,
}

impl Acc {
    /// Mean value of the repeat transactions (0 without repeats).
    fn monetary(&self) -> f64 {
        if self.n_cal > 1 {
            self.repeat_sum / (self.n_cal - 1) as f64
        } else {
            0.0
        }
    }
}

/// Builds the customer summary from validated transactions.
///
/// One deterministic pass: customers get dense ids in order of first appearance, rows are
/// grouped by customer (counting sort) and ordered by day (stable, so rows on one day keep
/// file order), and every sum runs sequentially in that order: the same log gives the same
/// bits on every run and machine.
pub fn build_summary(
    tx: &Transactions,
    opts: &SummaryOptions,
) -> Result<CustomerSummary, FeatureError> {
    Ok(build(tx, opts, false)?.0)
}

/// Repeat transactions per calendar day: `counts[d]` is the number on day `first_day + d`,
/// from the first day of the log to the observation end.
///
/// A repeat transaction is what the summary counts in `frequency` and `frequency_holdout`:
/// a transaction (rows merged by period, as in the summary) of a customer in the table that is
/// not the customer's first. So the counts up to the calibration end sum to Σ `frequency`,
/// and those after it to Σ `frequency_holdout`. Customers whose first purchase is after the
/// calibration end are not in the table, and none of their transactions count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RepeatsByDay {
    /// Day number (days since 1970-01-01) of `counts[0]`.
    pub first_day: i32,
    /// Repeat transactions per day.
    pub counts: Vec<u64>,
}

/// [`build_summary`], plus the repeat transactions per calendar day (the "actual" line of a
/// tracking plot), from the same pass over the grouped rows.
pub fn build_summary_with_repeats(
    tx: &Transactions,
    opts: &SummaryOptions,
) -> Result<(CustomerSummary, RepeatsByDay), FeatureError> {
    let (summary, repeats) = build(tx, opts, true)?;
    Ok((summary, repeats.expect("asked for")))
}

/// The log's customer ids, and its days and amounts as single contiguous chunks (the
/// per-customer passes index them by row).
fn log_columns(
    tx: &Transactions,
) -> Result<(&StringChunked, Int32Chunked, Option<Float64Chunked>), FeatureError> {
    let frame = tx.frame();
    let ids = frame.column(Transactions::CUSTOMER)?.str()?;
    let days = frame
        .column(Transactions::DATE)?
        .date()?
        .physical()
        .rechunk()
        .into_owned();
    let amounts = match frame.column(Transactions::AMOUNT) {
        Ok(c) => Some(c.f64()?.rechunk().into_owned()),
        Err(_) => None,
    };
    Ok((ids, days, amounts))
}

fn build(
    tx: &Transactions,
    opts: &SummaryOptions,
    want_repeats: bool,
) -> Result<(CustomerSummary, Option<RepeatsByDay>), FeatureError> {
    let (_, last_day) = tx.day_range().ok_or_else(|| {
        FeatureError::Invalid(
            "no transactions left to summarise (every row was rejected, or the file is empty)"
                .into(),
        )
    })?;
    let observation_end = opts.observation_end.map(day_of_date).unwrap_or(last_day);
    if last_day > observation_end {
        return Err(FeatureError::Invalid(format!(
            "transactions run to {} but the observation end is {}: validate with the same \
             --observation-end",
            date_of_day(last_day),
            date_of_day(observation_end)
        )));
    }
    let calibration_end = opts.calibration_end.map(day_of_date);
    if let Some(c) = calibration_end
        && c >= observation_end
    {
        return Err(FeatureError::Invalid(format!(
            "the calibration end {} must be before the observation end {}\n  fix: pass an earlier \
             --calibration-end or a later --observation-end",
            date_of_day(c),
            date_of_day(observation_end)
        )));
    }
    let period_end = calibration_end.unwrap_or(observation_end);
    let unit = opts.time_unit.days();

    let (ids, days_ca, amounts_ca) = log_columns(tx)?;
    let days = days_ca.cont_slice()?;
    let amounts = amounts_ca.as_ref().map(|a| a.cont_slice()).transpose()?;

    // 1. Dense customer ids in order of first appearance.
    let super::group::DenseIds { names, of_row, .. } = super::group::dense_ids(ids);

    // 2. Rows grouped by customer (stable counting sort), then by day within each customer.
    let (start, order) = super::group::group_rows(names.len(), &of_row);
    drop(of_row);

    // 3. One pass per customer: merge rows of a period into one transaction. Customers are
    //    independent, so they are summarised in parallel; each customer's sums still run in
    //    row order, so the result does not depend on the number of threads.
    let period_of = |day: i32| -> i64 { period_index(opts.merge_period, day) };
    let summarise = |c: usize| -> Acc {
        let mut buf = Vec::new();
        let rows = sorted_by_day(&order[start[c]..start[c + 1]], days, &mut buf);
        accumulate(rows, days, amounts, period_end, &period_of)
    };
    let accs: Vec<Acc> = (0..names.len())
        .into_par_iter()
        .with_min_len(4096)
        .map(summarise)
        .collect();
    let excluded_after_calibration = accs.iter().filter(|a| a.n_cal == 0 && a.n_hold > 0).count();
    let only_returns = accs
        .iter()
        .filter(|a| a.n_cal == 0 && a.n_hold == 0)
        .count();
    let repeats = want_repeats.then(|| {
        // Customers are independent: per-chunk histograms of whole numbers, summed, so the
        // result does not depend on the number of threads.
        let first_day = tx.day_range().map_or(observation_end, |r| r.0);
        let len = (observation_end - first_day + 1).max(0) as usize;
        let counts = (0..names.len())
            .into_par_iter()
            .with_min_len(4096)
            .fold(
                || (vec![0u64; len], Vec::new()),
                |(mut h, mut buf), c| {
                    if accs[c].n_cal > 0 {
                        let rows = sorted_by_day(&order[start[c]..start[c + 1]], days, &mut buf);
                        let mut seen_first = false;
                        for_each_transaction(rows, days, amounts, period_end, &period_of, |t| {
                            if !t.is_purchase {
                                return;
                            }
                            if seen_first {
                                h[(t.day - first_day) as usize] += 1;
                            }
                            seen_first = true;
                        });
                    }
                    (h, buf)
                },
            )
            .map(|(h, _)| h)
            .reduce(
                || vec![0u64; len],
                |mut a, b| {
                    for (x, y) in a.iter_mut().zip(b) {
                        *x += y;
                    }
                    a
                },
            );
        RepeatsByDay { first_day, counts }
    });
    drop(order);

    // 4. Output rows: customers with a purchase in the period, sorted by id.
    let mut kept: Vec<u32> = (0..names.len() as u32)
        .filter(|&c| accs[c as usize].n_cal > 0)
        .collect();
    kept.par_sort_unstable_by(|&a, &b| names[a as usize].cmp(names[b as usize]));
    let m = kept.len();
    // Gathered once in output order, so every column below reads them sequentially.
    let sorted: Vec<Acc> = kept.par_iter().map(|&c| accs[c as usize]).collect();
    drop(accs);
    let acc_of = |i: usize| &sorted[i];
    let frequency: Vec<i64> = (0..m).map(|i| acc_of(i).n_cal - 1).collect();
    let mut columns = vec![
        StringChunked::from_iter_values(
            Transactions::CUSTOMER.into(),
            kept.iter().map(|&c| names[c as usize]),
        )
        .into_column(),
        Int64Chunked::from_vec("frequency".into(), frequency.clone()).into_column(),
        float_col("recency", m, |i| {
            f64::from(acc_of(i).last_day - acc_of(i).first_day) / unit
        }),
        float_col("T", m, |i| {
            f64::from(period_end - acc_of(i).first_day) / unit
        }),
    ];
    let has_amount = amounts.is_some();
    if has_amount {
        columns.push(float_col("monetary_value", m, |i| acc_of(i).monetary()));
    }
    columns.push(
        Int64Chunked::from_vec(
            "n_transactions".into(),
            (0..m).map(|i| acc_of(i).n_cal).collect(),
        )
        .into_column(),
    );
    if has_amount {
        columns.push(float_col("total_spend", m, |i| acc_of(i).total_spend));
    }
    for (name, day) in [
        (
            "first_purchase",
            (0..m).map(|i| acc_of(i).first_day).collect::<Vec<_>>(),
        ),
        (
            "last_purchase",
            (0..m).map(|i| acc_of(i).last_day).collect(),
        ),
    ] {
        columns.push(
            Int32Chunked::from_vec(name.into(), day)
                .into_date()
                .into_column(),
        );
    }
    let mut holdout = None;
    if let Some(c) = calibration_end {
        let fh: Vec<i64> = (0..m).map(|i| acc_of(i).n_hold).collect();
        let duration = f64::from(observation_end - c) / unit;
        holdout = Some(HoldoutStats {
            repeat_transactions: fh.iter().sum::<i64>() as u64,
            customers_with_transactions: fh.iter().filter(|v| **v > 0).count(),
            duration,
        });
        columns.push(Int64Chunked::from_vec("frequency_holdout".into(), fh).into_column());
        if has_amount {
            columns.push(float_col("monetary_value_holdout", m, |i| {
                let a = acc_of(i);
                if a.n_hold > 0 {
                    a.hold_sum / a.n_hold as f64
                } else {
                    0.0
                }
            }));
        }
        columns.push(float_col("duration_holdout", m, |_| duration));
    }
    let df = DataFrame::new(m, columns)?;

    let stats = SummaryStats {
        customers: m,
        repeat_customers: frequency.iter().filter(|v| **v > 0).count(),
        repeat_transactions: frequency.iter().sum::<i64>() as u64,
        time_unit: opts.time_unit,
        merge_period: opts.merge_period,
        period_end: date_of_day(period_end),
        calibration_end: calibration_end.map(date_of_day),
        observation_end: date_of_day(observation_end),
        excluded_first_purchase_after_calibration: excluded_after_calibration,
        excluded_only_returns: only_returns,
        has_monetary: has_amount,
        holdout,
    };
    Ok((CustomerSummary { df, stats }, repeats))
}

/// The merge period a day falls in, as a number (equal numbers: the same period).
fn period_index(merge: MergePeriod, day: i32) -> i64 {
    match merge {
        MergePeriod::Day => i64::from(day),
        // The day number of the week's Monday (day 4 = 1970-01-05 was a Monday).
        MergePeriod::Week => i64::from(day - (day + 3).rem_euclid(7)),
        MergePeriod::Month => {
            let d = date_of_day(day);
            i64::from(d.year()) * 12 + i64::from(d.month0())
        }
    }
}

/// One customer's summary row as of a day: the `frequency`, `recency`, `T` and
/// `monetary_value` that [`build_summary`] gives the customer when the log is cut at that day
/// and the observation ends on it (what `clvr predict --as-of` scores).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RfmAt {
    /// Repeat transactions.
    pub frequency: f64,
    /// Time from the first to the last transaction, in the time unit.
    pub recency: f64,
    /// Time from the first transaction to the day, in the time unit.
    pub t: f64,
    /// Mean value of the repeat transactions (0 without repeats or without amounts).
    pub monetary: f64,
}

/// Per customer and per day, the customer's summary row as of that day, each customer at
/// its own days: `ends[k][i]` is the last day (inclusive) of the k-th query for `ids[i]`,
/// and the answer `[k][i]` is `None` when the customer has no purchase up to it (no row in
/// the summary). The log is grouped once for all queries; every answer equals the row of
/// [`build_summary`] on the log cut at that day (`observation_end` the day, no calibration
/// split, same time unit and merge period).
pub fn rfm_as_of(
    tx: &Transactions,
    time_unit: TimeUnit,
    merge_period: MergePeriod,
    ids: &[&str],
    ends: &[&[i32]],
) -> Result<Vec<Vec<Option<RfmAt>>>, FeatureError> {
    if let Some(e) = ends.iter().find(|e| e.len() != ids.len()) {
        return Err(FeatureError::Invalid(format!(
            "{} query days for {} customers",
            e.len(),
            ids.len()
        )));
    }
    let unit = time_unit.days();
    let (id_col, days_ca, amounts_ca) = log_columns(tx)?;
    let days = days_ca.cont_slice()?;
    let amounts = amounts_ca.as_ref().map(|a| a.cont_slice()).transpose()?;
    let dense = super::group::dense_ids(id_col);
    let (start, order) = super::group::group_rows(dense.names.len(), &dense.of_row);
    let period_of = |day: i32| -> i64 { period_index(merge_period, day) };
    let answers: Vec<Vec<Option<RfmAt>>> = ids
        .par_iter()
        .enumerate()
        .with_min_len(1024)
        .map_init(Vec::new, |buf, (i, id)| {
            let Some(c) = dense.get(id) else {
                return vec![None; ends.len()];
            };
            let c = c as usize;
            let rows = sorted_by_day(&order[start[c]..start[c + 1]], days, buf);
            ends.iter()
                .map(|e| {
                    let end = e[i];
                    let acc = accumulate(rows, days, amounts, end, &period_of);
                    let n = acc.n_cal;
                    (n > 0).then(|| RfmAt {
                        frequency: (n - 1) as f64,
                        recency: f64::from(acc.last_day - acc.first_day) / unit,
                        t: f64::from(end - acc.first_day) / unit,
                        monetary: acc.monetary(),
                    })
                })
                .collect()
        })
        .collect();
    // Transposed: one vector per query.
    Ok((0..ends.len())
        .map(|k| answers.iter().map(|a| a[k]).collect())
        .collect())
}

/// One customer's sums over their day-sorted rows, split at `period_end`: the calibration
/// part (first and last purchase, purchases, repeat value, total spend with returns) and
/// the holdout after it.
fn accumulate(
    rows: &[u32],
    days: &[i32],
    amounts: Option<&[f64]>,
    period_end: i32,
    period_of: &impl Fn(i32) -> i64,
) -> Acc {
    let mut acc = Acc::default();
    for_each_transaction(rows, days, amounts, period_end, period_of, |t| {
        if !t.after_period_end {
            acc.total_spend += t.value;
            if !t.is_purchase {
                return;
            }
            if acc.n_cal == 0 {
                acc.first_day = t.day;
                acc.first_value = t.value;
            } else {
                acc.repeat_sum += t.value;
            }
            acc.last_day = t.day;
            acc.n_cal += 1;
        } else if t.is_purchase {
            acc.n_hold += 1;
            acc.hold_sum += t.value;
        }
    });
    acc
}

/// One transaction: the rows of one customer in one merge period (and on one side of the
/// period end), dated by the first of them.
struct Merged {
    day: i32,
    value: f64,
    /// At least one row is a purchase (not a return); always true without amounts.
    is_purchase: bool,
    /// In the holdout (after the calibration end).
    after_period_end: bool,
}

/// A customer's rows in day order: as given when they already are (the usual case), else a
/// stable sort into `buf`.
fn sorted_by_day<'a>(rows: &'a [u32], days: &[i32], buf: &'a mut Vec<u32>) -> &'a [u32] {
    if rows.is_sorted_by_key(|&r| days[r as usize]) {
        rows
    } else {
        buf.clear();
        buf.extend_from_slice(rows);
        buf.sort_by_key(|&r| days[r as usize]);
        buf
    }
}

/// Calls `f` for each transaction of one customer's day-sorted rows, in order. The one place
/// rows become transactions, so the summary and the per-day repeat counts agree.
fn for_each_transaction(
    rows: &[u32],
    days: &[i32],
    amounts: Option<&[f64]>,
    period_end: i32,
    period_of: &impl Fn(i32) -> i64,
    mut f: impl FnMut(Merged),
) {
    let mut i = 0;
    while i < rows.len() {
        let day = days[rows[i] as usize];
        let key = (day > period_end, period_of(day));
        let mut value = 0.0;
        let mut is_purchase = amounts.is_none();
        while i < rows.len() {
            let d = days[rows[i] as usize];
            if (d > period_end, period_of(d)) != key {
                break;
            }
            if let Some(a) = amounts {
                let v = a[rows[i] as usize];
                value += v;
                is_purchase |= v >= 0.0;
            }
            i += 1;
        }
        f(Merged {
            day,
            value,
            is_purchase,
            after_period_end: key.0,
        });
    }
}

/// Frequency, recency and `T` per customer, in table order. Recency and `T` are borrowed
/// from the table when it holds them contiguously (the usual case): no copy.
pub type RfmColumns<'a> = (Vec<f64>, Cow<'a, [f64]>, Cow<'a, [f64]>);

impl CustomerSummary {
    /// Frequency, recency and `T` as plain vectors, the input of the purchase models.
    pub fn rfm(&self) -> Result<RfmColumns<'_>, FeatureError> {
        let x = self
            .df
            .column("frequency")?
            .i64()?
            .into_no_null_iter()
            .map(|v| v as f64)
            .collect();
        Ok((x, self.floats("recency")?, self.floats("T")?))
    }

    /// A float column without nulls, borrowed when it is one contiguous chunk.
    fn floats(&self, name: &str) -> Result<Cow<'_, [f64]>, FeatureError> {
        let c = self.df.column(name)?.f64()?;
        Ok(match c.cont_slice() {
            Ok(s) => Cow::Borrowed(s),
            Err(_) => Cow::Owned(c.into_no_null_iter().collect()),
        })
    }

    /// Mean repeat-transaction value per customer (`monetary_value`); an error when the log
    /// had no amounts.
    pub fn monetary(&self) -> Result<Cow<'_, [f64]>, FeatureError> {
        if self.df.column("monetary_value").is_err() {
            return Err(FeatureError::Invalid(
                "the transactions have no amount column".into(),
            ));
        }
        self.floats("monetary_value")
    }

    /// The customer ids, in table order.
    pub fn customer_ids(&self) -> Result<Vec<String>, FeatureError> {
        Ok(self
            .df
            .column("customer_id")?
            .str()?
            .iter()
            .map(|v| v.unwrap_or_default().to_string())
            .collect())
    }

    /// The holdout per customer, in table order: transactions after the calibration end
    /// (`frequency_holdout`) and, when the log has amounts, their total value
    /// (`frequency_holdout × monetary_value_holdout`). An error without a calibration split.
    pub fn holdout(&self) -> Result<(Vec<f64>, Option<Vec<f64>>), FeatureError> {
        let x: Vec<f64> = self
            .df
            .column("frequency_holdout")
            .map_err(|_| {
                FeatureError::Invalid(
                    "the summary has no holdout: build it with a calibration end".into(),
                )
            })?
            .i64()?
            .into_no_null_iter()
            .map(|v| v as f64)
            .collect();
        let spend = match self.df.column("monetary_value_holdout") {
            Ok(c) => Some(
                c.f64()?
                    .into_no_null_iter()
                    .zip(&x)
                    .map(|(m, n)| m * n)
                    .collect(),
            ),
            Err(_) => None,
        };
        Ok((x, spend))
    }

    /// First purchase dates as day numbers, in table order.
    pub fn first_purchase_days(&self) -> Result<Vec<i32>, FeatureError> {
        self.day_column("first_purchase")
    }

    /// Last purchase dates (in the period) as day numbers, in table order.
    pub fn last_purchase_days(&self) -> Result<Vec<i32>, FeatureError> {
        self.day_column("last_purchase")
    }

    fn day_column(&self, name: &str) -> Result<Vec<i32>, FeatureError> {
        Ok(self
            .df
            .column(name)?
            .date()?
            .physical()
            .into_no_null_iter()
            .collect())
    }

    /// Total spend per customer in the period (historical value), when amounts exist.
    pub fn total_spend(&self) -> Result<Option<Cow<'_, [f64]>>, FeatureError> {
        match self.df.column("total_spend") {
            Ok(_) => Ok(Some(self.floats("total_spend")?)),
            Err(_) => Ok(None),
        }
    }
}

fn float_col(name: &str, m: usize, f: impl Fn(usize) -> f64) -> Column {
    Float64Chunked::from_vec(name.into(), (0..m).map(f).collect()).into_column()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::days_from_civil;

    fn d(y: i32, m: u32, day: u32) -> i32 {
        days_from_civil(y, m, day).unwrap()
    }

    fn row(s: &CustomerSummary, id: &str) -> (i64, f64, f64, f64) {
        let df = &s.df;
        let i = df
            .column("customer_id")
            .unwrap()
            .str()
            .unwrap()
            .iter()
            .position(|v| v == Some(id))
            .unwrap();
        (
            df.column("frequency")
                .unwrap()
                .i64()
                .unwrap()
                .get(i)
                .unwrap(),
            df.column("recency").unwrap().f64().unwrap().get(i).unwrap(),
            df.column("T").unwrap().f64().unwrap().get(i).unwrap(),
            df.column("monetary_value")
                .unwrap()
                .f64()
                .unwrap()
                .get(i)
                .unwrap(),
        )
    }

    /// Every customer at its own day, for every merge period and with returns netted:
    /// exactly the row `build_summary` gives on the log cut at that day.
    #[test]
    fn rfm_as_of_equals_the_summary_of_the_log_cut_at_each_day() {
        use rand::rngs::StdRng;
        use rand::{RngExt, SeedableRng};
        let mut rng = StdRng::seed_from_u64(11);
        let (mut ids, mut days, mut amounts) = (Vec::new(), Vec::new(), Vec::new());
        let base = d(2021, 1, 1);
        for _ in 0..3_000 {
            ids.push(format!("c{}", rng.random_range(0..200)));
            days.push(base + rng.random_range(0..400));
            // Some returns (negative), netted within their period.
            amounts.push(if rng.random::<f64>() < 0.1 {
                -5.0
            } else {
                f64::from(rng.random_range(1..100))
            });
        }
        let tx = Transactions::from_columns(&ids, days, Some(amounts)).unwrap();
        let names: Vec<String> = (0..220).map(|i| format!("c{i}")).collect(); // 20 unknown
        let refs: Vec<&str> = names.iter().map(String::as_str).collect();
        // Two query days per customer, from four distinct days.
        let choices = [base + 30, base + 150, base + 151, base + 399];
        let e1: Vec<i32> = (0..names.len()).map(|i| choices[i % 4]).collect();
        let e2: Vec<i32> = (0..names.len()).map(|i| choices[(i / 4) % 4]).collect();
        for merge in [MergePeriod::Day, MergePeriod::Week, MergePeriod::Month] {
            let got = rfm_as_of(&tx, TimeUnit::Week, merge, &refs, &[&e1, &e2]).unwrap();
            assert_eq!(got.len(), 2);
            let mut found = 0;
            for &end in &choices {
                let (cut, _) = tx.clone().up_to(end).unwrap();
                let s = build_summary(
                    &cut,
                    &SummaryOptions {
                        time_unit: TimeUnit::Week,
                        merge_period: merge,
                        calibration_end: None,
                        observation_end: Some(date_of_day(end)),
                    },
                )
                .unwrap();
                let present = s.customer_ids().unwrap();
                for (k, ends) in [&e1, &e2].iter().enumerate() {
                    for (i, id) in names.iter().enumerate().filter(|(i, _)| ends[*i] == end) {
                        let have = got[k][i];
                        if present.contains(id) {
                            let (x, r, t, m) = row(&s, id);
                            let want = RfmAt {
                                frequency: x as f64,
                                recency: r,
                                t,
                                monetary: m,
                            };
                            assert_eq!(have, Some(want), "{id} at {end} ({merge:?})");
                            found += 1;
                        } else {
                            assert_eq!(have, None, "{id} at {end} ({merge:?})");
                        }
                    }
                }
            }
            assert!(found > 300, "{found}");
        }
    }

    #[test]
    fn same_day_purchases_merge_and_first_purchase_is_excluded() {
        // a: three rows on day 1 (one transaction, value 6), then day 8 (value 10) and day 15 (value 20).
        // b: one purchase only.
        let tx = Transactions::from_columns(
            &["a", "a", "a", "a", "a", "b"],
            vec![
                d(2020, 1, 1),
                d(2020, 1, 1),
                d(2020, 1, 1),
                d(2020, 1, 8),
                d(2020, 1, 15),
                d(2020, 1, 8),
            ],
            Some(vec![1.0, 2.0, 3.0, 10.0, 20.0, 5.0]),
        )
        .unwrap();
        let opts = SummaryOptions {
            time_unit: TimeUnit::Day,
            observation_end: Some(NaiveDate::from_ymd_opt(2020, 1, 29).unwrap()),
            ..Default::default()
        };
        let s = build_summary(&tx, &opts).unwrap();
        assert_eq!(row(&s, "a"), (2, 14.0, 28.0, 15.0));
        assert_eq!(row(&s, "b"), (0, 0.0, 21.0, 0.0));
        assert_eq!(s.stats.customers, 2);
        assert_eq!(s.stats.repeat_transactions, 2);
        let total =
            s.df.column("total_spend")
                .unwrap()
                .f64()
                .unwrap()
                .get(0)
                .unwrap();
        assert_eq!(total, 36.0);
    }

    #[test]
    fn time_units_divide_days_without_rounding() {
        let tx = Transactions::from_columns(&["a", "a"], vec![d(2020, 1, 1), d(2020, 1, 11)], None)
            .unwrap();
        for (unit, div) in [
            (TimeUnit::Day, 1.0),
            (TimeUnit::Week, 7.0),
            (TimeUnit::Month, 30.4375),
        ] {
            let opts = SummaryOptions {
                time_unit: unit,
                observation_end: Some(NaiveDate::from_ymd_opt(2020, 1, 31).unwrap()),
                ..Default::default()
            };
            let s = build_summary(&tx, &opts).unwrap();
            let rec =
                s.df.column("recency")
                    .unwrap()
                    .f64()
                    .unwrap()
                    .get(0)
                    .unwrap();
            let t = s.df.column("T").unwrap().f64().unwrap().get(0).unwrap();
            assert_eq!(rec, 10.0 / div);
            assert_eq!(t, 30.0 / div);
            assert!(
                s.df.column("monetary_value").is_err(),
                "no amounts, no monetary column"
            );
        }
    }

    #[test]
    fn week_and_month_merge_periods() {
        // 2020-01-06 is a Monday; 01-06 and 01-12 share an ISO week, 01-13 starts the next.
        let tx = Transactions::from_columns(
            &["a", "a", "a", "a"],
            vec![d(2020, 1, 6), d(2020, 1, 12), d(2020, 1, 13), d(2020, 2, 1)],
            Some(vec![1.0, 1.0, 4.0, 8.0]),
        )
        .unwrap();
        let mut opts = SummaryOptions {
            time_unit: TimeUnit::Day,
            merge_period: MergePeriod::Week,
            observation_end: Some(NaiveDate::from_ymd_opt(2020, 2, 29).unwrap()),
            ..Default::default()
        };
        let s = build_summary(&tx, &opts).unwrap();
        assert_eq!(row(&s, "a"), (2, 26.0, 54.0, 6.0));
        opts.merge_period = MergePeriod::Month;
        let s = build_summary(&tx, &opts).unwrap();
        assert_eq!(row(&s, "a"), (1, 26.0, 54.0, 8.0));
    }

    #[test]
    fn holdout_columns_and_late_first_purchases() {
        let tx = Transactions::from_columns(
            &["a", "a", "a", "a", "late"],
            vec![
                d(2020, 1, 1),
                d(2020, 1, 5),
                d(2020, 2, 3),
                d(2020, 2, 10),
                d(2020, 2, 4),
            ],
            Some(vec![1.0, 2.0, 4.0, 8.0, 3.0]),
        )
        .unwrap();
        let opts = SummaryOptions {
            time_unit: TimeUnit::Day,
            calibration_end: Some(NaiveDate::from_ymd_opt(2020, 1, 31).unwrap()),
            observation_end: Some(NaiveDate::from_ymd_opt(2020, 3, 1).unwrap()),
            ..Default::default()
        };
        let s = build_summary(&tx, &opts).unwrap();
        assert_eq!(s.df.height(), 1);
        assert_eq!(row(&s, "a"), (1, 4.0, 30.0, 2.0));
        let g = |c: &str| {
            s.df.column(c)
                .unwrap()
                .get(0)
                .unwrap()
                .extract::<f64>()
                .unwrap()
        };
        assert_eq!(g("frequency_holdout"), 2.0);
        assert_eq!(g("monetary_value_holdout"), 6.0);
        assert_eq!(g("duration_holdout"), 30.0);
        assert_eq!(s.stats.excluded_first_purchase_after_calibration, 1);
        let h = s.stats.holdout.unwrap();
        assert_eq!(
            (h.repeat_transactions, h.customers_with_transactions),
            (2, 1)
        );
    }

    #[test]
    fn repeats_by_day_count_what_the_summary_counts() {
        // a: two rows on 01-01 (one transaction), 01-05, a return-only day 01-20, then
        // 02-03 and 02-10 in the holdout; late: first purchase in the holdout (not counted).
        let tx = Transactions::from_columns(
            &["a", "a", "a", "a", "a", "a", "late", "late"],
            vec![
                d(2020, 1, 1),
                d(2020, 1, 1),
                d(2020, 1, 5),
                d(2020, 1, 20),
                d(2020, 2, 3),
                d(2020, 2, 10),
                d(2020, 2, 4),
                d(2020, 2, 6),
            ],
            Some(vec![1.0, 2.0, 2.0, -1.0, 4.0, 8.0, 3.0, 3.0]),
        )
        .unwrap();
        let opts = SummaryOptions {
            time_unit: TimeUnit::Day,
            calibration_end: Some(NaiveDate::from_ymd_opt(2020, 1, 31).unwrap()),
            observation_end: Some(NaiveDate::from_ymd_opt(2020, 3, 1).unwrap()),
            ..Default::default()
        };
        // Returns are rejected by the loader's default policy; from_columns keeps them, as
        // under `--negative-amounts net`.
        let (s, r) = build_summary_with_repeats(&tx, &opts).unwrap();
        assert_eq!(r.first_day, d(2020, 1, 1));
        assert_eq!(r.counts.len(), (d(2020, 3, 1) - d(2020, 1, 1) + 1) as usize);
        let on = |y, m, dd| r.counts[(d(y, m, dd) - r.first_day) as usize];
        assert_eq!((on(2020, 1, 1), on(2020, 1, 5), on(2020, 1, 20)), (0, 1, 0));
        assert_eq!((on(2020, 2, 3), on(2020, 2, 6), on(2020, 2, 10)), (1, 0, 1));
        assert_eq!(r.counts.iter().sum::<u64>(), 3);
        let cal_end = (d(2020, 1, 31) - r.first_day) as usize;
        assert_eq!(
            r.counts[..=cal_end].iter().sum::<u64>(),
            s.stats.repeat_transactions
        );
        assert_eq!(
            r.counts[cal_end + 1..].iter().sum::<u64>(),
            s.stats.holdout.as_ref().unwrap().repeat_transactions
        );
        // The same summary as without the counts.
        let plain = build_summary(&tx, &opts).unwrap();
        assert!(plain.df.equals_missing(&s.df));
        let (hx, hs) = s.holdout().unwrap();
        assert_eq!(hx, vec![2.0]);
        assert_eq!(hs, Some(vec![12.0]));
    }

    #[test]
    fn returns_net_within_the_period_and_return_only_days_are_not_transactions() {
        let tx = Transactions::from_columns(
            &["a", "a", "a", "a", "r"],
            vec![
                d(2020, 1, 1),
                d(2020, 1, 3),
                d(2020, 1, 3),
                d(2020, 1, 9),
                d(2020, 1, 2),
            ],
            Some(vec![10.0, 30.0, -5.0, -10.0, -3.0]),
        )
        .unwrap();
        let opts = SummaryOptions {
            time_unit: TimeUnit::Day,
            observation_end: Some(NaiveDate::from_ymd_opt(2020, 1, 10).unwrap()),
            ..Default::default()
        };
        let s = build_summary(&tx, &opts).unwrap();
        assert_eq!(s.df.height(), 1);
        assert_eq!(row(&s, "a"), (1, 2.0, 9.0, 25.0));
        let total =
            s.df.column("total_spend")
                .unwrap()
                .f64()
                .unwrap()
                .get(0)
                .unwrap();
        assert_eq!(total, 25.0);
        assert_eq!(s.stats.excluded_only_returns, 1);
    }

    #[test]
    fn calibration_end_must_precede_observation_end() {
        let tx = Transactions::from_columns(&["a"], vec![d(2020, 1, 1)], None).unwrap();
        let opts = SummaryOptions {
            calibration_end: Some(NaiveDate::from_ymd_opt(2020, 2, 1).unwrap()),
            observation_end: Some(NaiveDate::from_ymd_opt(2020, 1, 31).unwrap()),
            ..Default::default()
        };
        assert!(matches!(
            build_summary(&tx, &opts),
            Err(FeatureError::Invalid(_))
        ));
    }
}
