//! Property tests for the customer summary: the conventions hold for any transaction log.

use chrono::NaiveDate;
use polars::prelude::*;
use proptest::prelude::*;

use super::{MergePeriod, SummaryOptions, TimeUnit, build_summary, build_summary_with_repeats};
use crate::data::Transactions;

/// Up to 60 rows over 8 customers and 120 days; amounts are multiples of 0.25, so sums are
/// exact in binary and re-ordering cannot change a single bit.
fn logs() -> impl Strategy<Value = Vec<(u8, i32, f64)>> {
    prop::collection::vec(
        (
            0u8..8,
            0i32..120,
            (0u32..400).prop_map(|q| f64::from(q) / 4.0),
        ),
        1..60,
    )
}

fn options() -> impl Strategy<Value = SummaryOptions> {
    (
        prop_oneof![
            Just(TimeUnit::Day),
            Just(TimeUnit::Week),
            Just(TimeUnit::Month)
        ],
        prop_oneof![
            Just(MergePeriod::Day),
            Just(MergePeriod::Week),
            Just(MergePeriod::Month)
        ],
        prop::option::of(20i32..100),
    )
        .prop_map(|(time_unit, merge_period, cal)| SummaryOptions {
            time_unit,
            merge_period,
            calibration_end: cal.map(crate::data::date_of_day),
            observation_end: NaiveDate::from_ymd_opt(1970, 5, 31),
        })
}

fn tx_of(rows: &[(u8, i32, f64)]) -> Transactions {
    let ids: Vec<String> = rows.iter().map(|r| format!("c{}", r.0)).collect();
    Transactions::from_columns(
        &ids,
        rows.iter().map(|r| r.1).collect(),
        Some(rows.iter().map(|r| r.2).collect()),
    )
    .unwrap()
}

fn f64s(df: &DataFrame, name: &str) -> Vec<f64> {
    df.column(name)
        .unwrap()
        .f64()
        .unwrap()
        .into_no_null_iter()
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn summary_conventions_hold(rows in logs(), opts in options()) {
        let s = build_summary(&tx_of(&rows), &opts).unwrap();
        let df = &s.df;
        let x: Vec<i64> = df.column("frequency").unwrap().i64().unwrap().into_no_null_iter().collect();
        let (tx, t, m) = (f64s(df, "recency"), f64s(df, "T"), f64s(df, "monetary_value"));
        for i in 0..df.height() {
            prop_assert!(x[i] >= 0);
            prop_assert!(0.0 <= tx[i] && tx[i] <= t[i], "t_x {} T {}", tx[i], t[i]);
            if x[i] == 0 {
                prop_assert_eq!(tx[i], 0.0);
                prop_assert_eq!(m[i], 0.0);
            }
            prop_assert!(m[i].is_finite() && m[i] >= 0.0);
        }
        prop_assert_eq!(s.stats.repeat_transactions, x.iter().sum::<i64>() as u64);
    }

    /// The per-day repeat counts (the tracking plot's actual line) add up to the summary's
    /// repeat transactions, split at the calibration end.
    #[test]
    fn repeats_by_day_sum_to_the_summary(rows in logs(), opts in options()) {
        let (s, r) = build_summary_with_repeats(&tx_of(&rows), &opts).unwrap();
        let end = opts.calibration_end.map(crate::data::day_of_date).unwrap_or(i32::MAX);
        let (mut cal, mut hold) = (0u64, 0u64);
        for (d, n) in r.counts.iter().enumerate() {
            if r.first_day + d as i32 <= end { cal += n } else { hold += n }
        }
        prop_assert_eq!(cal, s.stats.repeat_transactions);
        prop_assert_eq!(hold, s.stats.holdout.as_ref().map_or(0, |h| h.repeat_transactions));
    }

    #[test]
    fn summary_is_invariant_to_row_order(rows in logs(), opts in options(), seed in any::<u64>()) {
        let mut shuffled = rows.clone();
        // Fisher-Yates with a small LCG: any permutation is reachable.
        let mut state = seed | 1;
        for i in (1..shuffled.len()).rev() {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            shuffled.swap(i, (state >> 33) as usize % (i + 1));
        }
        let a = build_summary(&tx_of(&rows), &opts);
        let b = build_summary(&tx_of(&shuffled), &opts);
        match (a, b) {
            (Ok(a), Ok(b)) => prop_assert!(a.df.equals_missing(&b.df), "{:?}\n{:?}", a.df, b.df),
            (Err(_), Err(_)) => {}
            _ => prop_assert!(false, "one order failed, the other did not"),
        }
    }
}
